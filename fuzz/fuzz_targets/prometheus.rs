//! Prometheus answers and the history flags never panic, and what is accepted round-trips: the
//! first byte picks what the rest is (an answer applied to a profile, `--at`, the other flags,
//! a pod to match, names to partition into query shards).
#![no_main]

use std::sync::LazyLock;

use bizo_plan::analysis::history::{self, Spec};
use bizo_plan::source::shard;
use bizo_plan::model::profile::Profile;
use bizo_plan::source::files::parse_profile;
use bizo_plan::source::prometheus::{counts, endpoint, parse_answer, parse_header, parse_labelled, samples};
use libfuzzer_sys::fuzz_target;

const PROFILE: &str = "name: fuzz
services:
  - {name: api, group: core, status: deployed, namespace: shop, memory: {typical: 100Mi, peak: 150Mi}, cpu: {typical: 100m, peak: 1}, replicas: 2}
  - {name: api-gateway, group: core, status: deployed, memory: {typical: 64Mi}}
  - {name: db, group: data, status: planned, workload: StatefulSet/postgres, memory: {typical: 1Gi}}
";

static PROFILE_PARSED: LazyLock<Profile> =
    LazyLock::new(|| parse_profile(PROFILE, "fuzz").expect("the fuzz profile is valid"));

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else { return };
    let profile = &*PROFILE_PARSED;
    match kind % 5 {
        0 => {
            let Some((&status, body)) = rest.split_first() else { return };
            let status = [200u16, 400, 404, 422, 503][usize::from(status) % 5];
            if let Ok(v) = parse_answer(status, body) {
                let spec = Spec {
                    source: "Prometheus at http://fuzz".into(),
                    quantile: "0.95".into(),
                    window: "7d".into(),
                    step: "1m".into(),
                    at_ms: 0,
                };
                let (out, report) = history::apply(profile, &spec, &samples(v.clone(), v.clone(), v));
                assert_eq!(out.validate(), vec![], "the applied profile stays valid");
                let _ = (report.summary(), bizo_plan::report::history::explain(&report));
            }
        }
        1 => {
            let Ok(s) = std::str::from_utf8(rest) else { return };
            if let Ok(ms) = history::parse_time(s) {
                let text = history::format_rfc3339(ms);
                if (-62_135_596_800_000..=253_402_300_799_999).contains(&ms) {
                    assert_eq!(history::parse_time(&text), Ok(ms), "{s:?} -> {text:?}");
                }
            }
        }
        2 => {
            let Ok(s) = std::str::from_utf8(rest) else { return };
            if let Ok(q) = history::parse_quantile(s) {
                assert_eq!(history::parse_quantile(&q).as_deref(), Ok(q.as_str()), "{s:?}");
            }
            if let Ok(d) = history::check_duration(s) {
                assert!(d.bytes().all(|b| b.is_ascii_alphanumeric()), "{s:?}");
            }
            if let Ok(e) = endpoint(s) {
                assert!(!e.base.contains('@'), "{s:?} -> {}", e.base);
            }
            if let Err(e) = parse_header(s) {
                // The value may be a credential: never in the error. The error may quote the name
                // and its own fixed text (which can contain any given value), so the property is
                // that the error is the same for another value of the same shape (every visible
                // character replaced, spaces and the rest kept, so trimming and validity agree).
                if let Some((name, v)) = s.split_once(':') {
                    let other: String = v.chars().map(|c| if c.is_ascii_graphic() { 'q' } else { c }).collect();
                    assert_eq!(parse_header(&format!("{name}:{other}")), Err(e), "{s:?}");
                }
            }
        }
        3 => {
            // Names (one a line) partitioned into shards: every name, and any other string,
            // in exactly one pattern; each part within the cap unless one name outweighs it.
            let Ok(s) = std::str::from_utf8(rest) else { return };
            let Some((cap, text)) = s.split_once('\n') else { return };
            let cap = u64::from(cap.bytes().next().unwrap_or(1) % 16) + 1;
            // Namespace and pod names have no control characters (the patterns start at the space).
            let mut keys: Vec<(String, u64)> = text
                .lines()
                .filter(|l| !l.chars().any(char::is_control))
                .map(|l| (l.to_string(), u64::from(l.len() as u8 % 4) + 1))
                .collect();
            keys.sort();
            keys.dedup_by(|a, b| a.0 == b.0);
            let parts = shard::partition(&keys, cap);
            for (k, _) in &keys {
                for probe in [k.clone(), format!("{k}x"), format!("{k}-")] {
                    let n = parts.iter().filter(|(p, _)| p.matches(&probe)).count();
                    assert_eq!(n, 1, "{probe:?} in {n} parts");
                }
            }
            for (p, w) in &parts {
                assert!(*w <= cap || matches!(p, shard::Pattern::Exact(_)), "{p:?} {w}");
            }
            if let Ok(v) = parse_labelled(200, rest) {
                let _ = counts(&v, &["namespace", "pod"]);
            }
        }
        _ => {
            let Ok(s) = std::str::from_utf8(rest) else { return };
            let (ns, pod) = s.split_once('/').unwrap_or(("", s));
            let _ = history::match_pod(profile, ns, pod);
        }
    }
});
