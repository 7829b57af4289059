#!/usr/bin/env bash
# A registry missing one school, fixed after three weeks, through `bdtx run`
# as cron runs it: the school's rows are rejected in weeks 1 to 3; once the
# officer adds it to the registry file, the next run sees the file changed,
# loads it, replays the school year from its archive, and the reports of
# weeks 1 to 3 are written again equal to their expected files, without any
# file dropped into the inbox again. Then `bdtx units import` says what a
# registry change is (units added, renamed, re-parented, removed) and what
# it means for the rejected rows; and a registry that has become invalid
# stops the run with its exact message and exit 78.
# Usage: registry_fix.sh BDTX FIXTURE. Needs the PG* variables of a server.
set -euo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
db_use "bdtx_regfix_$$"

units=$work/units.csv
tr -d '\r' <"$fixture/units.csv" >"$work/full.csv"
# The school 20178002 (row 15) is missing; it has learners every week.
grep -v '^20178002,' "$work/full.csv" >"$units"
check "the school's row" "$(sed -n 15p "$work/full.csv")" "20178002,Trường Tiểu học Khánh Khê,school,20178"
fixture_config "$work/bdtx.yaml" "s#units: .*#units: $units#" \
    "s|^paths:.*|paths: { inbox: $work/inbox, archive: $work/archive, rejected: $work/rejected, reports: $work/reports }|"
mkdir "$work/inbox"
"$bdtx" "${conf[@]}" --quiet db migrate

week_of() { jq -r .week "$fixture/expected/week-$1.json"; }
report_of() { echo "$work/reports/2020-2021/bdtx-20-$(week_of "$1").json"; }
differs() {
    jq -n -r --slurpfile actual "$1" --slurpfile expected "$fixture/expected/week-$2.json" \
        -f "$here/compare.jq"
}
compare_week() {
    local diffs
    [ -f "$(report_of "$1")" ] || { failure "week $1: no report"; return; }
    diffs=$(differs "$(report_of "$1")" "$1")
    [ -z "$diffs" ] || { failure "week $1 differs from expected/week-$1.json"; echo "$diffs" | head -n 5; }
}
run() {
    local rc=0
    "$bdtx" "${conf[@]}" run >"$work/out" 2>"$work/err" || rc=$?
    [ "$rc" -le 1 ] || { failure "run after $1: exit $rc"; cat "$work/err"; }
}
rejected() { psql -Atc "SELECT sum(rejected) FROM import"; }
fixture_rejected=$(jq '[.weeks[].files[].rejected_rows // 0] | add' "$fixture/manifest.json")

for w in 0 1 2; do
    fixture_drop "$w"
    run "week $((w + 1))"
done
missing=$(rejected)
[ "$missing" -gt 0 ] || failure "no row rejected for the missing school"
[ -n "$(differs "$(report_of 01)" 01)" ] || failure "week 1 is right without its school"

# The officer adds the school to the registry file; week 4 comes.
cp "$work/full.csv" "$units"
fixture_drop 3
run "the fixed registry"
grep -q "info: $units: the unit registry of school year 2020-2021 changed: 1 added, 0 renamed, 0 re-parented, 0 removed, 0 otherwise changed$" "$work/err" \
    || failure "no line on the registry change: $(cat "$work/err")"
grep -q "info: school year 2020-2021 replayed from its [0-9]* files with the new registry: 0 rows rejected, $missing before$" "$work/err" \
    || failure "no line on the replay: $(cat "$work/err")"
for n in 01 02 03 04; do
    compare_week "$n"
done
for w in 4 5 6 7; do
    fixture_drop "$w"
    run "week $((w + 1))"
done
for n in 05 06 07 08; do
    compare_week "$n"
done
check "rows rejected in the year" "$(rejected)" "$fixture_rejected"
check "files rejected" "$(ls -A "$work/rejected" 2>/dev/null | wc -l)" 0

# units import: the school removed again, then given back under its name.
expect 0 "" "$bdtx" "${conf[@]}" units import --year 2020-2021 "$work/full.csv"
grep -qx "$work/full.csv: 314 units stored for school year 2020-2021, as they were" "$work/out" \
    || failure "units import of the same registry: $(cat "$work/out")"
grep -v '^20178002,' "$work/full.csv" >"$work/less.csv"
expect 0 "" "$bdtx" "${conf[@]}" units import --year 2020-2021 "$work/less.csv"
check "units import, one removed" "$(cat "$work/out")" "$work/less.csv: 313 units stored for school year 2020-2021 (0 added, 0 renamed, 0 re-parented, 1 removed, 0 otherwise changed)
  removed 20178002 Trường Tiểu học Khánh Khê
no rejected row named a unit this registry has; school year 2020-2021 replayed from its 26 files: $(rejected) rows rejected now, $fixture_rejected before"
sed -e 's/^20178002,Trường Tiểu học Khánh Khê,school,20178$/20178002,Trường Tiểu học Khánh Khê mới,school,20180/' \
    "$work/full.csv" >"$work/moved.csv"
expect 0 "" "$bdtx" "${conf[@]}" units import --year 2020-2021 "$work/moved.csv"
grep -qx "  added 20178002 Trường Tiểu học Khánh Khê mới (under 20180)" "$work/out" \
    || failure "units import, added: $(cat "$work/out")"
grep -q "^[0-9]* rejected rows named units this registry has; school year 2020-2021 replayed from its 26 files: $fixture_rejected rows rejected now, [0-9]* before$" "$work/out" \
    || failure "units import, rejected rows: $(cat "$work/out")"
expect 0 "" "$bdtx" "${conf[@]}" units import --year 2020-2021 "$work/full.csv"
check "units import, renamed and re-parented" "$(sed -n '2,3p' "$work/out")" "  renamed 20178002 Trường Tiểu học Khánh Khê (was Trường Tiểu học Khánh Khê mới)
  re-parented 20178002 Trường Tiểu học Khánh Khê (under 20178, was under 20180)"
check "rows rejected after units import" "$(rejected)" "$fixture_rejected"

# A registry file broken since it was loaded stops the run (exit 78), which
# names the file, row and column; nothing is imported.
sed -i 's/^20178002,Trường Tiểu học Khánh Khê,school,/20178002,Trường Tiểu học Khánh Khê,thpt,/' "$units"
fixture_drop 7
expect_line 78 "bdtx: $units:15:3: unit 20178002: kind 'thpt' is not one of nation, province, phong, xa, direct, school" \
    "$bdtx" "${conf[@]}" run
[ -n "$(ls -A "$work/inbox")" ] || failure "the run imported files despite its broken registry"

test_done
