//! The tier catalog: the analysis's deployment tiers and provider plans, with prices, node
//! sizes, reservation models and claimed client capacity. Plain serde types; loading happens at
//! the edge, [`Catalog::validate`] checks what serde cannot.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::profile::{PathSeg, ProfileIssue};
use super::quantity::{Bytes, Millicores};
use super::reservation::ReservationModel;

/// A monthly price in cents of a currency (exact: "31.49" is 3149 cents).
#[derive(Debug, Clone, PartialEq, Eq, JsonSchema)]
pub struct Price {
    /// Hundredths of the currency unit.
    #[schemars(with = "String")]
    pub cents: u64,
    /// ISO code, e.g. USD or EUR.
    pub currency: String,
}

impl Price {
    /// Parses "48", "31.49", "48 USD", "€31", "$48.00".
    pub fn parse(s: &str, default_currency: &str) -> Result<Price, String> {
        let t = s.trim();
        let (t, cur) = if let Some(r) = t.strip_prefix('$') {
            (r, "USD")
        } else if let Some(r) = t.strip_prefix('€') {
            (r, "EUR")
        } else if let Some((n, c)) = t.split_once(' ') {
            (n, c.trim())
        } else {
            (t, default_currency)
        };
        if cur.len() != 3 || !cur.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(format!(
                "invalid price {s:?}: currency {cur:?} is not a three-letter code such as USD or EUR"
            ));
        }
        let (int, frac) = t.split_once('.').unwrap_or((t, ""));
        if int.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(format!("invalid price {s:?}: expected a non-negative amount such as 48 or 31.49"));
        }
        if frac.len() > 2 {
            return Err(format!("invalid price {s:?}: at most 2 decimal places"));
        }
        let whole: u64 = int.parse().map_err(|_| format!("invalid price {s:?}: out of range"))?;
        let frac_cents: u64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().unwrap_or(0) };
        let cents = whole
            .checked_mul(100)
            .and_then(|c| c.checked_add(frac_cents))
            .ok_or_else(|| format!("invalid price {s:?}: out of range"))?;
        Ok(Price { cents, currency: cur.to_string() })
    }

    /// "48.00 USD".
    pub fn display(&self) -> String {
        format_cents(self.cents, &self.currency)
    }
}

/// An amount in cents as "48.00 USD".
pub fn format_cents(cents: u64, currency: &str) -> String {
    format!("{}.{:02} {currency}", cents / 100, cents % 100)
}

impl Serialize for Price {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.display())
    }
}

impl<'de> Deserialize<'de> for Price {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Price, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Price;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a monthly price such as 48, \"31.49 EUR\" or \"$48\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Price, E> {
                Price::parse(&v.to_string(), "USD").map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Price, E> {
                Price::parse(&v.to_string(), "USD").map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Price, E> {
                // The shortest text that reads back as the same f64 is what the user wrote.
                Price::parse(&format!("{v}"), "USD").map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Price, E> {
                Price::parse(v, "USD").map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// Claimed concurrent-client capacity ("50-100", "1000+").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClientsClaim {
    /// Lower end of the claim.
    pub min: u64,
    /// Upper end, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
}

/// A node of a tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TierNode {
    /// Name (e.g. master, worker-1).
    pub name: String,
    /// What it is for, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// vCPUs.
    pub vcpus: u32,
    /// Advertised (nominal) memory, e.g. 16Gi.
    #[schemars(with = "String")]
    pub memory: Bytes,
    /// Disk, free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk: Option<String>,
    /// Monthly price of this node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
    /// Service groups placed here first (empty: any group).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Whether application pods run here (false for a dedicated load balancer).
    #[serde(default = "yes")]
    pub workloads: bool,
    /// Memory kept for node-local system pods beyond the reservation model (e.g. a control plane).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub overhead_memory: Option<Bytes>,
    /// CPU kept for node-local system pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub overhead_cpu: Option<Millicores>,
    /// Maximum pods (default 110).
    #[serde(default = "max_pods")]
    pub max_pods: u32,
    /// Reservation model for this node (default: the tier's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservation: Option<ReservationModel>,
    /// What the node is in the cluster (server, agent, ...; default: by the distribution's shape).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_role: Option<super::node::Role>,
}

fn yes() -> bool {
    true
}

fn max_pods() -> u32 {
    110
}

/// A deployment tier: one or more nodes with a price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Tier {
    /// Unique name.
    pub name: String,
    /// Title as shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Where it comes from (the analysis, a provider page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Total monthly price; default: the sum of the nodes' prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
    /// Whether the tier claims to survive the loss of a node.
    #[serde(default)]
    pub ha: bool,
    /// Claimed concurrent clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clients: Option<ClientsClaim>,
    /// Reservation model of its nodes.
    #[serde(default = "default_model")]
    pub reservation: ReservationModel,
    /// The distribution its nodes run (default: by the reservation model, k3s for k3s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<String>,
    /// The nodes.
    pub nodes: Vec<TierNode>,
}

fn default_model() -> ReservationModel {
    ReservationModel::K3s
}

/// A provider plan (one VM size), from which single- and multi-node options are built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Plan {
    /// Provider (digitalocean, linode, vultr, hetzner, ...).
    pub provider: String,
    /// Plan family.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Plan name.
    pub plan: String,
    /// Provider's size id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_id: Option<String>,
    /// vCPUs.
    pub vcpus: u32,
    /// Nominal memory.
    #[schemars(with = "String")]
    pub memory: Bytes,
    /// Disk in GB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_gb: Option<u32>,
    /// Monthly price.
    pub price: Price,
    /// Where the price comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Date the source reflects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// verified, third-party or unverified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<String>,
}

/// Fees of a provider beyond the nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProviderFees {
    /// Provider.
    pub provider: String,
    /// Managed control plane (absent: none offered; self-managed k3s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_plane: Option<Price>,
    /// HA control plane.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ha_control_plane: Option<Price>,
    /// A load balancer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<Price>,
    /// Reservation model of the provider's managed nodes (default k3s, self-managed).
    #[serde(default = "default_model")]
    pub reservation: ReservationModel,
    /// The distribution its nodes run (default: by the reservation model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<String>,
    /// Where the fees come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The whole catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Catalog {
    /// Currency prices are compared in.
    #[serde(default = "usd")]
    pub currency: String,
    /// Value of one unit of a currency in `currency`, as a decimal string ("1.08").
    #[serde(default)]
    pub exchange_rates: BTreeMap<String, String>,
    /// Named tiers (the analysis's).
    #[serde(default)]
    pub tiers: Vec<Tier>,
    /// Provider plans.
    #[serde(default)]
    pub plans: Vec<Plan>,
    /// Provider fees.
    #[serde(default)]
    pub providers: Vec<ProviderFees>,
    /// What the nodes of each Kubernetes distribution run besides the services.
    #[serde(default)]
    pub distributions: Vec<super::node::Distribution>,
}

/// The distribution a reservation model implies when a tier or provider names none: k3s for
/// k3s, kubeadm for kubeadm, `managed` for the providers' formulas, none for the flat split
/// (whose system share stands for everything the node runs).
pub fn default_distribution(model: ReservationModel) -> Option<&'static str> {
    match model {
        ReservationModel::K3s => Some("k3s"),
        ReservationModel::Kubeadm => Some("kubeadm"),
        ReservationModel::Gke
        | ReservationModel::Eks { .. }
        | ReservationModel::Aks { .. }
        | ReservationModel::AksPre129 => Some("managed"),
        ReservationModel::Flat { .. } => None,
    }
}

fn usd() -> String {
    "USD".into()
}

/// Converts `price` to `currency` with `rates` (value of one unit of each currency in the
/// catalog's base currency, in 1/10000; the base itself is 10000), rounding up to a cent.
/// `None` when a rate is missing.
pub fn convert(price: &Price, currency: &str, rates: &BTreeMap<String, u64>) -> Option<u64> {
    if price.currency == currency {
        return Some(price.cents);
    }
    let from = *rates.get(&price.currency)?;
    let to = *rates.get(currency)?;
    if to == 0 {
        return None;
    }
    Some((u128::from(price.cents) * u128::from(from)).div_ceil(u128::from(to)) as u64)
}

/// Parses exchange rates ("1.08") into 1/10000 units, adding the base currency at 1.
pub fn parse_rates(
    base: &str,
    raw: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, u64>, (String, String)> {
    let mut rates: BTreeMap<String, u64> = raw
        .iter()
        .map(|(k, v)| {
            let r = super::ratio::Ratio::parse_multiplier(v).map_err(|e| (k.clone(), e.to_string()))?;
            if r.0 == 0 {
                return Err((k.clone(), format!("invalid rate {v:?}: must be above 0")));
            }
            Ok((k.clone(), r.0))
        })
        .collect::<Result<_, _>>()?;
    rates.insert(base.to_string(), super::ratio::ONE);
    Ok(rates)
}

impl Catalog {
    /// Checks what serde cannot.
    pub fn validate(&self) -> Vec<ProfileIssue> {
        let mut issues = Vec::new();
        let key = |k: &str| PathSeg::Key(k.to_string());
        if let Err((cur, e)) = parse_rates(&self.currency, &self.exchange_rates) {
            issues.push(ProfileIssue { path: vec![key("exchangeRates"), key(&cur)], message: e });
        }
        let mut known: Vec<&str> = self.exchange_rates.keys().map(String::as_str).collect();
        known.push(self.currency.as_str());
        let currency_issue = |path: Vec<PathSeg>, p: &Price| {
            (!known.contains(&p.currency.as_str())).then(|| ProfileIssue {
                path,
                message: format!(
                    "price {} is in {} but exchangeRates has no rate for it (known: {})",
                    p.display(),
                    p.currency,
                    known.join(", ")
                ),
            })
        };
        let mut names = BTreeMap::new();
        for (i, t) in self.tiers.iter().enumerate() {
            let at = |rest: &[PathSeg]| {
                let mut v = vec![key("tiers"), PathSeg::Index(i)];
                v.extend_from_slice(rest);
                v
            };
            if let Some(p) = &t.price {
                issues.extend(currency_issue(at(&[key("price")]), p));
            }
            for (j, n) in t.nodes.iter().enumerate() {
                if let Some(p) = &n.price {
                    issues.extend(currency_issue(at(&[key("nodes"), PathSeg::Index(j), key("price")]), p));
                }
            }
            if let Some(first) = names.insert(t.name.clone(), i) {
                issues.push(ProfileIssue {
                    path: at(&[key("name")]),
                    message: format!("duplicate tier name {:?} (first defined at tiers[{first}])", t.name),
                });
            }
            if t.nodes.is_empty() {
                issues.push(ProfileIssue {
                    path: at(&[key("nodes")]),
                    message: "a tier needs at least one node".into(),
                });
            }
            if !t.nodes.iter().any(|n| n.workloads) {
                issues.push(ProfileIssue {
                    path: at(&[key("nodes")]),
                    message: "no node runs workloads (workloads: true)".into(),
                });
            }
            if t.price.is_none() && t.nodes.iter().any(|n| n.price.is_none()) {
                issues.push(ProfileIssue {
                    path: at(&[key("price")]),
                    message: "give the tier a price, or every node a price".into(),
                });
            }
            for (j, n) in t.nodes.iter().enumerate() {
                if n.vcpus == 0 || n.memory.0 == 0 {
                    issues.push(ProfileIssue {
                        path: at(&[key("nodes"), PathSeg::Index(j)]),
                        message: "a node needs vcpus and memory above 0".into(),
                    });
                }
            }
        }
        for (i, p) in self.plans.iter().enumerate() {
            issues.extend(currency_issue(vec![key("plans"), PathSeg::Index(i), key("price")], &p.price));
            if p.vcpus == 0 || p.memory.0 == 0 {
                issues.push(ProfileIssue {
                    path: vec![key("plans"), PathSeg::Index(i)],
                    message: "a plan needs vcpus and memory above 0".into(),
                });
            }
        }
        // Distributions: unique names, a figure for every role their shape uses, and every
        // reference from a tier or provider resolvable.
        let mut dist_names = BTreeMap::new();
        for (i, d) in self.distributions.iter().enumerate() {
            let at = |rest: &[PathSeg]| {
                let mut v = vec![key("distributions"), PathSeg::Index(i)];
                v.extend_from_slice(rest);
                v
            };
            if let Some(first) = dist_names.insert(d.name.clone(), i) {
                issues.push(ProfileIssue {
                    path: at(&[key("name")]),
                    message: format!(
                        "duplicate distribution {:?} (first defined at distributions[{first}])",
                        d.name
                    ),
                });
            }
            for role in [d.shape.single, d.shape.first, d.shape.ha, d.shape.others] {
                if !d.roles.contains_key(&role) {
                    issues.push(ProfileIssue {
                        path: at(&[key("roles")]),
                        message: format!("the shape uses role {role} but roles gives no figure for it"),
                    });
                }
            }
        }
        let known_dist = |name: &str| self.distributions.iter().any(|d| d.name == name);
        let dist_list = || self.distributions.iter().map(|d| d.name.as_str()).collect::<Vec<_>>().join(", ");
        let mut check_ref = |path: Vec<PathSeg>, name: Option<&str>| {
            if let Some(n) = name
                && !known_dist(n)
            {
                issues.push(ProfileIssue {
                    path,
                    message: format!("unknown distribution {n:?} (the catalog has: {})", dist_list()),
                });
            }
        };
        for (i, t) in self.tiers.iter().enumerate() {
            let name = t.distribution.as_deref().or_else(|| {
                (!self.distributions.is_empty()).then(|| default_distribution(t.reservation)).flatten()
            });
            check_ref(vec![key("tiers"), PathSeg::Index(i), key("distribution")], name);
        }
        for (i, f) in self.providers.iter().enumerate() {
            let name = f.distribution.as_deref().or_else(|| {
                (!self.distributions.is_empty()).then(|| default_distribution(f.reservation)).flatten()
            });
            check_ref(vec![key("providers"), PathSeg::Index(i), key("distribution")], name);
        }
        issues
    }

    /// The distribution a tier's nodes run, if any.
    pub fn tier_distribution(&self, t: &Tier) -> Option<&super::node::Distribution> {
        let name = t.distribution.as_deref().or_else(|| default_distribution(t.reservation))?;
        super::node::find(&self.distributions, name)
    }

    /// The distribution a provider's nodes run, if any.
    pub fn provider_distribution(&self, provider: &str) -> Option<&super::node::Distribution> {
        let (name, model) = match self.providers.iter().find(|f| f.provider == provider) {
            Some(f) => (f.distribution.as_deref(), f.reservation),
            None => (None, ReservationModel::K3s),
        };
        let name = name.or_else(|| default_distribution(model))?;
        super::node::find(&self.distributions, name)
    }
}
