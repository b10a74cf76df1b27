#!/usr/bin/env bash
# Runs the image registry in the cluster (k8s/bootstrap/00-namespace.yaml and 30-registry.yaml):
# a Service at 10.43.0.50:5000 for pods and the NodePort 30500 on every node, and waits until it
# answers on this node's 127.0.0.1:30500. Build pods push there; every node's containerd pulls
# registry.slipway.internal:5000/... from its own NodePort (scripts/install-k3s.sh wrote the mirror).
# Idempotent: server-side apply changes nothing when nothing changed.
#
#   scripts/setup-registry.sh
#
# Uses `kubectl` (or `k3s kubectl`) with the current kubeconfig.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REGISTRY_URL="${SLIPWAY_REGISTRY_URL:-http://127.0.0.1:30500}"

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
"${KUBECTL[@]}" get --raw /readyz >/dev/null 2>&1 || die "the cluster is not reachable with the current kubeconfig (${KUBECONFIG:-~/.kube/config})"

say "applying the registry (slipway-system/registry)"
"${KUBECTL[@]}" apply --server-side --field-manager=slipway --force-conflicts \
  -f "$ROOT/k8s/bootstrap/00-namespace.yaml" -f "$ROOT/k8s/bootstrap/30-registry.yaml" >/dev/null
"${KUBECTL[@]}" -n slipway-system rollout status deployment/registry --timeout=300s >/dev/null \
  || die "the registry did not become ready (${KUBECTL[*]} -n slipway-system describe deployment registry)"

deadline=$(( SECONDS + 60 ))
until curl -fsS --max-time 3 "$REGISTRY_URL/v2/" >/dev/null 2>&1; do
  (( SECONDS < deadline )) || die "the registry runs but $REGISTRY_URL/v2/ does not answer"
  sleep 2
done
say "registry ready at ${REGISTRY_URL#http://}"
