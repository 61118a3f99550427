//! `bizo-sim`: serve a simulated Kubernetes API on 127.0.0.1 until killed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use bizo_sim::{Faults, Forbid, GenerateSpec, MetricsMode, Scenario, Sim, SimConfig, Truncate, Wrong200};
use clap::{ArgGroup, Parser};

/// A simulated, read-only Kubernetes API server for testing bizo-plan.
///
/// Prints `listening http://127.0.0.1:PORT` on stdout once serving, then
/// serves until killed.
#[derive(Debug, Parser)]
#[command(name = "bizo-sim", version, group(ArgGroup::new("cluster").required(true).args(["scenario", "generate"])))]
struct Args {
    /// Scenario file (YAML, or JSON when it ends in .json).
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Generate a cluster of NODES nodes with PODS_PER_NODE pod slots each.
    #[arg(long, value_name = "NODES:PODS_PER_NODE")]
    generate: Option<GenerateSpec>,
    /// Seed of the generated cluster.
    #[arg(long, default_value_t = 1, requires = "generate")]
    seed: u64,
    /// Port on 127.0.0.1 (0 = pick a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Write a kubeconfig (cluster, user and context named `sim`) here.
    #[arg(long, value_name = "FILE")]
    kubeconfig_out: Option<PathBuf>,
    /// Append every request as a JSON line to this file.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// metrics.k8s.io behaviour: available, absent (404) or unavailable (503).
    #[arg(long, value_name = "MODE", default_value = "available")]
    metrics: MetricsMode,
    /// Answer 403 for: nodes, pods, pods-cluster, nodes-metrics, pods-metrics,
    /// pods-metrics-cluster (repeatable).
    #[arg(long, value_name = "RESOURCE")]
    forbid: Vec<Forbid>,
    /// Answer 410 Expired (once) to the continue request for this page (2 = first continue).
    #[arg(long, value_name = "PAGE")]
    expire_continue_at: Option<u32>,
    /// Answer 500 to the first N requests.
    #[arg(long, value_name = "N", default_value_t = 0)]
    fail_first: u32,
    /// Answer 500 to every Kth request.
    #[arg(long, value_name = "K")]
    fail_every: Option<u32>,
    /// Delay every response by this many milliseconds.
    #[arg(long, value_name = "MS")]
    delay_ms: Option<u64>,
    /// Truncate resource responses: close|json, optionally :N for the first N only.
    #[arg(long, value_name = "MODE[:N]")]
    truncate: Option<Truncate>,
    /// Paginate metrics lists (the real metrics-server ignores limit and continue).
    #[arg(long)]
    paginate_metrics: bool,
    /// Answer 429 TooManyRequests with Retry-After to the first N resource requests.
    #[arg(long, value_name = "N", default_value_t = 0)]
    throttle_first: u32,
    /// The Retry-After of --throttle-first answers, in seconds.
    #[arg(long, value_name = "SECS")]
    retry_after: Option<u32>,
    /// Every continue request answers 410 Expired.
    #[arg(long)]
    expire_always: bool,
    /// Resource answers send their headers, then one body byte every 0.5 s.
    #[arg(long)]
    drip: bool,
    /// Accept connections and never answer.
    #[arg(long)]
    silent: bool,
    /// Answer this list with a 200 that is not a list: status:LIST or object:LIST
    /// (LIST: nodes, pods, nodes-metrics, pods-metrics).
    #[arg(long, value_name = "BODY:LIST")]
    wrong_200: Option<Wrong200>,
    /// NodeMetrics leaves out the last N nodes (not scraped yet).
    #[arg(long, value_name = "N", default_value_t = 0)]
    omit_node_metrics: u32,
    /// Pod lists ignore fieldSelector (Succeeded and Failed pods are served).
    #[arg(long)]
    ignore_field_selector: bool,
    /// The first node's allocatable memory and NodeMetrics memory are invalid quantities.
    #[arg(long)]
    bad_quantities: bool,
    /// Require `Authorization: Bearer T` (401 otherwise); also put into --kubeconfig-out.
    #[arg(long, value_name = "T")]
    token: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut config = match (&args.scenario, args.generate) {
        (Some(path), _) => match Scenario::from_path(path) {
            Ok(s) => SimConfig::scenario(s),
            Err(e) => {
                eprintln!("bizo-sim: {e}");
                return ExitCode::from(2);
            }
        },
        (None, Some(spec)) => SimConfig::generated_spec(spec.with_seed(args.seed)),
        (None, None) => unreachable!("clap requires --scenario or --generate"),
    };
    config.port = args.port;
    config.record_file = args.record.clone();
    config.token = args.token.clone();
    config.faults = Faults {
        metrics: args.metrics,
        forbid: args.forbid.clone(),
        expire_continue_at: args.expire_continue_at,
        fail_first: args.fail_first,
        fail_every: args.fail_every,
        delay: args.delay_ms.map(Duration::from_millis),
        truncate: args.truncate,
        paginate_metrics: args.paginate_metrics,
        throttle_first: args.throttle_first,
        retry_after: args.retry_after,
        expire_always: args.expire_always,
        drip: args.drip,
        silent: args.silent,
        wrong_200: args.wrong_200,
        omit_node_metrics: args.omit_node_metrics,
        ignore_field_selector: args.ignore_field_selector,
        bad_quantities: args.bad_quantities,
    };
    let sim = match Sim::start(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bizo-sim: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &args.kubeconfig_out
        && let Err(e) = sim.write_kubeconfig(path, args.token.as_deref())
    {
        eprintln!("bizo-sim: cannot write kubeconfig {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    println!("listening {}", sim.url());
    loop {
        std::thread::park();
    }
}
