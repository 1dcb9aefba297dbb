#!/usr/bin/env bash
# Builds the Argo CD CLI from the Go module proxy into
# ~/.cache/cloud-empire/bin/argocd-<version>/argocd; the chart tests run its
# `admin settings resource-overrides health` over the Lua health scripts in
# examples/argocd. The version is pinned in go.mod; a stamp of go.mod, go.sum
# and the build recipe makes a second run a no-op.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/steps.sh
. "$here/../lib/steps.sh"

steps_require_go argocd

version="$(steps_pinned "$here" github.com/argoproj/argo-cd/v3)"
out="$cache/bin/argocd-$version"
stamp="$out/.stamp"
ldflags="-s -w -X github.com/argoproj/argo-cd/v3/common.version=${version#v}"
want="$(steps_stamp "$here/go.mod" "$here/go.sum" -- "$ldflags cmd")"

steps_skip_if_current "$stamp" "$want" "" "argocd: CLI $version is up to date in $out"

mkdir -p "$out"
export CGO_ENABLED=0
steps_begin argocd "argocd-build"
# The binary dispatches on its own name: built as "argocd" it is the CLI.
step "the argocd CLI $version (one large Go build, about 10-20 minutes on 2 cores)" "" \
  bash -c "cd '$here' && go build -trimpath -ldflags '$ldflags' -o '$out/argocd' github.com/argoproj/argo-cd/v3/cmd"
echo "$want" > "$stamp"
steps_done "$out"
