//! Target versions: the Istio and Kubernetes versions the manifests are for.
//!
//! Given as options (`istio-version`, `kubernetes-version`, `1.24` or `1.24.3`), or, for
//! Istio, inferred from the project: an IstioOperator's `spec.tag` or image tags, istiod Helm
//! values' `global.tag`, a chart's `version`, a revision label named after a version
//! (`istio.io/rev: 1-26-2`). Hand-written: a version here is two or three numbers, which no
//! semver crate parses leniently enough for image tags (`1.28.0-distroless`, `1.20.3-asm.1`)
//! while refusing `1.24` as a semver range would accept.

use std::fmt;

/// `major.minor`, with the patch when it was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: Option<u32>,
}

impl Version {
    pub const fn new(major: u32, minor: u32) -> Self {
        Self {
            major,
            minor,
            patch: None,
        }
    }

    /// `1.24` or `1.24.3` exactly (an option's value; a leading `v` is allowed).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.strip_prefix('v').unwrap_or(s);
        let (v, rest) = numbers(s, '.')?;
        rest.is_empty().then_some(v)
    }

    /// The version an image tag or chart version starts with: `1.28.0`, `1.28.0-distroless`,
    /// `1.20.3-asm.1`, `v1.26.1`; not `latest`, `1`, nor `1.28x`.
    pub fn from_tag(s: &str) -> Option<Self> {
        let s = s.strip_prefix('v').unwrap_or(s);
        let (v, rest) = numbers(s, '.')?;
        (rest.is_empty() || rest.starts_with(['-', '_', '+'])).then_some(v)
    }

    /// The version a revision is named after: `1-26-2`, `1-26` (Istio's convention for
    /// revisions); not `canary`, `stable`, `asm-1264-1`.
    pub fn from_revision(s: &str) -> Option<Self> {
        let (v, rest) = numbers(s, '-')?;
        rest.is_empty().then_some(v)
    }

    /// Whether this is at least `major.minor` (the patch does not count).
    pub fn at_least(self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    /// The minor version only (`1.28`).
    pub fn minor_only(self) -> Self {
        Self::new(self.major, self.minor)
    }
}

/// Two or three decimal numbers separated by `sep`, and the rest of `s`.
fn numbers(s: &str, sep: char) -> Option<(Version, &str)> {
    fn number(s: &str) -> Option<(u32, &str)> {
        let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        if end == 0 || end > 6 {
            return None;
        }
        Some((s[..end].parse().ok()?, &s[end..]))
    }
    let (major, rest) = number(s)?;
    let (minor, rest) = number(rest.strip_prefix(sep)?)?;
    let (patch, rest) = match rest.strip_prefix(sep).and_then(number) {
        Some((p, r)) => (Some(p), r),
        None => (None, rest),
    };
    if rest.starts_with(|c: char| c.is_ascii_digit()) || rest.starts_with(sep) && patch.is_some() {
        return None;
    }
    Some((
        Version {
            major,
            minor,
            patch,
        },
        rest,
    ))
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.patch {
            Some(p) => write!(f, "{}.{}.{p}", self.major, self.minor),
            None => write!(f, "{}.{}", self.major, self.minor),
        }
    }
}

/// A version and where it came from (`--istio-version`, `.meshlint.yaml`,
/// `istio/operator.yaml:7 (IstioOperator spec.tag)`).
pub type Sourced = super::MeshSetting<Version>;

/// The Istio version meshlint's annotation catalogue and schemas come from (istio/api and
/// istio/istio between the 1.30 and 1.31 releases).
pub const DATA_VERSION: &str = "1.31 (development)";

/// [`DATA_VERSION`] as a version: a target older than it is told what it was judged against.
pub const DATA: Version = Version::new(1, 31);

/// The oldest Istio meshlint judges by that data: fields and annotations Istio dropped before
/// it (Mixer's settings, 1.5's `sdsUdsPath`) are not in it, so an older target is not judged.
pub const OLDEST_JUDGED: Version = Version::new(1, 20);

/// From Istio 1.27 on Kubernetes 1.33, sidecars start as native sidecars by default
/// (`ENABLE_NATIVE_SIDECARS=auto`).
pub const NATIVE_ISTIO: Version = Version::new(1, 27);
pub const NATIVE_KUBERNETES: Version = Version::new(1, 33);

/// Whether versions make native sidecars the default: both known and new enough.
pub fn native_by_default(istio: Option<Version>, kubernetes: Option<Version>) -> bool {
    istio.is_some_and(|v| v.at_least(NATIVE_ISTIO.major, NATIVE_ISTIO.minor))
        && kubernetes.is_some_and(|v| v.at_least(NATIVE_KUBERNETES.major, NATIVE_KUBERNETES.minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(major: u32, minor: u32, patch: Option<u32>) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }

    #[test]
    fn options_take_two_or_three_numbers() {
        assert_eq!(Version::parse("1.24"), Some(v(1, 24, None)));
        assert_eq!(Version::parse("1.24.3"), Some(v(1, 24, Some(3))));
        assert_eq!(Version::parse("v1.33"), Some(v(1, 33, None)));
        for bad in [
            "",
            "1",
            "1.",
            "1.24.",
            "1.24.3.4",
            "1.24-rc",
            "latest",
            "1..2",
            "a.b",
            "1.x",
            "1.2345678",
        ] {
            assert_eq!(Version::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn tags_may_carry_a_suffix_and_revisions_use_dashes() {
        assert_eq!(Version::from_tag("1.28.0"), Some(v(1, 28, Some(0))));
        assert_eq!(
            Version::from_tag("1.28.0-distroless"),
            Some(v(1, 28, Some(0)))
        );
        assert_eq!(Version::from_tag("1.20.3-asm.1"), Some(v(1, 20, Some(3))));
        assert_eq!(Version::from_tag("1.22"), Some(v(1, 22, None)));
        for bad in ["latest", "1", "1.28x", "master", "1.28.0.1", ""] {
            assert_eq!(Version::from_tag(bad), None, "{bad}");
        }
        assert_eq!(Version::from_revision("1-26-2"), Some(v(1, 26, Some(2))));
        assert_eq!(Version::from_revision("1-27"), Some(v(1, 27, None)));
        for bad in [
            "canary",
            "stable",
            "asm-1264-1",
            "1-26-2-x",
            "1.26.2",
            "default",
        ] {
            assert_eq!(Version::from_revision(bad), None, "{bad}");
        }
    }

    #[test]
    fn native_sidecars_need_both_versions_known_and_new_enough() {
        let istio = Version::parse("1.27.0");
        let k8s = Version::parse("1.33");
        assert!(native_by_default(istio, k8s));
        assert!(native_by_default(
            Version::parse("2.0"),
            Version::parse("1.40")
        ));
        assert!(!native_by_default(Version::parse("1.26.9"), k8s));
        assert!(!native_by_default(istio, Version::parse("1.32")));
        assert!(!native_by_default(None, k8s));
        assert!(!native_by_default(istio, None));
        assert_eq!(v(1, 28, Some(0)).to_string(), "1.28.0");
        assert_eq!(v(1, 28, Some(0)).minor_only().to_string(), "1.28");
    }
}
