#!/usr/bin/env bash
# Benchmark of bizo-plan's live-cluster path against the raw floor and kubectl-view-allocations.
#
#   bash bench/cluster.sh [NODES...]          (default: 1000 5000; 30 pods per node)
#
# For each size it starts bizo-sim with a generated cluster (pods of 4-8 KB JSON each, as real
# pods with managedFields are) and runs, alternating, RUNS times each:
#   floor  the same paginated lists bizo-plan reads, fetched with curl to a tmpfs file in the
#          same order and concurrency: nodes (limit 500) and node metrics (limit 5000) beside
#          pods (field selector, limit 500) followed by pod metrics (limit 5000)
#   bizo   bizo-plan check -o json > /dev/null (release build)
#   kva    kubectl-view-allocations -u > /dev/null (installed from crates.io)
# and prints wall time and peak RSS (GNU time) medians with ratios. Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
PODS_PER_NODE=${PODS_PER_NODE:-30}
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 5000)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
TIME=/usr/bin/time
[ -x "$TIME" ] || { apt-get update -qq && apt-get install -y -qq time; }
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl; }

echo "building release binaries..." >&2
cargo build --release -q -p bizo-plan -p bizo-sim
BIZO=$CARGO_TARGET_DIR/release/bizo-plan
SIM=$CARGO_TARGET_DIR/release/bizo-sim
KVA=$(command -v kubectl-view-allocations || true)
if [ -z "$KVA" ]; then
  echo "installing kubectl-view-allocations from crates.io..." >&2
  cargo install -q --locked kubectl-view-allocations >&2 || cargo install -q kubectl-view-allocations >&2
  KVA=$(command -v kubectl-view-allocations || echo "$HOME/.cargo/bin/kubectl-view-allocations")
fi
KVA_VERSION=$("$KVA" --version 2>/dev/null | head -1 || echo unknown)

work=$(mktemp -d)
shm=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work" "$shm"' EXIT

# One paginated list with curl: pages to a tmpfs file, the continue token read from its head.
fetch_list() { # url path query tag limit
  local url=$1 path=$2 query=$3 tag=$4 limit=$5 token="" n=0
  while :; do
    local q="limit=$limit${query:+&$query}${token:+&continue=$token}"
    curl -sf -o "$shm/$tag" "$url$path?$q"
    n=$((n + 1))
    token=$(head -c 1024 "$shm/$tag" | grep -o '"continue":"[^"]*"' | head -1 | cut -d'"' -f4 || true)
    token=${token//=/%3D}; token=${token//+/%2B}; token=${token//\//%2F}
    [ -n "$token" ] || break
  done
}
floor() { # url -- the requests bizo-plan makes, in the same order and concurrency
  local url=$1
  fetch_list "$url" /api/v1/nodes "" nodes 500 &
  fetch_list "$url" /apis/metrics.k8s.io/v1beta1/nodes "" nmetrics 5000 &
  {
    fetch_list "$url" /api/v1/pods "fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed" pods 500
    fetch_list "$url" /apis/metrics.k8s.io/v1beta1/pods "" pmetrics 5000
  } &
  wait
}

measure() { # label command... ; prints "seconds maxrss_kib"
  local label=$1; shift
  $TIME -f "%e %M" -o "$work/$label.time" "$@" >/dev/null 2>"$work/$label.err" || {
    echo "$label failed:" >&2; cat "$work/$label.err" >&2; return 1; }
  cat "$work/$label.time"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

printf '\nmachine: %s cores, %s, %s\n' "$(nproc)" "$(free -h | awk '/Mem:/ {print $2}') RAM" "$(uname -sr)"
printf 'bizo-plan %s (release), %s, %s pods per node, %s alternating runs each\n\n' \
  "$("$BIZO" --version | cut -d' ' -f2)" "$KVA_VERSION" "$PODS_PER_NODE" "$RUNS"
printf '| nodes | pods | floor (curl) | bizo-plan check | kubectl-view-allocations -u | bizo / floor | kva / bizo | bizo peak RSS | kva peak RSS |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for nodes in "${SIZES[@]}"; do
  "$SIM" --generate "$nodes:$PODS_PER_NODE" --kubeconfig-out "$work/kubeconfig" >"$work/sim.out" 2>&1 &
  sim_pid=$!
  for _ in $(seq 50); do grep -q listening "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
  url=$(awk '/listening/ {print $2}' "$work/sim.out")
  : >"$work/floor.s"; : >"$work/bizo.s"; : >"$work/kva.s"; : >"$work/bizo.rss"; : >"$work/kva.rss"
  for run in $(seq "$RUNS"); do
    read -r s _ < <(measure floor bash -c "$(declare -f fetch_list floor); shm=$shm; floor $url")
    echo "$s" >>"$work/floor.s"
    read -r s rss < <(measure bizo "$BIZO" check -o json --kubeconfig "$work/kubeconfig" --no-color)
    echo "$s" >>"$work/bizo.s"; echo "$rss" >>"$work/bizo.rss"
    read -r s rss < <(measure kva env KUBECONFIG="$work/kubeconfig" "$KVA" -u)
    echo "$s" >>"$work/kva.s"; echo "$rss" >>"$work/kva.rss"
    echo "  $nodes nodes run $run: floor $(tail -1 "$work/floor.s")s bizo $(tail -1 "$work/bizo.s")s kva $(tail -1 "$work/kva.s")s" >&2
  done
  kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true
  f=$(median <"$work/floor.s"); b=$(median <"$work/bizo.s"); k=$(median <"$work/kva.s")
  br=$(median <"$work/bizo.rss"); kr=$(median <"$work/kva.rss")
  awk -v n="$nodes" -v p="$((nodes * PODS_PER_NODE))" -v f="$f" -v b="$b" -v k="$k" -v br="$br" -v kr="$kr" 'BEGIN {
    printf "| %d | %d | %.2f s | %.2f s | %.2f s | %.2fx | %.1fx | %.1f MiB | %.1f MiB |\n", n, p, f, b, k, b / f, k / b, br / 1024, kr / 1024 }'
done
