//! `forecast` laid out as a [`Document`]; its chart has a text form (one bar per month) for the
//! text and Markdown backends, sized to the width.

use super::RenderOptions;
use super::charts;
use super::doc::{Block, Cell, Chart, Column, Document, Line, Section, Table, Text, Tone};
use super::text::push_wrapped;
use crate::model::quantity::Bytes;
use crate::report::forecast::{ForecastReport as Forecast, TargetRow};

/// Columns of the text chart's bars at most.
const CHART_WIDTH: usize = 60;

fn phase_items(f: &Forecast) -> Vec<Text> {
    f.phases
        .iter()
        .map(|p| {
            let months = if p.from == p.to {
                format!("month {}", p.from)
            } else {
                format!("months {}-{}", p.from, p.to)
            };
            match &p.option {
                Some(t) => Text::from(format!("{months}: {t}")),
                None => Text::new().t(format!("{months}: ")).tone("no option holds the load", Tone::Bad),
            }
        })
        .collect()
}

fn runs_out(r: &TargetRow, horizon: u32) -> Cell {
    match (r.fits_now, r.runs_out) {
        (false, _) => Cell::new("does not hold the load now").tone(Tone::Bad),
        (true, Some(m)) => Cell::new(format!("month {m}")).tone(Tone::Warn),
        (true, None) => Cell::new(format!("lasts past month {horizon}")),
    }
}

/// The chart as text, `width` columns at most: one bar per month (the sized demand), each
/// target's usable memory marked by its number on the same scale. A target's mark turns to `x`
/// from the month the table says it runs out (whatever ran out: memory, cpu, node loss), and
/// that month's line names it, so the chart and the table always give the same month.
pub fn text_chart(f: &Forecast, width: usize) -> String {
    let max = f
        .months
        .iter()
        .map(|m| m.demand.bytes)
        .chain(f.targets.iter().map(|t| t.usable.bytes))
        .max()
        .unwrap_or(0)
        .max(1);
    let label = |i: usize| char::from_digit((i as u32 + 1) % 36, 36).unwrap_or('?');
    let notes: Vec<String> = f
        .months
        .iter()
        .map(|m| {
            let out: Vec<String> = f
                .targets
                .iter()
                .enumerate()
                .filter(|(_, t)| t.runs_out == Some(m.month))
                .map(|(i, _)| label(i).to_string())
                .collect();
            if out.is_empty() { String::new() } else { format!(" <- {} runs out", out.join(", ")) }
        })
        .collect();
    let month_w = f.months.iter().map(|m| m.month.to_string().len()).max().unwrap_or(1).max(5);
    let demand_w = f.months.iter().map(|m| m.demand.display().len()).max().unwrap_or(1).max(9);
    let note_w = notes.iter().map(String::len).max().unwrap_or(0);
    // `month demand |bars|note`
    let bars = width.saturating_sub(month_w + demand_w + 4 + note_w).clamp(4, CHART_WIDTH);
    let col = |b: u64| -> usize {
        let c = (u128::from(b) * bars as u128).div_ceil(u128::from(max));
        usize::try_from(c).unwrap_or(bars).min(bars)
    };
    let mut out = String::new();
    push_wrapped(
        &mut out,
        &format!(
            "Sized demand by month against each target's usable memory (full width {}; a target's number marks its usable memory, x from the month it runs out)",
            Bytes(max)
        ),
        width,
        "",
        "",
    );
    for (i, t) in f.targets.iter().enumerate() {
        let key = format!("{} = {} (usable {})", label(i), t.name, t.usable.display());
        push_wrapped(&mut out, &key, width, "  ", "      ");
    }
    for (m, note) in f.months.iter().zip(&notes) {
        let filled = col(m.demand.bytes);
        let mut line: Vec<char> = (0..bars).map(|c| if c < filled { '#' } else { ' ' }).collect();
        for (i, t) in f.targets.iter().enumerate() {
            let at = col(t.usable.bytes).saturating_sub(1).min(bars - 1);
            let gone = t.runs_out.is_some_and(|r| r <= m.month);
            line[at] = if gone { 'x' } else { label(i) };
        }
        let bar: String = line.into_iter().collect();
        out.push_str(&format!("{:>month_w$} {:>demand_w$} |{bar}|{note}\n", m.month, m.demand.display()));
    }
    out
}

/// The forecast.
pub fn document(f: &Forecast, profile: &str, catalog: &str, opts: &RenderOptions) -> Document {
    let horizon = f.months.last().map_or(0, |m| m.month);
    let mut lead = vec![
        Block::Para(Text::new().t("Profile ").code(profile).t(", catalog ").code(catalog)),
        Block::Para(Text::from(format!(
            "Load growth {} a month{}; headroom {} per node; months 0 to {horizon}.",
            f.growth.display(),
            f.client_growth
                .as_ref()
                .map_or(String::new(), |g| format!(", clients growth {} a month", g.display())),
            f.headroom.display()
        ))),
        Block::Para(Text::from(format!("Demand: {}", f.demand_source))),
    ];
    let mut lines: Vec<Line> = f.notes.iter().map(Line::note).collect();
    lines.extend(f.missing_inputs.iter().map(Line::missing));
    if !lines.is_empty() {
        lead.push(Block::Lines(lines));
    }
    let held = f.phases.iter().all(|p| p.option.is_some());
    let tone = if held { Tone::Good } else { Tone::Warn };
    let mut d = Document {
        title: "bizo-plan forecast".into(),
        heading: Text::from("bizo-plan forecast"),
        lead,
        ..Document::default()
    };
    d.sections.push(
        Section::new(
            "timeline",
            "Timeline (the cheapest option that holds each month)",
            vec![Block::List(phase_items(f))],
        )
        .answer(tone),
    );
    let mut t = Table::new(
        "Targets",
        vec![
            Column::text("Target"),
            Column::num("Monthly"),
            Column::num("Allocatable").optional(2),
            Column::num("Node overhead").optional(1),
            Column::num("Usable"),
            Column::text("Runs out"),
            Column::text("Why").optional(3),
        ],
    );
    for r in &f.targets {
        t.row(vec![
            Cell::new(&r.name),
            Cell::new(&r.monthly),
            Cell::mem(&r.capacity),
            Cell::mem(&r.overhead),
            Cell::mem(&r.usable),
            runs_out(r, horizon),
            Cell::new(r.reason.clone().unwrap_or_default()),
        ]);
    }
    let months: Vec<(u32, u64)> = f.months.iter().map(|m| (m.month, m.demand.bytes)).collect();
    let tiers: Vec<(String, u64)> = f.targets.iter().map(|t| (t.name.clone(), t.usable.bytes)).collect();
    let outs: Vec<Option<u32>> = f.targets.iter().map(|t| t.runs_out).collect();
    d.sections.push(Section::new(
        "forecast",
        "Demand against the targets",
        vec![
            Block::Chart(Chart {
                name: "forecast".into(),
                caption: "Projected demand (the policy's size) against each target's usable memory; a red circle in the month the table says a target runs out (by memory, cpu or node loss)".into(),
                svg: charts::forecast_chart_with(&months, &tiers, Some(&outs)),
                text: Some(text_chart(f, usize::from(opts.width))),
            }),
            Block::Table(t),
        ],
    ));
    let with_clients = f.months.iter().any(|m| m.clients.is_some());
    let mut columns = vec![
        Column::num("Month"),
        Column::num("Memory (typical)"),
        Column::num("Sized demand"),
        Column::num("CPU"),
    ];
    if with_clients {
        columns.push(Column::num("Clients"));
    }
    columns.push(Column::text("Cheapest option"));
    columns.push(Column::text("Passing").optional(1));
    let mut t = Table::new("", columns);
    for m in &f.months {
        let mut row = vec![
            Cell::new(m.month.to_string()),
            Cell::mem(&m.memory),
            Cell::mem(&m.demand),
            Cell::cpu(&m.cpu),
        ];
        if with_clients {
            row.push(Cell::new(m.clients.map_or(String::new(), |c| c.to_string())));
        }
        row.push(match &m.cheapest {
            Some(c) => Cell::new(c),
            None => Cell::new("none").tone(Tone::Bad),
        });
        row.push(Cell::new(m.passing.join(", ")));
        t.row(row);
    }
    d.sections.push(Section::new("months", "Month by month", vec![Block::Table(t)]));
    if opts.explain {
        d.sections.push(Section::new(
            "explain",
            "How the figures are computed",
            vec![Block::List(f.explain.iter().map(Text::from).collect())],
        ));
    }
    d
}
