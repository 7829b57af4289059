#!/usr/bin/env python3
"""A small province with deadlines, for the integration test deadlines.sh.

Modules M1 (opens 2020-09-14, due 2020-11-29) and M2 (due 2021-01-31, opens
at the school year's start) have deadlines, M3 has none. Group A starts at
80.5 %, a threshold with two decimals. Weekly learner exports (one row per
learner and module), one week left out, and for every report date the
progress of SPEC rule 12 that bdtx must give, computed here from the
generator's own ground truth (who passed which module in which week) with
exact fractions, never by reading the files back.

Units chosen for the boundaries: one exactly on the 80.5 % threshold (in
the top group: projected at the report's date, not at risk), one that has
gained nothing in its last four weeks with data (no pace: no projection,
at risk), one with nothing assigned (no rate, not at risk); the last
reports fall after M1's due date (expected rate 1, below the top group at
risk whatever its pace).

Usage: gen_deadlines.py OUTDIR
Writes OUTDIR/bdtx.yaml, OUTDIR/units.csv, OUTDIR/lms-hoc-vien-YYYYMMDD.csv
and OUTDIR/expected.json: {"imports": [file...], "reports": [{"after":
number of imports done, "as_of": date, "progress": [...]}]}.
Standard library only; deterministic (fixed seed).
"""

import csv
import datetime
import json
import os
import random
import sys
from fractions import Fraction

START, END = datetime.date(2020, 9, 1), datetime.date(2021, 8, 31)
MODULES = [  # code, alias, opens, due
    ("M1", "Mô đun 1", datetime.date(2020, 9, 14), datetime.date(2020, 11, 29)),
    ("M2", "Mô đun 2", None, datetime.date(2021, 1, 31)),
    ("M3", "Mô đun 3", None, None),
]
TOP = Fraction(8050, 10000)          # Group A: 80.5 %
# The Sundays of the exports; 2020-11-08 has none (a forgotten week).
EXPORTS = [datetime.date(2020, 9, 20) + datetime.timedelta(weeks=k) for k in range(13)]
EXPORTS.remove(datetime.date(2020, 11, 8))
WEEKS = len(EXPORTS) + 1             # report dates: every Sunday from the first export

UNITS = [  # code, name, kind, parent
    ("47", "Sở GDĐT Thử Hạn", "province", ""),
    ("47001", "Phòng GDĐT Đông", "phong", "47"),
    ("47002", "Phòng GDĐT Tây", "phong", "47"),
    ("47003", "Phòng GDĐT Nam", "phong", "47"),
    ("4700101", "Trường Tiểu học Đông Một", "school", "47001"),
    ("4700102", "Trường THCS Đông Hai", "school", "47001"),
    ("4700201", "Trường Tiểu học Tây Một", "school", "47002"),
    ("4700301", "Trường THCS Nam Một", "school", "47003"),
    ("47901", "Trường THPT Thẳng Hạn", "direct", "47"),    # exactly 80.5 % on M1 at the end
    ("47902", "Trường THPT Đứng Yên", "direct", "47"),     # no pace in its last weeks
    ("47903", "Trung tâm GDNN-GDTX Trống", "direct", "47"),  # nothing assigned
    ("47904", "Trường THPT Chậm", "direct", "47"),
]


def learners(rng):
    """[(account, role, school, {module: week passed or None})]: the week
    index is the export (0-based) in which the pass first shows."""
    out = []
    n = 0

    def add(school, role, passes):
        nonlocal n
        n += 1
        out.append(("47%07d" % n, role, school, passes))

    for school, size in [("4700101", 30), ("4700102", 45), ("4700201", 25), ("4700301", 60),
                         ("47904", 35)]:
        for _ in range(size):
            passes = {}
            for code, _alias, _o, _d in MODULES:
                if code == "M3" and rng.random() < 0.5:
                    continue
                r = rng.random()
                if school == "47904":
                    r = r * 1.6           # slow: many never pass
                passes[code] = None if r > 0.9 else int(r / 0.9 * len(EXPORTS))
            add(school, "GV" if rng.random() < 0.85 else "CBQL", passes)
    # 47901: 200 on M1, 161 of them passed by the last export (80.5 %
    # exactly), passing at a steady rate; M2 for 50 of them.
    for i in range(200):
        week = None if i >= 161 else i * (len(EXPORTS) - 1) // 160
        passes = {"M1": week}
        if i < 50:
            passes["M2"] = None if i % 3 == 0 else i % len(EXPORTS)
        add("47901", "GV", passes)
    # 47902: 40 on M1 and M2, 20 passed M1 in the first three exports,
    # nothing since.
    for i in range(40):
        add("47902", "GV", {"M1": i % 3 if i < 20 else None, "M2": None})
    return out


def write_export(outdir, day, people):
    name = "lms-hoc-vien-%s.csv" % day.strftime("%Y%m%d")
    week = EXPORTS.index(day)
    names = {u[0]: u[1] for u in UNITS}
    with open(os.path.join(outdir, name), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["STT", "Tài khoản", "Đối tượng", "Đơn vị", "Mã đơn vị", "Mô đun",
                    "Trạng thái"])
        stt = 0
        for account, role, school, passes in people:
            for code, alias, _o, _d in MODULES:
                if code not in passes:
                    continue
                done = passes[code] is not None and passes[code] <= week
                stt += 1
                w.writerow([stt, account, role, names[school], school, alias,
                            "Hoàn thành" if done else "Đang học"])
    return name


def counts(people, module, upto_export):
    """{ranked or direct unit: (assigned, passed)} of module at the export
    index upto_export (-1: before any)."""
    parent = {u[0]: u[3] for u in UNITS}
    kind = {u[0]: u[2] for u in UNITS}
    out = {u[0]: [0, 0] for u in UNITS if u[2] in ("phong", "direct")}
    if upto_export < 0:
        return out
    for _account, _role, school, passes in people:
        if module not in passes:
            continue
        unit = school if kind[school] == "direct" else parent[school]
        out[unit][0] += 1
        if passes[module] is not None and passes[module] <= upto_export:
            out[unit][1] += 1
    return out


def export_at(day):
    """The index of the latest export on or before day, or -1."""
    done = [i for i, d in enumerate(EXPORTS) if d <= day]
    return done[-1] if done else -1


def progress(people, day):
    rows = []
    # Rule 12's weeks: the last four (at most) ending at day, day - 7, ...
    # within the school year that hold an export.
    nweeks, base, end = 0, day, day
    while nweeks < 4 and end >= START:
        if any(end - datetime.timedelta(days=7) < d <= end for d in EXPORTS):
            nweeks += 1
            base = end - datetime.timedelta(days=7)
        end -= datetime.timedelta(days=7)
    for code, _alias, opens, due in MODULES:
        if due is None:
            continue
        opens = opens or START
        now = counts(people, code, export_at(day))
        before = counts(people, code, export_at(base) if nweeks else export_at(day))
        expected = Fraction((day - opens).days, (due - opens).days)
        expected = min(max(expected, Fraction(0)), Fraction(1))
        for unit in sorted(now):
            assigned, passed = now[unit]
            row = {"unit_code": unit, "module": code, "due": due.isoformat(),
                   "expected_rate": float(expected), "rate": None, "pace_per_week": None,
                   "to_top_group": None, "projected_date": None, "at_risk": False}
            if assigned == 0:
                rows.append(row)
                continue
            rate = Fraction(passed, assigned)
            row["rate"] = float(rate)
            gained = passed - before[unit][1]
            if nweeks:
                row["pace_per_week"] = float(Fraction(gained, nweeks))
            if rate >= TOP:
                row["projected_date"] = day.isoformat()
            else:
                need = -((passed - TOP * assigned) // 1)      # ceil(TOP * a - p)
                row["to_top_group"] = int(need)
                if nweeks and gained > 0:
                    weeks = -((-Fraction(need) * nweeks / gained) // 1)
                    row["projected_date"] = (day + datetime.timedelta(weeks=int(weeks))).isoformat()
                projected = row["projected_date"]
                row["at_risk"] = projected is None or projected > due.isoformat()
            rows.append(row)
    return rows


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    rng = random.Random(12)
    people = learners(rng)
    with open(os.path.join(outdir, "units.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "kind", "parent_code"])
        w.writerows(UNITS)
    mods = []
    for code, alias, opens, due in MODULES:
        extra = (", opens: %s" % opens.isoformat() if opens else "") + \
                (", due: %s" % due.isoformat() if due else "")
        mods.append('      - { code: %s, name: "Mô đun thử %s", aliases: ["%s"]%s }\n'
                    % (code, code[1:], alias, extra))
    with open(os.path.join(outdir, "bdtx.yaml"), "w", encoding="utf-8") as f:
        f.write('province: { code: "47", name: "Thử Hạn", authority: "UBND TỈNH THỬ HẠN",'
                ' department: "SỞ GIÁO DỤC VÀ ĐÀO TẠO" }\n'
                'database: { conninfo: "" }\n'
                'paths: { inbox: var/inbox, archive: var/archive, rejected: var/rejected,'
                ' reports: reports }\n'
                'school_years:\n'
                '  - id: "2020-2021"\n'
                '    start: %s\n    end: %s\n'
                '    ranked_level: "Phòng GDĐT"\n'
                '    units: units.csv\n'
                '    modules:\n%s'
                '    groups:\n'
                '      - { name: A, min_percent: 80.5 }\n'
                '      - { name: B, min_percent: 50 }\n'
                '      - { name: C, min_percent: 0 }\n'
                'report: { language: vi, file_name: "bdtx-{province}-{week}.xlsx",'
                ' include_people: false, highlight: 2 }\n'
                % (START.isoformat(), END.isoformat(), "".join(mods)))
    imports = [write_export(outdir, d, people) for d in EXPORTS]
    reports = []
    for k in range(WEEKS):
        day = EXPORTS[0] + datetime.timedelta(weeks=k)
        reports.append({"after": export_at(day) + 1, "as_of": day.isoformat(),
                        "progress": progress(people, day)})
    with open(os.path.join(outdir, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"imports": imports, "reports": reports}, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
