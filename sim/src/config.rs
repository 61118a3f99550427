//! Simulator configuration: the served cluster, fault switches and auth.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::generate::GenerateSpec;
use crate::scenario::Scenario;

/// What cluster to serve.
#[derive(Debug, Clone)]
pub enum ClusterSpec {
    /// A hand-written scenario.
    Scenario(Box<Scenario>),
    /// A generated cluster.
    Generated(GenerateSpec),
}

/// How the metrics.k8s.io API behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetricsMode {
    /// Served normally.
    #[default]
    Available,
    /// Not installed: omitted from `/apis`, 404 below `/apis/metrics.k8s.io`.
    Absent,
    /// Registered but its backend is down: listed in `/apis`, 503
    /// ServiceUnavailable below `/apis/metrics.k8s.io/v1beta1`.
    Unavailable,
}

impl FromStr for MetricsMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "available" => Ok(MetricsMode::Available),
            "absent" => Ok(MetricsMode::Absent),
            "unavailable" => Ok(MetricsMode::Unavailable),
            _ => Err(format!("unknown metrics mode {s:?} (expected available, absent or unavailable)")),
        }
    }
}

/// A resource the simulated identity may not read (403 Forbidden).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forbid {
    /// `nodes` (list and get).
    Nodes,
    /// `pods` at every scope.
    Pods,
    /// `pods` at the cluster scope only; namespaced pod reads still work.
    PodsClusterScope,
    /// `nodes.metrics.k8s.io`.
    NodeMetrics,
    /// `pods.metrics.k8s.io` at every scope.
    PodMetrics,
    /// `pods.metrics.k8s.io` at the cluster scope only.
    PodMetricsClusterScope,
    /// `namespaces` (list).
    Namespaces,
}

impl FromStr for Forbid {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "nodes" => Ok(Forbid::Nodes),
            "pods" => Ok(Forbid::Pods),
            "pods-cluster" => Ok(Forbid::PodsClusterScope),
            "nodes-metrics" => Ok(Forbid::NodeMetrics),
            "pods-metrics" => Ok(Forbid::PodMetrics),
            "pods-metrics-cluster" => Ok(Forbid::PodMetricsClusterScope),
            "namespaces" => Ok(Forbid::Namespaces),
            _ => Err(format!(
                "unknown resource {s:?} (expected nodes, pods, pods-cluster, nodes-metrics, pods-metrics, pods-metrics-cluster or namespaces)"
            )),
        }
    }
}

/// How a truncated response is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TruncateMode {
    /// Declare the full `Content-Length`, send half the body, close the connection.
    CloseEarly,
    /// Send a complete HTTP response whose body is JSON cut mid-object.
    InvalidJson,
}

/// Truncation of resource responses (lists and gets of nodes, pods, metrics;
/// discovery documents are never truncated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncate {
    /// How.
    pub mode: TruncateMode,
    /// Only the first N resource responses (`None` = all of them).
    pub times: Option<u32>,
}

impl FromStr for Truncate {
    type Err = String;
    /// `close`, `json`, optionally with `:N` (first N responses only).
    fn from_str(s: &str) -> Result<Self, String> {
        let (mode, times) = match s.split_once(':') {
            Some((m, n)) => (m, Some(n.parse::<u32>().map_err(|_| format!("invalid truncate count {n:?}"))?)),
            None => (s, None),
        };
        let mode = match mode {
            "close" => TruncateMode::CloseEarly,
            "json" => TruncateMode::InvalidJson,
            _ => return Err(format!("unknown truncate mode {mode:?} (expected close or json)")),
        };
        Ok(Truncate { mode, times })
    }
}

/// A list collection, for faults aimed at one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOf {
    /// `/api/v1/nodes`.
    Nodes,
    /// `/api/v1/pods` and namespaced pods.
    Pods,
    /// `nodes.metrics.k8s.io`.
    NodeMetrics,
    /// `pods.metrics.k8s.io`.
    PodMetrics,
}

impl FromStr for ListOf {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "nodes" => Ok(ListOf::Nodes),
            "pods" => Ok(ListOf::Pods),
            "nodes-metrics" => Ok(ListOf::NodeMetrics),
            "pods-metrics" => Ok(ListOf::PodMetrics),
            _ => Err(format!("unknown list {s:?} (expected nodes, pods, nodes-metrics or pods-metrics)")),
        }
    }
}

/// What a wrong 200 answer to a list carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrong200Body {
    /// A `Status` object (`kind: Status`, no items), as some proxies and aggregated APIs send.
    Status,
    /// A JSON object that is not a list (`kind: Node`, a single object).
    Object,
}

/// A 200 answer to a list that is not a list of the expected kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wrong200 {
    /// What the body is.
    pub body: Wrong200Body,
    /// Which list answers it.
    pub list: ListOf,
}

impl FromStr for Wrong200 {
    type Err = String;
    /// `status:LIST` or `object:LIST`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (b, l) =
            s.split_once(':').ok_or_else(|| format!("expected status:LIST or object:LIST, got {s:?}"))?;
        let body = match b {
            "status" => Wrong200Body::Status,
            "object" => Wrong200Body::Object,
            _ => return Err(format!("unknown body {b:?} (expected status or object)")),
        };
        Ok(Wrong200 { body, list: l.parse()? })
    }
}

/// Fault switches. The default injects nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// metrics.k8s.io availability.
    pub metrics: MetricsMode,
    /// Resources answered with 403 Forbidden.
    pub forbid: Vec<Forbid>,
    /// Answer 410 Expired (once per collection: pods, nodes, each metrics list) to the request
    /// that presents the continue token for this page (pages count from 1, so 2 is the first
    /// continue).
    pub expire_continue_at: Option<u32>,
    /// Answer 500 InternalError to the first N requests.
    pub fail_first: u32,
    /// Answer 500 InternalError to every Kth request (K >= 1).
    pub fail_every: Option<u32>,
    /// Delay every response by this much.
    pub delay: Option<Duration>,
    /// Break resource responses.
    pub truncate: Option<Truncate>,
    /// Paginate metrics lists (honour `limit`/`continue`) like other lists. The real
    /// metrics-server ignores both, so the default is one unpaginated body.
    pub paginate_metrics: bool,
    /// Answer 429 TooManyRequests with `Retry-After: N` (seconds, see [`Faults::retry_after`])
    /// to the first N resource requests.
    pub throttle_first: u32,
    /// The `Retry-After` of throttled answers, in seconds (default 1, as the apiserver).
    pub retry_after: Option<u32>,
    /// Every continue request answers 410 Expired (the token in the body expires too).
    pub expire_always: bool,
    /// Resource responses send their headers, then one body byte every 0.5 s.
    pub drip: bool,
    /// Accept connections and never answer (not even the headers).
    pub silent: bool,
    /// A 200 answer to this list that is not a list of its kind.
    pub wrong_200: Option<Wrong200>,
    /// NodeMetrics leaves out the last N nodes (as metrics-server for nodes not scraped yet).
    pub omit_node_metrics: u32,
    /// Pod lists ignore `fieldSelector` (finished pods are served).
    pub ignore_field_selector: bool,
    /// The first node's allocatable memory and its NodeMetrics memory are invalid quantities.
    pub bad_quantities: bool,
}

/// Everything [`crate::Sim::start`] needs.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The served cluster.
    pub cluster: ClusterSpec,
    /// Fault switches.
    pub faults: Faults,
    /// When set, every request must carry `Authorization: Bearer <token>`
    /// (401 Unauthorized otherwise).
    pub token: Option<String>,
    /// Port on 127.0.0.1 (0 = ephemeral).
    pub port: u16,
    /// Append every request as a JSON line to this file.
    pub record_file: Option<PathBuf>,
    /// The identity named in 403 messages.
    pub user: String,
    /// The resourceVersion of lists.
    pub resource_version: u64,
}

impl SimConfig {
    fn with_cluster(cluster: ClusterSpec) -> Self {
        SimConfig {
            cluster,
            faults: Faults::default(),
            token: None,
            port: 0,
            record_file: None,
            user: "system:serviceaccount:bizo:bizo-plan".into(),
            resource_version: 48_213,
        }
    }

    /// Serve a scenario.
    pub fn scenario(scenario: Scenario) -> Self {
        Self::with_cluster(ClusterSpec::Scenario(Box::new(scenario)))
    }

    /// Serve the built-in laptop scenario.
    pub fn laptop() -> Self {
        Self::scenario(Scenario::laptop())
    }

    /// Serve the built-in multi-node scenario.
    pub fn multinode() -> Self {
        Self::scenario(Scenario::multinode())
    }

    /// Serve a generated cluster of `nodes` x `pods_per_node` (seed 1).
    pub fn generated(nodes: u32, pods_per_node: u32) -> Self {
        Self::generated_spec(GenerateSpec::new(nodes, pods_per_node))
    }

    /// Serve a generated cluster.
    pub fn generated_spec(spec: GenerateSpec) -> Self {
        Self::with_cluster(ClusterSpec::Generated(spec))
    }

    /// Sets the fault switches.
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Requires this bearer token.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Listens on this port instead of an ephemeral one.
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Appends each request to this JSON-lines file.
    pub fn with_record_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.record_file = Some(path.into());
        self
    }
}

impl fmt::Display for Forbid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Forbid::Nodes => "nodes",
            Forbid::Pods => "pods",
            Forbid::PodsClusterScope => "pods-cluster",
            Forbid::NodeMetrics => "nodes-metrics",
            Forbid::PodMetrics => "pods-metrics",
            Forbid::PodMetricsClusterScope => "pods-metrics-cluster",
            Forbid::Namespaces => "namespaces",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_switches() {
        assert_eq!("absent".parse(), Ok(MetricsMode::Absent));
        assert!("x".parse::<MetricsMode>().is_err());
        assert_eq!("pods-cluster".parse(), Ok(Forbid::PodsClusterScope));
        assert_eq!("namespaces".parse(), Ok(Forbid::Namespaces));
        assert_eq!("close:2".parse(), Ok(Truncate { mode: TruncateMode::CloseEarly, times: Some(2) }));
        assert_eq!("json".parse(), Ok(Truncate { mode: TruncateMode::InvalidJson, times: None }));
        assert!("json:x".parse::<Truncate>().is_err());
        assert_eq!("status:nodes".parse(), Ok(Wrong200 { body: Wrong200Body::Status, list: ListOf::Nodes }));
        assert!("status".parse::<Wrong200>().is_err());
        assert!("object:x".parse::<Wrong200>().is_err());
    }
}
