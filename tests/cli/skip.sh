#!/usr/bin/env bash
# How an identical file is recognised. The same file, untouched since its
# import, is skipped on its stored identity (device, inode, size, mtime,
# ctime) without being read; a file edited in place with its size and mtime
# given back is imported (its ctime moved); a file changed too recently is
# stored without an identity; a byte-identical copy elsewhere is recognised
# by its SHA-256.
# Needs the PG* variables of a server (pg_virtualenv sets them).
set -uo pipefail

bdtx=$1
fixture=$2
. "$(dirname "$0")/../lib.sh"
db_use "bdtx_skip_$$" || exit 1
conf=(--config "$fixture/bdtx.yaml")
fast="the same file, unchanged since"

# run NAME FILE: imports FILE, keeping its standard error in $work/NAME.
run() {
    "$bdtx" "${conf[@]}" import "$2" >/dev/null 2>"$work/$1" \
        || { failure "import of $2 ($1) exited non-zero:"; cat "$work/$1"; }
}
said() { grep -qF -- "$2" "$work/$1" && echo yes || echo no; }
imports() { psql -Atc "SELECT count(*) FROM import"; }

"$bdtx" "${conf[@]}" -q db migrate || exit 1
src="$fixture/week-01/lms-hoc-vien-20201004.csv"
# The as-of date is in the file name.
mkdir "$work/a" "$work/elsewhere"
a="$work/a/${src##*/}"
cp "$src" "$a"
# The identity of a file is trusted only two seconds after its last change.
sleep 2.2

run first "$a"
check "imports after the first" "$(imports)" 1
check "identity stored" "$(psql -Atc "SELECT file_inode = $(stat -c %i "$a") AND file_size = $(stat -c %s "$a") FROM import")" t

run again "$a"
check "same file: skipped on its identity" "$(said again "$fast")" yes
check "imports after the same file" "$(imports)" 1

# Edited in place (same inode), same size, mtime given back: its ctime
# moved, so it is hashed, and imported.
touch -r "$a" "$work/ref"
size=$(stat -c %s "$a") inode=$(stat -c %i "$a")
off=$(grep -bo ',59,,Đang học' "$a" | head -1 | cut -d: -f1)
printf '8' | dd of="$a" bs=1 seek=$((off + 2)) conv=notrunc status=none
touch -r "$work/ref" "$a"
check "edited: same size" "$(stat -c %s "$a")" "$size"
check "edited: same inode" "$(stat -c %i "$a")" "$inode"
check "edited: same mtime" "$(stat -c %.9Y "$a")" "$(stat -c %.9Y "$work/ref")"
check "edited: different content" "$(cmp -s "$src" "$a" && echo same || echo different)" different
run edited "$a"
check "edited: not skipped" "$(said edited "already imported")" no
check "imports after the edited file" "$(imports)" 2
# Changed less than two seconds before its import: no identity stored, so
# it is recognised by its content afterwards.
check "edited: no identity stored" "$(psql -Atc "SELECT file_inode IS NULL FROM import ORDER BY id DESC LIMIT 1")" t
run edited2 "$a"
check "edited again: already imported" "$(said edited2 "already imported")" yes
check "edited again: by its content" "$(said edited2 "$fast")" no

# A byte-identical copy elsewhere is recognised by its content.
cp "$src" "$work/elsewhere/"
run copy "$work/elsewhere/${src##*/}"
check "copy: already imported" "$(said copy "already imported")" yes
check "copy: by its content, not its identity" "$(said copy "$fast")" no
check "imports after the copy" "$(imports)" 2

test_done
