//! Scenario files: a hand-written cluster in YAML (or JSON).
//!
//! ```yaml
//! serverVersion: v1.31.4+k3s1        # optional, /version gitVersion
//! nodes:
//!   - name: laptop
//!     labels: {node-role.kubernetes.io/control-plane: "true"}
//!     capacity: {cpu: "8", memory: 8073216Ki, pods: "110"}
//!     # allocatable: defaults to capacity
//! pods:
//!   - namespace: bizosaas
//!     name: redis-cache-5d8f7c9b4-x2k4p
//!     nodeName: laptop
//!     ownerReferences: [{kind: ReplicaSet, name: redis-cache-5d8f7c9b4}]
//!     containers:
//!       - name: redis
//!         resources: {requests: {cpu: 50m, memory: 38Mi}, limits: {memory: 76Mi}}
//! metrics:
//!   nodes: [{name: laptop, usage: {cpu: 600m, memory: 5767168Ki}}]
//!   pods:
//!     - namespace: bizosaas
//!       name: redis-cache-5d8f7c9b4-x2k4p
//!       containers: [{name: redis, usage: {cpu: 50m, memory: 38912Ki}}]
//! ```
//!
//! The field names of nodes and pods are those of [`crate::model::Node`] and
//! [`crate::model::Pod`]; unknown keys are rejected so typos do not go unseen.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::{Node, NodeMetrics, Pod, PodMetrics, ResourceList};
use crate::quantity;

/// The laptop scenario shipped with the crate (`scenarios/laptop.yaml`).
pub const LAPTOP_YAML: &str = include_str!("../scenarios/laptop.yaml");
/// The multi-node scenario shipped with the crate (`scenarios/multinode.yaml`).
pub const MULTINODE_YAML: &str = include_str!("../scenarios/multinode.yaml");

/// A hand-written cluster.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scenario {
    /// `gitVersion` served on `/version` (`v1.32.4` when absent).
    #[serde(default)]
    pub server_version: Option<String>,
    /// Nodes.
    pub nodes: Vec<Node>,
    /// Pods.
    #[serde(default)]
    pub pods: Vec<Pod>,
    /// metrics.k8s.io data.
    #[serde(default)]
    pub metrics: ScenarioMetrics,
}

/// Usage data of a scenario.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioMetrics {
    /// NodeMetrics objects.
    #[serde(default)]
    pub nodes: Vec<NodeMetrics>,
    /// PodMetrics objects.
    #[serde(default)]
    pub pods: Vec<PodMetrics>,
}

/// The order of two namespaced objects in the apiserver's lists: by their etcd key
/// `.../namespace/name`, byte by byte, so a namespace sorts as `namespace/`.
pub fn key_order(ns_a: &str, name_a: &str, ns_b: &str, name_b: &str) -> std::cmp::Ordering {
    ns_a.bytes().chain([b'/']).cmp(ns_b.bytes().chain([b'/'])).then_with(|| name_a.cmp(name_b))
}

/// Why a scenario could not be loaded.
#[derive(Debug)]
pub enum ScenarioError {
    /// The file could not be read.
    Io(String, std::io::Error),
    /// The text is not a valid scenario document.
    Parse(String),
    /// The document parsed but is inconsistent.
    Invalid(String),
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Io(path, e) => write!(f, "cannot read scenario {path}: {e}"),
            ScenarioError::Parse(m) => write!(f, "invalid scenario: {m}"),
            ScenarioError::Invalid(m) => write!(f, "inconsistent scenario: {m}"),
        }
    }
}

impl std::error::Error for ScenarioError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ScenarioError::Io(_, e) => Some(e),
            _ => None,
        }
    }
}

impl Scenario {
    /// Parses a YAML scenario and validates it.
    pub fn from_yaml_str(text: &str) -> Result<Self, ScenarioError> {
        let s: Scenario = serde_saphyr::from_str(text).map_err(|e| ScenarioError::Parse(e.to_string()))?;
        s.validated()
    }

    /// Parses a JSON scenario and validates it.
    pub fn from_json_str(text: &str) -> Result<Self, ScenarioError> {
        let s: Scenario = serde_json::from_str(text).map_err(|e| ScenarioError::Parse(e.to_string()))?;
        s.validated()
    }

    /// Reads a scenario file: JSON when the name ends in `.json`, YAML otherwise.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, ScenarioError> {
        let path = path.as_ref();
        let text =
            std::fs::read_to_string(path).map_err(|e| ScenarioError::Io(path.display().to_string(), e))?;
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
            Self::from_json_str(&text)
        } else {
            Self::from_yaml_str(&text)
        }
    }

    /// The built-in one-node k3s laptop scenario.
    pub fn laptop() -> Self {
        match Self::from_yaml_str(LAPTOP_YAML) {
            Ok(s) => s,
            Err(e) => unreachable!("built-in laptop scenario is invalid: {e}"),
        }
    }

    /// The built-in multi-node scenario.
    pub fn multinode() -> Self {
        match Self::from_yaml_str(MULTINODE_YAML) {
            Ok(s) => s,
            Err(e) => unreachable!("built-in multinode scenario is invalid: {e}"),
        }
    }

    /// Checks names, references and quantities; sorts objects as the API
    /// server lists them (nodes by name, pods by namespace then name); copies
    /// node and pod labels onto their metrics.
    pub fn validated(mut self) -> Result<Self, ScenarioError> {
        let bad = |m: String| Err(ScenarioError::Invalid(m));
        let mut node_names = HashSet::new();
        for n in &self.nodes {
            if n.name.is_empty() || !node_names.insert(n.name.as_str()) {
                return bad(format!("empty or duplicate node name {:?}", n.name));
            }
            check_list(&format!("node {} capacity", n.name), &n.capacity)?;
            if let Some(a) = &n.allocatable {
                check_list(&format!("node {} allocatable", n.name), a)?;
            }
        }
        let mut pod_names = HashSet::new();
        for p in &self.pods {
            let id = format!("{}/{}", p.namespace, p.name);
            if p.namespace.is_empty() || p.name.is_empty() || !pod_names.insert(id.clone()) {
                return bad(format!("empty or duplicate pod {id:?}"));
            }
            if let Some(n) = &p.node_name
                && !node_names.contains(n.as_str())
            {
                return bad(format!("pod {id} is bound to unknown node {n:?}"));
            }
            if p.containers.is_empty() {
                return bad(format!("pod {id} has no containers"));
            }
            for c in p.containers.iter().chain(&p.init_containers) {
                check_list(&format!("pod {id} container {} requests", c.name), &c.resources.requests)?;
                check_list(&format!("pod {id} container {} limits", c.name), &c.resources.limits)?;
            }
            if let Some(o) = &p.overhead {
                check_list(&format!("pod {id} overhead"), o)?;
            }
        }
        let mut seen = HashSet::new();
        for m in &self.metrics.nodes {
            if !node_names.contains(m.name.as_str()) || !seen.insert(m.name.clone()) {
                return bad(format!("node metrics for unknown or repeated node {:?}", m.name));
            }
            check_usage(&format!("node metrics {}", m.name), &m.usage.cpu, &m.usage.memory)?;
        }
        let mut seen = HashSet::new();
        for m in &self.metrics.pods {
            let id = format!("{}/{}", m.namespace, m.name);
            if !pod_names.contains(&id) || !seen.insert(id.clone()) {
                return bad(format!("pod metrics for unknown or repeated pod {id:?}"));
            }
            for c in &m.containers {
                check_usage(&format!("pod metrics {id}/{}", c.name), &c.usage.cpu, &c.usage.memory)?;
            }
        }

        self.nodes.sort_by(|a, b| a.name.cmp(&b.name));
        // In the apiserver's order: etcd key order of `namespace/name` ("a-b/x" before "a/y").
        self.pods.sort_by(|a, b| key_order(&a.namespace, &a.name, &b.namespace, &b.name));
        self.metrics.nodes.sort_by(|a, b| a.name.cmp(&b.name));
        self.metrics.pods.sort_by(|a, b| key_order(&a.namespace, &a.name, &b.namespace, &b.name));
        let node_labels: BTreeMap<&str, &BTreeMap<String, String>> =
            self.nodes.iter().map(|n| (n.name.as_str(), &n.labels)).collect();
        for m in &mut self.metrics.nodes {
            if m.labels.is_empty()
                && let Some(l) = node_labels.get(m.name.as_str())
            {
                m.labels = (*l).clone();
            }
        }
        let pod_labels: BTreeMap<(&str, &str), &BTreeMap<String, String>> =
            self.pods.iter().map(|p| ((p.namespace.as_str(), p.name.as_str()), &p.labels)).collect();
        for m in &mut self.metrics.pods {
            if m.labels.is_empty()
                && let Some(l) = pod_labels.get(&(m.namespace.as_str(), m.name.as_str()))
            {
                m.labels = (*l).clone();
            }
        }
        Ok(self)
    }
}

fn check_list(what: &str, list: &ResourceList) -> Result<(), ScenarioError> {
    for (k, v) in list {
        let ok =
            if k == "cpu" { quantity::parse_milli(v).is_some() } else { quantity::parse_units(v).is_some() };
        if !ok {
            return Err(ScenarioError::Invalid(format!("{what}: {k} has an invalid quantity {v:?}")));
        }
    }
    Ok(())
}

fn check_usage(what: &str, cpu: &str, memory: &str) -> Result<(), ScenarioError> {
    if quantity::parse_milli(cpu).is_none() || quantity::parse_units(memory).is_none() {
        return Err(ScenarioError::Invalid(format!("{what}: invalid usage cpu={cpu:?} memory={memory:?}")));
    }
    Ok(())
}
