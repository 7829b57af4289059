#!/usr/bin/env bash
# Send only what changed: an lms-learners import stages (and merges) only
# the learners whose unit, role, name or module states differ from what the
# latest export naming them said, and says how many with --verbose. Made
# from the fixture's week 5 (Python's csv module, so the counts expected
# come from the files, not from bdtx):
#   b.csv  two learners changed (a module passed, a name), one new, one gone
#   c.csv  b.csv with a row of an unchanged learner repeated at the end with
#          a lower status (a duplicate far from its learner's rows) and a
#          learner's last row moved to the end (rows not together)
#   d.csv  c.csv with one more learner changed, imported the same day as c
# Each file is imported into two databases: one as bdtx does it, one where
# the kept digests are emptied before each import, so that every learner is
# staged (the import as it was); their histories, duplicates and import
# records must be the same.
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -uo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
db_create "bdtx_changed_$$" || exit 1
db_create "bdtx_changed_all_$$" || exit 1
fixture_config "$work/bdtx.yaml"
week5=$fixture/week-05/lms-hoc-vien-20201101.csv

python3 - "$week5" "$work" <<'PY' || exit 1
import csv, sys
src, out = sys.argv[1], sys.argv[2]
with open(src, encoding="utf-8-sig", newline="") as f:
    rows = list(csv.DictReader(f))
fields = list(rows[0].keys())
accounts = list(dict.fromkeys(r["Tài khoản"] for r in rows))
def passed(r):
    return r["Trạng thái"].strip() in ("Hoàn thành", "Đã hoàn thành", "Đạt") or r["Kết quả"].strip() == "Đạt"
def write(name, rs):
    with open(out + "/" + name, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for r in rs:
            w.writerow(r)
# b: a not-passed module of a learner passed; accounts[20] renamed;
# accounts[30]'s rows copied for a new account; accounts[40] left out.
a10 = next(a for a in accounts[10:] if any(r["Tài khoản"] == a and not passed(r) for r in rows))
b = []
done = False
for r in rows:
    r = dict(r)
    a = r["Tài khoản"]
    if a == accounts[40]:
        continue
    if a == a10 and not done and not passed(r):
        r["Trạng thái"], r["Kết quả"] = "Hoàn thành", "Đạt"
        done = True
    if a == accounts[20]:
        r["Họ và tên"] = r["Họ và tên"] + " Hai"
    b.append(r)
assert done
b += [dict(r, **{"Tài khoản": "999000111"}) for r in rows if r["Tài khoản"] == accounts[30]]
write("b.csv", b)
# c: a passed row of some unchanged learner repeated at the end as "Đang học";
# the last row of a learner with two or more rows moved to the end.
count = {}
for r in b:
    count[r["Tài khoản"]] = count.get(r["Tài khoản"], 0) + 1
za = next(a for a in accounts[60:] if count.get(a, 0) >= 2 and a not in (a10, accounts[70]))
y = next(r for r in b if passed(r) and r["Tài khoản"] not in (a10, accounts[20], accounts[70], za))
z = max(i for i, r in enumerate(b) if r["Tài khoản"] == za)
c = b[:z] + b[z + 1:] + [b[z], dict(y, **{"Trạng thái": "Đang học", "Kết quả": ""})]
write("c.csv", c)
# d: accounts[70]'s role changed (GV <-> CBQL).
def other(role):
    return role.replace("GV", "CBQL") if role.startswith("GV") else role.replace("CBQL", "GV")
d = [dict(r, **{"Đối tượng": other(r["Đối tượng"])}) if r["Tài khoản"] == accounts[70] else r for r in c]
write("d.csv", d)
with open(out + "/figures.txt", "w") as f:
    f.write("%d %d\n" % (len(accounts), len(accounts)))
PY
read -r learners _ <"$work/figures.txt"

for db in "bdtx_changed_$$" "bdtx_changed_all_$$"; do
    PGDATABASE=$db "$bdtx" "${conf[@]}" --quiet db migrate || failure "db migrate"
done

# staged FILE AS_OF WANT: imported in both databases; WANT learners staged
# by bdtx, every learner of the file in the other.
staged() {
    local file=$1 as_of=$2 want=$3 got all
    PGDATABASE=bdtx_changed_$$ "$bdtx" "${conf[@]}" --verbose import --as-of "$as_of" "$file" \
        >"$work/out" 2>"$work/err" || failure "import of $(basename "$file"): $(cat "$work/err")"
    got=$(sed -n 's/.*: \([0-9]*\) learners\{0,1\} changed or new, staged.*/\1/p' "$work/err")
    check "learners staged from $(basename "$file") ($as_of)" "$got" "$want"
    psql -q -d "bdtx_changed_all_$$" -c "DELETE FROM learner_digest" || failure "delete"
    PGDATABASE=bdtx_changed_all_$$ "$bdtx" "${conf[@]}" --verbose import --as-of "$as_of" "$file" \
        >"$work/out" 2>"$work/err" || failure "import of $(basename "$file"): $(cat "$work/err")"
    all=$(sed -n 's/.*: \([0-9]*\) learners\{0,1\} changed or new, staged; 0 .*/\1/p' "$work/err")
    check "learners staged from $(basename "$file") with no digest kept" \
        "$all" "$(python3 -c 'import csv,sys; print(len({r["Tài khoản"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig"))}))' "$file")"
}

# The history and the import records, but the import ids.
state() {
    psql -X -At -d "$1" <<'SQL'
SELECT 'lv', l.account, v.as_of, v.unit_code, v.role, v.full_name
  FROM learner_version v JOIN learner l ON l.id = v.learner_id ORDER BY 2, 3;
SELECT 'pv', l.account, v.module, v.as_of, v.state
  FROM progress_version v JOIN learner l ON l.id = v.learner_id ORDER BY 2, 3, 4;
SELECT 'dup', i.file_name, d.row_number, d.kept_row, d.account, d.module, d.state, d.kept_state
  FROM import_duplicate d JOIN import i ON i.id = d.import_id ORDER BY 2, 3;
SELECT 'import', file_name, as_of, rows, rejected FROM import ORDER BY 2, 3;
SQL
}

staged "$week5" 2020-11-01 "$learners"
staged "$work/b.csv" 2020-11-08 3
staged "$work/c.csv" 2020-11-15 2
staged "$work/d.csv" 2020-11-15 3
state "bdtx_changed_$$" >"$work/state.txt"
state "bdtx_changed_all_$$" >"$work/state_all.txt"
check_that "the same history, duplicates and import records as staging every learner" \
    diff "$work/state_all.txt" "$work/state.txt"
check_that "a duplicate far from its learner's rows is recorded" \
    grep -q '^dup|c.csv|' "$work/state.txt"
test_done
