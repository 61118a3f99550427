//! Kubernetes JSON rendering of the model, written straight into a buffer.
//!
//! Objects are shaped like the real API server's: list items carry no
//! `kind`/`apiVersion`, single GETs do; pods carry `managedFields`, the
//! service-account token volume, default tolerations, conditions and
//! container statuses, which is what makes real pod JSON several KB.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Value, json};

use crate::model::{Container, Node, NodeMetrics, Phase, Pod, PodMetrics, ResourceList};
use crate::util::{self, hash_str, rfc3339};

/// Default creation time of objects without one: 2025-01-15T08:00:00Z.
pub const DEFAULT_CREATED: i64 = 1_736_928_000;

/// Context shared by every object rendered for one response.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    /// The list resourceVersion; per-object versions are below it.
    pub resource_version: u64,
    /// "Now" in seconds since the epoch (metrics timestamps, ages).
    pub now: i64,
}

impl Ctx {
    fn object_rv(&self, key: &str) -> String {
        let base = self.resource_version.max(2);
        (1 + hash_str(key) % (base - 1)).to_string()
    }
}

/// Serialises `v` as compact JSON at the end of `out`.
pub fn write_json<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    // Writing to a Vec cannot fail and every map key here is a string.
    if let Err(e) = crate::json::to_vec_into(out, v) {
        debug_assert!(false, "serialisation failed: {e}");
    }
}

/// A deterministic private address for a key, in `prefix.x.y.z` style.
pub fn ip_for(prefix: u8, key: &str) -> String {
    let h = hash_str(key);
    format!("10.{prefix}.{}.{}", (h >> 8) as u8, 1 + (h as u8) % 254)
}

fn created(ts: &Option<String>) -> Cow<'_, str> {
    match ts {
        Some(t) => Cow::Borrowed(t.as_str()),
        None => Cow::Owned(rfc3339(DEFAULT_CREATED)),
    }
}

fn created_secs(ts: &Option<String>) -> i64 {
    ts.as_deref().and_then(util::parse_rfc3339).unwrap_or(DEFAULT_CREATED)
}

// ---------------------------------------------------------------------------
// managedFields (fieldsV1) trees

/// A `fieldsV1` tree: `{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}`.
#[derive(Default)]
struct Fields(Vec<(Cow<'static, str>, Fields)>);

impl Fields {
    fn leaf() -> Fields {
        Fields(Vec::new())
    }
    fn with(mut self, key: impl Into<Cow<'static, str>>, child: Fields) -> Fields {
        self.0.push((key.into(), child));
        self
    }
    fn leaves<I, S>(mut self, keys: I) -> Fields
    where
        I: IntoIterator<Item = S>,
        S: Into<Cow<'static, str>>,
    {
        for k in keys {
            self.0.push((k.into(), Fields::leaf()));
        }
        self
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k.as_ref(), v)?;
        }
        m.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ManagedField<'a> {
    manager: &'a str,
    operation: &'a str,
    api_version: &'a str,
    time: &'a str,
    fields_type: &'a str,
    #[serde(rename = "fieldsV1")]
    fields_v1: Fields,
    #[serde(skip_serializing_if = "Option::is_none")]
    subresource: Option<&'a str>,
}

fn map_fields(keys: &BTreeMap<String, String>) -> Fields {
    Fields::leaf().leaves(["."]).leaves(keys.keys().map(|k| format!("f:{k}")))
}

fn resource_fields(list: &ResourceList) -> Fields {
    Fields::leaf().leaves(["."]).leaves(list.keys().map(|k| format!("f:{k}")))
}

fn container_fields(c: &Container) -> Fields {
    let mut f = Fields::leaf().leaves([".".to_string()]);
    if !c.args.is_empty() {
        f = f.leaves(["f:args"]);
    }
    if !c.command.is_empty() {
        f = f.leaves(["f:command"]);
    }
    if !c.env.is_empty() {
        let mut env = Fields::leaf().leaves(["."]);
        for e in &c.env {
            env = env.with(
                format!("k:{{\"name\":\"{}\"}}", e.name),
                Fields::leaf().leaves([".", "f:name", "f:value"]),
            );
        }
        f = f.with("f:env", env);
    }
    f = f.leaves(["f:image", "f:imagePullPolicy", "f:name"]);
    if !c.ports.is_empty() {
        let mut ports = Fields::leaf().leaves(["."]);
        for p in &c.ports {
            ports = ports.with(
                format!("k:{{\"containerPort\":{},\"protocol\":\"TCP\"}}", p.container_port),
                Fields::leaf().leaves([".", "f:containerPort", "f:name", "f:protocol"]),
            );
        }
        f = f.with("f:ports", ports);
    }
    let mut res = Fields::leaf().leaves(["."]);
    if !c.resources.limits.is_empty() {
        res = res.with("f:limits", resource_fields(&c.resources.limits));
    }
    if !c.resources.requests.is_empty() {
        res = res.with("f:requests", resource_fields(&c.resources.requests));
    }
    f = f.with("f:resources", res);
    if c.restart_policy.is_some() {
        f = f.leaves(["f:restartPolicy"]);
    }
    f.leaves(["f:terminationMessagePath", "f:terminationMessagePolicy"])
}

// ---------------------------------------------------------------------------
// metadata

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OwnerRefWire<'a> {
    api_version: &'a str,
    kind: &'a str,
    name: &'a str,
    uid: Cow<'a, str>,
    controller: bool,
    block_owner_deletion: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MetaWire<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    generate_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
    uid: Cow<'a, str>,
    resource_version: String,
    creation_timestamp: Cow<'a, str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    owner_references: Vec<OwnerRefWire<'a>>,
    managed_fields: Vec<ManagedField<'a>>,
}

/// A PartialObjectMetadata object (Table row `object`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PartialWire<'a> {
    kind: &'static str,
    api_version: &'static str,
    metadata: &'a MetaWire<'a>,
}

// ---------------------------------------------------------------------------
// pods

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PortWire<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    container_port: u16,
    protocol: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MountWire<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    read_only: bool,
    mount_path: Cow<'a, str>,
}

#[derive(Serialize)]
struct ResourcesWire<'a> {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    limits: &'a ResourceList,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    requests: &'a ResourceList,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ContainerWire<'a> {
    name: &'a str,
    image: Cow<'a, str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    command: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    args: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ports: Vec<PortWire<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    env: &'a [crate::model::EnvVar],
    resources: ResourcesWire<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    restart_policy: Option<&'a str>,
    volume_mounts: Vec<MountWire<'a>>,
    termination_message_path: &'static str,
    termination_message_policy: &'static str,
    image_pull_policy: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PodSpecWire<'a> {
    volumes: Vec<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    init_containers: Vec<ContainerWire<'a>>,
    containers: Vec<ContainerWire<'a>>,
    restart_policy: &'static str,
    termination_grace_period_seconds: u32,
    dns_policy: &'static str,
    service_account_name: &'a str,
    service_account: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    node_name: Option<&'a str>,
    security_context: Value,
    scheduler_name: &'static str,
    tolerations: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority_class_name: Option<&'a str>,
    priority: i32,
    enable_service_links: bool,
    preemption_policy: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    runtime_class_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    overhead: Option<&'a ResourceList>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConditionWire<'a> {
    r#type: &'static str,
    status: &'static str,
    last_probe_time: Option<()>,
    last_transition_time: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ContainerStatusWire<'a> {
    name: &'a str,
    state: Value,
    last_state: Value,
    ready: bool,
    restart_count: u32,
    image: Cow<'a, str>,
    #[serde(rename = "imageID")]
    image_id: String,
    #[serde(rename = "containerID", skip_serializing_if = "Option::is_none")]
    container_id: Option<String>,
    started: bool,
}

#[derive(Serialize)]
struct IpWire<'a> {
    ip: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PodStatusWire<'a> {
    phase: &'static str,
    conditions: Vec<ConditionWire<'a>>,
    #[serde(rename = "hostIP", skip_serializing_if = "Option::is_none")]
    host_ip: Option<&'a str>,
    #[serde(rename = "hostIPs", skip_serializing_if = "Vec::is_empty")]
    host_ips: Vec<IpWire<'a>>,
    #[serde(rename = "podIP", skip_serializing_if = "Option::is_none")]
    pod_ip: Option<&'a str>,
    #[serde(rename = "podIPs", skip_serializing_if = "Vec::is_empty")]
    pod_ips: Vec<IpWire<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_time: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    init_container_statuses: Vec<ContainerStatusWire<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    container_statuses: Vec<ContainerStatusWire<'a>>,
    qos_class: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PodWire<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_version: Option<&'static str>,
    metadata: &'a MetaWire<'a>,
    spec: PodSpecWire<'a>,
    status: PodStatusWire<'a>,
}

/// The pod's QoS class, as the API server computes it.
pub fn qos_class(pod: &Pod) -> &'static str {
    let all = pod.containers.iter().chain(pod.init_containers.iter());
    let mut any = false;
    let mut guaranteed = true;
    for c in all {
        let r = &c.resources;
        if !r.requests.is_empty() || !r.limits.is_empty() {
            any = true;
        }
        for res in ["cpu", "memory"] {
            let lim = r.limits.get(res);
            let req = r.requests.get(res).or(lim);
            if lim.is_none() || req != lim {
                guaranteed = false;
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

fn pod_uid(pod: &Pod) -> Cow<'_, str> {
    match &pod.uid {
        Some(u) => Cow::Borrowed(u),
        None => Cow::Owned(util::uid_for(&format!("pod/{}/{}", pod.namespace, pod.name))),
    }
}

fn token_volume_name(pod: &Pod) -> String {
    const ALPHA: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut h = hash_str(&pod.name);
    let mut s = String::from("kube-api-access-");
    for _ in 0..5 {
        s.push(ALPHA[(h % ALPHA.len() as u64) as usize] as char);
        h /= ALPHA.len() as u64;
    }
    s
}

fn pod_meta<'a>(pod: &'a Pod, ctx: &Ctx, created: &'a str) -> MetaWire<'a> {
    let generate_name = pod.owner_references.first().and_then(|o| match o.kind.as_str() {
        "ReplicaSet" | "DaemonSet" | "Job" => Some(format!("{}-", o.name)),
        _ => None,
    });
    let owner_references: Vec<OwnerRefWire<'a>> = pod
        .owner_references
        .iter()
        .enumerate()
        .map(|(i, o)| OwnerRefWire {
            api_version: o.api_version(),
            kind: &o.kind,
            name: &o.name,
            uid: match &o.uid {
                Some(u) => Cow::Borrowed(u.as_str()),
                None => Cow::Owned(util::uid_for(&format!("{}/{}/{}", o.kind, pod.namespace, o.name))),
            },
            controller: i == 0,
            block_owner_deletion: true,
        })
        .collect();

    // What the controller wrote when it created the pod.
    let mut meta_f = Fields::leaf();
    if !pod.annotations.is_empty() {
        meta_f = meta_f.with("f:annotations", map_fields(&pod.annotations));
    }
    if generate_name.is_some() {
        meta_f = meta_f.leaves(["f:generateName"]);
    }
    if !pod.labels.is_empty() {
        meta_f = meta_f.with("f:labels", map_fields(&pod.labels));
    }
    if let Some(o) = owner_references.first() {
        meta_f = meta_f.with(
            "f:ownerReferences",
            Fields::leaf().leaves(["."]).with(format!("k:{{\"uid\":\"{}\"}}", o.uid), Fields::leaf()),
        );
    }
    let mut containers_f = Fields::leaf();
    for c in &pod.containers {
        containers_f = containers_f.with(format!("k:{{\"name\":\"{}\"}}", c.name), container_fields(c));
    }
    let mut spec_f = Fields::leaf().with("f:containers", containers_f);
    if !pod.init_containers.is_empty() {
        let mut init_f = Fields::leaf();
        for c in &pod.init_containers {
            init_f = init_f.with(format!("k:{{\"name\":\"{}\"}}", c.name), container_fields(c));
        }
        spec_f = spec_f.with("f:initContainers", init_f);
    }
    spec_f = spec_f.leaves([
        "f:dnsPolicy",
        "f:enableServiceLinks",
        "f:restartPolicy",
        "f:schedulerName",
        "f:securityContext",
        "f:serviceAccount",
        "f:serviceAccountName",
        "f:terminationGracePeriodSeconds",
    ]);
    if !pod.tolerations.is_empty() {
        spec_f = spec_f.leaves(["f:tolerations"]);
    }
    if !pod.volumes.is_empty() {
        let mut vols = Fields::leaf().leaves(["."]);
        for v in &pod.volumes {
            vols =
                vols.with(format!("k:{{\"name\":\"{}\"}}", v.name), Fields::leaf().leaves([".", "f:name"]));
        }
        spec_f = spec_f.with("f:volumes", vols);
    }
    let manager = match pod.owner_references.first().map(|o| o.kind.as_str()) {
        Some(_) => "kube-controller-manager",
        None => "kubectl-create",
    };
    let mut managed = vec![ManagedField {
        manager,
        operation: "Update",
        api_version: "v1",
        time: created,
        fields_type: "FieldsV1",
        fields_v1: Fields::leaf().with("f:metadata", meta_f).with("f:spec", spec_f),
        subresource: None,
    }];
    if pod.node_name.is_some() {
        let cond = |t: &str| {
            Fields::leaf().with(
                format!("k:{{\"type\":\"{t}\"}}"),
                Fields::leaf().leaves([".", "f:lastProbeTime", "f:lastTransitionTime", "f:status", "f:type"]),
            )
        };
        let mut conds = Fields::leaf();
        for t in ["ContainersReady", "Initialized", "PodReadyToStartContainers", "Ready"] {
            conds.0.extend(cond(t).0);
        }
        managed.push(ManagedField {
            manager: "kubelet",
            operation: "Update",
            api_version: "v1",
            time: created,
            fields_type: "FieldsV1",
            fields_v1: Fields::leaf().with(
                "f:status",
                Fields::leaf()
                    .with("f:conditions", conds)
                    .leaves(["f:containerStatuses", "f:hostIP"])
                    .with("f:hostIPs", Fields::leaf())
                    .leaves(["f:phase", "f:podIP"])
                    .with(
                        "f:podIPs",
                        Fields::leaf()
                            .leaves(["."])
                            .with("k:{\"ip\":\"*\"}", Fields::leaf().leaves([".", "f:ip"])),
                    )
                    .leaves(["f:startTime"]),
            ),
            subresource: Some("status"),
        });
    }
    MetaWire {
        name: &pod.name,
        generate_name,
        namespace: Some(&pod.namespace),
        uid: pod_uid(pod),
        resource_version: ctx.object_rv(&pod.name),
        creation_timestamp: Cow::Borrowed(created),
        labels: &pod.labels,
        annotations: &pod.annotations,
        owner_references,
        managed_fields: managed,
    }
}

fn container_wire<'a>(c: &'a Container, token_vol: &'a str, pod: &'a Pod, first: bool) -> ContainerWire<'a> {
    let mut mounts = Vec::new();
    if first {
        for v in &pod.volumes {
            mounts.push(MountWire {
                name: &v.name,
                read_only: v.config_map.is_some() || v.secret.is_some(),
                mount_path: match &v.mount_path {
                    Some(p) => Cow::Borrowed(p.as_str()),
                    None => Cow::Owned(format!("/mnt/{}", v.name)),
                },
            });
        }
    }
    mounts.push(MountWire {
        name: token_vol,
        read_only: true,
        mount_path: Cow::Borrowed("/var/run/secrets/kubernetes.io/serviceaccount"),
    });
    ContainerWire {
        name: &c.name,
        image: image_of(c),
        command: &c.command,
        args: &c.args,
        ports: c
            .ports
            .iter()
            .map(|p| PortWire { name: p.name.as_deref(), container_port: p.container_port, protocol: "TCP" })
            .collect(),
        env: &c.env,
        resources: ResourcesWire { limits: &c.resources.limits, requests: &c.resources.requests },
        restart_policy: c.restart_policy.as_deref(),
        volume_mounts: mounts,
        termination_message_path: "/dev/termination-log",
        termination_message_policy: "File",
        image_pull_policy: "IfNotPresent",
    }
}

fn image_of(c: &Container) -> Cow<'_, str> {
    match &c.image {
        Some(i) => Cow::Borrowed(i.as_str()),
        None => Cow::Owned(format!("registry.example.com/{}:1.0.0", c.name)),
    }
}

/// Container readiness summary used by the Table `READY` column:
/// (ready, total) over regular containers and sidecars.
pub fn ready_counts(pod: &Pod) -> (usize, usize) {
    let total = pod.containers.len() + pod.init_containers.iter().filter(|c| c.is_sidecar()).count();
    let ready = if pod.phase == Phase::Running && pod.node_name.is_some() { total } else { 0 };
    (ready, total)
}

/// Renders a pod. `with_kind` adds `kind`/`apiVersion` (single GET).
pub fn pod_json(pod: &Pod, ctx: &Ctx, with_kind: bool, out: &mut Vec<u8>) {
    let created_s = created(&pod.creation_timestamp);
    let created_at = created_secs(&pod.creation_timestamp);
    let started = rfc3339(created_at + 2);
    let ready_at = rfc3339(created_at + 9);
    let meta = pod_meta(pod, ctx, &created_s);
    pod_json_with_meta(pod, &meta, with_kind, &started, &ready_at, out);
}

fn pod_json_with_meta(
    pod: &Pod,
    meta: &MetaWire<'_>,
    with_kind: bool,
    started: &str,
    ready_at: &str,
    out: &mut Vec<u8>,
) {
    let token_vol = token_volume_name(pod);
    let mut volumes: Vec<Value> = pod
        .volumes
        .iter()
        .map(|v| {
            if let Some(cm) = &v.config_map {
                json!({"name": v.name, "configMap": {"name": cm, "defaultMode": 420}})
            } else if let Some(s) = &v.secret {
                json!({"name": v.name, "secret": {"secretName": s, "defaultMode": 420}})
            } else if let Some(c) = &v.claim {
                json!({"name": v.name, "persistentVolumeClaim": {"claimName": c}})
            } else {
                json!({"name": v.name, "emptyDir": {}})
            }
        })
        .collect();
    volumes.push(json!({
        "name": token_vol,
        "projected": {
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
            ],
            "defaultMode": 420
        }
    }));
    let mut tolerations: Vec<Value> =
        pod.tolerations.iter().map(|t| serde_json::to_value(t).unwrap_or(Value::Null)).collect();
    for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
        if !pod.tolerations.iter().any(|t| t.key.as_deref() == Some(key)) {
            tolerations.push(
                json!({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}),
            );
        }
    }
    let job_like = pod.owner_references.first().is_some_and(|o| o.kind == "Job");
    let sa = pod.service_account_name.as_deref().unwrap_or("default");
    let spec = PodSpecWire {
        volumes,
        init_containers: pod
            .init_containers
            .iter()
            .map(|c| container_wire(c, &token_vol, pod, false))
            .collect(),
        containers: pod
            .containers
            .iter()
            .enumerate()
            .map(|(i, c)| container_wire(c, &token_vol, pod, i == 0))
            .collect(),
        restart_policy: if job_like { "Never" } else { "Always" },
        termination_grace_period_seconds: 30,
        dns_policy: "ClusterFirst",
        service_account_name: sa,
        service_account: sa,
        node_name: pod.node_name.as_deref(),
        security_context: json!({}),
        scheduler_name: "default-scheduler",
        tolerations,
        priority_class_name: pod.priority_class_name.as_deref(),
        priority: pod.priority.unwrap_or(0),
        enable_service_links: true,
        preemption_policy: "PreemptLowerPriority",
        runtime_class_name: pod.runtime_class_name.as_deref(),
        overhead: pod.overhead.as_ref(),
    };

    let scheduled = pod.node_name.is_some();
    let running = pod.phase == Phase::Running && scheduled;
    let host_ip_owned;
    let host_ip = match (&pod.host_ip, &pod.node_name) {
        (Some(ip), _) => Some(ip.as_str()),
        (None, Some(n)) => {
            host_ip_owned = ip_for(0, n);
            Some(host_ip_owned.as_str())
        }
        (None, None) => None,
    };
    let pod_ip_owned;
    let pod_ip = match &pod.pod_ip {
        Some(ip) => Some(ip.as_str()),
        None if scheduled && !pod.phase.is_terminated() => {
            pod_ip_owned = ip_for(42, &format!("{}/{}", pod.namespace, pod.name));
            Some(pod_ip_owned.as_str())
        }
        None => None,
    };
    let tf = |b: bool| if b { "True" } else { "False" };
    let done = pod.phase.is_terminated();
    let mut conditions = Vec::new();
    if scheduled {
        conditions.push(ConditionWire {
            r#type: "PodReadyToStartContainers",
            status: tf(!done && pod.phase != Phase::Pending),
            last_probe_time: None,
            last_transition_time: started,
            reason: None,
        });
        conditions.push(ConditionWire {
            r#type: "Initialized",
            status: tf(pod.phase != Phase::Pending || pod.init_containers.is_empty()),
            last_probe_time: None,
            last_transition_time: started,
            reason: if done { Some("PodCompleted") } else { None },
        });
        for t in ["Ready", "ContainersReady"] {
            conditions.push(ConditionWire {
                r#type: t,
                status: tf(running),
                last_probe_time: None,
                last_transition_time: ready_at,
                reason: if done {
                    Some("PodCompleted")
                } else if running {
                    None
                } else {
                    Some("ContainersNotReady")
                },
            });
        }
    }
    conditions.push(ConditionWire {
        r#type: "PodScheduled",
        status: tf(scheduled),
        last_probe_time: None,
        last_transition_time: meta.creation_timestamp.as_ref(),
        reason: if scheduled { None } else { Some("Unschedulable") },
    });

    let status = PodStatusWire {
        phase: pod.phase.as_str(),
        conditions,
        host_ip,
        host_ips: ips(host_ip),
        pod_ip,
        pod_ips: ips(pod_ip),
        start_time: if scheduled { Some(started) } else { None },
        init_container_statuses: pod
            .init_containers
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                container_status(pod, c, i, true, started, ready_at, &meta.creation_timestamp)
            })
            .collect(),
        container_statuses: pod
            .containers
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                container_status(pod, c, i, false, started, ready_at, &meta.creation_timestamp)
            })
            .collect(),
        qos_class: qos_class(pod),
    };
    let wire = PodWire {
        kind: with_kind.then_some("Pod"),
        api_version: with_kind.then_some("v1"),
        metadata: meta,
        spec,
        status,
    };
    write_json(out, &wire);
}

fn container_status<'a>(
    pod: &'a Pod,
    c: &'a Container,
    idx: usize,
    init: bool,
    started: &str,
    ready_at: &str,
    created: &str,
) -> Option<ContainerStatusWire<'a>> {
    let scheduled = pod.node_name.is_some();
    if !scheduled {
        return None;
    }
    let cid = format!(
        "containerd://{:016x}{:016x}{:016x}{:016x}",
        hash_str(&format!("{}/{}/{}", pod.namespace, pod.name, c.name)),
        hash_str(&c.name),
        hash_str(&pod.name),
        hash_str(&pod.namespace)
    );
    let image = image_of(c);
    let image_id = format!(
        "{}@sha256:{:016x}{:016x}{:016x}{:016x}",
        image.split(':').next().unwrap_or(""),
        hash_str(&image),
        hash_str(&c.name),
        7u64,
        42u64
    );
    let (state, ready, cid) = match pod.phase {
        Phase::Pending => (json!({"waiting": {"reason": "ContainerCreating"}}), false, None),
        Phase::Succeeded => (
            json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": started, "finishedAt": ready_at, "containerID": cid}}),
            false,
            Some(cid),
        ),
        Phase::Failed => (
            json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": started, "finishedAt": ready_at, "containerID": cid}}),
            false,
            Some(cid),
        ),
        Phase::Running | Phase::Unknown if init && !c.is_sidecar() => (
            json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": started, "finishedAt": started, "containerID": cid}}),
            false,
            Some(cid),
        ),
        Phase::Running | Phase::Unknown => (json!({"running": {"startedAt": started}}), true, Some(cid)),
    };
    let restarts = if idx == 0 && !init { pod.restarts } else { 0 };
    let last_state = if restarts > 0 {
        json!({"terminated": {"exitCode": 137, "reason": "OOMKilled", "startedAt": created, "finishedAt": started}})
    } else {
        json!({})
    };
    Some(ContainerStatusWire {
        name: &c.name,
        state,
        last_state,
        ready,
        restart_count: restarts,
        image,
        image_id,
        container_id: cid,
        started: ready,
    })
}

fn ips(ip: Option<&str>) -> Vec<IpWire<'_>> {
    ip.map(|ip| vec![IpWire { ip }]).unwrap_or_default()
}

/// Renders a pod's PartialObjectMetadata (for Table rows).
pub fn pod_partial_json(pod: &Pod, ctx: &Ctx, out: &mut Vec<u8>) {
    let created_s = created(&pod.creation_timestamp);
    let meta = pod_meta(pod, ctx, &created_s);
    write_json(
        out,
        &PartialWire { kind: "PartialObjectMetadata", api_version: "meta.k8s.io/v1", metadata: &meta },
    );
}

/// The `STATUS` column of `kubectl get pods`.
pub fn pod_status_reason(pod: &Pod) -> &'static str {
    match pod.phase {
        Phase::Running if pod.node_name.is_some() => "Running",
        Phase::Running => "Pending",
        Phase::Pending if pod.node_name.is_some() => "ContainerCreating",
        Phase::Pending => "Pending",
        Phase::Succeeded => "Completed",
        Phase::Failed => "Error",
        Phase::Unknown => "Unknown",
    }
}

/// Table cells of a pod: Name, Ready, Status, Restarts, Age, IP, Node,
/// Nominated Node, Readiness Gates.
pub fn pod_cells(pod: &Pod, ctx: &Ctx) -> Value {
    let (ready, total) = ready_counts(pod);
    let age = util::human_duration(ctx.now - created_secs(&pod.creation_timestamp));
    let ip = if pod.node_name.is_some() && !pod.phase.is_terminated() {
        pod.pod_ip.clone().unwrap_or_else(|| ip_for(42, &format!("{}/{}", pod.namespace, pod.name)))
    } else {
        "<none>".into()
    };
    json!([
        pod.name,
        format!("{ready}/{total}"),
        pod_status_reason(pod),
        pod.restarts,
        age,
        ip,
        pod.node_name.as_deref().unwrap_or("<none>"),
        "<none>",
        "<none>"
    ])
}

/// Column definitions of the pod Table, as the API server sends them.
pub fn pod_columns() -> Value {
    json!([
        col(
            "Name",
            "string",
            "name",
            "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
            0
        ),
        col("Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.", 0),
        col("Status", "string", "", "The aggregate status of the containers in this pod.", 0),
        col(
            "Restarts",
            "string",
            "",
            "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
            0
        ),
        col(
            "Age",
            "string",
            "",
            "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
            0
        ),
        col(
            "IP",
            "string",
            "",
            "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
            1
        ),
        col(
            "Node",
            "string",
            "",
            "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename",
            1
        ),
        col(
            "Nominated Node",
            "string",
            "",
            "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.",
            1
        ),
        col(
            "Readiness Gates",
            "string",
            "",
            "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates",
            1
        )
    ])
}

fn col(name: &str, ty: &str, format: &str, description: &str, priority: u8) -> Value {
    json!({"name": name, "type": ty, "format": format, "description": description, "priority": priority})
}

// ---------------------------------------------------------------------------
// nodes

fn node_uid(node: &Node) -> Cow<'_, str> {
    match &node.uid {
        Some(u) => Cow::Borrowed(u),
        None => Cow::Owned(util::uid_for(&format!("node/{}", node.name))),
    }
}

fn node_meta<'a>(node: &'a Node, ctx: &Ctx, created: &'a str) -> MetaWire<'a> {
    let status_f = Fields::leaf()
        .with("f:allocatable", resource_fields(node.allocatable.as_ref().unwrap_or(&node.capacity)))
        .with("f:capacity", resource_fields(&node.capacity))
        .with(
            "f:conditions",
            Fields::leaf().with(
                "k:{\"type\":\"Ready\"}",
                Fields::leaf().leaves([
                    "f:lastHeartbeatTime",
                    "f:lastTransitionTime",
                    "f:message",
                    "f:reason",
                    "f:status",
                ]),
            ),
        )
        .leaves(["f:images", "f:nodeInfo"]);
    MetaWire {
        name: &node.name,
        generate_name: None,
        namespace: None,
        uid: node_uid(node),
        resource_version: ctx.object_rv(&node.name),
        creation_timestamp: Cow::Borrowed(created),
        labels: &node.labels,
        annotations: &node.annotations,
        owner_references: Vec::new(),
        managed_fields: vec![
            ManagedField {
                manager: "kubelet",
                operation: "Update",
                api_version: "v1",
                time: created,
                fields_type: "FieldsV1",
                fields_v1: Fields::leaf()
                    .with("f:metadata", Fields::leaf().with("f:labels", map_fields(&node.labels))),
                subresource: None,
            },
            ManagedField {
                manager: "kubelet",
                operation: "Update",
                api_version: "v1",
                time: created,
                fields_type: "FieldsV1",
                fields_v1: Fields::leaf().with("f:status", status_f),
                subresource: Some("status"),
            },
        ],
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NodeWire<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_version: Option<&'static str>,
    metadata: &'a MetaWire<'a>,
    spec: Value,
    status: Value,
}

/// The `InternalIP` of a node.
pub fn node_ip(node: &Node) -> String {
    node.internal_ip.clone().unwrap_or_else(|| ip_for(0, &node.name))
}

/// Renders a node. `with_kind` adds `kind`/`apiVersion` (single GET).
pub fn node_json(node: &Node, ctx: &Ctx, with_kind: bool, out: &mut Vec<u8>) {
    let created_s = created(&node.creation_timestamp);
    let meta = node_meta(node, ctx, &created_s);
    let cidr = node.pod_cidr.clone().unwrap_or_else(|| format!("10.42.{}.0/24", hash_str(&node.name) as u8));
    let mut spec = json!({"podCIDR": cidr, "podCIDRs": [cidr]});
    if !node.taints.is_empty() {
        spec["taints"] = serde_json::to_value(&node.taints).unwrap_or(Value::Null);
    }
    if node.unschedulable {
        spec["unschedulable"] = Value::Bool(true);
    }
    let heartbeat = rfc3339(ctx.now - 30);
    let ok = |t: &str, reason: &str, msg: &str| json!({"type": t, "status": "False", "lastHeartbeatTime": heartbeat, "lastTransitionTime": created_s, "reason": reason, "message": msg});
    let ready = if node.ready {
        json!({"type": "Ready", "status": "True", "lastHeartbeatTime": heartbeat, "lastTransitionTime": created_s, "reason": "KubeletReady", "message": "kubelet is posting ready status"})
    } else {
        json!({"type": "Ready", "status": "Unknown", "lastHeartbeatTime": created_s, "lastTransitionTime": heartbeat, "reason": "NodeStatusUnknown", "message": "Kubelet stopped posting node status."})
    };
    let version = node.kubelet_version.as_deref().unwrap_or("v1.32.4");
    let h = hash_str(&node.name);
    let status = json!({
        "capacity": node.capacity,
        "allocatable": node.allocatable.as_ref().unwrap_or(&node.capacity),
        "conditions": [
            ok("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ok("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ok("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            ready
        ],
        "addresses": [
            {"type": "InternalIP", "address": node_ip(node)},
            {"type": "Hostname", "address": node.name}
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": {
            "machineID": format!("{h:016x}{:016x}", util::mix(h)),
            "systemUUID": util::uid_for(&node.name),
            "bootID": util::uid_for(&format!("boot/{}", node.name)),
            "kernelVersion": node.kernel_version.as_deref().unwrap_or("6.1.0-28-amd64"),
            "osImage": node.os_image.as_deref().unwrap_or("Debian GNU/Linux 12 (bookworm)"),
            "containerRuntimeVersion": node.container_runtime_version.as_deref().unwrap_or("containerd://1.7.23"),
            "kubeletVersion": version,
            "kubeProxyVersion": version,
            "operatingSystem": node.labels.get("kubernetes.io/os").map(String::as_str).unwrap_or("linux"),
            "architecture": node.labels.get("kubernetes.io/arch").map(String::as_str).unwrap_or("amd64")
        }
    });
    write_json(
        out,
        &NodeWire {
            kind: with_kind.then_some("Node"),
            api_version: with_kind.then_some("v1"),
            metadata: &meta,
            spec,
            status,
        },
    );
}

/// Renders a node's PartialObjectMetadata (for Table rows).
pub fn node_partial_json(node: &Node, ctx: &Ctx, out: &mut Vec<u8>) {
    let created_s = created(&node.creation_timestamp);
    let meta = node_meta(node, ctx, &created_s);
    write_json(
        out,
        &PartialWire { kind: "PartialObjectMetadata", api_version: "meta.k8s.io/v1", metadata: &meta },
    );
}

/// The roles of a node from its `node-role.kubernetes.io/*` labels
/// (and the legacy `kubernetes.io/role` label), comma-joined, or `<none>`.
pub fn node_roles(node: &Node) -> String {
    let mut roles: Vec<&str> = node
        .labels
        .keys()
        .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
        .filter(|r| !r.is_empty())
        .collect();
    if let Some(r) = node.labels.get("kubernetes.io/role") {
        roles.push(r);
    }
    roles.sort_unstable();
    roles.dedup();
    if roles.is_empty() { "<none>".into() } else { roles.join(",") }
}

/// Table cells of a node: Name, Status, Roles, Age, Version, Internal-IP,
/// External-IP, OS-Image, Kernel-Version, Container-Runtime.
pub fn node_cells(node: &Node, ctx: &Ctx) -> Value {
    let mut status = if node.ready { "Ready" } else { "NotReady" }.to_string();
    if node.unschedulable {
        status.push_str(",SchedulingDisabled");
    }
    json!([
        node.name,
        status,
        node_roles(node),
        util::human_duration(ctx.now - created_secs(&node.creation_timestamp)),
        node.kubelet_version.as_deref().unwrap_or("v1.32.4"),
        node_ip(node),
        "<none>",
        node.os_image.as_deref().unwrap_or("Debian GNU/Linux 12 (bookworm)"),
        node.kernel_version.as_deref().unwrap_or("6.1.0-28-amd64"),
        node.container_runtime_version.as_deref().unwrap_or("containerd://1.7.23")
    ])
}

/// Column definitions of the node Table.
pub fn node_columns() -> Value {
    json!([
        col(
            "Name",
            "string",
            "name",
            "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
            0
        ),
        col("Status", "string", "", "The status of the node", 0),
        col("Roles", "string", "", "The roles of the node", 0),
        col(
            "Age",
            "string",
            "",
            "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
            0
        ),
        col("Version", "string", "", "Kubelet Version reported by the node.", 0),
        col(
            "Internal-IP",
            "string",
            "",
            "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).",
            1
        ),
        col(
            "External-IP",
            "string",
            "",
            "List of addresses reachable to the node. Queried from cloud provider, if available.",
            1
        ),
        col(
            "OS-Image",
            "string",
            "",
            "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
            1
        ),
        col(
            "Kernel-Version",
            "string",
            "",
            "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
            1
        ),
        col(
            "Container-Runtime",
            "string",
            "",
            "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
            1
        )
    ])
}

// ---------------------------------------------------------------------------
// metrics

/// Renders a NodeMetrics object.
pub fn node_metrics_json(m: &NodeMetrics, ctx: &Ctx, with_kind: bool, out: &mut Vec<u8>) {
    let ts = rfc3339(ctx.now - 12);
    let mut v = json!({
        "metadata": {"name": m.name, "creationTimestamp": rfc3339(ctx.now), "labels": m.labels},
        "timestamp": ts,
        "window": m.window.as_deref().unwrap_or("20.05s"),
        "usage": {"cpu": m.usage.cpu, "memory": m.usage.memory}
    });
    if with_kind {
        v["kind"] = "NodeMetrics".into();
        v["apiVersion"] = "metrics.k8s.io/v1beta1".into();
    }
    write_json(out, &v);
}

/// Renders a PodMetrics object.
pub fn pod_metrics_json(m: &PodMetrics, ctx: &Ctx, with_kind: bool, out: &mut Vec<u8>) {
    let containers: Vec<Value> = m
        .containers
        .iter()
        .map(|c| json!({"name": c.name, "usage": {"cpu": c.usage.cpu, "memory": c.usage.memory}}))
        .collect();
    let mut v = json!({
        "metadata": {"name": m.name, "namespace": m.namespace, "creationTimestamp": rfc3339(ctx.now), "labels": m.labels},
        "timestamp": rfc3339(ctx.now - 15),
        "window": m.window.as_deref().unwrap_or("18.8s"),
        "containers": containers
    });
    if with_kind {
        v["kind"] = "PodMetrics".into();
        v["apiVersion"] = "metrics.k8s.io/v1beta1".into();
    }
    write_json(out, &v);
}
