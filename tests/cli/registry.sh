#!/usr/bin/env bash
# A unit registry is checked row by row wherever it is read (config check,
# units import): a kind that is not one of SPEC section 5's, a code given
# twice, a parent that is not in the registry, a direct unit or a ranked
# unit below another unit, a school below something other than a
# ranked-level unit. Each gives its exact message, placed at the file, row
# and column of the problem, and exit 78 (a configuration error).
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -uo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
db_use "bdtx_registry_$$" || exit 1
units=$work/units.csv
fixture_config "$work/bdtx.yaml" "s#units: .*#units: $units#" \
    "s|^paths:.*|paths: { inbox: $work/inbox, archive: $work/archive, rejected: $work/rejected, reports: $work/reports }|"
mkdir "$work/inbox"
# The fixture's registry has CRLF line ends; the edits below work on LF.
base=$work/base.csv
tr -d '\r' <"$fixture/units.csv" >"$base"
cp "$base" "$units"
"$bdtx" "${conf[@]}" -q db migrate || exit 1

# broken SED: the fixture's registry with one row edited.
broken() { sed "$1" "$base" >"$units"; }

# fails LINE [HINT]: config check and units import both refuse the registry
# with LINE as their first line of standard error, and exit 78.
fails() {
    expect_line 78 "bdtx: $1" "$bdtx" "${conf[@]}" config check
    [ -z "${2:-}" ] || grep -qxF -- "HINT: $2" "$work/err" || failure "config check: no hint '$2': $(cat "$work/err")"
    expect_line 78 "bdtx: $1" "$bdtx" "${conf[@]}" units import "$units"
}

# Row 4 of the fixture's registry is 20180, a district office.
check "row 4" "$(sed -n 4p "$base")" "20180,Phòng GDĐT Tràng Định,phong,20"

broken '4s/,phong,/,thpt,/'
fails "$units:4:3: unit 20180: kind 'thpt' is not one of nation, province, phong, xa, direct, school" \
    "write one of these in the kind column (a school under a district office or commune is 'school'; one directly under the Sở is 'direct')"
broken '4s/,phong,/,Trường,/'
fails "$units:4:3: unit 20180: kind 'Trường' is not one of nation, province, phong, xa, direct, school"
broken '4s/,phong,/,,/'
fails "$units:4:3: unit 20180 has no kind"
broken '5s/^[0-9]*,/20180,/'
fails "$units:5:1: unit code 20180 appears twice in the registry (row 4 already has it)" \
    "a code names one unit: correct one of the two codes, or remove the repeated row"
broken '4s/,phong,20$/,phong,99999/'
fails "$units:4:4: unit 20180 names parent 99999, which is not in the registry" \
    "add unit 99999 to the registry, or give the code of a unit that is in it"
direct=$(grep -n -m1 ',direct,' "$base" | cut -d: -f1)
dcode=$(sed -n "${direct}p" "$base" | cut -d, -f1)
broken "${direct}s/,direct,20\$/,direct,20178/"
fails "$units:$direct:4: direct unit $dcode must have the province (20) as its parent, not 20178"
school=$(grep -n -m1 ',school,20178$' "$base" | cut -d: -f1)
scode=$(sed -n "${school}p" "$base" | cut -d, -f1)
broken "${school}s/,school,20178\$/,school,$dcode/"
fails "$units:$school:4: school $scode must sit under a unit of the ranked level (kind phong or xa), not under $dcode (kind direct)"
broken "${school}s/,school,20178\$/,school,20/"
fails "$units:$school:4: school $scode must sit under a unit of the ranked level (kind phong or xa), not under 20 (kind province)"
broken '4s/,phong,20$/,phong,/'
fails "$units:4:4: unit 20180 (kind phong) has no parent_code"

# Kinds are read without regard to ASCII case and blanks around them.
broken '4s/,phong,/, Phong ,/'
expect 0 "" "$bdtx" "${conf[@]}" config check
expect 0 "" "$bdtx" "${conf[@]}" units import "$units"
check "kind stored" "$(psql -Atc "SELECT kind FROM unit WHERE code = '20180'")" phong

# A registry stored before these checks, with a kind that is none of them,
# is replaced whole by units import, with a warning.
psql -Atqc "UPDATE unit SET kind = 'thpt' WHERE code = '20180'"
cp "$base" "$units"
expect 0 "bdtx: warning: the unit registry of school year 2020-2021 in the database does not pass the checks (unit 20180: kind 'thpt' is not one of nation, province, phong, xa, direct, school); it is replaced whole" \
    "$bdtx" "${conf[@]}" units import "$units"
check "kind stored after the replacement" "$(psql -Atc "SELECT kind FROM unit WHERE code = '20180'")" phong

test_done
