//! Kubernetes JSON (pod, node and metrics list bodies) through the streaming list decoder and
//! into core types never panics, whatever the server sends, however the body is chunked: the
//! first byte picks the kind, the second the chunk size, the rest is the body. A body decodes
//! the same (same items, or an error) whether it arrives in one piece or in chunks, and a body
//! that decodes without the field filter decodes with it into the same core figures.
#![no_main]

use bizo_plan::source::kube::convert::{
    Metrics, Node, Pod, kept_fields, node_info, node_usage, pod_info, pod_usage,
};
use bizo_plan::source::kube::stream::{Event, ListDecoder};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;

/// Decodes `body` in chunks of `chunk` bytes into `T`s, each handed to `each`.
fn decode<T: DeserializeOwned>(body: &[u8], kind: &str, chunk: usize, each: &mut dyn FnMut(T)) -> Result<u64, String> {
    decode_with(body, kind, chunk, false, each)
}

/// [`decode`], with the field filter for `kind` when `filtered`.
fn decode_with<T: DeserializeOwned>(
    body: &[u8],
    kind: &str,
    chunk: usize,
    filtered: bool,
    each: &mut dyn FnMut(T),
) -> Result<u64, String> {
    let mut d = ListDecoder::new(kind);
    if filtered && let Some(rule) = kept_fields(kind) {
        d = d.keeping(rule);
    }
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
    let list = ["PodList", "NodeList", "PodMetricsList"][usize::from(kind % 3)];
    // The core figures of every item (Debug text), unfiltered and filtered (in chunks).
    let figures = |filtered: bool, chunk: usize| {
        let mut warnings = Vec::new();
        let mut out = Vec::new();
        let r = match kind % 3 {
            0 => decode_with::<Pod>(body, list, chunk, filtered, &mut |p| out.push(format!("{:?}", pod_info(p, &mut warnings)))),
            1 => decode_with::<Node>(body, list, chunk, filtered, &mut |n| out.push(format!("{:?}", node_info(&n)))),
            _ => decode_with::<Metrics>(body, list, chunk, filtered, &mut |m| {
                out.push(format!("{:?}", (node_usage(&m), pod_usage(&m, &mut warnings))))
            }),
        };
        (r.map(|_| out), warnings)
    };
    let whole = figures(false, body.len());
    let filtered = figures(true, chunk);
    // Filtered, malformed JSON inside a skipped field may pass; what passes whole passes
    // filtered, with the same figures and warnings.
    if whole.0.is_ok() {
        assert_eq!(whole, filtered);
    }
    // Filtered, the chunking changes nothing either.
    let in_one = figures(true, body.len());
    assert_eq!(filtered.0.is_ok(), in_one.0.is_ok(), "{filtered:?} vs {in_one:?}");
    if filtered.0.is_ok() {
        assert_eq!(filtered, in_one);
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let chunked = decode::<serde_json::Value>(body, list, chunk, &mut |v| a.push(v));
    let whole = decode::<serde_json::Value>(body, list, body.len(), &mut |v| b.push(v));
    assert_eq!(chunked.is_ok(), whole.is_ok(), "{chunked:?} vs {whole:?}");
    if chunked.is_ok() {
        assert_eq!(a, b);
    }
});
