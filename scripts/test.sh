#!/usr/bin/env bash
# The test command (`npm test`): builds, starts the real services the tests use — Docker Engine, a registry,
# offline base images, a Kubernetes control plane (built from the Go module proxy, cached under ~/.cache) —
# then runs vitest with their settings. Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Kubernetes test binaries take the longest to build the first time (Go, about half an hour on two cores):
# that build runs beside the TypeScript build, Docker's start and the base images (a moment once cached).
k8s_build_log="$(mktemp)"
bash scripts/k8s-test-cluster.sh build >"$k8s_build_log" 2>&1 &
k8s_build=$!
# BuildKit's build image (scripts/buildkit-image.sh: Go, a few minutes the first time, cached after) too.
buildkit_log="$(mktemp)"
bash scripts/buildkit-image.sh build >"$buildkit_log" 2>&1 &
buildkit_build=$!
npm run --silent build
bash scripts/services.sh up
build_args="$(bash scripts/build-base-images.sh | tail -n 1)"
case "$build_args" in
  SLIPWAY_BUILD_ARGS=*) export "${build_args?}" ;;
  *) echo "error: scripts/build-base-images.sh did not end with SLIPWAY_BUILD_ARGS=…" >&2; exit 1 ;;
esac
if ! wait "$k8s_build"; then
  tail -n 30 "$k8s_build_log" >&2
  echo "error: building the Kubernetes test binaries failed (above)" >&2
  exit 1
fi
sed 's/^/k8s build: /' "$k8s_build_log"
rm -f "$k8s_build_log"
if ! wait "$buildkit_build"; then
  tail -n 30 "$buildkit_log" >&2
  echo "error: building the BuildKit image failed (above)" >&2
  exit 1
fi
rm -f "$buildkit_log"
# BuildKit builds in the cluster pull and push through the registry, which the nodes' pods and containerd call
# registry.slipway.internal:5000 (scripts/k8s-test-cluster.sh): the build image and the offline base images go there.
in_cluster=registry.slipway.internal:5000
pushed="$(bash scripts/buildkit-image.sh push 127.0.0.1:5050 | tail -n 1)"
case "$pushed" in
  127.0.0.1:5050/*) export SLIPWAY_TEST_BUILDKIT_IMAGE="$in_cluster/${pushed#127.0.0.1:5050/}" ;;
  *) echo "error: scripts/buildkit-image.sh push printed no image name (it printed: $pushed)" >&2; exit 1 ;;
esac
registry_args=()
IFS=, read -r -a base_args <<<"${SLIPWAY_BUILD_ARGS#SLIPWAY_BUILD_ARGS=}"
for arg in "${base_args[@]}"; do
  name="${arg%%=*}" image="${arg#*=}"
  [[ "$name" == NODE_IMAGE ]] && continue   # the builder image's base: it holds this machine's CAs, never pushed
  if ! { docker tag "$image" "127.0.0.1:5050/$image" && docker push -q "127.0.0.1:5050/$image" >/dev/null; }; then
    echo "error: pushing $image to the test registry failed" >&2
    exit 1
  fi
  registry_args+=("$name=$in_cluster/$image")
done
SLIPWAY_TEST_REGISTRY_BUILD_ARGS="$(IFS=,; printf '%s' "${registry_args[*]}")"
export SLIPWAY_TEST_REGISTRY_BUILD_ARGS
cluster="$(bash scripts/k8s-test-cluster.sh up)"
kubeconfig="$(printf '%s\n' "$cluster" | tail -n 1)"
case "$kubeconfig" in
  KUBECONFIG=*) export SLIPWAY_TEST_KUBECONFIG="${kubeconfig#KUBECONFIG=}" ;;
  *) echo "error: scripts/k8s-test-cluster.sh did not end with KUBECONFIG=…" >&2; exit 1 ;;
esac
# The real nodes' Traefik, and the kubectl built with the cluster.
traefik="$(printf '%s\n' "$cluster" | sed -n 's/^TRAEFIK=//p' | tail -n 1)"
[ -n "$traefik" ] || { echo "error: scripts/k8s-test-cluster.sh printed no TRAEFIK=… line (the real nodes did not start)" >&2; exit 1; }
export SLIPWAY_TEST_TRAEFIK="$traefik"
SLIPWAY_TEST_TRAEFIK_HTTPS="$(printf '%s\n' "$cluster" | sed -n 's/^TRAEFIK_HTTPS=//p' | tail -n 1)"
export SLIPWAY_TEST_TRAEFIK_HTTPS
# The real nodes (comma-separated names), and the addresses their pods reach this machine's loopback and the
# test registry at.
SLIPWAY_TEST_REAL_NODES="$(printf '%s\n' "$cluster" | sed -n 's/^REAL_NODES=//p' | tail -n 1)"
SLIPWAY_TEST_POD_HOST="$(printf '%s\n' "$cluster" | sed -n 's/^POD_HOST=//p' | tail -n 1)"
SLIPWAY_TEST_POD_REGISTRY="$(printf '%s\n' "$cluster" | sed -n 's/^POD_REGISTRY=//p' | tail -n 1)"
export SLIPWAY_TEST_REAL_NODES SLIPWAY_TEST_POD_HOST SLIPWAY_TEST_POD_REGISTRY
SLIPWAY_TEST_KUBECTL="$(bash scripts/k8s-test-cluster.sh kubectl-path)"
export SLIPWAY_TEST_KUBECTL
exec npx vitest run "$@"
