//! Minimal text edits on YAML that follow the file's own conventions: line endings (CRLF stays
//! CRLF), indentation width, flow or block style. Rules build their fixes from these helpers
//! and never re-serialise a document.

use super::{CollectionStyle, NodeRef};
use crate::diagnostic::Edit;
use crate::source::TextRange;

/// `"\r\n"` when the file uses CRLF line endings, else `"\n"`.
pub fn newline(text: &str) -> &'static str {
    match memchr::memchr(b'\n', text.as_bytes()) {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Byte offset of the start of the line containing `offset`.
pub fn line_start(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1)
}

/// Byte offset of the end of the line containing `offset` (before `\r\n` or `\n`).
pub fn line_end(text: &str, offset: usize) -> usize {
    let b = text.as_bytes();
    let mut end = memchr::memchr(b'\n', &b[offset.min(b.len())..]).map_or(b.len(), |p| offset + p);
    if end > 0 && end <= b.len() && end > offset && b[end - 1] == b'\r' {
        end -= 1;
    }
    end
}

/// The column (in characters) at which `offset` sits on its line.
pub fn column(text: &str, offset: usize) -> usize {
    text[line_start(text, offset)..offset].chars().count()
}

/// The file's indentation step: the smallest positive difference between a block mapping key's
/// column and its first child key's column, or 2.
pub fn indent_unit(text: &str, node: NodeRef<'_, '_>) -> usize {
    let doc = node.doc;
    let mut best: Option<usize> = None;
    for n in &doc.nodes {
        if let super::NodeKind::Mapping {
            style: CollectionStyle::Block,
            entries,
        } = &n.kind
        {
            for &(k, v) in entries.iter().take(8) {
                let v = doc.node(v);
                if let super::NodeKind::Mapping {
                    style: CollectionStyle::Block,
                    entries: inner,
                } = &v.kind
                {
                    if let Some(&(ik, _)) = inner.first() {
                        let outer = column(text, doc.node(k).range.start() as usize);
                        let inner_col = column(text, doc.node(ik).range.start() as usize);
                        if inner_col > outer
                            && text[line_start(text, doc.node(ik).range.start() as usize)
                                ..doc.node(ik).range.start() as usize]
                                .trim()
                                .is_empty()
                        {
                            let d = inner_col - outer;
                            best = Some(best.map_or(d, |b: usize| b.min(d)));
                            if d == 2 {
                                return 2;
                            }
                        }
                    }
                }
            }
        }
    }
    best.unwrap_or(2)
}

/// Quotes `value` as a YAML scalar: single quotes unless it needs escapes (control characters),
/// then double quotes. `prefer_double` picks double quotes when both work.
pub fn quote(value: &str, prefer_double: bool) -> String {
    let needs_escape = value.chars().any(|c| c.is_control() && c != '\t');
    if needs_escape || (prefer_double && !value.contains('"') && !value.contains('\\')) {
        let mut out = String::with_capacity(value.len() + 2);
        out.push('"');
        for c in value.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    } else {
        format!("'{}'", value.replace('\'', "''"))
    }
}

/// Whether a key can be written plain (annotation and label keys always can, in practice).
fn key_text(key: &str) -> String {
    let plain_ok = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '-' | '_'))
        && !key.starts_with('-');
    if plain_ok {
        key.to_owned()
    } else {
        quote(key, true)
    }
}

/// Inserts `key: value` as the last entry of mapping `map` (`value` is already YAML text).
/// Returns `None` when the mapping is written in a way this cannot follow safely.
pub fn append_entry(text: &str, map: NodeRef<'_, '_>, key: &str, value: &str) -> Option<Edit> {
    let map = map.resolved();
    let nl = newline(text);
    match map.collection_style()? {
        CollectionStyle::Flow => {
            let r = map.range();
            let last = map.entries().last();
            match last {
                None => {
                    // `{}` (perhaps with blanks inside): fill it.
                    Some(Edit::replace(r, format!("{{{}: {value}}}", key_text(key))))
                }
                Some((_, v)) => Some(Edit::insert(
                    v.range().end(),
                    format!(", {}: {value}", key_text(key)),
                )),
            }
        }
        CollectionStyle::Block => {
            let (first_key, _) = map.entries().next()?;
            let indent = column(text, first_key.range().start() as usize);
            let end = map.range().end() as usize;
            let at = line_end(text, end);
            Some(Edit::insert(
                at as u32,
                format!("{nl}{}{}: {value}", " ".repeat(indent), key_text(key)),
            ))
        }
    }
}

/// Gives a key whose value is null (`annotations:` or `annotations: ~`) a block mapping with one
/// entry. `key_node` is the parent key (`annotations`), `value_node` its null value.
pub fn fill_null(
    text: &str,
    key_node: NodeRef<'_, '_>,
    value_node: NodeRef<'_, '_>,
    key: &str,
    value: &str,
) -> Vec<Edit> {
    let nl = newline(text);
    let unit = indent_unit(text, key_node);
    let indent = column(text, key_node.range().start() as usize) + unit;
    let mut edits = Vec::new();
    let r = value_node.range();
    if !r.is_empty() {
        // An explicit `~`/`null`: remove it (and the blank before it).
        let mut s = r.start() as usize;
        while s > 0 && text.as_bytes()[s - 1] == b' ' {
            s -= 1;
        }
        edits.push(Edit::delete(TextRange::new(s as u32, r.end())));
    }
    let at = line_end(text, key_node.range().end() as usize);
    edits.push(Edit::insert(
        at as u32,
        format!("{nl}{}{}: {value}", " ".repeat(indent), key_text(key)),
    ));
    edits
}

/// Creates the missing mappings `path` (e.g. `["metadata", "annotations"]`) inside `parent`,
/// ending with `key: value`. A missing `metadata` goes first, before the parent's first key;
/// anything else is appended.
pub fn insert_nested(
    text: &str,
    parent: NodeRef<'_, '_>,
    path: &[&str],
    key: &str,
    value: &str,
) -> Option<Edit> {
    let parent = parent.resolved();
    if parent.collection_style()? != CollectionStyle::Block || path.is_empty() {
        return if path.is_empty() {
            append_entry(text, parent, key, value)
        } else {
            None
        };
    }
    let nl = newline(text);
    let unit = indent_unit(text, parent);
    let (first_key, _) = parent.entries().next()?;
    let base = column(text, first_key.range().start() as usize);
    let mut block = String::new();
    for (depth, name) in path.iter().enumerate() {
        if depth > 0 {
            block.push_str(nl);
            block.push_str(&" ".repeat(base + depth * unit));
        }
        block.push_str(name);
        block.push(':');
    }
    block.push_str(nl);
    block.push_str(&" ".repeat(base + path.len() * unit));
    block.push_str(&key_text(key));
    block.push_str(": ");
    block.push_str(value);
    if path[0] == "metadata" {
        block.push_str(nl);
        block.push_str(&" ".repeat(base));
        Some(Edit::insert(first_key.range().start(), block))
    } else {
        let at = line_end(text, parent.range().end() as usize);
        Some(Edit::insert(
            at as u32,
            format!("{nl}{}{block}", " ".repeat(base)),
        ))
    }
}

/// Deletes one `key: value` entry of a mapping: whole lines in block style, the entry and one
/// comma in flow style. `None` when the entry shares its line with something else.
pub fn delete_entry(
    text: &str,
    map: NodeRef<'_, '_>,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
) -> Option<Edit> {
    let map = map.resolved();
    let b = text.as_bytes();
    match map.collection_style()? {
        CollectionStyle::Block => {
            let ks = key.node().props_start.min(key.range().start()) as usize;
            let start = line_start(text, ks);
            if !text[start..ks].trim().is_empty() {
                return None;
            }
            let vend = value.range().end().max(key.range().end()) as usize;
            let end_of_line = line_end(text, vend);
            let rest = text[vend..end_of_line].trim();
            if !rest.is_empty() && !rest.starts_with('#') {
                return None;
            }
            let mut end = end_of_line;
            if end < b.len() && b[end] == b'\r' {
                end += 1;
            }
            if end < b.len() && b[end] == b'\n' {
                end += 1;
            } else if start > 0 {
                // Last line without a final newline: remove the line break before it instead.
                let mut s = start - 1;
                if s > 0 && b[s - 1] == b'\r' {
                    s -= 1;
                }
                return Some(Edit::delete(TextRange::from_usize(s, end)));
            }
            Some(Edit::delete(TextRange::from_usize(start, end)))
        }
        CollectionStyle::Flow => {
            let entries: Vec<_> = map.entries().collect();
            let i = entries.iter().position(|(k, _)| k.id == key.id)?;
            let ks = key.node().props_start as usize;
            let ve = value.range().end().max(key.range().end()) as usize;
            if entries.len() == 1 {
                return Some(Edit::delete(TextRange::from_usize(ks, ve)));
            }
            if i + 1 < entries.len() {
                let next = entries[i + 1].0.node().props_start as usize;
                Some(Edit::delete(TextRange::from_usize(ks, next)))
            } else {
                let prev_end = entries[i - 1]
                    .1
                    .range()
                    .end()
                    .max(entries[i - 1].0.range().end()) as usize;
                Some(Edit::delete(TextRange::from_usize(prev_end, ve)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply_edits;
    use crate::yaml::parse;

    fn apply(text: &str, edits: &[Edit]) -> String {
        apply_edits(text, edits).expect("edits apply")
    }

    #[test]
    fn append_to_block_mapping_keeps_indent_and_crlf() {
        let text = "metadata:\r\n    annotations:\r\n        a: '1' # c\r\n    labels: {}\r\n";
        let docs = parse(text);
        let doc = docs[0].as_ref().unwrap();
        let ann = doc
            .root()
            .unwrap()
            .path(&["metadata", "annotations"])
            .unwrap();
        let e = append_entry(text, ann, "b", "'2'").unwrap();
        assert_eq!(apply(text, &[e]), "metadata:\r\n    annotations:\r\n        a: '1' # c\r\n        b: '2'\r\n    labels: {}\r\n");
        let labels = doc.root().unwrap().path(&["metadata", "labels"]).unwrap();
        let e = append_entry(text, labels, "x", "'y'").unwrap();
        assert!(apply(text, &[e]).contains("labels: {x: 'y'}"));
    }

    #[test]
    fn nested_metadata_goes_first() {
        let text = "spec:\n  template:\n    spec:\n      containers: []\n";
        let docs = parse(text);
        let doc = docs[0].as_ref().unwrap();
        let tpl = doc.root().unwrap().path(&["spec", "template"]).unwrap();
        let e = insert_nested(text, tpl, &["metadata", "annotations"], "k", "'v'").unwrap();
        assert_eq!(
            apply(text, &[e]),
            "spec:\n  template:\n    metadata:\n      annotations:\n        k: 'v'\n    spec:\n      containers: []\n"
        );
    }

    #[test]
    fn fill_null_value() {
        let text = "metadata:\n  annotations:\n  name: x\n";
        let docs = parse(text);
        let doc = docs[0].as_ref().unwrap();
        let (k, v) = doc
            .root()
            .unwrap()
            .get("metadata")
            .unwrap()
            .entry("annotations")
            .unwrap();
        let edits = fill_null(text, k, v, "a", "'b'");
        assert_eq!(
            apply(text, &edits),
            "metadata:\n  annotations:\n    a: 'b'\n  name: x\n"
        );
    }

    #[test]
    fn delete_block_and_flow_entries() {
        let text = "m:\n  a: 1\n  b: 2 # c\n  c: 3";
        let docs = parse(text);
        let doc = docs[0].as_ref().unwrap();
        let m = doc.root().unwrap().get("m").unwrap();
        let (k, v) = m.entry("b").unwrap();
        assert_eq!(
            apply(text, &[delete_entry(text, m, k, v).unwrap()]),
            "m:\n  a: 1\n  c: 3"
        );
        let (k, v) = m.entry("c").unwrap();
        assert_eq!(
            apply(text, &[delete_entry(text, m, k, v).unwrap()]),
            "m:\n  a: 1\n  b: 2 # c"
        );
        let flow = "m: {a: 1, b: 2}\n";
        let docs = parse(flow);
        let doc = docs[0].as_ref().unwrap();
        let m = doc.root().unwrap().get("m").unwrap();
        let (k, v) = m.entry("a").unwrap();
        assert_eq!(
            apply(flow, &[delete_entry(flow, m, k, v).unwrap()]),
            "m: {b: 2}\n"
        );
        let (k, v) = m.entry("b").unwrap();
        assert_eq!(
            apply(flow, &[delete_entry(flow, m, k, v).unwrap()]),
            "m: {a: 1}\n"
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("it's", false), "'it''s'");
        assert_eq!(quote("a\nb", false), "\"a\\nb\"");
        assert_eq!(quote("8200", true), "\"8200\"");
    }
}

/// An edit replacing scalar `node` with `new_value`, written in the scalar's own style where
/// possible: single and double quotes stay, a literal block stays a literal block with its
/// header and indentation; a plain or folded scalar becomes single-quoted.
pub fn rewrite_scalar(text: &str, node: NodeRef<'_, '_>, new_value: &str) -> Option<Edit> {
    let style = node.style()?;
    let range = node.range();
    let content = match style {
        super::ScalarStyle::DoubleQuoted => quote(new_value, true),
        super::ScalarStyle::Literal if !new_value.is_empty() => {
            let src = range.slice(text);
            let header_len = src.find(['\n', '\r']).unwrap_or(src.len());
            let header = &src[..header_len];
            if header.contains('#') {
                return None;
            }
            let body = &src[header_len..];
            let body = body.trim_start_matches(['\r', '\n']);
            let indent = body.len() - body.trim_start_matches(' ').len();
            let indent = if indent == 0 {
                column(text, line_start(text, range.start() as usize)) + 2
            } else {
                indent
            };
            let nl = newline(text);
            let keep_final = header.contains('+');
            let lines: Vec<&str> = new_value
                .strip_suffix('\n')
                .unwrap_or(new_value)
                .split('\n')
                .collect();
            let mut out = header.trim_end().to_owned();
            for line in lines {
                out.push_str(nl);
                if !line.is_empty() {
                    out.push_str(&" ".repeat(indent));
                    out.push_str(line);
                }
            }
            let _ = keep_final;
            out
        }
        _ => quote(new_value, false),
    };
    Some(Edit::replace(range, content))
}
