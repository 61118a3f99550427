//! A cluster snapshot in planning terms: which nodes can take work, the cluster's capacity and
//! usage as a baseline, live figures for the profile's services, and the report's cluster view.

use serde::Serialize;

use super::check::{Baseline, BaselineKind};
use super::figure::{CpuFig, MemFig, PctFig};
use crate::model::inventory::{ClusterSnapshot, MatchedBy, Res};
use crate::model::profile::{Profile, ServiceStatus};
use crate::model::quantity::{Bytes, Millicores};
use crate::model::ratio::Ratio;

/// A deployed service's figure as measured in the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveFigure {
    /// Memory of all its pods.
    pub memory: Bytes,
    /// CPU of all its pods.
    pub cpu: Millicores,
    /// Pods matched.
    pub pods: u64,
    /// Where the figure comes from.
    pub source: &'static str,
}

/// Source label: working set from metrics.k8s.io.
pub const FROM_USAGE: &str = "cluster usage (metrics.k8s.io)";
/// Source label: effective requests (no metrics).
pub const FROM_REQUESTS: &str = "cluster requests (no metrics)";

/// Live figures per profile service (same order as the profile); `None` for services without pods.
pub fn live_figures(profile: &Profile, snap: &ClusterSnapshot) -> Vec<Option<LiveFigure>> {
    profile
        .services
        .iter()
        .zip(&snap.aggregate.services)
        .map(|(_, g)| {
            (g.pods > 0).then(|| {
                let usage = snap.pod_metrics_read && g.pods_with_metrics == g.pods;
                let r = if usage { g.usage } else { g.requests };
                LiveFigure {
                    memory: r.mem,
                    cpu: r.cpu,
                    pods: g.pods,
                    source: if usage { FROM_USAGE } else { FROM_REQUESTS },
                }
            })
        })
        .collect()
}

/// Eligible nodes' allocatable, requested and used (by the best available measure).
struct Sums {
    nodes: usize,
    allocatable: Res,
    requested: Res,
    used: Res,
    used_source: &'static str,
    largest_free_mem: Bytes,
}

fn sums(snap: &ClusterSnapshot) -> Sums {
    let mut s = Sums {
        nodes: 0,
        allocatable: Res::default(),
        requested: Res::default(),
        used: Res::default(),
        used_source: "",
        largest_free_mem: Bytes(0),
    };
    let node_metrics = snap.node_metrics_read;
    let pod_metrics = snap.pod_metrics_read;
    for e in &snap.aggregate.nodes {
        let Some(info) = &e.info else { continue };
        if info.exclusion().is_some() {
            continue;
        }
        s.nodes += 1;
        s.allocatable = s.allocatable.plus(info.allocatable);
        s.requested = s.requested.plus(e.totals.requests);
        let used = match (node_metrics, e.totals.node_usage) {
            (true, Some(u)) => u,
            _ if pod_metrics => e.totals.pod_usage,
            _ => e.totals.requests,
        };
        s.used = s.used.plus(used);
        let free = info.allocatable.mem.saturating_sub(e.totals.requests.mem);
        s.largest_free_mem = s.largest_free_mem.max(free);
    }
    s.used_source = if node_metrics {
        "NodeMetrics usage"
    } else if pod_metrics {
        "sum of PodMetrics usage (no NodeMetrics: system usage not included)"
    } else {
        "sum of pod requests (no metrics API)"
    };
    s
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
        used_source: s.used_source,
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

/// Several clusters as one: nodes are named `context/node`, totals add up, and what one
/// cluster lacked is listed under its context. `None` when there is none.
pub fn combine(snaps: Vec<ClusterSnapshot>) -> Option<ClusterSnapshot> {
    let mut out: Option<ClusterSnapshot> = None;
    let contexts: Vec<String> = snaps.iter().map(|s| s.context.clone()).collect();
    for mut s in snaps {
        let ctx = s.context.clone();
        s.aggregate.rename_nodes(|n| format!("{ctx}/{n}"));
        let missing: Vec<String> = s.missing.iter().map(|m| format!("{ctx}: {m}")).collect();
        match &mut out {
            None => {
                s.missing = missing;
                out = Some(s);
            }
            Some(o) => {
                o.nodes_read &= s.nodes_read;
                o.pods_read &= s.pods_read;
                o.node_metrics_read &= s.node_metrics_read;
                o.pod_metrics_read &= s.pod_metrics_read;
                o.missing.extend(missing);
                o.aggregate.merge(s.aggregate);
            }
        }
    }
    if let Some(o) = &mut out
        && contexts.len() > 1
    {
        o.context = contexts.join(",");
        o.server = format!("{} clusters", contexts.len());
    }
    out
}

/// The cluster as the baseline of a `check`: capacity is the allocatable of the nodes that can
/// take work; used is NodeMetrics usage (else pod usage, else requests). `None` without nodes.
pub fn baseline(snap: &ClusterSnapshot) -> Option<Baseline> {
    if !snap.nodes_read {
        return None;
    }
    let s = sums(snap);
    if s.nodes == 0 {
        return None;
    }
    Some(Baseline {
        kind: BaselineKind::Cluster,
        description: format!(
            "cluster {} (context {}): allocatable of {} schedulable node(s); used = {}",
            snap.server, snap.context, s.nodes, s.used_source
        ),
        total: s.allocatable.mem,
        used: s.used.mem,
        available: s.allocatable.mem.saturating_sub(s.used.mem),
        swap: None,
        cpu_capacity: Some(s.allocatable.cpu),
        cpu_used: Some(s.used.cpu),
        notes: Vec::new(),
    })
}

/// Unrequested allocatable memory of the schedulable nodes, and the largest on one node.
pub fn free_for_scheduling(snap: &ClusterSnapshot) -> Option<(Bytes, Bytes)> {
    (snap.nodes_read && snap.pods_read).then(|| {
        let s = sums(snap);
        (s.allocatable.mem.saturating_sub(s.requested.mem), s.largest_free_mem)
    })
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
pub fn view(profile: &Profile, snap: &ClusterSnapshot, live: &[Option<LiveFigure>]) -> ClusterView {
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
    for ((svc, g), l) in profile.services.iter().zip(&a.services).zip(live) {
        let Some(l) = l else { continue };
        if svc.status == ServiceStatus::Planned {
            planned_running.push(format!("{} ({} pods)", svc.name, l.pods));
        }
        let p = svc.memory_total();
        drift.push(DriftRow {
            service: svc.name.clone(),
            pods: l.pods,
            matched_by: match g.matched_by {
                Some(MatchedBy::Workload) => "workload",
                Some(MatchedBy::Selector) => "selector",
                _ => "name",
            },
            profile_memory: p.into(),
            live_memory: l.memory.into(),
            live_source: l.source,
            drift_bytes: (i128::from(l.memory.0) - i128::from(p.0)).clamp(i64::MIN.into(), i64::MAX.into())
                as i64,
            drift: drift_text(l.memory, p),
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
        services_without_pods: a.missing_services(profile).map(str::to_string).collect(),
        planned_already_running: planned_running,
        unmatched,
    }
}

/// A profile describing what runs in the cluster: one deployed service per owner workload
/// (namespace and owner), memory and cpu per replica from live usage (rounded up), or from
/// requests when metrics are missing. `snap` must have been read with an empty profile so that
/// every pod is in an owner group.
pub fn generate_profile(name: &str, snap: &ClusterSnapshot) -> Profile {
    use crate::model::profile::{CpuSpec, MemorySpec, Policy, Service};
    let groups = &snap.aggregate.unmatched;
    let mut services = Vec::with_capacity(groups.len());
    for ((ns, kind, owner), g) in groups {
        if g.pods == 0 {
            continue;
        }
        let usage = snap.pod_metrics_read && g.pods_with_metrics == g.pods;
        let total = if usage { g.usage } else { g.requests };
        let per = |v: u64| v.div_ceil(g.pods);
        let name = if groups.iter().filter(|((_, _, o), _)| o == owner).count() > 1 {
            format!("{owner}.{ns}")
        } else {
            owner.clone()
        };
        services.push(Service {
            name,
            group: ns.clone(),
            status: ServiceStatus::Deployed,
            port: None,
            memory: MemorySpec { typical: Bytes(per(total.mem.0).max(1)), peak: None },
            cpu: Some(CpuSpec { typical: Millicores(per(total.cpu.0)), peak: None }),
            replicas: u32::try_from(g.pods).unwrap_or(u32::MAX),
            namespace: Some(ns.clone()),
            workload: Some(format!("{kind}/{owner}")),
            selector: Default::default(),
            per_client: None,
            notes: Some(format!(
                "{} pod(s) of {kind}/{owner}; figures per replica from {}",
                g.pods,
                if usage { "live usage (metrics.k8s.io)" } else { "requests (no metrics)" }
            )),
            never_live: false,
        });
    }
    services.sort_by(|a, b| (&a.group, &a.name).cmp(&(&b.group, &b.name)));
    Profile {
        name: name.to_string(),
        description: Some(format!(
            "generated by `bizo-plan profile generate` from cluster {} (context {}); {} workloads",
            snap.server,
            snap.context,
            services.len()
        )),
        policy: Policy::default(),
        host: None,
        services,
    }
}
