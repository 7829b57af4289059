#!/usr/bin/env python3
"""Reads the week's notices back and compares every figure with the JSON
report of the same week (SPEC section 6, Thông báo): the province's notice
(its figures, the units praised and chased under rule 13, with what each
needs) and each unit's (its figures, group, rank, what it needs, the
province's rate, its schools below the top group).

Usage: notices.py REPORT.json UNITS.csv HIGHLIGHT PROVINCE.txt [CODE=UNIT.txt ...]
Prints one line per difference; exits 1 when there is any."""

import csv
import json
import re
import sys

problems = []


def fail(where, msg):
    problems.append(f"{where}: {msg}")


def pct(num, den):
    """passed / assigned in hundredths of a percent, rounded half up, as text."""
    if den <= 0:
        return "–"
    h = (num * 20000 + den) // (2 * den)
    return f"{h // 100},{h % 100:02d}%"


def fields(text):
    """The "Label: value" lines, and the list items under each label."""
    out, items, current = {}, {}, None
    for line in text.split("\n"):
        if line.startswith("- "):
            items.setdefault(current, []).append(line[2:])
            continue
        m = re.match(r"^([^:]+): (.*)$", line)
        if m:
            current = m.group(1)
            out.setdefault(current, []).append(m.group(2))
    return out, items


def one(where, f, label):
    v = f.get(label)
    if not v:
        fail(where, f"no line '{label}'")
        return None
    if len(v) != 1:
        fail(where, f"{len(v)} lines '{label}'")
    return v[0]


def expect(where, what, got, want):
    if got != want:
        fail(where, f"{what}: notice says {got!r}, report {want!r}")


def group_text(g):
    return g if g is not None else "chưa xếp nhóm"


def check_figures(where, f, row, learners_key="learners_completed"):
    expect(where, "Tỷ lệ hoàn thành", one(where, f, "Tỷ lệ hoàn thành"),
           f"{pct(row['passed'], row['assigned'])} ({row['passed']}/{row['assigned']} lượt)")
    gv = f"{pct(row['gv_passed'], row['gv_assigned'])} ({row['gv_passed']}/{row['gv_assigned']})"
    cb = (f"{pct(row['cbql_passed'], row['cbql_assigned'])} "
          f"({row['cbql_passed']}/{row['cbql_assigned']})")
    expect(where, "GV; CBQL", one(where, f, "GV"), f"{gv}; CBQL: {cb}")
    c, n = row.get(learners_key) or 0, row.get("learners") or 0
    expect(where, "Người hoàn thành", one(where, f, "Người hoàn thành"),
           f"{pct(c, n)} ({c}/{n} người)")


def needs_text(row, groups):
    top = groups[0]["name"]
    names = [g["name"] for g in groups]
    if row["group"] == top:
        return f"đã ở nhóm {top}"
    if row["to_next_group"] is None and row["to_top_group"] is None:
        return "–"
    parts = []
    gi = names.index(row["group"]) if row["group"] in names else len(names)
    nxt = gi - 1
    if row["to_next_group"] is not None and gi != 1 and row["to_next_group"] != row["to_top_group"]:
        parts.append(f"{row['to_next_group']} lượt hoàn thành để lên nhóm {names[nxt]}")
    if row["to_top_group"] is not None:
        parts.append(f"{row['to_top_group']} lượt hoàn thành để đạt nhóm {top}")
    return "; ".join(parts)


def item_text(code, name, row, rank, groups, needs):
    s = (f"{name} ({code}): {pct(row['passed'], row['assigned'])} "
         f"({row['passed']}/{row['assigned']}), nhóm {group_text(row['group'])}")
    if rank is not None:
        s += f", hạng {rank}"
    if needs and row["group"] != groups[0]["name"] and row.get("to_top_group") is not None:
        s += "; " + needs_text(row, groups)
    return s


def marks(rows, h, top):
    """Rule 13 on a table in display order: (praised, chased) unit codes."""
    ranked = [r for r in rows if r["rank"] is not None]
    praised, chased = [], []
    inside = [r for r in ranked if r["group"] == top]
    if h > 0 and inside:
        bound = inside[min(h, len(inside)) - 1]["rank"]
        praised = [r["unit_code"] for r in inside if r["rank"] <= bound]
    below = [r for r in ranked if r["group"] != top]
    if h > 0 and below:
        bound = below[::-1][min(h, len(below)) - 1]["rank"]
        chased = [r["unit_code"] for r in below if r["rank"] >= bound]
    return praised, chased


def main():
    rep = json.load(open(sys.argv[1], encoding="utf-8"))
    units = {}
    with open(sys.argv[2], encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            units[r["code"]] = r
    h = int(sys.argv[3])
    groups = rep["groups"]
    top = groups[0]["name"]
    day = "/".join(reversed(rep["as_of"].split("-")))
    overall = [t for t in rep["rankings"] if t["scope"] == "overall"]

    # The province's notice.
    where = sys.argv[4]
    text = open(where, encoding="utf-8").read()
    f, items = fields(text)
    expect(where, "Tỉnh", one(where, f, "Tỉnh"), f"{rep['province']['name']} ({rep['province']['code']})")
    expect(where, "Tính đến ngày", one(where, f, "Tính đến ngày"), day)
    tot = rep["province_total"]
    expect(where, "Tỷ lệ hoàn thành", one(where, f, "Tỷ lệ hoàn thành"),
           f"{pct(tot['passed'], tot['assigned'])} ({tot['passed']}/{tot['assigned']} lượt)")
    expect(where, "Người hoàn thành", one(where, f, "Người hoàn thành"),
           f"{pct(tot['learners_completed'], tot['learners'])} "
           f"({tot['learners_completed']}/{tot['learners']} người)")
    expect(where, "Nhóm", one(where, f, "Nhóm"), group_text(tot["group"]))
    praised, chased = [], []
    for t in overall:
        p, c = marks(t["rows"], h, top)
        by = {r["unit_code"]: r for r in t["rows"]}
        praised += [item_text(x, by[x]["unit_name"], by[x], by[x]["rank"], groups, False) for x in p]
        chased += [item_text(x, by[x]["unit_name"], by[x], by[x]["rank"], groups, True) for x in c]
    expect(where, "Biểu dương", one(where, f, "Biểu dương"), str(len(praised)))
    expect(where, "Biểu dương list", items.get("Biểu dương", []), praised)
    expect(where, "Đôn đốc, nhắc nhở", one(where, f, "Đôn đốc, nhắc nhở"), str(len(chased)))
    expect(where, "Đôn đốc list", items.get("Đôn đốc, nhắc nhở", []), chased)

    # Each unit's.
    def within(code, unit):
        seen = 0
        while code and seen < 100:
            if code == unit:
                return True
            code = units.get(code, {}).get("parent_code")
            seen += 1
        return False

    for arg in sys.argv[5:]:
        code, where = arg.split("=", 1)
        text = open(where, encoding="utf-8").read()
        f, items = fields(text)
        table = next((t for t in overall for r in t["rows"] if r["unit_code"] == code), None)
        if table is None:
            fail(where, f"unit {code} is in no overall ranking")
            continue
        row = next(r for r in table["rows"] if r["unit_code"] == code)
        expect(where, "Đơn vị", one(where, f, "Đơn vị"), f"{row['unit_name']} ({code})")
        expect(where, "Tính đến ngày", one(where, f, "Tính đến ngày"), day)
        check_figures(where, f, row)
        expect(where, "Nhóm", one(where, f, "Nhóm"), group_text(row["group"]))
        if row["rank"] is not None:
            n = sum(1 for r in table["rows"] if r["rank"] is not None)
            got = one(where, f, "Xếp hạng") or ""
            expect(where, "Xếp hạng", got.split(" ")[0], f"{row['rank']}/{n}")
        elif "Xếp hạng" in f:
            fail(where, "a rank for a unit without one")
        if row["delta_pp"] is not None:
            d = f"{row['delta_pp']:+.2f}".replace(".", ",")
            expect(where, "So với tuần trước", one(where, f, "So với tuần trước"), f"{d} điểm %")
        expect(where, "Toàn tỉnh", one(where, f, "Toàn tỉnh"),
               f"{pct(tot['passed'], tot['assigned'])} ({tot['passed']}/{tot['assigned']}), "
               f"nhóm {group_text(tot['group'])}")
        expect(where, "Cần thêm", one(where, f, "Cần thêm"), needs_text(row, groups))
        label = f"Trường chưa đạt nhóm {top}"
        want = [item_text(s["unit_code"], units[s["unit_code"]]["name"], s, s["rank_in_parent"],
                          groups, True)
                for s in rep["schools"]
                if s["unit_code"] != code and within(s["unit_code"], code)
                and s["group"] != top and s["rank_in_parent"] is not None]
        expect(where, label, one(where, f, label), str(len(want)))
        expect(where, label + " list", items.get(label, []), want)

    for p in problems[:30]:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
