//! Report figures: an exact integer plus its display string, so machine output carries the
//! exact value and people read the short form.

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::model::quantity::{Bytes, Millicores, human_bytes_signed};
use crate::model::ratio::Ratio;

// Each figure holds its number only; the display string is made from it when it is shown or
// serialized (a report of 5,000 nodes holds 60,000 figures: 8 bytes each, not 8 plus a string).

/// Serializes `{<number field>: n, "display": text}`.
fn two_fields<S: Serializer, N: Serialize>(
    s: S,
    name: &'static str,
    field: &'static str,
    n: N,
    display: String,
) -> Result<S::Ok, S::Error> {
    let mut st = s.serialize_struct(name, 2)?;
    st.serialize_field(field, &n)?;
    st.serialize_field("display", &display)?;
    st.end()
}

/// Memory: exact bytes and a binary-unit display (`930Mi`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemFig {
    /// Exact bytes.
    pub bytes: u64,
}

impl MemFig {
    /// Human form.
    pub fn display(&self) -> String {
        Bytes(self.bytes).human()
    }
}

impl Serialize for MemFig {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        two_fields(s, "MemFig", "bytes", self.bytes, self.display())
    }
}

impl From<Bytes> for MemFig {
    fn from(b: Bytes) -> Self {
        MemFig { bytes: b.0 }
    }
}

/// Memory that may be negative (a shortfall).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedMemFig {
    /// Exact bytes, negative for a shortfall.
    pub bytes: i64,
}

impl SignedMemFig {
    /// Human form with a sign when negative.
    pub fn display(&self) -> String {
        human_bytes_signed(i128::from(self.bytes))
    }
}

impl Serialize for SignedMemFig {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        two_fields(s, "SignedMemFig", "bytes", self.bytes, self.display())
    }
}

impl From<i128> for SignedMemFig {
    fn from(v: i128) -> Self {
        let clamped = v.clamp(i128::from(i64::MIN), i128::from(i64::MAX));
        SignedMemFig { bytes: clamped as i64 }
    }
}

/// CPU: exact millicores and a display (`600m`, `1.5`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuFig {
    /// Exact millicores.
    pub millicores: u64,
}

impl CpuFig {
    /// Human form.
    pub fn display(&self) -> String {
        Millicores(self.millicores).human()
    }
}

impl Serialize for CpuFig {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        two_fields(s, "CpuFig", "millicores", self.millicores, self.display())
    }
}

impl From<Millicores> for CpuFig {
    fn from(m: Millicores) -> Self {
        CpuFig { millicores: m.0 }
    }
}

/// A percentage: exact basis points and a display (`75.61%`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PctFig {
    /// Basis points (1/100 of a percent), rounded half up.
    pub basis_points: u64,
}

impl PctFig {
    /// Human form.
    pub fn display(&self) -> String {
        Ratio(self.basis_points).percent_string()
    }
}

impl Serialize for PctFig {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        two_fields(s, "PctFig", "basisPoints", self.basis_points, self.display())
    }
}

impl From<Ratio> for PctFig {
    fn from(r: Ratio) -> Self {
        PctFig { basis_points: r.0 }
    }
}
