//! The HTTP side: routing, discovery, lists with pagination and selectors,
//! Tables, Status errors, fault injection and request recording.

use std::convert::Infallible;
use std::fs::File;
use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::{Body, Frame, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::cluster::{Collection, Item, Source};
use crate::config::{Faults, Forbid, ListOf, MetricsMode, TruncateMode, Wrong200Body};
use crate::record::RecordedRequest;
use crate::render::{self, Ctx};
use crate::selector::{FieldSelector, LabelSelector};
use crate::util;

type ResBody = BoxBody<Bytes, std::io::Error>;

/// Shared server state.
pub(crate) struct State {
    pub source: Source,
    pub faults: Faults,
    pub token: Option<String>,
    pub user: String,
    pub resource_version: u64,
    pub addr: SocketAddr,
    pub requests: Mutex<Vec<RecordedRequest>>,
    pub record_file: Option<Mutex<File>>,
    seq: AtomicU64,
    /// Collections whose continue token already expired once (the fault fires once per collection).
    expired_fired: std::sync::Mutex<Vec<Collection>>,
    truncations: AtomicU32,
    throttled: AtomicU32,
    /// The node whose quantities are broken by [`Faults::bad_quantities`].
    bad_node: Option<String>,
}

impl State {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        source: Source,
        faults: Faults,
        token: Option<String>,
        user: String,
        resource_version: u64,
        addr: SocketAddr,
        record_file: Option<File>,
    ) -> Self {
        State {
            source,
            faults,
            token,
            user,
            resource_version,
            addr,
            requests: Mutex::new(Vec::new()),
            record_file: record_file.map(Mutex::new),
            seq: AtomicU64::new(0),
            expired_fired: std::sync::Mutex::new(Vec::new()),
            truncations: AtomicU32::new(0),
            throttled: AtomicU32::new(0),
            bad_node: None,
        }
        .with_bad_node()
    }

    fn with_bad_node(mut self) -> Self {
        if self.faults.bad_quantities {
            self.bad_node = self.source.get(Collection::Nodes, 0).map(|n| n.name().to_string());
        }
        self
    }

    fn record(&self, r: RecordedRequest) {
        if let Some(f) = &self.record_file {
            let mut line = serde_json::to_vec(&r).unwrap_or_default();
            line.push(b'\n');
            if let Ok(mut f) = f.lock() {
                // Best effort: a full disk must not take the server down.
                let _ = f.write_all(&line);
            }
        }
        if let Ok(mut v) = self.requests.lock() {
            v.push(r);
        }
    }
}

/// Accepts connections until `shutdown` fires.
pub(crate) async fn serve(listener: TcpListener, state: Arc<State>, mut shutdown: oneshot::Receiver<()>) {
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                if state.faults.silent {
                    // Accepted, never answered: the connection stays open until the server stops.
                    tokio::spawn(async move {
                        let _held = stream;
                        std::future::pending::<()>().await;
                    });
                    continue;
                }
                let st = state.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| handle(st.clone(), req));
                    // Errors here are client disconnects and deliberate truncations.
                    let _ = http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        }
    }
}

/// A response before it becomes HTTP.
struct Reply {
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
    /// A resource (not discovery) response, subject to truncation faults.
    resource: bool,
    /// `Retry-After` seconds (429).
    retry_after: Option<u32>,
    /// `Content-Encoding` once compressed.
    content_encoding: Option<&'static str>,
}

impl Reply {
    fn json(v: &Value) -> Reply {
        let mut body = Vec::new();
        render::write_json(&mut body, v);
        Reply::bytes(StatusCode::OK, "application/json", body)
    }

    fn bytes(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Reply {
        Reply { status, content_type, body, resource: false, retry_after: None, content_encoding: None }
    }

    /// Gzips the body at level 1 when the client accepts gzip and the body is over 128 KiB,
    /// as the apiserver does (APIResponseCompression: `defaultGzipThresholdBytes = 128 * 1024`,
    /// `defaultGzipContentEncodingLevel = 1` since kubernetes#112299).
    fn compress_for(mut self, accept_encoding: Option<&str>) -> Reply {
        if self.body.len() <= GZIP_THRESHOLD || !accepts_gzip(accept_encoding) {
            return self;
        }
        let mut enc = flate2::write::GzEncoder::new(
            Vec::with_capacity(self.body.len() / 8),
            flate2::Compression::new(1),
        );
        if enc.write_all(&self.body).is_ok()
            && let Ok(z) = enc.finish()
        {
            self.body = z;
            self.content_encoding = Some("gzip");
        }
        self
    }
}

/// Bodies above this many bytes are gzipped for clients that accept it (the apiserver's threshold).
pub(crate) const GZIP_THRESHOLD: usize = 128 * 1024;

/// Whether an `Accept-Encoding` value accepts gzip (a `q=0` refuses it).
fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    accept_encoding.is_some_and(|v| {
        v.split(',').any(|part| {
            let mut it = part.split(';').map(str::trim);
            it.next().is_some_and(|c| c.eq_ignore_ascii_case("gzip"))
                && !it.any(|p| p.replace(' ', "") == "q=0" || p.replace(' ', "") == "q=0.0")
        })
    })
}

/// A Kubernetes `Status` failure.
struct Failure {
    code: u16,
    reason: &'static str,
    message: String,
    details: Option<Value>,
    retry_after: Option<u32>,
    continue_token: Option<String>,
}

impl Failure {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Failure {
            code,
            reason,
            message: message.into(),
            details: None,
            retry_after: None,
            continue_token: None,
        }
    }

    fn details(mut self, d: Value) -> Self {
        self.details = Some(d);
        self
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Failure::new(400, "BadRequest", message)
    }

    fn not_found_path() -> Self {
        Failure::new(404, "NotFound", "the server could not find the requested resource").details(json!({}))
    }

    fn into_reply(self) -> Reply {
        let mut meta = json!({});
        if let Some(t) = &self.continue_token {
            meta["continue"] = t.clone().into();
        }
        let mut v = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": meta,
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        });
        if let Some(d) = self.details {
            v["details"] = d;
        }
        v["code"] = self.code.into();
        let mut r = Reply::json(&v);
        r.status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        r.retry_after = self.retry_after;
        r
    }
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Response<ResBody>, Infallible> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let header =
        |name: header::HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let accept = header(header::ACCEPT);
    let user_agent = header(header::USER_AGENT);
    let accept_encoding = header(header::ACCEPT_ENCODING);
    let auth = header(header::AUTHORIZATION);
    let seq = state.seq.fetch_add(1, Ordering::SeqCst) + 1;
    drop(req);

    if let Some(d) = state.faults.delay {
        tokio::time::sleep(d).await;
    }
    let st = state.clone();
    let (m, p, q, a, au) = (method.clone(), path.clone(), query.clone(), accept.clone(), auth.clone());
    let ae = accept_encoding.clone();
    let reply = tokio::task::spawn_blocking(move || {
        let r = respond(&st, seq, &m, &p, q.as_deref(), a.as_deref(), au.as_deref());
        // A dripped body is sent as it is (one byte at a time would defeat compression).
        if st.faults.drip && r.resource { r } else { r.compress_for(ae.as_deref()) }
    })
    .await
    .unwrap_or_else(|_| {
        Failure::new(500, "InternalError", "Internal error occurred: simulator handler panicked").into_reply()
    });

    state.record(RecordedRequest {
        seq,
        method: method.to_string(),
        path,
        query,
        accept,
        user_agent,
        accept_encoding,
        content_encoding: reply.content_encoding.map(str::to_string),
        bytes: reply.body.len() as u64,
        authorization: auth.is_some(),
        status: reply.status.as_u16(),
    });
    Ok(into_response(&state, reply))
}

fn into_response(state: &State, reply: Reply) -> Response<ResBody> {
    let truncate = state.faults.truncate.filter(|t| {
        reply.resource
            && reply.status == StatusCode::OK
            && match t.times {
                None => true,
                Some(n) => state.truncations.fetch_add(1, Ordering::SeqCst) < n,
            }
    });
    let full_len = reply.body.len();
    let drip = state.faults.drip && reply.resource;
    let mut body = Bytes::from(reply.body);
    let (body, declared): (ResBody, usize) = match truncate.map(|t| t.mode) {
        None if drip => (DripBody::new(body).boxed(), full_len),
        None => (Full::new(body).map_err(|e| match e {}).boxed(), full_len),
        Some(TruncateMode::InvalidJson) => {
            body.truncate(full_len / 2);
            let len = body.len();
            (Full::new(body).map_err(|e| match e {}).boxed(), len)
        }
        Some(TruncateMode::CloseEarly) => {
            body.truncate(full_len / 2);
            (CutBody::new(body).boxed(), full_len)
        }
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = reply.status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(declared));
    if let Some(e) = reply.content_encoding {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
    }
    if let Some(s) = reply.retry_after {
        h.insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    h.insert("Cache-Control", HeaderValue::from_static("no-cache, private"));
    h.insert("X-Kubernetes-Pf-Flowschema-Uid", HeaderValue::from_static("bizo-sim"));
    resp
}

/// A body that yields its first part, waits for it to be flushed, then
/// fails, so hyper aborts the connection before the declared Content-Length
/// is reached.
struct CutBody {
    first: Option<Bytes>,
    pause: Pin<Box<tokio::time::Sleep>>,
}

impl CutBody {
    fn new(first: Bytes) -> Self {
        CutBody {
            first: Some(first),
            pause: Box::pin(tokio::time::sleep(std::time::Duration::from_millis(50))),
        }
    }
}

impl Body for CutBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if let Some(b) = self.first.take() {
            return Poll::Ready(Some(Ok(Frame::data(b))));
        }
        match self.pause.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => Poll::Ready(Some(Err(std::io::Error::other("bizo-sim: truncated body")))),
        }
    }
}

/// A body sent one byte every 0.5 s after the headers: a server (or proxy) that keeps the
/// connection alive without ever finishing the answer.
struct DripBody {
    rest: Bytes,
    tick: Pin<Box<tokio::time::Sleep>>,
}

impl DripBody {
    fn new(body: Bytes) -> Self {
        DripBody { rest: body, tick: Box::pin(tokio::time::sleep(DRIP_EVERY)) }
    }
}

/// The pace of a dripped body.
const DRIP_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

impl Body for DripBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if self.rest.is_empty() {
            return Poll::Ready(None);
        }
        match self.tick.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => {
                let next = tokio::time::Instant::now() + DRIP_EVERY;
                self.tick.as_mut().reset(next);
                let byte = self.rest.split_to(1);
                Poll::Ready(Some(Ok(Frame::data(byte))))
            }
        }
    }
}

/// Query parameters of interest.
#[derive(Default)]
struct Params {
    limit: Option<usize>,
    continue_token: Option<String>,
    label_selector: String,
    field_selector: String,
    include_object: Option<String>,
    watch: bool,
}

fn parse_params(query: Option<&str>) -> Result<Params, Failure> {
    let mut p = Params::default();
    let Some(q) = query else { return Ok(p) };
    for pair in q.split('&').filter(|s| !s.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = util::percent_decode(k)
            .ok_or_else(|| Failure::bad_request(format!("invalid query parameter encoding: {pair:?}")))?;
        let v = util::percent_decode(v)
            .ok_or_else(|| Failure::bad_request(format!("invalid query parameter encoding: {pair:?}")))?;
        match k.as_str() {
            "limit" => {
                let n: i64 = v.parse().map_err(|_| {
                    Failure::bad_request(format!("limit: Invalid value: {v:?}: must be an integer"))
                })?;
                p.limit = (n > 0).then_some(n as usize);
            }
            "continue" if !v.is_empty() => p.continue_token = Some(v),
            "labelSelector" => p.label_selector = v,
            "fieldSelector" => p.field_selector = v,
            "includeObject" => p.include_object = Some(v),
            "watch" => p.watch = v == "true" || v == "1",
            _ => {}
        }
    }
    Ok(p)
}

/// Whether the client asked for a `meta.k8s.io` Table.
fn wants_table(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| {
        a.split(',').any(|range| {
            let parts: Vec<&str> = range.split(';').map(str::trim).collect();
            parts.first().is_some_and(|t| *t == "application/json")
                && parts.contains(&"as=Table")
                && parts.contains(&"g=meta.k8s.io")
        })
    })
}

/// Page state carried by a continue token.
#[derive(Serialize, Deserialize)]
struct Token {
    v: String,
    rv: u64,
    start: String,
    p: u32,
}

/// The resourceVersion of a continue token that goes on at the latest version (the token of a
/// 410's Status: the rest of the list may be inconsistent with its first pages).
const INCONSISTENT_RV: u64 = 0;

fn encode_token(rv: u64, key: &str, next: usize, page: u32) -> String {
    let t = Token { v: "meta.k8s.io/v1".into(), rv, start: format!("{key}{next}"), p: page };
    util::b64_encode(&serde_json::to_vec(&t).unwrap_or_default())
}

fn decode_token(token: &str, key: &str) -> Result<(usize, u32, u64), Failure> {
    let invalid = |why: &str| Failure::bad_request(format!("continue key is not valid: {why}"));
    let raw = util::b64_decode(token).ok_or_else(|| invalid("illegal base64 data"))?;
    let t: Token = serde_json::from_slice(&raw).map_err(|_| invalid("malformed continue token"))?;
    if t.v != "meta.k8s.io/v1" {
        return Err(invalid("incorrect encoded start resourceVersion (version meta.k8s.io/v1 required)"));
    }
    let idx = t
        .start
        .strip_prefix(key)
        .and_then(|s| s.parse::<usize>().ok())
        .ok_or_else(|| invalid("key provided is not in the request prefix"))?;
    Ok((idx, t.p, t.rv))
}

fn respond(
    state: &State,
    seq: u64,
    method: &Method,
    path: &str,
    query: Option<&str>,
    accept: Option<&str>,
    auth: Option<&str>,
) -> Reply {
    match respond_inner(state, seq, method, path, query, accept, auth) {
        Ok(r) => r,
        Err(f) => f.into_reply(),
    }
}

fn respond_inner(
    state: &State,
    seq: u64,
    method: &Method,
    path: &str,
    query: Option<&str>,
    accept: Option<&str>,
    auth: Option<&str>,
) -> Result<Reply, Failure> {
    if let Some(token) = &state.token {
        // Like the default system:public-info-viewer binding, anonymous
        // requests (no Authorization header) may read version and health;
        // a wrong token is rejected everywhere.
        let public = auth.is_none() && matches!(path, "/version" | "/healthz" | "/livez" | "/readyz");
        let ok = auth.and_then(|a| a.strip_prefix("Bearer ")).is_some_and(|t| t.trim() == token);
        if !ok && !public {
            return Err(Failure::new(401, "Unauthorized", "Unauthorized"));
        }
    }
    if method != Method::GET {
        return Err(Failure::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )
        .details(json!({})));
    }
    let f = &state.faults;
    if u64::from(f.fail_first) >= seq
        || f.fail_every.is_some_and(|k| k > 0 && seq.is_multiple_of(u64::from(k)))
    {
        return Err(Failure::new(
            500,
            "InternalError",
            "Internal error occurred: injected failure (bizo-sim)",
        )
        .details(json!({"causes": [{"message": "injected failure (bizo-sim)"}]})));
    }
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let params = parse_params(query)?;
    let metrics_on = f.metrics != MetricsMode::Absent;

    use Collection::*;
    let target: (Collection, Option<&str>, Option<&str>) = match segs.as_slice() {
        [] => return Ok(Reply::json(&root_paths(metrics_on))),
        ["version"] => return Ok(Reply::json(&version_doc(state.source.server_version()))),
        ["healthz" | "livez" | "readyz"] => {
            return Ok(Reply::bytes(StatusCode::OK, "text/plain; charset=utf-8", b"ok".to_vec()));
        }
        ["api"] => {
            return Ok(Reply::json(&json!({
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": state.addr.to_string()}]
            })));
        }
        ["api", "v1"] => return Ok(Reply::json(&core_resources())),
        ["apis"] => return Ok(Reply::json(&group_list(metrics_on))),
        ["apis", "metrics.k8s.io", rest @ ..] => {
            if !metrics_on {
                return Err(Failure::not_found_path());
            }
            match rest {
                [] => return Ok(Reply::json(&metrics_group())),
                ["v1beta1", ..] if f.metrics == MetricsMode::Unavailable => {
                    return Err(Failure::new(503, "ServiceUnavailable", "the server is currently unable to handle the request")
                        .details(json!({"causes": [{"reason": "UnexpectedServerResponse", "message": "service unavailable"}]})));
                }
                ["v1beta1"] => return Ok(Reply::json(&metrics_resources())),
                ["v1beta1", "nodes"] => (NodeMetrics, None, None),
                ["v1beta1", "nodes", name] => (NodeMetrics, None, Some(*name)),
                ["v1beta1", "pods"] => (PodMetrics, None, None),
                ["v1beta1", "namespaces", ns, "pods"] => (PodMetrics, Some(*ns), None),
                ["v1beta1", "namespaces", ns, "pods", name] => (PodMetrics, Some(*ns), Some(*name)),
                _ => return Err(Failure::not_found_path()),
            }
        }
        ["api", "v1", "namespaces"] => return namespace_list(state, &params),
        ["api", "v1", "nodes"] => (Nodes, None, None),
        ["api", "v1", "nodes", name] => (Nodes, None, Some(*name)),
        ["api", "v1", "pods"] => (Pods, None, None),
        ["api", "v1", "namespaces", ns, "pods"] => (Pods, Some(*ns), None),
        ["api", "v1", "namespaces", ns, "pods", name] => (Pods, Some(*ns), Some(*name)),
        _ => return Err(Failure::not_found_path()),
    };
    let (coll, ns, name) = target;
    check_forbidden(state, coll, ns, name)?;
    throttle(state)?;
    if name.is_none()
        && let Some(w) = f.wrong_200
        && list_of(coll) == w.list
    {
        let v = match w.body {
            Wrong200Body::Status => json!({
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "error trying to reach service: dial tcp 10.43.0.12:443: connect: connection refused",
                "reason": "ServiceUnavailable", "code": 503
            }),
            Wrong200Body::Object => json!({
                "kind": coll.kind(), "apiVersion": coll.api_version(),
                "metadata": {"name": "not-a-list", "resourceVersion": state.resource_version.to_string()}
            }),
        };
        let mut r = Reply::json(&v);
        r.resource = true;
        return Ok(r);
    }
    if params.watch {
        return Err(Failure::bad_request("watch is not supported by bizo-sim"));
    }
    let ctx = Ctx { resource_version: state.resource_version, now: util::now_secs() };
    if coll == NodeMetrics && name.is_some_and(|n| node_metrics_omitted(state, n)) {
        return Err(not_found(coll, ns, name.unwrap_or_default()));
    }
    let table = wants_table(accept) && matches!(coll, Nodes | Pods);
    let mut reply = match name {
        Some(name) => get_one(state, &ctx, coll, ns, name, table, &params)?,
        None => list(state, &ctx, coll, ns, table, &params)?,
    };
    reply.resource = true;
    Ok(reply)
}

fn check_forbidden(
    state: &State,
    coll: Collection,
    ns: Option<&str>,
    name: Option<&str>,
) -> Result<(), Failure> {
    let forbid = &state.faults.forbid;
    let has = |f: Forbid| forbid.contains(&f);
    let denied = match coll {
        Collection::Nodes => has(Forbid::Nodes),
        Collection::Pods => has(Forbid::Pods) || (ns.is_none() && has(Forbid::PodsClusterScope)),
        Collection::NodeMetrics => has(Forbid::NodeMetrics),
        Collection::PodMetrics => {
            has(Forbid::PodMetrics) || (ns.is_none() && has(Forbid::PodMetricsClusterScope))
        }
    };
    if !denied {
        return Ok(());
    }
    let resource = coll.resource();
    let group = coll.group();
    let qualified = if group.is_empty() { resource.to_string() } else { format!("{resource}.{group}") };
    let verb = if name.is_some() { "get" } else { "list" };
    let subject = match name {
        Some(n) => format!("{qualified} {n:?}"),
        None => qualified,
    };
    let scope = match ns {
        Some(ns) => format!("in the namespace {ns:?}"),
        None => "at the cluster scope".to_string(),
    };
    let mut details = json!({"kind": resource});
    if !group.is_empty() {
        details["group"] = group.into();
    }
    if let Some(n) = name {
        details["name"] = n.into();
    }
    Err(Failure::new(
        403,
        "Forbidden",
        format!(
            "{subject} is forbidden: User \"{}\" cannot {verb} resource \"{resource}\" in API group \"{group}\" {scope}",
            state.user
        ),
    )
    .details(details))
}

fn list_of(c: Collection) -> ListOf {
    match c {
        Collection::Nodes => ListOf::Nodes,
        Collection::Pods => ListOf::Pods,
        Collection::NodeMetrics => ListOf::NodeMetrics,
        Collection::PodMetrics => ListOf::PodMetrics,
    }
}

/// Whether [`Faults::omit_node_metrics`] leaves this node out.
fn node_metrics_omitted(state: &State, name: &str) -> bool {
    let n = state.faults.omit_node_metrics as usize;
    if n == 0 {
        return false;
    }
    let len = state.source.len(Collection::NodeMetrics);
    (len.saturating_sub(n)..len)
        .any(|i| state.source.get(Collection::NodeMetrics, i).is_some_and(|m| m.name() == name))
}

/// An invalid quantity in place of a valid one ([`Faults::bad_quantities`]).
const BAD_ALLOCATABLE: &str = "12Gx";
const BAD_USAGE: &str = "1.5.3Gi";

fn write_item(state: &State, item: &Item<'_>, ctx: &Ctx, with_kind: bool, out: &mut Vec<u8>) {
    let bad = state.bad_node.as_deref();
    match item {
        Item::Node(n) if Some(n.name.as_str()) == bad => {
            let mut n = n.clone().into_owned();
            let mut alloc = n.allocatable.clone().unwrap_or_else(|| n.capacity.clone());
            alloc.insert("memory".into(), BAD_ALLOCATABLE.into());
            n.allocatable = Some(alloc);
            render::node_json(&n, ctx, with_kind, out)
        }
        Item::NodeMetrics(m) if Some(m.name.as_str()) == bad => {
            let mut m = m.clone().into_owned();
            m.usage.memory = BAD_USAGE.into();
            render::node_metrics_json(&m, ctx, with_kind, out)
        }
        _ => write_object(item, ctx, with_kind, out),
    }
}

fn write_object(item: &Item<'_>, ctx: &Ctx, with_kind: bool, out: &mut Vec<u8>) {
    match item {
        Item::Node(n) => render::node_json(n, ctx, with_kind, out),
        Item::Pod(p) => render::pod_json(p, ctx, with_kind, out),
        Item::NodeMetrics(m) => render::node_metrics_json(m, ctx, with_kind, out),
        Item::PodMetrics(m) => render::pod_metrics_json(m, ctx, with_kind, out),
    }
}

fn write_row(item: &Item<'_>, ctx: &Ctx, include: &str, out: &mut Vec<u8>) {
    let cells = match item {
        Item::Node(n) => render::node_cells(n, ctx),
        Item::Pod(p) => render::pod_cells(p, ctx),
        _ => Value::Null,
    };
    out.extend_from_slice(b"{\"cells\":");
    render::write_json(out, &cells);
    match include {
        "None" => {}
        "Object" => {
            out.extend_from_slice(b",\"object\":");
            write_object(item, ctx, true, out);
        }
        _ => {
            out.extend_from_slice(b",\"object\":");
            match item {
                Item::Node(n) => render::node_partial_json(n, ctx, out),
                Item::Pod(p) => render::pod_partial_json(p, ctx, out),
                _ => out.extend_from_slice(b"null"),
            }
        }
    }
    out.push(b'}');
}

fn table_head(coll: Collection, meta: &Value, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":");
    render::write_json(out, meta);
    out.extend_from_slice(b",\"columnDefinitions\":");
    let cols = if coll == Collection::Nodes { render::node_columns() } else { render::pod_columns() };
    render::write_json(out, &cols);
    out.extend_from_slice(b",\"rows\":[");
}

fn not_found(coll: Collection, ns: Option<&str>, name: &str) -> Failure {
    let (qualified, shown) = match coll {
        Collection::NodeMetrics => ("nodemetrics.metrics.k8s.io", name.to_string()),
        Collection::PodMetrics => ("podmetrics.metrics.k8s.io", format!("{}/{name}", ns.unwrap_or(""))),
        c => (c.resource(), name.to_string()),
    };
    let mut details = json!({"name": name, "kind": coll.resource()});
    if !coll.group().is_empty() {
        details["group"] = coll.group().into();
    }
    Failure::new(404, "NotFound", format!("{qualified} {shown:?} not found")).details(details)
}

const TABLE_CONTENT_TYPE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io";

fn get_one(
    state: &State,
    ctx: &Ctx,
    coll: Collection,
    ns: Option<&str>,
    name: &str,
    table: bool,
    params: &Params,
) -> Result<Reply, Failure> {
    let Some(item) = state.source.find(coll, ns, name) else {
        return Err(not_found(coll, ns, name));
    };
    let mut body = Vec::with_capacity(8192);
    if table {
        table_head(coll, &json!({"resourceVersion": state.resource_version.to_string()}), &mut body);
        write_row(&item, ctx, params.include_object.as_deref().unwrap_or("Metadata"), &mut body);
        body.extend_from_slice(b"]}");
    } else {
        write_item(state, &item, ctx, true, &mut body);
    }
    let mut r =
        Reply::bytes(StatusCode::OK, if table { TABLE_CONTENT_TYPE } else { "application/json" }, body);
    r.resource = true;
    Ok(r)
}

/// The first `--throttle-first` resource requests: the apiserver's max-in-flight and
/// priority-and-fairness filters answer 429 with Retry-After.
fn throttle(state: &State) -> Result<(), Failure> {
    let f = &state.faults;
    if state.throttled.fetch_add(1, Ordering::SeqCst) < f.throttle_first {
        let secs = f.retry_after.unwrap_or(1);
        let mut fail = Failure::new(429, "TooManyRequests", "Too many requests, please try again later.")
            .details(json!({"retryAfterSeconds": secs}));
        fail.retry_after = Some(secs);
        return Err(fail);
    }
    Ok(())
}

/// The namespaces every cluster has (kubeadm and k3s create them at start-up), besides those of
/// the pods.
const SYSTEM_NAMESPACES: [&str; 4] = ["default", "kube-node-lease", "kube-public", "kube-system"];

/// The namespaces `/api/v1/namespaces` lists: those of the pods and the four every cluster has,
/// sorted by name.
pub(crate) fn namespace_names(source: &Source) -> Vec<String> {
    let mut names: Vec<String> = SYSTEM_NAMESPACES.iter().map(|s| s.to_string()).collect();
    let pods = source.len(Collection::Pods);
    let mut i = 0;
    while i < pods {
        let Some(ns) = source.get(Collection::Pods, i).and_then(|p| p.namespace().map(str::to_string)) else {
            break;
        };
        i = namespace_range(source, Collection::Pods, &ns).1.max(i + 1);
        names.push(ns);
    }
    names.sort();
    names.dedup();
    names
}

/// `GET /api/v1/namespaces`: a NamespaceList of the pods' namespaces and the four every cluster
/// has, sorted by name as the apiserver's lists are (etcd key order), paginated by `limit` and
/// `continue` like any list of the apiserver. Of the faults, 403 (`--forbid namespaces`), the
/// first/every-N 500s, the 429s and a silent port apply; truncation and drip do not (they stay
/// on the lists the figures come from, whose tests count them): the list only serves bizo-plan
/// to split the pod list by namespace.
fn namespace_list(state: &State, params: &Params) -> Result<Reply, Failure> {
    if state.faults.forbid.contains(&Forbid::Namespaces) {
        return Err(Failure::new(
            403,
            "Forbidden",
            format!(
                "namespaces is forbidden: User \"{}\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope",
                state.user
            ),
        )
        .details(json!({"kind": "namespaces"})));
    }
    throttle(state)?;
    let names = namespace_names(&state.source);
    let key = "NamespaceList//";
    let (start, page) = match &params.continue_token {
        Some(t) => {
            let (idx, page, _rv) = decode_token(t, key)?;
            (idx, page)
        }
        None => (0, 1),
    };
    let end = params.limit.map_or(names.len(), |l| start.saturating_add(l).min(names.len()));
    let created = util::rfc3339(crate::render::DEFAULT_CREATED);
    let items: Vec<Value> = names
        .get(start.min(names.len())..end)
        .unwrap_or_default()
        .iter()
        .map(|ns| {
            json!({
                "metadata": {
                    "name": ns,
                    "uid": util::uid_for(&format!("namespace/{ns}")),
                    "resourceVersion": state.resource_version.to_string(),
                    "creationTimestamp": created,
                    "labels": {"kubernetes.io/metadata.name": ns}
                },
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"}
            })
        })
        .collect();
    let mut meta = json!({"resourceVersion": state.resource_version.to_string()});
    if end < names.len() {
        meta["continue"] = encode_token(state.resource_version, key, end, page + 1).into();
        meta["remainingItemCount"] = (names.len() - end).into();
    }
    Ok(Reply::json(&json!({"kind": "NamespaceList", "apiVersion": "v1", "metadata": meta, "items": items})))
}

/// The index range holding namespace `ns` (collections are sorted by
/// namespace, so two binary searches find it).
fn namespace_range(source: &Source, coll: Collection, ns: &str) -> (usize, usize) {
    let len = source.len(coll);
    let ns_at = |i: usize| -> String {
        // Generated pod metrics share the pod index space; look at the pod.
        let c = if matches!(source, Source::Generated(_)) { Collection::Pods } else { coll };
        source.get(c, i).and_then(|it| it.namespace().map(str::to_string)).unwrap_or_default()
    };
    let bound = |strict: bool| {
        let (mut lo, mut hi) = (0, len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let v = ns_at(mid);
            // Namespaces in key order (`ns/`), as the collection is sorted.
            let order = v.bytes().chain([b'/']).cmp(ns.bytes().chain([b'/']));
            let before = if strict { order.is_le() } else { order.is_lt() };
            if before {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    };
    (bound(false), bound(true))
}

fn list(
    state: &State,
    ctx: &Ctx,
    coll: Collection,
    ns: Option<&str>,
    table: bool,
    params: &Params,
) -> Result<Reply, Failure> {
    let labels = LabelSelector::parse(&params.label_selector).map_err(Failure::bad_request)?;
    let mut fields = FieldSelector::parse(&params.field_selector).map_err(Failure::bad_request)?;
    let supported = coll.supported_fields();
    if let Some(bad) = fields.keys().find(|k| !supported.contains(k)) {
        return Err(Failure::bad_request(format!("field label not supported: {bad}")));
    }
    if coll == Collection::Pods && state.faults.ignore_field_selector {
        fields = FieldSelector::parse("").map_err(Failure::bad_request)?;
    }
    let (lo, mut hi) = match ns {
        Some(ns) => namespace_range(&state.source, coll, ns),
        None => (0, state.source.len(coll)),
    };
    if coll == Collection::NodeMetrics {
        hi = hi.min(state.source.len(coll).saturating_sub(state.faults.omit_node_metrics as usize));
    }
    // metrics-server ignores limit and continue: its lists are one body, without continue or
    // remainingItemCount (kubernetes-sigs/metrics-server#200, pkg/api/pod.go and node.go).
    let metrics = matches!(coll, Collection::NodeMetrics | Collection::PodMetrics);
    let paginate = !metrics || state.faults.paginate_metrics;
    let limit = if paginate { params.limit } else { None };
    let key = format!("{}/{}/", coll.kind(), ns.unwrap_or(""));
    let (start, page) = match &params.continue_token {
        Some(t) if paginate => {
            let (idx, page, _rv) = decode_token(t, &key)?;
            let f = &state.faults;
            if f.expire_always
                || (f.expire_continue_at == Some(page) && first_expiry(&state.expired_fired, coll))
            {
                // The apiserver (storage/etcd3 store.go, handleCompactedErrorForPaging): 410 with
                // a continue token at the latest resourceVersion that goes on from the same key.
                let mut fail = Failure::new(410, "Expired", EXPIRED_MESSAGE);
                fail.continue_token = Some(encode_token(INCONSISTENT_RV, &key, idx, page));
                return Err(fail);
            }
            (idx.max(lo), page)
        }
        _ => (lo, 1),
    };
    let include = params.include_object.as_deref().unwrap_or("Metadata");
    let mut items = Vec::with_capacity(limit.unwrap_or(64).min(1000) * 6 * 1024);
    let mut count = 0usize;
    let mut i = start;
    while i < hi {
        if limit.is_some_and(|l| count >= l) {
            break;
        }
        if let Some(item) = state.source.get(coll, i)
            && fields.matches(|k| item.field(k))
            && (labels.is_empty() || labels.matches(item.labels()))
        {
            if count > 0 {
                items.push(b',');
            }
            if table {
                write_row(&item, ctx, include, &mut items);
            } else {
                write_item(state, &item, ctx, false, &mut items);
            }
            count += 1;
        }
        i += 1;
    }
    let more = i < hi;
    let mut meta = json!({});
    if coll.group().is_empty() || table {
        meta["resourceVersion"] = state.resource_version.to_string().into();
    }
    if more {
        meta["continue"] = encode_token(state.resource_version, &key, i, page + 1).into();
        if labels.is_empty() && fields.is_empty() && state.source.dense(coll) {
            meta["remainingItemCount"] = (hi - i).into();
        }
    }
    let mut body = Vec::with_capacity(items.len() + 512);
    if table {
        table_head(coll, &meta, &mut body);
        body.extend_from_slice(&items);
        body.extend_from_slice(b"]}");
    } else {
        let kind = format!("{}List", coll.kind());
        body.extend_from_slice(b"{\"kind\":");
        render::write_json(&mut body, &kind);
        body.extend_from_slice(b",\"apiVersion\":");
        render::write_json(&mut body, coll.api_version());
        body.extend_from_slice(b",\"metadata\":");
        render::write_json(&mut body, &meta);
        body.extend_from_slice(b",\"items\":[");
        body.extend_from_slice(&items);
        body.extend_from_slice(b"]}");
    }
    let mut r =
        Reply::bytes(StatusCode::OK, if table { TABLE_CONTENT_TYPE } else { "application/json" }, body);
    r.resource = true;
    Ok(r)
}

/// The apiserver's message for an expired continue token (apimachinery, storage errors).
const EXPIRED_MESSAGE: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

// ---------------------------------------------------------------------------
// discovery documents

fn version_doc(git_version: &str) -> Value {
    let core = git_version.trim_start_matches('v');
    let mut parts = core.split(['.', '+', '-']);
    let major = parts.next().unwrap_or("1");
    let minor = parts.next().unwrap_or("32");
    json!({
        "major": major,
        "minor": minor,
        "gitVersion": git_version,
        "gitCommit": "c1a2b3d4e5f60718293a4b5c6d7e8f9012345678",
        "gitTreeState": "clean",
        "buildDate": "2025-04-22T16:03:04Z",
        "goVersion": "go1.23.6",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

fn root_paths(metrics: bool) -> Value {
    let mut paths = vec!["/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz", "/version"];
    if metrics {
        paths.extend(["/apis/metrics.k8s.io", "/apis/metrics.k8s.io/v1beta1"]);
    }
    paths.sort_unstable();
    json!({ "paths": paths })
}

fn core_resources() -> Value {
    json!({
        "kind": "APIResourceList",
        "groupVersion": "v1",
        "resources": [
            {"name": "namespaces", "singularName": "namespace", "namespaced": false, "kind": "Namespace",
             "verbs": ["get", "list", "watch"], "shortNames": ["ns"], "storageVersionHash": "Q3oi5N2YM8M="},
            {"name": "nodes", "singularName": "node", "namespaced": false, "kind": "Node",
             "verbs": ["get", "list", "watch"], "shortNames": ["no"], "storageVersionHash": "XwShjMxG9Fs="},
            {"name": "pods", "singularName": "pod", "namespaced": true, "kind": "Pod",
             "verbs": ["get", "list", "watch"], "shortNames": ["po"], "categories": ["all"],
             "storageVersionHash": "xPOwRZ+Yhw8="}
        ]
    })
}

fn metrics_version() -> Value {
    json!({"groupVersion": "metrics.k8s.io/v1beta1", "version": "v1beta1"})
}

fn metrics_group() -> Value {
    json!({
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": "metrics.k8s.io",
        "versions": [metrics_version()],
        "preferredVersion": metrics_version()
    })
}

fn group_list(metrics: bool) -> Value {
    let mut groups = Vec::new();
    if metrics {
        groups.push(json!({
            "name": "metrics.k8s.io",
            "versions": [metrics_version()],
            "preferredVersion": metrics_version()
        }));
    }
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn metrics_resources() -> Value {
    json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": "metrics.k8s.io/v1beta1",
        "resources": [
            {"name": "nodes", "singularName": "", "namespaced": false, "kind": "NodeMetrics", "verbs": ["get", "list"]},
            {"name": "pods", "singularName": "", "namespaced": true, "kind": "PodMetrics", "verbs": ["get", "list"]}
        ]
    })
}

/// True the first time `coll` asks (the expiry fault fires once per collection).
fn first_expiry(fired: &std::sync::Mutex<Vec<Collection>>, coll: Collection) -> bool {
    let mut fired = fired.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if fired.contains(&coll) {
        return false;
    }
    fired.push(coll);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_accept_detection() {
        assert!(wants_table(Some(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
        )));
        assert!(!wants_table(Some("application/json")));
        assert!(!wants_table(None));
    }

    #[test]
    fn tokens_roundtrip_and_reject_garbage() {
        let t = encode_token(5, "Pod//", 42, 3);
        assert_eq!(decode_token(&t, "Pod//").ok(), Some((42, 3, 5)));
        assert!(decode_token(&t, "Node//").is_err());
        assert!(decode_token("%%%", "Pod//").is_err());
        assert!(decode_token(&util::b64_encode(b"{}"), "Pod//").is_err());
    }
}
