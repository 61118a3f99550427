//! Local sampling: `bizo-plan sample` against the simulated cluster, the JSON-lines round trip
//! into `check --samples`, interruption with SIGINT, and the statistics of a known recording.

use std::io::BufRead;
use std::time::{Duration, Instant};

use crate::common::bizo;
use bizo_sim::{Sim, SimConfig};
use serde_json::Value;

const MI: u64 = 1 << 20;

fn check_json(dir: &std::path::Path, args: &[&str]) -> (i32, Value, String) {
    let out = bizo(dir).args(["check", "-o", "json", "--no-tiers"]).args(args).output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), v, stderr)
}

#[test]
fn samples_of_the_simulated_cluster_round_trip_into_check() {
    let sim = Sim::start(SimConfig::laptop()).expect("simulator");
    let dir = tempfile::tempdir().expect("temp dir");
    let kc = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kc, None).expect("kubeconfig");
    let rec = dir.path().join("usage.jsonl");
    let out = bizo(dir.path())
        .args(["sample", "--every", "200ms", "--for", "1s", "--out"])
        .arg(&rec)
        .arg("--kubeconfig")
        .arg(&kc)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run sample");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("sample 5/5: host used"), "progress on stderr: {err}");
    assert!(err.contains("cluster sim used 5.5Gi of 7.7Gi"), "{err}");
    let lines: Vec<Value> = std::fs::read_to_string(&rec)
        .expect("recording")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 5);
    for l in &lines {
        let c = &l["cluster"];
        assert_eq!(c["context"], "sim");
        assert_eq!(c["used"].as_u64(), Some(5632 * MI), "NodeMetrics of the laptop scenario");
        assert_eq!(c["services"]["vault-simple"].as_u64(), Some(43 * MI));
        assert_eq!(c["services"].as_object().map(|o| o.len()), Some(12));
        assert!(l["host"]["total"].as_u64().is_some_and(|t| t > 0));
    }
    let (code, v, err) = check_json(dir.path(), &["--samples", rec.to_str().expect("utf-8")]);
    assert!(code == 0 || code == 1, "{err}");
    assert_eq!(v["baseline"], "samples");
    // The recording holds the cluster: it is the baseline (allocatable, NodeMetrics at the peak),
    // not the recording machine's host.
    assert!(
        v["baselineDescription"].as_str().expect("desc").starts_with(
            "recorded samples of cluster sim: allocatable and NodeMetrics used at the peak of 5 sample(s)"
        ),
        "{}",
        v["baselineDescription"]
    );
    assert_eq!(v["host"]["used"]["bytes"].as_u64(), Some(5632 * MI));
    assert_eq!(v["host"]["total"]["bytes"], lines[4]["cluster"]["allocatable"]);
    let note = v["notes"].to_string();
    assert!(note.contains("figures from the recording (peak of 5 sample(s)) for:"), "{note}");
}

#[test]
fn a_known_recording_gives_exact_quantiles() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rec = dir.path().join("known.jsonl");
    // Host used 100..=109 MiB (in a shuffled order) of 1000 MiB; service api 10..=19 MiB.
    let mut text = String::new();
    for (t, k) in [3u64, 7, 0, 9, 1, 5, 2, 8, 4, 6].iter().enumerate() {
        let used = (100 + k) * MI;
        text.push_str(&format!(
            "{{\"time\":{},\"host\":{{\"total\":{},\"used\":{used},\"available\":{}}},\"cluster\":{{\"context\":\"c\",\"allocatable\":0,\"services\":{{\"bizosaas-auth\":{}}}}}}}\n",
            1000 + t as u64,
            1000 * MI,
            1000 * MI - used,
            (10 + k) * MI
        ));
    }
    std::fs::write(&rec, &text).expect("write");
    let r = rec.to_str().expect("utf-8");
    // p95: rank 0.95 x 9 = 8.55, between 108Mi and 109Mi: 108.55Mi, rounded up to a byte.
    let (_, v, err) = check_json(dir.path(), &["--samples", r, "--sample-stat", "p95"]);
    let p95 = 108 * MI + (MI * 55).div_ceil(100);
    assert_eq!(v["host"]["used"]["bytes"].as_u64(), Some(p95), "{err}");
    assert_eq!(v["host"]["total"]["bytes"].as_u64(), Some(1000 * MI));
    // The service's typical figure is its p95 (18.55Mi), its peak the recorded 19Mi.
    let auth =
        v["services"].as_array().expect("services").iter().find(|s| s["name"] == "bizosaas-auth").cloned();
    let auth = auth.expect("auth");
    assert_eq!(auth["memory"]["bytes"].as_u64(), Some(18 * MI + (MI * 55).div_ceil(100)));
    assert_eq!(auth["memoryPeak"]["bytes"].as_u64(), Some(19 * MI));
    let (_, v, _) = check_json(dir.path(), &["--samples", r, "--sample-stat", "0.5"]);
    assert_eq!(v["host"]["used"]["bytes"].as_u64(), Some(104 * MI + MI / 2), "median of 100..=109");
    let (_, v, _) = check_json(dir.path(), &["--samples", r]);
    assert_eq!(v["host"]["used"]["bytes"].as_u64(), Some(109 * MI), "peak by default");

    // A last line cut short is skipped with a note; a broken line elsewhere is bad input.
    std::fs::write(&rec, format!("{text}{{\"time\":2000,\"ho")).expect("write");
    let (code, v, err) = check_json(dir.path(), &["--samples", r]);
    assert!(code == 0 || code == 1, "{err}");
    assert!(v["notes"].to_string().contains("line 11: cut short"), "{}", v["notes"]);
    let broken = text.replacen("\"time\":1001", "\"time\":\"x\"", 1);
    std::fs::write(&rec, broken).expect("write");
    let (code, _, err) = check_json(dir.path(), &["--samples", r]);
    assert_eq!(code, 2);
    assert!(err.contains("known.jsonl:2: not a bizo-plan sample"), "{err}");
}

#[test]
fn sampling_survives_an_interrupt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rec = dir.path().join("usage.jsonl");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_bizo-plan"))
        .args(["sample", "--every", "300ms", "--for", "1m", "--no-cluster", "--out"])
        .arg(&rec)
        .env_clear()
        .env("HOME", dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = std::io::BufReader::new(stderr).lines();
    let started = Instant::now();
    let mut seen = 0;
    while seen < 3 && started.elapsed() < Duration::from_secs(30) {
        if let Some(Ok(l)) = lines.next()
            && l.starts_with("sample ")
        {
            seen += 1;
        }
    }
    assert_eq!(seen, 3, "three samples before the interrupt");
    let kill =
        std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill");
    assert!(kill.success());
    let status = child.wait().expect("wait");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert_eq!(status.code(), Some(0), "{rest:?}");
    assert!(rest.iter().any(|l| l.contains("interrupted") && l.contains("complete sample(s)")), "{rest:?}");
    let text = std::fs::read_to_string(&rec).expect("recording");
    assert!(text.ends_with('\n'));
    let n = text.lines().count();
    assert!((3..=5).contains(&n), "{n} samples");
    for l in text.lines() {
        serde_json::from_str::<Value>(l).expect("only complete lines");
    }
    let (code, v, err) = check_json(dir.path(), &["--samples", rec.to_str().expect("utf-8")]);
    assert!(code == 0 || code == 1, "{err}");
    assert_eq!(v["baseline"], "samples");
}
