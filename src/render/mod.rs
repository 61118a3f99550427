//! Rendering: a report in, a `String` out. No computing, no I/O, no clock.
//!
//! Each report is laid out once as a [`doc::Document`] (`check.rs`, `plan.rs`, `forecast.rs`);
//! the text, Markdown and HTML backends (`text.rs`, `markdown.rs`, `html.rs`) render any
//! document; the charts are drawn in one place (`charts.rs` over `svg.rs`). JSON and YAML are
//! the reports themselves, serialized.

mod charts;
mod check;
pub mod doc;
mod forecast;
mod html;
pub mod markdown;
mod plan;
mod rightsize;
mod svg;
pub mod text;

pub use charts::forecast_chart;

use serde::Serialize;

use crate::report::check::CheckReport;

/// Output formats (`-o`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Tables for a terminal.
    Table,
    /// JSON with stable field names and a schemaVersion.
    Json,
    /// The same document as YAML.
    Yaml,
    /// Markdown, for a pull-request comment.
    Markdown,
    /// One self-contained HTML page with charts (no scripts, no external assets).
    Html,
}

/// How to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    /// Output format.
    pub format: Format,
    /// Table width in columns.
    pub width: u16,
    /// ANSI colours in tables.
    pub color: bool,
    /// Show the arithmetic behind every figure (table and markdown; JSON and YAML always carry it).
    pub explain: bool,
    /// Show every node and unmatched group in tables and Markdown (else the first [`MAX_ROWS`]).
    pub all_rows: bool,
}

/// Rows shown for long lists in tables and Markdown unless `--all-rows` (JSON and YAML carry all).
pub const MAX_ROWS: usize = 25;

/// Version of the JSON/YAML document; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// The machine-readable document: an envelope around the report.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    schema_version: u32,
    command: &'static str,
    profile_origin: &'a str,
    #[serde(flatten)]
    report: &'a CheckReport,
}

/// The machine-readable document of `recommend` and `forecast`: an envelope around the answer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlanEnvelope<'a, T: Serialize> {
    schema_version: u32,
    command: &'static str,
    profile_origin: &'a str,
    catalog_origin: &'a str,
    #[serde(flatten)]
    body: &'a T,
}

/// JSON or YAML of an envelope (`None` for the human formats).
fn machine<T: Serialize>(env: &T, format: Format) -> Option<String> {
    match format {
        Format::Json => {
            let mut s =
                serde_json::to_string_pretty(env).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
            s.push('\n');
            Some(s)
        }
        Format::Yaml => Some(crate::yaml::to_string(env).unwrap_or_else(|e| format!("error: {e}\n"))),
        _ => None,
    }
}

/// Renders a `recommend` answer.
pub fn recommend(
    r: &crate::report::plan::RecommendReport,
    profile_origin: &str,
    catalog_origin: &str,
    show_rejected: usize,
    opts: &RenderOptions,
) -> String {
    let env = PlanEnvelope {
        schema_version: SCHEMA_VERSION,
        command: "recommend",
        profile_origin,
        catalog_origin,
        body: r,
    };
    match machine(&env, opts.format) {
        Some(m) => m,
        None => human(&plan::document(r, profile_origin, catalog_origin, show_rejected, opts), opts),
    }
}

/// Renders a `forecast`.
pub fn forecast(
    f: &crate::report::forecast::ForecastReport,
    profile_origin: &str,
    catalog_origin: &str,
    opts: &RenderOptions,
) -> String {
    let env = PlanEnvelope {
        schema_version: SCHEMA_VERSION,
        command: "forecast",
        profile_origin,
        catalog_origin,
        body: f,
    };
    match machine(&env, opts.format) {
        Some(m) => m,
        None => human(&forecast::document(f, profile_origin, catalog_origin, opts), opts),
    }
}

/// The machine-readable document of `rightsize`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RightsizeEnvelope<'a> {
    schema_version: u32,
    command: &'static str,
    profile_origin: &'a str,
    #[serde(flatten)]
    report: &'a crate::report::rightsize::RightsizeReport,
}

/// Renders a `rightsize` report (`patch`: strategic merge patches instead).
pub fn rightsize(
    r: &crate::report::rightsize::RightsizeReport,
    profile_origin: &str,
    patch: bool,
    opts: &RenderOptions,
) -> String {
    if patch {
        return rightsize::patch(r);
    }
    let env =
        RightsizeEnvelope { schema_version: SCHEMA_VERSION, command: "rightsize", profile_origin, report: r };
    match machine(&env, opts.format) {
        Some(m) => m,
        None => human(&rightsize::document(r, opts), opts),
    }
}

/// The machine-readable document of a several-cluster check.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClustersEnvelope<'a> {
    schema_version: u32,
    command: &'static str,
    profile_origin: &'a str,
    #[serde(flatten)]
    report: &'a crate::report::check::ClustersReport,
}

/// Renders a several-cluster `check` into a writer (JSON and YAML streamed).
pub fn write_checks(
    report: &crate::report::check::ClustersReport,
    origin: &str,
    opts: &RenderOptions,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let envelope =
        ClustersEnvelope { schema_version: SCHEMA_VERSION, command: "check", profile_origin: origin, report };
    match opts.format {
        Format::Table | Format::Markdown | Format::Html => {
            w.write_all(human(&check::clusters_document(report, origin, opts), opts).as_bytes())
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut *w, &envelope).map_err(json_io)?;
            w.write_all(b"\n")
        }
        Format::Yaml => crate::yaml::to_writer(&mut *w, &envelope),
    }
}

/// A document in one of the human formats (table, Markdown, HTML).
fn human(d: &doc::Document, opts: &RenderOptions) -> String {
    match opts.format {
        Format::Markdown => markdown::render(d),
        Format::Html => html::render(d),
        _ => text::render(d, usize::from(opts.width), opts.color),
    }
}

/// The colour sequences the table renderer itself writes (the verdict's status).
const OWN_SGR: [&str; 4] = ["\x1b[1;32m", "\x1b[1;33m", "\x1b[1;31m", "\x1b[0m"];

/// Text for a terminal: every control character from a profile, a catalog or the API (escape
/// sequences, carriage returns, tabs, NULs...) is shown escaped (`\x1b`), except new lines and,
/// with `color`, the renderer's own colour sequences.
pub fn terminal_safe(text: &str, color: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if color && let Some(own) = OWN_SGR.iter().find(|s| rest.starts_with(**s)) {
            out.push_str(own);
            rest = &rest[own.len()..];
            continue;
        }
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A JSON writer's error as an I/O error that keeps its kind (a closed pipe stays a closed pipe).
fn json_io(e: serde_json::Error) -> std::io::Error {
    match e.io_error_kind() {
        Some(kind) => std::io::Error::from(kind),
        None => std::io::Error::other(e),
    }
}

/// Renders a `check` report.
pub fn check(report: &CheckReport, origin: &str, opts: &RenderOptions) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail; serializer errors are rendered into the text.
    let _ = write_check(report, origin, opts, &mut out);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Renders a `check` report into a writer. JSON and YAML are streamed as they are serialized,
/// so a 5,000-node report is never held in memory as text; tables, Markdown and HTML are laid
/// out as a document first (they show at most [`MAX_ROWS`] nodes unless `all_rows` is set).
pub fn write_check(
    report: &CheckReport,
    origin: &str,
    opts: &RenderOptions,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let envelope =
        Envelope { schema_version: SCHEMA_VERSION, command: "check", profile_origin: origin, report };
    match opts.format {
        Format::Table | Format::Markdown | Format::Html => {
            w.write_all(human(&check::document(report, origin, opts), opts).as_bytes())
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut *w, &envelope).map_err(json_io)?;
            w.write_all(b"\n")
        }
        Format::Yaml => crate::yaml::to_writer(&mut *w, &envelope),
    }
}

#[cfg(test)]
mod tests {
    use super::terminal_safe;

    #[test]
    fn control_characters_are_escaped_but_our_colours_stay() {
        assert_eq!(terminal_safe("a\x1b]0;pwned\x07b\r\tc\nd", false), "a\\x1b]0;pwned\\x07b\\r\\tc\nd");
        assert_eq!(terminal_safe("\x1b[1;31mINSUFFICIENT\x1b[0m", true), "\x1b[1;31mINSUFFICIENT\x1b[0m");
        assert_eq!(terminal_safe("\x1b[1;31mX\x1b[0m", false), "\\x1b[1;31mX\\x1b[0m");
        assert_eq!(terminal_safe("\x1b[2J", true), "\\x1b[2J", "only the renderer's own sequences pass");
        assert_eq!(terminal_safe("vault-ünïcode", false), "vault-ünïcode");
    }
}
