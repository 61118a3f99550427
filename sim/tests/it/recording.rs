//! Request recording: in memory and as JSON lines, never the token itself.

use crate::common::*;
use bizo_sim::{RecordedRequest, Sim, SimConfig};

#[test]
fn requests_are_recorded_in_memory_and_to_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("requests.jsonl");
    let sim =
        Sim::start(SimConfig::laptop().with_token("tok-abc-123").with_record_file(&file)).expect("start");
    let table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    let auth = ("Authorization", "Bearer tok-abc-123");
    request(
        sim.addr(),
        "GET",
        "/api/v1/pods?limit=5&labelSelector=app%3Dredis-cache",
        &[auth, ("Accept", table)],
    );
    request(sim.addr(), "GET", "/api", &[]);
    request(sim.addr(), "DELETE", "/api/v1/nodes/laptop", &[auth]);

    let reqs = sim.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[0].seq, 1);
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(reqs[0].path, "/api/v1/pods");
    assert_eq!(reqs[0].query.as_deref(), Some("limit=5&labelSelector=app%3Dredis-cache"));
    assert_eq!(reqs[0].query_param("labelSelector").as_deref(), Some("app=redis-cache"));
    assert_eq!(reqs[0].query_param("limit").as_deref(), Some("5"));
    assert_eq!(reqs[0].accept.as_deref(), Some(table));
    assert!(reqs[0].authorization);
    assert_eq!(reqs[0].status, 200);
    assert_eq!(reqs[1].path, "/api");
    assert!(!reqs[1].authorization);
    assert_eq!(reqs[1].status, 401);
    assert_eq!(reqs[2].method, "DELETE");
    assert_eq!(reqs[2].status, 405);

    let text = std::fs::read_to_string(&file).expect("record file");
    assert!(!text.contains("tok-abc-123"), "the token is never stored");
    let from_file: Vec<RecordedRequest> =
        text.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(from_file, reqs);

    sim.clear_requests();
    assert!(sim.requests().is_empty());
    request(sim.addr(), "GET", "/api", &[auth]);
    assert_eq!(sim.requests().len(), 1);
    assert_eq!(std::fs::read_to_string(&file).expect("file").lines().count(), 4);
}

#[test]
fn kubeconfig_names_everything_sim() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = Sim::start(SimConfig::laptop()).expect("start");
    let path = dir.path().join("config");
    sim.write_kubeconfig(&path, Some("t0k\"en")).expect("write");
    let text = std::fs::read_to_string(&path).expect("read");
    let v: serde_json::Value = parse_yaml(&text);
    assert_eq!(v["current-context"], "sim");
    assert_eq!(v["clusters"][0]["name"], "sim");
    assert_eq!(v["clusters"][0]["cluster"]["server"], sim.url());
    assert_eq!(v["users"][0]["name"], "sim");
    assert_eq!(v["users"][0]["user"]["token"], "t0k\"en");
    assert_eq!(v["contexts"][0]["context"]["cluster"], "sim");
    assert_eq!(v["contexts"][0]["context"]["user"], "sim");
    assert!(sim.url().starts_with("http://127.0.0.1:"));
    assert_eq!(sim.addr().ip().to_string(), "127.0.0.1");
    assert!(sim.kubeconfig(None).contains("user: {}"));
}

/// Parses the kubeconfig with the YAML library the scenarios use.
fn parse_yaml(text: &str) -> serde_json::Value {
    serde_saphyr::from_str(text).expect("kubeconfig is valid YAML")
}
