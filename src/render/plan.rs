//! `recommend` laid out as a [`Document`], and the table of evaluated options it shares with
//! the tiers of `check`.

use super::RenderOptions;
use super::charts;
use super::doc::{Block, Cell, Chart, Column, Document, Figure, Line, Section, Table, Text, Tone};
use crate::model::quantity::Bytes;
use crate::report::plan::{OptionRow, RecommendReport};

/// What an option can serve in clients, against what its tier claims.
fn clients(e: &OptionRow) -> String {
    match (&e.max_clients, &e.clients_claim) {
        (Some(n), Some(c)) => format!("{n} (claims {c})"),
        (Some(n), None) => n.to_string(),
        (None, Some(c)) => format!("n/a (claims {c})"),
        (None, None) => "-".into(),
    }
}

fn node_loss(e: &OptionRow) -> Cell {
    match e.survives_node_loss {
        Some(true) => Cell::new("survives").tone(Tone::Good),
        Some(false) => Cell::new("FAILS").tone(Tone::Bad),
        None => Cell::new("-"),
    }
}

/// The monthly price, exact in cents.
fn money(e: &OptionRow) -> Cell {
    match e.monthly_cents {
        Some(c) => Cell::exact(&e.monthly, format!("{c} cents")),
        None => Cell::new(&e.monthly),
    }
}

/// Options as evaluated (the tiers of `check`, the passing options of `recommend`): the least
/// important columns are left out first on a narrow terminal.
pub fn evaluations_table(caption: &str, evals: &[OptionRow]) -> Table {
    let mut t = Table::new(
        caption,
        vec![
            Column::text("Option"),
            Column::num("Nodes"),
            Column::num("Monthly"),
            Column::text("Passes"),
            Column::num("Memory headroom"),
            Column::num("CPU headroom"),
            Column::num("Memory load / allocatable").optional(1),
            Column::num("Services").optional(5),
            Column::num("System pods").optional(5),
            Column::num("The nodes run").optional(5),
            Column::text("Limiting").optional(2),
            Column::text("Node loss").optional(3),
            Column::text("Clients").optional(4),
        ],
    );
    for e in evals {
        let load = Bytes(e.services_memory.bytes + e.system_pods_memory.bytes + e.overhead_memory.bytes);
        t.row(vec![
            Cell::new(&e.name),
            Cell::new(e.nodes.to_string()),
            money(e),
            match (e.fits, e.passes) {
                (_, true) => Cell::new("yes").tone(Tone::Good),
                (true, false) => Cell::new("no").tone(Tone::Warn),
                (false, _) => Cell::new("no fit").tone(Tone::Bad),
            },
            Cell::pct(&e.memory_headroom),
            Cell::pct(&e.cpu_headroom),
            Cell::over(Cell::exact(load.human(), format!("{} bytes", load.0)), Cell::mem(&e.capacity_memory)),
            Cell::mem(&e.services_memory),
            Cell::mem(&e.system_pods_memory),
            Cell::mem(&e.overhead_memory),
            Cell::new(e.limiting),
            node_loss(e),
            Cell::new(clients(e)),
        ]);
    }
    t
}

/// Why each failing option fails, one item per option.
pub fn failing_reasons(evals: &[OptionRow]) -> Vec<Text> {
    evals
        .iter()
        .filter(|e| !e.passes)
        .map(|e| Text::new().strong(&e.name).t(format!(": {}", e.reasons.join("; "))))
        .collect()
}

fn load_text(r: &RecommendReport) -> String {
    format!("{} replicas, {} memory, {} cpu", r.replicas, r.demand_memory.display(), r.demand_cpu.display())
}

fn requirements_text(r: &RecommendReport) -> String {
    format!(
        "{}{}",
        r.requirements.join(", "),
        r.budget.as_ref().map(|b| format!(", budget {b}")).unwrap_or_default()
    )
}

/// The `recommend` answer.
pub fn document(
    r: &RecommendReport,
    profile: &str,
    catalog: &str,
    show_rejected: usize,
    opts: &RenderOptions,
) -> Document {
    let (headline, tone) = match &r.pick {
        Some(p) => (format!("{} at {} per month", p.name, p.monthly), Tone::Good),
        None => ("nothing passes".to_string(), Tone::Bad),
    };
    let mut lead = vec![
        Block::Para(Text::new().t("Profile ").code(profile).t(", catalog ").code(catalog)),
        Block::Para(Text::from(format!(
            "Load: {} (every service at the policy's size); requirements: {}.",
            load_text(r),
            requirements_text(r)
        ))),
        Block::Para(Text::from(format!("Demand: {}", r.demand_source))),
    ];
    let mut lines: Vec<Line> = r.notes.iter().map(Line::note).collect();
    if let Some(h) = &r.history {
        lines.push(Line::note(h.summary()));
    }
    if let Some(w) = &r.what_if {
        lines.push(Line::plain(format!("What-if {}", w.conclusion)));
    }
    lines.extend(r.missing_inputs.iter().map(Line::missing));
    if !lines.is_empty() {
        lead.push(Block::Lines(lines));
    }
    let mut d = Document {
        title: format!("bizo-plan recommend: {headline}"),
        heading: Text::new().t("bizo-plan recommend: ").tone(&headline, tone),
        lead,
        ..Document::default()
    };
    d.sections.push(pick_section(r, tone));
    if let Some(p) = r.pick.as_ref().filter(|p| !p.fill.is_empty()) {
        d.sections.push(nodes_section(p));
    }
    d.sections.push(options_section(r, show_rejected));
    if opts.explain {
        d.sections.push(explain_section(r));
    }
    d
}

fn pick_section(r: &RecommendReport, tone: Tone) -> Section {
    let Some(p) = &r.pick else {
        let mut blocks = Vec::new();
        if let Some(c) = &r.cheapest_over_budget {
            blocks.push(Block::Para(
                Text::new()
                    .t("The cheapest option that would fit: ")
                    .strong(&c.name)
                    .t(format!(" at {} per month ({}).", c.monthly, c.cost_breakdown)),
            ));
        }
        return Section::new("verdict", "Nothing passes within the budget", blocks).answer(tone);
    };
    let placed = Bytes(p.services_memory.bytes + p.system_pods_memory.bytes + p.overhead_memory.bytes);
    let cards = vec![
        Figure {
            label: "Memory".into(),
            value: Cell::exact(placed.human(), format!("{} bytes", placed.0)),
            detail: vec![
                Cell::new("of"),
                Cell::mem(&p.capacity_memory),
                Cell::pct(&p.memory_headroom),
                Cell::new("headroom"),
            ],
        },
        Figure {
            label: "CPU".into(),
            value: Cell::cpu(&p.demand_cpu),
            detail: vec![
                Cell::new("of"),
                Cell::cpu(&p.capacity_cpu),
                Cell::pct(&p.cpu_headroom),
                Cell::new("headroom"),
            ],
        },
        Figure {
            label: "Limiting".into(),
            value: Cell::new(p.limiting),
            detail: vec![Cell::new(format!("{} node(s)", p.nodes))],
        },
    ];
    let mut items = vec![Text::from(format!(
        "memory: services {} + system pods {} + what the nodes run {} = {} of {} allocatable",
        p.services_memory.display(),
        p.system_pods_memory.display(),
        p.overhead_memory.display(),
        placed,
        p.capacity_memory.display(),
    ))];
    if !p.node_budgets.is_empty() {
        items.push(Text::from(format!("each node runs: {}", p.roles_text())));
    }
    items.push(Text::from(format!(
        "headroom on the fullest node: memory {}, cpu {} (cpu {} placed + {} the nodes run, of {}); limiting {}",
        p.memory_headroom.display(),
        p.cpu_headroom.display(),
        p.demand_cpu.display(),
        p.overhead_cpu.display(),
        p.capacity_cpu.display(),
        p.limiting
    )));
    if let Some(c) = &p.confidence {
        items.push(Text::from(format!("price confidence: {c}")));
    }
    Section::new(
        "verdict",
        Text::new().t("Recommended: ").tone(&p.name, tone).t(format!(" at {} per month", p.monthly)),
        vec![
            Block::Para(Text::from(format!("Priced as {}.", p.cost_breakdown))),
            Block::Figures(cards),
            Block::List(items),
        ],
    )
    .answer(tone)
}

fn nodes_section(p: &OptionRow) -> Section {
    let mut t = Table::new(
        "Per node",
        vec![
            Column::text("Node"),
            Column::num("Placed"),
            Column::num("The node runs"),
            Column::num("Capacity"),
            Column::num("Memory used"),
            Column::num("CPU placed / capacity").optional(1),
            Column::num("CPU used").optional(1),
            Column::num("Pods").optional(2),
            Column::text("Limiting").optional(3),
        ],
    );
    for f in &p.fill {
        t.row(vec![
            Cell::new(&f.node),
            Cell::mem(&f.placed_memory),
            Cell::mem(&f.overhead_memory),
            Cell::mem(&f.capacity_memory),
            Cell::pct(&f.memory_percent),
            Cell::over(Cell::cpu(&f.placed_cpu), Cell::cpu(&f.capacity_cpu)),
            Cell::pct(&f.cpu_percent),
            Cell::new(f.pods.to_string()),
            Cell::new(f.limiting),
        ]);
    }
    Section::new(
        "pick",
        "The recommended option's nodes",
        vec![
            Block::Chart(Chart {
                name: "pick-nodes".into(),
                caption: "Memory placed per node".into(),
                svg: charts::fill_chart(p),
                text: None,
            }),
            Block::Table(t),
        ],
    )
}

fn options_section(r: &RecommendReport, show_rejected: usize) -> Section {
    let rejected: Vec<&OptionRow> = r.rejected.iter().take(show_rejected).collect();
    let passing: Vec<OptionRow> = r.pick.iter().chain(r.alternatives.iter()).cloned().collect();
    let mut blocks = Vec::new();
    let drawn: Vec<&OptionRow> = passing.iter().chain(rejected.iter().copied()).collect();
    if !drawn.is_empty() {
        blocks.push(Block::Chart(Chart {
            name: "options".into(),
            caption: "Memory load against capacity of each option".into(),
            svg: charts::options_chart("options", "Options: memory load against capacity", &drawn),
            text: None,
        }));
    }
    let mut shapes = Table::new(
        "Cheapest passing option by shape",
        vec![Column::text("Shape"), Column::text("Option"), Column::num("Monthly")],
    );
    for s in &r.by_shape {
        let shape = match s.shape {
            "ha" => "ha (survives the loss of a node)",
            "multi-node" => "multi-node",
            other => other,
        };
        shapes.row(vec![
            Cell::new(shape),
            match &s.option {
                Some(o) => Cell::new(o),
                None => Cell::new("none passes").tone(Tone::Bad),
            },
            Cell::new(s.monthly.as_deref().unwrap_or("")),
        ]);
    }
    // With nothing passing, the answer says so; a table of "none passes" would only repeat it.
    if r.by_shape.iter().any(|s| s.option.is_some()) {
        blocks.push(Block::Table(shapes));
    }
    if !passing.is_empty() {
        blocks.push(Block::Table(evaluations_table(
            &format!("Passing options ({}), cheapest first", passing.len()),
            &passing,
        )));
    }
    if !r.rejected.is_empty() {
        let mut t = Table::new(
            format!("Rejected ({}), cheapest first", r.rejected.len()),
            vec![Column::text("Option"), Column::num("Monthly"), Column::text("Why not")],
        );
        for e in &rejected {
            t.row(vec![Cell::new(&e.name), money(e), Cell::new(e.reasons.join("; "))]);
        }
        if r.rejected.len() > rejected.len() {
            t.note(format!(
                "... {} of {} shown; {} more (--show-rejected N, or -o json)",
                rejected.len(),
                r.rejected.len(),
                r.rejected.len() - rejected.len()
            ));
        }
        blocks.push(Block::Table(t));
    }
    if !r.not_evaluated.is_empty() {
        let over = r.not_evaluated.iter().filter(|s| s.reason.starts_with("over budget")).count();
        let dearer = r.not_evaluated.len() - over;
        let mut why = Vec::new();
        if over > 0 {
            why.push(format!("{over} over the budget"));
        }
        if dearer > 0 {
            why.push(format!("{dearer} dearer than the pick and its {} alternatives", r.alternatives.len()));
        }
        blocks.push(Block::Para(Text::from(format!(
            "Not placed: {} option(s) ({}; -o json lists them).",
            r.not_evaluated.len(),
            why.join(", ")
        ))));
    }
    Section::new("options", "Options", blocks)
}

fn explain_section(r: &RecommendReport) -> Section {
    let mut blocks = Vec::new();
    if let Some(p) = &r.pick {
        let mut t = Table::new(
            format!("The pick's nodes as modelled ({})", p.distribution.as_deref().unwrap_or("not modelled")),
            vec![
                Column::text("Node"),
                Column::num("As sold"),
                Column::num("Allocatable"),
                Column::num("It runs"),
                Column::num("For pods"),
            ],
        );
        let mut lines = Vec::new();
        for b in &p.node_budgets {
            let node = format!("{}{}", b.node, b.role.as_ref().map_or(String::new(), |r| format!(" ({r})")));
            t.row(vec![
                Cell::new(&node),
                Cell::mem(&b.nominal),
                Cell::mem(&b.allocatable),
                Cell::mem(&b.overhead),
                Cell::mem(&b.usable),
            ]);
            lines.extend(b.explain.iter().map(|e| Text::from(format!("{node}: {e}"))));
            lines.extend(b.parts.iter().map(|part| {
                Text::from(format!("{node}: {} {}: {}", part.part, part.memory.display(), part.source))
            }));
        }
        blocks.push(Block::Table(t));
        if !lines.is_empty() {
            blocks.push(Block::List(lines));
        }
    }
    blocks.push(Block::Para(Text::from(
        "Demand = every replica at peak (or typical, policy.sizeBy); capacity = allocatable by the reservation model (nominal RAM minus the kernel share, reservations and eviction); each node also runs the OS, the distribution's processes for its role and per-node system pods (the catalog's distributions, the profile's system: section, --system-overhead, or what a live cluster measured), and the cluster's system pods are placed with the services; headroom = the least of any node, 1 - (what it runs + placed) / allocatable; replicas are placed largest first on the node left with the most free share (the scheduler's LeastAllocated); node loss re-places every replica on the remaining nodes.",
    )));
    Section::new("explain", "How the figures are computed", blocks)
}
