//! Right-sizing's backtest on the generated fleet (issue 14): 210 workloads (30 of each of the
//! seven scenarios of `bizo_sim::usage`), 28 days at a 5-minute step, seed 14. Three folds
//! (train 7 days, test the next 7, the test windows ending at day 14, 21 and 28), each strategy
//! on the same data.

use bizo_plan::analysis::rightsize::{self, Score, Settings, Strategy};
use bizo_plan::model::quantity::{Bytes, Millicores};
use bizo_plan::model::usage::{ContainerUsage, DAY_MS, PodSeries, Resources, WorkloadUsage};
use bizo_sim::usage::{FleetSpec, Workload, fleet};

/// 2026-11-30T00:00:00Z.
pub const END_MS: i64 = 1_796_083_200_000;

pub fn spec() -> FleetSpec {
    FleetSpec { seed: 14, workloads: 210, days: 28, end_ms: END_MS, step_ms: 300_000 }
}

/// The generator's workloads as right-sizing's model.
pub fn to_model(f: &[Workload]) -> Vec<WorkloadUsage> {
    f.iter()
        .map(|w| WorkloadUsage {
            namespace: w.namespace.clone(),
            workload: format!("Deployment/{}", w.name),
            hpa: w.hpa,
            containers: w
                .containers
                .iter()
                .map(|(name, set)| ContainerUsage {
                    name: name.clone(),
                    current: Resources {
                        cpu_request: set.cpu_request.map(Millicores),
                        cpu_limit: set.cpu_limit.map(Millicores),
                        memory_request: set.memory_request.map(Bytes),
                        memory_limit: set.memory_limit.map(Bytes),
                    },
                    pods: w
                        .pods
                        .iter()
                        .filter_map(|p| {
                            p.containers.iter().find(|c| &c.container == name).map(|c| PodSeries {
                                pod: p.name.clone(),
                                memory: c.memory.clone(),
                                cpu: c.cpu.clone(),
                                oom_kills: c.oom_kills.clone(),
                            })
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

/// The three folds of one strategy, summed (medians averaged over the folds).
fn folds(strategy: Strategy, model: &[WorkloadUsage]) -> Score {
    let mut total = Score::default();
    let (mut sm, mut sc) = (0, 0);
    for end_day in [14, 21, 28] {
        let at = END_MS - (28 - end_day) * DAY_MS;
        let s = rightsize::backtest(
            strategy,
            model,
            7 * DAY_MS,
            7 * DAY_MS,
            &Settings { allow_hpa: false, at_ms: at },
        );
        total.container_days += s.container_days;
        total.under += s.under;
        total.under_memory += s.under_memory;
        total.under_cpu += s.under_cpu;
        total.oom += s.oom;
        total.throttled += s.throttled;
        sm += s.median_slack_memory;
        sc += s.median_slack_cpu;
    }
    total.median_slack_memory = sm / 3;
    total.median_slack_cpu = sc / 3;
    total
}

/// (container-days, under, under memory, under cpu, OOM, throttled, median memory slack,
/// median cpu slack), slack in basis points.
fn row(s: &Score) -> (u64, u64, u64, u64, u64, u64, u64, u64) {
    (
        s.container_days,
        s.under,
        s.under_memory,
        s.under_cpu,
        s.oom,
        s.throttled,
        s.median_slack_memory,
        s.median_slack_cpu,
    )
}

/// The targets of issue 14 on the generated fleet, and the three strategies' figures exactly
/// (the generator is seeded, the strategies deterministic): bizo is under-provisioned on 0.60%
/// of the container-days (KRR 19.90%, VPA 9.28%) with a median memory slack of 9.86% (KRR
/// 35.75%, VPA 18.12%). Its median cpu slack (16.87%) is above VPA's (13.05%) and KRR's
/// (4.95%), which buy theirs with cpu under-provisioned on 9-20% of the days.
#[test]
fn backtest_on_the_generated_fleet() {
    let model = to_model(&fleet(&spec()));
    assert_eq!(model.len(), 210);
    let [bizo, krr, vpa] = Strategy::ALL.map(|s| folds(s, &model));
    assert_eq!(row(&bizo), (13_853, 83, 52, 55, 1, 0, 986, 1_687));
    assert_eq!(row(&krr), (13_853, 2_757, 57, 2_733, 57, 0, 3_575, 495));
    assert_eq!(row(&vpa), (13_853, 1_286, 96, 1_244, 0, 712, 1_812, 1_305));
    // Targets: under-provisioned <= 1% of container-days, median slack <= 25% (both resources).
    assert!(bizo.under * 100 <= bizo.container_days, "{bizo:?}");
    assert!(bizo.median_slack_memory <= 2_500 && bizo.median_slack_cpu <= 2_500, "{bizo:?}");
    // Better than both on under-provisioning, and not worse on (memory) slack.
    for other in [&krr, &vpa] {
        assert!(bizo.under < other.under, "{other:?}");
        assert!(bizo.median_slack_memory <= other.median_slack_memory, "{other:?}");
    }
}

/// Where each strategy goes wrong, by scenario: KRR's cpu (the window's 95th percentile) is
/// below a busy day's; VPA's cpu misses bursts; a leak outgrows KRR's and VPA's memory (bizo
/// extrapolates the climb); a redeploy to a bigger footprint during the test window outgrows
/// the smaller margins, bizo's 10% most (KRR adds 15%, VPA 15% on a bucket's upper edge).
#[test]
fn each_scenario_s_failures() {
    let f = fleet(&spec());
    let model = to_model(&f);
    let of = |sc: &str, s: Strategy| {
        let sub: Vec<_> =
            model.iter().zip(&f).filter(|(_, w)| w.scenario == sc).map(|(m, _)| m.clone()).collect();
        let t = folds(s, &sub);
        (t.under_memory, t.under_cpu)
    };
    assert_eq!(of("steady", Strategy::Bizo), (0, 0));
    assert_eq!(of("steady", Strategy::KrrSimple), (0, 362));
    assert_eq!(of("bursty", Strategy::Vpa), (66, 1_061));
    assert_eq!(of("bursty", Strategy::Bizo), (13, 30));
    assert_eq!(of("leak", Strategy::Bizo), (0, 0));
    assert_eq!(of("leak", Strategy::KrrSimple).0, 24);
    assert_eq!(of("leak", Strategy::Vpa).0, 21);
    assert_eq!(of("redeploy", Strategy::Bizo), (39, 25));
    assert_eq!(of("redeploy", Strategy::KrrSimple).0, 20);
    assert_eq!(of("redeploy", Strategy::Vpa).0, 9);
    assert_eq!(of("hpa", Strategy::Bizo), (0, 0));
}
