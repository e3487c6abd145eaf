//! Linting one text: decode, detect templates, parse document by document, run the rules, then
//! apply the suppressions written in the text and the file's [`Policy`] (selection, per-file
//! and per-resource ignores, severity overrides), sort. Pure: no file system access (see
//! `crate::source` and `crate::config` for that).

use crate::config::suppression::{Collector, Outcome};
use crate::config::Policy;
use crate::context::{Context, FactSink};
use crate::diagnostic::{Diagnostic, RuleMeta};
use crate::k8s::extract_resources;
use crate::rules::{self, Checker, DocumentCheck, FileInfo, Reads, ResourceCheck, RuleSelector};
use crate::source::TextRange;
use crate::yaml::{self, Document, NodeKind, ScalarStyle};

/// The outcome of decoding a file's bytes.
pub enum Decoded<'b> {
    Text(&'b str),
    /// Not lintable: a MESH902 diagnostic.
    Unreadable(Diagnostic),
}

/// Decodes bytes as UTF-8 text, refusing binary and UTF-16 files with a MESH902.
pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    let unreadable = |offset: usize, message: String| {
        Decoded::Unreadable(Diagnostic::new(
            &rules::files::UNREADABLE_FILE,
            TextRange::empty(offset as u32),
            message,
        ))
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return unreadable(
            0,
            "the file is UTF-16 (it starts with a UTF-16 byte-order mark); re-save it as UTF-8"
                .into(),
        );
    }
    if bytes.len() > u32::MAX as usize / 2 {
        return unreadable(0, "the file is larger than 2 GiB".into());
    }
    if let Some(nul) = memchr::memchr(0, bytes) {
        return unreadable(
            nul,
            "the file contains a NUL byte: it is binary, not YAML".into(),
        );
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Decoded::Text(text),
        Err(e) => unreadable(
            e.valid_up_to(),
            format!(
                "the file is not valid UTF-8 (invalid byte 0x{:02X}); re-save it as UTF-8",
                bytes[e.valid_up_to()]
            ),
        ),
    }
}

/// The first `{{` outside comments, and whether it lies outside quoted and block scalars
/// (which makes the file a template even though it parses).
fn template_marker(
    text: &str,
    docs: &[Result<Document<'_>, yaml::SyntaxError>],
) -> Option<(u32, bool)> {
    let bytes = text.as_bytes();
    let mut comments: Vec<TextRange> = Vec::new();
    let mut strings: Vec<TextRange> = Vec::new();
    for doc in docs {
        let doc = match doc {
            Ok(doc) => doc,
            Err(e) => {
                comments.extend(&e.comments);
                strings.extend(&e.strings);
                continue;
            }
        };
        comments.extend(&doc.comments);
        for node in &doc.nodes {
            if let NodeKind::Scalar { style, .. } = &node.kind {
                if *style != ScalarStyle::Plain {
                    strings.push(node.range);
                }
            }
        }
    }
    let in_any =
        |ranges: &[TextRange], at: u32| ranges.iter().any(|r| r.start() <= at && at < r.end());
    let line_comment = |at: usize| {
        // Where the parser stopped before reading a comment: a `#` at the start of the line
        // or after a blank, outside quotes on that line, starts one.
        let line_start = bytes[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let (mut quote, mut prev) = (None, b' ');
        for &b in &bytes[line_start..at] {
            match (quote, b) {
                (None, b'#') if prev == b' ' || prev == b'\t' => return true,
                (None, b'"' | b'\'') => quote = Some(b),
                (Some(q), _) if b == q => quote = None,
                _ => {}
            }
            prev = b;
        }
        false
    };
    let mut first_outside_comment = None;
    for pos in memchr::memmem::find_iter(bytes, b"{{") {
        let at = pos as u32;
        if in_any(&comments, at) || (!in_any(&strings, at) && line_comment(pos)) {
            continue;
        }
        if first_outside_comment.is_none() {
            first_outside_comment = Some(at);
        }
        if !in_any(&strings, at) {
            return Some((at, true));
        }
    }
    first_outside_comment.map(|at| (at, false))
}

/// Whether a path lies under `templates/` next to a `Chart.yaml` (a Helm chart's templates).
pub fn is_chart_template(path: &std::path::Path) -> bool {
    // Nearly every path has no `templates` in it: skip splitting it into components.
    if memchr::memmem::find(path.as_os_str().as_encoded_bytes(), b"templates").is_none() {
        return false;
    }
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d.file_name().is_some_and(|n| n == "templates") {
            if let Some(chart) = d.parent() {
                if chart.join("Chart.yaml").is_file() || chart.join("Chart.yml").is_file() {
                    return true;
                }
            }
        }
        dir = d.parent();
    }
    false
}

/// Lints one decoded text and returns what is reported: the rules' findings that `selector`
/// keeps and no suppression in the text silences, plus MESH903 for unused suppressions.
/// `chart_template` says the path makes it a Helm template.
pub fn lint_text(
    text: &str,
    file: &FileInfo,
    chart_template: bool,
    cx: &Context,
    selector: &RuleSelector,
) -> Vec<Diagnostic> {
    lint_with_policy(
        text,
        file,
        chart_template,
        cx,
        &Policy::from_selector(selector.clone()),
    )
    .visible
}

/// Lints one decoded text under a file's [`Policy`]: the rules run, then the suppressions and
/// the policy (selection, per-file and per-resource ignores, severity overrides) split the
/// findings into those reported and those hidden. Both lists are sorted.
pub fn lint_with_policy(
    text: &str,
    file: &FileInfo,
    chart_template: bool,
    cx: &Context,
    policy: &Policy,
) -> Outcome {
    lint_collecting(text, file, chart_template, cx, policy, None)
}

/// [`lint_with_policy`], also gathering into `facts` the facts of every document linted (none
/// from a template, which is not linted).
pub(crate) fn lint_collecting(
    text: &str,
    file: &FileInfo,
    chart_template: bool,
    cx: &Context,
    policy: &Policy,
    facts: Option<&mut FactSink<'_>>,
) -> Outcome {
    let mut out = Vec::new();
    let reads = Reads::default();
    let mut collector = Collector::new(text, !policy.resource_ignores.is_empty());
    let has_braces = memchr::memmem::find(text.as_bytes(), b"{{").is_some();
    if chart_template || has_braces {
        // Templates are decided on the whole file before anything is reported.
        let docs: Vec<_> = yaml::parse(text).into_iter().collect();
        let marker = template_marker(text, &docs);
        let parse_failed = docs.iter().any(Result::is_err);
        let templated = match marker {
            Some((_, outside_strings)) => chart_template || outside_strings || parse_failed,
            None => chart_template,
        };
        if templated {
            let at = marker.map_or(0, |(at, _)| at);
            let mut d = Diagnostic::new(
                &rules::files::TEMPLATED_FILE,
                TextRange::new(at, at + if marker.is_some() { 2 } else { 0 }),
                "this file is a Helm/Go template: it is skipped; lint the rendered output (helm template) instead",
            );
            d.message = if chart_template {
                "this file is a Helm chart template: it is skipped; lint the rendered output (helm template) instead".into()
            } else {
                d.message
            };
            let mut outcome = Outcome::default();
            if policy.enabled_in(&rules::files::TEMPLATED_FILE, &[]) {
                d.severity = policy.severity_of(d.code, d.severity);
                outcome.visible.push(d);
            } else {
                outcome.hidden.push(d);
            }
            return outcome;
        }
        lint_documents(
            text,
            docs.into_iter(),
            file,
            cx,
            &reads,
            &mut out,
            &mut collector,
            facts,
        );
    } else {
        lint_documents(
            text,
            yaml::DocumentParser::new(text),
            file,
            cx,
            &reads,
            &mut out,
            &mut collector,
            facts,
        );
    }
    let mut outcome = collector.finish(text, out, policy);
    outcome.read_mesh = reads.mesh();
    sort(&mut outcome.visible);
    sort(&mut outcome.hidden);
    outcome
}

pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (a.range.start(), a.range.end(), a.code).cmp(&(b.range.start(), b.range.end(), b.code))
    });
}

/// Decides the requirements of `diags` when every fact is known: keeps the findings whose
/// requirements hold, no longer conditional.
fn settle(diags: &mut Vec<Diagnostic>, from: usize, cx: &Context, file: &FileInfo) {
    if cx.deferred || diags[from..].iter().all(|d| d.requires.is_none()) {
        return;
    }
    let mut i = from;
    while i < diags.len() {
        match diags[i].requires.take() {
            Some(r) if !cx.satisfies(&r, file.kustomize_patch) => {
                diags.remove(i);
            }
            _ => i += 1,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn lint_documents<'a>(
    text: &'a str,
    docs: impl Iterator<Item = Result<Document<'a>, yaml::SyntaxError>>,
    file: &FileInfo,
    cx: &Context,
    reads: &Reads,
    out: &mut Vec<Diagnostic>,
    collector: &mut Collector,
    mut facts: Option<&mut FactSink<'_>>,
) {
    let mut prior_istio_operators = 0;
    for doc in docs {
        let before = out.len();
        match doc {
            Err(e) => {
                out.push(Diagnostic::new(
                    &rules::files::SYNTAX_ERROR,
                    TextRange::empty(e.offset),
                    format!("YAML syntax error: {}", e.message),
                ));
                collector.failed_document(&out[before..]);
            }
            Ok(doc) => {
                let resources = extract_resources(&doc);
                if let Some(sink) = facts.as_deref_mut() {
                    sink.add(&resources);
                }
                for rule in rules::RULES {
                    match rule.checker {
                        Checker::Resource(check) => {
                            for res in &resources {
                                check(
                                    &ResourceCheck {
                                        text,
                                        doc: &doc,
                                        res,
                                        cx,
                                        file,
                                        reads,
                                    },
                                    out,
                                );
                            }
                        }
                        Checker::Document(check) => check(
                            &DocumentCheck {
                                text,
                                doc: &doc,
                                resources: &resources,
                                cx,
                                file,
                                prior_istio_operators,
                            },
                            out,
                        ),
                        Checker::Engine => {}
                    }
                }
                settle(out, before, cx, file);
                prior_istio_operators += resources.iter().filter(|r| r.is_istio_operator()).count();
                collector.document(text, &doc, &resources, &out[before..]);
            }
        }
    }
}

/// Whether `meta`'s findings count for the exit code at `fail_on`.
pub fn counts_for_exit(
    meta_code: &str,
    severity: crate::diagnostic::Severity,
    fail_on: crate::diagnostic::Severity,
) -> bool {
    meta_code != rules::files::TEMPLATED_FILE.code && severity >= fail_on
}

/// The rule a diagnostic came from.
pub fn rule_of(d: &Diagnostic) -> Option<&'static RuleMeta> {
    rules::find(d.code)
}
