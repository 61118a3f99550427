//! Kubernetes JSON (pod, node and metrics list bodies) through the streaming list decoder and
//! into core types never panics, whatever the server sends, however the body is chunked: the
//! first byte picks the kind, the second the chunk size, the rest is the body. A body decodes
//! the same (same items, or an error) whether it arrives in one piece or in chunks.
#![no_main]

use bizo_plan::source::kube::convert::{Metrics, Node, Pod, node_info, node_usage, pod_info, pod_usage};
use bizo_plan::source::kube::stream::{Event, ListDecoder};
use libfuzzer_sys::fuzz_target;

/// Decodes `body` in chunks of `chunk` bytes; the items' JSON texts, or the error's text.
fn decode(body: &[u8], kind: &str, chunk: usize, convert: &mut dyn FnMut(&[u8])) -> Result<Vec<Vec<u8>>, String> {
    let mut d = ListDecoder::new(kind);
    let mut items = Vec::new();
    for c in body.chunks(chunk.max(1)) {
        d.feed(c, &mut |e| {
            if let Event::Item(b) = e {
                convert(b);
                items.push(b.to_vec());
            }
            Ok(())
        })
        .map_err(|e| e.to_string())?;
    }
    d.finish().map_err(|e| e.to_string())?;
    Ok(items)
}

fuzz_target!(|data: &[u8]| {
    let [kind, chunk, body @ ..] = data else { return };
    let mut warnings = Vec::new();
    let mut convert = |b: &[u8]| match kind % 3 {
        0 => {
            if let Ok(p) = serde_json::from_slice::<Pod>(b) {
                drop(pod_info(p, &mut warnings));
            }
        }
        1 => {
            if let Ok(n) = serde_json::from_slice::<Node>(b) {
                drop(node_info(&n));
            }
        }
        _ => {
            if let Ok(m) = serde_json::from_slice::<Metrics>(b) {
                let _ = (node_usage(&m), pod_usage(&m, &mut warnings));
            }
        }
    };
    let list = ["PodList", "NodeList", "PodMetricsList"][usize::from(kind % 3)];
    let chunked = decode(body, list, usize::from(*chunk) + 1, &mut convert);
    let whole = decode(body, list, body.len(), &mut |_| {});
    assert_eq!(chunked.is_ok(), whole.is_ok(), "{chunked:?} vs {whole:?}");
    if let (Ok(a), Ok(b)) = (&chunked, &whole) {
        assert_eq!(a, b);
    }
});
