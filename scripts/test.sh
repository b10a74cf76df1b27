#!/usr/bin/env bash
# The test command (`npm test`): builds, starts the real services the tests use — Docker Engine, a registry,
# offline base images, a Kubernetes control plane (built from the Go module proxy, cached under ~/.cache) —
# then runs vitest with their settings. Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent build
bash scripts/test-services.sh up
build_args="$(bash scripts/build-base-images.sh | tail -n 1)"
case "$build_args" in
  SLIPWAY_BUILD_ARGS=*) export "${build_args?}" ;;
  *) echo "error: scripts/build-base-images.sh did not end with SLIPWAY_BUILD_ARGS=…" >&2; exit 1 ;;
esac
kubeconfig="$(bash scripts/k8s-test-cluster.sh up | tail -n 1)"
case "$kubeconfig" in
  KUBECONFIG=*) export SLIPWAY_TEST_KUBECONFIG="${kubeconfig#KUBECONFIG=}" ;;
  *) echo "error: scripts/k8s-test-cluster.sh did not end with KUBECONFIG=…" >&2; exit 1 ;;
esac
exec npx vitest run "$@"
