//! The parts of Kubernetes API objects that planning needs, deserialized directly from list
//! pages (everything else, managedFields included, is skipped without allocating), and pure
//! conversions into core types.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::keep::Keep;

use crate::model::inventory::{
    ContainerRes, InvalidQuantity, NodeInfo, PodInfo, Res, Taint, effective_limit_mem, effective_requests,
    top_owner,
};
use crate::model::quantity::{Bytes, Millicores};

/// What planning reads of a Pod: exactly the fields of [`Pod`] (the list decoder hands serde
/// only these; a test checks that filtered and whole pods convert alike).
pub static POD_FIELDS: Keep = Keep::Fields(&[
    ("metadata", META_FIELDS),
    (
        "spec",
        Keep::Fields(&[
            ("nodeName", Keep::All),
            ("containers", Keep::Each(&CONTAINER_FIELDS)),
            ("initContainers", Keep::Each(&CONTAINER_FIELDS)),
            ("overhead", Keep::All),
        ]),
    ),
    ("status", Keep::Fields(&[("phase", Keep::All)])),
]);

static CONTAINER_FIELDS: Keep =
    Keep::Fields(&[("name", Keep::All), ("resources", Keep::All), ("restartPolicy", Keep::All)]);

const META_FIELDS: Keep = Keep::Fields(&[
    ("name", Keep::All),
    ("namespace", Keep::All),
    ("labels", Keep::All),
    ("ownerReferences", Keep::All),
]);

/// What planning reads of a Node: the fields of [`Node`].
pub static NODE_FIELDS: Keep = Keep::Fields(&[
    ("metadata", META_FIELDS),
    ("spec", Keep::Fields(&[("unschedulable", Keep::All), ("taints", Keep::All)])),
    (
        "status",
        Keep::Fields(&[
            ("capacity", Keep::All),
            ("allocatable", Keep::All),
            ("conditions", Keep::Each(&Keep::Fields(&[("type", Keep::All), ("status", Keep::All)]))),
        ]),
    ),
]);

/// What planning reads of a NodeMetrics or PodMetrics: the fields of [`Metrics`], of its
/// metadata only the name and namespace (metrics-server copies the pod's labels into PodMetrics;
/// the join is by name, the labels are the pod's).
pub static METRICS_FIELDS: Keep = Keep::Fields(&[
    ("metadata", Keep::Fields(&[("name", Keep::All), ("namespace", Keep::All)])),
    ("usage", Keep::All),
    ("containers", Keep::All),
]);

/// What bizo-plan reads of a Namespace: its name (to split the pod list by namespace).
pub static NAMESPACE_FIELDS: Keep = Keep::Fields(&[("metadata", Keep::Fields(&[("name", Keep::All)]))]);

/// The fields to keep of the items of a list of `kind`.
pub fn kept_fields(kind: &str) -> Option<&'static Keep> {
    match kind {
        "NamespaceList" => Some(&NAMESPACE_FIELDS),
        "PodList" => Some(&POD_FIELDS),
        "NodeList" => Some(&NODE_FIELDS),
        "PodMetricsList" | "NodeMetricsList" => Some(&METRICS_FIELDS),
        _ => None,
    }
}

/// A LIST response page.
#[derive(Debug, Deserialize)]
pub struct List<T> {
    /// List metadata.
    #[serde(default)]
    pub metadata: ListMeta,
    /// Items.
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
}

/// List metadata: the continue token and the remaining count.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMeta {
    /// Token for the next page; empty or absent on the last page.
    #[serde(rename = "continue", default)]
    pub continue_token: Option<String>,
    /// Items after this page, when the server knows.
    #[serde(default)]
    pub remaining_item_count: Option<u64>,
}

/// Object metadata.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Labels.
    #[serde(default)]
    pub labels: Option<BTreeMap<String, String>>,
    /// Owner references.
    #[serde(default)]
    pub owner_references: Option<Vec<OwnerRef>>,
}

/// An object of which only the name is read (a Namespace).
#[derive(Debug, Default, Deserialize)]
pub struct Named {
    /// Its metadata (the name).
    #[serde(default)]
    pub metadata: Meta,
}

/// An owner reference.
#[derive(Debug, Default, Deserialize)]
pub struct OwnerRef {
    /// Kind.
    #[serde(default)]
    pub kind: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// The managing controller.
    #[serde(default)]
    pub controller: Option<bool>,
}

/// A resource list: only the quantities planning reads are kept (no map, no other keys).
#[derive(Debug, Default, Deserialize)]
pub struct Quantities {
    /// `cpu`.
    #[serde(default)]
    pub cpu: Option<String>,
    /// `memory`.
    #[serde(default)]
    pub memory: Option<String>,
    /// `pods` (node capacity).
    #[serde(default)]
    pub pods: Option<String>,
}

impl Quantities {
    /// The quantity of `cpu`, `memory` or `pods`.
    pub fn get(&self, key: &str) -> Option<&String> {
        match key {
            "cpu" => self.cpu.as_ref(),
            "memory" => self.memory.as_ref(),
            "pods" => self.pods.as_ref(),
            _ => None,
        }
    }
}

/// A Node.
#[derive(Debug, Deserialize)]
pub struct Node {
    /// Metadata.
    #[serde(default)]
    pub metadata: Meta,
    /// Spec.
    #[serde(default)]
    pub spec: NodeSpec,
    /// Status.
    #[serde(default)]
    pub status: NodeStatus,
}

/// Node spec.
#[derive(Debug, Default, Deserialize)]
pub struct NodeSpec {
    /// Cordoned.
    #[serde(default)]
    pub unschedulable: Option<bool>,
    /// Taints.
    #[serde(default)]
    pub taints: Option<Vec<TaintJson>>,
}

/// A taint.
#[derive(Debug, Default, Deserialize)]
pub struct TaintJson {
    /// Key.
    #[serde(default)]
    pub key: String,
    /// Value.
    #[serde(default)]
    pub value: Option<String>,
    /// Effect.
    #[serde(default)]
    pub effect: String,
}

/// Node status.
#[derive(Debug, Default, Deserialize)]
pub struct NodeStatus {
    /// Capacity.
    #[serde(default)]
    pub capacity: Option<Quantities>,
    /// Allocatable.
    #[serde(default)]
    pub allocatable: Option<Quantities>,
    /// Conditions.
    #[serde(default)]
    pub conditions: Option<Vec<Condition>>,
}

/// A status condition.
#[derive(Debug, Default, Deserialize)]
pub struct Condition {
    /// Type.
    #[serde(rename = "type", default)]
    pub type_: String,
    /// "True", "False" or "Unknown".
    #[serde(default)]
    pub status: String,
}

/// A Pod.
#[derive(Debug, Deserialize)]
pub struct Pod {
    /// Metadata.
    #[serde(default)]
    pub metadata: Meta,
    /// Spec.
    #[serde(default)]
    pub spec: PodSpec,
    /// Status.
    #[serde(default)]
    pub status: PodStatus,
}

/// Pod spec.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    /// Node the pod is bound to.
    #[serde(default)]
    pub node_name: Option<String>,
    /// App containers.
    #[serde(default)]
    pub containers: Vec<Container>,
    /// Init containers.
    #[serde(default)]
    pub init_containers: Option<Vec<Container>>,
    /// Pod overhead (RuntimeClass).
    #[serde(default)]
    pub overhead: Option<Quantities>,
}

/// A container.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Resources.
    #[serde(default)]
    pub resources: Option<Resources>,
    /// `Always` marks a sidecar init container.
    #[serde(default)]
    pub restart_policy: Option<String>,
}

/// Container resources.
#[derive(Debug, Default, Deserialize)]
pub struct Resources {
    /// Requests.
    #[serde(default)]
    pub requests: Option<Quantities>,
    /// Limits.
    #[serde(default)]
    pub limits: Option<Quantities>,
}

/// Pod status.
#[derive(Debug, Default, Deserialize)]
pub struct PodStatus {
    /// Phase.
    #[serde(default)]
    pub phase: Option<String>,
}

/// NodeMetrics / PodMetrics.
#[derive(Debug, Deserialize)]
pub struct Metrics {
    /// Metadata (name, namespace).
    #[serde(default)]
    pub metadata: Meta,
    /// NodeMetrics usage.
    #[serde(default)]
    pub usage: Option<Quantities>,
    /// PodMetrics containers.
    #[serde(default)]
    pub containers: Option<Vec<ContainerMetrics>>,
}

/// One container's usage.
#[derive(Debug, Deserialize)]
pub struct ContainerMetrics {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Usage.
    #[serde(default)]
    pub usage: Quantities,
}

/// Reads cpu and memory from a quantity map; a bad value counts as 0 and adds a warning that
/// names the object and field.
fn res_of(map: Option<&Quantities>, what: &dyn Fn() -> String, warnings: &mut Vec<String>) -> Res {
    let Some(map) = map else { return Res::default() };
    let cpu = map.cpu.as_deref().map_or(Millicores(0), |q| {
        Millicores::parse(q).unwrap_or_else(|e| {
            warnings.push(format!("{}.cpu: {e}; counted as 0", what()));
            Millicores(0)
        })
    });
    let mem = map.memory.as_deref().map_or(Bytes(0), |q| {
        Bytes::parse(q).unwrap_or_else(|e| {
            warnings.push(format!("{}.memory: {e}; counted as 0", what()));
            Bytes(0)
        })
    });
    Res { cpu, mem }
}

/// Reads cpu and memory from a quantity map; each invalid value is returned, typed, instead of
/// being counted (its figure reads 0 in the `Res` and the caller must treat it as missing).
fn res_checked(
    map: Option<&Quantities>,
    object: &str,
    field: &str,
    invalid: &mut Vec<InvalidQuantity>,
) -> Res {
    let Some(map) = map else { return Res::default() };
    let mut bad = |res: &str, value: &str, error: String| {
        invalid.push(InvalidQuantity {
            object: object.to_string(),
            field: format!("{field}.{res}"),
            value: value.to_string(),
            error,
        })
    };
    let cpu = map.get("cpu").map_or(Millicores(0), |q| {
        Millicores::parse(q).unwrap_or_else(|e| {
            bad("cpu", q, e.to_string());
            Millicores(0)
        })
    });
    let mem = map.get("memory").map_or(Bytes(0), |q| {
        Bytes::parse(q).unwrap_or_else(|e| {
            bad("memory", q, e.to_string());
            Bytes(0)
        })
    });
    Res { cpu, mem }
}

/// A Node into core terms. Invalid capacity or allocatable quantities are listed in
/// [`NodeInfo::invalid`] (the node is then excluded from capacity, with the reason).
pub fn node_info(n: &Node) -> NodeInfo {
    let name = &n.metadata.name;
    let object = format!("node {name}");
    let mut invalid = Vec::new();
    let capacity = res_checked(n.status.capacity.as_ref(), &object, "status.capacity", &mut invalid);
    let allocatable = res_checked(n.status.allocatable.as_ref(), &object, "status.allocatable", &mut invalid);
    let pods = n
        .status
        .allocatable
        .as_ref()
        .and_then(|a| a.get("pods"))
        .and_then(|p| crate::model::quantity::Quantity::parse(p).ok())
        .map_or(0, |q| u64::try_from(q.value()).unwrap_or(0));
    let mut roles: Vec<String> = n
        .metadata
        .labels
        .iter()
        .flatten()
        .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/"))
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect();
    roles.sort();
    let ready = n.status.conditions.iter().flatten().any(|c| c.type_ == "Ready" && c.status == "True");
    let taints = n
        .spec
        .taints
        .iter()
        .flatten()
        .map(|t| Taint {
            key: t.key.clone(),
            value: t.value.clone().unwrap_or_default(),
            effect: t.effect.clone(),
        })
        .collect();
    NodeInfo {
        name: name.clone(),
        roles,
        capacity,
        allocatable,
        pods,
        ready,
        unschedulable: n.spec.unschedulable.unwrap_or(false),
        taints,
        invalid,
    }
}

fn container_res(c: &Container, what: &dyn Fn() -> String, warnings: &mut Vec<String>) -> ContainerRes {
    let r = c.resources.as_ref();
    let requests =
        res_of(r.and_then(|r| r.requests.as_ref()), &|| format!("{} resources.requests", what()), warnings);
    let limits = r.and_then(|r| r.limits.as_ref());
    let limit = res_of(limits, &|| format!("{} resources.limits", what()), warnings);
    // Kubernetes defaults a missing request to the limit.
    let requests = Res {
        cpu: if r.and_then(|r| r.requests.as_ref()).and_then(|m| m.get("cpu")).is_none()
            && limits.and_then(|m| m.get("cpu")).is_some()
        {
            limit.cpu
        } else {
            requests.cpu
        },
        mem: if r.and_then(|r| r.requests.as_ref()).and_then(|m| m.get("memory")).is_none()
            && limits.and_then(|m| m.get("memory")).is_some()
        {
            limit.mem
        } else {
            requests.mem
        },
    };
    ContainerRes {
        requests,
        limit_cpu: limits.and_then(|m| m.get("cpu")).map(|_| limit.cpu),
        limit_mem: limits.and_then(|m| m.get("memory")).map(|_| limit.mem),
        restartable: c.restart_policy.as_deref() == Some("Always"),
    }
}

/// A Pod into core terms, with its effective requests (its strings and labels are moved).
pub fn pod_info(p: Pod, warnings: &mut Vec<String>) -> PodInfo {
    let Pod { metadata, spec, status } = p;
    let ns = metadata.namespace.unwrap_or_default();
    let name = metadata.name;
    let what = |kind: &str, c: &Container| format!("pod {ns}/{name} {kind} {}", c.name);
    let app: Vec<ContainerRes> =
        spec.containers.iter().map(|c| container_res(c, &|| what("container", c), warnings)).collect();
    let init: Vec<ContainerRes> = spec
        .init_containers
        .iter()
        .flatten()
        .map(|c| container_res(c, &|| what("initContainer", c), warnings))
        .collect();
    let overhead = res_of(spec.overhead.as_ref(), &|| format!("pod {ns}/{name} spec.overhead"), warnings);
    let labels = metadata.labels.unwrap_or_default();
    let owners = metadata.owner_references;
    let controller = owners
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
        .or_else(|| owners.iter().flatten().next());
    let owner =
        top_owner(&name, controller.map(|o| o.kind.as_str()), controller.map(|o| o.name.as_str()), &labels);
    PodInfo {
        requests: effective_requests(&app, &init, overhead),
        limit_mem: effective_limit_mem(&app, &init, overhead.mem),
        namespace: ns,
        name,
        node: spec.node_name.filter(|n| !n.is_empty()),
        phase: status.phase.unwrap_or_default(),
        owner,
        labels,
    }
}

/// NodeMetrics usage; an invalid quantity makes the node's usage missing (returned typed).
pub fn node_usage(m: &Metrics) -> Result<Res, InvalidQuantity> {
    let mut invalid = Vec::new();
    let r = res_checked(m.usage.as_ref(), &format!("NodeMetrics {}", m.metadata.name), "usage", &mut invalid);
    match invalid.into_iter().next() {
        Some(bad) => Err(bad),
        None => Ok(r),
    }
}

/// PodMetrics usage: the sum over containers.
pub fn pod_usage(m: &Metrics, warnings: &mut Vec<String>) -> Res {
    let ns = m.metadata.namespace.as_deref().unwrap_or_default();
    m.containers.iter().flatten().fold(Res::default(), |acc, c| {
        acc.plus(res_of(
            Some(&c.usage),
            &|| format!("PodMetrics {ns}/{} container {} usage", m.metadata.name, c.name),
            warnings,
        ))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::source::kube::stream::{Event, ListDecoder};

    /// Items decoded with the field filter and without, in chunks of `chunk` bytes.
    fn both<T: serde::de::DeserializeOwned>(body: &str, kind: &str, chunk: usize) -> (Vec<T>, Vec<T>) {
        let run = |filtered: bool| {
            let mut d = ListDecoder::new(kind);
            if filtered {
                d = d.keeping(kept_fields(kind).unwrap());
            }
            let mut items = Vec::new();
            let mut on = |e: Event<T>| {
                if let Event::Item(t) = e {
                    items.push(t);
                }
                Ok(())
            };
            for c in body.as_bytes().chunks(chunk) {
                d.feed(c, &mut on).unwrap();
            }
            d.finish(&mut on).unwrap();
            items
        };
        (run(true), run(false))
    }

    const POD: &str = r#"{"metadata":{"name":"api-7d9f-x2","generateName":"api-7d9f-","namespace":"shop","uid":"u1",
      "resourceVersion":"42","creationTimestamp":"2026-12-01T10:00:00Z","labels":{"app":"api","pod-template-hash":"7d9f"},
      "annotations":{"note":"{\"a\":[1,2]}"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"api-7d9f",
      "uid":"u0","controller":true,"blockOwnerDeletion":true}],"managedFields":[{"manager":"kube-controller-manager",
      "operation":"Update","apiVersion":"v1","time":"2026-12-01T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":
      {"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"api\"}":{".":{},"f:resources":{}}}}}}]},
      "spec":{"volumes":[{"name":"kube-api-access","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,
      "path":"token"}}],"defaultMode":420}}],"initContainers":[{"name":"migrate","image":"m:1","resources":{"requests":
      {"cpu":"200m","memory":"300Mi"}}},{"name":"proxy","image":"p:1","restartPolicy":"Always","resources":{"requests":
      {"cpu":"50m","memory":"64Mi"},"limits":{"memory":"128Mi"}}}],"containers":[{"name":"api","image":"api:2","ports":
      [{"containerPort":8080,"protocol":"TCP"}],"env":[{"name":"A","value":"x\\y"}],"resources":{"limits":{"cpu":"1",
      "memory":"512Mi"},"requests":{"cpu":"250m","memory":"256Mi","ephemeral-storage":"1Gi"}},"restartPolicy":null}],
      "overhead":{"cpu":"10m","memory":"20Mi"},"nodeName":"worker-1","schedulerName":"default-scheduler","priority":0},
      "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"hostIP":"10.0.0.2","podIP":"10.42.0.9",
      "containerStatuses":[{"name":"api","ready":true,"restartCount":3,"image":"api:2","started":true,
      "state":{"running":{"startedAt":"2026-12-01T10:00:05Z"}}}],"qosClass":"Burstable"}}"#;

    const NODE: &str = r#"{"metadata":{"name":"worker-1","labels":{"node-role.kubernetes.io/worker":"","kubernetes.io/os":"linux"},
      "managedFields":[{"manager":"kubelet","fieldsV1":{"f:status":{"f:images":{}}}}]},"spec":{"podCIDR":"10.42.0.0/24",
      "unschedulable":true,"taints":[{"key":"dedicated","value":"db","effect":"NoSchedule"}]},"status":{"capacity":
      {"cpu":"4","memory":"8029972Ki","pods":"110","ephemeral-storage":"100Gi"},"allocatable":{"cpu":"3800m","memory":
      "7500Mi","pods":"110"},"conditions":[{"type":"MemoryPressure","status":"False","reason":"KubeletHasSufficientMemory",
      "lastHeartbeatTime":"2026-12-01T10:00:00Z"},{"type":"Ready","status":"True","message":"kubelet is ready"}],
      "images":[{"names":["docker.io/library/api@sha256:abc","docker.io/library/api:2"],"sizeBytes":123456789}],
      "nodeInfo":{"kubeletVersion":"v1.31.4+k3s1"}}}"#;

    const METRICS: &str = r#"{"metadata":{"name":"api-7d9f-x2","namespace":"shop","creationTimestamp":"2026-12-01T10:00:00Z",
      "labels":{"app":"api"}},"timestamp":"2026-12-01T10:00:00Z","window":"15.01s","containers":[{"name":"api","usage":
      {"cpu":"12345678n","memory":"200Mi"}},{"name":"proxy","usage":{"cpu":"1m","memory":"20480Ki"}}],"usage":{"cpu":"7m","memory":"9Mi"}}"#;

    fn list(kind: &str, item: &str) -> String {
        format!(
            r#"{{"kind":"{kind}","apiVersion":"v1","metadata":{{"resourceVersion":"9"}},"items":[{item},{item}, {item}]}}"#
        )
    }

    #[test]
    fn filtered_items_convert_as_whole_ones() {
        for chunk in [7, 100, 1 << 20] {
            let (f, w) = both::<Pod>(&list("PodList", POD), "PodList", chunk);
            let conv = |ps: Vec<Pod>| {
                let mut warnings = Vec::new();
                let infos: Vec<PodInfo> = ps.into_iter().map(|p| pod_info(p, &mut warnings)).collect();
                (infos, warnings)
            };
            let (f, w) = (conv(f), conv(w));
            assert_eq!(f, w, "chunk {chunk}");
            let p = &f.0[0];
            assert_eq!(
                (p.namespace.as_str(), p.name.as_str(), p.node.as_deref()),
                ("shop", "api-7d9f-x2", Some("worker-1"))
            );
            // max(init 200m+50m, sidecar 50m + app 250m) + overhead 10m; memory likewise.
            assert_eq!(p.requests.cpu, Millicores(310));
            assert_eq!(p.requests.mem, Bytes((64 + 256 + 20) << 20));
            assert_eq!(f.0.len(), 3);

            let (f, w) = both::<Node>(&list("NodeList", NODE), "NodeList", chunk);
            let (f, w): (Vec<NodeInfo>, Vec<NodeInfo>) =
                (f.iter().map(node_info).collect(), w.iter().map(node_info).collect());
            assert_eq!(f, w);
            assert!(f[0].ready && f[0].unschedulable && f[0].taints.len() == 1 && f[0].roles == ["worker"]);
            assert_eq!(f[0].allocatable.cpu, Millicores(3800));

            let (f, w) = both::<Metrics>(&list("PodMetricsList", METRICS), "PodMetricsList", chunk);
            let mut warnings = Vec::new();
            let usage =
                |ms: &[Metrics], warnings: &mut Vec<String>| -> Vec<(Res, Result<Res, InvalidQuantity>)> {
                    ms.iter().map(|m| (pod_usage(m, warnings), node_usage(m))).collect()
                };
            assert_eq!(usage(&f, &mut warnings), usage(&w, &mut warnings));
            assert_eq!(usage(&f, &mut warnings)[0].0.mem, Bytes((200 << 20) + (20 << 20)));
            assert_eq!(warnings, Vec::<String>::new());
        }
    }

    #[test]
    fn the_filter_hands_serde_only_the_fields_read() {
        let mut out = Vec::new();
        assert_eq!(super::super::keep::filter(POD.as_bytes(), 0, &POD_FIELDS, &mut out), Ok(POD.len()));
        let out = String::from_utf8(out).unwrap();
        for gone in
            ["managedFields", "annotations", "volumes", "containerStatuses", "image", "env", "conditions"]
        {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
        for kept in
            ["\"restartPolicy\":\"Always\"", "\"ephemeral-storage\"", "\"overhead\"", "\"phase\":\"Running\""]
        {
            assert!(out.contains(kept), "{kept} not in {out}");
        }
        assert!(out.len() * 2 < POD.len(), "{} of {} bytes", out.len(), POD.len());
        // Of a metrics object, its name and namespace (the join key) and the usage: not the
        // pod's labels that metrics-server copies into it.
        let mut out = Vec::new();
        assert_eq!(
            super::super::keep::filter(METRICS.as_bytes(), 0, &METRICS_FIELDS, &mut out),
            Ok(METRICS.len())
        );
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.starts_with(
                r#"{"metadata":{"name":"api-7d9f-x2","namespace":"shop"},"containers":[{"name":"api""#
            ),
            "{out}"
        );
        assert!(!out.contains("labels") && !out.contains("window"), "{out}");
    }

    #[test]
    fn a_filtered_item_that_does_not_deserialize_gives_serde_error_on_what_was_sent() {
        let bad = r#"{"metadata":{"name":5,"managedFields":[]}}"#;
        let body = list("PodList", bad);
        let run = |filtered: bool| {
            let mut d = ListDecoder::new("PodList");
            if filtered {
                d = d.keeping(&POD_FIELDS);
            }
            let mut on = |_: Event<Pod>| Ok(());
            d.feed(body.as_bytes(), &mut on)
                .and_then(|()| d.finish(&mut on).map(|_| ()))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(run(true), run(false));
        assert!(
            run(true)
                .starts_with("items[0]: invalid type: integer `5`, expected a string at line 1 column 21"),
            "{}",
            run(true)
        );
    }
}
