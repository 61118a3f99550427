//! `bizo-usage`: writes a generated fleet's usage history (`bizo_sim::usage`) as OpenMetrics,
//! one file per 2-hour block, for `promtool tsdb create-blocks-from openmetrics` (the
//! right-sizing benchmark, `bench/rightsize.py`).

use std::path::PathBuf;
use std::process::ExitCode;

use bizo_sim::usage::{FleetSpec, fleet, openmetrics};
use clap::Parser;

/// Writes a seeded fleet's per-container history as OpenMetrics block files.
#[derive(Debug, Parser)]
#[command(name = "bizo-usage", version)]
struct Args {
    /// Workloads (the scenarios cycle).
    #[arg(long, default_value_t = 210)]
    workloads: usize,
    /// Days of history.
    #[arg(long, default_value_t = 28)]
    days: i64,
    /// Seconds between samples.
    #[arg(long, default_value_t = 300)]
    step: i64,
    /// The last sample's time, unix seconds.
    #[arg(long)]
    end: i64,
    /// The seed.
    #[arg(long, default_value_t = 14)]
    seed: u64,
    /// Directory to write `<block>.om` files into (created).
    #[arg(long)]
    out: PathBuf,
}

fn main() -> ExitCode {
    let a = Args::parse();
    let spec = FleetSpec {
        seed: a.seed,
        workloads: a.workloads,
        days: a.days,
        end_ms: a.end * 1000,
        step_ms: a.step * 1000,
    };
    let f = fleet(&spec);
    if let Err(e) = std::fs::create_dir_all(&a.out) {
        eprintln!("bizo-usage: {}: {e}", a.out.display());
        return ExitCode::from(2);
    }
    let pods: usize = f.iter().map(|w| w.pods.len()).sum();
    let mut files = 0;
    for (k, text) in openmetrics(&f) {
        let p = a.out.join(format!("{k}.om"));
        if let Err(e) = std::fs::write(&p, text) {
            eprintln!("bizo-usage: {}: {e}", p.display());
            return ExitCode::from(2);
        }
        files += 1;
    }
    println!("{} workloads, {pods} pods, {files} block files in {}", f.len(), a.out.display());
    ExitCode::SUCCESS
}
