//! `check` laid out as a [`Document`]: one layout for the text, Markdown and HTML backends.

use super::charts;
use super::doc::{
    Block, Cell, Chart, Column, Document, Figure, Line, LineKind, Part, Section, Table, Text, Tone,
};
use super::plan::{evaluations_table, failing_reasons};
use super::{MAX_ROWS, RenderOptions};
use crate::analysis::check::Status;
use crate::analysis::history::HistoryReport;
use crate::report::check::{CheckReport, ClustersReport};
use crate::report::cluster::{ClusterView, ContextRow, NodeRow};

/// The tone of a verdict.
pub fn status_tone(s: Status) -> Tone {
    match s {
        Status::Healthy => Tone::Good,
        Status::Tight => Tone::Warn,
        Status::Insufficient => Tone::Bad,
    }
}

/// `(c)`, keeping its exact value.
fn paren(c: Cell) -> Cell {
    Cell { text: format!("({})", c.text), ..c }
}

/// The `check` report.
pub fn document(r: &CheckReport, origin: &str, opts: &RenderOptions) -> Document {
    let status = r.verdict.status.as_str();
    let mut d = body(r, origin, opts, "");
    d.title = format!("bizo-plan check: {status} (profile {})", r.profile);
    d.heading = Text::new().t("bizo-plan check: ").tone(status, status_tone(r.verdict.status));
    d
}

/// A several-cluster check: the run's verdict (the worst), the contexts, then each cluster's
/// report with its own verdict.
pub fn clusters_document(r: &ClustersReport, origin: &str, opts: &RenderOptions) -> Document {
    let status = r.verdict.status.as_str();
    let tone = status_tone(r.verdict.status);
    let n = r.clusters.len();
    let mut d = Document {
        title: format!("bizo-plan check: {status} across {n} clusters (profile {})", r.profile),
        heading: Text::new().t("bizo-plan check: ").tone(status, tone).t(format!(" across {n} clusters")),
        lead: vec![Block::Para(
            Text::new()
                .t("Profile ")
                .strong(&r.profile)
                .t(format!(" ({origin}), each cluster against its own capacity")),
        )],
        ..Document::default()
    };
    d.sections.push(
        Section::new(
            "verdict",
            Text::new().t("Verdict of the run: ").tone(status, tone),
            vec![Block::List(r.verdict.reasons.iter().map(Text::from).collect())],
        )
        .answer(tone),
    );
    d.sections.push(contexts_section(&r.contexts));
    // Notes of the run (every cluster's report carries them, "2 of 3 clusters read") are said
    // once, at the top, not again in each cluster's part.
    let reports: Vec<_> = r.clusters.iter().filter_map(|c| c.report.as_ref()).collect();
    let shared: Vec<&String> = reports
        .first()
        .map(|first| first.notes.iter().filter(|n| reports.iter().all(|o| o.notes.contains(n))).collect())
        .unwrap_or_default();
    if !shared.is_empty() {
        d.lead.push(Block::Lines(shared.iter().map(|n| Line::note(n.as_str())).collect()));
    }
    for (i, c) in r.clusters.iter().enumerate() {
        let doc = match &c.report {
            Some(rep) => {
                let mut doc = body(rep, origin, opts, &format!("c{i}-"));
                for b in &mut doc.lead {
                    if let Block::Lines(lines) = b {
                        lines.retain(|l| {
                            l.kind != LineKind::Note || !shared.iter().any(|n| **n == l.text.plain())
                        });
                    }
                }
                doc.lead.retain(|b| !matches!(b, Block::Lines(l) if l.is_empty()));
                let s = rep.verdict.status;
                doc.heading =
                    Text::new().t("Cluster ").code(&c.context).t(": ").tone(s.as_str(), status_tone(s));
                doc
            }
            None => Document {
                heading: Text::new().t("Cluster ").code(&c.context).t(": ").tone("NOT READ", Tone::Bad),
                lead: vec![Block::Lines(vec![Line::missing(c.error.as_deref().unwrap_or("unknown"))])],
                ..Document::default()
            },
        };
        d.parts.push(Part { id: format!("cluster-{i}"), doc });
    }
    d
}

fn contexts_section(rows: &[ContextRow]) -> Section {
    let mut t = Table::new(
        "Cluster contexts",
        vec![
            Column::text("Context"),
            Column::text("Server").optional(2),
            Column::num("Nodes"),
            Column::num("Pods").optional(1),
            Column::num("Allocatable"),
            Column::num("Requested"),
            Column::num("Used"),
            Column::text("Status"),
        ],
    );
    for c in rows {
        t.row(vec![
            Cell::new(&c.context),
            Cell::new(c.server.as_deref().unwrap_or("-")),
            Cell::new(c.nodes.to_string()),
            Cell::new(c.pods.to_string()),
            Cell::mem(&c.allocatable_memory),
            Cell::mem(&c.requested_memory),
            Cell::mem(&c.used_memory),
            match (&c.error, c.missing.is_empty()) {
                (Some(e), _) => Cell::new(format!("NOT READ: {e}")).tone(Tone::Bad),
                (None, true) => Cell::new("read"),
                (None, false) => {
                    Cell::new(format!("read, without: {}", c.missing.join("; "))).tone(Tone::Warn)
                }
            },
        ]);
    }
    t.note("The total is information only: no pod is scheduled across clusters; each has its own verdict.");
    Section::new(
        "contexts",
        "Clusters",
        vec![
            Block::Chart(Chart {
                name: "contexts".into(),
                caption: "Memory per cluster (each has its own verdict; the total is information only)"
                    .into(),
                svg: charts::contexts_chart(rows),
                text: None,
            }),
            Block::Table(t),
        ],
    )
}

/// The report's sections, ids prefixed with `prefix` (unique on a page of several reports).
fn body(r: &CheckReport, origin: &str, opts: &RenderOptions, prefix: &str) -> Document {
    let id = |s: &str| format!("{prefix}{s}");
    let mut lead = vec![
        Block::Para(Text::new().t("Profile ").strong(&r.profile).t(format!(" ({origin})"))),
        Block::Para(Text::from(format!("Baseline: {}", r.baseline_description))),
    ];
    if !r.notes.is_empty() {
        lead.push(Block::Lines(r.notes.iter().map(Line::note).collect()));
    }
    let mut sections = vec![verdict_section(r, &id("verdict"))];
    if let Some(w) = &r.what_if {
        sections.push(what_if_section(w, &id("what-if")));
    }
    sections.push(headroom_section(r, &id("headroom")));
    sections.push(groups_section(r, &id("groups"), prefix));
    sections.push(capacity_section(r, &id("capacity"), prefix));
    if let Some(s) = &r.system {
        sections.push(system_section(s, &id("system")));
    }
    if let Some(c) = &r.cluster {
        sections.push(cluster_section(c, opts, &id("cluster"), prefix));
    }
    if let Some(h) = r.history.as_ref().filter(|h| h.error.is_none()) {
        sections.push(history_section(h, &id("history")));
    }
    sections.push(services_section(r, &id("services")));
    if opts.explain {
        sections.push(explain_section(r, &id("explain")));
    }
    Document { lead, sections, ..Document::default() }
}

fn verdict_section(r: &CheckReport, id: &str) -> Section {
    let v = &r.verdict;
    let tone = status_tone(v.status);
    let mut items: Vec<Text> = v.reasons.iter().map(Text::from).collect();
    for g in &v.gates {
        items.push(
            Text::new()
                .t("gate ")
                .code(&g.gate)
                .t(": ")
                .tone(
                    if g.passed { "passed" } else { "FAILED" },
                    if g.passed { Tone::Good } else { Tone::Bad },
                )
                .t(format!(" ({})", g.detail)),
        );
    }
    Section::new(id, Text::new().t("Verdict: ").tone(v.status.as_str(), tone), vec![Block::List(items)])
        .answer(tone)
}

fn headroom_section(r: &CheckReport, id: &str) -> Section {
    let w = &r.workload;
    let h = &r.host;
    let hr = &r.headroom;
    let of = |c: Cell| Cell::new(format!("of {}", c.text));
    let mut cards = vec![
        Figure {
            label: "Projected used".into(),
            value: Cell::mem(&h.projected_used),
            detail: vec![Cell::pct(&h.projected_used_percent), Cell::new("of"), Cell::mem(&h.total)],
        },
        Figure {
            label: "Projected available".into(),
            value: Cell::smem(&h.projected_available),
            detail: vec![Cell::pct(&h.projected_unavailable_percent), Cell::new("unavailable")],
        },
        Figure {
            label: "Headroom to warn".into(),
            value: Cell::smem(&hr.to_warn),
            detail: vec![Cell::new("limit"), Cell::mem(&hr.warn_limit), paren(Cell::pct(&hr.warn_percent))],
        },
        Figure {
            label: "Headroom to fail".into(),
            value: Cell::smem(&hr.to_fail),
            detail: vec![Cell::new("limit"), Cell::mem(&hr.fail_limit), paren(Cell::pct(&hr.fail_percent))],
        },
    ];
    if let (Some(avg), Some(n)) = (&hr.average_service, hr.more_services_fit) {
        cards.push(Figure {
            label: "More services before warn".into(),
            value: Cell::new(n.to_string()),
            detail: vec![Cell::new("of"), Cell::mem(avg), Cell::new("each")],
        });
    }
    cards.push(Figure {
        label: "Peak used".into(),
        value: Cell::mem(&h.peak_used),
        detail: vec![Cell::pct(&h.peak_used_percent), Cell::new("of the total")],
    });
    if let Some(c) = &r.cpu
        && let (Some(p), Some(pp)) = (&c.projected, &c.projected_percent)
    {
        cards.push(Figure {
            label: "Projected cpu".into(),
            value: Cell::cpu(p),
            detail: vec![Cell::pct(pp), of(Cell::cpu(&c.capacity))],
        });
    }
    let mut t = Table::new(
        "Memory",
        vec![
            Column::text("Figure"),
            Column::num("Value"),
            Column::num("Bytes").optional(1),
            Column::num("Share of total"),
        ],
    );
    let mut row = |label: String, value: Cell, share: Cell| {
        let bytes = value.exact.as_deref().and_then(|e| e.strip_suffix(" bytes")).unwrap_or("").to_string();
        t.row(vec![Cell::new(label), value, Cell::new(bytes), share]);
    };
    row(
        format!("Current workload ({} deployed)", w.deployed_services),
        Cell::mem(&w.current),
        Cell::default(),
    );
    row(format!("Planned ({} services)", w.planned_services), Cell::mem(&w.planned), Cell::default());
    row("Projected workload".into(), Cell::mem(&w.projected), Cell::default());
    row("Total".into(), Cell::mem(&h.total), Cell::default());
    row("Used now".into(), Cell::mem(&h.used), Cell::pct(&h.used_percent));
    row("Available now".into(), Cell::mem(&h.available), Cell::default());
    row("Projected used".into(), Cell::mem(&h.projected_used), Cell::pct(&h.projected_used_percent));
    let unavailable = Cell::pct(&h.projected_unavailable_percent);
    row(
        "Projected available".into(),
        Cell::smem(&h.projected_available),
        Cell { text: format!("{} unavailable", unavailable.text), ..unavailable },
    );
    row("Peak used (every service at peak)".into(), Cell::mem(&h.peak_used), Cell::pct(&h.peak_used_percent));
    row(format!("Warn limit ({})", hr.warn_percent.display()), Cell::mem(&hr.warn_limit), Cell::default());
    row("Headroom to warn".into(), Cell::smem(&hr.to_warn), Cell::default());
    row(format!("Fail limit ({})", hr.fail_percent.display()), Cell::mem(&hr.fail_limit), Cell::default());
    row("Headroom to fail".into(), Cell::smem(&hr.to_fail), Cell::default());
    if let (Some(avg), Some(n)) = (&hr.average_service, hr.more_services_fit) {
        row(
            format!("More services of {} that fit before warn", avg.display()),
            Cell::new(n.to_string()),
            Cell::default(),
        );
    }
    let mut blocks = vec![Block::Figures(cards), Block::Table(t)];
    if let Some(c) = &r.cpu {
        let mut t = Table::new(
            "CPU",
            vec![
                Column::num("Capacity"),
                Column::num("Used now"),
                Column::num("Planned"),
                Column::num("Projected"),
                Column::num("Share"),
            ],
        );
        t.row(vec![
            Cell::cpu(&c.capacity),
            Cell::cpu_or(c.used.as_ref(), "unknown"),
            Cell::cpu(&c.planned),
            Cell::cpu_or(c.projected.as_ref(), "unknown"),
            Cell::pct_or(c.projected_percent.as_ref(), ""),
        ]);
        blocks.push(Block::Table(t));
    }
    Section::new(id, "Headroom", blocks)
}

fn groups_section(r: &CheckReport, id: &str, prefix: &str) -> Section {
    let mut t = Table::new(
        "By group",
        vec![
            Column::text("Group"),
            Column::num("Deployed"),
            Column::num("Planned"),
            Column::num("Deployed memory"),
            Column::num("Planned memory"),
            Column::num("Projected"),
        ],
    );
    for g in &r.groups {
        t.row(vec![
            Cell::new(&g.group),
            Cell::new(g.deployed_services.to_string()),
            Cell::new(g.planned_services.to_string()),
            Cell::mem(&g.deployed),
            Cell::mem(&g.planned),
            Cell::mem(&g.projected),
        ]);
    }
    Section::new(
        id,
        "Projected workload by group",
        vec![
            Block::Chart(Chart {
                name: "groups".into(),
                caption: "Deployed and planned memory by group".into(),
                svg: charts::groups_chart(r, prefix),
                text: None,
            }),
            Block::Table(t),
        ],
    )
}

fn capacity_section(r: &CheckReport, id: &str, prefix: &str) -> Section {
    let h = &r.host;
    let hr = &r.headroom;
    let mut base = Table::new(
        "Baseline",
        vec![
            Column::text("Capacity"),
            Column::num("Total"),
            Column::num("Used now"),
            Column::num("Planned"),
            Column::num("Projected used"),
            Column::num("Warn limit"),
            Column::num("Fail limit"),
        ],
    );
    base.row(vec![
        Cell::new(charts::baseline_label(r)),
        Cell::mem(&h.total),
        Cell::mem(&h.used),
        Cell::mem(&r.workload.planned),
        Cell::with_share(Cell::mem(&h.projected_used), Cell::pct(&h.projected_used_percent)),
        Cell::with_share(Cell::mem(&hr.warn_limit), Cell::pct(&hr.warn_percent)),
        Cell::with_share(Cell::mem(&hr.fail_limit), Cell::pct(&hr.fail_percent)),
    ]);
    let mut blocks = vec![
        Block::Chart(Chart {
            name: "capacity".into(),
            caption: "The projected load against this baseline and the catalog's tiers".into(),
            svg: charts::capacity_chart(r, prefix),
            text: None,
        }),
        Block::Table(base),
    ];
    if !r.tiers.is_empty() {
        blocks.push(Block::Para(Text::from(
            "The tiers are loaded with every service at the policy's size (peak by default), placed on their nodes with what each node runs; a tier passes when every node keeps the required headroom.",
        )));
        blocks.push(Block::Table(evaluations_table("The projected load on the catalog's tiers", &r.tiers)));
        let reasons = failing_reasons(&r.tiers);
        if !reasons.is_empty() {
            blocks.push(Block::List(reasons));
        }
    }
    Section::new(id, "Projected memory against capacity", blocks)
}

fn system_section(s: &crate::report::check::SystemSection, id: &str) -> Section {
    let mut t = Table::new(
        "",
        vec![
            Column::text("Part"),
            Column::num("Memory"),
            Column::num("CPU").optional(1),
            Column::text("Per").optional(2),
            Column::text("Source").optional(3),
        ],
    );
    for p in &s.parts {
        t.row(vec![
            Cell::new(&p.part),
            Cell::mem(&p.memory),
            Cell::cpu(&p.cpu),
            Cell::new(p.per),
            Cell::new(&p.source),
        ]);
    }
    t.row(vec![Cell::new("Total"), Cell::mem(&s.total), Cell::default(), Cell::default(), Cell::default()]);
    Section::new(id, format!("What the node runs besides the services ({})", s.how), vec![Block::Table(t)])
}

/// The nodes a table shows: all of them when they are few or `--all-rows` is set; else the
/// [`MAX_ROWS`] with the least free memory (the ones a planner looks at first), in list order.
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
fn hidden_nodes_note(c: &ClusterView, shown: &[&NodeRow]) -> String {
    let excluded = |it: &mut dyn Iterator<Item = &NodeRow>| it.filter(|n| n.excluded.is_some()).count();
    let hidden_excluded = excluded(&mut c.nodes.iter()) - excluded(&mut shown.iter().copied());
    format!(
        "... {} of {} nodes shown (those with the least free memory); {} more, {hidden_excluded} of them excluded from scheduling (--all-rows shows every node, -o json carries them)",
        shown.len(),
        c.nodes.len(),
        c.nodes.len() - shown.len(),
    )
}

fn cluster_section(c: &ClusterView, opts: &RenderOptions, id: &str, prefix: &str) -> Section {
    let mut at = Text::new().t("Context ").code(&c.context).t(" at ").code(&c.server);
    if !c.namespaces.is_empty() {
        at = at.t(", namespaces ").code(c.namespaces.join(","));
    }
    if let Some(sel) = &c.selector {
        at = at.t(", pods ").code(format!("-l {sel}"));
    }
    if let Some(sel) = &c.node_selector {
        at = at.t(", nodes ").code(format!("-l {sel}"));
    }
    let mut blocks = vec![Block::Para(at)];
    let limit = if opts.all_rows { usize::MAX } else { MAX_ROWS };
    if !c.warnings.is_empty() {
        let mut lines: Vec<Line> = c.warnings.iter().take(limit).map(Line::warning).collect();
        if c.warnings.len() > limit {
            lines.push(Line::plain(format!(
                "... and {} more warnings (--all-rows shows them, -o json carries them)",
                c.warnings.len() - limit
            )));
        }
        blocks.push(Block::Lines(lines));
    }
    let tt = &c.totals;
    let mut totals = format!(
        "{} node(s), {} schedulable; {} pods ({} unscheduled, {} on nodes outside the selection); allocatable {}, requested {}",
        tt.nodes,
        tt.schedulable_nodes,
        tt.pods,
        tt.pods_unscheduled,
        tt.pods_on_unlisted_nodes,
        tt.allocatable_memory.display(),
        tt.requested_memory.display()
    );
    if let Some(u) = &tt.node_usage_memory {
        totals.push_str(&format!(", used {} by NodeMetrics", u.display()));
    }
    if let Some(u) = &tt.pod_usage_memory {
        totals.push_str(&format!(", {} by the pods", u.display()));
    }
    if let Some(o) = &tt.system_overhead_memory {
        totals.push_str(&format!(" (system overhead {})", o.display()));
    }
    totals.push('.');
    blocks.push(Block::Para(Text::from(totals)));
    if !c.nodes.is_empty() {
        let shown = shown_nodes(c, opts);
        blocks.push(Block::Chart(Chart {
            name: "nodes".into(),
            caption: "Memory per node".into(),
            svg: charts::nodes_chart(c, &shown, prefix),
            text: None,
        }));
        let mut t = Table::new(
            "Nodes",
            vec![
                Column::text("Node"),
                Column::text("Roles").optional(4),
                Column::num("Capacity").optional(5),
                Column::num("Allocatable"),
                Column::num("Requested"),
                Column::num("Used (node)").optional(1),
                Column::num("Pods' usage").optional(3),
                Column::num("Free"),
                Column::num("CPU requested / allocatable").optional(2),
                Column::num("CPU used").optional(2),
                Column::num("Pods").optional(3),
                Column::text("Status"),
            ],
        );
        for n in &shown {
            t.row(vec![
                Cell::new(&n.name).tone(if n.excluded.is_some() { Tone::Muted } else { Tone::Plain }),
                Cell::new(n.roles.join(",")),
                Cell::mem(&n.capacity_memory),
                Cell::mem(&n.allocatable_memory),
                Cell::with_share(Cell::mem(&n.requested_memory), Cell::pct(&n.requested_memory_percent)),
                match (&n.used_memory, &n.used_memory_percent) {
                    (Some(u), Some(p)) => Cell::with_share(Cell::mem(u), Cell::pct(p)),
                    _ => Cell::new("n/a"),
                },
                Cell::mem_or(n.pod_usage_memory.as_ref(), "n/a"),
                Cell::mem(&n.free_memory),
                Cell::over(Cell::cpu(&n.requested_cpu), Cell::cpu(&n.allocatable_cpu)),
                Cell::cpu_or(n.used_cpu.as_ref(), "n/a"),
                Cell::new(format!("{}/{}", n.pods, n.pod_slots)),
                Cell::new(
                    n.excluded.as_deref().map_or("schedulable".to_string(), |e| format!("excluded: {e}")),
                ),
            ]);
        }
        if shown.len() < c.nodes.len() {
            t.note(hidden_nodes_note(c, &shown));
        }
        blocks.push(Block::Table(t));
    }
    if !c.drift.is_empty() {
        let mut t = Table::new(
            "Live services against the profile",
            vec![
                Column::text("Service"),
                Column::num("Pods"),
                Column::text("Matched by").optional(2),
                Column::num("Profile"),
                Column::num("Live"),
                Column::num("Drift"),
                Column::text("Live figure from").optional(1),
            ],
        );
        for d in &c.drift {
            t.row(vec![
                Cell::new(&d.service),
                Cell::new(d.pods.to_string()),
                Cell::new(d.matched_by),
                Cell::mem(&d.profile_memory),
                Cell::mem(&d.live_memory),
                Cell::exact(&d.drift, format!("{} bytes", d.drift_bytes)),
                Cell::new(d.live_source),
            ]);
        }
        blocks.push(Block::Table(t));
    }
    let mut lines = Vec::new();
    if !c.services_without_pods.is_empty() {
        lines.push(Line::plain(format!(
            "Deployed in the profile but no pods found (added like planned services): {}",
            c.services_without_pods.join(", ")
        )));
    }
    if !c.services_out_of_scope.is_empty() {
        lines.push(Line::plain(format!(
            "Outside the scope (-n, -l): not counted, not added: {}",
            c.services_out_of_scope.join(", ")
        )));
    }
    if !c.planned_already_running.is_empty() {
        lines.push(Line::plain(format!(
            "Planned in the profile but already running (counted as running): {}",
            c.planned_already_running.join(", ")
        )));
    }
    if !lines.is_empty() {
        blocks.push(Block::Lines(lines));
    }
    if !c.unmatched.is_empty() {
        let mut t = Table::new(
            "Pods not in the profile (by namespace and owner)",
            vec![
                Column::text("Namespace"),
                Column::text("Owner"),
                Column::num("Pods"),
                Column::num("Requested"),
                Column::num("Used"),
            ],
        );
        for u in c.unmatched.iter().take(limit) {
            t.row(vec![
                Cell::new(&u.namespace),
                Cell::new(format!("{}/{}", u.owner_kind, u.owner)),
                Cell::new(u.pods.to_string()),
                Cell::mem(&u.requested_memory),
                Cell::mem_or(u.used_memory.as_ref(), "n/a"),
            ]);
        }
        if c.unmatched.len() > limit {
            t.note(format!(
                "... and {} more groups (--all-rows shows them, -o json carries them)",
                c.unmatched.len() - limit
            ));
        }
        blocks.push(Block::Table(t));
    }
    Section::new(id, "Cluster", blocks)
}

fn history_section(h: &HistoryReport, id: &str) -> Section {
    let mut t = Table::new(
        "",
        vec![
            Column::text("Service"),
            Column::num("Pods"),
            Column::num("Memory (quantile)"),
            Column::num("Peak (max)"),
            Column::num("CPU (quantile)"),
            Column::num("Profile memory / peak / cpu").optional(1),
        ],
    );
    let fig = |f: Option<String>| f.unwrap_or_else(|| "-".into());
    for s in &h.services {
        t.row(vec![
            Cell::new(&s.name),
            Cell::new(s.pods.len().to_string()),
            s.memory.as_ref().map_or_else(|| Cell::new("-"), Cell::mem),
            s.memory_peak.as_ref().map_or_else(|| Cell::new("-"), Cell::mem),
            s.cpu.as_ref().map_or_else(|| Cell::new("-"), Cell::cpu),
            Cell::new(format!(
                "{} / {} / {}",
                s.profile_memory.display(),
                fig(s.profile_memory_peak.as_ref().map(|m| m.display())),
                fig(s.profile_cpu.as_ref().map(|c| c.display()))
            )),
        ]);
    }
    let mut blocks = vec![
        Block::Para(Text::from(format!(
            "{} quantile and peak over {} (step {}) at {}, per replica (the largest pod).",
            h.quantile, h.window, h.step, h.at
        ))),
        Block::Table(t),
    ];
    let mut lines = Vec::new();
    if !h.without_figures.is_empty() {
        lines.push(Line::plain(format!("No figures (profile kept): {}", h.without_figures.join(", "))));
    }
    if !h.unmatched_pods.is_empty() {
        let shown: Vec<&str> = h.unmatched_pods.iter().take(MAX_ROWS).map(String::as_str).collect();
        let more = h.unmatched_pods.len() - shown.len();
        lines.push(Line::plain(format!(
            "Pods matching no service ({}): {}{}",
            h.unmatched_pods.len(),
            shown.join(", "),
            if more > 0 { format!(" ... and {more} more (-o json lists all)") } else { String::new() }
        )));
    }
    lines.extend(h.warnings.iter().map(Line::warning));
    if !lines.is_empty() {
        blocks.push(Block::Lines(lines));
    }
    Section::new(id, format!("History from {}", h.source), blocks)
}

fn services_section(r: &CheckReport, id: &str) -> Section {
    let with_pods = r.services.iter().any(|s| s.pods.is_some());
    let mut columns = vec![
        Column::text("Service"),
        Column::text("Group").optional(2),
        Column::text("Status"),
        Column::num("Port").optional(3),
        Column::num("Replicas"),
    ];
    if with_pods {
        columns.push(Column::num("Pods"));
    }
    columns.extend([
        Column::num("Memory"),
        Column::num("Peak").optional(1),
        Column::num("CPU").optional(1),
        Column::text("Figure from").optional(4),
    ]);
    let mut t = Table::new(format!("{} services", r.services.len()), columns);
    for s in &r.services {
        let mut row = vec![
            Cell::new(&s.name),
            Cell::new(&s.group),
            Cell::new(s.status.to_string()),
            Cell::new(s.port.map(|p| p.to_string()).unwrap_or_default()),
            Cell::new(s.replicas.to_string()),
        ];
        if with_pods {
            row.push(Cell::new(s.pods.map(|p| p.to_string()).unwrap_or_default()));
        }
        row.extend([
            Cell::mem(&s.memory),
            Cell::mem(&s.memory_peak),
            Cell::cpu_or(s.cpu.as_ref(), "-"),
            Cell::new(format!("{}; peak: {}", s.source, s.peak_source)),
        ]);
        t.row(row);
    }
    Section::new(id, "Services", vec![Block::Table(t)])
}

fn explain_section(r: &CheckReport, id: &str) -> Section {
    let mut t = Table::new("", vec![Column::text("Figure"), Column::text("Arithmetic")]);
    for e in &r.explain {
        t.row(vec![Cell::code(&e.figure), Cell::new(&e.arithmetic)]);
    }
    Section::new(id, "How each figure was computed", vec![Block::Table(t)])
}

fn what_if_section(w: &crate::report::whatif::WhatIf, id: &str) -> Section {
    let mut blocks = Vec::new();
    if let Some(d) = &w.description {
        blocks.push(Block::Para(Text::from(d)));
    }
    let dash =
        |m: &Option<crate::model::figure::MemFig>| m.as_ref().map_or_else(|| Cell::new("-"), Cell::mem);
    let mut t = Table::new(
        "Changes",
        vec![
            Column::text("Change"),
            Column::text("Service"),
            Column::num("Counted now"),
            Column::num("Planned"),
            Column::num("Peak").optional(1),
            Column::num("Delta"),
        ],
    );
    for c in &w.changes {
        t.row(vec![
            Cell::new(c.change),
            Cell::new(match &c.replacement {
                Some(r) => format!("{} -> {r}", c.service),
                None => c.service.clone(),
            }),
            dash(&c.memory_before),
            dash(&c.memory_after),
            dash(&c.peak_after),
            Cell::smem(&c.delta),
        ]);
    }
    blocks.push(Block::Table(t));
    let mut t = Table::new(
        format!("Before and after (change in projected used: {})", w.delta.display()),
        vec![
            Column::text("Plan"),
            Column::num("Projected used"),
            Column::num("Share"),
            Column::num("At peak"),
            Column::num("Peak share"),
            Column::text("Verdict"),
        ],
    );
    for (label, side) in [("before", &w.before), ("after", &w.after)] {
        t.row(vec![
            Cell::new(label),
            Cell::mem(&side.projected_used),
            Cell::pct(&side.gated_percent),
            Cell::mem(&side.peak_used),
            Cell::pct(&side.peak_used_percent),
            Cell::new(side.verdict.as_str()).tone(status_tone(side.verdict)),
        ]);
    }
    blocks.push(Block::Table(t));
    blocks.push(Block::Para(Text::new().strong(&w.conclusion)));
    Section::new(id, format!("What-if: {}", w.scenario), blocks)
}
