//! Kubernetes resource quantities (`500m`, `8`, `121856Ki`, `5.5Gi`, `1e3`).
//!
//! Only what the simulator needs: parsing a quantity string into an integer
//! number of milli-units (for CPU) or units (for memory and counts), rounding
//! up like `resource.Quantity.MilliValue()` / `Value()` do, and formatting
//! values the way the API server and metrics-server write them.

/// Parses a quantity into milli-units, rounded up (`"1.5"` -> 1500, `"250m"` -> 250).
///
/// Returns `None` for anything that is not a valid Kubernetes quantity or that
/// does not fit in an `i64`.
pub fn parse_milli(s: &str) -> Option<i64> {
    let (num, den) = parse_rational(s)?;
    let milli = num.checked_mul(1000)?;
    i64::try_from(ceil_div(milli, den)).ok()
}

/// Parses a quantity into whole units, rounded up (`"64Mi"` -> 67108864, `"1500m"` -> 2).
pub fn parse_units(s: &str) -> Option<i64> {
    let (num, den) = parse_rational(s)?;
    i64::try_from(ceil_div(num, den)).ok()
}

/// Formats CPU milli-cores the way Kubernetes canonicalises them: whole cores
/// without suffix (`"8"`), otherwise milli-cores (`"600m"`).
pub fn format_cpu(milli: i64) -> String {
    if milli % 1000 == 0 { (milli / 1000).to_string() } else { format!("{milli}m") }
}

/// Formats a CPU usage in nanocores as metrics-server does (`"3012345n"`).
pub fn format_nanocores(milli: i64) -> String {
    format!("{}n", milli.saturating_mul(1_000_000))
}

/// Formats bytes in binary units, preferring the largest exact suffix
/// (`"64Mi"`, `"121856Ki"`, `"5767168Ki"` stays in Ki when not a whole Mi).
pub fn format_bytes(bytes: i64) -> String {
    const UNITS: [(&str, i64); 4] = [("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)];
    if bytes == 0 {
        return "0".to_owned();
    }
    for (suffix, size) in UNITS {
        if bytes % size == 0 {
            return format!("{}{suffix}", bytes / size);
        }
    }
    bytes.to_string()
}

/// Formats bytes as a whole number of KiB, as metrics-server reports memory
/// (`"121856Ki"`); values that are not a multiple of 1024 are written as bytes.
pub fn format_ki(bytes: i64) -> String {
    if bytes % 1024 == 0 { format!("{}Ki", bytes / 1024) } else { bytes.to_string() }
}

fn ceil_div(num: i128, den: i128) -> i128 {
    // den is always positive.
    let q = num.div_euclid(den);
    if num.rem_euclid(den) == 0 { q } else { q + 1 }
}

/// Parses a quantity into an exact rational `num / den` in base units.
fn parse_rational(s: &str) -> Option<(i128, i128)> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let bytes = s.as_bytes();
    let mut pos = 0;
    let mut negative = false;
    if bytes[0] == b'+' || bytes[0] == b'-' {
        negative = bytes[0] == b'-';
        pos = 1;
    }
    let mut num: i128 = 0;
    let mut den: i128 = 1;
    let mut digits = 0;
    let mut seen_dot = false;
    while pos < bytes.len() {
        let c = bytes[pos];
        if c.is_ascii_digit() {
            num = num.checked_mul(10)?.checked_add(i128::from(c - b'0'))?;
            if seen_dot {
                den = den.checked_mul(10)?;
            }
            digits += 1;
        } else if c == b'.' && !seen_dot {
            seen_dot = true;
        } else {
            break;
        }
        pos += 1;
    }
    if digits == 0 {
        return None;
    }
    let suffix = &s[pos..];
    let (mul, div): (i128, i128) = match suffix {
        "" => (1, 1),
        "n" => (1, 1_000_000_000),
        "u" => (1, 1_000_000),
        "m" => (1, 1000),
        "k" => (1000, 1),
        "M" => (1_000_000, 1),
        "G" => (1_000_000_000, 1),
        "T" => (1_000_000_000_000, 1),
        "P" => (1_000_000_000_000_000, 1),
        "E" => (1_000_000_000_000_000_000, 1),
        "Ki" => (1 << 10, 1),
        "Mi" => (1 << 20, 1),
        "Gi" => (1 << 30, 1),
        "Ti" => (1 << 40, 1),
        "Pi" => (1 << 50, 1),
        "Ei" => (1 << 60, 1),
        other => {
            // Decimal exponent: e3, E-2, e+6.
            let exp = other.strip_prefix(['e', 'E'])?;
            let value: i32 = exp.parse().ok()?;
            if !(-18..=18).contains(&value) {
                return None;
            }
            let p = 10_i128.pow(value.unsigned_abs());
            if value >= 0 { (p, 1) } else { (1, p) }
        }
    };
    let mut num = num.checked_mul(mul)?;
    den = den.checked_mul(div)?;
    if negative {
        num = -num;
    }
    Some((num, den))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cpu() {
        assert_eq!(parse_milli("8"), Some(8000));
        assert_eq!(parse_milli("600m"), Some(600));
        assert_eq!(parse_milli("1.5"), Some(1500));
        assert_eq!(parse_milli("0.1"), Some(100));
        assert_eq!(parse_milli("3012345n"), Some(4));
        assert_eq!(parse_milli("1e3"), Some(1_000_000));
        assert_eq!(parse_milli("x"), None);
        assert_eq!(parse_milli(""), None);
        assert_eq!(parse_milli("5Xi"), None);
    }

    #[test]
    fn parses_memory() {
        assert_eq!(parse_units("8073216Ki"), Some(8073216 * 1024));
        assert_eq!(parse_units("5.5Gi"), Some(5767168 * 1024));
        assert_eq!(parse_units("119Mi"), Some(119 << 20));
        assert_eq!(parse_units("1G"), Some(1_000_000_000));
        assert_eq!(parse_units("1500m"), Some(2));
    }

    #[test]
    fn formats() {
        assert_eq!(format_cpu(8000), "8");
        assert_eq!(format_cpu(600), "600m");
        assert_eq!(format_bytes(64 << 20), "64Mi");
        assert_eq!(format_bytes(5767168 * 1024), "5632Mi");
        assert_eq!(format_ki(119 << 20), "121856Ki");
        assert_eq!(format_nanocores(3), "3000000n");
    }
}
