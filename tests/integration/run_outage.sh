#!/usr/bin/env bash
# `bdtx run` through database outages, on a PostgreSQL cluster of its own
# (in a temporary folder, Unix socket only) that the test stops and starts:
#  1. the server is down: the run exits 69 with a clear message and moves
#     nothing; the next run, with the server back, does the whole job;
#  2. the server goes down in the middle of an import (the run is held
#     inside its transaction by a lock another session holds, then the
#     server is stopped): exit 69, nothing of that import stored, the file
#     still in the inbox; the next run completes.
# Then, on the same cluster: 3. the logins of scripts/db-users (the
# importing one runs the job, the reading one cannot); 4. an archive on
# another file system (/dev/shm), where a move is a copy.
set -euo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
chmod 755 "$work"
as_owner=()
if [ "$(id -u)" = 0 ]; then
    # initdb and postgres refuse to run as root.
    as_owner=(runuser -u postgres --)
    mkdir "$work/pg"
    chown postgres: "$work/pg"
else
    mkdir "$work/pg"
fi
data=$work/pg/data
sock=$work/pg
holder=
other=
pg() { "${as_owner[@]}" "$bin/pg_ctl" -D "$data" -l "$work/pg/log" -w "$@" >/dev/null; }
at_exit 'rm -rf ${other:+"$other"}'
at_exit 'pg stop -m immediate 2>/dev/null'
at_exit '[ -z "$holder" ] || kill "$holder" 2>/dev/null'
"${as_owner[@]}" "$bin/initdb" -D "$data" -U bdtx -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
# Its own socket folder, so the port number cannot collide with another server.
unset PGPORT PGPASSWORD PGSERVICE PGUSER PGDATABASE PGHOST
start() { pg -o "-c listen_addresses='' -k $sock -p 5432" start; }
start
export PGHOST=$sock PGPORT=5432 PGUSER=bdtx PGDATABASE=postgres
"$bin/createdb" bdtx_outage
export PGDATABASE=bdtx_outage

fixture_config "$work/bdtx.yaml" \
    "s|^paths:.*|paths: { inbox: $work/inbox, archive: $work/archive, rejected: $work/rejected, reports: $work/reports }|"
mkdir "$work/inbox"
"$bdtx" "${conf[@]}" --quiet db migrate
compare() {
    local diffs
    diffs=$(jq -n -r --slurpfile actual "$1" --slurpfile expected "$fixture/expected/week-$2.json" \
        -f "$here/compare.jq")
    [ -z "$diffs" ] || { failure "$1 differs from expected/week-$2.json"; echo "$diffs" | head -n 5; }
}

# 1. The server is down.
cp "$fixture"/week-01/* "$work/inbox/"
pg stop -m fast
set +e
"$bdtx" "${conf[@]}" --quiet run >"$work/out" 2>"$work/err"
rc=$?
set -e
[ "$rc" = 69 ] || failure "a run with the server down exited $rc, expected 69"
grep -q "^bdtx: cannot connect to the database" "$work/err" || failure "unclear message: $(cat "$work/err")"
[ "$(ls "$work/inbox" | wc -l)" = 3 ] || failure "a run with the server down moved files"
[ ! -e "$work/archive" ] && [ ! -e "$work/reports" ] || failure "a run with the server down wrote files"
start
"$bdtx" "${conf[@]}" --quiet run || failure "the run after the outage exited $?"
[ -z "$(ls -A "$work/inbox")" ] || failure "the run after the outage left files in the inbox"
compare "$work/reports/2020-2021/bdtx-20-2020-W40.json" 01
echo "server down: exit $rc ($(head -n 1 "$work/err")); the next run completed"

# 2. The server goes down during an import.
cp "$fixture"/week-02/* "$work/inbox/"
psql -Atqc "SELECT pg_advisory_lock(hashtext('bdtx import 20 2020-2021'))" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
holder=$!
"$bdtx" "${conf[@]}" --quiet run >"$work/out" 2>"$work/err" &
runner=$!
# Wait until the run waits for that lock, inside its import's transaction.
waiting=0
for _ in $(seq 200); do
    waiting=$(psql -Atc "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    [ "$waiting" = 0 ] || break
    sleep 0.1
done
[ "$waiting" != 0 ] || failure "the run never reached its import"
pg stop -m fast
set +e
wait "$runner"
rc=$?
wait "$holder" 2>/dev/null
set -e
holder=
[ "$rc" = 69 ] || { failure "a run that lost the server exited $rc, expected 69"; cat "$work/err"; }
grep -q "^bdtx: .*\(terminat\|server closed\|connection\)" "$work/err" || failure "unclear message: $(cat "$work/err")"
[ "$(ls "$work/inbox" | wc -l)" = 4 ] || failure "files moved although nothing was imported: $(ls "$work/inbox")"
start
[ "$(psql -Atc "SELECT count(*) FROM import")" = 3 ] || failure "an interrupted import left rows behind"
"$bdtx" "${conf[@]}" --quiet run || failure "the run after the lost connection exited $?"
[ -z "$(ls -A "$work/inbox")" ] || failure "the run after the lost connection left files in the inbox"
[ "$(psql -Atc "SELECT count(*) FROM import")" = 7 ] || failure "imports after recovery: $(psql -Atc "SELECT count(*) FROM import"), expected 7"
compare "$work/reports/2020-2021/bdtx-20-2020-W41.json" 02
echo "server lost during an import: exit $rc ($(head -n 1 "$work/err")); the next run completed"

# 3. Least privilege, on this cluster of the test's own: the logins that
# scripts/db-users makes; the importing one runs the weekly job.
"$here/../../scripts/db-users" >/dev/null
cp "$fixture"/week-03/* "$work/inbox/"
echo 2020-10-18 >"$work/inbox/export_lms_tuan03.csv.as-of"
PGUSER=bdtx_run "$bdtx" "${conf[@]}" --quiet run || failure "bdtx run as bdtx_run (bdtx_import) exited $?"
compare "$work/reports/2020-2021/bdtx-20-2020-W42.json" 03
set +e
PGUSER=bdtx_web "$bdtx" "${conf[@]}" --quiet report --week 2020-W42 --format json >"$work/w42.json"
rc=$?
set -e
[ "$rc" = 0 ] || failure "bdtx report as bdtx_web (bdtx_report) exited $rc"
compare "$work/w42.json" 03
cp "$fixture"/week-04/temis-gv.xlsx "$work/inbox/"
set +e
PGUSER=bdtx_web "$bdtx" "${conf[@]}" --quiet run 2>"$work/err"
rc=$?
set -e
[ "$rc" = 78 ] && [ -f "$work/inbox/temis-gv.xlsx" ] || failure "bdtx run as the read-only bdtx_web exited $rc, expected 78"
grep -q "^HINT: bdtx run needs a login in the role bdtx_import" "$work/err" || failure "no hint: $(cat "$work/err")"
echo "least privilege: bdtx_run runs the job; bdtx_web reads the report and cannot run ($rc: $(head -n 1 "$work/err"))"

# 4. An archive on another file system (tmpfs): the move is a copy, flushed
# and renamed into place, then the unlink; the bytes arrive whole.
other=$(mktemp -d -p /dev/shm 2>/dev/null || true)
if [ -n "$other" ] && [ "$(stat -f -c %T "$other")" != "$(stat -f -c %T "$work")" ]; then
    sed "s|archive: $work/archive|archive: $other/archive|" "$work/bdtx.yaml" >"$work/other.yaml"
    "$bdtx" --config "$work/other.yaml" --quiet run || failure "the run with the archive on tmpfs exited $?"
    moved=$other/archive/2020-2021/2020-10-25_temis-gv.xlsx
    cmp -s "$moved" "$fixture/week-04/temis-gv.xlsx" || failure "the file copied across file systems differs"
    [ ! -e "$work/inbox/temis-gv.xlsx" ] || failure "the file copied across file systems is still in the inbox"
    [ -z "$(find "$other/archive" -name '.*')" ] || failure "a temporary file was left in the archive"
    echo "archive on $(stat -f -c %T "$other"): copied whole, inbox emptied"
else
    echo "no second file system at /dev/shm: the copy across file systems was not exercised"
fi
test_done run-outage
