//! Tier fitting and `recommend`: the projected load (every service's replicas at the policy's
//! size) placed on each tier and provider option, with headroom, node-loss survival, client
//! capacity and price, then the cheapest option that passes.

use std::collections::BTreeMap;

use serde::Serialize;

use super::figure::{CpuFig, MemFig, PctFig};
use super::placement::{self, Bin, Item, NodeFill, NodeLoss};
use crate::model::catalog::{Catalog, ClientsClaim, Price, TierNode, convert, format_cents};
use crate::model::profile::{Profile, SizeBy};
use crate::model::quantity::{Bytes, Millicores};
use crate::model::ratio::Ratio;
use crate::model::reservation::{DEFAULT_KERNEL_SHARE, NodeSize, ReservationModel};

/// One machine of an option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    /// Name.
    pub name: String,
    /// vCPUs.
    pub vcpus: u32,
    /// Nominal memory.
    pub memory: Bytes,
    /// Preferred groups.
    pub groups: Vec<String>,
    /// Runs application pods.
    pub workloads: bool,
    /// Extra memory kept for system pods.
    pub overhead_memory: Bytes,
    /// Extra cpu kept for system pods.
    pub overhead_cpu: Millicores,
    /// Pod limit.
    pub max_pods: u32,
    /// Reservation model.
    pub reservation: ReservationModel,
}

/// Something `recommend` can pick: an analysis tier or a provider plan times N.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateOption {
    /// Display name.
    pub name: String,
    /// "tier" or "plan".
    pub kind: &'static str,
    /// Provider, for plans.
    pub provider: Option<String>,
    /// Nodes.
    pub nodes: Vec<NodeSpec>,
    /// Monthly cost in the catalog currency, cents; `None` when a currency has no rate.
    pub monthly_cents: Option<u64>,
    /// How the cost adds up.
    pub cost_breakdown: String,
    /// Claims to survive a node loss.
    pub ha: bool,
    /// Could survive a node loss (enough nodes, control plane not a single point).
    pub ha_capable: bool,
    /// Claimed clients.
    pub clients_claim: Option<ClientsClaim>,
    /// Price confidence (plans).
    pub confidence: Option<String>,
}

fn node_from_tier(n: &TierNode, model: ReservationModel) -> NodeSpec {
    NodeSpec {
        name: n.name.clone(),
        vcpus: n.vcpus,
        memory: n.memory,
        groups: n.groups.clone(),
        workloads: n.workloads,
        overhead_memory: n.overhead_memory.unwrap_or_default(),
        overhead_cpu: n.overhead_cpu.unwrap_or_default(),
        max_pods: n.max_pods,
        reservation: n.reservation.unwrap_or(model),
    }
}

/// What the load needs, to size multi-node options of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadHint {
    /// Total memory demanded.
    pub memory: Bytes,
    /// Total cpu demanded.
    pub cpu: Millicores,
    /// Replicas.
    pub replicas: u64,
    /// Headroom to keep.
    pub headroom: Ratio,
    /// Also offer one node more than needed (to survive a node loss).
    pub ha: bool,
}

impl LoadHint {
    /// The hint for a demand.
    pub fn of(items: &[Item], headroom: Ratio, ha: bool) -> LoadHint {
        LoadHint {
            ha,
            memory: Bytes(items.iter().map(|i| i.memory.0).sum()),
            cpu: Millicores(items.iter().map(|i| i.cpu.0).sum()),
            replicas: items.len() as u64,
            headroom,
        }
    }
}

/// The fewest nodes of this size whose usable share (after headroom) holds the load, by memory,
/// cpu and pod slots; at least 1, at most 100.
fn nodes_needed(hint: &LoadHint, node: &NodeSpec) -> u32 {
    let a = node
        .reservation
        .allocatable(NodeSize { nominal_memory: node.memory, vcpus: node.vcpus }, DEFAULT_KERNEL_SHARE);
    let usable =
        |cap: u64| Ratio(crate::model::ratio::ONE.saturating_sub(hint.headroom.0)).apply_floor(cap).max(1);
    let need = |demand: u64, cap: u64| demand.div_ceil(usable(cap));
    let n = need(hint.memory.0, a.allocatable_memory.0)
        .max(need(hint.cpu.0, a.allocatable_cpu.0))
        .max(hint.replicas.div_ceil(u64::from(node.max_pods.max(1))));
    u32::try_from(n.clamp(1, 100)).unwrap_or(100)
}

/// Every option of a catalog: its tiers, and each plan as 1, 2 and 3 identical nodes, plus, with
/// a load hint, the fewest nodes that hold the load and one more (for node loss), each with the
/// provider's control-plane and load-balancer fees where they apply.
pub fn options(
    catalog: &Catalog,
    rates: &BTreeMap<String, u64>,
    currency: &str,
    hint: Option<&LoadHint>,
) -> Vec<CandidateOption> {
    let cur = currency;
    let conv = |p: &Price| convert(p, cur, rates);
    let mut out = Vec::new();
    for t in &catalog.tiers {
        let nodes: Vec<NodeSpec> = t.nodes.iter().map(|n| node_from_tier(n, t.reservation)).collect();
        let (monthly, breakdown) = match &t.price {
            Some(p) => (conv(p), format!("tier price {}", p.display())),
            None => {
                let parts: Vec<Option<u64>> =
                    t.nodes.iter().map(|n| n.price.as_ref().and_then(conv)).collect();
                let total = parts.iter().copied().sum::<Option<u64>>();
                let text = t
                    .nodes
                    .iter()
                    .map(|n| format!("{} {}", n.name, n.price.as_ref().map_or("?".into(), Price::display)))
                    .collect::<Vec<_>>()
                    .join(" + ");
                (total, text)
            }
        };
        let workload_nodes = t.nodes.iter().filter(|n| n.workloads).count();
        out.push(CandidateOption {
            name: t.name.clone(),
            kind: "tier",
            provider: None,
            nodes,
            monthly_cents: monthly,
            cost_breakdown: breakdown,
            ha: t.ha,
            ha_capable: workload_nodes >= 2,
            clients_claim: t.clients,
            confidence: None,
        });
    }
    for p in &catalog.plans {
        let fees = catalog.providers.iter().find(|f| f.provider == p.provider);
        let model = fees.map_or(ReservationModel::K3s, |f| f.reservation);
        // A node of this plan: all of it for workloads, 110 pods, the provider's reservations.
        let plan_node = |name: String| NodeSpec {
            name,
            vcpus: p.vcpus,
            memory: p.memory,
            groups: Vec::new(),
            workloads: true,
            overhead_memory: Bytes(0),
            overhead_cpu: Millicores(0),
            max_pods: 110,
            reservation: model,
        };
        let mut counts = vec![1u32, 2, 3];
        if let Some(h) = hint {
            let n = nodes_needed(h, &plan_node(String::new()));
            counts.push(n);
            if h.ha {
                counts.push(n + 1);
            }
            counts.sort_unstable();
            counts.dedup();
        }
        for count in counts {
            let nodes: Vec<NodeSpec> = (1..=count)
                .map(|i| plan_node(if count == 1 { "node".into() } else { format!("node-{i}") }))
                .collect();
            let node_cost = conv(&p.price).map(|c| c * u64::from(count));
            let mut parts = vec![format!("{count} x {}", p.price.display())];
            let mut total = node_cost;
            // A multi-node option needs a load balancer in front; a managed control plane costs
            // its fee (the HA control plane where one is sold, for 3 nodes).
            let mut add = |label: &str, price: Option<&Price>| {
                if let Some(pr) = price {
                    parts.push(format!("{label} {}", pr.display()));
                    total = total.and_then(|t| conv(pr).map(|c| t + c));
                }
            };
            if let Some(f) = fees {
                if count >= 3 {
                    add("HA control plane", f.ha_control_plane.as_ref().or(f.control_plane.as_ref()));
                } else {
                    add("control plane", f.control_plane.as_ref());
                }
                if count > 1 {
                    add("load balancer", f.load_balancer.as_ref());
                }
            }
            // Self-managed k3s needs 3 server nodes for an HA control plane (etcd quorum); managed
            // options of 3+ nodes include the HA control plane fee above.
            let ha_capable = count >= 3;
            out.push(CandidateOption {
                name: if count == 1 {
                    format!("{} {}", p.provider, p.plan)
                } else {
                    format!("{} {} x{count}", p.provider, p.plan)
                },
                kind: "plan",
                provider: Some(p.provider.clone()),
                nodes,
                monthly_cents: total,
                cost_breakdown: parts.join(" + "),
                ha: false,
                ha_capable,
                clients_claim: None,
                confidence: p.confidence.clone(),
            });
        }
    }
    out
}

/// The load to place: every service's replicas at the policy's size, plus `clients` times each
/// service's per-client cost spread over its replicas; in placement order.
pub fn demand(profile: &Profile, clients: u64) -> Vec<Item> {
    let mult = profile.policy.peak_multiplier;
    let mut items = Vec::new();
    for (service_id, s) in profile.services.iter().enumerate() {
        let base_mem = match profile.policy.size_by {
            SizeBy::Typical => s.memory.typical,
            SizeBy::Peak => s.memory_peak_each(mult),
        };
        let base_cpu = s.cpu.map_or(Millicores(0), |c| match profile.policy.size_by {
            SizeBy::Typical => c.typical,
            SizeBy::Peak => c.peak.unwrap_or(Millicores(mult.apply_ceil(c.typical.0))),
        });
        let replicas = u64::from(s.replicas.max(1));
        let (cm, cc) = s.per_client.map_or((0, 0), |pc| {
            (
                (u128::from(pc.memory.0) * u128::from(clients)).div_ceil(u128::from(replicas)) as u64,
                (u128::from(pc.cpu.0) * u128::from(clients)).div_ceil(u128::from(replicas)) as u64,
            )
        });
        for r in 0..s.replicas {
            items.push(Item {
                service: s.name.clone(),
                service_id: service_id as u32,
                group: s.group.clone(),
                replica: r,
                memory: Bytes(base_mem.0.saturating_add(cm)),
                cpu: Millicores(base_cpu.0.saturating_add(cc)),
            });
        }
    }
    items.sort_by(placement::placement_cmp);
    items
}

/// Workload bins of an option: allocatable by its reservation model, minus overhead. Identical
/// node sizes are computed once.
pub fn bins(o: &CandidateOption) -> Vec<Bin> {
    type Size = (Bytes, u32, ReservationModel);
    let mut cache: Vec<(Size, (Bytes, Millicores))> = Vec::new();
    o.nodes
        .iter()
        .filter(|n| n.workloads)
        .map(|n| {
            let key = (n.memory, n.vcpus, n.reservation);
            let (mem, cpu) = match cache.iter().find(|(k, _)| *k == key) {
                Some((_, v)) => *v,
                None => {
                    let a = n.reservation.allocatable(
                        NodeSize { nominal_memory: n.memory, vcpus: n.vcpus },
                        DEFAULT_KERNEL_SHARE,
                    );
                    let v = (a.allocatable_memory, a.allocatable_cpu);
                    cache.push((key, v));
                    v
                }
            };
            Bin {
                name: n.name.clone(),
                groups: n.groups.clone(),
                memory: mem.saturating_sub(n.overhead_memory),
                cpu: cpu.saturating_sub(n.overhead_cpu),
                pods: n.max_pods,
            }
        })
        .collect()
}

/// What `recommend` requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirements {
    /// Monthly budget in the catalog currency, cents.
    pub budget_cents: Option<u64>,
    /// Survive the loss of any node.
    pub ha: bool,
    /// Memory and cpu that must stay free, as a share of the placed-on capacity.
    pub min_headroom: Ratio,
    /// Only this provider's plans (tiers are kept out).
    pub provider: Option<String>,
    /// Concurrent clients to sustain.
    pub clients: Option<u64>,
    /// Lowest acceptable price confidence of a plan (tiers have none and always qualify).
    pub min_confidence: Confidence,
}

/// How far a plan's price can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    /// Filled from a price ladder or from memory.
    Unverified,
    /// From a secondary source.
    ThirdParty,
    /// Read in a source with provenance.
    Verified,
}

impl Confidence {
    /// Parses the catalog's confidence field; unknown text counts as unverified.
    pub fn of(text: Option<&str>) -> Confidence {
        match text {
            Some("verified") => Confidence::Verified,
            Some("third-party") => Confidence::ThirdParty,
            _ => Confidence::Unverified,
        }
    }

    /// The catalog's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Verified => "verified",
            Confidence::ThirdParty => "third-party",
            Confidence::Unverified => "unverified",
        }
    }
}

/// One option evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
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
    /// Memory available for pods on workload nodes.
    pub capacity_memory: MemFig,
    /// Memory placed (or demanded, when it does not fit).
    pub demand_memory: MemFig,
    /// CPU available.
    pub capacity_cpu: CpuFig,
    /// CPU demanded.
    pub demand_cpu: CpuFig,
    /// Every replica was placed.
    pub fits: bool,
    /// The least memory headroom of any node: 1 - placed / capacity.
    pub memory_headroom: PctFig,
    /// The least cpu headroom of any node.
    pub cpu_headroom: PctFig,
    /// The resource with the least headroom.
    pub limiting: &'static str,
    /// Per-node fill (for detailed evaluations: the pick, and check's tiers).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fill: Vec<NodeFill>,
    /// Replicas that fit nowhere.
    pub unplaced: Vec<String>,
    /// Node-loss simulation (multi-node options).
    pub node_loss: Vec<NodeLoss>,
    /// Survives any single node loss (None: not simulated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub survives_node_loss: Option<bool>,
    /// Most concurrent clients within the headroom policy (None: no per-client costs in the profile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_clients: Option<u64>,
    /// Claimed clients, "50-100", "1000+".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clients_claim: Option<String>,
    /// Price confidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<String>,
    /// Passes every requirement.
    pub passes: bool,
    /// Why not, one reason each.
    pub reasons: Vec<String>,
}

fn headroom(demand: u64, cap: u64) -> Ratio {
    if cap == 0 {
        return Ratio(0);
    }
    Ratio(
        crate::model::ratio::ONE
            .saturating_sub(Ratio::of(demand, cap).map_or(crate::model::ratio::ONE, |r| r.0)),
    )
}

/// The least headroom of any node after placement, for memory and for cpu (a node with no
/// cpu demand has full cpu headroom).
fn worst_headroom(items: &[Item], bins: &[Bin], p: &placement::Placement) -> (Ratio, Ratio, String) {
    let mut worst = (Ratio(crate::model::ratio::ONE), Ratio(crate::model::ratio::ONE), String::new());
    for (b, idx) in bins.iter().zip(&p.bins) {
        let m: u64 = idx.iter().map(|&i| items[i].memory.0).sum();
        let c: u64 = idx.iter().map(|&i| items[i].cpu.0).sum();
        let hm = headroom(m, b.memory.0);
        let hc = if c == 0 { Ratio(crate::model::ratio::ONE) } else { headroom(c, b.cpu.0) };
        if hm.min(hc) < worst.0.min(worst.1) {
            worst.2 = b.name.clone();
        }
        worst.0 = worst.0.min(hm);
        worst.1 = worst.1.min(hc);
    }
    worst
}

/// Whether `items` fit on `bins` with every node keeping at least `min` of its memory and cpu.
fn fits_with_headroom(items: &[Item], bins: &[Bin], strict: bool, min: Ratio) -> bool {
    let p = placement::place(items, bins, strict);
    if !p.unplaced.is_empty() {
        return false;
    }
    let (m, c, _) = worst_headroom(items, bins, &p);
    m >= min && c >= min
}

/// The most clients (up to a million) whose load still fits with the headroom policy.
pub fn max_clients(profile: &Profile, bins: &[Bin], strict: bool, min: Ratio) -> Option<u64> {
    if !profile.services.iter().any(|s| s.per_client.is_some()) {
        return None;
    }
    if !fits_with_headroom(&demand(profile, 0), bins, strict, min) {
        return Some(0);
    }
    let (mut lo, mut hi) = (0u64, 1_000_000u64);
    if fits_with_headroom(&demand(profile, hi), bins, strict, min) {
        return Some(hi);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits_with_headroom(&demand(profile, mid), bins, strict, min) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(lo)
}

fn claim_text(c: &ClientsClaim) -> String {
    match c.max {
        Some(m) => format!("{}-{m}", c.min),
        None => format!("{}+", c.min),
    }
}

/// Evaluates one option against the demand and the requirements.
pub fn evaluate(profile: &Profile, o: &CandidateOption, req: &Requirements, currency: &str) -> Evaluation {
    let items = demand(profile, req.clients.unwrap_or(0));
    evaluate_items(profile, &items, o, req, currency, true)
}

/// Evaluates one option for an already computed demand. Without `detail`, node fills do not
/// list their services (recommend evaluates thousands of options, and details only its pick).
pub fn evaluate_items(
    profile: &Profile,
    items: &[Item],
    o: &CandidateOption,
    req: &Requirements,
    currency: &str,
    detail: bool,
) -> Evaluation {
    let bins = bins(o);
    let strict = o.ha || req.ha;
    let cap_m: u64 = bins.iter().map(|b| b.memory.0).sum();
    let cap_c: u64 = bins.iter().map(|b| b.cpu.0).sum();
    let cap_pods: u64 = bins.iter().map(|b| u64::from(b.pods)).sum();
    let dm: u64 = items.iter().map(|i| i.memory.0).sum();
    let dc: u64 = items.iter().map(|i| i.cpu.0).sum();
    // When the totals already exceed the capacity, nothing needs placing to know it fails.
    let hopeless = dm > cap_m || dc > cap_c || items.len() as u64 > cap_pods;
    let mut p = if hopeless {
        placement::Placement { bins: vec![Vec::new(); bins.len()], unplaced: Vec::new(), spilled: Vec::new() }
    } else {
        placement::place(items, &bins, strict)
    };
    // The greedy placement is the scheduler's; where it strands a replica or leaves a node too
    // full, an exhaustive search (small instances) looks for a placement that holds, so whether
    // an option passes does not depend on the order of the greedy choices.
    let caps = |min: Ratio| -> Vec<(u64, u64, u32)> {
        bins.iter()
            .map(|b| {
                (
                    placement::capacity_within(b.memory.0, min),
                    placement::capacity_within(b.cpu.0, min),
                    b.pods,
                )
            })
            .collect()
    };
    if !hopeless
        && !p.unplaced.is_empty()
        && let Some(found) = placement::search(items, &caps(Ratio(0)), strict)
    {
        p = found;
    }
    let (mut mh, mut ch, mut worst_node) = if hopeless {
        (
            headroom(dm, cap_m),
            if dc == 0 { Ratio(crate::model::ratio::ONE) } else { headroom(dc, cap_c) },
            String::new(),
        )
    } else {
        worst_headroom(items, &bins, &p)
    };
    if !hopeless
        && p.unplaced.is_empty()
        && (mh < req.min_headroom || ch < req.min_headroom)
        && let Some(found) = placement::search(items, &caps(req.min_headroom), strict)
    {
        p = found;
        (mh, ch, worst_node) = worst_headroom(items, &bins, &p);
    }
    // Per-node fills (display strings) only where they are shown: the pick and check's tiers.
    let fill = if detail { placement::fills(items, &bins, &p, true) } else { Vec::new() };
    let placed_ok = !hopeless && p.unplaced.is_empty() && mh >= req.min_headroom && ch >= req.min_headroom;
    let multi = bins.len() > 1;
    // Node loss is simulated only where it can change the answer: the option otherwise passes.
    let check_loss = multi && (o.ha || req.ha) && placed_ok;
    let node_loss = if check_loss { placement::node_losses(items, &bins) } else { Vec::new() };
    let survives = check_loss.then(|| node_loss.iter().all(|l| l.survives));
    let max_clients = max_clients(profile, &bins, strict, req.min_headroom);

    let mut reasons = Vec::new();
    if let (Some(b), Some(m)) = (req.budget_cents, o.monthly_cents)
        && m > b
    {
        reasons.push(format!(
            "over budget by {} ({} > {})",
            format_cents(m - b, currency),
            format_cents(m, currency),
            format_cents(b, currency)
        ));
    }
    if o.monthly_cents.is_none() {
        reasons.push("price unknown in this currency (no exchange rate)".into());
    }
    if hopeless {
        let mut short = Vec::new();
        if dm > cap_m {
            short.push(format!("memory short by {}", Bytes(dm - cap_m)));
        }
        if dc > cap_c {
            short.push(format!("cpu short by {}", Millicores(dc - cap_c)));
        }
        if items.len() as u64 > cap_pods {
            short.push(format!("{} replicas for {cap_pods} pod slots", items.len()));
        }
        reasons.push(format!("{}: the load exceeds the capacity of every node together", short.join(", ")));
    } else if !p.unplaced.is_empty() {
        let short = dm.saturating_sub(cap_m);
        let head =
            if short > 0 { format!("memory short by {}", Bytes(short)) } else { "does not fit".to_string() };
        let list: Vec<String> = p
            .unplaced
            .iter()
            .take(3)
            .map(|(i, why)| format!("{}#{}: {why}", items[*i].service, items[*i].replica))
            .collect();
        reasons.push(format!(
            "{head}: {} replica(s) fit nowhere ({}{})",
            p.unplaced.len(),
            list.join("; "),
            if p.unplaced.len() > 3 { "; ..." } else { "" }
        ));
    } else if mh < req.min_headroom || ch < req.min_headroom {
        let (what, h) = if mh <= ch { ("memory", mh) } else { ("cpu", ch) };
        reasons.push(format!(
            "below headroom: {what} headroom {} on {worst_node} < required {}",
            h.percent_string(),
            req.min_headroom.percent_string()
        ));
    }
    if req.ha && !o.ha_capable {
        reasons.push(format!(
            "not HA: {} workload node(s){}",
            bins.len(),
            if o.kind == "plan" { " without a redundant control plane" } else { "" }
        ));
    }
    if let Some(false) = survives {
        let lost: Vec<String> = node_loss
            .iter()
            .filter(|l| !l.survives)
            .map(|l| format!("losing {} strands {}", l.node, l.stranded.join(", ")))
            .collect();
        reasons.push(format!("fails node loss: {}", lost.join("; ")));
    }
    if let (Some(want), Some(got)) = (req.clients, max_clients)
        && got < want
    {
        reasons.push(format!("too few clients: sustains {got} < {want}"));
    }
    if o.kind == "plan" {
        let c = Confidence::of(o.confidence.as_deref());
        if c < req.min_confidence {
            reasons.push(format!(
                "price confidence {} is below the required {} (--confidence)",
                c.as_str(),
                req.min_confidence.as_str()
            ));
        }
    }
    let passes = reasons.is_empty();
    Evaluation {
        name: o.name.clone(),
        kind: o.kind,
        provider: o.provider.clone(),
        nodes: o.nodes.len(),
        monthly_cents: o.monthly_cents,
        monthly: o.monthly_cents.map_or("unknown".into(), |c| format_cents(c, currency)),
        cost_breakdown: o.cost_breakdown.clone(),
        capacity_memory: Bytes(cap_m).into(),
        demand_memory: Bytes(dm).into(),
        capacity_cpu: Millicores(cap_c).into(),
        demand_cpu: Millicores(dc).into(),
        fits: !hopeless && p.unplaced.is_empty(),
        memory_headroom: mh.into(),
        cpu_headroom: ch.into(),
        limiting: if ch < mh { "cpu" } else { "memory" },
        fill,
        unplaced: p
            .unplaced
            .iter()
            .map(|(i, why)| format!("{}#{}: {why}", items[*i].service, items[*i].replica))
            .collect(),
        node_loss,
        survives_node_loss: survives,
        max_clients,
        clients_claim: o.clients_claim.as_ref().map(claim_text),
        confidence: o.confidence.clone(),
        passes,
        reasons,
    }
}

/// The answer of `recommend`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendation {
    /// Catalog currency.
    pub currency: String,
    /// Budget, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<String>,
    /// Requirements in words.
    pub requirements: Vec<String>,
    /// Replicas placed per option.
    pub replicas: usize,
    /// Total memory demanded.
    pub demand_memory: MemFig,
    /// Total cpu demanded.
    pub demand_cpu: CpuFig,
    /// The cheapest option that passes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pick: Option<Evaluation>,
    /// Other passing options, cheapest first.
    pub alternatives: Vec<Evaluation>,
    /// Options that fail, cheapest first, each with its reasons.
    pub rejected: Vec<Evaluation>,
    /// Options not placed: over the budget once something passes, or more expensive than the
    /// pick and its alternatives.
    pub not_evaluated: Vec<Skipped>,
    /// When nothing passes within the budget: the cheapest option that passes everything else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cheapest_over_budget: Option<Evaluation>,
    /// The cheapest passing option of each shape: single node, multi-node, and multi-node that
    /// survives a node loss (evaluated with the HA requirement).
    pub by_shape: Vec<ShapeBest>,
    /// Usage history from Prometheus (`--prometheus`), filled by the caller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<super::history::HistoryReport>,
    /// What-if changes: the answer before and after them (filled by the caller).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what_if: Option<super::whatif::RecommendWhatIf>,
    /// Inputs that were wanted but could not be read; the answer was computed without them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_inputs: Vec<String>,
}

/// How many passing alternatives `recommend` evaluates past the pick.
pub const ALTERNATIVES: usize = 10;

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

/// Evaluates every option and ranks them.
pub fn recommend(
    profile: &Profile,
    catalog: &Catalog,
    rates: &BTreeMap<String, u64>,
    currency: &str,
    req: &Requirements,
) -> Recommendation {
    let currency = currency.to_string();
    let items = demand(profile, req.clients.unwrap_or(0));
    let hint = LoadHint::of(&items, req.min_headroom, req.ha);
    let mut opts: Vec<CandidateOption> = options(catalog, rates, &currency, Some(&hint))
        .into_iter()
        .filter(|o| req.provider.as_ref().is_none_or(|p| o.provider.as_ref() == Some(p)))
        .collect();
    opts.sort_by(|a, b| {
        (a.monthly_cents.unwrap_or(u64::MAX), &a.name).cmp(&(b.monthly_cents.unwrap_or(u64::MAX), &b.name))
    });
    let key = |e: &Evaluation| {
        (
            e.monthly_cents.unwrap_or(u64::MAX),
            std::cmp::Reverse(e.memory_headroom.basis_points),
            e.name.clone(),
        )
    };
    // Cheapest first. Every option up to the pick is evaluated (why each cheaper one fails);
    // past the pick, evaluation stops once ALTERNATIVES more pass and both shapes (single and
    // multi-node) have a passing option; the rest are listed with their price only.
    let mut passing: Vec<Evaluation> = Vec::new();
    let mut rejected: Vec<Evaluation> = Vec::new();
    let mut skipped: Vec<Skipped> = Vec::new();
    let mut cheapest_over_budget: Option<Evaluation> = None;
    let unbudgeted = Requirements { budget_cents: None, ..req.clone() };
    for o in &opts {
        let done = passing.len() > ALTERNATIVES;
        let over = req.budget_cents.zip(o.monthly_cents).and_then(|(b, m)| (m > b).then(|| m - b));
        if done || (over.is_some() && (!passing.is_empty() || cheapest_over_budget.is_some())) {
            skipped.push(Skipped {
                name: o.name.clone(),
                monthly: o.monthly_cents.map_or("unknown".into(), |c| format_cents(c, &currency)),
                reason: match over {
                    Some(d) => format!("over budget by {}", format_cents(d, &currency)),
                    None => "more expensive than the pick and its alternatives (not evaluated)".into(),
                },
            });
            continue;
        }
        let e = evaluate_items(profile, &items, o, req, &currency, false);
        if e.passes {
            passing.push(e);
        } else {
            if over.is_some() && cheapest_over_budget.is_none() && passing.is_empty() {
                let free = evaluate_items(profile, &items, o, &unbudgeted, &currency, false);
                if free.passes {
                    cheapest_over_budget = Some(free);
                }
            }
            rejected.push(e);
        }
    }
    passing.sort_by_key(key);
    if !passing.is_empty() {
        cheapest_over_budget = None;
    }
    // The pick is evaluated again with details (the services on each node).
    let pick = (!passing.is_empty()).then(|| {
        let first = passing.remove(0);
        options(catalog, rates, &currency, Some(&hint))
            .iter()
            .find(|o| o.name == first.name)
            .map(|o| evaluate_items(profile, &items, o, req, &currency, true))
            .unwrap_or(first)
    });
    let all_passing: Vec<&Evaluation> = pick.iter().chain(passing.iter()).collect();
    // The cheapest passing option of a shape: among the evaluated ones, else the first of the
    // options not yet placed (within budget) that passes.
    let best = |pred: &dyn Fn(&Evaluation) -> bool, nodes: &dyn Fn(usize) -> bool| {
        all_passing.iter().find(|e| pred(e)).map(|e| (e.name.clone(), e.monthly.clone())).or_else(|| {
            let skipped_names: Vec<&str> = skipped.iter().map(|s| s.name.as_str()).collect();
            opts.iter()
                .filter(|o| nodes(o.nodes.len()) && skipped_names.contains(&o.name.as_str()))
                .filter(|o| req.budget_cents.is_none_or(|b| o.monthly_cents.is_some_and(|m| m <= b)))
                .map(|o| evaluate_items(profile, &items, o, req, &currency, false))
                .find(|e| e.passes)
                .map(|e| (e.name, e.monthly))
        })
    };
    let ha_best = if req.ha {
        best(&|e| e.nodes > 1, &|n| n > 1)
    } else {
        let ha_req = Requirements { ha: true, ..req.clone() };
        let ha_hint = LoadHint { ha: true, ..hint };
        let mut ha_opts: Vec<CandidateOption> = options(catalog, rates, &currency, Some(&ha_hint))
            .into_iter()
            .filter(|o| {
                o.nodes.len() > 1 && req.provider.as_ref().is_none_or(|p| o.provider.as_ref() == Some(p))
            })
            .collect();
        ha_opts.sort_by(|a, b| {
            (a.monthly_cents.unwrap_or(u64::MAX), &a.name)
                .cmp(&(b.monthly_cents.unwrap_or(u64::MAX), &b.name))
        });
        ha_opts
            .iter()
            .map(|o| evaluate_items(profile, &items, o, &ha_req, &currency, false))
            .find(|e| e.passes)
            .map(|e| (e.name, e.monthly))
    };
    let by_shape = [
        ("single-node", best(&|e| e.nodes == 1, &|n| n == 1)),
        ("multi-node", best(&|e| e.nodes > 1, &|n| n > 1)),
        ("ha", ha_best),
    ]
    .into_iter()
    .map(|(shape, b)| ShapeBest { shape, option: b.as_ref().map(|x| x.0.clone()), monthly: b.map(|x| x.1) })
    .collect();
    let mut requirements = vec![format!("headroom >= {}", req.min_headroom.percent_string())];
    if req.ha {
        requirements.push("survive the loss of any node".into());
    }
    if let Some(c) = req.clients {
        requirements.push(format!("{c} concurrent clients"));
    }
    if let Some(p) = &req.provider {
        requirements.push(format!("provider {p}"));
    }
    Recommendation {
        budget: req.budget_cents.map(|b| format_cents(b, &currency)),
        currency,
        requirements,
        replicas: items.len(),
        demand_memory: Bytes(items.iter().map(|i| i.memory.0).sum()).into(),
        demand_cpu: Millicores(items.iter().map(|i| i.cpu.0).sum()).into(),
        pick,
        alternatives: passing,
        rejected,
        not_evaluated: skipped,
        cheapest_over_budget,
        by_shape,
        history: None,
        what_if: None,
        missing_inputs: Vec::new(),
    }
}
