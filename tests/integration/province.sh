#!/usr/bin/env bash
# The second synthetic province (tests/province/gen_province.py): two school
# years in one database, a district-level one and a commune-level one with
# its own thresholds, exports in rotating layouts imported with no --source,
# --target or --module flags; every report must equal the generator's
# expected rankings. Needs the PG* variables of a server (pg_virtualenv).
set -euo pipefail

bdtx=$1
csv2xlsx=$2
generator=${3:-gen_province.py}
. "$(dirname "$0")/../lib.sh"
python3 "$here/../province/$generator" "$work/p" --csv2xlsx "$csv2xlsx"
db_use "bdtx_province_$$"
p=$work/p
conf=(--config "$p/bdtx.yaml")
"$bdtx" "${conf[@]}" --quiet db migrate

nimports=$(jq '.imports | length' "$p/manifest.json")
imported=0
report_upto() {
    local n=$1 r nreports week expected
    nreports=$(jq '.reports | length' "$p/manifest.json")
    for ((r = 0; r < nreports; r++)); do
        [ "$(jq ".reports[$r].after" "$p/manifest.json")" = "$n" ] || continue
        week=$(jq -r ".reports[$r].week" "$p/manifest.json")
        expected=$(jq -r ".reports[$r].expected" "$p/manifest.json")
        "$bdtx" "${conf[@]}" --quiet report --format json --week "$week" --out "$work/got.json"
        diffs=$(jq -n -r --slurpfile actual "$work/got.json" --slurpfile expected "$p/$expected" \
            -f "$here/compare.jq")
        # TEMIS per unit and target (temis-people counted), where expected.
        exp_t=$(jq -c '[(.temis // [])[] | {unit_code, target, total, self_assessed, head_assessed}] | sort_by(.unit_code, .target)' "$p/$expected")
        got_t=$(jq -c '[.temis[] | {unit_code, target, total, self_assessed, head_assessed}] | sort_by(.unit_code, .target)' "$work/got.json")
        if [ "$exp_t" != "$got_t" ]; then
            diffs="$diffs
TEMIS: got $got_t
  expected $exp_t"
        fi
        if [ -n "$diffs" ]; then
            failure "$week: the report differs from $expected"
            echo "$diffs" | head -n 20
        else
            echo "$week: as expected ($expected)"
        fi
    done
}
for ((i = 0; i < nimports; i++)); do
    file=$(jq -r ".imports[$i].file" "$p/manifest.json")
    as_of=$(jq -r ".imports[$i].as_of" "$p/manifest.json")
    year=$(jq -r ".imports[$i].school_year" "$p/manifest.json")
    rejected=$(jq -r ".imports[$i].rejected" "$p/manifest.json")
    want=0
    [ "$rejected" = 0 ] || want=1
    if [ "$(jq ".imports[$i].strict_fails" "$p/manifest.json")" = true ]; then
        # --strict: the first bad row rejects the whole file, nothing stays.
        before=$(psql -Atc "SELECT count(*) FROM import")
        set +e
        "$bdtx" "${conf[@]}" --quiet import --strict "$p/$file" 2>"$work/err"
        rc=$?
        set -e
        after=$(psql -Atc "SELECT count(*) FROM import")
        if [ "$rc" != 65 ] || [ "$before" != "$after" ] || ! grep -q -- "--strict" "$work/err"; then
            failure "$file --strict: exit $rc (expected 65), imports $before -> $after"
            cat "$work/err"
        fi
    fi
    set +e
    "$bdtx" "${conf[@]}" --quiet import "$p/$file" 2>"$work/err"
    rc=$?
    set -e
    got_rejected=$(grep -c "^bdtx: $p/$file:[0-9]*:" "$work/err" || true)
    if [ "$rc" != "$want" ] || [ "$got_rejected" != "$rejected" ]; then
        failure "$file: exit $rc (expected $want), $got_rejected rejected rows (expected $rejected)"
        head -n 20 "$work/err"
    fi
    nmsg=$(jq ".imports[$i].messages | length" "$p/manifest.json")
    for ((m = 0; m < nmsg; m++)); do
        msg=$(jq -r ".imports[$i].messages[$m]" "$p/manifest.json")
        if ! grep -qF -- "$p/$file:" "$work/err" || ! grep -F -- "$msg" "$work/err" | grep -qF "$p/$file:"; then
            failure "$file: no message '$msg'"
            cat "$work/err"
        fi
    done
    stored=$(psql -Atc "SELECT as_of || ' ' || school_year FROM import ORDER BY id DESC LIMIT 1")
    check "$file: stored as-of and year" "$stored" "$as_of $year"
    dups=$(jq ".imports[$i].duplicates" "$p/manifest.json")
    got_dups=$(psql -Atc "SELECT count(*) FROM import_duplicate WHERE import_id = (SELECT max(id) FROM import)")
    check "$file: duplicates recorded" "$got_dups" "$dups"
    # Legacy-font cells converted, per encoding, and how the file was read.
    exp_conv=$(jq -r ".imports[$i].conversions // {} | to_entries | map(select(.value > 0)) | map(\"\(.key)=\(.value)\") | sort | join(\",\")" "$p/manifest.json")
    got_conv=$(psql -Atc "SELECT coalesce(string_agg(encoding || '=' || cells, ',' ORDER BY encoding), '') FROM import_conversion WHERE import_id = (SELECT max(id) FROM import)")
    check "$file: conversions" "$got_conv" "$exp_conv"
    exp_enc=$(jq -r ".imports[$i].file_encoding // \"utf-8\"" "$p/manifest.json")
    got_enc=$(psql -Atc "SELECT file_encoding FROM import ORDER BY id DESC LIMIT 1")
    check "$file: read as" "$got_enc" "$exp_enc"
    imported=$((i + 1))
    report_upto "$imported"
done
# Files that cannot be taken without a flag: refused whole, naming the flag.
nrefused=$(jq '.refused | length' "$p/manifest.json")
for ((i = 0; i < nrefused; i++)); do
    file=$(jq -r ".refused[$i].file" "$p/manifest.json")
    want=$(jq -r ".refused[$i].exit" "$p/manifest.json")
    msg=$(jq -r ".refused[$i].message" "$p/manifest.json")
    before=$(psql -Atc "SELECT count(*) FROM import")
    set +e
    "$bdtx" "${conf[@]}" --quiet import "$p/$file" 2>"$work/err"
    rc=$?
    set -e
    after=$(psql -Atc "SELECT count(*) FROM import")
    if [ "$rc" != "$want" ] || ! grep -qF -- "$msg" "$work/err" || [ "$before" != "$after" ]; then
        failure "$file: exit $rc (expected $want), imports $before -> $after, message:"
        cat "$work/err"
    else
        echo "$file: refused ($msg)"
    fi
done
test_done "province ${generator%.py}"
