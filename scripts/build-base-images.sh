#!/usr/bin/env bash
# Builds small offline base images from Debian packages (debootstrap + `docker import`), for
# machines that cannot pull from Docker Hub: CI sandboxes and air-gapped hosts that only reach a
# Debian mirror. Everyone else needs none of this: the app templates default to the public images
# (python:3.12-slim, nginx:alpine) and the builder image's Dockerfile to node:20-bookworm-slim, and
# only take these through build arguments.
#
#   scripts/build-base-images.sh              build the images that do not exist yet (by tag)
#   scripts/build-base-images.sh --force      rebuild them (and their cached root filesystems)
#   scripts/build-base-images.sh --templates  only the templates' images (python, nginx): what
#                                             `npm start` (scripts/start.sh) needs
#
# Images:
#   slipway-base/python:3.11  bookworm minbase + python3 (also as `python`), FastAPI and uvicorn
#                             from Debian, pip set up so that `pip install -r requirements.txt`
#                             succeeds offline when Debian's packages already satisfy it
#                             (/etc/pip.conf: no-index, no-deps, break-system-packages). A requirement
#                             Debian does not ship fails with pip's "No matching distribution".
#   slipway-base/nginx:1      bookworm minbase + nginx, laid out like nginx:alpine: http-level
#                             include /etc/nginx/conf.d/*.conf, root /usr/share/nginx/html,
#                             logs to stdout/stderr, CMD nginx -g 'daemon off;'. Pid and temp
#                             files live in /tmp so it also runs with `--user`.
#   slipway-base/node:20      bookworm minbase + this machine's own Node.js, for the builder image
#                             (Dockerfile, NODE_IMAGE): the files of the Debian package `nodejs`
#                             (`dpkg -L nodejs`; npm and corepack as whole folders, as they are now,
#                             since `npm install -g npm` replaces npm's files behind dpkg's back), so
#                             the image runs the same node and npm as the host. Plus ca-certificates
#                             with this machine's own CAs (/usr/local/share/ca-certificates, e.g. an
#                             intercepting HTTPS proxy's) and NODE_EXTRA_CA_CERTS pointing at the
#                             bundle, so `npm ci` in the Dockerfile's build stage reaches the registry
#                             the way the host does; and npm's nodedir=/usr, so node-gyp compiles
#                             against the package's headers instead of downloading them. Rebuilt when
#                             the nodejs package, npm or those CAs change (label org.slipway.base-key).
#                             Skipped, with a note, where Node.js 20 is not installed from a Debian
#                             package. The image holds those CAs: keep it local (never push it).
#
# The last line printed is the build arguments to pass to a template's `docker build` (NODE_IMAGE
# only when the node image was built; templates ignore it, the builder image's Dockerfile uses it):
#   SLIPWAY_BUILD_ARGS=PYTHON_IMAGE=slipway-base/python:3.11,NGINX_IMAGE=slipway-base/nginx:1,NODE_IMAGE=slipway-base/node:20
#
# The Debian mirror is the one this machine's apt uses (/etc/apt/sources.list{,.d}), or
# SLIPWAY_DEBIAN_MIRROR / SLIPWAY_DEBIAN_SECURITY_MIRROR. Downloads, the minbase root filesystem
# and the finished image tarballs are cached in ${SLIPWAY_BASE_CACHE:-$HOME/.cache/slipway-base}.
# Needs root (debootstrap, chroot; installed with apt-get when missing) and a running Docker Engine
# (scripts/services.sh up).
set -euo pipefail

SUITE=bookworm
PYTHON_TAG="slipway-base/python:3.11"
NGINX_TAG="slipway-base/nginx:1"
NODE_TAG="slipway-base/node:20"
NODE_MAJOR=20
CACHE_DIR="${SLIPWAY_BASE_CACHE:-$HOME/.cache/slipway-base}"
LOG="$CACHE_DIR/build.log"
MINBASE_TAR="$CACHE_DIR/$SUITE-minbase.tar"
BASE_PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
FORCE=0

say() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command with its output in the build log, saying what it runs and how long it took (the
# progress a person waiting sees); on failure shows the log's tail.
logged() {
  local started=$SECONDS what="$*"
  (( ${#what} <= 90 )) || what="${what:0:87}..."
  printf '  %s\n' "$what"
  if ! "$@" >>"$LOG" 2>&1; then
    printf 'error: failed: %s\n  last lines of %s:\n' "$*" "$LOG" >&2
    tail -n 20 "$LOG" | sed 's/^/  | /' >&2
    exit 1
  fi
  (( SECONDS - started < 5 )) || printf '    (%s s)\n' "$((SECONDS - started))"
}

# Lists the URIs of enabled apt sources, one-line (.list) and deb822 (.sources) formats alike.
apt_source_uris() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] && awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] && awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$f"
  done
  return 0
}

find_mirrors() {
  local uris
  uris="$(apt_source_uris | sed 's:/*$::')"
  MIRROR="${SLIPWAY_DEBIAN_MIRROR:-$(grep -E '/debian$' <<<"$uris" | head -n 1 || true)}"
  [[ -n "$MIRROR" ]] || die "no Debian mirror in /etc/apt/sources.list{,.d}; set SLIPWAY_DEBIAN_MIRROR"
  SECURITY_MIRROR="${SLIPWAY_DEBIAN_SECURITY_MIRROR:-$(grep -E '/debian-security$' <<<"$uris" | head -n 1 || true)}"
  SECURITY_MIRROR="${SECURITY_MIRROR:-${MIRROR}-security}"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# What an image is made of besides Debian's packages, as a label value; empty for images made of those alone.
KEY_LABEL="org.slipway.base-key"
image_key() { docker image inspect -f "{{index .Config.Labels \"$KEY_LABEL\"}}" "$1" 2>/dev/null || true; }

# --- root filesystems ------------------------------------------------------------------------

ROOTFS=""
MOUNTS=()
cleanup() {
  local i
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTS[$i]}" 2>/dev/null || umount -l "${MOUNTS[$i]}" 2>/dev/null || true
  done
  MOUNTS=()
  if [[ -n "$ROOTFS" && -d "$ROOTFS" ]]; then
    rm -rf --one-file-system "$ROOTFS"
  fi
  ROOTFS=""
}
trap cleanup EXIT

ensure_minbase() {
  [[ -f "$MINBASE_TAR" ]] && return 0
  say "debootstrap: $SUITE minbase from $MIRROR (log $LOG)"
  local dir="$CACHE_DIR/work/minbase"
  rm -rf --one-file-system "$dir"
  mkdir -p "$dir" "$CACHE_DIR/debs"
  ROOTFS="$dir"
  logged debootstrap --variant=minbase --cache-dir="$CACHE_DIR/debs" "$SUITE" "$dir" "$MIRROR"
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/archives/*.deb
  tar --numeric-owner -C "$dir" -cf "$MINBASE_TAR.tmp" .
  mv "$MINBASE_TAR.tmp" "$MINBASE_TAR"
  cleanup
}

in_root() { chroot "$ROOTFS" /usr/bin/env -i PATH="$BASE_PATH" DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }

bind() { # SOURCE TARGET
  mkdir -p "$1" "$2"
  mount --bind "$1" "$2"
  MOUNTS+=("$2")
}

# Unpacks minbase into a fresh root, installs PACKAGES with security updates, leaves it mounted.
prepare_root() { # NAME PACKAGES...
  local name="$1"
  shift
  ROOTFS="$CACHE_DIR/work/$name"
  rm -rf --one-file-system "$ROOTFS"
  mkdir -p "$ROOTFS"
  tar --numeric-owner -C "$ROOTFS" -xpf "$MINBASE_TAR"

  cat >"$ROOTFS/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
  cat >"$ROOTFS/etc/apt/apt.conf.d/90slipway" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
EOF
  # Keep documentation out of the image (licences stay).
  cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/90slipway-nodoc" <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
path-exclude=/usr/share/lintian/*
EOF
  # Package scripts must not try to start services (nginx's postinst would) inside the chroot.
  printf '#!/bin/sh\nexit 101\n' >"$ROOTFS/usr/sbin/policy-rc.d"
  chmod 755 "$ROOTFS/usr/sbin/policy-rc.d"
  cp -L /etc/resolv.conf "$ROOTFS/etc/resolv.conf"

  mount -t proc proc "$ROOTFS/proc"
  MOUNTS+=("$ROOTFS/proc")
  # Shared caches: a rebuild downloads only what changed.
  bind "$CACHE_DIR/apt/archives" "$ROOTFS/var/cache/apt/archives"
  bind "$CACHE_DIR/apt/lists" "$ROOTFS/var/lib/apt/lists"

  logged in_root apt-get update
  logged in_root apt-get -y upgrade
  logged in_root apt-get -y install "$@"
}

finish_root() {
  local i
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount "${MOUNTS[$i]}"; done
  MOUNTS=()
  rm -f "$ROOTFS/usr/sbin/policy-rc.d" "$ROOTFS/etc/resolv.conf"
  : >"$ROOTFS/etc/resolv.conf" # Docker bind-mounts its own over this file.
  rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb \
    "$ROOTFS"/var/cache/debconf/*-old "$ROOTFS"/var/lib/dpkg/*-old "$ROOTFS"/var/log/*.log \
    "$ROOTFS"/var/log/apt/* "$ROOTFS"/tmp/* "$ROOTFS"/root/.cache "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/*
  # Documentation installed by debootstrap before the dpkg excludes existed.
  find "$ROOTFS/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$ROOTFS/usr/share/doc" -mindepth 1 -type d -empty -delete
  find "$ROOTFS/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
}

# Imports the finished root as TAG. The root is also kept as a tarball, so after `docker rmi` or a
# wiped Docker data dir a rerun only re-imports it. Remaining args are --change instructions.
import_root() { # NAME TAG CHANGES...
  local name="$1" tag="$2"
  shift 2
  local tarball="$CACHE_DIR/images/$name.tar"
  mkdir -p "$CACHE_DIR/images"
  tar --numeric-owner -C "$ROOTFS" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
    -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  cleanup
  load_tarball "$name" "$tag" "$@"
}

load_tarball() { # NAME TAG CHANGES...
  local name="$1" tag="$2"
  shift 2
  local args=() change
  for change in "$@"; do args+=(--change "$change"); done
  logged docker import "${args[@]}" "$CACHE_DIR/images/$name.tar" "$tag"
  say "$tag: $(docker image inspect -f '{{.Size}}' "$tag" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
}

COMMON_CHANGES=(
  "ENV PATH=$BASE_PATH"
  "ENV LANG=C.UTF-8"
  "LABEL org.opencontainers.image.source=slipway/scripts/build-base-images.sh"
)

# --- images ----------------------------------------------------------------------------------

PYTHON_CHANGES=("${COMMON_CHANGES[@]}" 'CMD ["python3"]')

build_python() {
  prepare_root python python3 python-is-python3 python3-pip python3-fastapi python3-uvicorn
  cat >"$ROOTFS/etc/pip.conf" <<'EOF'
# Offline base image: pip only checks that requirements are already met by Debian's packages
# (python3-fastapi, python3-uvicorn, ...). There is no package index to download from.
# no-deps: dependencies between Debian's packages are apt's business, and pip would reject some
# (fastapi 0.92's metadata asks for starlette<0.26; Debian ships 0.26.1 and a working pair).
[global]
no-index = true
no-deps = true
break-system-packages = true
disable-pip-version-check = true
root-user-action = ignore
EOF
  finish_root
  import_root python "$PYTHON_TAG" "${PYTHON_CHANGES[@]}"
}

# Docker 20.10's `docker import --change` refuses STOPSIGNAL (nginx:alpine sets SIGQUIT); nginx
# also stops on docker stop's SIGTERM, only without waiting for open connections.
NGINX_CHANGES=("${COMMON_CHANGES[@]}" "EXPOSE 80" 'CMD ["nginx", "-g", "daemon off;"]')

build_nginx() {
  prepare_root nginx nginx
  rm -rf "$ROOTFS/etc/nginx/sites-enabled" "$ROOTFS/etc/nginx/sites-available" "$ROOTFS/var/www"
  cat >"$ROOTFS/etc/nginx/nginx.conf" <<'EOF'
# Laid out like the official nginx:alpine image so Dockerfiles written for it work here.
user www-data;
worker_processes auto;
error_log /var/log/nginx/error.log notice;
# In /tmp, so that the image also runs as a non-root user (docker run --user 33).
pid /tmp/nginx.pid;

events {
    worker_connections 1024;
}

http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                    '$status $body_bytes_sent "$http_referer" '
                    '"$http_user_agent" "$http_x_forwarded_for"';
    access_log /var/log/nginx/access.log main;
    client_body_temp_path /tmp/nginx-client-body;
    proxy_temp_path /tmp/nginx-proxy;
    fastcgi_temp_path /tmp/nginx-fastcgi;
    uwsgi_temp_path /tmp/nginx-uwsgi;
    scgi_temp_path /tmp/nginx-scgi;
    sendfile on;
    keepalive_timeout 65;
    include /etc/nginx/conf.d/*.conf;
}
EOF
  mkdir -p "$ROOTFS/etc/nginx/conf.d" "$ROOTFS/usr/share/nginx/html"
  cat >"$ROOTFS/etc/nginx/conf.d/default.conf" <<'EOF'
server {
    listen 80;
    server_name localhost;
    location / {
        root /usr/share/nginx/html;
        index index.html;
    }
}
EOF
  printf '<!doctype html>\n<title>nginx</title>\n<p>nginx from slipway-base.</p>\n' \
    >"$ROOTFS/usr/share/nginx/html/index.html"
  ln -sf /dev/stdout "$ROOTFS/var/log/nginx/access.log"
  ln -sf /dev/stderr "$ROOTFS/var/log/nginx/error.log"
  chmod 1777 "$ROOTFS/tmp"
  finish_root
  import_root nginx "$NGINX_TAG" "${NGINX_CHANGES[@]}"
}

# The host's Node.js, when it comes from a Debian package of the major version the tag promises. Sets NODE_KEY:
# the package's version, npm's (replaced in place by `npm install -g npm`) and a hash of the host's own CAs.
NODE_KEY=""
find_host_node() {
  local status version npm_version cas
  status="$(dpkg-query -W -f='${Status} ${Version}' nodejs 2>/dev/null || true)"
  version="${status##* }"
  if [[ "$status" != "install ok installed "* || "$version" != "$NODE_MAJOR".* && "$version" != *:"$NODE_MAJOR".* ]]; then
    say "$NODE_TAG: skipped: no Debian package nodejs $NODE_MAJOR.x on this machine (${status:-not installed});" \
      "the builder image then needs NODE_IMAGE=node:$NODE_MAJOR-bookworm-slim"
    return 1
  fi
  npm_version="$(/usr/bin/node /usr/lib/node_modules/npm/bin/npm-cli.js --version 2>/dev/null)" || die "the host's npm does not run"
  cas="$(find /usr/local/share/ca-certificates -type f -name '*.crt' -print0 2>/dev/null | sort -z | xargs -0r cat | sha256sum)"
  NODE_KEY="nodejs-$version.npm-$npm_version.cas-${cas:0:12}"
  NODE_KEY="${NODE_KEY//[^A-Za-z0-9._+-]/_}"
}

build_node() {
  prepare_root node ca-certificates
  copy_host_nodejs
  # This machine's own CAs (an intercepting proxy's) into the bundle, as update-ca-certificates does on the host.
  if [[ -d /usr/local/share/ca-certificates ]]; then
    cp -a /usr/local/share/ca-certificates/. "$ROOTFS/usr/local/share/ca-certificates/"
  fi
  logged in_root update-ca-certificates
  say "$NODE_TAG: CA bundle of $(grep -c 'BEGIN CERTIFICATE' "$ROOTFS/etc/ssl/certs/ca-certificates.crt") certificates" \
    "(this machine's: $(grep -c 'BEGIN CERTIFICATE' /etc/ssl/certs/ca-certificates.crt 2>/dev/null || echo none))"
  # npm's global config (prefix /usr). nodedir: better-sqlite3 falls back to node-gyp when no prebuilt binary
  # can be downloaded, and node-gyp would otherwise fetch the headers from nodejs.org.
  mkdir -p "$ROOTFS/usr/etc"
  cat >"$ROOTFS/usr/etc/npmrc" <<'EOF'
# Written by slipway/scripts/build-base-images.sh: node-gyp builds against the headers in /usr/include/node.
nodedir=/usr
EOF
  local host_versions image_versions
  host_versions="$(/usr/bin/node --version) npm $(/usr/bin/node /usr/lib/node_modules/npm/bin/npm-cli.js --version)"
  image_versions="$(in_root node --version) npm $(in_root npm --version)" || die "node or npm does not run in the image"
  [[ "$image_versions" == "$host_versions" ]] || die "the image has node $image_versions, this machine $host_versions"
  say "$NODE_TAG: node $image_versions"
  finish_root
  # As in Debian's own images: `apt-get install` in a Dockerfile FROM this one leaves no .deb files or package
  # caches in its layer (they made git, tini and ca-certificates 180 MB instead of 103 MB in the builder image).
  cat >"$ROOTFS/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  import_root node "$NODE_TAG" "${NODE_CHANGES[@]}"
}

# The files of the nodejs package as they are on this machine. Folders under /usr/lib/node_modules (npm,
# corepack) are copied whole: `npm install -g npm` rewrites them without telling dpkg, so the package's list
# names files that are gone and misses new ones.
copy_host_nodejs() {
  local list="$CACHE_DIR/work/nodejs.files" f
  dpkg-query -L nodejs | while IFS= read -r f; do
    if [[ "$f" == /usr/lib/node_modules/* ]]; then
      if [[ "$f" =~ ^/usr/lib/node_modules/[^/]+$ && -d "$f" ]]; then printf '%s\n' "${f#/}"; fi
    elif [[ -L "$f" || (-e "$f" && ! -d "$f") ]]; then
      printf '%s\n' "${f#/}"
    fi
  done >"$list"
  tar --numeric-owner -C / -cf - -T "$list" | tar --numeric-owner -C "$ROOTFS" -xpf -
  rm -f "$list"
}

# KEY (may be empty) names what the image is made of besides Debian's packages: an image or cached root
# filesystem made from something else (an older nodejs on the host) is rebuilt, not reused.
build_image() { # NAME TAG BUILD_FN CHANGES_ARRAY_NAME [KEY]
  local name="$1" tag="$2" fn="$3" key="${5:-}"
  local -n changes="$4"
  local keyfile="$CACHE_DIR/images/$name.key"
  if ((!FORCE)) && image_exists "$tag" && [[ "$(image_key "$tag")" == "$key" ]]; then
    say "$tag: exists, skipped"
    return 0
  fi
  local started=$SECONDS
  if ((!FORCE)) && [[ -f "$CACHE_DIR/images/$name.tar" && "$(cat "$keyfile" 2>/dev/null)" == "$key" ]]; then
    say "$tag: importing cached root filesystem"
    load_tarball "$name" "$tag" "${changes[@]}"
  else
    say "$tag: building (log $LOG)"
    ensure_minbase
    rm -f "$keyfile"
    "$fn"
    [[ -z "$key" ]] || printf '%s\n' "$key" >"$keyfile"
  fi
  say "$tag: done in $((SECONDS - started)) s"
}

main() {
  local arg templates_only=0
  for arg in "$@"; do
    case "$arg" in
      --force) FORCE=1 ;;
      --templates) templates_only=1 ;;
      *) printf 'usage: %s [--force] [--templates]\n' "${0##*/}" >&2; exit 2 ;;
    esac
  done
  [[ $EUID -eq 0 ]] || die "needs root (debootstrap and chroot): run it as root"
  if ! command -v debootstrap >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || die "debootstrap is missing, and this machine has no apt-get to install it"
    say "installing: debootstrap (apt-get)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; } \
      || die "apt-get install debootstrap failed"
  fi
  timeout 10 docker info >/dev/null 2>&1 || die "Docker Engine is not answering; run scripts/services.sh up"
  mkdir -p "$CACHE_DIR/apt/archives/partial" "$CACHE_DIR/apt/lists/partial"
  : >"$LOG"
  find_mirrors
  if ((FORCE)); then
    rm -f "$MINBASE_TAR" "$CACHE_DIR/images/python.tar" "$CACHE_DIR/images/nginx.tar" "$CACHE_DIR/images/node.tar"
  fi
  build_image python "$PYTHON_TAG" build_python PYTHON_CHANGES
  build_image nginx "$NGINX_TAG" build_nginx NGINX_CHANGES
  local build_args="PYTHON_IMAGE=$PYTHON_TAG,NGINX_IMAGE=$NGINX_TAG"
  if ((!templates_only)) && find_host_node; then
    NODE_CHANGES=("${COMMON_CHANGES[@]}" "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt"
      "LABEL $KEY_LABEL=$NODE_KEY" 'CMD ["node"]')
    build_image node "$NODE_TAG" build_node NODE_CHANGES "$NODE_KEY"
    build_args+=",NODE_IMAGE=$NODE_TAG"
  fi
  say "SLIPWAY_BUILD_ARGS=$build_args"
}

main "$@"
