#!/usr/bin/env bash
# Builds the Argo CD CLI from the Go module proxy into
# ~/.cache/cloud-empire/bin/argocd-<version>/argocd; the chart tests run its
# `admin settings resource-overrides health` over the Lua health scripts in
# examples/argocd. The version is pinned in go.mod; a stamp of go.mod, go.sum
# and the build recipe makes a second run a no-op.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${CLOUD_EMPIRE_CACHE:-$HOME/.cache/cloud-empire}"
# shellcheck source=../lib/steps.sh
. "$here/../lib/steps.sh"

command -v go >/dev/null || { echo "argocd: Go is required (apt-get install golang or https://go.dev/dl)" >&2; exit 2; }

version="$(cd "$here" && go list -m -f '{{.Version}}' github.com/argoproj/argo-cd/v3)"
out="$cache/bin/argocd-$version"
stamp="$out/.stamp"
ldflags="-s -w -X github.com/argoproj/argo-cd/v3/common.version=${version#v}"
want="$(steps_stamp "$here/go.mod" "$here/go.sum" -- "$ldflags cmd")"

if steps_stamp_ok "$stamp" "$want"; then
  echo "argocd: CLI $version is up to date in $out"
  exit 0
fi

mkdir -p "$out"
export CGO_ENABLED=0
steps_begin argocd "argocd-build"
# The binary dispatches on its own name: built as "argocd" it is the CLI.
step "the argocd CLI $version (one large Go build, about 10-20 minutes on 2 cores)" "" \
  bash -c "cd '$here' && go build -trimpath -ldflags '$ldflags' -o '$out/argocd' github.com/argoproj/argo-cd/v3/cmd"
echo "$want" > "$stamp"
steps_done "$out"
