//! Kubernetes `resource.Quantity` parsing, exact arithmetic and canonical printing.
//!
//! The grammar, rounding and canonical form follow `k8s.io/apimachinery/pkg/api/resource`
//! (see `shared/reference/quantity.md`). Everything is computed with integers: the parsed
//! number is kept as a decimal digit vector, scaled exactly, rounded up (away from zero) to a
//! whole nano and stored as `i128` nanos. No floating point is used anywhere.
//!
//! [`Bytes`] (memory) and [`Millicores`] (cpu) are the non-negative, whole-unit types the planner
//! works with; they parse from quantity strings and print in a short human form.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Nanos in one unit (1e9).
const NANOS_PER_UNIT: i128 = 1_000_000_000;
/// Nanos in one milli-unit (1e6).
const NANOS_PER_MILLI: i128 = 1_000_000;
/// BinarySI values are capped at 2^63-1 (whole units), as in Kubernetes.
const BINARY_CAP_NANOS: u128 = (i64::MAX as u128) * (NANOS_PER_UNIT as u128);
/// Exponents beyond this magnitude are saturated while parsing (far beyond any input length).
const EXPONENT_SATURATION: i128 = 1_000_000_000_000_000_000_000_000_000_000;
/// Binary suffixes indexed by power of 1024.
const BINARY_SUFFIXES: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
/// Human byte units indexed by power of 1024.
const HUMAN_BYTE_UNITS: [&str; 7] = ["B", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
/// Reason text for input that matches no part of the grammar.
const GENERIC_REASON: &str = "expected a number with an optional suffix (n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or an exponent such as e3)";

/// The notation a quantity was written in; reused when printing the canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Decimal SI suffixes (`n u m "" k M G T P E`), also bare numbers.
    DecimalSI,
    /// Binary suffixes (`Ki Mi Gi Ti Pi Ei`).
    BinarySI,
    /// Decimal exponent notation (`1e3`, `1.3E+6`).
    DecimalExponent,
}

/// An exactly parsed Kubernetes quantity: the value in nanos (units of 1e-9) plus its [`Format`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantity {
    nanos: i128,
    format: Format,
}

/// What kind of problem a [`QuantityError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuantityErrorKind {
    /// The input was the empty string.
    Empty,
    /// The input contained whitespace.
    Whitespace,
    /// A number followed by a suffix that looks like a misspelled unit (`1K`, `4GB`, `1gi`).
    UnknownSuffix,
    /// An `e`/`E` exponent without digits (`1e`, `1e+`).
    MissingExponentDigits,
    /// A hexadecimal number (`0x10`).
    Hexadecimal,
    /// Anything else that does not match the grammar.
    Malformed,
    /// A negative value where only non-negative values are allowed ([`Bytes`], [`Millicores`]).
    Negative,
    /// The value does not fit the target type.
    OutOfRange,
}

/// A quantity that could not be parsed or does not fit; displays as
/// `invalid quantity "<input>": <reason>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid quantity {input:?}: {reason}")]
pub struct QuantityError {
    input: String,
    kind: QuantityErrorKind,
    reason: String,
    hint: Option<String>,
}

impl QuantityError {
    fn new(input: &str, kind: QuantityErrorKind, reason: impl Into<String>) -> Self {
        QuantityError { input: input.to_string(), kind, reason: reason.into(), hint: None }
    }

    fn with_hint(input: &str, kind: QuantityErrorKind, reason: &str, hint: String) -> Self {
        QuantityError {
            input: input.to_string(),
            kind,
            reason: format!("{reason}did you mean {hint}?"),
            hint: Some(hint),
        }
    }

    fn out_of_range(input: &str) -> Self {
        QuantityError::new(input, QuantityErrorKind::OutOfRange, "out of range")
    }

    fn negative(input: &str) -> Self {
        QuantityError::new(input, QuantityErrorKind::Negative, "must not be negative")
    }

    /// The offending input, verbatim.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// The kind of problem.
    pub fn kind(&self) -> QuantityErrorKind {
        self.kind
    }

    /// The explanation after `invalid quantity "...": `.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// What the user probably meant, if known: `"4G or 4Gi"`, `"1Gi"`, `"1.5Gi"`, `"16"`.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }
}

impl Quantity {
    /// Parses a quantity with the full Kubernetes grammar (no whitespace, case-sensitive suffixes).
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        if s.is_empty() {
            return Err(QuantityError::new(s, QuantityErrorKind::Empty, "a quantity cannot be empty"));
        }
        if s.chars().any(char::is_whitespace) {
            return Err(whitespace_error(s));
        }
        let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
        if unsigned.starts_with("0x") || unsigned.starts_with("0X") {
            return Err(hex_error(s));
        }
        let number = match split_number(s) {
            Some(n) => n,
            None => {
                return Err(QuantityError::new(s, QuantityErrorKind::Malformed, GENERIC_REASON));
            }
        };
        let (format, exp10, pow1024) = match parse_suffix(number.suffix) {
            Ok(parsed) => parsed,
            Err(kind) => return Err(suffix_error(s, &number, kind)),
        };
        let magnitude = match scaled_nanos(number.int, number.frac, exp10, pow1024) {
            Scaled::Exact(n) if format == Format::BinarySI => n.min(BINARY_CAP_NANOS),
            Scaled::Huge if format == Format::BinarySI => BINARY_CAP_NANOS,
            Scaled::Exact(n) => n,
            Scaled::Huge => return Err(QuantityError::out_of_range(s)),
        };
        let magnitude = match i128::try_from(magnitude) {
            Ok(m) => m,
            Err(_) => return Err(QuantityError::out_of_range(s)),
        };
        let nanos = if number.negative { -magnitude } else { magnitude };
        let format = if format == Format::BinarySI && magnitude > 0 && magnitude < NANOS_PER_UNIT {
            Format::DecimalSI
        } else {
            format
        };
        Ok(Quantity { nanos, format })
    }

    /// Builds a quantity from an exact nano value and a format (no capping or format switching).
    pub const fn from_nanos(nanos: i128, format: Format) -> Quantity {
        Quantity { nanos, format }
    }

    /// The exact value in nanos (units of 1e-9).
    pub fn nanos(&self) -> i128 {
        self.nanos
    }

    /// The format remembered from parsing.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Go `Value()`: the value rounded up, away from zero, to an integer.
    pub fn value(&self) -> i128 {
        div_away_from_zero(self.nanos, NANOS_PER_UNIT)
    }

    /// Go `MilliValue()`: the value times 1000 rounded up, away from zero, to an integer.
    pub fn milli_value(&self) -> i128 {
        div_away_from_zero(self.nanos, NANOS_PER_MILLI)
    }

    /// Go `String()`: the canonical form (`1.5Gi` → `1536Mi`, `0.5` → `500m`, zero → `0`).
    pub fn canonical(&self) -> String {
        if self.nanos == 0 {
            return "0".to_string();
        }
        let sign = if self.nanos < 0 { "-" } else { "" };
        let magnitude = self.nanos.unsigned_abs();
        let unit = NANOS_PER_UNIT.unsigned_abs();
        if self.format == Format::BinarySI && magnitude.is_multiple_of(unit) && magnitude >= 1024 * unit {
            let mut mantissa = magnitude / unit;
            let mut power = 0;
            while power < BINARY_SUFFIXES.len() - 1 && mantissa.is_multiple_of(1024) {
                mantissa /= 1024;
                power += 1;
            }
            return format!("{sign}{mantissa}{}", BINARY_SUFFIXES[power]);
        }
        let mut mantissa = magnitude;
        let mut exponent: i32 = -9;
        while mantissa.is_multiple_of(10) {
            mantissa /= 10;
            exponent += 1;
        }
        // Back off to the next lower multiple of 3; never exceeds the original magnitude.
        match exponent.rem_euclid(3) {
            1 => {
                mantissa *= 10;
                exponent -= 1;
            }
            2 => {
                mantissa *= 100;
                exponent -= 2;
            }
            _ => {}
        }
        let suffix = match self.format {
            Format::DecimalExponent if exponent == 0 => String::new(),
            Format::DecimalExponent => format!("e{exponent}"),
            Format::DecimalSI | Format::BinarySI => match decimal_si_suffix(exponent) {
                Some(s) => s.to_string(),
                None => format!("e{exponent}"),
            },
        };
        format!("{sign}{mantissa}{suffix}")
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quantity::parse(s)
    }
}

/// `n / d` rounded away from zero (`d > 0`).
fn div_away_from_zero(n: i128, d: i128) -> i128 {
    let q = n / d;
    if n % d == 0 { q } else { q + n.signum() }
}

/// The DecimalSI suffix for a power of ten, if there is one.
fn decimal_si_suffix(exponent: i32) -> Option<&'static str> {
    Some(match exponent {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        0 => "",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        _ => return None,
    })
}

/// The numeric part of an input, split at the start of the suffix.
struct NumberParts<'a> {
    negative: bool,
    /// The sign and number exactly as written (used for hints).
    written: &'a str,
    int: &'a str,
    frac: &'a str,
    suffix: &'a str,
}

/// Splits `sign? (digits | digits.digits | digits. | .digits)` off the front; `None` without digits.
fn split_number(s: &str) -> Option<NumberParts<'_>> {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut negative = false;
    if let Some(&c) = bytes.first()
        && (c == b'+' || c == b'-')
    {
        negative = c == b'-';
        i = 1;
    }
    let int_start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
    }
    let int = &s[int_start..i];
    let mut frac = "";
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        frac = &s[frac_start..i];
    }
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    Some(NumberParts { negative, written: &s[..i], int, frac, suffix: &s[i..] })
}

/// Interprets a suffix as (format, power of ten, power of 1024).
fn parse_suffix(suffix: &str) -> Result<(Format, i128, u32), QuantityErrorKind> {
    let decimal = |e: i128| Ok((Format::DecimalSI, e, 0));
    let binary = |k: u32| Ok((Format::BinarySI, 0, k));
    match suffix {
        "" => decimal(0),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(1),
        "Mi" => binary(2),
        "Gi" => binary(3),
        "Ti" => binary(4),
        "Pi" => binary(5),
        "Ei" => binary(6),
        _ => {
            let rest = suffix.strip_prefix(['e', 'E']).ok_or(QuantityErrorKind::Malformed)?;
            let (negative, digits) = match rest.as_bytes().first() {
                Some(b'-') => (true, &rest[1..]),
                Some(b'+') => (false, &rest[1..]),
                _ => (false, rest),
            };
            if digits.is_empty() {
                return Err(QuantityErrorKind::MissingExponentDigits);
            }
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(QuantityErrorKind::Malformed);
            }
            let mut exponent: i128 = 0;
            for b in digits.bytes() {
                exponent = (exponent * 10 + i128::from(b - b'0')).min(EXPONENT_SATURATION);
            }
            Ok((Format::DecimalExponent, if negative { -exponent } else { exponent }, 0))
        }
    }
}

/// Result of exact scaling: the nano magnitude, or "does not fit in u128".
enum Scaled {
    Exact(u128),
    Huge,
}

/// Computes `ceil(int.frac × 10^exp10 × 1024^pow1024 × 10^9)` exactly with a decimal digit vector.
fn scaled_nanos(int: &str, frac: &str, exp10: i128, pow1024: u32) -> Scaled {
    // Little-endian decimal digits of the integer `int ++ frac`.
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).rev().map(|b| b - b'0').collect();
    while digits.last() == Some(&0) {
        digits.pop();
    }
    if digits.is_empty() {
        return Scaled::Exact(0);
    }
    for _ in 0..pow1024 {
        multiply_small(&mut digits, 1024);
    }
    let frac_len = i128::try_from(frac.len()).unwrap_or(i128::MAX);
    let shift = exp10 + 9 - frac_len;
    let len = i128::try_from(digits.len()).unwrap_or(i128::MAX);
    if shift >= 0 {
        // 10^39 > u128::MAX, so anything with more than 39 digits is huge.
        if len + shift > 39 {
            return Scaled::Huge;
        }
        let Some(base) = digits_to_u128(&digits) else {
            return Scaled::Huge;
        };
        let mut value = base;
        for _ in 0..shift {
            match value.checked_mul(10) {
                Some(v) => value = v,
                None => return Scaled::Huge,
            }
        }
        Scaled::Exact(value)
    } else {
        let drop = -shift;
        if drop >= len {
            // 0 < value < 1 nano: round up to the smallest representable amount.
            return Scaled::Exact(1);
        }
        let drop = usize::try_from(drop).unwrap_or(usize::MAX);
        let remainder = digits[..drop].iter().any(|&d| d != 0);
        let Some(kept) = digits_to_u128(&digits[drop..]) else {
            return Scaled::Huge;
        };
        match kept.checked_add(u128::from(remainder)) {
            Some(v) => Scaled::Exact(v),
            None => Scaled::Huge,
        }
    }
}

/// Multiplies little-endian decimal digits by a small factor in place.
fn multiply_small(digits: &mut Vec<u8>, factor: u32) {
    let mut carry: u32 = 0;
    for d in digits.iter_mut() {
        let v = u32::from(*d) * factor + carry;
        *d = (v % 10) as u8;
        carry = v / 10;
    }
    while carry > 0 {
        digits.push((carry % 10) as u8);
        carry /= 10;
    }
}

/// Converts little-endian decimal digits to `u128`, `None` on overflow.
fn digits_to_u128(digits: &[u8]) -> Option<u128> {
    if digits.len() > 39 {
        return None;
    }
    digits.iter().rev().try_fold(0u128, |acc, &d| acc.checked_mul(10)?.checked_add(u128::from(d)))
}

/// Error for input containing whitespace, suggesting the input without it.
fn whitespace_error(s: &str) -> QuantityError {
    const REASON: &str = "whitespace is not allowed";
    let stripped: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if stripped.is_empty() {
        return QuantityError::new(s, QuantityErrorKind::Whitespace, REASON);
    }
    let hint = match Quantity::parse(&stripped) {
        Ok(_) => Some(stripped),
        Err(e) => e.hint,
    };
    match hint {
        Some(h) => {
            QuantityError::with_hint(s, QuantityErrorKind::Whitespace, "whitespace is not allowed; ", h)
        }
        None => QuantityError::new(s, QuantityErrorKind::Whitespace, REASON),
    }
}

/// Error for `0x…` input, with the decimal value when it is small enough to compute.
fn hex_error(s: &str) -> QuantityError {
    const REASON: &str = "hexadecimal is not supported";
    let (sign, unsigned) = match s.as_bytes().first() {
        Some(b'-') => ("-", &s[1..]),
        Some(b'+') => ("", &s[1..]),
        _ => ("", s),
    };
    let hex_digits = &unsigned[2..];
    let decimal = if hex_digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        u128::from_str_radix(hex_digits, 16).ok()
    } else {
        None
    };
    match decimal {
        Some(v) => QuantityError::with_hint(
            s,
            QuantityErrorKind::Hexadecimal,
            "hexadecimal is not supported; ",
            format!("{sign}{v}"),
        ),
        None => QuantityError::new(s, QuantityErrorKind::Hexadecimal, REASON),
    }
}

/// Error for a valid number followed by an invalid suffix; suggests likely spellings.
fn suffix_error(s: &str, number: &NumberParts<'_>, kind: QuantityErrorKind) -> QuantityError {
    if kind == QuantityErrorKind::MissingExponentDigits {
        return QuantityError::new(s, kind, "an exponent needs digits, e.g. 1e3 (write 1E for exa)");
    }
    match suggest_suffixes(number.suffix) {
        Some(suffixes) => {
            let hint = suffixes
                .iter()
                .map(|suf| format!("{}{suf}", number.written))
                .collect::<Vec<_>>()
                .join(" or ");
            QuantityError::with_hint(s, QuantityErrorKind::UnknownSuffix, "", hint)
        }
        None => QuantityError::new(s, QuantityErrorKind::Malformed, GENERIC_REASON),
    }
}

/// Valid suffixes a misspelled one probably meant (`K`/`KB` → `k`, `Ki`; `gi`/`GiB` → `Gi`).
fn suggest_suffixes(suffix: &str) -> Option<&'static [&'static str]> {
    let base = suffix.strip_suffix(['B', 'b']).unwrap_or(suffix);
    Some(match base.to_ascii_lowercase().as_str() {
        "" => &[""],
        "k" => &["k", "Ki"],
        "m" => &["M", "Mi"],
        "g" => &["G", "Gi"],
        "t" => &["T", "Ti"],
        "p" => &["P", "Pi"],
        "e" => &["E", "Ei"],
        "ki" => &["Ki"],
        "mi" => &["Mi"],
        "gi" => &["Gi"],
        "ti" => &["Ti"],
        "pi" => &["Pi"],
        "ei" => &["Ei"],
        _ => return None,
    })
}

/// An amount of memory in whole bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes(pub u64);

/// An amount of cpu in whole millicores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Millicores(pub u64);

impl Bytes {
    /// Parses a quantity and rounds it up to a whole byte (`0.1Mi` → 104858).
    pub fn parse(s: &str) -> Result<Bytes, QuantityError> {
        let q = Quantity::parse(s)?;
        if q.nanos() < 0 {
            return Err(QuantityError::negative(s));
        }
        u64::try_from(q.value()).map(Bytes).map_err(|_| QuantityError::out_of_range(s))
    }

    /// Human form in binary units with up to 2 decimals: `930Mi`, `1.58Gi`, `512B`.
    pub fn human(self) -> String {
        human_bytes_magnitude(u128::from(self.0))
    }

    /// The shortest exact Kubernetes string using the largest binary suffix that divides
    /// exactly: `119Mi`, `1Gi`, `1500`, `0`. Above 2^63 - 1 bytes it is plain decimal: binary
    /// quantities are capped there (as Kubernetes does), decimal ones are not, so only the
    /// decimal form reads back as the same value (found by the quantity fuzz target: `10E`).
    pub fn to_k8s(self) -> String {
        let mut mantissa = self.0;
        if mantissa == 0 {
            return "0".to_string();
        }
        if mantissa > i64::MAX as u64 {
            return mantissa.to_string();
        }
        let mut power = 0;
        while power < BINARY_SUFFIXES.len() - 1 && mantissa.is_multiple_of(1024) {
            mantissa /= 1024;
            power += 1;
        }
        format!("{mantissa}{}", BINARY_SUFFIXES[power])
    }

    /// `n` KiB (saturating at `u64::MAX`).
    pub const fn from_kib(n: u64) -> Bytes {
        Bytes(n.saturating_mul(1 << 10))
    }

    /// `n` MiB (saturating at `u64::MAX`).
    pub const fn from_mib(n: u64) -> Bytes {
        Bytes(n.saturating_mul(1 << 20))
    }

    /// `n` GiB (saturating at `u64::MAX`).
    pub const fn from_gib(n: u64) -> Bytes {
        Bytes(n.saturating_mul(1 << 30))
    }

    /// Sum, `None` on overflow.
    pub fn checked_add(self, o: Bytes) -> Option<Bytes> {
        self.0.checked_add(o.0).map(Bytes)
    }

    /// Difference, clamped at zero.
    pub fn saturating_sub(self, o: Bytes) -> Bytes {
        Bytes(self.0.saturating_sub(o.0))
    }
}

impl Millicores {
    /// Parses a quantity and rounds it up to a whole millicore (`487558164n` → 488, `2` → 2000).
    pub fn parse(s: &str) -> Result<Millicores, QuantityError> {
        let q = Quantity::parse(s)?;
        if q.nanos() < 0 {
            return Err(QuantityError::negative(s));
        }
        u64::try_from(q.milli_value()).map(Millicores).map_err(|_| QuantityError::out_of_range(s))
    }

    /// Human form: `600m` below one core, else cores with up to 2 decimals (`1.5`, `8`, `1.23`).
    pub fn human(self) -> String {
        human_millicores_magnitude(u128::from(self.0))
    }

    /// Kubernetes form: whole cores as `2`, otherwise millicores as `1500m`; zero is `0`.
    pub fn to_k8s(self) -> String {
        if self.0.is_multiple_of(1000) { format!("{}", self.0 / 1000) } else { format!("{}m", self.0) }
    }

    /// `n` whole cores (saturating at `u64::MAX` millicores).
    pub const fn from_cores(n: u64) -> Millicores {
        Millicores(n.saturating_mul(1000))
    }

    /// Sum, `None` on overflow.
    pub fn checked_add(self, o: Millicores) -> Option<Millicores> {
        self.0.checked_add(o.0).map(Millicores)
    }

    /// Difference, clamped at zero.
    pub fn saturating_sub(self, o: Millicores) -> Millicores {
        Millicores(self.0.saturating_sub(o.0))
    }
}

/// Human byte form of a signed amount: a leading `-` when negative, else as [`Bytes::human`].
pub fn human_bytes_signed(v: i128) -> String {
    let sign = if v < 0 { "-" } else { "" };
    format!("{sign}{}", human_bytes_magnitude(v.unsigned_abs()))
}

/// Human cpu form of a signed millicore amount: a leading `-` when negative, else as
/// [`Millicores::human`].
pub fn human_millicores_signed(v: i128) -> String {
    let sign = if v < 0 { "-" } else { "" };
    format!("{sign}{}", human_millicores_magnitude(v.unsigned_abs()))
}

/// `v / unit` in hundredths, rounded half away from zero.
fn hundredths(v: u128, unit: u128) -> u128 {
    (v / unit) * 100 + ((v % unit) * 200 + unit) / (2 * unit)
}

/// Formats hundredths with trailing zeros (and a trailing dot) trimmed.
fn format_hundredths(h: u128) -> String {
    let (whole, frac) = (h / 100, h % 100);
    if frac == 0 {
        format!("{whole}")
    } else if frac % 10 == 0 {
        format!("{whole}.{}", frac / 10)
    } else {
        format!("{whole}.{frac:02}")
    }
}

fn human_bytes_magnitude(v: u128) -> String {
    if v < 1024 {
        return format!("{v}B");
    }
    let last = HUMAN_BYTE_UNITS.len() - 1;
    let mut power = 1;
    while power < last && v >= 1u128 << (10 * (power + 1)) {
        power += 1;
    }
    let mut h = hundredths(v, 1u128 << (10 * power));
    if h >= 1024 * 100 && power < last {
        power += 1;
        h = hundredths(v, 1u128 << (10 * power));
    }
    format!("{}{}", format_hundredths(h), HUMAN_BYTE_UNITS[power])
}

fn human_millicores_magnitude(m: u128) -> String {
    if m < 1000 {
        return format!("{m}m");
    }
    format_hundredths(hundredths(m, 1000))
}

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.human())
    }
}

impl fmt::Display for Millicores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.human())
    }
}

impl FromStr for Bytes {
    type Err = QuantityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Bytes::parse(s)
    }
}

impl FromStr for Millicores {
    type Err = QuantityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Millicores::parse(s)
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl Serialize for Millicores {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

/// Shared visitor: strings parse as quantities, integers are whole units (bytes or cores).
struct ResourceVisitor<T> {
    parse: fn(&str) -> Result<T, QuantityError>,
    /// Converts a non-negative integer in whole units; `None` when out of range.
    from_units: fn(u128) -> Option<T>,
    expecting: &'static str,
    /// Whether a bare number like `0.5` is accepted (cpu: yes, as in Kubernetes manifests;
    /// memory: no, a fractional byte count is almost certainly a mistake).
    accept_float: bool,
}

impl<T> ResourceVisitor<T> {
    fn integer<E: de::Error>(&self, v: i128) -> Result<T, E> {
        let text = v.to_string();
        if v < 0 {
            return Err(E::custom(QuantityError::negative(&text)));
        }
        (self.from_units)(v.unsigned_abs()).ok_or_else(|| E::custom(QuantityError::out_of_range(&text)))
    }
}

impl<T> Visitor<'_> for ResourceVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.parse)(v).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        self.integer(i128::from(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        self.integer(i128::from(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<T, E> {
        match (self.from_units)(v) {
            Some(t) => Ok(t),
            None => Err(E::custom(QuantityError::out_of_range(&v.to_string()))),
        }
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<T, E> {
        self.integer(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        if self.accept_float && v.is_finite() {
            // `{}` prints the shortest text that reads back as the same f64 (0.5 -> "0.5"), so the
            // decimal the user wrote is parsed exactly, with no float arithmetic.
            return (self.parse)(&format!("{v}")).map_err(E::custom);
        }
        Err(E::custom(format_args!("expected a quantity string such as \"50Mi\", found the number {v:?}")))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    /// Accepts a quantity string (`"512Mi"`) or a non-negative integer number of bytes.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ResourceVisitor {
            parse: Bytes::parse,
            from_units: |v| u64::try_from(v).ok().map(Bytes),
            expecting: "a memory quantity string such as \"512Mi\" or a whole number of bytes",
            accept_float: false,
        })
    }
}

impl<'de> Deserialize<'de> for Millicores {
    /// Accepts a quantity string (`"500m"`, `"0.5"`) or a non-negative integer number of cores.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ResourceVisitor {
            parse: Millicores::parse,
            from_units: |v| v.checked_mul(1000).and_then(|m| u64::try_from(m).ok()).map(Millicores),
            expecting: "a cpu quantity string such as \"500m\" or a whole number of cores",
            accept_float: true,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const CASES: &str = include_str!("../../tests/data/quantity-cases.tsv");

    /// Parses a plain decimal string (`-102435.84`) into exact nanos (at most 9 decimals).
    fn decimal_to_nanos(s: &str) -> i128 {
        let (negative, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        assert!(frac.len() <= 9, "too many decimals in {s:?}");
        let int: i128 = if int.is_empty() { 0 } else { int.parse().unwrap() };
        let frac_nanos: i128 = format!("{frac:0<9}").parse().unwrap();
        let magnitude = int * NANOS_PER_UNIT + frac_nanos;
        if negative { -magnitude } else { magnitude }
    }

    fn format_name(f: Format) -> &'static str {
        match f {
            Format::DecimalSI => "DecimalSI",
            Format::BinarySI => "BinarySI",
            Format::DecimalExponent => "DecimalExponent",
        }
    }

    fn message(s: &str) -> String {
        Quantity::parse(s).unwrap_err().to_string()
    }

    #[test]
    fn table_cases_all_rows() {
        let mut lines = CASES.lines();
        let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
        assert_eq!(
            header,
            [
                "input",
                "valid",
                "format",
                "canonical",
                "exact_value",
                "value",
                "milli_value",
                "source",
                "note"
            ]
        );
        let (mut rows, mut valid, mut invalid) = (0, 0, 0);
        for line in lines {
            if line.is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 9, "row {line:?}");
            rows += 1;
            let input = cols[0];
            match cols[1] {
                "true" => {
                    valid += 1;
                    let q = Quantity::parse(input).unwrap_or_else(|e| panic!("{input:?} should parse: {e}"));
                    assert_eq!(format_name(q.format()), cols[2], "format of {input:?}");
                    assert_eq!(q.canonical(), cols[3], "canonical of {input:?}");
                    assert_eq!(q.to_string(), cols[3], "Display of {input:?}");
                    assert_eq!(q.nanos(), decimal_to_nanos(cols[4]), "nanos of {input:?}");
                    assert_eq!(q.value(), cols[5].parse::<i128>().unwrap(), "value of {input:?}");
                    assert_eq!(q.milli_value(), cols[6].parse::<i128>().unwrap(), "milli_value of {input:?}");
                    // The canonical form must parse back to the same value.
                    let again = Quantity::parse(&q.canonical()).unwrap();
                    assert_eq!(again.nanos(), q.nanos(), "round trip of {input:?}");
                }
                "false" => {
                    invalid += 1;
                    let err = Quantity::parse(input).unwrap_err();
                    assert_eq!(err.input(), input);
                    assert!(err.to_string().starts_with(&format!("invalid quantity {input:?}: ")), "{err}");
                    assert!(input.parse::<Quantity>().is_err());
                }
                other => panic!("bad valid column {other:?} in {line:?}"),
            }
        }
        assert_eq!((rows, valid, invalid), (93, 73, 20));
    }

    #[test]
    fn error_messages_exact() {
        assert_eq!(message("4GB"), "invalid quantity \"4GB\": did you mean 4G or 4Gi?");
        assert_eq!(message(""), "invalid quantity \"\": a quantity cannot be empty");
        assert_eq!(message(" 1"), "invalid quantity \" 1\": whitespace is not allowed; did you mean 1?");
        assert_eq!(message("1K"), "invalid quantity \"1K\": did you mean 1k or 1Ki?");
        assert_eq!(message("1gi"), "invalid quantity \"1gi\": did you mean 1Gi?");
        assert_eq!(
            message("1e"),
            "invalid quantity \"1e\": an exponent needs digits, e.g. 1e3 (write 1E for exa)"
        );
        assert_eq!(
            Bytes::parse("-5Mi").unwrap_err().to_string(),
            "invalid quantity \"-5Mi\": must not be negative"
        );
        assert_eq!(
            Millicores::parse("-5m").unwrap_err().to_string(),
            "invalid quantity \"-5m\": must not be negative"
        );
        assert_eq!(message("1e400"), "invalid quantity \"1e400\": out of range");
        assert_eq!(
            message("99999999999999999999999999999999E"),
            "invalid quantity \"99999999999999999999999999999999E\": out of range"
        );
        assert_eq!(
            message("aoeu"),
            "invalid quantity \"aoeu\": expected a number with an optional suffix \
             (n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or an exponent such as e3)"
        );
        // A negative quantity is fine as a Quantity (differences), only Bytes/Millicores reject it.
        assert_eq!(Quantity::parse("-5Mi").unwrap().value(), -5 * 1024 * 1024);
    }

    #[test]
    fn binary_values_are_capped_not_out_of_range() {
        // Kubernetes caps BinarySI at 2^63-1 however large the input.
        for s in ["99999999999Ei", "9Ei", "9223372036854775807Ki", &format!("{}Ki", "9".repeat(200))] {
            let q = Quantity::parse(s).unwrap();
            assert_eq!(q.value(), i128::from(i64::MAX), "{s}");
            assert_eq!(q.canonical(), "9223372036854775807", "{s}");
        }
        let q = Quantity::parse("-9Ei").unwrap();
        assert_eq!(q.value(), -i128::from(i64::MAX));
        assert_eq!(q.format(), Format::BinarySI);
        assert_eq!(Bytes::parse("99999999999Ei").unwrap(), Bytes(i64::MAX as u64));
    }

    #[test]
    fn hints() {
        let hint = |s: &str| Quantity::parse(s).unwrap_err().hint().map(str::to_string);
        assert_eq!(hint("4GB").as_deref(), Some("4G or 4Gi"));
        assert_eq!(message("1Gb"), "invalid quantity \"1Gb\": did you mean 1G or 1Gi?");
        assert_eq!(message("1KB"), "invalid quantity \"1KB\": did you mean 1k or 1Ki?");
        assert_eq!(message("1GiB"), "invalid quantity \"1GiB\": did you mean 1Gi?");
        assert_eq!(message("0.1mi"), "invalid quantity \"0.1mi\": did you mean 0.1Mi?");
        assert_eq!(message("1ki"), "invalid quantity \"1ki\": did you mean 1Ki?");
        assert_eq!(message("2MB"), "invalid quantity \"2MB\": did you mean 2M or 2Mi?");
        assert_eq!(
            message("1.5 Gi"),
            "invalid quantity \"1.5 Gi\": whitespace is not allowed; did you mean 1.5Gi?"
        );
        assert_eq!(hint("1.5 Gi").as_deref(), Some("1.5Gi"));
        assert_eq!(message("1 "), "invalid quantity \"1 \": whitespace is not allowed; did you mean 1?");
        assert_eq!(
            message(" 1K"),
            "invalid quantity \" 1K\": whitespace is not allowed; did you mean 1k or 1Ki?"
        );
        assert_eq!(message("   "), "invalid quantity \"   \": whitespace is not allowed");
        assert_eq!(
            message("0x10"),
            "invalid quantity \"0x10\": hexadecimal is not supported; did you mean 16?"
        );
        assert_eq!(Quantity::parse("0x10").unwrap_err().kind(), QuantityErrorKind::Hexadecimal);
        assert_eq!(message("0xZZ"), "invalid quantity \"0xZZ\": hexadecimal is not supported");
        assert_eq!(
            message("1e+"),
            "invalid quantity \"1e+\": an exponent needs digits, e.g. 1e3 (write 1E for exa)"
        );
        let e = Quantity::parse("1K").unwrap_err();
        assert_eq!(e.input(), "1K");
        assert_eq!(e.kind(), QuantityErrorKind::UnknownSuffix);
        assert_eq!(e.reason(), "did you mean 1k or 1Ki?");
        assert_eq!(Quantity::parse("1e1.5").unwrap_err().hint(), None);
        assert_eq!(Quantity::parse("aoeu").unwrap_err().kind(), QuantityErrorKind::Malformed);
        assert_eq!(Quantity::parse("").unwrap_err().kind(), QuantityErrorKind::Empty);
    }

    #[test]
    fn grammar_edges() {
        let nanos = |s: &str| Quantity::parse(s).unwrap().nanos();
        assert_eq!(nanos("+1"), NANOS_PER_UNIT);
        assert_eq!(nanos("-.5"), -NANOS_PER_UNIT / 2);
        assert_eq!(nanos("1.5e3"), 1500 * NANOS_PER_UNIT);
        assert_eq!(nanos("1e-3"), NANOS_PER_MILLI);
        assert_eq!(nanos("1E3"), 1000 * NANOS_PER_UNIT);
        assert_eq!(nanos("-3.001n"), -4);
        assert_eq!(nanos("0e400"), 0);
        assert_eq!(nanos("1e-400"), 1);
        assert_eq!(nanos(&format!("0.{}1", "0".repeat(300))), 1);
        assert_eq!(nanos(&format!("{}1", "0".repeat(300))), NANOS_PER_UNIT);
        assert_eq!(Quantity::parse("-0").unwrap().canonical(), "0");
        assert_eq!(Quantity::parse("1000E").unwrap().canonical(), "1e21");
        assert_eq!(Quantity::parse("-1Ki").unwrap().canonical(), "-1Ki");
        assert_eq!(Quantity::parse("1e0").unwrap().canonical(), "1");
        assert_eq!(Quantity::parse("1025").unwrap().canonical(), "1025");
        let q = Quantity::parse("-0.5Ki").unwrap();
        assert_eq!((q.format(), q.canonical()), (Format::BinarySI, "-512".to_string()));
        let q = Quantity::parse("-0.0001Ki").unwrap();
        assert_eq!((q.format(), q.canonical()), (Format::DecimalSI, "-102400u".to_string()));
        assert_eq!("1.5Gi".parse::<Quantity>().unwrap().to_string(), "1536Mi");
        assert_eq!(Quantity::from_nanos(1_500_000_000, Format::DecimalSI).canonical(), "1500m");
        // value() and milli_value() round away from zero.
        let q = Quantity::parse("-1.0000001").unwrap();
        assert_eq!((q.value(), q.milli_value()), (-2, -1001));
    }

    #[test]
    fn bytes_and_millicores_parse() {
        assert_eq!(Bytes::parse("123Mi").unwrap(), Bytes(128_974_848));
        assert_eq!(Bytes::parse("129e6").unwrap(), Bytes(129_000_000));
        assert_eq!(Bytes::parse("0.1Mi").unwrap(), Bytes(104_858));
        assert_eq!(Bytes::parse("12E").unwrap(), Bytes(12_000_000_000_000_000_000));
        assert_eq!(Bytes::parse("-0").unwrap(), Bytes(0));
        assert_eq!(Bytes::parse("20E").unwrap_err().to_string(), "invalid quantity \"20E\": out of range");
        assert_eq!(Bytes::parse("-5Mi").unwrap_err().kind(), QuantityErrorKind::Negative);
        assert_eq!("4GB".parse::<Bytes>().unwrap_err().hint(), Some("4G or 4Gi"));
        assert_eq!(Millicores::parse("100m").unwrap(), Millicores(100));
        assert_eq!(Millicores::parse("487558164n").unwrap(), Millicores(488));
        assert_eq!(Millicores::parse("1.5").unwrap(), Millicores(1500));
        assert_eq!(Millicores::parse("0.5").unwrap(), Millicores(500));
        assert_eq!(Millicores::parse("2").unwrap(), Millicores(2000));
        assert_eq!("1900m".parse::<Millicores>().unwrap(), Millicores(1900));
        assert_eq!(
            Millicores::parse("20P").unwrap_err().to_string(),
            "invalid quantity \"20P\": out of range"
        );
    }

    #[test]
    fn bytes_human() {
        assert_eq!(Bytes::from_mib(930).human(), "930Mi");
        let diff = Bytes::parse("1.9Gi").unwrap().saturating_sub(Bytes::from_mib(330));
        assert_eq!(diff, Bytes(1_694_079_386));
        assert_eq!(diff.human(), "1.58Gi");
        assert_eq!(Bytes(1_694_079_795).human(), "1.58Gi");
        assert_eq!(Bytes::parse("7.7Gi").unwrap().human(), "7.7Gi");
        assert_eq!(Bytes::from_mib(119).human(), "119Mi");
        assert_eq!(Bytes(1023).human(), "1023B");
        assert_eq!(Bytes(1024).human(), "1Ki");
        assert_eq!(Bytes(1_048_575).human(), "1Mi");
        assert_eq!(Bytes::from_mib(5962).human(), "5.82Gi");
        assert_eq!(Bytes(512).human(), "512B");
        assert_eq!(Bytes(0).human(), "0B");
        assert_eq!(Bytes(1536).human(), "1.5Ki");
        assert_eq!(Bytes(1029).human(), "1Ki");
        assert_eq!(Bytes(1030).human(), "1.01Ki");
        assert_eq!(Bytes(u64::MAX).human(), "16Ei");
        assert_eq!(Bytes::from_gib(3).to_string(), "3Gi");
        assert_eq!(human_bytes_signed(-(330 << 20)), "-330Mi");
        assert_eq!(human_bytes_signed(930 << 20), "930Mi");
        assert_eq!(human_bytes_signed(0), "0B");
        assert_eq!(human_bytes_signed(-512), "-512B");
        assert_eq!(human_bytes_signed(i128::MIN), "-147573952589676412928Ei");
    }

    #[test]
    fn millicores_human() {
        assert_eq!(Millicores(600).human(), "600m");
        assert_eq!(Millicores(0).human(), "0m");
        assert_eq!(Millicores(999).human(), "999m");
        assert_eq!(Millicores(1500).human(), "1.5");
        assert_eq!(Millicores(8000).human(), "8");
        assert_eq!(Millicores(1234).human(), "1.23");
        assert_eq!(Millicores(1235).human(), "1.24");
        assert_eq!(Millicores(9995).human(), "10");
        assert_eq!(Millicores(1900).to_string(), "1.9");
        assert_eq!(human_millicores_signed(-600), "-600m");
        assert_eq!(human_millicores_signed(-1500), "-1.5");
        assert_eq!(human_millicores_signed(2000), "2");
    }

    #[test]
    fn to_k8s() {
        assert_eq!(Bytes::from_mib(119).to_k8s(), "119Mi");
        assert_eq!(Bytes::from_gib(1).to_k8s(), "1Gi");
        assert_eq!(Bytes(1500).to_k8s(), "1500");
        assert_eq!(Bytes(0).to_k8s(), "0");
        assert_eq!(Bytes::from_kib(2_209_260).to_k8s(), "2209260Ki");
        assert_eq!(Bytes(1 << 62).to_k8s(), "4Ei");
        // Beyond int64 a binary suffix would be capped on reading: plain decimal instead.
        assert_eq!(Bytes(10_000_000_000_000_000_000).to_k8s(), "10000000000000000000");
        assert_eq!(
            Bytes::parse("10E").map(Bytes::to_k8s).and_then(|s| Bytes::parse(&s)).ok(),
            Some(Bytes(10_000_000_000_000_000_000))
        );
        assert_eq!(Bytes::parse(&Bytes(u64::MAX).to_k8s()).ok(), Some(Bytes(u64::MAX)));
        assert_eq!(Bytes(i64::MAX as u64).to_k8s(), "9223372036854775807");
        assert_eq!(Millicores(600).to_k8s(), "600m");
        assert_eq!(Millicores(2000).to_k8s(), "2");
        assert_eq!(Millicores(1500).to_k8s(), "1500m");
        assert_eq!(Millicores(0).to_k8s(), "0");
        assert_eq!(Millicores::from_cores(3), Millicores(3000));
        for b in [Bytes(1500), Bytes::from_mib(119), Bytes(1 << 62), Bytes(u64::MAX)] {
            assert_eq!(Bytes::parse(&b.to_k8s()).unwrap(), b);
        }
        for m in [Millicores(600), Millicores(2000), Millicores(1)] {
            assert_eq!(Millicores::parse(&m.to_k8s()).unwrap(), m);
        }
    }

    #[test]
    fn arithmetic_helpers() {
        assert_eq!(Bytes::from_kib(1), Bytes(1024));
        assert_eq!(Bytes::from_gib(u64::MAX), Bytes(u64::MAX));
        assert_eq!(Bytes(1).checked_add(Bytes(2)), Some(Bytes(3)));
        assert_eq!(Bytes(u64::MAX).checked_add(Bytes(1)), None);
        assert_eq!(Bytes(1).saturating_sub(Bytes(2)), Bytes(0));
        assert_eq!(Millicores(1).checked_add(Millicores(2)), Some(Millicores(3)));
        assert_eq!(Millicores(u64::MAX).checked_add(Millicores(1)), None);
        assert_eq!(Millicores(5).saturating_sub(Millicores(2)), Millicores(3));
    }

    #[test]
    fn serde_round_trip() {
        assert_eq!(serde_json::from_str::<Bytes>("\"123Mi\"").unwrap(), Bytes(128_974_848));
        assert_eq!(serde_json::from_str::<Bytes>("1024").unwrap(), Bytes(1024));
        assert_eq!(serde_json::from_str::<Millicores>("\"500m\"").unwrap(), Millicores(500));
        assert_eq!(serde_json::from_str::<Millicores>("\"0.5\"").unwrap(), Millicores(500));
        assert_eq!(serde_json::from_str::<Millicores>("2").unwrap(), Millicores(2000));
        assert_eq!(serde_json::to_string(&Bytes(1024)).unwrap(), "1024");
        assert_eq!(serde_json::to_string(&Millicores(1500)).unwrap(), "1500");

        let err = |r: Result<Bytes, serde_json::Error>| r.unwrap_err().to_string();
        let e = err(serde_json::from_str("\"4GB\""));
        assert!(e.starts_with("invalid quantity \"4GB\": did you mean 4G or 4Gi? at line 1"), "{e}");
        let e = err(serde_json::from_str("1.5"));
        assert!(e.starts_with("expected a quantity string such as \"50Mi\", found the number 1.5"), "{e}");
        // cpu accepts bare decimals, as Kubernetes manifests do (`cpu: 0.5`), parsed exactly.
        assert_eq!(serde_json::from_str::<Millicores>("0.5").unwrap(), Millicores(500));
        assert_eq!(serde_json::from_str::<Millicores>("0.1").unwrap(), Millicores(100));
        assert_eq!(serde_json::from_str::<Millicores>("1.0001").unwrap(), Millicores(1001));
        let e = serde_json::from_str::<Millicores>("-0.5").unwrap_err().to_string();
        assert!(e.starts_with("invalid quantity \"-0.5\": must not be negative"), "{e}");
        let e = err(serde_json::from_str("-5"));
        assert!(e.starts_with("invalid quantity \"-5\": must not be negative"), "{e}");
        let e = serde_json::from_str::<Millicores>("18446744073709551615").unwrap_err().to_string();
        assert!(e.starts_with("invalid quantity \"18446744073709551615\": out of range"), "{e}");
        let e = err(serde_json::from_str("true"));
        assert!(e.contains("memory quantity string"), "{e}");

        #[derive(Debug, serde::Deserialize)]
        struct Limits {
            memory: Bytes,
            cpu: Millicores,
        }
        let l: Limits = serde_json::from_str(r#"{"memory": "1.5Gi", "cpu": "250m"}"#).unwrap();
        assert_eq!((l.memory, l.cpu), (Bytes(1_610_612_736), Millicores(250)));
    }

    #[test]
    fn garbage_never_panics() {
        let nines = "9".repeat(200);
        let long_frac = format!("0.{}", "9".repeat(10_000));
        let cases: Vec<String> = vec![
            "1e400".into(),
            nines.clone(),
            format!("{nines}E"),
            format!("-{nines}"),
            format!("{long_frac}e50"),
            "1e99999999999999999999999999999999999".into(),
            ".".into(),
            "+".into(),
            "-".into(),
            "e3".into(),
            "E".into(),
            "1..2".into(),
            "1e+".into(),
            "1e-".into(),
            "Ki".into(),
            "--1".into(),
            "+-1".into(),
            "\u{661}".into(),
            "1\u{0}".into(),
            "1\u{a0}".into(),
            "1Ki\u{661}".into(),
            "0x".into(),
            "-0x".into(),
            "0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF".into(),
            "1e1.5".into(),
            "1.5.".into(),
            "NaN".into(),
            "inf".into(),
            "1_000".into(),
            "1,5".into(),
        ];
        for s in &cases {
            assert!(Quantity::parse(s).is_err(), "{s:?} should fail");
            assert!(Bytes::parse(s).is_err(), "{s:?} should fail");
            assert!(Millicores::parse(s).is_err(), "{s:?} should fail");
        }
        // Accepted extremes stay exact and never panic.
        assert_eq!(Quantity::parse(&long_frac).unwrap().nanos(), NANOS_PER_UNIT);
        let q = Quantity::parse("170141183460469231731687303715.884105727").unwrap();
        assert_eq!(q.nanos(), i128::MAX);
        assert!(q.canonical().starts_with("170141183460469231731687303715884105727n"));
        assert!(Quantity::parse("170141183460469231731687303715.884105728").is_err());
    }
}
