//! What-if: changes to a profile (add, remove or replace services), applied before planning,
//! and the comparison of the plan before and after.
//!
//! A change never edits what was measured. Removing or replacing a service that runs frees the
//! memory the *before* report counted for it (its live figure on a cluster, else its typical
//! figure); a replacement or an added service is then added like a planned service. So a
//! replacement costs `new - old`, exactly, whatever the baseline.

use serde::{Deserialize, Serialize};

use super::check::{Baseline, CheckReport, Status};
use super::figure::{MemFig, PctFig, SignedMemFig};
use crate::model::profile::{ClientCost, CpuSpec, MemorySpec, Profile, Service, ServiceStatus};
use crate::model::quantity::{Bytes, Millicores};

/// One change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Add a service (planned).
    Add(Service),
    /// Remove a service by name.
    Remove(String),
    /// Replace a service: the patch's fields override the old service's.
    Replace(String, ServicePatch),
}

/// Fields of a replacement (or of an added service); absent fields keep the old value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServicePatch {
    /// New name (default: the old one).
    #[serde(default)]
    pub name: Option<String>,
    /// Group.
    #[serde(default)]
    pub group: Option<String>,
    /// Memory per replica.
    #[serde(default)]
    pub memory: Option<MemorySpec>,
    /// CPU per replica.
    #[serde(default)]
    pub cpu: Option<CpuSpec>,
    /// Replicas.
    #[serde(default)]
    pub replicas: Option<u32>,
    /// Per-client cost.
    #[serde(default)]
    pub per_client: Option<ClientCost>,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
}

/// A scenario file: a named list of changes (`--scenario FILE`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Scenario {
    /// Name shown in reports.
    pub name: String,
    /// What the scenario is about.
    #[serde(default)]
    pub description: Option<String>,
    /// The changes, applied in order.
    pub changes: Vec<ChangeSpec>,
}

/// One change in a scenario file: exactly one of `add`, `remove`, `replace` (with `with`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ChangeSpec {
    /// A service to add (status planned; `group` defaults to `what-if`).
    #[serde(default)]
    pub add: Option<AddSpec>,
    /// Name of a service to remove.
    #[serde(default)]
    pub remove: Option<String>,
    /// Name of a service to replace; the fields in `with` override its own.
    #[serde(default)]
    pub replace: Option<String>,
    /// The replacement's fields.
    #[serde(default)]
    pub with: Option<ServicePatch>,
}

/// A service to add.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AddSpec {
    /// Name (unique in the profile).
    pub name: String,
    /// Group (default `what-if`).
    #[serde(default)]
    pub group: Option<String>,
    /// Memory per replica.
    pub memory: MemorySpec,
    /// CPU per replica.
    #[serde(default)]
    pub cpu: Option<CpuSpec>,
    /// Replicas (default 1).
    #[serde(default)]
    pub replicas: Option<u32>,
    /// Per-client cost.
    #[serde(default)]
    pub per_client: Option<ClientCost>,
    /// Free text.
    #[serde(default)]
    pub notes: Option<String>,
}

/// The group of added services that do not name one.
pub const DEFAULT_GROUP: &str = "what-if";

impl AddSpec {
    /// The service this adds (planned).
    pub fn service(&self) -> Service {
        Service {
            name: self.name.clone(),
            group: self.group.clone().unwrap_or_else(|| DEFAULT_GROUP.to_string()),
            status: ServiceStatus::Planned,
            port: None,
            memory: self.memory,
            cpu: self.cpu,
            replicas: self.replicas.unwrap_or(1),
            namespace: None,
            workload: None,
            selector: Default::default(),
            per_client: self.per_client,
            notes: self.notes.clone(),
            never_live: true,
        }
    }
}

impl ChangeSpec {
    /// The change, or what is wrong with the entry (exactly one kind, `with` only on replace).
    pub fn to_change(&self) -> Result<Change, String> {
        match (&self.add, &self.remove, &self.replace, &self.with) {
            (Some(a), None, None, None) => Ok(Change::Add(a.service())),
            (None, Some(r), None, None) => Ok(Change::Remove(r.clone())),
            (None, None, Some(r), Some(w)) => Ok(Change::Replace(r.clone(), w.clone())),
            (None, None, Some(_), None) => Err("`replace` needs `with` (the replacement's fields)".into()),
            (_, _, None, Some(_)) => Err("`with` belongs to a `replace` change".into()),
            (None, None, None, None) => Err("expected one of `add`, `remove`, `replace`".into()),
            _ => Err("one change per entry: `add`, `remove` or `replace`, not several".into()),
        }
    }
}

impl Scenario {
    /// Problems in the document (each entry one kind of change; quantities sane), located by path.
    pub fn validate(&self) -> Vec<crate::model::profile::ProfileIssue> {
        use crate::model::profile::{PathSeg, ProfileIssue};
        let mut issues = Vec::new();
        let at = |i: usize| vec![PathSeg::Key("changes".into()), PathSeg::Index(i)];
        if self.changes.is_empty() {
            issues.push(ProfileIssue {
                path: vec![PathSeg::Key("changes".into())],
                message: "a scenario needs at least one change".into(),
            });
        }
        for (i, c) in self.changes.iter().enumerate() {
            if let Err(message) = c.to_change() {
                issues.push(ProfileIssue { path: at(i), message });
                continue;
            }
            let memory = c.add.as_ref().map(|a| a.memory).or(c.with.as_ref().and_then(|w| w.memory));
            if let Some(m) = memory
                && m.peak.is_some_and(|p| p < m.typical)
            {
                let mut path = at(i);
                path.push(PathSeg::Key(if c.add.is_some() { "add" } else { "with" }.into()));
                path.push(PathSeg::Key("memory".into()));
                issues.push(ProfileIssue { path, message: "peak is below typical".into() });
            }
        }
        issues
    }

    /// The changes, in order (after [`Scenario::validate`] found nothing).
    pub fn to_changes(&self) -> Result<Vec<Change>, String> {
        self.changes.iter().map(ChangeSpec::to_change).collect()
    }
}

/// What one change did, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    /// add, remove or replace.
    pub change: &'static str,
    /// The service named by the change.
    pub service: String,
    /// The replacement's name, when it differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
    /// The old service, for remove and replace.
    #[serde(skip)]
    pub before: Option<Service>,
    /// The new service, for add and replace.
    #[serde(skip)]
    pub after: Option<Service>,
}

impl Applied {
    /// The change in words: `replace vault-simple by hashicorp-vault`, `remove api`.
    pub fn describe(&self) -> String {
        match &self.replacement {
            Some(r) => format!("{} {} by {r}", self.change, self.service),
            None => format!("{} {}", self.change, self.service),
        }
    }
}

/// Parses `--add NAME=MEM[,cpu=..][,group=..][,replicas=..][,peak=..]`.
pub fn parse_add(spec: &str) -> Result<Change, String> {
    let (name, fields) = name_and_fields("--add", spec)?;
    let mut patch = fields_patch("--add", spec, &fields)?;
    let memory = patch
        .memory
        .take()
        .ok_or_else(|| format!("--add {spec:?}: expected NAME=MEMORY, e.g. search-agent=64Mi"))?;
    Ok(Change::Add(
        AddSpec {
            name,
            group: patch.group,
            memory,
            cpu: patch.cpu,
            replicas: patch.replicas,
            per_client: None,
            notes: None,
        }
        .service(),
    ))
}

/// Parses `--replace NAME=MEM[,peak=..][,cpu=..][,group=..][,replicas=..][,name=NEW]`.
pub fn parse_replace(spec: &str) -> Result<Change, String> {
    let (name, fields) = name_and_fields("--replace", spec)?;
    let patch = fields_patch("--replace", spec, &fields)?;
    if patch == ServicePatch::default() {
        return Err(format!(
            "--replace {spec:?}: expected NAME=MEMORY[,peak=..][,cpu=..], e.g. vault-simple=256Mi,peak=512Mi"
        ));
    }
    Ok(Change::Replace(name, patch))
}

/// `NAME=MEM,k=v,...` into the name and (key, value) pairs; the memory is the pair `("memory", MEM)`.
fn name_and_fields(flag: &str, spec: &str) -> Result<(String, Vec<(String, String)>), String> {
    let mut parts = spec.split(',');
    let head = parts.next().unwrap_or_default();
    let (name, memory) = match head.split_once('=') {
        Some((n, m)) => (n.trim(), Some(m.trim())),
        None => (head.trim(), None),
    };
    if name.is_empty() {
        return Err(format!("{flag} {spec:?}: missing the service name before '='"));
    }
    let mut fields = Vec::new();
    if let Some(m) = memory {
        fields.push(("memory".to_string(), m.to_string()));
    }
    for p in parts {
        let (k, v) = p.split_once('=').ok_or_else(|| format!("{flag} {spec:?}: {p:?} is not KEY=VALUE"))?;
        fields.push((k.trim().to_string(), v.trim().to_string()));
    }
    Ok((name.to_string(), fields))
}

fn fields_patch(flag: &str, spec: &str, fields: &[(String, String)]) -> Result<ServicePatch, String> {
    let mut p = ServicePatch::default();
    let mut peak = None;
    let bad = |k: &str, e: String| format!("{flag} {spec:?}: {k}: {e}");
    for (k, v) in fields {
        match k.as_str() {
            "memory" => {
                let b = Bytes::parse(v).map_err(|e| bad(k, e.to_string()))?;
                p.memory = Some(MemorySpec { typical: b, peak: None });
            }
            "peak" => peak = Some(Bytes::parse(v).map_err(|e| bad(k, e.to_string()))?),
            "cpu" => {
                p.cpu = Some(CpuSpec {
                    typical: Millicores::parse(v).map_err(|e| bad(k, e.to_string()))?,
                    peak: None,
                })
            }
            "group" => p.group = Some(v.clone()),
            "name" => p.name = Some(v.clone()),
            "replicas" => {
                p.replicas = Some(v.parse().map_err(|_| bad(k, format!("{v:?} is not a whole number")))?)
            }
            other => {
                return Err(format!(
                    "{flag} {spec:?}: unknown key {other:?} (expected peak, cpu, group, replicas{})",
                    if flag == "--replace" { ", name" } else { "" }
                ));
            }
        }
    }
    if let Some(peak) = peak {
        match &mut p.memory {
            Some(m) if peak < m.typical => {
                return Err(format!("{flag} {spec:?}: peak {peak} is below the typical {}", m.typical));
            }
            Some(m) => m.peak = Some(peak),
            None => return Err(format!("{flag} {spec:?}: peak needs the memory (NAME=MEMORY,peak=..)")),
        }
    }
    if p.name.as_deref() == Some("") {
        return Err(format!("{flag} {spec:?}: name: empty"));
    }
    Ok(p)
}

/// Applies `changes` in order. Replacements and added services become planned services that
/// are never matched to live pods (their figures are the planned ones).
pub fn apply(profile: &Profile, changes: &[Change]) -> Result<(Profile, Vec<Applied>), String> {
    let mut p = profile.clone();
    let mut applied = Vec::new();
    let known = |p: &Profile| p.services.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ");
    for c in changes {
        match c {
            Change::Add(s) => {
                if p.services.iter().any(|x| x.name == s.name) {
                    return Err(format!(
                        "cannot add {:?}: the profile already has a service of that name (use --replace)",
                        s.name
                    ));
                }
                p.services.push(s.clone());
                applied.push(Applied {
                    change: "add",
                    service: s.name.clone(),
                    replacement: None,
                    before: None,
                    after: Some(s.clone()),
                });
            }
            Change::Remove(name) => {
                let i = p.services.iter().position(|s| &s.name == name).ok_or_else(|| {
                    format!("cannot remove {name:?}: no such service (known: {})", known(&p))
                })?;
                let old = p.services.remove(i);
                applied.push(Applied {
                    change: "remove",
                    service: name.clone(),
                    replacement: None,
                    before: Some(old),
                    after: None,
                });
            }
            Change::Replace(name, patch) => {
                let i = p.services.iter().position(|s| &s.name == name).ok_or_else(|| {
                    format!("cannot replace {name:?}: no such service (known: {})", known(&p))
                })?;
                let old = p.services[i].clone();
                let mut new = old.clone();
                if let Some(n) = &patch.name {
                    if n != name && p.services.iter().any(|x| &x.name == n) {
                        return Err(format!("cannot replace {name:?} by {n:?}: {n:?} already exists"));
                    }
                    new.name = n.clone();
                }
                if let Some(g) = &patch.group {
                    new.group = g.clone();
                }
                if let Some(m) = patch.memory {
                    new.memory = m;
                }
                if let Some(c) = patch.cpu {
                    new.cpu = Some(c);
                }
                if let Some(r) = patch.replicas {
                    new.replicas = r;
                }
                if let Some(pc) = patch.per_client {
                    new.per_client = Some(pc);
                }
                if let Some(n) = &patch.notes {
                    new.notes = Some(n.clone());
                }
                new.status = ServiceStatus::Planned;
                new.never_live = true;
                p.services[i] = new.clone();
                applied.push(Applied {
                    change: "replace",
                    service: name.clone(),
                    replacement: (new.name != *name).then(|| new.name.clone()),
                    before: Some(old),
                    after: Some(new),
                });
            }
        }
    }
    Ok((p, applied))
}

/// The cluster snapshot re-indexed for the changed profile: the live totals of each service
/// follow it by name; replacements and added services have none (they are planned).
pub fn remap_snapshot(
    snapshot: &crate::model::inventory::ClusterSnapshot,
    before: &Profile,
    after: &Profile,
) -> crate::model::inventory::ClusterSnapshot {
    let mut s = snapshot.clone();
    s.aggregate.services = after
        .services
        .iter()
        .map(|svc| {
            before
                .services
                .iter()
                .position(|b| b.name == svc.name)
                .filter(|_| !svc.never_live)
                .and_then(|i| snapshot.aggregate.services.get(i).cloned())
                .unwrap_or_default()
        })
        .collect();
    s
}

/// The baseline after the changes: what the *before* report counted for each removed or
/// replaced service that runs is taken out of `used` (and given back to `available`).
pub fn adjust_baseline(baseline: &Baseline, before: &CheckReport, applied: &[Applied]) -> Baseline {
    let mut b = baseline.clone();
    for a in applied.iter().filter(|a| a.before.is_some()) {
        let Some(row) = before.services.iter().find(|r| r.name == a.service) else { continue };
        let running = match row.pods {
            Some(pods) => pods > 0,
            None => row.status == ServiceStatus::Deployed,
        };
        if !running {
            continue;
        }
        b.used = b.used.saturating_sub(Bytes(row.memory.bytes));
        b.available = Bytes(b.available.0.saturating_add(row.memory.bytes).min(b.total.0));
        if let (Some(used), Some(cpu)) = (b.cpu_used, &row.cpu) {
            b.cpu_used = Some(used.saturating_sub(Millicores(cpu.millicores)));
        }
        b.notes.push(format!(
            "what-if: {} {:?} frees the {} it uses now",
            if a.change == "remove" { "removing" } else { "replacing" },
            a.service,
            Bytes(row.memory.bytes)
        ));
    }
    b
}

/// One side of the comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Side {
    /// Projected used memory.
    pub projected_used: MemFig,
    /// The percentage the thresholds apply to.
    pub gated_percent: PctFig,
    /// Projected used with every service at its peak.
    pub peak_used: MemFig,
    /// peak used / total.
    pub peak_used_percent: PctFig,
    /// The verdict.
    pub verdict: Status,
}

impl Side {
    fn of(r: &CheckReport) -> Side {
        Side {
            projected_used: r.host.projected_used.clone(),
            gated_percent: r.host.gated_percent.clone(),
            peak_used: r.host.peak_used.clone(),
            peak_used_percent: r.host.peak_used_percent.clone(),
            verdict: r.verdict.status,
        }
    }
}

/// A change as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeRow {
    /// add, remove or replace.
    pub change: &'static str,
    /// Service named by the change.
    pub service: String,
    /// The replacement's name, when it differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
    /// Memory counted for the old service (its live or typical figure, all replicas).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_before: Option<MemFig>,
    /// Memory of the new service (typical x replicas).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_after: Option<MemFig>,
    /// Peak of the new service (all replicas).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_after: Option<MemFig>,
    /// after - before.
    pub delta: SignedMemFig,
}

/// Before and after, and whether memory stays under the policy's warn threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhatIf {
    /// Scenario name (`--scenario`), else `command line`.
    pub scenario: String,
    /// Scenario description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The changes.
    pub changes: Vec<ChangeRow>,
    /// The plan without the changes.
    pub before: Side,
    /// The plan with them.
    pub after: Side,
    /// after - before projected used.
    pub delta: SignedMemFig,
    /// The policy's warn threshold.
    pub threshold: PctFig,
    /// After the changes, memory stays under the threshold.
    pub stays_under_threshold: bool,
    /// With every service at its peak, memory stays under the threshold.
    pub peak_stays_under_threshold: bool,
    /// One sentence.
    pub conclusion: String,
}

/// Compares the reports before and after `applied`.
pub fn compare(
    scenario: &str,
    description: Option<&str>,
    before: &CheckReport,
    after: &CheckReport,
    applied: &[Applied],
    profile: &Profile,
) -> WhatIf {
    let mult = profile.policy.peak_multiplier;
    let changes = applied
        .iter()
        .map(|a| {
            let old = a.before.as_ref().and_then(|_| before.services.iter().find(|r| r.name == a.service));
            let mb = old.map(|r| r.memory.bytes);
            let ma = a.after.as_ref().map(|s| s.memory_total().0);
            ChangeRow {
                change: a.change,
                service: a.service.clone(),
                replacement: a.replacement.clone(),
                memory_before: mb.map(|b| Bytes(b).into()),
                memory_after: ma.map(|b| Bytes(b).into()),
                peak_after: a.after.as_ref().map(|s| s.memory_peak_total(mult).into()),
                delta: (i128::from(ma.unwrap_or(0)) - i128::from(mb.unwrap_or(0))).into(),
            }
        })
        .collect();
    let threshold = profile.policy.warn_used_percent;
    let b = Side::of(before);
    let a = Side::of(after);
    let under = |p: &PctFig| p.basis_points < threshold.0;
    let stays = under(&a.gated_percent);
    let peak_stays = under(&a.peak_used_percent);
    let delta: SignedMemFig =
        (i128::from(a.projected_used.bytes) - i128::from(b.projected_used.bytes)).into();
    let conclusion = format!(
        "{}: projected memory {} -> {} ({} -> {}, {}); {} the {} threshold{}",
        scenario,
        b.projected_used.display,
        a.projected_used.display,
        b.gated_percent.display,
        a.gated_percent.display,
        delta.display,
        if stays { "stays under" } else { "does NOT stay under" },
        threshold.percent_string(),
        if stays && !peak_stays {
            format!(", but at peak ({}) it does not", a.peak_used_percent.display)
        } else {
            String::new()
        }
    );
    WhatIf {
        scenario: scenario.to_string(),
        description: description.map(str::to_string),
        changes,
        before: b,
        after: a,
        delta,
        threshold: PctFig::from(threshold),
        stays_under_threshold: stays,
        peak_stays_under_threshold: peak_stays,
        conclusion,
    }
}

/// The pick of a `recommend`, as the what-if comparison names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PickSummary {
    /// Option name.
    pub name: String,
    /// Monthly cost.
    pub monthly: String,
}

/// `recommend` before and after what-if changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecommendWhatIf {
    /// Scenario name, or `command line`.
    pub scenario: String,
    /// The changes, in words.
    pub changes: Vec<String>,
    /// Demand without the changes.
    pub demand_before: MemFig,
    /// Demand with them.
    pub demand_after: MemFig,
    /// The pick without the changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pick_before: Option<PickSummary>,
    /// The pick with them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pick_after: Option<PickSummary>,
    /// One sentence.
    pub conclusion: String,
}

/// Compares two `recommend` answers, without and with `applied`.
pub fn compare_recommendations(
    scenario: &str,
    applied: &[Applied],
    before: &super::plan::Recommendation,
    after: &super::plan::Recommendation,
) -> RecommendWhatIf {
    let pick = |r: &super::plan::Recommendation| {
        r.pick.as_ref().map(|p| PickSummary { name: p.name.clone(), monthly: p.monthly.clone() })
    };
    let (pb, pa) = (pick(before), pick(after));
    let text = |p: &Option<PickSummary>| {
        p.as_ref().map_or("nothing passes".to_string(), |p| format!("{} at {}", p.name, p.monthly))
    };
    let verdict = match (&pb, &pa) {
        (Some(b), Some(a)) if b.name == a.name => "the pick does not change".to_string(),
        (_, None) => "nothing passes any more".to_string(),
        _ => "the pick changes".to_string(),
    };
    let delta: SignedMemFig =
        (i128::from(after.demand_memory.bytes) - i128::from(before.demand_memory.bytes)).into();
    RecommendWhatIf {
        scenario: scenario.to_string(),
        changes: applied.iter().map(Applied::describe).collect(),
        demand_before: before.demand_memory.clone(),
        demand_after: after.demand_memory.clone(),
        conclusion: format!(
            "{scenario}: demand {} -> {} ({}); {} -> {}: {verdict}",
            before.demand_memory.display,
            after.demand_memory.display,
            delta.display,
            text(&pb),
            text(&pa)
        ),
        pick_before: pb,
        pick_after: pa,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::core::check::{Gates, check};
    use crate::model::profile::Policy;

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

    fn profile() -> Profile {
        Profile {
            name: "t".into(),
            description: None,
            policy: Policy::default(),
            host: None,
            services: vec![
                svc("vault-simple", ServiceStatus::Deployed, 43),
                svc("api", ServiceStatus::Deployed, 100),
                svc("agent", ServiceStatus::Planned, 50),
            ],
        }
    }

    fn baseline() -> Baseline {
        Baseline {
            kind: crate::core::check::BaselineKind::Replay,
            description: "test".into(),
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
    fn add_specs_parse_every_key() {
        let Change::Add(s) = parse_add("search=64Mi,peak=128Mi,cpu=250m,group=ai,replicas=2").unwrap() else {
            panic!("not an add")
        };
        assert_eq!(s.name, "search");
        assert_eq!(s.memory, MemorySpec { typical: Bytes(64 * MI), peak: Some(Bytes(128 * MI)) });
        assert_eq!(s.cpu.map(|c| c.typical), Some(Millicores(250)));
        assert_eq!((s.group.as_str(), s.replicas, s.status), ("ai", 2, ServiceStatus::Planned));
        assert!(s.never_live);
        let Change::Add(s) = parse_add("x=1Gi").unwrap() else { panic!() };
        assert_eq!((s.group.as_str(), s.replicas), (DEFAULT_GROUP, 1));
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        for (spec, msg) in [
            ("x", "--add \"x\": expected NAME=MEMORY, e.g. search-agent=64Mi"),
            ("=64Mi", "--add \"=64Mi\": missing the service name before '='"),
            ("x=64MB", "--add \"x=64MB\": memory: invalid quantity \"64MB\": did you mean 64M or 64Mi?"),
            (
                "x=64Mi,colour=red",
                "--add \"x=64Mi,colour=red\": unknown key \"colour\" (expected peak, cpu, group, replicas)",
            ),
            ("x=64Mi,peak=32Mi", "--add \"x=64Mi,peak=32Mi\": peak 32Mi is below the typical 64Mi"),
            ("x=64Mi,replicas=two", "--add \"x=64Mi,replicas=two\": replicas: \"two\" is not a whole number"),
            ("x=64Mi,cpu", "--add \"x=64Mi,cpu\": \"cpu\" is not KEY=VALUE"),
        ] {
            assert_eq!(parse_add(spec).unwrap_err(), msg, "{spec}");
        }
        assert_eq!(
            parse_replace("vault").unwrap_err(),
            "--replace \"vault\": expected NAME=MEMORY[,peak=..][,cpu=..], e.g. vault-simple=256Mi,peak=512Mi"
        );
        assert_eq!(
            parse_replace("vault,peak=1Gi").unwrap_err(),
            "--replace \"vault,peak=1Gi\": peak needs the memory (NAME=MEMORY,peak=..)"
        );
        // A replacement may change only the cpu or the replicas.
        assert!(
            matches!(parse_replace("api,replicas=3").unwrap(), Change::Replace(n, p) if n == "api" && p.replicas == Some(3))
        );
    }

    #[test]
    fn apply_removes_replaces_and_adds_in_order() {
        let p = profile();
        let changes = vec![
            Change::Remove("api".into()),
            parse_replace("vault-simple=256Mi,peak=512Mi,name=hashicorp-vault").unwrap(),
            parse_add("search=64Mi").unwrap(),
        ];
        let (after, applied) = apply(&p, &changes).unwrap();
        let names: Vec<&str> = after.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["hashicorp-vault", "agent", "search"]);
        let v = &after.services[0];
        assert_eq!(
            (v.status, v.never_live, v.memory.typical),
            (ServiceStatus::Planned, true, Bytes(256 * MI))
        );
        assert_eq!(applied.iter().map(|a| a.change).collect::<Vec<_>>(), ["remove", "replace", "add"]);
        assert_eq!(applied[1].replacement.as_deref(), Some("hashicorp-vault"));
    }

    #[test]
    fn apply_rejects_unknown_and_duplicate_names() {
        let p = profile();
        assert_eq!(
            apply(&p, &[Change::Remove("nope".into())]).unwrap_err(),
            "cannot remove \"nope\": no such service (known: vault-simple, api, agent)"
        );
        assert_eq!(
            apply(&p, &[parse_add("api=1Mi").unwrap()]).unwrap_err(),
            "cannot add \"api\": the profile already has a service of that name (use --replace)"
        );
        assert_eq!(
            apply(&p, &[parse_replace("api=1Mi,name=agent").unwrap()]).unwrap_err(),
            "cannot replace \"api\" by \"agent\": \"agent\" already exists"
        );
    }

    #[test]
    fn a_replacement_costs_new_minus_old_exactly() {
        let p = profile();
        let b = baseline();
        let before = check(&p, &b, &Gates::default(), None);
        // Before: 600Mi used + 50Mi planned.
        assert_eq!(before.host.projected_used.bytes, 650 * MI);
        let (after_p, applied) =
            apply(&p, &[parse_replace("vault-simple=256Mi,peak=512Mi").unwrap()]).unwrap();
        let ab = adjust_baseline(&b, &before, &applied);
        assert_eq!((ab.used, ab.available), (Bytes(557 * MI), Bytes(443 * MI)));
        let after = check(&after_p, &ab, &Gates::default(), None);
        // 557Mi + 50Mi + 256Mi = 863Mi = 650Mi + 213Mi.
        assert_eq!(after.host.projected_used.bytes, 863 * MI);
        let w = compare("t", None, &before, &after, &applied, &after_p);
        assert_eq!(w.delta.bytes, 213 * MI as i64);
        assert_eq!(w.changes[0].delta.bytes, 213 * MI as i64);
        assert_eq!((w.before.gated_percent.basis_points, w.after.gated_percent.basis_points), (6500, 8630));
        assert!(!w.stays_under_threshold);
        assert!(w.conclusion.contains("does NOT stay under the 70% threshold"), "{}", w.conclusion);
    }

    #[test]
    fn removing_a_planned_service_frees_nothing_that_runs() {
        let p = profile();
        let b = baseline();
        let before = check(&p, &b, &Gates::default(), None);
        let (after_p, applied) = apply(&p, &[Change::Remove("agent".into())]).unwrap();
        let ab = adjust_baseline(&b, &before, &applied);
        assert_eq!(ab, b, "a planned service uses nothing yet");
        let after = check(&after_p, &ab, &Gates::default(), None);
        assert_eq!(after.host.projected_used.bytes, 600 * MI);
        let w = compare("t", None, &before, &after, &applied, &after_p);
        assert_eq!(w.delta.bytes, -(50 * MI as i64));
        assert!(w.stays_under_threshold && w.peak_stays_under_threshold);
        assert_eq!(
            w.conclusion,
            "t: projected memory 650Mi -> 600Mi (65% -> 60%, -50Mi); stays under the 70% threshold"
        );
    }

    #[test]
    fn scenario_entries_need_exactly_one_change() {
        let spec = |add: bool, remove: bool, replace: bool, with: bool| ChangeSpec {
            add: add.then(|| AddSpec {
                name: "x".into(),
                group: None,
                memory: MemorySpec { typical: Bytes(MI), peak: None },
                cpu: None,
                replicas: None,
                per_client: None,
                notes: None,
            }),
            remove: remove.then(|| "a".into()),
            replace: replace.then(|| "b".into()),
            with: with.then(ServicePatch::default),
        };
        assert!(spec(true, false, false, false).to_change().is_ok());
        assert!(spec(false, false, true, true).to_change().is_ok());
        assert_eq!(
            spec(false, false, false, false).to_change().unwrap_err(),
            "expected one of `add`, `remove`, `replace`"
        );
        assert_eq!(
            spec(false, false, true, false).to_change().unwrap_err(),
            "`replace` needs `with` (the replacement's fields)"
        );
        assert_eq!(
            spec(false, true, false, true).to_change().unwrap_err(),
            "`with` belongs to a `replace` change"
        );
        assert_eq!(
            spec(true, true, false, false).to_change().unwrap_err(),
            "one change per entry: `add`, `remove` or `replace`, not several"
        );
    }
}
