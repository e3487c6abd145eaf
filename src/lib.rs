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
pub mod go;
pub mod istio;
pub mod k8s;
pub mod report;
pub mod rules;
mod run;
pub mod source;
pub mod yaml;

use config::{Policy, Resolver};
use context::{Context, FactSink, Facts, LintOptions, Requires};
use diagnostic::{Diagnostic, Severity};
use engine::Decoded;
use rayon::prelude::*;
pub use report::locate;
use report::{FileFindings, Report};
use rules::{FileInfo, RuleSelector};
pub use source::{display_path, read_file};
use source::{path_key, LineIndex, TextRange};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Lints one text as a file named `name`, using only the facts found in this text itself.
pub fn lint_source(
    text: &str,
    name: &str,
    options: &LintOptions,
    selector: &RuleSelector,
) -> Vec<Diagnostic> {
    // One parse: the text's facts come from the trees its rules then read.
    let docs = yaml::parse(text);
    let mut facts = FactSink::for_file(text, name, &path_key(Path::new(name), Path::new("")));
    for doc in docs.iter().flatten() {
        facts.add(&k8s::extract_resources(doc));
    }
    let cx = context_for(options, &[facts.facts], &[]);
    let file = file_info(Path::new(name), &[], Path::new(""));
    let input = engine::Input {
        parsed: Some(docs),
        ..engine::Input::new(text, &file)
    };
    engine::lint(input, &cx, &Policy::from_selector(selector.clone()), None).visible
}

/// Everything a run needs besides the paths.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Where configuration comes from (discovery, `--config`, `--no-config`).
    pub config: config::Source,
    /// Command-line settings; they win over configuration files.
    pub overrides: config::Overrides,
    /// Worker threads; 0 means one per core.
    pub jobs: usize,
    /// The working directory paths are relative to; the process's when `None`.
    pub cwd: Option<PathBuf>,
}

/// What stops a run before it lints anything (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    MissingPath(#[from] source::MissingPath),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("cannot read the working directory: {0}")]
    Cwd(std::io::Error),
}

/// The `fail-on` threshold of each file (files may have different configurations).
#[derive(Clone, Debug)]
pub struct Thresholds {
    pub(crate) by_path: HashMap<String, Severity>,
    pub(crate) default: Severity,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self::uniform(Severity::Warning)
    }
}

impl Thresholds {
    /// One threshold for every file.
    pub fn uniform(fail_on: Severity) -> Self {
        Self {
            by_path: HashMap::new(),
            default: fail_on,
        }
    }

    /// The threshold for a file as displayed.
    pub fn for_path(&self, path: &str) -> Severity {
        self.by_path.get(path).copied().unwrap_or(self.default)
    }

    /// Whether anything in `report` is at or above its file's threshold (exit code 1).
    pub fn failing(&self, report: &Report) -> bool {
        report.files.iter().any(|f| {
            let threshold = self.for_path(&f.path);
            f.findings
                .iter()
                .any(|d| engine::counts_for_exit(d.code, d.severity, threshold))
        })
    }
}

/// The outcome of linting paths.
#[derive(Debug, Default)]
pub struct LintRun {
    pub report: Report,
    pub thresholds: Thresholds,
    pub walk: WalkStats,
}

/// What walking the named directories found but did not lint (files a `.gitignore` or
/// `.ignore` names, and hidden files, are not walked and not counted).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WalkStats {
    /// Files the configuration's `include` does not match (by default: not `*.yaml`, `*.yml`
    /// or `*.json`).
    pub not_included: usize,
    /// Files the configuration's `exclude` names.
    pub excluded: usize,
    /// Named directories under which no file is linted (and nothing failed to be read).
    pub empty_dirs: Vec<PathBuf>,
}

pub(crate) fn cwd(settings: &Settings) -> Result<PathBuf, RunError> {
    match &settings.cwd {
        Some(c) => Ok(c.clone()),
        None => std::env::current_dir().map_err(RunError::Cwd),
    }
}

/// The effective configuration for `path` (a file or a directory), as YAML.
pub fn effective_config(path: &Path, settings: &Settings) -> Result<String, RunError> {
    let resolver = Resolver::new(
        settings.config.clone(),
        settings.overrides.clone(),
        cwd(settings)?,
    )?;
    let effective = if path.is_dir() {
        resolver.for_dir(path)?
    } else {
        resolver.for_file(path)?
    };
    // What the project's files say where this configuration applies (inferred versions, a
    // mesh-wide ENABLE_NATIVE_SIDECARS), as a run over `path` would see it.
    let mesh = run::project_mesh(path, &effective, settings)?;
    Ok(effective.render(resolver.cwd(), &mesh))
}

fn file_info(path: &Path, patches: &[PathBuf], cwd: &Path) -> FileInfo {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    FileInfo {
        path: path.display().to_string(),
        partial: is_partial(path, patches, cwd),
        key: path_key(path, cwd),
        helm_values: name.starts_with("values")
            && Path::new(name)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml")),
    }
}

/// Whether `path` holds partial objects, which "missing" rules leave alone: a Kustomize patch
/// (one of `patches`), or a test assertion.
pub(crate) fn is_partial(path: &Path, patches: &[PathBuf], cwd: &Path) -> bool {
    is_test_assertion(path, cwd) || is_patch(path, patches, cwd)
}

/// Whether `path` is a test assertion, which lists only the fields it checks: kuttl's
/// `NN-assert.yaml` and `NN-errors.yaml` (NN digits), or a Chainsaw `assert`/`error` file (named
/// `assert*`, `error*`, `*-assert` or `*-error(s)`) beside a `chainsaw-test.yaml`.
fn is_test_assertion(path: &Path, cwd: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let Some(stem) = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
    else {
        return false;
    };
    let unnumbered = stem
        .split_once('-')
        .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .map(|(_, rest)| rest);
    if matches!(unnumbered, Some("assert" | "errors")) {
        return true;
    }
    let stem = unnumbered.unwrap_or(stem);
    let chainsaw_named = ["assert", "error"].iter().any(|w| stem.starts_with(w))
        || ["-assert", "-error", "-errors"]
            .iter()
            .any(|w| stem.ends_with(w));
    chainsaw_named && {
        let dir = config::glob::absolute(path, cwd);
        let dir = dir.parent().unwrap_or(Path::new(""));
        dir.join("chainsaw-test.yaml").is_file() || dir.join("chainsaw-test.yml").is_file()
    }
}

/// Whether `path` is one of `patches` (keys made by [`path_key`], sorted by bytes): one lookup
/// per file, none when no `kustomization.yaml` names a patch.
pub(crate) fn is_patch(path: &Path, patches: &[PathBuf], cwd: &Path) -> bool {
    if patches.is_empty() {
        return false;
    }
    let key = path_key(path, cwd);
    patches
        .binary_search_by(|p| p.as_os_str().cmp(key.as_os_str()))
        .is_ok()
}

/// Lints one file with the run's context and the file's policy: read, decode, lint, locate.
/// `patches` are the Kustomize patches (see [`path_key`]); `cwd` is the working directory
/// relative paths start from.
pub fn lint_file(
    path: &Path,
    cx: &Context,
    policy: &Policy,
    patches: &[PathBuf],
    cwd: &Path,
) -> FileFindings {
    lint_file_pending(path, cx, policy, patches, cwd).findings
}

/// One file's findings, with what a run needs to settle them once every file has been seen
/// (all empty when the context knew every fact).
#[derive(Debug, Default)]
pub(crate) struct Linted {
    pub(crate) findings: FileFindings,
    /// The requirements of findings, by index.
    pub(crate) requires: Vec<(usize, Box<Requires>)>,
    /// The mesh-wide facts the rules saw, when they read them (boxed: a run holds one
    /// `Linted` per file until every file is seen, and few files read them).
    pub(crate) mesh_seen: Option<Box<context::MeshFacts>>,
}

fn lint_file_pending(
    path: &Path,
    cx: &Context,
    policy: &Policy,
    patches: &[PathBuf],
    cwd: &Path,
) -> Linted {
    match read_file(path) {
        Ok(bytes) => lint_bytes(path, cwd, &bytes, cx, policy, patches, None),
        Err(e) => Linted {
            findings: unreadable(
                &display_path(path, cwd),
                policy,
                &format!("cannot read the file: {e}"),
            ),
            ..Linted::default()
        },
    }
}

/// MESH902 for a file that could not be read (`display`: its path as shown).
pub(crate) fn unreadable(display: &str, policy: &Policy, message: &str) -> FileFindings {
    let d = Diagnostic::new(&rules::files::UNREADABLE_FILE, TextRange::empty(0), message);
    locate(
        "",
        &LineIndex::new(""),
        display,
        only_enabled(policy, vec![d]),
    )
}

/// Lints a file's bytes (`path` as given, relative to `cwd`). `facts`, in the run's single
/// pass, receives the file's own facts and its Kustomize patch list before its documents are
/// linted.
pub(crate) fn lint_bytes(
    path: &Path,
    cwd: &Path,
    bytes: &[u8],
    cx: &Context,
    policy: &Policy,
    patches: &[PathBuf],
    facts: Option<&mut (Facts, Vec<PathBuf>)>,
) -> Linted {
    let display = display_path(path, cwd);
    let text = match engine::decode(bytes) {
        Decoded::Text(t) => t,
        Decoded::Unreadable(d) => {
            // The bytes before the finding are valid UTF-8 (see `engine::decode`): positions
            // are counted on them, so the offset, line and column agree.
            let at = (d.range.start() as usize).min(bytes.len());
            let prefix = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
            return Linted {
                findings: locate(
                    prefix,
                    &LineIndex::new(prefix),
                    &display,
                    only_enabled(policy, vec![d]),
                ),
                ..Linted::default()
            };
        }
    };
    let chart_template = engine::is_chart_template(path, cwd);
    let file = file_info(path, patches, cwd);
    // A file is linted with the facts known so far; if its own mesh-wide settings change what
    // its rules read, `run::settle_file` lints it again once every file is seen.
    let input = engine::Input {
        chart_template,
        ..engine::Input::new(text, &file)
    };
    let mut outcome = match facts {
        Some(slot) => {
            let mut sink = FactSink::for_file(text, &display, &file.key);
            let outcome = engine::lint(input, cx, policy, Some(&mut sink));
            if let Some(k) = &sink.facts.file.kustomization {
                slot.1.clone_from(&k.patches);
            }
            slot.0 = sink.facts;
            outcome
        }
        None => engine::lint(input, cx, policy, None),
    };
    let requires = outcome
        .visible
        .iter_mut()
        .enumerate()
        .filter_map(|(i, d)| d.requires.take().map(|r| (i, r)))
        .collect();
    // Most files have no finding: no line index then.
    let index = LineIndex::new(if outcome.visible.is_empty() { "" } else { text });
    Linted {
        findings: locate(text, &index, &display, outcome.visible),
        requires,
        mesh_seen: outcome.read_mesh.then(|| Box::new(cx.mesh_for(&file.key))),
    }
}

/// Keeps the diagnostics `policy` enables (for files that are not linted: MESH902).
pub(crate) fn only_enabled(policy: &Policy, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diags
        .into_iter()
        .filter(|d| rules::find(d.code).is_none_or(|m| policy.enabled_in(m, &[])))
        .map(|mut d| {
            d.severity = policy.severity_of(d.code, d.severity);
            d
        })
        .collect()
}

/// The context for files under one configuration: its options, the facts of every linted
/// file, and the configuration's namespaces where no linted `Namespace` describes them.
pub(crate) fn context_for(options: &LintOptions, facts: &[Facts], roots: &[PathBuf]) -> Context {
    let mut cx = Context::new(LintOptions {
        namespaces: k8s::NamespaceLabels::default(),
        ..options.clone()
    })
    .with_roots(roots.to_vec());
    cx.absorb_all(facts.iter().cloned());
    for (name, labels) in &options.namespaces {
        cx.namespaces
            .entry(name.clone())
            .or_insert_with(|| labels.clone());
    }
    cx.options.namespaces.clone_from(&options.namespaces);
    cx
}

/// Lints every manifest under `paths`, in parallel; output sorted by file then position.
pub fn lint_paths(paths: &[PathBuf], settings: &Settings) -> Result<LintRun, RunError> {
    run::in_pool(run::jobs_for(paths, settings.jobs), || {
        let run = run::lint_all(paths, settings)?;
        // The fixes offered are not verified here, as `--fix` and `--diff` verify them:
        // linting every file with a fix again, then with its fixes applied, doubled the time
        // of a run over a large tree (most files of a mesh have a MESH101 fix).
        let mut results = run.files;
        let files_checked = results.len() + run.plan.problems.len();
        results.extend(run.plan.problem_findings());
        results.retain(|f| !f.findings.is_empty());
        results.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(LintRun {
            report: Report {
                files: results,
                files_checked,
                fix_summary: None,
            },
            thresholds: run.plan.thresholds,
            walk: run.plan.walk,
        })
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
    pub applied: Vec<report::ShownFix>,
}

/// The outcome of fixing: the report of what remains, the changes, and problems met.
#[derive(Debug, Default)]
pub struct FixRun {
    pub report: Report,
    pub changes: Vec<FileChange>,
    pub thresholds: Thresholds,
    pub walk: WalkStats,
}

/// Fixes one text to a fixpoint and returns the outcome and the findings that remain.
///
/// The fixer's verification sees every finding, reported or not, at no less than its default
/// severity, so that neither a selection, an ignore, a suppression comment nor a severity
/// override lets a fix introduce an error; only reported findings offer their fixes. The
/// outcome's `lint` is what is reported for the fixed text.
pub fn fix_source(
    text: &str,
    file: &FileInfo,
    chart_template: bool,
    cx: &Context,
    policy: &Policy,
    unsafe_fixes: bool,
) -> fix::FixOutcome {
    let lint = verifying_lint(file, chart_template, cx, policy);
    let mut outcome = fix::fix_text(
        text,
        &lint,
        &fix::FixOptions {
            unsafe_fixes,
            ..fix::FixOptions::default()
        },
    );
    let mut reported = engine::lint(
        text_of(&outcome.text, file, chart_template),
        cx,
        policy,
        None,
    );
    // What remains offers only the fixes that would apply (`outcome.lint` is the full lint of
    // the fixed text, as the loop left it).
    keep_fixes_that_apply(
        &outcome.text,
        &outcome.lint,
        &lint,
        reported.visible.iter_mut().map(|d| &mut d.fix),
    );
    outcome.lint.diagnostics = reported.visible;
    outcome
}

/// [`engine::Input`] for a text that is not parsed yet.
fn text_of<'a, 'f>(
    text: &'a str,
    file: &'f FileInfo,
    chart_template: bool,
) -> engine::Input<'a, 'f> {
    engine::Input {
        chart_template,
        ..engine::Input::new(text, file)
    }
}

/// The lint the fixer verifies with: every finding, reported or not, at no less than its
/// default severity (see [`fix_source`]).
fn verifying_lint<'a>(
    file: &'a FileInfo,
    chart_template: bool,
    cx: &'a Context,
    policy: &'a Policy,
) -> impl Fn(&str) -> fix::LintResult + 'a {
    move |t: &str| {
        let outcome = engine::lint(text_of(t, file, chart_template), cx, policy, None);
        let parsed = !outcome
            .visible
            .iter()
            .chain(&outcome.hidden)
            .any(|d| d.code == rules::files::SYNTAX_ERROR.code);
        let mut diagnostics: Vec<Diagnostic> = outcome
            .visible
            .into_iter()
            .chain(outcome.hidden)
            .map(|mut d| {
                if let Some(m) = rules::find(d.code) {
                    d.severity = d.severity.max(m.severity);
                }
                d
            })
            .collect();
        engine::sort(&mut diagnostics);
        fix::LintResult {
            parsed,
            diagnostics,
        }
    }
}

/// Drops each fix that would not apply: one that fails the fix loop's verification on `text`
/// (whose verifying lint is `before`), as [`fix::applicable`] checks it. A report lists a fix as
/// available only when `--fix` would apply it. Lints once for all the fixes that fit together,
/// once per fix only when that fails.
fn keep_fixes_that_apply<'f>(
    text: &str,
    before: &fix::LintResult,
    lint: &dyn Fn(&str) -> fix::LintResult,
    fixes: impl Iterator<Item = &'f mut Option<diagnostic::Fix>>,
) {
    let mut slots: Vec<&mut Option<diagnostic::Fix>> = fixes.filter(|f| f.is_some()).collect();
    let all: Vec<&diagnostic::Fix> = slots.iter().filter_map(|f| f.as_ref()).collect();
    let ok = fix::applicable(text, before, &all, lint);
    drop(all);
    for (slot, ok) in slots.iter_mut().zip(ok) {
        if !ok {
            **slot = None;
        }
    }
}

/// [`keep_fixes_that_apply`] for located findings of the file at `path` (read again: the
/// findings do not keep its text); nothing to do, and nothing read, when no finding has a fix.
fn keep_located_fixes_that_apply(
    path: &Path,
    cwd: &Path,
    cx: &Context,
    policy: impl FnOnce() -> Policy,
    patches: &[PathBuf],
    findings: &mut FileFindings,
) {
    if findings.findings.iter().all(|f| f.fix.is_none()) {
        return;
    }
    let policy = &policy();
    let Ok(bytes) = read_file(path) else { return };
    let Decoded::Text(text) = engine::decode(&bytes) else {
        return;
    };
    let file = file_info(path, patches, cwd);
    let lint = verifying_lint(&file, engine::is_chart_template(path, cwd), cx, policy);
    let before = lint(text);
    let fixes: Vec<diagnostic::Fix> = findings
        .findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .map(|located| diagnostic::Fix {
            applicability: located.applicability,
            message: located.message.clone(),
            edits: located
                .edits
                .iter()
                .map(|e| {
                    diagnostic::Edit::replace(
                        TextRange::new(e.range.start.offset, e.range.end.offset),
                        e.content.clone(),
                    )
                })
                .collect(),
        })
        .collect();
    let ok = fix::applicable(text, &before, &fixes.iter().collect::<Vec<_>>(), &lint);
    let mut ok = ok.into_iter();
    for finding in &mut findings.findings {
        if finding.fix.is_some() && ok.next() == Some(false) {
            finding.fix = None;
        }
    }
}

fn fix_one(
    path: &Path,
    cwd: &Path,
    cx: &Context,
    policy: &Policy,
    patches: &[PathBuf],
    unsafe_fixes: bool,
) -> (FileFindings, Option<FileChange>, Vec<String>, usize) {
    let display = display_path(path, cwd);
    let Ok(bytes) = read_file(path) else {
        return (
            lint_file(path, cx, policy, patches, cwd),
            None,
            Vec::new(),
            0,
        );
    };
    let Decoded::Text(text) = engine::decode(&bytes) else {
        return (
            lint_file(path, cx, policy, patches, cwd),
            None,
            Vec::new(),
            0,
        );
    };
    let file = file_info(path, patches, cwd);
    let outcome = fix_source(
        text,
        &file,
        engine::is_chart_template(path, cwd),
        cx,
        policy,
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
            report::ShownFix {
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
    (remaining, change, failures, outcome.rejected.len())
}

/// Computes the fixes for every manifest under `paths` (writing nothing): the findings that
/// would remain, and each changed file's before and after.
pub fn fix_paths(
    paths: &[PathBuf],
    settings: &Settings,
    unsafe_fixes: bool,
) -> Result<FixRun, RunError> {
    run::in_pool(run::jobs_for(paths, settings.jobs), || {
        // Lint first: the facts of every file are then known, and only files with a fix to
        // offer are read again to be fixed.
        let linted = run::lint_all(paths, settings)?;
        let plan = &linted.plan;
        // What linting reports before fixing, for "Fixed N; M remain" to add up.
        let problems_before = linted.files.iter().map(|f| f.findings.len()).sum::<usize>();
        let results: Vec<_> = plan
            .files
            .par_iter()
            .zip(linted.files.into_par_iter())
            .map(|((p, group), findings)| {
                let offers_fix = findings.findings.iter().any(|f| {
                    f.fix.as_ref().is_some_and(|fix| {
                        unsafe_fixes || fix.applicability == diagnostic::Applicability::Safe
                    })
                });
                if !offers_fix {
                    // Not fixed: what it reports offers only the fixes that would apply.
                    let mut findings = findings;
                    keep_located_fixes_that_apply(
                        p,
                        plan.cwd(),
                        &linted.contexts[*group],
                        || plan.policy(p, *group),
                        &linted.patches,
                        &mut findings,
                    );
                    return (findings, None, Vec::new(), 0);
                }
                fix_one(
                    p,
                    plan.cwd(),
                    &linted.contexts[*group],
                    &plan.policy(p, *group),
                    &linted.patches,
                    unsafe_fixes,
                )
            })
            .collect();
        let mut run = FixRun::default();
        let mut summary = report::FixSummary {
            problems_before,
            ..report::FixSummary::default()
        };
        for (findings, change, failures, rejected) in results {
            run.report.files_checked += 1;
            summary.failures.extend(failures);
            summary.rejected += rejected;
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
        run.report.files_checked += plan.problems.len();
        let problem_findings = plan.problem_findings();
        summary.problems_before += problem_findings
            .iter()
            .map(|f| f.findings.len())
            .sum::<usize>();
        run.report.files.extend(problem_findings);
        run.report.files.sort_by(|a, b| a.path.cmp(&b.path));
        run.report.fix_summary = Some(summary);
        run.thresholds = plan.thresholds.clone();
        run.walk = plan.walk.clone();
        Ok(run)
    })
}

/// Lints (and optionally fixes) text read from stdin as if it were the file `name` (as given:
/// its directory decides the configuration and whether it is a chart template; the working
/// directory without a name).
pub fn lint_stdin(
    bytes: &[u8],
    name: Option<&str>,
    settings: &Settings,
    fix: Option<bool>,
) -> Result<(FileFindings, Option<String>, Severity), RunError> {
    let resolver = Resolver::new(
        settings.config.clone(),
        settings.overrides.clone(),
        cwd(settings)?,
    )?;
    let display = name.map_or_else(
        || "<stdin>".to_owned(),
        |n| display_path(Path::new(n), resolver.cwd()),
    );
    let display = display.as_str();
    let effective = match name {
        Some(n) => resolver.for_file(Path::new(n))?,
        None => resolver.for_dir(Path::new("."))?,
    };
    let policy = effective.policy_for(Path::new(name.unwrap_or(display)), resolver.cwd());
    let chart_template =
        name.is_some_and(|n| engine::is_chart_template(Path::new(n), resolver.cwd()));
    let fail_on = effective.fail_on;
    // Refused as a file would be (binary, UTF-16, not UTF-8): MESH902, nothing to fix.
    let text = match engine::decode(bytes) {
        Decoded::Text(t) => t,
        Decoded::Unreadable(_) => {
            let linted = lint_bytes(
                Path::new(name.unwrap_or(display)),
                resolver.cwd(),
                bytes,
                &Context::default(),
                &policy,
                &[],
                None,
            );
            return Ok((linted.findings, None, fail_on));
        }
    };
    let file = file_info(Path::new(display), &[], resolver.cwd());
    let cx = context_for(
        &effective.options,
        &[context::collect_file_facts(text, display, &file.key)],
        &[],
    );
    Ok(match fix {
        None => {
            let mut outcome =
                engine::lint(text_of(text, &file, chart_template), &cx, &policy, None);
            if outcome.visible.iter().any(|d| d.fix.is_some()) {
                let lint = verifying_lint(&file, chart_template, &cx, &policy);
                keep_fixes_that_apply(
                    text,
                    &lint(text),
                    &lint,
                    outcome.visible.iter_mut().map(|d| &mut d.fix),
                );
            }
            (
                locate(text, &LineIndex::new(text), display, outcome.visible),
                None,
                fail_on,
            )
        }
        Some(unsafe_fixes) => {
            let outcome = fix_source(text, &file, chart_template, &cx, &policy, unsafe_fixes);
            let findings = locate(
                &outcome.text,
                &LineIndex::new(&outcome.text),
                display,
                outcome.lint.diagnostics,
            );
            (findings, Some(outcome.text), fail_on)
        }
    })
}
