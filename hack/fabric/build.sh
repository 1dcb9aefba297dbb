#!/usr/bin/env bash
# Builds Hyperledger Fabric's peer, orderer, configtxgen, cryptogen and
# osnadmin from the Go module proxy into ~/.cache/cloud-empire/bin/fabric-<version>/.
# The version is the pseudo-version pinned in go.mod; a stamp of go.mod,
# go.sum and this script makes a second run a no-op. The chaincode-as-a-service
# builder is ccaas-builder/ beside this script (Fabric's own ccaas_builder
# module is not served by the proxy at any commit).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${CLOUD_EMPIRE_CACHE:-$HOME/.cache/cloud-empire}"

command -v go >/dev/null || { echo "fabric: Go is required (apt-get install golang or https://go.dev/dl)" >&2; exit 2; }

version="$(cd "$here" && go list -m -f '{{.Version}}' github.com/hyperledger/fabric)"
commit="${version##*-}"
label="3.0.0-dev+${commit}"
out="$cache/bin/fabric-$commit"
stamp="$out/.stamp"
want="$(cat "$here/go.mod" "$here/go.sum" "$0" | sha256sum | cut -d' ' -f1)"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "fabric: binaries for $label are up to date in $out"
  exit 0
fi

mkdir -p "$out"
export CGO_ENABLED=0
start=$(date +%s)
for cmd in peer orderer configtxgen cryptogen osnadmin; do
  echo "fabric: building $cmd $label"
  (cd "$here" && go build -trimpath -ldflags "-s -w -X github.com/hyperledger/fabric/common/metadata.Version=$label" -o "$out/$cmd" "github.com/hyperledger/fabric/cmd/$cmd")
  echo "fabric: $cmd built after $(( $(date +%s) - start ))s"
done
# The sample configuration of the same commit: the network starts from it and overrides what it must.
rm -rf "$out/config" && mkdir -p "$out/config"
src="$(cd "$here" && go list -m -f '{{.Dir}}' github.com/hyperledger/fabric)"
cp "$src/sampleconfig/core.yaml" "$src/sampleconfig/orderer.yaml" "$out/config/"
chmod -R u+w "$out/config"
echo "$want" > "$stamp"
echo "fabric: done in $(( $(date +%s) - start ))s: $out"
