#!/usr/bin/env bash
# Text from the inputs never becomes markup or a formula: characters XML
# cannot hold are replaced where text enters (and counted in Dữ liệu) and
# wherever text reaches a workbook; a CSV cell starting with = + - @ is
# written as text; a group named with spaces keeps its name on the page.
#   hostile_text.sh BDTX FIXTURE_DIR
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -uo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
db_use "bdtx_text_$$" || exit 1
cd "$work" || exit 1

# The registry: a ranked unit named as a formula, another holding U+0001.
sed -e 's/^20180,Phòng GDĐT Tràng Định,/20180,"=HYPERLINK(""http:\/\/x.invalid"",""bấm"")",/' \
    -e $'s/^20181,Phòng GDĐT Bình Gia,/20181,Phòng GDĐT Bình\001Gia,/' \
    "$fixture/units.csv" >units.csv
fixture_config "$work/bdtx.yaml" "s#units: $fixture/units.csv#units: $work/units.csv#" \
    's#name: A,#name: "Xuất sắc",#' 's#name: B,#name: "Khá tốt",#'
mkdir -p var/inbox
# A learner not passed whose name holds U+FFFE and U+0001.
sed $'2,3s/Trần Anh Cúc/Trần\xef\xbf\xbeAnh\001Cúc/' \
    "$fixture/week-01/lms-hoc-vien-20201004.csv" >var/inbox/lms-hoc-vien-20201004.csv
check "the export holds U+FFFE" "$(grep -c $'\xef\xbf\xbe' var/inbox/lms-hoc-vien-20201004.csv)" 2

"$bdtx" "${conf[@]}" -q db migrate || exit 1
expect 0 "4 characters a workbook cannot hold (control characters, U+FFFE, U+FFFF) replaced by U+FFFD" \
    "$bdtx" "${conf[@]}" run
book=$(ls reports/2020-2021/*.xlsx)
check "one workbook" "$(wc -l <<<"$book")" 1
mkdir x && (cd x && unzip -q "../$book") || failure "unzip $book"
for xml in x/xl/worksheets/*.xml x/xl/sharedStrings.xml; do
    [ -e "$xml" ] || continue
    check_that "$xml is well-formed XML" xmllint --noout "$xml"
done
check_that "the learner is listed, with U+FFFD for what XML cannot hold" \
    grep -qF "Trần�Anh�Cúc" x/xl/worksheets/*.xml x/xl/sharedStrings.xml
check_that "the unit holding U+0001 is named with U+FFFD" \
    grep -qF "Phòng GDĐT Bình�Gia" x/xl/worksheets/*.xml x/xl/sharedStrings.xml
check_that "Dữ liệu counts the characters replaced" \
    grep -qF "ký tự không hợp lệ, đã thay bằng U+FFFD" x/xl/worksheets/*.xml x/xl/sharedStrings.xml
check "stored as 4 characters of the import (2 rows)" \
    "$(psql -Atc "SELECT cells FROM import_conversion WHERE encoding = 'xml-invalid'")" 4

# CSV: the formula is text.
expect 0 "" "$bdtx" "${conf[@]}" report --week 2020-W40 --format csv --out "$work/r.csv"
check_that "the unit named as a formula is written behind an apostrophe" \
    grep -qF "ranked,20180,\"'=HYPERLINK(\"\"http://x.invalid\"\",\"\"bấm\"\")\"," r.csv
check "no cell starts with = + - @" "$(tr ',' '\n' <r.csv | grep -cE '^"?[=+@-]')" 0

# The download page: "Xuất sắc" whole, not "Nhóm sắc".
check_that "index.html shows the group Xuất sắc" grep -qF "Nhóm Xuất sắc: " reports/index.html
check_that "index.html shows the group Khá tốt" grep -qF "Nhóm Khá tốt: " reports/index.html
check "no group cut at its space" "$(grep -cE 'Nhóm (sắc|tốt)' reports/index.html)" 0

test_done
