#!/usr/bin/env bash
# Which row of a learners export speaks for a learner and for a pair, as the
# merge stages them (stage_account, stage_pair): a learner's unit, role and
# name come from their last row in the file, whether their rows are together
# or not; a pair listed twice counts once with its most advanced status and
# the other row is recorded as a duplicate; a row without a role is stored
# with none.
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -uo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
db_use "bdtx_last_row_$$" || exit 1
fixture_config "$work/bdtx.yaml"

school1='Trường Tiểu học Hưng Vũ,20178001,Phòng GDĐT Thành phố Lạng Sơn'
school2='Trường THPT Bắc Sơn,2090018,'
school3='Trường THPT Văn Lãng,2090011,'
head -n 1 "$fixture/week-05/lms-hoc-vien-20201101.csv" >"$work/export.csv"
cat >>"$work/export.csv" <<EOF
1,Người Một Trước,900000001,1,01/01/1980,GV đại trà,Tiểu học,$school1,Mô đun 1,100,8,Hoàn thành,Đạt,01/10/2020
2,Người Hai,900000002,2,01/01/1980,GV đại trà,Tiểu học,$school1,Mô đun 1,0,,Chưa học,,
3,Người Một Sau,900000001,1,01/01/1980,CBQL đại trà,THPT,$school2,Mô đun 2,50,,Đang học,,
4,Người Ba Đầu,900000003,3,01/01/1980,GV đại trà,Tiểu học,$school1,Mô đun 1,0,,Chưa học,,
5,Người Ba Cuối,900000003,3,01/01/1980,GV đại trà,THPT,$school3,Mô đun 2,0,,Chưa học,,
6,Người Bốn,900000004,4,01/01/1980,GV đại trà,THPT,$school3,Mô đun 1,100,9,Hoàn thành,Đạt,02/10/2020
7,Người Bốn,900000004,4,01/01/1980,GV đại trà,THPT,$school3,Mô đun 1,40,,Đang học,,
8,Người Năm,900000005,5,01/01/1980,,THPT,$school3,Mô đun 1,0,,Chưa học,,
EOF
"$bdtx" "${conf[@]}" --quiet db migrate || exit 1
out=$("$bdtx" "${conf[@]}" import --as-of 2020-10-04 "$work/export.csv" 2>&1)
rc=$?
check "import exit status" "$rc" 0
[ "$rc" = 0 ] || echo "$out"

q() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }
learner() {
    q "SELECT v.unit_code || '|' || coalesce(v.role, '-') || '|' || v.full_name
       FROM learner_version v JOIN learner l ON l.id = v.learner_id WHERE l.account = '$1'"
}
pairs() {
    q "SELECT string_agg(p.module || '=' || p.state, ' ' ORDER BY p.module)
       FROM progress_version p JOIN learner l ON l.id = p.learner_id WHERE l.account = '$1'"
}
# Apart, then back: the row after the other learner's speaks.
check "learner whose rows are apart" "$(learner 900000001)" "2090018|cbql|Người Một Sau"
check "its pairs" "$(pairs 900000001)" "M1=2 M2=1"
# Together, in two schools: the second row speaks.
check "learner whose rows are together" "$(learner 900000003)" "2090011|gv|Người Ba Cuối"
check "learner with one row" "$(learner 900000002)" "20178001|gv|Người Hai"
# The same pair twice: passed wins, and the second row is the duplicate.
check "pair listed twice" "$(pairs 900000004)" "M1=2"
check "duplicate recorded" "$(q "SELECT row_number || '>' || kept_row FROM import_duplicate")" "8>7"
check "row without a role" "$(learner 900000005)" "2090011|-|Người Năm"
check "one version per learner" "$(q "SELECT count(*) FROM learner_version")" 5
# A later export whose only repeated pair is within one learner's rows
# (no account comes back): counted once, the other row recorded.
head -n 1 "$fixture/week-05/lms-hoc-vien-20201101.csv" >"$work/together.csv"
cat >>"$work/together.csv" <<EOF
1,Người Sáu,900000006,6,01/01/1980,GV đại trà,THPT,$school3,Mô đun 1,40,,Đang học,,
2,Người Sáu,900000006,6,01/01/1980,GV đại trà,THPT,$school3,Mô đun 1,100,9,Hoàn thành,Đạt,03/10/2020
3,Người Bảy,900000007,7,01/01/1980,GV đại trà,THPT,$school3,Mô đun 1,0,,Chưa học,,
EOF
out=$("$bdtx" "${conf[@]}" import --as-of 2020-10-11 "$work/together.csv" 2>&1)
rc=$?
check "import of a repeat within one learner's rows" "$rc" 0
[ "$rc" = 0 ] || echo "$out"
check "pair listed twice in a row" "$(pairs 900000006)" "M1=2"
check "its duplicate recorded" \
    "$(q "SELECT row_number || '>' || kept_row FROM import_duplicate d JOIN import i
          ON i.id = d.import_id WHERE i.as_of = '2020-10-11'")" "2>3"
check "staging tables gone with the transaction" \
    "$(q "SELECT count(*) FROM pg_class WHERE relname LIKE 'stage_%'")" 0

test_done last-row
