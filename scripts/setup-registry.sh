#!/usr/bin/env bash
# Runs the image registry in the cluster (k8s/bootstrap/00-namespace.yaml and 30-registry.yaml):
# a Service at 10.43.0.50:5000 for pods and the NodePort 30500 on every node, and waits until it
# answers on this node's 127.0.0.1:30500. Build pods push there; every node's containerd pulls
# registry.slipway.internal:5000/... from its own NodePort (scripts/install-k3s.sh wrote the mirror).
# Every client needs the user and password scripts/install-k3s.sh wrote to
# /etc/slipway/registry-credentials (SLIPWAY_REGISTRY_CREDENTIALS_FILE): they go into the Secret
# slipway-system/registry-auth (the user, the password, and their htpasswd line for the registry).
# Idempotent: server-side apply changes nothing when nothing changed.
#
#   scripts/setup-registry.sh
#
# Uses `kubectl` (or `k3s kubectl`) with the current kubeconfig.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REGISTRY_URL="${SLIPWAY_REGISTRY_URL:-http://127.0.0.1:30500}"
CREDENTIALS_FILE="${SLIPWAY_REGISTRY_CREDENTIALS_FILE:-/etc/slipway/registry-credentials}"

say() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

case "${1:-}" in
  "") ;;
  -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument: $1 (this script takes none)" ;;
esac

if command -v kubectl >/dev/null 2>&1; then
  KUBECTL=(kubectl)
elif command -v k3s >/dev/null 2>&1; then
  KUBECTL=(k3s kubectl)
else
  die "kubectl is not installed (k3s provides it: run scripts/install-k3s.sh first)"
fi
command -v curl >/dev/null 2>&1 || die "curl is not installed (apt-get install -y curl)"
command -v htpasswd >/dev/null 2>&1 || die "htpasswd is not installed (apt-get install -y apache2-utils)"
[[ -r "$CREDENTIALS_FILE" ]] || die "no registry credentials at $CREDENTIALS_FILE (scripts/install-k3s.sh writes them; or set SLIPWAY_REGISTRY_CREDENTIALS_FILE)"
CREDENTIALS="$(head -n 1 "$CREDENTIALS_FILE" | tr -d '\r\n')"
[[ "$CREDENTIALS" =~ ^[A-Za-z0-9._~-]{1,64}:[A-Za-z0-9._~-]{16,128}$ ]] || die "$CREDENTIALS_FILE is not one line USER:PASSWORD"
REGISTRY_USER="${CREDENTIALS%%:*}"
REGISTRY_PASSWORD="${CREDENTIALS#*:}"
"${KUBECTL[@]}" get --raw /readyz >/dev/null 2>&1 || die "the cluster is not reachable with the current kubeconfig (${KUBECONFIG:-~/.kube/config})"

# --- the credentials, as a Secret --------------------------------------------------------------------
# From files in a private folder, never on a command line. The htpasswd line (bcrypt, salted) is made again only when
# the user or password changed, so that running this again changes nothing.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 700 "$work"
stored() { "${KUBECTL[@]}" -n slipway-system get secret registry-auth -o "jsonpath={.data.$1}" 2>/dev/null | base64 -d 2>/dev/null || true; }
"${KUBECTL[@]}" apply --server-side --field-manager=slipway --force-conflicts -f "$ROOT/k8s/bootstrap/00-namespace.yaml" >/dev/null
if [[ "$(stored username)" == "$REGISTRY_USER" && "$(stored password)" == "$REGISTRY_PASSWORD" && -n "$(stored htpasswd)" ]]; then
  say "registry credentials: unchanged (slipway-system/registry-auth)"
else
  printf '%s' "$REGISTRY_USER" >"$work/username"
  printf '%s' "$REGISTRY_PASSWORD" >"$work/password"
  htpasswd -niB -C 10 "$REGISTRY_USER" <"$work/password" | head -n 1 >"$work/htpasswd" || die "htpasswd failed"
  "${KUBECTL[@]}" -n slipway-system create secret generic registry-auth --from-file="username=$work/username" \
    --from-file="password=$work/password" --from-file="htpasswd=$work/htpasswd" --dry-run=client -o json \
    | "${KUBECTL[@]}" apply --server-side --field-manager=slipway --force-conflicts -f - >/dev/null
  # A running registry reads its htpasswd file again when the mounted Secret changes (within a minute): restart it
  # so that the new credentials work at once.
  "${KUBECTL[@]}" -n slipway-system rollout restart deployment/registry >/dev/null 2>&1 || true
  say "registry credentials: stored in slipway-system/registry-auth"
fi
printf 'user = "%s"\n' "$REGISTRY_USER:$REGISTRY_PASSWORD" >"$work/curl.conf"

say "applying the registry (slipway-system/registry)"
"${KUBECTL[@]}" apply --server-side --field-manager=slipway --force-conflicts \
  -f "$ROOT/k8s/bootstrap/00-namespace.yaml" -f "$ROOT/k8s/bootstrap/30-registry.yaml" >/dev/null
"${KUBECTL[@]}" -n slipway-system rollout status deployment/registry --timeout=300s >/dev/null \
  || die "the registry did not become ready (${KUBECTL[*]} -n slipway-system describe deployment registry)"

deadline=$(( SECONDS + 60 ))
until curl -fsS --max-time 3 -K "$work/curl.conf" "$REGISTRY_URL/v2/" >/dev/null 2>&1; do
  (( SECONDS < deadline )) || die "the registry runs but $REGISTRY_URL/v2/ does not answer with its credentials"
  sleep 2
done
# Without credentials it must refuse: a NodePort answers on every address of the node.
anonymous="$(curl -sS --max-time 3 -o /dev/null -w '%{http_code}' "$REGISTRY_URL/v2/" 2>/dev/null || true)"
[[ "$anonymous" == 401 ]] || die "the registry answers $REGISTRY_URL/v2/ without credentials ($anonymous): its htpasswd is not in use"
say "registry ready at ${REGISTRY_URL#http://}"
