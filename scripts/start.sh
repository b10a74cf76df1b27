#!/usr/bin/env bash
# `npm start`: everything the first push needs on this machine, then the server. Each step says what
# it does and how long it took; a second start finds each step done and goes straight on.
#
#   1. build   compile TypeScript to dist/ when a source is newer than the last build
#   2. docker  (Docker runtime only) install Docker Engine from the distribution's packages when it
#              is missing and start it: scripts/services.sh up docker (the same script the tests use)
#   3. images  (Docker runtime only) the templates' base images (ARG *_IMAGE=… in
#              app-templates/*/Dockerfile): each is used if Docker has it or can pull it; when one can
#              be neither found nor pulled (no Docker Hub), the offline ones are built from Debian's
#              packages (scripts/build-base-images.sh --templates) and given to every build
#              (SLIPWAY_BUILD_ARGS). A machine that has the offline images and not the public ones
#              uses the offline ones without trying the network again.
#   4. serve   node dist/src/main.js serve (arguments after `npm start --` go to it)
#
# Set SLIPWAY_BUILD_ARGS yourself to skip step 3; SLIPWAY_START_PULL_TIMEOUT (default 120 s) bounds
# each pull. Installing and starting Docker and building the offline images need root; without it,
# or without apt-get, the step that needs them stops with the command to run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PULL_TIMEOUT="${SLIPWAY_START_PULL_TIMEOUT:-120}"

say() { printf 'slipway: %s\n' "$*"; }
die() { printf 'slipway: error: %s\n' "$*" >&2; exit 1; }

now_ms() { date +%s%3N; }
STEP_NAME=""
STEP_STARTED=0
step() { STEP_NAME="$1"; STEP_STARTED="$(now_ms)"; say "$1: $2"; }
done_step() { # [what happened]
  local ms=$(( $(now_ms) - STEP_STARTED ))
  say "$STEP_NAME: ${1:-done} ($(( ms / 1000 )).$(( ms % 1000 / 100 )) s)"
}

# --- 1. build ---------------------------------------------------------------------------------
step build "checking dist/"
if [[ ! -f dist/src/main.js ]] || [[ -n "$(find src package.json tsconfig.json tsconfig.build.json -newer dist/src/main.js -print -quit)" ]]; then
  npm run --silent build || die "the TypeScript build failed (above)"
  touch dist/src/main.js
  done_step "compiled"
else
  done_step "up to date"
fi

# --- which runtime: as the server decides (src/config/load-config.ts) --------------------------
runtime="${SLIPWAY_RUNTIME:-}"
if [[ -z "$runtime" ]]; then
  runtime=docker
  if [[ -n "${KUBERNETES_SERVICE_HOST:-}" ]]; then runtime=kubernetes; fi
  if [[ -n "${KUBECONFIG:-}" && -f "${KUBECONFIG%%:*}" ]]; then runtime=kubernetes; fi
fi

if [[ "$runtime" == docker ]]; then
  # --- 2. Docker Engine ------------------------------------------------------------------------
  step docker "checking Docker Engine"
  if timeout 10 docker info >/dev/null 2>&1; then
    done_step "running ($(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?'))"
  else
    bash scripts/services.sh up docker | sed 's/^/  /'
    done_step "ready"
  fi

  # --- 3. the templates' base images -----------------------------------------------------------
  if [[ -n "${SLIPWAY_BUILD_ARGS:-}" ]]; then
    say "images: SLIPWAY_BUILD_ARGS is set ($SLIPWAY_BUILD_ARGS); not checked"
  else
    step images "checking the templates' base images"
    mapfile -t defaults < <(sed -n 's/^ARG \([A-Z0-9_]*_IMAGE\)=\(.*\)$/\1=\2/p' app-templates/*/Dockerfile | sort -u)
    offline=(PYTHON_IMAGE=slipway-base/python:3.11 NGINX_IMAGE=slipway-base/nginx:1)
    have() { docker image inspect "$1" >/dev/null 2>&1; }
    have_all_offline=1
    for kv in "${offline[@]}"; do have "${kv#*=}" || have_all_offline=0; done
    missing=()
    for kv in "${defaults[@]}"; do
      image="${kv#*=}"
      have "$image" || missing+=("$image")
    done
    use_offline=0
    if (( ${#missing[@]} == 0 )); then
      done_step "all present (${defaults[*]#*=})"
    elif (( have_all_offline )); then
      use_offline=1
      done_step "using the offline images (${missing[*]} not here)"
    else
      for image in "${missing[@]}"; do
        say "images: pulling $image (at most ${PULL_TIMEOUT} s)"
        if ! timeout "$PULL_TIMEOUT" docker pull -q "$image" >/dev/null 2>&1; then
          say "images: $image cannot be pulled: building the offline base images from Debian's packages"
          use_offline=1
          break
        fi
      done
      if (( use_offline )); then
        [[ $EUID -eq 0 ]] || die "the offline base images are built as root: run npm start as root once (or: sudo bash scripts/build-base-images.sh --templates)"
        build_out="$(mktemp)"
        trap 'rm -f "$build_out"' EXIT
        bash scripts/build-base-images.sh --templates | tee "$build_out" | sed 's/^/  /' || die "building the offline base images failed (above)"
        args_line="$(tail -n 1 "$build_out")"
        [[ "$args_line" == SLIPWAY_BUILD_ARGS=* ]] || die "scripts/build-base-images.sh did not end with SLIPWAY_BUILD_ARGS=…"
        done_step "built the offline images"
      else
        done_step "pulled"
      fi
    fi
    if (( use_offline )); then
      export SLIPWAY_BUILD_ARGS
      SLIPWAY_BUILD_ARGS="$(IFS=,; printf '%s' "${offline[*]}")"
      say "images: every build gets SLIPWAY_BUILD_ARGS=$SLIPWAY_BUILD_ARGS"
    fi
  fi
fi

# --- 4. the server -----------------------------------------------------------------------------
say "serve: starting (runtime $runtime)"
exec node dist/src/main.js serve "$@"
