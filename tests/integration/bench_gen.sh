#!/usr/bin/env bash
# A tiny national run of the benchmark's generator (bench/gen.c), so that
# bench/run's inputs stay importable: every generated row goes in, the next
# week's snapshot writes exactly the pairs the generator changed (the
# history grows by the change, not by the snapshot), an identical file is
# skipped, the XLSX holds the same pairs as the CSV, and the report counts
# every pair. Needs the PG* variables of a server (pg_virtualenv sets them).
set -euo pipefail

bdtx=$1
gen=$2
. "$(dirname "$0")/../lib.sh"
db=bdtx_gen_$$

"$gen" national --scale 0.0002 --xlsx-rows 501 "$work/nat" >"$work/gen.txt"
"$gen" province --scale 0.01 --week 3 "$work/prov" >"$work/prov.txt"
value() { awk -v k="$2" '$1 == k {print $2}' "$1"; }
rows=$(value "$work/gen.txt" week1_rows)
changed=$(value "$work/gen.txt" week2_changed)
check "national rows (260 learners x 3 modules)" "$rows" 780
check "province rows (400 learners x 3 modules)" "$(value "$work/prov.txt" rows)" 1200
[ "$changed" -gt 0 ] || failure "the next week changed no pair"

conf=(--config "$work/nat/bdtx.yaml" --quiet)
db_use "$db"
"$bdtx" "${conf[@]}" db migrate
"$bdtx" "${conf[@]}" config check >/dev/null
"$bdtx" "${conf[@]}" import --as-of 2020-10-04 "$work/nat/lms-week1.csv"
pairs() { psql -XAtc "SELECT count(*) FROM progress_version"; }
check "pairs after the first week" "$(pairs)" "$rows"
"$bdtx" "${conf[@]}" import --as-of 2020-10-11 "$work/nat/lms-week2.csv"
check "versions written by the next week" "$(($(pairs) - rows))" "$changed"
"$bdtx" "${conf[@]}" import --as-of 2020-10-11 "$work/nat/lms-week2.csv"
check "imports after an identical file" "$(psql -XAtc "SELECT count(*) FROM import")" 2
"$bdtx" "${conf[@]}" report --as-of 2020-10-11 --format json --out "$work/r.json"
check "pairs in the report" "$(jq .province_total.assigned "$work/r.json")" "$rows"
completed=$(grep -c ',Hoàn thành,' "$work/nat/lms-week2.csv")
check "passed pairs in the report" "$(jq .province_total.passed "$work/r.json")" "$completed"

# The XLSX (its first 501 rows: 167 learners) holds the same pairs as the CSV.
db_create "${db}_x"
PGDATABASE=${db}_x "$bdtx" "${conf[@]}" db migrate
PGDATABASE=${db}_x "$bdtx" "${conf[@]}" import --as-of 2020-10-04 "$work/nat/lms-week1.xlsx"
x=$(PGDATABASE=${db}_x psql -XAtc "SELECT string_agg(l.account || p.module || p.state, ' '
    ORDER BY l.account, p.module) FROM progress_version p JOIN learner l ON l.id = p.learner_id")
c=$(psql -XAtc "SELECT string_agg(l.account || p.module || p.state, ' '
    ORDER BY l.account, p.module) FROM progress_version p JOIN learner l ON l.id = p.learner_id
    WHERE p.as_of = '2020-10-04' AND l.account::bigint - 100000000 < 167")
check "pairs read from the XLSX" "$(wc -w <<<"$x")" 501
check "XLSX pairs equal to the CSV's" "$x" "$c"

test_done bench-generator
