//! Generated clusters: determinism, realistic object sizes and exact totals
//! cross-checked against what is actually served.

use std::collections::HashMap;

use crate::common::*;
use bizo_sim::quantity::{parse_milli, parse_units};
use bizo_sim::{CpuMem, GenerateSpec, Sim, SimConfig};
use serde_json::Value;

fn amounts(list: &Value) -> CpuMem {
    CpuMem {
        cpu_milli: list["cpu"].as_str().and_then(parse_milli).unwrap_or(0),
        memory_bytes: list["memory"].as_str().and_then(parse_units).unwrap_or(0),
    }
}

fn max(a: CpuMem, b: CpuMem) -> CpuMem {
    CpuMem { cpu_milli: a.cpu_milli.max(b.cpu_milli), memory_bytes: a.memory_bytes.max(b.memory_bytes) }
}

/// The scheduler's effective request, computed from served pod JSON.
fn effective_request(pod: &Value) -> CpuMem {
    let mut sum = CpuMem::default();
    for c in pod["spec"]["containers"].as_array().expect("containers") {
        sum += amounts(&c["resources"]["requests"]);
    }
    let mut sidecars = CpuMem::default();
    let mut init_max = CpuMem::default();
    for c in pod["spec"]["initContainers"].as_array().into_iter().flatten() {
        let own = amounts(&c["resources"]["requests"]);
        if c["restartPolicy"] == "Always" {
            sum += own;
            sidecars += own;
            init_max = max(init_max, sidecars);
        } else {
            init_max = max(init_max, own + sidecars);
        }
    }
    max(sum, init_max) + amounts(&pod["spec"]["overhead"])
}

#[test]
fn totals_match_the_served_objects() {
    let sim = Sim::start(SimConfig::generated(30, 25)).expect("start");
    let totals = sim.expected_totals();
    let pods = list_all(&sim, "/api/v1/pods", 500);
    assert_eq!(pods.len(), 750);
    assert_eq!(totals.pods_total, 750);

    let mut per_node: HashMap<String, (usize, CpuMem)> = HashMap::new();
    let (mut terminated, mut unscheduled) = (0, 0);
    for p in &pods {
        let phase = p["status"]["phase"].as_str().expect("phase");
        if phase == "Succeeded" || phase == "Failed" {
            terminated += 1;
            continue;
        }
        match p["spec"]["nodeName"].as_str() {
            Some(n) => {
                let e = per_node.entry(n.to_string()).or_default();
                e.0 += 1;
                e.1 += effective_request(p);
            }
            None => unscheduled += 1,
        }
    }
    assert_eq!(totals.pods_terminated, terminated);
    assert_eq!(totals.pods_unscheduled, unscheduled);
    assert!(terminated > 0 && unscheduled > 0, "the generator exercises both");
    assert_eq!(totals.nodes.len(), 30);
    let mut sum = CpuMem::default();
    for n in &totals.nodes {
        let (count, req) = per_node.get(&n.name).copied().unwrap_or_default();
        assert_eq!(n.pods, count, "{}", n.name);
        assert_eq!(n.requests, req, "{}", n.name);
        sum += req;
    }
    assert_eq!(totals.requests, sum);

    // Usage: node metrics and pod metrics as served.
    let node_metrics = list_all(&sim, "/apis/metrics.k8s.io/v1beta1/nodes", 500);
    assert_eq!(node_metrics.len(), totals.node_metrics);
    let mut node_usage = CpuMem::default();
    for m in &node_metrics {
        let u = amounts(&m["usage"]);
        let name = m["metadata"]["name"].as_str().expect("name");
        assert_eq!(totals.node(name).and_then(|n| n.usage), Some(u), "{name}");
        node_usage += u;
    }
    assert_eq!(totals.node_usage, node_usage);
    let pod_metrics = list_all(&sim, "/apis/metrics.k8s.io/v1beta1/pods", 500);
    assert_eq!(pod_metrics.len(), totals.pod_metrics);
    let mut pod_usage = CpuMem::default();
    for m in &pod_metrics {
        for c in m["containers"].as_array().expect("containers") {
            pod_usage += amounts(&c["usage"]);
        }
    }
    assert_eq!(totals.pod_usage, pod_usage);
    assert!(pod_usage.cpu_milli > 0 && pod_usage.memory_bytes > 0);

    // The function form agrees with the running server.
    let direct = bizo_sim::expected_totals(&bizo_sim::ClusterSpec::Generated(GenerateSpec::new(30, 25)))
        .expect("totals");
    assert_eq!(direct, totals);
}

#[test]
fn pod_json_is_realistically_sized() {
    let sim = Sim::start(SimConfig::generated(40, 30)).expect("start");
    let r = get(&sim, "/api/v1/pods");
    let pods = r.json()["items"].as_array().cloned().expect("items");
    assert_eq!(pods.len(), 1200);
    let mut kinds = std::collections::BTreeSet::new();
    for p in &pods {
        let size = serde_json::to_vec(p).expect("json").len();
        assert!((4096..=8000).contains(&size), "{} is {size} bytes", key(p));
        let m = &p["metadata"];
        assert!(m["managedFields"].as_array().is_some_and(|f| !f.is_empty()));
        assert!(m["labels"].as_object().is_some_and(|l| !l.is_empty()));
        assert!(p["spec"]["tolerations"].as_array().is_some_and(|t| t.len() >= 2));
        assert!(p["spec"]["volumes"].as_array().is_some_and(|v| !v.is_empty()));
        assert!(p["status"]["conditions"].is_array());
        kinds.insert(m["ownerReferences"][0]["kind"].as_str().unwrap_or("none").to_string());
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        vec!["DaemonSet", "Job", "ReplicaSet", "StatefulSet", "none"]
    );
    // Some pods carry sidecars, init containers and overhead.
    assert!(pods.iter().any(|p| p["spec"]["overhead"].is_object()));
    assert!(pods.iter().any(|p| {
        p["spec"]["initContainers"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["restartPolicy"] == "Always"))
    }));
    assert!(pods.iter().any(|p| {
        p["spec"]["initContainers"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c.get("restartPolicy").is_none()))
    }));
    // Running pods of a scheduled DaemonSet exist on every node.
    let body_avg = r.body.len() / 1200;
    assert!((4096..8000).contains(&body_avg), "average {body_avg}");
}

#[test]
fn generation_is_deterministic_per_seed() {
    let a = Sim::start(SimConfig::generated_spec(GenerateSpec::new(10, 8).with_seed(7))).expect("start");
    let b = Sim::start(SimConfig::generated_spec(GenerateSpec::new(10, 8).with_seed(7))).expect("start");
    let c = Sim::start(SimConfig::generated_spec(GenerateSpec::new(10, 8).with_seed(8))).expect("start");
    let page = |s: &Sim| {
        let mut v = get(s, "/api/v1/pods?limit=40").json();
        // Strip the only time-dependent field (node heartbeat is on nodes, not pods).
        v["metadata"]["continue"].take();
        v
    };
    assert_eq!(page(&a), page(&b));
    assert_ne!(page(&a), page(&c));
    assert_eq!(a.expected_totals(), b.expected_totals());
    assert_ne!(a.expected_totals(), c.expected_totals());
}

#[test]
fn single_objects_resolve_by_name() {
    let sim = Sim::start(SimConfig::generated(12, 10)).expect("start");
    let pods = list_all(&sim, "/api/v1/pods", 500);
    for p in pods.iter().step_by(7) {
        let ns = p["metadata"]["namespace"].as_str().expect("ns");
        let name = p["metadata"]["name"].as_str().expect("name");
        let (s, one) = get_json(&sim, &format!("/api/v1/namespaces/{ns}/pods/{name}"));
        assert_eq!(s, 200, "{ns}/{name}");
        assert_eq!(one["kind"], "Pod");
        assert_eq!(one["metadata"]["uid"], p["metadata"]["uid"]);
    }
    let (s, n) = get_json(&sim, "/api/v1/nodes/node-00003");
    assert_eq!(s, 200);
    assert_eq!(n["metadata"]["name"], "node-00003");
    assert_status(&get(&sim, "/api/v1/nodes/node-00012"), 404, "NotFound");
    assert_status(&get(&sim, "/api/v1/namespaces/kube-system/pods/kube-proxy-bbbbb"), 404, "NotFound");
}

#[test]
fn each_node_holds_its_slots() {
    let sim = Sim::start(SimConfig::generated(50, 6)).expect("start");
    let t = sim.expected_totals();
    let scheduled: usize = t.nodes.iter().map(|n| n.pods).sum();
    assert_eq!(scheduled + t.pods_terminated + t.pods_unscheduled, 300);
    for n in &t.nodes {
        assert!(n.pods <= 6, "{}: {}", n.name, n.pods);
        assert!(n.allocatable.cpu_milli >= 7910);
        assert!(n.requests.cpu_milli <= n.allocatable.cpu_milli);
    }
    assert!(Sim::start(SimConfig::generated(0, 5)).is_err());
}
