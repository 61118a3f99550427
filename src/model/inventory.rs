//! What runs in a cluster, as plain data: nodes, pods (reduced to what planning needs), and
//! the aggregation that turns a stream of pod pages into per-node and per-service totals
//! without keeping the pods.
//!
//! The Kubernetes source converts API objects into [`NodeInfo`] and [`PodInfo`]; everything
//! here is pure and unit-tested.

use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};

use super::profile::{Profile, ServiceStatus};
use super::quantity::{Bytes, Millicores};

/// CPU and memory together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Res {
    /// Millicores.
    pub cpu: Millicores,
    /// Bytes.
    pub mem: Bytes,
}

impl Res {
    /// Component-wise saturating sum.
    pub fn plus(self, o: Res) -> Res {
        Res {
            cpu: Millicores(self.cpu.0.saturating_add(o.cpu.0)),
            mem: Bytes(self.mem.0.saturating_add(o.mem.0)),
        }
    }

    /// Component-wise maximum.
    pub fn max(self, o: Res) -> Res {
        Res { cpu: self.cpu.max(o.cpu), mem: self.mem.max(o.mem) }
    }
}

/// A node taint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taint {
    /// Key.
    pub key: String,
    /// Value (may be empty).
    pub value: String,
    /// NoSchedule, PreferNoSchedule or NoExecute.
    pub effect: String,
}

/// A node, reduced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    /// Name.
    pub name: String,
    /// Roles from `node-role.kubernetes.io/<role>` labels.
    pub roles: Vec<String>,
    /// status.capacity.
    pub capacity: Res,
    /// status.allocatable.
    pub allocatable: Res,
    /// Allocatable pod slots.
    pub pods: u64,
    /// Ready condition is True.
    pub ready: bool,
    /// spec.unschedulable (cordoned).
    pub unschedulable: bool,
    /// Taints.
    pub taints: Vec<Taint>,
    /// Quantities of the node object that are not valid quantities (their figures are 0
    /// here and must be read as missing; the node is excluded from capacity).
    pub invalid: Vec<InvalidQuantity>,
}

/// A quantity the API server sent that does not parse: the figure is missing, not 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidQuantity {
    /// The object: `node NAME`, `NodeMetrics NAME`.
    pub object: String,
    /// The field: `status.allocatable.memory`, `usage.memory`.
    pub field: String,
    /// The value as sent.
    pub value: String,
    /// Why it is not a quantity.
    pub error: String,
}

impl std::fmt::Display for InvalidQuantity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: invalid quantity {:?} ({})", self.object, self.field, self.value, self.error)
    }
}

impl NodeInfo {
    /// Why new workloads cannot be placed on this node, if they cannot.
    pub fn exclusion(&self) -> Option<String> {
        let mut why = Vec::new();
        for q in &self.invalid {
            why.push(format!("invalid {} {:?}", q.field, q.value));
        }
        if !self.ready {
            why.push("NotReady".to_string());
        }
        if self.unschedulable {
            why.push("cordoned (unschedulable)".to_string());
        }
        for t in &self.taints {
            if t.effect == "NoSchedule" || t.effect == "NoExecute" {
                let kv = if t.value.is_empty() { t.key.clone() } else { format!("{}={}", t.key, t.value) };
                why.push(format!("taint {kv}:{}", t.effect));
            }
        }
        (!why.is_empty()).then(|| why.join(", "))
    }
}

/// Who owns a pod.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Owner {
    /// Kind of the top workload (Deployment, StatefulSet, DaemonSet, Job, ...; `Pod` if none).
    pub kind: String,
    /// Its name.
    pub name: String,
}

/// A container's resources.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContainerRes {
    /// Requests (0 where unset).
    pub requests: Res,
    /// Limits; `None` per resource when unset.
    pub limit_cpu: Option<Millicores>,
    /// Memory limit, if set.
    pub limit_mem: Option<Bytes>,
    /// For init containers: `restartPolicy: Always` (a sidecar).
    pub restartable: bool,
}

/// A pod, reduced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodInfo {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// spec.nodeName, if scheduled.
    pub node: Option<String>,
    /// status.phase.
    pub phase: String,
    /// The top owner workload.
    pub owner: Owner,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Effective requests (Kubernetes rules).
    pub requests: Res,
    /// Effective memory limit; `None` when some container has none (unbounded).
    pub limit_mem: Option<Bytes>,
}

/// Effective pod requests by the Kubernetes rules (including sidecar containers, KEP-753):
/// `max(sum(app) + sum(sidecars), max over init containers of (init + sidecars started before
/// it)) + overhead`, per resource.
pub fn effective_requests(app: &[ContainerRes], init: &[ContainerRes], overhead: Res) -> Res {
    let mut sidecars = Res::default();
    let mut init_peak = Res::default();
    for c in init {
        if c.restartable {
            sidecars = sidecars.plus(c.requests);
            // A sidecar runs alongside later init containers and the app containers.
            init_peak = init_peak.max(sidecars);
        } else {
            init_peak = init_peak.max(sidecars.plus(c.requests));
        }
    }
    let app_sum = app.iter().fold(sidecars, |acc, c| acc.plus(c.requests));
    app_sum.max(init_peak).plus(overhead)
}

/// Effective memory limit under the same rules; `None` when a running container has none.
pub fn effective_limit_mem(app: &[ContainerRes], init: &[ContainerRes], overhead: Bytes) -> Option<Bytes> {
    let mut sidecars: u64 = 0;
    let mut init_peak: u64 = 0;
    for c in init {
        let l = c.limit_mem?.0;
        if c.restartable {
            sidecars = sidecars.saturating_add(l);
            init_peak = init_peak.max(sidecars);
        } else {
            init_peak = init_peak.max(sidecars.saturating_add(l));
        }
    }
    let mut app_sum = sidecars;
    for c in app {
        app_sum = app_sum.saturating_add(c.limit_mem?.0);
    }
    Some(Bytes(app_sum.max(init_peak).saturating_add(overhead.0)))
}

/// The top workload of a pod from its controller owner reference: a ReplicaSet named
/// `<deployment>-<pod-template-hash>` becomes the Deployment, a Job named after a CronJob
/// schedule stays a Job.
pub fn top_owner(
    pod_name: &str,
    owner_kind: Option<&str>,
    owner_name: Option<&str>,
    labels: &BTreeMap<String, String>,
) -> Owner {
    match (owner_kind, owner_name) {
        (Some("ReplicaSet"), Some(rs)) => {
            let hash = labels.get("pod-template-hash").map(String::as_str);
            let deploy = match hash {
                Some(h) => rs.strip_suffix(h).and_then(|s| s.strip_suffix('-')),
                None => rs.rsplit_once('-').map(|(d, _)| d),
            };
            match deploy {
                Some(d) if !d.is_empty() => Owner { kind: "Deployment".into(), name: d.into() },
                _ => Owner { kind: "ReplicaSet".into(), name: rs.into() },
            }
        }
        (Some(k), Some(n)) => Owner { kind: k.into(), name: n.into() },
        _ => Owner { kind: "Pod".into(), name: pod_name.into() },
    }
}

/// How a pod was matched to a profile service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    /// The service's `workload` (owner kind and name).
    Workload,
    /// The service's `selector` labels.
    Selector,
    /// The workload's name or the pod's `app` / `app.kubernetes.io/name` label equals the service name.
    Name,
}

/// Which deployed-or-planned profile service a pod belongs to, if any: the one matcher of
/// [`super::matching`], with the pod's owner and labels known.
pub fn match_service(profile: &Profile, pod: &PodInfo) -> Option<(usize, MatchedBy)> {
    let facts = super::matching::PodFacts {
        namespace: &pod.namespace,
        name: &pod.name,
        owner: Some((&pod.owner.kind, &pod.owner.name)),
        labels: Some(&pod.labels),
        sanitized_labels: false,
    };
    super::matching::match_pod(profile, &facts).map(|(i, by)| {
        (
            i,
            match by {
                super::matching::MatchedBy::Workload => MatchedBy::Workload,
                super::matching::MatchedBy::Selector => MatchedBy::Selector,
                super::matching::MatchedBy::Name | super::matching::MatchedBy::PodName => MatchedBy::Name,
            },
        )
    })
}

/// Totals for one node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeTotals {
    /// Pods counted on the node.
    pub pods: u64,
    /// Sum of effective requests.
    pub requests: Res,
    /// Sum of pod usage from PodMetrics.
    pub pod_usage: Res,
    /// NodeMetrics usage (includes system daemons and the kubelet).
    pub node_usage: Option<Res>,
    /// Of `pods`: pods outside the scope (`-n`, `-l`), which still occupy the node.
    pub out_of_scope_pods: u64,
    /// Of `requests`: the requests of the pods outside the scope.
    pub out_of_scope_requests: Res,
    /// Of `pod_usage`: the usage of the pods outside the scope.
    pub out_of_scope_usage: Res,
}

impl NodeTotals {
    fn absorb(&mut self, o: &NodeTotals) {
        self.pods += o.pods;
        self.requests = self.requests.plus(o.requests);
        self.pod_usage = self.pod_usage.plus(o.pod_usage);
        self.node_usage = self.node_usage.or(o.node_usage);
        self.out_of_scope_pods += o.out_of_scope_pods;
        self.out_of_scope_requests = self.out_of_scope_requests.plus(o.out_of_scope_requests);
        self.out_of_scope_usage = self.out_of_scope_usage.plus(o.out_of_scope_usage);
    }
}

/// Totals for a group of pods (a profile service, or an unmatched namespace/owner).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupTotals {
    /// Pods.
    pub pods: u64,
    /// Sum of effective requests.
    pub requests: Res,
    /// Sum of PodMetrics usage.
    pub usage: Res,
    /// Pods that had metrics.
    pub pods_with_metrics: u64,
    /// How the pods were matched (services only).
    pub matched_by: Option<MatchedBy>,
    /// Pods that match this service but are outside the scope (`-n`, `-l`): not counted in
    /// `pods`; the service runs, out of scope.
    pub pods_out_of_scope: u64,
}

impl GroupTotals {
    fn absorb(&mut self, o: &GroupTotals) {
        self.pods += o.pods;
        self.requests = self.requests.plus(o.requests);
        self.usage = self.usage.plus(o.usage);
        self.pods_with_metrics += o.pods_with_metrics;
        self.matched_by = self.matched_by.or(o.matched_by);
        self.pods_out_of_scope += o.pods_out_of_scope;
    }
}

/// Key of an unmatched group: namespace, owner kind, owner name.
pub type GroupKey = (String, String, String);

/// A node seen in the node list, in pod placements, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeEntry {
    /// Node name.
    pub name: String,
    /// The node object, when the node list had it (boxed: an entry of a node seen only in pod
    /// placements, as in the per-list parts of a split pod read, stays small).
    pub info: Option<Box<NodeInfo>>,
    /// Totals of the pods placed on it.
    pub totals: NodeTotals,
}

/// Where a pod's totals went, packed into 8 bytes: the node index in the high half
/// ([`PodSlot::NO_NODE`] for an unscheduled pod), the group in the low half (the top bit set for
/// an unmatched group, clear for a profile service).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PodSlot(u64);

impl PodSlot {
    const NO_NODE: u32 = u32::MAX;
    const UNMATCHED: u32 = 1 << 31;

    fn new(node: Option<u32>, group: Slot) -> PodSlot {
        let g = match group {
            Slot::Service(i) => i,
            Slot::Unmatched(i) => i | Self::UNMATCHED,
        };
        PodSlot((u64::from(node.unwrap_or(Self::NO_NODE)) << 32) | u64::from(g))
    }

    fn node(self) -> Option<u32> {
        let n = (self.0 >> 32) as u32;
        (n != Self::NO_NODE).then_some(n)
    }

    fn group(self) -> Slot {
        let g = self.0 as u32;
        if g & Self::UNMATCHED != 0 { Slot::Unmatched(g & !Self::UNMATCHED) } else { Slot::Service(g) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Service(u32),
    Unmatched(u32),
}

/// The pods seen, as (key, slot) pairs: 16 bytes per pod. Appended while pages arrive, sorted
/// in place once on the first metrics lookup (no second copy of the index, as a stable sort
/// would make); a pod listed twice (by a server that repeats items) keeps one slot, the greatest,
/// so its usage is counted once, wherever the listings went.
#[derive(Debug, Default, Clone)]
struct PodIndex {
    entries: Vec<(u64, PodSlot)>,
    sorted: bool,
}

impl PodIndex {
    /// Room for `additional` more pods, growing by a quarter rather than doubling: the index of
    /// 150,000 pods is 2.4 MB, and doubling left up to as much again unused.
    fn reserve(&mut self, additional: usize) {
        let len = self.entries.len();
        if len + additional > self.entries.capacity() {
            self.entries.reserve_exact(additional.max(len / 4));
        }
    }

    fn push(&mut self, key: u64, slot: PodSlot) {
        self.entries.push((key, slot));
        self.sorted = false;
    }

    fn get(&mut self, key: u64) -> Option<PodSlot> {
        if !self.sorted {
            // In place, by key then slot; of equal keys the last (the greatest slot) is kept.
            self.entries.sort_unstable_by_key(|e| (e.0, e.1.0));
            let mut out = 0;
            for i in 0..self.entries.len() {
                if out > 0 && self.entries[out - 1].0 == self.entries[i].0 {
                    self.entries[out - 1] = self.entries[i];
                } else {
                    self.entries[out] = self.entries[i];
                    out += 1;
                }
            }
            self.entries.truncate(out);
            self.entries.shrink_to_fit();
            self.sorted = true;
        }
        self.entries.binary_search_by_key(&key, |e| e.0).ok().map(|i| self.entries[i].1)
    }

    fn len(&self) -> usize {
        if self.sorted {
            return self.entries.len();
        }
        let mut keys: Vec<u64> = self.entries.iter().map(|e| e.0).collect();
        keys.sort_unstable();
        keys.dedup();
        keys.len()
    }
}

/// Page-by-page aggregation of a cluster. Memory grows with nodes and groups, not with the
/// pods themselves (besides a 16-byte entry per pod for joining metrics).
#[derive(Debug, Default, Clone)]
pub struct Aggregator {
    /// Nodes in order of first sight.
    pub nodes: Vec<NodeEntry>,
    node_index: HashMap<String, u32>,
    /// Per profile service (same order as the profile).
    pub services: Vec<GroupTotals>,
    /// Unmatched groups, in order of first sight.
    pub unmatched: Vec<(GroupKey, GroupTotals)>,
    /// Unmatched groups by `namespace\0kind\0name` (looked up through `scratch`, no allocation).
    unmatched_index: HashMap<String, u32>,
    scratch: String,
    pods: PodIndex,
    /// Salts pod keys with the cluster, so pods of two clusters never share a key.
    cluster_salt: u64,
    /// Pods outside the scope (key, node slot), for joining their usage.
    outside: PodIndex,
    /// Pods outside the scope, counted on their nodes only.
    pub pods_out_of_scope: u64,
    /// Pods not yet scheduled.
    pub pods_unscheduled: u64,
    /// PodMetrics entries whose pod was not listed (terminated since, or outside the selection).
    pub metrics_without_pod: u64,
    /// Problems in individual objects (bad quantities), each naming the object and field.
    pub warnings: Vec<String>,
    /// Of a read merged from parts ([`Aggregator::merge_part`]): where each node (as `nodes`)
    /// and each unmatched group (as `unmatched`) was first seen, and each part's warnings.
    parts: PartOrder,
}

/// Where something was first seen in a read made of parts: the part's position in the read,
/// then the position in that part.
type Seen = (u32, u32);

/// What puts a read merged from parts in any order back into the order of one pass over the
/// parts in their order ([`Aggregator::order_parts`]).
#[derive(Debug, Default, Clone)]
struct PartOrder {
    nodes: Vec<Seen>,
    groups: Vec<Seen>,
    /// Per profile service, the first part that matched it (its `matched_by` is kept).
    services: Vec<u32>,
    warnings: Vec<(u32, Vec<String>)>,
    /// A part was merged.
    merged: bool,
}

/// One list of a read made of parts (a namespace's pods, when a cluster-wide read is split):
/// the totals of its pages, held apart from the read's so that a list that starts over (410) or
/// fails is dropped whole, but with its nodes named by their slots in the read's aggregator: the
/// parts read at once share its one node table (at 5,000 nodes a part's own table of names,
/// index and entries took about 1.7 MB; its totals by slot take 280 KB).
#[derive(Debug, Default, Clone)]
pub struct ReadPart {
    /// By node slot in the read's aggregator.
    nodes: Vec<PartNode>,
    /// Nodes seen so far.
    seen: u32,
    /// The part's services, unmatched groups, pods (their node slots the read's), counts and
    /// warnings; no nodes.
    rest: Aggregator,
}

/// A part's pods on one node of the read: what a page of pods adds to [`NodeTotals`].
#[derive(Debug, Clone, Copy)]
struct PartNode {
    pods: u64,
    requests: Res,
    out_of_scope_pods: u64,
    out_of_scope_requests: Res,
    /// Position of the node in the part's order of first sight; `u32::MAX`: not seen.
    first: u32,
}

impl Default for PartNode {
    fn default() -> PartNode {
        PartNode {
            pods: 0,
            requests: Res::default(),
            out_of_scope_pods: 0,
            out_of_scope_requests: Res::default(),
            first: u32::MAX,
        }
    }
}

impl ReadPart {
    /// An empty part of the read of one cluster ([`Aggregator::for_cluster`]).
    pub fn for_cluster(services: usize, cluster: &str) -> ReadPart {
        ReadPart { rest: Aggregator::for_cluster(services, cluster), ..Default::default() }
    }

    /// Adds a page of pods (an aggregator of [`Aggregator::add_pod`] only: no node objects, no
    /// usage) to the part, its nodes given slots in `read`, the aggregator the part is merged
    /// into ([`Aggregator::merge_part`]).
    pub fn add_page(&mut self, mut page: Aggregator, read: &mut Aggregator) {
        let nodes = std::mem::take(&mut page.nodes);
        let map: Vec<u32> = nodes.iter().map(|e| read.node_slot(&e.name)).collect();
        let need = read.nodes.len();
        if self.nodes.len() < need {
            // Once a page: the read's table grows by doubling, this by what the page needs.
            self.nodes.reserve_exact(need - self.nodes.len());
            self.nodes.resize(need, PartNode::default());
        }
        for (e, &i) in nodes.iter().zip(&map) {
            debug_assert!(e.info.is_none() && e.totals.pod_usage == Res::default());
            let n = &mut self.nodes[i as usize];
            if n.first == u32::MAX {
                n.first = self.seen;
                self.seen += 1;
            }
            let t = &e.totals;
            n.pods += t.pods;
            n.requests = n.requests.plus(t.requests);
            n.out_of_scope_pods += t.out_of_scope_pods;
            n.out_of_scope_requests = n.out_of_scope_requests.plus(t.out_of_scope_requests);
        }
        page.node_index.clear();
        self.rest.merge_rest(page, Some(&map));
    }
}

/// The permutation that sorts `seen` (stable), as new index by old index.
fn new_positions(seen: &[Seen]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..seen.len() as u32).collect();
    order.sort_by_key(|&i| seen[i as usize]);
    let mut new = vec![0u32; seen.len()];
    for (n, &old) in order.iter().enumerate() {
        new[old as usize] = n as u32;
    }
    new
}

/// Moves `v[i]` to `v[new[i]]`.
fn permute<T>(v: &mut Vec<T>, new: &[u32]) {
    let mut tagged: Vec<(u32, T)> = std::mem::take(v).into_iter().zip(new).map(|(x, &n)| (n, x)).collect();
    tagged.sort_by_key(|t| t.0);
    v.extend(tagged.into_iter().map(|t| t.1));
}

/// The key a pod is known by in an [`Aggregator`]: a 64-bit hash of its cluster, namespace
/// and name (a pod's identity), so the index holds 16 bytes per pod, not its names.
fn pod_key(cluster: u64, namespace: &str, name: &str) -> u64 {
    let mut h = DefaultHasher::new();
    cluster.hash(&mut h);
    namespace.hash(&mut h);
    name.hash(&mut h);
    h.finish()
}

impl Aggregator {
    /// A new aggregator for a profile with `services` entries.
    pub fn new(services: usize) -> Aggregator {
        Aggregator { services: vec![GroupTotals::default(); services], ..Default::default() }
    }

    /// A new aggregator for the pods of one cluster (named by anything unique to it, e.g.
    /// context and server): pods with the same namespace and name in two clusters stay two
    /// pods when the aggregators are merged.
    pub fn for_cluster(services: usize, cluster: &str) -> Aggregator {
        let mut h = DefaultHasher::new();
        cluster.hash(&mut h);
        Aggregator { cluster_salt: h.finish(), ..Aggregator::new(services) }
    }

    fn node_slot(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.node_index.get(name) {
            return i;
        }
        let i = self.nodes.len() as u32;
        self.node_index.insert(name.to_string(), i);
        self.nodes.push(NodeEntry { name: name.to_string(), info: None, totals: NodeTotals::default() });
        i
    }

    fn unmatched_slot(&mut self, namespace: &str, kind: &str, name: &str) -> u32 {
        self.scratch.clear();
        for (n, part) in [namespace, kind, name].into_iter().enumerate() {
            if n > 0 {
                self.scratch.push('\0');
            }
            self.scratch.push_str(part);
        }
        if let Some(&i) = self.unmatched_index.get(self.scratch.as_str()) {
            return i;
        }
        let i = self.unmatched.len() as u32;
        self.unmatched_index.insert(self.scratch.clone(), i);
        self.unmatched.push(((namespace.into(), kind.into(), name.into()), GroupTotals::default()));
        i
    }

    /// Adds a node from the node list.
    pub fn add_node(&mut self, node: NodeInfo) {
        let i = self.node_slot(&node.name);
        self.nodes[i as usize].info = Some(Box::new(node));
    }

    /// Records NodeMetrics usage for a node.
    pub fn add_node_usage(&mut self, name: &str, usage: Res) {
        let i = self.node_slot(name);
        self.nodes[i as usize].totals.node_usage = Some(usage);
    }

    /// Adds a pod: its requests go to its node and to its service or unmatched group.
    pub fn add_pod(&mut self, profile: &Profile, pod: &PodInfo) {
        let node = pod.node.as_deref().map(|n| self.node_slot(n));
        match node {
            None => self.pods_unscheduled += 1,
            Some(i) => {
                let t = &mut self.nodes[i as usize].totals;
                t.pods += 1;
                t.requests = t.requests.plus(pod.requests);
            }
        }
        let group = match match_service(profile, pod) {
            Some((i, by)) => {
                let g = &mut self.services[i];
                g.pods += 1;
                g.requests = g.requests.plus(pod.requests);
                g.matched_by = g.matched_by.or(Some(by));
                Slot::Service(i as u32)
            }
            None => {
                let i = self.unmatched_slot(&pod.namespace, &pod.owner.kind, &pod.owner.name);
                let g = &mut self.unmatched[i as usize].1;
                g.pods += 1;
                g.requests = g.requests.plus(pod.requests);
                Slot::Unmatched(i)
            }
        };
        self.pods.push(pod_key(self.cluster_salt, &pod.namespace, &pod.name), PodSlot::new(node, group));
    }

    /// Adds another aggregator's pods, nodes and totals to this one (for lists read in parts).
    pub fn merge(&mut self, other: Aggregator) {
        self.merge_mapped(other);
    }

    /// Merges part `index` of a read made of parts (the pod lists of the namespaces, in the
    /// apiserver's order), in whatever order the parts complete; [`Aggregator::order_parts`]
    /// then puts nodes, groups and warnings in the order that merging the parts one after the
    /// other in `index` order gives, so the result does not depend on which part came first and
    /// no part waits, held in memory, for those before it. The part's nodes are slots of this
    /// aggregator ([`ReadPart::add_page`]).
    pub fn merge_part(&mut self, part: ReadPart, index: u32) {
        let ReadPart { nodes, rest: mut other, .. } = part;
        let warnings = std::mem::take(&mut other.warnings);
        let matched: Vec<Option<MatchedBy>> = other.services.iter().map(|g| g.matched_by).collect();
        let mut order = std::mem::take(&mut self.parts);
        order.nodes.resize(self.nodes.len(), (u32::MAX, u32::MAX));
        for (i, n) in nodes.into_iter().enumerate() {
            if n.first == u32::MAX {
                continue;
            }
            let t = &mut self.nodes[i].totals;
            t.pods += n.pods;
            t.requests = t.requests.plus(n.requests);
            t.out_of_scope_pods += n.out_of_scope_pods;
            t.out_of_scope_requests = t.out_of_scope_requests.plus(n.out_of_scope_requests);
            let k = &mut order.nodes[i];
            *k = (*k).min((index, n.first));
        }
        let group_map = self.merge_rest(other, None);
        order.services.resize(self.services.len(), u32::MAX);
        for (i, by) in matched.into_iter().enumerate() {
            if let Some(by) = by
                && index < order.services[i]
            {
                order.services[i] = index;
                self.services[i].matched_by = Some(by);
            }
        }
        order.groups.resize(self.unmatched.len(), (u32::MAX, u32::MAX));
        for (j, &i) in group_map.iter().enumerate() {
            let k = &mut order.groups[i as usize];
            *k = (*k).min((index, j as u32));
        }
        order.warnings.push((index, warnings));
        order.merged = true;
        self.parts = order;
    }

    /// After the last [`Aggregator::merge_part`]: nodes and unmatched groups in the order of
    /// their first sight part by part, the parts' warnings in part order (before any others).
    /// A node only the parts that were not merged (a list that started over, or failed) placed
    /// pods on is dropped.
    pub fn order_parts(&mut self) {
        let mut order = std::mem::take(&mut self.parts);
        order.nodes.resize(self.nodes.len(), (u32::MAX, u32::MAX));
        order.groups.resize(self.unmatched.len(), (u32::MAX, u32::MAX));
        // A node no merged part saw keeps its place after those seen, unless nothing else
        // put it here: then it sorts last, and is cut off.
        let mut dropped = 0;
        for (k, e) in order.nodes.iter_mut().zip(&self.nodes) {
            if *k == (u32::MAX, u32::MAX) {
                if e.info.is_none() && e.totals == NodeTotals::default() {
                    dropped += 1;
                } else {
                    *k = (u32::MAX, u32::MAX - 1);
                }
            }
        }
        if !order.merged && dropped == 0 {
            return;
        }
        let nodes = new_positions(&order.nodes);
        let groups = new_positions(&order.groups);
        permute(&mut self.nodes, &nodes);
        permute(&mut self.unmatched, &groups);
        let kept = (self.nodes.len() - dropped) as u32;
        self.nodes.truncate(kept as usize);
        self.node_index.retain(|_, v| {
            *v = nodes[*v as usize];
            *v < kept
        });
        for v in self.unmatched_index.values_mut() {
            *v = groups[*v as usize];
        }
        let remap = |slot: PodSlot| {
            let group = match slot.group() {
                Slot::Service(i) => Slot::Service(i),
                Slot::Unmatched(i) => Slot::Unmatched(groups[i as usize]),
            };
            PodSlot::new(slot.node().map(|n| nodes[n as usize]), group)
        };
        for e in self.pods.entries.iter_mut().chain(self.outside.entries.iter_mut()) {
            e.1 = remap(e.1);
        }
        self.pods.sorted = false;
        self.outside.sorted = false;
        order.warnings.sort_by_key(|w| w.0);
        let mut warnings: Vec<String> = order.warnings.into_iter().flat_map(|w| w.1).collect();
        warnings.append(&mut self.warnings);
        self.warnings = warnings;
    }

    /// [`Aggregator::merge`], returning where the other's nodes and unmatched groups went
    /// (their indices here, by their index there).
    fn merge_mapped(&mut self, mut other: Aggregator) -> (Vec<u32>, Vec<u32>) {
        if self.is_empty() {
            // The usual case (one pod list): take the part as it is, without a second copy.
            let services = std::mem::take(&mut self.services);
            *self = other;
            if self.services.len() < services.len() {
                self.services.resize(services.len(), GroupTotals::default());
            }
            return ((0..self.nodes.len() as u32).collect(), (0..self.unmatched.len() as u32).collect());
        }
        let nodes = std::mem::take(&mut other.nodes);
        let node_map: Vec<u32> = nodes
            .into_iter()
            .map(|e| {
                let i = self.node_slot(&e.name);
                let mine = &mut self.nodes[i as usize];
                if mine.info.is_none() {
                    mine.info = e.info;
                }
                mine.totals.absorb(&e.totals);
                i
            })
            .collect();
        let group_map = self.merge_rest(other, Some(&node_map));
        (node_map, group_map)
    }

    /// Merges all but the other's nodes: its services, unmatched groups (returning where they
    /// went, by their index there), pods and counts. Its pods' node slots are mapped through
    /// `node_map`, or are slots of this aggregator already (`None`).
    fn merge_rest(&mut self, other: Aggregator, node_map: Option<&[u32]>) -> Vec<u32> {
        for (mine, theirs) in self.services.iter_mut().zip(&other.services) {
            mine.absorb(theirs);
        }
        let group_map: Vec<u32> = other
            .unmatched
            .iter()
            .map(|(k, g)| {
                let i = self.unmatched_slot(&k.0, &k.1, &k.2);
                self.unmatched[i as usize].1.absorb(g);
                i
            })
            .collect();
        let identity = node_map.is_none() && group_map.iter().enumerate().all(|(j, &i)| i as usize == j);
        if identity && self.pods.entries.is_empty() && self.outside.entries.is_empty() {
            // The first part merged (the only one, when the read is one list): its index is
            // taken as it is, without a second copy.
            self.pods = other.pods;
            self.outside = other.outside;
        } else {
            self.merge_pods(other.pods, other.outside, node_map, &group_map);
        }
        self.pods_out_of_scope += other.pods_out_of_scope;
        self.pods_unscheduled += other.pods_unscheduled;
        self.metrics_without_pod += other.metrics_without_pod;
        self.warnings.extend(other.warnings);
        group_map
    }

    /// The other's pods and pods out of scope, their node slots mapped through `node_map` (or
    /// this aggregator's already) and their unmatched groups through `group_map`.
    fn merge_pods(&mut self, pods: PodIndex, outside: PodIndex, node_map: Option<&[u32]>, group_map: &[u32]) {
        let node = |slot: PodSlot| match node_map {
            Some(map) => slot.node().map(|n| map[n as usize]),
            None => slot.node(),
        };
        self.pods.reserve(pods.entries.len());
        for (k, slot) in pods.entries {
            let group = match slot.group() {
                Slot::Service(i) => Slot::Service(i),
                Slot::Unmatched(i) => Slot::Unmatched(group_map[i as usize]),
            };
            self.pods.push(k, PodSlot::new(node(slot), group));
        }
        self.outside.reserve(outside.entries.len());
        for (k, slot) in outside.entries {
            self.outside.push(k, PodSlot::new(node(slot), Slot::Service(0)));
        }
    }

    /// Forgets all PodMetrics usage added so far (before listing the metrics again).
    pub fn clear_pod_usage(&mut self) {
        for n in &mut self.nodes {
            n.totals.pod_usage = Res::default();
            n.totals.out_of_scope_usage = Res::default();
        }
        for g in self.services.iter_mut().chain(self.unmatched.iter_mut().map(|(_, g)| g)) {
            g.usage = Res::default();
            g.pods_with_metrics = 0;
        }
        self.metrics_without_pod = 0;
    }

    /// Adds PodMetrics usage for a pod (after its pod was added).
    pub fn add_pod_usage(&mut self, namespace: &str, name: &str, usage: Res) {
        self.add_pod_usage_by_key(pod_key(self.cluster_salt, namespace, name), usage);
    }

    /// Adds PodMetrics usage for the pod with this [`pod_key`].
    fn add_pod_usage_by_key(&mut self, key: u64, usage: Res) {
        let Some(slot) = self.pods.get(key) else {
            self.metrics_without_pod += 1;
            return;
        };
        if let Some(n) = slot.node() {
            let t = &mut self.nodes[n as usize].totals;
            t.pod_usage = t.pod_usage.plus(usage);
        }
        let g = match slot.group() {
            Slot::Service(i) => &mut self.services[i as usize],
            Slot::Unmatched(i) => &mut self.unmatched[i as usize].1,
        };
        g.usage = g.usage.plus(usage);
        g.pods_with_metrics += 1;
    }

    fn is_empty(&self) -> bool {
        self.nodes.is_empty()
            && self.unmatched.is_empty()
            && self.pods.entries.is_empty()
            && self.outside.entries.is_empty()
            && self.pods_unscheduled == 0
            && self.metrics_without_pod == 0
            && self.warnings.is_empty()
            && self.services.iter().all(|g| *g == GroupTotals::default())
    }

    /// Renames every node (e.g. `context/node` when clusters are combined).
    pub fn rename_nodes(&mut self, f: impl Fn(&str) -> String) {
        self.node_index.clear();
        for (i, e) in self.nodes.iter_mut().enumerate() {
            e.name = f(&e.name);
            if let Some(info) = &mut e.info {
                info.name = e.name.clone();
            }
            self.node_index.insert(e.name.clone(), i as u32);
        }
    }

    /// Pods matching profile service `i` outside the scope.
    pub fn out_of_scope_pods(&self, i: usize) -> u64 {
        self.services.get(i).map_or(0, |g| g.pods_out_of_scope)
    }

    /// Whether the pod is in the scope's pods (added with [`Aggregator::add_pod`]).
    pub fn contains_pod(&mut self, namespace: &str, name: &str) -> bool {
        self.pods.get(pod_key(self.cluster_salt, namespace, name)).is_some()
    }

    /// Adds a pod outside the scope: its requests occupy its node (counted in the node's
    /// totals and in its `out_of_scope_*` share); services it matches count it in
    /// `pods_out_of_scope`; no group gets its requests.
    pub fn add_pod_out_of_scope(&mut self, profile: &Profile, pod: &PodInfo) {
        let node = pod.node.as_deref().map(|n| self.node_slot(n));
        if let Some(i) = node {
            let t = &mut self.nodes[i as usize].totals;
            t.pods += 1;
            t.requests = t.requests.plus(pod.requests);
            t.out_of_scope_pods += 1;
            t.out_of_scope_requests = t.out_of_scope_requests.plus(pod.requests);
        }
        if let Some((i, _)) = match_service(profile, pod) {
            self.services[i].pods_out_of_scope += 1;
        }
        self.pods_out_of_scope += 1;
        self.outside.push(
            pod_key(self.cluster_salt, &pod.namespace, &pod.name),
            PodSlot::new(node, Slot::Service(0)),
        );
    }

    /// Adds PodMetrics usage of a pod outside the scope to its node (ignored for pods in the
    /// scope, whose usage came with the scoped list, and for pods not listed).
    pub fn add_pod_usage_out_of_scope(&mut self, namespace: &str, name: &str, usage: Res) {
        let key = pod_key(self.cluster_salt, namespace, name);
        if let Some(n) = self.outside.get(key).and_then(PodSlot::node) {
            let t = &mut self.nodes[n as usize].totals;
            t.pod_usage = t.pod_usage.plus(usage);
            t.out_of_scope_usage = t.out_of_scope_usage.plus(usage);
        }
    }

    /// Forgets the usage of pods outside the scope (before listing it again).
    pub fn clear_out_of_scope_usage(&mut self) {
        for n in &mut self.nodes {
            let t = &mut n.totals;
            t.pod_usage = Res {
                cpu: Millicores(t.pod_usage.cpu.0.saturating_sub(t.out_of_scope_usage.cpu.0)),
                mem: Bytes(t.pod_usage.mem.0.saturating_sub(t.out_of_scope_usage.mem.0)),
            };
            t.out_of_scope_usage = Res::default();
        }
    }

    /// Number of pods counted.
    pub fn pod_count(&self) -> usize {
        self.pods.len()
    }

    /// Pods on nodes that are not in the node list (filtered out by --node-selector, or the
    /// node list was unreadable).
    pub fn pods_on_unlisted_nodes(&self) -> u64 {
        self.nodes.iter().filter(|e| e.info.is_none()).map(|e| e.totals.pods).sum()
    }

    /// Deployed profile services that matched no pod.
    pub fn missing_services<'a>(&'a self, profile: &'a Profile) -> impl Iterator<Item = &'a str> + 'a {
        profile
            .services
            .iter()
            .zip(&self.services)
            .filter(|(s, g)| s.status == ServiceStatus::Deployed && g.pods == 0)
            .map(|(s, _)| s.name.as_str())
    }
}

/// What the Kubernetes source read, aggregated, with what it could not read.
#[derive(Debug, Clone)]
pub struct ClusterSnapshot {
    /// kubeconfig context used.
    pub context: String,
    /// API server URL (no credentials).
    pub server: String,
    /// Namespaces in scope (empty: all).
    pub namespaces: Vec<String>,
    /// Pod label selector.
    pub selector: Option<String>,
    /// Node label selector.
    pub node_selector: Option<String>,
    /// The node list was read.
    pub nodes_read: bool,
    /// Every pod list was read.
    pub pods_read: bool,
    /// NodeMetrics were read.
    pub node_metrics_read: bool,
    /// PodMetrics were read.
    pub pod_metrics_read: bool,
    /// Inputs that could not be read, each naming the verb, resource and reason.
    pub missing: Vec<String>,
    /// Listed nodes that NodeMetrics left out (metrics-server has not scraped them yet), when
    /// NodeMetrics was read; their `node_usage` is `None`. (When the metrics API is
    /// unavailable, `node_metrics_read` is false and this is empty.)
    pub nodes_without_metrics: Vec<String>,
    /// Quantities the server sent that do not parse (node capacity or allocatable, NodeMetrics
    /// usage): those figures are missing, not 0.
    pub invalid_quantities: Vec<InvalidQuantity>,
    /// Succeeded and Failed pods the server sent although the field selector excludes them
    /// (a server or proxy that ignores it), dropped here.
    pub finished_pods_dropped: u64,
    /// How lists were read when that matters: e.g. a list whose continue token expired twice
    /// was read unpaginated.
    pub notes: Vec<String>,
    /// Pods in the scope (all pods without `-n`/`-l`): 0 with a scope is a scope that matched
    /// nothing.
    pub pods_in_scope: u64,
    /// With a scope: the cluster-wide lists of the pods outside it (their requests and usage on
    /// their nodes) were read. False without a scope, or when they were not readable (the
    /// reason is in `missing`).
    pub out_of_scope_read: bool,
    /// The totals.
    pub aggregate: Aggregator,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const MI: u64 = 1 << 20;

    fn c(cpu: u64, mem_mi: u64) -> ContainerRes {
        ContainerRes { requests: Res { cpu: Millicores(cpu), mem: Bytes(mem_mi * MI) }, ..Default::default() }
    }

    fn sidecar(cpu: u64, mem_mi: u64) -> ContainerRes {
        ContainerRes { restartable: true, ..c(cpu, mem_mi) }
    }

    fn res(cpu: u64, mem_mi: u64) -> Res {
        Res { cpu: Millicores(cpu), mem: Bytes(mem_mi * MI) }
    }

    #[test]
    fn effective_requests_app_only_is_the_sum() {
        assert_eq!(effective_requests(&[c(100, 64), c(50, 32)], &[], Res::default()), res(150, 96));
    }

    #[test]
    fn a_larger_init_container_dominates_per_resource() {
        // app 150m/96Mi; init 500m/32Mi -> cpu from init, memory from app.
        assert_eq!(effective_requests(&[c(100, 64), c(50, 32)], &[c(500, 32)], Res::default()), res(500, 96));
    }

    #[test]
    fn sidecars_add_to_the_app_and_to_later_init_containers() {
        // sidecar 10m/20Mi runs with the app: app 100m/100Mi + 10m/20Mi = 110m/120Mi.
        // init after the sidecar: 200m/50Mi + sidecar = 210m/70Mi; init before it: 300m/10Mi.
        let init = [c(300, 10), sidecar(10, 20), c(200, 50)];
        assert_eq!(effective_requests(&[c(100, 100)], &init, Res::default()), res(300, 120));
        // with overhead 25m/15Mi
        assert_eq!(effective_requests(&[c(100, 100)], &init, res(25, 15)), res(325, 135));
    }

    #[test]
    fn limits_are_unbounded_when_a_container_has_none() {
        let mut a = c(100, 64);
        a.limit_mem = Some(Bytes(128 * MI));
        let b = c(100, 64);
        assert_eq!(effective_limit_mem(&[a], &[], Bytes(0)), Some(Bytes(128 * MI)));
        assert_eq!(effective_limit_mem(&[a, b], &[], Bytes(0)), None);
        let mut i = c(0, 0);
        i.limit_mem = Some(Bytes(512 * MI));
        assert_eq!(effective_limit_mem(&[a], &[i], Bytes(MI)), Some(Bytes(513 * MI)));
    }

    #[test]
    fn top_owner_resolves_deployments() {
        let mut labels = BTreeMap::new();
        labels.insert("pod-template-hash".to_string(), "7d4b9c8f6".to_string());
        assert_eq!(
            top_owner("api-7d4b9c8f6-x2x9q", Some("ReplicaSet"), Some("api-7d4b9c8f6"), &labels),
            Owner { kind: "Deployment".into(), name: "api".into() }
        );
        assert_eq!(
            top_owner("my-api-v2-abc-x", Some("ReplicaSet"), Some("my-api-v2-abc"), &BTreeMap::new()),
            Owner { kind: "Deployment".into(), name: "my-api-v2".into() }
        );
        assert_eq!(
            top_owner("db-0", Some("StatefulSet"), Some("db"), &BTreeMap::new()),
            Owner { kind: "StatefulSet".into(), name: "db".into() }
        );
        assert_eq!(
            top_owner("lonely", None, None, &BTreeMap::new()),
            Owner { kind: "Pod".into(), name: "lonely".into() }
        );
        assert_eq!(
            top_owner("x", Some("ReplicaSet"), Some("nodash"), &BTreeMap::new()),
            Owner { kind: "ReplicaSet".into(), name: "nodash".into() }
        );
    }

    fn profile() -> Profile {
        serde_json::from_str(
            r#"{"name":"t","services":[
              {"name":"api","group":"core","status":"deployed","memory":{"typical":"50Mi"}},
              {"name":"web","group":"core","status":"deployed","memory":{"typical":"50Mi"},"selector":{"tier":"web"}},
              {"name":"cache","group":"infra","status":"planned","memory":{"typical":"60Mi"},"namespace":"data"}
            ]}"#,
        )
        .unwrap()
    }

    fn pod(
        ns: &str,
        name: &str,
        node: Option<&str>,
        owner: &str,
        labels: &[(&str, &str)],
        req: Res,
    ) -> PodInfo {
        PodInfo {
            namespace: ns.into(),
            name: name.into(),
            node: node.map(Into::into),
            phase: "Running".into(),
            owner: Owner { kind: "Deployment".into(), name: owner.into() },
            labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            requests: req,
            limit_mem: None,
        }
    }

    #[test]
    fn matching_by_selector_name_label_and_namespace() {
        let p = profile();
        let m = |pd: &PodInfo| match_service(&p, pd);
        assert_eq!(m(&pod("a", "api-1", None, "api", &[], res(0, 0))), Some((0, MatchedBy::Name)));
        assert_eq!(m(&pod("a", "x-1", None, "x", &[("app", "api")], res(0, 0))), Some((0, MatchedBy::Name)));
        assert_eq!(
            m(&pod("a", "x-1", None, "x", &[("app.kubernetes.io/name", "api")], res(0, 0))),
            Some((0, MatchedBy::Name))
        );
        assert_eq!(
            m(&pod("a", "w-1", None, "frontend", &[("tier", "web")], res(0, 0))),
            Some((1, MatchedBy::Selector))
        );
        // A service with a selector is not matched by name.
        assert_eq!(m(&pod("a", "web-1", None, "web", &[], res(0, 0))), None);
        // Namespace restricts.
        assert_eq!(m(&pod("other", "cache-1", None, "cache", &[], res(0, 0))), None);
        assert_eq!(m(&pod("data", "cache-1", None, "cache", &[], res(0, 0))), Some((2, MatchedBy::Name)));
    }

    fn node(name: &str, mem_mi: u64) -> NodeInfo {
        NodeInfo {
            name: name.into(),
            roles: vec![],
            capacity: res(4000, mem_mi),
            allocatable: res(4000, mem_mi),
            pods: 110,
            ready: true,
            unschedulable: false,
            taints: vec![],
            invalid: vec![],
        }
    }

    #[test]
    fn aggregation_joins_pods_nodes_and_metrics() {
        let p = profile();
        let mut a = Aggregator::new(3);
        a.add_pod(&p, &pod("a", "api-1", Some("n1"), "api", &[], res(100, 64)));
        a.add_pod(&p, &pod("a", "api-2", Some("n2"), "api", &[], res(100, 64)));
        a.add_pod(&p, &pod("kube-system", "dns-1", Some("n1"), "coredns", &[], res(100, 70)));
        a.add_pod(&p, &pod("a", "pending", None, "api", &[], res(100, 64)));
        // Nodes may arrive after the pods.
        a.add_node(node("n1", 4096));
        a.add_node(node("n2", 4096));
        a.add_node_usage("n1", res(900, 2000));
        a.add_pod_usage("a", "api-1", res(10, 40));
        a.add_pod_usage("kube-system", "dns-1", res(3, 20));
        a.add_pod_usage("gone", "old-pod", res(1, 1));
        assert_eq!(a.pod_count(), 4);
        assert_eq!(a.pods_unscheduled, 1);
        assert_eq!(a.metrics_without_pod, 1);
        assert_eq!(a.nodes[0].totals.requests, res(200, 134));
        assert_eq!(a.nodes[0].totals.pod_usage, res(13, 60));
        assert_eq!(a.nodes[0].totals.node_usage, Some(res(900, 2000)));
        assert_eq!(a.nodes[1].totals.pods, 1);
        assert_eq!(a.services[0].pods, 3);
        assert_eq!(a.services[0].requests, res(300, 192));
        assert_eq!(a.services[0].usage, res(10, 40));
        assert_eq!(a.services[0].pods_with_metrics, 1);
        assert_eq!(a.unmatched.len(), 1);
        assert_eq!(
            a.unmatched[0].0,
            ("kube-system".to_string(), "Deployment".to_string(), "coredns".to_string())
        );
        assert_eq!(a.missing_services(&p).collect::<Vec<_>>(), vec!["web"]);
        assert_eq!(a.pods_on_unlisted_nodes(), 0);
    }

    #[test]
    fn pod_slots_pack_node_and_group() {
        for (node, group) in [
            (None, Slot::Service(0)),
            (Some(0), Slot::Unmatched(0)),
            (Some(u32::MAX - 1), Slot::Service((1 << 31) - 1)),
            (Some(7), Slot::Unmatched((1 << 31) - 1)),
        ] {
            let s = PodSlot::new(node, group);
            assert_eq!((s.node(), s.group()), (node, group));
        }
    }

    #[test]
    fn the_pod_index_keeps_one_listing_of_a_pod_the_greatest_slot() {
        let mut ix = PodIndex::default();
        ix.push(9, PodSlot::new(Some(1), Slot::Service(0)));
        ix.push(3, PodSlot::new(None, Slot::Unmatched(2)));
        ix.push(9, PodSlot::new(Some(4), Slot::Service(1)));
        ix.push(9, PodSlot::new(Some(2), Slot::Service(7)));
        assert_eq!(ix.len(), 2);
        assert_eq!(ix.get(9), Some(PodSlot::new(Some(4), Slot::Service(1))));
        assert_eq!(ix.get(3), Some(PodSlot::new(None, Slot::Unmatched(2))));
        assert_eq!(ix.get(5), None);
        assert_eq!(ix.len(), 2);
        // Pods added after a lookup are found too.
        ix.push(1, PodSlot::new(Some(0), Slot::Service(2)));
        assert_eq!(ix.get(1), Some(PodSlot::new(Some(0), Slot::Service(2))));
        assert_eq!(ix.len(), 3);
    }

    #[test]
    fn a_pod_listed_twice_counts_its_usage_once() {
        let p = profile();
        let mut a = Aggregator::new(3);
        let pd = pod("b", "x-1", Some("n1"), "x", &[], res(50, 10));
        a.add_pod(&p, &pd);
        a.add_pod_usage("b", "x-1", res(3, 4));
        a.add_pod_usage("b", "gone", res(1, 1));
        assert_eq!(a.pod_count(), 1);
        assert_eq!(a.metrics_without_pod, 1);
        assert_eq!(a.nodes[0].totals.pod_usage, res(3, 4));
        assert_eq!(a.unmatched[0].1.usage, res(3, 4));
    }

    #[test]
    fn merged_parts_equal_one_pass() {
        let p = profile();
        let pods = [
            pod("a", "api-1", Some("n1"), "api", &[], res(100, 64)),
            pod("b", "x-1", Some("n2"), "x", &[], res(50, 10)),
            pod("b", "x-2", Some("n1"), "x", &[], res(50, 10)),
        ];
        let mut one = Aggregator::new(3);
        pods.iter().for_each(|pd| one.add_pod(&p, pd));
        let mut part1 = Aggregator::new(3);
        part1.add_pod(&p, &pods[0]);
        let mut part2 = Aggregator::new(3);
        part2.add_pod(&p, &pods[1]);
        part2.add_pod(&p, &pods[2]);
        let mut merged = Aggregator::new(3);
        merged.merge(part2);
        merged.merge(part1);
        for m in [&mut one, &mut merged] {
            m.add_node(node("n1", 1024));
            m.add_pod_usage("b", "x-2", res(7, 7));
            m.add_pod_usage("a", "api-1", res(5, 5));
        }
        let by_name = |a: &Aggregator, n: &str| a.nodes.iter().find(|e| e.name == n).unwrap().totals.clone();
        assert_eq!(by_name(&one, "n1"), by_name(&merged, "n1"));
        assert_eq!(by_name(&one, "n2"), by_name(&merged, "n2"));
        assert_eq!(one.services, merged.services);
        assert_eq!(one.unmatched, merged.unmatched);
        assert_eq!(merged.pods_on_unlisted_nodes(), 1, "n2 is not in the node list");
    }

    #[test]
    fn parts_merged_in_any_order_are_put_in_part_order() {
        let p = profile();
        let pods = [
            pod("a", "api-1", Some("n3"), "api", &[], res(100, 64)),
            pod("b", "x-1", Some("n1"), "x", &[], res(50, 10)),
            pod("b", "y-1", Some("n2"), "y", &[], res(5, 1)),
            pod("c", "z-1", Some("n2"), "z", &[], res(1, 1)),
            pod("c", "w-1", None, "web", &[("tier", "web")], res(2, 2)),
        ];
        let parts = || {
            let mut out = Vec::new();
            for (i, range) in [0..1, 1..3, 3..5].into_iter().enumerate() {
                let mut a = Aggregator::new(3);
                pods[range].iter().for_each(|pd| a.add_pod(&p, pd));
                a.warnings.push(format!("w{i}"));
                out.push(a);
            }
            out
        };
        let mut one = Aggregator::new(3);
        parts().into_iter().for_each(|a| one.merge(a));
        // The parts' pages are read at once, last part first, each page a pod; so is a part
        // that then starts over (its pods on a node of its own, n9, and on n1).
        let mut any = Aggregator::new(3);
        let mut read: Vec<(u32, ReadPart)> = (0..3).map(|i| (i, ReadPart::for_cluster(3, ""))).collect();
        let mut restarted = ReadPart::for_cluster(3, "");
        for (i, page) in [(2, 3), (2, 4), (1, 1), (1, 2), (0, 0)] {
            let mut a = Aggregator::new(3);
            a.add_pod(&p, &pods[page]);
            if page == 3 {
                a.warnings.push("w2".into());
                let mut lost = Aggregator::new(3);
                lost.add_pod(&p, &pod("d", "gone-1", Some("n9"), "gone", &[], res(9, 9)));
                lost.add_pod(&p, &pod("d", "gone-2", Some("n1"), "gone", &[], res(9, 9)));
                restarted.add_page(lost, &mut any);
            }
            if page == 1 || page == 0 {
                a.warnings.push(format!("w{i}"));
            }
            read[i as usize].1.add_page(a, &mut any);
        }
        drop(restarted);
        read.swap(0, 2);
        for (i, part) in read {
            any.merge_part(part, i);
        }
        let names = |a: &Aggregator| a.nodes.iter().map(|e| e.name.clone()).collect::<Vec<_>>();
        // In the order the pages came the nodes were first seen (the restarted part's n9 and n1
        // before the page it came with); in part order (one pass over the parts) they are n3,
        // n1, n2; n9 only the dropped part saw.
        assert_eq!(names(&any), vec!["n9", "n1", "n2", "n3"]);
        assert_ne!(any.unmatched, one.unmatched);
        any.order_parts();
        assert_eq!(names(&any), vec!["n3", "n1", "n2"]);
        assert_eq!(names(&any), names(&one));
        assert_eq!(any.unmatched, one.unmatched);
        assert_eq!(any.services, one.services);
        assert_eq!(any.warnings, vec!["w0", "w1", "w2"]);
        assert_eq!(any.pods_unscheduled, 1);
        // The pods' slots follow their nodes and groups: usage lands where it does in one pass.
        for m in [&mut one, &mut any] {
            for (k, pd) in pods.iter().enumerate() {
                m.add_pod_usage(&pd.namespace, &pd.name, res(k as u64 + 1, k as u64 + 1));
            }
            m.add_node(node("n1", 1024));
        }
        let totals = |a: &Aggregator| a.nodes.iter().map(|e| e.totals.clone()).collect::<Vec<_>>();
        assert_eq!(totals(&any), totals(&one));
        assert_eq!(any.unmatched, one.unmatched);
        assert_eq!(any.services, one.services);
        assert_eq!(any.nodes[1].totals.pod_usage, res(2, 2), "x-1 on n1");
        assert_eq!(any.nodes[2].totals.pod_usage, res(3 + 4, 3 + 4), "y-1 and z-1 on n2");
        assert_eq!(any.nodes[1].totals.pods, 1, "the dropped part's pod on n1 is not counted");
        assert_eq!(any.node_index.len(), 3);
        assert_eq!(any.node_slot("n2"), 2);
    }

    #[test]
    fn a_read_whose_parts_all_failed_has_no_nodes() {
        let p = profile();
        let mut read = Aggregator::new(3);
        let mut part = ReadPart::for_cluster(3, "");
        let mut page = Aggregator::new(3);
        page.add_pod(&p, &pod("b", "x-1", Some("n1"), "x", &[], res(50, 10)));
        part.add_page(page, &mut read);
        assert_eq!(read.nodes.len(), 1);
        drop(part);
        read.order_parts();
        assert!(read.nodes.is_empty() && read.node_index.is_empty());
        assert_eq!(read.pod_count(), 0);
    }

    #[test]
    fn the_first_part_merged_keeps_its_pod_index_and_a_second_is_mapped() {
        let p = profile();
        let mut read = Aggregator::new(3);
        let mut first = ReadPart::for_cluster(3, "");
        let mut second = ReadPart::for_cluster(3, "");
        let mut page = Aggregator::new(3);
        page.add_pod(&p, &pod("b", "x-1", Some("n1"), "x", &[], res(50, 10)));
        page.add_pod(&p, &pod("other", "o-1", Some("n2"), "o", &[], res(5, 1)));
        first.add_page(page, &mut read);
        let mut page = Aggregator::new(3);
        page.add_pod(&p, &pod("other2", "q-1", Some("n2"), "q", &[], res(7, 1)));
        second.add_page(page, &mut read);
        let index = first.rest.pods.entries.as_ptr();
        read.merge_part(first, 0);
        assert_eq!(read.pods.entries.as_ptr(), index, "not copied");
        read.merge_part(second, 1);
        read.order_parts();
        assert_eq!(read.pod_count(), 3);
        assert_eq!(read.nodes[1].name, "n2");
        assert_eq!(read.nodes[1].totals.pods, 2);
        assert_eq!(read.nodes[1].totals.requests, res(12, 2));
        assert_eq!(read.unmatched.len(), 3);
    }

    #[test]
    fn the_pod_index_grows_by_a_quarter() {
        let mut ix = PodIndex::default();
        ix.reserve(1000);
        assert_eq!(ix.entries.capacity(), 1000);
        for k in 0..1000 {
            ix.push(k, PodSlot::new(None, Slot::Service(0)));
        }
        ix.reserve(10);
        assert_eq!(ix.entries.capacity(), 1250);
        ix.reserve(250);
        assert_eq!(ix.entries.capacity(), 1250, "room enough");
        ix.reserve(600);
        assert_eq!(ix.entries.capacity(), 1600);
    }

    #[test]
    fn node_exclusions_name_the_reason() {
        let mut n = node("n", 1);
        assert_eq!(n.exclusion(), None);
        n.taints.push(Taint {
            key: "node-role.kubernetes.io/control-plane".into(),
            value: String::new(),
            effect: "NoSchedule".into(),
        });
        n.taints.push(Taint { key: "soft".into(), value: "x".into(), effect: "PreferNoSchedule".into() });
        n.unschedulable = true;
        n.ready = false;
        assert_eq!(
            n.exclusion().as_deref(),
            Some(
                "NotReady, cordoned (unschedulable), taint node-role.kubernetes.io/control-plane:NoSchedule"
            )
        );
    }
}
