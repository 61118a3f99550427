//! The model: what the planning is about, as plain data. Quantities and ratios, the profile,
//! the catalog of tiers and plans, node reservations, the cluster inventory, recordings.
//!
//! PURE by rule, and the first layer: nothing here does I/O, reads the clock or the
//! environment, prints, or depends on tokio, kube or sysinfo, and nothing here imports from
//! the later layers (analysis, reports, render). `tests/it/layers.rs` enforces it.

pub mod baseline;
pub mod catalog;
pub mod changes;
pub mod figure;
pub mod inventory;
pub mod matching;
pub mod node;
pub mod profile;
pub mod quantity;
pub mod ratio;
pub mod recording;
pub mod reservation;
pub mod usage;
