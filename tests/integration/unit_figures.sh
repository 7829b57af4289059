#!/usr/bin/env bash
# The figures each learners import keeps per unit (unit_figures, written as
# those in force plus the change of the learners merged) against those
# recomputed from the history (`bdtx rebuild --check`), at every date,
# after a sequence of runs as cron makes them: a registry missing a school,
# weeks on the same day, a late week that replays the year, the registry
# fixed (loaded again by the run, replaying the year), later weeks, and a
# rebuild. Every week's report, read from the kept figures, equals its
# expected file. Then kept figures made wrong by hand are found, named by
# unit and date, with exit 70.
# Usage: unit_figures.sh BDTX FIXTURE. Needs the PG* variables of a server.
set -euo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
db_use "bdtx_figures_$$"

units=$work/units.csv
tr -d '\r' <"$fixture/units.csv" >"$work/full.csv"
# The school 20178002 is missing at first; it has learners every week.
grep -v '^20178002,' "$work/full.csv" >"$units"
fixture_config "$work/bdtx.yaml" "s#units: .*#units: $units#" \
    "s|^paths:.*|paths: { inbox: $work/inbox, archive: $work/archive, rejected: $work/rejected, reports: $work/reports }|"
mkdir "$work/inbox"
"$bdtx" "${conf[@]}" --quiet db migrate

week_of() { jq -r .week "$fixture/expected/week-$1.json"; }
compare_week() {
    local file diffs
    file=$work/reports/2020-2021/bdtx-20-$(week_of "$1").json
    [ -f "$file" ] || { failure "week $1: no report"; return; }
    diffs=$(jq -n -r --slurpfile actual "$file" \
        --slurpfile expected "$fixture/expected/week-$1.json" -f "$here/compare.jq")
    [ -z "$diffs" ] || { failure "week $1 differs from expected/week-$1.json"; echo "$diffs" | head -n 5; }
}
run() {
    local rc=0
    "$bdtx" "${conf[@]}" run >"$work/out" 2>"$work/err" || rc=$?
    [ "$rc" -le 1 ] || { failure "run after $1: exit $rc"; cat "$work/err"; }
}
# figures_match WHEN DATES: rebuild --check finds the kept figures equal to
# the history's at DATES dates.
figures_match() {
    expect 0 "" "$bdtx" "${conf[@]}" rebuild --check
    check "rebuild --check $1" "$(cat "$work/out")" \
        "bdtx rebuild --check: the kept figures of 1 school year, at $2 dates, are those of the history"
}
dates() { psql -Atc "SELECT count(DISTINCT as_of) FROM import WHERE source = 'lms-learners'"; }

# Weeks 1 and 2 (two learners exports on the same day), then week 4.
for w in 0 1 3; do
    fixture_drop "$w"
    run "week $((w + 1))"
done
figures_match "after weeks 1, 2 and 4" 3
check "figures kept at every learners import's date" \
    "$(psql -Atc "SELECT string_agg(DISTINCT as_of::text, ' ') FROM unit_figures")" \
    "2020-10-04 2020-10-11 2020-10-25"

# Week 3 comes late: the year is replayed.
fixture_drop 2
run "the late week 3"
grep -q "older than the newest learners export (2020-10-25): school year 2020-2021 replayed" "$work/err" \
    || failure "the late week did not replay the year: $(cat "$work/err")"
figures_match "after the late week" 4

# The officer adds the missing school; the run loads the registry again and
# replays the year, then imports week 5.
cp "$work/full.csv" "$units"
fixture_drop 4
run "the fixed registry"
grep -q "replayed from its [0-9]* files with the new registry" "$work/err" \
    || failure "the fixed registry did not replay the year: $(cat "$work/err")"
figures_match "after the registry change" 5

for w in 5 6 7; do
    fixture_drop "$w"
    run "week $((w + 1))"
done
figures_match "after every week" "$(dates)"
check "every week imported" "$(dates)" 8
for n in 01 02 03 04 05 06 07 08; do
    compare_week "$n"
done

# A rebuild writes them again, the same.
expect 0 "" "$bdtx" "${conf[@]}" rebuild
figures_match "after rebuild" 8
expect 0 "" "$bdtx" "${conf[@]}" rebuild --check --year 2020-2021
expect 64 "no school year '1999-2000' in the configuration" \
    "$bdtx" "${conf[@]}" rebuild --check --year 1999-2000

# Kept figures made wrong: the learners of one unit and role of week 6 one
# too many, the row of another of week 8 gone (week 7's figures, written
# before, stay right). Each is named, the command fails, and nothing is
# written.
read -r unit role n <<<"$(psql -Atc "SELECT unit_code, role, n FROM unit_figures
    WHERE as_of = '2020-11-08' AND modules IS NULL ORDER BY unit_code, role LIMIT 1" | tr '|' ' ')"
psql -qc "UPDATE unit_figures SET n = n + 1 WHERE as_of = '2020-11-08' AND unit_code = '$unit'
    AND role = '$role'"
# The deleted row differs in each of its numbers that is not zero.
read -r unit8 n8 nonzero8 <<<"$(psql -Atc "DELETE FROM unit_figures WHERE ctid = (
    SELECT ctid FROM unit_figures WHERE as_of = '2020-11-22' AND role = 'gv'
    ORDER BY n DESC, unit_code LIMIT 1)
    RETURNING unit_code, n, (n <> 0)::int + (learners <> 0)::int + (completed <> 0)::int
      + (other <> 0)::int + (SELECT count(*) FROM unnest(held || passed) x WHERE x <> 0)" | tr '|' ' ')"
before=$(psql -Atc "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM unit_figures t")
expect 70 "bdtx: the kept figures differ from the history in $((1 + nonzero8)) places" \
    "$bdtx" "${conf[@]}" rebuild --check
[ -z "$role" ] && shown='' || shown=$role
grep -qxF "2020-2021 as of 2020-11-08: unit $unit, role '$shown', learners: $((n + 1)) kept, $n in the history" "$work/out" \
    || failure "the wrong count is not named: $(cat "$work/out")"
grep -qxF "2020-2021 as of 2020-11-22: unit $unit8, role 'gv', learners: 0 kept, $n8 in the history" "$work/out" \
    || failure "the missing row is not named: $(cat "$work/out")"
check "rebuild --check wrote nothing" \
    "$(psql -Atc "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM unit_figures t")" "$before"
# A rebuild writes them right again.
expect 0 "" "$bdtx" "${conf[@]}" rebuild
figures_match "after the repair" 8

# A module taken out of the configuration afterwards: the figures were kept
# counting it (rule 10's people hold a pair of M1 or M2, completed both),
# so a report recomputes from the history over M1 alone, and gives what a
# database without kept figures gives.
sed '/{ code: M2,/d' "$work/bdtx.yaml" >"$work/m1.yaml"
grep -q 'code: M2' "$work/m1.yaml" && failure "M2 is still configured"
report_json() {
    "$bdtx" --config "$work/m1.yaml" --quiet report --as-of 2020-11-22 --format json --out "$1" \
        || failure "report with M1 only: exit $?"
    jq -S 'del(.generated_at)' "$1" >"$1.s"
}
report_json "$work/m1-kept.json"
psql -qc "CREATE TABLE figures_saved AS SELECT * FROM unit_figures; DELETE FROM unit_figures"
report_json "$work/m1-history.json"
check "M1 only: the report as from the history" \
    "$(cmp -s "$work/m1-kept.json.s" "$work/m1-history.json.s" && echo same || echo differ)" same
check "M1 only: people counted over M1 alone" \
    "$(jq '.people_total.learners' "$work/m1-history.json")" \
    "$(psql -Atc "SELECT count(DISTINCT learner_id) FROM (SELECT DISTINCT ON (learner_id, module)
        learner_id, module FROM progress_version WHERE as_of <= '2020-11-22'
        ORDER BY learner_id, module, as_of DESC) p WHERE module = 'M1'")"
psql -qc "INSERT INTO unit_figures SELECT * FROM figures_saved; DROP TABLE figures_saved"
# The configuration as it was reads the kept figures, the same as before.
expect 0 "" "$bdtx" "${conf[@]}" rebuild --check

test_done
