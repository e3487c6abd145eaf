//! MESH104: a key in `proxy.istio.io/config` that `ProxyConfig` does not have. The injector
//! decodes the value with jsonpb strictly, then again with unknown fields allowed, so the key
//! passes admission and is silently ignored (`pkg/util/protomarshal/protomarshal.go`).
//!
//! Also home of [`ValueMap`], which maps offsets inside a scalar's string value to offsets in
//! the file, so findings inside `proxy.istio.io/config` (this rule, MESH102) and inside the
//! `mesh` data of the `istio` `ConfigMap` (MESH204) land on the exact key or value.

use super::pod_proxy_config;
use crate::diagnostic::{Diagnostic, Edit, Fix, FixAvailability, RuleMeta, Severity};
use crate::istio::catalog::{self, FieldKind};
use crate::istio::proxy_config::{self, ProxyConfig};
use crate::istio::schema_check::Issue;
use crate::rules::ResourceCheck;
use crate::source::TextRange;
use crate::yaml::edit::rewrite_scalar;
use crate::yaml::{self, NodeKind, NodeRef, ScalarStyle};
use std::ops::Range;

pub static RULE: RuleMeta = RuleMeta {
    code: "MESH104",
    name: "proxy-config-unknown-field",
    severity: Severity::Warning,
    fix: FixAvailability::SometimesSafe,
    summary: "proxy.istio.io/config has a key Istio does not know and silently ignores",
    page: include_str!("../../../rules/MESH104-proxy-config-unknown-field.md"),
};

/// Maps byte offsets inside a scalar's string value (after unquoting and unescaping) to byte
/// offsets in the file. Built only when every byte of the value comes from a known place:
/// plain and quoted scalars on one line (escapes and `''` included), literal block scalars
/// (any number of lines, CRLF too). Folded and multi-line flow scalars fold line breaks, so
/// they get no map and findings fall back to the whole value.
pub(crate) struct ValueMap {
    style: ScalarStyle,
    /// For each byte of the value, the file range of the source text that produced it (a
    /// character, an escape sequence, a line break).
    spans: Vec<(u32, u32)>,
    /// The file offset just after the value's last source character.
    end: u32,
    /// The whole scalar node, the fallback range.
    whole: TextRange,
}

/// Pushes one value character produced by the source range `from..to`.
fn push_char(spans: &mut Vec<(u32, u32)>, rebuilt: &mut String, c: char, from: usize, to: usize) {
    rebuilt.push(c);
    for _ in 0..c.len_utf8() {
        spans.push((from as u32, to as u32));
    }
}

/// The character a double-quoted escape `\c...` stands for, and how many source bytes it
/// takes after the backslash.
fn unescape(rest: &str) -> Option<(char, usize)> {
    let c = rest.chars().next()?;
    let simple = match c {
        '0' => Some('\0'),
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        't' | '\t' => Some('\t'),
        'n' => Some('\n'),
        'v' => Some('\u{b}'),
        'f' => Some('\u{c}'),
        'r' => Some('\r'),
        'e' => Some('\u{1b}'),
        ' ' => Some(' '),
        '"' => Some('"'),
        '/' => Some('/'),
        '\\' => Some('\\'),
        'N' => Some('\u{85}'),
        '_' => Some('\u{a0}'),
        'L' => Some('\u{2028}'),
        'P' => Some('\u{2029}'),
        _ => None,
    };
    if let Some(s) = simple {
        return Some((s, c.len_utf8()));
    }
    let digits = match c {
        'x' => 2,
        'u' => 4,
        'U' => 8,
        _ => return None,
    };
    let hex = rest.get(1..=digits)?;
    let code = u32::from_str_radix(hex, 16).ok()?;
    Some((char::from_u32(code)?, 1 + digits))
}

impl ValueMap {
    /// The map of scalar `value` whose string is `cooked`, or `None` when offsets cannot map.
    pub(crate) fn new(text: &str, value: NodeRef<'_, '_>, cooked: &str) -> Option<Self> {
        if value.is_alias() {
            return None;
        }
        let style = value.style()?;
        let whole = value.range();
        let raw = whole.slice(text);
        let base = whole.start() as usize;
        let mut spans = Vec::with_capacity(cooked.len());
        let mut rebuilt = String::with_capacity(cooked.len());
        let end;
        match style {
            ScalarStyle::Plain => {
                if raw != cooked {
                    return None;
                }
                for (i, c) in raw.char_indices() {
                    push_char(
                        &mut spans,
                        &mut rebuilt,
                        c,
                        base + i,
                        base + i + c.len_utf8(),
                    );
                }
                end = base + raw.len();
            }
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                if raw.len() < 2 {
                    return None;
                }
                let inner = &raw[1..raw.len() - 1];
                if inner.contains(['\n', '\r']) {
                    return None;
                }
                let start = base + 1;
                let mut chars = inner.char_indices().peekable();
                while let Some((i, c)) = chars.next() {
                    let from = start + i;
                    if style == ScalarStyle::SingleQuoted && c == '\'' {
                        chars.next();
                        push_char(&mut spans, &mut rebuilt, '\'', from, from + 2);
                    } else if style == ScalarStyle::DoubleQuoted && c == '\\' {
                        let (ch, len) = unescape(&inner[i + 1..])?;
                        push_char(&mut spans, &mut rebuilt, ch, from, from + 1 + len);
                        let stop = i + 1 + len;
                        while chars.peek().is_some_and(|&(j, _)| j < stop) {
                            chars.next();
                        }
                    } else {
                        push_char(&mut spans, &mut rebuilt, c, from, from + c.len_utf8());
                    }
                }
                end = start + inner.len();
            }
            ScalarStyle::Literal => {
                let header_len = raw.find('\n')?;
                if raw[..header_len].bytes().any(|b| b.is_ascii_digit()) {
                    return None; // An explicit indentation indicator.
                }
                let body = &raw[header_len + 1..];
                let indent = body
                    .split('\n')
                    .map(|l| l.trim_end_matches('\r'))
                    .find(|l| !l.trim().is_empty())
                    .map_or(0, |l| l.len() - l.trim_start_matches(' ').len());
                let mut at = base + header_len + 1;
                let mut lines = body.split('\n').peekable();
                while let Some(line) = lines.next() {
                    let content = line.strip_suffix('\r').unwrap_or(line);
                    let skip = indent.min(content.len() - content.trim_start_matches(' ').len());
                    for (i, c) in content[skip..].char_indices() {
                        let from = at + skip + i;
                        push_char(&mut spans, &mut rebuilt, c, from, from + c.len_utf8());
                    }
                    if lines.peek().is_some() {
                        // The line break, `\r\n` or `\n`, becomes one `\n`.
                        push_char(
                            &mut spans,
                            &mut rebuilt,
                            '\n',
                            at + content.len(),
                            at + line.len() + 1,
                        );
                    }
                    at += line.len() + 1;
                }
                end = base + raw.len();
                // Clip or keep chomping adds line breaks after the last content line.
                let extra = cooked.strip_prefix(rebuilt.as_str())?;
                if !extra.bytes().all(|b| b == b'\n') {
                    return None;
                }
                for _ in 0..extra.len() {
                    push_char(&mut spans, &mut rebuilt, '\n', end, end);
                }
                spans.truncate(cooked.len());
                rebuilt.truncate(cooked.len());
            }
            ScalarStyle::Folded => return None,
        }
        if rebuilt != cooked {
            return None;
        }
        Some(Self {
            style,
            spans,
            end: end as u32,
            whole,
        })
    }

    /// The file range of `r`, a range of the value string.
    pub(crate) fn range(&self, r: &Range<usize>) -> TextRange {
        if r.start > r.end || r.end > self.spans.len() {
            return self.whole;
        }
        if r.start == r.end {
            let at = self.spans.get(r.start).map_or(self.end, |s| s.0);
            return TextRange::empty(at);
        }
        TextRange::new(self.spans[r.start].0, self.spans[r.end - 1].1)
    }

    /// An edit replacing `r` of the value string with `replacement`, written in place in the
    /// scalar's own style; `None` when the replacement cannot be written there as it is.
    pub(crate) fn edit(&self, r: &Range<usize>, replacement: &str) -> Option<Edit> {
        if r.start > r.end || r.end > self.spans.len() {
            return None;
        }
        let content = match self.style {
            ScalarStyle::Plain => {
                if !replacement
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/'))
                {
                    return None;
                }
                replacement.to_owned()
            }
            ScalarStyle::SingleQuoted => {
                if replacement.chars().any(char::is_control) {
                    return None;
                }
                replacement.replace('\'', "''")
            }
            ScalarStyle::DoubleQuoted => {
                if replacement.chars().any(char::is_control) {
                    return None;
                }
                replacement.replace('\\', "\\\\").replace('"', "\\\"")
            }
            ScalarStyle::Literal => {
                if replacement.contains(['\n', '\r']) {
                    return None;
                }
                replacement.to_owned()
            }
            ScalarStyle::Folded => return None,
        };
        Some(Edit::replace(self.range(r), content))
    }
}

/// The edit that makes the string of scalar `value` read as `old` with `r` (a range of `old`)
/// replaced by `replacement`: written in place in the scalar's own style when offsets map, else
/// by [`rewrite_scalar`]. The edit's range is widened to the whole scalar (its text outside the
/// change kept byte for byte), so that it collides with any other fix to the same value: two
/// fixes computed on the same string (a rename here, a merged key there) are then applied in
/// successive rounds, each on the other's result, never blindly together.
pub(crate) fn edit_inside(
    text: &str,
    value: NodeRef<'_, '_>,
    old: &str,
    r: &Range<usize>,
    replacement: &str,
) -> Option<Edit> {
    if crate::yaml::edit::merge_guarded_scalar(value) {
        return None;
    }
    let edit = ValueMap::new(text, value, old)
        .and_then(|m| m.edit(r, replacement))
        .or_else(|| {
            let mut new = old.to_owned();
            new.replace_range(r.clone(), replacement);
            rewrite_scalar(text, value, &new)
        })?;
    let whole = value.range();
    if edit.range.start() < whole.start() || edit.range.end() > whole.end() {
        return Some(edit);
    }
    let mut content = String::with_capacity(whole.len() as usize + edit.content.len());
    content.push_str(&text[whole.start() as usize..edit.range.start() as usize]);
    content.push_str(&edit.content);
    content.push_str(&text[edit.range.end() as usize..whole.end() as usize]);
    Some(Edit::replace(whole, content))
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
fn safe_rename(
    config: &str,
    path: &str,
    key_range: TextRange,
    to: &str,
    was_valid: bool,
) -> Option<(Range<usize>, String)> {
    let doc = proxy_config::first_document(config)?.ok()?;
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
    let ok_parse = proxy_config::first_document(&new)
        .is_some_and(|d| d.is_ok_and(|d| d.duplicate_keys.is_empty()));
    if !ok_parse || (was_valid && proxy_config::read(&new).invalid.is_some()) {
        return None;
    }
    Some((r, replacement))
}

/// The edit renaming the unknown key at `key_range` (dotted `path`) to `to`, when it is safe.
fn rename_edit(
    text: &str,
    value: NodeRef<'_, '_>,
    config: &str,
    pc: &ProxyConfig,
    path: &str,
    key_range: TextRange,
    to: &str,
) -> Option<Edit> {
    safe_rename(config, path, key_range, to, pc.invalid.is_none())
        .and_then(|(r, replacement)| edit_inside(text, value, config, &r, &replacement))
}

/// This rule's rename of a misspelt top-level hold key (`holdApplicationUntilProxyStart`).
pub(crate) struct HoldRename {
    /// The same edit this rule's fix makes.
    pub edit: Edit,
    pub key: String,
    pub to: &'static str,
    /// The config string after the rename.
    pub renamed: String,
}

/// The rename of a misspelt hold key this rule offers for `config` (the string of `value`), if
/// any. MESH101 builds on it, so that its merge and this rename never both write the hold.
pub(crate) fn hold_rename(
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

pub fn check(cx: &ResourceCheck<'_, '_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = &cx.res.pod else { return };
    let Some((_, value, config, pc)) = pod_proxy_config(pod) else {
        return;
    };
    let map = ValueMap::new(cx.text, value, config);
    for issue in &pc.issues {
        let Issue::UnknownKey {
            path,
            key,
            key_range,
            suggestion,
            case_only,
        } = issue
        else {
            continue;
        };
        let range = map
            .as_ref()
            .map_or(value.range(), |m| m.range(&key_range.as_range()));
        let shown = if path == key {
            format!("`{key}`")
        } else {
            format!("`{key}` (at `{path}`)")
        };
        let mut message = format!(
            "`proxy.istio.io/config` has the key {shown}, which ProxyConfig does not have: Istio silently ignores it, so the setting it was meant to make is not applied"
        );
        let mut fix = None;
        if let Some(to) = suggestion {
            message.push_str("; did you mean `");
            message.push_str(to);
            message.push_str(if *case_only {
                "` (field names are case-sensitive)?"
            } else {
                "`?"
            });
            fix = rename_edit(cx.text, value, config, &pc, path, *key_range, to)
                .map(|e| Fix::safe(format!("rename `{key}` to `{to}`"), [e]));
        }
        out.push(Diagnostic::new(&RULE, range, message).with_optional_fix(fix));
    }
}

#[cfg(test)]
mod tests {
    use super::ValueMap;
    use crate::rules::test_util::{at, deployment, fixed, lint, pos};

    const CODE: &str = "MESH104";

    #[test]
    fn typo_in_json_points_at_the_key_inside_the_string() {
        let text = deployment(
            "        proxy.istio.io/config: '{\"holdApplicationUntillProxyStarts\": true}'\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, CODE);
        assert_eq!(
            pos(&text, &d[0]),
            at(&text, "\"holdApplicationUntillProxyStarts\"", 1)
        );
        assert_eq!(
            d[0].range.len(),
            "\"holdApplicationUntillProxyStarts\"".len() as u32
        );
        assert!(d[0].message.contains("`holdApplicationUntillProxyStarts`"));
        assert!(d[0]
            .message
            .contains("did you mean `holdApplicationUntilProxyStarts`"));
        assert!(d[0].message.contains("ignores"));
        let fix = d[0].fix.as_ref().unwrap();
        assert_eq!(fix.applicability, crate::diagnostic::Applicability::Safe);
        assert_eq!(fixed(&text, &d[0]), text.replace("Untill", "Until"));
        assert!(lint(&fixed(&text, &d[0]), CODE).is_empty());
    }

    #[test]
    fn the_rename_collides_with_another_fix_to_the_same_value() {
        // MESH101 merges the hold into the same string; applied together with the rename, the
        // key would be written twice. The widened edit makes the fixer take one per round.
        let text = deployment(
            "        proxy.istio.io/config: '{ \"holdApplicationUntilProxyStart\": true }'\n",
        );
        let rename = lint(&text, CODE).remove(0).fix.unwrap();
        let merge = lint(&text, "MESH101").remove(0).fix.unwrap();
        let applied = crate::fix::apply_fixes(&text, &[&rename, &merge]);
        assert_eq!(applied.applied, vec![0]);
        assert_eq!(applied.skipped, vec![1]);
        assert_eq!(applied.text, text.replace("ProxyStart\"", "ProxyStarts\""));
        assert!(lint(&applied.text, "MESH101").is_empty());
    }

    #[test]
    fn case_only_difference_is_renamed() {
        let text = deployment(
            "        proxy.istio.io/config: '{ HoldApplicationUntilProxyStarts: true, concurrency: 2 }'\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, "HoldApplication", 1));
        assert!(d[0].message.contains("case-sensitive"));
        assert_eq!(
            fixed(&text, &d[0]),
            text.replace("HoldApplication", "holdApplication")
        );
    }

    #[test]
    fn literal_block_with_crlf_and_a_nested_message() {
        let text = deployment(
            "        proxy.istio.io/config: |\n          concurrency: 2\n          proxyStatsMatcher:\n            inclusionPrefixs: [\"cluster.outbound\"]\n          holdApplicationUntilProxyStart: true\n",
        )
        .replace('\n', "\r\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(pos(&text, &d[0]), at(&text, "inclusionPrefixs", 1));
        assert!(d[0].message.contains("proxyStatsMatcher.inclusionPrefixs"));
        assert_eq!(
            fixed(&text, &d[0]),
            text.replace("inclusionPrefixs", "inclusionPrefixes")
        );
        assert_eq!(
            pos(&text, &d[1]),
            at(&text, "holdApplicationUntilProxyStart:", 1)
        );
        assert_eq!(
            fixed(&text, &d[1]),
            text.replace("ProxyStart:", "ProxyStarts:")
        );
    }

    #[test]
    fn json_manifest_with_escaped_quotes() {
        let text = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {"proxy.istio.io/config": "{\"holdApplicationUntilProxyStart\": true}"}}, "spec": {"containers": [{"name": "a", "image": "a"}]}}"#;
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            pos(text, &d[0]),
            at(text, r#"\"holdApplicationUntilProxyStart\""#, 1)
        );
        assert_eq!(
            fixed(text, &d[0]),
            text.replace("ProxyStart\\\"", "ProxyStarts\\\"")
        );
    }

    #[test]
    fn folded_scalar_falls_back_to_the_value() {
        let text = deployment(
            "        proxy.istio.io/config: >\n          {\"holdApplicationUntilProxyStart\":\n          true}\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(&text, &d[0]), at(&text, ">", 1));
        // The fix rewrites the scalar as a quoted one.
        let f = fixed(&text, &d[0]);
        assert!(
            f.contains("holdApplicationUntilProxyStarts\\\": true}"),
            "{f}"
        );
        assert!(lint(&f, CODE).is_empty(), "{f}");
    }

    #[test]
    fn no_fix_when_the_field_is_already_set_or_ambiguous() {
        // The target field is present under its snake_case name: renaming would change which
        // value wins.
        let text = deployment(
            "        proxy.istio.io/config: '{holdApplicationUntilProxyStart: false, hold_application_until_proxy_starts: true}'\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].fix.is_none());
        // A wrong type after renaming would make the config invalid (MESH103): no fix.
        let text = deployment(
            "        proxy.istio.io/config: '{holdApplicationUntilProxyStart: \"yes\"}'\n",
        );
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(d[0].fix.is_none());
        // Nothing close: a message, no suggestion.
        let text = deployment("        proxy.istio.io/config: '{ somethingElse: 1 }'\n");
        let d = lint(&text, CODE);
        assert_eq!(d.len(), 1);
        assert!(!d[0].message.contains("did you mean"));
        assert!(d[0].fix.is_none());
    }

    #[test]
    fn known_fields_maps_and_other_places_are_fine() {
        for config in [
            "'{ \"holdApplicationUntilProxyStarts\": true }'",
            "'hold_application_until_proxy_starts: true'",
            "'{ proxyMetadata: { ANY_NAME_AT_ALL: \"1\" } }'",
            "''",
            "'{}'",
        ] {
            let text = deployment(&format!("        proxy.istio.io/config: {config}\n"));
            assert!(lint(&text, CODE).is_empty(), "{config}");
        }
        // MeshConfig defaultConfig typos are MESH205's, never this rule's.
        let iop = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    defaultConfig:\n      holdApplicationUntilProxyStart: true\n";
        assert!(lint(iop, CODE).is_empty());
        // A workload's own metadata is MESH201's.
        let outer = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    proxy.istio.io/config: '{holdApplicationUntilProxyStart: true}'\nspec:\n  template:\n    spec: {}\n";
        assert!(lint(outer, CODE).is_empty());
    }

    #[test]
    fn cronjob_and_not_injected_pods_are_checked() {
        let text = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\n  namespace: kube-system\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          annotations:\n            proxy.istio.io/config: \"drainDurations: 5s\"\n        spec: {}\n";
        let d = lint(text, CODE);
        assert_eq!(d.len(), 1);
        assert_eq!(pos(text, &d[0]), at(text, "drainDurations", 1));
        assert_eq!(
            fixed(text, &d[0]),
            text.replace("drainDurations", "drainDuration")
        );
    }

    #[test]
    fn value_map_covers_escapes_and_literal_blocks() {
        let text = "a: \"x\\u00e9\\\"y\"\nb: |-\n  k: 1\n\n  z: 2\n";
        let docs = crate::yaml::parse(text);
        let doc = docs[0].as_ref().unwrap();
        let quoted = doc.root().unwrap().get("a").unwrap();
        let cooked = quoted.as_str().unwrap();
        assert_eq!(cooked, "xé\"y");
        let map = ValueMap::new(text, quoted, cooked).unwrap();
        assert_eq!(map.range(&(3..5)).slice(text), "\\\"y");
        let block = doc.root().unwrap().get("b").unwrap();
        let cooked = block.as_str().unwrap();
        let map = ValueMap::new(text, block, cooked).unwrap();
        let zed = cooked.find('z').unwrap();
        assert_eq!(map.range(&(zed..zed + 1)).slice(text), "z");
        assert_eq!(map.range(&(0..cooked.len())).slice(text), "k: 1\n\n  z: 2");
    }
}
