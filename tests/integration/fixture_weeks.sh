#!/usr/bin/env bash
# The fixture province end to end on a real PostgreSQL: imports the eight
# weeks in order, each with the exit code its manifest implies, and compares
# every week's JSON report with expected/week-NN.json and the TEMIS figures
# with manifest.json; then re-imports every file and checks nothing changed.
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -euo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
db_use "bdtx_fixture_$$"

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
        got_rejected=$(grep -c "^bdtx: $fixture/$file:[0-9]*:" "$work/err" || true)
        if [ "$rc" != "$want" ] || [ "$got_rejected" != "$rejected" ]; then
            failure "$file: exit $rc (expected $want), $got_rejected rejected rows (expected $rejected)"
            cat "$work/err"
        fi
        stored=$(psql -Atc "SELECT as_of FROM import WHERE file_name = '$(basename "$file")' ORDER BY id DESC LIMIT 1")
        check "$file: as-of" "$stored" "$as_of"
    done
    n=$(printf '%02d' $((w + 1)))
    week=$(jq -r .week "$fixture/expected/week-$n.json")
    "$bdtx" "${conf[@]}" --quiet report --format json --week "$week" --out "$work/week-$n.json"
    diffs=$(jq -n -r --slurpfile actual "$work/week-$n.json" \
        --slurpfile expected "$fixture/expected/week-$n.json" -f "$here/compare.jq")
    if [ -n "$diffs" ]; then
        failure "week $n ($week): the report differs from expected/week-$n.json"
        echo "$diffs" | head -n 20
    fi
    # TEMIS: each file's expected per-unit counts against the report's.
    for target in gv cbql; do
        exp=$(jq -c --arg t "$target" ".weeks[$w].files[] | select(.target == \$t) | .expected | sort_by(.unit_code)" "$fixture/manifest.json")
        got=$(jq -c --arg t "$target" '[.temis[] | select(.target == $t) | {unit_code, total, self_assessed, head_assessed}] | sort_by(.unit_code)' "$work/week-$n.json")
        [ "$exp" = "$got" ] || failure "week $n: TEMIS $target figures differ from manifest.json"
        bad_rate=$(jq --arg t "$target" '[.temis[] | select(.target == $t) | select(.total > 0 and .rate != .self_assessed / .total)] | length' "$work/week-$n.json")
        check "week $n: TEMIS $target rates that are not self_assessed / total" "$bad_rate" 0
    done
    echo "week $n ($week): compared"
done

# Re-importing any file changes nothing and says it was already imported.
count() {
    psql -Atc "SELECT (SELECT count(*) FROM import) || '/' || (SELECT count(*) FROM learner_version) || '/' || (SELECT count(*) FROM progress_version) || '/' || (SELECT count(*) FROM temis_unit_count) || '/' || (SELECT count(*) FROM import_rejection)"
}
before=$(count)
for path in "$fixture"/week-*/*; do
    out=$("$bdtx" "${conf[@]}" import "$path" 2>&1) || failure "re-import of $path exited non-zero"
    grep -q "already imported" <<<"$out" || failure "re-import of $path did not say it was already imported: $out"
done
after=$(count)
check "what re-importing every file changed in the database" "$after" "$before"
echo "re-import of every file: nothing changed ($after)"

# History stores what changed, not a copy per week.
pairs=$(jq '.learner_modules' "$fixture/expected/week-08.json")
versions=$(psql -Atc "SELECT count(*) FROM progress_version")
echo "progress versions: $versions for $pairs pairs over $weeks weekly snapshots"
[ "$versions" -lt $((pairs * weeks)) ] || failure "the history holds a full copy of every snapshot"
test_done fixture-weeks
