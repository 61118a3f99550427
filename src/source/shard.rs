//! Splitting the history read into queries a backend accepts (issue 13). Pure: the source asks
//! the cheap cardinality queries, this module turns their answers into shards, and when a shard
//! is still refused (too many samples, a timeout) it splits it again.
//!
//! A shard is a set of `namespace` values and, for a namespace too big for one query, a set of
//! `pod` values, each written as a regular expression of *prefix patterns*: `api-7d9f8b6c5d-`
//! followed by a character in `b..k`, then anything. The patterns of one level always cover
//! every possible value (the gaps between the known names are given to a neighbour), so a pod
//! or namespace that is gone at the evaluation time but has history in the window is still in
//! exactly one shard: the shards partition the series, and merging their answers neither loses
//! nor doubles a pod.
//!
//! Cost model (Prometheus' `--query.max-samples` counts the samples a query holds at once): a
//! subquery `f((sum by (namespace, pod) (X{...}))[W:S])` holds its inner series at every step and
//! the per-pod sums at every step, so a shard of `s` series in `p` pods costs `(s + p) x steps`
//! samples (measured with `stats=all`: 200 single-container pods over `[7d:1m]` peaked at
//! 4,031,000 = 400 x 10,077). The cardinality query gives `s` per namespace at the evaluation
//! time; a namespace's `p` is taken as `s` (an upper bound) until the per-pod count is known.

use std::fmt::Write as _;

/// The longest query sent, in bytes: VictoriaMetrics' `-search.maxQueryLen` default (16 KB).
pub const MAX_QUERY_LEN: usize = 16 * 1024;

/// The largest code point, the top of a pattern's character range.
const MAX_CHAR: u32 = 0x10_FFFF;
/// The bottom of a pattern's character range: the space. Control characters never occur in
/// namespace and pod names (DNS labels), and VictoriaMetrics cannot parse back a range from
/// `\x{0}` once its optimizer has printed it.
const MIN_CHAR: u32 = 0x20;

/// The characters of Kubernetes names (DNS-1123), in code-point order: where a pattern whose
/// names are unknown is split in two.
const NAME_CHARS: &[u8] = b"-.0123456789abcdefghijklmnopqrstuvwxyz";

/// A set of label values.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pattern {
    /// Exactly this value.
    Exact(String),
    /// Every value starting with the prefix (the prefix itself included).
    Prefix(String),
    /// Every value made of the prefix, one character in `lo..=hi` (code points), then anything.
    Range {
        /// What every value starts with.
        prefix: String,
        /// Lowest next character.
        lo: u32,
        /// Highest next character.
        hi: u32,
    },
}

impl Pattern {
    /// Everything.
    pub fn all() -> Pattern {
        Pattern::Prefix(String::new())
    }

    /// Whether `v` is in the set.
    pub fn matches(&self, v: &str) -> bool {
        match self {
            Pattern::Exact(e) => v == e,
            Pattern::Prefix(p) => v.starts_with(p.as_str()),
            Pattern::Range { prefix, lo, hi } => v
                .strip_prefix(prefix.as_str())
                .and_then(|r| r.chars().next())
                .is_some_and(|c| (*lo..=*hi).contains(&u32::from(c))),
        }
    }

    /// The pattern as RE2 inside a PromQL double-quoted string (backslashes doubled): `.` as
    /// `\\.`, every other character but `[A-Za-z0-9_-]` as `\\x{HEX}`, so no name can change
    /// the expression.
    pub fn regex(&self) -> String {
        match self {
            Pattern::Exact(e) => literal(e),
            Pattern::Prefix(p) => format!("{}.*", literal(p)),
            Pattern::Range { prefix, lo, hi } => {
                format!("{}[\\\\x{{{lo:x}}}-\\\\x{{{hi:x}}}].*", literal(prefix))
            }
        }
    }

    /// For logs: `api-*`, `api-[b-k]*`, `=api`.
    pub fn describe(&self) -> String {
        let ch = |c: u32| match char::from_u32(c) {
            Some(c) if c.is_ascii_graphic() => c.to_string(),
            _ => format!("\\x{{{c:x}}}"),
        };
        match self {
            Pattern::Exact(e) => format!("={e}"),
            Pattern::Prefix(p) => format!("{p}*"),
            Pattern::Range { prefix, lo, hi } => format!("{prefix}[{}-{}]*", ch(*lo), ch(*hi)),
        }
    }
}

/// A literal for RE2 in a PromQL string.
fn literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            out.push(c);
        } else if c == '.' {
            out.push_str("\\\\.");
        } else {
            let _ = write!(out, "\\\\x{{{:x}}}", u32::from(c));
        }
    }
    out
}

/// A regex matching any of `patterns`.
pub fn alternation(patterns: &[Pattern]) -> String {
    patterns.iter().map(Pattern::regex).collect::<Vec<_>>().join("|")
}

/// Covers every possible value with patterns, each holding known keys of total weight at most
/// `cap` (except an exact key heavier than `cap` on its own). `keys` must be sorted and
/// unique. The patterns come out in value order, gaps (weight 0) included.
pub fn partition(keys: &[(String, u64)], cap: u64) -> Vec<(Pattern, u64)> {
    let mut out = Vec::new();
    cover(Pattern::all(), keys, cap, &mut out);
    out
}

fn weight(keys: &[(String, u64)]) -> u64 {
    keys.iter().fold(0u64, |a, (_, w)| a.saturating_add(*w))
}

fn cover(region: Pattern, keys: &[(String, u64)], cap: u64, out: &mut Vec<(Pattern, u64)>) {
    let w = weight(keys);
    if w <= cap {
        out.push((region, w));
        return;
    }
    match region {
        Pattern::Exact(_) => out.push((region, w)),
        Pattern::Prefix(p) => {
            let (exact, longer): (Vec<_>, Vec<_>) = keys.iter().cloned().partition(|(k, _)| *k == p);
            out.push((Pattern::Exact(p.clone()), weight(&exact)));
            cover(Pattern::Range { prefix: p, lo: MIN_CHAR, hi: MAX_CHAR }, &longer, cap, out);
        }
        Pattern::Range { prefix, lo, hi } => {
            let next =
                |k: &str| k[prefix.len()..].chars().next().map_or(MIN_CHAR, |c| u32::from(c).max(MIN_CHAR));
            let mut chars: Vec<u32> = keys.iter().map(|(k, _)| next(k)).collect();
            chars.dedup();
            if chars.len() == 1 {
                let c = chars[0];
                if lo < c {
                    out.push((Pattern::Range { prefix: prefix.clone(), lo, hi: c - 1 }, 0));
                }
                let mut p = prefix.clone();
                p.extend(char::from_u32(c));
                cover(Pattern::Prefix(p), keys, cap, out);
                if c < hi {
                    out.push((Pattern::Range { prefix, lo: c + 1, hi }, 0));
                }
                return;
            }
            // One range per next character (up to the next one): the light ones as they are
            // (packing joins them later), the heavy ones split further.
            let mut start = 0;
            let mut from = lo;
            while start < keys.len() {
                let c = next(&keys[start].0);
                let end =
                    keys[start..].iter().position(|(k, _)| next(k) != c).map_or(keys.len(), |n| start + n);
                let to = keys.get(end).map_or(hi, |(k, _)| next(k) - 1);
                cover(
                    Pattern::Range { prefix: prefix.clone(), lo: from, hi: to },
                    &keys[start..end],
                    cap,
                    out,
                );
                (start, from) = (end, to + 1);
            }
        }
    }
}

/// Splits one pattern in two (or three) without knowing which values exist: at the middle of
/// the Kubernetes name characters in its range. `None` for an exact value.
pub fn halve(p: &Pattern) -> Option<Vec<Pattern>> {
    match p {
        Pattern::Exact(_) => None,
        Pattern::Prefix(prefix) => {
            let mut out = vec![Pattern::Exact(prefix.clone())];
            out.extend(halve(&Pattern::Range { prefix: prefix.clone(), lo: MIN_CHAR, hi: MAX_CHAR })?);
            Some(out)
        }
        Pattern::Range { prefix, lo, hi } if lo == hi => {
            let mut p = prefix.clone();
            p.extend(char::from_u32(*lo));
            halve(&Pattern::Prefix(p))
        }
        Pattern::Range { prefix, lo, hi } => {
            let inside: Vec<u32> =
                NAME_CHARS.iter().map(|&b| u32::from(b)).filter(|c| (*lo..=*hi).contains(c)).collect();
            let mid = match inside.len() {
                0 | 1 => lo + (hi - lo).div_ceil(2),
                n => inside[n / 2],
            };
            let mid = if mid <= *lo { lo + 1 } else { mid };
            Some(vec![
                Pattern::Range { prefix: prefix.clone(), lo: *lo, hi: mid - 1 },
                Pattern::Range { prefix: prefix.clone(), lo: mid, hi: *hi },
            ])
        }
    }
}

/// Which label a shard's patterns select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `namespace=~"..."`.
    Namespace,
    /// `namespace="NS", pod=~"..."`.
    Pod,
}

/// One set of series asked for in one query per figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shard {
    /// Namespaces (for a pod-level shard: one exact namespace).
    pub namespaces: Vec<Pattern>,
    /// Pods, for a namespace too big for one query.
    pub pods: Option<Vec<Pattern>>,
    /// Estimated series plus pods at the evaluation time (0: unknown).
    pub weight: u64,
    /// The known values in it, with their weights: namespaces, or for a pod-level shard pods.
    /// A retry splits along them.
    pub keys: Vec<(String, u64)>,
}

impl Shard {
    /// Everything, in one query.
    pub fn everything(weight: u64) -> Shard {
        Shard { namespaces: vec![Pattern::all()], pods: None, weight, keys: Vec::new() }
    }

    /// Everything, with the namespaces known (for splitting on refusal).
    pub fn everything_in(keys: Vec<(String, u64)>) -> Shard {
        let weight = keys.iter().fold(0u64, |a, (_, w)| a.saturating_add(*w));
        Shard { namespaces: vec![Pattern::all()], pods: None, weight, keys }
    }

    /// Whether the shard is all series (no matcher).
    pub fn is_everything(&self) -> bool {
        self.pods.is_none() && self.namespaces == [Pattern::all()]
    }

    /// The matchers to add to the series selectors: `, namespace=~"..."` and `, pod=~"..."`
    /// (empty for everything; `namespace="x"` for one exact namespace).
    pub fn matchers(&self) -> String {
        let one = |label: &str, ps: &[Pattern]| match ps {
            [Pattern::Prefix(p)] if p.is_empty() => String::new(),
            [Pattern::Exact(e)] => format!(", {label}=\"{}\"", promql_string(e)),
            _ => format!(", {label}=~\"{}\"", alternation(ps)),
        };
        let mut s = one("namespace", &self.namespaces);
        if let Some(p) = &self.pods {
            s.push_str(&one("pod", p));
        }
        s
    }

    /// For logs: `namespaces shop, data` or `namespace shop, pods api-[b-k]*`.
    pub fn describe(&self) -> String {
        let list = |ps: &[Pattern]| {
            let mut v: Vec<String> = ps.iter().take(4).map(Pattern::describe).collect();
            if ps.len() > 4 {
                v.push(format!("... ({} patterns)", ps.len()));
            }
            v.join(" ")
        };
        match &self.pods {
            None if self.is_everything() => "all namespaces".into(),
            None => format!("namespaces {}", list(&self.namespaces)),
            Some(p) => format!("namespace {}, pods {}", list(&self.namespaces), list(p)),
        }
    }

    /// The shard split in two for a retry: along its known values (each half about half the
    /// weight; a single heavy value apart from the gaps around it), else its pod-name patterns
    /// halved blindly (a single namespace, or namespaces with no known series, go down to pod
    /// patterns). `None` for one exact pod.
    pub fn split(&self) -> Option<(Shard, Shard)> {
        let (patterns, pod_level) = match (&self.pods, self.namespaces.as_slice()) {
            (Some(p), _) => (p.clone(), true),
            (None, ns) if matches!(ns, [Pattern::Exact(_)]) || self.keys.is_empty() => {
                // Down to the pods (unknown here: the per-pod count was not needed): one
                // namespace, or namespaces none of which had series at the evaluation time.
                let pods = Shard { pods: Some(vec![Pattern::all()]), keys: Vec::new(), ..self.clone() };
                return pods.split();
            }
            (None, ns) => (ns.to_vec(), false),
        };
        let make = |ps: Vec<(Pattern, u64)>, blind_weight: u64| {
            let weight = if self.keys.is_empty() { blind_weight } else { ps.iter().map(|p| p.1).sum() };
            let keys: Vec<(String, u64)> =
                self.keys.iter().filter(|(k, _)| ps.iter().any(|(p, _)| p.matches(k))).cloned().collect();
            let ps: Vec<Pattern> = ps.into_iter().map(|p| p.0).collect();
            if pod_level {
                Shard { namespaces: self.namespaces.clone(), pods: Some(ps), weight, keys }
            } else {
                Shard { namespaces: ps, pods: None, weight, keys }
            }
        };
        let half = self.weight.div_ceil(2);
        // Along the known values: patterns refined so that none holds more than half.
        let mut items: Vec<(Pattern, u64)> = Vec::new();
        for p in patterns {
            let inside: Vec<(String, u64)> =
                self.keys.iter().filter(|(k, _)| p.matches(k)).cloned().collect();
            let w = weight(&inside);
            if w > half.max(1) && !inside.is_empty() {
                cover(p, &inside, half.max(1), &mut items);
            } else {
                items.push((p, w));
            }
        }
        if items.len() < 2 {
            let p = items.pop()?;
            let mut parts = halve(&p.0)?;
            let b = parts.split_off(parts.len().div_ceil(2));
            let zero = |v: Vec<Pattern>| v.into_iter().map(|p| (p, 0)).collect::<Vec<_>>();
            return Some((make(zero(parts), half), make(zero(b), half)));
        }
        let total: u64 = items.iter().map(|i| i.1).sum();
        let mut acc = 0u64;
        let mut at = items.len() - 1;
        for (i, (_, w)) in items.iter().enumerate() {
            acc = acc.saturating_add(*w);
            if acc.saturating_mul(2) >= total {
                at = i + 1;
                break;
            }
        }
        let at = at.clamp(1, items.len() - 1);
        let b = items.split_off(at);
        Some((make(items, half), make(b, half)))
    }
}

/// Escapes a value for a PromQL double-quoted string.
pub fn promql_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// The limits a shard must stay under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Samples one query may hold (`--prometheus-max-samples`).
    pub max_samples: u64,
    /// Steps of the subqueries (window / step + 1).
    pub steps: u64,
    /// Bytes left for the matchers in the longest query.
    pub matcher_len: usize,
}

impl Budget {
    /// Series plus pods one query may cover.
    pub fn cap(&self) -> u64 {
        (self.max_samples / self.steps.max(1)).max(1)
    }

    /// Estimated samples of a shard of `weight` series plus pods.
    pub fn samples(&self, weight: u64) -> u64 {
        weight.saturating_mul(self.steps)
    }
}

/// The granularity of a partition before packing: an eighth of the cap, so that packed runs come
/// within an eighth of it (one app's 50 pods may go to two runs) at the price of a few more
/// patterns per query.
fn fine(cap: u64) -> u64 {
    (cap / 8).max(1)
}

/// Packs patterns (in order) into runs of total weight at most `cap` whose alternation fits in
/// `max_len` bytes.
fn pack(items: Vec<(Pattern, u64)>, cap: u64, max_len: usize) -> Vec<(Vec<Pattern>, u64)> {
    let mut out: Vec<(Vec<Pattern>, u64)> = Vec::new();
    let mut cur: Vec<Pattern> = Vec::new();
    let (mut w, mut len) = (0u64, 0usize);
    for (p, pw) in items {
        let plen = p.regex().len() + 1;
        if !cur.is_empty() && (w.saturating_add(pw) > cap || len + plen > max_len) {
            out.push((std::mem::take(&mut cur), w));
            (w, len) = (0, 0);
        }
        w = w.saturating_add(pw);
        len += plen;
        cur.push(p);
    }
    if !cur.is_empty() || out.is_empty() {
        out.push((cur, w));
    }
    out
}

/// How the cardinality answers were turned into shards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The shards, in namespace and pod order.
    pub shards: Vec<Shard>,
    /// Namespaces that needed the per-pod count (too big for one query).
    pub big_namespaces: Vec<String>,
}

/// First pass: namespaces with their series at the evaluation time. Returns the namespace-level
/// shards and the namespaces too big for one query (to count per pod, then [`pod_shards`]).
/// A namespace's weight is twice its series (series plus at most as many pods).
pub fn namespace_plan(namespaces: &[(String, u64)], budget: &Budget) -> Plan {
    let cap = budget.cap();
    let total: u64 = namespaces.iter().map(|(_, s)| s.saturating_mul(2)).sum();
    if total <= cap {
        let keys = namespaces.iter().map(|(n, s)| (n.clone(), s.saturating_mul(2))).collect();
        return Plan { shards: vec![Shard::everything_in(keys)], big_namespaces: Vec::new() };
    }
    let mut keys: Vec<(String, u64)> =
        namespaces.iter().map(|(n, s)| (n.clone(), s.saturating_mul(2))).collect();
    keys.sort();
    keys.dedup_by(|a, b| a.0 == b.0);
    let items = partition(&keys, fine(cap));
    let mut shards = Vec::new();
    let mut big = Vec::new();
    let mut run: Vec<(Pattern, u64)> = Vec::new();
    for (p, w) in items {
        match &p {
            Pattern::Exact(ns) if w > cap => {
                big.push(ns.clone());
                // A placeholder, replaced by pod_shards.
                shards.push(Shard {
                    namespaces: vec![p.clone()],
                    pods: None,
                    weight: w,
                    keys: vec![(ns.clone(), w)],
                });
            }
            // The rest need not be contiguous: one alternation takes them in any order.
            _ => run.push((p, w)),
        }
    }
    for (ps, w) in pack(run, cap, budget.matcher_len) {
        let inside = keys.iter().filter(|(k, _)| ps.iter().any(|p| p.matches(k))).cloned().collect();
        shards.push(Shard { namespaces: ps, pods: None, weight: w, keys: inside });
    }
    Plan { shards, big_namespaces: big }
}

/// Second pass: a big namespace's pods with their series; replaces its placeholder shard with
/// pod-level shards (a pod weighs its series plus one).
pub fn pod_shards(plan: &mut Plan, namespace: &str, pods: &[(String, u64)], budget: &Budget) {
    let cap = budget.cap();
    let mut keys: Vec<(String, u64)> = pods.iter().map(|(p, s)| (p.clone(), s.saturating_add(1))).collect();
    keys.sort();
    keys.dedup_by(|a, b| a.0 == b.0);
    let ns_len = Pattern::Exact(namespace.to_string()).regex().len();
    let new: Vec<Shard> =
        pack(partition(&keys, fine(cap)), cap, budget.matcher_len.saturating_sub(ns_len + 16))
            .into_iter()
            .map(|(ps, w)| {
                let inside = keys.iter().filter(|(k, _)| ps.iter().any(|p| p.matches(k))).cloned().collect();
                Shard {
                    namespaces: vec![Pattern::Exact(namespace.to_string())],
                    pods: Some(ps),
                    weight: w,
                    keys: inside,
                }
            })
            .collect();
    if let Some(at) = plan
        .shards
        .iter()
        .position(|s| s.pods.is_none() && s.namespaces == [Pattern::Exact(namespace.to_string())])
    {
        plan.shards.splice(at..=at, new);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn keys(names: &[&str], w: u64) -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = names.iter().map(|n| (n.to_string(), w)).collect();
        v.sort();
        v
    }

    /// Every string in `probe` is matched by exactly one pattern.
    fn assert_partition(ps: &[Pattern], probe: &[&str]) {
        for s in probe {
            let n = ps.iter().filter(|p| p.matches(s)).count();
            assert_eq!(n, 1, "{s:?} matched by {n} of {ps:?}");
        }
    }

    const PROBE: &[&str] = &[
        "",
        " ",
        "a b",
        "a",
        "api",
        "api-",
        "api-0",
        "api-7d9f8b6c5d-x2x9z",
        "api-7d9f8b6c5d-b4c6d",
        "api-gateway-x",
        "b",
        "coredns-5d78c9869d-q2x8w",
        "zzz",
        "~",
        "\u{10FFFF}",
        "é",
        "0",
        "-",
        ".x",
        "api-7d9f8b6c5d-",
    ];

    #[test]
    fn a_partition_covers_every_value_once_within_the_cap() {
        let mut names: Vec<String> = (0..200).map(|i| format!("api-7d9f8b6c5d-{i:05}")).collect();
        names.extend((0..50).map(|i| format!("worker-{i}")));
        names.push("api".into());
        let k = keys(&names.iter().map(String::as_str).collect::<Vec<_>>(), 2);
        let parts = partition(&k, 40);
        let ps: Vec<Pattern> = parts.iter().map(|p| p.0.clone()).collect();
        let mut probe: Vec<&str> = PROBE.to_vec();
        probe.extend(names.iter().map(String::as_str));
        assert_partition(&ps, &probe);
        for (p, w) in &parts {
            assert!(*w <= 40, "{p:?} {w}");
            let real: u64 = k.iter().filter(|(n, _)| p.matches(n)).map(|x| x.1).sum();
            assert_eq!(real, *w, "{p:?}");
        }
        // Packed: 502 units in 15 runs of at most 40 (13 at best; worker-1 and worker-10..19 weigh 22
        // together and do not split by next character), still a partition.
        let runs = pack(parts, 40, MAX_QUERY_LEN);
        assert_eq!(runs.iter().map(|r| r.1).sum::<u64>(), 502);
        assert!(runs.iter().all(|r| r.1 <= 40));
        assert_eq!(runs.len(), 15, "{:?}", runs.iter().map(|r| r.1).collect::<Vec<_>>());
        let all: Vec<Pattern> = runs.into_iter().flat_map(|r| r.0).collect();
        assert_partition(&all, &probe);
    }

    #[test]
    fn an_exact_key_heavier_than_the_cap_stands_alone() {
        let k = keys(&["big", "small"], 1);
        let k: Vec<_> = k.into_iter().map(|(n, w)| if n == "big" { (n, 100) } else { (n, w) }).collect();
        let parts = partition(&k, 10);
        assert!(parts.contains(&(Pattern::Exact("big".into()), 100)), "{parts:?}");
        assert_partition(
            &parts.iter().map(|p| p.0.clone()).collect::<Vec<_>>(),
            &["big", "bigger", "small", "b", ""],
        );
    }

    #[test]
    fn patterns_are_escaped_regexes() {
        assert_eq!(Pattern::Exact("a.b-c\"".into()).regex(), r"a\\.b-c\\x{22}");
        assert_eq!(Pattern::Prefix("api-".into()).regex(), r"api-.*");
        assert_eq!(
            Pattern::Range { prefix: "a".into(), lo: 0x62, hi: 0x6b }.regex(),
            r"a[\\x{62}-\\x{6b}].*"
        );
        assert_eq!(Pattern::Range { prefix: "a".into(), lo: 0x62, hi: 0x6b }.describe(), "a[b-k]*");
        assert_eq!(promql_string("a\"b\\"), r#"a\"b\\"#);
    }

    #[test]
    fn halving_keeps_a_partition() {
        let mut ps = vec![Pattern::all()];
        for _ in 0..6 {
            ps = ps.iter().flat_map(|p| halve(p).unwrap_or_else(|| vec![p.clone()])).collect();
            assert_partition(&ps, PROBE);
        }
        assert!(ps.len() > 30, "{}", ps.len());
        assert_eq!(halve(&Pattern::Exact("x".into())), None);
    }

    #[test]
    fn shards_split_down_to_single_pods() {
        let b = Budget { max_samples: 100, steps: 10, matcher_len: 4000 };
        assert_eq!(b.cap(), 10);
        let ns = [("big".to_string(), 40), ("a".to_string(), 1), ("c".to_string(), 2)];
        let mut plan = namespace_plan(&ns, &b);
        assert_eq!(plan.big_namespaces, vec!["big"]);
        let pods: Vec<(String, u64)> = (0..20).map(|i| (format!("p-{i:02}"), 1)).collect();
        pod_shards(&mut plan, "big", &pods, &b);
        assert!(plan.shards.iter().all(|s| s.weight <= 10), "{plan:?}");
        let pod_level: Vec<&Shard> = plan.shards.iter().filter(|s| s.pods.is_some()).collect();
        assert_eq!(pod_level.len(), 4, "{plan:?}");
        assert_eq!(pod_level.iter().map(|s| s.keys.len()).sum::<usize>(), 20);
        let ns_level: Vec<&Shard> = plan.shards.iter().filter(|s| s.pods.is_none()).collect();
        assert_eq!(ns_level.len(), 1, "a and c and the gaps in one query: {plan:?}");
        assert!(ns_level[0].matchers().starts_with(", namespace=~\""), "{}", ns_level[0].matchers());
        assert!(pod_level[0].matchers().starts_with(", namespace=\"big\", pod=~\""));
        // Every namespace and pod in exactly one shard.
        for (ns, pod) in
            [("a", "x"), ("big", "p-00"), ("big", "p-19"), ("big", "zz"), ("gone", "x"), ("c", "y")]
        {
            let n = plan
                .shards
                .iter()
                .filter(|s| {
                    s.namespaces.iter().any(|p| p.matches(ns))
                        && s.pods.as_ref().is_none_or(|ps| ps.iter().any(|p| p.matches(pod)))
                })
                .count();
            assert_eq!(n, 1, "{ns}/{pod}");
        }
        // Blind splitting goes on (pod-name ranges get narrower and longer) as long as asked:
        // the client bounds the depth. The first half always ends at one exact pod.
        let mut s = Shard::everything(1000);
        for _ in 0..50 {
            let (_, b) = s.split().unwrap();
            assert!(b.pods.is_some());
            s = b;
        }
        let (mut s, mut depth) = (Shard::everything(1000), 0);
        while let Some((a, _)) = s.split() {
            s = a;
            depth += 1;
        }
        assert_eq!(s.pods, Some(vec![Pattern::Exact(String::new())]));
        assert!(depth >= 2);
        let one = Shard {
            namespaces: vec![Pattern::Exact("ns".into())],
            pods: Some(vec![Pattern::Exact("p".into())]),
            weight: 2,
            keys: vec![("p".into(), 2)],
        };
        assert_eq!(one.split(), None);
    }

    #[test]
    fn a_refused_shard_splits_along_its_known_namespaces_then_pods() {
        let ns: Vec<(String, u64)> = ["data", "kube-system", "monitoring", "shop", "staging"]
            .iter()
            .map(|n| (n.to_string(), 4))
            .collect();
        let everything = Shard::everything_in(ns.clone());
        let (a, b) = everything.split().unwrap();
        assert_eq!((a.keys.len(), b.keys.len()), (3, 2), "{a:?} {b:?}");
        assert_eq!(a.weight + b.weight, 20);
        // Keep splitting the half with data: data alone, then its pods (blindly).
        let mut s = a;
        let mut path = Vec::new();
        while let Some((x, y)) = s.split() {
            let data = |s: &Shard| s.namespaces.iter().any(|p| p.matches("data"));
            let x = if data(&x) { x } else { y };
            path.push(x.describe());
            s = x;
            if path.len() > 40 {
                break;
            }
        }
        assert!(path.iter().any(|d| d == "namespaces =data"), "{path:?}");
        assert!(path.iter().any(|d| d.starts_with("namespace =data, pods ")), "{path:?}");
        // Every (namespace, pod) is still in exactly one of the leaves of a full split.
        let mut leaves = vec![everything];
        for _ in 0..6 {
            leaves = leaves
                .into_iter()
                .flat_map(|s| match s.split() {
                    Some((a, b)) => vec![a, b],
                    None => vec![s],
                })
                .collect();
        }
        for (n, pod) in [("data", "x"), ("shop", "api-0"), ("gone", ""), ("", ""), ("staging", "zz")] {
            let hits = leaves
                .iter()
                .filter(|s| {
                    s.namespaces.iter().any(|p| p.matches(n))
                        && s.pods.as_ref().is_none_or(|ps| ps.iter().any(|p| p.matches(pod)))
                })
                .count();
            assert_eq!(hits, 1, "{n}/{pod}");
        }
    }

    #[test]
    fn a_namespace_with_known_pods_splits_in_halves_of_its_pods() {
        // 400 pods sharing a long prefix: halves along the names, not blind character ranges.
        let keys: Vec<(String, u64)> =
            (0..400).map(|i| (format!("da-svc{}-4nlwxbbbbb-{i:05}", i / 50), 2)).collect();
        let s = Shard {
            namespaces: vec![Pattern::Exact("data".into())],
            pods: Some(vec![Pattern::all()]),
            weight: 800,
            keys: keys.clone(),
        };
        let (a, b) = s.split().unwrap();
        assert_eq!((a.weight, b.weight), (400, 400), "{a:?}");
        assert_eq!((a.keys.len(), b.keys.len()), (200, 200));
        for (k, _) in &keys {
            let n = [&a, &b].iter().filter(|s| s.pods.as_ref().unwrap().iter().any(|p| p.matches(k))).count();
            assert_eq!(n, 1, "{k}");
        }
    }

    #[test]
    fn a_small_cluster_is_one_query() {
        let b = Budget { max_samples: 1_000_000, steps: 10_081, matcher_len: 4000 };
        let plan = namespace_plan(&[("a".into(), 10), ("b".into(), 20)], &b);
        assert_eq!(plan.shards, vec![Shard::everything_in(vec![("a".into(), 20), ("b".into(), 40)])]);
        assert_eq!(plan.shards[0].matchers(), "");
    }
}
