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
/// Linux: one `renameat2(RENAME_NOREPLACE)`. Elsewhere, or on a file system without it:
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
