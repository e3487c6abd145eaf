//! Minimal text edits on YAML that follow the file's own conventions: line endings (CRLF stays
//! CRLF), indentation width, flow or block style, quoting. Rules build their fixes from these
//! helpers and never re-serialise a document.
//!
//! - [`append_entry`], [`fill_null`], [`insert_nested`] and [`add_entry_at`] add a `key: value`
//!   to a mapping, creating the mappings on the way (`metadata:`, `annotations:`) where a person
//!   would write them.
//! - [`delete_entry`] removes one entry (whole lines in block style).
//! - [`rewrite_scalar`] (and [`rename_key`]) gives a scalar a new value as the smallest edit in
//!   its own style: escapes of a double-quoted scalar, a literal block's header and untouched
//!   lines all stay; every such edit is checked by reading the new source back.

mod relocate;
mod scalar;
mod value_map;

pub use relocate::{relocate_entry, Destination};
pub use value_map::{edit_inside, ValueMap};

use super::resolve::{resolve_scalar, ScalarType};
use super::{CollectionStyle, Document, NodeKind, NodeRef, ScalarStyle};
use crate::diagnostic::Edit;
use crate::source::TextRange;

/// The file's line break: `"\r\n"` (CRLF), `"\r"` (classic Mac) or `"\n"`, as its first line
/// ends.
pub fn newline(text: &str) -> &'static str {
    let b = text.as_bytes();
    match memchr::memchr2(b'\n', b'\r', b) {
        Some(i) if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') => "\r\n",
        Some(i) if b[i] == b'\r' => "\r",
        _ => "\n",
    }
}

/// Byte offset of the start of the line containing `offset` (the `\n` of a `\r\n` belongs to
/// the line it ends).
pub fn line_start(text: &str, offset: usize) -> usize {
    let b = text.as_bytes();
    let mut end = offset.min(b.len());
    loop {
        match memchr::memrchr2(b'\n', b'\r', &b[..end]) {
            Some(p) if b[p] == b'\r' && b.get(p + 1) == Some(&b'\n') => end = p,
            Some(p) => return p + 1,
            None => return 0,
        }
    }
}

/// Byte offset of the end of the line containing `offset` (before `\r\n`, `\n` or `\r`).
pub fn line_end(text: &str, offset: usize) -> usize {
    let b = text.as_bytes();
    let offset = offset.min(b.len());
    memchr::memchr2(b'\n', b'\r', &b[offset..]).map_or(b.len(), |p| offset + p)
}

/// The offset just past the line break (`\r\n`, `\n` or `\r`) at `at`; `at` if there is none.
pub fn past_line_break(text: &str, at: usize) -> usize {
    match text.as_bytes().get(at..) {
        Some([b'\r', b'\n', ..]) => at + 2,
        Some([b'\r' | b'\n', ..]) => at + 1,
        _ => at,
    }
}

/// Where the first line break of `s` is and how long it is (`\r\n`: 2, `\n` or `\r`: 1).
pub fn next_line_break(s: &str) -> Option<(usize, usize)> {
    let at = memchr::memchr2(b'\n', b'\r', s.as_bytes())?;
    Some((at, past_line_break(s, at) - at))
}

/// The lines of `s`, split at `\r\n`, `\n` or `\r` (unlike `str::lines`, a lone `\r` ends a
/// line too, and a final line break leaves an empty last line).
pub fn split_lines(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let r = rest?;
        match next_line_break(r) {
            Some((at, len)) => {
                rest = Some(&r[at + len..]);
                Some(&r[..at])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// The column (in characters) at which `offset` sits on its line (a BOM does not count).
pub fn column(text: &str, offset: usize) -> usize {
    let start = line_start(text, offset);
    let line = &text[start..offset];
    let line = if start == 0 {
        line.strip_prefix('\u{feff}').unwrap_or(line)
    } else {
        line
    };
    line.chars().count()
}

/// The column at which the entry of block mapping key `key` starts: the key's anchor or tag if it
/// has one, and for an explicit key (`? key`) the `?`, which is where a sibling entry goes.
pub fn entry_column(text: &str, key: NodeRef<'_, '_>) -> usize {
    let start = key.node().props_start.min(key.range().start()) as usize;
    let before = text[line_start(text, start)..start].trim_end_matches([' ', '\t']);
    match before.strip_suffix('?') {
        Some(rest)
            if rest.ends_with([' ', '\t']) || rest.trim_start_matches('\u{feff}').is_empty() =>
        {
            column(text, line_start(text, start) + before.len() - 1)
        }
        _ => column(text, start),
    }
}

/// The comment (`# ...`, to the end of the line) that follows `offset` on its line, when only
/// blanks come between.
pub fn trailing_comment(text: &str, offset: usize) -> Option<&str> {
    let rest = &text[offset..line_end(text, offset)];
    let trimmed = rest.trim_start_matches([' ', '\t']);
    (trimmed.starts_with('#') && trimmed.len() < rest.len()).then(|| trimmed.trim_end())
}

/// Where [`trailing_comment`] is.
pub fn trailing_comment_range(text: &str, offset: usize) -> Option<TextRange> {
    let c = trailing_comment(text, offset)?;
    let at = c.as_ptr() as usize - text.as_ptr() as usize;
    Some(TextRange::from_usize(at, at + c.len()))
}

/// The file's indentation step: the smallest positive difference between a block mapping key's
/// column and its first child key's column, or 2.
pub fn indent_unit(text: &str, node: NodeRef<'_, '_>) -> usize {
    let doc = node.doc;
    let mut best: Option<usize> = None;
    for n in &doc.nodes {
        if let NodeKind::Mapping {
            style: CollectionStyle::Block,
            entries,
        } = n.kind
        {
            for &(k, v) in doc.entries_of(entries).iter().take(8) {
                let v = doc.node(v);
                if let NodeKind::Mapping {
                    style: CollectionStyle::Block,
                    entries: inner,
                } = v.kind
                {
                    if let Some(&(ik, _)) = doc.entries_of(inner).first() {
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
        quote_double(value)
    } else {
        format!("'{}'", value.replace('\'', "''"))
    }
}

/// Quotes `value` as a double-quoted YAML scalar, escaping what must be escaped.
pub fn quote_double(value: &str) -> String {
    format!("\"{}\"", scalar::escape_double(value))
}

/// Whether `doc` is written as JSON (its root a flow mapping): new strings there must be JSON
/// strings, double-quoted.
pub fn is_json_document(doc: &Document<'_>) -> bool {
    doc.root()
        .is_some_and(|r| r.collection_style() == Some(CollectionStyle::Flow) && r.is_mapping())
}

/// Whether `doc` prefers double quotes: JSON, or at least as many double- as single-quoted
/// scalars.
pub fn prefers_double(doc: &Document<'_>) -> bool {
    if is_json_document(doc) {
        return true;
    }
    let (mut single, mut double) = (0, 0);
    for n in &doc.nodes {
        if let NodeKind::Scalar { style, .. } = &n.kind {
            match style {
                ScalarStyle::SingleQuoted => single += 1,
                ScalarStyle::DoubleQuoted => double += 1,
                _ => {}
            }
        }
    }
    double >= single
}

/// A mapping key as YAML text: plain when it can be (annotation and label keys always can, in
/// practice), else double-quoted.
pub fn key_text(key: &str) -> String {
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

/// A key as YAML text in a mapping written as JSON (`json`: double-quoted) or as YAML (plain
/// when it can be, see [`key_text`]).
pub fn key_written(key: &str, json: bool) -> String {
    if json {
        quote_double(key)
    } else {
        key_text(key)
    }
}

/// `name` as a key written like `like` (a quoted key stays quoted, so JSON stays JSON).
pub fn key_like(like: NodeRef<'_, '_>, name: &str) -> String {
    match like.style() {
        Some(ScalarStyle::DoubleQuoted) => quote_double(name),
        Some(ScalarStyle::SingleQuoted) => format!("'{}'", name.replace('\'', "''")),
        _ => name.to_owned(),
    }
}

/// The text of a value as it should be written at a new place: its own source when it is one
/// plain or quoted line without an anchor or tag, else the string re-quoted. `None` when it is
/// not a scalar.
pub fn value_text(text: &str, value: NodeRef<'_, '_>) -> Option<String> {
    let v = value.resolved();
    let src = value.range().slice(text);
    if !value.is_alias()
        && !value.node().anchored
        && value.node().tag.is_none()
        && !src.contains(['\n', '\r'])
        && !src.is_empty()
        && v.is_scalar()
    {
        return Some(src.to_owned());
    }
    // Kubernetes reads a null in a string map as "".
    let string = if v.is_null() { Some("") } else { v.as_str() };
    string.map(|s| quote(s, true))
}

/// Whether an alias of `node`'s document names `node` or a node around it: an edit there
/// would change every place the anchor is aliased too.
pub fn aliased(node: NodeRef<'_, '_>) -> bool {
    let doc = node.doc;
    let r = node.range();
    doc.nodes.iter().any(|n| match n.kind {
        NodeKind::Alias { target: Some(t) } => {
            let t = doc.node(t).range;
            t.start() <= r.start() && r.end() <= t.end()
        }
        _ => false,
    })
}

/// Whether `value` can be written as a plain scalar that reads back as the same string.
fn plain_safe(value: &str, in_flow: bool) -> bool {
    let Some(first) = value.chars().next() else {
        return false;
    };
    if "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || value.starts_with([' ', '\t'])
        || value.ends_with([' ', '\t', ':'])
        || value.contains(": ")
        || value.contains(" #")
        || value.chars().any(char::is_control)
        || (in_flow && value.contains([',', '[', ']', '{', '}']))
    {
        return false;
    }
    resolve_scalar(value, ScalarStyle::Plain, None) == ScalarType::Str
}

/// Whether the node sits inside a flow collection (a `,`, `]` or `}` follows it, or a `[`, `{`
/// or `,` precedes it).
fn in_flow(text: &str, range: TextRange) -> bool {
    let b = text.as_bytes();
    let mut i = range.end() as usize;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            c => return matches!(c, b',' | b']' | b'}'),
        }
    }
    let mut j = range.start() as usize;
    while j > 0 && matches!(b[j - 1], b' ' | b'\t' | b'\r' | b'\n') {
        j -= 1;
    }
    j > 0 && matches!(b[j - 1], b'[' | b'{' | b',')
}

/// `key: value` nested under `path`, as flow text: `a: {key: value}`; in JSON form (keys and
/// string values double-quoted) when `json`.
fn flow_text(path: &[&str], key: &str, value: &str, json: bool) -> String {
    let k = |name: &str| {
        if json {
            quote_double(name)
        } else {
            key_text(name)
        }
    };
    let value = if json {
        json_value(value)
    } else if is_plain_unsafe_in_flow(value) {
        // `{a: 10.0.0.0/8,10.1.0.0/16}` would be three entries: quote what was plain.
        quote(value.trim(), false)
    } else {
        value.to_owned()
    };
    let mut out = format!("{}: {value}", k(key));
    for name in path.iter().rev() {
        out = format!("{}: {{{out}}}", k(name));
    }
    out
}

/// Whether YAML text `value` is a plain scalar that would not read the same inside a flow
/// collection: flow indicators end a plain scalar there.
fn is_plain_unsafe_in_flow(value: &str) -> bool {
    let plain = !value.starts_with(['"', '\'', '{', '[', '|', '>', '&', '*', '!']);
    plain
        && (value.contains([',', '[', ']', '{', '}'])
            || value.contains(": ")
            || value.contains(" #"))
}

/// A YAML scalar text as JSON: a single-quoted or plain string becomes double-quoted; numbers,
/// booleans, null and double-quoted strings stay.
fn json_value(value: &str) -> String {
    if let Some(inner) = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .filter(|v| !v.contains('\n'))
    {
        return quote_double(&inner.replace("''", "'"));
    }
    let keep = value.starts_with(['"', '{', '['])
        || matches!(value, "true" | "false" | "null")
        || serde_json::from_str::<serde_json::Number>(value).is_ok();
    if keep {
        value.to_owned()
    } else {
        quote_double(value)
    }
}

/// Whether new entries of flow mapping `map` should be written as JSON: the document is JSON
/// (its root is a flow mapping), or every key of `map` is double-quoted, or `map` is empty and
/// its own key (`map_key`, when known) is double-quoted.
pub fn writes_json(map: NodeRef<'_, '_>, map_key: Option<NodeRef<'_, '_>>) -> bool {
    if map.collection_style() != Some(CollectionStyle::Flow) {
        return false;
    }
    let doc_json = is_json_document(map.doc);
    let mut keys = map.literal_entries().map(|(k, _)| k).peekable();
    let double = |k: NodeRef<'_, '_>| k.style() == Some(ScalarStyle::DoubleQuoted);
    doc_json
        || match keys.peek() {
            Some(_) => keys.all(double),
            None => map_key.is_some_and(double),
        }
}

fn json_style(map: NodeRef<'_, '_>) -> bool {
    writes_json(map, None)
}

/// `key: value` nested under `path`, as block lines starting at column `indent` (the first line
/// without indentation, so it can follow a key or a line break), levels `unit` apart.
fn block_text(
    path: &[&str],
    key: &str,
    value: &str,
    indent: usize,
    unit: usize,
    nl: &str,
) -> String {
    let mut out = String::new();
    for (depth, name) in path.iter().enumerate() {
        if depth > 0 {
            out.push_str(nl);
            out.push_str(&" ".repeat(indent + depth * unit));
        }
        out.push_str(&key_text(name));
        out.push(':');
    }
    if !path.is_empty() {
        out.push_str(nl);
        out.push_str(&" ".repeat(indent + path.len() * unit));
    }
    out.push_str(&key_text(key));
    out.push_str(": ");
    out.push_str(value);
    out
}

/// Inserts `key: value` as the last entry of mapping `map` (`value` is already YAML text).
/// Returns `None` when the mapping is written in a way this cannot follow safely.
pub fn append_entry(text: &str, map: NodeRef<'_, '_>, key: &str, value: &str) -> Option<Edit> {
    append_nested(text, map, None, &[], key, value)
}

/// Like [`append_entry`], for the value of `map_key`: an empty flow mapping (`"annotations":
/// {}`) gets a JSON entry when its key is double-quoted.
pub fn append_entry_of(
    text: &str,
    map_key: NodeRef<'_, '_>,
    map: NodeRef<'_, '_>,
    key: &str,
    value: &str,
) -> Option<Edit> {
    append_nested(text, map, Some(map_key), &[], key, value)
}

/// Appends the entry `entry`, already written as flow text (`key: value`), to flow mapping
/// `map`: after its last entry, on the same line or on a line of its own as the entries are
/// written. `None` for a block mapping.
pub fn append_flow_text(text: &str, map: NodeRef<'_, '_>, entry: &str) -> Option<Edit> {
    let map = map.resolved();
    if map.doc.merge_guarded(map.id) || map.collection_style()? != CollectionStyle::Flow {
        return None;
    }
    let r = map.range();
    match map.literal_entries().last() {
        // `{}` (perhaps with blanks inside): fill it.
        None => text[r.as_range()]
            .starts_with('{')
            .then(|| Edit::replace(r, format!("{{{entry}}}"))),
        Some((k, v)) => {
            let after = v.range().end().max(k.range().end());
            let key_start = k.node().props_start.min(k.range().start()) as usize;
            if line_start(text, key_start) == line_start(text, r.start() as usize) {
                Some(Edit::insert(after, format!(", {entry}")))
            } else {
                // One entry per line (pretty-printed JSON): a new line like the last. A comment
                // after the last entry stays on its line, after the new comma.
                let indent = " ".repeat(column(text, key_start));
                let nl = newline(text);
                if trailing_comment(text, after as usize).is_some() {
                    let end = line_end(text, after as usize);
                    let rest = &text[after as usize..end];
                    return Some(Edit::replace(
                        TextRange::from_usize(after as usize, end),
                        format!(",{rest}{nl}{indent}{entry}"),
                    ));
                }
                Some(Edit::insert(after, format!(",{nl}{indent}{entry}")))
            }
        }
    }
}

/// Appends `path: ... key: value` as the last entry of `map` (the value of `map_key`, when
/// known).
fn append_nested(
    text: &str,
    map: NodeRef<'_, '_>,
    map_key: Option<NodeRef<'_, '_>>,
    path: &[&str],
    key: &str,
    value: &str,
) -> Option<Edit> {
    let map = map.resolved();
    if map.doc.merge_guarded(map.id) {
        return None;
    }
    let nl = newline(text);
    match map.collection_style()? {
        CollectionStyle::Flow => {
            let entry = flow_text(path, key, value, writes_json(map, map_key));
            append_flow_text(text, map, &entry)
        }
        CollectionStyle::Block => {
            let (first_key, _) = map.literal_entries().next()?;
            let indent = entry_column(text, first_key);
            let unit = indent_unit(text, map);
            let at = line_end(text, map.range().end() as usize);
            let lines = format!(
                "{nl}{}{}",
                " ".repeat(indent),
                block_text(path, key, value, indent, unit, nl)
            );
            insert_after_last_line(text, map, at, lines)
        }
    }
}

/// Inserts `lines` (starting with a line break) at `at`, the end of a line of `map`'s document.
/// When that is the end of a file without a final line break and a block scalar (`|`, `>`) ends
/// there, its value has no final line break either; a line after it would give it one, so the
/// edit also makes its chomping strip (`|` → `|-`), which keeps the value. `None` when such a
/// scalar's header cannot be found.
fn insert_after_last_line(
    text: &str,
    map: NodeRef<'_, '_>,
    at: usize,
    lines: String,
) -> Option<Edit> {
    if at != text.len() || text.ends_with(['\n', '\r']) {
        return Some(Edit::insert(at as u32, lines));
    }
    let block = map.doc.nodes.iter().find(|n| {
        matches!(
            n.kind,
            NodeKind::Scalar {
                style: ScalarStyle::Literal | ScalarStyle::Folded,
                ..
            }
        ) && line_end(text, n.range.end() as usize) == at
    });
    let Some(block) = block else {
        return Some(Edit::insert(at as u32, lines));
    };
    let start = block.range.start() as usize;
    let header = text.get(start..at)?;
    let indicator = header.chars().next().filter(|c| matches!(c, '|' | '>'))?;
    let flags: String = header[1..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '+' | '-'))
        .collect();
    let digits: String = flags.chars().filter(char::is_ascii_digit).collect();
    Some(Edit::replace(
        TextRange::from_usize(start, at),
        format!("{indicator}-{digits}{}{lines}", &header[1 + flags.len()..]),
    ))
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
    fill_null_nested(text, key_node, value_node, &[], key, value)
}

/// Like [`fill_null`], with mappings `path` created between the key and the new entry.
pub fn fill_null_nested(
    text: &str,
    key_node: NodeRef<'_, '_>,
    value_node: NodeRef<'_, '_>,
    path: &[&str],
    key: &str,
    value: &str,
) -> Vec<Edit> {
    let r = value_node.range();
    let props = TextRange::new(value_node.node().props_start.min(r.start()), r.end());
    if in_flow(text, props) || in_flow(text, key_node.range()) && !r.is_empty() {
        // `{annotations: }` or `{annotations: null}`: a flow mapping in its place.
        let json = key_node.style() == Some(ScalarStyle::DoubleQuoted)
            || json_style(key_node.doc.root().unwrap_or(key_node));
        let content = format!("{{{}}}", flow_text(path, key, value, json));
        return vec![if props.is_empty() {
            let end = super::skip_blanks(text, props.start() as usize);
            Edit::replace(
                TextRange::new(props.start(), end as u32),
                format!(" {content}"),
            )
        } else {
            Edit::replace(props, content)
        }];
    }
    let nl = newline(text);
    let unit = indent_unit(text, key_node);
    let indent = entry_column(text, key_node) + unit;
    let mut edits = Vec::new();
    if !props.is_empty() {
        // An explicit `~`/`null`: remove it (and the blanks before it).
        let mut s = props.start() as usize;
        while s > 0 && text.as_bytes()[s - 1] == b' ' {
            s -= 1;
        }
        edits.push(Edit::delete(TextRange::new(s as u32, props.end())));
    }
    let at = line_end(text, key_node.range().end().max(r.end()) as usize);
    edits.push(Edit::insert(
        at as u32,
        format!(
            "{nl}{}{}",
            " ".repeat(indent),
            block_text(path, key, value, indent, unit, nl)
        ),
    ));
    edits
}

/// Creates the missing mappings `path` (e.g. `["metadata", "annotations"]`) inside `parent`,
/// ending with `key: value`. A missing `metadata` goes where a person writes it: after a
/// resource's leading `apiVersion`/`kind`, else first (above the comments over the first key);
/// anything else is appended.
pub fn insert_nested(
    text: &str,
    parent: NodeRef<'_, '_>,
    path: &[&str],
    key: &str,
    value: &str,
) -> Option<Edit> {
    let parent = parent.resolved();
    if parent.doc.merge_guarded(parent.id) {
        return None;
    }
    if path.is_empty() || path[0] != "metadata" {
        return append_nested(text, parent, None, path, key, value);
    }
    if parent.collection_style()? == CollectionStyle::Flow {
        return append_nested(text, parent, None, path, key, value);
    }
    let nl = newline(text);
    let unit = indent_unit(text, parent);
    let entries: Vec<_> = parent.literal_entries().collect();
    let (first_key, _) = *entries.first()?;
    let base = entry_column(text, first_key);
    let block = block_text(&path[1..], key, value, base + unit, unit, nl);
    let head = entries
        .iter()
        .take_while(|(k, _)| matches!(k.as_str(), Some("apiVersion" | "kind")))
        .last();
    if let Some((k, v)) = head {
        let at = line_end(text, v.range().end().max(k.range().end()) as usize);
        return Some(Edit::insert(
            at as u32,
            format!(
                "{nl}{}{}:{nl}{}{block}",
                " ".repeat(base),
                path[0],
                " ".repeat(base + unit)
            ),
        ));
    }
    let key_start = first_key.node().props_start.min(first_key.range().start()) as usize;
    let ls = line_start(text, key_start);
    let lines = format!("{}:{nl}{}{block}{nl}", path[0], " ".repeat(base + unit));
    if text[ls..key_start].bytes().all(|b| b == b' ') {
        // Above the full-line comments that sit right over the first key, at its indentation.
        let mut at = ls;
        while at > 0 {
            let prev = line_start(text, at - 1);
            let line = text[prev..at].trim_end_matches(['\n', '\r']);
            let trimmed = line.trim_start_matches(' ');
            if trimmed.starts_with('#') && line.len() - trimmed.len() == base {
                at = prev;
            } else {
                break;
            }
        }
        return Some(Edit::insert(
            at as u32,
            format!("{}{lines}", " ".repeat(base)),
        ));
    }
    // The first key shares its line (`- kind: Pod`): go before it, continuing its indentation.
    Some(Edit::insert(
        key_start as u32,
        format!("{lines}{}", " ".repeat(base)),
    ))
}

/// Adds `key: value` to the mapping at `path` under `parent` (e.g. `["metadata",
/// "annotations"]`), creating what is missing or null on the way. `None` when something on the
/// path is not a mapping, is reached through an alias (the edit would change every user of the
/// anchor), or is written in a way this cannot follow.
pub fn add_entry_at(
    text: &str,
    parent: NodeRef<'_, '_>,
    path: &[&str],
    key: &str,
    value: &str,
) -> Option<Vec<Edit>> {
    let mut cur = parent;
    if cur.is_alias() {
        return None;
    }
    for (i, name) in path.iter().enumerate() {
        match cur.entry(name) {
            Some((k, v)) => {
                if v.is_alias() {
                    return None;
                }
                if v.is_mapping() {
                    cur = v;
                    continue;
                }
                if v.is_null() && v.node().tag.is_none() {
                    return Some(fill_null_nested(text, k, v, &path[i + 1..], key, value));
                }
                return None;
            }
            None => return insert_nested(text, cur, &path[i..], key, value).map(|e| vec![e]),
        }
    }
    append_entry(text, cur, key, value).map(|e| vec![e])
}

/// Deletes one `key: value` entry of a mapping: whole lines in block style (a comment on the
/// entry's line stays, on its own line), the entry and one comma in flow style. `None` when the
/// entry shares its line with something else.
pub fn delete_entry(
    text: &str,
    map: NodeRef<'_, '_>,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
) -> Option<Edit> {
    take_entry_with(text, map, key, value, &[])
}

/// Like [`delete_entry`], the comment on the entry's line included: for a fix that moves the
/// entry and writes the comment with it.
pub fn take_entry(
    text: &str,
    map: NodeRef<'_, '_>,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
) -> Option<Edit> {
    let vend = value.range().end().max(key.range().end()) as usize;
    let trailing: Vec<TextRange> = trailing_comment_range(text, vend).into_iter().collect();
    take_entry_with(text, map, key, value, &trailing)
}

/// Like [`delete_entry`], with the comments in `carried` (the entry's trailing comment, the
/// full-line comments right above it: see [`leading_comments`]) deleted with it, for a fix
/// that writes them where the entry goes. Every other comment inside the deleted lines stays.
pub fn take_entry_with(
    text: &str,
    map: NodeRef<'_, '_>,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
    carried: &[TextRange],
) -> Option<Edit> {
    remove_entry(text, map, key, value, carried)
}

/// The full-line comments right above block mapping key `key`, at its column, with no blank
/// line between (`# why this setting` over `key: value`): what a move of the entry takes along.
pub fn leading_comments(text: &str, key: NodeRef<'_, '_>) -> Vec<TextRange> {
    let start = key.node().props_start.min(key.range().start()) as usize;
    let ls = line_start(text, start);
    if !text[ls..start].bytes().all(|b| b == b' ') {
        return Vec::new();
    }
    let col = start - ls;
    let comments = &key.doc.comments;
    let mut out = Vec::new();
    let mut line = ls;
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    while line > bom {
        // (The BOM stays out of the first line's columns.)
        let prev = line_start(text, line - 1).max(bom);
        let Some(c) = comments
            .iter()
            .find(|c| line_start(text, c.start() as usize).max(bom) == prev)
        else {
            break;
        };
        if c.start() as usize != prev + col || !text[prev..prev + col].bytes().all(|b| b == b' ') {
            break;
        }
        out.push(*c);
        line = prev;
    }
    out.reverse();
    out
}

/// Writes `comments` (their texts) on lines of their own just above the line of `content` that
/// holds `entry` (the moved `key: value`), at that line's indentation. `false`, and `content`
/// untouched, when the entry does not start a line of `content` (flow style).
pub fn carry_comments(content: &mut String, entry: &str, comments: &[&str], nl: &str) -> bool {
    let Some(at) = content.rfind(entry) else {
        return false;
    };
    let Some(line) = content[..at].rfind(['\n', '\r']).map(|i| i + 1) else {
        return false;
    };
    let indent = &content[line..at];
    if !indent.bytes().all(|b| b == b' ') {
        return false;
    }
    let mut lines = String::new();
    for c in comments {
        lines.push_str(indent);
        lines.push_str(c);
        lines.push_str(nl);
    }
    content.insert_str(line, &lines);
    true
}

fn remove_entry(
    text: &str,
    map: NodeRef<'_, '_>,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
    carried: &[TextRange],
) -> Option<Edit> {
    let map = map.resolved();
    if map.doc.merge_guarded(map.id) {
        return None;
    }
    match map.collection_style()? {
        CollectionStyle::Block => remove_block_entry(text, key, value, carried),
        CollectionStyle::Flow => remove_flow_entry(map, key, value),
    }
}

/// [`remove_entry`] in a block mapping: the entry's whole lines, the carried comments above it
/// included, every other comment inside them kept on a line of its own.
fn remove_block_entry(
    text: &str,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
    carried: &[TextRange],
) -> Option<Edit> {
    let b = text.as_bytes();
    let ks = key.node().props_start.min(key.range().start()) as usize;
    let mut start = line_start(text, ks);
    let bom = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    if start == 0 {
        start = bom; // the BOM stays
    }
    if !text[start..ks].trim().is_empty() {
        return None;
    }
    let indent = &text[start..ks];
    let is_carried = |c: &TextRange| carried.iter().any(|r| r.start() == c.start());
    // Carried comments above the key ([`leading_comments`]) go with their lines.
    if let Some(first) = carried
        .iter()
        .map(|c| c.start() as usize)
        .filter(|&c| c < start)
        .min()
    {
        start = line_start(text, first).max(bom);
    }
    let vend = value.range().end().max(key.range().end()) as usize;
    let end_of_line = line_end(text, vend);
    let rest = text[vend..end_of_line].trim();
    if !rest.is_empty() && !rest.starts_with('#') {
        return None;
    }
    // Comments inside the entry (after its key, between the lines of its value) are not the
    // entry's to delete: they stay, each on a line of its own (a full-line comment as it was,
    // one after a key at the entry's indentation). The comment after the value goes only when
    // carried, its caller writing it elsewhere.
    let inside: Vec<TextRange> = key
        .doc
        .comments
        .iter()
        .filter(|c| {
            let (cs, ce) = (c.start() as usize, c.end() as usize);
            start <= cs && ce <= end_of_line && !is_carried(c)
        })
        .copied()
        .collect();
    if !inside.iter().all(|c| c.start() as usize >= vend) {
        let nl = newline(text);
        let kept: Vec<String> = inside
            .iter()
            .map(|c| {
                let (cs, ce) = (c.start() as usize, c.end() as usize);
                let own_line = line_start(text, cs);
                if text[own_line..cs].trim().is_empty() {
                    text[own_line..ce].to_owned()
                } else {
                    format!("{indent}{}", &text[cs..ce])
                }
            })
            .collect();
        let end = past_line_break(text, end_of_line);
        let mut content = kept.join(nl);
        if end > end_of_line {
            content.push_str(nl);
        }
        return Some(Edit::replace(TextRange::from_usize(start, end), content));
    }
    if !inside.is_empty() && rest.starts_with('#') {
        // A comment on the entry's line stays, on a line of its own where the entry was.
        return Some(Edit::replace(
            TextRange::from_usize(start, end_of_line),
            format!("{indent}{rest}"),
        ));
    }
    let end = past_line_break(text, end_of_line);
    if end == end_of_line && start > bom {
        // Last line without a final newline: remove the line break before it instead.
        let mut s = start - 1;
        if b[s] == b'\n' && s > 0 && b[s - 1] == b'\r' {
            s -= 1;
        }
        return Some(Edit::delete(TextRange::from_usize(s, end)));
    }
    Some(Edit::delete(TextRange::from_usize(start, end)))
}

/// [`remove_entry`] in a flow mapping: the entry and one comma.
fn remove_flow_entry(
    map: NodeRef<'_, '_>,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
) -> Option<Edit> {
    let entries: Vec<_> = map.literal_entries().collect();
    let i = entries.iter().position(|(k, _)| k.id == key.id)?;
    let ks = key.node().props_start as usize;
    let ve = value.range().end().max(key.range().end()) as usize;
    if entries.len() == 1 {
        // The whole mapping becomes `{}`: an entry another fix appends after this one (at its
        // end) then collides with this edit instead of landing after a comma that is gone.
        return Some(Edit::replace(map.range(), "{}"));
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

/// An edit giving scalar `node` the value `new_value`, as small as the scalar's style allows:
/// only the changed part of the source is replaced, written in the scalar's own style (a
/// double-quoted scalar keeps its escapes and quotes, a single-quoted one its quotes, a literal
/// block its header, indentation and untouched lines, a plain one stays plain while the new
/// value can be plain). When that is not possible the whole scalar is rewritten: double quotes
/// stay double, single stay single (unless the value needs escapes), a literal block stays a
/// literal block when its chomping can express the value, anything else is quoted. `None` when
/// the value is already `new_value` (and already a string) or `node` is not a scalar.
///
/// Works on keys too (see [`rename_key`]).
pub fn rewrite_scalar(text: &str, node: NodeRef<'_, '_>, new_value: &str) -> Option<Edit> {
    if merge_guarded_scalar(node) {
        return None;
    }
    let style = node.style()?;
    let old = node.as_str()?;
    let tag = node.node().tag;
    let keeps_plain = style != ScalarStyle::Plain
        || (plain_safe(new_value, in_flow(text, node.range()))
            && resolve_scalar(new_value, ScalarStyle::Plain, tag) == ScalarType::Str);
    if old == new_value && keeps_plain {
        return None;
    }
    if keeps_plain {
        if let Some(edit) = minimal_rewrite(text, node, style, old, new_value) {
            return Some(edit);
        }
    }
    Some(whole_rewrite(text, node, style, new_value))
}

/// For each byte offset `0..=len` of `node`'s string value, the file offset it comes from when
/// that is unambiguous (not inside an escape, a line fold or a block's indentation). `None` for
/// forms not mapped (a folded block's more-indented lines, anything surprising).
pub fn value_offsets(text: &str, node: NodeRef<'_, '_>) -> Option<Vec<Option<u32>>> {
    if merge_guarded_scalar(node) {
        return None;
    }
    let range = node.range();
    let style = node.style()?;
    let src = range.slice(text);
    let value = node.as_str()?;
    let decoded = scalar::decode_as(src, style, value).or_else(|| {
        // A block ending the file without a line break has no final newline to keep (libyaml);
        // read either way, whichever the parser says.
        if range.end() as usize != text.len()
            || !matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
        {
            return None;
        }
        let mut d = scalar::decode_as(src, style, &format!("{value}\n"))?;
        d.value.pop();
        d.cuts.pop();
        Some(d)
    })?;
    Some(
        decoded
            .cuts
            .iter()
            .map(|c| c.map(|c| range.start() + c as u32))
            .collect(),
    )
}

/// The range to replace when a value becomes a single-line scalar: a block collection (or a
/// value on several lines) is replaced from just after its key's colon, so the scalar lands on
/// the key's line (in place, an indentless sequence's scalar would sit at the key's column).
pub fn value_replace_range(
    text: &str,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
) -> (TextRange, bool) {
    let v = value.node();
    let multiline = value.collection_style() == Some(CollectionStyle::Block)
        || text[v.range.as_range()].contains(['\n', '\r'])
        || (v.props_start as usize) < v.range.start() as usize
            && text[v.props_start as usize..v.range.start() as usize].contains(['\n', '\r']);
    if multiline {
        let b = text.as_bytes();
        let mut i = key.range().end() as usize;
        while i < b.len() && b[i] != b':' {
            i += 1;
        }
        (
            TextRange::new((i + 1).min(b.len()) as u32, v.range.end()),
            true,
        )
    } else {
        (TextRange::new(v.props_start, v.range.end()), false)
    }
}

/// Removes the comment at `comment`: the whole line when the comment stands alone on it, else
/// the comment and the blanks before it.
pub fn remove_comment(text: &str, comment: TextRange) -> Edit {
    let b = text.as_bytes();
    let start = comment.start() as usize;
    let ls = line_start(text, start);
    let le = line_end(text, start);
    if text[ls..start].trim().is_empty() {
        let end = past_line_break(text, le);
        if end > le {
            return Edit::delete(TextRange::from_usize(ls, end));
        }
        // The last line, without a final newline: take the line break before it instead.
        let mut s = ls;
        if s > 0 && matches!(b[s - 1], b'\n' | b'\r') {
            s -= 1;
            if b[s] == b'\n' && s > 0 && b[s - 1] == b'\r' {
                s -= 1;
            }
        }
        return Edit::delete(TextRange::from_usize(s, le));
    }
    let mut s = start;
    while s > ls && matches!(b[s - 1], b' ' | b'\t') {
        s -= 1;
    }
    Edit::delete(TextRange::from_usize(s, le))
}

/// Removes item `i` of a comma-separated list whose items sit at `items` (trimmed ranges),
/// with one comma and the blanks around it.
pub fn remove_list_item(items: &[TextRange], i: usize) -> Edit {
    let item = items[i];
    if i + 1 < items.len() {
        Edit::delete(TextRange::new(item.start(), items[i + 1].start()))
    } else if i > 0 {
        Edit::delete(TextRange::new(items[i - 1].end(), item.end()))
    } else {
        Edit::delete(item)
    }
}

/// What a fix tells when merge keys keep it from editing: a new or renamed key could hide a
/// merged value, and an edit inside a merged mapping changes every mapping that merges it.
pub const MERGE_NO_FIX: &str = "no fix is offered: the map merges `<<` values, and an edit here could hide or change a merged one; edit the merged map or write the whole value here";

/// Whether merge keys keep a fix from rewriting scalar `node`: it is written inside a merged
/// mapping (the edit would change every mapping merging it), or it is a key of a mapping with
/// a `<<` (a renamed key can hide a merged one).
pub fn merge_guarded_scalar(node: NodeRef<'_, '_>) -> bool {
    let doc = node.doc;
    if !doc.has_merge_keys {
        return false;
    }
    doc.in_merge_source(node.range())
        || doc.nodes.iter().enumerate().any(|(i, n)| {
            matches!(n.kind, super::NodeKind::Mapping { entries, .. }
                if doc.entries_of(entries).iter().any(|&(k, _)| k == node.id))
                && doc.get(i as u32).has_merge_key()
        })
}

/// Renames a mapping key (a scalar), keeping its quoting style.
pub fn rename_key(text: &str, key: NodeRef<'_, '_>, new_name: &str) -> Option<Edit> {
    rewrite_scalar(text, key, new_name)
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn minimal_rewrite(
    text: &str,
    node: NodeRef<'_, '_>,
    style: ScalarStyle,
    old: &str,
    new: &str,
) -> Option<Edit> {
    let range = node.range();
    let src = range.slice(text);
    // `None` when our reading disagrees with the parser's: do not guess.
    let decoded = scalar::decode_as(src, style, old)?;
    let nl = newline(text);
    let ob = old.as_bytes();
    let nb = new.as_bytes();
    let mut p = ob.iter().zip(nb).take_while(|(a, b)| a == b).count();
    p = floor_boundary(old, p);
    let max_s = (ob.len() - p).min(nb.len() - p);
    let mut s = ob
        .iter()
        .rev()
        .zip(nb.iter().rev())
        .take(max_s)
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(ob.len() - s) || !new.is_char_boundary(nb.len() - s) {
        s -= 1;
    }
    let cut = |i: usize| decoded.cuts.get(i).copied().flatten();
    let mut candidates: Vec<(usize, usize)> = Vec::new();
    if p + s == ob.len() {
        // A pure insertion: it may slide left over equal characters (`a\n` + `b\n` is also `a`
        // + `\nb` before the final `\n`), which is how an insertion at an unmappable place (the
        // end of a block) finds a place that maps (the end of its last line).
        let mut q = p;
        for _ in 0..256 {
            if old.is_char_boundary(q)
                && new.starts_with(&old[..q])
                && new.ends_with(&old[q..])
                && cut(q).is_some()
            {
                candidates.push((q, q));
            }
            if q == 0 {
                break;
            }
            q = floor_boundary(old, q - 1);
            if !new.starts_with(&old[..q]) {
                break;
            }
        }
    }
    // A replacement: shrink the kept prefix and suffix to the nearest cuts that map.
    let a = (0..=p).rev().find(|&i| cut(i).is_some());
    let b = (ob.len() - s..=ob.len()).find(|&i| cut(i).is_some());
    if let (Some(a), Some(b)) = (a, b) {
        if a <= b {
            candidates.push((a, b));
        }
    }
    for (a, b) in candidates {
        let piece = &new[a..nb.len() - (ob.len() - b)];
        let Some(encoded) = scalar::encode(piece, style, new, a, decoded.indent, nl) else {
            continue;
        };
        let (ra, rb) = (cut(a)?, cut(b)?);
        let new_src = format!("{}{encoded}{}", &src[..ra], &src[rb..]);
        if scalar::decode_as(&new_src, style, new).is_some() {
            return Some(Edit::replace(range.sub(ra, rb), encoded));
        }
    }
    None
}

fn whole_rewrite(text: &str, node: NodeRef<'_, '_>, style: ScalarStyle, new: &str) -> Edit {
    let range = node.range();
    let content = match style {
        ScalarStyle::DoubleQuoted => quote_double(new),
        ScalarStyle::SingleQuoted => quote(new, false),
        ScalarStyle::Literal => literal_block(text, node, new)
            .unwrap_or_else(|| quote(new, new.contains('\n') || prefers_double(node.doc))),
        ScalarStyle::Plain | ScalarStyle::Folded => quote(new, prefers_double(node.doc)),
    };
    // An empty value (`key:`) is zero-width right after its indicator: the new one needs
    // the blank that separates a value from `:` or `-`.
    let glued = range.is_empty()
        && text[..range.start() as usize]
            .bytes()
            .next_back()
            .is_some_and(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    if glued {
        return Edit::replace(range, format!(" {content}"));
    }
    Edit::replace(range, content)
}

/// The literal block `node` rewritten to hold `new` (header kept), when its chomping indicator
/// can express `new` and the result reads back as `new`.
fn literal_block(text: &str, node: NodeRef<'_, '_>, new: &str) -> Option<String> {
    let range = node.range();
    let src = range.slice(text);
    let header_len = src.find(['\n', '\r'])?;
    let header = &src[..header_len];
    let indicators = header[1..].split('#').next().unwrap_or("").trim_end();
    let body = match indicators {
        "" => new.strip_suffix('\n').filter(|b| !b.ends_with('\n'))?,
        "-" => (!new.ends_with('\n')).then_some(new)?,
        "+" => new.strip_suffix('\n')?,
        _ => return None,
    };
    if body.is_empty() || new.contains('\r') {
        return None;
    }
    let indent = scalar::decode(src, ScalarStyle::Literal).map_or_else(
        || {
            // The key's line indentation plus one step.
            let line = &text[line_start(text, range.start() as usize)..];
            line.len() - line.trim_start_matches(' ').len() + indent_unit(text, node)
        },
        |d| d.indent,
    );
    let nl = newline(text);
    let mut out = header.to_owned();
    for line in body.split('\n') {
        out.push_str(nl);
        if !line.is_empty() {
            out.push_str(&" ".repeat(indent));
            out.push_str(line);
        }
    }
    scalar::decode(&out, ScalarStyle::Literal)
        .is_some_and(|d| d.value == new)
        .then_some(out)
}
#[cfg(test)]
mod tests;
