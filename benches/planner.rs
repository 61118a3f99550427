//! Planner benchmark (`cargo bench --bench planner`): `recommend` with node-loss checks on
//! generated catalogs and profiles, wall time per run (median of several), side by side with a
//! baseline that places every option (no node-loss simulation, no early stop). Targets from the
//! tiers issue: 85 plans x 200 services <= 50 ms; 1,000 plans x 1,000 services <= 500 ms.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bizo_plan::analysis::demand::Demand;
use bizo_plan::analysis::plan::{self, Confidence, Requirements};
use bizo_plan::model::catalog::{Catalog, Plan, Price, ProviderFees};
use bizo_plan::model::profile::{CpuSpec, MemorySpec, Policy, Profile, Service, ServiceStatus};
use bizo_plan::model::quantity::{Bytes, Millicores};
use bizo_plan::model::ratio::Ratio;
use bizo_plan::model::reservation::ReservationModel;

const MI: u64 = 1 << 20;

fn profile(services: usize) -> Profile {
    let groups = ["core", "ai-agents", "infrastructure", "monitoring"];
    Profile {
        name: format!("bench-{services}"),
        description: None,
        policy: Policy::default(),
        host: None,
        system: Default::default(),
        services: (0..services)
            .map(|i| Service {
                name: format!("svc-{i:04}"),
                group: groups[i % groups.len()].to_string(),
                status: if i % 3 == 0 { ServiceStatus::Planned } else { ServiceStatus::Deployed },
                port: None,
                memory: MemorySpec { typical: Bytes((32 + (i as u64 * 37) % 480) * MI), peak: None },
                cpu: Some(CpuSpec { typical: Millicores(10 + (i as u64 * 13) % 190), peak: None }),
                replicas: 1 + (i % 3) as u32,
                namespace: None,
                workload: None,
                selector: BTreeMap::new(),
                per_client: None,
                notes: None,
                never_live: false,
            })
            .collect(),
    }
}

fn catalog(plans: usize) -> Catalog {
    let providers = ["alpha", "beta", "gamma", "delta"];
    Catalog {
        currency: "USD".into(),
        exchange_rates: BTreeMap::new(),
        tiers: Vec::new(),
        plans: (0..plans)
            .map(|i| {
                let vcpus = [2u32, 4, 8, 16, 32, 64][i % 6];
                let gib = u64::from(vcpus) * [2, 4, 8][i % 3];
                Plan {
                    provider: providers[i % providers.len()].into(),
                    family: None,
                    plan: format!("p{i:04}-{vcpus}c-{gib}g"),
                    api_id: None,
                    vcpus,
                    memory: Bytes(gib << 30),
                    disk_gb: None,
                    price: Price { cents: 500 * gib + (i as u64 % 97), currency: "USD".into() },
                    source: None,
                    date: None,
                    confidence: Some("verified".into()),
                }
            })
            .collect(),
        providers: providers
            .iter()
            .map(|p| ProviderFees {
                provider: p.to_string(),
                control_plane: None,
                ha_control_plane: None,
                load_balancer: Some(Price { cents: 1000, currency: "USD".into() }),
                reservation: ReservationModel::Gke,
                distribution: Some("managed".into()),
                source: None,
            })
            .collect(),
        // The embedded catalog's node model (OS, distribution, system pods) on every plan.
        distributions: bizo_plan::source::files::parse_catalog(
            bizo_plan::source::files::DEFAULT_TIERS,
            "embedded",
        )
        .expect("embedded catalog")
        .distributions,
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    f(); // warm-up
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let mut rates = BTreeMap::new();
    rates.insert("USD".to_string(), 10_000u64);
    println!(
        "| plans | options | services | replicas | recommend --ha (node loss) | baseline: every option placed, no node loss | ratio | target | within |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (plans, services, target_ms, runs) in [(85usize, 200usize, 50u128, 9usize), (1000, 1000, 500, 3)] {
        let p = profile(services);
        let c = catalog(plans);
        let models = plan::Models::resolve(&c, &Default::default(), &Default::default(), None);
        let d = Demand::from_profile(&p);
        let planner = plan::Planner::new(&d, &models, 0);
        let items = planner.load.services.clone();
        let hint = plan::LoadHint::of(&items, Ratio::percent(30), true);
        let options = plan::options(&c, &models, &rates, "USD", Some(&hint)).len();
        let replicas = items.len();
        let ha = Requirements {
            budget_cents: None,
            ha: true,
            min_headroom: Ratio::percent(30),
            provider: None,
            clients: None,
            min_confidence: Confidence::Unverified,
        };
        let base = Requirements { ha: false, ..ha.clone() };
        let mut picked = String::new();
        let t_ha = time(runs, || {
            let r = plan::recommend(&planner, &c, &rates, "USD", &ha);
            picked = r.pick.map(|e| e.name).unwrap_or_default();
        });
        // Baseline: the same options, fit and headroom only (no node-loss simulation, no HA shape).
        let t_base = time(runs, || {
            let opts = plan::options(&c, &models, &rates, "USD", Some(&hint));
            let n = opts.iter().map(|o| planner.evaluate(o, &base, false)).filter(|e| e.passes).count();
            assert!(n > 0);
        });
        let ms = t_ha.as_secs_f64() * 1000.0;
        println!(
            "| {plans} | {options} | {services} | {replicas} | {ms:.1} ms | {:.1} ms | {:.2}x | {target_ms} ms | {} |",
            t_base.as_secs_f64() * 1000.0,
            t_ha.as_secs_f64() / t_base.as_secs_f64(),
            if t_ha.as_millis() <= target_ms { "yes" } else { "NO" }
        );
        eprintln!("  picked: {picked}");
    }
}
