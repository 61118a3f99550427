//! Orchestration: gather inputs through the sources, run the core, render, write.

use std::io::{IsTerminal, Write};

use anyhow::{Context, Result};

use std::time::Duration;

use crate::cli::{
    CheckArgs, Cli, ClusterArgs, Command, FailOn, GenerateArgs, OutputArgs, ProfileCommand, PrometheusArgs,
    RecommendArgs,
};
use std::collections::BTreeMap;

use crate::core::check::{self, Baseline, Gates};
use crate::core::cluster;
use crate::core::inventory::ClusterSnapshot;
use crate::core::plan;
use crate::core::ratio::Ratio;
use crate::core::tier::{self, Catalog};
use crate::error::{InputError, Unreachable};
use crate::exit::Exit;
use crate::render::{self, RenderOptions};
use crate::source::kube::{self, Connection, KubeOptions};
use crate::source::{files, host};

/// The whole program: parse the arguments, run, print any error, and map it to an exit code.
pub fn main() -> std::process::ExitCode {
    let cli = crate::cli::parse();
    crate::log::init(cli.verbose);
    match run(cli) {
        Ok(exit) => exit.into(),
        Err(err) => {
            eprintln!("bizo-plan: error: {err:#}");
            if let Some(detail) = err.downcast_ref::<InputError>().and_then(|e| e.detail()) {
                eprintln!("{detail}");
            }
            crate::exit::for_error(&err).into()
        }
    }
}

/// Runs a parsed command line and returns how the run ended.
pub fn run(cli: Cli) -> Result<Exit> {
    match cli.command {
        Command::Check(args) => run_check(&args),
        Command::Recommend(args) => run_recommend(&args),
        Command::Schema { tiers } => {
            let schema = if tiers {
                schemars::schema_for!(crate::core::tier::Catalog)
            } else {
                schemars::schema_for!(crate::core::profile::Profile)
            };
            let mut text = serde_json::to_string_pretty(&schema).context("serializing the schema")?;
            text.push('\n');
            write_stdout(&text)?;
            Ok(Exit::Ok)
        }
        Command::Profile(ProfileCommand::Generate(args)) => run_generate(&args),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut crate::cli::command(), "bizo-plan", &mut out);
            write_stdout(&String::from_utf8_lossy(&out))?;
            Ok(Exit::Ok)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(crate::cli::command())
                .render(&mut out)
                .context("rendering the man page")?;
            write_stdout(&String::from_utf8_lossy(&out))?;
            Ok(Exit::Ok)
        }
    }
}

/// The catalog's exchange rates with `--rate CODE=VALUE` overrides, checked against `currency`.
fn rates_for(catalog: &Catalog, overrides: &[String], currency: &str) -> Result<BTreeMap<String, u64>> {
    let mut raw = catalog.exchange_rates.clone();
    for o in overrides {
        let (code, value) = o
            .split_once('=')
            .ok_or_else(|| InputError::Usage(format!("--rate {o:?}: expected CODE=VALUE, e.g. EUR=1.08")))?;
        raw.insert(code.trim().to_string(), value.trim().to_string());
    }
    let rates = tier::parse_rates(&catalog.currency, &raw)
        .map_err(|(code, e)| InputError::Usage(format!("exchange rate for {code}: {e}")))?;
    if !rates.contains_key(currency) {
        return Err(InputError::Usage(format!(
            "--currency {currency}: no exchange rate (known: {}); add one with --rate {currency}=VALUE",
            rates.keys().cloned().collect::<Vec<_>>().join(", ")
        ))
        .into());
    }
    Ok(rates)
}

/// The headroom required by default: 100% minus the policy's warn threshold.
fn default_headroom(profile: &crate::core::profile::Profile) -> Ratio {
    Ratio(crate::core::ratio::ONE.saturating_sub(profile.policy.warn_used_percent.0))
}

fn run_recommend(args: &RecommendArgs) -> Result<Exit> {
    let mut loaded = files::load_profile(args.profile.as_deref())?;
    let history = with_history(&args.prometheus, &mut loaded.profile)?;
    let (catalog, catalog_origin) = files::load_catalog(args.tiers.as_deref())?;
    let currency = args.currency.trim().to_ascii_uppercase();
    let rates = rates_for(&catalog, &args.rates, &currency)?;
    let budget_cents = match &args.budget {
        Some(b) => Some(
            tier::Price::parse(b, &currency)
                .map_err(|e| InputError::Usage(format!("--budget: {e}")))
                .and_then(|p| {
                    tier::convert(&p, &currency, &rates).ok_or_else(|| {
                        InputError::Usage(format!("--budget: no exchange rate for {}", p.currency))
                    })
                })?,
        ),
        None => None,
    };
    let req = plan::Requirements {
        budget_cents,
        ha: args.ha,
        min_headroom: args
            .min_headroom
            .or(args.max_used.map(|u| Ratio(crate::core::ratio::ONE.saturating_sub(u.0))))
            .unwrap_or_else(|| default_headroom(&loaded.profile)),
        provider: args.provider.clone(),
        clients: args.clients,
        min_confidence: args.confidence.into(),
    };
    if let Some(p) = &req.provider
        && !catalog.plans.iter().any(|x| &x.provider == p)
    {
        let mut known: Vec<&str> = catalog.plans.iter().map(|x| x.provider.as_str()).collect();
        known.dedup();
        return Err(InputError::Usage(format!(
            "--provider {p}: not in the catalog (known: {})",
            known.join(", ")
        ))
        .into());
    }
    if req.clients.is_some() && !loaded.profile.services.iter().any(|s| s.per_client.is_some()) {
        return Err(InputError::Usage(format!(
            "--clients: profile {} gives no perClient costs, so client capacity cannot be computed",
            loaded.profile.name
        ))
        .into());
    }
    let mut rec = plan::recommend(&loaded.profile, &catalog, &rates, &currency, &req);
    if let Some(h) = history {
        crate::core::history::annotate_recommendation(&mut rec, h);
    }
    let opts = render_options(&args.output);
    let text = render::recommend(&rec, &loaded.origin, &catalog_origin, args.show_rejected, &opts);
    write_stdout(&text)?;
    Ok(if rec.pick.is_some() { Exit::Ok } else { Exit::GateFailed })
}

fn run_generate(args: &GenerateArgs) -> Result<Exit> {
    if args.cluster.no_cluster {
        return Err(InputError::Usage(
            "profile generate reads a cluster; --no-cluster makes no sense here".into(),
        )
        .into());
    }
    let empty = crate::core::profile::Profile {
        name: String::new(),
        description: None,
        policy: Default::default(),
        host: None,
        services: Vec::new(),
    };
    let mut notes = Vec::new();
    let required = ClusterArgs { require_cluster: true, ..args.cluster.clone() };
    let snap = read_cluster(&required, &empty, &mut notes)?
        .ok_or_else(|| Unreachable("no cluster could be read".to_string()))?;
    if !snap.pods_read {
        return Err(
            Unreachable(format!("profile generate needs the pods: {}", snap.missing.join("; "))).into()
        );
    }
    let name = args.name.clone().unwrap_or_else(|| snap.context.clone());
    let profile = cluster::generate_profile(&name, &snap);
    let mut text =
        String::from("# Generated by bizo-plan profile generate; edit freely (check -p loads it as is).\n");
    for m in &snap.missing {
        text.push_str(&format!("# WARNING: could not {m}\n"));
    }
    text.push_str(
        &crate::yaml::to_string(&profile).map_err(|e| anyhow::anyhow!("serializing the profile: {e}"))?,
    );
    // Prove the output loads before handing it over.
    files::parse_profile(&text, "<generated profile>").context("the generated profile does not load")?;
    match &args.out {
        Some(p) => std::fs::write(p, &text).with_context(|| format!("writing {}", p.display()))?,
        None => write_stdout(&text)?,
    }
    Ok(Exit::Ok)
}

fn run_check(args: &CheckArgs) -> Result<Exit> {
    let mut loaded = files::load_profile(args.profile.as_deref())?;
    let history = with_history(&args.prometheus, &mut loaded.profile)?;
    let profile = &loaded.profile;
    let mut notes = Vec::new();
    let snapshot = if args.replay || args.profile_only {
        if args.cluster.require_cluster {
            return Err(InputError::Usage(
                "--require-cluster cannot be combined with --replay or --profile-only".into(),
            )
            .into());
        }
        None
    } else if args.cluster.no_cluster {
        notes.push("cluster skipped (--no-cluster)".to_string());
        None
    } else {
        read_cluster(&args.cluster, profile, &mut notes)?
    };
    let mut baseline = if args.replay {
        Baseline::from_record(profile).ok_or_else(|| {
            InputError::Usage(format!(
                "--replay: profile {} ({}) has no recorded host snapshot (add a `host:` section with total, used and available)",
                profile.name, loaded.origin
            ))
        })?
    } else if args.profile_only {
        let (total, cpu) = match args.capacity {
            Some(c) => (c, None),
            None => {
                let b = host::to_baseline(&host::sample()?);
                (b.total, b.cpu_capacity)
            }
        };
        Baseline::from_profile(profile, total, cpu)
    } else if let Some(b) = snapshot.as_ref().and_then(cluster::baseline) {
        b
    } else {
        if snapshot.is_some() {
            notes.push(
                "the cluster's nodes could not be read: capacity and usage are this host's".to_string(),
            );
        }
        host::to_baseline(&host::sample()?)
    };
    baseline.notes.extend(notes);
    let gates = Gates {
        fail_on_tight: args.fail_on == Some(FailOn::Tight),
        max_used: args.max_used,
        min_available: args.min_available,
    };
    let mut report = check::check(profile, &baseline, &gates, snapshot.as_ref());
    if let Some(h) = history {
        crate::core::history::annotate_check(&mut report, h);
    }
    if !args.no_tiers {
        let (catalog, _) = files::load_catalog(args.tiers.as_deref())?;
        let rates = rates_for(&catalog, &[], &catalog.currency)?;
        let req = plan::Requirements {
            budget_cents: None,
            ha: false,
            min_headroom: default_headroom(profile),
            provider: None,
            clients: None,
            min_confidence: plan::Confidence::Unverified,
        };
        report.tiers = plan::options(&catalog, &rates, &catalog.currency, None)
            .iter()
            .filter(|o| o.kind == "tier")
            .map(|o| plan::evaluate(profile, o, &req, &catalog.currency))
            .collect();
    }
    // Streamed: a large cluster's JSON is never held in memory as one string.
    let opts = render_options(&args.output);
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let written = render::write_check(&report, &loaded.origin, &opts, &mut out).and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        r => r.context("writing to standard output")?,
    }
    Ok(if report.verdict.failed { Exit::GateFailed } else { Exit::Ok })
}

/// Connects and reads the cluster. `Ok(None)` when there is none to read and it is not
/// required (the reason goes into `notes`); exit 3 when it is required.
fn read_cluster(
    args: &ClusterArgs,
    profile: &crate::core::profile::Profile,
    notes: &mut Vec<String>,
) -> Result<Option<ClusterSnapshot>> {
    let opts = KubeOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        namespaces: args.namespaces.clone(),
        selector: args.selector.clone(),
        node_selector: args.node_selector.clone(),
        connect_timeout: Duration::from_secs(args.connect_timeout),
        request_timeout: Duration::from_secs(args.request_timeout),
        page_size: args.page_size,
        insecure_skip_tls_verify: args.insecure_skip_tls_verify,
        ..KubeOptions::default()
    };
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the runtime")?;
    runtime.block_on(async {
        match kube::connect(&opts).await? {
            Connection::NotConfigured(why) => {
                if args.require_cluster {
                    return Err(Unreachable(format!("--require-cluster: {why}")).into());
                }
                notes.push(format!("no cluster: {why}; planning from this host"));
                Ok(None)
            }
            Connection::Ready(client, target) => match kube::snapshot(&client, &target, profile, &opts).await
            {
                Ok(s) if args.require_cluster && !s.nodes_read && !s.pods_read => Err(Unreachable(format!(
                    "--require-cluster: neither nodes nor pods could be read from {} (context {:?}): {}",
                    s.server,
                    s.context,
                    s.missing.join("; ")
                ))
                .into()),
                Ok(s) => Ok(Some(s)),
                Err(e) if args.require_cluster => Err(e.into()),
                Err(e) => {
                    notes.push(format!("{e}; planning from this host"));
                    Ok(None)
                }
            },
        }
    })
}

/// With `--prometheus`: reads the usage history and applies it to the profile (the report
/// section to add is returned); without it, nothing.
fn with_history(
    args: &PrometheusArgs,
    profile: &mut crate::core::profile::Profile,
) -> Result<Option<crate::core::history::HistoryReport>> {
    let Some(url) = &args.prometheus else { return Ok(None) };
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let opts = crate::source::prometheus::Options {
        url: url.clone(),
        quantile: args.quantile.clone(),
        window: args.window.clone(),
        step: args.step.clone(),
        at_ms: args.at.unwrap_or(now_ms),
        timeout: Duration::from_secs(args.prometheus_timeout),
        require: args.require_prometheus,
    };
    let (applied, history) = crate::source::prometheus::read_history(&opts, profile)?;
    *profile = applied;
    Ok(Some(history))
}

fn render_options(o: &OutputArgs) -> RenderOptions {
    let tty = std::io::stdout().is_terminal();
    let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let width = o
        .width
        .or_else(|| if tty { comfy_table::Table::new().width() } else { None })
        .or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse().ok()))
        .unwrap_or(120)
        .max(40);
    RenderOptions {
        format: o.output,
        width,
        color: tty && !no_color_env && !o.no_color,
        explain: o.explain,
        all_rows: o.all_rows,
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn write_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("writing to standard output"),
    }
}
