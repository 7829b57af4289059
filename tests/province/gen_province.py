#!/usr/bin/env python3
"""A second synthetic province, for the integration test province.sh.

Two school years in one configuration: 2020-2021 with district offices
(kind "phong") and Group A at 80 %, and 2025-2026 after the reorganisation,
with communes and wards (kind "xa") managing the schools and Group A at 85 %.
Every week it writes the exports in a different layout, as officers receive
them, and the expected ranking of every week, computed here from the
generator's own ground truth (who is where, which module, which state), never
by reading the files back.

Usage: gen_province.py OUTDIR
Writes OUTDIR/bdtx.yaml, the registries, OUTDIR/manifest.json (the files in
import order, with what each must give) and OUTDIR/expected/*.json.
Standard library only; deterministic (fixed seed).
"""

import csv
import datetime
import io
import json
import os
import random
import re
import subprocess
import sys
import unicodedata
from fractions import Fraction

PROVINCE = ("46", "Tỉnh Sông Mây")

MODULES_2020 = [
    ("M1", "Hướng dẫn thực hiện Chương trình giáo dục phổ thông 2018", ["Mô đun 1", "MĐ1"]),
    ("M2", "Sử dụng phương pháp dạy học và giáo dục phát triển phẩm chất, năng lực học sinh",
     ["Mô đun 2", "MĐ2"]),
]
MODULES_2025 = [
    ("BD1", "Chuyển đổi số trong dạy học", ["Mô đun 1", "Module 1"]),
    ("BD2", "Giáo dục kỹ năng sống cho học sinh", ["Mô đun 2", "Module 2"]),
    ("BD3", "Đánh giá học sinh theo định hướng phát triển năng lực", ["Mô đun 3", "Module 3"]),
]

PASSED = ["Hoàn thành", "Đã hoàn thành"]
STARTED = ["Đang học", "Chưa hoàn thành"]
NOT_STARTED = ["Chưa học", "Chưa bắt đầu", ""]
ROLE_TEXT = {"gv": ["GV", "Giáo viên", "GV cốt cán", "Giáo viên đại trà"],
             "cbql": ["CBQL", "Cán bộ quản lý", "CBQL cốt cán"],
             None: [""]}


def sunday(year, week):
    return datetime.date.fromisocalendar(year, week, 7)


class Year:
    """A school year: its registry, modules, thresholds and learners."""

    def __init__(self, ident, start, end, ranked_kind, ranked_level, modules, groups):
        self.id = ident
        self.start, self.end = start, end
        self.ranked_kind = ranked_kind
        self.ranked_level = ranked_level
        self.modules = modules
        self.groups = groups          # [(name, min_percent)], highest first
        self.units = []               # (code, name, kind, parent, aliases)
        self.schools = []             # codes of units that hold learners
        self.parent = {}
        self.learners = {}            # account -> {"unit", "role", "name"}
        self.pairs = {}               # (account, module) -> state 0/1/2
        self.agg_units = set()        # units known only through lms-units exports
        self.temis = {}               # account -> {"self", "head", "rating"}

    def add(self, code, name, kind, parent, aliases=""):
        self.units.append((code, name, kind, parent, aliases))
        self.parent[code] = parent
        if kind in ("school", "direct"):
            self.schools.append(code)

    def registry_csv(self):
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["code", "name", "kind", "parent_code", "aliases"])
        for u in self.units:
            w.writerow(u)
        return out.getvalue()


FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc", "Hữu", "Thanh"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hạnh", "Khánh", "Lan", "Linh",
         "Mai", "Nam", "Phương", "Quỳnh", "Sơn", "Thảo", "Trang", "Tuấn", "Yến"]


def person_name(rng):
    return " ".join([rng.choice(FAMILY), rng.choice(MIDDLE), rng.choice(GIVEN)])


def build_2020(rng):
    y = Year("2020-2021", "2020-09-01", "2021-08-31", "phong", "Phòng GDĐT",
             MODULES_2020, [("A", 80), ("B", 50), ("C", 0)])
    y.add(PROVINCE[0], "Sở GDĐT " + PROVINCE[1][5:], "province", "")
    districts = ["Thành phố Sông Mây", "Bắc Hà", "Mường Khương", "Si Ma Cai", "Văn Bàn"]
    levels = [("Trường Mầm non", "MN"), ("Trường Tiểu học", "TH"), ("Trường THCS", "THCS")]
    n = 0
    for i, d in enumerate(districts):
        pcode = "%s%03d" % (PROVINCE[0], 100 + i)
        y.add(pcode, "Phòng GDĐT " + d, "phong", PROVINCE[0])
        for j in range(rng.randint(3, 5)):
            prefix, _ = levels[j % 3]
            n += 1
            y.add("%s%05d" % (PROVINCE[0], 10000 + n), "%s %s %d" % (prefix, d, j + 1),
                  "school", pcode)
    # Kindergartens of one name in two districts: only the parent column
    # tells them apart in an export without codes.
    for i in (1, 3):
        n += 1
        y.add("%s%05d" % (PROVINCE[0], 10000 + n), "Trường Mầm non Hoa Sen", "school",
              "%s%03d" % (PROVINCE[0], 100 + i))
    for k, name in enumerate(["Trường THPT Chuyên Sông Mây", "Trường THPT Bắc Hà",
                              "Trung tâm GDNN-GDTX Văn Bàn", "Trường PTDTNT tỉnh"]):
        y.add("%s%03d" % (PROVINCE[0], 800 + k), name, "direct", PROVINCE[0])
    return y


def build_2025(rng, y2020):
    """After 1 July 2025: communes and wards manage the MN/TH/THCS schools,
    which keep their codes; the district offices are gone."""
    y = Year("2025-2026", "2025-09-01", "2026-08-31", "xa", "UBND xã/phường",
             MODULES_2025, [("A", 85), ("B", 60), ("C", 0)])
    y.add(PROVINCE[0], "Sở GDĐT " + PROVINCE[1][5:], "province", "")
    communes = ["Phường Sông Mây", "Phường Cam Đường", "Xã Bắc Hà", "Xã Bảo Nhai",
                "Xã Mường Khương", "Xã Si Ma Cai", "Xã Văn Bàn", "Xã Khánh Yên"]
    ccodes = []
    for i, c in enumerate(communes):
        code = "%s%04d" % (PROVINCE[0], 3000 + i)
        y.add(code, "UBND " + c, "xa", PROVINCE[0], c)
        ccodes.append(code)
    schools = [u for u in y2020.units if u[2] == "school"]
    for k, u in enumerate(schools):
        y.add(u[0], u[1], "school", ccodes[k % len(ccodes)] if "Hoa Sen" not in u[1]
              else ccodes[2] if k % 2 else ccodes[5])
    # A ward with no school yet: nothing assigned, listed last.
    y.add("%s%04d" % (PROVINCE[0], 3999), "UBND Phường Bình Minh", "xa", PROVINCE[0])
    for u in y2020.units:
        if u[2] == "direct":
            y.add(u[0], u[1], "direct", PROVINCE[0])
    return y


def populate(rng, y, accounts_from=None, count=600):
    """Learners, their modules (each learner 1..n modules) and roles."""
    pool = list(accounts_from or [])
    for i in range(count):
        if pool and rng.random() < 0.3:
            acct = pool.pop(rng.randrange(len(pool)))
        else:
            acct = "%d" % (460000000 + len(y.learners) * 7 + rng.randrange(7) + i * 1000)
        if acct in y.learners:
            continue
        r = rng.random()
        role = "gv" if r < 0.8 else "cbql" if r < 0.95 else None
        y.learners[acct] = {"unit": rng.choice(y.schools), "role": role,
                            "name": person_name(rng)}
        mods = [m[0] for m in y.modules]
        for m in rng.sample(mods, rng.randint(1, len(mods))):
            y.pairs[(acct, m)] = 0


def advance(rng, y, p_pass, p_start):
    """One week of progress: states only move forward."""
    for key, st in y.pairs.items():
        if st == 2:
            continue
        r = rng.random()
        if r < p_pass:
            y.pairs[key] = 2
        elif r < p_pass + p_start:
            y.pairs[key] = max(st, 1)


def move_some(rng, y, n):
    """A few learners change school: they count in the new one only."""
    stay = [a for a in sorted(y.learners) if y.learners[a]["unit"] not in y.agg_units]
    for acct in rng.sample(stay, n):
        y.learners[acct]["unit"] = rng.choice([u for u in y.schools if u not in y.agg_units])


def status_text(rng, st):
    return rng.choice(PASSED if st == 2 else STARTED if st == 1 else NOT_STARTED)


def module_label(rng, y, code, style):
    for c, name, aliases in y.modules:
        if c == code:
            if style == "code":
                return c
            if style == "alias":
                return aliases[0]
            return name
    raise KeyError(code)


def unit_name(y, code):
    for u in y.units:
        if u[0] == code:
            return u[1]
    raise KeyError(code)


class Snapshot:
    """What one export holds, and the truth the expected figures use."""

    def __init__(self, y, rows):
        self.y = y
        self.rows = rows   # [(account, module, state, unit, role, name)]


def snapshot(y, absent=()):
    rows = []
    for (acct, m), st in sorted(y.pairs.items()):
        ln = y.learners[acct]
        if acct in absent or ln["unit"] in y.agg_units:
            continue
        rows.append((acct, m, st, ln["unit"], ln["role"], ln["name"]))
    return Snapshot(y, rows)


# ---------------------------------------------------------------- layouts

def write_csv(path, rows, delimiter=",", bom=True, encoding="utf-8"):
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for r in rows:
        w.writerow(r)
    data = out.getvalue()
    with open(path, "wb") as f:
        if bom and encoding == "utf-8":
            f.write(b"\xef\xbb\xbf")
        f.write(data.encode(encoding))


def title_rows(y, as_of, what):
    return [["SỞ GIÁO DỤC VÀ ĐÀO TẠO " + PROVINCE[1][5:].upper()],
            ["BÁO CÁO KẾT QUẢ BỒI DƯỠNG THƯỜNG XUYÊN " + what],
            ["Tính đến ngày %s" % as_of.strftime("%d/%m/%Y")],
            []]


def layout_long_title(rng, snap, as_of, path):
    """UTF-8 with BOM, comma, a title block with the as-of date, module by
    "Mô đun N", role column, unit by code and name."""
    y = snap.y
    rows = title_rows(y, as_of, "NĂM HỌC " + y.id)
    rows.append(["STT", "Họ và tên", "Tài khoản", "Chức danh", "Mã trường", "Tên trường",
                 "Mô đun", "Trạng thái"])
    for i, (acct, m, st, unit, role, name) in enumerate(snap.rows):
        rows.append([i + 1, name, acct, rng.choice(ROLE_TEXT[role]), unit,
                     unit_name(y, unit), module_label(rng, y, m, "alias"), status_text(rng, st)])
    rows.append(["", "Tổng cộng: %d lượt" % len(snap.rows)])
    write_csv(path, rows)


def layout_long_semicolon(rng, snap, as_of, path):
    """No title, ';', NFD text, module by code, a result column; the as-of
    date only in the file name."""
    y = snap.y
    rows = [["Tên đăng nhập", "Họ tên", "Đối tượng", "Mã đơn vị", "Module", "Tình trạng",
             "Kết quả"]]
    # Some pairs twice, once with a state no more advanced than the true one,
    # before or after it: each counts once, with its most advanced state.
    body = list(snap.rows)
    dups = rng.sample(range(len(body)), 12)
    for k in dups:
        acct, m, st, unit, role, name = body[k]
        body.insert(rng.randrange(len(body) + 1), (acct, m, rng.randint(0, st), unit, role, name))
    for acct, m, st, unit, role, name in body:
        status = status_text(rng, st)
        result = ""
        if st == 2 and rng.random() < 0.3:
            status, result = "Đang học", "Đạt"
        elif st < 2 and rng.random() < 0.2:
            result = "Chưa đạt"
        rows.append([acct, name, rng.choice(ROLE_TEXT[role]), unit,
                     module_label(rng, y, m, "code"), status, result])
    rows = [[unicodedata.normalize("NFD", str(c)) for c in r] for r in rows]
    write_csv(path, rows, delimiter=";", bom=False)
    return {"duplicates": len(dups)}


def layout_long_tab(rng, snap, as_of, path):
    """Tab-separated, a title block, modules by full title, accounts as
    "123.0" as a spreadsheet may have left them."""
    y = snap.y
    rows = title_rows(y, as_of, "")
    rows.append(["TT", "Tài khoản đăng nhập", "Họ và tên giáo viên", "Vai trò", "Mã trường",
                 "Tên khóa học", "Trạng thái hoàn thành", "Tiến độ (%)"])
    for i, (acct, m, st, unit, role, name) in enumerate(snap.rows):
        shown = acct + ".0" if rng.random() < 0.2 else acct
        rows.append([i + 1, shown, name, rng.choice(ROLE_TEXT[role]), unit,
                     module_label(rng, y, m, "title"), status_text(rng, st),
                     "100" if st == 2 else "45,5" if st == 1 else "0"])
    write_csv(path, rows, delimiter="\t")


def name_variant(rng, name):
    """How officers write a unit's name: with or without "Trường"/"UBND",
    another case, level words abbreviated, doubled blanks, NFD."""
    for long, short in (("Trường ", ""), ("UBND ", "")):
        if name.startswith(long) and rng.random() < 0.5:
            name = short + name[len(long):]
    for long, short in (("Mầm non", "MN"), ("Tiểu học", "TH"), ("Trung học cơ sở", "THCS")):
        if long in name and rng.random() < 0.5:
            name = name.replace(long, short)
    r = rng.random()
    if r < 0.15:
        name = name.upper()
    elif r < 0.3:
        name = name.lower()
    elif r < 0.4:
        name = "  " + name.replace(" ", "  ") + " "
    if rng.random() < 0.2:
        name = unicodedata.normalize("NFD", name)
    return name


def layout_long_names(rng, snap, as_of, path):
    """No unit codes: the school by name (in its written variants) and its
    parent by name or code; then two rows that must be rejected: a name two
    schools share with no parent to tell them apart, and a name no unit has."""
    y = snap.y
    parent_header = "Phòng GD&ĐT" if y.ranked_kind == "phong" else "Xã/phường"
    rows = title_rows(y, as_of, "")
    rows.append(["STT", "Họ và tên", "Tài khoản", "Chức vụ", parent_header, "Tên trường",
                 "Mô đun", "Trạng thái"])
    for i, (acct, m, st, unit, role, name) in enumerate(snap.rows):
        parent = y.parent[unit]
        if parent == PROVINCE[0]:
            ptext = rng.choice(["Trực thuộc Sở", "", "Sở GDĐT"])
        elif rng.random() < 0.3:
            ptext = parent
        else:
            ptext = name_variant(rng, unit_name(y, parent))
        rows.append([i + 1, name, acct, rng.choice(ROLE_TEXT[role]), ptext,
                     name_variant(rng, unit_name(y, unit)), module_label(rng, y, m, "alias"),
                     status_text(rng, st)])
    m = y.modules[0][0]
    rows.append([len(rows), "Lò Văn Thử", "469999991", "GV", "", "MN Hoa Sen",
                 module_label(rng, y, m, "alias"), "Hoàn thành"])
    rows.append([len(rows), "Lò Thị Thử", "469999992", "GV", "", "Trường TH Không Có",
                 module_label(rng, y, m, "alias"), "Hoàn thành"])
    write_csv(path, rows)
    same = [u for u in y.units if u[1] == "Trường Mầm non Hoa Sen"]
    return {"messages": [":6: unit name 'MN Hoa Sen' matches several units: "
                         + "; ".join("%s %s (under %s)" % (u[0], u[1], u[3]) for u in same),
                         ":6: unknown unit 'Trường TH Không Có'"],
            "strict_fails": True}


def layout_wide(rng, snap, as_of, path):
    """One row per learner, one status column per module headed by its code,
    "Mô đun N" or its full title; an empty cell: the module is not assigned
    (so "not started" is written out)."""
    y = snap.y
    rows = title_rows(y, as_of, "THEO GIÁO VIÊN")
    styles = [rng.choice(["code", "alias", "title"]) for _ in y.modules]
    rows.append(["STT", "Họ và tên", "Tài khoản", "Chức danh", "Mã trường", "Tên trường"]
                + [module_label(rng, y, m[0], st) for m, st in zip(y.modules, styles)])
    learners = {}
    for acct, m, st, unit, role, name in snap.rows:
        learners.setdefault(acct, (unit, role, name, {}))[3][m] = st
    for i, acct in enumerate(sorted(learners)):
        unit, role, name, mods = learners[acct]
        cells = []
        for m in y.modules:
            st = mods.get(m[0])
            cells.append("" if st is None else
                         status_text(rng, st) or rng.choice(["Chưa học", "Chưa bắt đầu"]))
        rows.append([i + 1, name, acct, rng.choice(ROLE_TEXT[role]), unit,
                     unit_name(y, unit)] + cells)
    # A status no vocabulary has rejects the whole row, not just its cell.
    rows.append([len(learners) + 1, "Lò Văn Thử", "469999993", "GV", y.schools[0],
                 unit_name(y, y.schools[0]), "Hoàn thành", "Xong"] + [""] * (len(y.modules) - 2))
    rows.append(["", "Tổng cộng", "", "", "", "", ""])
    write_csv(path, rows)
    return {"messages": [":8: unknown status 'Xong'"]}


# ------------------------------------------------ legacy Vietnamese encodings

# The Latin-1 letters Vietnamese uses: a legacy cell is recognisable when
# it holds some other character (SPEC-level rule, see src/encoding.c).
VIET_LATIN1 = set("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý")
CP1252_LETTERS = set("ƒŠŒŽšœžŸˆ˜")


def telltale(cell):
    return any((0xA1 <= ord(ch) <= 0xFF and ch not in VIET_LATIN1) or ch in CP1252_LETTERS
               for ch in cell)


def tcvn3_cells(texts):
    """TCVN3 bytes of each text (glibc's TCVN5712-1 encoder, one iconv run),
    shown as Windows-1252 the way Excel keeps a .VnTime cell; None where it
    cannot be shown so."""
    texts = list(texts)
    out = subprocess.run(["iconv", "-f", "UTF-8", "-t", "TCVN5712-1"],
                         input="\n".join(unicodedata.normalize("NFC", t) for t in texts)
                         .encode("utf-8"), capture_output=True, check=True).stdout
    result = {}
    for t, b in zip(texts, out.split(b"\n")):
        try:
            result[t] = b.decode("cp1252")
        except UnicodeDecodeError:
            result[t] = None
    return result


# VNI Windows, from the font's layout: the base letter, then one byte for
# its diacritics; ơ ư đ and the i/ỵ letters have bytes of their own.
VNI_TONE = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
VNI_CIRC = {"": "â", "\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
VNI_BREVE = {"": "ê", "\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
VNI_I = {"": "i", "\u0301": "í", "\u0300": "ì", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}


def vni_cell(text):
    out = []
    for ch in unicodedata.normalize("NFC", text):
        d = unicodedata.normalize("NFD", ch)
        base, marks = d[0], d[1:]
        upper = base.isupper()
        tone = "".join(m for m in marks if m in VNI_TONE)
        if ch in "đĐ":
            piece = "ñ"
        elif base in "iI" and tone:
            piece = VNI_I[tone]
        elif base in "yY" and tone == "\u0323":
            piece = "î"
        elif "\u031b" in marks:                      # horn: ơ ư
            piece = ("ô" if base in "oO" else "ö") + VNI_TONE.get(tone, "")
        elif "\u0302" in marks:
            piece = base.lower() + VNI_CIRC[tone]
        elif "\u0306" in marks:
            piece = base.lower() + VNI_BREVE[tone]
        else:
            piece = base.lower() + VNI_TONE.get(tone, "")
        out.append(piece.upper() if upper else piece)
    return "".join(out)


def layout_legacy(rng, snap, as_of, path):
    """No unit codes, as layout_long_names, with names, units, parents and
    statuses typed in TCVN3 or VNI fonts in some rows (a UTF-8 file)."""
    y = snap.y
    rows = title_rows(y, as_of, "")
    rows.append(["STT", "Họ và tên", "Tài khoản", "Chức vụ",
                 "Phòng GD&ĐT" if y.ranked_kind == "phong" else "Xã/phường", "Tên trường",
                 "Mô đun", "Trạng thái"])
    plain = []
    for i, (acct, m, st, unit, role, name) in enumerate(snap.rows):
        parent = y.parent[unit]
        ptext = "" if parent == PROVINCE[0] else unit_name(y, parent)
        plain.append([i + 1, name, acct, rng.choice(ROLE_TEXT[role]), ptext, unit_name(y, unit),
                      module_label(rng, y, m, "code"), status_text(rng, st)])
    tcvn = tcvn3_cells({c for r in plain for c in r[1:] if isinstance(c, str)})
    counts = {"tcvn3": 0, "vni": 0}
    for r in plain:
        font = rng.choice(["unicode", "tcvn3", "vni"])
        if font != "unicode":
            for k in (1, 4, 5, 7):
                cell = tcvn[r[k]] if font == "tcvn3" else vni_cell(r[k])
                if cell is not None and telltale(cell):
                    r[k] = cell
                    counts[font] += 1
        rows.append(r)
    write_csv(path, rows)
    return {"conversions": counts}


def layout_long_utf16(rng, snap, as_of, path):
    """The title layout in UTF-16 with a BOM, tab-separated."""
    y = snap.y
    rows = title_rows(y, as_of, "")
    rows.append(["STT", "Họ và tên", "Tài khoản", "Chức danh", "Mã trường", "Mô đun",
                 "Trạng thái"])
    for i, (acct, m, st, unit, role, name) in enumerate(snap.rows):
        rows.append([i + 1, name, acct, rng.choice(ROLE_TEXT[role]), unit,
                     module_label(rng, y, m, "alias"), status_text(rng, st)])
    write_csv(path, rows, delimiter="\t", encoding="utf-16")
    return {"file_encoding": "utf-16le"}


def cp1258_text(text):
    """Windows-1258 keeps â ê ô ă ơ ư đ whole and the five tones as
    combining marks."""
    out = []
    for ch in unicodedata.normalize("NFD", str(text)):
        if ch in "\u0302\u0306\u031b" and out:
            # onto the base letter, past a dot below that NFD put first
            k = len(out) - 1
            while k > 0 and unicodedata.combining(out[k]):
                k -= 1
            out[k] = unicodedata.normalize("NFC", out[k] + ch)
        else:
            out.append(ch)
    return "".join(out)


def layout_long_cp1258(rng, snap, as_of, path):
    """Comma-separated, no BOM, in Windows-1258 (as older Excel saves CSV);
    the unit by name within its parent, so the names must come out right."""
    y = snap.y
    rows = title_rows(y, as_of, "")
    rows.append(["STT", "Họ và tên", "Tài khoản", "Chức vụ",
                 "Phòng GD&ĐT" if y.ranked_kind == "phong" else "Xã/phường", "Tên trường",
                 "Mô đun", "Trạng thái"])
    for i, (acct, m, st, unit, role, name) in enumerate(snap.rows):
        parent = y.parent[unit]
        rows.append([i + 1, name, acct, rng.choice(ROLE_TEXT[role]),
                     "" if parent == PROVINCE[0] else unit_name(y, parent), unit_name(y, unit),
                     module_label(rng, y, m, "alias"), status_text(rng, st)])
    rows = [[cp1258_text(c) for c in r] for r in rows]
    write_csv(path, rows, bom=False, encoding="cp1258")
    return {"file_encoding": "windows-1258"}


LAYOUTS = {
    "legacy": (layout_legacy, "csv", 0),
    "long-utf16": (layout_long_utf16, "csv", 0),
    "long-cp1258": (layout_long_cp1258, "csv", 0),
    "wide": (layout_wide, "csv", 1),
    "long-names": (layout_long_names, "csv", 2),
    "long-title": (layout_long_title, "csv", 0),
    "long-semicolon": (layout_long_semicolon, "csv", 0),
    "long-tab": (layout_long_tab, "csv", 0),
}


def aggregates(y):
    """What an lms-units export of the units without learner rows says:
    (unit, module, target) -> [assigned, passed], from the ground truth."""
    out = {}
    for (acct, m), st in sorted(y.pairs.items()):
        ln = y.learners[acct]
        if ln["unit"] not in y.agg_units:
            continue
        a = out.setdefault((ln["unit"], m, ln["role"]), [0, 0])
        a[0] += 1
        a[1] += st == 2
    return out


def write_unit_files(rng, y, agg, as_of, folder):
    """lms-units: one file per module and target (GV and CBQL apart), the
    units' aggregates; the module and the target named in the title rows
    or in the file name. Returns the file names."""
    names = []
    for i, (code, title, aliases) in enumerate(y.modules):
        for target in ("gv", "cbql"):
            in_title = (i + (target == "cbql")) % 2 == 0
            who = "GIÁO VIÊN" if target == "gv" else "CÁN BỘ QUẢN LÝ"
            if in_title:
                what = "%s - %s" % (aliases[0].upper(), who)
                name = "tong-hop-don-vi-%d-%s.csv" % (i, as_of.strftime("%Y%m%d"))
            else:
                what = ""
                name = "tong-hop-%s-%s-%s.csv" % (code, target, as_of.strftime("%Y%m%d"))
            rows = title_rows(y, as_of, what)
            rows.append(["STT", "Mã đơn vị", "Tên đơn vị", "Tổng số tham gia bồi dưỡng",
                         "Tổng số hoàn thành mô đun", "Tỷ lệ % hoàn thành"])
            n = 0
            for unit in sorted(y.agg_units):
                a, p = agg.get((unit, code, target), [0, 0])
                if a == 0:
                    continue
                n += 1
                rows.append([n, unit, unit_name(y, unit), a, p,
                             ("%.2f" % (100.0 * p / a)).replace(".", ",")])
            rows.append(["Tổng cộng", "", "", sum(r[3] for r in rows[5:]),
                         sum(r[4] for r in rows[5:]), ""])
            if n == 0:
                continue
            write_csv(os.path.join(folder, name), rows)
            names.append(name)
    # No module in the title or the name: the import must ask for --module.
    rows = title_rows(y, as_of, "GIÁO VIÊN")
    rows.append(["STT", "Mã đơn vị", "Tên đơn vị", "Tổng số tham gia bồi dưỡng",
                 "Tổng số hoàn thành mô đun"])
    rows.append([1, sorted(y.agg_units)[0], "", 1, 1])
    write_csv(os.path.join(folder, "khong-ro-mo-dun.csv"), rows)
    # Two modules in the title: as unclear, and said so.
    rows = title_rows(y, as_of, "%s VÀ %s - GIÁO VIÊN" % (y.modules[0][2][0].upper(),
                                                         y.modules[1][2][0].upper()))
    rows.append(["STT", "Mã đơn vị", "Tên đơn vị", "Tổng số tham gia bồi dưỡng",
                 "Tổng số hoàn thành mô đun"])
    rows.append([1, sorted(y.agg_units)[0], "", 1, 1])
    write_csv(os.path.join(folder, "hai-mo-dun.csv"), rows)
    return names


def temis_advance(rng, y):
    """TEMIS self-assessment, then the head's, of every person with a role."""
    for acct, ln in sorted(y.learners.items()):
        if ln["role"] is None:
            continue
        t = y.temis.setdefault(acct, {"self": False, "head": False,
                                      "rating": rng.choice(["Tốt", "Khá", "Đạt", "Chưa đạt"])})
        if not t["self"] and rng.random() < 0.4:
            t["self"] = True
        elif t["self"] and not t["head"] and rng.random() < 0.5:
            t["head"] = True


def temis_top(y, unit):
    while y.parent[unit] != PROVINCE[0]:
        unit = y.parent[unit]
    return unit


def temis_counts(y, with_head):
    """(top unit, target) -> [total, self, head], as the report must show."""
    out = {}
    for acct, t in y.temis.items():
        ln = y.learners[acct]
        c = out.setdefault((temis_top(y, ln["unit"]), ln["role"]), [0, 0, 0 if with_head else None])
        c[0] += 1
        c[1] += t["self"]
        if with_head:
            c[2] += t["head"]
    return out


def write_temis_people(rng, y, as_of, folder):
    """temis-people: one row per person. In odd weeks one file with a role
    column, statuses and ratings, and one row with a rating TEMIS does not
    have; in even weeks a file per target (named in the title), keyed by
    the MOET ID, with only the rating (a rating: self-assessed)."""
    iw = as_of.isocalendar()[1]
    files = []
    people = sorted(y.temis)
    if iw % 2 == 1:
        rows = title_rows(y, as_of, "TEMIS - ĐÁNH GIÁ CHUẨN NGHỀ NGHIỆP")
        rows.append(["STT", "Họ và tên", "Tên đăng nhập", "Chức vụ", "Mã trường",
                     "Trạng thái tự đánh giá", "Xếp loại", "Cấp trên đánh giá"])
        for i, acct in enumerate(people):
            ln, t = y.learners[acct], y.temis[acct]
            rows.append([i + 1, ln["name"], acct, rng.choice(ROLE_TEXT[ln["role"]]), ln["unit"],
                         rng.choice(["Đã đánh giá", "Đã tự đánh giá"]) if t["self"]
                         else rng.choice(["Chưa đánh giá", ""]),
                         t["rating"] if t["self"] else "",
                         "Đã đánh giá" if t["head"] else "Chưa đánh giá"])
        rows.append([len(people) + 1, "Lò Văn Thử", "469999994", "GV", y.schools[0],
                     "Đã đánh giá", "Xuất sắc", ""])
        name = "temis-ca-nhan-%s.csv" % as_of.strftime("%Y%m%d")
        write_csv(os.path.join(folder, name), rows)
        files.append((name, 1, [":7: unknown rating 'Xuất sắc'"]))
        return files, temis_counts(y, True)
    for target, who in (("gv", "GIÁO VIÊN"), ("cbql", "CÁN BỘ QUẢN LÝ")):
        rows = title_rows(y, as_of, "DANH SÁCH %s TỰ ĐÁNH GIÁ THEO CHUẨN" % who)
        rows.append(["STT", "Họ và tên", "Mã định danh", "Đơn vị quản lý", "Tên trường",
                     "Xếp loại tự đánh giá"])
        n = 0
        for acct in people:
            ln, t = y.learners[acct], y.temis[acct]
            if ln["role"] != target:
                continue
            n += 1
            rows.append([n, ln["name"], acct, unit_name(y, y.parent[ln["unit"]]),
                         unit_name(y, ln["unit"]), t["rating"] if t["self"] else ""])
        name = "temis-%s-%s.csv" % ("a" if target == "gv" else "b", as_of.strftime("%d%m%Y"))
        write_csv(os.path.join(folder, name), rows, delimiter=";")
        files.append((name, 0, []))
    return files, temis_counts(y, False)


# ---------------------------------------------------------------- XLSX writers

XLSX = {"csv2xlsx": None}


def xlsx_libxlsxwriter(csv_path, cover):
    """The CSV as a workbook written by libxlsxwriter (tests/province/
    csv2xlsx.c): numbers as number cells, merged title cells; with cover,
    a notes sheet comes first, so the data is on the second sheet."""
    if not XLSX["csv2xlsx"]:
        sys.exit("gen_province.py: --csv2xlsx PATH is needed for the XLSX exports")
    out = csv_path[:-4] + ".xlsx"
    args = [XLSX["csv2xlsx"], out]
    if cover:
        notes = csv_path[:-4] + "-notes.csv"
        write_csv(notes, [["HƯỚNG DẪN SỬ DỤNG"], ["Dữ liệu ở trang tính thứ hai."],
                          ["Liên hệ: phòng GDTX"]], bom=False)
        args += ["Hướng dẫn", notes]
    args += ["Dữ liệu", csv_path]
    subprocess.run(args, check=True)
    os.remove(csv_path)
    if cover:
        os.remove(notes)
    return out


def xlsx_libreoffice(csv_path):
    """The CSV as LibreOffice Calc converts it (headless): accounts and
    counts become numbers, the rest shared strings."""
    folder = os.path.dirname(csv_path)
    profile = os.path.join(folder, ".lo-profile")
    subprocess.run(["soffice", "-env:UserInstallation=file://" + os.path.abspath(profile),
                    "--headless", "--convert-to", "xlsx", "--infilter=CSV:44,34,76,1",
                    "--outdir", folder, csv_path], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    out = csv_path[:-4] + ".xlsx"
    if not os.path.exists(out):
        sys.exit("gen_province.py: soffice did not write " + out)
    os.remove(csv_path)
    subprocess.run(["rm", "-rf", profile], check=True)
    return out


# ---------------------------------------------------------------- truth

def expected_report(y, history, as_of, agg_history=()):
    """SPEC section 3 from the ground truth of every snapshot up to as_of:
    each pair's state from the latest snapshot holding it, each learner's
    unit and role from the latest snapshot holding the learner; a unit with
    no learner rows for a module takes the latest aggregate (rule 3)."""
    state, where = {}, {}
    for snap_as_of, snap in history:
        if snap_as_of > as_of:
            continue
        for acct, m, st, unit, role, _ in snap.rows:
            state[(acct, m)] = st
            where[acct] = (unit, role)
    def top(code):
        while y.parent[code] != PROVINCE[0]:
            code = y.parent[code]
        return code

    mods = [m[0] for m in y.modules]
    ranked = [u[0] for u in y.units if u[2] == y.ranked_kind]
    direct = [u[0] for u in y.units if u[2] == "direct"]

    zero = {"gv_assigned": 0, "gv_passed": 0, "cbql_assigned": 0, "cbql_passed": 0,
            "assigned": 0, "passed": 0, "learners": 0, "learners_completed": 0,
            "gv_learners": 0, "gv_learners_completed": 0, "cbql_learners": 0,
            "cbql_learners_completed": 0}
    fig = {}
    agg = {}
    for agg_as_of, a in agg_history:
        if agg_as_of <= as_of:
            agg.update(a)
    with_rows = {(where[acct][0], m) for (acct, m) in state}
    for (unit, m, target), (a, p) in sorted(agg.items()):
        assert (unit, m) not in with_rows and y.parent[unit] is not None
        for scope in ("overall", "module:" + m):
            f = fig.setdefault((scope, top(unit)), dict(zero))
            f["assigned"] += a
            f["passed"] += p
            f[target + "_assigned"] += a
            f[target + "_passed"] += p
    for (acct, m), st in state.items():
        unit, role = where[acct]
        for scope in ("overall", "module:" + m):
            f = fig.setdefault((scope, top(unit)), dict(zero))
            f["assigned"] += 1
            f["passed"] += st == 2
            if role:
                f[role + "_assigned"] += 1
                f[role + "_passed"] += st == 2

    # Rule 10: a learner once per unit over all modules, completed when
    # every pair is passed; in a module, the learners of that module (the
    # aggregates add no one).
    done, owned = {}, {}
    for (acct, m), st in state.items():
        done[acct] = done.get(acct, True) and st == 2
        owned.setdefault(acct, []).append((m, st == 2))
    for acct, complete in done.items():
        unit, role = where[acct]
        people = [("overall", complete)] + [("module:" + m, ok) for m, ok in owned[acct]]
        for scope, ok in people:
            f = fig.setdefault((scope, top(unit)), dict(zero))
            f["learners"] += 1
            f["learners_completed"] += ok
            if role:
                f[role + "_learners"] += 1
                f[role + "_learners_completed"] += ok

    def group(p, a):
        for name, mn in y.groups:
            if p * 100 >= mn * a:
                return name
        return None

    def needed(p, a, mn):
        """Rule 11: the least k with (p + k) / a >= mn %."""
        return max(0, -((p * 100 - mn * a) // 100))

    rankings = []
    for scope in ["overall"] + ["module:" + m for m in mods]:
        for kind, codes in (("ranked", ranked), ("direct", direct)):
            rows = []
            for code in codes:
                f = dict(fig.get((scope, code), zero))
                f["unit_code"] = code
                f["unit_name"] = unit_name(y, code)
                rows.append(f)
            live = [r for r in rows if r["assigned"] > 0]
            dead = sorted((r for r in rows if r["assigned"] == 0), key=lambda r: r["unit_code"])
            # Exact order: rate descending as a fraction, then assigned, then code.
            live.sort(key=lambda r: (-Fraction(r["passed"], r["assigned"]), -r["assigned"],
                                     r["unit_code"]))
            for r in rows:
                r["learner_rate"] = (r["learners_completed"] / r["learners"]
                                     if r["learners"] else None)
                r["to_next_group"] = r["to_top_group"] = None
            for i, r in enumerate(live):
                r["rate"] = r["passed"] / r["assigned"]
                r["group"] = group(r["passed"], r["assigned"])
                names = [name for name, _mn in y.groups]
                if r["group"] != names[0]:
                    at = names.index(r["group"]) if r["group"] else len(names)
                    r["to_next_group"] = needed(r["passed"], r["assigned"], y.groups[at - 1][1])
                    r["to_top_group"] = needed(r["passed"], r["assigned"], y.groups[0][1])
                prev = live[i - 1] if i else None
                if prev and Fraction(prev["passed"], prev["assigned"]) == \
                        Fraction(r["passed"], r["assigned"]):
                    r["rank"] = prev["rank"]
                else:
                    r["rank"] = i + 1
            for r in dead:
                r["rate"] = r["rank"] = r["group"] = None
            rankings.append({"scope": scope, "unit_kind": kind, "rows": live + dead})
    iso = as_of.isocalendar()
    total = sum(1 for _ in done)
    completed = sum(1 for ok in done.values() if ok)
    return {"province": {"code": PROVINCE[0], "name": PROVINCE[1]}, "school_year": y.id,
            "week": "%d-W%02d" % (iso[0], iso[1]), "as_of": as_of.isoformat(),
            "thresholds": {name: mn for name, mn in y.groups},
            "learners": len(where), "learner_modules": len(state), "rankings": rankings,
            "people_total": {"learners": total, "learners_completed": completed,
                             "learner_rate": completed / total if total else None}}


# ---------------------------------------------------------------- main

def config_yaml(years):
    out = ["# A second synthetic province (tests/province/gen_province.py).",
           'province: { code: "%s", name: "%s", authority: "UBND %s", '
           'department: "SỞ GIÁO DỤC VÀ ĐÀO TẠO" }' % (PROVINCE[0], PROVINCE[1],
                                                      PROVINCE[1].upper()),
           'database: { conninfo: "" }',
           "paths: { inbox: inbox, archive: archive, rejected: rejected, reports: reports }",
           "school_years:"]
    for y in years:
        out.append('  - id: "%s"' % y.id)
        out.append("    start: %s" % y.start)
        out.append("    end: %s" % y.end)
        out.append('    ranked_level: "%s"' % y.ranked_level)
        out.append("    units: units-%s.csv" % y.id[:4])
        out.append("    modules:")
        for code, name, aliases in y.modules:
            out.append('      - { code: %s, name: "%s", aliases: [%s] }'
                       % (code, name, ", ".join('"%s"' % a for a in aliases)))
        out.append("    groups:")
        for name, mn in y.groups:
            out.append("      - { name: %s, min_percent: %d }" % (name, mn))
        out.append("    temis_metric: self_assessed")
    out.append('report: { language: vi, file_name: "bdtx-{province}-{week}.xlsx", '
               "include_people: true, highlight: 3 }")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) not in (2, 4) or (len(sys.argv) == 4 and sys.argv[2] != "--csv2xlsx"):
        sys.exit("usage: gen_province.py OUTDIR [--csv2xlsx PATH]")
    outdir = sys.argv[1]
    if len(sys.argv) == 4:
        XLSX["csv2xlsx"] = sys.argv[3]
    os.makedirs(os.path.join(outdir, "expected"), exist_ok=True)
    rng = random.Random(20251)
    y20 = build_2020(rng)
    y25 = build_2025(rng, y20)
    populate(rng, y20, count=500)
    populate(rng, y25, accounts_from=sorted(y20.learners), count=650)
    # Two schools and a direct unit send only per-unit aggregates.
    y25.agg_units = {y25.schools[3], y25.schools[11], y25.schools[-1]}
    for ln in y25.learners.values():
        if ln["unit"] in y25.agg_units and ln["role"] is None:
            ln["role"] = "gv"
    for y in (y20, y25):
        with open(os.path.join(outdir, "units-%s.csv" % y.id[:4]), "w", encoding="utf-8") as f:
            f.write(y.registry_csv())
    with open(os.path.join(outdir, "bdtx.yaml"), "w", encoding="utf-8") as f:
        f.write(config_yaml([y20, y25]))

    # (year, ISO year, ISO week, layout, file name pattern, progress, movers, absent)
    plan = [
        (y20, 2020, 41, "long-title", "ket-qua-tuan-41.csv", (0.15, 0.3), 0, 0),
        (y20, 2020, 42, "long-semicolon", "lms_{ymd}.csv", (0.25, 0.3), 5, 0),
        (y20, 2020, 43, "long-names", "bao-cao-tuan-43.csv", (0.3, 0.3), 3, 4),
        (y20, 2020, 44, "wide", "tong-hop-{dmy}.csv", (0.3, 0.3), 0, 0),
        (y20, 2020, 45, "legacy", "bao-cao-{ymd}.csv", (0.2, 0.3), 0, 0),
        (y20, 2020, 46, "long-cp1258", "hoc-vien-{ymd}.csv", (0.2, 0.3), 0, 0),
        (y20, 2020, 47, "long-utf16", "hoc-vien-{ymd}.csv", (0.2, 0.3), 0, 0),
        (y25, 2025, 40, "long-tab", "bdtx-xa-tuan-40.csv", (0.2, 0.3), 0, 0),
        (y25, 2025, 41, "long-names", "hoc-vien-{dmy}.csv", (0.3, 0.3), 6, 0),
        (y25, 2025, 42, "long-semicolon", "lms_{ymd}.csv", (0.45, 0.3), 4, 5),
        (y25, 2025, 43, "long-title", "ket-qua-xa-{ymd}.csv", (0.55, 0.3), 2, 0),
        (y25, 2025, 44, "wide", "hoc-vien-theo-mo-dun-{ymd}.csv", (0.3, 0.3), 2, 3),
    ]
    history = {y20.id: [], y25.id: []}
    temis_history = {y20.id: [], y25.id: []}
    agg_history = {y20.id: [], y25.id: []}
    manifest = {"imports": [], "reports": [], "refused": []}
    for y, iy, iw, layout, pattern, (pp, ps), movers, absent in plan:
        as_of = sunday(iy, iw)
        if history[y.id]:
            advance(rng, y, pp, ps)
        if movers:
            move_some(rng, y, movers)
        gone = set(rng.sample(sorted(y.learners), absent)) if absent else set()
        snap = snapshot(y, gone)
        history[y.id].append((as_of, snap))
        fn, ext, rejected = LAYOUTS[layout]
        name = pattern.format(ymd=as_of.strftime("%Y%m%d"), dmy=as_of.strftime("%d%m%Y"))
        folder = os.path.join(outdir, "%s-W%02d" % (iy, iw))
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, name)
        extra = fn(rng, snap, as_of, path) or {}
        # Some weeks come as workbooks: libxlsxwriter with a notes sheet
        # first, or LibreOffice.
        writer = {(2020, 41): "libxlsxwriter", (2025, 44): "libreoffice"}.get((iy, iw))
        if writer == "libxlsxwriter":
            path = xlsx_libxlsxwriter(path, cover=True)
        elif writer == "libreoffice":
            path = xlsx_libreoffice(path)
        if writer:
            extra["file_encoding"] = "xlsx"
            # An XLSX cell is placed by column letter, a CSV field by number.
            extra["messages"] = [re.sub(r"^:(\d+):", lambda m: ":%s:" % chr(64 + int(m.group(1))), t)
                                 for t in extra.get("messages", [])]
        manifest["imports"].append({"file": os.path.relpath(path, outdir), "layout": layout,
                                    "school_year": y.id, "source": "lms-learners",
                                    "as_of": as_of.isoformat(), "rows": len(snap.rows),
                                    "rejected": rejected,
                                    "messages": extra.get("messages", []),
                                    "duplicates": extra.get("duplicates", 0),
                                    "strict_fails": extra.get("strict_fails", False),
                                    "conversions": extra.get("conversions", {}),
                                    "file_encoding": extra.get("file_encoding", "utf-8")})
        if y.agg_units and iw % 2 == 1:
            agg = aggregates(y)
            agg_history[y.id].append((as_of, agg))
            for name in write_unit_files(rng, y, agg, as_of, folder):
                if iw == 43:
                    name = os.path.basename(
                        xlsx_libxlsxwriter(os.path.join(folder, name), cover=False))
                manifest["imports"].append({
                    "file": os.path.relpath(os.path.join(folder, name), outdir),
                    "layout": "lms-units", "school_year": y.id, "source": "lms-units",
                    "as_of": as_of.isoformat(), "rejected": 0, "messages": [],
                    "duplicates": 0, "strict_fails": False,
                    "file_encoding": "xlsx" if name.endswith(".xlsx") else "utf-8"})
            manifest["refused"].append({
                "file": os.path.relpath(os.path.join(folder, "khong-ro-mo-dun.csv"), outdir),
                "exit": 64, "message": "add --module CODE"})
            manifest["refused"].append({
                "file": os.path.relpath(os.path.join(folder, "hai-mo-dun.csv"), outdir),
                "exit": 64, "message": "the title rows or the file name name several modules"})
        if y is y25:
            temis_advance(rng, y)
            files, counts = write_temis_people(rng, y, as_of, folder)
            temis_history[y.id].append((as_of, counts))
            for name, rej, msgs in files:
                manifest["imports"].append({
                    "file": os.path.relpath(os.path.join(folder, name), outdir),
                    "layout": "temis-people", "school_year": y.id, "source": "temis-people",
                    "as_of": as_of.isoformat(), "rejected": rej, "messages": msgs,
                    "duplicates": 0, "strict_fails": False})
        exp = expected_report(y, history[y.id], as_of, agg_history[y.id])
        latest = {}
        for t_as_of, counts in temis_history[y.id]:
            if t_as_of <= as_of:
                latest.update(counts)
        exp["temis"] = [{"unit_code": u, "target": t, "total": c[0], "self_assessed": c[1],
                         "head_assessed": c[2]} for (u, t), c in sorted(latest.items())]
        exp_name = "%s-%s.json" % (y.id, exp["week"])
        with open(os.path.join(outdir, "expected", exp_name), "w", encoding="utf-8") as f:
            json.dump(exp, f, ensure_ascii=False, indent=1)
        manifest["reports"].append({"after": len(manifest["imports"]), "week": exp["week"],
                                    "expected": "expected/" + exp_name})
    # A workbook of notes only: no sheet has a header, the import says so.
    notes = os.path.join(outdir, "2020-W41", "ghi-chu.csv")
    write_csv(notes, [["Ghi chú"], ["Không có dữ liệu tuần này"]], bom=False)
    notes = xlsx_libxlsxwriter(notes, cover=True)
    manifest["refused"].append({"file": os.path.relpath(notes, outdir), "exit": 65,
                                "message": "no recognisable header in the first 40 rows of any "
                                           "of the 2 worksheets"})
    # Reports of the earlier year, asked again after the later year is in:
    # each year keeps its own hierarchy, modules and groups.
    for y in (y20,):
        for as_of, _ in history[y.id]:
            exp = expected_report(y, history[y.id], as_of)
            manifest["reports"].append({"after": len(manifest["imports"]), "week": exp["week"],
                                        "expected": "expected/%s-%s.json" % (y.id, exp["week"])})
    with open(os.path.join(outdir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
