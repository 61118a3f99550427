//! The node model in words: each part of a node's overhead with its figure and source, and a
//! planned node from RAM as sold to what is usable by pods.

use serde::Serialize;

use crate::analysis::node::{Kind, NodeBudget, NodeModel, Origin, Part};
use crate::model::figure::{CpuFig, MemFig};
use crate::model::quantity::Bytes;

/// One part of what a node runs besides the services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OverheadLine {
    /// What it is: `os`, `k3s server`, `coredns (kube-system)`, `measured (laptop)`.
    pub part: String,
    /// Memory (all replicas of a cluster-level system pod).
    pub memory: MemFig,
    /// CPU.
    pub cpu: CpuFig,
    /// `node` (on every node of its role) or `cluster` (once, placed with the services).
    pub per: &'static str,
    /// Where the figure comes from.
    pub source: String,
}

/// The run's note on the node overhead learned from a cluster (used for every plan): what each
/// node kind was measured at, and the system pod groups of which namespaces.
pub fn learned_note(l: &crate::analysis::node::Learned, system_namespaces: &[String]) -> String {
    let parts: Vec<String> = l
        .control_plane
        .iter()
        .chain(&l.worker)
        .map(|p| format!("{} ({})", p.memory, origin_text(&p.origin)))
        .collect();
    format!(
        "node overhead learned from the cluster and used for every plan: {}{}",
        if parts.is_empty() { "no node measured".to_string() } else { parts.join("; ") },
        if l.pods.is_empty() {
            String::new()
        } else {
            format!("; {} system pod group(s) of {}", l.pods.len(), system_namespaces.join(", "))
        }
    )
}

/// The source of a part in words.
pub fn origin_text(o: &Origin) -> String {
    match o {
        Origin::Catalog { source, date } => format!("{source} ({date})"),
        Origin::Profile => "the profile's system: section".to_string(),
        Origin::CommandLine => "the command line".to_string(),
        Origin::LearnedNode { context, node, node_usage, pod_usage } => format!(
            "learned from node {node} of {context}: NodeMetrics {node_usage} - its pods' usage {pod_usage}"
        ),
        Origin::LearnedPods { context, pods, usage } => format!(
            "learned from {pods} live pod(s) of {context} ({})",
            if *usage { "their usage" } else { "their requests" }
        ),
        Origin::TierNode => "the tier node's overheadMemory/overheadCpu in the catalog".to_string(),
    }
}

/// The name of a part.
pub fn part_name(p: &Part, distribution: &str) -> String {
    match &p.kind {
        Kind::Os => "os".to_string(),
        Kind::Processes(r) => format!("{distribution} {r}"),
        Kind::Measured(r) => format!("{distribution} {r} + os (measured)"),
        Kind::SystemPod { namespace, name, .. } => format!("{name} ({namespace})"),
        Kind::Extra => "catalog extra".to_string(),
    }
}

/// A part as a line: cluster-level pods count all their replicas.
pub fn line(p: &Part, distribution: &str) -> OverheadLine {
    let cluster = matches!(p.kind, Kind::SystemPod { per_node: false, .. });
    let r = if cluster { u64::from(p.replicas) } else { 1 };
    OverheadLine {
        part: part_name(p, distribution),
        memory: Bytes(p.memory.0.saturating_mul(r)).into(),
        cpu: crate::model::quantity::Millicores(p.cpu.0.saturating_mul(r)).into(),
        per: if cluster { "cluster" } else { "node" },
        source: origin_text(&p.origin),
    }
}

/// Every line of a node of `role` in `m` plus the cluster's system pods (a single-node plan).
pub fn single_node_lines(m: &NodeModel, b: &NodeBudget) -> Vec<OverheadLine> {
    let d = m.distribution.name.as_str();
    b.parts.iter().chain(&m.cluster_pods).map(|p| line(p, d)).collect()
}

/// One planned node, from RAM as sold to usable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeBudgetRow {
    /// Node.
    pub node: String,
    /// Its role (server, agent, ...), when modelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// RAM as sold.
    pub nominal: MemFig,
    /// After the kernel's share.
    pub capacity: MemFig,
    /// kube/system reserved.
    pub reserved: MemFig,
    /// Eviction threshold.
    pub eviction: MemFig,
    /// Allocatable.
    pub allocatable: MemFig,
    /// What it runs besides the pods placed.
    pub overhead: MemFig,
    /// allocatable - overhead.
    pub usable: MemFig,
    /// The parts of the overhead.
    pub parts: Vec<OverheadLine>,
    /// The reservation arithmetic.
    pub explain: Vec<String>,
}

/// A budget as a row.
pub fn budget_row(b: &NodeBudget, distribution: Option<&str>) -> NodeBudgetRow {
    let d = distribution.unwrap_or("");
    let a = &b.allocatable;
    NodeBudgetRow {
        node: b.name.clone(),
        role: b.role.map(|r| r.to_string()),
        nominal: a.nominal_memory.into(),
        capacity: a.capacity_memory.into(),
        reserved: a.kube_reserved_memory.into(),
        eviction: a.eviction_memory.into(),
        allocatable: a.allocatable_memory.into(),
        overhead: b.overhead_memory.into(),
        usable: b.usable_memory.into(),
        parts: b.parts.iter().map(|p| line(p, d)).collect(),
        explain: a.explain.clone(),
    }
}
