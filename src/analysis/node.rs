//! The node model: what every capacity the tool plans onto is worth to the services.
//!
//! ```text
//! RAM as sold
//!  - the kernel's share                     -> capacity (what `free` shows)
//!  - kube/system reserved, eviction         -> allocatable (the scheduler's pool)
//!  - the OS, the distribution's processes,
//!    per-node system pods                   -> usable by pods the scheduler places
//! ```
//!
//! Cluster-level system pods (CoreDNS, metrics-server, ingress, ...) are pods like the
//! services: they are placed with them. The figures come from the catalog's distributions
//! (each with its source and date), overridden by the profile's `system:` section and the
//! command line, or learned from a live cluster (NodeMetrics minus the pods' usage per node;
//! the pods of the system namespaces).

use std::collections::BTreeMap;

use crate::model::inventory::ClusterSnapshot;
use crate::model::node::{Distribution, Minimum, Role, SystemPod, SystemSpec};
use crate::model::quantity::{Bytes, Millicores};
use crate::model::reservation::{Allocatable, DEFAULT_KERNEL_SHARE, NodeSize, ReservationModel};

/// Where a part of the overhead comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The catalog's default, with its source and date.
    Catalog {
        /// Source.
        source: String,
        /// Date or version.
        date: String,
    },
    /// The profile's `system:` section.
    Profile,
    /// The command line.
    CommandLine,
    /// A live node: its NodeMetrics usage minus its pods' usage.
    LearnedNode {
        /// Context.
        context: String,
        /// The node measured.
        node: String,
        /// Its NodeMetrics usage.
        node_usage: Bytes,
        /// Its pods' usage.
        pod_usage: Bytes,
    },
    /// Live pods of a system namespace.
    LearnedPods {
        /// Context.
        context: String,
        /// Pods.
        pods: u64,
        /// The figure is their usage (true) or their requests (false), whichever is larger.
        usage: bool,
    },
    /// A tier node's `overheadMemory` / `overheadCpu` in the catalog.
    TierNode,
}

/// What a part is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// The operating system.
    Os,
    /// The distribution's processes on a node of this role.
    Processes(Role),
    /// Measured on a live node: the OS and the distribution together.
    Measured(Role),
    /// A system pod (per node, or one of the cluster's).
    SystemPod {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
        /// On every node.
        per_node: bool,
    },
    /// Extra memory a tier node keeps (`overheadMemory`).
    Extra,
}

/// One part of a node's overhead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// What it is.
    pub kind: Kind,
    /// Memory (one replica, for a system pod).
    pub memory: Bytes,
    /// Peak memory, for a system pod with a limit.
    pub peak: Option<Bytes>,
    /// CPU.
    pub cpu: Millicores,
    /// Replicas, for a cluster-level system pod.
    pub replicas: u32,
    /// Where it comes from.
    pub origin: Origin,
}

/// A distribution with every figure resolved (defaults, overrides, learned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeModel {
    /// The catalog's distribution (name, title, shape, minimums).
    pub distribution: Distribution,
    /// The OS on every node (not added where a measured figure already holds it).
    pub os: Option<Part>,
    /// The distribution's processes by role.
    pub roles: BTreeMap<Role, Part>,
    /// Per-node system pods.
    pub per_node: Vec<Part>,
    /// Cluster-level system pods (placed with the services).
    pub cluster_pods: Vec<Part>,
}

/// What a live cluster taught about its nodes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Learned {
    /// Control-plane nodes: the largest NodeMetrics - pods' usage of one node.
    pub control_plane: Option<Part>,
    /// Other nodes: the largest of one node.
    pub worker: Option<Part>,
    /// System pods of the system namespaces, per owner workload.
    pub pods: Vec<Part>,
}

impl Learned {
    /// Whether anything was learned.
    pub fn is_empty(&self) -> bool {
        self.control_plane.is_none() && self.worker.is_none() && self.pods.is_empty()
    }
}

/// Learns the overhead of a cluster: per schedulable node with NodeMetrics and pod metrics,
/// usage minus its pods' usage (the OS, the kubelet, the runtime, the distribution); the
/// largest of the control-plane nodes and of the others. System pods: the unmatched owner
/// groups of `namespaces`, each at the larger of its usage and its requests.
pub fn learn(snap: &ClusterSnapshot, namespaces: &[String]) -> Learned {
    let mut out = Learned::default();
    if snap.node_metrics_read && snap.pod_metrics_read {
        for e in &snap.aggregate.nodes {
            let (Some(info), Some(usage)) = (&e.info, e.totals.node_usage) else { continue };
            if !info.ready {
                continue;
            }
            let cp = info.roles.iter().any(|r| r == "control-plane" || r == "master");
            let over = usage.mem.saturating_sub(e.totals.pod_usage.mem);
            let part = Part {
                kind: Kind::Measured(if cp { Role::Server } else { Role::Agent }),
                memory: over,
                peak: None,
                cpu: usage.cpu.saturating_sub(e.totals.pod_usage.cpu),
                replicas: 1,
                origin: Origin::LearnedNode {
                    context: snap.context.clone(),
                    node: e.name.clone(),
                    node_usage: usage.mem,
                    pod_usage: e.totals.pod_usage.mem,
                },
            };
            let slot = if cp { &mut out.control_plane } else { &mut out.worker };
            if slot.as_ref().is_none_or(|p| p.memory < part.memory) {
                *slot = Some(part);
            }
        }
    }
    if snap.pods_read {
        for ((ns, kind, name), g) in &snap.aggregate.unmatched {
            if g.pods == 0 || !namespaces.iter().any(|n| n == ns) {
                continue;
            }
            let usage = snap.pod_metrics_read && g.pods_with_metrics == g.pods;
            let mem = if usage { g.usage.mem.max(g.requests.mem) } else { g.requests.mem };
            let cpu = if usage { g.usage.cpu.max(g.requests.cpu) } else { g.requests.cpu };
            let per_node = kind == "DaemonSet";
            let n = if per_node { g.pods } else { 1 };
            out.pods.push(Part {
                kind: Kind::SystemPod { namespace: ns.clone(), name: name.clone(), per_node },
                memory: Bytes(mem.0.div_ceil(n.max(1))),
                peak: None,
                cpu: Millicores(cpu.0.div_ceil(n.max(1))),
                replicas: if per_node { 1 } else { u32::try_from(g.pods).unwrap_or(u32::MAX) },
                origin: Origin::LearnedPods {
                    context: snap.context.clone(),
                    pods: g.pods,
                    usage: usage && g.usage.mem >= g.requests.mem,
                },
            });
        }
    }
    out
}

fn catalog(source: &str, date: &str) -> Origin {
    Origin::Catalog { source: source.to_string(), date: date.to_string() }
}

fn pod_part(p: &SystemPod, origin: Origin) -> Part {
    Part {
        kind: Kind::SystemPod { namespace: p.namespace.clone(), name: p.name.clone(), per_node: p.per_node },
        memory: p.memory,
        peak: p.peak,
        cpu: p.cpu,
        replicas: p.replicas.max(1),
        origin,
    }
}

/// Resolves a distribution: the catalog's figures, then the profile's `system:` section, then
/// the command line's, then what a live cluster taught (which replaces the OS and the
/// processes of the roles it measured, and the system pods).
pub fn resolve(
    d: &Distribution,
    profile: &SystemSpec,
    command_line: &SystemSpec,
    learned: Option<&Learned>,
) -> NodeModel {
    let mut os = Some(Part {
        kind: Kind::Os,
        memory: d.os.memory,
        peak: None,
        cpu: d.os.cpu,
        replicas: 1,
        origin: catalog(&d.os.source, &d.os.date),
    });
    let mut roles: BTreeMap<Role, Part> = d
        .roles
        .iter()
        .map(|(r, f)| {
            (
                *r,
                Part {
                    kind: Kind::Processes(*r),
                    memory: f.memory,
                    peak: None,
                    cpu: f.cpu,
                    replicas: 1,
                    origin: catalog(&f.source, &f.date),
                },
            )
        })
        .collect();
    let mut pods: Vec<Part> =
        d.system_pods.iter().map(|p| pod_part(p, catalog(&p.source, &p.date))).collect();
    for (spec, origin) in [(profile, Origin::Profile), (command_line, Origin::CommandLine)] {
        if let Some(m) = spec.os
            && let Some(o) = &mut os
        {
            o.memory = m;
            o.cpu = Millicores(0);
            o.origin = origin.clone();
        }
        for (r, m) in &spec.overhead {
            if let Some(p) = roles.get_mut(r) {
                p.memory = m.0;
                p.origin = origin.clone();
            }
        }
        if let Some(list) = &spec.pods {
            pods = list.iter().map(|p| pod_part(p, origin.clone())).collect();
        }
    }
    if let Some(l) = learned {
        // A measured node holds the OS and the distribution together.
        let measured = [(true, &l.control_plane), (false, &l.worker)];
        for (cp, part) in measured {
            let Some(part) = part else { continue };
            for (r, p) in roles.iter_mut() {
                if r.is_control_plane() == cp && !matches!(p.origin, Origin::Profile | Origin::CommandLine) {
                    *p = Part { kind: Kind::Measured(*r), ..part.clone() };
                }
            }
        }
        if !l.pods.is_empty()
            && !matches!(pods.first().map(|p| &p.origin), Some(Origin::Profile | Origin::CommandLine))
        {
            pods.clone_from(&l.pods);
        }
    }
    let (per_node, cluster_pods) =
        pods.into_iter().partition(|p| matches!(p.kind, Kind::SystemPod { per_node: true, .. }));
    NodeModel { distribution: d.clone(), os, roles, per_node, cluster_pods }
}

/// One node of a plan, everything derived, each part exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeBudget {
    /// Node name.
    pub name: String,
    /// Its role, when it runs a modelled distribution.
    pub role: Option<Role>,
    /// vCPUs.
    pub vcpus: u32,
    /// Reservations, eviction, allocatable.
    pub allocatable: Allocatable,
    /// What the node runs besides the pods placed on it.
    pub parts: Vec<Part>,
    /// Sum of the parts' memory.
    pub overhead_memory: Bytes,
    /// Sum of the parts' cpu.
    pub overhead_cpu: Millicores,
    /// allocatable - overhead (memory), saturating.
    pub usable_memory: Bytes,
    /// allocatable - overhead (cpu).
    pub usable_cpu: Millicores,
    /// The distribution's minimum for the role, when the node is below it.
    pub below_minimum: Option<Minimum>,
}

/// A node of `nominal` RAM and `vcpus` under a reservation model, running `model`'s `role`
/// (none: nothing modelled), plus `extra` memory and cpu the catalog keeps on it.
pub fn budget(
    name: &str,
    size: NodeSize,
    reservation: ReservationModel,
    model: Option<(&NodeModel, Role)>,
    extra: (Bytes, Millicores),
) -> NodeBudget {
    let allocatable = reservation.allocatable(size, DEFAULT_KERNEL_SHARE);
    budget_with(name, size.vcpus, size.nominal_memory, allocatable, model, extra)
}

/// The same for a node whose allocatable is already known.
pub fn budget_with(
    name: &str,
    vcpus: u32,
    nominal: Bytes,
    allocatable: Allocatable,
    model: Option<(&NodeModel, Role)>,
    extra: (Bytes, Millicores),
) -> NodeBudget {
    let mut parts = Vec::new();
    let mut below_minimum = None;
    let mut role = None;
    if let Some((m, r)) = model {
        role = Some(r);
        let processes = m.roles.get(&r);
        if !matches!(processes.map(|p| &p.kind), Some(Kind::Measured(_))) {
            parts.extend(m.os.iter().cloned());
        }
        parts.extend(processes.cloned());
        parts.extend(m.per_node.iter().cloned());
        if let Some(min) = m.distribution.minimums.get(&r)
            && (nominal < min.memory || vcpus < min.vcpus)
        {
            below_minimum = Some(min.clone());
        }
    }
    if extra.0.0 > 0 || extra.1.0 > 0 {
        parts.push(Part {
            kind: Kind::Extra,
            memory: extra.0,
            peak: None,
            cpu: extra.1,
            replicas: 1,
            origin: Origin::TierNode,
        });
    }
    let overhead_memory = Bytes(parts.iter().map(|p| p.memory.0).fold(0, u64::saturating_add));
    let overhead_cpu = Millicores(parts.iter().map(|p| p.cpu.0).fold(0, u64::saturating_add));
    NodeBudget {
        name: name.to_string(),
        role,
        vcpus,
        usable_memory: allocatable.allocatable_memory.saturating_sub(overhead_memory),
        usable_cpu: allocatable.allocatable_cpu.saturating_sub(overhead_cpu),
        allocatable,
        parts,
        overhead_memory,
        overhead_cpu,
        below_minimum,
    }
}

/// The memory and cpu of the cluster-level system pods (all replicas), each at its figure.
pub fn cluster_pods_total(m: &NodeModel) -> (Bytes, Millicores) {
    m.cluster_pods.iter().fold((Bytes(0), Millicores(0)), |(b, c), p| {
        let r = u64::from(p.replicas);
        (
            Bytes(b.0.saturating_add(p.memory.0.saturating_mul(r))),
            Millicores(c.0.saturating_add(p.cpu.0.saturating_mul(r))),
        )
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::node::{Figure, RoleMemory, Shape};

    const MI: u64 = 1 << 20;

    fn fig(m: u64) -> Figure {
        Figure { memory: Bytes(m), cpu: Millicores(60), source: "src".into(), date: "2023".into() }
    }

    fn k3s() -> Distribution {
        let mut roles = BTreeMap::new();
        roles.insert(Role::Server, fig(1_596_000_000));
        roles.insert(Role::ServerHa, fig(1_606_000_000));
        roles.insert(Role::Agent, fig(275_000_000));
        let mut minimums = BTreeMap::new();
        minimums.insert(
            Role::Server,
            Minimum { memory: Bytes(2_000_000_000), vcpus: 2, source: "req".into(), date: "d".into() },
        );
        Distribution {
            name: "k3s".into(),
            title: "k3s".into(),
            reservation: ReservationModel::K3s,
            os: Figure {
                memory: Bytes(180_000_000),
                cpu: Millicores(0),
                source: "k0s".into(),
                date: "d".into(),
            },
            roles,
            shape: Shape {
                single: Role::Server,
                first: Role::Server,
                ha: Role::ServerHa,
                others: Role::Agent,
            },
            minimums,
            system_pods: vec![SystemPod {
                name: "coredns".into(),
                namespace: "kube-system".into(),
                per_node: false,
                memory: Bytes(70 * MI),
                peak: Some(Bytes(170 * MI)),
                cpu: Millicores(100),
                replicas: 1,
                source: "manifest".into(),
                date: "d".into(),
            }],
        }
    }

    #[test]
    fn an_8gb_k3s_server_keeps_the_os_and_the_server_out_of_its_capacity() {
        let m = resolve(&k3s(), &SystemSpec::default(), &SystemSpec::default(), None);
        let b = budget(
            "node",
            NodeSize { nominal_memory: Bytes(8 << 30), vcpus: 4 },
            ReservationModel::K3s,
            Some((&m, Role::Server)),
            (Bytes(0), Millicores(0)),
        );
        // 8Gi - 4% (ceil 343597384 ) = 8246337208; k3s reserves nothing.
        assert_eq!(b.allocatable.allocatable_memory, Bytes(8_246_337_208));
        assert_eq!(b.overhead_memory, Bytes(180_000_000 + 1_596_000_000));
        assert_eq!(b.usable_memory, Bytes(8_246_337_208 - 1_776_000_000));
        assert_eq!(b.below_minimum, None);
        assert_eq!(cluster_pods_total(&m), (Bytes(70 * MI), Millicores(100)));
        let small = budget(
            "node",
            NodeSize { nominal_memory: Bytes(1 << 30), vcpus: 1 },
            ReservationModel::K3s,
            Some((&m, Role::Server)),
            (Bytes(0), Millicores(0)),
        );
        assert_eq!(small.usable_memory, Bytes(0));
        assert!(small.below_minimum.is_some());
    }

    #[test]
    fn overrides_and_learned_figures_replace_the_defaults_in_order() {
        let mut p = SystemSpec::default();
        p.overhead.insert(Role::Agent, RoleMemory(Bytes(300 * MI)));
        let m = resolve(&k3s(), &p, &SystemSpec::default(), None);
        assert_eq!(m.roles[&Role::Agent].memory, Bytes(300 * MI));
        assert_eq!(m.roles[&Role::Agent].origin, Origin::Profile);
        let learned = Learned {
            control_plane: Some(Part {
                kind: Kind::Measured(Role::Server),
                memory: Bytes(4 << 30),
                peak: None,
                cpu: Millicores(0),
                replicas: 1,
                origin: Origin::LearnedNode {
                    context: "c".into(),
                    node: "laptop".into(),
                    node_usage: Bytes(5 << 30),
                    pod_usage: Bytes(1 << 30),
                },
            }),
            worker: None,
            pods: Vec::new(),
        };
        let m = resolve(&k3s(), &p, &SystemSpec::default(), Some(&learned));
        assert_eq!(m.roles[&Role::Server].memory, Bytes(4 << 30));
        assert_eq!(m.roles[&Role::ServerHa].memory, Bytes(4 << 30));
        // the profile's agent figure stays; the OS is inside the measured figure
        assert_eq!(m.roles[&Role::Agent].memory, Bytes(300 * MI));
        assert_eq!(m.cluster_pods.len(), 1);
        let size = NodeSize { nominal_memory: Bytes(8 << 30), vcpus: 4 };
        let none = (Bytes(0), Millicores(0));
        let server = budget("s", size, ReservationModel::K3s, Some((&m, Role::Server)), none);
        assert_eq!(server.overhead_memory, Bytes(4 << 30), "the measured figure holds the OS");
        let agent = budget("a", size, ReservationModel::K3s, Some((&m, Role::Agent)), none);
        assert_eq!(agent.overhead_memory, Bytes(300 * MI + 180_000_000));
    }
}
