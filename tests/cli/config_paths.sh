#!/usr/bin/env bash
# Configuration values that become paths, and the database's connection
# string, checked before anything is done: overlapping folders, a province
# code or report.file_name that would leave the reports folder, a time zone
# the system does not know, and a conninfo libpq cannot read are
# configuration errors (78); a password is masked only where libpq quoted it.
#   config_paths.sh BDTX FIXTURE_DIR
set -uo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
cd "$work" || exit 1

fixture_config "$work/ok.yaml"
expect 0 "" "$bdtx" --config "$work/ok.yaml" config check

# paths: the same folder twice, or one inside another.
fixture_config "$work/p1.yaml" 's#rejected: var/rejected#rejected: var/inbox#'
expect_line 78 "bdtx: $work/p1.yaml:4:8: paths.inbox (var/inbox) and paths.rejected (var/inbox) are the same folder" \
    "$bdtx" --config "$work/p1.yaml" config check
fixture_config "$work/p2.yaml" 's#reports: reports#reports: var/inbox/#'
expect 78 "paths.inbox (var/inbox) and paths.reports (var/inbox/) are the same folder" \
    "$bdtx" --config "$work/p2.yaml" config check
fixture_config "$work/p3.yaml" 's#archive: var/archive#archive: ./var/inbox/../inbox/old#'
expect 78 "paths.inbox (var/inbox) and paths.archive (./var/inbox/../inbox/old) overlap" \
    "$bdtx" --config "$work/p3.yaml" config check
fixture_config "$work/p4.yaml" "s#reports: reports#reports: $work/var#"
expect 78 "overlap: one holds the other" "$bdtx" --config "$work/p4.yaml" config check
# bdtx run refuses it too, before it touches a file.
mkdir -p var/inbox
cp "$fixture/week-01/lms-hoc-vien-20201004.csv" var/inbox/
expect 78 "are the same folder" "$bdtx" --config "$work/p1.yaml" run
check "the inbox file is still there" "$(ls var/inbox)" lms-hoc-vien-20201004.csv
# Folders apart that share a prefix of letters are fine.
fixture_config "$work/p5.yaml" 's#archive: var/archive#archive: var/inbox-old#'
expect 0 "" "$bdtx" --config "$work/p5.yaml" config check

# Values that become part of a path: province code and report.file_name.
fixture_config "$work/c1.yaml" 's#code: "20"#code: "20/../../x"#'
expect 78 "c1.yaml:2:19: province.code '20/../../x' holds a '/' or '\\'" \
    "$bdtx" --config "$work/c1.yaml" config check
fixture_config "$work/c2.yaml" 's#code: "20"#code: ".."#'
expect 78 "province.code '..' names a folder" "$bdtx" --config "$work/c2.yaml" config check
fixture_config "$work/c3.yaml" 's#file_name: "bdtx-{province}-{week}.xlsx"#file_name: ".."#'
expect 78 "report.file_name must be a file name, without '/' (it names a folder" \
    "$bdtx" --config "$work/c3.yaml" config check

# The province's time zone: known ones pass, others are refused.
fixture_config "$work/t1.yaml" 's#department: "SỞ GIÁO DỤC VÀ ĐÀO TẠO"#&, timezone: "Asia/Bangkok"#'
expect 0 "" "$bdtx" --config "$work/t1.yaml" config check
fixture_config "$work/t2.yaml" 's#department: "SỞ GIÁO DỤC VÀ ĐÀO TẠO"#&, timezone: "Mars/Olympus"#'
expect 78 "province.timezone 'Mars/Olympus' is not a time zone of this system" \
    "$bdtx" --config "$work/t2.yaml" config check
fixture_config "$work/t3.yaml" 's#department: "SỞ GIÁO DỤC VÀ ĐÀO TẠO"#&, timezone: "../../etc/passwd"#'
expect 78 "is not a time zone of this system" "$bdtx" --config "$work/t3.yaml" config check

# conninfo: one libpq cannot parse is a configuration error, not an outage.
with_conninfo() {   # with_conninfo CONNINFO: the configuration with it, in ci.yaml
    grep -v '^database:' "$work/ok.yaml" >"$work/ci.yaml"
    printf 'database:\n  conninfo: "%s"\n' "$1" >>"$work/ci.yaml"
}
with_conninfo "postgresql://u:secret%zz@localhost/db"
expect 78 "database.conninfo cannot be read" "$bdtx" --config "$work/ci.yaml" db status
check_that "the malformed conninfo's password is masked" eval '! grep -q secret "$work/err"'
with_conninfo "host=localhost dbname"
expect 78 "database.conninfo cannot be read" "$bdtx" --config "$work/ci.yaml" db status
# A password that is a common word: bdtx's own text stays whole.
with_conninfo "host=127.0.0.1 port=1 user=nobody password=connect connect_timeout=2"
expect 69 "cannot connect to the database" "$bdtx" --config "$work/ci.yaml" db status
check_that "no mask in bdtx's own words" eval '! grep -qF "c****" "$work/err"'
with_conninfo "host=localhost password=the port=xthe"
expect 69 'invalid integer value "x****" for connection option "port"' \
    "$bdtx" --config "$work/ci.yaml" db status
check_that "the rest of libpq's message is whole" grep -q 'for connection option' "$work/err"

test_done
