#!/usr/bin/env bash
# A forgotten week brought in late, through `bdtx run` as cron runs it: the
# fixture's weeks 1, 2, 3 and 5 are dropped into the inbox with a run after
# each, then week 4 (older than week 5, already imported), then weeks 6 to
# 8. The late export is accepted, the school year is replayed from its
# archive (one line says so), and every week's report, weeks 4 and 5
# included, equals its expected file. A report whose figures did not change
# in the replay keeps its files. `bdtx import` takes a late export the same
# way, and `bdtx rebuild` gives the same figures again.
# Usage: late_week.sh BDTX FIXTURE. Needs the PG* variables of a server.
set -euo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
db_use "bdtx_late_$$"

fixture_config "$work/bdtx.yaml" \
    "s|^paths:.*|paths: { inbox: $work/inbox, archive: $work/archive, rejected: $work/rejected, reports: $work/reports }|"
mkdir "$work/inbox"
"$bdtx" "${conf[@]}" --quiet db migrate


week_of() { jq -r .week "$fixture/expected/week-$1.json"; }

compare_week() {
    local n=$1 file=$2 diffs
    [ -f "$file" ] || { failure "week $n: no $file"; return; }
    diffs=$(jq -n -r --slurpfile actual "$file" \
        --slurpfile expected "$fixture/expected/week-$n.json" -f "$here/compare.jq")
    if [ -n "$diffs" ]; then
        failure "week $n: $file differs from expected/week-$n.json"
        echo "$diffs" | head -n 10
    fi
}

run() {
    local rc=0
    "$bdtx" "${conf[@]}" run >"$work/out" 2>"$work/err" || rc=$?
    # Weeks with rejected rows exit 1.
    [ "$rc" -le 1 ] || { failure "run after $1: exit $rc"; cat "$work/err"; }
    [ -z "$(ls -A "$work/inbox")" ] || failure "after $1: the inbox is not empty: $(ls -A "$work/inbox")"
}

for w in 0 1 2 4; do
    fixture_drop "$w"
    run "week $((w + 1))"
done
# What week 6 and later must not change: reports written before the late week.
w3=$work/reports/2020-2021/bdtx-20-$(week_of 03)
stamp3=$(stat -c %Y.%i "$w3.xlsx")
w5=$work/reports/2020-2021/bdtx-20-$(week_of 05)
stamp5=$(stat -c %Y.%i "$w5.json")
sleep 1.1

fixture_drop 3
run "the late week 4"
late=$(grep -c "lms_25102020.xlsx: as of 2020-10-25, older than the newest learners export (2020-11-01): school year 2020-2021 replayed from its [0-9]* files" "$work/err" || true)
check "the one line saying the late week replayed the year" "$late" 1
check "the late file archived" "$(ls "$work/archive/2020-2021/" | grep -c '^2020-10-25_lms_25102020.xlsx$')" 1
check "week 3's workbook kept (its figures did not change)" "$(stat -c %Y.%i "$w3.xlsx")" "$stamp3"
[ "$(stat -c %Y.%i "$w5.json")" != "$stamp5" ] || failure "week 5's report was not written again"
check "nothing rejected as a file" "$(ls -A "$work/rejected" 2>/dev/null | wc -l)" 0

for w in 5 6 7; do
    fixture_drop "$w"
    run "week $((w + 1))"
done

for n in 01 02 03 04 05 06 07 08; do
    compare_week "$n" "$work/reports/2020-2021/bdtx-20-$(week_of "$n").json"
done

# The rows the fixture rejects are rejected once each, the late week's too.
want=$(jq '[.weeks[].files[].rejected_rows // 0] | add' "$fixture/manifest.json")
check "rejected rows of the year" "$(psql -Atc "SELECT sum(rejected) FROM import")" "$want"
check "every file imported once" "$(psql -Atc "SELECT count(*) FROM import")" \
    "$(jq '[.weeks[].files[]] | length' "$fixture/manifest.json")"

# history: a digest of the year's history, independent of import ids.
history() {
    psql -Atc "SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (
        SELECT l.account || ':' || p.module || ':' || p.as_of || ':' || p.state AS x
          FROM progress_version p JOIN learner l ON l.id = p.learner_id
        UNION ALL
        SELECT l.account || ':' || v.as_of || ':' || v.unit_code || ':' || coalesce(v.role, '')
          FROM learner_version v JOIN learner l ON l.id = v.learner_id
        UNION ALL
        SELECT i.file_name || ':' || i.as_of || ':' || i.rows || ':' || i.rejected
          FROM import i) s"
}
before=$(history)

# bdtx rebuild gives the same history, and no report changes.
expect 0 "" "$bdtx" "${conf[@]}" rebuild
grep -q "^school year 2020-2021 replayed from its 26 files: .* rejected ([0-9]* before)$" "$work/out" \
    || failure "rebuild: $(cat "$work/out")"
grep -q "^bdtx rebuild: 1 school year replayed, 0 reports written, 8 unchanged$" "$work/out" \
    || failure "rebuild summary: $(cat "$work/out")"
check "history after rebuild" "$(history)" "$before"
expect 64 "no school year '1999-2000' in the configuration" "$bdtx" "${conf[@]}" rebuild --year 1999-2000

# bdtx import: a late export, from outside the inbox, the same way.
db_use "bdtx_late_hand_$$"
"$bdtx" "${conf[@]}" --quiet db migrate
mkdir "$work/by-hand"
for w in 0 1 2 4 3 5 6 7; do
    nfiles=$(jq ".weeks[$w].files | length" "$fixture/manifest.json")
    for ((f = 0; f < nfiles; f++)); do
        file=$(jq -r ".weeks[$w].files[$f].file" "$fixture/manifest.json")
        as_of=$(jq -r ".weeks[$w].files[$f].as_of" "$fixture/manifest.json")
        mkdir -p "$work/by-hand/$w"
        cp "$fixture/$file" "$work/by-hand/$w/"
        rc=0
        "$bdtx" "${conf[@]}" import --as-of "$as_of" "$work/by-hand/$w/$(basename "$file")" \
            >"$work/out" 2>"$work/err" || rc=$?
        [ "$rc" -le 1 ] || { failure "import of $file: exit $rc"; cat "$work/err"; }
        if [ "$w" = 3 ] && [ "${file##*/}" = lms_25102020.xlsx ]; then
            grep -q "lms_25102020.xlsx: as of 2020-10-25, older than the newest learners export (2020-11-01): school year 2020-2021 replayed from its [0-9]* files" "$work/out" \
                || failure "import of the late week: $(cat "$work/out" "$work/err")"
        fi
    done
done
check "history after imports by hand" "$(history)" "$before"

test_done
