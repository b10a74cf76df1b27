#!/usr/bin/env bash
# Installs k3s (with its Traefik ingress controller) on this machine, set up to pull images from
# Slipway's registry (registry.slipway.internal:5000, through its NodePort on this node's loopback),
# plus Docker Engine, which scripts/bootstrap-cluster.sh builds Slipway's own image with (app builds
# run in the cluster with BuildKit: an extra node needs only k3s and this registries.yaml, no Docker).
# Run as root on a fresh Debian/Ubuntu machine (the seed: one EC2 instance). Idempotent: what is
# already installed and configured is left alone.
#
#   sudo scripts/install-k3s.sh [--k3s-version v1.33.5+k3s1] [--no-docker] [--registry-credentials FILE]
#   sudo scripts/install-k3s.sh --registries-only --registry-credentials FILE
#                            on a machine joining as a node: only the registries.yaml (before `k3s agent`
#                            starts), nothing installed; FILE is a copy of the first server's
#                            /etc/slipway/registry-credentials
#
# The registry asks every client for a user and password (htpasswd): the first server makes them
# (USER:PASSWORD in /etc/slipway/registry-credentials, root only, or from --registry-credentials),
# writes them into registries.yaml for this node's containerd, and scripts/setup-registry.sh gives
# the registry the same ones.
#
# Then: scripts/bootstrap-cluster.sh (which runs scripts/setup-registry.sh).
#
# It downloads k3s with its official installer (https://get.k3s.io), so it needs the internet;
# this repository's CI cannot run it (no k3s binary can be fetched there) and only checks its
# arguments and prerequisites.
set -euo pipefail

K3S_VERSION="${INSTALL_K3S_VERSION:-}"
WITH_DOCKER=1
REGISTRIES_ONLY=0
REGISTRIES_YAML="${SLIPWAY_K3S_REGISTRIES_YAML:-/etc/rancher/k3s/registries.yaml}"
CREDENTIALS_FILE="${SLIPWAY_REGISTRY_CREDENTIALS_FILE:-/etc/slipway/registry-credentials}"
CREDENTIALS_FROM=""

say() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

while (( $# > 0 )); do
  case "$1" in
    --k3s-version)
      [[ $# -ge 2 ]] || die "--k3s-version needs a value, such as v1.33.5+k3s1"
      K3S_VERSION="$2"; shift 2 ;;
    --no-docker) WITH_DOCKER=0; shift ;;
    --registries-only) REGISTRIES_ONLY=1; WITH_DOCKER=0; shift ;;
    --registry-credentials)
      [[ $# -ge 2 ]] || die "--registry-credentials needs a file (USER:PASSWORD, the first server's $CREDENTIALS_FILE)"
      CREDENTIALS_FROM="$2"; shift 2 ;;
    -h | --help) usage ;;
    *) say "unknown argument: $1" >&2; usage ;;
  esac
done
if [[ -n "$K3S_VERSION" && ! "$K3S_VERSION" =~ ^v[0-9]+\.[0-9]+\.[0-9]+\+k3s[0-9]+$ ]]; then
  die "--k3s-version \"$K3S_VERSION\" is not a k3s release such as v1.33.5+k3s1"
fi

# --- prerequisites, first missing one stops here -----------------------------------------------
[[ "$(id -u)" -eq 0 ]] || die "run as root (sudo $0): k3s installs a system service"
command -v curl >/dev/null 2>&1 || die "curl is not installed (apt-get install -y curl)"
command -v systemctl >/dev/null 2>&1 || die "systemd is required: k3s runs as a systemd service"
if (( WITH_DOCKER )) && ! command -v docker >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || die "Docker Engine is not installed and this is not a Debian/Ubuntu system: install Docker, or pass --no-docker"
fi

# --- the registry's credentials ---------------------------------------------------------------------
# One line USER:PASSWORD. Letters, digits and ._~- only: they go into YAML and an htpasswd file unquoted.
valid_credentials() { [[ "$1" =~ ^[A-Za-z0-9._~-]{1,64}:[A-Za-z0-9._~-]{16,128}$ ]]; }
first_line() { head -n 1 "$1" | tr -d '\r\n'; }
if [[ -n "$CREDENTIALS_FROM" ]]; then
  [[ -r "$CREDENTIALS_FROM" ]] || die "--registry-credentials $CREDENTIALS_FROM: no such readable file"
  CREDENTIALS="$(first_line "$CREDENTIALS_FROM")"
  valid_credentials "$CREDENTIALS" \
    || die "$CREDENTIALS_FROM is not one line USER:PASSWORD (letters, digits and ._~- only; a password of 16 to 128 characters)"
elif [[ -f "$CREDENTIALS_FILE" ]]; then
  CREDENTIALS="$(first_line "$CREDENTIALS_FILE")"
  valid_credentials "$CREDENTIALS" || die "$CREDENTIALS_FILE is not one line USER:PASSWORD: fix or remove it"
elif (( REGISTRIES_ONLY )); then
  die "a joining node needs the registry's credentials: copy $CREDENTIALS_FILE from the first server and pass --registry-credentials FILE"
else
  CREDENTIALS="slipway:$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
fi
if [[ ! -f "$CREDENTIALS_FILE" ]] || [[ "$(first_line "$CREDENTIALS_FILE")" != "$CREDENTIALS" ]]; then
  mkdir -p "$(dirname "$CREDENTIALS_FILE")"
  (umask 077 && printf '%s\n' "$CREDENTIALS" >"$CREDENTIALS_FILE.tmp")
  mv "$CREDENTIALS_FILE.tmp" "$CREDENTIALS_FILE"
  say "wrote the registry's credentials to $CREDENTIALS_FILE (root only)"
fi
REGISTRY_USER="${CREDENTIALS%%:*}"
REGISTRY_PASSWORD="${CREDENTIALS#*:}"

# --- registries.yaml before k3s starts: containerd reads it only at start ----------------------
# Images are named registry.slipway.internal:5000/... (k8s/bootstrap/30-registry.yaml). On every node,
# containerd pulls them from the registry Service's NodePort on the node's own loopback over plain
# HTTP: the traffic stays on the node and the cluster network. Run this script (or write the same
# file) on every node that joins.
registries_content() {
  cat <<EOF
# Written by Slipway's scripts/install-k3s.sh: images named registry.slipway.internal:5000/... come
# from Slipway's registry through its NodePort on this node's loopback (plain HTTP, never leaves
# the node), with its htpasswd user; localhost:5050/... from the registry of Slipway versions before
# BuildKit builds.
mirrors:
  "registry.slipway.internal:5000":
    endpoint:
      - "http://127.0.0.1:30500"
  "localhost:5050":
    endpoint:
      - "http://localhost:5050"
configs:
  "127.0.0.1:30500":
    auth:
      username: "$REGISTRY_USER"
      password: "$REGISTRY_PASSWORD"
EOF
}
registries_changed=0
mkdir -p "$(dirname "$REGISTRIES_YAML")"
if [[ ! -f "$REGISTRIES_YAML" ]] || ! diff -q <(registries_content) "$REGISTRIES_YAML" >/dev/null; then
  # It holds the registry's password: root only.
  (umask 077 && registries_content >"$REGISTRIES_YAML.tmp")
  mv "$REGISTRIES_YAML.tmp" "$REGISTRIES_YAML"
  registries_changed=1
  say "wrote $REGISTRIES_YAML"
fi

if (( REGISTRIES_ONLY )); then
  say "$REGISTRIES_YAML is ready: join this node now (k3s agent reads it when it starts)"
  exit 0
fi

# --- k3s ------------------------------------------------------------------------------------------
if command -v k3s >/dev/null 2>&1 && systemctl is-active --quiet k3s; then
  say "k3s is already installed and running: $(k3s --version | head -n 1)"
  if (( registries_changed )); then
    say "restarting k3s to read the new registries.yaml"
    systemctl restart k3s
  fi
else
  say "installing k3s ${K3S_VERSION:-(stable channel)} with Traefik"
  installer="$(mktemp)"
  trap 'rm -f "$installer"' EXIT
  curl -sfL https://get.k3s.io -o "$installer" || die "cannot download the k3s installer from https://get.k3s.io"
  INSTALL_K3S_VERSION="$K3S_VERSION" INSTALL_K3S_EXEC="server --write-kubeconfig-mode 0600" sh "$installer" \
    || die "the k3s installer failed (see its output above)"
fi

# --- Docker Engine, for the builder ----------------------------------------------------------------
if (( WITH_DOCKER )); then
  if command -v docker >/dev/null 2>&1; then
    say "Docker is already installed: $(docker --version)"
  else
    say "installing Docker Engine (docker.io) from the distribution"
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io
  fi
  systemctl enable --now docker >/dev/null 2>&1 || die "cannot start Docker (systemctl status docker)"
fi

# --- htpasswd, which scripts/setup-registry.sh makes the registry's password file with --------------
if ! command -v htpasswd >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || die "htpasswd is not installed and this is not a Debian/Ubuntu system: install it (Apache's utilities)"
  say "installing htpasswd (apache2-utils)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q apache2-utils >/dev/null || die "apt-get install apache2-utils failed"
fi

# --- wait until the node and Traefik are ready -----------------------------------------------------
say "waiting for the node to be Ready"
deadline=$(( SECONDS + 180 ))
until k3s kubectl wait --for=condition=Ready node --all --timeout=5s >/dev/null 2>&1; do
  (( SECONDS < deadline )) || die "the k3s node is not Ready after 3 minutes (journalctl -u k3s)"
  sleep 2
done
say "waiting for Traefik (k3s installs it with a Helm job)"
until k3s kubectl -n kube-system get deployment traefik >/dev/null 2>&1; do
  (( SECONDS < deadline + 120 )) || die "Traefik did not appear in kube-system (k3s kubectl -n kube-system get jobs)"
  sleep 3
done
k3s kubectl -n kube-system rollout status deployment/traefik --timeout=180s >/dev/null \
  || die "Traefik did not become ready (k3s kubectl -n kube-system describe deployment traefik)"
say "k3s is ready; kubeconfig: /etc/rancher/k3s/k3s.yaml"
say "next: scripts/bootstrap-cluster.sh"
