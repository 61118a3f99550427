//! Terminal tables (comfy-table, explicit width).

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

use super::{MAX_ROWS, RenderOptions};
use crate::analysis::check::Status;
use crate::analysis::history::HistoryReport;
use crate::report::check::CheckReport;
use crate::report::cluster::{ClusterView, NodeRow};

pub(crate) fn new_table(opts: &RenderOptions, header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(opts.width);
    if !opts.color {
        t.force_no_tty();
    } else {
        t.enforce_styling();
    }
    t.set_header(header.iter().map(Cell::new));
    t
}

pub(crate) fn right(s: impl ToString) -> Cell {
    Cell::new(s.to_string()).set_alignment(CellAlignment::Right)
}

/// The `check` report as tables.
pub fn check(r: &CheckReport, origin: &str, opts: &RenderOptions) -> String {
    let mut out = String::new();
    out.push_str(&format!("bizo-plan check: profile {} ({origin})\n", r.profile));
    out.push_str(&format!("Baseline: {}\n", r.baseline_description));
    for n in &r.notes {
        out.push_str(&format!("Note: {n}\n"));
    }

    out.push_str("\nServices\n");
    let mut t = new_table(opts, &["Service", "Group", "Status", "Port", "Replicas", "Memory", "Peak", "CPU"]);
    for s in &r.services {
        t.add_row(vec![
            Cell::new(&s.name),
            Cell::new(&s.group),
            Cell::new(s.status),
            right(s.port.map(|p| p.to_string()).unwrap_or_default()),
            right(s.replicas),
            right(&s.memory.display),
            right(&s.memory_peak.display),
            right(s.cpu.as_ref().map(|c| c.display.clone()).unwrap_or_else(|| "-".into())),
        ]);
    }
    out.push_str(&t.to_string());
    out.push('\n');

    if let Some(h) = &r.history
        && h.error.is_none()
    {
        history_section(&mut out, h, opts);
    }

    out.push_str("\nBy group\n");
    let mut t =
        new_table(opts, &["Group", "Deployed", "Planned", "Deployed memory", "Planned memory", "Projected"]);
    for g in &r.groups {
        t.add_row(vec![
            Cell::new(&g.group),
            right(g.deployed_services),
            right(g.planned_services),
            right(&g.deployed.display),
            right(&g.planned.display),
            right(&g.projected.display),
        ]);
    }
    out.push_str(&t.to_string());
    out.push('\n');

    let w = &r.workload;
    let h = &r.host;
    let hr = &r.headroom;
    out.push_str("\nMemory\n");
    let mut t = new_table(opts, &["Figure", "Value", "Bytes", "Share of total"]);
    let mut row = |name: String, disp: &str, bytes: String, share: &str| {
        t.add_row(vec![Cell::new(name), right(disp), right(bytes), right(share)]);
    };
    row(
        format!("Current workload ({} deployed)", w.deployed_services),
        &w.current.display,
        w.current.bytes.to_string(),
        "",
    );
    row(
        format!("Planned ({} services)", w.planned_services),
        &w.planned.display,
        w.planned.bytes.to_string(),
        "",
    );
    row("Projected workload".into(), &w.projected.display, w.projected.bytes.to_string(), "");
    row("Host total".into(), &h.total.display, h.total.bytes.to_string(), "");
    row("Host used now".into(), &h.used.display, h.used.bytes.to_string(), &h.used_percent.display);
    row("Host available now".into(), &h.available.display, h.available.bytes.to_string(), "");
    row(
        "Projected used".into(),
        &h.projected_used.display,
        h.projected_used.bytes.to_string(),
        &h.projected_used_percent.display,
    );
    row(
        "Projected available".into(),
        &h.projected_available.display,
        h.projected_available.bytes.to_string(),
        &format!("{} unavailable", h.projected_unavailable_percent.display),
    );
    row(
        "Peak used (every service at peak)".into(),
        &h.peak_used.display,
        h.peak_used.bytes.to_string(),
        &h.peak_used_percent.display,
    );
    row(
        format!("Warn limit ({})", hr.warn_percent.display),
        &hr.warn_limit.display,
        hr.warn_limit.bytes.to_string(),
        "",
    );
    row("Headroom to warn".into(), &hr.to_warn.display, hr.to_warn.bytes.to_string(), "");
    row(
        format!("Fail limit ({})", hr.fail_percent.display),
        &hr.fail_limit.display,
        hr.fail_limit.bytes.to_string(),
        "",
    );
    row("Headroom to fail".into(), &hr.to_fail.display, hr.to_fail.bytes.to_string(), "");
    if let (Some(avg), Some(n)) = (&hr.average_service, hr.more_services_fit) {
        row(
            format!("More services of {} that fit before warn", avg.display),
            &n.to_string(),
            String::new(),
            "",
        );
    }
    out.push_str(&t.to_string());
    out.push('\n');

    if let Some(c) = &r.cpu {
        out.push_str("\nCPU\n");
        let mut t = new_table(opts, &["Capacity", "Used now", "Planned", "Projected", "Share"]);
        t.add_row(vec![
            right(&c.capacity.display),
            right(c.used.as_ref().map(|u| u.display.clone()).unwrap_or_else(|| "unknown".into())),
            right(&c.planned.display),
            right(c.projected.as_ref().map(|u| u.display.clone()).unwrap_or_else(|| "unknown".into())),
            right(c.projected_percent.as_ref().map(|u| u.display.clone()).unwrap_or_default()),
        ]);
        out.push_str(&t.to_string());
        out.push('\n');
    }

    if let Some(c) = &r.cluster {
        cluster_section(&mut out, c, opts);
    }

    if !r.tiers.is_empty() {
        out.push_str("\nThe projected load on the catalog's tiers (every service at the policy's size)\n");
        out.push_str(&super::recommend::evaluations_table(&r.tiers, opts).to_string());
        out.push('\n');
        for e in r.tiers.iter().filter(|e| !e.passes) {
            out.push_str(&format!("  {}: {}\n", e.name, e.reasons.join("; ")));
        }
    }

    if let Some(w) = &r.what_if {
        what_if_section(&mut out, w, opts);
    }

    let v = &r.verdict;
    let status = v.status.as_str();
    let status = if opts.color {
        let code = match v.status {
            Status::Healthy => "32",
            Status::Tight => "33",
            Status::Insufficient => "31",
        };
        format!("\x1b[1;{code}m{status}\x1b[0m")
    } else {
        status.to_string()
    };
    out.push_str(&format!("\nVerdict: {status}\n"));
    for reason in &v.reasons {
        out.push_str(&format!("  - {reason}\n"));
    }
    for g in &v.gates {
        out.push_str(&format!(
            "  gate {}: {} ({})\n",
            g.gate,
            if g.passed { "passed" } else { "FAILED" },
            g.detail
        ));
    }

    if opts.explain {
        out.push_str("\nHow each figure was computed\n");
        let mut t = new_table(opts, &["Figure", "Arithmetic"]);
        for e in &r.explain {
            t.add_row(vec![Cell::new(&e.figure), Cell::new(&e.arithmetic)]);
        }
        out.push_str(&t.to_string());
        out.push('\n');
    }
    out
}

fn what_if_section(out: &mut String, w: &crate::report::whatif::WhatIf, opts: &RenderOptions) {
    out.push_str(&format!("\nWhat-if: {}", w.scenario));
    if let Some(d) = &w.description {
        out.push_str(&format!(" ({d})"));
    }
    out.push('\n');
    let mut t = new_table(opts, &["Change", "Service", "Counted now", "Planned", "Peak", "Delta"]);
    for c in &w.changes {
        t.add_row(vec![
            Cell::new(c.change),
            Cell::new(match &c.replacement {
                Some(r) => format!("{} -> {r}", c.service),
                None => c.service.clone(),
            }),
            right(c.memory_before.as_ref().map_or("-".to_string(), |m| m.display.clone())),
            right(c.memory_after.as_ref().map_or("-".to_string(), |m| m.display.clone())),
            right(c.peak_after.as_ref().map_or("-".to_string(), |m| m.display.clone())),
            right(&c.delta.display),
        ]);
    }
    out.push_str(&t.to_string());
    out.push('\n');
    let mut t = new_table(opts, &["", "Projected used", "%", "At peak", "Peak %", "Verdict"]);
    for (label, side) in [("before", &w.before), ("after", &w.after)] {
        t.add_row(vec![
            Cell::new(label),
            right(&side.projected_used.display),
            right(&side.gated_percent.display),
            right(&side.peak_used.display),
            right(&side.peak_used_percent.display),
            Cell::new(side.verdict.as_str()),
        ]);
    }
    out.push_str(&t.to_string());
    out.push('\n');
    out.push_str(&format!("{}\n", w.conclusion));
}

/// The nodes a table shows: all of them when they are few or `--all-rows` is set; else the
/// [`MAX_ROWS`] with the least free memory (the ones a planner looks at first), in list order.
/// The figures Prometheus gave, per service, beside the profile's they replace.
fn history_section(out: &mut String, h: &HistoryReport, opts: &RenderOptions) {
    out.push_str(&format!(
        "\nHistory from {}: {} quantile and peak over {} (step {}) at {}, per replica (the largest pod)\n",
        h.source, h.quantile, h.window, h.step, h.at
    ));
    let mut t = new_table(
        opts,
        &[
            "Service",
            "Pods",
            "Memory (quantile)",
            "Peak (max)",
            "CPU (quantile)",
            "Profile memory / peak / cpu",
        ],
    );
    for s in &h.services {
        let fig = |f: Option<&String>| f.cloned().unwrap_or_else(|| "-".into());
        t.add_row(vec![
            Cell::new(&s.name),
            right(s.pods.len()),
            right(fig(s.memory.as_ref().map(|m| &m.display))),
            right(fig(s.memory_peak.as_ref().map(|m| &m.display))),
            right(fig(s.cpu.as_ref().map(|c| &c.display))),
            right(format!(
                "{} / {} / {}",
                s.profile_memory.display,
                fig(s.profile_memory_peak.as_ref().map(|m| &m.display)),
                fig(s.profile_cpu.as_ref().map(|c| &c.display))
            )),
        ]);
    }
    out.push_str(&t.to_string());
    out.push('\n');
    if !h.without_figures.is_empty() {
        out.push_str(&format!("No figures (profile kept): {}\n", h.without_figures.join(", ")));
    }
    if !h.unmatched_pods.is_empty() {
        let shown: Vec<&str> = h.unmatched_pods.iter().take(MAX_ROWS).map(String::as_str).collect();
        let more = h.unmatched_pods.len() - shown.len();
        out.push_str(&format!(
            "Pods matching no service ({}): {}{}\n",
            h.unmatched_pods.len(),
            shown.join(", "),
            if more > 0 { format!(" ... and {more} more (-o json lists all)") } else { String::new() }
        ));
    }
    for w in &h.warnings {
        out.push_str(&format!("Warning: {w}\n"));
    }
}

pub(crate) fn shown_nodes<'a>(c: &'a ClusterView, opts: &RenderOptions) -> Vec<&'a NodeRow> {
    if opts.all_rows || c.nodes.len() <= MAX_ROWS {
        return c.nodes.iter().collect();
    }
    let mut order: Vec<usize> = (0..c.nodes.len()).collect();
    order.sort_by_key(|&i| (c.nodes[i].free_memory.bytes, i));
    order.truncate(MAX_ROWS);
    order.sort_unstable();
    order.into_iter().map(|i| &c.nodes[i]).collect()
}

/// The line under a shortened node table: how many nodes it left out, and how to see them.
pub(crate) fn hidden_nodes_note(c: &ClusterView, shown: &[&NodeRow]) -> String {
    let excluded = |it: &mut dyn Iterator<Item = &NodeRow>| it.filter(|n| n.excluded.is_some()).count();
    let hidden_excluded = excluded(&mut c.nodes.iter()) - excluded(&mut shown.iter().copied());
    format!(
        "... {} of {} nodes shown (those with the least free memory); {} more, {hidden_excluded} of them excluded from scheduling (--all-rows shows every node, -o json carries them)\n",
        shown.len(),
        c.nodes.len(),
        c.nodes.len() - shown.len(),
    )
}

fn opt(f: Option<&impl std::fmt::Display>) -> String {
    f.map(|v| v.to_string()).unwrap_or_else(|| "n/a".into())
}

fn cluster_section(out: &mut String, c: &ClusterView, opts: &RenderOptions) {
    out.push_str(&format!("\nCluster: context {} at {}", c.context, c.server));
    if !c.namespaces.is_empty() {
        out.push_str(&format!(", namespaces {}", c.namespaces.join(",")));
    }
    if let Some(sel) = &c.selector {
        out.push_str(&format!(", pods -l {sel}"));
    }
    if let Some(sel) = &c.node_selector {
        out.push_str(&format!(", nodes -l {sel}"));
    }
    out.push('\n');
    for m in &c.missing {
        out.push_str(&format!("WARNING: could not {m}\n"));
    }
    let limit = if opts.all_rows { usize::MAX } else { MAX_ROWS };
    for w in c.warnings.iter().take(limit) {
        out.push_str(&format!("warning: {w}\n"));
    }
    if c.warnings.len() > limit {
        out.push_str(&format!(
            "warning: ... and {} more (--all-rows shows them, -o json carries them)\n",
            c.warnings.len() - limit
        ));
    }

    if !c.nodes.is_empty() {
        out.push_str("\nNodes\n");
        let mut t = new_table(
            opts,
            &[
                "Node",
                "Roles",
                "Capacity",
                "Allocatable",
                "Requested",
                "Used (node)",
                "Pods' usage",
                "Free",
                "CPU alloc",
                "CPU req",
                "CPU used",
                "Pods",
                "Status",
            ],
        );
        let shown = shown_nodes(c, opts);
        for n in &shown {
            t.add_row(vec![
                Cell::new(&n.name),
                Cell::new(n.roles.join(",")),
                right(&n.capacity_memory.display),
                right(&n.allocatable_memory.display),
                right(format!("{} ({})", n.requested_memory.display, n.requested_memory_percent.display)),
                right(match (&n.used_memory, &n.used_memory_percent) {
                    (Some(u), Some(p)) => format!("{} ({})", u.display, p.display),
                    _ => "n/a".into(),
                }),
                right(opt(n.pod_usage_memory.as_ref().map(|m| &m.display))),
                right(&n.free_memory.display),
                right(&n.allocatable_cpu.display),
                right(format!("{} ({})", n.requested_cpu.display, n.requested_cpu_percent.display)),
                right(opt(n.used_cpu.as_ref().map(|m| &m.display))),
                right(format!("{}/{}", n.pods, n.pod_slots)),
                Cell::new(
                    n.excluded.as_deref().map_or("schedulable".to_string(), |e| format!("excluded: {e}")),
                ),
            ]);
        }
        out.push_str(&t.to_string());
        out.push('\n');
        if shown.len() < c.nodes.len() {
            out.push_str(&hidden_nodes_note(c, &shown));
        }
    }
    let tt = &c.totals;
    out.push_str(&format!(
        "Totals: {} node(s), {} schedulable; {} pods ({} unscheduled, {} on nodes outside the selection); allocatable {}, requested {}",
        tt.nodes, tt.schedulable_nodes, tt.pods, tt.pods_unscheduled, tt.pods_on_unlisted_nodes,
        tt.allocatable_memory.display, tt.requested_memory.display
    ));
    if let Some(u) = &tt.node_usage_memory {
        out.push_str(&format!(", used {} by NodeMetrics", u.display));
    }
    if let Some(u) = &tt.pod_usage_memory {
        out.push_str(&format!(", {} by the pods", u.display));
    }
    if let Some(o) = &tt.system_overhead_memory {
        out.push_str(&format!(" (system overhead {})", o.display));
    }
    out.push('\n');

    if !c.drift.is_empty() {
        out.push_str("\nLive services against the profile\n");
        let mut t = new_table(
            opts,
            &["Service", "Pods", "Matched by", "Profile", "Live", "Drift", "Live figure from"],
        );
        for d in &c.drift {
            t.add_row(vec![
                Cell::new(&d.service),
                right(d.pods),
                Cell::new(d.matched_by),
                right(&d.profile_memory.display),
                right(&d.live_memory.display),
                right(&d.drift),
                Cell::new(d.live_source),
            ]);
        }
        out.push_str(&t.to_string());
        out.push('\n');
    }
    if !c.services_without_pods.is_empty() {
        out.push_str(&format!(
            "Deployed in the profile but no pods found (added like planned services): {}\n",
            c.services_without_pods.join(", ")
        ));
    }
    if !c.planned_already_running.is_empty() {
        out.push_str(&format!(
            "Planned in the profile but already running (counted as running): {}\n",
            c.planned_already_running.join(", ")
        ));
    }
    if !c.unmatched.is_empty() {
        out.push_str("\nPods not in the profile (by namespace and owner)\n");
        let mut t = new_table(opts, &["Namespace", "Owner", "Pods", "Requested", "Used"]);
        for u in c.unmatched.iter().take(limit) {
            t.add_row(vec![
                Cell::new(&u.namespace),
                Cell::new(format!("{}/{}", u.owner_kind, u.owner)),
                right(u.pods),
                right(&u.requested_memory.display),
                right(opt(u.used_memory.as_ref().map(|m| &m.display))),
            ]);
        }
        out.push_str(&t.to_string());
        out.push('\n');
        if c.unmatched.len() > limit {
            out.push_str(&format!(
                "... and {} more groups (--all-rows shows them, -o json carries them)\n",
                c.unmatched.len() - limit
            ));
        }
    }
}

/// The contexts of a several-cluster check (their total last: information only).
fn contexts_table(rows: &[crate::report::cluster::ContextRow], opts: &RenderOptions) -> String {
    let mut t = new_table(
        opts,
        &["Context", "Server", "Nodes", "Pods", "Allocatable", "Requested", "Used", "Status"],
    );
    for c in rows {
        t.add_row(vec![
            Cell::new(&c.context),
            Cell::new(c.server.as_deref().unwrap_or("-")),
            right(c.nodes),
            right(c.pods),
            right(&c.allocatable_memory.display),
            right(&c.requested_memory.display),
            right(&c.used_memory.display),
            Cell::new(match (&c.error, c.missing.is_empty()) {
                (Some(e), _) => format!("NOT READ: {e}"),
                (None, true) => "read".to_string(),
                (None, false) => format!("read, without: {}", c.missing.join("; ")),
            }),
        ]);
    }
    t.to_string()
}

/// A several-cluster check: each cluster's report with its own verdict, the contexts, and the
/// worst verdict (the exit code's).
pub fn checks(r: &crate::report::check::ClustersReport, origin: &str, opts: &RenderOptions) -> String {
    let mut out = format!(
        "bizo-plan check: profile {} ({origin}), {} clusters, each against its own capacity\n",
        r.profile,
        r.clusters.len()
    );
    for c in &r.clusters {
        out.push_str(&format!("\n=== cluster {} ===\n", c.context));
        match (&c.report, &c.error) {
            (Some(rep), _) => out.push_str(&check(rep, origin, opts)),
            (None, e) => out.push_str(&format!("NOT READ: {}\n", e.as_deref().unwrap_or("unknown"))),
        }
    }
    out.push_str("\nClusters (the total is information only: no pod is scheduled across clusters)\n");
    out.push_str(&contexts_table(&r.contexts, opts));
    out.push('\n');
    out.push_str(&format!("\nVerdict of the run: {}\n", r.verdict.status.as_str()));
    for reason in &r.verdict.reasons {
        out.push_str(&format!("  - {reason}\n"));
    }
    out
}
