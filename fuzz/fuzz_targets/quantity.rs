//! The quantity parser never panics; what it accepts prints back to the same value.
#![no_main]

use bizo_plan::model::quantity::{Bytes, Millicores, Quantity};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(q) = Quantity::parse(s) {
        let _ = (q.value(), q.milli_value());
        let c = q.canonical();
        let again = Quantity::parse(&c).unwrap_or_else(|e| panic!("{s:?} -> {c:?} does not parse: {e}"));
        assert_eq!(again.nanos(), q.nanos(), "{s:?} -> {c:?}");
    }
    if let Ok(b) = Bytes::parse(s) {
        let _ = b.human();
        assert_eq!(Bytes::parse(&b.to_k8s()).ok(), Some(b), "{s:?}");
    }
    if let Ok(m) = Millicores::parse(s) {
        let _ = m.human();
        assert_eq!(Millicores::parse(&m.to_k8s()).ok(), Some(m), "{s:?}");
    }
});
