//! The binary end to end: exit codes, formats, `--explain`, snapshots of the replayed seed.

use crate::common::{bizo, fixture};
use serde_json::Value;

fn home() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn run(args: &[&str]) -> (i32, String, String) {
    let h = home();
    let out = bizo(h.path()).args(args).output().expect("run bizo-plan");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

fn json(args: &[&str]) -> (i32, Value) {
    let (code, out, err) = run(args);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\nstderr: {err}"));
    (code, v)
}

#[test]
fn cli_definition_is_consistent() {
    use clap::CommandFactory;
    bizo_plan::cli::Cli::command().debug_assert();
}

#[test]
fn replay_json_reproduces_the_seed_numbers() {
    let (code, raw, _) = run(&["check", "--replay", "-o", "json"]);
    assert_eq!(code, 0, "TIGHT exits 0 without --fail-on tight");
    let v: Value = serde_json::from_str(&raw).expect("json");
    assert_eq!(v["schemaVersion"], 1);
    assert_eq!(v["command"], "check");
    assert_eq!(v["baseline"], "replay");
    assert_eq!(v["profileOrigin"], "<embedded profiles/bizosaas.yaml>");
    assert_eq!(v["workload"]["current"]["bytes"], 600u64 << 20);
    assert_eq!(v["workload"]["current"]["display"], "600Mi");
    assert_eq!(v["workload"]["planned"]["display"], "330Mi");
    assert_eq!(v["workload"]["projected"]["bytes"], 930u64 << 20);
    assert_eq!(v["workload"]["projected"]["display"], "930Mi");
    assert_eq!(v["host"]["projectedAvailable"]["bytes"], 1_694_079_386i64);
    assert_eq!(v["host"]["projectedAvailable"]["display"], "1.58Gi");
    assert_eq!(v["host"]["projectedUsedPercent"]["basisPoints"], 7561);
    assert_eq!(v["host"]["projectedUsedPercent"]["display"], "75.61%");
    assert_eq!(v["host"]["projectedUnavailablePercent"]["display"], "79.51%");
    assert_eq!(v["verdict"]["status"], "TIGHT");
    assert_eq!(v["verdict"]["failed"], false);
    assert_eq!(v["headroom"]["moreServicesFit"], 0);
    assert_eq!(v["services"].as_array().map(Vec::len), Some(18));
    insta::assert_snapshot!("replay_json", raw);
}

#[test]
fn replay_table_snapshot() {
    let (code, out, err) = run(&["check", "--replay", "--width", "100"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Verdict: TIGHT"));
    assert!(!out.contains("\x1b["), "no colour when stdout is not a terminal");
}

/// Every line fits the width (box-drawing characters are one column each) and no word of the
/// output is longer than it would be unbroken: checked on the text, whatever the snapshot says.
fn assert_fits(what: &str, out: &str, width: usize) {
    for (i, l) in out.lines().enumerate() {
        let w = l.chars().count();
        assert!(w <= width, "{what} at {width}: line {} is {w} columns: {l:?}\n{out}", i + 1);
    }
}

/// The table output of every command at 80, 100, 120 and 160 columns, as snapshots; every line
/// of it, prose included, fits.
#[test]
fn every_command_fits_80_100_120_and_160_columns() {
    let scenario = fixture("../examples/scenarios/vault-upgrade.yaml");
    let scenario = scenario.to_str().expect("utf-8 path");
    let commands: [(&str, Vec<&str>); 5] = [
        ("check", vec!["check", "--replay"]),
        ("whatif", vec!["check", "--replay", "--scenario", scenario]),
        ("recommend", vec!["recommend", "--budget", "80"]),
        ("recommend_ha", vec!["recommend", "--budget", "80", "--ha"]),
        ("forecast", vec!["forecast", "--growth", "15%/month", "--months", "12"]),
    ];
    for (name, args) in &commands {
        for width in [80usize, 100, 120, 160] {
            let w = width.to_string();
            let mut a = args.clone();
            a.extend(["--width", w.as_str()]);
            let (code, out, err) = run(&a);
            assert!(code == 0 || code == 1, "{a:?} exited {code}: {err}");
            assert_fits(name, &out, width);
            insta::assert_snapshot!(format!("table_{name}_{width}"), out);
        }
        // --explain's arithmetic is prose too.
        let mut a = args.clone();
        a.extend(["--width", "80", "--explain"]);
        let (_, out, _) = run(&a);
        assert_fits(&format!("{name} --explain"), &out, 80);
    }
}

#[test]
fn explain_prints_the_arithmetic() {
    let (code, out, _) = run(&["check", "--replay", "--explain", "--width", "400"]);
    assert_eq!(code, 0);
    assert!(out.contains("How each figure was computed"));
    assert!(out.contains(
        "119Mi + 48Mi + 46Mi + 44Mi + 50Mi + 43Mi + 38Mi + 45Mi + 47Mi + 41Mi + 40Mi + 39Mi = 600Mi (629145600 bytes)"
    ));
    assert!(out.contains("50Mi + 60Mi + 55Mi + 45Mi + 50Mi + 70Mi = 330Mi (346030080 bytes)"));
    assert!(out.contains("available - planned = 1.9Gi - 330Mi = 1.58Gi (1694079386 bytes)"));
    assert!(out.contains("projected used / total = 6251610112 / 8267812045 = 75.61%"));
    assert!(out.contains("would count 600Mi twice"));
    let (_, plain, _) = run(&["check", "--replay", "--width", "160"]);
    assert!(!plain.contains("How each figure was computed"));
}

#[test]
fn yaml_output_carries_the_same_document() {
    let (code, out, _) = run(&["check", "--replay", "-o", "yaml"]);
    assert_eq!(code, 0);
    assert!(out.contains("schemaVersion: 1\n"), "{out}");
    assert!(out.contains("bytes: 975175680"), "{out}");
    assert!(out.contains("display: 930Mi"), "{out}");
    assert!(out.contains("status: TIGHT"), "{out}");
}

#[test]
fn markdown_output_for_a_pull_request() {
    let (code, out, _) = run(&["check", "--replay", "-o", "markdown", "--explain"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("## bizo-plan check: **TIGHT**\n"), "{out}");
    // The verdict first, then the figures with their exact bytes.
    assert!(out.contains("\n**Verdict: TIGHT**\n\n- projected used memory is 75.61% of 7.7Gi"), "{out}");
    assert!(out.find("**Verdict: TIGHT**") < out.find("### Headroom"), "{out}");
    assert!(out.contains("| Projected workload | 930Mi | 975175680 |  |"), "{out}");
    assert!(out.contains("| Projected available | 1.58Gi | 1694079386 | 79.51% unavailable |"), "{out}");
    assert!(
        out.contains("| strategy-agent | ai-agents | planned | 30311 | 1 | 50Mi | 100Mi | 50m | profile; peak: typical x peakMultiplier |"),
        "{out}"
    );
    assert!(out.contains("### How each figure was computed"));
}

#[test]
fn exit_codes_for_gates() {
    assert_eq!(run(&["check", "--replay"]).0, 0);
    let (code, out, _) = run(&["check", "--replay", "--fail-on", "tight"]);
    assert_eq!(code, 1);
    assert!(out.contains("gate --fail-on tight: FAILED (verdict is TIGHT)"), "{out}");
    let (code, out, _) = run(&["check", "--replay", "--max-used", "75"]);
    assert_eq!(code, 1);
    assert!(out.contains("gate --max-used 75%: FAILED (projected used is 75.61% of 7.7Gi)"), "{out}");
    assert_eq!(run(&["check", "--replay", "--max-used", "80"]).0, 0);
    let (code, out, _) = run(&["check", "--replay", "--min-available", "2Gi"]);
    assert_eq!(code, 1);
    assert!(out.contains("gate --min-available 2Gi: FAILED (projected available is 1.58Gi)"), "{out}");
    assert_eq!(run(&["check", "--replay", "--min-available", "1.5Gi"]).0, 0);
}

#[test]
fn insufficient_exits_1() {
    let p = fixture("profiles/over-capacity.yaml");
    let (code, out, _) = run(&["check", "--replay", "-p", p.to_str().expect("utf-8"), "-o", "json"]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["verdict"]["status"], "INSUFFICIENT");
    assert_eq!(v["host"]["projectedAvailable"]["display"], "-512Mi");
    assert_eq!(
        v["verdict"]["reasons"][0],
        "the planned services need 1.5Gi but only 1Gi is available: short by 512Mi"
    );
}

#[test]
fn healthy_profile_only_with_capacity() {
    let (code, v) = json(&["check", "--profile-only", "--capacity", "16Gi", "-o", "json"]);
    assert_eq!(code, 0);
    assert_eq!(v["baseline"], "profile");
    assert!(
        v["baselineDescription"]
            .as_str()
            .expect("present")
            .starts_with("profile only: a node of 16Gi as sold (15.36Gi after the kernel's share)")
    );
    assert_eq!(v["verdict"]["status"], "HEALTHY");
    // 16Gi as sold - ceil(4% kernel share) = 17179869184 - 687194768 = 16492674416 bytes.
    assert_eq!(v["host"]["total"]["bytes"], 16_492_674_416u64);
    // used = OS 180M + k3s server 1596M + system pods 70Mi + 70Mi + 50Mi + deployed 600Mi.
    let used: u64 = 180_000_000 + 1_596_000_000 + (190 << 20) + (600 << 20);
    assert_eq!(v["host"]["used"]["bytes"], used);
    assert_eq!(v["host"]["projectedUsed"]["bytes"], used + (330 << 20));
    assert_eq!(v["system"]["how"], "modelled");
    let parts: Vec<&str> = v["system"]["parts"]
        .as_array()
        .expect("present")
        .iter()
        .map(|p| p["part"].as_str().expect("present"))
        .collect();
    assert_eq!(
        parts,
        [
            "os",
            "k3s server",
            "coredns (kube-system)",
            "metrics-server (kube-system)",
            "traefik (kube-system)"
        ]
    );
    assert_eq!(v["system"]["total"]["bytes"], 180_000_000u64 + 1_596_000_000 + (190 << 20));
    // warn limit floor(0.7 x 16492674416) = 11544872091; (11544872091 - 2950405120) / 50Mi
    // = 163.9 -> 163 more services (before the node model: 210, as if the node ran nothing).
    assert_eq!(v["headroom"]["warnLimit"]["bytes"], 11_544_872_091u64);
    assert_eq!(v["headroom"]["moreServicesFit"], 163);
}

#[test]
fn capacity_8gi_subtracts_the_same_overhead_as_an_8gb_plan() {
    let (_, v) = json(&["check", "--profile-only", "--capacity", "8Gi", "-o", "json"]);
    // 8Gi - ceil(4%) = 8246337208; used = 180M + 1596M + 190Mi + 600Mi = 2604375040.
    assert_eq!(v["host"]["total"]["bytes"], 8_246_337_208u64);
    assert_eq!(v["host"]["used"]["bytes"], 2_604_375_040u64);
    // warn floor(0.7 x 8246337208) = 5772436045; to warn 5772436045 - 2950405120 = 2822030925;
    // / 50Mi = 53.8 -> 53 (the node model's 8Gi; "96 more" before it).
    assert_eq!(v["headroom"]["moreServicesFit"], 53);
    // The same machine in the tiers table (minimum-production: 8Gi, k3s): the same allocatable.
    let t = v["tiers"]
        .as_array()
        .expect("present")
        .iter()
        .find(|t| t["name"] == "minimum-production")
        .expect("present");
    assert_eq!(t["capacityMemory"]["bytes"], 8_246_337_208u64);
    assert_eq!(t["overheadMemory"]["bytes"], 1_776_000_000u64);
    assert_eq!(
        t["systemPodsMemory"]["bytes"],
        (170u64 + 70 + 150) << 20,
        "sized by peak: coredns and traefik at their limits"
    );
    let parts: Vec<&str> = t["nodeBudgets"][0]["parts"]
        .as_array()
        .expect("present")
        .iter()
        .map(|p| p["part"].as_str().expect("present"))
        .collect();
    assert_eq!(parts, ["os", "k3s server"]);
}

#[test]
fn bad_usage_exits_2() {
    let (code, _, err) = run(&["check", "--no-such-flag"]);
    assert_eq!(code, 2);
    assert!(err.contains("unexpected argument '--no-such-flag'"), "{err}");
    let (code, _, err) = run(&["check", "--max-used", "150"]);
    assert_eq!(code, 2);
    assert!(err.contains("150 is above 100%"), "{err}");
    let (code, _, err) = run(&["check", "--min-available", "1GB"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid quantity \"1GB\": did you mean 1G or 1Gi?"), "{err}");
    let (code, _, err) = run(&["check", "--capacity", "8Gi"]);
    assert_eq!(code, 2, "--capacity requires --profile-only: {err}");
    let (code, _, err) = run(&["check", "--replay", "--profile-only"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn replay_without_a_recorded_snapshot_is_bad_input() {
    let p = fixture("profiles/no-host.yaml");
    let (code, out, err) = run(&["check", "--replay", "-p", p.to_str().expect("utf-8")]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("--replay: profile nohost"), "{err}");
    assert!(err.contains("has no recorded host snapshot"), "{err}");
}

#[test]
fn check_on_this_host_prints_a_verdict() {
    let (code, out, err) = run(&["check", "-o", "json"]);
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["baseline"], "host");
    assert!(v["host"]["total"]["bytes"].as_u64().expect("total") > 0);
    let status = v["verdict"]["status"].as_str().expect("status");
    assert!(["HEALTHY", "TIGHT", "INSUFFICIENT"].contains(&status));
    assert_eq!(code == 1, v["verdict"]["failed"].as_bool().expect("failed"));
    assert_eq!(v["workload"]["planned"]["display"], "330Mi");
}

#[test]
fn profile_from_stdin() {
    let h = home();
    let text = std::fs::read_to_string(fixture("profiles/over-capacity.yaml")).expect("fixture");
    let out = bizo(h.path())
        .args(["check", "--replay", "-p", "-", "-o", "json"])
        .write_stdin(text)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["profileOrigin"], "<stdin>");
}

#[test]
fn schema_describes_the_profile_format() {
    let (code, out, _) = run(&["schema"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).expect("json schema");
    assert_eq!(v["title"], "bizo-plan profile");
    assert_eq!(v["additionalProperties"], false);
    let props = v["properties"].as_object().expect("properties");
    let mut keys: Vec<&str> = props.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, vec!["description", "host", "name", "policy", "services", "system"]);
    let svc = &v["$defs"]["Service"];
    assert_eq!(svc["additionalProperties"], false);
    let mut svc_keys: Vec<&str> =
        svc["properties"].as_object().expect("props").keys().map(String::as_str).collect();
    svc_keys.sort_unstable();
    assert_eq!(
        svc_keys,
        vec![
            "cpu",
            "group",
            "memory",
            "name",
            "namespace",
            "notes",
            "perClient",
            "port",
            "replicas",
            "selector",
            "status",
            "workload"
        ]
    );
    let required: Vec<&str> =
        svc["required"].as_array().expect("required").iter().filter_map(Value::as_str).collect();
    assert_eq!(required, vec!["name", "group", "status", "memory"]);
}

// Fault matrix: No cluster configured
#[test]
fn require_cluster_without_a_kubeconfig_exits_3() {
    let (code, out, err) = run(&["check", "--require-cluster"]);
    assert_eq!(code, 3, "{err}");
    assert!(out.is_empty());
    assert_eq!(
        err.trim_end(),
        "bizo-plan: error: --require-cluster: no kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a cluster"
    );
}

// Fault matrix: Connection refused
#[test]
fn unreachable_cluster_exits_3_when_required_and_degrades_otherwise() {
    let dir = home();
    // A port nothing listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(
        &kc,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: dead\n  cluster:\n    server: http://127.0.0.1:{port}\nusers:\n- name: u\n  user:\n    token: tok-DO-NOT-PRINT\ncontexts:\n- name: dead\n  context: {{cluster: dead, user: u}}\ncurrent-context: dead\n"
        ),
    )
    .expect("write kubeconfig");
    let kc = kc.to_str().expect("utf-8");
    let (code, out, err) = run(&["check", "--require-cluster", "--kubeconfig", kc]);
    assert_eq!(code, 3, "{err}");
    assert!(out.is_empty());
    assert!(
        err.starts_with(&format!(
            "bizo-plan: error: cluster http://127.0.0.1:{port} (context \"dead\") is unreachable:"
        )),
        "{err}"
    );
    assert!(err.contains("Connection refused"), "{err}");
    assert!(!err.contains("tok-DO-NOT-PRINT"));
    let (code, out, err) = run(&["check", "--kubeconfig", kc, "-o", "json"]);
    assert!(code == 0 || code == 1, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["baseline"], "host");
    let notes: Vec<&str> = v["notes"].as_array().expect("notes").iter().filter_map(Value::as_str).collect();
    let note = notes.iter().find(|n| n.contains("is unreachable")).expect("the unreachable note");
    assert!(note.ends_with("; planning from this host"), "{note}");
    assert!(notes.iter().any(|n| n.starts_with("cpu used: ")), "the host's cpu note: {notes:?}");
    assert!(!out.contains("tok-DO-NOT-PRINT"));
}

// Fault matrix: Broken kubeconfig
#[test]
fn a_broken_kubeconfig_is_bad_input() {
    let dir = home();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, "clusters: [").expect("write");
    let (code, _, err) = run(&["check", "--kubeconfig", kc.to_str().expect("utf-8")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--kubeconfig") && err.contains("kubeconfig"), "{err}");
}

// Fault matrix: control characters in names
#[test]
fn control_characters_from_a_profile_never_reach_the_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = dir.path().join("evil.yaml");
    std::fs::write(
        &p,
        "name: \"evil\\e]0;title\\a\"\nservices:\n  - {name: \"api\\e[2J\\rX\", group: core, status: deployed, memory: {typical: 10Mi}}\n",
    )
    .expect("write");
    let profile = p.to_str().expect("utf-8");
    let check = |more: &[&str]| {
        let mut args = vec!["check", "-p", profile, "--profile-only", "--capacity", "8Gi"];
        args.extend_from_slice(more);
        run(&args)
    };
    let (code, out, err) = check(&["--width", "120"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains('\x1b') && !out.contains('\r') && !out.contains('\x07'), "{out:?}");
    assert!(out.contains("api\\x1b[2J\\rX"), "{out}");
    assert!(out.contains("evil\\x1b]0;title\\x07"), "{out}");
    // Markdown and HTML (text and charts) show them the same way.
    for format in ["markdown", "html"] {
        let (code, out, err) = check(&["-o", format]);
        assert_eq!(code, 0, "{err}");
        assert!(!out.contains('\x1b') && !out.contains('\r') && !out.contains('\x07'), "{format}: {out:?}");
        assert!(out.contains("x1b"), "{format}: {out}");
    }
    // JSON keeps the exact text (escaped by JSON itself).
    let (_, out, _) = check(&["-o", "json"]);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["services"][0]["name"], "api\u{1b}[2J\rX");
}
