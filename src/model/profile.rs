//! The service profile: which services make up the stack, how much memory and cpu each takes,
//! which are deployed and which are planned, and the policy that turns figures into a verdict.
//!
//! These are plain serde types; loading them from YAML happens at the edge (`crate::source`).
//! [`Profile::validate`] checks what serde cannot (duplicates, ordering of thresholds, sums).

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use super::quantity::{Bytes, Millicores};
use super::ratio::{self, Ratio};

/// A whole profile file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "bizo-plan profile")]
pub struct Profile {
    /// Name of the stack this profile describes.
    pub name: String,
    /// Free text shown in reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Thresholds and ratios that turn figures into a verdict.
    #[serde(default)]
    pub policy: Policy,
    /// A recorded host snapshot, replayed with `check --replay`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<HostRecord>,
    /// The services of the stack, deployed and planned.
    #[serde(default)]
    pub services: Vec<Service>,
    /// What the nodes run besides the services (the OS, the distribution, system pods):
    /// overrides of the catalog's defaults.
    #[serde(default, skip_serializing_if = "is_default_system")]
    pub system: super::node::SystemSpec,
}

fn is_default_system(s: &super::node::SystemSpec) -> bool {
    *s == super::node::SystemSpec::default()
}

/// Whether a service already runs or is still to be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ServiceStatus {
    /// Running now; its usage is part of the current figures.
    Deployed,
    /// Not running yet; its memory is added on top of the current figures.
    Planned,
}

impl fmt::Display for ServiceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ServiceStatus::Deployed => "deployed",
            ServiceStatus::Planned => "planned",
        })
    }
}

/// One service (a Deployment, StatefulSet or similar workload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Service {
    /// Unique name of the service.
    pub name: String,
    /// Group: core, ai-agents, infrastructure, monitoring, or any name of your own.
    pub group: String,
    /// deployed or planned.
    pub status: ServiceStatus,
    /// Service or NodePort number, for reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Memory per replica.
    pub memory: MemorySpec,
    /// CPU per replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<CpuSpec>,
    /// Number of replicas (pods); default 1.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub replicas: u32,
    /// Namespace of the service's pods in a live cluster (any namespace when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The owning workload of the service's pods, `Kind/name` (e.g. `Deployment/api`), used to
    /// find them in a live cluster (written by `profile generate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
    /// Pod label selector (matchLabels) used to find this service's pods in a live cluster.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub selector: BTreeMap<String, String>,
    /// Extra memory and cpu per concurrent client (for client capacity of tiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_client: Option<ClientCost>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Set by what-if changes (replacements, added services): never matched to live pods, so
    /// its planned figures are used even when a cluster runs a service of the same name.
    #[serde(skip)]
    #[schemars(skip)]
    pub never_live: bool,
}

fn one() -> u32 {
    1
}

fn is_one(v: &u32) -> bool {
    *v == 1
}

/// Memory of one replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MemorySpec {
    /// Typical working set, a Kubernetes quantity such as 50Mi.
    #[serde(deserialize_with = "memory_quantity", serialize_with = "k8s_bytes")]
    #[schemars(with = "QuantitySchema")]
    pub typical: Bytes,
    /// Peak working set; when absent, typical times the policy's peak multiplier.
    #[serde(
        default,
        deserialize_with = "opt_memory_quantity",
        serialize_with = "opt_k8s_bytes",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<QuantitySchema>")]
    pub peak: Option<Bytes>,
}

/// CPU of one replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CpuSpec {
    /// Typical usage, a Kubernetes quantity such as 50m or 0.5.
    #[serde(serialize_with = "k8s_cpu")]
    #[schemars(with = "QuantitySchema")]
    pub typical: Millicores,
    /// Peak usage.
    #[serde(default, serialize_with = "opt_k8s_cpu", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<QuantitySchema>")]
    pub peak: Option<Millicores>,
}

/// How "used" is measured against the total when a threshold is applied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum UsedMeasure {
    /// used / total, the measure of `free -h` and of the seed analysis.
    #[default]
    Used,
    /// (total - available) / total: counts memory that is neither free nor reclaimable.
    Unavailable,
}

/// Policy: thresholds, peak multiplier and the allocation split of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Policy {
    /// Projected memory used at or above this percentage of the total makes the verdict TIGHT.
    #[serde(default = "default_warn", with = "ratio::percent")]
    #[schemars(with = "PercentSchema")]
    pub warn_used_percent: Ratio,
    /// At or above this percentage the verdict is INSUFFICIENT.
    #[serde(default = "default_fail", with = "ratio::percent")]
    #[schemars(with = "PercentSchema")]
    pub fail_used_percent: Ratio,
    /// Which "used" figure the thresholds apply to.
    #[serde(default)]
    pub used_measure: UsedMeasure,
    /// Peak load as a multiple of typical, for services without an explicit peak.
    #[serde(default = "default_peak", with = "ratio::multiplier")]
    #[schemars(with = "PercentSchema")]
    pub peak_multiplier: Ratio,
    /// How a node's memory is split (the seed analysis: 75 / 12.5 / 12.5).
    #[serde(default)]
    pub allocation: Allocation,
    /// Which figure tiers are sized by: each service's peak (default) or typical.
    #[serde(default)]
    pub size_by: SizeBy,
}

/// Which figure a service is placed with when tiers are fitted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SizeBy {
    /// memory.peak, else typical x peakMultiplier.
    #[default]
    Peak,
    /// memory.typical.
    Typical,
}

/// Memory and cpu per concurrent client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClientCost {
    /// Memory per client, e.g. 2Mi.
    #[serde(deserialize_with = "memory_quantity", serialize_with = "k8s_bytes")]
    #[schemars(with = "QuantitySchema")]
    pub memory: Bytes,
    /// CPU per client, e.g. 1m.
    #[serde(default, serialize_with = "k8s_cpu")]
    #[schemars(with = "QuantitySchema")]
    pub cpu: Millicores,
}

fn default_warn() -> Ratio {
    Ratio::percent(70)
}
fn default_fail() -> Ratio {
    Ratio::percent(90)
}
fn default_peak() -> Ratio {
    Ratio(15_000)
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            warn_used_percent: default_warn(),
            fail_used_percent: default_fail(),
            used_measure: UsedMeasure::Used,
            peak_multiplier: default_peak(),
            allocation: Allocation::default(),
            size_by: SizeBy::Peak,
        }
    }
}

/// The split of a node's memory between Kubernetes workloads, the system and a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Allocation {
    /// Percentage for Kubernetes workloads.
    #[serde(with = "ratio::percent")]
    #[schemars(with = "PercentSchema")]
    pub kubernetes: Ratio,
    /// Percentage for the operating system and system daemons.
    #[serde(with = "ratio::percent")]
    #[schemars(with = "PercentSchema")]
    pub system: Ratio,
    /// Percentage kept free as a buffer.
    #[serde(with = "ratio::percent")]
    #[schemars(with = "PercentSchema")]
    pub buffer: Ratio,
}

impl Default for Allocation {
    fn default() -> Self {
        Allocation { kubernetes: Ratio(7500), system: Ratio(1250), buffer: Ratio(1250) }
    }
}

/// A recorded host snapshot (for example from `free -h` on the laptop).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HostRecord {
    /// Where the figures come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Total memory.
    #[serde(deserialize_with = "memory_quantity", serialize_with = "k8s_bytes")]
    #[schemars(with = "QuantitySchema")]
    pub total: Bytes,
    /// Used memory.
    #[serde(deserialize_with = "memory_quantity", serialize_with = "k8s_bytes")]
    #[schemars(with = "QuantitySchema")]
    pub used: Bytes,
    /// Available memory (free plus reclaimable).
    #[serde(deserialize_with = "memory_quantity", serialize_with = "k8s_bytes")]
    #[schemars(with = "QuantitySchema")]
    pub available: Bytes,
    /// Logical CPUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<u32>,
    /// CPU in use.
    #[serde(default, serialize_with = "opt_k8s_cpu", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<QuantitySchema>")]
    pub cpu_used: Option<Millicores>,
}

/// JSON Schema stand-in for a Kubernetes quantity (string or non-negative integer).
#[derive(JsonSchema)]
#[schemars(
    description = "A Kubernetes quantity: a string such as 50Mi, 1.5Gi, 129M, 500m, 0.5, or a non-negative integer"
)]
#[allow(dead_code)]
#[serde(untagged)]
pub(crate) enum QuantitySchema {
    Text(
        #[schemars(regex(
            pattern = r"^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(([numkMGTPE]|[KMGTPE]i)|[eE][+-]?[0-9]+)?$"
        ))]
        String,
    ),
    Number(u64),
}

/// JSON Schema stand-in for a percentage or multiplier.
#[derive(JsonSchema)]
#[schemars(description = "A non-negative decimal such as 70 or 12.5 (a string may end in % or x)")]
#[allow(dead_code)]
#[serde(untagged)]
enum PercentSchema {
    Number(f64),
    Text(String),
}

pub(crate) fn k8s_bytes<S: serde::Serializer>(b: &Bytes, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&b.to_k8s())
}

pub(crate) fn opt_k8s_bytes<S: serde::Serializer>(b: &Option<Bytes>, s: S) -> Result<S::Ok, S::Error> {
    match b {
        Some(b) => s.serialize_str(&b.to_k8s()),
        None => s.serialize_none(),
    }
}

pub(crate) fn k8s_cpu<S: serde::Serializer>(c: &Millicores, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&c.to_k8s())
}

fn opt_k8s_cpu<S: serde::Serializer>(c: &Option<Millicores>, s: S) -> Result<S::Ok, S::Error> {
    match c {
        Some(c) => s.serialize_str(&c.to_k8s()),
        None => s.serialize_none(),
    }
}

/// Deserializes a memory quantity, rejecting the milli suffix (`400m` is 0.4 bytes).
pub(crate) fn memory_quantity<'de, D: Deserializer<'de>>(d: D) -> Result<Bytes, D::Error> {
    d.deserialize_any(MemoryVisitor)
}

pub(crate) fn opt_memory_quantity<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Bytes>, D::Error> {
    memory_quantity(d).map(Some)
}

struct MemoryVisitor;

impl Visitor<'_> for MemoryVisitor {
    type Value = Bytes;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a memory quantity such as 50Mi")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Bytes, E> {
        Ok(Bytes(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Bytes, E> {
        u64::try_from(v)
            .map(Bytes)
            .map_err(|_| E::custom(format!("invalid quantity \"{v}\": must not be negative")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Bytes, E> {
        Err(E::custom(format!("expected a quantity string such as \"50Mi\", found the number {v}")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Bytes, E> {
        if let Some(num) = v.strip_suffix('m')
            && !num.is_empty()
            && num.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        {
            return Err(E::custom(format!(
                "invalid memory quantity \"{v}\": the m suffix means milli, so this is a fraction of a byte; did you mean {num}Mi or {num}M?"
            )));
        }
        Bytes::parse(v).map_err(E::custom)
    }
}

/// One step of a path into a profile, for error messages (`services[3].memory.typical`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// A problem serde could not catch, with the path of the offending field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileIssue {
    /// Where in the document.
    pub path: Vec<PathSeg>,
    /// What is wrong.
    pub message: String,
}

/// Renders a path as `services[3].memory.typical`.
pub fn path_string(path: &[PathSeg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            PathSeg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            PathSeg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn key(k: &str) -> PathSeg {
    PathSeg::Key(k.to_string())
}

impl Profile {
    /// Checks what serde cannot. An empty result means the profile is usable.
    pub fn validate(&self) -> Vec<ProfileIssue> {
        let mut issues = Vec::new();
        let mut push = |path: Vec<PathSeg>, message: String| issues.push(ProfileIssue { path, message });

        if self.name.trim().is_empty() {
            push(vec![key("name")], "the profile name must not be empty".into());
        }
        let p = &self.policy;
        for (field, r) in [("warnUsedPercent", p.warn_used_percent), ("failUsedPercent", p.fail_used_percent)]
        {
            if r.0 == 0 || r > Ratio::percent(100) {
                push(
                    vec![key("policy"), key(field)],
                    format!("must be above 0% and at most 100%, found {}", r.percent_string()),
                );
            }
        }
        if p.warn_used_percent > p.fail_used_percent {
            push(
                vec![key("policy"), key("warnUsedPercent")],
                format!(
                    "the warn threshold {} is above the fail threshold {}",
                    p.warn_used_percent.percent_string(),
                    p.fail_used_percent.percent_string()
                ),
            );
        }
        if p.peak_multiplier < Ratio(10_000) {
            push(
                vec![key("policy"), key("peakMultiplier")],
                format!("must be at least 1x, found {}", p.peak_multiplier.multiplier_string()),
            );
        }
        let a = p.allocation;
        let sum = a.kubernetes.0 + a.system.0 + a.buffer.0;
        if sum != 10_000 {
            push(
                vec![key("policy"), key("allocation")],
                format!(
                    "kubernetes + system + buffer must add up to 100%, found {} + {} + {} = {}",
                    a.kubernetes.percent_string(),
                    a.system.percent_string(),
                    a.buffer.percent_string(),
                    Ratio(sum).percent_string()
                ),
            );
        }
        if let Some(h) = &self.host {
            if h.total.0 == 0 {
                push(vec![key("host"), key("total")], "the recorded total memory must be above 0".into());
            }
            if h.used > h.total {
                push(
                    vec![key("host"), key("used")],
                    format!("used memory {} is above the total {}", h.used, h.total),
                );
            }
            if h.available > h.total {
                push(
                    vec![key("host"), key("available")],
                    format!("available memory {} is above the total {}", h.available, h.total),
                );
            }
            if h.cpus == Some(0) {
                push(vec![key("host"), key("cpus")], "cpus must be at least 1".into());
            }
        }
        // Every sum the planner makes must fit: the services' memory (peak, all replicas, all
        // services) in 64 bits is an error to report, never a wrap or a silent cap.
        let mut total: Option<u64> = Some(0);
        for (i, s) in self.services.iter().enumerate() {
            let each = s.memory.peak.unwrap_or(s.memory.typical).max(s.memory.typical);
            let with_mult = Some(p.peak_multiplier.apply_ceil(s.memory.typical.0).max(each.0));
            total = total.and_then(|t| t.checked_add(with_mult?.checked_mul(u64::from(s.replicas))?));
            if total.is_none() {
                push(
                    vec![key("services"), PathSeg::Index(i), key("memory")],
                    "the services' memory (peak x replicas, summed over the profile) does not fit in 64 bits (16 EiB): a typo?".into(),
                );
                break;
            }
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, s) in self.services.iter().enumerate() {
            let at = |f: &[&str]| {
                let mut v = vec![key("services"), PathSeg::Index(i)];
                v.extend(f.iter().map(|k| key(k)));
                v
            };
            if s.name.trim().is_empty() {
                push(at(&["name"]), "a service name must not be empty".into());
            } else if let Some(first) = seen.insert(s.name.as_str(), i) {
                push(
                    at(&["name"]),
                    format!("duplicate service name {:?} (first defined at services[{first}])", s.name),
                );
                // Keep the first occurrence as the reference for later duplicates.
                seen.insert(s.name.as_str(), first);
            }
            if s.group.trim().is_empty() {
                push(at(&["group"]), "a service group must not be empty".into());
            }
            if s.memory.typical.0 == 0 {
                push(at(&["memory", "typical"]), "memory must be above 0".into());
            }
            if let Some(peak) = s.memory.peak
                && peak < s.memory.typical
            {
                push(at(&["memory", "peak"]), format!("peak {} is below typical {}", peak, s.memory.typical));
            }
            if let Some(cpu) = s.cpu
                && let Some(peak) = cpu.peak
                && peak < cpu.typical
            {
                push(at(&["cpu", "peak"]), format!("peak {} is below typical {}", peak, cpu.typical));
            }
            if s.replicas == 0 {
                push(
                    at(&["replicas"]),
                    "replicas must be at least 1 (remove the service, or mark it planned)".into(),
                );
            }
        }
        issues
    }

    /// Deployed services, in profile order.
    pub fn deployed(&self) -> impl Iterator<Item = &Service> {
        self.services.iter().filter(|s| s.status == ServiceStatus::Deployed)
    }

    /// Planned services, in profile order.
    pub fn planned(&self) -> impl Iterator<Item = &Service> {
        self.services.iter().filter(|s| s.status == ServiceStatus::Planned)
    }
}

impl Service {
    /// Typical memory of all replicas.
    pub fn memory_total(&self) -> Bytes {
        Bytes(self.memory.typical.0.saturating_mul(u64::from(self.replicas)))
    }

    /// Peak memory of one replica: the explicit peak, or typical times the multiplier.
    pub fn memory_peak_each(&self, multiplier: Ratio) -> Bytes {
        self.memory.peak.unwrap_or(Bytes(multiplier.apply_ceil(self.memory.typical.0)))
    }

    /// Peak memory of all replicas.
    pub fn memory_peak_total(&self, multiplier: Ratio) -> Bytes {
        Bytes(self.memory_peak_each(multiplier).0.saturating_mul(u64::from(self.replicas)))
    }

    /// Typical cpu of all replicas (zero when the profile gives none).
    pub fn cpu_total(&self) -> Millicores {
        Millicores(self.cpu.map_or(0, |c| c.typical.0).saturating_mul(u64::from(self.replicas)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn base() -> Profile {
        serde_json::from_str(
            r#"{"name":"t","services":[
              {"name":"a","group":"core","status":"deployed","memory":{"typical":"50Mi"}},
              {"name":"b","group":"core","status":"planned","memory":{"typical":"60Mi","peak":"90Mi"},"cpu":{"typical":0.5},"replicas":2}
            ]}"#,
        )
        .unwrap()
    }

    fn messages(p: &Profile) -> Vec<String> {
        p.validate().iter().map(|i| format!("{}: {}", path_string(&i.path), i.message)).collect()
    }

    #[test]
    fn defaults_and_accessors() {
        let p = base();
        assert!(p.validate().is_empty());
        assert_eq!(p.policy, Policy::default());
        assert_eq!(p.policy.warn_used_percent, Ratio::percent(70));
        assert_eq!(p.services[0].replicas, 1);
        let b = &p.services[1];
        assert_eq!(b.memory_total(), Bytes(120 << 20));
        assert_eq!(b.memory_peak_total(Ratio(20_000)), Bytes(180 << 20));
        assert_eq!(p.services[0].memory_peak_each(Ratio(15_000)), Bytes(75 << 20));
        assert_eq!(b.cpu_total(), Millicores(1000));
        assert_eq!(p.deployed().count(), 1);
        assert_eq!(p.planned().count(), 1);
    }

    #[test]
    fn validation_names_each_problem() {
        let mut p = base();
        p.name = " ".into();
        p.policy.warn_used_percent = Ratio::percent(95);
        p.policy.allocation.buffer = Ratio::percent(20);
        p.policy.peak_multiplier = Ratio(5000);
        p.services[1].name = "a".into();
        p.services[1].memory.peak = Some(Bytes(1));
        p.services[1].replicas = 0;
        p.services[0].memory.typical = Bytes(0);
        p.host = Some(HostRecord {
            source: None,
            total: Bytes(100),
            used: Bytes(200),
            available: Bytes(300),
            cpus: Some(0),
            cpu_used: None,
        });
        assert_eq!(
            messages(&p),
            vec![
                "name: the profile name must not be empty",
                "policy.warnUsedPercent: the warn threshold 95% is above the fail threshold 90%",
                "policy.peakMultiplier: must be at least 1x, found 0.5x",
                "policy.allocation: kubernetes + system + buffer must add up to 100%, found 75% + 12.5% + 20% = 107.5%",
                "host.used: used memory 200B is above the total 100B",
                "host.available: available memory 300B is above the total 100B",
                "host.cpus: cpus must be at least 1",
                "services[0].memory.typical: memory must be above 0",
                "services[1].name: duplicate service name \"a\" (first defined at services[0])",
                "services[1].memory.peak: peak 1B is below typical 60Mi",
                "services[1].replicas: replicas must be at least 1 (remove the service, or mark it planned)",
            ]
        );
    }

    #[test]
    fn memory_rejects_milli_and_floats() {
        let e = serde_json::from_str::<MemorySpec>(r#"{"typical":"400m"}"#).unwrap_err().to_string();
        assert!(e.starts_with("invalid memory quantity \"400m\": the m suffix means milli"), "{e}");
        assert!(e.contains("did you mean 400Mi or 400M?"), "{e}");
        let e = serde_json::from_str::<MemorySpec>(r#"{"typical":1.5}"#).unwrap_err().to_string();
        assert!(e.starts_with("expected a quantity string such as \"50Mi\", found the number 1.5"), "{e}");
        let e = serde_json::from_str::<MemorySpec>(r#"{"typical":-1}"#).unwrap_err().to_string();
        assert!(e.starts_with("invalid quantity \"-1\": must not be negative"), "{e}");
        let m: MemorySpec = serde_json::from_str(r#"{"typical":1048576}"#).unwrap();
        assert_eq!(m.typical, Bytes(1 << 20));
    }

    #[test]
    fn thresholds_out_of_range() {
        let mut p = base();
        p.policy.fail_used_percent = Ratio::percent(120);
        p.policy.warn_used_percent = Ratio(0);
        assert_eq!(
            messages(&p),
            vec![
                "policy.warnUsedPercent: must be above 0% and at most 100%, found 0%",
                "policy.failUsedPercent: must be above 0% and at most 100%, found 120%",
            ]
        );
    }

    #[test]
    fn path_strings() {
        let p = vec![PathSeg::Key("services".into()), PathSeg::Index(3), PathSeg::Key("memory".into())];
        assert_eq!(path_string(&p), "services[3].memory");
        assert_eq!(path_string(&[]), "");
    }
}
