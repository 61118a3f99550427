//! The Prometheus source (Prometheus, Thanos, Mimir, VictoriaMetrics: the same HTTP API behind a
//! path prefix): a cheap cardinality query sizes the read, the three figure queries are sent per
//! shard ([`crate::source::shard`]) by POST (`application/x-www-form-urlencoded`), a bounded number
//! at a time, split again when refused as too large or too slow, and merged into raw per-pod
//! values ([`Samples`]) that [`crate::analysis::history::apply`] turns into per-service figures.
//!
//! The parsing and classification of answers are pure and always built; fetching (hyper, tokio)
//! needs the `cluster` feature. Credentials (the URL's user information as basic auth, a bearer
//! token file, header values) are sent and never shown: reports, errors and logs name the URL
//! without user information and headers by name only.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::analysis::history::{self, PodValue, Samples};

/// Where Prometheus is, as given: the base URL without user information (shown), and the
/// basic-authentication header value made from it (never shown).
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `scheme://host[:port][/path]`, no user information, no trailing `/`.
    pub base: String,
    /// Whether the scheme is https.
    pub https: bool,
    /// `Basic ...` from the URL's user information, or `Bearer ...` from a token file.
    pub authorization: Option<String>,
    /// Extra headers (`--prometheus-header`), name and value; values never shown.
    pub headers: Vec<(String, String)>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("base", &self.base)
            .field("https", &self.https)
            .field("authorization", &self.authorization.as_ref().map(|_| "<redacted>"))
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| format!("{n}: <redacted>")).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Parses `--prometheus URL`: `http://` or `https://`, a host, an optional port and path prefix
/// (`http://host/prometheus`), optional `user:password@` (percent-encoded); no query or fragment.
pub fn endpoint(url: &str) -> Result<Endpoint, String> {
    let t = url.trim();
    let (scheme, rest) = t.split_once("://").ok_or_else(|| {
        "expected an http:// or https:// URL, e.g. http://prometheus.monitoring:9090".to_string()
    })?;
    let https = match scheme.to_ascii_lowercase().as_str() {
        "http" => false,
        "https" => true,
        _ => return Err(format!("scheme {scheme:?}: expected http or https")),
    };
    if rest.contains(['?', '#']) || rest.chars().any(char::is_whitespace) {
        return Err("a base URL has no query, fragment or spaces (e.g. http://host:9090/prefix)".into());
    }
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let (userinfo, host) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    if !valid_host(host) {
        return Err("expected a host name or address and an optional port after the scheme".into());
    }
    if path.contains('@') {
        // An unencoded `/` in a password would otherwise put the rest of it in the shown path.
        return Err("'@' after the host: percent-encode '/' and '@' in user:password as %2F and %40".into());
    }
    let authorization = userinfo.map(|u| {
        let (user, password) = u.split_once(':').unwrap_or((u, ""));
        let plain = format!("{}:{}", percent_decode(user), percent_decode(password));
        format!("Basic {}", base64(plain.as_bytes()))
    });
    let path = path.trim_end_matches('/');
    let base = if path.is_empty() {
        format!("{}://{host}", scheme.to_ascii_lowercase())
    } else {
        format!("{}://{host}/{path}", scheme.to_ascii_lowercase())
    };
    Ok(Endpoint { base, https, authorization, headers: Vec::new() })
}

/// Parses `--prometheus-header 'Name: value'`. The error never repeats the value (it may be a
/// credential); headers bizo-plan sets itself cannot be overridden.
pub fn parse_header(s: &str) -> Result<(String, String), String> {
    let Some((name, value)) = s.split_once(':') else {
        return Err("expected 'Name: value', e.g. 'X-Scope-OrgID: tenant-1'".into());
    };
    let name = name.trim();
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        return Err(
            "expected 'Name: value' with a header name of letters, digits and - (e.g. X-Scope-OrgID)".into(),
        );
    }
    let lower = name.to_ascii_lowercase();
    if ["host", "content-type", "content-length", "transfer-encoding", "connection"].contains(&lower.as_str())
    {
        return Err(format!("{name}: set by bizo-plan itself, not a header to give"));
    }
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b)) {
        return Err(format!("{name}: the value must be non-empty printable ASCII (not shown here)"));
    }
    Ok((name.to_string(), value.to_string()))
}

/// The DER certificates of a PEM bundle (`--prometheus-ca-file`): every `CERTIFICATE` block.
pub fn pem_certificates(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("-----BEGIN CERTIFICATE-----") {
        let body = &rest[at + "-----BEGIN CERTIFICATE-----".len()..];
        let end = body.find("-----END CERTIFICATE-----").ok_or("a CERTIFICATE block without its END line")?;
        let b64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
        out.push(base64_decode(&b64).ok_or(format!("certificate {} is not valid base64", out.len() + 1))?);
        rest = &body[end..];
    }
    if out.is_empty() {
        return Err("no PEM certificate (-----BEGIN CERTIFICATE-----) in it".into());
    }
    Ok(out)
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let s = s.trim_end_matches('=').as_bytes();
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= u32::from(val(c)?) << (18 - 6 * i);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    Some(out)
}

/// `name[:port]` or `[v6-address][:port]`: a name of letters, digits, `.`, `-` and `_`; a port of
/// 1 to 5 digits.
fn valid_host(h: &str) -> bool {
    let port_ok = |p: &str| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    if let Some(v6) = h.strip_prefix('[') {
        let Some((addr, rest)) = v6.split_once(']') else { return false };
        let addr_ok =
            !addr.is_empty() && addr.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        return addr_ok && (rest.is_empty() || rest.strip_prefix(':').is_some_and(port_ok));
    }
    let (name, port) = match h.rsplit_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (h, None),
    };
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
        && port.is_none_or(port_ok)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) =
                (b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn base64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Percent-encodes a query parameter value (everything but `A-Z a-z 0-9 - . _ ~`).
pub fn encode_query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The form body of one instant query (`POST /api/v1/query`, `application/x-www-form-urlencoded`).
pub fn form_body(query: &str, time: &str, timeout_secs: u64) -> String {
    format!("query={}&time={}&timeout={timeout_secs}s", encode_query_value(query), encode_query_value(time))
}

/// The form body of one range query (`POST /api/v1/query_range`).
pub fn range_form_body(query: &str, start: &str, end: &str, step: &str, timeout_secs: u64) -> String {
    format!(
        "query={}&start={}&end={}&step={}&timeout={timeout_secs}s",
        encode_query_value(query),
        encode_query_value(start),
        encode_query_value(end),
        encode_query_value(step)
    )
}

/// Why Prometheus could not be read (for one query, or the whole read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No connection: refused, DNS, TLS.
    Unreachable(String),
    /// No complete answer within `--prometheus-timeout`.
    Timeout(u64),
    /// An HTTP error status that is not a Prometheus API error (a proxy, 401, 404, ...).
    Status(u16, String),
    /// Prometheus could not run the query (`execution`, `timeout`, `internal`, ... errors), or
    /// answered something that is not an instant vector.
    Query(String),
    /// Prometheus rejected the query as malformed (`bad_data`, HTTP 400): bad input.
    Rejected(String),
    /// Refused as too large or too slow (422 too many samples, a timeout, 503, 504, 413, 414):
    /// a smaller query may pass. Holds the failure as classified otherwise.
    TooLarge(Box<Failure>),
}

impl Failure {
    /// The message for reports: `Prometheus at URL: unreachable (...)`.
    pub fn message(&self, source: &str) -> String {
        match self {
            Failure::Unreachable(d) => format!("{source}: unreachable ({d})"),
            Failure::Timeout(s) => {
                format!("{source}: timeout (no complete answer within {s}s, --prometheus-timeout)")
            }
            Failure::Status(code, d) if d.is_empty() => format!("{source}: HTTP status {code}"),
            Failure::Status(code, d) => format!("{source}: HTTP status {code} ({d})"),
            Failure::Query(d) => format!("{source}: query error ({d})"),
            Failure::Rejected(d) => format!("{source} rejected the query: {d}"),
            Failure::TooLarge(f) => f.message(source),
        }
    }

    /// Whether a smaller query may pass.
    pub fn too_large(&self) -> bool {
        matches!(self, Failure::TooLarge(_) | Failure::Timeout(_))
    }

    /// The failure as reported, without the "too large" wrapper.
    pub fn into_plain(self) -> Failure {
        match self {
            Failure::TooLarge(f) => *f,
            f => f,
        }
    }

    /// Which failure wins when the three queries fail differently: bad input first (it is the
    /// user's to fix), then the most specific.
    fn rank(&self) -> u8 {
        match self {
            Failure::Rejected(_) => 5,
            Failure::Query(_) | Failure::TooLarge(_) => 4,
            Failure::Status(..) => 3,
            Failure::Timeout(_) => 2,
            Failure::Unreachable(_) => 1,
        }
    }
}

#[derive(Deserialize)]
struct Answer<D> {
    status: String,
    #[serde(default = "Option::default")]
    data: Option<D>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    result_type: String,
    #[serde(default)]
    result: serde_json::Value,
}

#[derive(Deserialize)]
struct VectorItem {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    value: (serde_json::Value, String),
}

/// One answered instant vector: `(namespace, pod, value text)` per series, and warnings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vector {
    /// Series with both labels.
    pub items: Vec<(String, String, String)>,
    /// Prometheus' warnings, and series skipped for lack of a namespace or pod label.
    pub warnings: Vec<String>,
}

/// An answered instant vector with every label: `(labels, value text)` per series.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelledVector {
    /// The series.
    pub items: Vec<(BTreeMap<String, String>, String)>,
    /// The backend's warnings.
    pub warnings: Vec<String>,
}

/// Whether an execution error says a limit was hit (samples, series, points, memory, time):
/// Prometheus' "query processing would load too many samples into memory", Mimir's and
/// Thanos' "exceeded the limit", VictoriaMetrics' "cannot select more than ... samples".
fn limit_text(e: &str) -> bool {
    let e = e.to_ascii_lowercase();
    ["too many", "limit", "exceed", "cannot select more than", "max samples", "timed out", "timeout"]
        .iter()
        .any(|w| e.contains(w))
}

/// The data of a successful answer and its warnings, or why there is none.
fn answer_data<D: serde::de::DeserializeOwned>(
    status: u16,
    body: &[u8],
) -> Result<(D, Vec<String>), Failure> {
    let snippet = || {
        let s: String = String::from_utf8_lossy(body).chars().take(200).collect();
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    // A gateway's timeout, an overloaded backend, a request too long: smaller may pass.
    let large_status = |code: u16| [413, 414, 431, 503, 504].contains(&code);
    let answer: Answer<D> = match serde_json::from_slice(body) {
        Ok(a) => a,
        Err(e) if (200..300).contains(&status) => {
            return Err(Failure::Query(format!("not a Prometheus API answer ({} bytes): {e}", body.len())));
        }
        Err(_) if large_status(status) => {
            return Err(Failure::TooLarge(Box::new(Failure::Status(status, snippet()))));
        }
        Err(_) => return Err(Failure::Status(status, snippet())),
    };
    if answer.status != "success" {
        let kind = answer.error_type.unwrap_or_else(|| "error".into());
        let mut error = answer.error.unwrap_or_default();
        if error.chars().count() > 400 {
            // VictoriaMetrics repeats the whole query in its errors.
            error = error.chars().take(400).collect::<String>() + "...";
        }
        if kind == "bad_data" {
            return Err(Failure::Rejected(format!("{kind}: {error}")));
        }
        let f = Failure::Query(format!("HTTP {status}, {kind}: {error}"));
        let large = kind == "timeout" || large_status(status) || (status == 422 && limit_text(&error));
        return Err(if large { Failure::TooLarge(Box::new(f)) } else { f });
    }
    if !(200..300).contains(&status) {
        return Err(Failure::Status(status, snippet()));
    }
    let data = answer.data.ok_or_else(|| Failure::Query("a success answer without data".into()))?;
    Ok((data, answer.warnings))
}

/// Classifies one HTTP answer of `/api/v1/query`: an instant vector with its labels, or why not.
pub fn parse_labelled(status: u16, body: &[u8]) -> Result<LabelledVector, Failure> {
    let (data, warnings): (Data, _) = answer_data(status, body)?;
    if data.result_type != "vector" {
        return Err(Failure::Query(format!("expected an instant vector, got a {}", data.result_type)));
    }
    let items: Vec<VectorItem> = serde_json::from_value(data.result)
        .map_err(|e| Failure::Query(format!("malformed vector result: {e}")))?;
    Ok(LabelledVector { items: items.into_iter().map(|it| (it.metric, it.value.1)).collect(), warnings })
}

/// A sample value as Prometheus writes it (a string: `"12.5"`, `"NaN"`, `"+Inf"`), parsed
/// while the answer is read (an unparsable one is NaN, skipped and counted later).
struct Value(f64);

impl<'de> Deserialize<'de> for Value {
    fn deserialize<De: serde::Deserializer<'de>>(d: De) -> Result<Value, De::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Value;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a sample value")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Value, E> {
                Ok(Value(v.parse().unwrap_or(f64::NAN)))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
                Ok(Value(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Value, E> {
                Ok(Value(v as f64))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Value, E> {
                Ok(Value(v as f64))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RangeData {
    result_type: String,
    #[serde(default)]
    result: Vec<MatrixItem>,
}

#[derive(Deserialize)]
struct MatrixItem {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, Value)>,
}

/// One series of a range answer: its labels and `(unix ms, value)` points (NaN where the
/// value was not a number).
pub type Series = (BTreeMap<String, String>, Vec<(i64, f64)>);

/// An answered range query: per series its labels and points, 16 bytes each: the answer's
/// text and a JSON tree of it are never held.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Matrix {
    /// The series.
    pub series: Vec<Series>,
    /// The backend's warnings.
    pub warnings: Vec<String>,
}

/// Classifies one HTTP answer of `/api/v1/query_range`: a matrix, or why not.
pub fn parse_matrix(status: u16, body: &[u8]) -> Result<Matrix, Failure> {
    let (data, warnings): (RangeData, _) = answer_data(status, body)?;
    if data.result_type != "matrix" {
        return Err(Failure::Query(format!("expected a range matrix, got a {}", data.result_type)));
    }
    Ok(Matrix {
        series: data
            .result
            .into_iter()
            .map(|it| {
                (it.metric, it.values.into_iter().map(|(t, v)| ((t * 1000.0).round() as i64, v.0)).collect())
            })
            .collect(),
        warnings,
    })
}

/// Classifies one HTTP answer of a figure query: an instant vector of pods, or why not.
pub fn parse_answer(status: u16, body: &[u8]) -> Result<Vector, Failure> {
    let v = parse_labelled(status, body)?;
    let mut out = Vector { items: Vec::with_capacity(v.items.len()), warnings: v.warnings };
    let mut unlabelled = 0;
    for (mut metric, value) in v.items {
        match (metric.remove("namespace"), metric.remove("pod")) {
            (Some(ns), Some(pod)) if !pod.is_empty() => out.items.push((ns, pod, value)),
            _ => unlabelled += 1,
        }
    }
    if unlabelled > 0 {
        out.warnings.push(format!("{unlabelled} series without a namespace or pod label skipped"));
    }
    Ok(out)
}

/// Counts per label value from a cardinality answer (`count by (namespace) (...)`): `(value of
/// each of `labels`, count)`, sorted; series without the labels or with a count that is not a
/// whole number are left out.
pub fn counts(v: &LabelledVector, labels: &[&str]) -> Vec<(Vec<String>, u64)> {
    let mut out: Vec<(Vec<String>, u64)> = v
        .items
        .iter()
        .filter_map(|(m, value)| {
            let key: Option<Vec<String>> = labels.iter().map(|l| m.get(*l).cloned()).collect();
            let n = value.trim().parse::<f64>().ok().filter(|n| n.is_finite() && *n >= 0.0)?;
            Some((key?, n.ceil() as u64))
        })
        .collect();
    out.sort();
    out
}

/// Converts a vector's values with `convert` (rounding up to whole units); NaN, infinite and
/// negative values are skipped with a warning naming the pod.
pub fn values<T>(
    v: Vector,
    what: &str,
    convert: fn(f64) -> Option<T>,
    warnings: &mut Vec<String>,
) -> Vec<PodValue<T>> {
    warnings.extend(v.warnings.into_iter().map(|w| format!("{what}: {w}")));
    let mut out = Vec::with_capacity(v.items.len());
    for (namespace, pod, raw) in v.items {
        match raw.trim().parse::<f64>().ok().and_then(convert) {
            Some(value) => out.push(PodValue { namespace, pod, raw, value }),
            None => warnings.push(format!("{what} of {namespace}/{pod} is {raw}: skipped")),
        }
    }
    out
}

/// The three answers (memory quantile, memory peak, cpu quantile) as core samples.
pub fn samples(memory: Vector, peak: Vector, cpu: Vector) -> Samples {
    let mut warnings = Vec::new();
    let memory_quantile = values(memory, "memory quantile", history::bytes_from, &mut warnings);
    let memory_peak = values(peak, "memory peak", history::bytes_from, &mut warnings);
    let cpu_quantile = values(cpu, "cpu quantile", history::millicores_from, &mut warnings);
    Samples { memory_quantile, memory_peak, cpu_quantile, warnings, ..Samples::default() }
}

/// Top owners per pod from kube-state-metrics' answers (`kube_pod_owner`, `kube_replicaset_owner`):
/// a ReplicaSet owned by a Deployment becomes the Deployment, a pod without an owner
/// (`<none>`) is its own (`Pod`), as the live cluster's top owner.
pub fn owners(
    pods: &LabelledVector,
    replicasets: &LabelledVector,
) -> BTreeMap<(String, String), (String, String)> {
    let get = |m: &BTreeMap<String, String>, k: &str| m.get(k).cloned().unwrap_or_default();
    let rs: BTreeMap<(String, String), (String, String)> = replicasets
        .items
        .iter()
        .map(|(m, _)| {
            ((get(m, "namespace"), get(m, "replicaset")), (get(m, "owner_kind"), get(m, "owner_name")))
        })
        .collect();
    let mut out = BTreeMap::new();
    for (m, _) in &pods.items {
        let (ns, pod, kind, name) =
            (get(m, "namespace"), get(m, "pod"), get(m, "owner_kind"), get(m, "owner_name"));
        if ns.is_empty() || pod.is_empty() {
            continue;
        }
        let owner = match kind.as_str() {
            "" | "<none>" => ("Pod".to_string(), pod.clone()),
            "ReplicaSet" => match rs.get(&(ns.clone(), name.clone())) {
                Some((k, n)) if k == "Deployment" && !n.is_empty() => (k.clone(), n.clone()),
                _ => (kind, name),
            },
            _ => (kind, name),
        };
        out.insert((ns, pod), owner);
    }
    out
}

/// `kube_pod_labels` per pod: the `label_*` labels.
pub fn pod_labels(v: &LabelledVector) -> BTreeMap<(String, String), BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (m, _) in &v.items {
        let (Some(ns), Some(pod)) = (m.get("namespace"), m.get("pod")) else { continue };
        let labels: BTreeMap<String, String> =
            m.iter().filter(|(k, _)| k.starts_with("label_")).map(|(k, v)| (k.clone(), v.clone())).collect();
        out.insert((ns.clone(), pod.clone()), labels);
    }
    out
}

/// The first failure by [`Failure::rank`], if any of the three failed.
pub fn worst(results: [&Result<Vector, Failure>; 3]) -> Option<Failure> {
    results.into_iter().filter_map(|r| r.as_ref().err()).max_by_key(|f| f.rank()).cloned()
}

#[cfg(feature = "cluster")]
pub use fetch::*;

#[cfg(feature = "cluster")]
mod fetch {
    use std::collections::{BTreeMap, VecDeque};
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use futures::StreamExt;
    use futures::stream::FuturesUnordered;
    use http_body_util::{BodyExt, Full, Limited};
    use hyper::body::Bytes;
    use hyper_util::client::legacy::Client;
    use hyper_util::client::legacy::connect::{Connect, HttpConnector};
    use hyper_util::rt::TokioExecutor;
    use kube::client::ConfigExt;

    use super::{Endpoint, Failure, LabelledVector, Vector};
    use crate::analysis::history::{self, HistoryReport, ReadStats, Samples, Spec};
    use crate::error::{InputError, Unreachable};
    use crate::model::profile::Profile;
    use crate::source::shard::{self, Budget, Pattern, Shard};

    /// The largest answer read (a cluster's pods over the window; far above what one needs).
    const MAX_BODY: usize = 256 << 20;
    /// How many times one shard may be split in two after refusals.
    const MAX_SPLIT_DEPTH: u32 = 10;
    /// Splits over the whole read at most (a bound on the queries a refusing server can cause).
    const MAX_SPLITS: u64 = 512;
    /// Attempts of one query after transient errors (502, 500, a connection reset).
    const ATTEMPTS: u32 = 3;

    /// What `--prometheus` and its flags ask for.
    #[derive(Clone)]
    pub struct Options {
        /// `--prometheus`, as given (may carry user information).
        pub url: String,
        /// `--quantile`, checked.
        pub quantile: String,
        /// `--window`, checked.
        pub window: String,
        /// `--step`, checked.
        pub step: String,
        /// `--at`, or now; unix milliseconds.
        pub at_ms: i64,
        /// `--prometheus-timeout`: each query must have answered within it.
        pub timeout: Duration,
        /// `--require-prometheus`: a Prometheus that cannot be read is exit 3.
        pub require: bool,
        /// `--prometheus-max-samples`: the sample budget of one query.
        pub max_samples: u64,
        /// `--prometheus-concurrency`: queries in flight at most.
        pub concurrency: usize,
        /// `--prometheus-header`, as given (`Name: value`).
        pub headers: Vec<String>,
        /// `--prometheus-bearer-token-file`.
        pub bearer_token_file: Option<PathBuf>,
        /// `--prometheus-ca-file`.
        pub ca_file: Option<PathBuf>,
    }

    impl std::fmt::Debug for Options {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Options")
                .field("url", &super::endpoint(&self.url).map(|e| e.base).unwrap_or_default())
                .field("window", &self.window)
                .field("step", &self.step)
                .field("max_samples", &self.max_samples)
                .field("concurrency", &self.concurrency)
                .field("headers", &self.headers.len())
                .finish_non_exhaustive()
        }
    }

    impl Options {
        /// Default options for `url` (the flags' defaults).
        pub fn new(url: &str, at_ms: i64) -> Options {
            Options {
                url: url.to_string(),
                quantile: "0.95".into(),
                window: "7d".into(),
                step: "1m".into(),
                at_ms,
                timeout: Duration::from_secs(30),
                require: false,
                max_samples: 10_000_000,
                concurrency: 4,
                headers: Vec::new(),
                bearer_token_file: None,
                ca_file: None,
            }
        }

        fn spec(&self, ep: &Endpoint) -> Spec {
            Spec {
                source: format!("Prometheus at {}", ep.base),
                quantile: self.quantile.clone(),
                window: self.window.clone(),
                step: self.step.clone(),
                at_ms: self.at_ms,
            }
        }
    }

    /// The endpoint with its credentials and headers, from the options (files read here).
    pub fn endpoint_for(opts: &Options) -> anyhow::Result<Endpoint> {
        let mut ep =
            super::endpoint(&opts.url).map_err(|e| InputError::Usage(format!("--prometheus: {e}")))?;
        for h in &opts.headers {
            ep.headers.push(
                super::parse_header(h).map_err(|e| InputError::Usage(format!("--prometheus-header: {e}")))?,
            );
        }
        if let Some(path) = &opts.bearer_token_file {
            if ep.authorization.is_some() {
                return Err(InputError::Usage(
                    "--prometheus-bearer-token-file: the URL already has user:password@ (basic auth); give one of them".into(),
                )
                .into());
            }
            let flag = format!("--prometheus-bearer-token-file {}", path.display());
            let text =
                std::fs::read_to_string(path).map_err(|e| InputError::Usage(format!("{flag}: {e}")))?;
            let token = text.trim();
            if token.is_empty() || !token.bytes().all(|b| (b'!'..=b'~').contains(&b)) {
                return Err(InputError::Usage(format!(
                    "{flag}: expected one token of printable characters (the file's content is not shown)"
                ))
                .into());
            }
            ep.authorization = Some(format!("Bearer {token}"));
        }
        if ep.authorization.is_some()
            && ep.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        {
            return Err(InputError::Usage(
                "--prometheus-header Authorization: the credentials are already given (URL or token file)"
                    .into(),
            )
            .into());
        }
        Ok(ep)
    }

    /// The raw per-pod values of the three figures, read in shards, and how the read went.
    pub struct Read {
        /// The values (NaN and infinite values skipped with a warning).
        pub samples: Samples,
        /// How the read was split.
        pub stats: ReadStats,
    }

    /// Reads the history and applies it to `profile`. A Prometheus that cannot be read gives the
    /// profile unchanged and a report that says why (or exit 3 with `--require-prometheus`); a
    /// query Prometheus rejects as malformed is bad input (exit 2).
    pub fn read_history(opts: &Options, profile: &Profile) -> anyhow::Result<(Profile, HistoryReport)> {
        let ep = endpoint_for(opts)?;
        let spec = opts.spec(&ep);
        match read_samples(opts, &ep)? {
            Ok(read) => {
                let (p, mut report) = history::apply(profile, &spec, &read.samples);
                report.read = Some(read.stats);
                Ok((p, report))
            }
            Err(msg) => Ok((profile.clone(), HistoryReport::unavailable(&spec, profile, msg))),
        }
    }

    /// Reads the raw per-pod values. `Ok(Err(message))` when the backend cannot be read and
    /// planning should go on without it (a warning is printed); `Err` for bad input, and for
    /// any failure with `--require-prometheus`.
    pub fn read_samples(opts: &Options, ep: &Endpoint) -> anyhow::Result<Result<Read, String>> {
        let spec = opts.spec(ep);
        match on_client(ep, opts, SampleRead { ep, spec: &spec, opts })? {
            Ok(r) => Ok(Ok(r)),
            Err(Failure::Rejected(e)) => Err(InputError::Usage(format!(
                "{} rejected the query: {e} (check --window {}, --step {} and --quantile {})",
                spec.source, spec.window, spec.step, spec.quantile
            ))
            .into()),
            Err(f) if opts.require => {
                Err(Unreachable(format!("--require-prometheus: {}", f.message(&spec.source))).into())
            }
            Err(f) => {
                let msg = f.message(&spec.source);
                eprintln!("bizo-plan: warning: {msg}; planning from the profile's figures");
                Ok(Err(msg))
            }
        }
    }

    /// A read that runs on a client of any connector (`http://` or `https://`).
    trait OnClient {
        type Out;
        async fn run<C: Connect + Clone + Send + Sync + 'static>(
            self,
            client: &Client<C, Full<Bytes>>,
        ) -> Result<Self::Out, Failure>;
    }

    /// `read_samples`' read.
    struct SampleRead<'a> {
        ep: &'a Endpoint,
        spec: &'a Spec,
        opts: &'a Options,
    }

    impl OnClient for SampleRead<'_> {
        type Out = Read;
        async fn run<C: Connect + Clone + Send + Sync + 'static>(
            self,
            client: &Client<C, Full<Bytes>>,
        ) -> Result<Read, Failure> {
            read(client, self.ep, self.spec, self.opts).await
        }
    }

    /// `read_usage`'s read.
    struct UsageRead<'a> {
        ep: &'a Endpoint,
        spec: &'a Spec,
        opts: &'a Options,
    }

    impl OnClient for UsageRead<'_> {
        type Out = (crate::source::usage::RawUsage, UsageStats);
        async fn run<C: Connect + Clone + Send + Sync + 'static>(
            self,
            client: &Client<C, Full<Bytes>>,
        ) -> Result<Self::Out, Failure> {
            read_usage_with(client, self.ep, self.spec, self.opts).await
        }
    }

    /// Runs `read` on a runtime of its own with a client for `ep`: TLS (trusting
    /// `--prometheus-ca-file` where given) for https://, plain for http:// (where a CA file is
    /// a mistake, said as such).
    fn on_client<R: OnClient>(
        ep: &Endpoint,
        opts: &Options,
        read: R,
    ) -> anyhow::Result<Result<R::Out, Failure>> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| anyhow::anyhow!("starting the runtime: {e}"))?;
        Ok(runtime.block_on(async {
            if ep.https {
                let https = https_connector(ep, opts.ca_file.as_deref())?;
                read.run(&Client::builder(TokioExecutor::new()).build(https)).await
            } else if opts.ca_file.is_some() {
                Err(Failure::Unreachable(
                    "--prometheus-ca-file is given but the URL is http://, not https://".into(),
                ))
            } else {
                read.run(&Client::builder(TokioExecutor::new()).build(HttpConnector::new())).await
            }
        }))
    }

    /// How right-sizing's read went.
    #[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct UsageStats {
        /// Queries sent.
        pub queries: u64,
        /// Shards of the range queries.
        pub shards: u64,
        /// Memory series counted at the end of the window.
        pub series: u64,
        /// Points per series (window / step + 1).
        pub steps: u64,
        /// Points received over all range answers.
        pub points: u64,
        /// Wall time of the whole read, milliseconds.
        pub elapsed_ms: u64,
    }

    /// Right-sizing's read: the per-container series over `[at - window, at]` at `step` and
    /// kube-state-metrics' resources, owners and autoscalers ([`crate::source::usage`]). A
    /// backend that cannot be read is an error (exit 3): there is nothing to right-size from.
    pub fn read_usage(opts: &Options) -> anyhow::Result<(crate::source::usage::RawUsage, UsageStats)> {
        let ep = endpoint_for(opts)?;
        let spec = opts.spec(&ep);
        let started = Instant::now();
        match on_client(&ep, opts, UsageRead { ep: &ep, spec: &spec, opts })? {
            Ok((raw, mut stats)) => {
                stats.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                Ok((raw, stats))
            }
            Err(Failure::Rejected(e)) => Err(InputError::Usage(format!(
                "{} rejected the query: {e} (check --window {} and --step {})",
                spec.source, spec.window, spec.step
            ))
            .into()),
            Err(f) => Err(Unreachable(f.message(&spec.source)).into()),
        }
    }

    /// Points per series of one range query at most (Prometheus refuses more than 11,000).
    const MAX_POINTS: i64 = 10_000;
    /// Points (series x steps) of one range answer at most.
    const MAX_RANGE_POINTS: u64 = 2_000_000;

    /// Which series a range query is for.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum RangeKind {
        Memory,
        Cpu,
        Oom,
        Throttled,
    }

    async fn read_usage_with<C: Connect + Clone + Send + Sync + 'static>(
        client: &Client<C, Full<Bytes>>,
        ep: &Endpoint,
        spec: &Spec,
        opts: &Options,
    ) -> Result<(crate::source::usage::RawUsage, UsageStats), Failure> {
        use crate::source::usage as q;
        let time = spec.time_param();
        let window_ms = history::duration_ms(&spec.window).unwrap_or(0) as i64;
        let step_ms = history::duration_ms(&spec.step).unwrap_or(60_000).max(1) as i64;
        let time_of = |ms: i64| Spec { at_ms: ms, ..spec.clone() }.time_param();
        let step = format!("{}s", step_ms as f64 / 1000.0);
        let rate_window = format!("{}s", 1.5 * step_ms as f64 / 1000.0);
        let steps = u64::try_from(window_ms / step_ms + 1).unwrap_or(u64::MAX);
        let mut stats = UsageStats { steps, ..UsageStats::default() };
        // 1. Size: memory series per namespace at the end of the window.
        stats.queries += 1;
        let v = post(client, ep, "cardinality", &history::count_by_namespace(), &time, opts.timeout)
            .await
            .map_err(Failure::into_plain)?;
        let namespaces: Vec<(String, u64)> =
            super::counts(&v, &["namespace"]).into_iter().map(|(mut k, n)| (k.remove(0), n)).collect();
        stats.series = namespaces.iter().map(|(_, n)| n).sum();
        let longest = q::oom_query("", &rate_window).len();
        // A range answer carries every point (about 30 bytes of JSON each), unlike the instant
        // figures' one value per pod: at most MAX_RANGE_POINTS per query keeps one answer near
        // 60 MB.
        let budget = Budget {
            max_samples: opts.max_samples.min(MAX_RANGE_POINTS),
            steps: steps.min(MAX_POINTS as u64),
            matcher_len: shard::MAX_QUERY_LEN.saturating_sub(longest + 64),
        };
        let mut plan = shard::namespace_plan(&namespaces, &budget);
        for ns in plan.big_namespaces.clone() {
            stats.queries += 1;
            let pods = pods_of(client, ep, &ns, &time, opts.timeout).await.map_err(Failure::into_plain)?;
            shard::pod_shards(&mut plan, &ns, &pods, &budget);
        }
        stats.shards = plan.shards.len() as u64;
        // 2. The series, shard by shard and in time chunks of at most MAX_POINTS points
        //    (Prometheus refuses a range query of more than 11,000 points per series), a bounded
        //    number at a time (one retry of a transient error).
        let mut chunks = Vec::new();
        let mut from = spec.at_ms - window_ms;
        while from <= spec.at_ms {
            let to = (from + (MAX_POINTS - 1) * step_ms).min(spec.at_ms);
            chunks.push((time_of(from), time_of(to)));
            from = to + step_ms;
        }
        let mut jobs: VecDeque<(RangeKind, String, usize, u32)> = VecDeque::new();
        for sh in &plan.shards {
            let m = sh.matchers();
            for c in 0..chunks.len() {
                jobs.push_back((RangeKind::Memory, q::memory_query(&m), c, 0));
                jobs.push_back((RangeKind::Cpu, q::cpu_query(&m, &rate_window), c, 0));
                jobs.push_back((RangeKind::Oom, q::oom_query(&m, &rate_window), c, 0));
                jobs.push_back((RangeKind::Throttled, q::throttled_query(&m, &rate_window), c, 0));
            }
        }
        let mut raw = q::RawUsage { step_ms, ..q::RawUsage::default() };
        let mut running = FuturesUnordered::new();
        loop {
            while running.len() < opts.concurrency.max(1)
                && let Some((which, query, chunk, attempt)) = jobs.pop_front()
            {
                stats.queries += 1;
                let (start, end) = &chunks[chunk];
                let body = super::range_form_body(&query, start, end, &step, opts.timeout.as_secs().max(1));
                running.push(async move {
                    if attempt > 0 {
                        tokio::time::sleep(Duration::from_millis(250)).await;
                    }
                    let r = post_range(client, ep, "usage series", body, opts.timeout).await;
                    (which, query, chunk, attempt, r)
                });
            }
            let Some((which, query, chunk, attempt, result)) = running.next().await else { break };
            match result {
                Ok(mut m) => {
                    stats.points += m.series.iter().map(|s| s.1.len() as u64).sum::<u64>();
                    if which == RangeKind::Throttled {
                        // Most steps of most containers throttle nothing: only a series' first
                        // point and the steps that throttled are kept (the largest share and
                        // the days throttled are what is read from them).
                        for (_, points) in &mut m.series {
                            let mut first = true;
                            points.retain(|p| std::mem::take(&mut first) || p.1 > 0.0);
                            points.shrink_to_fit();
                        }
                    }
                    let slot = match which {
                        RangeKind::Memory => &mut raw.memory,
                        RangeKind::Cpu => &mut raw.cpu,
                        RangeKind::Oom => &mut raw.oom,
                        RangeKind::Throttled => &mut raw.throttled,
                    };
                    slot.series.extend(m.series);
                    slot.warnings.extend(m.warnings);
                }
                Err(f @ (Failure::Unreachable(_) | Failure::Status(500 | 502, _))) if attempt < 1 => {
                    tracing::debug!("usage series: {f:?}; retrying");
                    jobs.push_front((which, query, chunk, attempt + 1));
                }
                Err(f) if f.too_large() => {
                    return Err(Failure::Query(format!(
                        "{}; lower --prometheus-max-samples, shorten --window or raise --step",
                        f.into_plain().message("").trim_start_matches(": ")
                    )));
                }
                Err(f) => return Err(f),
            }
        }
        // 3. kube-state-metrics: resources, owners, autoscalers (without it: by pod name, none).
        let w = &spec.window;
        let meta = [
            q::resources_query("requests", w),
            q::resources_query("limits", w),
            q::owners_query(w),
            q::replicaset_owners_query(w),
            q::hpa_query(w),
        ];
        let mut answers = Vec::new();
        for query in &meta {
            stats.queries += 1;
            match post(client, ep, "kube-state-metrics", query, &time, opts.timeout).await {
                Ok(v) => answers.push(v),
                Err(Failure::Rejected(e)) => return Err(Failure::Rejected(e)),
                Err(f) => {
                    raw.memory.warnings.push(format!(
                        "kube-state-metrics ({}): {}",
                        query.split('(').nth(2).unwrap_or(query).split('{').next().unwrap_or_default(),
                        f.into_plain().message("").trim_start_matches(": ")
                    ));
                    answers.push(LabelledVector::default());
                }
            }
        }
        let mut it = answers.into_iter();
        let mut next = || it.next().unwrap_or_default();
        raw.requests = next();
        raw.limits = next();
        let (pods, rs) = (next(), next());
        raw.owners = super::owners(&pods, &rs);
        raw.hpas = next();
        Ok((raw, stats))
    }

    /// The TLS configuration: the kube client's own (`kube::Config` → rustls, the same verifier
    /// as for the API server: the platform verifier, or WebPKI over `--prometheus-ca-file`'s
    /// certificates), verification always on.
    fn https_connector(
        ep: &Endpoint,
        ca_file: Option<&std::path::Path>,
    ) -> Result<hyper_rustls::HttpsConnector<HttpConnector>, Failure> {
        let uri: http::Uri =
            ep.base.parse().map_err(|e| Failure::Unreachable(format!("{}: not a URI: {e}", ep.base)))?;
        let mut config = kube::Config::new(uri);
        if let Some(path) = ca_file {
            let flag = format!("--prometheus-ca-file {}", path.display());
            let text =
                std::fs::read_to_string(path).map_err(|e| Failure::Unreachable(format!("{flag}: {e}")))?;
            config.root_cert = Some(
                super::pem_certificates(&text).map_err(|e| Failure::Unreachable(format!("{flag}: {e}")))?,
            );
        }
        let tls = config
            .rustls_client_config()
            .map_err(|e| Failure::Unreachable(format!("TLS set-up: {}", error_text(&e))))?;
        Ok(hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_only()
            .enable_http1()
            .build())
    }

    /// Which figure a query is for.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Figure {
        MemoryQuantile,
        MemoryPeak,
        CpuQuantile,
    }

    impl Figure {
        const ALL: [Figure; 3] = [Figure::MemoryQuantile, Figure::MemoryPeak, Figure::CpuQuantile];

        fn name(self) -> &'static str {
            match self {
                Figure::MemoryQuantile => "memory quantile",
                Figure::MemoryPeak => "memory peak",
                Figure::CpuQuantile => "cpu quantile",
            }
        }

        fn query(self, spec: &Spec, shard: &Shard) -> String {
            let q = spec.queries_for(&shard.matchers());
            match self {
                Figure::MemoryQuantile => q.memory_quantile,
                Figure::MemoryPeak => q.memory_peak,
                Figure::CpuQuantile => q.cpu_quantile,
            }
        }
    }

    /// One query to send: a figure over a shard.
    struct Job {
        figure: Figure,
        shard: Shard,
        /// Splits above it.
        depth: u32,
        /// Attempts made (transient errors).
        attempt: u32,
        /// For logs: `shard 3/8`, `shard 3/8, half 2/2`.
        label: String,
    }

    /// The budget of one query, with the room left for matchers in the longest query.
    fn budget(spec: &Spec, opts: &Options) -> Budget {
        let q = spec.queries();
        let longest = [q.memory_quantile.len(), q.memory_peak.len(), q.cpu_quantile.len()].into_iter().max();
        Budget {
            max_samples: opts.max_samples,
            steps: spec.steps(),
            matcher_len: shard::MAX_QUERY_LEN.saturating_sub(longest.unwrap_or(0) + 64),
        }
    }

    /// The whole read: cardinality, plan, the shards' queries (a bounded number at a time, split
    /// and retried when refused), merged.
    async fn read<C: Connect + Clone + Send + Sync + 'static>(
        client: &Client<C, Full<Bytes>>,
        ep: &Endpoint,
        spec: &Spec,
        opts: &Options,
    ) -> Result<Read, Failure> {
        let time = spec.time_param();
        let budget = budget(spec, opts);
        let mut stats = ReadStats {
            max_samples: opts.max_samples,
            max_query_length: shard::MAX_QUERY_LEN as u64,
            concurrency: opts.concurrency as u64,
            steps: budget.steps,
            ..ReadStats::default()
        };
        // 1. Cardinality: memory series per namespace now (cheap: one sample per series).
        let count = history::count_by_namespace();
        stats.cardinality_queries += 1;
        stats.queries += 1;
        let v = post(client, ep, "cardinality", &count, &time, opts.timeout)
            .await
            .map_err(Failure::into_plain)?;
        let namespaces: Vec<(String, u64)> =
            super::counts(&v, &["namespace"]).into_iter().map(|(mut k, n)| (k.remove(0), n)).collect();
        stats.namespaces = namespaces.len() as u64;
        stats.series = namespaces.iter().map(|(_, n)| n).sum();
        let mut plan = shard::namespace_plan(&namespaces, &budget);
        // 2. Namespaces too big for one query: their pods, to batch by name.
        if !plan.big_namespaces.is_empty() {
            let patterns: Vec<Pattern> =
                plan.big_namespaces.iter().map(|n| Pattern::Exact(n.clone())).collect();
            let mut groups: Vec<Vec<Pattern>> = vec![Vec::new()];
            let mut len = 0;
            for p in patterns {
                let l = p.regex().len() + 1;
                if len + l > budget.matcher_len && groups.last().is_some_and(|g| !g.is_empty()) {
                    groups.push(Vec::new());
                    len = 0;
                }
                len += l;
                if let Some(g) = groups.last_mut() {
                    g.push(p);
                }
            }
            let mut per_ns: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
            for g in groups {
                let matcher = Shard { namespaces: g, pods: None, weight: 0, keys: Vec::new() }.matchers();
                stats.cardinality_queries += 1;
                stats.queries += 1;
                let v = post(
                    client,
                    ep,
                    "cardinality per pod",
                    &history::count_by_pod(&matcher),
                    &time,
                    opts.timeout,
                )
                .await
                .map_err(Failure::into_plain)?;
                for (mut k, n) in super::counts(&v, &["namespace", "pod"]) {
                    let pod = k.remove(1);
                    per_ns.entry(k.remove(0)).or_default().push((pod, n));
                }
            }
            for ns in plan.big_namespaces.clone() {
                shard::pod_shards(&mut plan, &ns, per_ns.get(&ns).map_or(&[][..], Vec::as_slice), &budget);
            }
        }
        stats.shards = plan.shards.len() as u64;
        stats.pod_batches = plan.shards.iter().filter(|s| s.pods.is_some()).count() as u64;
        let n = plan.shards.len();
        tracing::debug!(
            "{}: {} memory series in {} namespace(s) at {}; {} shard(s) ({} pod-name batch(es)) of at most {} series+pods ({} steps, budget {} samples)",
            spec.source,
            stats.series,
            stats.namespaces,
            spec.at_rfc3339(),
            n,
            stats.pod_batches,
            budget.cap(),
            budget.steps,
            budget.max_samples
        );
        // 3. The figures, shard by shard, a bounded number at a time.
        let mut queue: VecDeque<Job> = VecDeque::new();
        for figure in Figure::ALL {
            for (i, s) in plan.shards.iter().enumerate() {
                queue.push_back(Job {
                    figure,
                    shard: s.clone(),
                    depth: 0,
                    attempt: 0,
                    label: format!("shard {}/{n}", i + 1),
                });
            }
        }
        let mut answers: [Vector; 3] = Default::default();
        // Per namespace, its pods' weights, when a refusal needed them.
        let mut pod_counts: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
        let mut running = FuturesUnordered::new();
        let concurrency = opts.concurrency.max(1);
        loop {
            while running.len() < concurrency
                && let Some(job) = queue.pop_front()
            {
                let query = job.figure.query(spec, &job.shard);
                stats.queries += 1;
                stats.largest_estimate = stats.largest_estimate.max(budget.samples(job.shard.weight));
                stats.longest_query = stats.longest_query.max(query.len() as u64);
                let delay = Duration::from_millis(250 * u64::from(job.attempt));
                let what = format!("{}, {}: {}", job.figure.name(), job.label, job.shard.describe());
                let time = time.clone();
                running.push(async move {
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    let r = post(client, ep, &what, &query, &time, opts.timeout).await;
                    (job, r)
                });
            }
            let Some((job, result)) = running.next().await else { break };
            match result {
                Ok(v) => {
                    let slot = &mut answers[job.figure as usize];
                    slot.items.extend(v.items.into_iter().filter_map(|(mut m, value)| {
                        Some((m.remove("namespace")?, m.remove("pod")?, value))
                    }));
                    slot.warnings.extend(v.warnings);
                }
                Err(Failure::Rejected(e)) => return Err(Failure::Rejected(e)),
                Err(f) if f.too_large() => {
                    // One namespace refused whole: its pods, counted once, to split along.
                    let mut shard = job.shard.clone();
                    if let (None, [Pattern::Exact(ns)]) = (&shard.pods, shard.namespaces.as_slice()) {
                        let ns = ns.clone();
                        if !pod_counts.contains_key(&ns) {
                            stats.cardinality_queries += 1;
                            stats.queries += 1;
                            let counted = pods_of(client, ep, &ns, &time, opts.timeout)
                                .await
                                .map(|v| {
                                    v.into_iter().map(|(p, n)| (p, n.saturating_add(1))).collect::<Vec<_>>()
                                })
                                .unwrap_or_default();
                            pod_counts.insert(ns.clone(), counted);
                        }
                        let keys = pod_counts.get(&ns).cloned().unwrap_or_default();
                        if !keys.is_empty() {
                            let weight = keys.iter().map(|k| k.1).sum();
                            shard = Shard {
                                namespaces: shard.namespaces,
                                pods: Some(vec![Pattern::all()]),
                                weight,
                                keys,
                            };
                        }
                    }
                    let split = (job.depth < MAX_SPLIT_DEPTH && stats.splits < MAX_SPLITS)
                        .then(|| shard.split())
                        .flatten();
                    let Some((a, b)) = split else {
                        let plain = f.into_plain();
                        let why = match plain {
                            Failure::Timeout(s) => {
                                format!("no complete answer within {s}s, --prometheus-timeout")
                            }
                            ref other => other.message("").trim_start_matches(": ").to_string(),
                        };
                        return Err(Failure::Query(format!(
                            "{} over {} still refused after {} split(s): {why}; lower --prometheus-max-samples or raise --step",
                            job.figure.name(),
                            job.shard.describe(),
                            job.depth
                        )));
                    };
                    stats.splits += 1;
                    let said = f.clone().into_plain().message(&spec.source);
                    if stats.refusals.len() < 5 && !stats.refusals.contains(&said) {
                        stats.refusals.push(said);
                    }
                    tracing::debug!(
                        "{} ({}): refused ({}); split in two",
                        job.figure.name(),
                        job.label,
                        f.clone().into_plain().message("")
                    );
                    for (i, half) in [a, b].into_iter().enumerate() {
                        queue.push_back(Job {
                            figure: job.figure,
                            shard: half,
                            depth: job.depth + 1,
                            attempt: 0,
                            label: format!("{}, half {}/2", job.label, i + 1),
                        });
                    }
                }
                Err(f @ (Failure::Unreachable(_) | Failure::Status(500 | 502, _)))
                    if job.attempt + 1 < ATTEMPTS =>
                {
                    tracing::debug!("{} ({}): {f:?}; retrying", job.figure.name(), job.label);
                    stats.retries += 1;
                    queue.push_front(Job { attempt: job.attempt + 1, ..job });
                }
                Err(f) => return Err(f),
            }
        }
        // 4. Merged: the shards are disjoint, so a pod is in one answer per figure.
        let [m, p, c] = answers.map(|mut v| {
            v.items.sort();
            v.items.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
            v
        });
        let mut samples = super::samples(m, p, c);
        // 5. Owners and labels from kube-state-metrics, when it is there (else: by pod name).
        let mut meta = Vec::new();
        for q in [history::POD_OWNERS, history::REPLICASET_OWNERS, history::POD_LABELS] {
            stats.queries += 1;
            stats.metadata_queries += 1;
            match post(client, ep, "kube-state-metrics", q, &time, opts.timeout).await {
                Ok(v) => meta.push(v),
                Err(Failure::Rejected(e)) => return Err(Failure::Rejected(e)),
                Err(f) => {
                    samples.warnings.push(format!(
                        "{q}: {} (pods matched by name)",
                        f.into_plain().message("").trim_start_matches(": ")
                    ));
                    meta.push(LabelledVector::default());
                }
            }
        }
        samples.owners = super::owners(&meta[0], &meta[1]);
        samples.labels = super::pod_labels(&meta[2]);
        Ok(Read { samples, stats })
    }

    /// The memory series per pod of one namespace (to split it along its pods).
    async fn pods_of<C: Connect + Clone + Send + Sync + 'static>(
        client: &Client<C, Full<Bytes>>,
        ep: &Endpoint,
        namespace: &str,
        time: &str,
        timeout: Duration,
    ) -> Result<Vec<(String, u64)>, Failure> {
        let matcher = Shard {
            namespaces: vec![Pattern::Exact(namespace.to_string())],
            pods: None,
            weight: 0,
            keys: Vec::new(),
        }
        .matchers();
        let v =
            post(client, ep, "cardinality per pod", &history::count_by_pod(&matcher), time, timeout).await?;
        Ok(super::counts(&v, &["namespace", "pod"]).into_iter().map(|(mut k, n)| (k.remove(1), n)).collect())
    }

    /// One instant query by POST, within `timeout`.
    async fn post<C: Connect + Clone + Send + Sync + 'static>(
        client: &Client<C, Full<Bytes>>,
        ep: &Endpoint,
        what: &str,
        query: &str,
        time: &str,
        timeout: Duration,
    ) -> Result<LabelledVector, Failure> {
        let body = super::form_body(query, time, timeout.as_secs().max(1));
        let (status, body) = post_form(client, ep, "query", what, body, timeout).await?;
        super::parse_labelled(status, &body)
    }

    /// One range query by POST, within `timeout`.
    async fn post_range<C: Connect + Clone + Send + Sync + 'static>(
        client: &Client<C, Full<Bytes>>,
        ep: &Endpoint,
        what: &str,
        body: String,
        timeout: Duration,
    ) -> Result<super::Matrix, Failure> {
        let (status, body) = post_form(client, ep, "query_range", what, body, timeout).await?;
        super::parse_matrix(status, &body)
    }

    /// POSTs a form to `/api/v1/{api}` and reads the whole answer, within `timeout`.
    async fn post_form<C: Connect + Clone + Send + Sync + 'static>(
        client: &Client<C, Full<Bytes>>,
        ep: &Endpoint,
        api: &str,
        what: &str,
        body: String,
        timeout: Duration,
    ) -> Result<(u16, Bytes), Failure> {
        let uri = format!("{}/api/v1/{api}", ep.base);
        let mut req = http::Request::post(&uri)
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(http::header::USER_AGENT, concat!("bizo-plan/", env!("CARGO_PKG_VERSION")));
        if let Some(a) = &ep.authorization {
            let mut v = http::HeaderValue::from_str(a)
                .map_err(|_| Failure::Unreachable("the credentials are not a valid header value".into()))?;
            v.set_sensitive(true);
            req = req.header(http::header::AUTHORIZATION, v);
        }
        for (name, value) in &ep.headers {
            let mut v = http::HeaderValue::from_str(value).map_err(|_| {
                Failure::Unreachable(format!("--prometheus-header {name}: not a valid header value"))
            })?;
            v.set_sensitive(true);
            req = req.header(name.as_str(), v);
        }
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| Failure::Unreachable(format!("bad request: {e}")))?;
        let started = Instant::now();
        let path = format!("{uri} ({what})");
        let run = async {
            let res = client.request(req).await.map_err(|e| Failure::Unreachable(error_text(&e)))?;
            let status = res.status().as_u16();
            let body = Limited::new(res.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| Failure::Unreachable(format!("reading the answer: {e}")))?
                .to_bytes();
            Ok::<_, Failure>((status, body))
        };
        let (status, body) = match tokio::time::timeout(timeout, run).await {
            Ok(Ok(x)) => x,
            Ok(Err(f)) => {
                tracing::debug!("POST {path}: {f:?}");
                return Err(f);
            }
            Err(_) => {
                tracing::debug!("POST {path}: no answer within {}s", timeout.as_secs());
                return Err(Failure::Timeout(timeout.as_secs()));
            }
        };
        tracing::debug!(
            "POST {path} -> {status} ({} bytes, {} ms)",
            body.len(),
            started.elapsed().as_millis()
        );
        Ok((status, body))
    }

    /// An error with its causes (`client error (Connect): tcp connect error: Connection refused`).
    fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
        let mut s = e.to_string();
        let mut src = e.source();
        while let Some(c) = src {
            let t = c.to_string();
            if !s.contains(&t) {
                s.push_str(": ");
                s.push_str(&t);
            }
            src = c.source();
        }
        s
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_matrix_is_read_into_numbers_and_other_answers_are_classified() {
        let body = br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"pod":"a"},"values":[[1700000000,"1.5"],[1700000300.5,"NaN"],[1700000600,"+Inf"],[1700000900,"x"]]}]},"warnings":["w"]}"#;
        let m = parse_matrix(200, body).expect("matrix");
        assert_eq!(m.warnings, ["w"]);
        let (labels, points) = &m.series[0];
        assert_eq!(labels.get("pod").map(String::as_str), Some("a"));
        assert_eq!(points[0], (1_700_000_000_000, 1.5));
        assert_eq!(points[1].0, 1_700_000_300_500);
        assert!(points[1].1.is_nan() && points[2].1.is_infinite() && points[3].1.is_nan());
        let vector = br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert!(
            matches!(parse_matrix(200, vector), Err(Failure::Query(e)) if e.contains("expected a range matrix"))
        );
        let refused = br#"{"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries"}"#;
        assert!(matches!(parse_matrix(400, refused), Err(Failure::Rejected(_))));
        assert!(
            matches!(parse_matrix(200, b"<html>proxy</html>"), Err(Failure::Query(e)) if e.contains("not a Prometheus API answer"))
        );
    }
    use crate::model::quantity::{Bytes, Millicores};

    #[test]
    fn endpoints_keep_credentials_out_of_the_shown_url() {
        let e = endpoint("http://127.0.0.1:9090").unwrap();
        assert_eq!((e.base.as_str(), e.https, e.authorization), ("http://127.0.0.1:9090", false, None));
        let e = endpoint("HTTPS://admin:s%40cret@prom.example.com/prometheus/").unwrap();
        assert_eq!(e.base, "https://prom.example.com/prometheus");
        assert!(e.https);
        // base64("admin:s@cret")
        assert_eq!(e.authorization.as_deref(), Some("Basic YWRtaW46c0BjcmV0"));
        assert!(!format!("{e:?}").contains("YWRt"), "{e:?}");
        let e = endpoint("http://token@host:9090").unwrap();
        assert_eq!(e.authorization.as_deref(), Some("Basic dG9rZW46"));
        assert_eq!(endpoint("http://[::1]:9090/").unwrap().base, "http://[::1]:9090");
        assert_eq!(
            endpoint("http://prometheus.monitoring.svc:9090").unwrap().base,
            "http://prometheus.monitoring.svc:9090"
        );
        for bad in [
            "prom:9090",
            "ftp://host",
            "http://",
            "http://:9090",
            "http://host:",
            "http://host:99999x",
            "http://host/?q=1",
            "http://host#x",
            "http://a b",
            "http://[zz]:9090",
            "http://[::1]x",
            // An unencoded '/' in a password: the rest of it would be shown as the path.
            "http://admin:pa/ss@host:9090",
            "http://adm\u{f}0cret@p://adm0cret@prom.example.com/x",
        ] {
            assert!(endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn queries_are_form_encoded() {
        assert_eq!(
            form_body(r#"max_over_time((x{c!=""})[7d:1m])"#, "1772366400.250", 30),
            "query=max_over_time%28%28x%7Bc%21%3D%22%22%7D%29%5B7d%3A1m%5D%29&time=1772366400.250&timeout=30s"
        );
    }

    #[test]
    fn headers_are_checked_without_showing_their_values() {
        assert_eq!(
            parse_header("X-Scope-OrgID: tenant-1").unwrap(),
            ("X-Scope-OrgID".into(), "tenant-1".into())
        );
        assert_eq!(
            parse_header(" Authorization :Bearer x ").unwrap(),
            ("Authorization".into(), "Bearer x".into())
        );
        for (bad, want) in [
            ("no-colon", "expected 'Name: value'"),
            (": v", "header name"),
            ("Bad Name: v", "header name"),
            ("Host: h", "set by bizo-plan"),
            ("X-Secret: ", "non-empty printable"),
            ("X-Secret: s3cr\u{e9}t", "non-empty printable"),
        ] {
            let e = parse_header(bad).unwrap_err();
            assert!(e.contains(want), "{bad:?}: {e}");
            assert!(!e.contains("s3cr"), "{e}");
        }
        let mut e = endpoint("http://h:9090").unwrap();
        e.headers.push(("X-Scope-OrgID".into(), "tenant-secret".into()));
        assert!(!format!("{e:?}").contains("tenant-secret"));
    }

    #[test]
    fn pem_bundles_decode_to_der() {
        let pem = "junk\n-----BEGIN CERTIFICATE-----\nZm9v\nYmFy\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nZg==\n-----END CERTIFICATE-----\n";
        assert_eq!(pem_certificates(pem).unwrap(), vec![b"foobar".to_vec(), b"f".to_vec()]);
        assert!(pem_certificates("nothing").unwrap_err().contains("no PEM certificate"));
        assert!(pem_certificates("-----BEGIN CERTIFICATE-----\nZm9v").is_err());
        assert!(pem_certificates("-----BEGIN CERTIFICATE-----\n#!\n-----END CERTIFICATE-----").is_err());
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
            assert_eq!(base64_decode(&base64(s.as_bytes())).unwrap(), s.as_bytes());
        }
    }

    #[test]
    fn answers_are_vectors_or_classified_failures() {
        let ok = br#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"namespace":"a","pod":"api-0"},"value":[1772366400,"104857600.5"]},
            {"metric":{"namespace":"a"},"value":[1772366400,"1"]}]},"warnings":["partial"]}"#;
        let v = parse_answer(200, ok).unwrap();
        assert_eq!(v.items, vec![("a".into(), "api-0".into(), "104857600.5".into())]);
        assert_eq!(v.warnings, vec!["partial", "1 series without a namespace or pod label skipped"]);

        let bad = br#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:121: parse error: bad duration syntax: \"7da\""}"#;
        assert!(
            matches!(parse_answer(400, bad), Err(Failure::Rejected(e)) if e.contains("bad duration syntax"))
        );
        let exec = br#"{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory in query execution"}"#;
        let f = parse_answer(422, exec).unwrap_err();
        assert!(f.too_large());
        assert_eq!(
            f.into_plain(),
            Failure::Query("HTTP 422, execution: query processing would load too many samples into memory in query execution".into())
        );
        let timeout =
            br#"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#;
        assert!(parse_answer(503, timeout).unwrap_err().too_large());
        assert!(parse_answer(503, b"upstream overloaded").unwrap_err().too_large());
        assert!(parse_answer(504, b"").unwrap_err().too_large());
        let other =
            br#"{"status":"error","errorType":"execution","error":"many-to-many matching not allowed"}"#;
        assert!(!parse_answer(422, other).unwrap_err().too_large());
        // VictoriaMetrics' limit message.
        let vm = br#"{"status":"error","errorType":"422","error":"cannot select more than -search.maxSamplesPerQuery=1000 samples"}"#;
        assert!(parse_answer(422, vm).unwrap_err().too_large());
        assert_eq!(
            parse_answer(404, b"404 page not found\n"),
            Err(Failure::Status(404, "404 page not found".into()))
        );
        assert_eq!(parse_answer(502, b""), Err(Failure::Status(502, String::new())));
        assert!(
            matches!(parse_answer(200, b"<html>"), Err(Failure::Query(e)) if e.starts_with("not a Prometheus API answer"))
        );
        let matrix = br#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
        assert_eq!(
            parse_answer(200, matrix),
            Err(Failure::Query("expected an instant vector, got a matrix".into()))
        );
        let truncated = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{}"#;
        assert!(matches!(parse_answer(200, truncated), Err(Failure::Query(_))));
    }

    #[test]
    fn values_round_up_and_skip_what_is_not_a_number() {
        let v = Vector {
            items: [
                ("a", "p1", "104857600.5"),
                ("a", "p2", "NaN"),
                ("a", "p3", "+Inf"),
                ("a", "p4", "-3"),
                ("a", "p5", "x"),
            ]
            .into_iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect(),
            warnings: vec!["w".into()],
        };
        let cpu = Vector { items: vec![("a".into(), "p1".into(), "0.0123".into())], warnings: vec![] };
        let s = samples(v.clone(), Vector::default(), cpu);
        assert_eq!(s.memory_quantile.len(), 1);
        assert_eq!(s.memory_quantile[0].value, Bytes(104_857_601));
        assert_eq!(s.memory_quantile[0].raw, "104857600.5");
        assert_eq!(s.cpu_quantile[0].value, Millicores(13));
        assert_eq!(
            s.warnings,
            vec![
                "memory quantile: w",
                "memory quantile of a/p2 is NaN: skipped",
                "memory quantile of a/p3 is +Inf: skipped",
                "memory quantile of a/p4 is -3: skipped",
                "memory quantile of a/p5 is x: skipped",
            ]
        );
    }

    #[test]
    fn bad_input_outranks_other_failures() {
        let ok: Result<Vector, Failure> = Ok(Vector::default());
        let down = Err(Failure::Unreachable("refused".into()));
        let rejected = Err(Failure::Rejected("bad_data: x".into()));
        assert_eq!(worst([&ok, &ok, &ok]), None);
        assert_eq!(worst([&down, &rejected, &ok]), Some(Failure::Rejected("bad_data: x".into())));
        assert_eq!(
            Failure::Timeout(10).message("Prometheus at http://h:9090"),
            "Prometheus at http://h:9090: timeout (no complete answer within 10s, --prometheus-timeout)"
        );
        assert_eq!(Failure::Status(404, String::new()).message("P"), "P: HTTP status 404");
    }

    #[test]
    fn cardinality_answers_count_per_label() {
        let body = br#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"namespace":"b"},"value":[1,"3"]},
            {"metric":{"namespace":"a"},"value":[1,"1500"]},
            {"metric":{},"value":[1,"7"]},
            {"metric":{"namespace":"c"},"value":[1,"NaN"]}]}}"#;
        let v = parse_labelled(200, body).unwrap();
        assert_eq!(
            counts(&v, &["namespace"]),
            vec![(vec!["a".to_string()], 1500), (vec!["b".to_string()], 3)]
        );
    }
}
