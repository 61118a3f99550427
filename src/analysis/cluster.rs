//! A cluster snapshot in planning terms: which nodes can take work, the cluster's capacity and
//! usage as a baseline, and what the scheduler still has room for.

use super::check::Scheduling;
use crate::model::baseline::{Baseline, BaselineKind, ClusterUsed, Origin};
use crate::model::inventory::{ClusterSnapshot, Res};
use crate::model::profile::{Profile, ServiceStatus};
use crate::model::quantity::{Bytes, Millicores};

/// Eligible nodes' allocatable, requested and used (by the best available measure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sums {
    /// Schedulable nodes.
    pub nodes: usize,
    /// Their allocatable.
    pub allocatable: Res,
    /// Requested on them.
    pub requested: Res,
    /// Used on them.
    pub used: Res,
    /// What "used" is.
    pub used_by: ClusterUsed,
    /// The most unrequested allocatable memory on one node.
    pub largest_free_mem: Bytes,
    /// Pods' usage on them (when pod metrics were read).
    pub pod_usage: Res,
}

/// The sums over the nodes that can take work.
pub fn sums(snap: &ClusterSnapshot) -> Sums {
    let mut s = Sums {
        nodes: 0,
        allocatable: Res::default(),
        requested: Res::default(),
        used: Res::default(),
        used_by: ClusterUsed::Requests,
        largest_free_mem: Bytes(0),
        pod_usage: Res::default(),
    };
    let node_metrics = snap.node_metrics_read;
    let pod_metrics = snap.pod_metrics_read;
    let mut with_nm = 0usize;
    for e in &snap.aggregate.nodes {
        let Some(info) = &e.info else { continue };
        if info.exclusion().is_some() {
            continue;
        }
        s.nodes += 1;
        s.allocatable = s.allocatable.plus(info.allocatable);
        s.requested = s.requested.plus(e.totals.requests);
        s.pod_usage = s.pod_usage.plus(e.totals.pod_usage);
        let used = match (node_metrics, e.totals.node_usage) {
            (true, Some(u)) => {
                with_nm += 1;
                u
            }
            _ if pod_metrics => e.totals.pod_usage,
            _ => e.totals.requests,
        };
        s.used = s.used.plus(used);
        let free = info.allocatable.mem.saturating_sub(e.totals.requests.mem);
        s.largest_free_mem = s.largest_free_mem.max(free);
    }
    s.used_by = if node_metrics && with_nm == s.nodes {
        ClusterUsed::NodeMetrics
    } else if node_metrics {
        ClusterUsed::NodeMetricsPartly
    } else if pod_metrics {
        ClusterUsed::PodMetrics
    } else {
        ClusterUsed::Requests
    };
    s
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
        origin: Origin::Cluster {
            server: snap.server.clone(),
            context: snap.context.clone(),
            nodes: s.nodes,
            used: s.used_by,
        },
        total: s.allocatable.mem,
        used: s.used.mem,
        available: s.allocatable.mem.saturating_sub(s.used.mem),
        swap: None,
        cpu_capacity: Some(s.allocatable.cpu),
        cpu_used: Some(s.used.cpu),
        notes: Vec::new(),
    })
}

/// What a cluster's answers lack, each gap with how the analysis fills it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    /// NodeMetrics were read but leave out these schedulable nodes (metrics-server omits nodes
    /// it has not scraped yet): their pods' usage (else requests) stands in.
    NodeMetrics {
        /// The nodes without NodeMetrics.
        nodes: Vec<String>,
        /// Schedulable nodes in all.
        of: usize,
    },
    /// PodMetrics leave out some pods of a service: its requests stand in for its usage.
    PodMetrics {
        /// Service.
        service: String,
        /// Pods without metrics.
        missing: u64,
        /// Its pods.
        pods: u64,
    },
}

/// The gaps in a snapshot's answers (inputs that were read but are incomplete).
pub fn gaps(snap: &ClusterSnapshot, profile: &Profile) -> Vec<Gap> {
    let mut out = Vec::new();
    if snap.node_metrics_read {
        let eligible: Vec<&crate::model::inventory::NodeEntry> = snap
            .aggregate
            .nodes
            .iter()
            .filter(|e| e.info.as_ref().is_some_and(|i| i.exclusion().is_none()))
            .collect();
        // The source lists the nodes NodeMetrics left out (a node whose NodeMetrics had an
        // invalid quantity is reported as such, not here).
        let without: std::collections::HashSet<&str> =
            snap.nodes_without_metrics.iter().map(String::as_str).collect();
        let nodes: Vec<String> =
            eligible.iter().filter(|e| without.contains(e.name.as_str())).map(|e| e.name.clone()).collect();
        if !nodes.is_empty() {
            out.push(Gap::NodeMetrics { nodes, of: eligible.len() });
        }
    }
    if snap.pod_metrics_read {
        for (s, g) in profile.services.iter().zip(&snap.aggregate.services) {
            if g.pods > 0 && g.pods_with_metrics < g.pods {
                out.push(Gap::PodMetrics {
                    service: s.name.clone(),
                    missing: g.pods - g.pods_with_metrics,
                    pods: g.pods,
                });
            }
        }
    }
    out
}

/// What the scheduler still has: unrequested allocatable memory of the schedulable nodes, and
/// the most on one node (when nodes and pods were read).
pub fn scheduling(snap: &ClusterSnapshot) -> Option<Scheduling> {
    (snap.nodes_read && snap.pods_read).then(|| {
        let s = sums(snap);
        Scheduling { free: s.allocatable.mem.saturating_sub(s.requested.mem), largest: s.largest_free_mem }
    })
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
        system: Default::default(),
    }
}
