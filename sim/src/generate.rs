//! Deterministic generated clusters (`--generate NODES:PODS_PER_NODE`).
//!
//! Nothing is stored per object: node `i`, pod `i` and their metrics are
//! rebuilt from `(seed, i)` whenever a page needs them, so a 5,000 x 30
//! cluster costs a few hundred bytes of memory.
//!
//! Layout: pod `i` has *slot* `i / nodes` and runs on node
//! `(a * (i % nodes) + b) % nodes` with `gcd(a, nodes) = 1`, so every node gets
//! exactly one pod per slot (`PODS_PER_NODE` pods in total, minus the few
//! generated as unscheduled). Slot 0 is a `kube-proxy` DaemonSet pod
//! (kube-system), slot 1 a `node-exporter` DaemonSet pod (monitoring), and the
//! other slots are application pods of several workload profiles spread over
//! six `svc-*` namespaces, in contiguous index ranges so a list is grouped by
//! namespace as the real server's is.

use std::collections::BTreeMap;

use crate::model::{
    Container, ContainerMetrics, ContainerPort, CpuMem, EnvVar, Node, NodeMetrics, OwnerReference, Phase,
    Pod, PodMetrics, Resources, Taint, Toleration, Usage, Volume,
};
use crate::quantity::{format_ki, format_nanocores};
use crate::render::DEFAULT_CREATED;
use crate::util::{hash_str, mix, rfc3339, uid_for};

/// Parameters of a generated cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateSpec {
    /// Number of nodes.
    pub nodes: u32,
    /// Pod slots per node.
    pub pods_per_node: u32,
    /// Seed of every deterministic choice.
    pub seed: u64,
}

impl GenerateSpec {
    /// `nodes` x `pods_per_node` with seed 1.
    pub fn new(nodes: u32, pods_per_node: u32) -> Self {
        GenerateSpec { nodes, pods_per_node, seed: 1 }
    }

    /// The same cluster shape with another seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

impl std::str::FromStr for GenerateSpec {
    type Err = String;

    /// Parses `NODES:PODS_PER_NODE` (seed 1).
    fn from_str(s: &str) -> Result<Self, String> {
        let (n, p) = s.split_once(':').ok_or_else(|| format!("expected NODES:PODS_PER_NODE, got {s:?}"))?;
        let nodes = n.trim().parse().map_err(|_| format!("invalid node count {n:?}"))?;
        let pods = p.trim().parse().map_err(|_| format!("invalid pods-per-node {p:?}"))?;
        Ok(GenerateSpec::new(nodes, pods))
    }
}

/// Largest supported pod count (pod-name suffixes are 5 base-27 digits).
pub const MAX_PODS: u64 = 27u64.pow(5);
const SUFFIX_ALPHABET: &[u8; 27] = b"bcdfghjklmnpqrstvwxz2456789";
const SUFFIX_MUL: u64 = 7_654_321;
const SUFFIX_ADD: u64 = 1_234_567;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OwnerKind {
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    Job,
    None,
}

/// One container of a workload profile. CPU in milli-cores, memory in MiB,
/// 0 = not set.
struct Spec {
    name: &'static str,
    image: &'static str,
    req_cpu: i64,
    req_mem: i64,
    lim_cpu: i64,
    lim_mem: i64,
    sidecar: bool,
    env: usize,
    port: u16,
}

struct Profile {
    app: &'static str,
    owner: OwnerKind,
    weight: u64,
    containers: &'static [Spec],
    init: &'static [Spec],
    /// RuntimeClass overhead (milli-cores, MiB).
    overhead: Option<(i64, i64)>,
    volumes: &'static [(&'static str, &'static str)],
}

const fn spec(
    name: &'static str,
    image: &'static str,
    req: (i64, i64),
    lim: (i64, i64),
    env: usize,
    port: u16,
) -> Spec {
    Spec {
        name,
        image,
        req_cpu: req.0,
        req_mem: req.1,
        lim_cpu: lim.0,
        lim_mem: lim.1,
        sidecar: false,
        env,
        port,
    }
}

const fn sidecar(s: Spec) -> Spec {
    Spec { sidecar: true, ..s }
}

static KUBE_PROXY: Profile = Profile {
    app: "kube-proxy",
    owner: OwnerKind::DaemonSet,
    weight: 0,
    containers: &[spec("kube-proxy", "registry.k8s.io/kube-proxy:v1.32.4", (100, 0), (0, 0), 10, 0)],
    init: &[],
    overhead: None,
    volumes: &[("kube-proxy", "configMap"), ("xtables-lock", "emptyDir"), ("lib-modules", "emptyDir")],
};

static NODE_EXPORTER: Profile = Profile {
    app: "node-exporter",
    owner: OwnerKind::DaemonSet,
    weight: 0,
    containers: &[spec(
        "node-exporter",
        "quay.io/prometheus/node-exporter:v1.8.2",
        (100, 180),
        (250, 180),
        8,
        9100,
    )],
    init: &[],
    overhead: None,
    volumes: &[("proc", "emptyDir"), ("sys", "emptyDir"), ("root", "emptyDir")],
};

static APP_PROFILES: [Profile; 9] = [
    Profile {
        app: "web",
        owner: OwnerKind::ReplicaSet,
        weight: 22,
        containers: &[
            spec("web", "registry.example.com/shop/web:4.12.1", (100, 192), (1000, 384), 2, 8080),
            spec("envoy", "envoyproxy/envoy:v1.31.2", (50, 64), (200, 128), 0, 9901),
        ],
        init: &[],
        overhead: None,
        volumes: &[("config", "configMap"), ("tls", "secret")],
    },
    Profile {
        app: "api",
        owner: OwnerKind::ReplicaSet,
        weight: 20,
        containers: &[spec("api", "registry.example.com/shop/api:2.31.0", (150, 256), (0, 512), 2, 8000)],
        init: &[spec("migrate", "registry.example.com/shop/api:2.31.0", (300, 384), (0, 384), 0, 0)],
        overhead: None,
        volumes: &[("config", "configMap"), ("credentials", "secret")],
    },
    Profile {
        app: "worker",
        owner: OwnerKind::ReplicaSet,
        weight: 15,
        containers: &[spec(
            "worker",
            "registry.example.com/shop/worker:2.31.0",
            (250, 384),
            (2000, 1024),
            10,
            0,
        )],
        init: &[],
        overhead: None,
        volumes: &[("config", "configMap"), ("scratch", "emptyDir")],
    },
    Profile {
        app: "cache",
        owner: OwnerKind::StatefulSet,
        weight: 8,
        containers: &[
            spec("redis", "redis:7.4.1-alpine", (50, 128), (50, 128), 1, 6379),
            spec("exporter", "oliver006/redis_exporter:v1.66.0", (10, 32), (10, 32), 0, 9121),
        ],
        init: &[],
        overhead: None,
        volumes: &[("data", "pvc"), ("config", "configMap")],
    },
    Profile {
        app: "db",
        owner: OwnerKind::StatefulSet,
        weight: 5,
        containers: &[spec("postgres", "postgres:16.4", (250, 512), (250, 512), 8, 5432)],
        init: &[],
        overhead: None,
        volumes: &[("data", "pvc"), ("initdb", "configMap"), ("dshm", "emptyDir")],
    },
    Profile {
        app: "report",
        owner: OwnerKind::Job,
        weight: 10,
        containers: &[spec(
            "report",
            "registry.example.com/shop/report:1.4.0",
            (200, 256),
            (1000, 512),
            8,
            0,
        )],
        init: &[],
        overhead: None,
        volumes: &[("config", "configMap")],
    },
    Profile {
        app: "mesh",
        owner: OwnerKind::ReplicaSet,
        weight: 10,
        containers: &[spec(
            "app",
            "registry.example.com/shop/recommend:0.9.3",
            (50, 96),
            (500, 256),
            1,
            8080,
        )],
        init: &[sidecar(spec(
            "istio-proxy",
            "docker.io/istio/proxyv2:1.23.2",
            (50, 64),
            (2000, 1024),
            0,
            15090,
        ))],
        overhead: None,
        volumes: &[("istio-envoy", "emptyDir"), ("istio-data", "emptyDir")],
    },
    Profile {
        app: "sandbox",
        owner: OwnerKind::ReplicaSet,
        weight: 4,
        containers: &[spec(
            "runner",
            "registry.example.com/shop/sandbox:3.0.1",
            (100, 128),
            (500, 256),
            10,
            7000,
        )],
        init: &[],
        overhead: Some((250, 160)),
        volumes: &[("workspace", "emptyDir")],
    },
    Profile {
        app: "debug",
        owner: OwnerKind::None,
        weight: 3,
        containers: &[spec("toolbox", "nicolaka/netshoot:v0.13", (0, 0), (0, 0), 6, 0)],
        init: &[],
        overhead: None,
        volumes: &[],
    },
];

const NAMESPACES: [&str; 6] =
    ["svc-analytics", "svc-billing", "svc-catalog", "svc-checkout", "svc-identity", "svc-search"];

const ENV_NAMES: [&str; 24] = [
    "APP_ENV",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "HTTP_PORT",
    "METRICS_PORT",
    "DATABASE_HOST",
    "DATABASE_PORT",
    "DATABASE_NAME",
    "DATABASE_POOL_SIZE",
    "REDIS_URL",
    "KAFKA_BROKERS",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_SERVICE_NAME",
    "FEATURE_FLAGS_URL",
    "CACHE_TTL_SECONDS",
    "REQUEST_TIMEOUT_MS",
    "MAX_CONNECTIONS",
    "GOMAXPROCS",
    "JAVA_TOOL_OPTIONS",
    "TZ",
    "SENTRY_DSN",
    "AUTH_ISSUER_URL",
    "S3_BUCKET",
    "REGION",
];

struct NodeType {
    name: &'static str,
    capacity: (&'static str, &'static str),
    allocatable: (&'static str, &'static str),
}

const NODE_TYPES: [NodeType; 3] = [
    NodeType { name: "m5.2xlarge", capacity: ("8", "32408312Ki"), allocatable: ("7910m", "31391480Ki") },
    NodeType { name: "m5.4xlarge", capacity: ("16", "65011392Ki"), allocatable: ("15890m", "63994560Ki") },
    NodeType { name: "m5.8xlarge", capacity: ("32", "130336592Ki"), allocatable: ("31850m", "129319760Ki") },
];

const ZONES: [&str; 3] = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];

/// The cheap, deterministic facts about one generated pod.
struct Plan {
    index: u64,
    slot: u64,
    node: Option<u32>,
    namespace: &'static str,
    profile: &'static Profile,
    workload: String,
    name: String,
    phase: Phase,
    restarts: u32,
    hash: u64,
}

/// A generated cluster; objects are computed on demand.
#[derive(Debug, Clone)]
pub struct Generated {
    spec: GenerateSpec,
    a: u64,
    a_inv: u64,
    b: u64,
    suffix_inv: u64,
    node_width: usize,
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Modular inverse of `a` mod `m` (`gcd(a, m) = 1`).
fn mod_inverse(a: u64, m: u64) -> u64 {
    if m == 1 {
        return 0;
    }
    let (mut old_r, mut r) = (a as i128, m as i128);
    let (mut old_s, mut s) = (1i128, 0i128);
    while r != 0 {
        let q = old_r / r;
        (old_r, r) = (r, old_r - q * r);
        (old_s, s) = (s, old_s - q * s);
    }
    old_s.rem_euclid(m as i128) as u64
}

fn suffix(n: u64) -> String {
    let mut v = (n.wrapping_mul(SUFFIX_MUL).wrapping_add(SUFFIX_ADD)) % MAX_PODS;
    let mut out = [0u8; 5];
    for c in out.iter_mut().rev() {
        *c = SUFFIX_ALPHABET[(v % 27) as usize];
        v /= 27;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hash_chars(h: u64, len: usize) -> String {
    let mut v = h;
    (0..len)
        .map(|_| {
            let c = SUFFIX_ALPHABET[(v % 27) as usize] as char;
            v /= 27;
            c
        })
        .collect()
}

impl Generated {
    /// Validates the spec (at least one node, at most [`MAX_PODS`] pods).
    pub fn new(spec: GenerateSpec) -> Result<Self, String> {
        if spec.nodes == 0 {
            return Err("a generated cluster needs at least one node".into());
        }
        let total = u64::from(spec.nodes) * u64::from(spec.pods_per_node);
        if total > MAX_PODS {
            return Err(format!("{total} pods requested; at most {MAX_PODS} pods can be generated"));
        }
        let n = u64::from(spec.nodes);
        let mut a = (mix(spec.seed ^ 0xA11C) % n) | 1;
        while gcd(a, n) != 1 {
            a += 1;
        }
        let a = a % n.max(1);
        let b = mix(spec.seed ^ 0xB0B) % n;
        Ok(Generated {
            spec,
            a,
            a_inv: mod_inverse(a, n),
            b,
            suffix_inv: mod_inverse(SUFFIX_MUL % MAX_PODS, MAX_PODS),
            node_width: spec.nodes.saturating_sub(1).to_string().len().max(5),
        })
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.spec.nodes as usize
    }

    /// Number of pods (all phases).
    pub fn pod_count(&self) -> usize {
        (u64::from(self.spec.nodes) * u64::from(self.spec.pods_per_node)) as usize
    }

    fn h(&self, salt: u64, i: u64) -> u64 {
        mix(self.spec.seed.wrapping_mul(0x9E37_79B9) ^ mix(salt ^ mix(i)))
    }

    /// Name of node `i`.
    pub fn node_name(&self, i: usize) -> String {
        format!("node-{:0w$}", i, w = self.node_width)
    }

    fn node_type(&self, i: usize) -> &'static NodeType {
        match self.h(1, i as u64) % 100 {
            0..50 => &NODE_TYPES[0],
            50..85 => &NODE_TYPES[1],
            _ => &NODE_TYPES[2],
        }
    }

    /// (ready, cordoned) of node `i`: about 1% each on clusters of 20+ nodes.
    fn node_health(&self, i: usize) -> (bool, bool) {
        if self.spec.nodes < 20 {
            return (true, false);
        }
        match self.h(2, i as u64) % 100 {
            0 => (true, true),
            1 => (false, false),
            _ => (true, false),
        }
    }

    /// Node `i`.
    pub fn node(&self, i: usize) -> Node {
        let name = self.node_name(i);
        let ty = self.node_type(i);
        let (ready, cordoned) = self.node_health(i);
        let zone = ZONES[i % ZONES.len()];
        let ip = format!("10.0.{}.{}", (i / 250) % 256, 4 + i % 250);
        let mut labels = BTreeMap::new();
        for (k, v) in [
            ("beta.kubernetes.io/arch", "amd64"),
            ("beta.kubernetes.io/instance-type", ty.name),
            ("beta.kubernetes.io/os", "linux"),
            ("eks.amazonaws.com/capacityType", "ON_DEMAND"),
            ("eks.amazonaws.com/nodegroup", "general-purpose"),
            ("failure-domain.beta.kubernetes.io/region", "eu-west-1"),
            ("failure-domain.beta.kubernetes.io/zone", zone),
            ("kubernetes.io/arch", "amd64"),
            ("kubernetes.io/hostname", name.as_str()),
            ("kubernetes.io/os", "linux"),
            ("node.kubernetes.io/instance-type", ty.name),
            ("topology.kubernetes.io/region", "eu-west-1"),
            ("topology.kubernetes.io/zone", zone),
        ] {
            labels.insert(k.to_string(), v.to_string());
        }
        let mut annotations = BTreeMap::new();
        annotations.insert("node.alpha.kubernetes.io/ttl".to_string(), "0".to_string());
        annotations
            .insert("volumes.kubernetes.io/controller-managed-attach-detach".to_string(), "true".to_string());
        let mut taints = Vec::new();
        if cordoned {
            taints.push(Taint {
                key: "node.kubernetes.io/unschedulable".into(),
                value: None,
                effect: "NoSchedule".into(),
            });
        }
        if !ready {
            taints.push(Taint {
                key: "node.kubernetes.io/unreachable".into(),
                value: None,
                effect: "NoSchedule".into(),
            });
            taints.push(Taint {
                key: "node.kubernetes.io/unreachable".into(),
                value: None,
                effect: "NoExecute".into(),
            });
        }
        let res = |(cpu, mem): (&str, &str)| {
            [
                ("cpu", cpu),
                ("ephemeral-storage", "104845292Ki"),
                ("hugepages-1Gi", "0"),
                ("hugepages-2Mi", "0"),
                ("memory", mem),
                ("pods", "110"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
        };
        Node {
            uid: Some(uid_for(&format!("{}/node/{i}", self.spec.seed))),
            labels,
            annotations,
            capacity: res(ty.capacity),
            allocatable: Some(res(ty.allocatable)),
            taints,
            unschedulable: cordoned,
            ready,
            kubelet_version: Some("v1.32.4-eks-1a2b3c4".into()),
            internal_ip: Some(ip),
            os_image: Some("Amazon Linux 2023.6.20241121".into()),
            kernel_version: Some("6.1.115-126.197.amzn2023.x86_64".into()),
            container_runtime_version: Some("containerd://1.7.23".into()),
            creation_timestamp: Some(rfc3339(DEFAULT_CREATED + (i as i64 % 1000) * 60)),
            pod_cidr: Some(format!("10.{}.{}.0/24", 64 + (i / 256) % 64, i % 256)),
            name,
        }
    }

    /// Index of the node called `name`.
    pub fn find_node(&self, name: &str) -> Option<usize> {
        let digits = name.strip_prefix("node-")?;
        if digits.len() != self.node_width || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let i: usize = digits.parse().ok()?;
        (i < self.node_count()).then_some(i)
    }

    fn node_of(&self, i: u64) -> u32 {
        let n = u64::from(self.spec.nodes);
        ((self.a * (i % n) + self.b) % n) as u32
    }

    /// The pod indices placed (or meant to be placed) on node `node`.
    fn pods_of_node(&self, node: u32) -> impl Iterator<Item = u64> + '_ {
        let n = u64::from(self.spec.nodes);
        let r = ((u64::from(node) + n - self.b) % n) * self.a_inv % n;
        (0..u64::from(self.spec.pods_per_node)).map(move |k| k * n + r)
    }

    fn plan(&self, i: u64) -> Plan {
        let n = u64::from(self.spec.nodes);
        let m = u64::from(self.spec.pods_per_node);
        let slot = i / n;
        let hash = self.h(3, i);
        let (namespace, profile): (&'static str, &'static Profile) = match slot {
            0 => ("kube-system", &KUBE_PROXY),
            1 => ("monitoring", &NODE_EXPORTER),
            s => {
                let tenant_slots = m.saturating_sub(2).max(1);
                let spaces = tenant_slots.min(NAMESPACES.len() as u64);
                let ns = NAMESPACES[((s - 2) * spaces / tenant_slots) as usize];
                let total: u64 = APP_PROFILES.iter().map(|p| p.weight).sum();
                let mut pick = hash % total;
                let mut chosen = &APP_PROFILES[0];
                for p in &APP_PROFILES {
                    if pick < p.weight {
                        chosen = p;
                        break;
                    }
                    pick -= p.weight;
                }
                (ns, chosen)
            }
        };
        let short = namespace.strip_prefix("svc-").unwrap_or(namespace);
        let variant = (hash >> 20) % 3;
        let workload = match profile.owner {
            OwnerKind::DaemonSet => profile.app.to_string(),
            OwnerKind::Job => format!("{short}-{}-{}", profile.app, 28_900_000 + (hash >> 24) % 100_000),
            _ if variant == 0 => format!("{short}-{}", profile.app),
            _ => format!("{short}-{}-{variant}", profile.app),
        };
        let name = match profile.owner {
            OwnerKind::ReplicaSet => {
                format!("{workload}-{}-{}", self.rs_hash(namespace, &workload), suffix(i))
            }
            OwnerKind::StatefulSet => format!("{workload}-{i}"),
            OwnerKind::DaemonSet | OwnerKind::Job | OwnerKind::None => {
                format!("{workload}-{}", suffix(i))
            }
        };
        let r = self.h(4, i) % 1000;
        let (phase, scheduled) = match profile.owner {
            OwnerKind::DaemonSet => (Phase::Running, true),
            OwnerKind::Job => match r {
                0..800 => (Phase::Succeeded, true),
                800..900 => (Phase::Failed, true),
                _ => (Phase::Running, true),
            },
            _ => match r {
                0..5 => (Phase::Pending, false),
                5..15 => (Phase::Pending, true),
                15..20 => (Phase::Failed, true),
                _ => (Phase::Running, true),
            },
        };
        let restarts = match self.h(5, i) % 100 {
            0..90 => 0,
            90..97 => 1,
            x => (x - 95) as u32,
        };
        Plan {
            index: i,
            slot,
            node: scheduled.then(|| self.node_of(i)),
            namespace,
            profile,
            workload,
            name,
            phase,
            restarts: if phase == Phase::Running { restarts } else { 0 },
            hash,
        }
    }

    fn rs_hash(&self, namespace: &str, workload: &str) -> String {
        hash_chars(hash_str(&format!("{}/{namespace}/{workload}", self.spec.seed)), 10)
    }

    /// Index of the pod `namespace/name`.
    pub fn find_pod(&self, namespace: &str, name: &str) -> Option<usize> {
        let last = name.rsplit('-').next()?;
        let mut candidates = Vec::with_capacity(2);
        if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
            candidates.extend(last.parse::<u64>().ok());
        }
        if last.len() == 5 {
            let mut v: u64 = 0;
            let mut ok = true;
            for b in last.bytes() {
                match SUFFIX_ALPHABET.iter().position(|&c| c == b) {
                    Some(d) => v = v * 27 + d as u64,
                    None => ok = false,
                }
            }
            if ok {
                let idx = ((v + MAX_PODS - SUFFIX_ADD % MAX_PODS) % MAX_PODS) as u128
                    * u128::from(self.suffix_inv)
                    % u128::from(MAX_PODS);
                candidates.push(idx as u64);
            }
        }
        candidates.into_iter().find_map(|i| {
            if i >= self.pod_count() as u64 {
                return None;
            }
            let p = self.plan(i);
            (p.namespace == namespace && p.name == name).then_some(i as usize)
        })
    }

    /// Pod `i`.
    pub fn pod(&self, i: usize) -> Pod {
        let p = self.plan(i as u64);
        self.build_pod(&p)
    }

    fn build_pod(&self, p: &Plan) -> Pod {
        let prof = p.profile;
        let short = p.namespace.strip_prefix("svc-").unwrap_or(p.namespace);
        let mut labels = BTreeMap::new();
        let mut put = |k: &str, v: &str| {
            labels.insert(k.to_string(), v.to_string());
        };
        let owner = match prof.owner {
            OwnerKind::ReplicaSet => {
                let h = self.rs_hash(p.namespace, &p.workload);
                put("app", &p.workload);
                put("app.kubernetes.io/name", prof.app);
                put("app.kubernetes.io/instance", &p.workload);
                put("app.kubernetes.io/part-of", short);
                put("app.kubernetes.io/version", "2.31.0");
                put("pod-template-hash", &h);
                put("tier", if prof.app == "web" { "frontend" } else { "backend" });
                Some(OwnerReference {
                    api_version: None,
                    kind: "ReplicaSet".into(),
                    name: format!("{}-{h}", p.workload),
                    uid: None,
                })
            }
            OwnerKind::StatefulSet => {
                put("app", &p.workload);
                put("app.kubernetes.io/name", prof.app);
                put("app.kubernetes.io/instance", &p.workload);
                put("app.kubernetes.io/part-of", short);
                put("apps.kubernetes.io/pod-index", &p.index.to_string());
                put("controller-revision-hash", &format!("{}-{}", p.workload, hash_chars(p.hash, 10)));
                put("statefulset.kubernetes.io/pod-name", &p.name);
                Some(OwnerReference {
                    api_version: None,
                    kind: "StatefulSet".into(),
                    name: p.workload.clone(),
                    uid: None,
                })
            }
            OwnerKind::DaemonSet => {
                put("k8s-app", prof.app);
                put("app.kubernetes.io/name", prof.app);
                put("controller-revision-hash", &hash_chars(self.spec.seed ^ 77, 10));
                put("pod-template-generation", "3");
                Some(OwnerReference {
                    api_version: None,
                    kind: "DaemonSet".into(),
                    name: prof.app.into(),
                    uid: None,
                })
            }
            OwnerKind::Job => {
                let uid = uid_for(&format!("job/{}/{}", p.namespace, p.workload));
                put("batch.kubernetes.io/controller-uid", &uid);
                put("batch.kubernetes.io/job-name", &p.workload);
                put("controller-uid", &uid);
                put("job-name", &p.workload);
                put("app.kubernetes.io/name", prof.app);
                Some(OwnerReference {
                    api_version: None,
                    kind: "Job".into(),
                    name: p.workload.clone(),
                    uid: Some(uid),
                })
            }
            OwnerKind::None => {
                put("run", &p.workload);
                None
            }
        };
        let mut annotations = BTreeMap::new();
        if prof.owner != OwnerKind::None {
            annotations.insert(
                "checksum/config".to_string(),
                format!(
                    "{:016x}{:016x}{:016x}{:016x}",
                    p.hash,
                    mix(p.hash),
                    mix(p.hash ^ 1),
                    mix(p.hash ^ 2)
                ),
            );
            annotations.insert(
                "kubectl.kubernetes.io/restartedAt".to_string(),
                rfc3339(DEFAULT_CREATED + 86_400 * 3),
            );
        }
        if let Some(port) = prof.containers.iter().map(|c| c.port).find(|&p| p != 0) {
            annotations.insert("prometheus.io/port".into(), port.to_string());
            annotations.insert("prometheus.io/scrape".into(), "true".into());
        }
        let make = |s: &Spec, ci: usize| {
            let mut c = Container::named(s.name);
            c.image = Some(s.image.to_string());
            let mut res = Resources::default();
            if s.req_cpu > 0 {
                res.requests.insert("cpu".into(), crate::quantity::format_cpu(s.req_cpu));
            }
            if s.req_mem > 0 {
                res.requests.insert("memory".into(), format!("{}Mi", s.req_mem));
            }
            if s.lim_cpu > 0 {
                res.limits.insert("cpu".into(), crate::quantity::format_cpu(s.lim_cpu));
            }
            if s.lim_mem > 0 {
                res.limits.insert("memory".into(), format!("{}Mi", s.lim_mem));
            }
            c.resources = res;
            if s.sidecar {
                c.restart_policy = Some("Always".into());
            }
            if s.port != 0 {
                c.ports.push(ContainerPort {
                    container_port: s.port,
                    name: Some(if ci == 0 { "http".into() } else { format!("port-{ci}") }),
                });
            }
            c.env = (0..s.env)
                .map(|k| {
                    let name = ENV_NAMES[k % ENV_NAMES.len()];
                    EnvVar { name: name.to_string(), value: env_value(name, p.namespace, &p.workload, k) }
                })
                .collect();
            if s.env >= 8 {
                c.args = vec![
                    "--config=/etc/app/config.yaml".into(),
                    format!("--service-name={}", p.workload),
                    "--graceful-shutdown=25s".into(),
                ];
            }
            c
        };
        let containers = prof.containers.iter().enumerate().map(|(ci, s)| make(s, ci)).collect();
        let init_containers = prof.init.iter().enumerate().map(|(ci, s)| make(s, ci + 10)).collect();
        let volumes = prof
            .volumes
            .iter()
            .map(|(name, kind)| Volume {
                name: (*name).to_string(),
                config_map: (*kind == "configMap").then(|| format!("{}-{name}", p.workload)),
                secret: (*kind == "secret").then(|| format!("{}-{name}", p.workload)),
                claim: (*kind == "pvc").then(|| format!("{name}-{}", p.name)),
                mount_path: Some(format!("/var/lib/{}/{name}", prof.app)),
            })
            .collect();
        let mut tolerations = Vec::new();
        if prof.owner == OwnerKind::DaemonSet {
            for (key, effect) in [
                ("node.kubernetes.io/not-ready", "NoExecute"),
                ("node.kubernetes.io/unreachable", "NoExecute"),
                ("node.kubernetes.io/disk-pressure", "NoSchedule"),
                ("node.kubernetes.io/memory-pressure", "NoSchedule"),
                ("node.kubernetes.io/pid-pressure", "NoSchedule"),
                ("node.kubernetes.io/unschedulable", "NoSchedule"),
            ] {
                tolerations.push(Toleration {
                    key: Some(key.into()),
                    operator: Some("Exists".into()),
                    value: None,
                    effect: Some(effect.into()),
                    toleration_seconds: None,
                });
            }
        }
        let node_name = p.node.map(|n| self.node_name(n as usize));
        let host_ip = p.node.map(|n| {
            let n = n as usize;
            format!("10.0.{}.{}", (n / 250) % 256, 4 + n % 250)
        });
        Pod {
            namespace: p.namespace.to_string(),
            name: p.name.clone(),
            uid: Some(uid_for(&format!("{}/pod/{}", self.spec.seed, p.index))),
            labels,
            annotations,
            owner_references: owner.into_iter().collect(),
            node_name,
            phase: p.phase,
            containers,
            init_containers,
            overhead: prof.overhead.map(|(cpu, mem)| {
                [
                    ("cpu".to_string(), crate::quantity::format_cpu(cpu)),
                    ("memory".to_string(), format!("{mem}Mi")),
                ]
                .into_iter()
                .collect()
            }),
            runtime_class_name: prof.overhead.map(|_| "kata".to_string()),
            priority_class_name: match prof.owner {
                OwnerKind::DaemonSet => Some("system-node-critical".into()),
                _ => None,
            },
            priority: match prof.owner {
                OwnerKind::DaemonSet => Some(2_000_001_000),
                _ => None,
            },
            service_account_name: Some(match prof.owner {
                OwnerKind::DaemonSet => prof.app.to_string(),
                OwnerKind::None => "default".to_string(),
                _ => p.workload.clone(),
            }),
            tolerations,
            volumes,
            restarts: p.restarts,
            pod_ip: p.node.filter(|_| !p.phase.is_terminated()).map(|_| {
                if prof.owner == OwnerKind::DaemonSet && prof.app == "kube-proxy" {
                    // hostNetwork-like: same as the node.
                    let n = self.node_of(p.index) as usize;
                    format!("10.0.{}.{}", (n / 250) % 256, 4 + n % 250)
                } else {
                    let h = p.hash;
                    format!("10.{}.{}.{}", 64 + (h >> 8) % 64, (h >> 16) as u8, 1 + (h as u8) % 254)
                }
            }),
            host_ip,
            creation_timestamp: Some(rfc3339(
                DEFAULT_CREATED + 86_400 * 5 + (p.slot as i64) * 600 + (p.hash % 3600) as i64,
            )),
        }
    }

    /// Whether pod `i` has metrics: Running on a Ready node.
    fn has_metrics(&self, p: &Plan) -> bool {
        p.phase == Phase::Running && p.node.is_some_and(|n| self.node_health(n as usize).0)
    }

    /// Per-container usage of a planned pod: (name, cpu milli, memory bytes).
    fn usage_of(&self, p: &Plan) -> Vec<(&'static str, i64, i64)> {
        let all = p.profile.containers.iter().chain(p.profile.init.iter().filter(|s| s.sidecar));
        all.enumerate()
            .map(|(k, s)| {
                let h = self.h(6 + k as u64, p.index);
                let cpu = if s.req_cpu > 0 {
                    (s.req_cpu * (20 + (h % 100) as i64) / 100).max(1)
                } else {
                    1 + (h % 20) as i64
                };
                let mem_mi_x100 = if s.req_mem > 0 {
                    s.req_mem * (40 + ((h >> 16) % 80) as i64)
                } else {
                    (16 + ((h >> 16) % 48) as i64) * 100
                };
                // Whole KiB, like metrics-server.
                let mem = mem_mi_x100 * 1024 / 100 * 1024;
                (s.name, cpu, mem)
            })
            .collect()
    }

    /// PodMetrics of pod `i`, if it has any.
    pub fn pod_metrics(&self, i: usize) -> Option<PodMetrics> {
        let p = self.plan(i as u64);
        if !self.has_metrics(&p) {
            return None;
        }
        let pod = self.build_pod(&p);
        Some(PodMetrics {
            namespace: pod.namespace,
            name: pod.name,
            containers: self
                .usage_of(&p)
                .into_iter()
                .map(|(name, cpu, mem)| ContainerMetrics {
                    name: name.to_string(),
                    usage: Usage { cpu: format_nanocores(cpu), memory: format_ki(mem) },
                })
                .collect(),
            window: None,
            labels: pod.labels,
        })
    }

    /// Usage of node `i`: its pods' usage plus system daemons; `None` for a
    /// NotReady node (metrics-server cannot scrape it).
    pub fn node_usage(&self, i: usize) -> Option<CpuMem> {
        if !self.node_health(i).0 {
            return None;
        }
        let h = self.h(7, i as u64);
        let mut total = CpuMem {
            cpu_milli: 150 + (h % 200) as i64,
            memory_bytes: (700 + ((h >> 16) % 600) as i64) << 20,
        };
        for pi in self.pods_of_node(i as u32) {
            let p = self.plan(pi);
            if p.node == Some(i as u32) && self.has_metrics(&p) {
                for (_, cpu, mem) in self.usage_of(&p) {
                    total += CpuMem { cpu_milli: cpu, memory_bytes: mem };
                }
            }
        }
        Some(total)
    }

    /// NodeMetrics of node `i`, if Ready.
    pub fn node_metrics(&self, i: usize) -> Option<NodeMetrics> {
        let usage = self.node_usage(i)?;
        let node = self.node(i);
        Some(NodeMetrics {
            name: node.name,
            usage: Usage { cpu: format_nanocores(usage.cpu_milli), memory: format_ki(usage.memory_bytes) },
            window: None,
            labels: node.labels,
        })
    }

    /// Fast per-pod facts for totals: (node index, phase, effective requests,
    /// effective limits, usage if it has metrics).
    pub(crate) fn pod_facts(&self, i: usize) -> (Option<usize>, Phase, CpuMem, CpuMem, Option<CpuMem>) {
        let p = self.plan(i as u64);
        let usage = self.has_metrics(&p).then(|| {
            let mut u = CpuMem::default();
            for (_, cpu, mem) in self.usage_of(&p) {
                u += CpuMem { cpu_milli: cpu, memory_bytes: mem };
            }
            u
        });
        let (req, lim) = profile_effective(p.profile);
        (p.node.map(|n| n as usize), p.phase, req, lim, usage)
    }
}

/// Effective requests and limits of a profile, via the same arithmetic as
/// [`Pod::effective_requests`].
fn profile_effective(prof: &Profile) -> (CpuMem, CpuMem) {
    let to_container = |s: &Spec| {
        let mut c = Container::named(s.name);
        let put = |list: &mut crate::model::ResourceList, cpu: i64, mem: i64| {
            if cpu > 0 {
                list.insert("cpu".into(), format!("{cpu}m"));
            }
            if mem > 0 {
                list.insert("memory".into(), format!("{mem}Mi"));
            }
        };
        put(&mut c.resources.requests, s.req_cpu, s.req_mem);
        put(&mut c.resources.limits, s.lim_cpu, s.lim_mem);
        if s.sidecar {
            c.restart_policy = Some("Always".into());
        }
        c
    };
    let pod = Pod {
        namespace: String::new(),
        name: String::new(),
        uid: None,
        labels: BTreeMap::new(),
        annotations: BTreeMap::new(),
        owner_references: vec![],
        node_name: None,
        phase: Phase::Running,
        containers: prof.containers.iter().map(to_container).collect(),
        init_containers: prof.init.iter().map(to_container).collect(),
        overhead: prof.overhead.map(|(cpu, mem)| {
            [("cpu".to_string(), format!("{cpu}m")), ("memory".to_string(), format!("{mem}Mi"))]
                .into_iter()
                .collect()
        }),
        runtime_class_name: None,
        priority_class_name: None,
        priority: None,
        service_account_name: None,
        tolerations: vec![],
        volumes: vec![],
        restarts: 0,
        pod_ip: None,
        host_ip: None,
        creation_timestamp: None,
    };
    (pod.effective_requests(), pod.effective_limits())
}

fn env_value(name: &str, namespace: &str, workload: &str, k: usize) -> String {
    match name {
        "APP_ENV" => "production".into(),
        "LOG_LEVEL" => "info".into(),
        "LOG_FORMAT" => "json".into(),
        "HTTP_PORT" => "8080".into(),
        "METRICS_PORT" => "9090".into(),
        "DATABASE_HOST" => format!("{workload}-db.{namespace}.svc.cluster.local"),
        "DATABASE_PORT" => "5432".into(),
        "DATABASE_NAME" => workload.replace('-', "_"),
        "REDIS_URL" => format!("redis://{workload}-cache.{namespace}.svc.cluster.local:6379/0"),
        "KAFKA_BROKERS" => "kafka-0.kafka.messaging.svc:9092,kafka-1.kafka.messaging.svc:9092,kafka-2.kafka.messaging.svc:9092".into(),
        "OTEL_EXPORTER_OTLP_ENDPOINT" => "http://otel-collector.monitoring.svc.cluster.local:4317".into(),
        "OTEL_SERVICE_NAME" => workload.into(),
        "FEATURE_FLAGS_URL" => format!("http://flags.platform.svc.cluster.local/v1/projects/{namespace}"),
        "JAVA_TOOL_OPTIONS" => "-XX:MaxRAMPercentage=75.0 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError".into(),
        "TZ" => "UTC".into(),
        "SENTRY_DSN" => format!("https://{:016x}@sentry.example.com/{}", hash_str(workload), 100 + k),
        "AUTH_ISSUER_URL" => "https://auth.example.com/realms/production".into(),
        "S3_BUCKET" => format!("example-{namespace}-artifacts"),
        "REGION" => "eu-west-1".into(),
        _ => format!("{}", 10 * (k + 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_node_gets_one_pod_per_slot() {
        for (n, m) in [(1, 5), (7, 3), (12, 4), (100, 2)] {
            let g = Generated::new(GenerateSpec::new(n, m).with_seed(9)).expect("valid");
            let mut counts = vec![0; n as usize];
            for i in 0..g.pod_count() as u64 {
                counts[g.node_of(i) as usize] += 1;
            }
            assert!(counts.iter().all(|&c| c == m), "{n}:{m} -> {counts:?}");
            for node in 0..n {
                for i in g.pods_of_node(node) {
                    assert_eq!(g.node_of(i), node);
                }
            }
        }
    }

    #[test]
    fn names_resolve_back_to_indices() {
        let g = Generated::new(GenerateSpec::new(40, 12)).expect("valid");
        for i in 0..g.pod_count() {
            let p = g.pod(i);
            assert_eq!(g.find_pod(&p.namespace, &p.name), Some(i), "{}", p.name);
        }
        for i in 0..g.node_count() {
            assert_eq!(g.find_node(&g.node_name(i)), Some(i));
        }
        assert_eq!(g.find_pod("kube-system", "nope"), None);
        assert_eq!(g.find_node("node-99999"), None);
    }

    #[test]
    fn spec_parses() {
        assert_eq!("10:3".parse(), Ok(GenerateSpec::new(10, 3)));
        assert!("10".parse::<GenerateSpec>().is_err());
        assert!("a:b".parse::<GenerateSpec>().is_err());
        assert!(Generated::new(GenerateSpec::new(0, 3)).is_err());
        assert!(Generated::new(GenerateSpec::new(100_000, 200)).is_err());
    }
}
