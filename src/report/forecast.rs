//! The forecast in words: month by month, each target's run (when it runs out and why), the
//! phase timeline and how the figures were computed.

use serde::Serialize;

use super::check::describe_baseline;
use super::plan::rejection_text;
use crate::analysis::forecast::{Forecast, RunOut};
use crate::model::catalog::format_cents;
use crate::model::figure::{CpuFig, MemFig, PctFig};
use crate::model::ratio::{ONE, Ratio};

/// One month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthRow {
    /// 0 is now.
    pub month: u32,
    /// Every service at its typical figure (all replicas).
    pub memory: MemFig,
    /// What the options are sized by (the policy's sizeBy, clients included).
    pub demand: MemFig,
    /// CPU at the typical figures.
    pub cpu: CpuFig,
    /// Concurrent clients, when forecast.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clients: Option<u64>,
    /// Options that pass this month.
    pub passing: Vec<String>,
    /// The cheapest passing option.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cheapest: Option<String>,
    /// The current host or cluster's projected share (as `check` gates it), when forecast.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_percent: Option<PctFig>,
}

/// One target over the horizon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetRow {
    /// Name.
    pub name: String,
    /// tier, plan, host or cluster.
    pub kind: &'static str,
    /// Monthly cost.
    pub monthly: String,
    /// Allocatable (options) or total (the current machine).
    pub capacity: MemFig,
    /// What the nodes run besides the pods (options).
    pub overhead: MemFig,
    /// What the load may fill: (1 - headroom) x allocatable - overhead (options), the warn
    /// limit (the current machine).
    pub usable: MemFig,
    /// Holds now.
    pub fits_now: bool,
    /// First month it no longer holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs_out: Option<u32>,
    /// Why it fails in that month.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A stretch of months served by the same cheapest option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhaseRow {
    /// First month.
    pub from: u32,
    /// Last month.
    pub to: u32,
    /// The cheapest passing option, or none when no option holds the load.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
}

/// The forecast report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ForecastReport {
    /// Monthly growth of the load.
    pub growth: PctFig,
    /// Monthly growth of the clients.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_growth: Option<PctFig>,
    /// Required headroom per node.
    pub headroom: PctFig,
    /// Where the demand comes from, in words.
    pub demand_source: String,
    /// Month by month.
    pub months: Vec<MonthRow>,
    /// Target by target (the current machine first, when forecast).
    pub targets: Vec<TargetRow>,
    /// The phase timeline over the options.
    pub phases: Vec<PhaseRow>,
    /// Notes about the inputs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Inputs that could not be read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_inputs: Vec<String>,
    /// How the figures were computed.
    pub explain: Vec<String>,
}

impl ForecastReport {
    /// The report of a forecast.
    pub fn new(
        f: &Forecast,
        currency: &str,
        demand_source: String,
        current: Option<&crate::analysis::forecast::Current>,
    ) -> ForecastReport {
        let i = &f.input;
        let mut explain = vec![
            format!(
                "each service's memory and cpu (typical and peak, per replica and live totals) grow {} a month, compounding, rounded up each month: m(k) = ceil(m(k-1) x {})",
                i.growth.percent_string(),
                Ratio(ONE + i.growth.0).multiplier_string()
            ),
            format!(
                "each month every option is placed as recommend does (its nodes' overhead and the system pods included), with {} headroom per node; it runs out in the first month it no longer passes",
                f.headroom.percent_string()
            ),
        ];
        if let Some(c) = current {
            explain.push(format!(
                "{} ({}) is projected as check does: its other usage stays, its running services grow inside it and the services to add grow too; it runs out in the first month its verdict is no longer HEALTHY",
                c.name,
                describe_baseline(&c.baseline, c.baseline.total)
            ));
        }
        if let Some(c) = i.clients {
            explain.push(format!(
                "clients: {c} now, growing {} a month (rounded up); their perClient costs are part of the demand",
                i.client_growth.percent_string()
            ));
        }
        ForecastReport {
            growth: i.growth.into(),
            client_growth: i.clients.map(|_| i.client_growth.into()),
            headroom: f.headroom.into(),
            demand_source,
            months: f
                .months
                .iter()
                .map(|m| MonthRow {
                    month: m.month,
                    memory: m.memory.into(),
                    demand: m.demand.into(),
                    cpu: m.cpu.into(),
                    clients: m.clients,
                    passing: m.passing.clone(),
                    cheapest: m.cheapest.clone(),
                    current_percent: m
                        .current
                        .as_ref()
                        .map(|p| Ratio::of(p.gated_used, p.total.0).unwrap_or(Ratio(0)).into()),
                })
                .collect(),
            targets: f
                .runs
                .iter()
                .map(|r| TargetRow {
                    name: r.name.clone(),
                    kind: r.kind,
                    monthly: r.monthly_cents.map_or("-".into(), |c| format_cents(c, currency)),
                    capacity: r.capacity.into(),
                    overhead: r.overhead.into(),
                    usable: r.usable.into(),
                    fits_now: r.fits_now,
                    runs_out: r.runs_out,
                    reason: r.reason.as_ref().map(|x| match x {
                        RunOut::Option(e) => {
                            e.rejections.first().map_or("fails".into(), |r| rejection_text(r, currency))
                        }
                        RunOut::Verdict(p) => format!(
                            "{}: projected {} of {} ({}), the warn threshold is {}",
                            p.verdict.status.as_str(),
                            crate::model::quantity::Bytes(p.gated_used),
                            p.total,
                            Ratio::of(p.gated_used, p.total.0).unwrap_or(Ratio(0)).percent_string(),
                            p.warn_limit
                        ),
                    }),
                })
                .collect(),
            phases: f
                .phases
                .iter()
                .map(|p| PhaseRow { from: p.from, to: p.to, option: p.option.clone() })
                .collect(),
            notes: Vec::new(),
            missing_inputs: Vec::new(),
            explain,
        }
    }
}
