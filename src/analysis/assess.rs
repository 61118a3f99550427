//! One assessment for every command: what was gathered (the profile, Prometheus history, a
//! recording, a live cluster) becomes one demand per service, adjusted in a fixed order
//! (profile, history, recording, live), each adjustment recording its provenance; and the
//! machines the tool plans onto get their overhead from the same node model.

use super::demand::{Demand, State};
use super::history::HistoryReport;
use super::node::{self, NodeBudget, NodeModel};
use crate::model::baseline::{Baseline, BaselineKind, Origin};
use crate::model::inventory::ClusterSnapshot;
use crate::model::profile::Profile;
use crate::model::quantity::{Bytes, Millicores};
use crate::model::recording::Summary;
use crate::model::reservation::{DEFAULT_KERNEL_SHARE, NodeSize, capacity_from_nominal};

/// What was gathered, for the demand.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gathered<'a> {
    /// Prometheus history: the profile with its figures, and the report saying which.
    pub history: Option<(&'a Profile, &'a HistoryReport)>,
    /// A recording.
    pub recording: Option<&'a Summary>,
    /// A live cluster.
    pub cluster: Option<&'a ClusterSnapshot>,
    /// Right-sized figures (`--rightsize`): applied last, they are what is planned with.
    pub rightsized: Option<&'a [super::rightsize::RightSized]>,
}

/// The demand of `profile` after every adjustment; with the names a recording changed.
pub fn demand(profile: &Profile, g: Gathered<'_>) -> (Demand, Vec<String>) {
    let mut d = Demand::from_profile(profile);
    if let Some((adjusted, h)) = g.history {
        let sized: Vec<(String, bool, bool, bool)> = h
            .services
            .iter()
            .map(|s| (s.name.clone(), s.memory.is_some(), s.memory_peak.is_some(), s.cpu.is_some()))
            .collect();
        d.apply_history(adjusted, &sized);
    }
    let recorded = g.recording.map(|r| d.apply_recording(r)).unwrap_or_default();
    if let Some(c) = g.cluster {
        d.apply_live(c);
    }
    if let Some(r) = g.rightsized {
        d.apply_rightsize(r);
    }
    (d, recorded)
}

/// A single node of `nominal` RAM as sold (or, without it, of `host_total` as the kernel
/// reports it) running `model`'s single-node role, its cluster-level system pods and the
/// running services: the baseline of `--profile-only` / `--capacity`, with its budget.
pub fn planned_node(
    demand: &Demand,
    model: &NodeModel,
    nominal: Option<Bytes>,
    host_total: Bytes,
    cpu_capacity: Option<Millicores>,
) -> (Baseline, NodeBudget) {
    let role = model.distribution.shape.single;
    let vcpus = cpu_capacity.map_or(0, |c| u32::try_from(c.0 / 1000).unwrap_or(u32::MAX));
    let reservation = model.distribution.reservation;
    let budget = match nominal {
        Some(n) => node::budget(
            "node",
            NodeSize { nominal_memory: n, vcpus },
            reservation,
            Some((model, role)),
            (Bytes(0), Millicores(0)),
        ),
        None => {
            let size = NodeSize { nominal_memory: host_total, vcpus };
            let a = reservation.allocatable_with_capacity(size, host_total);
            node::budget_with("node", vcpus, host_total, a, Some((model, role)), (Bytes(0), Millicores(0)))
        }
    };
    let total = match nominal {
        Some(n) => capacity_from_nominal(n, DEFAULT_KERNEL_SHARE),
        None => host_total,
    };
    let (pods_m, pods_c) = node::cluster_pods_total(model);
    let running = |f: fn(&super::demand::ServiceDemand) -> u64| {
        demand.services.iter().filter(|d| d.state == State::Running).map(f).fold(0u64, u64::saturating_add)
    };
    // Reserved memory and the eviction threshold are not for pods: they count as used.
    let not_for_pods =
        budget.allocatable.kube_reserved_memory.0.saturating_add(budget.allocatable.eviction_memory.0);
    let used = Bytes(
        budget
            .overhead_memory
            .0
            .saturating_add(pods_m.0)
            .saturating_add(not_for_pods)
            .saturating_add(running(|d| d.memory.0))
            .min(total.0),
    );
    let cpu_used = cpu_capacity.map(|_| {
        Millicores(budget.overhead_cpu.0.saturating_add(pods_c.0).saturating_add(running(|d| d.cpu.0)))
    });
    (
        Baseline {
            kind: BaselineKind::Profile,
            origin: Origin::Profile { nominal },
            total,
            used,
            available: total.saturating_sub(used),
            swap: None,
            cpu_capacity,
            cpu_used,
            notes: Vec::new(),
        },
        budget,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::node::SystemSpec;

    fn seed() -> Profile {
        crate::source::files::parse_profile(include_str!("../../profiles/bizosaas.yaml"), "seed").unwrap()
    }

    #[test]
    fn a_planned_8gi_node_subtracts_the_kernel_the_distribution_and_the_system_pods() {
        let catalog =
            crate::source::files::parse_catalog(crate::source::files::DEFAULT_TIERS, "tiers").unwrap();
        let k3s = crate::model::node::find(&catalog.distributions, "k3s").unwrap();
        let m = node::resolve(k3s, &SystemSpec::default(), &SystemSpec::default(), None);
        let d = Demand::from_profile(&seed());
        let (b, budget) = planned_node(&d, &m, Some(Bytes(8 << 30)), Bytes(0), None);
        // 8Gi - ceil(4% of 8Gi) = 8246337208 bytes.
        assert_eq!(b.total, Bytes(8_246_337_208));
        let (pods, _) = node::cluster_pods_total(&m);
        assert_eq!(b.used, Bytes(budget.overhead_memory.0 + pods.0 + (600 << 20)));
        assert_eq!(b.available, Bytes(b.total.0 - b.used.0));
    }
}
