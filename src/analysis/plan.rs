//! Tier fitting and `recommend`: the demand (every service's instances at the policy's size,
//! plus the cluster's system pods) placed on each tier and provider option whose nodes are
//! modelled as they really are (the kernel's share, the distribution's reservations, the OS,
//! the distribution's processes by node role, per-node system pods), with headroom, node-loss
//! survival, client capacity and price, then the cheapest option that passes.

use std::collections::BTreeMap;

use super::demand::Demand;
use super::node::{self, NodeBudget, NodeModel};
use super::placement::{self, Bin, Item, NodeFill, NodeLoss, Stranded};
use crate::model::catalog::{Catalog, ClientsClaim, Price, TierNode, convert};
use crate::model::node::{Minimum, Role, SystemSpec};
use crate::model::profile::SizeBy;
use crate::model::quantity::{Bytes, Millicores};
use crate::model::ratio::{ONE, Ratio};
use crate::model::reservation::{NodeSize, ReservationModel};

/// One machine of an option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    /// Name.
    pub name: String,
    /// vCPUs.
    pub vcpus: u32,
    /// Nominal memory (RAM as sold).
    pub memory: Bytes,
    /// Preferred groups.
    pub groups: Vec<String>,
    /// Runs application pods.
    pub workloads: bool,
    /// Extra memory the catalog keeps on it beyond the node model.
    pub overhead_memory: Bytes,
    /// Extra cpu the catalog keeps on it.
    pub overhead_cpu: Millicores,
    /// Pod limit.
    pub max_pods: u32,
    /// Reservation model.
    pub reservation: ReservationModel,
    /// The role the catalog gives it (default: the distribution's shape).
    pub role: Option<Role>,
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
    /// The distribution its nodes run (None: not modelled, e.g. the flat split).
    pub distribution: Option<String>,
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
        role: n.node_role,
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
            memory: Bytes(items.iter().map(|i| i.memory.0).fold(0u64, u64::saturating_add)),
            cpu: Millicores(items.iter().map(|i| i.cpu.0).fold(0u64, u64::saturating_add)),
            replicas: items.len() as u64,
            headroom,
        }
    }
}

/// The distributions of a catalog, each resolved (defaults, the profile's and the command
/// line's overrides, what a live cluster taught), and the load they add.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Models {
    /// By distribution name.
    pub by_name: BTreeMap<String, NodeModel>,
}

impl Models {
    /// Every distribution of the catalog, resolved.
    pub fn resolve(
        catalog: &Catalog,
        profile: &SystemSpec,
        command_line: &SystemSpec,
        learned: Option<&node::Learned>,
    ) -> Models {
        Models {
            by_name: catalog
                .distributions
                .iter()
                .map(|d| (d.name.clone(), node::resolve(d, profile, command_line, learned)))
                .collect(),
        }
    }

    /// The model of an option.
    pub fn of(&self, o: &CandidateOption) -> Option<&NodeModel> {
        o.distribution.as_ref().and_then(|d| self.by_name.get(d))
    }
}

/// The fewest nodes of this size that hold the load with the headroom, by memory, cpu and pod
/// slots, the first node (the control plane) carrying its own overhead; at least 1, at most 100.
fn nodes_needed(hint: &LoadHint, node: &NodeSpec, model: Option<&NodeModel>) -> u32 {
    let size = NodeSize { nominal_memory: node.memory, vcpus: node.vcpus };
    let none = (Bytes(0), Millicores(0));
    let role = |r: fn(&crate::model::node::Shape) -> Role| model.map(|m| (m, r(&m.distribution.shape)));
    let first = node::budget("", size, node.reservation, role(|s| s.first), none);
    let other = node::budget("", size, node.reservation, role(|s| s.others), none);
    let keep = Ratio(ONE.saturating_sub(hint.headroom.0));
    let room = |alloc: u64, over: u64| keep.apply_floor(alloc).saturating_sub(over).max(1);
    let need = |demand: u64, first_room: u64, other_room: u64| {
        if demand <= first_room { 1 } else { 1 + (demand - first_room).div_ceil(other_room) }
    };
    let (fa, oa) = (&first.allocatable, &other.allocatable);
    let n = need(
        hint.memory.0,
        room(fa.allocatable_memory.0, first.overhead_memory.0),
        room(oa.allocatable_memory.0, other.overhead_memory.0),
    )
    .max(need(
        hint.cpu.0,
        room(fa.allocatable_cpu.0, first.overhead_cpu.0),
        room(oa.allocatable_cpu.0, other.overhead_cpu.0),
    ))
    .max(hint.replicas.div_ceil(u64::from(node.max_pods.max(1))));
    u32::try_from(n.clamp(1, 100)).unwrap_or(100)
}

/// Every option of a catalog: its tiers, and each plan as 1, 2 and 3 identical nodes, plus, with
/// a load hint, the fewest nodes that hold the load and one more (for node loss), each with the
/// provider's control-plane and load-balancer fees where they apply.
pub fn options(
    catalog: &Catalog,
    models: &Models,
    rates: &BTreeMap<String, u64>,
    currency: &str,
    hint: Option<&LoadHint>,
) -> Vec<CandidateOption> {
    options_with(catalog, models, rates, currency, hint, &[])
}

/// The option of this name (case-insensitive): a tier, or a plan as `recommend` names it
/// (`hetzner CX33`, `hetzner CX33 x5`: any node count up to 100).
pub fn find_option(
    catalog: &Catalog,
    models: &Models,
    rates: &BTreeMap<String, u64>,
    currency: &str,
    name: &str,
) -> Option<CandidateOption> {
    let want = name.trim();
    let count =
        want.rsplit_once(" x").and_then(|(_, n)| n.parse::<u32>().ok()).filter(|n| (1..=100).contains(n));
    options_with(catalog, models, rates, currency, None, count.as_slice())
        .into_iter()
        .find(|o| o.name.eq_ignore_ascii_case(want))
}

fn options_with(
    catalog: &Catalog,
    models: &Models,
    rates: &BTreeMap<String, u64>,
    currency: &str,
    hint: Option<&LoadHint>,
    extra: &[u32],
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
            distribution: catalog.tier_distribution(t).map(|d| d.name.clone()),
        });
    }
    for p in &catalog.plans {
        let fees = catalog.providers.iter().find(|f| f.provider == p.provider);
        let reservation = fees.map_or(ReservationModel::K3s, |f| f.reservation);
        let distribution = catalog.provider_distribution(&p.provider).map(|d| d.name.clone());
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
            reservation,
            role: None,
        };
        let mut counts = vec![1u32, 2, 3];
        counts.extend_from_slice(extra);
        counts.sort_unstable();
        counts.dedup();
        if let Some(h) = hint {
            let model = distribution.as_ref().and_then(|d| models.by_name.get(d));
            let n = nodes_needed(h, &plan_node(String::new()), model);
            counts.push(n);
            if h.ha {
                counts.push(n + 1);
                counts.push(n.max(3));
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
                ha_capable: count >= 3,
                clients_claim: None,
                confidence: p.confidence.clone(),
                distribution: distribution.clone(),
            });
        }
    }
    out
}

/// The workload nodes of an option as they really are: each with its role (the catalog's, else
/// the distribution's shape; HA shapes put a control-plane share on the first three), its
/// reservations and its overhead. Identical nodes are computed once.
pub fn budgets(o: &CandidateOption, model: Option<&NodeModel>, ha: bool) -> Vec<NodeBudget> {
    let workload: Vec<&NodeSpec> = o.nodes.iter().filter(|n| n.workloads).collect();
    let roles: Vec<Option<Role>> = match model {
        Some(m) => {
            let shape = m.distribution.roles_for(workload.len(), ha);
            workload.iter().zip(shape).map(|(n, r)| Some(n.role.unwrap_or(r))).collect()
        }
        None => vec![None; workload.len()],
    };
    type Key = (Bytes, u32, ReservationModel, Option<Role>, Bytes, Millicores);
    let mut cache: Vec<(Key, NodeBudget)> = Vec::new();
    workload
        .iter()
        .zip(roles)
        .map(|(n, role)| {
            let key = (n.memory, n.vcpus, n.reservation, role, n.overhead_memory, n.overhead_cpu);
            let mut b = match cache.iter().find(|(k, _)| *k == key) {
                Some((_, b)) => b.clone(),
                None => {
                    let b = node::budget(
                        &n.name,
                        NodeSize { nominal_memory: n.memory, vcpus: n.vcpus },
                        n.reservation,
                        model.zip(role),
                        (n.overhead_memory, n.overhead_cpu),
                    );
                    cache.push((key, b.clone()));
                    b
                }
            };
            b.name.clone_from(&n.name);
            b
        })
        .collect()
}

/// The bins of the budgets: what is left for pods after each node's overhead.
pub fn bins(o: &CandidateOption, budgets: &[NodeBudget]) -> Vec<Bin> {
    o.nodes
        .iter()
        .filter(|n| n.workloads)
        .zip(budgets)
        .map(|(n, b)| Bin {
            name: n.name.clone(),
            groups: n.groups.clone(),
            memory: b.usable_memory,
            cpu: b.usable_cpu,
            pods: n.max_pods.saturating_sub(
                u32::try_from(
                    b.parts.iter().filter(|p| matches!(p.kind, node::Kind::SystemPod { .. })).count(),
                )
                .unwrap_or(0),
            ),
            overhead: (b.overhead_memory, b.overhead_cpu),
        })
        .collect()
}

/// The group of system pods among the items placed.
pub const SYSTEM_GROUP: &str = "system";

/// Service ids of system pods start here (services use their profile index).
const SYSTEM_ID: u32 = 1 << 30;

/// What is placed on every option: the services' instances, and per distribution its
/// cluster-level system pods, each list in placement order (computed once).
#[derive(Debug, Clone)]
pub struct Load {
    /// The services alone.
    pub services: Vec<Item>,
    /// Services plus system pods, per distribution name.
    pub with_system: BTreeMap<String, Vec<Item>>,
    /// Clients the per-client costs were taken for.
    pub clients: u64,
}

impl Load {
    /// The load of `demand` with `clients`, on every modelled distribution.
    pub fn new(demand: &Demand, clients: u64, models: &Models) -> Load {
        let services = demand.items(clients);
        let with_system = models
            .by_name
            .iter()
            .map(|(name, m)| {
                let mut items = services.clone();
                items.extend(system_items(m, demand.policy.size_by));
                items.sort_by(placement::placement_cmp);
                (name.clone(), items)
            })
            .collect();
        Load { services, with_system, clients }
    }

    /// The items placed on an option.
    pub fn items(&self, o: &CandidateOption) -> &[Item] {
        o.distribution.as_ref().and_then(|d| self.with_system.get(d)).map_or(&self.services, Vec::as_slice)
    }
}

/// The cluster-level system pods of a model as items (group `system`), at the policy's size
/// (the peak is a pod's memory limit where it has one).
pub fn system_items(m: &NodeModel, size_by: SizeBy) -> Vec<Item> {
    let mut out = Vec::new();
    for (k, p) in m.cluster_pods.iter().enumerate() {
        let node::Kind::SystemPod { name, .. } = &p.kind else { continue };
        let memory = match size_by {
            SizeBy::Typical => p.memory,
            SizeBy::Peak => p.peak.unwrap_or(p.memory).max(p.memory),
        };
        for r in 0..p.replicas {
            out.push(Item {
                service: name.clone(),
                service_id: SYSTEM_ID + k as u32,
                group: SYSTEM_GROUP.to_string(),
                replica: r,
                memory,
                cpu: p.cpu,
            });
        }
    }
    out
}

/// What `recommend` requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirements {
    /// Monthly budget in the catalog currency, cents.
    pub budget_cents: Option<u64>,
    /// Survive the loss of any node.
    pub ha: bool,
    /// Memory and cpu that must stay free, as a share of each node's allocatable.
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

/// The resource with the least headroom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// Memory.
    Memory,
    /// CPU.
    Cpu,
}

impl Resource {
    /// "memory" or "cpu".
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Memory => "memory",
            Resource::Cpu => "cpu",
        }
    }
}

/// Why an option fails, one reason each (the report words them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The price is above the budget.
    OverBudget {
        /// Price, cents.
        price: u64,
        /// Budget, cents.
        budget: u64,
    },
    /// No exchange rate for the price.
    PriceUnknown,
    /// A node is smaller than the distribution supports for its role.
    BelowMinimum {
        /// Node.
        node: String,
        /// Its role.
        role: Role,
        /// The distribution.
        distribution: String,
        /// The minimum.
        minimum: Minimum,
        /// The node's RAM as sold.
        nominal: Bytes,
        /// Its vCPUs.
        vcpus: u32,
    },
    /// A node cannot hold its own overhead plus one replica of the largest service.
    NoRoomForLargest {
        /// Node.
        node: String,
        /// Its role.
        role: Option<Role>,
        /// The distribution.
        distribution: Option<String>,
        /// Its overhead.
        overhead: Bytes,
        /// Its allocatable.
        allocatable: Bytes,
        /// The largest replica.
        largest: Bytes,
        /// Its service.
        service: String,
    },
    /// The totals exceed the capacity of every node together.
    Exceeds {
        /// Memory short, if it is.
        memory: Option<Bytes>,
        /// CPU short, if it is.
        cpu: Option<Millicores>,
        /// Replicas and pod slots, if slots are short.
        pods: Option<(u64, u64)>,
    },
    /// Some replicas fit nowhere.
    DoesNotFit {
        /// Memory short in total, if it is.
        short: Option<Bytes>,
        /// The replicas.
        stranded: Vec<Stranded>,
    },
    /// Placed, but a node keeps less headroom than required.
    BelowHeadroom {
        /// Which resource.
        resource: Resource,
        /// Its headroom.
        headroom: Ratio,
        /// The node.
        node: String,
        /// Required.
        required: Ratio,
    },
    /// `--ha` and the option cannot be HA.
    NotHa {
        /// Workload nodes.
        nodes: usize,
        /// A provider plan (no redundant control plane).
        plan: bool,
    },
    /// Losing a node strands replicas.
    FailsNodeLoss {
        /// The losses that strand something.
        losses: Vec<NodeLoss>,
    },
    /// Too few clients.
    TooFewClients {
        /// Sustained.
        got: u64,
        /// Wanted.
        want: u64,
    },
    /// The price's confidence is below the required.
    Confidence {
        /// The plan's.
        have: Confidence,
        /// Required.
        need: Confidence,
    },
}

/// One option evaluated: numbers and typed reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// Option name.
    pub name: String,
    /// tier or plan.
    pub kind: &'static str,
    /// Provider.
    pub provider: Option<String>,
    /// Nodes (all, workload or not).
    pub nodes: usize,
    /// Monthly cost, cents in the catalog currency.
    pub monthly_cents: Option<u64>,
    /// How it adds up.
    pub cost_breakdown: String,
    /// The distribution its nodes run.
    pub distribution: Option<String>,
    /// The workload nodes as modelled (detailed evaluations only; else empty).
    pub budgets: Vec<NodeBudget>,
    /// The workload nodes' roles.
    pub roles: Vec<Option<Role>>,
    /// Allocatable memory of the workload nodes.
    pub capacity_memory: Bytes,
    /// What the nodes run besides the pods placed (the OS, the distribution, per-node pods).
    pub overhead_memory: Bytes,
    /// The cluster's system pods placed with the services.
    pub system_memory: Bytes,
    /// The services' memory placed.
    pub services_memory: Bytes,
    /// Allocatable cpu.
    pub capacity_cpu: Millicores,
    /// Overhead cpu.
    pub overhead_cpu: Millicores,
    /// System pods' cpu.
    pub system_cpu: Millicores,
    /// Services' cpu.
    pub services_cpu: Millicores,
    /// Every replica was placed.
    pub fits: bool,
    /// The least memory headroom of any node: 1 - (overhead + placed) / allocatable.
    pub memory_headroom: Ratio,
    /// The least cpu headroom of any node.
    pub cpu_headroom: Ratio,
    /// The resource with the least headroom.
    pub limiting: Resource,
    /// Per-node fill (detailed evaluations: the pick, and check's tiers).
    pub fill: Vec<NodeFill>,
    /// Replicas that fit nowhere.
    pub unplaced: Vec<Stranded>,
    /// Node-loss simulation (multi-node options).
    pub node_loss: Vec<NodeLoss>,
    /// Survives any single node loss (None: not simulated).
    pub survives_node_loss: Option<bool>,
    /// Most concurrent clients within the headroom policy (None: no per-client costs).
    pub max_clients: Option<u64>,
    /// Claimed clients.
    pub clients_claim: Option<ClientsClaim>,
    /// Price confidence.
    pub confidence: Option<String>,
    /// Evaluated as HA (the first three nodes share the control plane).
    pub ha: bool,
    /// Passes every requirement.
    pub passes: bool,
    /// Why not.
    pub rejections: Vec<Rejection>,
}

fn headroom(demand: u64, cap: u64) -> Ratio {
    if cap == 0 {
        return Ratio(0);
    }
    Ratio(ONE.saturating_sub(Ratio::of(demand, cap).map_or(ONE, |r| r.0)))
}

/// The least headroom of any node after placement, for memory and for cpu, each node's
/// overhead counted as used; with the node of the least.
fn worst_headroom(items: &[Item], bins: &[Bin], p: &placement::Placement) -> (Ratio, Ratio, String) {
    let mut worst = (Ratio(ONE), Ratio(ONE), String::new());
    for (b, idx) in bins.iter().zip(&p.bins) {
        let m: u64 = idx
            .iter()
            .map(|&i| items[i].memory.0)
            .fold(0u64, u64::saturating_add)
            .saturating_add(b.overhead.0.0);
        let c: u64 = idx
            .iter()
            .map(|&i| items[i].cpu.0)
            .fold(0u64, u64::saturating_add)
            .saturating_add(b.overhead.1.0);
        let hm = headroom(m, b.memory.0 + b.overhead.0.0);
        let hc = if c == 0 { Ratio(ONE) } else { headroom(c, b.cpu.0 + b.overhead.1.0) };
        if hm.min(hc) < worst.0.min(worst.1) {
            worst.2 = b.name.clone();
        }
        worst.0 = worst.0.min(hm);
        worst.1 = worst.1.min(hc);
    }
    worst
}

/// What each bin may hold for at least `min` headroom as [`Ratio::of`] rounds it.
fn caps_within(bins: &[Bin], min: Ratio) -> Vec<placement::Free> {
    bins.iter()
        .map(|b| {
            (
                placement::capacity_within(b.memory.0 + b.overhead.0.0, min).saturating_sub(b.overhead.0.0),
                placement::capacity_within(b.cpu.0 + b.overhead.1.0, min).saturating_sub(b.overhead.1.0),
                b.pods,
            )
        })
        .collect()
}

/// Whether `items` fit on `bins` with every node keeping at least `min` of its memory and cpu.
fn fits_with_headroom(items: &[Item], bins: &[Bin], strict: bool, min: Ratio) -> bool {
    let p = placement::place(items, bins, strict);
    if !p.unplaced.is_empty() {
        return placement::search(items, &caps_within(bins, min), strict).is_some();
    }
    let (m, c, _) = worst_headroom(items, bins, &p);
    (m >= min && c >= min) || placement::search(items, &caps_within(bins, min), strict).is_some()
}

/// The most clients (up to a million) whose load still fits with the headroom policy.
pub fn max_clients(demand: &Demand, extra: &[Item], bins: &[Bin], strict: bool, min: Ratio) -> Option<u64> {
    if !demand.has_client_costs() {
        return None;
    }
    let items = |clients: u64| {
        let mut v = demand.items(clients);
        v.extend_from_slice(extra);
        v.sort_by(placement::placement_cmp);
        v
    };
    if !fits_with_headroom(&items(0), bins, strict, min) {
        return Some(0);
    }
    let (mut lo, mut hi) = (0u64, 1_000_000u64);
    if fits_with_headroom(&items(hi), bins, strict, min) {
        return Some(hi);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits_with_headroom(&items(mid), bins, strict, min) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(lo)
}

/// Evaluates options of one demand: the catalog's models and the load, computed once.
#[derive(Debug, Clone)]
pub struct Planner<'a> {
    /// The demand.
    pub demand: &'a Demand,
    /// The resolved distributions.
    pub models: &'a Models,
    /// The load placed.
    pub load: Load,
}

impl<'a> Planner<'a> {
    /// A planner for `demand` with `clients` (0 without).
    pub fn new(demand: &'a Demand, models: &'a Models, clients: u64) -> Planner<'a> {
        Planner { demand, models, load: Load::new(demand, clients, models) }
    }

    /// Evaluates one option. Without `detail`, node fills do not list their services and the
    /// node budgets are left out (recommend evaluates thousands of options, and details only
    /// its pick).
    pub fn evaluate(&self, o: &CandidateOption, req: &Requirements, detail: bool) -> Evaluation {
        let model = self.models.of(o);
        let strict = o.ha || req.ha;
        let budgets = budgets(o, model, strict);
        let bins = bins(o, &budgets);
        let items = self.load.items(o);
        let system: Vec<Item> =
            items.iter().filter(|i| i.group == SYSTEM_GROUP && i.service_id >= SYSTEM_ID).cloned().collect();
        let cap_m: u64 =
            budgets.iter().map(|b| b.allocatable.allocatable_memory.0).fold(0u64, u64::saturating_add);
        let cap_c: u64 =
            budgets.iter().map(|b| b.allocatable.allocatable_cpu.0).fold(0u64, u64::saturating_add);
        let over_m: u64 = budgets.iter().map(|b| b.overhead_memory.0).fold(0u64, u64::saturating_add);
        let over_c: u64 = budgets.iter().map(|b| b.overhead_cpu.0).fold(0u64, u64::saturating_add);
        let free_m: u64 = bins.iter().map(|b| b.memory.0).fold(0u64, u64::saturating_add);
        let free_c: u64 = bins.iter().map(|b| b.cpu.0).fold(0u64, u64::saturating_add);
        let cap_pods: u64 = bins.iter().map(|b| u64::from(b.pods)).fold(0u64, u64::saturating_add);
        let sys_m: u64 = system.iter().map(|i| i.memory.0).fold(0u64, u64::saturating_add);
        let sys_c: u64 = system.iter().map(|i| i.cpu.0).fold(0u64, u64::saturating_add);
        let dm: u64 = items.iter().map(|i| i.memory.0).fold(0u64, u64::saturating_add);
        let dc: u64 = items.iter().map(|i| i.cpu.0).fold(0u64, u64::saturating_add);
        let mut rejections = Vec::new();
        if let (Some(b), Some(m)) = (req.budget_cents, o.monthly_cents)
            && m > b
        {
            rejections.push(Rejection::OverBudget { price: m, budget: b });
        }
        if o.monthly_cents.is_none() {
            rejections.push(Rejection::PriceUnknown);
        }
        // The node itself: the distribution's minimum, and room for its overhead plus the
        // largest replica.
        let largest = self.load.services.iter().max_by_key(|i| i.memory);
        for b in &budgets {
            if let (Some(min), Some(role), Some(d)) = (&b.below_minimum, b.role, &o.distribution) {
                rejections.push(Rejection::BelowMinimum {
                    node: b.name.clone(),
                    role,
                    distribution: d.clone(),
                    minimum: min.clone(),
                    nominal: b.allocatable.nominal_memory,
                    vcpus: b.vcpus,
                });
                break;
            }
        }
        if let Some(l) = largest
            && let Some(b) = budgets.iter().find(|b| b.usable_memory < l.memory)
        {
            rejections.push(Rejection::NoRoomForLargest {
                node: b.name.clone(),
                role: b.role,
                distribution: o.distribution.clone(),
                overhead: b.overhead_memory,
                allocatable: b.allocatable.allocatable_memory,
                largest: l.memory,
                service: l.service.clone(),
            });
        }
        // A node too small for itself says why; the load's failures follow from it.
        let node_too_small = rejections
            .iter()
            .any(|r| matches!(r, Rejection::BelowMinimum { .. } | Rejection::NoRoomForLargest { .. }));
        // When the totals already exceed the capacity, nothing needs placing to know it fails.
        let hopeless = dm > free_m || dc > free_c || items.len() as u64 > cap_pods;
        let mut p = if hopeless {
            placement::Placement {
                bins: vec![Vec::new(); bins.len()],
                unplaced: Vec::new(),
                spilled: Vec::new(),
            }
        } else {
            placement::place(items, &bins, strict)
        };
        // The greedy placement is the scheduler's; where it strands a replica or leaves a node
        // too full, an exhaustive search (small instances) looks for a placement that holds, so
        // whether an option passes does not depend on the order of the greedy choices.
        if !hopeless
            && !p.unplaced.is_empty()
            && let Some(found) = placement::search(items, &caps_within(&bins, Ratio(0)), strict)
        {
            p = found;
        }
        let (mut mh, mut ch, mut worst_node) = if hopeless {
            (
                headroom(dm + over_m, cap_m),
                if dc == 0 { Ratio(ONE) } else { headroom(dc + over_c, cap_c) },
                String::new(),
            )
        } else {
            worst_headroom(items, &bins, &p)
        };
        if !hopeless
            && p.unplaced.is_empty()
            && (mh < req.min_headroom || ch < req.min_headroom)
            && let Some(found) = placement::search(items, &caps_within(&bins, req.min_headroom), strict)
        {
            p = found;
            (mh, ch, worst_node) = worst_headroom(items, &bins, &p);
        }
        let fill = if detail { placement::fills(items, &bins, &p, true) } else { Vec::new() };
        let placed_ok =
            !hopeless && p.unplaced.is_empty() && mh >= req.min_headroom && ch >= req.min_headroom;
        let multi = bins.len() > 1;
        // Node loss is simulated only where it can change the answer: the option otherwise passes.
        let check_loss = multi && strict && placed_ok;
        let node_loss = if check_loss { placement::node_losses(items, &bins) } else { Vec::new() };
        let survives = check_loss.then(|| node_loss.iter().all(|l| l.survives));
        let max_clients = max_clients(self.demand, &system, &bins, strict, req.min_headroom);
        if node_too_small {
        } else if hopeless {
            rejections.push(Rejection::Exceeds {
                memory: (dm > free_m).then(|| Bytes(dm - free_m)),
                cpu: (dc > free_c).then(|| Millicores(dc - free_c)),
                pods: (items.len() as u64 > cap_pods).then_some((items.len() as u64, cap_pods)),
            });
        } else if !p.unplaced.is_empty() {
            let short = dm.saturating_sub(free_m);
            rejections.push(Rejection::DoesNotFit {
                short: (short > 0).then_some(Bytes(short)),
                stranded: p.unplaced.iter().map(|(i, why)| placement::stranded(items, *i, why)).collect(),
            });
        } else if mh < req.min_headroom || ch < req.min_headroom {
            let (resource, h) = if mh <= ch { (Resource::Memory, mh) } else { (Resource::Cpu, ch) };
            rejections.push(Rejection::BelowHeadroom {
                resource,
                headroom: h,
                node: worst_node,
                required: req.min_headroom,
            });
        }
        if req.ha && !o.ha_capable {
            rejections.push(Rejection::NotHa { nodes: bins.len(), plan: o.kind == "plan" });
        }
        if let Some(false) = survives {
            rejections.push(Rejection::FailsNodeLoss {
                losses: node_loss.iter().filter(|l| !l.survives).cloned().collect(),
            });
        }
        if let (Some(want), Some(got)) = (req.clients, max_clients)
            && got < want
        {
            rejections.push(Rejection::TooFewClients { got, want });
        }
        if o.kind == "plan" {
            let c = Confidence::of(o.confidence.as_deref());
            if c < req.min_confidence {
                rejections.push(Rejection::Confidence { have: c, need: req.min_confidence });
            }
        }
        Evaluation {
            name: o.name.clone(),
            kind: o.kind,
            provider: o.provider.clone(),
            nodes: o.nodes.len(),
            monthly_cents: o.monthly_cents,
            cost_breakdown: o.cost_breakdown.clone(),
            distribution: o.distribution.clone(),
            roles: budgets.iter().map(|b| b.role).collect(),
            budgets: if detail { budgets } else { Vec::new() },
            capacity_memory: Bytes(cap_m),
            overhead_memory: Bytes(over_m),
            system_memory: Bytes(sys_m),
            services_memory: Bytes(dm - sys_m),
            capacity_cpu: Millicores(cap_c),
            overhead_cpu: Millicores(over_c),
            system_cpu: Millicores(sys_c),
            services_cpu: Millicores(dc - sys_c),
            fits: !hopeless && p.unplaced.is_empty(),
            memory_headroom: mh,
            cpu_headroom: ch,
            limiting: if ch < mh { Resource::Cpu } else { Resource::Memory },
            fill,
            unplaced: p.unplaced.iter().map(|(i, why)| placement::stranded(items, *i, why)).collect(),
            node_loss,
            survives_node_loss: survives,
            max_clients,
            clients_claim: o.clients_claim,
            confidence: o.confidence.clone(),
            ha: strict,
            passes: rejections.is_empty(),
            rejections,
        }
    }
}

/// The shapes `recommend` names the cheapest passing option of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeKind {
    /// One node.
    SingleNode,
    /// Several nodes.
    MultiNode,
    /// Several nodes that survive a node loss (evaluated with the HA requirement).
    Ha,
}

/// An option `recommend` did not need to place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Option name.
    pub name: String,
    /// Its monthly cost.
    pub monthly_cents: Option<u64>,
    /// Over the budget by this much (else: more expensive than the pick and its alternatives).
    pub over_budget_by: Option<u64>,
}

/// The cheapest passing option of a shape: its name and monthly cents.
pub type ShapePick = (String, Option<u64>);

/// The answer of `recommend`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    /// Catalog currency.
    pub currency: String,
    /// What was required.
    pub requirements: Requirements,
    /// Replicas placed per option (services only).
    pub replicas: usize,
    /// The services' memory demanded (all instances at the policy's size).
    pub demand_memory: Bytes,
    /// The services' cpu demanded.
    pub demand_cpu: Millicores,
    /// The cheapest option that passes.
    pub pick: Option<Evaluation>,
    /// Other passing options, cheapest first.
    pub alternatives: Vec<Evaluation>,
    /// Options that fail, cheapest first.
    pub rejected: Vec<Evaluation>,
    /// Options not placed.
    pub not_evaluated: Vec<Skipped>,
    /// When nothing passes within the budget: the cheapest option that passes everything else.
    pub cheapest_over_budget: Option<Evaluation>,
    /// The cheapest passing option of each shape (name, cents).
    pub by_shape: Vec<(ShapeKind, Option<ShapePick>)>,
}

/// How many passing alternatives `recommend` evaluates past the pick.
pub const ALTERNATIVES: usize = 10;

fn by_price(a: &CandidateOption, b: &CandidateOption) -> std::cmp::Ordering {
    (a.monthly_cents.unwrap_or(u64::MAX), &a.name).cmp(&(b.monthly_cents.unwrap_or(u64::MAX), &b.name))
}

/// Evaluates every option and ranks them.
pub fn recommend(
    planner: &Planner<'_>,
    catalog: &Catalog,
    rates: &BTreeMap<String, u64>,
    currency: &str,
    req: &Requirements,
) -> Recommendation {
    let items = &planner.load.services;
    let hint = LoadHint::of(items, req.min_headroom, req.ha);
    let mut opts: Vec<CandidateOption> = options(catalog, planner.models, rates, currency, Some(&hint))
        .into_iter()
        .filter(|o| req.provider.as_ref().is_none_or(|p| o.provider.as_ref() == Some(p)))
        .collect();
    opts.sort_by(by_price);
    let key = |e: &Evaluation| {
        (e.monthly_cents.unwrap_or(u64::MAX), std::cmp::Reverse(e.memory_headroom), e.name.clone())
    };
    // Cheapest first. Every option up to the pick is evaluated (why each cheaper one fails);
    // past the pick, evaluation stops once ALTERNATIVES more pass; the rest are listed with
    // their price only.
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
                monthly_cents: o.monthly_cents,
                over_budget_by: over,
            });
            continue;
        }
        let e = planner.evaluate(o, req, false);
        if e.passes {
            passing.push(e);
        } else {
            if over.is_some() && cheapest_over_budget.is_none() && passing.is_empty() {
                let free = planner.evaluate(o, &unbudgeted, false);
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
    // The pick is evaluated again with details (the nodes as modelled, the services on each).
    let pick = (!passing.is_empty()).then(|| {
        let first = passing.remove(0);
        opts.iter().find(|o| o.name == first.name).map(|o| planner.evaluate(o, req, true)).unwrap_or(first)
    });
    let all_passing: Vec<&Evaluation> = pick.iter().chain(passing.iter()).collect();
    // The cheapest passing option of a shape: among the evaluated ones, else the first of the
    // options not yet placed (within budget) that passes.
    let best = |pred: &dyn Fn(&Evaluation) -> bool, nodes: &dyn Fn(usize) -> bool| {
        all_passing.iter().find(|e| pred(e)).map(|e| (e.name.clone(), e.monthly_cents)).or_else(|| {
            let skipped_names: Vec<&str> = skipped.iter().map(|s| s.name.as_str()).collect();
            opts.iter()
                .filter(|o| nodes(o.nodes.len()) && skipped_names.contains(&o.name.as_str()))
                .filter(|o| req.budget_cents.is_none_or(|b| o.monthly_cents.is_some_and(|m| m <= b)))
                .map(|o| planner.evaluate(o, req, false))
                .find(|e| e.passes)
                .map(|e| (e.name, e.monthly_cents))
        })
    };
    let ha_best = if req.ha {
        best(&|e| e.nodes > 1, &|n| n > 1)
    } else {
        let ha_req = Requirements { ha: true, ..req.clone() };
        let ha_hint = LoadHint { ha: true, ..hint };
        let mut ha_opts: Vec<CandidateOption> =
            options(catalog, planner.models, rates, currency, Some(&ha_hint))
                .into_iter()
                .filter(|o| {
                    o.nodes.len() > 1 && req.provider.as_ref().is_none_or(|p| o.provider.as_ref() == Some(p))
                })
                .collect();
        ha_opts.sort_by(by_price);
        ha_opts
            .iter()
            .map(|o| planner.evaluate(o, &ha_req, false))
            .find(|e| e.passes)
            .map(|e| (e.name, e.monthly_cents))
    };
    let by_shape = vec![
        (ShapeKind::SingleNode, best(&|e| e.nodes == 1, &|n| n == 1)),
        (ShapeKind::MultiNode, best(&|e| e.nodes > 1, &|n| n > 1)),
        (ShapeKind::Ha, ha_best),
    ];
    Recommendation {
        currency: currency.to_string(),
        requirements: req.clone(),
        replicas: items.len(),
        demand_memory: Bytes(items.iter().map(|i| i.memory.0).fold(0u64, u64::saturating_add)),
        demand_cpu: Millicores(items.iter().map(|i| i.cpu.0).fold(0u64, u64::saturating_add)),
        pick,
        alternatives: passing,
        rejected,
        not_evaluated: skipped,
        cheapest_over_budget,
        by_shape,
    }
}
