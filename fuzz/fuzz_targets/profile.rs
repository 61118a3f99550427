//! The profile loader never panics; a profile it accepts can be assessed, projected, planned onto
//! the embedded catalog's modelled nodes and reported without panicking.
#![no_main]

use bizo_plan::analysis::assess::planned_node;
use bizo_plan::analysis::check::{Gates, project};
use bizo_plan::analysis::demand::Demand;
use bizo_plan::analysis::plan::{self, Confidence, Models, Planner, Requirements};
use bizo_plan::model::baseline::Baseline;
use bizo_plan::model::quantity::{Bytes, Millicores};
use bizo_plan::model::ratio::Ratio;
use bizo_plan::report::check::{CheckReport, Parts};
use bizo_plan::source::files::{DEFAULT_TIERS, parse_catalog, parse_profile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(profile) = parse_profile(text, "fuzz.yaml") else { return };
    let catalog = parse_catalog(DEFAULT_TIERS, "embedded").expect("the embedded catalog loads");
    let models = Models::resolve(&catalog, &profile.system, &Default::default(), None);
    let demand = Demand::from_profile(&profile);
    let baseline = Baseline::from_record(&profile).unwrap_or_else(|| {
        planned_node(&demand, &models.by_name["k3s"], Some(Bytes(8 << 30)), Bytes(0), Some(Millicores(4000))).0
    });
    let p = project(&demand, &baseline, &Gates::default(), None, false);
    let report = CheckReport::new(Parts {
        profile: &profile.name,
        demand: &demand,
        baseline: &baseline,
        projection: &p,
        cluster: None,
        system: None,
        missing: &[],
        notes: &[],
    });
    let _ = serde_json::to_string(&report).expect("a report serializes");
    let req = Requirements {
        budget_cents: None,
        ha: false,
        min_headroom: Ratio::percent(30),
        provider: None,
        clients: None,
        min_confidence: Confidence::Unverified,
    };
    let planner = Planner::new(&demand, &models, 0);
    let rates = bizo_plan::model::catalog::parse_rates(&catalog.currency, &catalog.exchange_rates).expect("rates");
    for o in plan::options(&catalog, &models, &rates, "USD", None).iter().filter(|o| o.kind == "tier") {
        let _ = planner.evaluate(o, &req, true);
    }
});
