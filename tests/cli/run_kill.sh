#!/usr/bin/env bash
# Crash consistency of the weekly job: `bdtx run` killed with SIGKILL at
# random moments while it imports, moves files and writes reports, over an
# inbox holding an export to import, a late learners export (older than the
# latest one imported) and a file that cannot be read. After each kill
# every input file is in exactly one place (the inbox, the archive or the
# rejected folder), and the next run leaves the same files and writes the
# same reports as one run never interrupted.
#   run_kill.sh BDTX FIXTURE_DIR [TRIALS]   (default 30)
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -uo pipefail

bdtx=$1
fixture=$2
trials=${3:-30}
. "$(dirname "$0")/../lib.sh"
base=bdtx_runkill_base_$$
trial=bdtx_runkill_$$
cd "$work" || exit 1
# Each folder (base and its copies) holds its configuration, its paths
# relative to it: every bdtx below runs in the folder with --config bdtx.yaml.
mkdir -p base/var/inbox
fixture_config "$work/base/bdtx.yaml" 's/include_people: true/include_people: false/' \
    '$a limits: { settle_seconds: 0 }'
conf=(--config bdtx.yaml)
# The state before: two learners exports imported (4 and 18 October), their
# first 2,000 rows (a few districts), so that each trial stays short.
head -n 2001 "$fixture/week-01/lms-hoc-vien-20201004.csv" >base/var/inbox/lms-hoc-vien-20201004.csv
head -n 2001 "$fixture/week-03/export_lms_tuan03.csv" >base/var/inbox/lms-20201018.csv
db_create "$base" || exit 1
(cd base && PGDATABASE=$base "$bdtx" "${conf[@]}" -q db migrate &&
    PGDATABASE=$base "$bdtx" "${conf[@]}" -q run) || { failure "the run before"; exit 1; }
# The inbox of the run that is killed.
mkdir inputs
cp "$fixture/week-02/temis-gv.xlsx" inputs/temis-gv.xlsx
head -n 1998 "$fixture/week-01/lms-hoc-vien-20201004.csv" >inputs/lms-hoc-vien-20201011.csv
printf 'not,an\x01export\n' >inputs/junk.csv
names=(temis-gv.xlsx lms-hoc-vien-20201011.csv junk.csv)

# The database state before, kept beside the tables in a schema of its own
# and put back by one transaction: faster than a new database per trial.
psql -qAt -v ON_ERROR_STOP=1 -d "$base" >/dev/null <<'SQL' || exit 1
CREATE SCHEMA snap;
DO $$
DECLARE t record;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('CREATE TABLE snap.%I AS TABLE public.%I', t.tablename, t.tablename);
    END LOOP;
    CREATE TABLE snap.sequences AS
        SELECT schemaname || '.' || sequencename AS name, last_value FROM pg_sequences
        WHERE schemaname = 'public';
END
$$;
SQL
restore_sql=$(psql -d "$base" -Atc "SELECT 'BEGIN; TRUNCATE ' || string_agg(format('public.%I', tablename), ', ') || ';'
    FROM pg_tables WHERE schemaname = 'public'")
restore_sql+=$(psql -d "$base" -Atc "SELECT string_agg(format('INSERT INTO public.%I SELECT * FROM snap.%I;', tablename, tablename), ' ')
    FROM pg_tables WHERE schemaname = 'public'")
restore_sql+=$(psql -d "$base" -Atc "SELECT string_agg(format('SELECT setval(%L, %s, %L);', name, coalesce(last_value, 1), last_value IS NOT NULL), ' ')
    FROM snap.sequences")
restore_sql+=" COMMIT;"
db_create "$trial" -T "$base" || exit 1

fresh() {   # fresh DIR: the state before, in DIR and in the database $trial
    rm -rf "$1"
    cp -a base "$1"
    cp inputs/* "$1/var/inbox/"
    psql -qAt -v ON_ERROR_STOP=1 -d "$trial" -c "$restore_sql" >/dev/null || exit 1
}
quiet_db() {   # until the killed run's sessions have ended
    for _ in $(seq 1 100); do
        [ "$(psql -d "$trial" -Atc "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")" = 0 ] && return
        sleep 0.05
    done
}
places() {   # places DIR NAME: how many places of DIR hold the input NAME
    local n=0 f
    [ -e "$1/var/inbox/$2" ] && n=$((n + 1))
    [ -e "$1/var/rejected/$2" ] && n=$((n + 1))
    for f in "$1"/var/archive/*/*_"$2"; do
        [ -e "$f" ] && n=$((n + 1))
    done
    echo "$n"
}
outcome() {   # outcome DIR: the files left, the reports' figures, the imports
    (cd "$1" && find var reports -type f ! -name '.*' | sort)
    # The JSON reports hold no time of their making: whole files compared.
    (cd "$1/reports" && md5sum ./*/*.json)
    psql -d "$trial" -Atc "SELECT file_name, source, as_of, rows, rejected FROM import ORDER BY 1, 3"
}
ms() { awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }'; }

# The reference: the same run, never interrupted.
fresh ref
start=$(date +%s%N)
(cd ref && PGDATABASE=$trial "$bdtx" "${conf[@]}" -q run) >/dev/null 2>&1
rc=$?
took=$((($(date +%s%N) - start) / 1000000))
check "the uninterrupted run rejects files (exit 1)" "$rc" 1
outcome ref >reference
for name in "${names[@]}"; do
    check "uninterrupted: $name in one place" "$(places ref "$name")" 1
done
# What this bdtx does with each: the export archived; the late export and
# the junk rejected, each with its .err (a bdtx that takes late files
# archives it instead: the reference says which, the trials must agree).
check "the export archived" "$(ls ref/var/archive/2020-2021 | grep -c '_temis-gv.xlsx$')" 1
check "the junk rejected" "$(ls ref/var/rejected | grep -cx 'junk.csv')" 1

killed_in=0 finished=0
for i in $(seq 1 "$trials"); do
    fresh t
    delay=$((RANDOM % (took + 1)))
    (cd t && exec env PGDATABASE=$trial "$bdtx" "${conf[@]}" -q run) >/dev/null 2>&1 &
    pid=$!
    sleep "$(ms "$delay")"
    if kill -KILL "$pid" 2>/dev/null; then
        killed_in=$((killed_in + 1))
    else
        finished=$((finished + 1))
    fi
    wait "$pid" 2>/dev/null
    quiet_db
    for name in "${names[@]}"; do
        n=$(places t "$name")
        [ "$n" = 1 ] || failure "trial $i, killed after $delay ms: $name is in $n places"
    done
    (cd t && PGDATABASE=$trial "$bdtx" "${conf[@]}" -q run) >"$work/out" 2>"$work/err"
    rc=$?
    # 0: nothing was left to do; 1: files rejected besides one imported;
    # 65: only rejected files were left.
    case $rc in
        0 | 1 | 65) ;;
        *) failure "trial $i: the run after the kill exited $rc"; cat "$work/err" ;;
    esac
    if outcome t | cmp -s - reference; then
        passed=$((passed + 1))
    else
        failure "trial $i, killed after $delay ms: the next run differs from an uninterrupted one"
        outcome t | diff reference - | head -20
    fi
done
echo "run: $trials kills over 0-$took ms (an uninterrupted run takes $took ms): $killed_in while it ran, $finished after it ended"
test_done
