#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler and etcd from
# the Go module proxy into ~/.cache/cloud-empire/bin/<kube version>/.
# The versions are the ones pinned in kube/go.mod and etcd/go.mod; a stamp of
# both go.sum files makes a second run a no-op.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${CLOUD_EMPIRE_CACHE:-$HOME/.cache/cloud-empire}"

command -v go >/dev/null || { echo "controlplane: Go is required (apt-get install golang or https://go.dev/dl)" >&2; exit 2; }

kube_version="$(cd "$here/kube" && go list -m -f '{{.Version}}' k8s.io/kubernetes)"
etcd_version="$(cd "$here/etcd" && go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)"
out="$cache/bin/$kube_version"
stamp="$out/.stamp"
want="$(cat "$here/kube/go.mod" "$here/kube/go.sum" "$here/etcd/go.mod" "$here/etcd/go.sum" "$0" | sha256sum | cut -d' ' -f1)"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "controlplane: binaries for kube $kube_version and etcd $etcd_version are up to date in $out"
  exit 0
fi

mkdir -p "$out"
minor="${kube_version#v1.}"; minor="${minor%%.*}"
export CGO_ENABLED=0
start=$(date +%s)

echo "controlplane: building etcd $etcd_version"
(cd "$here/etcd" && go build -trimpath -ldflags "-s -w" -o "$out/etcd" .)
echo "controlplane: etcd built after $(( $(date +%s) - start ))s"

stamp_flags="-s -w -X k8s.io/component-base/version.gitVersion=$kube_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
for cmd in kube-apiserver kube-scheduler kube-controller-manager; do
  echo "controlplane: building $cmd $kube_version"
  (cd "$here/kube" && go build -trimpath -ldflags "$stamp_flags" -o "$out/$cmd" "k8s.io/kubernetes/cmd/$cmd")
  echo "controlplane: $cmd built after $(( $(date +%s) - start ))s"
done

echo "$want" > "$stamp"
echo "controlplane: done in $(( $(date +%s) - start ))s: $out"
