#!/usr/bin/env bash
# Least privilege: a member of bdtx_import can import, a member of
# bdtx_report can report but write nothing; and no password given in the
# connection string ever shows in a message or in the process list.
# Needs the PG* variables of a superuser session (pg_virtualenv sets them).
set -uo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
db=bdtx_priv_$$
importer=bdtx_test_importer_$$
reporter=bdtx_test_reporter_$$
secret=Pw$$-$RANDOM$RANDOM
# The roles go after the databases (at_exit runs the last given first).
at_exit 'psql -q -d postgres -c "DROP ROLE IF EXISTS $importer" -c "DROP ROLE IF EXISTS $reporter" >/dev/null 2>&1'
db_use "$db" || exit 1
fixture_config "$work/bdtx.yaml"

check_err() {   # check_err WHAT CONDITION...: check_that, showing $work/err if it fails
    local before=$fail
    check_that "$@"
    [ "$fail" = "$before" ] || sed 's/^/    /' "$work/err" 2>/dev/null
}

"$bdtx" "${conf[@]}" -q db migrate || { failure "db migrate"; exit 1; }
# A second database of the same cluster migrates too: the roles exist already.
db_create "${db}_2" && PGDATABASE=${db}_2 "$bdtx" "${conf[@]}" -q db migrate
check_err "db migrate of a second database in the cluster" test $? -eq 0
dropdb --if-exists "${db}_2"

psql -qv ON_ERROR_STOP=1 -c "CREATE ROLE $importer LOGIN PASSWORD '$secret' IN ROLE bdtx_import" \
    -c "CREATE ROLE $reporter LOGIN PASSWORD '$secret' IN ROLE bdtx_report" || exit 1
as_importer() { PGUSER=$importer PGPASSWORD=$secret "$@"; }
as_reporter() { PGUSER=$reporter PGPASSWORD=$secret "$@"; }

# The import role imports (the registry too) and the report role reports.
as_importer "$bdtx" "${conf[@]}" -q import "$fixture/week-01/lms-hoc-vien-20201004.csv" \
    "$fixture/week-01/temis-gv.xlsx" >"$work/out" 2>"$work/err"
check_err "a member of bdtx_import imports" test $? -eq 0
as_reporter "$bdtx" "${conf[@]}" report --week 2020-W40 --format json >"$work/out" 2>"$work/err"
check_err "a member of bdtx_report reports" jq -e '.rankings | length > 0' "$work/out" >/dev/null
as_reporter "$bdtx" "${conf[@]}" db status >"$work/out" 2>"$work/err"
check_err "a member of bdtx_report reads db status" test $? -eq 0
# The workbook reads the learners list on a second connection, made with the
# same role and password; when the role may not open one, on its own
# connection, with a warning, into the same sheet.
learners_sheet() {   # the XML of Chưa hoàn thành, the sixth worksheet
    unzip -p "$1" xl/worksheets/sheet6.xml
}
as_reporter "$bdtx" "${conf[@]}" report --week 2020-W40 --out "$work/two.xlsx" \
    >"$work/out" 2>"$work/err"
check_err "a member of bdtx_report writes the workbook" \
    eval '[ $? -eq 0 ] && ! grep -q "second connection" "$work/err" && learners_sheet "$work/two.xlsx" | grep -q "Chưa học"'
psql -qc "ALTER ROLE $reporter CONNECTION LIMIT 1" || exit 1
as_reporter "$bdtx" "${conf[@]}" report --week 2020-W40 --out "$work/one.xlsx" \
    >"$work/out" 2>"$work/err"
rc=$?
check_err "with one connection allowed, the workbook is written, with a warning" \
    eval '[ $rc -eq 0 ] && grep -q "cannot open a second connection" "$work/err"'
check_err "the same learners sheet either way" \
    eval '[ "$(learners_sheet "$work/one.xlsx" | md5sum)" = "$(learners_sheet "$work/two.xlsx" | md5sum)" ]'
psql -qc "ALTER ROLE $reporter CONNECTION LIMIT -1" || exit 1

counts() {
    psql -Atc "SELECT (SELECT count(*) FROM import) || '/' || (SELECT count(*) FROM learner) || '/' || (SELECT count(*) FROM progress_version) || '/' || (SELECT count(*) FROM unit)"
}
before=$(counts)

# The report role cannot write, whatever it tries.
refused() {   # refused SQL: psql as the reporter must fail with permission denied
    as_reporter psql -qv ON_ERROR_STOP=1 -c "$1" >"$work/out" 2>"$work/err"
    [ $? -ne 0 ] && grep -qE "permission denied|must be owner" "$work/err"
}
for sql in "INSERT INTO learner (province_code, account) VALUES ('20', 'intruder')" \
           "UPDATE progress_version SET state = 2" \
           "DELETE FROM import" \
           "TRUNCATE unit" \
           "CREATE TABLE public.intruder (x int)" \
           "DROP TABLE learner" \
           "SELECT nextval('import_id_seq')" \
           "CREATE TEMP TABLE intruder (x int)" \
           "CREATE FUNCTION pg_temp.intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'" \
           "CREATE FUNCTION public.intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'" \
           "BEGIN; LOCK TABLE run_lock IN EXCLUSIVE MODE; COMMIT"; do
    check_err "bdtx_report refused: $sql" refused "$sql"
done
as_reporter "$bdtx" "${conf[@]}" import --as-of 2020-10-11 "$fixture/week-01/temis-cbql.xlsx" \
    >"$work/out" 2>"$work/err"
rc=$?
check_err "bdtx import as a member of bdtx_report fails on a permission" \
    eval '[ $rc -ne 0 ] && grep -q "permission denied" "$work/err"'
# The import role writes rows but changes no table.
as_importer psql -qv ON_ERROR_STOP=1 -c "DROP TABLE learner" >"$work/out" 2>"$work/err"
check_err "bdtx_import cannot drop a table" test $? -ne 0
as_importer psql -qv ON_ERROR_STOP=1 -c "DELETE FROM schema_migration" >"$work/out" 2>"$work/err"
check_err "bdtx_import cannot rewrite the schema's history" test $? -ne 0
check_err "nothing changed by the refused writes" test "$(counts)" = "$before"

# The run's lock is one the reading role cannot take: a reader holding any
# lock it may take (the advisory lock of earlier versions among them) does
# not keep the weekly job from running.
mkdir -p "$work/var/inbox"   # paths are relative to the configuration
as_reporter psql -Atq -c "SELECT pg_advisory_lock(hashtext('bdtx run 20'))" \
    -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 100); do
    [ "$(psql -Atc "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" = 0 ] || break
    sleep 0.1
done
as_importer "$bdtx" "${conf[@]}" -q run >"$work/out" 2>"$work/err"
rc=$?
check_err "a run while the reading role holds what it can (exit $rc)" test "$rc" -eq 0
psql -Atqc "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '$reporter'" >/dev/null
wait "$holder" 2>/dev/null
# The importing role takes it; a second run meanwhile exits 75.
as_importer psql -Atq -c "BEGIN; LOCK TABLE run_lock IN EXCLUSIVE MODE; SELECT pg_sleep(60)" \
    >/dev/null 2>&1 &
holder=$!
for _ in $(seq 100); do
    [ "$(psql -Atc "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'run_lock' AND l.granted")" = 0 ] || break
    sleep 0.1
done
as_importer "$bdtx" "${conf[@]}" -q run >"$work/out" 2>"$work/err"
rc=$?
check_err "a run while another holds the run's lock exits 75 (exit $rc)" \
    eval '[ $rc -eq 75 ] && grep -q "another bdtx run holds the lock" "$work/err"'
psql -Atqc "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '$importer'" >/dev/null
wait "$holder" 2>/dev/null

# Passwords: never in a message, a log line or the process list.
with_conninfo() {   # with_conninfo CONNINFO: the configuration with it, in ci.yaml
    grep -v '^database:' "$work/bdtx.yaml" >"$work/ci.yaml"
    printf 'database:\n  conninfo: "%s"\n' "$1" >>"$work/ci.yaml"
}
run_with() {   # run_with CONNINFO ARGS...: bdtx with that conninfo in its configuration
    with_conninfo "$1"
    shift
    "$bdtx" --config "$work/ci.yaml" "$@" >"$work/out" 2>"$work/err"
}
# A conninfo libpq cannot parse is a configuration error (78), one it can
# but whose server refuses is an outage (69).
for ci in "69 host=localhost user=$importer password=$secret dbname=no_such_db_$$" \
          "69 host=localhost user=nobody_$$ password=$secret" \
          "69 postgresql://$importer:$secret@localhost/no_such_db_$$" \
          "78 postgresql://$importer:${secret}%zz@localhost/$db" \
          "69 host=localhost password='$secret' port=x$secret" \
          "78 postgresql://localhost/$db?user=$importer&password=$secret&port=%zz$secret"; do
    want=${ci%% *}
    ci=${ci#* }
    run_with "$ci" -v db status
    rc=$?
    check_err "conninfo '${ci//$secret/****}': exit $want, no password in the output" \
        eval '[ $rc -eq $want ] && ! grep -qF -- "$secret" "$work/err" "$work/out"'
done
# A good conninfo with the password in it: the process list shows none.
run_with "host=localhost user=$importer password=$secret dbname=$db" -v db status
check_err "a password in conninfo works" test $? -eq 0
with_conninfo "host=localhost user=$importer password=$secret dbname=$db"
PGPASSWORD= "$bdtx" --config "$work/ci.yaml" -v import --as-of 2020-10-11 \
    "$fixture/week-03/export_lms_tuan03.csv" >"$work/out" 2>"$work/err" &
pid=$!
seen=0
while kill -0 "$pid" 2>/dev/null; do
    ps -eo args >>"$work/ps" 2>/dev/null
    [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" >>"$work/ps" && seen=$((seen + 1))
    sleep 0.05
done
wait "$pid"
rc=$?
check_err "an import with the password in conninfo (exit $rc)" test "$rc" -eq 0 -o "$rc" -eq 1
check_err "the process list was read while bdtx ran ($seen times)" test "$seen" -gt 0
check_err "no password in the process list or the import's output" \
    eval '! grep -qF -- "$secret" "$work/ps" "$work/out" "$work/err"'

test_done privileges
