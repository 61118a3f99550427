//! `check`: current usage plus planned services gives the projected usage; projected usage
//! against the policy thresholds gives headroom, room for more services, and a verdict.
//!
//! Everything here is integer arithmetic on bytes and millicores. Every figure of the report
//! has an [`Explain`] line that shows the numbers it was computed from.

use std::collections::BTreeMap;

use serde::Serialize;

use super::cluster::ClusterView;
use super::figure::{CpuFig, MemFig, PctFig, SignedMemFig};
use crate::model::inventory::ClusterSnapshot;
use crate::model::profile::{Profile, Service, ServiceStatus, UsedMeasure};
use crate::model::quantity::{Bytes, Millicores, human_bytes_signed};
use crate::model::ratio::Ratio;

/// Where the current figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineKind {
    /// Sampled from this host now (sysinfo, cgroup limits).
    Host,
    /// The host snapshot recorded in the profile (`--replay`).
    Replay,
    /// No host figures: current usage is the profile's deployed services (`--profile-only`).
    Profile,
    /// A live cluster: allocatable of schedulable nodes, used from metrics.k8s.io.
    Cluster,
    /// A recording of `bizo-plan sample` (`--samples`): host used at its peak or a quantile.
    Samples,
}

/// Memory and cpu of the machine the stack runs on, before the planned services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    /// Where the figures come from.
    pub kind: BaselineKind,
    /// One line naming the source (shown in reports).
    pub description: String,
    /// Total memory (the allocation, e.g. WSL2's cap or a cgroup limit).
    pub total: Bytes,
    /// Memory in use.
    pub used: Bytes,
    /// Memory available (free plus reclaimable).
    pub available: Bytes,
    /// Swap total and used, when known.
    pub swap: Option<(Bytes, Bytes)>,
    /// CPU capacity, when known.
    pub cpu_capacity: Option<Millicores>,
    /// CPU in use, when known.
    pub cpu_used: Option<Millicores>,
    /// Facts about the source worth showing (WSL2, cgroup limits, ...).
    pub notes: Vec<String>,
}

impl Baseline {
    /// The recorded snapshot of a profile, if it has one.
    pub fn from_record(profile: &Profile) -> Option<Baseline> {
        let h = profile.host.as_ref()?;
        Some(Baseline {
            kind: BaselineKind::Replay,
            description: match &h.source {
                Some(s) => format!("recorded snapshot in profile {:?}: {s}", profile.name),
                None => format!("recorded snapshot in profile {:?}", profile.name),
            },
            total: h.total,
            used: h.used,
            available: h.available,
            swap: None,
            cpu_capacity: h.cpus.map(|c| Millicores(u64::from(c) * 1000)),
            cpu_used: h.cpu_used,
            notes: Vec::new(),
        })
    }

    /// Current usage taken from the profile alone: the deployed services' typical memory
    /// on a machine of `total` memory.
    pub fn from_profile(profile: &Profile, total: Bytes, cpu_capacity: Option<Millicores>) -> Baseline {
        let used = sum_bytes(profile.deployed().map(|s| s.memory_total()));
        let cpu_used = sum_cpu(profile.deployed().map(|s| s.cpu_total()));
        Baseline {
            kind: BaselineKind::Profile,
            description: format!(
                "profile only: current usage is the deployed services' typical memory, on {total} total"
            ),
            total,
            used,
            available: total.saturating_sub(used),
            swap: None,
            cpu_capacity,
            cpu_used: Some(cpu_used),
            notes: Vec::new(),
        }
    }
}

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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
    /// Whether the peak is the profile's or typical times the multiplier.
    pub peak_source: &'static str,
    /// CPU of all replicas (typical), if the profile gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<CpuFig>,
    /// Where the figure came from: profile, cluster usage, cluster requests.
    pub source: &'static str,
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
    /// Headroom.
    pub headroom: Headroom,
    /// CPU, when the capacity is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<CpuFigures>,
    /// The live cluster, when one was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterView>,
    /// How the projected load sits on the catalog's tiers (filled by the caller).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<super::plan::Evaluation>,
    /// Inputs that were wanted but could not be read; the verdict was computed without them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_inputs: Vec<String>,
    /// Usage history from Prometheus (`--prometheus`), filled by the caller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<super::history::HistoryReport>,
    /// Each cluster of a several-cluster check, read or not (the figures above are their total).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contexts: Vec<super::cluster::ContextRow>,
    /// What-if changes (`--add`, `--remove`, `--replace`, `--scenario`): before and after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what_if: Option<super::whatif::WhatIf>,
    /// The verdict.
    pub verdict: Verdict,
    /// The arithmetic behind every figure.
    pub explain: Vec<Explain>,
}

/// The verdict reason listing the inputs that could not be read.
fn missing_reason(missing: &[String]) -> String {
    format!("{MISSING_PREFIX} {} input(s) that could not be read: {}", missing.len(), missing.join("; "))
}

const MISSING_PREFIX: &str = "computed without";

impl CheckReport {
    /// Records an input that could not be read after the report was computed (e.g. Prometheus):
    /// it joins `missing_inputs` and the verdict's "computed without" reason.
    pub fn add_missing_input(&mut self, what: String) {
        self.missing_inputs.push(what);
        self.verdict.reasons.retain(|r| !r.starts_with(MISSING_PREFIX));
        self.verdict.reasons.push(missing_reason(&self.missing_inputs));
    }
}

fn sum_bytes(it: impl Iterator<Item = Bytes>) -> Bytes {
    Bytes(it.fold(0u64, |a, b| a.saturating_add(b.0)))
}

fn sum_cpu(it: impl Iterator<Item = Millicores>) -> Millicores {
    Millicores(it.fold(0u64, |a, b| a.saturating_add(b.0)))
}

/// `a + b + c = total` with human figures, shortened when there are many terms.
fn sum_text(terms: &[Bytes], total: Bytes) -> String {
    if terms.is_empty() {
        return "nothing = 0B".to_string();
    }
    let parts: Vec<String> = terms.iter().map(|b| b.human()).collect();
    format!("{} = {} ({} bytes)", parts.join(" + "), total, total.0)
}

fn pct(part: u64, whole: u64) -> PctFig {
    PctFig::from(Ratio::of(part, whole).unwrap_or(Ratio(0)))
}

/// One service as the projection sees it.
struct Entry<'a> {
    svc: &'a Service,
    running: bool,
    memory: Bytes,
    peak: Bytes,
    cpu: Millicores,
    source: &'static str,
    pods: Option<u64>,
}

/// Runs the projection and the verdict. With a cluster snapshot, services found in the cluster
/// take their live figures and the report gains a cluster section.
pub fn check(
    profile: &Profile,
    baseline: &Baseline,
    gates: &Gates,
    cluster: Option<&ClusterSnapshot>,
) -> CheckReport {
    let policy = &profile.policy;
    let mult = policy.peak_multiplier;
    let mut explain = Vec::new();
    let mut ex = |figure: &str, arithmetic: String| {
        explain.push(Explain { figure: figure.to_string(), arithmetic });
    };

    // Services: the live figure replaces the profile's for services found in the cluster; a
    // service runs when it has pods (cluster) or is marked deployed (no cluster).
    let live = cluster.map(|c| super::cluster::live_figures(profile, c));
    let entries: Vec<Entry<'_>> = profile
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| match live.as_ref().and_then(|l| l[i]) {
            Some(l) => Entry {
                svc: s,
                running: true,
                memory: l.memory,
                peak: match s.memory.peak {
                    Some(p) => Bytes(p.0.saturating_mul(u64::from(s.replicas)).max(l.memory.0)),
                    None => Bytes(mult.apply_ceil(l.memory.0)),
                },
                cpu: l.cpu,
                source: l.source,
                pods: Some(l.pods),
            },
            None => Entry {
                svc: s,
                running: cluster.is_none() && s.status == ServiceStatus::Deployed,
                memory: s.memory_total(),
                peak: s.memory_peak_total(mult),
                cpu: s.cpu_total(),
                source: match (cluster.is_some(), s.status) {
                    (true, ServiceStatus::Deployed) => {
                        "profile (no pods found: added like a planned service)"
                    }
                    _ => "profile",
                },
                pods: cluster.map(|_| 0),
            },
        })
        .collect();
    let services: Vec<ServiceRow> = entries
        .iter()
        .map(|e| ServiceRow {
            name: e.svc.name.clone(),
            group: e.svc.group.clone(),
            status: e.svc.status,
            port: e.svc.port,
            replicas: e.svc.replicas,
            pods: e.pods,
            memory: e.memory.into(),
            memory_peak: e.peak.into(),
            peak_source: match (e.svc.memory.peak.is_some(), e.source == "profile") {
                (true, _) => "profile",
                (false, true) => "typical x peakMultiplier",
                (false, false) => "live x peakMultiplier",
            },
            cpu: (e.svc.cpu.is_some() || e.pods.is_some_and(|p| p > 0)).then(|| e.cpu.into()),
            source: e.source,
        })
        .collect();
    let deployed: Vec<Bytes> = entries.iter().filter(|e| e.running).map(|e| e.memory).collect();
    let planned: Vec<Bytes> = entries.iter().filter(|e| !e.running).map(|e| e.memory).collect();
    let current = sum_bytes(deployed.iter().copied());
    let planned_total = sum_bytes(planned.iter().copied());
    let projected = Bytes(current.0.saturating_add(planned_total.0));
    let deployed_peak = sum_bytes(entries.iter().filter(|e| e.running).map(|e| e.peak));
    let planned_peak = sum_bytes(entries.iter().filter(|e| !e.running).map(|e| e.peak));
    let projected_peak = Bytes(deployed_peak.0.saturating_add(planned_peak.0));
    let deployed_services = deployed.len();
    let deployed_replicas: u64 =
        entries.iter().filter(|e| e.running).map(|e| e.pods.unwrap_or(u64::from(e.svc.replicas))).sum();
    let planned_services = planned.len();
    let (current_what, planned_what) = if cluster.is_some() {
        ("services running in the cluster", "services to add (planned, or deployed without pods)")
    } else {
        ("deployed services", "planned services")
    };
    let figure_what = if cluster.is_some() { "live figure where found" } else { "typical x replicas" };

    ex(
        "workload.current",
        format!("{current_what} ({deployed_services}, {figure_what}): {}", sum_text(&deployed, current)),
    );
    ex(
        "workload.planned",
        format!(
            "{planned_what} ({planned_services}, typical x replicas): {}",
            sum_text(&planned, planned_total)
        ),
    );
    ex(
        "workload.projected",
        format!("current + planned = {current} + {planned_total} = {projected} ({} bytes)", projected.0),
    );
    ex(
        "workload.projectedPeak",
        format!(
            "every service at its peak (profile peak, else {} x {}): {deployed_peak} deployed + {planned_peak} planned = {projected_peak}",
            if cluster.is_some() { "live or typical" } else { "typical" },
            mult.multiplier_string()
        ),
    );

    // Groups, in order of first appearance.
    let mut order: Vec<String> = Vec::new();
    let mut by_group: BTreeMap<String, (usize, usize, u64, u64)> = BTreeMap::new();
    for en in &entries {
        let s = en.svc;
        if !by_group.contains_key(&s.group) {
            order.push(s.group.clone());
        }
        let e = by_group.entry(s.group.clone()).or_default();
        if en.running {
            e.0 += 1;
            e.2 = e.2.saturating_add(en.memory.0);
        } else {
            e.1 += 1;
            e.3 = e.3.saturating_add(en.memory.0);
        }
    }
    let groups = order
        .iter()
        .filter_map(|g| by_group.get(g).map(|e| (g, e)))
        .map(|(g, &(d, p, dm, pm))| GroupRow {
            group: g.clone(),
            deployed_services: d,
            planned_services: p,
            deployed: Bytes(dm).into(),
            planned: Bytes(pm).into(),
            projected: Bytes(dm.saturating_add(pm)).into(),
        })
        .collect();

    // Host memory.
    let total = baseline.total;
    let used = baseline.used;
    let projected_used = Bytes(used.0.saturating_add(planned_total.0));
    let projected_available = i128::from(baseline.available.0) - i128::from(planned_total.0);
    let projected_unavailable =
        u64::try_from(i128::from(total.0) - projected_available.min(i128::from(total.0))).unwrap_or(u64::MAX);
    let peak_extra = deployed_peak.0.saturating_sub(current.0).saturating_add(planned_peak.0);
    let peak_used = Bytes(used.0.saturating_add(peak_extra));
    let gated_used = match policy.used_measure {
        UsedMeasure::Used => projected_used.0,
        UsedMeasure::Unavailable => projected_unavailable,
    };

    let already = match baseline.kind {
        BaselineKind::Host | BaselineKind::Replay | BaselineKind::Samples => format!(
            "; the deployed services ({current}) already run inside 'used', so only the planned services are added (adding the whole projected workload, {projected}, would count {current} twice)"
        ),
        BaselineKind::Profile => {
            "; with --profile-only, used is the deployed services' typical memory".to_string()
        }
        BaselineKind::Cluster => format!(
            "; the running services ({current}) are already part of the cluster's usage, so only the services to add are added"
        ),
    };
    ex("host.total", format!("{} = {} bytes ({})", total, total.0, baseline.description));
    ex("host.used", format!("{} = {} bytes", used, used.0));
    ex("host.available", format!("{} = {} bytes", baseline.available, baseline.available.0));
    ex(
        "host.projectedUsed",
        format!(
            "used + planned = {used} + {planned_total} = {projected_used} ({} bytes){already}",
            projected_used.0
        ),
    );
    ex(
        "host.projectedAvailable",
        format!(
            "available - planned = {} - {planned_total} = {} ({projected_available} bytes)",
            baseline.available,
            human_bytes_signed(projected_available)
        ),
    );
    ex(
        "host.projectedUsedPercent",
        format!(
            "projected used / total = {} / {} = {}",
            projected_used.0,
            total.0,
            pct(projected_used.0, total.0).display
        ),
    );
    ex(
        "host.projectedUnavailablePercent",
        format!(
            "(total - projected available) / total = ({} - {projected_available}) / {} = {}",
            total.0,
            total.0,
            pct(projected_unavailable, total.0).display
        ),
    );
    ex(
        "host.peakUsed",
        format!(
            "used + (deployed peak - deployed typical) + planned peak = {used} + ({deployed_peak} - {current}) + {planned_peak} = {peak_used} ({})",
            pct(peak_used.0, total.0).display
        ),
    );
    let kubernetes_share = Bytes(policy.allocation.kubernetes.apply_floor(total.0));
    ex(
        "host.kubernetesShare",
        format!(
            "{} x total = {} x {} = {kubernetes_share}; the projected workload {projected} is {} of it",
            policy.allocation.kubernetes.percent_string(),
            policy.allocation.kubernetes.percent_string(),
            total,
            pct(projected.0, kubernetes_share.0).display
        ),
    );

    // Headroom.
    let warn_limit = Bytes(policy.warn_used_percent.apply_floor(total.0));
    let fail_limit = Bytes(policy.fail_used_percent.apply_floor(total.0));
    let to_warn = i128::from(warn_limit.0) - i128::from(gated_used);
    let to_fail = i128::from(fail_limit.0) - i128::from(gated_used);
    let measure_name = match policy.used_measure {
        UsedMeasure::Used => "projected used",
        UsedMeasure::Unavailable => "projected unavailable",
    };
    ex(
        "headroom.warnLimit",
        format!(
            "{} x {} = {warn_limit} ({} bytes, rounded down)",
            policy.warn_used_percent.percent_string(),
            total,
            warn_limit.0
        ),
    );
    ex(
        "headroom.toWarn",
        format!(
            "warn limit - {measure_name} = {warn_limit} - {} = {}",
            Bytes(gated_used),
            human_bytes_signed(to_warn)
        ),
    );
    let average = (deployed_replicas > 0).then(|| Bytes(current.0 / deployed_replicas));
    let more_fit = average.map(|avg| {
        if avg.0 == 0 || to_warn <= 0 { 0 } else { u64::try_from(to_warn).unwrap_or(u64::MAX) / avg.0 }
    });
    match (average, more_fit) {
        (Some(avg), Some(n)) => {
            ex(
                "headroom.averageService",
                format!(
                    "current / deployed replicas = {current} / {deployed_replicas} = {avg} (rounded down)"
                ),
            );
            ex(
                "headroom.moreServicesFit",
                if to_warn <= 0 {
                    format!(
                        "the {measure_name} figure is already at or over the warn limit, so 0 more services fit"
                    )
                } else {
                    format!("floor(headroom to warn / average) = floor({} / {}) = {n}", to_warn, avg.0)
                },
            );
        }
        _ => ex(
            "headroom.moreServicesFit",
            "no deployed services to take an average from: not computed".into(),
        ),
    }

    // CPU.
    let cpu_planned = sum_cpu(entries.iter().filter(|e| !e.running).map(|e| e.cpu));
    let cpu = baseline.cpu_capacity.map(|cap| {
        let projected_cpu = baseline.cpu_used.map(|u| Millicores(u.0.saturating_add(cpu_planned.0)));
        CpuFigures {
            capacity: cap.into(),
            used: baseline.cpu_used.map(Into::into),
            planned: cpu_planned.into(),
            projected: projected_cpu.map(Into::into),
            projected_percent: projected_cpu.map(|p| pct(p.0, cap.0)),
        }
    });
    if let Some(c) = &cpu {
        ex(
            "cpu.projected",
            match (&c.used, &c.projected) {
                (Some(u), Some(p)) => format!(
                    "used + planned = {} + {} = {} of {} capacity",
                    u.display, c.planned.display, p.display, c.capacity.display
                ),
                _ => format!("cpu in use unknown; planned services add {}", c.planned.display),
            },
        );
    }

    // Verdict.
    let mut reasons = Vec::new();
    let gated_pct = pct(gated_used, total.0);
    let status = if total.0 == 0 {
        reasons.push("total memory is 0: nothing can be placed".to_string());
        Status::Insufficient
    } else {
        let mut st = Status::Healthy;
        if projected_available < 0 {
            st = Status::Insufficient;
            reasons.push(format!(
                "the planned services need {planned_total} but only {} is available: short by {}",
                baseline.available,
                human_bytes_signed(-projected_available)
            ));
        }
        if projected_used > total {
            st = Status::Insufficient;
            reasons.push(format!("projected used {projected_used} is above the total {total}"));
        }
        if policy.fail_used_percent.is_reached_by(gated_used, total.0) {
            st = Status::Insufficient;
            reasons.push(format!(
                "{measure_name} memory is {} of {total}, at or above the {} fail threshold",
                gated_pct.display,
                policy.fail_used_percent.percent_string()
            ));
        } else if policy.warn_used_percent.is_reached_by(gated_used, total.0) {
            st = st.max(Status::Tight);
            reasons.push(format!(
                "{measure_name} memory is {} of {total} ({used} used + {planned_total} planned = {projected_used}), above the {} warn threshold ({warn_limit}); over it by {}",
                gated_pct.display,
                policy.warn_used_percent.percent_string(),
                human_bytes_signed(-to_warn)
            ));
        }
        if peak_used > total {
            st = st.max(Status::Tight);
            reasons.push(format!(
                "at peak the stack would use {peak_used}, more than the total {total}: risk of OOM kills under load"
            ));
        }
        if let Some(c) = &cpu
            && let (Some(p), Some(pp)) = (&c.projected, &c.projected_percent)
            && p.millicores > c.capacity.millicores
        {
            st = st.max(Status::Tight);
            reasons.push(format!(
                "projected cpu {} is {} of the {} capacity: services will be throttled",
                p.display, pp.display, c.capacity.display
            ));
        }
        if let Some((free, largest)) = cluster.and_then(super::cluster::free_for_scheduling) {
            let largest_replica =
                entries.iter().filter(|e| !e.running).map(|e| e.svc.memory.typical).max().unwrap_or(Bytes(0));
            if planned_total > free {
                st = Status::Insufficient;
                reasons.push(format!(
                    "the scheduler cannot place the services to add: they request {planned_total} but only {free} of allocatable memory is unrequested on the schedulable nodes"
                ));
            } else if largest_replica > largest {
                st = Status::Insufficient;
                reasons.push(format!(
                    "no single node can take the largest replica to add ({largest_replica}): the most unrequested allocatable memory on one node is {largest}"
                ));
            }
        }
        if st == Status::Healthy {
            reasons.push(format!(
                "{measure_name} memory is {} of {total}, below the {} warn threshold with {} to spare",
                gated_pct.display,
                policy.warn_used_percent.percent_string(),
                human_bytes_signed(to_warn)
            ));
        }
        st
    };

    let missing_inputs: Vec<String> = cluster.map(|c| c.missing.clone()).unwrap_or_default();
    if !missing_inputs.is_empty() {
        reasons.push(missing_reason(&missing_inputs));
    }

    let mut gate_results = Vec::new();
    if let Some(max) = gates.max_used {
        let breached = total.0 == 0 || max.is_exceeded_by(gated_used, total.0);
        gate_results.push(GateResult {
            gate: format!("--max-used {}", max.percent_string()),
            passed: !breached,
            detail: format!("{measure_name} is {} of {total}", gated_pct.display),
        });
    }
    if let Some(min) = gates.min_available {
        let passed = projected_available >= i128::from(min.0);
        gate_results.push(GateResult {
            gate: format!("--min-available {min}"),
            passed,
            detail: format!("projected available is {}", human_bytes_signed(projected_available)),
        });
    }
    if gates.fail_on_tight {
        gate_results.push(GateResult {
            gate: "--fail-on tight".to_string(),
            passed: status == Status::Healthy,
            detail: format!("verdict is {}", status.as_str()),
        });
    }
    let failed = status == Status::Insufficient || gate_results.iter().any(|g| !g.passed);
    ex(
        "verdict",
        format!(
            "{} (warn at {}, fail at {} of total, on the {measure_name} figure {}); exit {}",
            status.as_str(),
            policy.warn_used_percent.percent_string(),
            policy.fail_used_percent.percent_string(),
            gated_pct.display,
            if failed { 1 } else { 0 }
        ),
    );

    let swap = baseline.swap;
    CheckReport {
        profile: profile.name.clone(),
        baseline: baseline.kind,
        baseline_description: baseline.description.clone(),
        notes: baseline.notes.clone(),
        services,
        groups,
        workload: Workload {
            deployed_services,
            deployed_replicas,
            planned_services,
            current: current.into(),
            planned: planned_total.into(),
            projected: projected.into(),
            projected_peak: projected_peak.into(),
        },
        host: HostMemory {
            total: total.into(),
            used: used.into(),
            available: baseline.available.into(),
            used_percent: pct(used.0, total.0),
            projected_used: projected_used.into(),
            projected_available: projected_available.into(),
            projected_used_percent: pct(projected_used.0, total.0),
            projected_unavailable_percent: pct(projected_unavailable, total.0),
            measure: policy.used_measure,
            gated_percent: gated_pct,
            peak_used: peak_used.into(),
            peak_used_percent: pct(peak_used.0, total.0),
            kubernetes_share: kubernetes_share.into(),
            swap_total: swap.map(|s| s.0.into()),
            swap_used: swap.map(|s| s.1.into()),
        },
        headroom: Headroom {
            warn_percent: policy.warn_used_percent.into(),
            fail_percent: policy.fail_used_percent.into(),
            warn_limit: warn_limit.into(),
            fail_limit: fail_limit.into(),
            to_warn: to_warn.into(),
            to_fail: to_fail.into(),
            average_service: average.map(Into::into),
            more_services_fit: more_fit,
        },
        cpu,
        cluster: cluster.map(|c| super::cluster::view(profile, c, live.as_deref().unwrap_or(&[]))),
        missing_inputs,
        history: None,
        contexts: Vec::new(),
        what_if: None,
        tiers: Vec::new(),
        verdict: Verdict { status, reasons, gates: gate_results, failed },
        explain,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::profile::{MemorySpec, Policy, Service};

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

    fn profile(services: Vec<Service>) -> Profile {
        Profile { name: "t".into(), description: None, policy: Policy::default(), host: None, services }
    }

    fn host(total: u64, used: u64, available: u64) -> Baseline {
        Baseline {
            kind: BaselineKind::Host,
            description: "test host".into(),
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
        let r = check(&p, &Baseline::from_record(&p).unwrap(), &Gates::default(), None);
        assert_eq!(r.workload.current.bytes, 600 * MI);
        assert_eq!(r.workload.planned.bytes, 330 * MI);
        assert_eq!(r.workload.projected.bytes, 930 * MI);
        assert_eq!(r.workload.projected.display, "930Mi");
        assert_eq!(r.host.total.bytes, 8_267_812_045);
        assert_eq!(r.host.projected_used.bytes, 5_905_580_032 + 330 * MI);
        // 1.9Gi - 330Mi = 1615.6Mi, about 1.58Gi (the analysis's "1GB" subtracts 600Mi twice).
        assert_eq!(r.host.projected_available.bytes, 2_040_109_466 - 330 * MI as i64);
        assert_eq!(r.host.projected_available.display, "1.58Gi");
        assert_eq!(r.host.projected_used_percent.basis_points, 7561);
        assert_eq!(r.host.projected_used_percent.display, "75.61%");
        assert_eq!(r.host.projected_unavailable_percent.basis_points, 7951);
        assert_eq!(r.host.used_percent.display, "71.43%");
        assert_eq!(r.verdict.status, Status::Tight);
        assert!(!r.verdict.failed);
        assert!(r.verdict.reasons[0].contains("75.61% of 7.7Gi"), "{:?}", r.verdict.reasons);
        assert!(r.verdict.reasons[0].contains("above the 70% warn threshold"));
        assert_eq!(r.headroom.average_service.as_ref().unwrap().bytes, 50 * MI);
        assert_eq!(r.headroom.more_services_fit, Some(0));
        assert_eq!(r.headroom.warn_limit.bytes, 5_787_468_431);
        assert_eq!(r.headroom.to_warn.bytes, 5_787_468_431 - 6_251_610_112);
        let cpu = r.cpu.unwrap();
        assert_eq!((cpu.capacity.millicores, cpu.used.unwrap().millicores), (8000, 600));
        assert_eq!(cpu.projected.unwrap().millicores, 900);
        let double = r.explain.iter().find(|e| e.figure == "host.projectedUsed").unwrap();
        assert!(double.arithmetic.contains("would count 600Mi twice"), "{}", double.arithmetic);
    }

    #[test]
    fn healthy_host_counts_services_that_fit() {
        let mut services: Vec<Service> =
            (0..4).map(|i| svc(&format!("d{i}"), ServiceStatus::Deployed, 100)).collect();
        services.push(svc("p", ServiceStatus::Planned, 100));
        let r = check(&profile(services), &host(8 * GI, 2 * GI, 6 * GI), &Gates::default(), None);
        assert_eq!(r.verdict.status, Status::Healthy);
        assert_eq!(r.headroom.warn_limit.bytes, 6_012_954_214);
        assert_eq!(r.host.projected_used.bytes, 2 * GI + 100 * MI);
        assert_eq!(r.headroom.to_warn.bytes, 6_012_954_214 - (2 * GI + 100 * MI) as i64);
        // floor(3760612966 / 104857600) = 35
        assert_eq!(r.headroom.more_services_fit, Some(35));
        assert!(
            r.verdict.reasons[0]
                .starts_with("projected used memory is 26.22% of 8Gi, below the 70% warn threshold")
        );
        assert_eq!(r.verdict.reasons.len(), 1);
    }

    #[test]
    fn empty_profile_has_no_average_and_judges_the_host_alone() {
        let r = check(&profile(vec![]), &host(10 * GI, GI, 9 * GI), &Gates::default(), None);
        assert_eq!(r.workload.current.bytes, 0);
        assert_eq!(r.workload.projected.bytes, 0);
        assert_eq!(r.headroom.average_service, None);
        assert_eq!(r.headroom.more_services_fit, None);
        assert_eq!(r.verdict.status, Status::Healthy);
        assert_eq!(r.groups, vec![]);
    }

    #[test]
    fn no_planned_services_projects_the_current_usage() {
        let r = check(
            &profile(vec![svc("a", ServiceStatus::Deployed, 50)]),
            &host(GI, GI / 2, GI / 2),
            &Gates::default(),
            None,
        );
        assert_eq!(r.workload.planned.bytes, 0);
        assert_eq!(r.host.projected_used.bytes, GI / 2);
        assert_eq!(r.host.projected_available.bytes, (GI / 2) as i64);
        assert_eq!(r.host.projected_used_percent.display, "50%");
    }

    #[test]
    fn zero_memory_host_is_insufficient_without_dividing_by_zero() {
        let r = check(
            &profile(vec![svc("a", ServiceStatus::Planned, 50)]),
            &host(0, 0, 0),
            &Gates::default(),
            None,
        );
        assert_eq!(r.verdict.status, Status::Insufficient);
        assert!(r.verdict.failed);
        assert_eq!(r.verdict.reasons, vec!["total memory is 0: nothing can be placed".to_string()]);
        assert_eq!(r.host.projected_used_percent.basis_points, 0);
    }

    #[test]
    fn projected_above_total_is_insufficient_with_the_shortfall() {
        let r = check(
            &profile(vec![svc("big", ServiceStatus::Planned, 2048)]),
            &host(8 * GI, 7 * GI, GI),
            &Gates::default(),
            None,
        );
        assert_eq!(r.verdict.status, Status::Insufficient);
        assert!(r.verdict.failed);
        assert_eq!(r.host.projected_available.bytes, -(GI as i64));
        assert_eq!(r.host.projected_available.display, "-1Gi");
        assert_eq!(r.host.projected_used_percent.display, "112.5%");
        assert_eq!(
            r.verdict.reasons[0],
            "the planned services need 2Gi but only 1Gi is available: short by 1Gi"
        );
        assert_eq!(r.verdict.reasons[1], "projected used 9Gi is above the total 8Gi");
        assert!(r.verdict.reasons[2].contains("at or above the 90% fail threshold"));
    }

    #[test]
    fn thresholds_are_exact_at_the_boundary() {
        let p = profile(vec![]);
        let at =
            |used: u64| check(&p, &host(10_000, used, 10_000 - used), &Gates::default(), None).verdict.status;
        assert_eq!(at(6_999), Status::Healthy);
        assert_eq!(at(7_000), Status::Tight);
        assert_eq!(at(8_999), Status::Tight);
        assert_eq!(at(9_000), Status::Insufficient);
    }

    #[test]
    fn command_line_gates() {
        let p = seed();
        let b = Baseline::from_record(&p).unwrap();
        let run = |g: Gates| check(&p, &b, &g, None).verdict;
        let v = run(Gates { max_used: Some(Ratio::percent(75)), ..Default::default() });
        assert!(v.failed);
        assert_eq!(v.gates[0].gate, "--max-used 75%");
        assert!(!v.gates[0].passed);
        assert_eq!(v.gates[0].detail, "projected used is 75.61% of 7.7Gi");
        assert!(!run(Gates { max_used: Some(Ratio::percent(76)), ..Default::default() }).failed);
        // 75.61% is not above 75.61% exactly? 6251610112/8267812045 = 75.6135...% > 75.61%.
        assert!(run(Gates { max_used: Some(Ratio(7561)), ..Default::default() }).failed);
        assert!(!run(Gates { max_used: Some(Ratio(7562)), ..Default::default() }).failed);
        let v = run(Gates { min_available: Some(Bytes(2 * GI)), ..Default::default() });
        assert!(v.failed);
        assert_eq!(v.gates[0].detail, "projected available is 1.58Gi");
        assert!(!run(Gates { min_available: Some(Bytes(GI)), ..Default::default() }).failed);
        let v = run(Gates { fail_on_tight: true, ..Default::default() });
        assert!(v.failed);
        assert_eq!(v.gates[0].detail, "verdict is TIGHT");
    }

    #[test]
    fn unavailable_measure_gates_on_available_memory() {
        let mut p = seed();
        p.policy.used_measure = UsedMeasure::Unavailable;
        let r = check(&p, &Baseline::from_record(&p).unwrap(), &Gates::default(), None);
        assert_eq!(r.host.gated_percent.display, "79.51%");
        assert_eq!(r.verdict.status, Status::Tight);
        assert!(r.verdict.reasons[0].starts_with("projected unavailable memory is 79.51%"));
    }

    #[test]
    fn peaks_that_do_not_fit_make_it_tight() {
        let mut s = svc("spiky", ServiceStatus::Planned, 100);
        s.memory.peak = Some(Bytes(3 * GI));
        let r = check(&profile(vec![s]), &host(4 * GI, GI, 3 * GI), &Gates::default(), None);
        assert_eq!(r.host.peak_used.bytes, 4 * GI);
        assert_eq!(r.verdict.status, Status::Healthy, "4Gi of 4Gi is not more than the total");
        let mut s = svc("spiky", ServiceStatus::Planned, 100);
        s.memory.peak = Some(Bytes(3 * GI + 1));
        let r = check(&profile(vec![s]), &host(4 * GI, GI, 3 * GI), &Gates::default(), None);
        assert_eq!(r.verdict.status, Status::Tight);
        assert!(r.verdict.reasons[0].starts_with("at peak the stack would use 4Gi, more than the total 4Gi"));
    }

    #[test]
    fn peak_multiplier_rounds_up_and_replicas_multiply() {
        let mut s = svc("r", ServiceStatus::Deployed, 0);
        s.memory.typical = Bytes(3);
        s.replicas = 3;
        let mut p = profile(vec![s]);
        p.policy.peak_multiplier = Ratio(15_000);
        let r = check(&p, &host(GI, 0, GI), &Gates::default(), None);
        assert_eq!(r.services[0].memory.bytes, 9);
        assert_eq!(r.services[0].memory_peak.bytes, 15); // ceil(4.5) = 5 per replica
        assert_eq!(r.workload.deployed_replicas, 3);
        assert_eq!(r.headroom.average_service.as_ref().unwrap().bytes, 3);
    }

    #[test]
    fn profile_only_baseline_uses_deployed_services() {
        let p = seed();
        let b = Baseline::from_profile(&p, Bytes(8 * GI), Some(Millicores(4000)));
        assert_eq!(b.used, Bytes(600 * MI));
        assert_eq!(b.available, Bytes(8 * GI - 600 * MI));
        assert_eq!(b.cpu_used, Some(Millicores(600)));
        let r = check(&p, &b, &Gates::default(), None);
        assert_eq!(r.host.projected_used.bytes, 930 * MI);
        assert_eq!(r.verdict.status, Status::Healthy);
        assert_eq!(r.headroom.more_services_fit, Some((6_012_954_214 - 930 * MI) / (50 * MI)));
    }

    #[test]
    fn cpu_over_capacity_is_tight() {
        let mut s = svc("cpu-hog", ServiceStatus::Planned, 10);
        s.cpu = Some(crate::model::profile::CpuSpec { typical: Millicores(3000), peak: None });
        let mut b = host(8 * GI, GI, 7 * GI);
        b.cpu_capacity = Some(Millicores(2000));
        b.cpu_used = Some(Millicores(500));
        let r = check(&profile(vec![s]), &b, &Gates::default(), None);
        assert_eq!(r.verdict.status, Status::Tight);
        assert_eq!(
            r.verdict.reasons[0],
            "projected cpu 3.5 is 175% of the 2 capacity: services will be throttled"
        );
    }

    #[test]
    fn groups_keep_profile_order_and_sum_by_status() {
        let p = seed();
        let r = check(&p, &Baseline::from_record(&p).unwrap(), &Gates::default(), None);
        let g: Vec<(&str, usize, usize, u64, u64)> = r
            .groups
            .iter()
            .map(|g| {
                (
                    g.group.as_str(),
                    g.deployed_services,
                    g.planned_services,
                    g.deployed.bytes / MI,
                    g.planned.bytes / MI,
                )
            })
            .collect();
        assert_eq!(
            g,
            vec![
                ("core", 4, 0, 257, 0),
                ("infrastructure", 3, 0, 131, 0),
                ("monitoring", 1, 0, 45, 0),
                ("ai-agents", 4, 6, 167, 330)
            ]
        );
    }
}
