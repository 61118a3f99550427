#!/usr/bin/env python3
"""Benchmark of `bizo-plan rightsize` at fleet scale (issue 14; not a timed test).

A seeded fleet of WORKLOADS workloads (`bizo-usage`: the seven scenarios of sim/README.md,
1-3 replicas each, HPA workloads' pods coming and going) over DAYS days at one sample every
STEP seconds is written as OpenMetrics and backfilled with promtool (two blocks at a time) into
a default-configured Prometheus started for the run. Then `bizo-plan rightsize --window
{DAYS-1}d --step {STEP}s -o json` runs RUNS times; each run reports its wall time, peak RSS, the
read's own wall time (the report's read.elapsedMs: the queries from the first request to the
last answer) and what the rest of the run took (conversion, the strategy, the report, output),
as a share of the read.

Usage: python3 bench/rightsize.py [WORKLOADS] (DAYS=15 STEP=300 RUNS=3; BIZO_PLAN= and
BIZO_USAGE= the binaries, default $CARGO_TARGET_DIR/release/{bizo-plan,bizo-usage}).
"""
import json, os, subprocess, sys, tempfile, time

import promserver

WORKLOADS = int(sys.argv[1]) if len(sys.argv) > 1 else 2400
DAYS = int(os.environ.get("DAYS", "15"))
STEP = int(os.environ.get("STEP", "300"))
RUNS = int(os.environ.get("RUNS", "3"))

def main():
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    bizo = os.environ.get("BIZO_PLAN") or os.path.join(target, "release", "bizo-plan")
    usage = os.environ.get("BIZO_USAGE") or os.path.join(target, "release", "bizo-usage")
    for b in (bizo, usage):
        assert os.path.exists(b), f"{b}: build it first (cargo build --release --workspace)"
    now = int(time.time())
    end = now - now % 300 - 3600
    work = tempfile.mkdtemp(prefix="bizo-bench-rightsize-")
    om = os.path.join(work, "om")
    t0 = time.monotonic()
    out = subprocess.run([usage, "--workloads", str(WORKLOADS), "--days", str(DAYS), "--step", str(STEP),
                          "--end", str(end), "--out", om], check=True, capture_output=True, text=True).stdout.strip()
    print(f"generated: {out} ({time.monotonic() - t0:.1f} s)", flush=True)
    tsdb = os.path.join(work, "tsdb")
    files = sorted(os.path.join(om, f) for f in os.listdir(om))
    t0 = time.monotonic()
    for i in range(0, len(files), 2):
        procs = [subprocess.Popen(["promtool", "tsdb", "create-blocks-from", "openmetrics", "-q", f, tsdb],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for f in files[i:i + 2]]
        for p in procs:
            _, err = p.communicate()
            assert p.returncode == 0, err
        for f in files[i:i + 2]:
            os.remove(f)
    print(f"backfilled: {len(files)} blocks ({time.monotonic() - t0:.1f} s)", flush=True)
    prom, url = promserver.start(work, tsdb)
    try:
        rows = []
        for r in range(RUNS):
            t0 = time.monotonic()
            p = subprocess.run(["/usr/bin/time", "-f", "%e %M %U %S", bizo, "rightsize", "--prometheus", url,
                                "--at", str(end), "--window", f"{DAYS - 1}d", "--step", f"{STEP}s", "-o", "json"],
                               capture_output=True, text=True)
            wall = time.monotonic() - t0
            assert p.returncode == 0, p.stderr
            e, rss_kb, user, sys_ = p.stderr.strip().splitlines()[-1].split()
            doc = json.loads(p.stdout)
            read_s = doc["read"]["elapsedMs"] / 1000
            rest = float(e) - read_s
            rows.append((float(e), read_s, rest, int(rss_kb) / 1024, float(user) + float(sys_), doc))
            print(f"run {r + 1}: wall {float(e):.2f} s, read {read_s:.2f} s, rest {rest:.2f} s ({100 * rest / read_s:.1f}% of the read), "
                  f"peak RSS {int(rss_kb) / 1024:.1f} MiB, CPU {float(user) + float(sys_):.2f} s", flush=True)
        rows.sort(key=lambda x: x[0])
        wall, read_s, rest, rss, cpu, doc = rows[len(rows) // 2]
        pods = sum(c["pods"] for c in doc["containers"])
        running = sum(c["running"] for c in doc["containers"])
        print()
        print("| workloads | containers | pods seen (running at the end) | points read | queries | wall | the read | the rest | rest / read | peak RSS | CPU |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        print(f"| {WORKLOADS} | {len(doc['containers'])} | {pods} ({running}) | {doc['read']['points']:,} | {doc['read']['queries']} | "
              f"{wall:.2f} s | {read_s:.2f} s | {rest:.2f} s | {100 * rest / read_s:.1f}% | {rss:.1f} MiB | {cpu:.2f} s |")
    finally:
        prom.terminate()
        prom.wait()
        subprocess.run(["rm", "-rf", work])

if __name__ == "__main__":
    main()
