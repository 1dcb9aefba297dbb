#!/usr/bin/env bash
# Builds the operator image with Debian's buildah where no registry can be
# pulled from (as root: --storage-driver vfs --isolation chroot), FROM scratch:
# Node 24 from the npm `node` package, the Debian libraries it links, CA
# certificates, the production dependencies (npm ci --omit=dev) and the
# sources the Dockerfile copies. Prints the image name; IMAGE_ROOT is the
# buildah storage (default ~/.cache/cloud-empire/buildah).
#   hack/image/build.sh [TAG]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${CLOUD_EMPIRE_CACHE:-$HOME/.cache/cloud-empire}"
# shellcheck source=../lib/steps.sh
. "$here/../lib/steps.sh"
tag="${1:-localhost/cloud-empire/operator:dev}"
storage="${IMAGE_ROOT:-$cache/buildah}"
command -v buildah >/dev/null || { echo "image: buildah is required (apt-get install -y buildah)" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "image: run as root (buildah with vfs storage and chroot isolation)" >&2; exit 2; }
node="$root/node_modules/node/bin/node"
[[ -x "$node" ]] || { echo "image: $node is missing: run npm ci first" >&2; exit 2; }

ctx="$(mktemp -d "${TMPDIR:-/tmp}/cloud-empire-image-XXXXXX")"
trap 'rm -rf "$ctx"' EXIT
fs="$ctx/rootfs"
mkdir -p "$fs/nodejs/bin" "$fs/app/chaincode" "$fs/etc/ssl/certs" "$fs/tmp" "$fs/var/lib/cloud-empire/ledger"
chmod 1777 "$fs/tmp"

assemble() {
  cp "$node" "$fs/nodejs/bin/node"
  # The shared libraries the binary links, at the paths its loader expects.
  ldd "$node" | awk '/=> \//{print $3} /^[ \t]*\//{print $1}' | while read -r lib; do
    mkdir -p "$fs$(dirname "$lib")" && cp -L "$lib" "$fs$lib"
  done
  cp -L /etc/ssl/certs/ca-certificates.crt "$fs/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$fs/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' > "$fs/etc/group"
  chown 65532:65532 "$fs/var/lib/cloud-empire/ledger"
  # What the Dockerfile copies (.dockerignore), nothing else.
  cp "$root/package.json" "$root/package-lock.json" "$fs/app/"
  cp "$root/chaincode/package.json" "$fs/app/chaincode/"
  cp -r "$root/chaincode/src" "$fs/app/chaincode/src"
  (cd "$root" && tar -cf - --exclude='src/demo' --exclude='src/controlplane' --exclude='src/fabric' --exclude='*.test.ts' src) | tar -xf - -C "$fs/app"
}

steps_begin image image-build
step "the file system (Node $("$node" --version), libraries, sources)" "production dependencies" assemble
step "production dependencies (npm ci --omit=dev)" "the image" \
  bash -c "cd '$fs/app' && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund"
rm -f "$fs/app/package-lock.json"
cp "$here/Containerfile.scratch" "$ctx/Containerfile"
step "image $tag with buildah" "" \
  buildah --root "$storage/storage" --runroot "$storage/run" --storage-driver vfs bud --isolation chroot --layers=false -t "$tag" -f "$ctx/Containerfile" "$ctx"
# The image this one replaces under the same tag is left untagged: drop it.
buildah --root "$storage/storage" --runroot "$storage/run" --storage-driver vfs rmi --prune >/dev/null 2>&1 || true
steps_done "$tag"
