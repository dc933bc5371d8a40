//! Putting a downloaded file in place on the local disk without replacing what the user
//! did not ask to replace: the `name (1).ext` names of Keep both, and the final move of a
//! verified temporary file (a rename when replacing; otherwise a move that fails rather
//! than replace a file that appeared meanwhile).

use std::path::{Path, PathBuf};

use super::TransferError;

/// `dest`, or `name (1).ext`, `name (2).ext`, … beside it when `dest` exists. Blocking
/// (stats files).
pub fn unused_path(dest: &Path) -> PathBuf {
    if dest.symlink_metadata().is_err() {
        return dest.to_owned();
    }
    numbered_siblings(dest).find(|candidate| candidate.symlink_metadata().is_err()).unwrap_or_else(|| dest.to_owned())
}

/// `name (1).ext`, `name (2).ext`, … beside `dest`, the names Keep both gives (at most
/// 99 999 of them).
pub(super) fn numbered_siblings(dest: &Path) -> impl Iterator<Item = PathBuf> + '_ {
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    (1..100_000).map(move |n| dest.with_file_name(super::upload::numbered(&name, n)))
}

/// `place` on the blocking pool.
pub(super) async fn put_in_place(temp: &Path, target: &Path, replace: bool) -> Result<(), TransferError> {
    let (from, to) = (temp.to_owned(), target.to_owned());
    tokio::task::spawn_blocking(move || place(&from, &to, replace)).await.unwrap_or_else(|join| {
        Err(TransferError::Local { action: "placing", path: target.to_owned(), source: std::io::Error::other(join) })
    })
}

/// Moves the verified temporary file `from` to `to`: a rename when replacing (the
/// replaced file's permissions carry over: a 0600 file stays 0600); otherwise a move
/// that fails with `Exists` instead of replacing a file that appeared meanwhile.
/// Blocking.
pub(super) fn place(from: &Path, to: &Path, replace: bool) -> Result<(), TransferError> {
    if replace {
        if let Ok(old) = std::fs::metadata(to) {
            let _ = std::fs::set_permissions(from, old.permissions());
        }
        return std::fs::rename(from, to).map_err(super::local("renaming", to));
    }
    match place_without_replacing(from, to) {
        Ok(true) => Ok(()),
        Ok(false) => Err(TransferError::Exists(to.display().to_string())),
        Err(e) => Err(super::local("placing", to)(e)),
    }
}

/// Gives `from` the name `to` unless `to` exists (then `Ok(false)`, nothing changed).
/// Linux: one `renameat2(RENAME_NOREPLACE)`; Windows: one `MoveFileExW` without
/// `MOVEFILE_REPLACE_EXISTING`. Elsewhere, or on a file system without them:
/// a hard link (which fails rather than replace), then the temporary name removed; where
/// there are no hard links either (FAT, some network mounts), `to` is created exclusively
/// and the bytes copied. Blocking.
fn place_without_replacing(from: &Path, to: &Path) -> std::io::Result<bool> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
            Ok(()) => return Ok(true),
            Err(rustix::io::Errno::EXIST) => return Ok(false),
            // Not supported here (EINVAL, ENOSYS): the portable way below.
            Err(_) => {}
        }
    }
    #[cfg(windows)]
    match move_without_replacing(from, to) {
        Ok(()) => return Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
        // Not supported here: the portable way below.
        Err(_) => {}
    }
    match std::fs::hard_link(from, to) {
        Ok(()) => {
            // In place; a temporary name left behind is only untidy.
            let _ = std::fs::remove_file(from);
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        // No hard links on this file system (FAT, some network mounts): create the
        // target exclusively (fails if a file appeared meanwhile) and copy into it.
        Err(_) => match std::fs::File::options().write(true).create_new(true).open(to) {
            Ok(mut out) => {
                let copied = std::fs::File::open(from).and_then(|mut src| std::io::copy(&mut src, &mut out));
                match copied.and_then(|_| out.sync_all()) {
                    Ok(()) => {
                        let _ = std::fs::remove_file(from);
                        Ok(true)
                    }
                    Err(e) => {
                        // The file we just created is ours: remove the partial copy.
                        drop(out);
                        let _ = std::fs::remove_file(to);
                        Err(e)
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e),
        },
    }
}

/// `MoveFileExW(from, to, 0)`: fails with `AlreadyExists`
/// (`ERROR_ALREADY_EXISTS`, `ERROR_FILE_EXISTS`) rather than replace `to`, whatever the
/// case of its name. Paths are made absolute and given the `\\?\` prefix, so they may be
/// longer than `MAX_PATH` (260). Blocking.
#[cfg(windows)]
#[expect(unsafe_code, reason = "one Win32 call on two NUL-terminated UTF-16 strings that outlive it")]
fn move_without_replacing(from: &Path, to: &Path) -> std::io::Result<()> {
    use windows_sys::Win32::Storage::FileSystem::MoveFileExW;
    let (from, to) = (verbatim(from)?, verbatim(to)?);
    // SAFETY: both pointers are to NUL-terminated wide strings alive for the call.
    // No flags: never replace; a move within one folder is a rename (the file's bytes
    // were flushed before).
    if unsafe { MoveFileExW(from.as_ptr(), to.as_ptr(), 0) } == 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// `path` as a NUL-terminated wide string the Win32 file functions take at any length:
/// absolute (`std::path::absolute`, which also resolves `.`, `..` and `/`) with the
/// `\\?\` prefix (`\\?\UNC\server\share\…` for a network path); a path already in the
/// `\\?\` or `\\.\` form is kept as it is.
#[cfg(windows)]
fn verbatim(path: &Path) -> std::io::Result<Vec<u16>> {
    use std::os::windows::ffi::OsStrExt as _;
    let absolute = std::path::absolute(path)?;
    let text = absolute.as_os_str();
    let plain: Vec<u16> = text.encode_wide().collect();
    let starts = |prefix: &str| plain.starts_with(&prefix.encode_utf16().collect::<Vec<_>>());
    let mut wide: Vec<u16> = if starts(r"\\?\") || starts(r"\\.\") {
        plain.clone()
    } else if let Some(unc) = starts(r"\\").then(|| &plain[2..]) {
        r"\\?\UNC\".encode_utf16().chain(unc.iter().copied()).collect()
    } else {
        r"\\?\".encode_utf16().chain(plain.iter().copied()).collect()
    };
    wide.push(0);
    Ok(wide)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_with(dir: &Path, text: &str) -> PathBuf {
        let temp = dir.join(crate::transfer::temporary_name());
        std::fs::write(&temp, text).expect("temporary file written");
        temp
    }

    #[test]
    fn placing_without_replacing_never_replaces_in_any_case_of_the_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        let old = dir.path().join("Report.txt");
        std::fs::write(&old, "the user's").expect("written");
        let temp = temp_with(dir.path(), "downloaded");
        assert!(!place_without_replacing(&temp, &old).expect("asked"), "an existing file is never replaced");
        if super::super::local_names::folds_case(dir.path()) {
            // NTFS (Wine here): another case of the name is the same file.
            assert!(!place_without_replacing(&temp, &dir.path().join("REPORT.TXT")).expect("asked"));
        }
        assert_eq!(std::fs::read_to_string(&old).expect("read"), "the user's");
        assert!(matches!(place(&temp, &old, false), Err(TransferError::Exists(_))));
        assert!(temp.exists(), "the temporary file stays for the caller to name again");
        let free = dir.path().join("Report (1).txt");
        place(&temp, &free, false).expect("placed");
        assert_eq!(std::fs::read_to_string(&free).expect("read"), "downloaded");
        assert!(!temp.exists());
    }

    #[test]
    fn paths_longer_than_max_path_are_placed() {
        let dir = tempfile::tempdir().expect("temp dir");
        // 12 levels of 40-character names: over 500 characters, past Windows' 260.
        let deep =
            (0..12).fold(dir.path().to_owned(), |path, level| path.join(format!("{level:02}{}", "d".repeat(38))));
        std::fs::create_dir_all(&deep).expect("deep folders made");
        let temp = temp_with(&deep, "deep");
        let to = deep.join(format!("{}.txt", "f".repeat(36)));
        assert!(to.as_os_str().len() > 500);
        place(&temp, &to, false).expect("placed");
        assert_eq!(std::fs::read_to_string(&to).expect("read"), "deep");
        let again = temp_with(&deep, "second");
        assert!(matches!(place(&again, &to, false), Err(TransferError::Exists(_))));
        place(&again, &to, true).expect("replaced when asked");
        assert_eq!(std::fs::read_to_string(&to).expect("read"), "second");
    }
}
