//! The local-files pane's listing: one folder of this machine, read on the worker (the
//! window does no IO), folders first, names as the OS gives them.

use std::path::{Path, PathBuf};

use crate::error::EngineError;

/// One entry of a local folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalEntry {
    /// Its name in the folder.
    pub name: String,
    /// A folder (a link to a folder counts as one).
    pub is_directory: bool,
    /// Size in bytes (0 for folders).
    pub size: u64,
    /// Last modification, Unix seconds, when the OS tells.
    pub modified: Option<i64>,
}

/// A local folder's entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalListing {
    /// The folder, made absolute.
    pub path: PathBuf,
    /// Its entries: folders first, then by name (case-insensitive).
    pub entries: Vec<LocalEntry>,
}

/// Lists `path`; the empty path lists this machine's drives on Windows (`C:\`, mapped
/// network drives: Explorer's "This PC"), the root `/` elsewhere. Entries whose name is
/// not UTF-8 are shown with replacement characters; ones that vanish while listed are
/// left out.
///
/// Errors: the folder cannot be read (missing, a file, no permission).
pub(super) async fn list_local(path: &Path) -> Result<LocalListing, EngineError> {
    if path.as_os_str().is_empty() {
        #[cfg(windows)]
        return Ok(LocalListing { path: PathBuf::new(), entries: drives() });
        #[cfg(not(windows))]
        return Box::pin(list_local(Path::new("/"))).await;
    }
    let unreadable =
        |e: std::io::Error| EngineError::InvalidInput(format!("cannot read the folder {}: {e}", path.display()));
    // `dunce`: Windows' canonical paths without the `\\?\` prefix where that keeps their
    // meaning (`C:\Users`, so Up stops at `C:\` as in Explorer); as is elsewhere.
    let canonical = path.to_owned();
    let absolute = tokio::task::spawn_blocking(move || dunce::canonicalize(canonical))
        .await
        .map_err(|e| EngineError::InvalidInput(format!("cannot read the folder {}: {e}", path.display())))?
        .map_err(unreadable)?;
    let mut dir = tokio::fs::read_dir(&absolute).await.map_err(unreadable)?;
    let mut entries = Vec::new();
    while let Some(entry) = dir.next_entry().await.map_err(unreadable)? {
        // Follows links, as a file manager shows them; a dangling link is left out.
        let Ok(meta) = tokio::fs::metadata(entry.path()).await else { continue };
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_secs()).ok());
        entries.push(LocalEntry {
            name: entry.file_name().to_string_lossy().into_owned(),
            is_directory: meta.is_dir(),
            size: if meta.is_dir() { 0 } else { meta.len() },
            modified,
        });
    }
    entries.sort_by(|a, b| {
        b.is_directory.cmp(&a.is_directory).then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    Ok(LocalListing { path: absolute, entries })
}

/// The drives Windows has (`GetLogicalDrives`), as folders named `C:\`, `D:\`, …
#[cfg(windows)]
#[expect(unsafe_code, reason = "one Win32 call without arguments")]
fn drives() -> Vec<LocalEntry> {
    // SAFETY: no arguments; answers a bit mask of the drive letters.
    let mask = unsafe { windows_sys::Win32::Storage::FileSystem::GetLogicalDrives() };
    (0..26_u8)
        .filter(|bit| mask & (1 << bit) != 0)
        .map(|bit| LocalEntry {
            name: format!("{}:\\", char::from(b'A' + bit)),
            is_directory: true,
            size: 0,
            modified: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_folder_is_named_as_people_type_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let listing = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(list_local(dir.path()))
            .expect("listed");
        // No `\\?\` prefix on Windows (the unit tests run under Wine too).
        assert!(!listing.path.to_string_lossy().starts_with(r"\\?\"), "{:?}", listing.path);
        assert!(listing.path.is_absolute());
    }

    #[test]
    fn the_empty_path_lists_the_drives_or_the_root() {
        let listing = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(list_local(Path::new("")))
            .expect("listed");
        let names: Vec<&str> = listing.entries.iter().map(|e| e.name.as_str()).collect();
        if cfg!(windows) {
            // Wine maps C: to its prefix and Z: to the Linux root.
            assert!(names.contains(&"C:\\") && listing.entries.iter().all(|e| e.is_directory), "{names:?}");
        } else {
            assert_eq!(listing.path, PathBuf::from("/"));
        }
    }
}
