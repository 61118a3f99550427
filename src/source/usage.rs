//! Right-sizing's read of Prometheus (issue 14): the PromQL of the per-container series and of
//! kube-state-metrics' requests, limits, owners and autoscalers, and the pure conversion of the
//! answers into [`WorkloadUsage`]. The fetching is `crate::source::prometheus::read_usage`.
//!
//! Per container (`max by (namespace, pod, container)`, leaving out the pod-level cgroup series
//! `container=""` and the pause container `container="POD"`), over `[at - window, at]` at
//! `step`:
//! - memory: `container_memory_working_set_bytes` (what the OOM killer and the eviction manager
//!   look at), rounded up to a byte;
//! - cpu: `rate(container_cpu_usage_seconds_total[1.5 x step])`, the average over the 1.5
//!   steps before each point: a series scraped at the step has exactly two samples in each
//!   window (Prometheus 2's closed and 3's left-open ranges alike), so the rate is the step's;
//!   in microcores rounded to the nearest;
//! - OOM kills: the points where `kube_pod_container_status_restarts_total` rose (over the
//!   same 1.5 steps) while
//!   `kube_pod_container_status_last_terminated_reason{reason="OOMKilled"}` is 1; a run of
//!   consecutive points is one kill, at its first point (two kills within two steps count once).
//!
//! - CPU throttling: `rate(container_cpu_cfs_throttled_periods_total) / rate(container_cpu_cfs_periods_total)`
//!   over the same window, in basis points (where the container has a cpu limit).
//!
//! Requests and limits are kube-state-metrics' `kube_pod_container_resource_{requests,limits}`
//! (the last value over the window, per pod); a container's current setting is that of its
//! pod seen last. Owners are `kube_pod_owner` resolved through `kube_replicaset_owner` (any
//! time in the window), else the pod name's shape (`crate::model::matching::owner_from_pod_name`);
//! an autoscaler is `kube_horizontalpodautoscaler_info`'s scale target.

use std::collections::BTreeMap;

use super::prometheus::{LabelledVector, Matrix};
use crate::analysis::history::bytes_from;
use crate::model::usage::{ContainerUsage, PodSeries, Resources, WorkloadUsage};

/// The container series selector with extra matchers (`, namespace=~"..."`).
fn containers(metric: &str, matchers: &str) -> String {
    format!(r#"{metric}{{container!="",container!="POD"{matchers}}}"#)
}

/// Memory working set per container.
pub fn memory_query(matchers: &str) -> String {
    format!(
        "max by (namespace, pod, container) ({})",
        containers("container_memory_working_set_bytes", matchers)
    )
}

/// Cpu usage rate per container over `rate_window`.
pub fn cpu_query(matchers: &str, rate_window: &str) -> String {
    format!(
        "max by (namespace, pod, container) (rate({}[{rate_window}]))",
        containers("container_cpu_usage_seconds_total", matchers)
    )
}

/// The share of a container's CFS periods throttled over `rate_window` (containers with a cpu
/// limit; a container whose periods did not advance is left out rather than NaN).
pub fn throttled_query(matchers: &str, rate_window: &str) -> String {
    format!(
        "max by (namespace, pod, container) (rate({}[{rate_window}]) / (rate({}[{rate_window}]) > 0))",
        containers("container_cpu_cfs_throttled_periods_total", matchers),
        containers("container_cpu_cfs_periods_total", matchers)
    )
}

/// Points where a container restarted after an OOM kill.
pub fn oom_query(matchers: &str, rate_window: &str) -> String {
    format!(
        r#"(max by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{{container!=""{matchers}}}[{rate_window}])) > 0) and on (namespace, pod, container) (max by (namespace, pod, container) (kube_pod_container_status_last_terminated_reason{{reason="OOMKilled"{matchers}}}) == 1)"#
    )
}

/// kube-state-metrics' requests (`resource` = `requests`) or limits per container, the last
/// value over `window`.
pub fn resources_query(which: &str, window: &str) -> String {
    format!(
        r#"max by (namespace, pod, container, resource) (last_over_time(kube_pod_container_resource_{which}{{resource=~"cpu|memory"}}[{window}]))"#
    )
}

/// Pod owners at any time in the window.
pub fn owners_query(window: &str) -> String {
    format!(
        r#"max by (namespace, pod, owner_kind, owner_name) (max_over_time(kube_pod_owner{{owner_is_controller="true"}}[{window}]))"#
    )
}

/// ReplicaSet owners at any time in the window.
pub fn replicaset_owners_query(window: &str) -> String {
    format!(
        r#"max by (namespace, replicaset, owner_kind, owner_name) (max_over_time(kube_replicaset_owner{{owner_is_controller="true"}}[{window}]))"#
    )
}

/// Autoscalers' scale targets.
pub fn hpa_query(window: &str) -> String {
    format!(
        "max by (namespace, scaletargetref_kind, scaletargetref_name) (last_over_time(kube_horizontalpodautoscaler_info[{window}]))"
    )
}

/// What the read answered.
#[derive(Debug, Clone, Default)]
pub struct RawUsage {
    /// Memory series.
    pub memory: Matrix,
    /// Cpu series.
    pub cpu: Matrix,
    /// OOM kill points.
    pub oom: Matrix,
    /// Throttled shares.
    pub throttled: Matrix,
    /// Requests per container and resource.
    pub requests: LabelledVector,
    /// Limits per container and resource.
    pub limits: LabelledVector,
    /// `(namespace, pod)` -> `(kind, name)` of the top owner.
    pub owners: BTreeMap<(String, String), (String, String)>,
    /// Autoscalers' targets.
    pub hpas: LabelledVector,
    /// The range queries' step, ms (OOM points one step apart are one kill).
    pub step_ms: i64,
}

/// Microcores from a rate in cores, to the nearest (`None` for NaN, infinities, negatives).
pub fn microcores_from(cores: f64) -> Option<u64> {
    let v = cores * 1e6;
    (v.is_finite() && v >= 0.0 && v < u64::MAX as f64).then(|| v.round() as u64)
}

/// A container's pods so far, the resources of the pod seen last, and when that was.
type Gathered = (Vec<PodSeries>, Resources, i64);

/// The answers as workloads (sorted by namespace, workload; containers by name), and warnings
/// (values that are not numbers, series without labels, workloads named by pod name only).
pub fn to_workloads(raw: RawUsage) -> (Vec<WorkloadUsage>, Vec<String>) {
    let mut warnings = Vec::new();
    let key = |m: &BTreeMap<String, String>| -> Option<(String, String, String)> {
        Some((m.get("namespace")?.clone(), m.get("pod")?.clone(), m.get("container")?.clone()))
    };
    let mut skipped = 0u64;
    // (ns, pod, container) -> series
    let mut series: BTreeMap<(String, String, String), PodSeries> = BTreeMap::new();
    let mut warnings_of = Vec::new();
    for (which, matrix) in [(0, raw.memory), (1, raw.cpu), (2, raw.oom), (3, raw.throttled)] {
        warnings_of.extend(matrix.warnings);
        // Each series is converted and dropped in turn: the answers and the series are not
        // both held whole.
        for (labels, points) in matrix.series {
            let Some(k) = key(&labels) else {
                skipped += 1;
                continue;
            };
            let entry = series
                .entry(k.clone())
                .or_insert_with(|| PodSeries { pod: k.1.clone(), ..PodSeries::default() });
            // Exactly the room this answer needs: growth by doubling would leave up to half of
            // every series unused (the points are most of the memory at fleet scale).
            match which {
                0 => entry.memory.reserve_exact(points.len()),
                1 => entry.cpu.reserve_exact(points.len()),
                2 => {}
                _ => entry.throttled.reserve_exact(points.len()),
            }
            for (t, x) in points {
                match which {
                    0 => match bytes_from(x) {
                        Some(b) => entry.memory.push((t, b.0)),
                        None => skipped += 1,
                    },
                    1 => match microcores_from(x) {
                        Some(c) => entry.cpu.push((t, c)),
                        None => skipped += 1,
                    },
                    2 => entry.oom_kills.push(t),
                    _ => match x.is_finite().then(|| (x.clamp(0.0, 1.0) * 10_000.0).round() as u64) {
                        Some(bp) => entry.throttled.push((t, bp)),
                        None => skipped += 1,
                    },
                }
            }
        }
    }
    // Time chunks of one series arrive as separate answers, in any order.
    for s in series.values_mut() {
        s.memory.sort_unstable();
        s.memory.dedup_by_key(|p| p.0);
        s.cpu.sort_unstable();
        s.cpu.dedup_by_key(|p| p.0);
        s.throttled.sort_unstable();
        s.throttled.dedup_by_key(|p| p.0);
        s.memory.shrink_to_fit();
        s.cpu.shrink_to_fit();
        s.throttled.shrink_to_fit();
        s.oom_kills.sort_unstable();
        s.oom_kills.dedup();
        // A run of points one step apart is one kill, at its first point.
        let mut last: Option<i64> = None;
        s.oom_kills.retain(|t| {
            let first = last.is_none_or(|l| t - l > raw.step_ms);
            last = Some(*t);
            first
        });
    }
    // (ns, pod, container) -> resources
    let mut set: BTreeMap<(String, String, String), Resources> = BTreeMap::new();
    for (is_limit, v) in [(false, &raw.requests), (true, &raw.limits)] {
        for (labels, value) in &v.items {
            let (Some(k), Some(res), Ok(x)) = (key(labels), labels.get("resource"), value.parse::<f64>())
            else {
                skipped += 1;
                continue;
            };
            let r = set.entry(k).or_default();
            match (res.as_str(), is_limit) {
                ("cpu", false) => r.cpu_request = crate::analysis::history::millicores_from(x),
                ("cpu", true) => r.cpu_limit = crate::analysis::history::millicores_from(x),
                ("memory", false) => r.memory_request = bytes_from(x),
                ("memory", true) => r.memory_limit = bytes_from(x),
                _ => {}
            }
        }
    }
    let hpa_targets: std::collections::BTreeSet<(String, String)> = raw
        .hpas
        .items
        .iter()
        .filter_map(|(m, _)| {
            Some((
                m.get("namespace")?.clone(),
                format!("{}/{}", m.get("scaletargetref_kind")?, m.get("scaletargetref_name")?),
            ))
        })
        .collect();
    let mut by_name = 0u64;
    // (ns, workload) -> container -> (pods, latest pod's resources and its last time)
    let mut grouped: BTreeMap<(String, String), BTreeMap<String, Gathered>> = BTreeMap::new();
    for ((ns, pod, container), s) in series {
        let (kind, name) = match raw.owners.get(&(ns.clone(), pod.clone())) {
            Some(o) => o.clone(),
            None => {
                by_name += 1;
                let (kind, name) = crate::model::matching::owner_from_pod_name(&pod);
                (kind.to_string(), name.to_string())
            }
        };
        let last = s.span().map_or(i64::MIN, |x| x.1);
        let res = set.get(&(ns.clone(), pod.clone(), container.clone())).copied();
        let c = grouped
            .entry((ns, format!("{kind}/{name}")))
            .or_default()
            .entry(container)
            .or_insert_with(|| (Vec::new(), Resources::default(), i64::MIN));
        if let Some(r) = res
            && last >= c.2
        {
            c.1 = r;
            c.2 = last;
        }
        c.0.push(s);
    }
    let out = grouped
        .into_iter()
        .map(|((namespace, workload), cs)| WorkloadUsage {
            hpa: hpa_targets.contains(&(namespace.clone(), workload.clone())),
            namespace,
            workload,
            containers: cs
                .into_iter()
                .map(|(name, (pods, current, _))| ContainerUsage { name, current, pods })
                .collect(),
        })
        .collect();
    if skipped > 0 {
        warnings.push(format!("{skipped} value(s) or series without the labels or not numbers skipped"));
    }
    if by_name > 0 {
        warnings.push(format!(
            "{by_name} container series without kube_pod_owner: their workload is named from the pod name"
        ));
    }
    warnings.extend(warnings_of);
    (out, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::quantity::{Bytes, Millicores};

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn answers_become_workloads_with_the_latest_pod_s_resources() {
        let c = |pod: &str, container: &str| {
            labels(&[("namespace", "shop"), ("pod", pod), ("container", container)])
        };
        let raw = RawUsage {
            memory: Matrix {
                series: vec![
                    (c("api-7d9f8b6c5d-x2x9z", "app"), vec![(1_000, 1048576f64), (2_000, 2097152.2)]),
                    (c("api-5c6d7f8b9d-k4m2p", "app"), vec![(3_000, 3145728f64)]),
                    (labels(&[("pod", "x")]), vec![(1_000, 1f64)]),
                ],
                warnings: vec![],
            },
            cpu: Matrix {
                series: vec![(c("api-5c6d7f8b9d-k4m2p", "app"), vec![(3_000, 0.0123456), (4_000, f64::NAN)])],
                warnings: vec![],
            },
            oom: Matrix {
                series: vec![(
                    c("api-7d9f8b6c5d-x2x9z", "app"),
                    vec![(1_000, 1f64), (2_000, 1f64), (9_000, 1f64), (17_000, 1f64)],
                )],
                warnings: vec![],
            },
            requests: LabelledVector {
                items: vec![
                    (
                        labels(&[
                            ("namespace", "shop"),
                            ("pod", "api-7d9f8b6c5d-x2x9z"),
                            ("container", "app"),
                            ("resource", "memory"),
                        ]),
                        "1048576".into(),
                    ),
                    (
                        labels(&[
                            ("namespace", "shop"),
                            ("pod", "api-5c6d7f8b9d-k4m2p"),
                            ("container", "app"),
                            ("resource", "memory"),
                        ]),
                        "4194304".into(),
                    ),
                    (
                        labels(&[
                            ("namespace", "shop"),
                            ("pod", "api-5c6d7f8b9d-k4m2p"),
                            ("container", "app"),
                            ("resource", "cpu"),
                        ]),
                        "0.25".into(),
                    ),
                ],
                warnings: vec![],
            },
            limits: LabelledVector::default(),
            owners: BTreeMap::new(),
            step_ms: 1_000,
            throttled: Matrix {
                series: vec![(c("api-5c6d7f8b9d-k4m2p", "app"), vec![(3_000, 0.25), (4_000, 1.5)])],
                warnings: vec![],
            },
            hpas: LabelledVector {
                items: vec![(
                    labels(&[
                        ("namespace", "shop"),
                        ("scaletargetref_kind", "Deployment"),
                        ("scaletargetref_name", "api"),
                    ]),
                    "1".into(),
                )],
                warnings: vec![],
            },
        };
        let (w, warnings) = to_workloads(raw);
        assert_eq!(w.len(), 1);
        assert_eq!(
            (w[0].namespace.as_str(), w[0].workload.as_str(), w[0].hpa),
            ("shop", "Deployment/api", true)
        );
        let app = &w[0].containers[0];
        assert_eq!(app.current.memory_request, Some(Bytes(4_194_304)), "the pod seen last");
        assert_eq!(app.current.cpu_request, Some(Millicores(250)));
        assert_eq!(app.pods.len(), 2);
        assert_eq!(app.pods[1].memory, vec![(1_000, 1_048_576), (2_000, 2_097_153)]);
        assert_eq!(
            app.pods[1].oom_kills,
            vec![1_000, 9_000, 17_000],
            "a run of points one step apart is one kill"
        );
        assert_eq!(app.pods[0].cpu, vec![(3_000, 12_346)]);
        assert_eq!(app.pods[0].throttled, vec![(3_000, 2_500), (4_000, 10_000)], "basis points, at most all");
        assert!(warnings.iter().any(|x| x.starts_with("2 value(s)")), "{warnings:?}");
        assert!(warnings.iter().any(|x| x.contains("named from the pod name")), "{warnings:?}");
    }
}
