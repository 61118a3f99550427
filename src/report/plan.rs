//! Options and `recommend` in words: each evaluated option as a row (figures, per-node fill, node
//! losses, its nodes as modelled, the reasons it fails), and the recommendation.

use serde::Serialize;

use super::node::{NodeBudgetRow, budget_row};
use crate::analysis::history::HistoryReport;
use crate::analysis::placement::{NodeFill, Stranded, WhyNot};
use crate::analysis::plan::{Evaluation, Recommendation, Rejection, Requirements, ShapeKind};
use crate::model::catalog::{ClientsClaim, format_cents};
use crate::model::figure::{CpuFig, MemFig, PctFig};
use crate::model::quantity::{Bytes, Millicores};

/// Why a replica fits nowhere, in words.
pub fn why_not_text(w: &WhyNot) -> String {
    match w {
        WhyNot::NoWorkloadNode => "no node takes workloads".into(),
        WhyNot::LargerThanAnyNode { need, largest } => {
            format!("needs {need} but the largest node has {largest} for pods")
        }
        WhyNot::Fragmented { need, total, largest } => {
            format!("needs {need}: {total} is free in total but at most {largest} on one node")
        }
        WhyNot::NoRoom { need, free } => format!("needs {need} but only {free} is free"),
        WhyNot::Cpu { need, largest } => {
            format!("needs {need} cpu but at most {largest} is free on one node")
        }
        WhyNot::PodLimit => "every node is at its pod limit".into(),
        WhyNot::Spread { service } => {
            format!("replicas of {service} must be on different nodes and every node already has one")
        }
        WhyNot::Both { need, cpu } => format!("needs {need} and {cpu} cpu; no node has both free"),
    }
}

/// A stranded replica in words: `service#replica: why`.
pub fn stranded_text(s: &Stranded) -> String {
    format!("{}#{}: {}", s.service, s.replica, why_not_text(&s.why))
}

/// A rejection in words.
pub fn rejection_text(r: &Rejection, currency: &str) -> String {
    match r {
        Rejection::OverBudget { price, budget } => format!(
            "over budget by {} ({} > {})",
            format_cents(price - budget, currency),
            format_cents(*price, currency),
            format_cents(*budget, currency)
        ),
        Rejection::PriceUnknown => "price unknown in this currency (no exchange rate)".into(),
        Rejection::BelowMinimum { node, role, distribution, minimum, nominal, vcpus } => format!(
            "{node} ({vcpus} vCPU, {nominal}) is below the {distribution} {role} minimum of {} vCPU and {} RAM",
            minimum.vcpus,
            as_written(minimum.memory)
        ),
        Rejection::NoRoomForLargest { node, role, distribution, overhead, allocatable, largest, service } => {
            let what = match (distribution, role) {
                (Some(d), Some(r)) => format!("{d} {r}"),
                _ => "the node".to_string(),
            };
            if overhead.0 == 0 {
                format!(
                    "{node} has {allocatable} allocatable for pods: no room for the largest replica ({service}, {largest})"
                )
            } else {
                format!(
                    "{what} needs about {overhead} on {node}; the node has {allocatable} allocatable, which leaves {} for pods: no room for the largest replica ({service}, {largest})",
                    allocatable.saturating_sub(*overhead)
                )
            }
        }
        Rejection::Exceeds { memory, cpu, pods } => {
            let mut short = Vec::new();
            if let Some(m) = memory {
                short.push(format!("memory short by {m}"));
            }
            if let Some(c) = cpu {
                short.push(format!("cpu short by {c}"));
            }
            if let Some((n, slots)) = pods {
                short.push(format!("{n} replicas for {slots} pod slots"));
            }
            format!("{}: the load exceeds what every node together has for pods", short.join(", "))
        }
        Rejection::DoesNotFit { short, stranded } => {
            let head = match short {
                Some(s) => format!("memory short by {s}"),
                None => "does not fit".to_string(),
            };
            let list: Vec<String> = stranded.iter().take(3).map(stranded_text).collect();
            format!(
                "{head}: {} replica(s) fit nowhere ({}{})",
                stranded.len(),
                list.join("; "),
                if stranded.len() > 3 { "; ..." } else { "" }
            )
        }
        Rejection::BelowHeadroom { resource, headroom, node, required } => format!(
            "below headroom: {} headroom {} on {node} < required {}",
            resource.as_str(),
            headroom.percent_string(),
            required.percent_string()
        ),
        Rejection::NotHa { nodes, plan } => format!(
            "not HA: {nodes} workload node(s){}",
            if *plan { " without a redundant control plane" } else { "" }
        ),
        Rejection::FailsNodeLoss { losses } => {
            let lost: Vec<String> = losses
                .iter()
                .map(|l| {
                    format!(
                        "losing {} strands {}",
                        loss_node(&l.node, l.any_of),
                        l.stranded.iter().map(stranded_text).collect::<Vec<_>>().join(", ")
                    )
                })
                .collect();
            format!("fails node loss: {}", lost.join("; "))
        }
        Rejection::TooFewClients { got, want } => format!("too few clients: sustains {got} < {want}"),
        Rejection::Confidence { have, need } => format!(
            "price confidence {} is below the required {} (--confidence)",
            have.as_str(),
            need.as_str()
        ),
    }
}

/// A size as a catalog writes it: `2G`, `512M` where decimal, else binary (`1.5Gi`).
pub fn as_written(b: Bytes) -> String {
    match b.0 {
        n if n > 0 && n % 1_000_000_000 == 0 => format!("{}G", n / 1_000_000_000),
        n if n > 0 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        _ => b.to_string(),
    }
}

fn loss_node(node: &str, any_of: usize) -> String {
    if any_of > 1 { format!("any of {any_of} identical nodes") } else { node.to_string() }
}

/// The loss of one node, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeLossRow {
    /// The node lost.
    pub node: String,
    /// Whether every replica still fits on the other nodes.
    pub survives: bool,
    /// Replicas that would be stranded ("service#replica: reason").
    pub stranded: Vec<String>,
}

fn claim_text(c: &ClientsClaim) -> String {
    match c.max {
        Some(m) => format!("{}-{m}", c.min),
        None => format!("{}+", c.min),
    }
}

/// One option evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OptionRow {
    /// Option name.
    pub name: String,
    /// tier or plan.
    pub kind: &'static str,
    /// Provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Nodes.
    pub nodes: usize,
    /// Monthly cost, cents in the catalog currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monthly_cents: Option<u64>,
    /// Monthly cost for display.
    pub monthly: String,
    /// How it adds up.
    pub cost_breakdown: String,
    /// The distribution its nodes run (none: the flat split, whose system share holds it all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distribution: Option<String>,
    /// Each workload node's role.
    pub roles: Vec<String>,
    /// Allocatable memory of the workload nodes.
    pub capacity_memory: MemFig,
    /// What the nodes run besides the pods placed: the OS, the distribution's processes,
    /// per-node system pods.
    pub overhead_memory: MemFig,
    /// The cluster's system pods (CoreDNS, metrics-server, ingress, ...), placed with the services.
    pub system_pods_memory: MemFig,
    /// The services' memory placed (the demand of every table of the report).
    pub services_memory: MemFig,
    /// Everything placed: services + system pods (or what was demanded, when it does not fit).
    pub demand_memory: MemFig,
    /// Allocatable cpu.
    pub capacity_cpu: CpuFig,
    /// The nodes' own cpu.
    pub overhead_cpu: CpuFig,
    /// CPU placed (services + system pods).
    pub demand_cpu: CpuFig,
    /// Every replica was placed.
    pub fits: bool,
    /// The least memory headroom of any node: 1 - (overhead + placed) / allocatable.
    pub memory_headroom: PctFig,
    /// The least cpu headroom of any node.
    pub cpu_headroom: PctFig,
    /// The resource with the least headroom.
    pub limiting: &'static str,
    /// The workload nodes as modelled (the pick, and check's tiers).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub node_budgets: Vec<NodeBudgetRow>,
    /// Per-node fill.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fill: Vec<NodeFill>,
    /// Replicas that fit nowhere.
    pub unplaced: Vec<String>,
    /// Node-loss simulation (multi-node options).
    pub node_loss: Vec<NodeLossRow>,
    /// Survives any single node loss (None: not simulated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub survives_node_loss: Option<bool>,
    /// Most concurrent clients within the headroom policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_clients: Option<u64>,
    /// Claimed clients, "50-100", "1000+".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clients_claim: Option<String>,
    /// Price confidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<String>,
    /// Evaluated as HA (node loss required; the first three nodes share the control plane).
    pub ha: bool,
    /// Passes every requirement.
    pub passes: bool,
    /// Why not, one reason each.
    pub reasons: Vec<String>,
}

impl OptionRow {
    /// The row of an evaluation.
    pub fn new(e: &Evaluation, currency: &str) -> OptionRow {
        OptionRow {
            name: e.name.clone(),
            kind: e.kind,
            provider: e.provider.clone(),
            nodes: e.nodes,
            monthly_cents: e.monthly_cents,
            monthly: e.monthly_cents.map_or("unknown".into(), |c| format_cents(c, currency)),
            cost_breakdown: e.cost_breakdown.clone(),
            distribution: e.distribution.clone(),
            roles: e.roles.iter().map(|r| r.map_or("-".to_string(), |r| r.to_string())).collect(),
            capacity_memory: e.capacity_memory.into(),
            overhead_memory: e.overhead_memory.into(),
            system_pods_memory: e.system_memory.into(),
            services_memory: e.services_memory.into(),
            demand_memory: Bytes(e.services_memory.0 + e.system_memory.0).into(),
            capacity_cpu: e.capacity_cpu.into(),
            overhead_cpu: e.overhead_cpu.into(),
            demand_cpu: Millicores(e.services_cpu.0 + e.system_cpu.0).into(),
            fits: e.fits,
            memory_headroom: e.memory_headroom.into(),
            cpu_headroom: e.cpu_headroom.into(),
            limiting: e.limiting.as_str(),
            node_budgets: e.budgets.iter().map(|b| budget_row(b, e.distribution.as_deref())).collect(),
            fill: e.fill.clone(),
            unplaced: e.unplaced.iter().map(stranded_text).collect(),
            node_loss: e
                .node_loss
                .iter()
                .map(|l| NodeLossRow {
                    node: loss_node(&l.node, l.any_of),
                    survives: l.survives,
                    stranded: l.stranded.iter().map(stranded_text).collect(),
                })
                .collect(),
            survives_node_loss: e.survives_node_loss,
            max_clients: e.max_clients,
            clients_claim: e.clients_claim.as_ref().map(claim_text),
            confidence: e.confidence.clone(),
            ha: e.ha,
            passes: e.passes,
            reasons: e.rejections.iter().map(|r| rejection_text(r, currency)).collect(),
        }
    }

    /// What each node runs, in one line: "node: k3s server 1.49Gi + os 172Mi".
    pub fn roles_text(&self) -> String {
        self.node_budgets
            .iter()
            .map(|b| {
                let parts: Vec<String> =
                    b.parts.iter().map(|p| format!("{} {}", p.part, p.memory.display())).collect();
                format!(
                    "{}{}: {}",
                    b.node,
                    b.role.as_ref().map_or(String::new(), |r| format!(" ({r})")),
                    if parts.is_empty() { "nothing modelled".to_string() } else { parts.join(" + ") }
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// An option `recommend` did not need to place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    /// Option name.
    pub name: String,
    /// Its monthly cost.
    pub monthly: String,
    /// Why it was not placed.
    pub reason: String,
}

/// The cheapest passing option of one shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShapeBest {
    /// single-node, multi-node, or ha.
    pub shape: &'static str,
    /// Option name, if one passes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    /// Its monthly cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monthly: Option<String>,
}

/// The answer of `recommend`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecommendReport {
    /// Catalog currency.
    pub currency: String,
    /// Budget, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<String>,
    /// Requirements in words.
    pub requirements: Vec<String>,
    /// Where the demand comes from, in words (profile, live cluster, history, recording).
    pub demand_source: String,
    /// Replicas placed per option (services).
    pub replicas: usize,
    /// The services' memory demanded.
    pub demand_memory: MemFig,
    /// The services' cpu demanded.
    pub demand_cpu: CpuFig,
    /// The cheapest option that passes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pick: Option<OptionRow>,
    /// Other passing options, cheapest first.
    pub alternatives: Vec<OptionRow>,
    /// Options that fail, cheapest first, each with its reasons.
    pub rejected: Vec<OptionRow>,
    /// Options not placed.
    pub not_evaluated: Vec<Skipped>,
    /// When nothing passes within the budget: the cheapest option that passes everything else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cheapest_over_budget: Option<OptionRow>,
    /// The cheapest passing option of each shape.
    pub by_shape: Vec<ShapeBest>,
    /// Usage history from Prometheus (`--prometheus`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryReport>,
    /// What-if changes: the answer before and after them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what_if: Option<super::whatif::RecommendWhatIf>,
    /// Notes about the inputs (the cluster read, the overhead learned).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Inputs that were wanted but could not be read; the answer was computed without them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_inputs: Vec<String>,
}

/// The requirements in words.
pub fn requirements_text(req: &Requirements) -> Vec<String> {
    let mut out = vec![format!("headroom >= {}", req.min_headroom.percent_string())];
    if req.ha {
        out.push("survive the loss of any node".into());
    }
    if let Some(c) = req.clients {
        out.push(format!("{c} concurrent clients"));
    }
    if let Some(p) = &req.provider {
        out.push(format!("provider {p}"));
    }
    out
}

impl RecommendReport {
    /// The report of a recommendation.
    pub fn new(r: &Recommendation, demand_source: String) -> RecommendReport {
        let cur = r.currency.as_str();
        let row = |e: &Evaluation| OptionRow::new(e, cur);
        RecommendReport {
            currency: r.currency.clone(),
            budget: r.requirements.budget_cents.map(|b| format_cents(b, cur)),
            requirements: requirements_text(&r.requirements),
            demand_source,
            replicas: r.replicas,
            demand_memory: r.demand_memory.into(),
            demand_cpu: r.demand_cpu.into(),
            pick: r.pick.as_ref().map(row),
            alternatives: r.alternatives.iter().map(row).collect(),
            rejected: r.rejected.iter().map(row).collect(),
            not_evaluated: r
                .not_evaluated
                .iter()
                .map(|s| Skipped {
                    name: s.name.clone(),
                    monthly: s.monthly_cents.map_or("unknown".into(), |c| format_cents(c, cur)),
                    reason: match s.over_budget_by {
                        Some(d) => format!("over budget by {}", format_cents(d, cur)),
                        None => "more expensive than the pick and its alternatives (not evaluated)".into(),
                    },
                })
                .collect(),
            cheapest_over_budget: r.cheapest_over_budget.as_ref().map(row),
            by_shape: r
                .by_shape
                .iter()
                .map(|(k, b)| ShapeBest {
                    shape: match k {
                        ShapeKind::SingleNode => "single-node",
                        ShapeKind::MultiNode => "multi-node",
                        ShapeKind::Ha => "ha",
                    },
                    option: b.as_ref().map(|x| x.0.clone()),
                    monthly: b.as_ref().map(|x| x.1.map_or("unknown".into(), |c| format_cents(c, cur))),
                })
                .collect(),
            history: None,
            what_if: None,
            notes: Vec::new(),
            missing_inputs: Vec::new(),
        }
    }
}
