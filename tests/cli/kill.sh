#!/usr/bin/env bash
# Crash consistency: `bdtx import` and `bdtx report` killed with SIGKILL at
# random moments. After each kill the database holds the whole import or
# none of it, and a report's final name holds a whole report or nothing.
#   kill.sh BDTX FIXTURE_DIR [TRIALS]   (default 50 of each)
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -uo pipefail

bdtx=$1
fixture=$2
trials=${3:-50}
. "$(dirname "$0")/../lib.sh"
base=bdtx_kill_base_$$
trial=bdtx_kill_$$
fixture_config "$work/bdtx.yaml"
file=$fixture/week-02/ket-qua-boi-duong-truc-thuoc.xlsx

# The database before: the schema and one week, kept as a template.
db_create "$base" || exit 1
PGDATABASE=$base "$bdtx" "${conf[@]}" -q db migrate || exit 1
PGDATABASE=$base "$bdtx" "${conf[@]}" -q import "$fixture/week-01/lms-hoc-vien-20201004.csv" || exit 1

# Every table's rows as one digest (import times left out: they are the
# only thing two runs of one import write differently).
digest() {
    psql -d "$1" -Atc "SELECT string_agg(t || ':' || d, ' ' ORDER BY t) FROM (
        SELECT c.relname AS t, (xpath('//d/text()', query_to_xml(format(
            'SELECT md5(coalesce(string_agg(r::text, %L ORDER BY r::text), %L)) AS d
             FROM (SELECT to_jsonb(x) - %L AS r FROM %I x) s', '|', '', 'imported_at', c.relname),
            false, false, '')))[1]::text AS d
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r') s"
}
ms() { awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }'; }
fresh() {
    dropdb --force --if-exists "$trial" >/dev/null 2>&1
    db_create "$trial" -T "$base" || exit 1
}

none=$(digest "$base")
reset_sequences=$(psql -d "$base" -Atc "SELECT format('SELECT setval(%L, %s, %L);',
    schemaname || '.' || sequencename, coalesce(last_value, 1), last_value IS NOT NULL)
    FROM pg_sequences")
fresh
start=$(date +%s%N)
PGDATABASE=$trial "$bdtx" "${conf[@]}" -q import "$file" || { failure "the reference import"; exit 1; }
took=$((($(date +%s%N) - start) / 1000000))
whole=$(digest "$trial")
[ "$none" != "$whole" ] || { failure "the reference import changed nothing"; exit 1; }

# Import: killed anywhere from its start to a little past its usual end.
landed=0 nothing=0
fresh
for i in $(seq 1 "$trials"); do
    # A kill that left nothing leaves the database as it was but for its
    # sequences (nextval is not rolled back): reset them, so that the ids of
    # the next import are those of the reference. A landed import needs a
    # fresh copy.
    if [ "$(digest "$trial")" = "$none" ]; then
        psql -qAt -v ON_ERROR_STOP=1 -d "$trial" <<<"$reset_sequences" >/dev/null || exit 1
    else
        fresh
    fi
    delay=$((RANDOM % (took + took / 2 + 1)))
    PGDATABASE=$trial "$bdtx" "${conf[@]}" -q import "$file" >/dev/null 2>&1 &
    pid=$!
    sleep "$(ms "$delay")"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    # The server ends the killed session's transaction when it sees the
    # socket closed; wait for that before looking.
    for _ in $(seq 1 100); do
        [ "$(psql -d "$trial" -Atc "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")" = 0 ] && break
        sleep 0.05
    done
    now=$(digest "$trial")
    if [ "$now" = "$none" ]; then
        nothing=$((nothing + 1))
    elif [ "$now" = "$whole" ]; then
        landed=$((landed + 1))
    else
        failure "import trial $i, killed after ${delay} ms: the database holds part of the import"
        diff <(tr ' ' '\n' <<<"$whole") <(tr ' ' '\n' <<<"$now")
    fi
done
passed=$((passed + nothing + landed))
echo "import: $trials kills over 0-$((took + took / 2)) ms (a whole import takes $took ms): $nothing left nothing, $landed the whole import, $fail part of it"

# Reports: each format that this bdtx writes, to its final name through
# --out; after a kill that name holds nothing or the whole report.
PGDATABASE=$trial "$bdtx" "${conf[@]}" -q import "$file" >/dev/null 2>&1
# The workbook joins the JSON report once this bdtx writes it.
formats=(json)
PGDATABASE=$trial "$bdtx" "${conf[@]}" report --week 2020-W41 --format xlsx --out "$work/probe.xlsx" >/dev/null 2>&1 && formats+=(xlsx)
for fmt in "${formats[@]}"; do
    ref=$work/reference.$fmt
    start=$(date +%s%N)
    PGDATABASE=$trial "$bdtx" "${conf[@]}" report --week 2020-W41 --format "$fmt" --out "$ref" || { failure "the reference $fmt report"; exit 1; }
    took=$((($(date +%s%N) - start) / 1000000))
    complete=0 absent=0 failed_before=$fail
    for i in $(seq 1 "$trials"); do
        out=$work/out-$fmt
        rm -rf "$out"
        mkdir -p "$out"
        delay=$((RANDOM % (took + took / 2 + 1)))
        PGDATABASE=$trial "$bdtx" "${conf[@]}" report --week 2020-W41 --format "$fmt" --out "$out/report.$fmt" >/dev/null 2>&1 &
        pid=$!
        sleep "$(ms "$delay")"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        if [ ! -e "$out/report.$fmt" ]; then
            absent=$((absent + 1))
        elif [ "$fmt" = json ] && cmp -s <(jq -S 'del(.generated_at)' "$out/report.$fmt" 2>/dev/null) <(jq -S 'del(.generated_at)' "$ref"); then
            complete=$((complete + 1))
        elif [ "$fmt" = xlsx ] && unzip -tqq "$out/report.$fmt" >/dev/null 2>&1; then
            complete=$((complete + 1))
        else
            failure "$fmt report trial $i, killed after $delay ms: a partial report under its final name"
        fi
        # Anything else left in the folder is a hidden temporary file.
        for f in "$out"/* "$out"/.[!.]*; do
            [ -e "$f" ] || continue
            case ${f##*/} in
                report.$fmt | .report.$fmt.??????) ;;
                *) failure "$fmt report trial $i left $f" ;;
            esac
        done
    done
    passed=$((passed + absent + complete))
    echo "report $fmt: $trials kills over 0-$((took + took / 2)) ms (a whole report takes $took ms): $absent left no file, $complete a whole report, $((fail - failed_before)) a partial one"
done
test_done
