//! Checks a YAML tree against a generated schema the way Istio decodes it (YAML turned into
//! JSON with YAML 1.1 typing, then jsonpb or Go `encoding/json`): unknown keys and type errors.

use super::catalog::{Decoder, FieldKind, MessageType, Suggestion};
use crate::source::TextRange;
use crate::yaml::resolve::{resolve, ScalarType};
use crate::yaml::NodeRef;

/// One problem found while decoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Issue {
    /// A key the message type does not have.
    UnknownKey {
        /// Dotted path of the key (`defaultConfig.holdApplicationUntilProxyStart`).
        path: String,
        key: String,
        key_range: TextRange,
        suggestion: Option<&'static str>,
        /// Only the letter case differs from `suggestion`.
        case_only: bool,
    },
    /// A value of the wrong JSON type.
    WrongType {
        path: String,
        value_range: TextRange,
        /// What the field wants, in words.
        expected: &'static str,
        /// What it got, in words.
        found: &'static str,
        /// For a bool field given the string "true"/"false": the bool it meant.
        meant_bool: Option<bool>,
    },
}

fn describe(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Bool => "a boolean (true/false, unquoted)",
        FieldKind::Int | FieldKind::Uint => "an integer",
        FieldKind::Double => "a number",
        FieldKind::String | FieldKind::Bytes => "a string",
        FieldKind::Duration => "a duration string such as \"5s\"",
        FieldKind::IntOrString => "an integer or a string",
        FieldKind::Quantity => "a quantity such as \"500m\"",
        FieldKind::Enum(_) => "an enum value name",
        FieldKind::Message(_) | FieldKind::Map(_) => "a mapping",
        FieldKind::List(_) => "a list",
        FieldKind::FreeForm => "anything",
    }
}

/// What a value is, in a schema message: [`ScalarType::describe`], except that a sequence is
/// "a list", as the schemas' repeated fields are called (the YAML-side messages say "a
/// sequence"; both wordings are in users' reports, so neither is changed here).
fn found(ty: ScalarType) -> &'static str {
    match ty {
        ScalarType::Sequence => "a list",
        other => other.describe(),
    }
}

/// Checks `node` (a mapping) against `msg`, appending issues. `strict` reports unknown keys.
pub fn check_message(
    node: NodeRef<'_, '_>,
    msg: &'static MessageType,
    path: &str,
    strict_unknown: bool,
    out: &mut Vec<Issue>,
) {
    check_message_depth(node, msg, path, strict_unknown, out, 0);
}

fn check_message_depth(
    node: NodeRef<'_, '_>,
    msg: &'static MessageType,
    path: &str,
    report_unknown: bool,
    out: &mut Vec<Issue>,
    depth: usize,
) {
    let node = node.resolved();
    if depth > 64 || !node.is_mapping() {
        return;
    }
    for (k, v) in node.entries() {
        let Some(key) = k.resolved().as_str() else {
            continue;
        };
        let child_path = if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        };
        match msg.field_as_decoded(key) {
            Some(field) => check_value(
                v,
                field.kind,
                msg.decoder,
                &child_path,
                report_unknown,
                out,
                depth + 1,
            ),
            None => {
                if report_unknown {
                    let (suggestion, case_only) = match msg.suggest(key) {
                        Suggestion::CaseOnly(s) => (Some(s), true),
                        Suggestion::Near(s) => (Some(s), false),
                        Suggestion::None => (None, false),
                    };
                    out.push(Issue::UnknownKey {
                        path: child_path,
                        key: key.to_owned(),
                        key_range: k.range(),
                        suggestion,
                        case_only,
                    });
                }
            }
        }
    }
}

fn check_value(
    v: NodeRef<'_, '_>,
    kind: FieldKind,
    decoder: Decoder,
    path: &str,
    report_unknown: bool,
    out: &mut Vec<Issue>,
    depth: usize,
) {
    let ty = resolve(v);
    if ty == ScalarType::Null {
        return;
    }
    let target = v.resolved();
    let ok = match kind {
        FieldKind::Message(idx) => {
            if ty == ScalarType::Mapping {
                check_message_depth(
                    v,
                    super::catalog::message(idx),
                    path,
                    report_unknown,
                    out,
                    depth,
                );
                true
            } else {
                false
            }
        }
        FieldKind::Map(inner) => {
            if ty == ScalarType::Mapping {
                for (k, item) in target.entries() {
                    let key = k.resolved().as_str().unwrap_or("?");
                    check_value(
                        item,
                        *inner,
                        decoder,
                        &format!("{path}.{key}"),
                        report_unknown,
                        out,
                        depth + 1,
                    );
                }
                true
            } else {
                false
            }
        }
        FieldKind::List(inner) => {
            if ty == ScalarType::Sequence {
                for (i, item) in target.items().enumerate() {
                    check_value(
                        item,
                        *inner,
                        decoder,
                        &format!("{path}[{i}]"),
                        report_unknown,
                        out,
                        depth + 1,
                    );
                }
                true
            } else {
                false
            }
        }
        _ => scalar_fits(kind, ty, target, decoder),
    };
    if !ok {
        out.push(wrong_type(v, kind, ty, decoder, path));
    }
}

/// Whether a string holds a number (jsonpb reads a quoted number for a numeric field).
fn numeric_string(target: NodeRef<'_, '_>) -> bool {
    target
        .as_str()
        .is_some_and(|s| s.trim().parse::<f64>().is_ok())
}

/// Whether `target` (of type `ty`) is what a field of scalar kind `kind` takes, as `decoder`
/// reads it.
fn scalar_fits(kind: FieldKind, ty: ScalarType, target: NodeRef<'_, '_>, decoder: Decoder) -> bool {
    match kind {
        FieldKind::Bool => ty == ScalarType::Bool,
        FieldKind::Int | FieldKind::Uint => {
            ty == ScalarType::Int
                || (decoder == Decoder::Jsonpb
                    && match ty {
                        // YAML becomes JSON through float64 first: `2.0` and `1e3` arrive
                        // as 2 and 1000, which an integer field takes.
                        ScalarType::Float => integral_float(target.as_str()),
                        // A quoted integer: jsonpb strips the quotes, then parses an integer.
                        ScalarType::Str => target.as_str().is_some_and(is_decimal_integer),
                        _ => false,
                    })
        }
        FieldKind::Double => {
            matches!(ty, ScalarType::Int | ScalarType::Float)
                || (decoder == Decoder::Jsonpb && ty == ScalarType::Str && numeric_string(target))
        }
        FieldKind::String | FieldKind::Bytes => ty == ScalarType::Str,
        // jsonpb reads a Duration with Go's time.ParseDuration.
        FieldKind::Duration => {
            ty == ScalarType::Str
                && (decoder != Decoder::Jsonpb || target.as_str().is_some_and(is_go_duration))
        }
        // jsonpb takes an enum by value name (exactly) or by number.
        FieldKind::Enum(_) => match ty {
            ScalarType::Int => true,
            ScalarType::Str => {
                decoder != Decoder::Jsonpb
                    || kind
                        .enum_type()
                        .zip(target.as_str())
                        .is_none_or(|(e, name)| e.has(name))
            }
            _ => false,
        },
        FieldKind::IntOrString | FieldKind::Quantity => {
            matches!(ty, ScalarType::Str | ScalarType::Int | ScalarType::Float)
        }
        FieldKind::FreeForm | FieldKind::Message(_) | FieldKind::Map(_) | FieldKind::List(_) => {
            true
        }
    }
}

/// The issue for `v` (of type `ty`) where a field of kind `kind` is expected.
fn wrong_type(
    v: NodeRef<'_, '_>,
    kind: FieldKind,
    ty: ScalarType,
    decoder: Decoder,
    path: &str,
) -> Issue {
    let target = v.resolved();
    let meant_bool = (kind == FieldKind::Bool && ty == ScalarType::Str)
        .then(|| target.as_str())
        .flatten()
        .and_then(|s| match s {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        });
    Issue::WrongType {
        path: path.to_owned(),
        value_range: v.range(),
        expected: describe(kind),
        found: match (kind, ty) {
            _ if decoder != Decoder::Jsonpb => found(ty),
            (FieldKind::Duration, ScalarType::Str) => "a string Go cannot read as a duration",
            (FieldKind::Enum(_), ScalarType::Str) => "a name the enum does not have",
            (FieldKind::Int | FieldKind::Uint, ScalarType::Str) if numeric_string(target) => {
                "a string that is not an integer"
            }
            (FieldKind::Int | FieldKind::Uint, ScalarType::Float) => "a fraction",
            _ => found(ty),
        },
        meant_bool,
    }
}

/// Whether a bool-typed node is true (YAML 1.1 words).
pub fn is_true(v: NodeRef<'_, '_>) -> bool {
    crate::yaml::resolve::bool_value(v) == Some(true)
}

/// Whether a YAML float is a whole number (after JSON encoding it is an integer).
fn integral_float(text: Option<&str>) -> bool {
    text.and_then(|t| t.replace('_', "").parse::<f64>().ok())
        .is_some_and(|f| f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15)
}

/// `-?[0-9]+` (with an optional `+`, which Go's integer parsing also takes).
fn is_decimal_integer(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Go's `time.ParseDuration` grammar: `0`, or an optionally signed sequence of decimal
/// numbers each with a unit (`ns`, `us`, `µs`, `μs`, `ms`, `s`, `m`, `h`), such as `1h30m`.
pub fn is_go_duration(s: &str) -> bool {
    let rest = s.strip_prefix(['-', '+']).unwrap_or(s);
    if rest == "0" {
        return true;
    }
    let mut rest = rest;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..number_len];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[number_len..];
        let Some(unit) = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
            .into_iter()
            .find(|u| {
                rest.starts_with(u) && !rest[u.len()..].starts_with(|c: char| c.is_alphabetic())
            })
        else {
            return false;
        };
        rest = &rest[unit.len()..];
    }
    true
}
