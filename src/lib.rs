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
use report::{FileFindings, Finding, LocatedEdit, LocatedFix, Position, Report, Snippet, Span};
use rules::{FileInfo, RuleSelector};
use source::{LineIndex, TextRange};
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
    engine::lint_parsed(
        text,
        docs,
        &file,
        &cx,
        &Policy::from_selector(selector.clone()),
    )
    .visible
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
    Ok(effective.render(resolver.cwd()))
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

/// `p` without `.` components, and with `..` applied where the parent is written (`a/../b` is
/// `b`; a leading `..` stays).
pub(crate) fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                // Above the root is the root.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other),
        }
    }
    out
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

/// The excerpt kept for a finding: its lines, or on a very long line (a megabyte annotation
/// value with thousands of findings) a window around the finding's start, so each finding
/// costs a bounded size whatever the line length.
fn snippet_bounds(
    text: &str,
    from: usize,
    to: usize,
    first_line: &std::ops::Range<usize>,
    start: u32,
) -> (usize, usize) {
    const MAX: usize = 4096;
    // Windows are cut at fixed blocks of the line, so that the findings near one another share
    // one window (and its text): the block of the start, with one block on either side.
    const BLOCK: usize = 64;
    if to - from <= MAX {
        return (from, to);
    }
    let start = (start as usize).clamp(first_line.start, first_line.end);
    let block = first_line.start + (start - first_line.start) / BLOCK * BLOCK;
    let mut a = block.saturating_sub(BLOCK).max(first_line.start);
    let mut b = (block + 2 * BLOCK).min(first_line.end);
    while !text.is_char_boundary(a) {
        a -= 1;
    }
    while !text.is_char_boundary(b) {
        b += 1;
    }
    (a, b)
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
    let mut shared: Option<((usize, usize), std::sync::Arc<str>)> = None;
    let findings = diags
        .into_iter()
        .map(|d| {
            let s = span(d.range);
            let first = index.line_range(text, s.start.line);
            let last = index.line_range(text, s.end.line.min(s.start.line + 8));
            let (from, to) = snippet_bounds(
                text,
                first.start,
                last.end.max(first.start),
                &first,
                s.start.offset,
            );
            let excerpt = match &shared {
                Some((bounds, excerpt)) if *bounds == (from, to) => excerpt.clone(),
                _ => {
                    let excerpt: std::sync::Arc<str> = text[from..to].into();
                    shared = Some(((from, to), excerpt.clone()));
                    excerpt
                }
            };
            let snippet = Snippet {
                first_line: s.start.line,
                offset: from as u32,
                text: excerpt,
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
                assumed: d.assumed,
            }
        })
        .collect();
    FileFindings {
        path: path.to_owned(),
        findings,
    }
}

/// Display form of a path (relative to the working directory): a path inside
/// `cwd`, however it was written (absolute, `./a`, `.//a`, `x/../a`), relative to it; any other
/// path as given, without redundant `.` and `/`. Forward slashes.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    let text = path.to_string_lossy();
    // Nearly every path is walked or given plainly (`deploy/app.yaml`): kept as is.
    let plain = path.is_relative()
        && !text.is_empty()
        && path
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
        && !text.contains("//")
        && !text.ends_with('/');
    let shown = if plain {
        text.into_owned()
    } else {
        let abs = config::glob::absolute(path, cwd);
        match abs.strip_prefix(config::glob::absolute(cwd, Path::new("/"))) {
            Ok(rel) if !rel.as_os_str().is_empty() => rel.to_string_lossy().into_owned(),
            // Outside the working directory: as given, without redundant `.` and `/` (a run
            // over an absolute path asks this for every file: rebuild only what needs it).
            _ if config::glob::is_normal(path) => text.into_owned(),
            _ => normalize(path).to_string_lossy().into_owned(),
        }
    };
    if cfg!(windows) {
        shown.replace('\\', "/")
    } else {
        shown
    }
}

/// The key that tells whether two spellings name the same file: the path made absolute against
/// `cwd` and normalised lexically (symbolic links are not followed).
pub(crate) fn path_key(path: &Path, cwd: &Path) -> PathBuf {
    config::glob::absolute(path, cwd)
}

/// Reads a file's bytes, refusing anything but a regular file (a FIFO must never block).
///
/// The type and size are checked on the opened file itself, so that nothing can swap the file
/// between the check and the read, and no separate `stat` per file is needed.
pub fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut file = open_for_reading(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(std::io::Error::other("it is a directory"));
    }
    if !meta.is_file() {
        return Err(std::io::Error::other("it is not a regular file"));
    }
    // Offsets are u32 and the engine refuses texts over 2 GiB: never read one into memory.
    if meta.len() > u64::from(u32::MAX / 2) {
        return Err(std::io::Error::other("it is larger than 2 GiB"));
    }
    // One read into a buffer of the file's size (and one more to see its end): neither
    // `File::read_to_end`, which asks the file its size and position again (a statx and an
    // lseek per file), nor a generic reader's growing chunks (seven reads for 2 MB).
    let mut bytes = vec![0; meta.len() as usize + 1];
    let mut filled = 0;
    while filled < bytes.len() {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if filled == bytes.len() {
        // It grew since it was opened: read the rest, within the limit.
        let limit = u64::from(u32::MAX / 2) + 1 - filled as u64;
        bytes.truncate(filled);
        file.take(limit).read_to_end(&mut bytes)?;
        if bytes.len() > (u32::MAX / 2) as usize {
            return Err(std::io::Error::other("it is larger than 2 GiB"));
        }
    } else {
        bytes.truncate(filled);
    }
    Ok(bytes)
}

/// Opens `path` for reading without waiting: opening a FIFO for reading blocks until a writer
/// comes, unless non-blocking (regular files ignore the flag).
#[cfg(unix)]
fn open_for_reading(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

/// Elsewhere a FIFO cannot be named like a file: check the type first.
#[cfg(not(unix))]
fn open_for_reading(path: &Path) -> std::io::Result<std::fs::File> {
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(std::io::Error::other("it is a directory"));
    }
    if !meta.is_file() {
        return Err(std::io::Error::other("it is not a regular file"));
    }
    std::fs::File::open(path)
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
    /// The requirements of findings a suppression hid: should one fail, the suppression may
    /// have nothing left to suppress (MESH903), so the file is linted again.
    pub(crate) suppressed: Vec<Requires>,
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
    // its rules read, `run::settle` lints it again once every file is seen.
    let mut outcome = match facts {
        Some(slot) => {
            let mut sink = FactSink::for_file(text, &display, &file.key);
            let outcome =
                engine::lint_collecting(text, &file, chart_template, cx, policy, Some(&mut sink));
            if let Some(k) = &sink.facts.file.kustomization {
                slot.1.clone_from(&k.patches);
            }
            slot.0 = sink.facts;
            outcome
        }
        None => engine::lint_with_policy(text, &file, chart_template, cx, policy),
    };
    let requires = outcome
        .visible
        .iter_mut()
        .enumerate()
        .filter_map(|(i, d)| d.requires.take().map(|r| (i, r)))
        .collect();
    let suppressed = if outcome.has_suppressions {
        outcome
            .hidden
            .iter_mut()
            .filter_map(|d| d.requires.take().map(|r| *r))
            .collect()
    } else {
        Vec::new()
    };
    // Most files have no finding: no line index then.
    let index = LineIndex::new(if outcome.visible.is_empty() { "" } else { text });
    Linted {
        findings: locate(text, &index, &display, outcome.visible),
        requires,
        suppressed,
        mesh_seen: outcome.read_mesh.then(|| Box::new(cx.mesh_for(&file.key))),
    }
}

/// Keeps the diagnostics `policy` enables (for files that are not linted: MESH902).
pub(crate) fn only_enabled(policy: &Policy, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diags
        .into_iter()
        .filter(|d| rules::find(d.code).map_or(true, |m| policy.enabled_in(m, &[])))
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
    pub applied: Vec<report::AppliedFix>,
}

/// The outcome of fixing: the report of what remains, the changes, and problems met.
#[derive(Debug, Default)]
pub struct FixRun {
    pub report: Report,
    pub changes: Vec<FileChange>,
    pub thresholds: Thresholds,
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
    let mut reported = engine::lint_with_policy(&outcome.text, file, chart_template, cx, policy);
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

/// The lint the fixer verifies with: every finding, reported or not, at no less than its
/// default severity (see [`fix_source`]).
fn verifying_lint<'a>(
    file: &'a FileInfo,
    chart_template: bool,
    cx: &'a Context,
    policy: &'a Policy,
) -> impl Fn(&str) -> fix::LintResult + 'a {
    move |t: &str| {
        let outcome = engine::lint_with_policy(t, file, chart_template, cx, policy);
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
        let mut summary = report::FixSummary::default();
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
        run.report.files.extend(plan.problem_findings());
        run.report.files.sort_by(|a, b| a.path.cmp(&b.path));
        run.report.fix_summary = Some(summary);
        run.thresholds = plan.thresholds.clone();
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
            let mut outcome = engine::lint_with_policy(text, &file, chart_template, &cx, &policy);
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
