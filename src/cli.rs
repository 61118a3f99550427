//! Command-line definitions (clap derive). The doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::core::quantity::Bytes;
use crate::core::ratio::Ratio;
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
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Current usage, what the planned services add, headroom, and a verdict.
    Check(CheckArgs),
    /// Print the JSON Schema of the profile format (for editors).
    Schema,
}

/// Options of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Profile YAML to use instead of the embedded default; `-` reads standard input.
    #[arg(short, long, value_name = "FILE", env = "BIZO_PLAN_PROFILE")]
    pub profile: Option<PathBuf>,

    /// Replay the host snapshot recorded in the profile instead of sampling this host.
    #[arg(long, conflicts_with = "profile_only")]
    pub replay: bool,

    /// Ignore the host: current usage is the deployed services' typical memory.
    #[arg(long)]
    pub profile_only: bool,

    /// Total memory to plan against with --profile-only (default: this host's total), e.g. 8Gi.
    #[arg(long, value_name = "QTY", value_parser = parse_bytes, requires = "profile_only")]
    pub capacity: Option<Bytes>,

    /// Exit 1 when the verdict is TIGHT (INSUFFICIENT always exits 1).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,

    /// Exit 1 when projected used memory is above this percentage of the total, e.g. 80.
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    pub max_used: Option<Ratio>,

    /// Exit 1 when projected available memory is below this quantity, e.g. 1Gi.
    #[arg(long, value_name = "QTY", value_parser = parse_bytes)]
    pub min_available: Option<Bytes>,

    /// Output options.
    #[command(flatten)]
    pub output: OutputArgs,
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
