//! The charts, in one place: SVG built from the reports' figures (drawn by [`super::svg`]),
//! for the HTML backend; every chart names its colours in a legend, and each colour means one
//! thing on the page (a status, requested or used memory, a group).
//!
//! Every number comes from the report: the human form in the labels, the exact value in an SVG
//! `<title>` on each shape. Ids are prefixed (a several-cluster page holds one chart of each
//! kind per cluster).

use std::fmt::Write as _;

use super::svg::{self, Key, Lane, Mark, Row, RowsChart, Segment, esc};
use crate::model::baseline::BaselineKind;
use crate::model::figure::{MemFig, PctFig};
use crate::model::quantity::Bytes;
use crate::model::ratio::Ratio;
use crate::report::check::CheckReport;
use crate::report::cluster::{ClusterView, NodeRow};
use crate::report::plan::OptionRow as Evaluation;

/// Colours by meaning, the same on every chart of a page (each chart's legend names them):
/// a status (Okabe–Ito's bluish green, orange and vermillion), requested and used memory (two
/// blues), memory used now (grey), and the warn and fail limits (lines). Groups and forecast
/// targets take the categorical colours of [`PALETTE`], none of which is one of these.
pub const PASS: &str = "#009E73";
/// Fits but fails a requirement.
pub const FITS_ONLY: &str = "#E69F00";
/// Does not fit, fails.
pub const FAIL: &str = "#D55E00";
/// Requested memory.
pub const REQUESTED: &str = "#56B4E9";
/// Used memory (NodeMetrics, the pods).
pub const USED: &str = "#0072B2";
/// Memory used now on the baseline.
pub const USED_NOW: &str = "#6e7781";
/// The warn limit.
pub const WARN_MARK: &str = "#9a6700";
/// The fail limit.
pub const FAIL_MARK: &str = "#cf222e";
/// One colour per group or target (Tol's and Okabe–Ito's, without the status and usage colours).
pub const PALETTE: [&str; 6] = ["#CC79A7", "#332288", "#F0E442", "#882255", "#999933", "#661100"];

/// A memory figure as chart-tooltip text: `930Mi (975175680 bytes)`.
fn mem_t(f: &MemFig) -> String {
    format!("{} ({} bytes)", f.display(), f.bytes)
}
fn color(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// A hatch pattern (planned memory) in a group's colour; readable in grey on paper too.
fn hatch(id: &str, color: &str) -> String {
    format!(
        r#"<pattern id="{id}" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><rect width="6" height="6" fill="{color}" fill-opacity="0.3"/><rect width="3" height="6" fill="{color}"/></pattern>"#,
        id = esc(id),
    )
}

fn hatches(prefix: &str, n: usize) -> String {
    (0..n).map(|i| hatch(&format!("{prefix}-planned-{i}"), color(i))).collect::<String>()
        + &hatch(&format!("{prefix}-planned-key"), USED_NOW)
}

/// Projected workload by group: one row per group, deployed (solid) then planned (hatched).
pub fn groups_chart(r: &CheckReport, prefix: &str) -> String {
    let rows = r
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| Row {
            label: g.group.clone(),
            kind: "group",
            lanes: vec![Lane {
                segments: vec![
                    Segment {
                        bytes: g.deployed.bytes,
                        fill: color(i).into(),
                        title: format!(
                            "{}: {} deployed ({} services)",
                            g.group,
                            mem_t(&g.deployed),
                            g.deployed_services
                        ),
                    },
                    Segment {
                        bytes: g.planned.bytes,
                        fill: format!("url(#{prefix}groups-planned-{i})"),
                        title: format!(
                            "{}: {} planned ({} services)",
                            g.group,
                            mem_t(&g.planned),
                            g.planned_services
                        ),
                    },
                ],
            }],
            note: format!("{} projected", g.projected.display()),
            ..Default::default()
        })
        .collect();
    let w = &r.workload;
    svg::rows_chart(&RowsChart {
        name: "groups".into(),
        id: format!("{prefix}groups"),
        title: "Projected workload by group".into(),
        desc: format!(
            "For each of {} groups, deployed memory (solid) and planned memory (hatched); together {} current + {} planned = {} projected.",
            r.groups.len(),
            w.current.display(),
            w.planned.display(),
            w.projected.display()
        ),
        rows,
        legend: vec![
            Key { fill: USED_NOW.into(), label: "deployed".into(), line: false },
            Key { fill: format!("url(#{prefix}groups-planned-key)"), label: "planned".into(), line: false },
        ],
        defs: hatches(&format!("{prefix}groups"), r.groups.len()),
    })
}

pub fn baseline_label(r: &CheckReport) -> &'static str {
    match r.baseline {
        BaselineKind::Host => "This host",
        BaselineKind::Replay => "Recorded host (--replay)",
        BaselineKind::Profile => "Profile capacity",
        BaselineKind::Cluster => "Cluster (schedulable nodes)",
        BaselineKind::Samples => "Recorded samples (--samples)",
    }
}

/// A threshold `pct` of `capacity`, rounded down like the policy's limits.
fn threshold(pct: &PctFig, capacity: u64) -> u64 {
    Ratio(pct.basis_points).apply_floor(capacity)
}

/// The projected workload stacked by group, the baseline (used now + planned by group) against
/// its total with the warn and fail limits, and every tier's capacity with the load at the
/// policy's size and the same thresholds.
pub fn capacity_chart(r: &CheckReport, prefix: &str) -> String {
    let w = &r.workload;
    let h = &r.host;
    let hr = &r.headroom;
    let mut rows = Vec::new();
    let mut workload = Vec::new();
    for (i, g) in r.groups.iter().enumerate() {
        workload.push(Segment {
            bytes: g.deployed.bytes,
            fill: color(i).into(),
            title: format!("{} deployed: {}", g.group, mem_t(&g.deployed)),
        });
    }
    // The planned part of each group, on the workload row and again on top of the baseline.
    let planned: Vec<Segment> = r
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| Segment {
            bytes: g.planned.bytes,
            fill: format!("url(#{prefix}capacity-planned-{i})"),
            title: format!("{} planned: {}", g.group, mem_t(&g.planned)),
        })
        .collect();
    workload.extend(planned.iter().cloned());
    rows.push(Row {
        label: format!("Projected workload ({} + {} services)", w.deployed_services, w.planned_services),
        kind: "workload",
        lanes: vec![Lane { segments: workload }],
        note: format!("{} projected", w.projected.display()),
        ..Default::default()
    });
    let mut base = vec![Segment {
        bytes: h.used.bytes,
        fill: USED_NOW.into(),
        title: format!("used now: {} ({})", mem_t(&h.used), h.used_percent.display()),
    }];
    base.extend(planned);
    rows.push(Row {
        label: baseline_label(r).into(),
        kind: "baseline",
        track: Some((h.total.bytes, format!("total: {}", mem_t(&h.total)))),
        lanes: vec![Lane { segments: base }],
        marks: vec![
            Mark {
                bytes: hr.warn_limit.bytes,
                color: WARN_MARK,
                title: format!("warn limit {}: {}", hr.warn_percent.display(), mem_t(&hr.warn_limit)),
            },
            Mark {
                bytes: hr.fail_limit.bytes,
                color: FAIL_MARK,
                title: format!("fail limit {}: {}", hr.fail_percent.display(), mem_t(&hr.fail_limit)),
            },
        ],
        note: format!("{} used", h.projected_used_percent.display()),
        muted: false,
    });
    for e in &r.tiers {
        let cap = e.capacity_memory.bytes;
        rows.push(Row {
            label: e.name.clone(),
            kind: "tier",
            track: Some((cap, format!("{}: capacity {}", e.name, mem_t(&e.capacity_memory)))),
            lanes: vec![Lane {
                segments: vec![Segment {
                    bytes: e.demand_memory.bytes,
                    fill: eval_fill(e).into(),
                    title: format!(
                        "{}: load at the policy's size {} of {}; {} memory headroom",
                        e.name,
                        mem_t(&e.demand_memory),
                        e.capacity_memory.display(),
                        e.memory_headroom.display()
                    ),
                }],
            }],
            marks: vec![
                Mark {
                    bytes: threshold(&hr.warn_percent, cap),
                    color: WARN_MARK,
                    title: format!(
                        "warn threshold: {} of {} (headroom is checked on each node)",
                        hr.warn_percent.display(),
                        e.capacity_memory.display()
                    ),
                },
                Mark {
                    bytes: threshold(&hr.fail_percent, cap),
                    color: FAIL_MARK,
                    title: format!(
                        "fail threshold: {} of {}",
                        hr.fail_percent.display(),
                        e.capacity_memory.display()
                    ),
                },
            ],
            note: eval_note(e),
            muted: false,
        });
    }
    let mut legend: Vec<Key> = r
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| Key { fill: color(i).into(), label: g.group.clone(), line: false })
        .collect();
    legend.push(Key {
        fill: format!("url(#{prefix}capacity-planned-key)"),
        label: "planned (hatched)".into(),
        line: false,
    });
    legend.push(Key { fill: USED_NOW.into(), label: "used now".into(), line: false });
    if !r.tiers.is_empty() {
        legend.push(Key { fill: PASS.into(), label: "tier load: passes".into(), line: false });
        legend.push(Key { fill: FAIL.into(), label: "fails".into(), line: false });
    }
    legend.push(Key {
        fill: WARN_MARK.into(),
        label: format!("warn {}", hr.warn_percent.display()),
        line: true,
    });
    legend.push(Key {
        fill: FAIL_MARK.into(),
        label: format!("fail {}", hr.fail_percent.display()),
        line: true,
    });
    svg::rows_chart(&RowsChart {
        name: "capacity".into(),
        id: format!("{prefix}capacity"),
        title: "Projected memory against capacity".into(),
        desc: format!(
            "The projected workload ({}) stacked by group; {}: {} used now plus {} planned = {} of {} total, warn limit {} ({}), fail limit {} ({}); {} tier(s) with the load at the policy's size against their capacity.",
            w.projected.display(),
            baseline_label(r),
            h.used.display(),
            w.planned.display(),
            h.projected_used.display(),
            h.total.display(),
            hr.warn_limit.display(),
            hr.warn_percent.display(),
            hr.fail_limit.display(),
            hr.fail_percent.display(),
            r.tiers.len()
        ),
        rows,
        legend,
        defs: hatches(&format!("{prefix}capacity"), r.groups.len()),
    })
}

fn eval_fill(e: &Evaluation) -> &'static str {
    match (e.fits, e.passes) {
        (true, true) => PASS,
        (true, false) => FITS_ONLY,
        (false, _) => FAIL,
    }
}

fn eval_note(e: &Evaluation) -> String {
    match (e.fits, e.passes) {
        (true, true) => format!("passes, {} free", e.memory_headroom.display()),
        (true, false) => format!("fits, fails: {} free", e.memory_headroom.display()),
        (false, _) => "does not fit".into(),
    }
}

/// Requested and used memory against allocatable, one row per shown node.
pub fn nodes_chart(c: &ClusterView, shown: &[&NodeRow], prefix: &str) -> String {
    let rows = shown
        .iter()
        .map(|n| {
            let mut lanes = vec![Lane {
                segments: vec![Segment {
                    bytes: n.requested_memory.bytes,
                    fill: REQUESTED.into(),
                    title: format!(
                        "{}: requested {} ({} of allocatable)",
                        n.name,
                        mem_t(&n.requested_memory),
                        n.requested_memory_percent.display()
                    ),
                }],
            }];
            lanes.push(Lane {
                segments: n
                    .used_memory
                    .iter()
                    .map(|u| Segment {
                        bytes: u.bytes,
                        fill: USED.into(),
                        title: format!(
                            "{}: used {} ({} of allocatable, NodeMetrics)",
                            n.name,
                            mem_t(u),
                            n.used_memory_percent.as_ref().map_or_else(|| "n/a".to_string(), |p| p.display())
                        ),
                    })
                    .collect(),
            });
            Row {
                label: match &n.excluded {
                    Some(_) => format!("{} (excluded)", n.name),
                    None => n.name.clone(),
                },
                kind: "node",
                track: Some((
                    n.allocatable_memory.bytes,
                    format!("{}: allocatable {}", n.name, mem_t(&n.allocatable_memory)),
                )),
                lanes,
                marks: Vec::new(),
                note: match &n.used_memory_percent {
                    Some(u) => format!("req {} · used {}", n.requested_memory_percent.display(), u.display()),
                    None => format!("req {} · no metrics", n.requested_memory_percent.display()),
                },
                muted: n.excluded.is_some(),
            }
        })
        .collect();
    svg::rows_chart(&RowsChart {
        name: "nodes".into(),
        id: format!("{prefix}nodes"),
        title: "Memory per node: requested and used against allocatable".into(),
        desc: format!(
            "{} of {} nodes{}: for each, requested memory (upper bar) and used memory by NodeMetrics (lower bar) against allocatable memory (the box).",
            shown.len(),
            c.nodes.len(),
            if shown.len() < c.nodes.len() { " (those with the least free memory)" } else { "" }
        ),
        rows,
        legend: vec![
            Key { fill: REQUESTED.into(), label: "requested".into(), line: false },
            Key { fill: USED.into(), label: "used (NodeMetrics)".into(), line: false },
            Key { fill: "#f3f4f6".into(), label: "allocatable".into(), line: false },
        ],
        defs: String::new(),
    })
}

pub fn contexts_chart(contexts: &[crate::report::cluster::ContextRow]) -> String {
    let rows = contexts
        .iter()
        .map(|c| Row {
            label: c.context.clone(),
            kind: "context",
            track: Some((
                c.allocatable_memory.bytes,
                format!("{}: allocatable {}", c.context, mem_t(&c.allocatable_memory)),
            )),
            lanes: vec![
                Lane {
                    segments: vec![Segment {
                        bytes: c.requested_memory.bytes,
                        fill: REQUESTED.into(),
                        title: format!("{}: requested {}", c.context, mem_t(&c.requested_memory)),
                    }],
                },
                Lane {
                    segments: vec![Segment {
                        bytes: c.used_memory.bytes,
                        fill: USED.into(),
                        title: format!("{}: used {} ({})", c.context, mem_t(&c.used_memory), c.used_source),
                    }],
                },
            ],
            note: match &c.error {
                Some(_) => "NOT READ".into(),
                None => format!("{} nodes, {} pods", c.nodes, c.pods),
            },
            muted: c.error.is_some(),
            ..Default::default()
        })
        .collect();
    svg::rows_chart(&RowsChart {
        name: "contexts".into(),
        id: "contexts".into(),
        title: "Memory per cluster: requested and used against allocatable".into(),
        desc: format!(
            "{} cluster context(s), read concurrently, each checked against its own capacity (the total row is information only). For each, requested memory (upper bar) and used memory (lower bar) against the allocatable memory of its schedulable nodes (the box).",
            contexts.len()
        ),
        rows,
        legend: vec![
            Key { fill: REQUESTED.into(), label: "requested".into(), line: false },
            Key { fill: USED.into(), label: "used".into(), line: false },
            Key { fill: "#f3f4f6".into(), label: "allocatable".into(), line: false },
        ],
        defs: String::new(),
    })
}

pub fn options_chart(id: &str, title: &str, evals: &[&Evaluation]) -> String {
    let rows = evals
        .iter()
        .map(|e| Row {
            label: e.name.clone(),
            kind: "option",
            track: Some((
                e.capacity_memory.bytes,
                format!("{}: capacity {}", e.name, mem_t(&e.capacity_memory)),
            )),
            lanes: vec![Lane {
                segments: vec![Segment {
                    bytes: e.demand_memory.bytes,
                    fill: eval_fill(e).into(),
                    title: format!(
                        "{}: load {} of {}; headroom {} memory, {} cpu; {}",
                        e.name,
                        mem_t(&e.demand_memory),
                        e.capacity_memory.display(),
                        e.memory_headroom.display(),
                        e.cpu_headroom.display(),
                        e.monthly
                    ),
                }],
            }],
            note: format!("{} · {}", e.monthly, if e.passes { "passes" } else { "fails" }),
            ..Default::default()
        })
        .collect();
    svg::rows_chart(&RowsChart {
        name: id.into(),
        id: id.into(),
        title: title.into(),
        desc: format!(
            "{} option(s), cheapest first where ranked: memory load (bar) against memory capacity (box); green passes, orange fits but fails a requirement, vermillion does not fit.",
            evals.len()
        ),
        rows,
        legend: vec![
            Key { fill: PASS.into(), label: "passes".into(), line: false },
            Key { fill: FITS_ONLY.into(), label: "fits, fails a requirement".into(), line: false },
            Key { fill: FAIL.into(), label: "does not fit".into(), line: false },
            Key { fill: "#f3f4f6".into(), label: "capacity".into(), line: false },
        ],
        defs: String::new(),
    })
}

pub fn fill_chart(e: &Evaluation) -> String {
    let rows = e
        .fill
        .iter()
        .map(|f| Row {
            label: f.node.clone(),
            kind: "node",
            track: Some((
                f.capacity_memory.bytes,
                format!("{}: capacity {}", f.node, mem_t(&f.capacity_memory)),
            )),
            lanes: vec![Lane {
                segments: vec![Segment {
                    bytes: f.placed_memory.bytes,
                    fill: PASS.into(),
                    title: format!(
                        "{}: {} placed ({}), {} pods",
                        f.node,
                        mem_t(&f.placed_memory),
                        f.memory_percent.display(),
                        f.pods
                    ),
                }],
            }],
            note: format!("{} mem · {} cpu", f.memory_percent.display(), f.cpu_percent.display()),
            ..Default::default()
        })
        .collect();
    svg::rows_chart(&RowsChart {
        name: "pick-nodes".into(),
        id: "pick-nodes".into(),
        title: format!("Memory placed on each node of {}", e.name),
        desc: format!(
            "{} node(s): memory placed (bar) against each node's capacity for pods (box).",
            e.fill.len()
        ),
        rows,
        legend: vec![
            Key { fill: PASS.into(), label: "placed".into(), line: false },
            Key { fill: "#f3f4f6".into(), label: "capacity".into(), line: false },
        ],
        defs: String::new(),
    })
}

const F_W: u64 = 960;
const F_H: u64 = 360;
const F_LEFT: u64 = 80;
const F_RIGHT: u64 = 220;
const F_TOP: u64 = 20;
const F_BOTTOM: u64 = 44;
/// Tenths of a pixel between two tier labels.
const F_LABEL_GAP: u64 = 130;

/// Where the forecast chart draws things, in tenths of a pixel.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ForecastLayout {
    /// Axis end (bytes) and tick step.
    y_end: u64,
    y_step: u64,
    /// One point per month, in month order: (month, bytes, x, y).
    points: Vec<(u32, u64, u64, u64)>,
    /// One line per tier: (name, bytes, y of the line, y of its label's baseline). Labels are
    /// pushed apart so that tiers of equal or close capacity stay legible.
    tiers: Vec<(String, u64, u64, u64)>,
    /// First month each tier is exceeded: (tier index, point index).
    crossings: Vec<(usize, usize)>,
    /// Month axis labels: (month, x).
    x_ticks: Vec<(u64, u64)>,
}

#[cfg(test)]
fn forecast_layout(months: &[(u32, u64)], tiers: &[(String, u64)]) -> ForecastLayout {
    forecast_layout_with(months, tiers, None)
}

/// The layout; with `runs_out` (per tier, the month the table says it runs out), the circles
/// mark those months, else the first month the line exceeds a tier's memory.
fn forecast_layout_with(
    months: &[(u32, u64)],
    tiers: &[(String, u64)],
    runs_out: Option<&[Option<u32>]>,
) -> ForecastLayout {
    let mut pts: Vec<(u32, u64)> = months.to_vec();
    pts.sort_by_key(|p| p.0);
    let max = pts.iter().map(|p| p.1).chain(tiers.iter().map(|t| t.1)).max().unwrap_or(0);
    let (y_step, y_end) = svg::byte_ticks(max, 5);
    let plot_h = (F_H - F_TOP - F_BOTTOM) * 10;
    let plot_w = (F_W - F_LEFT - F_RIGHT) * 10;
    let bottom = (F_H - F_BOTTOM) * 10;
    let ys = svg::Scale::new(y_end, plot_h);
    let first = pts.first().map_or(0, |p| p.0);
    let last = pts.last().map_or(0, |p| p.0);
    let span = u64::from(last - first);
    let xs = svg::Scale::new(span, plot_w);
    let x_of = |m: u64| {
        if span == 0 { F_LEFT * 10 + plot_w / 2 } else { F_LEFT * 10 + xs.at(m - u64::from(first)) }
    };
    let points: Vec<(u32, u64, u64, u64)> =
        pts.iter().map(|&(m, v)| (m, v, x_of(u64::from(m)), bottom - ys.at(v))).collect();
    let mut tiers_l: Vec<(String, u64, u64, u64)> =
        tiers.iter().map(|(n, v)| (n.clone(), *v, bottom - ys.at(*v), 0)).collect();
    // Labels top to bottom, each at least one line (13 px) below the previous one.
    let mut order: Vec<usize> = (0..tiers_l.len()).collect();
    order.sort_by_key(|&i| (tiers_l[i].2, i));
    let mut prev: Option<u64> = None;
    for i in order {
        let want = tiers_l[i].2 + 40;
        let y = prev.map_or(want, |p| want.max(p + F_LABEL_GAP));
        tiers_l[i].3 = y;
        prev = Some(y);
    }
    // Many tiers near zero: move the labels up together rather than off the bottom.
    let overflow = prev.unwrap_or(0).saturating_sub(F_H * 10 - 60);
    for t in &mut tiers_l {
        t.3 = t.3.saturating_sub(overflow);
    }
    let crossings = tiers
        .iter()
        .enumerate()
        .filter_map(|(t, (_, cap))| match runs_out {
            Some(r) => {
                r.get(t).copied().flatten().and_then(|m| points.iter().position(|p| p.0 == m)).map(|i| (t, i))
            }
            None => points.iter().position(|p| p.1 > *cap).map(|i| (t, i)),
        })
        .collect();
    let mut x_ticks = Vec::new();
    if !points.is_empty() {
        let step = svg::count_step(span, 12).max(1);
        let mut m = u64::from(first);
        while m <= u64::from(last) {
            x_ticks.push((m, x_of(m)));
            match m.checked_add(step) {
                Some(n) => m = n,
                None => break,
            }
        }
    }
    ForecastLayout { y_end, y_step, points, tiers: tiers_l, crossings, x_ticks }
}

/// Forecast lines against tier capacities: `months` are (month, projected bytes) points, in any
/// order; `tiers` are (name, usable capacity in bytes). Returns one standalone `<svg>` element
/// (presentation attributes only, no ids, no CSS needed) with a `<title>`, an `aria-label`
/// and a `<title>` tooltip on every point and line; the first month a tier is exceeded is
/// circled in red. Empty input draws empty axes.
pub fn forecast_chart(months: &[(u32, u64)], tiers: &[(String, u64)]) -> String {
    forecast_chart_with(months, tiers, None)
}

/// [`forecast_chart`] with each tier's run-out month from the forecast's table: the red circles
/// mark those months, so the chart and the table agree even when cpu or node loss, not memory,
/// ends a tier.
pub fn forecast_chart_with(
    months: &[(u32, u64)],
    tiers: &[(String, u64)],
    runs_out: Option<&[Option<u32>]>,
) -> String {
    let l = forecast_layout_with(months, tiers, runs_out);
    let bottom = (F_H - F_BOTTOM) * 10;
    let left = F_LEFT * 10;
    let right = (F_W - F_RIGHT) * 10;
    let ys = svg::Scale::new(l.y_end, (F_H - F_TOP - F_BOTTOM) * 10);
    let summary = match (l.points.first(), l.points.last()) {
        (Some(a), Some(z)) => format!(
            "Projected memory from {} in month {} to {} in month {}, against {} tier capacit{}",
            Bytes(a.1).human(),
            a.0,
            Bytes(z.1).human(),
            z.0,
            l.tiers.len(),
            if l.tiers.len() == 1 { "y" } else { "ies" }
        ),
        _ => format!("No forecast points; {} tier capacities", l.tiers.len()),
    };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="forecast" role="img" aria-label="{label}" viewBox="0 0 {F_W} {F_H}" width="{F_W}" height="{F_H}" font-family="system-ui, sans-serif" font-size="12" fill="{ink}"><title>Forecast: projected memory against tier capacities</title><desc>{label}.</desc>"#,
        label = esc(&summary),
        ink = svg::INK,
    );
    // Y axis.
    s.push_str(r#"<g aria-hidden="true">"#);
    if l.y_step > 0 {
        let mut v = 0u64;
        while v <= l.y_end {
            let y = bottom - ys.at(v);
            let _ = write!(
                s,
                r##"<line x1="{l}" y1="{y}" x2="{r}" y2="{y}" stroke="#d0d7de"/><text x="{tx}" y="{ty}" text-anchor="end" fill="#6e7781" font-size="11">{t}</text>"##,
                l = svg::px(left),
                r = svg::px(right),
                y = svg::px(y),
                tx = svg::px(left - 60),
                ty = svg::px(y + 40),
                t = esc(&Bytes(v).human()),
            );
            match v.checked_add(l.y_step) {
                Some(n) => v = n,
                None => break,
            }
        }
    }
    // X axis: month ticks.
    let _ = write!(
        s,
        r##"<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="#8c959f"/>"##,
        l = svg::px(left),
        r = svg::px(right),
        b = svg::px(bottom)
    );
    for (m, x) in &l.x_ticks {
        let _ = write!(
            s,
            r##"<text x="{x}" y="{y}" text-anchor="middle" fill="#6e7781" font-size="11">{m}</text>"##,
            x = svg::px(*x),
            y = svg::px(bottom + 170),
        );
    }
    let _ = write!(
        s,
        r##"<text x="{x}" y="{y}" text-anchor="middle" fill="#6e7781" font-size="11">month</text></g>"##,
        x = svg::px((left + right) / 2),
        y = svg::px(bottom + 360),
    );
    // Tier capacities.
    for (i, (name, bytes, y, label_y)) in l.tiers.iter().enumerate() {
        let c = color(i);
        let _ = write!(
            s,
            r#"<g data-tier=""><line x1="{l}" y1="{y}" x2="{r}" y2="{y}" stroke="{c}" stroke-width="2" stroke-dasharray="6 3"><title>{t}</title></line><text x="{tx}" y="{ty}" fill="{c}">{n}</text></g>"#,
            l = svg::px(left),
            r = svg::px(right),
            y = svg::px(*y),
            t = esc(&format!("{name}: usable capacity {} ({bytes} bytes)", Bytes(*bytes).human())),
            tx = svg::px(right + 60),
            ty = svg::px(*label_y),
            n = esc(&format!("{name} {}", Bytes(*bytes).human())),
        );
    }
    // The projection.
    if !l.points.is_empty() {
        let pts: Vec<String> =
            l.points.iter().map(|p| format!("{},{}", svg::px(p.2), svg::px(p.3))).collect();
        let _ = write!(
            s,
            r##"<polyline data-series="projected" points="{}" fill="none" stroke="{ink}" stroke-width="2.5"/>"##,
            pts.join(" "),
            ink = svg::INK,
        );
        for (m, v, x, y) in &l.points {
            let _ = write!(
                s,
                r##"<circle data-point="" cx="{x}" cy="{y}" r="3.5" fill="{ink}"><title>{t}</title></circle>"##,
                x = svg::px(*x),
                y = svg::px(*y),
                ink = svg::INK,
                t = esc(&format!("month {m}: {} ({v} bytes) projected", Bytes(*v).human())),
            );
        }
    }
    for (t, i) in &l.crossings {
        if let (Some(tier), Some(p)) = (l.tiers.get(*t), l.points.get(*i)) {
            let _ = write!(
                s,
                r##"<circle data-cross="" cx="{x}" cy="{y}" r="8" fill="none" stroke="#cf222e" stroke-width="2"><title>{title}</title></circle>"##,
                x = svg::px(p.2),
                y = svg::px(p.3),
                title = esc(&format!(
                    "month {}: {} projected exceeds {} ({})",
                    p.0,
                    Bytes(p.1).human(),
                    tier.0,
                    Bytes(tier.1).human()
                )),
            );
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{Format, RenderOptions, check};

    const GI: u64 = 1 << 30;

    fn opts() -> RenderOptions {
        RenderOptions { format: Format::Html, width: 120, color: false, explain: false, all_rows: false }
    }

    /// `check --replay` on the embedded profile with the embedded catalog's tiers, as app.rs builds it.
    fn replay_report() -> CheckReport {
        crate::report::check::replay_for_tests()
    }

    /// The `<svg data-chart=NAME>` element of a page.
    fn chart<'a>(html: &'a str, name: &str) -> &'a str {
        let start = html.find(&format!(r#"data-chart="{name}""#)).expect("chart present");
        let start = html[..start].rfind("<svg").expect("svg start");
        let end = html[start..].find("</svg>").expect("svg end") + start;
        &html[start..end]
    }

    /// The numeric value of attribute `name` in each element starting with `prefix`.
    fn attrs(svg: &str, prefix: &str, name: &str) -> Vec<f64> {
        svg.match_indices(prefix)
            .map(|(i, _)| {
                let el = &svg[i..i + svg[i..].find('>').expect("tag end")];
                let key = format!(" {name}=\"");
                let a = el.find(&key).expect("attribute") + key.len();
                el[a..a + el[a..].find('"').expect("quote")].parse().expect("number")
            })
            .collect()
    }

    /// Each row group (`<g data-bar=...>`) of a chart, in order.
    fn rows_of<'a>(svg: &'a str, kind: &str) -> Vec<&'a str> {
        let tag = format!(r#"<g data-bar="{kind}""#);
        svg.match_indices(&tag).map(|(i, _)| &svg[i..i + svg[i..].find("</g>").expect("group end")]).collect()
    }

    #[test]
    fn the_replay_page_has_one_svg_per_chart_and_no_external_reference() {
        let r = replay_report();
        let html = check(&r, "<embedded profiles/bizosaas.yaml>", &opts());
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert_eq!(html.matches("<svg").count(), 2, "groups and capacity; no cluster");
        for attr in ["src=", "href="] {
            assert!(!html.contains(attr), "no {attr} at all: nothing to load");
        }
        assert!(!html.contains("<script"));
        assert!(!html.contains("@import") && !html.contains("url(http"));
        assert!(html.contains("&lt;embedded profiles/bizosaas.yaml&gt;"));
        assert_eq!(rows_of(chart(&html, "capacity"), "tier").len(), r.tiers.len());
        assert_eq!(rows_of(chart(&html, "groups"), "group").len(), r.groups.len());
    }

    #[test]
    fn tier_tracks_are_proportional_to_their_capacity() {
        let r = replay_report();
        let html = check(&r, "x", &opts());
        let svg = chart(&html, "capacity");
        let tiers = rows_of(svg, "tier");
        let widths: Vec<f64> =
            tiers.iter().map(|t| attrs(t, r#"<rect data-part="track""#, "width")[0]).collect();
        assert_eq!(widths.len(), r.tiers.len());
        // The scale from the widest track (its width is rounded to 0.1 like every other).
        let (wmax, cmax) = widths
            .iter()
            .zip(&r.tiers)
            .map(|(w, e)| (*w, e.capacity_memory.bytes as f64))
            .fold((0.0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
        let base = cmax / wmax;
        for (w, e) in widths.iter().zip(&r.tiers) {
            let expected = e.capacity_memory.bytes as f64 / base;
            assert!((w - expected).abs() <= 0.11, "{}: {w} vs {expected}", e.name);
        }
        // Demand bars on the same scale.
        for (t, e) in tiers.iter().zip(&r.tiers) {
            let d = attrs(t, "<rect data-seg", "width")[0];
            let expected = e.demand_memory.bytes as f64 / base;
            assert!((d - expected).abs() <= 0.11, "{}: {d} vs {expected}", e.name);
        }
    }

    #[test]
    fn stacked_segments_sum_to_the_total() {
        let r = replay_report();
        let html = check(&r, "x", &opts());
        let svg = chart(&html, "capacity");
        let tier_track = attrs(rows_of(svg, "tier")[0], r#"<rect data-part="track""#, "width")[0];
        let px_per_byte = tier_track / r.tiers[0].capacity_memory.bytes as f64;
        // The workload row: deployed + planned of every group = the projected workload.
        let workload: f64 = attrs(rows_of(svg, "workload")[0], "<rect data-seg", "width").iter().sum();
        let expected = r.workload.projected.bytes as f64 * px_per_byte;
        assert!((workload - expected).abs() <= 0.11, "{workload} vs {expected}");
        // The baseline row: used now + planned = projected used.
        let base_row = rows_of(svg, "baseline")[0];
        let base: f64 = attrs(base_row, "<rect data-seg", "width").iter().sum();
        let expected = r.host.projected_used.bytes as f64 * px_per_byte;
        assert!((base - expected).abs() <= 0.11, "{base} vs {expected}");
        let xs = attrs(base_row, "<rect data-seg", "x");
        let ws = attrs(base_row, "<rect data-seg", "width");
        for k in 1..xs.len() {
            assert!((xs[k] - (xs[k - 1] + ws[k - 1])).abs() < 0.01, "segments abut");
        }
        // The warn and fail marks of the baseline sit at the report's limits.
        let marks = attrs(base_row, "<line data-mark", "x1");
        let x0 = attrs(base_row, r#"<rect data-part="track""#, "x")[0];
        for (m, lim) in marks.iter().zip([&r.headroom.warn_limit, &r.headroom.fail_limit]) {
            assert!((m - x0 - lim.bytes as f64 * px_per_byte).abs() <= 0.11);
        }
        // Per group in the groups chart.
        let g = chart(&html, "groups");
        let rows = rows_of(g, "group");
        let first: f64 = attrs(rows[0], "<rect data-seg", "width").iter().sum();
        let per_byte = first / r.groups[0].projected.bytes as f64;
        for (row, grp) in rows.iter().zip(&r.groups) {
            let w: f64 = attrs(row, "<rect data-seg", "width").iter().sum();
            assert!((w - grp.projected.bytes as f64 * per_byte).abs() <= 0.11, "{}", grp.group);
        }
    }

    #[test]
    fn every_number_carries_its_exact_value() {
        let r = replay_report();
        let html = check(&r, "x", &opts());
        assert!(html.contains(r#"<span title="975175680 bytes">930Mi</span>"#));
        assert!(html.contains(r#"<span title="1694079386 bytes">1.58Gi</span>"#));
        assert!(html.contains(r#"<span title="7561 basis points">75.61%</span>"#));
        assert!(html.contains("<title>total: 7.7Gi (8267812045 bytes)</title>"));
        assert!(html.contains(r#"<span class="status s-warn">TIGHT</span>"#));
        assert!(html.contains(r#"<span title="-464141681 bytes" class="bad">-442.64Mi</span>"#));
    }

    #[test]
    fn an_empty_or_zero_report_draws_without_dividing_by_zero() {
        let mut r = replay_report();
        r.services.clear();
        r.groups.clear();
        for e in &mut r.tiers {
            e.capacity_memory = Bytes(0).into();
            e.demand_memory = Bytes(0).into();
        }
        r.host.total = Bytes(0).into();
        r.host.used = Bytes(0).into();
        r.headroom.warn_limit = Bytes(0).into();
        r.headroom.fail_limit = Bytes(0).into();
        let html = check(&r, "x", &opts());
        assert_eq!(html.matches("<svg").count(), 2);
        assert!(!html.contains("NaN"));
        r.tiers.clear();
        let html = check(&r, "x", &opts());
        assert_eq!(rows_of(chart(&html, "capacity"), "tier").len(), 0);
    }

    #[test]
    fn a_script_in_a_service_or_group_name_is_escaped() {
        let mut r = replay_report();
        let evil = "<script>alert('x')</script>";
        r.services[0].name = evil.into();
        r.groups[0].group = evil.into();
        r.tiers[0].name = format!("\"><script>{evil}");
        r.verdict.reasons.push(evil.into());
        let html = check(&r, evil, &opts());
        assert!(!html.contains("<script"), "no script element");
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(html.contains("&quot;&gt;&lt;script&gt;&lt;script&gt;"), "no attribute is broken out of");
    }

    fn between(svg: &str, prefix: &str) -> usize {
        svg.matches(prefix).count()
    }

    #[test]
    fn forecast_points_and_tier_lines_are_placed_by_value() {
        let months = [(3, 4 * GI), (1, 2 * GI), (2, 3 * GI), (4, 7 * GI)];
        let tiers = vec![("small".to_string(), 6 * GI), ("large".to_string(), 12 * GI)];
        let l = forecast_layout(&months, &tiers);
        assert_eq!(l.points.iter().map(|p| p.0).collect::<Vec<_>>(), vec![1, 2, 3, 4], "sorted by month");
        let bottom = (F_H - F_BOTTOM) * 10;
        // Heights proportional to bytes: 2Gi is half of 4Gi, 6Gi three times 2Gi.
        let height = |v: u64| l.points.iter().find(|p| p.1 == v).map(|p| bottom - p.3).expect("point");
        // (Positions are rounded to a tenth of a pixel: k times a position is within k tenths.)
        let near = |a: u64, k: u64, b: u64| a.abs_diff(k * b) <= k;
        assert!(near(height(4 * GI), 2, height(2 * GI)));
        assert!(near(bottom - l.tiers[0].2, 3, height(2 * GI)));
        assert!(near(bottom - l.tiers[1].2, 2, bottom - l.tiers[0].2));
        assert!(height(7 * GI) > height(4 * GI) && height(4 * GI) > height(3 * GI));
        // x grows with the month, evenly.
        let xs: Vec<u64> = l.points.iter().map(|p| p.2).collect();
        assert!(xs.windows(2).all(|w| (w[1] - w[0]).abs_diff(xs[1] - xs[0]) <= 1));
        // Labels sit by their line, and tiers of equal capacity get separate lines of text.
        assert_eq!(l.tiers[0].3, l.tiers[0].2 + 40);
        let same =
            forecast_layout(&months, &[("a".into(), 6 * GI), ("b".into(), 6 * GI), ("c".into(), 12 * GI)]);
        let mut ys: Vec<u64> = same.tiers.iter().map(|t| t.3).collect();
        ys.sort_unstable();
        assert!(ys.windows(2).all(|w| w[1] - w[0] >= F_LABEL_GAP), "{ys:?}");
        assert_eq!(same.tiers[0].2, same.tiers[1].2, "the lines themselves stay at their value");
        let zeros: Vec<(String, u64)> = (0..8).map(|i| (format!("t{i}"), 0)).collect();
        let low = forecast_layout(&months, &zeros);
        assert!(low.tiers.iter().all(|t| t.3 <= F_H * 10 - 60), "labels stay inside the chart");
        // 7Gi in month 4 exceeds "small" (6Gi) first there; "large" never.
        assert_eq!(l.crossings, vec![(0, 3)]);
        let svg = forecast_chart(&months, &tiers);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(between(&svg, "<circle data-point"), 4);
        assert_eq!(between(&svg, "<g data-tier"), 2);
        assert_eq!(between(&svg, "<circle data-cross"), 1);
        assert!(svg.contains("<title>month 4: 7Gi (7516192768 bytes) projected</title>"));
        assert!(svg.contains("<title>small: usable capacity 6Gi (6442450944 bytes)</title>"));
        assert!(svg.contains("aria-label="));
        assert!(!svg.contains(" id="), "standalone: no ids to collide");
    }

    #[test]
    fn forecast_of_nothing_or_zeros_does_not_divide_by_zero() {
        let svg = forecast_chart(&[], &[]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(between(&svg, "data-point"), 0);
        let l = forecast_layout(&[(5, 0)], &[("zero".into(), 0)]);
        assert_eq!(l.points[0].2, F_LEFT * 10 + (F_W - F_LEFT - F_RIGHT) * 10 / 2, "one month is centred");
        assert_eq!(l.points[0].3, (F_H - F_BOTTOM) * 10);
        assert!(l.crossings.is_empty(), "0 does not exceed 0");
        let svg = forecast_chart(&[(0, u64::MAX), (u32::MAX, 1)], &[("max".into(), u64::MAX)]);
        assert_eq!(between(&svg, "data-point"), 2);
    }

    #[test]
    fn forecast_escapes_tier_names() {
        let svg = forecast_chart(&[(1, GI)], &[("<script>alert(1)</script>".into(), GI)]);
        assert!(!svg.contains("<script"));
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }
}
