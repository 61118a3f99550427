//! Right-sizing (issue 14): per container, requests and limits recommended from its usage
//! history by a named strategy, and a backtest that scores a strategy's recommendations from
//! one window on the next.
//!
//! Three strategies, each figure with the numbers it came from ([`Basis`]):
//!
//! - **`krr-simple`**, Robusta KRR's `simple` strategy (robusta-dev/krr at d6baa74,
//!   `robusta_krr/strategies/simple.py`, `core/runner.py` `_round_value`, `core/models/config.py`):
//!   cpu request = the largest of the pods' 95th percentiles (Prometheus' `quantile_over_time`),
//!   no cpu limit; memory request = limit = the largest pod's maximum working set x 1.15; cpu
//!   rounded up to a millicore and at least 10m, memory rounded up to a MiB and at least 100Mi;
//!   fewer than 100 points, or an HPA (unless allowed): no recommendation.
//! - **`vpa`**, the Kubernetes VPA recommender's target (kubernetes/autoscaler at 55c37cd,
//!   `vertical-pod-autoscaler/pkg/recommender/`: `util/histogram*.go`, `util/decaying_histogram.go`,
//!   `model/aggregate_container_state.go`, `model/container.go`, `logic/recommender.go`,
//!   `logic/estimator.go`): the 0.9 percentile of a decaying histogram (5% exponential buckets,
//!   24 h half-life; cpu samples weighted 0.1, memory one peak per 24 h window from the first
//!   sample), x 1.15, at least 25m and 250Mi split equally among the pod's containers; an OOM kill
//!   adds a peak of max(used + 100Mi, used x 1.2). Its upper bound (x (1 + 1/days of history)) is
//!   given alongside. VPA sets requests only; limits keep their ratio to the requests, so this
//!   strategy scales the current limits by the same factor.
//! - **`bizo`** (the default): from the newest pod generation (a new ReplicaSet starts a new
//!   one), per pod and UTC day the memory peak and the cpu 95th percentile, over the last 7 days
//!   of the window; memory request = the largest daily peak (or, when the peaks climb, the last
//!   one extrapolated over the next 7 days by least squares, whichever is larger) x 1.10, rounded
//!   up to a MiB; memory limit = request x 1.25; an OOM kill in the window raises the request to
//!   at least the limit it was killed at x 1.2; cpu request = the largest daily 95th percentile x
//!   1.10, at least 10m, no cpu limit; an HPA-managed workload keeps its cpu request (the
//!   autoscaler's target is relative to it).
//!
//! The backtest scores per container-day (one pod's container over one UTC day): the day's
//! memory peak and cpu 95th percentile against the recommended request. Above it is
//! under-provisioned; a memory peak above the memory limit would have been OOM-killed, a cpu
//! percentile above the cpu limit throttled. A day with an OOM kill recorded (at the current
//! limit, beyond which the working set cannot show) counts as under-provisioned and OOM-killed
//! unless the recommended limit is above the current one; a day throttled at least 1% of a
//! step's CFS periods (at the current cpu limit, beyond which usage cannot show) counts as
//! under-provisioned and throttled unless the recommendation removes the cpu limit or raises
//! it. Slack is (request - usage) / request when usage is below the request.
//!
//! Floating point appears only where the reference algorithms use it (percentile interpolation,
//! the histogram's weights and bucket edges); every recommended figure is a whole millicore or
//! byte, rounded as the reference does.

use std::collections::BTreeMap;

use crate::model::quantity::{Bytes, Millicores};
use crate::model::usage::{ContainerUsage, DAY_MS, MICRO_PER_MILLI, Point, WorkloadUsage, by_day};

/// A MiB.
const MIB: u64 = 1 << 20;
/// A 24-hour half-life, in milliseconds.
const HALF_LIFE_MS: f64 = 86_400_000.0;

/// A right-sizing strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// bizo-plan's own (the default).
    Bizo,
    /// Robusta KRR's `simple`.
    KrrSimple,
    /// The VPA recommender's target.
    Vpa,
}

impl Strategy {
    /// All strategies, the default first.
    pub const ALL: [Strategy; 3] = [Strategy::Bizo, Strategy::KrrSimple, Strategy::Vpa];

    /// Its name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Bizo => "bizo",
            Strategy::KrrSimple => "krr-simple",
            Strategy::Vpa => "vpa",
        }
    }

    /// The strategy of a name.
    pub fn parse(s: &str) -> Result<Strategy, String> {
        Strategy::ALL
            .into_iter()
            .find(|x| x.name() == s)
            .ok_or_else(|| format!("{s:?}: expected one of bizo, krr-simple, vpa"))
    }
}

/// Settings shared by the strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Recommend for HPA-managed workloads too (KRR's `--allow-hpa`).
    pub allow_hpa: bool,
    /// The end of the history window (unix ms): "the last 7 days" end here.
    pub at_ms: i64,
}

/// Why a strategy gives no figure for a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "reason")]
pub enum Skip {
    /// No samples at all.
    NoData,
    /// Fewer samples than the strategy needs.
    NotEnoughData {
        /// Samples there are.
        points: u64,
        /// Samples needed.
        required: u64,
    },
    /// A HorizontalPodAutoscaler scales the workload.
    Hpa,
}

/// What a figure was computed from (for `--explain`). Values in the units of the
/// reference: microcores for cpu, bytes for memory.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "strategy")]
pub enum Basis {
    /// krr-simple.
    #[serde(rename = "krr-simple")]
    Krr {
        /// The largest per-pod 95th percentile of the cpu rate, microcores (before rounding).
        cpu_p95_micro: Option<f64>,
        /// The largest per-pod maximum working set.
        memory_max: Option<Bytes>,
        /// Cpu samples over all pods.
        cpu_points: u64,
        /// Memory samples over all pods.
        memory_points: u64,
    },
    /// vpa.
    #[serde(rename = "vpa")]
    Vpa {
        /// The histogram's 0.9 percentile of cpu, cores.
        cpu_percentile_cores: f64,
        /// The histogram's 0.9 percentile of the memory peaks, bytes.
        memory_percentile_bytes: f64,
        /// Days of history (VPA's confidence).
        confidence_days: f64,
        /// Upper bound of cpu (target x (1 + 1/days)).
        cpu_upper: Millicores,
        /// Upper bound of memory.
        memory_upper: Bytes,
        /// Memory peaks in the histogram (24 h windows), OOM bumps included.
        memory_peaks: u64,
        /// OOM kills that added a peak.
        oom_kills: u64,
    },
    /// bizo.
    #[serde(rename = "bizo")]
    Bizo {
        /// Pods of the generation the figures come from.
        generation_pods: u64,
        /// Pod-days read.
        pod_days: u64,
        /// The largest daily memory peak.
        memory_peak: Option<Bytes>,
        /// The last day's peak extrapolated 7 days on (when the peaks climb).
        memory_trend: Option<Bytes>,
        /// The memory limit an OOM kill happened at (raises the request to x 1.2).
        oom_limit: Option<Bytes>,
        /// The usage rule's memory: the larger of peak and trend x 1.10 (before rounding).
        memory_by_usage: Option<Bytes>,
        /// The OOM rule's memory: the OOM limit x 1.2.
        memory_by_oom: Option<Bytes>,
        /// The largest daily 95th percentile of cpu, microcores.
        cpu_p95_micro: Option<u64>,
    },
}

/// One container's recommendation by one strategy.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendation {
    /// The strategy.
    pub strategy: Strategy,
    /// cpu request (`None` with `cpu_skip`).
    pub cpu_request: Option<Millicores>,
    /// cpu limit (`None`: none set).
    pub cpu_limit: Option<Millicores>,
    /// memory request.
    pub memory_request: Option<Bytes>,
    /// memory limit.
    pub memory_limit: Option<Bytes>,
    /// Why there is no cpu figure.
    pub cpu_skip: Option<Skip>,
    /// Why there is no memory figure.
    pub memory_skip: Option<Skip>,
    /// The figures' inputs.
    pub basis: Basis,
}

/// `q`-quantile of values, as Prometheus' `quantile_over_time` (rank `q (n - 1)`, linear
/// interpolation between neighbours); `None` for no values.
pub fn prom_quantile(values: &mut [u64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = q * (values.len() - 1) as f64;
    let lo = rank.floor() as usize;
    let hi = (lo + 1).min(values.len() - 1);
    let w = rank - lo as f64;
    Some(values[lo] as f64 * (1.0 - w) + values[hi] as f64 * w)
}

/// `ceil(x)` of a non-negative finite float as an integer (0 for NaN or negatives).
fn ceil_u64(x: f64) -> u64 {
    if x.is_finite() && x > 0.0 { x.ceil().min(u64::MAX as f64) as u64 } else { 0 }
}

/// `trunc(x)` as Go's int64 conversion of VPA's `ResourceAmount`, capped at its 1e14.
fn trunc_amount(x: f64) -> u64 {
    if x.is_finite() && x > 0.0 { x.min(1e14) as u64 } else { 0 }
}

/// Bytes rounded up to a whole MiB.
fn ceil_mib(b: u64) -> u64 {
    b.div_ceil(MIB).saturating_mul(MIB)
}

/// Recommendations for every container of a workload.
pub fn recommend(strategy: Strategy, w: &WorkloadUsage, s: &Settings) -> Vec<Recommendation> {
    let n = w.containers.len().max(1) as u64;
    w.containers
        .iter()
        .map(|c| match strategy {
            Strategy::KrrSimple => krr_simple(c, w.hpa && !s.allow_hpa),
            Strategy::Vpa => vpa(c, n),
            Strategy::Bizo => bizo(c, w.hpa, s.at_ms),
        })
        .collect()
}

/// KRR `simple`: settings of `SimpleStrategySettings` and `config.py`.
const KRR_CPU_PERCENTILE: f64 = 0.95;
const KRR_MEMORY_BUFFER_PCT: u64 = 15;
const KRR_POINTS_REQUIRED: u64 = 100;
const KRR_CPU_MIN_MILLI: u64 = 10;
const KRR_MEMORY_MIN: u64 = 100 * MIB;

fn krr_simple(c: &ContainerUsage, hpa_blocked: bool) -> Recommendation {
    let cpu_points: u64 = c.pods.iter().map(|p| p.cpu.len() as u64).sum();
    let memory_points: u64 = c.pods.iter().map(|p| p.memory.len() as u64).sum();
    let cpu_p95 = c
        .pods
        .iter()
        .filter_map(|p| prom_quantile(&mut p.cpu.iter().map(|x| x.1).collect::<Vec<_>>(), KRR_CPU_PERCENTILE))
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
    let memory_max = c.memory_samples().map(|p| p.1).max();
    let skip = |points: u64| {
        if points == 0 {
            Some(Skip::NoData)
        } else if points < KRR_POINTS_REQUIRED {
            Some(Skip::NotEnoughData { points, required: KRR_POINTS_REQUIRED })
        } else if hpa_blocked {
            Some(Skip::Hpa)
        } else {
            None
        }
    };
    let cpu_skip = skip(cpu_points);
    let memory_skip = skip(memory_points);
    // cores -> ceil to a millicore: ceil(v x 1000) / 1000, in microcores: ceil(micro / 1000).
    let cpu = cpu_p95
        .filter(|_| cpu_skip.is_none())
        .map(|v| Millicores(ceil_u64(v / MICRO_PER_MILLI as f64).max(KRR_CPU_MIN_MILLI)));
    let memory = memory_max.filter(|_| memory_skip.is_none()).map(|m| {
        // m x (1 + 15/100) in floating point as KRR, then ceil to a MiB.
        let buffered = m as f64 * (1.0 + KRR_MEMORY_BUFFER_PCT as f64 / 100.0);
        Bytes(ceil_mib(ceil_u64(buffered)).max(KRR_MEMORY_MIN))
    });
    Recommendation {
        strategy: Strategy::KrrSimple,
        cpu_request: cpu,
        cpu_limit: None,
        memory_request: memory,
        memory_limit: memory,
        cpu_skip,
        memory_skip,
        basis: Basis::Krr {
            cpu_p95_micro: cpu_p95,
            memory_max: memory_max.map(Bytes),
            cpu_points,
            memory_points,
        },
    }
}

/// VPA's exponential histogram options (`histogram_options.go`).
#[derive(Debug, Clone, Copy)]
struct Buckets {
    first: f64,
    ratio: f64,
    count: usize,
}

impl Buckets {
    fn new(max: f64, first: f64, ratio: f64) -> Buckets {
        let count = ((max * (ratio - 1.0) / first + 1.0).ln() / ratio.ln()).ceil() as usize + 1;
        Buckets { first, ratio, count }
    }

    fn find(&self, v: f64) -> usize {
        if v < self.first {
            return 0;
        }
        let b = ((v * (self.ratio - 1.0) / self.first + 1.0).ln() / self.ratio.ln()) as usize;
        b.min(self.count - 1)
    }

    fn start(&self, b: usize) -> f64 {
        if b == 0 { 0.0 } else { self.first * (self.ratio.powi(b as i32) - 1.0) / (self.ratio - 1.0) }
    }
}

/// VPA's histogram epsilon (`aggregations_config.go`: 0.001 x 0.1).
const VPA_EPSILON: f64 = 1e-4;

/// A decaying histogram (`decaying_histogram.go`): weights x 2^((t - ref) / half-life); `ref`
/// is the first sample's time rounded down to a half-life, which only scales every weight
/// alike (VPA moves it when exponents grow large; percentiles do not change).
struct Decaying {
    b: Buckets,
    weights: Vec<f64>,
    total: f64,
    reference: Option<f64>,
}

impl Decaying {
    fn new(b: Buckets) -> Decaying {
        Decaying { b, weights: vec![0.0; b.count], total: 0.0, reference: None }
    }

    fn add(&mut self, v: f64, weight: f64, t_ms: i64) {
        let r = *self.reference.get_or_insert_with(|| (t_ms as f64 / HALF_LIFE_MS).floor() * HALF_LIFE_MS);
        let w = weight * 2f64.powf((t_ms as f64 - r) / HALF_LIFE_MS);
        let i = self.b.find(v);
        self.weights[i] += w;
        self.total += w;
    }

    /// `histogram.go` `Percentile`: the upper edge of the bucket where the running weight
    /// reaches `p` of the total (the last bucket's start for the last); 0 when empty.
    fn percentile(&self, p: f64) -> f64 {
        let nonzero: Vec<usize> = (0..self.b.count).filter(|i| self.weights[*i] >= VPA_EPSILON).collect();
        let (Some(&min), Some(&max)) = (nonzero.first(), nonzero.last()) else {
            return 0.0;
        };
        let threshold = p * self.total;
        let mut sum = 0.0;
        let mut bucket = min;
        while bucket < max {
            sum += self.weights[bucket];
            if sum >= threshold {
                break;
            }
            bucket += 1;
        }
        if bucket < self.b.count - 1 { self.b.start(bucket + 1) } else { self.b.start(bucket) }
    }
}

const VPA_TARGET_PERCENTILE: f64 = 0.9;
const VPA_SAFETY_MARGIN: f64 = 0.15;
const VPA_CPU_SAMPLE_WEIGHT: f64 = 0.1;
const VPA_POD_MIN_CPU_MILLI: f64 = 25.0;
const VPA_POD_MIN_MEMORY: f64 = 250.0 * MIB as f64;
const VPA_OOM_RATIO: f64 = 1.2;
const VPA_OOM_MIN_BUMP: u64 = 100 * MIB;

/// One container's memory peaks in VPA's 24 h windows (`container.go` `addMemorySample`),
/// OOM kills folded in as `RecordOOM` does. Returns (peak, window end) pairs and the kills used.
fn vpa_memory_peaks(c: &ContainerUsage) -> (Vec<(u64, i64)>, u64) {
    let mut out = Vec::new();
    let mut kills = 0;
    let request = c.current.memory_request.map_or(0, |b| b.0);
    for p in &c.pods {
        // Samples and OOM events in time order (an OOM at the same time as a sample comes after it).
        let mut events: Vec<(i64, Option<u64>)> = p.memory.iter().map(|(t, v)| (*t, Some(*v))).collect();
        events.extend(p.oom_kills.iter().map(|t| (*t, None)));
        events.sort_by_key(|e| (e.0, e.1.is_none()));
        let mut window_end: Option<i64> = None;
        // The window's usage peak (what an OOM bumps from) and its largest sample, OOM bumps included.
        let (mut peak, mut window_max) = (0u64, 0u64);
        let mut last_start = i64::MIN;
        let mut cur: Option<usize> = None;
        for (t, v) in events {
            let (usage, oom) = match v {
                Some(v) => (v, false),
                None => {
                    let used = request.max(peak);
                    (
                        used.saturating_add(VPA_OOM_MIN_BUMP).max(trunc_amount(used as f64 * VPA_OOM_RATIO)),
                        true,
                    )
                }
            };
            if !oom && t < last_start {
                continue;
            }
            last_start = t;
            let end = *window_end.get_or_insert(t);
            if t < end {
                if usage > window_max {
                    if let Some(i) = cur {
                        out[i] = (usage, end);
                    }
                    window_max = usage;
                }
            } else {
                let shift = (t - end) / DAY_MS * DAY_MS + DAY_MS;
                let end = end + shift;
                window_end = Some(end);
                out.push((usage, end));
                cur = Some(out.len() - 1);
                window_max = usage;
                peak = 0;
            }
            if !oom {
                peak = peak.max(usage);
            }
            if oom {
                kills += 1;
            }
        }
    }
    (out, kills)
}

fn vpa(c: &ContainerUsage, containers: u64) -> Recommendation {
    let cpu_b = Buckets::new(1000.0, 0.01, 1.05);
    let mem_b = Buckets::new(1e12, 1e7, 1.05);
    let mut cpu_h = Decaying::new(cpu_b);
    let mut samples = 0u64;
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    for (t, v) in c.cpu_samples() {
        cpu_h.add(*v as f64 / 1e6, VPA_CPU_SAMPLE_WEIGHT, *t);
        samples += 1;
        first = first.min(*t);
        last = last.max(*t);
    }
    let mut mem_h = Decaying::new(mem_b);
    let (peaks, oom_kills) = vpa_memory_peaks(c);
    // Peaks enter in window order across pods: the reference is the earliest window's.
    let mut ordered = peaks.clone();
    ordered.sort_by_key(|p| p.1);
    for (v, end) in &ordered {
        mem_h.add(*v as f64, 1.0, *end);
    }
    let confidence = if samples == 0 {
        0.0
    } else {
        ((last - first) as f64 / DAY_MS as f64).min(samples as f64 / (60.0 * 24.0))
    };
    let cpu_p = cpu_h.percentile(VPA_TARGET_PERCENTILE);
    let mem_p = mem_h.percentile(VPA_TARGET_PERCENTILE);
    // Go: CPUAmountFromCores truncates cores x 1000; ScaleResource truncates after the margin.
    let cpu_est = trunc_amount(trunc_amount(cpu_p * 1000.0) as f64 * (1.0 + VPA_SAFETY_MARGIN));
    let mem_est = trunc_amount(trunc_amount(mem_p) as f64 * (1.0 + VPA_SAFETY_MARGIN));
    let cpu_min = trunc_amount(VPA_POD_MIN_CPU_MILLI / 1000.0 / containers as f64 * 1000.0);
    let mem_min = trunc_amount(VPA_POD_MIN_MEMORY / containers as f64);
    let upper = |est: u64| {
        if confidence > 0.0 {
            trunc_amount(est as f64 * (1.0 + 1.0 / confidence))
        } else {
            100_000_000_000_000
        }
    };
    let cpu = (samples > 0).then(|| cpu_est.max(cpu_min));
    let memory = (!ordered.is_empty()).then(|| mem_est.max(mem_min));
    // VPA keeps each limit's ratio to its request.
    let scale = |limit: Option<u64>, old: Option<u64>, new: Option<u64>| match (limit, old, new) {
        (Some(l), Some(o), Some(n)) if o > 0 => {
            Some(u64::try_from((u128::from(l) * u128::from(n)).div_ceil(u128::from(o))).unwrap_or(u64::MAX))
        }
        _ => None,
    };
    let cur = c.current;
    Recommendation {
        strategy: Strategy::Vpa,
        cpu_request: cpu.map(Millicores),
        cpu_limit: scale(cur.cpu_limit.map(|m| m.0), cur.cpu_request.map(|m| m.0), cpu).map(Millicores),
        memory_request: memory.map(Bytes),
        memory_limit: scale(cur.memory_limit.map(|b| b.0), cur.memory_request.map(|b| b.0), memory)
            .map(Bytes),
        cpu_skip: (samples == 0).then_some(Skip::NoData),
        memory_skip: ordered.is_empty().then_some(Skip::NoData),
        basis: Basis::Vpa {
            cpu_percentile_cores: cpu_p,
            memory_percentile_bytes: mem_p,
            confidence_days: confidence,
            cpu_upper: Millicores(upper(cpu.unwrap_or(0)).max(cpu_min)),
            memory_upper: Bytes(upper(memory.unwrap_or(0)).max(mem_min)),
            memory_peaks: ordered.len() as u64,
            oom_kills,
        },
    }
}

/// The ReplicaSet part of a pod name (`api-7d9f8b6c5-x2k4q` -> `api-7d9f8b6c5`): pods of one
/// generation share it.
fn generation(pod: &str) -> &str {
    pod.rsplit_once('-').map_or(pod, |(g, _)| g)
}

const BIZO_DAYS: i64 = 7;
const BIZO_MEMORY_MARGIN_PCT: u64 = 10;
const BIZO_CPU_MARGIN_PCT: u64 = 10;
const BIZO_LIMIT_PCT: u64 = 125;
const BIZO_CPU_MIN_MILLI: u64 = 10;
const BIZO_MEMORY_MIN: u64 = 16 * MIB;

/// The least-squares line through (day, value) points, evaluated at `x`; `None` for fewer than
/// three points or a slope not above zero.
fn climbing_fit(points: &[(i64, u64)], x: i64) -> Option<u64> {
    if points.len() < 3 {
        return None;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0 as f64).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1 as f64).sum::<f64>() / n;
    let sxy: f64 = points.iter().map(|p| (p.0 as f64 - mx) * (p.1 as f64 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 as f64 - mx).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    // Climbing: the line rises over the points by at least 1% of their mean (less is noise).
    if slope <= 0.0 || slope * (n - 1.0) < 0.01 * my {
        return None;
    }
    Some(ceil_u64(my + slope * (x as f64 - mx)))
}

fn bizo(c: &ContainerUsage, hpa: bool, at_ms: i64) -> Recommendation {
    // The newest generation: the one whose first sample is latest, if it has a day of data.
    let mut gens: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for p in &c.pods {
        if let Some((a, b)) = p.span() {
            let e = gens.entry(generation(&p.pod)).or_insert((a, b));
            e.0 = e.0.min(a);
            e.1 = e.1.max(b);
        }
    }
    let newest =
        gens.iter().max_by_key(|(_, (a, _))| *a).filter(|(_, (a, b))| b - a >= DAY_MS).map(|(g, _)| *g);
    let from = at_ms - BIZO_DAYS * DAY_MS;
    let pods: Vec<_> = c.pods.iter().filter(|p| newest.is_none_or(|g| generation(&p.pod) == g)).collect();
    let recent = |s: &[Point]| s.iter().copied().filter(|p| p.0 >= from && p.0 < at_ms).collect::<Vec<_>>();
    let mut pod_days = 0u64;
    let mut mem_peak: Option<u64> = None;
    let mut cpu_p95: Option<u64> = None;
    // The day's largest peak over the pods, for the trend.
    let mut daily_peak: BTreeMap<i64, u64> = BTreeMap::new();
    for p in &pods {
        let m = by_day(&recent(&p.memory));
        for (d, v) in &m {
            let peak = v.iter().copied().max().unwrap_or(0);
            mem_peak = Some(mem_peak.map_or(peak, |x| x.max(peak)));
            let e = daily_peak.entry(*d).or_insert(0);
            *e = (*e).max(peak);
        }
        let cd = by_day(&recent(&p.cpu));
        for mut v in cd.into_values() {
            if let Some(q) = prom_quantile(&mut v, 0.95) {
                let q = ceil_u64(q);
                cpu_p95 = Some(cpu_p95.map_or(q, |x| x.max(q)));
            }
        }
        pod_days += m.len() as u64;
    }
    let points: Vec<(i64, u64)> = daily_peak.into_iter().collect();
    let horizon_day = (at_ms - 1).div_euclid(DAY_MS) + BIZO_DAYS;
    let trend = climbing_fit(&points, horizon_day);
    let oom_limit = if pods.iter().any(|p| p.oom_kills.iter().any(|t| *t >= from)) {
        c.current.memory_limit
    } else {
        None
    };
    let margin = |v: u64, pct: u64| {
        u64::try_from((u128::from(v) * u128::from(100 + pct)).div_ceil(100)).unwrap_or(u64::MAX)
    };
    let by_usage = mem_peak.map(|peak| margin(peak.max(trend.unwrap_or(0)), BIZO_MEMORY_MARGIN_PCT));
    let by_oom = oom_limit.map(|l| u64::try_from(u128::from(l.0) * 12 / 10).unwrap_or(u64::MAX));
    let memory = by_usage.map(|u| ceil_mib(u.max(by_oom.unwrap_or(0))).max(BIZO_MEMORY_MIN));
    let limit = memory.map(|m| {
        ceil_mib(u64::try_from(u128::from(m) * u128::from(BIZO_LIMIT_PCT) / 100).unwrap_or(u64::MAX))
    });
    let cpu = if hpa {
        c.current.cpu_request
    } else {
        cpu_p95.map(|q| {
            Millicores(margin(q, BIZO_CPU_MARGIN_PCT).div_ceil(MICRO_PER_MILLI).max(BIZO_CPU_MIN_MILLI))
        })
    };
    Recommendation {
        strategy: Strategy::Bizo,
        cpu_request: cpu,
        cpu_limit: None,
        memory_request: memory.map(Bytes),
        memory_limit: limit.map(Bytes),
        cpu_skip: if hpa && cpu.is_none() {
            Some(Skip::Hpa)
        } else {
            cpu_p95.is_none().then_some(Skip::NoData)
        },
        memory_skip: mem_peak.is_none().then_some(Skip::NoData),
        basis: Basis::Bizo {
            generation_pods: pods.len() as u64,
            pod_days,
            memory_peak: mem_peak.map(Bytes),
            memory_trend: trend.map(Bytes),
            oom_limit,
            memory_by_usage: by_usage.map(Bytes),
            memory_by_oom: by_oom.map(Bytes),
            cpu_p95_micro: cpu_p95,
        },
    }
}

/// What a container did over the window (the report's "observed" columns).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    /// Pods seen.
    pub pods: u64,
    /// Pods with a sample in the window's last two steps (running at its end).
    pub running: u64,
    /// The largest working set of any pod.
    pub memory_peak: Option<Bytes>,
    /// The 95th percentile of every pod's working-set samples together.
    pub memory_p95: Option<Bytes>,
    /// The 95th percentile of every pod's cpu samples together, millicores rounded up.
    pub cpu_p95: Option<Millicores>,
    /// The largest cpu sample, millicores rounded up.
    pub cpu_peak: Option<Millicores>,
    /// OOM kills.
    pub oom_kills: u64,
    /// The largest share of a step's CFS periods throttled (where the history has it).
    pub cpu_throttled: Option<crate::model::ratio::Ratio>,
    /// Samples of both series.
    pub points: u64,
}

/// What `c` did over its samples; "running" is having a sample at or after `at - 2 x step`.
pub fn observe(c: &ContainerUsage, at_ms: i64, step_ms: i64) -> Observed {
    let mut mem: Vec<u64> = c.memory_samples().map(|p| p.1).collect();
    let mut cpu: Vec<u64> = c.cpu_samples().map(|p| p.1).collect();
    let running =
        c.pods.iter().filter(|p| p.span().is_some_and(|(_, last)| last >= at_ms - 2 * step_ms)).count();
    Observed {
        pods: c.pods.len() as u64,
        running: running as u64,
        memory_peak: mem.iter().copied().max().map(Bytes),
        memory_p95: prom_quantile(&mut mem, 0.95).map(|v| Bytes(ceil_u64(v))),
        cpu_p95: prom_quantile(&mut cpu, 0.95).map(|v| Millicores(ceil_u64(v / MICRO_PER_MILLI as f64))),
        cpu_peak: cpu.iter().copied().max().map(|v| Millicores(v.div_ceil(MICRO_PER_MILLI))),
        oom_kills: c.pods.iter().map(|p| p.oom_kills.len() as u64).sum(),
        cpu_throttled: c
            .pods
            .iter()
            .flat_map(|p| p.throttled.iter().map(|x| x.1))
            .max()
            .map(crate::model::ratio::Ratio),
        points: (mem.len() + cpu.len()) as u64,
    }
}

/// Requests summed over the pods running at the window's end, now and right-sized.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Memory requested now.
    pub memory_before: u128,
    /// Memory requested with the recommendations (the current request where there is none).
    pub memory_after: u128,
    /// cpu requested now, millicores.
    pub cpu_before: u128,
    /// cpu requested with the recommendations, millicores.
    pub cpu_after: u128,
}

/// The totals of `(container, its recommendation, pods running)`.
pub fn totals(rows: &[(&ContainerUsage, &Recommendation, u64)]) -> Totals {
    let mut t = Totals::default();
    for (c, r, running) in rows {
        let n = u128::from(*running);
        let (cpu_req, _, mem_req, _) = effective(r, c);
        t.memory_before += n * u128::from(c.current.memory_request.map_or(0, |b| b.0));
        t.memory_after += n * u128::from(mem_req.unwrap_or(0));
        t.cpu_before += n * u128::from(c.current.cpu_request.map_or(0, |m| m.0));
        t.cpu_after += n * u128::from(cpu_req.unwrap_or(0) / MICRO_PER_MILLI);
    }
    t
}

/// A profile service's figures per replica from its workloads' recommendations (`--rightsize`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RightSized {
    /// The service's name.
    pub service: String,
    /// Σ recommended memory requests of its containers (the current one where none).
    pub memory: Bytes,
    /// Σ recommended memory limits (the request where no limit).
    pub peak: Bytes,
    /// Σ recommended cpu requests.
    pub cpu: Millicores,
    /// The workloads it came from (`namespace/Kind/name`).
    pub workloads: Vec<String>,
}

impl RightSized {
    /// Sets a service's per-replica figures to these.
    pub fn apply_to(&self, s: &mut crate::model::profile::Service) {
        s.memory.typical = self.memory;
        s.memory.peak = Some(self.peak);
        s.cpu = Some(crate::model::profile::CpuSpec { typical: self.cpu, peak: None });
    }
}

/// Right-sized figures per profile service: each workload's containers summed (per replica)
/// and matched to a service by the profile's rules (namespace, workload `Kind/name`, name);
/// several workloads of one service: the largest figures. `recs` holds one recommendation per
/// container, in the workloads' order.
pub fn per_service(
    profile: &crate::model::profile::Profile,
    workloads: &[WorkloadUsage],
    recs: &[Recommendation],
) -> Vec<RightSized> {
    let mut out: Vec<RightSized> = Vec::new();
    let mut k = 0;
    for w in workloads {
        let n = w.containers.len();
        let Some(rs) = recs.get(k..k + n) else { break };
        k += n;
        let Some(pod) = w.containers.iter().flat_map(|c| c.pods.first()).next() else { continue };
        let (kind, name) = w.workload.split_once('/').unwrap_or(("Pod", w.workload.as_str()));
        let facts = crate::model::matching::PodFacts {
            namespace: &w.namespace,
            name: &pod.pod,
            owner: Some((kind, name)),
            labels: None,
            sanitized_labels: true,
        };
        let Some((i, _)) = crate::model::matching::match_pod(profile, &facts) else { continue };
        let (mut memory, mut peak, mut cpu) = (0u64, 0u64, 0u64);
        for (c, r) in w.containers.iter().zip(rs) {
            let (cpu_req, _, mem_req, mem_lim) = effective(r, c);
            memory = memory.saturating_add(mem_req.unwrap_or(0));
            peak = peak.saturating_add(mem_lim.or(mem_req).unwrap_or(0));
            cpu = cpu.saturating_add(cpu_req.unwrap_or(0) / MICRO_PER_MILLI);
        }
        let service = profile.services[i].name.clone();
        let label = format!("{}/{}", w.namespace, w.workload);
        match out.iter_mut().find(|x| x.service == service) {
            Some(x) => {
                x.memory = x.memory.max(Bytes(memory));
                x.peak = x.peak.max(Bytes(peak));
                x.cpu = x.cpu.max(Millicores(cpu));
                x.workloads.push(label);
            }
            None => out.push(RightSized {
                service,
                memory: Bytes(memory),
                peak: Bytes(peak),
                cpu: Millicores(cpu),
                workloads: vec![label],
            }),
        }
    }
    out
}

/// What a strategy's recommendations would have done over a test window.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Score {
    /// Container-days scored (one pod's container over one UTC day with samples).
    pub container_days: u64,
    /// Days whose memory peak or cpu 95th percentile was above the request.
    pub under: u64,
    /// Days whose memory peak was above the memory request.
    pub under_memory: u64,
    /// Days whose cpu 95th percentile was above the cpu request.
    pub under_cpu: u64,
    /// Days whose memory peak was above the memory limit (would have been OOM-killed).
    pub oom: u64,
    /// Days whose cpu 95th percentile was above the cpu limit, or throttled at a limit the
    /// recommendation does not raise (throttled).
    pub throttled: u64,
    /// Median memory slack, basis points of the request.
    pub median_slack_memory: u64,
    /// Median cpu slack, basis points of the request.
    pub median_slack_cpu: u64,
    /// Memory requested, summed over container-days (byte-days), and used (day peaks).
    pub memory_requested: u128,
    /// cpu requested, millicore-days.
    pub cpu_requested: u128,
}

/// Slack of a usage against a request, basis points (0 when at or above it).
fn slack_bp(request: u64, usage: u64) -> u64 {
    if request == 0 || usage >= request {
        0
    } else {
        u64::try_from(u128::from(request - usage) * 10_000 / u128::from(request)).unwrap_or(10_000)
    }
}

fn median(v: &mut [u64]) -> u64 {
    if v.is_empty() {
        return 0;
    }
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]).div_ceil(2) }
}

/// The figures one container is held to in a backtest: the recommendation, or where it has
/// none for a resource, the current setting (what would have stayed).
fn effective(r: &Recommendation, c: &ContainerUsage) -> (Option<u64>, Option<u64>, Option<u64>, Option<u64>) {
    let a = applied(r, c);
    (
        a.cpu_request.map(|m| m.0 * MICRO_PER_MILLI),
        a.cpu_limit.map(|m| m.0 * MICRO_PER_MILLI),
        a.memory_request.map(|b| b.0),
        a.memory_limit.map(|b| b.0),
    )
}

/// A container's resources once the recommendation is applied: each resource the strategy
/// gives a request for takes its request and limit, the others keep the current ones.
pub fn applied(r: &Recommendation, c: &ContainerUsage) -> crate::model::usage::Resources {
    let cur = c.current;
    crate::model::usage::Resources {
        cpu_request: r.cpu_request.or(cur.cpu_request),
        cpu_limit: if r.cpu_request.is_some() { r.cpu_limit } else { cur.cpu_limit },
        memory_request: r.memory_request.or(cur.memory_request),
        memory_limit: if r.memory_request.is_some() { r.memory_limit } else { cur.memory_limit },
    }
}

/// A step throttled at least this share (basis points: 1%) makes its day a throttled one in the
/// backtest; less is the noise of bursts within a CFS period, not a limit too low.
pub const THROTTLED_DAY_BP: u64 = 100;

/// Scores recommendations (one per container of `test`, same order) on the test window's data.
pub fn score(pairs: &[(&Recommendation, &ContainerUsage)]) -> Score {
    let mut s = Score::default();
    let (mut slack_m, mut slack_c) = (Vec::new(), Vec::new());
    for (r, c) in pairs {
        let (cpu_req, cpu_lim, mem_req, mem_lim) = effective(r, c);
        for p in &c.pods {
            let mem = by_day(&p.memory);
            let mut cpu = by_day(&p.cpu);
            let days: std::collections::BTreeSet<i64> = mem.keys().chain(cpu.keys()).copied().collect();
            for d in days {
                s.container_days += 1;
                let peak = mem.get(&d).and_then(|v| v.iter().copied().max());
                let p95 = cpu.get_mut(&d).and_then(|v| prom_quantile(v, 0.95)).map(ceil_u64);
                // A day with an OOM kill at the current limit: the working set never shows more
                // than that limit, but needed more; a limit not above it is killed again.
                let killed = p.oom_kills.iter().any(|t| t.div_euclid(DAY_MS) == d)
                    && c.current.memory_limit.is_some_and(|cur| mem_lim.is_none_or(|l| l <= cur.0));
                let under_m = killed || peak.is_some_and(|u| u > mem_req.unwrap_or(0));
                // Likewise a day throttled at the current cpu limit: usage never shows more
                // than the limit, but wanted more; a limit not above it throttles again.
                let capped =
                    p.throttled.iter().any(|&(t, bp)| t.div_euclid(DAY_MS) == d && bp >= THROTTLED_DAY_BP)
                        && c.current.cpu_limit.is_some_and(|cur| {
                            cpu_lim.is_some_and(|l| l <= cur.0.saturating_mul(MICRO_PER_MILLI))
                        });
                let under_c = capped || p95.is_some_and(|u| u > cpu_req.unwrap_or(0));
                s.under_memory += u64::from(under_m);
                s.under_cpu += u64::from(under_c);
                s.under += u64::from(under_m || under_c);
                s.oom += u64::from(killed || peak.is_some_and(|u| mem_lim.is_some_and(|l| u > l)));
                s.throttled += u64::from(capped || p95.is_some_and(|u| cpu_lim.is_some_and(|l| u > l)));
                if let (Some(u), Some(r)) = (peak, mem_req) {
                    slack_m.push(slack_bp(r, u));
                    s.memory_requested += u128::from(r);
                }
                if let (Some(u), Some(r)) = (p95, cpu_req) {
                    slack_c.push(slack_bp(r, u));
                    s.cpu_requested += u128::from(r / MICRO_PER_MILLI);
                }
            }
        }
    }
    s.median_slack_memory = median(&mut slack_m);
    s.median_slack_cpu = median(&mut slack_c);
    s
}

/// A backtest of one strategy: recommend from `[at - train - test, at - test)`, score on
/// `[at - test, at)`.
pub fn backtest(
    strategy: Strategy,
    fleet: &[WorkloadUsage],
    train_ms: i64,
    test_ms: i64,
    s: &Settings,
) -> Score {
    let split = s.at_ms - test_ms;
    let train_settings = Settings { at_ms: split, ..*s };
    let mut recs = Vec::new();
    let mut tests = Vec::new();
    for w in fleet {
        let train = WorkloadUsage {
            containers: w.containers.iter().map(|c| c.window(split - train_ms, split)).collect(),
            ..w.clone()
        };
        let r = recommend(strategy, &train, &train_settings);
        for (rec, c) in r.into_iter().zip(&w.containers) {
            recs.push(rec);
            tests.push(c.window(split, s.at_ms));
        }
    }
    let pairs: Vec<_> = recs.iter().zip(tests.iter()).collect();
    score(&pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::usage::{PodSeries, Resources};

    const MIN: i64 = 60_000;

    /// A recommendation of these figures (no cpu limit), to score.
    fn given(cpu: Option<Millicores>, memory: Option<Bytes>, limit: Option<Bytes>) -> Recommendation {
        Recommendation {
            strategy: Strategy::Bizo,
            cpu_request: cpu,
            cpu_limit: None,
            memory_request: memory,
            memory_limit: limit,
            cpu_skip: None,
            memory_skip: None,
            basis: Basis::Bizo {
                generation_pods: 1,
                pod_days: 1,
                memory_peak: None,
                memory_trend: None,
                oom_limit: None,
                memory_by_usage: None,
                memory_by_oom: None,
                cpu_p95_micro: None,
            },
        }
    }

    fn container(pods: Vec<PodSeries>) -> ContainerUsage {
        ContainerUsage { name: "app".into(), current: Resources::default(), pods }
    }

    #[test]
    fn prometheus_quantile_interpolates_between_ranks() {
        // rank 0.95 x 19 = 18.05 of 1..=20: 19 x 0.95 + 20 x 0.05 = 19.05
        let mut v: Vec<u64> = (1..=20).rev().collect();
        assert!((prom_quantile(&mut v, 0.95).expect("values") - 19.05).abs() < 1e-9);
        assert_eq!(prom_quantile(&mut [7], 0.95), Some(7.0));
        assert_eq!(prom_quantile(&mut [], 0.5), None);
    }

    /// KRR by hand: pod a's cpu 1..=100 m (p95 at rank 94.05: 95.05m), pod b's 1..=50 m (p95
    /// 47.55m); the largest is 95.05m, rounded up to 96m. Memory max 200Mi + 1 byte: x 1.15 =
    /// 241,172,481.15 bytes, up to 231Mi (242,221,056).
    #[test]
    fn krr_simple_by_hand() {
        let cpu = |n: u64| (1..=n).map(|i| (i as i64 * MIN, i * 1000)).collect::<Vec<_>>();
        let a = PodSeries {
            pod: "w-1-a".into(),
            cpu: cpu(100),
            memory: vec![(0, 200 * MIB + 1)],
            oom_kills: vec![],
            throttled: vec![],
        };
        let b = PodSeries {
            pod: "w-1-b".into(),
            cpu: cpu(50),
            memory: (0..200).map(|i| (i * MIN, 10 * MIB)).collect(),
            oom_kills: vec![],
            throttled: vec![],
        };
        let r = krr_simple(&container(vec![a, b]), false);
        assert_eq!(r.cpu_request, Some(Millicores(96)));
        assert_eq!(r.cpu_limit, None);
        assert_eq!(r.memory_request, Some(Bytes(231 * MIB)));
        assert_eq!(r.memory_limit, Some(Bytes(231 * MIB)));
        // 200 * MIB + 1 = 209,715,201; x 1.15 = 241,172,481.15 -> 231 MiB = 242,221,056
        assert_eq!(231 * MIB, 242_221_056);
    }

    #[test]
    fn krr_simple_floors_points_and_hpa() {
        let low = PodSeries {
            pod: "p".into(),
            cpu: (0..100).map(|i| (i * MIN, 2_000)).collect(),
            memory: (0..99).map(|i| (i * MIN, MIB)).collect(),
            oom_kills: vec![],
            throttled: vec![],
        };
        let r = krr_simple(&container(vec![low.clone()]), false);
        assert_eq!(r.cpu_request, Some(Millicores(10)), "2m raised to the 10m floor");
        assert_eq!(r.memory_request, None);
        assert_eq!(r.memory_skip, Some(Skip::NotEnoughData { points: 99, required: 100 }));
        let r = krr_simple(&container(vec![low]), true);
        assert_eq!((r.cpu_request, r.cpu_skip), (None, Some(Skip::Hpa)));
    }

    #[test]
    fn vpa_buckets_as_the_go_code() {
        let b = Buckets::new(1000.0, 0.01, 1.05);
        assert_eq!(b.count, 176);
        assert_eq!(Buckets::new(1e12, 1e7, 1.05).count, 176);
        assert_eq!(b.find(0.005), 0);
        assert_eq!(b.start(1), 0.01);
        assert!((b.start(2) - 0.0205).abs() < 1e-12);
        // 0.0205 starts bucket 2 (floating point may put it at the end of 1): 0.02 is in 1.
        assert_eq!(b.find(0.02), 1);
        assert_eq!(b.find(0.021), 2);
    }

    /// VPA by hand: two days of constant usage at one sample a minute, so every sample is in
    /// one bucket and the 0.9 percentile is that bucket's upper edge, whatever the decay.
    #[test]
    fn vpa_by_hand() {
        let b = Buckets::new(1000.0, 0.01, 1.05);
        // Constant usage: every sample in one bucket; the percentile is its upper edge.
        let cpu: Vec<Point> = (0..2880).map(|i| (i * MIN, 100_000)).collect(); // 0.1 cores, 2 days
        let mem: Vec<Point> = (0..2880).map(|i| (i * MIN, 300 * MIB)).collect();
        let c = container(vec![PodSeries {
            pod: "p".into(),
            cpu,
            memory: mem,
            oom_kills: vec![],
            throttled: vec![],
        }]);
        let r = vpa(&c, 1);
        // 0.1 cores: bucket int(ln(0.1 x 0.05 / 0.01 + 1) / ln 1.05) = int(8.31) = 8, upper edge
        // 0.2 x (1.05^9 - 1) = 0.110266 cores -> 110m (truncated) x 1.15 = 126.5 -> 126m
        assert_eq!(b.find(0.1), 8);
        assert_eq!(r.cpu_request, Some(Millicores(126)));
        // 300Mi = 314,572,800 B: bucket int(ln(314572800 x 0.05 / 1e7 + 1) / ln 1.05) = int(19.37)
        // = 19, upper edge 2e8 x (1.05^20 - 1) = 330,659,541 B, x 1.15 = 380,258,472 (truncated)
        assert_eq!(Buckets::new(1e12, 1e7, 1.05).find((300 * MIB) as f64), 19);
        assert_eq!(r.memory_request, Some(Bytes(380_258_472)));
        let Basis::Vpa { confidence_days, memory_peaks, cpu_upper, .. } = r.basis else {
            panic!("vpa basis")
        };
        // 2,880 samples over 2,879 minutes: min(1.9993 days, 2 days)
        assert!((confidence_days - 2879.0 / 1440.0).abs() < 1e-9);
        assert_eq!(memory_peaks, 2, "two 24 h windows from the first sample");
        // upper bound 126 x (1 + 1 / 1.9993) = 189.02 -> 189m
        assert_eq!(cpu_upper, Millicores(189));
    }

    #[test]
    fn vpa_minimums_are_split_among_containers_and_oom_bumps_the_peak() {
        let cpu: Vec<Point> = (0..200).map(|i| (i * MIN, 1_000)).collect();
        let mem: Vec<Point> = (0..200).map(|i| (i * MIN, 50 * MIB)).collect();
        let mut c = container(vec![PodSeries {
            pod: "p".into(),
            cpu,
            memory: mem,
            oom_kills: vec![],
            throttled: vec![],
        }]);
        let r = vpa(&c, 2);
        assert_eq!(r.cpu_request, Some(Millicores(12)), "25m / 2 containers, truncated");
        assert_eq!(r.memory_request, Some(Bytes(125 * MIB)), "250Mi / 2");
        // An OOM at minute 100 with a 64Mi request: max(64Mi + 100Mi, 64Mi x 1.2) = 164Mi enters
        // as the window's peak; the single window's 0.9 percentile is its bucket's upper edge.
        c.current.memory_request = Some(Bytes(64 * MIB));
        c.pods[0].oom_kills = vec![100 * MIN];
        let r = vpa(&c, 1);
        let mb = Buckets::new(1e12, 1e7, 1.05);
        let edge = mb.start(mb.find((164 * MIB) as f64) + 1);
        assert_eq!(
            r.memory_request,
            Some(Bytes((((edge as u64) as f64) * 1.15) as u64).max(Bytes(250 * MIB)))
        );
        let Basis::Vpa { oom_kills, .. } = r.basis else { panic!("vpa basis") };
        assert_eq!(oom_kills, 1);
    }

    #[test]
    fn vpa_decay_weighs_the_recent_day_twice() {
        // Day 1 at 0.1 cores, day 2 at 0.2 cores, equal counts: with a 24 h half-life day 2
        // weighs twice day 1, so day 1 holds a third of the weight: the 0.3 percentile is in
        // 0.1's bucket, the 0.4 (and 0.9) in 0.2's. Without decay 0.4 would be in 0.1's.
        let mut cpu: Vec<Point> = (0..1440).map(|i| (i * MIN, 100_000)).collect();
        cpu.extend((1440..2880).map(|i| (i * MIN, 200_000)));
        let mut h = Decaying::new(Buckets::new(1000.0, 0.01, 1.05));
        for (t, v) in &cpu {
            h.add(*v as f64 / 1e6, 0.1, *t);
        }
        let b = Buckets::new(1000.0, 0.01, 1.05);
        assert_eq!(h.percentile(0.9), b.start(b.find(0.2) + 1));
        assert_eq!(h.percentile(0.3), b.start(b.find(0.1) + 1));
        assert_eq!(h.percentile(0.4), b.start(b.find(0.2) + 1));
    }

    #[test]
    fn bizo_uses_the_newest_generation_the_trend_and_a_margin() {
        let at = 20 * DAY_MS;
        // Old generation: 1Gi; new one (from day 15): 100Mi flat, then climbing 10Mi a day.
        let old = PodSeries {
            pod: "api-old-aaaaa".into(),
            memory: (0..15).map(|d| (d * DAY_MS, 1 << 30)).collect(),
            cpu: vec![],
            oom_kills: vec![],
            throttled: vec![],
        };
        let new = PodSeries {
            pod: "api-new-bbbbb".into(),
            memory: (15..20)
                .flat_map(|d| {
                    (0..24).map(move |h| (d * DAY_MS + h * 3_600_000, (100 + 10 * (d as u64 - 15)) * MIB))
                })
                .collect(),
            cpu: (15..20).flat_map(|d| (0..100).map(move |i| (d * DAY_MS + i * MIN, 50_000))).collect(),
            oom_kills: vec![],
            throttled: vec![],
        };
        let r = bizo(&container(vec![old, new]), false, at);
        let Basis::Bizo { generation_pods, memory_peak, memory_trend, .. } = &r.basis else {
            panic!("bizo basis")
        };
        assert_eq!(*generation_pods, 1);
        assert_eq!(*memory_peak, Some(Bytes(140 * MIB)));
        // Peaks 100..140 Mi on days 15..19: slope 10Mi/day, at day 19 + 7 = 26: 210Mi.
        assert_eq!(*memory_trend, Some(Bytes(210 * MIB)));
        let Basis::Bizo { memory_by_usage, memory_by_oom, .. } = &r.basis else { panic!("bizo basis") };
        assert_eq!((*memory_by_usage, *memory_by_oom), (Some(Bytes(231 * MIB)), None));
        // 210Mi x 1.1 = 231Mi; limit x 1.25 = 288.75 -> 289Mi
        assert_eq!(r.memory_request, Some(Bytes(231 * MIB)));
        assert_eq!(r.memory_limit, Some(Bytes(289 * MIB)));
        // cpu 50m flat: x 1.1 = 55m
        assert_eq!(r.cpu_request, Some(Millicores(55)));
    }

    #[test]
    fn an_oom_day_fails_unless_the_limit_rises_above_the_one_it_was_killed_at() {
        let mut c = container(vec![PodSeries {
            pod: "p".into(),
            memory: vec![(0, 100 * MIB)],
            cpu: vec![],
            oom_kills: vec![10],
            throttled: vec![],
        }]);
        c.current.memory_limit = Some(Bytes(100 * MIB));
        let rec = |limit: u64| given(None, Some(Bytes(110 * MIB)), Some(Bytes(limit)));
        let at_limit = score(&[(&rec(100 * MIB), &c)]);
        assert_eq!((at_limit.under, at_limit.under_memory, at_limit.oom), (1, 1, 1));
        let above = score(&[(&rec(120 * MIB), &c)]);
        assert_eq!((above.under, above.oom), (0, 0));
    }

    #[test]
    fn the_score_counts_container_days_under_and_slack() {
        let c = container(vec![PodSeries {
            pod: "p".into(),
            // day 0 peak 100Mi, day 1 peak 300Mi
            memory: vec![(0, 100 * MIB), (DAY_MS, 300 * MIB)],
            cpu: vec![(0, 50_000), (DAY_MS, 50_000)],
            oom_kills: vec![],
            throttled: vec![],
        }]);
        let r = given(Some(Millicores(100)), Some(Bytes(200 * MIB)), Some(Bytes(250 * MIB)));
        let s = score(&[(&r, &c)]);
        assert_eq!(
            (s.container_days, s.under, s.under_memory, s.under_cpu, s.oom, s.throttled),
            (2, 1, 1, 0, 1, 0)
        );
        // memory slack: day 0 50%, day 1 0 -> median 25%; cpu 50% both days
        assert_eq!((s.median_slack_memory, s.median_slack_cpu), (2_500, 5_000));
    }

    /// A day the history shows throttled at the current 100m limit (its usage capped at the
    /// limit) is under-provisioned and throttled for a recommendation that keeps a limit at or
    /// below 100m, not for one without a cpu limit or with a higher one; throttling below 1% of
    /// a step's periods does not count.
    #[test]
    fn a_day_throttled_at_the_current_limit_counts_unless_the_limit_goes_up() {
        let pod = |bp: u64| PodSeries {
            pod: "p".into(),
            memory: vec![(0, 10 * MIB)],
            cpu: vec![(0, 100_000)],
            oom_kills: vec![],
            throttled: vec![(0, bp)],
        };
        let capped = |bp: u64| ContainerUsage {
            current: Resources { cpu_limit: Some(Millicores(100)), ..Resources::default() },
            ..container(vec![pod(bp)])
        };
        let row = |r: &Recommendation, c: &ContainerUsage| {
            let s = score(&[(r, c)]);
            (s.under, s.under_cpu, s.throttled)
        };
        let with_limit = |limit: u64| Recommendation {
            cpu_limit: Some(Millicores(limit)),
            ..given(Some(Millicores(200)), Some(Bytes(20 * MIB)), None)
        };
        // request 200m above the capped 100m usage, but the limit stays 100m: throttled again.
        assert_eq!(row(&with_limit(100), &capped(2_500)), (1, 1, 1));
        assert_eq!(row(&with_limit(400), &capped(2_500)), (0, 0, 0));
        // no cpu limit: not throttled
        assert_eq!(
            row(&given(Some(Millicores(200)), Some(Bytes(20 * MIB)), None), &capped(2_500)),
            (0, 0, 0)
        );
        // 0.99% of the periods: noise
        assert_eq!(row(&with_limit(100), &capped(99)), (0, 0, 0));
    }
}
