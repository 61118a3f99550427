//! Scenario files: the shipped scenarios' hand-computed figures, loading and
//! validation, discovery documents and server-side Tables.

use crate::common::*;
use bizo_sim::{CpuMem, Scenario, ScenarioError, Sim, SimConfig};

const MI: i64 = 1 << 20;

fn cm(cpu_milli: i64, mem_mi: i64) -> CpuMem {
    CpuMem { cpu_milli, memory_bytes: mem_mi * MI }
}

#[test]
fn laptop_figures() {
    let sim = Sim::start(SimConfig::laptop()).expect("start");
    let t = sim.expected_totals();
    assert_eq!(t.nodes.len(), 1);
    let n = &t.nodes[0];
    assert_eq!(n.name, "laptop");
    assert_eq!(n.allocatable, CpuMem { cpu_milli: 8000, memory_bytes: 8_073_216 * 1024 });
    assert_eq!(n.allocatable_pods, 110);
    assert_eq!(n.pods, 14);
    assert_eq!(n.requests, cm(800, 740));
    assert_eq!(n.usage, Some(cm(600, 5632)));
    assert_eq!(n.pod_usage, cm(607, 645));
    assert_eq!(t.pods_total, 16);
    assert_eq!(t.pods_terminated, 2);
    assert_eq!(t.pods_unscheduled, 0);
    assert_eq!(t.pod_metrics, 14);

    // The 12 bizosaas pods: 600Mi requested, each using exactly its request.
    let pods = get(&sim, "/api/v1/namespaces/bizosaas/pods?fieldSelector=status.phase%3DRunning").json();
    let items = pods["items"].as_array().expect("items");
    assert_eq!(items.len(), 12);
    let mut mem = 0;
    for p in items {
        let c = &p["spec"]["containers"][0];
        assert_eq!(c["resources"]["requests"]["cpu"], "50m");
        let req =
            bizo_sim::quantity::parse_units(c["resources"]["requests"]["memory"].as_str().expect("mem"))
                .expect("q");
        let lim = bizo_sim::quantity::parse_units(c["resources"]["limits"]["memory"].as_str().expect("mem"))
            .expect("q");
        assert_eq!(lim, 2 * req);
        assert_eq!(p["metadata"]["ownerReferences"][0]["kind"], "ReplicaSet");
        let app = p["metadata"]["labels"]["app"].as_str().expect("app");
        let owner = p["metadata"]["ownerReferences"][0]["name"].as_str().expect("owner");
        assert!(owner.starts_with(&format!("{app}-")));
        assert!(p["metadata"]["name"].as_str().expect("name").starts_with(&format!("{owner}-")));
        let ns = p["metadata"]["name"].as_str().expect("name");
        let m = get(&sim, &format!("/apis/metrics.k8s.io/v1beta1/namespaces/bizosaas/pods/{ns}")).json();
        assert_eq!(m["containers"][0]["usage"]["memory"], format!("{}Ki", req / 1024));
        assert_eq!(m["containers"][0]["usage"]["cpu"], "50m");
        mem += req;
    }
    assert_eq!(mem, 600 * MI);
}

#[test]
fn multinode_hand_computed_requests() {
    let sim = Sim::start(SimConfig::multinode()).expect("start");
    let t = sim.expected_totals();
    let node = |name: &str| t.node(name).unwrap_or_else(|| panic!("{name}"));
    assert_eq!((node("cp-1").pods, node("cp-1").requests), (3, cm(450, 100)));
    assert_eq!((node("worker-1").pods, node("worker-1").requests), (7, cm(2150, 2400)));
    assert_eq!((node("worker-2").pods, node("worker-2").requests), (3, cm(450, 768)));
    assert_eq!((node("worker-3").pods, node("worker-3").requests), (2, cm(400, 320)));
    assert!(node("worker-2").unschedulable);
    assert!(!node("worker-3").ready);
    assert_eq!(node("worker-3").usage, None);
    assert_eq!(t.pods_total, 18);
    assert_eq!(t.pods_terminated, 2);
    assert_eq!(t.pods_unscheduled, 1);
    assert_eq!(t.unscheduled_requests, cm(500, 512));
    assert_eq!(t.requests, cm(3450, 3588));
    assert_eq!(t.allocatable, cm(23_400, 94_208));
    assert_eq!(t.node_usage, cm(2070, 6246));
    assert_eq!(t.node_metrics, 3);
    assert_eq!(t.pod_usage, cm(1175, 2311));
    assert_eq!(t.pod_metrics, 13);

    // Per-pod effective requests from the model, as documented in the file.
    let s = Scenario::multinode();
    let eff = |name: &str| {
        s.pods
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.effective_requests())
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(eff("web-7c9d8f6b5-q2wxz"), cm(300, 320));
    assert_eq!(eff("api-5f8b7c6d9-r4tkp"), cm(500, 512));
    assert_eq!(eff("mesh-6d5c8b9f7-v7hnm"), cm(400, 256));
    assert_eq!(eff("db-0"), cm(500, 1024));
    assert_eq!(eff("sandbox-7b6c5d4f8-k9wzt"), cm(350, 288));
    assert_eq!(eff("debug-shell"), cm(0, 0));
    assert_eq!(eff("kube-apiserver-cp-1"), cm(250, 0));

    // Node objects reflect the conditions.
    let nodes = get(&sim, "/api/v1/nodes").json();
    let items = nodes["items"].as_array().expect("items");
    let ready = |i: usize| {
        items[i]["status"]["conditions"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["type"] == "Ready"))
            .map(|c| c["status"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(names(items), vec!["cp-1", "worker-1", "worker-2", "worker-3"]);
    assert_eq!(items[0]["spec"]["taints"][0]["effect"], "NoSchedule");
    assert_eq!(items[2]["spec"]["unschedulable"], true);
    assert_eq!(ready(1).as_deref(), Some("True"));
    assert_eq!(ready(3).as_deref(), Some("Unknown"));
}

#[test]
fn scenario_validation() {
    let err = |yaml: &str| match Scenario::from_yaml_str(yaml) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("accepted: {yaml}"),
    };
    let node = "nodes: [{name: n1, capacity: {cpu: '2', memory: 1Gi}}]\n";
    assert!(
        err(&format!("{node}pods: [{{namespace: a, name: p, nodeName: n2, containers: [{{name: c}}]}}]"))
            .contains("unknown node")
    );
    assert!(err("nodes: [{name: n1, capacity: {cpu: two}}]").contains("invalid quantity"));
    assert!(err("nodes: [{name: n1, capacity: {}, colour: red}]").contains("colour"));
    assert!(
        err(&format!("{node}pods: [{{namespace: a, name: p, containers: []}}]")).contains("no containers")
    );
    assert!(
        err(&format!("{node}metrics: {{nodes: [{{name: n9, usage: {{cpu: 1m, memory: 1Ki}}}}]}}"))
            .contains("unknown")
    );
    assert!(matches!(Scenario::from_yaml_str("nodes: [1, 2"), Err(ScenarioError::Parse(_))));

    // JSON scenarios load too, and objects are sorted as the API server lists them.
    let json = r#"{"nodes":[{"name":"b","capacity":{"cpu":"1"}},{"name":"a","capacity":{"cpu":"1"}}],
        "pods":[{"namespace":"z","name":"p2","nodeName":"a","containers":[{"name":"c","resources":{"requests":{"cpu":"250m"}}}]},
                {"namespace":"a","name":"p1","containers":[{"name":"c"}]}]}"#;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.json");
    std::fs::write(&path, json).expect("write");
    let s = Scenario::from_path(&path).expect("json scenario");
    assert_eq!(s.nodes[0].name, "a");
    assert_eq!(s.pods[0].name, "p1");
    let t = bizo_sim::expected_totals(&bizo_sim::ClusterSpec::Scenario(Box::new(s))).expect("totals");
    assert_eq!(t.node("a").map(|n| n.requests.cpu_milli), Some(250));
    assert!(matches!(Scenario::from_path(dir.path().join("missing.yaml")), Err(ScenarioError::Io(..))));
}

#[test]
fn discovery_documents() {
    let sim = Sim::start(SimConfig::laptop()).expect("start");
    let (_, v) = get_json(&sim, "/version");
    assert_eq!(v["gitVersion"], "v1.32.4+k3s1");
    assert_eq!((v["major"].as_str(), v["minor"].as_str()), (Some("1"), Some("32")));
    let (_, v) = get_json(&sim, "/api");
    assert_eq!(v["kind"], "APIVersions");
    assert_eq!(v["versions"][0], "v1");
    let (_, v) = get_json(&sim, "/api/v1");
    assert_eq!(v["kind"], "APIResourceList");
    let res = v["resources"].as_array().expect("resources");
    let find = |n: &str| res.iter().find(|r| r["name"] == n).cloned().expect(n);
    assert_eq!(find("nodes")["namespaced"], false);
    assert_eq!(find("nodes")["kind"], "Node");
    assert_eq!(find("pods")["namespaced"], true);
    assert_eq!(find("pods")["verbs"], serde_json::json!(["get", "list", "watch"]));
    let (_, v) = get_json(&sim, "/apis/metrics.k8s.io");
    assert_eq!(v["kind"], "APIGroup");
    assert_eq!(v["preferredVersion"]["groupVersion"], "metrics.k8s.io/v1beta1");
    // Aggregated discovery is answered with the legacy document as application/json.
    let r = request(
        sim.addr(),
        "GET",
        "/apis",
        &[(
            "Accept",
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
        )],
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.json()["kind"], "APIGroupList");
}

#[test]
fn server_side_tables() {
    let sim = Sim::start(SimConfig::multinode()).expect("start");
    let accept = [(
        "Accept",
        "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
    )];
    let r = request(sim.addr(), "GET", "/api/v1/nodes?limit=2", &accept);
    assert_eq!(r.header("content-type"), Some("application/json;as=Table;v=v1;g=meta.k8s.io"));
    let t = r.json();
    assert_eq!(t["kind"], "Table");
    assert_eq!(t["apiVersion"], "meta.k8s.io/v1");
    let cols: Vec<&str> =
        t["columnDefinitions"].as_array().expect("cols").iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(&cols[..5], &["Name", "Status", "Roles", "Age", "Version"]);
    let rows = t["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["cells"][0], "cp-1");
    assert_eq!(rows[0]["cells"][2], "control-plane");
    assert_eq!(rows[1]["cells"][2], "worker");
    assert_eq!(rows[0]["object"]["kind"], "PartialObjectMetadata");
    assert_eq!(rows[0]["object"]["metadata"]["name"], "cp-1");
    assert!(rows[0]["object"].get("spec").is_none());
    assert!(t["metadata"]["continue"].is_string());
    let cont = t["metadata"]["continue"].as_str().expect("continue").to_string();
    let t2 = request(sim.addr(), "GET", &format!("/api/v1/nodes?limit=2&continue={cont}"), &accept).json();
    let statuses: Vec<&str> =
        t2["rows"].as_array().expect("rows").iter().filter_map(|r| r["cells"][1].as_str()).collect();
    assert_eq!(statuses, vec!["Ready,SchedulingDisabled", "NotReady"]);

    let t = request(sim.addr(), "GET", "/api/v1/namespaces/shop/pods?includeObject=Object", &accept).json();
    let rows = t["rows"].as_array().expect("rows");
    let row = |name: &str| rows.iter().find(|r| r["cells"][0] == name).cloned().expect(name);
    assert_eq!(row("nightly-report-28934520-x8kzp")["cells"][2], "Completed");
    assert_eq!(row("import-b7kxz")["cells"][2], "Error");
    assert_eq!(row("api-5f8b7c6d9-z2plq")["cells"][2], "Pending");
    assert_eq!(row("mesh-6d5c8b9f7-v7hnm")["cells"][1], "2/2");
    assert_eq!(row("db-0")["object"]["kind"], "Pod");
    assert_eq!(row("db-0")["object"]["spec"]["nodeName"], "worker-1");

    // A single object as a Table.
    let t = request(sim.addr(), "GET", "/api/v1/namespaces/shop/pods/db-0", &accept).json();
    assert_eq!(t["rows"][0]["cells"][0], "db-0");
    // Metrics ignore the Table request and answer plain JSON.
    let r = request(sim.addr(), "GET", "/apis/metrics.k8s.io/v1beta1/nodes", &accept);
    assert_eq!(r.json()["kind"], "NodeMetricsList");
}
