//! Fixed-point ratios: percentages and multipliers as integer basis points.
//!
//! `Ratio(7000)` is 70 % (or a multiplier of 0.7); `Ratio(15000)` is 150 % (a multiplier of
//! 1.5). Parsing is exact decimal arithmetic on the text; nothing here uses floating point.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Basis points in one whole (100 %).
pub const ONE: u64 = 10_000;

/// A non-negative ratio in basis points (1/10 000).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ratio(pub u64);

/// Why a ratio could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {input:?}: {reason}")]
pub struct RatioError {
    /// "percentage" or "multiplier".
    pub what: &'static str,
    /// The text as given.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl Ratio {
    /// A percentage given as whole percent (`Ratio::percent(70)` is 70 %).
    pub const fn percent(p: u64) -> Ratio {
        Ratio(p * 100)
    }

    /// Parses a percentage such as `70`, `12.5` or `75.61%` (at most two decimals).
    pub fn parse_percent(s: &str) -> Result<Ratio, RatioError> {
        let t = s.strip_suffix('%').unwrap_or(s);
        parse_fixed(t, 2).map(Ratio).map_err(|reason| RatioError {
            what: "percentage",
            input: s.to_string(),
            reason,
        })
    }

    /// Parses a multiplier such as `1.5`, `2` or `1.25x` (at most four decimals).
    pub fn parse_multiplier(s: &str) -> Result<Ratio, RatioError> {
        let t = s.strip_suffix('x').unwrap_or(s);
        parse_fixed(t, 4).map(Ratio).map_err(|reason| RatioError {
            what: "multiplier",
            input: s.to_string(),
            reason,
        })
    }

    /// `value * self`, rounded up to a whole unit (a planner never rounds demand down).
    pub fn apply_ceil(self, value: u64) -> u64 {
        let p = u128::from(value) * u128::from(self.0);
        u64::try_from(p.div_ceil(u128::from(ONE))).unwrap_or(u64::MAX)
    }

    /// `value * self`, rounded down (used for limits: a limit is never rounded up).
    pub fn apply_floor(self, value: u64) -> u64 {
        let p = u128::from(value) * u128::from(self.0);
        u64::try_from(p / u128::from(ONE)).unwrap_or(u64::MAX)
    }

    /// `part / whole` in basis points, rounded to the nearest basis point (half up).
    /// `None` when `whole` is zero.
    pub fn of(part: u64, whole: u64) -> Option<Ratio> {
        if whole == 0 {
            return None;
        }
        let n = u128::from(part) * u128::from(ONE) * 2 + u128::from(whole);
        let d = u128::from(whole) * 2;
        Some(Ratio(u64::try_from(n / d).unwrap_or(u64::MAX)))
    }

    /// Exact comparison `part / whole >= self` without rounding. False when `whole` is zero.
    pub fn is_reached_by(self, part: u64, whole: u64) -> bool {
        whole != 0 && u128::from(part) * u128::from(ONE) >= u128::from(self.0) * u128::from(whole)
    }

    /// Exact comparison `part / whole > self` without rounding. True when `whole` is zero and
    /// `part` is not (anything is above a share of nothing).
    pub fn is_exceeded_by(self, part: u64, whole: u64) -> bool {
        u128::from(part) * u128::from(ONE) > u128::from(self.0) * u128::from(whole)
    }

    /// Display as a percentage with two decimals trimmed: `70%`, `12.5%`, `75.61%`.
    pub fn percent_string(self) -> String {
        format!("{}%", trim_fixed(self.0, 2))
    }

    /// Display as a multiplier: `1.5x`.
    pub fn multiplier_string(self) -> String {
        format!("{}x", trim_fixed(self.0, 4))
    }
}

/// Formats `v / 10^(4-decimals... )`: basis points shown with `decimals` fractional digits
/// relative to the unit implied (2 for percent, 4 for a multiplier), trailing zeros trimmed.
fn trim_fixed(bp: u64, decimals: u32) -> String {
    // For percent, 1 % = 100 bp; for a multiplier, 1x = 10 000 bp.
    let scale = 10u64.pow(decimals);
    let int = bp / scale;
    let frac = bp % scale;
    if frac == 0 {
        return int.to_string();
    }
    let s = format!("{frac:0width$}", width = decimals as usize);
    format!("{int}.{}", s.trim_end_matches('0'))
}

/// Parses a non-negative decimal with at most `decimals` fractional digits into an integer
/// scaled by `10^decimals`.
fn parse_fixed(s: &str, decimals: u32) -> Result<u64, String> {
    if s.is_empty() {
        return Err("it is empty".into());
    }
    if s.starts_with('-') {
        return Err("it must not be negative".into());
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return Err("expected a plain decimal number such as 70 or 12.5".into());
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > decimals as usize {
        return Err(format!("at most {decimals} decimal places are supported"));
    }
    let mut v: u64 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        v = v.checked_mul(10).and_then(|v| v.checked_add(u64::from(b - b'0'))).ok_or("it is out of range")?;
    }
    for _ in frac.len()..decimals as usize {
        v = v.checked_mul(10).ok_or("it is out of range")?;
    }
    Ok(v)
}

/// Serde helpers: a percentage field (`70`, `12.5`, `"70%"`).
pub mod percent {
    use super::*;

    /// Deserializes a percentage.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Ratio, D::Error> {
        d.deserialize_any(RatioVisitor { multiplier: false })
    }

    /// Serializes a percentage: a whole number as an integer (`70`), else as decimal text
    /// (`"12.5"`), so it reads back exactly.
    pub fn serialize<S: Serializer>(r: &Ratio, s: S) -> Result<S::Ok, S::Error> {
        serialize_fixed(r.0, 2, s)
    }
}

/// Serde helpers: a multiplier field (`1.5`, `"1.5x"`).
pub mod multiplier {
    use super::*;

    /// Deserializes a multiplier.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Ratio, D::Error> {
        d.deserialize_any(RatioVisitor { multiplier: true })
    }

    /// Serializes a multiplier: `2` or `"1.5"`.
    pub fn serialize<S: Serializer>(r: &Ratio, s: S) -> Result<S::Ok, S::Error> {
        serialize_fixed(r.0, 4, s)
    }
}

fn serialize_fixed<S: Serializer>(bp: u64, decimals: u32, s: S) -> Result<S::Ok, S::Error> {
    let scale = 10u64.pow(decimals);
    if bp.is_multiple_of(scale) {
        s.serialize_u64(bp / scale)
    } else {
        s.serialize_str(&trim_fixed(bp, decimals))
    }
}

struct RatioVisitor {
    multiplier: bool,
}

impl RatioVisitor {
    fn parse<E: de::Error>(&self, s: &str) -> Result<Ratio, E> {
        let r = if self.multiplier { Ratio::parse_multiplier(s) } else { Ratio::parse_percent(s) };
        r.map_err(E::custom)
    }
}

impl Visitor<'_> for RatioVisitor {
    type Value = Ratio;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.multiplier {
            f.write_str("a multiplier such as 1.5")
        } else {
            f.write_str("a percentage such as 70 or 12.5")
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Ratio, E> {
        self.parse(&v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Ratio, E> {
        self.parse(&v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Ratio, E> {
        // `{}` prints the shortest text that reads back as the same f64 (12.5 -> "12.5"), so
        // the exact decimal the user wrote is recovered and parsed without float arithmetic.
        self.parse(&format!("{v}"))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Ratio, E> {
        self.parse(v)
    }
}

impl Serialize for Ratio {
    /// Serialized as the integer number of basis points.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for Ratio {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Ratio, D::Error> {
        percent::deserialize(d)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_percentages_exactly() {
        assert_eq!(Ratio::parse_percent("70").unwrap(), Ratio(7000));
        assert_eq!(Ratio::parse_percent("12.5").unwrap(), Ratio(1250));
        assert_eq!(Ratio::parse_percent("75.61%").unwrap(), Ratio(7561));
        assert_eq!(Ratio::parse_percent("0").unwrap(), Ratio(0));
        assert_eq!(Ratio::parse_percent("100.00").unwrap(), Ratio(10000));
        assert_eq!(Ratio::parse_percent(".5").unwrap(), Ratio(50));
    }

    #[test]
    fn rejects_bad_percentages_with_reasons() {
        let e = Ratio::parse_percent("12.345").unwrap_err();
        assert_eq!(e.to_string(), "invalid percentage \"12.345\": at most 2 decimal places are supported");
        let e = Ratio::parse_percent("-5").unwrap_err();
        assert_eq!(e.to_string(), "invalid percentage \"-5\": it must not be negative");
        assert!(Ratio::parse_percent("seventy").is_err());
        assert!(Ratio::parse_percent("").is_err());
        assert!(Ratio::parse_percent(".").is_err());
        assert!(Ratio::parse_percent("99999999999999999999").is_err());
    }

    #[test]
    fn multipliers() {
        assert_eq!(Ratio::parse_multiplier("1.5").unwrap(), Ratio(15000));
        assert_eq!(Ratio::parse_multiplier("2x").unwrap(), Ratio(20000));
        assert_eq!(Ratio(15000).multiplier_string(), "1.5x");
        assert_eq!(Ratio(12500).multiplier_string(), "1.25x");
    }

    #[test]
    fn apply_and_of() {
        assert_eq!(Ratio::percent(70).apply_floor(1000), 700);
        assert_eq!(Ratio(15000).apply_ceil(3), 5); // 4.5 rounds up
        assert_eq!(Ratio(15000).apply_floor(3), 4);
        // 6251610112 / 8267812045 = 0.756136...
        assert_eq!(Ratio::of(6_251_610_112, 8_267_812_045), Some(Ratio(7561)));
        assert_eq!(Ratio::of(1, 0), None);
        assert_eq!(Ratio::of(1, 3), Some(Ratio(3333)));
        assert_eq!(Ratio::of(2, 3), Some(Ratio(6667)));
    }

    #[test]
    fn exact_threshold_comparison() {
        // 7000 of 10000 is exactly 70 %: reached.
        assert!(Ratio::percent(70).is_reached_by(7000, 10000));
        assert!(!Ratio::percent(70).is_reached_by(6999, 10000));
        // 69.999...% rounds to 70.00% for display but does not reach the threshold.
        assert!(!Ratio::percent(70).is_reached_by(699_999, 1_000_000 + 1));
        assert!(!Ratio::percent(70).is_reached_by(5, 0));
        // Strictly above, for --max-used style gates.
        assert!(!Ratio::percent(70).is_exceeded_by(7000, 10000));
        assert!(Ratio::percent(70).is_exceeded_by(7001, 10000));
        assert!(Ratio::percent(70).is_exceeded_by(1, 0));
    }

    #[test]
    fn display() {
        assert_eq!(Ratio(7000).percent_string(), "70%");
        assert_eq!(Ratio(1250).percent_string(), "12.5%");
        assert_eq!(Ratio(7561).percent_string(), "75.61%");
        assert_eq!(Ratio(5).percent_string(), "0.05%");
    }

    #[test]
    fn serde_accepts_ints_floats_and_strings() {
        let r: Ratio = serde_json::from_str("70").unwrap();
        assert_eq!(r, Ratio(7000));
        let r: Ratio = serde_json::from_str("12.5").unwrap();
        assert_eq!(r, Ratio(1250));
        let r: Ratio = serde_json::from_str("\"75.61%\"").unwrap();
        assert_eq!(r, Ratio(7561));
        let e = serde_json::from_str::<Ratio>("-3").unwrap_err().to_string();
        assert!(e.contains("must not be negative"), "{e}");
    }
}
