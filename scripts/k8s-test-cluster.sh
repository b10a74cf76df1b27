#!/usr/bin/env bash
# A real Kubernetes control plane for tests, on 127.0.0.1 only: etcd, kube-apiserver (TLS, RBAC,
# ServiceAccount tokens, admission incl. ResourceQuota, LimitRanger, ValidatingAdmissionPolicy),
# kube-controller-manager, kube-scheduler and kwok running one fake node that makes pods Ready.
# Everything is built from the Go module proxy (no prebuilt binary or image is downloaded):
# ci/k8s-build and ci/etcd-build are wrapper modules, kwok comes from `go install`.
#
#   scripts/k8s-test-cluster.sh up      build what is missing, start (or reuse a running cluster),
#                                       wait until ready; the last line is KUBECONFIG=<path>
#   scripts/k8s-test-cluster.sh env     print KUBECONFIG=<path> of the running cluster (fails if none)
#   scripts/k8s-test-cluster.sh down    stop the processes this script started, by PID
#   scripts/k8s-test-cluster.sh build   only build the binaries
#
# Binaries: ${SLIPWAY_K8S_CACHE:-$HOME/.cache/slipway-k8s}/<kubernetes version>/bin (never committed).
# State (PKI, etcd data, logs, PIDs, kubeconfig): ${SLIPWAY_K8S_STATE:-$HOME/.cache/slipway-k8s/state}.
#
# Conventions of the fake node that tests rely on (see make_kwok_config):
#   - every pod becomes Running and Ready at once; pods of Jobs complete with exit code 0;
#   - a pod whose container image has the tag `never-ready` runs but never becomes Ready, and
#     gets a Warning event `Unhealthy` like a failing readiness probe;
#   - `kubectl logs` of any pod answers with the lines of state/pod.log (served by kwok on
#     127.0.0.1, which is the node's address).
# No process listens on, or is sent traffic to, anything but 127.0.0.1: pod and Service IPs are
# only numbers in the API.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KWOK_VERSION=v0.8.0
CACHE_ROOT="${SLIPWAY_K8S_CACHE:-$HOME/.cache/slipway-k8s}"
STATE="${SLIPWAY_K8S_STATE:-$CACHE_ROOT/state}"
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

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

build_binaries() {
  resolve_versions
  mkdir -p "$BIN"
  local k8s_missing=0 c
  for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    stamp_ok "$c" "$K8S_VERSION" || k8s_missing=1
  done
  if (( k8s_missing == 0 )) && stamp_ok etcd "$ETCD_VERSION" && stamp_ok kwok "$KWOK_VERSION"; then
    return 0
  fi
  require_cmd go "building Kubernetes from the Go module proxy"
  local start=$SECONDS minor ldf p
  # GOTOOLCHAIN=local: the wrappers say `go 1.26.0`; never download another toolchain silently.
  export CGO_ENABLED=0 GOTOOLCHAIN=local
  if (( k8s_missing )); then
    say "building Kubernetes $K8S_VERSION (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl); 10-25 min on 2 cores, once"
    minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
    # Without these the binaries say v0.0.0-master, and version-gated behaviour goes wrong.
    ldf="-s -w"
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldf="$ldf -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    done
    (cd "$ROOT/ci/k8s-build" && nice -n 10 go build -trimpath -ldflags "$ldf" -o "$BIN/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl) \
      || die "building Kubernetes failed (see the go output above)"
    for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
      printf '%s\n' "$K8S_VERSION" >"$BIN/.$c.version"
    done
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
  say "built in $(( SECONDS - start ))s: $(du -sh "$BIN" | cut -f1) in $BIN"
}

# ---------------------------------------------------------------------------------------------
# processes

# A PID file is only trusted when that PID still runs our binary: PIDs are reused.
pid_of() { # <component> -> prints the PID if it runs, else nothing
  local f="$STATE/pids/$1.pid" pid exe
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
  [[ -n "$exe" && "$(basename "$exe")" == "$1" ]] && printf '%s\n' "$pid"
  return 0
}

stop_all() {
  local c pid i
  # Reverse order: the apiserver must not outlive etcd by much, and kwok goes first.
  for (( i = ${#COMPONENTS[@]} - 1; i >= 0; i-- )); do
    c="${COMPONENTS[$i]}"
    pid="$(pid_of "$c")"
    if [[ -n "$pid" ]]; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      say "stopped $c (pid $pid)"
    fi
    rm -f "$STATE/pids/$c.pid"
  done
}

start_bg() { # <component> <args...>
  local c="$1"; shift
  # 9>&-: the components must not inherit (and so hold) the state lock.
  setsid "$BIN/$c" "$@" >"$STATE/logs/$c.log" 2>&1 </dev/null 9>&- &
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

is_running() {
  local c
  for c in "${COMPONENTS[@]}"; do [[ -n "$(pid_of "$c")" ]] || return 1; done
  [[ -f "$STATE/admin.kubeconfig" ]] && kubectl_admin get --raw /readyz >/dev/null 2>&1
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
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
  rm -f "$d"/*.csr
}

write_kubeconfig() { # <apiserver port>
  local kc="$STATE/admin.kubeconfig" d="$STATE/pki"
  rm -f "$kc"
  "$BIN/kubectl" config --kubeconfig="$kc" set-cluster slipway-test --server="https://127.0.0.1:$1" \
    --certificate-authority="$d/ca.crt" --embed-certs >/dev/null
  "$BIN/kubectl" config --kubeconfig="$kc" set-credentials admin --client-certificate="$d/admin.crt" \
    --client-key="$d/admin.key" --embed-certs >/dev/null
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
  build_binaries
  mkdir -p "$STATE"
  lock_state
  if is_running; then
    say "the test cluster is already running (state: $STATE)"
    printf 'KUBECONFIG=%s\n' "$STATE/admin.kubeconfig"
    return 0
  fi
  # Half-running or stale: start from a clean state, stopping only what our PID files name.
  stop_all
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
  start_bg kwok --kubeconfig "$kc" --config "$STATE/kwok.yaml" --manage-all-nodes=true \
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

  say "test cluster up in $(( SECONDS - start ))s: apiserver https://127.0.0.1:$api_port, state $STATE"
  say "pids: $(for c in "${COMPONENTS[@]}"; do printf '%s=%s ' "$c" "$(cat "$STATE/pids/$c.pid")"; done)"
  printf 'KUBECONFIG=%s\n' "$kc"
}

cmd_env() {
  resolve_versions
  is_running || die "the test cluster is not running (start it with: scripts/k8s-test-cluster.sh up)"
  printf 'KUBECONFIG=%s\n' "$STATE/admin.kubeconfig"
}

cmd_down() {
  resolve_versions
  [[ -d "$STATE/pids" ]] || { say "the test cluster is not running"; return 0; }
  lock_state
  stop_all
}

case "${1:-}" in
  up) cmd_up ;;
  env) cmd_env ;;
  down) cmd_down ;;
  build) build_binaries ;;
  -h | --help | help) usage ;;
  *) say "unknown command: ${1:-(none)}"; usage ;;
esac
