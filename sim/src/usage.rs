//! A generator of realistic per-container usage history for right-sizing's tests and backtest
//! (bizo-plan issue 14): a fleet of workloads, each of one documented scenario, with pods,
//! containers, memory working set and cpu usage rate every `step`, and OOM kills. Everything is
//! drawn from a fixed seed (splitmix64), so a seed is a fleet.
//!
//! Scenarios (see `sim/README.md`, "Usage history"):
//! - `steady`: a flat memory level with 2% noise; cpu with a daily cycle (peak 14:00 UTC).
//! - `diurnal`: memory and cpu follow the daily cycle, 40% lower on Saturdays and Sundays.
//! - `leak`: memory climbs by 2-8% of its base a day until the container restarts (every 4-14
//!   days), or until it reaches its limit (set tight, 1.2-1.5x the base) and is OOM-killed (the
//!   kill is recorded and the memory starts again from the base).
//! - `bursty`: cpu bursts to 3-6x for 15-45 minutes a few times a day; memory spikes by 20-40%
//!   for an hour once or twice a week.
//! - `redeploy`: a new ReplicaSet (new pod names) on a day between 8 and 22, its level 0.7 to
//!   1.25 times the old one's.
//! - `sidecar`: two containers, the app (diurnal) and a proxy sidecar (small, steady).
//! - `hpa`: an autoscaler keeps 2-8 replicas for a daily load; each pod's usage is its share,
//!   pods come and go (new names) as the replicas change.
//!
//! Memory is in bytes, cpu in microcores (a millionth of a core), times in unix milliseconds.

use std::collections::BTreeMap;

/// A MiB.
const MIB: u64 = 1 << 20;
/// A day and an hour, in milliseconds.
const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;

/// The scenarios, in the order workloads cycle through them.
pub const SCENARIOS: [&str; 7] = ["steady", "diurnal", "leak", "bursty", "redeploy", "sidecar", "hpa"];

/// splitmix64 (Steele, Lea, Flood 2014): small, fast and good enough for test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A float in [a, b).
    pub fn range(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.unit()
    }

    /// An integer in [a, b].
    pub fn int(&mut self, a: u64, b: u64) -> u64 {
        a + self.next_u64() % (b - a + 1)
    }
}

/// One container's series in one pod.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerSeries {
    /// Container name.
    pub container: String,
    /// (unix ms, bytes).
    pub memory: Vec<(i64, u64)>,
    /// (unix ms, microcores): the usage rate over the step ending then.
    pub cpu: Vec<(i64, u64)>,
    /// OOM kill times.
    pub oom_kills: Vec<i64>,
    /// (unix ms, basis points): the share of the step's CFS periods throttled (a container
    /// with a cpu limit whose demand went above it runs at the limit).
    pub throttled: Vec<(i64, u64)>,
}

/// One pod.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pod {
    /// `<workload>-<replicaset hash>-<5 chars>`.
    pub name: String,
    /// Its containers.
    pub containers: Vec<ContainerSeries>,
}

/// A container's resources as set (bytes, millicores; `None`: not set).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Set {
    /// cpu request, millicores.
    pub cpu_request: Option<u64>,
    /// cpu limit, millicores.
    pub cpu_limit: Option<u64>,
    /// memory request, bytes.
    pub memory_request: Option<u64>,
    /// memory limit, bytes.
    pub memory_limit: Option<u64>,
}

/// One workload of the fleet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Workload {
    /// Namespace.
    pub namespace: String,
    /// Deployment name.
    pub name: String,
    /// Its scenario (one of [`SCENARIOS`]).
    pub scenario: &'static str,
    /// Whether an HPA scales it.
    pub hpa: bool,
    /// (container name, resources as set) for each container.
    pub containers: Vec<(String, Set)>,
    /// Its pods over the history.
    pub pods: Vec<Pod>,
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetSpec {
    /// The seed.
    pub seed: u64,
    /// Workloads (scenarios cycle).
    pub workloads: usize,
    /// Days of history, ending at `end_ms`.
    pub days: i64,
    /// The last sample's time, unix ms (rounded down to a whole step).
    pub end_ms: i64,
    /// Time between samples, ms.
    pub step_ms: i64,
}

const NAMESPACES: [&str; 5] = ["shop", "data", "web", "ops", "agents"];
const HASH: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

fn chars(rng: &mut Rng, n: usize) -> String {
    (0..n).map(|_| HASH[rng.int(0, HASH.len() as u64 - 1) as usize] as char).collect()
}

/// The daily cycle at `t`: 0 at 02:00 UTC, 1 at 14:00.
fn daily(t: i64) -> f64 {
    let h = t.rem_euclid(DAY) as f64 / HOUR as f64;
    0.5 - 0.5 * ((h - 2.0) / 24.0 * std::f64::consts::TAU).cos()
}

/// Saturday or Sunday (1970-01-01 was a Thursday).
fn weekend(t: i64) -> bool {
    matches!(t.div_euclid(DAY).rem_euclid(7), 2 | 3)
}

fn round_mib(x: f64) -> u64 {
    (x / MIB as f64).ceil() as u64 * MIB
}

/// Shapes of one container's usage: memory base (bytes) and cpu base (microcores).
struct Shape {
    mem: f64,
    cpu: f64,
}

/// The fleet of a spec.
pub fn fleet(spec: &FleetSpec) -> Vec<Workload> {
    let mut rng = Rng::new(spec.seed);
    let end = spec.end_ms.div_euclid(spec.step_ms) * spec.step_ms;
    let start = end - spec.days * DAY;
    let times: Vec<i64> = (0..).map(|i| start + i * spec.step_ms).take_while(|t| *t <= end).collect();
    (0..spec.workloads)
        .map(|i| {
            let scenario = SCENARIOS[i % SCENARIOS.len()];
            let namespace = NAMESPACES[i % NAMESPACES.len()].to_string();
            let name = format!("{}-{}{i}", &namespace[..2], scenario);
            let mut w_rng = Rng::new(rng.next_u64());
            throttle(workload(&mut w_rng, namespace, name, scenario, &times))
        })
        .collect()
}

/// Caps each container's cpu at its limit (the kernel's CFS quota: a demand above the limit
/// runs at the limit) and records the share of the step's periods throttled as the share of
/// the demand that did not run: `(demand - limit) / demand`.
fn throttle(mut w: Workload) -> Workload {
    for p in &mut w.pods {
        for c in &mut p.containers {
            let Some(limit) = w.containers.iter().find(|x| x.0 == c.container).and_then(|x| x.1.cpu_limit)
            else {
                continue;
            };
            let limit = limit * 1000;
            c.throttled = c
                .cpu
                .iter_mut()
                .map(|(t, v)| {
                    let bp = if *v > limit {
                        ((*v - limit) as f64 / *v as f64 * 10_000.0).round() as u64
                    } else {
                        0
                    };
                    *v = (*v).min(limit);
                    (*t, bp)
                })
                .collect();
        }
    }
    w
}

fn workload(
    rng: &mut Rng,
    namespace: String,
    name: String,
    scenario: &'static str,
    times: &[i64],
) -> Workload {
    let app = Shape { mem: rng.range(60.0, 900.0) * MIB as f64, cpu: rng.range(20_000.0, 600_000.0) };
    // Hand-set resources: usually generous (1.5-3x the typical), a few too small.
    let generous = rng.range(1.5, 3.0);
    let set = |s: &Shape, f: f64| Set {
        cpu_request: Some(((s.cpu * f) / 1000.0).ceil() as u64),
        cpu_limit: Some(((s.cpu * f * 2.0) / 1000.0).ceil() as u64),
        memory_request: Some(round_mib(s.mem * f)),
        memory_limit: Some(round_mib(s.mem * f * 1.5)),
    };
    let mut containers = vec![("app".to_string(), set(&app, generous))];
    let replicas = rng.int(1, 3) as usize;
    let hash = chars(rng, 9);
    // Pod names are unique within the workload (a name drawn twice is drawn again).
    let mut taken = std::collections::BTreeSet::new();
    let mut unique = |rng: &mut Rng, hash: &str| loop {
        let n = format!("{name}-{hash}-{}", chars(rng, 5));
        if taken.insert(n.clone()) {
            break n;
        }
    };
    let mut pods = Vec::new();
    match scenario {
        "hpa" => {
            // Total load = replicas x per-pod share; replicas 2..8 follow the daily cycle.
            let total_cpu = app.cpu * 4.0;
            let mut current: Vec<(String, usize)> = Vec::new(); // (name, index into pods)
            for &t in times {
                let want = (2.0 + 6.0 * daily(t)).round() as usize;
                while current.len() < want {
                    let n = unique(rng, &hash);
                    pods.push(Pod {
                        name: n.clone(),
                        containers: vec![ContainerSeries { container: "app".into(), ..Default::default() }],
                    });
                    current.push((n, pods.len() - 1));
                }
                while current.len() > want {
                    current.remove(0);
                }
                let share = total_cpu * (0.3 + 0.7 * daily(t)) / current.len() as f64;
                for (_, idx) in &current {
                    let c = &mut pods[*idx].containers[0];
                    let noise = rng.range(0.9, 1.1);
                    c.cpu.push((t, (share * noise) as u64));
                    c.memory.push((
                        t,
                        (app.mem * (0.85 + 0.15 * share / total_cpu * 2.0) * rng.range(0.98, 1.02)) as u64,
                    ));
                }
            }
            return Workload { namespace, name, scenario, hpa: true, containers, pods };
        }
        "redeploy" => {
            let switch = times[0] + rng.int(8, 22) as i64 * DAY + rng.int(0, 23) as i64 * HOUR;
            let factor = rng.range(0.7, 1.25);
            let old: Vec<String> = (0..replicas).map(|_| unique(rng, &hash)).collect();
            let new_hash = chars(rng, 9);
            let new: Vec<String> = (0..replicas).map(|_| unique(rng, &new_hash)).collect();
            for (names, level, from, to) in [(old, 1.0, i64::MIN, switch), (new, factor, switch, i64::MAX)] {
                for n in names {
                    let mut c = ContainerSeries { container: "app".into(), ..Default::default() };
                    for &t in times.iter().filter(|t| **t >= from && **t < to) {
                        c.memory.push((
                            t,
                            (app.mem * level * (0.9 + 0.1 * daily(t)) * rng.range(0.98, 1.02)) as u64,
                        ));
                        c.cpu.push((
                            t,
                            (app.cpu * level * (0.3 + 0.7 * daily(t)) * rng.range(0.85, 1.15)) as u64,
                        ));
                    }
                    pods.push(Pod { name: n, containers: vec![c] });
                }
            }
            return Workload { namespace, name, scenario, hpa: false, containers, pods };
        }
        _ => {}
    }
    let sidecar = Shape { mem: rng.range(30.0, 80.0) * MIB as f64, cpu: rng.range(5_000.0, 30_000.0) };
    if scenario == "sidecar" {
        containers.push(("proxy".to_string(), set(&sidecar, 2.0)));
    }
    let step = times.get(1).map_or(DAY, |t| t - times[0]) as f64;
    if scenario == "leak" {
        // Someone set a tight limit (1.2-1.5x the base): the leak reaches it within days.
        let limit = round_mib(app.mem * rng.range(1.2, 1.5));
        let c = &mut containers[0].1;
        c.memory_limit = Some(limit);
        c.memory_request = c.memory_request.map(|r| r.min(limit));
    }
    let mem_limit = containers[0].1.memory_limit.unwrap_or(u64::MAX) as f64;
    for n in (0..replicas).map(|_| unique(rng, &hash)).collect::<Vec<_>>() {
        let mut app_s = ContainerSeries { container: "app".into(), ..Default::default() };
        let mut side_s = ContainerSeries { container: "proxy".into(), ..Default::default() };
        // leak state
        let leak_rate = rng.range(0.02, 0.08);
        let restart_every = rng.int(4, 14) as i64 * DAY;
        let mut since = times[0] - rng.int(0, 3) as i64 * DAY;
        // bursts: (start, end, factor)
        let mut burst: Option<(i64, f64)> = None;
        let mut spike: Option<(i64, f64)> = None;
        for &t in times {
            let d = daily(t);
            let wk = if weekend(t) && scenario == "diurnal" { 0.6 } else { 1.0 };
            let (mem, cpu) = match scenario {
                "steady" => {
                    (app.mem * rng.range(0.98, 1.02), app.cpu * (0.5 + 0.5 * d) * rng.range(0.85, 1.15))
                }
                "diurnal" | "sidecar" => (
                    app.mem * (0.7 + 0.3 * d) * wk * rng.range(0.98, 1.02),
                    app.cpu * (0.2 + 0.8 * d) * wk * rng.range(0.85, 1.15),
                ),
                "leak" => {
                    if t - since >= restart_every {
                        since = t;
                    }
                    let m =
                        app.mem * (1.0 + leak_rate * (t - since) as f64 / DAY as f64) * rng.range(0.99, 1.01);
                    if m > mem_limit {
                        app_s.oom_kills.push(t);
                        since = t;
                    }
                    (m.min(mem_limit), app.cpu * (0.5 + 0.5 * d) * rng.range(0.85, 1.15))
                }
                "bursty" => {
                    if burst.is_none_or(|(e, _)| t >= e) {
                        burst = None;
                        // about 4 bursts a day
                        if rng.unit() < 4.0 * step / DAY as f64 {
                            burst = Some((t + rng.int(15, 45) as i64 * 60_000, rng.range(3.0, 6.0)));
                        }
                    }
                    if spike.is_none_or(|(e, _)| t >= e) {
                        spike = None;
                        // one or two a week
                        if rng.unit() < 1.5 * step / (7 * DAY) as f64 {
                            spike = Some((t + HOUR, rng.range(1.2, 1.4)));
                        }
                    }
                    let bf = burst.map_or(1.0, |b| b.1);
                    let sf = spike.map_or(1.0, |s| s.1);
                    (
                        app.mem * sf * rng.range(0.97, 1.03),
                        app.cpu * (0.4 + 0.3 * d) * bf * rng.range(0.8, 1.2),
                    )
                }
                _ => (app.mem, app.cpu),
            };
            app_s.memory.push((t, mem as u64));
            app_s.cpu.push((t, cpu as u64));
            if scenario == "sidecar" {
                side_s.memory.push((t, (sidecar.mem * rng.range(0.97, 1.03)) as u64));
                side_s.cpu.push((t, (sidecar.cpu * (0.5 + 0.5 * d) * rng.range(0.8, 1.2)) as u64));
            }
        }
        let mut cs = vec![app_s];
        if scenario == "sidecar" {
            cs.push(side_s);
        }
        pods.push(Pod { name: n, containers: cs });
    }
    Workload { namespace, name, scenario, hpa: false, containers, pods }
}

/// The fleet as OpenMetrics for `promtool tsdb create-blocks-from openmetrics`, one text per
/// 2-hour block (promtool then reads each sample once; key: the block's number), each ending in
/// `# EOF`: cAdvisor's working set and cpu counter (core-seconds from 1e6 on, so that
/// Prometheus' rate() extrapolation never reaches zero), and kube-state-metrics' requests and
/// limits, owners (pod -> ReplicaSet -> Deployment), restarts with the OOMKilled reason and the
/// autoscalers, every 30 minutes over each pod's life.
pub fn openmetrics(f: &[Workload]) -> BTreeMap<i64, String> {
    const BLOCK: i64 = 7_200_000;
    // block -> family -> lines
    let mut blocks: BTreeMap<i64, BTreeMap<&'static str, String>> = BTreeMap::new();
    let mut put = |t: i64, family: &'static str, line: String| {
        let e = blocks.entry(t.div_euclid(BLOCK)).or_default().entry(family).or_default();
        e.push_str(&line);
    };
    let secs = |t: i64| format!("{}.{:03}", t / 1000, t % 1000);
    for w in f {
        let ns = &w.namespace;
        // Each ReplicaSet's owner once, over its pods' lives, on an absolute 30-minute grid
        // (one series: its samples in order).
        let mut sets: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
        for p in &w.pods {
            let rs = p.name.rsplit_once('-').map_or(p.name.as_str(), |x| x.0);
            for (t, _) in p.containers.iter().flat_map(|c| c.memory.iter()) {
                let e = sets.entry(rs).or_insert((*t, *t));
                e.0 = e.0.min(*t);
                e.1 = e.1.max(*t);
            }
        }
        for (rs, (a, b)) in sets {
            let mut t = a.div_euclid(1_800_000) * 1_800_000 + 1_800_000;
            put(
                a,
                "kube_replicaset_owner",
                format!(
                    "kube_replicaset_owner{{namespace=\"{ns}\",replicaset=\"{rs}\",owner_kind=\"Deployment\",owner_name=\"{}\",owner_is_controller=\"true\"}} 1 {}\n",
                    w.name,
                    secs(a)
                ),
            );
            while t <= b {
                put(
                    t,
                    "kube_replicaset_owner",
                    format!(
                        "kube_replicaset_owner{{namespace=\"{ns}\",replicaset=\"{rs}\",owner_kind=\"Deployment\",owner_name=\"{}\",owner_is_controller=\"true\"}} 1 {}\n",
                        w.name,
                        secs(t)
                    ),
                );
                t += 1_800_000;
            }
        }
        for p in &w.pods {
            let rs = p.name.rsplit_once('-').map_or(p.name.as_str(), |x| x.0);
            let first = p.containers.iter().filter_map(|c| c.memory.first()).map(|x| x.0).min().unwrap_or(0);
            let last = p.containers.iter().filter_map(|c| c.memory.last()).map(|x| x.0).max().unwrap_or(0);
            let mut t = first;
            while t <= last {
                put(
                    t,
                    "kube_pod_owner",
                    format!(
                        "kube_pod_owner{{namespace=\"{ns}\",pod=\"{}\",owner_kind=\"ReplicaSet\",owner_name=\"{rs}\",owner_is_controller=\"true\"}} 1 {}\n",
                        p.name,
                        secs(t)
                    ),
                );
                for (cname, set) in &w.containers {
                    if !p.containers.iter().any(|c| &c.container == cname) {
                        continue;
                    }
                    let l = format!("namespace=\"{ns}\",pod=\"{}\",container=\"{cname}\"", p.name);
                    for (fam, res, v) in [
                        (
                            "kube_pod_container_resource_requests",
                            "cpu",
                            set.cpu_request.map(|m| format!("{}", m as f64 / 1000.0)),
                        ),
                        (
                            "kube_pod_container_resource_requests",
                            "memory",
                            set.memory_request.map(|b| b.to_string()),
                        ),
                        (
                            "kube_pod_container_resource_limits",
                            "cpu",
                            set.cpu_limit.map(|m| format!("{}", m as f64 / 1000.0)),
                        ),
                        (
                            "kube_pod_container_resource_limits",
                            "memory",
                            set.memory_limit.map(|b| b.to_string()),
                        ),
                    ] {
                        if let Some(v) = v {
                            put(t, fam, format!("{fam}{{{l},resource=\"{res}\"}} {v} {}\n", secs(t)));
                        }
                    }
                }
                t += 1_800_000;
            }
            for c in &p.containers {
                let l = format!("namespace=\"{ns}\",pod=\"{}\",container=\"{}\"", p.name, c.container);
                for (t, v) in &c.memory {
                    put(
                        *t,
                        "container_memory_working_set_bytes",
                        format!("container_memory_working_set_bytes{{{l}}} {v} {}\n", secs(*t)),
                    );
                }
                let mut counter = 1e6f64;
                let mut kills = 0u64;
                let mut prev: Option<i64> = None;
                let (mut periods, mut throttled) = (1e6f64, 1e6f64);
                for (t, v) in &c.cpu {
                    // The rate over the interval ending at t, times its length.
                    let prev_gap = prev.map_or(0, |p| t - p);
                    if prev.is_some() {
                        counter += *v as f64 / 1e6 * prev_gap as f64 / 1000.0;
                    }
                    prev = Some(*t);
                    put(
                        *t,
                        "container_cpu_usage_seconds_total",
                        format!("container_cpu_usage_seconds_total{{{l}}} {counter} {}\n", secs(*t)),
                    );
                    if c.oom_kills.contains(t) {
                        kills += 1;
                    }
                    // CFS periods of 100 ms: all of the step's, and the throttled share of them.
                    if let Some(k) = c.throttled.iter().position(|x| x.0 == *t) {
                        let gap = prev_gap;
                        periods += gap as f64 / 100.0;
                        throttled += gap as f64 / 100.0 * c.throttled[k].1 as f64 / 10_000.0;
                        put(
                            *t,
                            "container_cpu_cfs_periods_total",
                            format!("container_cpu_cfs_periods_total{{{l}}} {periods} {}\n", secs(*t)),
                        );
                        put(
                            *t,
                            "container_cpu_cfs_throttled_periods_total",
                            format!(
                                "container_cpu_cfs_throttled_periods_total{{{l}}} {throttled} {}\n",
                                secs(*t)
                            ),
                        );
                    }
                    if !c.oom_kills.is_empty() {
                        put(
                            *t,
                            "kube_pod_container_status_restarts_total",
                            format!("kube_pod_container_status_restarts_total{{{l}}} {kills} {}\n", secs(*t)),
                        );
                        put(
                            *t,
                            "kube_pod_container_status_last_terminated_reason",
                            format!(
                                "kube_pod_container_status_last_terminated_reason{{{l},reason=\"OOMKilled\"}} {} {}\n",
                                u8::from(kills > 0),
                                secs(*t)
                            ),
                        );
                    }
                }
            }
        }
        if w.hpa {
            let times = w.pods.iter().flat_map(|p| &p.containers).flat_map(|c| c.memory.iter().map(|x| x.0));
            let (a, b) = times.fold((i64::MAX, i64::MIN), |(a, b), t| (a.min(t), b.max(t)));
            let mut t = a;
            while t <= b {
                put(
                    t,
                    "kube_horizontalpodautoscaler_info",
                    format!(
                        "kube_horizontalpodautoscaler_info{{namespace=\"{ns}\",horizontalpodautoscaler=\"{}\",scaletargetref_kind=\"Deployment\",scaletargetref_name=\"{}\"}} 1 {}\n",
                        w.name,
                        w.name,
                        secs(t)
                    ),
                );
                t += 1_800_000;
            }
        }
    }
    let types = |fam: &'static str| -> (&'static str, &'static str) {
        match fam {
            "container_cpu_usage_seconds_total" => ("container_cpu_usage_seconds", "counter"),
            "kube_pod_container_status_restarts_total" => ("kube_pod_container_status_restarts", "counter"),
            "container_cpu_cfs_periods_total" => ("container_cpu_cfs_periods", "counter"),
            "container_cpu_cfs_throttled_periods_total" => ("container_cpu_cfs_throttled_periods", "counter"),
            other => (other, "gauge"),
        }
    };
    blocks
        .into_iter()
        .map(|(k, fams)| {
            let mut text = String::new();
            for (fam, lines) in fams {
                let (name, kind) = types(fam);
                text.push_str(&format!("# TYPE {name} {kind}\n{lines}"));
            }
            text.push_str("# EOF\n");
            (k, text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> FleetSpec {
        FleetSpec { seed: 7, workloads: 14, days: 28, end_ms: 1_780_000_000_000, step_ms: 300_000 }
    }

    #[test]
    fn a_seed_is_a_fleet() {
        assert_eq!(fleet(&spec()), fleet(&spec()));
        assert_ne!(fleet(&spec()), fleet(&FleetSpec { seed: 8, ..spec() }));
    }

    #[test]
    fn scenarios_show_what_they_say() {
        let f = fleet(&spec());
        let by = |s: &str| f.iter().find(|w| w.scenario == s).expect("scenario");
        // redeploy: two generations of pod names
        let r = by("redeploy");
        let gens: std::collections::BTreeSet<_> = r
            .pods
            .iter()
            .map(|p| p.name.rsplit_once('-').map_or(String::new(), |x| x.0.to_string()))
            .collect();
        assert_eq!(gens.len(), 2);
        // sidecar: two containers
        assert_eq!(by("sidecar").containers.len(), 2);
        assert!(by("hpa").hpa);
        assert!(by("hpa").pods.len() > 8, "pods come and go");
        // leak: memory climbs between restarts
        assert!(
            f.iter()
                .filter(|w| w.scenario == "leak")
                .flat_map(|w| &w.pods)
                .any(|p| !p.containers[0].oom_kills.is_empty()),
            "some leak is OOM-killed"
        );
        let l = &by("leak").pods[0].containers[0].memory;
        let climbs = l.windows(2).filter(|w| w[1].1 > w[0].1).count();
        assert!(climbs > l.len() / 2, "{climbs} of {}", l.len());
        // diurnal: 14:00 above 02:00
        let d = &by("diurnal").pods[0].containers[0].cpu;
        let at = |h: i64| d.iter().filter(|(t, _)| t.rem_euclid(DAY) == h * HOUR).map(|p| p.1).sum::<u64>();
        assert!(at(14) > 2 * at(2));
    }
}
