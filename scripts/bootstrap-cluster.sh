#!/usr/bin/env bash
# Puts Slipway on a k3s cluster (after scripts/install-k3s.sh): the registry, the builder image
# (built here with Docker), the BuildKit build image (scripts/buildkit-image.sh, built from the Go
# module proxy, no Docker), both pushed to the registry; the builder's namespace, ServiceAccount,
# RBAC and admission policy, the build namespace, its Deployment, Service and Ingress at
# builder.<ip-with-dashes>.nip.io; then waits for the rollout and prints the URL and the admin token.
# App builds then run in the cluster as BuildKit Jobs: nodes need no Docker Engine. Idempotent: run it again to
# upgrade (a new image) or to repair; the admin token is kept.
#
#   scripts/bootstrap-cluster.sh [--ip ADDRESS] [--domain DOMAIN] [--test-cluster]
#   scripts/bootstrap-cluster.sh detect-ip        print the public IP this script would use
#
# --test-cluster: the cluster is scripts/k8s-test-cluster.sh's, not k3s. It has a registry on
# 127.0.0.1:5050 already (scripts/services.sh) behind its Service slipway-system/registry
# (10.96.0.50:5000), no volume provisioner, and real nodes labelled and tainted
# slipway.dev/pool=real. So the k3s-only step (the registry in the cluster) is skipped; the builder
# and every app run on those nodes; the builder keeps its data in an emptyDir (lost with its pod)
# and builds on the offline base images (NODE_IMAGE and SLIPWAY_BUILD_ARGS below, which must name
# images in the registry: registry.slipway.internal:5000/...). The domain defaults to
# slipway.test: requests reach the builder through the nodes' Traefik with that Host.
#
# Environment:
#   SLIPWAY_PUBLIC_IP    the public IP (default: detected: EC2 instance metadata, then
#                        checkip.amazonaws.com / api.ipify.org / ifconfig.me, then the address
#                        of the default route)
#   ANTHROPIC_API_KEY    stored in the Secret slipway-secrets (kept from a previous run if unset)
#   SLIPWAY_ADMIN_TOKEN  the admin token (default: the one from a previous run, or a new one)
#   NODE_IMAGE           base image of the builder (default node:20-bookworm-slim; with
#                        --test-cluster slipway-base/node:20 from scripts/build-base-images.sh)
#   SLIPWAY_BUILD_ARGS   build arguments for every app build, e.g. the offline base images that
#                        scripts/build-base-images.sh prints (given to the builder as they are)
# Secrets go into the cluster from files in a private temporary folder, never onto a command
# line or into the repository.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAMESPACE=slipway-system
IMDS_URL="${SLIPWAY_IMDS_URL:-http://169.254.169.254}"
IP_ECHO_URLS="${SLIPWAY_IP_ECHO_URLS:-https://checkip.amazonaws.com https://api.ipify.org https://ifconfig.me/ip}"

say() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

is_ipv4() {
  local ip="$1" part
  [[ "$ip" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || return 1
  IFS=. read -r -a parts <<<"$ip"
  for part in "${parts[@]}"; do (( 10#$part <= 255 )) || return 1; done
}

is_private_ipv4() {
  [[ "$1" =~ ^(10\.|127\.|169\.254\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.) ]]
}

# Prints the first valid IPv4 address one of the sources gives, in order of trust.
detect_public_ip() {
  local ip token url
  if [[ -n "${SLIPWAY_PUBLIC_IP:-}" ]]; then
    is_ipv4 "$SLIPWAY_PUBLIC_IP" || die "SLIPWAY_PUBLIC_IP=\"$SLIPWAY_PUBLIC_IP\" is not an IPv4 address"
    printf '%s\n' "$SLIPWAY_PUBLIC_IP"; return 0
  fi
  # EC2 instance metadata: IMDSv2 (token) first, then IMDSv1.
  token="$(curl -fsS --connect-timeout 1 --max-time 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
    "$IMDS_URL/latest/api/token" 2>/dev/null || true)"
  if [[ -n "$token" ]]; then
    ip="$(curl -fsS --connect-timeout 1 --max-time 2 -H "X-aws-ec2-metadata-token: $token" \
      "$IMDS_URL/latest/meta-data/public-ipv4" 2>/dev/null || true)"
  else
    ip="$(curl -fsS --connect-timeout 1 --max-time 2 "$IMDS_URL/latest/meta-data/public-ipv4" 2>/dev/null || true)"
  fi
  ip="$(printf '%s' "$ip" | tr -d '[:space:]')"
  if is_ipv4 "$ip"; then say "public IP from the EC2 instance metadata: $ip"; printf '%s\n' "$ip"; return 0; fi
  for url in $IP_ECHO_URLS; do
    ip="$(curl -fsS --connect-timeout 2 --max-time 4 "$url" 2>/dev/null | tr -d '[:space:]' || true)"
    if is_ipv4 "$ip"; then say "public IP from $url: $ip"; printf '%s\n' "$ip"; return 0; fi
  done
  # Last resort: the address this machine uses for its default route (private behind NAT).
  ip="$(ip -4 route get 1.1.1.1 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "src") { print $(i + 1); exit } }' || true)"
  if ! is_ipv4 "$ip"; then ip="$(hostname -I 2>/dev/null | awk '{ print $1 }' || true)"; fi
  if is_ipv4 "$ip"; then
    if is_private_ipv4 "$ip"; then
      say "warning: no public IP found; using the local address $ip (set SLIPWAY_PUBLIC_IP to the public one)"
    else
      say "public IP from the local interfaces: $ip"
    fi
    printf '%s\n' "$ip"; return 0
  fi
  die "cannot find this machine's IP address: set SLIPWAY_PUBLIC_IP"
}

# --- arguments ------------------------------------------------------------------------------------
IP=""
DOMAIN=""
TEST_CLUSTER=0
if [[ "${1:-}" == "detect-ip" ]]; then
  (( $# == 1 )) || die "detect-ip takes no arguments"
  detect_public_ip
  exit 0
fi
while (( $# > 0 )); do
  case "$1" in
    --ip)
      [[ $# -ge 2 ]] || die "--ip needs an address"
      is_ipv4 "$2" || die "--ip \"$2\" is not an IPv4 address"
      IP="$2"; shift 2 ;;
    --domain)
      [[ $# -ge 2 ]] || die "--domain needs a value"
      [[ "$2" =~ ^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$ ]] || die "--domain \"$2\" is not a DNS domain"
      DOMAIN="$2"; shift 2 ;;
    --test-cluster) TEST_CLUSTER=1; shift ;;
    -h | --help) usage ;;
    *) say "unknown argument: $1"; usage ;;
  esac
done

# --- prerequisites, in order; the first missing one stops here -----------------------------------
if command -v kubectl >/dev/null 2>&1; then
  KUBECTL=(kubectl)
elif command -v k3s >/dev/null 2>&1; then
  KUBECTL=(k3s kubectl)
else
  die "kubectl is not installed (k3s provides it: run scripts/install-k3s.sh first)"
fi
command -v docker >/dev/null 2>&1 || die "docker is not installed (scripts/install-k3s.sh installs it)"
command -v curl >/dev/null 2>&1 || die "curl is not installed (apt-get install -y curl)"
command -v base64 >/dev/null 2>&1 || die "base64 is not installed (coreutils)"
docker info >/dev/null 2>&1 || die "Docker Engine is not running or not accessible (systemctl start docker; run as root or in the docker group)"
"${KUBECTL[@]}" get --raw /readyz >/dev/null 2>&1 || die "the cluster is not reachable with the current kubeconfig (${KUBECONFIG:-~/.kube/config}); on k3s: export KUBECONFIG=/etc/rancher/k3s/k3s.yaml"
# Read whole, then searched: `kubectl … | grep -q` fails under pipefail when grep stops reading early, and
# api-resources exits 1 when any other API group's discovery fails for a moment, while listing this one.
admission_resources="$("${KUBECTL[@]}" api-resources --api-group=admissionregistration.k8s.io -o name 2>/dev/null || true)"
grep -q '^validatingadmissionpolicies' <<<"$admission_resources" \
  || die "this cluster does not serve ValidatingAdmissionPolicy (Kubernetes 1.30 or later is needed)"
"${KUBECTL[@]}" get ingressclass traefik >/dev/null 2>&1 || die "the cluster has no IngressClass \"traefik\" (k3s installs Traefik by default)"

if (( TEST_CLUSTER )); then
  [[ -n "$DOMAIN" ]] || DOMAIN=slipway.test
  NODE_IMAGE="${NODE_IMAGE:-slipway-base/node:20}"
  docker image inspect "$NODE_IMAGE" >/dev/null 2>&1 || die "the image $NODE_IMAGE is not here (scripts/build-base-images.sh makes it)"
  curl -fsS --max-time 5 http://127.0.0.1:5050/v2/ >/dev/null 2>&1 || die "no registry answers on 127.0.0.1:5050 (bash scripts/services.sh up)"
elif [[ -z "$DOMAIN" && -z "$IP" ]]; then
  IP="$(detect_public_ip)"
fi

# --- registry, then the builder image ----------------------------------------------------------
if (( TEST_CLUSTER )); then
  say "test cluster: using the registry on 127.0.0.1:5050"
else
  "$ROOT/scripts/setup-registry.sh"
fi

# Pushed through this machine's way into the registry (its loopback: Docker allows plain HTTP there);
# pods and nodes name images registry.slipway.internal:5000/... (the nodes' mirrors, the pods' hostAlias).
if (( TEST_CLUSTER )); then PUSH_TO=127.0.0.1:5050; REGISTRY_IP=10.96.0.50; else PUSH_TO=127.0.0.1:30500; REGISTRY_IP=10.43.0.50; fi
# The k3s registry asks for the user scripts/install-k3s.sh made (the test registry does not): Docker logs in with a
# config of its own in a private folder, removed at exit; scripts/buildkit-image.sh reads them from the environment.
push_config="$(mktemp -d)"
trap 'rm -rf "$push_config"' EXIT
chmod 700 "$push_config"
if (( ! TEST_CLUSTER )); then
  credentials_file="${SLIPWAY_REGISTRY_CREDENTIALS_FILE:-/etc/slipway/registry-credentials}"
  credentials="$(head -n 1 "$credentials_file" 2>/dev/null | tr -d '\r\n')" || true
  [[ "$credentials" == *:* ]] || die "no registry credentials in $credentials_file (scripts/install-k3s.sh writes them)"
  export SLIPWAY_REGISTRY_USER="${credentials%%:*}" SLIPWAY_REGISTRY_PASSWORD="${credentials#*:}"
  printf '%s' "$SLIPWAY_REGISTRY_PASSWORD" | DOCKER_CONFIG="$push_config" docker login -u "$SLIPWAY_REGISTRY_USER" --password-stdin "$PUSH_TO" >/dev/null \
    || die "docker login $PUSH_TO failed with the credentials of $credentials_file"
fi
REGISTRY_NAME=registry.slipway.internal:5000
TAG="$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || date -u +%Y%m%d%H%M%S)"
if [[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null || true)" ]]; then TAG="$TAG-$(date -u +%Y%m%d%H%M%S)"; fi
IMAGE="$PUSH_TO/slipway-builder:$TAG"
say "building $IMAGE"
docker build --pull=false --build-arg "NODE_IMAGE=${NODE_IMAGE:-node:20-bookworm-slim}" -t "$IMAGE" "$ROOT" >&2 \
  || die "docker build failed (see above)"
DOCKER_CONFIG="$push_config" docker push "$IMAGE" >/dev/null || die "cannot push $IMAGE to the registry at $PUSH_TO"
say "building the BuildKit build image (scripts/buildkit-image.sh)"
bash "$ROOT/scripts/buildkit-image.sh" build >&2 || die "building the BuildKit image failed (see above)"
BUILDKIT_PUSHED="$(bash "$ROOT/scripts/buildkit-image.sh" push "$PUSH_TO" | tail -n 1)"
[[ "$BUILDKIT_PUSHED" == "$PUSH_TO/"* ]] || die "pushing the BuildKit image to $PUSH_TO failed (it printed: $BUILDKIT_PUSHED)"
BUILDKIT_IMAGE="$REGISTRY_NAME/${BUILDKIT_PUSHED#"$PUSH_TO/"}"
# --- the Secret with the admin token and the API key ------------------------------------------------
"${KUBECTL[@]}" apply --server-side --field-manager=slipway --force-conflicts -f "$ROOT/k8s/bootstrap/00-namespace.yaml" >/dev/null
secret_value() { # <key>: the value stored by a previous run, or nothing
  "${KUBECTL[@]}" -n "$NAMESPACE" get secret slipway-secrets -o "jsonpath={.data.$1}" 2>/dev/null | base64 -d 2>/dev/null || true
}
TOKEN="${SLIPWAY_ADMIN_TOKEN:-$(secret_value SLIPWAY_ADMIN_TOKEN)}"
[[ -n "$TOKEN" ]] || TOKEN="slw_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
(( ${#TOKEN} >= 16 )) || die "SLIPWAY_ADMIN_TOKEN must have at least 16 characters"
API_KEY="${ANTHROPIC_API_KEY:-$(secret_value ANTHROPIC_API_KEY)}"
[[ -n "$API_KEY" ]] || say "warning: ANTHROPIC_API_KEY is not set: apps can be created and pushed, but not generated"
secrets_dir="$(mktemp -d)"
trap 'rm -rf "$secrets_dir" "$push_config"' EXIT
chmod 700 "$secrets_dir"
printf '%s' "$TOKEN" >"$secrets_dir/SLIPWAY_ADMIN_TOKEN"
from_files=(--from-file="SLIPWAY_ADMIN_TOKEN=$secrets_dir/SLIPWAY_ADMIN_TOKEN")
if [[ -n "$API_KEY" ]]; then
  printf '%s' "$API_KEY" >"$secrets_dir/ANTHROPIC_API_KEY"
  from_files+=(--from-file="ANTHROPIC_API_KEY=$secrets_dir/ANTHROPIC_API_KEY")
fi
"${KUBECTL[@]}" -n "$NAMESPACE" create secret generic slipway-secrets "${from_files[@]}" --dry-run=client -o json \
  | "${KUBECTL[@]}" apply --server-side --field-manager=slipway-bootstrap --force-conflicts -f - >/dev/null

# --- the manifests, rendered inside the image just built (the host needs no Node.js) --------------
say "applying k8s/bootstrap/ for ${DOMAIN:-$IP}"
render_env=(-e "IP=$IP" -e "DOMAIN=$DOMAIN" -e "IMAGE=$REGISTRY_NAME/slipway-builder:$TAG" -e "BUILDKIT_IMAGE=$BUILDKIT_IMAGE"
  -e "REGISTRY_IP=$REGISTRY_IP" -e "BUILD_ARGS=${SLIPWAY_BUILD_ARGS:-}")
if (( TEST_CLUSTER )); then
  render_env+=(-e TEST_CLUSTER=1)
fi
docker run --rm --entrypoint node "${render_env[@]}" "$IMAGE" --input-type=module -e '
  const { renderBootstrapYaml } = await import("/app/dist/src/runtime/kubernetes/render-bootstrap.js");
  const e = process.env;
  const settings = {
    publicIp: e.IP || undefined,
    domain: e.DOMAIN || undefined,
    builderImage: e.IMAGE,
    buildkitImage: e.BUILDKIT_IMAGE,
    registryIp: e.REGISTRY_IP,
    buildArgs: e.BUILD_ARGS || undefined,
  };
  if (e.TEST_CLUSTER) {
    Object.assign(settings, {
      withoutRegistry: true,
      dataVolume: "emptyDir",
      nodeSelector: { "slipway.dev/pool": "real" },
    });
  }
  process.stdout.write(renderBootstrapYaml("/app/k8s/bootstrap", settings));
' >"$secrets_dir/bootstrap.yaml" || die "rendering k8s/bootstrap/ failed"
"${KUBECTL[@]}" apply --server-side --field-manager=slipway --force-conflicts -f "$secrets_dir/bootstrap.yaml" >/dev/null
"${KUBECTL[@]}" -n "$NAMESPACE" rollout status deployment/slipway-builder --timeout=300s >&2 \
  || die "the builder did not become ready (${KUBECTL[*]} -n $NAMESPACE logs deployment/slipway-builder)"

HOST="$("${KUBECTL[@]}" -n "$NAMESPACE" get ingress slipway-builder -o 'jsonpath={.spec.rules[0].host}')"
say ""
say "Slipway is running: http://$HOST"
say "admin token: $TOKEN"
say "  git clone http://admin:\$TOKEN@$HOST/git/APP.git"
