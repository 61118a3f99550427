//! What-if changes to a profile: add, remove or replace services (`--add`, `--remove`,
//! `--replace`, scenario files). Plain data and their parsers; applying them is the analysis's.

use serde::Deserialize;

use super::profile::{ClientCost, CpuSpec, MemorySpec, Service, ServiceStatus};
use super::quantity::{Bytes, Millicores};

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
    pub fn validate(&self) -> Vec<super::profile::ProfileIssue> {
        use super::profile::{PathSeg, ProfileIssue};
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const MI: u64 = 1 << 20;

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
