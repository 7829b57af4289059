#!/usr/bin/env bash
# The Ministry's view: a small nation (bdtx-gen national --provinces 3: the
# root of kind nation, 3 provinces, their communes, direct units and
# schools) imported for two weeks and reported. Checked against figures
# computed here from the export itself (python, not bdtx):
#   - the ranking is of the provinces, exactly, ranked by rate, each with
#     the sums of every pair of its learners; no table of units directly
#     under the Ministry (there are none);
#   - every school is ranked within its commune;
#   - one pack per province, which ranks that province's communes and
#     direct units and lists that province's learners not passed, nobody
#     else's;
#   - the notice praises the best provinces (rule 13);
#   - the notice, the trend and the packs speak of the nation, not of a
#     province; the workbook's generation time is the province's clock.
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -euo pipefail

bdtx=$1
gen=$2
dump=$3
. "$(dirname "$0")/../lib.sh"
db=bdtx_nation_$$

"$gen" national --scale 0.01 --provinces 3 --xlsx-rows 0 "$work/nat" >"$work/gen.txt"
# Group A from 51 %, B from 45 %: some provinces are in A, so that some are praised.
sed -i -e "s/{ name: A, min_percent: 80 }/{ name: A, min_percent: 51 }/" -e "s/{ name: B, min_percent: 50 }/{ name: B, min_percent: 45 }/" "$work/nat/bdtx.yaml"
check "the generated group A threshold" "$(grep -c 'name: A, min_percent: 51' "$work/nat/bdtx.yaml")" 1
echo 'report: { units: true, highlight: 1 }' >>"$work/nat/bdtx.yaml"
conf=(--config "$work/nat/bdtx.yaml" --quiet)
db_use "$db"
"$bdtx" "${conf[@]}" db migrate
"$bdtx" "${conf[@]}" config check >/dev/null
mkdir -p "$work/nat/inbox"
cp "$work/nat/lms-week1.csv" "$work/nat/inbox/lms-20201004.csv"
cp "$work/nat/lms-week2.csv" "$work/nat/inbox/lms-20201011.csv"
(cd "$work/nat" && "$bdtx" "${conf[@]}" run)
dir=$work/nat/reports/2020-2021
json=$dir/bdtx-00-2020-W41.json

# What the export says, province by province and school by school.
python3 - "$work/nat/lms-week2.csv" "$work/nat/units.csv" >"$work/expected.json" <<'EOF'
import csv, json, sys
from fractions import Fraction
rows = list(csv.DictReader(open(sys.argv[1], encoding='utf-8-sig')))
units = {r['code']: r for r in csv.DictReader(open(sys.argv[2], encoding='utf-8'))}
prov, school, people = {}, {}, {}
def add(d, k, role, passed):
    f = d.setdefault(k, {'assigned': 0, 'passed': 0, 'gv_assigned': 0, 'cbql_assigned': 0})
    f['assigned'] += 1
    f['passed'] += passed
    f['gv_assigned' if role.startswith('GV') else 'cbql_assigned'] += 1
for r in rows:
    code, passed = r['Mã đơn vị'], r['Trạng thái'] == 'Hoàn thành'
    add(prov, code[:2], r['Đối tượng'], passed)
    add(school, code, r['Đối tượng'], passed)
    p = people.setdefault(r['Tài khoản'], [code[:2], True])
    p[1] = p[1] and passed
for k, f in prov.items():
    f['learners'] = sum(1 for p in people.values() if p[0] == k)
    f['not_completed'] = sorted(a for a, p in people.items() if p[0] == k and not p[1])
# Rank of each school within its commune: 1 + siblings with a higher rate.
ranks = {}
for code, f in school.items():
    parent = units[code]['parent_code']
    rate = Fraction(f['passed'], f['assigned'])
    ranks[code] = [parent, 1 + sum(1 for c, g in school.items()
                                   if units[c]['parent_code'] == parent
                                   and Fraction(g['passed'], g['assigned']) > rate)]
print(json.dumps({'provinces': prov, 'schools': ranks}))
EOF

provinces=$(awk -F, '$3 == "province" {print $1}' "$work/nat/units.csv" | sort | tr '\n' ' ')
check "provinces in the registry" "$provinces" "01 02 03 "
got=$(jq -r '.rankings[] | select(.scope == "overall" and .unit_kind == "ranked") | .rows[].unit_code' "$json" | sort | tr '\n' ' ')
check "the national ranking holds the provinces, exactly" "$got" "$provinces"
check "no table of units directly under the Ministry" \
    "$(jq '[.rankings[] | select(.scope == "overall" and .unit_kind == "direct") | .rows[]] | length' "$json")" 0
for p in $provinces; do
    for f in assigned passed gv_assigned cbql_assigned learners; do
        check "province $p: $f, the sum of its learners' pairs" \
            "$(jq --arg p "$p" --arg f "$f" '.rankings[0].rows[] | select(.unit_code == $p) | .[$f]' "$json")" \
            "$(jq --arg p "$p" --arg f "$f" '.provinces[$p][$f]' "$work/expected.json")"
    done
done
check "the provinces are in rank order, by rate" \
    "$(jq '.rankings[0].rows | [.[].rate] as $r | $r == ($r | sort | reverse)' "$json")" true
ranks=$(jq -c '.rankings[0].rows as $rows | [$rows[] | . as $me | [.rank, 1 + ([$rows[] | select(.rate > $me.rate)] | length)]] | map(.[0] == .[1]) | all' "$json")
check "each province's rank is 1 + the provinces with a higher rate" "$ranks" true
check "the nation's total is the sum of the provinces" \
    "$(jq '.province_total.assigned' "$json")" "$(jq '[.provinces[].assigned] | add' "$work/expected.json")"

# Schools ranked within their communes.
jq -c '.schools[] | select(.rank_in_parent != null) | [.unit_code, .parent_code, .rank_in_parent]' "$json" \
    | sort >"$work/schools.got"
jq -c '.schools | to_entries[] | [.key, .value[0], .value[1]]' "$work/expected.json" | sort >"$work/schools.want"
check "schools with learners, ranked within their commune" \
    "$(cmp -s "$work/schools.got" "$work/schools.want" && echo same || diff "$work/schools.got" "$work/schools.want" | head -n 3)" same
check "schools' parents are communes" \
    "$(jq '[.schools[] | select(.unit_code | length == 8) | .parent_code | length == 5] | all' "$json")" true

# The Ministry's words, not a province's: the notice's scope line, and the
# trend's total row, in the national workbook and in every province's pack
# (the trend's total is the root's rate). The generation time is the
# province's clock (Asia/Ho_Chi_Minh, the configuration's default).
check "the national notice's scope line" \
    "$(grep -c '^Phạm vi: .* (00)$' "$dir/bdtx-00-2020-W41.txt"),$(grep -c '^Tỉnh:' "$dir/bdtx-00-2020-W41.txt")" "1,0"
trend_total() { "$dump" "$1" "Xu hướng" | jq -r 'select(.[2] == "00") | .[3]'; }
check "the national trend's total row" "$(trend_total "$dir/bdtx-00-2020-W41.xlsx")" "Toàn quốc"
"$dump" "$dir/bdtx-00-2020-W41.xlsx" "Dữ liệu" >"$work/data.jsonl"
check "the data sheet's scope line" \
    "$(jq -r 'select(.[1] == "Phạm vi" or .[1] == "Tỉnh") | "\(.[1]): \(.[2])"' "$work/data.jsonl")" "Phạm vi: 00 – Toàn quốc"
jq -r 'select(.[1] == "Thời điểm tạo") | .[2]' "$work/data.jsonl" >"$work/generated"
grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} \(UTC\+07:00\)$' "$work/generated" \
    || failure "the workbook's generation time is not the province's clock: '$(cat "$work/generated")'"

# One pack per province, and nothing else.
check "unit folders: the provinces" "$(cd "$dir/don-vi" && ls | tr '\n' ' ')" "$provinces"
for p in $provinces; do
    xlsx=$dir/don-vi/$p/2020-W41.xlsx
    [ -f "$xlsx" ] || { failure "no pack for province $p"; continue; }
    # Its ranking: its own communes and direct units, no other province's.
    "$dump" "$xlsx" "Xếp hạng" | jq -r 'select(.[1] | type == "number") | .[2]' >"$work/codes"
    want=$(awk -F, -v p="$p" '$4 == p && ($3 == "xa" || $3 == "direct") {print $1}' "$work/nat/units.csv" | sort | tr '\n' ' ')
    check "pack $p: its communes and direct units ranked" "$(grep -v "^$p\$" "$work/codes" | sort | tr '\n' ' ')" "$want"
    # Its learners not passed: exactly the province's.
    "$dump" "$xlsx" "Chưa hoàn thành" | jq -r 'select(.[1] | type == "number") | .[5]' | sort -u >"$work/mine"
    jq -r --arg p "$p" '.provinces[$p].not_completed[]' "$work/expected.json" | sort -u >"$work/theirs"
    check "pack $p: its learners not passed, nobody else's" \
        "$(cmp -s "$work/mine" "$work/theirs" && echo same || echo "$(wc -l <"$work/mine") listed, $(wc -l <"$work/theirs") expected")" same
    check "pack $p: its trend's total row" "$(trend_total "$xlsx")" "Toàn quốc"
    grep -q "^Xếp hạng: [0-9]*/3 Tỉnh/thành phố$" "$dir/don-vi/$p/2020-W41.txt" \
        || failure "pack $p: its notice gives no rank among the 3 provinces"
done

# The notice praises the best-ranked province in group A (highlight: 1).
best=$(jq -r '.rankings[0].rows | map(select(.group == "A")) | .[0].unit_code' "$json")
[ "$best" != null ] || failure "no province in group A: the test needs one"
praised=$(sed -n '/^Biểu dương/,/^$/p' "$dir/bdtx-00-2020-W41.txt" | sed -n 's/^- .*(\([0-9]*\)):.*/\1/p' | tr '\n' ' ')
check "the notice praises the best province" "$praised" "$best "

# The tree's rules: a province sits directly under a nation root, communes
# under a province, nowhere else.
mkdir -p "$work/bad"
sed 's/^01,\(.*\),province,00$/01,\1,province,02/' "$work/nat/units.csv" >"$work/bad/units.csv"
sed 's#units: units.csv#units: '"$work/bad/units.csv"'#' "$work/nat/bdtx.yaml" >"$work/bad/bdtx.yaml"
expect 78 "unit 01 has kind province but a parent (02); only the root of the registry is of that kind, or a province directly under a nation" \
    "$bdtx" --config "$work/bad/bdtx.yaml" config check
sed 's/^\(01001,.*,xa,\)01$/\100/' "$work/nat/units.csv" >"$work/bad/units.csv"
expect 78 "xa unit 01001 must have a province as its parent, not 00" \
    "$bdtx" --config "$work/bad/bdtx.yaml" config check

test_done nation
