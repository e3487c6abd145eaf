//! Linting one text: decode, detect templates, parse document by document, run the rules, then
//! apply the suppressions written in the text and the file's [`Policy`] (selection, per-file
//! and per-resource ignores, severity overrides), sort. No file system access (see
//! `crate::source` and `crate::config` for that), with one exception: [`is_chart_template`]
//! looks for a `Chart.yaml` above a `templates/` folder on the path it is given.

use crate::config::suppression::{Collector, Outcome};
use crate::config::Policy;
use crate::context::{Context, FactSink, Verdict};
use crate::diagnostic::Diagnostic;
use crate::k8s::extract_resources;
use crate::rules::{self, Checker, DocumentCheck, FileInfo, Reads, ResourceCheck};
use crate::source::TextRange;
use crate::yaml::{self, Document};

mod templates;

/// The outcome of decoding a file's bytes.
pub enum Decoded<'b> {
    Text(&'b str),
    /// Not lintable: a MESH902 diagnostic.
    Unreadable(Diagnostic),
}

/// Decodes bytes as UTF-8 text, refusing binary, UTF-16 and UTF-32 files with a MESH902.
///
/// The finding's offset is a byte offset into `bytes`: the first invalid UTF-8 byte or NUL,
/// whichever comes first (else 0), so the bytes before it are always valid UTF-8.
pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    let unreadable = |offset: usize, message: String| {
        Decoded::Unreadable(Diagnostic::new(
            &rules::files::UNREADABLE_FILE,
            TextRange::empty(offset as u32),
            message,
        ))
    };
    // UTF-32 first: its little-endian mark starts with UTF-16's.
    if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) || bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return unreadable(
            0,
            "the file is UTF-32 (it starts with a UTF-32 byte-order mark); re-save it as UTF-8"
                .into(),
        );
    }
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
    let nul = memchr::memchr(0, bytes);
    // Only the bytes before a NUL need checking: the file is refused at the NUL anyway.
    let end = nul.unwrap_or(bytes.len());
    match std::str::from_utf8(&bytes[..end]) {
        Ok(text) if nul.is_none() => Decoded::Text(text),
        Ok(_) => unreadable(
            end,
            "the file contains a NUL byte: it is binary, not YAML".into(),
        ),
        Err(e) => unreadable(
            e.valid_up_to(),
            format!(
                "the file is not valid UTF-8 (invalid byte 0x{:02X}){}",
                bytes[e.valid_up_to()],
                if nul.is_some() {
                    " and contains a NUL byte: it is binary, not YAML"
                } else {
                    "; re-save it as UTF-8"
                }
            ),
        ),
    }
}

/// Where a comment starts in `line` (a line's start, up to some point), read the way the
/// parser would have had it not stopped before: a `#` at the start or after a blank, outside
/// quoted scalars. A quote opens a scalar only at the scalar's start: at the start of the line
/// (after indentation), after `: `, `- ` or `? `, or after `[`, `{` or `,` in a flow
/// collection; elsewhere (`note: don't panic`) it is part of a plain scalar.
pub(crate) fn comment_start(line: &[u8]) -> Option<usize> {
    let mut quote: Option<u8> = None;
    // Whether a quote here would open a scalar.
    let mut scalar_start = true;
    // Flow collections opened on this line and not closed.
    let mut flow = 0u32;
    let mut i = 0;
    while i < line.len() {
        let b = line[i];
        let blank_next = line.get(i + 1).is_none_or(|n| matches!(n, b' ' | b'\t'));
        match quote {
            Some(b'"') if b == b'\\' => i += 1,
            // `''` inside a single-quoted scalar is an escaped quote.
            Some(b'\'') if b == b'\'' && line.get(i + 1) == Some(&b'\'') => i += 1,
            Some(q) if b == q => {
                quote = None;
                scalar_start = false;
            }
            Some(_) => {}
            None => match b {
                b'#' if i == 0 || matches!(line[i - 1], b' ' | b'\t') => return Some(i),
                b'"' | b'\'' if scalar_start => quote = Some(b),
                b' ' | b'\t' => {}
                b':' if blank_next || flow > 0 => scalar_start = true,
                b'-' | b'?' if scalar_start && blank_next => {}
                b'[' | b'{' if scalar_start => flow += 1,
                b',' if flow > 0 => scalar_start = true,
                b']' | b'}' if flow > 0 => {
                    flow -= 1;
                    scalar_start = false;
                }
                _ => scalar_start = false,
            },
        }
        i += 1;
    }
    None
}

/// The comment on the line where the parser stopped, when the parser did not read it (it
/// stops at the error, and the comment may follow), so that a suppression there is seen.
fn error_line_comment(text: &str, e: &yaml::SyntaxError) -> Option<TextRange> {
    let at = (e.offset as usize).min(text.len());
    let (start, end) = (
        yaml::edit::line_start(text, at),
        yaml::edit::line_end(text, at),
    );
    if e.comments.iter().any(|c| c.end() as usize > start) {
        return None;
    }
    let hash = start + comment_start(&text.as_bytes()[start..end])?;
    Some(TextRange::from_usize(hash, end))
}

/// Whether a text that is not a chart's template is a template all the same (a ytt, Jinja,
/// FreeMarker, ERB or Helm/Go file): what the engine skips with MESH901.
pub(crate) fn is_template(text: &str) -> bool {
    templates::may_be(text) && templates::detect(text, &yaml::parse(text), false).is_some()
}

/// Whether a path lies under `templates/` next to a `Chart.yaml` (a Helm chart's templates).
/// A relative `path` starts from `cwd`, so `cd chart/templates && meshlint a.yaml` finds the
/// chart as `meshlint chart/templates/a.yaml` does.
pub fn is_chart_template(path: &std::path::Path, cwd: &std::path::Path) -> bool {
    // Nearly every path has no `templates` in it, nor a working directory that has: skip
    // splitting it into components. (A relative path may lie under `templates/` through the
    // working directory, or through `..`.)
    let has = |p: &std::path::Path| {
        memchr::memmem::find(p.as_os_str().as_encoded_bytes(), b"templates").is_some()
    };
    if !has(path) && (path.is_absolute() || !has(cwd)) {
        return false;
    }
    let path = crate::config::glob::absolute(path, cwd);
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

/// One decoded text to lint, and what the caller knows of it.
pub(crate) struct Input<'a, 'f> {
    pub text: &'a str,
    pub file: &'f FileInfo,
    /// The path makes it a Helm chart template.
    pub chart_template: bool,
    /// Every document of `text`, when the caller parsed them already (for the text's own
    /// facts, say); else they are parsed one at a time as they are linted.
    pub parsed: Option<Vec<Result<Document<'a>, yaml::SyntaxError>>>,
}

impl<'a, 'f> Input<'a, 'f> {
    pub(crate) fn new(text: &'a str, file: &'f FileInfo) -> Self {
        Self {
            text,
            file,
            chart_template: false,
            parsed: None,
        }
    }
}

/// The engine's one entry point: lints one decoded text under a file's [`Policy`]. The rules
/// run, then the suppressions and the policy (selection, per-file and per-resource ignores,
/// severity overrides) split the findings into those reported and those hidden; both lists
/// are sorted. `facts`, when given, gathers the facts of every document linted (none from a
/// template, which is not linted).
pub(crate) fn lint(
    input: Input<'_, '_>,
    cx: &Context,
    policy: &Policy,
    facts: Option<&mut FactSink<'_>>,
) -> Outcome {
    let Input {
        text,
        file,
        chart_template,
        parsed,
    } = input;
    let mut out = Vec::new();
    let reads = Reads::default();
    let mut collector = Collector::new(text, !policy.resource_ignores.is_empty());
    let parsed = if chart_template || templates::may_be(text) {
        // Templates are decided on the whole file before anything is reported.
        let docs = parsed.unwrap_or_else(|| yaml::parse(text));
        if let Some(template) = templates::detect(text, &docs, chart_template) {
            let mut d = Diagnostic::new(
                &rules::files::TEMPLATED_FILE,
                template.marker.unwrap_or_default(),
                template.engine.message(),
            );
            let mut outcome = Outcome::default();
            if policy.enabled_in(&rules::files::TEMPLATED_FILE, &[]) {
                d.severity = policy.severity_of(d.code, d.severity);
                outcome.visible.push(d);
            } else {
                outcome.hidden.push(d);
            }
            return outcome;
        }
        Some(docs)
    } else {
        parsed
    };
    // The documents already parsed, or parsed one at a time as they are linted.
    // Borrowed, not moved: the parser is a few kilobytes, and moving it into the chain and on
    // into `lint_documents` copied it three times per file (3% of a run on small files).
    let mut streamed = parsed.is_none().then(|| yaml::DocumentParser::new(text));
    let docs = parsed
        .into_iter()
        .flatten()
        .chain(streamed.iter_mut().flatten());
    lint_documents(
        text,
        docs,
        file,
        cx,
        &reads,
        &mut out,
        &mut collector,
        facts,
    );
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

/// The rules that judge by meshlint's catalogue and schemas (one Istio version's).
const SCHEMA_CODES: &[&str] = &["MESH104", "MESH205", "MESH502", "MESH505"];

/// The one note that replaces the findings of a file judged by catalogues newer than its
/// target (`target`: the version and where it came from); `codes`: the codes left out.
pub(crate) fn old_target_note(target: &str, count: usize, codes: &[&str]) -> String {
    format!(
        "not judged: the project targets Istio {target}, older than Istio {}, the oldest meshlint's annotation catalogue and schemas (Istio {}) cover, so {count} finding{} of {} {} left out here; set `istio-version` if the target is newer",
        crate::context::versions::OLDEST_JUDGED,
        crate::context::versions::DATA_VERSION,
        if count == 1 { "" } else { "s" },
        codes.join(", "),
        if count == 1 { "was" } else { "were" },
    )
}

/// Decides the requirements of `diags` when every fact is known: keeps the findings whose
/// requirements hold, no longer conditional, and moves those whose requirements fail to
/// `dropped` (suppressions still count them: see `Collector::document`).
fn settle_document(
    diags: &mut Vec<Diagnostic>,
    from: usize,
    cx: &Context,
    file: &FileInfo,
    dropped: &mut Vec<Diagnostic>,
) {
    if cx.deferred || diags[from..].iter().all(|d| d.requires.is_none()) {
        return;
    }
    let at = cx.settling(file.key(), file.partial);
    let mut i = from;
    // The first finding judged against data newer than the target, and the codes left out.
    let mut old: Option<(usize, String, Vec<&'static str>, usize)> = None;
    while i < diags.len() {
        match diags[i].requires.take().map(|r| cx.verdict_in(&r, &at)) {
            Some(Verdict::Drop) => {
                dropped.push(diags.remove(i));
            }
            Some(Verdict::OldTarget(target)) => {
                let code = diags[i].code;
                match &mut old {
                    Some((_, _, codes, count)) => {
                        if !codes.contains(&code) {
                            codes.push(code);
                        }
                        *count += 1;
                        dropped.push(diags.remove(i));
                    }
                    None => {
                        old = Some((i, target, vec![code], 1));
                        i += 1;
                    }
                }
            }
            Some(Verdict::Assumed(why)) => {
                diags[i].assume(&why);
                i += 1;
            }
            Some(Verdict::Note(note)) => {
                diags[i].message.push_str(&note);
                i += 1;
            }
            Some(Verdict::Judged { minor, note }) => {
                Verdict::restate(&mut diags[i].message, minor, &note);
                i += 1;
            }
            _ => i += 1,
        }
    }
    if let Some((at, target, codes, count)) = old {
        let d = &mut diags[at];
        d.severity = crate::diagnostic::Severity::Info;
        d.message = old_target_note(&target, count, &codes);
        d.fix = None;
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
    let mesh = cx.mesh_for(file.key());
    let mut prior_istio_operators = 0;
    for doc in docs {
        let before = out.len();
        match doc {
            Err(mut e) => {
                out.push(Diagnostic::new(
                    &rules::files::SYNTAX_ERROR,
                    TextRange::empty(tab_offset(text, &e).unwrap_or(e.offset)),
                    format!("YAML syntax error: {}", e.message),
                ));
                if let Some(c) = error_line_comment(text, &e) {
                    e.comments.push(c);
                }
                collector.failed_document(text, &e.comments, &out[before..]);
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
                                        mesh: &mesh,
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
                for d in &mut out[before..] {
                    if SCHEMA_CODES.contains(&d.code) {
                        d.requires
                            .get_or_insert_with(Box::default)
                            .judged_by_catalogue = true;
                    }
                }
                let mut dropped = Vec::new();
                settle_document(out, before, cx, file, &mut dropped);
                prior_istio_operators += resources.iter().filter(|r| r.is_istio_operator()).count();
                collector.document(text, &doc, &resources, &out[before..], &dropped);
            }
        }
    }
}

/// Where a "tabs disallowed" syntax error's tab is: the parser points at the token after it,
/// the user needs to see the tab. The first tab before that token on its line.
fn tab_offset(text: &str, e: &yaml::SyntaxError) -> Option<u32> {
    if !e.message.contains("tab") {
        return None;
    }
    let end = (e.offset as usize).min(text.len());
    let before = text.get(..end)?;
    let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    before[line_start..]
        .find('\t')
        .map(|i| (line_start + i) as u32)
}

/// Whether `meta`'s findings count for the exit code at `fail_on`.
pub fn counts_for_exit(
    meta_code: &str,
    severity: crate::diagnostic::Severity,
    fail_on: crate::diagnostic::Severity,
) -> bool {
    // Every code counts, MESH901 too: its default (info) is below the default threshold, and
    // a user who raises it (`severity: {MESH901: error}`, `--fail-on info`) asked for it.
    let _ = meta_code;
    severity >= fail_on
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unreadable_at(bytes: &[u8]) -> (u32, String) {
        match decode(bytes) {
            Decoded::Unreadable(d) => (d.range.start(), d.message),
            Decoded::Text(_) => panic!("decoded: {bytes:?}"),
        }
    }

    #[test]
    fn decode_points_at_the_first_invalid_byte_or_nul() {
        // A PNG header: 0x89 comes before the NULs.
        let (at, message) = unreadable_at(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR");
        assert_eq!(at, 0);
        assert!(
            message.contains("0x89") && message.contains("binary"),
            "{message}"
        );
        // A gzip header: 0x1F is valid, 0x8B is not.
        assert_eq!(unreadable_at(b"\x1f\x8b\x08\x00\x00\x00").0, 1);
        assert_eq!(unreadable_at(b"a: \xff\nb: \xc3\xa9\x00\n").0, 3);
        // A NUL before any invalid byte.
        let (at, message) = unreadable_at(b"a: \xc3\xa9\x00\xff");
        assert_eq!(at, 5);
        assert!(message.contains("NUL"), "{message}");
        // Invalid UTF-8 without a NUL: re-save.
        let (at, message) = unreadable_at(b"a: b\nc: \xe9\n");
        assert_eq!(at, 8);
        assert!(message.contains("re-save it as UTF-8"), "{message}");
    }

    #[test]
    fn decode_names_utf16_and_utf32() {
        for (bytes, name) in [
            (&b"\xff\xfea\x00"[..], "UTF-16"),
            (&b"\xfe\xff\x00a"[..], "UTF-16"),
            (&b"\xff\xfe\x00\x00a\x00\x00\x00"[..], "UTF-32"),
            (&b"\x00\x00\xfe\xff\x00\x00\x00a"[..], "UTF-32"),
        ] {
            let (at, message) = unreadable_at(bytes);
            assert_eq!(at, 0);
            assert!(
                message.starts_with(&format!("the file is {name} ")),
                "{message}"
            );
        }
    }

    #[test]
    fn a_quote_inside_a_plain_scalar_opens_nothing() {
        for line in [
            "  note: don't panic # ",
            "  note: a\"b # ",
            "  note: \"a#b\" # ",
            "  note: 'it''s # here' # ",
            "# ",
            "- 'a' # ",
            "  k: [a, 'b # c', d'e] # ",
            "  k: {\"a\":\"b # c\"} # ",
            "  k: \"a \\\" # b\" # ",
            "  k: a-'b # ",
        ] {
            assert!(comment_start(line.as_bytes()).is_some(), "{line}");
        }
        for line in [
            "  note: 'a # b",
            "  note: \"a # b",
            "  k: [a, 'b # c",
            "  k: a#b",
            "- 'a # ",
            "? \"a # ",
        ] {
            assert_eq!(comment_start(line.as_bytes()), None, "{line}");
        }
    }

    fn codes(text: &str) -> Vec<&'static str> {
        crate::lint_source(
            text,
            "t.yaml",
            &crate::context::LintOptions::default(),
            &crate::rules::RuleSelector::default(),
        )
        .iter()
        .map(|d| d.code)
        .collect()
    }

    #[test]
    fn a_broken_file_with_braces_only_in_a_comment_is_a_syntax_error() {
        let head = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n bad: indent\ndata:\n";
        for tail in [
            "  note: don't panic # {{ not a template }}\n",
            "  note: a\"b # {{ x }}\n",
            "  note: \"a#b\" # {{ x }}\n",
        ] {
            assert_eq!(codes(&format!("{head}{tail}")), ["MESH900"], "{tail}");
        }
        // Outside a comment, the same braces make it a template.
        assert_eq!(
            codes(&format!("{head}  note: don't {{{{ x }}}}\n")),
            ["MESH901"]
        );
        assert_eq!(
            codes(&format!("{head}  note: 'a # {{{{ x }}}}'\n")),
            ["MESH901"]
        );
    }

    #[test]
    fn lint_source_reads_the_facts_of_every_document_from_one_parse() {
        let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: web\n";
        let namespace = |label: &str| {
            format!("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio-injection: {label}\n")
        };
        // The namespace after the workload decides its injection, as in a run over files.
        assert_eq!(
            codes(&format!("{deployment}{}", namespace("enabled"))),
            ["MESH101"]
        );
        assert!(codes(&format!("{deployment}{}", namespace("disabled"))).is_empty());
        // A broken document between them does not hide the namespace's label.
        let broken = "---\nkind: ConfigMap\n bad: indent\n";
        assert_eq!(
            codes(&format!("{deployment}{broken}{}", namespace("disabled"))),
            ["MESH900"]
        );
    }
}
