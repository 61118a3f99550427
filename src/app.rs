//! Orchestration: gather inputs through the sources, run the core, render, write.

use std::io::{IsTerminal, Write};

use anyhow::{Context, Result};

use std::time::Duration;

use crate::cli::{
    CheckArgs, Cli, ClusterArgs, Command, FailOn, ForecastArgs, GenerateArgs, OutputArgs, ProfileCommand,
    PrometheusArgs, RecommendArgs, SampleArgs, WhatIfArgs,
};
use crate::core::{forecast, whatif};
use std::collections::BTreeMap;

use crate::core::check::{self, Baseline, Gates};
use crate::core::cluster;
use crate::core::plan;
use crate::error::{InputError, Unreachable};
use crate::exit::Exit;
use crate::model::catalog::{self, Catalog};
use crate::model::inventory::ClusterSnapshot;
use crate::model::ratio::Ratio;
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
        Command::Forecast(args) => run_forecast(&args),
        Command::Sample(args) => run_sample(&args),
        Command::Schema { tiers } => {
            let schema = if tiers {
                schemars::schema_for!(crate::model::catalog::Catalog)
            } else {
                schemars::schema_for!(crate::model::profile::Profile)
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

/// What-if changes asked for on the command line and in a scenario file.
struct WhatIfRequest {
    name: String,
    description: Option<String>,
    changes: Vec<whatif::Change>,
}

/// The what-if changes asked for, or None.
fn what_if_changes(args: &WhatIfArgs) -> Result<Option<WhatIfRequest>> {
    if args.is_empty() {
        return Ok(None);
    }
    let mut changes = Vec::new();
    let (mut name, mut description) = ("command line".to_string(), None);
    if let Some(path) = &args.scenario {
        let sc = files::load_scenario(path)?;
        changes.extend(
            sc.to_changes().map_err(|e| InputError::Usage(format!("--scenario {}: {e}", path.display())))?,
        );
        name = sc.name;
        description = sc.description;
    }
    changes.extend(args.remove.iter().map(|n| whatif::Change::Remove(n.clone())));
    for spec in &args.replace {
        changes.push(whatif::parse_replace(spec).map_err(InputError::Usage)?);
    }
    for spec in &args.add {
        changes.push(whatif::parse_add(spec).map_err(InputError::Usage)?);
    }
    if args.scenario.is_some() && !(args.add.is_empty() && args.remove.is_empty() && args.replace.is_empty())
    {
        name = format!("{name} + command line");
    }
    Ok(Some(WhatIfRequest { name, description, changes }))
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
    let rates = catalog::parse_rates(&catalog.currency, &raw)
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
fn default_headroom(profile: &crate::model::profile::Profile) -> Ratio {
    Ratio(crate::model::ratio::ONE.saturating_sub(profile.policy.warn_used_percent.0))
}

fn run_forecast(args: &ForecastArgs) -> Result<Exit> {
    let mut loaded = files::load_profile(args.profile.as_deref())?;
    if let Some(WhatIfRequest { name, changes, .. }) = what_if_changes(&args.what_if)? {
        loaded.profile = whatif::apply(&loaded.profile, &changes).map_err(InputError::Usage)?.0;
        loaded.origin = format!("{} with what-if {name}", loaded.origin);
    }
    let growth =
        forecast::parse_growth(&args.growth).map_err(|e| InputError::Usage(format!("--growth {e}")))?;
    let client_growth = forecast::parse_growth(&args.client_growth)
        .map_err(|e| InputError::Usage(format!("--client-growth {e}")))?;
    if args.clients.is_some() && !loaded.profile.services.iter().any(|s| s.per_client.is_some()) {
        return Err(InputError::Usage(format!(
            "--clients: profile {} gives no perClient costs, so client demand cannot be computed",
            loaded.profile.name
        ))
        .into());
    }
    let (catalog, catalog_origin) = files::load_catalog(args.tiers.as_deref())?;
    let currency = args.currency.trim().to_ascii_uppercase();
    let rates = rates_for(&catalog, &[], &currency)?;
    let req = plan::Requirements {
        budget_cents: None,
        ha: false,
        min_headroom: args.min_headroom.unwrap_or_else(|| default_headroom(&loaded.profile)),
        provider: None,
        clients: None,
        min_confidence: plan::Confidence::Unverified,
    };
    let tiers: Vec<plan::CandidateOption> =
        plan::options(&catalog, &rates, &currency, None).into_iter().filter(|o| o.kind == "tier").collect();
    let input = forecast::Input { months: args.months, growth, clients: args.clients, client_growth };
    let f = forecast::forecast(&loaded.profile, &tiers, &req, &currency, &input);
    let text = render::forecast(&f, &loaded.origin, &catalog_origin, &render_options(&args.output));
    write_stdout(&text)?;
    Ok(Exit::Ok)
}

fn run_recommend(args: &RecommendArgs) -> Result<Exit> {
    let mut loaded = files::load_profile(args.profile.as_deref())?;
    let history = with_history(&args.prometheus, &mut loaded.profile)?;
    let mut unchanged = None;
    if let Some(WhatIfRequest { name, changes, .. }) = what_if_changes(&args.what_if)? {
        let (after, applied) = whatif::apply(&loaded.profile, &changes).map_err(InputError::Usage)?;
        let before = std::mem::replace(&mut loaded.profile, after);
        let list: Vec<String> = applied.iter().map(whatif::Applied::describe).collect();
        loaded.origin = format!("{} with what-if {name} ({})", loaded.origin, list.join("; "));
        unchanged = Some((before, name, applied));
    }
    let (catalog, catalog_origin) = files::load_catalog(args.tiers.as_deref())?;
    let currency = args.currency.trim().to_ascii_uppercase();
    let rates = rates_for(&catalog, &args.rates, &currency)?;
    let budget_cents = match &args.budget {
        Some(b) => Some(
            catalog::Price::parse(b, &currency)
                .map_err(|e| InputError::Usage(format!("--budget: {e}")))
                .and_then(|p| {
                    catalog::convert(&p, &currency, &rates).ok_or_else(|| {
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
            .or(args.max_used.map(|u| Ratio(crate::model::ratio::ONE.saturating_sub(u.0))))
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
    if let Some((before, name, applied)) = &unchanged {
        let rec_before = plan::recommend(before, &catalog, &rates, &currency, &req);
        rec.what_if = Some(whatif::compare_recommendations(name, applied, &rec_before, &rec));
    }
    if let Some(h) = history {
        crate::core::history::annotate_recommendation(&mut rec, h);
    }
    let opts = render_options(&args.output);
    let text = render::recommend(&rec, &loaded.origin, &catalog_origin, args.show_rejected, &opts);
    write_stdout(&text)?;
    Ok(if rec.pick.is_some() { Exit::Ok } else { Exit::GateFailed })
}

fn run_generate(args: &GenerateArgs) -> Result<Exit> {
    if args.prometheus.prometheus.is_some() {
        return generate_from_history(args);
    }
    if args.cluster.no_cluster {
        return Err(InputError::Usage(
            "profile generate reads a cluster; --no-cluster makes no sense here".into(),
        )
        .into());
    }
    let empty = crate::model::profile::Profile {
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
    let mut notes = Vec::new();
    let mut contexts = Vec::new();
    let recorded = match &args.samples {
        Some(path) => Some(load_samples(path, &args.sample_stat)?),
        None => None,
    };
    let sampled_profile;
    let profile = match &recorded {
        Some(summary) => {
            let (p, changed) = crate::model::recording::apply(&loaded.profile, summary);
            if !changed.is_empty() {
                notes.push(format!(
                    "figures from the recording ({} of {} sample(s)) for: {}",
                    summary.stat,
                    summary.samples,
                    changed.join(", ")
                ));
            }
            sampled_profile = p;
            &sampled_profile
        }
        None => &loaded.profile,
    };
    let snapshot = if args.replay || args.profile_only || args.samples.is_some() {
        if args.cluster.require_cluster {
            return Err(InputError::Usage(
                "--require-cluster cannot be combined with --replay, --profile-only or --samples".into(),
            )
            .into());
        }
        None
    } else if args.cluster.no_cluster {
        notes.push("cluster skipped (--no-cluster)".to_string());
        None
    } else if args.cluster.context.len() > 1 || args.cluster.all_contexts {
        let (snap, rows) = read_clusters(&args.cluster, profile, &mut notes)?;
        contexts = rows;
        snap
    } else {
        read_cluster(&args.cluster, profile, &mut notes)?
    };
    let mut baseline = if let Some(summary) = &recorded {
        crate::model::recording::baseline(summary, None).ok_or_else(|| {
            InputError::Usage(format!(
                "--samples {}: the recording has no host figures",
                args.samples.as_deref().map(|p| p.display().to_string()).unwrap_or_default()
            ))
        })?
    } else if args.replay {
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
    report.contexts = contexts;
    let changed;
    let mut profile = profile;
    if let Some(WhatIfRequest { name, description, changes }) = what_if_changes(&args.what_if)? {
        let (after_profile, applied) = whatif::apply(profile, &changes).map_err(InputError::Usage)?;
        let after_baseline = whatif::adjust_baseline(&baseline, &report, &applied);
        let after_snapshot = snapshot.as_ref().map(|s| whatif::remap_snapshot(s, profile, &after_profile));
        let after = check::check(&after_profile, &after_baseline, &gates, after_snapshot.as_ref());
        let w = whatif::compare(&name, description.as_deref(), &report, &after, &applied, &after_profile);
        report = after;
        report.what_if = Some(w);
        changed = after_profile;
        profile = &changed;
    }
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
    profile: &crate::model::profile::Profile,
    notes: &mut Vec<String>,
) -> Result<Option<ClusterSnapshot>> {
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the runtime")?;
    runtime.block_on(read_cluster_async(args, profile, notes))
}

fn kube_options(args: &ClusterArgs) -> KubeOptions {
    KubeOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.first().cloned(),
        namespaces: args.namespaces.clone(),
        selector: args.selector.clone(),
        node_selector: args.node_selector.clone(),
        connect_timeout: Duration::from_secs(args.connect_timeout),
        request_timeout: Duration::from_secs(args.request_timeout),
        page_size: args.page_size,
        insecure_skip_tls_verify: args.insecure_skip_tls_verify,
        ..KubeOptions::default()
    }
}

async fn read_cluster_async(
    args: &ClusterArgs,
    profile: &crate::model::profile::Profile,
    notes: &mut Vec<String>,
) -> Result<Option<ClusterSnapshot>> {
    let opts = kube_options(args);
    let (client, target) = match kube::connect(&opts).await? {
        Connection::NotConfigured(why) => {
            if args.require_cluster {
                return Err(Unreachable(format!("--require-cluster: {why}")).into());
            }
            notes.push(format!("no cluster: {why}; planning from this host"));
            return Ok(None);
        }
        Connection::Ready(client, target) => (client, target),
    };
    notes.extend(target.warnings.iter().map(|w| format!("WARNING: {w}")));
    match kube::snapshot(&client, &target, profile, &opts).await {
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
    }
}

/// Reads a recording and summarizes it at `stat`.
fn load_samples(path: &std::path::Path, stat: &str) -> Result<crate::model::recording::Summary> {
    use crate::model::recording;
    let stat = recording::Stat::parse(stat).map_err(|e| InputError::Usage(format!("--sample-stat {e}")))?;
    let text = files::read_text(path)?;
    let rec = recording::parse(&text).map_err(|(line, msg)| InputError::Read {
        origin: format!("{}:{line}", path.display()),
        reason: format!("not a bizo-plan sample: {msg}"),
    })?;
    Ok(recording::summarize(&rec, stat))
}

/// Several clusters, read concurrently: the combined snapshot (None when none could be read)
/// and one row per context. One unreachable context is reported and does not stop the others.
fn read_clusters(
    args: &ClusterArgs,
    profile: &crate::model::profile::Profile,
    notes: &mut Vec<String>,
) -> Result<(Option<ClusterSnapshot>, Vec<cluster::ContextRow>)> {
    let names =
        if args.all_contexts { kube::context_names(&kube_options(args))? } else { args.context.clone() };
    if names.is_empty() {
        return Err(InputError::Usage("--all-contexts: the kubeconfig has no contexts".into()).into());
    }
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the runtime")?;
    let results = runtime.block_on(futures::future::join_all(names.iter().map(|name| {
        let one = ClusterArgs { context: vec![name.clone()], require_cluster: true, ..args.clone() };
        async move {
            let mut notes = Vec::new();
            let r = read_cluster_async(&one, profile, &mut notes).await;
            (name.clone(), r, notes)
        }
    })));
    let mut rows = Vec::new();
    let mut snaps = Vec::new();
    for (name, r, ctx_notes) in results {
        notes.extend(ctx_notes.into_iter().map(|n| format!("{name}: {n}")));
        match r {
            Ok(Some(s)) => {
                rows.push(cluster::context_row(&s));
                snaps.push(s);
            }
            Ok(None) => rows.push(cluster::unreadable_row(&name, "not configured".into())),
            Err(e) => {
                let why = format!("{e:#}").replace("--require-cluster: ", "");
                notes.push(format!("context {name}: {why}"));
                rows.push(cluster::unreadable_row(&name, why));
            }
        }
    }
    if snaps.is_empty() && args.require_cluster {
        return Err(Unreachable(format!(
            "--require-cluster: none of the {} context(s) could be read: {}",
            rows.len(),
            rows.iter()
                .filter_map(|r| r.error.as_ref().map(|e| format!("{}: {e}", r.context)))
                .collect::<Vec<_>>()
                .join("; ")
        ))
        .into());
    }
    let read = snaps.len();
    let combined = cluster::combine(snaps);
    if read < rows.len() {
        notes.push(format!("{read} of {} clusters read; the totals are of the clusters read", rows.len()));
    }
    Ok((combined, rows))
}

/// `sample`: one JSON line per snapshot, flushed as it is taken; Ctrl-C stops between or
/// during snapshots and leaves only complete lines.
fn run_sample(args: &SampleArgs) -> Result<Exit> {
    let every = parse_duration(&args.every).map_err(|e| InputError::Usage(format!("--every {e}")))?;
    let span = parse_duration(&args.for_).map_err(|e| InputError::Usage(format!("--for {e}")))?;
    if every.is_zero() {
        return Err(InputError::Usage("--every must be more than 0s".into()).into());
    }
    let count = (span.as_millis() / every.as_millis()).max(1) as u64;
    let loaded = files::load_profile(args.profile.as_deref())?;
    let mut file =
        std::fs::OpenOptions::new().create(true).append(true).open(&args.out).map_err(|e| {
            InputError::Read { origin: args.out.display().to_string(), reason: e.to_string() }
        })?;
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the runtime")?;
    let out_name = args.out.display().to_string();
    let taken = runtime.block_on(async {
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        let mut taken = 0u64;
        for k in 0..count {
            let started = std::time::Instant::now();
            let take = take_sample(args, &loaded.profile);
            let sample = tokio::select! {
                s = take => s?,
                _ = &mut ctrl_c => {
                    eprintln!("bizo-plan: interrupted during sample {}; {taken} complete sample(s) in {out_name}", k + 1);
                    return Ok::<u64, anyhow::Error>(taken);
                }
            };
            let mut line = serde_json::to_string(&sample).context("serializing a sample")?;
            line.push('\n');
            file.write_all(line.as_bytes())
                .and_then(|()| file.sync_data())
                .with_context(|| format!("writing {out_name}"))?;
            taken += 1;
            eprintln!(
                "sample {}/{count}: host used {}{}",
                k + 1,
                sample.host.map_or("n/a".to_string(), |h| crate::model::quantity::Bytes(h.used).to_string()),
                sample.cluster.as_ref().map_or(String::new(), |c| format!(
                    ", cluster {} used {} of {}",
                    c.context,
                    c.used.map_or("n/a".to_string(), |u| crate::model::quantity::Bytes(u).to_string()),
                    crate::model::quantity::Bytes(c.allocatable)
                ))
            );
            if k + 1 == count {
                break;
            }
            let wait = every.saturating_sub(started.elapsed());
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = &mut ctrl_c => {
                    eprintln!("bizo-plan: interrupted; {taken} complete sample(s) in {out_name}");
                    return Ok(taken);
                }
            }
        }
        Ok(taken)
    })?;
    if taken == 0 {
        eprintln!("bizo-plan: no sample was recorded");
    }
    Ok(Exit::Ok)
}

async fn take_sample(
    args: &SampleArgs,
    profile: &crate::model::profile::Profile,
) -> Result<crate::model::recording::Sample> {
    use crate::model::recording::{ClusterSample, HostSample, Sample};
    let time =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let host = host::sample().ok().map(|raw| {
        let b = host::to_baseline(&raw);
        HostSample {
            total: b.total.0,
            used: b.used.0,
            available: b.available.0,
            cpu_used: b.cpu_used.map(|c| c.0),
        }
    });
    let cluster = if args.cluster.no_cluster {
        None
    } else {
        let mut notes = Vec::new();
        read_cluster_async(&args.cluster, profile, &mut notes).await?.and_then(|snap| {
            let b = cluster::baseline(&snap)?;
            let services = profile
                .services
                .iter()
                .zip(&snap.aggregate.services)
                .filter(|(_, g)| snap.pod_metrics_read && g.pods_with_metrics > 0)
                .map(|(s, g)| (s.name.clone(), g.usage.mem.0))
                .collect();
            Some(ClusterSample {
                context: snap.context.clone(),
                allocatable: b.total.0,
                used: snap.node_metrics_read.then_some(b.used.0),
                services,
            })
        })
    };
    Ok(Sample { time, host, cluster })
}

/// `10s`, `5m`, `1h`, `500ms`, or plain seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (num, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, "s"),
    };
    let n: u64 = num.parse().map_err(|_| format!("{s:?}: expected a duration such as 10s, 5m or 1h"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n.saturating_mul(60))),
        "h" => Ok(Duration::from_secs(n.saturating_mul(3600))),
        _ => Err(format!("{s:?}: unknown unit {unit:?} (ms, s, m, h)")),
    }
}

/// `profile generate --prometheus URL`: a profile from the history alone, no cluster.
fn generate_from_history(args: &GenerateArgs) -> Result<Exit> {
    let Some(opts) = prometheus_options(&args.prometheus) else { return Ok(Exit::Ok) };
    let opts = crate::source::prometheus::Options { require: true, ..opts };
    let ep = crate::source::prometheus::endpoint_for(&opts)?;
    let read = match crate::source::prometheus::read_samples(&opts, &ep)? {
        Ok(r) => r,
        Err(msg) => return Err(Unreachable(msg).into()),
    };
    let spec = crate::core::history::Spec {
        source: format!("Prometheus at {}", ep.base),
        quantile: opts.quantile.clone(),
        window: opts.window.clone(),
        step: opts.step.clone(),
        at_ms: opts.at_ms,
    };
    let name = args.name.clone().unwrap_or_else(|| "from-prometheus".to_string());
    let profile = crate::core::history::generate_profile(&name, &spec, &read.samples);
    let mut text = format!(
        "# Generated by bizo-plan profile generate from {} ({}); edit freely (check -p loads it as is).\n# {}\n",
        spec.source,
        spec.describe(),
        read.stats.describe()
    );
    for w in &read.samples.warnings {
        text.push_str(&format!("# WARNING: {w}\n"));
    }
    text.push_str(
        &crate::yaml::to_string(&profile).map_err(|e| anyhow::anyhow!("serializing the profile: {e}"))?,
    );
    files::parse_profile(&text, "<generated profile>").context("the generated profile does not load")?;
    match &args.out {
        Some(p) => std::fs::write(p, &text).with_context(|| format!("writing {}", p.display()))?,
        None => write_stdout(&text)?,
    }
    Ok(Exit::Ok)
}

/// The source's options from the flags (None without `--prometheus`).
fn prometheus_options(args: &PrometheusArgs) -> Option<crate::source::prometheus::Options> {
    let url = args.prometheus.as_ref()?;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    Some(crate::source::prometheus::Options {
        url: url.clone(),
        quantile: args.quantile.clone(),
        window: args.window.clone(),
        step: args.step.clone(),
        at_ms: args.at.unwrap_or(now_ms),
        timeout: Duration::from_secs(args.prometheus_timeout),
        require: args.require_prometheus,
        max_samples: args.prometheus_max_samples,
        concurrency: usize::try_from(args.prometheus_concurrency).unwrap_or(4),
        headers: args.prometheus_header.clone(),
        bearer_token_file: args.prometheus_bearer_token_file.clone(),
        ca_file: args.prometheus_ca_file.clone(),
    })
}

/// With `--prometheus`: reads the usage history and applies it to the profile (the report
/// section to add is returned); without it, nothing.
fn with_history(
    args: &PrometheusArgs,
    profile: &mut crate::model::profile::Profile,
) -> Result<Option<crate::core::history::HistoryReport>> {
    let Some(opts) = prometheus_options(args) else { return Ok(None) };
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
