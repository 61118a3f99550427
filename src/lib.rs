//! bizo-plan: capacity planning for Kubernetes-hosted SaaS stacks.
//!
//! Layout: [`core`] is the pure planning core (quantities, profiles, projection, verdict);
//! [`source`] reads the outside world (files, the host) and converts it into core types;
//! [`render`] turns reports into text; [`app`] wires them together for the binary.

pub mod analysis;
#[cfg(feature = "cluster")]
pub mod app;
pub mod cli;
#[cfg(feature = "cluster")]
pub mod ecosystem;
pub mod error;
pub mod exit;
#[cfg(feature = "cluster")]
pub mod gather;
#[cfg(feature = "cluster")]
pub mod log;
pub mod model;
pub mod render;
pub mod report;
pub mod source;
pub mod yaml;
