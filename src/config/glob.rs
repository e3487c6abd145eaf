//! Path and resource patterns of `.meshlint.yaml`.
//!
//! A path pattern is a glob relative to the directory of the configuration file that wrote it
//! (an `extend`ed file keeps its own directory). As in `.gitignore`: a pattern without a `/`
//! (`*.json`, `vendor`) matches a file name or any directory name on the way; one with a `/`
//! (`deploy/legacy/*.yaml`, `**/charts/**`) matches the whole relative path; `*` and `?` never
//! cross a `/`, `**` spans directories; a trailing `/` (`vendor/`) matches directories only.
//!
//! A resource pattern is `Kind/namespace/name`, each part a glob (`Deployment/payments/*`,
//! `*/kube-system/*`); an empty namespace part matches resources without `metadata.namespace`.

pub use crate::source::path::{absolute, is_normal};
use globset::{GlobBuilder, GlobMatcher};
use std::path::{Component, Path, PathBuf};

/// A glob over paths, anchored at `base`.
#[derive(Clone, Debug)]
pub struct PathPattern {
    /// The pattern as written.
    pub text: String,
    /// The directory it is relative to (absolute).
    pub base: PathBuf,
    matcher: GlobMatcher,
    /// Contains a `/`: matched against the whole relative path.
    anchored: bool,
    /// Ends with `/`: matches directories only.
    dir_only: bool,
}

impl PathPattern {
    pub fn new(text: &str, base: &Path) -> Result<Self, String> {
        let mut body = text.trim();
        if body.is_empty() {
            return Err("a path pattern must not be empty".into());
        }
        let dir_only = body.len() > 1 && body.ends_with('/');
        body = body.trim_end_matches('/');
        let body = body.strip_prefix("./").unwrap_or(body);
        let body = body.strip_prefix('/').unwrap_or(body);
        let anchored = body.contains('/');
        let glob = GlobBuilder::new(body)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| format!("`{text}` is not a valid glob: {}", e.kind()))?;
        Ok(Self {
            text: text.to_owned(),
            base: base.to_path_buf(),
            matcher: glob.compile_matcher(),
            anchored,
            dir_only,
        })
    }

    /// Whether the file `abs` (absolute, normalised) itself matches.
    pub fn matches_file(&self, abs: &Path) -> bool {
        if self.dir_only {
            return false;
        }
        let rel = relative_slash(abs, &self.base);
        if self.anchored {
            self.matcher.is_match(&rel)
        } else {
            rel.rsplit('/')
                .next()
                .is_some_and(|name| self.matcher.is_match(name))
        }
    }

    /// Whether the file `abs` or a directory containing it (below `base`) matches.
    pub fn matches_file_or_dir(&self, abs: &Path) -> bool {
        if self.matches_file(abs) {
            return true;
        }
        let rel = relative_slash(abs, &self.base);
        let parts: Vec<&str> = rel.split('/').collect();
        let dirs = &parts[..parts.len().saturating_sub(1)];
        if self.anchored {
            (1..=dirs.len()).any(|n| self.matcher.is_match(dirs[..n].join("/")))
        } else {
            dirs.iter()
                .filter(|d| **d != "..")
                .any(|d| self.matcher.is_match(d))
        }
    }
}

/// One `Kind/namespace/name` pattern.
#[derive(Clone, Debug)]
pub struct ResourcePattern {
    pub text: String,
    kind: GlobMatcher,
    namespace: GlobMatcher,
    name: GlobMatcher,
}

impl ResourcePattern {
    pub fn new(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split('/').collect();
        let [kind, namespace, name] = parts[..] else {
            return Err(format!(
                "`{text}` is not a resource pattern: write `Kind/namespace/name` (globs allowed, \
                 e.g. `Deployment/payments/*`; an empty namespace matches resources without one)"
            ));
        };
        let compile = |part: &str| {
            GlobBuilder::new(part)
                .build()
                .map(|g| g.compile_matcher())
                .map_err(|e| format!("`{text}` is not a valid pattern: {}", e.kind()))
        };
        if kind.is_empty() || name.is_empty() {
            return Err(format!(
                "`{text}`: the kind and the name must not be empty (use `*` for any)"
            ));
        }
        Ok(Self {
            text: text.to_owned(),
            kind: compile(kind)?,
            namespace: compile(namespace)?,
            name: compile(name)?,
        })
    }

    pub fn matches(&self, kind: &str, namespace: &str, name: &str) -> bool {
        self.kind.is_match(kind) && self.namespace.is_match(namespace) && self.name.is_match(name)
    }
}

/// `abs` relative to `base`, with `/` separators (`..` where `abs` lies outside `base`).
pub fn relative_slash(abs: &Path, base: &Path) -> String {
    let a: Vec<Component<'_>> = abs.components().collect();
    let b: Vec<Component<'_>> = base.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..b.len() {
        parts.push("..".into());
    }
    for c in &a[common..] {
        parts.push(c.as_os_str().to_string_lossy().into_owned());
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> PathPattern {
        PathPattern::new(text, Path::new("/repo")).unwrap()
    }

    #[test]
    fn basename_patterns_match_names_anywhere() {
        assert!(p("*.json").matches_file(Path::new("/repo/a/b/x.json")));
        assert!(!p("*.json").matches_file(Path::new("/repo/a/b/x.yaml")));
        assert!(p("vendor").matches_file_or_dir(Path::new("/repo/a/vendor/x.yaml")));
        assert!(!p("vendor").matches_file(Path::new("/repo/a/vendor/x.yaml")));
    }

    #[test]
    fn anchored_patterns_match_relative_paths() {
        assert!(p("deploy/*.yaml").matches_file(Path::new("/repo/deploy/a.yaml")));
        assert!(!p("deploy/*.yaml").matches_file(Path::new("/repo/deploy/sub/a.yaml")));
        assert!(p("deploy/**/*.yaml").matches_file(Path::new("/repo/deploy/sub/a.yaml")));
        assert!(p("./deploy/*.yaml").matches_file(Path::new("/repo/deploy/a.yaml")));
        assert!(p("charts/").matches_file_or_dir(Path::new("/repo/charts/x/templates/a.yaml")));
        assert!(!p("charts/").matches_file_or_dir(Path::new("/repo/other/charts.yaml")));
        assert!(p("**/legacy/**").matches_file(Path::new("/repo/svc/legacy/a.yaml")));
        assert!(!p("a/*.yaml").matches_file(Path::new("/elsewhere/a/x.yaml")));
    }

    #[test]
    fn resource_patterns() {
        let r = ResourcePattern::new("Deployment/payments/*").unwrap();
        assert!(r.matches("Deployment", "payments", "api"));
        assert!(!r.matches("StatefulSet", "payments", "api"));
        let r = ResourcePattern::new("*//web").unwrap();
        assert!(r.matches("Pod", "", "web"));
        assert!(!r.matches("Pod", "prod", "web"));
        assert!(ResourcePattern::new("Deployment/web").is_err());
        assert!(ResourcePattern::new("/ns/").is_err());
    }

    #[test]
    fn paths() {
        let cwd = Path::new("/w/x");
        assert_eq!(
            absolute(Path::new("../y/./z"), cwd),
            PathBuf::from("/w/y/z")
        );
        assert_eq!(
            relative_slash(Path::new("/w/y/z"), Path::new("/w/x")),
            "../y/z"
        );
        assert_eq!(
            relative_slash(Path::new("/w/x/a/b"), Path::new("/w/x")),
            "a/b"
        );
    }

    #[test]
    fn absolute_drops_dot_components_and_keeps_normal_paths_as_they_are() {
        let cwd = Path::new("/work/repo");
        for (path, want) in [
            ("deploy/app.yaml", "/work/repo/deploy/app.yaml"),
            ("./deploy/app.yaml", "/work/repo/deploy/app.yaml"),
            ("deploy/./app.yaml", "/work/repo/deploy/app.yaml"),
            ("deploy//app.yaml", "/work/repo/deploy/app.yaml"),
            ("../other/app.yaml", "/work/other/app.yaml"),
            ("deploy/", "/work/repo/deploy"),
            (".", "/work/repo"),
            ("/abs/x.yaml", "/abs/x.yaml"),
            ("/abs/../x.yaml", "/x.yaml"),
            ("/abs/.hidden/x.yaml", "/abs/.hidden/x.yaml"),
            ("/abs/..x/x.yaml", "/abs/..x/x.yaml"),
        ] {
            assert_eq!(absolute(Path::new(path), cwd), Path::new(want), "{path}");
            assert_eq!(
                absolute(Path::new(path), cwd).as_os_str(),
                Path::new(want).as_os_str(),
                "{path}"
            );
        }
    }
}
