#!/usr/bin/env bash
# Help for every command, the version, and the closest known word for a
# mistyped command or option. Needs no database.
set -uo pipefail

bdtx=$1
. "$(dirname "$0")/../lib.sh"

# Every command of bdtx help answers COMMAND --help, -h and help COMMAND
# with the same text, on standard output, exit 0.
commands=$("$bdtx" help | sed -n 's/^  \([a-z][a-z]*\( [a-z][a-z]*\)\?\)\( .*\)\?$/\1/p' \
    | grep -v '^help$' || true)
check "commands listed by bdtx help" "$(echo $commands)" \
    "config check db migrate db status units import import report rebuild run"
while read -r cmd; do
    [ -n "$cmd" ] || continue
    # shellcheck disable=SC2086
    "$bdtx" $cmd --help >"$work/long" 2>"$work/err"
    check "bdtx $cmd --help exits" "$?" 0
    check "bdtx $cmd --help, its first line" "$(head -n 1 "$work/long" | cut -c1-$((12 + ${#cmd})))" \
        "usage: bdtx $cmd"
    check "bdtx $cmd --help, standard error" "$(cat "$work/err")" ""
    # shellcheck disable=SC2086
    "$bdtx" $cmd -h >"$work/short" 2>&1
    check_that "bdtx $cmd -h is bdtx $cmd --help" cmp -s "$work/long" "$work/short"
    # shellcheck disable=SC2086
    "$bdtx" help $cmd >"$work/help" 2>&1
    check_that "bdtx help $cmd is bdtx $cmd --help" cmp -s "$work/long" "$work/help"
    # --help anywhere among the command's arguments, before --.
    # shellcheck disable=SC2086
    "$bdtx" $cmd some-file --help >"$work/later" 2>&1
    check_that "bdtx $cmd FILE --help is bdtx $cmd --help" cmp -s "$work/long" "$work/later"
done <<<"$commands"

# Every option of a command's usage line is explained in its help.
for cmd in import report rebuild "units import"; do
    # shellcheck disable=SC2086
    "$bdtx" $cmd --help >"$work/h"
    for opt in $(sed -n '1,/^$/p' "$work/h" | grep -o -- '--[a-z-]*' | sort -u); do
        check_that "bdtx $cmd --help explains $opt" grep -q "^  $opt " "$work/h"
    done
done

"$bdtx" --help >"$work/top"
check "bdtx --help exits" "$?" 0
"$bdtx" help >"$work/help"
check_that "bdtx help is bdtx --help" cmp -s "$work/top" "$work/help"
for opt in --config --quiet --verbose --help --version; do
    check_that "bdtx --help explains $opt" grep -q -- "$opt" "$work/top"
done
version=$(sed -n "s/^ *version : '\(.*\)',/\1/p" "$here/../../meson.build")
check "bdtx --version" "$("$bdtx" --version)" "bdtx $version"
check "bdtx -V" "$("$bdtx" -V)" "bdtx $version"

# Mistyped words name the closest known one; nothing is run.
expect_line 64 "HINT: did you mean 'import'?" "$bdtx" improt x.csv
expect_line 64 "bdtx: unknown command 'improt'" "$bdtx" improt x.csv
expect_line 64 "HINT: did you mean 'report'?" "$bdtx" reprot
expect_line 64 "HINT: did you mean 'db status'?" "$bdtx" db statsu
expect_line 64 "bdtx: 'db' needs a subcommand: 'db migrate', 'db status'" "$bdtx" db
expect_line 64 "HINT: bdtx help lists the commands" "$bdtx" frobnicate
expect_line 64 "HINT: did you mean 'run'?" "$bdtx" help rnu
expect_line 64 "bdtx: unknown option --froce" "$bdtx" import --froce x.csv
expect_line 64 "HINT: did you mean --force?" "$bdtx" import --froce x.csv
expect_line 64 "HINT: did you mean --as-of?" "$bdtx" import --as_of=2020-10-04 x.csv
expect_line 64 "HINT: did you mean --year?" "$bdtx" units import --yeer 2020-2021 u.csv
expect_line 64 "bdtx: --year needs a value" "$bdtx" units import u.csv --year
expect_line 64 "HINT: did you mean --week?" "$bdtx" report --weak 2020-W40
expect_line 64 "HINT: did you mean --config?" "$bdtx" --confg x.yaml run
expect_line 64 "bdtx: --config needs a value" "$bdtx" --config
expect_line 64 "bdtx: unknown option -x" "$bdtx" -x run

# Messages begin with "bdtx:", never with the binary's path.
for args in "--bogus" "-x" "--config" "frobnicate" "import --bogus"; do
    # shellcheck disable=SC2086
    "$bdtx" $args >/dev/null 2>"$work/err"
    if grep -qF -- "$bdtx" "$work/err"; then
        failure "bdtx $args printed the binary's path: $(cat "$work/err")"
    else
        passed=$((passed + 1))
    fi
    check "bdtx $args: its first message" "$(head -c 6 "$work/err")" "bdtx: "
done

test_done
