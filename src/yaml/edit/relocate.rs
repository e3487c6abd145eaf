//! Moving a mapping entry to another place in the same document: renamed in place, nested in
//! place into new mappings, or moved into an existing mapping beside it (creating the mappings
//! still missing there), its lines re-indented and its trailing comment taken along.

use super::{
    column, indent_unit, key_like, line_end, line_start, newline, next_line_break, split_lines,
    take_entry, trailing_comment,
};
use crate::diagnostic::Edit;
use crate::source::TextRange;
use crate::yaml::{CollectionStyle, Document, NodeKind, NodeRef, ScalarStyle};

/// Where an entry goes, relative to the mapping that holds it.
#[derive(Clone, Copy, Debug)]
pub struct Destination<'t> {
    /// Mappings below the entry's own mapping, outermost first (created when missing).
    pub chain: &'t [&'t str],
    /// The key's name there.
    pub name: &'t str,
}

/// The edits that put the entry `key: value` of mapping `parent` at `to`. `taken` says whether
/// the destination mapping, when it exists, already sets the key (under any of its names).
/// `None` when the destination is taken, something on the way is not a mapping, or the text is
/// written in a way this cannot follow safely.
pub fn relocate_entry(
    text: &str,
    parent: NodeRef<'_, '_>,
    key: NodeRef<'_, '_>,
    value: NodeRef<'_, '_>,
    to: &Destination<'_>,
    taken: &dyn Fn(NodeRef<'_, '_>) -> bool,
) -> Option<Vec<Edit>> {
    let parent = parent.resolved();
    if parent.is_alias() || key.is_alias() {
        return None;
    }
    // The deepest existing mapping on the way.
    let mut dest = parent;
    let mut found = 0;
    for name in to.chain {
        match dest.entry(name) {
            Some((_, v)) if !v.is_alias() && v.is_mapping() => {
                dest = v;
                found += 1;
            }
            Some(_) => return None,
            None => break,
        }
    }
    let entry = Entry::new(text, parent, key, value);
    let rest = &to.chain[found..];
    if rest.is_empty() && taken(dest) {
        return None;
    }
    if found == 0 {
        if rest.is_empty() {
            return Some(vec![Edit::replace(key.range(), key_like(key, to.name))]);
        }
        return entry.nest_in_place(rest, to.name);
    }
    if dest.doc.merge_guarded(dest.id) {
        return None;
    }
    if entry.single {
        entry.move_line(dest, rest, to.name)
    } else {
        entry.move_lines(dest, rest, to.name)
    }
}

/// The entry being moved, as its text lies.
struct Entry<'t, 'd, 'a> {
    text: &'t str,
    parent: NodeRef<'d, 'a>,
    key: NodeRef<'d, 'a>,
    value: NodeRef<'d, 'a>,
    /// Where the entry starts (its key's anchor or tag included) and its content ends.
    start: usize,
    end: usize,
    /// Written on one line (not a block scalar).
    single: bool,
    /// Nothing but blanks before it on its line.
    starts_line: bool,
    parent_block: bool,
    unit: usize,
}

impl<'t, 'd, 'a> Entry<'t, 'd, 'a> {
    fn new(
        text: &'t str,
        parent: NodeRef<'d, 'a>,
        key: NodeRef<'d, 'a>,
        value: NodeRef<'d, 'a>,
    ) -> Self {
        let start = key.node().props_start.min(key.range().start()) as usize;
        let end = content_end(text, value.range().end().max(key.range().end()) as usize);
        let block_scalar = matches!(
            value.style(),
            Some(ScalarStyle::Literal | ScalarStyle::Folded)
        );
        Self {
            text,
            parent,
            key,
            value,
            start,
            end,
            single: !block_scalar && !text[start..end].contains(['\n', '\r']),
            starts_line: text[line_start(text, start)..start]
                .bytes()
                .all(|b| b == b' '),
            parent_block: parent.collection_style() == Some(CollectionStyle::Block),
            unit: indent_unit(text, parent),
        }
    }

    fn key_text(&self, name: &str) -> String {
        key_like(self.key, name)
    }

    /// `rest` as block mapping keys, each on a new line, from column `base`, then `name` at
    /// the level below them.
    fn block_header(&self, rest: &[&str], base: usize, name: &str) -> String {
        let nl = newline(self.text);
        let mut out = String::new();
        for (d, r) in rest.iter().enumerate() {
            out.push_str(nl);
            out.push_str(&" ".repeat(base + d * self.unit));
            out.push_str(&self.key_text(r));
            out.push(':');
        }
        out.push_str(nl);
        out.push_str(&" ".repeat(base + rest.len() * self.unit));
        out.push_str(&self.key_text(name));
        out
    }

    /// The key becomes the innermost of new mappings `rest`, where it is.
    fn nest_in_place(&self, rest: &[&str], name: &str) -> Option<Vec<Edit>> {
        let text = self.text;
        if self.parent_block && self.starts_line {
            let col = self.start - line_start(text, self.start);
            // The header's first key replaces the old key on its line.
            let header = self.block_header(rest, col, name);
            let header = header.trim_start_matches(['\r', '\n']);
            let header = header.trim_start_matches(' ');
            let mut edits = vec![Edit::replace(self.key.range(), header)];
            if !self.single {
                let span = TextRange::from_usize(self.start, self.end);
                if has_explicit_indent(text, self.key.doc, span) {
                    return None;
                }
                // Every further line of the value moves right with it.
                let pad = " ".repeat(rest.len() * self.unit);
                let mut at = line_end(text, self.start);
                while let Some((i, len)) = next_line_break(&text[at..]) {
                    let next = at + i + len;
                    if next >= self.end {
                        break;
                    }
                    if !text[next..line_end(text, next)].trim().is_empty() {
                        edits.push(Edit::insert(next as u32, pad.clone()));
                    }
                    at = line_end(text, next);
                }
            }
            return Some(edits);
        }
        if !self.single {
            return None;
        }
        let mut head = String::new();
        for r in rest {
            head.push_str(&self.key_text(r));
            head.push_str(": {");
        }
        head.push_str(&self.key_text(name));
        Some(vec![
            Edit::replace(self.key.range(), head),
            Edit::insert(self.end as u32, "}".repeat(rest.len())),
        ])
    }

    /// A one-line entry moves into `dest` (with mappings `rest` created there), its trailing
    /// comment with it.
    fn move_line(&self, dest: NodeRef<'_, '_>, rest: &[&str], name: &str) -> Option<Vec<Edit>> {
        let text = self.text;
        let value_text = if self.value.range().is_empty() {
            ""
        } else {
            &text[self.value.node().props_start as usize..self.end]
        };
        let comment = trailing_comment(text, self.end);
        if comment.is_some() && !self.parent_block {
            return None;
        }
        let delete = take_entry(text, self.parent, self.key, self.value)?;
        if dest.collection_style() == Some(CollectionStyle::Block) {
            let (first, _) = dest.literal_entries().next()?;
            let base = column(text, first.range().start() as usize);
            let mut content = self.block_header(rest, base, name);
            content.push(':');
            if !value_text.is_empty() {
                content.push(' ');
                content.push_str(value_text);
            }
            if let Some(c) = comment {
                content.push(' ');
                content.push_str(c);
            }
            let at = line_end(text, content_end(text, dest.range().end() as usize));
            if delete.range.start() < at as u32 && (at as u32) < delete.range.end() {
                return None;
            }
            return Some(vec![delete, Edit::insert(at as u32, content)]);
        }
        if comment.is_some() || value_text.is_empty() {
            return None;
        }
        let mut entry = format!("{}: {value_text}", self.key_text(name));
        for r in rest.iter().rev() {
            entry = format!("{}: {{{entry}}}", self.key_text(r));
        }
        let insert = super::append_flow_text(text, dest, &entry)?;
        Some(vec![delete, insert])
    }

    /// A multi-line entry moves into block mapping `dest`: its lines, re-indented.
    fn move_lines(&self, dest: NodeRef<'_, '_>, rest: &[&str], name: &str) -> Option<Vec<Edit>> {
        let text = self.text;
        let dest_block = dest.collection_style() == Some(CollectionStyle::Block);
        if !(self.parent_block && self.starts_line && dest_block) {
            return None;
        }
        let span = TextRange::from_usize(self.start, self.end);
        if has_explicit_indent(text, self.key.doc, span) {
            return None;
        }
        let col = self.start - line_start(text, self.start);
        let (first, _) = dest.literal_entries().next()?;
        let base = column(text, first.range().start() as usize);
        let new_col = base + rest.len() * self.unit;
        let (del_start, del_end) = self.whole_lines()?;
        let mut content = self.block_header(rest, base, name);
        let nl = newline(text);
        let src_last = line_end(text, self.end);
        let mut lines = split_lines(&text[self.key.range().end() as usize..src_last]);
        content.push_str(lines.next()?);
        for line in lines {
            content.push_str(nl);
            if line.trim().is_empty() {
                continue;
            }
            let lead = line.len() - line.trim_start_matches(' ').len();
            if new_col >= col {
                content.push_str(&" ".repeat(new_col - col));
                content.push_str(line);
            } else {
                let cut = col - new_col;
                if lead < cut {
                    return None;
                }
                content.push_str(&line[cut..]);
            }
        }
        let at = line_end(text, content_end(text, dest.range().end() as usize));
        if del_start < at && at < del_end {
            return None;
        }
        Some(vec![
            Edit::delete(TextRange::from_usize(del_start, del_end)),
            Edit::insert(at as u32, content),
        ])
    }

    /// The entry's whole lines, with one line break (the one before them on the last line of
    /// a file without a final line break).
    fn whole_lines(&self) -> Option<(usize, usize)> {
        let text = self.text;
        let b = text.as_bytes();
        let src_start = line_start(text, self.start);
        let src_last = line_end(text, self.end);
        Some(if src_last < b.len() {
            let mut e = src_last;
            if b[e] == b'\r' {
                e += 1;
            }
            (src_start, e + 1)
        } else {
            let mut s = src_start.checked_sub(1)?;
            if s > 0 && b[s - 1] == b'\r' {
                s -= 1;
            }
            (s, src_last)
        })
    }
}

/// The end of a node's last line of content (a block scalar's range may run past it).
fn content_end(text: &str, end: usize) -> usize {
    let b = text.as_bytes();
    let mut e = end;
    while e > 0 && matches!(b[e - 1], b'\n' | b'\r') {
        e -= 1;
    }
    e
}

/// Whether a block scalar with an explicit indentation indicator lies in `range` (re-indenting
/// would change its text).
fn has_explicit_indent(text: &str, doc: &Document<'_>, range: TextRange) -> bool {
    doc.nodes.iter().any(|n| {
        matches!(
            n.kind,
            NodeKind::Scalar {
                style: ScalarStyle::Literal | ScalarStyle::Folded,
                ..
            }
        ) && range.start() <= n.range.start()
            && n.range.start() < range.end()
            && {
                let raw = n.range.slice(text);
                raw[..next_line_break(raw).map_or(raw.len(), |(at, _)| at)]
                    .bytes()
                    .any(|b| b.is_ascii_digit())
            }
    })
}
