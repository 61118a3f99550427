//! What right-sizing changes on a cluster: the nodes its pods need with today's requests and
//! with the recommended ones, the placement re-run on the cluster's own nodes (issue 14).
//!
//! The model is the scheduler's, as cluster-autoscaler's scale-down simulation sees a cluster
//! (kubernetes/autoscaler `cluster-autoscaler/simulator`): pods are placed by their requests on
//! the nodes that take workloads (Ready, schedulable, without a `NoSchedule`/`NoExecute`
//! taint), largest nodes kept first; the fewest of them that hold every pod is what the
//! cluster needs. DaemonSet pods run on every node and go with it: their requests (per pod,
//! the group's average) are taken from every node and they are not placed. Pods outside the
//! scope (`-n`, `-l`) stay where they are: their requests are taken from their node. A
//! group's pods share its requests equally (the inventory keeps groups, not pods).
//! Right-sized pods take the recommended requests of their workload (`namespace/Kind/name`) or
//! of the profile service they match; every other pod keeps its requests.

use std::collections::BTreeMap;

use super::demand::share;
use super::placement::{self, Bin, Item};
use super::rightsize::{Recommendation, RightSized, applied};
use crate::model::inventory::{ClusterSnapshot, Res};
use crate::model::profile::{CpuSpec, MemorySpec, Policy, Profile, Service, ServiceStatus};
use crate::model::quantity::{Bytes, Millicores};
use crate::model::usage::WorkloadUsage;

/// Pods placed at most; a larger cluster is not simulated (the placement is quadratic).
pub const MAX_PODS: u64 = 20_000;

/// One pod of a workload: its containers' requests summed, now and with the recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodRequests {
    /// Σ current requests (a container without one counts 0, as for the scheduler).
    pub now: Res,
    /// Σ requests with the recommendation applied (the current one where it gives none).
    pub sized: Res,
    /// Σ memory limits with the recommendation applied (the request where none).
    pub sized_limit: Bytes,
    /// Σ current memory limits (the request where none).
    pub now_limit: Bytes,
}

/// Per workload (`namespace/Kind/name`), one pod's requests. `recs` holds one recommendation
/// per container, in the workloads' order.
pub fn pod_requests(workloads: &[WorkloadUsage], recs: &[Recommendation]) -> BTreeMap<String, PodRequests> {
    let mut out = BTreeMap::new();
    let mut k = 0;
    for w in workloads {
        let n = w.containers.len();
        let Some(rs) = recs.get(k..k + n) else { break };
        k += n;
        let mut p = PodRequests {
            now: Res::default(),
            sized: Res::default(),
            sized_limit: Bytes(0),
            now_limit: Bytes(0),
        };
        for (c, r) in w.containers.iter().zip(rs) {
            let cur = c.current;
            let a = applied(r, c);
            let res = |cpu: Option<Millicores>, mem: Option<Bytes>| Res {
                cpu: cpu.unwrap_or(Millicores(0)),
                mem: mem.unwrap_or(Bytes(0)),
            };
            p.now = p.now.plus(res(cur.cpu_request, cur.memory_request));
            p.sized = p.sized.plus(res(a.cpu_request, a.memory_request));
            let lim = |l: Option<Bytes>, r: Option<Bytes>| l.or(r).unwrap_or(Bytes(0)).0;
            p.now_limit = Bytes(p.now_limit.0.saturating_add(lim(cur.memory_limit, cur.memory_request)));
            p.sized_limit = Bytes(p.sized_limit.0.saturating_add(lim(a.memory_limit, a.memory_request)));
        }
        out.insert(format!("{}/{}", w.namespace, w.workload), p);
    }
    out
}

/// The workloads read as a profile, what `rightsize` plans when no profile is given: a
/// deployed service per workload (named after it; `name.namespace` when two namespaces share
/// a name), its running pods as replicas (at least one), per replica its containers' current
/// requests (memory typical = the requests, peak = the limits, cpu = the cpu requests).
/// `running` holds, per workload, its running pods.
pub fn workloads_profile(
    workloads: &[WorkloadUsage],
    requests: &BTreeMap<String, PodRequests>,
    running: &[u64],
) -> Profile {
    let mut services = Vec::with_capacity(workloads.len());
    for (w, &run) in workloads.iter().zip(running) {
        let Some(p) = requests.get(&format!("{}/{}", w.namespace, w.workload)) else { continue };
        let name = w.workload.split_once('/').map_or(w.workload.as_str(), |(_, n)| n);
        let clash = workloads
            .iter()
            .filter(|x| x.workload.split_once('/').map_or(x.workload.as_str(), |(_, n)| n) == name)
            .count()
            > 1;
        services.push(Service {
            name: if clash { format!("{name}.{}", w.namespace) } else { name.to_string() },
            group: w.namespace.clone(),
            status: ServiceStatus::Deployed,
            port: None,
            memory: MemorySpec { typical: p.now.mem, peak: (p.now_limit > p.now.mem).then_some(p.now_limit) },
            cpu: Some(CpuSpec { typical: p.now.cpu, peak: None }),
            replicas: u32::try_from(run.max(1)).unwrap_or(u32::MAX),
            namespace: Some(w.namespace.clone()),
            workload: Some(w.workload.clone()),
            selector: BTreeMap::new(),
            per_client: None,
            notes: Some("the workload's pods at their current requests (kube-state-metrics)".to_string()),
            never_live: false,
        });
    }
    Profile {
        name: "workloads".to_string(),
        description: Some("the workloads rightsize read, at their current requests".to_string()),
        policy: Policy::default(),
        host: None,
        system: Default::default(),
        services,
    }
}

/// The cluster's nodes needed, with today's and with the right-sized requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodesNeeded {
    /// Nodes that take workloads.
    pub nodes: u32,
    /// Nodes listed that do not (NotReady, cordoned, tainted), not counted in `nodes`.
    pub excluded: u32,
    /// Pods placed (scheduled, in the scope, not DaemonSet pods).
    pub pods: u64,
    /// Of them, pods whose requests the recommendation changes.
    pub resized: u64,
    /// DaemonSet pods (kept on every node).
    pub daemon_pods: u64,
    /// The requests placed now.
    pub requests_before: Res,
    /// The requests placed right-sized.
    pub requests_after: Res,
    /// The fewest nodes that hold every pod now (`None`: not even all of them do).
    pub before: Option<u32>,
    /// The same with the right-sized requests.
    pub after: Option<u32>,
}

impl NodesNeeded {
    /// Nodes right-sizing frees: those needed now (every node when they do not fit now) minus
    /// those needed after, when both are known.
    pub fn freed(&self) -> Option<u32> {
        Some(self.before.unwrap_or(self.nodes).saturating_sub(self.after?))
    }
}

/// Why the nodes needed were not computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotComputed {
    /// The node list or the pod lists were not read.
    NotRead,
    /// More pods than [`MAX_PODS`].
    TooManyPods(u64),
    /// No node takes workloads.
    NoWorkloadNode,
}

/// The nodes `snap`'s pods need now and right-sized. `profile` is the profile the snapshot's
/// services were matched to (its `aggregate.services` in the same order); `sized` the
/// right-sized services, `requests` the right-sized workloads.
pub fn nodes_needed(
    snap: &ClusterSnapshot,
    profile: &Profile,
    sized: &[RightSized],
    requests: &BTreeMap<String, PodRequests>,
) -> Result<NodesNeeded, NotComputed> {
    if !snap.nodes_read || !snap.pods_read {
        return Err(NotComputed::NotRead);
    }
    let agg = &snap.aggregate;
    // Per group: its pods, its requests now, one pod's requests right-sized (when resized).
    let mut groups: Vec<(String, u64, Res, Option<Res>)> = Vec::new();
    // One pod of each DaemonSet on every node: their requests and their count per node.
    let (mut daemon, mut daemon_pods, mut daemon_sets) = (Res::default(), 0u64, 0u64);
    for (s, g) in profile.services.iter().zip(&agg.services) {
        let after = sized.iter().find(|r| r.service == s.name).map(|r| Res { cpu: r.cpu, mem: r.memory });
        groups.push((s.name.clone(), g.pods, g.requests, after));
    }
    for ((ns, kind, name), g) in &agg.unmatched {
        if kind == "DaemonSet" {
            if g.pods > 0 {
                daemon = daemon.plus(Res {
                    cpu: Millicores(g.requests.cpu.0.div_ceil(g.pods)),
                    mem: Bytes(g.requests.mem.0.div_ceil(g.pods)),
                });
                daemon_pods += g.pods;
                daemon_sets += 1;
            }
            continue;
        }
        let after = requests.get(&format!("{ns}/{kind}/{name}")).map(|p| p.sized);
        groups.push((format!("{ns}/{kind}/{name}"), g.pods, g.requests, after));
    }
    let pods: u64 = groups.iter().map(|g| g.1).sum();
    if pods > MAX_PODS {
        return Err(NotComputed::TooManyPods(pods));
    }
    let mut bins = Vec::new();
    let mut excluded = 0u32;
    for n in &agg.nodes {
        let Some(info) = &n.info else { continue };
        if info.exclusion().is_some() {
            excluded += 1;
            continue;
        }
        let fixed = n.totals.out_of_scope_requests.plus(daemon);
        let slots = info.pods.saturating_sub(n.totals.out_of_scope_pods).saturating_sub(daemon_sets);
        bins.push(Bin {
            name: n.name.clone(),
            groups: Vec::new(),
            memory: info.allocatable.mem.saturating_sub(fixed.mem),
            cpu: info.allocatable.cpu.saturating_sub(fixed.cpu),
            pods: u32::try_from(slots).unwrap_or(u32::MAX),
            overhead: (fixed.mem, fixed.cpu),
        });
    }
    if bins.is_empty() {
        return Err(NotComputed::NoWorkloadNode);
    }
    bins.sort_by(|a, b| b.memory.cmp(&a.memory).then(b.cpu.cmp(&a.cpu)).then(a.name.cmp(&b.name)));
    let items = |right_sized: bool| -> Vec<Item> {
        let mut out = Vec::new();
        for (id, (name, n, now, after)) in groups.iter().enumerate() {
            for k in 0..*n {
                let (memory, cpu) = match after.filter(|_| right_sized) {
                    Some(a) => (a.mem, a.cpu),
                    None => (Bytes(share(now.mem.0, *n, k)), Millicores(share(now.cpu.0, *n, k))),
                };
                out.push(Item {
                    service: name.clone(),
                    service_id: u32::try_from(id).unwrap_or(u32::MAX),
                    group: String::new(),
                    replica: u32::try_from(k).unwrap_or(u32::MAX),
                    memory,
                    cpu,
                });
            }
        }
        out.sort_by(placement::placement_cmp);
        out
    };
    let (now, right) = (items(false), items(true));
    let sum = |v: &[Item]| v.iter().fold(Res::default(), |a, i| a.plus(Res { cpu: i.cpu, mem: i.memory }));
    Ok(NodesNeeded {
        nodes: u32::try_from(bins.len()).unwrap_or(u32::MAX),
        excluded,
        pods,
        resized: groups.iter().filter(|g| g.3.is_some()).map(|g| g.1).sum(),
        daemon_pods,
        requests_before: sum(&now),
        requests_after: sum(&right),
        before: needed(&now, &bins),
        after: needed(&right, &bins),
    })
}

/// The fewest of `bins` (in their order) that hold every item: from the fewest whose capacity
/// covers the items' sum, one more at a time; `None` when not even all of them do.
pub fn needed(items: &[Item], bins: &[Bin]) -> Option<u32> {
    if items.is_empty() {
        return Some(0);
    }
    let (m, c) = items
        .iter()
        .fold((0u64, 0u64), |(m, c), i| (m.saturating_add(i.memory.0), c.saturating_add(i.cpu.0)));
    let (mut cm, mut cc, mut pods) = (0u64, 0u64, 0u64);
    let mut k = bins.len();
    for (i, b) in bins.iter().enumerate() {
        cm = cm.saturating_add(b.memory.0);
        cc = cc.saturating_add(b.cpu.0);
        pods = pods.saturating_add(u64::from(b.pods));
        if cm >= m && cc >= c && pods >= items.len() as u64 {
            k = i + 1;
            break;
        }
    }
    (k..=bins.len()).find(|&k| fits(items, &bins[..k])).map(|k| u32::try_from(k).unwrap_or(u32::MAX))
}

/// Whether every item finds a node: the scheduler-like placement, else the exhaustive search
/// on small instances (the greedy order can strand an item where a placement exists).
fn fits(items: &[Item], bins: &[Bin]) -> bool {
    placement::place(items, bins, false).unplaced.is_empty()
        || placement::search(
            items,
            &bins.iter().map(|b| (b.memory.0, b.cpu.0, b.pods)).collect::<Vec<_>>(),
            false,
        )
        .is_some()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::inventory::{GroupTotals, NodeEntry, NodeInfo, NodeTotals};

    const GI: u64 = 1 << 30;
    const MI: u64 = 1 << 20;

    fn item(service: &str, id: u32, replica: u32, mem: u64, cpu: u64) -> Item {
        Item {
            service: service.into(),
            service_id: id,
            group: String::new(),
            replica,
            memory: Bytes(mem),
            cpu: Millicores(cpu),
        }
    }

    fn bin(name: &str, mem: u64, cpu: u64) -> Bin {
        Bin {
            name: name.into(),
            groups: Vec::new(),
            memory: Bytes(mem),
            cpu: Millicores(cpu),
            pods: 110,
            overhead: (Bytes(0), Millicores(0)),
        }
    }

    #[test]
    fn needed_is_the_fewest_nodes_that_hold_every_item() {
        let bins = [bin("a", 4 * GI, 4000), bin("b", 4 * GI, 4000), bin("c", 4 * GI, 4000)];
        // 3 x 3 GiB: one per node (two do not share 4 GiB).
        let big: Vec<Item> = (0..3).map(|r| item("api", 0, r, 3 * GI, 100)).collect();
        assert_eq!(needed(&big, &bins), Some(3));
        // 3 x 1 GiB: one node holds them.
        let small: Vec<Item> = (0..3).map(|r| item("api", 0, r, GI, 100)).collect();
        assert_eq!(needed(&small, &bins), Some(1));
        // cpu decides: 3 x 3000m need three nodes although memory fits on one.
        let cpu: Vec<Item> = (0..3).map(|r| item("api", 0, r, MI, 3000)).collect();
        assert_eq!(needed(&cpu, &bins), Some(3));
        // 4 x 3 GiB fit nowhere: None.
        let four: Vec<Item> = (0..4).map(|r| item("api", 0, r, 3 * GI, 100)).collect();
        assert_eq!(needed(&four, &bins), None);
        assert_eq!(needed(&[], &bins), Some(0));
    }

    fn node(name: &str, mem: u64, cpu: u64) -> NodeEntry {
        let r = Res { cpu: Millicores(cpu), mem: Bytes(mem) };
        NodeEntry {
            name: name.into(),
            info: Some(Box::new(NodeInfo {
                name: name.into(),
                roles: Vec::new(),
                capacity: r,
                allocatable: r,
                pods: 110,
                ready: true,
                unschedulable: false,
                taints: Vec::new(),
                invalid: Vec::new(),
            })),
            totals: NodeTotals::default(),
        }
    }

    fn group(pods: u64, mem: u64, cpu: u64) -> GroupTotals {
        GroupTotals { pods, requests: Res { cpu: Millicores(cpu), mem: Bytes(mem) }, ..Default::default() }
    }

    #[test]
    fn right_sized_pods_free_nodes_daemonsets_stay_on_every_node() {
        let mut agg = crate::model::inventory::Aggregator::default();
        agg.nodes = vec![node("n1", 4 * GI, 4000), node("n2", 4 * GI, 4000), node("n3", 4 * GI, 4000)];
        let mut cordoned = node("n4", 8 * GI, 8000);
        cordoned.info.as_mut().unwrap().unschedulable = true;
        agg.nodes.push(cordoned);
        // shop/Deployment/api: 3 pods of 3 GiB / 300m (9 GiB in all); a DaemonSet of 3 pods at
        // 256 MiB / 100m each; kube-system/Deployment/dns: 1 pod 70 MiB / 100m, not right-sized.
        agg.unmatched = vec![
            (("shop".into(), "Deployment".into(), "api".into()), group(3, 9 * GI, 900)),
            (("kube-system".into(), "DaemonSet".into(), "proxy".into()), group(3, 768 * MI, 300)),
            (("kube-system".into(), "Deployment".into(), "dns".into()), group(1, 70 * MI, 100)),
        ];
        let snap = ClusterSnapshot {
            context: "t".into(),
            server: "https://t".into(),
            namespaces: Vec::new(),
            selector: None,
            node_selector: None,
            nodes_read: true,
            pods_read: true,
            node_metrics_read: true,
            pod_metrics_read: true,
            missing: Vec::new(),
            nodes_without_metrics: Vec::new(),
            invalid_quantities: Vec::new(),
            finished_pods_dropped: 0,
            notes: Vec::new(),
            pods_in_scope: 7,
            out_of_scope_read: false,
            aggregate: agg,
        };
        let sized = |mem: u64, cpu: u64| PodRequests {
            now: Res { cpu: Millicores(300), mem: Bytes(3 * GI) },
            sized: Res { cpu: Millicores(cpu), mem: Bytes(mem) },
            sized_limit: Bytes(mem),
            now_limit: Bytes(3 * GI),
        };
        let profile = Profile::default();
        let requests = BTreeMap::from([("shop/Deployment/api".to_string(), sized(GI, 120))]);
        let n = nodes_needed(&snap, &profile, &[], &requests).unwrap();
        // Each node keeps 4 GiB - 256 MiB for pods: 3 GiB + 70 MiB share one, so three nodes
        // now; right-sized 3 x 1 GiB + 70 MiB = 3142 MiB fit on one (3840 MiB).
        assert_eq!((n.nodes, n.excluded, n.pods, n.resized, n.daemon_pods), (3, 1, 4, 3, 3));
        assert_eq!((n.before, n.after, n.freed()), (Some(3), Some(1), Some(2)));
        assert_eq!(n.requests_before.mem, Bytes(9 * GI + 70 * MI));
        assert_eq!(n.requests_after, Res { cpu: Millicores(3 * 120 + 100), mem: Bytes(3 * GI + 70 * MI) });
        // Right-sized to 1800 MiB: two per node -> two nodes.
        let requests = BTreeMap::from([("shop/Deployment/api".to_string(), sized(1800 * MI, 120))]);
        let n = nodes_needed(&snap, &profile, &[], &requests).unwrap();
        assert_eq!((n.before, n.after, n.freed()), (Some(3), Some(2), Some(1)));
        // Too large now: every node counts as needed, right-sizing frees two.
        let mut over = snap.clone();
        over.aggregate.unmatched[0].1 = group(4, 12 * GI, 1200);
        let requests = BTreeMap::from([("shop/Deployment/api".to_string(), sized(GI, 120))]);
        let n = nodes_needed(&over, &profile, &[], &requests).unwrap();
        assert_eq!((n.before, n.after, n.freed()), (None, Some(2), Some(1)));
        let mut unread = snap.clone();
        unread.pods_read = false;
        assert_eq!(nodes_needed(&unread, &profile, &[], &requests), Err(NotComputed::NotRead));
        let mut not_ready = snap.clone();
        for n in &mut not_ready.aggregate.nodes {
            n.info.as_mut().unwrap().ready = false;
        }
        assert_eq!(nodes_needed(&not_ready, &profile, &[], &requests), Err(NotComputed::NoWorkloadNode));
    }
}
