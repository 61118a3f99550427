//! Integration tests of bizo-sim: one test binary, one module per area.

mod common;
mod faults;
mod generated;
mod http;
mod kubectl;
mod pagination;
mod realism;
mod recording;
mod scenarios;
mod selectors;
