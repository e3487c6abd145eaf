//! Builds [`Document`]s from `granit-parser` events, one document at a time.
//!
//! The parser's spans need normalising (see `research/yaml-libs.md`): a block scalar's span
//! covers only its body, a block collection ends at the next token, an indentless sequence starts
//! at its first item, an empty value sits before the colon. Each is corrected here so that every
//! consumer can trust `Node::range`.

use super::{
    Children, CollectionStyle, Document, Node, NodeId, NodeKind, SyntaxError, Tag, MAX_DEPTH,
};
use crate::source::{count_line_breaks, TextRange};
use granit_parser::{Event, Options, Parser, ScalarStyle, Span};
use std::collections::HashMap;

/// Parses every document of `text`. A document that fails to parse is an `Err` with the position
/// where the parser stopped; parsing resumes at the next document marker.
pub fn parse(text: &str) -> Vec<Result<Document<'_>, SyntaxError>> {
    DocumentParser::new(text).collect()
}

/// An iterator over the documents of a stream, building one tree at a time so a huge stream of
/// small documents never holds more than one tree.
pub struct DocumentParser<'a> {
    text: &'a str,
    parser: Parser<'a, granit_parser::StrInput<'a>>,
    index: usize,
    done: bool,
    pending_comments: Vec<TextRange>,
    /// The open-collection stack and its children, lent to each document's builder in turn
    /// (empty between documents): a stream of documents grows them once, not per document.
    scratch: (Vec<Frame>, Vec<NodeId>),
    /// A byte offset and its 1-based line, moved forward document by document.
    line_cursor: (usize, u32),
}

impl<'a> DocumentParser<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut options = Options::default();
        options.emit_anchor_events = true;
        options.emit_comments = true;
        // Long comment blocks are common (licence headers); never fail on them.
        options.max_buffered_comment_events = usize::MAX / 2;
        Self {
            text,
            parser: Parser::new_from_str_with_options(text, options),
            index: 0,
            done: false,
            pending_comments: Vec::new(),
            scratch: (Vec::new(), Vec::with_capacity(64)),
            line_cursor: (0, 1),
        }
    }

    fn fail(&mut self, offset: usize, message: String) -> Result<Document<'a>, SyntaxError> {
        self.index += 1;
        match self.parser.proceed_next_document() {
            Ok(true) => {}
            Ok(false) | Err(_) => self.done = true,
        }
        Err(SyntaxError {
            offset: offset.min(self.text.len()) as u32,
            message,
            comments: Vec::new(),
            strings: Vec::new(),
        })
    }
}

/// About how many nodes the document starting at `start` has (a node per 24 bytes up to the
/// next document marker, at most 2,048), so that its node list is allocated once rather than
/// grown and copied as it fills.
fn node_estimate(text: &str, start: usize) -> usize {
    let rest = text.as_bytes().get(start..).unwrap_or_default();
    let skip = rest.len().min(3);
    let len = memchr::memmem::find(&rest[skip..], b"\n---").map_or(rest.len(), |at| at + skip);
    (len / 24).min(2048)
}

fn span_range(span: &Span, fallback: usize) -> (usize, usize) {
    match span.byte_range() {
        Some(r) => (r.start, r.end),
        None => (fallback, fallback),
    }
}

fn convert_tag(tag: Option<&granit_parser::Tag>) -> Option<Tag> {
    let tag = tag?;
    // go-yaml compares whole tags, so `!<tag:yaml.org,2002:int>` (and a %TAG split) is `!!int`.
    let whole;
    let suffix = if tag.handle() == "tag:yaml.org,2002:" {
        Some(tag.suffix())
    } else {
        whole = [tag.handle(), tag.suffix()].concat();
        whole.strip_prefix("tag:yaml.org,2002:")
    };
    if let Some(suffix) = suffix {
        Some(match suffix {
            "str" => Tag::Str,
            "binary" => Tag::Binary,
            "int" => Tag::Int,
            "bool" => Tag::Bool,
            "float" => Tag::Float,
            "null" => Tag::Null,
            "timestamp" => Tag::Timestamp,
            "map" => Tag::Map,
            "seq" => Tag::Seq,
            _ => Tag::Other,
        })
    } else {
        Some(Tag::Other)
    }
}

/// An open collection: its node and where its children start in [`Builder::children`].
enum Frame {
    Mapping { id: NodeId, from: usize },
    Sequence { id: NodeId, from: usize },
}

struct Builder<'a> {
    text: &'a str,
    nodes: Vec<Node<'a>>,
    stack: Vec<Frame>,
    /// The children of the open collections, innermost last (a mapping's as key, value,
    /// ...): each collection gets one exactly sized list when it ends, rather than a list
    /// grown entry by entry.
    children: Vec<NodeId>,
    /// Every finished mapping's pairs and sequence's items (the document's shared lists).
    pairs: Vec<(NodeId, NodeId)>,
    /// Whether some mapping has a `<<` merge key (see [`super::NodeRef::entries`]).
    has_merge_keys: bool,
    items: Vec<NodeId>,
    root: Option<NodeId>,
    anchors: HashMap<usize, NodeId>,
    last_node: Option<NodeId>,
    prev_end: usize,
    comments: Vec<TextRange>,
    duplicates: Vec<(NodeId, NodeId)>,
    start: usize,
}

impl<'a> Builder<'a> {
    fn add(&mut self, node: Node<'a>) -> NodeId {
        let id = self.nodes.len() as NodeId;
        self.nodes.push(node);
        if self.stack.is_empty() {
            self.root = Some(id);
        } else {
            self.children.push(id);
        }
        self.last_node = Some(id);
        id
    }

    /// Where a block scalar's `|`/`>` indicator starts: scan forward from the previous token
    /// over separators, properties and comments.
    fn block_header_start(&self, body_start: usize) -> usize {
        let b = self.text.as_bytes();
        let mut i = self.prev_end.min(body_start);
        while i < body_start {
            match b[i] {
                b'|' | b'>' => return i,
                b'#' => {
                    while i < body_start && b[i] != b'\n' {
                        i += 1;
                    }
                }
                b'!' | b'&' => {
                    while i < body_start && !b[i].is_ascii_whitespace() {
                        i += 1;
                    }
                }
                _ => i += 1,
            }
        }
        body_start
    }

    fn scalar_range(&self, style: ScalarStyle, start: usize, end: usize) -> (usize, usize) {
        let b = self.text.as_bytes();
        match style {
            ScalarStyle::Literal | ScalarStyle::Folded => {
                let header = self.block_header_start(start);
                // The header runs to its line end, minus a trailing comment.
                let mut header_end = header;
                while header_end < b.len() && !matches!(b[header_end], b' ' | b'\t' | b'\r' | b'\n')
                {
                    header_end += 1;
                }
                let keep = self.text[header..header_end].contains('+');
                let mut e = end.max(header_end).min(b.len());
                let last_line = b[header_end..e]
                    .iter()
                    .rposition(|&c| c == b'\n')
                    .map_or(header_end, |p| header_end + p + 1);
                let ends_in_content = b[last_line..e].iter().any(|c| !c.is_ascii_whitespace());
                if keep && !ends_in_content {
                    // Trailing blank lines are content: stop at the start of the last line.
                    while e > header_end && b[e - 1] != b'\n' {
                        e -= 1;
                    }
                    if e > header_end && b[e - 1] == b'\n' {
                        e -= 1;
                        if e > header_end && b[e - 1] == b'\r' {
                            e -= 1;
                        }
                    }
                } else {
                    while e > header_end && b[e - 1].is_ascii_whitespace() {
                        e -= 1;
                    }
                }
                (header, e)
            }
            ScalarStyle::Plain if start == end => {
                // An empty value sits at the key's end; move it past the colon.
                let i = super::skip_blanks(self.text, start);
                if i < b.len() && b[i] == b':' {
                    (i + 1, i + 1)
                } else {
                    (start, end)
                }
            }
            _ => (start, end),
        }
    }

    fn props_start(span: &Span, start: usize) -> usize {
        span.tag_start()
            .and_then(|m| m.byte_offset())
            .map_or(start, |t| t.min(start))
    }

    /// A block sequence should start at its first `-` even when the parser reports the first
    /// item (indentless sequences).
    fn sequence_start(&self, start: usize) -> usize {
        let b = self.text.as_bytes();
        if start < b.len() && b[start] == b'-' {
            return start;
        }
        let mut i = start;
        while i > 0 && (b[i - 1] == b' ' || b[i - 1] == b'\t') {
            i -= 1;
        }
        if i > 0 && b[i - 1] == b'-' {
            i - 1
        } else {
            start
        }
    }

    fn finish_collection(&mut self, end_span_end: usize) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let (id, from) = match frame {
            Frame::Mapping { id, from } | Frame::Sequence { id, from } => (id, from),
        };
        let children = &self.children[from..];
        if !self.has_merge_keys && matches!(self.nodes[id as usize].kind, NodeKind::Mapping { .. })
        {
            let nodes = &self.nodes;
            self.has_merge_keys = children
                .chunks_exact(2)
                .any(|p| super::is_merge_key(&nodes[p[0] as usize]));
        }
        let last_child = match &mut self.nodes[id as usize].kind {
            NodeKind::Mapping { entries, .. } => {
                // A key without a value (cut short by an error) makes no entry.
                let start = self.pairs.len();
                self.pairs
                    .extend(children.chunks_exact(2).map(|p| (p[0], p[1])));
                *entries = Children {
                    start: start as u32,
                    len: (self.pairs.len() - start) as u32,
                };
                self.pairs[start..].last().map(|&(_, v)| v)
            }
            NodeKind::Sequence { items, .. } => {
                let start = self.items.len();
                self.items.extend_from_slice(children);
                *items = Children {
                    start: start as u32,
                    len: children.len() as u32,
                };
                children.last().copied()
            }
            _ => None,
        };
        self.children.truncate(from);
        let node = &self.nodes[id as usize];
        let style = match &node.kind {
            NodeKind::Mapping { style, .. } | NodeKind::Sequence { style, .. } => *style,
            _ => CollectionStyle::Flow,
        };
        let end = match style {
            CollectionStyle::Flow => end_span_end,
            CollectionStyle::Block => last_child.map_or(node.range.end() as usize, |c| {
                self.nodes[c as usize].range.end() as usize
            }),
        };
        let start = self.nodes[id as usize].range.start();
        self.nodes[id as usize].range = TextRange::new(start, end as u32);
        if let NodeKind::Mapping { entries, .. } = self.nodes[id as usize].kind {
            find_duplicates(
                &self.nodes,
                &self.pairs[entries.range()],
                &mut self.duplicates,
            );
        }
        self.last_node = Some(id);
    }
}

fn find_duplicates(
    nodes: &[Node<'_>],
    entries: &[(NodeId, NodeId)],
    out: &mut Vec<(NodeId, NodeId)>,
) {
    let key_str = |id: NodeId| match &nodes[id as usize].kind {
        NodeKind::Scalar { value, .. } => Some(value.as_ref()),
        _ => None,
    };
    if entries.len() <= 16 {
        for (i, &(k, _)) in entries.iter().enumerate() {
            let Some(ks) = key_str(k) else { continue };
            if let Some(&(first, _)) = entries[..i].iter().find(|&&(p, _)| key_str(p) == Some(ks)) {
                out.push((first, k));
            }
        }
    } else {
        let mut seen: HashMap<&str, NodeId> = HashMap::with_capacity(entries.len());
        for &(k, _) in entries {
            let Some(ks) = key_str(k) else { continue };
            match seen.get(ks) {
                Some(&first) => out.push((first, k)),
                None => {
                    seen.insert(ks, k);
                }
            }
        }
    }
}

impl<'a> DocumentParser<'a> {
    /// The error for a parser error met while building `b`: what was read before it still
    /// tells comments from content (template detection of a broken file needs it).
    fn parse_error(
        &mut self,
        b: Option<Builder<'a>>,
        err: &granit_parser::ScanError,
    ) -> Result<Document<'a>, SyntaxError> {
        let offset = err.marker().byte_offset().unwrap_or(self.text.len());
        let message = err.info();
        let mut comments = std::mem::take(&mut self.pending_comments);
        let mut strings = Vec::new();
        if let Some(b) = b {
            comments.extend(b.comments);
            strings.extend(b.nodes.iter().filter_map(|n| match n.kind {
                NodeKind::Scalar { style, .. } if style != ScalarStyle::Plain => Some(n.range),
                _ => None,
            }));
        }
        let mut err = self.fail(offset, message);
        if let Err(e) = &mut err {
            e.comments = comments;
            e.strings = strings;
        }
        err
    }

    /// The builder of a document starting at `start`, with the scratch space of the last one.
    fn start_document(&mut self, start: usize) -> Builder<'a> {
        let estimate = node_estimate(self.text, start);
        Builder {
            text: self.text,
            nodes: Vec::with_capacity(estimate),
            stack: std::mem::take(&mut self.scratch.0),
            children: std::mem::take(&mut self.scratch.1),
            // A mapping entry takes two nodes, a sequence item one.
            pairs: Vec::with_capacity(estimate / 2),
            has_merge_keys: false,
            items: Vec::with_capacity(estimate / 8),
            root: None,
            anchors: HashMap::new(),
            last_node: None,
            prev_end: start,
            comments: std::mem::take(&mut self.pending_comments),
            duplicates: Vec::new(),
            start,
        }
    }

    /// The document `b` built, ending at `end`; its scratch space kept for the next one.
    fn end_document(&mut self, mut b: Builder<'a>, end: usize) -> Document<'a> {
        b.stack.clear();
        b.children.clear();
        self.scratch = (
            std::mem::take(&mut b.stack),
            std::mem::take(&mut b.children),
        );
        let index = self.index;
        let doc_start = b.start.min(self.text.len());
        let (at, line) = self.line_cursor;
        let start_line = if doc_start >= at {
            let newlines = count_line_breaks(self.text.as_bytes(), at, doc_start);
            self.line_cursor = (doc_start, line + newlines as u32);
            line + newlines as u32
        } else {
            1 + count_line_breaks(self.text.as_bytes(), 0, doc_start) as u32
        };
        self.index += 1;
        let doc_end = end.max(
            b.nodes
                .iter()
                .map(|n| n.range.end() as usize)
                .max()
                .unwrap_or(0),
        );
        Document {
            nodes: b.nodes,
            pairs: b.pairs,
            items: b.items,
            root: b.root,
            range: TextRange::from_usize(b.start.min(doc_end), doc_end),
            comments: b.comments,
            duplicate_keys: b.duplicates,
            has_merge_keys: b.has_merge_keys,
            index,
            start_line,
        }
    }
}

impl<'a> Builder<'a> {
    /// Adds a scalar read at `start..end` (`span` with its properties).
    fn scalar(
        &mut self,
        mut value: std::borrow::Cow<'a, str>,
        style: ScalarStyle,
        tag: Option<&granit_parser::Tag>,
        span: &Span,
        (start, end): (usize, usize),
    ) {
        let (s, e) = self.scalar_range(style, start, end);
        if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
            && value.ends_with('\n')
            && !self.text.as_bytes()[e.min(self.text.len())..]
                .iter()
                .any(|&c| c == b'\n' || c == b'\r')
        {
            // The last content line of a file without a final line break has no break to
            // keep (libyaml, go-yaml): `k: |` + `  10.0.0.0/8<EOF>` is "10.0.0.0/8", not
            // "10.0.0.0/8\n".
            value.to_mut().pop();
        }
        let props = Builder::props_start(span, s);
        self.add(Node {
            kind: NodeKind::Scalar { value, style },
            range: TextRange::from_usize(s, e),
            props_start: props as u32,
            tag: convert_tag(tag),
            anchored: false,
        });
        self.prev_end = e.max(end).max(self.prev_end);
    }

    /// Opens a mapping or sequence read at `start..end`.
    fn collection_start(
        &mut self,
        is_seq: bool,
        style: granit_parser::StructureStyle,
        tag: Option<&granit_parser::Tag>,
        span: &Span,
        (start, end): (usize, usize),
    ) {
        let style = match style {
            granit_parser::StructureStyle::Flow => CollectionStyle::Flow,
            granit_parser::StructureStyle::Block => CollectionStyle::Block,
        };
        let s = if is_seq && style == CollectionStyle::Block {
            self.sequence_start(start)
        } else {
            start
        };
        let props = Builder::props_start(span, s);
        let kind = if is_seq {
            NodeKind::Sequence {
                style,
                items: Children::default(),
            }
        } else {
            NodeKind::Mapping {
                style,
                entries: Children::default(),
            }
        };
        let id = self.add(Node {
            kind,
            range: TextRange::from_usize(s, end.max(s)),
            props_start: props as u32,
            tag: convert_tag(tag),
            anchored: false,
        });
        let from = self.children.len();
        self.stack.push(if is_seq {
            Frame::Sequence { id, from }
        } else {
            Frame::Mapping { id, from }
        });
        self.prev_end = end.max(self.prev_end);
    }
}

impl<'a> Iterator for DocumentParser<'a> {
    type Item = Result<Document<'a>, SyntaxError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut b: Option<Builder<'a>> = None;
        loop {
            let Some(next) = self.parser.next() else {
                self.done = true;
                return None;
            };
            let (event, span) = match next {
                Ok(pair) => pair,
                Err(err) => return Some(self.parse_error(b, &err)),
            };
            let fallback = b.as_ref().map_or(0, |b| b.prev_end);
            let (start, end) = span_range(&span, fallback);
            let is_seq = matches!(event, Event::SequenceStart(..));
            match event {
                Event::StreamEnd => {
                    self.done = true;
                    return None;
                }
                Event::Comment(..) => {
                    let range = TextRange::from_usize(start, end);
                    match b.as_mut() {
                        Some(b) => b.comments.push(range),
                        None => self.pending_comments.push(range),
                    }
                }
                Event::DocumentStart(..) => b = Some(self.start_document(start)),
                Event::DocumentEnd => {
                    let Some(b) = b.take() else { continue };
                    return Some(Ok(self.end_document(b, end)));
                }
                Event::Scalar(value, style, _anchor, tag) => {
                    let Some(bd) = b.as_mut() else { continue };
                    bd.scalar(value, style, tag.as_deref(), &span, (start, end));
                }
                Event::Alias(anchor) => {
                    let Some(bd) = b.as_mut() else { continue };
                    let target = bd.anchors.get(&anchor).copied();
                    bd.add(Node {
                        kind: NodeKind::Alias { target },
                        range: TextRange::from_usize(start, end),
                        props_start: start as u32,
                        tag: None,
                        anchored: false,
                    });
                    bd.prev_end = end;
                }
                Event::UnresolvedAlias(name) => {
                    return Some(self.fail(start, format!("unknown anchor '{name}' referenced")));
                }
                Event::Anchor(id, _) => {
                    let Some(bd) = b.as_mut() else { continue };
                    if let Some(node) = bd.last_node {
                        bd.anchors.insert(id, node);
                        let n = &mut bd.nodes[node as usize];
                        n.anchored = true;
                        n.props_start = n.props_start.min(start as u32);
                    }
                }
                Event::SequenceStart(style, _anchor, tag)
                | Event::MappingStart(style, _anchor, tag) => {
                    let Some(bd) = b.as_mut() else { continue };
                    if bd.stack.len() >= MAX_DEPTH {
                        return Some(self.fail(
                            start,
                            format!("collections nested deeper than {MAX_DEPTH} levels"),
                        ));
                    }
                    bd.collection_start(is_seq, style, tag.as_deref(), &span, (start, end));
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let Some(bd) = b.as_mut() else { continue };
                    bd.finish_collection(end);
                    bd.prev_end = end.max(bd.prev_end);
                }
                _ => {}
            }
        }
    }
}
