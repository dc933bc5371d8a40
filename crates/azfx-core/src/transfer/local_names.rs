//! The local file-name classes that only exist on some systems, checked before a byte is
//! written, so a share name the local disk cannot hold is refused for that file (the rest
//! of a folder still arrives) instead of landing on a device or on another file:
//!
//! - **Windows names** (`windows_name_problem`): a device name (`CON`, `aux.txt`,
//!   `LPT1.log`: Windows opens the device, and the bytes written to `NUL` are lost while
//!   the write succeeds), a name ending in a dot or a space (Windows drops them, so
//!   `report.` would be written as `report`, another file: Azure Files keeps both apart
//!   with `x-ms-allow-trailing-dot`), and the characters `< > : " / \ | ? *` and
//!   control characters. Source: Microsoft's "Naming Files, Paths, and Namespaces".
//! - **Names that differ only in case** (`case_twins`): Azure Files compares names
//!   without case (shared/research-azure-files-rest.md, "Naming"), as do NTFS and
//!   macOS's default file system; whether a local folder does is found by probing it
//!   (`folds_case`), not by the name of the OS.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::TransferError;
use crate::files::names::fold_case;

/// A Windows file-naming rule a name breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WindowsNameRule {
    /// The part before the first dot is a device name (`CON`, `PRN`, `AUX`, `NUL`,
    /// `COM0`–`COM9`, `LPT0`–`LPT9`, `CONIN$`, `CONOUT$`, `CLOCK$`), with or without an
    /// extension.
    #[error(
        "on Windows it names a device (CON, PRN, AUX, NUL, COM0–9, LPT0–9, with or without an extension), \
         so its bytes would go to the device, not to a file"
    )]
    DeviceName,
    /// Ends in a dot or a space, which Windows drops (so the file would be another one).
    #[error("Windows drops a trailing dot or space, so it would be saved under another file's name")]
    TrailingDotOrSpace,
    /// Holds one of `< > : " / \ | ? *` or a control character.
    #[error("Windows file names cannot contain {0:?}")]
    Character(char),
    /// On this disk the name is the short (8.3) name of another file (`LONGFI~1.TXT` of
    /// `longfilename.txt`), which replacing it would overwrite (`is_short_name_alias`).
    #[error("on this disk it is the short (8.3) name of another file, which replacing it would overwrite")]
    ShortNameOfAnotherFile,
}

/// The Windows rule `name` (one path component) breaks, if any. Pure: usable on every
/// system (the checks run only where the destination is Windows: `local_name_problem`).
pub fn windows_name_problem(name: &str) -> Option<WindowsNameRule> {
    if let Some(c) =
        name.chars().find(|&c| matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*') || c < ' ')
    {
        return Some(WindowsNameRule::Character(c));
    }
    if name.ends_with(['.', ' ']) && name != "." && name != ".." {
        return Some(WindowsNameRule::TrailingDotOrSpace);
    }
    // Windows ignores what follows the first dot, and spaces before it ("AUX .txt").
    let base = name.split('.').next().unwrap_or(name).trim_end_matches(' ').to_uppercase();
    let numbered_port = |prefix: &str| {
        base.strip_prefix(prefix).is_some_and(|n| {
            let mut chars = n.chars();
            matches!((chars.next(), chars.next()), (Some('0'..='9' | '¹' | '²' | '³'), None))
        })
    };
    let device = ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"].contains(&base.as_str())
        || numbered_port("COM")
        || numbered_port("LPT");
    device.then_some(WindowsNameRule::DeviceName)
}

/// The rule this system's file names impose that `name` breaks: the Windows rules on
/// Windows, none elsewhere (Linux holds every name a share can; macOS's names that differ
/// only in Unicode normalisation are not handled).
pub fn local_name_problem(name: &str) -> Option<WindowsNameRule> {
    if cfg!(windows) { windows_name_problem(name) } else { None }
}

/// Fails with `TransferError::NotAllowedHere` when a component of `relative` (a
/// `/`-separated path of share names) is a name this system cannot hold.
pub(super) fn check_relative(relative: &str) -> Result<(), TransferError> {
    match relative.split('/').find_map(|name| local_name_problem(name).map(|rule| (name, rule))) {
        Some((name, rule)) => Err(TransferError::NotAllowedHere { name: name.to_owned(), rule }),
        None => Ok(()),
    }
}

/// `check_relative` for the file name of a local destination. Call it before the path
/// is made absolute: Windows' `GetFullPathNameW` (behind `std::path::absolute`) drops a
/// trailing dot or space, turning `report.` into `report`, another file.
///
/// Errors: `TransferError::NotAllowedHere`.
pub fn check_local(dest: &Path) -> Result<(), TransferError> {
    dest.file_name().map_or(Ok(()), |name| check_relative(&name.to_string_lossy()))
}

/// Whether `path` names an existing file only through its short (8.3) name: Windows
/// finds `LONGFI~1.TXT` as `longfilename.txt`, so replacing the one would overwrite the
/// other. `FindFirstFileW` answers the file's long name; an alias is a path whose long
/// name differs (compared without case). `false` when nothing is there, and on other
/// systems. Blocking.
#[cfg(windows)]
#[expect(unsafe_code, reason = "FindFirstFileW on a NUL-terminated wide path, then FindClose on its handle")]
pub fn is_short_name_alias(path: &Path) -> bool {
    use std::os::windows::ffi::{OsStrExt as _, OsStringExt as _};
    use windows_sys::Win32::Foundation::INVALID_HANDLE_VALUE;
    use windows_sys::Win32::Storage::FileSystem::{FindClose, FindFirstFileW, WIN32_FIND_DATAW};
    let Some(asked) = path.file_name() else { return false };
    let wide: Vec<u16> = path.as_os_str().encode_wide().chain(std::iter::once(0)).collect();
    // SAFETY: zeroed plain data the call fills; `wide` outlives the call.
    let mut found: WIN32_FIND_DATAW = unsafe { std::mem::zeroed() };
    let handle = unsafe { FindFirstFileW(wide.as_ptr(), &raw mut found) };
    if handle == INVALID_HANDLE_VALUE {
        return false;
    }
    // SAFETY: a handle FindFirstFileW opened.
    unsafe { FindClose(handle) };
    let length = found.cFileName.iter().position(|&c| c == 0).unwrap_or(found.cFileName.len());
    let long = std::ffi::OsString::from_wide(&found.cFileName[..length]);
    fold_case(&long.to_string_lossy()) != fold_case(&asked.to_string_lossy())
}

/// Whether `path` names an existing file only through its short (8.3) name (Windows
/// only; never elsewhere).
#[cfg(not(windows))]
pub fn is_short_name_alias(path: &Path) -> bool {
    let _ = path;
    false
}

/// Whether the local folder `dir` compares names without case (NTFS, APFS by default,
/// FAT; a Wine prefix): a probe file is created under a lower-case name and looked up
/// under its upper-case one, then removed. `false` when the probe cannot be made (the
/// folder is read-only: nothing will be written there anyway). Blocking.
pub fn folds_case(dir: &Path) -> bool {
    let tag = super::temporary_name();
    let lower = dir.join(tag.to_ascii_lowercase());
    let Ok(file) = std::fs::File::options().write(true).create_new(true).open(&lower) else {
        return false;
    };
    drop(file);
    let folds = dir.join(tag.to_ascii_uppercase()).symlink_metadata().is_ok();
    let _ = std::fs::remove_file(&lower);
    folds
}

/// Paths of `paths` (`/`-separated, relative) that a destination comparing names without
/// case would take for an earlier one: each mapped to the free name Keep both gives it
/// (`report (1).txt`), chosen so that no two paths of the batch meet. The first of each
/// path of each group (in `paths`' order) keeps its name.
pub fn case_twins<'a>(paths: impl IntoIterator<Item = &'a str>) -> HashMap<String, String> {
    let paths: Vec<&str> = paths.into_iter().collect();
    let mut taken: HashSet<String> = HashSet::with_capacity(paths.len());
    let mut twins = Vec::new();
    for path in &paths {
        if !taken.insert(fold_case(path)) {
            twins.push(*path);
        }
    }
    let mut renamed = HashMap::with_capacity(twins.len());
    for path in twins {
        let free = (1..=u32::MAX)
            .map(|n| super::upload::numbered(path, n))
            .find(|candidate| taken.insert(fold_case(candidate)));
        if let Some(free) = free {
            renamed.insert(path.to_owned(), free);
        }
    }
    renamed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_names_that_would_land_on_a_device_or_another_file() {
        use WindowsNameRule::{Character, DeviceName, TrailingDotOrSpace};
        for name in ["CON", "aux.txt", "NUL", "nul.tar.gz", "COM1", "LPT1.log", "com¹.txt", "AUX .txt", "conin$"] {
            assert_eq!(windows_name_problem(name), Some(DeviceName), "{name}");
        }
        for name in ["report.", "notes ", "x. . "] {
            assert_eq!(windows_name_problem(name), Some(TrailingDotOrSpace), "{name}");
        }
        assert_eq!(windows_name_problem("a:b"), Some(Character(':')));
        assert_eq!(windows_name_problem("x|y"), Some(Character('|')));
        assert_eq!(windows_name_problem("q?"), Some(Character('?')));
        assert_eq!(windows_name_problem("tab\there"), Some(Character('\t')));
        for name in ["COM10", "console.log", "auxiliary", "LPT", "nul-results.txt", "report.txt", ".bashrc", "é.md"] {
            assert_eq!(windows_name_problem(name), None, "{name}");
        }
    }

    #[test]
    fn case_twins_get_keep_both_names_that_meet_nothing_in_the_batch() {
        let twins = case_twins(["Report.txt", "report.txt", "Report (1).txt", "a/B.md", "A/b.md", "x"]);
        assert_eq!(twins.len(), 2, "{twins:?}");
        assert_eq!(twins["report.txt"], "report (2).txt", "(1) is taken by a file of the batch");
        assert_eq!(twins["A/b.md"], "A/b (1).md");
        assert!(case_twins(["straße", "STRASSE"]).is_empty(), "ß does not fold to SS (NTFS, Azure Files)");
    }

    #[test]
    fn a_case_sensitive_folder_is_found_by_probing() {
        let dir = tempfile::tempdir().expect("temp dir");
        // Linux file systems tell case apart; NTFS (and Wine's view of a Linux folder) does
        // not (the Windows unit tests run under Wine). macOS depends on the volume.
        if cfg!(target_os = "linux") || cfg!(windows) {
            assert_eq!(folds_case(dir.path()), cfg!(windows));
        }
        assert_eq!(std::fs::read_dir(dir.path()).expect("listed").count(), 0, "the probe is removed");
    }

    #[test]
    fn a_short_name_is_told_from_the_file_it_names() {
        let dir = tempfile::tempdir().expect("temp dir");
        let long = dir.path().join("a long file name.text");
        std::fs::write(&long, "x").expect("written");
        assert!(!is_short_name_alias(&long), "the file's own name");
        assert!(!is_short_name_alias(&dir.path().join("A LONG FILE NAME.TEXT")), "its name in another case");
        assert!(!is_short_name_alias(&dir.path().join("absent.txt")));
        #[cfg(windows)]
        {
            let short = short_path(&long);
            eprintln!("short name of {long:?}: {short:?}");
            // Where the volume makes short names (Wine does), the short one is an alias.
            if short.file_name() != long.file_name() {
                assert!(is_short_name_alias(&short), "{short:?}");
            }
        }
    }

    /// `GetShortPathNameW` of an existing path (the path itself when it has none).
    #[cfg(windows)]
    #[expect(unsafe_code, reason = "GetShortPathNameW into a buffer of the size it asks for")]
    fn short_path(path: &std::path::Path) -> std::path::PathBuf {
        use std::os::windows::ffi::{OsStrExt as _, OsStringExt as _};
        let wide: Vec<u16> = path.as_os_str().encode_wide().chain(std::iter::once(0)).collect();
        let mut buffer = vec![0_u16; 1024];
        // SAFETY: both buffers are NUL-terminated or sized as passed.
        let length = unsafe {
            windows_sys::Win32::Storage::FileSystem::GetShortPathNameW(wide.as_ptr(), buffer.as_mut_ptr(), 1024)
        };
        let length = usize::try_from(length).unwrap_or(0).min(buffer.len());
        if length == 0 { path.to_owned() } else { std::ffi::OsString::from_wide(&buffer[..length]).into() }
    }
}
