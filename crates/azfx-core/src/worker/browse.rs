//! Reading the share: list shares, list a directory page by page (each page an event, so
//! the first rows show at once), properties of an entry.

use super::TaskId;
use super::event::Event;
use super::runtime::Runtime;
use crate::error::EngineError;
use crate::files::{EntryProperties, ErrorKind, LIST_PAGE_MAX, ShareItem};

/// The account's shares.
pub(super) async fn list_shares(rt: &Runtime) -> Result<Vec<ShareItem>, EngineError> {
    Ok(rt.session()?.files.list_shares().await?)
}

/// Lists `share/path`, one `Event::ListingPage` per page; answers the entry count.
pub(super) async fn list_directory(rt: &Runtime, task: TaskId, share: &str, path: &str) -> Result<u64, EngineError> {
    let session = rt.session()?;
    let mut marker: Option<String> = None;
    let mut listed = 0_u64;
    loop {
        let page = session.files.list_page(share, path, marker.as_deref(), LIST_PAGE_MAX).await.inspect_err(|e| {
            if e.kind == ErrorKind::PermissionDenied {
                session.note_read(share, false);
            }
        })?;
        session.note_read(share, true);
        // azfx's own temporary files (unfinished transfers) are not listed as files.
        let mut entries = page.entries;
        entries.retain(|e| e.is_directory || !crate::files::names::is_temporary(&e.name));
        listed += entries.len() as u64;
        rt.emit(Event::ListingPage { task, entries, listed }).await;
        match page.next_marker {
            Some(next) => marker = Some(next),
            None => return Ok(listed),
        }
    }
}

/// Properties of a file or directory.
pub(super) async fn properties(
    rt: &Runtime,
    share: &str,
    path: &str,
    is_directory: bool,
) -> Result<EntryProperties, EngineError> {
    let session = rt.session()?;
    let properties = if is_directory {
        session.files.directory_properties(share, path).await?
    } else {
        session.files.file_properties(share, path).await?
    };
    session.note_read(share, true);
    Ok(properties)
}

/// What the folders `paths` of `share` hold, walked one after another.
pub(super) async fn measure(rt: &Runtime, share: &str, paths: &[String]) -> Result<super::TreeSize, EngineError> {
    let session = rt.session()?;
    let mut size = super::TreeSize::default();
    for path in paths {
        let tree = session.files.walk(share, path).await?;
        size.files += (tree.files.len() + tree.temporary.len()) as u64;
        size.folders += tree.directories.len().saturating_sub(1) as u64;
        size.bytes += tree.bytes() + tree.temporary.iter().map(|(_, bytes)| bytes).sum::<u64>();
    }
    Ok(size)
}
