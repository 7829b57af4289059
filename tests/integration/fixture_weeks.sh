#!/usr/bin/env bash
# The fixture province end to end on a real PostgreSQL: imports the eight
# weeks in order, each with the exit code its manifest implies, and compares
# every week's JSON report with expected/week-NN.json and the TEMIS figures
# with manifest.json; then re-imports every file and checks nothing changed.
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -euo pipefail

bdtx=$1
fixture=$2
here=$(cd "$(dirname "$0")" && pwd)
db=bdtx_fixture_$$
work=$(mktemp -d)
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
createdb "$db"
export PGDATABASE=$db

fail=0
conf=(--config "$fixture/bdtx.yaml")
"$bdtx" "${conf[@]}" --quiet db migrate

weeks=$(jq '.weeks | length' "$fixture/manifest.json")
for ((w = 0; w < weeks; w++)); do
    nfiles=$(jq ".weeks[$w].files | length" "$fixture/manifest.json")
    for ((f = 0; f < nfiles; f++)); do
        file=$(jq -r ".weeks[$w].files[$f].file" "$fixture/manifest.json")
        as_of=$(jq -r ".weeks[$w].files[$f].as_of" "$fixture/manifest.json")
        rejected=$(jq -r ".weeks[$w].files[$f].rejected_rows // 0" "$fixture/manifest.json")
        want=0
        [ "$rejected" = 0 ] || want=1
        # --as-of only where neither the title rows nor the file name carry it.
        args=()
        case "$file" in
            *tuan0*) args=(--as-of "$as_of") ;;
        esac
        set +e
        "$bdtx" "${conf[@]}" --quiet import "${args[@]}" "$fixture/$file" 2>"$work/err"
        rc=$?
        set -e
        got_rejected=$(grep -c "^$fixture/$file:[0-9]*:" "$work/err" || true)
        if [ "$rc" != "$want" ] || [ "$got_rejected" != "$rejected" ]; then
            echo "FAIL $file: exit $rc (expected $want), $got_rejected rejected rows (expected $rejected)"
            cat "$work/err"
            fail=1
        fi
        stored=$(psql -Atc "SELECT as_of FROM import WHERE file_name = '$(basename "$file")' ORDER BY id DESC LIMIT 1")
        if [ "$stored" != "$as_of" ]; then
            echo "FAIL $file: as-of $stored, expected $as_of"
            fail=1
        fi
    done
    n=$(printf '%02d' $((w + 1)))
    week=$(jq -r .week "$fixture/expected/week-$n.json")
    "$bdtx" "${conf[@]}" --quiet report --format json --week "$week" --out "$work/week-$n.json"
    diffs=$(jq -n -r --slurpfile actual "$work/week-$n.json" \
        --slurpfile expected "$fixture/expected/week-$n.json" -f "$here/compare.jq")
    if [ -n "$diffs" ]; then
        echo "FAIL week $n ($week): the report differs from expected/week-$n.json"
        echo "$diffs" | head -n 20
        fail=1
    fi
    # TEMIS: each file's expected per-unit counts against the report's.
    for target in gv cbql; do
        exp=$(jq -c --arg t "$target" ".weeks[$w].files[] | select(.target == \$t) | .expected | sort_by(.unit_code)" "$fixture/manifest.json")
        got=$(jq -c --arg t "$target" '[.temis[] | select(.target == $t) | {unit_code, total, self_assessed, head_assessed}] | sort_by(.unit_code)' "$work/week-$n.json")
        if [ "$exp" != "$got" ]; then
            echo "FAIL week $n: TEMIS $target figures differ from manifest.json"
            fail=1
        fi
        bad_rate=$(jq --arg t "$target" '[.temis[] | select(.target == $t) | select(.total > 0 and .rate != .self_assessed / .total)] | length' "$work/week-$n.json")
        if [ "$bad_rate" != 0 ]; then
            echo "FAIL week $n: TEMIS $target rate is not self_assessed / total"
            fail=1
        fi
    done
    echo "week $n ($week): compared"
done

# Re-importing any file changes nothing and says it was already imported.
count() {
    psql -Atc "SELECT (SELECT count(*) FROM import) || '/' || (SELECT count(*) FROM learner_version) || '/' || (SELECT count(*) FROM progress_version) || '/' || (SELECT count(*) FROM temis_unit_count) || '/' || (SELECT count(*) FROM import_rejection)"
}
before=$(count)
for path in "$fixture"/week-*/*; do
    if ! out=$("$bdtx" "${conf[@]}" import "$path" 2>&1); then
        echo "FAIL re-import of $path exited non-zero"
        fail=1
    fi
    if ! grep -q "already imported" <<<"$out"; then
        echo "FAIL re-import of $path did not say it was already imported: $out"
        fail=1
    fi
done
after=$(count)
if [ "$before" != "$after" ]; then
    echo "FAIL re-import changed the database: $before -> $after"
    fail=1
fi
echo "re-import of every file: nothing changed ($after)"

# History stores what changed, not a copy per week.
pairs=$(jq '.learner_modules' "$fixture/expected/week-08.json")
versions=$(psql -Atc "SELECT count(*) FROM progress_version")
echo "progress versions: $versions for $pairs pairs over $weeks weekly snapshots"
if [ "$versions" -ge $((pairs * weeks)) ]; then
    echo "FAIL the history holds a full copy of every snapshot"
    fail=1
fi
exit $fail
