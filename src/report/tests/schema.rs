//! A JSON Schema (draft-04) validator for exactly the keywords the SARIF 2.1.0 schema uses, so
//! that the `sarif` output is checked against the official schema without a schema crate.
//!
//! Supported: `$ref` (local `#/definitions/...`), `type`, `properties`, `required`,
//! `additionalProperties`, `items`, `minItems`, `uniqueItems`, `minimum`, `maximum`, `enum`,
//! `anyOf`, `oneOf`, `format` (`uri`, `uri-reference`, `date-time`). `pattern` is reported as an
//! error when it applies to a value (meshlint emits none of the fields that carry one: GUIDs,
//! MIME types, language tags, file versions), so that emitting one someday fails loudly here
//! rather than passing unchecked. Annotation keywords (`description`, `default`, `title`, `id`,
//! `$schema`) are ignored.

use serde_json::Value;

const KNOWN: &[&str] = &[
    "$ref",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "uniqueItems",
    "minimum",
    "maximum",
    "enum",
    "anyOf",
    "oneOf",
    "format",
    "pattern",
    "description",
    "default",
    "title",
    "id",
    "$schema",
    "definitions",
];

/// Every violation of `schema` by `instance`, each as `path: problem`.
pub(super) fn validate(schema: &Value, instance: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check(schema, schema, instance, "$", &mut errors);
    errors
}

fn check(root: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        if schema == &Value::Bool(false) {
            errors.push(format!("{path}: not allowed"));
        }
        return;
    };
    for key in schema.keys() {
        if !KNOWN.contains(&key.as_str()) {
            errors.push(format!(
                "{path}: schema keyword `{key}` not supported by the test"
            ));
        }
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        // Draft-04: `$ref` replaces the whole schema object.
        match resolve(root, reference) {
            Some(target) => check(root, target, value, path, errors),
            None => errors.push(format!("{path}: unresolved $ref {reference}")),
        }
        return;
    }
    if let Some(types) = schema.get("type") {
        let ok = match types {
            Value::String(t) => has_type(value, t),
            Value::Array(ts) => ts
                .iter()
                .filter_map(Value::as_str)
                .any(|t| has_type(value, t)),
            _ => true,
        };
        if !ok {
            errors.push(format!("{path}: expected type {types}, got {value}"));
            return;
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        if !options.contains(value) {
            errors.push(format!("{path}: {value} not in enum {options:?}"));
        }
    }
    check_scalar(schema, value, path, errors);
    if let Some(items) = value.as_array() {
        check_array(root, schema, items, path, errors);
    }
    if let Some(object) = value.as_object() {
        check_object(root, schema, object, path, errors);
    }
    for (keyword, exactly_one) in [("anyOf", false), ("oneOf", true)] {
        if let Some(options) = schema.get(keyword).and_then(Value::as_array) {
            let passing = options
                .iter()
                .filter(|option| {
                    let mut sub = Vec::new();
                    check(root, option, value, path, &mut sub);
                    sub.is_empty()
                })
                .count();
            if passing == 0 || (exactly_one && passing != 1) {
                errors.push(format!(
                    "{path}: {passing} of the {keyword} alternatives match"
                ));
            }
        }
    }
}

/// `minimum`, `maximum`, `pattern` and `format` of a number or string.
fn check_scalar(
    schema: &serde_json::Map<String, Value>,
    value: &Value,
    path: &str,
    errors: &mut Vec<String>,
) {
    if let Some(n) = value.as_f64() {
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
            if n < min {
                errors.push(format!("{path}: {n} < minimum {min}"));
            }
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
            if n > max {
                errors.push(format!("{path}: {n} > maximum {max}"));
            }
        }
    }
    if let Some(s) = value.as_str() {
        if schema.contains_key("pattern") {
            errors.push(format!(
                "{path}: a `pattern` applies here; check it by hand"
            ));
        }
        if let Some(format) = schema.get("format").and_then(Value::as_str) {
            if let Err(problem) = check_format(format, s) {
                errors.push(format!("{path}: {s:?} is not a valid {format}: {problem}"));
            }
        }
    }
}

/// `minItems`, `uniqueItems` and `items` of an array.
fn check_array(
    root: &Value,
    schema: &serde_json::Map<String, Value>,
    items: &[Value],
    path: &str,
    errors: &mut Vec<String>,
) {
    if let Some(min) = schema.get("minItems").and_then(Value::as_u64) {
        if (items.len() as u64) < min {
            errors.push(format!("{path}: {} items < minItems {min}", items.len()));
        }
    }
    if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
        for (i, a) in items.iter().enumerate() {
            if items[..i].contains(a) {
                errors.push(format!("{path}[{i}]: duplicate item"));
            }
        }
    }
    if let Some(item_schema) = schema.get("items") {
        for (i, item) in items.iter().enumerate() {
            check(root, item_schema, item, &format!("{path}[{i}]"), errors);
        }
    }
}

/// `required`, `properties` and `additionalProperties` of an object.
fn check_object(
    root: &Value,
    schema: &serde_json::Map<String, Value>,
    object: &serde_json::Map<String, Value>,
    path: &str,
    errors: &mut Vec<String>,
) {
    let properties = schema.get("properties").and_then(Value::as_object);
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        for key in required.iter().filter_map(Value::as_str) {
            if !object.contains_key(key) {
                errors.push(format!("{path}: missing required `{key}`"));
            }
        }
    }
    for (key, child) in object {
        let child_path = format!("{path}.{key}");
        match properties.and_then(|p| p.get(key)) {
            Some(child_schema) => check(root, child_schema, child, &child_path, errors),
            None => match schema.get("additionalProperties") {
                Some(Value::Bool(false)) => {
                    errors.push(format!("{child_path}: property not allowed"));
                }
                Some(extra @ Value::Object(_)) => {
                    check(root, extra, child, &child_path, errors);
                }
                _ => {}
            },
        }
    }
}

fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    if reference == "#" {
        return Some(root);
    }
    root.pointer(reference.strip_prefix('#')?)
}

fn has_type(value: &Value, t: &str) -> bool {
    match t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

fn check_format(format: &str, s: &str) -> Result<(), &'static str> {
    let bad_char = |c: char| c.is_whitespace() || c.is_control() || "<>\"{}|\\^`".contains(c);
    match format {
        "uri" | "uri-reference" => {
            if s.chars().any(bad_char) {
                return Err("character not allowed in a URI");
            }
            let bytes = s.as_bytes();
            for (i, b) in bytes.iter().enumerate() {
                if *b == b'%'
                    && !(i + 2 < bytes.len()
                        && bytes[i + 1].is_ascii_hexdigit()
                        && bytes[i + 2].is_ascii_hexdigit())
                {
                    return Err("bad percent-encoding");
                }
            }
            let scheme_end = s.find(':');
            let first_delim = s.find(['/', '?', '#']);
            let has_scheme = scheme_end.is_some_and(|end| {
                end > 0
                    && first_delim.is_none_or(|d| end < d)
                    && s[..end].starts_with(|c: char| c.is_ascii_alphabetic())
                    && s[..end]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            });
            if format == "uri" && !has_scheme {
                return Err("an absolute URI needs a scheme");
            }
            if format == "uri-reference"
                && !has_scheme
                && scheme_end.is_some_and(|end| first_delim.is_none_or(|d| end < d))
            {
                return Err("a relative reference's first segment cannot contain `:`");
            }
            Ok(())
        }
        "date-time" => Err("meshlint emits no timestamps"),
        _ => Err("unknown format"),
    }
}
