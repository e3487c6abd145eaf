//! Reading a file's bytes: regular files only, never blocking on a FIFO, never more than
//! 2 GiB.

use std::path::Path;

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
