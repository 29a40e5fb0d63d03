#!/bin/sh
# Installs everything berth needs on a Debian/Ubuntu machine, as root:
# system packages, Docker's default seccomp profile, npm dependencies, the build.
# Idempotent: run it again at any time.
set -eu
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "setup.sh must run as root (it installs system packages)" >&2
  exit 1
fi

PKGS="runc crun conmon tini busybox-static iptables nftables iproute2 procps util-linux bzip2 xz-utils zstd docker-registry apache2-utils skopeo netavark aardvark-dns openssh-server openssl docker-compose containernetworking-plugins catatonit containerd binutils qemu-user-static binfmt-support git"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # packages with services (openssh-server: the ssh tests start their own sshd;
  # containerd: the critest reference run starts its own on a private root)
  # must not start system-wide ones: a policy-rc.d answering 101 blocks them
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy=1
  fi
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  [ -z "$policy" ] || rm -f /usr/sbin/policy-rc.d
fi

sh scripts/fetch-seccomp-profile.sh >/dev/null

# foreign platforms (build --platform, run --platform linux/arm64): qemu-user
# handlers registered with binfmt_misc (flag F: they work inside containers)
# where the kernel allows it, and Debian's static busybox for arm64 as the
# test images' arm64 variant (tools/arm64/busybox; not committed)
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || echo "setup: binfmt_misc cannot be mounted; foreign-platform tests will be skipped" >&2
fi
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
if [ ! -x tools/arm64/busybox ]; then
  dpkg --print-foreign-architectures | grep -qx arm64 || { dpkg --add-architecture arm64 && apt-get update -qq; }
  tmp="$(mktemp -d)"
  if (cd "$tmp" && apt-get download -qq busybox-static:arm64 >/dev/null 2>&1) && dpkg-deb -x "$tmp"/busybox-static_*_arm64.deb "$tmp/x"; then
    mkdir -p tools/arm64 && cp "$tmp/x/bin/busybox" tools/arm64/busybox
  else
    echo "setup: busybox-static:arm64 not downloaded; arm64 tests will be skipped" >&2
  fi
  rm -rf "$tmp"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run build --silent

# the reference clients the side-by-side tests use (the real Compose), built
# from their Go modules into tools/; when that fails those tests say so and skip
sh scripts/setup-tools.sh || echo "setup: reference tools not built; the tests that need them will be skipped" >&2

# the berth and berthd commands on PATH
ln -sf "$(pwd)/bin/berth" /usr/local/bin/berth
ln -sf "$(pwd)/bin/berthd" /usr/local/bin/berthd
# `docker compose` runs berth compose (unless another compose plugin is installed there)
plugin=/usr/local/lib/docker/cli-plugins/docker-compose
mkdir -p "$(dirname "$plugin")"
if [ ! -e "$plugin" ] || { [ -L "$plugin" ] && readlink "$plugin" | grep -q '/bin/docker-compose$'; }; then
  ln -sf "$(pwd)/bin/docker-compose" "$plugin"
fi
