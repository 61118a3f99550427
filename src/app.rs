//! Orchestration: each command is gather → assess → analyse → report → render. Gathering (the
//! sources, one runtime) is in [`crate::gather`]; the model and the analysis are pure; the
//! reports are built in one constructor each; the render layer lays them out.

use std::io::{IsTerminal, Write};

use anyhow::{Context, Result};

use crate::analysis::assess;
use crate::analysis::check::{self as projection, Gates};
use crate::analysis::demand::{Demand, Source, State};
use crate::analysis::forecast;
use crate::analysis::node::{self, Learned};
use crate::analysis::plan::{self, Models, Planner, Requirements};
use crate::analysis::whatif;
use crate::cli::{
    CheckArgs, Cli, ClusterArgs, Command, FailOn, ForecastArgs, GenerateArgs, OutputArgs, ProfileCommand,
    RecommendArgs, SampleArgs,
};
use crate::error::{InputError, Unreachable};
use crate::exit::Exit;
use crate::gather::{self, Gathered, Sources, WhatIfRequest, rates_for, what_if_changes};
use crate::model::baseline::Baseline;
use crate::model::catalog::{self, Catalog};
use crate::model::node::SystemSpec;
use crate::model::ratio::Ratio;
use crate::render::{self, RenderOptions};
use crate::report::check::{CheckReport, Parts, SystemSection};
use crate::report::node::{OverheadLine, line, single_node_lines};
use crate::report::plan::{OptionRow, RecommendReport};
use crate::report::whatif::{RecommendWhatIf, WhatIf, describe, freed_notes};
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
        Command::Rightsize(args) => run_rightsize(&args),
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
            write_stdout(&crate::ecosystem::completion(shell))?;
            Ok(Exit::Ok)
        }
        Command::Man { out: None } => {
            write_stdout(&String::from_utf8_lossy(&crate::ecosystem::man_page()?))?;
            Ok(Exit::Ok)
        }
        Command::Man { out: Some(dir) } => {
            let written = crate::ecosystem::write_man_pages(&dir)?;
            let list: String = written.iter().map(|p| format!("{}\n", p.display())).collect();
            write_stdout(&list)?;
            Ok(Exit::Ok)
        }
    }
}

/// The headroom required by default: 100% minus the policy's warn threshold.
fn default_headroom(demand: &Demand) -> Ratio {
    Ratio(crate::model::ratio::ONE.saturating_sub(demand.policy.warn_used_percent.0))
}

/// The assessment every planning command makes of what it gathered: one demand, the node model
/// of every distribution (learned from the cluster when one was read).
struct Assessed {
    demand: Demand,
    models: Models,
    learned: Option<Learned>,
    system: SystemSpec,
}

fn assess(
    g: &Gathered,
    snapshot: Option<&crate::model::inventory::ClusterSnapshot>,
    cli_system: &SystemSpec,
) -> Assessed {
    let profile = &g.loaded.profile;
    let (demand, _) = assess::demand(
        profile,
        assess::Gathered {
            history: g.history.as_ref().map(|(p, h)| (p, h)),
            recording: g.recording.as_ref(),
            cluster: snapshot,
            rightsized: g.rightsized.as_deref(),
        },
    );
    let (models, learned, system) = node_models(profile, &g.catalog, snapshot, cli_system);
    Assessed { demand, models, learned, system }
}

/// The node model of every distribution for `profile`'s stack: the catalog's, the profile's
/// `system:` and the command line's overrides, and what a cluster read teaches (its measured
/// overhead and system pods). Also what was learned, and the system spec in force.
fn node_models(
    profile: &crate::model::profile::Profile,
    catalog: &Catalog,
    snapshot: Option<&crate::model::inventory::ClusterSnapshot>,
    cli_system: &SystemSpec,
) -> (Models, Option<Learned>, SystemSpec) {
    let system = profile.system.overridden_by(cli_system);
    let learned = snapshot.map(|s| node::learn(s, &system.system_namespaces())).filter(|l| !l.is_empty());
    let models = Models::resolve(catalog, &profile.system, cli_system, learned.as_ref());
    (models, learned, system)
}

/// The gaps of a cluster's answers (read, but incomplete), in words.
fn gap_texts(g: &Gathered, snapshot: Option<&crate::model::inventory::ClusterSnapshot>) -> Vec<String> {
    snapshot.map_or_else(Vec::new, |s| {
        crate::analysis::cluster::gaps(s, &g.loaded.profile)
            .iter()
            .map(|gap| crate::report::cluster::gap_text(gap, &s.context))
            .collect()
    })
}

/// `recommend` and `forecast` plan one stack on one cluster.
fn one_cluster(g: &Gathered) -> Result<()> {
    if g.clusters.is_empty() {
        return Ok(());
    }
    Err(InputError::Usage(format!(
        "recommend and forecast plan one stack on one cluster; {} contexts were given (use --context once; check takes several)",
        g.clusters.len()
    ))
    .into())
}

/// Notes on how the demand and the overhead were assessed.
fn assessment_notes(g: &Gathered, a: &Assessed) -> Vec<String> {
    let mut notes = g.notes.clone();
    if let Some(r) = &g.recording {
        let changed: Vec<&str> = a
            .demand
            .services
            .iter()
            .filter(|d| d.memory_from == Source::Recording)
            .map(|d| d.spec.name.as_str())
            .collect();
        if !changed.is_empty() {
            notes.push(format!(
                "figures from the recording ({} of {} sample(s)) for: {}",
                r.stat,
                r.samples,
                changed.join(", ")
            ));
        }
    }
    if let Some(l) = &a.learned {
        notes.push(crate::report::node::learned_note(l, &a.system.system_namespaces()));
    }
    notes
}

/// Where the demand comes from, in one line.
fn demand_source(d: &Demand) -> String {
    let count = |f: &dyn Fn(Source) -> bool| d.services.iter().filter(|s| f(s.memory_from)).count();
    let mut parts = Vec::new();
    for (what, n) in [
        ("live (cluster usage)", count(&|s| s == Source::LiveUsage)),
        ("live (requests)", count(&|s| s == Source::LiveRequests)),
        ("Prometheus history", count(&|s| s == Source::History)),
        ("the recording", count(&|s| s == Source::Recording)),
        ("what-if", count(&|s| s == Source::WhatIf)),
        ("right-sizing", count(&|s| s == Source::Rightsized)),
        ("the profile", count(&|s| matches!(s, Source::Profile | Source::PeakMultiplier))),
    ] {
        if n > 0 {
            parts.push(format!("{n} from {what}"));
        }
    }
    let out = d.services.iter().filter(|s| s.state == State::OutOfScope).count();
    if out > 0 {
        parts.push(format!("{out} out of the scope (not planned)"));
    }
    format!("{} service(s): {}", d.services.len(), parts.join(", "))
}

/// The demand with the what-if changes, the changes applied, and the demand before them.
/// The demand before the changes, and what they did.
type Before = Option<(Demand, Vec<whatif::Applied>)>;

fn with_changes(d: Demand, req: Option<&WhatIfRequest>) -> Result<(Demand, Before)> {
    match req {
        None => Ok((d, None)),
        Some(r) => {
            let (after, applied) = whatif::apply(&d, &r.changes).map_err(InputError::Usage)?;
            Ok((after, Some((d, applied))))
        }
    }
}

fn run_check(args: &CheckArgs) -> Result<Exit> {
    let offline = args.replay || args.profile_only || args.recording.samples.is_some();
    if offline && args.cluster.require_cluster {
        return Err(InputError::Usage(
            "--require-cluster cannot be combined with --replay, --profile-only or --samples".into(),
        )
        .into());
    }
    let mut g = gather::gather(&Sources {
        profile: args.profile.as_deref(),
        tiers: args.tiers.as_deref(),
        cluster: (!offline).then_some(&args.cluster),
        prometheus: &args.prometheus,
        recording: &args.recording,
    })?;
    let opts = render_options(&args.output);
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let (written, failed) = if g.clusters.is_empty() {
        let snapshot = g.snapshot.take();
        let report = check_report(args, &g, snapshot.as_ref())?;
        // Streamed: a large cluster's JSON is never held in memory as one string.
        (render::write_check(&report, &g.loaded.origin, &opts, &mut out), report.verdict.failed)
    } else {
        // Several clusters: each against its own capacity, with its own verdict.
        let reads = std::mem::take(&mut g.clusters);
        let mut clusters = Vec::new();
        for r in reads {
            let report = match &r.snapshot {
                Some(s) => Some(Box::new(check_report(args, &g, Some(s))?)),
                None => None,
            };
            clusters.push(crate::report::check::ClusterCheck { context: r.context, error: r.error, report });
        }
        let unreachable_fails = args.cluster.require_cluster && !args.cluster.allow_unreachable;
        let report = crate::report::check::ClustersReport::new(
            &g.loaded.profile.name,
            clusters,
            g.contexts.clone(),
            unreachable_fails,
        );
        (render::write_checks(&report, &g.loaded.origin, &opts, &mut out), report.verdict.failed)
    };
    match written.and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        r => r.context("writing to standard output")?,
    }
    Ok(if failed { Exit::GateFailed } else { Exit::Ok })
}

/// The check of one machine: the host, a recording, a planned node, or one cluster.
fn check_report(
    args: &CheckArgs,
    g: &Gathered,
    snapshot: Option<&crate::model::inventory::ClusterSnapshot>,
) -> Result<CheckReport> {
    let cli_system = args.system.spec();
    let a = assess(g, snapshot, &cli_system);
    let changes = what_if_changes(&args.what_if)?;
    let (demand, before) = with_changes(a.demand.clone(), changes.as_ref())?;
    let mut notes = assessment_notes(g, &a);
    let mut missing = g.missing.clone();
    if let Some(s) = snapshot.filter(|_| !g.clusters.is_empty()) {
        missing.extend(s.missing.iter().cloned());
    }
    missing.extend(gap_texts(g, snapshot));
    // The machine planned onto now, and what it runs besides the services.
    let distribution = a.system.distribution.clone().unwrap_or_else(|| "k3s".to_string());
    let model = a.models.by_name.get(&distribution);
    let (mut baseline, system) = if let Some(summary) = &g.recording {
        let b = crate::model::recording::baseline(summary, None).ok_or_else(|| {
            InputError::Usage(format!(
                "--samples {}: the recording has no host or cluster figures",
                gather::shown(&args.recording.samples)
            ))
        })?;
        (b, None)
    } else if args.replay {
        let b = Baseline::from_record(&g.loaded.profile).ok_or_else(|| {
            InputError::Usage(format!(
                "--replay: profile {} ({}) has no recorded host snapshot (add a `host:` section with total, used and available)",
                g.loaded.profile.name, g.loaded.origin
            ))
        })?;
        (b, None)
    } else if args.profile_only {
        let model = model.ok_or_else(|| {
            InputError::Usage(format!(
                "--distribution {distribution}: not in the catalog (known: {})",
                a.models.by_name.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        })?;
        let (host_total, cpu) = match args.capacity {
            Some(_) => (crate::model::quantity::Bytes(0), None),
            None => {
                let b =
                    host::to_baseline(&host::sample(host::CpuNeed::Quick { planned: Default::default() })?);
                (b.total, b.cpu_capacity)
            }
        };
        let (b, budget) = assess::planned_node(&a.demand, model, args.capacity, host_total, cpu);
        let mut parts = single_node_lines(model, &budget);
        let not_for_pods = budget.allocatable.kube_reserved_memory.0 + budget.allocatable.eviction_memory.0;
        if not_for_pods > 0 {
            parts.insert(
                0,
                OverheadLine {
                    part: format!("{} reserved + eviction", model.distribution.reservation.name()),
                    memory: crate::model::quantity::Bytes(not_for_pods).into(),
                    cpu: budget.allocatable.reserved_cpu.into(),
                    per: "node",
                    source: budget.allocatable.explain.join("; "),
                },
            );
        }
        (b, Some(section("modelled", parts)))
    } else if let Some(b) = snapshot.and_then(crate::analysis::cluster::baseline) {
        let parts: Vec<OverheadLine> = a
            .learned
            .iter()
            .flat_map(|l| l.control_plane.iter().chain(&l.worker).chain(&l.pods))
            .map(|p| line(p, &distribution))
            .collect();
        (b, (!parts.is_empty()).then(|| section("measured", parts)))
    } else {
        if snapshot.is_some() {
            notes.push(
                "the cluster's nodes could not be read: capacity and usage are this host's".to_string(),
            );
        }
        (host::to_baseline(&host::sample(host::CpuNeed::for_profile(&g.loaded.profile))?), None)
    };
    let gates = Gates {
        fail_on_tight: args.fail_on == Some(FailOn::Tight),
        max_used: args.max_used,
        min_available: args.min_available,
    };
    let scheduling = snapshot.and_then(crate::analysis::cluster::scheduling);
    let any_missing = !missing.is_empty();
    let mut what_if = None;
    let projection = match (&before, &changes) {
        (Some((d0, applied)), Some(req)) => {
            let p0 = projection::project(d0, &baseline, &gates, scheduling, any_missing);
            baseline = whatif::adjust_baseline(&baseline, applied);
            notes.extend(freed_notes(applied));
            let p1 = projection::project(&demand, &baseline, &gates, scheduling, any_missing);
            let cmp = whatif::compare(&p0, &p1, demand.policy.warn_used_percent, demand.policy.used_measure);
            what_if = Some(WhatIf::new(&req.name, req.description.as_deref(), &cmp, applied));
            p1
        }
        _ => projection::project(&demand, &baseline, &gates, scheduling, any_missing),
    };
    let view = snapshot.map(|s| crate::report::cluster::view(&demand, s));
    let mut report = CheckReport::new(Parts {
        profile: &g.loaded.profile.name,
        demand: &demand,
        baseline: &baseline,
        projection: &projection,
        cluster: view.as_ref(),
        system: system.as_ref(),
        missing: &missing,
        notes: &notes,
    });
    report.what_if = what_if;
    if let Some((_, h)) = &g.history {
        report.explain.extend(crate::report::history::explain(h));
        report.history = Some(h.clone());
    }
    if !args.no_tiers {
        report.tiers = tier_rows(&g.catalog, &a.models, &demand)?;
    }
    Ok(report)
}

fn section(how: &'static str, parts: Vec<OverheadLine>) -> SystemSection {
    let total = crate::model::quantity::Bytes(parts.iter().map(|p| p.memory.bytes).sum());
    SystemSection { how, parts, total: total.into() }
}

/// How the demand sits on the catalog's tiers (the same demand as the projection's).
fn tier_rows(catalog: &Catalog, models: &Models, demand: &Demand) -> Result<Vec<OptionRow>> {
    let rates = rates_for(catalog, &[], &catalog.currency)?;
    let req = Requirements {
        budget_cents: None,
        ha: false,
        min_headroom: default_headroom(demand),
        provider: None,
        clients: None,
        min_confidence: plan::Confidence::Unverified,
    };
    let planner = Planner::new(demand, models, 0);
    Ok(plan::options(catalog, models, &rates, &catalog.currency, None)
        .iter()
        .filter(|o| o.kind == "tier")
        .map(|o| OptionRow::new(&planner.evaluate(o, &req, true), &catalog.currency))
        .collect())
}

fn budget_cents(
    text: &Option<String>,
    currency: &str,
    rates: &std::collections::BTreeMap<String, u64>,
) -> Result<Option<u64>> {
    Ok(match text {
        Some(b) => Some(
            catalog::Price::parse(b, currency)
                .map_err(|e| InputError::Usage(format!("--budget: {e}")))
                .and_then(|p| {
                    catalog::convert(&p, currency, rates).ok_or_else(|| {
                        InputError::Usage(format!("--budget: no exchange rate for {}", p.currency))
                    })
                })?,
        ),
        None => None,
    })
}

fn run_recommend(args: &RecommendArgs) -> Result<Exit> {
    let offline = args.recording.samples.is_some();
    let g = gather::gather(&Sources {
        profile: args.profile.as_deref(),
        tiers: args.tiers.as_deref(),
        cluster: (!offline).then_some(&args.cluster),
        prometheus: &args.prometheus,
        recording: &args.recording,
    })?;
    one_cluster(&g)?;
    let a = assess(&g, g.snapshot.as_ref(), &args.system.spec());
    let changes = what_if_changes(&args.what_if)?;
    let (demand, before) = with_changes(a.demand.clone(), changes.as_ref())?;
    let currency = args.currency.trim().to_ascii_uppercase();
    let rates = rates_for(&g.catalog, &args.rates, &currency)?;
    let req = Requirements {
        budget_cents: budget_cents(&args.budget, &currency, &rates)?,
        ha: args.ha,
        min_headroom: args
            .min_headroom
            .or(args.max_used.map(|u| Ratio(crate::model::ratio::ONE.saturating_sub(u.0))))
            .unwrap_or_else(|| default_headroom(&demand)),
        provider: args.provider.clone(),
        clients: args.clients,
        min_confidence: args.confidence.into(),
    };
    if let Some(p) = &req.provider
        && !g.catalog.plans.iter().any(|x| &x.provider == p)
    {
        let mut known: Vec<&str> = g.catalog.plans.iter().map(|x| x.provider.as_str()).collect();
        known.dedup();
        return Err(InputError::Usage(format!(
            "--provider {p}: not in the catalog (known: {})",
            known.join(", ")
        ))
        .into());
    }
    if req.clients.is_some() && !demand.has_client_costs() {
        return Err(InputError::Usage(format!(
            "--clients: profile {} gives no perClient costs, so client capacity cannot be computed",
            g.loaded.profile.name
        ))
        .into());
    }
    let recommend = |d: &Demand| {
        let planner = Planner::new(d, &a.models, req.clients.unwrap_or(0));
        let rec = plan::recommend(&planner, &g.catalog, &rates, &currency, &req);
        RecommendReport::new(&rec, demand_source(d))
    };
    let mut report = recommend(&demand);
    let mut origin = g.loaded.origin.clone();
    if let (Some((d0, applied)), Some(w)) = (&before, &changes) {
        let list: Vec<String> = applied.iter().map(describe).collect();
        origin = format!("{origin} with what-if {} ({})", w.name, list.join("; "));
        report.what_if = Some(RecommendWhatIf::new(&w.name, applied, &recommend(d0), &report));
    }
    report.history = g.history.as_ref().map(|(_, h)| h.clone());
    report.notes = assessment_notes(&g, &a);
    if let (Some(strategy), Some(_)) = (args.prometheus.rightsize, &g.rightsized) {
        // The same plan without right-sizing, for the comparison.
        let (plain, _) = assess::demand(
            &g.loaded.profile,
            assess::Gathered {
                history: g.history.as_ref().map(|(p, h)| (p, h)),
                recording: g.recording.as_ref(),
                cluster: g.snapshot.as_ref(),
                rightsized: None,
            },
        );
        let (plain, _) = with_changes(plain, changes.as_ref())?;
        report.notes.push(crate::report::rightsize::recommend_note(strategy, &recommend(&plain), &report));
    }
    report.missing_inputs = g.missing.iter().cloned().chain(gap_texts(&g, g.snapshot.as_ref())).collect();
    let opts = render_options(&args.output);
    let text = render::recommend(&report, &origin, &g.catalog_origin, args.show_rejected, &opts);
    write_stdout(&text)?;
    Ok(if report.pick.is_some() { Exit::Ok } else { Exit::GateFailed })
}

fn run_forecast(args: &ForecastArgs) -> Result<Exit> {
    let offline = args.recording.samples.is_some();
    let g = gather::gather(&Sources {
        profile: args.profile.as_deref(),
        tiers: args.tiers.as_deref(),
        cluster: (!offline).then_some(&args.cluster),
        prometheus: &args.prometheus,
        recording: &args.recording,
    })?;
    one_cluster(&g)?;
    let a = assess(&g, g.snapshot.as_ref(), &args.system.spec());
    let changes = what_if_changes(&args.what_if)?;
    let (demand, _) = with_changes(a.demand.clone(), changes.as_ref())?;
    let mut origin = g.loaded.origin.clone();
    if let Some(w) = &changes {
        origin = format!("{origin} with what-if {}", w.name);
    }
    if args.clients.is_some() && !demand.has_client_costs() {
        return Err(InputError::Usage(format!(
            "--clients: profile {} gives no perClient costs, so client demand cannot be computed",
            g.loaded.profile.name
        ))
        .into());
    }
    let currency = args.currency.trim().to_ascii_uppercase();
    let rates = rates_for(&g.catalog, &[], &currency)?;
    let req = Requirements {
        budget_cents: None,
        ha: false,
        min_headroom: args.min_headroom.unwrap_or_else(|| default_headroom(&demand)),
        provider: None,
        clients: None,
        min_confidence: plan::Confidence::Unverified,
    };
    let options: Vec<plan::CandidateOption> = if args.options.is_empty() {
        plan::options(&g.catalog, &a.models, &rates, &currency, None)
            .into_iter()
            .filter(|o| o.kind == "tier")
            .collect()
    } else {
        let mut out = Vec::new();
        for name in &args.options {
            let o = plan::find_option(&g.catalog, &a.models, &rates, &currency, name).ok_or_else(|| {
                let all = plan::options(&g.catalog, &a.models, &rates, &currency, None);
                let want = name.to_ascii_lowercase();
                let close: Vec<String> = all
                    .iter()
                    .filter(|o| {
                        let n = o.name.to_ascii_lowercase();
                        want.split_whitespace().all(|w| n.contains(w))
                    })
                    .take(5)
                    .map(|o| o.name.clone())
                    .collect();
                InputError::Usage(format!(
                    "--option {name:?}: no tier or plan of that name in {}{}",
                    g.catalog_origin,
                    if close.is_empty() {
                        String::new()
                    } else {
                        format!(" (did you mean: {})", close.join(", "))
                    }
                ))
            })?;
            out.push(o);
        }
        out
    };
    let current = if let Some(b) = g.snapshot.as_ref().and_then(crate::analysis::cluster::baseline) {
        let s = g.snapshot.as_ref();
        Some(forecast::Current {
            name: format!("cluster {}", s.map_or("", |s| s.context.as_str())),
            baseline: b,
            scheduling: s.and_then(crate::analysis::cluster::scheduling),
        })
    } else if args.host {
        Some(forecast::Current {
            name: "this host".into(),
            baseline: host::to_baseline(&host::sample(host::CpuNeed::for_profile(&g.loaded.profile))?),
            scheduling: None,
        })
    } else {
        None
    };
    let input = forecast::Input {
        months: args.months,
        growth: args.growth,
        clients: args.clients,
        client_growth: args.client_growth,
    };
    let f = forecast::forecast(&demand, &a.models, &options, current.as_ref(), &req, &input);
    let mut report =
        crate::report::forecast::ForecastReport::new(&f, &currency, demand_source(&demand), current.as_ref());
    report.notes = assessment_notes(&g, &a);
    report.missing_inputs = g.missing.iter().cloned().chain(gap_texts(&g, g.snapshot.as_ref())).collect();
    let text = render::forecast(&report, &origin, &g.catalog_origin, &render_options(&args.output));
    write_stdout(&text)?;
    Ok(Exit::Ok)
}

/// What `rightsize` does without a cluster, said after why there is none.
const WITHOUT_NODES: &str = "no cluster node is counted";

fn run_rightsize(args: &crate::cli::RightsizeArgs) -> Result<Exit> {
    use crate::analysis::history::{self, duration_ms, format_rfc3339};
    use crate::analysis::rightsize::{self, Settings, Strategy};
    use crate::cli::RightsizeFormat;
    let loaded = args.profile.as_deref().map(|p| files::load_profile(Some(p))).transpose()?;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let at_ms = args.at.unwrap_or(now_ms);
    let ms = |flag: &str, v: &str| -> Result<i64> {
        duration_ms(v)
            .and_then(|m| i64::try_from(m).ok())
            .filter(|m| *m > 0)
            .ok_or_else(|| InputError::Usage(format!("{flag} {v}: expected a duration above zero")).into())
    };
    let step_ms = ms("--step", &args.step)?;
    let (train_ms, test_ms) = (ms("--train", &args.train)?, ms("--test", &args.test)?);
    let window =
        if args.backtest { format!("{}s", (train_ms + test_ms) / 1000) } else { args.window.clone() };
    let opts = crate::source::prometheus::Options {
        window: window.clone(),
        step: args.step.clone(),
        timeout: std::time::Duration::from_secs(args.prometheus_timeout),
        require: true,
        max_samples: args.prometheus_max_samples,
        concurrency: usize::try_from(args.prometheus_concurrency).unwrap_or(4),
        headers: args.prometheus_header.clone(),
        bearer_token_file: args.prometheus_bearer_token_file.clone(),
        ca_file: args.prometheus_ca_file.clone(),
        ..crate::source::prometheus::Options::new(&args.prometheus, at_ms)
    };
    let ep = crate::source::prometheus::endpoint_for(&opts)?;
    if args.cluster.context.len() > 1 || args.cluster.all_contexts {
        return Err(InputError::Usage(
            "rightsize counts the nodes of one cluster; use --context once".to_string(),
        )
        .into());
    }
    // The cluster (its pods matched to the profile's services, or all unmatched, by workload,
    // without one) is read beside the history.
    let cluster_profile = loaded.as_ref().map(|l| l.profile.clone()).unwrap_or_default();
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the runtime")?;
    let (mut cluster_notes, mut missing) = (Vec::new(), Vec::new());
    let (cluster, usage) = runtime.block_on(async {
        let history = tokio::task::spawn_blocking(move || crate::source::prometheus::read_usage(&opts));
        let cluster = async {
            if args.profile_only || args.cluster.no_cluster {
                return Ok(None);
            }
            gather::read_cluster(
                &args.cluster,
                &cluster_profile,
                WITHOUT_NODES,
                &mut cluster_notes,
                &mut missing,
            )
            .await
        };
        tokio::join!(cluster, history)
    });
    let (raw, stats) = usage.context("reading the history")??;
    let snapshot = cluster?;
    let (workloads, mut warnings) = crate::source::usage::to_workloads(raw);
    // What the cluster read said: what it could not read (once, not also as its note) and its
    // warnings are warnings, the rest (no kubeconfig: nothing to count nodes on) notes.
    let mut notes = Vec::new();
    for n in cluster_notes {
        match n.strip_prefix("WARNING: ") {
            Some(w) => warnings.push(w.to_string()),
            None if missing.iter().any(|m| n == format!("{m}; {WITHOUT_NODES}")) => {}
            None => notes.push(n),
        }
    }
    warnings.extend(missing);
    if workloads.is_empty() {
        warnings.push(format!(
            "no container series in the window: does Prometheus scrape cAdvisor (container_memory_working_set_bytes) for {} ending {}?",
            window,
            format_rfc3339(at_ms)
        ));
    }
    let settings = Settings { allow_hpa: args.allow_hpa, at_ms };
    let mut recs = Vec::new();
    let mut observed = Vec::new();
    let mut services = Vec::new();
    let mut running = Vec::new();
    for w in &workloads {
        recs.extend(rightsize::recommend(args.strategy, w, &settings));
        let seen: Vec<_> = w.containers.iter().map(|c| rightsize::observe(c, at_ms, step_ms)).collect();
        running.push(seen.iter().map(|o| o.running).max().unwrap_or(0));
        observed.extend(seen);
        let pod = w.containers.iter().flat_map(|c| c.pods.first()).next().map(|p| p.pod.clone());
        services.push(loaded.as_ref().zip(pod).and_then(|(l, pod)| {
            history::match_pod(&l.profile, &w.namespace, &pod).map(|i| l.profile.services[i].name.clone())
        }));
    }
    let containers: Vec<&crate::model::usage::ContainerUsage> =
        workloads.iter().flat_map(|w| &w.containers).collect();
    let rows: Vec<_> =
        containers.iter().zip(&recs).zip(&observed).map(|((c, r), o)| (*c, r, o.running)).collect();
    let totals = rightsize::totals(&rows);
    let mut report = crate::report::rightsize::RightsizeReport::new(crate::report::rightsize::Inputs {
        strategy: args.strategy,
        workloads: &workloads,
        recommendations: &recs,
        observed: &observed,
        services: &services,
        totals,
        source: format!("Prometheus at {}", ep.base),
        window: if args.backtest { format!("{} + {}", args.train, args.test) } else { window },
        step: args.step.clone(),
        at: format_rfc3339(at_ms),
        warnings,
        read: crate::report::rightsize::ReadSummary {
            queries: stats.queries,
            shards: stats.shards,
            points: stats.points,
            elapsed_ms: stats.elapsed_ms,
        },
    });
    if args.backtest {
        let scores: Vec<(Strategy, rightsize::Score)> = Strategy::ALL
            .into_iter()
            .map(|s| (s, rightsize::backtest(s, &workloads, train_ms, test_ms, &settings)))
            .collect();
        report = report.with_backtest(&args.train, &args.test, format_rfc3339(at_ms - test_ms), &scores);
    }
    report.notes = notes;
    report = report.with_changes(what_it_changes(
        args,
        loaded.as_ref(),
        snapshot.as_ref(),
        &cluster_profile,
        &workloads,
        &recs,
        &running,
    )?);
    use crate::render::Format;
    let format = match args.output {
        RightsizeFormat::Table | RightsizeFormat::Patch => Format::Table,
        RightsizeFormat::Json => Format::Json,
        RightsizeFormat::Yaml => Format::Yaml,
        RightsizeFormat::Markdown => Format::Markdown,
        RightsizeFormat::Html => Format::Html,
    };
    let opts = render_options(&OutputArgs {
        output: format,
        explain: args.explain,
        width: args.width,
        no_color: args.no_color,
        all_rows: args.all_rows,
    });
    let origin = loaded.as_ref().map_or("none", |l| l.origin.as_str());
    let text = render::rightsize(&report, origin, args.output == RightsizeFormat::Patch, &opts);
    write_stdout(&text)?;
    Ok(Exit::Ok)
}

/// What right-sizing changes: the plan (`recommend`'s pick) before and after, of the profile
/// or, without one, of the workloads read at their requests; and, with a cluster read, the
/// nodes its pods need now and right-sized (`cluster_profile`: what its pods were matched to,
/// `-p`'s profile or none).
fn what_it_changes(
    args: &crate::cli::RightsizeArgs,
    loaded: Option<&files::LoadedProfile>,
    snapshot: Option<&crate::model::inventory::ClusterSnapshot>,
    cluster_profile: &crate::model::profile::Profile,
    workloads: &[crate::model::usage::WorkloadUsage],
    recs: &[crate::analysis::rightsize::Recommendation],
    running: &[u64],
) -> Result<crate::report::rightsize::Changes> {
    use crate::analysis::consolidation;
    let requests = consolidation::pod_requests(workloads, recs);
    let (profile, basis) = match loaded {
        Some(l) => (l.profile.clone(), crate::report::rightsize::PlanBasis::Profile(l.profile.name.clone())),
        None => (
            consolidation::workloads_profile(workloads, &requests, running),
            crate::report::rightsize::PlanBasis::Workloads,
        ),
    };
    let sized = crate::analysis::rightsize::per_service(&profile, workloads, recs);
    let (catalog, _) = files::load_catalog(args.tiers.as_deref())?;
    // The profile's services were matched to the cluster's pods; the workloads' profile was not.
    let live = loaded.and(snapshot);
    let demand = |rs: Option<&[crate::analysis::rightsize::RightSized]>| {
        assess::demand(
            &profile,
            assess::Gathered { history: None, recording: None, cluster: live, rightsized: rs },
        )
        .0
    };
    let (before, after) = (demand(None), demand(Some(&sized)));
    let (models, _, _) = node_models(&profile, &catalog, snapshot, &SystemSpec::default());
    let currency = args.currency.trim().to_ascii_uppercase();
    let rates = rates_for(&catalog, &[], &currency)?;
    let budget = budget_cents(&args.budget, &currency, &rates)?;
    let pick = |d: &Demand| {
        let req = Requirements {
            budget_cents: budget,
            ha: false,
            min_headroom: default_headroom(d),
            provider: None,
            clients: None,
            min_confidence: crate::cli::ConfidenceArg::ThirdParty.into(),
        };
        let planner = Planner::new(d, &models, 0);
        RecommendReport::new(&plan::recommend(&planner, &catalog, &rates, &currency, &req), demand_source(d))
    };
    let nodes = snapshot
        .map(|s| (s.context.clone(), consolidation::nodes_needed(s, cluster_profile, &sized, &requests)));
    Ok(crate::report::rightsize::Changes::new(basis, &pick(&before), &pick(&after), sized.len(), nodes))
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
    let empty = crate::model::profile::Profile::default();
    let mut notes = Vec::new();
    let required = ClusterArgs { require_cluster: true, ..args.cluster.clone() };
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the runtime")?;
    let snap = runtime
        .block_on(gather::read_cluster(
            &required,
            &empty,
            gather::WITHOUT_CLUSTER,
            &mut notes,
            &mut Vec::new(),
        ))?
        .ok_or_else(|| Unreachable("no cluster could be read".to_string()))?;
    if !snap.pods_read {
        return Err(
            Unreachable(format!("profile generate needs the pods: {}", snap.missing.join("; "))).into()
        );
    }
    let name = args.name.clone().unwrap_or_else(|| snap.context.clone());
    let profile = crate::analysis::cluster::generate_profile(&name, &snap);
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

/// `sample`: one JSON line per snapshot, flushed as it is taken; Ctrl-C stops between or
/// during snapshots and leaves only complete lines.
fn run_sample(args: &SampleArgs) -> Result<Exit> {
    let (every, span) = (args.every, args.for_);
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
    let host = host::sample(host::CpuNeed::Measured).ok().map(|raw| {
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
        gather::read_cluster(&args.cluster, profile, gather::WITHOUT_CLUSTER, &mut notes, &mut Vec::new())
            .await?
            .and_then(|snap| {
                let b = crate::analysis::cluster::baseline(&snap)?;
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

/// `profile generate --prometheus URL`: a profile from the history alone, no cluster.
fn generate_from_history(args: &GenerateArgs) -> Result<Exit> {
    let Some(opts) = crate::gather::prometheus_options(&args.prometheus) else { return Ok(Exit::Ok) };
    let opts = crate::source::prometheus::Options { require: true, ..opts };
    let ep = crate::source::prometheus::endpoint_for(&opts)?;
    let read = match crate::source::prometheus::read_samples(&opts, &ep)? {
        Ok(r) => r,
        Err(msg) => return Err(Unreachable(msg).into()),
    };
    let spec = crate::analysis::history::Spec {
        source: format!("Prometheus at {}", ep.base),
        quantile: opts.quantile.clone(),
        window: opts.window.clone(),
        step: opts.step.clone(),
        at_ms: opts.at_ms,
    };
    let name = args.name.clone().unwrap_or_else(|| "from-prometheus".to_string());
    let mut profile = crate::analysis::history::generate_profile(&name, &spec, &read.samples);
    let rightsized = crate::gather::read_rightsize(&args.prometheus, &profile)?;
    if let Some((sized, _)) = &rightsized {
        for r in sized {
            if let Some(s) = profile.services.iter_mut().find(|s| s.name == r.service) {
                r.apply_to(s);
            }
        }
    }
    let mut text = format!(
        "# Generated by bizo-plan profile generate from {} ({}); edit freely (check -p loads it as is).\n# {}\n",
        spec.source,
        spec.describe(),
        read.stats.describe()
    );
    if let Some((_, note)) = &rightsized {
        text.push_str(&format!("# {note}\n"));
    }
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

fn render_options(o: &OutputArgs) -> RenderOptions {
    let tty = std::io::stdout().is_terminal();
    let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let width = o
        .width
        .or_else(|| if tty { terminal_size::terminal_size().map(|(w, _)| w.0) } else { None })
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
