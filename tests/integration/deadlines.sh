#!/usr/bin/env bash
# Deadlines and pace (SPEC rule 12) on a province of their own
# (tests/province/gen_deadlines.py): weekly exports with one week left out,
# a report every Sunday, and every unit's progress against M1's and M2's
# deadlines equal to what the generator computed from its ground truth:
# expected rate, rate, pace, what the unit needs, projected date, at risk.
# The workbook's Tiến độ says the same, and Xếp hạng flags the units at risk.
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -euo pipefail

bdtx=$1
dump=$2
. "$(dirname "$0")/../lib.sh"
python3 "$here/../province/gen_deadlines.py" "$work/p"
db_use "bdtx_deadlines_$$"
p=$work/p
conf=(--config "$p/bdtx.yaml")
"$bdtx" "${conf[@]}" --quiet db migrate
"$bdtx" "${conf[@]}" --quiet units import "$p/units.csv"

# The progress rows of a report, comparable: by module and unit, rates to
# within rounding of the last bit.
fields='[.progress[] | {unit_code, module, due, expected_rate, rate, pace_per_week, to_top_group, projected_date, at_risk}]'
compare_progress() {
    jq -n -r --slurpfile got "$1" --argjson want "$2" '
        def near($a; $b): if $a == null or $b == null then $a == $b
                          else (($a - $b) | fabs) <= 1e-12 end;
        ($got[0].progress | map({key: (.module + "/" + .unit_code), value: .}) | from_entries) as $g
        | ($want | map(.module + "/" + .unit_code)) as $keys
        | (select(($g | keys | sort) != ($keys | sort)) | "units: got \($g | keys), expected \($keys)"),
          ($want[] as $w | ($w.module + "/" + $w.unit_code) as $k | $g[$k] as $r
           | select($r != null)
           | (["due", "to_top_group", "projected_date", "at_risk"][] as $f
              | select($r[$f] != $w[$f]) | "\($k) \($f): got \($r[$f]), expected \($w[$f])"),
             (["expected_rate", "rate", "pace_per_week"][] as $f
              | select(near($r[$f]; $w[$f]) | not) | "\($k) \($f): got \($r[$f]), expected \($w[$f])"))'
}

nimports=$(jq '.imports | length' "$p/expected.json")
nreports=$(jq '.reports | length' "$p/expected.json")
seen_risk=0 seen_top=0 seen_nopace=0 seen_empty=0
for ((i = 0; i <= nimports; i++)); do
    if ((i > 0)); then
        "$bdtx" "${conf[@]}" --quiet import "$p/$(jq -r ".imports[$((i - 1))]" "$p/expected.json")"
    fi
    for ((r = 0; r < nreports; r++)); do
        [ "$(jq ".reports[$r].after" "$p/expected.json")" = "$i" ] || continue
        as_of=$(jq -r ".reports[$r].as_of" "$p/expected.json")
        want=$(jq -c ".reports[$r].progress" "$p/expected.json")
        "$bdtx" "${conf[@]}" --quiet report --format json --as-of "$as_of" --out "$work/got.json"
        diffs=$(compare_progress "$work/got.json" "$want")
        if [ -n "$diffs" ]; then
            failure "$as_of: the progress differs from the generator's"
            echo "$diffs" | head -n 20
        else
            echo "$as_of: progress as expected"
        fi
        seen_risk=$((seen_risk + $(jq '[.[] | select(.at_risk)] | length' <<<"$want")))
        seen_top=$((seen_top + $(jq '[.[] | select(.to_top_group == null and .rate != null)] | length' <<<"$want")))
        seen_nopace=$((seen_nopace + $(jq '[.[] | select(.rate != null and .to_top_group != null and .projected_date == null)] | length' <<<"$want")))
        seen_empty=$((seen_empty + $(jq '[.[] | select(.rate == null)] | length' <<<"$want")))
    done
done
# The cases the generator was written for did occur.
((seen_risk > 0)) || failure "no unit was ever at risk"
((seen_top > 0)) || failure "no unit was ever in the top group"
((seen_nopace > 0)) || failure "no unit was ever without a pace"
((seen_empty > 0)) || failure "no unit with nothing assigned"
last=$(jq -c '.reports[-1]' "$p/expected.json")
check "the unit exactly on 80.5 % at the end" \
    "$(jq -c '.progress[] | select(.unit_code == "47901" and .module == "M1") | [.rate, .to_top_group, .projected_date, .at_risk]' <<<"$last")" \
    '[0.805,null,"2020-12-13",false]'
check "M1's due date is past at the end: expected rate" \
    "$(jq -c '[.progress[] | select(.module == "M1") | .expected_rate] | unique' <<<"$last")" '[1]'

# The workbook of the last week: Tiến độ holds the same rows, and Xếp hạng
# notes the units at risk in some module.
"$bdtx" "${conf[@]}" --quiet report --format xlsx --as-of "$(jq -r .as_of <<<"$last")" --out "$work/last.xlsx"
"$bdtx" "${conf[@]}" --quiet report --format json --as-of "$(jq -r .as_of <<<"$last")" --out "$work/last.json"
"$dump" "$work/last.xlsx" "Tiến độ" >"$work/progress.jsonl"
"$dump" "$work/last.xlsx" "Xếp hạng" >"$work/ranking.jsonl"
out=$(jq -n -r --slurpfile sheet "$work/progress.jsonl" --slurpfile ranking "$work/ranking.jsonl" \
    --slurpfile report "$work/last.json" '
    def cell($i): (.[$i + 1] // "");
    [$sheet[] | select(cell(0) | type == "number")] as $rows
    | $report[0].progress as $p
    | (select(($rows | length) != ($p | length)) | "Tiến độ: \($rows | length) rows, JSON \($p | length)"),
      (range(0; [($rows | length), ($p | length)] | min) as $i | $rows[$i] as $r | $p[$i] as $j
       | (select(($r | cell(1)) != $j.unit_code or ($r | cell(3)) != $j.module)
          | "Tiến độ row \($i + 1): \($r | cell(1)) \($r | cell(3)), JSON \($j.unit_code) \($j.module)"),
         (select((($r | cell(11)) == "Có") != $j.at_risk)
          | "Tiến độ row \($i + 1) (\($j.unit_code) \($j.module)): at risk \($r | cell(11)), JSON \($j.at_risk)")),
      ([$p[] | select(.at_risk) | .unit_code] | unique) as $risky
      | ([$ranking[] | select(cell(0) | type == "number") | select(cell(20) | test("nguy cơ"; "i")) | cell(1)] | unique) as $flagged
      | select($flagged != $risky) | "Xếp hạng flags \($flagged), JSON at risk \($risky)"')
[ -z "$out" ] || { failure "the workbook disagrees with the JSON"; echo "$out" | head -n 20; }
test_done deadlines
