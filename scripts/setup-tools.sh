#!/bin/sh
# Builds the Go test clients the tests drive into ./tools (never committed):
# crictl from cri-tools, the Kubernetes CRI client. Needs Go and the module proxy.
set -e
cd "$(dirname "$0")/.."
CRI_TOOLS_VERSION="${CRI_TOOLS_VERSION:-v1.34.0}"
mkdir -p tools
GOBIN="$PWD/tools" go install "sigs.k8s.io/cri-tools/cmd/crictl@$CRI_TOOLS_VERSION"
echo "crictl $CRI_TOOLS_VERSION in $PWD/tools"
