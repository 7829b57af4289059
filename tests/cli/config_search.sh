#!/usr/bin/env bash
# Which configuration is read (SPEC section 4: --config, then $BDTX_CONFIG,
# then config/bdtx.yaml, then the installed one), what a missing one says,
# and relative paths taken relative to the configuration's own folder
# whatever the working folder. Needs no database (config check).
set -uo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
unset BDTX_CONFIG

# Three valid configurations, told apart by the path config check prints.
mkdir -p "$work/a" "$work/b" "$work/cwd/config" "$work/elsewhere"
for f in "$work/a/bdtx.yaml" "$work/b/bdtx.yaml" "$work/cwd/config/bdtx.yaml"; do
    fixture_config "$f" || exit 1
done
# valid_from WHAT WANT COMMAND...: COMMAND reads the configuration WANT.
valid_from() {
    local what=$1 want=$2 out
    shift 2
    out=$("$@" 2>&1 | tail -n 1)
    check "$what" "$out" "$want: configuration is valid"
}

cd "$work/cwd" || exit 1
valid_from "--config first" "$work/a/bdtx.yaml" \
    env BDTX_CONFIG="$work/b/bdtx.yaml" "$bdtx" --config "$work/a/bdtx.yaml" config check
valid_from "then \$BDTX_CONFIG" "$work/b/bdtx.yaml" \
    env BDTX_CONFIG="$work/b/bdtx.yaml" "$bdtx" config check
valid_from "an empty \$BDTX_CONFIG is not set" "config/bdtx.yaml" \
    env BDTX_CONFIG= "$bdtx" config check
valid_from "then config/bdtx.yaml" "config/bdtx.yaml" "$bdtx" config check

# None: where it looked, and how to name one.
cd "$work/elsewhere" || exit 1
sysconf=$("$bdtx" --help | sed -n 's/^ *config\/bdtx.yaml, then \(.*\)$/\1/p')
check_that "the installed configuration's path is in bdtx --help" test -n "$sysconf"
if [ -e "$sysconf" ]; then
    echo "SKIP: $sysconf exists on this machine: the missing case is not checked"
else
    expect_line 78 "bdtx: no configuration found" "$bdtx" config check
    expect_line 78 "DETAIL: --config was not given, \$BDTX_CONFIG is not set, and there is neither $work/elsewhere/config/bdtx.yaml nor $sysconf" \
        "$bdtx" config check
    expect 78 "HINT: name one with --config FILE or BDTX_CONFIG=FILE" "$bdtx" config check
    # No command that needs the configuration gets past it.
    expect_line 78 "bdtx: no configuration found" "$bdtx" run
fi
expect_line 78 "DETAIL: the configuration named by \$BDTX_CONFIG" \
    env BDTX_CONFIG="$work/none.yaml" "$bdtx" config check
expect 78 "bdtx: $work/none.yaml: cannot read configuration" \
    env BDTX_CONFIG="$work/none.yaml" "$bdtx" config check

# Relative paths, from whichever folder bdtx runs: the configuration's.
fixture_config "$work/a/rel.yaml" \
    "s|^paths:.*|paths: { inbox: ./in, archive: ../arch, rejected: rej//x/, reports: $work/b/../out }|"
for from in "$work/elsewhere" "$work/a" /; do
    (cd "$from" && "$bdtx" --config "$work/a/rel.yaml" config check) >"$work/paths" 2>&1
    check "inbox, run from $from" "$(sed -n 's/^inbox: //p' "$work/paths")" "$work/a/in"
    check "archive, run from $from" "$(sed -n 's/^archive: //p' "$work/paths")" "$work/arch"
    check "rejected, run from $from" "$(sed -n 's/^rejected: //p' "$work/paths")" "$work/a/rej/x"
    check "reports, run from $from" "$(sed -n 's/^reports: //p' "$work/paths")" "$work/out"
done
# The configuration named relatively: still its own folder, made absolute.
(cd "$work" && "$bdtx" --config a/rel.yaml config check) >"$work/paths" 2>&1
check "inbox of a configuration named relatively" "$(sed -n 's/^inbox: //p' "$work/paths")" \
    "$work/a/in"
# The defaults too.
fixture_config "$work/b/defaults.yaml" "/^paths:/d"
(cd / && "$bdtx" --config "$work/b/defaults.yaml" config check) >"$work/paths" 2>&1
check "default inbox" "$(sed -n 's/^inbox: //p' "$work/paths")" "$work/b/var/inbox"
check "default reports" "$(sed -n 's/^reports: //p' "$work/paths")" "$work/b/reports"

test_done
