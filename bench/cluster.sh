#!/usr/bin/env bash
# Benchmark of bizo-plan's live-cluster path against the raw transfer floor,
# kubectl-view-allocations and kubectl top, on loopback and through a 100 Mbit/s link.
#
#   bash bench/cluster.sh [NODES...]     (default: 1000 5000; 30 pods per node)
#   RUNS=3 NETS="loopback 100mbit" OUT=bench/results.md bash bench/cluster.sh 1000 5000
#   (BUILD=0 uses the release binaries already in $CARGO_TARGET_DIR; KVA=path skips building kva)
#
# For each size it starts bizo-sim with a generated cluster (4-8 KB of JSON per pod, as real
# pods with managedFields are; PodMetrics unpaginated, as metrics-server; gzip of answers over
# 128 KiB at level 1 when asked, as the apiserver) and runs, alternating, RUNS times each:
#   floor       bizo-floor: the lists bizo-plan reads, one keep-alive connection per list, the
#               four concurrently, bodies dropped (plain)
#   floor-gzip  the same with Accept-Encoding: gzip
#   bizo        bizo-plan check -o json > /dev/null (release build; gzip, as by default)
#   kva         kubectl-view-allocations -u (built from crates.io into a temp dir, or $KVA)
#   ktop        kubectl top pods -A (reads only the PodMetrics list)
# and reports the median wall time, peak RSS and CPU (user + sys) with ratios.
#
# NETS: `loopback` runs on 127.0.0.1; `100mbit` runs the simulator and every client inside a
# network namespace of their own whose loopback is shaped to 100 Mbit/s (netem is not
# available here; tbf is):
#   ip netns add bizo-bench
#   ip netns exec bizo-bench ip link set lo up
#   ip netns exec bizo-bench ip link set lo mtu 1500
#   ip netns exec bizo-bench tc qdisc add dev lo root tbf rate 100mbit burst 128kb latency 50ms
# (root needed; traffic never leaves 127.0.0.1 of that namespace). Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
PODS_PER_NODE=${PODS_PER_NODE:-30}
NETS=${NETS:-"loopback 100mbit"}
OUT=${OUT:-}
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 5000)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
TIME=/usr/bin/time
[ -x "$TIME" ] || { apt-get update -qq && apt-get install -y -qq time; }
KUBECTL=$(command -v kubectl || true)

if [ "${BUILD:-1}" = 1 ]; then
  echo "building release binaries..." >&2
  cargo build --release -q -p bizo-plan -p bizo-sim
fi
BIZO=$CARGO_TARGET_DIR/release/bizo-plan
SIM=$CARGO_TARGET_DIR/release/bizo-sim
FLOOR=$CARGO_TARGET_DIR/release/bizo-floor
KVA=${KVA:-$(command -v kubectl-view-allocations || true)}
if [ -z "$KVA" ]; then
  kva_root=${KVA_ROOT:-/tmp/bizo-bench-kva}
  if [ ! -x "$kva_root/bin/kubectl-view-allocations" ]; then
    echo "building kubectl-view-allocations from crates.io into $kva_root..." >&2
    cargo install -q --locked --root "$kva_root" kubectl-view-allocations >&2
  fi
  KVA=$kva_root/bin/kubectl-view-allocations
fi
KVA_VERSION=$("$KVA" --version 2>/dev/null | head -1 || echo unknown)

work=$(mktemp -d)
NS=bizo-bench-$$
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

in_net() { # net command...
  if [ "$1" = 100mbit ]; then shift; ip netns exec "$NS" "$@"; else shift; "$@"; fi
}

# The simulator, in the background, as the job's own process (exec), so that killing the job's
# pid stops it: a function run with & is a subshell, whose child would outlive `kill`.
start_sim() { # net command...
  if [ "$1" = 100mbit ]; then shift; exec ip netns exec "$NS" "$@"; else shift; exec "$@"; fi
}

measure() { # net label command... ; appends "wall rss_kib cpu_s" to $work/label
  local net=$1 label=$2; shift 2
  in_net "$net" "$TIME" -f "%e %M %U %S" -o "$work/$label.time" "$@" >/dev/null 2>"$work/$label.err" || {
    echo "$label failed:" >&2; tail -5 "$work/$label.err" >&2; return 1; }
  awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}' "$work/$label.time" >>"$work/$label"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
col() { awk -v c="$2" '{print $c}' "$work/$1" | median; }

machine="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -h | awk '/Mem:/ {print $2}') RAM, $(uname -sr)"
report() { printf '%s\n' "$*"; [ -z "$OUT" ] || printf '%s\n' "$*" >>"$OUT"; }
[ -z "$OUT" ] || : >"$OUT"
report "# Cluster-read benchmarks"
report ""
report "$(date -u +%Y-%m-%d), $machine; load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
report "bizo-plan $("$BIZO" --version | cut -d' ' -f2) (release), $KVA_VERSION, $($KUBECTL version --client 2>/dev/null | head -1), $PODS_PER_NODE pods per node, median of $RUNS alternating runs; command: \`RUNS=$RUNS NETS=\"$NETS\" bash bench/cluster.sh ${SIZES[*]}\`."
report ""
report "| link | nodes | pods | pod JSON | floor | floor gzip | bizo-plan | kva -u | kubectl top pods -A | bizo / floor | bizo / floor gzip | kva / bizo | top / bizo | bizo RSS | kva RSS | top RSS | bizo CPU | CPU per GB of pod JSON |"
report "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for net in $NETS; do
  if [ "$net" = 100mbit ]; then
    ip netns add "$NS"
    ip netns exec "$NS" ip link set lo up
    ip netns exec "$NS" ip link set lo mtu 1500
    ip netns exec "$NS" tc qdisc add dev lo root tbf rate 100mbit burst 128kb latency 50ms
  fi
  for nodes in "${SIZES[@]}"; do
    start_sim "$net" "$SIM" --generate "$nodes:$PODS_PER_NODE" --kubeconfig-out "$work/kubeconfig" >"$work/sim.out" 2>&1 &
    sim_pid=$!
    for _ in $(seq 100); do grep -q listening "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
    url=$(awk '/listening/ {print $2}' "$work/sim.out")
    for t in floor floorgz bizo kva ktop; do : >"$work/$t"; done
    for run in $(seq "$RUNS"); do
      measure "$net" floor "$FLOOR" "$url"
      cp "$work/floor.err" "$work/floor.last"
      measure "$net" floorgz "$FLOOR" "$url" --gzip
      measure "$net" bizo "$BIZO" check -o json --kubeconfig "$work/kubeconfig" --no-color --no-tiers
      measure "$net" kva env KUBECONFIG="$work/kubeconfig" "$KVA" -u
      measure "$net" ktop "$KUBECTL" --kubeconfig "$work/kubeconfig" top pods -A
      echo "  $net $nodes nodes run $run: floor $(tail -1 "$work/floor" | cut -d' ' -f1)s gzip $(tail -1 "$work/floorgz" | cut -d' ' -f1)s bizo $(tail -1 "$work/bizo" | cut -d' ' -f1)s kva $(tail -1 "$work/kva" | cut -d' ' -f1)s top $(tail -1 "$work/ktop" | cut -d' ' -f1)s" >&2
    done
    kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true
    podjson=$(awk '/^\/api\/v1\/pods:/ {print $4}' "$work/floor.last")
    awk -v net="$net" -v n="$nodes" -v p="$((nodes * PODS_PER_NODE))" -v pj="$podjson" \
      -v f="$(col floor 1)" -v fg="$(col floorgz 1)" -v b="$(col bizo 1)" -v k="$(col kva 1)" -v t="$(col ktop 1)" \
      -v br="$(col bizo 2)" -v kr="$(col kva 2)" -v tr="$(col ktop 2)" -v bc="$(col bizo 3)" 'BEGIN {
      printf "| %s | %d | %d | %.0f MB | %.2f s | %.2f s | %.2f s | %.2f s | %.2f s | %.2fx | %.2fx | %.1fx | %.2fx | %.1f MiB | %.0f MiB | %.0f MiB | %.2f s | %.2f s/GB |\n",
        net, n, p, pj / 1e6, f, fg, b, k, t, b / f, b / fg, k / b, t / b, br / 1024, kr / 1024, tr / 1024, bc, bc / (pj / 1e9) }' \
      | while IFS= read -r line; do report "$line"; done
  done
  [ "$net" != 100mbit ] || ip netns del "$NS"
done
report ""
report "load average after: $(cut -d' ' -f1-3 /proc/loadavg)."
