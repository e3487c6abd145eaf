//! Kubernetes' YAML 1.1 scalar typing (go-yaml v2 `resolve.go`), done by meshlint itself.
//!
//! `kubectl apply` and Helm decode manifests into untyped maps through go-yaml v2, so a plain
//! `08` is a float, `yes` a bool and `2024-01-01` a string. Annotation and label values must
//! come out as strings, which is why this matters (MESH501).

use super::{NodeKind, NodeRef, ScalarStyle, Tag};

/// The type go-yaml v2 gives a node when decoding into an untyped value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarType {
    Null,
    Bool,
    Int,
    Float,
    Str,
    Mapping,
    Sequence,
}

impl ScalarType {
    pub fn describe(self) -> &'static str {
        match self {
            ScalarType::Null => "null",
            ScalarType::Bool => "a boolean",
            ScalarType::Int => "an integer",
            ScalarType::Float => "a number",
            ScalarType::Str => "a string",
            ScalarType::Mapping => "a mapping",
            ScalarType::Sequence => "a sequence",
        }
    }
}

/// The type of `node` as Kubernetes decodes it (aliases take their target's type).
pub fn resolve(node: NodeRef<'_, '_>) -> ScalarType {
    let node = node.resolved();
    let n = node.node();
    match &n.kind {
        NodeKind::Mapping { .. } => ScalarType::Mapping,
        NodeKind::Sequence { .. } => ScalarType::Sequence,
        NodeKind::Alias { .. } => ScalarType::Null,
        NodeKind::Scalar { value, style } => resolve_scalar(value, *style, n.tag),
    }
}

/// Resolves one scalar's text, style and explicit tag.
pub fn resolve_scalar(value: &str, style: ScalarStyle, tag: Option<Tag>) -> ScalarType {
    match tag {
        Some(Tag::Str | Tag::Binary | Tag::Other | Tag::Map | Tag::Seq | Tag::Timestamp) => {
            return ScalarType::Str;
        }
        Some(Tag::Int) => {
            return resolve_plain(value)
                .filter(|t| *t == ScalarType::Int)
                .map_or(ScalarType::Str, |t| t)
        }
        Some(Tag::Bool) => {
            return resolve_plain(value)
                .filter(|t| *t == ScalarType::Bool)
                .map_or(ScalarType::Str, |t| t)
        }
        Some(Tag::Float) => {
            return match resolve_plain(value) {
                Some(ScalarType::Int | ScalarType::Float) => ScalarType::Float,
                _ => ScalarType::Str,
            }
        }
        Some(Tag::Null) => {
            return if resolve_plain(value) == Some(ScalarType::Null) {
                ScalarType::Null
            } else {
                ScalarType::Str
            }
        }
        None => {}
    }
    if style != ScalarStyle::Plain {
        return ScalarType::Str;
    }
    resolve_plain(value).unwrap_or(ScalarType::Str)
}

/// go-yaml v2's implicit resolution of a plain scalar, `None` for a string.
fn resolve_plain(value: &str) -> Option<ScalarType> {
    match value {
        "" | "~" | "null" | "Null" | "NULL" => return Some(ScalarType::Null),
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" | "n"
        | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Some(ScalarType::Bool)
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => return Some(ScalarType::Float),
        _ => {}
    }
    let first = value.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return None;
    }
    let plain: String = value.chars().filter(|&c| c != '_').collect();
    if go_parse_int_base0(&plain) || go_parse_uint_base0(&plain) {
        return Some(ScalarType::Int);
    }
    if is_yaml_float(&plain) {
        return Some(ScalarType::Float);
    }
    let bin = plain
        .strip_prefix("0b")
        .or_else(|| plain.strip_prefix("-0b"));
    if let Some(digits) = bin {
        if !digits.is_empty()
            && digits.len() <= 64
            && digits.bytes().all(|c| c == b'0' || c == b'1')
        {
            return Some(ScalarType::Int);
        }
    }
    None
}

/// Go `strconv.ParseInt(s, 0, 64)` succeeds (underscores already removed).
fn go_parse_int_base0(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    let negative = s.starts_with('-');
    match parse_unsigned_base0(digits) {
        Some(v) if negative => v <= 1u128 << 63,
        Some(v) => v < 1u128 << 63,
        None => false,
    }
}

/// Go `strconv.ParseUint(s, 0, 64)` succeeds.
fn go_parse_uint_base0(s: &str) -> bool {
    parse_unsigned_base0(s).is_some_and(|v| v <= u128::from(u64::MAX))
}

/// The magnitude of an unsigned Go integer literal with base prefix (`0x`, `0o`, `0b`, leading
/// `0` for octal), or `None` when it is not one. Values beyond 2^64 saturate just past it.
fn parse_unsigned_base0(s: &str) -> Option<u128> {
    let (radix, digits) = if let Some(d) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (16, d)
    } else if let Some(d) = s.strip_prefix("0o").or_else(|| s.strip_prefix("0O")) {
        (8, d)
    } else if let Some(d) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
        (2, d)
    } else if s.len() > 1 && s.starts_with('0') {
        (8, &s[1..])
    } else {
        (10, s)
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: u128 = 0;
    for c in digits.chars() {
        let d = u128::from(c.to_digit(radix)?);
        v = (v * u128::from(radix) + d).min(1u128 << 65);
    }
    Some(v)
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> ScalarType {
        resolve_scalar(s, ScalarStyle::Plain, None)
    }

    #[test]
    fn booleans_of_yaml_1_1() {
        for s in [
            "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
        ] {
            assert_eq!(plain(s), ScalarType::Bool, "{s}");
        }
        for s in [
            "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
        ] {
            assert_eq!(plain(s), ScalarType::Bool, "{s}");
        }
        for s in ["yES", "tRUE", "enabled", "t", "f"] {
            assert_eq!(plain(s), ScalarType::Str, "{s}");
        }
    }

    #[test]
    fn nulls() {
        for s in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(plain(s), ScalarType::Null, "{s:?}");
        }
        assert_eq!(plain("nULL"), ScalarType::Str);
    }

    #[test]
    fn integers_as_go_parse_int_base_0() {
        for s in [
            "0",
            "8200",
            "-1",
            "+80",
            "0755",
            "0x1F",
            "0b101",
            "-0b101",
            "1_000",
            "0o17",
            "18446744073709551615",
        ] {
            assert_eq!(plain(s), ScalarType::Int, "{s}");
        }
    }

    #[test]
    fn floats_including_yaml_1_1_quirks() {
        for s in [
            "08",
            "09",
            "1.",
            "1e3",
            "1.5",
            ".5",
            "-.5e-3",
            "18446744073709551616",
            ".inf",
            "-.Inf",
            ".NaN",
            "+.INF",
        ] {
            assert_eq!(plain(s), ScalarType::Float, "{s}");
        }
    }

    #[test]
    fn strings() {
        for s in [
            "2024-01-01",
            "10.0.0.0/8",
            "8200,8201",
            "1.2.3",
            "0x",
            "0xZZ",
            ".",
            "+",
            "-",
            "1e",
            "v1",
            "1:30",
            "0b2",
        ] {
            assert_eq!(plain(s), ScalarType::Str, "{s}");
        }
    }

    #[test]
    fn quoted_and_block_scalars_are_strings() {
        for style in [
            ScalarStyle::SingleQuoted,
            ScalarStyle::DoubleQuoted,
            ScalarStyle::Literal,
            ScalarStyle::Folded,
        ] {
            assert_eq!(resolve_scalar("true", style, None), ScalarType::Str);
            assert_eq!(resolve_scalar("8200", style, None), ScalarType::Str);
        }
    }

    #[test]
    fn explicit_tags() {
        assert_eq!(
            resolve_scalar("8", ScalarStyle::Plain, Some(Tag::Str)),
            ScalarType::Str
        );
        assert_eq!(
            resolve_scalar("8", ScalarStyle::Plain, Some(Tag::Binary)),
            ScalarType::Str
        );
        assert_eq!(
            resolve_scalar("8", ScalarStyle::Plain, Some(Tag::Other)),
            ScalarType::Str
        );
        assert_eq!(
            resolve_scalar("8", ScalarStyle::Plain, Some(Tag::Map)),
            ScalarType::Str
        );
        assert_eq!(
            resolve_scalar("8", ScalarStyle::DoubleQuoted, Some(Tag::Int)),
            ScalarType::Int
        );
        assert_eq!(
            resolve_scalar("true", ScalarStyle::SingleQuoted, Some(Tag::Bool)),
            ScalarType::Bool
        );
        assert_eq!(
            resolve_scalar("1", ScalarStyle::Plain, Some(Tag::Float)),
            ScalarType::Float
        );
        assert_eq!(
            resolve_scalar("~", ScalarStyle::Plain, Some(Tag::Null)),
            ScalarType::Null
        );
        assert_eq!(
            resolve_scalar("2024-01-01", ScalarStyle::Plain, Some(Tag::Timestamp)),
            ScalarType::Str
        );
    }
}
