//! Local usage history without Prometheus: `bizo-plan sample` records one JSON line per
//! snapshot (host, and the cluster when one is read); `check --samples FILE` plans from the
//! peak or a quantile of the recording.
//!
//! A recording stays valid when interrupted: every line is a complete sample, written at once;
//! a last line cut short (the machine stopped mid-write) is skipped with a warning, a broken line
//! anywhere else is an error naming the line.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::baseline::{Baseline, BaselineKind, Origin};
use super::quantity::{Bytes, Millicores};
use super::ratio::ONE;

/// One snapshot (one line of the recording).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Sample {
    /// Unix time in seconds.
    pub time: u64,
    /// The host, when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<HostSample>,
    /// The cluster, when one was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterSample>,
}

/// Host memory in bytes (used = total - available, as `check` measures it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HostSample {
    /// Total.
    pub total: u64,
    /// Used.
    pub used: u64,
    /// Available.
    pub available: u64,
    /// CPU in use, millicores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_used: Option<u64>,
}

/// Cluster figures in bytes and millicores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterSample {
    /// kubeconfig context.
    pub context: String,
    /// Allocatable memory of the schedulable nodes.
    pub allocatable: u64,
    /// NodeMetrics memory of those nodes, when the metrics API answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used: Option<u64>,
    /// Per profile service: the memory its pods use (all replicas), when metrics were read.
    #[serde(default)]
    pub services: BTreeMap<String, u64>,
}

/// Which figure of the recording to plan from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stat {
    /// The largest value.
    Peak,
    /// A quantile in basis points (9500 = 0.95), interpolated as Prometheus does.
    Quantile(u64),
}

impl Stat {
    /// `peak`, `p95`, `0.95` or `95%`.
    pub fn parse(s: &str) -> Result<Stat, String> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("peak") || t.eq_ignore_ascii_case("max") {
            return Ok(Stat::Peak);
        }
        let bp = if let Some(p) = t.strip_prefix('p').or_else(|| t.strip_suffix('%')) {
            super::ratio::Ratio::parse_percent(p).map(|r| r.0).map_err(|e| e.to_string())
        } else {
            // A fraction: 0.95.
            super::ratio::Ratio::parse_multiplier(t).map(|r| r.0).map_err(|e| e.to_string())
        }
        .map_err(|e| format!("{s:?}: expected peak, p95, 95% or 0.95 ({e})"))?;
        if bp > ONE {
            return Err(format!("{s:?}: a quantile is at most 1 (100%)"));
        }
        Ok(if bp == ONE { Stat::Peak } else { Stat::Quantile(bp) })
    }

    /// `peak` or `p95`-style text.
    pub fn label(self) -> String {
        match self {
            Stat::Peak => "peak".into(),
            Stat::Quantile(bp) => {
                format!("p{}", super::ratio::Ratio(bp).percent_string().trim_end_matches('%'))
            }
        }
    }
}

/// The statistic of `values` (any order), rounded up to an integer: for a quantile, the value
/// at rank q x (n - 1) of the sorted values, interpolated linearly between its neighbours.
pub fn statistic(values: &[u64], stat: Stat) -> Option<u64> {
    let mut v = values.to_vec();
    v.sort_unstable();
    let n = v.len() as u128;
    let last = *v.last()?;
    match stat {
        Stat::Peak => Some(last),
        Stat::Quantile(bp) => {
            let rank = u128::from(bp) * (n - 1); // in 1/ONE units
            let lo = usize::try_from(rank / u128::from(ONE)).ok()?;
            let frac = rank % u128::from(ONE);
            let a = u128::from(v[lo]);
            let b = u128::from(*v.get(lo + 1).unwrap_or(&v[lo]));
            let x = a * u128::from(ONE) + (b - a) * frac;
            u64::try_from(x.div_ceil(u128::from(ONE))).ok()
        }
    }
}

/// A recording, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    /// The samples, in file order.
    pub samples: Vec<Sample>,
    /// Lines skipped, with why (only a cut-short last line is skipped).
    pub skipped: Vec<String>,
}

/// Parses a JSON-lines recording. `Err((line, message))` for a broken line that is not the last.
pub fn parse(text: &str) -> Result<Recording, (usize, String)> {
    let lines: Vec<(usize, &str)> =
        text.lines().enumerate().map(|(i, l)| (i + 1, l)).filter(|(_, l)| !l.trim().is_empty()).collect();
    let mut samples = Vec::new();
    let mut skipped = Vec::new();
    let cut_short = !text.is_empty() && !text.ends_with('\n');
    for (k, (n, l)) in lines.iter().enumerate() {
        match serde_json::from_str::<Sample>(l) {
            Ok(s) => samples.push(s),
            Err(e) if k + 1 == lines.len() && cut_short => {
                skipped.push(format!("line {n}: cut short ({e}); the recording was interrupted mid-write"));
            }
            Err(e) => return Err((*n, e.to_string())),
        }
    }
    if samples.is_empty() {
        return Err((lines.last().map_or(1, |l| l.0), "no complete sample in the recording".into()));
    }
    Ok(Recording { samples, skipped })
}

/// What a recording says, at one statistic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// peak or pNN.
    pub stat: String,
    /// Samples used.
    pub samples: usize,
    /// First and last sample time (unix seconds).
    pub from: u64,
    /// Last sample time.
    pub to: u64,
    /// Host total (the last sample's), used (the statistic), when the host was recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_total: Option<u64>,
    /// Host used at the statistic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_used: Option<u64>,
    /// Host cpu used at the statistic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_cpu_used: Option<u64>,
    /// Per service: (the statistic, the peak) of its memory, all replicas.
    pub services: BTreeMap<String, (u64, u64)>,
    /// The recorded cluster (the last sample's context and allocatable; NodeMetrics used at the
    /// statistic), when the recording has one with usage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterSummary>,
    /// Lines skipped.
    pub skipped: Vec<String>,
}

/// The cluster of a recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSummary {
    /// Context.
    pub context: String,
    /// Allocatable memory of the schedulable nodes (the last sample's).
    pub allocatable: u64,
    /// NodeMetrics used at the statistic.
    pub used: u64,
}

/// Summarizes a recording at `stat`.
pub fn summarize(r: &Recording, stat: Stat) -> Summary {
    let hosts: Vec<HostSample> = r.samples.iter().filter_map(|s| s.host).collect();
    let used: Vec<u64> = hosts.iter().map(|h| h.used).collect();
    let cpu: Vec<u64> = hosts.iter().filter_map(|h| h.cpu_used).collect();
    let mut per: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let clusters: Vec<&ClusterSample> = r.samples.iter().filter_map(|s| s.cluster.as_ref()).collect();
    let cluster_used: Vec<u64> = clusters.iter().filter_map(|c| c.used).collect();
    let cluster = clusters.last().zip(statistic(&cluster_used, stat)).map(|(c, used)| ClusterSummary {
        context: c.context.clone(),
        allocatable: c.allocatable,
        used: used.min(c.allocatable),
    });
    for c in r.samples.iter().filter_map(|s| s.cluster.as_ref()) {
        for (name, b) in &c.services {
            per.entry(name.clone()).or_default().push(*b);
        }
    }
    Summary {
        stat: stat.label(),
        samples: r.samples.len(),
        from: r.samples.iter().map(|s| s.time).min().unwrap_or(0),
        to: r.samples.iter().map(|s| s.time).max().unwrap_or(0),
        host_total: hosts.last().map(|h| h.total),
        host_used: statistic(&used, stat),
        host_cpu_used: statistic(&cpu, stat),
        services: per
            .into_iter()
            .filter_map(|(k, v)| Some((k, (statistic(&v, stat)?, statistic(&v, Stat::Peak)?))))
            .collect(),
        skipped: r.skipped.clone(),
        cluster,
    }
}

/// The baseline of a summary: the recorded cluster when the recording has one with usage, else
/// the recorded host (None when it has neither).
pub fn baseline(s: &Summary, cpu_capacity: Option<Millicores>) -> Option<Baseline> {
    let origin = |context: Option<String>| Origin::Samples {
        stat: s.stat.clone(),
        samples: s.samples,
        from: s.from,
        to: s.to,
        context,
    };
    if let Some(c) = &s.cluster {
        return Some(Baseline {
            kind: BaselineKind::Samples,
            origin: origin(Some(c.context.clone())),
            total: Bytes(c.allocatable),
            used: Bytes(c.used),
            available: Bytes(c.allocatable - c.used),
            swap: None,
            cpu_capacity: None,
            cpu_used: None,
            notes: s.skipped.clone(),
        });
    }
    let total = s.host_total?;
    let used = s.host_used?.min(total);
    Some(Baseline {
        kind: BaselineKind::Samples,
        origin: origin(None),
        total: Bytes(total),
        used: Bytes(used),
        available: Bytes(total - used),
        swap: None,
        cpu_capacity,
        cpu_used: s.host_cpu_used.map(Millicores),
        notes: s.skipped.clone(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn statistics_interpolate_like_prometheus() {
        let v = [10, 20, 30, 40, 50];
        assert_eq!(statistic(&v, Stat::Peak), Some(50));
        assert_eq!(statistic(&v, Stat::Quantile(0)), Some(10));
        assert_eq!(statistic(&v, Stat::Quantile(5000)), Some(30));
        // rank 0.95 x 4 = 3.8: 40 + 0.8 x 10 = 48.
        assert_eq!(statistic(&[50, 10, 40, 20, 30], Stat::Quantile(9500)), Some(48));
        // rank 0.9 x 1 = 0.9: 100 + 0.9 x 1 = 100.9, rounded up to 101.
        assert_eq!(statistic(&[100, 101], Stat::Quantile(9000)), Some(101));
        assert_eq!(statistic(&[7], Stat::Quantile(9900)), Some(7));
        assert_eq!(statistic(&[], Stat::Peak), None);
        assert_eq!(statistic(&[u64::MAX, u64::MAX], Stat::Quantile(5000)), Some(u64::MAX));
    }

    #[test]
    fn stats_parse() {
        assert_eq!(Stat::parse("peak").unwrap(), Stat::Peak);
        assert_eq!(Stat::parse("p95").unwrap(), Stat::Quantile(9500));
        assert_eq!(Stat::parse("0.95").unwrap(), Stat::Quantile(9500));
        assert_eq!(Stat::parse("99.9%").unwrap(), Stat::Quantile(9990));
        assert_eq!(Stat::parse("1").unwrap(), Stat::Peak);
        assert!(Stat::parse("1.5").unwrap_err().contains("at most 1"));
        assert!(Stat::parse("high").unwrap_err().contains("expected peak, p95, 95% or 0.95"));
        assert_eq!(Stat::Quantile(9500).label(), "p95");
        assert_eq!(Stat::Quantile(9990).label(), "p99.9");
    }

    fn line(time: u64, used: u64) -> String {
        format!(
            "{{\"time\":{time},\"host\":{{\"total\":1000,\"used\":{used},\"available\":{}}}}}\n",
            1000 - used
        )
    }

    #[test]
    fn an_interrupted_recording_keeps_its_complete_lines() {
        let text = format!("{}{}{}", line(1, 100), line(2, 300), &line(3, 200)[..20]);
        let r = parse(&text).unwrap();
        assert_eq!(r.samples.len(), 2);
        assert_eq!(r.skipped.len(), 1);
        assert!(r.skipped[0].starts_with("line 3: cut short"), "{:?}", r.skipped);
        let s = summarize(&r, Stat::Peak);
        assert_eq!((s.host_total, s.host_used, s.samples, s.from, s.to), (Some(1000), Some(300), 2, 1, 2));
        let b = baseline(&s, None).unwrap();
        assert_eq!((b.used, b.available, b.kind), (Bytes(300), Bytes(700), BaselineKind::Samples));
    }

    #[test]
    fn a_broken_line_in_the_middle_is_an_error() {
        let text = format!("{}not json\n{}", line(1, 100), line(3, 200));
        let (n, msg) = parse(&text).unwrap_err();
        assert_eq!(n, 2);
        assert!(msg.contains("expected"), "{msg}");
        assert_eq!(parse("").unwrap_err().1, "no complete sample in the recording");
    }
}
