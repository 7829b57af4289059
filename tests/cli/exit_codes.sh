#!/usr/bin/env bash
# The exit status table of bdtx(1), one row at a time, and the same problem
# giving the same code through each command that can meet it (import, run,
# units import, report). Needs the PG* variables of a server.
set -uo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
db=bdtx_exit_$$
role=bdtx_test_exit_$$
secret=Pw$$-$RANDOM$RANDOM
at_exit 'psql -q -d postgres -c "DROP ROLE IF EXISTS $role" >/dev/null 2>&1'
db_use "$db" || exit 1
mkdir -p "$work/inbox"
fixture_config "$work/bdtx.yaml" \
    "s|^paths:.*|paths: { inbox: inbox, archive: archive, rejected: rejected, reports: reports }|"

# The codes the table of bdtx(1) lists: every one is tested below.
man=$here/../../docs/bdtx.1.in
table=$(sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$man" | sed -n 's/^\.B \([0-9][0-9]*\)$/\1/p' | tr '\n' ' ')
check "the codes of the exit status table in bdtx(1)" "$table" "0 1 64 65 69 70 73 74 75 78 "

header='Tài khoản,Mã đơn vị,Mô đun,Trạng thái'
# inbox_run FILE...: FILE copied alone into the inbox, then bdtx run.
inbox_run() {
    rm -rf "$work/inbox" && mkdir "$work/inbox" && cp "$@" "$work/inbox/" && "$bdtx" "${conf[@]}" run
}

# 64: usage.
expect 64 "bdtx: unknown option --bogus" "$bdtx" "${conf[@]}" import --bogus x.csv
expect 64 "bdtx: run takes no arguments" "$bdtx" "${conf[@]}" run now

# 78: configuration.
printf 'province: { code: "20", name: "X" }\ncolour: blue\n' >"$work/bad.yaml"
expect 78 "unknown key 'colour'" "$bdtx" --config "$work/bad.yaml" import x.csv
expect 78 "unknown key 'colour'" "$bdtx" --config "$work/bad.yaml" run
expect 78 "not up to date" "$bdtx" "${conf[@]}" import "$fixture/week-01/temis-gv.xlsx"
expect 78 "not up to date" "$bdtx" "${conf[@]}" run

# 69: the database unavailable.
expect 69 "bdtx: cannot connect to the database" env PGHOST=/nonexistent "$bdtx" "${conf[@]}" import x.csv
expect 69 "bdtx: cannot connect to the database" env PGHOST=/nonexistent "$bdtx" "${conf[@]}" run

"$bdtx" "${conf[@]}" -q db migrate || { failure "db migrate"; exit 1; }

# 65: the input file rejected: the same code through import, units import
# and run (the run's only file).
expect 65 "bdtx: $work/missing.csv: cannot open" "$bdtx" "${conf[@]}" import "$work/missing.csv"
expect 65 "bdtx: $work/missing.csv: cannot open" "$bdtx" "${conf[@]}" units import --year 2020-2021 "$work/missing.csv"
expect 65 "bdtx: $work/missing.csv: cannot open" "$bdtx" "${conf[@]}" units import "$work/missing.csv"
printf 'just some text\n' >"$work/plain.csv"
expect 65 "no recognisable header" "$bdtx" "${conf[@]}" import "$work/plain.csv"
expect 65 "" inbox_run "$work/plain.csv"
# A date in no school year: the file is rejected, whichever command.
printf '%s\n1,20178001,Mô đun 1,Đang học\n' "$header" >"$work/hoc-vien-20190105.csv"
expect 65 "no school year in the configuration contains the as-of date 2019-01-05" \
    "$bdtx" "${conf[@]}" import "$work/hoc-vien-20190105.csv"
expect 65 "" inbox_run "$work/hoc-vien-20190105.csv"

# A file that does not say what it counts (GV or CBQL): rejected (65), not
# a usage error, so that a run goes on without it.
printf 'Mã đơn vị,Tổng số,Tổng số hoàn thành tự đánh giá\n20178,10,5\n' >"$work/temis-20201004.csv"
expect 65 "cannot tell whether this file counts GV or CBQL" \
    "$bdtx" "${conf[@]}" import "$work/temis-20201004.csv"
expect 65 "" inbox_run "$work/temis-20201004.csv"
check_that "the run moved the file to the rejected folder" test -f "$work/rejected/temis-20201004.csv"

# 0: done.
expect 0 "" "$bdtx" "${conf[@]}" config check
printf '%s\n1,20178001,Mô đun 1,Đang học\n' "$header" >"$work/good-20201004.csv"
expect 0 "" "$bdtx" "${conf[@]}" import "$work/good-20201004.csv"
printf '%s\n1,20178001,Mô đun 1,Đã hoàn thành\n' "$header" >"$work/good-20201011.csv"
expect 0 "" inbox_run "$work/good-20201011.csv"

# 1: done, but rows were rejected.
printf '%s\n1,20178001,Mô đun 1,Đã hoàn thành\n2,99,Mô đun 1,Đang học\n' "$header" >"$work/some-20201018.csv"
expect 1 "" "$bdtx" "${conf[@]}" import "$work/some-20201018.csv"
printf '%s\n1,20178001,Mô đun 1,Đã hoàn thành\n3,99,Mô đun 1,Đang học\n' "$header" >"$work/some-20201025.csv"
expect 1 "" inbox_run "$work/some-20201025.csv"

# 73: a report that cannot be created (its folder is a file), by report
# and by run alike.
: >"$work/afile"
expect 73 "bdtx: cannot create folder $work/afile/sub" "$bdtx" "${conf[@]}" report --out "$work/afile/sub/r.xlsx"
fixture_config "$work/noreports.yaml" \
    "s|^paths:.*|paths: { inbox: inbox, archive: archive, rejected: rejected, reports: afile }|"
conf=(--config "$work/bdtx.yaml")
printf '%s\n1,20178001,Mô đun 1,Đã hoàn thành\n' "$header" >"$work/late-20201101.csv"
cp "$work/late-20201101.csv" "$work/inbox/"
expect 73 "bdtx: cannot create folder $work/afile/2020-2021" "$bdtx" --config "$work/noreports.yaml" run
rm -f "$work/inbox/"*

# 74: output that cannot be written (a full disk).
to_full() { "$@" >/dev/full; }
expect 74 "no space left on the device" to_full "$bdtx" "${conf[@]}" report --format json

# 75: another run holds the lock; this one does nothing.
psql -Atq -c "BEGIN" -c "LOCK TABLE run_lock IN EXCLUSIVE MODE" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 50); do
    [ "$(psql -Atc "SELECT count(*) FROM pg_locks WHERE relation = 'run_lock'::regclass AND granted")" = 0 ] || break
    sleep 0.1
done
expect 75 "another bdtx run holds the lock" "$bdtx" "${conf[@]}" run
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
psql -Atqc "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()" >/dev/null

# 78 again: a login without the role a command needs says which one.
psql -qv ON_ERROR_STOP=1 -c "CREATE ROLE $role LOGIN PASSWORD '$secret' IN ROLE bdtx_report" || exit 1
printf '%s\n7,20178001,Mô đun 1,Đã hoàn thành\n' "$header" >"$work/priv-20201108.csv"
expect_line 78 "HINT: bdtx import needs a login in the role bdtx_import (see DEPLOYMENT in bdtx(1))" \
    env PGUSER="$role" PGPASSWORD="$secret" "$bdtx" "${conf[@]}" import "$work/priv-20201108.csv"
cp "$work/priv-20201108.csv" "$work/inbox/"
expect_line 78 "HINT: bdtx run needs a login in the role bdtx_import (see DEPLOYMENT in bdtx(1))" \
    env PGUSER="$role" PGPASSWORD="$secret" "$bdtx" "${conf[@]}" run
rm -f "$work/inbox/"*

# 70: an internal error: here the database is not as bdtx left it.
psql -qc "ALTER TABLE import RENAME COLUMN rejected TO rejected_rows" || exit 1
expect 70 "bdtx: " "$bdtx" "${conf[@]}" db status

test_done
