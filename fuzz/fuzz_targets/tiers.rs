//! The tier catalog loader never panics.
#![no_main]

use bizo_plan::source::files::parse_catalog;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse_catalog(text, "fuzz-tiers.yaml");
});
