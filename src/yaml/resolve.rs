//! Kubernetes' YAML 1.1 scalar typing (go-yaml v2 `resolve.go`), done by meshlint itself.
//!
//! `kubectl apply` and Helm decode manifests into untyped maps through go-yaml v2, so a plain
//! `08` is a float, `yes` a bool and `2024-01-01` a string. Annotation and label values must
//! come out as strings, which is why this matters (MESH501).

use super::{NodeKind, NodeRef, ScalarStyle, Tag};
use crate::go::strconv::{parse_int, parse_uint, underscore_ok};

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

/// Whether `text` is one of go-yaml v2's words for `true` (YAML 1.1: `y`, `yes`, `on`, ...).
pub fn is_true_word(text: &str) -> bool {
    matches!(
        text,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON"
    )
}

/// The boolean `node` is as Kubernetes decodes it (`!!bool "yes"` included; aliases followed),
/// `None` when it is not a boolean.
pub fn bool_value(node: NodeRef<'_, '_>) -> Option<bool> {
    let node = node.resolved();
    (resolve(node) == ScalarType::Bool).then(|| node.as_str().is_some_and(is_true_word))
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

/// Why go-yaml v2 refuses to decode a scalar, which makes kubectl fail on the whole document: a
/// tag whose type the text does not have (`!!int "abc"`: "cannot decode !!str `abc` as a
/// !!int"; `!!float` takes an int unless only uint64 holds it). `None` when the node decodes.
/// Aliases are followed. `!!binary` is a string whatever its text, as meshlint's YAML model reads it (go-yaml
/// would also refuse text that is not base64; no manifest writes one).
pub fn decode_error(node: NodeRef<'_, '_>) -> Option<String> {
    let n = node.resolved().node();
    let (NodeKind::Scalar { value, .. }, Some(tag)) = (&n.kind, n.tag) else {
        return None;
    };
    let got = resolve_plain(value);
    let (want, ok) = match tag {
        Tag::Int => ("!!int", got == Some(ScalarType::Int)),
        Tag::Bool => ("!!bool", got == Some(ScalarType::Bool)),
        Tag::Null => ("!!null", got == Some(ScalarType::Null)),
        Tag::Float => (
            "!!float",
            got == Some(ScalarType::Float) || got == Some(ScalarType::Int) && fits_int64(value),
        ),
        // go-yaml tries time.Parse only on text that starts `YYYY-`; past that quick check the
        // formats are not modelled, so such text is taken as decoding.
        Tag::Timestamp => ("!!timestamp", timestamp_prefix(value)),
        _ => return None,
    };
    if ok {
        return None;
    }
    let got = match got {
        Some(ScalarType::Null) => "!!null",
        Some(ScalarType::Bool) => "!!bool",
        Some(ScalarType::Int) => "!!int",
        Some(ScalarType::Float) => "!!float",
        _ => "!!str",
    };
    Some(format!("cannot decode {got} `{value}` as a {want}"))
}

/// An integer go-yaml holds as int64 (ParseInt), not only as uint64.
fn fits_int64(value: &str) -> bool {
    let plain = without_underscores(value);
    parse_int(&plain, 0, 64).is_ok()
        || plain
            .strip_prefix("0b")
            .is_some_and(|r| parse_int(r, 2, 64).is_ok())
}

/// go-yaml's quick check before it tries timestamp formats: four digits and a `-`.
fn timestamp_prefix(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
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
    if first == b'.' {
        // go-yaml hands a `.`-led scalar to ParseFloat as written, underscores included.
        return go_parse_float(value).then_some(ScalarType::Float);
    }
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-')) {
        return None;
    }
    let plain = without_underscores(value);
    if parse_int(&plain, 0, 64).is_ok() || parse_uint(&plain, 0, 64).is_ok() {
        return Some(ScalarType::Int);
    }
    // A float only when ParseFloat takes it: `1e1000` overflows, so it stays a string.
    if is_yaml_float(&plain) && go_parse_float(&plain) {
        return Some(ScalarType::Float);
    }
    // go-yaml's own `0b` fallback: ParseInt(rest, 2) takes a sign, so `0b-1` is an integer.
    if let Some(rest) = plain.strip_prefix("0b") {
        if parse_int(rest, 2, 64).is_ok() || parse_uint(rest, 2, 64).is_ok() {
            return Some(ScalarType::Int);
        }
    }
    None
}

fn without_underscores(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains('_') {
        value
            .chars()
            .filter(|&c| c != '_')
            .collect::<String>()
            .into()
    } else {
        value.into()
    }
}

/// Go `strconv.ParseFloat(s, 64)` succeeds, for the decimal text go-yaml hands it (`.`-led, or
/// matching its float pattern): Go's syntax with its underscore rule (`underscoreOK`), and no
/// overflow to infinity (`ErrRange`).
fn go_parse_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let (mut underscores, mut dot, mut digits) = (false, false, false);
    while i < b.len() {
        match b[i] {
            b'_' => underscores = true,
            b'.' if !dot => dot = true,
            c if c.is_ascii_digit() => digits = true,
            _ => break,
        }
        i += 1;
    }
    if !digits {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return false;
        }
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            underscores |= b[i] == b'_';
            i += 1;
        }
    }
    if i != b.len() || underscores && !underscore_ok(s) {
        return false;
    }
    // Rust rounds as Go does (IEEE nearest-even), so both overflow on the same text.
    without_underscores(s)
        .parse::<f64>()
        .is_ok_and(f64::is_finite)
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
            // Every `_` goes before ParseInt, so doubled and prefix underscores are fine.
            "1__0",
            "0b1_01",
            // go-yaml's own `0b` fallback hands `-1` to ParseInt(_, 2), which takes the sign.
            "0b-1",
            "0b+1",
            "9223372036854775808",
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
    fn floats_only_where_go_parse_float_takes_them() {
        // Out of range is ErrRange, and go-yaml keeps the text as a string.
        for s in ["1e1000", "-1e309", "3e645", "5e92_2", ".5e1000"] {
            assert_eq!(plain(s), ScalarType::Str, "{s}");
        }
        // A zero mantissa never overflows; underflow is no error in Go.
        for s in ["0e1000", "1e-400", ".47_8", ".5e3_0"] {
            assert_eq!(plain(s), ScalarType::Float, "{s}");
        }
        // `.`-led text reaches ParseFloat with its underscores, which Go allows between digits only.
        for s in ["._5", ".7_", ".4__", ".5_e3", "._"] {
            assert_eq!(plain(s), ScalarType::Str, "{s}");
        }
    }

    #[test]
    fn go_underscore_rule() {
        for s in ["1_0", "0x_1F", "0b_1", "-1_0.5_5", ".4_7e1_0"] {
            assert!(underscore_ok(s), "{s}");
        }
        for s in ["_1", "1_", "1__0", "._5", "1_.5", "0x1F_"] {
            assert!(!underscore_ok(s), "{s}");
        }
    }

    #[test]
    fn core_tags_however_spelled() {
        let text = "%TAG !m! tag:yaml.org,2002:i\n---\na: !m!nt 8\nb: !<tag:yaml.org,2002:int> \"8\"\nc: !<tag:example.com,2000:int> 8\n";
        let docs = crate::yaml::parse(text);
        let root = docs[0].as_ref().unwrap().root().unwrap();
        assert_eq!(resolve(root.get("a").unwrap()), ScalarType::Int);
        assert_eq!(resolve(root.get("b").unwrap()), ScalarType::Int);
        assert_eq!(resolve(root.get("c").unwrap()), ScalarType::Str);
    }

    #[test]
    fn decode_errors_name_what_go_yaml_says() {
        let text = "a: !!int \"abc\"\nb: !!bool \"1\"\nc: !!null x\nd: !!binary \"aGk\"\ne: !!float 8\nf: !!int 8\n";
        let docs = crate::yaml::parse(text);
        let root = docs[0].as_ref().unwrap().root().unwrap();
        let error = |k: &str| decode_error(root.get(k).unwrap());
        assert_eq!(
            error("a").as_deref(),
            Some("cannot decode !!str `abc` as a !!int")
        );
        assert_eq!(
            error("b").as_deref(),
            Some("cannot decode !!int `1` as a !!bool")
        );
        assert_eq!(
            error("c").as_deref(),
            Some("cannot decode !!str `x` as a !!null")
        );
        // `!!binary` makes a string whatever the text.
        assert_eq!(error("d"), None);
        assert_eq!(error("e"), None);
        assert_eq!(error("f"), None);
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
