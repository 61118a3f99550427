//! What a node runs besides the services: the operating system, the Kubernetes distribution's
//! own processes (by node role) and the system pods. Defaults live in the catalog
//! (`distributions:`), each figure with its source and date; a profile (`system:`) and the
//! command line override them; a live cluster teaches them (the analysis).

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::profile::{
    QuantitySchema, k8s_bytes, k8s_cpu, memory_quantity, opt_k8s_bytes, opt_memory_quantity,
};
use super::quantity::{Bytes, Millicores};

/// What a node is in its cluster, which decides what the distribution runs on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A k3s server of a single-server cluster (API server, kine/SQLite, controllers, kubelet,
    /// containerd in one process), running workloads too.
    Server,
    /// One of three k3s servers with embedded etcd (HA control plane).
    ServerHa,
    /// A k3s agent (kubelet, containerd, flannel, kube-proxy).
    Agent,
    /// A kubeadm control-plane node (etcd, kube-apiserver, controller-manager, scheduler as
    /// static pods, plus kubelet and containerd).
    ControlPlane,
    /// A worker of kubeadm or of a managed offering (the provider runs the control plane).
    Worker,
}

impl Role {
    /// The catalog's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Server => "server",
            Role::ServerHa => "server-ha",
            Role::Agent => "agent",
            Role::ControlPlane => "control-plane",
            Role::Worker => "worker",
        }
    }

    /// Parses the catalog's spelling.
    pub fn parse(s: &str) -> Option<Role> {
        [Role::Server, Role::ServerHa, Role::Agent, Role::ControlPlane, Role::Worker]
            .into_iter()
            .find(|r| r.as_str() == s)
    }

    /// Whether the node holds the control plane (or a share of it).
    pub fn is_control_plane(self) -> bool {
        matches!(self, Role::Server | Role::ServerHa | Role::ControlPlane)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A published figure: memory and cpu with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Figure {
    /// Memory.
    #[serde(deserialize_with = "memory_quantity", serialize_with = "k8s_bytes")]
    #[schemars(with = "QuantitySchema")]
    pub memory: Bytes,
    /// CPU (default 0).
    #[serde(default, serialize_with = "k8s_cpu")]
    #[schemars(with = "Option<QuantitySchema>")]
    pub cpu: Millicores,
    /// Where the figure comes from (a page, a file at a commit).
    pub source: String,
    /// The date or version the source reflects.
    pub date: String,
}

/// The smallest node a distribution supports for a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Minimum {
    /// RAM as sold.
    #[serde(deserialize_with = "memory_quantity", serialize_with = "k8s_bytes")]
    #[schemars(with = "QuantitySchema")]
    pub memory: Bytes,
    /// vCPUs.
    pub vcpus: u32,
    /// Where it comes from.
    pub source: String,
    /// The date or version the source reflects.
    pub date: String,
}

/// A system pod: a cluster add-on (CoreDNS, metrics-server, ingress, storage, CNI, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SystemPod {
    /// Name (the workload's).
    pub name: String,
    /// Namespace (default kube-system).
    #[serde(default = "kube_system")]
    pub namespace: String,
    /// One on every node (a DaemonSet) rather than one per cluster.
    #[serde(default)]
    pub per_node: bool,
    /// Memory of one replica (its request, or what it uses when it requests less).
    #[serde(deserialize_with = "memory_quantity", serialize_with = "k8s_bytes")]
    #[schemars(with = "QuantitySchema")]
    pub memory: Bytes,
    /// Peak memory of one replica (its limit), when known.
    #[serde(
        default,
        deserialize_with = "opt_memory_quantity",
        serialize_with = "opt_k8s_bytes",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<QuantitySchema>")]
    pub peak: Option<Bytes>,
    /// CPU of one replica.
    #[serde(default, serialize_with = "k8s_cpu")]
    #[schemars(with = "Option<QuantitySchema>")]
    pub cpu: Millicores,
    /// Replicas (per cluster; per node with `perNode`).
    #[serde(default = "one")]
    pub replicas: u32,
    /// Where the figures come from.
    pub source: String,
    /// The date or version the source reflects.
    pub date: String,
}

fn kube_system() -> String {
    "kube-system".into()
}

fn one() -> u32 {
    1
}

/// Which role each node of a cluster of a given shape takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Shape {
    /// The node of a single-node cluster.
    pub single: Role,
    /// The first node of a multi-node cluster (the control plane).
    pub first: Role,
    /// The first three nodes of an HA cluster (each carries its share of the control plane).
    pub ha: Role,
    /// Every other node.
    pub others: Role,
}

/// A Kubernetes distribution as the planner models its nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Distribution {
    /// Name, referenced by tiers and providers (`k3s`, `kubeadm`, `managed`).
    pub name: String,
    /// What it is, in words.
    pub title: String,
    /// How its kubelet reserves memory and cpu (k3s: nothing; kubeadm: the 100Mi eviction
    /// threshold; managed: the provider's formula).
    pub reservation: super::reservation::ReservationModel,
    /// The operating system's own memory (systemd, journald, sshd, ...) on every node.
    pub os: Figure,
    /// The distribution's own processes on a node of each role (not seen by the scheduler
    /// unless the reservation model reserves them).
    pub roles: BTreeMap<Role, Figure>,
    /// The role each node takes by cluster shape.
    pub shape: Shape,
    /// The smallest node the distribution supports, by role.
    #[serde(default)]
    pub minimums: BTreeMap<Role, Minimum>,
    /// The system pods every cluster of this distribution runs.
    #[serde(default)]
    pub system_pods: Vec<SystemPod>,
}

impl Distribution {
    /// The roles of the nodes of a cluster of `n` nodes (HA: the first three share the control plane).
    pub fn roles_for(&self, n: usize, ha: bool) -> Vec<Role> {
        (0..n)
            .map(|i| match (n, i) {
                (1, _) => self.shape.single,
                _ if ha && n >= 3 && i < 3 => self.shape.ha,
                (_, 0) => self.shape.first,
                _ => self.shape.others,
            })
            .collect()
    }
}

/// A profile's (or the command line's) word on what its nodes run besides the services; every
/// field overrides the catalog's default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SystemSpec {
    /// The distribution the stack runs on (default k3s): what `--capacity`, `--profile-only`
    /// and this host are modelled as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<String>,
    /// The operating system's memory on every node.
    #[serde(
        default,
        deserialize_with = "opt_memory_quantity",
        serialize_with = "opt_k8s_bytes",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<QuantitySchema>")]
    pub os: Option<Bytes>,
    /// The distribution's processes by node role, e.g. `{server: 1.2Gi, agent: 300Mi}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<Role, QuantitySchema>")]
    pub overhead: BTreeMap<Role, RoleMemory>,
    /// The system pods, replacing the distribution's list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pods: Option<Vec<SystemPod>>,
    /// Namespaces whose pods are system pods in a live cluster (default: kube-system).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
}

/// A memory figure of a role override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoleMemory(#[serde(deserialize_with = "memory_quantity", serialize_with = "k8s_bytes")] pub Bytes);

impl SystemSpec {
    /// `other`'s fields where it sets them, else this one's (the command line over the profile).
    pub fn overridden_by(&self, other: &SystemSpec) -> SystemSpec {
        let mut out = self.clone();
        if other.distribution.is_some() {
            out.distribution.clone_from(&other.distribution);
        }
        if other.os.is_some() {
            out.os = other.os;
        }
        for (r, m) in &other.overhead {
            out.overhead.insert(*r, *m);
        }
        if other.pods.is_some() {
            out.pods.clone_from(&other.pods);
        }
        if !other.namespaces.is_empty() {
            out.namespaces.clone_from(&other.namespaces);
        }
        out
    }

    /// The namespaces whose pods are system pods.
    pub fn system_namespaces(&self) -> Vec<String> {
        if self.namespaces.is_empty() { vec![kube_system()] } else { self.namespaces.clone() }
    }
}

/// The distribution of this name, if the catalog has it.
pub fn find<'a>(distributions: &'a [Distribution], name: &str) -> Option<&'a Distribution> {
    distributions.iter().find(|d| d.name == name)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d() -> Distribution {
        Distribution {
            name: "k3s".into(),
            title: "k3s".into(),
            reservation: crate::model::reservation::ReservationModel::K3s,
            os: Figure { memory: Bytes(1), cpu: Millicores(0), source: "s".into(), date: "d".into() },
            roles: BTreeMap::new(),
            shape: Shape {
                single: Role::Server,
                first: Role::Server,
                ha: Role::ServerHa,
                others: Role::Agent,
            },
            minimums: BTreeMap::new(),
            system_pods: Vec::new(),
        }
    }

    #[test]
    fn roles_follow_the_shape() {
        let d = d();
        assert_eq!(d.roles_for(1, false), vec![Role::Server]);
        assert_eq!(d.roles_for(1, true), vec![Role::Server]);
        assert_eq!(d.roles_for(2, true), vec![Role::Server, Role::Agent]);
        assert_eq!(d.roles_for(3, false), vec![Role::Server, Role::Agent, Role::Agent]);
        assert_eq!(d.roles_for(4, true), vec![Role::ServerHa, Role::ServerHa, Role::ServerHa, Role::Agent]);
    }

    #[test]
    fn the_command_line_overrides_the_profile() {
        let mut p = SystemSpec { distribution: Some("k3s".into()), os: Some(Bytes(5)), ..Default::default() };
        p.overhead.insert(Role::Server, RoleMemory(Bytes(7)));
        let mut c = SystemSpec { os: Some(Bytes(9)), ..Default::default() };
        c.overhead.insert(Role::Agent, RoleMemory(Bytes(3)));
        let m = p.overridden_by(&c);
        assert_eq!(m.distribution.as_deref(), Some("k3s"));
        assert_eq!(m.os, Some(Bytes(9)));
        assert_eq!(m.overhead.len(), 2);
        assert_eq!(m.system_namespaces(), vec!["kube-system".to_string()]);
        assert_eq!(Role::parse("server-ha"), Some(Role::ServerHa));
        assert_eq!(Role::parse("master"), None);
    }
}
