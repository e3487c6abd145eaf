//! A run over paths: discover the files and each one's configuration, lint every file once,
//! as soon as it is read, then settle the findings that depend on other files' facts.
//!
//! Some findings depend on facts another file may hold: a `Namespace`'s injection label, a
//! mesh-wide hold or exclusion, a `kustomization.yaml` naming the file as a patch. Reading
//! every file twice (once for the facts, once to lint) would cost a second read of the whole
//! tree, and holding every text until the facts are known would cost its memory. So a file is
//! linted with its own facts only: a finding that needs other files' facts carries its
//! [`Requires`], checked once all files are seen, and a file whose rules read the mesh-wide
//! facts is linted again in the rare case that other files changed them.

use crate::config::{Effective, Policy, Resolver};
use crate::context::{
    collect_file_facts, is_kustomization, may_have_facts, Context, Facts, Verdict,
};
use crate::diagnostic::{Diagnostic, Severity};
use crate::report::FileFindings;
use crate::source::{LineIndex, TextRange};
use crate::{
    context_for, cwd, display_path, is_partial, lint_bytes, lint_file, locate, only_enabled,
    path_key, read_file, rules, source, unreadable, Linted, RunError, Settings, Thresholds,
    WalkStats,
};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A run's files, each with its configuration.
pub(crate) struct Plan {
    pub files: Vec<(PathBuf, usize)>,
    /// Distinct configurations in force.
    pub groups: Vec<Arc<Effective>>,
    pub problems: Vec<source::WalkProblem>,
    /// What the walk found but does not lint, and the named directories with nothing to lint.
    pub walk: WalkStats,
    pub thresholds: Thresholds,
    /// The project roots of the named paths (keys).
    pub roots: Vec<PathBuf>,
    /// Project roots the named paths do not cover: their other files are read for facts.
    pub to_gather: Vec<PathBuf>,
    resolver: Resolver,
}

impl Plan {
    /// The working directory relative paths start from.
    pub fn cwd(&self) -> &Path {
        self.resolver.cwd()
    }

    pub fn policy(&self, path: &Path, group: usize) -> Policy {
        self.groups[group].policy_for(path, self.resolver.cwd())
    }

    /// MESH902 for the walk's problems (unreadable directories, loops).
    pub fn problem_findings(&self) -> Vec<FileFindings> {
        self.problems
            .iter()
            .filter_map(|problem| {
                let policy = self
                    .resolver
                    .for_file(&problem.path)
                    .map(|e| e.policy_for(&problem.path, self.resolver.cwd()))
                    .unwrap_or_default();
                let d = Diagnostic::new(
                    &rules::files::UNREADABLE_FILE,
                    TextRange::empty(0),
                    problem.message.clone(),
                );
                let diags = only_enabled(&policy, vec![d]);
                (!diags.is_empty()).then(|| {
                    locate(
                        "",
                        &LineIndex::new(""),
                        &display_path(&problem.path, self.cwd()),
                        diags,
                    )
                })
            })
            .collect()
    }
}

/// Discovers the files under `paths` and finds each one's configuration.
fn plan(paths: &[PathBuf], settings: &Settings) -> Result<Plan, RunError> {
    let resolver = Resolver::new(
        settings.config.clone(),
        settings.overrides.clone(),
        cwd(settings)?,
    )?;
    let threads = rayon::current_num_threads();
    // Every regular file is collected; which are linted depends on each one's configuration
    // (`include`/`exclude`), looked up here once per directory rather than in the walk.
    let found = source::discover_matching(paths, threads, &|_: &Path| true)?;
    let mut groups: Vec<Arc<Effective>> = Vec::new();
    let inputs = distinct(found.inputs, paths, resolver.cwd());
    let mut assigned = Vec::with_capacity(inputs.len());
    let mut walk = WalkStats::default();
    let mut last: Option<(&Path, usize)> = None;
    for input in &inputs {
        let dir = input.path.parent().unwrap_or(Path::new(""));
        // Inputs are sorted: files of one directory mostly come together.
        let group = match last {
            Some((d, g)) if d.as_os_str() == dir.as_os_str() => g,
            _ => {
                let effective = resolver.for_file(&input.path)?;
                let g = match groups.iter().position(|e| Arc::ptr_eq(e, &effective)) {
                    Some(g) => g,
                    None => {
                        groups.push(effective);
                        groups.len() - 1
                    }
                };
                last = Some((dir, g));
                g
            }
        };
        let effective = &groups[group];
        let linted = if input.explicit {
            !(effective.force_exclude && effective.excludes(&input.path, resolver.cwd()))
        } else {
            effective.walk_keeps(&input.path, resolver.cwd())
        };
        if linted {
            assigned.push((input.path.clone(), group));
        } else if effective.excludes(&input.path, resolver.cwd()) {
            walk.excluded += 1;
        } else {
            walk.not_included += 1;
        }
    }
    walk.empty_dirs = empty_dirs(paths, &assigned, &found.problems);
    // The working directory's threshold (for walk problems); a broken configuration there
    // matters only if it governs a linted file, which reports it above.
    let default = resolver.for_dir(Path::new(".")).map_or(
        settings.overrides.fail_on.unwrap_or(Severity::Warning),
        |e| e.fail_on,
    );
    let mut thresholds = Thresholds {
        by_path: HashMap::new(),
        default,
    };
    for (path, group) in &assigned {
        let fail_on = groups[*group].fail_on;
        if fail_on != thresholds.default {
            thresholds
                .by_path
                .insert(display_path(path, resolver.cwd()), fail_on);
        }
    }
    let mut roots = Vec::new();
    let mut to_gather = Vec::new();
    for p in paths {
        let key = path_key(p, resolver.cwd());
        let root = project_root(
            &key,
            !matches!(settings.config, crate::config::Source::None),
        );
        if root != key && root.is_dir() && !to_gather.contains(&root) {
            to_gather.push(root.clone());
        }
        let dir = if root.is_dir() {
            root
        } else {
            root.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        if !roots.contains(&dir) {
            roots.push(dir);
        }
    }
    Ok(Plan {
        files: assigned,
        groups,
        problems: found.problems,
        walk,
        thresholds,
        roots,
        to_gather,
        resolver,
    })
}

/// The named directories under which nothing is linted and the walk met no problem.
fn empty_dirs(
    paths: &[PathBuf],
    linted: &[(PathBuf, usize)],
    problems: &[source::WalkProblem],
) -> Vec<PathBuf> {
    // Walked paths are the named directory joined with the rest, without a leading `./`.
    let plain = |p: &Path| -> PathBuf {
        p.components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect()
    };
    paths
        .iter()
        .filter(|p| p.is_dir())
        .filter(|dir| {
            let dir = plain(dir);
            !linted.iter().any(|(f, _)| plain(f).starts_with(&dir))
                && !problems.iter().any(|pr| plain(&pr.path).starts_with(&dir))
        })
        .cloned()
        .collect()
}

/// The project a named path (a key) belongs to: the git work tree holding it, else the
/// directory of the closest `.meshlint.yaml` (when configuration is read), else the path
/// itself.
fn project_root(key: &Path, config: bool) -> PathBuf {
    let start = if key.is_dir() {
        Some(key)
    } else {
        key.parent()
    };
    let mut config_dir = None;
    let mut dir = start;
    while let Some(d) = dir {
        if d.join(".git").exists() {
            return d.to_path_buf();
        }
        if config && config_dir.is_none() && d.join(crate::config::FILE_NAME).is_file() {
            config_dir = Some(d.to_path_buf());
        }
        dir = d.parent();
    }
    config_dir.unwrap_or_else(|| key.to_path_buf())
}

/// The facts of the project's files that are not linted (`linted`: keys, sorted), so that
/// linting some files of a project gives the findings linting all of it gives. Only files
/// that may carry facts are parsed, and only their documents that may.
fn gather(plan: &Plan, linted: &[PathBuf]) -> Vec<Facts> {
    if plan.to_gather.is_empty() {
        return Vec::new();
    }
    // A pre-commit run on a few files lints on one thread, but the rest of the project can be
    // large: gather on every core.
    in_pool(0, || {
        let threads = rayon::current_num_threads();
        // Which files count is the configuration's to say, as for a walk of the root.
        let Ok(found) = source::discover_matching(&plan.to_gather, threads, &|_: &Path| true)
        else {
            return Vec::new();
        };
        gather_files(plan, linted, &found.inputs)
    })
}

fn gather_files(plan: &Plan, linted: &[PathBuf], inputs: &[source::Input]) -> Vec<Facts> {
    inputs
        .par_iter()
        .filter_map(|input| {
            let key = path_key(&input.path, plan.cwd());
            if linted.binary_search(&key).is_ok() {
                return None;
            }
            // The project is what linting its root would lint: a configuration's `exclude`
            // (vendored charts, test data) keeps those files' Namespaces and mesh-wide
            // settings out of it, and a template, which is not linted, gives no facts.
            let effective = plan.resolver.for_file(&input.path).ok()?;
            if !effective.walk_keeps(&input.path, plan.cwd())
                || crate::engine::is_chart_template(&input.path, plan.cwd())
            {
                return None;
            }
            let bytes = read_file(&input.path).ok()?;
            let crate::engine::Decoded::Text(text) = crate::engine::decode(&bytes) else {
                return None;
            };
            if !is_kustomization(&key) && !may_have_facts(text) || crate::engine::is_template(text)
            {
                return None;
            }
            let display = display_path(&input.path, plan.cwd());
            let facts = collect_file_facts(text, &display, &key);
            (!facts.is_empty()).then_some(facts)
        })
        .collect()
}

/// The mesh-wide facts the project's files give `path` (a file or directory), as a run over
/// it would see them: for `meshlint config`.
pub(crate) fn project_mesh(
    path: &Path,
    effective: &Effective,
    settings: &Settings,
) -> Result<crate::context::MeshFacts, RunError> {
    let paths = [path.to_path_buf()];
    let plan = plan(&paths, settings)?;
    // The project root when it is above `path`, else `path` itself.
    let dirs = if plan.to_gather.is_empty() {
        paths.to_vec()
    } else {
        plan.to_gather.clone()
    };
    let threads = rayon::current_num_threads();
    let found = source::discover_matching(&dirs, threads, &|_: &Path| true)?;
    let facts = gather_files(&plan, &[], &found.inputs);
    let cx = context_for(&effective.options, &facts, &plan.roots);
    Ok(cx.mesh_for(&path_key(path, plan.cwd())))
}

/// `inputs` (sorted) with each file once: the same file reached through two spellings
/// (`meshlint dir dir/a.yaml`, `meshlint a.yaml ./a.yaml`, an absolute and a relative path) is
/// linted and reported once, under the spelling met first on the command line (a file named
/// on it before one found by walking a directory). The order stays sorted.
fn distinct(inputs: Vec<source::Input>, paths: &[PathBuf], cwd: &Path) -> Vec<source::Input> {
    // One path cannot reach a file twice (discovery removes exact repeats).
    if paths.len() < 2 || inputs.len() < 2 {
        return inputs;
    }
    // The rank of a spelling: its place on the command line; walked files after.
    let named: HashMap<&Path, usize> = paths
        .iter()
        .enumerate()
        .rev()
        .map(|(i, p)| (p.as_path(), i))
        .collect();
    let rank = |p: &Path| named.get(p).copied().unwrap_or(paths.len());
    let mut first: HashMap<PathBuf, usize> = HashMap::with_capacity(inputs.len());
    let mut keep = vec![true; inputs.len()];
    for (i, input) in inputs.iter().enumerate() {
        match first.entry(path_key(&input.path, cwd)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(i);
            }
            std::collections::hash_map::Entry::Occupied(mut o) => {
                let j = *o.get();
                if rank(&input.path) < rank(&inputs[j].path) {
                    keep[j] = false;
                    o.insert(i);
                } else {
                    keep[i] = false;
                }
            }
        }
    }
    inputs
        .into_iter()
        .zip(keep)
        .filter_map(|(input, k)| k.then_some(input))
        .collect()
}

/// Every file linted and settled.
pub(crate) struct Settled {
    pub plan: Plan,
    /// Each file's findings, in the plan's order (files without findings included).
    pub files: Vec<FileFindings>,
    /// Per configuration, the context with every linted file's facts.
    pub contexts: Vec<Context>,
    /// The Kustomize patches named by linted `kustomization.yaml` files, as [`path_key`]s,
    /// sorted.
    pub patches: Vec<PathBuf>,
}

/// Lints every manifest under `paths`: one read and one parse of each file.
pub(crate) fn lint_all(paths: &[PathBuf], settings: &Settings) -> Result<Settled, RunError> {
    let plan = plan(paths, settings)?;
    let unsettled: Vec<Context> = plan
        .groups
        .iter()
        .map(|e| Context {
            deferred: true,
            ..context_for(&e.options, &[], &plan.roots)
        })
        .collect();
    // One entry per file is held until every file is seen: it stays small (most files have
    // no facts and name no patches), so a 100,000-file tree costs a few megabytes here.
    let mut first: Vec<(Linted, Option<Box<Facts>>, Vec<PathBuf>)> = plan
        .files
        .par_iter()
        .map(|(path, group)| {
            let policy = plan.policy(path, *group);
            let mut facts = (Facts::default(), Vec::new());
            let linted = match read_file(path) {
                Ok(bytes) => lint_bytes(
                    path,
                    plan.cwd(),
                    &bytes,
                    &unsettled[*group],
                    &policy,
                    &[],
                    Some(&mut facts),
                ),
                Err(e) => Linted {
                    findings: unreadable(
                        &display_path(path, plan.cwd()),
                        &policy,
                        &format!("cannot read the file: {e}"),
                    ),
                    ..Linted::default()
                },
            };
            let (f, p) = facts;
            let f = (!f.is_empty()).then(|| Box::new(f));
            (linted, f, p)
        })
        .collect();
    let mut linted_keys: Vec<PathBuf> = if plan.to_gather.is_empty() {
        Vec::new()
    } else {
        plan.files
            .iter()
            .map(|(p, _)| path_key(p, plan.cwd()))
            .collect()
    };
    linted_keys.sort_unstable();
    let mut facts = gather(&plan, &linted_keys);
    // A patch named by a kustomization that is not linted is a patch all the same.
    let mut patches: Vec<PathBuf> = facts
        .iter()
        .filter_map(|f| f.file.kustomization.as_ref())
        .flat_map(|k| k.patches.iter().cloned())
        .collect();
    for (_, f, p) in &mut first {
        facts.extend(f.take().map(|f| *f));
        patches.extend(p.drain(..).map(|p| path_key(&p, plan.cwd())));
    }
    // By bytes (the keys are normalised): comparing `Path`s goes component by component.
    patches.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    patches.dedup();
    let contexts: Vec<Context> = plan
        .groups
        .iter()
        .map(|e| context_for(&e.options, &facts, &plan.roots))
        .collect();
    let files = plan
        .files
        .par_iter()
        .zip(first.into_par_iter())
        .map(|((path, group), (linted, _, _))| {
            settle_file(
                path,
                plan.cwd(),
                linted,
                &contexts[*group],
                &patches,
                || plan.policy(path, *group),
            )
        })
        .collect();
    Ok(Settled {
        plan,
        files,
        contexts,
        patches,
    })
}

/// A file's findings once every file's facts are known: those whose requirements fail are
/// dropped; a file whose rules saw other mesh-wide facts than the run's is linted again. (A
/// suppression that hid a dropped finding stays used: see `Collector::document`.)
fn settle_file(
    path: &Path,
    cwd: &Path,
    linted: Linted,
    cx: &Context,
    patches: &[PathBuf],
    policy: impl FnOnce() -> Policy,
) -> FileFindings {
    let is_patch = || is_partial(path, patches, cwd);
    let needs_patch = linted.requires.iter().any(|(_, r)| r.whole_object);
    let patch = needs_patch && is_patch();
    let key = crate::path_key(path, cwd);
    let stale = linted
        .mesh_seen
        .as_ref()
        .is_some_and(|seen| **seen != cx.mesh_for(&key));
    if stale {
        return lint_file(path, cx, &policy(), patches, cwd);
    }
    let mut findings = linted.findings;
    if linted.requires.is_empty() {
        return findings;
    }
    let mut dropped = vec![false; findings.findings.len()];
    let at = cx.settling(&key, patch);
    // The first finding judged against data newer than the target, and the codes left out.
    let mut old: Option<(usize, String, Vec<&str>, usize)> = None;
    for (i, r) in &linted.requires {
        match cx.verdict_in(r, &at) {
            Verdict::Keep => {}
            Verdict::Drop => dropped[*i] = true,
            Verdict::OldTarget(target) => {
                let code = findings.findings[*i].code;
                match &mut old {
                    Some((_, _, codes, count)) => {
                        if !codes.contains(&code) {
                            codes.push(code);
                        }
                        *count += 1;
                        dropped[*i] = true;
                    }
                    None => old = Some((*i, target, vec![code], 1)),
                }
            }
            Verdict::Note(note) => findings.findings[*i].message.push_str(&note),
            Verdict::Judged { minor, note } => {
                Verdict::restate(&mut findings.findings[*i].message, minor, &note);
            }
            Verdict::Assumed(why) => {
                let f = &mut findings.findings[*i];
                f.severity = crate::diagnostic::Severity::Info;
                f.assumed = true;
                f.message.push_str(&crate::context::assumed_note(&why));
            }
        }
    }
    if let Some((at, target, codes, count)) = old {
        let f = &mut findings.findings[at];
        f.severity = crate::diagnostic::Severity::Info;
        f.message = crate::engine::old_target_note(&target, count, &codes);
        f.fix = None;
    }
    let mut i = 0;
    findings.findings.retain(|_| {
        i += 1;
        !dropped[i - 1]
    });
    findings
}

pub(crate) fn in_pool<T: Send>(jobs: usize, run: impl FnOnce() -> T + Send) -> T {
    // One thread: this one. Starting worker threads costs a pre-commit run on one small file
    // more than linting it (about 1 ms).
    let builder = rayon::ThreadPoolBuilder::new().num_threads(jobs);
    let builder = if jobs == 1 {
        builder.use_current_thread()
    } else {
        builder
    };
    match builder.build() {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    }
}

/// Worker threads for a run: one when every path is a file and together they are small (a
/// pre-commit hook's few staged files), else what the user asked for (0: one per core).
pub(crate) fn jobs_for(paths: &[PathBuf], jobs: usize) -> usize {
    const SMALL: u64 = 512 * 1024;
    let mut total = 0u64;
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_file() => total += m.len(),
            _ => return jobs,
        }
        if total > SMALL {
            return jobs;
        }
    }
    1
}
