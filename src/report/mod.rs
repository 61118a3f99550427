//! The reports: what each command tells, built once from the analysis in one constructor each.
//! Prose (reasons, explain lines, descriptions) and display strings are made here and only
//! here; the render layer lays the reports out as tables, Markdown, HTML, JSON or YAML.
//!
//! The third layer: imports the model and the analysis, never the render layer.

pub mod check;
pub mod cluster;
pub mod forecast;
pub mod history;
pub mod node;
pub mod plan;
pub mod rightsize;
pub mod whatif;
