//! The kube client side: connecting, paginated GET-only lists, retries, and the snapshot.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde::de::DeserializeOwned;

use crate::error::{InputError, Unreachable};
use crate::model::inventory::{Aggregator, ClusterSnapshot};
use crate::model::profile::Profile;

use super::convert;

/// How to reach and what to read.
#[derive(Debug, Clone)]
pub struct KubeOptions {
    /// `--kubeconfig`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`.
    pub context: Option<String>,
    /// `-n`, repeatable; empty = all namespaces.
    pub namespaces: Vec<String>,
    /// `-l` pod label selector.
    pub selector: Option<String>,
    /// `--node-selector`.
    pub node_selector: Option<String>,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// Items per LIST page (metrics lists use [`METRICS_PAGE_FACTOR`] times as many).
    pub page_size: u32,
    /// Attempts per request for transient failures (timeouts, 5xx, 429, truncated bodies).
    pub attempts: u32,
    /// Progress on stderr (only honoured when stderr is a terminal).
    pub progress: bool,
    /// Accept any server certificate (`--insecure-skip-tls-verify`; warned about).
    pub insecure_skip_tls_verify: bool,
}

impl Default for KubeOptions {
    fn default() -> Self {
        KubeOptions {
            kubeconfig: None,
            context: None,
            namespaces: Vec::new(),
            selector: None,
            node_selector: None,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            insecure_skip_tls_verify: false,
            page_size: 500,
            attempts: 3,
            progress: true,
        }
    }
}

/// Which cluster a client talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Context name (`in-cluster` for a service account).
    pub context: String,
    /// API server URL, without credentials.
    pub server: String,
    /// Warnings about the connection itself (TLS verification off), for the report's notes.
    pub warnings: Vec<String>,
}

/// The outcome of looking for a cluster configuration.
pub enum Connection {
    /// A client, ready.
    Ready(Client, Target),
    /// No kubeconfig and not in a cluster.
    NotConfigured(String),
}

/// Builds a client from `--kubeconfig`, `KUBECONFIG`, `~/.kube/config` or the in-cluster
/// service account, in that order. A kubeconfig that exists but is broken is bad input (exit 2).
/// The context names of the kubeconfig `opts` points at (for `--all-contexts`).
pub fn context_names(opts: &KubeOptions) -> Result<Vec<String>, anyhow::Error> {
    Ok(load_kubeconfig(opts)?.map(|kc| kc.contexts.into_iter().map(|c| c.name).collect()).unwrap_or_default())
}

/// The kubeconfig: `--kubeconfig`, else `$KUBECONFIG`, else `~/.kube/config`; None without one.
fn load_kubeconfig(opts: &KubeOptions) -> Result<Option<Kubeconfig>, InputError> {
    Ok(if let Some(p) = &opts.kubeconfig {
        Some(
            Kubeconfig::read_from(p)
                .map_err(|e| InputError::Usage(format!("--kubeconfig {}: {e}", p.display())))?,
        )
    } else if std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty()) {
        Kubeconfig::from_env().map_err(|e| InputError::Usage(format!("KUBECONFIG: {e}")))?
    } else {
        match std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".kube").join("config")) {
            Some(p) if p.is_file() => Some(
                Kubeconfig::read_from(&p).map_err(|e| InputError::Usage(format!("{}: {e}", p.display())))?,
            ),
            _ => None,
        }
    })
}

/// Connects to the cluster of the chosen context (or in-cluster); never sends a request.
pub async fn connect(opts: &KubeOptions) -> Result<Connection, anyhow::Error> {
    let kubeconfig = load_kubeconfig(opts)?;
    let (mut config, context) = match kubeconfig {
        Some(kc) => {
            let context = opts.context.clone().or_else(|| kc.current_context.clone()).unwrap_or_default();
            let o = KubeConfigOptions { context: opts.context.clone(), cluster: None, user: None };
            let config = Config::from_custom_kubeconfig(kc, &o)
                .await
                .map_err(|e| InputError::Usage(format!("kubeconfig context {context:?}: {e}")))?;
            (config, context)
        }
        None if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() => {
            let config =
                Config::incluster().map_err(|e| Unreachable(format!("in-cluster configuration: {e}")))?;
            (config, "in-cluster".to_string())
        }
        None => {
            return Ok(Connection::NotConfigured(
                "no kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a cluster"
                    .into(),
            ));
        }
    };
    if opts.insecure_skip_tls_verify {
        config.accept_invalid_certs = true;
    }
    let server = redact_url(&config.cluster_url.to_string());
    let mut warnings = Vec::new();
    if config.accept_invalid_certs && config.cluster_url.scheme() == Some(&http::uri::Scheme::HTTPS) {
        let why = if opts.insecure_skip_tls_verify {
            "--insecure-skip-tls-verify"
        } else {
            "insecure-skip-tls-verify in the kubeconfig"
        };
        let w = format!(
            "TLS certificate verification of {server} is OFF ({why}): anyone on the path can read and alter what bizo-plan reads"
        );
        eprintln!("bizo-plan: warning: {w}");
        warnings.push(w);
    }
    tracing::debug!(
        "kubeconfig context {context:?}, server {server}, credentials: {}",
        describe_auth(&config)
    );
    config.connect_timeout = Some(opts.connect_timeout);
    config.read_timeout = Some(opts.request_timeout);
    config.write_timeout = Some(opts.request_timeout);
    // bizo-plan retries itself (bounded, and it knows which lists can restart).
    config.default_retry = false;
    let client = Client::try_from(config).map_err(|e| Unreachable(format!("cluster {server}: {e}")))?;
    Ok(Connection::Ready(client, Target { context, server, warnings }))
}

/// Which kind of credential a configuration carries, never its value.
fn describe_auth(config: &Config) -> &'static str {
    let a = &config.auth_info;
    if a.exec.is_some() {
        "exec plugin"
    } else if a.token.is_some() || a.token_file.is_some() {
        "bearer token"
    } else if a.client_certificate_data.is_some() || a.client_certificate.is_some() {
        "client certificate"
    } else if a.username.is_some() {
        "basic auth"
    } else if a.auth_provider.is_some() {
        "auth provider"
    } else {
        "none"
    }
}

/// A URL without user information (credentials never reach the output).
fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            let path = if path.is_empty() { String::new() } else { format!("/{path}") };
            format!("{scheme}://{host}{}", path.trim_end_matches('/'))
        }
        None => url.to_string(),
    }
}

/// Why a request failed, after retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The server answered with an error status.
    Status {
        /// HTTP code.
        code: u16,
        /// Status reason (Forbidden, NotFound, Expired, ...).
        reason: String,
        /// Status message.
        message: String,
    },
    /// No usable answer: connection refused, timeout, truncated or invalid body.
    Transport(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Status { code, reason, message } => write!(f, "{code} {reason}: {message}"),
            Failure::Transport(m) => f.write_str(m),
        }
    }
}

fn transient(f: &Failure) -> bool {
    match f {
        Failure::Status { code, .. } => matches!(code, 429 | 500 | 502 | 503 | 504),
        Failure::Transport(_) => true,
    }
}

/// GETs `uri` and parses the body, retrying transient failures with a short backoff.
async fn get<T: DeserializeOwned>(client: &Client, uri: &str, attempts: u32) -> Result<T, Failure> {
    let mut last = Failure::Transport("no attempt made".into());
    for attempt in 0..attempts.max(1) {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(100 << (attempt - 1).min(4))).await;
        }
        match get_once(client, uri).await {
            Ok(v) => return Ok(v),
            Err(f) if transient(&f) => last = f,
            Err(f) => return Err(f),
        }
    }
    Err(last)
}

async fn get_once<T: DeserializeOwned>(client: &Client, uri: &str) -> Result<T, Failure> {
    let req = http::Request::get(uri)
        .header(http::header::ACCEPT, "application/json")
        .body(kube::client::Body::empty())
        .map_err(|e| Failure::Transport(format!("bad request {uri}: {e}")))?;
    let started = Instant::now();
    let res = client.send(req).await.map_err(|e| {
        let f = Failure::Transport(transport_text(&e));
        tracing::debug!("GET {uri}: {f}");
        f
    })?;
    let status = res.status();
    let body = res.into_body().collect_bytes().await.map_err(|e| {
        let f = Failure::Transport(format!("reading the response body: {}", transport_text(&e)));
        tracing::debug!("GET {uri} -> {}: {f}", status.as_u16());
        f
    })?;
    tracing::debug!(
        "GET {uri} -> {} ({} bytes, {} ms)",
        status.as_u16(),
        body.len(),
        started.elapsed().as_millis()
    );
    if !status.is_success() {
        let parsed: Option<kube::core::Status> = serde_json::from_slice(&body).ok();
        return Err(Failure::Status {
            code: status.as_u16(),
            reason: parsed
                .as_ref()
                .map(|s| s.reason.clone())
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").to_string()),
            message: parsed
                .map(|s| s.message)
                .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(200).collect()),
        });
    }
    serde_json::from_slice(&body).map_err(|e| {
        Failure::Transport(format!("invalid or truncated response body ({} bytes): {e}", body.len()))
    })
}

/// The error text of a transport failure, with its causes.
fn transport_text(e: &kube::Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
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

/// What to list: the collection path, query parameters (selectors) and the page size.
struct ListRequest<'a> {
    path: &'a str,
    query: &'a [(&'a str, &'a str)],
    limit: u32,
}

/// One LIST, paginated, each page handed to `on_page`. A 410 Expired continue token restarts
/// the list from the beginning when `on_restart` agrees (returns true); else the 410 is returned.
async fn list_paged<T: DeserializeOwned>(
    client: &Client,
    req: ListRequest<'_>,
    opts: &KubeOptions,
    progress: &Progress,
    mut on_page: impl FnMut(Vec<T>),
    mut on_restart: impl FnMut() -> bool,
) -> Result<ListStats, Failure> {
    let ListRequest { path, query, limit } = req;
    let mut stats = ListStats::default();
    let mut token: Option<String> = None;
    loop {
        let mut q: Vec<(String, String)> =
            query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        q.push(("limit".into(), limit.to_string()));
        if let Some(t) = &token {
            q.push(("continue".into(), t.clone()));
        }
        let uri = format!("{path}?{}", encode_query(&q));
        let page: convert::List<T> = match get(client, &uri, opts.attempts).await {
            Ok(p) => p,
            Err(f @ Failure::Status { code: 410, .. }) if token.is_some() && stats.restarts < 3 => {
                if !on_restart() {
                    return Err(f);
                }
                stats.restarts += 1;
                stats.items = 0;
                stats.pages = 0;
                token = None;
                continue;
            }
            Err(f) => return Err(f),
        };
        stats.pages += 1;
        stats.items += page.items.len() as u64;
        progress.tick(path, stats.items, page.metadata.remaining_item_count);
        on_page(page.items);
        match page.metadata.continue_token.filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t),
            None => return Ok(stats),
        }
    }
}

/// Lists PodMetrics in every scope and adds each pod's usage to `agg` as pages arrive. A 410
/// restart of any of these lists discards all pod usage added so far and lists every scope
/// again (at most three times), so no pod is counted twice. On failure the usage added so far
/// is discarded too: pod usage is either complete or absent.
async fn pod_metrics_into(
    client: &Client,
    scopes: &[Option<&str>],
    query: &[(&str, &str)],
    opts: &KubeOptions,
    progress: &Progress,
    agg: &mut Aggregator,
) -> (Result<(), (String, Failure)>, Vec<String>) {
    let mut warnings = Vec::new();
    let mut pass = 0;
    'pass: loop {
        pass += 1;
        agg.clear_pod_usage();
        warnings.clear();
        for ns in scopes {
            let path = match ns {
                Some(ns) => format!("/apis/metrics.k8s.io/v1beta1/namespaces/{}/pods", pct(ns)),
                None => "/apis/metrics.k8s.io/v1beta1/pods".to_string(),
            };
            let expired = std::cell::Cell::new(false);
            let agg_cell = std::cell::RefCell::new(&mut *agg);
            let r = list_paged::<convert::Metrics>(
                client,
                ListRequest { path: &path, query, limit: opts.page_size.saturating_mul(METRICS_PAGE_FACTOR) },
                opts,
                progress,
                |page| {
                    let mut agg = agg_cell.borrow_mut();
                    for m in &page {
                        let ns = m.metadata.namespace.as_deref().unwrap_or_default();
                        agg.add_pod_usage(ns, &m.metadata.name, convert::pod_usage(m, &mut warnings));
                    }
                },
                // Usage already added cannot be taken back page by page: stop, start over.
                || {
                    expired.set(true);
                    false
                },
            )
            .await;
            match r {
                Ok(_) => {}
                Err(_) if expired.get() && pass < 4 => continue 'pass,
                Err(f) => {
                    agg.clear_pod_usage();
                    return (Err((path, f)), warnings);
                }
            }
        }
        return (Ok(()), warnings);
    }
}

/// Metrics items (a name and two quantities per container, about 300 bytes) are some 20 times
/// smaller than pods (4-8 KB with managedFields), so their lists take this many times the
/// page size: pages of similar bytes, a tenth of the round trips.
pub const METRICS_PAGE_FACTOR: u32 = 10;

/// Counts for one LIST.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListStats {
    /// Pages fetched (of the last, complete pass).
    pub pages: u64,
    /// Items received (of the last, complete pass).
    pub items: u64,
    /// Restarts after 410 Expired.
    pub restarts: u32,
}

fn encode_query(q: &[(String, String)]) -> String {
    q.iter().map(|(k, v)| format!("{}={}", pct(k), pct(v))).collect::<Vec<_>>().join("&")
}

/// Percent-encodes a query component (RFC 3986 unreserved characters pass through).
fn pct(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Progress on stderr while listing, only on a terminal.
struct Progress {
    enabled: bool,
    started: Instant,
}

impl Progress {
    fn new(wanted: bool) -> Progress {
        Progress { enabled: wanted && std::io::stderr().is_terminal(), started: Instant::now() }
    }

    fn tick(&self, path: &str, items: u64, remaining: Option<u64>) {
        if !self.enabled {
            return;
        }
        let what = path.rsplit('/').next().unwrap_or(path);
        let total = remaining.map(|r| format!(" of {}", items + r)).unwrap_or_default();
        let mut e = std::io::stderr().lock();
        let _ = write!(
            e,
            "\r\x1b[Klisting {what}: {items}{total} ({:.1}s)",
            self.started.elapsed().as_secs_f64()
        );
        let _ = e.flush();
    }

    fn done(&self) {
        if self.enabled {
            let mut e = std::io::stderr().lock();
            let _ = write!(e, "\r\x1b[K");
            let _ = e.flush();
        }
    }
}

fn describe(verb_resource: &str, f: &Failure) -> String {
    match f {
        Failure::Status { code: 403, message, .. } => format!("{verb_resource}: forbidden (403): {message}"),
        Failure::Status { code: 404, .. } | Failure::Status { code: 503, .. }
            if verb_resource.contains("metrics.k8s.io") =>
        {
            format!("{verb_resource}: the metrics API is not available ({f}); is metrics-server installed?")
        }
        _ => format!("{verb_resource}: {f}"),
    }
}

/// Reads the cluster. `Err` only when the API server cannot be reached at all (the caller
/// decides whether that is fatal); everything else degrades into `ClusterSnapshot::missing`.
pub async fn snapshot(
    client: &Client,
    target: &Target,
    profile: &Profile,
    opts: &KubeOptions,
) -> Result<ClusterSnapshot, Unreachable> {
    let progress = Progress::new(opts.progress);
    let mut missing: Vec<String> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();

    let pod_fields = "status.phase!=Succeeded,status.phase!=Failed";
    let mut pod_query: Vec<(&str, &str)> = vec![("fieldSelector", pod_fields)];
    let mut metrics_query: Vec<(&str, &str)> = Vec::new();
    if let Some(sel) = &opts.selector {
        pod_query.push(("labelSelector", sel));
        metrics_query.push(("labelSelector", sel));
    }
    let mut node_query: Vec<(&str, &str)> = Vec::new();
    if let Some(sel) = &opts.node_selector {
        node_query.push(("labelSelector", sel));
    }
    let scopes: Vec<Option<&str>> = if opts.namespaces.is_empty() {
        vec![None]
    } else {
        opts.namespaces.iter().map(|n| Some(n.as_str())).collect()
    };

    // Nodes, node metrics and pods are independent: fetch them concurrently. Pods aggregate page
    // by page into a part per namespace scope (a 410 restart discards only that part); pod
    // metrics follow the pods and are joined as their pages arrive.
    let nodes_fut = async {
        let nodes = std::cell::RefCell::new(Vec::new());
        let mut w = Vec::new();
        let r = list_paged::<convert::Node>(
            client,
            ListRequest { path: "/api/v1/nodes", query: &node_query, limit: opts.page_size },
            opts,
            &progress,
            |page| nodes.borrow_mut().extend(page.iter().map(|n| convert::node_info(n, &mut w))),
            || {
                nodes.borrow_mut().clear();
                true
            },
        )
        .await;
        (r, nodes.into_inner(), w)
    };
    let pods_fut = async {
        let mut total = Aggregator::new(profile.services.len());
        let mut results = Vec::new();
        for ns in &scopes {
            let path = match ns {
                Some(ns) => format!("/api/v1/namespaces/{}/pods", pct(ns)),
                None => "/api/v1/pods".to_string(),
            };
            let part = std::cell::RefCell::new(Aggregator::new(profile.services.len()));
            let r = list_paged::<convert::Pod>(
                client,
                ListRequest { path: &path, query: &pod_query, limit: opts.page_size },
                opts,
                &progress,
                |page| {
                    let mut part = part.borrow_mut();
                    let mut w = Vec::new();
                    for p in &page {
                        let info = convert::pod_info(p, &mut w);
                        part.add_pod(profile, &info);
                    }
                    part.warnings.append(&mut w);
                },
                || {
                    *part.borrow_mut() = Aggregator::new(profile.services.len());
                    true
                },
            )
            .await;
            if r.is_ok() {
                total.merge(part.into_inner());
            }
            results.push((path, r));
        }
        // Then the pod metrics, applied straight into the totals: the join needs the pods, and
        // streaming the metrics after them keeps memory at 16 bytes per pod instead of
        // buffering the usage of every pod while the (much longer) pod list is still arriving.
        let pm = if results.iter().all(|(_, r)| r.is_ok()) {
            Some(pod_metrics_into(client, &scopes, &metrics_query, opts, &progress, &mut total).await)
        } else {
            None
        };
        (results, total, pm)
    };
    let node_metrics_fut = async {
        let usage = std::cell::RefCell::new(Vec::new());
        let mut w = Vec::new();
        let r = list_paged::<convert::Metrics>(
            client,
            ListRequest {
                path: "/apis/metrics.k8s.io/v1beta1/nodes",
                query: &node_query,
                limit: opts.page_size.saturating_mul(METRICS_PAGE_FACTOR),
            },
            opts,
            &progress,
            |page| {
                usage
                    .borrow_mut()
                    .extend(page.iter().map(|m| (m.metadata.name.clone(), convert::node_usage(m, &mut w))))
            },
            || {
                usage.borrow_mut().clear();
                true
            },
        )
        .await;
        (r, usage.into_inner(), w)
    };
    let ((node_r, nodes, w1), (pod_results, mut agg, pod_metrics), (nm_r, node_usage, w2)) =
        tokio::join!(nodes_fut, pods_fut, node_metrics_fut);
    progress.done();

    // Nothing answered at all: the server is unreachable.
    let all_transport = matches!(node_r, Err(Failure::Transport(_)))
        && pod_results.iter().all(|(_, r)| matches!(r, Err(Failure::Transport(_))));
    if all_transport {
        let reason = match &node_r {
            Err(f) => f.to_string(),
            Ok(_) => String::new(),
        };
        return Err(Unreachable(format!(
            "cluster {} (context {:?}) is unreachable: {reason}",
            target.server, target.context
        )));
    }

    let nodes_read = match node_r {
        Ok(_) => {
            nodes.into_iter().for_each(|n| agg.add_node(n));
            true
        }
        Err(f) => {
            missing.push(describe("list nodes", &f));
            false
        }
    };
    let mut pods_read = true;
    for (path, r) in &pod_results {
        if let Err(f) = r {
            pods_read = false;
            missing.push(describe(&format!("list pods ({path})"), f));
        }
    }
    let node_metrics_read = match nm_r {
        Ok(_) => {
            node_usage.into_iter().for_each(|(n, u)| agg.add_node_usage(&n, u));
            true
        }
        Err(f) => {
            missing.push(describe("list nodes.metrics.k8s.io", &f));
            false
        }
    };
    let mut w3 = Vec::new();
    let pod_metrics_read = match pod_metrics {
        Some((Ok(()), w)) => {
            w3 = w;
            true
        }
        Some((Err((path, f)), _)) => {
            missing.push(describe(&format!("list pods.metrics.k8s.io ({path})"), &f));
            false
        }
        None => {
            missing.push("list pods.metrics.k8s.io: skipped, the pod list is incomplete".to_string());
            false
        }
    };
    warnings.extend(w1);
    warnings.extend(w2);
    warnings.extend(w3);
    agg.warnings.extend(warnings);
    Ok(ClusterSnapshot {
        context: target.context.clone(),
        server: target.server.clone(),
        namespaces: opts.namespaces.clone(),
        selector: opts.selector.clone(),
        node_selector: opts.node_selector.clone(),
        nodes_read,
        pods_read,
        node_metrics_read,
        pod_metrics_read,
        missing,
        aggregate: agg,
    })
}
