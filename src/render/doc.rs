//! The document model: every report is laid out once as a [`Document`] (sections of text,
//! tables, lists, key figures and charts), and the text, Markdown and HTML backends
//! ([`super::text`], [`super::markdown`], [`super::html`]) only decide how each kind of block
//! looks. So the three formats say the same things, under the same labels, in the same order.
//!
//! Two things are format-specific, each in one place: key figures ([`Block::Figures`]) are
//! drawn as cards by HTML only (the section's table carries the same figures for the other
//! formats), and charts draw as SVG in HTML and as text only when they have a text form
//! ([`Chart::text`]); every chart is followed by a table of its data.

use crate::model::figure::{CpuFig, MemFig, PctFig, SignedMemFig};

/// What a piece of text or a cell means, for colour (HTML, a terminal) or emphasis (Markdown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    /// Nothing special.
    #[default]
    Plain,
    /// Healthy, passes.
    Good,
    /// Tight, a warning.
    Warn,
    /// Insufficient, fails, missing.
    Bad,
    /// Secondary (excluded nodes, not read).
    Muted,
}

/// How a span of text is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// Plain text.
    #[default]
    Plain,
    /// A name or command (`code` in Markdown and HTML).
    Code,
    /// Emphasised.
    Strong,
    /// Coloured by meaning (the verdict's status, FAILED).
    Tone(Tone),
}

/// A run of text with one style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The text (never markup: every backend escapes it).
    pub text: String,
    /// How it is set.
    pub style: Style,
}

/// Text made of styled spans.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text(pub Vec<Span>);

impl Text {
    /// Empty text, to build on.
    pub fn new() -> Text {
        Text(Vec::new())
    }

    /// Appends plain text.
    #[must_use]
    pub fn t(mut self, s: impl Into<String>) -> Text {
        self.0.push(Span { text: s.into(), style: Style::Plain });
        self
    }

    /// Appends a name or command.
    #[must_use]
    pub fn code(mut self, s: impl Into<String>) -> Text {
        self.0.push(Span { text: s.into(), style: Style::Code });
        self
    }

    /// Appends emphasised text.
    #[must_use]
    pub fn strong(mut self, s: impl Into<String>) -> Text {
        self.0.push(Span { text: s.into(), style: Style::Strong });
        self
    }

    /// Appends text coloured by its meaning.
    #[must_use]
    pub fn tone(mut self, s: impl Into<String>, tone: Tone) -> Text {
        self.0.push(Span { text: s.into(), style: Style::Tone(tone) });
        self
    }

    /// The text without styles.
    pub fn plain(&self) -> String {
        self.0.iter().map(|s| s.text.as_str()).collect()
    }

    /// Whether there is no text.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|s| s.text.is_empty())
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::new().t(s)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::new().t(s)
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Text {
        Text::new().t(s.clone())
    }
}

/// A whole report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Document {
    /// The page title (HTML `<title>`).
    pub title: String,
    /// The first heading, the answer in it toned (`bizo-plan check: TIGHT`): a badge in HTML,
    /// bold in Markdown, coloured on a terminal.
    pub heading: Text,
    /// What comes before the first section (the profile, the baseline, notes).
    pub lead: Vec<Block>,
    /// The sections, in order.
    pub sections: Vec<Section>,
    /// Reports of their own inside this one (one per cluster of a several-cluster check).
    pub parts: Vec<Part>,
}

/// A report inside a report: its own heading, verdict and sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Prefix for its ids (unique within the page).
    pub id: String,
    /// The report.
    pub doc: Document,
}

/// Where a section goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Place {
    /// In document order.
    #[default]
    InOrder,
    /// The answer: first in HTML and Markdown (what a reader sees first), last in text (where a
    /// terminal and a CI log end).
    Answer,
}

/// A titled part of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// A stable id (HTML anchors).
    pub id: String,
    /// The heading.
    pub title: Text,
    /// What the section means as a whole (the verdict's colour), if anything.
    pub tone: Option<Tone>,
    /// Where it goes.
    pub place: Place,
    /// Its blocks.
    pub blocks: Vec<Block>,
}

impl Section {
    /// A section of these blocks.
    pub fn new(id: &str, title: impl Into<Text>, blocks: Vec<Block>) -> Section {
        Section { id: id.to_string(), title: title.into(), tone: None, place: Place::InOrder, blocks }
    }

    /// The same section, as the report's answer, in `tone`.
    #[must_use]
    pub fn answer(mut self, tone: Tone) -> Section {
        self.tone = Some(tone);
        self.place = Place::Answer;
        self
    }
}

/// One block of content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph, wrapped at spaces.
    Para(Text),
    /// Lines of their own, each with its kind (notes, warnings, missing inputs).
    Lines(Vec<Line>),
    /// A bulleted list.
    List(Vec<Text>),
    /// Key figures, drawn as cards in HTML only (a table of the section carries them too).
    Figures(Vec<Figure>),
    /// A table.
    Table(Table),
    /// A chart.
    Chart(Chart),
}

/// A line and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Its kind.
    pub kind: LineKind,
    /// Its text.
    pub text: Text,
}

/// Kinds of lines: each backend marks them its way (`Note:` in text, a class in HTML).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// A plain line.
    Plain,
    /// A note.
    Note,
    /// A warning.
    Warning,
    /// An input that could not be read (the verdict says it was computed without it).
    Missing,
}

impl Line {
    /// A plain line.
    pub fn plain(t: impl Into<Text>) -> Line {
        Line { kind: LineKind::Plain, text: t.into() }
    }
    /// A note.
    pub fn note(t: impl Into<Text>) -> Line {
        Line { kind: LineKind::Note, text: t.into() }
    }
    /// A warning.
    pub fn warning(t: impl Into<Text>) -> Line {
        Line { kind: LineKind::Warning, text: t.into() }
    }
    /// A missing input.
    pub fn missing(t: impl Into<Text>) -> Line {
        Line { kind: LineKind::Missing, text: t.into() }
    }
}

/// A key figure (an HTML card).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// What it is.
    pub label: String,
    /// Its value.
    pub value: Cell,
    /// Context (a share, a limit).
    pub detail: Vec<Cell>,
}

/// How a column aligns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text, left.
    Left,
    /// Numbers, right.
    Right,
}

/// A table column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its header.
    pub header: String,
    /// Alignment.
    pub align: Align,
    /// 0: kept at every width; otherwise left out of a text table that does not fit, the
    /// highest first (a line under the table names what was left out).
    pub drop: u8,
}

impl Column {
    /// A text column, kept at every width.
    pub fn text(header: &str) -> Column {
        Column { header: header.to_string(), align: Align::Left, drop: 0 }
    }

    /// A number column, kept at every width.
    pub fn num(header: &str) -> Column {
        Column { header: header.to_string(), align: Align::Right, drop: 0 }
    }

    /// The same column, left out at priority `drop` (higher goes first) when a text table does
    /// not fit its width.
    #[must_use]
    pub fn optional(mut self, drop: u8) -> Column {
        self.drop = drop;
        self
    }
}

/// A table cell: its text, the exact value behind a short figure (an HTML tooltip), a tone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cell {
    /// What is shown.
    pub text: String,
    /// The exact value (`975175680 bytes`), when the text is a short form.
    pub exact: Option<String>,
    /// Its meaning.
    pub tone: Tone,
    /// A name to type or look up (a JSON path, a flag): code in Markdown and HTML.
    pub code: bool,
}

impl Cell {
    /// Plain text.
    pub fn new(text: impl Into<String>) -> Cell {
        Cell { text: text.into(), exact: None, tone: Tone::Plain, code: false }
    }

    /// A name shown as code where the backend can.
    pub fn code(text: impl Into<String>) -> Cell {
        Cell { code: true, ..Cell::new(text) }
    }

    /// A short figure with its exact value.
    pub fn exact(text: impl Into<String>, exact: impl Into<String>) -> Cell {
        Cell { text: text.into(), exact: Some(exact.into()), tone: Tone::Plain, code: false }
    }

    /// The same cell in `tone`.
    #[must_use]
    pub fn tone(mut self, tone: Tone) -> Cell {
        self.tone = tone;
        self
    }

    /// A memory figure (exact: bytes).
    pub fn mem(f: &MemFig) -> Cell {
        Cell::exact(f.display(), format!("{} bytes", f.bytes))
    }

    /// A signed memory figure; negative is bad.
    pub fn smem(f: &SignedMemFig) -> Cell {
        let c = Cell::exact(f.display(), format!("{} bytes", f.bytes));
        if f.bytes < 0 { c.tone(Tone::Bad) } else { c }
    }

    /// A cpu figure (exact: millicores).
    pub fn cpu(f: &CpuFig) -> Cell {
        Cell::exact(f.display(), format!("{} millicores", f.millicores))
    }

    /// A percentage (exact: basis points).
    pub fn pct(f: &PctFig) -> Cell {
        Cell::exact(f.display(), format!("{} basis points", f.basis_points))
    }

    /// An optional memory figure, else `none`.
    pub fn mem_or(f: Option<&MemFig>, none: &str) -> Cell {
        f.map_or_else(|| Cell::new(none), Cell::mem)
    }

    /// An optional cpu figure, else `none`.
    pub fn cpu_or(f: Option<&CpuFig>, none: &str) -> Cell {
        f.map_or_else(|| Cell::new(none), Cell::cpu)
    }

    /// An optional percentage, else `none`.
    pub fn pct_or(f: Option<&PctFig>, none: &str) -> Cell {
        f.map_or_else(|| Cell::new(none), Cell::pct)
    }

    /// Several figures in one cell, joined by `sep` (`1.2Gi (30%)`, `2.1 / 4`): the text is
    /// joined, and so are the exact values of those that have one.
    pub fn join(parts: &[Cell], sep: &str, wrap: (&str, &str)) -> Cell {
        let text = match parts {
            [a, b] if !wrap.0.is_empty() => format!("{}{sep}{}{}{}", a.text, wrap.0, b.text, wrap.1),
            _ => parts.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join(sep),
        };
        let exact: Vec<&str> = parts.iter().filter_map(|p| p.exact.as_deref()).collect();
        let tone = parts.iter().map(|p| p.tone).find(|t| *t != Tone::Plain).unwrap_or_default();
        Cell { text, exact: (!exact.is_empty()).then(|| exact.join("; ")), tone, code: false }
    }

    /// `a (b)`: a figure and its share.
    pub fn with_share(a: Cell, b: Cell) -> Cell {
        Cell::join(&[a, b], " ", ("(", ")"))
    }

    /// `a / b`.
    pub fn over(a: Cell, b: Cell) -> Cell {
        Cell::join(&[a, b], " / ", ("", ""))
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::new(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::new(s)
    }
}

impl From<&String> for Cell {
    fn from(s: &String) -> Cell {
        Cell::new(s.clone())
    }
}

/// A table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// What it shows (HTML caption; a line above it elsewhere, unless empty).
    pub caption: String,
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows, one cell per column.
    pub rows: Vec<Vec<Cell>>,
    /// Lines under it (rows left out, how to see them).
    pub notes: Vec<Text>,
}

impl Table {
    /// A table of these columns.
    pub fn new(caption: impl Into<String>, columns: Vec<Column>) -> Table {
        Table { caption: caption.into(), columns, rows: Vec::new(), notes: Vec::new() }
    }

    /// Adds a row (one cell per column).
    pub fn row(&mut self, cells: Vec<Cell>) {
        debug_assert_eq!(cells.len(), self.columns.len(), "{}: a row of {} cells", self.caption, cells.len());
        self.rows.push(cells);
    }

    /// Adds a line under the table.
    pub fn note(&mut self, t: impl Into<Text>) {
        self.notes.push(t.into());
    }
}

/// A chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// Its name (`data-chart`).
    pub name: String,
    /// Its caption.
    pub caption: String,
    /// The SVG, built by [`super::charts`] (its text escaped there).
    pub svg: String,
    /// A text form for the text and Markdown backends, when it says something the table under
    /// it does not (the forecast's month-by-month bars).
    pub text: Option<String>,
}
