//! Fault switches: status codes and Status bodies.

use std::time::{Duration, Instant};

use crate::common::*;
use bizo_sim::{
    Faults, Forbid, ListOf, MetricsMode, Sim, SimConfig, Truncate, TruncateMode, Wrong200, Wrong200Body,
};

fn with(faults: Faults) -> Sim {
    Sim::start(SimConfig::laptop().with_faults(faults)).expect("start")
}

fn group_names(sim: &Sim) -> Vec<String> {
    let (_, v) = get_json(sim, "/apis");
    assert_eq!(v["kind"], "APIGroupList");
    v["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn metrics_available_by_default() {
    let sim = with(Faults::default());
    assert_eq!(group_names(&sim), vec!["metrics.k8s.io"]);
    let (s, v) = get_json(&sim, "/apis/metrics.k8s.io/v1beta1");
    assert_eq!(s, 200);
    assert_eq!(v["groupVersion"], "metrics.k8s.io/v1beta1");
    let kinds: Vec<&str> =
        v["resources"].as_array().expect("resources").iter().filter_map(|r| r["kind"].as_str()).collect();
    assert_eq!(kinds, vec!["NodeMetrics", "PodMetrics"]);
}

#[test]
fn metrics_absent_is_404_and_not_discovered() {
    let sim = with(Faults { metrics: MetricsMode::Absent, ..Faults::default() });
    assert!(group_names(&sim).is_empty());
    for path in [
        "/apis/metrics.k8s.io",
        "/apis/metrics.k8s.io/v1beta1",
        "/apis/metrics.k8s.io/v1beta1/nodes",
        "/apis/metrics.k8s.io/v1beta1/namespaces/bizosaas/pods",
    ] {
        let v = assert_status(&get(&sim, path), 404, "NotFound");
        assert_eq!(v["message"], "the server could not find the requested resource");
    }
    // Core resources are unaffected.
    assert_eq!(get(&sim, "/api/v1/nodes").status, 200);
}

#[test]
fn metrics_unavailable_is_503_but_discovered() {
    let sim = with(Faults { metrics: MetricsMode::Unavailable, ..Faults::default() });
    assert_eq!(group_names(&sim), vec!["metrics.k8s.io"]);
    for path in [
        "/apis/metrics.k8s.io/v1beta1",
        "/apis/metrics.k8s.io/v1beta1/nodes",
        "/apis/metrics.k8s.io/v1beta1/pods",
    ] {
        let v = assert_status(&get(&sim, path), 503, "ServiceUnavailable");
        assert_eq!(v["message"], "the server is currently unable to handle the request");
    }
}

#[test]
fn forbidden_resources_answer_like_rbac() {
    let sim = with(Faults {
        forbid: vec![Forbid::Nodes, Forbid::NodeMetrics, Forbid::PodMetrics],
        ..Faults::default()
    });
    let v = assert_status(&get(&sim, "/api/v1/nodes"), 403, "Forbidden");
    assert_eq!(
        v["message"],
        "nodes is forbidden: User \"system:serviceaccount:bizo:bizo-plan\" cannot list resource \"nodes\" in API group \"\" at the cluster scope"
    );
    assert_eq!(v["details"]["kind"], "nodes");
    let v = assert_status(&get(&sim, "/api/v1/nodes/laptop"), 403, "Forbidden");
    assert_eq!(
        v["message"],
        "nodes \"laptop\" is forbidden: User \"system:serviceaccount:bizo:bizo-plan\" cannot get resource \"nodes\" in API group \"\" at the cluster scope"
    );
    let v = assert_status(&get(&sim, "/apis/metrics.k8s.io/v1beta1/nodes"), 403, "Forbidden");
    assert_eq!(
        v["message"],
        "nodes.metrics.k8s.io is forbidden: User \"system:serviceaccount:bizo:bizo-plan\" cannot list resource \"nodes\" in API group \"metrics.k8s.io\" at the cluster scope"
    );
    let v =
        assert_status(&get(&sim, "/apis/metrics.k8s.io/v1beta1/namespaces/bizosaas/pods"), 403, "Forbidden");
    assert!(v["message"].as_str().unwrap_or_default().ends_with("in the namespace \"bizosaas\""));
    // Pods were not forbidden.
    assert_eq!(get(&sim, "/api/v1/pods").status, 200);
    assert_eq!(get(&sim, "/api/v1/namespaces").status, 200);
    let sim = with(Faults { forbid: vec![Forbid::Namespaces], ..Faults::default() });
    let v = assert_status(&get(&sim, "/api/v1/namespaces"), 403, "Forbidden");
    assert_eq!(
        v["message"],
        "namespaces is forbidden: User \"system:serviceaccount:bizo:bizo-plan\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope"
    );
    assert_eq!(get(&sim, "/api/v1/pods").status, 200);
}

#[test]
fn cluster_scope_pods_forbidden_but_namespaced_allowed() {
    let sim = with(Faults {
        forbid: vec![Forbid::PodsClusterScope, Forbid::PodMetricsClusterScope],
        ..Faults::default()
    });
    let v = assert_status(&get(&sim, "/api/v1/pods?limit=500"), 403, "Forbidden");
    assert_eq!(
        v["message"],
        "pods is forbidden: User \"system:serviceaccount:bizo:bizo-plan\" cannot list resource \"pods\" in API group \"\" at the cluster scope"
    );
    assert_status(&get(&sim, "/apis/metrics.k8s.io/v1beta1/pods"), 403, "Forbidden");
    let (s, v) = get_json(&sim, "/api/v1/namespaces/bizosaas/pods");
    assert_eq!(s, 200);
    assert_eq!(v["items"].as_array().map(Vec::len), Some(13));
    let (s, v) = get_json(&sim, "/apis/metrics.k8s.io/v1beta1/namespaces/bizosaas/pods");
    assert_eq!(s, 200);
    assert_eq!(v["items"].as_array().map(Vec::len), Some(12));

    let sim = with(Faults { forbid: vec![Forbid::Pods], ..Faults::default() });
    let v = assert_status(&get(&sim, "/api/v1/namespaces/bizosaas/pods"), 403, "Forbidden");
    assert_eq!(
        v["message"],
        "pods is forbidden: User \"system:serviceaccount:bizo:bizo-plan\" cannot list resource \"pods\" in API group \"\" in the namespace \"bizosaas\""
    );
}

#[test]
fn continue_token_expires_once() {
    let sim = with(Faults { expire_continue_at: Some(3), ..Faults::default() });
    let (_, p1) = get_json(&sim, "/api/v1/pods?limit=5");
    let t2 = p1["metadata"]["continue"].as_str().expect("t2").to_string();
    let (s, p2) = get_json(&sim, &format!("/api/v1/pods?limit=5&continue={t2}"));
    assert_eq!(s, 200, "page 2 is fine");
    let t3 = p2["metadata"]["continue"].as_str().expect("t3").to_string();
    let r = get(&sim, &format!("/api/v1/pods?limit=5&continue={t3}"));
    let v = assert_status(&r, 410, "Expired");
    assert!(
        v["message"].as_str().is_some_and(|m| m.starts_with(
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response"
        )),
        "{v}"
    );
    // The Status carries the inconsistent-continue token, and it goes on where t3 would have.
    let inconsistent = v["metadata"]["continue"].as_str().expect("a continue token in the 410").to_string();
    let (s, rest) = get_json(&sim, &format!("/api/v1/pods?limit=5&continue={inconsistent}"));
    assert_eq!(s, 200);
    let expected = names(&list_all(&sim, "/api/v1/pods", 16));
    let got = names(rest["items"].as_array().expect("items"));
    assert_eq!(got, expected[10..15].to_vec());
    // A client that restarts the list gets everything.
    let all = names(&list_all(&sim, "/api/v1/pods", 5));
    assert_eq!(all.len(), 16);
    // And the same token works now: the fault fires once.
    assert_eq!(get(&sim, &format!("/api/v1/pods?limit=5&continue={t3}")).status, 200);
}

#[test]
fn fail_first_n_requests() {
    let sim = with(Faults { fail_first: 3, ..Faults::default() });
    for _ in 0..3 {
        let v = assert_status(&get(&sim, "/api/v1/nodes"), 500, "InternalError");
        assert!(v["message"].as_str().unwrap_or_default().starts_with("Internal error occurred"));
    }
    assert_eq!(get(&sim, "/api/v1/nodes").status, 200);
    assert_eq!(get(&sim, "/version").status, 200);
}

#[test]
fn fail_every_kth_request() {
    let sim = with(Faults { fail_every: Some(3), ..Faults::default() });
    let codes: Vec<u16> = (0..9).map(|_| get(&sim, "/api/v1/nodes").status).collect();
    assert_eq!(codes, vec![200, 200, 500, 200, 200, 500, 200, 200, 500]);
}

#[test]
fn slow_responses() {
    let sim = with(Faults { delay: Some(Duration::from_millis(300)), ..Faults::default() });
    let t = Instant::now();
    assert_eq!(get(&sim, "/version").status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300), "{:?}", t.elapsed());
}

#[test]
fn truncated_body_closes_early() {
    let sim = with(Faults {
        truncate: Some(Truncate { mode: TruncateMode::CloseEarly, times: Some(1) }),
        ..Faults::default()
    });
    // Discovery is never truncated.
    assert!(get(&sim, "/api").json()["versions"].is_array());
    let r = get(&sim, "/api/v1/pods");
    assert_eq!(r.status, 200);
    let declared = r.content_length().expect("content-length");
    assert!(r.body.len() < declared, "{} of {declared} bytes", r.body.len());
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
    // Only the first resource response was truncated.
    let r = get(&sim, "/api/v1/pods");
    assert_eq!(r.body.len(), r.content_length().expect("content-length"));
    assert_eq!(r.json()["items"].as_array().map(Vec::len), Some(16));
}

#[test]
fn truncated_json_is_a_complete_http_response() {
    let sim = with(Faults {
        truncate: Some(Truncate { mode: TruncateMode::InvalidJson, times: None }),
        ..Faults::default()
    });
    for path in ["/api/v1/nodes", "/apis/metrics.k8s.io/v1beta1/pods"] {
        let r = get(&sim, path);
        assert_eq!(r.status, 200);
        assert_eq!(r.body.len(), r.content_length().expect("content-length"));
        assert!(r.body.starts_with(b"{\"kind\":"));
        assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
    }
}

#[test]
fn bearer_token_auth() {
    let sim = Sim::start(SimConfig::laptop().with_token("s3cret")).expect("start");
    let v = assert_status(&request(sim.addr(), "GET", "/api/v1/nodes", &[]), 401, "Unauthorized");
    assert_eq!(v["message"], "Unauthorized");
    assert_status(
        &request(sim.addr(), "GET", "/api/v1/nodes", &[("Authorization", "Bearer wrong")]),
        401,
        "Unauthorized",
    );
    // Anonymous version and health checks are allowed, as on a real server.
    assert_eq!(request(sim.addr(), "GET", "/version", &[]).status, 200);
    assert_status(
        &request(sim.addr(), "GET", "/version", &[("Authorization", "Bearer nope")]),
        401,
        "Unauthorized",
    );
    let r = request(sim.addr(), "GET", "/api/v1/nodes", &[("Authorization", "Bearer s3cret")]);
    assert_eq!(r.status, 200);
    assert_eq!(names(r.json()["items"].as_array().expect("items")), vec!["laptop"]);
}

#[test]
fn non_get_methods_are_405() {
    let sim = with(Faults::default());
    for m in ["POST", "PUT", "PATCH", "DELETE"] {
        let v = assert_status(
            &request(sim.addr(), m, "/api/v1/namespaces/bizosaas/pods", &[]),
            405,
            "MethodNotAllowed",
        );
        assert_eq!(v["message"], "the server does not allow this method on the requested resource");
    }
    let methods: Vec<String> = sim.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, vec!["POST", "PUT", "PATCH", "DELETE"]);
    assert!(sim.requests().iter().all(|r| r.status == 405));
}

#[test]
fn malformed_input_is_400_not_a_crash() {
    let sim = with(Faults::default());
    for target in [
        "/api/v1/pods?labelSelector=%zz",
        "/api/v1/pods?limit=-x",
        "/api/v1/pods?labelSelector=a%20in%20(",
        "/api/v1/pods?continue=%FF%FE",
        "/api/v1/pods?watch=true",
    ] {
        assert_status(&get(&sim, target), 400, "BadRequest");
    }
    assert_status(&get(&sim, "/api/v1/secrets"), 404, "NotFound");
    assert_status(&get(&sim, "/api/v1/namespaces/x/pods/y/z"), 404, "NotFound");
    assert_eq!(get(&sim, "/version").status, 200, "still serving");
}

#[test]
fn expire_always_expires_every_continue_even_its_own_token() {
    let sim = with(Faults { expire_always: true, ..Faults::default() });
    let (_, p1) = get_json(&sim, "/api/v1/pods?limit=5");
    let t2 = p1["metadata"]["continue"].as_str().expect("t2").to_string();
    let v = assert_status(&get(&sim, &format!("/api/v1/pods?limit=5&continue={t2}")), 410, "Expired");
    let again = v["metadata"]["continue"].as_str().expect("token").to_string();
    assert_status(&get(&sim, &format!("/api/v1/pods?limit=5&continue={again}")), 410, "Expired");
    // An unpaginated list still works.
    assert_eq!(get_json(&sim, "/api/v1/pods").1["items"].as_array().map(Vec::len), Some(16));
}

#[test]
fn throttled_requests_get_429_with_retry_after() {
    let sim = with(Faults { throttle_first: 2, retry_after: Some(3), ..Faults::default() });
    // Discovery is not throttled; the first two resource requests are.
    assert_eq!(get(&sim, "/api").status, 200);
    for _ in 0..2 {
        let r = get(&sim, "/api/v1/nodes");
        assert_eq!(r.header("retry-after"), Some("3"));
        let v = assert_status(&r, 429, "TooManyRequests");
        assert_eq!(v["details"]["retryAfterSeconds"], 3);
    }
    assert_eq!(get(&sim, "/api/v1/nodes").status, 200);
}

#[test]
fn a_dripped_body_sends_headers_then_a_byte_every_half_second() {
    let sim = with(Faults { drip: true, ..Faults::default() });
    let mut s = std::net::TcpStream::connect(sim.addr()).expect("connect");
    use std::io::{Read, Write};
    s.write_all(b"GET /api/v1/nodes HTTP/1.1\r\nHost: x\r\n\r\n").expect("send");
    s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let t = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while t.elapsed() < Duration::from_millis(1700) {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    let head = got.windows(4).position(|w| w == b"\r\n\r\n").expect("headers arrive at once");
    let text = String::from_utf8_lossy(&got[..head]).to_string();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let body = got.len() - head - 4;
    // 1.7 s: at most 3 bytes (0.5, 1.0, 1.5 s) of a body of kilobytes.
    assert!((2..=4).contains(&body), "{body} body bytes after {:?}", t.elapsed());
}

#[test]
fn a_silent_port_accepts_and_never_answers() {
    let sim = with(Faults { silent: true, ..Faults::default() });
    let mut s = std::net::TcpStream::connect(sim.addr()).expect("the connection is accepted");
    use std::io::{Read, Write};
    s.write_all(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n").expect("send");
    s.set_read_timeout(Some(Duration::from_millis(700))).expect("timeout");
    let mut buf = [0u8; 16];
    let r = s.read(&mut buf);
    assert!(
        r.as_ref().is_err_and(
            |e| e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut
        ),
        "{r:?}"
    );
}

#[test]
fn a_200_that_is_not_a_list() {
    let sim = with(Faults {
        wrong_200: Some(Wrong200 { body: Wrong200Body::Status, list: ListOf::Nodes }),
        ..Faults::default()
    });
    let (s, v) = get_json(&sim, "/api/v1/nodes");
    assert_eq!(s, 200);
    assert_eq!(v["kind"], "Status");
    assert!(v.get("items").is_none());
    // Other lists and single GETs are unaffected.
    assert_eq!(get_json(&sim, "/api/v1/nodes/laptop").1["kind"], "Node");
    assert_eq!(get_json(&sim, "/api/v1/pods").1["kind"], "PodList");
    let sim = with(Faults {
        wrong_200: Some(Wrong200 { body: Wrong200Body::Object, list: ListOf::PodMetrics }),
        ..Faults::default()
    });
    let (s, v) = get_json(&sim, "/apis/metrics.k8s.io/v1beta1/pods");
    assert_eq!((s, v["kind"].as_str()), (200, Some("PodMetrics")));
    assert!(v.get("items").is_none());
}

#[test]
fn node_metrics_can_omit_nodes_not_scraped_yet() {
    let sim =
        Sim::start(SimConfig::multinode().with_faults(Faults { omit_node_metrics: 1, ..Faults::default() }))
            .expect("start");
    let full = Sim::start(SimConfig::multinode()).expect("start");
    let all = names(&list_all(&full, "/apis/metrics.k8s.io/v1beta1/nodes", 100));
    let nm = names(&list_all(&sim, "/apis/metrics.k8s.io/v1beta1/nodes", 100));
    assert_eq!(nm.len() + 1, all.len(), "{nm:?} of {all:?}");
    let omitted = all.iter().find(|n| !nm.contains(n)).expect("one node left out");
    assert_status(&get(&sim, &format!("/apis/metrics.k8s.io/v1beta1/nodes/{omitted}")), 404, "NotFound");
}

#[test]
fn ignored_field_selectors_serve_finished_pods() {
    let q = "/api/v1/pods?fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed";
    let honoured = with(Faults::default());
    assert_eq!(get_json(&honoured, q).1["items"].as_array().map(Vec::len), Some(14));
    let ignoring = with(Faults { ignore_field_selector: true, ..Faults::default() });
    let items = get_json(&ignoring, q).1["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 16);
    let phases: Vec<&str> = items
        .iter()
        .filter_map(|p| p["status"]["phase"].as_str())
        .filter(|p| *p != "Running" && *p != "Pending")
        .collect();
    assert_eq!(phases.len(), 2, "{phases:?}");
}

#[test]
fn bad_quantities_break_the_first_node() {
    let sim = with(Faults { bad_quantities: true, ..Faults::default() });
    let (_, n) = get_json(&sim, "/api/v1/nodes");
    assert_eq!(n["items"][0]["status"]["allocatable"]["memory"], "12Gx");
    let (_, m) = get_json(&sim, "/apis/metrics.k8s.io/v1beta1/nodes");
    assert_eq!(m["items"][0]["usage"]["memory"], "1.5.3Gi");
}
