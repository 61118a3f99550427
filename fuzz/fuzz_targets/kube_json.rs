//! Kubernetes JSON (pod, node and metrics list pages) into core types never panics, whatever
//! the server sends: the first byte picks the kind, the rest is the page.
#![no_main]

use bizo_plan::source::kube::convert::{List, Metrics, Node, Pod, node_info, node_usage, pod_info, pod_usage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, body)) = data.split_first() else { return };
    let mut warnings = Vec::new();
    match kind % 3 {
        0 => {
            if let Ok(page) = serde_json::from_slice::<List<Pod>>(body) {
                page.items.iter().for_each(|p| drop(pod_info(p, &mut warnings)));
            }
        }
        1 => {
            if let Ok(page) = serde_json::from_slice::<List<Node>>(body) {
                page.items.iter().for_each(|n| drop(node_info(n, &mut warnings)));
            }
        }
        _ => {
            if let Ok(page) = serde_json::from_slice::<List<Metrics>>(body) {
                for m in &page.items {
                    let _ = (node_usage(m, &mut warnings), pod_usage(m, &mut warnings));
                }
            }
        }
    }
});
