//! The `check` report: built once from the assessment (demand, baseline, cluster), the
//! projection, the tiers and the what-if comparison. Every figure is an exact integer with its
//! display, every reason a sentence, every figure explained (`--explain`).

use serde::Serialize;

use super::cluster::{ClusterView, ContextRow};
use super::node::OverheadLine;
use super::plan::OptionRow;
use super::whatif::WhatIf;
use crate::analysis::check::{Gate, GateOutcome, Projection, Reason, Status};
use crate::analysis::demand::{Demand, ServiceDemand, Source, State};
use crate::analysis::history::HistoryReport;
use crate::model::baseline::{Baseline, BaselineKind, ClusterUsed, Origin};
use crate::model::figure::{CpuFig, MemFig, PctFig, SignedMemFig};
use crate::model::profile::{ServiceStatus, UsedMeasure};
use crate::model::quantity::{Bytes, human_bytes_signed};
use crate::model::ratio::Ratio;

/// One service as it enters the projection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceRow {
    /// Service name.
    pub name: String,
    /// Group.
    pub group: String,
    /// deployed or planned.
    pub status: ServiceStatus,
    /// running, planned, no-pods (added like a planned service) or out-of-scope.
    pub state: State,
    /// Port, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Replicas in the profile.
    pub replicas: u32,
    /// Pods found in the cluster (only with a cluster).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pods: Option<u64>,
    /// Memory of all replicas (typical, or the live figure).
    pub memory: MemFig,
    /// Peak memory of all replicas.
    pub memory_peak: MemFig,
    /// Where the peak comes from.
    pub peak_source: &'static str,
    /// CPU of all replicas (typical), if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<CpuFig>,
    /// Where the memory figure came from: profile, cluster usage, prometheus history, ...
    pub source: &'static str,
    /// The same, as a kebab-case code (profile, live-usage, history, recording, what-if, ...).
    pub provenance: Source,
}

/// Memory by group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRow {
    /// Group name.
    pub group: String,
    /// Deployed services in the group.
    pub deployed_services: usize,
    /// Planned services in the group.
    pub planned_services: usize,
    /// Deployed memory.
    pub deployed: MemFig,
    /// Planned memory.
    pub planned: MemFig,
    /// Deployed + planned.
    pub projected: MemFig,
}

/// The stack's workload memory (services only, no OS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Workload {
    /// Deployed services (count of services, not replicas).
    pub deployed_services: usize,
    /// Deployed replicas.
    pub deployed_replicas: u64,
    /// Planned services.
    pub planned_services: usize,
    /// Current: deployed services' memory.
    pub current: MemFig,
    /// Planned services' memory.
    pub planned: MemFig,
    /// current + planned.
    pub projected: MemFig,
    /// Peak of current + planned.
    pub projected_peak: MemFig,
}

/// Host memory before and after the planned services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostMemory {
    /// Total memory.
    pub total: MemFig,
    /// Used now.
    pub used: MemFig,
    /// Available now.
    pub available: MemFig,
    /// used / total now.
    pub used_percent: PctFig,
    /// Used after adding the planned services.
    pub projected_used: MemFig,
    /// Available after adding the planned services (negative when they do not fit).
    pub projected_available: SignedMemFig,
    /// projected used / total: the measure of the seed analysis.
    pub projected_used_percent: PctFig,
    /// (total - projected available) / total: memory neither free nor reclaimable.
    pub projected_unavailable_percent: PctFig,
    /// Which of the two the thresholds apply to.
    pub measure: UsedMeasure,
    /// The percentage the thresholds apply to.
    pub gated_percent: PctFig,
    /// Projected used with every service at its peak.
    pub peak_used: MemFig,
    /// peak used / total.
    pub peak_used_percent: PctFig,
    /// The Kubernetes share of the total by the policy's allocation split.
    pub kubernetes_share: MemFig,
    /// Swap total, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub swap_total: Option<MemFig>,
    /// Swap used, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub swap_used: Option<MemFig>,
}

/// Headroom against the thresholds and room for more services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Headroom {
    /// Warn threshold.
    pub warn_percent: PctFig,
    /// Fail threshold.
    pub fail_percent: PctFig,
    /// Memory at the warn threshold.
    pub warn_limit: MemFig,
    /// Memory at the fail threshold.
    pub fail_limit: MemFig,
    /// warn limit - projected used (negative: over the threshold).
    pub to_warn: SignedMemFig,
    /// fail limit - projected used.
    pub to_fail: SignedMemFig,
    /// Average memory of a deployed replica.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub average_service: Option<MemFig>,
    /// How many more services of the average size fit before the warn threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more_services_fit: Option<u64>,
}

/// CPU before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CpuFigures {
    /// Capacity.
    pub capacity: CpuFig,
    /// In use now, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used: Option<CpuFig>,
    /// Planned services' cpu.
    pub planned: CpuFig,
    /// used + planned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projected: Option<CpuFig>,
    /// projected / capacity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projected_percent: Option<PctFig>,
}

/// A gate given on the command line and whether it held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GateResult {
    /// The flag, e.g. `--max-used 80%`.
    pub gate: String,
    /// Whether the gate passed.
    pub passed: bool,
    /// What was compared.
    pub detail: String,
}

/// The verdict with its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// HEALTHY, TIGHT or INSUFFICIENT.
    pub status: Status,
    /// Why, one sentence each, most important first.
    pub reasons: Vec<String>,
    /// Command-line gates.
    pub gates: Vec<GateResult>,
    /// True when the run should fail (exit 1): INSUFFICIENT, TIGHT with --fail-on tight, or a gate.
    pub failed: bool,
}

/// One line of `--explain`: a figure and the arithmetic behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explain {
    /// The figure's name as shown in the report.
    pub figure: String,
    /// The arithmetic, with the numbers.
    pub arithmetic: String,
}

/// What the machine planned onto runs besides the services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemSection {
    /// How the overhead is known: `modelled` (catalog defaults and overrides, for a node of
    /// the given size) or `measured` (inside "used": the host's or the cluster's usage).
    pub how: &'static str,
    /// The parts, each with its figure and source.
    pub parts: Vec<OverheadLine>,
    /// Their sum.
    pub total: MemFig,
}

/// Everything `check` computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    /// Profile name.
    pub profile: String,
    /// Where the current figures came from.
    pub baseline: BaselineKind,
    /// The source, in words.
    pub baseline_description: String,
    /// Notes about the source.
    pub notes: Vec<String>,
    /// Services.
    pub services: Vec<ServiceRow>,
    /// Memory by group.
    pub groups: Vec<GroupRow>,
    /// Workload totals.
    pub workload: Workload,
    /// Host memory.
    pub host: HostMemory,
    /// What the machine runs besides the services (the OS, the distribution, system pods).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemSection>,
    /// Headroom.
    pub headroom: Headroom,
    /// CPU, when the capacity is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<CpuFigures>,
    /// The live cluster, when one was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterView>,
    /// How the projected load sits on the catalog's tiers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<OptionRow>,
    /// Inputs that were wanted but could not be read; the verdict was computed without them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_inputs: Vec<String>,
    /// Usage history from Prometheus (`--prometheus`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryReport>,
    /// What-if changes: before and after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what_if: Option<WhatIf>,
    /// The verdict.
    pub verdict: Verdict,
    /// The arithmetic behind every figure.
    pub explain: Vec<Explain>,
}

/// The source of a service's memory figure, in words.
pub fn source_text(d: &ServiceDemand, with_cluster: bool) -> &'static str {
    match (d.state, d.memory_from) {
        (State::NoPods, _) if with_cluster => "profile (no pods found: added like a planned service)",
        (State::OutOfScope, _) => "profile (pods outside the -n/-l scope: not counted, not added)",
        (_, Source::Profile | Source::PeakMultiplier) => "profile",
        (_, Source::History) => "prometheus history",
        (_, Source::Recording) => "sample recording",
        (_, Source::LiveUsage | Source::LivePeak) => "cluster usage (metrics.k8s.io)",
        (_, Source::LiveRequests) => "cluster requests (no metrics)",
        (_, Source::WhatIf) => "what-if",
        (_, Source::Rightsized) => "right-sized requests (--rightsize)",
    }
}

/// The source of a service's peak, in words.
pub fn peak_text(d: &ServiceDemand) -> &'static str {
    match d.peak_from {
        Source::PeakMultiplier => "typical x peakMultiplier",
        Source::LivePeak => "live x peakMultiplier",
        Source::History => "prometheus max_over_time",
        Source::Recording => "sample recording peak",
        Source::WhatIf => "what-if",
        Source::Rightsized => "right-sized memory limits (--rightsize)",
        _ => "profile",
    }
}

/// The baseline's source in words.
pub fn describe_baseline(b: &Baseline, total: Bytes) -> String {
    match &b.origin {
        Origin::Described(s) => s.clone(),
        Origin::Replay { profile, source } => match source {
            Some(s) => format!("recorded snapshot in profile {profile:?}: {s}"),
            None => format!("recorded snapshot in profile {profile:?}"),
        },
        Origin::Profile { nominal } => match nominal {
            Some(n) => format!(
                "profile only: a node of {n} as sold ({total} after the kernel's share) running the distribution and the deployed services"
            ),
            None => format!(
                "profile only: this host's {total} running the distribution and the deployed services' typical memory"
            ),
        },
        Origin::Cluster { server, context, nodes, used } => format!(
            "cluster {server} (context {context}): allocatable of {nodes} schedulable node(s); used = {}",
            match used {
                ClusterUsed::NodeMetrics => "NodeMetrics usage",
                ClusterUsed::NodeMetricsPartly =>
                    "NodeMetrics usage where a node has it, its pods' usage where it has none",
                ClusterUsed::PodMetrics =>
                    "sum of PodMetrics usage (no NodeMetrics: system usage not included)",
                ClusterUsed::Requests => "sum of pod requests (no metrics API)",
            }
        ),
        Origin::Samples { stat, samples, from, to, context } => match context {
            Some(c) => format!(
                "recorded samples of cluster {c}: allocatable and NodeMetrics used at the {stat} of {samples} sample(s) (unix time {from}..{to})"
            ),
            None => format!(
                "recorded samples: host used at the {stat} of {samples} sample(s) (unix time {from}..{to})"
            ),
        },
    }
}

fn pct(part: u64, whole: u64) -> PctFig {
    PctFig::from(Ratio::of(part, whole).unwrap_or(Ratio(0)))
}

/// `a + b + c = total` with human figures.
fn sum_text(terms: &[Bytes], total: Bytes) -> String {
    if terms.is_empty() {
        return "nothing = 0B".to_string();
    }
    let parts: Vec<String> = terms.iter().map(|b| b.human()).collect();
    format!("{} = {} ({} bytes)", parts.join(" + "), total, total.0)
}

/// The verdict reason listing the inputs that could not be read.
pub fn missing_reason(missing: &[String]) -> String {
    format!("computed without {} input(s) that could not be read: {}", missing.len(), missing.join("; "))
}

/// Everything the check report is built from.
#[derive(Debug, Clone, Copy)]
pub struct Parts<'a> {
    /// Profile name.
    pub profile: &'a str,
    /// The demand planned with.
    pub demand: &'a Demand,
    /// The baseline.
    pub baseline: &'a Baseline,
    /// The projection.
    pub projection: &'a Projection,
    /// The cluster section, when a cluster was read.
    pub cluster: Option<&'a ClusterView>,
    /// What the machine runs besides the services, when modelled or measured.
    pub system: Option<&'a SystemSection>,
    /// Inputs that could not be read.
    pub missing: &'a [String],
    /// Notes of the sources.
    pub notes: &'a [String],
}

impl CheckReport {
    /// Builds the report.
    pub fn new(p: Parts<'_>) -> CheckReport {
        let Parts { profile, demand, baseline, projection: pr, cluster, system, missing, notes } = p;
        let policy = &demand.policy;
        let with_cluster = cluster.is_some();
        let mut explain = Vec::new();
        let mut ex = |figure: &str, arithmetic: String| {
            explain.push(Explain { figure: figure.to_string(), arithmetic })
        };
        let services: Vec<ServiceRow> = demand
            .services
            .iter()
            .map(|d| ServiceRow {
                name: d.spec.name.clone(),
                group: d.spec.group.clone(),
                status: d.spec.status,
                state: d.state,
                port: d.spec.port,
                replicas: d.spec.replicas,
                pods: d.live.map(|l| l.pods),
                memory: d.memory.into(),
                memory_peak: d.peak.into(),
                peak_source: peak_text(d),
                cpu: d.has_cpu.then(|| d.cpu.into()),
                source: source_text(d, with_cluster),
                provenance: d.memory_from,
            })
            .collect();
        let running: Vec<Bytes> =
            demand.services.iter().filter(|d| d.state == State::Running).map(|d| d.memory).collect();
        let to_add: Vec<Bytes> =
            demand.services.iter().filter(|d| d.state.to_add()).map(|d| d.memory).collect();
        let (current_what, planned_what) = if with_cluster {
            ("services running in the cluster", "services to add (planned, or deployed without pods)")
        } else {
            ("deployed services", "planned services")
        };
        let figure_what = if with_cluster { "live figure where found" } else { "typical x replicas" };
        ex(
            "workload.current",
            format!("{current_what} ({}, {figure_what}): {}", running.len(), sum_text(&running, pr.current)),
        );
        ex(
            "workload.planned",
            format!(
                "{planned_what} ({}, typical x replicas): {}",
                to_add.len(),
                sum_text(&to_add, pr.planned)
            ),
        );
        ex(
            "workload.projected",
            format!(
                "current + planned = {} + {} = {} ({} bytes)",
                pr.current, pr.planned, pr.projected, pr.projected.0
            ),
        );
        ex(
            "workload.projectedPeak",
            format!(
                "every service at its peak (profile peak, else {} x {}): {} deployed + {} planned = {}",
                if with_cluster { "live or typical" } else { "typical" },
                policy.peak_multiplier.multiplier_string(),
                pr.running_peak,
                pr.planned_peak,
                pr.projected_peak
            ),
        );
        for d in demand.services.iter().filter(|d| d.memory_from != Source::Profile) {
            ex(
                &format!("services.{}.memory", d.spec.name),
                format!(
                    "{} = {} ({} bytes) for {} instance(s), from {}; the profile says {} x {} = {}",
                    d.spec.name,
                    d.memory,
                    d.memory.0,
                    d.instances,
                    source_text(d, with_cluster),
                    d.spec.replicas,
                    d.spec.memory.typical,
                    d.profile_memory
                ),
            );
        }
        let groups = pr
            .groups
            .iter()
            .map(|g| GroupRow {
                group: g.group.clone(),
                deployed_services: g.running,
                planned_services: g.to_add,
                deployed: g.running_memory.into(),
                planned: g.to_add_memory.into(),
                projected: Bytes(g.running_memory.0.saturating_add(g.to_add_memory.0)).into(),
            })
            .collect();

        let (total, used) = (pr.total, pr.used);
        let already = match baseline.kind {
            BaselineKind::Host | BaselineKind::Replay | BaselineKind::Samples => format!(
                "; the deployed services ({}) already run inside 'used', so only the planned services are added (adding the whole projected workload, {}, would count {} twice)",
                pr.current, pr.projected, pr.current
            ),
            BaselineKind::Profile => format!(
                "; with --profile-only, used is what the node runs besides the services ({}) plus the deployed services' typical memory ({})",
                system.map_or(Bytes(0), |s| Bytes(s.total.bytes)),
                pr.current
            ),
            BaselineKind::Cluster => format!(
                "; the running services ({}) are already part of the cluster's usage, so only the services to add are added",
                pr.current
            ),
        };
        let description = describe_baseline(baseline, total);
        ex("host.total", format!("{} = {} bytes ({description})", total, total.0));
        ex("host.used", format!("{} = {} bytes", used, used.0));
        ex("host.available", format!("{} = {} bytes", pr.available, pr.available.0));
        ex(
            "host.projectedUsed",
            format!(
                "used + planned = {used} + {} = {} ({} bytes){already}",
                pr.planned, pr.projected_used, pr.projected_used.0
            ),
        );
        ex(
            "host.projectedAvailable",
            format!(
                "available - planned = {} - {} = {} ({} bytes)",
                pr.available,
                pr.planned,
                human_bytes_signed(pr.projected_available),
                pr.projected_available
            ),
        );
        ex(
            "host.projectedUsedPercent",
            format!(
                "projected used / total = {} / {} = {}",
                pr.projected_used.0,
                total.0,
                pct(pr.projected_used.0, total.0).display()
            ),
        );
        ex(
            "host.projectedUnavailablePercent",
            format!(
                "(total - projected available) / total = ({} - {}) / {} = {}",
                total.0,
                pr.projected_available,
                total.0,
                pct(pr.projected_unavailable, total.0).display()
            ),
        );
        ex(
            "host.peakUsed",
            format!(
                "used + (deployed peak - deployed typical) + planned peak = {used} + ({} - {}) + {} = {} ({})",
                pr.running_peak,
                pr.current,
                pr.planned_peak,
                pr.peak_used,
                pct(pr.peak_used.0, total.0).display()
            ),
        );
        ex(
            "host.kubernetesShare",
            format!(
                "{} x total = {} x {} = {}; the projected workload {} is {} of it",
                policy.allocation.kubernetes.percent_string(),
                policy.allocation.kubernetes.percent_string(),
                total,
                pr.kubernetes_share,
                pr.projected,
                pct(pr.projected.0, pr.kubernetes_share.0).display()
            ),
        );
        if let Some(s) = system {
            for line in &s.parts {
                ex(
                    &format!("system.{}", line.part),
                    format!("{} = {} ({})", line.part, line.memory.display(), line.source),
                );
            }
            ex(
                "system.total",
                format!(
                    "{}: {} ({})",
                    s.how,
                    sum_text(
                        &s.parts.iter().map(|l| Bytes(l.memory.bytes)).collect::<Vec<_>>(),
                        Bytes(s.total.bytes)
                    ),
                    if s.how == "measured" { "inside used, not added again" } else { "part of used" }
                ),
            );
        }
        let measure_name = match policy.used_measure {
            UsedMeasure::Used => "projected used",
            UsedMeasure::Unavailable => "projected unavailable",
        };
        ex(
            "headroom.warnLimit",
            format!(
                "{} x {} = {} ({} bytes, rounded down)",
                policy.warn_used_percent.percent_string(),
                total,
                pr.warn_limit,
                pr.warn_limit.0
            ),
        );
        ex(
            "headroom.toWarn",
            format!(
                "warn limit - {measure_name} = {} - {} = {}",
                pr.warn_limit,
                Bytes(pr.gated_used),
                human_bytes_signed(pr.to_warn)
            ),
        );
        match (pr.average, pr.more_fit) {
            (Some(avg), Some(n)) => {
                ex(
                    "headroom.averageService",
                    format!(
                        "current / deployed replicas = {} / {} = {avg} (rounded down)",
                        pr.current, pr.running_replicas
                    ),
                );
                ex(
                    "headroom.moreServicesFit",
                    if pr.to_warn <= 0 {
                        format!(
                            "the {measure_name} figure is already at or over the warn limit, so 0 more services fit"
                        )
                    } else {
                        format!("floor(headroom to warn / average) = floor({} / {}) = {n}", pr.to_warn, avg.0)
                    },
                );
            }
            _ => ex(
                "headroom.moreServicesFit",
                "no deployed services to take an average from: not computed".into(),
            ),
        }
        let cpu = pr.cpu.map(|c| CpuFigures {
            capacity: c.capacity.into(),
            used: c.used.map(Into::into),
            planned: c.planned.into(),
            projected: c.projected.map(Into::into),
            projected_percent: c.projected.map(|p| pct(p.0, c.capacity.0)),
        });
        if let Some(c) = &cpu {
            ex(
                "cpu.projected",
                match (&c.used, &c.projected) {
                    (Some(u), Some(p)) => format!(
                        "used + planned = {} + {} = {} of {} capacity",
                        u.display(),
                        c.planned.display(),
                        p.display(),
                        c.capacity.display()
                    ),
                    _ => format!("cpu in use unknown; planned services add {}", c.planned.display()),
                },
            );
        }

        // Reasons in words.
        let gated_pct = pct(pr.gated_used, total.0);
        let reasons: Vec<String> = pr
            .verdict
            .reasons
            .iter()
            .map(|r| match r {
                Reason::ZeroTotal => "total memory is 0: nothing can be placed".to_string(),
                Reason::ShortOfAvailable { planned, available, short } => format!(
                    "the planned services need {planned} but only {available} is available: short by {}",
                    human_bytes_signed(*short)
                ),
                Reason::AboveTotal => format!("projected used {} is above the total {total}", pr.projected_used),
                Reason::AtFail => format!(
                    "{measure_name} memory is {} of {total}, at or above the {} fail threshold",
                    gated_pct.display(),
                    policy.fail_used_percent.percent_string()
                ),
                Reason::AboveWarn => format!(
                    "{measure_name} memory is {} of {total} ({used} used + {} planned = {}), above the {} warn threshold ({}); over it by {}",
                    gated_pct.display(),
                    pr.planned,
                    pr.projected_used,
                    policy.warn_used_percent.percent_string(),
                    pr.warn_limit,
                    human_bytes_signed(-pr.to_warn)
                ),
                Reason::PeakAboveTotal => format!(
                    "at peak the stack would use {}, more than the total {total}: risk of OOM kills under load",
                    pr.peak_used
                ),
                Reason::CpuOver => match &cpu {
                    Some(c) => format!(
                        "projected cpu {} is {} of the {} capacity: services will be throttled",
                        c.projected.as_ref().map_or(String::new(), |p| p.display()),
                        c.projected_percent.as_ref().map_or(String::new(), |p| p.display()),
                        c.capacity.display()
                    ),
                    None => "projected cpu is above the capacity".to_string(),
                },
                Reason::SchedulerShort { free } => format!(
                    "the scheduler cannot place the services to add: they request {} but only {free} of allocatable memory is unrequested on the schedulable nodes",
                    pr.planned
                ),
                Reason::NoNodeForLargest { largest_replica, largest_free } => format!(
                    "no single node can take the largest replica to add ({largest_replica}): the most unrequested allocatable memory on one node is {largest_free}"
                ),
                Reason::Below => format!(
                    "{measure_name} memory is {} of {total}, below the {} warn threshold with {} to spare",
                    gated_pct.display(),
                    policy.warn_used_percent.percent_string(),
                    human_bytes_signed(pr.to_warn)
                ),
                Reason::Missing => missing_reason(missing),
            })
            .collect();
        let gates = pr.verdict.gates.iter().map(|g| gate_result(g, pr, measure_name, &gated_pct)).collect();
        ex(
            "verdict",
            format!(
                "{} (warn at {}, fail at {} of total, on the {measure_name} figure {}); exit {}",
                pr.verdict.status.as_str(),
                policy.warn_used_percent.percent_string(),
                policy.fail_used_percent.percent_string(),
                gated_pct.display(),
                if pr.verdict.failed { 1 } else { 0 }
            ),
        );
        let swap = baseline.swap;
        CheckReport {
            profile: profile.to_string(),
            baseline: baseline.kind,
            baseline_description: description,
            notes: baseline.notes.iter().chain(notes).cloned().collect(),
            services,
            groups,
            workload: Workload {
                deployed_services: pr.running_services,
                deployed_replicas: pr.running_replicas,
                planned_services: pr.to_add_services,
                current: pr.current.into(),
                planned: pr.planned.into(),
                projected: pr.projected.into(),
                projected_peak: pr.projected_peak.into(),
            },
            host: HostMemory {
                total: total.into(),
                used: used.into(),
                available: pr.available.into(),
                used_percent: pct(used.0, total.0),
                projected_used: pr.projected_used.into(),
                projected_available: pr.projected_available.into(),
                projected_used_percent: pct(pr.projected_used.0, total.0),
                projected_unavailable_percent: pct(pr.projected_unavailable, total.0),
                measure: policy.used_measure,
                gated_percent: gated_pct,
                peak_used: pr.peak_used.into(),
                peak_used_percent: pct(pr.peak_used.0, total.0),
                kubernetes_share: pr.kubernetes_share.into(),
                swap_total: swap.map(|s| s.0.into()),
                swap_used: swap.map(|s| s.1.into()),
            },
            system: system.cloned(),
            headroom: Headroom {
                warn_percent: policy.warn_used_percent.into(),
                fail_percent: policy.fail_used_percent.into(),
                warn_limit: pr.warn_limit.into(),
                fail_limit: pr.fail_limit.into(),
                to_warn: pr.to_warn.into(),
                to_fail: pr.to_fail.into(),
                average_service: pr.average.map(Into::into),
                more_services_fit: pr.more_fit,
            },
            cpu,
            cluster: cluster.cloned(),
            tiers: Vec::new(),
            missing_inputs: missing.to_vec(),
            history: None,
            what_if: None,
            verdict: Verdict { status: pr.verdict.status, reasons, gates, failed: pr.verdict.failed },
            explain,
        }
    }
}

fn gate_result(g: &GateOutcome, pr: &Projection, measure_name: &str, gated: &PctFig) -> GateResult {
    match g.gate {
        Gate::MaxUsed(max) => GateResult {
            gate: format!("--max-used {}", max.percent_string()),
            passed: g.passed,
            detail: format!("{measure_name} is {} of {}", gated.display(), pr.total),
        },
        Gate::MinAvailable(min) => GateResult {
            gate: format!("--min-available {min}"),
            passed: g.passed,
            detail: format!("projected available is {}", human_bytes_signed(pr.projected_available)),
        },
        Gate::FailOnTight => GateResult {
            gate: "--fail-on tight".to_string(),
            passed: g.passed,
            detail: format!("verdict is {}", pr.verdict.status.as_str()),
        },
    }
}

/// `check --replay` on the embedded profile with the embedded catalog's tiers (for the render
/// layer's tests).
#[cfg(test)]
pub fn replay_for_tests() -> CheckReport {
    use crate::analysis::check::{Gates, project};
    use crate::analysis::plan::{self, Confidence, Models, Planner, Requirements};
    let loaded = crate::source::files::load_profile(None).expect("embedded profile");
    let (catalog, _) = crate::source::files::load_catalog(None).expect("embedded catalog");
    let demand = Demand::from_profile(&loaded.profile);
    let baseline = Baseline::from_record(&loaded.profile).expect("recorded host");
    let p = project(&demand, &baseline, &Gates::default(), None, false);
    let mut report = CheckReport::new(Parts {
        profile: &loaded.profile.name,
        demand: &demand,
        baseline: &baseline,
        projection: &p,
        cluster: None,
        system: None,
        missing: &[],
        notes: &[],
    });
    let models = Models::resolve(&catalog, &Default::default(), &Default::default(), None);
    let rates =
        crate::model::catalog::parse_rates(&catalog.currency, &catalog.exchange_rates).expect("rates");
    let req = Requirements {
        budget_cents: None,
        ha: false,
        min_headroom: Ratio(crate::model::ratio::ONE - loaded.profile.policy.warn_used_percent.0),
        provider: None,
        clients: None,
        min_confidence: Confidence::Unverified,
    };
    let planner = Planner::new(&demand, &models, 0);
    report.tiers = plan::options(&catalog, &models, &rates, &catalog.currency, None)
        .iter()
        .filter(|o| o.kind == "tier")
        .map(|o| super::plan::OptionRow::new(&planner.evaluate(o, &req, true), &catalog.currency))
        .collect();
    report
}

/// One cluster of a several-cluster check: its own report (and verdict), or why it could not
/// be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterCheck {
    /// kubeconfig context.
    pub context: String,
    /// Why it could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Its report, when it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Box<CheckReport>>,
}

/// A check of several clusters. No pod can be scheduled across clusters, so each is checked
/// against its own capacity and gets its own verdict; the run's verdict is the worst of them.
/// The combined figures (`contexts`) are information, never a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClustersReport {
    /// Profile name.
    pub profile: String,
    /// Each cluster, in the order asked for.
    pub clusters: Vec<ClusterCheck>,
    /// One row per context, with their total as the last row (information only).
    pub contexts: Vec<ContextRow>,
    /// Clusters that could not be read: missing inputs of the run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_inputs: Vec<String>,
    /// The worst verdict (the exit code follows it).
    pub verdict: Verdict,
}

impl ClustersReport {
    /// The report of several clusters: the worst status, one reason per cluster.
    pub fn new(
        profile: &str,
        clusters: Vec<ClusterCheck>,
        contexts: Vec<ContextRow>,
        unreachable_fails: bool,
    ) -> Self {
        let mut status = Status::Healthy;
        let mut failed = false;
        let mut reasons = Vec::new();
        let mut missing = Vec::new();
        for c in &clusters {
            match (&c.report, &c.error) {
                (Some(r), _) => {
                    status = status.max(r.verdict.status);
                    failed |= r.verdict.failed;
                    reasons.push(format!(
                        "cluster {}: {}{}",
                        c.context,
                        r.verdict.status.as_str(),
                        r.verdict.reasons.first().map_or(String::new(), |x| format!(": {x}"))
                    ));
                }
                (None, e) => {
                    let why = e.clone().unwrap_or_else(|| "not read".into());
                    reasons.push(format!("cluster {}: not read: {why}", c.context));
                    missing.push(format!("cluster {}: {why}", c.context));
                }
            }
        }
        if unreachable_fails && !missing.is_empty() {
            failed = true;
        }
        let read = clusters.iter().filter(|c| c.report.is_some()).count();
        reasons.insert(
            0,
            format!(
                "{} of the {} clusters: each against its own capacity ({read} read); the run takes the worst",
                status.as_str(),
                clusters.len()
            ),
        );
        ClustersReport {
            profile: profile.to_string(),
            clusters,
            contexts,
            missing_inputs: missing,
            verdict: Verdict { status, reasons, gates: Vec::new(), failed },
        }
    }
}
