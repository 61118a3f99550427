//! Pagination: every item exactly once across pages, remainingItemCount,
//! continue tokens that are consistent, scoped and validated.

use std::collections::HashSet;

use crate::common::*;
use bizo_sim::{Sim, SimConfig};

fn assert_exactly_once(all: &[String], expected_len: usize) {
    let set: HashSet<&String> = all.iter().collect();
    assert_eq!(set.len(), all.len(), "an item was listed twice");
    assert_eq!(all.len(), expected_len, "an item is missing");
}

#[test]
fn laptop_pods_every_limit_lists_each_pod_once() {
    let sim = Sim::start(SimConfig::laptop()).expect("start");
    let unpaged = names(&get_json(&sim, "/api/v1/pods").1["items"].as_array().cloned().unwrap_or_default());
    assert_eq!(unpaged.len(), 16);
    for limit in [1, 7, 500] {
        let pages = list_pages(&sim, "/api/v1/pods", limit);
        assert_eq!(pages.len(), 16usize.div_ceil(limit), "limit {limit}");
        let all: Vec<String> = pages.iter().flat_map(|p| names(&p.items)).collect();
        assert_exactly_once(&all, 16);
        assert_eq!(all, unpaged, "paged order equals the unpaged order");
        let mut seen = 0;
        for (i, p) in pages.iter().enumerate() {
            assert_eq!(p.kind, "PodList");
            assert!(p.items.len() <= limit);
            assert_eq!(p.meta["resourceVersion"], "48213");
            seen += p.items.len();
            if i + 1 < pages.len() {
                assert_eq!(p.meta["remainingItemCount"], (16 - seen) as u64, "page {i} limit {limit}");
                assert!(p.meta["continue"].is_string());
            } else {
                assert!(p.meta.get("remainingItemCount").is_none());
                assert!(p.meta.get("continue").is_none());
            }
        }
    }
}

#[test]
fn generated_lists_each_object_once() {
    let sim = Sim::start(SimConfig::generated(23, 11)).expect("start");
    let total = 23 * 11;
    for limit in [1, 7, 500] {
        let all = names(&list_all(&sim, "/api/v1/pods", limit));
        assert_exactly_once(&all, total);
        let nodes = names(&list_all(&sim, "/api/v1/nodes", limit));
        assert_exactly_once(&nodes, 23);
        let mut sorted = nodes.clone();
        sorted.sort();
        assert_eq!(nodes, sorted, "nodes are listed in name order");
    }
    // Metrics lists paginate too and agree with the totals.
    let totals = sim.expected_totals();
    for limit in [7, 500] {
        let pm = names(&list_all(&sim, "/apis/metrics.k8s.io/v1beta1/pods", limit));
        assert_exactly_once(&pm, totals.pod_metrics);
        let nm = names(&list_all(&sim, "/apis/metrics.k8s.io/v1beta1/nodes", limit));
        assert_exactly_once(&nm, totals.node_metrics);
    }
}

#[test]
fn namespaced_pagination_stays_in_its_namespace() {
    let sim = Sim::start(SimConfig::generated(20, 12)).expect("start");
    let everything = list_all(&sim, "/api/v1/pods", 500);
    let mut by_ns: std::collections::BTreeMap<String, usize> = Default::default();
    for p in &everything {
        *by_ns.entry(p["metadata"]["namespace"].as_str().unwrap_or_default().to_string()).or_default() += 1;
    }
    assert!(by_ns.len() >= 3, "{by_ns:?}");
    for (ns, count) in &by_ns {
        let path = format!("/api/v1/namespaces/{ns}/pods");
        let pages = list_pages(&sim, &path, 7);
        let items: Vec<_> = pages.iter().flat_map(|p| p.items.clone()).collect();
        assert_eq!(items.len(), *count, "{ns}");
        assert!(items.iter().all(|i| i["metadata"]["namespace"] == ns.as_str()));
        // remainingItemCount counts only this namespace.
        if pages.len() > 1 {
            assert_eq!(pages[0].meta["remainingItemCount"], (count - 7) as u64);
        }
        let metrics = list_all(&sim, &format!("/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods"), 5);
        assert!(metrics.iter().all(|i| i["metadata"]["namespace"] == ns.as_str()));
    }
    // An unknown namespace is an empty list, not an error.
    let (status, v) = get_json(&sim, "/api/v1/namespaces/nope/pods?limit=5");
    assert_eq!(status, 200);
    assert_eq!(v["items"].as_array().map(Vec::len), Some(0));
    assert!(v["metadata"].get("continue").is_none());
}

#[test]
fn selectors_with_pagination_fill_pages_and_omit_remaining_count() {
    let sim = Sim::start(SimConfig::generated(20, 12)).expect("start");
    let filtered = "/api/v1/pods?fieldSelector=status.phase%3DRunning";
    let unpaged = names(&get_json(&sim, filtered).1["items"].as_array().cloned().unwrap_or_default());
    assert!(unpaged.len() > 100);
    let pages = list_pages(&sim, filtered, 50);
    let all: Vec<String> = pages.iter().flat_map(|p| names(&p.items)).collect();
    assert_eq!(all, unpaged);
    for p in &pages[..pages.len() - 1] {
        assert_eq!(p.items.len(), 50, "non-final pages are full");
        assert!(p.meta.get("remainingItemCount").is_none(), "unknown with a selector");
    }
}

#[test]
fn continue_tokens_are_validated() {
    let sim = Sim::start(SimConfig::laptop()).expect("start");
    let (_, first) = get_json(&sim, "/api/v1/pods?limit=3");
    let token = first["metadata"]["continue"].as_str().expect("token").to_string();

    // Garbage and tokens of other lists are 400 BadRequest Status objects.
    for bad in ["%%%%", "not-a-token", "eyJ2IjoieCJ9"] {
        let r = get(&sim, &format!("/api/v1/pods?limit=3&continue={bad}"));
        let v = assert_status(&r, 400, "BadRequest");
        assert!(v["message"].as_str().unwrap_or_default().contains("continue"), "{v}");
    }
    let r = get(&sim, &format!("/api/v1/nodes?limit=3&continue={token}"));
    assert_status(&r, 400, "BadRequest");
    let r = get(&sim, &format!("/api/v1/namespaces/bizosaas/pods?limit=3&continue={token}"));
    assert_status(&r, 400, "BadRequest");
    let r = get(&sim, "/api/v1/pods?limit=abc");
    assert_status(&r, 400, "BadRequest");

    // The same token always yields the same page.
    let a = get(&sim, &format!("/api/v1/pods?limit=3&continue={token}")).json();
    let b = get(&sim, &format!("/api/v1/pods?limit=3&continue={token}")).json();
    assert_eq!(names(a["items"].as_array().expect("items")), names(b["items"].as_array().expect("items")));
    assert_eq!(a["metadata"]["continue"], b["metadata"]["continue"]);
}

#[test]
fn list_items_have_no_kind_but_single_objects_do() {
    let sim = Sim::start(SimConfig::laptop()).expect("start");
    for (path, kind, api) in [
        ("/api/v1/pods", "PodList", "v1"),
        ("/api/v1/nodes", "NodeList", "v1"),
        ("/apis/metrics.k8s.io/v1beta1/nodes", "NodeMetricsList", "metrics.k8s.io/v1beta1"),
        ("/apis/metrics.k8s.io/v1beta1/pods", "PodMetricsList", "metrics.k8s.io/v1beta1"),
    ] {
        let (status, v) = get_json(&sim, path);
        assert_eq!(status, 200);
        assert_eq!(v["kind"], kind);
        assert_eq!(v["apiVersion"], api);
        let items = v["items"].as_array().expect("items");
        assert!(!items.is_empty());
        assert!(items.iter().all(|i| i.get("kind").is_none() && i.get("apiVersion").is_none()));
    }
    let (status, pod) = get_json(&sim, "/api/v1/namespaces/kube-system/pods/coredns-ccb96694c-8kz4q");
    assert_eq!(status, 200);
    assert_eq!(pod["kind"], "Pod");
    assert_eq!(pod["apiVersion"], "v1");
    assert_eq!(pod["spec"]["nodeName"], "laptop");
    let (status, node) = get_json(&sim, "/api/v1/nodes/laptop");
    assert_eq!(status, 200);
    assert_eq!(node["kind"], "Node");
    assert_eq!(node["status"]["allocatable"]["memory"], "8073216Ki");
    let (status, nm) = get_json(&sim, "/apis/metrics.k8s.io/v1beta1/nodes/laptop");
    assert_eq!(status, 200);
    assert_eq!(nm["kind"], "NodeMetrics");
    assert_eq!(nm["usage"]["memory"], "5767168Ki");
    let r = get(&sim, "/api/v1/namespaces/bizosaas/pods/missing");
    let v = assert_status(&r, 404, "NotFound");
    assert_eq!(v["message"], "pods \"missing\" not found");
    assert_eq!(v["details"]["name"], "missing");
}

#[test]
fn namespaces_are_listed_in_name_order_page_by_page() {
    let sim = Sim::start(SimConfig::generated(12, 20)).expect("start");
    let (status, v) = get_json(&sim, "/api/v1/namespaces");
    assert_eq!(status, 200);
    assert_eq!(v["kind"], "NamespaceList");
    let all = names(v["items"].as_array().expect("items"));
    assert_eq!(
        all,
        [
            "default",
            "kube-node-lease",
            "kube-public",
            "kube-system",
            "monitoring",
            "svc-analytics",
            "svc-billing",
            "svc-catalog",
            "svc-checkout",
            "svc-identity",
            "svc-search"
        ]
    );
    assert_eq!(sim.namespaces(), all);
    assert_eq!(v["items"][4]["status"]["phase"], "Active");
    assert_eq!(v["items"][4]["metadata"]["labels"]["kubernetes.io/metadata.name"], "monitoring");
    let pages = list_pages(&sim, "/api/v1/namespaces", 4);
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[0].meta["remainingItemCount"], 7);
    let paged: Vec<String> = pages.iter().flat_map(|p| names(&p.items)).collect();
    assert_eq!(paged, all);
    // Every namespace's pod list, concatenated in that order, is the cluster-wide list.
    let per_ns: Vec<String> = all
        .iter()
        .flat_map(|ns| {
            names(
                &get_json(&sim, &format!("/api/v1/namespaces/{ns}/pods")).1["items"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
            )
        })
        .collect();
    let cluster = names(&get_json(&sim, "/api/v1/pods").1["items"].as_array().cloned().unwrap_or_default());
    assert_eq!(per_ns, cluster);
}

#[test]
fn pods_are_in_etcd_key_order() {
    // `a-b/x` sorts before `a/y` in the apiserver (its keys are `.../pods/NAMESPACE/NAME` and
    // `-` is before `/`), although the namespace `a` sorts before `a-b`.
    let yaml = "nodes:\n  - name: n1\n    capacity: {cpu: \"8\", memory: 16Gi, pods: \"110\"}\npods:\n  - {namespace: a, name: y, nodeName: n1, containers: [{name: c}]}\n  - {namespace: a-b, name: x, nodeName: n1, containers: [{name: c}]}\n";
    let scenario = bizo_sim::Scenario::from_yaml_str(yaml).expect("scenario");
    let sim = Sim::start(SimConfig::scenario(scenario)).expect("start");
    let pods = names(&get_json(&sim, "/api/v1/pods").1["items"].as_array().cloned().unwrap_or_default());
    assert_eq!(pods, ["a-b/x", "a/y"]);
    let ns = names(&get_json(&sim, "/api/v1/namespaces").1["items"].as_array().cloned().unwrap_or_default());
    assert_eq!(&ns[..2], ["a", "a-b"]);
    for (ns, pod) in [("a", "a/y"), ("a-b", "a-b/x")] {
        let items = get_json(&sim, &format!("/api/v1/namespaces/{ns}/pods")).1["items"].as_array().cloned();
        assert_eq!(names(&items.unwrap_or_default()), [pod]);
    }
}
