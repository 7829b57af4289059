#!/usr/bin/env python3
"""A province whose exports come in the shapes officers' desktops give them,
a different one every week, for the integration test province.sh:

  W41  legacy .xls written by xlwt: a notes sheet first, merged title cells
  W42  legacy .xls saved by LibreOffice from a CSV
  W43  a header on two rows (captions merged across sub-columns and down),
       as .xls saved by LibreOffice
  W44  the wide layout on two rows: each module's caption over its status
       and result sub-columns (result "Đạt" passes), an XLSX written by
       libxlsxwriter
  W45  CSV with Excel's "sep=;" line; per-unit counts with thousands
       separators and percentages as text, one fractional and one
       ambiguous count rejected with their place
  W46  XLSX whose per-unit counts and totals are formulas (cached values)
  W47  the two-row layouts again as XLSX saved by LibreOffice: the wide one
       for the learners, per-unit counts with a two-row header

The expected rankings are computed here from the generator's own ground
truth (gen_province.expected_report), never by reading the files back.

Usage: gen_shapes.py OUTDIR --csv2xlsx PATH
Writes OUTDIR/bdtx.yaml, the registry, OUTDIR/manifest.json and
OUTDIR/expected/*.json in the format province.sh reads. The .xls writer
xlwt runs under Debian's python3 (python3-xlwt).
"""

import json
import os
import re
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_province as gp  # noqa: E402

XLWT = r"""
import json, sys, xlwt
spec = json.load(sys.stdin)
book = xlwt.Workbook(encoding="utf-8")
bold = xlwt.easyxf("font: bold on; align: horiz center")
for sheet_spec in spec["sheets"]:
    sheet = book.add_sheet(sheet_spec["name"])
    for r1, r2, c1, c2, text in sheet_spec.get("merges", []):
        sheet.write_merge(r1, r2, c1, c2, text, bold)
    merged = {(r, c) for r1, r2, c1, c2, _ in sheet_spec.get("merges", [])
              for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    for r, row in enumerate(sheet_spec["rows"]):
        for c, v in enumerate(row):
            if (r, c) not in merged and v != "":
                sheet.write(r, c, v)
book.save(spec["path"])
"""


def xlwt_book(path, sheets):
    """sheets: [{"name", "rows", "merges": [(r1, r2, c1, c2, text)]}]."""
    subprocess.run(["/usr/bin/python3", "-c", XLWT], check=True,
                   input=json.dumps({"path": path, "sheets": sheets}).encode())


def soffice_convert(src, fmt, ext):
    """src converted by LibreOffice (headless) beside it; src removed."""
    folder = os.path.dirname(src)
    profile = tempfile.mkdtemp(prefix="bdtx-lo-")
    try:
        subprocess.run(["soffice", "-env:UserInstallation=file://" + profile, "--headless",
                        "--norestore", "--convert-to", fmt, "--infilter=CSV:44,34,76,1",
                        "--outdir", folder, src], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=300)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out = src.rsplit(".", 1)[0] + "." + ext
    if not os.path.exists(out):
        sys.exit("gen_shapes.py: soffice did not write " + out)
    os.remove(src)
    return out


def col_letter(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def python_xlsx(path, rows):
    """A workbook written here with zipfile, as a script would write one:
    inline strings, numbers, and "=FORMULA|VALUE" fields as formulas, an
    empty VALUE leaving the formula without a cached value (as writers
    that do not calculate leave it)."""
    out = []
    for r, row in enumerate(rows):
        cells = []
        for c, v in enumerate(row):
            ref = "%s%d" % (col_letter(c), r + 1)
            if isinstance(v, str) and v.startswith("=") and "|" in v:
                formula, value = v[1:].split("|", 1)
                cells.append('<c r="%s"><f>%s</f>%s</c>' % (
                    ref, escape(formula), "<v>%s</v>" % value if value else ""))
            elif isinstance(v, int) or (isinstance(v, str) and re.fullmatch(r"[1-9][0-9]{0,14}", v)):
                cells.append('<c r="%s"><v>%s</v></c>' % (ref, v))
            elif v != "":
                cells.append('<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, escape(str(v))))
        out.append('<row r="%d">%s</row>' % (r + 1, "".join(cells)))
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               'content-types"><Default Extension="xml" '
                               'ContentType="application/xml"/></Types>',
        "xl/workbook.xml": '<workbook %s xmlns:r="%s"><sheets><sheet name="Dữ liệu" sheetId="1" '
                           'r:id="rId1"/></sheets></workbook>' % (ns, rel),
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/'
                                      'package/2006/relationships"><Relationship Id="rId1" '
                                      'Type="%s/worksheet" Target="worksheets/sheet1.xml"/>'
                                      '</Relationships>' % rel,
        "xl/worksheets/sheet1.xml": '<worksheet %s><sheetData>%s</sheetData></worksheet>'
                                    % (ns, "".join(out)),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text.encode())


def numeric(v):
    """An account or code as a number, as spreadsheets keep them."""
    return int(v) if isinstance(v, str) and v.isdigit() and len(v) < 12 else v


def long_rows(rng, snap):
    y = snap.y
    return [[i + 1, name, numeric(acct), rng.choice(gp.ROLE_TEXT[role]), numeric(unit),
             gp.unit_name(y, unit), gp.module_label(rng, y, m, "alias"), gp.status_text(rng, st)]
            for i, (acct, m, st, unit, role, name) in enumerate(snap.rows)]


LONG_HEAD = ["STT", "Họ và tên", "Tài khoản", "Chức danh", "Mã trường", "Tên trường", "Mô đun",
             "Trạng thái"]


def shape_xls_xlwt(rng, snap, as_of, path):
    y = snap.y
    title = gp.title_rows(y, as_of, "NĂM HỌC " + y.id)
    rows = title + [LONG_HEAD] + long_rows(rng, snap)
    rows.append(["", "Tổng cộng: %d lượt" % len(snap.rows)])
    path = path[:-4] + ".xls"
    # Last week's table, everyone passed: read, it would be a wrong week.
    decoy = {"name": "Tuần trước", "rows": [LONG_HEAD] + [r[:7] + ["Hoàn thành"]
                                                         for r in long_rows(rng, snap)]}
    notes = {"name": "Hướng dẫn", "rows": [["HƯỚNG DẪN"], ["Dữ liệu ở trang tính thứ ba."]]}
    data = {"name": "Dữ liệu", "rows": rows,
            "merges": [(0, 0, 0, 7, title[0][0]), (1, 1, 0, 7, title[1][0])]}
    xlwt_book(path, [decoy, notes, data])
    return path, {"file_encoding": "xls"}


def shape_xls_libreoffice(rng, snap, as_of, path):
    rows = gp.title_rows(snap.y, as_of, "THEO HỌC VIÊN") + [LONG_HEAD] + long_rows(rng, snap)
    gp.write_csv(path, rows)
    return soffice_convert(path, "xls:MS Excel 97", "xls"), {"file_encoding": "xls"}


def shape_two_rows_long(rng, snap, as_of, path):
    """STT, Họ và tên, Tài khoản merged down; "Đơn vị" over Mã trường |
    Tên trường; "Kết quả học tập" over Trạng thái | Kết quả."""
    y = snap.y
    rows = gp.title_rows(y, as_of, "THEO HỌC VIÊN")
    rows.append(["STT", "Họ và tên", "Tài khoản", "Chức danh", "Đơn vị", "", "Mô đun",
                 "Kết quả học tập", ""])
    rows.append(["", "", "", "", "Mã trường", "Tên trường", "", "Trạng thái", "Kết quả"])
    for i, (acct, m, st, unit, role, name) in enumerate(snap.rows):
        result = rng.choice(["Đạt", ""]) if st == 2 else rng.choice(["Chưa đạt", ""])
        rows.append([i + 1, name, numeric(acct), rng.choice(gp.ROLE_TEXT[role]), numeric(unit),
                     gp.unit_name(y, unit),
                     gp.module_label(rng, y, m, "alias"), gp.status_text(rng, st), result])
    gp.write_csv(path, rows)
    return soffice_convert(path, "xls:MS Excel 97", "xls"), {"file_encoding": "xls"}


def wide_cells(rng, st):
    """A module's status and result, as the platform writes them."""
    if st is None:
        return ["", ""]
    if st == 2:
        return rng.choice([["Hoàn thành", ""], ["Hoàn thành", "Đạt"], ["Chưa hoàn thành", "Đạt"],
                           ["", "Đạt"]])
    if st == 1:
        return rng.choice([["Đang học", ""], ["Chưa hoàn thành", "Chưa đạt"]])
    return rng.choice([["Chưa học", ""], ["Chưa bắt đầu", "Chưa đạt"]])


def shape_two_rows_wide(rng, snap, as_of, path, writer="libxlsxwriter"):
    y = snap.y
    rows = gp.title_rows(y, as_of, "THEO GIÁO VIÊN")
    top = ["STT", "Họ và tên", "Tài khoản", "Chức danh", "Mã trường"]
    sub = ["", "", "", "", ""]
    for code, _, aliases in y.modules:
        top += [aliases[0], ""]
        sub += ["Trạng thái", "Kết quả"]
    rows += [top, sub]
    learners = {}
    for acct, m, st, unit, role, name in snap.rows:
        learners.setdefault(acct, (unit, name, role, {}))[3][m] = st
    for i, acct in enumerate(sorted(learners)):
        unit, name, role, mods = learners[acct]
        cells = []
        for code, _, _ in y.modules:
            cells += wide_cells(rng, mods.get(code))
        rows.append([i + 1, name, acct, rng.choice(gp.ROLE_TEXT[role]), unit] + cells)
    gp.write_csv(path, rows)
    if writer == "libreoffice":
        return gp.xlsx_libreoffice(path), {"file_encoding": "xlsx"}
    return gp.xlsx_libxlsxwriter(path, cover=False), {"file_encoding": "xlsx"}


def shape_two_rows_wide_lo(rng, snap, as_of, path):
    return shape_two_rows_wide(rng, snap, as_of, path, writer="libreoffice")


def shape_sep_line(rng, snap, as_of, path):
    """Excel's "sep=;" first line; the decimal commas of the progress
    column would otherwise compete with ';'."""
    y = snap.y
    rows = gp.title_rows(y, as_of, "THEO HỌC VIÊN")
    rows.append(LONG_HEAD + ["Tiến độ (%)"])
    for r in long_rows(rng, snap):
        rows.append(r + ["%d,%d" % (rng.randrange(100), rng.randrange(10))])
    gp.write_csv(path, rows, delimiter=";", bom=False)
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(b"sep=;\r\n" + data)
    return path, {}


def shape_long_plain(rng, snap, as_of, path):
    rows = gp.title_rows(snap.y, as_of, "THEO HỌC VIÊN") + [LONG_HEAD] + long_rows(rng, snap)
    gp.write_csv(path, rows)
    return path, {}


SHAPES = {
    "xls-xlwt": shape_xls_xlwt,
    "xls-libreoffice": shape_xls_libreoffice,
    "two-rows-long": shape_two_rows_long,
    "two-rows-wide": shape_two_rows_wide,
    "two-rows-wide-lo": shape_two_rows_wide_lo,
    "sep-line": shape_sep_line,
    "long-plain": shape_long_plain,
}

# Thousands written as officers write them, one style a unit.
THOUSANDS = [".", ",", " ", "\u00a0"]


def grouped(n, sep):
    s = "%d" % n
    parts = []
    while len(s) > 3:
        parts.insert(0, s[-3:])
        s = s[:-3]
    return sep.join([s] + parts)


def unit_counts(rng, y, week):
    """Aggregates of the units known by their counts only: large enough to
    be written with a thousands separator. (unit, module, target) -> [a, p]."""
    out = {}
    for k, unit in enumerate(sorted(y.agg_units)):
        for code, _, _ in y.modules:
            for target in ("gv", "cbql"):
                a = 1000 + 97 * k + (311 if target == "gv" else 7) + rng.randrange(50)
                out[(unit, code, target)] = [a, min(a, a * (week - 40) // 8 + rng.randrange(40))]
    return out


def write_unit_counts_two_rows(rng, y, agg, as_of, folder):
    """lms-units with a two-row header ("Số lượng" over the counts, STT and
    the unit merged down), counts with blank or no-break space thousands,
    saved as XLSX by LibreOffice; in each, the first unit's assigned count
    written "1.xxx", which LibreOffice (English) keeps as the number 1.xxx:
    a fraction, rejected with its place. Returns [(file, rejected,
    messages, skipped, (module, target))]."""
    files = []
    for code, _, aliases in y.modules:
        for target, who in (("gv", "GIÁO VIÊN"), ("cbql", "CÁN BỘ QUẢN LÝ")):
            rows = gp.title_rows(y, as_of, "%s - %s" % (aliases[0].upper(), who))
            rows.append(["STT", "Mã đơn vị", "Tên đơn vị", "Số lượng", ""])
            rows.append(["", "", "", "Tổng số phải học", "Tổng số hoàn thành"])
            for n, unit in enumerate(sorted(y.agg_units)):
                a, p = agg[(unit, code, target)]
                sep = " " if n % 2 else "\u00a0"
                rows.append([n + 1, unit, gp.unit_name(y, unit),
                             grouped(a, "." if n == 0 else sep), grouped(p, sep)])
            first = len(rows) - len(y.agg_units) + 1
            bad = rows[first - 1][3]
            rows.append(["Tổng cộng", "", "", "", ""])
            name = "so-lieu-%s-%s-%s.csv" % (code, target, as_of.strftime("%Y%m%d"))
            gp.write_csv(os.path.join(folder, name), rows)
            path = gp.xlsx_libreoffice(os.path.join(folder, name))
            # The cell holds the number, written the shortest way back.
            shown = repr(float(bad))
            assert not shown.endswith(".0"), "a whole number would be read as a count"
            files.append((os.path.basename(path), 1, [":%d:D: '%s' is not a count" % (first, shown)],
                          {sorted(y.agg_units)[0]}, (code, target)))
    return files


def write_unit_counts(rng, y, agg, as_of, folder, formulas):
    """One lms-units file a module and target. With formulas, an XLSX whose
    counts are formulas with cached values, and a totals row =SUM(...),
    written by libxlsxwriter, the last one by a Python script that leaves
    one count a formula without its value (a rejected row); else a CSV with thousands separators, a percent written "84,9%", and
    two rows whose counts cannot be whole numbers, rejected. Returns
    [(file, rejected, messages, skipped units)]."""
    files = []
    for i, (code, _, aliases) in enumerate(y.modules):
        for target, who in (("gv", "GIÁO VIÊN"), ("cbql", "CÁN BỘ QUẢN LÝ")):
            rows = gp.title_rows(y, as_of, "%s - %s" % (aliases[0].upper(), who))
            rows.append(["STT", "Mã đơn vị", "Tên đơn vị", "Tổng số phải học",
                         "Tổng số hoàn thành", "Tỷ lệ (%)"])
            first = len(rows) + 1
            messages, skipped = [], set()
            for n, unit in enumerate(sorted(y.agg_units)):
                a, p = agg[(unit, code, target)]
                rate = ("%.1f%%" % (100.0 * p / a)).replace(".", ",")
                if formulas:
                    line = len(rows) + 1
                    rows.append([n + 1, unit, gp.unit_name(y, unit),
                                 "=%d+%d|%d" % (a - 1, 1, a), "=%d*1|%d" % (p, p),
                                 "=E%d/D%d*100|%s" % (line, line, repr(100.0 * p / a))])
                else:
                    sep = THOUSANDS[(n + i) % len(THOUSANDS)]
                    rows.append([n + 1, unit, gp.unit_name(y, unit), grouped(a, sep),
                                 grouped(p, sep), rate])
            if not formulas:
                # A fraction and an ambiguous grouping: their rows are
                # rejected with their place, the rest imported.
                bad_unit = sorted(y.agg_units)[0]
                line = first
                rows[line - 1][4] = "12,5"
                messages.append(":%d:5: '12,5' is not a count" % line)
                skipped.add(bad_unit)
            if formulas:
                last = len(rows)
                tot = [sum(agg[(u, code, target)][k] for u in y.agg_units) for k in (0, 1)]
                rows.append(["Tổng cộng", "", "", "=SUM(D%d:D%d)|%d" % (first, last, tot[0]),
                             "=SUM(E%d:E%d)|%d" % (first, last, tot[1]), ""])
            else:
                rows.append(["Tổng cộng", "", "", "", "", ""])
            name = "don-vi-%s-%s-%s.csv" % (code, target, as_of.strftime("%Y%m%d"))
            path = os.path.join(folder, name)
            gp.write_csv(path, rows)
            if formulas and (code, target) == (y.modules[-1][0], "cbql"):
                bad_unit = sorted(y.agg_units)[1]
                rows[first][3] = "=D%d+1|" % first
                messages.append(":%d:D: a formula saved without its value" % (first + 1))
                skipped.add(bad_unit)
                os.remove(path)
                path = path[:-4] + ".xlsx"
                python_xlsx(path, rows)
            elif formulas:
                path = gp.xlsx_libxlsxwriter(path, cover=False)
            files.append((os.path.basename(path), len(messages), messages, skipped,
                          (code, target)))
    return files


def main():
    if len(sys.argv) != 4 or sys.argv[2] != "--csv2xlsx":
        sys.exit("usage: gen_shapes.py OUTDIR --csv2xlsx PATH")
    outdir = sys.argv[1]
    gp.XLSX["csv2xlsx"] = sys.argv[3]
    os.makedirs(os.path.join(outdir, "expected"), exist_ok=True)
    rng = random.Random(15)
    y = gp.build_2020(rng)
    gp.populate(rng, y, count=300)
    y.agg_units = {y.schools[2], y.schools[7], y.schools[-1]}
    with open(os.path.join(outdir, "units-2020.csv"), "w", encoding="utf-8") as f:
        f.write(y.registry_csv())
    with open(os.path.join(outdir, "bdtx.yaml"), "w", encoding="utf-8") as f:
        f.write(gp.config_yaml([y]))
        f.write('sources:\n  sheets:\n    - { files: "ket-qua-tuan-*.xls", sheet: "Dữ liệu" }\n')

    plan = [
        (41, "xls-xlwt", "ket-qua-tuan-41.csv", (0.15, 0.3)),
        (42, "xls-libreoffice", "lms_{ymd}.csv", (0.2, 0.3)),
        (43, "two-rows-long", "bao-cao-{ymd}.csv", (0.25, 0.3)),
        (44, "two-rows-wide", "theo-giao-vien-{dmy}.csv", (0.25, 0.3)),
        (45, "sep-line", "hoc-vien-{ymd}.csv", (0.2, 0.3)),
        (46, "long-plain", "hoc-vien-{ymd}.csv", (0.2, 0.3)),
        (47, "two-rows-wide-lo", "theo-mo-dun-{ymd}.csv", (0.2, 0.3)),
    ]
    history, agg_history = [], []
    manifest = {"imports": [], "reports": [], "refused": []}
    for iw, shape, pattern, (pp, ps) in plan:
        as_of = gp.sunday(2020, iw)
        if history:
            gp.advance(rng, y, pp, ps)
        snap = gp.snapshot(y)
        history.append((as_of, snap))
        folder = os.path.join(outdir, "2020-W%02d" % iw)
        os.makedirs(folder, exist_ok=True)
        name = pattern.format(ymd=as_of.strftime("%Y%m%d"), dmy=as_of.strftime("%d%m%Y"))
        path, extra = SHAPES[shape](rng, snap, as_of, os.path.join(folder, name))
        manifest["imports"].append({"file": os.path.relpath(path, outdir), "layout": shape,
                                    "school_year": y.id, "source": "lms-learners",
                                    "as_of": as_of.isoformat(), "rows": len(snap.rows),
                                    "rejected": 0, "messages": [], "duplicates": 0,
                                    "strict_fails": False, "conversions": {},
                                    "file_encoding": extra.get("file_encoding", "utf-8")})
        if iw in (45, 46, 47):
            agg = unit_counts(rng, y, iw)
            if iw == 47:
                files = write_unit_counts_two_rows(rng, y, agg, as_of, folder)
            else:
                files = write_unit_counts(rng, y, agg, as_of, folder, formulas=iw == 46)
            taken = {}
            for fname, rejected, messages, skipped, (code, target) in files:
                for (unit, m, t), v in agg.items():
                    if m == code and t == target and unit not in skipped:
                        taken[(unit, m, t)] = v
                manifest["imports"].append({
                    "file": os.path.relpath(os.path.join(folder, fname), outdir),
                    "layout": "lms-units", "school_year": y.id, "source": "lms-units",
                    "as_of": as_of.isoformat(), "rejected": rejected, "messages": messages,
                    "duplicates": 0, "strict_fails": False,
                    "file_encoding": "xlsx" if fname.endswith(".xlsx") else "utf-8"})
            agg_history.append((as_of, taken))
        exp = gp.expected_report(y, history, as_of, agg_history)
        exp_name = "%s-%s.json" % (y.id, exp["week"])
        with open(os.path.join(outdir, "expected", exp_name), "w", encoding="utf-8") as f:
            json.dump(exp, f, ensure_ascii=False, indent=1)
        manifest["reports"].append({"after": len(manifest["imports"]), "week": exp["week"],
                                    "expected": "expected/" + exp_name})
    with open(os.path.join(outdir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
