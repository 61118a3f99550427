//! A fleet's history for the tests of issue 13: 1,500 pods in 5 namespaces over 7 days, one
//! sample every 4 minutes (memory working set and the cpu counter of one container per pod),
//! written into Prometheus (OpenMetrics backfilled with promtool, one file per 2-hour block so
//! promtool reads each sample once) and into VictoriaMetrics (its JSON-lines import API); a
//! small authenticating proxy; and the figures computed directly from the generated series with
//! Prometheus' definitions.
//!
//! The data is shaped so that the figures do not depend on how an engine treats the edges of
//! the window (Prometheus and VictoriaMetrics differ there, and in `rate()`): each pod's memory
//! is at a low level 90% of the time and a high level 10% of the time, in blocks of 2.4 hours,
//! with one spike; its cpu rate likewise. The 0.95 quantile falls hundreds of points inside the
//! high block (a few points more or less at the edges cannot move it) and the peak is the spike.
//! The expected figures are nonetheless computed step by step as Prometheus does, not assumed.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::prometheus::{PROMTOOL, free_port, http_get, prom_rate};

const MI: u64 = 1 << 20;
/// Seconds between samples.
pub const SCRAPE: i64 = 240;
/// Samples per series: 7 days at 4 minutes, plus two before the window so that its first step
/// has a sample in any engine.
pub const SAMPLES: usize = 2520 + 3;
/// Steps of `[7d:1m]` at a minute-aligned time: 10,080 intervals, both ends included.
pub const STEPS: usize = 10_081;

/// (namespace, apps, pods per app).
pub const NAMESPACES: &[(&str, usize, usize)] =
    &[("shop", 14, 50), ("data", 8, 50), ("batch", 5, 50), ("web", 4, 25), ("ops", 2, 25)];

const K8S: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// One pod of the fleet.
#[derive(Debug, Clone)]
pub struct FleetPod {
    /// Namespace.
    pub ns: &'static str,
    /// Its service (deployment) name.
    pub app: String,
    /// Pod name: `<app>-<hash>-<5 chars>`.
    pub name: String,
    /// Index in the fleet (drives the levels).
    pub index: u64,
}

fn k8s_chars(mut n: u64, len: usize) -> String {
    let mut s = Vec::with_capacity(len);
    for _ in 0..len {
        s.push(K8S[(n % K8S.len() as u64) as usize]);
        n /= K8S.len() as u64;
    }
    String::from_utf8(s).expect("ascii")
}

/// The 1,500 pods.
pub fn pods() -> Vec<FleetPod> {
    let mut out = Vec::new();
    for (ns, apps, per) in NAMESPACES {
        for a in 0..*apps {
            let app = format!("{}-svc{a}", &ns[..2]);
            let hash = k8s_chars(7_919 * (out.len() as u64 + 1) + a as u64, 10);
            for _ in 0..*per {
                let index = out.len() as u64;
                let name = format!("{app}-{hash}-{}", k8s_chars(index * 104_729 + 12_345, 5));
                out.push(FleetPod { ns, app: app.clone(), name, index });
            }
        }
    }
    out
}

/// A profile with one service per app (namespace and workload given).
pub fn profile_yaml() -> String {
    let mut s = String::from("name: fleet\nservices:\n");
    for (ns, apps, _) in NAMESPACES {
        for a in 0..*apps {
            let app = format!("{}-svc{a}", &ns[..2]);
            s.push_str(&format!(
                "  - {{name: {app}, group: core, status: deployed, namespace: {ns}, workload: Deployment/{app}, memory: {{typical: 64Mi}}, cpu: {{typical: 10m}}}}\n"
            ));
        }
    }
    s
}

/// Whether sample `i` of pod `p` is in its high block (10% of the time, 2.4-hour blocks).
fn high(p: u64, i: usize) -> bool {
    (i as u64 + p * 13) / 36 % 10 == 3
}

/// The spike's sample: inside the window, away from its edges.
fn spike_at(p: u64) -> usize {
    100 + (p as usize * 7919) % (SAMPLES - 200)
}

/// Memory working set of pod `p` at sample `i`, bytes.
pub fn memory(p: u64, i: usize) -> u64 {
    let low = 50 * MI + (p % 400) * MI + p * 4096;
    let hi = low + (10 + p % 37) * MI;
    if i == spike_at(p) {
        hi + (5 + p % 11) * MI
    } else if high(p, i) {
        hi
    } else {
        low + (i as u64 % 7) * 512
    }
}

/// Cpu rate of pod `p` during the interval ending at sample `i`, millicores (multiples of 25:
/// 240 s at 25m is 6 s, so the counter stays a whole number of seconds).
fn cpu_rate(p: u64, i: usize) -> u64 {
    let low = 25 * (1 + p % 8);
    if high(p + 5, i) { low + 25 * (1 + p % 5) } else { low }
}

/// The cpu counter of pod `p` at every sample, whole seconds.
pub fn counters(p: u64) -> Vec<u64> {
    let mut c = 1000 + p;
    (0..SAMPLES)
        .map(|i| {
            if i > 0 {
                c += cpu_rate(p, i) * SCRAPE as u64 / 1000;
            }
            c
        })
        .collect()
}

/// Timestamp (s) of sample `i` when the last one is at `at`.
pub fn ts(at: i64, i: usize) -> i64 {
    at - (SAMPLES - 1 - i) as i64 * SCRAPE
}

/// Writes the fleet as OpenMetrics, one file per Prometheus block (2 hours), and backfills each
/// with promtool (two at a time). Returns the TSDB directory.
pub fn backfill(dir: &Path, at: i64, pods: &[FleetPod]) -> PathBuf {
    super::prometheus::require_tools();
    let started = Instant::now();
    let block = 7200i64;
    // Per block: the memory family's lines, then the cpu family's.
    let mut files: BTreeMap<i64, (String, String)> = BTreeMap::new();
    for pod in pods {
        let labels = format!(r#"{{container="app",namespace="{}",pod="{}"}}"#, pod.ns, pod.name);
        let cpu = counters(pod.index);
        for (i, c) in cpu.iter().enumerate() {
            let t = ts(at, i);
            let (m, k) = files.entry(t.div_euclid(block)).or_default();
            m.push_str(&format!("container_memory_working_set_bytes{labels} {} {t}\n", memory(pod.index, i)));
            k.push_str(&format!("container_cpu_usage_seconds_total{labels} {c} {t}\n"));
        }
    }
    let files: BTreeMap<i64, String> = files
        .into_iter()
        .map(|(k, (m, c))| {
            (
                k,
                format!(
                    "# TYPE container_memory_working_set_bytes gauge\n{m}# TYPE container_cpu_usage_seconds counter\n{c}"
                ),
            )
        })
        .collect();
    let src = dir.join("openmetrics");
    std::fs::create_dir_all(&src).expect("dir");
    let mut files = files;
    files.insert(i64::MAX, kube_state_metrics(at, pods));
    let paths: Vec<PathBuf> = files
        .into_iter()
        .map(|(k, mut text)| {
            text.push_str("# EOF\n");
            let p =
                src.join(if k == i64::MAX { "kube-state-metrics.om".to_string() } else { format!("{k}.om") });
            std::fs::write(&p, text).expect("write openmetrics");
            p
        })
        .collect();
    let tsdb = dir.join("tsdb");
    for pair in paths.chunks(2) {
        let children: Vec<(PathBuf, Child)> = pair
            .iter()
            .map(|p| {
                let c = Command::new(PROMTOOL)
                    .args(["tsdb", "create-blocks-from", "openmetrics", "-q"])
                    .arg(p)
                    .arg(&tsdb)
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("run promtool");
                (p.clone(), c)
            })
            .collect();
        for (p, c) in children {
            let out = c.wait_with_output().expect("promtool");
            assert!(
                out.status.success(),
                "promtool on {}: {}",
                p.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    std::fs::remove_dir_all(&src).ok();
    eprintln!("fleet: {} pods backfilled in {:?}", pods.len(), started.elapsed());
    tsdb
}

/// The ReplicaSet of a pod (`<app>-<hash>`).
fn replicaset(pod: &FleetPod) -> &str {
    pod.name.rsplit_once('-').map_or(pod.name.as_str(), |(rs, _)| rs)
}

/// kube-state-metrics' owner series of the fleet over its last 3 samples (the evaluation time
/// sees them): each pod owned by its ReplicaSet, each ReplicaSet by its Deployment.
fn kube_state_metrics(at: i64, pods: &[FleetPod]) -> String {
    let mut s = String::from("# TYPE kube_pod_owner gauge\n");
    for pod in pods {
        for i in SAMPLES - 3..SAMPLES {
            s.push_str(&format!(
                "kube_pod_owner{{namespace=\"{}\",owner_is_controller=\"true\",owner_kind=\"ReplicaSet\",owner_name=\"{}\",pod=\"{}\"}} 1 {}\n",
                pod.ns,
                replicaset(pod),
                pod.name,
                ts(at, i)
            ));
        }
    }
    s.push_str("# TYPE kube_replicaset_owner gauge\n");
    let mut seen = std::collections::BTreeSet::new();
    for pod in pods {
        if seen.insert((pod.ns, replicaset(pod).to_string())) {
            for i in SAMPLES - 3..SAMPLES {
                s.push_str(&format!(
                    "kube_replicaset_owner{{namespace=\"{}\",owner_is_controller=\"true\",owner_kind=\"Deployment\",owner_name=\"{}\",replicaset=\"{}\"}} 1 {}\n",
                    pod.ns,
                    pod.app,
                    replicaset(pod),
                    ts(at, i)
                ));
            }
        }
    }
    s
}

/// The same series as VictoriaMetrics JSON lines.
fn kube_state_metrics_json(at: i64, pods: &[FleetPod]) -> String {
    let t: Vec<String> = (SAMPLES - 3..SAMPLES).map(|i| (ts(at, i) * 1000).to_string()).collect();
    let t = t.join(",");
    let mut out = String::new();
    let mut seen = std::collections::BTreeSet::new();
    for pod in pods {
        out.push_str(&format!(
            r#"{{"metric":{{"__name__":"kube_pod_owner","namespace":"{}","owner_is_controller":"true","owner_kind":"ReplicaSet","owner_name":"{}","pod":"{}"}},"values":[1,1,1],"timestamps":[{t}]}}"#,
            pod.ns,
            replicaset(pod),
            pod.name
        ));
        out.push('\n');
        if seen.insert((pod.ns, replicaset(pod).to_string())) {
            out.push_str(&format!(
                r#"{{"metric":{{"__name__":"kube_replicaset_owner","namespace":"{}","owner_is_controller":"true","owner_kind":"Deployment","owner_name":"{}","replicaset":"{}"}},"values":[1,1,1],"timestamps":[{t}]}}"#,
                pod.ns,
                pod.app,
                replicaset(pod)
            ));
            out.push('\n');
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Expected figures

/// Prometheus' quantile of integers, exactly, rounded up (q = 0.95).
fn quantile_ceil(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    let n = v.len() as u128;
    let rank_num = 95 * (n - 1);
    let lo = (rank_num / 100) as usize;
    let hi = (lo + 1).min(v.len() - 1);
    let w = rank_num % 100;
    let (a, b) = (u128::from(v[lo]), u128::from(v[hi]));
    (a + ((b - a) * w).div_ceil(100)) as u64
}

/// The sample a step sees: the latest at or before it, within 5 minutes.
fn sample_at(at: i64, t: i64) -> Option<usize> {
    let back = at - t; // seconds before the last sample
    let k = (back + SCRAPE - 1).div_euclid(SCRAPE); // samples back, rounded up
    let i = SAMPLES as i64 - 1 - k;
    (i >= 0 && t - ts(at, i as usize) < 300).then_some(i as usize)
}

/// Per pod: (memory quantile, memory peak, cpu quantile in millicores), as Prometheus computes
/// `[7d:1m]` at `at` (minute-aligned): sample-and-hold at every step, `rate()` over 5 minutes.
pub fn expected(at: i64, p: u64, left_open: bool) -> (u64, u64, u64) {
    let steps: Vec<i64> = (0..STEPS as i64).map(|j| at - 7 * 86_400 + j * 60).collect();
    let mem: Vec<u64> = steps.iter().filter_map(|&t| sample_at(at, t)).map(|i| memory(p, i)).collect();
    assert_eq!(mem.len(), STEPS);
    let peak = *mem.iter().max().expect("points");
    let points: Vec<(i64, f64)> =
        counters(p).into_iter().enumerate().map(|(i, c)| (ts(at, i) * 1000, c as f64)).collect();
    let mut rates: Vec<f64> = steps
        .iter()
        .filter_map(|&t| {
            // Only the samples near t matter for a 5-minute rate.
            let i = sample_at(at, t)?;
            let from = i.saturating_sub(3);
            prom_rate(&points[from..=i], t * 1000, left_open)
        })
        .collect();
    rates.sort_by(|a, b| a.total_cmp(b));
    let n = rates.len() as f64;
    let rank = 0.95 * (n - 1.0);
    let (lo, w) = (rank.floor(), rank - rank.floor());
    let hi = (lo + 1.0).min(n - 1.0);
    let milli = (rates[lo as usize] * (1.0 - w) + rates[hi as usize] * w) * 1000.0;
    let floor = milli.floor();
    let cpu = if milli - floor <= milli * 1e-12 { floor } else { floor + 1.0 } as u64;
    (quantile_ceil(mem), peak, cpu)
}

/// The designed figures (the high level, the spike, the high cpu rate): what [`expected`] must
/// come to whatever the edges.
pub fn designed(p: u64) -> (u64, u64, u64) {
    let low = 50 * MI + (p % 400) * MI + p * 4096;
    let hi = low + (10 + p % 37) * MI;
    (hi, hi + (5 + p % 11) * MI, 25 * (1 + p % 8) + 25 * (1 + p % 5))
}

// ---------------------------------------------------------------------------------------------
// VictoriaMetrics

/// The single-node VictoriaMetrics binary (Debian's `victoria-metrics`, installed by `.ci/run`).
pub const VICTORIA_METRICS: &str = "/usr/bin/victoria-metrics";

/// A VictoriaMetrics on loopback, killed when dropped.
pub struct Victoria {
    child: Child,
    /// Its port.
    pub port: u16,
}

impl Drop for Victoria {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts VictoriaMetrics with its data under `dir` and waits until it is healthy.
pub fn start_victoria(dir: &Path) -> Victoria {
    assert!(
        Path::new(VICTORIA_METRICS).is_file(),
        "{VICTORIA_METRICS} is missing: install Debian's victoria-metrics package (apt-get install --no-install-recommends victoria-metrics), as .ci/run does; these tests do not skip"
    );
    for attempt in 0..3 {
        let port = free_port();
        let log = std::fs::File::create(dir.join(format!("vm-{attempt}.log"))).expect("log");
        let child = Command::new(VICTORIA_METRICS)
            .arg(format!("-storageDataPath={}", dir.join("vm-data").display()))
            .arg(format!("-httpListenAddr=127.0.0.1:{port}"))
            .arg("-retentionPeriod=1y")
            .arg("-search.disableCache")
            .arg("-loggerLevel=ERROR")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start victoria-metrics");
        let mut vm = Victoria { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = vm.child.try_wait() {
                break;
            }
            if http_get(port, "/health").is_some_and(|r| r.contains(" 200 ")) {
                return vm;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        drop(vm);
    }
    panic!("victoria-metrics did not become healthy");
}

/// An HTTP/1.0 request with a body to 127.0.0.1:`port`; the whole answer.
pub fn http_send(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(120))).expect("timeout");
    let mut head =
        format!("{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).expect("write");
    s.write_all(body).expect("write body");
    let mut out = Vec::new();
    s.read_to_end(&mut out).expect("read");
    String::from_utf8_lossy(&out).into_owned()
}

/// Imports the fleet into VictoriaMetrics (`/api/v1/import`, one JSON line per series) and
/// flushes it so queries see it.
pub fn import(vm: &Victoria, at: i64, pods: &[FleetPod]) {
    let started = Instant::now();
    let timestamps: Vec<String> = (0..SAMPLES).map(|i| (ts(at, i) * 1000).to_string()).collect();
    let timestamps = timestamps.join(",");
    for chunk in pods.chunks(250) {
        let mut body = String::new();
        for pod in chunk {
            let memory: Vec<u64> = (0..SAMPLES).map(|i| memory(pod.index, i)).collect();
            for (name, series) in [
                ("container_memory_working_set_bytes", memory),
                ("container_cpu_usage_seconds_total", counters(pod.index)),
            ] {
                let values: Vec<String> = series.iter().map(u64::to_string).collect();
                body.push_str(&format!(
                    r#"{{"metric":{{"__name__":"{name}","container":"app","namespace":"{}","pod":"{}"}},"values":[{}],"timestamps":[{timestamps}]}}"#,
                    pod.ns,
                    pod.name,
                    values.join(",")
                ));
                body.push('\n');
            }
        }
        let r = http_send(vm.port, "POST", "/api/v1/import", &[], body.as_bytes());
        assert!(r.starts_with("HTTP/1.1 204") || r.starts_with("HTTP/1.0 204"), "import: {r}");
    }
    let r = http_send(vm.port, "POST", "/api/v1/import", &[], kube_state_metrics_json(at, pods).as_bytes());
    assert!(r.starts_with("HTTP/1.1 204") || r.starts_with("HTTP/1.0 204"), "import: {r}");
    let r = http_send(vm.port, "GET", "/internal/force_flush", &[], b"");
    assert!(r.contains(" 200 "), "flush: {r}");
    eprintln!("fleet: {} pods imported into VictoriaMetrics in {:?}", pods.len(), started.elapsed());
}

// ---------------------------------------------------------------------------------------------
// The proxy

/// What the proxy saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Method and path.
    pub line: String,
    /// Content-Type.
    pub content_type: String,
    /// The decoded `query` form field.
    pub query: String,
    /// The status answered.
    pub status: u16,
}

/// A proxy on loopback that requires `Authorization: Bearer TOKEN` and `X-Scope-OrgID: TENANT`,
/// serves the API under `prefix` (e.g. `/select/0/prometheus`, VictoriaMetrics cluster's path),
/// forwards to `upstream_prefix` on the upstream port, and records every request.
pub struct Proxy {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The requests seen.
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

fn form_field(body: &str, name: &str) -> String {
    body.split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .map(|v| {
            let b = v.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'%' && i + 2 < b.len() {
                    out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap_or(b'?'));
                    i += 3;
                } else {
                    out.push(if b[i] == b'+' { b' ' } else { b[i] });
                    i += 1;
                }
            }
            String::from_utf8_lossy(&out).into_owned()
        })
        .unwrap_or_default()
}

/// Reads one HTTP/1.x request: (request line, lower-cased headers, body).
pub fn read_request(stream: &TcpStream) -> Option<(String, BTreeMap<String, String>, Vec<u8>)> {
    let mut r = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
    let len: usize = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some((line.trim_end().to_string(), headers, body))
}

/// How the proxy misbehaves on a query (by its text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 422 with Prometheus' too-many-samples error.
    TooManySamples,
    /// 503 with a plain body (an overloaded backend).
    Unavailable,
    /// No answer for 5 seconds.
    Hang,
}

/// A proxy that requires credentials (see [`start_proxy_with`]) and misbehaves on nothing.
pub fn start_proxy(
    upstream: u16,
    prefix: &'static str,
    upstream_prefix: &'static str,
    token: &str,
    tenant: &str,
) -> Proxy {
    start_proxy_with(upstream, prefix, upstream_prefix, Some((token, tenant)), |_| None)
}

/// Starts the proxy; `auth` is the (token, tenant) required, `fault` picks a misbehaviour by
/// query text.
pub fn start_proxy_with(
    upstream: u16,
    prefix: &'static str,
    upstream_prefix: &'static str,
    auth: Option<(&str, &str)>,
    fault: fn(&str) -> Option<Fault>,
) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let auth = auth.map(|(t, o)| (format!("Bearer {t}"), o.to_string()));
    let s2 = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (auth, seen) = (auth.clone(), s2.clone());
            std::thread::spawn(move || {
                let mut stream = stream;
                let Some((line, headers, body)) = read_request(&stream) else { return };
                let mut parts = line.split(' ');
                let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let ok_auth = auth.as_ref().is_none_or(|(t, _)| headers.get("authorization") == Some(t));
                let ok_tenant = auth.as_ref().is_none_or(|(_, o)| headers.get("x-scope-orgid") == Some(o));
                let query = form_field(&String::from_utf8_lossy(&body), "query");
                let misbehave = if ok_auth && ok_tenant { fault(&query) } else { None };
                let answer = match path.strip_prefix(prefix) {
                    _ if misbehave == Some(Fault::TooManySamples) => {
                        let b = r#"{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory in query execution"}"#;
                        format!("HTTP/1.1 422 Unprocessable Entity\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}", b.len()).into_bytes()
                    }
                    _ if misbehave == Some(Fault::Unavailable) => {
                        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 12\r\nConnection: close\r\n\r\noverloaded\r\n".as_bytes().to_vec()
                    }
                    _ if misbehave == Some(Fault::Hang) => {
                        std::thread::sleep(Duration::from_secs(5));
                        return;
                    }
                    _ if !ok_auth => "HTTP/1.1 401 Unauthorized\r\nContent-Length: 13\r\nConnection: close\r\n\r\nunauthorized\n".as_bytes().to_vec(),
                    _ if !ok_tenant => "HTTP/1.1 401 Unauthorized\r\nContent-Length: 10\r\nConnection: close\r\n\r\nno tenant\n".as_bytes().to_vec(),
                    None => "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\nConnection: close\r\n\r\nnot found\n".as_bytes().to_vec(),
                    Some(rest) => {
                        let ct = headers.get("content-type").cloned().unwrap_or_default();
                        let r = http_send(
                            upstream,
                            method,
                            &format!("{upstream_prefix}{rest}"),
                            &[("Content-Type", &ct)],
                            &body,
                        );
                        r.into_bytes()
                    }
                };
                let text = String::from_utf8_lossy(&answer[..answer.len().min(64)]).to_string();
                let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
                seen.lock().expect("lock").push(Seen {
                    line: format!("{method} {path}"),
                    content_type: headers.get("content-type").cloned().unwrap_or_default(),
                    query,
                    status,
                });
                let _ = stream.write_all(&answer);
            });
        }
    });
    Proxy { url: format!("http://127.0.0.1:{port}"), seen }
}
