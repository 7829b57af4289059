#!/usr/bin/env bash
# Every error path of the command line: its exit code and its message.
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -uo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
db=bdtx_cli_$$
db_use "$db" || exit 1
conf=(--config "$fixture/bdtx.yaml")

counts() {
    psql -Atc "SELECT (SELECT count(*) FROM import) || '/' || (SELECT count(*) FROM learner_version) || '/' || (SELECT count(*) FROM progress_version) || '/' || (SELECT count(*) FROM import_rejection)"
}

# Usage errors: 64.
expect 64 "usage: bdtx [--config FILE]" "$bdtx"
expect 64 "bdtx: unknown command 'frobnicate'" "$bdtx" frobnicate
expect 64 "bdtx: unknown command 'db frob'" "$bdtx" db frob
expect 64 "bdtx: --quiet and --verbose exclude each other" "$bdtx" -q -v db status
expect 64 "bdtx: --week '2020-W99' is not an ISO week (YYYY-Www)" "$bdtx" "${conf[@]}" report --week 2020-W99
expect 64 "bdtx: give --week or --as-of, not both" "$bdtx" "${conf[@]}" report --week 2020-W40 --as-of 2020-10-04
expect 64 "bdtx: --format pdf is not one of xlsx, json, csv" "$bdtx" "${conf[@]}" report --format pdf
expect 64 "bdtx: --as-of '31/02/2020' is not a date (YYYY-MM-DD)" "$bdtx" "${conf[@]}" import --as-of 31/02/2020 x.csv
expect 64 "bdtx: --target must be gv or cbql, not 'hs'" "$bdtx" "${conf[@]}" import --target hs x.csv
expect 64 "bdtx: unknown source kind 'lms'" "$bdtx" "${conf[@]}" import --source lms x.csv
expect 64 "bdtx: import needs at least one FILE" "$bdtx" "${conf[@]}" import
expect 64 "bdtx: unknown option --bogus" "$bdtx" "${conf[@]}" import --bogus x.csv
expect 64 "bdtx: --module M9 is not a configured module code" "$bdtx" "${conf[@]}" import --module M9 x.csv
expect 64 "bdtx: --sheet needs a worksheet name or a position counted from 1, not '0'" "$bdtx" "${conf[@]}" import --sheet 0 x.csv
expect 64 "bdtx: no school year 'x' in the configuration" "$bdtx" "${conf[@]}" units import --year x "$fixture/units.csv"

# Configuration errors: 78, with file, line and column.
expect 78 "bdtx: $work/none.yaml: cannot read configuration" "$bdtx" --config "$work/none.yaml" config check
printf 'province: { code: "20", name: "X" }\ncolour: blue\nschool_years: []\n' >"$work/bad.yaml"
expect 78 "bdtx: $work/bad.yaml:2:1: unknown key 'colour'" "$bdtx" --config "$work/bad.yaml" config check
{ sed "s|units: units.csv|units: $fixture/units.csv|" "$fixture/bdtx.yaml"
  printf 'sources:\n  sheets:\n    - { files: "*.xlsx", sheet: 0 }\n'; } >"$work/sheet0.yaml"
line=$(($(wc -l <"$fixture/bdtx.yaml") + 3))
expect 78 "bdtx: $work/sheet0.yaml:$line:33: sources.sheets[0].sheet: worksheets are counted from 1" "$bdtx" --config "$work/sheet0.yaml" config check
sed 's/units: units.csv/units: missing.csv/' "$fixture/bdtx.yaml" >"$work/nounits.yaml"
expect 78 "missing.csv" "$bdtx" --config "$work/nounits.yaml" config check
# Every migration of sql/ is pending on an empty database; the newest names the schema.
sql=$(cd "$(dirname "$0")/../../sql" && pwd)
nmigrations=$(ls "$sql"/*.sql | wc -l)
newest=$(basename "$(ls "$sql"/*.sql | sort | tail -n 1)")
plural=migrations
[ "$nmigrations" = 1 ] && plural=migration
expect 78 "bdtx: the database schema is not up to date ($nmigrations $plural pending)" "$bdtx" "${conf[@]}" import "$fixture/week-01/temis-gv.xlsx"

# The database unavailable: 69, and no password in the message.
expect 69 "bdtx: cannot connect to the database" env PGHOST=/nonexistent PGPASSWORD=s3cret "$bdtx" "${conf[@]}" db status
if grep -q s3cret "$work/err"; then
    failure "a password appeared in an error message"
fi

"$bdtx" "${conf[@]}" -q db migrate || { failure "db migrate"; exit 1; }
# Migrating again changes nothing and says so; the status names the schema.
out=$("$bdtx" "${conf[@]}" db migrate) && [ "$out" = "the schema is up to date" ] \
    || failure "a second db migrate said: $out"
out=$("$bdtx" "${conf[@]}" db status) && grep -qx "schema: $newest (0 pending)" <<<"$out" \
    || failure "db status said: $out"
expect 65 "bdtx: nothing has been imported yet" "$bdtx" "${conf[@]}" report --format json

# Standard output that cannot be written (a full disk): 74, with the reason.
to_full() { "$@" >/dev/full; }
full="bdtx: cannot write to standard output: No space left on device"
expect 74 "$full" to_full "$bdtx" --version
expect 74 "$full" to_full "$bdtx" "${conf[@]}" db status
expect 74 "$full" to_full "$bdtx" "${conf[@]}" config check

# Files rejected whole: 65, and nothing stored.
before=$(counts)
expect 65 "bdtx: $work/missing.csv: cannot open" "$bdtx" "${conf[@]}" import "$work/missing.csv"
# A worksheet asked for that is not there (--sheet, or sources.sheets).
expect 65 "bdtx: $fixture/week-01/temis-gv.xlsx: the workbook has no worksheet 2 (it has 1)" "$bdtx" "${conf[@]}" import --sheet 2 "$fixture/week-01/temis-gv.xlsx"
{ sed "s|units: units.csv|units: $fixture/units.csv|" "$fixture/bdtx.yaml"
  printf 'sources:\n  sheets:\n    - { files: "temis-*.xlsx", sheet: "Dữ liệu" }\n'; } >"$work/sheets.yaml"
expect 65 "bdtx: $fixture/week-01/temis-gv.xlsx: the workbook has no worksheet named \"Dữ liệu\"" "$bdtx" --config "$work/sheets.yaml" import "$fixture/week-01/temis-gv.xlsx"
printf 'just some text\nwith no header\n' >"$work/plain.csv"
expect 65 "bdtx: $work/plain.csv: no recognisable header in the first 40 rows" "$bdtx" "${conf[@]}" import "$work/plain.csv"
printf 'Tài khoản,Mã đơn vị,Mô đun,Trạng thái\n' >"$work/header-only.csv"
expect 65 "bdtx: $work/header-only.csv: no data rows below the header" "$bdtx" "${conf[@]}" import --as-of 2020-10-04 "$work/header-only.csv"
printf 'Tài khoản,Mã đơn vị,Mô đun,Trạng thái\n1,99,Mô đun 1,Đang học\n2,20178001,Mô đun 7,Đang học\n' >"$work/all-bad.csv"
expect 65 "bdtx: $work/all-bad.csv: every data row was rejected" "$bdtx" "${conf[@]}" import --as-of 2020-10-04 "$work/all-bad.csv"
expect 65 "$work/all-bad.csv:2:2: unknown unit code '99'" "$bdtx" "${conf[@]}" import --as-of 2020-10-04 "$work/all-bad.csv"
expect 65 "$work/all-bad.csv:3:3: unknown module 'Mô đun 7'" "$bdtx" "${conf[@]}" import --as-of 2020-10-04 "$work/all-bad.csv"
printf 'Tài khoản,Mã đơn vị,Mô đun,Trạng thái\n1,20178001,"Mô đun 1,Đang học\n' >"$work/quote.csv"
expect 65 "bdtx: $work/quote.csv:2" "$bdtx" "${conf[@]}" import --as-of 2020-10-04 "$work/quote.csv"
printf 'PK\003\004this is not a zip archive' >"$work/corrupt.xlsx"
expect 65 "bdtx: $work/corrupt.xlsx" "$bdtx" "${conf[@]}" import "$work/corrupt.xlsx"
expect 65 "(--strict: the whole file is rejected)" "$bdtx" "${conf[@]}" import --strict "$fixture/week-04/lms_25102020.xlsx"
expect 65 "no school year in the configuration contains the as-of date 2019-10-04" "$bdtx" "${conf[@]}" import --as-of 2019-10-04 "$fixture/week-01/temis-gv.xlsx"
expect 65 "bdtx: $work/temis.csv:1: cannot tell whether this file counts GV or CBQL" "$bdtx" "${conf[@]}" import --as-of 2020-10-04 "$(printf 'Mã đơn vị,Tổng số,Tổng số hoàn thành tự đánh giá\n20178,10,5\n' >"$work/temis.csv"; echo "$work/temis.csv")"
after=$(counts)
if [ "$before" != "$after" ]; then
    failure "a rejected file changed the database: $before -> $after"
fi

# Rows rejected: exit 1, each with file:row:column: reason; the rest is stored.
long=$(head -c 300 /dev/zero | tr '\0' a)
printf 'Tài khoản,Mã đơn vị,Mô đun,Trạng thái\n%s,20178001,Mô đun 1,Đang học\nA\xcc\x80,20178001,Mô đun 1,Đang học\n' "$long" >"$work/accounts.csv"
expect 1 "$work/accounts.csv:2:1: account is not valid UTF-8 or longer than 255 bytes" "$bdtx" "${conf[@]}" import --as-of 2020-10-04 "$work/accounts.csv"
# An account written with a combining accent is stored composed (NFC).
[ "$(psql -Atc "SELECT length(account) FROM learner WHERE account LIKE 'A%' OR account LIKE 'À%'")" = 1 ] \
    || failure "the NFD account was not stored in NFC"
x="$fixture/week-04/lms_25102020.xlsx"
expect 1 "$x:11473:I: unknown unit code '99999999'" "$bdtx" "${conf[@]}" import "$x"
for line in "$x:11474:C: no account" "$x:11475:N: unknown status 'Đã xoá'"; do
    grep -qF -- "$line" "$work/err" || failure "missing rejection: $line"
done
stored=$(psql -Atc "SELECT rows || '/' || rejected FROM import WHERE file_name = 'lms_25102020.xlsx'")
[ "$stored" = "11466/3" ] || failure "import of $x recorded $stored, expected 11466/3"
# The unknown unit's text is stored apart from the reason; other rejections have none.
units=$(psql -Atc "SELECT string_agg(r.row_number || '=' || coalesce(r.unit_text, '-'), ' ' ORDER BY r.row_number) FROM import_rejection r JOIN import i ON i.id = r.import_id WHERE i.file_name = 'lms_25102020.xlsx'")
[ "$units" = "11473=99999999 11474=- 11475=-" ] || failure "unknown unit texts of $x: $units"
expect 0 "already imported" "$bdtx" "${conf[@]}" import "$x"

# A learners export older than one already merged is taken in: the school
# year is replayed from its files with it, and one line says so.
cp "$fixture/week-01/lms-hoc-vien-20201004.csv" "$work/late-20201004.csv"
echo >>"$work/late-20201004.csv"
imports=$(psql -Atc "SELECT count(*) FROM import")
expect 0 "" "$bdtx" "${conf[@]}" import "$work/late-20201004.csv"
grep -qx "$work/late-20201004.csv: as of 2020-10-04, older than the newest learners export (2020-10-25): school year 2020-2021 replayed from its $((imports + 1)) files" "$work/out" \
    || failure "the late export: $(cat "$work/out" "$work/err")"
check "imports after the late export" "$(psql -Atc "SELECT count(*) FROM import")" "$((imports + 1))"

# The same file imported by three runs at once lands once; the others say so.
y="$fixture/week-05/lms-hoc-vien-20201101.csv"
pids=()
for i in 1 2 3; do
    "$bdtx" "${conf[@]}" import "$y" >"$work/conc.$i" 2>&1 &
    pids+=($!)
done
for pid in "${pids[@]}"; do
    wait "$pid" || failure "a concurrent import of $y exited non-zero"
done
[ "$(psql -Atc "SELECT count(*) FROM import WHERE file_name = 'lms-hoc-vien-20201101.csv'")" = 1 ] \
    || failure "concurrent imports of one file stored it more than once"
[ "$(cat "$work"/conc.* | grep -c "already imported")" = 2 ] \
    || { failure "two of three concurrent imports should say already imported"; cat "$work"/conc.*; }

# Different files started together all land, none lost: week 6's four
# exports at once (two learners files of one as-of date, two TEMIS files),
# into a database of their own holding week 5; then the week's figures are
# those of the fixture's expected answer.
db_use "${db}_conc" && "$bdtx" "${conf[@]}" -q db migrate \
    && "$bdtx" "${conf[@]}" -q import "$fixture/week-05/lms-hoc-vien-20201101.csv" \
    || failure "setting up ${db}_conc"
pids=()
for f in "$fixture"/week-06/*.xlsx; do
    "$bdtx" "${conf[@]}" import "$f" >"$work/diff.${f##*/}" 2>&1 &
    pids+=($!)
done
for pid in "${pids[@]}"; do
    wait "$pid" || { failure "a concurrent import of a week-6 file exited non-zero"; cat "$work"/diff.*; }
done
landed=$(psql -Atc "SELECT count(*) FROM import WHERE as_of = '2020-11-08'")
[ "$landed" = 4 ] || failure "4 week-6 files imported together, $landed landed"
overall='[.rankings[] | select(.scope == "overall") | .rows[] | {unit_code, assigned, passed, gv_assigned, gv_passed, cbql_assigned, cbql_passed}] | sort_by(.unit_code)'
"$bdtx" "${conf[@]}" report --week 2020-W45 --format json >"$work/w45.json" 2>"$work/err" \
    && [ "$(jq -S "$overall" "$work/w45.json")" = "$(jq -S "$overall" "$fixture/expected/week-06.json")" ] \
    || failure "week 6 imported concurrently does not give the expected figures"

test_done
