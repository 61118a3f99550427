//! `-o html`: one self-contained HTML page (inline CSS, inline SVG charts drawn here, no
//! script, no external asset; a Content-Security-Policy forbids loading anything) that reads
//! well on screen and on paper.
//!
//! Every number on the page comes from the report: human form in the text, the exact value
//! (bytes, millicores, basis points, cents) in a `title` tooltip, or in an SVG `<title>` on
//! chart shapes. Every chart has a `<title>`, a `<desc>` and a data table under it.

use std::fmt::Write as _;

use super::svg::{self, Key, Lane, Mark, Row, RowsChart, Segment, esc};
use super::{MAX_ROWS, RenderOptions};
use crate::analysis::check::Status;
use crate::model::baseline::BaselineKind;
use crate::model::figure::{CpuFig, MemFig, PctFig, SignedMemFig};
use crate::model::quantity::Bytes;
use crate::model::ratio::Ratio;
use crate::report::check::CheckReport;
use crate::report::cluster::{ClusterView, NodeRow};
use crate::report::plan::{OptionRow as Evaluation, RecommendReport as Recommendation};

/// Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), one per group.
const PALETTE: [&str; 8] =
    ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"];
const USED_NOW: &str = "#6e7781";
const PASS: &str = "#0072B2";
const FITS_ONLY: &str = "#E69F00";
const FAIL: &str = "#D55E00";
const WARN_MARK: &str = "#9a6700";
const FAIL_MARK: &str = "#cf222e";
const REQUESTED: &str = "#0072B2";
const USED: &str = "#E69F00";

const CSS: &str = r#"
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2328; background: #fff; margin: 0 auto; max-width: 1000px; padding: 24px; }
h1 { font-size: 1.55em; margin: 0 0 .3em; }
h2 { font-size: 1.2em; margin: 1.8em 0 .5em; padding-bottom: .2em; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1em; margin: 1.2em 0 .4em; }
p { margin: .4em 0; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
.status { display: inline-block; padding: .05em .55em; border-radius: 6px; color: #fff; font-weight: 700; letter-spacing: .03em; }
.s-healthy { background: #1a7f37; } .s-tight { background: #9a6700; } .s-insufficient { background: #cf222e; }
.verdict { border-left: 6px solid #8c959f; background: #f6f8fa; padding: .5em 1em; margin: 1em 0; }
.v-healthy { border-color: #1a7f37; } .v-tight { border-color: #9a6700; } .v-insufficient { border-color: #cf222e; }
.verdict ul { margin: .3em 0; padding-left: 1.3em; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(175px, 1fr)); gap: 10px; margin: .8em 0; }
.card { border: 1px solid #d0d7de; border-radius: 8px; padding: .5em .8em; }
.card .k { display: block; color: #57606a; font-size: .85em; }
.card .v { display: block; font-size: 1.35em; font-weight: 600; }
.card .x { display: block; color: #57606a; font-size: .85em; }
.neg { color: #cf222e; }
.muted, .note { color: #57606a; }
.warn { color: #9a6700; font-weight: 600; }
.bad { color: #cf222e; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: .88em; margin: .4em 0 1em; }
caption { text-align: left; font-weight: 600; padding: .3em 0; }
th, td { border-bottom: 1px solid #d0d7de; padding: .28em .5em; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; }
tbody th { font-weight: 600; }
.tw { overflow-x: auto; }
.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
[title] { text-decoration: underline dotted #8c959f; text-underline-offset: 2px; }
figure { margin: 1em 0 .4em; }
figcaption { font-weight: 600; margin-bottom: .3em; }
figure svg { display: block; max-width: 100%; height: auto; }
footer { margin-top: 2.5em; font-size: .85em; color: #57606a; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; }
  figure, .card, .verdict, tr { break-inside: avoid; }
  [title] { text-decoration: none; }
  .tw { overflow: visible; }
  table { font-size: 8pt; }
  th, td { padding: .2em .3em; }
  .n { white-space: normal; }
}
"#;

fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="bizo-plan">
<title>{title}</title>
<style>{CSS}</style>
</head>
<body>
{body}</body>
</html>
"#,
        title = esc(title),
    )
}

// ---------------------------------------------------------------------------------------------
// Numbers: human form, exact value in the tooltip.

/// A number shown in human form with its exact value in the tooltip.
fn num(display: &str, exact: &str) -> String {
    format!(r#"<span title="{}">{}</span>"#, esc(exact), esc(display))
}

fn mem(f: &MemFig) -> String {
    num(&f.display, &format!("{} bytes", f.bytes))
}

fn smem(f: &SignedMemFig) -> String {
    let s = num(&f.display, &format!("{} bytes", f.bytes));
    if f.bytes < 0 { format!(r#"<span class="neg">{s}</span>"#) } else { s }
}

fn pct(f: &PctFig) -> String {
    num(&f.display, &format!("{} basis points", f.basis_points))
}

fn cpu(f: &CpuFig) -> String {
    num(&f.display, &format!("{} millicores", f.millicores))
}

fn money(e: &Evaluation) -> String {
    match e.monthly_cents {
        Some(c) => num(&e.monthly, &format!("{c} cents")),
        None => esc(&e.monthly),
    }
}

/// A memory figure as chart-tooltip text: `930Mi (975175680 bytes)`.
fn mem_t(f: &MemFig) -> String {
    format!("{} ({} bytes)", f.display, f.bytes)
}

fn opt_or<T>(v: Option<&T>, f: impl Fn(&T) -> String, none: &str) -> String {
    v.map(f).unwrap_or_else(|| esc(none))
}

// ---------------------------------------------------------------------------------------------
// Tables.

/// A cell: `Td::n` for right-aligned numbers; contents are markup (already escaped).
struct Td(String, bool);

impl Td {
    fn t(s: impl Into<String>) -> Td {
        Td(s.into(), false)
    }
    fn n(s: impl Into<String>) -> Td {
        Td(s.into(), true)
    }
    fn text(s: &str) -> Td {
        Td(esc(s), false)
    }
}

/// A table; header names ending in `#` are right-aligned number columns (the `#` is dropped).
fn table(out: &mut String, caption: &str, header: &[&str], rows: Vec<Vec<Td>>) {
    let _ = write!(out, r#"<div class="tw"><table><caption>{}</caption><thead><tr>"#, esc(caption));
    for h in header {
        match h.strip_suffix('#') {
            Some(h) => {
                let _ = write!(out, r#"<th scope="col" class="n">{}</th>"#, esc(h));
            }
            None => {
                let _ = write!(out, r#"<th scope="col">{}</th>"#, esc(h));
            }
        }
    }
    out.push_str("</tr></thead><tbody>\n");
    for r in rows {
        out.push_str("<tr>");
        for (i, c) in r.into_iter().enumerate() {
            let tag = if i == 0 { "th scope=\"row\"" } else { "td" };
            let end = if i == 0 { "th" } else { "td" };
            if c.1 {
                let _ = write!(out, r#"<{tag} class="n">{}</{end}>"#, c.0);
            } else {
                let _ = write!(out, "<{tag}>{}</{end}>", c.0);
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
}

fn figure(out: &mut String, caption: &str, svg: &str) {
    let _ = write!(out, "<figure><figcaption>{}</figcaption>\n{svg}\n</figure>\n", esc(caption));
}

fn card(out: &mut String, key: &str, value: String, extra: String) {
    let _ = write!(
        out,
        r#"<div class="card"><span class="k">{}</span><span class="v">{value}</span><span class="x">{extra}</span></div>"#,
        esc(key)
    );
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Healthy => "healthy",
        Status::Tight => "tight",
        Status::Insufficient => "insufficient",
    }
}

// ---------------------------------------------------------------------------------------------
// Charts of `check`.

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
fn groups_chart(r: &CheckReport) -> String {
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
                        fill: format!("url(#groups-planned-{i})"),
                        title: format!(
                            "{}: {} planned ({} services)",
                            g.group,
                            mem_t(&g.planned),
                            g.planned_services
                        ),
                    },
                ],
            }],
            note: format!("{} projected", g.projected.display),
            ..Default::default()
        })
        .collect();
    let w = &r.workload;
    svg::rows_chart(&RowsChart {
        id: "groups".into(),
        title: "Projected workload by group".into(),
        desc: format!(
            "For each of {} groups, deployed memory (solid) and planned memory (hatched); together {} current + {} planned = {} projected.",
            r.groups.len(),
            w.current.display,
            w.planned.display,
            w.projected.display
        ),
        rows,
        legend: vec![
            Key { fill: USED_NOW.into(), label: "deployed".into(), line: false },
            Key { fill: "url(#groups-planned-key)".into(), label: "planned".into(), line: false },
        ],
        defs: hatches("groups", r.groups.len()),
    })
}

fn baseline_label(r: &CheckReport) -> &'static str {
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
fn capacity_chart(r: &CheckReport) -> String {
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
    for (i, g) in r.groups.iter().enumerate() {
        workload.push(Segment {
            bytes: g.planned.bytes,
            fill: format!("url(#capacity-planned-{i})"),
            title: format!("{} planned: {}", g.group, mem_t(&g.planned)),
        });
    }
    rows.push(Row {
        label: format!("Projected workload ({} + {} services)", w.deployed_services, w.planned_services),
        kind: "workload",
        lanes: vec![Lane { segments: workload }],
        note: format!("{} projected", w.projected.display),
        ..Default::default()
    });
    let mut base = vec![Segment {
        bytes: h.used.bytes,
        fill: USED_NOW.into(),
        title: format!("used now: {} ({})", mem_t(&h.used), h.used_percent.display),
    }];
    for (i, g) in r.groups.iter().enumerate() {
        base.push(Segment {
            bytes: g.planned.bytes,
            fill: format!("url(#capacity-planned-{i})"),
            title: format!("{} planned: {}", g.group, mem_t(&g.planned)),
        });
    }
    rows.push(Row {
        label: baseline_label(r).into(),
        kind: "baseline",
        track: Some((h.total.bytes, format!("total: {}", mem_t(&h.total)))),
        lanes: vec![Lane { segments: base }],
        marks: vec![
            Mark {
                bytes: hr.warn_limit.bytes,
                color: WARN_MARK,
                title: format!("warn limit {}: {}", hr.warn_percent.display, mem_t(&hr.warn_limit)),
            },
            Mark {
                bytes: hr.fail_limit.bytes,
                color: FAIL_MARK,
                title: format!("fail limit {}: {}", hr.fail_percent.display, mem_t(&hr.fail_limit)),
            },
        ],
        note: format!("{} used", h.projected_used_percent.display),
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
                        e.capacity_memory.display,
                        e.memory_headroom.display
                    ),
                }],
            }],
            marks: vec![
                Mark {
                    bytes: threshold(&hr.warn_percent, cap),
                    color: WARN_MARK,
                    title: format!(
                        "warn threshold: {} of {} (headroom is checked on each node)",
                        hr.warn_percent.display, e.capacity_memory.display
                    ),
                },
                Mark {
                    bytes: threshold(&hr.fail_percent, cap),
                    color: FAIL_MARK,
                    title: format!(
                        "fail threshold: {} of {}",
                        hr.fail_percent.display, e.capacity_memory.display
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
        fill: "url(#capacity-planned-key)".into(),
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
        label: format!("warn {}", hr.warn_percent.display),
        line: true,
    });
    legend.push(Key {
        fill: FAIL_MARK.into(),
        label: format!("fail {}", hr.fail_percent.display),
        line: true,
    });
    svg::rows_chart(&RowsChart {
        id: "capacity".into(),
        title: "Projected memory against capacity".into(),
        desc: format!(
            "The projected workload ({}) stacked by group; {}: {} used now plus {} planned = {} of {} total, warn limit {} ({}), fail limit {} ({}); {} tier(s) with the load at the policy's size against their capacity.",
            w.projected.display,
            baseline_label(r),
            h.used.display,
            w.planned.display,
            h.projected_used.display,
            h.total.display,
            hr.warn_limit.display,
            hr.warn_percent.display,
            hr.fail_limit.display,
            hr.fail_percent.display,
            r.tiers.len()
        ),
        rows,
        legend,
        defs: hatches("capacity", r.groups.len()),
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
        (true, true) => format!("passes, {} free", e.memory_headroom.display),
        (true, false) => format!("fits, fails: {} free", e.memory_headroom.display),
        (false, _) => "does not fit".into(),
    }
}

/// Requested and used memory against allocatable, one row per shown node.
fn nodes_chart(c: &ClusterView, shown: &[&NodeRow]) -> String {
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
                        n.requested_memory_percent.display
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
                            n.used_memory_percent.as_ref().map_or("n/a", |p| p.display.as_str())
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
                    Some(u) => format!("req {} · used {}", n.requested_memory_percent.display, u.display),
                    None => format!("req {} · no metrics", n.requested_memory_percent.display),
                },
                muted: n.excluded.is_some(),
            }
        })
        .collect();
    svg::rows_chart(&RowsChart {
        id: "nodes".into(),
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

// ---------------------------------------------------------------------------------------------
// `check`.

/// The `check` report as one HTML page.
pub fn check(r: &CheckReport, origin: &str, opts: &RenderOptions) -> String {
    let status = r.verdict.status.as_str();
    page(&format!("bizo-plan check: {status} (profile {})", r.profile), &check_body(r, origin, opts))
}

/// A several-cluster check on one page: the worst verdict and the contexts, then each cluster's
/// report in an article of its own (ids prefixed so that they stay unique).
pub fn checks(r: &crate::report::check::ClustersReport, origin: &str, opts: &RenderOptions) -> String {
    let status = r.verdict.status.as_str();
    let class = status_class(r.verdict.status);
    let mut b = String::new();
    let _ = write!(
        b,
        r#"<header><h1>bizo-plan check: <span class="status s-{class}">{status}</span> across {} clusters</h1>
<p>Profile <strong>{}</strong> <span class="muted">({})</span></p></header>
<section id="verdict" class="verdict v-{class}" aria-labelledby="verdict-h"><h2 id="verdict-h">Verdict of the run: {status}</h2><ul>"#,
        r.clusters.len(),
        esc(&r.profile),
        esc(origin)
    );
    for reason in &r.verdict.reasons {
        let _ = write!(b, "<li>{}</li>", esc(reason));
    }
    b.push_str("</ul></section>\n");
    contexts_section(&mut b, &r.contexts);
    for (i, c) in r.clusters.iter().enumerate() {
        let _ = write!(b, r#"<article id="cluster-{i}" aria-label="cluster {}">"#, esc(&c.context));
        match (&c.report, &c.error) {
            (Some(rep), _) => {
                let body = check_body(rep, origin, opts)
                    .replace(r#" id=""#, &format!(r#" id="c{i}-"#))
                    .replace(r#"aria-labelledby=""#, &format!(r#"aria-labelledby="c{i}-"#))
                    .replace("<header><h1>", &format!("<header><h1>Cluster {}: ", esc(&c.context)));
                b.push_str(&body);
            }
            (None, e) => {
                let _ = write!(
                    b,
                    r#"<h2>Cluster {}</h2><p class="bad">NOT READ: {}</p>"#,
                    esc(&c.context),
                    esc(e.as_deref().unwrap_or("unknown"))
                );
            }
        }
        b.push_str("</article>\n");
    }
    page(
        &format!("bizo-plan check: {status} across {} clusters (profile {})", r.clusters.len(), r.profile),
        &b,
    )
}

fn check_body(r: &CheckReport, origin: &str, opts: &RenderOptions) -> String {
    let v = &r.verdict;
    let status = v.status.as_str();
    let class = status_class(v.status);
    let mut b = String::new();
    let _ = writeln!(
        b,
        r#"<header><h1>bizo-plan check: <span class="status s-{class}">{status}</span></h1>
<p>Profile <strong>{}</strong> <span class="muted">({})</span></p>
<p>Baseline: {}</p></header>"#,
        esc(&r.profile),
        esc(origin),
        esc(&r.baseline_description)
    );

    // Verdict.
    let _ = write!(
        b,
        r#"<section id="verdict" class="verdict v-{class}" aria-labelledby="verdict-h"><h2 id="verdict-h">Verdict: {status}</h2><ul>"#
    );
    for reason in &v.reasons {
        let _ = write!(b, "<li>{}</li>", esc(reason));
    }
    for g in &v.gates {
        let _ = write!(
            b,
            r#"<li>gate <code>{}</code>: {} ({})</li>"#,
            esc(&g.gate),
            if g.passed { "passed" } else { r#"<span class="bad">FAILED</span>"# },
            esc(&g.detail)
        );
    }
    b.push_str("</ul>");
    if !r.missing_inputs.is_empty() {
        b.push_str(r#"<p class="warn">Computed without:</p><ul>"#);
        for m in &r.missing_inputs {
            let _ = write!(b, "<li>{}</li>", esc(m));
        }
        b.push_str("</ul>");
    }
    for n in &r.notes {
        let _ = write!(b, r#"<p class="note">Note: {}</p>"#, esc(n));
    }
    b.push_str("</section>\n");

    if let Some(wi) = &r.what_if {
        what_if_section(&mut b, wi);
    }

    // Headroom.
    let w = &r.workload;
    let h = &r.host;
    let hr = &r.headroom;
    b.push_str(r#"<section id="headroom" aria-labelledby="headroom-h"><h2 id="headroom-h">Headroom</h2><div class="cards">"#);
    card(
        &mut b,
        "Projected used",
        mem(&h.projected_used),
        format!("{} of {}", pct(&h.projected_used_percent), mem(&h.total)),
    );
    card(
        &mut b,
        "Projected available",
        smem(&h.projected_available),
        format!("{} unavailable", pct(&h.projected_unavailable_percent)),
    );
    card(
        &mut b,
        "Headroom to warn",
        smem(&hr.to_warn),
        format!("limit {} ({})", mem(&hr.warn_limit), pct(&hr.warn_percent)),
    );
    card(
        &mut b,
        "Headroom to fail",
        smem(&hr.to_fail),
        format!("limit {} ({})", mem(&hr.fail_limit), pct(&hr.fail_percent)),
    );
    if let (Some(avg), Some(n)) = (&hr.average_service, hr.more_services_fit) {
        card(&mut b, "More services before warn", n.to_string(), format!("of {} each", mem(avg)));
    }
    card(&mut b, "Peak used", mem(&h.peak_used), format!("{} of the total", pct(&h.peak_used_percent)));
    if let Some(c) = &r.cpu
        && let (Some(p), Some(pp)) = (&c.projected, &c.projected_percent)
    {
        card(&mut b, "Projected cpu", cpu(p), format!("{} of {}", pct(pp), cpu(&c.capacity)));
    }
    b.push_str("</div>\n");
    let mut rows = vec![
        vec![
            Td::text(&format!("Current workload ({} deployed)", w.deployed_services)),
            Td::n(mem(&w.current)),
            Td::n(""),
        ],
        vec![
            Td::text(&format!("Planned ({} services)", w.planned_services)),
            Td::n(mem(&w.planned)),
            Td::n(""),
        ],
        vec![Td::text("Projected workload"), Td::n(mem(&w.projected)), Td::n("")],
        vec![Td::text("Total"), Td::n(mem(&h.total)), Td::n("")],
        vec![Td::text("Used now"), Td::n(mem(&h.used)), Td::n(pct(&h.used_percent))],
        vec![Td::text("Available now"), Td::n(mem(&h.available)), Td::n("")],
        vec![
            Td::text("Projected used"),
            Td::n(mem(&h.projected_used)),
            Td::n(pct(&h.projected_used_percent)),
        ],
        vec![
            Td::text("Projected available"),
            Td::n(smem(&h.projected_available)),
            Td::n(format!("{} unavailable", pct(&h.projected_unavailable_percent))),
        ],
        vec![
            Td::text("Peak used (every service at peak)"),
            Td::n(mem(&h.peak_used)),
            Td::n(pct(&h.peak_used_percent)),
        ],
        vec![
            Td::text(&format!("Warn limit ({})", hr.warn_percent.display)),
            Td::n(mem(&hr.warn_limit)),
            Td::n(""),
        ],
        vec![Td::text("Headroom to warn"), Td::n(smem(&hr.to_warn)), Td::n("")],
        vec![
            Td::text(&format!("Fail limit ({})", hr.fail_percent.display)),
            Td::n(mem(&hr.fail_limit)),
            Td::n(""),
        ],
        vec![Td::text("Headroom to fail"), Td::n(smem(&hr.to_fail)), Td::n("")],
    ];
    if let (Some(avg), Some(n)) = (&hr.average_service, hr.more_services_fit) {
        rows.push(vec![
            Td::t(format!("More services of {} that fit before warn", mem(avg))),
            Td::n(n.to_string()),
            Td::n(""),
        ]);
    }
    table(&mut b, "Memory", &["Figure", "Value#", "Share of total#"], rows);
    if let Some(c) = &r.cpu {
        table(
            &mut b,
            "CPU",
            &["Capacity", "Used now#", "Planned#", "Projected#", "Share#"],
            vec![vec![
                Td::t(cpu(&c.capacity)),
                Td::n(opt_or(c.used.as_ref(), cpu, "unknown")),
                Td::n(cpu(&c.planned)),
                Td::n(opt_or(c.projected.as_ref(), cpu, "unknown")),
                Td::n(opt_or(c.projected_percent.as_ref(), pct, "")),
            ]],
        );
    }
    b.push_str("</section>\n");

    // Groups.
    b.push_str(r#"<section id="groups" aria-labelledby="groups-h"><h2 id="groups-h">Projected workload by group</h2>"#);
    figure(&mut b, "Deployed and planned memory by group", &groups_chart(r));
    let rows = r
        .groups
        .iter()
        .map(|g| {
            vec![
                Td::text(&g.group),
                Td::n(g.deployed_services.to_string()),
                Td::n(g.planned_services.to_string()),
                Td::n(mem(&g.deployed)),
                Td::n(mem(&g.planned)),
                Td::n(mem(&g.projected)),
            ]
        })
        .collect();
    table(
        &mut b,
        "By group",
        &["Group", "Deployed#", "Planned#", "Deployed memory#", "Planned memory#", "Projected#"],
        rows,
    );
    b.push_str("</section>\n");

    // Capacity and tiers.
    b.push_str(r#"<section id="capacity" aria-labelledby="capacity-h"><h2 id="capacity-h">Projected memory against capacity</h2>"#);
    figure(&mut b, "The projected load against this baseline and the catalog's tiers", &capacity_chart(r));
    table(
        &mut b,
        "Baseline",
        &["Capacity", "Total#", "Used now#", "Planned#", "Projected used#", "Warn limit#", "Fail limit#"],
        vec![vec![
            Td::text(baseline_label(r)),
            Td::n(mem(&h.total)),
            Td::n(mem(&h.used)),
            Td::n(mem(&w.planned)),
            Td::n(format!("{} ({})", mem(&h.projected_used), pct(&h.projected_used_percent))),
            Td::n(format!("{} ({})", mem(&hr.warn_limit), pct(&hr.warn_percent))),
            Td::n(format!("{} ({})", mem(&hr.fail_limit), pct(&hr.fail_percent))),
        ]],
    );
    if !r.tiers.is_empty() {
        b.push_str(r#"<p class="note">Tiers are loaded with every service at the policy's size (peak by default), placed on their nodes; a tier passes when every node keeps the required headroom.</p>"#);
        evaluations_table(&mut b, "The projected load on the catalog's tiers", &r.tiers);
    }
    b.push_str("</section>\n");

    if let Some(c) = &r.cluster {
        cluster_section(&mut b, c, opts);
    }

    // Services.
    b.push_str(r#"<section id="services" aria-labelledby="services-h"><h2 id="services-h">Services</h2>"#);
    let with_pods = r.services.iter().any(|s| s.pods.is_some());
    let mut header = vec!["Service", "Group", "Status", "Port#", "Replicas#"];
    if with_pods {
        header.push("Pods#");
    }
    header.extend(["Memory#", "Peak#", "CPU#", "Figure from"]);
    let rows = r
        .services
        .iter()
        .map(|s| {
            let mut row = vec![
                Td::text(&s.name),
                Td::text(&s.group),
                Td::text(&s.status.to_string()),
                Td::n(s.port.map(|p| p.to_string()).unwrap_or_default()),
                Td::n(s.replicas.to_string()),
            ];
            if with_pods {
                row.push(Td::n(s.pods.map(|p| p.to_string()).unwrap_or_default()));
            }
            row.extend([
                Td::n(mem(&s.memory)),
                Td::n(mem(&s.memory_peak)),
                Td::n(opt_or(s.cpu.as_ref(), cpu, "-")),
                Td::text(&format!("{}; peak: {}", s.source, s.peak_source)),
            ]);
            row
        })
        .collect();
    table(&mut b, &format!("{} services", r.services.len()), &header, rows);
    b.push_str("</section>\n");

    if opts.explain {
        b.push_str(r#"<section id="explain" aria-labelledby="explain-h"><h2 id="explain-h">How each figure was computed</h2>"#);
        let rows = r
            .explain
            .iter()
            .map(|e| vec![Td::t(format!("<code>{}</code>", esc(&e.figure))), Td::text(&e.arithmetic)])
            .collect();
        table(&mut b, "Arithmetic", &["Figure", "Arithmetic"], rows);
        b.push_str("</section>\n");
    }
    let _ = writeln!(
        b,
        r#"<footer>bizo-plan check, profile {}. Figures are shown in short form; hover a dotted number for its exact value. <code>-o json</code> carries every figure exactly.</footer>"#,
        esc(&r.profile)
    );
    b
}

fn what_if_section(b: &mut String, w: &crate::report::whatif::WhatIf) {
    let _ = write!(
        b,
        r#"<section id="what-if" aria-labelledby="what-if-h"><h2 id="what-if-h">What-if: {}</h2>"#,
        esc(&w.scenario)
    );
    if let Some(d) = &w.description {
        let _ = write!(b, "<p>{}</p>", esc(d));
    }
    let dash = |m: &Option<MemFig>| opt_or(m.as_ref(), mem, "-");
    let rows = w
        .changes
        .iter()
        .map(|c| {
            vec![
                Td::text(c.change),
                Td::text(&match &c.replacement {
                    Some(r) => format!("{} -> {r}", c.service),
                    None => c.service.clone(),
                }),
                Td::n(dash(&c.memory_before)),
                Td::n(dash(&c.memory_after)),
                Td::n(dash(&c.peak_after)),
                Td::n(smem(&c.delta)),
            ]
        })
        .collect();
    table(b, "Changes", &["Change", "Service", "Counted now#", "Planned#", "Peak#", "Delta#"], rows);
    let rows = [("before", &w.before), ("after", &w.after)]
        .into_iter()
        .map(|(label, side)| {
            vec![
                Td::text(label),
                Td::n(mem(&side.projected_used)),
                Td::n(pct(&side.gated_percent)),
                Td::n(mem(&side.peak_used)),
                Td::n(pct(&side.peak_used_percent)),
                Td::t(format!(
                    r#"<span class="status s-{}">{}</span>"#,
                    status_class(side.verdict),
                    side.verdict.as_str()
                )),
            ]
        })
        .collect();
    table(
        b,
        &format!("Before and after (change in projected used: {})", w.delta.display),
        &["Plan", "Projected used#", "Share#", "At peak#", "Peak share#", "Verdict"],
        rows,
    );
    let _ = writeln!(b, "<p><strong>{}</strong></p></section>", esc(&w.conclusion));
}

fn contexts_chart(contexts: &[crate::report::cluster::ContextRow]) -> String {
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

fn contexts_section(b: &mut String, contexts: &[crate::report::cluster::ContextRow]) {
    b.push_str(r#"<section id="contexts" aria-labelledby="contexts-h"><h2 id="contexts-h">Clusters</h2>"#);
    figure(
        b,
        "Memory per cluster (each has its own verdict; the total is information only)",
        &contexts_chart(contexts),
    );
    let rows = contexts
        .iter()
        .map(|c| {
            vec![
                Td::text(&c.context),
                Td::text(c.server.as_deref().unwrap_or("-")),
                Td::n(c.nodes.to_string()),
                Td::n(c.pods.to_string()),
                Td::n(mem(&c.allocatable_memory)),
                Td::n(mem(&c.requested_memory)),
                Td::n(mem(&c.used_memory)),
                match (&c.error, c.missing.is_empty()) {
                    (Some(e), _) => Td::t(format!(r#"<span class="bad">NOT READ</span>: {}"#, esc(e))),
                    (None, true) => Td::text("read"),
                    (None, false) => Td::text(&format!("read, without: {}", c.missing.join("; "))),
                },
            ]
        })
        .collect();
    table(
        b,
        "Cluster contexts",
        &["Context", "Server", "Nodes#", "Pods#", "Allocatable#", "Requested#", "Used#", "Status"],
        rows,
    );
    b.push_str("</section>\n");
}

fn loss(e: &Evaluation) -> &'static str {
    match e.survives_node_loss {
        Some(true) => "survives",
        Some(false) => "FAILS",
        None => "-",
    }
}

use super::recommend::clients;

fn evaluations_table(out: &mut String, caption: &str, evals: &[Evaluation]) {
    let rows = evals
        .iter()
        .map(|e| {
            vec![
                Td::text(&e.name),
                Td::n(e.nodes.to_string()),
                Td::n(money(e)),
                Td::t(if e.fits { "yes" } else { r#"<span class="bad">NO</span>"# }),
                Td::n(format!("{} / {}", mem(&e.demand_memory), mem(&e.capacity_memory))),
                Td::n(format!("{} / {}", cpu(&e.demand_cpu), cpu(&e.capacity_cpu))),
                Td::n(format!("{} / {}", pct(&e.memory_headroom), pct(&e.cpu_headroom))),
                Td::text(e.limiting),
                Td::text(loss(e)),
                Td::text(&clients(e)),
                Td::t(if e.passes {
                    "passes".to_string()
                } else {
                    format!(r#"<span class="bad">fails</span>: {}"#, esc(&e.reasons.join("; ")))
                }),
            ]
        })
        .collect();
    table(
        out,
        caption,
        &[
            "Option",
            "Nodes#",
            "Monthly#",
            "Fits",
            "Memory (load/capacity)#",
            "CPU (load/capacity)#",
            "Headroom mem/cpu#",
            "Limiting",
            "Node loss",
            "Clients",
            "Result",
        ],
        rows,
    );
}

fn cluster_section(b: &mut String, c: &ClusterView, opts: &RenderOptions) {
    let _ = write!(
        b,
        r#"<section id="cluster" aria-labelledby="cluster-h"><h2 id="cluster-h">Cluster</h2><p>Context <code>{}</code> at <code>{}</code>"#,
        esc(&c.context),
        esc(&c.server)
    );
    if !c.namespaces.is_empty() {
        let _ = write!(b, ", namespaces <code>{}</code>", esc(&c.namespaces.join(",")));
    }
    if let Some(sel) = &c.selector {
        let _ = write!(b, ", pods <code>-l {}</code>", esc(sel));
    }
    if let Some(sel) = &c.node_selector {
        let _ = write!(b, ", nodes <code>-l {}</code>", esc(sel));
    }
    b.push_str("</p>\n");
    for m in &c.missing {
        let _ = write!(b, r#"<p class="warn">Could not {}</p>"#, esc(m));
    }
    let limit = if opts.all_rows { usize::MAX } else { MAX_ROWS };
    if !c.warnings.is_empty() {
        b.push_str("<ul>");
        for w in c.warnings.iter().take(limit) {
            let _ = write!(b, r#"<li class="warn">{}</li>"#, esc(w));
        }
        if c.warnings.len() > limit {
            let _ = write!(
                b,
                "<li>... and {} more warnings (<code>--all-rows</code> shows them, <code>-o json</code> carries them)</li>",
                c.warnings.len() - limit
            );
        }
        b.push_str("</ul>");
    }
    let t = &c.totals;
    let _ = write!(
        b,
        "<p>{} node(s), {} schedulable; {} pods ({} unscheduled, {} on nodes outside the selection); allocatable {}, requested {}",
        t.nodes,
        t.schedulable_nodes,
        t.pods,
        t.pods_unscheduled,
        t.pods_on_unlisted_nodes,
        mem(&t.allocatable_memory),
        mem(&t.requested_memory)
    );
    if let Some(u) = &t.node_usage_memory {
        let _ = write!(b, ", used {} by NodeMetrics", mem(u));
    }
    if let Some(u) = &t.pod_usage_memory {
        let _ = write!(b, ", {} by the pods", mem(u));
    }
    if let Some(o) = &t.system_overhead_memory {
        let _ = write!(b, " (system overhead {})", mem(o));
    }
    b.push_str(".</p>\n");

    if !c.nodes.is_empty() {
        let shown = super::table::shown_nodes(c, opts);
        figure(b, "Memory per node", &nodes_chart(c, &shown));
        if shown.len() < c.nodes.len() {
            let _ = write!(
                b,
                r#"<p class="note" id="hidden-nodes">{}</p>"#,
                esc(super::table::hidden_nodes_note(c, &shown).trim_end())
            );
        }
        let rows = shown
            .iter()
            .map(|n| {
                vec![
                    Td::text(&n.name),
                    Td::text(&n.roles.join(",")),
                    Td::n(mem(&n.allocatable_memory)),
                    Td::n(format!("{} ({})", mem(&n.requested_memory), pct(&n.requested_memory_percent))),
                    Td::n(match (&n.used_memory, &n.used_memory_percent) {
                        (Some(u), Some(p)) => format!("{} ({})", mem(u), pct(p)),
                        _ => "n/a".into(),
                    }),
                    Td::n(opt_or(n.pod_usage_memory.as_ref(), mem, "n/a")),
                    Td::n(mem(&n.free_memory)),
                    Td::n(format!("{} / {}", cpu(&n.requested_cpu), cpu(&n.allocatable_cpu))),
                    Td::n(opt_or(n.used_cpu.as_ref(), cpu, "n/a")),
                    Td::n(format!("{}/{}", n.pods, n.pod_slots)),
                    Td::text(
                        &n.excluded
                            .as_deref()
                            .map_or("schedulable".to_string(), |e| format!("excluded: {e}")),
                    ),
                ]
            })
            .collect();
        table(
            b,
            "Nodes",
            &[
                "Node",
                "Roles",
                "Allocatable#",
                "Requested#",
                "Used (node)#",
                "Pods' usage#",
                "Free#",
                "CPU requested / allocatable#",
                "CPU used#",
                "Pods#",
                "Status",
            ],
            rows,
        );
    }
    if !c.drift.is_empty() {
        let rows = c
            .drift
            .iter()
            .map(|d| {
                vec![
                    Td::text(&d.service),
                    Td::n(d.pods.to_string()),
                    Td::text(d.matched_by),
                    Td::n(mem(&d.profile_memory)),
                    Td::n(mem(&d.live_memory)),
                    Td::n(num(&d.drift, &format!("{} bytes", d.drift_bytes))),
                    Td::text(d.live_source),
                ]
            })
            .collect();
        table(
            b,
            "Live services against the profile",
            &["Service", "Pods#", "Matched by", "Profile#", "Live#", "Drift#", "Live figure from"],
            rows,
        );
    }
    if !c.services_without_pods.is_empty() {
        let _ = write!(
            b,
            "<p>Deployed in the profile but no pods found (added like planned services): {}</p>",
            esc(&c.services_without_pods.join(", "))
        );
    }
    if !c.planned_already_running.is_empty() {
        let _ = write!(
            b,
            "<p>Planned in the profile but already running (counted as running): {}</p>",
            esc(&c.planned_already_running.join(", "))
        );
    }
    if !c.unmatched.is_empty() {
        let rows = c
            .unmatched
            .iter()
            .take(limit)
            .map(|u| {
                vec![
                    Td::text(&u.namespace),
                    Td::text(&format!("{}/{}", u.owner_kind, u.owner)),
                    Td::n(u.pods.to_string()),
                    Td::n(mem(&u.requested_memory)),
                    Td::n(opt_or(u.used_memory.as_ref(), mem, "n/a")),
                ]
            })
            .collect();
        table(
            b,
            "Pods not in the profile (by namespace and owner)",
            &["Namespace", "Owner", "Pods#", "Requested#", "Used#"],
            rows,
        );
        if c.unmatched.len() > limit {
            let _ = write!(
                b,
                r#"<p class="note">... and {} more groups (<code>--all-rows</code> shows them, <code>-o json</code> carries them)</p>"#,
                c.unmatched.len() - limit
            );
        }
    }
    b.push_str("</section>\n");
}

// ---------------------------------------------------------------------------------------------
// `recommend`.

fn options_chart(id: &str, title: &str, evals: &[&Evaluation]) -> String {
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
                        e.capacity_memory.display,
                        e.memory_headroom.display,
                        e.cpu_headroom.display,
                        e.monthly
                    ),
                }],
            }],
            note: format!("{} · {}", e.monthly, if e.passes { "passes" } else { "fails" }),
            ..Default::default()
        })
        .collect();
    svg::rows_chart(&RowsChart {
        id: id.into(),
        title: title.into(),
        desc: format!(
            "{} option(s), cheapest first where ranked: memory load (bar) against memory capacity (box); blue passes, orange fits but fails a requirement, red does not fit.",
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

fn fill_chart(e: &Evaluation) -> String {
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
                        f.memory_percent.display,
                        f.pods
                    ),
                }],
            }],
            note: format!("{} mem · {} cpu", f.memory_percent.display, f.cpu_percent.display),
            ..Default::default()
        })
        .collect();
    svg::rows_chart(&RowsChart {
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

/// The `recommend` answer as one HTML page; `show_rejected` bounds the rejected options drawn
/// and listed (JSON carries them all).
pub fn recommend(
    r: &Recommendation,
    profile: &str,
    catalog: &str,
    show_rejected: usize,
    opts: &RenderOptions,
) -> String {
    let mut b = String::new();
    let headline = match &r.pick {
        Some(p) => format!("{} at {} per month", p.name, p.monthly),
        None => "nothing passes".to_string(),
    };
    let class = if r.pick.is_some() { "healthy" } else { "insufficient" };
    let _ = writeln!(
        b,
        r#"<header><h1>bizo-plan recommend: <span class="status s-{class}">{}</span></h1>
<p>Profile <code>{}</code>, catalog <code>{}</code></p>
<p>Load: {} replicas, {} memory, {} cpu (every service at the policy's size). Requirements: {}{}.</p></header>"#,
        esc(&headline),
        esc(profile),
        esc(catalog),
        r.replicas,
        mem(&r.demand_memory),
        cpu(&r.demand_cpu),
        esc(&r.requirements.join(", ")),
        r.budget.as_ref().map(|x| format!(", budget {}", esc(x))).unwrap_or_default()
    );
    let _ = write!(
        b,
        r#"<section id="verdict" class="verdict v-{class}" aria-labelledby="verdict-h"><h2 id="verdict-h">"#
    );
    match &r.pick {
        Some(p) => {
            let _ = write!(b, "Recommended: {} at {} per month</h2>", esc(&p.name), money(p));
            let _ = write!(b, "<p>{}</p><div class=\"cards\">", esc(&p.cost_breakdown));
            card(
                &mut b,
                "Memory",
                mem(&p.demand_memory),
                format!("of {}, {} headroom", mem(&p.capacity_memory), pct(&p.memory_headroom)),
            );
            card(
                &mut b,
                "CPU",
                cpu(&p.demand_cpu),
                format!("of {}, {} headroom", cpu(&p.capacity_cpu), pct(&p.cpu_headroom)),
            );
            card(&mut b, "Limiting", esc(p.limiting), format!("{} node(s)", p.nodes));
            if let Some(c) = &p.confidence {
                card(&mut b, "Price confidence", esc(c), String::new());
            }
            b.push_str("</div>");
        }
        None => {
            b.push_str("Nothing passes within the budget</h2>");
            if let Some(c) = &r.cheapest_over_budget {
                let _ = write!(
                    b,
                    "<p>The cheapest option that would fit: <strong>{}</strong> at {} per month ({}).</p>",
                    esc(&c.name),
                    money(c),
                    esc(&c.cost_breakdown)
                );
            }
        }
    }
    b.push_str("</section>\n");

    if let Some(p) = r.pick.as_ref().filter(|p| !p.fill.is_empty()) {
        b.push_str(r#"<section id="pick" aria-labelledby="pick-h"><h2 id="pick-h">The recommended option's nodes</h2>"#);
        figure(&mut b, "Memory placed per node", &fill_chart(p));
        let rows = p
            .fill
            .iter()
            .map(|f| {
                vec![
                    Td::text(&f.node),
                    Td::n(format!("{} / {}", mem(&f.placed_memory), mem(&f.capacity_memory))),
                    Td::n(pct(&f.memory_percent)),
                    Td::n(format!("{} / {}", cpu(&f.placed_cpu), cpu(&f.capacity_cpu))),
                    Td::n(pct(&f.cpu_percent)),
                    Td::n(f.pods.to_string()),
                    Td::text(f.limiting),
                ]
            })
            .collect();
        table(
            &mut b,
            "Per node",
            &["Node", "Memory#", "Memory %#", "CPU#", "CPU %#", "Pods#", "Limiting"],
            rows,
        );
        b.push_str("</section>\n");
    }

    b.push_str(r#"<section id="options" aria-labelledby="options-h"><h2 id="options-h">Options</h2>"#);
    let rejected: Vec<&Evaluation> = r.rejected.iter().take(show_rejected).collect();
    let drawn: Vec<&Evaluation> =
        r.pick.iter().chain(r.alternatives.iter()).chain(rejected.iter().copied()).collect();
    if !drawn.is_empty() {
        figure(
            &mut b,
            "Memory load against capacity of each option",
            &options_chart("options", "Options: memory load against capacity", &drawn),
        );
    }
    let rows = r
        .by_shape
        .iter()
        .map(|s| {
            vec![
                Td::text(s.shape),
                Td::text(s.option.as_deref().unwrap_or("none passes")),
                Td::n(esc(s.monthly.as_deref().unwrap_or(""))),
            ]
        })
        .collect();
    table(&mut b, "Cheapest passing option by shape", &["Shape", "Option", "Monthly#"], rows);
    let passing: Vec<Evaluation> = r.pick.iter().chain(r.alternatives.iter()).cloned().collect();
    if !passing.is_empty() {
        evaluations_table(&mut b, &format!("Passing options ({}), cheapest first", passing.len()), &passing);
    }
    if !r.rejected.is_empty() {
        let rows = rejected
            .iter()
            .map(|e| vec![Td::text(&e.name), Td::n(money(e)), Td::text(&e.reasons.join("; "))])
            .collect();
        table(
            &mut b,
            &format!("Rejected ({}), cheapest first", r.rejected.len()),
            &["Option", "Monthly#", "Why not"],
            rows,
        );
        if r.rejected.len() > rejected.len() {
            let _ = write!(
                b,
                r#"<p class="note">... and {} more (<code>--show-rejected N</code>, or <code>-o json</code>)</p>"#,
                r.rejected.len() - rejected.len()
            );
        }
    }
    if !r.not_evaluated.is_empty() {
        let _ = write!(
            b,
            r#"<p class="note">Not placed: {} option(s) (over the budget, or dearer than the pick and its alternatives; see <code>-o json</code>).</p>"#,
            r.not_evaluated.len()
        );
    }
    b.push_str("</section>\n");
    if opts.explain {
        b.push_str(r#"<section id="explain"><h2>How the figures are computed</h2><p>Demand = every replica at peak (or typical, <code>policy.sizeBy</code>); capacity = allocatable by the reservation model (nominal RAM minus the kernel share, reservations and eviction) minus node overhead; headroom = the least of any node, 1 - placed / capacity; replicas are placed largest first on the node left with the most free share (the scheduler's LeastAllocated); node loss re-places every replica on the remaining nodes.</p></section>"#);
    }
    b.push_str("<footer>bizo-plan recommend. Hover a dotted number for its exact value; <code>-o json</code> carries every figure exactly.</footer>\n");
    page(&format!("bizo-plan recommend: {headline}"), &b)
}

// ---------------------------------------------------------------------------------------------
// Forecast.

/// The `forecast` as one HTML page: the demand line against each tier's usable memory
/// ([`forecast_chart`]), then the months, the tiers and the phase timeline as tables.
pub fn forecast(
    f: &crate::report::forecast::ForecastReport,
    profile: &str,
    catalog: &str,
    opts: &RenderOptions,
) -> String {
    let mut b = String::new();
    let horizon = f.months.last().map_or(0, |m| m.month);
    let _ = writeln!(
        b,
        r#"<header><h1>bizo-plan forecast</h1>
<p>Profile <code>{}</code>, catalog <code>{}</code></p>
<p>Growth {} per month{}; each tier keeps {} headroom per node; months 0 to {horizon}.</p></header>"#,
        esc(profile),
        esc(catalog),
        pct(&f.growth),
        f.client_growth.as_ref().map(|g| format!(", clients {} per month", pct(g))).unwrap_or_default(),
        pct(&f.headroom),
    );
    b.push_str(
        r#"<section id="timeline" aria-labelledby="timeline-h"><h2 id="timeline-h">Timeline</h2><ul>"#,
    );
    for p in &f.phases {
        let months =
            if p.from == p.to { format!("month {}", p.from) } else { format!("months {}-{}", p.from, p.to) };
        match &p.option {
            Some(t) => {
                let _ = write!(b, "<li>{}: {}</li>", esc(&months), esc(t));
            }
            None => {
                let _ = write!(
                    b,
                    r#"<li>{}: <span class="bad">no tier holds the load</span></li>"#,
                    esc(&months)
                );
            }
        }
    }
    b.push_str("</ul></section>\n");
    b.push_str(r#"<section id="forecast" aria-labelledby="forecast-h"><h2 id="forecast-h">Demand against the tiers</h2>"#);
    let months: Vec<(u32, u64)> = f.months.iter().map(|m| (m.month, m.demand.bytes)).collect();
    let tiers: Vec<(String, u64)> = f.targets.iter().map(|t| (t.name.clone(), t.usable.bytes)).collect();
    let runs_out: Vec<Option<u32>> = f.targets.iter().map(|t| t.runs_out).collect();
    figure(
        &mut b,
        "Projected demand (the policy's size) against each target's usable memory; a red circle in the month the table says a target runs out (by memory, cpu or node loss)",
        &forecast_chart_with(&months, &tiers, Some(&runs_out)),
    );
    let rows = f
        .targets
        .iter()
        .map(|t| {
            vec![
                Td::text(&t.name),
                Td::n(esc(&t.monthly)),
                Td::n(mem(&t.capacity)),
                Td::n(mem(&t.usable)),
                Td::t(match (t.fits_now, t.runs_out) {
                    (false, _) => r#"<span class="bad">does not hold the load now</span>"#.to_string(),
                    (true, Some(m)) => format!(r#"<span class="warn">month {m}</span>"#),
                    (true, None) => format!("lasts past month {horizon}"),
                }),
                Td::text(t.reason.as_deref().unwrap_or("")),
            ]
        })
        .collect();
    table(&mut b, "Tiers", &["Tier", "Monthly#", "Capacity#", "Usable#", "Runs out", "Why"], rows);
    let with_clients = f.months.iter().any(|m| m.clients.is_some());
    let mut header = vec!["Month#", "Memory (typical)#", "Demand#", "CPU#"];
    if with_clients {
        header.push("Clients#");
    }
    header.extend(["Cheapest passing tier", "Passing"]);
    let rows = f
        .months
        .iter()
        .map(|m| {
            let mut row = vec![
                Td::n(m.month.to_string()),
                Td::n(mem(&m.memory)),
                Td::n(mem(&m.demand)),
                Td::n(cpu(&m.cpu)),
            ];
            if with_clients {
                row.push(Td::n(m.clients.map(|c| c.to_string()).unwrap_or_default()));
            }
            row.push(match &m.cheapest {
                Some(c) => Td::text(c),
                None => Td::t(r#"<span class="bad">none</span>"#),
            });
            row.push(Td::text(&m.passing.join(", ")));
            row
        })
        .collect();
    table(&mut b, "Month by month", &header, rows);
    b.push_str("</section>\n");
    if opts.explain {
        b.push_str(r#"<section id="explain" aria-labelledby="explain-h"><h2 id="explain-h">How the figures are computed</h2><ul>"#);
        for e in &f.explain {
            let _ = write!(b, "<li>{}</li>", esc(e));
        }
        b.push_str("</ul></section>\n");
    }
    b.push_str("<footer>bizo-plan forecast. Hover a dotted number for its exact value; <code>-o json</code> carries every figure exactly.</footer>\n");
    page("bizo-plan forecast", &b)
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
    use crate::render::Format;

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
        assert!(html.contains(r#"<span class="status s-tight">TIGHT</span>"#));
        assert!(html.contains(r#"<span class="neg"><span title="-464141681 bytes">-442.64Mi</span></span>"#));
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
