//! The Prometheus source: three instant queries (`GET /api/v1/query?query=...&time=...`), their
//! answers converted into core figures, and the figures applied to the profile
//! ([`crate::analysis::history`]).
//!
//! The parsing and classification of answers are pure and always built; fetching (hyper, tokio)
//! needs the `cluster` feature. Only GET requests are sent. The URL's user information, if any,
//! is sent as HTTP basic authentication and never shown: reports and errors name the URL
//! without it.

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
    /// `Basic ...` from the URL's user information.
    pub authorization: Option<String>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("base", &self.base)
            .field("https", &self.https)
            .field("authorization", &self.authorization.as_ref().map(|_| "<redacted>"))
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
    Ok(Endpoint { base, https, authorization })
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

/// The path and query of one instant query under the base URL.
pub fn query_path(base: &str, query: &str, time: &str) -> String {
    format!("{base}/api/v1/query?query={}&time={}", encode_query_value(query), encode_query_value(time))
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
        }
    }

    /// Which failure wins when the three queries fail differently: bad input first (it is the
    /// user's to fix), then the most specific.
    fn rank(&self) -> u8 {
        match self {
            Failure::Rejected(_) => 5,
            Failure::Query(_) => 4,
            Failure::Status(..) => 3,
            Failure::Timeout(_) => 2,
            Failure::Unreachable(_) => 1,
        }
    }
}

#[derive(Deserialize)]
struct Answer {
    status: String,
    #[serde(default)]
    data: Option<Data>,
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

/// Classifies one HTTP answer of `/api/v1/query`: an instant vector, or why not.
pub fn parse_answer(status: u16, body: &[u8]) -> Result<Vector, Failure> {
    let snippet = || {
        let s: String = String::from_utf8_lossy(body).chars().take(200).collect();
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let answer: Answer = match serde_json::from_slice(body) {
        Ok(a) => a,
        Err(e) if (200..300).contains(&status) => {
            return Err(Failure::Query(format!("not a Prometheus API answer ({} bytes): {e}", body.len())));
        }
        Err(_) => return Err(Failure::Status(status, snippet())),
    };
    if answer.status != "success" {
        let kind = answer.error_type.unwrap_or_else(|| "error".into());
        let error = answer.error.unwrap_or_default();
        return Err(if kind == "bad_data" {
            Failure::Rejected(format!("{kind}: {error}"))
        } else {
            Failure::Query(format!("HTTP {status}, {kind}: {error}"))
        });
    }
    if !(200..300).contains(&status) {
        return Err(Failure::Status(status, snippet()));
    }
    let data = answer.data.ok_or_else(|| Failure::Query("a success answer without data".into()))?;
    if data.result_type != "vector" {
        return Err(Failure::Query(format!("expected an instant vector, got a {}", data.result_type)));
    }
    let items: Vec<VectorItem> = serde_json::from_value(data.result)
        .map_err(|e| Failure::Query(format!("malformed vector result: {e}")))?;
    let mut out = Vector { items: Vec::with_capacity(items.len()), warnings: answer.warnings };
    let mut unlabelled = 0;
    for it in items {
        match (it.metric.get("namespace"), it.metric.get("pod")) {
            (Some(ns), Some(pod)) if !pod.is_empty() => out.items.push((ns.clone(), pod.clone(), it.value.1)),
            _ => unlabelled += 1,
        }
    }
    if unlabelled > 0 {
        out.warnings.push(format!("{unlabelled} series without a namespace or pod label skipped"));
    }
    Ok(out)
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
    Samples { memory_quantile, memory_peak, cpu_quantile, warnings }
}

/// The first failure by [`Failure::rank`], if any of the three failed.
pub fn worst(results: [&Result<Vector, Failure>; 3]) -> Option<Failure> {
    results.into_iter().filter_map(|r| r.as_ref().err()).max_by_key(|f| f.rank()).cloned()
}

#[cfg(feature = "cluster")]
pub use fetch::*;

#[cfg(feature = "cluster")]
mod fetch {
    use std::time::{Duration, Instant};

    use http_body_util::{BodyExt, Empty, Limited};
    use hyper::body::Bytes;
    use hyper_util::client::legacy::Client;
    use hyper_util::client::legacy::connect::{Connect, HttpConnector};
    use hyper_util::rt::TokioExecutor;

    use super::{Endpoint, Failure, Vector};
    use crate::analysis::history::{self, HistoryReport, Spec};
    use crate::error::{InputError, Unreachable};
    use crate::model::profile::Profile;

    /// The largest answer read (a cluster's pods over the window; far above what one needs).
    const MAX_BODY: usize = 256 << 20;

    /// What `--prometheus` and its flags ask for.
    #[derive(Debug, Clone)]
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
        /// `--prometheus-timeout`: the three queries must all have answered within it.
        pub timeout: Duration,
        /// `--require-prometheus`: a Prometheus that cannot be read is exit 3.
        pub require: bool,
    }

    /// Reads the history and applies it to `profile`. A Prometheus that cannot be read gives the
    /// profile unchanged and a report that says why (or exit 3 with `--require-prometheus`); a
    /// query Prometheus rejects as malformed is bad input (exit 2).
    pub fn read_history(opts: &Options, profile: &Profile) -> anyhow::Result<(Profile, HistoryReport)> {
        let ep = super::endpoint(&opts.url).map_err(|e| InputError::Usage(format!("--prometheus: {e}")))?;
        let spec = Spec {
            source: format!("Prometheus at {}", ep.base),
            quantile: opts.quantile.clone(),
            window: opts.window.clone(),
            step: opts.step.clone(),
            at_ms: opts.at_ms,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| anyhow::anyhow!("starting the runtime: {e}"))?;
        let answers = runtime.block_on(query_all(&ep, &spec, opts.timeout));
        let failure = match &answers {
            Ok([m, p, c]) => super::worst([m, p, c]),
            Err(f) => Some(f.clone()),
        };
        match (failure, answers) {
            (Some(Failure::Rejected(e)), _) => Err(InputError::Usage(format!(
                "{} rejected the query: {e} (check --window {}, --step {} and --quantile {})",
                spec.source, spec.window, spec.step, spec.quantile
            ))
            .into()),
            (Some(f), _) if opts.require => {
                Err(Unreachable(format!("--require-prometheus: {}", f.message(&spec.source))).into())
            }
            (Some(f), _) => {
                let msg = f.message(&spec.source);
                eprintln!("bizo-plan: warning: {msg}; planning from the profile's figures");
                Ok((profile.clone(), HistoryReport::unavailable(&spec, profile, msg)))
            }
            (None, Ok([Ok(m), Ok(p), Ok(c)])) => Ok(history::apply(profile, &spec, &super::samples(m, p, c))),
            (None, _) => Err(anyhow::anyhow!("{}: no answer and no failure", spec.source)),
        }
    }

    type Answers = [Result<Vector, Failure>; 3];

    /// The three queries, concurrently, all within `timeout`.
    async fn query_all(ep: &Endpoint, spec: &Spec, timeout: Duration) -> Result<Answers, Failure> {
        let q = spec.queries();
        let time = spec.time_param();
        let run = async {
            if ep.https {
                let https = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_native_roots()
                    .map_err(|e| Failure::Unreachable(format!("no root certificates for TLS: {e}")))?
                    .https_only()
                    .enable_http1()
                    .build();
                let client = Client::builder(TokioExecutor::new()).build(https);
                Ok(three(&client, ep, &q, &time).await)
            } else {
                let client = Client::builder(TokioExecutor::new()).build(HttpConnector::new());
                Ok(three(&client, ep, &q, &time).await)
            }
        };
        tokio::time::timeout(timeout, run).await.unwrap_or(Err(Failure::Timeout(timeout.as_secs())))
    }

    async fn three<C: Connect + Clone + Send + Sync + 'static>(
        client: &Client<C, Empty<Bytes>>,
        ep: &Endpoint,
        q: &history::Queries,
        time: &str,
    ) -> Answers {
        let (m, p, c) = tokio::join!(
            get(client, ep, "memory quantile", &q.memory_quantile, time),
            get(client, ep, "memory peak", &q.memory_peak, time),
            get(client, ep, "cpu quantile", &q.cpu_quantile, time),
        );
        [m, p, c]
    }

    async fn get<C: Connect + Clone + Send + Sync + 'static>(
        client: &Client<C, Empty<Bytes>>,
        ep: &Endpoint,
        what: &str,
        query: &str,
        time: &str,
    ) -> Result<Vector, Failure> {
        let uri = super::query_path(&ep.base, query, time);
        let mut req = http::Request::get(&uri)
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::USER_AGENT, concat!("bizo-plan/", env!("CARGO_PKG_VERSION")));
        if let Some(a) = &ep.authorization {
            req = req.header(http::header::AUTHORIZATION, a);
        }
        let req = req.body(Empty::new()).map_err(|e| Failure::Unreachable(format!("bad request: {e}")))?;
        let started = Instant::now();
        let path = format!("{}/api/v1/query ({what})", ep.base);
        let res = client.request(req).await.map_err(|e| {
            let f = Failure::Unreachable(error_text(&e));
            tracing::debug!("GET {path}: {f:?}");
            f
        })?;
        let status = res.status().as_u16();
        let body = Limited::new(res.into_body(), MAX_BODY).collect().await.map_err(|e| {
            let f = Failure::Unreachable(format!("reading the answer: {e}"));
            tracing::debug!("GET {path} -> {status}: {f:?}");
            f
        })?;
        let body = body.to_bytes();
        tracing::debug!(
            "GET {path} -> {status} ({} bytes, {} ms)",
            body.len(),
            started.elapsed().as_millis()
        );
        super::parse_answer(status, &body)
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
    fn queries_are_percent_encoded() {
        assert_eq!(
            query_path("http://h:9090", r#"max_over_time((x{c!=""})[7d:1m])"#, "1772366400.250"),
            "http://h:9090/api/v1/query?query=max_over_time%28%28x%7Bc%21%3D%22%22%7D%29%5B7d%3A1m%5D%29&time=1772366400.250"
        );
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
        let exec = br#"{"status":"error","errorType":"execution","error":"query processing would load too many samples"}"#;
        assert_eq!(
            parse_answer(422, exec),
            Err(Failure::Query("HTTP 422, execution: query processing would load too many samples".into()))
        );
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
}
