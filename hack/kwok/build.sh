#!/usr/bin/env bash
# Builds kwok (simulated kubelets: node heartbeats, pods Running, Job pods
# Succeeded) from the Go module proxy into ~/.cache/cloud-empire/bin/kwok-<version>/.
# The version is the one pinned in go.mod; a stamp of go.mod, go.sum and the
# build recipe makes a second run a no-op.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/steps.sh
. "$here/../lib/steps.sh"

steps_require_go kwok

version="$(steps_pinned "$here" sigs.k8s.io/kwok)"
out="$cache/bin/kwok-$version"
stamp="$out/.stamp"
ldflags="-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${version#v}"
want="$(steps_stamp "$here/go.mod" "$here/go.sum" -- "$ldflags sigs.k8s.io/kwok/cmd/kwok")"

# 0208a3…: the stamp this recipe wrote while the stamp still hashed the script itself.
steps_skip_if_current "$stamp" "$want" 0208a343c20007c27ee0b94241db61907c50beff309d1693acf68351a79920a3 "kwok: $version is up to date in $out"

mkdir -p "$out"
steps_begin kwok kwok-build
step "kwok $version" "" \
  bash -c "cd '$here' && CGO_ENABLED=0 go build -trimpath -ldflags '$ldflags' -o '$out/kwok' sigs.k8s.io/kwok/cmd/kwok"
echo "$want" > "$stamp"
steps_done "$out/kwok"
