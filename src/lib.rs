//! meshlint: a linter and auto-fixer for Kubernetes and Istio manifests.
//!
//! The engine is a library: [`lint_source`] lints one text without touching the file system,
//! [`lint_paths`] walks paths and lints every manifest in parallel. The binary (`src/main.rs`)
//! only parses arguments, prints and chooses the exit code.
//!
//! ```
//! use meshlint::{lint_source, context::LintOptions, rules::RuleSelector};
//! let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations:\n    sidecar.istio.io/inject: true\n";
//! let diags = lint_source(text, "pod.yaml", &LintOptions::default(), &RuleSelector::default());
//! assert!(diags.iter().any(|d| d.code == "MESH501"));
//! ```

#![forbid(unsafe_code)]

pub mod config;
pub mod context;
pub mod diagnostic;
pub mod engine;
pub mod fix;
pub mod istio;
pub mod k8s;
pub mod report;
pub mod rules;
pub mod source;
pub mod yaml;

use context::{collect_facts, may_have_facts, Context, Facts, LintOptions};
use diagnostic::Diagnostic;
use engine::Decoded;
use rayon::prelude::*;
use report::{FileFindings, Finding, LocatedEdit, LocatedFix, Position, Report, Snippet, Span};
use rules::{FileInfo, RuleSelector};
use source::{LineIndex, TextRange};
use std::path::{Path, PathBuf};

/// Lints one text as a file named `name`, using only the facts found in this text itself.
pub fn lint_source(
    text: &str,
    name: &str,
    options: &LintOptions,
    selector: &RuleSelector,
) -> Vec<Diagnostic> {
    let mut cx = Context::new(options.clone());
    cx.absorb(collect_facts(text, name));
    let file = file_info(Path::new(name), &[]);
    engine::lint_text(text, &file, false, &cx, selector)
}

/// Everything a run needs besides the paths.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub lint: LintOptions,
    pub selector: RuleSelector,
    /// Worker threads; 0 means one per core.
    pub jobs: usize,
}

fn file_info(path: &Path, patches: &[PathBuf]) -> FileInfo {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    FileInfo {
        path: path.display().to_string(),
        kustomize_patch: patches.iter().any(|p| same_file(p, path)),
        helm_values: name.starts_with("values")
            && (name.ends_with(".yaml") || name.ends_with(".yml")),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    normalize(a) == normalize(b)
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Resolves a file's diagnostics to positions and excerpts, so its text can be dropped.
pub fn locate(text: &str, index: &LineIndex, path: &str, diags: Vec<Diagnostic>) -> FileFindings {
    let pos = |offset: u32| {
        let offset = offset.min(text.len() as u32);
        let lc = index.line_col(text, offset);
        let wide = index.line_col_utf16(text, offset);
        Position {
            line: lc.line,
            column: lc.column,
            utf16_column: wide.column,
            offset,
        }
    };
    let span = |r: TextRange| Span {
        start: pos(r.start()),
        end: pos(r.end()),
    };
    let findings = diags
        .into_iter()
        .map(|d| {
            let s = span(d.range);
            let first = index.line_range(text, s.start.line);
            let last = index.line_range(text, s.end.line.min(s.start.line + 8));
            let snippet = Snippet {
                first_line: s.start.line,
                offset: first.start as u32,
                text: text[first.start..last.end.max(first.start)].to_owned(),
            };
            Finding {
                code: d.code,
                name: d.name,
                severity: d.severity,
                message: d.message,
                span: s,
                fix: d.fix.map(|f| LocatedFix {
                    applicability: f.applicability,
                    message: f.message,
                    edits: f
                        .edits
                        .into_iter()
                        .map(|e| LocatedEdit {
                            range: span(e.range),
                            content: e.content,
                        })
                        .collect(),
                }),
                snippet,
            }
        })
        .collect();
    FileFindings {
        path: path.to_owned(),
        findings,
    }
}

/// Display form of a path: relative, with forward slashes, no leading `./`.
pub fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy();
    let s = s.strip_prefix("./").unwrap_or(&s);
    if cfg!(windows) {
        s.replace('\\', "/")
    } else {
        s.to_owned()
    }
}

/// Reads a file's bytes, refusing anything but a regular file (a FIFO must never block).
pub fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(std::io::Error::other("it is a directory"));
    }
    if !meta.is_file() {
        return Err(std::io::Error::other("it is not a regular file"));
    }
    std::fs::read(path)
}

/// Kustomize patches named by a `kustomization.yaml`, as paths relative to the working directory.
fn kustomize_patches(text: &str, path: &Path) -> Vec<PathBuf> {
    let dir = path.parent().unwrap_or(Path::new(""));
    let mut out = Vec::new();
    for doc in yaml::DocumentParser::new(text).flatten() {
        let Some(root) = doc.root() else { continue };
        for key in ["patchesStrategicMerge", "patches", "patchesJson6902"] {
            for item in root.get(key).into_iter().flat_map(|s| s.resolved().items()) {
                let p = item
                    .resolved()
                    .as_str()
                    .or_else(|| item.resolved().get_str("path"));
                if let Some(p) = p {
                    out.push(dir.join(p));
                }
            }
        }
    }
    out
}

fn is_kustomization(path: &Path) -> bool {
    matches!(
        path.file_name().and_then(|n| n.to_str()),
        Some("kustomization.yaml" | "kustomization.yml" | "Kustomization")
    )
}

/// One file's lint result.
pub struct FileResult {
    pub findings: FileFindings,
}

/// Lints one file with the run's context: read, decode, lint, locate.
pub fn lint_file(
    path: &Path,
    cx: &Context,
    settings: &Settings,
    patches: &[PathBuf],
) -> FileFindings {
    let display = display_path(path);
    let bytes = match read_file(path) {
        Ok(b) => b,
        Err(e) => {
            let d = Diagnostic::new(
                &rules::files::UNREADABLE_FILE,
                TextRange::empty(0),
                format!("cannot read the file: {e}"),
            );
            return locate("", &LineIndex::new(""), &display, vec![d]);
        }
    };
    let text = match engine::decode(&bytes) {
        Decoded::Text(t) => t,
        Decoded::Unreadable(d) => {
            let lossy =
                String::from_utf8_lossy(&bytes[..(d.range.start() as usize).min(bytes.len())])
                    .into_owned();
            let diag = Diagnostic {
                range: TextRange::empty(lossy.len() as u32),
                ..d
            };
            let mut findings = locate(&lossy, &LineIndex::new(&lossy), &display, vec![diag]);
            // Offsets must count the file's own bytes.
            for f in &mut findings.findings {
                f.span.start.offset = d_offset(&bytes, &f.span);
                f.span.end.offset = f.span.start.offset;
            }
            return findings;
        }
    };
    let file = file_info(path, patches);
    let diags = engine::lint_text(
        text,
        &file,
        engine::is_chart_template(path),
        cx,
        &settings.selector,
    );
    locate(text, &LineIndex::new(text), &display, diags)
}

fn d_offset(bytes: &[u8], span: &Span) -> u32 {
    // The lossy prefix may differ in length from the raw bytes only at invalid bytes, which
    // come after it; the offset of the first invalid byte equals the valid prefix length.
    span.start.offset.min(bytes.len() as u32)
}

/// Pass one: facts from every file that may have some (and Kustomize patch lists).
fn gather(inputs: &[PathBuf], options: &LintOptions) -> (Context, Vec<PathBuf>) {
    let per_file: Vec<(Facts, Vec<PathBuf>)> = inputs
        .par_iter()
        .filter_map(|path| {
            let bytes = read_file(path).ok()?;
            let Decoded::Text(text) = engine::decode(&bytes) else {
                return None;
            };
            let patches = if is_kustomization(path) {
                kustomize_patches(text, path)
            } else {
                Vec::new()
            };
            let facts = if may_have_facts(text) && !engine::is_chart_template(path) {
                collect_facts(text, &display_path(path))
            } else {
                Facts::default()
            };
            Some((facts, patches))
        })
        .collect();
    let mut cx = Context::new(options.clone());
    let mut patches = Vec::new();
    for (facts, p) in per_file {
        cx.absorb(facts);
        patches.extend(p);
    }
    (cx, patches)
}

/// Lints every manifest under `paths`, in parallel; output sorted by file then position.
pub fn lint_paths(paths: &[PathBuf], settings: &Settings) -> Result<Report, source::MissingPath> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.jobs)
        .build()
        .ok();
    let run = || lint_paths_in_pool(paths, settings);
    match pool {
        Some(pool) => pool.install(run),
        None => run(),
    }
}

fn lint_paths_in_pool(
    paths: &[PathBuf],
    settings: &Settings,
) -> Result<Report, source::MissingPath> {
    let threads = rayon::current_num_threads();
    let found = source::discover(paths, threads)?;
    let files: Vec<PathBuf> = found.inputs.into_iter().map(|i| i.path).collect();
    let (cx, patches) = gather(&files, &settings.lint);
    let mut results: Vec<FileFindings> = files
        .par_iter()
        .map(|path| lint_file(path, &cx, settings, &patches))
        .collect();
    for problem in found.problems {
        let d = Diagnostic::new(
            &rules::files::UNREADABLE_FILE,
            TextRange::empty(0),
            problem.message.clone(),
        );
        if settings.selector.enabled(&rules::files::UNREADABLE_FILE) {
            results.push(locate(
                "",
                &LineIndex::new(""),
                &display_path(&problem.path),
                vec![d],
            ));
        }
    }
    let files_checked = results.len();
    results.retain(|f| !f.findings.is_empty());
    results.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Report {
        files: results,
        files_checked,
        fix_summary: None,
    })
}

/// What `--fix` or `--diff` did to one file.
#[derive(Debug)]
pub struct FileChange {
    pub path: PathBuf,
    /// The path as displayed (diff headers, messages).
    pub display: String,
    pub original: String,
    pub fixed: String,
    /// Fixes applied, as `(code, name, line, column, fix message)` in the original text.
    pub applied: Vec<report::AppliedFix>,
}

/// The outcome of fixing: the report of what remains, the changes, and problems met.
#[derive(Debug, Default)]
pub struct FixRun {
    pub report: Report,
    pub changes: Vec<FileChange>,
}

/// Fixes one text to a fixpoint and returns the outcome and the findings that remain.
pub fn fix_source(
    text: &str,
    file: &FileInfo,
    chart_template: bool,
    cx: &Context,
    selector: &RuleSelector,
    unsafe_fixes: bool,
) -> fix::FixOutcome {
    let lint = |t: &str| {
        let diagnostics = engine::lint_text(t, file, chart_template, cx, selector);
        let parsed = !diagnostics
            .iter()
            .any(|d| d.code == rules::files::SYNTAX_ERROR.code);
        fix::LintResult {
            parsed,
            diagnostics,
        }
    };
    fix::fix_text(
        text,
        &lint,
        &fix::FixOptions {
            unsafe_fixes,
            ..fix::FixOptions::default()
        },
    )
}

fn fix_one(
    path: &Path,
    cx: &Context,
    settings: &Settings,
    patches: &[PathBuf],
    unsafe_fixes: bool,
) -> (FileFindings, Option<FileChange>, Vec<String>) {
    let display = display_path(path);
    let Ok(bytes) = read_file(path) else {
        return (lint_file(path, cx, settings, patches), None, Vec::new());
    };
    let Decoded::Text(text) = engine::decode(&bytes) else {
        return (lint_file(path, cx, settings, patches), None, Vec::new());
    };
    let file = file_info(path, patches);
    let outcome = fix_source(
        text,
        &file,
        engine::is_chart_template(path),
        cx,
        &settings.selector,
        unsafe_fixes,
    );
    let original_index = LineIndex::new(text);
    let at = |r: Option<TextRange>, fallback: TextRange| {
        let lc = original_index.line_col(text, r.unwrap_or(fallback).start());
        (lc.line, lc.column)
    };
    let failures: Vec<String> = outcome
        .rejected
        .iter()
        .map(|r| {
            let (line, col) = at(r.original_range, r.range);
            format!(
                "fix for {} at {display}:{line}:{col} was not applied: {}",
                r.code, r.reason
            )
        })
        .chain(outcome.hit_limit.then(|| {
            format!(
                "{display}: fixes did not converge after {} rounds",
                fix::MAX_ROUNDS
            )
        }))
        .collect();
    let applied = outcome
        .applied
        .iter()
        .map(|a| {
            let (line, column) = at(a.original_range, a.range);
            report::AppliedFix {
                path: display.clone(),
                code: a.code,
                name: a.name,
                line,
                column,
                message: a.fix_message.clone(),
            }
        })
        .collect();
    let remaining = locate(
        &outcome.text,
        &LineIndex::new(&outcome.text),
        &display,
        outcome.lint.diagnostics.clone(),
    );
    let change = outcome.changed.then(|| FileChange {
        path: path.to_path_buf(),
        display: display.clone(),
        original: text.to_owned(),
        fixed: outcome.text.clone(),
        applied,
    });
    (remaining, change, failures)
}

/// Computes the fixes for every manifest under `paths` (writing nothing): the findings that
/// would remain, and each changed file's before and after.
pub fn fix_paths(
    paths: &[PathBuf],
    settings: &Settings,
    unsafe_fixes: bool,
) -> Result<FixRun, source::MissingPath> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.jobs)
        .build()
        .ok();
    let run = || {
        let threads = rayon::current_num_threads();
        let found = source::discover(paths, threads)?;
        let files: Vec<PathBuf> = found.inputs.into_iter().map(|i| i.path).collect();
        let (cx, patches) = gather(&files, &settings.lint);
        let results: Vec<_> = files
            .par_iter()
            .map(|p| fix_one(p, &cx, settings, &patches, unsafe_fixes))
            .collect();
        let mut run = FixRun::default();
        let mut summary = report::FixSummary::default();
        for (findings, change, failures) in results {
            run.report.files_checked += 1;
            summary.failures.extend(failures);
            if let Some(c) = change {
                summary.files_fixed += 1;
                summary.fixes_applied += c.applied.len();
                summary.applied.extend(c.applied.iter().cloned());
                run.changes.push(c);
            }
            if !findings.findings.is_empty() {
                run.report.files.push(findings);
            }
        }
        for problem in found.problems {
            let d = Diagnostic::new(
                &rules::files::UNREADABLE_FILE,
                TextRange::empty(0),
                problem.message.clone(),
            );
            run.report.files.push(locate(
                "",
                &LineIndex::new(""),
                &display_path(&problem.path),
                vec![d],
            ));
            run.report.files_checked += 1;
        }
        run.report.files.sort_by(|a, b| a.path.cmp(&b.path));
        run.report.fix_summary = Some(summary);
        Ok(run)
    };
    match pool {
        Some(pool) => pool.install(run),
        None => run(),
    }
}

/// Lints (and optionally fixes) text read from stdin as if it were the file `name`.
pub fn lint_stdin(
    text: &str,
    name: &str,
    settings: &Settings,
    fix: Option<bool>,
) -> (FileFindings, Option<String>) {
    let mut cx = Context::new(settings.lint.clone());
    cx.absorb(collect_facts(text, name));
    let file = file_info(Path::new(name), &[]);
    match fix {
        None => {
            let diags = engine::lint_text(text, &file, false, &cx, &settings.selector);
            (locate(text, &LineIndex::new(text), name, diags), None)
        }
        Some(unsafe_fixes) => {
            let outcome = fix_source(text, &file, false, &cx, &settings.selector, unsafe_fixes);
            let findings = locate(
                &outcome.text,
                &LineIndex::new(&outcome.text),
                name,
                outcome.lint.diagnostics,
            );
            (findings, Some(outcome.text))
        }
    }
}
