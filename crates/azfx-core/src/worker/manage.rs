//! Changing the share: create a directory, delete (a directory tree depth first, with
//! progress), rename, and writing a local file the user chose.

use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use super::TaskId;
use super::event::Event;
use super::reply::Task;
use super::runtime::Runtime;
use crate::error::EngineError;
use crate::files::names::join;
use crate::transfer::Conflict;
use crate::transfer::copy::{CopyOutcome, FileCopy, Item};
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::{StreamExt, TryStreamExt};

use crate::files::{EntryType, ErrorKind, FilesClient, FilesError, Overwrite};
use crate::transfer::BULK_PARALLEL;
use crate::transfer::TransferError;

/// Creates `share/path`.
pub(super) async fn create_directory(rt: &Runtime, share: &str, path: &str) -> Result<(), EngineError> {
    rt.session()?.files.create_directory(share, path).await?;
    Ok(())
}

fn progress_of(rt: &Arc<Runtime>, task: TaskId) -> crate::transfer::ProgressFn {
    let rt = Arc::clone(rt);
    Arc::new(move |done, total| rt.emit_now(Event::Progress { task, done, total }))
}

/// Copies `items` into `dest_dir` (server-side, through temporary names), with byte
/// progress; a cancel aborts the copies in flight and removes their temporary files.
pub(super) async fn copy(
    rt: &Arc<Runtime>,
    task: &Task,
    share: &str,
    items: &[Item],
    dest_dir: &str,
    conflict: Conflict,
) -> Result<CopyOutcome, EngineError> {
    let session = rt.session()?;
    let progress = progress_of(rt, task.id);
    let run = crate::transfer::copy::CopyRun { progress: &progress, cancel: task.token(), journal: &rt.journal };
    Ok(crate::transfer::copy::copy(&session.files, share, items, dest_dir, conflict, &run).await?)
}

/// Copies the files of an earlier copy's conflicts under the user's answer.
pub(super) async fn copy_files(
    rt: &Arc<Runtime>,
    task: &Task,
    share: &str,
    files: &[FileCopy],
    conflict: Conflict,
) -> Result<CopyOutcome, EngineError> {
    let session = rt.session()?;
    let progress = progress_of(rt, task.id);
    let run = crate::transfer::copy::CopyRun { progress: &progress, cancel: task.token(), journal: &rt.journal };
    Ok(crate::transfer::copy::copy_files(&session.files, share, files, conflict, &run).await?)
}

/// Moves `items` into `dest_dir` (Rename).
pub(super) async fn move_items(
    rt: &Runtime,
    share: &str,
    items: &[Item],
    dest_dir: &str,
    conflict: Conflict,
) -> Result<CopyOutcome, EngineError> {
    let session = rt.session()?;
    Ok(crate::transfer::copy::move_items(&session.files, share, items, dest_dir, conflict).await?)
}

/// Deletes a file, or a directory tree: every file in parallel (`BULK_PARALLEL` at a
/// time), then the directories level by level, deepest first; answers the entries
/// deleted, with progress as they go. An entry already gone counts as deleted. A cancel
/// stops it between requests (what was deleted stays deleted: the user asked for it).
pub(super) async fn delete(
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
    let total = (tree.files.len() + tree.temporary.len() + tree.directories.len()) as u64;
    let done = AtomicU64::new(0);
    let on_gone = || {
        let now = done.fetch_add(1, Ordering::Relaxed) + 1;
        if now.is_multiple_of(100) || now == total {
            rt.emit_now(Event::Progress { task, done: now, total });
        }
    };
    rt.emit_now(Event::Progress { task, done: 0, total });
    // A folder goes whole, unfinished transfers' temporary files included.
    let files = tree.files.iter().chain(&tree.temporary).map(|(file, _)| join(path, file)).collect();
    delete_concurrently(client, share, files, false, &on_gone).await?;
    // Directories level by level, deepest first (the root `""` last).
    let depth = |dir: &String| if dir.is_empty() { 0 } else { dir.matches('/').count() + 1 };
    let mut directories = tree.directories.clone();
    directories.sort_by_key(|dir| std::cmp::Reverse(depth(dir)));
    for level in directories.chunk_by(|a, b| depth(a) == depth(b)) {
        let level = level.iter().map(|dir| join(path, dir)).collect();
        delete_concurrently(client, share, level, true, &on_gone).await?;
    }
    let deleted = done.load(Ordering::Relaxed);
    rt.emit(Event::Progress { task, done: deleted, total }).await;
    Ok(deleted)
}

type Deletion<'a> = Pin<Box<dyn Future<Output = Result<(), FilesError>> + Send + 'a>>;

/// Deletes `paths` (files, or empty directories), `BULK_PARALLEL` at a time; an entry
/// already gone counts as deleted. Stops at the first other failure.
async fn delete_concurrently(
    client: &FilesClient,
    share: &str,
    paths: Vec<String>,
    directories: bool,
    on_gone: &(dyn Fn() + Send + Sync),
) -> Result<(), FilesError> {
    futures_util::stream::iter(paths)
        .map(|path| -> Deletion<'_> {
            Box::pin(async move {
                let result = if directories {
                    client.delete_directory(share, &path).await
                } else {
                    client.delete_file(share, &path).await
                };
                match result {
                    Err(e) if e.kind != ErrorKind::NotFound => Err(e),
                    _ => {
                        on_gone();
                        Ok(())
                    }
                }
            })
        })
        .buffer_unordered(BULK_PARALLEL)
        .try_collect::<()>()
        .await
}

/// Renames within a share; never replaces an existing name. A folder moved into itself
/// is refused before asking the service; a rename that changes only the case of the
/// name (the share compares names without case, so `a` is `A`'s own name) goes through
/// a temporary name, and back to the original if the second step fails.
pub(super) async fn rename(
    rt: &Runtime,
    share: &str,
    from: &str,
    to: &str,
    is_directory: bool,
) -> Result<(), EngineError> {
    let kind = if is_directory { EntryType::Directory } else { EntryType::File };
    let client = &rt.session()?.files;
    let parent = |path: &str| path.rsplit_once('/').map_or("", |(dir, _)| dir).to_owned();
    if is_directory && !from.eq_ignore_ascii_case(to) && crate::transfer::copy::inside(&parent(to), from) {
        return Err(crate::transfer::copy::into_itself(from).into());
    }
    if from != to && from.to_lowercase() == to.to_lowercase() {
        let temp = join(&parent(from), &format!(".azfx-rename-{:016x}", rand::random::<u64>()));
        client.rename(share, from, &temp, kind, Overwrite::Fail).await?;
        if let Err(mut error) = client.rename(share, &temp, to, kind, Overwrite::Fail).await {
            // Put it back under its name; the first error is the one to explain, and
            // where the entry is when it could not go back.
            if client.rename(share, &temp, from, kind, Overwrite::Fail).await.is_err() {
                let note = format!("{from} is now named {temp}: rename it back by hand");
                error.message = Some(error.message.take().map_or(note.clone(), |m| format!("{m}; {note}")));
            }
            return Err(error.into());
        }
        return Ok(());
    }
    client.rename(share, from, to, kind, Overwrite::Fail).await?;
    Ok(())
}

/// Opens a local file or folder with the system's default application (`opener`: the
/// desktop's handler on Linux, Explorer on Windows).
pub(super) async fn open_path(path: std::path::PathBuf) -> Result<(), EngineError> {
    let shown = path.display().to_string();
    match tokio::task::spawn_blocking(move || opener::open(&path)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(EngineError::InvalidInput(format!("cannot open {shown}: {e}"))),
        Err(e) => Err(EngineError::InvalidInput(format!("cannot open {shown}: {e}"))),
    }
}

/// Writes `contents` to the local file `path` through a temporary file beside it, so a
/// failed write (a full disk) leaves what was there; replaces an existing file only with
/// `replace` (keeping its permissions), else answers `TransferError::Exists`; never
/// replaces a link, folder or device (`TransferError::NotRegularFile`).
pub(super) async fn write_file(path: &Path, contents: Vec<u8>, replace: bool) -> Result<(), EngineError> {
    let target = path.to_owned();
    let local = |source: std::io::Error| {
        EngineError::Transfer(TransferError::Local { action: "writing", path: target.clone(), source })
    };
    let written = tokio::task::spawn_blocking({
        let path = path.to_owned();
        move || -> std::io::Result<Result<(), bool>> {
            use std::io::Write as _;
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            // As downloads: a link, folder or device at the path is never replaced; a file
            // that is replaced keeps its permissions.
            let existing = match std::fs::symlink_metadata(&path) {
                Ok(meta) if !meta.file_type().is_file() => return Ok(Err(true)),
                Ok(meta) => Some(meta.permissions()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(e),
            };
            let mut temp = tempfile::Builder::new().prefix(".azfx-").suffix(".part").tempfile_in(dir)?;
            if let Some(permissions) = existing.filter(|_| replace) {
                temp.as_file().set_permissions(permissions)?;
            }
            temp.write_all(&contents)?;
            temp.as_file().sync_all()?;
            let placed = if replace { temp.persist(&path) } else { temp.persist_noclobber(&path) };
            match placed {
                Ok(_) => Ok(Ok(())),
                Err(e) if !replace && e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(Err(false)),
                Err(e) => Err(e.error),
            }
        }
    })
    .await
    .map_err(|e| local(std::io::Error::other(e)))?
    .map_err(local)?;
    written.map_err(|not_a_file| {
        EngineError::Transfer(if not_a_file {
            TransferError::NotRegularFile(path.to_owned())
        } else {
            TransferError::Exists(path.display().to_string())
        })
    })
}
