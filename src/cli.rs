//! Command-line definitions (clap derive). The doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::model::quantity::Bytes;
use crate::model::ratio::Ratio;
use crate::render::Format;

/// Capacity planning for Kubernetes-hosted SaaS stacks.
///
/// bizo-plan reads a service profile (YAML; an embedded default describes the BizoSaaS stack),
/// the host it runs on, and projects what the planned services add: headroom, how many more
/// services fit, and a verdict (HEALTHY, TIGHT or INSUFFICIENT).
#[derive(Debug, Parser)]
#[command(name = "bizo-plan", version, max_term_width = 100)]
#[command(after_long_help = "Exit codes: 0 healthy (or TIGHT without --fail-on tight); 1 a gate failed \
(INSUFFICIENT, --fail-on tight, --max-used, --min-available); 2 bad usage or bad input; 3 a required \
source was unreachable.\n\nDocumentation: README.md in the bizo-plan repository.")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,

    /// Log what is read on stderr: -v each API request (method, path, status, bytes, time),
    /// -vv also the kube client's own debug log. RUST_LOG (e.g. kube=trace) overrides.
    /// Credentials are never logged.
    #[arg(short, long, action = clap::ArgAction::Count, global = true, display_order = 900)]
    pub verbose: u8,
}

/// The clap command (for completions and the man page).
pub fn command() -> clap::Command {
    Cli::command()
}

/// Parses the process arguments. Run as the kubectl plugin (`kubectl-bizo_plan`, started by
/// `kubectl bizo-plan ...`), usage and help say `kubectl bizo-plan`.
pub fn parse() -> Cli {
    let argv0 = std::env::args_os().next().unwrap_or_default();
    let stem = std::path::Path::new(&argv0).file_stem().map(|s| s.to_string_lossy().into_owned());
    let mut cmd = Cli::command();
    if stem.as_deref() == Some("kubectl-bizo_plan") {
        cmd = cmd.bin_name("kubectl bizo-plan").display_name("kubectl-bizo_plan");
    }
    let matches = cmd.get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Current usage, what the planned services add, headroom, and a verdict.
    Check(Box<CheckArgs>),
    /// Which tier or VPS plan fits the projected load with the required headroom, at what
    /// monthly cost, and why the others do not.
    Recommend(Box<RecommendArgs>),
    /// Month by month under growth: the load, when each tier runs out of headroom, and the
    /// phase timeline (the cheapest tier that holds each month).
    Forecast(Box<ForecastArgs>),
    /// Per container: requests and limits recommended from Prometheus history by a strategy
    /// (bizo, krr-simple, vpa), what they change, a patch, and a backtest of the strategies.
    Rightsize(Box<RightsizeArgs>),
    /// Record host (and cluster) usage over time, one JSON line per snapshot, for
    /// `check --samples`. Safe to interrupt: what was recorded stays valid.
    Sample(Box<SampleArgs>),
    /// Print the JSON Schema of the profile format (or, with --tiers, of the tier catalog).
    Schema {
        /// The tier catalog's schema instead of the profile's.
        #[arg(long)]
        tiers: bool,
    },
    /// Profiles: generate one from a live cluster.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    ///
    /// bash: `bizo-plan completions bash > ~/.local/share/bash-completion/completions/bizo-plan`;
    /// zsh: into a directory on $fpath as `_bizo-plan`; fish: `~/.config/fish/completions/bizo-plan.fish`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or with --out write it and a page per subcommand.
    ///
    /// `bizo-plan man > bizo-plan.1 && man ./bizo-plan.1`, or
    /// `bizo-plan man --out ~/.local/share/man/man1 && man bizo-plan-check`.
    Man {
        /// Write bizo-plan.1 and a page per subcommand, each with all its options, into DIR
        /// (created if missing), and list the files written.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// `profile` subcommands.
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Write a profile describing what runs in the cluster (one service per owner workload,
    /// figures per replica from live usage, else requests); `check -p` loads it unchanged.
    Generate(Box<GenerateArgs>),
}

/// Options of `profile generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Name of the generated profile (default: the kubeconfig context).
    #[arg(help_heading = "Profile", long)]
    pub name: Option<String>,

    /// Write to this file instead of standard output.
    #[arg(help_heading = "Output", long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Cluster options.
    #[command(flatten, next_help_heading = "Cluster")]
    pub cluster: ClusterArgs,

    /// With --prometheus: the profile comes from Prometheus alone (no cluster connection):
    /// one service per workload found in the history.
    #[command(flatten)]
    pub prometheus: PrometheusArgs,
}

/// Options of `recommend`.
#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// Profile YAML to use instead of the embedded default; `-` reads standard input.
    #[arg(help_heading = "Profile", short, long, value_name = "FILE", env = "BIZO_PLAN_PROFILE")]
    pub profile: Option<PathBuf>,

    /// Monthly budget, in --currency (e.g. 80 or 79.99; "80 EUR" or "€80" in another currency).
    #[arg(help_heading = "Catalog", long, value_name = "AMOUNT", value_parser = parse_budget)]
    pub budget: Option<String>,

    /// Currency of the budget and of the prices shown (USD, EUR, or any with a rate).
    #[arg(help_heading = "Catalog", long, value_name = "CODE", default_value = "USD")]
    pub currency: String,

    /// Exchange rate override, CODE=VALUE in the catalog's base currency (e.g. EUR=1.10); repeatable.
    #[arg(help_heading = "Catalog", long = "rate", value_name = "CODE=VALUE")]
    pub rates: Vec<String>,

    /// Require surviving the loss of any node (multi-node, every replica re-placed).
    #[arg(help_heading = "Planning", long)]
    pub ha: bool,

    /// Memory and cpu that must stay free on every node, as a percentage of its capacity
    /// (default: 100 minus the policy's warn threshold, i.e. 30 for the 70% rule).
    #[arg(help_heading = "Planning", long, value_name = "PCT", value_parser = parse_percent, conflicts_with = "max_used")]
    pub min_headroom: Option<Ratio>,

    /// The same gate as check's: no node may be filled above this percentage (= 100 - headroom).
    #[arg(help_heading = "Planning", long, value_name = "PCT", value_parser = parse_percent)]
    pub max_used: Option<Ratio>,

    /// Only this provider's plans (digitalocean, linode, vultr, hetzner).
    #[arg(help_heading = "Catalog", long, value_name = "NAME")]
    pub provider: Option<String>,

    /// Concurrent clients to sustain (needs perClient costs in the profile).
    #[arg(help_heading = "Planning", long, value_name = "N")]
    pub clients: Option<u64>,

    /// Lowest price confidence to accept for provider plans.
    #[arg(help_heading = "Catalog", long, value_enum, value_name = "LEVEL", default_value = "third-party")]
    pub confidence: ConfidenceArg,

    /// Tier catalog YAML instead of the embedded one.
    #[arg(help_heading = "Catalog", long, value_name = "FILE")]
    pub tiers: Option<PathBuf>,

    /// What-if changes.
    #[command(flatten, next_help_heading = "What-if")]
    pub what_if: WhatIfArgs,

    /// What the nodes run besides the services.
    #[command(flatten, next_help_heading = "Planning")]
    pub system: SystemArgs,

    /// A recording of `bizo-plan sample`.
    #[command(flatten, next_help_heading = "History")]
    pub recording: RecordingArgs,

    /// Cluster options.
    #[command(flatten, next_help_heading = "Cluster")]
    pub cluster: ClusterArgs,

    /// Usage history from Prometheus.
    #[command(flatten, next_help_heading = "History")]
    pub prometheus: PrometheusArgs,

    /// Rejected options to list in tables (all are in JSON and YAML).
    #[arg(help_heading = "Output", long, value_name = "N", default_value_t = 10)]
    pub show_rejected: usize,

    /// Output options.
    #[command(flatten, next_help_heading = "Output")]
    pub output: OutputArgs,
}

/// `rightsize -o` values: the common formats and `patch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RightsizeFormat {
    /// Tables for a terminal.
    Table,
    /// JSON with stable field names and a schemaVersion.
    Json,
    /// The same document as YAML.
    Yaml,
    /// Markdown, for a pull-request comment.
    Markdown,
    /// One self-contained HTML page.
    Html,
    /// Strategic merge patches of the workloads' container resources (YAML documents; never
    /// applied by bizo-plan).
    Patch,
}

/// Options of `rightsize`.
#[derive(Debug, Args)]
pub struct RightsizeArgs {
    /// Profile whose services the workloads are matched to (named in the report).
    #[arg(help_heading = "Profile", short, long, value_name = "FILE", env = "BIZO_PLAN_PROFILE")]
    pub profile: Option<PathBuf>,

    /// The strategy: bizo (the default), krr-simple (Robusta KRR's simple) or vpa (the VPA
    /// recommender's target).
    #[arg(help_heading = "Right-sizing", long, value_name = "NAME", default_value = "bizo",
          value_parser = crate::analysis::rightsize::Strategy::parse)]
    pub strategy: crate::analysis::rightsize::Strategy,

    /// Recommend for HPA-managed workloads too (krr-simple skips them; bizo keeps their cpu).
    #[arg(help_heading = "Right-sizing", long)]
    pub allow_hpa: bool,

    /// Read no cluster: the plan before and after comes from the profile (or the workloads
    /// read) alone, and no node of a cluster is counted.
    #[arg(help_heading = "Profile", long)]
    pub profile_only: bool,

    /// Tier catalog YAML instead of the embedded one (for the plan before and after).
    #[arg(help_heading = "Catalog", long, value_name = "FILE")]
    pub tiers: Option<PathBuf>,

    /// Currency of the prices shown (USD, EUR, or any with a rate).
    #[arg(help_heading = "Catalog", long, value_name = "CODE", default_value = "USD")]
    pub currency: String,

    /// Monthly budget of the plan before and after, in --currency.
    #[arg(help_heading = "Catalog", long, value_name = "AMOUNT", value_parser = parse_budget)]
    pub budget: Option<String>,

    /// Cluster options: with a cluster read, the nodes its pods need are counted with today's
    /// and with the right-sized requests.
    #[command(flatten, next_help_heading = "Cluster")]
    pub cluster: ClusterArgs,

    /// Score every strategy: recommend from --train, score on the --test window after it
    /// (ending at --at); the read covers both.
    #[arg(help_heading = "Right-sizing", long)]
    pub backtest: bool,

    /// The backtest's training window.
    #[arg(help_heading = "Right-sizing", long, value_name = "DURATION", default_value = "7d", requires = "backtest",
          value_parser = crate::analysis::history::check_duration)]
    pub train: String,

    /// The backtest's test window.
    #[arg(help_heading = "Right-sizing", long, value_name = "DURATION", default_value = "7d", requires = "backtest",
          value_parser = crate::analysis::history::check_duration)]
    pub test: String,

    /// Prometheus base URL (Prometheus, Thanos, Mimir, VictoriaMetrics); user:password@ is sent
    /// as basic auth, never shown.
    #[arg(help_heading = "History", long, value_name = "URL")]
    pub prometheus: String,

    /// How far back to read (KRR's default: 14d); with --backtest, --train + --test instead.
    #[arg(help_heading = "History", long, value_name = "DURATION", default_value = "14d",
          value_parser = crate::analysis::history::check_duration)]
    pub window: String,

    /// Resolution of the series (cpu is the rate over 1.5 steps).
    #[arg(help_heading = "History", long, value_name = "DURATION", default_value = "5m",
          value_parser = crate::analysis::history::check_duration)]
    pub step: String,

    /// End of the window: RFC 3339 or unix seconds (default: now).
    #[arg(help_heading = "History", long, value_name = "TIME", value_parser = crate::analysis::history::parse_time)]
    pub at: Option<i64>,

    /// Seconds to wait for each query.
    #[arg(help_heading = "History", long, value_name = "SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub prometheus_timeout: u64,

    /// Samples one query may hold (series x points); the read is split by namespace, then by
    /// pod-name batches, to stay under it.
    #[arg(help_heading = "History", long, value_name = "N", default_value_t = 10_000_000,
          value_parser = clap::value_parser!(u64).range(10_000..))]
    pub prometheus_max_samples: u64,

    /// Queries in flight at most.
    #[arg(help_heading = "History", long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u64).range(1..=64))]
    pub prometheus_concurrency: u64,

    /// An HTTP header sent with every query, 'Name: value'; repeatable. Values are never shown.
    #[arg(help_heading = "History", long, value_name = "NAME: VALUE")]
    pub prometheus_header: Vec<String>,

    /// A file holding a bearer token (never shown).
    #[arg(help_heading = "History", long, value_name = "FILE")]
    pub prometheus_bearer_token_file: Option<PathBuf>,

    /// PEM certificates to trust for an https:// Prometheus.
    #[arg(help_heading = "History", long, value_name = "FILE")]
    pub prometheus_ca_file: Option<PathBuf>,

    /// Output format.
    #[arg(help_heading = "Output", short, long, value_enum, default_value = "table")]
    pub output: RightsizeFormat,

    /// Show how every figure was computed.
    #[arg(help_heading = "Output", long)]
    pub explain: bool,

    /// Table width in columns (default: the terminal's, else $COLUMNS, else 120).
    #[arg(help_heading = "Output", long, value_name = "N")]
    pub width: Option<u16>,

    /// Never use colours.
    #[arg(help_heading = "Output", long)]
    pub no_color: bool,

    /// List every container in tables and Markdown (else the first 25).
    #[arg(help_heading = "Output", long)]
    pub all_rows: bool,
}

/// Options of `sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Profile whose services the cluster's pods are matched to.
    #[arg(help_heading = "Profile", short, long, value_name = "FILE", env = "BIZO_PLAN_PROFILE")]
    pub profile: Option<PathBuf>,

    /// Time between snapshots: 10s, 1m, 500ms.
    #[arg(help_heading = "History", long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub every: std::time::Duration,

    /// How long to record: 10m, 1h (one snapshot per --every).
    #[arg(help_heading = "History", long = "for", value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
    pub for_: std::time::Duration,

    /// The JSON-lines file to append to.
    #[arg(help_heading = "Output", long, value_name = "FILE")]
    pub out: PathBuf,

    /// Cluster options.
    #[command(flatten, next_help_heading = "Cluster")]
    pub cluster: ClusterArgs,
}

/// Options of `forecast`.
#[derive(Debug, Args)]
pub struct ForecastArgs {
    /// Profile YAML to use instead of the embedded default; `-` reads standard input.
    #[arg(help_heading = "Profile", short, long, value_name = "FILE", env = "BIZO_PLAN_PROFILE")]
    pub profile: Option<PathBuf>,

    /// Monthly growth of every service's memory and cpu, compounding: e.g. 15%/month.
    #[arg(help_heading = "Planning", long, value_name = "RATE", default_value = "0%/month", value_parser = parse_growth)]
    pub growth: Ratio,

    /// Months to forecast after now.
    #[arg(help_heading = "Planning", long, value_name = "N", default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=120))]
    pub months: u32,

    /// Concurrent clients now (needs perClient costs in the profile).
    #[arg(help_heading = "Planning", long, value_name = "N")]
    pub clients: Option<u64>,

    /// Monthly growth of the clients, e.g. 10%/month.
    #[arg(
        help_heading = "Planning",
        long,
        value_name = "RATE",
        default_value = "0%/month",
        requires = "clients",
        value_parser = parse_growth
    )]
    pub client_growth: Ratio,

    /// Memory and cpu that must stay free on every node (default: 100 minus the policy's warn
    /// threshold, i.e. 30 for the 70% rule).
    #[arg(help_heading = "Planning", long, value_name = "PCT", value_parser = parse_percent)]
    pub min_headroom: Option<Ratio>,

    /// Currency of the costs shown.
    #[arg(help_heading = "Catalog", long, value_name = "CODE", default_value = "USD")]
    pub currency: String,

    /// Tier catalog YAML instead of the embedded one.
    #[arg(help_heading = "Catalog", long, value_name = "FILE")]
    pub tiers: Option<PathBuf>,

    /// Forecast on this catalog option (a tier, or a plan as recommend names it, e.g.
    /// 'hetzner CX33' or 'hetzner CX23 x3'); repeatable. Default: the catalog's tiers.
    #[arg(help_heading = "Planning", long = "option", value_name = "NAME")]
    pub options: Vec<String>,

    /// Also forecast on this host as check sees it (its other usage stays, the services grow).
    #[arg(help_heading = "Planning", long)]
    pub host: bool,

    /// What-if changes.
    #[command(flatten, next_help_heading = "What-if")]
    pub what_if: WhatIfArgs,

    /// What the nodes run besides the services.
    #[command(flatten, next_help_heading = "Planning")]
    pub system: SystemArgs,

    /// A recording of `bizo-plan sample`.
    #[command(flatten, next_help_heading = "History")]
    pub recording: RecordingArgs,

    /// Cluster options.
    #[command(flatten, next_help_heading = "Cluster")]
    pub cluster: ClusterArgs,

    /// Usage history from Prometheus.
    #[command(flatten, next_help_heading = "History")]
    pub prometheus: PrometheusArgs,

    /// Output options.
    #[command(flatten, next_help_heading = "Output")]
    pub output: OutputArgs,
}

/// Options of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Profile YAML to use instead of the embedded default; `-` reads standard input.
    #[arg(help_heading = "Profile", short, long, value_name = "FILE", env = "BIZO_PLAN_PROFILE")]
    pub profile: Option<PathBuf>,

    /// Replay the host snapshot recorded in the profile instead of sampling this host.
    #[arg(help_heading = "Profile", long, conflicts_with_all = ["profile_only", "samples"])]
    pub replay: bool,

    /// Ignore the host: plan onto a node (of --capacity, else this host's size) running the
    /// distribution and the deployed services' typical memory.
    #[arg(help_heading = "Profile", long, conflicts_with = "samples")]
    pub profile_only: bool,

    /// A recording of `bizo-plan sample`, planned from instead of sampling this host now.
    #[command(flatten, next_help_heading = "History")]
    pub recording: RecordingArgs,

    /// With --profile-only: plan onto a node of this much RAM as sold (e.g. 8Gi; default: this
    /// host's total), running the distribution (the kernel's share, the OS, k3s, the system pods
    /// are taken off it, as for every tier and plan).
    #[arg(help_heading = "Profile", long, value_name = "QTY", value_parser = parse_bytes, requires = "profile_only")]
    pub capacity: Option<Bytes>,

    /// Exit 1 when the verdict is TIGHT (INSUFFICIENT always exits 1).
    #[arg(help_heading = "Gates", long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,

    /// Exit 1 when projected used memory is above this percentage of the total, e.g. 80.
    #[arg(help_heading = "Gates", long, value_name = "PCT", value_parser = parse_percent)]
    pub max_used: Option<Ratio>,

    /// Exit 1 when projected available memory is below this quantity, e.g. 1Gi.
    #[arg(help_heading = "Gates", long, value_name = "QTY", value_parser = parse_bytes)]
    pub min_available: Option<Bytes>,

    /// Tier catalog YAML for the tiers section (default: the embedded one).
    #[arg(help_heading = "Catalog", long, value_name = "FILE")]
    pub tiers: Option<PathBuf>,

    /// Do not show how the load sits on the catalog's tiers.
    #[arg(help_heading = "Catalog", long)]
    pub no_tiers: bool,

    /// What-if changes.
    #[command(flatten, next_help_heading = "What-if")]
    pub what_if: WhatIfArgs,

    /// What the nodes run besides the services.
    #[command(flatten, next_help_heading = "Planning")]
    pub system: SystemArgs,

    /// Cluster options.
    #[command(flatten, next_help_heading = "Cluster")]
    pub cluster: ClusterArgs,

    /// Usage history from Prometheus.
    #[command(flatten, next_help_heading = "History")]
    pub prometheus: PrometheusArgs,

    /// Output options.
    #[command(flatten, next_help_heading = "Output")]
    pub output: OutputArgs,
}

/// Usage history from Prometheus (`check` and `recommend`): per service, figures over a window
/// replace the profile's (memory typical = the quantile, peak = the maximum, cpu typical = the
/// quantile, per replica: the largest of the service's pods).
#[derive(Debug, Clone, Args)]
pub struct PrometheusArgs {
    /// Prometheus base URL, e.g. http://prometheus.monitoring:9090: each service's pods' memory
    /// (the --quantile and the peak) and cpu (the --quantile) over --window replace the profile's
    /// figures. user:password@ is sent as basic auth, never shown. When Prometheus cannot be
    /// read, planning continues from the profile and the report says so.
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,

    /// How far back --prometheus looks, a Prometheus duration (7d, 36h, 1h30m).
    #[arg(long, value_name = "DURATION", default_value = "7d", requires = "prometheus",
          value_parser = crate::analysis::history::check_duration)]
    pub window: String,

    /// The quantile of each pod's usage over the window taken as its typical figure (0 to 1).
    #[arg(long, value_name = "Q", default_value = "0.95", requires = "prometheus",
          value_parser = crate::analysis::history::parse_quantile)]
    pub quantile: String,

    /// Resolution of the subqueries over the window (a Prometheus duration).
    #[arg(long, value_name = "DURATION", default_value = "1m", requires = "prometheus",
          value_parser = crate::analysis::history::check_duration)]
    pub step: String,

    /// Evaluation time of the queries: RFC 3339 (2026-03-01T12:00:00Z) or unix seconds
    /// (default: now).
    #[arg(long, value_name = "TIME", requires = "prometheus", value_parser = crate::analysis::history::parse_time)]
    pub at: Option<i64>,

    /// Seconds to wait for each Prometheus query (sent to the server as its timeout too); a
    /// query that times out is split in two and retried.
    #[arg(long, value_name = "SECS", default_value_t = 30, requires = "prometheus",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub prometheus_timeout: u64,

    /// Samples one query may hold (series plus pods x steps): the read is split by namespace,
    /// then by pod-name batches, to stay under it. Keep it below the server's limit
    /// (Prometheus --query.max-samples, default 50000000); the default, times the default
    /// concurrency, stays under that.
    #[arg(long, value_name = "N", default_value_t = 10_000_000, requires = "prometheus",
          value_parser = clap::value_parser!(u64).range(10_000..))]
    pub prometheus_max_samples: u64,

    /// Prometheus queries in flight at most.
    #[arg(long, value_name = "N", default_value_t = 4, requires = "prometheus",
          value_parser = clap::value_parser!(u64).range(1..=64))]
    pub prometheus_concurrency: u64,

    /// An HTTP header sent with every Prometheus query, 'Name: value' (e.g. 'X-Scope-OrgID:
    /// tenant-1' for Mimir or Cortex); repeatable. Values are never shown.
    #[arg(long, value_name = "NAME: VALUE", requires = "prometheus")]
    pub prometheus_header: Vec<String>,

    /// A file holding a bearer token for Prometheus (sent as Authorization: Bearer; never shown).
    #[arg(long, value_name = "FILE", requires = "prometheus")]
    pub prometheus_bearer_token_file: Option<PathBuf>,

    /// PEM certificates to trust for an https:// Prometheus instead of the system's (a private
    /// CA); verification is always on.
    #[arg(long, value_name = "FILE", requires = "prometheus")]
    pub prometheus_ca_file: Option<PathBuf>,

    /// Fail with exit 3 when Prometheus cannot be reached or queried.
    #[arg(long, requires = "prometheus")]
    pub require_prometheus: bool,

    /// Plan with the requests STRATEGY (bizo, krr-simple, vpa) recommends from the
    /// per-container history over --window, as `rightsize` computes them: per replica memory
    /// typical = the memory requests, peak = the memory limits, cpu = the cpu requests. A
    /// Prometheus that cannot be read for it is exit 3.
    #[arg(long, value_name = "STRATEGY", requires = "prometheus",
          value_parser = crate::analysis::rightsize::Strategy::parse)]
    pub rightsize: Option<crate::analysis::rightsize::Strategy>,
}

/// A recording of `bizo-plan sample` (`check`, `recommend`, `forecast`): its host (or, when it
/// recorded a cluster, its cluster) is the baseline, and the services it recorded take its figures.
#[derive(Debug, Clone, Args)]
pub struct RecordingArgs {
    /// Plan from a recording of `bizo-plan sample` (JSON lines).
    #[arg(long, value_name = "FILE")]
    pub samples: Option<PathBuf>,

    /// Which figure of the recording: peak (default), or a quantile such as p95 or 0.95.
    #[arg(long, value_name = "STAT", default_value = "peak", requires = "samples",
          value_parser = crate::model::recording::Stat::parse)]
    pub sample_stat: crate::model::recording::Stat,
}

/// What the nodes run besides the services, overriding the catalog's defaults and the
/// profile's `system:` section.
#[derive(Debug, Clone, Default, Args)]
pub struct SystemArgs {
    /// The distribution the stack runs on (k3s, kubeadm, managed; default: the profile's, else
    /// k3s): what --capacity, --profile-only and this host are modelled as.
    #[arg(long, value_name = "NAME")]
    pub distribution: Option<String>,

    /// The distribution's memory on a node of a role, ROLE=QTY (server, server-ha, agent,
    /// control-plane, worker), e.g. server=1.2Gi; repeatable.
    #[arg(long = "system-overhead", value_name = "ROLE=QTY", value_parser = parse_role_memory)]
    pub system_overhead: Vec<(crate::model::node::Role, Bytes)>,

    /// The operating system's memory on every node, e.g. 300Mi.
    #[arg(long, value_name = "QTY", value_parser = parse_bytes)]
    pub os_overhead: Option<Bytes>,

    /// A namespace whose pods are system pods in a live cluster (default: kube-system); repeatable.
    #[arg(long = "system-namespace", value_name = "NS")]
    pub system_namespaces: Vec<String>,
}

impl SystemArgs {
    /// The overrides as a spec.
    pub fn spec(&self) -> crate::model::node::SystemSpec {
        crate::model::node::SystemSpec {
            distribution: self.distribution.clone(),
            os: self.os_overhead,
            overhead: self
                .system_overhead
                .iter()
                .map(|(r, b)| (*r, crate::model::node::RoleMemory(*b)))
                .collect(),
            pods: None,
            namespaces: self.system_namespaces.clone(),
        }
    }
}

fn parse_role_memory(s: &str) -> Result<(crate::model::node::Role, Bytes), String> {
    let (r, q) = s.split_once('=').ok_or_else(|| format!("{s:?}: expected ROLE=QTY, e.g. server=1.2Gi"))?;
    let role = crate::model::node::Role::parse(r.trim()).ok_or_else(|| {
        format!("{s:?}: unknown role {:?} (server, server-ha, agent, control-plane, worker)", r.trim())
    })?;
    Ok((role, parse_bytes(q.trim())?))
}

fn parse_growth(s: &str) -> Result<Ratio, String> {
    crate::analysis::forecast::parse_growth(s)
}

/// What-if changes to the profile, applied before planning: a scenario file first, then
/// `--remove`, `--replace` and `--add` in that order.
#[derive(Debug, Clone, Default, Args)]
pub struct WhatIfArgs {
    /// Add a planned service: NAME=MEMORY[,peak=Q][,cpu=Q][,group=G][,replicas=N]; repeatable.
    #[arg(long = "add", value_name = "SPEC")]
    pub add: Vec<String>,

    /// Remove a service (what it uses now is freed); repeatable.
    #[arg(long = "remove", value_name = "NAME")]
    pub remove: Vec<String>,

    /// Replace a service's figures: NAME=MEMORY[,peak=Q][,cpu=Q][,group=G][,replicas=N][,name=NEW];
    /// what the old one uses now is freed, the new figures are added; repeatable.
    #[arg(long = "replace", value_name = "SPEC")]
    pub replace: Vec<String>,

    /// A scenario file (YAML: name, description, changes of add/remove/replace), e.g.
    /// examples/scenarios/vault-upgrade.yaml.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
}

impl WhatIfArgs {
    /// True when no change was asked for.
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.remove.is_empty() && self.replace.is_empty() && self.scenario.is_none()
    }
}

/// Where the live cluster is and what to read from it (read-only: get/list only).
#[derive(Debug, Clone, Args)]
pub struct ClusterArgs {
    /// Do not contact a cluster even if one is configured.
    #[arg(long, conflicts_with = "require_cluster")]
    pub no_cluster: bool,

    /// Fail with exit 3 when no cluster is configured or it cannot be reached.
    #[arg(long)]
    pub require_cluster: bool,

    /// Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else in-cluster).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context (default: the current context); repeat for several clusters, read
    /// concurrently, each reported and then their total.
    #[arg(long, value_name = "NAME")]
    pub context: Vec<String>,

    /// Every context of the kubeconfig, as with repeated --context.
    #[arg(long, conflicts_with = "context")]
    pub all_contexts: bool,

    /// With several contexts and --require-cluster: check the clusters that can be read even
    /// when others cannot (they are listed as missing inputs) instead of failing with exit 3.
    #[arg(long)]
    pub allow_unreachable: bool,

    /// Only pods in this namespace; repeat for several (default: all namespaces).
    #[arg(short = 'n', long = "namespace", value_name = "NS")]
    pub namespaces: Vec<String>,

    /// Pod label selector, e.g. app.kubernetes.io/part-of=bizosaas.
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,

    /// Node label selector; pods on other nodes are reported as outside the selection.
    #[arg(long, value_name = "SELECTOR")]
    pub node_selector: Option<String>,

    /// Seconds to wait for a TCP connection to the API server (at least 1).
    #[arg(long, value_name = "SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    pub connect_timeout: u64,

    /// Seconds each API request may take, its whole body included (at least 1). Timeouts are
    /// not retried: a silent server gives up after this long.
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,

    /// Seconds the whole cluster read may take, retries and Retry-After waits included
    /// (at least 1).
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,

    /// Do not verify the API server's TLS certificate (a warning is printed). Verification is on
    /// by default; a kubeconfig's insecure-skip-tls-verify is honoured with the same warning.
    #[arg(long)]
    pub insecure_skip_tls_verify: bool,

    /// Items per LIST page of nodes and pods (metrics-server ignores limit: its lists are one
    /// body).
    #[arg(long, value_name = "N", default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..))]
    pub page_size: u32,

    /// Pod lists read at a time: a cluster-wide read is split by namespace (up to 64
    /// namespaces, when they can be listed) into concurrent lists; 1 reads one cluster-wide list.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=32))]
    pub parallel_lists: u32,
}

/// Output options shared by reporting commands.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value = "table")]
    pub output: Format,

    /// Show the arithmetic behind every figure.
    #[arg(long)]
    pub explain: bool,

    /// Table width in columns (default: the terminal's, else $COLUMNS, else 120).
    #[arg(long, value_name = "N")]
    pub width: Option<u16>,

    /// Never use colours (NO_COLOR is honoured too; colours are only used on a terminal).
    #[arg(long)]
    pub no_color: bool,

    /// List every node, unmatched group and warning in tables and Markdown (by default long
    /// lists stop at 25 rows: the nodes with the least free memory; JSON and YAML carry all).
    #[arg(long)]
    pub all_rows: bool,
}

/// `--confidence` values (the core's `Confidence`, kept free of clap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfidenceArg {
    /// Filled from a price ladder or from memory.
    Unverified,
    /// From a secondary source.
    ThirdParty,
    /// Read in a source with provenance.
    Verified,
}

impl From<ConfidenceArg> for crate::analysis::plan::Confidence {
    fn from(c: ConfidenceArg) -> Self {
        use crate::analysis::plan::Confidence;
        match c {
            ConfidenceArg::Unverified => Confidence::Unverified,
            ConfidenceArg::ThirdParty => Confidence::ThirdParty,
            ConfidenceArg::Verified => Confidence::Verified,
        }
    }
}

/// Verdict levels that can be made to fail the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Fail on TIGHT as well as INSUFFICIENT.
    Tight,
}

fn parse_percent(s: &str) -> Result<Ratio, String> {
    let r = Ratio::parse_percent(s).map_err(|e| e.to_string())?;
    if r > Ratio::percent(100) {
        return Err(format!("{s} is above 100%"));
    }
    Ok(r)
}

fn parse_bytes(s: &str) -> Result<Bytes, String> {
    Bytes::parse(s).map_err(|e| e.to_string())
}

/// Checks a budget's form (`80`, `79.99`, `80 EUR`, `€80`); its currency is resolved with
/// `--currency` once the catalog's rates are known.
fn parse_budget(s: &str) -> Result<String, String> {
    crate::model::catalog::Price::parse(s, "USD").map(|_| s.to_string())
}

/// `10s`, `5m`, `1h`, `500ms`, or plain seconds.
fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    let (num, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, "s"),
    };
    let n: u64 = num.parse().map_err(|_| format!("{s:?}: expected a duration such as 10s, 5m or 1h"))?;
    match unit {
        "ms" => Ok(std::time::Duration::from_millis(n)),
        "s" => Ok(std::time::Duration::from_secs(n)),
        "m" => Ok(std::time::Duration::from_secs(n.saturating_mul(60))),
        "h" => Ok(std::time::Duration::from_secs(n.saturating_mul(3600))),
        _ => Err(format!("{s:?}: unknown unit {unit:?} (ms, s, m, h)")),
    }
}
