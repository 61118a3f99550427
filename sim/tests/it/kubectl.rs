//! The real kubectl against the simulator. kubectl must be installed
//! (`/usr/bin/kubectl` or on PATH): without it these tests FAIL, they never skip.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bizo_sim::{Sim, SimConfig};

fn kubectl_path() -> PathBuf {
    crate::common::require_program("kubectl", "kubectl (or kubernetes-client)")
}

/// A temp HOME with a kubeconfig for `sim`.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new(sim: &Sim) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        sim.write_kubeconfig(dir.path().join("kubeconfig"), None).expect("kubeconfig");
        Env { dir }
    }

    fn home(&self) -> &Path {
        self.dir.path()
    }

    /// Runs kubectl with `args`, returning stdout; panics with stderr on failure.
    fn kubectl(&self, args: &[&str]) -> String {
        let mut child = Command::new(kubectl_path())
            .args(args)
            .arg("--request-timeout=20s")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("KUBECONFIG", self.home().join("kubeconfig"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn kubectl");
        let mut out = child.stdout.take().expect("stdout");
        let mut err = child.stderr.take().expect("stderr");
        let out_t = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            s
        });
        let err_t = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        let status = loop {
            if let Some(st) = child.try_wait().expect("wait") {
                break st;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("kubectl {args:?} did not finish within 120s");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stdout = out_t.join().unwrap_or_default();
        let stderr = err_t.join().unwrap_or_default();
        assert!(
            status.success(),
            "kubectl {args:?} failed ({status}):\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
        stdout
    }
}

/// Whitespace-split rows of tabular output, header first.
fn rows(out: &str) -> Vec<Vec<String>> {
    out.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

fn assert_only_gets(sim: &Sim) {
    let reqs = sim.requests();
    assert!(!reqs.is_empty());
    for r in &reqs {
        assert_eq!(r.method, "GET", "kubectl made a {} {}", r.method, r.path);
    }
}

#[test]
fn kubectl_get_nodes_and_pods_on_laptop() {
    let sim = Sim::start(SimConfig::laptop()).expect("start");
    let env = Env::new(&sim);

    let nodes = rows(&env.kubectl(&["get", "nodes"]));
    assert_eq!(nodes[0], ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[1][..3], ["laptop", "Ready", "control-plane,master"]);
    assert_eq!(nodes[1][4], "v1.32.4+k3s1");

    let pods = rows(&env.kubectl(&["get", "pods", "-A"]));
    assert_eq!(pods[0], ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    assert_eq!(pods.len(), 17);
    let find =
        |name: &str| pods.iter().find(|r| r[1] == name).unwrap_or_else(|| panic!("{name} missing")).clone();
    assert_eq!(
        find("redis-cache-7d5f9c8b6d-h6tqx")[..4],
        ["bizosaas", "redis-cache-7d5f9c8b6d-h6tqx", "1/1", "Running"]
    );
    assert_eq!(find("db-migrate-xyz")[3], "Completed");
    assert_eq!(find("helm-install-traefik-crd-k7x2p")[3], "Error");
    assert_eq!(find("coredns-ccb96694c-8kz4q")[0], "kube-system");

    let running = rows(&env.kubectl(&[
        "get",
        "pods",
        "-A",
        "--field-selector=status.phase!=Succeeded,status.phase!=Failed",
    ]));
    assert_eq!(running.len(), 15, "14 active pods + header");

    // kubectl asked for server-side Tables and aggregated discovery.
    let reqs = sim.requests();
    let list = reqs.iter().find(|r| r.path == "/api/v1/pods").expect("pods listed");
    assert!(list.accept.as_deref().unwrap_or_default().contains("as=Table"));
    assert_eq!(list.query_param("limit").as_deref(), Some("500"));
    assert!(reqs.iter().any(
        |r| r.path == "/apis" && r.accept.as_deref().unwrap_or_default().contains("apidiscovery.k8s.io")
    ));
    assert_only_gets(&sim);
}

#[test]
fn kubectl_get_pods_in_chunks() {
    // 12 nodes x 20 slots = 240 pods: five chunks of 50.
    let sim = Sim::start(SimConfig::generated(12, 20)).expect("start");
    let env = Env::new(&sim);
    let out = env.kubectl(&["get", "pods", "-A", "--chunk-size=50"]);
    let table = rows(&out);
    assert_eq!(table[0][..2], ["NAMESPACE", "NAME"]);
    assert_eq!(table.len(), 241, "one header and 240 pod rows");
    let mut seen: Vec<String> = table[1..].iter().map(|r| format!("{}/{}", r[0], r[1])).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 240, "every pod exactly once");

    let lists: Vec<_> = sim.requests().into_iter().filter(|r| r.path == "/api/v1/pods").collect();
    assert_eq!(lists.len(), 5);
    assert!(lists.iter().all(|r| r.query_param("limit").as_deref() == Some("50")));
    assert!(lists[0].query_param("continue").is_none());
    assert!(lists[1..].iter().all(|r| r.query_param("continue").is_some_and(|c| !c.is_empty())));
    assert!(lists.iter().all(|r| r.status == 200));
    assert_only_gets(&sim);
}

#[test]
fn kubectl_get_namespaces() {
    let sim = Sim::start(SimConfig::laptop()).expect("start");
    let env = Env::new(&sim);
    let out = env.kubectl(&["get", "namespaces"]);
    let table = rows(&out);
    // The namespace list is served as JSON only (no Table rendering): kubectl prints its
    // generic columns.
    assert_eq!(table[0][..2], ["NAME", "AGE"]);
    let names: Vec<&str> = table[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, ["bizosaas", "default", "kube-node-lease", "kube-public", "kube-system"]);
    let out = env.kubectl(&["get", "namespace", "-o", "jsonpath={.items[*].status.phase}"]);
    assert_eq!(out.split_whitespace().collect::<Vec<_>>(), ["Active"; 5]);
    assert_only_gets(&sim);
}

#[test]
fn kubectl_top_on_laptop() {
    let sim = Sim::start(SimConfig::laptop()).expect("start");
    let env = Env::new(&sim);

    let top = rows(&env.kubectl(&["top", "nodes"]));
    assert_eq!(top[0], ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]);
    assert_eq!(top[1], ["laptop", "600m", "7%", "5632Mi", "71%"]);

    let pods = rows(&env.kubectl(&["top", "pods", "-A"]));
    assert_eq!(pods[0], ["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"]);
    assert_eq!(pods.len(), 15, "14 running pods have metrics");
    let find = |name: &str| {
        pods.iter().find(|r| r[1] == name).unwrap_or_else(|| panic!("{name} missing"))[2..].to_vec()
    };
    assert_eq!(find("bizosaas-backend-simple-6d4cf9b7f8-k2x9p"), ["50m", "119Mi"]);
    assert_eq!(find("analytics-agent-7f6c9d8b5c-b2hzs"), ["50m", "39Mi"]);
    assert_eq!(find("coredns-ccb96694c-8kz4q"), ["3m", "20Mi"]);
    assert_eq!(find("metrics-server-5985cbc9d7-ltw2v"), ["4m", "25Mi"]);
    let bizosaas_mi: u32 = pods[1..]
        .iter()
        .filter(|r| r[0] == "bizosaas")
        .map(|r| r[3].trim_end_matches("Mi").parse::<u32>().expect("Mi"))
        .sum();
    assert_eq!(bizosaas_mi, 600);

    let reqs = sim.requests();
    assert!(reqs.iter().any(|r| r.path == "/apis/metrics.k8s.io/v1beta1/nodes"));
    assert!(reqs.iter().any(|r| r.path == "/apis/metrics.k8s.io/v1beta1/pods"));
    assert_only_gets(&sim);
}
