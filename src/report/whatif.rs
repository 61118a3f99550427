//! What-if changes in words: the changes, the plan before and after, and the conclusion.

use serde::Serialize;

use super::plan::RecommendReport;
use crate::analysis::check::Status;
use crate::analysis::whatif::{Applied, Comparison, change_memory};
use crate::model::figure::{MemFig, PctFig, SignedMemFig};

/// The change in words: `replace vault-simple by hashicorp-vault`, `remove api`.
pub fn describe(a: &Applied) -> String {
    match &a.replacement {
        Some(r) => format!("{} {} by {r}", a.kind.as_str(), a.service),
        None => format!("{} {}", a.kind.as_str(), a.service),
    }
}

/// The note a removed or replaced running service leaves on the baseline.
pub fn freed_notes(applied: &[Applied]) -> Vec<String> {
    applied
        .iter()
        .filter(|a| a.freed.mem.0 > 0)
        .map(|a| {
            format!(
                "what-if: {} {:?} frees the {} it uses now",
                if a.kind.as_str() == "remove" { "removing" } else { "replacing" },
                a.service,
                a.freed.mem
            )
        })
        .collect()
}

/// One side of the comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Side {
    /// Projected used memory.
    pub projected_used: MemFig,
    /// The percentage the thresholds apply to.
    pub gated_percent: PctFig,
    /// Projected used with every service at its peak.
    pub peak_used: MemFig,
    /// peak used / total.
    pub peak_used_percent: PctFig,
    /// The verdict.
    pub verdict: Status,
}

/// A change as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeRow {
    /// add, remove or replace.
    pub change: &'static str,
    /// Service named by the change.
    pub service: String,
    /// The replacement's name, when it differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
    /// Memory counted for the old service (its live or typical figure, all replicas).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_before: Option<MemFig>,
    /// Memory of the new service (typical x replicas).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_after: Option<MemFig>,
    /// Peak of the new service (all replicas).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_after: Option<MemFig>,
    /// after - before.
    pub delta: SignedMemFig,
}

/// Before and after, and whether memory stays under the policy's warn threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhatIf {
    /// Scenario name (`--scenario`), else `command line`.
    pub scenario: String,
    /// Scenario description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The changes.
    pub changes: Vec<ChangeRow>,
    /// The plan without the changes.
    pub before: Side,
    /// The plan with them.
    pub after: Side,
    /// after - before projected used.
    pub delta: SignedMemFig,
    /// The policy's warn threshold.
    pub threshold: PctFig,
    /// After the changes, memory stays under the threshold.
    pub stays_under_threshold: bool,
    /// With every service at its peak, memory stays under the threshold.
    pub peak_stays_under_threshold: bool,
    /// One sentence.
    pub conclusion: String,
}

impl WhatIf {
    /// The what-if section of a check.
    pub fn new(scenario: &str, description: Option<&str>, c: &Comparison, applied: &[Applied]) -> WhatIf {
        let side = |s: &crate::analysis::whatif::Side| Side {
            projected_used: s.projected_used.into(),
            gated_percent: s.gated_ratio().into(),
            peak_used: s.peak_used.into(),
            peak_used_percent: s.peak_ratio().into(),
            verdict: s.verdict,
        };
        let (b, a) = (side(&c.before), side(&c.after));
        let delta: SignedMemFig =
            (i128::from(c.after.projected_used.0) - i128::from(c.before.projected_used.0)).into();
        let conclusion = format!(
            "{}: projected memory {} -> {} ({} -> {}, {}); {} the {} threshold{}",
            scenario,
            b.projected_used.display(),
            a.projected_used.display(),
            b.gated_percent.display(),
            a.gated_percent.display(),
            delta.display(),
            if c.stays_under_threshold { "stays under" } else { "does NOT stay under" },
            c.threshold.percent_string(),
            if c.stays_under_threshold && !c.peak_stays_under_threshold {
                format!(", but at peak ({}) it does not", a.peak_used_percent.display())
            } else {
                String::new()
            }
        );
        WhatIf {
            scenario: scenario.to_string(),
            description: description.map(str::to_string),
            changes: applied
                .iter()
                .map(|x| {
                    let (mb, ma, d) = change_memory(x);
                    ChangeRow {
                        change: x.kind.as_str(),
                        service: x.service.clone(),
                        replacement: x.replacement.clone(),
                        memory_before: mb.map(Into::into),
                        memory_after: ma.map(Into::into),
                        peak_after: x.after.as_ref().map(|s| s.peak.into()),
                        delta: d.into(),
                    }
                })
                .collect(),
            before: b,
            after: a,
            delta,
            threshold: PctFig::from(c.threshold),
            stays_under_threshold: c.stays_under_threshold,
            peak_stays_under_threshold: c.peak_stays_under_threshold,
            conclusion,
        }
    }
}

/// The pick of a `recommend`, as the what-if comparison names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PickSummary {
    /// Option name.
    pub name: String,
    /// Monthly cost.
    pub monthly: String,
}

/// `recommend` before and after what-if changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecommendWhatIf {
    /// Scenario name, or `command line`.
    pub scenario: String,
    /// The changes, in words.
    pub changes: Vec<String>,
    /// Demand without the changes.
    pub demand_before: MemFig,
    /// Demand with them.
    pub demand_after: MemFig,
    /// The pick without the changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pick_before: Option<PickSummary>,
    /// The pick with them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pick_after: Option<PickSummary>,
    /// One sentence.
    pub conclusion: String,
}

impl RecommendWhatIf {
    /// Compares two `recommend` answers, without and with `applied`.
    pub fn new(
        scenario: &str,
        applied: &[Applied],
        before: &RecommendReport,
        after: &RecommendReport,
    ) -> Self {
        let pick = |r: &RecommendReport| {
            r.pick.as_ref().map(|p| PickSummary { name: p.name.clone(), monthly: p.monthly.clone() })
        };
        let (pb, pa) = (pick(before), pick(after));
        let text = |p: &Option<PickSummary>| {
            p.as_ref().map_or("nothing passes".to_string(), |p| format!("{} at {}", p.name, p.monthly))
        };
        let verdict = match (&pb, &pa) {
            (Some(b), Some(a)) if b.name == a.name => "the pick does not change".to_string(),
            (_, None) => "nothing passes any more".to_string(),
            _ => "the pick changes".to_string(),
        };
        let delta: SignedMemFig =
            (i128::from(after.demand_memory.bytes) - i128::from(before.demand_memory.bytes)).into();
        RecommendWhatIf {
            scenario: scenario.to_string(),
            changes: applied.iter().map(describe).collect(),
            demand_before: before.demand_memory.clone(),
            demand_after: after.demand_memory.clone(),
            conclusion: format!(
                "{scenario}: demand {} -> {} ({}); {} -> {}: {verdict}",
                before.demand_memory.display(),
                after.demand_memory.display(),
                delta.display(),
                text(&pb),
                text(&pa)
            ),
            pick_before: pb,
            pick_after: pa,
        }
    }
}
