#!/usr/bin/env bash
# `bdtx rebuild` killed with SIGKILL at random moments, from its start to a
# little past the commit of its replay: each time the school year's history (imports,
# rejections, versions, per-unit counts) is the old one or the new one,
# whole, and never a mix; a `bdtx run` afterwards leaves every report right.
#   rebuild_kill.sh BDTX FIXTURE_DIR [TRIALS]   (default 20)
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -uo pipefail

bdtx=$1
fixture=$2
trials=${3:-20}
. "$(dirname "$0")/../lib.sh"
base=bdtx_rkill_base_$$
trial=bdtx_rkill_$$
fixture_config "$work/bdtx.yaml" \
    "s|^paths:.*|paths: { inbox: $work/inbox, archive: $work/archive, rejected: $work/rejected, reports: $work/reports }|"
mkdir "$work/inbox" "$work/files"

# The database before: the fixture's first five weeks imported by hand, week 4
# after week 5 (so that the history holds one replay already).
db_create "$base" || exit 1
PGDATABASE=$base "$bdtx" "${conf[@]}" -q db migrate || exit 1
for w in 0 1 2 4 3; do
    nfiles=$(jq ".weeks[$w].files | length" "$fixture/manifest.json")
    for ((f = 0; f < nfiles; f++)); do
        file=$(jq -r ".weeks[$w].files[$f].file" "$fixture/manifest.json")
        as_of=$(jq -r ".weeks[$w].files[$f].as_of" "$fixture/manifest.json")
        mkdir -p "$work/files/$w"
        cp "$fixture/$file" "$work/files/$w/"
        rc=0
        PGDATABASE=$base "$bdtx" "${conf[@]}" -q import --as-of "$as_of" \
            "$work/files/$w/${file##*/}" >/dev/null 2>&1 || rc=$?
        [ "$rc" -le 1 ] || { failure "import of $file exited $rc"; exit 1; }
    done
done

# The history tables' rows as one digest.
digest() {
    psql -d "$1" -Atc "SELECT string_agg(t || ':' || d, ' ' ORDER BY t) FROM (
        SELECT c.relname AS t, (xpath('//d/text()', query_to_xml(format(
            'SELECT md5(coalesce(string_agg(r::text, %L ORDER BY r::text), %L)) AS d
             FROM (SELECT to_jsonb(x) AS r FROM %I x) s', '|', '', c.relname),
            false, false, '')))[1]::text AS d
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r'
          AND c.relname IN ('import', 'import_rejection', 'import_duplicate',
                            'import_conversion', 'learner', 'learner_version',
                            'progress_version', 'temis_unit_count', 'lms_unit_count')) s"
}
fresh() {
    dropdb --force --if-exists "$trial" >/dev/null 2>&1
    db_create "$trial" -T "$base" || exit 1
    rm -rf "$work/reports"
}

old=$(digest "$base")
# The reference: how long the replay takes until its commit (the line
# saying the year was replayed), since the reports written after it leave
# the history alone.
fresh
start=$(date +%s%N)
PGDATABASE=$trial "$bdtx" "${conf[@]}" rebuild >"$work/ref" 2>&1 &
ref=$!
took=
while kill -0 "$ref" 2>/dev/null; do
    if [ -z "$took" ] && grep -q "^school year 2020-2021 replayed" "$work/ref"; then
        took=$((($(date +%s%N) - start) / 1000000))
    fi
    sleep 0.05
done
wait "$ref" || { failure "the reference rebuild: $(cat "$work/ref")"; exit 1; }
[ -n "$took" ] || took=$((($(date +%s%N) - start) / 1000000))
new=$(digest "$trial")
[ "$old" != "$new" ] || { failure "the reference rebuild changed nothing"; exit 1; }

olds=0 news=0
for i in $(seq 1 "$trials"); do
    fresh
    PGDATABASE=$trial "$bdtx" "${conf[@]}" -q rebuild >/dev/null 2>&1 &
    pid=$!
    sleep "$(awk -v t="$took" -v s="$RANDOM" 'BEGIN { srand(s); printf "%.3f", rand() * t * 1.1 / 1000 }')"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    # The server ends the killed process's transaction when it sees its
    # connection gone; wait for that before looking.
    for _ in $(seq 1 100); do
        [ "$(psql -d "$trial" -Atc "SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()")" = 0 ] && break
        sleep 0.1
    done
    got=$(digest "$trial")
    if [ "$got" = "$old" ]; then
        olds=$((olds + 1))
    elif [ "$got" = "$new" ]; then
        news=$((news + 1))
    else
        failure "trial $i: the history is neither the old one nor the new one"
    fi
done
check "trials that left the old or the new history" "$((olds + news))" "$trials"
echo "rebuild killed $trials times in its first $((took * 11 / 10)) ms (the replay commits after about $took ms): $olds left the old history, $news the new"

# After the last kill, the next run writes every report, right.
PGDATABASE=$trial "$bdtx" "${conf[@]}" -q run >/dev/null 2>"$work/err" || [ $? = 1 ] \
    || failure "run after the kills: $(cat "$work/err")"
for n in 03 04 05; do
    week=$(jq -r .week "$fixture/expected/week-$n.json")
    diffs=$(jq -n -r --slurpfile actual "$work/reports/2020-2021/bdtx-20-$week.json" \
        --slurpfile expected "$fixture/expected/week-$n.json" -f "$here/../integration/compare.jq")
    [ -z "$diffs" ] || failure "week $n after the kills differs: $(echo "$diffs" | head -n 3)"
done

test_done
