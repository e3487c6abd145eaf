//! Writing a fixed file so that an interrupted run never leaves half a file.
//!
//! The new text goes to a temporary file in the same directory, is flushed to disk, takes the
//! original's permission bits (and, on Unix, its owner and group where allowed) and is renamed
//! over the original: a reader sees the old file or the new one, never a mix. A symlink is
//! followed to the file it names, which is replaced; the symlink itself stays a symlink. The file
//! is read again first and left alone if it no longer holds the text that was linted. A hard
//! link to the original keeps the old content, as with any rename-based editor.

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// Why a fixed file was not written. The original is untouched in every case.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The path, or a symlink on the way to it, could not be resolved.
    #[error("cannot resolve {}: {source}", path.display())]
    Resolve { path: PathBuf, source: io::Error },
    /// The path names something other than a regular file.
    #[error("{} is not a regular file", path.display())]
    NotAFile { path: PathBuf },
    /// The file could not be read back to check it.
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    /// The file's content is not what was linted: something else wrote it meanwhile.
    #[error("{} changed on disk since it was read; fix not written", path.display())]
    ChangedOnDisk { path: PathBuf },
    /// The file has no write permission.
    #[error("{} is read-only; fix not written", path.display())]
    ReadOnlyFile { path: PathBuf },
    /// The file's directory has no write permission, so the file cannot be replaced.
    #[error("cannot replace {}: its directory {} is read-only", path.display(), dir.display())]
    ReadOnlyDir { path: PathBuf, dir: PathBuf },
    /// The temporary file could not be created next to the original.
    #[error("cannot create a temporary file in {} to fix {}: {source}", dir.display(), path.display())]
    TempFile {
        path: PathBuf,
        dir: PathBuf,
        source: io::Error,
    },
    /// Writing, syncing or setting permissions on the temporary file failed.
    #[error("cannot write the fixed {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    /// Renaming the temporary file over the original failed.
    #[error("cannot replace {} with its fixed version: {source}", path.display())]
    Replace { path: PathBuf, source: io::Error },
}

impl WriteError {
    /// The path the caller asked to write, as given.
    pub fn path(&self) -> &Path {
        match self {
            WriteError::Resolve { path, .. }
            | WriteError::NotAFile { path }
            | WriteError::Read { path, .. }
            | WriteError::ChangedOnDisk { path }
            | WriteError::ReadOnlyFile { path }
            | WriteError::ReadOnlyDir { path, .. }
            | WriteError::TempFile { path, .. }
            | WriteError::Write { path, .. }
            | WriteError::Replace { path, .. } => path,
        }
    }
}

/// Replaces the content of `path` (or of the file it links to) with `new_text`, provided it still
/// holds `expected_original`. Does nothing when the two texts are equal.
pub fn write_atomically(
    path: &Path,
    expected_original: &[u8],
    new_text: &[u8],
) -> Result<(), WriteError> {
    let given = || path.to_path_buf();
    let real = fs::canonicalize(path).map_err(|source| WriteError::Resolve {
        path: given(),
        source,
    })?;
    let meta = fs::metadata(&real).map_err(|source| WriteError::Read {
        path: given(),
        source,
    })?;
    if !meta.is_file() {
        return Err(WriteError::NotAFile { path: given() });
    }
    ensure_unchanged(path, &real, expected_original)?;
    if new_text == expected_original {
        return Ok(());
    }
    if meta.permissions().readonly() {
        return Err(WriteError::ReadOnlyFile { path: given() });
    }
    // A canonical path to a file always has a parent.
    let dir = real.parent().unwrap_or(Path::new("/"));
    if fs::metadata(dir).is_ok_and(|dir_meta| dir_meta.permissions().readonly()) {
        return Err(WriteError::ReadOnlyDir {
            path: given(),
            dir: dir.to_path_buf(),
        });
    }

    let name = real
        .file_name()
        .map_or_else(Default::default, |n| n.to_string_lossy());
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".meshlint-tmp")
        .tempfile_in(dir)
        .map_err(|source| WriteError::TempFile {
            path: given(),
            dir: dir.to_path_buf(),
            source,
        })?;
    let write = |temp: &mut tempfile::NamedTempFile| -> io::Result<()> {
        temp.write_all(new_text)?;
        copy_owner(temp.as_file(), &meta);
        // After the owner: changing the owner clears set-user-ID and set-group-ID bits.
        temp.as_file().set_permissions(meta.permissions())?;
        temp.as_file().sync_all()
    };
    write(&mut temp).map_err(|source| WriteError::Write {
        path: given(),
        source,
    })?;

    // Check again just before the rename, to keep the window for a lost update small.
    ensure_unchanged(path, &real, expected_original)?;
    temp.persist(&real).map_err(|e| WriteError::Replace {
        path: given(),
        source: e.error,
    })?;
    sync_dir(dir);
    Ok(())
}

fn ensure_unchanged(path: &Path, real: &Path, expected: &[u8]) -> Result<(), WriteError> {
    let current = fs::read(real).map_err(|source| WriteError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if current == expected {
        Ok(())
    } else {
        Err(WriteError::ChangedOnDisk {
            path: path.to_path_buf(),
        })
    }
}

/// Gives the new file the original's owner and group, where the process may (best effort: an
/// unprivileged user keeps its own files and cannot give them away anyway).
#[cfg(unix)]
fn copy_owner(file: &File, original: &fs::Metadata) {
    use std::os::unix::fs::MetadataExt as _;
    let Ok(current) = file.metadata() else { return };
    if (current.uid(), current.gid()) != (original.uid(), original.gid()) {
        let _ = std::os::unix::fs::fchown(file, Some(original.uid()), Some(original.gid()));
    }
}

#[cfg(not(unix))]
fn copy_owner(_file: &File, _original: &fs::Metadata) {}

/// Makes the rename durable (best effort: it has happened either way).
#[cfg(unix)]
fn sync_dir(dir: &Path) {
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) {}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt as _};

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("meshlint-tmp"))
            .collect()
    }

    #[test]
    fn replaces_content_and_keeps_permission_bits() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("app.yaml");
        fs::write(&file, "a: tru\n").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomically(&file, b"a: tru\n", b"a: true\n").unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"a: true\n");
        assert_eq!(mode(&file), 0o640);
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn symlink_stays_a_symlink_and_its_target_is_fixed() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("real")).unwrap();
        let target = dir.path().join("real/app.yaml");
        fs::write(&target, "a: tru\n").unwrap();
        let link = dir.path().join("link.yaml");
        symlink("real/app.yaml", &link).unwrap();
        write_atomically(&link, b"a: tru\n", b"a: true\n").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_link(&link).unwrap(), Path::new("real/app.yaml"));
        assert_eq!(fs::read(&target).unwrap(), b"a: true\n");
        assert!(leftovers(dir.path()).is_empty() && leftovers(&dir.path().join("real")).is_empty());
    }

    #[test]
    fn refuses_a_file_changed_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("app.yaml");
        fs::write(&file, "a: edited\n").unwrap();
        let err = write_atomically(&file, b"a: tru\n", b"a: true\n").unwrap_err();
        assert!(matches!(err, WriteError::ChangedOnDisk { .. }), "{err:?}");
        assert_eq!(err.path(), file);
        assert!(err.to_string().contains("changed on disk"));
        assert_eq!(fs::read(&file).unwrap(), b"a: edited\n");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn read_only_directory_is_a_clear_error_and_leaves_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("locked");
        fs::create_dir(&sub).unwrap();
        let file = sub.join("app.yaml");
        fs::write(&file, "a: tru\n").unwrap();
        fs::set_permissions(&sub, fs::Permissions::from_mode(0o555)).unwrap();
        let result = write_atomically(&file, b"a: tru\n", b"a: true\n");
        fs::set_permissions(&sub, fs::Permissions::from_mode(0o755)).unwrap();
        let err = result.unwrap_err();
        assert!(matches!(err, WriteError::ReadOnlyDir { .. }), "{err:?}");
        assert!(err.to_string().contains("read-only"), "{err}");
        assert_eq!(fs::read(&file).unwrap(), b"a: tru\n");
        assert!(leftovers(&sub).is_empty());
    }

    #[test]
    fn read_only_file_is_a_clear_error_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("app.yaml");
        fs::write(&file, "a: tru\n").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o444)).unwrap();
        let err = write_atomically(&file, b"a: tru\n", b"a: true\n").unwrap_err();
        assert!(matches!(err, WriteError::ReadOnlyFile { .. }), "{err:?}");
        assert_eq!(fs::read(&file).unwrap(), b"a: tru\n");
        assert_eq!(mode(&file), 0o444);
    }

    #[test]
    fn missing_file_and_directory_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomically(&dir.path().join("nope.yaml"), b"", b"x").unwrap_err();
        assert!(matches!(err, WriteError::Resolve { .. }), "{err:?}");
        let err = write_atomically(dir.path(), b"", b"x").unwrap_err();
        assert!(matches!(err, WriteError::NotAFile { .. }), "{err:?}");
    }

    #[test]
    fn unchanged_text_is_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("app.yaml");
        fs::write(&file, "a: true\n").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o444)).unwrap();
        write_atomically(&file, b"a: true\n", b"a: true\n").unwrap();
    }
}
