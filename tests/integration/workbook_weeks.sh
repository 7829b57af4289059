#!/usr/bin/env bash
# The weekly workbook on the fixture province, against a real PostgreSQL:
# imports the eight weeks in order and, each week, writes the workbook to its
# default place (reports/<school year>/<file_name>) and the JSON report, reads
# the workbook back with bdtx's own reader (sheet_dump) and checks that every
# sheet of SPEC section 6 is there and that every unit's figures on Xếp hạng,
# on each module sheet, on Trường, TEMIS and Xu hướng equal the JSON's.
# Then: the CSV tables, the English labels, a workbook killed while it is
# written, and LibreOffice opening the workbook (converted to PDF).
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -euo pipefail

bdtx=$1
fixture=$2
dump=$3
. "$(dirname "$0")/../lib.sh"
db_use "bdtx_workbook_$$"
cd "$work"

# A copy beside the test's folders: the reports go where the configuration
# is (reports/ beside it), never into the fixture.
fixture_config "$work/bdtx.yaml"
"$bdtx" "${conf[@]}" --quiet db migrate

sheets_vi='["Xếp hạng","Mô đun M1","Mô đun M2","Trường","TEMIS","Chưa hoàn thành","Xu hướng","Thông báo","Dữ liệu"]'

# check XLSX JSON WEEKS: every sheet of the workbook against the JSON report.
check_workbook() {
    local xlsx=$1 json=$2 weeks=$3 spec name check scope out
    got=$("$dump" "$xlsx" | jq -R . | jq -s -c .)
    if [ "$got" != "$sheets_vi" ]; then
        failure "$xlsx: sheets $got, expected $sheets_vi"
        return
    fi
    for spec in "Xếp hạng|ranking|overall" "Mô đun M1|ranking|module:M1" \
                "Mô đun M2|ranking|module:M2" "Trường|schools|" "TEMIS|temis|" \
                "Chưa hoàn thành|people|" "Xu hướng|trend|" "Dữ liệu|data|"; do
        IFS='|' read -r name check scope <<<"$spec"
        "$dump" "$xlsx" "$name" >"$work/sheet.jsonl"
        out=$(jq -n -r --slurpfile sheet "$work/sheet.jsonl" --slurpfile reportv "$json" \
            --slurpfile weeks "$weeks" --arg check "$check" --arg scope "$scope" \
            -f "$here/workbook.jq")
        if [ -n "$out" ]; then
            failure "$xlsx, sheet $name differs from $json:"
            echo "$out" | head -n 20
        fi
    done
}

: >"$work/weeks.json"
weeks=$(jq '.weeks | length' "$fixture/manifest.json")
for ((w = 0; w < weeks; w++)); do
    nfiles=$(jq ".weeks[$w].files | length" "$fixture/manifest.json")
    for ((f = 0; f < nfiles; f++)); do
        file=$(jq -r ".weeks[$w].files[$f].file" "$fixture/manifest.json")
        as_of=$(jq -r ".weeks[$w].files[$f].as_of" "$fixture/manifest.json")
        args=()
        case "$file" in
            *tuan0*) args=(--as-of "$as_of") ;;
        esac
        "$bdtx" "${conf[@]}" --quiet import "${args[@]}" "$fixture/$file" 2>/dev/null || [ $? -eq 1 ]
    done
    n=$(printf '%02d' $((w + 1)))
    week=$(jq -r .week "$fixture/expected/week-$n.json")
    "$bdtx" "${conf[@]}" --quiet report --format json --week "$week" --out "$work/week-$n.json"
    cat "$work/week-$n.json" >>"$work/weeks.json"
    # The default format and place.
    "$bdtx" "${conf[@]}" --quiet report --week "$week"
    xlsx=reports/2020-2021/bdtx-20-$week.xlsx
    if [ ! -s "$xlsx" ]; then
        failure "week $n: no workbook at $xlsx"
        continue
    fi
    check_workbook "$xlsx" "$work/week-$n.json" "$work/weeks.json"
    echo "week $n ($week): workbook compared"
done
last=reports/2020-2021/bdtx-20-$week.xlsx

# Nothing but the workbooks in the reports folder: no temporary file left.
extra=$(find reports -type f ! -name 'bdtx-20-*.xlsx' | head -n 5)
if [ -n "$extra" ]; then
    failure "files left in reports/: $extra"
fi

# CSV: the overall ranking tables, read back with the same reader.
"$bdtx" "${conf[@]}" --quiet report --format csv --week "$week" --out "$work/week.csv"
"$dump" "$work/week.csv" csv >"$work/csv.jsonl"
out=$(jq -n -r --slurpfile rows "$work/csv.jsonl" --slurpfile r "$work/week-$n.json" '
    ($r[0]) as $rep
    | ([$rep.rankings[] | select(.scope == "overall") | .unit_kind as $k | .rows[] | . + {kind: $k}]) as $want
    | ($rows[1:] | map(select(.[1] != "province"))) as $got
    | if ($got | length) != ($want | length) then "csv: \($got | length) rows, expected \($want | length)"
      else range(0; $want | length) as $i | $got[$i] as $g | $want[$i] as $j
        | select($g[1] != $j.kind or $g[2] != $j.unit_code or ($g[8] | tonumber) != $j.assigned
                 or ($g[9] | tonumber) != $j.passed
                 or (if $j.rate == null then $g[10] != "" else (($g[10] | tonumber) - $j.rate | fabs) > 1e-12 end)
                 or ($g[11] // "") != ($j.rank // "" | tostring) or ($g[12] // "") != ($j.group // "")
                 or ($g[14] | tonumber) != $j.learners or ($g[15] | tonumber) != $j.learners_completed)
        | "csv row \($i + 1): \($g) vs \($j)"
      end,
      ($rows | map(select(.[1] == "province")) | first
       | select(. == null or (.[8] | tonumber) != $rep.province_total.assigned)
       | "csv: province total \(.)")')
if [ -n "$out" ]; then
    failure "the CSV differs from the JSON report:"
    echo "$out" | head -n 10
fi

# English labels with report.language: en.
sed -e 's/language: vi/language: en/' -e "s|units: units.csv|units: $fixture/units.csv|" \
    "$fixture/bdtx.yaml" >"$work/en.yaml"
"$bdtx" --config "$work/en.yaml" --quiet report --week "$week" --out "$work/en.xlsx"
got=$("$dump" "$work/en.xlsx" | jq -R . | jq -s -c .)
want='["Ranking","Module M1","Module M2","Schools","TEMIS","Not passed","Trend","Notice","Data"]'
if [ "$got" != "$want" ]; then
    failure "language en: sheets $got, expected $want"
fi
ranking=$("$dump" "$work/en.xlsx" Ranking)
if ! grep -q '"Overall rate"' <<<"$ranking"; then
    failure "language en: the ranking headers are not in English"
fi

# Killed while writing: the final name never holds a partial workbook. Each
# round waits until the temporary file appears beside the final name (the
# workbook is being written), then kills `report` after a different delay.
# A round that ends before the kill must have left a whole workbook, and a
# killed one nothing under the final name (its hidden temporary file may
# stay, and must not look like a report: it starts with a dot and does not
# end in .xlsx).
mkdir -p "$work/kill"
hit=0
rounds=0
for delay in 0 0.005 0.01 0.02 0.03 0.05 0.08 0.12 0.2 0.3; do
    rm -rf "$work/kill"
    mkdir "$work/kill"
    "$bdtx" "${conf[@]}" --quiet report --week "$week" --out "$work/kill/week.xlsx" &
    pid=$!
    for ((i = 0; i < 3000; i++)); do
        compgen -G "$work/kill/.week.xlsx.*" >/dev/null && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.002
    done
    sleep "$delay"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rounds=$((rounds + 1))
    if [ -e "$work/kill/week.xlsx" ]; then
        if [ "$("$dump" "$work/kill/week.xlsx" 2>/dev/null | wc -l)" != 9 ]; then
            failure "killed ${delay}s into writing: week.xlsx is there but not a whole workbook"
        fi
    else
        hit=$((hit + 1))
    fi
    for f in "$work/kill"/* "$work/kill"/.[!.]*; do
        [ -e "$f" ] || continue
        case "$(basename "$f")" in
            week.xlsx) ;;
            .week.xlsx.??????) ;;
            *) failure "killed ${delay}s into writing: unexpected file $f" ;;
        esac
    done
done
echo "killed report: $hit of $rounds rounds stopped while writing, none left a partial workbook"
if [ "$hit" = 0 ]; then
    failure "no round killed the report while it wrote the workbook"
fi

# LibreOffice opens the workbook without repair: converted to PDF, every
# page A4 landscape, one page wide (each table's first and last headers on
# the same page), and every sheet's title printed.
if command -v soffice >/dev/null && command -v pdfinfo >/dev/null; then
    mkdir -p "$work/pdf"
    cp "$last" "$work/pdf/week.xlsx"
    (cd "$work/pdf" && timeout 300 soffice --headless --norestore \
        "-env:UserInstallation=file://$work/pdf/profile" --convert-to pdf week.xlsx \
        >/dev/null 2>&1) || true
    if [ ! -s "$work/pdf/week.pdf" ]; then
        failure "LibreOffice did not convert the workbook"
    else
        pages=$(pdfinfo "$work/pdf/week.pdf" | awk '/^Pages:/ {print $2}')
        echo "PDF of $week: $pages pages"
        # At least one page per sheet; a table printed two pages wide would
        # double the count of the listing sheets.
        if [ "$pages" -lt 8 ] || [ "$pages" -gt 80 ]; then
            failure "the PDF has $pages pages, expected 8 to 80"
        fi
        bad=$(pdfinfo -f 1 -l "$pages" "$work/pdf/week.pdf" | awk '/^Page.*size:/ && !/841.* x 595/' | head -n 3)
        if [ -n "$bad" ]; then
            failure "pages that are not A4 landscape: $bad"
        fi
        # One page wide: a table printed two pages wide would put its right
        # half on pages without the first column (STT) and without the
        # repeated title of Dữ liệu.
        for ((p = 1; p <= pages; p++)); do
            text=$(pdftotext -f "$p" -l "$p" "$work/pdf/week.pdf" -)
            # pdftotext may put STT on one line with the next header
            # ("STT Mã đơn vị") depending on the fonts: match the word.
            if ! grep -qw "STT" <<<"$text" && ! grep -qF "DỮ LIỆU VÀ CẢNH BÁO" <<<"$text"; then
                failure "page $p: neither the first column nor the title (a table cut in width?); it reads: $(head -n 3 <<<"$text" | tr '\n' ' ')"
            fi
        done
        # Printing: every chart whole on one page, beside the total rows it
        # draws (never alone under a repeated, empty table header); week
        # captions never broken inside a date.
        charts=0
        for ((p = 1; p <= pages; p++)); do
            text=$(pdftotext -layout -f "$p" -l "$p" "$work/pdf/week.pdf" -)
            # "(04/10/202", or "(04/10/2020" with its ")" on another line.
            if grep -qE '\([0-9]{2}/[0-9]{2}/([0-9]{0,3}([^0-9]|$)|[0-9]{4}( *$| +\())' <<<"$text"; then
                failure "page $p: a date cut in a caption: $(grep -E '\([0-9]{2}/[0-9]{2}/([0-9]{0,3}([^0-9]|$)|[0-9]{4}( *$| +\())' <<<"$text" | head -n 1)"
            fi
            titles=$(grep -cE 'Tỷ lệ hoàn thành chung – |Tỷ lệ toàn tỉnh và ngưỡng' <<<"$text" || true)
            [ "$titles" -gt 0 ] || continue
            charts=$((charts + titles))
            # Each chart's value axis runs 0 % to 100 %: both ends on the
            # page of its title.
            tops=$(grep -cE '^ *100% *$' <<<"$text" || true)
            bottoms=$(grep -cE '^ *0% *$' <<<"$text" || true)
            if [ "$tops" -lt "$titles" ] || [ "$bottoms" -lt "$titles" ]; then
                failure "page $p: $titles chart titles but $tops tops and $bottoms feet of axes: a chart cut across pages"
            fi
            grep -qE 'Toàn tỉnh' <<<"$text" \
                || failure "page $p: charts without the total rows they draw (under an empty header?)"
        done
        # Xếp hạng and each module sheet: two charts; Xu hướng: one.
        nmodules=$(grep -c '^ *- { code:' "$fixture/bdtx.yaml" || true)
        check "charts printed whole" "$charts" "$((2 * (nmodules + 1) + 1))"
        all=$(pdftotext "$work/pdf/week.pdf" -)
        for title in "KẾT QUẢ BỒI DƯỠNG THƯỜNG XUYÊN" "MÔ ĐUN M1" "MÔ ĐUN M2" "KẾT QUẢ THEO TRƯỜNG" \
                     "ĐÁNH GIÁ CHUẨN TRÊN TEMIS" "DANH SÁCH CHƯA HOÀN THÀNH" \
                     "TỶ LỆ HOÀN THÀNH CHUNG THEO TUẦN" "THÔNG BÁO KẾT QUẢ" "DỮ LIỆU VÀ CẢNH BÁO"; do
            grep -qF "$title" <<<"$all" || failure "the PDF does not show \"$title\""
        done
    fi
else
    failure "soffice or pdfinfo is missing (scripts/install-deps installs them)"
fi
test_done workbook-weeks
