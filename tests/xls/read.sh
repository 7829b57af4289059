#!/usr/bin/env bash
# Legacy .xls workbooks from two writers (tests/xls/make_workbooks.py: xlwt,
# and LibreOffice saving the same workbook again) read through bdtx's sheet
# reader: every worksheet by name, every row as the generator wrote it,
# formulas through the values LibreOffice saved with them.
#   read.sh SHEET_DUMP
set -uo pipefail

sheet_dump=$1
. "$(dirname "$0")/../lib.sh"

/usr/bin/python3 "$here/make_workbooks.py" "$work" || { failure "make_workbooks.py"; test_done; }
for book in xlwt libreoffice; do
    file=$work/$book.xls
    check "$book: its worksheets" "$("$sheet_dump" "$file" | paste -sd '|')" \
        "$(jq -r --arg b "$book" '.[$b] | keys_unsorted | join("|")' "$work/expected.json")"
    while IFS= read -r name; do
        got=$("$sheet_dump" "$file" "$name" 2>&1)
        want=$(jq -c --arg b "$book" --arg s "$name" '.[$b][$s][]' "$work/expected.json")
        if [ "$got" = "$want" ]; then
            passed=$((passed + 1))
        else
            failure "$book: worksheet $name"
            diff <(echo "$want") <(echo "$got") | head -n 10
        fi
    done < <(jq -r --arg b "$book" '.[$b] | keys_unsorted[]' "$work/expected.json")
done
test_done xls-read
