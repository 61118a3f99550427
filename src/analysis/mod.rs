//! The analysis: what the model's figures mean. Adjustments of each service's demand (live,
//! history, recording, what-if), the projection and its verdict, placement onto nodes, the
//! evaluation of tiers and plans, `recommend`, the forecast.
//!
//! PURE by rule, the second layer: no I/O, no clock, no printing, no tokio, kube or sysinfo;
//! it imports the model and nothing later (reports, render). Results are numbers and typed
//! reasons; the words are the reports'. `tests/it/layers.rs` enforces it.

pub mod assess;
pub mod check;
pub mod cluster;
pub mod consolidation;
pub mod demand;
pub mod forecast;
pub mod history;
pub mod node;
pub mod placement;
pub mod plan;
pub mod rightsize;
pub mod whatif;
