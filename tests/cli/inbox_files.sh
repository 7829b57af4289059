#!/usr/bin/env bash
# No single file, however named or shaped, stops `bdtx run`: a name too long
# for the archive, a name that is not UTF-8, a name holding a newline, a
# symbolic link, a FIFO beside an export, a copy still being written; the
# modification day is taken in the province's time zone; and hidden
# temporaries a cut copy left in the archive are removed.
#   inbox_files.sh BDTX FIXTURE_DIR
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -uo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
db_use "bdtx_inbox_$$" || exit 1
cd "$work" || exit 1
learners=$fixture/week-01/lms-hoc-vien-20201004.csv
temis=$fixture/week-01/temis-gv.xlsx
fixture_config "$work/bdtx.yaml" '$a limits: { settle_seconds: 0 }'
"$bdtx" "${conf[@]}" -q db migrate || exit 1
mkdir -p var/inbox
run() {   # run CODE TEXT: bdtx run exits CODE, its standard error holding TEXT
    expect "$1" "$2" timeout 60 "$bdtx" "${conf[@]}" run
}
archived() { ls var/archive/2020-2021 2>/dev/null; }
rejected() { ls var/rejected 2>/dev/null; }

# 2. A 191-character Vietnamese name (about 250 bytes with its date) and a
# name that is not UTF-8: the first archived under a shortened name that
# stays apart from a second one of the same start, the second rejected;
# every later run ends well.
long='Kết quả bồi dưỡng thường xuyên giáo viên cán bộ quản lý các trường mầm non tiểu học trung học cơ sở huyện Tràng Định tỉnh Lạng Sơn tuần thứ nhất năm học hai nghìn hai mươi 20201004'
check "the long names' length in bytes" "$(printf %s "$long-b.xlsx" | wc -c)" 246
cp "$learners" "var/inbox/$long-a.csv"
cp "$temis" "var/inbox/$long-b.xlsx"
cp "$fixture/week-01/temis-cbql.xlsx" var/inbox/$'T\xeam-kh\xf4ng-UTF8.xlsx'
run 1 $'the file name is not UTF-8 text'
check "two archived, apart" "$(archived | grep -c '~')" 2
for f in var/archive/2020-2021/*; do
    check "archived name within 255 bytes" "$(( $(printf %s "${f##*/}" | wc -c) <= 255 ))" 1
done
check "the name that is not UTF-8 is rejected, with its .err" \
    "$(rejected | LC_ALL=C grep -c $'^T\xeam-kh\xf4ng-UTF8.xlsx')" 2
check "the inbox is empty" "$(ls -A var/inbox | wc -l)" 0
run 0 ""
cp "$learners" "var/inbox/$long-a.csv"
run 0 "already imported"
check "the same file again, archived once" "$(archived | grep -c '~')" 2

# 11. A name holding a newline cannot forge a line of the log.
printf 'x,y\n1,2\n' >var/inbox/$'bad\nbdtx: info: forged.csv'
run 65 'bad\nbdtx: info: forged.csv'
check "no forged line" "$(grep -c '^bdtx: info: forged.csv' "$work/err")" 0
rm -f var/rejected/*

# 5. Only regular files: a link is refused, whatever it points to (its
# target is not read, and the link, not a copy, goes to the rejected
# folder); a FIFO is left with a warning; a FIFO as a sidecar does not hang.
ln -s /etc/passwd var/inbox/passwd.csv
ln -s "$temis" var/inbox/temis-link.xlsx
mkfifo var/inbox/fifo.csv
cp "$fixture/week-02/temis-cbql.xlsx" var/inbox/temis-cbql-20201011.xlsx
mkfifo var/inbox/temis-cbql-20201011.xlsx.as-of
run 65 "passwd.csv: rejected, not imported: a symbolic link; bdtx reads only regular files"
check_that "a FIFO is named and left" grep -qF "var/inbox/fifo.csv: not a regular file" "$work/err"
check_that "the FIFO sidecar makes its export rejected" \
    grep -qF "temis-cbql-20201011.xlsx: rejected, not imported: temis-cbql-20201011.xlsx.as-of does not hold a date" "$work/err"
check "links moved as links" "$(find var/rejected -type l | wc -l)" 2
check "nothing of /etc/passwd in the database" \
    "$(psql -Atc "SELECT count(*) FROM import WHERE file_name LIKE 'passwd%' OR file_name LIKE 'temis-link%'")" 0
check "the FIFO is left" "$(ls var/inbox)" fifo.csv
rm -f var/inbox/fifo.csv var/rejected/* var/rejected/.[!.]*
check_that "the service has a start timeout" \
    grep -q '^TimeoutStartSec=' "$here/../../config/bdtx.service.in"

# 10. A file dated by its modification time: 2020-10-11 20:30 UTC is
# Monday 2020-10-12 03:30 in Vietnam, the next ISO week.
# (The week-01 export less its last row: no date in its name or title.)
head -n -1 "$learners" >var/inbox/hoc-vien-undated.csv
touch -d '2020-10-11 20:30:00 UTC' var/inbox/hoc-vien-undated.csv
run 0 "dated 2020-10-12, the day it was last modified"
check "archived under the day in Vietnam" \
    "$(archived | grep -c '^2020-10-12_hoc-vien-undated.csv$')" 1
check "imported as of that day" \
    "$(psql -Atc "SELECT as_of FROM import WHERE file_name = 'hoc-vien-undated.csv'")" 2020-10-12

# 3. A copy still being written is left, and imported whole once it ends.
fixture_config "$work/slow.yaml" '$a limits: { settle_seconds: 2 }'
src=$fixture/week-03/export_lms_tuan03.csv
total=$(wc -l <"$src")
head -n 200 "$src" >var/inbox/lms-20201018.csv
( for i in $(seq 1 8); do
      sleep 0.5
      sed -n "$((i * 200 + 1)),$((i * 200 + 200))p" "$src" >>var/inbox/lms-20201018.csv
  done
  tail -n "+1801" "$src" >>var/inbox/lms-20201018.csv ) &
writer=$!
expect 0 "lms-20201018.csv: still being written" timeout 60 "$bdtx" --config "$work/slow.yaml" run
check "nothing of it imported" "$(psql -Atc "SELECT count(*) FROM import WHERE file_name = 'lms-20201018.csv'")" 0
check "left in the inbox" "$(ls var/inbox)" lms-20201018.csv
wait "$writer"
check "the copy is whole" "$(wc -l <var/inbox/lms-20201018.csv)" "$total"
expect 0 "" timeout 60 "$bdtx" --config "$work/slow.yaml" run
check "imported whole once settled: the bytes of the export" \
    "$(psql -Atc "SELECT sha256 FROM import WHERE file_name = 'lms-20201018.csv'")" \
    "$(sha256sum <"$src" | cut -d' ' -f1)"

# 11. A hidden temporary that a copy across file systems, cut short, left
# in the archive (or the rejected folder) is removed once it is old.
mkdir -p var/rejected
: >var/archive/2020-2021/.2020-10-04_lms.csv.Ab12Cd
: >var/rejected/.export.xlsx.Zz99Yy
touch -d '2 days ago' var/archive/2020-2021/.2020-10-04_lms.csv.Ab12Cd var/rejected/.export.xlsx.Zz99Yy
: >var/archive/2020-2021/.2020-10-05_new.csv.Qq11Ww
run 0 "removed 1 unfinished temporary file left in $work/var/archive"
check "the old temporaries are gone" \
    "$(ls -A var/archive/2020-2021 var/rejected | grep -c -e Ab12Cd -e Zz99Yy)" 0
check "a young one stays (a copy may be under way)" \
    "$(ls -A var/archive/2020-2021 | grep -c Qq11Ww)" 1

test_done
