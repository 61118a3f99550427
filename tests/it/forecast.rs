//! `bizo-plan forecast`: the months of a hand-computed growth case, when each tier runs out,
//! the phase timeline, clients, and the chart.

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

fn forecast(extra: &[&str]) -> Value {
    let profile = fixture("forecast/profile.yaml");
    let tiers = fixture("forecast/tiers.yaml");
    let mut args = vec!["forecast", "-o", "json", "-p", profile.to_str().expect("utf-8")];
    args.extend(["--tiers", tiers.to_str().expect("utf-8")]);
    args.extend(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn hand_computed_growth_and_tier_run_out_months() {
    let v = forecast(&["--growth", "10%/month", "--months", "12"]);
    let months = v["months"].as_array().expect("months");
    assert_eq!(months.len(), 13, "months 0..=12");
    // 1000Mi grown 10% a month, rounded up to a byte each month (by hand):
    let expected: [u64; 5] = [1_048_576_000, 1_153_433_600, 1_268_776_960, 1_395_654_656, 1_535_220_122];
    for (m, e) in expected.iter().enumerate() {
        assert_eq!(months[m]["memory"]["bytes"].as_u64(), Some(*e), "month {m}");
        // peakMultiplier 1: sized demand = typical.
        assert_eq!(months[m]["demand"]["bytes"].as_u64(), Some(*e), "month {m}");
    }
    let tiers = v["targets"].as_array().expect("tiers");
    let by = |n: &str| tiers.iter().find(|t| t["name"] == n).expect("tier").clone();
    // Usable = floor(floor(nominal x 96%) x 70%): the kernel keeps 4% of a VM's RAM, the
    // flat model gives the rest to pods, and 30% must stay free.
    // tiny: 1Gi -> 688.13Mi < 1000Mi: does not hold now.
    assert_eq!(by("tiny")["fitsNow"], false);
    assert_eq!(by("tiny")["runsOut"], 0);
    // small: 2Gi -> floor(floor(2147483648 x 0.96) x 0.7) = 1443109011 B (1376.26Mi); month 3
    // is 1331Mi (fits), month 4 1464.1Mi (does not).
    assert_eq!(by("small")["usable"]["bytes"], 1_443_109_011u64);
    assert_eq!(by("small")["runsOut"], 4);
    assert!(by("small")["reason"].as_str().expect("reason").starts_with("below headroom: memory headroom"));
    // big: 4Gi -> 2752.51Mi; month 10 is 2593.7Mi (fits), month 11 2853.1Mi (does not).
    assert_eq!(by("big")["usable"]["bytes"], 2_886_218_022u64);
    assert_eq!(by("big")["runsOut"], 11);
    let phases: Vec<(u64, u64, Value)> = v["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .map(|p| (p["from"].as_u64().expect("from"), p["to"].as_u64().expect("to"), p["option"].clone()))
        .collect();
    assert_eq!(
        phases,
        vec![(0, 3, "small".into()), (4, 10, "big".into()), (11, 12, Value::Null)],
        "the phase timeline"
    );
    assert_eq!(months[12]["passing"].as_array().map(Vec::len), Some(0));
}

#[test]
fn no_growth_holds_forever_and_says_so() {
    let v = forecast(&["--months", "6"]);
    let tiers = v["targets"].as_array().expect("tiers");
    assert!(tiers.iter().filter(|t| t["name"] != "tiny").all(|t| t.get("runsOut").is_none()));
    assert_eq!(v["phases"].as_array().map(Vec::len), Some(1));
    let profile = fixture("forecast/profile.yaml");
    let tiers = fixture("forecast/tiers.yaml");
    let (_, table, _) = run(&[
        "forecast",
        "-p",
        profile.to_str().expect("utf-8"),
        "--tiers",
        tiers.to_str().expect("utf-8"),
        "--months",
        "6",
        "--width",
        "140",
    ]);
    assert!(table.contains("lasts past month 6"), "{table}");
    assert!(table.contains("months 0-6: small"), "{table}");
}

#[test]
fn clients_grow_and_add_their_per_client_cost() {
    // 200 clients at 1Mi each, growing 50% a month: 200, 300, 450, 675.
    let v = forecast(&["--clients", "200", "--client-growth", "50%/month", "--months", "3"]);
    let months = v["months"].as_array().expect("months");
    let clients: Vec<u64> = months.iter().filter_map(|m| m["clients"].as_u64()).collect();
    assert_eq!(clients, [200, 300, 450, 675]);
    // The service itself does not grow (no --growth); the demand is 1000Mi + clients x 1Mi.
    for (m, c) in months.iter().zip(clients) {
        assert_eq!(m["memory"]["bytes"].as_u64(), Some(1000 << 20));
        assert_eq!(m["demand"]["bytes"].as_u64(), Some((1000 + c) << 20), "{m}");
    }
}

#[test]
fn the_table_has_a_chart_and_bad_rates_are_bad_input() {
    let (code, out, err) = run(&["forecast", "--growth", "15%/month", "--months", "12", "--width", "140"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Timeline (the cheapest option that holds each month)"), "{out}");
    assert!(out.contains("  - months 8-11: strategy-3-multi-node-ha"), "{out}");
    let chart: Vec<&str> = out
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()) && l.matches('|').count() == 2)
        .collect();
    assert_eq!(chart.len(), 13, "one chart line per month:\n{out}");
    // The demand bar grows month by month.
    let hashes: Vec<usize> = chart.iter().map(|l| l.matches('#').count()).collect();
    assert!(hashes.windows(2).all(|w| w[0] <= w[1]), "{hashes:?}");
    // The chart and the table give the same month for every tier (cpu runs them out here,
    // before memory would).
    let (_, v) = (
        0,
        serde_json::from_str::<Value>(
            &run(&["forecast", "--growth", "15%/month", "--months", "12", "-o", "json"]).1,
        )
        .expect("json"),
    );
    for (i, t) in v["targets"].as_array().expect("targets").iter().enumerate() {
        let label = char::from_digit(i as u32 + 1, 36).expect("label");
        let Some(m) = t["runsOut"].as_u64() else { continue };
        let line = chart[m as usize];
        let named = line.split("<- ").nth(1).unwrap_or_default();
        assert!(named.contains(label), "month {m}: {line} should name {label} ({})", t["name"]);
        if m > 0 {
            assert!(!chart[m as usize - 1].split("<- ").nth(1).unwrap_or_default().contains(label));
        }
    }
    assert_eq!(v["targets"][0]["runsOut"], 3, "minimum-production: cpu headroom below 30% in month 3");
    let (code, _, err) = run(&["forecast", "--growth", "fast"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("invalid value 'fast' for '--growth <RATE>': \"fast\": expected a monthly percentage such as 15%/month"),
        "{err}"
    );
}
