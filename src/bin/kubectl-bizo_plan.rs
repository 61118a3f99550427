//! The kubectl plugin: `kubectl bizo-plan ...` runs this binary (kubectl finds
//! `kubectl-bizo_plan` on PATH). It is bizo-plan itself.

use std::process::ExitCode;

fn main() -> ExitCode {
    bizo_plan::app::main()
}
