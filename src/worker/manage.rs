//! Changing the share: create a directory, delete (a directory tree depth first, with
//! progress), rename, and writing a local file the user chose.

use std::path::Path;

use super::TaskId;
use super::command::Event;
use super::runtime::Runtime;
use crate::error::EngineError;
use crate::files::names::join;
use crate::files::{EntryType, Overwrite};
use crate::transfer::TransferError;

/// Creates `share/path`.
pub async fn create_directory(rt: &Runtime, share: &str, path: &str) -> Result<(), EngineError> {
    rt.session()?.files.create_directory(share, path).await?;
    Ok(())
}

/// Deletes a file, or a directory tree (files first, then directories deepest first);
/// answers the entries deleted. Progress every 50 entries.
pub async fn delete(
    rt: &Runtime,
    task: TaskId,
    share: &str,
    path: &str,
    is_directory: bool,
) -> Result<u64, EngineError> {
    let session = rt.session()?;
    let client = &session.files;
    if !is_directory {
        client.delete_file(share, path).await?;
        return Ok(1);
    }
    let tree = client.walk(share, path).await?;
    let total = (tree.files.len() + tree.directories.len()) as u64;
    let mut done = 0;
    for (file, _) in &tree.files {
        client.delete_file(share, &join(path, file)).await?;
        done += 1;
        if done % 50 == 0 {
            rt.emit(Event::Progress { task, done, total }).await;
        }
    }
    for dir in tree.directories.iter().rev() {
        client.delete_directory(share, &join(path, dir)).await?;
        done += 1;
    }
    rt.emit(Event::Progress { task, done, total }).await;
    Ok(done)
}

/// Renames within a share; never replaces an existing name.
pub async fn rename(rt: &Runtime, share: &str, from: &str, to: &str, is_directory: bool) -> Result<(), EngineError> {
    let kind = if is_directory { EntryType::Directory } else { EntryType::File };
    rt.session()?.files.rename(share, from, to, kind, Overwrite::Fail).await?;
    Ok(())
}

/// Writes `contents` to the local file `path`.
pub async fn write_file(path: &Path, contents: Vec<u8>) -> Result<(), EngineError> {
    tokio::fs::write(path, contents).await.map_err(|source| {
        EngineError::Transfer(TransferError::Local { action: "writing", path: path.to_owned(), source })
    })
}
