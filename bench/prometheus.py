#!/usr/bin/env python3
"""Benchmark of the history read at fleet scale (issue 13; not a timed test).

N pods (default 5,000) in 20 namespaces, one container each, 7 days of memory and cpu series
sampled every SCRAPE seconds (default 240: the subquery's cost in samples is steps x series,
whatever the scrape interval; a finer scrape only makes Prometheus decode more chunks), are
backfilled with promtool (one OpenMetrics file per 2-hour block, two promtool runs at a time)
into a default-configured Prometheus (--query.max-samples 50,000,000, --query.timeout 2m).
Then:

  1. the unsharded query bizo-plan sent before (every pod at once) is sent by curl: refused;
  2. `bizo-plan check --prometheus ... --window 7d --step 1m` with the default budget
     (--prometheus-max-samples 10,000,000, --prometheus-timeout 120 as the server's own 2m): wall time, queries, shards, splits, the largest
     estimated query, and Prometheus' peak RSS (VmHWM; the server was started for the run);
  3. the queries KRR's published batching would send for the same pods (50 pods per query,
     3 figures) for comparison.

Usage: python3 bench/prometheus.py [PODS] (BIZO_PLAN=path/to/bizo-plan, default
$CARGO_TARGET_DIR/debug/bizo-plan or target/debug/bizo-plan).
"""
import json, os, subprocess, sys, tempfile, time, urllib.error, urllib.parse, urllib.request

import promserver

PODS = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
SCRAPE = int(os.environ.get("SCRAPE", "240"))
NS = 20
K8S = "bcdfghjklmnpqrstvwxz2456789"
MI = 1 << 20

def k8s(n, length):
    s = ""
    for _ in range(length):
        s += K8S[n % len(K8S)]
        n //= len(K8S)
    return s

def pods():
    out = []
    # Namespaces of uneven sizes (a few big ones), 50 pods per app.
    weights = [20, 14, 10, 8, 7, 6, 5, 5, 4, 4, 3, 3, 2, 2, 2, 1, 1, 1, 1, 1]
    total = sum(weights)
    for n, w in enumerate(weights):
        count = PODS * w // total if n < NS - 1 else PODS - len(out)
        for i in range(count):
            app = f"ns{n}-app{i // 50}"
            out.append((f"ns{n}", f"{app}-{k8s(7919 * (n * 1000 + i // 50) + 17, 10)}-{k8s(len(out) * 104729 + 12345, 5)}"))
    return out

def main():
    bizo = os.environ.get("BIZO_PLAN") or os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "debug", "bizo-plan")
    assert os.path.exists(bizo), f"{bizo}: build it first (cargo build)"
    fleet = pods()
    now = int(time.time())
    at = now - now % 60 - 3600
    samples = 7 * 86400 // SCRAPE + 3
    work = tempfile.mkdtemp(prefix="bizo-bench-")
    tsdb = os.path.join(work, "tsdb")
    started = time.time()
    # Per 2-hour block: every pod's samples in it, memory then cpu.
    t0 = at - (samples - 1) * SCRAPE
    blocks = {}
    for i in range(samples):
        blocks.setdefault((t0 + i * SCRAPE) // 7200, []).append(i)
    files = []
    for b, idx in sorted(blocks.items()):
        mem, cpu = [], []
        for p, (ns, pod) in enumerate(fleet):
            labels = f'{{container="app",namespace="{ns}",pod="{pod}"}}'
            base = 50 * MI + (p % 400) * MI
            for i in idx:
                t = t0 + i * SCRAPE
                mem.append(f"container_memory_working_set_bytes{labels} {base + (i * 7919 + p) % 1000 * 4096} {t}\n")
                cpu.append(f"container_cpu_usage_seconds_total{labels} {1000 + i * (6 + p % 8 * 6)} {t}\n")
        path = os.path.join(work, f"{b}.om")
        with open(path, "w") as f:
            f.write("# TYPE container_memory_working_set_bytes gauge\n")
            f.writelines(mem)
            f.write("# TYPE container_cpu_usage_seconds counter\n")
            f.writelines(cpu)
            f.write("# EOF\n")
        files.append(path)
    generated = time.time() - started
    subprocess.run(f"printf '%s\\n' {' '.join(files)} | xargs -P 2 -I F promtool tsdb create-blocks-from openmetrics -q F {tsdb} >/dev/null",
                   shell=True, check=True)
    for f in files:
        os.remove(f)
    backfilled = time.time() - started - generated
    series = 2 * len(fleet)
    print(f"data: {len(fleet)} pods, {series} series x {samples} samples ({series * samples:,} samples) every {SCRAPE}s; "
          f"generated in {generated:.0f} s, backfilled in {backfilled:.0f} s")

    with open(os.path.join(work, "fleet.yaml"), "w") as f:
        f.write("name: bench\nservices:\n")
        for app in sorted({(ns, pod.rsplit("-", 2)[0]) for ns, pod in fleet}):
            f.write(f"  - {{name: {app[1]}, group: core, status: deployed, namespace: {app[0]}, workload: Deployment/{app[1]}, memory: {{typical: 64Mi}}}}\n")
    prom, url = promserver.start(work, tsdb, retention="30d")
    try:
        rss = lambda key: next(int(l.split()[1]) for l in open(f"/proc/{prom.pid}/status") if l.startswith(key))
        ready_rss = rss("VmRSS:")
        # 1. The unsharded query.
        q = ('quantile_over_time(0.95, (sum by (namespace, pod) (container_memory_working_set_bytes'
             '{container!="", container!="POD"}))[7d:1m])')
        req = urllib.request.Request(url + "/api/v1/query", data=urllib.parse.urlencode({"query": q, "time": at}).encode())
        t = time.time()
        try:
            urllib.request.urlopen(req, timeout=300)
            unsharded = "answered"
        except urllib.error.HTTPError as e:
            unsharded = f"HTTP {e.code}: {json.loads(e.read()).get('error')}"
        print(f"unsharded query: {unsharded} ({time.time() - t:.1f} s)")
        # 2. bizo-plan, default budget.
        t = time.time()
        out = subprocess.run([bizo, "check", "-p", os.path.join(work, "fleet.yaml"), "--prometheus", url, "--window", "7d",
                              "--step", "1m", "--at", str(at), "--prometheus-timeout", "120", "--profile-only",
                              "--capacity", "1Ti", "--no-tiers", "-o", "json"], capture_output=True, text=True)
        wall = time.time() - t
        assert out.returncode == 0, out.stderr
        h = json.loads(out.stdout)["history"]
        assert h["status"] == "ok", h.get("error")
        r = h["read"]
        got = sum(len(s["pods"]) for s in h["services"])
        print(f"bizo-plan check: {wall:.1f} s wall; {got} pods with figures; read: {json.dumps(r)}")
        print(f"prometheus RSS: {ready_rss / 1024:.0f} MiB when ready, peak {rss('VmHWM:') / 1024:.0f} MiB (VmHWM)")
        assert got == len(fleet), f"{got} of {len(fleet)} pods"
        assert r["largestEstimate"] <= r["maxSamples"], r
        # 3. KRR's batching for the same pods.
        krr = -(-len(fleet) // 50) * 3
        print(f"queries: bizo-plan {r['queries']} ({r['shards']} shards x 3 figures + {r['cardinalityQueries']} cardinality "
              f"+ {r['metadataQueries']} kube-state-metrics); KRR's 50 pods per query: {krr} (3 figures)")
    finally:
        prom.kill()
        prom.wait()
        subprocess.run(["rm", "-rf", work])

if __name__ == "__main__":
    main()
