//! Right-sizing's backtest on the generated fleet (issue 14): 210 workloads (30 of each of the
//! seven scenarios of `bizo_sim::usage`), 28 days at a 5-minute step, seed 14. Three folds
//! (train 7 days, test the next 7, the test windows ending at day 14, 21 and 28), each strategy
//! on the same data.

use bizo_plan::analysis::rightsize::{self, Score, Settings, Strategy};
use bizo_plan::model::quantity::{Bytes, Millicores};
use bizo_plan::model::usage::{ContainerUsage, DAY_MS, PodSeries, Resources, WorkloadUsage};
use bizo_sim::usage::{FleetSpec, Workload, fleet};

/// 2026-11-30T00:00:00Z.
pub const END_MS: i64 = 1_796_083_200_000;

pub fn spec() -> FleetSpec {
    FleetSpec { seed: 14, workloads: 210, days: 28, end_ms: END_MS, step_ms: 300_000 }
}

/// The generator's workloads as right-sizing's model.
pub fn to_model(f: &[Workload]) -> Vec<WorkloadUsage> {
    f.iter()
        .map(|w| WorkloadUsage {
            namespace: w.namespace.clone(),
            workload: format!("Deployment/{}", w.name),
            hpa: w.hpa,
            containers: w
                .containers
                .iter()
                .map(|(name, set)| ContainerUsage {
                    name: name.clone(),
                    current: Resources {
                        cpu_request: set.cpu_request.map(Millicores),
                        cpu_limit: set.cpu_limit.map(Millicores),
                        memory_request: set.memory_request.map(Bytes),
                        memory_limit: set.memory_limit.map(Bytes),
                    },
                    pods: w
                        .pods
                        .iter()
                        .filter_map(|p| {
                            p.containers.iter().find(|c| &c.container == name).map(|c| PodSeries {
                                pod: p.name.clone(),
                                memory: c.memory.clone(),
                                cpu: c.cpu.clone(),
                                oom_kills: c.oom_kills.clone(),
                                throttled: c.throttled.clone(),
                            })
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

/// The three folds of one strategy, summed (medians averaged over the folds).
fn folds(strategy: Strategy, model: &[WorkloadUsage]) -> Score {
    let mut total = Score::default();
    let (mut sm, mut sc) = (0, 0);
    for end_day in [14, 21, 28] {
        let at = END_MS - (28 - end_day) * DAY_MS;
        let s = rightsize::backtest(
            strategy,
            model,
            7 * DAY_MS,
            7 * DAY_MS,
            &Settings { allow_hpa: false, at_ms: at },
        );
        total.container_days += s.container_days;
        total.under += s.under;
        total.under_memory += s.under_memory;
        total.under_cpu += s.under_cpu;
        total.oom += s.oom;
        total.throttled += s.throttled;
        sm += s.median_slack_memory;
        sc += s.median_slack_cpu;
    }
    total.median_slack_memory = sm / 3;
    total.median_slack_cpu = sc / 3;
    total
}

/// (container-days, under, under memory, under cpu, OOM, throttled, median memory slack,
/// median cpu slack), slack in basis points.
fn row(s: &Score) -> (u64, u64, u64, u64, u64, u64, u64, u64) {
    (
        s.container_days,
        s.under,
        s.under_memory,
        s.under_cpu,
        s.oom,
        s.throttled,
        s.median_slack_memory,
        s.median_slack_cpu,
    )
}

/// The targets of issue 14 on the generated fleet, and the three strategies' figures exactly
/// (the generator is seeded, the strategies deterministic): bizo is under-provisioned on 0.60%
/// of the container-days (KRR 19.82%, VPA 9.34%) with a median memory slack of 9.86% (KRR
/// 35.27%, VPA 18.19%). Its median cpu slack (16.88%) is above VPA's (13.05%) and KRR's
/// (4.94%), which buy theirs with cpu under-provisioned on 9-20% of the days.
#[test]
fn backtest_on_the_generated_fleet() {
    let model = to_model(&fleet(&spec()));
    assert_eq!(model.len(), 210);
    let [bizo, krr, vpa] = Strategy::ALL.map(|s| folds(s, &model));
    assert_eq!(row(&bizo), (13_853, 83, 52, 55, 1, 0, 986, 1_688));
    assert_eq!(row(&krr), (13_853, 2_746, 33, 2_740, 33, 0, 3_527, 494));
    assert_eq!(row(&vpa), (13_853, 1_294, 76, 1_274, 1, 788, 1_819, 1_305));
    // Targets: under-provisioned <= 1% of container-days, median slack <= 25% (both resources).
    assert!(bizo.under * 100 <= bizo.container_days, "{bizo:?}");
    assert!(bizo.median_slack_memory <= 2_500 && bizo.median_slack_cpu <= 2_500, "{bizo:?}");
    // Better than both on under-provisioning, and not worse on (memory) slack.
    for other in [&krr, &vpa] {
        assert!(bizo.under < other.under, "{other:?}");
        assert!(bizo.median_slack_memory <= other.median_slack_memory, "{other:?}");
    }
}

/// Where each strategy goes wrong, by scenario: KRR's cpu (the window's 95th percentile) is
/// below a busy day's; VPA's cpu misses bursts; a leak killed at its tight limit is lifted
/// above that limit by every strategy (KRR: the peak, which is the limit, x 1.15; VPA: its OOM
/// bump; bizo: the limit x 1.2); a redeploy to a bigger footprint during the test window outgrows
/// the smaller margins, bizo's 10% most (KRR adds 15%, VPA 15% on a bucket's upper edge).
#[test]
fn each_scenario_s_failures() {
    let f = fleet(&spec());
    let model = to_model(&f);
    let of = |sc: &str, s: Strategy| {
        let sub: Vec<_> =
            model.iter().zip(&f).filter(|(_, w)| w.scenario == sc).map(|(m, _)| m.clone()).collect();
        let t = folds(s, &sub);
        (t.under_memory, t.under_cpu)
    };
    assert_eq!(of("steady", Strategy::Bizo), (0, 0));
    assert_eq!(of("steady", Strategy::KrrSimple), (0, 362));
    assert_eq!(of("bursty", Strategy::Vpa), (66, 1_091));
    assert_eq!(of("bursty", Strategy::Bizo), (13, 30));
    assert_eq!(of("leak", Strategy::Bizo), (0, 0));
    assert_eq!(of("leak", Strategy::KrrSimple).0, 0);
    assert_eq!(of("leak", Strategy::Vpa).0, 1);
    assert_eq!(of("redeploy", Strategy::Bizo), (39, 25));
    assert_eq!(of("redeploy", Strategy::KrrSimple).0, 20);
    assert_eq!(of("redeploy", Strategy::Vpa).0, 9);
    assert_eq!(of("hpa", Strategy::Bizo), (0, 0));
}

// ---------------------------------------------------------------------------------------------
// The command against a real Prometheus

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::common::bizo;
use super::prometheus::{PROMTOOL, prometheus_major, require_tools, start_prometheus_with};

/// The command's fleet: two workloads of each scenario, 15 days at 5 minutes (the 14-day
/// window and a day before it, so that every point in the window has a rate).
fn small() -> FleetSpec {
    FleetSpec { seed: 3, workloads: 14, days: 15, end_ms: END_MS, step_ms: 300_000 }
}

/// The generated fleet backfilled with promtool (`bizo_sim::usage::openmetrics`, two blocks
/// at a time). Returns the TSDB.
fn backfill_fleet(dir: &Path, f: &[Workload]) -> PathBuf {
    require_tools();
    let src = dir.join("openmetrics");
    std::fs::create_dir_all(&src).expect("dir");
    let tsdb = dir.join("tsdb");
    let files: Vec<PathBuf> = bizo_sim::usage::openmetrics(f)
        .into_iter()
        .map(|(k, text)| {
            let p = src.join(format!("{k}.om"));
            std::fs::write(&p, text).expect("write openmetrics");
            p
        })
        .collect();
    for pair in files.chunks(2) {
        let children: Vec<_> = pair
            .iter()
            .map(|p| {
                Command::new(PROMTOOL)
                    .args(["tsdb", "create-blocks-from", "openmetrics", "-q"])
                    .arg(p)
                    .arg(&tsdb)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("run promtool")
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().expect("promtool");
            assert!(out.status.success(), "promtool: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
    std::fs::remove_dir_all(&src).ok();
    tsdb
}

/// What Prometheus answers for the generated series over `[at - 14d, at]` at 5 minutes, by
/// its own rules: the working set at each point (Prometheus 2's closed lookback also repeats
/// a pod's last sample at the next point), the cpu rate from the counter's two samples in
/// each 7m30s window (none at a pod's first sample), the throttled share likewise, pods in name
/// order.
fn as_prometheus_answers(model: &[WorkloadUsage], at: i64) -> Vec<WorkloadUsage> {
    let from = at - 14 * DAY_MS;
    let closed = prometheus_major() < 3;
    let mut out: Vec<WorkloadUsage> = model
        .iter()
        .map(|w| WorkloadUsage {
            containers: w
                .containers
                .iter()
                .map(|c| {
                    let mut pods: Vec<PodSeries> = c
                        .pods
                        .iter()
                        .map(|p| {
                            let mut memory: Vec<_> =
                                p.memory.iter().copied().filter(|x| x.0 >= from && x.0 <= at).collect();
                            if closed
                                && let Some(&(t, v)) = p.memory.last()
                                && t < at
                                && t + 300_000 >= from
                            {
                                memory.push((t + 300_000, v));
                            }
                            let cpu =
                                p.cpu.iter().skip(1).copied().filter(|x| x.0 >= from && x.0 <= at).collect();
                            let oom_kills =
                                p.oom_kills.iter().copied().filter(|t| *t >= from && *t <= at).collect();
                            let throttled = p
                                .throttled
                                .iter()
                                .skip(1)
                                .copied()
                                .filter(|x| x.0 >= from && x.0 <= at)
                                .collect();
                            PodSeries { pod: p.pod.clone(), memory, cpu, oom_kills, throttled }
                        })
                        .filter(|p| !p.memory.is_empty() || !p.cpu.is_empty())
                        .collect();
                    pods.sort_by(|a, b| a.pod.cmp(&b.pod));
                    ContainerUsage { pods, ..c.clone() }
                })
                .collect(),
            ..w.clone()
        })
        .collect();
    out.sort_by(|a, b| (&a.namespace, &a.workload).cmp(&(&b.namespace, &b.workload)));
    out
}

fn json_fig(v: &serde_json::Value, key: &str) -> Option<u64> {
    v.get(key)
        .and_then(|f| f.get("millicores").or_else(|| f.get("bytes")))
        .and_then(serde_json::Value::as_u64)
}

/// `rightsize` on a Prometheus holding the generated fleet gives, for every container and each
/// strategy, exactly the figures the strategies compute from the generated series as
/// Prometheus answers them; the patch names each Deployment and container.
#[test]
fn rightsize_reads_prometheus_and_recommends_as_the_strategies_compute() {
    let dir = tempfile::tempdir().expect("temp dir");
    let f = fleet(&small());
    let tsdb = backfill_fleet(dir.path(), &f);
    let prom = start_prometheus_with(dir.path(), &tsdb, &[]);
    let expected = as_prometheus_answers(&to_model(&f), END_MS);
    let kills: usize =
        expected.iter().flat_map(|w| &w.containers).flat_map(|c| &c.pods).map(|p| p.oom_kills.len()).sum();
    assert!(kills > 0, "the fleet has OOM kills in the window");
    let at = (END_MS / 1000).to_string();
    let home = tempfile::tempdir().expect("home");
    // `bizo-plan COMMAND... --prometheus URL --at END ARGS...`: its standard output, or a panic
    // with its standard error.
    let run = |command: &[&str], args: &[&str]| -> String {
        let out = bizo(home.path())
            .args(command)
            .args(["--prometheus", &prom.url, "--at", &at])
            .args(args)
            .timeout(Duration::from_secs(300))
            .output()
            .expect("run");
        assert!(out.status.success(), "{command:?} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let json = |command: &[&str], args: &[&str]| -> serde_json::Value {
        serde_json::from_str(&run(command, args)).expect("json")
    };
    for strategy in Strategy::ALL {
        let v = json(&["rightsize"], &["--strategy", strategy.name(), "-o", "json"]);
        assert_eq!(v["strategy"], strategy.name());
        let rows = v["containers"].as_array().expect("containers");
        let settings = Settings { allow_hpa: false, at_ms: END_MS };
        let mut n = 0;
        for w in &expected {
            let recs = rightsize::recommend(strategy, w, &settings);
            for (c, r) in w.containers.iter().zip(&recs) {
                let row = rows
                    .iter()
                    .find(|x| x["workload"] == w.workload.as_str() && x["container"] == c.name.as_str())
                    .unwrap_or_else(|| panic!("no row for {} {}", w.workload, c.name));
                assert_eq!(row["hpa"], w.hpa, "{}", w.workload);
                let rec = &row["recommended"];
                let want = |x: Option<u64>, cur: Option<u64>| x.or(cur);
                let cur = c.current;
                let ctx = format!("{} {} {}", strategy.name(), w.workload, c.name);
                assert_eq!(
                    json_fig(rec, "cpuRequest"),
                    want(r.cpu_request.map(|m| m.0), cur.cpu_request.map(|m| m.0)),
                    "{ctx}"
                );
                assert_eq!(
                    json_fig(rec, "memoryRequest"),
                    want(r.memory_request.map(|b| b.0), cur.memory_request.map(|b| b.0)),
                    "{ctx}"
                );
                if r.memory_request.is_some() {
                    assert_eq!(json_fig(rec, "memoryLimit"), r.memory_limit.map(|b| b.0), "{ctx}");
                }
                let throttled = c.pods.iter().flat_map(|p| p.throttled.iter().map(|x| x.1)).max();
                assert_eq!(row["observed"]["cpuThrottled"]["basisPoints"].as_u64(), throttled, "{ctx}");
                assert_eq!(
                    row["observed"]["oomKills"],
                    c.pods.iter().map(|p| p.oom_kills.len()).sum::<usize>(),
                    "{ctx}"
                );
                n += 1;
            }
        }
        assert_eq!(n, rows.len(), "one row per expected container");
        if strategy == Strategy::Bizo {
            let explained = rows
                .iter()
                .flat_map(|r| r["explain"].as_array().cloned().unwrap_or_default())
                .filter(|e| e.as_str().is_some_and(|e| e.contains("limit it was OOM-killed at x 1.2")))
                .count();
            assert!(explained > 0, "an OOM-killed leak is explained by the OOM rule");
        }
        assert!(n >= 16, "{n} containers");
    }
    // With a profile, a workload's row names the service its pods match.
    let profile = dir.path().join("profile.yaml");
    std::fs::write(
        &profile,
        "name: shop\nservices:\n  - {name: storefront, group: core, status: deployed, namespace: shop, workload: Deployment/sh-steady0, memory: {typical: 64Mi}, cpu: {typical: 10m}}\n",
    )
    .expect("profile");
    let profile_arg = profile.display().to_string();
    let v = json(&["rightsize"], &["-p", &profile_arg, "-o", "json"]);
    let named: Vec<(&str, &str)> = v["containers"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| Some((r["workload"].as_str()?, r["service"].as_str()?)))
        .collect();
    assert_eq!(named, [("Deployment/sh-steady0", "storefront")]);
    // What it changes, with a cluster: the storefront's 3 pods request 3 GiB each on three
    // nodes of 4 GiB that also run a DaemonSet pod of 256 MiB: one pod per node now (3 + 3 GiB
    // do not fit in 3840 MiB). Right-sized (tens of MiB each) they fit on one: two freed.
    let scenario = "nodes:\n".to_string()
        + &(1..=3)
            .map(|i| format!("  - {{name: n{i}, capacity: {{cpu: \"4\", memory: 4Gi, pods: \"110\"}}}}\n"))
            .collect::<String>()
        + "pods:\n"
        + &(1..=3)
            .map(|i| {
                format!(
                    "  - {{namespace: shop, name: sh-steady0-5d8f7c9b4-p{i}, nodeName: n{i}, ownerReferences: [{{kind: ReplicaSet, name: sh-steady0-5d8f7c9b4}}], containers: [{{name: app, resources: {{requests: {{cpu: 500m, memory: 3Gi}}}}}}]}}\n  - {{namespace: kube-system, name: proxy-{i}, nodeName: n{i}, ownerReferences: [{{kind: DaemonSet, name: proxy}}], containers: [{{name: proxy, resources: {{requests: {{cpu: 100m, memory: 256Mi}}}}}}]}}\n"
                )
            })
            .collect::<String>();
    let sim = bizo_sim::Sim::start(bizo_sim::SimConfig::scenario(
        bizo_sim::Scenario::from_yaml_str(&scenario).expect("scenario"),
    ))
    .expect("start the simulator");
    let kubeconfig = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kubeconfig, None).expect("kubeconfig");
    let kc = kubeconfig.display().to_string();
    for with_profile in [true, false] {
        let mut args = vec!["--kubeconfig", &kc, "-o", "json"];
        if with_profile {
            args.extend(["-p", &profile_arg]);
        }
        let c = json(&["rightsize"], &args);
        let k = &c["changes"]["cluster"];
        assert_eq!(k["nodes"], 3, "{k}");
        assert_eq!(
            (&k["neededBefore"], &k["neededAfter"], &k["freed"]),
            (&3.into(), &1.into(), &2.into()),
            "{k}"
        );
        assert_eq!(
            k["summary"],
            format!(
                "on {}: 3 pod(s) need 3 of the 3 node(s) now and 1 right-sized: 2 node(s) could be freed",
                "sim"
            ),
            "{k}"
        );
        let explain = k["explain"].to_string();
        assert!(explain.contains("3 DaemonSet pod(s) stay on every node"), "{explain}");
        assert!(explain.contains("3 of the 3 pod(s) right-sized"), "{explain}");
        // Right-sized: the storefront's recommended requests (Σ of its containers) per pod.
        let per_pod: u64 = v["containers"]
            .as_array()
            .expect("rows")
            .iter()
            .filter(|r| r["workload"] == "Deployment/sh-steady0")
            .map(|r| r["recommended"]["memoryRequest"]["bytes"].as_u64().expect("figure"))
            .sum();
        let after = bizo_plan::model::quantity::Bytes(3 * per_pod).human();
        assert!(explain.contains(&format!("memory 9Gi -> {after}")), "{explain}");
    }
    // Markdown (for a PR), HTML and YAML carry the same answers.
    let plan_summary = json(&["rightsize"], &["--kubeconfig", &kc, "-p", &profile_arg, "-o", "json"])["changes"]["plan"]
        ["summary"]
        .as_str()
        .expect("summary")
        .to_string();
    for format in ["markdown", "html", "yaml"] {
        let text =
            run(&["rightsize"], &["--kubeconfig", &kc, "-p", &profile_arg, "-o", format, "--width", "400"]);
        assert!(
            text.contains("3 pod(s) need 3 of the 3 node(s) now and 1 right-sized: 2 node(s) could be freed"),
            "{format}: {text}"
        );
        assert!(text.contains(&plan_summary), "{format}: {plan_summary}\n{text}");
    }
    // --profile-only reads no cluster: no node counted.
    let c = json(&["rightsize"], &["--kubeconfig", &kc, "--profile-only", "-p", &profile_arg, "-o", "json"]);
    assert!(c["changes"]["cluster"].is_null(), "{}", c["changes"]);
    // The plan before and after is recommend's pick on the profile and, right-sized, the same
    // as recommend --rightsize's.
    // No kubeconfig: a note (rightsize needs no cluster), not a warning.
    assert!(v["notes"].to_string().contains("no cluster: no kubeconfig"), "{}", v["notes"]);
    assert!(!v["warnings"].to_string().contains("kubeconfig"), "{}", v["warnings"]);
    let changes = &v["changes"]["plan"];
    assert_eq!(changes["basis"], "profile shop");
    assert_eq!(changes["servicesSized"], 1);
    // (recommend without --prometheus: the profile's figures as they stand.)
    let out = bizo(home.path())
        .args(["recommend", "-p", &profile_arg, "--no-cluster", "-o", "json"])
        .output()
        .expect("recommend");
    let plain: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let sized = json(
        &["recommend", "-p", &profile_arg, "--no-cluster"],
        &["--window", "14d", "--rightsize", "bizo", "-o", "json"],
    );
    for (side, r) in [("before", &plain), ("after", &sized)] {
        assert_eq!(changes[side]["name"], r["pick"]["name"], "{side}: {changes}");
        assert_eq!(changes[side]["monthly"], r["pick"]["monthly"], "{side}: {changes}");
        assert_eq!(changes[side]["nodes"], r["pick"]["nodes"], "{side}: {changes}");
    }
    assert_eq!(changes["demandMemoryAfter"], sized["demandMemory"], "{changes}");
    // Without a profile the plan is of the workloads read, at their requests.
    let w = json(&["rightsize"], &["-o", "json"]);
    assert_eq!(w["changes"]["plan"]["servicesSized"], expected.len(), "{}", w["changes"]);
    assert!(w["changes"]["plan"]["basis"].as_str().expect("basis").starts_with("the workloads read"));
    // check and recommend --rightsize plan with the summed recommendations per replica.
    let rows = v["containers"].as_array().expect("rows").clone();
    let sum = |key: &str, sub: &str| -> u64 {
        rows.iter()
            .filter(|r| r["workload"] == "Deployment/sh-steady0")
            .map(|r| r["recommended"][key][sub].as_u64().expect("figure"))
            .sum()
    };
    let (mem, peak, cpu) =
        (sum("memoryRequest", "bytes"), sum("memoryLimit", "bytes"), sum("cpuRequest", "millicores"));
    let c = json(
        &["check", "--profile-only", "--capacity", "8Gi", "--no-tiers", "-p", &profile_arg],
        &["--window", "14d", "--step", "5m", "--rightsize", "bizo", "-o", "json"],
    );
    let svc = &c["services"][0];
    assert_eq!(svc["name"], "storefront");
    assert_eq!(svc["source"], "right-sized requests (--rightsize)", "{svc}");
    // Per replica, times the profile's replicas (1; the history's 3 pods do not change the plan).
    assert_eq!(svc["replicas"], 1);
    assert_eq!(svc["memory"]["bytes"], mem, "{svc}");
    assert_eq!(svc["memoryPeak"]["bytes"], peak, "{svc}");
    assert_eq!(svc["cpu"]["millicores"], cpu, "{svc}");
    let notes = c.to_string();
    assert!(notes.contains("planned with the requests bizo recommends from Prometheus at"), "{notes}");
    // profile generate --rightsize writes the right-sized figures into the profile.
    let text = run(&["profile", "generate"], &["--window", "14d", "--step", "5m", "--rightsize", "bizo"]);
    assert!(text.contains("# planned with the requests bizo recommends"), "{text}");
    let y: serde_json::Value = serde_saphyr::from_str(&text).expect("yaml");
    let steady = y["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["name"] == "sh-steady0")
        .expect("service");
    assert_eq!(mem % (1 << 20), 0, "bizo rounds to a MiB");
    assert_eq!(steady["memory"]["typical"], format!("{}Mi", mem >> 20), "{steady}");
    assert_eq!(steady["cpu"]["typical"], format!("{cpu}m"), "{steady}");
    let plan = |extra: &[&str]| -> serde_json::Value {
        json(&["recommend", "-p", &profile_arg], &[&["--window", "14d", "-o", "json"][..], extra].concat())
    };
    let (before, after) = (plan(&[]), plan(&["--rightsize", "krr-simple"]));
    assert_eq!(before["demandSource"], "1 service(s): 1 from Prometheus history");
    assert_eq!(after["demandSource"], "1 service(s): 1 from right-sizing");
    // recommend sizes by the peak: the storefront's right-sized limit (KRR: limit = request).
    let krr_limit: u64 = {
        let v = json(
            &["rightsize"],
            &["--window", "14d", "--step", "1m", "--strategy", "krr-simple", "-o", "json"],
        );
        v["containers"]
            .as_array()
            .expect("rows")
            .iter()
            .filter(|r| r["workload"] == "Deployment/sh-steady0")
            .map(|r| r["recommended"]["memoryLimit"]["bytes"].as_u64().expect("limit"))
            .sum()
    };
    assert_eq!(after["demandMemory"]["bytes"], krr_limit, "{}", after["demandMemory"]);
    assert_ne!(before["demandMemory"], after["demandMemory"]);
    // ... and says what the pick would be without it, and the difference a month.
    let note = after["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(|n| n.as_str())
        .find(|n| n.starts_with("right-sizing (krr-simple): demand "))
        .unwrap_or_else(|| panic!("no right-sizing note: {}", after["notes"]))
        .to_string();
    let pick = |r: &serde_json::Value| {
        format!(
            "{} at {}",
            r["pick"]["name"].as_str().expect("pick"),
            r["pick"]["monthly"].as_str().expect("price")
        )
    };
    assert!(note.contains(&format!("without it {}, right-sized {}", pick(&before), pick(&after))), "{note}");
    assert!(
        note.contains(&format!(
            "{} -> {}",
            before["demandMemory"]["display"].as_str().expect("d"),
            after["demandMemory"]["display"].as_str().expect("d")
        )),
        "{note}"
    );
    // The backtest reads the same 14 days (7 + 7) and scores each strategy as the analysis does.
    let v = json(&["rightsize"], &["--backtest", "--train", "7d", "--test", "7d", "-o", "json"]);
    let rows = v["backtest"]["rows"].as_array().expect("backtest rows");
    assert_eq!(rows.len(), 3);
    for (row, s) in rows.iter().zip(Strategy::ALL) {
        let want = rightsize::backtest(
            s,
            &expected,
            7 * DAY_MS,
            7 * DAY_MS,
            &Settings { allow_hpa: false, at_ms: END_MS },
        );
        assert_eq!(row["strategy"], s.name());
        assert_eq!(row["containerDays"], want.container_days, "{}", s.name());
        assert_eq!(row["under"], want.under, "{}", s.name());
        assert_eq!(row["medianSlackMemory"]["basisPoints"], want.median_slack_memory, "{}", s.name());
        assert!(want.container_days > 100);
    }
    if std::env::var_os("BIZO_PLAN_TEST_SHOW").is_some() {
        // For the README's worked example.
        for args in [
            vec!["--width", "100"],
            vec!["--backtest", "--width", "100"],
            vec!["--explain", "--width", "100"],
            vec!["-o", "patch"],
        ] {
            eprintln!("=== {args:?}\n{}", run(&["rightsize"], &args));
            let out = bizo(home.path())
                .args(["rightsize", "--prometheus", &prom.url, "--at", &at])
                .args(&args)
                .output()
                .expect("run");
            eprintln!("=== {args:?}\n{}", String::from_utf8_lossy(&out.stdout));
        }
    }
    // The patch: a document per Deployment, containers by name, the cpu limit removed.
    let patch = run(&["rightsize"], &["-o", "patch"]);
    let docs = patch.matches("\nkind: Deployment\n").count();
    assert_eq!(docs, expected.len(), "{patch}");
    assert!(
        patch.contains("        - name: proxy\n          resources:\n            requests:\n"),
        "{patch}"
    );
    assert!(patch.contains("              cpu: null\n"), "{patch}");
    for d in patch.split("---\n").skip(1) {
        let y: serde_json::Value = serde_saphyr::from_str(d).expect("each document is YAML");
        assert_eq!(y["apiVersion"], "apps/v1");
        assert!(y["spec"]["template"]["spec"]["containers"][0]["name"].is_string(), "{d}");
    }
}

/// No Prometheus there: exit 3 naming it (there is nothing to right-size from); a bad duration
/// is bad usage (exit 2) naming the flag.
#[test]
fn rightsize_without_prometheus_fails_saying_why() {
    let home = tempfile::tempdir().expect("home");
    let out =
        bizo(home.path()).args(["rightsize", "--prometheus", "http://127.0.0.1:9"]).output().expect("run");
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Prometheus at http://127.0.0.1:9: unreachable"), "{err}");
    let out = bizo(home.path())
        .args(["rightsize", "--prometheus", "http://127.0.0.1:9", "--step", "5q"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'--step <DURATION>'"));
}

/// The backtest of the whole generated fleet (210 workloads, 28 days at 5 minutes, seed 14)
/// read back from a real Prometheus, fold by fold (`--at` day 14, 21 and 28, each reading its
/// 7 days of training and 7 of test): every strategy's row equals the analysis' backtest of the
/// series as Prometheus answers them, and summed over the folds the default strategy meets the
/// targets and beats both others on under-provisioning without more memory slack. The
/// Prometheus figures differ from the in-process ones of `backtest_on_the_generated_fleet`
/// only by what Prometheus does to the series (cpu as a rate of the counter).
#[test]
fn the_fleet_backtest_read_through_prometheus() {
    let dir = tempfile::tempdir().expect("temp dir");
    let f = fleet(&spec());
    let model = to_model(&f);
    let tsdb = backfill_fleet(dir.path(), &f);
    drop(f);
    let prom = start_prometheus_with(dir.path(), &tsdb, &[]);
    let home = tempfile::tempdir().expect("home");
    let mut sums = [(0u64, 0u64, 0u64); 3];
    for end_day in [14, 21, 28] {
        let at = END_MS - (28 - end_day) * DAY_MS;
        let out = bizo(home.path())
            .args(["rightsize", "--prometheus", &prom.url, "--at", &(at / 1000).to_string()])
            .args(["--backtest", "--train", "7d", "--test", "7d", "--no-cluster", "-o", "json"])
            .timeout(Duration::from_secs(600))
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let rows = v["backtest"]["rows"].as_array().expect("rows");
        let expected = as_prometheus_answers(&model, at);
        for ((row, s), sum) in rows.iter().zip(Strategy::ALL).zip(&mut sums) {
            let want = rightsize::backtest(
                s,
                &expected,
                7 * DAY_MS,
                7 * DAY_MS,
                &Settings { allow_hpa: false, at_ms: at },
            );
            let ctx = format!("{} at day {end_day}", s.name());
            assert_eq!(row["strategy"], s.name());
            assert_eq!(row["containerDays"], want.container_days, "{ctx}");
            assert_eq!(row["under"], want.under, "{ctx}");
            assert_eq!(row["underMemory"], want.under_memory, "{ctx}");
            assert_eq!(row["underCpu"], want.under_cpu, "{ctx}");
            assert_eq!(row["oom"], want.oom, "{ctx}");
            assert_eq!(row["throttled"], want.throttled, "{ctx}");
            assert_eq!(row["medianSlackMemory"]["basisPoints"], want.median_slack_memory, "{ctx}");
            assert_eq!(row["medianSlackCpu"]["basisPoints"], want.median_slack_cpu, "{ctx}");
            *sum = (sum.0 + want.container_days, sum.1 + want.under, sum.2 + want.median_slack_memory);
        }
    }
    if std::env::var_os("BIZO_PLAN_TEST_SHOW").is_some() {
        eprintln!("(container-days, under, Σ median memory slack bp) per strategy: {sums:?}");
    }
    let [bizo_sum, krr, vpa] = sums;
    assert!(bizo_sum.0 > 13_000, "{sums:?}");
    assert!(bizo_sum.1 * 100 <= bizo_sum.0, "under-provisioned <= 1%: {sums:?}");
    assert!(bizo_sum.2 / 3 <= 2_500, "median memory slack <= 25%: {sums:?}");
    for other in [krr, vpa] {
        assert!(bizo_sum.1 < other.1 && bizo_sum.2 <= other.2, "{sums:?}");
    }
}
