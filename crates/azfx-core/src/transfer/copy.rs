//! Copy and move within one share, under the same conflict rules as uploads.
//!
//! Copy is the service's server-side Copy File (`files::copy`): each file is copied to a
//! temporary name beside its destination and renamed into place once the copy succeeded,
//! replacing an existing file only under `Conflict::Replace` (or `ReplaceIfNewer` with a
//! newer source). The service's Copy File itself replaces without asking and a failed copy
//! leaves a damaged file, so copying straight onto the destination could lose it. Folders
//! are copied recursively: their directories are created, then their files copied
//! `BULK_PARALLEL` at a time. Move is Rename (metadata only, nothing is rewritten).
//!
//! Files whose destination exists under `Conflict::Fail` are returned as conflicts, not
//! copied, so the caller can ask once and run just those again with the user's rule.

use futures_util::StreamExt as _;
use tokio_util::sync::CancellationToken;

use super::upload::{destination, numbered, parent, place};
use super::{BULK_PARALLEL, Conflict, FileFailure, ProgressFn, TransferError, temporary_name};
use crate::files::names::join;
use crate::files::{CopyStatus, EntryType, FilesClient, Overwrite};

/// An entry to copy or move: its path in the share, and whether it is a folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// Path below the share.
    pub path: String,
    /// A folder (copied or moved with everything in it).
    pub is_directory: bool,
}

/// One file to copy: source path, destination path, size in bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileCopy {
    /// Source path below the share.
    pub from: String,
    /// Destination path below the share.
    pub to: String,
    /// Size in bytes (for progress).
    pub size: u64,
}

/// How a copy is driven: its progress callback, its cancel token, and the journal that
/// notes each temporary share file while the service fills it (so one left by a killed
/// process is removed by the next connection, see `Journal::note_leftover`).
pub struct CopyRun<'a> {
    /// Bytes copied so far, of the total.
    pub progress: &'a ProgressFn,
    /// Fires on cancel: copies in flight are aborted and their temporary files removed.
    pub cancel: &'a CancellationToken,
    /// Where temporary files are noted.
    pub journal: &'a super::Journal,
}

impl std::fmt::Debug for CopyRun<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopyRun").field("cancelled", &self.cancel.is_cancelled()).finish_non_exhaustive()
    }
}

/// What a copy or move did.
#[derive(Debug, Default)]
pub struct CopyOutcome {
    /// Files copied (or entries moved).
    pub done: u64,
    /// Bytes copied.
    pub bytes: u64,
    /// Files left alone under `Skip` or `ReplaceIfNewer`.
    pub skipped: u64,
    /// Files whose destination exists (rule `Fail`): nothing was done to them.
    pub conflicts: Vec<FileCopy>,
    /// Entries that failed, with why.
    pub failures: Vec<FileFailure>,
}

/// 409 `ResourceAlreadyExists`: the name is taken.
fn already_exists(error: &crate::files::FilesError) -> bool {
    error.code.as_deref() == Some("ResourceAlreadyExists")
}

fn name_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Whether `dest_dir` is `folder` or inside it (a folder cannot go into itself); names
/// compare without case, as the share compares them.
pub fn inside(dest_dir: &str, folder: &str) -> bool {
    let (dest_dir, folder) = (dest_dir.to_lowercase(), folder.to_lowercase());
    dest_dir == folder || dest_dir.starts_with(&format!("{folder}/"))
}

/// The refusal of a folder moved or copied into itself.
pub fn into_itself(folder: &str) -> TransferError {
    TransferError::IntoItself(format!("/{folder}"))
}

/// A folder's name in `dest_dir`: its own, or `name (n)` when copied into the folder it
/// is already in (as Explorer makes a second copy beside the first).
async fn folder_destination(
    client: &FilesClient,
    share: &str,
    item: &str,
    dest_dir: &str,
) -> Result<String, TransferError> {
    let target = join(dest_dir, name_of(item));
    if target != item {
        return Ok(target);
    }
    for n in 1..10_000 {
        let candidate = numbered(&target, n);
        if client.directory_properties_if_any(share, &candidate).await?.is_none() {
            return Ok(candidate);
        }
    }
    Err(TransferError::Exists(format!("/{share}/{target}")))
}

/// Copies `items` into the folder `dest_dir` of the same share. A file copied into the
/// folder it is in is kept beside itself (`name (1).ext`) whatever the rule.
///
/// Errors (before anything is copied): `IntoItself`, listing failures. Per-file failures
/// and conflicts are in the outcome.
pub async fn copy(
    client: &FilesClient,
    share: &str,
    items: &[Item],
    dest_dir: &str,
    conflict: Conflict,
    run: &CopyRun<'_>,
) -> Result<CopyOutcome, TransferError> {
    let cancel = run.cancel;
    let mut directories = Vec::new();
    let mut files = Vec::new();
    for item in items {
        if cancel.is_cancelled() {
            return Err(TransferError::Cancelled);
        }
        if item.is_directory {
            if inside(dest_dir, &item.path) {
                return Err(into_itself(&item.path));
            }
            let target = folder_destination(client, share, &item.path, dest_dir).await?;
            let tree = client.walk(share, &item.path).await?;
            directories.extend(tree.directories.iter().map(|d| join(&target, d)));
            files.extend(tree.files.into_iter().map(|(relative, size)| FileCopy {
                from: join(&item.path, &relative),
                to: join(&target, &relative),
                size,
            }));
        } else {
            let size = client.file_properties(share, &item.path).await?.size.unwrap_or(0);
            files.push(FileCopy { from: item.path.clone(), to: join(dest_dir, name_of(&item.path)), size });
        }
    }
    for directory in &directories {
        if cancel.is_cancelled() {
            return Err(TransferError::Cancelled);
        }
        client.ensure_directory(share, directory).await?;
    }
    copy_files(client, share, &files, conflict, run).await
}

/// Copies each file to its destination under `conflict` (`BULK_PARALLEL` at a time). A
/// copy onto its own source is kept beside it (`name (1).ext`).
///
/// Errors: `Cancelled` when `cancel` fired (copies in flight are aborted and their
/// temporary files removed; files already copied stay).
pub async fn copy_files(
    client: &FilesClient,
    share: &str,
    files: &[FileCopy],
    conflict: Conflict,
    run: &CopyRun<'_>,
) -> Result<CopyOutcome, TransferError> {
    let (progress, cancel) = (run.progress, run.cancel);
    let total: u64 = files.iter().map(|f| f.size).sum();
    let done_bytes = std::sync::atomic::AtomicU64::new(0);
    progress(0, total);
    let results: Vec<(FileCopy, Result<Option<u64>, TransferError>)> =
        futures_util::stream::iter(files.iter().cloned())
            .map(|file| async {
                let rule = if file.from == file.to { Conflict::KeepBoth } else { conflict };
                let result = copy_one(client, share, &file, rule, run).await;
                if let Ok(Some(bytes)) = result {
                    let now = done_bytes.fetch_add(bytes, std::sync::atomic::Ordering::Relaxed) + bytes;
                    progress(now, total);
                }
                (file, result)
            })
            .buffer_unordered(BULK_PARALLEL)
            .collect()
            .await;
    let mut outcome = CopyOutcome::default();
    for (file, result) in results {
        match result {
            Ok(Some(bytes)) => {
                outcome.done += 1;
                outcome.bytes += bytes;
            }
            Ok(None) => outcome.skipped += 1,
            Err(TransferError::Exists(_)) => outcome.conflicts.push(file),
            Err(TransferError::Cancelled) => {}
            Err(error) => outcome.failures.push(FileFailure { path: file.from, error }),
        }
    }
    if cancel.is_cancelled() {
        return Err(TransferError::Cancelled);
    }
    Ok(outcome)
}

/// The source's last-write time, when the rule compares it (`ReplaceIfNewer`).
async fn source_last_write(
    client: &FilesClient,
    share: &str,
    path: &str,
    conflict: Conflict,
) -> Result<Option<time::OffsetDateTime>, TransferError> {
    if conflict != Conflict::ReplaceIfNewer {
        return Ok(None);
    }
    let properties = client.file_properties(share, path).await?;
    Ok(properties.last_write.as_deref().and_then(crate::azure_time::parse_iso))
}

/// One file: `Some(bytes)` copied, `None` skipped.
async fn copy_one(
    client: &FilesClient,
    share: &str,
    file: &FileCopy,
    conflict: Conflict,
    run: &CopyRun<'_>,
) -> Result<Option<u64>, TransferError> {
    let cancel = run.cancel;
    if cancel.is_cancelled() {
        return Err(TransferError::Cancelled);
    }
    let source_write = source_last_write(client, share, &file.from, conflict).await?;
    let Some((target, replace)) = destination(client, share, &file.to, conflict, source_write).await? else {
        return Ok(None);
    };
    let temp = join(parent(&target), &temporary_name());
    // Noted before the service creates it, forgotten once it is renamed or removed.
    let leftover = run.journal.note_leftover(client.endpoint().base.as_str(), share, &temp)?;
    let copied = async {
        let started = client.start_copy(share, &temp, share, &file.from).await?;
        let id = started.id.clone();
        let ended = tokio::select! {
            biased;
            () = cancel.cancelled() => {
                let _ = client.abort_copy(share, &temp, &id).await;
                return Err(TransferError::Cancelled);
            }
            ended = client.wait_for_copy(share, &temp, started) => ended?,
        };
        if ended.status != CopyStatus::Success {
            return Err(TransferError::CopyFailed {
                path: format!("/{share}/{}", file.from),
                reason: ended.description.unwrap_or_else(|| format!("{:?}", ended.status).to_lowercase()),
            });
        }
        // Someone created the destination meanwhile: theirs stays, the user is asked
        // (or, keeping both, the next free number is taken).
        place(client, share, &temp, (&file.to, &target), conflict, replace).await.map(drop)
    }
    .await;
    let answer = match copied {
        Ok(()) => Ok(Some(file.size)),
        Err(error) => {
            // The temporary copy goes (if it was made); the destination was never touched.
            let _ = client.delete_file(share, &temp).await;
            Err(error)
        }
    };
    run.journal.forget_leftover(leftover)?;
    answer
}

/// Moves `items` into `dest_dir` (Rename). A file whose name exists there follows
/// `conflict` (`Fail`: returned as a conflict; `KeepBoth`: `name (1).ext`; `Replace`:
/// replaced). A folder whose name exists there is not merged: it fails with `Exists`.
/// Moving an entry into the folder it is in does nothing.
pub async fn move_items(
    client: &FilesClient,
    share: &str,
    items: &[Item],
    dest_dir: &str,
    conflict: Conflict,
) -> Result<CopyOutcome, TransferError> {
    if let Some(folder) = items.iter().find(|i| i.is_directory && inside(dest_dir, &i.path)) {
        return Err(into_itself(&folder.path));
    }
    let mut outcome = CopyOutcome::default();
    for item in items {
        let to = join(dest_dir, name_of(&item.path));
        if to == item.path {
            outcome.skipped += 1;
            continue;
        }
        let file = FileCopy { from: item.path.clone(), to: to.clone(), size: 0 };
        let result = if item.is_directory {
            client
                .rename(share, &item.path, &to, EntryType::Directory, Overwrite::Fail)
                .await
                .map(|()| Some(0))
                .map_err(|e| {
                    if already_exists(&e) { TransferError::FolderExists(format!("/{share}/{to}")) } else { e.into() }
                })
        } else {
            move_file(client, share, &file, conflict).await
        };
        match result {
            Ok(Some(_)) => outcome.done += 1,
            Ok(None) => outcome.skipped += 1,
            Err(TransferError::Exists(_)) => outcome.conflicts.push(file),
            Err(error) => outcome.failures.push(FileFailure { path: item.path.clone(), error }),
        }
    }
    Ok(outcome)
}

async fn move_file(
    client: &FilesClient,
    share: &str,
    file: &FileCopy,
    conflict: Conflict,
) -> Result<Option<u64>, TransferError> {
    let source_write = source_last_write(client, share, &file.from, conflict).await?;
    let Some((target, replace)) = destination(client, share, &file.to, conflict, source_write).await? else {
        return Ok(None);
    };
    let overwrite = if replace { Overwrite::Replace } else { Overwrite::Fail };
    match client.rename(share, &file.from, &target, EntryType::File, overwrite).await {
        Ok(()) => Ok(Some(0)),
        Err(e) if already_exists(&e) => Err(TransferError::Exists(format!("/{share}/{target}"))),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::inside;

    #[test]
    fn a_folder_is_inside_itself_and_its_subfolders_only() {
        assert!(inside("a", "a") && inside("a/b/c", "a"));
        assert!(!inside("ab", "a") && !inside("", "a") && !inside("b/a", "a"));
    }
}
