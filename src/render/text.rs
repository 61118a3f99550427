//! The text backend: a [`Document`] for a terminal or a CI log, every line within the width.
//!
//! Tables never break inside a word or a number: a text column is at least as wide as its
//! longest word and a number column as its widest figure. When the columns do not fit, the
//! optional ones are left out, the least important first, and a line under the table names
//! them and the width that shows them; the width left goes to the columns whose text is
//! longest, and their cells wrap at spaces. Prose wraps at spaces too. Only a single word wider
//! than the whole line (a 100-character name at 80 columns) is ever cut.
//!
//! Text from profiles, catalogs and the API is shown with its control characters escaped
//! ([`super::terminal_safe`]) before any colour of ours is added.

use unicode_width::UnicodeWidthStr;

use super::doc::{Align, Block, Document, Line, LineKind, Place, Section, Style, Table, Text, Tone};

/// The narrowest width rendered.
pub const MIN_WIDTH: usize = 40;

/// Renders a document at `width` columns.
pub fn render(d: &Document, width: usize, color: bool) -> String {
    let mut r = Renderer { out: String::new(), width: width.max(MIN_WIDTH), color };
    r.document(d, None);
    r.out
}

struct Renderer {
    out: String,
    width: usize,
    color: bool,
}

/// Display width (`unicode-width`).
fn w(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// User text for one line: control characters (new lines included) escaped.
fn clean(s: &str) -> String {
    super::terminal_safe(s, false).replace('\n', "\\n")
}

impl Renderer {
    fn document(&mut self, d: &Document, part: Option<&str>) {
        let heading = self.text(&d.heading);
        match part {
            Some(_) => self.wrapped(&format!("=== {heading} ==="), "", ""),
            None => self.wrapped(&heading, "", ""),
        }
        for b in &d.lead {
            self.block(b);
        }
        let (answer, rest): (Vec<&Section>, Vec<&Section>) =
            d.sections.iter().partition(|s| s.place == Place::Answer);
        for s in rest {
            self.section(s);
        }
        for p in &d.parts {
            self.out.push('\n');
            self.document(&p.doc, Some(&p.id));
        }
        for s in answer {
            self.section(s);
        }
    }

    fn section(&mut self, s: &Section) {
        self.out.push('\n');
        let title = self.text(&s.title);
        self.wrapped(&title, "", "");
        // Underlined to the width of its last line (colours take none).
        let last = self.out.trim_end_matches('\n').rsplit('\n').next().unwrap_or("");
        let rule = "─".repeat(textwrap::core::display_width(last).min(self.width));
        self.out.push_str(&rule);
        self.out.push('\n');
        for b in &s.blocks {
            self.block(b);
        }
    }

    /// Styled text as a terminal shows it (colours only with `color`).
    fn text(&self, t: &Text) -> String {
        let mut s = String::new();
        for span in &t.0 {
            let text = super::terminal_safe(&span.text, false);
            match span.style {
                Style::Tone(tone) if self.color => match sgr(tone) {
                    Some(code) => {
                        s.push_str(code);
                        s.push_str(&text);
                        s.push_str("\x1b[0m");
                    }
                    None => s.push_str(&text),
                },
                _ => s.push_str(&text),
            }
        }
        s
    }

    fn block(&mut self, b: &Block) {
        match b {
            Block::Para(t) => {
                let t = self.text(t);
                self.wrapped(&t, "", "");
            }
            Block::Lines(lines) => {
                for l in lines {
                    self.line(l);
                }
            }
            Block::List(items) => {
                for i in items {
                    let t = self.text(i);
                    self.wrapped(&t, "  - ", "    ");
                }
            }
            // Cards are HTML's; the section's table carries the same figures.
            Block::Figures(_) => {}
            Block::Table(t) => self.table(t),
            Block::Chart(c) => {
                // The text form carries its own heading and key.
                if let Some(text) = &c.text {
                    for l in text.lines() {
                        self.out.push_str(&super::terminal_safe(l, false));
                        self.out.push('\n');
                    }
                }
            }
        }
    }

    fn line(&mut self, l: &Line) {
        let lead = match l.kind {
            LineKind::Plain => "",
            LineKind::Note => "Note: ",
            LineKind::Warning => "Warning: ",
            LineKind::Missing => "Missing: ",
        };
        let t = self.text(&l.text);
        self.wrapped(&t, lead, "  ");
    }

    /// `text` wrapped at spaces to the width, the first line after `first`, the others after
    /// `rest`; a word longer than a line is cut only when it cannot fit on a line of its own.
    fn wrapped(&mut self, text: &str, first: &str, rest: &str) {
        push_wrapped(&mut self.out, text, self.width, first, rest);
    }

    fn table(&mut self, t: &Table) {
        if t.columns.is_empty() {
            return;
        }
        if !t.caption.is_empty() {
            self.wrapped(&clean(&t.caption), "", "");
        }
        let cells: Vec<Vec<String>> =
            t.rows.iter().map(|r| r.iter().map(|c| clean(&c.text)).collect()).collect();
        let headers: Vec<String> = t.columns.iter().map(|c| clean(&c.header)).collect();
        let l = layout(t, &headers, &cells, self.width);
        let rule = |l_: &str, m: &str, r: &str, fill: &str| {
            let parts: Vec<String> = l.widths.iter().map(|&wd| fill.repeat(wd + 2)).collect();
            format!("{l_}{}{r}\n", parts.join(m))
        };
        self.out.push_str(&rule("┌", "┬", "┐", "─"));
        let header: Vec<(&str, Tone)> = l.kept.iter().map(|&c| (headers[c].as_str(), Tone::Plain)).collect();
        self.row(&l, t, &header, true);
        self.out.push_str(&rule("╞", "╪", "╡", "═"));
        for (r, row) in cells.iter().enumerate() {
            let shown: Vec<(&str, Tone)> = l
                .kept
                .iter()
                .map(|&c| {
                    (row.get(c).map_or("", String::as_str), t.rows[r].get(c).map_or(Tone::Plain, |x| x.tone))
                })
                .collect();
            self.row(&l, t, &shown, false);
        }
        self.out.push_str(&rule("└", "┴", "┘", "─"));
        let left: Vec<&str> = (0..t.columns.len())
            .filter(|c| !l.kept.contains(c) && !l.empty.contains(c))
            .map(|c| headers[c].as_str())
            .collect();
        if !left.is_empty() {
            let text = format!(
                "({} left out at {} columns; --width {} or -o json shows {})",
                left.join(", "),
                self.width,
                l.full_width,
                if left.len() == 1 { "it" } else { "them" }
            );
            self.wrapped(&text, "", "");
        }
        for n in &t.notes {
            let n = self.text(n);
            self.wrapped(&n, "", "");
        }
    }

    fn row(&mut self, l: &Layout, t: &Table, cells: &[(&str, Tone)], header: bool) {
        let wrapped: Vec<Vec<String>> =
            cells.iter().zip(&l.widths).map(|((c, _), &wd)| wrap_cell(c, wd, l.cut)).collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        for k in 0..lines {
            self.out.push('│');
            for (i, (cell, &wd)) in wrapped.iter().zip(&l.widths).enumerate() {
                let text = cell.get(k).map_or("", String::as_str);
                let pad = " ".repeat(wd.saturating_sub(w(text)));
                let right = !header && t.columns[l.kept[i]].align == Align::Right;
                let shown = match sgr(cells[i].1).filter(|_| self.color && !text.is_empty()) {
                    Some(code) => format!("{code}{text}\x1b[0m"),
                    None => text.to_string(),
                };
                if right {
                    self.out.push_str(&format!(" {pad}{shown} "));
                } else {
                    self.out.push_str(&format!(" {shown}{pad} "));
                }
                self.out.push(if i + 1 == wrapped.len() { '│' } else { '┆' });
            }
            self.out.push('\n');
        }
    }
}

/// The colour of a tone on a terminal (the codes [`super::terminal_safe`] lets through).
fn sgr(t: Tone) -> Option<&'static str> {
    match t {
        Tone::Good => Some("\x1b[1;32m"),
        Tone::Warn => Some("\x1b[1;33m"),
        Tone::Bad => Some("\x1b[1;31m"),
        Tone::Plain | Tone::Muted => None,
    }
}

/// `text` wrapped at spaces to `width` (display width; colour sequences take none), the first
/// line after `first`, the others after `rest`. A word is cut only when it is wider than a
/// whole line.
pub fn push_wrapped(out: &mut String, text: &str, width: usize, first: &str, rest: &str) {
    let opts = textwrap::Options::new(width)
        .initial_indent(first)
        .subsequent_indent(rest)
        .break_words(true)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    for paragraph in text.split('\n') {
        if paragraph.is_empty() {
            out.push('\n');
            continue;
        }
        for l in textwrap::wrap(paragraph, &opts) {
            out.push_str(l.trim_end());
            out.push('\n');
        }
    }
}

/// The longest word of a text (what its column must hold to never break it).
fn longest_word(s: &str) -> usize {
    s.split(' ').map(w).max().unwrap_or(0)
}

/// Borders and padding of `k` columns: `│ a ┆ b │` is 3 per column plus 1.
fn frame(k: usize) -> usize {
    3 * k + 1
}

/// A table's layout at a width.
struct Layout {
    /// The columns shown, in order.
    kept: Vec<usize>,
    /// Their widths (text only).
    widths: Vec<usize>,
    /// The width at which every column is shown.
    full_width: usize,
    /// The columns left out because no row has anything in them.
    empty: Vec<usize>,
    /// Whether a word had to be cut (only when one is wider than the whole table can be).
    cut: bool,
}

fn layout(t: &Table, headers: &[String], cells: &[Vec<String>], width: usize) -> Layout {
    let n = t.columns.len();
    let col = |c: usize| cells.iter().map(move |r| r.get(c).map_or("", String::as_str));
    let natural: Vec<usize> =
        (0..n).map(|c| col(c).map(w).chain([w(&headers[c])]).max().unwrap_or(0).max(1)).collect();
    // A number column is as wide as its widest figure; a text column as its longest word. The
    // headers wrap at spaces.
    let min: Vec<usize> = (0..n)
        .map(|c| {
            let body = match t.columns[c].align {
                Align::Right => col(c).map(w).max().unwrap_or(0),
                Align::Left => col(c).map(longest_word).max().unwrap_or(0),
            };
            body.max(longest_word(&headers[c])).max(1)
        })
        .collect();
    // A column with nothing in any row says nothing: it is left out first, without a note.
    let mut kept: Vec<usize> =
        (0..n).filter(|&c| cells.is_empty() || col(c).any(|s| !s.trim().is_empty())).collect();
    let empty: Vec<usize> = (0..n).filter(|c| !kept.contains(c)).collect();
    let full_width = kept.iter().map(|&c| min[c]).sum::<usize>() + frame(kept.len());
    // Leave out optional columns, the least important (then the rightmost) first, until the
    // words fit.
    while kept.iter().map(|&c| min[c]).sum::<usize>() + frame(kept.len()) > width {
        let Some(pos) = kept
            .iter()
            .enumerate()
            .filter(|(_, c)| t.columns[**c].drop > 0)
            .max_by_key(|(i, c)| (t.columns[**c].drop, *i))
            .map(|(i, _)| i)
        else {
            break;
        };
        kept.remove(pos);
    }
    let avail = width.saturating_sub(frame(kept.len()));
    let mut widths: Vec<usize> = kept.iter().map(|&c| min[c]).collect();
    let need: usize = widths.iter().sum();
    let mut cut = false;
    if need > avail {
        // Even the kept columns' words do not fit: the widest columns give way, cutting words
        // (the only case where a word is cut).
        cut = true;
        let mut over = need - avail;
        while over > 0 {
            let Some(i) = (0..widths.len()).filter(|&i| widths[i] > 4).max_by_key(|&i| widths[i]) else {
                break;
            };
            widths[i] -= 1;
            over -= 1;
        }
    } else {
        // Short text first: a column whose whole text takes little room (at most 40% of the
        // line) gets it, the cheapest first, so that "lasts past month 6" is not wrapped to
        // make a long reason a little wider.
        let mut left = avail - need;
        let mut order: Vec<usize> = (0..kept.len()).filter(|&i| widths[i] < natural[kept[i]]).collect();
        order.sort_by_key(|&i| (natural[kept[i]] - widths[i], i));
        for i in order {
            let more = natural[kept[i]] - widths[i];
            if natural[kept[i]] * 5 <= avail * 2 && more <= left {
                widths[i] += more;
                left -= more;
            }
        }
        // The width left goes one column at a time to the column furthest below its natural
        // width, in proportion.
        while left > 0 {
            let grow = (0..kept.len())
                .filter(|&i| widths[i] < natural[kept[i]])
                .max_by_key(|&i| ((natural[kept[i]] - widths[i]) * 1000) / natural[kept[i]]);
            let Some(i) = grow else { break };
            widths[i] += 1;
            left -= 1;
        }
    }
    Layout { kept, widths, full_width, empty, cut }
}

fn wrap_cell(s: &str, width: usize, cut: bool) -> Vec<String> {
    if s.is_empty() {
        return vec![String::new()];
    }
    if w(s) <= width {
        return vec![s.to_string()];
    }
    let opts = textwrap::Options::new(width.max(1))
        .break_words(cut)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::wrap(s, &opts).into_iter().map(|l| l.trim_end().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::doc::{Cell, Column};

    fn nodes() -> Table {
        let mut t = Table::new(
            "Nodes",
            vec![
                Column::text("Node"),
                Column::num("Allocatable"),
                Column::num("Requested").optional(1),
                Column::text("Status").optional(2),
            ],
        );
        t.row(vec![
            "bizosaas-backend-simple".into(),
            "7.7Gi".into(),
            "740Mi (9.39%)".into(),
            "excluded: cordoned (unschedulable)".into(),
        ]);
        t.row(vec!["laptop".into(), "15.36Gi".into(), "1Gi (6.5%)".into(), "schedulable".into()]);
        t
    }

    fn table_at(t: &Table, width: usize) -> String {
        let mut r = Renderer { out: String::new(), width, color: false };
        r.table(t);
        r.out
    }

    #[test]
    fn no_word_or_number_is_broken_and_every_line_fits() {
        for width in [41, 50, 60, 80, 100, 120, 160] {
            let out = table_at(&nodes(), width);
            for l in out.lines() {
                assert!(w(l) <= width, "{width}: {l:?} is {} wide\n{out}", w(l));
            }
            let words: Vec<&str> = out.split([' ', '│', '┆']).collect();
            for word in ["bizosaas-backend-simple", "15.36Gi", "Allocatable", "7.7Gi"] {
                assert!(words.contains(&word), "{width}: {word} broken\n{out}");
            }
            if out.lines().any(|l| l.contains("┆ Requested")) {
                assert!(out.contains("740Mi (9.39%)"), "{width}: a figure is kept whole\n{out}");
            }
        }
    }

    #[test]
    fn optional_columns_go_first_and_a_line_says_which_and_the_width_that_shows_them() {
        // Every column at its narrowest: 23 + 11 + 13 ("740Mi (9.39%)" whole) + 15
        // ("(unschedulable)") + the frame (13) = 75.
        let header = |out: &str, col: &str| out.lines().any(|l| l.starts_with('│') && l.contains(col));
        let out = table_at(&nodes(), 74);
        assert!(!header(&out, "Status") && header(&out, "Requested"), "{out}");
        assert!(out.contains("(Status left out at 74 columns; --width 75 or -o json shows it)"), "{out}");
        let out = table_at(&nodes(), 50);
        assert!(!header(&out, "Requested"), "{out}");
        assert!(
            out.replace('\n', " ")
                .contains("(Requested, Status left out at 50 columns; --width 75 or -o json"),
            "{out}"
        );
        let out = table_at(&nodes(), 160);
        assert!(header(&out, "Status") && !out.contains("left out"), "{out}");
        assert!(!table_at(&nodes(), 75).contains("left out"));
    }

    #[test]
    fn long_text_wraps_at_spaces_inside_its_cell() {
        let out = table_at(&nodes(), 75);
        assert!(out.contains("┆ excluded:"), "{out}");
        assert!(out.lines().any(|l| l.contains("┆ (unschedulable) │")), "{out}");
    }

    #[test]
    fn a_word_wider_than_the_line_is_the_only_thing_ever_cut() {
        let mut t = Table::new("", vec![Column::text("Name"), Column::num("Memory")]);
        t.row(vec![Cell::new("x".repeat(70)), "1Gi".into()]);
        let out = table_at(&t, 40);
        for l in out.lines() {
            assert!(w(l) <= 40, "{l:?}\n{out}");
        }
        assert!(out.contains("1Gi"));
    }

    #[test]
    fn prose_wraps_at_spaces_with_a_hanging_indent() {
        let mut out = String::new();
        push_wrapped(
            &mut out,
            "projected used memory is 75.61% of 7.7Gi, above the 70% warn threshold",
            40,
            "  - ",
            "    ",
        );
        assert_eq!(out, "  - projected used memory is 75.61% of\n    7.7Gi, above the 70% warn threshold\n");
    }

    #[test]
    fn colours_take_no_width_and_user_text_is_escaped_before_them() {
        let mut t = Table::new("", vec![Column::text("Option"), Column::text("Fits")]);
        t.row(vec![Cell::new("a\x1b[2Jb"), Cell::new("NO").tone(Tone::Bad)]);
        let mut r = Renderer { out: String::new(), width: 40, color: true };
        r.table(&t);
        assert!(r.out.contains("a\\x1b[2Jb"), "{}", r.out);
        assert!(r.out.contains("\x1b[1;31mNO\x1b[0m"), "{}", r.out);
        let widths: Vec<usize> =
            r.out.lines().map(|l| w(&l.replace("\x1b[1;31m", "").replace("\x1b[0m", ""))).collect();
        assert!(widths.windows(2).all(|p| p[0] == p[1]), "{widths:?}\n{}", r.out);
    }
}
