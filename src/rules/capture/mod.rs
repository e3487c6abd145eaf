//! 3xx: traffic-capture lists (`traffic.sidecar.istio.io/*` and IstioOperator
//! `values.global.proxy.*`), with Istio's grammar matched exactly (`crate::istio::lists`).

pub mod annotation_value_invalid;
pub mod include_exclude_overlap;
pub mod ip_ranges_empty;
pub mod ip_ranges_everything;
pub mod ip_ranges_host_bits;
pub mod ip_ranges_malformed;
pub mod ip_ranges_redundant;
pub mod port_list_malformed;

use crate::diagnostic::Edit;
use crate::istio::lists::{ElementFix, IpListKind, PortListKind};
use crate::k8s::scalar_string;
use crate::rules::ResourceCheck;
use crate::source::TextRange;
use crate::yaml::edit::{quote, rewrite_scalar};
use crate::yaml::resolve::{resolve, ScalarType};
use crate::yaml::{NodeRef, ScalarStyle};
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
    pub value: NodeRef<'d, 'a>,
    /// The string value.
    pub text: &'d str,
    /// The file offset of the string's first character, when every character maps one to one
    /// (plain and quoted scalars without escapes on one line, a one-line literal block).
    base: Option<u32>,
    /// Otherwise, where each byte offset of the string comes from, when the style maps.
    offsets: Option<Vec<Option<u32>>>,
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

impl<'d, 'a> ListSite<'d, 'a> {
    fn new(
        text: &str,
        name: String,
        key: NodeRef<'d, 'a>,
        value: NodeRef<'d, 'a>,
        operator: bool,
    ) -> Option<Self> {
        if !matches!(resolve(value), ScalarType::Str | ScalarType::Null) || value.is_alias() {
            return None;
        }
        let cooked = scalar_string(value)?;
        let base = identity_base(text, value, cooked);
        let offsets = if base.is_none() {
            crate::yaml::edit::value_offsets(text, value)
        } else {
            None
        };
        Some(Self {
            name,
            key,
            value,
            text: cooked,
            base,
            offsets,
            operator,
        })
    }

    /// The file range of `r` (a range in the string), or the whole value when it cannot map.
    pub fn range_of(&self, r: &Range<usize>) -> TextRange {
        match self.base {
            Some(b)
                if r.end <= self.text.len()
                    && !(self.value.style() == Some(ScalarStyle::Literal)
                        && r.end > self.text.trim_end_matches('\n').len()) =>
            {
                TextRange::new(b + r.start as u32, b + r.end as u32)
            }
            Some(b) if self.value.style() == Some(ScalarStyle::Literal) => {
                let end = self.text.trim_end_matches('\n').len() as u32;
                TextRange::new(b + (r.start as u32).min(end), b + end)
            }
            // Escapes, `''` or line breaks: map through the scalar's source.
            _ => self
                .offsets
                .as_ref()
                .and_then(|offsets| {
                    let end = if self.value.style() == Some(ScalarStyle::Literal) {
                        r.end.min(self.text.trim_end_matches('\n').len())
                    } else {
                        r.end
                    };
                    let start = offsets.get(r.start.min(end)).copied().flatten()?;
                    let end = offsets.get(end).copied().flatten()?;
                    Some(TextRange::new(start, end.max(start)))
                })
                .unwrap_or_else(|| self.value.range()),
        }
    }

    /// The edits of element fixes: in place when offsets map and the fixes stay on the line,
    /// else the whole scalar rewritten (a block scalar becomes a quoted one).
    pub fn edits(
        &self,
        file_text: &str,
        fixes: &[&ElementFix],
        prefer_double: bool,
    ) -> Option<Vec<Edit>> {
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
        match self.value.style() {
            Some(ScalarStyle::Literal | ScalarStyle::Folded) => Some(vec![Edit::replace(
                self.value.range(),
                quote(&new, prefer_double),
            )]),
            _ => rewrite_scalar(file_text, self.value, &new).map(|e| vec![e]),
        }
    }
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
