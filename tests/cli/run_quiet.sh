#!/usr/bin/env bash
# What cron mails: bdtx --quiet run says nothing when all went well, and one
# summary per file otherwise, each line with its level and the file where
# it now is; the .err beside a rejected file says what to do with a run
# (never with import's options) and goes away once the file is accepted.
# The configuration sits in its own folder and the run starts elsewhere:
# every path is the configuration's. Needs the PG* variables of a server.
set -uo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
db_use "bdtx_quiet_$$" || exit 1
mkdir -p "$work/cfg" "$work/inbox" "$work/elsewhere"
fixture_config "$work/cfg/bdtx.yaml" \
    "s|^paths:.*|paths: { inbox: ../inbox, archive: ../archive, rejected: ../rejected, reports: ../reports }|"
cd "$work/elsewhere" || exit 1
"$bdtx" "${conf[@]}" -q db migrate || { failure "db migrate"; exit 1; }
header='Tài khoản,Mã đơn vị,Mô đun,Trạng thái'
quiet_run() { "$bdtx" "${conf[@]}" --quiet run; }

# All well: nothing at all, exit 0; the reports where the configuration says.
printf '%s\n1,20178001,Mô đun 1,Đã hoàn thành\n' "$header" >"$work/inbox/hv-20201004.csv"
expect 0 "" quiet_run
check "standard output of a quiet run that went well" "$(cat "$work/out")" ""
check "standard error of a quiet run that went well" "$(cat "$work/err")" ""
check_that "the download page is in the configuration's reports folder" \
    test -f "$work/reports/index.html"
check_that "the file is in the configuration's archive" \
    test -f "$work/archive/2020-2021/2020-10-04_hv-20201004.csv"
check_that "nothing was written in the working folder" test -z "$(ls -A "$work/elsewhere")"

# Rows rejected, and files rejected whole: one summary each.
printf '%s\n1,20178001,Mô đun 1,Đã hoàn thành\n2,99,Mô đun 1,Đang học\n3,98,Mô đun 1,Đang học\n4,20178001,Mô đun 7,Đang học\n5,97,Mô đun 1,Đang học\n' \
    "$header" >"$work/inbox/hv-20201011.csv"
printf 'just some text\n' >"$work/inbox/plain-20201011.csv"
printf 'Mã đơn vị,Tổng số,Tổng số hoàn thành tự đánh giá\n20178,10,5\n' >"$work/inbox/temis-20201011.csv"
printf '%s\n6,20178001,Mô đun 1,Đang học\n' "$header" >"$work/inbox/undated.csv"
touch -d 2019-01-01T12:00 "$work/inbox/undated.csv"
printf '%s\n7,96,Mô đun 1,Đang học\n' "$header" >"$work/inbox/units-20201011.csv"
expect 1 "" quiet_run
check "standard output of a quiet run with rejections" "$(cat "$work/out")" ""
a=$work/archive/2020-2021/2020-10-11_hv-20201011.csv
r=$work/rejected
units=$(cd "$fixture" && pwd -P)/units.csv
cat >"$work/want" <<WANT
bdtx: error: $r/undated.csv: rejected, not imported: no school year in the configuration contains the as-of date 2019-01-01 of this file
bdtx: error: $r/undated.csv: its date is the day it was last modified: neither its title rows nor its name give one
bdtx: error: $r/undated.csv: hint: if its date is wrong, write the right one (YYYY-MM-DD) in a file undated.csv.as-of beside it (echo 2020-10-04 > $work/inbox/undated.csv.as-of); if it is right, add its school year to $work/cfg/bdtx.yaml; undated.csv.err says what to do
bdtx: warning: $a: imported, but 4 of its 5 rows were rejected
bdtx: warning: $a: row 3, column 2: unknown unit code '99'
bdtx: warning: $a: row 4, column 2: unknown unit code '98'
bdtx: warning: $a: row 5, column 3: unknown module 'Mô đun 7'
bdtx: warning: $a: ... and 1 more (the sheet Dữ liệu of the week's workbook lists them all)
bdtx: warning: $a: hint: not in the unit registry: '97', '98', '99'; add a line for each (code,name,kind,parent_code[,aliases]; a name the export uses can go in aliases) to $units: the next run loads it, and the next export brings their rows in
bdtx: error: $r/plain-20201011.csv: rejected, not imported: no recognisable header in the first 40 rows
bdtx: error: $r/plain-20201011.csv: hint: a learners export needs columns such as Tài khoản, Mã đơn vị or Đơn vị, Mô đun and Trạng thái; a TEMIS export Mã đơn vị, Tổng số and the self-assessed count; more names can be added under sources.aliases; plain-20201011.csv.err says what to do
bdtx: error: $r/temis-20201011.csv: rejected, not imported: row 1: cannot tell whether this file counts GV or CBQL
bdtx: error: $r/temis-20201011.csv: hint: rename it so that its name says whom it counts, gv or cbql (say temis-20201011-gv.csv); temis-20201011.csv.err says what to do
bdtx: error: $r/units-20201011.csv: rejected, not imported: every data row was rejected
bdtx: error: $r/units-20201011.csv: the first, row 2, column 2: unknown unit code '96'
bdtx: error: $r/units-20201011.csv: hint: a unit the file names must be in the registry of school year 2020-2021: add a line for '96' (code,name,kind,parent_code[,aliases]) to $units; units-20201011.csv.err says what to do
WANT
if cmp -s "$work/want" "$work/err"; then
    passed=$((passed + 1))
else
    failure "standard error of a quiet run with rejections:"
    diff "$work/want" "$work/err" | sed 's/^/    /'
fi
# Never the inbox, where the files no longer are.
check "lines naming the inbox" "$(grep -c "$work/inbox/[a-z]*\.csv:" "$work/err")" 0

# The notes beside the rejected files.
cat >"$work/want" <<WANT
bdtx run did not import temis-20201011.csv:
  row 1: cannot tell whether this file counts GV or CBQL
What to do: rename it so that its name says whom it counts, gv or cbql (say temis-20201011-gv.csv).
Then move temis-20201011.csv back from $r into the inbox, $work/inbox: the next bdtx run imports it and removes this note.
WANT
check "temis-20201011.csv.err" "$(cat "$r/temis-20201011.csv.err")" "$(cat "$work/want")"
cat >"$work/want" <<WANT
bdtx run did not import undated.csv:
  no school year in the configuration contains the as-of date 2019-01-01 of this file
  (its date is the day it was last modified: neither its title rows nor its name give one)
What to do: if its date is wrong, write the right one (YYYY-MM-DD) in a file undated.csv.as-of beside it (echo 2020-10-04 > $work/inbox/undated.csv.as-of); if it is right, add its school year to $work/cfg/bdtx.yaml.
Then move undated.csv back from $r into the inbox, $work/inbox: the next bdtx run imports it and removes this note.
WANT
check "undated.csv.err" "$(cat "$r/undated.csv.err")" "$(cat "$work/want")"
cat >"$work/want" <<WANT
bdtx run did not import units-20201011.csv:
  every data row was rejected
  (the first, row 2, column 2: unknown unit code '96')
What to do: a unit the file names must be in the registry of school year 2020-2021: add a line for '96' (code,name,kind,parent_code[,aliases]) to $units.
Then move units-20201011.csv back from $r into the inbox, $work/inbox: the next bdtx run imports it and removes this note.
WANT
check "units-20201011.csv.err" "$(cat "$r/units-20201011.csv.err")" "$(cat "$work/want")"
for f in "$r"/*.err; do
    if grep -q -- '--as-of\|--target\|--module' "$f"; then
        failure "$f speaks of import's options: $(cat "$f")"
    else
        passed=$((passed + 1))
    fi
done

# Done as the note says: dated, back in the inbox, accepted; its note goes,
# the others stay; a quiet run says nothing.
echo 2020-10-11 >"$work/inbox/undated.csv.as-of"
mv "$r/undated.csv" "$work/inbox/"
expect 0 "" quiet_run
check "standard error of the run that accepted it" "$(cat "$work/err")" ""
check_that "undated.csv.err is gone" test ! -e "$r/undated.csv.err"
check_that "undated.csv is archived" test -f "$work/archive/2020-2021/2020-10-11_undated.csv"
check_that "the other notes stay" test -f "$r/temis-20201011.csv.err"

# A sidecar without a date: rejected, and the note says how to write it.
printf '%s\n8,20178001,Mô đun 1,Đang học\n' "$header" >"$work/inbox/late.csv"
echo "tuần 3" >"$work/inbox/late.csv.as-of"
expect 65 "" quiet_run
grep -qxF "bdtx: error: $r/late.csv: hint: write the export's date in late.csv.as-of, alone on its line (echo 2020-10-04 > $work/inbox/late.csv.as-of); late.csv.err says what to do" "$work/err" \
    && passed=$((passed + 1)) || failure "the hint for a sidecar without a date: $(cat "$work/err")"

# A report written where --out says, relative to the working folder: the
# message gives it absolute.
mkdir -p "$work/elsewhere/sub"
expect_line 0 "bdtx: info: report written to $work/elsewhere/r.xlsx" \
    "$bdtx" "${conf[@]}" report --week 2020-W41 --out sub/../r.xlsx
check_that "the report is there" test -s "$work/elsewhere/r.xlsx"

test_done
