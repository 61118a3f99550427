//! Report figures: an exact integer, serialized with its display string, so machine output
//! carries the exact value and people read the short form.

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::model::quantity::{Bytes, Millicores, human_bytes_signed};
use crate::model::ratio::Ratio;

// Each figure holds its number only; the display string is made from it when it is shown or
// serialized (a report of 5,000 nodes holds 60,000 figures: 8 bytes each, not 8 plus a string).

/// A figure type: the struct with its one number field, `display()` made by `$show`, and a
/// Serialize of `{<json name>: n, "display": text}`.
macro_rules! figure {
    ($(#[$doc:meta])* $name:ident { $(#[$fdoc:meta])* $field:ident: $ty:ty, $json:literal } $show:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            $(#[$fdoc])*
            pub $field: $ty,
        }

        impl $name {
            /// Human form.
            pub fn display(&self) -> String {
                let show: fn($ty) -> String = $show;
                show(self.$field)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut st = s.serialize_struct(stringify!($name), 2)?;
                st.serialize_field($json, &self.$field)?;
                st.serialize_field("display", &self.display())?;
                st.end()
            }
        }
    };
}

figure! {
    /// Memory: exact bytes and a binary-unit display (`930Mi`).
    MemFig {
        /// Exact bytes.
        bytes: u64, "bytes"
    }
    |b| Bytes(b).human()
}

impl From<Bytes> for MemFig {
    fn from(b: Bytes) -> Self {
        MemFig { bytes: b.0 }
    }
}

figure! {
    /// Memory that may be negative (a shortfall); the display has a sign when negative.
    SignedMemFig {
        /// Exact bytes, negative for a shortfall.
        bytes: i64, "bytes"
    }
    |b| human_bytes_signed(i128::from(b))
}

impl From<i128> for SignedMemFig {
    fn from(v: i128) -> Self {
        let clamped = v.clamp(i128::from(i64::MIN), i128::from(i64::MAX));
        SignedMemFig { bytes: clamped as i64 }
    }
}

figure! {
    /// CPU: exact millicores and a display (`600m`, `1.5`).
    CpuFig {
        /// Exact millicores.
        millicores: u64, "millicores"
    }
    |m| Millicores(m).human()
}

impl From<Millicores> for CpuFig {
    fn from(m: Millicores) -> Self {
        CpuFig { millicores: m.0 }
    }
}

figure! {
    /// A percentage: exact basis points and a display (`75.61%`).
    PctFig {
        /// Basis points (1/100 of a percent), rounded half up.
        basis_points: u64, "basisPoints"
    }
    |bp| Ratio(bp).percent_string()
}

impl From<Ratio> for PctFig {
    fn from(r: Ratio) -> Self {
        PctFig { basis_points: r.0 }
    }
}
