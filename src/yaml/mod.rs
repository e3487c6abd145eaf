//! The span-accurate YAML layer.
//!
//! [`parse`] turns a file's text into documents: a small tree built from `granit-parser`'s
//! events in which every node keeps its exact byte range in the original text, its scalar style
//! and raw text. Comments stay out of the tree (their ranges are recorded for suppression
//! comments and template detection); anchors and aliases are recorded, never expanded, so an
//! alias bomb costs nothing; duplicate keys are recorded; nesting is bounded. Kubernetes' YAML 1.1
//! scalar typing lives in [`resolve`].

mod build;
pub mod edit;
pub mod merge;
pub mod resolve;

use crate::source::TextRange;
use std::borrow::Cow;

pub use build::{parse, DocumentParser};
pub use granit_parser::ScalarStyle;

/// How deeply collections may nest before the document is refused. Real manifests (CRD
/// schemas included) stay far below; this keeps hostile input from costing memory or stack.
pub const MAX_DEPTH: usize = 256;

/// Index of a node in its document's arena.
pub type NodeId = u32;

/// An explicit tag on a node, as far as Kubernetes' decoding cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    Str,
    Binary,
    Int,
    Bool,
    Float,
    Null,
    Timestamp,
    Map,
    Seq,
    /// Any other tag (`!foo`, `!!set`): the text stays a string.
    Other,
}

/// Whether a collection was written in block or flow notation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollectionStyle {
    Block,
    Flow,
}

#[derive(Clone, Debug)]
pub enum NodeKind<'a> {
    Scalar {
        /// The value after escape processing and folding.
        value: Cow<'a, str>,
        style: ScalarStyle,
    },
    Mapping {
        style: CollectionStyle,
        /// Its `(key, value)` node pairs in source order, in [`Document::pairs`].
        entries: Children,
    },
    Sequence {
        style: CollectionStyle,
        /// Its items, in [`Document::items`].
        items: Children,
    },
    /// `*name`: the node it names (in this document), if it was defined before.
    Alias { target: Option<NodeId> },
}

/// Where a collection's children sit in its document's [`Document::pairs`] (a mapping) or
/// [`Document::items`] (a sequence): every collection of a document shares two lists, so a
/// tree costs a few allocations, not one per mapping.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Children {
    start: u32,
    len: u32,
}

impl Children {
    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }

    pub fn len(self) -> usize {
        self.len as usize
    }

    pub fn is_empty(self) -> bool {
        self.len == 0
    }
}

/// One node with its exact source range.
#[derive(Clone, Debug)]
pub struct Node<'a> {
    pub kind: NodeKind<'a>,
    /// The node itself: a scalar with its quotes (no tag or anchor), a block scalar from its
    /// `|`/`>` indicator to the end of its last content line, a collection from its `{`, `[`,
    /// first `-` or first key to the end of its last child (flow: its closing bracket). An empty
    /// value (`key:`) is zero-width, right after the colon.
    pub range: TextRange,
    /// Where the node's properties (tag, anchor) start, or `range.start()` without them.
    pub props_start: u32,
    pub tag: Option<Tag>,
    pub anchored: bool,
}

/// A syntax error with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte offset where the parser stopped.
    pub offset: u32,
    pub message: String,
    /// Comments read before the error.
    pub comments: Vec<TextRange>,
    /// Quoted and block scalars read before the error.
    pub strings: Vec<TextRange>,
}

/// One YAML document of a stream.
#[derive(Clone, Debug)]
pub struct Document<'a> {
    pub nodes: Vec<Node<'a>>,
    /// The `(key, value)` pairs of every mapping, each mapping's together (see [`Children`]).
    pub pairs: Vec<(NodeId, NodeId)>,
    /// The items of every sequence, each sequence's together.
    pub items: Vec<NodeId>,
    pub root: Option<NodeId>,
    /// From the document's first byte (or `---`) to its end.
    pub range: TextRange,
    /// Ranges of the comments in this document (`#` to the end of the line).
    pub comments: Vec<TextRange>,
    /// Pairs `(first key, repeated key)` of the same scalar key in one mapping.
    pub duplicate_keys: Vec<(NodeId, NodeId)>,
    /// Whether some mapping of the document has a `<<` merge key: without one, a mapping's
    /// merged view is its literal entries, and lookups cost what they always did.
    pub has_merge_keys: bool,
    /// 0-based index of the document in its stream.
    pub index: usize,
    /// 1-based line of `range.start()` in the stream.
    pub start_line: u32,
}

impl<'a> Document<'a> {
    pub fn node(&self, id: NodeId) -> &Node<'a> {
        &self.nodes[id as usize]
    }

    pub fn root(&self) -> Option<NodeRef<'_, 'a>> {
        self.root.map(|id| NodeRef { doc: self, id })
    }

    pub fn get(&self, id: NodeId) -> NodeRef<'_, 'a> {
        NodeRef { doc: self, id }
    }

    /// The `(key, value)` pairs of a mapping node's [`Children`].
    pub fn entries_of(&self, entries: Children) -> &[(NodeId, NodeId)] {
        &self.pairs[entries.range()]
    }

    /// The items of a sequence node's [`Children`].
    pub fn items_of(&self, items: Children) -> &[NodeId] {
        &self.items[items.range()]
    }

    /// The `(key, value)` pairs of node `id` if it is a mapping (else none).
    pub fn mapping_entries(&self, id: NodeId) -> &[(NodeId, NodeId)] {
        match self.node(id).kind {
            NodeKind::Mapping { entries, .. } => self.entries_of(entries),
            _ => &[],
        }
    }

    /// Whether a fix must not add, rename, move or delete keys of mapping `id` (nor rewrite
    /// values inside it): it has a `<<` merge key, so a new local key can hide a merged value,
    /// or it is (inside) a mapping merged into others, so an edit changes what they get too.
    pub fn merge_guarded(&self, id: NodeId) -> bool {
        self.has_merge_keys
            && (self
                .mapping_entries(id)
                .iter()
                .any(|&(k, _)| is_merge_key(self.node(k)))
                || self.in_merge_source(self.node(id).range))
    }

    /// Whether `range` lies inside the value of a `<<` merge key or inside a mapping a `<<`
    /// names through an alias (an edit there changes every mapping that merges it).
    pub fn in_merge_source(&self, range: TextRange) -> bool {
        if !self.has_merge_keys {
            return false;
        }
        let inside = |id: NodeId| {
            let r = self.node(id).range;
            r.start() <= range.start() && range.end() <= r.end()
        };
        self.pairs
            .iter()
            .filter(|&&(k, _)| is_merge_key(self.node(k)))
            .any(|&(_, v)| {
                let v = self.get(v);
                inside(v.id)
                    || inside(v.resolved().id)
                    || v.resolved().items().any(|i| inside(i.resolved().id))
            })
    }

    /// The 1-based line of `offset` (inside this document) in `text`, the stream it was parsed
    /// from: costs the document's length, not the stream's, so rules may use it per document.
    pub fn line_of(&self, text: &str, offset: u32) -> u32 {
        let from = self.range.start() as usize;
        let to = (offset as usize).max(from);
        self.start_line + crate::source::count_line_breaks(text.as_bytes(), from, to) as u32
    }
}

/// A node together with its document, for convenient navigation.
#[derive(Clone, Copy)]
pub struct NodeRef<'d, 'a> {
    pub doc: &'d Document<'a>,
    pub id: NodeId,
}

impl std::fmt::Debug for NodeRef<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NodeRef({}, {:?})", self.id, self.node().range)
    }
}

impl<'d, 'a> NodeRef<'d, 'a> {
    pub fn node(self) -> &'d Node<'a> {
        self.doc.node(self.id)
    }

    pub fn range(self) -> TextRange {
        self.node().range
    }

    /// Follows an alias to the node it names (at most a few hops; aliases cannot chain far).
    pub fn resolved(self) -> Self {
        let mut cur = self;
        for _ in 0..8 {
            match cur.node().kind {
                NodeKind::Alias { target: Some(t) } => {
                    cur = NodeRef {
                        doc: cur.doc,
                        id: t,
                    }
                }
                _ => break,
            }
        }
        cur
    }

    /// The scalar's value, if this is a scalar (aliases are not followed).
    pub fn as_str(self) -> Option<&'d str> {
        match &self.node().kind {
            NodeKind::Scalar { value, .. } => Some(value.as_ref()),
            _ => None,
        }
    }

    pub fn style(self) -> Option<ScalarStyle> {
        match &self.node().kind {
            NodeKind::Scalar { style, .. } => Some(*style),
            _ => None,
        }
    }

    pub fn is_mapping(self) -> bool {
        matches!(self.node().kind, NodeKind::Mapping { .. })
    }

    pub fn is_sequence(self) -> bool {
        matches!(self.node().kind, NodeKind::Sequence { .. })
    }

    pub fn is_scalar(self) -> bool {
        matches!(self.node().kind, NodeKind::Scalar { .. })
    }

    pub fn is_alias(self) -> bool {
        matches!(self.node().kind, NodeKind::Alias { .. })
    }

    /// Whether this is a null scalar as Kubernetes reads it (`key:`, `~`, `null`).
    pub fn is_null(self) -> bool {
        resolve::resolve(self) == resolve::ScalarType::Null
    }

    pub fn collection_style(self) -> Option<CollectionStyle> {
        match &self.node().kind {
            NodeKind::Mapping { style, .. } | NodeKind::Sequence { style, .. } => Some(*style),
            _ => None,
        }
    }

    /// The `(key, value)` pairs written in a mapping (empty for anything else), `<<` merge keys
    /// included and merged entries not: for edits, which work on the text, and for duplicate
    /// keys, where a local key overriding a merged one is no duplicate.
    pub fn literal_entries(self) -> impl Iterator<Item = (NodeRef<'d, 'a>, NodeRef<'d, 'a>)> + 'd {
        let doc = self.doc;
        doc.mapping_entries(self.id)
            .iter()
            .map(move |&(k, v)| (NodeRef { doc, id: k }, NodeRef { doc, id: v }))
    }

    /// Whether this mapping has a `<<` merge key written in it.
    pub fn has_merge_key(self) -> bool {
        self.doc.has_merge_keys
            && self
                .doc
                .mapping_entries(self.id)
                .iter()
                .any(|&(k, _)| is_merge_key(self.doc.node(k)))
    }

    /// `(key, value)` pairs of a mapping as Kubernetes reads it (empty for anything else): with
    /// `<<` merge keys applied (see [`merge`]), the entries written in the mapping that are in
    /// effect, in source order, then the merged ones in effect, in the order go-yaml writes
    /// them; the `<<` entries themselves are left out. A merged pair's nodes are where the
    /// merged mapping writes them. Without a merge key, exactly the written entries.
    pub fn entries(self) -> Entries<'d, 'a> {
        let doc = self.doc;
        let literal = doc.mapping_entries(self.id);
        if !doc.has_merge_keys || !literal.iter().any(|&(k, _)| is_merge_key(doc.node(k))) {
            return Entries {
                doc,
                inner: EntriesInner::Literal(literal.iter()),
            };
        }
        Entries {
            doc,
            inner: EntriesInner::Merged(merge::merged_pairs(doc, self.id).into_iter()),
        }
    }

    /// Items of a sequence (empty for anything else).
    pub fn items(self) -> impl Iterator<Item = NodeRef<'d, 'a>> + 'd {
        let doc = self.doc;
        let slice: &'d [NodeId] = match doc.node(self.id).kind {
            NodeKind::Sequence { items, .. } => doc.items_of(items),
            _ => &[],
        };
        slice.iter().map(move |&id| NodeRef { doc, id })
    }

    /// The entry whose key is the scalar `key` that Kubernetes keeps, as `(key, value)`: the
    /// last written one, or the one a `<<` merge key writes last (see [`merge`]).
    pub fn entry(self, key: &str) -> Option<(NodeRef<'d, 'a>, NodeRef<'d, 'a>)> {
        let map = self.resolved();
        if !map.doc.has_merge_keys {
            return map
                .literal_entries()
                .filter(|(k, _)| k.as_str() == Some(key))
                .last();
        }
        merge::lookup(map.doc, map.id, key).map(|(k, v)| (map.doc.get(k), map.doc.get(v)))
    }

    /// The value under `key` of a mapping (aliases followed for the mapping itself).
    pub fn get(self, key: &str) -> Option<NodeRef<'d, 'a>> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Follows a path of keys through nested mappings.
    pub fn path(self, keys: &[&str]) -> Option<NodeRef<'d, 'a>> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The scalar string under `key`, if it is a scalar.
    pub fn get_str(self, key: &str) -> Option<&'d str> {
        self.get(key).and_then(|v| v.resolved().as_str())
    }
}

/// Whether `node` is a merge key: a plain, untagged `<<` (go-yaml v2 takes no other).
pub(crate) fn is_merge_key(node: &Node<'_>) -> bool {
    matches!(
        &node.kind,
        NodeKind::Scalar { value, style: ScalarStyle::Plain } if value == "<<"
    ) && node.tag.is_none()
}

/// The iterator of [`NodeRef::entries`].
pub struct Entries<'d, 'a> {
    doc: &'d Document<'a>,
    inner: EntriesInner<'d>,
}

enum EntriesInner<'d> {
    Literal(std::slice::Iter<'d, (NodeId, NodeId)>),
    Merged(std::vec::IntoIter<(NodeId, NodeId)>),
}

impl<'d, 'a> Iterator for Entries<'d, 'a> {
    type Item = (NodeRef<'d, 'a>, NodeRef<'d, 'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let (k, v) = match &mut self.inner {
            EntriesInner::Literal(it) => *it.next()?,
            EntriesInner::Merged(it) => it.next()?,
        };
        Some((self.doc.get(k), self.doc.get(v)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.inner {
            EntriesInner::Literal(it) => it.size_hint(),
            EntriesInner::Merged(it) => it.size_hint(),
        }
    }
}

impl DoubleEndedIterator for Entries<'_, '_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let (k, v) = match &mut self.inner {
            EntriesInner::Literal(it) => *it.next_back()?,
            EntriesInner::Merged(it) => it.next_back()?,
        };
        Some((self.doc.get(k), self.doc.get(v)))
    }
}

impl ExactSizeIterator for Entries<'_, '_> {}

/// Offset of the first byte of `text` at or after `from` that is not a space or tab.
pub(crate) fn skip_blanks(text: &str, mut from: usize) -> usize {
    let b = text.as_bytes();
    while from < b.len() && (b[from] == b' ' || b[from] == b'\t') {
        from += 1;
    }
    from
}

#[cfg(test)]
mod tests;
