#!/usr/bin/env bash
# Builds kwok (simulated kubelets: node heartbeats, pods Running, Job pods
# Succeeded) from the Go module proxy into ~/.cache/cloud-empire/bin/kwok-<version>/.
# The version is the one pinned in go.mod; a stamp of go.mod, go.sum and the
# build recipe makes a second run a no-op.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${CLOUD_EMPIRE_CACHE:-$HOME/.cache/cloud-empire}"
# shellcheck source=../lib/steps.sh
. "$here/../lib/steps.sh"

command -v go >/dev/null || { echo "kwok: Go is required (apt-get install golang or https://go.dev/dl)" >&2; exit 2; }

version="$(cd "$here" && go list -m -f '{{.Version}}' sigs.k8s.io/kwok)"
out="$cache/bin/kwok-$version"
stamp="$out/.stamp"
ldflags="-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${version#v}"
want="$(steps_stamp "$here/go.mod" "$here/go.sum" -- "$ldflags sigs.k8s.io/kwok/cmd/kwok")"

# 0208a3…: the stamp this recipe wrote while the stamp still hashed the script itself.
if steps_stamp_ok "$stamp" "$want" 0208a343c20007c27ee0b94241db61907c50beff309d1693acf68351a79920a3; then
  echo "kwok: $version is up to date in $out"
  exit 0
fi

mkdir -p "$out"
steps_begin kwok kwok-build
step "kwok $version" "" \
  bash -c "cd '$here' && CGO_ENABLED=0 go build -trimpath -ldflags '$ldflags' -o '$out/kwok' sigs.k8s.io/kwok/cmd/kwok"
echo "$want" > "$stamp"
steps_done "$out/kwok"
