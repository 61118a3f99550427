//! `rightsize` laid out as a [`Document`], and as strategic merge patches (`-o patch`).

use super::RenderOptions;
use super::doc::{Block, Cell, Column, Document, Line, Section, Table, Text, Tone};
use crate::model::figure::{CpuFig, MemFig};
use crate::model::quantity::{Bytes, Millicores};
use crate::report::rightsize::{ContainerRow, RightsizeReport};

fn show_cpu(f: Option<&CpuFig>) -> String {
    f.map_or("-".to_string(), CpuFig::display)
}

fn show_mem(f: Option<&MemFig>) -> String {
    f.map_or("-".to_string(), MemFig::display)
}

/// `now→new` (no spaces: a table never breaks it).
fn change(now: String, new: String) -> Cell {
    Cell::new(format!("{now}\u{2192}{new}"))
}

fn name(r: &ContainerRow) -> String {
    format!("{}/{} {}", r.namespace, r.workload, r.container)
}

/// The document of a report.
pub fn document(r: &RightsizeReport, opts: &RenderOptions) -> Document {
    let mut lead = vec![Block::Lines(vec![
        Line::plain(format!(
            "History: {}, window {} at step {}, ending {} ({} queries, {} points)",
            r.source, r.window, r.step, r.at, r.read.queries, r.read.points
        )),
        Line::plain(Text::new().t("Strategy ").code(r.strategy).t(format!(": {}", r.rule))),
    ])];
    if !r.warnings.is_empty() || !r.notes.is_empty() {
        lead.push(Block::Lines(
            r.warnings.iter().map(Line::warning).chain(r.notes.iter().map(Line::note)).collect(),
        ));
    }
    let mut t = Table::new(
        "Per container: requests and limits now\u{2192}recommended; usage over the window (95th percentile/peak)",
        vec![
            Column::text("container"),
            Column::num("pods").optional(3),
            Column::num("cpu request"),
            Column::num("cpu limit").optional(2),
            Column::num("cpu used").optional(1),
            Column::num("throttled").optional(3),
            Column::num("memory request"),
            Column::num("memory limit"),
            Column::num("memory used").optional(1),
            Column::num("change"),
            Column::num("OOM").optional(2),
        ],
    );
    let shown = if opts.all_rows { r.containers.len() } else { r.containers.len().min(super::MAX_ROWS) };
    for c in r.containers.iter().take(shown) {
        let o = &c.observed;
        t.row(vec![
            Cell::new(name(c) + if c.hpa { " (HPA)" } else { "" }),
            Cell::new(format!("{}/{}", c.running, c.pods)),
            change(show_cpu(c.current.cpu_request.as_ref()), show_cpu(c.recommended.cpu_request.as_ref())),
            change(show_cpu(c.current.cpu_limit.as_ref()), show_cpu(c.recommended.cpu_limit.as_ref())),
            Cell::new(format!("{}/{}", show_cpu(o.cpu_p95.as_ref()), show_cpu(o.cpu_peak.as_ref()))),
            o.cpu_throttled.as_ref().map_or(Cell::new("-"), Cell::pct),
            change(
                show_mem(c.current.memory_request.as_ref()),
                show_mem(c.recommended.memory_request.as_ref()),
            ),
            change(show_mem(c.current.memory_limit.as_ref()), show_mem(c.recommended.memory_limit.as_ref())),
            Cell::new(format!("{}/{}", show_mem(o.memory_p95.as_ref()), show_mem(o.memory_peak.as_ref()))),
            c.memory_change.as_ref().map_or(Cell::new("-"), |m| {
                let cell = Cell::smem(m);
                if m.bytes > 0 { cell.tone(Tone::Warn) } else { cell }
            }),
            Cell::new(o.oom_kills.to_string()),
        ]);
    }
    if shown < r.containers.len() {
        t.note(format!(
            "{} more container(s): --all-rows lists them (JSON and YAML carry all)",
            r.containers.len() - shown
        ));
    }
    let mut blocks = vec![Block::Table(t)];
    let skipped: Vec<Line> = r
        .containers
        .iter()
        .filter(|c| !c.skipped.is_empty())
        .map(|c| Line::note(format!("{}: {} (current figures kept)", name(c), c.skipped.join("; "))))
        .collect();
    if !skipped.is_empty() {
        blocks.push(Block::Lines(skipped));
    }
    if opts.explain {
        let mut lines = Vec::new();
        for c in &r.containers {
            for e in &c.explain {
                lines.push(Line::plain(format!("{}: {e}", name(c))));
            }
        }
        blocks.push(Block::Lines(lines));
    }
    let mut sections = vec![Section::new("containers", "Right-sized requests", blocks)];
    if let Some(b) = &r.backtest {
        let mut bt = Table::new(
            format!("Backtest: trained on {} before {}, scored on the {} after", b.train, b.split, b.test),
            vec![
                Column::text("strategy"),
                Column::num("container-days"),
                Column::num("under-provisioned"),
                Column::num("memory / cpu").optional(1),
                Column::num("OOM / throttled").optional(2),
                Column::num("median slack memory"),
                Column::num("median slack cpu"),
            ],
        );
        for x in &b.rows {
            bt.row(vec![
                Cell::new(x.strategy),
                Cell::new(x.container_days.to_string()),
                Cell::new(format!("{} ({})", x.under, x.under_share.display())),
                Cell::new(format!("{} / {}", x.under_memory, x.under_cpu)),
                Cell::new(format!("{} / {}", x.oom, x.throttled)),
                Cell::pct(&x.median_slack_memory),
                Cell::pct(&x.median_slack_cpu),
            ]);
        }
        bt.note(b.rule.clone());
        sections.push(Section::new("backtest", "Backtest", vec![Block::Table(bt)]));
    }
    let tot = &r.totals;
    let answer = Text::new().t(format!(
        "Requested by the {} running pod(s): memory {} -> {} ({}), cpu {} -> {} ({})",
        r.containers.iter().map(|c| c.running).sum::<u64>(),
        tot.memory_before.display(),
        tot.memory_after.display(),
        tot.memory_change.display(),
        tot.cpu_before.display(),
        tot.cpu_after.display(),
        signed_millicores(tot.cpu_change_millicores)
    ));
    let tone = if tot.memory_change.bytes <= 0 { Tone::Good } else { Tone::Warn };
    let mut blocks = vec![Block::Para(answer)];
    if let Some(c) = &r.changes {
        let p = &c.plan;
        let mut lines = vec![Line::plain(format!("Plan ({}): {}", p.basis, p.summary))];
        if let Some(k) = &c.cluster {
            lines.push(Line::plain(format!("Cluster: {}", k.summary)));
        }
        if opts.explain {
            lines.push(Line::plain(format!(
                "plan: recommend's pick for a demand of {} ({}) and, right-sized, {} ({}); default headroom, no HA",
                p.demand_memory_before.display(),
                p.demand_source_before,
                p.demand_memory_after.display(),
                p.demand_source_after
            )));
            if let Some(k) = &c.cluster {
                lines.extend(k.explain.iter().map(|e| Line::plain(format!("cluster: {e}"))));
            }
        }
        blocks.push(Block::Lines(lines));
    }
    sections.push(Section::new("totals", "What it changes", blocks).answer(tone));
    Document {
        title: format!("bizo-plan rightsize: {}", r.strategy),
        heading: Text::new().t("bizo-plan rightsize: ").strong(r.strategy),
        lead,
        sections,
        parts: Vec::new(),
    }
}

fn signed_millicores(m: i64) -> String {
    let h = Millicores(m.unsigned_abs()).human();
    if m < 0 { format!("-{h}") } else { format!("+{h}") }
}

/// Kinds a strategic merge patch of a pod template applies to.
const PATCHABLE: [&str; 3] = ["Deployment", "StatefulSet", "DaemonSet"];

/// YAML's quoting of a Kubernetes name (names are DNS labels: safe unquoted, quoted anyway
/// when not).
fn yaml_str(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)) {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

/// Strategic merge patches of the workloads' container resources, one YAML document per
/// workload (`kubectl patch KIND NAME -n NS --patch-file FILE` for each, or a kustomize
/// `patches:` entry). A cpu limit the strategy drops is removed (`cpu: null`). Workloads of
/// other kinds (bare pods, Jobs) and containers without a recommendation are listed in comments.
pub fn patch(r: &RightsizeReport) -> String {
    let mut out = format!(
        "# bizo-plan rightsize --strategy {} ({}, window {} ending {}).\n# One strategic merge patch per workload: kubectl -n NAMESPACE patch KIND NAME --patch-file <one document>\n# bizo-plan never applies them.\n",
        r.strategy, r.source, r.window, r.at
    );
    let mut i = 0;
    while i < r.containers.len() {
        let first = &r.containers[i];
        let mut j = i;
        while j < r.containers.len()
            && r.containers[j].namespace == first.namespace
            && r.containers[j].workload == first.workload
        {
            j += 1;
        }
        let group = &r.containers[i..j];
        i = j;
        let (kind, wname) = first.workload.split_once('/').unwrap_or(("Pod", first.workload.as_str()));
        if !PATCHABLE.contains(&kind) {
            out.push_str(&format!(
                "# {}/{}: a {kind} has no pod template to patch; set its resources where it is created\n",
                first.namespace, first.workload
            ));
            continue;
        }
        let mut containers = String::new();
        for c in group {
            let rec = &c.recommended;
            let changed = c.skipped.is_empty() || rec != &c.current;
            if !changed {
                out.push_str(&format!("# {}: no recommendation ({})\n", name(c), c.skipped.join("; ")));
                continue;
            }
            let mut requests = String::new();
            if let Some(m) = &rec.cpu_request {
                requests.push_str(&format!("              cpu: {}\n", Millicores(m.millicores).to_k8s()));
            }
            if let Some(b) = &rec.memory_request {
                requests.push_str(&format!("              memory: {}\n", Bytes(b.bytes).to_k8s()));
            }
            let mut limits = String::new();
            match (&rec.cpu_limit, &c.current.cpu_limit) {
                (Some(m), _) => {
                    limits.push_str(&format!("              cpu: {}\n", Millicores(m.millicores).to_k8s()))
                }
                (None, Some(_)) => limits.push_str("              cpu: null\n"),
                (None, None) => {}
            }
            if let Some(b) = &rec.memory_limit {
                limits.push_str(&format!("              memory: {}\n", Bytes(b.bytes).to_k8s()));
            }
            containers
                .push_str(&format!("        - name: {}\n          resources:\n", yaml_str(&c.container)));
            if !requests.is_empty() {
                containers.push_str("            requests:\n");
                containers.push_str(&requests);
            }
            if !limits.is_empty() {
                containers.push_str("            limits:\n");
                containers.push_str(&limits);
            }
        }
        if containers.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "---\n# kubectl -n {ns} patch {k} {n} --patch-file THIS_DOCUMENT\napiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {n}\n  namespace: {ns}\nspec:\n  template:\n    spec:\n      containers:\n{containers}",
            ns = yaml_str(&first.namespace),
            k = kind.to_ascii_lowercase(),
            n = yaml_str(wname),
        ));
    }
    out
}
