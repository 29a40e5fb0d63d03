#!/bin/sh
# Reference clients for the side-by-side tests and the bench, built from their
# Go modules into ./tools (ignored by git, never committed): the real Compose
# (docker/compose v5), crictl, buildx. Idempotent; safe to run again. Needs Go and the module proxy.
# (`go install module@version` refuses Compose's go.mod, which has exclude
# directives, so it is built in its downloaded module directory instead.)
set -eu
cd "$(dirname "$0")/.."
mkdir -p tools/bin
if [ ! -x tools/bin/docker-compose ]; then
  echo "building the real Compose (github.com/docker/compose/v5 v5.6.0) into tools/bin"
  go mod download github.com/docker/compose/v5@v5.6.0
  out="$(pwd)/tools/bin/docker-compose"
  (cd "$(go env GOMODCACHE)/github.com/docker/compose/v5@v5.6.0" && go build -o "$out" ./cmd)
fi
# crictl (cri-tools), the Kubernetes CRI client, for the CRI tests (test/integration/cri.test.ts).
CRI_TOOLS_VERSION="${CRI_TOOLS_VERSION:-v1.34.0}"
if [ ! -x tools/bin/crictl ]; then
  echo "building crictl (sigs.k8s.io/cri-tools $CRI_TOOLS_VERSION) into tools/bin"
  GOBIN="$(pwd)/tools/bin" go install "sigs.k8s.io/cri-tools/cmd/crictl@$CRI_TOOLS_VERSION"
fi
# buildx, Docker's build client (a docker CLI plugin), for the comparison of
# berth's builder with Docker's BuildKit (test/conformance/buildx-compare.ts,
# not in npm test) and the build bench; the compare/bench link it into a
# private DOCKER_CONFIG/cli-plugins as docker-buildx.
BUILDX_VERSION="${BUILDX_VERSION:-v0.38.2}"
if [ ! -x tools/bin/buildx ]; then
  echo "building buildx (github.com/docker/buildx $BUILDX_VERSION) into tools/bin"
  GOBIN="$(pwd)/tools/bin" go install -ldflags "-X github.com/docker/buildx/version.Version=$BUILDX_VERSION" "github.com/docker/buildx/cmd/buildx@$BUILDX_VERSION"
fi
# BuildKit's Dockerfile frontend, newer than the one built into Debian's
# dockerd, for the buildx comparison's heredoc/--link/--exclude cases (built
# only when asked: `scripts/setup-tools.sh frontend`; static, it runs as an image)
BUILDKIT_VERSION="${BUILDKIT_VERSION:-v0.17.3}"
if [ "${1:-}" = frontend ] && [ ! -x tools/bin/dockerfile-frontend ]; then
  echo "building dockerfile-frontend (github.com/moby/buildkit $BUILDKIT_VERSION) into tools/bin"
  CGO_ENABLED=0 GOBIN="$(pwd)/tools/bin" go install -tags "dfrunsecurity dfparents dfexcludepatterns" "github.com/moby/buildkit/frontend/dockerfile/cmd/dockerfile-frontend@$BUILDKIT_VERSION"
fi
# critest, the CRI validation suite of the same release, for
# test/conformance/critest.ts (not in npm test, so built only when asked:
# `scripts/setup-tools.sh critest`). It is a Go test binary: built with
# `go test -c` in its downloaded module directory.
if [ "${1:-}" = critest ] && [ ! -x tools/bin/critest ]; then
  echo "building critest (sigs.k8s.io/cri-tools $CRI_TOOLS_VERSION) into tools/bin"
  GOFLAGS=-mod=mod go mod download "sigs.k8s.io/cri-tools@$CRI_TOOLS_VERSION"
  out="$(pwd)/tools/bin/critest"
  (cd "$(go env GOMODCACHE)/sigs.k8s.io/cri-tools@$CRI_TOOLS_VERSION" && GOFLAGS=-mod=mod go test -c -o "$out" ./cmd/critest)
fi
