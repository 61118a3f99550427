//! Report figures: an exact integer plus its display string, so machine output carries the
//! exact value and people read the short form.

use serde::Serialize;

use crate::model::quantity::{Bytes, Millicores, human_bytes_signed};
use crate::model::ratio::Ratio;

/// Memory: exact bytes and a binary-unit display (`930Mi`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemFig {
    /// Exact bytes.
    pub bytes: u64,
    /// Human form.
    pub display: String,
}

impl From<Bytes> for MemFig {
    fn from(b: Bytes) -> Self {
        MemFig { bytes: b.0, display: b.human() }
    }
}

/// Memory that may be negative (a shortfall).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedMemFig {
    /// Exact bytes, negative for a shortfall.
    pub bytes: i64,
    /// Human form with a sign when negative.
    pub display: String,
}

impl From<i128> for SignedMemFig {
    fn from(v: i128) -> Self {
        let clamped = v.clamp(i128::from(i64::MIN), i128::from(i64::MAX));
        SignedMemFig { bytes: clamped as i64, display: human_bytes_signed(clamped) }
    }
}

/// CPU: exact millicores and a display (`600m`, `1.5`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CpuFig {
    /// Exact millicores.
    pub millicores: u64,
    /// Human form.
    pub display: String,
}

impl From<Millicores> for CpuFig {
    fn from(m: Millicores) -> Self {
        CpuFig { millicores: m.0, display: m.human() }
    }
}

/// A percentage: exact basis points and a display (`75.61%`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PctFig {
    /// Basis points (1/100 of a percent), rounded half up.
    pub basis_points: u64,
    /// Human form.
    pub display: String,
}

impl From<Ratio> for PctFig {
    fn from(r: Ratio) -> Self {
        PctFig { basis_points: r.0, display: r.percent_string() }
    }
}
