#!/usr/bin/env bash
# The build image: BuildKit (buildkitd and buildctl, built from the Go module proxy), Debian's runc and
# busybox, and the entrypoint deploy/buildkit/slipway-build, which builds one commit inside a
# Kubernetes pod and pushes the result, with no Docker anywhere. Written FROM scratch as registry files
# (one layer, a config, a manifest) and pushed with curl, so neither step needs Docker either.
#
#   scripts/buildkit-image.sh build                   build what is missing, assemble the image
#   scripts/buildkit-image.sh push REGISTRY [NAME]    build, then push as REGISTRY/NAME:v0.34.2-<hash>
#                                                     (NAME defaults to slipway/buildkit); the last line
#                                                     printed is that full image name
#
# REGISTRY is host[:port]: plain HTTP for 127.0.0.1 and localhost, HTTPS otherwise (an http:// or
# https:// prefix says which); basic auth from SLIPWAY_REGISTRY_USER and SLIPWAY_REGISTRY_PASSWORD.
# The tag's hash is the manifest's digest: the same inputs give the same tag.
#
# Cache (never committed): ${SLIPWAY_BUILDKIT_CACHE:-$HOME/.cache/slipway-buildkit}/<version>/ with
# bin/ (buildkitd, buildctl, stamped with their version) and image/ (the files pushed).
# Needs go (1.26, the version BuildKit's go.mod asks for), curl, and apt-get when busybox-static or
# runc is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILDKIT_VERSION=v0.34.2
CACHE="${SLIPWAY_BUILDKIT_CACHE:-$HOME/.cache/slipway-buildkit}/$BUILDKIT_VERSION"
BIN="$CACHE/bin"
IMAGE_DIR="$CACHE/image"
ENTRYPOINT_SRC="$ROOT/deploy/buildkit/slipway-build"
ENTRYPOINT=/usr/local/bin/slipway-build
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

# shellcheck source=scripts/registry-push.sh
source "$ROOT/scripts/registry-push.sh"

say() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

require_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is not installed (needed for: $2)"
}

stamp_ok() { # <name> <version>
  [[ -x "$BIN/$1" && -f "$BIN/.$1.version" && "$(cat "$BIN/.$1.version")" == "$2" ]]
}

is_static() { # <file>: ldd says so for static executables (and exits 1)
  local out
  out="$(LC_ALL=C ldd "$1" 2>&1 || true)"
  [[ "$out" == *"not a dynamic executable"* || "$out" == *"statically linked"* ]]
}

# ---------------------------------------------------------------------------------------------
# BuildKit

# BuildKit's go.mod has `exclude` lines, so `go install …@version` refuses it ("contains one or more
# exclude directives"): build inside the module's source folder instead (read-only in the module
# cache; the build writes nothing there, and its go.sum is complete).
build_buildkit() {
  require_cmd go "building BuildKit from the Go module proxy"
  local src tmp start=$SECONDS b
  # GOTOOLCHAIN=local: never download another toolchain silently. CGO off: static, for a FROM-scratch image.
  export CGO_ENABLED=0 GOTOOLCHAIN=local
  src="$(go mod download -json "github.com/moby/buildkit@$BUILDKIT_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -n "$src" && -d "$src/cmd/buildkitd" ]] || die "cannot download github.com/moby/buildkit@$BUILDKIT_VERSION"
  say "building buildkitd and buildctl $BUILDKIT_VERSION (about 10 min on 2 cores, once)"
  mkdir -p "$BIN"
  tmp="$(mktemp -d)"
  if ! (cd "$src" && nice -n 10 go build -trimpath \
    -ldflags "-s -w -X github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION" \
    -o "$tmp/" ./cmd/buildkitd ./cmd/buildctl); then
    rm -rf "$tmp"
    die "building BuildKit failed (see the go output above)"
  fi
  for b in buildkitd buildctl; do
    is_static "$tmp/$b" || { rm -rf "$tmp"; die "$b is not statically linked"; }
    mv "$tmp/$b" "$BIN/$b"
    printf '%s\n' "$BUILDKIT_VERSION" >"$BIN/.$b.version"
  done
  rm -rf "$tmp"
  say "built buildkitd and buildctl in $(( SECONDS - start ))s"
}

# ---------------------------------------------------------------------------------------------
# the image

# Debian's busybox-static, taken from its package file rather than installed: installing it would
# remove the `busybox` package where that is installed.
busybox_binary() {
  if [[ -x /bin/busybox ]] && is_static /bin/busybox; then
    printf '/bin/busybox\n'
    return
  fi
  local dir="$CACHE/busybox-static" deb
  if [[ ! -x "$dir/bin/busybox" ]]; then
    require_cmd apt-get "downloading Debian's busybox-static"
    say "downloading Debian's busybox-static"
    rm -rf "$dir"; mkdir -p "$dir/deb"
    (cd "$dir/deb" && apt-get download busybox-static >/dev/null 2>&1) \
      || { apt-get update -qq && (cd "$dir/deb" && apt-get download busybox-static >/dev/null); } \
      || die "apt-get download busybox-static failed"
    deb="$(ls "$dir"/deb/busybox-static_*.deb)"
    dpkg-deb -x "$deb" "$dir" || die "cannot unpack $deb"
  fi
  is_static "$dir/bin/busybox" || die "$dir/bin/busybox is not static"
  printf '%s\n' "$dir/bin/busybox"
}

ensure_runc() {
  command -v runc >/dev/null 2>&1 && return 0
  require_cmd apt-get "installing Debian's runc"
  say "installing: runc"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq runc >/dev/null || die "apt-get install runc failed"
}

# Copies an executable and the shared libraries ldd lists (resolved, at the paths ldd gives, which
# is where the loader looks for them) into the root filesystem.
copy_with_libraries() { # <executable> <path in the image> <rootfs>
  local lib
  install -D -m 0755 "$1" "$3$2"
  while read -r lib; do
    [[ -n "$lib" ]] || continue
    install -D -m 0755 "$(readlink -f "$lib")" "$3$lib"
  done < <(LC_ALL=C ldd "$1" | sed -n 's/.*=> *\(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p')
}

make_rootfs() { # <rootfs> <busybox>
  local r="$1" applet
  mkdir -p "$r"/{bin,etc/ssl/certs,root,tmp,run/buildkit,var/lib/buildkit,workspace,usr/local/bin,usr/sbin}
  chmod 0755 "$r" "$r"/{bin,etc,etc/ssl,etc/ssl/certs,run,run/buildkit,var,var/lib,var/lib/buildkit,workspace,usr,usr/local,usr/local/bin,usr/sbin}
  chmod 0700 "$r/root"
  chmod 1777 "$r/tmp"
  install -m 0755 "$2" "$r/bin/busybox"
  for applet in $("$2" --list); do
    [[ "$applet" == busybox ]] || ln -s busybox "$r/bin/$applet"
  done
  copy_with_libraries "$(command -v runc)" /usr/sbin/runc "$r"
  install -m 0755 "$BIN/buildkitd" "$BIN/buildctl" "$r/usr/local/bin/"
  install -m 0755 "$ENTRYPOINT_SRC" "$r$ENTRYPOINT"
  install -m 0644 "$CA_BUNDLE" "$r$CA_BUNDLE"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
  # Without it Go's resolver asks DNS before /etc/hosts (glibc's default order), and the pod's
  # hostAliases (the registry's name) would wait for a DNS timeout first.
  printf 'hosts: files dns\n' >"$r/etc/nsswitch.conf"
  chmod 0644 "$r"/etc/{passwd,group,nsswitch.conf}
}

# What the image is made of: when none of it changed, the image (and its tag) stays as it is.
image_inputs() { # <busybox>
  sha256sum "$1" "$(command -v runc)" "$BIN/buildkitd" "$BIN/buildctl" "$ENTRYPOINT_SRC" "$CA_BUNDLE" \
    "${BASH_SOURCE[0]}" | cut -d' ' -f1
}

# One gzip layer with a deterministic tar (owners, times and order fixed), a config and a manifest,
# as build_pause in k8s-test-cluster.sh writes the pause image.
write_image() { # <busybox>
  local tmp inputs diff_id layer_digest config_digest manifest_digest
  inputs="$(image_inputs "$1")"
  if [[ -f "$IMAGE_DIR/manifest.json" && -f "$IMAGE_DIR/tag" && "$(cat "$IMAGE_DIR/inputs" 2>/dev/null)" == "$inputs" ]]; then
    return 0
  fi
  tmp="$(mktemp -d)"
  make_rootfs "$tmp/rootfs" "$1"
  tar --owner=0 --group=0 --numeric-owner --mtime=@0 --sort=name -C "$tmp/rootfs" -cf "$tmp/layer.tar" .
  # Written beside the old image, which is replaced only when the new one is complete.
  local out="$IMAGE_DIR.new"
  rm -rf "$out"; mkdir -p "$out"
  gzip -n -9 -c "$tmp/layer.tar" >"$out/layer.tar.gz"
  diff_id="sha256:$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)"
  layer_digest="sha256:$(sha256sum "$out/layer.tar.gz" | cut -d' ' -f1)"
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["%s"],"Env":["PATH=%s"],"WorkingDir":"/","Labels":{"org.opencontainers.image.title":"slipway-buildkit","org.opencontainers.image.version":"%s"}},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
    "$ENTRYPOINT" "$IMAGE_PATH" "$BUILDKIT_VERSION" "$diff_id" >"$out/config.json"
  config_digest="sha256:$(sha256sum "$out/config.json" | cut -d' ' -f1)"
  printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":%s,"digest":"%s"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":%s,"digest":"%s"}]}' \
    "$REGISTRY_MANIFEST_TYPE" "$(stat -c %s "$out/config.json")" "$config_digest" \
    "$(stat -c %s "$out/layer.tar.gz")" "$layer_digest" >"$out/manifest.json"
  manifest_digest="$(sha256sum "$out/manifest.json" | cut -d' ' -f1)"
  printf '%s-%s\n' "$BUILDKIT_VERSION" "${manifest_digest:0:12}" >"$out/tag"
  printf '%s\n' "$inputs" >"$out/inputs"
  say "image: $(( $(stat -c %s "$tmp/layer.tar") / 1048576 )) MB, $(( $(stat -c %s "$out/layer.tar.gz") / 1048576 )) MB compressed"
  rm -rf "$tmp" "$IMAGE_DIR"
  mv "$out" "$IMAGE_DIR"
}

cmd_build() {
  require_cmd ldd "checking that the binaries are static"
  if ! stamp_ok buildkitd "$BUILDKIT_VERSION" || ! stamp_ok buildctl "$BUILDKIT_VERSION"; then build_buildkit; fi
  ensure_runc
  local busybox
  busybox="$(busybox_binary)"
  write_image "$busybox"
  say "image slipway/buildkit:$(cat "$IMAGE_DIR/tag") in $IMAGE_DIR"
}

cmd_push() { # <registry> [name]
  local name="${2:-slipway/buildkit}" tag
  REGISTRY="$1"
  case "$REGISTRY" in
    http://* | https://*) REGISTRY_SCHEME="${REGISTRY%%://*}"; REGISTRY="${REGISTRY#*://}" ;;
  esac
  REGISTRY="${REGISTRY%/}"
  [[ -n "$REGISTRY" && "$REGISTRY" != */* ]] || die "REGISTRY is host[:port], not $1"
  require_cmd curl "pushing to the registry"
  cmd_build
  tag="$(cat "$IMAGE_DIR/tag")"
  registry_curl --max-time 10 -o /dev/null "$(registry_url '')" \
    || die "the registry at $(registry_url '') does not answer (or refuses the credentials)"
  if manifest_exists "$name" "$tag"; then
    say "$REGISTRY/$name:$tag is already there"
  else
    push_image_dir "$name" "$tag" "$IMAGE_DIR" || die "pushing to $REGISTRY failed"
    say "pushed $REGISTRY/$name:$tag (digest sha256:$(sha256sum "$IMAGE_DIR/manifest.json" | cut -d' ' -f1))"
  fi
  printf '%s/%s:%s\n' "$REGISTRY" "$name" "$tag"
}

# One build or push at a time (they share the cache): a second waits for the first.
lock_cache() {
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  if ! flock -n 9; then
    say "waiting for another build or push of the build image to finish"
    flock 9
  fi
}

case "${1:-}" in
  build | push) lock_cache ;;
esac
case "${1:-}" in
  build) [[ $# -eq 1 ]] || usage; cmd_build ;;
  push) [[ $# -eq 2 || $# -eq 3 ]] || usage; cmd_push "$2" "${3:-}" ;;
  *) usage ;;
esac
