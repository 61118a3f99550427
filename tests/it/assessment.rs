//! One assessment for every command, on the node model (issue 10): the same live demand in every
//! table of `check` and in `recommend --kubeconfig`, the overhead learned from a live node, the
//! catalog's defaults pinned to their cited figures, and `forecast` on an option and a cluster.

use bizo_sim::{Scenario, Sim, SimConfig};
use serde_json::Value;

use crate::common::bizo;

const MI: u64 = 1 << 20;

fn b(v: &Value) -> u64 {
    v["bytes"].as_u64().unwrap_or_else(|| panic!("not a memory figure: {v}"))
}

/// Runs a command against `sim` (JSON output).
fn run(sim: &Sim, args: &[&str]) -> Value {
    let dir = tempfile::tempdir().expect("temp dir");
    let kc = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kc, None).expect("kubeconfig");
    let out = bizo(dir.path())
        .args(args)
        .args(["-o", "json", "--kubeconfig"])
        .arg(&kc)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("run bizo-plan");
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)))
}

/// The laptop scenario with every bizosaas pod using 1.3 times its figure (Ki, rounded down).
fn laptop_at_130_percent() -> (Scenario, u64) {
    let mut s = Scenario::laptop();
    let mut total = 0u64;
    for p in s.metrics.pods.iter_mut().filter(|p| p.namespace == "bizosaas") {
        for c in &mut p.containers {
            let ki: u64 = c.usage.memory.trim_end_matches("Ki").parse().expect("Ki usage");
            let scaled = ki * 13 / 10;
            total += scaled * 1024;
            c.usage.memory = format!("{scaled}Ki");
        }
    }
    (s, total)
}

#[test]
fn every_table_of_check_and_recommend_plans_the_same_live_demand() {
    let (scenario, live_total) = laptop_at_130_percent();
    let sim = Sim::start(SimConfig::scenario(scenario)).expect("start the simulator");
    let check = run(&sim, &["check"]);
    // The 12 deployed services run with 1.3x their profile figures: 600Mi x 1.3, per pod in Ki.
    assert_eq!(b(&check["workload"]["current"]), live_total);
    assert!(live_total > 780 * MI - 12 * 1024 && live_total <= 780 * MI, "{live_total}");
    let services = check["services"].as_array().expect("services");
    assert!(services.iter().filter(|s| s["state"] == "running").all(|s| s["provenance"] == "live-usage"));
    let peak = b(&check["workload"]["projectedPeak"]);
    // Every tier places exactly that demand (the policy sizes by peak), next to its system pods.
    let tiers = check["tiers"].as_array().expect("tiers");
    assert_eq!(tiers.len(), 5);
    for t in tiers {
        assert_eq!(b(&t["servicesMemory"]), peak, "{}", t["name"]);
    }
    // recommend on the same cluster plans the same bytes.
    let rec = run(&sim, &["recommend", "--budget", "80"]);
    assert_eq!(b(&rec["demandMemory"]), peak);
    assert_eq!(b(&rec["pick"]["servicesMemory"]), peak);
    assert!(
        rec["demandSource"].as_str().expect("source").contains("12 from live (cluster usage)"),
        "{}",
        rec["demandSource"]
    );
    // forecast on the cluster starts from the same figures.
    let f = run(&sim, &["forecast", "--months", "1", "--option", "hetzner CX33"]);
    assert_eq!(b(&f["months"][0]["demand"]), peak);
}

#[test]
fn the_overhead_learned_from_a_live_node_is_node_metrics_minus_its_pods() {
    let sim = Sim::start(SimConfig::laptop()).expect("start the simulator");
    let check = run(&sim, &["check"]);
    // NodeMetrics 5632Mi - the 14 pods' 645Mi = 4987Mi: the OS, k3s and WSL2 together.
    let learned = 5632 * MI - 645 * MI;
    assert_eq!(check["system"]["how"], "measured");
    let parts = check["system"]["parts"].as_array().expect("parts");
    assert_eq!(parts[0]["part"], "k3s server + os (measured)");
    assert_eq!(b(&parts[0]["memory"]), learned);
    assert!(parts[0]["source"].as_str().expect("source").starts_with("learned from node laptop of sim"));
    // The system pods are kube-system's, at the larger of usage and requests (70Mi each).
    let pods: Vec<(&str, u64)> =
        parts[1..].iter().map(|p| (p["part"].as_str().expect("part"), b(&p["memory"]))).collect();
    assert_eq!(pods, [("coredns (kube-system)", 70 * MI), ("metrics-server (kube-system)", 70 * MI)]);
    // recommend on the cluster plans every node with what it learned, and says so.
    let rec = run(&sim, &["recommend", "--budget", "80"]);
    let notes = rec["notes"].to_string();
    assert!(notes.contains("node overhead learned from the cluster"), "{notes}");
    let pick = &rec["pick"];
    assert_eq!(pick["nodeBudgets"][0]["parts"][0]["part"], "k3s server + os (measured)");
    assert_eq!(b(&pick["nodeBudgets"][0]["parts"][0]["memory"]), learned);
    assert_eq!(b(&pick["overheadMemory"]), learned, "the OS is inside the measured figure");
    assert_eq!(b(&pick["systemPodsMemory"]), 140 * MI);
    // A command-line figure wins over the learned one.
    let rec = run(&sim, &["recommend", "--budget", "80", "--system-overhead", "server=1Gi"]);
    assert_eq!(b(&rec["pick"]["nodeBudgets"][0]["parts"][1]["memory"]), 1 << 30);
}

#[test]
fn forecast_runs_on_a_catalog_option_and_on_the_cluster() {
    let home = tempfile::tempdir().expect("temp dir");
    let out = bizo(home.path())
        .args([
            "forecast",
            "--option",
            "hetzner CX33",
            "--option",
            "hetzner cx23 x3",
            "--growth",
            "15%/month",
        ])
        .args(["--months", "12", "-o", "json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let names: Vec<&str> =
        v["targets"].as_array().expect("targets").iter().map(|t| t["name"].as_str().expect("name")).collect();
    assert_eq!(names, ["hetzner CX33", "hetzner CX23 x3"]);
    // CX33's allocatable minus what its node runs and its 30% headroom:
    // floor(0.7 x 8246337208) - 1776000000 = 3996436045.
    assert_eq!(b(&v["targets"][0]["usable"]), 3_996_436_045);
    assert_eq!(b(&v["targets"][0]["overhead"]), 1_776_000_000);
    let out = bizo(home.path()).args(["forecast", "--option", "hetzner CX99"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--option \"hetzner CX99\": no tier or plan of that name")
    );

    // On the cluster: the laptop as check sees it (75.62% now, TIGHT): it runs out in month 0.
    let sim = Sim::start(SimConfig::laptop()).expect("start the simulator");
    let f = run(&sim, &["forecast", "--months", "3", "--growth", "10%/month"]);
    let cluster = &f["targets"][0];
    assert_eq!((cluster["name"].as_str(), cluster["kind"].as_str()), (Some("cluster sim"), Some("cluster")));
    assert_eq!(cluster["fitsNow"], false);
    assert_eq!(cluster["runsOut"], 0);
    assert_eq!(f["months"][0]["currentPercent"]["display"], "75.62%");
    let reason = cluster["reason"].as_str().expect("reason");
    assert!(reason.starts_with("TIGHT: projected"), "{reason}");
    // Its usage grows with its services only (the other usage stays): up month by month.
    let month = |m: usize| f["months"][m]["currentPercent"]["basisPoints"].as_u64().expect("bp");
    assert!(month(1) > month(0) && month(2) > month(1));
}

#[test]
fn the_catalog_defaults_are_the_cited_figures() {
    use bizo_plan::model::node::{Role, find};
    use bizo_plan::model::quantity::{Bytes, Millicores};
    use bizo_plan::source::files::{DEFAULT_TIERS, parse_catalog};
    let c = parse_catalog(DEFAULT_TIERS, "embedded").expect("embedded catalog");
    let k3s = find(&c.distributions, "k3s").expect("k3s");
    let fig = |r: Role| (k3s.roles[&r].memory, k3s.roles[&r].cpu);
    // docs.k3s.io Resource Profiling, K3s v1.26.5: 1596 M / 1606 M, 6% of a core; agent 275 M, 3%.
    assert_eq!(fig(Role::Server), (Bytes(1_596_000_000), Millicores(60)));
    assert_eq!(fig(Role::ServerHa), (Bytes(1_606_000_000), Millicores(60)));
    assert_eq!(fig(Role::Agent), (Bytes(275_000_000), Millicores(30)));
    assert!(k3s.roles[&Role::Server].source.contains("Resource Profiling"));
    // k0s' measurement of Ubuntu Server's own memory: around 180 MB.
    assert_eq!(k3s.os.memory, Bytes(180_000_000));
    assert!(k3s.os.source.contains("k0s"));
    // docs.k3s.io requirements: server 2 cores / 2 GB, agent 1 core / 512 MB.
    let min = |r: Role| (k3s.minimums[&r].memory, k3s.minimums[&r].vcpus);
    assert_eq!(min(Role::Server), (Bytes(2_000_000_000), 2));
    assert_eq!(min(Role::Agent), (Bytes(512_000_000), 1));
    // k3s' packaged CoreDNS: requests 100m / 70Mi, limit 170Mi; metrics-server 100m / 70Mi.
    let pod = |n: &str| k3s.system_pods.iter().find(|p| p.name == n).expect("pod");
    assert_eq!(
        (pod("coredns").memory, pod("coredns").peak, pod("coredns").cpu),
        (Bytes(70 * MI), Some(Bytes(170 * MI)), Millicores(100))
    );
    assert_eq!((pod("metrics-server").memory, pod("metrics-server").cpu), (Bytes(70 * MI), Millicores(100)));
    // Managed workers: LKE refuses 1 GB nodes (2 GB minimum).
    let managed = find(&c.distributions, "managed").expect("managed");
    assert_eq!(managed.minimums[&Role::Worker].memory, Bytes(2_000_000_000));
    // Every figure names its source and date.
    for d in &c.distributions {
        for f in d.roles.values().chain(std::iter::once(&d.os)) {
            assert!(!f.source.is_empty() && !f.date.is_empty(), "{}", d.name);
        }
        for p in &d.system_pods {
            assert!(!p.source.is_empty() && !p.date.is_empty(), "{} {}", d.name, p.name);
        }
        for m in d.minimums.values() {
            assert!(!m.source.is_empty() && !m.date.is_empty(), "{}", d.name);
        }
    }
    // The tiers and providers run a modelled distribution: one 8 GB machine, one capacity.
    assert!(c.tiers.iter().all(|t| c.tier_distribution(t).is_some_and(|d| d.name == "k3s")));
    assert_eq!(c.provider_distribution("hetzner").map(|d| d.name.as_str()), Some("k3s"));
    assert_eq!(c.provider_distribution("digitalocean").map(|d| d.name.as_str()), Some("managed"));
}
