//! The simulator's own compact object model.
//!
//! Scenario files deserialize straight into these types (YAML or JSON, camelCase
//! keys), and generated clusters build them by index. The [`crate::render`]
//! module turns them into full Kubernetes JSON (metadata, managedFields, spec,
//! status) when a response is written, so one renderer serves both sources.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::quantity;

/// A resource list such as `{cpu: 500m, memory: 64Mi}`: names to quantity strings.
pub type ResourceList = BTreeMap<String, String>;

/// A node of the simulated cluster.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Node {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.uid`; derived from the name when absent.
    #[serde(default)]
    pub uid: Option<String>,
    /// `metadata.labels` (roles are `node-role.kubernetes.io/<role>` labels).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `metadata.annotations`.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// `status.capacity` (`cpu`, `memory`, `pods`, ...).
    pub capacity: ResourceList,
    /// `status.allocatable`; equal to `capacity` when absent (as on k3s).
    #[serde(default)]
    pub allocatable: Option<ResourceList>,
    /// `spec.taints`.
    #[serde(default)]
    pub taints: Vec<Taint>,
    /// `spec.unschedulable` (a cordoned node).
    #[serde(default)]
    pub unschedulable: bool,
    /// Whether the `Ready` condition is `True` (otherwise `Unknown`, as for an
    /// unreachable kubelet).
    #[serde(default = "default_true")]
    pub ready: bool,
    /// `status.nodeInfo.kubeletVersion`; `v1.32.4` when absent.
    #[serde(default)]
    pub kubelet_version: Option<String>,
    /// The `InternalIP` address.
    #[serde(default, rename = "internalIP")]
    pub internal_ip: Option<String>,
    /// `status.nodeInfo.osImage`.
    #[serde(default)]
    pub os_image: Option<String>,
    /// `status.nodeInfo.kernelVersion`.
    #[serde(default)]
    pub kernel_version: Option<String>,
    /// `status.nodeInfo.containerRuntimeVersion`.
    #[serde(default)]
    pub container_runtime_version: Option<String>,
    /// `metadata.creationTimestamp` (RFC 3339).
    #[serde(default)]
    pub creation_timestamp: Option<String>,
    /// `spec.podCIDR`.
    #[serde(default, rename = "podCIDR")]
    pub pod_cidr: Option<String>,
}

/// A node taint.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Taint {
    /// Taint key.
    pub key: String,
    /// Taint value.
    #[serde(default)]
    pub value: Option<String>,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
}

/// A pod toleration.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Toleration {
    /// Key to tolerate (all keys when absent with `Exists`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `Exists` or `Equal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Value for `Equal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Effect to tolerate (all when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    /// For `NoExecute`: how long the pod stays bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}

/// Pod phase (`status.phase`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
pub enum Phase {
    /// Accepted but not (all) running yet.
    Pending,
    /// Bound and running.
    #[default]
    Running,
    /// All containers terminated successfully (completed Job pods).
    Succeeded,
    /// All containers terminated, at least one in failure.
    Failed,
    /// State unknown.
    Unknown,
}

impl Phase {
    /// The phase as written in `status.phase`.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Pending => "Pending",
            Phase::Running => "Running",
            Phase::Succeeded => "Succeeded",
            Phase::Failed => "Failed",
            Phase::Unknown => "Unknown",
        }
    }

    /// Succeeded and Failed pods no longer hold resources on their node.
    pub fn is_terminated(self) -> bool {
        matches!(self, Phase::Succeeded | Phase::Failed)
    }
}

/// An owner reference (`metadata.ownerReferences[]`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OwnerReference {
    /// `apps/v1` for ReplicaSet/StatefulSet/DaemonSet, `batch/v1` for Job; derived from kind when absent.
    #[serde(default)]
    pub api_version: Option<String>,
    /// Owner kind (`ReplicaSet`, `StatefulSet`, `DaemonSet`, `Job`, `Node`, ...).
    pub kind: String,
    /// Owner name.
    pub name: String,
    /// Owner uid; derived from kind and name when absent.
    #[serde(default)]
    pub uid: Option<String>,
}

impl OwnerReference {
    /// The API version, derived from the kind when not given.
    pub fn api_version(&self) -> &str {
        if let Some(v) = &self.api_version {
            return v;
        }
        match self.kind.as_str() {
            "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Deployment" => "apps/v1",
            "Job" | "CronJob" => "batch/v1",
            _ => "v1",
        }
    }
}

/// Requests and limits of one container.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Resources {
    /// `resources.requests`.
    #[serde(default)]
    pub requests: ResourceList,
    /// `resources.limits`.
    #[serde(default)]
    pub limits: ResourceList,
}

/// An environment variable with a literal value.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EnvVar {
    /// Variable name.
    pub name: String,
    /// Literal value.
    pub value: String,
}

/// A container port.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerPort {
    /// Port number.
    pub container_port: u16,
    /// Optional port name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A container (regular or init).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Container {
    /// Container name.
    pub name: String,
    /// Image; `registry.example.com/<name>:1.0.0` when absent.
    #[serde(default)]
    pub image: Option<String>,
    /// Requests and limits.
    #[serde(default)]
    pub resources: Resources,
    /// `Always` on an init container makes it a restartable sidecar.
    #[serde(default)]
    pub restart_policy: Option<String>,
    /// Environment variables.
    #[serde(default)]
    pub env: Vec<EnvVar>,
    /// Ports.
    #[serde(default)]
    pub ports: Vec<ContainerPort>,
    /// Command.
    #[serde(default)]
    pub command: Vec<String>,
    /// Arguments.
    #[serde(default)]
    pub args: Vec<String>,
}

impl Container {
    /// A container with a name and nothing else.
    pub fn named(name: impl Into<String>) -> Self {
        Container {
            name: name.into(),
            image: None,
            resources: Resources::default(),
            restart_policy: None,
            env: Vec::new(),
            ports: Vec::new(),
            command: Vec::new(),
            args: Vec::new(),
        }
    }

    /// Whether this (init) container is a restartable sidecar.
    pub fn is_sidecar(&self) -> bool {
        self.restart_policy.as_deref() == Some("Always")
    }
}

/// A volume beyond the service-account token volume every pod gets.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Volume {
    /// Volume name.
    pub name: String,
    /// ConfigMap name, when a configMap volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map: Option<String>,
    /// Secret name, when a secret volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Claim name, when a persistentVolumeClaim volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
    /// Mount path in the first container; `/mnt/<name>` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_path: Option<String>,
}

/// A pod of the simulated cluster.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pod {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.uid`; derived from namespace and name when absent.
    #[serde(default)]
    pub uid: Option<String>,
    /// `metadata.labels`.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `metadata.annotations`.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// `metadata.ownerReferences` (the first one is the controller).
    #[serde(default)]
    pub owner_references: Vec<OwnerReference>,
    /// `spec.nodeName`; absent for an unscheduled pod.
    #[serde(default)]
    pub node_name: Option<String>,
    /// `status.phase`.
    #[serde(default)]
    pub phase: Phase,
    /// `spec.containers`.
    pub containers: Vec<Container>,
    /// `spec.initContainers` (with `restartPolicy: Always` for sidecars).
    #[serde(default)]
    pub init_containers: Vec<Container>,
    /// `spec.overhead` (set by a RuntimeClass).
    #[serde(default)]
    pub overhead: Option<ResourceList>,
    /// `spec.runtimeClassName`.
    #[serde(default)]
    pub runtime_class_name: Option<String>,
    /// `spec.priorityClassName`.
    #[serde(default)]
    pub priority_class_name: Option<String>,
    /// `spec.priority`.
    #[serde(default)]
    pub priority: Option<i32>,
    /// `spec.serviceAccountName`; `default` when absent.
    #[serde(default)]
    pub service_account_name: Option<String>,
    /// Extra `spec.tolerations` (the default not-ready/unreachable ones are always added).
    #[serde(default)]
    pub tolerations: Vec<Toleration>,
    /// Extra volumes.
    #[serde(default)]
    pub volumes: Vec<Volume>,
    /// Restart count of the first container.
    #[serde(default)]
    pub restarts: u32,
    /// `status.podIP`; derived when absent.
    #[serde(default, rename = "podIP")]
    pub pod_ip: Option<String>,
    /// `status.hostIP`; the node's address when absent.
    #[serde(default, rename = "hostIP")]
    pub host_ip: Option<String>,
    /// `metadata.creationTimestamp` (RFC 3339).
    #[serde(default)]
    pub creation_timestamp: Option<String>,
}

/// CPU (milli-cores) and memory (bytes) amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CpuMem {
    /// CPU in milli-cores.
    pub cpu_milli: i64,
    /// Memory in bytes.
    pub memory_bytes: i64,
}

impl CpuMem {
    /// Reads `cpu` and `memory` from a resource list (missing or invalid = 0).
    pub fn from_list(list: &ResourceList) -> Self {
        CpuMem {
            cpu_milli: list.get("cpu").and_then(|q| quantity::parse_milli(q)).unwrap_or(0),
            memory_bytes: list.get("memory").and_then(|q| quantity::parse_units(q)).unwrap_or(0),
        }
    }

    fn max(self, other: CpuMem) -> CpuMem {
        CpuMem {
            cpu_milli: self.cpu_milli.max(other.cpu_milli),
            memory_bytes: self.memory_bytes.max(other.memory_bytes),
        }
    }
}

impl std::ops::Add for CpuMem {
    type Output = CpuMem;
    fn add(self, o: CpuMem) -> CpuMem {
        CpuMem { cpu_milli: self.cpu_milli + o.cpu_milli, memory_bytes: self.memory_bytes + o.memory_bytes }
    }
}

impl std::ops::AddAssign for CpuMem {
    fn add_assign(&mut self, o: CpuMem) {
        *self = *self + o;
    }
}

impl Pod {
    /// The pod's effective request, computed as the scheduler does
    /// (`k8s.io/component-helpers` `PodRequests`):
    ///
    /// * regular containers and restartable (sidecar) init containers are summed;
    /// * each init container needs its own request plus the sidecars started
    ///   before it, and the pod needs the maximum of that and the sum above;
    /// * `spec.overhead` is added on top.
    pub fn effective_requests(&self) -> CpuMem {
        effective(self, |c| &c.resources.requests)
    }

    /// The same arithmetic over declared limits (a missing limit counts as 0).
    pub fn effective_limits(&self) -> CpuMem {
        effective(self, |c| &c.resources.limits)
    }
}

fn effective(pod: &Pod, pick: impl Fn(&Container) -> &ResourceList) -> CpuMem {
    let mut reqs = CpuMem::default();
    for c in &pod.containers {
        reqs += CpuMem::from_list(pick(c));
    }
    let mut sidecars = CpuMem::default();
    let mut init_max = CpuMem::default();
    for c in &pod.init_containers {
        let own = CpuMem::from_list(pick(c));
        let need = if c.is_sidecar() {
            reqs += own;
            sidecars += own;
            sidecars
        } else {
            own + sidecars
        };
        init_max = init_max.max(need);
    }
    let mut total = reqs.max(init_max);
    if let Some(overhead) = &pod.overhead {
        total += CpuMem::from_list(overhead);
    }
    total
}

/// Usage figures of a metrics object (`usage: {cpu, memory}`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Usage {
    /// CPU usage quantity (`600m`, `3012345n`).
    pub cpu: String,
    /// Memory usage quantity (`5767168Ki`).
    pub memory: String,
}

impl Usage {
    /// Parsed usage.
    pub fn amounts(&self) -> CpuMem {
        CpuMem {
            cpu_milli: quantity::parse_milli(&self.cpu).unwrap_or(0),
            memory_bytes: quantity::parse_units(&self.memory).unwrap_or(0),
        }
    }
}

/// `metrics.k8s.io/v1beta1` NodeMetrics.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NodeMetrics {
    /// Node name.
    pub name: String,
    /// Usage.
    pub usage: Usage,
    /// Sampling window; `20.05s` when absent.
    #[serde(default)]
    pub window: Option<String>,
    /// Labels (copied from the node when loading a scenario).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// Usage of one container in a PodMetrics object.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerMetrics {
    /// Container name.
    pub name: String,
    /// Usage.
    pub usage: Usage,
}

/// `metrics.k8s.io/v1beta1` PodMetrics.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PodMetrics {
    /// Pod namespace.
    pub namespace: String,
    /// Pod name.
    pub name: String,
    /// Per-container usage.
    pub containers: Vec<ContainerMetrics>,
    /// Sampling window; `18.8s` when absent.
    #[serde(default)]
    pub window: Option<String>,
    /// Labels (copied from the pod when loading a scenario).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

impl PodMetrics {
    /// Sum of the containers' usage.
    pub fn total(&self) -> CpuMem {
        let mut sum = CpuMem::default();
        for c in &self.containers {
            sum += c.usage.amounts();
        }
        sum
    }
}

fn default_true() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(cpu: &str, mem: &str, sidecar: bool) -> Container {
        let mut c = Container::named("c");
        c.resources.requests.insert("cpu".into(), cpu.into());
        c.resources.requests.insert("memory".into(), mem.into());
        if sidecar {
            c.restart_policy = Some("Always".into());
        }
        c
    }

    #[test]
    fn effective_requests_follow_scheduler_rules() {
        let pod = Pod {
            namespace: "ns".into(),
            name: "p".into(),
            uid: None,
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            owner_references: vec![],
            node_name: None,
            phase: Phase::Running,
            containers: vec![container("100m", "100Mi", false)],
            init_containers: vec![container("50m", "50Mi", true), container("500m", "10Mi", false)],
            overhead: Some([("cpu".to_string(), "10m".to_string())].into_iter().collect()),
            runtime_class_name: None,
            priority_class_name: None,
            priority: None,
            service_account_name: None,
            tolerations: vec![],
            volumes: vec![],
            restarts: 0,
            pod_ip: None,
            host_ip: None,
            creation_timestamp: None,
        };
        // cpu: max(100+50, 500+50) + 10 = 560; memory: max(150Mi, 60Mi) = 150Mi.
        assert_eq!(pod.effective_requests(), CpuMem { cpu_milli: 560, memory_bytes: 150 << 20 });
    }
}
