//! `forecast` as a table with an ASCII chart, or Markdown.

use comfy_table::Cell;

use super::RenderOptions;
use super::table::{new_table, right};
use crate::model::quantity::Bytes;
use crate::report::forecast::ForecastReport as Forecast;

/// Columns of the chart's bars.
const CHART_WIDTH: usize = 60;

fn phase_text(f: &Forecast) -> Vec<String> {
    f.phases
        .iter()
        .map(|p| {
            let months = if p.from == p.to {
                format!("month {}", p.from)
            } else {
                format!("months {}-{}", p.from, p.to)
            };
            match &p.option {
                Some(t) => format!("{months}: {t}"),
                None => format!("{months}: no option holds the load"),
            }
        })
        .collect()
}

fn runs_out_text(r: &crate::report::forecast::TargetRow, horizon: u32) -> String {
    match (r.fits_now, r.runs_out) {
        (false, _) => "does not hold the load now".to_string(),
        (true, Some(m)) => format!("month {m}"),
        (true, None) => format!("lasts past month {horizon}"),
    }
}

/// The chart: one bar per month (the sized demand), each target's usable memory marked by its
/// number on the same scale. A target's mark turns to `x` from the month the table says it runs
/// out (whatever ran out: memory, cpu, node loss), and that month's line names it, so the chart
/// and the table always give the same month.
pub fn chart(f: &Forecast) -> String {
    let max = f
        .months
        .iter()
        .map(|m| m.demand.bytes)
        .chain(f.targets.iter().map(|t| t.usable.bytes))
        .max()
        .unwrap_or(0)
        .max(1);
    let col = |b: u64| -> usize {
        let c = (u128::from(b) * CHART_WIDTH as u128).div_ceil(u128::from(max));
        usize::try_from(c).unwrap_or(CHART_WIDTH).min(CHART_WIDTH)
    };
    let label = |i: usize| char::from_digit((i as u32 + 1) % 36, 36).unwrap_or('?');
    let mut out = String::new();
    out.push_str(&format!(
        "Sized demand by month against each target's usable memory (full width {}; a target's number marks its usable memory, x from the month it runs out)\n",
        Bytes(max)
    ));
    for (i, t) in f.targets.iter().enumerate() {
        out.push_str(&format!("  {} = {} (usable {})\n", label(i), t.name, t.usable.display));
    }
    for m in &f.months {
        let filled = col(m.demand.bytes);
        let mut line: Vec<char> = (0..CHART_WIDTH).map(|c| if c < filled { '#' } else { ' ' }).collect();
        let mut out_now = Vec::new();
        for (i, t) in f.targets.iter().enumerate() {
            let at = col(t.usable.bytes).saturating_sub(1).min(CHART_WIDTH - 1);
            let gone = t.runs_out.is_some_and(|r| r <= m.month);
            line[at] = if gone { 'x' } else { label(i) };
            if t.runs_out == Some(m.month) {
                out_now.push(label(i).to_string());
            }
        }
        let bar: String = line.into_iter().collect();
        let note =
            if out_now.is_empty() { String::new() } else { format!(" <- {} runs out", out_now.join(", ")) };
        out.push_str(&format!("{:>5} {:>9} |{bar}|{note}\n", m.month, m.demand.display));
    }
    out
}

/// The forecast as tables and a chart.
pub fn table(f: &Forecast, origin: &str, catalog_origin: &str, opts: &RenderOptions) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "bizo-plan forecast: profile {origin}, tiers {catalog_origin}; load growth {} a month{}; headroom {} per node\n",
        f.growth.display,
        f.client_growth.as_ref().map_or(String::new(), |g| format!(", clients growth {} a month", g.display)),
        f.headroom.display
    ));
    let horizon = f.months.last().map_or(0, |m| m.month);
    out.push_str("\nTargets\n");
    let mut t = new_table(
        opts,
        &["Target", "Monthly", "Allocatable", "Node overhead", "Usable", "Now", "Runs out", "Why"],
    );
    for r in &f.targets {
        t.add_row(vec![
            Cell::new(&r.name),
            right(&r.monthly),
            right(&r.capacity.display),
            right(&r.overhead.display),
            right(&r.usable.display),
            Cell::new(if r.fits_now { "holds" } else { "no" }),
            Cell::new(runs_out_text(r, horizon)),
            Cell::new(r.reason.clone().unwrap_or_default()),
        ]);
    }
    out.push_str(&t.to_string());
    out.push('\n');

    out.push_str("\nPhases (the cheapest tier that holds each month)\n");
    for p in phase_text(f) {
        out.push_str(&format!("  {p}\n"));
    }

    out.push_str("\nMonth by month\n");
    let with_clients = f.months.iter().any(|m| m.clients.is_some());
    let mut header = vec!["Month", "Memory (typical)", "Sized demand", "CPU"];
    if with_clients {
        header.push("Clients");
    }
    header.push("Cheapest tier");
    let mut t = new_table(opts, &header);
    for m in &f.months {
        let mut row =
            vec![right(m.month), right(&m.memory.display), right(&m.demand.display), right(&m.cpu.display)];
        if with_clients {
            row.push(right(m.clients.map_or(String::new(), |c| c.to_string())));
        }
        row.push(Cell::new(m.cheapest.clone().unwrap_or_else(|| "none".into())));
        t.add_row(row);
    }
    out.push_str(&t.to_string());
    out.push('\n');
    out.push('\n');
    out.push_str(&chart(f));
    if opts.explain {
        out.push_str("\nHow it was computed\n");
        for e in &f.explain {
            out.push_str(&format!("  - {e}\n"));
        }
    }
    out
}

/// The forecast as Markdown.
pub fn markdown(f: &Forecast, origin: &str) -> String {
    let mut out = format!(
        "## bizo-plan forecast: {} a month\n\nProfile {}; headroom {} per node.\n\n",
        f.growth.display,
        origin.replace('|', "\\|"),
        f.headroom.display
    );
    let horizon = f.months.last().map_or(0, |m| m.month);
    out.push_str("| Tier | Monthly | Usable | Runs out |\n|---|---|---|---|\n");
    for r in &f.targets {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            r.name,
            r.monthly,
            r.usable.display,
            runs_out_text(r, horizon)
        ));
    }
    out.push_str("\n### Phases\n\n");
    for p in phase_text(f) {
        out.push_str(&format!("- {p}\n"));
    }
    out.push_str("\n```text\n");
    out.push_str(&chart(f));
    out.push_str("```\n");
    out
}
