#!/usr/bin/env bash
# Installs Slipway on this machine as a systemd service that survives a reboot: the code in a prefix
# folder, its data in /var/lib/slipway, its settings in an environment file, and the unit from
# deploy/slipway.service. Idempotent: run it again (from a newer checkout) to upgrade or repair; the
# settings file and the data are kept.
#
#   sudo scripts/install.sh [options]
#
#   --prefix DIR        the code (default /opt/slipway)
#   --data-dir DIR      the data folder (default /var/lib/slipway)
#   --config-dir DIR    the settings file slipway.env (default /etc/slipway)
#   --systemd-dir DIR   the unit file (default /etc/systemd/system)
#   --user NAME         the service user (default slipway: a system user in the docker group, made
#                       when missing; `root` runs it as root)
#   --public-url URL    SLIPWAY_PUBLIC_URL written into a new settings file (e.g. http://slipway.example.com)
#   --port N            SLIPWAY_PORT written into a new settings file (default 8080)
#   --no-service        leave the service manager alone: no user is made and no systemctl runs (the
#                       unit file is still written); for images, containers and tests
#
# Steps (each timed): build dist/ when a source is newer; copy the code to the prefix; its
# node_modules when package-lock.json changed (the checkout's, pruned of development packages, or
# `npm ci --omit=dev`); Docker Engine and the templates' base images
# (scripts/host-steps.sh, as `npm start` does; SLIPWAY_BUILD_ARGS goes into the settings file when
# the offline images are used); the service user; the data folder (0700); the settings file (0600,
# made once with a new admin token, printed once); the unit; the slice builds run in with Docker's systemd
# cgroup driver (deploy/slipway-builds.slice, TasksMax=SLIPWAY_BUILD_PIDS: what the builds running at once may
# start together); systemctl daemon-reload, enable, restart.
#
# SLIPWAY_BUILD_PIDS in the environment is written into a new settings file (or added to one that lacks it);
# a settings file that has it keeps its value, and a different one in the environment stops the script.
set -euo pipefail

SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/host-steps.sh
source "$SOURCE/scripts/host-steps.sh"

PREFIX=/opt/slipway
DATA_DIR=/var/lib/slipway
CONFIG_DIR=/etc/slipway
SYSTEMD_DIR=/etc/systemd/system
SERVICE_USER=slipway
PUBLIC_URL=""
PORT=8080
MANAGE_SERVICE=1

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
absolute() { [[ "$2" == /* ]] || die "$1 needs an absolute path (got \"$2\")"; }

while (( $# > 0 )); do
  case "$1" in
    --prefix | --data-dir | --config-dir | --systemd-dir | --user | --public-url | --port)
      [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value"
      case "$1" in
        --prefix) absolute "$1" "$2"; PREFIX="${2%/}" ;;
        --data-dir) absolute "$1" "$2"; DATA_DIR="${2%/}" ;;
        --config-dir) absolute "$1" "$2"; CONFIG_DIR="${2%/}" ;;
        --systemd-dir) absolute "$1" "$2"; SYSTEMD_DIR="${2%/}" ;;
        --user) [[ "$2" =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || die "--user \"$2\" is not a user name"; SERVICE_USER="$2" ;;
        --public-url) [[ "$2" =~ ^https?://[^/[:space:]]+/?$ ]] || die "--public-url \"$2\": expected http(s)://HOST[:PORT]"; PUBLIC_URL="${2%/}" ;;
        --port) { [[ "$2" =~ ^[0-9]+$ ]] && (( $2 > 0 && $2 < 65536 )); } || die "--port \"$2\" is not a port"; PORT="$2" ;;
      esac
      shift 2 ;;
    --no-service) MANAGE_SERVICE=0; shift ;;
    -h | --help) usage ;;
    *) say "unknown argument: $1"; usage ;;
  esac
done

[[ $EUID -eq 0 ]] || die "run it as root: sudo $0 $*"
[[ "$PREFIX" != "$SOURCE" ]] || die "--prefix is this checkout; choose another folder (the checkout stays as it is)"
command -v node >/dev/null 2>&1 || die "Node.js is not installed (Node 20.19+ or 22+: apt-get install -y nodejs npm)"
command -v npm >/dev/null 2>&1 || die "npm is not installed (apt-get install -y npm)"
command -v git >/dev/null 2>&1 || die "git is not installed (apt-get install -y git): the server runs git"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>=22||(a===20&&b>=19)?0:1)' \
  || die "Node.js $(node --version) is too old: Slipway needs 20.19+ or 22+"
NODE_BIN="$(command -v node)"

# --- the code ------------------------------------------------------------------------------------
build_dist

step code "copying to $PREFIX"
mkdir -p "$PREFIX"
for d in dist views static app-templates environments hooks prompts k8s scripts deploy; do
  rm -rf "${PREFIX:?}/$d.new"
  cp -a "$SOURCE/$d" "$PREFIX/$d.new"
  rm -rf "${PREFIX:?}/$d"
  mv "$PREFIX/$d.new" "$PREFIX/$d"
done
for f in package.json package-lock.json README.md ARCHITECTURE.md; do cp -p "$SOURCE/$f" "$PREFIX/$f"; done
done_step

step dependencies "node_modules in $PREFIX"
lock_sum="$(sha256sum "$PREFIX/package-lock.json" | cut -d' ' -f1) $(node --version)"
if [[ -d "$PREFIX/node_modules" && "$(cat "$PREFIX/.installed-lock" 2>/dev/null || true)" == "$lock_sum" ]]; then
  done_step "unchanged"
elif [[ -f "$SOURCE/node_modules/.package-lock.json" ]] && cmp -s <(sha256sum <"$SOURCE/package-lock.json") <(sha256sum <"$PREFIX/package-lock.json"); then
  # The checkout's own (built for this Node.js, native modules included), without the development ones.
  rm -rf "$PREFIX/node_modules.new"
  cp -a "$SOURCE/node_modules" "$PREFIX/node_modules.new"
  rm -rf "$PREFIX/node_modules"
  mv "$PREFIX/node_modules.new" "$PREFIX/node_modules"
  (cd "$PREFIX" && npm prune --omit=dev --no-audit --no-fund --loglevel=error >/dev/null) || die "npm prune in $PREFIX failed"
  printf '%s\n' "$lock_sum" >"$PREFIX/.installed-lock"
  done_step "copied from the checkout, without development packages"
else
  (cd "$PREFIX" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci in $PREFIX failed"
  printf '%s\n' "$lock_sum" >"$PREFIX/.installed-lock"
  done_step "installed (npm ci --omit=dev)"
fi

# --- the machine ---------------------------------------------------------------------------------
SLIPWAY_ROOT="$PREFIX"
ENV_FILE="$CONFIG_DIR/slipway.env"
# What a previous install chose stays chosen (and is not checked again).
if [[ -f "$ENV_FILE" && -z "${SLIPWAY_BUILD_ARGS:-}" ]]; then
  SLIPWAY_BUILD_ARGS="$(sed -n 's/^SLIPWAY_BUILD_ARGS=//p' "$ENV_FILE" | tail -n 1)"
fi
# The slice's TasksMax must be the value the server reads: the settings file's.
saved_pids=""
if [[ -f "$ENV_FILE" ]]; then saved_pids="$(sed -n 's/^SLIPWAY_BUILD_PIDS=//p' "$ENV_FILE" | tail -n 1)"; fi
if [[ -n "$saved_pids" && -n "${SLIPWAY_BUILD_PIDS:-}" && "$saved_pids" != "$SLIPWAY_BUILD_PIDS" ]]; then
  die "SLIPWAY_BUILD_PIDS=$SLIPWAY_BUILD_PIDS here, but $saved_pids in $ENV_FILE: change it there, then run this again"
fi
BUILD_PIDS="${saved_pids:-${SLIPWAY_BUILD_PIDS:-512}}"
{ [[ "$BUILD_PIDS" =~ ^[0-9]+$ ]] && (( BUILD_PIDS >= 16 && BUILD_PIDS <= 4194304 )); } \
  || die "SLIPWAY_BUILD_PIDS=\"$BUILD_PIDS\": expected a whole number from 16 to 4194304"
ensure_docker
choose_base_images

step user "service user $SERVICE_USER"
GROUP="$SERVICE_USER"
if [[ "$SERVICE_USER" == root ]]; then
  done_step "root"
elif id "$SERVICE_USER" >/dev/null 2>&1; then
  GROUP="$(id -gn "$SERVICE_USER")"
  if (( MANAGE_SERVICE )) && getent group docker >/dev/null; then usermod -aG docker "$SERVICE_USER"; fi
  done_step "exists"
elif (( MANAGE_SERVICE )); then
  useradd --system --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin --user-group "$SERVICE_USER"
  getent group docker >/dev/null && usermod -aG docker "$SERVICE_USER"
  done_step "created (system user, group docker)"
else
  GROUP=root
  SERVICE_USER_OWNER=root
  done_step "not made (--no-service); the data folder stays root's"
fi

step data "data folder $DATA_DIR"
mkdir -p "$DATA_DIR"
chmod 0700 "$DATA_DIR"
if id "$SERVICE_USER" >/dev/null 2>&1 && [[ -z "${SERVICE_USER_OWNER:-}" ]]; then chown "$SERVICE_USER:$GROUP" "$DATA_DIR"; fi
done_step "private (0700, $(stat -c %U "$DATA_DIR"))"

step settings "$ENV_FILE"
mkdir -p "$CONFIG_DIR"
new_token=""
if [[ -f "$ENV_FILE" ]]; then
  added=()
  if [[ -n "${SLIPWAY_BUILD_ARGS:-}" ]] && ! grep -q '^SLIPWAY_BUILD_ARGS=' "$ENV_FILE"; then
    printf 'SLIPWAY_BUILD_ARGS=%s\n' "$SLIPWAY_BUILD_ARGS" >>"$ENV_FILE"
    added+=(SLIPWAY_BUILD_ARGS)
  fi
  if [[ -n "${SLIPWAY_BUILD_PIDS:-}" && -z "$saved_pids" ]]; then
    printf 'SLIPWAY_BUILD_PIDS=%s\n' "$SLIPWAY_BUILD_PIDS" >>"$ENV_FILE"
    added+=(SLIPWAY_BUILD_PIDS)
  fi
  if (( ${#added[@]} > 0 )); then done_step "kept; added ${added[*]}"; else done_step "kept"; fi
else
  new_token="slw_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  umask 077
  {
    printf '# Slipway settings (scripts/install.sh wrote this once; it keeps your changes). Restart after a change:\n'
    printf '#   systemctl restart slipway\n'
    printf 'SLIPWAY_DATA_DIR=%s\n' "$DATA_DIR"
    printf 'SLIPWAY_HOST=0.0.0.0\n'
    printf 'SLIPWAY_PORT=%s\n' "$PORT"
    if [[ -n "$PUBLIC_URL" ]]; then printf 'SLIPWAY_PUBLIC_URL=%s\n' "$PUBLIC_URL"; else printf '# SLIPWAY_PUBLIC_URL=http://slipway.example.com\n'; fi
    printf 'SLIPWAY_ADMIN_TOKEN=%s\n' "$new_token"
    printf '# HTTPS with certificates from Let'"'"'s Encrypt (with SLIPWAY_PORT=80 for plain HTTP; TLS on 443):\n'
    printf '# SLIPWAY_HTTPS=acme\n# SLIPWAY_DOMAIN=slipway.example.com\n# SLIPWAY_ACME_EMAIL=ops@example.com\n'
    if [[ -n "${SLIPWAY_BUILD_ARGS:-}" ]]; then printf 'SLIPWAY_BUILD_ARGS=%s\n' "$SLIPWAY_BUILD_ARGS"; fi
    if [[ -n "${SLIPWAY_BUILD_PIDS:-}" ]]; then
      printf 'SLIPWAY_BUILD_PIDS=%s\n' "$SLIPWAY_BUILD_PIDS"
    else
      printf '# Processes one build may run at once (with Docker'"'"'s systemd cgroup driver: all builds together; then run\n'
      printf '# scripts/install.sh again after a change, it writes the limit into slipway-builds.slice):\n# SLIPWAY_BUILD_PIDS=512\n'
    fi
    printf '# Lets Claude write changes:\n# ANTHROPIC_API_KEY=\n'
  } >"$ENV_FILE.new"
  chmod 0600 "$ENV_FILE.new"
  mv "$ENV_FILE.new" "$ENV_FILE"
  done_step "written (0600)"
fi

step unit "$SYSTEMD_DIR/slipway.service"
mkdir -p "$SYSTEMD_DIR"
unit="$(sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@DATA_DIR@|$DATA_DIR|g" -e "s|@ENV_FILE@|$ENV_FILE|g" \
  -e "s|@USER@|$SERVICE_USER|g" -e "s|@GROUP@|$GROUP|g" -e "s|@NODE@|$NODE_BIN|g" "$PREFIX/deploy/slipway.service")"
if [[ -f "$SYSTEMD_DIR/slipway.service" && "$(cat "$SYSTEMD_DIR/slipway.service")" == "$unit" ]]; then
  done_step "unchanged"
else
  printf '%s\n' "$unit" >"$SYSTEMD_DIR/slipway.service"
  chmod 0644 "$SYSTEMD_DIR/slipway.service"
  done_step "written"
fi

step builds-slice "$SYSTEMD_DIR/slipway-builds.slice (TasksMax=$BUILD_PIDS)"
slice="$(sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@TASKS_MAX@|$BUILD_PIDS|g" "$PREFIX/deploy/slipway-builds.slice")"
if [[ -f "$SYSTEMD_DIR/slipway-builds.slice" && "$(cat "$SYSTEMD_DIR/slipway-builds.slice")" == "$slice" ]]; then
  done_step "unchanged"
else
  printf '%s\n' "$slice" >"$SYSTEMD_DIR/slipway-builds.slice"
  chmod 0644 "$SYSTEMD_DIR/slipway-builds.slice"
  done_step "written"
fi

if (( MANAGE_SERVICE )); then
  [[ -d /run/systemd/system ]] || die "systemd is not running here: start the server with \`npm start\`, or run again with --no-service"
  step service "systemctl enable slipway, and (re)start it"
  systemctl daemon-reload
  systemctl enable --quiet slipway
  systemctl restart slipway
  done_step "$(systemctl is-active slipway || true)"
else
  say "service: skipped (--no-service); to run it: systemctl daemon-reload && systemctl enable --now slipway"
fi

say ""
say "installed: $PREFIX (data $DATA_DIR, settings $ENV_FILE)"
if [[ -n "$new_token" ]]; then
  say "admin token (shown this once; it is also in $ENV_FILE, readable by root only):"
  say "  $new_token"
fi
say "check it: sudo bash -c 'set -a; . $ENV_FILE; cd $PREFIX && node dist/src/main.js doctor'"
