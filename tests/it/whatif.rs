//! What-if from the command line: the Vault upgrade of the seed analysis (exact bytes),
//! --add/--remove/--replace, scenario errors, and recommend on a changed profile.

use crate::common::{bizo, fixture};
use serde_json::Value;

const MI: u64 = 1 << 20;

fn run(args: &[&str]) -> (i32, String, String) {
    let home = tempfile::tempdir().expect("temp dir");
    let out =
        bizo(home.path()).current_dir(env!("CARGO_MANIFEST_DIR")).args(args).output().expect("run bizo-plan");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn json(args: &[&str]) -> Value {
    let (code, out, err) = run(args);
    assert!(code == 0 || code == 1, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn b(v: &Value) -> u64 {
    v["bytes"].as_u64().unwrap_or_else(|| panic!("not a memory figure: {v}"))
}

#[test]
fn the_vault_upgrade_of_the_seed_analysis() {
    let v = json(&[
        "check",
        "--replay",
        "--no-tiers",
        "-o",
        "json",
        "--scenario",
        "examples/scenarios/vault-upgrade.yaml",
    ]);
    let w = &v["whatIf"];
    assert_eq!(w["scenario"], "vault-upgrade");
    let c = &w["changes"][0];
    assert_eq!((c["change"].as_str(), c["service"].as_str()), (Some("replace"), Some("vault-simple")));
    assert_eq!(c["replacement"], "hashicorp-vault");
    assert_eq!(b(&c["memoryBefore"]), 43 * MI);
    assert_eq!(b(&c["memoryAfter"]), 256 * MI);
    assert_eq!(b(&c["peakAfter"]), 512 * MI);
    assert_eq!(c["delta"]["bytes"], 213 * MI);
    // Before: the replayed seed (5.5Gi used + 330Mi planned = 6251610112 B, 75.61% of 7.7Gi).
    assert_eq!(b(&w["before"]["projectedUsed"]), 6_251_610_112);
    assert_eq!(w["before"]["gatedPercent"]["basisPoints"], 7561);
    // After: + (256Mi - 43Mi) = + 223346688 B.
    assert_eq!(b(&w["after"]["projectedUsed"]), 6_251_610_112 + 213 * MI);
    assert_eq!(w["after"]["gatedPercent"]["basisPoints"], 7832);
    // Peak: vault-simple's peak was 2 x 43Mi; HashiCorp Vault's is 512Mi: + 426Mi.
    assert_eq!(b(&w["after"]["peakUsed"]) - b(&w["before"]["peakUsed"]), 426 * MI);
    assert_eq!(w["staysUnderThreshold"], false);
    assert_eq!(
        w["conclusion"],
        "vault-upgrade: projected memory 5.82Gi -> 6.03Gi (75.61% -> 78.32%, 213Mi); does NOT stay under the 70% threshold"
    );
    // The report after the change is the plan with HashiCorp Vault as a service to add.
    let hv = v["services"].as_array().expect("services").iter().find(|s| s["name"] == "hashicorp-vault");
    assert_eq!(hv.expect("the replacement is listed")["status"], "planned");
    assert_eq!(b(&v["workload"]["planned"]), (330 + 256) * MI);
    assert_eq!(v["verdict"]["status"], "TIGHT");

    let (code, table, _) = run(&[
        "check",
        "--replay",
        "--no-tiers",
        "--width",
        "120",
        "--scenario",
        "examples/scenarios/vault-upgrade.yaml",
    ]);
    assert_eq!(code, 0);
    assert!(table.contains("What-if: vault-upgrade"), "{table}");
    assert!(table.contains("vault-simple -> hashicorp-vault"), "{table}");
    assert!(table.contains("does NOT stay under the 70% threshold"), "{table}");
}

#[test]
fn add_remove_and_replace_from_the_command_line() {
    let base = json(&["check", "--replay", "--no-tiers", "-o", "json"]);
    let before = b(&base["host"]["projectedUsed"]);
    let v = json(&[
        "check",
        "--replay",
        "--no-tiers",
        "-o",
        "json",
        "--remove",
        "strategy-agent",
        "--replace",
        "redis-cache=128Mi",
        "--add",
        "search-agent=64Mi,peak=96Mi,cpu=100m,group=ai-agents,replicas=2",
    ]);
    let w = &v["whatIf"];
    assert_eq!(w["scenario"], "command line");
    let kinds: Vec<&str> =
        w["changes"].as_array().expect("changes").iter().filter_map(|c| c["change"].as_str()).collect();
    assert_eq!(kinds, ["remove", "replace", "add"]);
    let redis_before = b(&w["changes"][1]["memoryBefore"]);
    // strategy-agent was planned (50Mi, not running): only its planned memory goes.
    let expected = before - 50 * MI + (128 * MI - redis_before) + 2 * 64 * MI;
    assert_eq!(b(&w["after"]["projectedUsed"]), expected);
    assert_eq!(w["delta"]["bytes"].as_i64(), Some(expected as i64 - before as i64));
    assert!(v["services"].as_array().expect("services").iter().all(|s| s["name"] != "strategy-agent"));
}

#[test]
fn what_if_mistakes_are_bad_input() {
    let (code, out, err) = run(&["check", "--replay", "--remove", "no-such-service"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.starts_with("bizo-plan: error: cannot remove \"no-such-service\": no such service (known: bizosaas-backend-simple,"), "{err}");
    let (code, _, err) = run(&["check", "--replay", "--add", "x=12 Mi"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--add \"x=12 Mi\": memory: invalid quantity"), "{err}");
    let bad = fixture("scenarios/bad-replace.yaml");
    let (code, _, err) = run(&["check", "--replay", "--scenario", bad.to_str().expect("utf-8")]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("bad-replace.yaml:4:5: changes[1]: `replace` needs `with` (the replacement's fields)"),
        "{err}"
    );
    let (code, _, err) = run(&["check", "--replay", "--scenario", "no-such-scenario.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-scenario.yaml: file not found"), "{err}");
}

#[test]
fn recommend_plans_the_changed_profile() {
    let plain = json(&["recommend", "-o", "json"]);
    let v = json(&["recommend", "-o", "json", "--scenario", "examples/scenarios/vault-upgrade.yaml"]);
    assert_eq!(
        v["profileOrigin"],
        "<embedded profiles/bizosaas.yaml> with what-if vault-upgrade (replace vault-simple by hashicorp-vault)"
    );
    let demand = |v: &Value| b(&v["pick"]["servicesMemory"]);
    // recommend sizes by peak (the policy's default sizeBy): HashiCorp Vault's 512Mi against
    // vault-simple's 2 x 43Mi, + 426Mi.
    assert_eq!(demand(&v), demand(&plain) + 426 * MI);
    // Before and after, side by side.
    let w = &v["whatIf"];
    assert_eq!(w["scenario"], "vault-upgrade");
    assert_eq!(w["changes"][0], "replace vault-simple by hashicorp-vault");
    assert_eq!(b(&w["demandBefore"]), demand(&plain));
    assert_eq!(b(&w["demandAfter"]), demand(&v));
    assert_eq!(w["pickBefore"]["name"], plain["pick"]["name"]);
    assert_eq!(w["pickAfter"]["name"], v["pick"]["name"]);
    let conclusion = w["conclusion"].as_str().expect("conclusion");
    assert!(conclusion.starts_with("vault-upgrade: demand 1.82Gi -> 2.23Gi (426Mi); "), "{conclusion}");
    let (_, table, _) =
        run(&["recommend", "--scenario", "examples/scenarios/vault-upgrade.yaml", "--width", "120"]);
    // Wrapped at spaces to the width: the same words.
    let words = table.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains(&format!("What-if {conclusion}")), "{table}");
    // A budget the changed stack no longer fits: the comparison says so.
    let plain_cost = plain["pick"]["monthlyCents"].as_u64().expect("cents");
    let budget = format!("{}.{:02}", plain_cost / 100, plain_cost % 100);
    let tight = json(&["recommend", "-o", "json", "--budget", &budget, "--add", "big=6Gi"]);
    assert_eq!(tight["whatIf"]["pickBefore"]["name"], plain["pick"]["name"]);
    assert!(tight["whatIf"]["pickAfter"].is_null());
    assert!(tight["whatIf"]["conclusion"].as_str().expect("text").ends_with("nothing passes any more"));
}
