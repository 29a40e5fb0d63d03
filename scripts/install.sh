#!/bin/sh
# The first command on a fresh machine: install berth, make a busybox image
# from Debian's static busybox, and run a first container.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
if ! berth image inspect busybox:latest >/dev/null 2>&1; then
  node dist/test/fixtures/make-busybox.js /tmp/berth-busybox.tar
  berth import /tmp/berth-busybox.tar busybox:latest >/dev/null
  rm -f /tmp/berth-busybox.tar
fi
berth run --rm busybox echo "hello from a berth container"
