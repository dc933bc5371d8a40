//! Folder transfers: walk a local folder and upload it (directories first, then files), or
//! list a share folder recursively and download it. Each file moves with the single-file
//! transfer; a file that fails is recorded and the rest go on, so one bad file never
//! hides what did arrive.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Conflict, ProgressFn, Run, TransferError};
use crate::files::names::join;
use crate::files::{ErrorKind, FilesClient, RemoteTree};

/// One file that did not make it.
#[derive(Debug)]
pub struct FileFailure {
    /// Path relative to the folder.
    pub path: String,
    /// Why.
    pub error: TransferError,
}

/// What a folder transfer did.
#[derive(Debug, Default)]
pub struct TreeOutcome {
    /// Files transferred.
    pub files: u64,
    /// Bytes transferred.
    pub bytes: u64,
    /// Files left alone because the destination existed (`Conflict::Skip`, or
    /// `ReplaceIfNewer` with an older source).
    pub skipped: u64,
    /// Files that failed.
    pub failures: Vec<FileFailure>,
}

/// A local tree: directories, and files with their sizes, as `/`-separated relative paths.
type LocalTree = (Vec<String>, Vec<(String, u64)>);

/// Local files and directories under `root`.
fn walk(root: &Path) -> std::io::Result<LocalTree> {
    let mut directories = Vec::new();
    let mut files = Vec::new();
    let mut stack = vec![(root.to_owned(), String::new())];
    while let Some((dir, relative)) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let child = join(&relative, &name);
            let kind = entry.file_type()?;
            if kind.is_dir() {
                directories.push(child.clone());
                stack.push((entry.path(), child));
            } else if kind.is_file() {
                files.push((child, entry.metadata()?.len()));
            }
        }
    }
    directories.sort();
    Ok((directories, files))
}

/// Moves files one after another with `transfer`, reporting overall progress; a file
/// that fails is recorded and the rest go on. A cancel or pause stops the whole folder.
async fn each_file<F, Fut>(
    files: Vec<(String, u64)>,
    total: u64,
    progress: ProgressFn,
    run: &Run,
    mut transfer: F,
) -> Result<TreeOutcome, TransferError>
where
    F: FnMut(String, ProgressFn) -> Fut,
    Fut: Future<Output = Result<(u64, bool), TransferError>>,
{
    let mut outcome = TreeOutcome::default();
    let mut done_before = 0;
    progress(0, total);
    for (relative, size) in files {
        if run.cancel.is_cancelled() {
            return Err(run.stopped());
        }
        let base = done_before;
        let overall = Arc::clone(&progress);
        let per_file: ProgressFn = Arc::new(move |done, _| overall(base + done, total));
        match transfer(relative.clone(), per_file).await {
            Ok((_, true)) => outcome.skipped += 1,
            Ok((bytes, false)) => {
                outcome.files += 1;
                outcome.bytes += bytes;
            }
            Err(stop @ (TransferError::Cancelled | TransferError::Paused)) => return Err(stop),
            Err(error) => outcome.failures.push(FileFailure { path: relative, error }),
        }
        done_before += size;
        progress(done_before, total);
    }
    Ok(outcome)
}

/// Uploads the folder `src` as `share/dest` (created if missing); each file follows the
/// `conflict` rule.
pub async fn upload_tree(
    client: &FilesClient,
    src: &Path,
    share: &str,
    dest: &str,
    conflict: Conflict,
    run: &Run,
    progress: ProgressFn,
) -> Result<TreeOutcome, TransferError> {
    let root = src.to_owned();
    let (directories, files) = super::blocking("reading", src, move || walk(&root)).await?;
    let total: u64 = files.iter().map(|(_, size)| size).sum();
    for dir in std::iter::once(String::new()).chain(directories) {
        match client.create_directory(share, &join(dest, &dir)).await {
            Ok(_) => {}
            Err(e) if e.kind == ErrorKind::Conflict => {}
            Err(e) => return Err(e.into()),
        }
    }
    each_file(files, total, progress, run, |relative, per_file| async move {
        let outcome =
            super::upload(client, &src.join(&relative), share, &join(dest, &relative), conflict, run, per_file).await?;
        Ok((outcome.bytes, outcome.skipped))
    })
    .await
}

/// Downloads the share folder `share/path` into the local folder `dest` (created); each
/// file follows the `conflict` rule, so a second download never overwrites local edits
/// unless told to.
pub async fn download_tree(
    client: &FilesClient,
    share: &str,
    path: &str,
    dest: &Path,
    conflict: Conflict,
    run: &Run,
    progress: ProgressFn,
) -> Result<TreeOutcome, TransferError> {
    let tree = client.walk(share, path).await?;
    let total = tree.bytes();
    let RemoteTree { directories, files } = tree;
    let local_dirs: Vec<PathBuf> = directories.iter().map(|d| dest.join(d)).collect();
    super::blocking("creating", dest, move || local_dirs.iter().try_for_each(std::fs::create_dir_all)).await?;
    each_file(files, total, progress, run, |relative, per_file| async move {
        let local = dest.join(&relative);
        let outcome = super::download(client, share, &join(path, &relative), &local, conflict, run, per_file).await?;
        Ok((outcome.bytes, outcome.skipped))
    })
    .await
}
