//! The profile loader never panics; a profile it accepts can be planned without panicking.
#![no_main]

use bizo_plan::core::check::{Baseline, Gates, check};
use bizo_plan::model::quantity::{Bytes, Millicores};
use bizo_plan::source::files::parse_profile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(profile) = parse_profile(text, "fuzz.yaml") else { return };
    let baseline = Baseline::from_record(&profile).unwrap_or_else(|| {
        Baseline::from_profile(&profile, Bytes(8 << 30), Some(Millicores(4000)))
    });
    let report = check(&profile, &baseline, &Gates::default(), None);
    let _ = serde_json::to_string(&report).expect("a report serializes");
});
