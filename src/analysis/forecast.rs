//! Growth forecast: the demand month by month under a growth rate (and, with per-client costs,
//! a growing number of clients), and when each target runs out.
//!
//! Growth compounds monthly on every service's figures (typical and peak, per replica and live
//! totals alike), rounded up to a whole byte and millicore each month: `m(k) = ceil(m(k-1) x
//! (1 + g))`. Each month every catalog option is evaluated exactly as `recommend` does
//! (placement on its modelled nodes, headroom, clients), and the current host or cluster is
//! projected exactly as `check` does (its other usage stays, the services grow), so "runs
//! out" means the first month it no longer passes, by the same rule as the command that
//! judges it today. The cheapest passing option of each month gives the phase timeline.

use super::check::{self, Gates, Projection, Status};
use super::demand::{Demand, State};
use super::plan::{CandidateOption, Evaluation, Models, Planner, Requirements};
use crate::model::baseline::Baseline;
use crate::model::quantity::{Bytes, Millicores};
use crate::model::ratio::{ONE, Ratio};

/// A monthly growth rate, parsed from `15%/month` (or `15%`, `15%/mo`).
pub fn parse_growth(s: &str) -> Result<Ratio, String> {
    let t = s.trim();
    let pct = t
        .strip_suffix("/month")
        .or_else(|| t.strip_suffix("/mo"))
        .unwrap_or(t)
        .trim()
        .strip_suffix('%')
        .ok_or_else(|| format!("{s:?}: expected a monthly percentage such as 15%/month"))?;
    Ratio::parse_percent(pct.trim()).map_err(|e| format!("{s:?}: {e}"))
}

/// `ceil(v x (1 + g))`, in integers.
pub fn grow(v: u64, g: Ratio) -> u64 {
    let num = u128::from(v) * u128::from(ONE + g.0);
    u64::try_from(num.div_ceil(u128::from(ONE))).unwrap_or(u64::MAX)
}

/// `v` grown for `months` months.
pub fn grow_for(v: u64, g: Ratio, months: u32) -> u64 {
    (0..months).fold(v, |acc, _| grow(acc, g))
}

/// What to forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    /// Months after now (month 0 is now).
    pub months: u32,
    /// Monthly growth of every service's load.
    pub growth: Ratio,
    /// Concurrent clients now.
    pub clients: Option<u64>,
    /// Monthly growth of the clients.
    pub client_growth: Ratio,
}

/// The machine the stack runs on now, projected as `check` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    /// Its name in the report (`this host`, `cluster CONTEXT`).
    pub name: String,
    /// Its baseline now.
    pub baseline: Baseline,
    /// The scheduler's view, for a cluster.
    pub scheduling: Option<check::Scheduling>,
}

/// One month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Month {
    /// 0 is now.
    pub month: u32,
    /// Every service at its typical figure (all instances).
    pub memory: Bytes,
    /// What options are sized by (the policy's sizeBy, clients included), services only.
    pub demand: Bytes,
    /// CPU at the typical figures.
    pub cpu: Millicores,
    /// Concurrent clients, when forecast.
    pub clients: Option<u64>,
    /// Options that pass this month (in target order).
    pub passing: Vec<String>,
    /// The cheapest passing option.
    pub cheapest: Option<String>,
    /// The current host or cluster this month, projected.
    pub current: Option<Projection>,
}

/// Why a target no longer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOut {
    /// An option's evaluation failed (its first rejection is the reason).
    Option(Box<Evaluation>),
    /// The current host or cluster's verdict is no longer HEALTHY.
    Verdict(Box<Projection>),
}

/// One target over the horizon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// Name.
    pub name: String,
    /// tier, plan, host or cluster.
    pub kind: &'static str,
    /// Monthly cost.
    pub monthly_cents: Option<u64>,
    /// Allocatable (options) or total (the current machine).
    pub capacity: Bytes,
    /// What the nodes run besides the pods (options; 0 for the current machine, whose usage
    /// holds it).
    pub overhead: Bytes,
    /// The share of the capacity the load may fill: (1 - headroom) x capacity - overhead
    /// for options, the warn limit for the current machine.
    pub usable: Bytes,
    /// Holds now.
    pub fits_now: bool,
    /// First month it no longer holds (None: it lasts the whole horizon).
    pub runs_out: Option<u32>,
    /// Why, in that month.
    pub reason: Option<RunOut>,
}

/// A stretch of months served by the same cheapest option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase {
    /// First month.
    pub from: u32,
    /// Last month.
    pub to: u32,
    /// The cheapest passing option, or None when none holds the load.
    pub option: Option<String>,
}

/// The forecast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forecast {
    /// The input.
    pub input: Input,
    /// Required headroom per node.
    pub headroom: Ratio,
    /// Month by month.
    pub months: Vec<Month>,
    /// Target by target: the current machine first, then the options.
    pub runs: Vec<Run>,
    /// The phase timeline over the options.
    pub phases: Vec<Phase>,
}

/// Forecasts `demand` on `options` (and on `current`) over `input.months` months.
pub fn forecast(
    demand: &Demand,
    models: &Models,
    options: &[CandidateOption],
    current: Option<&Current>,
    req: &Requirements,
    input: &Input,
) -> Forecast {
    let mut months = Vec::new();
    let mut runs: Vec<Run> = Vec::new();
    let mut clients = input.clients;
    let running_now = running_memory(demand);
    for m in 0..=input.months {
        let scaled = demand.scaled(input.growth, m);
        let mut req_m = req.clone();
        req_m.clients = clients;
        let planner = Planner::new(&scaled, models, clients.unwrap_or(0));
        let evals: Vec<Evaluation> = options.iter().map(|o| planner.evaluate(o, &req_m, false)).collect();
        // The current machine: its other usage stays; the running services grow inside it.
        let projection = current.map(|c| {
            let mut b = c.baseline.clone();
            let grown = running_memory(&scaled);
            b.used = Bytes(b.used.0.saturating_sub(running_now.0).saturating_add(grown.0));
            b.available = Bytes(c.baseline.available.0.saturating_sub(grown.0.saturating_sub(running_now.0)));
            check::project(&scaled, &b, &Gates::default(), c.scheduling, false)
        });
        if m == 0 {
            if let (Some(c), Some(p)) = (current, &projection) {
                runs.push(Run {
                    name: c.name.clone(),
                    kind: if c.scheduling.is_some() { "cluster" } else { "host" },
                    monthly_cents: None,
                    capacity: p.total,
                    overhead: Bytes(0),
                    usable: p.warn_limit,
                    fits_now: p.verdict.status == Status::Healthy,
                    runs_out: None,
                    reason: None,
                });
            }
            for (o, e) in options.iter().zip(&evals) {
                let keep = Ratio(ONE.saturating_sub(req.min_headroom.0)).apply_floor(e.capacity_memory.0);
                runs.push(Run {
                    name: o.name.clone(),
                    kind: o.kind,
                    monthly_cents: o.monthly_cents,
                    capacity: e.capacity_memory,
                    overhead: e.overhead_memory,
                    usable: Bytes(keep.saturating_sub(e.overhead_memory.0)),
                    fits_now: e.passes,
                    runs_out: None,
                    reason: None,
                });
            }
        }
        let offset = usize::from(current.is_some());
        if let (Some(p), Some(run)) = (&projection, runs.first_mut().filter(|_| offset == 1))
            && p.verdict.status != Status::Healthy
            && run.runs_out.is_none()
        {
            run.runs_out = Some(m);
            run.reason = Some(RunOut::Verdict(Box::new(p.clone())));
        }
        for (run, e) in runs.iter_mut().skip(offset).zip(&evals) {
            if !e.passes && run.runs_out.is_none() {
                run.runs_out = Some(m);
                run.reason = Some(RunOut::Option(Box::new(e.clone())));
            }
        }
        let cheapest = evals
            .iter()
            .filter(|e| e.passes)
            .min_by_key(|e| (e.monthly_cents.unwrap_or(u64::MAX), e.nodes))
            .map(|e| e.name.clone());
        let active = || scaled.services.iter().filter(|d| d.state != State::OutOfScope);
        months.push(Month {
            month: m,
            memory: Bytes(active().map(|d| d.memory.0).fold(0u64, u64::saturating_add)),
            demand: Bytes(planner.load.services.iter().map(|i| i.memory.0).fold(0u64, u64::saturating_add)),
            cpu: Millicores(active().map(|d| d.cpu.0).fold(0u64, u64::saturating_add)),
            clients,
            passing: evals.iter().filter(|e| e.passes).map(|e| e.name.clone()).collect(),
            cheapest,
            current: projection,
        });
        clients = clients.map(|c| grow(c, input.client_growth));
    }
    let mut phases: Vec<Phase> = Vec::new();
    for m in &months {
        match phases.last_mut() {
            Some(p) if p.option == m.cheapest => p.to = m.month,
            _ => phases.push(Phase { from: m.month, to: m.month, option: m.cheapest.clone() }),
        }
    }
    Forecast { input: *input, headroom: req.min_headroom, months, runs, phases }
}

fn running_memory(d: &Demand) -> Bytes {
    Bytes(
        d.services
            .iter()
            .filter(|s| s.state == State::Running)
            .map(|s| s.memory.0)
            .fold(0u64, u64::saturating_add),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn growth_rates_parse() {
        assert_eq!(parse_growth("15%/month").unwrap(), Ratio(1500));
        assert_eq!(parse_growth("2.5%").unwrap(), Ratio(250));
        assert_eq!(parse_growth(" 10 %/mo ").unwrap(), Ratio(1000));
        assert_eq!(parse_growth("0%/month").unwrap(), Ratio(0));
        assert!(parse_growth("15").unwrap_err().contains("expected a monthly percentage such as 15%/month"));
        assert!(parse_growth("fast%/month").is_err());
    }

    #[test]
    fn growth_compounds_with_rounding_up_each_month() {
        // 1000Mi at 10%/month, by hand: 1048576000 -> 1153433600 -> 1268776960 -> 1395654656
        // -> 1535220121.6, rounded up to 1535220122.
        let g = Ratio(1000);
        let v = 1000 << 20;
        assert_eq!(grow_for(v, g, 0), 1_048_576_000);
        assert_eq!(grow_for(v, g, 1), 1_153_433_600);
        assert_eq!(grow_for(v, g, 2), 1_268_776_960);
        assert_eq!(grow_for(v, g, 3), 1_395_654_656);
        assert_eq!(grow_for(v, g, 4), 1_535_220_122);
        assert_eq!(grow_for(1, Ratio(100), 3), 4);
        assert_eq!(grow_for(1, Ratio(0), 12), 1);
        assert_eq!(grow(u64::MAX, Ratio(100)), u64::MAX);
    }
}
