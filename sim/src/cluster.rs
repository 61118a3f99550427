//! The served data: a scenario or a generated cluster behind one interface,
//! plus the exact expected totals a client should compute from it.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::generate::{GenerateSpec, Generated};
use crate::model::{CpuMem, Node, NodeMetrics, Phase, Pod, PodMetrics};
use crate::scenario::Scenario;

/// The four served collections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Collection {
    Nodes,
    Pods,
    NodeMetrics,
    PodMetrics,
}

impl Collection {
    /// Plural resource name.
    pub fn resource(self) -> &'static str {
        match self {
            Collection::Nodes | Collection::NodeMetrics => "nodes",
            Collection::Pods | Collection::PodMetrics => "pods",
        }
    }

    /// API group ("" for core).
    pub fn group(self) -> &'static str {
        match self {
            Collection::Nodes | Collection::Pods => "",
            _ => "metrics.k8s.io",
        }
    }

    /// `apiVersion` of objects and lists.
    pub fn api_version(self) -> &'static str {
        match self {
            Collection::Nodes | Collection::Pods => "v1",
            _ => "metrics.k8s.io/v1beta1",
        }
    }

    /// Kind of a single object.
    pub fn kind(self) -> &'static str {
        match self {
            Collection::Nodes => "Node",
            Collection::Pods => "Pod",
            Collection::NodeMetrics => "NodeMetrics",
            Collection::PodMetrics => "PodMetrics",
        }
    }

    /// Field selector keys the API server accepts for this resource.
    pub fn supported_fields(self) -> &'static [&'static str] {
        match self {
            Collection::Nodes => &["metadata.name", "spec.unschedulable"],
            Collection::Pods => &[
                "metadata.name",
                "metadata.namespace",
                "spec.nodeName",
                "spec.restartPolicy",
                "spec.schedulerName",
                "spec.serviceAccountName",
                "status.phase",
                "status.podIP",
            ],
            Collection::NodeMetrics => &["metadata.name"],
            Collection::PodMetrics => &["metadata.name", "metadata.namespace"],
        }
    }
}

/// One object of a collection, borrowed from a scenario or built on demand.
pub(crate) enum Item<'a> {
    Node(Cow<'a, Node>),
    Pod(Cow<'a, Pod>),
    NodeMetrics(Cow<'a, NodeMetrics>),
    PodMetrics(Cow<'a, PodMetrics>),
}

impl Item<'_> {
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Item::Pod(p) => Some(&p.namespace),
            Item::PodMetrics(m) => Some(&m.namespace),
            _ => None,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Item::Node(n) => &n.name,
            Item::Pod(p) => &p.name,
            Item::NodeMetrics(m) => &m.name,
            Item::PodMetrics(m) => &m.name,
        }
    }

    pub fn labels(&self) -> &BTreeMap<String, String> {
        match self {
            Item::Node(n) => &n.labels,
            Item::Pod(p) => &p.labels,
            Item::NodeMetrics(m) => &m.labels,
            Item::PodMetrics(m) => &m.labels,
        }
    }

    /// Value of a supported field-selector key.
    pub fn field(&self, key: &str) -> Option<&str> {
        match key {
            "metadata.name" => return Some(self.name()),
            "metadata.namespace" => return Some(self.namespace().unwrap_or("")),
            _ => {}
        }
        match self {
            Item::Node(n) if key == "spec.unschedulable" => {
                Some(if n.unschedulable { "true" } else { "false" })
            }
            Item::Pod(p) => match key {
                "spec.nodeName" => Some(p.node_name.as_deref().unwrap_or("")),
                "status.phase" => Some(p.phase.as_str()),
                "spec.restartPolicy" => {
                    Some(if p.owner_references.first().is_some_and(|o| o.kind == "Job") {
                        "Never"
                    } else {
                        "Always"
                    })
                }
                "spec.schedulerName" => Some("default-scheduler"),
                "spec.serviceAccountName" => Some(p.service_account_name.as_deref().unwrap_or("default")),
                "status.podIP" => Some(p.pod_ip.as_deref().unwrap_or("")),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Scenario objects with name indexes.
#[derive(Debug)]
pub(crate) struct ScenarioData {
    scenario: Scenario,
    node_index: HashMap<String, usize>,
    pod_index: HashMap<(String, String), usize>,
    node_metrics_index: HashMap<String, usize>,
    pod_metrics_index: HashMap<(String, String), usize>,
}

/// Where objects come from.
#[derive(Debug)]
pub(crate) enum Source {
    Scenario(Box<ScenarioData>),
    Generated(Generated),
}

impl Source {
    pub fn from_scenario(scenario: Scenario) -> Self {
        let node_index = scenario.nodes.iter().enumerate().map(|(i, n)| (n.name.clone(), i)).collect();
        let pod_index = scenario
            .pods
            .iter()
            .enumerate()
            .map(|(i, p)| ((p.namespace.clone(), p.name.clone()), i))
            .collect();
        let node_metrics_index =
            scenario.metrics.nodes.iter().enumerate().map(|(i, m)| (m.name.clone(), i)).collect();
        let pod_metrics_index = scenario
            .metrics
            .pods
            .iter()
            .enumerate()
            .map(|(i, m)| ((m.namespace.clone(), m.name.clone()), i))
            .collect();
        Source::Scenario(Box::new(ScenarioData {
            scenario,
            node_index,
            pod_index,
            node_metrics_index,
            pod_metrics_index,
        }))
    }

    pub fn from_spec(spec: GenerateSpec) -> Result<Self, String> {
        Generated::new(spec).map(Source::Generated)
    }

    /// The server version to report.
    pub fn server_version(&self) -> &str {
        match self {
            Source::Scenario(s) => s.scenario.server_version.as_deref().unwrap_or("v1.32.4"),
            Source::Generated(_) => "v1.32.4",
        }
    }

    /// Size of a collection's index space (some indices may hold no object).
    pub fn len(&self, c: Collection) -> usize {
        match (self, c) {
            (Source::Scenario(s), Collection::Nodes) => s.scenario.nodes.len(),
            (Source::Scenario(s), Collection::Pods) => s.scenario.pods.len(),
            (Source::Scenario(s), Collection::NodeMetrics) => s.scenario.metrics.nodes.len(),
            (Source::Scenario(s), Collection::PodMetrics) => s.scenario.metrics.pods.len(),
            (Source::Generated(g), Collection::Nodes | Collection::NodeMetrics) => g.node_count(),
            (Source::Generated(g), Collection::Pods | Collection::PodMetrics) => g.pod_count(),
        }
    }

    /// Whether every index holds an object (so remaining counts are exact).
    pub fn dense(&self, c: Collection) -> bool {
        matches!(self, Source::Scenario(_)) || matches!(c, Collection::Nodes | Collection::Pods)
    }

    /// The object at index `i`, if any.
    pub fn get(&self, c: Collection, i: usize) -> Option<Item<'_>> {
        match self {
            Source::Scenario(s) => {
                let sc = &s.scenario;
                match c {
                    Collection::Nodes => sc.nodes.get(i).map(|n| Item::Node(Cow::Borrowed(n))),
                    Collection::Pods => sc.pods.get(i).map(|p| Item::Pod(Cow::Borrowed(p))),
                    Collection::NodeMetrics => {
                        sc.metrics.nodes.get(i).map(|m| Item::NodeMetrics(Cow::Borrowed(m)))
                    }
                    Collection::PodMetrics => {
                        sc.metrics.pods.get(i).map(|m| Item::PodMetrics(Cow::Borrowed(m)))
                    }
                }
            }
            Source::Generated(g) => match c {
                Collection::Nodes => (i < g.node_count()).then(|| Item::Node(Cow::Owned(g.node(i)))),
                Collection::Pods => (i < g.pod_count()).then(|| Item::Pod(Cow::Owned(g.pod(i)))),
                Collection::NodeMetrics => (i < g.node_count())
                    .then(|| g.node_metrics(i))
                    .flatten()
                    .map(|m| Item::NodeMetrics(Cow::Owned(m))),
                Collection::PodMetrics => (i < g.pod_count())
                    .then(|| g.pod_metrics(i))
                    .flatten()
                    .map(|m| Item::PodMetrics(Cow::Owned(m))),
            },
        }
    }

    /// Looks an object up by namespace and name.
    pub fn find(&self, c: Collection, namespace: Option<&str>, name: &str) -> Option<Item<'_>> {
        let ns = namespace.unwrap_or("");
        let i = match self {
            Source::Scenario(s) => match c {
                Collection::Nodes => s.node_index.get(name).copied(),
                Collection::NodeMetrics => s.node_metrics_index.get(name).copied(),
                Collection::Pods => s.pod_index.get(&(ns.to_string(), name.to_string())).copied(),
                Collection::PodMetrics => {
                    s.pod_metrics_index.get(&(ns.to_string(), name.to_string())).copied()
                }
            },
            Source::Generated(g) => match c {
                Collection::Nodes | Collection::NodeMetrics => g.find_node(name),
                Collection::Pods | Collection::PodMetrics => g.find_pod(ns, name),
            },
        }?;
        self.get(c, i)
    }

    /// The exact totals a correct client computes from this cluster.
    pub fn expected_totals(&self) -> ExpectedTotals {
        let mut nodes: Vec<NodeTotals> = (0..self.len(Collection::Nodes))
            .filter_map(|i| match self.get(Collection::Nodes, i) {
                Some(Item::Node(n)) => Some(NodeTotals::empty(&n)),
                _ => None,
            })
            .collect();
        let mut t = ExpectedTotals::default();
        let mut pod_fact = |t: &mut ExpectedTotals,
                            node: Option<usize>,
                            phase: Phase,
                            req: CpuMem,
                            lim: CpuMem,
                            usage: Option<CpuMem>| {
            t.pods_total += 1;
            if let Some(u) = usage {
                t.pod_metrics += 1;
                t.pod_usage += u;
                if let Some(n) = node {
                    nodes[n].pod_usage += u;
                }
            }
            if phase.is_terminated() {
                t.pods_terminated += 1;
                return;
            }
            match node {
                Some(n) => {
                    let nt = &mut nodes[n];
                    nt.pods += 1;
                    nt.requests += req;
                    nt.limits += lim;
                }
                None => {
                    t.pods_unscheduled += 1;
                    t.unscheduled_requests += req;
                }
            }
        };
        match self {
            Source::Scenario(s) => {
                let usage: HashMap<(&str, &str), CpuMem> = s
                    .scenario
                    .metrics
                    .pods
                    .iter()
                    .map(|m| ((m.namespace.as_str(), m.name.as_str()), m.total()))
                    .collect();
                for p in &s.scenario.pods {
                    let node = p.node_name.as_ref().and_then(|n| s.node_index.get(n).copied());
                    let u = usage.get(&(p.namespace.as_str(), p.name.as_str())).copied();
                    pod_fact(&mut t, node, p.phase, p.effective_requests(), p.effective_limits(), u);
                }
                for m in &s.scenario.metrics.nodes {
                    if let Some(&i) = s.node_index.get(&m.name) {
                        nodes[i].usage = Some(m.usage.amounts());
                    }
                }
            }
            Source::Generated(g) => {
                for i in 0..g.pod_count() {
                    let (node, phase, req, lim, usage) = g.pod_facts(i);
                    pod_fact(&mut t, node, phase, req, lim, usage);
                }
                for (i, n) in nodes.iter_mut().enumerate() {
                    n.usage = g.node_usage(i);
                }
            }
        }
        for n in &nodes {
            t.allocatable += n.allocatable;
            t.requests += n.requests;
            t.limits += n.limits;
            if let Some(u) = n.usage {
                t.node_usage += u;
                t.node_metrics += 1;
            }
        }
        t.nodes = nodes;
        t
    }
}

/// Expected per-node figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeTotals {
    /// Node name.
    pub name: String,
    /// Ready condition is True.
    pub ready: bool,
    /// Cordoned.
    pub unschedulable: bool,
    /// `status.allocatable` cpu and memory.
    pub allocatable: CpuMem,
    /// `status.allocatable.pods`.
    pub allocatable_pods: i64,
    /// Non-terminated pods bound to the node.
    pub pods: usize,
    /// Sum of those pods' effective requests ([`Pod::effective_requests`]).
    pub requests: CpuMem,
    /// Sum of those pods' effective limits.
    pub limits: CpuMem,
    /// NodeMetrics usage (`None` when the node has no metrics).
    pub usage: Option<CpuMem>,
    /// Sum of the PodMetrics of pods bound to the node.
    pub pod_usage: CpuMem,
}

impl NodeTotals {
    fn empty(n: &Node) -> Self {
        let alloc = n.allocatable.as_ref().unwrap_or(&n.capacity);
        NodeTotals {
            name: n.name.clone(),
            ready: n.ready,
            unschedulable: n.unschedulable,
            allocatable: CpuMem::from_list(alloc),
            allocatable_pods: alloc.get("pods").and_then(|q| crate::quantity::parse_units(q)).unwrap_or(0),
            pods: 0,
            requests: CpuMem::default(),
            limits: CpuMem::default(),
            usage: None,
            pod_usage: CpuMem::default(),
        }
    }
}

/// Exact totals of a served cluster, for tests to assert a client's arithmetic.
///
/// Requests use the scheduler's effective-request formula (sidecars, init
/// containers, overhead) and count only pods that are bound to a node and not
/// Succeeded/Failed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ExpectedTotals {
    /// Per node, in name order.
    pub nodes: Vec<NodeTotals>,
    /// Every pod, all phases.
    pub pods_total: usize,
    /// Succeeded and Failed pods.
    pub pods_terminated: usize,
    /// Non-terminated pods with no node.
    pub pods_unscheduled: usize,
    /// Effective requests of the unscheduled pods.
    pub unscheduled_requests: CpuMem,
    /// Sum of node allocatable.
    pub allocatable: CpuMem,
    /// Sum of the nodes' `requests`.
    pub requests: CpuMem,
    /// Sum of the nodes' `limits`.
    pub limits: CpuMem,
    /// Sum of NodeMetrics usage.
    pub node_usage: CpuMem,
    /// Number of NodeMetrics objects.
    pub node_metrics: usize,
    /// Sum of every PodMetrics object's usage.
    pub pod_usage: CpuMem,
    /// Number of PodMetrics objects.
    pub pod_metrics: usize,
}

impl ExpectedTotals {
    /// The totals of one node by name.
    pub fn node(&self, name: &str) -> Option<&NodeTotals> {
        self.nodes.iter().find(|n| n.name == name)
    }
}
