//! Placement: bin-packing service replicas onto a tier's nodes, and node-loss survival.
//!
//! Deterministic, scheduler-like: replicas are sorted by memory, then cpu, then name (largest
//! first); each goes to the node that keeps the largest free share of memory plus cpu after
//! taking it (the default scheduler's LeastAllocated scoring, so load spreads as it would in a
//! cluster), trying first the nodes whose `groups` name the service's group, then any workload
//! node. Replicas of one service go to different nodes when they can (required on tiers that
//! claim HA). A node takes a replica when memory, cpu and its pod limit all fit.

use serde::Serialize;

use crate::model::figure::{CpuFig, MemFig, PctFig};
use crate::model::quantity::{Bytes, Millicores};
use crate::model::ratio::Ratio;

/// One replica to place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Service name.
    pub service: String,
    /// A number unique to the service among the items placed together (replicas of one service
    /// share it); lets placement track spreading without hashing names.
    pub service_id: u32,
    /// Service group.
    pub group: String,
    /// Replica index (0-based).
    pub replica: u32,
    /// Memory demand.
    pub memory: Bytes,
    /// CPU demand.
    pub cpu: Millicores,
}

/// A node that can take replicas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bin {
    /// Node name.
    pub name: String,
    /// Groups it takes first (empty: any).
    pub groups: Vec<String>,
    /// Memory available for replicas (allocatable minus the node's overhead).
    pub memory: Bytes,
    /// CPU available for replicas.
    pub cpu: Millicores,
    /// Pod slots available.
    pub pods: u32,
    /// What the node runs besides the replicas (the OS, the distribution, per-node system
    /// pods): `memory + overhead` is its allocatable, which headroom is measured against.
    pub overhead: (Bytes, Millicores),
}

/// Why a replica fits nowhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WhyNot {
    /// No node takes workloads.
    NoWorkloadNode,
    /// Larger than what any node has for pods.
    LargerThanAnyNode {
        /// The replica's memory.
        need: Bytes,
        /// The most any node has for pods.
        largest: Bytes,
    },
    /// Enough memory is free in total, but not on one node.
    Fragmented {
        /// The replica's memory.
        need: Bytes,
        /// Free in total.
        total: Bytes,
        /// Free on the freest node.
        largest: Bytes,
    },
    /// Not enough memory is free at all.
    NoRoom {
        /// The replica's memory.
        need: Bytes,
        /// Free in total.
        free: Bytes,
    },
    /// Not enough cpu on any node.
    Cpu {
        /// The replica's cpu.
        need: Millicores,
        /// Free on the freest node.
        largest: Millicores,
    },
    /// Every node is at its pod limit.
    PodLimit,
    /// Replicas must be on different nodes and every node has one.
    Spread {
        /// The service.
        service: String,
    },
    /// No node has both the memory and the cpu free.
    Both {
        /// Memory.
        need: Bytes,
        /// CPU.
        cpu: Millicores,
    },
}

/// A replica that fits nowhere: which (service, replica) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stranded {
    /// Service.
    pub service: String,
    /// Replica index.
    pub replica: u32,
    /// Why.
    pub why: WhyNot,
}

/// Where each replica went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Per bin: indices of the items placed there.
    pub bins: Vec<Vec<usize>>,
    /// Items that fit nowhere, with the reason.
    pub unplaced: Vec<(usize, WhyNot)>,
    /// Items placed outside their preferred nodes.
    pub spilled: Vec<usize>,
}

/// Places `items` on `bins`. With `strict_spread`, two replicas of a service never share a node.
pub fn place(items: &[Item], bins: &[Bin], strict_spread: bool) -> Placement {
    let uniform = bins.iter().all(|b| {
        b.groups.is_empty() && (b.memory, b.cpu, b.pods) == (bins[0].memory, bins[0].cpu, bins[0].pods)
    });
    if uniform && bins.len() > 8 {
        return place_uniform(items, bins, strict_spread);
    }
    place_general(items, bins, strict_spread)
}

/// Placement order: largest memory first, then cpu, then service name and replica.
pub fn placement_cmp(x: &Item, y: &Item) -> std::cmp::Ordering {
    y.memory
        .cmp(&x.memory)
        .then(y.cpu.cmp(&x.cpu))
        .then(x.service.cmp(&y.service))
        .then(x.replica.cmp(&y.replica))
}

/// Indices of `items` in placement order; free when they are already in that order (the
/// planner sorts its demand once, then places it on thousands of options).
fn sorted_order(items: &[Item]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    if !items.is_sorted_by(|a, b| placement_cmp(a, b) != std::cmp::Ordering::Greater) {
        order.sort_by(|&a, &b| placement_cmp(&items[a], &items[b]));
    }
    order
}

/// The same policy on identical nodes without group homes, with the nodes in a heap ordered by
/// free share (most free first, then lowest index): O(replicas x log nodes) instead of
/// O(replicas x nodes), for options made of many copies of one plan.
fn place_uniform(items: &[Item], bins: &[Bin], strict_spread: bool) -> Placement {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let (cap_m, cap_c) = (bins[0].memory.0, bins[0].cpu.0);
    let share = |left: u64, cap: u64| left.saturating_mul(10_000).checked_div(cap).unwrap_or(0);
    let mut free: Vec<(u64, u64, u32)> = bins.iter().map(|b| (b.memory.0, b.cpu.0, b.pods)).collect();
    let key = |f: &(u64, u64, u32)| share(f.0, cap_m) + share(f.1, cap_c);
    let mut heap: BinaryHeap<(u64, Reverse<usize>)> =
        (0..bins.len()).map(|k| (key(&free[k]), Reverse(k))).collect();
    let mut placed: Vec<Vec<usize>> = vec![Vec::new(); bins.len()];
    let mut unplaced = Vec::new();
    let mut used_by: std::collections::HashMap<u32, Vec<usize>> = std::collections::HashMap::new();
    for i in sorted_order(items) {
        let it = &items[i];
        let used: &[usize] = used_by.get(&it.service_id).map_or(&[], Vec::as_slice);
        let mut popped = Vec::new();
        let mut chosen = None;
        let mut fallback = None;
        while let Some((k_key, Reverse(k))) = heap.pop() {
            popped.push((k_key, k));
            let f = free[k];
            if f.0 >= it.memory.0 && f.1 >= it.cpu.0 && f.2 > 0 {
                if !used.contains(&k) {
                    chosen = Some(k);
                    break;
                }
                if fallback.is_none() {
                    fallback = Some(k);
                    if strict_spread {
                        continue;
                    }
                }
            }
        }
        let pick = chosen.or(if strict_spread { None } else { fallback });
        if let Some(k) = pick {
            free[k].0 -= it.memory.0;
            free[k].1 -= it.cpu.0;
            free[k].2 -= 1;
            placed[k].push(i);
            used_by.entry(it.service_id).or_default().push(k);
        }
        for (k_key, k) in popped {
            heap.push((if Some(k) == pick { key(&free[k]) } else { k_key }, Reverse(k)));
        }
        if pick.is_none() {
            unplaced.push((i, why_not(it, bins, &free, &placed, items, strict_spread)));
        }
    }
    Placement { bins: placed, unplaced, spilled: Vec::new() }
}

fn place_general(items: &[Item], bins: &[Bin], strict_spread: bool) -> Placement {
    let order = sorted_order(items);
    let mut free: Vec<(u64, u64, u32)> = bins.iter().map(|b| (b.memory.0, b.cpu.0, b.pods)).collect();
    let mut placed: Vec<Vec<usize>> = vec![Vec::new(); bins.len()];
    let mut unplaced = Vec::new();
    let mut spilled = Vec::new();
    let group_has_home = |g: &str| bins.iter().any(|b| b.groups.iter().any(|x| x == g));
    // Nodes already holding a replica of each service (replica counts are small).
    let mut used_by: std::collections::HashMap<u32, Vec<usize>> = std::collections::HashMap::new();
    for i in order {
        let it = &items[i];
        let home = group_has_home(&it.group);
        let used: &[usize] = used_by.get(&it.service_id).map_or(&[], Vec::as_slice);
        let fits = |k: usize, free: &[(u64, u64, u32)]| {
            free[k].0 >= it.memory.0 && free[k].1 >= it.cpu.0 && free[k].2 > 0
        };
        let shares = |k: usize| used.contains(&k);
        let preferred = |k: usize| !home || bins[k].groups.iter().any(|g| g == &it.group);
        // Score: free share of memory + free share of cpu after placing, in basis points.
        let score = |k: usize| {
            let share = |left: u64, cap: u64| left.saturating_mul(10_000).checked_div(cap).unwrap_or(0);
            share(free[k].0 - it.memory.0, bins[k].memory.0) + share(free[k].1 - it.cpu.0, bins[k].cpu.0)
        };
        let best = |pred: &dyn Fn(usize) -> bool| {
            (0..bins.len())
                .filter(|&k| pred(k) && fits(k, &free))
                .max_by_key(|&k| (score(k), std::cmp::Reverse(k)))
        };
        let choice = best(&|k| preferred(k) && !shares(k))
            .map(|k| (k, false))
            .or_else(|| best(&|k| !shares(k)).map(|k| (k, true)))
            .or_else(|| if strict_spread { None } else { best(&preferred).map(|k| (k, false)) })
            .or_else(|| if strict_spread { None } else { best(&|_| true).map(|k| (k, true)) });
        match choice {
            Some((k, spill)) => {
                free[k].0 -= it.memory.0;
                free[k].1 -= it.cpu.0;
                free[k].2 -= 1;
                placed[k].push(i);
                used_by.entry(it.service_id).or_default().push(k);
                if spill && home {
                    spilled.push(i);
                }
            }
            None => unplaced.push((i, why_not(it, bins, &free, &placed, items, strict_spread))),
        }
    }
    Placement { bins: placed, unplaced, spilled }
}

/// Memory, cpu and pod slots of a node (its capacity, or what is left of it).
pub type Free = (u64, u64, u32);

/// Largest instance [`search`] is tried on (replicas); larger ones keep the greedy answer.
pub const SEARCH_MAX_ITEMS: usize = 64;
/// Steps (replica-on-node attempts) [`search`] may take before giving up.
pub const SEARCH_BUDGET: u64 = 20_000;

/// Exhaustive search for a placement of every item on nodes with the given free capacities
/// (memory, cpu, pod slots), ignoring group preferences; with `strict_spread`, replicas of a
/// service on different nodes. The greedy policy of [`place`] can fail where a placement
/// exists (bin packing is not monotone: removing a replica can change the order of later
/// choices and strand another); this finds one when it exists, so "fits" never depends on the
/// order. `None` when there is none, when the instance is larger than [`SEARCH_MAX_ITEMS`], or
/// when [`SEARCH_BUDGET`] runs out.
pub fn search(items: &[Item], caps: &[Free], strict_spread: bool) -> Option<Placement> {
    if items.len() > SEARCH_MAX_ITEMS || caps.is_empty() {
        return None;
    }
    let order = sorted_order(items);
    // What is left to place from each position on, for pruning.
    let mut rest = vec![(0u64, 0u64, 0u64); order.len() + 1];
    for (pos, &i) in order.iter().enumerate().rev() {
        let r = rest[pos + 1];
        rest[pos] = (r.0 + items[i].memory.0, r.1 + items[i].cpu.0, r.2 + 1);
    }
    struct State<'a> {
        items: &'a [Item],
        caps: &'a [Free],
        order: Vec<usize>,
        rest: Vec<(u64, u64, u64)>,
        free: Vec<Free>,
        bins: Vec<Vec<usize>>,
        strict: bool,
        steps: u64,
    }
    // Some(true): placed everything; Some(false): no placement below; None: out of budget.
    fn go(st: &mut State<'_>, pos: usize) -> Option<bool> {
        if pos == st.order.len() {
            return Some(true);
        }
        let (rm, rc, rp) = st.rest[pos];
        let (fm, fc, fp) =
            st.free.iter().fold((0u64, 0u64, 0u64), |a, f| (a.0 + f.0, a.1 + f.1, a.2 + u64::from(f.2)));
        if rm > fm || rc > fc || rp > fp {
            return Some(false);
        }
        let i = st.order[pos];
        let it = &st.items[i];
        // Most free share first (the scheduler's preference), then lowest index.
        let share = |left: u64, cap: u64| left.saturating_mul(10_000).checked_div(cap).unwrap_or(0);
        let mut cand: Vec<usize> = (0..st.free.len())
            .filter(|&k| st.free[k].0 >= it.memory.0 && st.free[k].1 >= it.cpu.0 && st.free[k].2 > 0)
            .filter(|&k| !st.strict || !st.bins[k].iter().any(|&j| st.items[j].service_id == it.service_id))
            .collect();
        cand.sort_by_key(|&k| {
            (std::cmp::Reverse(share(st.free[k].0, st.caps[k].0) + share(st.free[k].1, st.caps[k].1)), k)
        });
        let mut tried: Vec<(Free, Free)> = Vec::new();
        for k in cand {
            // Two nodes of the same size with the same free capacity are interchangeable
            // (without strict spreading, which also depends on what each holds).
            let sig = (st.caps[k], st.free[k]);
            if !st.strict && tried.contains(&sig) {
                continue;
            }
            tried.push(sig);
            st.steps += 1;
            if st.steps > SEARCH_BUDGET {
                return None;
            }
            st.free[k].0 -= it.memory.0;
            st.free[k].1 -= it.cpu.0;
            st.free[k].2 -= 1;
            st.bins[k].push(i);
            let r = go(st, pos + 1);
            if r != Some(false) {
                return r;
            }
            st.bins[k].pop();
            st.free[k].0 += it.memory.0;
            st.free[k].1 += it.cpu.0;
            st.free[k].2 += 1;
        }
        Some(false)
    }
    let mut st = State {
        items,
        caps,
        order,
        rest,
        free: caps.to_vec(),
        bins: vec![Vec::new(); caps.len()],
        strict: strict_spread,
        steps: 0,
    };
    match go(&mut st, 0) {
        Some(true) => Some(Placement { bins: st.bins, unplaced: Vec::new(), spilled: Vec::new() }),
        _ => None,
    }
}

/// The most a node of capacity `cap` may hold and still show at least `min` headroom as
/// [`Ratio::of`] rounds it: the largest `p` with `round(p / cap) <= 1 - min`.
pub fn capacity_within(cap: u64, min: Ratio) -> u64 {
    let keep = u128::from(crate::model::ratio::ONE.saturating_sub(min.0));
    let x = u128::from(cap) * (2 * keep + 1);
    u64::try_from(x.saturating_sub(1) / (2 * u128::from(crate::model::ratio::ONE)))
        .unwrap_or(u64::MAX)
        .min(cap)
}

fn why_not(
    it: &Item,
    bins: &[Bin],
    free: &[(u64, u64, u32)],
    placed: &[Vec<usize>],
    items: &[Item],
    strict: bool,
) -> WhyNot {
    if bins.is_empty() {
        return WhyNot::NoWorkloadNode;
    }
    let largest_mem = free.iter().map(|f| f.0).max().unwrap_or(0);
    let largest_cpu = free.iter().map(|f| f.1).max().unwrap_or(0);
    let total_mem: u64 = free.iter().map(|f| f.0).fold(0u64, u64::saturating_add);
    if bins.iter().all(|b| b.memory < it.memory) {
        return WhyNot::LargerThanAnyNode {
            need: it.memory,
            largest: bins.iter().map(|b| b.memory).max().unwrap_or(Bytes(0)),
        };
    }
    if largest_mem < it.memory.0 {
        return if total_mem >= it.memory.0 {
            WhyNot::Fragmented { need: it.memory, total: Bytes(total_mem), largest: Bytes(largest_mem) }
        } else {
            WhyNot::NoRoom { need: it.memory, free: Bytes(total_mem) }
        };
    }
    if largest_cpu < it.cpu.0 {
        return WhyNot::Cpu { need: it.cpu, largest: Millicores(largest_cpu) };
    }
    if free.iter().all(|f| f.2 == 0) {
        return WhyNot::PodLimit;
    }
    if strict && placed.iter().all(|p| p.iter().any(|&j| items[j].service == it.service)) {
        return WhyNot::Spread { service: it.service.clone() };
    }
    WhyNot::Both { need: it.memory, cpu: it.cpu }
}

/// One node after placement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeFill {
    /// Node name.
    pub node: String,
    /// Allocatable memory (what the node has for pods).
    pub capacity_memory: MemFig,
    /// What the node runs besides the replicas (the OS, the distribution, per-node pods).
    pub overhead_memory: MemFig,
    /// Memory placed.
    pub placed_memory: MemFig,
    /// (overhead + placed) / capacity.
    pub memory_percent: PctFig,
    /// CPU available for pods.
    pub capacity_cpu: CpuFig,
    /// CPU placed.
    pub placed_cpu: CpuFig,
    /// placed / capacity cpu.
    pub cpu_percent: PctFig,
    /// Pods placed.
    pub pods: u32,
    /// Memory left.
    pub headroom_memory: MemFig,
    /// "memory" or "cpu": the fuller of the two.
    pub limiting: &'static str,
    /// Services placed (one entry per replica; only for the detailed evaluation of a pick).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
}

/// Per-node fill of a placement; with `detail`, the services placed on each node too.
pub fn fills(items: &[Item], bins: &[Bin], p: &Placement, detail: bool) -> Vec<NodeFill> {
    bins.iter()
        .zip(&p.bins)
        .map(|(b, idx)| {
            let mem: u64 = idx.iter().map(|&i| items[i].memory.0).fold(0u64, u64::saturating_add);
            let cpu: u64 = idx.iter().map(|&i| items[i].cpu.0).fold(0u64, u64::saturating_add);
            let (om, oc) = (b.overhead.0.0, b.overhead.1.0);
            let (cap_m, cap_c) = (b.memory.0.saturating_add(om), b.cpu.0.saturating_add(oc));
            let mp = Ratio::of(mem.saturating_add(om), cap_m).unwrap_or(Ratio(0));
            let cp = Ratio::of(cpu.saturating_add(oc), cap_c).unwrap_or(Ratio(0));
            let mut services: Vec<String> =
                if detail { idx.iter().map(|&i| items[i].service.clone()).collect() } else { Vec::new() };
            services.sort();
            NodeFill {
                node: b.name.clone(),
                capacity_memory: Bytes(cap_m).into(),
                overhead_memory: b.overhead.0.into(),
                placed_memory: Bytes(mem).into(),
                memory_percent: mp.into(),
                capacity_cpu: Millicores(cap_c).into(),
                placed_cpu: Millicores(cpu).into(),
                cpu_percent: cp.into(),
                pods: idx.len() as u32,
                headroom_memory: b.memory.saturating_sub(Bytes(mem)).into(),
                limiting: if cp > mp { "cpu" } else { "memory" },
                services,
            }
        })
        .collect()
}

/// The loss of one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeLoss {
    /// The node lost.
    pub node: String,
    /// Identical nodes this loss stands for (1: this node only).
    pub any_of: usize,
    /// Whether every replica still fits on the other nodes.
    pub survives: bool,
    /// Replicas that would be stranded.
    pub stranded: Vec<Stranded>,
}

/// The stranded replica `i`.
pub fn stranded(items: &[Item], i: usize, why: &WhyNot) -> Stranded {
    Stranded { service: items[i].service.clone(), replica: items[i].replica, why: why.clone() }
}

/// Simulates losing each workload node in turn; replicas re-place on the rest (group
/// preferences still apply; spreading becomes best effort). Identical nodes are interchangeable,
/// so when every node is alike one loss stands for all (named "any of N").
pub fn node_losses(items: &[Item], bins: &[Bin]) -> Vec<NodeLoss> {
    let alike = bins.windows(2).all(|w| {
        (w[0].memory, w[0].cpu, w[0].pods, &w[0].groups, w[0].overhead)
            == (w[1].memory, w[1].cpu, w[1].pods, &w[1].groups, w[1].overhead)
    });
    if alike && bins.len() > 1 {
        let mut one = node_losses_of(items, bins, &[0]);
        if let Some(l) = one.first_mut() {
            l.any_of = bins.len();
        }
        return one;
    }
    node_losses_of(items, bins, &(0..bins.len()).collect::<Vec<_>>())
}

fn node_losses_of(items: &[Item], bins: &[Bin], which: &[usize]) -> Vec<NodeLoss> {
    which
        .iter()
        .map(|&lost| {
            let rest: Vec<Bin> =
                bins.iter().enumerate().filter(|(k, _)| *k != lost).map(|(_, b)| b.clone()).collect();
            let p = place(items, &rest, false);
            NodeLoss {
                node: bins[lost].name.clone(),
                any_of: 1,
                survives: p.unplaced.is_empty(),
                stranded: p.unplaced.iter().map(|(i, why)| stranded(items, *i, why)).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn why(w: &WhyNot) -> String {
        crate::report::plan::why_not_text(w)
    }

    const MI: u64 = 1 << 20;

    fn item(service: &str, group: &str, replica: u32, mem_mi: u64, cpu: u64) -> Item {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        service.hash(&mut h);
        Item {
            service: service.into(),
            service_id: h.finish() as u32,
            group: group.into(),
            replica,
            memory: Bytes(mem_mi * MI),
            cpu: Millicores(cpu),
        }
    }

    fn bin(name: &str, groups: &[&str], mem_mi: u64, cpu: u64) -> Bin {
        Bin {
            name: name.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            memory: Bytes(mem_mi * MI),
            cpu: Millicores(cpu),
            pods: 110,
            overhead: (Bytes(0), Millicores(0)),
        }
    }

    #[test]
    fn search_finds_a_placement_the_greedy_policy_misses() {
        // 6, 4, 4, 3, 3 on two nodes of 10: LeastAllocated puts 6 on A, both 4s on B (it has
        // more free), a 3 on A and strands the last 3 (A has 1 free, B 2). A: 6+4, B: 4+3+3 fits.
        let items: Vec<Item> = [("a", 6), ("b", 4), ("c", 4), ("d", 3), ("e", 3)]
            .iter()
            .map(|(n, m)| item(n, "g", 0, *m, 10))
            .collect();
        let bins = vec![bin("A", &[], 10, 1000), bin("B", &[], 10, 1000)];
        let greedy = place(&items, &bins, false);
        assert_eq!(greedy.unplaced.len(), 1, "the greedy policy strands one replica");
        let caps: Vec<(u64, u64, u32)> = bins.iter().map(|b| (b.memory.0, b.cpu.0, b.pods)).collect();
        let found = search(&items, &caps, false).expect("a placement exists");
        assert!(found.unplaced.is_empty());
        for (k, idx) in found.bins.iter().enumerate() {
            let m: u64 = idx.iter().map(|&i| items[i].memory.0).fold(0u64, u64::saturating_add);
            assert!(m <= bins[k].memory.0);
        }
        assert_eq!(found.bins.iter().map(Vec::len).sum::<usize>(), 5);
        // One more replica of 1 cannot fit anywhere (20 of 20 used): no placement.
        let mut more = items.clone();
        more.push(item("f", "g", 0, 1, 10));
        assert!(search(&more, &caps, false).is_none());
    }

    #[test]
    fn search_respects_strict_spreading_and_its_limits() {
        let items = vec![item("a", "g", 0, 1, 10), item("a", "g", 1, 1, 10), item("a", "g", 2, 1, 10)];
        let caps = vec![(10 * MI, 1000, 110), (10 * MI, 1000, 110)];
        assert!(search(&items, &caps, true).is_none(), "3 replicas, 2 nodes, strict spreading");
        assert!(search(&items, &caps, false).is_some());
        let many: Vec<Item> = (0..=SEARCH_MAX_ITEMS as u32).map(|r| item("x", "g", r, 1, 1)).collect();
        assert!(search(&many, &[(1 << 40, 1 << 20, 1000)], false).is_none(), "too large to search");
    }

    #[test]
    fn capacity_within_matches_the_rounding_of_headroom() {
        // round(p / 1e6) <= 70% while p <= 700049 (700050 rounds to 70.01%).
        assert_eq!(capacity_within(1_000_000, Ratio(3000)), 700_049);
        assert_eq!(Ratio::of(700_049, 1_000_000), Some(Ratio(7000)));
        assert_eq!(Ratio::of(700_050, 1_000_000), Some(Ratio(7001)));
        assert_eq!(capacity_within(1000, Ratio(3000)), 700);
        assert_eq!(capacity_within(1000, Ratio(0)), 1000);
        assert_eq!(capacity_within(0, Ratio(3000)), 0);
        assert_eq!(capacity_within(u64::MAX, Ratio(0)), u64::MAX);
    }

    fn where_is(items: &[Item], bins: &[Bin], p: &Placement, service: &str) -> Vec<String> {
        let mut v: Vec<String> = p
            .bins
            .iter()
            .enumerate()
            .flat_map(|(k, idx)| {
                idx.iter().filter(|&&i| items[i].service == service).map(move |_| bins[k].name.clone())
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn least_allocated_by_hand() {
        // Bins a 1000Mi and b 600Mi (cpu unused: each adds 10000 to every score).
        // 500 -> a keeps 500/1000 = 5000, b 100/600 = 1666 -> a (a 500 left).
        // 400 -> a keeps 100/1000 = 1000, b 200/600 = 3333 -> b (b 200 left).
        // 300 -> only a fits -> a (a 200 left). 200 -> a 0, b 0: tie -> a, the first.
        let items = vec![
            item("w", "g", 0, 500, 0),
            item("x", "g", 0, 400, 0),
            item("y", "g", 0, 300, 0),
            item("z", "g", 0, 200, 0),
        ];
        let bins = vec![bin("a", &[], 1000, 1000), bin("b", &[], 600, 1000)];
        let p = place(&items, &bins, false);
        assert!(p.unplaced.is_empty());
        assert_eq!(where_is(&items, &bins, &p, "w"), vec!["a"]);
        assert_eq!(where_is(&items, &bins, &p, "x"), vec!["b"]);
        assert_eq!(where_is(&items, &bins, &p, "y"), vec!["a"]);
        assert_eq!(where_is(&items, &bins, &p, "z"), vec!["a"]);
        let f = fills(&items, &bins, &p, true);
        assert_eq!(f[0].placed_memory.bytes, 1000 * MI);
        assert_eq!(f[0].memory_percent.display(), "100%");
        assert_eq!(f[1].headroom_memory.bytes, 200 * MI);
    }

    #[test]
    fn equal_nodes_share_the_load() {
        // Four 100Mi replicas of different services on two equal nodes: 2 and 2.
        let items: Vec<Item> = ["a", "b", "c", "d"].iter().map(|s| item(s, "g", 0, 100, 10)).collect();
        let bins = vec![bin("n1", &[], 1000, 1000), bin("n2", &[], 1000, 1000)];
        let f = fills(&items, &bins, &place(&items, &bins, false), true);
        assert_eq!((f[0].pods, f[1].pods), (2, 2));
    }

    #[test]
    fn total_memory_suffices_but_no_node_holds_the_largest_pod() {
        // Two nodes of 1Gi free (2Gi in total); one replica needs 1.5Gi.
        let items = vec![item("big", "g", 0, 1536, 100)];
        let bins = vec![bin("a", &[], 1024, 2000), bin("b", &[], 1024, 2000)];
        let p = place(&items, &bins, false);
        assert_eq!(p.unplaced.len(), 1);
        assert_eq!(why(&p.unplaced[0].1), "needs 1.5Gi but the largest node has 1Gi for pods");
        // Same with partly used nodes: 2Gi free in total across 3 nodes, at most 800Mi on one.
        let items =
            vec![item("a1", "g", 0, 224, 0), item("b1", "g", 0, 224, 0), item("big", "g", 0, 1000, 0)];
        let bins = vec![bin("a", &[], 1024, 2000), bin("b", &[], 1024, 2000)];
        let p = place(&items, &bins, false);
        assert_eq!(p.unplaced.len(), 0, "1000 placed first on a, 224s on b");
        let items = vec![item("a1", "g", 0, 600, 0), item("b1", "g", 0, 600, 0), item("big", "g", 0, 700, 0)];
        let p = place(&items, &bins, false);
        // 700 -> a (324 left); 600 -> b (424 left); 600 -> nowhere: 748Mi free in total, at most 424Mi on one node.
        assert_eq!(p.unplaced.len(), 1);
        assert_eq!(
            why(&p.unplaced[0].1),
            "needs 600Mi: 748Mi is free in total but at most 424Mi on one node"
        );
    }

    #[test]
    fn groups_go_to_their_nodes_first_and_spill_when_full() {
        let items = vec![
            item("agent-1", "ai-agents", 0, 300, 0),
            item("agent-2", "ai-agents", 0, 300, 0),
            item("api", "core", 0, 100, 0),
        ];
        let bins = vec![bin("master", &["core"], 1000, 1000), bin("worker-1", &["ai-agents"], 500, 1000)];
        let p = place(&items, &bins, false);
        assert_eq!(where_is(&items, &bins, &p, "agent-1"), vec!["worker-1"]);
        assert_eq!(where_is(&items, &bins, &p, "agent-2"), vec!["master"], "spilled: worker-1 is full");
        assert_eq!(p.spilled.len(), 1);
        assert_eq!(where_is(&items, &bins, &p, "api"), vec!["master"]);
        // A group without a home node goes anywhere without counting as spilled.
        let items = vec![item("grafana", "monitoring", 0, 100, 0)];
        let p = place(&items, &bins, false);
        assert!(p.spilled.is_empty() && p.unplaced.is_empty());
    }

    #[test]
    fn replicas_spread_and_strict_spread_refuses_to_stack() {
        let items = vec![
            item("api", "core", 0, 100, 0),
            item("api", "core", 1, 100, 0),
            item("api", "core", 2, 100, 0),
        ];
        let bins = vec![bin("a", &[], 1000, 1000), bin("b", &[], 1000, 1000)];
        let p = place(&items, &bins, false);
        assert!(p.unplaced.is_empty());
        assert_eq!(where_is(&items, &bins, &p, "api"), vec!["a", "a", "b"]);
        let p = place(&items, &bins, true);
        assert_eq!(p.unplaced.len(), 1);
        assert_eq!(
            why(&p.unplaced[0].1),
            "replicas of api must be on different nodes and every node already has one"
        );
    }

    #[test]
    fn cpu_and_pod_limits_are_respected() {
        let items = vec![item("hog", "g", 0, 10, 1500)];
        let bins = vec![bin("a", &[], 1000, 1000)];
        assert_eq!(
            why(&place(&items, &bins, false).unplaced[0].1),
            "needs 1.5 cpu but at most 1 is free on one node"
        );
        let mut b = bin("a", &[], 1000, 1000);
        b.pods = 1;
        let items = vec![item("x", "g", 0, 1, 1), item("y", "g", 0, 1, 1)];
        assert_eq!(why(&place(&items, &[b], false).unplaced[0].1), "every node is at its pod limit");
        let f = fills(
            &[item("c", "g", 0, 100, 900)],
            &[bin("a", &[], 1000, 1000)],
            &place(&[item("c", "g", 0, 100, 900)], &[bin("a", &[], 1000, 1000)], false),
            true,
        );
        assert_eq!(f[0].limiting, "cpu");
    }

    #[test]
    fn node_loss_names_the_node_and_the_stranded_pods() {
        // master 1000 (core), worker 600 (ai), storage 400 (db). Load: core 500, ai 500, db 300.
        let items =
            vec![item("api", "core", 0, 500, 0), item("agent", "ai", 0, 500, 0), item("db", "db", 0, 300, 0)];
        let bins = vec![
            bin("master", &["core"], 1000, 1000),
            bin("worker", &["ai"], 600, 1000),
            bin("storage", &["db"], 400, 1000),
        ];
        let losses = node_losses(&items, &bins);
        // Lose master: api 500 -> worker (100 left after?) worker 600: agent 500 first (bigger? equal 500: api < agent by name ->
        // order: agent, api (both 500, name order agent < api)). agent -> worker (100 left), api -> nowhere on worker; storage 400 < 500.
        assert_eq!(losses[0].node, "master");
        assert!(!losses[0].survives);
        assert_eq!(
            losses[0].stranded.iter().map(crate::report::plan::stranded_text).collect::<Vec<_>>(),
            vec!["api#0: needs 500Mi: 500Mi is free in total but at most 400Mi on one node".to_string()]
        );
        // Lose worker: agent -> master (500 left), api -> master (0 left), db -> storage. Survives.
        assert!(losses[1].survives, "{:?}", losses[1]);
        // Lose storage: db 300 -> master after api and agent? agent -> worker, api -> master (500 left), db -> master.
        assert!(losses[2].survives, "{:?}", losses[2]);
    }

    #[test]
    fn many_identical_nodes_place_like_the_general_path() {
        // 12 identical nodes take the heap path; the result must satisfy the same invariants as
        // the general path: everything placed, replicas spread, no node over capacity, and the
        // load spread evenly (LeastAllocated).
        let items: Vec<Item> =
            (0..60).map(|i| item(&format!("s{}", i / 3), "g", i % 3, 50 + (i as u64 * 7) % 40, 10)).collect();
        let bins: Vec<Bin> = (0..12).map(|k| bin(&format!("n{k:02}"), &[], 1000, 1000)).collect();
        let fast = place(&items, &bins, true);
        let general = place_general(&items, &bins, true);
        assert!(fast.unplaced.is_empty() && general.unplaced.is_empty());
        for p in [&fast, &general] {
            let f = fills(&items, &bins, p, true);
            for n in &f {
                let mut s = n.services.clone();
                s.dedup();
                assert_eq!(s.len(), n.services.len(), "replicas spread on {}", n.node);
                assert!(n.placed_memory.bytes <= 1000 * MI);
            }
            let pods: Vec<u32> = f.iter().map(|n| n.pods).collect();
            assert!(pods.iter().max().unwrap() - pods.iter().min().unwrap() <= 1, "{pods:?}");
        }
        // Strict spreading with more replicas than nodes leaves the extra replica unplaced.
        let items: Vec<Item> = (0..13).map(|r| item("api", "g", r, 10, 1)).collect();
        let p = place(&items, &bins, true);
        assert_eq!(p.unplaced.len(), 1);
        assert_eq!(
            why(&p.unplaced[0].1),
            "replicas of api must be on different nodes and every node already has one"
        );
        assert!(place(&items, &bins, false).unplaced.is_empty());
    }

    #[test]
    fn deterministic() {
        let items: Vec<Item> =
            (0..50).map(|i| item(&format!("s{}", i % 7), "g", i, 10 + (i as u64 * 37) % 90, 5)).collect();
        let bins = vec![bin("a", &[], 1200, 1000), bin("b", &[], 1200, 1000), bin("c", &[], 1200, 1000)];
        assert_eq!(place(&items, &bins, false), place(&items, &bins, false));
    }
}
