//! The comma-separated capture lists (3xx): IP ranges and ports, as pod
//! annotations (`traffic.sidecar.istio.io/…`) and as `IstioOperator` values
//! (`spec.values.global.proxy.…`). Each list is analysed element by element with Istio's own
//! acceptance rules, returning one [`ElementIssue`] per bad element with a byte range into
//! the value string, Istio's words as the reason, and the safe fix where the rule has one.
//! Also the helpers MESH303–MESH305 need: host bits, redundancy, "everything".
//!
//! Upstream files matched: istio/istio `pkg/kube/inject/validate.go` (`ValidateIncludeIPRanges`,
//! `ValidateExcludeIPRanges`, `validateCIDRList`, `parsePorts`, the webhook's rules),
//! `operator/pkg/apis/validation/validation.go` (`validateIPRangesOrStar`, `validateStringList`,
//! `validatePortNumberString`: istioctl's rules for `IstioOperator` values),
//! `cni/pkg/plugin/sidecar_redirect.go` (`validatePortListWithWildcard`, istio-cni's rules at
//! pod start), `tools/common/config/config.go` `SeparateV4V6` and
//! `tools/istio-iptables/pkg/capture/run.go` (istio-init at pod start). CIDRs are parsed by
//! [`crate::go::netip`], numbers by [`crate::go::strconv`].
//!
//! Ranges: an element's range covers the text between its commas, surrounding spaces
//! included; an empty element is the zero-width range right after the comma before it (offset
//! 0 for a leading one). A whole-value finding (a lone `*`) covers the whole value. Fix ranges
//! are relative to the value too, never overlap each other within one analysis (so all fixes
//! of one analysis can be applied together, see [`apply_fixes`]), and a removal extends over
//! exactly one neighbouring comma.

use std::fmt::Write as _;
use std::ops::Range;

use ipnet::IpNet;

use crate::go::netip::{parse_addr, parse_prefix, AddrErrorKind, PrefixError, PrefixErrorKind};
use crate::go::strconv::{escape, parse_int, parse_uint};

/// Which IP-range list a value is, deciding what `*` means and whose rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpListKind {
    /// `traffic.sidecar.istio.io/includeOutboundIPRanges`: `*` allowed as the whole value.
    IncludeAnnotation,
    /// `traffic.sidecar.istio.io/excludeOutboundIPRanges`: no `*`.
    ExcludeAnnotation,
    /// `IstioOperator` `spec.values.global.proxy.includeIPRanges`: `""` and `*` accepted.
    OperatorInclude,
    /// `IstioOperator` `spec.values.global.proxy.excludeIPRanges`: istioctl accepts `*`, but
    /// istio-init and istio-cni reject it when the pod starts.
    OperatorExclude,
}

impl IpListKind {
    /// An `IstioOperator` value (checked by istioctl) rather than a pod annotation (checked by
    /// the injection webhook).
    pub fn is_operator(self) -> bool {
        matches!(
            self,
            IpListKind::OperatorInclude | IpListKind::OperatorExclude
        )
    }

    /// An exclusion list (what MESH305 looks at).
    pub fn is_exclude(self) -> bool {
        matches!(
            self,
            IpListKind::ExcludeAnnotation | IpListKind::OperatorExclude
        )
    }

    fn wildcard_ok(self) -> bool {
        matches!(
            self,
            IpListKind::IncludeAnnotation | IpListKind::OperatorInclude
        )
    }
}

/// Which port list a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortListKind {
    /// `traffic.sidecar.istio.io/includeInboundPorts` (webhook; `*` as the whole value).
    IncludeInboundAnnotation,
    /// `traffic.sidecar.istio.io/excludeInboundPorts` (webhook; no `*`).
    ExcludeInboundAnnotation,
    /// `traffic.sidecar.istio.io/excludeOutboundPorts` (webhook; no `*`).
    ExcludeOutboundAnnotation,
    /// `traffic.sidecar.istio.io/includeOutboundPorts`: no admission check; istio-cni checks it
    /// at pod start.
    IncludeOutboundAnnotation,
    /// `IstioOperator` `…global.proxy.includeInboundPorts` (istioctl's element rule).
    OperatorIncludeInbound,
    /// `IstioOperator` `…global.proxy.excludeInboundPorts` (istioctl's element rule).
    OperatorExcludeInbound,
    /// `IstioOperator` `…global.proxy.includeOutboundPorts`: content unchecked by istioctl.
    OperatorIncludeOutbound,
    /// `IstioOperator` `…global.proxy.excludeOutboundPorts`: content unchecked by istioctl.
    OperatorExcludeOutbound,
}

impl PortListKind {
    /// An `IstioOperator` value rather than a pod annotation.
    pub fn is_operator(self) -> bool {
        matches!(
            self,
            PortListKind::OperatorIncludeInbound
                | PortListKind::OperatorExcludeInbound
                | PortListKind::OperatorIncludeOutbound
                | PortListKind::OperatorExcludeOutbound
        )
    }

    /// Whether `*` is accepted as the whole value: includeInboundPorts (the
    /// webhook), the lists nothing checks before the pod starts (istio-cni's
    /// `validatePortListWithWildcard`), and both inbound `IstioOperator` lists (istioctl's
    /// `validateStringList`).
    pub fn whole_wildcard_ok(self) -> bool {
        !matches!(
            self,
            PortListKind::ExcludeInboundAnnotation | PortListKind::ExcludeOutboundAnnotation
        )
    }

    /// Whether anything checks the content before the pod is created (the webhook for
    /// annotations, istioctl for `IstioOperator` values). When not, every finding is
    /// [`Stage::PodStart`], which is a warning (MESH306).
    pub fn checked_before_deploy(self) -> bool {
        !matches!(
            self,
            PortListKind::IncludeOutboundAnnotation
                | PortListKind::OperatorIncludeOutbound
                | PortListKind::OperatorExcludeOutbound
        )
    }
}

/// When Istio refuses the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Before anything runs: the injection webhook denies the pod, or istioctl refuses the
    /// `IstioOperator`.
    Admission,
    /// Accepted up front, then istio-init or istio-cni fails when the pod starts (the pod
    /// never becomes ready).
    PodStart,
}

/// The main reason an element is bad; the human reason is in [`ElementIssue::reason`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IssueCause {
    /// Nothing between two commas, or a leading/trailing comma.
    EmptyElement,
    /// Only whitespace between two commas.
    BlankElement,
    /// Spaces or tabs around an element that is otherwise fine or fixable.
    Whitespace,
    /// A line break at the end of the value (a `|` block scalar keeps its last line break):
    /// the fix removes it, which the caller may have to do by rewriting the scalar.
    TrailingNewline,
    /// `;` or whitespace used between elements instead of `,`.
    Separator,
    /// An IP address without `/length`.
    BareAddress,
    /// A prefix length with a leading zero (`/08`).
    PrefixLengthLeadingZero,
    /// `*` where it is not accepted.
    Wildcard,
    /// `80-90`: port ranges are not supported.
    PortRange,
    /// A prefix length or port number beyond its range.
    OutOfRange,
    /// An interface name longer than 15 bytes.
    TooLong,
    /// Anything else (host names, garbage, zones, leading-zero octets, …).
    Invalid,
}

/// A text edit relative to the value string. Removals may extend over one neighbouring comma.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ElementFix {
    pub range: Range<usize>,
    pub replacement: String,
}

/// One bad element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementIssue {
    /// The element inside the value, surrounding spaces included; zero-width for an empty one.
    pub range: Range<usize>,
    /// Readable cause, then Istio's own words.
    pub reason: String,
    pub cause: IssueCause,
    pub stage: Stage,
    /// The safe fix, when the rule has one.
    pub fix: Option<ElementFix>,
}

/// A valid element of an IP list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpElement {
    /// Position in [`IpListAnalysis::elements`].
    pub index: usize,
    pub range: Range<usize>,
    /// As written: host bits kept (`10.1.2.3/8`).
    pub net: IpNet,
}

/// The result of [`check_ip_list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpListAnalysis {
    /// Every element's range (split on `,`, nothing trimmed); empty for `""`.
    pub elements: Vec<Range<usize>>,
    /// The elements that parse, in order.
    pub valid: Vec<IpElement>,
    pub issues: Vec<ElementIssue>,
    /// The whole value is exactly `*` (whether that is accepted is in `issues`).
    pub wildcard: bool,
}

/// The result of [`check_port_list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortListAnalysis {
    /// Every element's range (split on `,`, nothing trimmed); empty for a blank value.
    pub elements: Vec<Range<usize>>,
    /// Elements without any issue that name a port: the element's range (surrounding spaces
    /// included) and the number.
    pub ports: Vec<(Range<usize>, u16)>,
    pub issues: Vec<ElementIssue>,
    /// The whole value is exactly `*` (whether that is accepted is in `issues`).
    pub wildcard: bool,
}

/// The ranges of the comma-separated elements of `value`, as Go's `strings.Split(value, ",")`
/// cuts them (so `""` is one empty element; callers treat an empty value first).
pub fn split_elements(value: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for comma in memchr::memchr_iter(b',', value.as_bytes()) {
        out.push(start..comma);
        start = comma + 1;
    }
    out.push(start..value.len());
    out
}

/// The single range covering a whole value.
fn whole_value(len: usize) -> Vec<Range<usize>> {
    std::iter::once(0..len).collect()
}

/// Fixes that delete the elements marked in `remove`, each together with one neighbouring
/// comma, so that applying all of them leaves the kept elements joined by single commas.
/// Elements before the last kept one take the comma after them, later ones the comma before.
/// When nothing would be left, there is no fix (emptying a list changes its meaning).
pub fn removal_fixes(elements: &[Range<usize>], remove: &[bool]) -> Vec<Option<ElementFix>> {
    let n = elements.len().min(remove.len());
    let mut out = vec![None; elements.len()];
    let Some(last_kept) = (0..n).rev().find(|&i| !remove[i]) else {
        return out;
    };
    for i in 0..n {
        if !remove[i] {
            continue;
        }
        let r = &elements[i];
        let range = if i < last_kept {
            r.start..r.end + 1
        } else {
            r.start - 1..r.end
        };
        out[i] = Some(ElementFix {
            range,
            replacement: String::new(),
        });
    }
    out
}

/// Applies non-overlapping fixes to `value`; `None` if two overlap or one is out of bounds.
pub fn apply_fixes<'a>(
    value: &str,
    fixes: impl IntoIterator<Item = &'a ElementFix>,
) -> Option<String> {
    let mut fixes: Vec<&ElementFix> = fixes.into_iter().collect();
    fixes.sort_by_key(|f| (f.range.start, f.range.end));
    let mut out = String::with_capacity(value.len());
    let mut pos = 0;
    for f in fixes {
        if f.range.start < pos || f.range.end < f.range.start {
            return None;
        }
        out.push_str(value.get(pos..f.range.start)?);
        value.get(f.range.clone())?;
        out.push_str(&f.replacement);
        pos = f.range.end;
    }
    out.push_str(value.get(pos..)?);
    Some(out)
}

/// What to do with one element when fixing.
enum Plan {
    /// Invalid, fixable in place.
    Replace(String),
    /// Empty or blank: delete it with a comma.
    Remove,
    /// Invalid, no safe fix.
    Stay,
}

struct Verdict {
    cause: IssueCause,
    lead: String,
    plan: Plan,
}

/// Builds the issues of one list from per-element verdicts, computing removals jointly.
fn finish(
    elements: &[Range<usize>],
    verdicts: Vec<Option<(Verdict, String, Stage)>>,
) -> Vec<ElementIssue> {
    let remove: Vec<bool> = verdicts
        .iter()
        .map(|v| {
            matches!(
                v,
                Some((
                    Verdict {
                        plan: Plan::Remove,
                        ..
                    },
                    _,
                    _
                ))
            )
        })
        .collect();
    let mut removals = removal_fixes(elements, &remove);
    let mut issues = Vec::new();
    for (i, v) in verdicts.into_iter().enumerate() {
        let Some((verdict, words, stage)) = v else {
            continue;
        };
        let range = elements[i].clone();
        let fix = match verdict.plan {
            Plan::Replace(replacement) => Some(ElementFix {
                range: range.clone(),
                replacement,
            }),
            Plan::Remove => removals[i].take(),
            Plan::Stay => None,
        };
        issues.push(ElementIssue {
            range,
            reason: join_reason(&verdict.lead, &words),
            cause: verdict.cause,
            stage,
            fix,
        });
    }
    issues
}

fn join_reason(lead: &str, words: &str) -> String {
    if lead.is_empty() {
        words.to_owned()
    } else if words.is_empty() {
        lead.to_owned()
    } else {
        format!("{lead}: {words}")
    }
}

fn empty_lead(index: usize, count: usize) -> &'static str {
    if index == 0 {
        "empty element (leading comma)"
    } else if index + 1 == count {
        "empty element (trailing comma)"
    } else {
        "empty element (two commas in a row)"
    }
}

fn ws_name(ws: &str) -> &'static str {
    if ws.contains('\n') {
        "newline"
    } else if ws.chars().all(|c| c == ' ') {
        "space"
    } else if ws.chars().all(|c| c == '\t') {
        "tab"
    } else {
        "whitespace"
    }
}

/// Describes whitespace around an element; `(text, has trailing newline)`.
fn ws_lead(text: &str, index: usize, count: usize) -> Option<(String, bool)> {
    let lead_ws = &text[..text.len() - text.trim_start().len()];
    let trail_ws = &text[text.trim_end().len()..];
    if lead_ws.is_empty() && trail_ws.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if !lead_ws.is_empty() {
        parts.push(if index > 0 {
            format!("{} after the comma", ws_name(lead_ws))
        } else {
            format!("leading {}", ws_name(lead_ws))
        });
    }
    let mut newline = false;
    if !trail_ws.is_empty() {
        if index + 1 == count && trail_ws.contains('\n') {
            newline = true;
            parts.push(
                "trailing newline (a `|` block scalar keeps its last line break; use `|-` or a quoted string)"
                    .to_owned(),
            );
        } else if index + 1 < count {
            parts.push(format!("{} before the comma", ws_name(trail_ws)));
        } else {
            parts.push(format!("trailing {}", ws_name(trail_ws)));
        }
    }
    Some((parts.join(" and "), newline))
}

fn has_separator(t: &str) -> bool {
    t.contains(|c: char| c == ';' || c.is_whitespace())
}

fn separator_lead(t: &str) -> &'static str {
    if t.contains(';') {
        "';' used as a separator (Istio splits only on ',')"
    } else {
        "whitespace used as a separator (Istio splits only on ',')"
    }
}

fn split_separators(t: &str) -> Vec<&str> {
    t.split(|c: char| c == ';' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// IP lists

#[derive(Clone, Copy, PartialEq, Eq)]
enum IpNote {
    Separator,
    BareAddress,
    LeadingZeroLength,
}

/// A safe rewrite of one part (no separators) into a valid CIDR.
fn normalize_ip_part(p: &str, notes: &mut Vec<IpNote>) -> Option<String> {
    if parse_prefix(p).is_ok() {
        return Some(p.to_owned());
    }
    if let Some((addr, bits)) = p.rsplit_once('/') {
        if bits.len() > 1 && bits.starts_with('0') && bits.bytes().all(|b| b.is_ascii_digit()) {
            let stripped = bits.trim_start_matches('0');
            let stripped = if stripped.is_empty() { "0" } else { stripped };
            let candidate = format!("{addr}/{stripped}");
            if parse_prefix(&candidate).is_ok() {
                notes.push(IpNote::LeadingZeroLength);
                return Some(candidate);
            }
        }
        return None;
    }
    let a = parse_addr(p).ok()?;
    if a.zone.is_some() {
        return None;
    }
    notes.push(IpNote::BareAddress);
    Some(format!("{p}/{}", if a.ip.is_ipv6() { 128 } else { 32 }))
}

/// A safe rewrite of a trimmed element into one or more valid CIDRs joined by `,`.
fn normalize_ip(t: &str, notes: &mut Vec<IpNote>) -> Option<String> {
    if parse_prefix(t).is_ok() {
        return Some(t.to_owned());
    }
    if has_separator(t) {
        let parts = split_separators(t);
        if parts.is_empty() {
            return None;
        }
        notes.push(IpNote::Separator);
        let mut out = Vec::with_capacity(parts.len());
        for p in parts {
            out.push(normalize_ip_part(p, notes)?);
        }
        return Some(out.join(","));
    }
    normalize_ip_part(t, notes)
}

fn looks_like_host_name(t: &str) -> bool {
    !t.contains(':')
        && t.bytes().any(|b| b.is_ascii_alphabetic())
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'/')
}

/// Plain words for a `ParsePrefix` failure of the trimmed element.
fn readable_prefix_error(e: &PrefixError, t: &str) -> (IssueCause, String) {
    let host = || {
        (
            IssueCause::Invalid,
            "not an IP range (host names are not accepted, only CIDRs such as 10.0.0.0/8)"
                .to_owned(),
        )
    };
    match &e.kind {
        PrefixErrorKind::NoSlash => {
            if looks_like_host_name(t) {
                host()
            } else {
                (
                    IssueCause::Invalid,
                    "not an IP range (no '/length')".to_owned(),
                )
            }
        }
        PrefixErrorKind::Addr(a) => {
            let addr_part = t.rsplit_once('/').map_or(t, |(a, _)| a);
            let words = match a.kind {
                AddrErrorKind::Ipv4LeadingZero => {
                    "an IPv4 octet has a leading zero (octal or decimal? Go refuses to guess)"
                }
                AddrErrorKind::Ipv4FieldTooLarge => "an IPv4 octet is greater than 255",
                AddrErrorKind::Ipv4TooShort => "an IPv4 address needs four octets",
                AddrErrorKind::Ipv4TooLong => "an IPv4 address has only four octets",
                AddrErrorKind::Ipv4EmptyField => "an IPv4 octet is empty",
                AddrErrorKind::Ipv6GroupTooLong => "an IPv6 group has more than 4 hex digits",
                AddrErrorKind::MultipleEllipsis => "more than one '::' in an IPv6 address",
                AddrErrorKind::EmptyZone | AddrErrorKind::MissingIpv6Address => {
                    "an IPv6 zone (%…) is not allowed in a range"
                }
                _ if looks_like_host_name(addr_part) => return host(),
                _ => "not a valid IP address",
            };
            (IssueCause::Invalid, words.to_owned())
        }
        PrefixErrorKind::ZoneInPrefix => (
            IssueCause::Invalid,
            "an IPv6 zone (%…) is not allowed in a range".to_owned(),
        ),
        PrefixErrorKind::BadBits(bits) => {
            let words = if bits.is_empty() {
                "missing prefix length after '/'"
            } else if bits.starts_with(['+', '-']) {
                "the prefix length must not have a sign"
            } else {
                "the prefix length must be plain decimal digits"
            };
            (IssueCause::Invalid, words.to_owned())
        }
        PrefixErrorKind::OutOfRange => (
            IssueCause::OutOfRange,
            "prefix length out of range (at most /32 for IPv4, /128 for IPv6)".to_owned(),
        ),
    }
}

fn classify_ip(text: &str, index: usize, count: usize, kind: IpListKind) -> Verdict {
    if text.is_empty() {
        return Verdict {
            cause: IssueCause::EmptyElement,
            lead: empty_lead(index, count).to_owned(),
            plan: Plan::Remove,
        };
    }
    let t = text.trim();
    if t.is_empty() {
        return Verdict {
            cause: IssueCause::BlankElement,
            lead: format!("blank element (only {})", ws_name(text)),
            plan: Plan::Remove,
        };
    }
    let ws = ws_lead(text, index, count);
    if t == "*" {
        if count == 1 && kind.wildcard_ok() {
            let (lead, newline) = ws.unwrap_or_default();
            return Verdict {
                cause: if newline {
                    IssueCause::TrailingNewline
                } else {
                    IssueCause::Whitespace
                },
                lead: format!("{lead} around `*` (the wildcard must be exactly `*`)"),
                plan: Plan::Replace("*".to_owned()),
            };
        }
        let lead = if count > 1 && kind.wildcard_ok() {
            "`*` is accepted only as the whole value, not as one element of a list"
        } else {
            "`*` (every address) is not accepted in an exclude list, only in an include list"
        };
        return Verdict {
            cause: IssueCause::Wildcard,
            lead: lead.to_owned(),
            plan: Plan::Stay,
        };
    }
    let mut notes = Vec::new();
    if let Some(replacement) = normalize_ip(t, &mut notes) {
        notes.dedup();
        let mut leads: Vec<String> = Vec::new();
        let mut newline = false;
        if let Some((l, nl)) = ws {
            leads.push(l);
            newline = nl;
        }
        for n in &notes {
            leads.push(
                match n {
                    IpNote::Separator => separator_lead(t),
                    IpNote::BareAddress => {
                        "an IP address without a prefix length (one address is /32, or /128 for IPv6)"
                    }
                    IpNote::LeadingZeroLength => {
                        "the prefix length has a leading zero (current Go rejects it)"
                    }
                }
                .to_owned(),
            );
        }
        let cause = if newline {
            IssueCause::TrailingNewline
        } else if notes.contains(&IpNote::Separator) {
            IssueCause::Separator
        } else if notes.contains(&IpNote::BareAddress) {
            IssueCause::BareAddress
        } else if notes.contains(&IpNote::LeadingZeroLength) {
            IssueCause::PrefixLengthLeadingZero
        } else {
            IssueCause::Whitespace
        };
        return Verdict {
            cause,
            lead: leads.join("; "),
            plan: Plan::Replace(replacement),
        };
    }
    let (cause, mut lead) = match parse_prefix(t) {
        Err(e) => readable_prefix_error(&e, t),
        Ok(_) => (IssueCause::Invalid, String::new()),
    };
    if let Some((l, _)) = ws {
        let _ = write!(lead, "; also a {l}");
    }
    Verdict {
        cause,
        lead,
        plan: Plan::Stay,
    }
}

/// Istio's words for an element `ParsePrefix` refused.
fn ip_words(text: &str, e: &PrefixError, kind: IpListKind) -> String {
    if kind.is_operator() {
        // validation.go validateCIDR: "<path> <netip error>"; the caller knows the path.
        e.to_string()
    } else {
        format!("failed parsing cidr '{}': {e}", escape(text))
    }
}

/// Analyses an IP-range list value of the given kind (see [`IpListKind`]).
pub fn check_ip_list(value: &str, kind: IpListKind) -> IpListAnalysis {
    let mut a = IpListAnalysis::default();
    if value.is_empty() {
        return a;
    }
    if value == "*" {
        a.wildcard = true;
        a.elements = whole_value(1);
        match kind {
            IpListKind::IncludeAnnotation | IpListKind::OperatorInclude => {}
            IpListKind::ExcludeAnnotation => a.issues.push(ElementIssue {
                range: 0..1,
                reason: "`*` (every address) is not accepted for excludeOutboundIPRanges, only for \
                         includeOutboundIPRanges: failed parsing cidr '*': netip.ParsePrefix(\"*\"): no '/'"
                    .to_owned(),
                cause: IssueCause::Wildcard,
                stage: Stage::Admission,
                fix: None,
            }),
            IpListKind::OperatorExclude => a.issues.push(ElementIssue {
                range: 0..1,
                reason: "istioctl accepts `*` for excludeIPRanges, but istio-init rejects it when \
                         the pod starts (invalid value for OUTBOUND_IP_RANGES_EXCLUDE), and so does \
                         istio-cni (failed parsing cidr '*': netip.ParsePrefix(\"*\"): no '/')"
                    .to_owned(),
                cause: IssueCause::Wildcard,
                stage: Stage::PodStart,
                fix: None,
            }),
        }
        return a;
    }
    a.elements = split_elements(value);
    let count = a.elements.len();
    let mut verdicts = Vec::with_capacity(count);
    for (index, range) in a.elements.iter().enumerate() {
        let text = &value[range.clone()];
        match parse_prefix(text) {
            Ok(net) => {
                a.valid.push(IpElement {
                    index,
                    range: range.clone(),
                    net,
                });
                verdicts.push(None);
            }
            Err(e) => {
                let verdict = classify_ip(text, index, count, kind);
                verdicts.push(Some((verdict, ip_words(text, &e, kind), Stage::Admission)));
            }
        }
    }
    a.issues = finish(&a.elements, verdicts);
    a
}

/// MESH303: the address has bits set beyond the prefix length (`10.1.2.3/8`).
pub fn has_host_bits(net: &IpNet) -> bool {
    net.addr() != net.network()
}

/// MESH303's (unsafe) fix: the canonical network (`10.1.2.3/8` → `10.0.0.0/8`).
pub fn host_bits_fix(element: &IpElement) -> Option<ElementFix> {
    has_host_bits(&element.net).then(|| ElementFix {
        range: element.range.clone(),
        replacement: element.net.trunc().to_string(),
    })
}

/// MESH305: the range covers every address of its family (prefix length 0: `0.0.0.0/0`,
/// `::/0`, also `10.0.0.0/0`).
pub fn covers_everything(net: &IpNet) -> bool {
    net.prefix_len() == 0
}

/// MESH304: an element made redundant by another of the same list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redundant {
    /// The redundant element's index in [`IpListAnalysis::elements`].
    pub element: usize,
    /// The surviving element (index in `elements`) that covers it.
    pub by: usize,
    /// Same network as `by` (after masking host bits), not merely contained in it.
    pub duplicate: bool,
    /// Removal of this element with one comma; the fixes of all returned items apply together.
    pub fix: Option<ElementFix>,
}

/// MESH304: duplicates (same network after masking) and ranges contained in another element
/// of the same list. The first of equal networks survives; a contained range is redundant
/// whatever the order; `by` names the first surviving element that covers it. IPv4 and IPv6
/// (IPv4-mapped included) never cover each other. Order of the result: list order.
pub fn find_redundant(analysis: &IpListAnalysis) -> Vec<Redundant> {
    let nets: Vec<(usize, IpNet)> = analysis
        .valid
        .iter()
        .map(|e| (e.index, e.net.trunc()))
        .collect();
    // `i` dominates `j` when `i`'s network contains `j`'s and is larger, or is the same network
    // listed earlier. Each network is looked up at every prefix length the list uses, so a
    // hostile list of 100,000 elements costs a hash lookup per element and length, not n².
    let mut by_net: std::collections::HashMap<IpNet, Vec<usize>> =
        std::collections::HashMap::with_capacity(nets.len());
    let mut lengths: Vec<(bool, u8)> = Vec::new();
    for (k, &(_, net)) in nets.iter().enumerate() {
        by_net.entry(net).or_default().push(k);
        let len = (net.addr().is_ipv4(), net.prefix_len());
        if !lengths.contains(&len) {
            lengths.push(len);
        }
    }
    // The networks containing `net` (itself included) at the lengths the list uses.
    let (by_net, lengths) = (&by_net, &lengths);
    let containers = move |net: IpNet| {
        lengths
            .iter()
            .filter(move |&&(v4, len)| v4 == net.addr().is_ipv4() && len <= net.prefix_len())
            .filter_map(move |&(_, len)| {
                let outer = IpNet::new(net.addr(), len).ok()?.trunc();
                by_net.get(&outer).map(|ks| (outer, ks))
            })
    };
    let redundant: Vec<bool> = nets
        .iter()
        .enumerate()
        .map(|(j, &(_, nj))| containers(nj).any(|(outer, ks)| outer != nj || ks[0] < j))
        .collect();
    // `by`: the first surviving element that dominates `j`.
    let first_survivor = |j: usize| {
        containers(nets[j].1)
            .filter_map(|(_, ks)| ks.iter().copied().find(|&i| i != j && !redundant[i]))
            .min()
    };
    let mut remove = vec![false; analysis.elements.len()];
    for (k, &(index, _)) in nets.iter().enumerate() {
        if redundant[k] {
            remove[index] = true;
        }
    }
    let mut fixes = removal_fixes(&analysis.elements, &remove);
    let mut out = Vec::new();
    for j in 0..nets.len() {
        if !redundant[j] {
            continue;
        }
        let Some(i) = first_survivor(j) else {
            continue;
        };
        out.push(Redundant {
            element: nets[j].0,
            by: nets[i].0,
            duplicate: nets[i].1 == nets[j].1,
            fix: fixes[nets[j].0].take(),
        });
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Port lists

/// ASCII digits that `ParseUint(p, 10, 16)` accepts: valid under every port rule.
fn is_plain_port(p: &str) -> bool {
    !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && parse_uint(p, 10, 16).is_ok()
}

fn is_port_range(t: &str) -> bool {
    let Some((a, b)) = t.split_once(['-', ':']) else {
        return false;
    };
    !a.is_empty()
        && !b.is_empty()
        && a.bytes().all(|c| c.is_ascii_digit())
        && b.bytes().all(|c| c.is_ascii_digit())
}

fn classify_port(text: &str, index: usize, count: usize) -> Verdict {
    if text.is_empty() {
        return Verdict {
            cause: IssueCause::EmptyElement,
            lead: empty_lead(index, count).to_owned(),
            plan: Plan::Remove,
        };
    }
    let t = text.trim();
    if t.is_empty() {
        return Verdict {
            cause: IssueCause::BlankElement,
            lead: format!("blank element (only {})", ws_name(text)),
            plan: Plan::Remove,
        };
    }
    let ws = ws_lead(text, index, count);
    if is_plain_port(t) {
        // Only reachable where elements are not trimmed (istioctl's rule).
        let (lead, newline) = ws.unwrap_or_default();
        return untrimmed(&lead, newline, t);
    }
    let stay = |cause: IssueCause, lead: &str| Verdict {
        cause,
        lead: lead.to_owned(),
        plan: Plan::Stay,
    };
    if t == "*" {
        return stay(
            IssueCause::Wildcard,
            "`*` is accepted only as the whole value, not as one element of a list",
        );
    }
    if is_port_range(t) {
        return stay(
            IssueCause::PortRange,
            "port ranges are not supported; list each port",
        );
    }
    if has_separator(t) {
        let parts = split_separators(t);
        if !parts.is_empty() && parts.iter().all(|p| is_plain_port(p)) {
            return Verdict {
                cause: IssueCause::Separator,
                lead: separator_lead(t).to_owned(),
                plan: Plan::Replace(parts.join(",")),
            };
        }
    }
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if t.starts_with('-') {
            return stay(IssueCause::OutOfRange, "ports are 0–65535, not negative");
        }
        if parse_uint(digits, 10, 16).is_err() {
            return stay(IssueCause::OutOfRange, "port out of range (0–65535)");
        }
        return stay(IssueCause::Invalid, "a sign before the port number");
    }
    stay(IssueCause::Invalid, "not a port number")
}

/// Why an exclude annotation refuses `*` (the webhook's `validatePortList`).
const WILDCARD_REFUSED: &str = "`*` is accepted only for includeInboundPorts: failed parsing port \
     '*': strconv.ParseUint: parsing \"*\": invalid syntax";

/// Analyses a port list value of the given kind (see [`PortListKind`]).
///
/// Annotation kinds and the content of outbound `IstioOperator` values follow the webhook's
/// and istio-cni's rule (`parsePorts`): the whole value trimmed, `""` valid, split on `,`,
/// each element trimmed and `ParseUint(e, 10, 16)`; `*` only as the exact whole value, and
/// not in the exclude annotations ([`PortListKind::whole_wildcard_ok`]). Inbound
/// `IstioOperator` values follow istioctl's rule: split on `,`, nothing
/// trimmed, `""` and `*` elements allowed, else `ParseInt(e, 10, 32)` within 0..=65535 (so a
/// sign passes: `+80`).
pub fn check_port_list(value: &str, kind: PortListKind) -> PortListAnalysis {
    match kind {
        PortListKind::OperatorIncludeInbound | PortListKind::OperatorExcludeInbound => {
            check_operator_inbound(value)
        }
        _ => check_trimmed_ports(value, kind),
    }
}

fn check_trimmed_ports(value: &str, kind: PortListKind) -> PortListAnalysis {
    let mut a = PortListAnalysis {
        wildcard: value == "*",
        ..PortListAnalysis::default()
    };
    let stage = if kind.checked_before_deploy() {
        Stage::Admission
    } else {
        Stage::PodStart
    };
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return a;
    }
    if trimmed == "*" {
        a.elements = whole_value(value.len());
        let issue = if kind.whole_wildcard_ok() {
            if value == "*" {
                return a;
            }
            let (lead, newline) = ws_lead(value, 0, 1).unwrap_or_default();
            ElementIssue {
                range: 0..value.len(),
                reason: format!(
                    "{lead} around `*` (the wildcard must be exactly `*`): failed parsing port '{}': \
                     strconv.ParseUint: parsing \"*\": invalid syntax",
                    escape(value)
                ),
                cause: if newline {
                    IssueCause::TrailingNewline
                } else {
                    IssueCause::Whitespace
                },
                stage,
                fix: Some(ElementFix {
                    range: 0..value.len(),
                    replacement: "*".to_owned(),
                }),
            }
        } else {
            ElementIssue {
                range: 0..value.len(),
                reason: WILDCARD_REFUSED.to_owned(),
                cause: IssueCause::Wildcard,
                stage,
                fix: None,
            }
        };
        a.issues.push(issue);
        return a;
    }
    a.elements = split_elements(value);
    let count = a.elements.len();
    let mut verdicts = Vec::with_capacity(count);
    for (index, range) in a.elements.iter().enumerate() {
        let text = &value[range.clone()];
        match parse_uint(text.trim(), 10, 16) {
            Ok(p) => {
                a.ports
                    .push((range.clone(), u16::try_from(p).unwrap_or_default()));
                verdicts.push(None);
            }
            Err(e) => {
                let words = format!("failed parsing port '{}': {e}", escape(text));
                verdicts.push(Some((classify_port(text, index, count), words, stage)));
            }
        }
    }
    a.issues = finish(&a.elements, verdicts);
    a
}

fn check_operator_inbound(value: &str) -> PortListAnalysis {
    let mut a = PortListAnalysis {
        wildcard: value == "*",
        ..PortListAnalysis::default()
    };
    if value.is_empty() {
        return a;
    }
    a.elements = split_elements(value);
    let count = a.elements.len();
    let mut verdicts = Vec::with_capacity(count);
    for (index, range) in a.elements.iter().enumerate() {
        let text = &value[range.clone()];
        // validateStringList(validatePortNumberString): "" and "*" pass as they are.
        if text.is_empty() || text == "*" {
            verdicts.push(None);
            continue;
        }
        let verdict = match parse_int(text, 10, 32) {
            Ok(v) if (0..=65535).contains(&v) => {
                a.ports
                    .push((range.clone(), u16::try_from(v).unwrap_or_default()));
                None
            }
            Ok(v) => Some((
                Verdict {
                    cause: IssueCause::OutOfRange,
                    lead: "port out of range (0–65535)".to_owned(),
                    plan: Plan::Stay,
                },
                format!("value {v} falls outside range [0, 65535]"),
                Stage::Admission,
            )),
            Err(e) => Some((
                classify_operator_inbound(text, index, count),
                e.to_string(),
                Stage::Admission,
            )),
        };
        verdicts.push(verdict);
    }
    a.issues = finish(&a.elements, verdicts);
    a
}

/// An element istioctl refuses in an inbound `IstioOperator` list: spaces around an element it
/// would take (no trimming there) are dropped by the fix; the rest as in other port lists.
fn classify_operator_inbound(text: &str, index: usize, count: usize) -> Verdict {
    let t = text.trim();
    let accepted = t == "*" || parse_int(t, 10, 32).is_ok_and(|v| (0..=65535).contains(&v));
    match ws_lead(text, index, count) {
        Some((lead, newline)) if accepted => untrimmed(&lead, newline, t),
        _ => classify_port(text, index, count),
    }
}

/// A port the list would take but for the blanks around it, where nothing trims them: the fix
/// keeps the port and drops the blanks.
fn untrimmed(lead: &str, newline: bool, port: &str) -> Verdict {
    Verdict {
        cause: if newline {
            IssueCause::TrailingNewline
        } else {
            IssueCause::Whitespace
        },
        lead: format!("{lead} (not trimmed here)"),
        plan: Plan::Replace(port.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const IP_KINDS: [IpListKind; 4] = [
        IpListKind::IncludeAnnotation,
        IpListKind::ExcludeAnnotation,
        IpListKind::OperatorInclude,
        IpListKind::OperatorExclude,
    ];

    const PORT_KINDS: [PortListKind; 8] = [
        PortListKind::IncludeInboundAnnotation,
        PortListKind::ExcludeInboundAnnotation,
        PortListKind::ExcludeOutboundAnnotation,
        PortListKind::IncludeOutboundAnnotation,
        PortListKind::OperatorIncludeInbound,
        PortListKind::OperatorExcludeInbound,
        PortListKind::OperatorIncludeOutbound,
        PortListKind::OperatorExcludeOutbound,
    ];

    fn ip(value: &str, kind: IpListKind) -> IpListAnalysis {
        check_ip_list(value, kind)
    }

    fn port(value: &str, kind: PortListKind) -> PortListAnalysis {
        check_port_list(value, kind)
    }

    fn ip_valid(value: &str, kind: IpListKind) -> bool {
        ip(value, kind).issues.is_empty()
    }

    fn port_valid(value: &str, kind: PortListKind) -> bool {
        port(value, kind).issues.is_empty()
    }

    fn fixed_ip(value: &str, kind: IpListKind) -> Option<String> {
        let a = ip(value, kind);
        if a.issues.iter().any(|i| i.fix.is_none()) {
            return None;
        }
        apply_fixes(value, a.issues.iter().filter_map(|i| i.fix.as_ref()))
    }

    fn fixed_port(value: &str, kind: PortListKind) -> Option<String> {
        let a = port(value, kind);
        if a.issues.iter().any(|i| i.fix.is_none()) {
            return None;
        }
        apply_fixes(value, a.issues.iter().filter_map(|i| i.fix.as_ref()))
    }

    fn only_issue(a: &IpListAnalysis) -> &ElementIssue {
        assert_eq!(a.issues.len(), 1, "{:#?}", a.issues);
        &a.issues[0]
    }

    // --- the IP-range annotations (rules/MESH302-ip-ranges-malformed.md) --------------------------------

    #[test]
    fn table_empty_and_blank() {
        for kind in IP_KINDS {
            assert!(ip_valid("", kind));
            assert!(ip("", kind).elements.is_empty());
        }
        let a = ip(" ", IpListKind::ExcludeAnnotation);
        let i = only_issue(&a);
        assert_eq!(i.range, 0..1);
        assert_eq!(i.cause, IssueCause::BlankElement);
        assert!(
            i.reason.contains("blank element (only space)"),
            "{}",
            i.reason
        );
        assert!(
            i.reason
                .ends_with("failed parsing cidr ' ': netip.ParsePrefix(\" \"): no '/'"),
            "{}",
            i.reason
        );
        // Nothing would be left: no fix.
        assert_eq!(i.fix, None);
    }

    #[test]
    fn table_valid_lists() {
        for kind in IP_KINDS {
            let a = ip("10.0.0.0/8,192.168.0.0/16", kind);
            assert!(a.issues.is_empty());
            assert_eq!(a.valid.len(), 2);
            assert_eq!(a.valid[1].range, 11..25);
            assert!(ip_valid("fd00::/8,2001:db8::1/128", kind));
            assert!(ip_valid("::ffff:10.0.0.0/104", kind));
            assert!(ip_valid("10.1.2.3/8", kind));
            assert!(ip_valid("10.0.0.0/0", kind));
        }
    }

    #[test]
    fn table_space_after_comma() {
        let v = "10.0.0.0/8, 172.16.0.0/12";
        let a = ip(v, IpListKind::ExcludeAnnotation);
        let i = only_issue(&a);
        assert_eq!(i.range, 11..25);
        assert_eq!(&v[i.range.clone()], " 172.16.0.0/12");
        assert_eq!(i.cause, IssueCause::Whitespace);
        assert_eq!(i.stage, Stage::Admission);
        assert_eq!(
            i.reason,
            "space after the comma: failed parsing cidr ' 172.16.0.0/12': \
             netip.ParsePrefix(\" 172.16.0.0/12\"): ParseAddr(\" 172.16.0.0\"): \
             unexpected character (at \" 172.16.0.0\")"
        );
        assert_eq!(
            i.fix,
            Some(ElementFix {
                range: 11..25,
                replacement: "172.16.0.0/12".into()
            })
        );
        assert_eq!(
            fixed_ip(v, IpListKind::ExcludeAnnotation).as_deref(),
            Some("10.0.0.0/8,172.16.0.0/12")
        );
        assert_eq!(a.valid.len(), 1);
    }

    #[test]
    fn table_leading_trailing_space_and_newline() {
        let a = ip(" 10.0.0.0/8", IpListKind::IncludeAnnotation);
        assert!(only_issue(&a).reason.starts_with("leading space:"));
        let a = ip("10.0.0.0/8 ", IpListKind::IncludeAnnotation);
        let i = only_issue(&a);
        assert!(i.reason.starts_with("trailing space:"), "{}", i.reason);
        assert!(i.reason.ends_with("bad bits after slash: \"8 \""));
        let v = "10.0.0.0/8\n";
        let a = ip(v, IpListKind::ExcludeAnnotation);
        let i = only_issue(&a);
        assert_eq!(i.cause, IssueCause::TrailingNewline);
        assert_eq!(i.range, 0..11);
        assert!(i.reason.starts_with("trailing newline"), "{}", i.reason);
        assert!(
            i.reason.ends_with(
                "failed parsing cidr '10.0.0.0/8\\n': netip.ParsePrefix(\"10.0.0.0/8\\n\"): \
                 bad bits after slash: \"8\\n\""
            ),
            "{}",
            i.reason
        );
        assert_eq!(
            fixed_ip(v, IpListKind::ExcludeAnnotation).as_deref(),
            Some("10.0.0.0/8")
        );
        let v = "10.0.0.0/8,\t172.16.0.0/12 ,192.168.0.0/16";
        let a = ip(v, IpListKind::ExcludeAnnotation);
        assert_eq!(a.issues.len(), 1);
        assert_eq!(a.issues[0].range, 11..26);
        assert!(a.issues[0]
            .reason
            .starts_with("tab after the comma and space before the comma"));
        assert_eq!(
            fixed_ip(v, IpListKind::ExcludeAnnotation).as_deref(),
            Some("10.0.0.0/8,172.16.0.0/12,192.168.0.0/16")
        );
    }

    #[test]
    fn table_trailing_and_leading_comma() {
        let v = "10.0.0.0/8,";
        let a = ip(v, IpListKind::ExcludeAnnotation);
        let i = only_issue(&a);
        assert_eq!(i.range, 11..11);
        assert_eq!(i.cause, IssueCause::EmptyElement);
        assert_eq!(
            i.reason,
            "empty element (trailing comma): failed parsing cidr '': netip.ParsePrefix(\"\"): no '/'"
        );
        assert_eq!(
            i.fix,
            Some(ElementFix {
                range: 10..11,
                replacement: String::new()
            })
        );
        assert_eq!(
            fixed_ip(v, IpListKind::ExcludeAnnotation).as_deref(),
            Some("10.0.0.0/8")
        );

        let v = ",10.0.0.0/8";
        let a = ip(v, IpListKind::ExcludeAnnotation);
        let i = only_issue(&a);
        assert_eq!(i.range, 0..0);
        assert!(i.reason.starts_with("empty element (leading comma)"));
        assert_eq!(
            fixed_ip(v, IpListKind::ExcludeAnnotation).as_deref(),
            Some("10.0.0.0/8")
        );

        let v = "10.0.0.0/8,,172.16.0.0/12";
        let a = ip(v, IpListKind::IncludeAnnotation);
        let i = only_issue(&a);
        assert_eq!(i.range, 11..11);
        assert!(i.reason.starts_with("empty element (two commas in a row)"));
        assert_eq!(
            fixed_ip(v, IpListKind::IncludeAnnotation).as_deref(),
            Some("10.0.0.0/8,172.16.0.0/12")
        );

        // Several empties together.
        for (v, want) in [
            (",,10.0.0.0/8", "10.0.0.0/8"),
            ("10.0.0.0/8,,", "10.0.0.0/8"),
            (",10.0.0.0/8,,172.16.0.0/12,", "10.0.0.0/8,172.16.0.0/12"),
            ("10.0.0.0/8, ,  ,172.16.0.0/12", "10.0.0.0/8,172.16.0.0/12"),
        ] {
            assert_eq!(
                fixed_ip(v, IpListKind::ExcludeAnnotation).as_deref(),
                Some(want),
                "{v}"
            );
        }
        // Only commas: nothing would remain, so no fix.
        let a = ip(",", IpListKind::ExcludeAnnotation);
        assert_eq!(a.issues.len(), 2);
        assert!(a.issues.iter().all(|i| i.fix.is_none()));
    }

    #[test]
    fn table_bare_ip() {
        let a = ip("10.0.0.1", IpListKind::ExcludeAnnotation);
        let i = only_issue(&a);
        assert_eq!(i.cause, IssueCause::BareAddress);
        assert!(i
            .reason
            .ends_with("failed parsing cidr '10.0.0.1': netip.ParsePrefix(\"10.0.0.1\"): no '/'"));
        assert_eq!(
            fixed_ip("10.0.0.1", IpListKind::ExcludeAnnotation).as_deref(),
            Some("10.0.0.1/32")
        );
        assert_eq!(
            fixed_ip("10.0.0.0/8,2001:db8::1", IpListKind::ExcludeAnnotation).as_deref(),
            Some("10.0.0.0/8,2001:db8::1/128")
        );
        assert_eq!(
            fixed_ip("10.0.0.0/8, 10.0.0.1", IpListKind::ExcludeAnnotation).as_deref(),
            Some("10.0.0.0/8,10.0.0.1/32")
        );
        // A zone has no fix.
        let a = ip("fe80::1%eth0", IpListKind::ExcludeAnnotation);
        assert_eq!(only_issue(&a).fix, None);
    }

    #[test]
    fn table_wildcard() {
        let a = ip("*", IpListKind::IncludeAnnotation);
        assert!(a.issues.is_empty());
        assert!(a.wildcard);
        assert!(ip("*", IpListKind::OperatorInclude).issues.is_empty());

        let a = ip("*", IpListKind::ExcludeAnnotation);
        let i = only_issue(&a);
        assert_eq!(i.cause, IssueCause::Wildcard);
        assert_eq!(i.stage, Stage::Admission);
        assert_eq!(i.fix, None);
        assert!(i.reason.contains("netip.ParsePrefix(\"*\"): no '/'"));

        // IstioOperator: istioctl accepts it, istio-init crashes on it.
        let a = ip("*", IpListKind::OperatorExclude);
        let i = only_issue(&a);
        assert_eq!(i.stage, Stage::PodStart);
        assert_eq!(i.fix, None);
        assert!(i
            .reason
            .contains("invalid value for OUTBOUND_IP_RANGES_EXCLUDE"));

        // Only the whole value may be `*`.
        for kind in IP_KINDS {
            let a = ip("*,10.0.0.0/8", kind);
            let i = only_issue(&a);
            assert_eq!(i.range, 0..1);
            assert_eq!(i.cause, IssueCause::Wildcard);
            assert_eq!(i.stage, Stage::Admission);
            assert_eq!(i.fix, None);
        }
        // validation_test.go pins this message for the IstioOperator.
        let a = ip("*,1.1.0.0/16,2.2.0.0/16", IpListKind::OperatorInclude);
        assert!(only_issue(&a)
            .reason
            .ends_with("netip.ParsePrefix(\"*\"): no '/'"));
        // Spaces around a lone `*` in an include list: safe to trim.
        assert_eq!(
            fixed_ip(" * ", IpListKind::IncludeAnnotation).as_deref(),
            Some("*")
        );
        assert_eq!(
            fixed_ip("*\n", IpListKind::OperatorInclude).as_deref(),
            Some("*")
        );
        assert_eq!(fixed_ip(" *", IpListKind::OperatorExclude), None);
    }

    #[test]
    fn table_out_of_range_and_leading_zeros() {
        let a = ip("10.0.0.0/33", IpListKind::ExcludeAnnotation);
        let i = only_issue(&a);
        assert_eq!(i.cause, IssueCause::OutOfRange);
        assert_eq!(i.fix, None);
        assert!(i.reason.ends_with("prefix length out of range"));
        let a = ip("3.3.0.0/33", IpListKind::OperatorExclude);
        assert_eq!(
            only_issue(&a).reason,
            "prefix length out of range (at most /32 for IPv4, /128 for IPv6): \
             netip.ParsePrefix(\"3.3.0.0/33\"): prefix length out of range"
        );
        let a = ip("::/129", IpListKind::IncludeAnnotation);
        assert_eq!(only_issue(&a).cause, IssueCause::OutOfRange);

        let a = ip("010.0.0.0/8", IpListKind::ExcludeAnnotation);
        let i = only_issue(&a);
        assert_eq!(i.fix, None);
        assert!(i.reason.contains("leading zero"));
        assert!(i.reason.ends_with("IPv4 field has octet with leading zero"));

        for (v, want) in [
            ("10.0.0.0/08", "10.0.0.0/8"),
            ("10.0.0.0/00", "10.0.0.0/0"),
            ("10.0.0.0/008", "10.0.0.0/8"),
            ("fd00::/08", "fd00::/8"),
        ] {
            let a = ip(v, IpListKind::ExcludeAnnotation);
            assert_eq!(
                only_issue(&a).cause,
                IssueCause::PrefixLengthLeadingZero,
                "{v}"
            );
            assert_eq!(
                fixed_ip(v, IpListKind::ExcludeAnnotation).as_deref(),
                Some(want)
            );
        }
        // A leading zero that would still be out of range: no fix.
        assert_eq!(
            fixed_ip("10.0.0.0/033", IpListKind::ExcludeAnnotation),
            None
        );
        let a = ip("10.0.0.0/+8", IpListKind::ExcludeAnnotation);
        let i = only_issue(&a);
        assert_eq!(i.fix, None);
        assert!(i
            .reason
            .starts_with("the prefix length must not have a sign"));
    }

    #[test]
    fn table_zone_and_long_group() {
        let a = ip("fe80::1%eth0/64", IpListKind::ExcludeAnnotation);
        let i = only_issue(&a);
        assert_eq!(i.fix, None);
        assert!(i
            .reason
            .ends_with("IPv6 zones cannot be present in a prefix"));
        let a = ip("00001::/16", IpListKind::ExcludeAnnotation);
        let i = only_issue(&a);
        assert_eq!(i.fix, None);
        assert!(i
            .reason
            .ends_with("each group must have 4 or less digits (at \"00001::\")"));
    }

    #[test]
    fn table_other_separators() {
        for (v, want) in [
            ("10.0.0.0/8;172.16.0.0/12", "10.0.0.0/8,172.16.0.0/12"),
            ("10.0.0.0/8 172.16.0.0/12", "10.0.0.0/8,172.16.0.0/12"),
            ("10.0.0.0/8; 172.16.0.0/12", "10.0.0.0/8,172.16.0.0/12"),
            ("10.0.0.0/8\n172.16.0.0/12\n", "10.0.0.0/8,172.16.0.0/12"),
            ("10.0.0.1;10.0.0.2", "10.0.0.1/32,10.0.0.2/32"),
            (
                "192.168.0.0/16,10.0.0.0/8;172.16.0.0/12",
                "192.168.0.0/16,10.0.0.0/8,172.16.0.0/12",
            ),
        ] {
            let a = ip(v, IpListKind::ExcludeAnnotation);
            assert_eq!(a.issues.len(), 1, "{v}");
            assert_eq!(
                fixed_ip(v, IpListKind::ExcludeAnnotation).as_deref(),
                Some(want),
                "{v}"
            );
        }
        let a = ip("10.0.0.0/8;172.16.0.0/12", IpListKind::ExcludeAnnotation);
        assert_eq!(only_issue(&a).cause, IssueCause::Separator);
        assert!(only_issue(&a).reason.starts_with("';' used as a separator"));
        // A part that is not fixable: no fix at all.
        assert_eq!(
            fixed_ip("10.0.0.0/8;vault", IpListKind::ExcludeAnnotation),
            None
        );
        assert_eq!(fixed_ip(";", IpListKind::ExcludeAnnotation), None);
    }

    #[test]
    fn operator_ip_lists_istioctl_rule() {
        // istioctl's rule: "" and "*" accepted as the whole value, else every element
        // through ParsePrefix with no trimming; an empty element fails.
        for kind in [IpListKind::OperatorInclude, IpListKind::OperatorExclude] {
            assert!(ip_valid("", kind));
            assert!(ip_valid("10.0.0.0/8,172.16.0.0/12", kind));
            let a = ip("10.0.0.0/8,", kind);
            let i = only_issue(&a);
            assert_eq!(i.stage, Stage::Admission);
            assert_eq!(
                i.reason,
                "empty element (trailing comma): netip.ParsePrefix(\"\"): no '/'"
            );
            assert_eq!(fixed_ip("10.0.0.0/8,", kind).as_deref(), Some("10.0.0.0/8"));
            let a = ip("10.0.0.0/8, 172.16.0.0/12", kind);
            assert_eq!(only_issue(&a).cause, IssueCause::Whitespace);
            assert_eq!(
                fixed_ip("10.0.0.0/8, 172.16.0.0/12", kind).as_deref(),
                Some("10.0.0.0/8,172.16.0.0/12")
            );
            // validation_test.go: "global.proxy.excludeIPRanges netip.ParsePrefix(\"3.3.0.0/33\"): ..."
            assert!(only_issue(&ip("1.1.0.0/16,3.3.0.0/33", kind))
                .reason
                .ends_with("netip.ParsePrefix(\"3.3.0.0/33\"): prefix length out of range"));
        }
        assert!(ip("*", IpListKind::OperatorInclude).issues.is_empty());
        assert_eq!(
            only_issue(&ip("*", IpListKind::OperatorExclude)).stage,
            Stage::PodStart
        );
    }

    #[test]
    fn host_names_and_garbage() {
        for v in [
            "vault.example.com",
            "vault",
            "vault.svc/32",
            "example.com/32",
            "10.0.0.0/8x",
        ] {
            let a = ip(v, IpListKind::ExcludeAnnotation);
            let i = only_issue(&a);
            assert_eq!(i.fix, None, "{v}");
            assert_eq!(i.cause, IssueCause::Invalid, "{v}");
        }
        assert!(
            ip("vault.example.com", IpListKind::ExcludeAnnotation).issues[0]
                .reason
                .starts_with("not an IP range (host names")
        );
    }

    #[test]
    fn more_edge_cases() {
        for v in [
            "1::2::3/64",
            "1.2.3/8",
            "1.2.3.4.5/8",
            "256.0.0.0/8",
            "１0.0.0.0/8",
            "10.0.0.0/８",
        ] {
            let a = ip(v, IpListKind::IncludeAnnotation);
            assert_eq!(only_issue(&a).fix, None, "{v}");
        }
        assert!(ip("::ffff:10.0.0.0/104", IpListKind::ExcludeAnnotation)
            .issues
            .is_empty());
        assert!(ip("::ffff:10.0.0.0/128", IpListKind::ExcludeAnnotation)
            .issues
            .is_empty());
        assert!(!ip("10.0.0.0/33", IpListKind::ExcludeAnnotation)
            .issues
            .is_empty());
        // Unicode whitespace is trimmed by the fix (Go would refuse it as it is).
        assert_eq!(
            fixed_ip(
                "10.0.0.0/8,\u{a0}172.16.0.0/12",
                IpListKind::ExcludeAnnotation
            )
            .as_deref(),
            Some("10.0.0.0/8,172.16.0.0/12")
        );
        // Multiple issues, all fixable, applied together.
        assert_eq!(
            fixed_ip(
                " 10.0.0.1 ,,10.1.0.0/016;10.2.0.0/16,\n",
                IpListKind::ExcludeAnnotation
            )
            .as_deref(),
            Some("10.0.0.1/32,10.1.0.0/16,10.2.0.0/16")
        );
    }

    #[test]
    fn host_bits_redundancy_everything() {
        let a = ip("10.1.2.3/8,10.0.0.0/8", IpListKind::ExcludeAnnotation);
        assert!(has_host_bits(&a.valid[0].net));
        assert!(!has_host_bits(&a.valid[1].net));
        assert_eq!(
            host_bits_fix(&a.valid[0]),
            Some(ElementFix {
                range: 0..10,
                replacement: "10.0.0.0/8".into()
            })
        );
        assert_eq!(host_bits_fix(&a.valid[1]), None);
        let m = ip("::ffff:10.1.0.0/104", IpListKind::ExcludeAnnotation);
        assert_eq!(
            host_bits_fix(&m.valid[0]).unwrap().replacement,
            "::ffff:10.0.0.0/104"
        );

        // Duplicate after masking: the first survives.
        let r = find_redundant(&a);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].element, r[0].by, r[0].duplicate), (1, 0, true));

        let v = "10.1.0.0/16,10.0.0.0/8,192.168.0.0/16,10.0.0.0/8,10.1.2.0/24";
        let a = ip(v, IpListKind::ExcludeAnnotation);
        let r = find_redundant(&a);
        let got: Vec<(usize, usize, bool)> =
            r.iter().map(|x| (x.element, x.by, x.duplicate)).collect();
        assert_eq!(got, vec![(0, 1, false), (3, 1, true), (4, 1, false)]);
        let fixed = apply_fixes(v, r.iter().filter_map(|x| x.fix.as_ref())).unwrap();
        assert_eq!(fixed, "10.0.0.0/8,192.168.0.0/16");

        // Families never cover each other.
        let a = ip(
            "0.0.0.0/0,::ffff:10.0.0.0/104,::/0,10.0.0.0/8",
            IpListKind::ExcludeAnnotation,
        );
        let r = find_redundant(&a);
        let got: Vec<(usize, usize)> = r.iter().map(|x| (x.element, x.by)).collect();
        assert_eq!(got, vec![(1, 2), (3, 0)]);
        let everything: Vec<bool> = a.valid.iter().map(|e| covers_everything(&e.net)).collect();
        assert_eq!(everything, vec![true, false, true, false]);
        assert!(find_redundant(&ip(
            "10.0.0.0/8,172.16.0.0/12",
            IpListKind::ExcludeAnnotation
        ))
        .is_empty());
    }

    // --- ports: the annotations' and istioctl's port lists (rules/MESH306-port-list-malformed.md) -----------------------------------

    #[test]
    fn port_table_annotations() {
        use PortListKind::{
            ExcludeInboundAnnotation as EI, ExcludeOutboundAnnotation as EO,
            IncludeInboundAnnotation as II,
        };
        for kind in [EI, EO, II] {
            assert!(port_valid("", kind));
            assert!(port_valid(" ", kind));
            assert!(port_valid("80, 443", kind));
            assert!(port_valid(" 80,443 ", kind));
            assert!(port_valid("80,443\n", kind));
            assert!(port_valid("080", kind));
            assert!(port_valid("0", kind));
            assert!(port_valid("65535", kind));
            let a = port("443, 8200", kind);
            assert_eq!(a.ports, vec![(0..3, 443), (4..9, 8200)]);
            for bad in [
                "65536",
                "-1",
                "+80",
                "80,",
                "80;443",
                "8200-8300",
                "*,80",
                "http",
                "８０",
            ] {
                let a = port(bad, kind);
                assert_eq!(a.issues.len(), 1, "{bad} {kind:?}");
                assert_eq!(a.issues[0].stage, Stage::Admission);
            }
        }
        let a = port("80,", EO);
        assert_eq!(a.issues[0].range, 3..3);
        assert_eq!(
            a.issues[0].reason,
            "empty element (trailing comma): failed parsing port '': strconv.ParseUint: parsing \"\": invalid syntax"
        );
        assert_eq!(fixed_port("80,", EO).as_deref(), Some("80"));
        assert_eq!(fixed_port("80, ,443", EO).as_deref(), Some("80,443"));
        assert_eq!(fixed_port("80;443", EO).as_deref(), Some("80,443"));
        assert_eq!(fixed_port("80 443", EO).as_deref(), Some("80,443"));
        assert_eq!(port("80;443", EO).issues[0].cause, IssueCause::Separator);
        let a = port("8200-8300", EO);
        assert_eq!(a.issues[0].cause, IssueCause::PortRange);
        assert_eq!(a.issues[0].fix, None);
        let a = port("65536", EO);
        assert_eq!(a.issues[0].cause, IssueCause::OutOfRange);
        assert_eq!(
            a.issues[0].reason,
            "port out of range (0–65535): failed parsing port '65536': strconv.ParseUint: parsing \"65536\": value out of range"
        );
        let a = port("-1", EO);
        assert_eq!(a.issues[0].cause, IssueCause::OutOfRange);
        assert_eq!(a.issues[0].fix, None);
        let a = port(" 80 , x ", EI);
        assert_eq!(a.issues[0].range, 5..8);
        assert!(a.issues[0].reason.ends_with(
            "failed parsing port ' x ': strconv.ParseUint: parsing \"x\": invalid syntax"
        ));

        // `*`: only the whole value of includeInboundPorts.
        let a = port("*", II);
        assert!(a.issues.is_empty() && a.wildcard);
        for kind in [EI, EO] {
            let a = port("*", kind);
            assert_eq!(a.issues.len(), 1);
            assert_eq!(a.issues[0].cause, IssueCause::Wildcard);
            assert_eq!(a.issues[0].stage, Stage::Admission);
            assert_eq!(a.issues[0].fix, None);
        }
        let a = port("*,80", II);
        assert_eq!(a.issues[0].range, 0..1);
        assert_eq!(a.issues[0].fix, None);
        // " *" is not "*" for the webhook; trimming it is safe for includeInboundPorts only.
        assert_eq!(fixed_port(" * ", II).as_deref(), Some("*"));
        assert_eq!(fixed_port(" *", EI), None);
    }

    #[test]
    fn port_include_outbound_runtime_only() {
        let k = PortListKind::IncludeOutboundAnnotation;
        assert!(!k.checked_before_deploy());
        assert!(port_valid("80, 443", k));
        let a = port("80,,443", k);
        assert_eq!(a.issues.len(), 1);
        assert_eq!(a.issues[0].stage, Stage::PodStart);
        assert_eq!(fixed_port("80,,443", k).as_deref(), Some("80,443"));
        for k in [
            PortListKind::IncludeOutboundAnnotation,
            PortListKind::OperatorIncludeOutbound,
            PortListKind::OperatorExcludeOutbound,
        ] {
            assert!(!k.checked_before_deploy());
            assert!(port_valid("8200", k));
            assert!(port_valid("", k));
            let a = port("8200-8300", k);
            assert_eq!(a.issues[0].stage, Stage::PodStart);
            // `*` is allowed as the whole value of these lists.
            let a = port("*", k);
            assert!(a.wildcard && a.issues.is_empty(), "{k:?}");
            // Not with spaces around it (istio-cni compares with "*" before trimming): the
            // fix drops them, and the reason does not say `*` itself is refused.
            let a = port(" * ", k);
            assert_eq!(a.issues.len(), 1);
            assert_eq!(a.issues[0].stage, Stage::PodStart);
            assert_eq!(a.issues[0].cause, IssueCause::Whitespace);
            assert!(a.issues[0].reason.starts_with(
                "leading space and trailing space around `*` (the wildcard must be exactly `*`)"
            ));
            assert_eq!(fixed_port(" * ", k).as_deref(), Some("*"));
            assert_eq!(fixed_port("*\t", k).as_deref(), Some("*"));
            let a = port("*,80", k);
            assert_eq!(a.issues[0].cause, IssueCause::Wildcard);
            assert_eq!(a.issues[0].fix, None);
        }
    }

    #[test]
    fn port_operator_inbound_istioctl_rule() {
        use PortListKind::{OperatorExcludeInbound as OE, OperatorIncludeInbound as OI};
        for kind in [OI, OE] {
            assert!(kind.checked_before_deploy());
            assert!(port_valid("", kind));
            assert!(port_valid("80,443", kind));
            assert!(port_valid("0,65535", kind));
            let a = port("80,443", kind);
            assert_eq!(a.ports, vec![(0..2, 80), (3..6, 443)]);
            // No trimming: a space fails istioctl; the fix trims.
            let a = port("80, 443", kind);
            assert_eq!(a.issues.len(), 1);
            assert_eq!(a.issues[0].stage, Stage::Admission);
            assert_eq!(a.issues[0].cause, IssueCause::Whitespace);
            assert_eq!(
                a.issues[0].reason,
                "space after the comma (not trimmed here): strconv.ParseInt: parsing \" 443\": invalid syntax"
            );
            assert_eq!(fixed_port("80, 443", kind).as_deref(), Some("80,443"));
            // validation_test.go's pinned errors.
            let a = port("-1", kind);
            assert_eq!(a.issues[0].stage, Stage::Admission);
            assert!(a.issues[0]
                .reason
                .ends_with("value -1 falls outside range [0, 65535]"));
            let a = port("222x", kind);
            assert!(a.issues[0]
                .reason
                .ends_with("strconv.ParseInt: parsing \"222x\": invalid syntax"));
            let a = port("65536", kind);
            assert_eq!(a.issues[0].cause, IssueCause::OutOfRange);
            let a = port("99999999999", kind);
            assert!(a.issues[0]
                .reason
                .ends_with("strconv.ParseInt: parsing \"99999999999\": value out of range"));
            // Empty and `*` elements are allowed, `*` as the whole value too.
            for ok in ["80,,443", "*,80", "80,*", ",", "*", "80,"] {
                let a = port(ok, kind);
                assert!(a.issues.is_empty(), "{ok} {kind:?}: {:?}", a.issues);
            }
            assert_eq!(port("80,,443", kind).ports, vec![(0..2, 80), (4..7, 443)]);
            // A sign: istioctl's ParseInt takes `+80` and `-0`.
            for (signed, p) in [("+80", 80), ("-0", 0), ("+0", 0), ("-00", 0)] {
                let a = port(signed, kind);
                assert!(a.issues.is_empty(), "{signed}");
                assert_eq!(a.ports, vec![(0..signed.len(), p)]);
            }
            // Spaces are not trimmed: the fix drops them, around `*` too.
            for (spaced, meant) in [(" * ", "*"), ("80, *", "80,*"), ("+80 ", "+80")] {
                let a = port(spaced, kind);
                assert_eq!(a.issues.len(), 1, "{spaced}");
                assert_eq!(a.issues[0].stage, Stage::Admission);
                assert_eq!(a.issues[0].cause, IssueCause::Whitespace);
                assert_eq!(fixed_port(spaced, kind).as_deref(), Some(meant));
            }
            // A blank element is not empty: ParseInt(" ") fails; the fix drops it.
            let a = port("80, ,443", kind);
            assert_eq!(a.issues.len(), 1);
            assert_eq!(a.issues[0].cause, IssueCause::BlankElement);
            assert_eq!(fixed_port("80, ,443", kind).as_deref(), Some("80,443"));
            let a = port("80-90", kind);
            assert_eq!(a.issues[0].cause, IssueCause::PortRange);
            assert_eq!(a.issues[0].stage, Stage::Admission);
        }
        assert!(port_valid("*", OI));
        assert!(port_valid("*", OE));
    }

    #[test]
    fn removal_fixes_never_overlap() {
        let els = split_elements(",a,,b,,");
        assert_eq!(els.len(), 6);
        let remove: Vec<bool> = els.iter().map(Range::is_empty).collect();
        let fixes: Vec<ElementFix> = removal_fixes(&els, &remove).into_iter().flatten().collect();
        assert_eq!(apply_fixes(",a,,b,,", &fixes).as_deref(), Some("a,b"));
        assert!(removal_fixes(&els, &[true; 6]).iter().all(Option::is_none));
    }

    fn check_ranges(value: &str, issues: &[ElementIssue]) -> Result<(), TestCaseError> {
        for i in issues {
            prop_assert!(i.range.start <= i.range.end && i.range.end <= value.len());
            prop_assert!(value.is_char_boundary(i.range.start));
            prop_assert!(value.is_char_boundary(i.range.end));
            if let Some(f) = &i.fix {
                prop_assert!(f.range.start <= f.range.end && f.range.end <= value.len());
                prop_assert!(value.is_char_boundary(f.range.start));
                prop_assert!(value.is_char_boundary(f.range.end));
            }
        }
        prop_assert!(apply_fixes(value, issues.iter().filter_map(|i| i.fix.as_ref())).is_some());
        Ok(())
    }

    fn list_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[0-9a-fA-F:./,; \t\n*%+\\-]{0,40}",
            "(( ?[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}(/0?[0-9]{1,2})? ?)[,;]?){0,4}",
        ]
    }

    proptest! {
        #[test]
        fn ip_list_never_panics(value in list_text(), k in 0usize..4) {
            let kind = IP_KINDS[k];
            let a = check_ip_list(&value, kind);
            check_ranges(&value, &a.issues)?;
            for e in &a.valid {
                prop_assert!(value.is_char_boundary(e.range.start) && value.is_char_boundary(e.range.end));
            }
            let r = find_redundant(&a);
            prop_assert!(apply_fixes(&value, r.iter().filter_map(|x| x.fix.as_ref())).is_some());
            // Fixes converge: after applying every fix, nothing fixable is left.
            if let Some(fixed) = apply_fixes(&value, a.issues.iter().filter_map(|i| i.fix.as_ref())) {
                let again = check_ip_list(&fixed, kind);
                prop_assert!(again.issues.iter().all(|i| i.fix.is_none()), "{:?} -> {:?}: {:#?}", value, fixed, again.issues);
            }
        }

        #[test]
        fn port_list_never_panics(value in list_text(), k in 0usize..8) {
            let kind = PORT_KINDS[k];
            let a = check_port_list(&value, kind);
            check_ranges(&value, &a.issues)?;
            if let Some(fixed) = apply_fixes(&value, a.issues.iter().filter_map(|i| i.fix.as_ref())) {
                let again = check_port_list(&fixed, kind);
                prop_assert!(again.issues.iter().all(|i| i.fix.is_none()), "{:?} -> {:?}: {:#?}", value, fixed, again.issues);
            }
        }
    }
}
