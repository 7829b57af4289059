#!/usr/bin/env bash
# The hostile corpus (tests/hostile/make, cases.tsv): each file is imported
# into a database that already holds a week, and must be refused with its
# exact exit code, message and hint, leaving every table as it was.
#   run.sh BDTX FIXTURE_DIR
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -uo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
db_use "bdtx_hostile_$$" || exit 1

# The fixture's configuration with its registry found from here; "small"
# lowers the limits that real files would take too long to reach.
fixture_config "$work/default.yaml"
{ cat "$work/default.yaml"
  echo "limits: { max_rows: 100, max_file_mb: 1, max_uncompressed_mb: 2, max_cell_chars: 100 }"
} >"$work/small.yaml"

"$here/make" "$work/files" "$fixture" || { failure "tests/hostile/make"; exit 1; }
"$bdtx" "${conf[@]}" -q db migrate || exit 1
"$bdtx" "${conf[@]}" -q import "$fixture/week-01/lms-hoc-vien-20201004.csv" \
    "$fixture/week-01/temis-gv.xlsx" || { failure "the baseline import"; exit 1; }

# Every row of every table, as one digest per table.
digest_sql=$(for t in unit import import_rejection learner learner_version progress_version temis_unit_count; do
    echo "SELECT '$t ' || count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') FROM $t x;"
done)
state() {
    psql -Aqt <<<"$digest_sql"
}
before=$(state)

files=0
while IFS=$'\t' read -r name config want message hint; do
    [ -z "$name" ] || [ "${name:0:1}" = "#" ] && continue
    files=$((files + 1))
    path=$work/files/$name
    [ -e "$path" ] || { failure "$name: tests/hostile/make did not write it"; continue; }
    "$bdtx" --config "$work/$config.yaml" import --as-of 2020-10-11 "$path" >"$work/out" 2>"$work/err"
    rc=$?
    message=${message//\{file\}/$path}
    got=$(grep -m1 '^bdtx: ' "$work/err")
    got_hint=$(grep -m1 '^HINT: ' "$work/err" | sed 's/^HINT: //')
    after=$(state)
    if [ "$rc" != "$want" ] || [ "$got" != "$message" ] || [ "$got_hint" != "${hint:-}" ] ||
       [ "$after" != "$before" ]; then
        failure "$name: exit $rc (expected $want)"
        echo "  got:      $got"
        echo "  expected: $message"
        echo "  hint:     $got_hint"
        echo "  expected: ${hint:-}"
        [ "$after" != "$before" ] && echo "  the database changed:" && diff <(echo "$before") <(echo "$after")
    else
        passed=$((passed + 1))
    fi
done <"$here/cases.tsv"

# Every file make writes is a case, and there are enough of them.
made=$(ls "$work/files" | wc -l)
if [ "$made" != "$files" ] || [ "$files" -lt 30 ]; then
    failure "make wrote $made files, cases.tsv lists $files (at least 30 wanted)"
fi
test_done hostile
