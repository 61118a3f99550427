//! Diagnostics on stderr: `-v` logs bizo-plan's own steps (which kubeconfig, context and
//! server; each API request with its status, size and time), `-vv` adds the kube client's debug
//! events, and `RUST_LOG` (target=level pairs, e.g. `kube=trace,bizo_plan=debug`) overrides
//! both. Nothing logged carries a credential: bizo-plan logs request lines, never header values,
//! and the kube client redacts what it logs (tested at every level in tests/it/secrets.rs).

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the stderr logger for `-v` count `verbose` (none at 0 without `RUST_LOG`).
pub fn init(verbose: u8) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => match spec.parse::<Targets>() {
            Ok(t) => t,
            Err(e) => {
                eprintln!("bizo-plan: ignoring RUST_LOG={spec:?}: {e}");
                for_verbosity(verbose)
            }
        },
        _ => for_verbosity(verbose),
    };
    if filter == Targets::new() {
        return;
    }
    let layer =
        tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(false).with_target(true);
    // A second init (tests calling main twice) keeps the first logger.
    let _ = tracing_subscriber::registry().with(layer).with(filter).try_init();
}

fn for_verbosity(verbose: u8) -> Targets {
    match verbose {
        0 => Targets::new(),
        1 => Targets::new().with_target("bizo_plan", LevelFilter::DEBUG),
        _ => Targets::new()
            .with_target("bizo_plan", LevelFilter::TRACE)
            .with_target("kube", LevelFilter::DEBUG)
            .with_target("kube_client", LevelFilter::DEBUG),
    }
}
