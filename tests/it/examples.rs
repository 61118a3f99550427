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
    assert_eq!(granted, vec!["/nodes", "/pods", "metrics.k8s.io/nodes", "metrics.k8s.io/pods"]);
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
