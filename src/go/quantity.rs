//! Kubernetes resource quantities: [`parse_quantity`] accepts exactly what
//! `resource.ParseQuantity` accepts (k8s.io/apimachinery `pkg/api/resource/quantity.go`
//! `parseQuantityString` + `ParseQuantity`, `suffix.go` `interpret`, and `gopkg.in/inf.v0`
//! `Dec.SetString` for the slow path), and [`validate_resource_quantity`] is Istio's wrapper
//! for `sidecar.istio.io/proxy{CPU,Memory,CPULimit,MemoryLimit}` (`pkg/kube/inject/validate.go`
//! `validateResourceQuantity`: any control character rejected, then `ParseQuantity`, so the
//! empty string is rejected too).
//!
//! Grammar: optional sign, digits with an optional `.` and fraction, then a suffix: binary SI
//! `Ki Mi Gi Ti Pi Ei`, decimal SI `n u m "" k M G T P E`, or an exponent `e`/`E` with a signed
//! integer. The Go code is more lenient than that summary in a few places, all mirrored here:
//! a lone sign or `.` is zero (`+`, `-`, `.`, `1.`), a suffix alone is zero when the fast path
//! takes it (`Ki`, `m`, `k`) but an error when the value must go through `inf.Dec` (`Ei`, `Pi`,
//! `e-10`), and an exponent beyond `int32` wraps as Go's conversion does.

use std::fmt;

/// Go's three parse errors (`ErrFormatWrong`, `ErrNumeric`, `ErrSuffix`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantityError {
    FormatWrong,
    Numeric,
    Suffix,
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QuantityError::FormatWrong => {
                "quantities must match the regular expression \
                 '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
            }
            QuantityError::Numeric => "unable to parse numeric part of quantity",
            QuantityError::Suffix => "unable to parse quantity's suffix",
        })
    }
}

impl std::error::Error for QuantityError {}

/// The suffix family a quantity was written with (Go's `Format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantityFormat {
    /// `12e6`
    DecimalExponent,
    /// `12Mi`
    BinarySi,
    /// `12M`, `500m`, `1`
    DecimalSi,
}

/// Go `suffixer.interpret`: `(base, exponent, format)`.
fn interpret(suffix: &str) -> Option<(u32, i32, QuantityFormat)> {
    use QuantityFormat::{BinarySi, DecimalExponent, DecimalSi};
    let found = match suffix {
        "" => (10, 0, DecimalSi),
        "n" => (10, -9, DecimalSi),
        "u" => (10, -6, DecimalSi),
        "m" => (10, -3, DecimalSi),
        "k" => (10, 3, DecimalSi),
        "M" => (10, 6, DecimalSi),
        "G" => (10, 9, DecimalSi),
        "T" => (10, 12, DecimalSi),
        "P" => (10, 15, DecimalSi),
        "E" => (10, 18, DecimalSi),
        "Ki" => (2, 10, BinarySi),
        "Mi" => (2, 20, BinarySi),
        "Gi" => (2, 30, BinarySi),
        "Ti" => (2, 40, BinarySi),
        "Pi" => (2, 50, BinarySi),
        "Ei" => (2, 60, BinarySi),
        _ => {
            let rest = suffix
                .strip_prefix('e')
                .or_else(|| suffix.strip_prefix('E'))?;
            if rest.is_empty() {
                return None;
            }
            let parsed = super::strconv::parse_int(rest, 10, 64).ok()?;
            // Go: int32(parsed), a wrapping conversion.
            (10, parsed as i32, DecimalExponent)
        }
    };
    Some(found)
}

fn is_suffix_byte(b: u8) -> bool {
    b"eEinumkKMGTP".contains(&b)
}

/// Go `resource.ParseQuantity` acceptance. Returns the suffix family on success.
pub fn parse_quantity(s: &str) -> Result<QuantityFormat, QuantityError> {
    if s.is_empty() {
        return Err(QuantityError::FormatWrong);
    }
    if s == "0" {
        return Ok(QuantityFormat::DecimalSi);
    }
    let b = s.as_bytes();
    let end = b.len();
    let mut pos = 0;

    // parseQuantityString
    if b[0] == b'-' || b[0] == b'+' {
        pos += 1;
    }
    while pos < end && b[pos] == b'0' {
        pos += 1;
    }
    if pos >= end {
        // num "0", value "0", no suffix: always fine.
        return Ok(QuantityFormat::DecimalSi);
    }
    let num_start = pos;
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    // Go substitutes "0" for an empty numerator.
    let num_len = (pos - num_start).max(1);
    let mut denom_len = 0;
    let value_end;
    let suffix: &str;
    if pos >= end {
        value_end = end;
        suffix = "";
    } else {
        let mut at_end = false;
        if b[pos] == b'.' {
            pos += 1;
            let denom_start = pos;
            while pos < end && b[pos].is_ascii_digit() {
                pos += 1;
            }
            denom_len = pos - denom_start;
            at_end = pos >= end;
        }
        if at_end {
            value_end = end;
            suffix = "";
        } else {
            value_end = pos;
            let suffix_start = pos;
            while pos < end && is_suffix_byte(b[pos]) {
                pos += 1;
            }
            if pos < end && (b[pos] == b'-' || b[pos] == b'+') {
                pos += 1;
            }
            while pos < end && b[pos].is_ascii_digit() {
                pos += 1;
            }
            if pos < end {
                return Err(QuantityError::FormatWrong);
            }
            suffix = &s[suffix_start..];
        }
    }
    let value = &s[..value_end];

    // ParseQuantity
    let (_base, exponent, format) = interpret(suffix).ok_or(QuantityError::Suffix)?;
    let num_len = i64::try_from(num_len).unwrap_or(i64::MAX);
    let denom_len64 = i64::try_from(denom_len).unwrap_or(i64::MAX);
    let mut scale: i32 = 0;
    let precision: i64 = match format {
        QuantityFormat::DecimalExponent | QuantityFormat::DecimalSi => {
            scale = exponent;
            18 - (num_len + denom_len64)
        }
        QuantityFormat::BinarySi => {
            if exponent >= 0 && denom_len == 0 {
                // Go: int32(float32(exponent)*3/10); exact for the multiples of 10 used here.
                15 - num_len - i64::from(exponent) * 3 / 10 - 1
            } else {
                -1
            }
        }
    };
    if precision >= 0 {
        scale = scale.wrapping_sub(i32::try_from(denom_len).unwrap_or(i32::MAX));
        if scale >= -9 {
            // The fast path: `num+denom` has at most 18 digits, so ParseInt succeeds. Only a
            // binary value can overflow int64 when shifted; it then takes the slow path, and it
            // has digits, so the slow path accepts it too.
            return Ok(format);
        }
    }
    // The slow path: inf.Dec.SetString(value) needs at least one digit.
    if value.bytes().any(|c| c.is_ascii_digit()) {
        Ok(format)
    } else {
        Err(QuantityError::Numeric)
    }
}

/// Why Istio rejects a `sidecar.istio.io/proxy{CPU,Memory,…}` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceQuantityError {
    /// `value contains control characters` (Go `unicode.IsControl`: U+0000–U+001F, U+007F–U+009F).
    ControlCharacters,
    Quantity(QuantityError),
}

impl fmt::Display for ResourceQuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResourceQuantityError::ControlCharacters => {
                f.write_str("value contains control characters")
            }
            ResourceQuantityError::Quantity(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ResourceQuantityError {}

/// Istio `validateResourceQuantity`: no control character, then [`parse_quantity`] (so `""`
/// is rejected with the format error).
pub fn validate_resource_quantity(s: &str) -> Result<(), ResourceQuantityError> {
    if s.chars().any(char::is_control) {
        return Err(ResourceQuantityError::ControlCharacters);
    }
    parse_quantity(s)
        .map(|_| ())
        .map_err(ResourceQuantityError::Quantity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_quantities() {
        for s in [
            "0",
            "1",
            "100m",
            "0.5",
            "1.5",
            "500Mi",
            "1Gi",
            "2Ki",
            "128Ti",
            "1Pi",
            "1Ei",
            "1k",
            "1M",
            "1G",
            "1T",
            "1P",
            "1E",
            "10n",
            "10u",
            "1e3",
            "1E3",
            "1e-3",
            "1e+3",
            "-1",
            "+1",
            "-0.5",
            ".5",
            "1.",
            "1.G",
            "00",
            "-0",
            "+000",
            "0.1",
            "1.5Ki",
            "-3.01",
            "1e-20",
            "0.1n",
            "123456789012345678901234567890",
            "8Ei",
            "1e4294967296",
            // Lenient corners of the Go scanner, mirrored.
            "+",
            "-",
            ".",
            "+.",
            "Ki",
            "Ti",
            "m",
            "k",
            "n",
            "-.n",
            ".Ki",
        ] {
            assert!(parse_quantity(s).is_ok(), "{s:?} should parse");
        }
        assert_eq!(parse_quantity("1Gi"), Ok(QuantityFormat::BinarySi));
        assert_eq!(parse_quantity("1e3"), Ok(QuantityFormat::DecimalExponent));
        assert_eq!(parse_quantity("100m"), Ok(QuantityFormat::DecimalSi));
    }

    #[test]
    fn invalid_quantities() {
        // quantity_test.go's invalid list, plus more.
        let cases = [
            ("1.1.M", QuantityError::FormatWrong),
            ("1+1.0M", QuantityError::FormatWrong),
            ("0.1mi", QuantityError::Suffix),
            ("0.1am", QuantityError::FormatWrong),
            ("aoeu", QuantityError::FormatWrong),
            (".5i", QuantityError::Suffix),
            ("1i", QuantityError::Suffix),
            ("-3.01i", QuantityError::Suffix),
            ("-3.01e-", QuantityError::Suffix),
            (" 1", QuantityError::FormatWrong),
            ("1 ", QuantityError::FormatWrong),
            ("", QuantityError::FormatWrong),
            ("1e", QuantityError::Suffix),
            ("1Kb", QuantityError::FormatWrong),
            ("1KB", QuantityError::FormatWrong),
            ("1ki", QuantityError::Suffix),
            ("1mb", QuantityError::FormatWrong),
            ("100MB", QuantityError::FormatWrong),
            ("1Mi ", QuantityError::FormatWrong),
            ("1e99999999999999999999", QuantityError::Suffix),
            ("1e1.5", QuantityError::FormatWrong),
            ("--1", QuantityError::Suffix),
            ("１", QuantityError::FormatWrong),
            ("1\n", QuantityError::FormatWrong),
            ("Ei", QuantityError::Numeric),
            ("Pi", QuantityError::Numeric),
            ("e-10", QuantityError::Numeric),
            ("+.e-10", QuantityError::Numeric),
        ];
        for (s, want) in cases {
            assert_eq!(parse_quantity(s), Err(want), "{s:?}");
        }
        assert_eq!(
            QuantityError::FormatWrong.to_string(),
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        );
    }

    #[test]
    fn istio_wrapper() {
        assert!(validate_resource_quantity("100m").is_ok());
        assert!(validate_resource_quantity("1Gi").is_ok());
        assert_eq!(
            validate_resource_quantity(""),
            Err(ResourceQuantityError::Quantity(QuantityError::FormatWrong))
        );
        for s in ["100m\n", "1\tGi", "\u{0}1", "1\r", "1\u{85}"] {
            assert_eq!(
                validate_resource_quantity(s),
                Err(ResourceQuantityError::ControlCharacters),
                "{s:?}"
            );
        }
        assert_eq!(
            validate_resource_quantity("100 m").unwrap_err().to_string(),
            QuantityError::FormatWrong.to_string()
        );
        assert_eq!(
            ResourceQuantityError::ControlCharacters.to_string(),
            "value contains control characters"
        );
    }
}
