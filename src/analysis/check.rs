//! `check`: current usage plus the services to add gives the projected usage; projected usage
//! against the policy thresholds gives headroom, room for more services, and a verdict.
//!
//! Everything here is integer arithmetic on bytes and millicores, on one [`Demand`]. The
//! result is numbers and typed reasons; the report words them and explains every figure.

use super::demand::{Demand, ServiceDemand, State};
use crate::model::baseline::{Baseline, BaselineKind};
use crate::model::profile::UsedMeasure;
use crate::model::quantity::{Bytes, Millicores};
use crate::model::ratio::Ratio;

/// Command-line gates that override or add to the policy (for CI).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Gates {
    /// Treat TIGHT as a failure (`--fail-on tight`).
    pub fail_on_tight: bool,
    /// Fail when the projected used percentage is above this (`--max-used`).
    pub max_used: Option<Ratio>,
    /// Fail when projected available memory is below this (`--min-available`).
    pub min_available: Option<Bytes>,
}

/// The verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// Below the warn threshold, peaks fit.
    Healthy,
    /// At or above the warn threshold, or peaks do not fit.
    Tight,
    /// At or above the fail threshold, or over capacity.
    Insufficient,
}

impl Status {
    /// Upper-case name as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Healthy => "HEALTHY",
            Status::Tight => "TIGHT",
            Status::Insufficient => "INSUFFICIENT",
        }
    }
}

/// What the scheduler sees of a cluster: the unrequested allocatable memory of the schedulable
/// nodes, and the most of it on one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheduling {
    /// Unrequested allocatable memory in total.
    pub free: Bytes,
    /// The most on one node.
    pub largest: Bytes,
}

/// Why the verdict is what it is, most important first (the report words them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Nothing can be placed on 0 bytes.
    ZeroTotal,
    /// The services to add need more than is available.
    ShortOfAvailable {
        /// The services to add.
        planned: Bytes,
        /// Available now.
        available: Bytes,
        /// The shortfall.
        short: i128,
    },
    /// Projected used is above the total.
    AboveTotal,
    /// The gated figure reaches the fail threshold.
    AtFail,
    /// The gated figure reaches the warn threshold.
    AboveWarn,
    /// At peak the stack would use more than the total.
    PeakAboveTotal,
    /// Projected cpu is above the capacity.
    CpuOver,
    /// The scheduler cannot place the services to add.
    SchedulerShort {
        /// Unrequested allocatable.
        free: Bytes,
    },
    /// No node has room for the largest replica to add.
    NoNodeForLargest {
        /// The largest replica to add.
        largest_replica: Bytes,
        /// The most unrequested on one node.
        largest_free: Bytes,
    },
    /// Below the warn threshold.
    Below,
    /// Inputs that were wanted could not be read.
    Missing,
}

/// A gate given on the command line and whether it held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// `--max-used`.
    MaxUsed(Ratio),
    /// `--min-available`.
    MinAvailable(Bytes),
    /// `--fail-on tight`.
    FailOnTight,
}

/// A gate's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GateOutcome {
    /// The gate.
    pub gate: Gate,
    /// Whether it held.
    pub passed: bool,
}

/// The verdict with its reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// HEALTHY, TIGHT or INSUFFICIENT.
    pub status: Status,
    /// Why, most important first.
    pub reasons: Vec<Reason>,
    /// Command-line gates.
    pub gates: Vec<GateOutcome>,
    /// True when the run should fail (exit 1).
    pub failed: bool,
}

/// CPU before and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuProjection {
    /// Capacity.
    pub capacity: Millicores,
    /// In use now, if known.
    pub used: Option<Millicores>,
    /// The services to add.
    pub planned: Millicores,
    /// used + planned.
    pub projected: Option<Millicores>,
}

/// Memory of one group of services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSums {
    /// Group name.
    pub group: String,
    /// Running services.
    pub running: usize,
    /// Services to add.
    pub to_add: usize,
    /// Running memory.
    pub running_memory: Bytes,
    /// Memory to add.
    pub to_add_memory: Bytes,
}

/// Everything `check` computes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projection {
    /// Running services (count).
    pub running_services: usize,
    /// Their instances.
    pub running_replicas: u64,
    /// Services to add (count).
    pub to_add_services: usize,
    /// Services out of the scope (count).
    pub out_of_scope_services: usize,
    /// Running services' memory (inside "used").
    pub current: Bytes,
    /// The services to add.
    pub planned: Bytes,
    /// current + planned.
    pub projected: Bytes,
    /// Running services at their peak.
    pub running_peak: Bytes,
    /// Services to add at their peak.
    pub planned_peak: Bytes,
    /// running peak + planned peak.
    pub projected_peak: Bytes,
    /// Total memory.
    pub total: Bytes,
    /// Used now.
    pub used: Bytes,
    /// Available now.
    pub available: Bytes,
    /// used + planned.
    pub projected_used: Bytes,
    /// available - planned (negative: the services do not fit).
    pub projected_available: i128,
    /// total - projected available.
    pub projected_unavailable: u64,
    /// used + (running peak - running) + planned peak.
    pub peak_used: Bytes,
    /// The figure the thresholds apply to.
    pub gated_used: u64,
    /// The policy's Kubernetes share of the total.
    pub kubernetes_share: Bytes,
    /// Memory at the warn threshold.
    pub warn_limit: Bytes,
    /// Memory at the fail threshold.
    pub fail_limit: Bytes,
    /// warn limit - gated.
    pub to_warn: i128,
    /// fail limit - gated.
    pub to_fail: i128,
    /// Average memory of a running instance.
    pub average: Option<Bytes>,
    /// How many more services of the average size fit before the warn threshold.
    pub more_fit: Option<u64>,
    /// CPU, when the capacity is known.
    pub cpu: Option<CpuProjection>,
    /// The largest instance to add (typical).
    pub largest_to_add: Bytes,
    /// By group, in order of first appearance.
    pub groups: Vec<GroupSums>,
    /// The verdict.
    pub verdict: Verdict,
}

fn sum_bytes<'a>(it: impl Iterator<Item = &'a ServiceDemand>, f: fn(&ServiceDemand) -> Bytes) -> Bytes {
    Bytes(it.fold(0u64, |a, d| a.saturating_add(f(d).0)))
}

/// Runs the projection and the verdict on one demand and baseline. `scheduling` (a cluster
/// whose pods were read) adds the scheduler's check; `missing` (inputs that could not be read)
/// adds a reason.
pub fn project(
    demand: &Demand,
    baseline: &Baseline,
    gates: &Gates,
    scheduling: Option<Scheduling>,
    missing: bool,
) -> Projection {
    let policy = &demand.policy;
    let running = || demand.services.iter().filter(|d| d.state == State::Running);
    let to_add = || demand.services.iter().filter(|d| d.state.to_add());
    let current = sum_bytes(running(), |d| d.memory);
    let planned = sum_bytes(to_add(), |d| d.memory);
    let projected = Bytes(current.0.saturating_add(planned.0));
    let running_peak = sum_bytes(running(), |d| d.peak);
    let planned_peak = sum_bytes(to_add(), |d| d.peak);
    let projected_peak = Bytes(running_peak.0.saturating_add(planned_peak.0));
    let running_replicas: u64 = running().map(|d| u64::from(d.instances)).fold(0u64, u64::saturating_add);

    let mut groups: Vec<GroupSums> = Vec::new();
    for d in demand.services.iter().filter(|d| d.state != State::OutOfScope) {
        let g = match groups.iter_mut().find(|g| g.group == d.spec.group) {
            Some(g) => g,
            None => {
                groups.push(GroupSums {
                    group: d.spec.group.clone(),
                    running: 0,
                    to_add: 0,
                    running_memory: Bytes(0),
                    to_add_memory: Bytes(0),
                });
                groups.last_mut().expect("just pushed")
            }
        };
        if d.state == State::Running {
            g.running += 1;
            g.running_memory = Bytes(g.running_memory.0.saturating_add(d.memory.0));
        } else {
            g.to_add += 1;
            g.to_add_memory = Bytes(g.to_add_memory.0.saturating_add(d.memory.0));
        }
    }

    let total = baseline.total;
    let used = baseline.used;
    let projected_used = Bytes(used.0.saturating_add(planned.0));
    let projected_available = i128::from(baseline.available.0) - i128::from(planned.0);
    let projected_unavailable =
        u64::try_from(i128::from(total.0) - projected_available.min(i128::from(total.0))).unwrap_or(u64::MAX);
    let peak_extra = running_peak.0.saturating_sub(current.0).saturating_add(planned_peak.0);
    let peak_used = Bytes(used.0.saturating_add(peak_extra));
    let gated_used = match policy.used_measure {
        UsedMeasure::Used => projected_used.0,
        UsedMeasure::Unavailable => projected_unavailable,
    };
    let kubernetes_share = Bytes(policy.allocation.kubernetes.apply_floor(total.0));
    let warn_limit = Bytes(policy.warn_used_percent.apply_floor(total.0));
    let fail_limit = Bytes(policy.fail_used_percent.apply_floor(total.0));
    let to_warn = i128::from(warn_limit.0) - i128::from(gated_used);
    let to_fail = i128::from(fail_limit.0) - i128::from(gated_used);
    let average = (running_replicas > 0).then(|| Bytes(current.0 / running_replicas));
    let more_fit = average.map(|avg| {
        if avg.0 == 0 || to_warn <= 0 { 0 } else { u64::try_from(to_warn).unwrap_or(u64::MAX) / avg.0 }
    });
    let cpu_planned = Millicores(to_add().fold(0u64, |a, d| a.saturating_add(d.cpu.0)));
    let cpu = baseline.cpu_capacity.map(|cap| CpuProjection {
        capacity: cap,
        used: baseline.cpu_used,
        planned: cpu_planned,
        projected: baseline.cpu_used.map(|u| Millicores(u.0.saturating_add(cpu_planned.0))),
    });
    let largest_to_add = to_add()
        .map(|d| d.largest_instance(crate::model::profile::SizeBy::Typical))
        .max()
        .unwrap_or(Bytes(0));

    // Verdict.
    let mut reasons = Vec::new();
    let status = if total.0 == 0 {
        reasons.push(Reason::ZeroTotal);
        Status::Insufficient
    } else {
        let mut st = Status::Healthy;
        if projected_available < 0 {
            st = Status::Insufficient;
            reasons.push(Reason::ShortOfAvailable {
                planned,
                available: baseline.available,
                short: -projected_available,
            });
        }
        if projected_used > total {
            st = Status::Insufficient;
            reasons.push(Reason::AboveTotal);
        }
        if policy.fail_used_percent.is_reached_by(gated_used, total.0) {
            st = Status::Insufficient;
            reasons.push(Reason::AtFail);
        } else if policy.warn_used_percent.is_reached_by(gated_used, total.0) {
            st = st.max(Status::Tight);
            reasons.push(Reason::AboveWarn);
        }
        if peak_used > total {
            st = st.max(Status::Tight);
            reasons.push(Reason::PeakAboveTotal);
        }
        if let Some(c) = &cpu
            && let Some(p) = c.projected
            && p > c.capacity
        {
            st = st.max(Status::Tight);
            reasons.push(Reason::CpuOver);
        }
        if let Some(s) = scheduling {
            if planned > s.free {
                st = Status::Insufficient;
                reasons.push(Reason::SchedulerShort { free: s.free });
            } else if largest_to_add > s.largest {
                st = Status::Insufficient;
                reasons.push(Reason::NoNodeForLargest {
                    largest_replica: largest_to_add,
                    largest_free: s.largest,
                });
            }
        }
        if st == Status::Healthy {
            reasons.push(Reason::Below);
        }
        st
    };
    if missing {
        reasons.push(Reason::Missing);
    }
    let mut outcomes = Vec::new();
    if let Some(max) = gates.max_used {
        let breached = total.0 == 0 || max.is_exceeded_by(gated_used, total.0);
        outcomes.push(GateOutcome { gate: Gate::MaxUsed(max), passed: !breached });
    }
    if let Some(min) = gates.min_available {
        outcomes.push(GateOutcome {
            gate: Gate::MinAvailable(min),
            passed: projected_available >= i128::from(min.0),
        });
    }
    if gates.fail_on_tight {
        outcomes.push(GateOutcome { gate: Gate::FailOnTight, passed: status == Status::Healthy });
    }
    let failed = status == Status::Insufficient || outcomes.iter().any(|g| !g.passed);
    Projection {
        running_services: running().count(),
        running_replicas,
        to_add_services: to_add().count(),
        out_of_scope_services: demand.services.iter().filter(|d| d.state == State::OutOfScope).count(),
        current,
        planned,
        projected,
        running_peak,
        planned_peak,
        projected_peak,
        total,
        used,
        available: baseline.available,
        projected_used,
        projected_available,
        projected_unavailable,
        peak_used,
        gated_used,
        kubernetes_share,
        warn_limit,
        fail_limit,
        to_warn,
        to_fail,
        average,
        more_fit,
        cpu,
        largest_to_add,
        groups,
        verdict: Verdict { status, reasons, gates: outcomes, failed },
    }
}

/// Whether "used" already holds the running services (the host, a replay, a recording, a
/// cluster) or was built from them (`--profile-only`).
pub fn used_holds_running(kind: BaselineKind) -> bool {
    !matches!(kind, BaselineKind::Profile)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::baseline::Origin;
    use crate::model::profile::{MemorySpec, Policy, Profile, Service, ServiceStatus};

    const MI: u64 = 1 << 20;
    const GI: u64 = 1 << 30;

    fn svc(name: &str, status: ServiceStatus, mib: u64) -> Service {
        Service {
            name: name.into(),
            group: "core".into(),
            status,
            port: None,
            memory: MemorySpec { typical: Bytes(mib * MI), peak: None },
            cpu: None,
            replicas: 1,
            namespace: None,
            workload: None,
            selector: Default::default(),
            per_client: None,
            notes: None,
            never_live: false,
        }
    }

    fn demand(services: Vec<Service>) -> Demand {
        Demand::from_profile(&Profile {
            name: "t".into(),
            policy: Policy::default(),
            services,
            ..Default::default()
        })
    }

    fn host(total: u64, used: u64, available: u64) -> Baseline {
        Baseline {
            kind: BaselineKind::Host,
            origin: Origin::Described("test host".into()),
            total: Bytes(total),
            used: Bytes(used),
            available: Bytes(available),
            swap: None,
            cpu_capacity: None,
            cpu_used: None,
            notes: vec![],
        }
    }

    fn seed() -> Profile {
        let text = include_str!("../../profiles/bizosaas.yaml");
        crate::source::files::parse_profile(text, "seed").unwrap()
    }

    #[test]
    fn seed_snapshot_replay_reproduces_the_analysis_corrected() {
        let p = seed();
        let r = project(
            &Demand::from_profile(&p),
            &Baseline::from_record(&p).unwrap(),
            &Gates::default(),
            None,
            false,
        );
        assert_eq!(r.current, Bytes(600 * MI));
        assert_eq!(r.planned, Bytes(330 * MI));
        assert_eq!(r.projected, Bytes(930 * MI));
        assert_eq!(r.total, Bytes(8_267_812_045));
        assert_eq!(r.projected_used, Bytes(5_905_580_032 + 330 * MI));
        assert_eq!(r.projected_available, 2_040_109_466 - 330 * MI as i128);
        assert_eq!(Ratio::of(r.projected_used.0, r.total.0), Some(Ratio(7561)));
        assert_eq!(r.verdict.status, Status::Tight);
        assert!(!r.verdict.failed);
        assert_eq!(r.verdict.reasons, vec![Reason::AboveWarn]);
        assert_eq!(r.average, Some(Bytes(50 * MI)));
        assert_eq!(r.more_fit, Some(0));
        assert_eq!(r.warn_limit, Bytes(5_787_468_431));
        assert_eq!(r.to_warn, 5_787_468_431 - 6_251_610_112);
        let cpu = r.cpu.unwrap();
        assert_eq!(
            (cpu.capacity, cpu.used, cpu.projected),
            (Millicores(8000), Some(Millicores(600)), Some(Millicores(900)))
        );
    }

    #[test]
    fn healthy_host_counts_services_that_fit() {
        let mut services: Vec<Service> =
            (0..4).map(|i| svc(&format!("d{i}"), ServiceStatus::Deployed, 100)).collect();
        services.push(svc("p", ServiceStatus::Planned, 100));
        let r = project(&demand(services), &host(8 * GI, 2 * GI, 6 * GI), &Gates::default(), None, false);
        assert_eq!(r.verdict.status, Status::Healthy);
        assert_eq!(r.warn_limit, Bytes(6_012_954_214));
        // floor(3760612966 / 104857600) = 35
        assert_eq!(r.more_fit, Some(35));
        assert_eq!(r.verdict.reasons, vec![Reason::Below]);
    }

    #[test]
    fn zero_memory_host_is_insufficient_without_dividing_by_zero() {
        let r = project(
            &demand(vec![svc("a", ServiceStatus::Planned, 50)]),
            &host(0, 0, 0),
            &Gates::default(),
            None,
            false,
        );
        assert_eq!(r.verdict.status, Status::Insufficient);
        assert_eq!(r.verdict.reasons, vec![Reason::ZeroTotal]);
    }

    #[test]
    fn projected_above_total_is_insufficient_with_the_shortfall() {
        let r = project(
            &demand(vec![svc("big", ServiceStatus::Planned, 2048)]),
            &host(8 * GI, 7 * GI, GI),
            &Gates::default(),
            None,
            false,
        );
        assert_eq!(r.verdict.status, Status::Insufficient);
        assert_eq!(r.projected_available, -(GI as i128));
        assert_eq!(
            r.verdict.reasons[..3],
            [
                Reason::ShortOfAvailable { planned: Bytes(2 * GI), available: Bytes(GI), short: GI as i128 },
                Reason::AboveTotal,
                Reason::AtFail
            ]
        );
    }

    #[test]
    fn thresholds_are_exact_at_the_boundary() {
        let d = demand(vec![]);
        let at = |used: u64| {
            project(&d, &host(10_000, used, 10_000 - used), &Gates::default(), None, false).verdict.status
        };
        assert_eq!(at(6_999), Status::Healthy);
        assert_eq!(at(7_000), Status::Tight);
        assert_eq!(at(8_999), Status::Tight);
        assert_eq!(at(9_000), Status::Insufficient);
    }

    #[test]
    fn command_line_gates() {
        let p = seed();
        let b = Baseline::from_record(&p).unwrap();
        let d = Demand::from_profile(&p);
        let run = |g: Gates| project(&d, &b, &g, None, false).verdict;
        let v = run(Gates { max_used: Some(Ratio::percent(75)), ..Default::default() });
        assert!(v.failed);
        assert_eq!(v.gates, vec![GateOutcome { gate: Gate::MaxUsed(Ratio::percent(75)), passed: false }]);
        assert!(!run(Gates { max_used: Some(Ratio::percent(76)), ..Default::default() }).failed);
        // 6251610112/8267812045 = 75.6135...% > 75.61%.
        assert!(run(Gates { max_used: Some(Ratio(7561)), ..Default::default() }).failed);
        assert!(!run(Gates { max_used: Some(Ratio(7562)), ..Default::default() }).failed);
        assert!(run(Gates { min_available: Some(Bytes(2 * GI)), ..Default::default() }).failed);
        assert!(!run(Gates { min_available: Some(Bytes(GI)), ..Default::default() }).failed);
        assert!(run(Gates { fail_on_tight: true, ..Default::default() }).failed);
    }

    #[test]
    fn peaks_that_do_not_fit_make_it_tight() {
        let mut s = svc("spiky", ServiceStatus::Planned, 100);
        s.memory.peak = Some(Bytes(3 * GI));
        let r = project(&demand(vec![s.clone()]), &host(4 * GI, GI, 3 * GI), &Gates::default(), None, false);
        assert_eq!(r.peak_used, Bytes(4 * GI));
        assert_eq!(r.verdict.status, Status::Healthy, "4Gi of 4Gi is not more than the total");
        s.memory.peak = Some(Bytes(3 * GI + 1));
        let r = project(&demand(vec![s]), &host(4 * GI, GI, 3 * GI), &Gates::default(), None, false);
        assert_eq!(r.verdict.status, Status::Tight);
        assert_eq!(r.verdict.reasons[0], Reason::PeakAboveTotal);
    }

    #[test]
    fn the_scheduler_check_and_missing_inputs() {
        let d = demand(vec![svc("p", ServiceStatus::Planned, 300)]);
        let sched = Scheduling { free: Bytes(200 * MI), largest: Bytes(200 * MI) };
        let r = project(&d, &host(8 * GI, GI, 7 * GI), &Gates::default(), Some(sched), true);
        assert_eq!(r.verdict.status, Status::Insufficient);
        assert_eq!(
            r.verdict.reasons,
            vec![Reason::SchedulerShort { free: Bytes(200 * MI) }, Reason::Missing]
        );
        let sched = Scheduling { free: Bytes(400 * MI), largest: Bytes(200 * MI) };
        let r = project(&d, &host(8 * GI, GI, 7 * GI), &Gates::default(), Some(sched), false);
        assert_eq!(
            r.verdict.reasons,
            vec![Reason::NoNodeForLargest {
                largest_replica: Bytes(300 * MI),
                largest_free: Bytes(200 * MI)
            }]
        );
    }
}
