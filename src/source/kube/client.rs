//! The kube client side: connecting, paginated GET-only lists, retries, and the snapshot.

use std::cell::{Cell, RefCell};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::error::{InputError, Unreachable};
use crate::model::inventory::{Aggregator, ClusterSnapshot, InvalidQuantity, NodeInfo, ReadPart, Res};
use crate::model::profile::Profile;

use super::{convert, stream};

/// The User-Agent of every request: `bizo-plan/VERSION`.
pub const USER_AGENT: &str = concat!("bizo-plan/", env!("CARGO_PKG_VERSION"));

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
    /// Per-request timeout, the body included.
    pub request_timeout: Duration,
    /// The whole cluster read (`--timeout`): no request outlives it.
    pub timeout: Duration,
    /// Items per LIST page of nodes and pods (metrics-server ignores `limit`: its lists are
    /// one body).
    pub page_size: u32,
    /// Pod lists read at a time (`--parallel-lists`): a cluster-wide pod list is split by
    /// namespace into that many concurrent lists when the namespaces can be listed; 1 reads one
    /// cluster-wide list.
    pub parallel_lists: u32,
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
            request_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            insecure_skip_tls_verify: false,
            page_size: 500,
            parallel_lists: 4,
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
    // A password in the server URL (`https://user:pass@host`) would be printed by every log
    // line that shows a request URL (kube's `http.url=` span): take it out of the URL and send
    // it as basic auth, as Go's HTTP client would, unless the kubeconfig has credentials.
    strip_user_info(&mut config);
    config.headers.push((http::header::USER_AGENT, http::HeaderValue::from_static(USER_AGENT)));
    // Bodies are inflated by bizo-plan itself (`gzip.rs`), straight into the list decoder; the
    // kubeconfig's `disable-compression: true` turns the request off, as in client-go.
    if !config.disable_compression {
        config.headers.push((http::header::ACCEPT_ENCODING, http::HeaderValue::from_static("gzip")));
    }
    config.connect_timeout = Some(opts.connect_timeout);
    config.read_timeout = Some(opts.request_timeout);
    config.write_timeout = Some(opts.request_timeout);
    // bizo-plan retries itself (bounded, and it knows which lists can restart).
    config.default_retry = false;
    let client = Client::try_from(config).map_err(|e| Unreachable(format!("cluster {server}: {e}")))?;
    Ok(Connection::Ready(client, Target { context, server, warnings }))
}

/// Moves user information out of the cluster URL (into basic auth when there is no other
/// credential), so no request URI carries it.
fn strip_user_info(config: &mut Config) {
    let uri = config.cluster_url.clone();
    let Some(authority) = uri.authority().map(|a| a.as_str().to_string()) else { return };
    let Some((user_info, host)) = authority.rsplit_once('@') else { return };
    let mut parts = uri.into_parts();
    parts.authority = http::uri::Authority::try_from(host).ok();
    let Ok(clean) = http::Uri::from_parts(parts) else { return };
    config.cluster_url = clean;
    let a = &mut config.auth_info;
    let has_credentials = a.token.is_some()
        || a.token_file.is_some()
        || a.exec.is_some()
        || a.username.is_some()
        || a.client_certificate_data.is_some()
        || a.client_certificate.is_some()
        || a.auth_provider.is_some();
    if !has_credentials {
        let (user, pass) = user_info.split_once(':').unwrap_or((user_info, ""));
        a.username = Some(percent_decode(user));
        a.password = Some(percent_decode(pass).into());
    }
}

/// Decodes `%XX` escapes (invalid ones are kept as they are).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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
    /// No usable answer: connection refused or reset, a body cut short.
    Transport(String),
    /// No complete answer within the deadline (`--request-timeout`, or the run's `--timeout`).
    Timeout(String),
    /// A 200 answer that is not a list of the expected kind, or not JSON.
    Malformed(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Status { code, reason, message } => write!(f, "{code} {reason}: {message}"),
            Failure::Transport(m) | Failure::Timeout(m) => f.write_str(m),
            Failure::Malformed(m) => write!(f, "malformed answer: {m}"),
        }
    }
}

/// Retried: server errors, throttling, broken connections and bodies, malformed answers.
/// Never retried: timeouts (the whole budget was spent waiting already) and client errors.
fn transient(f: &Failure) -> bool {
    match f {
        Failure::Status { code, .. } => matches!(code, 429 | 500 | 502 | 503 | 504),
        Failure::Transport(_) | Failure::Malformed(_) => true,
        Failure::Timeout(_) => false,
    }
}

/// Backoff before attempt `n` (from 1): 100 ms, 200 ms, 400 ms, ... at most 1.6 s.
fn backoff(n: u32) -> Duration {
    Duration::from_millis(100 << n.saturating_sub(1).min(4))
}

/// What every request of one cluster read shares: the client, the limits, the deadline.
#[derive(Clone)]
struct Fetch {
    client: Client,
    attempts: u32,
    request_timeout: Duration,
    /// The whole read must be done by then (`--timeout`).
    deadline: tokio::time::Instant,
}

/// A response whose headers arrived, and until when its body may take.
struct Opened {
    res: http::Response<kube::client::Body>,
    sent: tokio::time::Instant,
}

impl Fetch {
    fn request_deadline(&self, sent: tokio::time::Instant) -> tokio::time::Instant {
        (sent + self.request_timeout).min(self.deadline)
    }

    fn timeout_text(&self, uri: &str, sent: tokio::time::Instant) -> String {
        if sent + self.request_timeout > self.deadline {
            format!("GET {uri}: no complete answer before the end of the run's --timeout")
        } else {
            format!(
                "GET {uri}: no complete answer within --request-timeout {}s",
                self.request_timeout.as_secs()
            )
        }
    }

    /// Sends a GET and waits for its headers, retrying transient failures (honouring
    /// `Retry-After` when it fits in the deadline). An error status is read (its Status
    /// message, at most 64 KiB) and returned as [`Failure::Status`].
    async fn open(&self, uri: &str) -> Result<Opened, Failure> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (f, retry_after) = match self.open_once(uri).await {
                Ok(o) => return Ok(o),
                Err(e) => e,
            };
            if !transient(&f) || attempt >= self.attempts.max(1) {
                return Err(f);
            }
            let wait = retry_after.map_or_else(|| backoff(attempt), Duration::from_secs);
            if tokio::time::Instant::now() + wait >= self.deadline {
                return Err(f);
            }
            tracing::debug!("GET {uri}: {f}; attempt {} in {} ms", attempt + 1, wait.as_millis());
            tokio::time::sleep(wait).await;
        }
    }

    async fn open_once(&self, uri: &str) -> Result<Opened, (Failure, Option<u64>)> {
        let req = http::Request::get(uri)
            .header(http::header::ACCEPT, "application/json")
            .body(kube::client::Body::empty())
            .map_err(|e| (Failure::Transport(format!("bad request {uri}: {e}")), None))?;
        let sent = tokio::time::Instant::now();
        let deadline = self.request_deadline(sent);
        let res = match tokio::time::timeout_at(deadline, self.client.send(req)).await {
            Err(_) => return Err((Failure::Timeout(self.timeout_text(uri, sent)), None)),
            Ok(Err(e)) => {
                let f = if is_timeout(&e) {
                    Failure::Timeout(format!("GET {uri}: {}", transport_text(&e)))
                } else {
                    Failure::Transport(transport_text(&e))
                };
                tracing::debug!("GET {uri}: {f}");
                return Err((f, None));
            }
            Ok(Ok(res)) => res,
        };
        let status = res.status();
        if status.is_success() {
            return Ok(Opened { res, sent });
        }
        let retry_after = res
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let gzipped = gzipped(&res).unwrap_or(false);
        let body = match tokio::time::timeout_at(deadline, read_capped(res.into_body(), 64 << 10)).await {
            Ok(Ok(b)) if gzipped => inflate_capped(&b, 64 << 10),
            Ok(Ok(b)) => b,
            Ok(Err(_)) | Err(_) => Vec::new(),
        };
        tracing::debug!("GET {uri} -> {} ({} ms)", status.as_u16(), sent.elapsed().as_millis());
        let parsed: Option<kube::core::Status> = serde_json::from_slice(&body).ok();
        Err((
            Failure::Status {
                code: status.as_u16(),
                reason: parsed
                    .as_ref()
                    .map(|s| s.reason.clone())
                    .filter(|r| !r.is_empty())
                    .unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").to_string()),
                message: parsed
                    .map(|s| s.message)
                    .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(200).collect()),
            },
            retry_after,
        ))
    }

    /// [`Fetch::open`] on its own task: the request goes out now, its answer waits.
    fn spawn_open(&self, uri: String) -> Prefetch {
        let me = self.clone();
        let u = uri.clone();
        let handle = tokio::spawn(async move { me.open(&u).await });
        Prefetch { uri, handle: Some(handle) }
    }
}

/// The next page's request, sent while this page is still arriving. Aborted when dropped.
struct Prefetch {
    uri: String,
    handle: Option<tokio::task::JoinHandle<Result<Opened, Failure>>>,
}

impl Prefetch {
    async fn wait(mut self) -> Result<Opened, Failure> {
        match self.handle.take() {
            Some(h) => h.await.unwrap_or_else(|e| Err(Failure::Transport(format!("GET {}: {e}", self.uri)))),
            None => Err(Failure::Transport(format!("GET {}: no request", self.uri))),
        }
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        if let Some(h) = &self.handle {
            h.abort();
        }
    }
}

/// Reads at most `cap` bytes of a body (error answers only).
async fn read_capped(mut body: kube::client::Body, cap: usize) -> Result<Vec<u8>, kube::Error> {
    use http_body_util::BodyExt;
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame?;
        if let Ok(data) = frame.into_data() {
            out.extend_from_slice(&data[..data.len().min(cap - out.len())]);
            if out.len() >= cap {
                break;
            }
        }
    }
    Ok(out)
}

/// Whether a body is gzipped (`Content-Encoding: gzip`); an encoding bizo-plan did not ask for
/// is an error naming it.
fn gzipped(res: &http::Response<kube::client::Body>) -> Result<bool, Failure> {
    let Some(v) = res.headers().get(http::header::CONTENT_ENCODING) else { return Ok(false) };
    let v = v.to_str().unwrap_or("(not text)").trim();
    if v.eq_ignore_ascii_case("gzip") {
        Ok(true)
    } else if v.is_empty() || v.eq_ignore_ascii_case("identity") {
        Ok(false)
    } else {
        Err(Failure::Malformed(format!(
            "an answer in Content-Encoding {v:?}, which bizo-plan does not ask for"
        )))
    }
}

/// At most `cap` bytes of a gzipped error body, inflated (an error body is only shown: what
/// inflates before a decoding error is kept).
fn inflate_capped(z: &[u8], cap: usize) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    let _ = flate2::read::GzDecoder::new(z).take(cap as u64).read_to_end(&mut out);
    out
}

fn is_timeout(e: &kube::Error) -> bool {
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = src {
        if let Some(io) = c.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return true;
        }
        src = c.source();
    }
    false
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

/// Where the items of a list go. Items of a page are handed over as they are decoded; a page
/// that fails half-way is discarded (or, where items cannot be taken back, the list fails).
trait Sink<T> {
    /// One item.
    fn item(&mut self, item: T);
    /// The page ended well: keep its items.
    fn commit(&mut self) {}
    /// The page failed: drop its items. False when they cannot be taken back.
    fn discard(&mut self) -> bool;
    /// The list starts over (after 410 Expired): drop everything.
    fn restart(&mut self);
}

/// What to list: the collection path, query parameters (selectors), page size and kind.
struct ListRequest<'a> {
    path: &'a str,
    query: &'a [(&'a str, &'a str)],
    /// `None`: one unpaginated request (the metrics lists: metrics-server ignores `limit`).
    limit: Option<u32>,
    /// The list's `kind` (`PodList`, ...).
    kind: &'a str,
    /// The first request, when it was sent ahead (the pod metrics: sent with the pods, read
    /// after them); used when its URI is the list's first.
    first: Option<Prefetch>,
}

/// Counts for one LIST.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListStats {
    /// Pages fetched (of the last, complete pass).
    pub pages: u64,
    /// Items received (of the last, complete pass).
    pub items: u64,
    /// Restarts after 410 Expired.
    pub restarts: u32,
    /// How the list ended after its continue token expired, if it did (for the report).
    pub expired: Option<String>,
}

fn list_uri(path: &str, query: &[(&str, &str)], limit: Option<u32>, token: Option<&str>) -> String {
    let mut q: Vec<(String, String)> = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    if let Some(l) = limit {
        q.push(("limit".into(), l.to_string()));
    }
    if let Some(t) = token {
        q.push(("continue".into(), t.to_string()));
    }
    if q.is_empty() { path.to_string() } else { format!("{path}?{}", encode_query(&q)) }
}

/// The backoff after a first 410 Expired before the list starts over.
const EXPIRED_BACKOFF: Duration = Duration::from_millis(500);

/// One LIST, streamed page by page into `sink`. The next page is requested as soon as this
/// page's `continue` token has arrived (it precedes the items), so fetching overlaps decoding.
/// Transient failures of a page retry that page. A 410 Expired continue token restarts the
/// list once after a backoff; if the restarted list expires again, it is read as one
/// unpaginated list (client-go's pager, FullListIfExpired).
async fn list_paged<T: serde::de::DeserializeOwned>(
    fetch: &Fetch,
    req: ListRequest<'_>,
    progress: &Progress,
    sink: &mut dyn Sink<T>,
) -> Result<ListStats, Failure> {
    let ListRequest { path, query, mut limit, kind, first } = req;
    let bar = progress.bar(path);
    let mut stats = ListStats::default();
    let mut token: Option<String> = None;
    let mut prefetch: Option<Prefetch> = first;
    let mut page_attempt = 0u32;
    loop {
        let uri = list_uri(path, query, limit, token.as_deref());
        let opened = match prefetch.take() {
            Some(p) if p.uri == uri => {
                let mut r = p.wait().await;
                // The request's clock starts when bizo-plan starts waiting for it.
                if let Ok(o) = &mut r {
                    o.sent = o.sent.max(tokio::time::Instant::now());
                }
                r
            }
            // A page asked again: the next page's request, already sent, stays.
            other => {
                prefetch = other;
                fetch.open(&uri).await
            }
        };
        let opened = match opened {
            Ok(o) => o,
            Err(Failure::Status { code: 410, .. }) if token.is_some() => {
                stats.restarts += 1;
                prefetch = None;
                sink.restart();
                stats.items = 0;
                stats.pages = 0;
                token = None;
                if stats.restarts == 1 {
                    tracing::debug!("GET {uri}: 410 Expired; the list starts over");
                    tokio::time::sleep(EXPIRED_BACKOFF).await;
                } else {
                    limit = None;
                    stats.expired = Some(format!(
                        "list {path}: the continue token expired twice; read as one unpaginated list"
                    ));
                }
                continue;
            }
            Err(f) => return Err(f),
        };
        let mut next: Option<String> = None;
        let mut page_items = 0u64;
        let deadline = fetch.request_deadline(opened.sent);
        let mut on_event = |e: stream::Event<T>| match e {
            stream::Event::Meta(meta) => {
                // A page with a continue token is full (`limit` items); the rest is remaining.
                if let (Some(r), Some(l)) = (meta.remaining_item_count, limit) {
                    bar.total(stats.items + u64::from(l) + r);
                }
                if let Some(t) = meta.continue_token.filter(|t| !t.is_empty())
                    && limit.is_some()
                {
                    let nu = list_uri(path, query, limit, Some(&t));
                    if prefetch.as_ref().is_none_or(|p| p.uri != nu) {
                        prefetch = Some(fetch.spawn_open(nu));
                    }
                    next = Some(t);
                }
                Ok(())
            }
            stream::Event::Item(item) => {
                sink.item(item);
                page_items += 1;
                if page_items.is_multiple_of(256) {
                    bar.set(stats.items + page_items);
                }
                Ok(())
            }
        };
        let read = read_list(opened.res, kind, &mut on_event);
        let read = match tokio::time::timeout_at(deadline, read).await {
            Ok(r) => r,
            Err(_) => Err(Failure::Timeout(fetch.timeout_text(&uri, opened.sent))),
        };
        match read {
            Ok(()) => {
                sink.commit();
                page_attempt = 0;
                stats.pages += 1;
                stats.items += page_items;
                bar.set(stats.items);
                tracing::debug!(
                    "GET {uri} -> 200 ({page_items} items, {} ms)",
                    opened.sent.elapsed().as_millis()
                );
                match next {
                    Some(t) => token = Some(t),
                    None => {
                        bar.done(stats.items);
                        return Ok(stats);
                    }
                }
            }
            Err(f) => {
                tracing::debug!("GET {uri}: {f}");
                page_attempt += 1;
                if !sink.discard() || !transient(&f) || page_attempt >= fetch.attempts.max(1) {
                    return Err(f);
                }
                let wait = backoff(page_attempt);
                if tokio::time::Instant::now() + wait >= fetch.deadline {
                    return Err(f);
                }
                tokio::time::sleep(wait).await;
                // The page is asked again; a prefetched next page stays valid.
            }
        }
    }
}

/// Streams a 200 list body through the [`stream::ListDecoder`]: the body is never held whole.
async fn read_list<T: serde::de::DeserializeOwned>(
    res: http::Response<kube::client::Body>,
    kind: &str,
    on: &mut dyn FnMut(stream::Event<T>) -> Result<(), String>,
) -> Result<(), Failure> {
    use http_body_util::BodyExt;
    let mut gunzip = gzipped(&res)?.then(super::gzip::Gunzip::new);
    let mut body = res.into_body();
    let mut dec = stream::ListDecoder::new(kind);
    if let Some(rule) = super::convert::kept_fields(kind) {
        dec = dec.keeping(rule);
    }
    let mut received = 0u64;
    let decode_failure = |e: stream::DecodeError| match e {
        stream::DecodeError::Truncated { .. } => {
            Failure::Transport(format!("invalid or truncated response body: {e}"))
        }
        e => Failure::Malformed(e.to_string()),
    };
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            Failure::Transport(format!(
                "reading the response body after {received} bytes: {}",
                transport_text(&e)
            ))
        })?;
        let Ok(data) = frame.into_data() else { continue };
        received += data.len() as u64;
        // Decoded in steps, yielding between them to the other tasks of this (single-threaded)
        // runtime: the next page's request, spawned when this page's continue token was
        // decoded, must go out now, not after the whole frame (on loopback one frame can be a
        // whole page) is decoded.
        match &mut gunzip {
            None => {
                for piece in data.chunks(super::gzip::STEP) {
                    dec.feed(piece, on).map_err(decode_failure)?;
                    tokio::task::yield_now().await;
                }
            }
            Some(g) => {
                // Inflated into the decoder's buffer and decoded step by step.
                let mut rest: &[u8] = &data;
                loop {
                    let (mut used, mut grew, mut bad) = (0, false, None);
                    let mut fill = |buf: &mut Vec<u8>| {
                        let before = buf.len();
                        match g.push(rest, buf) {
                            Ok(n) => used = n,
                            Err(e) => bad = Some(e),
                        }
                        grew = buf.len() > before;
                    };
                    dec.feed_with(&mut fill, on).map_err(decode_failure)?;
                    if let Some(e) = bad {
                        return Err(Failure::Malformed(format!(
                            "a gzipped body that does not inflate, {received} bytes in: {e}"
                        )));
                    }
                    if used == 0 && !grew && !rest.is_empty() {
                        // Never a busy loop on a decoder that cannot go on.
                        return Err(Failure::Malformed(format!(
                            "a gzipped body that does not inflate, {received} bytes in: no progress"
                        )));
                    }
                    rest = &rest[used..];
                    if rest.is_empty() && !grew {
                        break;
                    }
                    tokio::task::yield_now().await;
                }
            }
        }
    }
    if let Some(g) = &gunzip {
        g.finish()
            .map_err(|e| Failure::Transport(format!("a gzipped body cut after {received} bytes: {e}")))?;
    }
    dec.finish(on).map_err(decode_failure)?;
    Ok(())
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

/// Progress on stderr while listing, only on a terminal: one line per list with its count
/// (and its total when the server gives `remainingItemCount`), all cleared at the end.
struct Progress {
    bars: Option<indicatif::MultiProgress>,
}

/// One list's progress line (a no-op when progress is off).
struct Bar {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new(wanted: bool) -> Progress {
        let on = wanted && std::io::stderr().is_terminal();
        Progress {
            bars: on.then(|| {
                indicatif::MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(10))
            }),
        }
    }

    fn bar(&self, path: &str) -> Bar {
        let what = path.trim_start_matches("/apis/metrics.k8s.io/v1beta1").trim_start_matches("/api/v1");
        let what =
            if path.contains("metrics.k8s.io") { format!("{what} (metrics)") } else { what.to_string() };
        let bar = self.bars.as_ref().map(|m| {
            let b = m.add(indicatif::ProgressBar::no_length());
            b.set_style(
                indicatif::ProgressStyle::with_template("listing {prefix}: {pos}{msg} ({elapsed})")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            b.set_prefix(what.clone());
            b
        });
        Bar { bar }
    }

    fn done(&self) {
        if let Some(m) = &self.bars {
            let _ = m.clear();
        }
    }
}

impl Bar {
    fn total(&self, t: u64) {
        if let Some(b) = &self.bar {
            b.set_length(t);
            b.set_message(format!(" of {t}"));
        }
    }

    fn set(&self, items: u64) {
        if let Some(b) = &self.bar {
            b.set_position(items);
        }
    }

    fn done(&self, items: u64) {
        if let Some(b) = &self.bar {
            b.set_position(items);
            b.finish();
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

/// Nodes (or NodeMetrics) of one page, kept when the page completes.
struct VecSink<U> {
    page: Vec<U>,
    all: Vec<U>,
}

impl<U> Default for VecSink<U> {
    fn default() -> Self {
        VecSink { page: Vec::new(), all: Vec::new() }
    }
}

impl<U> VecSink<U> {
    fn push(&mut self, u: U) {
        self.page.push(u);
    }
    fn commit_page(&mut self) {
        self.all.append(&mut self.page);
    }
}

struct NodeSink(VecSink<NodeInfo>);

impl Sink<convert::Node> for NodeSink {
    fn item(&mut self, n: convert::Node) {
        self.0.push(convert::node_info(&n));
    }
    fn commit(&mut self) {
        self.0.commit_page();
    }
    fn discard(&mut self) -> bool {
        self.0.page.clear();
        true
    }
    fn restart(&mut self) {
        self.0 = VecSink::default();
    }
}

struct NodeMetricsSink(VecSink<(String, Result<Res, InvalidQuantity>)>);

impl Sink<convert::Metrics> for NodeMetricsSink {
    fn item(&mut self, m: convert::Metrics) {
        let u = convert::node_usage(&m);
        self.0.push((m.metadata.name, u));
    }
    fn commit(&mut self) {
        self.0.commit_page();
    }
    fn discard(&mut self) -> bool {
        self.0.page.clear();
        true
    }
    fn restart(&mut self) {
        self.0 = VecSink::default();
    }
}

/// Pods of one scope: each page aggregates on its own, then goes into the scope's part of the
/// read when the page completes; the part names its nodes by their slots in `read`.
struct PodSink<'a> {
    profile: &'a Profile,
    page: Aggregator,
    part: ReadPart,
    read: &'a RefCell<Aggregator>,
    finished: u64,
    page_finished: u64,
    cluster: &'a str,
}

impl<'a> PodSink<'a> {
    fn new(profile: &'a Profile, cluster: &'a str, read: &'a RefCell<Aggregator>) -> Self {
        PodSink {
            profile,
            page: Aggregator::for_cluster(profile.services.len(), cluster),
            part: ReadPart::for_cluster(profile.services.len(), cluster),
            read,
            finished: 0,
            page_finished: 0,
            cluster,
        }
    }
    fn fresh(&self) -> Aggregator {
        Aggregator::for_cluster(self.profile.services.len(), self.cluster)
    }
}

impl Sink<convert::Pod> for PodSink<'_> {
    fn item(&mut self, p: convert::Pod) {
        // The field selector leaves finished pods out; a server or proxy that ignores it does
        // not get them counted.
        if matches!(p.status.phase.as_deref(), Some("Succeeded" | "Failed")) {
            self.page_finished += 1;
            return;
        }
        let mut w = Vec::new();
        let info = convert::pod_info(p, &mut w);
        self.page.add_pod(self.profile, &info);
        self.page.warnings.append(&mut w);
    }
    fn commit(&mut self) {
        let fresh = self.fresh();
        let page = std::mem::replace(&mut self.page, fresh);
        self.part.add_page(page, &mut self.read.borrow_mut());
        self.finished += std::mem::take(&mut self.page_finished);
    }
    fn discard(&mut self) -> bool {
        self.page = self.fresh();
        self.page_finished = 0;
        true
    }
    fn restart(&mut self) {
        self.page = self.fresh();
        self.part = ReadPart::for_cluster(self.profile.services.len(), self.cluster);
        self.finished = 0;
        self.page_finished = 0;
    }
}

/// Pod usage, joined straight into the totals as items arrive (the metrics list is one
/// unpaginated body of every pod: nothing of it is buffered).
struct PodMetricsSink<'a> {
    agg: &'a mut Aggregator,
    warnings: Vec<String>,
}

impl Sink<convert::Metrics> for PodMetricsSink<'_> {
    fn item(&mut self, m: convert::Metrics) {
        let ns = m.metadata.namespace.as_deref().unwrap_or_default();
        let u = convert::pod_usage(&m, &mut self.warnings);
        self.agg.add_pod_usage(ns, &m.metadata.name, u);
    }
    fn discard(&mut self) -> bool {
        // Usage already added cannot be taken back item by item: the pass starts over.
        false
    }
    fn restart(&mut self) {
        self.agg.clear_pod_usage();
        self.warnings.clear();
    }
}

/// Pods of the whole cluster, when a scope is given: those outside the scope occupy their
/// nodes (requests), and services they match count them as out of scope.
struct OutOfScopeSink<'a> {
    profile: &'a Profile,
    /// The scope's pods (to tell which pods are outside).
    scope: &'a mut Aggregator,
    /// The pods outside, merged into the scope's totals when the list is complete.
    part: Aggregator,
    cluster: &'a str,
    page: Vec<crate::model::inventory::PodInfo>,
}

impl Sink<convert::Pod> for OutOfScopeSink<'_> {
    fn item(&mut self, p: convert::Pod) {
        if matches!(p.status.phase.as_deref(), Some("Succeeded" | "Failed")) {
            return;
        }
        let mut w = Vec::new();
        self.page.push(convert::pod_info(p, &mut w));
    }
    fn commit(&mut self) {
        for pod in self.page.drain(..) {
            if !self.scope.contains_pod(&pod.namespace, &pod.name) {
                self.part.add_pod_out_of_scope(self.profile, &pod);
            }
        }
    }
    fn discard(&mut self) -> bool {
        self.page.clear();
        true
    }
    fn restart(&mut self) {
        self.page.clear();
        self.part = Aggregator::for_cluster(self.profile.services.len(), self.cluster);
    }
}

/// Usage of the pods outside the scope, joined to their nodes as it arrives.
struct OutOfScopeMetricsSink<'a> {
    agg: &'a mut Aggregator,
}

impl Sink<convert::Metrics> for OutOfScopeMetricsSink<'_> {
    fn item(&mut self, m: convert::Metrics) {
        let ns = m.metadata.namespace.as_deref().unwrap_or_default();
        let mut w = Vec::new();
        let u = convert::pod_usage(&m, &mut w);
        self.agg.add_pod_usage_out_of_scope(ns, &m.metadata.name, u);
    }
    fn discard(&mut self) -> bool {
        false
    }
    fn restart(&mut self) {
        self.agg.clear_out_of_scope_usage();
    }
}

/// A cluster-wide pod list is split by namespace only when the cluster has at most this many
/// namespaces: each namespace costs one request (a round trip) at least, so a cluster of many
/// small namespaces reads faster as one paginated list.
const MAX_SPLIT_NAMESPACES: usize = 64;

/// The namespace list must answer within this time (or the run's `--request-timeout`, when
/// shorter), or the pods are read in one cluster-wide list: it only serves to split that list,
/// and must not hold it up (a silent server would otherwise cost two request timeouts).
const NAMESPACES_BUDGET: Duration = Duration::from_secs(2);

/// The namespaces to split a cluster-wide pod list by, in the order the apiserver lists pods
/// (the etcd key order of `namespace/name`, so a namespace sorts as `namespace/`): merged in
/// this order, the parts give the totals and orders of the one cluster-wide list. `None` (the
/// pods are read in one list) when the namespaces cannot be listed within
/// [`NAMESPACES_BUDGET`] (RBAC 403 included: listing pods does not need it), or there are
/// fewer than 2 or more than [`MAX_SPLIT_NAMESPACES`]. One request, no retry.
async fn split_namespaces(fetch: &Fetch) -> Option<Vec<String>> {
    let quick =
        Fetch { attempts: 1, request_timeout: fetch.request_timeout.min(NAMESPACES_BUDGET), ..fetch.clone() };
    let limit = (MAX_SPLIT_NAMESPACES + 1).to_string();
    let uri = list_uri("/api/v1/namespaces", &[("limit", &limit)], None, None);
    let listed = async {
        let opened = quick.open(&uri).await?;
        let mut names = Vec::new();
        let mut more = false;
        let mut on = |e: stream::Event<convert::Named>| {
            match e {
                stream::Event::Meta(m) => more = m.continue_token.is_some_and(|t| !t.is_empty()),
                stream::Event::Item(n) => names.push(n.metadata.name),
            }
            Ok(())
        };
        let read = read_list(opened.res, "NamespaceList", &mut on);
        match tokio::time::timeout_at(quick.request_deadline(opened.sent), read).await {
            Ok(r) => r?,
            Err(_) => return Err(Failure::Timeout(quick.timeout_text(&uri, opened.sent))),
        }
        Ok((names, more))
    };
    let (mut names, more) = match listed.await {
        Ok(r) => r,
        Err(f) => {
            tracing::debug!("GET {uri}: {f}; the pods are read in one cluster-wide list");
            return None;
        }
    };
    names.sort_by(|a, b| a.bytes().chain([b'/']).cmp(b.bytes().chain([b'/'])));
    names.dedup();
    if more || names.len() < 2 || names.len() > MAX_SPLIT_NAMESPACES || names.iter().any(String::is_empty) {
        tracing::debug!(
            "{}{} namespace(s): the pods are read in one cluster-wide list",
            if more { "more than " } else { "" },
            names.len()
        );
        return None;
    }
    Some(names)
}

/// The pod lists of a read, each with its outcome, in scope order.
type PodResults = Vec<(String, Result<ListStats, Failure>)>;

/// Lists the pods of `scopes` (all namespaces, or one each), at most `parallel` lists at a
/// time, each paginated and aggregated into its own part. Each part is merged as soon as its
/// list completes, then the merged totals are put in the order of `scopes`
/// ([`Aggregator::order_parts`]): the totals, and the order in which nodes and groups are first
/// seen, do not depend on which list finished first, and at most `parallel` parts are held,
/// sharing the read's node table ([`ReadPart`]).
/// Returns each list's outcome (in scope order), the merged totals of the complete lists and the
/// finished pods the server sent.
#[allow(clippy::too_many_arguments)]
async fn pods_of_scopes(
    fetch: &Fetch,
    scopes: &[Option<String>],
    query: &[(&str, &str)],
    page_size: u32,
    parallel: usize,
    progress: &Progress,
    profile: &Profile,
    cluster: &str,
) -> (PodResults, Aggregator, u64) {
    struct Merged {
        finished: u64,
        results: Vec<(usize, String, Result<ListStats, Failure>)>,
    }
    let next = Cell::new(0usize);
    let total = RefCell::new(Aggregator::for_cluster(profile.services.len(), cluster));
    let merged = RefCell::new(Merged { finished: 0, results: Vec::new() });
    let worker = || async {
        loop {
            let i = next.get();
            let Some(ns) = scopes.get(i) else { return };
            next.set(i + 1);
            let path = match ns {
                Some(ns) => format!("/api/v1/namespaces/{}/pods", pct(ns)),
                None => "/api/v1/pods".to_string(),
            };
            let mut sink = PodSink::new(profile, cluster, &total);
            let req =
                ListRequest { path: &path, query, limit: Some(page_size), kind: "PodList", first: None };
            let r = list_paged(fetch, req, progress, &mut sink).await;
            let mut m = merged.borrow_mut();
            if r.is_ok() {
                total.borrow_mut().merge_part(sink.part, i as u32);
                m.finished += sink.finished;
            }
            m.results.push((i, path, r));
        }
    };
    futures::future::join_all((0..parallel.clamp(1, scopes.len().max(1))).map(|_| worker())).await;
    let mut m = merged.into_inner();
    let mut total = total.into_inner();
    total.order_parts();
    m.results.sort_by_key(|r| r.0);
    (m.results.into_iter().map(|(_, path, r)| (path, r)).collect(), total, m.finished)
}

/// The PodMetrics collection of a scope (all namespaces, or one).
fn pod_metrics_path(ns: Option<&str>) -> String {
    match ns {
        Some(ns) => format!("/apis/metrics.k8s.io/v1beta1/namespaces/{}/pods", pct(ns)),
        None => "/apis/metrics.k8s.io/v1beta1/pods".to_string(),
    }
}

/// At most this many scopes get their PodMetrics request sent ahead, with the pods (each holds
/// a connection whose answer waits, unread, in the socket buffers until the pods are read).
const METRICS_SENT_AHEAD: usize = 4;

/// Lists PodMetrics in every scope and adds each pod's usage to `agg` as it arrives. A
/// failure part-way discards all pod usage added so far and lists every scope again (at most
/// `attempts` passes), so no pod is counted twice; pod usage is either complete or absent.
/// `ahead` holds the first requests sent before the pods were read (scope by scope; the
/// server computes its one-body answer meanwhile); the first pass reads them.
async fn pod_metrics_into(
    fetch: &Fetch,
    scopes: &[Option<&str>],
    query: &[(&str, &str)],
    progress: &Progress,
    agg: &mut Aggregator,
    mut ahead: Vec<Prefetch>,
) -> (Result<(), (String, Failure)>, Vec<String>) {
    let mut pass = 0;
    'pass: loop {
        pass += 1;
        let mut sink = PodMetricsSink { agg: &mut *agg, warnings: Vec::new() };
        sink.restart();
        let mut ahead = std::mem::take(&mut ahead).into_iter();
        for ns in scopes {
            let path = pod_metrics_path(*ns);
            let first = ahead.next();
            let req = ListRequest { path: &path, query, limit: None, kind: "PodMetricsList", first };
            match list_paged(fetch, req, progress, &mut sink).await {
                Ok(_) => {}
                Err(f) if transient(&f) && pass < fetch.attempts.max(1) => {
                    tracing::debug!("list {path}: {f}; pod usage is listed again");
                    tokio::time::sleep(backoff(pass)).await;
                    continue 'pass;
                }
                Err(f) => {
                    sink.restart();
                    return (Err((path, f)), Vec::new());
                }
            }
        }
        let warnings = std::mem::take(&mut sink.warnings);
        return (Ok(()), warnings);
    }
}

/// Reads the cluster. `Err` when the API server cannot be reached at all ([`Unreachable`]; the
/// caller decides whether that is fatal) or rejects a request as bad input (HTTP 400: a bad
/// `-l`/`--node-selector`; an [`InputError`], exit 2); everything else degrades into
/// `ClusterSnapshot::missing`. The whole read is bounded by `opts.timeout`.
pub async fn snapshot(
    client: &Client,
    target: &Target,
    profile: &Profile,
    opts: &KubeOptions,
) -> Result<ClusterSnapshot, anyhow::Error> {
    // Each request stops at the run's deadline already; this bounds what remains (joins).
    let bound = opts.timeout + Duration::from_secs(1);
    match tokio::time::timeout(bound, snapshot_inner(client, target, profile, opts)).await {
        Ok(r) => r,
        Err(_) => Err(Unreachable(format!(
            "cluster {} (context {:?}): not read within --timeout {}s",
            target.server,
            target.context,
            opts.timeout.as_secs()
        ))
        .into()),
    }
}

async fn snapshot_inner(
    client: &Client,
    target: &Target,
    profile: &Profile,
    opts: &KubeOptions,
) -> Result<ClusterSnapshot, anyhow::Error> {
    let progress = Progress::new(opts.progress);
    let fetch = Fetch {
        client: client.clone(),
        attempts: opts.attempts,
        request_timeout: opts.request_timeout,
        deadline: tokio::time::Instant::now() + opts.timeout,
    };
    let mut missing: Vec<String> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    let cluster = format!("{}\u{0}{}", target.context, target.server);

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
    // A namespace given twice is listed once (twice, its pods would count twice on their nodes).
    let scopes: Vec<Option<&str>> = if opts.namespaces.is_empty() {
        vec![None]
    } else {
        let ns = &opts.namespaces;
        ns.iter().enumerate().filter(|(i, n)| !ns[..*i].contains(n)).map(|(_, n)| Some(n.as_str())).collect()
    };

    // Nodes, node metrics and pods are independent: fetch them concurrently. Pods aggregate page
    // by page into a part per namespace scope; pod metrics are read after the pods and joined as
    // they arrive, but requested now: metrics-server computes its one unpaginated answer while
    // the pods arrive, and it waits in the socket buffers (a prefetch is aborted when dropped,
    // e.g. when the pods fail).
    let metrics_ahead: Vec<Prefetch> = scopes
        .iter()
        .take(METRICS_SENT_AHEAD)
        .map(|ns| fetch.spawn_open(list_uri(&pod_metrics_path(*ns), &metrics_query, None, None)))
        .collect();
    let nodes_fut = async {
        let mut sink = NodeSink(VecSink::default());
        let req = ListRequest {
            path: "/api/v1/nodes",
            query: &node_query,
            limit: Some(opts.page_size),
            kind: "NodeList",
            first: None,
        };
        let r = list_paged(&fetch, req, &progress, &mut sink).await;
        (r, sink.0.all)
    };
    let pods_fut = async {
        // A cluster-wide read is split by namespace into concurrent lists (the apiserver serves
        // them in parallel; one list is a chain of pages, each requested after the previous
        // page's continue token): no pod is in two namespaces, so none is counted twice.
        let parallel = opts.parallel_lists.max(1) as usize;
        let split =
            if opts.namespaces.is_empty() && parallel > 1 { split_namespaces(&fetch).await } else { None };
        let pod_scopes: Vec<Option<String>> = match split {
            Some(names) => names.into_iter().map(Some).collect(),
            None => scopes.iter().map(|s| s.map(str::to_string)).collect(),
        };
        let (results, mut total, finished) = pods_of_scopes(
            &fetch,
            &pod_scopes,
            &pod_query,
            opts.page_size,
            parallel,
            &progress,
            profile,
            &cluster,
        )
        .await;
        let in_scope = total.pod_count() as u64;
        // With a scope, the pods outside it still occupy their nodes: the cluster-wide list
        // (finished pods excluded, no label selector) adds them to the node totals only.
        let scoped = !opts.namespaces.is_empty() || opts.selector.is_some();
        let all_ok = results.iter().all(|(_, r)| r.is_ok());
        let mut outside: Option<Result<ListStats, Failure>> = None;
        if scoped && all_ok {
            let fields = [("fieldSelector", pod_fields)];
            let mut sink = OutOfScopeSink {
                profile,
                scope: &mut total,
                part: Aggregator::for_cluster(profile.services.len(), &cluster),
                cluster: &cluster,
                page: Vec::new(),
            };
            let req = ListRequest {
                path: "/api/v1/pods",
                query: &fields,
                limit: Some(opts.page_size),
                kind: "PodList",
                first: None,
            };
            let r = list_paged(&fetch, req, &progress, &mut sink).await;
            let part = std::mem::take(&mut sink.part);
            if r.is_ok() {
                total.merge(part);
            }
            outside = Some(r);
        }
        // Then the pod metrics, applied straight into the totals: the join needs the pods, and
        // streaming the metrics after them keeps memory at 16 bytes per pod instead of
        // buffering the usage of every pod while the (much longer) pod list is still arriving.
        let pm = if all_ok {
            Some(
                pod_metrics_into(&fetch, &scopes, &metrics_query, &progress, &mut total, metrics_ahead).await,
            )
        } else {
            None
        };
        let mut outside_usage: Option<Result<(), Failure>> = None;
        if matches!(outside, Some(Ok(_))) && matches!(pm, Some((Ok(()), _))) {
            let mut pass = 0;
            outside_usage = Some(loop {
                pass += 1;
                let mut sink = OutOfScopeMetricsSink { agg: &mut total };
                sink.restart();
                let req = ListRequest {
                    path: "/apis/metrics.k8s.io/v1beta1/pods",
                    query: &[],
                    limit: None,
                    kind: "PodMetricsList",
                    first: None,
                };
                match list_paged(&fetch, req, &progress, &mut sink).await {
                    Ok(_) => break Ok(()),
                    Err(f) if transient(&f) && pass < fetch.attempts.max(1) => {
                        tokio::time::sleep(backoff(pass)).await;
                    }
                    Err(f) => {
                        sink.restart();
                        break Err(f);
                    }
                }
            });
        }
        (results, total, pm, finished, in_scope, outside, outside_usage)
    };
    let node_metrics_fut = async {
        let mut sink = NodeMetricsSink(VecSink::default());
        let req = ListRequest {
            path: "/apis/metrics.k8s.io/v1beta1/nodes",
            query: &node_query,
            limit: None,
            kind: "NodeMetricsList",
            first: None,
        };
        let r = list_paged(&fetch, req, &progress, &mut sink).await;
        (r, sink.0.all)
    };
    let (
        (node_r, nodes),
        (pod_results, mut agg, pod_metrics, finished, pods_in_scope, outside, outside_usage),
        (nm_r, node_usage),
    ) = tokio::join!(nodes_fut, pods_fut, node_metrics_fut);
    progress.done();

    // Nothing answered at all: the server is unreachable.
    let unanswered =
        |r: &Result<ListStats, Failure>| matches!(r, Err(Failure::Transport(_) | Failure::Timeout(_)));
    if unanswered(&node_r) && pod_results.iter().all(|(_, r)| unanswered(r)) {
        let reason = match &node_r {
            Err(f) => f.to_string(),
            Ok(_) => String::new(),
        };
        return Err(Unreachable(format!(
            "cluster {} (context {:?}) is unreachable: {reason}",
            target.server, target.context
        ))
        .into());
    }
    // A request the server rejects as malformed (a bad label or field selector) is bad input:
    // no report could be right without it.
    let rejected = pod_results
        .iter()
        .map(|(p, r)| (format!("list pods ({p})"), r.as_ref().err()))
        .chain([
            ("list nodes".to_string(), node_r.as_ref().err()),
            ("list nodes.metrics.k8s.io".to_string(), nm_r.as_ref().err()),
        ])
        .chain(pod_metrics.iter().filter_map(|(r, _)| {
            r.as_ref().err().map(|(p, f)| (format!("list pods.metrics.k8s.io ({p})"), Some(f)))
        }))
        .find_map(|(what, f)| match f {
            Some(Failure::Status { code: 400, message, .. }) => Some((what, message.clone())),
            _ => None,
        });
    if let Some((what, message)) = rejected {
        let flags = [
            opts.selector.as_ref().map(|s| format!("-l {s:?}")),
            opts.node_selector.as_ref().map(|s| format!("--node-selector {s:?}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
        let check = if flags.is_empty() { String::new() } else { format!(" (check {})", flags.join(", ")) };
        return Err(InputError::Usage(format!(
            "the API server at {} rejected the request as bad input: {what}: 400 BadRequest: {message}{check}",
            target.server
        ))
        .into());
    }

    let mut notes = Vec::new();
    let mut invalid_quantities = Vec::new();
    let nodes_read = match &node_r {
        Ok(stats) => {
            notes.extend(stats.expired.clone());
            for n in nodes {
                invalid_quantities.extend(n.invalid.iter().cloned());
                agg.add_node(n);
            }
            true
        }
        Err(f) => {
            missing.push(describe("list nodes", f));
            false
        }
    };
    let mut pods_read = true;
    for (path, r) in &pod_results {
        match r {
            Ok(stats) => notes.extend(stats.expired.clone()),
            Err(f) => {
                pods_read = false;
                missing.push(describe(&format!("list pods ({path})"), f));
            }
        }
    }
    let out_of_scope_read = match &outside {
        Some(Ok(_)) => true,
        Some(Err(f)) => {
            missing.push(format!(
                "requests of pods outside the scope: {}",
                describe("list pods (/api/v1/pods, cluster-wide)", f)
            ));
            false
        }
        None => false,
    };
    if let Some(Err(f)) = &outside_usage {
        missing.push(format!(
            "usage of pods outside the scope: {}",
            describe("list pods.metrics.k8s.io (cluster-wide)", f)
        ));
    }
    let node_metrics_read = match &nm_r {
        Ok(_) => {
            for (n, u) in node_usage {
                match u {
                    Ok(u) => agg.add_node_usage(&n, u),
                    Err(bad) => invalid_quantities.push(bad),
                }
            }
            true
        }
        Err(f) => {
            missing.push(describe("list nodes.metrics.k8s.io", f));
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
    // Listed nodes that NodeMetrics left out (metrics-server has not scraped them yet), when
    // NodeMetrics was read at all: named, never filled in silently.
    let nodes_without_metrics: Vec<String> = if node_metrics_read && nodes_read {
        agg.nodes
            .iter()
            .filter(|e| e.info.is_some() && e.totals.node_usage.is_none())
            .filter(|e| !invalid_quantities.iter().any(|q| q.object == format!("NodeMetrics {}", e.name)))
            .map(|e| e.name.clone())
            .collect()
    } else {
        Vec::new()
    };
    // Not pushed into `missing` here: the analysis names the schedulable ones among them with
    // how their figures are filled (`analysis::cluster::gaps`).
    missing.extend(invalid_quantities.iter().map(|q| q.to_string()));
    if finished > 0 {
        warnings.push(format!(
            "the server sent {finished} finished pod(s) (Succeeded or Failed) although the field selector excludes them; dropped"
        ));
    }
    warnings.extend(w3);
    warnings.extend(notes.iter().cloned());
    agg.warnings.extend(warnings);
    Ok(ClusterSnapshot {
        context: target.context.clone(),
        server: target.server.clone(),
        namespaces: scopes.iter().flatten().map(|n| n.to_string()).collect(),
        selector: opts.selector.clone(),
        node_selector: opts.node_selector.clone(),
        nodes_read,
        pods_read,
        node_metrics_read,
        pod_metrics_read,
        missing,
        nodes_without_metrics,
        invalid_quantities,
        finished_pods_dropped: finished,
        notes,
        pods_in_scope,
        out_of_scope_read,
        aggregate: agg,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::Write;

    use super::*;

    fn answer(encoding: Option<&str>) -> http::Response<kube::client::Body> {
        let mut b = http::Response::builder();
        if let Some(e) = encoding {
            b = b.header(http::header::CONTENT_ENCODING, e);
        }
        b.body(kube::client::Body::empty()).unwrap()
    }

    #[test]
    fn content_encodings_are_gzip_identity_or_refused_by_name() {
        assert!(!gzipped(&answer(None)).unwrap());
        assert!(!gzipped(&answer(Some("identity"))).unwrap());
        assert!(gzipped(&answer(Some(" GZIP "))).unwrap());
        match gzipped(&answer(Some("br"))) {
            Err(Failure::Malformed(m)) => {
                assert_eq!(m, "an answer in Content-Encoding \"br\", which bizo-plan does not ask for");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_gzipped_error_body_is_inflated_up_to_the_cap() {
        let status = br#"{"kind":"Status","message":"pods is forbidden"}"#.repeat(10);
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(1));
        e.write_all(&status).unwrap();
        let z = e.finish().unwrap();
        assert_eq!(inflate_capped(&z, 1 << 20), status);
        assert_eq!(inflate_capped(&z, 20), &status[..20]);
        // Not gzip: nothing inflates (the caller then shows the status line).
        assert_eq!(inflate_capped(b"plain text", 100), b"");
    }
}
