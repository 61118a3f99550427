//! bizo-plan through the real kube client against the simulated API server (`bizo-sim`) on
//! loopback: exact totals, every fault path, pagination, the 410 restart, and GET-only traffic.

use crate::common::bizo;
use bizo_sim::{Faults, Forbid, MetricsMode, Sim, SimConfig};
use serde_json::Value;

const MI: i64 = 1 << 20;

struct Run {
    code: i32,
    json: Value,
    stderr: String,
}

/// Runs `bizo-plan check` against `sim` with extra args, JSON output.
fn check(sim: &Sim, args: &[&str]) -> Run {
    check_with_token(sim, None, args)
}

fn check_with_token(sim: &Sim, token: Option<&str>, args: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let kc = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kc, token).expect("kubeconfig");
    let out = bizo(dir.path())
        .args(["check", "-o", "json", "--kubeconfig"])
        .arg(&kc)
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("run bizo-plan");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    Run { code: out.status.code().expect("exit code"), json, stderr }
}

fn start(config: SimConfig) -> Sim {
    Sim::start(config).expect("start the simulator")
}

/// A pod list request: cluster-wide, or of one namespace (a cluster-wide read is split by
/// namespace).
fn is_pod_list(path: &str) -> bool {
    path == "/api/v1/pods" || (path.starts_with("/api/v1/namespaces/") && path.ends_with("/pods"))
}

fn only_gets(sim: &Sim) {
    let reqs = sim.requests();
    assert!(!reqs.is_empty());
    for r in &reqs {
        assert_eq!(r.method, "GET", "{} {}", r.method, r.path);
    }
}

fn bytes(v: &Value) -> i64 {
    v["bytes"].as_i64().unwrap_or_else(|| panic!("not a memory figure: {v}"))
}

#[test]
fn laptop_scenario_reproduces_the_seed_from_live_data() {
    let sim = start(SimConfig::laptop());
    let r = check(&sim, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "", "no progress output when stderr is not a terminal");
    let v = &r.json;
    assert_eq!(v["baseline"], "cluster");
    let c = &v["cluster"];
    assert_eq!(c["context"], "sim");
    assert_eq!(c["server"], sim.url());
    assert_eq!(c["missing"], Value::Array(vec![]));
    // One k3s node: allocatable = capacity = 8073216Ki.
    assert_eq!(bytes(&v["host"]["total"]), 8_073_216 * 1024);
    // NodeMetrics 5632Mi is the baseline's used memory.
    assert_eq!(bytes(&v["host"]["used"]), 5632 * MI);
    let t = &c["totals"];
    assert_eq!(t["nodes"], 1);
    assert_eq!(t["schedulableNodes"], 1);
    assert_eq!(
        t["pods"], 14,
        "12 services + coredns + metrics-server; Succeeded and Failed filtered by the server"
    );
    assert_eq!(bytes(&t["requestedMemory"]), 740 * MI);
    assert_eq!(t["requestedCpu"]["millicores"], 800);
    assert_eq!(bytes(&t["nodeUsageMemory"]), 5632 * MI);
    assert_eq!(bytes(&t["podUsageMemory"]), 645 * MI);
    assert_eq!(bytes(&t["systemOverheadMemory"]), (5632 - 645) * MI);
    // The 12 deployed services are live (usage equals their requests: no drift).
    let drift = c["drift"].as_array().expect("drift");
    assert_eq!(drift.len(), 12);
    for d in drift {
        assert_eq!(d["driftBytes"], 0, "{d}");
        assert_eq!(d["matchedBy"], "selector");
        assert_eq!(d["liveSource"], "cluster usage (metrics.k8s.io)");
    }
    assert_eq!(bytes(&v["workload"]["current"]), 600 * MI);
    assert_eq!(bytes(&v["workload"]["planned"]), 330 * MI);
    assert_eq!(bytes(&v["workload"]["projected"]), 930 * MI);
    assert_eq!(bytes(&v["host"]["projectedUsed"]), (5632 + 330) * MI);
    // 5962Mi / 7884Mi
    assert_eq!(v["host"]["projectedUsedPercent"]["display"], "75.62%");
    assert_eq!(v["verdict"]["status"], "TIGHT");
    let unmatched: Vec<String> = c["unmatched"]
        .as_array()
        .expect("unmatched")
        .iter()
        .map(|u| format!("{}/{}/{}", u["namespace"], u["ownerKind"], u["owner"]).replace('"', ""))
        .collect();
    assert_eq!(unmatched, vec!["kube-system/Deployment/metrics-server", "kube-system/Deployment/coredns"]);
    only_gets(&sim);
    let pods_list = sim.requests().into_iter().find(|r| is_pod_list(&r.path)).expect("pods listed");
    assert_eq!(
        pods_list.query_param("fieldSelector").as_deref(),
        Some("status.phase!=Succeeded,status.phase!=Failed")
    );
    assert_eq!(pods_list.query_param("limit").as_deref(), Some("500"));
}

#[test]
fn generated_cluster_totals_per_node_are_exact_across_many_pages() {
    let sim = start(SimConfig::generated(40, 30));
    let expected = sim.expected_totals();
    // One cluster-wide list, to count its pages (the split read has its own test).
    let r = check(&sim, &["--page-size", "50", "--parallel-lists", "1"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let nodes = r.json["cluster"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 40);
    for n in nodes {
        let name = n["name"].as_str().expect("name");
        let e = expected.node(name).expect("expected node");
        assert_eq!(bytes(&n["allocatableMemory"]), e.allocatable.memory_bytes, "{name}");
        assert_eq!(bytes(&n["requestedMemory"]), e.requests.memory_bytes, "{name}");
        assert_eq!(n["requestedCpu"]["millicores"].as_i64(), Some(e.requests.cpu_milli), "{name}");
        assert_eq!(n["pods"].as_u64(), Some(e.pods as u64), "{name}");
        match e.usage {
            Some(u) => {
                assert_eq!(bytes(&n["usedMemory"]), u.memory_bytes, "{name}");
                assert_eq!(n["usedCpu"]["millicores"].as_i64(), Some(u.cpu_milli), "{name}");
            }
            None => assert!(n.get("usedMemory").is_none(), "{name} has no NodeMetrics"),
        }
        assert_eq!(bytes(&n["podUsageMemory"]), e.pod_usage.memory_bytes, "{name}");
        assert_eq!(n["excluded"].is_string(), !e.ready || e.unschedulable, "{name}");
    }
    let t = &r.json["cluster"]["totals"];
    assert_eq!(t["podsUnscheduled"].as_u64(), Some(expected.pods_unscheduled as u64));
    let counted = t["pods"].as_u64().expect("pods");
    assert_eq!(counted as usize, expected.pods_total - expected.pods_terminated);
    // Pagination: 1200 pods at 50 per page means at least 24 pod pages with continue tokens.
    let pod_pages: Vec<_> = sim.requests().into_iter().filter(|q| q.path == "/api/v1/pods").collect();
    assert!(pod_pages.len() >= 23, "{} pod pages", pod_pages.len());
    assert!(pod_pages.iter().skip(1).all(|q| q.query_param("continue").is_some()));
    assert!(pod_pages.iter().all(|q| q.query_param("limit").as_deref() == Some("50")));
    only_gets(&sim);
}

#[test]
fn a_cluster_wide_read_is_split_by_namespace_and_equals_one_list() {
    let sim = start(SimConfig::generated(40, 30));
    let expected = sim.expected_totals();
    let one = check(&sim, &["--page-size", "50", "--parallel-lists", "1"]);
    let before = sim.requests().len();
    let split = check(&sim, &["--page-size", "50"]);
    assert!(split.code <= 1, "{}", split.stderr);
    assert_eq!(split.json["missingInputs"], Value::Null);
    // The same report, figure for figure and in the same order, as one cluster-wide list.
    assert_eq!(split.json, one.json);
    assert_eq!(
        split.json["cluster"]["totals"]["pods"].as_u64(),
        Some((expected.pods_total - expected.pods_terminated) as u64)
    );
    for n in split.json["cluster"]["nodes"].as_array().expect("nodes") {
        let e = expected.node(n["name"].as_str().expect("name")).expect("node");
        assert_eq!(bytes(&n["requestedMemory"]), e.requests.memory_bytes);
        assert_eq!(bytes(&n["podUsageMemory"]), e.pod_usage.memory_bytes);
    }
    let reqs: Vec<_> = sim.requests().into_iter().skip(before).collect();
    // One namespace list (at most 65 names: more are read as one list), then one paginated
    // list per namespace, the empty system namespaces included, none cluster-wide.
    let ns: Vec<_> = reqs.iter().filter(|q| q.path == "/api/v1/namespaces").collect();
    assert_eq!(ns.len(), 1);
    assert_eq!(ns[0].query_param("limit").as_deref(), Some("65"));
    let mut listed: Vec<&str> = reqs
        .iter()
        .filter(|q| is_pod_list(&q.path) && q.query_param("continue").is_none())
        .map(|q| q.path.as_str())
        .collect();
    listed.sort_unstable();
    let names = sim.namespaces();
    assert_eq!(names.len(), 11, "{names:?}");
    let want: Vec<String> = names.iter().map(|n| format!("/api/v1/namespaces/{n}/pods")).collect();
    assert_eq!(listed, want);
    let pages = reqs.iter().filter(|q| is_pod_list(&q.path)).count();
    assert!(pages > names.len(), "{pages} pod pages: the namespaces of 150+ pods took several");
    assert!(reqs.iter().filter(|q| is_pod_list(&q.path)).all(|q| q.status == 200));
    // Lists run side by side: a namespace's first page is asked for before the previous
    // namespace's last page.
    let first_of = |n: &str| {
        let p = format!("/api/v1/namespaces/{n}/pods");
        reqs.iter().filter(|q| q.path == p).map(|q| q.seq).min().expect("listed")
    };
    let last_of = |n: &str| {
        let p = format!("/api/v1/namespaces/{n}/pods");
        reqs.iter().filter(|q| q.path == p).map(|q| q.seq).max().expect("listed")
    };
    assert!(first_of("svc-billing") < last_of("svc-analytics"), "concurrent lists");
    // The PodMetrics list is one cluster-wide body, asked for with the pods.
    let pm: Vec<_> = reqs.iter().filter(|q| q.path == "/apis/metrics.k8s.io/v1beta1/pods").collect();
    assert_eq!(pm.len(), 1);
    let last_page = reqs.iter().filter(|q| is_pod_list(&q.path)).map(|q| q.seq).max().expect("pages");
    assert!(pm[0].seq < last_page);
    only_gets(&sim);
}

// Fault matrix: Namespaces not listable
#[test]
fn more_than_64_namespaces_are_read_as_one_list() {
    // 66 namespaces with a pod each (and the four system ones): one cluster-wide list.
    let mut yaml = String::from(
        "nodes:\n  - name: n1\n    capacity: {cpu: \"8\", memory: 16Gi, pods: \"110\"}\npods:\n",
    );
    for i in 0..66 {
        yaml.push_str(&format!(
            "  - namespace: team-{i:02}\n    name: app-{i}\n    nodeName: n1\n    containers: [{{name: app, resources: {{requests: {{cpu: 10m, memory: 1Mi}}}}}}]\n"
        ));
    }
    let scenario = bizo_sim::Scenario::from_yaml_str(&yaml).expect("scenario");
    let sim = start(SimConfig::scenario(scenario));
    let r = check(&sim, &[]);
    assert!(r.code <= 1, "{}", r.stderr);
    assert_eq!(r.json["cluster"]["totals"]["pods"], 66);
    assert_eq!(bytes(&r.json["cluster"]["totals"]["requestedMemory"]), 66 * MI);
    let reqs = sim.requests();
    let pods: Vec<&str> = reqs.iter().filter(|q| is_pod_list(&q.path)).map(|q| q.path.as_str()).collect();
    assert_eq!(pods, vec!["/api/v1/pods"]);
}

// Fault matrix: 404 metrics (or 503)
#[test]
fn metrics_api_missing_gives_a_requests_based_report_with_a_warning() {
    for mode in [MetricsMode::Absent, MetricsMode::Unavailable] {
        let sim = start(SimConfig::laptop().with_faults(Faults { metrics: mode, ..Faults::default() }));
        let r = check(&sim, &[]);
        assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
        let v = &r.json;
        assert_eq!(v["baseline"], "cluster");
        let missing = v["missingInputs"].as_array().expect("missing inputs");
        assert_eq!(missing.len(), 2, "{missing:?}");
        assert!(
            missing[0]
                .as_str()
                .expect("text")
                .starts_with("list nodes.metrics.k8s.io: the metrics API is not available")
        );
        // Used falls back to the pods' requests: 740Mi.
        assert_eq!(bytes(&v["host"]["used"]), 740 * MI);
        assert!(
            v["baselineDescription"].as_str().expect("desc").contains("sum of pod requests (no metrics API)")
        );
        let reasons = v["verdict"]["reasons"].as_array().expect("reasons");
        assert!(
            reasons.iter().any(|x| x.as_str().is_some_and(|s| s.starts_with("computed without 2 input(s)")))
        );
        assert_eq!(v["cluster"]["drift"][0]["liveSource"], "cluster requests (no metrics)");
    }
}

// Fault matrix: 403 Forbidden
#[test]
fn forbidden_nodes_degrade_to_pods_and_the_host() {
    let sim =
        start(SimConfig::laptop().with_faults(Faults { forbid: vec![Forbid::Nodes], ..Faults::default() }));
    let r = check(&sim, &[]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let v = &r.json;
    assert_eq!(v["baseline"], "host");
    let m = v["missingInputs"][0].as_str().expect("missing");
    assert!(m.starts_with("list nodes: forbidden (403): nodes is forbidden: User"), "{m}");
    assert!(
        v["notes"]
            .as_array()
            .expect("notes")
            .iter()
            .any(|n| n.as_str().is_some_and(|s| s.contains("nodes could not be read")))
    );
    // Services are still live from the pods.
    assert_eq!(bytes(&v["workload"]["current"]), 600 * MI);
}

// Fault matrix: 403 Forbidden
// Fault matrix: Namespaces not listable
#[test]
fn cluster_scope_pods_forbidden_but_a_namespace_is_readable() {
    let sim = start(
        SimConfig::laptop()
            .with_faults(Faults { forbid: vec![Forbid::PodsClusterScope], ..Faults::default() }),
    );
    // The read is split by namespace, and each namespace may be read: nothing is missing.
    let r = check(&sim, &[]);
    assert_eq!(r.json["missingInputs"], Value::Null, "{}", r.stderr);
    assert_eq!(r.json["cluster"]["totals"]["pods"], 14);
    // One cluster-wide list (or the namespaces not listable): the 403, said.
    let r = check(&sim, &["--parallel-lists", "1"]);
    let m = r.json["missingInputs"][0].as_str().expect("missing");
    assert!(m.starts_with("list pods (/api/v1/pods): forbidden (403)"), "{m}");
    let sim2 = start(SimConfig::laptop().with_faults(Faults {
        forbid: vec![Forbid::PodsClusterScope, Forbid::Namespaces],
        ..Faults::default()
    }));
    let r = check(&sim2, &[]);
    let m = r.json["missingInputs"][0].as_str().expect("missing");
    assert!(m.starts_with("list pods (/api/v1/pods): forbidden (403)"), "{m}");
    let r = check(&sim, &["-n", "bizosaas"]);
    // The pods outside the scope could not be listed: said, and the scope still counts.
    let missing = r.json["missingInputs"].to_string();
    assert!(
        missing.contains(
            "requests of pods outside the scope: list pods (/api/v1/pods, cluster-wide): forbidden (403)"
        ),
        "{missing}"
    );
    assert_eq!(r.json["cluster"]["totals"]["pods"], 12);
    assert_eq!(bytes(&r.json["workload"]["current"]), 600 * MI);
    // A namespace given twice is read once: nothing counts twice.
    let twice = check(&sim, &["-n", "bizosaas", "-n", "bizosaas"]);
    assert_eq!(twice.json["cluster"], r.json["cluster"]);
    assert_eq!(twice.json["workload"], r.json["workload"]);
}

// Fault matrix: 410 Expired continue token
#[test]
fn an_expired_continue_token_restarts_the_list() {
    let sim = start(
        SimConfig::generated(10, 30).with_faults(Faults { expire_continue_at: Some(3), ..Faults::default() }),
    );
    let expected = sim.expected_totals();
    // Page size 10: 30 pod pages; PodMetrics is one unpaginated body (as metrics-server).
    let r = check(&sim, &["--page-size", "10"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert_eq!(r.json["missingInputs"], Value::Null);
    let counted = r.json["cluster"]["totals"]["pods"].as_u64().expect("pods") as usize;
    assert_eq!(counted, expected.pods_total - expected.pods_terminated);
    let reqs = sim.requests();
    let expired: Vec<_> = reqs.iter().filter(|q| q.status == 410).collect();
    assert!(!expired.is_empty(), "the simulator answered 410 at least once");
    for e in &expired {
        // The same list was started again from the beginning (no continue token) afterwards.
        assert!(
            reqs.iter().any(|q| q.seq > e.seq && q.path == e.path && q.query_param("continue").is_none())
        );
    }
    // The fault fires once per collection: one pod list (of the namespace that reached page 3
    // first; the read is split by namespace) restarted; the metrics lists have no continue
    // tokens to expire.
    let expired_paths: Vec<&str> = expired.iter().map(|q| q.path.as_str()).collect();
    assert_eq!(expired_paths.len(), 1, "{expired_paths:?}");
    assert!(expired_paths[0].starts_with("/api/v1/namespaces/svc-"), "{expired_paths:?}");
    let pm: Vec<_> = reqs.iter().filter(|q| q.path == "/apis/metrics.k8s.io/v1beta1/pods").collect();
    assert_eq!(pm.len(), 1, "one PodMetrics request");
    assert_eq!((pm[0].query_param("limit"), pm[0].query_param("continue")), (None, None));
    for n in r.json["cluster"]["nodes"].as_array().expect("nodes") {
        let e = expected.node(n["name"].as_str().expect("name")).expect("node");
        assert_eq!(bytes(&n["requestedMemory"]), e.requests.memory_bytes);
        // Pod usage restarted with its list: counted once, not once plus a partial pass.
        assert_eq!(bytes(&n["podUsageMemory"]), e.pod_usage.memory_bytes);
    }
}

#[test]
fn server_errors_are_retried() {
    let sim = start(SimConfig::laptop().with_faults(Faults { fail_first: 3, ..Faults::default() }));
    let r = check(&sim, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json["missingInputs"], Value::Null);
    assert_eq!(bytes(&r.json["cluster"]["totals"]["requestedMemory"]), 740 * MI);
    assert_eq!(sim.requests().iter().filter(|q| q.status == 500).count(), 3);
}

// Fault matrix: 5xx server errors
#[test]
fn persistent_server_errors_are_reported_not_hidden() {
    let sim = start(SimConfig::laptop().with_faults(Faults { fail_every: Some(1), ..Faults::default() }));
    let r = check(&sim, &["--require-cluster"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("--require-cluster: neither nodes nor pods could be read"), "{}", r.stderr);
    assert!(r.stderr.contains("500 InternalError"), "{}", r.stderr);
    let r = check(&sim, &[]);
    let missing = r.json["missingInputs"].as_array().expect("missing");
    let missing: Vec<&str> = missing.iter().map(|m| m.as_str().expect("text")).collect();
    assert_eq!(missing.len(), 4, "{missing:?}");
    // Nodes, pods and node metrics each failed with the 500; pod metrics are only read after a
    // complete pod list, and the report says so.
    assert_eq!(missing.iter().filter(|m| m.contains("500 InternalError")).count(), 3, "{missing:?}");
    assert!(
        missing.contains(&"list pods.metrics.k8s.io: skipped, the pod list is incomplete"),
        "{missing:?}"
    );
    assert_eq!(r.json["baseline"], "host");
}

// Fault matrix: Truncated body
#[test]
fn truncated_bodies_are_retried() {
    use bizo_sim::{Truncate, TruncateMode};
    for mode in [TruncateMode::CloseEarly, TruncateMode::InvalidJson] {
        let sim =
            start(SimConfig::laptop().with_faults(Faults {
                truncate: Some(Truncate { mode, times: Some(2) }),
                ..Faults::default()
            }));
        let r = check(&sim, &[]);
        assert_eq!(r.code, 0, "{:?}: {}", mode, r.stderr);
        assert_eq!(r.json["missingInputs"], Value::Null, "{mode:?}");
        assert_eq!(bytes(&r.json["cluster"]["totals"]["requestedMemory"]), 740 * MI);
    }
}

// Fault matrix: Truncated body
#[test]
fn truncated_gzipped_bodies_are_retried() {
    // Pages of 100 generated pods are ~600 KB of JSON: gzipped, then cut (half the compressed
    // body with a matching Content-Length, or a connection closed early). The inflater says
    // the gzip data ended early; the page is asked again and nothing is counted twice.
    use bizo_sim::{Truncate, TruncateMode};
    for mode in [TruncateMode::CloseEarly, TruncateMode::InvalidJson] {
        let sim =
            start(SimConfig::generated(40, 10).with_faults(Faults {
                truncate: Some(Truncate { mode, times: Some(2) }),
                ..Faults::default()
            }));
        let expected = sim.expected_totals();
        // One cluster-wide list: its pages are the answers over 128 KiB that get cut.
        let r = check(&sim, &["--page-size", "100", "--parallel-lists", "1", "-vv"]);
        assert!(r.code <= 1, "{mode:?}: {}", r.stderr);
        assert_eq!(r.json["missingInputs"], Value::Null, "{mode:?}: {}", r.stderr);
        assert_eq!(
            r.json["cluster"]["totals"]["pods"].as_u64(),
            Some((expected.pods_total - expected.pods_terminated) as u64),
            "{mode:?}"
        );
        for n in r.json["cluster"]["nodes"].as_array().expect("nodes") {
            let e = expected.node(n["name"].as_str().expect("name")).expect("node");
            assert_eq!(bytes(&n["requestedMemory"]), e.requests.memory_bytes, "{mode:?}");
            assert_eq!(bytes(&n["podUsageMemory"]), e.pod_usage.memory_bytes, "{mode:?}");
        }
        let reqs = sim.requests();
        let first =
            reqs.iter().find(|q| q.path == "/api/v1/nodes" || q.path == "/api/v1/pods").expect("a list");
        assert_eq!(first.content_encoding.as_deref(), Some("gzip"), "{mode:?}: the cut answers were gzipped");
        if mode == TruncateMode::InvalidJson {
            assert!(r.stderr.contains("gzip data ended early"), "{mode:?}: {}", r.stderr);
        }
    }
}

// Fault matrix: Timeout
#[test]
fn slow_server_times_out_into_exit_3_when_required() {
    let sim =
        start(SimConfig::laptop().with_faults(Faults {
            delay: Some(std::time::Duration::from_millis(2500)),
            ..Faults::default()
        }));
    let r = check(&sim, &["--require-cluster", "--request-timeout", "1"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("is unreachable"), "{}", r.stderr);
}

#[test]
fn multinode_excluded_nodes_are_listed_with_reasons() {
    let sim = start(SimConfig::multinode());
    let expected = sim.expected_totals();
    let r = check(&sim, &[]);
    let nodes = r.json["cluster"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), expected.nodes.len());
    let excluded: Vec<(String, String)> = nodes
        .iter()
        .filter_map(|n| Some((n["name"].as_str()?.to_string(), n["excluded"].as_str()?.to_string())))
        .collect();
    assert!(excluded.len() >= 3, "{excluded:?}");
    assert!(excluded.iter().any(|(_, why)| why.contains("NoSchedule")), "{excluded:?}");
    assert!(excluded.iter().any(|(_, why)| why.contains("cordoned")), "{excluded:?}");
    assert!(excluded.iter().any(|(_, why)| why.contains("NotReady")), "{excluded:?}");
    for n in nodes {
        let e = expected.node(n["name"].as_str().expect("name")).expect("node");
        assert_eq!(bytes(&n["requestedMemory"]), e.requests.memory_bytes, "{}", n["name"]);
        assert_eq!(n["requestedCpu"]["millicores"].as_i64(), Some(e.requests.cpu_milli), "{}", n["name"]);
    }
    assert_eq!(
        r.json["cluster"]["totals"]["podsUnscheduled"].as_u64(),
        Some(expected.pods_unscheduled as u64)
    );
}

#[test]
fn profile_generate_round_trips_through_check() {
    let sim = start(SimConfig::laptop());
    let dir = tempfile::tempdir().expect("temp dir");
    let kc = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kc, None).expect("kubeconfig");
    let out_file = dir.path().join("generated.yaml");
    let out = bizo(dir.path())
        .args(["profile", "generate", "--name", "laptop-live", "--kubeconfig"])
        .arg(&kc)
        .arg("--out")
        .arg(&out_file)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&out_file).expect("generated file");
    assert!(text.contains("name: laptop-live\n"), "{text}");
    assert!(text.contains("workload: Deployment/bizosaas-backend-simple"), "{text}");
    assert!(text.contains("typical: 119Mi"), "{text}");
    assert!(text.contains("workload: Deployment/coredns"), "{text}");
    let r = check(&sim, &["-p", out_file.to_str().expect("utf-8")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let c = &r.json["cluster"];
    assert_eq!(c["unmatched"], Value::Array(vec![]), "every pod belongs to a generated service");
    let drift = c["drift"].as_array().expect("drift");
    assert_eq!(drift.len(), 14);
    assert!(drift.iter().all(|d| d["driftBytes"] == 0 && d["matchedBy"] == "workload"), "{drift:?}");
    assert_eq!(bytes(&r.json["workload"]["current"]), 645 * MI);
    assert_eq!(bytes(&r.json["workload"]["planned"]), 0);
    only_gets(&sim);
}

#[test]
fn profile_generate_needs_a_cluster() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = bizo(dir.path()).args(["profile", "generate"]).output().expect("run");
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no kubeconfig"));
}

// Fault matrix: Auth expired or invalid (401)
#[test]
fn bearer_tokens_authenticate_and_are_never_printed() {
    let token = "sim-token-3f9a1c77e2";
    let sim = start(SimConfig::laptop().with_token(token));
    let r = check_with_token(&sim, Some(token), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json["missingInputs"], Value::Null, "authenticated: {}", r.json["missingInputs"]);
    assert!(sim.requests().iter().all(|q| q.authorization && q.status == 200));
    let text = serde_json::to_string(&r.json).expect("json");
    assert!(!text.contains(token) && !r.stderr.contains(token));
    // A wrong token: 401 on every list, reported, not hidden.
    let r = check_with_token(&sim, Some("wrong-token"), &[]);
    let missing = r.json["missingInputs"].as_array().expect("missing");
    assert_eq!(missing.len(), 4);
    assert!(missing[0].as_str().expect("text").contains("401"), "{missing:?}");
    assert!(!serde_json::to_string(&r.json).expect("json").contains("wrong-token"));
}

/// Runs `bizo-plan check` against `sim` and returns stdout (any output format).
fn check_text(sim: &Sim, args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let kc = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kc, None).expect("kubeconfig");
    let out = bizo(dir.path())
        .args(["check", "--width", "200", "--kubeconfig"])
        .arg(&kc)
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("run bizo-plan");
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn long_node_tables_show_the_fullest_nodes_and_say_how_many_are_hidden() {
    let sim = start(SimConfig::generated(40, 30));
    let r = check(&sim, &[]);
    let nodes = r.json["cluster"]["nodes"].as_array().expect("nodes");
    let mut by_free: Vec<(i64, usize, &str)> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (bytes(&n["freeMemory"]), i, n["name"].as_str().expect("name")))
        .collect();
    by_free.sort();
    let excluded_hidden = by_free[25..].iter().filter(|(_, i, _)| nodes[*i]["excluded"].is_string()).count();
    let node_rows = |text: &str| -> Vec<String> {
        let names: Vec<&str> = nodes.iter().map(|n| n["name"].as_str().expect("name")).collect();
        text.lines()
            .filter_map(|l| l.split(['│', '┆']).nth(1).map(str::trim))
            .filter(|cell| names.contains(cell))
            .map(str::to_string)
            .collect()
    };

    let table = check_text(&sim, &["-o", "table"]);
    let shown = node_rows(&table);
    let mut expected: Vec<(usize, &str)> = by_free[..25].iter().map(|(_, i, n)| (*i, *n)).collect();
    expected.sort();
    assert_eq!(shown, expected.iter().map(|(_, n)| n.to_string()).collect::<Vec<_>>(), "{table}");
    let note = format!(
        "... 25 of 40 nodes shown (those with the least free memory); 15 more, {excluded_hidden} of them excluded from scheduling (--all-rows shows every node, -o json carries them)"
    );
    assert!(table.contains(&note), "{table}");

    let all = check_text(&sim, &["-o", "table", "--all-rows"]);
    assert_eq!(node_rows(&all).len(), 40);
    assert!(!all.contains("nodes shown"));

    let md = check_text(&sim, &["-o", "markdown"]);
    assert!(md.contains(&note), "{md}");
    // The machine formats always carry every node.
    let yaml = check_text(&sim, &["-o", "yaml"]);
    for n in nodes {
        let name = n["name"].as_str().expect("name");
        assert!(yaml.contains(&format!("name: {name}\n")), "{name} missing from the YAML");
    }
}

#[test]
fn what_if_on_a_live_cluster_frees_the_live_figure() {
    let sim = start(SimConfig::laptop());
    let before = check(&sim, &["--no-tiers"]);
    let vault_live = before.json["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["name"] == "vault-simple")
        .map(|s| bytes(&s["memory"]))
        .expect("vault-simple");
    let r = check(
        &sim,
        &[
            "--no-tiers",
            "--scenario",
            concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scenarios/vault-upgrade.yaml"),
        ],
    );
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let w = &r.json["whatIf"];
    // What is freed is what the cluster says vault-simple uses, not the profile's 43Mi.
    assert_eq!(bytes(&w["changes"][0]["memoryBefore"]), vault_live);
    assert_eq!(bytes(&w["before"]["projectedUsed"]), bytes(&before.json["host"]["projectedUsed"]));
    assert_eq!(
        bytes(&w["after"]["projectedUsed"]) - bytes(&w["before"]["projectedUsed"]),
        256 * MI - vault_live
    );
    // The replacement is planned, not matched to vault-simple's running pod.
    let hv = r.json["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["name"] == "hashicorp-vault")
        .cloned();
    let hv = hv.expect("listed");
    assert_eq!(
        (&hv["source"], &hv["provenance"], &hv["state"]),
        (&"what-if".into(), &"what-if".into(), &"planned".into())
    );
    assert_eq!(bytes(&hv["memory"]), 256 * MI);
}

/// A kubeconfig with one context per (name, server URL).
fn multi_kubeconfig(path: &std::path::Path, contexts: &[(&str, String)]) {
    let mut y = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for (n, url) in contexts {
        y.push_str(&format!("- name: {n}\n  cluster:\n    server: {url}\n"));
    }
    y.push_str("users:\n- name: u\n  user: {}\ncontexts:\n");
    for (n, _) in contexts {
        y.push_str(&format!("- name: {n}\n  context: {{cluster: {n}, user: u}}\n"));
    }
    y.push_str(&format!("current-context: {}\n", contexts[0].0));
    std::fs::write(path, y).expect("write kubeconfig");
}

// Fault matrix: several clusters pooled
#[test]
fn several_clusters_each_get_their_own_verdict_and_the_worst_decides() {
    let laptop = start(SimConfig::laptop());
    let twin = start(SimConfig::laptop());
    let multi = start(SimConfig::multinode());
    let (el, em) = (laptop.expected_totals(), multi.expected_totals());
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("temp dir");
    let kc = dir.path().join("kubeconfig");
    multi_kubeconfig(
        &kc,
        &[
            ("laptop", laptop.url()),
            ("multi", multi.url()),
            ("twin", twin.url()),
            ("down", format!("http://127.0.0.1:{dead}")),
        ],
    );
    let run = |args: &[&str]| {
        let out = bizo(dir.path())
            .args(["check", "-o", "json", "--no-tiers", "--connect-timeout", "2", "--kubeconfig"])
            .arg(&kc)
            .args(args)
            .timeout(std::time::Duration::from_secs(120))
            .output()
            .expect("run");
        (
            out.status.code().unwrap_or(-1),
            serde_json::from_slice::<Value>(&out.stdout).unwrap_or(Value::Null),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    // laptop alone is TIGHT (75.62%): --fail-on tight exits 1.
    let (code, v, err) = run(&["--context", "laptop", "--fail-on", "tight"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(v["verdict"]["status"], "TIGHT");
    // Adding a roomier cluster must not pool them into a HEALTHY 38%: each keeps its verdict.
    let (code, v, err) = run(&["--context", "laptop", "--context", "multi", "--fail-on", "tight"]);
    assert_eq!(code, 1, "{err}");
    let clusters = v["clusters"].as_array().expect("one section per cluster");
    assert_eq!(clusters.len(), 2);
    assert_eq!(clusters[0]["context"], "laptop");
    assert_eq!(clusters[0]["report"]["verdict"]["status"], "TIGHT");
    assert_eq!(clusters[0]["report"]["host"]["projectedUsedPercent"]["display"], "75.62%");
    assert_eq!(bytes(&clusters[0]["report"]["host"]["total"]), 8_073_216 * 1024, "its own capacity");
    assert_eq!(v["verdict"]["failed"], true);
    assert!(v["verdict"]["reasons"][1].as_str().expect("reason").starts_with("cluster laptop: TIGHT"));
    // The contexts, and their total as information.
    let rows = v["contexts"].as_array().expect("contexts");
    assert_eq!(rows.len(), 3);
    let pods = |r: &Value| r["pods"].as_u64().expect("pods");
    assert_eq!(pods(&rows[0]) as usize, el.pods_total - el.pods_terminated);
    assert_eq!(pods(&rows[1]) as usize, em.pods_total - em.pods_terminated);
    assert_eq!(pods(&rows[2]), pods(&rows[0]) + pods(&rows[1]));
    assert!(rows[2]["context"].as_str().expect("total").contains("information only"));
    // A pod is cluster + namespace + name: the twin runs the same pods, and each cluster counts
    // its own (vault-simple: 1 pod, drift +0B in each, not 2 pods and +100%).
    let (_, v, err) = run(&["--context", "laptop", "--context", "twin"]);
    for c in v["clusters"].as_array().expect("clusters") {
        let drift = c["report"]["cluster"]["drift"].as_array().expect("drift");
        let vault = drift.iter().find(|d| d["service"] == "vault-simple").expect("vault");
        assert_eq!((vault["pods"].as_u64(), vault["drift"].as_str()), (Some(1), Some("+0B (+0%)")), "{err}");
        assert_eq!(c["report"]["cluster"]["totals"]["pods"], 14);
    }

    // One context down: listed as missing, the others checked.
    let (code, v, err) = run(&["--all-contexts"]);
    assert!(code == 0 || code == 1, "{err}");
    let down =
        v["clusters"].as_array().expect("clusters").iter().find(|c| c["context"] == "down").expect("down");
    assert!(down["error"].as_str().expect("error").contains("is unreachable"), "{down}");
    assert!(v["missingInputs"][0].as_str().expect("missing").starts_with("cluster down: "), "{v}");
    // In the table, the run's note is said once, above the clusters, not again in each.
    let out = bizo(dir.path())
        .args(["check", "--no-tiers", "--connect-timeout", "2", "--width", "200", "--kubeconfig"])
        .arg(&kc)
        .arg("--all-contexts")
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("run");
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(table.matches("Note: 3 of 4 clusters read").count(), 1, "{table}");
    assert!(table.find("Note: 3 of 4 clusters read") < table.find("=== Cluster laptop"), "{table}");
    // --all-contexts --require-cluster: any unreadable context fails (exit 3) ...
    let (code, _, err) = run(&["--all-contexts", "--require-cluster"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("1 of the 4 context(s) could not be read"), "{err}");
    // ... unless --allow-unreachable: the others are checked, the run's verdict says it.
    let (code, v, err) = run(&["--all-contexts", "--require-cluster", "--allow-unreachable"]);
    assert!(code == 0 || code == 1, "{err}");
    assert_eq!(v["clusters"].as_array().map(Vec::len), Some(4));
    let (code, _, err) =
        run(&["--context", "down", "--context", "down", "--require-cluster", "--allow-unreachable"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("none of the 2 context(s) could be read"), "{err}");
}

// Fault matrix: scope out of scope services
#[test]
fn a_scope_does_not_add_the_services_it_leaves_out() {
    let sim = start(SimConfig::laptop());
    let all = check(&sim, &[]);
    let scoped = check(&sim, &["-l", "app=redis-cache"]);
    assert_eq!(scoped.code, 0, "{}", scoped.stderr);
    let v = &scoped.json;
    // The other 11 deployed services run outside the scope: their memory is already inside the
    // node's usage, so they are neither counted nor added (75.62%, as without the scope; adding
    // them gave 82.75%).
    let services = v["services"].as_array().expect("services");
    let out: Vec<&str> = services
        .iter()
        .filter(|s| s["state"] == "out-of-scope")
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(out.len(), 11, "{out:?}");
    assert!(!out.contains(&"redis-cache"));
    assert_eq!(v["host"]["projectedUsedPercent"]["display"], "75.62%");
    assert_eq!(v["host"]["projectedUsed"], all.json["host"]["projectedUsed"]);
    assert_eq!(bytes(&v["workload"]["planned"]), 330 * MI, "only the planned agents are added");
    assert_eq!(v["cluster"]["servicesOutOfScope"].as_array().map(Vec::len), Some(11));
    assert_eq!(v["cluster"]["selector"], "app=redis-cache");
}

// Fault matrix: scope matches no pod
#[test]
fn a_scope_that_matches_no_pod_is_a_warning_or_bad_input_when_required() {
    let sim = start(SimConfig::laptop());
    let r = check(&sim, &["-n", "bizosas"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let w = "the scope -n bizosas matches no pod in";
    assert!(r.stderr.contains(&format!("bizo-plan: warning: {w}")), "{}", r.stderr);
    assert!(r.json["notes"].to_string().contains(w));
    let r = check(&sim, &["-n", "bizosas", "--require-cluster"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(&format!("--require-cluster: {w}")), "{}", r.stderr);
}

// Fault matrix: unreachable configured cluster
#[test]
fn an_unreachable_configured_cluster_is_a_missing_input() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("temp dir");
    let kc = dir.path().join("kubeconfig");
    multi_kubeconfig(&kc, &[("down", format!("http://127.0.0.1:{dead}"))]);
    let out = bizo(dir.path())
        .args(["check", "-o", "json", "--no-tiers", "--connect-timeout", "2", "--kubeconfig"])
        .arg(&kc)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("run");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["baseline"], "host", "planned from this host, and it says why");
    let missing = v["missingInputs"][0].as_str().expect("missing input");
    assert!(missing.contains("is unreachable"), "{missing}");
    let reasons = v["verdict"]["reasons"].to_string();
    assert!(reasons.contains("computed without 1 input(s) that could not be read"), "{reasons}");
}

// Fault matrix: NodeMetrics for some nodes only
#[test]
fn nodes_left_out_of_node_metrics_are_named_and_the_fill_is_said() {
    let mut s = bizo_sim::Scenario::multinode();
    // metrics-server has not scraped worker-1 yet (its only schedulable node).
    s.metrics.nodes.retain(|n| n.name != "worker-1");
    let sim = start(SimConfig::scenario(s));
    let r = check(&sim, &[]);
    let v = &r.json;
    let missing = v["missingInputs"].as_array().expect("missing inputs");
    assert!(
        missing.iter().any(|m| m.as_str().is_some_and(|m| m.starts_with(
            "sim: NodeMetrics for 1 of 1 schedulable node(s) (worker-1): not in the NodeMetrics list (metrics-server has not scraped them yet); their pods' usage stands in for them"
        ))),
        "{missing:?}"
    );
    assert!(
        v["baselineDescription"]
            .as_str()
            .expect("description")
            .ends_with("used = NodeMetrics usage where a node has it, its pods' usage where it has none"),
        "{}",
        v["baselineDescription"]
    );
    assert!(v["verdict"]["reasons"].to_string().contains("computed without"), "{}", v["verdict"]);
    // The node's used figure is its pods' usage, exactly.
    let exp = sim.expected_totals();
    let w1 = exp.nodes.iter().find(|n| n.name == "worker-1").expect("worker-1");
    assert_eq!(bytes(&v["host"]["used"]), w1.pod_usage.memory_bytes);
}

/// Every request the simulator logged, with its Accept-Encoding and User-Agent.
fn assert_gzip_and_user_agent(sim: &Sim) {
    let reqs = sim.requests();
    assert!(!reqs.is_empty());
    for r in &reqs {
        assert_eq!(r.accept_encoding.as_deref(), Some("gzip"), "{} {:?}", r.path, r.query);
        let ua = r.user_agent.as_deref().unwrap_or_default();
        assert_eq!(ua, concat!("bizo-plan/", env!("CARGO_PKG_VERSION")), "{}", r.path);
    }
}

#[test]
fn every_request_asks_for_gzip_and_names_bizo_plan() {
    let sim = start(SimConfig::generated(40, 10));
    let expected = sim.expected_totals();
    let r = check(&sim, &["--page-size", "100"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert_eq!(r.json["missingInputs"], Value::Null);
    assert_eq!(
        r.json["cluster"]["totals"]["pods"].as_u64(),
        Some((expected.pods_total - expected.pods_terminated) as u64)
    );
    only_gets(&sim);
    assert_gzip_and_user_agent(&sim);
    let reqs = sim.requests();
    // Answers over 128 KiB came gzipped (pod pages of 100 pods are ~600 KB of JSON); the pods
    // were read per namespace (those without pods answer an empty list, under the threshold).
    let pods: Vec<_> = reqs.iter().filter(|q| is_pod_list(&q.path)).collect();
    assert!(pods.iter().all(|q| q.path != "/api/v1/pods"), "split by namespace: {pods:?}");
    let gzipped = pods.iter().filter(|q| q.content_encoding.as_deref() == Some("gzip")).count();
    assert!(gzipped >= 6, "{gzipped} gzipped pod pages");
    assert!(pods.iter().filter(|q| q.content_encoding.is_none()).all(|q| q.bytes <= 128 << 10), "{pods:?}");
    // The PodMetrics list is one request, without limit: metrics-server ignores it.
    let pm: Vec<_> = reqs.iter().filter(|q| q.path == "/apis/metrics.k8s.io/v1beta1/pods").collect();
    assert_eq!(pm.len(), 1);
    assert_eq!(pm[0].query_param("limit"), None);
    // It was sent with the pods, not after them: metrics-server computes its one-body answer
    // while the pod pages arrive (its answer is read after the pods, for the join).
    let last_page = pods.iter().map(|q| q.seq).max().expect("pod pages");
    assert!(pm[0].seq < last_page, "PodMetrics request {} after the last pod page {last_page}", pm[0].seq);
    for n in r.json["cluster"]["nodes"].as_array().expect("nodes") {
        let e = expected.node(n["name"].as_str().expect("name")).expect("node");
        assert_eq!(bytes(&n["requestedMemory"]), e.requests.memory_bytes);
        assert_eq!(bytes(&n["podUsageMemory"]), e.pod_usage.memory_bytes);
    }
}

#[test]
fn disable_compression_in_the_kubeconfig_is_honoured() {
    let sim = start(SimConfig::generated(10, 10));
    let dir = tempfile::tempdir().expect("temp dir");
    let kc = dir.path().join("kubeconfig");
    let text = sim.kubeconfig(None).replacen(
        &format!("    server: {}\n", sim.url()),
        &format!("    server: {}\n    disable-compression: true\n", sim.url()),
        1,
    );
    std::fs::write(&kc, text).expect("kubeconfig");
    let out = bizo(dir.path()).args(["check", "-o", "json", "--kubeconfig"]).arg(&kc).output().expect("run");
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    let reqs = sim.requests();
    assert!(!reqs.is_empty());
    for r in &reqs {
        assert_ne!(r.accept_encoding.as_deref(), Some("gzip"), "{}", r.path);
        assert!(r.user_agent.as_deref().is_some_and(|u| u.starts_with("bizo-plan/")));
        assert_eq!(r.content_encoding, None);
    }
}

// Fault matrix: 410 that always expires
#[test]
fn a_continue_token_that_always_expires_falls_back_to_one_full_list() {
    let sim =
        start(SimConfig::generated(10, 30).with_faults(Faults { expire_always: true, ..Faults::default() }));
    let expected = sim.expected_totals();
    let t = std::time::Instant::now();
    // One cluster-wide list, for the exact shape of its requests.
    let r = check(&sim, &["--page-size", "50", "--parallel-lists", "1"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert_eq!(r.json["missingInputs"], Value::Null);
    assert_eq!(
        r.json["cluster"]["totals"]["pods"].as_u64(),
        Some((expected.pods_total - expected.pods_terminated) as u64)
    );
    let reqs = sim.requests();
    let pods: Vec<_> = reqs.iter().filter(|q| q.path == "/api/v1/pods").collect();
    // First page, 410; after a backoff the first page again, 410; then one unpaginated list.
    let shape: Vec<(Option<String>, bool, u16)> = pods
        .iter()
        .map(|q| (q.query_param("limit"), q.query_param("continue").is_some(), q.status))
        .collect();
    let l = Some("50".to_string());
    assert_eq!(
        shape,
        vec![
            (l.clone(), false, 200),
            (l.clone(), true, 410),
            (l.clone(), false, 200),
            (l, true, 410),
            (None, false, 200)
        ]
    );
    assert!(t.elapsed() >= std::time::Duration::from_millis(500), "a backoff before the restart");
    let warnings = r.json["cluster"]["warnings"].to_string();
    assert!(
        warnings.contains("the continue token expired twice; read as one unpaginated list"),
        "{warnings}"
    );
    for n in r.json["cluster"]["nodes"].as_array().expect("nodes") {
        let e = expected.node(n["name"].as_str().expect("name")).expect("node");
        assert_eq!(bytes(&n["requestedMemory"]), e.requests.memory_bytes);
    }
}

/// The snapshot itself (the fields the report does not show yet), read with the library
/// against `sim` with these options.
fn snapshot_of(
    sim: &Sim,
    f: impl FnOnce(&mut bizo_plan::source::kube::KubeOptions),
) -> bizo_plan::model::inventory::ClusterSnapshot {
    use bizo_plan::source::kube::{self, Connection, KubeOptions};
    let dir = tempfile::tempdir().expect("temp dir");
    let kc = dir.path().join("kubeconfig");
    // A second context `sim2` for the same cluster.
    let text = sim.kubeconfig(None).replacen(
        "contexts:\n",
        "contexts:\n- name: sim2\n  context:\n    cluster: sim\n    user: sim\n",
        1,
    );
    std::fs::write(&kc, text).expect("kubeconfig");
    let mut opts = KubeOptions { kubeconfig: Some(kc), progress: false, ..KubeOptions::default() };
    f(&mut opts);
    let profile = bizo_plan::source::files::load_profile(None).expect("the embedded profile").profile;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let Connection::Ready(client, target) = kube::connect(&opts).await.expect("connect") else {
            panic!("no cluster")
        };
        kube::snapshot(&client, &target, &profile, &opts).await.expect("snapshot")
    })
}

fn missing_of(r: &Run) -> Vec<String> {
    r.json["missingInputs"]
        .as_array()
        .map(|a| a.iter().filter_map(|m| m.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

// Fault matrix: Drip body
#[test]
fn a_dripping_body_is_cut_by_the_request_timeout() {
    let sim = start(SimConfig::laptop().with_faults(Faults { drip: true, ..Faults::default() }));
    let t = std::time::Instant::now();
    let r = check(&sim, &["--request-timeout", "3", "--require-cluster"]);
    let took = t.elapsed();
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(took < std::time::Duration::from_secs(8), "took {took:?}");
    assert!(r.stderr.contains("is unreachable"), "{}", r.stderr);
    assert!(r.stderr.contains("no complete answer within --request-timeout 3s"), "{}", r.stderr);
    // Timeouts are not retried: one request per list.
    assert_eq!(sim.requests().iter().filter(|q| q.path == "/api/v1/nodes").count(), 1);
}

// Fault matrix: Silent port
// Fault matrix: Namespaces not listable
#[test]
fn a_silent_port_gives_up_within_15_seconds_by_default() {
    let sim = start(SimConfig::laptop().with_faults(Faults { silent: true, ..Faults::default() }));
    let t = std::time::Instant::now();
    let r = check(&sim, &["--require-cluster"]);
    let took = t.elapsed();
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(took < std::time::Duration::from_secs(15), "took {took:?}");
    assert!(r.stderr.contains("no complete answer within --request-timeout 10s"), "{}", r.stderr);
    // Without --require-cluster: a host report that says why.
    let r = check(&sim, &["--request-timeout", "1"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert_eq!(r.json["baseline"], "host");
    assert!(r.json["notes"].to_string().contains("is unreachable"), "{}", r.json["notes"]);
}

#[test]
fn zero_and_negative_timeouts_are_refused() {
    let sim = start(SimConfig::laptop());
    for flag in ["--request-timeout", "--connect-timeout", "--timeout"] {
        for v in ["0", "-1"] {
            let arg = format!("{flag}={v}");
            let r = check(&sim, &[&arg]);
            assert_eq!(r.code, 2, "{flag} {v}: {}", r.stderr);
            assert!(r.stderr.contains(flag), "{}", r.stderr);
        }
    }
    assert!(sim.requests().is_empty(), "nothing was sent");
}

// Fault matrix: 5xx server errors
#[test]
fn throttling_honours_retry_after() {
    let sim = start(SimConfig::laptop().with_faults(Faults {
        throttle_first: 2,
        retry_after: Some(1),
        ..Faults::default()
    }));
    let t = std::time::Instant::now();
    let r = check(&sim, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json["missingInputs"], Value::Null);
    assert!(t.elapsed() >= std::time::Duration::from_secs(1), "waited for Retry-After");
    assert_eq!(sim.requests().iter().filter(|q| q.status == 429).count(), 2);
    assert_eq!(bytes(&r.json["cluster"]["totals"]["requestedMemory"]), 740 * MI);
}

// Fault matrix: 200 Status / non-list body
#[test]
fn a_200_that_is_not_a_list_is_a_malformed_answer() {
    use bizo_sim::{ListOf, Wrong200, Wrong200Body};
    let sim = start(SimConfig::laptop().with_faults(Faults {
        wrong_200: Some(Wrong200 { body: Wrong200Body::Status, list: ListOf::Nodes }),
        ..Faults::default()
    }));
    let r = check(&sim, &[]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert_eq!(
        missing_of(&r),
        vec!["list nodes: malformed answer: a 200 answer that is a Status, not a NodeList: error trying to reach service: dial tcp 10.43.0.12:443: connect: connection refused".to_string()]
    );
    assert_eq!(r.json["baseline"], "host", "no nodes: the host is the baseline, and it says why");
    // Retried (3 attempts), then missing.
    assert_eq!(sim.requests().iter().filter(|q| q.path == "/api/v1/nodes").count(), 3);
    let sim = start(SimConfig::laptop().with_faults(Faults {
        wrong_200: Some(Wrong200 { body: Wrong200Body::Object, list: ListOf::PodMetrics }),
        ..Faults::default()
    }));
    let r = check(&sim, &[]);
    assert_eq!(
        missing_of(&r),
        vec!["list pods.metrics.k8s.io (/apis/metrics.k8s.io/v1beta1/pods): malformed answer: a 200 answer that is a PodMetrics, not a PodMetricsList".to_string()]
    );
}

// Fault matrix: Missing node metrics
#[test]
fn node_metrics_missing_for_some_nodes_are_named() {
    let sim = start(SimConfig::laptop().with_faults(Faults { omit_node_metrics: 1, ..Faults::default() }));
    let r = check(&sim, &[]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert_eq!(
        missing_of(&r),
        vec!["sim: NodeMetrics for 1 of 1 schedulable node(s) (laptop): not in the NodeMetrics list (metrics-server has not scraped them yet); their pods' usage stands in for them, so their system usage is not counted".to_string()]
    );
    let s = snapshot_of(&sim, |_| {});
    assert!(s.node_metrics_read, "NodeMetrics was read: this is a gap, not an unavailable API");
    assert_eq!(s.nodes_without_metrics, vec!["laptop".to_string()]);
    assert_eq!(s.aggregate.nodes[0].totals.node_usage, None);
    // The metrics API missing altogether is another case: not read, no gap list.
    let sim =
        start(SimConfig::laptop().with_faults(Faults { metrics: MetricsMode::Absent, ..Faults::default() }));
    let s = snapshot_of(&sim, |_| {});
    assert!(!s.node_metrics_read);
    assert!(s.nodes_without_metrics.is_empty());
}

// Fault matrix: Ignored field selector
#[test]
fn finished_pods_are_dropped_when_the_server_ignores_the_field_selector() {
    let sim =
        start(SimConfig::laptop().with_faults(Faults { ignore_field_selector: true, ..Faults::default() }));
    let r = check(&sim, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json["cluster"]["totals"]["pods"], 14, "Succeeded and Failed pods are not counted");
    assert_eq!(bytes(&r.json["cluster"]["totals"]["requestedMemory"]), 740 * MI);
    let w = r.json["cluster"]["warnings"].to_string();
    assert!(w.contains("the server sent 2 finished pod(s) (Succeeded or Failed) although the field selector excludes them; dropped"), "{w}");
    assert_eq!(snapshot_of(&sim, |_| {}).finished_pods_dropped, 2);
}

// Fault matrix: Invalid quantity from the server
#[test]
fn invalid_quantities_from_the_server_are_missing_figures_not_zero() {
    let sim = start(SimConfig::laptop().with_faults(Faults { bad_quantities: true, ..Faults::default() }));
    let r = check(&sim, &[]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let missing = missing_of(&r);
    assert!(missing.contains(&"node laptop status.allocatable.memory: invalid quantity \"12Gx\" (invalid quantity \"12Gx\": unknown suffix \"Gx\")".to_string()) || missing.iter().any(|m| m.starts_with("node laptop status.allocatable.memory: invalid quantity \"12Gx\"")), "{missing:?}");
    assert!(
        missing
            .iter()
            .any(|m| m.starts_with("NodeMetrics laptop usage.memory: invalid quantity \"1.5.3Gi\"")),
        "{missing:?}"
    );
    let node = &r.json["cluster"]["nodes"][0];
    assert!(
        node["excluded"].as_str().is_some_and(|e| e.contains("invalid status.allocatable.memory \"12Gx\"")),
        "{node}"
    );
    let s = snapshot_of(&sim, |_| {});
    assert_eq!(s.invalid_quantities.len(), 2);
    assert_eq!(s.aggregate.nodes[0].totals.node_usage, None, "not 0: missing");
    assert!(s.nodes_without_metrics.is_empty(), "invalid, not absent");
}

// Fault matrix: API 400
#[test]
fn a_selector_the_api_server_rejects_is_bad_input() {
    let sim = start(SimConfig::laptop());
    for extra in [&[][..], &["--require-cluster"][..]] {
        let mut args = vec!["-l", "app=("];
        args.extend_from_slice(extra);
        let r = check(&sim, &args);
        assert_eq!(r.code, 2, "{}", r.stderr);
        // The pods are read per namespace: the first of them in the apiserver's order is named.
        assert!(r.stderr.contains(&format!("the API server at {} rejected the request as bad input: list pods (/api/v1/namespaces/bizosaas/pods): 400 BadRequest:", sim.url())), "{}", r.stderr);
        assert!(r.stderr.contains("(check -l \"app=(\")"), "{}", r.stderr);
        assert_eq!(r.json, Value::Null, "no report");
    }
}

// Fault matrix: Scope with out-of-scope requests
#[test]
fn pods_outside_the_scope_still_occupy_their_nodes() {
    let sim = start(SimConfig::laptop());
    let r = check(&sim, &["-n", "kube-system"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert_eq!(r.json["missingInputs"], Value::Null);
    // The node carries every pod's requests (740Mi), not only kube-system's (140Mi).
    let node = &r.json["cluster"]["nodes"][0];
    assert_eq!(bytes(&node["requestedMemory"]), 740 * MI, "{node}");
    assert_eq!(bytes(&node["podUsageMemory"]), 645 * MI, "{node}");
    let s = snapshot_of(&sim, |o| o.namespaces = vec!["kube-system".into()]);
    assert_eq!(s.pods_in_scope, 2);
    assert!(s.out_of_scope_read);
    let t = &s.aggregate.nodes[0].totals;
    assert_eq!((t.pods, t.out_of_scope_pods), (14, 12));
    assert_eq!(t.out_of_scope_requests.mem.0, 600 * MI as u64);
    assert_eq!(t.requests.mem.0, 740 * MI as u64);
    assert_eq!(t.pod_usage.mem.0 - t.out_of_scope_usage.mem.0, 45 * MI as u64, "kube-system's usage");
    // Every deployed service of the profile runs, out of scope: none is "not running".
    let profile = bizo_plan::source::files::load_profile(None).expect("profile").profile;
    for (svc, g) in profile.services.iter().zip(&s.aggregate.services) {
        if svc.status == bizo_plan::model::profile::ServiceStatus::Deployed {
            assert_eq!((g.pods, g.pods_out_of_scope), (0, 1), "{}", svc.name);
        }
    }
    // A scope that matches nothing says so with a count of 0.
    let s = snapshot_of(&sim, |o| o.namespaces = vec!["bizosas".into()]);
    assert_eq!(s.pods_in_scope, 0);
    // The cluster-wide list forbidden: said, and the scoped lists still count.
    let sim = start(
        SimConfig::laptop()
            .with_faults(Faults { forbid: vec![Forbid::PodsClusterScope], ..Faults::default() }),
    );
    let r = check(&sim, &["-n", "bizosaas"]);
    let missing = missing_of(&r);
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert!(
        missing[0].starts_with(
            "requests of pods outside the scope: list pods (/api/v1/pods, cluster-wide): forbidden (403)"
        ),
        "{missing:?}"
    );
    assert_eq!(bytes(&r.json["workload"]["current"]), 600 * MI);
}

#[test]
fn pods_of_two_clusters_with_the_same_names_are_two_pods() {
    let sim = start(SimConfig::laptop());
    let a = snapshot_of(&sim, |_| {});
    let b = snapshot_of(&sim, |o| o.context = Some("sim2".into()));
    assert_eq!((a.aggregate.pod_count(), b.aggregate.pod_count()), (14, 14));
    // Two contexts: their pods are other pods, even with the same namespace and name.
    let mut total = a.aggregate.clone();
    total.merge(b.aggregate.clone());
    assert_eq!(total.pod_count(), 28, "same namespace/name in two clusters: two pods");
    // The same context read twice is the same pods.
    let mut same = a.aggregate.clone();
    same.merge(a.aggregate.clone());
    assert_eq!(same.pod_count(), 14);
}
