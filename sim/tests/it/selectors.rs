//! Label and field selectors over HTTP.

use crate::common::*;
use bizo_sim::{Sim, SimConfig};

fn pod_names(sim: &Sim, query: &str) -> Vec<String> {
    let r = get(sim, &format!("/api/v1/pods?{query}"));
    assert_eq!(r.status, 200, "{query}: {}", String::from_utf8_lossy(&r.body));
    names(r.json()["items"].as_array().expect("items"))
}

#[test]
fn field_selectors_on_pods() {
    let sim = Sim::start(SimConfig::laptop()).expect("start");
    let active = pod_names(&sim, "fieldSelector=status.phase!%3DSucceeded,status.phase!%3DFailed");
    assert_eq!(active.len(), 14);
    assert!(!active.contains(&"bizosaas/db-migrate-xyz".to_string()));
    assert!(!active.contains(&"kube-system/helm-install-traefik-crd-k7x2p".to_string()));

    assert_eq!(pod_names(&sim, "fieldSelector=status.phase%3DRunning").len(), 14);
    assert_eq!(pod_names(&sim, "fieldSelector=status.phase%3D%3DSucceeded"), vec!["bizosaas/db-migrate-xyz"]);
    assert_eq!(pod_names(&sim, "fieldSelector=spec.nodeName%3Dlaptop").len(), 16);
    assert_eq!(pod_names(&sim, "fieldSelector=spec.nodeName%3Dother").len(), 0);
    assert_eq!(pod_names(&sim, "fieldSelector=metadata.namespace%3Dkube-system").len(), 3);
    assert_eq!(
        pod_names(&sim, "fieldSelector=metadata.name%3Dredis-cache-7d5f9c8b6d-h6tqx"),
        vec!["bizosaas/redis-cache-7d5f9c8b6d-h6tqx"]
    );
    // Combined with a namespace path.
    let r = get(&sim, "/api/v1/namespaces/kube-system/pods?fieldSelector=status.phase%3DRunning");
    assert_eq!(
        names(r.json()["items"].as_array().expect("items")),
        vec!["kube-system/coredns-ccb96694c-8kz4q", "kube-system/metrics-server-5985cbc9d7-ltw2v"]
    );
}

#[test]
fn field_selectors_on_nodes_and_errors() {
    let sim = Sim::start(SimConfig::multinode()).expect("start");
    let r = get(&sim, "/api/v1/nodes?fieldSelector=metadata.name%3Dworker-2");
    assert_eq!(names(r.json()["items"].as_array().expect("items")), vec!["worker-2"]);
    let r = get(&sim, "/api/v1/nodes?fieldSelector=spec.unschedulable%3Dfalse");
    assert_eq!(r.json()["items"].as_array().map(Vec::len), Some(3));

    let r = get(&sim, "/api/v1/pods?fieldSelector=spec.foo%3Dbar");
    let v = assert_status(&r, 400, "BadRequest");
    assert_eq!(v["message"], "field label not supported: spec.foo");
    let r = get(&sim, "/api/v1/nodes?fieldSelector=spec.nodeName%3Dx");
    let v = assert_status(&r, 400, "BadRequest");
    assert_eq!(v["message"], "field label not supported: spec.nodeName");
    let r = get(&sim, "/api/v1/pods?fieldSelector=garbage");
    assert_status(&r, 400, "BadRequest");
}

#[test]
fn label_selectors() {
    let sim = Sim::start(SimConfig::multinode()).expect("start");
    let q = |sel: &str| {
        let enc = sel
            .replace(' ', "%20")
            .replace('=', "%3D")
            .replace('!', "%21")
            .replace('(', "%28")
            .replace(')', "%29");
        pod_names(&sim, &format!("labelSelector={enc}"))
    };
    assert_eq!(q("app=web"), vec!["shop/web-7c9d8f6b5-m3kfh", "shop/web-7c9d8f6b5-q2wxz"]);
    assert_eq!(q("app==web"), q("app=web"));
    assert_eq!(q("app=web,tier=frontend").len(), 2);
    assert_eq!(q("app in (db,cache)"), vec!["shop/cache-0", "shop/db-0"]);
    assert_eq!(q("k8s-app").len(), 4, "exists: the kube-proxy pods");
    assert_eq!(q("!app").len(), 18 - 8, "pods without an app label");
    assert_eq!(q("app!=web").len(), 18 - 2, "!= also matches pods without the label");
    assert_eq!(
        q("app,app notin (web,api,mesh)"),
        vec!["shop/cache-0", "shop/db-0", "shop/sandbox-7b6c5d4f8-k9wzt"]
    );
    assert_eq!(q("tier=control-plane,component=etcd"), vec!["kube-system/etcd-cp-1"]);

    // Nodes and metrics honour label selectors too.
    let r = get(&sim, "/api/v1/nodes?labelSelector=node-role.kubernetes.io%2Fcontrol-plane");
    assert_eq!(names(r.json()["items"].as_array().expect("items")), vec!["cp-1"]);
    let r = get(&sim, "/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Dweb");
    assert_eq!(
        names(r.json()["items"].as_array().expect("items")),
        vec!["shop/web-7c9d8f6b5-q2wxz"],
        "the web pod on the NotReady node has no metrics"
    );

    let r = get(&sim, "/api/v1/pods?labelSelector=app%3D%28");
    let v = assert_status(&r, 400, "BadRequest");
    assert!(v["message"].as_str().unwrap_or_default().starts_with("unable to parse requirement"));
}
