//! History from a real Prometheus (Debian's `prometheus` package, installed by `scripts/test`; these
//! tests fail, never skip, without it): two days of per-container samples generated from a
//! known sequence are backfilled with `promtool tsdb create-blocks-from openmetrics`, a
//! Prometheus serves them on loopback, and `bizo-plan check --prometheus` must report, per
//! service, exactly the quantile and peak computed here from the same samples with Prometheus'
//! definitions. Also: Prometheus down, a Prometheus that does not answer, a rejected query and
//! an HTTP error status.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::common::{bizo, fixture};
use serde_json::Value;

pub const PROMETHEUS: &str = "/usr/bin/prometheus";
pub const PROMTOOL: &str = "/usr/bin/promtool";
const MI: u64 = 1 << 20;
/// Samples per series: one a minute for two days.
const MINUTES: usize = 2880;
/// The quantile asked for, as the flag and as an exact fraction.
const Q: &str = "0.95";
const Q_NUM: u128 = 95;
const Q_DEN: u128 = 100;

pub fn require_tools() {
    for t in [PROMETHEUS, PROMTOOL] {
        assert!(Path::new(t).is_file(), "{}", crate::common::missing_program(t, "prometheus"));
    }
}

/// A Prometheus server on loopback, killed when dropped.
pub struct Prometheus {
    child: Child,
    pub url: String,
    log: PathBuf,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// A GET over a plain TCP connection (for readiness; bizo-plan has its own client).
pub fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

/// Starts Prometheus on `tsdb` (in `dir`) and waits until `/-/ready` answers 200.
fn start_prometheus(dir: &Path, tsdb: &Path) -> Prometheus {
    start_prometheus_with(dir, tsdb, &[])
}

/// The same with extra flags (`--query.max-samples=...`, `--web.config.file=...`).
pub fn start_prometheus_with(dir: &Path, tsdb: &Path, extra: &[&str]) -> Prometheus {
    require_tools();
    let config = dir.join("prometheus.yml");
    std::fs::write(&config, "global: {}\nscrape_configs: []\n").expect("config");
    for attempt in 0..3 {
        let port = free_port();
        let log = dir.join(format!("prometheus-{attempt}.log"));
        let out = std::fs::File::create(&log).expect("log file");
        let child = Command::new(PROMETHEUS)
            .arg(format!("--storage.tsdb.path={}", tsdb.display()))
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--storage.tsdb.retention.time=30d")
            .args(extra)
            .stdout(Stdio::null())
            .stderr(out)
            .spawn()
            .expect("start prometheus");
        let tls = extra.iter().any(|a| a.starts_with("--web.config.file"));
        let scheme = if tls { "https" } else { "http" };
        let mut p = Prometheus { child, url: format!("{scheme}://127.0.0.1:{port}"), log };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = p.child.try_wait() {
                break; // exited: the port was taken, or worse; see the log
            }
            let ready = if tls {
                Command::new("curl")
                    .args(["-sfk", &format!("https://127.0.0.1:{port}/-/ready")])
                    .output()
                    .is_ok_and(|o| o.status.success())
            } else {
                http_get(port, "/-/ready")
                    .is_some_and(|r| r.starts_with("HTTP/1.0 200") || r.starts_with("HTTP/1.1 200"))
            };
            if ready {
                return p;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let log = std::fs::read_to_string(&p.log).unwrap_or_default();
        if attempt == 2 {
            panic!("prometheus did not become ready on port {port}:\n{log}");
        }
        eprintln!("prometheus on port {port} failed, retrying:\n{log}");
    }
    unreachable!()
}

// ---------------------------------------------------------------------------------------------
// The generated history

struct Pod {
    ns: &'static str,
    name: &'static str,
    containers: &'static [&'static str],
    /// First minute with samples (a pod started late).
    start: usize,
    /// Also write cAdvisor's pod-level series (no container label) and the pause container
    /// (`container="POD"`), which the queries must leave out.
    cgroup_series: bool,
}

const PODS: &[Pod] = &[
    Pod {
        ns: "shop",
        name: "api-7d9f8b6c5d-x2x9z",
        containers: &["app", "istio-proxy"],
        start: 0,
        cgroup_series: true,
    },
    Pod {
        ns: "shop",
        name: "api-7d9f8b6c5d-b4c6d",
        containers: &["app", "istio-proxy"],
        start: 0,
        cgroup_series: false,
    },
    Pod {
        ns: "shop",
        name: "api-gateway-5c8d7b9f4d-q2w4z",
        containers: &["gateway"],
        start: 0,
        cgroup_series: false,
    },
    Pod {
        ns: "data",
        name: "postgres-0",
        containers: &["postgres", "exporter"],
        start: 0,
        cgroup_series: true,
    },
    Pod { ns: "data", name: "postgres-1", containers: &["postgres"], start: 0, cgroup_series: false },
    Pod { ns: "monitoring", name: "log-agent-k8s2x", containers: &["agent"], start: 0, cgroup_series: false },
    Pod {
        ns: "monitoring",
        name: "log-agent-w9zq4",
        containers: &["agent"],
        start: MINUTES / 2,
        cgroup_series: false,
    },
    Pod {
        ns: "kube-system",
        name: "coredns-5d78c9869d-q2x8w",
        containers: &["coredns"],
        start: 0,
        cgroup_series: false,
    },
    Pod { ns: "staging", name: "api-6b5c4d7f8f-zzzzz", containers: &["app"], start: 0, cgroup_series: false },
];

/// (service, its pods by index into PODS, replicas in the profile).
const SERVICES: &[(&str, &[usize], u64)] =
    &[("api", &[0, 1], 2), ("api-gateway", &[2], 1), ("database", &[3, 4], 2), ("log-agent", &[5, 6], 2)];

/// Working set of container `c` of pod `p` at minute `i`, bytes.
fn memory(p: usize, c: usize, i: usize) -> u64 {
    let (p, c, i) = (p as u64, c as u64, i as u64);
    let base = (40 + 9 * p + 5 * c) * MI;
    let wobble = ((i * 7919 + p * 104_729 + c * 1_299_709) % 1000) * 4096 + (i % 13) * 511;
    let spike = if (i + 37 * p) % 577 == 0 { (30 + p) * MI } else { 0 };
    base + wobble + spike
}

/// CPU used by container `c` of pod `p` during minute `i`, millicores.
fn cpu(p: usize, c: usize, i: usize) -> u64 {
    let (p, c, i) = (p as u64, c as u64, i as u64);
    10 + 5 * p + 3 * c + (i * 31 + p * 17 + c * 7) % 50 + if (i + 11 * p) % 601 < 3 { 150 } else { 0 }
}

/// The cpu counter of container `c` of pod `p` at minute `i`, in milliseconds of cpu time.
fn counter_ms(p: usize, c: usize, i: usize) -> u64 {
    let start = PODS[p].start;
    1_000_000 + p as u64 * 12_345 + ((start + 1)..=i).map(|j| cpu(p, c, j) * 60).sum::<u64>()
}

fn seconds_text(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// The last sample's time: a minute boundary about an hour before now.
fn end_time() -> i64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs() as i64;
    now - now % 60 - 3600
}

fn ts(end: i64, i: usize) -> i64 {
    end - (MINUTES - 1 - i) as i64 * 60
}

/// The history in OpenMetrics text, every series' samples in time order.
fn openmetrics(end: i64) -> String {
    let mut s = String::with_capacity(12 << 20);
    s.push_str("# TYPE container_memory_working_set_bytes gauge\n");
    for (p, pod) in PODS.iter().enumerate() {
        let labels = |c: &str| format!(r#"{{container="{c}",namespace="{}",pod="{}"}}"#, pod.ns, pod.name);
        for (c, name) in pod.containers.iter().enumerate() {
            for i in pod.start..MINUTES {
                s.push_str(&format!(
                    "container_memory_working_set_bytes{} {} {}\n",
                    labels(name),
                    memory(p, c, i),
                    ts(end, i)
                ));
            }
        }
        if pod.cgroup_series {
            for i in pod.start..MINUTES {
                let total: u64 = (0..pod.containers.len()).map(|c| memory(p, c, i)).sum::<u64>() + 8 * MI;
                s.push_str(&format!(
                    "container_memory_working_set_bytes{{namespace=\"{}\",pod=\"{}\"}} {total} {}\n",
                    pod.ns,
                    pod.name,
                    ts(end, i)
                ));
            }
            for i in pod.start..MINUTES {
                s.push_str(&format!(
                    "container_memory_working_set_bytes{} {} {}\n",
                    labels("POD"),
                    700 * 1024,
                    ts(end, i)
                ));
            }
        }
    }
    s.push_str("# TYPE container_cpu_usage_seconds counter\n");
    for (p, pod) in PODS.iter().enumerate() {
        let labels = |c: &str| format!(r#"{{container="{c}",namespace="{}",pod="{}"}}"#, pod.ns, pod.name);
        for (c, name) in pod.containers.iter().enumerate() {
            for i in pod.start..MINUTES {
                s.push_str(&format!(
                    "container_cpu_usage_seconds_total{} {} {}\n",
                    labels(name),
                    seconds_text(counter_ms(p, c, i)),
                    ts(end, i)
                ));
            }
        }
        if pod.cgroup_series {
            for i in pod.start..MINUTES {
                s.push_str(&format!(
                    "container_cpu_usage_seconds_total{{namespace=\"{}\",pod=\"{}\"}} {} {}\n",
                    pod.ns,
                    pod.name,
                    seconds_text(50_000_000 + i as u64 * 60_000),
                    ts(end, i)
                ));
                s.push_str(&format!(
                    "container_cpu_usage_seconds_total{} {} {}\n",
                    labels("POD"),
                    seconds_text(9_000_000 + i as u64 * 30_000),
                    ts(end, i)
                ));
            }
        }
    }
    s.push_str("# EOF\n");
    s
}

/// Backfills the history into a TSDB under `dir` and returns its path.
fn backfill(dir: &Path, end: i64) -> PathBuf {
    require_tools();
    let file = dir.join("history.om.txt");
    let text = openmetrics(end);
    std::fs::write(&file, &text).expect("write openmetrics");
    if let Some(keep) = std::env::var_os("BIZO_PLAN_TEST_OPENMETRICS_OUT") {
        // For the README's worked example: the same data, kept.
        std::fs::write(keep, &text).expect("copy openmetrics");
    }
    let tsdb = dir.join("tsdb");
    let out = Command::new(PROMTOOL)
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&file)
        .arg(&tsdb)
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "promtool failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    tsdb
}

// ---------------------------------------------------------------------------------------------
// What Prometheus must answer, computed from the same samples

/// Prometheus' quantile (rank = q(n-1), linear interpolation between the sorted neighbours),
/// exactly, rounded up: integer samples, q = Q_NUM/Q_DEN.
fn quantile_ceil(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    let n = v.len() as u128;
    let rank_num = Q_NUM * (n - 1); // rank = rank_num / Q_DEN
    let lo = (rank_num / Q_DEN) as usize;
    let hi = (lo + 1).min(v.len() - 1);
    let w = rank_num % Q_DEN; // weight = w / Q_DEN
    let (a, b) = (u128::from(v[lo]), u128::from(v[hi]));
    (a + ((b - a) * w).div_ceil(Q_DEN)) as u64
}

/// Per pod: (memory quantile, memory peak) in bytes, exact.
fn expected_memory(p: usize) -> (u64, u64) {
    let pod = &PODS[p];
    let per_minute: Vec<u64> =
        (pod.start..MINUTES).map(|i| (0..pod.containers.len()).map(|c| memory(p, c, i)).sum()).collect();
    let peak = *per_minute.iter().max().expect("samples");
    (quantile_ceil(per_minute), peak)
}

/// Prometheus' `rate()` of one series at `t` (ms) over 5m, as its extrapolatedRate computes it.
/// `left_open`: Prometheus 3 selects (t-5m, t], Prometheus 2 [t-5m, t].
pub fn prom_rate(points: &[(i64, f64)], t: i64, left_open: bool) -> Option<f64> {
    let start = t - 300_000;
    let pts: Vec<(i64, f64)> = points
        .iter()
        .copied()
        .filter(|(pt, _)| *pt <= t && if left_open { *pt > start } else { *pt >= start })
        .collect();
    if pts.len() < 2 {
        return None;
    }
    let (first, last) = (pts[0], pts[pts.len() - 1]);
    let mut result = last.1 - first.1;
    let mut to_start = (first.0 - start) as f64 / 1000.0;
    let to_end = (t - last.0) as f64 / 1000.0;
    let sampled = (last.0 - first.0) as f64 / 1000.0;
    let avg = sampled / (pts.len() - 1) as f64;
    if result > 0.0 && first.1 >= 0.0 {
        let to_zero = sampled * (first.1 / result);
        if to_zero < to_start {
            to_start = to_zero;
        }
    }
    let threshold = avg * 1.1;
    let mut interval = sampled;
    interval += if to_start < threshold { to_start } else { avg / 2.0 };
    interval += if to_end < threshold { to_end } else { avg / 2.0 };
    let mut factor = interval / sampled;
    factor /= 300.0;
    result *= factor;
    Some(result)
}

/// Per pod: the cpu quantile in millicores (rounded up as bizo-plan does), simulating
/// `quantile_over_time(q, (sum by (namespace, pod) (rate(...[5m])))[7d:1m])` in floating point.
fn expected_cpu(p: usize, end: i64, left_open: bool) -> u64 {
    let pod = &PODS[p];
    let series: Vec<Vec<(i64, f64)>> = (0..pod.containers.len())
        .map(|c| {
            (pod.start..MINUTES)
                .map(|i| {
                    (ts(end, i) * 1000, seconds_text(counter_ms(p, c, i)).parse::<f64>().expect("float"))
                })
                .collect()
        })
        .collect();
    let mut values: Vec<f64> = (pod.start..MINUTES)
        .filter_map(|i| {
            let t = ts(end, i) * 1000;
            let rates: Vec<f64> = series.iter().filter_map(|s| prom_rate(s, t, left_open)).collect();
            (!rates.is_empty()).then(|| rates.iter().sum())
        })
        .collect();
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len() as f64;
    let q: f64 = Q.parse().expect("q");
    let rank = q * (n - 1.0);
    let lo = rank.floor().max(0.0);
    let hi = (lo + 1.0).min(n - 1.0);
    let w = rank - rank.floor();
    let cores = values[lo as usize] * (1.0 - w) + values[hi as usize] * w;
    let milli = cores * 1000.0;
    // The data must not put the answer where a last-bit difference in summation order could
    // change the rounding.
    let off = milli - milli.round();
    assert!(off.abs() < 1e-9 || off.abs() > 1e-6, "pod {p}: {milli} is too close to a whole millicore");
    let floor = milli.floor();
    (if milli - floor <= milli * 1e-12 { floor } else { floor + 1.0 }) as u64
}

pub fn prometheus_major() -> u32 {
    let out = Command::new(PROMETHEUS).arg("--version").output().expect("prometheus --version");
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let v = text.split("version ").nth(1).unwrap_or_else(|| panic!("no version in {text}"));
    v.split('.').next().and_then(|m| m.parse().ok()).unwrap_or_else(|| panic!("no major version in {text}"))
}

// ---------------------------------------------------------------------------------------------
// Running bizo-plan

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    json: Value,
}

fn run(args: &[&str]) -> Run {
    run_env(args, &[])
}

fn run_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let home = tempfile::tempdir().expect("home");
    let mut cmd = bizo(home.path());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).timeout(Duration::from_secs(300)).output().expect("run bizo-plan");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    Run {
        code: out.status.code().expect("exit code"),
        json: serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stdout,
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

fn profile() -> String {
    fixture("profiles/history.yaml").display().to_string()
}

fn service<'a>(v: &'a Value, list: &str, name: &str) -> &'a Value {
    v[list]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("no {name} in {list}: {v}"))
}

#[test]
fn history_figures_are_prometheus_quantiles_and_peaks_per_service() {
    let dir = tempfile::tempdir().expect("temp dir");
    let end = end_time();
    let tsdb = backfill(dir.path(), end);
    let prom = start_prometheus(dir.path(), &tsdb);
    let left_open = prometheus_major() >= 3;
    let at = end.to_string();
    let p = profile();
    let args = [
        "check",
        "-p",
        &p,
        "--prometheus",
        &prom.url,
        "--window",
        "7d",
        "--quantile",
        Q,
        "--at",
        &at,
        "-o",
        "json",
    ];
    let r = run(&[&args[..], &["--profile-only", "--capacity", "16Gi"]].concat());
    assert_eq!(r.code, 0, "{}\n{}", r.stderr, r.stdout);
    assert_eq!(r.stderr, "");
    let v = &r.json;
    let h = &v["history"];
    assert_eq!(h["status"], "ok");
    assert_eq!(h["source"], format!("Prometheus at {}", prom.url));
    assert_eq!(
        (h["quantile"].as_str(), h["window"].as_str(), h["step"].as_str()),
        (Some(Q), Some("7d"), Some("1m"))
    );
    assert_eq!(h["at"].as_str().map(|s| s.ends_with(":00Z")), Some(true), "{}", h["at"]);
    assert_eq!(h["withoutFigures"], serde_json::json!(["planned-agent"]));
    assert_eq!(
        h["unmatchedPods"],
        serde_json::json!(["kube-system/coredns-5d78c9869d-q2x8w", "staging/api-6b5c4d7f8f-zzzzz"])
    );
    assert!(h.get("warnings").is_none(), "{h}");

    let mut current = 0;
    for &(name, pods, replicas) in SERVICES {
        let s = service(h, "services", name);
        let figures: Vec<(u64, u64)> = pods.iter().map(|&p| expected_memory(p)).collect();
        let quantile = figures.iter().map(|f| f.0).max().expect("pods");
        let peak = figures.iter().map(|f| f.1).max().expect("pods");
        let cpu = pods.iter().map(|&p| expected_cpu(p, end, left_open)).max().expect("pods");
        assert_eq!(s["memory"]["bytes"], quantile, "{name} memory quantile: {s}");
        assert_eq!(s["memoryPeak"]["bytes"], peak, "{name} memory peak: {s}");
        assert_eq!(s["cpu"]["millicores"], cpu, "{name} cpu quantile: {s}");
        let names: Vec<&str> =
            s["pods"].as_array().expect("pods").iter().filter_map(|p| p["pod"].as_str()).collect();
        let mut want: Vec<&str> = pods.iter().map(|&p| PODS[p].name).collect();
        want.sort_unstable();
        assert_eq!(names, want, "{name}");
        // Per pod, the exact figures and Prometheus' own text.
        for (&pi, (q, pk)) in pods.iter().zip(&figures) {
            let pod =
                s["pods"].as_array().expect("pods").iter().find(|x| x["pod"] == PODS[pi].name).expect("pod");
            assert_eq!(pod["memory"]["rounded"], *q);
            assert_eq!(pod["memoryPeak"]["rounded"], *pk);
            assert_eq!(pod["memoryPeak"]["prometheus"], pk.to_string());
        }
        // The figures drive the projection: per replica, times the profile's replicas.
        let row = service(v, "services", name);
        assert_eq!(row["memory"]["bytes"], quantile * replicas, "{name}");
        assert_eq!(row["memoryPeak"]["bytes"], peak * replicas, "{name}");
        assert_eq!(row["cpu"]["millicores"], cpu * replicas, "{name}");
        assert_eq!(row["source"], "prometheus history");
        assert_eq!(row["peakSource"], "prometheus max_over_time");
        current += quantile * replicas;
        eprintln!("{name}: quantile {quantile} B, peak {peak} B, cpu {cpu}m");
    }
    assert_eq!(v["workload"]["current"]["bytes"], current);
    assert_eq!(service(v, "services", "planned-agent")["memory"]["bytes"], 55 * MI);
    assert_eq!(service(v, "services", "planned-agent")["source"], "profile");
    assert!(v["notes"].as_array().expect("notes").iter().any(|n| {
        n.as_str().is_some_and(|n| {
            n.contains("4 service(s) sized from it (api, api-gateway, database, log-agent)")
                && n.contains("no figures for 1 (profile figures kept): planned-agent")
        })
    }));
    assert!(v.get("missingInputs").is_none());
    let explain: Vec<&str> =
        v["explain"].as_array().expect("explain").iter().filter_map(|e| e["figure"].as_str()).collect();
    assert!(explain.contains(&"history.database.memoryPeak"), "{explain:?}");

    // --at as RFC 3339 gives the same answer.
    let rfc = v["history"]["at"].as_str().expect("at").to_string();
    let again =
        run(&[&args[..9], &["--at", &rfc, "-o", "json", "--profile-only", "--capacity", "16Gi"]].concat());
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.json["history"], v["history"]);

    // Credentials in the URL are sent as basic auth and never shown, even at -vv.
    let with_credentials = prom.url.replace("http://", "http://admin:hunter2@");
    let r = run(&[
        "-vv",
        "check",
        "-p",
        &p,
        "--prometheus",
        &with_credentials,
        "--at",
        &at,
        "--profile-only",
        "--capacity",
        "16Gi",
        "-o",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json["history"]["services"], v["history"]["services"]);
    assert_eq!(r.json["history"]["source"], format!("Prometheus at {}", prom.url));
    assert!(
        r.stderr.contains(&format!(
            "POST {}/api/v1/query (memory quantile, shard 1/1: all namespaces) -> 200",
            prom.url
        )),
        "{}",
        r.stderr
    );
    for out in [&r.stdout, &r.stderr] {
        assert!(!out.contains("hunter2") && !out.contains("YWRtaW4"), "{out}");
    }

    // recommend sizes every replica at its peak: Prometheus' for the four services.
    let r = run(&["recommend", "-p", &p, "--prometheus", &prom.url, "--at", &at, "-o", "json"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let mut demand = 80 * MI; // planned-agent: its profile peak
    let mut demand_cpu = 150; // planned-agent: 100m x 1.5
    for &(_, pods, replicas) in SERVICES {
        let peak = pods.iter().map(|&p| expected_memory(p).1).max().expect("pods");
        let cpu = pods.iter().map(|&p| expected_cpu(p, end, left_open)).max().expect("pods");
        demand += peak * replicas;
        demand_cpu += (cpu * 3).div_ceil(2) * replicas; // no cpu peak: typical x 1.5, rounded up
    }
    assert_eq!(r.json["demandMemory"]["bytes"], demand, "{}", r.stdout);
    assert_eq!(r.json["demandCpu"]["millicores"], demand_cpu);
    assert_eq!(r.json["history"]["services"].as_array().map(Vec::len), Some(4));
    let table = run(&["recommend", "-p", &p, "--prometheus", &prom.url, "--at", &at]);
    assert!(
        table
            .stdout
            .contains(&format!("History from Prometheus at {}: 0.95 quantile and peak over 7d", prom.url)),
        "{}",
        table.stdout
    );

    // The table names the source and shows the figures.
    let t = run(&[&args[..11], &["--profile-only", "--capacity", "16Gi", "--width", "160"]].concat());
    assert_eq!(t.code, 0, "{}", t.stderr);
    assert!(
        t.stdout.contains(&format!(
            "History from Prometheus at {}: 0.95 quantile and peak over 7d (step 1m)",
            prom.url
        )),
        "{}",
        t.stdout
    );
    assert!(t.stdout.contains("No figures (profile kept): planned-agent"), "{}", t.stdout);

    // A profile from Prometheus alone (no cluster): one service per workload of the history.
    let out = dir.path().join("generated.yaml");
    let o = out.display().to_string();
    let g =
        run(&["profile", "generate", "--prometheus", &prom.url, "--at", &at, "--name", "seen", "--out", &o]);
    assert_eq!(g.code, 0, "{}", g.stderr);
    let text = std::fs::read_to_string(&out).expect("generated profile");
    assert!(
        text.starts_with(&format!(
            "# Generated by bizo-plan profile generate from Prometheus at {}",
            prom.url
        )),
        "{text}"
    );
    let c = run(&[
        "check",
        "-p",
        &o,
        "--prometheus",
        &prom.url,
        "--at",
        &at,
        "--profile-only",
        "--capacity",
        "16Gi",
        "-o",
        "json",
    ]);
    assert_eq!(c.code, 0, "{}", c.stderr);
    let names: Vec<&str> =
        c.json["services"].as_array().expect("services").iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(
        names,
        ["postgres", "coredns", "log-agent", "api-gateway", "api.shop", "api.staging"],
        "{text}"
    );
    assert_eq!(
        c.json["history"]["unmatchedPods"],
        serde_json::json!([]),
        "its own history matches every pod"
    );
    assert_eq!(c.json["history"]["withoutFigures"], serde_json::json!([]));
    let api = service(&c.json, "services", "api.shop");
    let (q, peak) =
        [0, 1].iter().map(|&p| expected_memory(p)).fold((0, 0), |a, f| (a.0.max(f.0), a.1.max(f.1)));
    assert_eq!(
        (&api["replicas"], &api["memory"]["bytes"], &api["memoryPeak"]["bytes"]),
        (&Value::from(2), &Value::from(2 * q), &Value::from(2 * peak))
    );
    assert!(
        text.contains("workload: StatefulSet/postgres") && text.contains("workload: DaemonSet/log-agent"),
        "{text}"
    );
    // Without a reachable Prometheus there is nothing to generate from: exit 3.
    let g = run(&["profile", "generate", "--prometheus", "http://127.0.0.1:1"]);
    assert_eq!(g.code, 3, "{}", g.stderr);
    assert!(g.stderr.contains("Prometheus at http://127.0.0.1:1: unreachable"), "{}", g.stderr);
    drop(prom);
}

// Fault matrix: Prometheus down
#[test]
fn prometheus_down_degrades_and_require_prometheus_exits_3() {
    let port = free_port(); // bound and released: nothing listens there
    let url = format!("http://admin:hunter2@127.0.0.1:{port}");
    let p = profile();
    let r =
        run(&["check", "-p", &p, "--prometheus", &url, "--profile-only", "--capacity", "16Gi", "-o", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let want = format!("Prometheus at http://127.0.0.1:{port}: unreachable (");
    let missing = r.json["missingInputs"].as_array().expect("missingInputs");
    assert_eq!(missing.len(), 1);
    assert!(
        missing[0].as_str().is_some_and(|m| m.starts_with(&want) && m.contains("onnection refused")),
        "{missing:?}"
    );
    assert!(r.json["notes"].as_array().expect("notes").iter().any(|n| {
        n.as_str().is_some_and(|n| n.starts_with(&want) && n.ends_with("planning from the profile's figures"))
    }));
    assert!(
        r.json["verdict"]["reasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .any(|x| x.as_str().is_some_and(|x| x.starts_with("computed without 1 input(s)")))
    );
    assert_eq!(r.json["history"]["status"], "unavailable");
    // The profile's figures stand.
    assert_eq!(service(&r.json, "services", "api")["memory"]["bytes"], 200 * MI);
    assert_eq!(service(&r.json, "services", "api")["source"], "profile");
    assert!(r.stderr.contains(&want), "{}", r.stderr);

    let r = run(&[
        "check",
        "-p",
        &p,
        "--prometheus",
        &url,
        "--require-prometheus",
        "--profile-only",
        "-o",
        "json",
    ]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains(&format!("--require-prometheus: {want}")), "{}", r.stderr);
    assert_eq!(r.stdout, "");

    let r = run(&["recommend", "-p", &p, "--prometheus", &url, "-o", "json"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert!(r.json["missingInputs"][0].as_str().is_some_and(|m| m.starts_with(&want)), "{}", r.stdout);
    let r = run(&["recommend", "-p", &p, "--prometheus", &url, "--require-prometheus"]);
    assert_eq!(r.code, 3, "{}", r.stderr);

    // Credentials in the URL are sent, never shown.
    for out in [&r.stdout, &r.stderr] {
        assert!(!out.contains("hunter2") && !out.contains("admin"), "{out}");
    }
}

// Fault matrix: Prometheus timeout
#[test]
fn a_prometheus_that_does_not_answer_times_out_and_degrades() {
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let url = format!("http://127.0.0.1:{port}");
    let p = profile();
    let started = Instant::now();
    let r = run(&[
        "check",
        "-p",
        &p,
        "--prometheus",
        &url,
        "--prometheus-timeout",
        "1",
        "--profile-only",
        "--capacity",
        "16Gi",
        "-o",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    assert_eq!(
        r.json["missingInputs"][0],
        format!("Prometheus at {url}: timeout (no complete answer within 1s, --prometheus-timeout)")
    );
    let r = run(&[
        "check",
        "-p",
        &p,
        "--prometheus",
        &url,
        "--prometheus-timeout",
        "1",
        "--require-prometheus",
        "--profile-only",
        "--capacity",
        "16Gi",
    ]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("timeout"), "{}", r.stderr);
}

// Fault matrix: Prometheus query rejected
#[test]
fn a_query_prometheus_rejects_is_bad_input_and_an_error_status_degrades() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tsdb = dir.path().join("empty-tsdb");
    let prom = start_prometheus(dir.path(), &tsdb);
    let p = profile();
    let r = run(&[
        "check",
        "-p",
        &p,
        "--prometheus",
        &prom.url,
        "--window",
        "1h1d",
        "--profile-only",
        "-o",
        "json",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("Prometheus at {} rejected the query: bad_data: ", prom.url))
            && r.stderr.contains("1h1d")
            && r.stderr.contains("check --window 1h1d"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "");

    // An empty Prometheus answers empty vectors: every service keeps its profile figures.
    let r = run(&[
        "check",
        "-p",
        &p,
        "--prometheus",
        &prom.url,
        "--profile-only",
        "--capacity",
        "16Gi",
        "-o",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json["history"]["status"], "ok");
    assert_eq!(r.json["history"]["services"], serde_json::json!([]));
    assert_eq!(r.json["history"]["withoutFigures"].as_array().map(Vec::len), Some(5));
    assert!(r.json.get("missingInputs").is_none());

    // Not the API (a wrong path prefix): the HTTP status, degraded; exit 3 when required.
    let wrong = format!("{}/not-prometheus", prom.url);
    let r = run(&[
        "check",
        "-p",
        &p,
        "--prometheus",
        &wrong,
        "--profile-only",
        "--capacity",
        "16Gi",
        "-o",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.json["missingInputs"][0]
            .as_str()
            .is_some_and(|m| m.starts_with(&format!("Prometheus at {wrong}: HTTP status 404"))),
        "{}",
        r.json["missingInputs"]
    );
    let r = run(&[
        "check",
        "-p",
        &p,
        "--prometheus",
        &wrong,
        "--require-prometheus",
        "--profile-only",
        "--capacity",
        "16Gi",
    ]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    drop(prom);
}

#[test]
fn history_flags_are_checked_before_anything_is_asked() {
    let p = profile();
    for (args, want) in [
        (&["--window", "7d"][..], "--prometheus <URL>"),
        (&["--prometheus", "http://127.0.0.1:1", "--quantile", "1.5"][..], "is above 1"),
        (&["--prometheus", "http://127.0.0.1:1", "--window", "7d]"][..], "expected a Prometheus duration"),
        (&["--prometheus", "http://127.0.0.1:1", "--window", "7days"][..], "expected a Prometheus duration"),
        (&["--prometheus", "http://127.0.0.1:1", "--step", "0s"][..], "greater than 0"),
        (
            &["--prometheus", "http://127.0.0.1:1", "--prometheus-header", "X-Scope-OrgID"][..],
            "--prometheus-header: expected 'Name: value'",
        ),
        (
            &["--prometheus", "http://127.0.0.1:1", "--prometheus-bearer-token-file", "/nonexistent/token"][..],
            "--prometheus-bearer-token-file /nonexistent/token: No such file",
        ),
        (
            &["--prometheus", "http://u:p@127.0.0.1:1", "--prometheus-bearer-token-file", "/etc/hostname"][..],
            "already has user:password@",
        ),
        (
            &["--prometheus", "http://127.0.0.1:1", "--prometheus-max-samples", "10"][..],
            "--prometheus-max-samples",
        ),
        (&["--prometheus", "http://127.0.0.1:1", "--at", "yesterday"][..], "expected RFC 3339"),
        (&["--prometheus", "prometheus:9090"][..], "--prometheus: expected an http:// or https:// URL"),
    ] {
        let r = run(&[&["check", "-p", &p, "--profile-only"][..], args].concat());
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(want), "{args:?}: {}", r.stderr);
    }
}

// ---------------------------------------------------------------------------------------------
// At fleet scale (issue 13): 1,500 pods over 7 days

/// A minute boundary about an hour ago: the fleet's last sample and the evaluation time.
fn fleet_at() -> i64 {
    end_time()
}

/// Checks every pod's figures in a `check -o json` answer against the generated series.
fn assert_fleet_figures(v: &Value, at: i64, left_open: bool) {
    let h = &v["history"];
    assert_eq!(h["status"], "ok", "{}", h["error"]);
    assert_eq!(h["unmatchedPods"], serde_json::json!([]));
    assert_eq!(h["withoutFigures"], serde_json::json!([]));
    assert_eq!(
        h["matching"],
        "1500 pod(s) matched by owner or labels (kube-state-metrics), 0 by pod name only (no kube_pod_owner series at the evaluation time)"
    );
    let mut seen = 0;
    for pod in crate::fleet::pods() {
        let s = service(h, "services", &pod.app);
        let got = s["pods"]
            .as_array()
            .and_then(|a| a.iter().find(|p| p["pod"] == pod.name.as_str()))
            .unwrap_or_else(|| panic!("no {} in {}", pod.name, pod.app));
        let (q, peak, cpu) = crate::fleet::expected(at, pod.index, left_open);
        assert_eq!(
            (&got["memory"]["rounded"], &got["memoryPeak"]["rounded"], &got["cpu"]["rounded"]),
            (&Value::from(q), &Value::from(peak), &Value::from(cpu)),
            "{}/{}",
            pod.ns,
            pod.name
        );
        assert_eq!((q, peak, cpu), crate::fleet::designed(pod.index), "the data's design");
        seen += 1;
    }
    assert_eq!(seen, 1500);
    let pods: usize = h["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(|s| s["pods"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(pods, 1500);
}

/// POSTs one instant query to a Prometheus-API server on loopback: (status line, body).
fn post_query(port: u16, path: &str, query: &str, at: i64) -> String {
    let body = format!("query={}&time={at}", bizo_plan::source::prometheus::encode_query_value(query));
    crate::fleet::http_send(
        port,
        "POST",
        path,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    )
}

fn port_of(url: &str) -> u16 {
    url.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port")
}

// Fault matrix: Prometheus query over the sample limit
#[test]
fn fleet_history_is_read_in_shards_under_the_sample_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let at = fleet_at();
    let pods = crate::fleet::pods();
    let tsdb = crate::fleet::backfill(dir.path(), at, &pods);
    let prom = start_prometheus_with(dir.path(), &tsdb, &["--query.max-samples=5000000"]);
    let left_open = prometheus_major() >= 3;
    let profile = dir.path().join("fleet.yaml");
    std::fs::write(&profile, crate::fleet::profile_yaml()).expect("profile");
    let p = profile.display().to_string();
    let at_s = at.to_string();

    // The unsharded query, as bizo-plan sent it before: refused by this server.
    let spec = bizo_plan::analysis::history::Spec {
        source: String::new(),
        quantile: "0.95".into(),
        window: "7d".into(),
        step: "1m".into(),
        at_ms: at * 1000,
    };
    let answer = post_query(port_of(&prom.url), "/api/v1/query", &spec.queries().memory_quantile, at);
    assert!(
        answer.contains(" 422 ")
            && answer.contains("query processing would load too many samples into memory"),
        "{}",
        &answer[..answer.len().min(600)]
    );

    // Sized to the server: every query under 4,000,000 samples, none refused.
    let base = [
        "check",
        "-p",
        &p,
        "--prometheus",
        &prom.url,
        "--window",
        "7d",
        "--step",
        "1m",
        "--at",
        &at_s,
        "--profile-only",
        "--capacity",
        "1Ti",
        "--no-tiers",
        "-o",
        "json",
    ];
    let started = Instant::now();
    // (A generous per-query timeout: on a loaded machine a slow query would be split too.)
    let r =
        run(&[&base[..], &["--prometheus-max-samples", "4000000", "--prometheus-timeout", "600"]].concat());
    eprintln!("sized read: {:?}", started.elapsed());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_fleet_figures(&r.json, at, left_open);
    let read = &r.json["history"]["read"];
    eprintln!("{read}");
    assert_eq!(read["maxSamples"], 4_000_000);
    assert_eq!((read["namespaces"].as_u64(), read["series"].as_u64()), (Some(5), Some(1500)));
    assert_eq!(read["steps"], 10_081);
    assert_eq!(read["splits"], 0, "{read}");
    let shards = read["shards"].as_u64().expect("shards");
    // 1,500 pods x 2 (series + pod) = 3,000 units at 396 a query: 8 at least.
    assert!((8..=11).contains(&shards), "{read}");
    assert!(read["podBatches"].as_u64().expect("batches") >= 7, "{read}");
    assert_eq!(
        read["queries"].as_u64(),
        Some(3 * shards + 2 + 3),
        "figures, cardinality, kube-state-metrics"
    );
    assert_eq!(read["metadataQueries"], 3);
    assert_eq!(read["cardinalityQueries"], 2, "count by namespace, then by pod for the big ones");
    let largest = read["largestEstimate"].as_u64().expect("estimate");
    assert!(largest <= 4_000_000 && largest > 2_000_000, "{read}");
    assert!(read["longestQuery"].as_u64().expect("len") <= 16_384);
    assert!(
        r.json["notes"].as_array().expect("notes").iter().any(|n| n.as_str().is_some_and(|n| n.contains(
            &format!(
                "read in {} queries: 2 cardinality, {shards} shard(s) x 3 figures ({} pod-name batch(es)), 3 kube-state-metrics; at most {} samples (estimated; budget 4,000,000)",
                3 * shards + 5,
                read["podBatches"],
                bizo_plan::analysis::history::thousands(largest)
            )
        ))),
        "{}",
        r.json["notes"]
    );

    // The default budget (10,000,000) is above this server's limit: refused queries are split
    // and retried, and the figures are the same.
    let r = run(&[&base[..], &["--prometheus-concurrency", "2", "--prometheus-timeout", "600"]].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_fleet_figures(&r.json, at, left_open);
    let read = &r.json["history"]["read"];
    eprintln!("{read}");
    assert!(read["splits"].as_u64().expect("splits") >= 3, "{read}");
    assert!(
        read["refusals"][0]
            .as_str()
            .is_some_and(|m| m.contains("HTTP 422, execution: query processing would load too many samples")),
        "{read}"
    );
    drop(prom);
}

const VM_TOKEN: &str = "bizo-vm-token-93f2c1d7e4";
const VM_TENANT: &str = "bizo-tenant-5e8a0b";

// Fault matrix: Prometheus auth refused (401)
#[test]
fn fleet_history_from_victoria_metrics_behind_an_authenticating_proxy_is_the_same() {
    let dir = tempfile::tempdir().expect("temp dir");
    let at = fleet_at();
    let pods = crate::fleet::pods();
    let vm = crate::fleet::start_victoria(dir.path());
    crate::fleet::import(&vm, at, &pods);
    // VictoriaMetrics cluster's path: /select/<tenant>/prometheus; the proxy wants a bearer
    // token and a tenant header.
    let proxy =
        crate::fleet::start_proxy(vm.port, "/select/0/prometheus", "/prometheus", VM_TOKEN, VM_TENANT);
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{VM_TOKEN}\n")).expect("token");
    let profile = dir.path().join("fleet.yaml");
    std::fs::write(&profile, crate::fleet::profile_yaml()).expect("profile");
    let (p, t) = (profile.display().to_string(), token_file.display().to_string());
    let url = format!("{}/select/0/prometheus", proxy.url);
    let at_s = at.to_string();
    let header = format!("X-Scope-OrgID: {VM_TENANT}");
    let args = [
        "check",
        "-p",
        &p,
        "--prometheus",
        &url,
        "--prometheus-header",
        &header,
        "--prometheus-bearer-token-file",
        &t,
        "--window",
        "7d",
        "--step",
        "1m",
        "--at",
        &at_s,
        "--profile-only",
        "--capacity",
        "1Ti",
        "--no-tiers",
        "--prometheus-max-samples",
        "4000000",
        "--prometheus-timeout",
        "600",
        "-o",
        "json",
    ];
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_fleet_figures(&r.json, at, prometheus_major() >= 3);
    assert_eq!(r.json["history"]["source"], format!("Prometheus at {url}"));
    {
        let seen = proxy.seen.lock().expect("lock");
        assert!(seen.len() >= 26, "{}", seen.len());
        for s in seen.iter() {
            assert_eq!(s.line, "POST /select/0/prometheus/api/v1/query", "{s:?}");
            assert_eq!(s.content_type, "application/x-www-form-urlencoded");
            assert!(s.query.len() <= 16_384, "{}", s.query.len());
            assert_eq!(s.status, 200, "{s:?}");
        }
    }

    // Never shown, at any verbosity.
    for v in [&["-v"][..], &["-vv"][..]] {
        let r = run(&[v, &args[..]].concat());
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stderr.contains("POST "), "{}", r.stderr);
        for out in [&r.stdout, &r.stderr] {
            assert!(!out.contains(VM_TOKEN) && !out.contains(VM_TENANT), "{v:?} leaked:\n{out}");
        }
    }
    let r = run_env(&args, &[("RUST_LOG", "trace")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.is_empty());
    for out in [&r.stdout, &r.stderr] {
        assert!(!out.contains(VM_TOKEN) && !out.contains(VM_TENANT), "RUST_LOG=trace leaked:\n{out}");
    }

    // Without the token: the proxy's 401, degraded (exit 3 when required).
    let r = run(&[&args[..7], &args[9..]].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.json["missingInputs"][0]
            .as_str()
            .is_some_and(|m| m == format!("Prometheus at {url}: HTTP status 401 (unauthorized)")),
        "{}",
        r.json["missingInputs"]
    );
    let r = run(&[&args[..7], &args[9..], &["--require-prometheus"]].concat());
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("HTTP status 401"), "{}", r.stderr);
    assert!(!r.stderr.contains(VM_TOKEN) && !r.stderr.contains(VM_TENANT));
    drop(vm);
}

/// Refuses the figure queries of anything larger than one pod-name batch: memory quantiles with
/// 422, memory peaks with 503, cpu quantiles by not answering.
fn refuse_large(query: &str) -> Option<crate::fleet::Fault> {
    use crate::fleet::Fault;
    if !query.contains("_over_time") || query.contains("pod=~") || query.contains("pod=\"") {
        return None;
    }
    Some(if query.starts_with("max_over_time") {
        Fault::Unavailable
    } else if query.contains("container_cpu_usage_seconds_total") {
        Fault::Hang
    } else {
        Fault::TooManySamples
    })
}

// Fault matrix: Prometheus refuses or times out on large queries
#[test]
fn a_server_refusing_large_queries_gets_them_split_and_still_answers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let end = end_time();
    let tsdb = backfill(dir.path(), end);
    let prom = start_prometheus(dir.path(), &tsdb);
    let left_open = prometheus_major() >= 3;
    let proxy = crate::fleet::start_proxy_with(port_of(&prom.url), "", "", None, refuse_large);
    let at = end.to_string();
    let p = profile();
    let r = run(&[
        "check",
        "-p",
        &p,
        "--prometheus",
        &proxy.url,
        "--at",
        &at,
        "--prometheus-timeout",
        "2",
        "--profile-only",
        "--capacity",
        "16Gi",
        "-o",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let h = &r.json["history"];
    assert_eq!(h["status"], "ok", "{h}");
    for &(name, pods, _) in SERVICES {
        let s = service(h, "services", name);
        let quantile = pods.iter().map(|&p| expected_memory(p).0).max().expect("pods");
        let peak = pods.iter().map(|&p| expected_memory(p).1).max().expect("pods");
        let cpu = pods.iter().map(|&p| expected_cpu(p, end, left_open)).max().expect("pods");
        assert_eq!(
            (&s["memory"]["bytes"], &s["memoryPeak"]["bytes"], &s["cpu"]["millicores"]),
            (&Value::from(quantile), &Value::from(peak), &Value::from(cpu)),
            "{name}"
        );
    }
    let read = &h["read"];
    // One shard at first; each figure's query refused, then each namespace's (5 of them at pod level).
    assert!(read["splits"].as_u64().expect("splits") >= 3 * 4, "{read}");
    let refusals: Vec<&str> =
        read["refusals"].as_array().expect("refusals").iter().filter_map(Value::as_str).collect();
    let src = format!("Prometheus at {}", proxy.url);
    for want in [
        format!("{src}: query error (HTTP 422, execution: query processing would load too many samples"),
        format!("{src}: HTTP status 503 (overloaded)"),
        format!("{src}: timeout (no complete answer within 2s, --prometheus-timeout)"),
    ] {
        assert!(refusals.iter().any(|r| r.starts_with(&want)), "{want} not in {refusals:?}");
    }
    let seen = proxy.seen.lock().expect("lock");
    assert!(seen.iter().any(|s| s.status == 422) && seen.iter().any(|s| s.status == 503));
    drop(prom);
}
