//! Configuration: `.meshlint.yaml` files, their discovery, and what they decide per file.
//!
//! A [`Config`] is one configuration file with everything it `extend`s folded in ([`load`]).
//! The closest `.meshlint.yaml` to a linted file wins: the search goes up from the file's
//! directory and stops at the repository root (a directory holding `.git`), or the file system
//! root ([`Resolver`]). `--config FILE` forces one file for every path and `--no-config`
//! ignores configuration files altogether; command-line flags ([`Overrides`]) win over either.
//! The result for a file is an [`Effective`] configuration: the options rules see, the rule
//! selection, and the [`Policy`] the engine applies after the rules ran (per-file and
//! per-resource ignores, severity overrides).
//!
//! Suppression comments and the `meshlint.io/ignore` annotation live in the linted files, not
//! in configuration, and apply even with `--no-config`; see [`suppression`].
//!
//! The file is read with the project's own YAML layer, so that every error — unknown key (with a
//! did-you-mean), wrong type, unknown rule, bad glob — carries its line and column.

pub mod glob;
mod parse;
pub mod suppression;

use crate::context::versions::{Sourced, Version};
use crate::context::{LintOptions, MeshFacts, Profile, VaultOptions};
use crate::diagnostic::{RuleMeta, Severity};
use crate::k8s::InjectionMode;
use crate::rules::RuleSelector;
use glob::{absolute, PathPattern, ResourcePattern};
use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

pub use parse::KEYS;

/// The configuration file's name.
pub const FILE_NAME: &str = ".meshlint.yaml";

/// A configuration problem: exit code 2, printed as `path:line:col: message`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The file, as displayed (relative to the working directory when below it).
    pub path: String,
    /// 1-based line and column, when the problem has a place in the file.
    pub position: Option<(u32, u32)>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// Codes (or names, or prefixes) attached to a pattern.
pub type Codes = Vec<String>;

/// One configuration file with what it extends folded in. `None` means "not set here".
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The file itself, then each file it extends, in order (absolute paths).
    pub chain: Vec<PathBuf>,
    pub profile: Option<Profile>,
    pub select: Option<Codes>,
    pub ignore: Option<Codes>,
    /// Globs relative to the directory of the file that wrote them.
    pub per_file_ignores: Vec<(PathPattern, Codes)>,
    pub per_resource_ignores: Vec<(ResourcePattern, Codes)>,
    /// Severity overrides by rule.
    pub severity: Vec<(&'static RuleMeta, Severity)>,
    pub include: Option<Vec<PathPattern>>,
    pub exclude: Option<Vec<PathPattern>>,
    pub force_exclude: Option<bool>,
    pub fail_on: Option<Severity>,
    pub injection: Option<InjectionMode>,
    /// `mesh-config`: files whose mesh-wide settings apply to the whole project (absolute).
    pub mesh_config: Option<Vec<PathBuf>>,
    /// Labels of namespaces not described by the linted files.
    pub namespaces: Vec<(String, Vec<(String, String)>)>,
    pub native_sidecars: Option<bool>,
    /// `istio-version` and `kubernetes-version`, with the file that set them.
    pub istio_version: Option<Sourced>,
    pub kubernetes_version: Option<Sourced>,
    pub vault: Option<VaultOptions>,
}

impl Config {
    /// Folds `parent` (an extended file) under `self`: a key set here wins; the maps
    /// (`per-file-ignores`, `per-resource-ignores`, `severity`, `namespaces`) are merged, this
    /// file's entries first and winning for the same rule or namespace.
    fn extend_from(&mut self, parent: Config) {
        fn keep<T>(slot: &mut Option<T>, parent: Option<T>) {
            if slot.is_none() {
                *slot = parent;
            }
        }
        self.chain.extend(parent.chain);
        keep(&mut self.profile, parent.profile);
        keep(&mut self.select, parent.select);
        keep(&mut self.ignore, parent.ignore);
        self.per_file_ignores.extend(parent.per_file_ignores);
        self.per_resource_ignores
            .extend(parent.per_resource_ignores);
        for (rule, sev) in parent.severity {
            if !self.severity.iter().any(|(r, _)| r.code == rule.code) {
                self.severity.push((rule, sev));
            }
        }
        keep(&mut self.include, parent.include);
        keep(&mut self.exclude, parent.exclude);
        keep(&mut self.force_exclude, parent.force_exclude);
        keep(&mut self.fail_on, parent.fail_on);
        keep(&mut self.injection, parent.injection);
        keep(&mut self.mesh_config, parent.mesh_config);
        for (name, labels) in parent.namespaces {
            if !self.namespaces.iter().any(|(n, _)| *n == name) {
                self.namespaces.push((name, labels));
            }
        }
        keep(&mut self.native_sidecars, parent.native_sidecars);
        keep(&mut self.istio_version, parent.istio_version);
        keep(&mut self.kubernetes_version, parent.kubernetes_version);
        keep(&mut self.vault, parent.vault);
    }
}

/// Loads the configuration file `path` (absolute) and everything it extends. `cwd` is only
/// used to display paths in errors.
pub fn load(path: &Path, cwd: &Path) -> Result<Config, ConfigError> {
    load_chain(path, cwd, &mut Vec::new(), None)
}

fn load_chain(
    path: &Path,
    cwd: &Path,
    stack: &mut Vec<PathBuf>,
    referrer: Option<&ConfigError>,
) -> Result<Config, ConfigError> {
    let display = display_path(path, cwd);
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| ConfigError {
            path: display.clone(),
            position: None,
            message: "the configuration file is not valid UTF-8".into(),
        })?,
        Err(e) => {
            // A missing extended file is reported where `extend` names it.
            return Err(match referrer {
                Some(at) => ConfigError {
                    message: format!("cannot read `{display}`: {e}"),
                    ..at.clone()
                },
                None => ConfigError {
                    path: display,
                    position: None,
                    message: format!("cannot read the configuration file: {e}"),
                },
            });
        }
    };
    let dir = path.parent().unwrap_or(Path::new("/"));
    let parsed = parse::parse(&text, &display, dir)?;
    let mut config = parsed.config;
    config.chain.insert(0, path.to_path_buf());
    if let Some((target, at)) = parsed.extend {
        let target = absolute(Path::new(&target), dir);
        stack.push(path.to_path_buf());
        if stack.contains(&target) {
            let cycle: Vec<String> = stack
                .iter()
                .chain([&target])
                .map(|p| display_path(p, cwd))
                .collect();
            return Err(ConfigError {
                message: format!("`extend` makes a cycle: {}", cycle.join(" -> ")),
                ..at
            });
        }
        let parent = load_chain(&target, cwd, stack, Some(&at))?;
        stack.pop();
        config.extend_from(parent);
    }
    Ok(config)
}

/// A path for messages: relative to `cwd` when below it, else as is.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    match path.strip_prefix(cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_string_lossy().replace('\\', "/"),
        _ => path.to_string_lossy().into_owned(),
    }
}

/// Settings given on the command line; they win over configuration files.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub profile: Option<Profile>,
    /// `--select`: replaces the configuration's `select` and `ignore`.
    pub select: Option<Codes>,
    /// `--ignore`: added to the configuration's `ignore`.
    pub ignore: Codes,
    pub fail_on: Option<Severity>,
    pub native_sidecars: Option<bool>,
    /// `--istio-version`, `--kubernetes-version`.
    pub istio_version: Option<Version>,
    pub kubernetes_version: Option<Version>,
    pub injection: Option<InjectionMode>,
    pub vault_ports: Option<Vec<u16>>,
    pub vault_addresses: Option<Vec<ipnet::IpNet>>,
    pub force_exclude: Option<bool>,
}

/// What the engine applies to one file's findings after the rules ran.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// `select`/`ignore`, with this file's `per-file-ignores` added to `ignore`.
    pub selector: RuleSelector,
    pub resource_ignores: Arc<[(ResourcePattern, Codes)]>,
    pub severity: Arc<[(&'static str, Severity)]>,
}

impl Policy {
    /// A policy that only selects rules.
    pub fn from_selector(selector: RuleSelector) -> Self {
        Self {
            selector,
            ..Self::default()
        }
    }

    /// Whether `rule` is enabled for a finding in a resource `(kind, namespace, name)`.
    pub fn enabled_in(&self, rule: &RuleMeta, resources: &[(&str, &str, &str)]) -> bool {
        self.selector.enabled(rule)
            && !resources.iter().any(|(kind, ns, name)| {
                self.resource_ignores.iter().any(|(pattern, codes)| {
                    pattern.matches(kind, ns, name) && codes.iter().any(|c| code_matches(c, rule))
                })
            })
    }

    /// The severity of `rule`'s findings for this file.
    pub fn severity_of(&self, code: &str, default: Severity) -> Severity {
        self.severity
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(default, |(_, s)| *s)
    }
}

/// Whether a code, name or prefix (as accepted by `--select`) names `rule`.
pub fn code_matches(pattern: &str, rule: &RuleMeta) -> bool {
    RuleSelector {
        select: vec![pattern.to_owned()],
        ignore: Vec::new(),
    }
    .enabled(rule)
}

/// Whether a code, name or prefix names at least one rule.
pub fn is_known_code(pattern: &str) -> bool {
    crate::rules::all().any(|m| code_matches(pattern, m))
}

/// The configuration in force for some files: a configuration file (or none) with the
/// command-line overrides applied.
#[derive(Debug)]
pub struct Effective {
    /// The configuration file and what it extends, closest first; empty without one.
    pub chain: Vec<PathBuf>,
    pub options: LintOptions,
    pub selector: RuleSelector,
    pub fail_on: Severity,
    pub severity: Arc<[(&'static str, Severity)]>,
    pub per_file_ignores: Vec<(PathPattern, Codes)>,
    pub per_resource_ignores: Arc<[(ResourcePattern, Codes)]>,
    pub include: Option<Vec<PathPattern>>,
    pub exclude: Vec<PathPattern>,
    pub force_exclude: bool,
}

impl Effective {
    /// `config` (if any) under the command line's `overrides`.
    pub fn new(config: Option<Config>, overrides: &Overrides) -> Self {
        let c = config.unwrap_or_default();
        let (select, ignore) = if let Some(select) = &overrides.select {
            (select.clone(), overrides.ignore.clone())
        } else {
            let mut ignore = c.ignore.clone().unwrap_or_default();
            ignore.extend(overrides.ignore.iter().cloned());
            (c.select.clone().unwrap_or_default(), ignore)
        };
        let mut vault = c.vault.clone().unwrap_or_default();
        if let Some(ports) = &overrides.vault_ports {
            vault.ports.clone_from(ports);
        }
        if let Some(addresses) = &overrides.vault_addresses {
            vault.addresses.clone_from(addresses);
        }
        let options = LintOptions {
            profile: overrides.profile.or(c.profile).unwrap_or_default(),
            native_sidecars: overrides.native_sidecars.or(c.native_sidecars),
            istio_version: flag_version(overrides.istio_version, "--istio-version")
                .or_else(|| c.istio_version.clone()),
            kubernetes_version: flag_version(overrides.kubernetes_version, "--kubernetes-version")
                .or_else(|| c.kubernetes_version.clone()),
            injection: overrides.injection.or(c.injection).unwrap_or_default(),
            mesh_config: c.mesh_config.clone().unwrap_or_default(),
            vault,
            namespaces: c.namespaces.iter().cloned().collect(),
        };
        Self {
            chain: c.chain,
            options,
            selector: RuleSelector { select, ignore },
            fail_on: overrides.fail_on.or(c.fail_on).unwrap_or(Severity::Warning),
            severity: c.severity.iter().map(|(m, s)| (m.code, *s)).collect(),
            per_file_ignores: c.per_file_ignores,
            per_resource_ignores: c.per_resource_ignores.into(),
            include: c.include,
            exclude: c.exclude.unwrap_or_default(),
            force_exclude: overrides.force_exclude.or(c.force_exclude).unwrap_or(false),
        }
    }

    /// The policy for the file `path` (as given, relative to `cwd`).
    pub fn policy_for(&self, path: &Path, cwd: &Path) -> Policy {
        let mut selector = self.selector.clone();
        // Most runs have no per-file ignores: then the absolute path is not needed.
        if !self.per_file_ignores.is_empty() {
            let abs = absolute(path, cwd);
            for (pattern, codes) in &self.per_file_ignores {
                if pattern.matches_file_or_dir(&abs) {
                    selector.ignore.extend(codes.iter().cloned());
                }
            }
        }
        Policy {
            selector,
            resource_ignores: Arc::clone(&self.per_resource_ignores),
            severity: Arc::clone(&self.severity),
        }
    }

    /// Whether `exclude` names the file `path` (as given, relative to `cwd`) or a directory
    /// on its way.
    pub fn excludes(&self, path: &Path, cwd: &Path) -> bool {
        if self.exclude.is_empty() {
            return false;
        }
        let abs = absolute(path, cwd);
        self.exclude.iter().any(|p| p.matches_file_or_dir(&abs))
    }

    /// Whether a file met while walking a directory is linted: `include` (by default `*.yaml`,
    /// `*.yml`, `*.json`) and not `exclude`. `path` is as given, relative to `cwd`.
    pub fn walk_keeps(&self, path: &Path, cwd: &Path) -> bool {
        let included = match &self.include {
            Some(patterns) => {
                let abs = absolute(path, cwd);
                patterns.iter().any(|p| p.matches_file(&abs))
            }
            None => crate::source::is_manifest_name(path),
        };
        included && !self.excludes(path, cwd)
    }

    /// The effective configuration as YAML, for `meshlint config` (`cwd` for paths).
    /// `mesh` is what the project's files say where the configuration applies (the versions
    /// they show, a mesh-wide `ENABLE_NATIVE_SIDECARS`).
    pub fn render(&self, cwd: &Path, mesh: &MeshFacts) -> String {
        let mut out = String::new();
        match self.chain.split_first() {
            None => out.push_str("# no configuration file: defaults and command-line flags\n"),
            Some((first, rest)) => {
                let _ = writeln!(out, "# from {}", display_path(first, cwd));
                for p in rest {
                    let _ = writeln!(out, "#   extends {}", display_path(p, cwd));
                }
            }
        }
        let list = |items: &[String]| {
            let quoted: Vec<String> = items.iter().map(|s| yaml_str(s)).collect();
            format!("[{}]", quoted.join(", "))
        };
        let o = &self.options;
        let _ = writeln!(out, "profile: {}", o.profile.as_str());
        let _ = writeln!(out, "select: {}", list(&self.selector.select));
        let _ = writeln!(out, "ignore: {}", list(&self.selector.ignore));
        let base_note = |base: &Path| {
            if self.chain.first().and_then(|f| f.parent()) == Some(base) {
                String::new()
            } else {
                format!("  # relative to {}", display_path(base, cwd))
            }
        };
        if self.per_file_ignores.is_empty() {
            out.push_str("per-file-ignores: {}\n");
        } else {
            out.push_str("per-file-ignores:\n");
            for (p, codes) in &self.per_file_ignores {
                let _ = writeln!(
                    out,
                    "  {}: {}{}",
                    yaml_str(&p.text),
                    list(codes),
                    base_note(&p.base)
                );
            }
        }
        if self.per_resource_ignores.is_empty() {
            out.push_str("per-resource-ignores: {}\n");
        } else {
            out.push_str("per-resource-ignores:\n");
            for (p, codes) in self.per_resource_ignores.iter() {
                let _ = writeln!(out, "  {}: {}", yaml_str(&p.text), list(codes));
            }
        }
        if self.severity.is_empty() {
            out.push_str("severity: {}\n");
        } else {
            out.push_str("severity:\n");
            for (code, sev) in self.severity.iter() {
                let _ = writeln!(out, "  {code}: {sev}");
            }
        }
        let patterns = |ps: &[PathPattern]| {
            let texts: Vec<String> = ps.iter().map(|p| p.text.clone()).collect();
            list(&texts)
        };
        match &self.include {
            Some(ps) => {
                let _ = writeln!(out, "include: {}", patterns(ps));
            }
            None => out.push_str("include: [\"*.yaml\", \"*.yml\", \"*.json\"]\n"),
        }
        let _ = writeln!(out, "exclude: {}", patterns(&self.exclude));
        let _ = writeln!(out, "force-exclude: {}", self.force_exclude);
        let _ = writeln!(out, "fail-on: {}", self.fail_on);
        let _ = writeln!(out, "injection: {}", o.injection.as_str());
        let mesh_config: Vec<String> = o
            .mesh_config
            .iter()
            .map(|p| crate::display_path(p, cwd))
            .collect();
        let _ = writeln!(out, "mesh-config: {}", list(&mesh_config));
        render_namespaces(&mut out, o);
        render_mesh(&mut out, o, mesh, cwd);
        let ports: Vec<String> = o.vault.ports.iter().map(u16::to_string).collect();
        let addresses: Vec<String> = o.vault.addresses.iter().map(ToString::to_string).collect();
        out.push_str("vault:\n");
        let _ = writeln!(out, "  ports: [{}]", ports.join(", "));
        let _ = writeln!(out, "  addresses: {}", list(&addresses));
        out
    }
}

/// The `namespaces:` section of [`Effective::render`].
fn render_namespaces(out: &mut String, o: &crate::context::LintOptions) {
    let mut names: Vec<_> = o.namespaces.iter().collect();
    names.sort();
    if names.is_empty() {
        out.push_str("namespaces: {}\n");
    } else {
        out.push_str("namespaces:\n");
        for (name, labels) in names {
            let _ = writeln!(out, "  {}:", yaml_str(name));
            if labels.is_empty() {
                out.push_str("    labels: {}\n");
            } else {
                out.push_str("    labels:\n");
                for (k, v) in labels {
                    let _ = writeln!(out, "      {}: {}", yaml_str(k), yaml_str(v));
                }
            }
        }
    }
}

/// The versions and the native-sidecar mode of [`Effective::render`], with where each came from.
fn render_mesh(out: &mut String, o: &crate::context::LintOptions, mesh: &MeshFacts, cwd: &Path) {
    let istio = o.istio_version.as_ref().or(mesh.istio_version.as_ref());
    for (key, version, inferred) in [
        ("istio-version", istio, o.istio_version.is_none()),
        ("kubernetes-version", o.kubernetes_version.as_ref(), false),
    ] {
        let _ = match version {
            Some(v) => writeln!(
                out,
                "{key}: \"{}\"  # {} {}",
                v.value,
                if inferred { "inferred from" } else { "from" },
                display_origin(&v.origin, cwd)
            ),
            None => writeln!(out, "{key}: unknown"),
        };
    }
    if let Some(on) = o.native_sidecars {
        let _ = writeln!(out, "native-sidecars: {on}");
    } else {
        let native = crate::context::native_sidecars(o, mesh);
        let why = match &mesh.native_sidecars {
            Some(env) => format!(
                "mesh-wide ENABLE_NATIVE_SIDECARS \"{}\" at {}",
                env.value,
                display_origin(&env.origin, cwd)
            ),
            None if native => "Istio >= 1.27 on Kubernetes >= 1.33".to_owned(),
            None => "Istio >= 1.27 and Kubernetes >= 1.33 are not both known".to_owned(),
        };
        let on = if native { "on" } else { "off" };
        let _ = writeln!(out, "native-sidecars: auto  # {on}: {why}");
    }
}

/// A version given on the command line, with its flag as the origin.
fn flag_version(v: Option<Version>, flag: &str) -> Option<Sourced> {
    v.map(|value| Sourced {
        value,
        origin: flag.to_owned(),
    })
}

/// An origin for `meshlint config`: a configuration file's path relative to `cwd`.
fn display_origin(origin: &str, cwd: &Path) -> String {
    let p = Path::new(origin);
    if p.is_absolute() {
        display_path(p, cwd)
    } else {
        origin.to_owned()
    }
}

/// A string as a YAML scalar: plain when that reads back as the same string, else quoted.
fn yaml_str(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && crate::yaml::resolve::resolve_scalar(s, crate::yaml::ScalarStyle::Plain, None)
            == crate::yaml::resolve::ScalarType::Str;
    if plain {
        s.to_owned()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
    }
}

/// Where configuration comes from in a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Source {
    /// The closest `.meshlint.yaml` to each file (the default).
    #[default]
    Discover,
    /// `--config FILE` for every file.
    File(PathBuf),
    /// `--no-config`.
    None,
}

/// Finds and caches the configuration in force for each path of a run, once per directory.
/// Safe to share between threads.
#[derive(Debug)]
pub struct Resolver {
    source: Source,
    overrides: Overrides,
    cwd: PathBuf,
    /// Directory → the configuration file that governs it (`None`: none). Keyed by the bytes
    /// of the (normalised) path: hashing and comparing a `Path` goes component by component,
    /// which costs more than the lookup is worth here.
    dirs: Mutex<HashMap<OsString, Option<PathBuf>>>,
    /// Configuration file → its effective configuration.
    loaded: Mutex<HashMap<PathBuf, Arc<Effective>>>,
    /// Directory as given (relative to `cwd` or absolute) → its configuration: the walk and
    /// the run ask about every file, and files share few directories.
    by_dir: Mutex<HashMap<OsString, Arc<Effective>>>,
    /// For `--no-config`, `--config`, and directories without a configuration file.
    fixed: Arc<Effective>,
}

impl Resolver {
    /// A resolver for a run in `cwd`. `--config FILE` is read (and checked) right away.
    pub fn new(source: Source, overrides: Overrides, cwd: PathBuf) -> Result<Self, ConfigError> {
        let fixed = match &source {
            Source::File(path) => {
                let abs = absolute(path, &cwd);
                if !abs.is_file() {
                    return Err(ConfigError {
                        path: path.display().to_string(),
                        position: None,
                        message: "configuration file not found".into(),
                    });
                }
                Effective::new(Some(load(&abs, &cwd)?), &overrides)
            }
            Source::Discover | Source::None => Effective::new(None, &overrides),
        };
        Ok(Self {
            source,
            overrides,
            cwd,
            dirs: Mutex::default(),
            loaded: Mutex::default(),
            by_dir: Mutex::default(),
            fixed: Arc::new(fixed),
        })
    }

    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// `path` (as given, relative to the working directory) made absolute.
    pub fn absolute(&self, path: &Path) -> PathBuf {
        absolute(path, &self.cwd)
    }

    /// The configuration for the file `path` (as given or walked).
    pub fn for_file(&self, path: &Path) -> Result<Arc<Effective>, ConfigError> {
        if self.source != Source::Discover {
            return Ok(Arc::clone(&self.fixed));
        }
        let dir = path.parent().unwrap_or(Path::new(""));
        if let Some(e) = lock(&self.by_dir).get(dir.as_os_str()) {
            return Ok(Arc::clone(e));
        }
        let abs = self.absolute(path);
        let effective = self.for_dir_abs(abs.parent().unwrap_or(Path::new("/")))?;
        lock(&self.by_dir).insert(dir.as_os_str().to_owned(), Arc::clone(&effective));
        Ok(effective)
    }

    /// The configuration for files in the directory `dir` (as given).
    pub fn for_dir(&self, dir: &Path) -> Result<Arc<Effective>, ConfigError> {
        let abs = self.absolute(dir);
        self.for_dir_abs(&abs)
    }

    fn for_dir_abs(&self, dir: &Path) -> Result<Arc<Effective>, ConfigError> {
        if self.source != Source::Discover {
            return Ok(Arc::clone(&self.fixed));
        }
        let Some(file) = self.closest(dir) else {
            return Ok(Arc::clone(&self.fixed));
        };
        if let Some(e) = lock(&self.loaded).get(&file) {
            return Ok(Arc::clone(e));
        }
        let effective = Arc::new(Effective::new(
            Some(load(&file, &self.cwd)?),
            &self.overrides,
        ));
        Ok(Arc::clone(
            lock(&self.loaded).entry(file).or_insert(effective),
        ))
    }

    /// The closest configuration file at or above `dir`, stopping at a repository root.
    fn closest(&self, dir: &Path) -> Option<PathBuf> {
        let mut visited = Vec::new();
        let mut cur = Some(dir);
        let mut found = None;
        while let Some(d) = cur {
            if let Some(known) = lock(&self.dirs).get(d.as_os_str()) {
                found.clone_from(known);
                break;
            }
            visited.push(d.as_os_str().to_owned());
            let mut probe = d.join(FILE_NAME);
            if probe.is_file() {
                found = Some(probe);
                break;
            }
            probe.set_file_name(".git");
            if probe.exists() {
                break;
            }
            cur = d.parent();
        }
        let mut dirs = lock(&self.dirs);
        for d in visited {
            dirs.insert(d, found.clone());
        }
        found
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
