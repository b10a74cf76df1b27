#!/usr/bin/env bash
# `npm start`: everything the first push needs on this machine, then the server. Each step says what
# it does and how long it took; a second start finds each step done and goes straight on.
#
#   1. build   compile TypeScript to dist/ when a source is newer than the last build
#   2. docker  (Docker runtime) install Docker Engine when it is missing, and start it
#   3. images  (Docker runtime) the templates' base images, or the offline ones built from Debian's
#              packages where Docker Hub cannot be reached (SLIPWAY_BUILD_ARGS for every build)
#   4. serve   node dist/src/main.js serve (arguments after `npm start --` go to it)
#
# Steps 2 and 3 are scripts/host-steps.sh (shared with scripts/install.sh), which says more. Set
# SLIPWAY_BUILD_ARGS yourself to skip step 3.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/host-steps.sh
source "$ROOT/scripts/host-steps.sh"

build_dist

runtime="$(slipway_runtime)"
if [[ "$runtime" == docker ]]; then
  ensure_docker
  choose_base_images
fi

say "serve: starting (runtime $runtime)"
# Memory (ARCHITECTURE.md, "Server memory"): as deploy/slipway.service.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec node --max-semi-space-size=1 dist/src/main.js serve "$@"
