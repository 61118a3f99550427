//! Integration tests of bizo-plan: one test binary, one module per area (as ripgrep and nextest do);
//! it links once instead of once per file.

mod assessment;
mod browser;
mod cli;
mod cluster;
mod common;
mod ecosystem;
mod examples;
mod fault_matrix;
mod fleet;
mod forecast;
mod html;
mod layers;
mod malformed;
mod prometheus;
mod properties;
mod readme;
mod recommend;
mod rightsize;
mod samples;
mod secrets;
mod whatif;
