#!/usr/bin/env bash
# Decode CPU per GB of list JSON, whole (serde skips what planning does not read) and filtered
# (the key-path filter of src/source/kube/keep.rs hands serde only the fields read), in one
# binary, on bodies saved from bizo-sim: no network, no server cost in the figure.
#
#   bash bench/decode.sh [NODES] [REPEAT]    (default 200 nodes x 30 pods, 10 repeats)
set -euo pipefail
cd "$(dirname "$0")/.."
NODES=${1:-200}
REPEAT=${2:-10}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release -q -p bizo-sim
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
"$CARGO_TARGET_DIR/release/bizo-sim" --generate "$NODES:30" --kubeconfig-out "$work/kubeconfig" >"$work/sim.out" 2>&1 &
for _ in $(seq 100); do grep -q listening "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
url=$(awk '/listening/ {print $2}' "$work/sim.out")
curl -sf "$url/api/v1/pods" -o "$work/pods.json"
curl -sf "$url/api/v1/nodes" -o "$work/nodes.json"
curl -sf "$url/apis/metrics.k8s.io/v1beta1/pods" -o "$work/podmetrics.json"
echo "$(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), commit $(git rev-parse --short HEAD); $NODES nodes x 30 pods"
for list in pods:PodList nodes:NodeList podmetrics:PodMetricsList; do
  cargo bench -q --bench decode -- "$work/${list%%:*}.json" "${list#*:}" "$REPEAT"
done
