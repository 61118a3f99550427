//! One demand per service: the figures every table of a report plans with (the projection,
//! the tiers, `recommend`, the forecast), each with where it came from. A demand starts from
//! the profile; each adjustment (Prometheus history, a recording, the live cluster, a what-if
//! change) replaces the figures it knows and records its provenance as it does.
//!
//! Figures are totals over a service's instances (replicas, or the pods found live); the
//! per-instance figures placed on nodes divide them exactly (the remainder goes to the first
//! instances), so a tier table and the projection add up to the same bytes.

use serde::Serialize;

use super::placement::Item;
use crate::model::inventory::{ClusterSnapshot, MatchedBy, Res};
use crate::model::profile::{Policy, Profile, Service, ServiceStatus, SizeBy};
use crate::model::quantity::{Bytes, Millicores};
use crate::model::ratio::Ratio;
use crate::model::recording::Summary;

/// Where a figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The profile's figure.
    Profile,
    /// Typical times the policy's peak multiplier (a peak the profile does not give).
    PeakMultiplier,
    /// Prometheus history (`--prometheus`).
    History,
    /// A recording of `bizo-plan sample` (`--samples`).
    Recording,
    /// Live usage from metrics.k8s.io.
    LiveUsage,
    /// Live requests (no metrics for some of the service's pods).
    LiveRequests,
    /// A live figure times the peak multiplier.
    LivePeak,
    /// A what-if change (`--add`, `--replace`, a scenario).
    WhatIf,
    /// The requests a right-sizing strategy recommends (`--rightsize`).
    Rightsized,
}

/// Where a service stands before the planned services are added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Runs now: its figure is part of the baseline's "used".
    Running,
    /// To add: planned (or added / replaced by a what-if change).
    Planned,
    /// Deployed by the profile, but no pod of it was found in the cluster: added like a
    /// planned service.
    NoPods,
    /// Deployed, with pods only outside the `-n`/`-l` scope: neither counted nor added.
    OutOfScope,
}

impl State {
    /// Whether the service is added on top of the baseline.
    pub fn to_add(self) -> bool {
        matches!(self, State::Planned | State::NoPods)
    }
}

/// What the cluster said about a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Live {
    /// Pods matched (in scope).
    pub pods: u64,
    /// How they were matched.
    pub matched_by: Option<MatchedBy>,
    /// Sum of their usage, when every pod had metrics.
    pub usage: Option<Res>,
    /// Sum of their effective requests.
    pub requests: Res,
}

/// One service as every table plans it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDemand {
    /// The service, its per-replica figures as adjusted by history, a recording or a change.
    pub spec: Service,
    /// The profile's typical memory of all replicas, before any adjustment (for drift).
    pub profile_memory: Bytes,
    /// Where it stands.
    pub state: State,
    /// Instances placed: the pods found live, else the replicas.
    pub instances: u32,
    /// Typical memory of all instances.
    pub memory: Bytes,
    /// Peak memory of all instances.
    pub peak: Bytes,
    /// Typical cpu of all instances (0 when unknown).
    pub cpu: Millicores,
    /// Peak cpu of all instances.
    pub cpu_peak: Millicores,
    /// Whether a cpu figure is known.
    pub has_cpu: bool,
    /// Provenance of `memory`.
    pub memory_from: Source,
    /// Provenance of `peak`.
    pub peak_from: Source,
    /// Provenance of `cpu`.
    pub cpu_from: Source,
    /// The live cluster's facts, when a cluster was read.
    pub live: Option<Live>,
}

impl ServiceDemand {
    fn from_spec(spec: &Service, mult: Ratio, from: Source) -> ServiceDemand {
        let mut d = ServiceDemand {
            spec: spec.clone(),
            profile_memory: spec.memory_total(),
            state: match spec.status {
                ServiceStatus::Deployed => State::Running,
                ServiceStatus::Planned => State::Planned,
            },
            instances: spec.replicas.max(1),
            memory: Bytes(0),
            peak: Bytes(0),
            cpu: Millicores(0),
            cpu_peak: Millicores(0),
            has_cpu: false,
            memory_from: from,
            peak_from: from,
            cpu_from: from,
            live: None,
        };
        d.figures_from_spec(mult, from, from, from);
        d
    }

    /// Recomputes the totals from the per-replica spec.
    fn figures_from_spec(&mut self, mult: Ratio, memory: Source, peak: Source, cpu: Source) {
        let s = &self.spec;
        let n = u64::from(self.instances);
        self.memory = Bytes(s.memory.typical.0.saturating_mul(n));
        self.peak = Bytes(s.memory_peak_each(mult).0.saturating_mul(n));
        self.cpu = Millicores(s.cpu.map_or(0, |c| c.typical.0).saturating_mul(n));
        self.cpu_peak = Millicores(
            s.cpu
                .map_or(0, |c| c.peak.unwrap_or(Millicores(mult.apply_ceil(c.typical.0))).0)
                .saturating_mul(n),
        );
        self.has_cpu = s.cpu.is_some();
        self.memory_from = memory;
        self.peak_from = if s.memory.peak.is_some() { peak } else { Source::PeakMultiplier };
        self.cpu_from = cpu;
    }

    /// The service's name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// Memory of one instance at the policy's size: the largest instance (totals divide with
    /// the remainder on the first instances).
    pub fn largest_instance(&self, size_by: SizeBy) -> Bytes {
        let total = match size_by {
            SizeBy::Typical => self.memory,
            SizeBy::Peak => self.peak,
        };
        Bytes(total.0.div_ceil(u64::from(self.instances.max(1))))
    }
}

/// The demand of a whole stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demand {
    /// Per service, in profile order.
    pub services: Vec<ServiceDemand>,
    /// The policy (peak multiplier, size-by).
    pub policy: Policy,
}

/// `total` split over `n` parts exactly: the first `total mod n` parts get one more.
pub(crate) fn share(total: u64, n: u64, k: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    total / n + u64::from(k < total % n)
}

impl Demand {
    /// The profile's figures.
    pub fn from_profile(profile: &Profile) -> Demand {
        let mult = profile.policy.peak_multiplier;
        Demand {
            services: profile
                .services
                .iter()
                .map(|s| ServiceDemand::from_spec(s, mult, Source::Profile))
                .collect(),
            policy: profile.policy,
        }
    }

    /// The services a profile would be, with today's adjusted per-replica figures (what
    /// `scale` and what-if changes start from).
    pub fn profile(&self, name: &str) -> Profile {
        Profile {
            name: name.to_string(),
            policy: self.policy,
            services: self.services.iter().map(|d| d.spec.clone()).collect(),
            ..Default::default()
        }
    }

    /// Prometheus history: each service in `sized` takes the adjusted profile's figures; the
    /// provenance says which figures history gave (memory, peak, cpu).
    pub fn apply_history(&mut self, adjusted: &Profile, sized: &[(String, bool, bool, bool)]) {
        let mult = self.policy.peak_multiplier;
        for (name, memory, peak, cpu) in sized {
            let Some(i) = self.services.iter().position(|d| &d.spec.name == name) else { continue };
            let Some(spec) = adjusted.services.iter().find(|s| &s.name == name) else { continue };
            let d = &mut self.services[i];
            let keep = |from: bool, old: Source| if from { Source::History } else { old };
            let (m, p, c) = (keep(*memory, d.memory_from), keep(*peak, d.peak_from), keep(*cpu, d.cpu_from));
            d.spec = spec.clone();
            d.figures_from_spec(mult, m, p, c);
        }
    }

    /// Right-sizing (`--rightsize`): each service named takes per replica memory typical = the
    /// recommended memory requests, peak = the recommended memory limits (the request where
    /// none), cpu typical = the recommended cpu requests, summed over its containers.
    pub fn apply_rightsize(&mut self, sized: &[crate::analysis::rightsize::RightSized]) {
        let mult = self.policy.peak_multiplier;
        for r in sized {
            let Some(d) = self.services.iter_mut().find(|d| d.spec.name == r.service) else { continue };
            r.apply_to(&mut d.spec);
            d.figures_from_spec(mult, Source::Rightsized, Source::Rightsized, Source::Rightsized);
        }
    }

    /// A recording: each deployed service it recorded takes typical = the statistic and peak =
    /// the recorded peak, per replica (rounded up). Returns the names changed.
    pub fn apply_recording(&mut self, s: &Summary) -> Vec<String> {
        let mult = self.policy.peak_multiplier;
        let mut changed = Vec::new();
        for d in self.services.iter_mut().filter(|d| d.spec.status == ServiceStatus::Deployed) {
            if let Some(&(q, peak)) = s.services.get(&d.spec.name) {
                let r = u64::from(d.spec.replicas.max(1));
                d.spec.memory.typical = Bytes(q.div_ceil(r));
                d.spec.memory.peak = Some(Bytes(peak.div_ceil(r).max(q.div_ceil(r))));
                let cpu = d.cpu_from;
                d.figures_from_spec(mult, Source::Recording, Source::Recording, cpu);
                changed.push(d.spec.name.clone());
            }
        }
        changed
    }

    /// The live cluster: a service with pods runs, with their usage (requests when some pod has
    /// no metrics) as its figure and its pods as instances; its peak is the per-replica peak
    /// (profile or history) times the pods, never below the live figure, else the live figure
    /// times the multiplier. A deployed service without pods is added like a planned one, or,
    /// when its pods are outside the scope, neither counted nor added.
    pub fn apply_live(&mut self, snap: &ClusterSnapshot) {
        let mult = self.policy.peak_multiplier;
        let usage_read = snap.pod_metrics_read;
        let scoped = !snap.namespaces.is_empty() || snap.selector.is_some();
        // Whether the pods outside the scope were listed (then a service with none is not running).
        let outside_known = snap.out_of_scope_read;
        for (i, (d, g)) in self.services.iter_mut().zip(&snap.aggregate.services).enumerate() {
            if d.spec.never_live {
                continue;
            }
            if g.pods == 0 {
                if d.spec.status == ServiceStatus::Deployed {
                    // Under a scope, a service without pods in it runs outside it (its usage is
                    // already inside the nodes' usage) unless the pods outside were listed and
                    // hold none of it.
                    let outside = snap.aggregate.out_of_scope_pods(i) > 0 || (scoped && !outside_known);
                    d.state = if outside { State::OutOfScope } else { State::NoPods };
                }
                d.live = Some(Live { pods: 0, matched_by: None, usage: None, requests: Res::default() });
                continue;
            }
            let usage = (usage_read && g.pods_with_metrics == g.pods).then_some(g.usage);
            let live = usage.unwrap_or(g.requests);
            let from = if usage.is_some() { Source::LiveUsage } else { Source::LiveRequests };
            d.state = State::Running;
            d.instances = u32::try_from(g.pods).unwrap_or(u32::MAX);
            d.live = Some(Live { pods: g.pods, matched_by: g.matched_by, usage, requests: g.requests });
            d.memory = live.mem;
            d.memory_from = from;
            let n = g.pods;
            (d.peak, d.peak_from) = match d.spec.memory.peak {
                Some(p) => (Bytes(p.0.saturating_mul(n).max(live.mem.0)), d.peak_from),
                None => (Bytes(mult.apply_ceil(live.mem.0)), Source::LivePeak),
            };
            d.cpu = live.cpu;
            d.cpu_from = from;
            d.cpu_peak = match d.spec.cpu.and_then(|c| c.peak) {
                Some(p) => Millicores(p.0.saturating_mul(n).max(live.cpu.0)),
                None => Millicores(mult.apply_ceil(live.cpu.0)),
            };
            d.has_cpu = true;
        }
    }

    /// Every service grown for `months` months at `g` a month (per replica, compounding,
    /// rounded up each month); live totals grow the same way.
    pub fn scaled(&self, g: Ratio, months: u32) -> Demand {
        let grow = |v: u64| super::forecast::grow_for(v, g, months);
        let mut out = self.clone();
        for d in &mut out.services {
            let s = &mut d.spec;
            s.memory.typical = Bytes(grow(s.memory.typical.0));
            s.memory.peak = s.memory.peak.map(|b| Bytes(grow(b.0)));
            if let Some(c) = &mut s.cpu {
                c.typical = Millicores(grow(c.typical.0));
                c.peak = c.peak.map(|m| Millicores(grow(m.0)));
            }
            d.memory = Bytes(grow(d.memory.0));
            d.peak = Bytes(grow(d.peak.0));
            d.cpu = Millicores(grow(d.cpu.0));
            d.cpu_peak = Millicores(grow(d.cpu_peak.0));
        }
        out
    }

    /// The replicas to place: every service that runs or is to be added, each instance at the
    /// policy's size (its exact share of the total), plus `clients` times its per-client cost
    /// spread over its replicas; in placement order.
    pub fn items(&self, clients: u64) -> Vec<Item> {
        let mut items = Vec::new();
        for (id, d) in self.services.iter().enumerate() {
            if d.state == State::OutOfScope {
                continue;
            }
            let (mem, cpu) = match self.policy.size_by {
                SizeBy::Typical => (d.memory, d.cpu),
                SizeBy::Peak => (d.peak, d.cpu_peak),
            };
            let n = u64::from(d.instances.max(1));
            let (cm, cc) = d.spec.per_client.map_or((0, 0), |pc| {
                (
                    (u128::from(pc.memory.0) * u128::from(clients)).div_ceil(u128::from(n)) as u64,
                    (u128::from(pc.cpu.0) * u128::from(clients)).div_ceil(u128::from(n)) as u64,
                )
            });
            for k in 0..n {
                items.push(Item {
                    service: d.spec.name.clone(),
                    service_id: id as u32,
                    group: d.spec.group.clone(),
                    replica: k as u32,
                    memory: Bytes(share(mem.0, n, k).saturating_add(cm)),
                    cpu: Millicores(share(cpu.0, n, k).saturating_add(cc)),
                });
            }
        }
        items.sort_by(super::placement::placement_cmp);
        items
    }

    /// Whether any service has a per-client cost.
    pub fn has_client_costs(&self) -> bool {
        self.services.iter().any(|d| d.spec.per_client.is_some())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::profile::{CpuSpec, MemorySpec};

    const MI: u64 = 1 << 20;

    fn svc(name: &str, status: ServiceStatus, mib: u64, replicas: u32) -> Service {
        Service {
            name: name.into(),
            group: "core".into(),
            status,
            port: None,
            memory: MemorySpec { typical: Bytes(mib * MI), peak: None },
            cpu: Some(CpuSpec { typical: Millicores(100), peak: None }),
            replicas,
            namespace: None,
            workload: None,
            selector: Default::default(),
            per_client: None,
            notes: None,
            never_live: false,
        }
    }

    #[test]
    fn profile_figures_are_totals_with_the_peak_multiplier() {
        let p = Profile {
            name: "t".into(),
            services: vec![
                svc("a", ServiceStatus::Deployed, 100, 3),
                svc("b", ServiceStatus::Planned, 10, 1),
            ],
            ..Default::default()
        };
        let d = Demand::from_profile(&p);
        assert_eq!(d.services[0].memory, Bytes(300 * MI));
        assert_eq!(d.services[0].peak, Bytes(450 * MI));
        assert_eq!(d.services[0].cpu_peak, Millicores(450));
        assert_eq!(
            (d.services[0].memory_from, d.services[0].peak_from),
            (Source::Profile, Source::PeakMultiplier)
        );
        assert_eq!(d.services[0].state, State::Running);
        assert_eq!(d.services[1].state, State::Planned);
        // Sized by peak (the default): 3 x 150Mi and 15Mi.
        let items = d.items(0);
        assert_eq!(items.iter().map(|i| i.memory.0).sum::<u64>(), 465 * MI);
    }

    #[test]
    fn instances_share_a_total_exactly() {
        assert_eq!((0..3).map(|k| share(10, 3, k)).collect::<Vec<_>>(), vec![4, 3, 3]);
        assert_eq!((0..4).map(|k| share(8, 4, k)).sum::<u64>(), 8);
        assert_eq!(share(5, 0, 0), 0);
    }

    #[test]
    fn growth_scales_totals_and_specs() {
        let p = Profile {
            name: "t".into(),
            services: vec![svc("a", ServiceStatus::Deployed, 1000, 1)],
            ..Default::default()
        };
        let d = Demand::from_profile(&p).scaled(Ratio(1000), 4);
        assert_eq!(d.services[0].memory, Bytes(1_535_220_122));
        assert_eq!(d.services[0].spec.memory.typical, Bytes(1_535_220_122));
    }
}
