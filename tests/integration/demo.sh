#!/usr/bin/env bash
# scripts/demo's weekly part, as the README tells a newcomer to run it: the
# fixture's weeks dropped into the inbox and `bdtx run` each week leave the
# archive, every week's workbook and reports/index.html. Needs the PG*
# variables of a server.
set -uo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
db_use "bdtx_demo_$$" || exit 1
mkdir -p "$work/demo/config"
fixture_config "$work/demo/config/bdtx.yaml"
root=$here/../..

BDTX=$bdtx BDTX_CONFIG=$work/demo/config/bdtx.yaml "$root/scripts/demo" --weeks-only \
    >"$work/out" 2>"$work/err"
check "scripts/demo --weeks-only exits" "$?" 0
# What cron would mail: the fixture's few bad rows, each line with its
# level, naming the file in the archive.
check "lines of scripts/demo's standard error without a level" \
    "$(grep -cv '^bdtx: warning: ' "$work/err")" 0
check "lines of scripts/demo's standard error not about the archive" \
    "$(grep -cv "^bdtx: warning: $work/demo/config/var/archive/2020-2021/" "$work/err")" 0
# The fixture's configuration names var/ and reports/ beside it.
check_that "the download page" test -s "$work/demo/config/reports/index.html"
weeks=$(jq '.weeks | length' "$fixture/manifest.json")
check "workbooks written" "$(ls "$work/demo/config/reports/2020-2021/"*.xlsx | wc -l)" "$weeks"
for ((w = 0; w < weeks; w++)); do
    week=$(jq -r .week "$fixture/expected/week-0$((w + 1)).json")
    check_that "the page links the workbook of $week" \
        grep -q "bdtx-20-$week.xlsx" "$work/demo/config/reports/index.html"
done
check "files left in the inbox" "$(ls "$work/demo/config/var/inbox" | wc -l)" 0
check_that "the archive" test -n "$(ls "$work/demo/config/var/archive/2020-2021")"
check_that "the output says where to look" \
    grep -qF "$work/demo/config/reports/index.html    the download page" "$work/out"

test_done
