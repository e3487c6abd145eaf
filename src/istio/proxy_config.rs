//! `proxy.istio.io/config`: how the injector reads it (`validateProxyConfig`: YAML or JSON,
//! jsonpb strict then lenient, so unknown keys are ignored and type errors deny the pod).

use super::catalog::{self, FieldKind};
use super::schema_check::{check_message, is_true, Issue};
use crate::diagnostic::Edit;
use crate::source::TextRange;
use crate::yaml::edit::edit_inside;
use crate::yaml::{self, resolve::resolve, resolve::ScalarType, NodeKind, NodeRef};
use std::ops::Range;

/// What the hold field says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hold {
    Unset,
    True,
    False,
}

/// The outcome of reading one `proxy.istio.io/config` value (ranges are inside the value).
#[derive(Clone, Debug)]
pub struct ProxyConfig {
    /// Why the injector would reject it (MESH103), if it would.
    pub invalid: Option<String>,
    /// Unknown keys and type errors found.
    pub issues: Vec<Issue>,
    pub hold: Hold,
    /// The value of a hold key set to null (`~`, `null` or nothing): the fix sets it there.
    pub null_hold: Option<TextRange>,
    /// Where a new key goes: the root mapping's shape.
    pub shape: Shape,
}

/// The shape of the value, for merging a key into it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Empty, `null` or whitespace: replace the whole value.
    Empty,
    /// A flow mapping `{...}`: `close` is the offset of its `}`, `last_end` the end of its last
    /// entry (`None` when empty); `json` when its keys are double-quoted or it has none (`{}` is
    /// JSON, and most such values are written as JSON).
    Flow {
        close: usize,
        last_end: Option<usize>,
        json: bool,
    },
    /// A block mapping: its keys start at `indent` columns; `end` is the end of its last entry.
    Block { indent: usize, end: usize },
    /// Not a mapping (invalid anyway).
    Other,
}

/// The document of a `proxy.istio.io/config` value that Istio reads: the first. The injector
/// converts the value with `sigs.k8s.io/yaml`, whose go-yaml v2 `Unmarshal` parses one document
/// and ignores the rest of the stream, so later documents (and errors in them) do not count.
pub fn first_document(value: &str) -> Option<Result<yaml::Document<'_>, yaml::SyntaxError>> {
    yaml::DocumentParser::new(value).next()
}

/// Reads a `proxy.istio.io/config` value.
pub fn read(value: &str) -> ProxyConfig {
    let mut out = ProxyConfig {
        invalid: None,
        issues: Vec::new(),
        hold: Hold::Unset,
        null_hold: None,
        shape: Shape::Other,
    };
    let doc = match first_document(value) {
        None => {
            out.shape = Shape::Empty;
            return out;
        }
        Some(Err(e)) => {
            out.invalid = Some(format!(
                "{} is not valid YAML/JSON ({})",
                excerpt(value),
                e.message
            ));
            return out;
        }
        Some(Ok(doc)) => doc,
    };
    let Some(root) = doc.root() else {
        out.shape = Shape::Empty;
        return out;
    };
    let root = root.resolved();
    match resolve(root) {
        ScalarType::Null => {
            out.shape = Shape::Empty;
            return out;
        }
        ScalarType::Mapping => {}
        other => {
            out.invalid = Some(format!(
                "{} is {} where a mapping of ProxyConfig fields is expected",
                excerpt(value),
                other.describe()
            ));
            return out;
        }
    }
    out.shape = shape_of(value, root);
    check_message(root, catalog::proxy_config(), "", true, &mut out.issues);
    let type_errors: Vec<String> = out
        .issues
        .iter()
        .filter_map(|i| match i {
            Issue::WrongType {
                path,
                value_range,
                expected,
                found,
                ..
            } => Some(format!(
                "`{path}` is {}, {found}, but must be {expected}",
                excerpt(value_range.slice(value))
            )),
            Issue::UnknownKey { .. } => None,
        })
        .collect();
    if !type_errors.is_empty() {
        out.invalid = Some(type_errors.join("; "));
    }
    read_hold(value, root, &mut out);
    out
}

/// How a mapping value is written, for edits that add a key to it.
fn shape_of(value: &str, root: yaml::NodeRef<'_, '_>) -> Shape {
    match root.collection_style() {
        Some(yaml::CollectionStyle::Flow) => {
            let r = root.range();
            let last = root
                .literal_entries()
                .last()
                .map(|(k, v)| v.range().end().max(k.range().end()) as usize);
            let json = root
                .literal_entries()
                .next()
                .is_none_or(|(k, _)| k.style() == Some(yaml::ScalarStyle::DoubleQuoted));
            Shape::Flow {
                close: r.end() as usize - 1,
                last_end: last,
                json,
            }
        }
        _ => {
            let first = root
                .literal_entries()
                .next()
                .map_or(0, |(k, _)| k.range().start() as usize);
            Shape::Block {
                indent: yaml::edit::column(value, first),
                end: root.range().end() as usize,
            }
        }
    }
}

/// What the hold key of mapping `root` says (either of its names).
fn read_hold(value: &str, root: yaml::NodeRef<'_, '_>, out: &mut ProxyConfig) {
    let hold = root
        .entry("holdApplicationUntilProxyStarts")
        .or_else(|| root.entry("hold_application_until_proxy_starts"));
    if let Some((_, v)) = hold {
        match resolve(v) {
            ScalarType::Bool => out.hold = if is_true(v) { Hold::True } else { Hold::False },
            // Only a value that has its `:` (not `{holdApplicationUntilProxyStarts}`).
            ScalarType::Null
                if !v.is_alias()
                    && !v.node().anchored
                    && (!v.range().is_empty()
                        || value[..v.range().start() as usize]
                            .trim_end_matches([' ', '\t'])
                            .ends_with(':')) =>
            {
                out.null_hold = Some(v.range());
            }
            _ => {}
        }
    }
}

/// Where an unknown key or a type error sits inside the value.
pub fn issue_range(issue: &Issue) -> TextRange {
    match issue {
        Issue::UnknownKey { key_range, .. } => *key_range,
        Issue::WrongType { value_range, .. } => *value_range,
    }
}

/// The value with `holdApplicationUntilProxyStarts: true` merged in, in the value's own form;
/// `None` when no text edit of this shape gives a valid value that holds (a root mapping with
/// an empty, complex or tagged key, say): the fix is only offered when it is known to work.
pub fn with_hold(value: &str, pc: &ProxyConfig) -> Option<String> {
    let merged = merge_hold(value, pc)?;
    let again = read(&merged);
    (again.hold == Hold::True && again.invalid.is_none()).then_some(merged)
}

fn merge_hold(value: &str, pc: &ProxyConfig) -> Option<String> {
    if let Some(null) = pc.null_hold {
        // Set the key that is there rather than add a duplicate.
        let mut s = value.to_owned();
        let blank = null.is_empty() && !value[..null.start() as usize].ends_with([' ', '\t']);
        s.replace_range(null.as_range(), if blank { " true" } else { "true" });
        return Some(s);
    }
    match &pc.shape {
        Shape::Empty => Some("{ \"holdApplicationUntilProxyStarts\": true }".into()),
        Shape::Flow {
            close,
            last_end,
            json,
        } => {
            let key = if *json {
                "\"holdApplicationUntilProxyStarts\""
            } else {
                "holdApplicationUntilProxyStarts"
            };
            let mut s = value.to_owned();
            match last_end {
                Some(end) => s.insert_str(*end, &format!(", {key}: true")),
                None => {
                    // `{}` or `{ }`: fill it, padded as it was.
                    let open = value[..*close].rfind('{')?;
                    let pad = if open + 1 == *close { "" } else { " " };
                    s.replace_range(open..=*close, &format!("{{{pad}{key}: true{pad}}}"));
                }
            }
            Some(s)
        }
        Shape::Block { indent, end } => {
            let mut s = value.to_owned();
            let nl = yaml::edit::newline(value);
            s.insert_str(
                *end,
                &format!(
                    "{nl}{}holdApplicationUntilProxyStarts: true",
                    " ".repeat(*indent)
                ),
            );
            Some(s)
        }
        Shape::Other => None,
    }
}

/// The offending text for a message: backquoted, on one line, at most 40 characters.
fn excerpt(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(40) {
        Some((cut, _)) => format!("`{}…`", &one_line[..cut]),
        None => format!("`{one_line}`"),
    }
}

/// The names of the keys of the mapping (inside `doc`) that holds the key at `key_range`.
fn sibling_keys<'d>(doc: &'d yaml::Document<'_>, key_range: TextRange) -> Vec<&'d str> {
    for node in &doc.nodes {
        if let NodeKind::Mapping { entries, .. } = node.kind {
            let entries = doc.entries_of(entries);
            if entries.iter().any(|&(k, _)| doc.node(k).range == key_range) {
                return entries
                    .iter()
                    .filter_map(|&(k, _)| doc.get(k).as_str())
                    .collect();
            }
        }
    }
    Vec::new()
}

/// The message type that holds the key at dotted `path` (`a.b.key`, list indices `[3]`).
fn parent_message(path: &str) -> Option<&'static catalog::MessageType> {
    let parent = match path.rfind('.') {
        Some(i) => &path[..i],
        None => return Some(catalog::proxy_config()),
    };
    let mut normal = String::with_capacity(parent.len());
    let mut in_index = false;
    for c in parent.chars() {
        match c {
            '[' => {
                in_index = true;
                normal.push_str("[]");
            }
            ']' => in_index = false,
            _ if in_index => {}
            c => normal.push(c),
        }
    }
    match catalog::resolve_path(catalog::proxy_config(), &normal)? {
        FieldKind::Message(i) => Some(catalog::message(i)),
        _ => None,
    }
}

/// The renamed config when renaming `key` to `to` is safe: the target field is not already
/// set in the same mapping (under either of its names), the result still parses as one
/// mapping without duplicate keys, and it is no less valid than before.
pub fn safe_rename(
    config: &str,
    path: &str,
    key_range: TextRange,
    to: &str,
    was_valid: bool,
) -> Option<(Range<usize>, String)> {
    let doc = first_document(config)?.ok()?;
    let siblings = sibling_keys(&doc, key_range);
    let field = parent_message(path)?.field(to)?;
    if siblings
        .iter()
        .any(|s| *s == field.json || *s == field.proto)
    {
        return None;
    }
    let r = key_range.as_range();
    let written = &config[r.clone()];
    let replacement = match written.chars().next() {
        Some(q @ ('"' | '\'')) => format!("{q}{to}{q}"),
        _ => to.to_owned(),
    };
    let mut new = config.to_owned();
    new.replace_range(r.clone(), &replacement);
    let ok_parse =
        first_document(&new).is_some_and(|d| d.is_ok_and(|d| d.duplicate_keys.is_empty()));
    if !ok_parse || (was_valid && read(&new).invalid.is_some()) {
        return None;
    }
    Some((r, replacement))
}

/// The rename of a misspelt top-level hold key (`holdApplicationUntilProxyStart`) that MESH104
/// offers.
pub struct HoldRename {
    /// The same edit MESH104's fix makes.
    pub edit: Edit,
    pub key: String,
    pub to: &'static str,
    /// The config string after the rename.
    pub renamed: String,
}

/// The rename of a misspelt hold key MESH104 offers for `config` (the string of `value`), if
/// any. MESH101 builds on it, so that its merge and this rename never both write the hold.
pub fn hold_rename(
    text: &str,
    value: NodeRef<'_, '_>,
    config: &str,
    pc: &ProxyConfig,
) -> Option<HoldRename> {
    pc.issues.iter().find_map(|issue| {
        let Issue::UnknownKey {
            path,
            key,
            key_range,
            suggestion: Some(to),
            ..
        } = issue
        else {
            return None;
        };
        if path != key
            || !matches!(
                *to,
                "holdApplicationUntilProxyStarts" | "hold_application_until_proxy_starts"
            )
        {
            return None;
        }
        let (r, replacement) = safe_rename(config, path, *key_range, to, pc.invalid.is_none())?;
        let edit = edit_inside(text, value, config, &r, &replacement)?;
        let mut renamed = config.to_owned();
        renamed.replace_range(r, &replacement);
        Some(HoldRename {
            edit,
            key: key.clone(),
            to,
            renamed,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_hold_in_json_and_yaml_forms() {
        assert_eq!(
            read("{ \"holdApplicationUntilProxyStarts\": true }").hold,
            Hold::True
        );
        assert_eq!(
            read("holdApplicationUntilProxyStarts: yes\n").hold,
            Hold::True
        );
        assert_eq!(
            read("hold_application_until_proxy_starts: false").hold,
            Hold::False
        );
        assert_eq!(read("{}").hold, Hold::Unset);
        assert!(read("").invalid.is_none());
        assert!(read("{}").invalid.is_none());
        assert!(read("null").invalid.is_none());
    }

    #[test]
    fn type_errors_make_it_invalid() {
        assert!(read("{ \"holdApplicationUntilProxyStarts\": \"true\" }")
            .invalid
            .is_some());
        assert!(read("holdApplicationUntilProxyStarts: 1").invalid.is_some());
        assert!(read("drainDuration: 45").invalid.is_some());
        assert!(read("drainDuration: 45s").invalid.is_none());
        assert!(read("concurrency: \"2\"").invalid.is_none());
        assert!(read("true").invalid.is_some());
        assert!(read("[]").invalid.is_some());
        assert!(read("{ holdApplicationUntilProxyStarts: true")
            .invalid
            .is_some());
    }

    #[test]
    fn values_are_checked_as_jsonpb_decodes_them() {
        let invalid = |t: &str| read(t).invalid;
        // Durations go through Go's time.ParseDuration.
        for bad in ["\"45\"", "\"\"", "abc", "5sec", "1mo", "."] {
            assert!(invalid(&format!("drainDuration: {bad}")).is_some(), "{bad}");
        }
        for good in ["0", "45s", "1h30m", "1.5m", "-2ms", "300us", ".5s"] {
            assert_eq!(
                invalid(&format!("drainDuration: \"{good}\"")),
                None,
                "{good}"
            );
        }
        // Integers: quoted decimal integers and whole YAML floats pass; fractions do not.
        for good in ["2", "\"2\"", "2.0", "1e3", "08", "\"-3\""] {
            assert_eq!(invalid(&format!("concurrency: {good}")), None, "{good}");
        }
        for bad in ["2.5", "\"2.5\"", "\"1e2\"", "\"inf\"", "\" 2\"", "two"] {
            assert!(invalid(&format!("concurrency: {bad}")).is_some(), "{bad}");
        }
        // Enums by exact value name or number.
        assert_eq!(invalid("interceptionMode: REDIRECT"), None);
        assert_eq!(invalid("interceptionMode: 1"), None);
        assert!(invalid("interceptionMode: redirect").is_some());
    }

    #[test]
    fn invalid_messages_quote_the_offending_value() {
        assert_eq!(
            read("{\"concurrency\": \"two\"}").invalid.unwrap(),
            "`concurrency` is `\"two\"`, a string, but must be an integer"
        );
        assert_eq!(
            read("drainDuration: 45").invalid.unwrap(),
            "`drainDuration` is `45`, an integer, but must be a duration string such as \"5s\""
        );
        assert_eq!(
            read("true").invalid.unwrap(),
            "`true` is a boolean where a mapping of ProxyConfig fields is expected"
        );
        assert!(read("{ hold: [1")
            .invalid
            .unwrap()
            .starts_with("`{ hold: [1` is not valid YAML/JSON ("));
    }

    /// Audit A5: go-yaml v2's `Unmarshal` reads the first document only.
    #[test]
    fn only_the_first_document_counts() {
        let pc = read("holdApplicationUntilProxyStarts: true\n---\nconcurrency: 2\n");
        assert_eq!((pc.invalid, pc.hold), (None, Hold::True));
        // Later documents' errors and values are ignored; an empty first document is null.
        let pc = read("concurrency: 2\n---\n{ broken\n");
        assert_eq!((pc.invalid, pc.hold), (None, Hold::Unset));
        let pc = read("---\n---\nholdApplicationUntilProxyStarts: true\n");
        assert_eq!(
            (pc.invalid, pc.hold, pc.shape),
            (None, Hold::Unset, Shape::Empty)
        );
        let pc = read("# a comment\n---\nholdApplicationUntilProxyStarts: false\n");
        assert_eq!((pc.invalid, pc.hold), (None, Hold::False));
        // The first document is still checked.
        assert!(read("concurrency: two\n---\nconcurrency: 2\n")
            .invalid
            .is_some());
        // The merge lands in the first document.
        let v = "concurrency: 2\n---\nconcurrency: 3\n";
        assert_eq!(
            with_hold(v, &read(v)).unwrap(),
            "concurrency: 2\nholdApplicationUntilProxyStarts: true\n---\nconcurrency: 3\n"
        );
    }

    #[test]
    fn unknown_keys_are_not_invalid() {
        let pc = read("holdApplicationUntilProxyStart: true");
        assert!(pc.invalid.is_none());
        assert_eq!(pc.hold, Hold::Unset);
        assert!(matches!(
            &pc.issues[0],
            Issue::UnknownKey {
                suggestion: Some("holdApplicationUntilProxyStarts"),
                ..
            }
        ));
    }

    #[test]
    fn a_null_hold_is_set_not_duplicated() {
        for (v, want) in [
            (
                "{\"holdApplicationUntilProxyStarts\": null}",
                "{\"holdApplicationUntilProxyStarts\": true}",
            ),
            (
                "concurrency: 2\nholdApplicationUntilProxyStarts: ~\n",
                "concurrency: 2\nholdApplicationUntilProxyStarts: true\n",
            ),
            (
                "holdApplicationUntilProxyStarts:\nconcurrency: 2\n",
                "holdApplicationUntilProxyStarts: true\nconcurrency: 2\n",
            ),
        ] {
            let pc = read(v);
            assert_eq!(pc.hold, Hold::Unset, "{v}");
            assert_eq!(with_hold(v, &pc).unwrap(), want);
        }
    }

    #[test]
    fn merges_keep_the_form() {
        let v = "{ \"concurrency\": 2 }";
        assert_eq!(
            with_hold(v, &read(v)).unwrap(),
            "{ \"concurrency\": 2, \"holdApplicationUntilProxyStarts\": true }"
        );
        let v = "{concurrency: 2}";
        assert_eq!(
            with_hold(v, &read(v)).unwrap(),
            "{concurrency: 2, holdApplicationUntilProxyStarts: true}"
        );
        let v = "concurrency: 2\ntracing: {}\n";
        assert_eq!(
            with_hold(v, &read(v)).unwrap(),
            "concurrency: 2\ntracing: {}\nholdApplicationUntilProxyStarts: true\n"
        );
        // An empty flow mapping is JSON as much as YAML: it stays JSON, padded as it was.
        let v = "{}";
        assert_eq!(
            with_hold(v, &read(v)).unwrap(),
            "{\"holdApplicationUntilProxyStarts\": true}"
        );
        let v = "{ }";
        assert_eq!(
            with_hold(v, &read(v)).unwrap(),
            "{ \"holdApplicationUntilProxyStarts\": true }"
        );
    }

    #[test]
    fn no_merge_is_offered_where_the_text_edit_would_not_hold() {
        // Found by fuzzing: a root mapping with an empty key, a complex key or a tag. The
        // appended line would land outside the mapping or under another key.
        for v in [":", ": ", "?", "!t a: b"] {
            let pc = read(v);
            assert_eq!(pc.hold, Hold::Unset, "{v:?}");
            assert_eq!(with_hold(v, &pc), None, "{v:?}");
        }
    }
}
