//! The `rightsize` report: per container its resources now, what it used, what the strategy
//! recommends and why; the requests summed before and after; with `--backtest`, each
//! strategy's score side by side.

use serde::Serialize;

use crate::analysis::rightsize::{Basis, Observed, Recommendation, Score, Skip, Strategy, Totals};
use crate::model::catalog::format_cents;
use crate::model::figure::{CpuFig, MemFig, PctFig, SignedMemFig};
use crate::model::quantity::{Bytes, Millicores};
use crate::model::ratio::Ratio;
use crate::model::usage::{ContainerUsage, WorkloadUsage};

/// A strategy's rule in one sentence.
pub fn rule(s: Strategy) -> &'static str {
    match s {
        Strategy::Bizo => {
            "newest pod generation, last 7 days: memory request = largest daily peak (or its climb extrapolated 7 days) x 1.10, limit = request x 1.25; cpu request = largest daily 95th percentile x 1.10, no cpu limit; HPA-managed cpu kept"
        }
        Strategy::KrrSimple => {
            "Robusta KRR simple: cpu request = largest pod 95th percentile, no cpu limit; memory request = limit = largest peak x 1.15; at least 10m and 100Mi; 100 points needed; HPA-managed skipped"
        }
        Strategy::Vpa => {
            "VPA recommender target: 0.9 percentile of a decaying histogram (24 h half-life; memory one peak per 24 h) x 1.15; at least 25m and 250Mi shared by the pod's containers; limits keep their ratio"
        }
    }
}

/// The note of `check`/`recommend`/`forecast --rightsize`: which services are planned with
/// which right-sized figures.
pub fn planning_note(
    strategy: Strategy,
    source: &str,
    window: &str,
    at: &str,
    sized: &[crate::analysis::rightsize::RightSized],
    workloads: usize,
) -> String {
    let parts: Vec<String> = sized
        .iter()
        .map(|s| {
            format!("{} {} (limit {}), cpu {}", s.service, s.memory.human(), s.peak.human(), s.cpu.human())
        })
        .collect();
    let matched: usize = sized.iter().map(|s| s.workloads.len()).sum();
    format!(
        "planned with the requests {} recommends from {source} over {window} ending {at} (per replica): {}; {matched} of {workloads} workload(s) matched a service",
        strategy.name(),
        if parts.is_empty() { "no service matched".to_string() } else { parts.join("; ") }
    )
}

/// The note of `recommend --rightsize`: the pick without and with right-sizing, and what it
/// saves (or costs) a month.
pub fn recommend_note(
    strategy: Strategy,
    without: &crate::report::plan::RecommendReport,
    with: &crate::report::plan::RecommendReport,
) -> String {
    let pick = |r: &crate::report::plan::RecommendReport| {
        r.pick.as_ref().map_or("nothing passes".to_string(), |p| format!("{} at {}", p.name, p.monthly))
    };
    let saving = match (
        without.pick.as_ref().and_then(|p| p.monthly_cents),
        with.pick.as_ref().and_then(|p| p.monthly_cents),
    ) {
        (Some(a), Some(b)) if a > b => {
            format!(": {} a month less", format_cents(a - b, &with.currency))
        }
        (Some(a), Some(b)) if b > a => {
            format!(": {} a month more", format_cents(b - a, &with.currency))
        }
        (Some(_), Some(_)) => ": the same price".to_string(),
        _ => String::new(),
    };
    format!(
        "right-sizing ({}): demand {} -> {}; without it {}, right-sized {}{saving}",
        strategy.name(),
        without.demand_memory.display(),
        with.demand_memory.display(),
        pick(without),
        pick(with)
    )
}

/// Resources as shown (`None`: not set).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourcesRow {
    /// cpu request.
    pub cpu_request: Option<CpuFig>,
    /// cpu limit.
    pub cpu_limit: Option<CpuFig>,
    /// memory request.
    pub memory_request: Option<MemFig>,
    /// memory limit.
    pub memory_limit: Option<MemFig>,
}

/// What a container used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedRow {
    /// Largest working set.
    pub memory_peak: Option<MemFig>,
    /// 95th percentile of the working set.
    pub memory_p95: Option<MemFig>,
    /// 95th percentile of the cpu rate.
    pub cpu_p95: Option<CpuFig>,
    /// Largest cpu rate.
    pub cpu_peak: Option<CpuFig>,
    /// OOM kills.
    pub oom_kills: u64,
    /// The largest share of a step's CFS periods throttled.
    pub cpu_throttled: Option<PctFig>,
    /// Samples read.
    pub points: u64,
}

/// One container of one workload.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerRow {
    /// Namespace.
    pub namespace: String,
    /// `Kind/name`.
    pub workload: String,
    /// Container name.
    pub container: String,
    /// The profile service its pods match, if any.
    pub service: Option<String>,
    /// Scaled by an HPA.
    pub hpa: bool,
    /// Pods seen in the window.
    pub pods: u64,
    /// Pods running at its end.
    pub running: u64,
    /// Resources now.
    pub current: ResourcesRow,
    /// Usage over the window.
    pub observed: ObservedRow,
    /// The strategy's figures (the current ones where it gives none).
    pub recommended: ResourcesRow,
    /// Memory request change per pod.
    pub memory_change: Option<SignedMemFig>,
    /// Why a figure is missing (`cpu: not enough data (42 of 100 points)`).
    pub skipped: Vec<String>,
    /// How each figure was computed.
    pub explain: Vec<String>,
    /// The numbers behind them.
    pub basis: Basis,
}

/// Requests of the pods running at the window's end, now and right-sized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TotalsRow {
    /// Memory requested now.
    pub memory_before: MemFig,
    /// Memory requested right-sized.
    pub memory_after: MemFig,
    /// after - before.
    pub memory_change: SignedMemFig,
    /// cpu requested now.
    pub cpu_before: CpuFig,
    /// cpu requested right-sized.
    pub cpu_after: CpuFig,
    /// after - before, millicores.
    pub cpu_change_millicores: i64,
}

/// One strategy's backtest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BacktestRow {
    /// The strategy.
    pub strategy: &'static str,
    /// Container-days scored.
    pub container_days: u64,
    /// Under-provisioned days (memory or cpu).
    pub under: u64,
    /// Their share.
    pub under_share: PctFig,
    /// Days the memory peak was above the request.
    pub under_memory: u64,
    /// Days the cpu 95th percentile was above the request.
    pub under_cpu: u64,
    /// Days above the memory limit (OOM-killed).
    pub oom: u64,
    /// Days above the cpu limit (throttled).
    pub throttled: u64,
    /// Median memory slack.
    pub median_slack_memory: PctFig,
    /// Median cpu slack.
    pub median_slack_cpu: PctFig,
}

/// The backtest section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BacktestReport {
    /// `--train`.
    pub train: String,
    /// `--test`.
    pub test: String,
    /// Where the training window ends and the test window starts (RFC 3339).
    pub split: String,
    /// One row per strategy, the default first.
    pub rows: Vec<BacktestRow>,
    /// How the days are scored.
    pub rule: String,
}

/// How the read went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadSummary {
    /// Queries sent.
    pub queries: u64,
    /// Shards of the range queries.
    pub shards: u64,
    /// Points received.
    pub points: u64,
    /// Wall time of the read, milliseconds (the rest of a run is analysis and output).
    pub elapsed_ms: u64,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RightsizeReport {
    /// The strategy's name.
    pub strategy: &'static str,
    /// Its rule.
    pub rule: &'static str,
    /// `Prometheus at URL`.
    pub source: String,
    /// `--window`.
    pub window: String,
    /// `--step`.
    pub step: String,
    /// The window's end (RFC 3339).
    pub at: String,
    /// Containers, by namespace, workload, container.
    pub containers: Vec<ContainerRow>,
    /// Requests before and after.
    pub totals: TotalsRow,
    /// With `--backtest`.
    pub backtest: Option<BacktestReport>,
    /// What it changes: the plan before and after, the cluster's nodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
    /// What could not be read or was skipped.
    pub warnings: Vec<String>,
    /// Notes on the inputs (no cluster read).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The read.
    pub read: ReadSummary,
}

/// What the plan is of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanBasis {
    /// `-p`'s profile (its name).
    Profile(String),
    /// The workloads read, a service each at its current requests.
    Workloads,
}

/// One plan's pick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PickRow {
    /// Tier or plan.
    pub name: String,
    /// Nodes.
    pub nodes: usize,
    /// Monthly price, as shown.
    pub monthly: String,
    /// Monthly price in cents of the currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monthly_cents: Option<u64>,
}

/// The plan (`recommend`'s pick) with today's figures and right-sized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanChange {
    /// What is planned, in words.
    pub basis: String,
    /// Services planned with right-sized figures.
    pub services_sized: usize,
    /// Where the demand comes from, before and after.
    pub demand_source_before: String,
    /// Same, right-sized.
    pub demand_source_after: String,
    /// Memory demanded before.
    pub demand_memory_before: MemFig,
    /// Memory demanded right-sized.
    pub demand_memory_after: MemFig,
    /// The pick before (none: nothing passes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<PickRow>,
    /// The pick right-sized.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<PickRow>,
    /// After minus before, in cents a month, when both have a price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monthly_change_cents: Option<i64>,
    /// The currency.
    pub currency: String,
    /// The answer in one sentence.
    pub summary: String,
}

/// The cluster's nodes with today's and with the right-sized requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterChange {
    /// kubeconfig context.
    pub context: String,
    /// Nodes that take workloads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodes: Option<u32>,
    /// Nodes needed now (none: the pods do not fit on them all, or not computed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needed_before: Option<u32>,
    /// Nodes needed right-sized.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needed_after: Option<u32>,
    /// Nodes right-sizing could free.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub freed: Option<u32>,
    /// The answer in one sentence.
    pub summary: String,
    /// How it was computed.
    pub explain: Vec<String>,
}

/// What right-sizing changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Changes {
    /// The plan before and after.
    pub plan: PlanChange,
    /// The cluster read, when one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterChange>,
}

fn pick_row(r: &crate::report::plan::RecommendReport) -> Option<PickRow> {
    r.pick.as_ref().map(|p| PickRow {
        name: p.name.clone(),
        nodes: p.nodes,
        monthly: p.monthly.clone(),
        monthly_cents: p.monthly_cents,
    })
}

fn nodes_text(n: usize) -> String {
    if n == 1 { "1 node".to_string() } else { format!("{n} nodes") }
}

impl Changes {
    /// The plan's picks before (`without`) and after (`with`) right-sizing; `sized`: services
    /// planned right-sized; `nodes`: the cluster read (its context) and its nodes needed.
    pub fn new(
        basis: PlanBasis,
        without: &crate::report::plan::RecommendReport,
        with: &crate::report::plan::RecommendReport,
        sized: usize,
        nodes: Option<(
            String,
            Result<crate::analysis::consolidation::NodesNeeded, crate::analysis::consolidation::NotComputed>,
        )>,
    ) -> Changes {
        let (before, after) = (pick_row(without), pick_row(with));
        let change = match (
            before.as_ref().and_then(|p| p.monthly_cents),
            after.as_ref().and_then(|p| p.monthly_cents),
        ) {
            (Some(a), Some(b)) => Some(clamp_i64(i128::from(b) - i128::from(a))),
            _ => None,
        };
        let cur = &with.currency;
        let at = |p: &PickRow| format!("{} ({}) at {}", p.name, nodes_text(p.nodes), p.monthly);
        let summary = match (&before, &after, change) {
            _ if sized == 0 => {
                "no service was right-sized (no workload matched one): the plan does not change".to_string()
            }
            (Some(b), Some(a), Some(d)) if d < 0 => format!(
                "right-size first and the stack fits on {}: {} a month less than {}",
                at(a),
                format_cents(d.unsigned_abs(), cur),
                at(b)
            ),
            (Some(b), Some(a), Some(d)) if d > 0 => format!(
                "right-sized, the stack needs {}: {} a month more than {} (the recommendations raise requests)",
                at(a),
                format_cents(d.unsigned_abs(), cur),
                at(b)
            ),
            (Some(b), Some(a), _) if a == b => {
                format!("the pick stays {}: right-sizing does not change what to buy", at(a))
            }
            (Some(b), Some(a), _) => format!("the pick changes from {} to {}", at(b), at(a)),
            (None, Some(a), _) => format!(
                "right-size first and the stack fits on {}; with today's figures nothing passes",
                at(a)
            ),
            (Some(b), None, _) => format!("right-sized, nothing passes (today: {})", at(b)),
            (None, None, _) => "nothing passes, right-sized or not".to_string(),
        };
        let plan = PlanChange {
            basis: match &basis {
                PlanBasis::Profile(name) => format!("profile {name}"),
                PlanBasis::Workloads => {
                    "the workloads read, each with its running pods at their current requests, no -p"
                        .to_string()
                }
            },
            services_sized: sized,
            demand_source_before: without.demand_source.clone(),
            demand_source_after: with.demand_source.clone(),
            demand_memory_before: without.demand_memory.clone(),
            demand_memory_after: with.demand_memory.clone(),
            before,
            after,
            monthly_change_cents: change,
            currency: cur.clone(),
            summary,
        };
        Changes { plan, cluster: nodes.map(|(context, n)| cluster_change(context, n)) }
    }
}

fn cluster_change(
    context: String,
    n: Result<crate::analysis::consolidation::NodesNeeded, crate::analysis::consolidation::NotComputed>,
) -> ClusterChange {
    use crate::analysis::consolidation::{MAX_PODS, NotComputed};
    let n = match n {
        Ok(n) => n,
        Err(why) => {
            let summary = match why {
                NotComputed::NotRead => {
                    "the nodes needed were not counted: the node or pod list was not read".to_string()
                }
                NotComputed::TooManyPods(p) => {
                    format!("the nodes needed were not counted: {p} pods, more than the {MAX_PODS} simulated")
                }
                NotComputed::NoWorkloadNode => {
                    "the nodes needed were not counted: no node takes workloads".to_string()
                }
            };
            return ClusterChange {
                context,
                nodes: None,
                needed_before: None,
                needed_after: None,
                freed: None,
                summary,
                explain: Vec::new(),
            };
        }
    };
    let need = |k: Option<u32>| k.map_or("more than all of them".to_string(), |k| k.to_string());
    let summary = match (n.before, n.after, n.freed()) {
        (_, Some(_), Some(f)) if f > 0 => format!(
            "on {context}: {} pod(s) need {} of the {} node(s) now and {} right-sized: {f} node(s) could be freed",
            n.pods,
            need(n.before),
            n.nodes,
            need(n.after)
        ),
        _ => format!(
            "on {context}: {} pod(s) need {} of the {} node(s) now and {} right-sized: no node is freed",
            n.pods,
            need(n.before),
            n.nodes,
            need(n.after)
        ),
    };
    let explain = vec![
        format!(
            "placed by their requests on the {} node(s) that take workloads ({} NotReady, cordoned or tainted left out), largest first, the fewest that hold every pod (as cluster-autoscaler's scale-down simulation)",
            n.nodes, n.excluded
        ),
        format!(
            "requests placed: memory {} -> {}, cpu {} -> {}; {} of the {} pod(s) right-sized",
            n.requests_before.mem.human(),
            n.requests_after.mem.human(),
            n.requests_before.cpu.human(),
            n.requests_after.cpu.human(),
            n.resized,
            n.pods
        ),
        format!(
            "{} DaemonSet pod(s) stay on every node (their requests taken from each); pods outside the scope stay on their node",
            n.daemon_pods
        ),
    ];
    ClusterChange {
        context,
        nodes: Some(n.nodes),
        needed_before: n.before,
        needed_after: n.after,
        freed: n.freed(),
        summary,
        explain,
    }
}

fn cpu(m: Option<Millicores>) -> Option<CpuFig> {
    m.map(CpuFig::from)
}

fn mem(b: Option<Bytes>) -> Option<MemFig> {
    b.map(MemFig::from)
}

fn micro(v: f64) -> String {
    format!("{:.2}m", v / 1000.0)
}

fn skip_text(what: &str, s: &Skip) -> String {
    match s {
        Skip::NoData => format!("{what}: no data"),
        Skip::NotEnoughData { points, required } => {
            format!("{what}: not enough data ({points} of {required} points)")
        }
        Skip::Hpa => format!("{what}: HPA-managed (kept; krr-simple needs --allow-hpa)"),
    }
}

/// The explain lines of a recommendation.
fn explain(r: &Recommendation) -> Vec<String> {
    let show_m = |m: Option<Millicores>| m.map_or("none".to_string(), |m| m.human());
    let show_b = |b: Option<Bytes>| b.map_or("none".to_string(), |b| b.human());
    match &r.basis {
        Basis::Krr { cpu_p95_micro, memory_max, cpu_points, memory_points } => vec![
            format!(
                "cpu request {} = the largest pod 95th percentile {} ({cpu_points} points), rounded up to a millicore, at least 10m; no cpu limit",
                show_m(r.cpu_request),
                cpu_p95_micro.map_or("none".into(), micro)
            ),
            format!(
                "memory request = limit {} = the largest peak {} x 1.15, rounded up to a MiB, at least 100Mi ({memory_points} points)",
                show_b(r.memory_request),
                show_b(*memory_max)
            ),
        ],
        Basis::Vpa {
            cpu_percentile_cores,
            memory_percentile_bytes,
            confidence_days,
            cpu_upper,
            memory_upper,
            memory_peaks,
            oom_kills,
        } => vec![
            format!(
                "cpu request {} = the decaying histogram's 0.9 percentile {:.4} cores (a bucket's upper edge) x 1.15, truncated to a millicore; upper bound {} ({confidence_days:.2} days of history)",
                show_m(r.cpu_request),
                cpu_percentile_cores,
                cpu_upper.human()
            ),
            format!(
                "memory request {} = the 0.9 percentile of {memory_peaks} daily peak(s) ({oom_kills} from OOM kills) {} x 1.15; upper bound {}",
                show_b(r.memory_request),
                Bytes(*memory_percentile_bytes as u64).human(),
                memory_upper.human()
            ),
        ],
        Basis::Bizo {
            generation_pods,
            pod_days,
            memory_peak,
            memory_trend,
            oom_limit,
            memory_by_usage,
            memory_by_oom,
            cpu_p95_micro,
        } => {
            let usage = format!(
                "{} x 1.10 = {} (largest daily peak {}{}, {pod_days} pod-day(s) of {generation_pods} pod(s) of the newest generation)",
                show_b((*memory_peak).max(*memory_trend)),
                show_b(*memory_by_usage),
                show_b(*memory_peak),
                memory_trend.map_or(String::new(), |t| format!(", climbing: {} in 7 days", t.human())),
            );
            let memory = match (oom_limit, memory_by_oom) {
                (Some(l), Some(o)) if Some(*o) > *memory_by_usage => format!(
                    "memory request {} = the {} limit it was OOM-killed at x 1.2 = {}, rounded up to a MiB (above the usage rule: {usage}); limit {} = request x 1.25",
                    show_b(r.memory_request),
                    l.human(),
                    o.human(),
                    show_b(r.memory_limit)
                ),
                _ => format!(
                    "memory request {} = {usage}, rounded up to a MiB{}; limit {} = request x 1.25",
                    show_b(r.memory_request),
                    oom_limit.map_or(String::new(), |l| format!(
                        " (above an OOM kill's {} limit x 1.2)",
                        l.human()
                    )),
                    show_b(r.memory_limit)
                ),
            };
            let mut v = vec![memory];
            v.push(format!(
                "cpu request {} = the largest daily 95th percentile {} x 1.10, at least 10m; no cpu limit",
                show_m(r.cpu_request),
                cpu_p95_micro.map_or("none".into(), |v| micro(v as f64))
            ));
            v
        }
    }
}

/// Inputs of the report's constructor.
pub struct Inputs<'a> {
    /// The strategy.
    pub strategy: Strategy,
    /// The workloads read.
    pub workloads: &'a [WorkloadUsage],
    /// One recommendation per container, in the workloads' order.
    pub recommendations: &'a [Recommendation],
    /// One observation per container.
    pub observed: &'a [Observed],
    /// The profile service of each workload, if any.
    pub services: &'a [Option<String>],
    /// Requests before and after.
    pub totals: Totals,
    /// `Prometheus at URL`, window, step, end.
    pub source: String,
    /// `--window`.
    pub window: String,
    /// `--step`.
    pub step: String,
    /// End of the window, RFC 3339.
    pub at: String,
    /// Warnings of the read.
    pub warnings: Vec<String>,
    /// The read.
    pub read: ReadSummary,
}

fn resources_row(r: &crate::model::usage::Resources) -> ResourcesRow {
    ResourcesRow {
        cpu_request: cpu(r.cpu_request),
        cpu_limit: cpu(r.cpu_limit),
        memory_request: mem(r.memory_request),
        memory_limit: mem(r.memory_limit),
    }
}

fn clamp_i64(v: i128) -> i64 {
    v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

impl RightsizeReport {
    /// Builds the report.
    pub fn new(i: Inputs<'_>) -> RightsizeReport {
        let mut rows = Vec::new();
        let mut k = 0;
        for (w, service) in i.workloads.iter().zip(i.services) {
            for c in &w.containers {
                let (Some(r), Some(o)) = (i.recommendations.get(k), i.observed.get(k)) else { break };
                k += 1;
                rows.push(row(w, c, r, o, service.clone()));
            }
        }
        let t = i.totals;
        let as_u64 = |v: u128| u64::try_from(v).unwrap_or(u64::MAX);
        RightsizeReport {
            strategy: i.strategy.name(),
            rule: rule(i.strategy),
            source: i.source,
            window: i.window,
            step: i.step,
            at: i.at,
            containers: rows,
            totals: TotalsRow {
                memory_before: MemFig { bytes: as_u64(t.memory_before) },
                memory_after: MemFig { bytes: as_u64(t.memory_after) },
                memory_change: SignedMemFig::from(t.memory_after as i128 - t.memory_before as i128),
                cpu_before: CpuFig { millicores: as_u64(t.cpu_before) },
                cpu_after: CpuFig { millicores: as_u64(t.cpu_after) },
                cpu_change_millicores: clamp_i64(t.cpu_after as i128 - t.cpu_before as i128),
            },
            backtest: None,
            changes: None,
            warnings: i.warnings,
            notes: Vec::new(),
            read: i.read,
        }
    }

    /// Adds what it changes.
    pub fn with_changes(mut self, c: Changes) -> Self {
        self.changes = Some(c);
        self
    }

    /// Adds the backtest section.
    pub fn with_backtest(
        mut self,
        train: &str,
        test: &str,
        split: String,
        scores: &[(Strategy, Score)],
    ) -> Self {
        let pct = |n: u64, d: u64| PctFig::from(Ratio::of(n, d).unwrap_or_default());
        self.backtest = Some(BacktestReport {
            train: train.to_string(),
            test: test.to_string(),
            split,
            rows: scores
                .iter()
                .map(|(s, x)| BacktestRow {
                    strategy: s.name(),
                    container_days: x.container_days,
                    under: x.under,
                    under_share: pct(x.under, x.container_days),
                    under_memory: x.under_memory,
                    under_cpu: x.under_cpu,
                    oom: x.oom,
                    throttled: x.throttled,
                    median_slack_memory: PctFig::from(Ratio(x.median_slack_memory)),
                    median_slack_cpu: PctFig::from(Ratio(x.median_slack_cpu)),
                })
                .collect(),
            rule: "recommended from the training window, scored on the test window per container-day (one pod's container over one UTC day): under-provisioned when the day's memory peak or cpu 95th percentile is above the request (above the memory limit: OOM-killed; above the cpu limit: throttled); a day OOM-killed, or throttled on at least 1% of a step's CFS periods, at the current limit counts as both unless the recommendation raises that limit (or drops the cpu limit); slack = (request - usage) / request".into(),
        });
        self
    }
}

fn row(
    w: &WorkloadUsage,
    c: &ContainerUsage,
    r: &Recommendation,
    o: &Observed,
    service: Option<String>,
) -> ContainerRow {
    let cur = c.current;
    let rec = crate::analysis::rightsize::applied(r, c);
    let mut skipped = Vec::new();
    if let Some(s) = &r.cpu_skip {
        skipped.push(skip_text("cpu", s));
    }
    if let Some(s) = &r.memory_skip {
        skipped.push(skip_text("memory", s));
    }
    ContainerRow {
        namespace: w.namespace.clone(),
        workload: w.workload.clone(),
        container: c.name.clone(),
        service,
        hpa: w.hpa,
        pods: o.pods,
        running: o.running,
        current: resources_row(&cur),
        observed: ObservedRow {
            memory_peak: mem(o.memory_peak),
            memory_p95: mem(o.memory_p95),
            cpu_p95: cpu(o.cpu_p95),
            cpu_peak: cpu(o.cpu_peak),
            oom_kills: o.oom_kills,
            cpu_throttled: o.cpu_throttled.map(PctFig::from),
            points: o.points,
        },
        recommended: resources_row(&rec),
        memory_change: match (cur.memory_request, rec.memory_request) {
            (Some(a), Some(b)) => Some(SignedMemFig::from(i128::from(b.0) - i128::from(a.0))),
            _ => None,
        },
        skipped,
        explain: explain(r),
        basis: r.basis.clone(),
    }
}
