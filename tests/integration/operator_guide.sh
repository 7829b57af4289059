#!/usr/bin/env bash
# docs/operator.md followed on a scratch machine: its configuration, with
# the fixture's registry, is valid; its bdtx commands, run in its order with
# the fixture's weeks dropped into the inbox as it says, succeed and leave
# the download page; every message its table explains is one bdtx prints.
# The steps that need root (apt, meson install, adduser, systemctl, the
# database's roles) are left to tests/install.sh and cli/privileges.sh.
# Needs the PG* variables of a server.
set -uo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
guide=$here/../../docs/operator.md
db_use "bdtx_guide_$$" || exit 1

# block LANG: the guide's fenced blocks of LANG, one after the other.
block() { awk -v lang="$1" '/^```/ { if (on) { on = 0; next } if ($0 == "```" lang) { on = 1; next } } on' "$guide"; }

# The configuration of section 3, its folders moved under $work, the
# database the test's own (PG* variables), the registry beside it.
mkdir -p "$work/etc" "$work/lib"
block yaml | sed -e "s|/var/lib/bdtx|$work/lib|g" -e 's|conninfo: "[^"]*"|conninfo: ""|' \
    >"$work/etc/bdtx.yaml"
check_that "the guide has a configuration" grep -q '^school_years:' "$work/etc/bdtx.yaml"
cp "$fixture/units.csv" "$work/etc/units-2020.csv"
export BDTX_CONFIG=$work/etc/bdtx.yaml

# Its commands, in its order: bdtx as the guide writes it (its own --config
# and variables dropped: the test's stand for them), and the mkdir.
block sh | grep -E '^(PG[A-Z]+=[^ ]+ )*bdtx |^mkdir ' >"$work/steps"
check "the guide's bdtx commands" "$(grep -c bdtx "$work/steps")" 6
weeks=$(jq '.weeks | length' "$fixture/manifest.json")
drop() {   # drop W: week W's exports into the inbox, dated as the guide says
    local w=$1 nfiles f file name
    nfiles=$(jq ".weeks[$w].files | length" "$fixture/manifest.json")
    for ((f = 0; f < nfiles; f++)); do
        file=$(jq -r ".weeks[$w].files[$f].file" "$fixture/manifest.json")
        name=$(basename "$file")
        cp "$fixture/$file" "$work/lib/var/inbox/.$name"
        case "$name" in
            *tuan0*) jq -r ".weeks[$w].files[$f].as_of" "$fixture/manifest.json" \
                         >"$work/lib/var/inbox/$name.as-of" ;;
        esac
        mv "$work/lib/var/inbox/.$name" "$work/lib/var/inbox/$name"
    done
}
while read -r step; do
    step=$(sed -E -e 's/^(PG[A-Z]+=[^ ]+ )+//' -e 's/--config [^ ]+ //' \
               -e "s|/var/lib/bdtx|$work/lib|g" <<<"$step")
    read -ra words <<<"$step"
    if [ "${words[0]}" = mkdir ]; then
        "${words[@]}"
        continue
    fi
    if [ "$step" = "bdtx --quiet run" ]; then
        # The weekly cycle: each week's exports, then the run; quiet when
        # all went well (the fixture has 3 bad rows in week 4: exit 1).
        for ((w = 0; w < weeks; w++)); do
            drop "$w"
            "$bdtx" "${words[@]:1}" >"$work/out" 2>"$work/err"
            rc=$?
            case $rc in
                0) check "week $((w + 1)): what cron mails" "$(cat "$work/out" "$work/err")" "" ;;
                1) check_that "week $((w + 1)): every line with its level" \
                       test "$(grep -cv '^bdtx: warning: ' "$work/err")" = 0 ;;
                *) failure "week $((w + 1)): bdtx --quiet run exited $rc: $(cat "$work/err")" ;;
            esac
        done
        continue
    fi
    "$bdtx" "${words[@]:1}" >"$work/out" 2>"$work/err"
    check "$step" "$?" 0
done <"$work/steps"
check_that "the download page" test -s "$work/lib/reports/index.html"
check_that "the week's workbook" test -s "$work/lib/reports/2020-2021/bdtx-20-2020-W47.xlsx"
check "files left in the inbox" "$(ls "$work/lib/var/inbox" | wc -l)" 0

# Every message of the table is one bdtx prints: each literal part of it
# (between the placeholders in capitals) is a text of the program.
strings "$bdtx" >"$work/texts"
grep '^| `' "$guide" | cut -d'`' -f2 >"$work/messages"
check "messages explained" "$(wc -l <"$work/messages")" 10
while read -r message; do
    sed -E -e 's/^bdtx: (warning|error): //' -e 's/\b(FILE|N|M|REASON)\b/\n/g' <<<"$message" |
        sed -e 's/^[ :,]*//' -e 's/[ :,]*$//' | while read -r part; do
        [ ${#part} -ge 6 ] || continue
        grep -qF -- "$part" "$work/texts" && echo ok || echo "missing: $part"
    done >"$work/parts"
    if grep -q '^missing' "$work/parts"; then
        failure "the guide explains '$message', which bdtx does not print ($(grep '^missing' "$work/parts" | head -n 1))"
    else
        passed=$((passed + 1))
    fi
done <"$work/messages"
# The options it names are bdtx's.
check_that "bdtx import --force, as the guide says" grep -q -- '--force' <("$bdtx" help import)

test_done
