# What every shell test begins with, sourced after its `set` line:
#   . "$(dirname "$0")/../lib.sh"
# It works under `set -euo pipefail` and under `set -uo pipefail`. It gives:
#   $work      a temporary folder, removed at exit with all it holds
#   $here      the test's own folder
#   at_exit COMMAND              COMMAND (eval'd) at exit; the last given runs first
#   db_create NAME [ARG...]      createdb NAME [ARG...]; the database is dropped at exit
#   db_use NAME                  db_create NAME, and PGDATABASE=NAME
#   fixture_config FILE [SED...] $fixture/bdtx.yaml written to FILE with its
#                                units file found from anywhere and each sed
#                                expression applied; conf=(--config FILE)
#   fixture_drop W               week W's files of the fixture into $work/inbox,
#                                as an officer would: the CSV exports of weeks 3
#                                and 7 (dated neither in their title rows nor in
#                                their names) with a NAME.as-of file beside them
#   expect CODE TEXT COMMAND...       COMMAND exits CODE and its standard
#                                     error contains TEXT (none: not looked at);
#                                     its output stays in $work/out and $work/err
#   expect_line CODE LINE COMMAND...  the same, LINE a whole line of it
#   check WHAT GOT WANT          GOT is WANT
#   check_that WHAT COMMAND...   COMMAND succeeds
#   failure MESSAGE              a check that failed, said as FAIL: MESSAGE
#   test_done [NAME]             "NAME: P passed, F failed", and exits 0 or 1
# The databases need the PG* variables of a server (pg_virtualenv sets them).

here=$(cd "$(dirname "$0")" && pwd)
test_name=$(basename "$0" .sh)
work=$(mktemp -d) || exit 1
passed=0
fail=0
lib_at_exit=()
lib_dbs=" "

lib_cleanup() {
    local i
    for ((i = ${#lib_at_exit[@]} - 1; i >= 0; i--)); do
        eval "${lib_at_exit[$i]}" || true
    done
    rm -rf "$work"
}
trap lib_cleanup EXIT

at_exit() {
    lib_at_exit+=("$1")
}

db_create() {
    local name=$1
    shift
    createdb "$@" "$name" || return 1
    case $lib_dbs in
        *" $name "*) ;;
        *)
            lib_dbs+="$name "
            at_exit "dropdb --force --if-exists $(printf '%q' "$name") >/dev/null 2>&1"
            ;;
    esac
}

db_use() {
    db_create "$1" || return 1
    export PGDATABASE=$1
}

fixture_config() {
    local file=$1 expr args=()
    shift
    for expr in "s#units: units.csv#units: $fixture/units.csv#" "$@"; do
        args+=(-e "$expr")
    done
    sed "${args[@]}" "$fixture/bdtx.yaml" >"$file" || return 1
    conf=(--config "$file")
}

failure() {
    echo "FAIL: $*"
    fail=$((fail + 1))
}

check() {
    if [ "$2" = "$3" ]; then
        passed=$((passed + 1))
    else
        failure "$1: got '$2', expected '$3'"
    fi
}

check_that() {
    local what=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
    else
        failure "$what"
    fi
}

lib_expect() {
    local how=$1 want=$2 text=$3 rc=0 seen=yes
    shift 3
    "$@" >"$work/out" 2>"$work/err" || rc=$?
    if [ -n "$text" ]; then
        case $how in
            contains) grep -qF -- "$text" "$work/err" || seen=no ;;
            line) grep -qxF -- "$text" "$work/err" || seen=no ;;
        esac
    fi
    if [ "$rc" = "$want" ] && [ "$seen" = yes ]; then
        passed=$((passed + 1))
        return 0
    fi
    failure "$*"
    echo "  exit $rc (expected $want); stderr:"
    sed 's/^/    /' "$work/err"
    case $how in
        contains) echo "  expected to contain: $text" ;;
        line) echo "  expected the line: $text" ;;
    esac
    return 0
}

expect() {
    lib_expect contains "$@"
}

expect_line() {
    lib_expect line "$@"
}

test_done() {
    echo "${1:-$test_name}: $passed passed, $fail failed"
    [ "$fail" -eq 0 ] && exit 0
    exit 1
}

fixture_drop() {
    local w=$1 nfiles f file as_of
    nfiles=$(jq ".weeks[$w].files | length" "$fixture/manifest.json")
    for ((f = 0; f < nfiles; f++)); do
        file=$(jq -r ".weeks[$w].files[$f].file" "$fixture/manifest.json")
        as_of=$(jq -r ".weeks[$w].files[$f].as_of" "$fixture/manifest.json")
        cp "$fixture/$file" "$work/inbox/" || return 1
        case "$file" in
            *tuan0*) echo "$as_of" >"$work/inbox/$(basename "$file").as-of" ;;
        esac
    done
}
