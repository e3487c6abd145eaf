//! Go `strconv`, exact where Istio and Kubernetes depend on it: `ParseBool`, `ParseUint`,
//! `ParseInt` (any base Go takes, base 0 with its prefixes and `_` rules), `Atoi`, and
//! `Quote` for rendering Go's error messages. Matches golang/go `src/strconv/atoi.go`
//! (`ParseUint`, `ParseInt`, `Atoi`, `underscoreOK`), `atob.go` (`ParseBool`) and `quote.go`
//! (`Quote`). [`crate::yaml`]'s scalar typing (go-yaml v2 `resolve.go`) and Istio's
//! validation both parse numbers here.
//!
//! Error values render exactly as Go's `*NumError` does: `strconv.ParseUint: parsing "x":
//! invalid syntax`. The one approximation is `Quote` for non-ASCII text: Go decides what is
//! printable from Unicode tables that Rust's standard library does not expose; see [`quote`].

use std::fmt;

/// Why a number did not parse (Go's `ErrSyntax` / `ErrRange`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumErrorKind {
    /// `invalid syntax`
    Syntax,
    /// `value out of range`
    Range,
}

/// Go's `*strconv.NumError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumError {
    /// `ParseBool`, `ParseInt`, `ParseUint` or `Atoi`.
    pub func: &'static str,
    /// The input as given.
    pub num: String,
    pub kind: NumErrorKind,
}

impl NumError {
    fn new(func: &'static str, num: &str, kind: NumErrorKind) -> Self {
        NumError {
            func,
            num: num.to_owned(),
            kind,
        }
    }
}

impl fmt::Display for NumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.kind {
            NumErrorKind::Syntax => "invalid syntax",
            NumErrorKind::Range => "value out of range",
        };
        write!(
            f,
            "strconv.{}: parsing {}: {}",
            self.func,
            quote(&self.num),
            why
        )
    }
}

impl std::error::Error for NumError {}

/// Go `strconv.ParseBool`: `1 t T TRUE true True` and `0 f F FALSE false False`, nothing else.
pub fn parse_bool(s: &str) -> Result<bool, NumError> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(NumError::new("ParseBool", s, NumErrorKind::Syntax)),
    }
}

/// `c | 0x20`: Go's `lower`, a lower-case letter exactly when `c` is that letter in either case.
fn lower(c: u8) -> u8 {
    c | (b'x' - b'X')
}

/// Go `strconv.ParseUint(s, base, bit_size)`. `base` is 0 (prefix decides: `0b`, `0o`, `0x`,
/// a leading `0` for octal, else decimal; `_` allowed between digits) or 2..=36; `bit_size`
/// is 0 (meaning 64, as on the 64-bit platforms Istio ships for) to 64.
///
/// # Panics
/// On a base or bit size Go itself would refuse (a programming error here, not input).
pub fn parse_uint(s: &str, base: u32, bit_size: u32) -> Result<u64, NumError> {
    parse_uint_as(s, base, bit_size, "ParseUint")
}

fn parse_uint_as(s: &str, base: u32, bit_size: u32, func: &'static str) -> Result<u64, NumError> {
    assert!(base == 0 || (2..=36).contains(&base), "invalid base {base}");
    assert!(bit_size <= 64, "invalid bit size {bit_size}");
    if s.is_empty() {
        return Err(NumError::new(func, s, NumErrorKind::Syntax));
    }
    let base0 = base == 0;
    let bytes = s.as_bytes();
    let mut base = base;
    let mut digits = bytes;
    if base0 {
        base = 10;
        if bytes[0] == b'0' {
            let second = if bytes.len() >= 3 { lower(bytes[1]) } else { 0 };
            match second {
                b'b' => {
                    base = 2;
                    digits = &bytes[2..];
                }
                b'o' => {
                    base = 8;
                    digits = &bytes[2..];
                }
                b'x' => {
                    base = 16;
                    digits = &bytes[2..];
                }
                _ => {
                    base = 8;
                    digits = &bytes[1..];
                }
            }
        }
    }
    let bit_size = if bit_size == 0 { 64 } else { bit_size };
    let base64 = u64::from(base);
    let cutoff = u64::MAX / base64 + 1;
    let max_val = if bit_size == 64 {
        u64::MAX
    } else {
        (1u64 << bit_size) - 1
    };

    let mut underscores = false;
    let mut n: u64 = 0;
    for &c in digits {
        let d = if c == b'_' && base0 {
            underscores = true;
            continue;
        } else if c.is_ascii_digit() {
            c - b'0'
        } else if lower(c).is_ascii_lowercase() {
            lower(c) - b'a' + 10
        } else {
            return Err(NumError::new(func, s, NumErrorKind::Syntax));
        };
        if u32::from(d) >= base {
            return Err(NumError::new(func, s, NumErrorKind::Syntax));
        }
        if n >= cutoff {
            return Err(NumError::new(func, s, NumErrorKind::Range));
        }
        n *= base64;
        let n1 = n.wrapping_add(u64::from(d));
        if n1 < n || n1 > max_val {
            return Err(NumError::new(func, s, NumErrorKind::Range));
        }
        n = n1;
    }
    if underscores && !underscore_ok(s) {
        return Err(NumError::new(func, s, NumErrorKind::Syntax));
    }
    Ok(n)
}

/// Go `strconv.ParseInt(s, base, bit_size)`: an optional `+` or `-`, then [`parse_uint`]'s
/// grammar, then the signed range of `bit_size` bits.
///
/// # Panics
/// On a base or bit size Go itself would refuse.
pub fn parse_int(s: &str, base: u32, bit_size: u32) -> Result<i64, NumError> {
    parse_int_as(s, base, bit_size, "ParseInt")
}

fn parse_int_as(s: &str, base: u32, bit_size: u32, func: &'static str) -> Result<i64, NumError> {
    if s.is_empty() {
        return Err(NumError::new(func, s, NumErrorKind::Syntax));
    }
    let (neg, rest) = match s.as_bytes()[0] {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let un = match parse_uint_as(rest, base, bit_size, func) {
        Ok(v) => v,
        // Go carries on with the maximum, which always fails the signed range check below.
        Err(e) if e.kind == NumErrorKind::Range => u64::MAX,
        Err(e) => return Err(NumError::new(func, s, e.kind)),
    };
    let bit_size = if bit_size == 0 { 64 } else { bit_size };
    let cutoff = 1u64 << (bit_size - 1);
    if (!neg && un >= cutoff) || (neg && un > cutoff) {
        return Err(NumError::new(func, s, NumErrorKind::Range));
    }
    if neg {
        Ok(0i64.wrapping_sub_unsigned(un))
    } else {
        // un < cutoff <= 2^63, so it fits.
        Ok(i64::try_from(un).unwrap_or(i64::MAX))
    }
}

/// Go `strconv.Atoi` on a 64-bit platform: the same acceptance as `ParseInt(s, 10, 64)`, with
/// `Atoi` in the error.
pub fn atoi(s: &str) -> Result<i64, NumError> {
    parse_int_as(s, 10, 64, "Atoi")
}

/// Go's `underscoreOK`: underscores only between digits, or between a base prefix and a digit.
pub(crate) fn underscore_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    if let Some(&c) = b.first() {
        if c == b'-' || c == b'+' {
            b = &b[1..];
        }
    }
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(lower(b[1]), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = lower(b[1]) == b'x';
    }
    while i < b.len() {
        let c = b[i];
        i += 1;
        if c.is_ascii_digit() || (hex && (b'a'..=b'f').contains(&lower(c))) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// Go `unicode.IsPrint`, approximated outside Latin-1: Go prints letters, marks, numbers,
/// punctuation, symbols and the ASCII space as they are; here everything is printable except
/// control characters, white space other than U+0020, the common format characters (soft
/// hyphen, zero-width and bidi controls, BOM) and private-use and non-characters. Unassigned
/// code points, which Go escapes, are printed as they are.
fn is_print(c: char) -> bool {
    let u = u32::from(c);
    if u <= 0xFF {
        return (0x20..=0x7E).contains(&u) || ((0xA1..=0xFF).contains(&u) && u != 0xAD);
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let format_or_private = matches!(u,
        0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x08E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xE000..=0xF8FF
            | 0xFDD0..=0xFDEF
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0xFFFE..=0xFFFF
            | 0x1_BCA0..=0x1_BCA3
            | 0x1_D173..=0x1_D17A
            | 0xE_0001
            | 0xE_0020..=0xE_007F
            | 0xF_0000..=0x10_FFFF
    );
    !format_or_private && (u & 0xFFFE) != 0xFFFE
}

fn push_escaped(out: &mut String, c: char, quote: Option<char>) {
    use std::fmt::Write as _;
    if Some(c) == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if is_print(c) {
        out.push(c);
        return;
    }
    let u = u32::from(c);
    let _ = match c {
        '\u{7}' => out.write_str("\\a"),
        '\u{8}' => out.write_str("\\b"),
        '\u{c}' => out.write_str("\\f"),
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        '\u{b}' => out.write_str("\\v"),
        _ if u < 0x20 || u == 0x7F => write!(out, "\\x{u:02x}"),
        _ if u < 0x1_0000 => write!(out, "\\u{u:04x}"),
        _ => write!(out, "\\U{u:08x}"),
    };
}

/// Go `strconv.Quote`: a double-quoted string with Go escapes (`\n`, `\t`, `\x00`, `\u00a0`,
/// `\"`, `\\`). Non-ASCII printability is approximated (see the module docs).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c, Some('"'));
    }
    out.push('"');
    out
}

/// The inside of [`quote`] without the quotes and without escaping `"`: control characters,
/// invisible spaces and backslashes made visible, for showing a value inside a message.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_escaped(&mut out, c, None);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_bool_accepts_exactly_go_set() {
        for s in ["1", "t", "T", "TRUE", "true", "True"] {
            assert_eq!(parse_bool(s), Ok(true), "{s}");
        }
        for s in ["0", "f", "F", "FALSE", "false", "False"] {
            assert_eq!(parse_bool(s), Ok(false), "{s}");
        }
        for s in [
            "", "yes", "on", "tRUE", "TRue", " true", "true ", "2", "y", "no",
        ] {
            assert!(parse_bool(s).is_err(), "{s}");
        }
        assert_eq!(
            parse_bool("yes").unwrap_err().to_string(),
            r#"strconv.ParseBool: parsing "yes": invalid syntax"#
        );
    }

    #[test]
    fn parse_uint_base10() {
        assert_eq!(parse_uint("0", 10, 16), Ok(0));
        assert_eq!(parse_uint("65535", 10, 16), Ok(65535));
        assert_eq!(parse_uint("080", 10, 16), Ok(80));
        assert_eq!(parse_uint("00000000000000000000000080", 10, 16), Ok(80));
        let e = parse_uint("65536", 10, 16).unwrap_err();
        assert_eq!(e.kind, NumErrorKind::Range);
        assert_eq!(
            e.to_string(),
            r#"strconv.ParseUint: parsing "65536": value out of range"#
        );
        for s in [
            "", "+80", "-1", " 80", "80 ", "8_0", "0x50", "8e1", "８０", "80-90", "*",
        ] {
            let e = parse_uint(s, 10, 16).unwrap_err();
            assert_eq!(e.kind, NumErrorKind::Syntax, "{s}");
        }
        assert_eq!(
            parse_uint("", 10, 16).unwrap_err().to_string(),
            r#"strconv.ParseUint: parsing "": invalid syntax"#
        );
        assert_eq!(parse_uint("4294967295", 10, 32), Ok(4_294_967_295));
        assert_eq!(
            parse_uint("4294967296", 10, 32).unwrap_err().kind,
            NumErrorKind::Range
        );
        assert_eq!(parse_uint("18446744073709551615", 10, 64), Ok(u64::MAX));
        assert_eq!(
            parse_uint("18446744073709551616", 10, 64).unwrap_err().kind,
            NumErrorKind::Range
        );
        // Go returns the range error as soon as it overflows, before seeing the bad byte.
        assert_eq!(
            parse_uint("99999999x", 10, 16).unwrap_err().kind,
            NumErrorKind::Range
        );
        assert_eq!(
            parse_uint("9x", 10, 16).unwrap_err().kind,
            NumErrorKind::Syntax
        );
    }

    #[test]
    fn parse_int_base10() {
        assert_eq!(parse_int("+80", 10, 32), Ok(80));
        assert_eq!(parse_int("-1", 10, 32), Ok(-1));
        assert_eq!(parse_int("-0", 10, 32), Ok(0));
        assert_eq!(parse_int("2147483647", 10, 32), Ok(2_147_483_647));
        assert_eq!(parse_int("-2147483648", 10, 32), Ok(-2_147_483_648));
        assert_eq!(
            parse_int("2147483648", 10, 32).unwrap_err().kind,
            NumErrorKind::Range
        );
        assert_eq!(parse_int("-9223372036854775808", 10, 64), Ok(i64::MIN));
        assert_eq!(
            parse_int("9223372036854775808", 10, 64).unwrap_err().kind,
            NumErrorKind::Range
        );
        for s in ["", "+", "-", "--1", "+-1", " 1", "1_0", "222x"] {
            assert_eq!(
                parse_int(s, 10, 32).unwrap_err().kind,
                NumErrorKind::Syntax,
                "{s}"
            );
        }
        assert_eq!(
            parse_int("222x", 10, 32).unwrap_err().to_string(),
            r#"strconv.ParseInt: parsing "222x": invalid syntax"#
        );
        assert_eq!(
            parse_int("99999999999", 10, 32).unwrap_err().to_string(),
            r#"strconv.ParseInt: parsing "99999999999": value out of range"#
        );
    }

    #[test]
    fn parse_int_base0_prefixes_and_underscores() {
        assert_eq!(parse_int("0755", 0, 64), Ok(0o755));
        assert_eq!(parse_int("0", 0, 64), Ok(0));
        assert_eq!(parse_int("-0", 0, 64), Ok(0));
        assert_eq!(parse_int("0x1F", 0, 64), Ok(31));
        assert_eq!(parse_int("0X1f", 0, 64), Ok(31));
        assert_eq!(parse_int("0o17", 0, 64), Ok(15));
        assert_eq!(parse_int("0b101", 0, 64), Ok(5));
        assert_eq!(parse_int("-0x10", 0, 64), Ok(-16));
        assert_eq!(parse_int("1_000", 0, 64), Ok(1000));
        assert_eq!(parse_int("0x_1F", 0, 64), Ok(31));
        assert_eq!(parse_int("0_7", 0, 64), Ok(7));
        for s in [
            "08", "09", "0x", "0b", "0o", "0b2", "1__0", "_1", "1_", "0x_", "1.0", "1e3",
        ] {
            assert!(parse_int(s, 0, 64).is_err(), "{s}");
        }
        assert_eq!(
            parse_int("0x8000000000000000", 0, 64).unwrap_err().kind,
            NumErrorKind::Range
        );
        assert_eq!(parse_uint("0x8000000000000000", 0, 64), Ok(1 << 63));
    }

    #[test]
    fn quote_like_go() {
        assert_eq!(quote("10.0.0.0/8"), r#""10.0.0.0/8""#);
        assert_eq!(quote("8\n"), r#""8\n""#);
        assert_eq!(quote("a\tb\"c\\"), r#""a\tb\"c\\""#);
        assert_eq!(quote("\u{0}\u{7f}"), r#""\x00\x7f""#);
        assert_eq!(quote("\u{a0}x"), r#""\u00a0x""#);
        assert_eq!(quote("\u{feff}"), r#""\ufeff""#);
        assert_eq!(quote("é１"), "\"é１\"");
        assert_eq!(escape("8\n\"x\""), r#"8\n"x""#);
    }
}
