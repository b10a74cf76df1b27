#!/usr/bin/env bash
# The steps that make this machine ready for a first push, shared by scripts/start.sh (`npm start`) and
# scripts/install.sh (the systemd service). Sourced, not run: it defines functions and changes nothing
# by itself. Each step says what it does and how long it took, and skips what is already done.
#
#   build_dist             compile the TypeScript to dist/ when a source is newer than the last build
#   slipway_runtime        prints docker or kubernetes, as the server decides (src/config/load-config.ts)
#   ensure_docker          install Docker Engine from the distribution's packages when it is missing,
#                          and start it: scripts/services.sh up docker (the same script the tests use)
#   choose_base_images     the templates' base images (ARG *_IMAGE=… in app-templates/*/Dockerfile):
#                          used if Docker has them or can pull them; when one can be neither found nor
#                          pulled (no Docker Hub), the offline ones are built from Debian's packages
#                          (scripts/build-base-images.sh --templates) and SLIPWAY_BUILD_ARGS is set and
#                          exported for every build. Where the offline images exist and the public ones
#                          do not, the offline ones are used without trying the network again. An
#                          SLIPWAY_BUILD_ARGS already set is left as it is.
#
# SLIPWAY_START_PULL_TIMEOUT (default 120 s) bounds each pull. Installing and starting Docker and
# building the offline images need root; without it, or without apt-get, the step stops with the
# command to run.

SLIPWAY_ROOT="${SLIPWAY_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
OFFLINE_BASE_IMAGES=(PYTHON_IMAGE=slipway-base/python:3.11 NGINX_IMAGE=slipway-base/nginx:1)

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

build_dist() {
  step build "checking dist/"
  if [[ ! -f "$SLIPWAY_ROOT/dist/src/main.js" ]] \
    || [[ -n "$(cd "$SLIPWAY_ROOT" && find src package.json tsconfig.json tsconfig.build.json -newer dist/src/main.js -print -quit)" ]]; then
    (cd "$SLIPWAY_ROOT" && npm run --silent build) || die "the TypeScript build failed (above)"
    touch "$SLIPWAY_ROOT/dist/src/main.js"
    done_step "compiled"
  else
    done_step "up to date"
  fi
}

slipway_runtime() {
  local runtime="${SLIPWAY_RUNTIME:-}"
  if [[ -z "$runtime" ]]; then
    runtime=docker
    if [[ -n "${KUBERNETES_SERVICE_HOST:-}" ]]; then runtime=kubernetes; fi
    if [[ -n "${KUBECONFIG:-}" && -f "${KUBECONFIG%%:*}" ]]; then runtime=kubernetes; fi
  fi
  printf '%s\n' "$runtime"
}

ensure_docker() {
  step docker "checking Docker Engine"
  if timeout 10 docker info >/dev/null 2>&1; then
    done_step "running ($(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?'))"
  else
    bash "$SLIPWAY_ROOT/scripts/services.sh" up docker | sed 's/^/  /'
    done_step "ready"
  fi
}

choose_base_images() {
  if [[ -n "${SLIPWAY_BUILD_ARGS:-}" ]]; then
    say "images: SLIPWAY_BUILD_ARGS is set ($SLIPWAY_BUILD_ARGS); not checked"
    return 0
  fi
  step images "checking the templates' base images"
  local defaults=() missing=() kv image use_offline=0 have_all_offline=1 build_out args_line
  mapfile -t defaults < <(sed -n 's/^ARG \([A-Z0-9_]*_IMAGE\)=\(.*\)$/\1=\2/p' "$SLIPWAY_ROOT"/app-templates/*/Dockerfile | sort -u)
  for kv in "${OFFLINE_BASE_IMAGES[@]}"; do docker image inspect "${kv#*=}" >/dev/null 2>&1 || have_all_offline=0; done
  for kv in "${defaults[@]}"; do
    image="${kv#*=}"
    docker image inspect "$image" >/dev/null 2>&1 || missing+=("$image")
  done
  if (( ${#missing[@]} == 0 )); then
    done_step "all present (${defaults[*]#*=})"
    return 0
  fi
  if (( have_all_offline )); then
    use_offline=1
    done_step "using the offline images (${missing[*]} not here)"
  else
    for image in "${missing[@]}"; do
      say "images: pulling $image (at most ${SLIPWAY_START_PULL_TIMEOUT:-120} s)"
      if ! timeout "${SLIPWAY_START_PULL_TIMEOUT:-120}" docker pull -q "$image" >/dev/null 2>&1; then
        say "images: $image cannot be pulled: building the offline base images from Debian's packages"
        use_offline=1
        break
      fi
    done
    if (( !use_offline )); then
      done_step "pulled"
      return 0
    fi
    [[ $EUID -eq 0 ]] || die "the offline base images are built as root: run this as root once (or: sudo bash scripts/build-base-images.sh --templates)"
    build_out="$(mktemp)"
    bash "$SLIPWAY_ROOT/scripts/build-base-images.sh" --templates | tee "$build_out" | sed 's/^/  /' \
      || { rm -f "$build_out"; die "building the offline base images failed (above)"; }
    args_line="$(tail -n 1 "$build_out")"
    rm -f "$build_out"
    [[ "$args_line" == SLIPWAY_BUILD_ARGS=* ]] || die "scripts/build-base-images.sh did not end with SLIPWAY_BUILD_ARGS=…"
    done_step "built the offline images"
  fi
  SLIPWAY_BUILD_ARGS="$(IFS=,; printf '%s' "${OFFLINE_BASE_IMAGES[*]}")"
  export SLIPWAY_BUILD_ARGS
  say "images: every build gets SLIPWAY_BUILD_ARGS=$SLIPWAY_BUILD_ARGS"
}
