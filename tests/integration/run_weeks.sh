#!/usr/bin/env bash
# `bdtx run` as cron runs it, on the fixture province: the eight weeks are
# dropped into the inbox one at a time, with a run after each; every run
# must archive what it imported, write that week's report (compared with
# expected/week-NN.json) and list it on reports/index.html. Also: a run with
# nothing new does nothing; a file that cannot be read goes to rejected/
# with its .err while the others are imported; a file already imported but
# left in the inbox (a crash between the commit and the move) is only
# archived; two runs started together: one works, the other exits 75.
# Usage: run_weeks.sh BDTX FIXTURE [SCREENSHOT_DIR [SHEET_DUMP]]; with
# SCREENSHOT_DIR, the download page is checked in Chromium (index_page.sh)
# and photographed there; with SHEET_DUMP (tests/tools), each week's workbook
# is read back and its ranking sheet compared with the week's JSON.
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -euo pipefail

bdtx=$1
fixture=$2
shots=${3:-}
dump=${4:-}
. "$(dirname "$0")/../lib.sh"
db=bdtx_run_$$
holder=
db_use "$db"
at_exit '[ -z "$holder" ] || kill "$holder" 2>/dev/null'

# The fixture's configuration with the four folders under $work.
fixture_config "$work/bdtx.yaml" \
    "s|^paths:.*|paths: { inbox: $work/inbox, archive: $work/archive, rejected: $work/rejected, reports: $work/reports }|"
mkdir "$work/inbox"
"$bdtx" "${conf[@]}" --quiet db migrate

# Usage and a missing inbox, before anything else.
set +e
"$bdtx" "${conf[@]}" run now >"$work/out" 2>"$work/err"
rc=$?
set -e
[ "$rc" = 64 ] && grep -q "^bdtx: run takes no arguments" "$work/err" || failure "run now: exit $rc, $(cat "$work/err")"
rmdir "$work/inbox"
set +e
"$bdtx" "${conf[@]}" run >"$work/out" 2>"$work/err"
rc=$?
set -e
[ "$rc" = 78 ] && grep -q "^bdtx: cannot open the inbox folder $work/inbox" "$work/err" \
    || failure "run without an inbox: exit $rc, $(cat "$work/err")"
mkdir "$work/inbox"


compare_week() {
    local n=$1 file=$2 diffs
    diffs=$(jq -n -r --slurpfile actual "$file" \
        --slurpfile expected "$fixture/expected/week-$n.json" -f "$here/compare.jq")
    if [ -n "$diffs" ]; then
        failure "week $n: $file differs from expected/week-$n.json"
        echo "$diffs" | head -n 10
    fi
}

weeks=$(jq '.weeks | length' "$fixture/manifest.json")
for ((w = 0; w < weeks; w++)); do
    n=$(printf '%02d' $((w + 1)))
    week=$(jq -r .week "$fixture/expected/week-$n.json")
    rejected=$(jq "[.weeks[$w].files[].rejected_rows // 0] | add" "$fixture/manifest.json")
    want=0
    [ "$rejected" = 0 ] || want=1
    fixture_drop "$w"
    if [ "$w" = 4 ]; then
        # An export cut short by a download: not a zip any more.
        head -c 2000 "$fixture/week-05/temis-gv.xlsx" >"$work/inbox/temis-gv-cut.xlsx"
        want=1
    fi
    set +e
    "$bdtx" "${conf[@]}" run >"$work/out" 2>"$work/err"
    rc=$?
    set -e
    report=$work/reports/2020-2021/bdtx-20-$week.json
    workbook=$work/reports/2020-2021/bdtx-20-$week.xlsx
    [ "$rc" = "$want" ] || { failure "week $n: run exited $rc, expected $want"; cat "$work/err"; }
    [ -z "$(ls -A "$work/inbox")" ] || failure "week $n: the inbox is not empty: $(ls -A "$work/inbox")"
    [ -s "$workbook" ] || failure "week $n: no workbook $workbook"
    grep -q "^bdtx run: .* report.* written (latest: $workbook)$" "$work/out" \
        || failure "week $n: summary line: $(cat "$work/out")"
    # One line per event on stderr, each with its level.
    bad=$(grep -v -E '^bdtx: (info|warning|error): |^'"$work"'/inbox/[^:]*:[0-9]+:[A-Z]*:' "$work/err" || true)
    [ -z "$bad" ] || failure "week $n: stderr lines without a level: $bad"
    ! grep -q $'\r' "$work/err" || failure "week $n: a progress bar although stderr is not a terminal"
    [ -f "$report" ] && compare_week "$n" "$report" || failure "week $n: no $report"
    if [ -n "$dump" ] && [ -s "$workbook" ]; then
        "$dump" "$workbook" "Xếp hạng" >"$work/sheet.jsonl"
        diffs=$(jq -n -r --slurpfile sheet "$work/sheet.jsonl" --slurpfile reportv "$report" \
            --slurpfile weeks "$report" --arg check ranking --arg scope overall \
            -f "$here/workbook.jq")
        [ -z "$diffs" ] || { failure "week $n: the workbook's Xếp hạng differs from $report"; echo "$diffs" | head -n 5; }
    fi
    if [ "$w" = 4 ]; then
        [ -f "$work/rejected/temis-gv-cut.xlsx" ] && [ -s "$work/rejected/temis-gv-cut.xlsx.err" ] \
            || failure "the cut export is not in rejected/ with its .err"
        grep -q "temis-gv-cut.xlsx" "$work/rejected/temis-gv-cut.xlsx.err" \
            || failure "the .err does not name the file: $(cat "$work/rejected/temis-gv-cut.xlsx.err")"
        grep -q "error: .*/rejected/temis-gv-cut.xlsx: rejected, not imported" "$work/err" \
            || failure "the rejection was not logged as an error"
        if [ "$(psql -Atc "SELECT count(*) FROM import WHERE as_of = '2020-11-01'")" != 3 ]; then
            failure "week 5: the other three files were not all imported"
        fi
    fi
    nfiles=$(jq ".weeks[$w].files | length" "$fixture/manifest.json")
    archived=$(find "$work/archive/2020-2021" -name "$(jq -r ".weeks[$w].files[0].as_of" "$fixture/manifest.json")_*" ! -name '*.as-of' | wc -l)
    [ "$archived" = "$nfiles" ] || failure "week $n: $archived files archived, expected $nfiles"
    echo "week $n ($week): run exited $rc, report compared"
done

# Every earlier week's report is still there and still right.
for ((w = 0; w < weeks; w++)); do
    n=$(printf '%02d' $((w + 1)))
    compare_week "$n" "$work/reports/2020-2021/bdtx-20-$(jq -r .week "$fixture/expected/week-$n.json").json"
done

# The download page gives the province's people as the Sở reports them
# (rule 10): the newest week's from the expected people_total.
last=$(printf '%02d' "$weeks")
people=$(jq -r '.people_total | "\(.learners_completed)/\(.learners) người hoàn thành (\(.learner_rate * 100 | . * 100 | round / 100 | tostring | sub("\\."; ",")) %)"' \
    "$fixture/expected/week-$last.json")
grep -qF "$people" "$work/reports/index.html" \
    || failure "reports/index.html does not say \"$people\""

# The download page in a browser, with every week's report on it.
if [ -n "$shots" ]; then
    "$here/index_page.sh" "$work/reports" "$weeks" "$shots" || failure "reports/index.html"
fi

# Nothing new: nothing done, exit 0, not one file touched.
snapshot() { find "$work/reports" "$work/archive" -printf '%p %s %T@\n' | sort; }
before=$(snapshot)
"$bdtx" "${conf[@]}" run >"$work/out" 2>"$work/err" || failure "a run with nothing new exited $?"
grep -q "^bdtx run: 0 files imported .* 0 reports written$" "$work/out" \
    || failure "a run with nothing new: $(cat "$work/out")"
[ "$before" = "$(snapshot)" ] || failure "a run with nothing new changed files"

# What killed writers left behind: temporaries older than six hours are
# removed; a fresh one (a report being written now) and other files stay.
y=$work/reports/2020-2021
touch -d '7 hours ago' "$y/.bdtx-20-2020-W47.xlsx.Ab12Cd" "$work/reports/.index.html.Zz9Yy8"
touch "$y/.bdtx-20-2020-W47.json.Qw3Er4" "$y/.keep-me" "$y/.notes.txt"
touch -d '7 hours ago' "$y/.keep-me" "$y/.notes.txt"
"$bdtx" "${conf[@]}" run >"$work/out" 2>"$work/err" || failure "a run with stale temporaries exited $?"
grep -q "info: removed 2 unfinished temporary files left in $work/reports by interrupted writers" \
    "$work/err" || failure "temporaries: $(cat "$work/err")"
for f in "$y/.bdtx-20-2020-W47.xlsx.Ab12Cd" "$work/reports/.index.html.Zz9Yy8"; do
    [ ! -e "$f" ] || failure "a stale temporary was left: $f"
done
for f in "$y/.bdtx-20-2020-W47.json.Qw3Er4" "$y/.keep-me" "$y/.notes.txt"; do
    [ -e "$f" ] || failure "removed what was not a stale temporary: $f"
done
rm "$y/.bdtx-20-2020-W47.json.Qw3Er4" "$y/.keep-me" "$y/.notes.txt"

# A file imported whose move was cut short: the next run knows it by its
# hash, archives it, and writes nothing.
cp "$fixture/week-08/temis-gv.xlsx" "$work/inbox/"
imports=$(psql -Atc "SELECT count(*) FROM import")
"$bdtx" "${conf[@]}" run >"$work/out" 2>"$work/err" || failure "re-run of an imported file exited $?"
grep -q "temis-gv.xlsx: already imported" "$work/err" || failure "not recognised as imported: $(cat "$work/err")"
[ -z "$(ls -A "$work/inbox")" ] || failure "the imported file was left in the inbox"
[ "$imports" = "$(psql -Atc "SELECT count(*) FROM import")" ] || failure "an imported file was imported again"

# A sidecar without its file is left alone, with a warning.
echo 2020-11-22 >"$work/inbox/ghost.csv.as-of"
"$bdtx" "${conf[@]}" --quiet run 2>"$work/err" || failure "a run with a lone sidecar exited $?"
grep -q "warning: $work/inbox/ghost.csv.as-of: no file ghost.csv beside it" "$work/err" \
    || failure "no warning about a lone sidecar: $(cat "$work/err")"
rm "$work/inbox/ghost.csv.as-of"

# An export with no date anywhere, copied today: its modification date is
# in no school year, so it is rejected (exit 65: the only new file), with a
# warning, and the run goes on.
{ cat "$fixture/week-03/export_lms_tuan03.csv"; echo; } >"$work/inbox/undated.csv"
set +e
"$bdtx" "${conf[@]}" --quiet run 2>"$work/err"
rc=$?
set -e
[ "$rc" = 65 ] || failure "a run with only an undated file exited $rc, expected 65: $(cat "$work/err")"
grep -q "error: .*undated.csv: its date is the day it was last modified" "$work/err" || failure "no word about the modification date"
grep -q "no school year in the configuration contains the as-of" "$work/rejected/undated.csv.err" \
    || failure "undated.csv: $(cat "$work/rejected/undated.csv.err" 2>&1)"

# A lost week: the report file is deleted; the next run writes it again.
rm "$work/reports/2020-2021/bdtx-20-2020-W44.json"
"$bdtx" "${conf[@]}" --quiet run || failure "run after a lost report exited $?"
compare_week 05 "$work/reports/2020-2021/bdtx-20-2020-W44.json"

# The lock: held by another session, a run exits 75 at once and touches nothing.
cp "$fixture/week-01/temis-cbql.xlsx" "$work/inbox/again.xlsx"
psql -Atqc "BEGIN; LOCK TABLE run_lock IN EXCLUSIVE MODE; SELECT pg_sleep(60)" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 100); do
    [ "$(psql -Atc "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'run_lock' AND l.granted")" = 0 ] || break
    sleep 0.1
done
set +e
"$bdtx" "${conf[@]}" run >"$work/out" 2>"$work/err"
rc=$?
set -e
[ "$rc" = 75 ] || failure "a run while the lock is held exited $rc, expected 75"
grep -q "another bdtx run holds the lock" "$work/err" || failure "no clear message: $(cat "$work/err")"
[ -f "$work/inbox/again.xlsx" ] || failure "a locked-out run moved a file"
# The server does not notice a killed client during pg_sleep: end it there.
psql -Atqc "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep%'" >/dev/null
wait "$holder" 2>/dev/null || true
holder=
rm "$work/inbox/again.xlsx"

# Two runs started together on a fresh database with work in the inbox:
# exactly one works (exit 0), the other exits 75; every file lands once.
dropdb "$db"
db_create "$db"
"$bdtx" "${conf[@]}" --quiet db migrate
rm -rf "$work/archive" "$work/reports" "$work/rejected"
fixture_drop 0
# So that the two surely overlap, another session holds the lock that an
# import of the school year takes, until one of the runs has ended.
psql -Atqc "SELECT pg_advisory_lock(hashtext('bdtx import 20 2020-2021'))" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 100); do
    [ "$(psql -Atc "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" = 0 ] || break
    sleep 0.1
done
"$bdtx" "${conf[@]}" --quiet run >"$work/out1" 2>"$work/err1" &
p1=$!
"$bdtx" "${conf[@]}" --quiet run >"$work/out2" 2>"$work/err2" &
p2=$!
set +e
wait -n "$p1" "$p2"
psql -Atqc "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep%'" >/dev/null
wait "$holder" 2>/dev/null
holder=
wait "$p1"; rc1=$?
wait "$p2"; rc2=$?
set -e
codes=$(printf '%s\n' "$rc1" "$rc2" | sort | tr '\n' ' ')
[ "$codes" = "0 75 " ] || { failure "two runs together exited $rc1 and $rc2, expected 0 and 75"; cat "$work/err1" "$work/err2"; }
[ "$(psql -Atc "SELECT count(*) FROM import")" = 3 ] || failure "two runs together: imports $(psql -Atc "SELECT count(*) FROM import"), expected 3"
[ -z "$(ls -A "$work/inbox")" ] || failure "two runs together left files in the inbox"
compare_week 01 "$work/reports/2020-2021/bdtx-20-2020-W40.json"
echo "two runs together: exit codes $codes"

# On a terminal (script(1) gives the run one), the progress bar is drawn.
fixture_drop 1
script -qec "$(printf '%q ' "$bdtx" "${conf[@]}" run)" /dev/null >"$work/tty" </dev/null \
    || failure "the run on a terminal exited $?"
grep -q $'\r\033\\[K\\[#*\\.*\\] [0-9]*/4 importing' "$work/tty" \
    || failure "no progress bar on a terminal: $(head -c 300 "$work/tty" | cat -v)"
grep -q $'\\] 1/1 reports' "$work/tty" || failure "no progress bar for the reports"
compare_week 02 "$work/reports/2020-2021/bdtx-20-2020-W41.json"
echo "on a terminal: progress bar drawn"

# A backlog: all eight weeks in the inbox at once (each week's files under a
# prefix, since the exports of every week share names), in no order: one run
# imports them oldest as-of first and writes every week's report.
dropdb "$db"
db_create "$db"
"$bdtx" "${conf[@]}" --quiet db migrate
rm -rf "$work/archive" "$work/reports" "$work/rejected" "$work/inbox"
mkdir "$work/inbox"
for ((w = weeks - 1; w >= 0; w--)); do
    nfiles=$(jq ".weeks[$w].files | length" "$fixture/manifest.json")
    for ((f = 0; f < nfiles; f++)); do
        file=$(jq -r ".weeks[$w].files[$f].file" "$fixture/manifest.json")
        name=z$((9 - w))-$(basename "$file")          # names sort newest first
        cp "$fixture/$file" "$work/inbox/$name"
        case "$file" in
            *tuan0*) jq -r ".weeks[$w].files[$f].as_of" "$fixture/manifest.json" >"$work/inbox/$name.as-of" ;;
        esac
    done
done
set +e
"$bdtx" "${conf[@]}" run >"$work/out" 2>"$work/err"
rc=$?
set -e
[ "$rc" = 1 ] || { failure "the backlog run exited $rc, expected 1 (rows rejected)"; tail -n 5 "$work/err"; }
grep -q "^bdtx run: $(find "$fixture"/week-* -type f | wc -l) files imported .* 8 reports written" "$work/out" \
    || failure "backlog summary: $(cat "$work/out")"
for ((w = 0; w < weeks; w++)); do
    n=$(printf '%02d' $((w + 1)))
    compare_week "$n" "$work/reports/2020-2021/bdtx-20-$(jq -r .week "$fixture/expected/week-$n.json").json"
done
echo "backlog of $weeks weeks in one run: $(cat "$work/out")"
test_done run-weeks
