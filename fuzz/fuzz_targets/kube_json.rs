//! Kubernetes JSON (pod, node and metrics list bodies) through the streaming list decoder and
//! into core types never panics, whatever the server sends, however the body is chunked: the
//! first byte picks the kind, the second the chunk size, the rest is the body. A body decodes
//! the same (same items, or an error) whether it arrives in one piece or in chunks.
#![no_main]

use bizo_plan::source::kube::convert::{Metrics, Node, Pod, node_info, node_usage, pod_info, pod_usage};
use bizo_plan::source::kube::stream::{Event, ListDecoder};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;

/// Decodes `body` in chunks of `chunk` bytes into `T`s, each handed to `each`.
fn decode<T: DeserializeOwned>(body: &[u8], kind: &str, chunk: usize, each: &mut dyn FnMut(T)) -> Result<u64, String> {
    let mut d = ListDecoder::new(kind);
    let mut on = |e: Event<T>| {
        if let Event::Item(t) = e {
            each(t);
        }
        Ok(())
    };
    for c in body.chunks(chunk.max(1)) {
        d.feed(c, &mut on).map_err(|e| e.to_string())?;
    }
    d.finish(&mut on).map(|s| s.items).map_err(|e| e.to_string())
}

fuzz_target!(|data: &[u8]| {
    let [kind, chunk, body @ ..] = data else { return };
    let chunk = usize::from(*chunk) + 1;
    let mut warnings = Vec::new();
    let list = ["PodList", "NodeList", "PodMetricsList"][usize::from(kind % 3)];
    match kind % 3 {
        0 => drop(decode::<Pod>(body, list, chunk, &mut |p| drop(pod_info(p, &mut warnings)))),
        1 => drop(decode::<Node>(body, list, chunk, &mut |n| drop(node_info(&n)))),
        _ => drop(decode::<Metrics>(body, list, chunk, &mut |m| {
            let _ = (node_usage(&m), pod_usage(&m, &mut warnings));
        })),
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let chunked = decode::<serde_json::Value>(body, list, chunk, &mut |v| a.push(v));
    let whole = decode::<serde_json::Value>(body, list, body.len(), &mut |v| b.push(v));
    assert_eq!(chunked.is_ok(), whole.is_ok(), "{chunked:?} vs {whole:?}");
    if chunked.is_ok() {
        assert_eq!(a, b);
    }
});
