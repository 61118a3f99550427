//! Per-container usage history, as right-sizing reads it (issue 14): for each workload and
//! container, what it requests and limits now and, per pod, its memory working set and cpu
//! usage rate over time, with the OOM kills seen.
//!
//! Integers throughout: memory in bytes, cpu in **microcores** (a millionth of a core: a
//! Prometheus rate of 0.0123 cores is 12,300; millicores would round away what the percentiles
//! need), times in unix milliseconds.

use std::collections::BTreeMap;

use super::quantity::{Bytes, Millicores};

/// Microcores in a millicore.
pub const MICRO_PER_MILLI: u64 = 1_000;
/// A day, in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// One sample: unix milliseconds and a value (bytes, or microcores).
pub type Point = (i64, u64);

/// What one container of one pod did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodSeries {
    /// The pod's name.
    pub pod: String,
    /// Memory working set, bytes, in time order.
    pub memory: Vec<Point>,
    /// Cpu usage rate, microcores, in time order.
    pub cpu: Vec<Point>,
    /// Times of the OOM kills seen (unix ms), in order.
    pub oom_kills: Vec<i64>,
    /// Share of the cpu's CFS periods throttled over the step ending then, basis points, in
    /// time order (only where the history has it: a container with a cpu limit).
    pub throttled: Vec<Point>,
}

impl PodSeries {
    /// The first and last sample time of either series.
    pub fn span(&self) -> Option<(i64, i64)> {
        let first = [self.memory.first(), self.cpu.first()].into_iter().flatten().map(|p| p.0).min()?;
        let last = [self.memory.last(), self.cpu.last()].into_iter().flatten().map(|p| p.0).max()?;
        Some((first, last))
    }
}

/// A container's resources as set now (`None`: not set).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resources {
    /// cpu request.
    pub cpu_request: Option<Millicores>,
    /// cpu limit.
    pub cpu_limit: Option<Millicores>,
    /// memory request.
    pub memory_request: Option<Bytes>,
    /// memory limit.
    pub memory_limit: Option<Bytes>,
}

/// One container of a workload, over all its pods.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerUsage {
    /// The container's name.
    pub name: String,
    /// Its resources now.
    pub current: Resources,
    /// Its pods' series.
    pub pods: Vec<PodSeries>,
}

impl ContainerUsage {
    /// Every memory sample of every pod.
    pub fn memory_samples(&self) -> impl Iterator<Item = &Point> {
        self.pods.iter().flat_map(|p| p.memory.iter())
    }

    /// Every cpu sample of every pod.
    pub fn cpu_samples(&self) -> impl Iterator<Item = &Point> {
        self.pods.iter().flat_map(|p| p.cpu.iter())
    }

    /// This container restricted to samples (and OOM kills) in `[from, to)`; pods with no
    /// sample there are dropped.
    pub fn window(&self, from: i64, to: i64) -> ContainerUsage {
        let keep = |s: &[Point]| s.iter().copied().filter(|p| p.0 >= from && p.0 < to).collect::<Vec<_>>();
        ContainerUsage {
            name: self.name.clone(),
            current: self.current,
            pods: self
                .pods
                .iter()
                .map(|p| PodSeries {
                    pod: p.pod.clone(),
                    memory: keep(&p.memory),
                    cpu: keep(&p.cpu),
                    oom_kills: p.oom_kills.iter().copied().filter(|t| *t >= from && *t < to).collect(),
                    throttled: keep(&p.throttled),
                })
                .filter(|p| !p.memory.is_empty() || !p.cpu.is_empty())
                .collect(),
        }
    }
}

/// A workload (a profile service, or an owner found in the history) and its containers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkloadUsage {
    /// Namespace.
    pub namespace: String,
    /// Kind and name (`Deployment/api`), or the profile service's name.
    pub workload: String,
    /// Whether a HorizontalPodAutoscaler scales it (right-sizing its requests moves the
    /// autoscaler's target).
    pub hpa: bool,
    /// Its containers, by name.
    pub containers: Vec<ContainerUsage>,
}

/// The samples of a series grouped by UTC day (day number since 1970-01-01).
pub fn by_day(series: &[Point]) -> BTreeMap<i64, Vec<u64>> {
    let mut out: BTreeMap<i64, Vec<u64>> = BTreeMap::new();
    for (t, v) in series {
        out.entry(t.div_euclid(DAY_MS)).or_default().push(*v);
    }
    out
}

/// Microcores to millicores, rounded up.
pub fn millicores_ceil(micro: u64) -> Millicores {
    Millicores(micro.div_ceil(MICRO_PER_MILLI))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_keeps_what_falls_in_it_and_drops_empty_pods() {
        let c = ContainerUsage {
            name: "app".into(),
            current: Resources::default(),
            pods: vec![
                PodSeries {
                    pod: "a".into(),
                    memory: vec![(0, 1), (10, 2), (20, 3)],
                    cpu: vec![(10, 5)],
                    oom_kills: vec![15, 25],
                    throttled: vec![(12, 500), (30, 100)],
                },
                PodSeries { pod: "b".into(), memory: vec![(30, 9)], ..PodSeries::default() },
            ],
        };
        let w = c.window(10, 21);
        assert_eq!(w.pods.len(), 1);
        assert_eq!(w.pods[0].memory, vec![(10, 2), (20, 3)]);
        assert_eq!(w.pods[0].oom_kills, vec![15]);
        assert_eq!(w.pods[0].throttled, vec![(12, 500)]);
        assert_eq!(w.pods[0].span(), Some((10, 20)));
    }

    #[test]
    fn days_are_utc_days_and_millicores_round_up() {
        let d = by_day(&[(DAY_MS - 1, 1), (DAY_MS, 2), (2 * DAY_MS + 5, 3), (-1, 4)]);
        assert_eq!(d.keys().copied().collect::<Vec<_>>(), vec![-1, 0, 1, 2]);
        assert_eq!(millicores_ceil(12_300), Millicores(13));
        assert_eq!(millicores_ceil(12_000), Millicores(12));
    }
}
