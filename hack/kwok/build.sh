#!/usr/bin/env bash
# Builds kwok (simulated kubelets: node heartbeats, pods Running, Job pods
# Succeeded) from the Go module proxy into ~/.cache/cloud-empire/bin/kwok-<version>/.
# The version is the one pinned in go.mod; a stamp of go.mod, go.sum and this
# script makes a second run a no-op.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${CLOUD_EMPIRE_CACHE:-$HOME/.cache/cloud-empire}"

command -v go >/dev/null || { echo "kwok: Go is required (apt-get install golang or https://go.dev/dl)" >&2; exit 2; }

version="$(cd "$here" && go list -m -f '{{.Version}}' sigs.k8s.io/kwok)"
out="$cache/bin/kwok-$version"
stamp="$out/.stamp"
want="$(cat "$here/go.mod" "$here/go.sum" "$0" | sha256sum | cut -d' ' -f1)"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "kwok: $version is up to date in $out"
  exit 0
fi

mkdir -p "$out"
start=$(date +%s)
echo "kwok: building $version"
(cd "$here" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${version#v}" -o "$out/kwok" sigs.k8s.io/kwok/cmd/kwok)
echo "$want" > "$stamp"
echo "kwok: done in $(( $(date +%s) - start ))s: $out/kwok"
