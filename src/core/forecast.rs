//! Growth forecast: the load month by month under a growth rate (and, with per-client costs, a
//! growing number of clients), and when each tier runs out of headroom.
//!
//! Growth compounds monthly on every service's memory and cpu (typical and peak), per replica,
//! rounded up to a whole byte and millicore each month: `m(k) = ceil(m(k-1) x (1 + g))`. Each
//! month every tier is evaluated exactly as `recommend` does (placement, headroom, clients), so
//! "runs out" means the first month it no longer passes. The cheapest passing tier of each
//! month gives the phase timeline.

use serde::Serialize;

use super::figure::{CpuFig, MemFig, PctFig};
use super::plan::{self, CandidateOption, Requirements};
use crate::model::profile::Profile;
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

/// The profile with every service grown for `months` months.
pub fn scale_profile(profile: &Profile, g: Ratio, months: u32) -> Profile {
    let mut p = profile.clone();
    for s in &mut p.services {
        s.memory.typical = Bytes(grow_for(s.memory.typical.0, g, months));
        s.memory.peak = s.memory.peak.map(|b| Bytes(grow_for(b.0, g, months)));
        if let Some(c) = &mut s.cpu {
            c.typical = Millicores(grow_for(c.typical.0, g, months));
            c.peak = c.peak.map(|m| Millicores(grow_for(m.0, g, months)));
        }
    }
    p
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

/// One month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Month {
    /// 0 is now.
    pub month: u32,
    /// Every service at its typical figure (all replicas).
    pub memory: MemFig,
    /// What the tiers are sized by (the policy's sizeBy, clients included).
    pub demand: MemFig,
    /// CPU at the typical figures.
    pub cpu: CpuFig,
    /// Concurrent clients, when forecast.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clients: Option<u64>,
    /// Tiers that pass this month (catalog order).
    pub passing: Vec<String>,
    /// The cheapest passing tier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cheapest: Option<String>,
}

/// One tier over the horizon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TierRun {
    /// Tier name.
    pub name: String,
    /// Monthly cost.
    pub monthly: String,
    /// Memory allocatable to pods on its workload nodes.
    pub capacity: MemFig,
    /// The part of it the load may fill: capacity x (1 - required headroom).
    pub usable: MemFig,
    /// Passes now.
    pub fits_now: bool,
    /// First month it no longer passes (None: it lasts the whole horizon).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs_out: Option<u32>,
    /// Why it fails in that month (or now).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A stretch of months served by the same cheapest tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Phase {
    /// First month.
    pub from: u32,
    /// Last month.
    pub to: u32,
    /// The cheapest passing tier, or None when no tier holds the load.
    pub tier: Option<String>,
}

/// The forecast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Forecast {
    /// Monthly growth of the load.
    pub growth: PctFig,
    /// Monthly growth of the clients, when clients are forecast.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_growth: Option<PctFig>,
    /// Required headroom per node.
    pub headroom: PctFig,
    /// Month by month.
    pub months: Vec<Month>,
    /// Tier by tier.
    pub tiers: Vec<TierRun>,
    /// The phase timeline.
    pub phases: Vec<Phase>,
    /// How the figures were computed.
    pub explain: Vec<String>,
}

/// Forecasts `profile` against the tier options over `input.months` months.
pub fn forecast(
    profile: &Profile,
    tiers: &[CandidateOption],
    req: &Requirements,
    currency: &str,
    input: &Input,
) -> Forecast {
    let mut months = Vec::new();
    let mut runs: Vec<TierRun> = Vec::new();
    let mut clients = input.clients;
    for m in 0..=input.months {
        let scaled = scale_profile(profile, input.growth, m);
        let mut req_m = req.clone();
        req_m.clients = clients;
        let evals: Vec<plan::Evaluation> =
            tiers.iter().map(|o| plan::evaluate(&scaled, o, &req_m, currency)).collect();
        if m == 0 {
            runs = tiers
                .iter()
                .zip(&evals)
                .map(|(o, e)| TierRun {
                    name: o.name.clone(),
                    monthly: e.monthly.clone(),
                    capacity: e.capacity_memory.clone(),
                    usable: Bytes(
                        Ratio(ONE.saturating_sub(req.min_headroom.0)).apply_floor(e.capacity_memory.bytes),
                    )
                    .into(),
                    fits_now: e.passes,
                    runs_out: None,
                    reason: None,
                })
                .collect();
        }
        for (run, e) in runs.iter_mut().zip(&evals) {
            if !e.passes && run.runs_out.is_none() {
                run.runs_out = Some(m);
                run.reason = e.reasons.first().cloned();
            }
        }
        let cheapest = evals
            .iter()
            .filter(|e| e.passes)
            .min_by_key(|e| (e.monthly_cents.unwrap_or(u64::MAX), e.nodes))
            .map(|e| e.name.clone());
        let memory = Bytes(scaled.services.iter().map(|s| s.memory_total().0).sum());
        let cpu = Millicores(scaled.services.iter().map(|s| s.cpu_total().0).sum());
        months.push(Month {
            month: m,
            memory: memory.into(),
            demand: evals.first().map_or_else(|| memory.into(), |e| e.demand_memory.clone()),
            cpu: cpu.into(),
            clients,
            passing: evals.iter().filter(|e| e.passes).map(|e| e.name.clone()).collect(),
            cheapest,
        });
        clients = clients.map(|c| grow(c, input.client_growth));
    }
    let mut phases: Vec<Phase> = Vec::new();
    for m in &months {
        match phases.last_mut() {
            Some(p) if p.tier == m.cheapest => p.to = m.month,
            _ => phases.push(Phase { from: m.month, to: m.month, tier: m.cheapest.clone() }),
        }
    }
    let mut explain = vec![
        format!(
            "each service's memory and cpu (typical and peak, per replica) grow {} a month, compounding, rounded up each month: m(k) = ceil(m(k-1) x {})",
            input.growth.percent_string(),
            Ratio(ONE + input.growth.0).multiplier_string()
        ),
        format!(
            "each month every tier is placed as recommend does, with {} headroom per node; it runs out in the first month it no longer passes",
            req.min_headroom.percent_string()
        ),
    ];
    if let Some(c) = input.clients {
        explain.push(format!(
            "clients: {c} now, growing {} a month (rounded up); their perClient costs are part of the demand",
            input.client_growth.percent_string()
        ));
    }
    Forecast {
        growth: input.growth.into(),
        client_growth: input.clients.map(|_| input.client_growth.into()),
        headroom: req.min_headroom.into(),
        months,
        tiers: runs,
        phases,
        explain,
    }
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
        // Rounding up happens every month: 1 -> 2 -> 3 (2.02) -> 4 (3.03) at 1%.
        assert_eq!(grow_for(1, Ratio(100), 3), 4);
        assert_eq!(grow_for(1, Ratio(0), 12), 1);
        assert_eq!(grow(u64::MAX, Ratio(100)), u64::MAX);
    }
}
