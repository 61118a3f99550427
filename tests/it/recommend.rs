//! `recommend` end to end on the embedded profile and catalog: picks, reasons, exit codes.

use crate::common::{bizo, fixture};
use serde_json::Value;

fn run(args: &[&str]) -> (i32, String, String) {
    let home = tempfile::tempdir().expect("temp dir");
    let out = bizo(home.path()).args(args).output().expect("run bizo-plan");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn json(args: &[&str]) -> (i32, Value) {
    let mut a = vec!["recommend", "-o", "json"];
    a.extend_from_slice(args);
    let (code, out, err) = run(&a);
    (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}")))
}

fn rejected<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("{name} not rejected"))
}

#[test]
fn budgets_30_50_80_200_pick_the_cheapest_passing_option() {
    for budget in ["30", "50", "80", "200"] {
        let (code, v) = json(&["--budget", budget]);
        assert_eq!(code, 0, "budget {budget}");
        assert_eq!(v["schemaVersion"], 1);
        assert_eq!(v["command"], "recommend");
        // 18 replicas at peak (2 x typical): 1860Mi and 18 x 100m.
        assert_eq!(v["replicas"], 18);
        assert_eq!(v["demandMemory"]["bytes"], 1860u64 << 20);
        assert_eq!(v["demandCpu"]["millicores"], 1800);
        let pick = &v["pick"];
        // Hetzner CX33: 4 vCPU / 8Gi, k3s. Allocatable 8Gi - 4% kernel share = 8246337208 bytes
        // (k3s reserves nothing); 8.49 EUR x 1.08 = 9.1692 -> 9.17 USD (rounded up to a cent).
        assert_eq!(pick["name"], "hetzner CX33", "budget {budget}");
        assert_eq!(pick["monthly"], "9.17 USD");
        assert_eq!(pick["capacityMemory"]["bytes"], 8_246_337_208u64);
        // What the node runs: the OS (180M, k0s' measurement) and a k3s server with a workload
        // (1596M, docs.k3s.io Resource Profiling).
        assert_eq!(pick["overheadMemory"]["bytes"], 1_776_000_000u64);
        assert_eq!(pick["roles"], serde_json::json!(["server"]));
        // The system pods at their limits (sized by peak): CoreDNS 170Mi, metrics-server 70Mi
        // (no limit: its request), Traefik 150Mi.
        assert_eq!(pick["systemPodsMemory"]["bytes"], 390u64 << 20);
        assert_eq!(pick["servicesMemory"]["bytes"], 1860u64 << 20);
        // 1 - (1776000000 + 408944640 + 1950351360) / 8246337208 = 49.85%.
        assert_eq!(pick["memoryHeadroom"]["display"], "49.85%");
        // cpu 1800m services + 300m system pods + 60m k3s of 4000m: 46% left.
        assert_eq!(pick["cpuHeadroom"]["display"], "46%");
        assert_eq!(pick["limiting"], "cpu");
        assert_eq!(pick["passes"], true);
        let parts: Vec<&str> = pick["nodeBudgets"][0]["parts"]
            .as_array()
            .expect("parts")
            .iter()
            .map(|p| p["part"].as_str().expect("part"))
            .collect();
        assert_eq!(parts, ["os", "k3s server"]);
        assert!(
            pick["nodeBudgets"][0]["parts"][1]["source"]
                .as_str()
                .expect("source")
                .contains("Resource Profiling")
        );
    }
    // Cheaper options are rejected for a stated reason.
    let (_, v) = json(&["--budget", "30"]);
    // CX23 (2 vCPU, 4Gi): 4123168604 allocatable - 1776000000 for the node = 2347168604 for
    // pods, 2359296000 wanted (1860Mi + 390Mi): short by 12127396 bytes = 11.57Mi; cpu 1940m
    // for 2100m.
    let cx23 = rejected(&v, "hetzner CX23");
    assert_eq!(
        cx23["reasons"][0],
        "memory short by 11.57Mi, cpu short by 160m: the load exceeds what every node together has for pods"
    );
    let cax21 = rejected(&v, "hetzner CAX21");
    assert_eq!(
        cax21["reasons"][0],
        "price confidence unverified is below the required third-party (--confidence)"
    );
    // Past the pick, over-budget options are listed with the amount, not placed.
    let tier = v["notEvaluated"]
        .as_array()
        .expect("not evaluated")
        .iter()
        .find(|e| e["name"] == "strategy-2-balanced")
        .expect("listed");
    assert_eq!(tier["reason"], "over budget by 50.00 USD");
    assert_eq!(tier["monthly"], "80.00 USD");
    // No option whose nodes are under the distribution's minimum passes: 1 GiB managed nodes.
    let tiny = rejected(&v, "digitalocean Basic Regular 1 GiB");
    assert_eq!(
        tiny["reasons"][0],
        "node (1 vCPU, 1Gi) is below the managed worker minimum of 1 vCPU and 2G RAM"
    );
    let tiny = rejected(&v, "digitalocean Basic Regular 512 MiB");
    assert_eq!(
        tiny["reasons"][1],
        "managed worker needs about 252Mi on node; the node has 136.52Mi allocatable, which leaves 0B for pods: no room for the largest replica (bizosaas-backend-simple, 238Mi)"
    );
    for option in
        v["rejected"].as_array().expect("rejected").iter().chain(v["alternatives"].as_array().expect("alt"))
    {
        let name = option["name"].as_str().expect("name");
        let small = ["512 MiB", "1 GiB", "1GB", "1 GB", "0.5 GB"].iter().any(|s| name.contains(s));
        assert!(!(small && option["passes"] == true), "{name} passes on nodes under the minimum");
    }
}

#[test]
fn ha_needs_three_nodes_that_survive_a_loss() {
    let (code, v) = json(&["--budget", "200", "--ha"]);
    assert_eq!(code, 0);
    let pick = &v["pick"];
    // Each price converts separately, rounded up to a cent: 5.49 EUR x 1.08 = 5.9292 -> 5.93 USD
    // per node, 5.39 EUR x 1.08 = 5.8212 -> 5.83 USD for the load balancer: 3 x 5.93 + 5.83 = 23.62.
    assert_eq!(pick["name"], "hetzner CX23 x3");
    assert_eq!(pick["monthly"], "23.62 USD");
    assert_eq!(pick["survivesNodeLoss"], true);
    // Three identical nodes: one loss stands for all.
    assert_eq!(pick["nodeLoss"].as_array().map(Vec::len), Some(1));
    assert_eq!(pick["nodeLoss"][0]["node"], "any of 3 identical nodes");
    assert_eq!(pick["nodeLoss"][0]["survives"], true);
    // HA k3s with embedded etcd: each of the three nodes runs a server (1606M + the OS 180M).
    assert_eq!(pick["roles"], serde_json::json!(["server-ha", "server-ha", "server-ha"]));
    assert_eq!(pick["overheadMemory"]["bytes"], 3 * 1_786_000_000u64);
    assert_eq!(pick["memoryHeadroom"]["display"], "36.9%");
    let single = rejected(&v, "hetzner CX33");
    assert_eq!(single["reasons"][0], "not HA: 1 workload node(s) without a redundant control plane");
    let shapes: Vec<(String, Value)> = v["byShape"]
        .as_array()
        .expect("shapes")
        .iter()
        .map(|s| (s["shape"].as_str().expect("shape").to_string(), s["option"].clone()))
        .collect();
    assert_eq!(shapes[0], ("single-node".into(), Value::Null));
    assert_eq!(shapes[2], ("ha".into(), Value::String("hetzner CX23 x3".into())));
}

#[test]
fn nothing_within_budget_exits_1_naming_the_cheapest_that_fits() {
    let (code, out, _) = run(&["recommend", "--budget", "5", "--width", "200"]);
    assert_eq!(code, 1);
    assert!(out.contains("\nNothing passes within the budget\n───"), "{out}");
    assert!(!out.contains("none passes"), "no table of shapes that says nothing: {out}");
    assert!(
        out.contains(
            "The cheapest option that would fit: hetzner CX33 at 9.17 USD per month (1 x 8.49 EUR)."
        ),
        "{out}"
    );
    let (code, v) = json(&["--budget", "5"]);
    assert_eq!(code, 1);
    assert_eq!(v["pick"], Value::Null);
    assert_eq!(v["cheapestOverBudget"]["name"], "hetzner CX33");
}

#[test]
fn provider_and_currency() {
    let (code, v) = json(&["--budget", "100", "--provider", "digitalocean"]);
    assert_eq!(code, 0);
    // 2 vCPU plans leave too little cpu (1800m of 1930m allocatable under the GKE formula).
    assert_eq!(v["pick"]["name"], "digitalocean Basic Regular 4 vCPU 8 GiB");
    assert_eq!(v["pick"]["monthly"], "48.00 USD");
    assert_eq!(v["pick"]["distribution"], "managed");
    let (code, v) = json(&["--budget", "10", "--currency", "EUR"]);
    assert_eq!(code, 0);
    assert_eq!(v["pick"]["monthly"], "8.49 EUR");
    assert_eq!(v["budget"], "10.00 EUR");
    let (code, _, err) = run(&["recommend", "--currency", "GBP"]);
    assert_eq!(code, 2);
    assert!(err.contains("--currency GBP: no exchange rate (known: EUR, USD)"), "{err}");
    let (code, v) = json(&["--budget", "10", "--currency", "GBP", "--rate", "GBP=1.25"]);
    assert_eq!(code, 0, "{v}");
    // 9.17 USD-equivalent: 8.49 EUR x 1.08 / 1.25 = 7.33536 -> 7.34 GBP.
    assert_eq!(v["pick"]["monthly"], "7.34 GBP");
}

#[test]
fn clients_are_sized_from_per_client_costs() {
    let (code, v) = json(&["--clients", "300", "--budget", "80"]);
    assert_eq!(code, 0);
    assert_eq!(v["requirements"][1], "300 concurrent clients");
    let pick = &v["pick"];
    assert!(pick["maxClients"].as_u64().expect("max clients") >= 300);
    let tier = rejected(&v, "strategy-1-single-node");
    assert!(
        tier["reasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .any(|r| r.as_str().is_some_and(|s| s.starts_with("too few clients: sustains 136 < 300"))),
        "{tier}"
    );
}

#[test]
fn bad_usage_and_bad_catalogs_exit_2() {
    let (code, _, err) = run(&["recommend", "--provider", "aws"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--provider aws: not in the catalog (known: digitalocean, linode, vultr, hetzner)"),
        "{err}"
    );
    let (code, _, err) = run(&["recommend", "--budget", "eighty"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("invalid value 'eighty' for '--budget <AMOUNT>': invalid price \"eighty\""),
        "{err}"
    );
    let p = fixture("profiles/no-host.yaml");
    let (code, _, err) = run(&["recommend", "--clients", "10", "-p", p.to_str().expect("utf-8")]);
    assert_eq!(code, 2);
    assert!(err.contains("--clients: profile nohost gives no perClient costs"), "{err}");
    let dir = tempfile::tempdir().expect("dir");
    let bad_price = dir.path().join("price.yaml");
    std::fs::write(
        &bad_price,
        "tiers:\n  - name: t\n    price: \"4O USD\"\n    nodes: [{name: a, vcpus: 1, memory: 1Gi}]\n",
    )
    .expect("write");
    let (code, _, err) = run(&["recommend", "--tiers", bad_price.to_str().expect("utf-8")]);
    assert_eq!(code, 2);
    assert!(
        err.contains("price.yaml:3:12: tiers[0].price: invalid price \"4O USD\": expected a non-negative amount such as 48 or 31.49"),
        "{err}"
    );
    let bad_model = dir.path().join("model.yaml");
    std::fs::write(&bad_model, "tiers:\n  - name: t\n    price: 40\n    reservation: {model: openshift}\n    nodes: [{name: a, vcpus: 1, memory: 1Gi}]\n").expect("write");
    let (code, _, err) = run(&["recommend", "--tiers", bad_model.to_str().expect("utf-8")]);
    assert_eq!(code, 2);
    assert!(
        err.contains("model.yaml:4:") && err.contains("tiers[0].reservation") && err.contains("openshift"),
        "{err}"
    );
}

#[test]
fn max_used_is_the_headroom_gate_of_check() {
    // CX33 is filled to 54% cpu (50.15% memory): --max-used 40 rejects it (headroom 46% < 60%),
    // --max-used 55 keeps it.
    let (_, v) = json(&["--budget", "80", "--max-used", "55"]);
    assert_eq!(v["pick"]["name"], "hetzner CX33");
    assert_eq!(v["requirements"][0], "headroom >= 45%");
    let (_, v) = json(&["--budget", "80", "--max-used", "40"]);
    assert_ne!(v["pick"]["name"], "hetzner CX33");
    assert_eq!(
        rejected(&v, "hetzner CX33")["reasons"][0],
        "below headroom: cpu headroom 46% on node < required 60%"
    );
    let (code, _, err) = run(&["recommend", "--max-used", "50", "--min-headroom", "30"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn markdown_and_table_name_the_pick() {
    let (code, out, _) = run(&["recommend", "--budget", "80", "-o", "markdown"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("## bizo-plan recommend: **hetzner CX33 at 9.17 USD per month**\n"), "{out}");
    // The answer comes first in Markdown, with its price breakdown.
    assert!(
        out.contains("\n**Recommended: hetzner CX33 at 9.17 USD per month**\n\nPriced as 1 x 8.49 EUR.\n"),
        "{out}"
    );
    assert!(out.find("**Recommended:") < out.find("### Options"), "{out}");
    let (code, out, _) = run(&["recommend", "--budget", "80", "--width", "200"]);
    assert_eq!(code, 0);
    // In a terminal it comes last, where the eye lands when the command returns.
    assert!(out.contains("\nRecommended: hetzner CX33 at 9.17 USD per month\n───"), "{out}");
    assert!(out.contains("Priced as 1 x 8.49 EUR."), "{out}");
    assert!(out.contains("│ ha (survives the loss of a node) ┆ hetzner CX23 x3 ┆ 23.62 USD │"), "{out}");
}
