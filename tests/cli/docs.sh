#!/usr/bin/env bash
# The manuals keep up with the program: every command and option of the
# help is in bdtx(1); every configuration key the loader accepts is in
# bdtx.yaml(5), and those with a default say it. Needs no database.
set -uo pipefail

bdtx=$1
. "$(dirname "$0")/../lib.sh"
root=$here/../..
man1=$root/docs/bdtx.1.in
man5=$root/docs/bdtx.yaml.5.in
# troff's text as read: "\-" is "-", "\&" nothing, font changes gone.
plain() { sed -e 's/\\-/-/g' -e 's/\\&//g' -e 's/\\f[BIRP]//g' "$1"; }
plain "$man1" >"$work/man1"
plain "$man5" >"$work/man5"

# Commands.
"$bdtx" help | sed -n 's/^  \([a-z][a-z]*\( [a-z][a-z]*\)\?\)\( .*\)\?$/\1/p' >"$work/commands"
check_that "bdtx help lists commands" test -s "$work/commands"
while read -r cmd; do
    check_that "bdtx(1) describes the command '$cmd'" grep -q "^\.B[IR]* \"\?$cmd\b" "$work/man1"
    # Every option the command's help explains.
    # shellcheck disable=SC2086
    for opt in $("$bdtx" help $cmd | grep -o '^  --[a-z-]*' | sort -u); do
        check_that "bdtx(1) describes $opt of $cmd" grep -q -- "$opt" "$work/man1"
    done
done <"$work/commands"
for opt in $("$bdtx" --help | grep -o -- '--[a-z-]*' | sort -u); do
    check_that "bdtx(1) describes the option $opt" grep -q -- "^\.B.* $opt\b" "$work/man1"
done

# Configuration keys: every name of the loader's key tables.
grep -o '{ "[a-z_]*", \(true\|false\) }' "$root/src/config.c" | cut -d'"' -f2 | sort -u >"$work/keys"
check_that "the loader's keys were found" test "$(wc -l <"$work/keys")" -gt 30
while read -r key; do
    check_that "bdtx.yaml(5) describes the key '$key'" \
        grep -q "^\.\(B[IR]*\|SS\) \(.*[ .]\)\?$key\b" "$work/man5"
done <"$work/keys"
# The keys with a default say it in their paragraph.
for key in paths.inbox paths.archive paths.rejected paths.reports report.language \
    report.file_name report.include_people report.highlight database.conninfo \
    $(grep -o '"max_[a-z_]*"\|"min_unit_learners"' "$root/src/config.c" | tr -d '"' | sort -u | sed 's/^/limits./'); do
    para=$(awk -v k=".B $key" '$0 == k {on = 1; next} on && /^\.(TP|SS|SH)/ {exit} on' "$work/man5")
    check_that "bdtx.yaml(5) gives the default of $key" grep -qi 'default' <<<"$para"
done

test_done
