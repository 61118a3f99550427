//! Usage history (issue 5): per-service figures taken from Prometheus over a window replace the
//! profile's. This module is pure: it builds the PromQL queries, checks the flags, matches pod
//! names to profile services, rounds Prometheus' floats to whole bytes and millicores, applies
//! the figures to a profile. Fetching is in `crate::source::prometheus`.
//!
//! Per pod (the sum of its containers, `sum by (namespace, pod)`), three instant queries over
//! `[WINDOW:STEP]` subqueries: the quantile and the maximum of the memory working set, and the
//! quantile of the cpu usage rate. A service's figure is the largest of its pods' (figures are
//! per replica): memory typical = quantile, memory peak = maximum, cpu typical = quantile.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::figure::{CpuFig, MemFig};
#[cfg(test)]
use crate::model::profile::Service;
use crate::model::profile::{CpuSpec, Profile};
use crate::model::quantity::{Bytes, Millicores};

/// The per-pod memory series: working set summed over the pod's containers. `container=""` is
/// the pod-level cgroup series cAdvisor adds and `container="POD"` the pause container; both
/// are left out so nothing is counted twice.
pub const MEMORY_SERIES: &str =
    r#"sum by (namespace, pod) (container_memory_working_set_bytes{container!="", container!="POD"})"#;

/// The per-pod cpu series: the 5-minute usage rate (cores) summed over the pod's containers.
pub const CPU_SERIES: &str = r#"sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!="", container!="POD"}[5m]))"#;

/// The container series selector of the memory figures, with extra matchers (`, namespace="x"`).
fn memory_selector(matchers: &str) -> String {
    format!(r#"container_memory_working_set_bytes{{container!="", container!="POD"{matchers}}}"#)
}

/// [`MEMORY_SERIES`] restricted by extra matchers (`, namespace=~"..."`, `, pod=~"..."`).
pub fn memory_series(matchers: &str) -> String {
    format!("sum by (namespace, pod) ({})", memory_selector(matchers))
}

/// [`CPU_SERIES`] restricted by extra matchers.
pub fn cpu_series(matchers: &str) -> String {
    format!(
        r#"sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{{container!="", container!="POD"{matchers}}}[5m]))"#
    )
}

/// The cheap cardinality query that sizes the plan: memory series per namespace at the
/// evaluation time (one sample per series; no window).
pub fn count_by_namespace() -> String {
    format!("count by (namespace) ({})", memory_selector(""))
}

/// kube-state-metrics' controller owners per pod, at the evaluation time.
pub const POD_OWNERS: &str =
    r#"max by (namespace, pod, owner_kind, owner_name) (kube_pod_owner{owner_is_controller="true"})"#;

/// kube-state-metrics' owners of ReplicaSets (to resolve a pod's ReplicaSet to its Deployment).
pub const REPLICASET_OWNERS: &str = r#"max by (namespace, replicaset, owner_kind, owner_name) (kube_replicaset_owner{owner_is_controller="true"})"#;

/// kube-state-metrics' pod labels (those its `--metric-labels-allowlist` exposes).
pub const POD_LABELS: &str = "kube_pod_labels";

/// The per-pod count of the namespaces too big for one query (`namespace=~"..."` matchers).
pub fn count_by_pod(matchers: &str) -> String {
    format!("count by (namespace, pod) ({})", memory_selector(matchers))
}

/// What to ask Prometheus for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// `Prometheus at URL`, the URL without user information (shown in reports and errors).
    pub source: String,
    /// The quantile taken as typical, as validated decimal text (`0.95`).
    pub quantile: String,
    /// The window, a Prometheus duration (`7d`).
    pub window: String,
    /// The subquery step, a Prometheus duration (`1m`).
    pub step: String,
    /// Evaluation time, unix milliseconds.
    pub at_ms: i64,
}

/// The three PromQL queries of a [`Spec`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Queries {
    /// Memory working set, the quantile over the window.
    pub memory_quantile: String,
    /// Memory working set, the maximum over the window.
    pub memory_peak: String,
    /// CPU usage rate, the quantile over the window.
    pub cpu_quantile: String,
}

impl Spec {
    /// The queries over every pod, e.g. `quantile_over_time(0.95, (MEMORY_SERIES)[7d:1m])`.
    pub fn queries(&self) -> Queries {
        self.queries_for("")
    }

    /// The queries over the series that `matchers` select (`, namespace="shop"`; empty: all).
    pub fn queries_for(&self, matchers: &str) -> Queries {
        let range = format!("[{}:{}]", self.window, self.step);
        let memory = memory_series(matchers);
        Queries {
            memory_quantile: format!("quantile_over_time({}, ({memory}){range})", self.quantile),
            memory_peak: format!("max_over_time(({memory}){range})"),
            cpu_quantile: format!("quantile_over_time({}, ({}){range})", self.quantile, cpu_series(matchers)),
        }
    }

    /// Points per series of the subqueries: window / step + 1 (at least 1).
    pub fn steps(&self) -> u64 {
        let window = duration_ms(&self.window).unwrap_or(0);
        let step = duration_ms(&self.step).unwrap_or(0).max(1);
        window / step + 1
    }

    /// The `time` parameter of the instant queries: unix seconds, with milliseconds if any.
    pub fn time_param(&self) -> String {
        let secs = self.at_ms.div_euclid(1000);
        match self.at_ms.rem_euclid(1000) {
            0 => secs.to_string(),
            ms => format!("{secs}.{ms:03}"),
        }
    }

    /// The evaluation time as RFC 3339 (UTC).
    pub fn at_rfc3339(&self) -> String {
        format_rfc3339(self.at_ms)
    }

    /// `0.95 quantile over 7d (step 1m) at 2026-03-01T12:00:00Z`.
    pub fn describe(&self) -> String {
        format!(
            "{} quantile over {} (step {}) at {}",
            self.quantile,
            self.window,
            self.step,
            self.at_rfc3339()
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Flags

/// Checks `--quantile`: a decimal from 0 to 1 (`0.95`, `.5`, `1`); returns it as sent to
/// Prometheus (`.5` becomes `0.5`). Prometheus answers ±Inf outside [0, 1], so it is checked here.
pub fn parse_quantile(s: &str) -> Result<String, String> {
    let t = s.trim();
    let bad = || format!("{s:?}: expected a quantile from 0 to 1, e.g. 0.95 or 0.5");
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty())
        || !digits(int)
        || !digits(frac)
        || (t.contains('.') && frac.is_empty())
    {
        return Err(bad());
    }
    let int = int.trim_start_matches('0');
    let above_one = match int {
        "" => false,
        "1" => frac.bytes().any(|b| b != b'0'),
        _ => true,
    };
    if above_one {
        return Err(format!("{s:?} is above 1: a quantile is from 0 to 1 (0.95 is the 95th percentile)"));
    }
    let int = if int.is_empty() { "0" } else { int };
    Ok(if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") })
}

/// Checks `--window` and `--step`: digits and units (`7d`, `36h`, `1h30m`, `2w`, `500ms`), so
/// the value cannot change the query around it and its length is known for sizing the queries.
/// Prometheus' stricter rules (units in decreasing order, each once) are its own: a value it
/// rejects comes back as a query error naming the flag (exit 2).
pub fn check_duration(s: &str) -> Result<String, String> {
    let t = s.trim();
    match duration_ms(t) {
        None => Err(format!("{s:?}: expected a Prometheus duration such as 7d, 36h, 1h30m or 1m")),
        Some(0) => Err(format!("{s:?}: a duration must be greater than 0")),
        Some(_) => Ok(t.to_string()),
    }
}

/// A duration of digits and units (`ms`, `s`, `m`, `h`, `d`, `w`, `y` = 365d), in
/// milliseconds; `None` if it is anything else or overflows.
pub fn duration_ms(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    let (mut i, mut total) = (0, 0u64);
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let n: u64 = s.get(start..i)?.parse().ok()?;
        let unit = if s[i..].starts_with("ms") {
            i += 2;
            1
        } else {
            let u = match b.get(i)? {
                b's' => 1_000,
                b'm' => 60_000,
                b'h' => 3_600_000,
                b'd' => 86_400_000,
                b'w' => 604_800_000,
                b'y' => 31_536_000_000,
                _ => return None,
            };
            i += 1;
            u
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    Some(total)
}

/// Parses `--at`: RFC 3339 (`2026-03-01T12:00:00Z`, `2026-03-01T13:00:00.5+01:00`) or unix
/// seconds (`1772366400`, `1772366400.25`), into unix milliseconds (finer digits are dropped:
/// Prometheus works in milliseconds).
pub fn parse_time(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let bad = || format!("{s:?}: expected RFC 3339 (2026-03-01T12:00:00Z) or unix seconds (1772366400)");
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let (secs, frac) = t.split_once('.').unwrap_or((t, ""));
        if secs.is_empty() || frac.contains('.') {
            return Err(bad());
        }
        let secs: i64 = secs.parse().map_err(|_| bad())?;
        return secs.checked_mul(1000).and_then(|ms| ms.checked_add(millis(frac))).ok_or_else(bad);
    }
    let b = t.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = t.get(from..from + len)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let sep = |at: usize, c: &[u8]| b.get(at).is_some_and(|x| c.contains(x));
    if b.len() < 20 || !sep(4, b"-") || !sep(7, b"-") || !sep(10, b"Tt ") || !sep(13, b":") || !sep(16, b":")
    {
        return Err(bad());
    }
    let (year, month, day) =
        (num(0, 4).ok_or_else(bad)?, num(5, 2).ok_or_else(bad)?, num(8, 2).ok_or_else(bad)?);
    let (hour, minute, second) =
        (num(11, 2).ok_or_else(bad)?, num(14, 2).ok_or_else(bad)?, num(17, 2).ok_or_else(bad)?);
    let mut rest = &t[19..];
    let mut ms = 0;
    if let Some(f) = rest.strip_prefix('.') {
        let end = f.bytes().position(|c| !c.is_ascii_digit()).unwrap_or(f.len());
        if end == 0 {
            return Err(bad());
        }
        ms = millis(&f[..end]);
        rest = &f[end..];
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) && o.as_bytes()[3] == b':' => {
            let h: i64 = o[1..3].parse().map_err(|_| bad())?;
            let m: i64 = o[4..6].parse().map_err(|_| bad())?;
            if h > 23 || m > 59 {
                return Err(bad());
            }
            if o.starts_with('-') { -(h * 60 + m) } else { h * 60 + m }
        }
        _ => return Err(bad()),
    };
    let month_u = u32::try_from(month).map_err(|_| bad())?;
    if !(1..=12).contains(&month_u)
        || day < 1
        || day > i64::from(days_in_month(year, month_u))
        || hour > 23
        || minute > 59
        || second > 59
    {
        return Err(format!("{s:?}: not a valid date and time"));
    }
    let day_u = u32::try_from(day).map_err(|_| bad())?;
    let days = days_from_civil(year, month_u, day_u);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Ok(secs * 1000 + ms)
}

/// Milliseconds from the digits after a decimal point (`5` → 500, `25` → 250, `1239` → 123).
fn millis(frac: &str) -> i64 {
    let mut ms = 0;
    for (i, b) in frac.bytes().take(3).enumerate() {
        ms += i64::from(b - b'0') * [100, 10, 1][i];
    }
    ms
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Unix milliseconds as RFC 3339 in UTC (`2026-03-01T12:00:00Z`, `...:00.250Z`).
pub fn format_rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    let frac = match ms.rem_euclid(1000) {
        0 => String::new(),
        f => format!(".{f:03}"),
    };
    format!("{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}{frac}Z", s / 3600, s % 3600 / 60, s % 60)
}

// ---------------------------------------------------------------------------------------------
// Rounding

/// Relative distance above a whole number that is taken as floating-point noise rather than a
/// fraction: Prometheus' interpolation `a*(1-w) + a*w` may answer 104857600.00000001 for a
/// series whose samples are all 104857600.
pub const NOISE: f64 = 1e-12;

/// Rounds a non-negative float up to a whole number (within [`NOISE`] above a whole number
/// counts as that number). `None` for NaN, infinities, negatives and values beyond `u64`.
pub fn round_up(x: f64) -> Option<u64> {
    if !x.is_finite() || x < 0.0 {
        return None;
    }
    let floor = x.floor();
    let v = if x - floor <= x * NOISE { floor } else { floor + 1.0 };
    // 2^64 as f64: every smaller non-negative whole f64 converts exactly.
    if v >= 18_446_744_073_709_551_616.0 { None } else { Some(v as u64) }
}

/// Bytes from Prometheus' working-set figure, rounded up.
pub fn bytes_from(x: f64) -> Option<Bytes> {
    round_up(x).map(Bytes)
}

/// Millicores from Prometheus' cpu rate in cores, rounded up.
pub fn millicores_from(cores: f64) -> Option<Millicores> {
    if !cores.is_finite() {
        return None;
    }
    round_up(cores * 1000.0).map(Millicores)
}

// ---------------------------------------------------------------------------------------------
// Matching pods to services

pub use crate::model::matching::is_pod_of;
use crate::model::matching::{self, MatchedBy, PodFacts};

/// The profile service a pod (by namespace and name) belongs to when nothing else is known of
/// it: the name rule of [`crate::model::matching`] (the service's workload name, else its name,
/// plus a controller suffix; the longest name wins, then a service with a namespace).
pub fn match_pod(profile: &Profile, namespace: &str, pod: &str) -> Option<usize> {
    matching::by_pod_name(profile, namespace, pod)
}

// ---------------------------------------------------------------------------------------------
// Figures in, profile and report out

/// One pod's figure as Prometheus gave it and as rounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodValue<T> {
    /// Namespace label.
    pub namespace: String,
    /// Pod label.
    pub pod: String,
    /// The value exactly as Prometheus printed it (`104857600.5`, `0.0123`).
    pub raw: String,
    /// Rounded up to whole bytes or millicores.
    pub value: T,
}

/// What the three queries answered, converted (the source skips NaN and infinite values with a
/// warning).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Samples {
    /// Memory quantile per pod.
    pub memory_quantile: Vec<PodValue<Bytes>>,
    /// Memory maximum per pod.
    pub memory_peak: Vec<PodValue<Bytes>>,
    /// CPU quantile per pod.
    pub cpu_quantile: Vec<PodValue<Millicores>>,
    /// Values skipped and warnings Prometheus sent.
    pub warnings: Vec<String>,
    /// Top owners from kube-state-metrics (`kube_pod_owner`, ReplicaSets resolved through
    /// `kube_replicaset_owner`): (namespace, pod) → (kind, name).
    pub owners: BTreeMap<(String, String), (String, String)>,
    /// `kube_pod_labels` per pod, keys as kube-state-metrics writes them (`label_app`).
    pub labels: BTreeMap<(String, String), BTreeMap<String, String>>,
}

/// A pod's figure in the report: Prometheus' text and the rounded integer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Raw {
    /// As Prometheus printed it.
    pub prometheus: String,
    /// Rounded up: bytes or millicores.
    pub rounded: u64,
}

/// One pod of a service, with its figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodHistory {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// Memory working set at the quantile (bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<Raw>,
    /// Maximum memory working set (bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_peak: Option<Raw>,
    /// CPU usage rate at the quantile (millicores).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Raw>,
}

/// A service that got figures from Prometheus (per replica: the largest of its pods').
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceHistory {
    /// Service name.
    pub name: String,
    /// The pods found, by namespace and name.
    pub pods: Vec<PodHistory>,
    /// New memory typical (the quantile), if the memory series were found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<MemFig>,
    /// New memory peak (the maximum).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_peak: Option<MemFig>,
    /// New cpu typical (the quantile), if the cpu series were found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<CpuFig>,
    /// The profile's memory typical it replaces.
    pub profile_memory: MemFig,
    /// The profile's memory peak it replaces (none: typical x peakMultiplier).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_memory_peak: Option<MemFig>,
    /// The profile's cpu typical it replaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_cpu: Option<CpuFig>,
}

/// The history section of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryReport {
    /// `Prometheus at URL` (without user information).
    pub source: String,
    /// The quantile taken as typical.
    pub quantile: String,
    /// The window.
    pub window: String,
    /// The subquery step.
    pub step: String,
    /// Evaluation time, RFC 3339.
    pub at: String,
    /// The queries sent.
    pub queries: Queries,
    /// `ok`, or `unavailable` when Prometheus could not be read (see `error`).
    pub status: &'static str,
    /// Why Prometheus could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Services that got figures, in profile order.
    pub services: Vec<ServiceHistory>,
    /// Services without any figure (no pod of theirs in the answers): their profile figures stand.
    pub without_figures: Vec<String>,
    /// Pods in the answers that belong to no profile service (`namespace/pod`).
    pub unmatched_pods: Vec<String>,
    /// Values skipped (NaN, infinite) and Prometheus' own warnings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// How the read was split into queries (none when nothing was asked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read: Option<ReadStats>,
    /// How pods were matched to services (by owner and labels from kube-state-metrics, or by
    /// pod name only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matching: Option<String>,
}

/// How the history read was split to stay within the backend's limits, and what it took.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadStats {
    /// The sample budget of one query (`--prometheus-max-samples`).
    pub max_samples: u64,
    /// The longest query allowed, bytes.
    pub max_query_length: u64,
    /// Queries in flight at most (`--prometheus-concurrency`).
    pub concurrency: u64,
    /// Points per series of the subqueries (window / step + 1).
    pub steps: u64,
    /// Namespaces and memory series the cardinality query counted at the evaluation time.
    pub namespaces: u64,
    /// Memory series counted.
    pub series: u64,
    /// Shards planned (each asked once per figure): namespace sets and pod-name batches.
    pub shards: u64,
    /// Of which pod-name batches (namespaces too big for one query).
    pub pod_batches: u64,
    /// HTTP queries sent in all: cardinality, shards, retries.
    pub queries: u64,
    /// Of which cardinality queries.
    pub cardinality_queries: u64,
    /// Of which kube-state-metrics queries (owners, labels) for matching pods to services.
    pub metadata_queries: u64,
    /// Queries refused (too many samples, a timeout, 503) and split in two for a retry.
    pub splits: u64,
    /// Queries repeated after a transient error (502, 500, a connection reset).
    pub retries: u64,
    /// The largest estimated samples of a query sent.
    pub largest_estimate: u64,
    /// The longest query sent, bytes.
    pub longest_query: u64,
    /// What the refusals said (up to 5 different messages).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refusals: Vec<String>,
}

impl ReadStats {
    /// `read in 26 queries: 1 cardinality, 8 shards x 3 figures (5 pod-name batches), 1 split and
    /// retried; at most 3,981,995 samples (estimated; budget 4,000,000) and 512 bytes per query`.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "read in {} quer{}: {} cardinality, {} shard(s) x 3 figures",
            self.queries,
            if self.queries == 1 { "y" } else { "ies" },
            self.cardinality_queries,
            self.shards
        );
        if self.pod_batches > 0 {
            s.push_str(&format!(" ({} pod-name batch(es))", self.pod_batches));
        }
        if self.metadata_queries > 0 {
            s.push_str(&format!(", {} kube-state-metrics", self.metadata_queries));
        }
        if self.splits > 0 {
            s.push_str(&format!(", {} split and retried", self.splits));
        }
        if self.retries > 0 {
            s.push_str(&format!(", {} repeated after a transient error", self.retries));
        }
        s.push_str(&format!(
            "; at most {} samples (estimated; budget {}) and {} bytes per query",
            thousands(self.largest_estimate),
            thousands(self.max_samples),
            thousands(self.longest_query)
        ));
        s
    }
}

/// `4000000` as `4,000,000`.
pub fn thousands(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::with_capacity(d.len() + d.len() / 3);
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl HistoryReport {
    fn base(spec: &Spec) -> HistoryReport {
        HistoryReport {
            source: spec.source.clone(),
            quantile: spec.quantile.clone(),
            window: spec.window.clone(),
            step: spec.step.clone(),
            at: spec.at_rfc3339(),
            queries: spec.queries(),
            status: "ok",
            error: None,
            services: Vec::new(),
            without_figures: Vec::new(),
            unmatched_pods: Vec::new(),
            warnings: Vec::new(),
            read: None,
            matching: None,
        }
    }

    /// The report when Prometheus could not be read: `error` is the whole message
    /// (`Prometheus at URL: unreachable (...)`); every service keeps its profile figures.
    pub fn unavailable(spec: &Spec, profile: &Profile, error: String) -> HistoryReport {
        HistoryReport {
            status: "unavailable",
            error: Some(error),
            without_figures: profile.services.iter().map(|s| s.name.clone()).collect(),
            ..HistoryReport::base(spec)
        }
    }

    /// One line for notes: what was used, and for which services.
    pub fn summary(&self) -> String {
        if let Some(e) = &self.error {
            return format!("{e}; planning from the profile's figures");
        }
        let with: Vec<&str> = self.services.iter().map(|s| s.name.as_str()).collect();
        let mut s = format!(
            "History from {}: {} quantile and peak over {} (step {}) at {}; {} service(s) sized from it",
            self.source,
            self.quantile,
            self.window,
            self.step,
            self.at,
            with.len()
        );
        if !with.is_empty() {
            s.push_str(&format!(" ({})", with.join(", ")));
        }
        if !self.without_figures.is_empty() {
            s.push_str(&format!(
                "; no figures for {} (profile figures kept): {}",
                self.without_figures.len(),
                self.without_figures.join(", ")
            ));
        }
        if let Some(r) = &self.read {
            s.push_str("; ");
            s.push_str(&r.describe());
        }
        if let Some(m) = &self.matching {
            s.push_str("; ");
            s.push_str(m);
        }
        s
    }
}

/// Applies the figures to the profile: for each service with pods in the answers, memory typical
/// = the largest pod quantile, memory peak = the largest pod maximum (never below typical), cpu
/// typical = the largest pod cpu quantile (the profile's cpu peak is kept only if not below it).
/// Returns the new profile and the history section.
pub fn apply(profile: &Profile, spec: &Spec, samples: &Samples) -> (Profile, HistoryReport) {
    let mut matched: BTreeMap<(String, String), Option<usize>> = BTreeMap::new();
    let mut pods: Vec<BTreeMap<(String, String), PodHistory>> = vec![BTreeMap::new(); profile.services.len()];
    let mut by: BTreeMap<MatchedBy, u64> = BTreeMap::new();
    let mut lookup = |ns: &str, pod: &str| {
        let key = (ns.to_string(), pod.to_string());
        if let Some(i) = matched.get(&key) {
            return *i;
        }
        let facts = PodFacts {
            namespace: ns,
            name: pod,
            owner: samples.owners.get(&key).map(|(k, n)| (k.as_str(), n.as_str())),
            labels: samples.labels.get(&key),
            sanitized_labels: true,
        };
        let m = matching::match_pod(profile, &facts);
        if let Some((_, b)) = m {
            *by.entry(b).or_default() += 1;
        }
        matched.insert(key, m.map(|(i, _)| i));
        m.map(|(i, _)| i)
    };
    type Slot = fn(&mut PodHistory) -> &mut Option<Raw>;
    let mut put = |v: (&str, &str, &str, u64), slot: Slot, pods: &mut Vec<BTreeMap<_, PodHistory>>| {
        let (ns, pod, raw, rounded) = v;
        if let Some(i) = lookup(ns, pod)
            && let Some(per) = pods.get_mut(i)
        {
            let e = per.entry((ns.to_string(), pod.to_string())).or_insert_with(|| PodHistory {
                namespace: ns.to_string(),
                pod: pod.to_string(),
                ..PodHistory::default()
            });
            *slot(e) = Some(Raw { prometheus: raw.to_string(), rounded });
        }
    };
    for p in &samples.memory_quantile {
        put((&p.namespace, &p.pod, &p.raw, p.value.0), |e| &mut e.memory, &mut pods);
    }
    for p in &samples.memory_peak {
        put((&p.namespace, &p.pod, &p.raw, p.value.0), |e| &mut e.memory_peak, &mut pods);
    }
    for p in &samples.cpu_quantile {
        put((&p.namespace, &p.pod, &p.raw, p.value.0), |e| &mut e.cpu, &mut pods);
    }

    let mut report = HistoryReport::base(spec);
    report.warnings = samples.warnings.clone();
    let owned = by.iter().filter(|(b, _)| **b != MatchedBy::PodName).map(|(_, n)| n).sum::<u64>();
    let named = by.get(&MatchedBy::PodName).copied().unwrap_or(0);
    if owned + named > 0 {
        report.matching = Some(if samples.owners.is_empty() {
            format!(
                "{named} pod(s) matched by pod name only: no kube-state-metrics kube_pod_owner series, so owners and labels are not known (the live cluster matches by owner and labels)"
            )
        } else {
            format!(
                "{owned} pod(s) matched by owner or labels (kube-state-metrics), {named} by pod name only (no kube_pod_owner series at the evaluation time)"
            )
        });
    }
    report.unmatched_pods =
        matched.iter().filter(|(_, i)| i.is_none()).map(|((ns, pod), _)| format!("{ns}/{pod}")).collect();
    let mut out = profile.clone();
    for ((svc, new), per) in profile.services.iter().zip(out.services.iter_mut()).zip(pods) {
        if per.is_empty() {
            report.without_figures.push(svc.name.clone());
            continue;
        }
        let pods: Vec<PodHistory> = per.into_values().collect();
        let max = |f: fn(&PodHistory) -> Option<&Raw>| pods.iter().filter_map(f).map(|r| r.rounded).max();
        let memory = max(|p| p.memory.as_ref()).map(Bytes);
        let peak = max(|p| p.memory_peak.as_ref()).map(Bytes);
        let cpu = max(|p| p.cpu.as_ref()).map(Millicores);
        if let Some(m) = memory {
            new.memory.typical = m;
            new.memory.peak = match peak {
                Some(p) => Some(p.max(m)),
                None => svc.memory.peak.filter(|p| *p >= m),
            };
        } else if let Some(p) = peak {
            new.memory.peak = Some(p.max(svc.memory.typical));
        }
        if let Some(c) = cpu {
            new.cpu =
                Some(CpuSpec { typical: c, peak: svc.cpu.and_then(|old| old.peak).filter(|p| *p >= c) });
        }
        report.services.push(ServiceHistory {
            name: svc.name.clone(),
            pods,
            memory: memory.map(Into::into),
            memory_peak: new.memory.peak.filter(|_| peak.is_some()).map(Into::into),
            cpu: cpu.map(Into::into),
            profile_memory: svc.memory.typical.into(),
            profile_memory_peak: svc.memory.peak.map(Into::into),
            profile_cpu: svc.cpu.map(|c| c.typical.into()),
        });
    }
    (out, report)
}

/// A profile from history alone (`profile generate --prometheus`, krr#59): one deployed service
/// per owner workload (namespace + kind/name: kube-state-metrics' owner when known, else the
/// one the pod name implies), memory typical / peak and cpu typical per replica = the largest
/// of its pods' quantile / maximum / cpu quantile, `workload: Kind/name` for matching. Replicas:
/// the pods kube-state-metrics lists at the evaluation time, else the pods seen in the window.
/// A profile `check -p` loads unchanged; pods without a memory figure are left out.
pub fn generate_profile(name: &str, spec: &Spec, samples: &Samples) -> Profile {
    use crate::model::profile::{MemorySpec, Policy, Service, ServiceStatus};
    #[derive(Default)]
    struct Group {
        pods: u64,
        alive: u64,
        memory: u64,
        peak: u64,
        cpu: Option<u64>,
    }
    let owner = |ns: &str, pod: &str| -> (String, String) {
        match samples.owners.get(&(ns.to_string(), pod.to_string())) {
            Some((k, n)) => (k.clone(), n.clone()),
            None => {
                let (k, n) = matching::owner_from_pod_name(pod);
                (k.to_string(), n.to_string())
            }
        }
    };
    let key_of = |ns: &str, pod: &str| {
        let (k, n) = owner(ns, pod);
        (ns.to_string(), k, n)
    };
    let mut groups: BTreeMap<(String, String, String), Group> = BTreeMap::new();
    for v in &samples.memory_quantile {
        let g = groups.entry(key_of(&v.namespace, &v.pod)).or_default();
        g.pods += 1;
        g.alive += u64::from(samples.owners.contains_key(&(v.namespace.clone(), v.pod.clone())));
        g.memory = g.memory.max(v.value.0);
    }
    for v in &samples.memory_peak {
        if let Some(g) = groups.get_mut(&key_of(&v.namespace, &v.pod)) {
            g.peak = g.peak.max(v.value.0);
        }
    }
    for v in &samples.cpu_quantile {
        if let Some(g) = groups.get_mut(&key_of(&v.namespace, &v.pod)) {
            g.cpu = Some(g.cpu.unwrap_or(0).max(v.value.0));
        }
    }
    let mut services = Vec::with_capacity(groups.len());
    for ((ns, kind, owner), g) in &groups {
        let clash = groups.keys().filter(|(_, _, o)| o == owner).count() > 1;
        let replicas = if g.alive > 0 { g.alive } else { g.pods };
        let typical = g.memory.max(1);
        services.push(Service {
            name: if clash { format!("{owner}.{ns}") } else { owner.clone() },
            group: ns.clone(),
            status: ServiceStatus::Deployed,
            port: None,
            memory: MemorySpec { typical: Bytes(typical), peak: (g.peak > typical).then_some(Bytes(g.peak)) },
            cpu: g.cpu.map(|c| CpuSpec { typical: Millicores(c), peak: None }),
            replicas: u32::try_from(replicas).unwrap_or(u32::MAX),
            namespace: Some(ns.clone()),
            workload: Some(format!("{kind}/{owner}")),
            selector: Default::default(),
            per_client: None,
            notes: Some(format!(
                "{} pod(s) of {kind}/{owner} in the window ({} at the evaluation time per kube-state-metrics); figures per replica: the largest pod's {} quantile and maximum over {} (step {}) at {}",
                g.pods,
                g.alive,
                spec.quantile,
                spec.window,
                spec.step,
                spec.at_rfc3339()
            )),
            never_live: false,
        });
    }
    services.sort_by(|a, b| (&a.group, &a.name).cmp(&(&b.group, &b.name)));
    Profile {
        name: name.to_string(),
        description: Some(format!(
            "generated by `bizo-plan profile generate` from {} ({}); {} workloads",
            spec.source,
            spec.describe(),
            services.len()
        )),
        policy: Policy::default(),
        host: None,
        system: Default::default(),
        services,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const MI: u64 = 1 << 20;

    /// A deployed service of 100Mi (parsed, so that new profile fields take their defaults).
    fn svc(name: &str) -> Service {
        let text = format!(
            "name: t\nservices:\n  - {{name: {name}, group: core, status: deployed, memory: {{typical: 100Mi}}}}\n"
        );
        crate::source::files::parse_profile(&text, "test").unwrap().services.remove(0)
    }

    fn profile(services: Vec<Service>) -> Profile {
        Profile { name: "t".into(), services, ..Default::default() }
    }

    fn spec() -> Spec {
        Spec {
            source: "Prometheus at http://127.0.0.1:9090".into(),
            quantile: "0.95".into(),
            window: "7d".into(),
            step: "1m".into(),
            at_ms: 1_772_366_400_000,
        }
    }

    fn pv<T>(ns: &str, pod: &str, raw: &str, value: T) -> PodValue<T> {
        PodValue { namespace: ns.into(), pod: pod.into(), raw: raw.into(), value }
    }

    #[test]
    fn queries_are_the_documented_ones() {
        let q = spec().queries();
        assert_eq!(
            q.memory_quantile,
            r#"quantile_over_time(0.95, (sum by (namespace, pod) (container_memory_working_set_bytes{container!="", container!="POD"}))[7d:1m])"#
        );
        assert_eq!(
            q.memory_peak,
            r#"max_over_time((sum by (namespace, pod) (container_memory_working_set_bytes{container!="", container!="POD"}))[7d:1m])"#
        );
        assert_eq!(
            q.cpu_quantile,
            r#"quantile_over_time(0.95, (sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!="", container!="POD"}[5m])))[7d:1m])"#
        );
        assert_eq!(spec().time_param(), "1772366400");
        assert_eq!(Spec { at_ms: 1_772_366_400_250, ..spec() }.time_param(), "1772366400.250");
        assert_eq!(spec().describe(), "0.95 quantile over 7d (step 1m) at 2026-03-01T12:00:00Z");
    }

    #[test]
    fn quantiles_from_0_to_1() {
        for (i, o) in
            [("0.95", "0.95"), (".5", "0.5"), ("1", "1"), ("1.000", "1.000"), ("0", "0"), ("00.99", "0.99")]
        {
            assert_eq!(parse_quantile(i).unwrap(), o, "{i}");
        }
        for bad in ["", ".", "1.01", "2", "-0.5", "95%", "0.9.5", "1e-1", "NaN", "0.", " "] {
            assert!(parse_quantile(bad).is_err(), "{bad:?}");
        }
        assert!(parse_quantile("1.5").unwrap_err().contains("above 1"));
    }

    #[test]
    fn durations_cannot_escape_the_query() {
        assert_eq!(check_duration("7d").unwrap(), "7d");
        assert_eq!(check_duration(" 1h30m ").unwrap(), "1h30m");
        for bad in
            ["", "7d]", "7d:1m", "1h 30m", "5m)[1d", "1.5h", "7days", "d", "5", "5x", "99999999999999999999d"]
        {
            assert!(check_duration(bad).is_err(), "{bad:?}");
        }
        assert_eq!(duration_ms("7d"), Some(604_800_000));
        assert_eq!(duration_ms("1h30m"), Some(5_400_000));
        assert_eq!(duration_ms("1m500ms"), Some(60_500));
        assert_eq!(duration_ms("1y2w"), Some(31_536_000_000 + 1_209_600_000));
        assert_eq!(duration_ms("1d1h"), Some(90_000_000));
        // Prometheus rejects units out of order; that is its to say (bad_data, exit 2).
        assert_eq!(duration_ms("1h1d"), Some(90_000_000));
        assert_eq!(spec().steps(), 10_081);
        assert_eq!(Spec { step: "5m".into(), ..spec() }.steps(), 2017);
        assert!(check_duration("0s").unwrap_err().contains("greater than 0"));
    }

    #[test]
    fn times_in_rfc3339_and_unix_seconds() {
        assert_eq!(parse_time("1772366400").unwrap(), 1_772_366_400_000);
        assert_eq!(parse_time("1772366400.25").unwrap(), 1_772_366_400_250);
        assert_eq!(parse_time("2026-03-01T12:00:00Z").unwrap(), 1_772_366_400_000);
        assert_eq!(parse_time("2026-03-01t13:00:00.5+01:00").unwrap(), 1_772_366_400_500);
        assert_eq!(parse_time("2026-03-01 06:30:00-05:30").unwrap(), 1_772_366_400_000);
        assert_eq!(parse_time("1970-01-01T00:00:00Z").unwrap(), 0);
        assert_eq!(parse_time("2000-02-29T23:59:59Z").unwrap(), 951_868_799_000);
        assert_eq!(parse_time("1969-12-31T23:59:59Z").unwrap(), -1000);
        for bad in [
            "",
            "yesterday",
            "2026-03-01",
            "2026-03-01T12:00:00",
            "2026-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-03-01T24:00:00Z",
            "2026-03-01T12:00:60Z",
            "2026-03-01T12:00:00+1:00",
            "2026-03-01T12:00:00.Z",
            "1.2.3",
            ".5",
            "-5",
        ] {
            assert!(parse_time(bad).is_err(), "{bad:?}");
        }
        for ms in [0, 1, 951_868_799_000, 1_772_366_400_250, -1000, 253_402_300_799_000] {
            assert_eq!(parse_time(&format_rfc3339(ms)).unwrap(), ms, "{}", format_rfc3339(ms));
        }
        assert_eq!(format_rfc3339(253_402_300_799_000), "9999-12-31T23:59:59Z");
        assert_eq!(format_rfc3339(-1000), "1969-12-31T23:59:59Z");
        // Every day of 400 years round-trips through the calendar conversion.
        for d in -146_097..146_097 {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m as u32, dd as u32), d);
        }
    }

    #[test]
    fn rounding_is_up_except_for_float_noise() {
        assert_eq!(round_up(104_857_600.0), Some(104_857_600));
        assert_eq!(round_up(104_857_600.5), Some(104_857_601));
        assert_eq!(round_up(104_857_600.001), Some(104_857_601));
        // One ulp above 104857600 is noise, not a byte.
        assert_eq!(round_up(f64::from_bits(104_857_600f64.to_bits() + 1)), Some(104_857_600));
        assert_eq!(round_up(0.0), Some(0));
        assert_eq!(round_up(0.2), Some(1));
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0, 1e20] {
            assert_eq!(round_up(bad), None, "{bad}");
        }
        assert_eq!(millicores_from(0.0123), Some(Millicores(13)));
        assert_eq!(millicores_from(0.25), Some(Millicores(250)));
        assert_eq!(millicores_from(1.5), Some(Millicores(1500)));
        assert_eq!(millicores_from(0.0000001), Some(Millicores(1)));
        assert_eq!(millicores_from(f64::NAN), None);
        assert_eq!(bytes_from(1.5), Some(Bytes(2)));
    }

    #[test]
    fn controller_suffixes() {
        assert!(is_pod_of(None, "api", "api"));
        assert!(is_pod_of(None, "api", "api-7d9f8b6c5d-x2x9z"));
        assert!(is_pod_of(None, "api", "api-0"));
        assert!(is_pod_of(None, "api", "api-12"));
        assert!(is_pod_of(None, "api", "api-x2x9z"));
        assert!(is_pod_of(None, "backup", "backup-29512345-x2x9z"));
        assert!(!is_pod_of(None, "api", "api-01"));
        assert!(!is_pod_of(None, "api", "api-"));
        assert!(!is_pod_of(None, "api", "apiserver-x2x9z"));
        assert!(!is_pod_of(None, "api", "api-gateway-7d9f8b6c5d-x2x9z"));
        assert!(!is_pod_of(None, "api", "api-gateway-x2x9z"), "vowels are never generated");
        assert!(!is_pod_of(None, "api", "api-x2x9"), "4 characters");
        assert!(!is_pod_of(None, "api", "api-7d9f8b6c5d-x2x9za"));
        assert!(is_pod_of(Some("Deployment"), "api", "api-7d9f8b6c5d-x2x9z"));
        assert!(!is_pod_of(Some("Deployment"), "api", "api-0"));
        assert!(is_pod_of(Some("StatefulSet"), "db", "db-3"));
        assert!(!is_pod_of(Some("StatefulSet"), "db", "db-x2x9z"));
        assert!(is_pod_of(Some("DaemonSet"), "agent", "agent-x2x9z"));
        assert!(!is_pod_of(Some("DaemonSet"), "agent", "agent-7d9f8b6c5d-x2x9z"));
        assert!(is_pod_of(Some("CronJob"), "backup", "backup-29512345-x2x9z"));
        assert!(is_pod_of(Some("Pod"), "one", "one"));
        assert!(!is_pod_of(Some("Pod"), "one", "one-x2x9z"));
    }

    #[test]
    fn the_longest_matching_service_wins() {
        let mut p = profile(vec![svc("api"), svc("api-gateway"), svc("redis"), svc("redis-master")]);
        let m = |p: &Profile, ns: &str, pod: &str| match_pod(p, ns, pod).map(|i| p.services[i].name.clone());
        assert_eq!(m(&p, "a", "api-gateway-7d9f8b6c5d-x2x9z").as_deref(), Some("api-gateway"));
        assert_eq!(m(&p, "a", "api-gateway-x2x9z").as_deref(), Some("api-gateway"));
        assert_eq!(m(&p, "a", "api-7d9f8b6c5d-x2x9z").as_deref(), Some("api"));
        assert_eq!(m(&p, "a", "redis-master-0").as_deref(), Some("redis-master"));
        assert_eq!(m(&p, "a", "redis-0").as_deref(), Some("redis"));
        assert_eq!(m(&p, "a", "coredns-5d78c9869d-q2x8w"), None);
        // The order of the profile does not matter.
        p.services.reverse();
        assert_eq!(m(&p, "a", "api-gateway-7d9f8b6c5d-x2x9z").as_deref(), Some("api-gateway"));
        assert_eq!(m(&p, "a", "api-7d9f8b6c5d-x2x9z").as_deref(), Some("api"));
    }

    #[test]
    fn namespaces_and_workloads_restrict_matching() {
        let mut prod = svc("api-prod");
        prod.namespace = Some("prod".into());
        prod.workload = Some("Deployment/api".into());
        let mut staging = svc("api-staging");
        staging.namespace = Some("staging".into());
        staging.workload = Some("Deployment/api".into());
        let mut anywhere = svc("api");
        anywhere.workload = None;
        let mut db = svc("database");
        db.workload = Some("StatefulSet/postgres".into());
        let p = profile(vec![anywhere, prod, staging, db]);
        let m = |ns: &str, pod: &str| match_pod(&p, ns, pod).map(|i| p.services[i].name.as_str());
        assert_eq!(m("prod", "api-7d9f8b6c5d-x2x9z"), Some("api-prod"), "a namespace beats none");
        assert_eq!(m("staging", "api-7d9f8b6c5d-x2x9z"), Some("api-staging"));
        assert_eq!(m("dev", "api-7d9f8b6c5d-x2x9z"), Some("api"));
        assert_eq!(m("dev", "postgres-0"), Some("database"));
        assert_eq!(m("dev", "database-0"), None, "the workload name, not the service name");
        assert_eq!(m("dev", "postgres-x2x9z"), None, "a StatefulSet's pods have ordinals");
    }

    fn two_service_profile() -> Profile {
        let mut api = svc("api");
        api.memory.peak = Some(Bytes(150 * MI));
        api.cpu = Some(CpuSpec { typical: Millicores(50), peak: Some(Millicores(400)) });
        api.replicas = 2;
        profile(vec![api, svc("worker")])
    }

    #[test]
    fn figures_replace_the_profile_per_replica_as_the_largest_pod() {
        let p = two_service_profile();
        let samples = Samples {
            memory_quantile: vec![
                pv("a", "api-7d9f8b6c5d-x2x9z", "62914560.5", Bytes(62_914_561)),
                pv("a", "api-7d9f8b6c5d-b4c6d", "73400320", Bytes(73_400_320)),
                pv("kube-system", "coredns-5d78c9869d-q2x8w", "1", Bytes(1)),
            ],
            memory_peak: vec![
                pv("a", "api-7d9f8b6c5d-x2x9z", "94371840", Bytes(94_371_840)),
                pv("a", "api-7d9f8b6c5d-b4c6d", "83886080", Bytes(83_886_080)),
            ],
            cpu_quantile: vec![pv("a", "api-7d9f8b6c5d-x2x9z", "0.0123", Millicores(13))],
            warnings: vec!["w".into()],
            ..Samples::default()
        };
        let (out, h) = apply(&p, &spec(), &samples);
        let api = &out.services[0];
        assert_eq!(api.memory.typical, Bytes(73_400_320));
        assert_eq!(api.memory.peak, Some(Bytes(94_371_840)));
        assert_eq!(api.cpu, Some(CpuSpec { typical: Millicores(13), peak: Some(Millicores(400)) }));
        assert_eq!(api.replicas, 2, "figures are per replica");
        assert_eq!(out.services[1], p.services[1], "worker has no pods: unchanged");
        assert_eq!(h.status, "ok");
        assert_eq!(h.services.len(), 1);
        assert_eq!(h.services[0].pods.len(), 2);
        assert_eq!(h.services[0].memory.as_ref().unwrap().bytes, 73_400_320);
        assert_eq!(h.services[0].profile_memory.bytes, 100 * MI);
        assert_eq!(h.without_figures, vec!["worker"]);
        assert_eq!(h.unmatched_pods, vec!["kube-system/coredns-5d78c9869d-q2x8w"]);
        assert_eq!(h.warnings, vec!["w"]);
        assert!(h.summary().contains("1 service(s) sized from it (api)"), "{}", h.summary());
        assert!(h.summary().contains("no figures for 1 (profile figures kept): worker"));
        let ex = crate::report::history::explain(&h);
        assert_eq!(ex.len(), 3);
        assert_eq!(ex[0].figure, "history.api.memory");
        assert!(
            ex[0].arithmetic.contains("the largest of 2 pod(s)' quantile_over_time(0.95)")
                && ex[0]
                    .arithmetic
                    .contains("a/api-7d9f8b6c5d-b4c6d (Prometheus 73400320 -> 73400320) = 70Mi"),
            "{}",
            ex[0].arithmetic
        );
        assert!(ex[2].arithmetic.contains("0.0123 -> 13) = 13m"), "{}", ex[2].arithmetic);
    }

    #[test]
    fn kube_state_metrics_owners_match_pods_as_the_live_cluster_does() {
        // The pod's name says api; kube-state-metrics says Deployment/payments owns it.
        let mut payments = svc("payments");
        payments.workload = Some("Deployment/payments".into());
        let p = profile(vec![svc("api"), payments]);
        let pod = "api-7d9f8b6c5d-x2x9z";
        let mut samples =
            Samples { memory_quantile: vec![pv("a", pod, "1", Bytes(MI))], ..Samples::default() };
        let (_, h) = apply(&p, &spec(), &samples);
        assert_eq!(h.services[0].name, "api");
        assert!(
            h.matching
                .as_deref()
                .unwrap()
                .starts_with("1 pod(s) matched by pod name only: no kube-state-metrics")
        );
        samples.owners.insert(("a".into(), pod.into()), ("Deployment".into(), "payments".into()));
        let (_, h) = apply(&p, &spec(), &samples);
        assert_eq!(h.services[0].name, "payments");
        assert_eq!(
            h.matching.as_deref(),
            Some(
                "1 pod(s) matched by owner or labels (kube-state-metrics), 0 by pod name only (no kube_pod_owner series at the evaluation time)"
            )
        );
        assert!(h.summary().contains("1 pod(s) matched by owner or labels"));
    }

    #[test]
    fn a_profile_from_history_alone_has_one_service_per_owner() {
        let samples = Samples {
            memory_quantile: vec![
                pv("shop", "api-7d9f8b6c5d-x2x9z", "1", Bytes(100 * MI)),
                pv("shop", "api-7d9f8b6c5d-b4c6d", "1", Bytes(120 * MI)),
                pv("data", "postgres-0", "1", Bytes(300 * MI)),
                pv("web", "api-5c8d7b9f4d-q2w4z", "1", Bytes(10 * MI)),
            ],
            memory_peak: vec![pv("shop", "api-7d9f8b6c5d-x2x9z", "1", Bytes(200 * MI))],
            cpu_quantile: vec![pv("data", "postgres-0", "0.25", Millicores(250))],
            owners: [(
                ("data".to_string(), "postgres-0".to_string()),
                ("StatefulSet".to_string(), "postgres".to_string()),
            )]
            .into(),
            ..Samples::default()
        };
        let p = generate_profile("from-history", &spec(), &samples);
        let names: Vec<&str> = p.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["postgres", "api.shop", "api.web"]);
        let api = &p.services[1];
        assert_eq!(
            (api.memory.typical, api.memory.peak, api.replicas),
            (Bytes(120 * MI), Some(Bytes(200 * MI)), 2)
        );
        assert_eq!(api.workload.as_deref(), Some("Deployment/api"));
        assert_eq!(p.services[0].replicas, 1);
        assert_eq!(p.services[0].cpu, Some(CpuSpec { typical: Millicores(250), peak: None }));
        assert_eq!(p.validate(), vec![]);
        // Its own history matches every pod back to its service.
        let (_, h) = apply(&p, &spec(), &samples);
        assert!(h.unmatched_pods.is_empty(), "{:?}", h.unmatched_pods);
        assert_eq!(h.services.len(), 3);
    }

    #[test]
    fn peak_never_below_typical_and_an_old_cpu_peak_below_the_new_typical_is_dropped() {
        let p = two_service_profile();
        let samples = Samples {
            memory_quantile: vec![pv("a", "api-0", "5", Bytes(200 * MI))],
            memory_peak: vec![],
            cpu_quantile: vec![pv("a", "api-0", "0.5", Millicores(500))],
            warnings: vec![],
            ..Samples::default()
        };
        let (out, h) = apply(&p, &spec(), &samples);
        assert_eq!(out.services[0].memory.typical, Bytes(200 * MI));
        assert_eq!(out.services[0].memory.peak, None, "the profile's 150Mi peak is below 200Mi");
        assert_eq!(out.services[0].cpu, Some(CpuSpec { typical: Millicores(500), peak: None }));
        assert_eq!(h.services[0].memory_peak, None);
        assert_eq!(out.validate(), vec![]);
    }

    #[test]
    fn unavailable_prometheus_keeps_every_profile_figure_and_says_why() {
        let p = two_service_profile();
        let h = HistoryReport::unavailable(
            &spec(),
            &p,
            "Prometheus at http://x:9090: unreachable (refused)".into(),
        );
        assert_eq!(h.status, "unavailable");
        assert_eq!(h.without_figures, vec!["api", "worker"]);
        assert_eq!(
            h.summary(),
            "Prometheus at http://x:9090: unreachable (refused); planning from the profile's figures"
        );
    }
}
