//! Markdown for pull-request comments.

use super::RenderOptions;
use crate::report::check::CheckReport;

fn esc(s: &str) -> String {
    s.replace('|', "\\|")
}

fn table(out: &mut String, header: &[&str], rows: Vec<Vec<String>>) {
    out.push_str(&format!("| {} |\n", header.join(" | ")));
    out.push_str(&format!("|{}|\n", header.iter().map(|_| "---").collect::<Vec<_>>().join("|")));
    for r in rows {
        out.push_str(&format!("| {} |\n", r.iter().map(|c| esc(c)).collect::<Vec<_>>().join(" | ")));
    }
}

/// The `check` report as Markdown.
pub fn check(r: &CheckReport, origin: &str, opts: &RenderOptions) -> String {
    let mut out = String::new();
    let v = &r.verdict;
    out.push_str(&format!("## bizo-plan check: **{}**\n\n", v.status.as_str()));
    out.push_str(&format!(
        "Profile `{}` ({}). Baseline: {}.\n\n",
        r.profile,
        esc(origin),
        r.baseline_description
    ));
    for reason in &v.reasons {
        out.push_str(&format!("- {reason}\n"));
    }
    for g in &v.gates {
        out.push_str(&format!(
            "- gate `{}`: {} ({})\n",
            g.gate,
            if g.passed { "passed" } else { "**FAILED**" },
            g.detail
        ));
    }
    for n in &r.notes {
        out.push_str(&format!("- note: {n}\n"));
    }
    if let Some(w) = &r.what_if {
        out.push_str(&format!("\n### What-if: {}\n\n", esc(&w.scenario)));
        let rows = w
            .changes
            .iter()
            .map(|c| {
                let dash = |m: &Option<crate::model::figure::MemFig>| {
                    m.as_ref().map_or("-".to_string(), |m| m.display.clone())
                };
                vec![
                    c.change.to_string(),
                    match &c.replacement {
                        Some(r) => format!("{} -> {r}", c.service),
                        None => c.service.clone(),
                    },
                    dash(&c.memory_before),
                    dash(&c.memory_after),
                    c.delta.display.clone(),
                ]
            })
            .collect();
        table(&mut out, &["Change", "Service", "Counted now", "Planned", "Delta"], rows);
        out.push_str(&format!("\n**{}**\n", w.conclusion));
    }
    let w = &r.workload;
    let h = &r.host;
    let hr = &r.headroom;
    out.push_str("\n### Memory\n\n");
    let mut rows = vec![
        vec![
            format!("Current workload ({} deployed)", w.deployed_services),
            w.current.display.clone(),
            String::new(),
        ],
        vec![format!("Planned ({} services)", w.planned_services), w.planned.display.clone(), String::new()],
        vec!["Projected workload".into(), w.projected.display.clone(), String::new()],
        vec!["Host total".into(), h.total.display.clone(), String::new()],
        vec!["Host used now".into(), h.used.display.clone(), h.used_percent.display.clone()],
        vec![
            "Projected used".into(),
            h.projected_used.display.clone(),
            h.projected_used_percent.display.clone(),
        ],
        vec![
            "Projected available".into(),
            h.projected_available.display.clone(),
            format!("{} unavailable", h.projected_unavailable_percent.display),
        ],
        vec!["Peak used".into(), h.peak_used.display.clone(), h.peak_used_percent.display.clone()],
        vec![
            format!("Headroom to warn ({})", hr.warn_percent.display),
            hr.to_warn.display.clone(),
            String::new(),
        ],
    ];
    if let (Some(avg), Some(n)) = (&hr.average_service, hr.more_services_fit) {
        rows.push(vec![format!("More services of {} that fit", avg.display), n.to_string(), String::new()]);
    }
    table(&mut out, &["Figure", "Value", "Share of total"], rows);

    if let Some(h) = &r.history
        && h.error.is_none()
    {
        out.push_str(&format!(
            "\n### History from {}\n\n{} quantile and peak over {} (step {}) at {}, per replica (the largest pod).\n\n",
            esc(&h.source),
            h.quantile,
            h.window,
            h.step,
            h.at
        ));
        let dash = |f: Option<&String>| f.cloned().unwrap_or_else(|| "-".into());
        let rows = h
            .services
            .iter()
            .map(|s| {
                vec![
                    s.name.clone(),
                    s.pods.len().to_string(),
                    dash(s.memory.as_ref().map(|m| &m.display)),
                    dash(s.memory_peak.as_ref().map(|m| &m.display)),
                    dash(s.cpu.as_ref().map(|c| &c.display)),
                    format!(
                        "{} / {} / {}",
                        s.profile_memory.display,
                        dash(s.profile_memory_peak.as_ref().map(|m| &m.display)),
                        dash(s.profile_cpu.as_ref().map(|c| &c.display))
                    ),
                ]
            })
            .collect();
        table(
            &mut out,
            &[
                "Service",
                "Pods",
                "Memory (quantile)",
                "Peak (max)",
                "CPU (quantile)",
                "Profile memory / peak / cpu",
            ],
            rows,
        );
        if !h.without_figures.is_empty() {
            out.push_str(&format!("\nNo figures (profile kept): {}\n", h.without_figures.join(", ")));
        }
    }

    if let Some(c) = &r.cluster {
        out.push_str(&format!("\n### Cluster `{}` ({})\n\n", c.context, esc(&c.server)));
        for m in &c.missing {
            out.push_str(&format!("- **could not {m}**\n"));
        }
        let shown = super::table::shown_nodes(c, opts);
        let rows = shown
            .iter()
            .map(|n| {
                vec![
                    n.name.clone(),
                    n.allocatable_memory.display.clone(),
                    format!("{} ({})", n.requested_memory.display, n.requested_memory_percent.display),
                    n.used_memory.as_ref().map_or("n/a".into(), |u| u.display.clone()),
                    n.free_memory.display.clone(),
                    n.excluded.clone().map_or("schedulable".into(), |e| format!("excluded: {e}")),
                ]
            })
            .collect();
        table(&mut out, &["Node", "Allocatable", "Requested", "Used", "Free", "Status"], rows);
        if shown.len() < c.nodes.len() {
            out.push('\n');
            out.push_str(&super::table::hidden_nodes_note(c, &shown));
        }
        if !c.drift.is_empty() {
            out.push('\n');
            let rows = c
                .drift
                .iter()
                .map(|d| {
                    vec![
                        d.service.clone(),
                        d.profile_memory.display.clone(),
                        d.live_memory.display.clone(),
                        d.drift.clone(),
                    ]
                })
                .collect();
            table(&mut out, &["Service", "Profile", "Live", "Drift"], rows);
        }
    }

    if !r.tiers.is_empty() {
        out.push_str("\n### Tiers\n\n");
        let rows = r
            .tiers
            .iter()
            .map(|e| {
                vec![
                    e.name.clone(),
                    e.monthly.clone(),
                    if e.passes { "yes".into() } else { "no".into() },
                    format!("{} / {}", e.memory_headroom.display, e.cpu_headroom.display),
                    e.limiting.to_string(),
                    e.reasons.join("; "),
                ]
            })
            .collect();
        table(&mut out, &["Tier", "Monthly", "Passes", "Headroom mem/cpu", "Limiting", "Why not"], rows);
    }

    out.push_str("\n### Services\n\n");
    let rows = r
        .services
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                s.group.clone(),
                s.status.to_string(),
                s.replicas.to_string(),
                s.memory.display.clone(),
                s.cpu.as_ref().map(|c| c.display.clone()).unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    table(&mut out, &["Service", "Group", "Status", "Replicas", "Memory", "CPU"], rows);

    if opts.explain {
        out.push_str("\n### How each figure was computed\n\n");
        let rows = r.explain.iter().map(|e| vec![format!("`{}`", e.figure), e.arithmetic.clone()]).collect();
        table(&mut out, &["Figure", "Arithmetic"], rows);
    }
    out
}

/// A several-cluster check as Markdown: the worst verdict, then each cluster's report.
pub fn checks(r: &crate::report::check::ClustersReport, origin: &str, opts: &RenderOptions) -> String {
    let mut out = format!(
        "## bizo-plan check: **{}** across {} clusters\n\n",
        r.verdict.status.as_str(),
        r.clusters.len()
    );
    for reason in &r.verdict.reasons {
        out.push_str(&format!("- {reason}\n"));
    }
    let rows = r
        .contexts
        .iter()
        .map(|c| {
            vec![
                c.context.clone(),
                c.nodes.to_string(),
                c.allocatable_memory.display.clone(),
                c.used_memory.display.clone(),
                c.error.clone().map_or("read".into(), |e| format!("**not read**: {e}")),
            ]
        })
        .collect();
    out.push('\n');
    table(&mut out, &["Context", "Nodes", "Allocatable", "Used", "Status"], rows);
    for c in &r.clusters {
        if let Some(rep) = &c.report {
            out.push_str(&format!("\n---\n\n### Cluster `{}`\n\n", c.context));
            out.push_str(&check(rep, origin, opts));
        }
    }
    out
}
