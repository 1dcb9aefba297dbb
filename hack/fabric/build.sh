#!/usr/bin/env bash
# Builds Hyperledger Fabric's peer, orderer, configtxgen, cryptogen and
# osnadmin from the Go module proxy into ~/.cache/cloud-empire/bin/fabric-<version>/.
# The version is the pseudo-version pinned in go.mod; a stamp of go.mod,
# go.sum and the build recipe makes a second run a no-op. The chaincode-as-a-service
# builder is ccaas-builder/ beside this script (Fabric's own ccaas_builder
# module is not served by the proxy at any commit).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/steps.sh
. "$here/../lib/steps.sh"

steps_require_go fabric

version="$(steps_pinned "$here" github.com/hyperledger/fabric)"
commit="${version##*-}"
label="3.0.0-dev+${commit}"
out="$cache/bin/fabric-$commit"
stamp="$out/.stamp"
ldflags="-s -w -X github.com/hyperledger/fabric/common/metadata.Version=$label"
commands="peer orderer configtxgen cryptogen osnadmin"
want="$(steps_stamp "$here/go.mod" "$here/go.sum" -- "$ldflags $commands sampleconfig")"

# f4d285…: the stamp this recipe wrote while the stamp still hashed the script itself.
steps_skip_if_current "$stamp" "$want" f4d28588b5b2c1fed47b0648e50d846efe74b194b640690a6588c424fc5ec81a "fabric: binaries for $label are up to date in $out"

mkdir -p "$out"
export CGO_ENABLED=0
steps_begin fabric fabric-build
set -- $commands
while (( $# > 0 )); do
  cmd=$1; shift
  step "$cmd $label ($(( 5 - $# )) of 5)" "${1:-the sample configuration}" \
    bash -c "cd '$here' && go build -trimpath -ldflags '$ldflags' -o '$out/$cmd' 'github.com/hyperledger/fabric/cmd/$cmd'"
done
# The sample configuration of the same commit: the network starts from it and overrides what it must.
rm -rf "$out/config" && mkdir -p "$out/config"
src="$(cd "$here" && go list -m -f '{{.Dir}}' github.com/hyperledger/fabric)"
cp "$src/sampleconfig/core.yaml" "$src/sampleconfig/orderer.yaml" "$out/config/"
chmod -R u+w "$out/config"
echo "$want" > "$stamp"
steps_done "$out"
