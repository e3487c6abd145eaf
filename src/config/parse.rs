//! Reading one `.meshlint.yaml` with the project's YAML layer, so that every error points at a
//! line and column.

use super::glob::{PathPattern, ResourcePattern};
use super::{is_known_code, Codes, Config, ConfigError};
use crate::context::versions::{Sourced, Version};
use crate::context::{Profile, VaultOptions};
use crate::diagnostic::Severity;
use crate::istio::catalog::{did_you_mean, Suggestion};
use crate::k8s::InjectionMode;
use crate::source::LineIndex;
use crate::yaml::resolve::{resolve, ScalarType};
use crate::yaml::{self, NodeRef};
use std::path::Path;

/// Every top-level key, in the order `meshlint config` prints them.
pub const KEYS: &[&str] = &[
    "extend",
    "profile",
    "select",
    "ignore",
    "per-file-ignores",
    "per-resource-ignores",
    "severity",
    "include",
    "exclude",
    "force-exclude",
    "fail-on",
    "injection",
    "mesh-config",
    "namespaces",
    "native-sidecars",
    "istio-version",
    "kubernetes-version",
    "vault",
];

/// One file's own settings, and the file it extends (with where `extend` was written).
pub(super) struct Parsed {
    pub config: Config,
    pub extend: Option<(String, ConfigError)>,
}

struct Reader<'t> {
    text: &'t str,
    display: &'t str,
    index: LineIndex,
}

type Result<T> = std::result::Result<T, ConfigError>;

impl Reader<'_> {
    fn error_at(&self, offset: u32, message: String) -> ConfigError {
        let lc = self.index.line_col(self.text, offset);
        ConfigError {
            path: self.display.to_owned(),
            position: Some((lc.line, lc.column)),
            message,
        }
    }

    fn error(&self, node: NodeRef<'_, '_>, message: String) -> ConfigError {
        self.error_at(node.node().props_start.min(node.range().start()), message)
    }

    fn wrong_type(&self, node: NodeRef<'_, '_>, what: &str, expected: &str) -> ConfigError {
        self.error(
            node,
            format!(
                "`{what}` must be {expected}, not {}",
                resolve(node).describe()
            ),
        )
    }

    fn string<'d>(&self, node: NodeRef<'d, '_>, what: &str) -> Result<&'d str> {
        let node = node.resolved();
        match (resolve(node), node.as_str()) {
            (ScalarType::Str, Some(s)) => Ok(s),
            _ => Err(self.wrong_type(node, what, "a string")),
        }
    }

    /// A version, `1.24` or `1.24.3`: a string, or the text of a plain number (`1.33`).
    fn version(&self, node: NodeRef<'_, '_>, what: &str) -> Result<Version> {
        let node = node.resolved();
        let text = match resolve(node) {
            ScalarType::Str | ScalarType::Float | ScalarType::Int => node.as_str(),
            _ => None,
        };
        let Some(text) = text else {
            return Err(self.wrong_type(node, what, "a version such as \"1.28\" or \"1.28.1\""));
        };
        Version::parse(text).ok_or_else(|| {
            self.error(
                node,
                format!("`{what}` must be a version such as \"1.28\" or \"1.28.1\", not `{text}`"),
            )
        })
    }

    fn boolean(&self, node: NodeRef<'_, '_>, what: &str) -> Result<bool> {
        crate::yaml::resolve::bool_value(node)
            .ok_or_else(|| self.wrong_type(node.resolved(), what, "true or false"))
    }

    /// One of `choices`, with a did-you-mean.
    fn choice<'c>(
        &self,
        node: NodeRef<'_, '_>,
        what: &str,
        choices: &[&'c str],
    ) -> Result<&'c str> {
        let s = self.string(node, what)?;
        if let Some(c) = choices.iter().find(|c| **c == s) {
            return Ok(c);
        }
        Err(self.error(
            node,
            format!(
                "`{what}` must be one of {}, not `{s}`{}",
                choices
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                hint(s, choices.iter().copied())
            ),
        ))
    }

    fn mapping<'d, 'a>(
        &self,
        node: NodeRef<'d, 'a>,
        what: &str,
    ) -> Result<Vec<(NodeRef<'d, 'a>, NodeRef<'d, 'a>)>> {
        let node = node.resolved();
        if node.is_null() {
            return Ok(Vec::new());
        }
        if !node.is_mapping() {
            return Err(self.wrong_type(node, what, "a mapping"));
        }
        Ok(node.entries().collect())
    }

    fn key<'d>(&self, key: NodeRef<'d, '_>) -> Result<&'d str> {
        let k = key.resolved();
        match k.as_str() {
            Some(s) if k.is_scalar() => Ok(s),
            _ => Err(self.error(key, "keys must be plain strings".into())),
        }
    }

    /// A list of strings, or one string of comma-separated items; `(item, its node)`.
    fn strings<'d, 'a>(
        &self,
        node: NodeRef<'d, 'a>,
        what: &str,
    ) -> Result<Vec<(String, NodeRef<'d, 'a>)>> {
        let node = node.resolved();
        if node.is_null() {
            return Ok(Vec::new());
        }
        if node.is_sequence() {
            return node
                .items()
                .map(|item| {
                    let item = item.resolved();
                    match (resolve(item), item.as_str()) {
                        (ScalarType::Str | ScalarType::Int, Some(s)) => {
                            Ok((s.trim().to_owned(), item))
                        }
                        _ => Err(self.wrong_type(item, what, "a list of strings")),
                    }
                })
                .collect();
        }
        match (resolve(node), node.as_str()) {
            (ScalarType::Str, Some(s)) => Ok(s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| (s.to_owned(), node))
                .collect()),
            _ => Err(self.wrong_type(node, what, "a list of strings")),
        }
    }

    /// Rule codes, names or prefixes, each checked against the registry.
    fn codes(&self, node: NodeRef<'_, '_>, what: &str) -> Result<Codes> {
        let items = self.strings(node, what)?;
        for (code, at) in &items {
            if !is_known_code(code) {
                return Err(self.error(*at, unknown_rule(code)));
            }
        }
        Ok(items.into_iter().map(|(c, _)| c).collect())
    }

    fn path_patterns(
        &self,
        node: NodeRef<'_, '_>,
        what: &str,
        base: &Path,
    ) -> Result<Vec<PathPattern>> {
        self.strings(node, what)?
            .into_iter()
            .map(|(s, at)| PathPattern::new(&s, base).map_err(|m| self.error(at, m)))
            .collect()
    }
}

/// The message for an unknown rule, with a did-you-mean over codes and names.
pub(crate) fn unknown_rule(code: &str) -> String {
    let candidates: Vec<&str> = crate::rules::all().flat_map(|m| [m.code, m.name]).collect();
    format!(
        "unknown rule `{code}` (see `meshlint rules`){}",
        hint(code, candidates.into_iter())
    )
}

/// `; did you mean `x`?` when one candidate clearly wins.
pub(crate) fn hint<'a>(input: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    match did_you_mean(input, candidates) {
        Suggestion::CaseOnly(c) | Suggestion::Near(c) => format!("; did you mean `{c}`?"),
        Suggestion::None => String::new(),
    }
}

/// Parses one configuration file's text. `display` names it in errors; `dir` is its directory
/// (path patterns are relative to it).
pub(super) fn parse(text: &str, display: &str, dir: &Path) -> Result<Parsed> {
    let r = Reader {
        text,
        display,
        index: LineIndex::new(text),
    };
    let mut config = Config::default();
    let mut extend = None;
    let docs: Vec<_> = yaml::DocumentParser::new(text).collect();
    let Some(root) = settings_root(&r, &docs)? else {
        return Ok(Parsed { config, extend });
    };
    for (k, v) in root.entries() {
        let key = r.key(k)?;
        match key {
            "extend" => {
                let target = r.string(v, key)?;
                if target.trim().is_empty() {
                    return Err(r.error(v, "`extend` must name a configuration file".into()));
                }
                extend = Some((target.to_owned(), r.error(v, String::new())));
            }
            "profile" => {
                let p = r.choice(v, key, &["in-cluster", "managed", "ossm2"])?;
                config.profile = Profile::parse(p);
            }
            "select" => config.select = Some(r.codes(v, key)?),
            "ignore" => config.ignore = Some(r.codes(v, key)?),
            "per-file-ignores" => config
                .per_file_ignores
                .extend(per_file_ignores(&r, v, key, dir)?),
            "per-resource-ignores" => {
                config
                    .per_resource_ignores
                    .extend(per_resource_ignores(&r, v, key)?);
            }
            "severity" => {
                for (rule, level) in severities(&r, v, key)? {
                    config.severity.retain(|(m, _)| m.code != rule.code);
                    config.severity.push((rule, level));
                }
            }
            "include" => config.include = Some(r.path_patterns(v, key, dir)?),
            "exclude" => config.exclude = Some(r.path_patterns(v, key, dir)?),
            "force-exclude" => config.force_exclude = Some(r.boolean(v, key)?),
            "fail-on" => {
                let level = r.choice(v, key, &["error", "warning", "info"])?;
                config.fail_on = Severity::parse(level);
            }
            "injection" => {
                // `default` is meshlint 0.1's spelling of what is now `assume` (its default).
                config.injection = Some(if v.resolved().as_str() == Some("default") {
                    InjectionMode::Assume
                } else {
                    let mode = r.choice(v, key, &["evidence", "assume", "explicit"])?;
                    InjectionMode::parse(mode).unwrap_or_default()
                });
            }
            "mesh-config" => {
                let files = r.strings(v, key)?;
                config.mesh_config = Some(
                    files
                        .into_iter()
                        .map(|(p, _)| crate::source::path::normalize(&dir.join(p)))
                        .collect(),
                );
            }
            "namespaces" => config.namespaces.extend(namespaces(&r, v, key)?),
            // `auto` (what `meshlint config` prints when it is not set): decided by versions.
            "native-sidecars" if v.resolved().as_str() == Some("auto") => {}
            "native-sidecars" => config.native_sidecars = Some(r.boolean(v, key)?),
            // `unknown` (what `meshlint config` prints when nothing says): not set.
            "istio-version" | "kubernetes-version" if v.resolved().as_str() == Some("unknown") => {}
            "istio-version" => {
                config.istio_version = Some(Sourced {
                    value: r.version(v, key)?,
                    origin: display.to_owned(),
                });
            }
            "kubernetes-version" => {
                config.kubernetes_version = Some(Sourced {
                    value: r.version(v, key)?,
                    origin: display.to_owned(),
                });
            }
            "vault" => config.vault = Some(vault(&r, v)?),
            other => {
                return Err(r.error(
                    k,
                    format!("unknown key `{other}`{}", hint(other, KEYS.iter().copied())),
                ))
            }
        }
    }
    Ok(Parsed { config, extend })
}

/// `per-file-ignores:`: path patterns and the codes they ignore.
fn per_file_ignores(
    r: &Reader<'_>,
    v: NodeRef<'_, '_>,
    key: &str,
    dir: &Path,
) -> Result<Vec<(PathPattern, Codes)>> {
    let mut out = Vec::new();
    for (pk, pv) in r.mapping(v, key)? {
        let pattern = r.key(pk)?;
        let pattern = PathPattern::new(pattern, dir).map_err(|m| r.error(pk, m))?;
        out.push((pattern, r.codes(pv, key)?));
    }
    Ok(out)
}

/// `per-resource-ignores:`: `Kind/namespace/name` patterns and the codes they ignore.
fn per_resource_ignores(
    r: &Reader<'_>,
    v: NodeRef<'_, '_>,
    key: &str,
) -> Result<Vec<(ResourcePattern, Codes)>> {
    let mut out = Vec::new();
    for (pk, pv) in r.mapping(v, key)? {
        let pattern = r.key(pk)?;
        let pattern = ResourcePattern::new(pattern).map_err(|m| r.error(pk, m))?;
        out.push((pattern, r.codes(pv, key)?));
    }
    Ok(out)
}

/// `severity:`: a rule and the severity it is reported at, in the order written.
fn severities(
    r: &Reader<'_>,
    v: NodeRef<'_, '_>,
    key: &str,
) -> Result<Vec<(&'static crate::diagnostic::RuleMeta, Severity)>> {
    let mut out = Vec::new();
    for (sk, sv) in r.mapping(v, key)? {
        let name = r.key(sk)?;
        let Some(rule) = crate::rules::find(name) else {
            return Err(r.error(sk, unknown_rule(name)));
        };
        let level = r.choice(sv, name, &["error", "warning", "info"])?;
        out.push((rule, Severity::parse(level).unwrap_or(rule.severity)));
    }
    Ok(out)
}

/// The mapping of settings in the one document of a configuration file (`None`: empty).
fn settings_root<'d, 'a>(
    r: &Reader<'_>,
    docs: &'d [std::result::Result<yaml::Document<'a>, yaml::SyntaxError>],
) -> Result<Option<NodeRef<'d, 'a>>> {
    let doc = match docs.first() {
        None => return Ok(None),
        Some(Err(e)) => {
            return Err(r.error_at(e.offset, format!("YAML syntax error: {}", e.message)));
        }
        Some(Ok(doc)) => doc,
    };
    for more in &docs[1..] {
        match more {
            Err(e) => return Err(r.error_at(e.offset, format!("YAML syntax error: {}", e.message))),
            Ok(d) if d.root().is_some_and(|n| !n.is_null()) => {
                return Err(r.error_at(
                    d.range.start(),
                    "a configuration file holds one YAML document".into(),
                ))
            }
            Ok(_) => {}
        }
    }
    if let Some(&(first, repeated)) = doc.duplicate_keys.first() {
        let first_line = r
            .index
            .line_col(r.text, doc.get(first).range().start())
            .line;
        let key = doc.get(repeated).as_str().unwrap_or("");
        return Err(r.error(
            doc.get(repeated),
            format!("duplicate key `{key}` (first on line {first_line})"),
        ));
    }
    let Some(root) = doc.root().map(NodeRef::resolved) else {
        return Ok(None);
    };
    if root.is_null() {
        return Ok(None);
    }
    if !root.is_mapping() {
        return Err(r.error(
            root,
            format!(
                "a configuration file must be a mapping of settings, not {}",
                resolve(root).describe()
            ),
        ));
    }
    Ok(Some(root))
}

/// A namespace named in `namespaces:`, with its labels.
type NamespaceLabels = (String, Vec<(String, String)>);

/// `namespaces:`: each namespace's labels.
fn namespaces(r: &Reader<'_>, v: NodeRef<'_, '_>, key: &str) -> Result<Vec<NamespaceLabels>> {
    let mut out = Vec::new();
    for (nk, nv) in r.mapping(v, key)? {
        let name = r.key(nk)?;
        let mut labels = Vec::new();
        for (lk, lv) in r.mapping(nv, name)? {
            match r.key(lk)? {
                "labels" => {
                    for (label, value) in r.mapping(lv, "labels")? {
                        let label = r.key(label)?;
                        let value = value.resolved();
                        let text = if value.is_null() {
                            ""
                        } else {
                            match value.as_str() {
                                Some(s) if value.is_scalar() => s,
                                _ => return Err(r.wrong_type(value, label, "a string")),
                            }
                        };
                        labels.push((label.to_owned(), text.to_owned()));
                    }
                }
                other => {
                    return Err(r.error(
                        lk,
                        format!(
                            "unknown key `{other}` under namespace `{name}` (only \
                             `labels`){}",
                            hint(other, ["labels"].into_iter())
                        ),
                    ))
                }
            }
        }
        out.push((name.to_owned(), labels));
    }
    Ok(out)
}

fn vault(r: &Reader<'_>, node: NodeRef<'_, '_>) -> Result<VaultOptions> {
    let mut vault = VaultOptions::default();
    for (k, v) in r.mapping(node, "vault")? {
        match r.key(k)? {
            "ports" => {
                vault.ports = r
                    .strings(v, "ports")?
                    .into_iter()
                    .map(|(s, at)| match s.parse::<u16>() {
                        Ok(p) if p > 0 => Ok(p),
                        _ => Err(r.error(at, format!("`{s}` is not a port number (1-65535)"))),
                    })
                    .collect::<Result<_>>()?;
            }
            "addresses" => {
                vault.addresses = r
                    .strings(v, "addresses")?
                    .into_iter()
                    .map(|(s, at)| {
                        s.parse::<ipnet::IpNet>()
                            .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                            .map_err(|_| {
                                r.error(at, format!("`{s}` is not an IP address or CIDR range"))
                            })
                    })
                    .collect::<Result<_>>()?;
            }
            other => {
                return Err(r.error(
                    k,
                    format!(
                        "unknown key `{other}` under `vault` (`ports`, `addresses`){}",
                        hint(other, ["ports", "addresses"].into_iter())
                    ),
                ))
            }
        }
    }
    Ok(vault)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        match parse(text, ".meshlint.yaml", Path::new("/repo")) {
            Ok(_) => panic!("expected an error for {text:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn ok(text: &str) -> Config {
        parse(text, ".meshlint.yaml", Path::new("/repo"))
            .unwrap_or_else(|e| panic!("{e}"))
            .config
    }

    #[test]
    fn unknown_keys_point_at_the_key_with_a_suggestion() {
        assert_eq!(
            err("profile: managed\nselct: [MESH101]\n"),
            ".meshlint.yaml:2:1: unknown key `selct`; did you mean `select`?"
        );
        assert_eq!(
            err("per_file_ignores: {}\n"),
            ".meshlint.yaml:1:1: unknown key `per_file_ignores`; did you mean `per-file-ignores`?"
        );
        assert_eq!(
            err("vault:\n  port: [8200]\n"),
            ".meshlint.yaml:2:3: unknown key `port` under `vault` (`ports`, `addresses`); did you mean `ports`?"
        );
    }

    #[test]
    fn wrong_types_and_values() {
        assert_eq!(
            err("select: {a: b}\n"),
            ".meshlint.yaml:1:9: `select` must be a list of strings, not a mapping"
        );
        assert_eq!(
            err("native-sidecars: maybe\n"),
            ".meshlint.yaml:1:18: `native-sidecars` must be true or false, not a string"
        );
        assert_eq!(
            err("profile: manged\n"),
            ".meshlint.yaml:1:10: `profile` must be one of `in-cluster`, `managed`, `ossm2`, not `manged`; did you mean `managed`?"
        );
        assert_eq!(
            err("ignore: [hold-mising]\n"),
            ".meshlint.yaml:1:10: unknown rule `hold-mising` (see `meshlint rules`); did you mean `hold-missing`?"
        );
        assert_eq!(
            err("severity:\n  MESH303: fatal\n"),
            ".meshlint.yaml:2:12: `MESH303` must be one of `error`, `warning`, `info`, not `fatal`"
        );
        assert_eq!(
            err("per-resource-ignores:\n  Deployment/web: [MESH101]\n"),
            ".meshlint.yaml:2:3: `Deployment/web` is not a resource pattern: write `Kind/namespace/name` (globs allowed, e.g. `Deployment/payments/*`; an empty namespace matches resources without one)"
        );
        assert_eq!(
            err("vault:\n  addresses: [10.0.0.300/8]\n"),
            ".meshlint.yaml:2:15: `10.0.0.300/8` is not an IP address or CIDR range"
        );
        assert!(err("select: [MESH1]\nselect: [MESH2]\n")
            .contains("2:1: duplicate key `select` (first on line 1)"));
        assert!(err("- a\n").contains("1:1: a configuration file must be a mapping"));
        assert!(err("select: [\n").starts_with(".meshlint.yaml:"));
    }

    #[test]
    fn every_key() {
        let c = ok("profile: managed\nselect: MESH1, MESH3\nignore: [hold-missing]\n\
            per-file-ignores:\n  'legacy/*.yaml': [MESH302]\n\
            per-resource-ignores:\n  Deployment/payments/*: [MESH401]\n\
            severity: {MESH303: error}\ninclude: ['*.yaml']\nexclude: [vendor]\n\
            force-exclude: yes\nfail-on: error\ninjection: explicit\n\
            namespaces:\n  prod:\n    labels: {istio-injection: enabled}\n\
            native-sidecars: false\nvault: {ports: [8200, '8201'], addresses: [10.8.0.0/16, 10.9.0.1]}\n");
        assert_eq!(c.profile, Some(Profile::Managed));
        assert_eq!(c.select, Some(vec!["MESH1".to_owned(), "MESH3".to_owned()]));
        assert_eq!(c.per_file_ignores.len(), 1);
        assert_eq!(c.severity[0].0.code, "MESH303");
        assert_eq!(c.force_exclude, Some(true));
        assert_eq!(c.injection, Some(InjectionMode::Explicit));
        assert_eq!(
            c.namespaces,
            vec![(
                "prod".to_owned(),
                vec![("istio-injection".to_owned(), "enabled".to_owned())]
            )]
        );
        let vault = c.vault.unwrap();
        assert_eq!(vault.ports, vec![8200, 8201]);
        assert_eq!(vault.addresses[1].to_string(), "10.9.0.1/32");
        assert!(ok("").profile.is_none());
        assert!(ok("# only a comment\n").profile.is_none());
    }
}
