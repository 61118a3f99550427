//! The cluster section of a report: nodes, totals, drift of the deployed services against the
//! profile, pods matched to nothing; and one row per cluster of a several-cluster check.

use serde::Serialize;

use crate::analysis::cluster::sums;
use crate::analysis::demand::{Demand, Source, State};
use crate::model::baseline::ClusterUsed;
use crate::model::figure::{CpuFig, MemFig, PctFig};
use crate::model::inventory::{ClusterSnapshot, MatchedBy};
use crate::model::profile::ServiceStatus;
use crate::model::quantity::Bytes;
use crate::model::ratio::Ratio;

/// A gap in a cluster's answers in words, with how it was filled.
pub fn gap_text(g: &crate::analysis::cluster::Gap, context: &str) -> String {
    use crate::analysis::cluster::Gap;
    match g {
        Gap::NodeMetrics { nodes, of } => format!(
            "{context}: NodeMetrics for {} of {of} schedulable node(s) ({}{}): not in the NodeMetrics list (metrics-server has not scraped them yet); their pods' usage stands in for them, so their system usage is not counted",
            nodes.len(),
            nodes.iter().take(10).cloned().collect::<Vec<_>>().join(", "),
            if nodes.len() > 10 { ", ..." } else { "" }
        ),
        Gap::PodMetrics { service, missing, pods } => format!(
            "{context}: PodMetrics for {missing} of the {pods} pod(s) of {service}: its requests stand in for its usage"
        ),
    }
}

/// "used" of a cluster in words.
pub fn used_text(u: ClusterUsed) -> &'static str {
    match u {
        ClusterUsed::NodeMetrics => "NodeMetrics usage",
        ClusterUsed::NodeMetricsPartly => "NodeMetrics usage, pods' usage where a node has none",
        ClusterUsed::PodMetrics => "sum of PodMetrics usage (no NodeMetrics: system usage not included)",
        ClusterUsed::Requests => "sum of pod requests (no metrics API)",
    }
}

/// One cluster of a several-cluster `check` (`--context a --context b`, `--all-contexts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextRow {
    /// kubeconfig context.
    pub context: String,
    /// API server, when the context could be reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// Why it could not be read (unreachable, no such context, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Inputs of this cluster that could not be read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// Schedulable nodes.
    pub nodes: u64,
    /// Pods counted.
    pub pods: u64,
    /// Allocatable memory of the schedulable nodes.
    pub allocatable_memory: MemFig,
    /// Requested memory on them.
    pub requested_memory: MemFig,
    /// Used memory (NodeMetrics, else pod usage, else requests).
    pub used_memory: MemFig,
    /// Where "used" came from.
    pub used_source: &'static str,
}

/// The row of a cluster that was read.
pub fn context_row(snap: &ClusterSnapshot) -> ContextRow {
    let s = sums(snap);
    ContextRow {
        context: snap.context.clone(),
        server: Some(snap.server.clone()),
        error: None,
        missing: snap.missing.clone(),
        nodes: s.nodes as u64,
        pods: snap.aggregate.pod_count() as u64,
        allocatable_memory: s.allocatable.mem.into(),
        requested_memory: s.requested.mem.into(),
        used_memory: s.used.mem.into(),
        used_source: used_text(s.used_by),
    }
}

/// The total of the contexts read: information, never a verdict (no pod is scheduled across
/// clusters).
pub fn total_row(rows: &[ContextRow]) -> ContextRow {
    let read: Vec<&ContextRow> = rows.iter().filter(|r| r.error.is_none()).collect();
    let sum = |f: fn(&ContextRow) -> u64| read.iter().map(|r| f(r)).fold(0u64, u64::saturating_add);
    ContextRow {
        context: format!("total of {} cluster(s) read (information only)", read.len()),
        server: None,
        error: None,
        missing: Vec::new(),
        nodes: sum(|r| r.nodes),
        pods: sum(|r| r.pods),
        allocatable_memory: Bytes(sum(|r| r.allocatable_memory.bytes)).into(),
        requested_memory: Bytes(sum(|r| r.requested_memory.bytes)).into(),
        used_memory: Bytes(sum(|r| r.used_memory.bytes)).into(),
        used_source: "",
    }
}

/// The row of a context that could not be read.
pub fn unreadable_row(context: &str, error: String) -> ContextRow {
    ContextRow {
        context: context.to_string(),
        server: None,
        error: Some(error),
        missing: Vec::new(),
        nodes: 0,
        pods: 0,
        allocatable_memory: Bytes(0).into(),
        requested_memory: Bytes(0).into(),
        used_memory: Bytes(0).into(),
        used_source: "",
    }
}

/// One node in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeRow {
    /// Name.
    pub name: String,
    /// Roles.
    pub roles: Vec<String>,
    /// Capacity memory.
    pub capacity_memory: MemFig,
    /// Allocatable memory.
    pub allocatable_memory: MemFig,
    /// Requested memory.
    pub requested_memory: MemFig,
    /// requested / allocatable.
    pub requested_memory_percent: PctFig,
    /// NodeMetrics memory (includes system usage), if read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_memory: Option<MemFig>,
    /// used / allocatable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_memory_percent: Option<PctFig>,
    /// Sum of PodMetrics memory on the node, if read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_usage_memory: Option<MemFig>,
    /// allocatable - max(requested, used).
    pub free_memory: MemFig,
    /// Capacity cpu.
    pub capacity_cpu: CpuFig,
    /// Allocatable cpu.
    pub allocatable_cpu: CpuFig,
    /// Requested cpu.
    pub requested_cpu: CpuFig,
    /// requested / allocatable cpu.
    pub requested_cpu_percent: PctFig,
    /// NodeMetrics cpu, if read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_cpu: Option<CpuFig>,
    /// Sum of PodMetrics cpu on the node, if read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_usage_cpu: Option<CpuFig>,
    /// Pods counted.
    pub pods: u64,
    /// Allocatable pod slots.
    pub pod_slots: u64,
    /// Why the node cannot take new work, if it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excluded: Option<String>,
}

/// A group of pods matched to nothing in the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnmatchedRow {
    /// Namespace.
    pub namespace: String,
    /// Owner kind.
    pub owner_kind: String,
    /// Owner name.
    pub owner: String,
    /// Pods.
    pub pods: u64,
    /// Requested memory.
    pub requested_memory: MemFig,
    /// Used memory (PodMetrics), if read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_memory: Option<MemFig>,
}

/// Cluster totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterTotals {
    /// Nodes listed.
    pub nodes: usize,
    /// Nodes that can take work.
    pub schedulable_nodes: usize,
    /// Pods counted (Running and Pending; Succeeded and Failed are filtered by the server).
    pub pods: usize,
    /// Allocatable memory of schedulable nodes.
    pub allocatable_memory: MemFig,
    /// Requested memory on schedulable nodes.
    pub requested_memory: MemFig,
    /// Used memory on schedulable nodes by NodeMetrics, if read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_usage_memory: Option<MemFig>,
    /// Sum of pod usage on schedulable nodes, if read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_usage_memory: Option<MemFig>,
    /// NodeMetrics minus pod usage: the kubelet, the runtime and the OS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_overhead_memory: Option<MemFig>,
    /// Allocatable cpu of schedulable nodes.
    pub allocatable_cpu: CpuFig,
    /// Requested cpu on schedulable nodes.
    pub requested_cpu: CpuFig,
    /// Pods not yet scheduled.
    pub pods_unscheduled: u64,
    /// Pods on nodes outside the node list (node selector, or nodes unreadable).
    pub pods_on_unlisted_nodes: u64,
}

/// Drift of one deployed service: live against the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DriftRow {
    /// Service.
    pub service: String,
    /// Pods matched.
    pub pods: u64,
    /// How pods were matched: selector or name.
    pub matched_by: &'static str,
    /// The profile's typical x replicas.
    pub profile_memory: MemFig,
    /// Live figure.
    pub live_memory: MemFig,
    /// Where the live figure comes from.
    pub live_source: &'static str,
    /// live - profile (bytes, negative: under the profile).
    pub drift_bytes: i64,
    /// "+20Mi (+41.67%)", "-5Mi (-10%)".
    pub drift: String,
}

/// The cluster section of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterView {
    /// Context.
    pub context: String,
    /// Server.
    pub server: String,
    /// Namespaces in scope (empty: all).
    pub namespaces: Vec<String>,
    /// Pod selector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// Node selector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<String>,
    /// Inputs it could not read.
    pub missing: Vec<String>,
    /// Object-level problems.
    pub warnings: Vec<String>,
    /// Nodes.
    pub nodes: Vec<NodeRow>,
    /// Totals.
    pub totals: ClusterTotals,
    /// Deployed services: live against profile.
    pub drift: Vec<DriftRow>,
    /// Deployed services with no pod in the cluster.
    pub services_without_pods: Vec<String>,
    /// Deployed services whose pods are all outside the `-n`/`-l` scope.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services_out_of_scope: Vec<String>,
    /// Planned services that already have pods.
    pub planned_already_running: Vec<String>,
    /// Pods matched to no service, by namespace and owner, largest first.
    pub unmatched: Vec<UnmatchedRow>,
}

fn pct(part: u64, whole: u64) -> PctFig {
    PctFig::from(Ratio::of(part, whole).unwrap_or(Ratio(0)))
}

/// "+20Mi (+41.67%)".
pub fn drift_text(live: Bytes, profile: Bytes) -> String {
    let d = i128::from(live.0) - i128::from(profile.0);
    let sign = if d >= 0 { "+" } else { "-" };
    let abs = Bytes(u64::try_from(d.unsigned_abs()).unwrap_or(u64::MAX));
    match Ratio::of(abs.0, profile.0) {
        Some(r) => format!("{sign}{abs} ({sign}{})", r.percent_string()),
        None => format!("{sign}{abs}"),
    }
}

/// Builds the cluster section.
pub fn view(demand: &Demand, snap: &ClusterSnapshot) -> ClusterView {
    let a = &snap.aggregate;
    let nodes: Vec<NodeRow> = a
        .nodes
        .iter()
        .filter_map(|e| e.info.as_ref().map(|i| (i, &e.totals)))
        .map(|(i, t)| {
            let used = t.node_usage.filter(|_| snap.node_metrics_read);
            let busiest = t.requests.mem.max(used.map_or(Bytes(0), |u| u.mem));
            NodeRow {
                name: i.name.clone(),
                roles: i.roles.clone(),
                capacity_memory: i.capacity.mem.into(),
                allocatable_memory: i.allocatable.mem.into(),
                requested_memory: t.requests.mem.into(),
                requested_memory_percent: pct(t.requests.mem.0, i.allocatable.mem.0),
                used_memory: used.map(|u| u.mem.into()),
                used_memory_percent: used.map(|u| pct(u.mem.0, i.allocatable.mem.0)),
                pod_usage_memory: snap.pod_metrics_read.then(|| t.pod_usage.mem.into()),
                free_memory: i.allocatable.mem.saturating_sub(busiest).into(),
                capacity_cpu: i.capacity.cpu.into(),
                allocatable_cpu: i.allocatable.cpu.into(),
                requested_cpu: t.requests.cpu.into(),
                requested_cpu_percent: pct(t.requests.cpu.0, i.allocatable.cpu.0),
                used_cpu: used.map(|u| u.cpu.into()),
                pod_usage_cpu: snap.pod_metrics_read.then(|| t.pod_usage.cpu.into()),
                pods: t.pods,
                pod_slots: i.pods,
                excluded: i.exclusion(),
            }
        })
        .collect();
    let s = sums(snap);
    let eligible_pod_usage: u64 = a
        .nodes
        .iter()
        .filter(|e| e.info.as_ref().is_some_and(|i| i.exclusion().is_none()))
        .map(|e| e.totals.pod_usage.mem.0)
        .sum();
    let node_usage_mem = snap.node_metrics_read.then_some(s.used.mem);
    let totals = ClusterTotals {
        nodes: nodes.len(),
        schedulable_nodes: s.nodes,
        pods: a.pod_count(),
        allocatable_memory: s.allocatable.mem.into(),
        requested_memory: s.requested.mem.into(),
        node_usage_memory: node_usage_mem.map(Into::into),
        pod_usage_memory: snap.pod_metrics_read.then(|| Bytes(eligible_pod_usage).into()),
        system_overhead_memory: node_usage_mem
            .filter(|_| snap.pod_metrics_read)
            .map(|n| n.saturating_sub(Bytes(eligible_pod_usage)).into()),
        allocatable_cpu: s.allocatable.cpu.into(),
        requested_cpu: s.requested.cpu.into(),
        pods_unscheduled: a.pods_unscheduled,
        pods_on_unlisted_nodes: a.pods_on_unlisted_nodes(),
    };
    let mut drift = Vec::new();
    let mut planned_running = Vec::new();
    let mut without_pods = Vec::new();
    let mut out_of_scope = Vec::new();
    for d in &demand.services {
        let Some(l) = d.live else { continue };
        match d.state {
            State::NoPods => without_pods.push(d.spec.name.clone()),
            State::OutOfScope => out_of_scope.push(d.spec.name.clone()),
            _ => {}
        }
        if l.pods == 0 {
            continue;
        }
        if d.spec.status == ServiceStatus::Planned {
            planned_running.push(format!("{} ({} pods)", d.spec.name, l.pods));
        }
        let p = d.profile_memory;
        drift.push(DriftRow {
            service: d.spec.name.clone(),
            pods: l.pods,
            matched_by: match l.matched_by {
                Some(MatchedBy::Workload) => "workload",
                Some(MatchedBy::Selector) => "selector",
                _ => "name",
            },
            profile_memory: p.into(),
            live_memory: d.memory.into(),
            live_source: if d.memory_from == Source::LiveUsage {
                "cluster usage (metrics.k8s.io)"
            } else {
                "cluster requests (no metrics)"
            },
            drift_bytes: (i128::from(d.memory.0) - i128::from(p.0)).clamp(i64::MIN.into(), i64::MAX.into())
                as i64,
            drift: drift_text(d.memory, p),
        });
    }
    let mut unmatched: Vec<UnmatchedRow> = a
        .unmatched
        .iter()
        .map(|((ns, kind, name), g)| UnmatchedRow {
            namespace: ns.clone(),
            owner_kind: kind.clone(),
            owner: name.clone(),
            pods: g.pods,
            requested_memory: g.requests.mem.into(),
            used_memory: snap.pod_metrics_read.then(|| g.usage.mem.into()),
        })
        .collect();
    unmatched.sort_by(|x, y| {
        let key = |r: &UnmatchedRow| r.used_memory.as_ref().map_or(r.requested_memory.bytes, |u| u.bytes);
        key(y).cmp(&key(x)).then_with(|| (&x.namespace, &x.owner).cmp(&(&y.namespace, &y.owner)))
    });
    ClusterView {
        context: snap.context.clone(),
        server: snap.server.clone(),
        namespaces: snap.namespaces.clone(),
        selector: snap.selector.clone(),
        node_selector: snap.node_selector.clone(),
        missing: snap.missing.clone(),
        warnings: a.warnings.clone(),
        nodes,
        totals,
        drift,
        services_without_pods: without_pods,
        services_out_of_scope: out_of_scope,
        planned_already_running: planned_running,
        unmatched,
    }
}
