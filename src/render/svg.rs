//! Inline SVG for the HTML report, drawn by hand: escaping, an integer linear scale, byte axis
//! ticks, and a horizontal bar chart of rows (a capacity track, stacked segments, threshold
//! marks). Pure: data in, markup out.
//!
//! Coordinates are integers in tenths of a pixel ([`Tenths`]); a stacked bar's segments are cut
//! at the scaled running totals, so they always add up to exactly the scaled total.

use std::fmt::Write as _;

use crate::model::quantity::Bytes;

/// Escapes text for HTML and SVG, in content and in `"`-quoted attribute values alike.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push(' '),
            // Control characters (an escape sequence in a service name) shown as in a terminal.
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// A length or position in tenths of a pixel.
pub type Tenths = u64;

/// `12.3`, `12` (tenths of a pixel as an SVG number).
pub fn px(t: Tenths) -> String {
    if t.is_multiple_of(10) { (t / 10).to_string() } else { format!("{}.{}", t / 10, t % 10) }
}

/// Maps `0..=domain` onto `0..=range` (tenths of a pixel), rounding half up. A zero domain is
/// treated as 1, so an empty chart maps everything to 0 instead of dividing by zero; values
/// above the domain are clamped to the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    domain: u64,
    range: Tenths,
}

impl Scale {
    /// A scale from `0..=domain` onto `0..=range`.
    pub fn new(domain: u64, range: Tenths) -> Scale {
        Scale { domain: domain.max(1), range }
    }

    /// The position of `v`.
    pub fn at(&self, v: u64) -> Tenths {
        let v = u128::from(v.min(self.domain));
        let d = u128::from(self.domain);
        // (2^64 - 1)^2 + 2^63 < 2^128: no overflow.
        u64::try_from((v * u128::from(self.range) + d / 2) / d).unwrap_or(self.range)
    }
}

/// Axis ticks for byte values up to `max`: a round step (1, 2 or 5 times a power of ten of a
/// binary unit: 1Gi, 2Gi, 5Gi, 10Gi, 20Gi, ...) giving at most `max_ticks` intervals, and the
/// axis end (a multiple of the step, at least `max`). `(0, 0)` when `max` is 0.
pub fn byte_ticks(max: u64, max_ticks: u64) -> (u64, u64) {
    if max == 0 {
        return (0, 0);
    }
    let n = max_ticks.max(1);
    for unit in [1u64, 1 << 10, 1 << 20, 1 << 30, 1 << 40, 1 << 50, 1 << 60] {
        for m in [1u64, 2, 5, 10, 20, 50, 100, 200, 500] {
            let Some(step) = unit.checked_mul(m) else { continue };
            if u128::from(step) * u128::from(n) >= u128::from(max) {
                let end = max.div_ceil(step).saturating_mul(step);
                return (step, end.max(max));
            }
        }
    }
    (max, max)
}

/// Axis ticks for plain counts (months): a step of 1, 2, 5, 10, 20, ... giving at most
/// `max_ticks` intervals over `span`.
pub fn count_step(span: u64, max_ticks: u64) -> u64 {
    let n = max_ticks.max(1);
    let mut p = 1u64;
    loop {
        for m in [1u64, 2, 5] {
            let step = p.saturating_mul(m);
            if step.saturating_mul(n) >= span || step == u64::MAX {
                return step;
            }
        }
        p = p.saturating_mul(10);
    }
}

/// One piece of a stacked bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Size.
    pub bytes: u64,
    /// SVG paint: a colour or `url(#pattern)`.
    pub fill: String,
    /// What it is (the tooltip, with the exact value).
    pub title: String,
}

/// One stacked bar inside a row (a row has one lane, or several side by side: requested and used).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lane {
    /// Segments from the left.
    pub segments: Vec<Segment>,
}

/// A vertical tick across a row at a value (a threshold).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// Position.
    pub bytes: u64,
    /// Stroke colour.
    pub color: &'static str,
    /// Tooltip.
    pub title: String,
}

/// One row of a bar chart.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row {
    /// Label on the left.
    pub label: String,
    /// `data-bar` attribute: what the row stands for (tier, node, group, ...).
    pub kind: &'static str,
    /// The capacity behind the bars, with its tooltip.
    pub track: Option<(u64, String)>,
    /// The bars.
    pub lanes: Vec<Lane>,
    /// Thresholds.
    pub marks: Vec<Mark>,
    /// Text on the right.
    pub note: String,
    /// Drawn faded (e.g. a node excluded from scheduling).
    pub muted: bool,
}

/// A legend entry: a paint and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// SVG paint.
    pub fill: String,
    /// Text.
    pub label: String,
    /// Drawn as a line (a threshold) instead of a box.
    pub line: bool,
}

/// A horizontal bar chart.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RowsChart {
    /// What it shows (`data-chart`): the same for the same chart of every cluster.
    pub name: String,
    /// Element id prefix (unique in the page).
    pub id: String,
    /// Accessible title.
    pub title: String,
    /// Accessible description.
    pub desc: String,
    /// Rows, top to bottom.
    pub rows: Vec<Row>,
    /// Legend.
    pub legend: Vec<Key>,
    /// Extra `<defs>` content (patterns).
    pub defs: String,
}

/// Total width of a chart, in pixels.
pub const WIDTH: u64 = 960;
const LABEL_W: u64 = 250;
const NOTE_W: u64 = 170;
const PLOT_W: u64 = WIDTH - LABEL_W - NOTE_W - 20;
const ROW_H: u64 = 30;
const AXIS_H: u64 = 24;
const LEGEND_H: u64 = 26;

/// Text colour and the track's colours.
pub const INK: &str = "#1f2328";
const MUTED_INK: &str = "#6e7781";
const GRID: &str = "#d0d7de";
const TRACK: &str = "#f3f4f6";
const TRACK_LINE: &str = "#8c959f";

/// Shortens `s` to `n` characters with an ellipsis (the full text stays in the tooltip).
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The x positions (tenths, from the plot's left) where a stack's segments start and end.
pub fn stack_edges(scale: &Scale, sizes: &[u64]) -> Vec<Tenths> {
    let mut edges = Vec::with_capacity(sizes.len() + 1);
    let mut sum = 0u64;
    edges.push(scale.at(0));
    for s in sizes {
        sum = sum.saturating_add(*s);
        edges.push(scale.at(sum));
    }
    edges
}

/// Where each legend entry goes: its x (tenths) and its line, wrapping at the chart's width.
/// A label's width is estimated at 6.5 px per character (12 px text).
fn legend_layout(keys: &[Key]) -> Vec<(Tenths, u64)> {
    let mut out = Vec::with_capacity(keys.len());
    let (mut x, mut line) = (100u64, 0u64);
    for k in keys {
        let w = 170 + 65 * k.label.chars().count() as u64 + 200;
        if x > 100 && x + w > WIDTH * 10 {
            x = 100;
            line += 1;
        }
        out.push((x, line));
        x += w;
    }
    out
}

/// The largest value a chart's rows need to show.
fn rows_max(rows: &[Row]) -> u64 {
    rows.iter()
        .flat_map(|r| {
            let lanes =
                r.lanes.iter().map(|l| l.segments.iter().fold(0u64, |a, s| a.saturating_add(s.bytes)));
            r.track
                .iter()
                .map(|t| t.0)
                .chain(lanes)
                .chain(r.marks.iter().map(|m| m.bytes))
                .collect::<Vec<_>>()
        })
        .max()
        .unwrap_or(0)
}

/// Draws a horizontal bar chart: every row at one scale, an axis of byte ticks with grid lines
/// on top, a legend at the bottom. Each row is a `<g data-bar=KIND>` holding its track,
/// segments (`data-seg`) and marks; every shape carries a `<title>` tooltip.
pub fn rows_chart(c: &RowsChart) -> String {
    let (step, end) = byte_ticks(rows_max(&c.rows), 6);
    let scale = Scale::new(end, PLOT_W * 10);
    let x0 = LABEL_W * 10;
    let rows_h = ROW_H * c.rows.len() as u64;
    let legend = legend_layout(&c.legend);
    let legend_lines = legend.last().map_or(0, |(_, line)| line + 1);
    let height = AXIS_H + rows_h + 8 + LEGEND_H * legend_lines;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{name}" id="{id}-svg" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" font-family="system-ui, sans-serif" font-size="12" fill="{INK}"><title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>"#,
        id = esc(&c.id),
        name = esc(&c.name),
        title = esc(&c.title),
        desc = esc(&c.desc),
    );
    if !c.defs.is_empty() {
        let _ = write!(s, "<defs>{}</defs>", c.defs);
    }
    // Axis and grid.
    s.push_str(r#"<g class="axis" aria-hidden="true">"#);
    if step > 0 {
        let mut v = 0u64;
        while v <= end {
            let x = x0 + scale.at(v);
            let _ = write!(
                s,
                r#"<line x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="{GRID}" stroke-width="1"/><text x="{x}" y="{ty}" text-anchor="middle" fill="{MUTED_INK}" font-size="11">{label}</text>"#,
                x = px(x),
                y1 = AXIS_H - 4,
                y2 = AXIS_H + rows_h,
                ty = AXIS_H - 8,
                label = esc(&Bytes(v).human()),
            );
            match v.checked_add(step) {
                Some(n) => v = n,
                None => break,
            }
        }
    }
    s.push_str("</g>");
    for (i, r) in c.rows.iter().enumerate() {
        let top = (AXIS_H + ROW_H * i as u64) * 10;
        let bar_top = top + 40;
        let bar_h = ROW_H * 10 - 80;
        let opacity = if r.muted { r#" opacity="0.45""# } else { "" };
        let _ = write!(
            s,
            r#"<text x="{lx}" y="{ty}" text-anchor="end"{opacity}><title>{full}</title>{label}</text>"#,
            lx = px(x0 - 80),
            ty = px(top + ROW_H * 5 + 40),
            full = esc(&r.label),
            label = esc(&clip(&r.label, 36)),
        );
        let _ = write!(s, r#"<g data-bar="{}"{opacity}>"#, esc(r.kind));
        if let Some((cap, title)) = &r.track {
            let _ = write!(
                s,
                r#"<rect data-part="track" x="{x}" y="{y}" width="{w}" height="{h}" fill="{TRACK}" stroke="{TRACK_LINE}" stroke-width="1"><title>{t}</title></rect>"#,
                x = px(x0),
                y = px(bar_top - 20),
                w = px(scale.at(*cap)),
                h = px(bar_h + 40),
                t = esc(title),
            );
        }
        let lanes = r.lanes.len().max(1) as u64;
        let lane_h = bar_h / lanes;
        for (k, lane) in r.lanes.iter().enumerate() {
            let sizes: Vec<u64> = lane.segments.iter().map(|g| g.bytes).collect();
            let edges = stack_edges(&scale, &sizes);
            let y = bar_top + lane_h * k as u64;
            for (j, seg) in lane.segments.iter().enumerate() {
                let (a, b) = (edges[j], edges[j + 1]);
                if seg.bytes == 0 {
                    continue;
                }
                let _ = write!(
                    s,
                    r##"<rect data-seg="" x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}" stroke="#ffffff" stroke-width="0.5"><title>{t}</title></rect>"##,
                    x = px(x0 + a),
                    y = px(y),
                    w = px(b - a),
                    h = px(lane_h.saturating_sub(10)),
                    fill = esc(&seg.fill),
                    t = esc(&seg.title),
                );
            }
        }
        for m in &r.marks {
            let x = x0 + scale.at(m.bytes);
            let _ = write!(
                s,
                r#"<line data-mark="" x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="{color}" stroke-width="2.5" stroke-dasharray="4 2"><title>{t}</title></line>"#,
                x = px(x),
                y1 = px(top + 10),
                y2 = px(top + ROW_H * 10 - 10),
                color = m.color,
                t = esc(&m.title),
            );
        }
        s.push_str("</g>");
        let _ = write!(
            s,
            r#"<text x="{nx}" y="{ty}"{opacity}>{note}</text>"#,
            nx = px(x0 + PLOT_W * 10 + 100),
            ty = px(top + ROW_H * 5 + 40),
            note = esc(&clip(&r.note, 26)),
        );
    }
    if !c.legend.is_empty() {
        s.push_str(r#"<g class="legend">"#);
        for (k, (x, line)) in c.legend.iter().zip(&legend) {
            let y = (AXIS_H + rows_h + 8 + LEGEND_H * line) * 10;
            if k.line {
                let _ = write!(
                    s,
                    r#"<line x1="{x1}" y1="{y1}" x2="{x1}" y2="{y2}" stroke="{f}" stroke-width="2.5" stroke-dasharray="4 2"/>"#,
                    x1 = px(x + 60),
                    y1 = px(y + 20),
                    y2 = px(y + 160),
                    f = esc(&k.fill),
                );
            } else {
                let _ = write!(
                    s,
                    r#"<rect x="{x}" y="{y}" width="12" height="12" fill="{f}" stroke="{TRACK_LINE}" stroke-width="0.5"/>"#,
                    x = px(*x),
                    y = px(y + 30),
                    f = esc(&k.fill),
                );
            }
            let _ = write!(
                s,
                r#"<text x="{tx}" y="{ty}">{l}</text>"#,
                tx = px(x + 170),
                ty = px(y + 130),
                l = esc(&k.label)
            );
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_text_and_attributes() {
        assert_eq!(
            esc(r#"<script>alert("x")&'</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;)&amp;&#39;&lt;/script&gt;"
        );
        assert_eq!(esc("plain-name_1"), "plain-name_1");
    }

    #[test]
    fn px_prints_tenths() {
        assert_eq!(px(0), "0");
        assert_eq!(px(120), "12");
        assert_eq!(px(123), "12.3");
    }

    #[test]
    fn scale_is_proportional_and_never_divides_by_zero() {
        let s = Scale::new(1 << 30, 5000);
        assert_eq!(s.at(0), 0);
        assert_eq!(s.at(1 << 30), 5000);
        assert_eq!(s.at(1 << 29), 2500);
        assert_eq!(s.at(1 << 28), 1250);
        assert_eq!(s.at(2 << 30), 5000, "clamped");
        let z = Scale::new(0, 5000);
        assert_eq!(z.at(0), 0);
        assert_eq!(z.at(1), 5000, "a zero domain counts as 1");
        let big = Scale::new(u64::MAX, u64::MAX);
        assert_eq!(big.at(u64::MAX), u64::MAX);
    }

    #[test]
    fn stacked_edges_add_up_to_the_scaled_total() {
        let s = Scale::new(7_777_777, 5600);
        let sizes = [123_457, 999_999, 1, 3_333_333, 0, 77];
        let edges = stack_edges(&s, &sizes);
        let widths: u64 = edges.windows(2).map(|w| w[1] - w[0]).sum();
        assert_eq!(widths, s.at(sizes.iter().sum()));
        assert!(edges.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn byte_ticks_are_round() {
        assert_eq!(byte_ticks(0, 6), (0, 0));
        assert_eq!(byte_ticks(26 << 30, 6), (5 << 30, 30 << 30));
        assert_eq!(byte_ticks(930 << 20, 6), (200 << 20, 1000 << 20));
        assert_eq!(byte_ticks(1, 6), (1, 1));
        let (step, end) = byte_ticks(u64::MAX, 6);
        assert!(step > 0 && end == u64::MAX);
    }

    #[test]
    fn count_steps() {
        assert_eq!(count_step(0, 6), 1);
        assert_eq!(count_step(12, 6), 2);
        assert_eq!(count_step(36, 6), 10);
        assert_eq!(count_step(u64::MAX, 6).saturating_mul(6), u64::MAX);
    }

    fn seg(bytes: u64) -> Segment {
        Segment { bytes, fill: "#000000".into(), title: format!("{bytes} bytes") }
    }

    #[test]
    fn a_chart_with_no_rows_or_zero_values_draws_without_panicking() {
        let empty = rows_chart(&RowsChart { id: "e".into(), ..Default::default() });
        assert!(empty.starts_with("<svg") && empty.ends_with("</svg>"));
        let zero = rows_chart(&RowsChart {
            id: "z".into(),
            rows: vec![Row {
                label: "zero".into(),
                kind: "tier",
                track: Some((0, "0 bytes".into())),
                lanes: vec![Lane { segments: vec![seg(0)] }],
                ..Default::default()
            }],
            ..Default::default()
        });
        assert!(zero.contains(r#"data-part="track" x="250" y="26" width="0""#), "{zero}");
        assert!(!zero.contains("data-seg"), "zero segments are not drawn");
    }

    #[test]
    fn row_labels_and_titles_are_escaped() {
        let svg = rows_chart(&RowsChart {
            id: "x".into(),
            title: "a <b>".into(),
            rows: vec![Row {
                label: "<script>alert(1)</script>".into(),
                kind: "node",
                lanes: vec![Lane { segments: vec![Segment { title: "\"><script>".into(), ..seg(5) }] }],
                ..Default::default()
            }],
            ..Default::default()
        });
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(svg.contains("<title id=\"x-title\">a &lt;b&gt;</title>"));
    }
}
