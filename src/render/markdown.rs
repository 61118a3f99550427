//! The Markdown backend: a [`Document`] for a pull-request comment (GitHub-flavoured tables).
//! Every column is kept (a comment scrolls); text from profiles and the API is escaped so that
//! it can neither format nor inject markup.

use super::doc::{Block, Document, LineKind, Place, Section, Style, Table, Text, Tone};

/// Renders a document as Markdown.
pub fn render(d: &Document) -> String {
    let mut out = String::new();
    document(&mut out, d, 2);
    out
}

fn document(out: &mut String, d: &Document, level: usize) {
    out.push_str(&format!("{} {}\n\n", "#".repeat(level), text(&d.heading, true)));
    for b in &d.lead {
        block(out, b, "");
    }
    // The answer first: what a reviewer reads before scrolling.
    let (answer, rest): (Vec<&Section>, Vec<&Section>) =
        d.sections.iter().partition(|s| s.place == Place::Answer);
    for s in answer {
        section(out, s, level + 1, true);
    }
    for s in rest {
        section(out, s, level + 1, false);
    }
    for p in &d.parts {
        out.push_str("---\n\n");
        document(out, &p.doc, level + 1);
    }
}

fn section(out: &mut String, s: &Section, level: usize, answer: bool) {
    let title = text(&s.title, true);
    // The answer's heading is bold text, not a heading: it belongs to the title above it.
    if answer {
        out.push_str(&format!("**{}**\n\n", text(&s.title, false)));
    } else {
        out.push_str(&format!("{} {title}\n\n", "#".repeat(level.min(6))));
    }
    let plain_title = s.title.plain();
    for b in &s.blocks {
        block(out, b, &plain_title);
    }
}

/// Escapes text so that Markdown shows it as it is (no emphasis, links, HTML or table cells).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '<' | '>' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push(' '),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// A code span around `s` (its backticks fenced by a longer run).
fn code(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ");
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{}{pad}{fence}", s.replace('|', "\\|"))
}

fn text(t: &Text, tones: bool) -> String {
    t.0.iter()
        .map(|s| match s.style {
            Style::Plain => esc(&s.text),
            Style::Code => code(&s.text),
            Style::Strong => format!("**{}**", esc(&s.text)),
            Style::Tone(Tone::Plain | Tone::Muted) => esc(&s.text),
            Style::Tone(_) if tones => format!("**{}**", esc(&s.text)),
            Style::Tone(_) => esc(&s.text),
        })
        .collect()
}

fn block(out: &mut String, b: &Block, section_title: &str) {
    match b {
        Block::Para(t) => out.push_str(&format!("{}\n\n", text(t, true))),
        Block::Lines(lines) => {
            for l in lines {
                let lead = match l.kind {
                    LineKind::Plain => "",
                    LineKind::Note => "note: ",
                    LineKind::Warning => "**warning**: ",
                    LineKind::Missing => "**missing**: ",
                };
                out.push_str(&format!("- {lead}{}\n", text(&l.text, true)));
            }
            out.push('\n');
        }
        Block::List(items) => {
            for i in items {
                out.push_str(&format!("- {}\n", text(i, true)));
            }
            out.push('\n');
        }
        Block::Figures(_) => {}
        Block::Table(t) => table(out, t, section_title),
        Block::Chart(c) => {
            if let Some(t) = &c.text {
                out.push_str(&format!("```text\n{t}"));
                if !t.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str("```\n\n");
            }
        }
    }
}

fn table(out: &mut String, t: &Table, section_title: &str) {
    if !t.caption.is_empty() && t.caption != section_title {
        out.push_str(&format!("*{}*\n\n", esc(&t.caption)));
    }
    let header: Vec<String> = t.columns.iter().map(|c| esc(&c.header)).collect();
    out.push_str(&format!("| {} |\n", header.join(" | ")));
    let rule: Vec<&str> =
        t.columns.iter().map(|c| if c.align == super::doc::Align::Right { "---:" } else { "---" }).collect();
    out.push_str(&format!("|{}|\n", rule.join("|")));
    for r in &t.rows {
        let cells: Vec<String> = r
            .iter()
            .map(|c| match c.tone {
                _ if c.code && !c.text.is_empty() => code(&c.text),
                Tone::Bad | Tone::Warn if !c.text.is_empty() => format!("**{}**", esc(&c.text)),
                _ => esc(&c.text),
            })
            .collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out.push('\n');
    for n in &t.notes {
        out.push_str(&format!("{}\n\n", text(n, true)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_names_is_shown_not_interpreted() {
        assert_eq!(esc("<img src=x onerror=alert(1)>"), "\\<img src=x onerror=alert(1)\\>");
        assert_eq!(esc("a|b *c* _d_ [e](f)"), "a\\|b \\*c\\* \\_d\\_ \\[e\\](f)");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("x|y"), "`x\\|y`");
    }
}
