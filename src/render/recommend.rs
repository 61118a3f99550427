//! `recommend` as tables or Markdown, and the tiers section of `check`.

use comfy_table::{Cell, Table};

use super::RenderOptions;
use super::table::{new_table, right};
use crate::report::plan::{OptionRow as Evaluation, RecommendReport as Recommendation};

/// Client capacity of an option and what its tier claims (shared with the HTML report).
pub(crate) fn clients(e: &Evaluation) -> String {
    match (&e.max_clients, &e.clients_claim) {
        (Some(n), Some(c)) => format!("{n} (claims {c})"),
        (Some(n), None) => n.to_string(),
        (None, Some(c)) => format!("n/a (claims {c})"),
        (None, None) => "-".into(),
    }
}

fn loss(e: &Evaluation) -> &'static str {
    match e.survives_node_loss {
        Some(true) => "survives",
        Some(false) => "FAILS",
        None => "-",
    }
}

/// A table of evaluations (the tiers of `check`, the alternatives of `recommend`).
pub fn evaluations_table(evals: &[Evaluation], opts: &RenderOptions) -> Table {
    let mut t = new_table(
        opts,
        &[
            "Option",
            "Nodes",
            "Monthly",
            "Fits",
            "Memory: services + system pods + node / allocatable",
            "Headroom mem/cpu",
            "Limiting",
            "Node loss",
            "Clients",
        ],
    );
    for e in evals {
        t.add_row(vec![
            Cell::new(&e.name),
            right(e.nodes),
            right(&e.monthly),
            Cell::new(if e.fits { "yes" } else { "NO" }),
            right(memory_text(e)),
            right(format!("{} / {}", e.memory_headroom.display, e.cpu_headroom.display)),
            Cell::new(e.limiting),
            Cell::new(loss(e)),
            right(clients(e)),
        ]);
    }
    t
}

/// `1.82Gi + 390Mi + 1.65Gi / 7.68Gi`: what an option holds against its allocatable.
pub(crate) fn memory_text(e: &Evaluation) -> String {
    format!(
        "{} + {} + {} / {}",
        e.services_memory.display,
        e.system_pods_memory.display,
        e.overhead_memory.display,
        e.capacity_memory.display
    )
}

fn fill_lines(out: &mut String, e: &Evaluation) {
    for f in &e.fill {
        out.push_str(&format!(
            "    {}: {} placed + {} overhead of {} memory ({}), {} of {} cpu ({}), {} pods, limiting {}\n",
            f.node,
            f.placed_memory.display,
            f.overhead_memory.display,
            f.capacity_memory.display,
            f.memory_percent.display,
            f.placed_cpu.display,
            f.capacity_cpu.display,
            f.cpu_percent.display,
            f.pods,
            f.limiting
        ));
    }
}

fn load_text(r: &Recommendation) -> String {
    format!("{} replicas, {} memory, {} cpu", r.replicas, r.demand_memory.display, r.demand_cpu.display)
}

fn requirements_text(r: &Recommendation) -> String {
    format!(
        "{}{}",
        r.requirements.join(", "),
        r.budget.as_ref().map(|b| format!(", budget {b}")).unwrap_or_default()
    )
}

/// `recommend` as text tables.
pub fn table(
    r: &Recommendation,
    profile: &str,
    catalog: &str,
    show_rejected: usize,
    opts: &RenderOptions,
) -> String {
    let mut out = String::new();
    out.push_str(&format!("bizo-plan recommend: profile {profile}, catalog {catalog}\n"));
    out.push_str(&format!(
        "Load: {} (every service at the policy's size); requirements: {}\n",
        load_text(r),
        requirements_text(r)
    ));
    out.push_str(&format!("Demand: {}\n", r.demand_source));
    for n in &r.notes {
        out.push_str(&format!("Note: {n}\n"));
    }
    for m in &r.missing_inputs {
        out.push_str(&format!("Missing: {m}\n"));
    }
    if let Some(w) = &r.what_if {
        out.push_str(&format!("What-if {}\n", w.conclusion));
    }
    match &r.pick {
        Some(p) => {
            out.push_str(&format!(
                "\nRecommended: {} at {} per month ({})\n",
                p.name, p.monthly, p.cost_breakdown
            ));
            out.push_str(&format!(
                "  memory: services {} + system pods {} + what the nodes run {} = {} of {} allocatable\n",
                p.services_memory.display,
                p.system_pods_memory.display,
                p.overhead_memory.display,
                crate::model::quantity::Bytes(
                    p.services_memory.bytes + p.system_pods_memory.bytes + p.overhead_memory.bytes
                ),
                p.capacity_memory.display,
            ));
            if !p.node_budgets.is_empty() {
                out.push_str(&format!("  each node runs: {}\n", p.roles_text()));
            }
            out.push_str(&format!(
                "  headroom on the fullest node: memory {}, cpu {} (cpu {} placed + {} the nodes run, of {}); limiting {}\n",
                p.memory_headroom.display,
                p.cpu_headroom.display,
                p.demand_cpu.display,
                p.overhead_cpu.display,
                p.capacity_cpu.display,
                p.limiting
            ));
            fill_lines(&mut out, p);
            if let Some(c) = &p.confidence {
                out.push_str(&format!("  price confidence: {c}\n"));
            }
        }
        None => {
            out.push_str("\nNothing passes within the budget.\n");
            if let Some(c) = &r.cheapest_over_budget {
                out.push_str(&format!(
                    "The cheapest option that would fit: {} at {} per month ({}).\n",
                    c.name, c.monthly, c.cost_breakdown
                ));
            }
        }
    }
    out.push_str("\nCheapest passing option by shape:\n");
    for b in &r.by_shape {
        out.push_str(&format!(
            "  {:<12} {}\n",
            b.shape,
            match (&b.option, &b.monthly) {
                (Some(o), Some(m)) => format!("{o} at {m}"),
                _ => "none passes".to_string(),
            }
        ));
    }
    if !r.alternatives.is_empty() {
        out.push_str(&format!("\nAlternatives that also pass ({}), cheapest first\n", r.alternatives.len()));
        let shown: Vec<Evaluation> = r.alternatives.iter().take(show_rejected.max(1)).cloned().collect();
        out.push_str(&evaluations_table(&shown, opts).to_string());
        out.push('\n');
    }
    if !r.rejected.is_empty() {
        out.push_str(&format!("\nRejected ({}), cheapest first\n", r.rejected.len()));
        let mut t = new_table(opts, &["Option", "Monthly", "Why not"]);
        for e in r.rejected.iter().take(show_rejected) {
            t.add_row(vec![Cell::new(&e.name), right(&e.monthly), Cell::new(e.reasons.join("; "))]);
        }
        out.push_str(&t.to_string());
        out.push('\n');
        if r.rejected.len() > show_rejected {
            out.push_str(&format!(
                "... and {} more (--show-rejected N, or -o json)\n",
                r.rejected.len() - show_rejected
            ));
        }
    }
    if opts.explain
        && let Some(p) = &r.pick
    {
        out.push_str(&format!(
            "\nThe pick's nodes as modelled ({})\n",
            p.distribution.as_deref().unwrap_or("not modelled")
        ));
        for b in &p.node_budgets {
            out.push_str(&format!(
                "  {}{}: {} as sold -> {} allocatable - {} it runs = {} for pods\n",
                b.node,
                b.role.as_ref().map_or(String::new(), |r| format!(" ({r})")),
                b.nominal.display,
                b.allocatable.display,
                b.overhead.display,
                b.usable.display
            ));
            for e in &b.explain {
                out.push_str(&format!("    {e}\n"));
            }
            for part in &b.parts {
                out.push_str(&format!("    {} {}: {}\n", part.part, part.memory.display, part.source));
            }
        }
    }
    if opts.explain {
        out.push_str("\nHow the figures are computed: demand = every replica at peak (or typical, policy.sizeBy); capacity = allocatable by the reservation model (nominal RAM minus the kernel share, reservations and eviction); each node also runs the OS, the distribution's processes for its role and per-node system pods (the catalog's distributions, the profile's system: section, --system-overhead, or what a live cluster measured), and the cluster's system pods are placed with the services; headroom = the least of any node, 1 - (what it runs + placed) / allocatable; replicas placed largest first on the node left with the most free share (the scheduler's LeastAllocated); node loss re-places every replica on the remaining nodes.\n");
    }
    out
}

/// `recommend` as Markdown.
pub fn markdown(r: &Recommendation, profile: &str) -> String {
    let mut out = String::new();
    match &r.pick {
        Some(p) => {
            out.push_str(&format!("## bizo-plan recommend: **{}** at {} per month\n\n", p.name, p.monthly))
        }
        None => out.push_str("## bizo-plan recommend: **nothing fits**\n\n"),
    }
    out.push_str(&format!(
        "Profile `{profile}`: {}. Requirements: {}.\n\n",
        load_text(r),
        requirements_text(r)
    ));
    if let Some(w) = &r.what_if {
        out.push_str(&format!("What-if {}.\n\n", w.conclusion));
    }
    if let Some(h) = &r.history {
        out.push_str(&format!("{}.\n\n", h.summary()));
    }
    if let (None, Some(c)) = (&r.pick, &r.cheapest_over_budget) {
        out.push_str(&format!("Cheapest option that would fit: **{}** at {}.\n\n", c.name, c.monthly));
    }
    out.push_str("| Option | Monthly | Passes | Headroom mem/cpu | Why not |\n|---|---|---|---|---|\n");
    for e in r.pick.iter().chain(r.alternatives.iter().take(5)).chain(r.rejected.iter().take(10)) {
        out.push_str(&format!(
            "| {} | {} | {} | {} / {} | {} |\n",
            e.name,
            e.monthly,
            if e.passes { "yes" } else { "no" },
            e.memory_headroom.display,
            e.cpu_headroom.display,
            e.reasons.join("; ").replace('|', "\\|")
        ));
    }
    out
}
