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

/// Lists `path`. Entries whose name is not UTF-8 are shown with replacement characters;
/// ones that vanish while listed are left out.
///
/// Errors: the folder cannot be read (missing, a file, no permission).
pub async fn list_local(path: &Path) -> Result<LocalListing, EngineError> {
    let unreadable =
        |e: std::io::Error| EngineError::InvalidInput(format!("cannot read the folder {}: {e}", path.display()));
    let absolute = tokio::fs::canonicalize(path).await.map_err(unreadable)?;
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
