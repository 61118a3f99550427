//! One pod-to-service matcher for every path (issue 13): live pods from the API server and pods
//! seen in Prometheus go through the same rules, so a pod lands on the same service in both.
//!
//! What is known about a pod differs: the API server gives its owner and labels; Prometheus'
//! cAdvisor series only its namespace and name, and kube-state-metrics (`kube_pod_owner`,
//! `kube_replicaset_owner`, `kube_pod_labels`) may add owner and labels. The rules, in order:
//!
//! 1. **Workload**: a service's `workload: Kind/name` is the pod's top owner.
//! 2. **Selector**: every label of the service's `selector` is on the pod.
//! 3. **Name**: for a service with neither, the owner's name, or the pod's `app` or
//!    `app.kubernetes.io/name` label, is the service's name.
//!
//! (the first service in profile order wins within a rule, within its `namespace` when given).
//! When the owner is not known, the pod's **name** stands in for it ([`is_pod_of`]): the pod is
//! the workload's if its name is the workload name plus the suffix that workload kind's
//! controller generates; the longest matching name wins, then a service with a namespace.

use std::collections::BTreeMap;

use super::profile::{Profile, Service};

/// What is known of a pod.
#[derive(Debug, Clone, Copy)]
pub struct PodFacts<'a> {
    /// Namespace.
    pub namespace: &'a str,
    /// Pod name.
    pub name: &'a str,
    /// Top owner workload (kind, name), when known.
    pub owner: Option<(&'a str, &'a str)>,
    /// Labels, when known.
    pub labels: Option<&'a BTreeMap<String, String>>,
    /// The label keys are kube-state-metrics' (`label_app_kubernetes_io_name`): selectors are
    /// compared in that form.
    pub sanitized_labels: bool,
}

/// Which rule matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchedBy {
    /// The service's `workload` is the pod's owner.
    Workload,
    /// The service's `selector` labels are on the pod.
    Selector,
    /// The owner's name or the `app` label is the service name.
    Name,
    /// No owner known: the pod name is the workload's name plus a controller suffix.
    PodName,
}

/// kube-state-metrics' form of a label key: `label_` and every character that is not a
/// letter, digit or `_` as `_` (`app.kubernetes.io/name` → `label_app_kubernetes_io_name`).
pub fn sanitized_label(key: &str) -> String {
    let mut s = String::with_capacity(key.len() + 6);
    s.push_str("label_");
    s.extend(key.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }));
    s
}

fn in_namespace(s: &Service, ns: &str) -> bool {
    !s.never_live && s.namespace.as_deref().is_none_or(|n| n == ns)
}

/// The profile service a pod belongs to, and by which rule.
pub fn match_pod(profile: &Profile, pod: &PodFacts) -> Option<(usize, MatchedBy)> {
    let label = |k: &str| -> Option<&str> {
        let labels = pod.labels?;
        if pod.sanitized_labels {
            labels.get(&sanitized_label(k)).map(String::as_str)
        } else {
            labels.get(k).map(String::as_str)
        }
    };
    let Some((kind, owner)) = pod.owner else {
        // Selectors still apply when labels are known.
        if pod.labels.is_some() {
            for (i, s) in profile.services.iter().enumerate() {
                if in_namespace(s, pod.namespace)
                    && !s.selector.is_empty()
                    && s.selector.iter().all(|(k, v)| label(k) == Some(v))
                {
                    return Some((i, MatchedBy::Selector));
                }
            }
        }
        return by_pod_name(profile, pod.namespace, pod.name).map(|i| (i, MatchedBy::PodName));
    };
    for (i, s) in profile.services.iter().enumerate() {
        if !in_namespace(s, pod.namespace) {
            continue;
        }
        if s.workload.as_deref().is_some_and(|w| w.split_once('/') == Some((kind, owner))) {
            return Some((i, MatchedBy::Workload));
        }
        if !s.selector.is_empty()
            && pod.labels.is_some()
            && s.selector.iter().all(|(k, v)| label(k) == Some(v))
        {
            return Some((i, MatchedBy::Selector));
        }
    }
    for (i, s) in profile.services.iter().enumerate() {
        if !in_namespace(s, pod.namespace) || !s.selector.is_empty() || s.workload.is_some() {
            continue;
        }
        if owner == s.name
            || label("app") == Some(&s.name)
            || label("app.kubernetes.io/name") == Some(&s.name)
        {
            return Some((i, MatchedBy::Name));
        }
    }
    None
}

/// The alphabet of Kubernetes' generated name parts (`rand.String`, `SafeEncodeString`): no
/// vowels, no 0, 1 or 3, so that a word such as `gateway` never passes for a hash.
const K8S_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

fn generated(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| K8S_ALPHABET.contains(&b))
}

/// The 5-character random suffix of a generated pod name.
fn random5(s: &str) -> bool {
    generated(s, 5, 5)
}

/// `<pod-template-hash>-<random5>`: a Deployment's pod.
fn deployment_suffix(s: &str) -> bool {
    s.split_once('-').is_some_and(|(hash, r)| generated(hash, 1, 10) && random5(r))
}

/// `<ordinal>`: a StatefulSet's pod (`0`, `1`, `12`; no leading zeros).
fn ordinal_suffix(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

/// `<scheduled minutes>-<random5>`: a CronJob's job's pod.
fn cronjob_suffix(s: &str) -> bool {
    s.split_once('-')
        .is_some_and(|(t, r)| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) && random5(r))
}

/// Whether `pod` is a pod of the workload `base` of the given kind (any kind when `None`):
/// `base` itself, or `base-` followed by the suffix its controller generates.
pub fn is_pod_of(kind: Option<&str>, base: &str, pod: &str) -> bool {
    if pod == base {
        return true;
    }
    let Some(rest) = pod.strip_prefix(base).and_then(|r| r.strip_prefix('-')) else {
        return false;
    };
    match kind {
        Some("Deployment") => deployment_suffix(rest),
        Some("StatefulSet") => ordinal_suffix(rest),
        Some("DaemonSet" | "Job" | "ReplicaSet" | "ReplicationController") => random5(rest),
        Some("CronJob") => cronjob_suffix(rest),
        Some("Pod") => false,
        _ => deployment_suffix(rest) || ordinal_suffix(rest) || random5(rest) || cronjob_suffix(rest),
    }
}

/// The owner workload a pod name implies: `api-7d9f8b6c5d-x2x9z` → (Deployment, api),
/// `postgres-0` → (StatefulSet, postgres), `agent-x2x9z` → (DaemonSet or Job, agent),
/// `backup-29512345-x2x9z` → (CronJob, backup); else (Pod, the name). For workloads discovered
/// from Prometheus alone.
pub fn owner_from_pod_name(pod: &str) -> (&'static str, &str) {
    let parts: Vec<&str> = pod.rsplitn(3, '-').collect();
    match parts.as_slice() {
        [r, h, base] if random5(r) && generated(h, 1, 10) => ("Deployment", base),
        [r, t, base] if random5(r) && !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => {
            ("CronJob", base)
        }
        [last, ..] if ordinal_suffix(last) && pod.len() > last.len() + 1 => {
            ("StatefulSet", &pod[..pod.len() - last.len() - 1])
        }
        [last, ..] if random5(last) && pod.len() > last.len() + 1 => {
            ("DaemonSet", &pod[..pod.len() - last.len() - 1])
        }
        _ => ("Pod", pod),
    }
}

/// The name rule alone: the service whose workload name (from `workload: Kind/name`, else its
/// name) the pod name is, or is followed by its controller's suffix; the longest name wins,
/// then a service with a `namespace` over one without, then profile order.
pub fn by_pod_name(profile: &Profile, namespace: &str, pod: &str) -> Option<usize> {
    let mut best: Option<((usize, bool), usize)> = None;
    for (i, s) in profile.services.iter().enumerate() {
        if !in_namespace(s, namespace) {
            continue;
        }
        let (kind, base) = workload_of(s);
        if !is_pod_of(kind, base, pod) {
            continue;
        }
        let key = (base.len(), s.namespace.is_some());
        if best.is_none_or(|(k, _)| key > k) {
            best = Some((key, i));
        }
    }
    best.map(|(_, i)| i)
}

/// The kind (if given) and name of a service's workload.
fn workload_of(s: &Service) -> (Option<&str>, &str) {
    match s.workload.as_deref() {
        Some(w) => match w.split_once('/') {
            Some((kind, name)) => (Some(kind), name),
            None => (None, w),
        },
        None => (None, s.name.as_str()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn profile(yaml: &str) -> Profile {
        crate::source::files::parse_profile(&format!("name: t\nservices:\n{yaml}"), "test").unwrap()
    }

    #[test]
    fn the_same_pod_lands_on_the_same_service_with_owner_or_name_only() {
        let p = profile(
            "  - {name: api, group: core, status: deployed, memory: {typical: 1Mi}}
  - {name: gateway, group: core, status: deployed, workload: Deployment/api-gateway, memory: {typical: 1Mi}}
  - {name: db, group: core, status: deployed, namespace: data, workload: StatefulSet/postgres, memory: {typical: 1Mi}}
  - {name: web, group: core, status: deployed, selector: {app.kubernetes.io/name: frontend}, memory: {typical: 1Mi}}
",
        );
        let name = |i: Option<(usize, MatchedBy)>| i.map(|(i, by)| (p.services[i].name.as_str(), by));
        let labels: BTreeMap<String, String> =
            [("app.kubernetes.io/name".to_string(), "frontend".to_string())].into();
        let ksm: BTreeMap<String, String> =
            [("label_app_kubernetes_io_name".to_string(), "frontend".to_string())].into();
        for (ns, pod, owner, lbl, sanitized, want) in [
            (
                "a",
                "api-gateway-7d9f8b6c5d-x2x9z",
                Some(("Deployment", "api-gateway")),
                None,
                false,
                ("gateway", MatchedBy::Workload),
            ),
            ("a", "api-gateway-7d9f8b6c5d-x2x9z", None, None, false, ("gateway", MatchedBy::PodName)),
            ("a", "api-7d9f8b6c5d-x2x9z", Some(("Deployment", "api")), None, false, ("api", MatchedBy::Name)),
            ("a", "api-7d9f8b6c5d-x2x9z", None, None, false, ("api", MatchedBy::PodName)),
            (
                "data",
                "postgres-1",
                Some(("StatefulSet", "postgres")),
                None,
                false,
                ("db", MatchedBy::Workload),
            ),
            ("data", "postgres-1", None, None, false, ("db", MatchedBy::PodName)),
            (
                "a",
                "frontend-5c8d7b9f4d-q2w4z",
                Some(("Deployment", "frontend")),
                Some(&labels),
                false,
                ("web", MatchedBy::Selector),
            ),
            (
                "a",
                "frontend-5c8d7b9f4d-q2w4z",
                Some(("Deployment", "frontend")),
                Some(&ksm),
                true,
                ("web", MatchedBy::Selector),
            ),
            ("a", "frontend-5c8d7b9f4d-q2w4z", None, Some(&ksm), true, ("web", MatchedBy::Selector)),
        ] {
            let f = PodFacts { namespace: ns, name: pod, owner, labels: lbl, sanitized_labels: sanitized };
            assert_eq!(name(match_pod(&p, &f)), Some(want), "{ns}/{pod} {owner:?}");
        }
        // A selector service is not found by name without labels; postgres only in data.
        let f = PodFacts {
            namespace: "x",
            name: "postgres-1",
            owner: None,
            labels: None,
            sanitized_labels: false,
        };
        assert_eq!(match_pod(&p, &f), None);
        assert_eq!(sanitized_label("app.kubernetes.io/name"), "label_app_kubernetes_io_name");
    }

    #[test]
    fn owners_from_pod_names() {
        assert_eq!(owner_from_pod_name("api-7d9f8b6c5d-x2x9z"), ("Deployment", "api"));
        assert_eq!(owner_from_pod_name("my-api-v2-7d9f8b6c5d-x2x9z"), ("Deployment", "my-api-v2"));
        assert_eq!(owner_from_pod_name("postgres-0"), ("StatefulSet", "postgres"));
        assert_eq!(owner_from_pod_name("agent-k8s2x"), ("DaemonSet", "agent"));
        assert_eq!(owner_from_pod_name("backup-29512345-x2x9z"), ("CronJob", "backup"));
        assert_eq!(owner_from_pod_name("lonely"), ("Pod", "lonely"));
        assert_eq!(owner_from_pod_name("api-gateway"), ("Pod", "api-gateway"));
    }
}
