#!/usr/bin/env bash
# `meson install` into a staging folder installs the binary, both man pages,
# the systemd units and the examples; the pages render without warnings,
# the units pass systemd-analyze verify, the installed binary runs.
# Usage: install.sh BUILD_DIR PREFIX
set -euo pipefail

build=$1
prefix=$2
. "$(dirname "$0")/lib.sh"
stage=$work

meson install -C "$build" --destdir "$stage" --no-rebuild --quiet >/dev/null
root=$stage$prefix
for f in bin/bdtx share/man/man1/bdtx.1 share/man/man5/bdtx.yaml.5 \
         lib/systemd/system/bdtx.service lib/systemd/system/bdtx.timer \
         share/doc/bdtx/examples/bdtx.yaml share/doc/bdtx/examples/bdtx.cron \
         share/doc/bdtx/examples/nginx-bdtx.conf share/doc/bdtx/examples/db-users \
         share/doc/bdtx/examples/unit-logins; do
    [ -s "$root/$f" ] || failure "not installed: $prefix/$f"
done
[ -x "$root/bin/bdtx" ] && [ -x "$root/share/doc/bdtx/examples/db-users" ] || failure "not executable"
"$root/bin/bdtx" --version | grep -q '^bdtx [0-9]' || failure "the installed binary does not run"

for page in man1/bdtx.1 man5/bdtx.yaml.5; do
    warnings=$(MANWIDTH=80 man --warnings -l "$root/share/man/$page" 2>&1 >/dev/null || true)
    [ -z "$warnings" ] || failure "$page: $warnings"
done
MANWIDTH=80 man -l "$root/share/man/man1/bdtx.1" | grep -q "bdtx run does, in this order" \
    || failure "bdtx(1) does not describe run"
grep -q "^ExecStart=$prefix/bin/bdtx --quiet run$" "$root/lib/systemd/system/bdtx.service" \
    || failure "bdtx.service does not start the installed binary"
grep -qE "^0 6 \* \* 1 +bdtx +cd /var/lib/bdtx && $prefix/bin/bdtx " "$root/share/doc/bdtx/examples/bdtx.cron" \
    || failure "bdtx.cron has no Monday 06:00 line for the installed binary"

if command -v systemd-analyze >/dev/null; then
    # Verified where they point at the staged binary, as they would in place.
    mkdir "$stage/units"
    sed "s|$prefix/bin/bdtx|$root/bin/bdtx|" "$root/lib/systemd/system/bdtx.service" >"$stage/units/bdtx.service"
    cp "$root/lib/systemd/system/bdtx.timer" "$stage/units/"
    (cd "$stage/units" && systemd-analyze verify --man=no ./bdtx.service ./bdtx.timer) \
        || failure "systemd-analyze verify"
else
    echo "systemd-analyze is not installed: units not verified"
fi
echo "installed under $prefix: $(cd "$root" && find . -type f | sort | tr '\n' ' ')"
test_done install
