#!/bin/sh
# Installs Docker's default seccomp profile (Docker 20.10, as shipped in Debian's
# golang-github-docker-docker-dev) to /usr/share/berth/seccomp/default.json.
# The package is only downloaded and unpacked into a temp dir; it is never
# installed, so none of its Go -dev dependencies are pulled in. Idempotent.
# Run as root. Override the destination with BERTH_SECCOMP_DEST.
set -eu

PKG=golang-github-docker-docker-dev
SRC=usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json
DEST=${BERTH_SECCOMP_DEST:-/usr/share/berth/seccomp/default.json}

if [ -s "$DEST" ] && [ "${1:-}" != "--force" ]; then
  echo "seccomp profile already present: $DEST (use --force to refetch)"
  exit 0
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
cd "$TMP"
# apt-get download drops privileges to _apt; let it write here.
chmod 0777 "$TMP"

if ! apt-get download "$PKG" >/dev/null 2>"$TMP/apt.err"; then
  # stale package lists: refresh once and retry
  apt-get update >/dev/null 2>&1 || true
  apt-get download "$PKG" >/dev/null || { cat "$TMP/apt.err" >&2; exit 1; }
fi

DEB=$(ls "$TMP"/"$PKG"_*.deb | head -n 1)
mkdir "$TMP/x"
dpkg -x "$DEB" "$TMP/x"
if [ ! -s "$TMP/x/$SRC" ]; then
  echo "error: $SRC not found in $DEB" >&2
  exit 1
fi
# sanity check: must be a JSON profile with a defaultAction
grep -q '"defaultAction"' "$TMP/x/$SRC" || { echo "error: $SRC is not a seccomp profile" >&2; exit 1; }

install -d -m 0755 "$(dirname "$DEST")"
install -m 0644 "$TMP/x/$SRC" "$DEST.tmp.$$"
mv -f "$DEST.tmp.$$" "$DEST"
echo "installed $DEST ($(wc -c <"$DEST") bytes) from $(basename "$DEB")"
