#!/usr/bin/env bash
# Unit packs (SPEC section 6, "Unit packs"; section 7) on the fixture
# province, with report.units: true: `bdtx run` after each of the eight
# weeks writes, beside the province's workbook, one pack per ranked-level and
# direct unit. Every pack of every week is read back with bdtx's own reader
# (sheet_dump) and compared with that week's JSON: the unit's own row of each
# ranking (its rank and group in the province) and the province total, and
# its learners sheet; in the last week, for five units, also its module
# sheets, its schools, its TEMIS rows and its trend. The learners sheet holds
# exactly the rows of the province's learners sheet whose school is the
# unit or below it: no account of any other unit. Every notice (the
# province's and each unit's) is read back against the JSON (notices.py).
# Then `report --unit`, `report --format text`, the sheet Thông báo and
# English notices.
# Usage: packs.sh BDTX FIXTURE SHEET_DUMP [WEEKS] (WEEKS: only the first ones)
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -euo pipefail

bdtx=$1
fixture=$2
dump=$3
. "$(dirname "$0")/../lib.sh"
db_use "bdtx_packs_$$"

fixture_config "$work/bdtx.yaml" \
    "s|^paths:.*|paths: { inbox: $work/inbox, archive: $work/archive, rejected: $work/rejected, reports: $work/reports }|" \
    "s|highlight: 3 }|highlight: 3, units: true }|"
mkdir "$work/inbox"
"$bdtx" "${conf[@]}" --quiet db migrate


# Each unit's code and the codes at or below it, as JSON: {code: [codes]}.
jq -R -s '
    [split("\n")[1:][] | rtrimstr("\r") | select(length > 0) | split(",") | {code: .[0], kind: .[2], parent: .[3]}]
    | . as $u
    | (reduce $u[] as $x ({}; .[$x.parent] += [$x.code])) as $kids
    | def below($c): [$c] + ([($kids[$c] // [])[] | below(.)] | add // []);
      [$u[] | select(.kind == "phong" or .kind == "direct") | {key: .code, value: below(.code)}]
    | from_entries' "$fixture/units.csv" >"$work/below.json"
units=$(jq -r 'keys[]' "$work/below.json")
check "units with a pack" "$(wc -l <<<"$units")" 34

sheets_vi='["Xếp hạng","Mô đun M1","Mô đun M2","Trường","TEMIS","Chưa hoàn thành","Xu hướng","Thông báo","Dữ liệu"]'

# The JSON report seen from unit $code, for workbook.jq: its own rows of every
# ranking, the province's totals per module, its schools and TEMIS rows; and,
# for the learners sheet, its own overall figures as the total owed.
unit_view() {
    jq --arg code "$1" --slurpfile below "$work/below.json" '
        ($below[0][$code]) as $mine
        | (reduce (.rankings[] | select(.scope | startswith("module:"))) as $r ({};
              .[$r.scope] += ([$r.rows[] | {assigned, passed}]))
           | map_values({assigned: (map(.assigned) | add), passed: (map(.passed) | add)}
                        | . + {rate: (if .assigned > 0 then .passed / .assigned else null end)}))
          as $mt
        | . + {module_totals: $mt}
        | .rankings |= map(.rows |= map(select(.unit_code == $code)))
        | .schools |= map(select(.unit_code as $u | $mine | index($u)))
        | .temis |= map(select(.unit_code as $u | $mine | index($u)))
        | . + {own_total: ([.rankings[] | select(.scope == "overall") | .rows[]] | first
                          // {assigned: 0, passed: 0})}' "$2"
}

# check_pack XLSX CODE JSON WEEKS PROVINCE_PEOPLE ALL: the ranking sheet and
# the learners; with ALL "all", every sheet.
check_pack() {
    local xlsx=$1 code=$2 json=$3 weeks=$4 people=$5 all=$6 spec name check scope view out got
    got=$("$dump" "$xlsx" | jq -R . | jq -s -c .)
    if [ "$got" != "$sheets_vi" ]; then
        failure "$xlsx: sheets $got, expected $sheets_vi"
        return
    fi
    unit_view "$code" "$json" >"$work/view.json"
    jq -c --arg code "$code" '.rankings |= map(.rows |= map(select(.unit_code == $code)))' \
        "$weeks" >"$work/view-weeks.json"
    jq '. + {province_total: .own_total}' "$work/view.json" >"$work/view-people.json"
    for spec in "Xếp hạng|ranking|overall|view" "Mô đun M1|ranking|module:M1|view" \
                "Mô đun M2|ranking|module:M2|view" "Trường|schools||view" "TEMIS|temis||view" \
                "Chưa hoàn thành|people||view-people" "Xu hướng|trend||view"; do
        IFS='|' read -r name check scope view <<<"$spec"
        [ "$all" = all ] || [ "$name" = "Xếp hạng" ] || continue
        "$dump" "$xlsx" "$name" >"$work/sheet.jsonl"
        out=$(jq -n -r --slurpfile sheet "$work/sheet.jsonl" --slurpfile reportv "$work/$view.json" \
            --slurpfile weeks "$work/view-weeks.json" --arg check "$check" --arg scope "$scope" \
            -f "$here/workbook.jq")
        if [ -n "$out" ]; then
            failure "$xlsx, sheet $name differs from $json:"
            awk 'NR <= 10' <<<"$out"
        fi
    done
    # Its learners: exactly the province list's rows whose school is the
    # unit or below it ([school, account, name, role, modules...]).
    "$dump" "$xlsx" "Chưa hoàn thành" \
        | jq -c 'select(.[1] | type == "number") | .[3:]' | sort >"$work/mine.txt"
    jq -c --arg code "$code" --slurpfile below "$work/below.json" \
        '($below[0][$code]) as $mine | select(.[0] as $s | $mine | index($s))' "$people" \
        | sort >"$work/theirs.txt"
    if ! cmp -s "$work/mine.txt" "$work/theirs.txt"; then
        failure "$xlsx: its learners are not the province list's rows of its schools"
        diff "$work/mine.txt" "$work/theirs.txt" | awk 'NR <= 5' || true
    fi
    # One row per learner not finished: learners - learners_completed.
    got=$(jq -r '.[2]' "$work/mine.txt" | sort -u | grep -c . || true)
    want=$(jq '.own_total | (.learners // 0) - (.learners_completed // 0)' "$work/view.json")
    check "$xlsx: learners listed" "$got" "$want"
    others=$(jq -r --arg code "$code" --slurpfile below "$work/below.json" \
        '($below[0][$code]) as $mine | select((.[0] as $s | $mine | index($s)) | not) | .[2]' \
        "$people" | sort -u | comm -12 - <(jq -r '.[2]' "$work/mine.txt" | sort -u) | awk 'NR <= 3')
    [ -z "$others" ] || failure "$xlsx: accounts of other units: $others"
    total=$((total + 1))
}

total=0
: >"$work/weeks.json"
weeks=${4:-$(jq '.weeks | length' "$fixture/manifest.json")}
for ((w = 0; w < weeks; w++)); do
    n=$(printf '%02d' $((w + 1)))
    week=$(jq -r .week "$fixture/expected/week-$n.json")
    fixture_drop "$w"
    "$bdtx" "${conf[@]}" --quiet run >/dev/null 2>"$work/run.err" || [ $? = 1 ] \
        || { failure "week $n: run failed: $(cat "$work/run.err")"; continue; }
    dir=$work/reports/2020-2021
    json=$dir/bdtx-20-$week.json
    cat "$json" >>"$work/weeks.json"
    "$dump" "$dir/bdtx-20-$week.xlsx" "Chưa hoàn thành" \
        | jq -c 'select(.[1] | type == "number") | .[3:]' >"$work/people.jsonl"
    # Only units' folders under don-vi, each with this week's pack.
    got=$(cd "$dir/don-vi" && ls | sort | tr '\n' ' ')
    check "week $n: unit folders" "$got" "$(tr '\n' ' ' <<<"$units")"
    for code in $units; do
        xlsx=$dir/don-vi/$code/$week.xlsx
        if [ ! -s "$xlsx" ]; then
            failure "week $n: no pack at $xlsx"
            continue
        fi
        # Every sheet in the last week, for units of both tables and a
        # unit without schools of its own.
        all=some
        if [ "$w" = $((weeks - 1)) ]; then
            case $code in 20178 | 20185 | 20189 | 2090004 | 2090013) all=all ;; esac
        fi
        check_pack "$xlsx" "$code" "$json" "$work/weeks.json" "$work/people.jsonl" "$all"
    done
    # The notices: the province's beside its workbook, each unit's beside
    # its pack, every figure read back against the JSON.
    args=()
    for code in $units; do
        args+=("$code=$dir/don-vi/$code/$week.txt")
    done
    out=$(python3 "$here/notices.py" "$json" "$fixture/units.csv" 3 "$dir/bdtx-20-$week.txt" \
        "${args[@]}" 2>&1) || failure "week $n: notices differ from $json: $out"
    echo "week $n ($week): packs and notices compared"
done
check "packs read back" "$total" $((34 * weeks))

# No temporary file left beside the packs.
extra=$(find "$work/reports/2020-2021/don-vi" -type f ! -name '*-W[0-9][0-9].xlsx' \
    ! -name '*-W[0-9][0-9].txt' ! -name index.html | awk 'NR <= 3')
[ -z "$extra" ] || failure "files left in don-vi/: $extra"

# report --unit writes one pack, equal to run's; other codes are refused.
dir=$work/reports/2020-2021
expect 0 "" "$bdtx" "${conf[@]}" --quiet report --week "$week" --unit 20185 --out "$work/one.xlsx"
"$dump" "$work/one.xlsx" "Xếp hạng" >"$work/one.jsonl"
"$dump" "$dir/don-vi/20185/$week.xlsx" "Xếp hạng" >"$work/run.jsonl"
check_that "report --unit writes the same ranking sheet as run" cmp -s "$work/one.jsonl" "$work/run.jsonl"
# It says where it wrote, as an absolute path, --out relative or not.
expect_line 0 "bdtx: info: pack written to $work/reports/2020-2021/don-vi/20185/$week.xlsx" \
    "$bdtx" "${conf[@]}" report --week "$week" --unit 20185
pushd "$work" >/dev/null || exit 1
expect_line 0 "bdtx: info: pack written to $work/two.xlsx" \
    "$bdtx" "${conf[@]}" report --week "$week" --unit 20185 --out two.xlsx
popd >/dev/null || exit 1
expect 64 "--unit 20185174: only a ranked-level unit (Phòng GDĐT) or a direct unit has a pack" \
    "$bdtx" "${conf[@]}" report --week "$week" --unit 20185174
expect 64 "--unit 99999: no unit has this code in school year 2020-2021" \
    "$bdtx" "${conf[@]}" report --week "$week" --unit 99999
expect 64 "--unit writes a unit's pack" \
    "$bdtx" "${conf[@]}" report --week "$week" --unit 20185 --format json
# report --format text writes the province's notice; with --unit, the unit's.
"$bdtx" "${conf[@]}" --quiet report --week "$week" --format text >"$work/notice.txt"
check_that "report --format text is the province's notice" \
    cmp -s "$work/notice.txt" "$dir/bdtx-20-$week.txt"
"$bdtx" "${conf[@]}" --quiet report --week "$week" --format text --unit 20185 >"$work/notice.txt"
check_that "report --format text --unit is the unit's notice" \
    cmp -s "$work/notice.txt" "$dir/don-vi/20185/$week.txt"
# The sheet Thông báo holds the notice, a line a row.
"$dump" "$dir/don-vi/20185/$week.xlsx" "Thông báo" | jq -r 'select(.[1] | type == "number") | .[2]' \
    >"$work/sheet.txt"
check_that "the pack's sheet Thông báo holds its notice" \
    cmp -s "$work/sheet.txt" <(grep -v '^$' "$dir/don-vi/20185/$week.txt")

# English, with points for decimals.
sed -i 's/language: vi/language: en/' "$work/bdtx.yaml"
"$bdtx" "${conf[@]}" --quiet report --week "$week" --format text --unit 20185 >"$work/en.txt"
check_that "an English notice" grep -q '^Completion rate: [0-9]*\.[0-9][0-9]% ([0-9]*/[0-9]* pairs)$' "$work/en.txt"
check_that "a Vietnamese notice has decimal commas" \
    grep -q '^Tỷ lệ hoàn thành: [0-9]*,[0-9][0-9]% ([0-9]*/[0-9]* lượt)$' "$dir/don-vi/20185/$week.txt"
test_done packs
