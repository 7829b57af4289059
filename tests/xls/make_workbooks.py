#!/usr/bin/python3
"""Legacy .xls workbooks written by two writers, with what a reader must
find in them: make_workbooks.py OUT_DIR writes

  OUT_DIR/xlwt.xls         written by xlwt (Debian's python3-xlwt)
  OUT_DIR/libreoffice.xls  the same workbook saved again by LibreOffice
                           (soffice --convert-to xls), which writes its
                           own records (RK and MULRK numbers, its own SST)
  OUT_DIR/expected.json    {writer: {sheet name: [[row number, cell, ...], ...]}}
                           as tests/tools/sheet_dump prints them

The expected rows come from the values written here, never from reading
the files back. Run with Debian's python3, which has xlwt.
"""
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata

import xlwt

# Cell values: str is text, int and float are numbers, date a date-formatted
# cell (read back as yyyy-mm-dd), ("serial", n) a date serial left a number,
# ("formula", text, value) a formula: LibreOffice saves its value, xlwt
# (which does not calculate) a blank result.
NOTES = [["Ghi chú: bảng này do phòng GD&ĐT lập"], ["Không sửa tên cột"]]
HEADER = ["STT", "Họ và tên", "Tài khoản", "Mã đơn vị", "Mô đun", "Trạng thái",
          "Ngày hoàn thành", "Điểm"]
UNITS = ["20178001", "20178002", "20178003"]
STATUS = ["Hoàn thành", "Chưa hoàn thành", "Đang học", "Chưa học"]


def learners():
    rows = [["Danh sách học viên"], ["Tính đến ngày 04/10/2020"], [], HEADER]
    for i in range(1, 41):
        name = "Nguyễn Thị Hồng %d" % i
        if i % 5 == 0:
            name = unicodedata.normalize("NFD", name)   # combining marks kept as written
        done = STATUS[i % 4] == "Hoàn thành"
        day = datetime.date(2020, 9, 1) + datetime.timedelta(days=i)
        rows.append([i, name, 205125370 + i * 7, UNITS[i % 3], "Mô đun %d" % (i % 3 + 1),
                     STATUS[i % 4], day if done else ("serial", 44000 + i) if i % 4 == 1 else "",
                     round(i * 2.25, 2) if i % 2 else i * 2])
    return rows


TOTALS = [["Đơn vị", "Phải học", "Hoàn thành", "Tỷ lệ"],
          ["Trường A", 1242, 1101, ("formula", "C2/B2*100", 1101 / 1242 * 100)],
          ["Trường B", 880, 440, ("formula", "C3/B3*100", 50.0)],
          ["Tổng cộng", ("formula", "SUM(B2:B3)", 2122), ("formula", "SUM(C2:C3)", 1541)]]

SHEETS = {"Ghi chú": NOTES, "Học viên": learners(), "Trống": [], "Tổng hợp": TOTALS}


def write_xlwt(path):
    book = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="dd/mm/yyyy")
    for name, rows in SHEETS.items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if isinstance(v, datetime.date):
                    sheet.write(r, c, v, date_style)
                elif isinstance(v, tuple) and v[0] == "formula":
                    sheet.write(r, c, xlwt.Formula(v[1]))
                elif isinstance(v, tuple):
                    sheet.write(r, c, v[1])
                elif v != "":
                    sheet.write(r, c, v)
    book.save(path)


def json_cell(v, writer):
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, tuple) and v[0] == "formula":
        return v[2] if writer == "libreoffice" else ""
    if isinstance(v, tuple):
        return v[1]
    return v


def expected(writer):
    out = {}
    for name, rows in SHEETS.items():
        got = []
        for r, row in enumerate(rows):
            cells = [json_cell(v, writer) for v in row]
            while cells and cells[-1] == "":
                cells.pop()
            if cells:
                got.append([r + 1] + cells)
        out[name] = got
    return out


def libreoffice(src, outdir):
    profile = tempfile.mkdtemp(prefix="bdtx-lo-")
    conv = os.path.join(outdir, "lo")
    try:
        subprocess.run(["soffice", "-env:UserInstallation=file://" + profile, "--headless",
                        "--norestore", "--convert-to", "xls:MS Excel 97", "--outdir", conv, src],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=300)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    made = os.path.join(conv, os.path.basename(src))
    if not os.path.exists(made):
        sys.exit("make_workbooks.py: soffice did not write " + made)
    os.replace(made, os.path.join(outdir, "libreoffice.xls"))
    os.rmdir(conv)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    write_xlwt(os.path.join(out, "xlwt.xls"))
    libreoffice(os.path.join(out, "xlwt.xls"), out)
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({w: expected(w) for w in ("xlwt", "libreoffice")}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
