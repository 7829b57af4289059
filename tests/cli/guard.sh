#!/usr/bin/env bash
# The import guard: a learners export that would turn more than
# limits.max_unpassed_percent of the passed pairs it holds back to not
# passed, or cut a unit's learners by more than limits.max_unit_drop_percent,
# is refused with the figures and the hint --force; just under the limit,
# or with --force, it goes in.
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -uo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
db_use "bdtx_guard_$$" || exit 1
fixture_config "$work/bdtx.yaml"
week5=$fixture/week-05/lms-hoc-vien-20201101.csv

# Variants of week 5, made from its rows (Python's csv module, so that the
# figures expected below come from the file, not from bdtx):
#   unpassed-over.csv   just over 5 % of its passed pairs set back to "Đang học"
#   unpassed-under.csv  exactly 5 % of them (the limit is "more than")
#   unit-drop.csv       unit 2090018 keeps 10 of its 45 learners
# figures.txt: passed pairs, pairs set back in each file.
python3 - "$week5" "$work" <<'PY' || exit 1
import csv, sys
src, out = sys.argv[1], sys.argv[2]
with open(src, encoding="utf-8-sig", newline="") as f:
    rows = list(csv.DictReader(f))
fields = list(rows[0].keys())
def passed(r):
    return r["Trạng thái"].strip() in ("Hoàn thành", "Đã hoàn thành", "Đạt") or r["Kết quả"].strip() == "Đạt"
pairs = {}
for r in rows:
    k = (r["Tài khoản"], r["Mô đun"])
    pairs[k] = pairs.get(k, False) or passed(r)
good = [k for k, v in pairs.items() if v]
total = len(good)
under = total * 5 // 100          # k * 100 <= total * 5
over = under + 1
def write(name, keep, setback):
    with open(out + "/" + name, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for r in rows:
            if not keep(r):
                continue
            r = dict(r)
            if (r["Tài khoản"], r["Mô đun"]) in setback:
                r["Trạng thái"], r["Kết quả"], r["Ngày hoàn thành"] = "Đang học", "", ""
            w.writerow(r)
write("unpassed-over.csv", lambda r: True, set(good[:over]))
write("unpassed-under.csv", lambda r: True, set(good[:under]))
unit = [r["Tài khoản"] for r in rows if r["Mã đơn vị"] == "2090018"]
learners = list(dict.fromkeys(unit))
gone = set(learners[10:])
write("unit-drop.csv", lambda r: r["Tài khoản"] not in gone, set())
with open(out + "/figures.txt", "w") as f:
    f.write("%d %d %d %d\n" % (total, over, under, len(learners)))
PY
read -r total over under learners <"$work/figures.txt"
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", int((a * 10000 + int(b / 2)) / b) / 100 }'; }

counts() {
    psql -Atc "SELECT (SELECT count(*) FROM import) || '/' || (SELECT count(*) FROM learner_version) || '/' || (SELECT count(*) FROM progress_version)"
}

"$bdtx" "${conf[@]}" -q db migrate || exit 1
expect 0 "" "$bdtx" "${conf[@]}" -q import "$week5"
before=$(counts)

expect_line 65 "bdtx: $work/unpassed-over.csv: refused: $over of the $total passed (learner, module) pairs in this file ($(pct "$over" "$total") %) would fall back to not passed; the limit is 5 % (limits.max_unpassed_percent)" \
    "$bdtx" "${conf[@]}" import --as-of 2020-11-08 "$work/unpassed-over.csv"
grep -qxF "HINT: if the export is right, import it again with --force" "$work/err" \
    || failure "no --force hint"
[ "$(counts)" = "$before" ] || failure "a refused import changed the database"
expect 0 "" "$bdtx" "${conf[@]}" -q import --as-of 2020-11-08 "$work/unpassed-under.csv"

before=$(counts)
expect_line 65 "bdtx: $work/unit-drop.csv: refused: unit 2090018 ($(grep '^2090018,' "$fixture/units.csv" | cut -d, -f2)) would drop from $learners learners to 10 ($(pct $((learners - 10)) "$learners") % fewer); the limit is 30 % (limits.max_unit_drop_percent)" \
    "$bdtx" "${conf[@]}" import --as-of 2020-11-15 "$work/unit-drop.csv"
[ "$(counts)" = "$before" ] || failure "a refused import changed the database"
# Raised in the configuration, the limit lets it in; so does --force.
{ cat "$work/bdtx.yaml"; echo "limits: { max_unit_drop_percent: 80 }"; } >"$work/raised.yaml"
expect 0 "" "$bdtx" --config "$work/raised.yaml" -q import --as-of 2020-11-15 "$work/unit-drop.csv"
expect 0 "" "$bdtx" "${conf[@]}" -q import --force --as-of 2020-11-22 "$work/unpassed-over.csv"

test_done guard
