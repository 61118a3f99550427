//! Gathering: every planning command (`check`, `recommend`, `forecast`) reads its inputs here,
//! the same way: the profile, the catalog, the cluster(s), Prometheus history, a recording and
//! the what-if changes. One tokio runtime per run; the cluster and Prometheus reads run
//! concurrently. What could not be read is a note or a missing input, never a silent default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};

use crate::analysis::history::HistoryReport;
use crate::cli::{ClusterArgs, PrometheusArgs, RecordingArgs, WhatIfArgs};
use crate::error::{InputError, Unreachable};
use crate::model::catalog::{self, Catalog};
use crate::model::changes::{Change, parse_add, parse_replace};
use crate::model::inventory::ClusterSnapshot;
use crate::model::profile::Profile;
use crate::model::recording::{self, Stat, Summary};
use crate::report::cluster::{self as cluster_report, ContextRow};
use crate::source::files::{self, LoadedProfile};
use crate::source::kube::{self, Connection, KubeOptions};

/// What to read.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    /// `-p`.
    pub profile: Option<&'a Path>,
    /// `--tiers`.
    pub tiers: Option<&'a Path>,
    /// The cluster options, when a cluster may be read.
    pub cluster: Option<&'a ClusterArgs>,
    /// Prometheus.
    pub prometheus: &'a PrometheusArgs,
    /// A recording.
    pub recording: &'a RecordingArgs,
}

/// What was read.
#[derive(Debug)]
pub struct Gathered {
    /// The profile.
    pub loaded: LoadedProfile,
    /// The catalog (tiers, plans, distributions).
    pub catalog: Catalog,
    /// Where it came from.
    pub catalog_origin: String,
    /// The cluster read (one context).
    pub snapshot: Option<ClusterSnapshot>,
    /// Several contexts: each cluster read, or why not, in the order asked for.
    pub clusters: Vec<ClusterRead>,
    /// One row per context of a several-cluster read.
    pub contexts: Vec<ContextRow>,
    /// Prometheus history: the profile with its figures, and the section.
    pub history: Option<(Profile, HistoryReport)>,
    /// `--rightsize`: the services' right-sized figures.
    pub rightsized: Option<Vec<crate::analysis::rightsize::RightSized>>,
    /// A recording, summarized.
    pub recording: Option<Summary>,
    /// Notes for the report.
    pub notes: Vec<String>,
    /// Inputs that were wanted and could not be read.
    pub missing: Vec<String>,
}

/// One cluster of a several-cluster read.
#[derive(Debug)]
pub struct ClusterRead {
    /// kubeconfig context.
    pub context: String,
    /// What was read.
    pub snapshot: Option<ClusterSnapshot>,
    /// Why it could not be read.
    pub error: Option<String>,
}

/// Reads everything `s` names.
pub fn gather(s: &Sources<'_>) -> Result<Gathered> {
    let loaded = files::load_profile(s.profile)?;
    let (catalog, catalog_origin) = files::load_catalog(s.tiers)?;
    let recording = match &s.recording.samples {
        Some(path) => Some(load_samples(path, s.recording.sample_stat)?),
        None => None,
    };
    let mut notes = Vec::new();
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the runtime")?;
    let profile = loaded.profile.clone();
    let prom = s.prometheus.clone();
    let (cluster, history) = runtime.block_on(async {
        let cluster = async {
            let mut notes = Vec::new();
            let mut missing = Vec::new();
            let r = match s.cluster {
                None => Ok((None, Vec::new(), Vec::new())),
                Some(c) if c.no_cluster => {
                    notes.push("cluster skipped (--no-cluster)".to_string());
                    Ok((None, Vec::new(), Vec::new()))
                }
                Some(c) if c.context.len() > 1 || c.all_contexts => {
                    read_clusters(c, &loaded.profile, &mut notes)
                        .await
                        .map(|(reads, rows)| (None, reads, rows))
                }
                Some(c) => read_cluster(c, &loaded.profile, WITHOUT_CLUSTER, &mut notes, &mut missing)
                    .await
                    .map(|s| (s, Vec::new(), Vec::new())),
            };
            (r, notes, missing)
        };
        // The Prometheus client blocks on its own queries; it runs beside the cluster read.
        let history = tokio::task::spawn_blocking(move || {
            let h = read_history(&prom, &profile)?;
            let r = read_rightsize(&prom, &profile)?;
            Ok::<_, anyhow::Error>((h, r))
        });
        let (c, h) = tokio::join!(cluster, history);
        (c, h)
    });
    let ((snapshot, clusters, contexts), cluster_notes, unreachable) = match cluster {
        (Ok(v), n, m) => (v, n, m),
        (Err(e), _, _) => return Err(e),
    };
    notes.extend(cluster_notes);
    let (history, rightsized) = history.context("the Prometheus reader stopped")??;
    let rightsized = rightsized.map(|(sized, note)| {
        notes.push(note);
        sized
    });
    let mut missing: Vec<String> = snapshot.as_ref().map(|s| s.missing.clone()).unwrap_or_default();
    missing.extend(unreachable);
    if let Some((_, h)) = &history {
        notes.push(h.summary());
        if let Some(e) = &h.error {
            missing.push(e.clone());
        }
    }
    Ok(Gathered {
        loaded,
        catalog,
        catalog_origin,
        snapshot,
        clusters,
        contexts,
        history,
        rightsized,
        recording,
        notes,
        missing,
    })
}

/// The kube client's options.
pub fn kube_options(args: &ClusterArgs) -> KubeOptions {
    KubeOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.first().cloned(),
        namespaces: args.namespaces.clone(),
        selector: args.selector.clone(),
        node_selector: args.node_selector.clone(),
        connect_timeout: Duration::from_secs(args.connect_timeout),
        request_timeout: Duration::from_secs(args.request_timeout),
        timeout: Duration::from_secs(args.timeout),
        page_size: args.page_size,
        parallel_lists: args.parallel_lists,
        insecure_skip_tls_verify: args.insecure_skip_tls_verify,
        ..KubeOptions::default()
    }
}

/// What the planning commands do without a cluster, said after why there is none.
pub const WITHOUT_CLUSTER: &str = "planning from this host";

/// Connects and reads the cluster. `Ok(None)` when there is none to read and it is not
/// required (the reason goes into `notes`, followed by `without`: what the command does
/// instead; a configured cluster that cannot be reached is also a missing input, with its
/// reason); exit 3 when it is required.
pub async fn read_cluster(
    args: &ClusterArgs,
    profile: &Profile,
    without: &str,
    notes: &mut Vec<String>,
    missing: &mut Vec<String>,
) -> Result<Option<ClusterSnapshot>> {
    let opts = kube_options(args);
    let (client, target) = match kube::connect(&opts).await? {
        Connection::NotConfigured(why) => {
            if args.require_cluster {
                return Err(Unreachable(format!("--require-cluster: {why}")).into());
            }
            notes.push(format!("no cluster: {why}; {without}"));
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
        Ok(s) => {
            let scoped = !args.namespaces.is_empty() || args.selector.is_some();
            let a = &s.aggregate;
            let in_scope: u64 =
                a.services.iter().chain(a.unmatched.iter().map(|(_, g)| g)).map(|g| g.pods).sum();
            if scoped && s.pods_read && in_scope == 0 {
                let mut what = Vec::new();
                if !args.namespaces.is_empty() {
                    what.push(format!("-n {}", args.namespaces.join(" -n ")));
                }
                if let Some(l) = &args.selector {
                    what.push(format!("-l {l}"));
                }
                let w = format!(
                    "the scope {} matches no pod in {} (context {}): a typo? nothing in it is counted",
                    what.join(" "),
                    s.server,
                    s.context
                );
                if args.require_cluster {
                    return Err(InputError::Usage(format!("--require-cluster: {w}")).into());
                }
                eprintln!("bizo-plan: warning: {w}");
                notes.push(format!("WARNING: {w}"));
            }
            Ok(Some(s))
        }
        // Bad input (an API 400 on a bad selector) is exit 2 whatever the flags.
        Err(e) if args.require_cluster || e.is::<InputError>() => Err(e),
        Err(e) => {
            notes.push(format!("{e}; {without}"));
            missing.push(format!("{e}"));
            Ok(None)
        }
    }
}

/// Several clusters, read concurrently: each read, or why not, and one row per context (with
/// their total last). One unreachable context is reported and does not stop the others;
/// `--require-cluster` fails when any cannot be read (exit 3), unless `--allow-unreachable`.
async fn read_clusters(
    args: &ClusterArgs,
    profile: &Profile,
    notes: &mut Vec<String>,
) -> Result<(Vec<ClusterRead>, Vec<ContextRow>)> {
    let names =
        if args.all_contexts { kube::context_names(&kube_options(args))? } else { args.context.clone() };
    if names.is_empty() {
        return Err(InputError::Usage("--all-contexts: the kubeconfig has no contexts".into()).into());
    }
    let results = futures::future::join_all(names.iter().map(|name| {
        let one = ClusterArgs { context: vec![name.clone()], require_cluster: true, ..args.clone() };
        async move {
            let (mut notes, mut missing) = (Vec::new(), Vec::new());
            let r = read_cluster(&one, profile, WITHOUT_CLUSTER, &mut notes, &mut missing).await;
            (name.clone(), r, notes)
        }
    }))
    .await;
    let mut rows = Vec::new();
    let mut reads = Vec::new();
    for (name, r, ctx_notes) in results {
        notes.extend(ctx_notes.into_iter().map(|n| format!("{name}: {n}")));
        match r {
            Ok(Some(s)) => {
                rows.push(cluster_report::context_row(&s));
                reads.push(ClusterRead { context: name, snapshot: Some(s), error: None });
            }
            Ok(None) => {
                rows.push(cluster_report::unreadable_row(&name, "not configured".into()));
                reads.push(ClusterRead {
                    context: name,
                    snapshot: None,
                    error: Some("not configured".into()),
                });
            }
            Err(e) => {
                let why = format!("{e:#}").replace("--require-cluster: ", "");
                rows.push(cluster_report::unreadable_row(&name, why.clone()));
                reads.push(ClusterRead { context: name, snapshot: None, error: Some(why) });
            }
        }
    }
    let unread: Vec<String> =
        reads.iter().filter_map(|r| r.error.as_ref().map(|e| format!("{}: {e}", r.context))).collect();
    if args.require_cluster && !args.allow_unreachable && !unread.is_empty() {
        return Err(Unreachable(format!(
            "--require-cluster: {} of the {} context(s) could not be read (--allow-unreachable to check the others): {}",
            unread.len(),
            reads.len(),
            unread.join("; ")
        ))
        .into());
    }
    if reads.iter().all(|r| r.snapshot.is_none()) && args.require_cluster {
        return Err(Unreachable(format!(
            "--require-cluster: none of the {} context(s) could be read: {}",
            reads.len(),
            unread.join("; ")
        ))
        .into());
    }
    let read = reads.iter().filter(|r| r.snapshot.is_some()).count();
    if read < reads.len() {
        notes.push(format!("{read} of {} clusters read", reads.len()));
    }
    rows.push(cluster_report::total_row(&rows));
    Ok((reads, rows))
}

/// Reads a recording and summarizes it at `stat`.
pub fn load_samples(path: &Path, stat: Stat) -> Result<Summary> {
    let text = files::read_text(path)?;
    let rec = recording::parse(&text).map_err(|(line, msg)| InputError::Read {
        origin: format!("{}:{line}", path.display()),
        reason: format!("not a bizo-plan sample: {msg}"),
    })?;
    Ok(recording::summarize(&rec, stat))
}

/// The Prometheus source's options from the flags (None without `--prometheus`).
pub fn prometheus_options(args: &PrometheusArgs) -> Option<crate::source::prometheus::Options> {
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

/// With `--prometheus`: the usage history, and the profile with its figures; without it, none.
fn read_history(args: &PrometheusArgs, profile: &Profile) -> Result<Option<(Profile, HistoryReport)>> {
    let Some(opts) = prometheus_options(args) else { return Ok(None) };
    Ok(Some(crate::source::prometheus::read_history(&opts, profile)?))
}

/// With `--rightsize`: the per-container history over the same window, the strategy's
/// recommendations, summed per profile service, and the note saying so.
pub fn read_rightsize(
    args: &PrometheusArgs,
    profile: &Profile,
) -> Result<Option<(Vec<crate::analysis::rightsize::RightSized>, String)>> {
    use crate::analysis::rightsize;
    let (Some(strategy), Some(opts)) = (args.rightsize, prometheus_options(args)) else { return Ok(None) };
    let opts = crate::source::prometheus::Options { require: true, ..opts };
    let ep = crate::source::prometheus::endpoint_for(&opts)?;
    let (raw, _) = crate::source::prometheus::read_usage(&opts)?;
    let (workloads, _) = crate::source::usage::to_workloads(raw);
    let settings = rightsize::Settings { allow_hpa: false, at_ms: opts.at_ms };
    let recs: Vec<_> = workloads.iter().flat_map(|w| rightsize::recommend(strategy, w, &settings)).collect();
    let sized = rightsize::per_service(profile, &workloads, &recs);
    let note = crate::report::rightsize::planning_note(
        strategy,
        &format!("Prometheus at {}", ep.base),
        &opts.window,
        &crate::analysis::history::format_rfc3339(opts.at_ms),
        &sized,
        workloads.len(),
    );
    Ok(Some((sized, note)))
}

/// What-if changes asked for on the command line and in a scenario file.
#[derive(Debug, Clone)]
pub struct WhatIfRequest {
    /// Scenario name, or `command line`.
    pub name: String,
    /// Scenario description.
    pub description: Option<String>,
    /// The changes, in order.
    pub changes: Vec<Change>,
}

/// The what-if changes asked for, or None.
pub fn what_if_changes(args: &WhatIfArgs) -> Result<Option<WhatIfRequest>> {
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
    changes.extend(args.remove.iter().map(|n| Change::Remove(n.clone())));
    for spec in &args.replace {
        changes.push(parse_replace(spec).map_err(InputError::Usage)?);
    }
    for spec in &args.add {
        changes.push(parse_add(spec).map_err(InputError::Usage)?);
    }
    if args.scenario.is_some() && !(args.add.is_empty() && args.remove.is_empty() && args.replace.is_empty())
    {
        name = format!("{name} + command line");
    }
    Ok(Some(WhatIfRequest { name, description, changes }))
}

/// The catalog's exchange rates with `--rate CODE=VALUE` overrides, checked against `currency`.
pub fn rates_for(catalog: &Catalog, overrides: &[String], currency: &str) -> Result<BTreeMap<String, u64>> {
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

/// A path for messages.
pub fn shown(p: &Option<PathBuf>) -> String {
    p.as_deref().map(|p| p.display().to_string()).unwrap_or_default()
}
