//! The machine the stack runs on now, before the planned services: its memory and cpu, and
//! where those figures come from. Sources (the host, a recording, a cluster) and the analysis
//! build it; the report puts it into words.

use serde::Serialize;

use super::profile::Profile;
use super::quantity::{Bytes, Millicores};

/// Where the current figures come from (the report's `baseline` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineKind {
    /// Sampled from this host now (sysinfo, cgroup limits).
    Host,
    /// The host snapshot recorded in the profile (`--replay`).
    Replay,
    /// No host figures: a node of a given size running the distribution and the deployed
    /// services (`--profile-only`, `--capacity`).
    Profile,
    /// A live cluster: allocatable of schedulable nodes, used from metrics.k8s.io.
    Cluster,
    /// A recording of `bizo-plan sample` (`--samples`).
    Samples,
}

/// What "used" of a cluster baseline is measured by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ClusterUsed {
    /// NodeMetrics usage of every schedulable node (includes the kubelet, the runtime and the OS).
    NodeMetrics,
    /// NodeMetrics where a node has them, the sum of its pods' usage where it has none.
    NodeMetricsPartly,
    /// The sum of PodMetrics usage (no NodeMetrics: system usage not included).
    PodMetrics,
    /// The sum of pod requests (no metrics API).
    Requests,
}

/// The facts behind a baseline, for its description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Described by the source that read it (e.g. "sampled from this WSL2 VM ...").
    Described(String),
    /// The profile's recorded host.
    Replay {
        /// Profile name.
        profile: String,
        /// The record's `source` text.
        source: Option<String>,
    },
    /// A node of this size running the distribution (`--profile-only`).
    Profile {
        /// RAM as sold, when given (`--capacity`); None: this host's total.
        nominal: Option<Bytes>,
    },
    /// A live cluster.
    Cluster {
        /// API server (no credentials).
        server: String,
        /// Context.
        context: String,
        /// Schedulable nodes.
        nodes: usize,
        /// What "used" is.
        used: ClusterUsed,
    },
    /// A recording.
    Samples {
        /// peak or pNN.
        stat: String,
        /// Samples.
        samples: usize,
        /// First sample (unix seconds).
        from: u64,
        /// Last sample.
        to: u64,
        /// The recording's cluster context, when the cluster was recorded.
        context: Option<String>,
    },
}

/// Memory and cpu of the machine the stack runs on, before the planned services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    /// Where the figures come from.
    pub kind: BaselineKind,
    /// The facts behind it.
    pub origin: Origin,
    /// Total memory (the allocation, e.g. WSL2's cap or a cgroup limit; a cluster's allocatable).
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
            origin: Origin::Replay { profile: profile.name.clone(), source: h.source.clone() },
            total: h.total,
            used: h.used,
            available: h.available,
            swap: None,
            cpu_capacity: h.cpus.map(|c| Millicores(u64::from(c) * 1000)),
            cpu_used: h.cpu_used,
            notes: Vec::new(),
        })
    }
}
