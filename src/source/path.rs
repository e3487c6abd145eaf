//! Paths as meshlint shows and compares them: normalised lexically (symbolic links are not
//! followed), made absolute against the working directory to tell whether two spellings name
//! the same file, and shown relative to it.

use std::path::{Component, Path, PathBuf};

/// `p` without `.` components, and with `..` applied where the parent is written (`a/../b` is
/// `b`; a leading `..` stays).
pub fn normalize(p: &Path) -> PathBuf {
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

/// `path` made absolute against `cwd` and normalised lexically (no `.`, no `..` where a parent
/// is known); symbolic links are left alone.
pub fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    if is_normal(&joined) {
        // The common case (a walked path): nothing to drop or resolve.
        return joined;
    }
    normalize(&joined)
}

/// Whether `path` has no `.` or `..` component, no repeated or trailing separator: its
/// components joined back give the same bytes.
pub fn is_normal(path: &Path) -> bool {
    let b = path.as_os_str().as_encoded_bytes();
    let sep = |c: u8| c == b'/' || (cfg!(windows) && c == b'\\');
    if cfg!(windows) || b.last().is_some_and(|&c| sep(c) && b.len() > 1) {
        return false;
    }
    b.split(|&c| sep(c))
        .skip(1)
        .all(|part| !part.is_empty() && part != b"." && part != b"..")
        && !b.starts_with(b"./")
        && !b.starts_with(b"../")
        && b != b"."
        && b != b".."
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
        let abs = absolute(path, cwd);
        match abs.strip_prefix(absolute(cwd, Path::new("/"))) {
            Ok(rel) if !rel.as_os_str().is_empty() => rel.to_string_lossy().into_owned(),
            // Outside the working directory: as given, without redundant `.` and `/` (a run
            // over an absolute path asks this for every file: rebuild only what needs it).
            _ if is_normal(path) => text.into_owned(),
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
pub fn path_key(path: &Path, cwd: &Path) -> PathBuf {
    absolute(path, cwd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_normaliser_for_every_path() {
        let n = |p: &str| normalize(Path::new(p)).to_string_lossy().into_owned();
        assert_eq!(n("a/./b/../c"), "a/c");
        assert_eq!(n("../a/../../b"), "../../b");
        // Above the root is the root (the two normalisers used to disagree here: one kept
        // `/..`, the other dropped the `..` that a relative path needs).
        assert_eq!(n("/../a"), "/a");
        let abs = |p: &str, cwd: &str| absolute(Path::new(p), Path::new(cwd));
        assert_eq!(abs("../../x", "/w"), PathBuf::from("/x"));
        assert_eq!(
            abs("./deploy//app.yaml", "/w"),
            PathBuf::from("/w/deploy/app.yaml")
        );
        assert_eq!(
            abs("deploy/app.yaml", "/w"),
            PathBuf::from("/w/deploy/app.yaml")
        );
    }
}
