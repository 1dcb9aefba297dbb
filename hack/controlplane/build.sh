#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler and etcd from
# the Go module proxy into ~/.cache/cloud-empire/bin/<kube version>/.
# The versions are the ones pinned in kube/go.mod and etcd/go.mod; a stamp of
# both go modules and of the build recipe makes a second run a no-op.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${CLOUD_EMPIRE_CACHE:-$HOME/.cache/cloud-empire}"
# shellcheck source=../lib/steps.sh
. "$here/../lib/steps.sh"

command -v go >/dev/null || { echo "controlplane: Go is required (apt-get install golang or https://go.dev/dl)" >&2; exit 2; }

kube_version="$(cd "$here/kube" && go list -m -f '{{.Version}}' k8s.io/kubernetes)"
etcd_version="$(cd "$here/etcd" && go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)"
out="$cache/bin/$kube_version"
stamp="$out/.stamp"
minor="${kube_version#v1.}"; minor="${minor%%.*}"
stamp_flags="-s -w -X k8s.io/component-base/version.gitVersion=$kube_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
commands="kube-apiserver kube-scheduler kube-controller-manager"
want="$(steps_stamp "$here/kube/go.mod" "$here/kube/go.sum" "$here/etcd/go.mod" "$here/etcd/go.sum" -- "$stamp_flags $commands")"

# 828ecb…: the stamp this recipe wrote while the stamp still hashed the script itself.
if steps_stamp_ok "$stamp" "$want" 828ecb9320cf53fb43bc0297e049dec2c0982caf3de2996f5ae5d4cceca1d35f; then
  echo "controlplane: binaries for kube $kube_version and etcd $etcd_version are up to date in $out"
  exit 0
fi

mkdir -p "$out"
export CGO_ENABLED=0
steps_begin controlplane controlplane-build
step "etcd $etcd_version (1 of 4)" "kube-apiserver" \
  bash -c "cd '$here/etcd' && go build -trimpath -ldflags '-s -w' -o '$out/etcd' ."
set -- $commands
while (( $# > 0 )); do
  cmd=$1; shift
  step "$cmd $kube_version ($(( 4 - $# )) of 4)" "${1:-}" \
    bash -c "cd '$here/kube' && go build -trimpath -ldflags '$stamp_flags' -o '$out/$cmd' 'k8s.io/kubernetes/cmd/$cmd'"
done
echo "$want" > "$stamp"
steps_done "$out"
