#!/usr/bin/env bash
# Starts and stops the services Slipway uses on one machine: Docker Engine (the distribution's
# docker.io) for `npm start` (scripts/start.sh) and the tests, and a Docker registry (Debian's
# docker-registry) on 127.0.0.1:5050 for the tests, and Pebble (the ACME test server Let's Encrypt
# publishes, built from the Go module proxy and cached) with its DNS server on loopback for the HTTPS
# tests. Idempotent: whatever already runs is left alone and never stopped by `down`.
#
#   scripts/services.sh up           Docker, the registry and Pebble: install or build if missing,
#                                    start what is not running, wait until ready
#   scripts/services.sh up docker    Docker Engine only
#   scripts/services.sh up registry  Docker Engine and the registry
#   scripts/services.sh up pebble    Pebble only
#   scripts/services.sh down         stop only what `up` started (by the PIDs it recorded)
#   scripts/services.sh status       print what runs
#   scripts/services.sh gc-registry  maintenance: the registry's garbage collection, which frees the
#                                    layers of the images Slipway's retention deleted (a manifest
#                                    DELETE only unlinks them). It must not run while images are
#                                    pushed, so a registry this script started is stopped for it and
#                                    started again (a few seconds: run it when no tests run); one it
#                                    did not start is left alone, with the command to run where it is.
#
# Where systemd runs and the package installed its unit, Docker is started with `systemctl start
# docker` (and so survives a reboot); elsewhere (containers, CI) dockerd is started here, detached.
# Without root, or without apt-get, nothing is installed or started: one message says what to run.
#
# State (pid files, logs, registry storage) lives in ${SLIPWAY_SERVICES_DIR:-$HOME/.cache/slipway-services}.
# Needs root to install packages and to run dockerd.
#
# dockerd runs with its defaults (iptables on, bridge docker0, overlay2, data in /var/lib/docker,
# socket /var/run/docker.sock): they work on the Debian bookworm VM this was written on (kernel
# 6.x with nf_tables iptables, br_netfilter and overlayfs), including `docker run -p 127.0.0.1::8080`.
# Extra flags for machines where they do not (not needed, so not tested, here):
#   SLIPWAY_DOCKERD_FLAGS="--iptables=false --bridge=none"  no iptables or bridges: containers then
#     only get --network host or none, so published ports do not work;
#   SLIPWAY_DOCKERD_FLAGS="--storage-driver=vfs"  no overlayfs (works, but slow and large).
set -euo pipefail

STATE_DIR="${SLIPWAY_SERVICES_DIR:-$HOME/.cache/slipway-services}"
# SLIPWAY_REGISTRY_ADDR: another loopback address for a registry of its own (the gc-registry test uses one).
REGISTRY_ADDR="${SLIPWAY_REGISTRY_ADDR:-127.0.0.1:5050}"
REGISTRY_URL="http://$REGISTRY_ADDR/v2/"
DOCKERD_PIDFILE="$STATE_DIR/dockerd.pid"
REGISTRY_PIDFILE="$STATE_DIR/registry.pid"
DOCKERD_LOG="$STATE_DIR/dockerd.log"
REGISTRY_LOG="$STATE_DIR/registry.log"
REGISTRY_CONFIG="$STATE_DIR/registry.yml"
REGISTRY_BIN="/usr/bin/docker-registry"
WAIT_SECONDS="${SLIPWAY_SERVICES_WAIT:-60}"

# Pebble: the ACME server on 127.0.0.1:14000 (its management API, with the roots it issues under, on
# :15000) validates HTTP-01 challenges on port 5002 of whatever name it is asked for; its DNS server
# pebble-challtestsrv (127.0.0.1:8053) answers 127.0.0.1 for every name, so validation stays on
# loopback. An ACME test runs Slipway with SLIPWAY_HTTP_PORT=5002. Two profiles: `default` (90 days)
# and `short` (24 seconds, for renewal tests). Values for tests: $STATE_DIR/pebble.env.
PEBBLE_VERSION="v2.10.3"
PEBBLE_BIN_DIR="${SLIPWAY_PEBBLE_BIN_DIR:-$HOME/.cache/slipway-pebble/$PEBBLE_VERSION}"
PEBBLE_ADDR="127.0.0.1:14000"
PEBBLE_MGMT_ADDR="127.0.0.1:15000"
PEBBLE_DNS_ADDR="127.0.0.1:8053"
PEBBLE_DNS_MGMT_ADDR="127.0.0.1:8055"
PEBBLE_HTTP_PORT=5002
PEBBLE_PIDFILE="$STATE_DIR/pebble.pid"
PEBBLE_DNS_PIDFILE="$STATE_DIR/pebble-challtestsrv.pid"
PEBBLE_LOG="$STATE_DIR/pebble.log"

say() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

docker_answers() { timeout 5 docker info >/dev/null 2>&1; }
registry_answers() { curl -fsS --max-time 3 -o /dev/null "$REGISTRY_URL" 2>/dev/null; }
port_taken() { (exec 3<>"/dev/tcp/${REGISTRY_ADDR%:*}/${REGISTRY_ADDR##*:}") 2>/dev/null; }

# A pid file holds "PID STARTTIME" (field 22 of /proc/PID/stat) so a PID reused by an unrelated
# process after a reboot or crash is never mistaken for ours, and never killed.
proc_starttime() { awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$1/stat" 2>/dev/null; }

record_pid() { # FILE PID
  local start
  start="$(proc_starttime "$2")" || true
  printf '%s %s\n' "$2" "${start:-unknown}" >"$1"
}

# Prints the PID from FILE if that process is still the one we started; removes stale files.
recorded_pid() { # FILE
  local file="$1" pid start now
  [[ -f "$file" ]] || return 1
  read -r pid start <"$file" || true
  if [[ -n "${pid:-}" ]] && now="$(proc_starttime "$pid")" && [[ -n "$now" && "$now" == "$start" ]]; then
    printf '%s\n' "$pid"
    return 0
  fi
  rm -f "$file"
  return 1
}

ensure_installed() { # WHAT: all | docker
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  [[ "$1" == docker || -x "$REGISTRY_BIN" ]] || missing+=(docker-registry)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  ((${#missing[@]} == 0)) && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    die "${missing[*]} not installed, and this machine has no apt-get: install Docker Engine with your distribution's package manager (https://docs.docker.com/engine/install/), start it, and run this again"
  fi
  [[ $EUID -eq 0 ]] || die "${missing[*]} not installed: run this as root to install it, or first: sudo apt-get install -y ${missing[*]}"
  say "installing: ${missing[*]} (apt-get; log $STATE_DIR/apt.log)"
  # apt's chatter (debconf, needrestart) goes to the log; it is shown when something fails.
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$STATE_DIR/apt.log" 2>&1; then
    tail_log "$STATE_DIR/apt.log"
    die "apt-get install ${missing[*]} failed; see $STATE_DIR/apt.log"
  fi
}

# systemd is the init (not merely installed) and knows docker.service.
systemd_has_docker() {
  [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1 && systemctl cat docker.service >/dev/null 2>&1
}

tail_log() { # FILE
  printf '  last lines of %s:\n' "$1" >&2
  tail -n 15 "$1" 2>/dev/null | sed 's/^/  | /' >&2 || true
}

start_dockerd() {
  local pid
  if docker_answers; then
    if pid="$(recorded_pid "$DOCKERD_PIDFILE")"; then
      say "docker: already running (started by this script, pid $pid)"
    else
      say "docker: already running, left alone ($(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?'))"
    fi
    return 0
  fi
  if [[ $EUID -ne 0 && -S /var/run/docker.sock && ! -w /var/run/docker.sock ]]; then
    die "Docker Engine runs but $(id -un) may not use it: run as root, or add the user to the docker group (sudo usermod -aG docker $(id -un), then log in again)"
  fi
  if ! pid="$(recorded_pid "$DOCKERD_PIDFILE")" && systemd_has_docker; then
    [[ $EUID -eq 0 ]] || die "Docker Engine is installed but not running: sudo systemctl start docker"
    say "docker: systemctl start docker"
    systemctl start docker || die "systemctl start docker failed (journalctl -u docker)"
    local waited=0
    until docker_answers; do
      ((waited >= WAIT_SECONDS)) && die "docker.service did not answer 'docker info' within ${WAIT_SECONDS}s (journalctl -u docker)"
      sleep 1
      waited=$((waited + 1))
    done
    say "docker: ready ($(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?'))"
    return 0
  fi
  if ! pid="$(recorded_pid "$DOCKERD_PIDFILE")"; then
    [[ $EUID -eq 0 ]] || die "Docker Engine is installed but not running, and starting it needs root: run this as root (or: sudo dockerd)"
    # setsid: dockerd outlives the shell (and its process group) that ran `up`.
    # shellcheck disable=SC2086 # flags are meant to be split
    setsid dockerd ${SLIPWAY_DOCKERD_FLAGS:-} >>"$DOCKERD_LOG" 2>&1 </dev/null &
    pid=$!
    record_pid "$DOCKERD_PIDFILE" "$pid"
    say "docker: started dockerd (pid $pid, log $DOCKERD_LOG)"
  else
    say "docker: dockerd we started earlier (pid $pid) is not answering yet; waiting"
  fi
  local waited=0
  until docker_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$DOCKERD_PIDFILE"
      tail_log "$DOCKERD_LOG"
      die "dockerd exited before it answered; see $DOCKERD_LOG"
    fi
    if ((waited >= WAIT_SECONDS)); then
      tail_log "$DOCKERD_LOG"
      die "dockerd (pid $pid) did not answer 'docker info' within ${WAIT_SECONDS}s; see $DOCKERD_LOG"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  say "docker: ready ($(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?'))"
}

write_registry_config() {
  mkdir -p "$STATE_DIR/registry"
  cat >"$REGISTRY_CONFIG.tmp" <<EOF
# Written by scripts/services.sh; rewritten on every 'up'.
version: 0.1
log:
  level: warn
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $STATE_DIR/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
  headers:
    X-Content-Type-Options: [nosniff]
EOF
  mv "$REGISTRY_CONFIG.tmp" "$REGISTRY_CONFIG"
}

# Polls CHECK every 0.5 s until it succeeds; dies with the log's tail when PID exits or WAIT_SECONDS pass.
await_ready() { # NAME PID PIDFILE LOG CHECK
  local name="$1" pid="$2" pidfile="$3" log="$4" check="$5" waited=0
  until "$check"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pidfile"
      tail_log "$log"
      die "$name exited before it answered; see $log"
    fi
    if ((waited >= WAIT_SECONDS * 2)); then
      tail_log "$log"
      die "$name (pid $pid) did not answer within ${WAIT_SECONDS}s; see $log"
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
}

start_registry() {
  local pid
  if registry_answers; then
    if pid="$(recorded_pid "$REGISTRY_PIDFILE")"; then
      say "registry: already running at $REGISTRY_URL (started by this script, pid $pid)"
    else
      say "registry: already answering at $REGISTRY_URL, left alone"
    fi
    return 0
  fi
  if ! pid="$(recorded_pid "$REGISTRY_PIDFILE")"; then
    port_taken && die "$REGISTRY_ADDR is taken by something that is not a registry"
    write_registry_config
    setsid "$REGISTRY_BIN" serve "$REGISTRY_CONFIG" >>"$REGISTRY_LOG" 2>&1 </dev/null &
    pid=$!
    record_pid "$REGISTRY_PIDFILE" "$pid"
    say "registry: started (pid $pid, storage $STATE_DIR/registry, log $REGISTRY_LOG)"
  fi
  await_ready registry "$pid" "$REGISTRY_PIDFILE" "$REGISTRY_LOG" registry_answers
  say "registry: ready at $REGISTRY_URL"
}

# Builds pebble and pebble-challtestsrv once (go install from the module proxy, ~20 s), kept in the cache.
build_pebble() {
  [[ -x "$PEBBLE_BIN_DIR/pebble" && -x "$PEBBLE_BIN_DIR/pebble-challtestsrv" ]] && return 0
  command -v go >/dev/null 2>&1 || die "pebble: Go is needed to build the ACME test server (apt-get install golang-go)"
  say "pebble: building $PEBBLE_VERSION (go install; log $STATE_DIR/pebble-build.log)"
  local started=$SECONDS
  rm -rf "$PEBBLE_BIN_DIR.tmp" && mkdir -p "$PEBBLE_BIN_DIR.tmp"
  if ! GOBIN="$PEBBLE_BIN_DIR.tmp" go install "github.com/letsencrypt/pebble/v2/cmd/pebble@$PEBBLE_VERSION" \
    "github.com/letsencrypt/pebble/v2/cmd/pebble-challtestsrv@$PEBBLE_VERSION" >"$STATE_DIR/pebble-build.log" 2>&1; then
    tail_log "$STATE_DIR/pebble-build.log"
    die "pebble: go install failed; see $STATE_DIR/pebble-build.log"
  fi
  rm -rf "$PEBBLE_BIN_DIR" && mv "$PEBBLE_BIN_DIR.tmp" "$PEBBLE_BIN_DIR"
  say "pebble: built in $((SECONDS - started)) s ($PEBBLE_BIN_DIR)"
}

pebble_answers() { curl -fsS --max-time 3 --cacert "$STATE_DIR/pebble/minica.pem" -o /dev/null "https://$PEBBLE_ADDR/dir" 2>/dev/null; }

# Pebble's own HTTPS certificate (for localhost and 127.0.0.1) and the CA that signed it come with its
# module: the ACME client trusts that CA (SLIPWAY_ACME_CA_FILE) to talk to the directory.
write_pebble_config() {
  local src
  src="$(go env GOMODCACHE)/github.com/letsencrypt/pebble/v2@$PEBBLE_VERSION/test/certs"
  [[ -f "$src/pebble.minica.pem" ]] || die "pebble: its test certificates are not in the module cache ($src)"
  mkdir -p "$STATE_DIR/pebble"
  install -m 0644 "$src/pebble.minica.pem" "$STATE_DIR/pebble/minica.pem"
  install -m 0644 "$src/localhost/cert.pem" "$STATE_DIR/pebble/cert.pem"
  install -m 0600 "$src/localhost/key.pem" "$STATE_DIR/pebble/key.pem"
  cat >"$STATE_DIR/pebble/pebble.json" <<JSON
{
  "pebble": {
    "listenAddress": "$PEBBLE_ADDR",
    "managementListenAddress": "$PEBBLE_MGMT_ADDR",
    "certificate": "$STATE_DIR/pebble/cert.pem",
    "privateKey": "$STATE_DIR/pebble/key.pem",
    "httpPort": $PEBBLE_HTTP_PORT,
    "tlsPort": 5001,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": false,
    "domainBlocklist": ["blocked-domain.example"],
    "retryAfter": { "authz": 1, "order": 1 },
    "keyAlgorithm": "ecdsa",
    "profiles": {
      "default": { "description": "90 days", "validityPeriod": 7776000 },
      "short": { "description": "24 seconds, for renewal tests", "validityPeriod": 24 }
    }
  }
}
JSON
  cat >"$STATE_DIR/pebble.env" <<ENV
PEBBLE_DIRECTORY=https://$PEBBLE_ADDR/dir
PEBBLE_MANAGEMENT=https://$PEBBLE_MGMT_ADDR
PEBBLE_CA_FILE=$STATE_DIR/pebble/minica.pem
PEBBLE_CONFIG=$STATE_DIR/pebble/pebble.json
PEBBLE_HTTP_PORT=$PEBBLE_HTTP_PORT
PEBBLE_BIN=$PEBBLE_BIN_DIR/pebble
PEBBLE_DNS=$PEBBLE_DNS_ADDR
ENV
}

start_pebble() {
  local pid dns_pid
  build_pebble
  write_pebble_config
  if pebble_answers; then
    say "pebble: already answering at https://$PEBBLE_ADDR/dir, left alone"
    return 0
  fi
  if ! dns_pid="$(recorded_pid "$PEBBLE_DNS_PIDFILE")"; then
    # Only its DNS server, on loopback: answering challenges is Slipway's job here.
    setsid "$PEBBLE_BIN_DIR/pebble-challtestsrv" -dnsserver "$PEBBLE_DNS_ADDR" -management "$PEBBLE_DNS_MGMT_ADDR" \
      -http01 "" -https01 "" -tlsalpn01 "" -doh "" -defaultIPv4 127.0.0.1 -defaultIPv6 "" >>"$PEBBLE_LOG" 2>&1 </dev/null &
    dns_pid=$!
    record_pid "$PEBBLE_DNS_PIDFILE" "$dns_pid"
  fi
  if ! pid="$(recorded_pid "$PEBBLE_PIDFILE")"; then
    # No nonce rejections and no validation sleep: tests want the protocol, not its chaos.
    PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 setsid "$PEBBLE_BIN_DIR/pebble" -config "$STATE_DIR/pebble/pebble.json" \
      -dnsserver "$PEBBLE_DNS_ADDR" >>"$PEBBLE_LOG" 2>&1 </dev/null &
    pid=$!
    record_pid "$PEBBLE_PIDFILE" "$pid"
    say "pebble: started (pid $pid, its DNS server pid $dns_pid, log $PEBBLE_LOG)"
  fi
  await_ready pebble "$pid" "$PEBBLE_PIDFILE" "$PEBBLE_LOG" pebble_answers
  say "pebble: ready at https://$PEBBLE_ADDR/dir (values for tests: $STATE_DIR/pebble.env)"
}

# Stops the registry this script started (never another), runs its garbage collection over the storage it
# serves, and starts it again. `--delete-untagged` also removes manifests no tag names any more.
gc_registry() {
  local pid restart=0 before after
  [[ -x "$REGISTRY_BIN" ]] || die "registry: $REGISTRY_BIN is not installed (scripts/services.sh up installs it)"
  [[ -f "$REGISTRY_CONFIG" ]] || die "registry: no configuration at $REGISTRY_CONFIG: this script never started a registry here"
  if registry_answers; then
    pid="$(recorded_pid "$REGISTRY_PIDFILE")" ||
      die "registry: the one at $REGISTRY_URL was not started by this script, so it is left alone; where it runs, stop it (or make it read-only) and run: registry garbage-collect --delete-untagged CONFIG"
    stop_recorded registry "$REGISTRY_PIDFILE" 10
    restart=1
  fi
  before="$(du -sk "$STATE_DIR/registry" 2>/dev/null | cut -f1)"
  if ! "$REGISTRY_BIN" garbage-collect --delete-untagged "$REGISTRY_CONFIG" >"$STATE_DIR/registry-gc.log" 2>&1; then
    tail_log "$STATE_DIR/registry-gc.log"
    ((restart)) && start_registry
    die "registry: garbage collection failed; see $STATE_DIR/registry-gc.log"
  fi
  after="$(du -sk "$STATE_DIR/registry" 2>/dev/null | cut -f1)"
  say "registry: garbage collected: ${before:-?} KiB → ${after:-?} KiB ($(grep -c 'blob eligible for deletion' "$STATE_DIR/registry-gc.log" || true) blobs deleted; log $STATE_DIR/registry-gc.log)"
  ((restart)) && start_registry
  return 0
}

stop_recorded() { # NAME PIDFILE GRACE_SECONDS
  local name="$1" file="$2" grace="$3" pid
  if ! pid="$(recorded_pid "$file")"; then
    say "$name: nothing started by us"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$pid" 2>/dev/null && ((waited < grace)); do
    sleep 1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name: pid $pid still running after ${grace}s, sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
  say "$name: stopped (pid $pid)"
}

print_status() {
  local pid
  if docker_answers; then
    local who="not started by this script"
    pid="$(recorded_pid "$DOCKERD_PIDFILE")" && who="started by this script, pid $pid"
    say "docker: running, server $(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?') ($who)"
  elif pid="$(recorded_pid "$DOCKERD_PIDFILE")"; then
    say "docker: dockerd pid $pid is alive but not answering (log $DOCKERD_LOG)"
  else
    say "docker: not running"
  fi
  if registry_answers; then
    local who="not started by this script"
    pid="$(recorded_pid "$REGISTRY_PIDFILE")" && who="started by this script, pid $pid"
    say "registry: running at $REGISTRY_URL ($who)"
  elif pid="$(recorded_pid "$REGISTRY_PIDFILE")"; then
    say "registry: pid $pid is alive but not answering (log $REGISTRY_LOG)"
  else
    say "registry: not running"
  fi
  if pebble_answers; then
    local who="not started by this script"
    pid="$(recorded_pid "$PEBBLE_PIDFILE")" && who="started by this script, pid $pid"
    say "pebble: running at https://$PEBBLE_ADDR/dir ($who)"
  else
    say "pebble: not running"
  fi
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    up)
      case "${2:-all}" in
        all | docker | registry | pebble) ;;
        *) die "unknown service \"$2\" (expected: docker, registry, pebble, or nothing for all)" ;;
      esac
      mkdir -p "$STATE_DIR"
      if [[ "${2:-all}" == pebble ]]; then
        start_pebble
        return 0
      fi
      ensure_installed "${2:-all}"
      start_dockerd
      [[ "${2:-all}" == docker ]] && return 0
      start_registry
      [[ "${2:-all}" == registry ]] && return 0
      start_pebble
      ;;
    down)
      stop_recorded pebble "$PEBBLE_PIDFILE" 10
      stop_recorded pebble-challtestsrv "$PEBBLE_DNS_PIDFILE" 10
      stop_recorded registry "$REGISTRY_PIDFILE" 10
      # dockerd stops its containers first (10 s each by default) and its own containerd.
      stop_recorded docker "$DOCKERD_PIDFILE" 60
      ;;
    status)
      print_status
      ;;
    gc-registry)
      mkdir -p "$STATE_DIR"
      gc_registry
      ;;
    *)
      printf 'usage: %s up [docker|registry|pebble]|down|status|gc-registry\n' "${0##*/}" >&2
      exit 2
      ;;
  esac
}

main "$@"
