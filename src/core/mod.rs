//! The planning core: quantities, profiles, projection and verdict.
//!
//! PURE by rule: nothing in `core` does I/O, reads the clock or the environment, prints, or
//! depends on tokio, kube or sysinfo. Sources at the edge (`crate::source`) convert the
//! outside world into these types; `crate::render` turns reports into text.

pub mod check;
pub mod cluster;
pub mod figure;
pub mod forecast;
pub mod history;
pub mod placement;
pub mod plan;
pub mod shard;
pub mod whatif;
