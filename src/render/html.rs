//! The HTML backend: a [`Document`] as one self-contained page (the CSS of `report.css`
//! inlined, the SVG charts of [`super::charts`] inline, no script, no external asset; a
//! Content-Security-Policy forbids loading anything) that reads well on screen and on paper.
//!
//! Markup is built with maud, which escapes every value by default; the only text inserted
//! unescaped is the stylesheet and the charts' SVG (whose text `super::svg::esc` escapes).
//! Every short figure carries its exact value (bytes, millicores, basis points, cents) in a
//! `title` tooltip. Tables wrap at spaces (a long name may break anywhere as a last resort) so
//! that none overflows the page, at 1280 px or printed on A4.

use maud::{Markup, PreEscaped, html};

use super::doc::{Align, Block, Cell, Document, LineKind, Place, Section, Style, Table, Text, Tone};

/// The stylesheet, inlined into every page.
const CSS: &str = include_str!("report.css");

/// Nothing may be loaded: styles are inline, images only as data URIs (none today).
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// Renders a document as one page.
pub fn render(d: &Document) -> String {
    let page = html! {
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="Content-Security-Policy" content=(CSP);
                meta name="generator" content="bizo-plan";
                title { (v(&d.title)) }
                style { (PreEscaped(CSS)) }
            }
            body {
                (document(d, 1))
                footer {
                    (d.heading.plain()) ". Figures are shown in short form; hover a dotted number for its exact value; "
                    code { "-o json" } " carries every figure exactly."
                }
            }
        }
    };
    format!("<!DOCTYPE html>\n{}\n", page.into_string())
}

/// Text as shown: control characters (an escape sequence in a service name) made visible, as
/// in the terminal; maud escapes the markup.
fn v(s: &str) -> String {
    super::terminal_safe(s, false)
}

fn tone_class(t: Tone) -> &'static str {
    match t {
        Tone::Plain => "plain",
        Tone::Good => "good",
        Tone::Warn => "warn",
        Tone::Bad => "bad",
        Tone::Muted => "muted",
    }
}

/// A heading of `level` (1 to 6) with an id.
fn heading(level: usize, id: Option<&str>, content: Markup) -> Markup {
    match level {
        1 => html! { h1 id=[id] { (content) } },
        2 => html! { h2 id=[id] { (content) } },
        3 => html! { h3 id=[id] { (content) } },
        4 => html! { h4 id=[id] { (content) } },
        5 => html! { h5 id=[id] { (content) } },
        _ => html! { h6 id=[id] { (content) } },
    }
}

fn document(d: &Document, level: usize) -> Markup {
    let (answer, rest): (Vec<&Section>, Vec<&Section>) =
        d.sections.iter().partition(|s| s.place == Place::Answer);
    html! {
        header {
            (heading(level, None, text(&d.heading, true)))
            @for b in &d.lead { (block(b)) }
        }
        @for s in answer { (section(s, level + 1)) }
        @for s in rest { (section(s, level + 1)) }
        @for p in &d.parts {
            article id=(p.id) aria-label=(p.doc.heading.plain()) { (document(&p.doc, level + 1)) }
        }
    }
}

fn section(s: &Section, level: usize) -> Markup {
    let class = s.tone.filter(|_| s.place == Place::Answer).map(|t| format!("verdict v-{}", tone_class(t)));
    let h = format!("{}-h", s.id);
    html! {
        section id=(s.id) class=[class] aria-labelledby=(h) {
            (heading(level, Some(&h), text(&s.title, true)))
            @for b in &s.blocks { (block(b)) }
        }
    }
}

/// Styled text; in a heading, a toned span is a status badge.
fn text(t: &Text, badges: bool) -> Markup {
    html! {
        @for s in &t.0 {
            @match s.style {
                Style::Plain => (v(&s.text)),
                Style::Code => code { (v(&s.text)) },
                Style::Strong => strong { (v(&s.text)) },
                Style::Tone(tone) if badges => span class=(format!("status s-{}", tone_class(tone))) { (v(&s.text)) },
                Style::Tone(Tone::Plain) => (v(&s.text)),
                Style::Tone(tone) => span class=(tone_class(tone)) { (v(&s.text)) },
            }
        }
    }
}

fn cell(c: &Cell) -> Markup {
    let class = (c.tone != Tone::Plain).then(|| tone_class(c.tone));
    html! {
        @if c.code {
            code { (v(&c.text)) }
        } @else if c.exact.is_some() || class.is_some() {
            span title=[c.exact.as_deref()] class=[class] { (v(&c.text)) }
        } @else {
            (v(&c.text))
        }
    }
}

fn block(b: &Block) -> Markup {
    match b {
        Block::Para(t) => html! { p { (text(t, false)) } },
        Block::Lines(lines) => html! {
            @for l in lines {
                @match l.kind {
                    LineKind::Plain => p { (text(&l.text, false)) },
                    LineKind::Note => p class="note" { "Note: " (text(&l.text, false)) },
                    LineKind::Warning => p class="warn" { "Warning: " (text(&l.text, false)) },
                    LineKind::Missing => p class="bad" { "Missing: " (text(&l.text, false)) },
                }
            }
        },
        Block::List(items) => html! { ul { @for i in items { li { (text(i, false)) } } } },
        Block::Figures(figs) => html! {
            div class="cards" {
                @for f in figs {
                    div class="card" {
                        span class="k" { (v(&f.label)) }
                        span class="v" { (cell(&f.value)) }
                        span class="x" {
                            @for (i, d) in f.detail.iter().enumerate() {
                                @if i > 0 { " " }
                                (cell(d))
                            }
                        }
                    }
                }
            }
        },
        Block::Table(t) => table(t),
        Block::Chart(c) => html! {
            figure { figcaption { (v(&c.caption)) } (PreEscaped(&c.svg)) }
        },
    }
}

fn table(t: &Table) -> Markup {
    let num = |i: usize| (t.columns[i].align == Align::Right).then_some("n");
    html! {
        div class="tw" {
            table {
                @if !t.caption.is_empty() { caption { (v(&t.caption)) } }
                thead { tr { @for (i, c) in t.columns.iter().enumerate() { th scope="col" class=[num(i)] { (v(&c.header)) } } } }
                tbody {
                    @for r in &t.rows {
                        tr {
                            @for (i, c) in r.iter().enumerate() {
                                @if i == 0 {
                                    th scope="row" class=[num(i)] { (cell(c)) }
                                } @else {
                                    td class=[num(i)] { (cell(c)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @for n in &t.notes { p class="note" { (text(n, false)) } }
    }
}
