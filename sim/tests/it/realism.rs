//! Behaviours of the real components: metrics-server's unpaginated lists, the apiserver's gzip.

use std::io::Read;

use crate::common::*;
use bizo_sim::{Faults, Sim, SimConfig};

#[test]
fn metrics_lists_ignore_limit_and_continue_like_metrics_server() {
    let sim = Sim::start(SimConfig::generated(40, 10)).expect("start");
    let totals = sim.expected_totals();
    for path in ["/apis/metrics.k8s.io/v1beta1/pods", "/apis/metrics.k8s.io/v1beta1/nodes"] {
        let (s, v) = get_json(&sim, &format!("{path}?limit=5"));
        assert_eq!(s, 200);
        let n = v["items"].as_array().map(Vec::len).unwrap_or_default();
        let want = if path.ends_with("pods") { totals.pod_metrics } else { totals.node_metrics };
        assert_eq!(n, want, "{path}: every item in one body");
        assert!(v["metadata"].get("continue").is_none(), "{}", v["metadata"]);
        assert!(v["metadata"].get("remainingItemCount").is_none());
        // A continue token (even garbage) is ignored, as metrics-server does.
        let (s, v) = get_json(&sim, &format!("{path}?limit=5&continue=xyz"));
        assert_eq!((s, v["items"].as_array().map(Vec::len)), (200, Some(want)));
    }
    // Pods still paginate.
    let (_, p) = get_json(&sim, "/api/v1/pods?limit=5");
    assert_eq!(p["items"].as_array().map(Vec::len), Some(5));
    // The old behaviour on request.
    let sim = Sim::start(
        SimConfig::generated(40, 10).with_faults(Faults { paginate_metrics: true, ..Faults::default() }),
    )
    .expect("start");
    let (_, v) = get_json(&sim, "/apis/metrics.k8s.io/v1beta1/pods?limit=5");
    assert_eq!(v["items"].as_array().map(Vec::len), Some(5));
    assert!(v["metadata"]["continue"].is_string());
}

#[test]
fn large_answers_are_gzipped_at_level_1_when_asked() {
    let sim = Sim::start(SimConfig::generated(40, 10)).expect("start");
    let plain = request(sim.addr(), "GET", "/api/v1/pods?limit=100", &[]);
    assert!(plain.body.len() > 128 * 1024, "{} bytes", plain.body.len());
    assert_eq!(plain.header("content-encoding"), None);
    let gz = request(sim.addr(), "GET", "/api/v1/pods?limit=100", &[("Accept-Encoding", "gzip")]);
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert!(gz.body.len() * 5 < plain.body.len(), "{} -> {} bytes", plain.body.len(), gz.body.len());
    // gzip header: magic, deflate, and XFL 4 = the fastest level.
    assert_eq!(&gz.body[..3], &[0x1f, 0x8b, 8]);
    assert_eq!(gz.body[8], 4, "level 1 sets XFL to 4");
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..]).read_to_end(&mut out).expect("gunzip");
    let a: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(a["items"].as_array().map(Vec::len), Some(100));
    // Small answers (under 128 KiB) are never compressed; q=0 refuses gzip.
    let small = request(sim.addr(), "GET", "/api/v1/pods?limit=2", &[("Accept-Encoding", "gzip")]);
    assert_eq!(small.header("content-encoding"), None);
    let refused = request(sim.addr(), "GET", "/api/v1/pods?limit=100", &[("Accept-Encoding", "gzip;q=0")]);
    assert_eq!(refused.header("content-encoding"), None);
    // The record says what was asked and what was sent.
    let reqs = sim.requests();
    let r = reqs
        .iter()
        .find(|r| r.accept_encoding.as_deref() == Some("gzip") && r.query.as_deref() == Some("limit=100"))
        .expect("recorded");
    assert_eq!(r.content_encoding.as_deref(), Some("gzip"));
    assert_eq!(r.bytes, gz.body.len() as u64);
}
