//! 3xx: traffic-capture lists (`traffic.sidecar.istio.io/*` and IstioOperator
//! `values.global.proxy.*`), with Istio's grammar matched exactly (`crate::istio::lists`).

pub mod annotation_value_invalid;
pub mod application_uid_1337;
pub mod include_exclude_overlap;
pub mod ip_ranges_empty;
pub mod ip_ranges_everything;
pub mod ip_ranges_host_bits;
pub mod ip_ranges_malformed;
pub mod ip_ranges_redundant;
pub mod port_list_malformed;

use crate::diagnostic::{Edit, Fix};
use crate::istio::lists::{ElementFix, IpListKind, PortListKind};
use crate::k8s::{is_placeholder, scalar_string};
use crate::rules::ResourceCheck;
use crate::source::TextRange;
use crate::yaml::edit::{line_end, prefers_double, quote, rewrite_scalar};
use crate::yaml::resolve::{resolve, ScalarType};
use crate::yaml::{Document, NodeRef, ScalarStyle};
use std::cell::OnceCell;
use std::ops::Range;

/// The IP-range annotations.
pub const EXCLUDE_IPS: &str = "traffic.sidecar.istio.io/excludeOutboundIPRanges";
pub const INCLUDE_IPS: &str = "traffic.sidecar.istio.io/includeOutboundIPRanges";

/// The `values.global.proxy` mapping of an IstioOperator.
pub fn operator_proxy<'d, 'a>(cx: &ResourceCheck<'_, 'd, 'a>) -> Option<NodeRef<'d, 'a>> {
    if !cx.res.is_istio_operator() {
        return None;
    }
    cx.res
        .root
        .path(&["spec", "values", "global", "proxy"])
        .map(NodeRef::resolved)
        .filter(|p| p.is_mapping())
}

/// One list value somewhere in a resource, with the map from offsets in its string to offsets
/// in the file.
pub struct ListSite<'d, 'a> {
    /// The key as written (`traffic.sidecar.istio.io/excludeOutboundIPRanges`,
    /// `spec.values.global.proxy.excludeIPRanges`).
    pub name: String,
    pub key: NodeRef<'d, 'a>,
    /// The value as written: an alias (`*cidrs`) stays an alias.
    pub value: NodeRef<'d, 'a>,
    /// The string value (through an alias, the named node's).
    pub text: &'d str,
    /// The file offset of the string's first character, when every character maps one to one
    /// (plain and quoted scalars without escapes on one line, a one-line literal block).
    base: Option<u32>,
    /// Otherwise, where each byte offset of the string comes from: worked out only when a
    /// finding needs it, `None` inside when the form does not map.
    offsets: OnceCell<Option<Vec<Option<u32>>>>,
    pub operator: bool,
}

fn identity_base(text: &str, value: NodeRef<'_, '_>, cooked: &str) -> Option<u32> {
    let r = value.range();
    let raw = r.slice(text);
    match value.style()? {
        ScalarStyle::Plain => (raw == cooked).then_some(r.start()),
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            (raw.len() >= 2 && &raw[1..raw.len() - 1] == cooked).then_some(r.start() + 1)
        }
        ScalarStyle::Literal => {
            // A one-line body: `content` followed (with clip chomping) by one newline.
            let body_line = cooked.strip_suffix('\n').unwrap_or(cooked);
            if body_line.contains('\n') {
                return None;
            }
            let pos = raw.find(['\n'])?;
            let after = &raw[pos + 1..];
            let indent = after.len() - after.trim_start_matches(' ').len();
            (after[indent..].trim_end_matches(['\r', '\n', ' ']) == body_line)
                .then_some(r.start() + (pos + 1 + indent) as u32)
        }
        ScalarStyle::Folded => None,
    }
}

fn is_block(value: NodeRef<'_, '_>) -> bool {
    matches!(
        value.style(),
        Some(ScalarStyle::Literal | ScalarStyle::Folded)
    )
}

impl<'d, 'a> ListSite<'d, 'a> {
    fn new(
        text: &str,
        name: String,
        key: NodeRef<'d, 'a>,
        value: NodeRef<'d, 'a>,
        operator: bool,
    ) -> Option<Self> {
        // An alias is checked with the value it names, and reported at the alias.
        if !matches!(resolve(value), ScalarType::Str | ScalarType::Null) {
            return None;
        }
        let cooked = scalar_string(value)?;
        if is_placeholder(cooked) {
            return None; // Filled in before Istio reads it.
        }
        let base = if value.is_alias() {
            None
        } else {
            identity_base(text, value, cooked)
        };
        Some(Self {
            name,
            key,
            value,
            text: cooked,
            base,
            offsets: OnceCell::new(),
            operator,
        })
    }

    /// The value is an alias: findings point at it, and no fix edits the anchored text that
    /// other places share.
    pub fn is_alias(&self) -> bool {
        self.value.is_alias()
    }

    fn offsets(&self, file_text: &str) -> Option<&[Option<u32>]> {
        self.offsets
            .get_or_init(|| {
                if self.base.is_some() || self.is_alias() {
                    None
                } else {
                    crate::yaml::edit::value_offsets(file_text, self.value)
                }
            })
            .as_deref()
    }

    /// The file range of `r` (a range in the string), or the whole value when it cannot map.
    /// A block scalar's final line break has no place of its own: a range reaching into it
    /// stops at the end of the last line.
    pub fn range_of(&self, file_text: &str, r: &Range<usize>) -> TextRange {
        if self.is_alias() {
            return self.value.range();
        }
        let limit = if is_block(self.value) {
            self.text.trim_end_matches('\n').len()
        } else {
            self.text.len()
        };
        let (start, end) = (r.start.min(limit), r.end.min(limit));
        if let Some(b) = self.base {
            return TextRange::new(b + start as u32, b + end as u32);
        }
        // Escapes, `''`, line folds or a block's indentation: map through the scalar's source.
        self.offsets(file_text)
            .and_then(|offsets| {
                let start = offsets.get(start).copied().flatten()?;
                let end = offsets.get(end).copied().flatten()?;
                Some(TextRange::new(start, end.max(start)))
            })
            .unwrap_or_else(|| self.value.range())
    }

    /// The edits of element fixes: in place when offsets map and the fixes stay on the line,
    /// else the whole scalar rewritten (a block scalar becomes a quoted one, its header's
    /// comment kept after it). `None` for an alias, or when a comment would be lost.
    pub fn edits(&self, file_text: &str, fixes: &[&ElementFix]) -> Option<Vec<Edit>> {
        if self.is_alias() {
            return None;
        }
        let touches_newline = fixes
            .iter()
            .any(|f| self.text[f.range.clone()].contains('\n'));
        if let (Some(b), false) = (self.base, touches_newline) {
            if self.value.style() != Some(ScalarStyle::Literal)
                || fixes.iter().all(|f| !f.replacement.contains('\n'))
            {
                return Some(
                    fixes
                        .iter()
                        .map(|f| {
                            Edit::replace(
                                TextRange::new(b + f.range.start as u32, b + f.range.end as u32),
                                f.replacement.clone(),
                            )
                        })
                        .collect(),
                );
            }
        }
        let mut new = self.text.to_owned();
        let mut sorted: Vec<&&ElementFix> = fixes.iter().collect();
        sorted.sort_by_key(|f| std::cmp::Reverse(f.range.start));
        for f in sorted {
            new.replace_range(f.range.clone(), &f.replacement);
        }
        let edit = if is_block(self.value) {
            // The file's quote style is looked up only here, when a fix needs it.
            block_as_quoted(
                file_text,
                self.value,
                &quote(&new, prefers_double(self.value.doc)),
            )?
        } else {
            rewrite_scalar(file_text, self.value, &new)?
        };
        keeps_comments(self.value.doc, file_text, std::slice::from_ref(&edit)).then(|| vec![edit])
    }
}

/// The edit replacing block scalar `value` (from its `|`/`>` indicator to the end of its body)
/// with the one-line scalar `quoted`, keeping the comment after the block's header:
/// `key: |  # Vault` + body becomes `key: '10.0.0.0/8'  # Vault`.
pub(crate) fn block_as_quoted(text: &str, value: NodeRef<'_, '_>, quoted: &str) -> Option<Edit> {
    let r = value.range();
    let start = r.start() as usize;
    let header_end = line_end(text, start);
    let header = text.get(start..header_end)?;
    // After the indicators (`|-2`), blanks and maybe a comment.
    let rest = &header[header.find([' ', '\t']).unwrap_or(header.len())..];
    let content = if rest.trim_start().starts_with('#') {
        format!("{quoted}{}", rest.trim_end())
    } else {
        quoted.to_owned()
    };
    Some(Edit::replace(r, content))
}

/// Whether every comment inside an edited range is written again by that edit (so applying the
/// edits loses no comment).
pub(crate) fn keeps_comments(doc: &Document<'_>, text: &str, edits: &[Edit]) -> bool {
    edits.iter().all(|e| {
        doc.comments.iter().all(|c| {
            let inside = c.start() >= e.range.start() && c.start() < e.range.end();
            !inside || e.content.contains(c.slice(text).trim_end())
        })
    })
}

/// `fix` unless applying it would lose a comment.
pub(crate) fn keeping_comments(doc: &Document<'_>, text: &str, fix: Option<Fix>) -> Option<Fix> {
    fix.filter(|f| keeps_comments(doc, text, &f.edits))
}

/// The IP-range lists of a resource: pod annotations and IstioOperator values.
pub fn ip_sites<'d, 'a>(cx: &ResourceCheck<'_, 'd, 'a>) -> Vec<(ListSite<'d, 'a>, IpListKind)> {
    let mut out = Vec::new();
    if let Some(pod) = &cx.res.pod {
        for (name, kind) in [
            (EXCLUDE_IPS, IpListKind::ExcludeAnnotation),
            (INCLUDE_IPS, IpListKind::IncludeAnnotation),
        ] {
            if let Some((k, v)) = pod.meta.annotation(name) {
                out.extend(ListSite::new(cx.text, name.to_owned(), k, v, false).map(|s| (s, kind)));
            }
        }
    }
    if let Some(proxy) = operator_proxy(cx) {
        for (name, kind) in [
            ("excludeIPRanges", IpListKind::OperatorExclude),
            ("includeIPRanges", IpListKind::OperatorInclude),
        ] {
            if let Some((k, v)) = proxy.entry(name) {
                out.extend(
                    ListSite::new(
                        cx.text,
                        format!("spec.values.global.proxy.{name}"),
                        k,
                        v,
                        true,
                    )
                    .map(|s| (s, kind)),
                );
            }
        }
    }
    out
}

/// The port lists of a resource: pod annotations and IstioOperator values.
pub fn port_sites<'d, 'a>(cx: &ResourceCheck<'_, 'd, 'a>) -> Vec<(ListSite<'d, 'a>, PortListKind)> {
    let mut out = Vec::new();
    if let Some(pod) = &cx.res.pod {
        for (name, kind) in [
            (
                "traffic.sidecar.istio.io/includeInboundPorts",
                PortListKind::IncludeInboundAnnotation,
            ),
            (
                "traffic.sidecar.istio.io/excludeInboundPorts",
                PortListKind::ExcludeInboundAnnotation,
            ),
            (
                "traffic.sidecar.istio.io/excludeOutboundPorts",
                PortListKind::ExcludeOutboundAnnotation,
            ),
            (
                "traffic.sidecar.istio.io/includeOutboundPorts",
                PortListKind::IncludeOutboundAnnotation,
            ),
        ] {
            if let Some((k, v)) = pod.meta.annotation(name) {
                out.extend(ListSite::new(cx.text, name.to_owned(), k, v, false).map(|s| (s, kind)));
            }
        }
    }
    if let Some(proxy) = operator_proxy(cx) {
        for (name, kind) in [
            ("includeInboundPorts", PortListKind::OperatorIncludeInbound),
            ("excludeInboundPorts", PortListKind::OperatorExcludeInbound),
            (
                "includeOutboundPorts",
                PortListKind::OperatorIncludeOutbound,
            ),
            (
                "excludeOutboundPorts",
                PortListKind::OperatorExcludeOutbound,
            ),
        ] {
            if let Some((k, v)) = proxy.entry(name) {
                out.extend(
                    ListSite::new(
                        cx.text,
                        format!("spec.values.global.proxy.{name}"),
                        k,
                        v,
                        true,
                    )
                    .map(|s| (s, kind)),
                );
            }
        }
    }
    out
}
