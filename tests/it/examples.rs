//! The files in examples/ stay valid: read-only RBAC, a CronJob whose arguments bizo-plan
//! accepts.

use clap::Parser;
use serde_json::Value;

fn docs(file: &str) -> Vec<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(file);
    let text = std::fs::read_to_string(&path).expect("example file");
    bizo_plan::yaml::documents(&text, file).expect("valid YAML")
}

#[test]
fn cluster_role_grants_only_get_and_list_on_what_bizo_plan_reads() {
    let docs = docs("rbac.yaml");
    let role = docs.iter().find(|d| d["kind"] == "ClusterRole").expect("a ClusterRole");
    let mut granted = Vec::new();
    for rule in role["rules"].as_array().expect("rules") {
        let verbs: Vec<&str> =
            rule["verbs"].as_array().expect("verbs").iter().filter_map(Value::as_str).collect();
        assert_eq!(verbs, vec!["get", "list"], "read-only: {rule}");
        for g in rule["apiGroups"].as_array().expect("groups") {
            for r in rule["resources"].as_array().expect("resources") {
                granted.push(format!("{}/{}", g.as_str().expect("group"), r.as_str().expect("resource")));
            }
        }
    }
    granted.sort();
    assert_eq!(
        granted,
        vec!["/namespaces", "/nodes", "/pods", "metrics.k8s.io/nodes", "metrics.k8s.io/pods"]
    );
    let binding = docs.iter().find(|d| d["kind"] == "ClusterRoleBinding").expect("a binding");
    assert_eq!(binding["roleRef"]["name"], role["metadata"]["name"]);
}

#[test]
fn cronjob_runs_a_valid_check_with_in_cluster_config() {
    let docs = docs("cronjob.yaml");
    let cron = docs.iter().find(|d| d["kind"] == "CronJob").expect("a CronJob");
    let pod = &cron["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "bizo-plan");
    let args: Vec<&str> =
        pod["containers"][0]["args"].as_array().expect("args").iter().filter_map(Value::as_str).collect();
    assert_eq!(&args[..3], &["check", "-o", "json"]);
    let cli = bizo_plan::cli::Cli::try_parse_from(std::iter::once("bizo-plan").chain(args.iter().copied()))
        .expect("bizo-plan accepts the CronJob's arguments");
    let bizo_plan::cli::Command::Check(c) = cli.command else { panic!("not check") };
    assert!(c.cluster.require_cluster);
    assert!(c.cluster.kubeconfig.is_none(), "in-cluster configuration, no kubeconfig");
    // The ConfigMap's profile is a valid profile.
    let cm = docs.iter().find(|d| d["kind"] == "ConfigMap").expect("a ConfigMap");
    let text = cm["data"]["profile.yaml"].as_str().expect("profile text");
    bizo_plan::source::files::parse_profile(text, "cronjob.yaml#profile.yaml").expect("valid profile");
}

#[test]
fn github_actions_pipeline_runs_valid_bizo_plan_commands() {
    let doc = docs("github-actions.yml").remove(0);
    let steps = doc["jobs"]["capacity"]["steps"].as_array().expect("steps");
    let script = steps.iter().filter_map(|s| s["run"].as_str()).collect::<Vec<_>>().join("\n");
    let commands: Vec<Vec<&str>> = script
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("bizo-plan "))
        .map(|l| l.split(" > ").next().unwrap_or(l).split_whitespace().collect())
        .collect();
    assert_eq!(commands.len(), 2, "{script}");
    let mut formats = Vec::new();
    for c in &commands {
        let cli = bizo_plan::cli::Cli::try_parse_from(c.iter().copied())
            .unwrap_or_else(|e| panic!("{}: {e}", c.join(" ")));
        formats.push(match cli.command {
            bizo_plan::cli::Command::Check(a) => {
                assert!(a.max_used.is_some() && a.min_available.is_some(), "the check is gated");
                a.output.output
            }
            bizo_plan::cli::Command::Recommend(a) => {
                assert!(a.budget.is_some());
                a.output.output
            }
            other => panic!("unexpected command {other:?}"),
        });
    }
    assert!(formats.iter().all(|f| *f == bizo_plan::render::Format::Markdown));
    assert!(script.contains("gh pr comment"));
}

/// The two-cluster gate, run as written against two simulated clusters named like the
/// workflow's contexts: staging is the roomy multinode cluster, production the TIGHT laptop;
/// the gate fails (exit 1) although staging alone would pass, and names production.
#[test]
fn the_two_cluster_gate_fails_when_one_cluster_is_tight() {
    use bizo_sim::{Sim, SimConfig};
    let doc = docs("github-actions-clusters.yml").remove(0);
    let steps = doc["jobs"]["gate"]["steps"].as_array().expect("steps");
    let line = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .flat_map(str::lines)
        .map(str::trim)
        .find(|l| l.starts_with("bizo-plan check"))
        .expect("the gate's command");
    let args: Vec<String> =
        line.split(" > ").next().expect("command").split_whitespace().skip(1).map(str::to_string).collect();
    // The repository's profile is the embedded default here: drop `-p PATH`.
    let mut run_args = Vec::new();
    let mut it = args.iter().peekable();
    while let Some(a) = it.next() {
        if a == "-p" {
            it.next();
            continue;
        }
        run_args.push(a.clone());
    }
    let staging = Sim::start(SimConfig::multinode()).expect("sim");
    let production = Sim::start(SimConfig::laptop()).expect("sim");
    let dir = tempfile::tempdir().expect("dir");
    let kc = dir.path().join("kubeconfig");
    let mut y = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for (n, s) in [("staging", &staging), ("production", &production)] {
        y.push_str(&format!("- name: {n}\n  cluster:\n    server: {}\n", s.url()));
    }
    y.push_str("users:\n- name: u\n  user: {}\ncontexts:\n");
    for n in ["staging", "production"] {
        y.push_str(&format!("- name: {n}\n  context: {{cluster: {n}, user: u}}\n"));
    }
    std::fs::write(&kc, y).expect("kubeconfig");
    let out = crate::common::bizo(dir.path())
        .env("KUBECONFIG", &kc)
        .args(&run_args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("run the gate");
    let md = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{md}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(md.starts_with("## bizo-plan check: **TIGHT** across 2 clusters"), "{md}");
    assert!(md.contains("cluster production: TIGHT"), "{md}");
    assert!(md.contains("### Cluster `staging`"), "{md}");
}
