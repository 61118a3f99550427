//! What-if: changes applied to the demand (add, remove or replace services), and the numbers
//! before and after.
//!
//! A change never edits what was measured. Removing or replacing a service that runs frees what
//! the demand counted for it (its live figure on a cluster, else its typical figure); a
//! replacement or an added service is then added like a planned service. So a replacement
//! costs `new - old`, exactly, whatever the baseline.

use super::check::{Projection, Status};
use super::demand::{Demand, ServiceDemand, Source, State};
use crate::model::baseline::Baseline;
use crate::model::changes::Change;
use crate::model::inventory::Res;
use crate::model::profile::{ServiceStatus, UsedMeasure};
use crate::model::quantity::{Bytes, Millicores};
use crate::model::ratio::Ratio;

/// What kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Add a service.
    Add,
    /// Remove one.
    Remove,
    /// Replace one.
    Replace,
}

impl Kind {
    /// add, remove, replace.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Add => "add",
            Kind::Remove => "remove",
            Kind::Replace => "replace",
        }
    }
}

/// What one change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// add, remove or replace.
    pub kind: Kind,
    /// The service named by the change.
    pub service: String,
    /// The replacement's name, when it differs.
    pub replacement: Option<String>,
    /// The old service as the demand counted it (remove, replace).
    pub before: Option<ServiceDemand>,
    /// The new one (add, replace).
    pub after: Option<ServiceDemand>,
    /// What the old one used now and is freed (a running service's figure).
    pub freed: Res,
}

/// Applies `changes` in order. Replacements and added services become planned services that
/// are never matched to live pods (their figures are the planned ones).
pub fn apply(demand: &Demand, changes: &[Change]) -> Result<(Demand, Vec<Applied>), String> {
    let mult = demand.policy.peak_multiplier;
    let mut d = demand.clone();
    let mut applied = Vec::new();
    let known = |d: &Demand| d.services.iter().map(|s| s.spec.name.as_str()).collect::<Vec<_>>().join(", ");
    let planned = |spec: crate::model::profile::Service| {
        let mut s = spec;
        s.status = ServiceStatus::Planned;
        s.never_live = true;
        let mut p = Demand::from_profile(&crate::model::profile::Profile {
            policy: demand.policy,
            services: vec![s],
            ..Default::default()
        });
        let mut sd = p.services.remove(0);
        sd.memory_from = Source::WhatIf;
        if sd.peak_from != Source::PeakMultiplier {
            sd.peak_from = Source::WhatIf;
        }
        sd.cpu_from = Source::WhatIf;
        sd
    };
    let freed = |old: &ServiceDemand| {
        if old.state == State::Running { Res { mem: old.memory, cpu: old.cpu } } else { Res::default() }
    };
    for c in changes {
        match c {
            Change::Add(s) => {
                if d.services.iter().any(|x| x.spec.name == s.name) {
                    return Err(format!(
                        "cannot add {:?}: the profile already has a service of that name (use --replace)",
                        s.name
                    ));
                }
                let new = planned(s.clone());
                d.services.push(new.clone());
                applied.push(Applied {
                    kind: Kind::Add,
                    service: s.name.clone(),
                    replacement: None,
                    before: None,
                    after: Some(new),
                    freed: Res::default(),
                });
            }
            Change::Remove(name) => {
                let i = d.services.iter().position(|s| &s.spec.name == name).ok_or_else(|| {
                    format!("cannot remove {name:?}: no such service (known: {})", known(&d))
                })?;
                let old = d.services.remove(i);
                applied.push(Applied {
                    kind: Kind::Remove,
                    service: name.clone(),
                    replacement: None,
                    freed: freed(&old),
                    before: Some(old),
                    after: None,
                });
            }
            Change::Replace(name, patch) => {
                let i = d.services.iter().position(|s| &s.spec.name == name).ok_or_else(|| {
                    format!("cannot replace {name:?}: no such service (known: {})", known(&d))
                })?;
                let old = d.services[i].clone();
                let mut spec = old.spec.clone();
                if let Some(n) = &patch.name {
                    if n != name && d.services.iter().any(|x| &x.spec.name == n) {
                        return Err(format!("cannot replace {name:?} by {n:?}: {n:?} already exists"));
                    }
                    spec.name = n.clone();
                }
                if let Some(g) = &patch.group {
                    spec.group = g.clone();
                }
                if let Some(m) = patch.memory {
                    spec.memory = m;
                }
                if let Some(c) = patch.cpu {
                    spec.cpu = Some(c);
                }
                if let Some(r) = patch.replicas {
                    spec.replicas = r;
                }
                if let Some(pc) = patch.per_client {
                    spec.per_client = Some(pc);
                }
                if let Some(n) = &patch.notes {
                    spec.notes = Some(n.clone());
                }
                let mut new = planned(spec);
                // Figures the patch does not set keep their provenance (history, recording).
                if patch.memory.is_none() {
                    new.memory_from = old.memory_from;
                }
                if patch.cpu.is_none() {
                    new.cpu_from = old.cpu_from;
                }
                let _ = mult;
                d.services[i] = new.clone();
                applied.push(Applied {
                    kind: Kind::Replace,
                    service: name.clone(),
                    replacement: (new.spec.name != *name).then(|| new.spec.name.clone()),
                    freed: freed(&old),
                    before: Some(old),
                    after: Some(new),
                });
            }
        }
    }
    Ok((d, applied))
}

/// The baseline after the changes: what each removed or replaced running service used is taken
/// out of `used` (and given back to `available`).
pub fn adjust_baseline(baseline: &Baseline, applied: &[Applied]) -> Baseline {
    let mut b = baseline.clone();
    for a in applied {
        b.used = b.used.saturating_sub(a.freed.mem);
        b.available = Bytes(b.available.0.saturating_add(a.freed.mem.0).min(b.total.0));
        if let Some(used) = b.cpu_used {
            b.cpu_used = Some(used.saturating_sub(a.freed.cpu));
        }
    }
    b
}

/// One side of the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Side {
    /// Projected used memory.
    pub projected_used: Bytes,
    /// The figure the thresholds apply to.
    pub gated_used: u64,
    /// Projected used with every service at its peak.
    pub peak_used: Bytes,
    /// The total.
    pub total: Bytes,
    /// The verdict.
    pub verdict: Status,
}

impl Side {
    /// One projection's side.
    pub fn of(p: &Projection) -> Side {
        Side {
            projected_used: p.projected_used,
            gated_used: p.gated_used,
            peak_used: p.peak_used,
            total: p.total,
            verdict: p.verdict.status,
        }
    }

    /// gated / total.
    pub fn gated_ratio(&self) -> Ratio {
        Ratio::of(self.gated_used, self.total.0).unwrap_or(Ratio(0))
    }

    /// peak / total.
    pub fn peak_ratio(&self) -> Ratio {
        Ratio::of(self.peak_used.0, self.total.0).unwrap_or(Ratio(0))
    }
}

/// Before and after, and whether memory stays under the policy's warn threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// The plan without the changes.
    pub before: Side,
    /// With them.
    pub after: Side,
    /// The policy's warn threshold.
    pub threshold: Ratio,
    /// Which figure it applies to.
    pub measure: UsedMeasure,
    /// After the changes, memory stays under the threshold.
    pub stays_under_threshold: bool,
    /// With every service at its peak, it stays under the threshold.
    pub peak_stays_under_threshold: bool,
}

/// Compares the projections before and after the changes.
pub fn compare(
    before: &Projection,
    after: &Projection,
    threshold: Ratio,
    measure: UsedMeasure,
) -> Comparison {
    let (b, a) = (Side::of(before), Side::of(after));
    let under = |r: Ratio| r < threshold;
    Comparison {
        before: b,
        after: a,
        threshold,
        measure,
        stays_under_threshold: under(a.gated_ratio()),
        peak_stays_under_threshold: under(a.peak_ratio()),
    }
}

/// The memory each change adds or frees: (before, after, delta) of the service's typical memory.
pub fn change_memory(a: &Applied) -> (Option<Bytes>, Option<Bytes>, i128) {
    let before = a.before.as_ref().map(|s| s.memory);
    let after = a.after.as_ref().map(|s| s.memory);
    (before, after, i128::from(after.map_or(0, |b| b.0)) - i128::from(before.map_or(0, |b| b.0)))
}

/// The cpu freed by the changes.
pub fn freed_cpu(applied: &[Applied]) -> Millicores {
    Millicores(applied.iter().map(|a| a.freed.cpu.0).sum())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::analysis::check::{Gates, project};
    use crate::model::baseline::{BaselineKind, Origin};
    use crate::model::changes::{parse_add, parse_replace};
    use crate::model::profile::{MemorySpec, Policy, Profile, Service};

    const MI: u64 = 1 << 20;

    fn svc(name: &str, status: ServiceStatus, mi: u64) -> Service {
        Service {
            name: name.into(),
            group: "g".into(),
            status,
            port: None,
            memory: MemorySpec { typical: Bytes(mi * MI), peak: None },
            cpu: None,
            replicas: 1,
            namespace: None,
            workload: None,
            selector: Default::default(),
            per_client: None,
            notes: None,
            never_live: false,
        }
    }

    fn demand() -> Demand {
        Demand::from_profile(&Profile {
            name: "t".into(),
            policy: Policy::default(),
            services: vec![
                svc("vault-simple", ServiceStatus::Deployed, 43),
                svc("api", ServiceStatus::Deployed, 100),
                svc("agent", ServiceStatus::Planned, 50),
            ],
            ..Default::default()
        })
    }

    fn baseline() -> Baseline {
        Baseline {
            kind: BaselineKind::Replay,
            origin: Origin::Described("test".into()),
            total: Bytes(1000 * MI),
            used: Bytes(600 * MI),
            available: Bytes(400 * MI),
            swap: None,
            cpu_capacity: None,
            cpu_used: None,
            notes: vec![],
        }
    }

    #[test]
    fn apply_removes_replaces_and_adds_in_order() {
        let changes = vec![
            Change::Remove("api".into()),
            parse_replace("vault-simple=256Mi,peak=512Mi,name=hashicorp-vault").unwrap(),
            parse_add("search=64Mi").unwrap(),
        ];
        let (after, applied) = apply(&demand(), &changes).unwrap();
        let names: Vec<&str> = after.services.iter().map(|s| s.spec.name.as_str()).collect();
        assert_eq!(names, ["hashicorp-vault", "agent", "search"]);
        let v = &after.services[0];
        assert_eq!(
            (v.state, v.spec.never_live, v.memory, v.memory_from),
            (State::Planned, true, Bytes(256 * MI), Source::WhatIf)
        );
        assert_eq!(applied.iter().map(|a| a.kind.as_str()).collect::<Vec<_>>(), ["remove", "replace", "add"]);
        assert_eq!(applied[1].replacement.as_deref(), Some("hashicorp-vault"));
        assert_eq!(applied[0].freed.mem, Bytes(100 * MI));
    }

    #[test]
    fn apply_rejects_unknown_and_duplicate_names() {
        let d = demand();
        assert_eq!(
            apply(&d, &[Change::Remove("nope".into())]).unwrap_err(),
            "cannot remove \"nope\": no such service (known: vault-simple, api, agent)"
        );
        assert_eq!(
            apply(&d, &[parse_add("api=1Mi").unwrap()]).unwrap_err(),
            "cannot add \"api\": the profile already has a service of that name (use --replace)"
        );
        assert_eq!(
            apply(&d, &[parse_replace("api=1Mi,name=agent").unwrap()]).unwrap_err(),
            "cannot replace \"api\" by \"agent\": \"agent\" already exists"
        );
    }

    #[test]
    fn a_replacement_costs_new_minus_old_exactly() {
        let d = demand();
        let b = baseline();
        let before = project(&d, &b, &Gates::default(), None, false);
        assert_eq!(before.projected_used, Bytes(650 * MI));
        let (after_d, applied) =
            apply(&d, &[parse_replace("vault-simple=256Mi,peak=512Mi").unwrap()]).unwrap();
        let ab = adjust_baseline(&b, &applied);
        assert_eq!((ab.used, ab.available), (Bytes(557 * MI), Bytes(443 * MI)));
        let after = project(&after_d, &ab, &Gates::default(), None, false);
        // 557Mi + 50Mi + 256Mi = 863Mi = 650Mi + 213Mi.
        assert_eq!(after.projected_used, Bytes(863 * MI));
        assert_eq!(change_memory(&applied[0]).2, 213 * MI as i128);
        let w = compare(&before, &after, Ratio::percent(70), UsedMeasure::Used);
        assert_eq!((w.before.gated_ratio(), w.after.gated_ratio()), (Ratio(6500), Ratio(8630)));
        assert!(!w.stays_under_threshold);
    }

    #[test]
    fn removing_a_planned_service_frees_nothing_that_runs() {
        let d = demand();
        let b = baseline();
        let before = project(&d, &b, &Gates::default(), None, false);
        let (after_d, applied) = apply(&d, &[Change::Remove("agent".into())]).unwrap();
        let ab = adjust_baseline(&b, &applied);
        assert_eq!(ab, b, "a planned service uses nothing yet");
        let after = project(&after_d, &ab, &Gates::default(), None, false);
        assert_eq!(after.projected_used, Bytes(600 * MI));
        let w = compare(&before, &after, Ratio::percent(70), UsedMeasure::Used);
        assert!(w.stays_under_threshold && w.peak_stays_under_threshold);
    }
}
