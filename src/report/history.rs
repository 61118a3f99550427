//! The history section's explain lines.

use super::check::Explain;
use crate::analysis::history::{HistoryReport, PodHistory, Raw};

/// The pod with the largest figure, and how many pods there were, for explain lines.
fn largest(pods: &[PodHistory], f: fn(&PodHistory) -> Option<&Raw>) -> Option<(String, usize)> {
    let with: Vec<(&PodHistory, &Raw)> = pods.iter().filter_map(|p| f(p).map(|r| (p, r))).collect();
    let (p, r) = with.iter().max_by_key(|(_, r)| r.rounded)?;
    Some((format!("{}/{} (Prometheus {} -> {})", p.namespace, p.pod, r.prometheus, r.rounded), with.len()))
}

/// The explain lines of the history section.
pub fn explain(h: &HistoryReport) -> Vec<Explain> {
    let mut out = Vec::new();
    let over = format!("over {} (step {}) at {}", h.window, h.step, h.at);
    for s in &h.services {
        if let (Some(m), Some((pod, n))) = (&s.memory, largest(&s.pods, |p| p.memory.as_ref())) {
            out.push(Explain {
                figure: format!("history.{}.memory", s.name),
                arithmetic: format!(
                    "the largest of {n} pod(s)' quantile_over_time({}) of the working set {over}: {pod} = {} ({} bytes, rounded up) per replica; replaces the profile's typical {}",
                    h.quantile, m.display(), m.bytes, s.profile_memory.display()
                ),
            });
        }
        if let (Some(m), Some((pod, n))) = (&s.memory_peak, largest(&s.pods, |p| p.memory_peak.as_ref())) {
            out.push(Explain {
                figure: format!("history.{}.memoryPeak", s.name),
                arithmetic: format!(
                    "the largest of {n} pod(s)' max_over_time of the working set {over}: {pod} = {} ({} bytes) per replica; replaces the profile's peak {}",
                    m.display(),
                    m.bytes,
                    s.profile_memory_peak.as_ref().map_or("(typical x peakMultiplier)".to_string(), |p| p.display())
                ),
            });
        }
        if let (Some(c), Some((pod, n))) = (&s.cpu, largest(&s.pods, |p| p.cpu.as_ref())) {
            out.push(Explain {
                figure: format!("history.{}.cpu", s.name),
                arithmetic: format!(
                    "the largest of {n} pod(s)' quantile_over_time({}) of the 5m cpu usage rate {over}: {pod} = {} ({} millicores, rounded up from cores x 1000) per replica; replaces the profile's typical {}",
                    h.quantile,
                    c.display(),
                    c.millicores,
                    s.profile_cpu.as_ref().map_or("(none)".to_string(), |p| p.display())
                ),
            });
        }
    }
    out
}
