#!/usr/bin/env bash
# A real Kubernetes control plane for tests, on 127.0.0.1 only: etcd, kube-apiserver (TLS, RBAC,
# ServiceAccount tokens, admission incl. ResourceQuota, LimitRanger, ValidatingAdmissionPolicy),
# kube-controller-manager, kube-scheduler, kwok running one fake node that makes pods Ready, and
# real nodes assembled from the parts k3s bundles: kubelet, containerd, CNI bridge and
# kube-network-policies (NetworkPolicy) for each, and one Traefik (Ingress) for all.
# Everything is built from the Go module proxy or comes from Debian (no prebuilt binary or image is
# downloaded): ci/k8s-build and ci/etcd-build are wrapper modules, kwok and kube-network-policies come
# from `go install`, Traefik from a writable copy of its module source; containerd, runc and the CNI
# plugins are Debian's; the pause image is compiled from the Kubernetes module's build/pause.
#
#   scripts/k8s-test-cluster.sh up      build what is missing, start (or reuse a running cluster),
#                                       wait until ready; the last lines are TRAEFIK=127.0.0.1:<port>,
#                                       TRAEFIK_HTTPS=127.0.0.1:<port> (entrypoint websecure),
#                                       REAL_NODES=real-node-0,real-node-1, POD_HOST=10.96.0.2 and
#                                       POD_REGISTRY=10.96.0.50:5000 (with real nodes) and
#                                       KUBECONFIG=<path> (always the last)
#   scripts/k8s-test-cluster.sh env     print the same lines for the running cluster (fails if none)
#   scripts/k8s-test-cluster.sh down    stop the processes this script started, by PID, and clean up
#                                       what the real nodes made (mounts, bridges, netfilter rules,
#                                       cgroups)
#   scripts/k8s-test-cluster.sh build   only build the binaries
#   scripts/k8s-test-cluster.sh kubectl-path   print the path of the kubectl built with the cluster
#
# SLIPWAY_K8S_REAL_NODES=N: how many real nodes (default 2, at most 9); 0, or SLIPWAY_K8S_REAL_NODE=0 as
# before, none (faster; kwok only). Real nodes need root. `up` reuses a running cluster with as many.
# Binaries: ${SLIPWAY_K8S_CACHE:-$HOME/.cache/slipway-k8s}/<kubernetes version>/bin (never committed).
# State (PKI, etcd data, logs, PIDs, kubeconfig, nodes): ${SLIPWAY_K8S_STATE:-$HOME/.cache/slipway-k8s/state}.
#
# Conventions of the fake node kwok-node-0 that tests rely on (see make_kwok_config):
#   - every pod becomes Running and Ready at once; pods of Jobs complete with exit code 0;
#   - a pod whose container image has the tag `never-ready` runs but never becomes Ready, and
#     gets a Warning event `Unhealthy` like a failing readiness probe;
#   - `kubectl logs` of any pod answers with the lines of state/pod.log (served by kwok on
#     127.0.0.1, which is the node's address).
#   kwok manages only nodes annotated kwok.x-k8s.io/node=fake, never the real nodes.
#
# The real nodes real-node-0, real-node-1, … (see start_real_nodes) run pods for real, each with its
# own containerd, kubelet and kube-network-policies on this machine:
#   - each has the label slipway.dev/pool=real and the taint slipway.dev/pool=real:NoSchedule: only
#     pods with nodeSelector slipway.dev/pool=real and a toleration of that taint land there;
#   - containerd pulls plain HTTP from the test registry: images named 127.0.0.1:5050/...,
#     localhost:5050/... or registry.slipway.internal:5000/... (one registry, three names);
#     `kubectl logs` and `kubectl exec` work (the kubelets are on 127.0.0.1);
#   - node N's pods get IPs from 10.42.N.0/24 on the bridge slipwayN; the pods of all the nodes reach
#     each other (one flat network, 10.42.0.0/16), the host (kubelet probes, Traefik) reaches them, and
#     nothing else is forwarded to or from them;
#   - there is no kube-proxy and no DNS. The pods of every node have three routes to this machine, as
#     kube-proxy would make for Services (see add_service_rules):
#       10.96.0.1:443    the apiserver (Service `kubernetes`), so in-cluster clients such as the Slipway
#                        builder work with their ServiceAccount;
#       10.96.0.50:5000  the test registry (Service slipway-system/registry): a pod pushes there, with a
#                        hostAlias registry.slipway.internal -> 10.96.0.50, what the nodes then pull as
#                        registry.slipway.internal:5000/...;
#       10.96.0.2:PORT   127.0.0.1:PORT of this machine, any TCP port: the host as the pods see it, for
#                        servers a test runs on 127.0.0.1 (a Slipway server a build pod fetches from). It
#                        exposes every loopback port of this machine (etcd's, the apiserver's, the
#                        kubelets') to the test nodes' pods: fine for a test machine, never for a real one;
#   - one Traefik serves the Ingresses of IngressClass `traefik` (the default class) on entrypoint
#     `web`, 127.0.0.1:<port> printed as TRAEFIK=, and routes to pods on every node; it runs as root on
#     the host, so NetworkPolicies never block it (like kubelet probes);
#   - containerd's socket: state/node/run/containerd.sock for node 0, state/node-N/run/containerd.sock
#     for node N (namespace k8s.io).
# No test sends traffic to anything but 127.0.0.1: kwok's pod IPs and Service IPs are only numbers in
# the API, and the real nodes' pod IPs are reached only by the nodes' own processes and pods.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KWOK_VERSION=v0.8.0
TRAEFIK_VERSION=v3.6.12    # v3.7 needs a nested module the proxy does not serve
KNP_VERSION=v0.8.0         # sigs.k8s.io/kube-network-policies
CACHE_ROOT="${SLIPWAY_K8S_CACHE:-$HOME/.cache/slipway-k8s}"
STATE="${SLIPWAY_K8S_STATE:-$CACHE_ROOT/state}"
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
# Each real node's processes, in start order (down stops them in the order the nodes need: see
# stop_real_nodes); one Traefik serves all the nodes. The names of a node: select_node.
NODE_COMPONENTS=(containerd kubelet kube-network-policies)
POD_NETWORK=10.42.0.0/16              # node N has 10.42.N.0/24 (k3s' ranges); Docker has 172.17/16, kwok's fake pods 10.244/16
FORWARD_CHAIN=SLIPWAY-NODE-FORWARD    # iptables filter chain letting pods talk to each other
KNP_TABLE=kube-network-policies       # the nftables table (inet) kube-network-policies makes
POLICY_CHAIN=SLIPWAY-NODE-POLICY      # iptables mangle chain sending pod packets to the controllers' queues
SERVICE_CHAIN=SLIPWAY-NODE-SERVICES   # iptables nat chain: the Service addresses the pods use (add_service_rules)
APISERVER_SERVICE_IP=10.96.0.1        # the first address of --service-cluster-ip-range
# In the range's lower band, which the apiserver gives only to a Service that asks for the address.
POD_HOST_IP=10.96.0.2                 # this machine's loopback as the pods see it
REGISTRY_SERVICE_IP=10.96.0.50        # Service slipway-system/registry, port 5000: the test registry
REGISTRY_SERVICE_PORT=5000
REGISTRY_NAME=registry.slipway.internal:5000   # the name pods push to and every node pulls from
REGISTRY=127.0.0.1:5050               # scripts/services.sh runs it
CNI_BIN_DIR=/usr/lib/cni              # Debian's containernetworking-plugins
DEVICE_PLUGIN_SOCKET=/var/lib/kubelet/device-plugins/kubelet.sock   # a constant of the kubelet (see start_kubelet)
# Traefik's configuration and addresses: in node 0's folder, where they were when there was one node.
TRAEFIK_DIR="$STATE/node"
# sysctls the kubelet sets (protectKernelDefaults: false); down puts the old values back.
KUBELET_SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes)

say() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

# The versions come from the wrapper modules, so bumping go.mod is the only change needed.
module_version() { # <go.mod> <module path>
  awk -v m="$2" '$1 == m && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$1"
}

require_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is not installed (needed for: $2)"
}

resolve_versions() {
  K8S_VERSION="$(module_version "$ROOT/ci/k8s-build/go.mod" k8s.io/kubernetes)"
  ETCD_VERSION="$(module_version "$ROOT/ci/etcd-build/go.mod" go.etcd.io/etcd/server/v3)"
  [[ -n "$K8S_VERSION" ]] || die "cannot read the k8s.io/kubernetes version from ci/k8s-build/go.mod"
  [[ -n "$ETCD_VERSION" ]] || die "cannot read the etcd server version from ci/etcd-build/go.mod"
  BIN="$CACHE_ROOT/$K8S_VERSION/bin"
}

# ---------------------------------------------------------------------------------------------
# build

stamp_ok() { # <name> <version>
  [[ -x "$BIN/$1" && -f "$BIN/.$1.version" && "$(cat "$BIN/.$1.version")" == "$2" ]]
}

# How many real nodes `up` starts: SLIPWAY_K8S_REAL_NODES, or none with the older SLIPWAY_K8S_REAL_NODE=0.
read_real_nodes_wanted() {
  REAL_NODES_WANTED="${SLIPWAY_K8S_REAL_NODES:-2}"
  [[ "${SLIPWAY_K8S_REAL_NODE:-}" == 0 ]] && REAL_NODES_WANTED=0
  [[ "$REAL_NODES_WANTED" =~ ^[0-9]$ ]] || die "SLIPWAY_K8S_REAL_NODES=$REAL_NODES_WANTED: expected a number of real nodes from 0 to 9"
}

node_wanted() { (( REAL_NODES_WANTED > 0 )); }

# `go mod download -json` prints the module's source folder (read-only, in the module cache).
module_dir() { # <module@version>
  go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p'
}

# Traefik's go.mod has `replace` lines (forks), so `go install …@version` refuses it: build inside a
# writable copy of the module source instead, and drop the copy afterwards.
build_traefik() {
  local src dir start=$SECONDS
  src="$(module_dir "github.com/traefik/traefik/v3@$TRAEFIK_VERSION")"
  [[ -n "$src" && -d "$src" ]] || { say "cannot download github.com/traefik/traefik/v3@$TRAEFIK_VERSION"; return 1; }
  dir="$CACHE_ROOT/src/traefik-$TRAEFIK_VERSION"
  rm -rf "$dir"; mkdir -p "$CACHE_ROOT/src"
  cp -R "$src" "$dir" && chmod -R u+w "$dir"
  (cd "$dir" && nice -n 10 go build -trimpath \
    -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION" \
    -o "$BIN/traefik" ./cmd/traefik) || return 1
  rm -rf "$dir"; rmdir "$CACHE_ROOT/src" 2>/dev/null || true
  printf '%s\n' "$TRAEFIK_VERSION" >"$BIN/.traefik.version"
  say "built traefik $TRAEFIK_VERSION in $(( SECONDS - start ))s"
}

# No `replace` in its go.mod, so `go install` works; v0.8.0 has one command, the standard
# NetworkPolicy controller, in the package …/cmd (so the binary is called `cmd` and is renamed).
build_knp() {
  local tmp start=$SECONDS
  tmp="$(mktemp -d)"
  GOBIN="$tmp" nice -n 10 go install "sigs.k8s.io/kube-network-policies/cmd@$KNP_VERSION" || { rm -rf "$tmp"; return 1; }
  mv "$tmp/cmd" "$BIN/kube-network-policies"
  rm -rf "$tmp"
  printf '%s\n' "$KNP_VERSION" >"$BIN/.kube-network-policies.version"
  say "built kube-network-policies $KNP_VERSION in $(( SECONDS - start ))s"
}

# The sandbox ("pause") image: build/pause/linux/pause.c of the same Kubernetes module, static, in a
# FROM-scratch image written as registry blobs (config, one layer, manifest) that push_pause_image sends.
build_pause() {
  require_cmd gcc "compiling the pause image"
  local kdir tag img="$BIN/../pause-image" tmp
  kdir="$(module_dir "k8s.io/kubernetes@$K8S_VERSION")"
  [[ -f "$kdir/build/pause/linux/pause.c" ]] || { say "no build/pause/linux/pause.c in k8s.io/kubernetes@$K8S_VERSION"; return 1; }
  tag="$(sed -n 's/^TAG ?= *//p' "$kdir/build/pause/Makefile")"
  [[ -n "$tag" ]] || { say "cannot read the pause TAG from build/pause/Makefile"; return 1; }
  tmp="$(mktemp -d)"
  gcc -Os -Wall -Werror -static -DVERSION="v$tag-slipway" -o "$tmp/pause" "$kdir/build/pause/linux/pause.c" || { rm -rf "$tmp"; return 1; }
  strip "$tmp/pause" 2>/dev/null || true
  rm -rf "$img"; mkdir -p "$img"
  tar --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$tmp" -cf "$tmp/layer.tar" pause
  gzip -n -9 -c "$tmp/layer.tar" >"$img/layer.tar.gz"
  local diff_id layer_digest config_digest
  diff_id="sha256:$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)"
  layer_digest="sha256:$(sha256sum "$img/layer.tar.gz" | cut -d' ' -f1)"
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
    "$diff_id" >"$img/config.json"
  config_digest="sha256:$(sha256sum "$img/config.json" | cut -d' ' -f1)"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":%s,"digest":"%s"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":%s,"digest":"%s"}]}' \
    "$(stat -c %s "$img/config.json")" "$config_digest" "$(stat -c %s "$img/layer.tar.gz")" "$layer_digest" >"$img/manifest.json"
  printf '%s\n' "$tag" >"$img/tag"
  cp "$tmp/pause" "$BIN/pause"
  rm -rf "$tmp"
  printf '%s\n' "$K8S_VERSION" >"$BIN/.pause.version"
}

# One build at a time (CI starts one early in the background; `up` may ask again): a second waits for the
# first, then finds everything built. fd 8 (`up` holds the state lock on fd 9), closed again before `up`
# starts the daemons, which would otherwise inherit the lock.
build_binaries() {
  resolve_versions
  mkdir -p "$BIN"
  exec 8>"$BIN/../.build.lock"
  if ! flock -n 8; then
    say "waiting for another build of the test binaries to finish"
    flock 8
  fi
  build_binaries_unlocked
  exec 8>&-
}

build_binaries_unlocked() {
  local k8s_parts=(kube-apiserver kube-controller-manager kube-scheduler kubectl) k8s_missing=() c
  node_wanted && k8s_parts+=(kubelet)
  for c in "${k8s_parts[@]}"; do
    stamp_ok "$c" "$K8S_VERSION" || k8s_missing+=("$c")
  done
  local need_traefik=0 need_knp=0 need_pause=0
  if node_wanted; then
    stamp_ok traefik "$TRAEFIK_VERSION" || need_traefik=1
    stamp_ok kube-network-policies "$KNP_VERSION" || need_knp=1
    if ! stamp_ok pause "$K8S_VERSION" || [[ ! -f "$BIN/../pause-image/manifest.json" ]]; then need_pause=1; fi
  fi
  if (( ${#k8s_missing[@]} == 0 && need_traefik + need_knp + need_pause == 0 )) \
    && stamp_ok etcd "$ETCD_VERSION" && stamp_ok kwok "$KWOK_VERSION"; then
    return 0
  fi
  require_cmd go "building Kubernetes from the Go module proxy"
  local start=$SECONDS minor ldf p
  # GOTOOLCHAIN=local: the wrappers say `go 1.26.0`; never download another toolchain silently.
  export CGO_ENABLED=0 GOTOOLCHAIN=local
  # Traefik and kube-network-policies build in the background, beside the Kubernetes build: the
  # linker of each big binary leaves a core idle, and their module downloads overlap it.
  local logs="$CACHE_ROOT/build-logs" bg_pids=() bg_names=()
  mkdir -p "$logs"
  if (( need_traefik )); then
    say "building traefik $TRAEFIK_VERSION in the background (log: $logs/traefik.log); 10-30 min on 2 cores, once"
    build_traefik >"$logs/traefik.log" 2>&1 &
    bg_pids+=("$!"); bg_names+=(traefik)
  fi
  if (( need_knp )); then
    say "building kube-network-policies $KNP_VERSION in the background (log: $logs/kube-network-policies.log)"
    build_knp >"$logs/kube-network-policies.log" 2>&1 &
    bg_pids+=("$!"); bg_names+=(kube-network-policies)
  fi
  if (( ${#k8s_missing[@]} )); then
    say "building Kubernetes $K8S_VERSION (${k8s_missing[*]}); 10-25 min on 2 cores, once"
    minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
    # Without these the binaries say v0.0.0-master, and version-gated behaviour goes wrong.
    ldf="-s -w"
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldf="$ldf -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    done
    local pkgs=()
    for c in "${k8s_missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
    (cd "$ROOT/ci/k8s-build" && nice -n 10 go build -trimpath -ldflags "$ldf" -o "$BIN/" "${pkgs[@]}") \
      || die "building Kubernetes failed (see the go output above)"
    for c in "${k8s_missing[@]}"; do
      printf '%s\n' "$K8S_VERSION" >"$BIN/.$c.version"
    done
    say "built ${k8s_missing[*]} in $(( SECONDS - start ))s"
  fi
  if ! stamp_ok etcd "$ETCD_VERSION"; then
    say "building etcd $ETCD_VERSION"
    # The module root is the etcd binary; without -o the file would be called v3.
    (cd "$ROOT/ci/etcd-build" && nice -n 10 go build -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3) \
      || die "building etcd failed"
    printf '%s\n' "$ETCD_VERSION" >"$BIN/.etcd.version"
  fi
  if ! stamp_ok kwok "$KWOK_VERSION"; then
    say "building kwok $KWOK_VERSION"
    GOBIN="$BIN" nice -n 10 go install "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" || die "building kwok failed"
    copy_kwok_stages
    printf '%s\n' "$KWOK_VERSION" >"$BIN/.kwok.version"
  fi
  if (( need_pause )); then
    say "building the pause image"
    build_pause || die "building the pause image failed"
  fi
  local i failed=()
  for i in "${!bg_pids[@]}"; do
    if wait "${bg_pids[$i]}"; then
      tail -n 1 "$logs/${bg_names[$i]}.log" >&2
    else
      say "building ${bg_names[$i]} failed; last lines of $logs/${bg_names[$i]}.log:"
      tail -n 25 "$logs/${bg_names[$i]}.log" >&2 || true
      failed+=("${bg_names[$i]}")
    fi
  done
  (( ${#failed[@]} == 0 )) || die "building ${failed[*]} failed"
  say "built in $(( SECONDS - start ))s: $(du -sh "$BIN" | cut -f1) in $BIN"
}

# ---------------------------------------------------------------------------------------------
# processes

# A PID file is only trusted when that PID still runs our binary: PIDs are reused. A component of a
# real node other than node 0 is named with its folder, e.g. node-1/kubelet (see select_node).
pid_of() { # <component> -> prints the PID if it runs, else nothing
  local f="$STATE/pids/$1.pid" pid exe
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
  [[ -n "$exe" && "$(basename "$exe")" == "$(basename "$1")" ]] && printf '%s\n' "$pid"
  return 0
}

stop_component() { # <component> [signal]: the signal first, SIGKILL after 5 s
  stop_components "${2:-TERM}" "$1"
}

# The same component of every node at once: kube-network-policies, for one, takes the whole 5 s.
stop_components() { # <signal> <component>...: the signal to each first, SIGKILL to those left after 5 s
  local sig="$1" c pid pids=() stopped=() alive
  shift
  for c in "$@"; do
    pid="$(pid_of "$c")"
    if [[ -n "$pid" ]]; then
      kill -s "$sig" "$pid" 2>/dev/null || true
      pids+=("$pid"); stopped+=("$c (pid $pid)")
    fi
  done
  for _ in $(seq 1 50); do
    alive=0
    for pid in "${pids[@]}"; do if kill -0 "$pid" 2>/dev/null; then alive=1; fi; done
    (( alive )) || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for c in "${stopped[@]}"; do say "stopped $c"; done
  for c in "$@"; do rm -f "$STATE/pids/$c.pid"; done
}

stop_all() {
  local i
  # The real nodes first (they need the apiserver to drain their pods), then the control plane in
  # reverse order: the apiserver must not outlive etcd by much, and kwok goes first.
  stop_real_nodes
  for (( i = ${#COMPONENTS[@]} - 1; i >= 0; i-- )); do
    stop_component "${COMPONENTS[$i]}"
  done
  rm -f "$STATE/real-nodes"
}

start_bg() { # <component> <args...>
  local c="$1"; shift
  start_exe "$c" "$BIN/$c" "$@"
}

start_exe() { # <component> <executable> <args...>; the executable's file name must be <component>
  local c="$1" exe="$2"; shift 2
  mkdir -p "$(dirname "$STATE/logs/$c")" "$(dirname "$STATE/pids/$c")"
  # 9>&-: the components must not inherit (and so hold) the state lock.
  setsid "$exe" "$@" >"$STATE/logs/$c.log" 2>&1 </dev/null 9>&- &
  printf '%s\n' "$!" >"$STATE/pids/$c.pid"
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

kubectl_admin() { "$BIN/kubectl" --kubeconfig="$STATE/admin.kubeconfig" "$@"; }

wait_for() { # <seconds> <description> <log component> <command...>
  local seconds="$1" what="$2" log="$3"; shift 3
  local deadline=$(( SECONDS + seconds ))
  until "$@" >/dev/null 2>&1; do
    if [[ -n "$log" && -z "$(pid_of "$log")" ]]; then
      say "$log exited; last lines of $STATE/logs/$log.log:"; tail -n 25 "$STATE/logs/$log.log" >&2 || true
      die "$what: $log is not running"
    fi
    (( SECONDS < deadline )) || { tail -n 25 "$STATE/logs/$log.log" >&2 || true; die "timed out after ${seconds}s waiting for $what"; }
    sleep 0.5
  done
}

# How many real nodes the running cluster has: what `up` wrote, or 1 for a cluster that a copy of
# this script from before SLIPWAY_K8S_REAL_NODES started (no real-nodes file).
running_node_count() {
  if [[ -f "$STATE/real-nodes" ]]; then cat "$STATE/real-nodes"
  elif [[ -f "$STATE/node/started" ]]; then echo 1
  else echo 0; fi
}

# Every process of the control plane and of each node runs, the apiserver is ready, and each node's
# Node object is there (one deleted by hand is a missing node too).
is_running() {
  local c i n names=()
  for c in "${COMPONENTS[@]}"; do [[ -n "$(pid_of "$c")" ]] || return 1; done
  n="$(running_node_count)"
  for (( i = 0; i < n; i++ )); do
    select_node "$i"
    [[ -f "$NODE_DIR/started" ]] || return 1
    for c in "${NODE_COMPONENTS[@]}"; do [[ -n "$(pid_of "$NODE_PROC$c")" ]] || return 1; done
    names+=("$NODE_NAME")
  done
  if (( n > 0 )); then
    [[ -n "$(pid_of traefik)" ]] || return 1
    [[ -f "$TRAEFIK_DIR/traefik-https.addr" ]] || return 1   # a node started before Traefik had websecure
  fi
  [[ -f "$STATE/admin.kubeconfig" ]] && kubectl_admin get --raw /readyz >/dev/null 2>&1 || return 1
  (( n == 0 )) || kubectl_admin get nodes "${names[@]}" -o name >/dev/null 2>&1
}

# The last lines of `up` and `env`: KUBECONFIG is always the very last.
print_env() {
  local n i names=()
  n="$(running_node_count)"
  if (( n > 0 )) && [[ -f "$TRAEFIK_DIR/traefik.addr" ]]; then
    printf 'TRAEFIK=%s\n' "$(cat "$TRAEFIK_DIR/traefik.addr")"
    [[ -f "$TRAEFIK_DIR/traefik-https.addr" ]] && printf 'TRAEFIK_HTTPS=%s\n' "$(cat "$TRAEFIK_DIR/traefik-https.addr")"
  fi
  # The nodes, and the routes of their pods, of a cluster this version of the script started.
  if (( n > 0 )) && [[ -f "$STATE/real-nodes" ]]; then
    for (( i = 0; i < n; i++ )); do select_node "$i"; names+=("$NODE_NAME"); done
    printf 'REAL_NODES=%s\n' "$(IFS=,; printf '%s' "${names[*]}")"
    printf 'POD_HOST=%s\n' "$POD_HOST_IP"
    printf 'POD_REGISTRY=%s:%s\n' "$REGISTRY_SERVICE_IP" "$REGISTRY_SERVICE_PORT"
  fi
  printf 'KUBECONFIG=%s\n' "$STATE/admin.kubeconfig"
}

# ---------------------------------------------------------------------------------------------
# PKI and configuration

make_pki() {
  local d="$STATE/pki"
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=slipway-test-ca" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  sign() { # <name> <subject> <extensions>
    openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$d/$1.key" -out "$d/$1.csr" 2>/dev/null
    openssl x509 -req -in "$d/$1.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 3650 \
      -out "$d/$1.crt" -extfile <(printf '%s\n' "$3") 2>/dev/null
  }
  sign apiserver "/CN=kube-apiserver" \
    "$(printf 'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth')"
  sign admin "/O=system:masters/CN=slipway-test-admin" "extendedKeyUsage=clientAuth"
  # kwok serves the kubelet API (logs) on the node's address, 127.0.0.1.
  sign kwok "/CN=kwok-node" "$(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth')"
  sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "extendedKeyUsage=clientAuth"
  # Each real node's kubelet: a serving certificate the CA signs (the apiserver calls it for logs and
  # exec) and its client identity (Node authorizer and NodeRestriction: system:node:<name>).
  local i
  for (( i = 0; i < REAL_NODES_WANTED; i++ )); do
    select_node "$i"
    sign "$NODE_NAME-server" "/CN=system:node:$NODE_NAME" \
      "$(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:%s\nextendedKeyUsage=serverAuth' "$NODE_NAME")"
    sign "$NODE_NAME-client" "/O=system:nodes/CN=system:node:$NODE_NAME" "extendedKeyUsage=clientAuth"
  done
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
  rm -f "$d"/*.csr
}

write_kubeconfig() { # <apiserver port> [file] [client certificate name]
  local kc="${2:-$STATE/admin.kubeconfig}" cert="${3:-admin}" d="$STATE/pki"
  rm -f "$kc"
  "$BIN/kubectl" config --kubeconfig="$kc" set-cluster slipway-test --server="https://127.0.0.1:$1" \
    --certificate-authority="$d/ca.crt" --embed-certs >/dev/null
  "$BIN/kubectl" config --kubeconfig="$kc" set-credentials admin --client-certificate="$d/$cert.crt" \
    --client-key="$d/$cert.key" --embed-certs >/dev/null
  "$BIN/kubectl" config --kubeconfig="$kc" set-context slipway-test --cluster=slipway-test --user=admin >/dev/null
  "$BIN/kubectl" config --kubeconfig="$kc" use-context slipway-test >/dev/null
  chmod 600 "$kc"
}

# kwok's own "fast" stages (from the module just installed), plus the test conventions above.
# kwok's stage files come with its module; a copy next to the binaries lets `up` run without Go.
copy_kwok_stages() {
  local gomodcache from
  gomodcache="$(go env GOMODCACHE)"
  from="$gomodcache/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage"
  [[ -d "$from" ]] || go mod download "sigs.k8s.io/kwok@$KWOK_VERSION" >/dev/null || die "cannot download the kwok module"
  rm -rf "$BIN/../kwok-stage"
  cp -R "$from" "$BIN/../kwok-stage"
  chmod -R u+w "$BIN/../kwok-stage"
}

make_kwok_config() {
  local stages="$BIN/../kwok-stage"
  if [[ ! -d "$stages" ]]; then
    require_cmd go "copying kwok's stage files"
    copy_kwok_stages
  fi
  printf '2006-01-02T15:04:05.000000000Z stdout F slipway test pod started\n2006-01-02T15:04:05.100000000Z stdout F listening on :8080\n2006-01-02T15:04:05.200000000Z stderr F GET /health 200\n' \
    >"$STATE/pod.log"
  {
    cat "$stages/node/fast/node-initialize.yaml"; printf -- '---\n'
    cat "$stages/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml"; printf -- '---\n'
    # pod-ready, but not for images tagged never-ready.
    sed "/^    - key: '.status.phase'/i\\
    - key: '.spec.containers.[].image | select(endswith(\":never-ready\"))'\\
      operator: 'DoesNotExist'" "$stages/pod/fast/pod-ready.yaml"
    printf -- '---\n'
    cat "$stages/pod/fast/pod-complete.yaml"; printf -- '---\n'
    cat "$stages/pod/fast/pod-delete.yaml"; printf -- '---\n'
    cat <<'EOF'
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-running-never-ready
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values:
      - 'Pending'
    - key: '.spec.containers.[].image | select(endswith(":never-ready"))'
      operator: 'Exists'
  next:
    event:
      type: Warning
      reason: Unhealthy
      message: 'Readiness probe failed: HTTP probe failed with statuscode: 503'
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        reason: ContainersNotReady
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        reason: ContainersNotReady
        type: ContainersReady
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        started: true
        restartCount: 0
        state:
          running:
            startedAt: {{ $now | Quote }}
      {{ end }}
      {{ $hostIPs := NodeIPsWith .spec.nodeName }}
      {{ with $hostIPs }}
      hostIP: {{ index . 0 | Quote }}
      {{ end }}
      {{ $podIPs := PodIPsWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
      {{ with $podIPs }}
      podIP: {{ index . 0 | Quote }}
      {{ end }}
      phase: Running
      startTime: {{ $now | Quote }}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: all-pods
spec:
  selector: {}
  logs:
  - logsFile: STATE_DIR/pod.log
    follow: false
EOF
  } | sed "s|STATE_DIR|$STATE|" >"$STATE/kwok.yaml"
}

create_fake_node() {
  kubectl_admin apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: kwok-node-0
    kubernetes.io/os: linux
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
    type: kwok
status:
  allocatable:
    cpu: "32"
    memory: 256Gi
    pods: "110"
  capacity:
    cpu: "32"
    memory: 256Gi
    pods: "110"
EOF
}

# ---------------------------------------------------------------------------------------------
# the real nodes

# The names of real node <index>, in NODE_* (and CNI_NETWORK, CGROUP_ROOT, KNP_QUEUE). Node 0 keeps
# those of the one real node there was before SLIPWAY_K8S_REAL_NODES (folder state/node, PID files
# without a folder, bridge slipway0, queue 100): a copy of the script from then still finds and stops
# node 0 of a running cluster, and this one stops a cluster such a copy started.
select_node() { # <index>
  local i="$1"
  NODE_NAME="real-node-$i"
  NODE_POD_CIDR="10.42.$i.0/24"
  NODE_BRIDGE="slipway$i"
  # Two numbers each: kube-network-policies takes its queue's next one too when it answers DNS
  # (with admin network policies, off here).
  KNP_QUEUE=$(( 100 + 2 * i ))
  if (( i == 0 )); then
    NODE_DIR="$STATE/node" NODE_PROC="" CNI_NETWORK=slipway-real-node CGROUP_ROOT=slipway-real-node
  else
    NODE_DIR="$STATE/node-$i" NODE_PROC="node-$i/" CNI_NETWORK="slipway-real-node-$i" CGROUP_ROOT="slipway-real-node-$i"
  fi
  NODE_RUN="$NODE_DIR/run"   # sockets; a unix socket path must stay under 108 bytes
}

# The real nodes a previous `up` started (their folders or PID files), whatever SLIPWAY_K8S_REAL_NODES
# says now: the indexes, one a line.
nodes_in_state() {
  local p i found=()
  for p in "$STATE/node" "$STATE"/pids/{containerd,kubelet,kube-network-policies}.pid; do
    if [[ -e "$p" ]]; then found+=(0); break; fi
  done
  for p in "$STATE"/node-* "$STATE"/pids/node-*; do
    i="${p##*/node-}"
    if [[ -e "$p" && "$i" =~ ^[0-9]+$ ]]; then found+=("$i"); fi
  done
  (( ${#found[@]} == 0 )) || printf '%s\n' "${found[@]}" | sort -nu
}

ensure_node_packages() {
  local missing=()
  [[ -x /usr/bin/containerd && -x /usr/bin/containerd-shim-runc-v2 && -x /usr/bin/ctr ]] || missing+=(containerd)
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  local p
  for p in bridge host-local loopback portmap; do
    [[ -x "$CNI_BIN_DIR/$p" ]] || { missing+=(containernetworking-plugins); break; }
  done
  command -v nft >/dev/null 2>&1 || missing+=(nftables)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  (( ${#missing[@]} == 0 )) && return 0
  say "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
}

# registry_url and push_blob (plain HTTP: $REGISTRY is on 127.0.0.1)
# shellcheck source=scripts/registry-push.sh
source "$ROOT/scripts/registry-push.sh"

PAUSE_REPO=slipway-test/pause
pause_image() { printf '%s/%s:%s\n' "$REGISTRY" "$PAUSE_REPO" "$(cat "$BIN/../pause-image/tag")"; }

# The registry's storage may be new (a fresh machine, or wiped): push the pause image when it is missing.
push_pause_image() {
  local img="$BIN/../pause-image" tag accept='application/vnd.docker.distribution.manifest.v2+json'
  tag="$(cat "$img/tag")"
  curl -fsS --max-time 5 -o /dev/null "http://$REGISTRY/v2/" \
    || die "the registry on $REGISTRY does not answer (start it with: bash scripts/services.sh up)"
  curl -fsS -o /dev/null -I -H "Accept: $accept" "$(registry_url "$PAUSE_REPO")/manifests/$tag" 2>/dev/null && return 0
  if ! { push_blob "$PAUSE_REPO" "$img/layer.tar.gz" && push_blob "$PAUSE_REPO" "$img/config.json" \
    && curl -fsS -o /dev/null -X PUT -H "Content-Type: $accept" --data-binary "@$img/manifest.json" \
      "$(registry_url "$PAUSE_REPO")/manifests/$tag"; }; then
    die "pushing the pause image to $REGISTRY failed"
  fi
  say "pushed $(pause_image)"
}

ctr_node() { ctr --address "$NODE_RUN/containerd.sock" --namespace k8s.io "$@"; }

# containerd: a second instance beside Docker's, with its own root, state, sockets and runc root.
write_containerd_config() {
  local c="$NODE_DIR/containerd" h
  mkdir -p "$c/root" "$c/opt" "$NODE_RUN/state" "$NODE_RUN/runc" "$NODE_DIR/cni/net.d" "$NODE_DIR/cni/ipam"
  # Images named 127.0.0.1:5050/…, localhost:5050/… or registry.slipway.internal:5000/… (the name pods
  # push to through the registry Service) are pulled over plain HTTP from the test registry.
  for h in "$REGISTRY" localhost:5050 "$REGISTRY_NAME"; do
    mkdir -p "$c/certs.d/$h"
    cat >"$c/certs.d/$h/hosts.toml" <<TOML
server = "http://$REGISTRY"

[host."http://$REGISTRY"]
  capabilities = ["pull", "resolve"]
TOML
  done
  cat >"$c/config.toml" <<TOML
version = 2
root = "$c/root"
state = "$NODE_RUN/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$NODE_RUN/containerd.sock"

[ttrpc]
  address = "$NODE_RUN/containerd.sock.ttrpc"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$c/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$(pause_image)"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  # Without CAP_SYS_RESOURCE (this machine's root lacks it) no process may lower its oom_score_adj: the
  # sandbox's -998 fails with "nsexec: failed to update /proc/self/oom_score_adj: Permission denied".
  # This keeps every container's at least containerd's own (0).
  restrict_oom_score_adj = true
  # network namespaces as files under the state folder (not /var/run/netns), so down finds them all
  netns_mounts_under_state_dir = true

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        Root = "$NODE_RUN/runc"
        SystemdCgroup = false

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "$NODE_DIR/cni/net.d"
    max_conf_num = 1

  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$c/certs.d"
TOML
  # containerd adds the loopback interface itself (with $CNI_BIN_DIR/loopback).
  cat >"$NODE_DIR/cni/net.d/10-$CNI_NETWORK.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "$CNI_NETWORK",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$NODE_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$NODE_POD_CIDR" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$NODE_DIR/cni/ipam"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
}

# Each kubelet's cgroups live under a root of their own (CGROUP_ROOT), so down removes exactly them (and
# a k3s on the same machine keeps its kubepods).
cgroup_mounts() { findmnt -rn -t cgroup,cgroup2 -o TARGET 2>/dev/null || true; }

make_cgroup_root() {
  local m
  while read -r m; do
    [[ -n "$m" ]] || continue
    mkdir -p "$m/$CGROUP_ROOT"
    if [[ -f "$m/cpuset.cpus" ]]; then   # cgroup v1 cpuset: an empty cpuset takes no process
      [[ -n "$(cat "$m/$CGROUP_ROOT/cpuset.cpus")" ]] || cat "$m/cpuset.cpus" >"$m/$CGROUP_ROOT/cpuset.cpus"
      [[ -n "$(cat "$m/$CGROUP_ROOT/cpuset.mems")" ]] || cat "$m/cpuset.mems" >"$m/$CGROUP_ROOT/cpuset.mems"
    fi
  done < <(cgroup_mounts)
}

remove_cgroup_root() {
  local m pid
  # A process still in there is one of this node's containers whose shim is gone.
  while read -r m; do
    [[ -n "$m" && -d "$m/$CGROUP_ROOT" ]] || continue
    while read -r pid; do
      if [[ -n "$pid" ]]; then kill -9 "$pid" 2>/dev/null || true; fi
    done < <(find "$m/$CGROUP_ROOT" -name cgroup.procs -exec cat {} + 2>/dev/null)
  done < <(cgroup_mounts)
  sleep 0.3
  while read -r m; do
    [[ -n "$m" && -d "$m/$CGROUP_ROOT" ]] || continue
    find "$m/$CGROUP_ROOT" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done < <(cgroup_mounts)
}

write_kubelet_config() { # <port> <healthz port>
  local d="$STATE/pki"
  cat >"$NODE_DIR/kubelet-config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $1
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $2
tlsCertFile: $d/$NODE_NAME-server.crt
tlsPrivateKeyFile: $d/$NODE_NAME-server.key
rotateCertificates: false
serverTLSBootstrap: false
# The apiserver calls the kubelet (logs, exec) with its kubelet client certificate (signed by the
# test CA); every request is authorized by a SubjectAccessReview.
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $d/ca.crt
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://$NODE_RUN/containerd.sock
imageServiceEndpoint: unix://$NODE_RUN/containerd.sock
# This machine has cgroup v1: kubelet >= 1.35 refuses to start on it unless failCgroupV1 is false
# (KEP-5573). No systemd either, so the cgroupfs driver, under a cgroup root of our own.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_ROOT
cgroupsPerQOS: true
enforceNodeAllocatable: []
failSwapOn: false
# A test machine's disk may be nearly full: evict only when it really is.
evictionHard:
  memory.available: 50Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
registerNode: true
registerWithTaints:
- key: slipway.dev/pool
  value: real
  effect: NoSchedule
maxPods: 110
serializeImagePulls: false
podLogsDir: $NODE_DIR/pod-logs
volumePluginDir: $NODE_DIR/kubelet/volume-plugins
# No DNS for pods: no cluster DNS runs, and the host's resolver is not theirs to use.
resolvConf: ""
clusterDomain: cluster.local
nodeStatusUpdateFrequency: 5s
syncFrequency: 10s
shutdownGracePeriod: 0s
YAML
}

# kube-network-policies v0.8.0 only knows the in-cluster configuration (env + a token file at
# /var/run/secrets/kubernetes.io/serviceaccount): it runs in a mount namespace of its own where a
# small tmpfs over /run holds its ServiceAccount token and the CA, so nothing on the host changes.
# One per node, each with its own queue (see add_policy_rules). They would share one nftables table
# (its name is not a flag), but this kernel lets them make none (see add_policy_rules).
start_knp() { # <apiserver port> <metrics port>
  local sa="$NODE_DIR/knp-sa" c="${NODE_PROC}kube-network-policies" pid
  mkdir -p "$sa"
  cp "$STATE/pki/ca.crt" "$sa/ca.crt"
  kubectl_admin create token kube-network-policies --namespace kube-system --duration 8760h >"$sa/token"
  chmod 600 "$sa/token"
  # shellcheck disable=SC2016 # $1, $2 are the inner shell's
  KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$1" start_exe "$c" "$(command -v unshare)" \
    --mount --propagation private sh -c 'mount -t tmpfs -o size=1m,mode=0755 slipway-knp /run \
      && mkdir -p /run/secrets/kubernetes.io/serviceaccount \
      && cp "$1/token" "$1/ca.crt" /run/secrets/kubernetes.io/serviceaccount/ && shift && exec "$@"' \
    sh "$sa" "$BIN/kube-network-policies" --hostname-override "$NODE_NAME" --nfqueue-id "$KNP_QUEUE" \
    --metrics-bind-address "127.0.0.1:$2" --netfilter-bug-1766-fix=false --disable-nri
  # pid_of trusts the PID once the shell has exec'ed the binary.
  pid="$(cat "$STATE/pids/$c.pid")"
  for _ in $(seq 1 50); do
    [[ "$(basename "$(readlink "/proc/$pid/exe" 2>/dev/null || true)")" == kube-network-policies ]] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 20 "$STATE/logs/$c.log" >&2 || true
  die "kube-network-policies of $NODE_NAME did not start"
}

write_traefik_config() { # <apiserver port> <web port> <ping port> <token> <websecure port>
  cat >"$TRAEFIK_DIR/traefik.yaml" <<YAML
global:
  checkNewVersion: false
  sendAnonymousUsage: false
entryPoints:
  web:
    address: "127.0.0.1:$2"
  websecure:
    address: "127.0.0.1:$5"
  traefik:
    address: "127.0.0.1:$3"
ping:
  entryPoint: traefik
log:
  level: INFO
  noColor: true
accessLog:
  filePath: "$STATE/logs/traefik-access.log"
providers:
  kubernetesIngress:
    endpoint: "https://127.0.0.1:$1"
    token: "$4"
    certAuthFilePath: "$STATE/pki/ca.crt"
YAML
  chmod 600 "$TRAEFIK_DIR/traefik.yaml"
}

# RBAC of the node's controllers, and the IngressClass the project's Ingresses name (traefik, the
# default class as in k3s).
apply_node_objects() {
  kubectl_admin apply -f - >/dev/null <<'YAML'
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: traefik
  annotations:
    ingressclass.kubernetes.io/is-default-class: "true"
spec:
  controller: traefik.io/ingress-controller
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: traefik
  namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: slipway-test-traefik
rules:
- apiGroups: [""]
  resources: [services, secrets, nodes]
  verbs: [get, list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [get, list, watch]
- apiGroups: [networking.k8s.io, extensions]
  resources: [ingresses, ingressclasses]
  verbs: [get, list, watch]
- apiGroups: [networking.k8s.io, extensions]
  resources: [ingresses/status]
  verbs: [update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: slipway-test-traefik
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: slipway-test-traefik
subjects:
- kind: ServiceAccount
  name: traefik
  namespace: kube-system
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: kube-network-policies
  namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: slipway-test-kube-network-policies
rules:
- apiGroups: [""]
  resources: [pods, namespaces, nodes]
  verbs: [list, watch]
- apiGroups: [networking.k8s.io]
  resources: [networkpolicies]
  verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: slipway-test-kube-network-policies
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: slipway-test-kube-network-policies
subjects:
- kind: ServiceAccount
  name: kube-network-policies
  namespace: kube-system
YAML
}

# The Service pods reach the test registry by (see add_service_rules): without a selector and without
# endpoints (an EndpointSlice may not point at 127.0.0.1), the nodes' DNAT is its route. Its namespace is
# the one bootstrap-cluster.sh applies later with its own labels, so it is only made when missing.
apply_registry_service() {
  if ! kubectl_admin get namespace slipway-system >/dev/null 2>&1; then
    kubectl_admin create -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Namespace
metadata:
  name: slipway-system
  labels:
    app.kubernetes.io/part-of: slipway-test
YAML
  fi
  kubectl_admin apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata:
  name: registry
  namespace: slipway-system
  labels:
    app.kubernetes.io/part-of: slipway-test
spec:
  clusterIP: $REGISTRY_SERVICE_IP
  ports:
  - name: registry
    protocol: TCP
    port: $REGISTRY_SERVICE_PORT
    targetPort: ${REGISTRY##*:}
YAML
}

# Pod-to-pod packets go through iptables' FORWARD, bridged ones within a node (br_netfilter) and routed
# ones between nodes (bridge to bridge, through this machine), and Docker sets its policy to DROP: one
# chain of ours lets the nodes' bridges talk to each other within the pod network, and keeps everything
# else from being forwarded to or from the pods (nothing a pod sends leaves the machine; Docker's
# containers do not reach pods). The host itself reaches the pods (INPUT/OUTPUT, not forwarded).
# Host processes (Traefik) never send to kwok's fake pod IPs or to Service IPs either: without these
# unreachable routes they would go out through the default route.
GUARDED_CIDRS=(10.244.0.0/16 10.96.0.0/16)   # kwok's --cidr and the apiserver's service range
add_forward_rules() { # <number of nodes>
  local i j from
  iptables -w -N "$FORWARD_CHAIN" 2>/dev/null || iptables -w -F "$FORWARD_CHAIN"
  for (( i = 0; i < $1; i++ )); do
    select_node "$i"; from="$NODE_BRIDGE"
    for (( j = 0; j < $1; j++ )); do
      select_node "$j"
      iptables -w -A "$FORWARD_CHAIN" -i "$from" -o "$NODE_BRIDGE" -s "$POD_NETWORK" -d "$POD_NETWORK" -j ACCEPT
    done
  done
  for (( i = 0; i < $1; i++ )); do
    select_node "$i"
    iptables -w -A "$FORWARD_CHAIN" -i "$NODE_BRIDGE" -j DROP
    iptables -w -A "$FORWARD_CHAIN" -o "$NODE_BRIDGE" -j DROP
  done
  iptables -w -C FORWARD -j "$FORWARD_CHAIN" 2>/dev/null || iptables -w -I FORWARD 1 -j "$FORWARD_CHAIN"
  local c
  for c in "${GUARDED_CIDRS[@]}"; do
    [[ -n "$(ip route show exact "$c" 2>/dev/null)" ]] || ip route add unreachable "$c"
  done
}

remove_forward_rules() {
  while iptables -w -D FORWARD -j "$FORWARD_CHAIN" 2>/dev/null; do :; done
  iptables -w -F "$FORWARD_CHAIN" 2>/dev/null || true
  iptables -w -X "$FORWARD_CHAIN" 2>/dev/null || true
  local c
  for c in "${GUARDED_CIDRS[@]}"; do ip route del unreachable "$c" 2>/dev/null || true; done
}

# The Service addresses the nodes' pods can use, what kube-proxy would do for them, by hand (see the
# header): the apiserver's (`kubernetes`, whose ClusterIP and port the kubelet gives every pod as
# KUBERNETES_SERVICE_HOST/PORT), the registry's, and the host's loopback. All three listen on
# 127.0.0.1 only, so a pod's connection is sent there (DNAT), which the kernel allows for packets from
# a bridge only with its route_localnet set (as kube-proxy sets it for node ports on localhost). The
# apiserver's serving certificate names 10.96.0.1. The bridges are made here, before the first pod
# (the CNI bridge plugin takes one as it finds it).
add_service_rules() { # <apiserver port> <number of nodes>
  local i
  iptables -w -t nat -N "$SERVICE_CHAIN" 2>/dev/null || iptables -w -t nat -F "$SERVICE_CHAIN"
  for (( i = 0; i < $2; i++ )); do
    select_node "$i"
    if ! ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then ip link add "$NODE_BRIDGE" type bridge; fi
    ip link set "$NODE_BRIDGE" up
    sysctl -qw "net.ipv4.conf.$NODE_BRIDGE.route_localnet=1"
    iptables -w -t nat -A "$SERVICE_CHAIN" -i "$NODE_BRIDGE" -d "$APISERVER_SERVICE_IP/32" -p tcp --dport 443 \
      -j DNAT --to-destination "127.0.0.1:$1"
    iptables -w -t nat -A "$SERVICE_CHAIN" -i "$NODE_BRIDGE" -d "$REGISTRY_SERVICE_IP/32" -p tcp --dport "$REGISTRY_SERVICE_PORT" \
      -j DNAT --to-destination "$REGISTRY"
    # No port given: the connection keeps its own.
    iptables -w -t nat -A "$SERVICE_CHAIN" -i "$NODE_BRIDGE" -d "$POD_HOST_IP/32" -p tcp -j DNAT --to-destination 127.0.0.1
  done
  iptables -w -t nat -C PREROUTING -j "$SERVICE_CHAIN" 2>/dev/null || iptables -w -t nat -I PREROUTING 1 -j "$SERVICE_CHAIN"
}

remove_service_rules() {
  while iptables -w -t nat -D PREROUTING -j "$SERVICE_CHAIN" 2>/dev/null; do :; done
  iptables -w -t nat -F "$SERVICE_CHAIN" 2>/dev/null || true
  iptables -w -t nat -X "$SERVICE_CHAIN" 2>/dev/null || true
}

# kube-network-policies decides on every new connection of a pod in user space, from its netfilter
# queue; its own nftables rules send the packets there with nft's `queue` statement, which needs
# CONFIG_NFT_QUEUE. This machine's kernel (6.18, Firecracker) does not have it: the controller logs
#   "syncing nftables rules" error=< conn.Receive: netlink receive: no such file or directory … >
# (nft says "Error: Could not process rule: No such file or directory" for `queue num 100`) and makes
# no table. The kernel does have iptables' NFQUEUE target (through nft_compat), so this chain does
# what the controller's table would, in the same place (postrouting, before SNAT): packets of root's
# sockets on the machine (kubelet probes, Traefik) and established connections pass, and every other
# packet from or to a pod goes to a controller's queue (all the pods rather than only those a policy
# selects: the controller allows what no policy selects). No bypass: as with the controller's own
# rules, pod traffic stops while it is not running.
# A packet goes through postrouting once, even between nodes (one machine), and a queue's verdict
# ends the chain: a packet from a pod goes to its own node's controller, and one to a pod from
# elsewhere (a process of this machine not run by root) to the destination's. Either controller
# decides for both ends, since it looks both pods up among all the cluster's (egress policies of the
# source, ingress policies of the destination: evaluatePacket in pkg/networkpolicy/controller.go).
add_policy_rules() { # <number of nodes>
  local i
  iptables -w -t mangle -N "$POLICY_CHAIN" 2>/dev/null || iptables -w -t mangle -F "$POLICY_CHAIN"
  iptables -w -t mangle -A "$POLICY_CHAIN" -m owner --uid-owner 0 -j RETURN
  iptables -w -t mangle -A "$POLICY_CHAIN" -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
  for (( i = 0; i < $1; i++ )); do
    select_node "$i"
    iptables -w -t mangle -A "$POLICY_CHAIN" -s "$NODE_POD_CIDR" -j NFQUEUE --queue-num "$KNP_QUEUE"
  done
  for (( i = 0; i < $1; i++ )); do
    select_node "$i"
    iptables -w -t mangle -A "$POLICY_CHAIN" -d "$NODE_POD_CIDR" -j NFQUEUE --queue-num "$KNP_QUEUE"
  done
  iptables -w -t mangle -C POSTROUTING -j "$POLICY_CHAIN" 2>/dev/null || iptables -w -t mangle -I POSTROUTING 1 -j "$POLICY_CHAIN"
}

remove_policy_rules() {
  while iptables -w -t mangle -D POSTROUTING -j "$POLICY_CHAIN" 2>/dev/null; do :; done
  iptables -w -t mangle -F "$POLICY_CHAIN" 2>/dev/null || true
  iptables -w -t mangle -X "$POLICY_CHAIN" 2>/dev/null || true
}

# What the kubelet makes outside its root folder, whatever its settings:
#   - iptables chains for other components (KUBE-IPTABLES-HINT, KUBE-KUBELET-CANARY, and KUBE-FIREWALL
#     with jumps from INPUT and OUTPUT: pkg/kubelet/kubelet_network_linux.go), and with them
#     iptables-nft's tables (ip mangle, ip6 filter/nat/mangle);
#   - /var/lib/kubelet/device-plugins/kubelet.sock (a constant of the device manager), the symlinks in
#     /var/log/containers, and libcni's cache /var/lib/cni/results.
# What was there before the node's first start is noted, and down removes only what came after.
HOST_DIRS=(/var/lib/kubelet /var/log/containers /var/lib/cni)
save_host_state() {
  [[ -f "$STATE/host.before" ]] && return 0
  local d
  {
    nft list tables 2>/dev/null || true
    if iptables -w -t mangle -S KUBE-IPTABLES-HINT >/dev/null 2>&1; then echo kubelet-chains; fi
    for d in "${HOST_DIRS[@]}"; do if [[ -e "$d" ]]; then echo "dir $d"; fi; done
  } >"$STATE/host.before"
}

restore_host_state() {
  local f="$STATE/host.before" ipt t fam
  [[ -f "$f" ]] || return 0
  if ! grep -qx "dir /var/lib/kubelet" "$f"; then
    rm -f /var/lib/kubelet/device-plugins/kubelet.sock
    rmdir /var/lib/kubelet/device-plugins /var/lib/kubelet 2>/dev/null || true
  fi
  grep -qx "dir /var/log/containers" "$f" || rmdir /var/log/containers 2>/dev/null || true
  grep -qx "dir /var/lib/cni" "$f" || rmdir /var/lib/cni/results /var/lib/cni 2>/dev/null || true
  if ! grep -qx kubelet-chains "$f"; then
    for ipt in iptables ip6tables; do
      while $ipt -w -D INPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
      while $ipt -w -D OUTPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
      $ipt -w -F KUBE-FIREWALL 2>/dev/null || true
      $ipt -w -X KUBE-FIREWALL 2>/dev/null || true
      for t in filter nat mangle; do $ipt -w -t "$t" -X KUBE-KUBELET-CANARY 2>/dev/null || true; done
      $ipt -w -t mangle -X KUBE-IPTABLES-HINT 2>/dev/null || true
    done
  fi
  for fam in ip ip6; do
    ipt=iptables; [[ "$fam" == ip6 ]] && ipt=ip6tables
    for t in filter nat mangle; do
      grep -qx "table $fam $t" "$f" && continue
      nft list table "$fam" "$t" >/dev/null 2>&1 || continue
      if ! $ipt -w -t "$t" -S 2>/dev/null | grep -qv '^-P '; then nft delete table "$fam" "$t" 2>/dev/null || true; fi
    done
  done
  rm -f "$f"
}

# The controller listens on its queue (/proc/net/netfilter/nfnetlink_queue: queue number, port id = PID).
knp_listens() {
  local pid
  pid="$(pid_of "${NODE_PROC}kube-network-policies")"
  [[ -n "$pid" ]] && awk -v q="$KNP_QUEUE" -v p="$pid" '$1 == q && $2 == p { found = 1 } END { exit !found }' /proc/net/netfilter/nfnetlink_queue
}

# The kubelet refuses a loopback node IP ("failed to validate nodeIP: nodeIP can't be loopback
# address", logged at every status update) and then reports no address at all; the apiserver reaches
# kubelets by InternalIP (logs, exec). --node-ip 127.0.0.1 keeps it from picking the machine's own
# address, and the addresses are set here once; the kubelet's status updates leave them alone. Every
# node has 127.0.0.1: the apiserver tells them apart by their kubelet ports (status.daemonEndpoints).
set_node_addresses() {
  kubectl_admin patch node "$NODE_NAME" --subresource=status --type=merge \
    -p "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"},{\"type\":\"Hostname\",\"address\":\"$NODE_NAME\"}]}}"
}

# The PIDs listening on the kubelet's device-plugin socket, one a line.
device_plugin_socket_holders() {
  ss -xlpH 2>/dev/null | awk -v s="$DEVICE_PLUGIN_SOCKET" '$5 == s' | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u
}

kubelet_holds_socket() { # <kubelet component>
  local pid
  pid="$(pid_of "$1")"
  [[ -n "$pid" ]] && device_plugin_socket_holders | grep -qx "$pid"
}

# A kubelet that is not one of this cluster's (k3s' runs in the k3s process) would lose its socket to
# ours (see start_kubelet): refuse to start beside it.
refuse_foreign_kubelet() {
  local ours=" " i pid
  while read -r i; do
    select_node "$i"
    ours+="$(pid_of "${NODE_PROC}kubelet") "
  done < <(nodes_in_state)
  for pid in $(device_plugin_socket_holders); do
    [[ "$ours" == *" $pid "* ]] && continue
    die "another kubelet runs on this machine ($(cat "/proc/$pid/comm" 2>/dev/null || echo '?'), pid $pid, listens on $DEVICE_PLUGIN_SOCKET); run with SLIPWAY_K8S_REAL_NODES=0"
  done
}

# The kubelet's device-plugin socket has a fixed path, whatever its root folder: each kubelet that
# starts removes it and listens anew, so the kubelets started before it keep serving on a file that is
# gone. Harmless here: no device plugin runs (the device manager's checkpoint beside it is shared too,
# and stays empty), and a kubelet never looks at its socket again. Two kubelets starting at once
# could both remove the file and then one fail to listen, which ends it: so each waits until the one
# before listens. Node 0 starts last, so it holds the socket as when it was the only node.
start_kubelet() { # <apiserver port>
  local c="${NODE_PROC}kubelet"
  write_kubeconfig "$1" "$NODE_DIR/kubelet.kubeconfig" "$NODE_NAME-client"
  write_kubelet_config "$(free_port)" "$(free_port)"
  start_exe "$c" "$BIN/kubelet" --config "$NODE_DIR/kubelet-config.yaml" --kubeconfig "$NODE_DIR/kubelet.kubeconfig" \
    --root-dir "$NODE_DIR/kubelet" --hostname-override "$NODE_NAME" --node-ip 127.0.0.1 \
    --node-labels slipway.dev/pool=real
  wait_for 60 "the kubelet of $NODE_NAME to listen on $DEVICE_PLUGIN_SOCKET" "$c" kubelet_holds_socket "$c"
}

# The nodes start side by side where they can (containerd, kube-network-policies, the waits), one
# kubelet after the other (see start_kubelet); the pod network and the Service routes are made for all
# of them first, and the policy rules once every controller listens.
start_real_nodes() { # <apiserver port>
  local api_port="$1" n="$REAL_NODES_WANTED" i s token web_port websecure_port ping_port
  [[ $EUID -eq 0 ]] || die "the real nodes need root (or run with SLIPWAY_K8S_REAL_NODES=0)"
  for (( i = 0; i < n; i++ )); do
    select_node "$i"
    if ip route show "$NODE_POD_CIDR" 2>/dev/null | grep -qv "dev $NODE_BRIDGE"; then
      die "$NODE_POD_CIDR is already routed on this machine: $(ip route show "$NODE_POD_CIDR")"
    fi
    (( ${#NODE_RUN} + 20 < 108 )) || die "$NODE_RUN is too long a path for unix sockets; set SLIPWAY_K8S_STATE to a shorter one"
  done
  printf '%s\n' "$n" >"$STATE/real-nodes"
  for (( i = 0; i < n; i++ )); do
    select_node "$i"
    mkdir -p "$NODE_DIR/kubelet" "$NODE_DIR/pod-logs" "$NODE_RUN"
    : >"$NODE_DIR/started"   # from here on, down cleans up after the node
  done
  if [[ ! -f "$STATE/sysctl.saved" ]]; then
    for s in "${KUBELET_SYSCTLS[@]}"; do printf '%s=%s\n' "$s" "$(sysctl -n "$s")"; done >"$STATE/sysctl.saved"
  fi
  push_pause_image
  save_host_state
  add_forward_rules "$n"
  add_service_rules "$api_port" "$n"
  for (( i = 0; i < n; i++ )); do
    select_node "$i"
    write_containerd_config
    make_cgroup_root
    start_exe "${NODE_PROC}containerd" /usr/bin/containerd --config "$NODE_DIR/containerd/config.toml"
  done
  for (( i = 0; i < n; i++ )); do
    select_node "$i"
    wait_for 30 "containerd of $NODE_NAME" "${NODE_PROC}containerd" ctr_node version
  done
  for (( i = n - 1; i >= 0; i-- )); do
    select_node "$i"
    start_kubelet "$api_port"
  done

  apply_node_objects
  apply_registry_service
  for (( i = 0; i < n; i++ )); do
    select_node "$i"
    start_knp "$api_port" "$(free_port)"
  done
  web_port="$(free_port)"; websecure_port="$(free_port)"; ping_port="$(free_port)"
  token="$(kubectl_admin create token traefik --namespace kube-system --duration 8760h)"
  write_traefik_config "$api_port" "$web_port" "$ping_port" "$token" "$websecure_port"
  start_bg traefik --configFile "$TRAEFIK_DIR/traefik.yaml"
  printf '127.0.0.1:%s\n' "$web_port" >"$TRAEFIK_DIR/traefik.addr"
  printf '127.0.0.1:%s\n' "$websecure_port" >"$TRAEFIK_DIR/traefik-https.addr"

  for (( i = 0; i < n; i++ )); do
    select_node "$i"
    wait_for 60 "$NODE_NAME to register" "${NODE_PROC}kubelet" kubectl_admin get node "$NODE_NAME"
    wait_for 30 "$NODE_NAME's address" "${NODE_PROC}kubelet" set_node_addresses
  done
  for (( i = 0; i < n; i++ )); do
    select_node "$i"
    wait_for 120 "$NODE_NAME to be Ready" "${NODE_PROC}kubelet" \
      kubectl_admin wait --for=condition=Ready "node/$NODE_NAME" --timeout=2s
    wait_for 30 "kube-network-policies of $NODE_NAME (listening on its queue)" "${NODE_PROC}kube-network-policies" knp_listens
  done
  add_policy_rules "$n"
  wait_for 30 "traefik" traefik curl -fsS "http://127.0.0.1:$ping_port/ping"
}

# Lets the kubelets stop their nodes' pods (CNI DEL frees their IPs and veths) while they and the
# apiserver still run; all the nodes are cordoned first so that controllers' new pods stay Pending.
drain_real_nodes() { # <node index>...
  local i names=() name deadline
  for i in "$@"; do
    select_node "$i"
    [[ -n "$(pid_of "${NODE_PROC}kubelet")" ]] || continue
    if kubectl_admin cordon "$NODE_NAME" >/dev/null 2>&1; then names+=("$NODE_NAME"); fi
  done
  (( ${#names[@]} )) || return 0
  for name in "${names[@]}"; do
    kubectl_admin delete pods --all-namespaces --field-selector "spec.nodeName=$name" \
      --grace-period=2 --wait=false >/dev/null 2>&1 || true
  done
  deadline=$(( SECONDS + 30 ))
  while (( SECONDS < deadline )); do
    pods_on "${names[@]}" || return 0
    sleep 1
  done
  say "some pods of ${names[*]} were still there after 30 s; removing their containers directly"
}

pods_on() { # <node name>...: succeeds while a pod is on one of them
  local name
  for name in "$@"; do
    [[ -n "$(kubectl_admin get pods --all-namespaces --field-selector "spec.nodeName=$name" -o name 2>/dev/null)" ]] && return 0
  done
  return 1
}

# Whatever the kubelet left: kill the tasks and delete the containers, so that their shims exit.
remove_node_containers() {
  local id
  for id in $(ctr_node tasks ls -q 2>/dev/null); do ctr_node tasks kill --all --signal SIGKILL "$id" >/dev/null 2>&1 || true; done
  for id in $(ctr_node tasks ls -q 2>/dev/null); do ctr_node tasks delete --force "$id" >/dev/null 2>&1 || true; done
  for id in $(ctr_node containers ls -q 2>/dev/null); do ctr_node containers delete "$id" >/dev/null 2>&1 || true; done
}

# Shims outlive their containerd; the ones still there serve our containerd's address (and no other).
kill_node_shims() {
  local f pid
  for f in /proc/[0-9]*/cmdline; do
    pid="${f#/proc/}"; pid="${pid%/cmdline}"
    [[ "$(basename "$(readlink "/proc/$pid/exe" 2>/dev/null || true)")" == containerd-shim-runc-v2 ]] || continue
    tr '\0' '\n' <"$f" 2>/dev/null | grep -qxF "$NODE_RUN/containerd.sock" || continue
    kill -9 "$pid" 2>/dev/null || true
  done
}

# Everything mounted under the node's folder (the kubelet's own bind mount of its root folder, pod
# volumes, container root filesystems, sandbox /dev/shm, network namespaces), deepest first.
unmount_node() {
  local pass m left
  for pass in 1 2 3 4 5; do
    left=0
    while read -r m; do
      left=1
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done < <(awk -v d="$NODE_DIR" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)
    (( left )) || return 0
    [[ "$pass" == 5 ]] || sleep 0.2
  done
  say "warning: still mounted under $NODE_DIR:"; awk -v d="$NODE_DIR" '$5 == d || index($5, d "/") == 1 { print "  " $5 }' /proc/self/mountinfo >&2
}

# A node's processes whose PID files are gone are found by what their command lines name (this node's
# folder, or its name for kube-network-policies), and get their PID files back. A copy of this script
# from before SLIPWAY_K8S_REAL_NODES knows only node 0 and empties the PID folder at `up`: after its
# down and up, the other nodes of a cluster this script started still run.
adopt_node_processes() {
  local c lost=0 f pid exe marker
  for c in "${NODE_COMPONENTS[@]}"; do [[ -n "$(pid_of "$NODE_PROC$c")" ]] || lost=1; done
  (( lost )) || return 0
  for f in /proc/[0-9]*/cmdline; do
    pid="${f#/proc/}"; pid="${pid%/cmdline}"
    exe="$(basename "$(readlink "/proc/$pid/exe" 2>/dev/null || true)")"
    case "$exe" in
      containerd) marker="$NODE_DIR/containerd/config.toml" ;;
      kubelet) marker="$NODE_DIR/kubelet" ;;
      kube-network-policies) marker="$NODE_NAME" ;;
      *) continue ;;
    esac
    [[ -z "$(pid_of "$NODE_PROC$exe")" ]] || continue
    tr '\0' '\n' <"$f" 2>/dev/null | grep -qxF -- "$marker" || continue
    mkdir -p "$(dirname "$STATE/pids/$NODE_PROC$exe")"
    printf '%s\n' "$pid" >"$STATE/pids/$NODE_PROC$exe.pid"
  done
}

node_components() { # <component> <node index>...: that component's name for each node
  local c="$1" i
  shift
  for i in "$@"; do select_node "$i"; printf '%s\n' "$NODE_PROC$c"; done
}

# Every node a previous `up` started, whatever SLIPWAY_K8S_REAL_NODES says now, and what they made.
stop_real_nodes() {
  local nodes=() each=() i id sandboxes l
  mapfile -t nodes < <(nodes_in_state)
  (( ${#nodes[@]} )) || [[ -n "$(pid_of traefik)" ]] || return 0
  for i in "${nodes[@]}"; do select_node "$i"; adopt_node_processes; done
  if [[ -n "$(pid_of kube-apiserver)" ]]; then drain_real_nodes "${nodes[@]}"; fi
  mapfile -t each < <(node_components kubelet "${nodes[@]}")
  stop_components TERM "${each[@]}"
  for i in "${nodes[@]}"; do
    select_node "$i"
    sandboxes=()
    if [[ -d "$NODE_RUN/state/io.containerd.grpc.v1.cri/sandboxes" ]]; then
      mapfile -t sandboxes < <(ls "$NODE_RUN/state/io.containerd.grpc.v1.cri/sandboxes")
    fi
    [[ -z "$(pid_of "${NODE_PROC}containerd")" ]] || remove_node_containers
    # libcni's cache of sandboxes whose CNI DEL never came (the kubelet did not stop them)
    for id in "${sandboxes[@]}"; do
      rm -f "/var/lib/cni/results/$CNI_NETWORK-$id-eth0" "/var/lib/cni/results/cni-loopback-$id-lo"
    done
  done
  stop_component traefik
  # SIGINT: its shutdown path deletes its nftables table (SIGTERM would just end it).
  mapfile -t each < <(node_components kube-network-policies "${nodes[@]}")
  stop_components INT "${each[@]}"
  mapfile -t each < <(node_components containerd "${nodes[@]}")
  stop_components TERM "${each[@]}"
  for i in "${nodes[@]}"; do
    select_node "$i"
    kill_node_shims
    remove_cgroup_root
    unmount_node
    ip link delete "$NODE_BRIDGE" 2>/dev/null || true
    for l in /var/log/containers/*.log; do
      if [[ -L "$l" && "$(readlink "$l")" == "$NODE_DIR/"* ]]; then rm -f "$l"; fi
    done
  done
  remove_forward_rules
  remove_service_rules
  remove_policy_rules
  nft delete table inet "$KNP_TABLE" 2>/dev/null || true
  restore_host_state
  if [[ -f "$STATE/sysctl.saved" ]]; then
    sysctl -q -p "$STATE/sysctl.saved" >/dev/null 2>&1 || true
    rm -f "$STATE/sysctl.saved"
  fi
  for i in "${nodes[@]}"; do
    select_node "$i"
    rm -rf --one-file-system "$NODE_DIR"
    rmdir "$STATE/pids/node-$i" "$STATE/logs/node-$i" 2>/dev/null || true
    say "stopped the real node $NODE_NAME and removed what it made"
  done
}

# ---------------------------------------------------------------------------------------------
# commands

# Two `up`s at once (two test runs) must not start two clusters on one state folder.
lock_state() {
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$STATE/.lock"
    flock -w 300 9 || die "another k8s-test-cluster.sh holds $STATE/.lock"
  fi
}

cmd_up() {
  require_cmd openssl "the cluster's certificates"
  require_cmd node "choosing free ports"
  require_cmd curl "health checks"
  if node_wanted; then
    [[ $EUID -eq 0 ]] || die "the real nodes need root (or run with SLIPWAY_K8S_REAL_NODES=0)"
    ensure_node_packages
  fi
  build_binaries
  mkdir -p "$STATE"
  lock_state
  # A running cluster is reused as it is when it has the real nodes wanted (any, with none wanted).
  # One that a copy of this script from before SLIPWAY_K8S_REAL_NODES started lacks the pods' routes.
  if is_running && { ! node_wanted || [[ -f "$STATE/real-nodes" && "$(running_node_count)" == "$REAL_NODES_WANTED" ]]; }; then
    say "the test cluster is already running (state: $STATE)"
    print_env
    return 0
  fi
  # Half-running or stale: start from a clean state, stopping only what our PID files name.
  stop_all
  if node_wanted; then refuse_foreign_kubelet; fi
  rm -rf "${STATE:?}/etcd" "$STATE/logs" "$STATE/pids" "$STATE/pki" "$STATE/admin.kubeconfig"
  mkdir -p "$STATE/logs" "$STATE/pids"
  local start=$SECONDS etcd_port peer_port api_port cm_port sched_port kwok_port
  etcd_port="$(free_port)"; peer_port="$(free_port)"; api_port="$(free_port)"
  cm_port="$(free_port)"; sched_port="$(free_port)"; kwok_port="$(free_port)"
  make_pki
  make_kwok_config
  write_kubeconfig "$api_port"
  local d="$STATE/pki" kc="$STATE/admin.kubeconfig"

  start_bg etcd --name default --data-dir "$STATE/etcd" --unsafe-no-fsync \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "default=http://127.0.0.1:$peer_port" --log-level warn
  wait_for 30 "etcd" etcd curl -fsS "http://127.0.0.1:$etcd_port/health"

  # --advertise-address: without a default route the apiserver exits (controller-runtime#669).
  start_bg kube-apiserver --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --tls-cert-file "$d/apiserver.crt" --tls-private-key-file "$d/apiserver.key" --client-ca-file "$d/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$d/sa.pub" --service-account-signing-key-file "$d/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 --authorization-mode Node,RBAC --allow-privileged=true \
    --enable-admission-plugins NamespaceLifecycle,LimitRanger,ServiceAccount,ResourceQuota,PodSecurity,DefaultIngressClass,NodeRestriction,ValidatingAdmissionPolicy,MutatingAdmissionWebhook,ValidatingAdmissionWebhook \
    --kubelet-client-certificate "$d/apiserver-kubelet-client.crt" --kubelet-client-key "$d/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types InternalIP \
    --profiling=false --event-ttl 1h
  wait_for 90 "kube-apiserver" kube-apiserver kubectl_admin get --raw /readyz

  start_bg kube-controller-manager --kubeconfig "$kc" --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
    --leader-elect=false --bind-address 127.0.0.1 --secure-port "$cm_port" \
    --service-account-private-key-file "$d/sa.key" --root-ca-file "$d/ca.crt" --use-service-account-credentials=true \
    --profiling=false
  start_bg kube-scheduler --kubeconfig "$kc" --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
    --leader-elect=false --bind-address 127.0.0.1 --secure-port "$sched_port" --profiling=false
  # Only the fake node (its annotation), never the real one.
  start_bg kwok --kubeconfig "$kc" --config "$STATE/kwok.yaml" --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-ip 127.0.0.1 --node-port "$kwok_port" --server-address "127.0.0.1:$kwok_port" \
    --tls-cert-file "$d/kwok.crt" --tls-private-key-file "$d/kwok.key" \
    --node-lease-duration-seconds 40 --cidr 10.244.0.0/16

  create_fake_node
  wait_for 60 "the fake node to be Ready" kwok \
    kubectl_admin wait --for=condition=Ready node/kwok-node-0 --timeout=2s
  # The controller-manager works once it has made the default ServiceAccount (pods need it).
  wait_for 60 "the controller-manager (default ServiceAccount)" kube-controller-manager \
    kubectl_admin get serviceaccount default --namespace default
  wait_for 30 "the scheduler" kube-scheduler curl -fsk "https://127.0.0.1:$sched_port/healthz"
  local all=("${COMPONENTS[@]}") i c
  if node_wanted; then
    start_real_nodes "$api_port"
    for (( i = 0; i < REAL_NODES_WANTED; i++ )); do
      select_node "$i"
      for c in "${NODE_COMPONENTS[@]}"; do all+=("$NODE_PROC$c"); done
    done
    all+=(traefik)
  fi

  say "test cluster up in $(( SECONDS - start ))s: apiserver https://127.0.0.1:$api_port, state $STATE"
  say "pids: $(for c in "${all[@]}"; do printf '%s=%s ' "$c" "$(cat "$STATE/pids/$c.pid")"; done)"
  print_env
}

cmd_env() {
  resolve_versions
  is_running || die "the test cluster is not running (start it with: scripts/k8s-test-cluster.sh up)"
  print_env
}

cmd_down() {
  resolve_versions
  [[ -d "$STATE/pids" || -n "$(nodes_in_state)" ]] || { say "the test cluster is not running"; return 0; }
  lock_state
  stop_all
}

read_real_nodes_wanted
case "${1:-}" in
  up) cmd_up ;;
  env) cmd_env ;;
  down) cmd_down ;;
  build) build_binaries ;;
  kubectl-path) resolve_versions; printf '%s\n' "$BIN/kubectl" ;;
  -h | --help | help) usage ;;
  *) say "unknown command: ${1:-(none)}"; usage ;;
esac
