#!/usr/bin/env bash
# Re-creates the tar fixtures of TarStoreTests with GNU tar (the real peer): the same small tree in GNU,
# pax and ustar formats. Names over 100 bytes take a GNU `L` member, a pax `path` record, or the ustar
# prefix; the tree also holds an empty directory and a symbolic link (which the store skips).
set -euo pipefail
cd "$(dirname "$0")"
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
long=docs/a-directory-with-a-rather-long-name-for-testing/another-level-of-directories-to-pass-one-hundred
mkdir -p "$tree/site/$long" "$tree/site/empty"
printf '<!doctype html><title>tar</title><p>served from a tar archive\n' >"$tree/site/index.html"
python3 -c "import sys; sys.stdout.write(''.join('line %d of the guide\n' % i for i in range(700)))" >"$tree/site/docs/guide.md"
printf 'deep file\n' >"$tree/site/$long/deep.txt"
ln -s index.html "$tree/site/link.html"
for format in gnu pax ustar; do
    tar --format=$format --owner=0 --group=0 --mtime=2026-01-01 --sort=name -C "$tree/site" -cf "$format.tar" .
done
