//! Orchestration: gather inputs through the sources, run the core, render, write.

use std::io::{IsTerminal, Write};

use anyhow::{Context, Result};

use std::time::Duration;

use crate::cli::{CheckArgs, Cli, ClusterArgs, Command, FailOn, OutputArgs};
use crate::core::check::{self, Baseline, Gates};
use crate::core::cluster;
use crate::core::inventory::ClusterSnapshot;
use crate::error::{InputError, Unreachable};
use crate::exit::Exit;
use crate::render::{self, RenderOptions};
use crate::source::kube::{self, Connection, KubeOptions};
use crate::source::{files, host};

/// Runs a parsed command line and returns how the run ended.
pub fn run(cli: Cli) -> Result<Exit> {
    match cli.command {
        Command::Check(args) => run_check(&args),
        Command::Schema => {
            let schema = schemars::schema_for!(crate::core::profile::Profile);
            let mut text = serde_json::to_string_pretty(&schema).context("serializing the schema")?;
            text.push('\n');
            write_stdout(&text)?;
            Ok(Exit::Ok)
        }
    }
}

fn run_check(args: &CheckArgs) -> Result<Exit> {
    let loaded = files::load_profile(args.profile.as_deref())?;
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
    let report = check::check(profile, &baseline, &gates, snapshot.as_ref());
    let text = render::check(&report, &loaded.origin, &render_options(&args.output));
    write_stdout(&text)?;
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

fn render_options(o: &OutputArgs) -> RenderOptions {
    let tty = std::io::stdout().is_terminal();
    let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let width = o
        .width
        .or_else(|| if tty { comfy_table::Table::new().width() } else { None })
        .or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse().ok()))
        .unwrap_or(120)
        .max(40);
    RenderOptions { format: o.output, width, color: tty && !no_color_env && !o.no_color, explain: o.explain }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn write_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("writing to standard output"),
    }
}
