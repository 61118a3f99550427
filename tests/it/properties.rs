//! Property tests (proptest): quantity parse/print round trips and planning invariants.

use std::collections::BTreeMap;

use bizo_plan::analysis::assess::planned_node;
use bizo_plan::analysis::check::{Gates, project};
use bizo_plan::analysis::demand::Demand;
use bizo_plan::analysis::plan::{self, Confidence, Requirements};
use bizo_plan::analysis::plan::{Models, Planner};
use bizo_plan::model::catalog;
use bizo_plan::model::quantity::{Bytes, Millicores, Quantity};
use bizo_plan::model::ratio::Ratio;
use bizo_plan::source::files::{DEFAULT_TIERS, DEFAULT_TIERS_ORIGIN, parse_catalog, parse_profile};
use proptest::prelude::*;

/// Quantity text from the grammar: sign, digits, optional fraction, optional suffix or exponent.
fn quantity_text() -> impl Strategy<Value = String> {
    let suffix = prop_oneof![
        Just(String::new()),
        prop::sample::select(vec!["n", "u", "m", "k", "M", "G", "T", "P", "E"]).prop_map(str::to_string),
        prop::sample::select(vec!["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]).prop_map(str::to_string),
        (-20i32..20).prop_map(|e| format!("e{e}")),
        (-20i32..20).prop_map(|e| format!("E{e}")),
    ];
    (prop::sample::select(vec!["", "+", "-"]), "[0-9]{1,12}", prop::option::of("[0-9]{0,10}"), suffix)
        .prop_map(|(sign, int, frac, suffix)| match frac {
            Some(f) => format!("{sign}{int}.{f}{suffix}"),
            None => format!("{sign}{int}{suffix}"),
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_parsed_quantity_prints_back_to_the_same_value(s in quantity_text()) {
        if let Ok(q) = Quantity::parse(&s) {
            let c = q.canonical();
            let again = Quantity::parse(&c).map_err(|e| TestCaseError::fail(format!("{c:?}: {e}")))?;
            prop_assert_eq!(again.nanos(), q.nanos(), "{} -> {}", s, c);
            // Canonical is a fixed point.
            prop_assert_eq!(again.canonical(), c);
        }
    }

    #[test]
    fn bytes_print_and_parse_back_exactly(b in any::<u64>(), shift in 0u32..64) {
        let b = Bytes(b >> shift);
        prop_assert_eq!(Bytes::parse(&b.to_k8s()).ok(), Some(b));
    }

    #[test]
    fn millicores_print_and_parse_back_exactly(m in 0u64..(1 << 50)) {
        let m = Millicores(m);
        prop_assert_eq!(Millicores::parse(&m.to_k8s()).ok(), Some(m));
    }

    #[test]
    fn any_text_parses_or_fails_without_panicking(s in "\\PC{0,24}") {
        let _ = (Quantity::parse(&s), Bytes::parse(&s), Millicores::parse(&s));
    }
}

/// One service of a generated profile: memory Mi, cpu m, replicas, planned?
#[derive(Debug, Clone)]
struct Svc {
    mem_mi: u64,
    peak_mi: Option<u64>,
    cpu_m: u64,
    replicas: u32,
    planned: bool,
}

fn services() -> impl Strategy<Value = Vec<Svc>> {
    prop::collection::vec(
        (1u64..2048, prop::option::of(0u64..2048), 1u64..2000, 1u32..4, any::<bool>()).prop_map(
            |(mem_mi, extra, cpu_m, replicas, planned)| Svc {
                mem_mi,
                peak_mi: extra.map(|e| mem_mi + e),
                cpu_m,
                replicas,
                planned,
            },
        ),
        1..12,
    )
}

fn profile_yaml(svcs: &[Svc]) -> String {
    let mut y = String::from(
        "name: prop\npolicy: {warnUsedPercent: 70, failUsedPercent: 90}\nhost: {total: 16Gi, used: 6Gi, available: 10Gi, cpus: 8}\nservices:\n",
    );
    if svcs.is_empty() {
        y.push_str("  []\n");
    }
    for (i, s) in svcs.iter().enumerate() {
        let peak = s.peak_mi.map(|p| format!(", peak: {p}Mi")).unwrap_or_default();
        y.push_str(&format!(
            "  - {{name: svc-{i}, group: g{}, status: {}, replicas: {}, memory: {{typical: {}Mi{peak}}}, cpu: {{typical: {}m}}}}\n",
            i % 3,
            if s.planned { "planned" } else { "deployed" },
            s.replicas,
            s.mem_mi,
            s.cpu_m
        ));
    }
    y
}

fn to_warn_and_fail(svcs: &[Svc]) -> (i64, i64) {
    let p = parse_profile(&profile_yaml(svcs), "prop.yaml").expect("generated profiles are valid");
    let catalog = parse_catalog(DEFAULT_TIERS, DEFAULT_TIERS_ORIGIN).expect("embedded catalog");
    let models = Models::resolve(&catalog, &Default::default(), &Default::default(), None);
    let d = Demand::from_profile(&p);
    let (b, _) =
        planned_node(&d, &models.by_name["k3s"], Some(Bytes(16 << 30)), Bytes(0), Some(Millicores(8000)));
    let r = project(&d, &b, &Gates::default(), None, false);
    (r.to_warn as i64, r.to_fail as i64)
}

fn tier_fits(svcs: &[Svc]) -> BTreeMap<String, bool> {
    let p = parse_profile(&profile_yaml(svcs), "prop.yaml").expect("generated profiles are valid");
    let catalog = parse_catalog(DEFAULT_TIERS, DEFAULT_TIERS_ORIGIN).expect("embedded catalog");
    let rates = catalog::parse_rates(&catalog.currency, &catalog.exchange_rates).expect("embedded rates");
    let req = Requirements {
        budget_cents: None,
        ha: false,
        min_headroom: Ratio::percent(30),
        provider: None,
        clients: None,
        min_confidence: Confidence::Unverified,
    };
    let models = Models::resolve(&catalog, &Default::default(), &Default::default(), None);
    let d = Demand::from_profile(&p);
    let planner = Planner::new(&d, &models, 0);
    plan::options(&catalog, &models, &rates, &catalog.currency, None)
        .iter()
        .filter(|o| o.kind == "tier")
        .map(|o| {
            let e = planner.evaluate(o, &req, false);
            // Passing on capacity: every replica placed with 30% memory and cpu left per node.
            let passes = e.fits && e.memory_headroom.0 >= 3000 && e.cpu_headroom.0 >= 3000;
            (e.name.clone(), passes)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn adding_a_service_never_increases_headroom(svcs in services(), extra in services()) {
        let before = to_warn_and_fail(&svcs);
        let mut more = svcs.clone();
        more.push(extra[0].clone());
        let after = to_warn_and_fail(&more);
        prop_assert!(after.0 <= before.0, "to warn: {} -> {}", before.0, after.0);
        prop_assert!(after.1 <= before.1, "to fail: {} -> {}", before.1, after.1);
    }

    #[test]
    fn removing_a_service_never_turns_a_passing_tier_into_a_failing_one(
        svcs in services(),
        pick in any::<prop::sample::Index>(),
    ) {
        let before = tier_fits(&svcs);
        let mut fewer = svcs.clone();
        fewer.remove(pick.index(svcs.len()));
        let after = tier_fits(&fewer);
        for (tier, fits) in &before {
            if *fits {
                prop_assert!(after[tier], "{} fit with {:?} but not without one of them", tier, svcs);
            }
        }
    }
}
