//! Exit codes: part of the interface, documented in the README and tested.

use std::process::ExitCode;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: the verdict is HEALTHY (or TIGHT without `--fail-on tight`) and every gate held.
    Ok = 0,
    /// 1: a gate failed: INSUFFICIENT, TIGHT with `--fail-on tight`, or a threshold given on
    /// the command line (`--max-used`, `--min-available`) was breached.
    GateFailed = 1,
    /// 2: bad usage or bad input (unknown flag, unreadable or invalid profile, bad quantity).
    BadInput = 2,
    /// 3: a required source was unreachable (e.g. `--require-cluster` without a cluster).
    Unreachable = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// The exit code for an error that ended the run.
pub fn for_error(err: &anyhow::Error) -> Exit {
    for cause in err.chain() {
        if cause.is::<crate::error::InputError>() || cause.is::<crate::yaml::YamlError>() {
            return Exit::BadInput;
        }
        if cause.is::<crate::error::Unreachable>() {
            return Exit::Unreachable;
        }
    }
    // Anything unexpected is reported like bad input rather than as success or a verdict.
    Exit::BadInput
}
