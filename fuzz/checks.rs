//! The properties the fuzz targets check, shared with `tests/fuzz_regressions.rs` (which runs
//! them over the kept corpora and crash inputs on every `cargo test`). Each function panics when
//! a property fails; the fuzzer records the input as a crash.
//!
//! Included with `#[path]` from both crates, so it may use only meshlint's public API. They
//! declare it `pub mod checks;`, so that the checks a crate does not call are not dead code.

use meshlint::context::{collect_facts, Context, LintOptions};
use meshlint::diagnostic::Diagnostic;
use meshlint::engine::{self, Decoded};
use meshlint::istio::lists::{self, IpListKind, PortListKind};
use meshlint::istio::proxy_config::{self, Hold, Shape};
use meshlint::rules::{FileInfo, RuleSelector};
use meshlint::source::TextRange;
use meshlint::yaml::{self, NodeKind};

/// Inputs larger than this are cut: the properties are about structure, not size, and the
/// fuzzer's per-input time limit must hold for the whole lint-and-fix path.
pub const MAX_INPUT: usize = 64 * 1024;

fn in_text(text: &str, r: TextRange, what: &str) {
    assert!(
        r.start() <= r.end() && (r.end() as usize) <= text.len(),
        "{what} {r:?} lies outside the text ({} bytes)",
        text.len()
    );
    assert!(
        text.is_char_boundary(r.start() as usize) && text.is_char_boundary(r.end() as usize),
        "{what} {r:?} does not fall on character boundaries"
    );
}

/// The bytes as meshlint decodes them, or `None` for what it refuses (MESH902).
pub fn decode(data: &[u8]) -> Option<&str> {
    let data = &data[..data.len().min(MAX_INPUT)];
    match engine::decode(data) {
        Decoded::Text(t) => Some(t),
        Decoded::Unreadable(d) => {
            assert!(d.range.start() as usize <= data.len());
            None
        }
    }
}

/// YAML's line breaks in `s`, counted the simple way: `\r\n`, `\n` and a lone `\r` each once.
fn line_breaks(s: &str) -> u32 {
    s.replace("\r\n", "\n").matches(['\n', '\r']).count() as u32
}

/// The YAML layer: every span lies inside the text on character boundaries, properties come
/// before their node, children lie inside their block collection, aliases point backwards,
/// duplicate keys are keys of one mapping, and typing never panics.
pub fn yaml_layer(text: &str) {
    for doc in yaml::DocumentParser::new(text) {
        let doc = match doc {
            Ok(doc) => doc,
            Err(e) => {
                assert!(e.offset as usize <= text.len(), "error offset past the end");
                continue;
            }
        };
        in_text(text, doc.range, "document");
        let line = 1 + line_breaks(&text[..doc.range.start() as usize]);
        assert_eq!(doc.start_line, line, "document {} start line", doc.index);
        if let Some(root) = doc.root {
            let at = doc.node(root).range.start();
            let want = 1 + line_breaks(&text[..at as usize]);
            assert_eq!(doc.line_of(text, at), want, "line of the root");
        }
        for c in &doc.comments {
            in_text(text, *c, "comment");
        }
        for (i, node) in doc.nodes.iter().enumerate() {
            in_text(text, node.range, "node");
            assert!(
                node.props_start <= node.range.start(),
                "node {i}: properties start after the node"
            );
            match &node.kind {
                NodeKind::Mapping { entries, .. } => {
                    for &(k, v) in doc.entries_of(*entries) {
                        assert!(k as usize > i && v as usize > i, "child before its parent");
                    }
                }
                NodeKind::Sequence { items, .. } => {
                    for &it in doc.items_of(*items) {
                        assert!(it as usize > i, "child before its parent");
                    }
                }
                NodeKind::Alias { target } => {
                    if let Some(t) = target {
                        assert!((*t as usize) < i, "alias names a later node");
                    }
                }
                NodeKind::Scalar { .. } => {
                    let _ = yaml::resolve::resolve(doc.get(i as u32));
                }
            }
        }
        for &(a, b) in &doc.duplicate_keys {
            assert!(a < b && (b as usize) < doc.nodes.len());
            assert_eq!(doc.get(a).as_str(), doc.get(b).as_str());
        }
    }
}

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

fn in_value(value: &str, r: &std::ops::Range<usize>, what: &str) {
    assert!(
        r.start <= r.end && r.end <= value.len(),
        "{what} {r:?} outside {value:?}"
    );
    assert!(
        value.is_char_boundary(r.start) && value.is_char_boundary(r.end),
        "{what} {r:?} not on character boundaries in {value:?}"
    );
}

/// The CIDR and port grammars: ranges inside the value, fixes that do not collide, and fixed
/// values that re-check with no fixable issue left that was not there before.
pub fn grammars(value: &str) {
    for kind in IP_KINDS {
        let a = lists::check_ip_list(value, kind);
        for r in &a.elements {
            in_value(value, r, "element");
        }
        for e in &a.valid {
            in_value(value, &e.range, "valid element");
            let _ = lists::has_host_bits(&e.net);
            let _ = lists::covers_everything(&e.net);
            if let Some(f) = lists::host_bits_fix(e) {
                in_value(value, &f.range, "host-bits fix");
            }
        }
        check_redundant(&a);
        check_issue_fixes(value, &a.issues, |v| lists::check_ip_list(v, kind).issues);
    }
    for kind in PORT_KINDS {
        let a = lists::check_port_list(value, kind);
        for r in &a.elements {
            in_value(value, r, "element");
        }
        for (r, _) in &a.ports {
            in_value(value, r, "port");
        }
        check_issue_fixes(value, &a.issues, |v| lists::check_port_list(v, kind).issues);
    }
}

/// `find_redundant` against the quadratic definition it implements.
fn check_redundant(a: &lists::IpListAnalysis) {
    let found = lists::find_redundant(a);
    if a.valid.len() > 256 {
        return;
    }
    let nets: Vec<(usize, ipnet::IpNet)> =
        a.valid.iter().map(|e| (e.index, e.net.trunc())).collect();
    let dominates = |i: usize, j: usize| {
        let (ni, nj) = (&nets[i].1, &nets[j].1);
        i != j && ni.contains(nj) && (ni != nj || i < j)
    };
    let redundant: Vec<bool> = (0..nets.len())
        .map(|j| (0..nets.len()).any(|i| dominates(i, j)))
        .collect();
    let expected: Vec<(usize, usize)> = (0..nets.len())
        .filter(|&j| redundant[j])
        .filter_map(|j| {
            let i = (0..nets.len()).find(|&i| !redundant[i] && dominates(i, j))?;
            Some((nets[j].0, nets[i].0))
        })
        .collect();
    let got: Vec<(usize, usize)> = found.iter().map(|r| (r.element, r.by)).collect();
    assert_eq!(
        got, expected,
        "find_redundant disagrees with its definition"
    );
}

fn check_issue_fixes(
    value: &str,
    issues: &[lists::ElementIssue],
    recheck: impl Fn(&str) -> Vec<lists::ElementIssue>,
) {
    for i in issues {
        in_value(value, &i.range, "issue");
        if let Some(f) = &i.fix {
            in_value(value, &f.range, "fix");
        }
    }
    let fixes: Vec<_> = issues.iter().filter_map(|i| i.fix.as_ref()).collect();
    if fixes.is_empty() {
        return;
    }
    let fixed = lists::apply_fixes(value, fixes.iter().copied())
        .unwrap_or_else(|| panic!("the element fixes of {value:?} collide"));
    let after = recheck(&fixed);
    let unfixable_before = issues.iter().filter(|i| i.fix.is_none()).count();
    assert!(
        after.len() <= issues.len(),
        "fixing {value:?} gave {fixed:?} with more issues ({} > {})",
        after.len(),
        issues.len()
    );
    assert!(
        after.iter().filter(|i| i.fix.is_none()).count() <= unfixable_before,
        "fixing {value:?} gave {fixed:?} with new unfixable issues"
    );
}

/// `proxy.istio.io/config`: issue ranges inside the value; merging the hold into a valid value
/// without one gives a valid value that holds.
pub fn proxy_config(value: &str) {
    let pc = proxy_config::read(value);
    for issue in &pc.issues {
        in_text(value, proxy_config::issue_range(issue), "issue");
    }
    if pc.invalid.is_some() || pc.hold != Hold::Unset || pc.shape == Shape::Other {
        return;
    }
    let Some(merged) = proxy_config::with_hold(value, &pc) else {
        return;
    };
    let again = proxy_config::read(&merged);
    assert_eq!(
        again.hold,
        Hold::True,
        "merging the hold into {value:?} gave {merged:?}, which does not hold"
    );
    assert!(
        again.invalid.is_none(),
        "merging the hold into {value:?} gave {merged:?}, which is invalid: {:?}",
        again.invalid
    );
}

fn parses(text: &str) -> bool {
    yaml::DocumentParser::new(text).all(|d| d.is_ok())
}

/// Checks a diagnostic's ranges and, for a fix, that applying it alone changes only the bytes
/// it names.
fn check_diagnostic(text: &str, d: &Diagnostic) {
    in_text(text, d.range, d.code);
    let Some(fix) = &d.fix else { return };
    for e in &fix.edits {
        in_text(text, e.range, "edit");
    }
    let fixed = meshlint::fix::apply_edits(text, &fix.edits)
        .unwrap_or_else(|e| panic!("{}: its fix cannot be applied: {e}", d.code));
    // Bytes outside the edits are the original's, in order.
    let mut edits: Vec<_> = fix.edits.iter().collect();
    edits.sort_by_key(|e| (e.range.start(), e.range.end()));
    let (mut src, mut dst) = (0usize, 0usize);
    for e in edits {
        let keep = &text[src..e.range.start() as usize];
        assert_eq!(
            &fixed[dst..dst + keep.len()],
            keep,
            "{}: bytes outside the fix changed",
            d.code
        );
        dst += keep.len() + e.content.len();
        src = e.range.end() as usize;
    }
    assert_eq!(&fixed[dst..], &text[src..], "{}: the tail changed", d.code);
}

/// The whole lint-and-fix path: lint (every rule, unsafe fixes too), check every finding's
/// range and fix (in bounds, on character boundaries, changing only the bytes it names), then
/// run the fixpoint fixer and check its result still parses when the original did.
pub fn lint_and_fix(text: &str) {
    let name = "fuzz.yaml";
    let selector = RuleSelector::default();
    let mut cx = Context::new(LintOptions::default());
    cx.absorb(collect_facts(text, name));
    let file = FileInfo {
        path: name.into(),
        ..FileInfo::default()
    };
    let diags = meshlint::lint_source(text, name, &LintOptions::default(), &selector);
    for d in &diags {
        check_diagnostic(text, d);
    }
    let policy = meshlint::config::Policy::from_selector(selector);
    let outcome = meshlint::fix_source(text, &file, false, &cx, &policy, true);
    if parses(text) {
        assert!(
            parses(&outcome.text),
            "fixing made the file unparsable:\n{}",
            outcome.text
        );
    }
    for d in &outcome.lint.diagnostics {
        in_text(&outcome.text, d.range, d.code);
    }
}
