#!/usr/bin/env bash
# A report that cannot be written for want of space says so: "no space left
# on the device", the file it was writing (not its hidden temporary), exit
# 74 (EX_IOERR), and no line of the workbook library's own. Nothing is left
# under the final name.
# The full disk is a small tmpfs mounted in a user and mount namespace of
# its own (unshare -rm); where that is not allowed the test is skipped.
#   disk_full.sh BDTX FIXTURE_DIR
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -uo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
if ! unshare -rm sh -c "mount -t tmpfs -o size=64k tmpfs '$work'" 2>/dev/null; then
    echo "disk_full: unshare -rm and a tmpfs mount are not allowed here; skipped"
    exit 77
fi
db_use "bdtx_full_$$" || exit 1
cd "$work" || exit 1
mkdir small
fixture_config "$work/bdtx.yaml" "s#reports: reports#reports: $work/small/reports#"
"$bdtx" "${conf[@]}" -q db migrate || exit 1
"$bdtx" "${conf[@]}" -q import "$fixture/week-01/lms-hoc-vien-20201004.csv" || exit 1

in_small() {   # in_small SIZE COMMAND...: COMMAND with a tmpfs of SIZE on $work/small
    local size=$1
    shift
    unshare -rm sh -c 'mount -t tmpfs -o size="$0" tmpfs "$1/small" && shift && exec "$@"' \
        "$size" "$work" "$@"
}
no_library_lines() { ! grep -q '^\[ERROR\]' "$work/err"; }

expect_line 74 "bdtx: $work/small/r.xlsx: cannot write the workbook: no space left on the device" \
    in_small 96k "$bdtx" "${conf[@]}" report --week 2020-W40 --out "$work/small/r.xlsx"
check_that "no line of libxlsxwriter's own" no_library_lines
expect_line 74 "bdtx: $work/small/r.json: cannot write the report: no space left on the device" \
    in_small 16k "$bdtx" "${conf[@]}" report --week 2020-W40 --format json --out "$work/small/r.json"
# The weekly job stops on it with the same code, naming the report.
mkdir -p var/inbox
expect 74 "reports/2020-2021/bdtx-20-2020-W40.xlsx: cannot write the workbook: no space left on the device" \
    in_small 96k "$bdtx" "${conf[@]}" run
test_done
