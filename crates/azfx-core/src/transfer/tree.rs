//! Folder transfers: walk a local folder and upload it (directories first, then files), or
//! list a share folder recursively and download it. Each file moves with the single-file
//! transfer; a file that fails is recorded and the rest go on, so one bad file never
//! hides what did arrive.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::local_names::{case_twins, check_relative, folds_case};
use super::{Conflict, ProgressFn, Run, TransferError};
use crate::files::names::join;
use crate::files::{ErrorKind, FilesClient, RANGE_BYTES, RemoteTree};

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
    /// Files saved under another name than their source's (Keep both), in the order
    /// they arrived.
    pub renamed: Vec<Renamed>,
}

/// A file of a folder transfer saved under another name (`Conflict::KeepBoth`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Renamed {
    /// The source's path, relative to the folder.
    pub from: String,
    /// The path it was saved as, relative to the destination folder.
    pub to: String,
    /// Renamed because the destination compares names without case and another file of
    /// the same folder has this name in another case (`local_names::case_twins`), not
    /// because the destination already had it.
    pub case_twin: bool,
}

impl std::fmt::Display for Renamed {
    /// `report.txt saved as report (1).txt: …why`, as the summaries print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self { from, to, case_twin } = self;
        if *case_twin {
            write!(
                f,
                "{from} saved as {to}: the destination does not tell names apart by case, and another file of the \
                 folder has that name"
            )
        } else {
            write!(f, "{from} saved as {to}: the destination already had {from}")
        }
    }
}

/// What moving one file of a folder did: bytes moved, whether the conflict rule left the
/// destination as it was, and the relative path it was saved as when that is not its own.
type Moved = (u64, bool, Option<String>);

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
            } else if kind.is_file() && !crate::files::names::is_temporary(&name) {
                // A download still arriving here (`.azfx-….part`) is not content.
                files.push((child, entry.metadata()?.len()));
            }
        }
    }
    directories.sort();
    Ok((directories, files))
}

/// Files moved at the same time in a folder transfer when each fits in one range; larger
/// files move one at a time, each with its own `PARALLEL_RANGES` ranges in flight. Small
/// files are dominated by per-request latency (three requests for an upload, one for a
/// download: see `upload::send_small`, `download::download_small`), so they gain most
/// from overlap, while the bytes in memory stay bounded
/// (at most `SMALL_FILES_PARALLEL` × 2 ranges of 4 MiB).
pub const SMALL_FILES_PARALLEL: usize = 16;

/// Moves files with `transfer` (small ones `SMALL_FILES_PARALLEL` at a time, then large
/// ones one after another), reporting overall progress; a file that fails is recorded
/// and the rest go on. A cancel or pause stops the whole folder. `twins` are the files
/// renamed because the destination compares names without case (`case_twins`).
async fn each_file<F, Fut>(
    files: Vec<(String, u64)>,
    twins: &HashMap<String, String>,
    total: u64,
    progress: ProgressFn,
    run: &Run,
    transfer: F,
) -> Result<TreeOutcome, TransferError>
where
    F: Fn(String, ProgressFn) -> Fut,
    Fut: Future<Output = Result<Moved, TransferError>>,
{
    use futures_util::StreamExt as _;
    let moved = Arc::new(AtomicU64::new(0));
    progress(0, total);
    let one = |(relative, size): (String, u64)| {
        // Each file reports what it added since its last report, so files finishing in any
        // order add up.
        let (overall, moved, seen) = (Arc::clone(&progress), Arc::clone(&moved), Arc::new(AtomicU64::new(0)));
        let per_file: ProgressFn = Arc::new(move |done, _| {
            let before = seen.swap(done, Ordering::Relaxed);
            let now = moved.fetch_add(done.saturating_sub(before), Ordering::Relaxed) + done.saturating_sub(before);
            overall(now, total);
        });
        let finish = Arc::clone(&per_file);
        let work = transfer(relative.clone(), per_file);
        async move {
            if run.cancel.is_cancelled() {
                return (relative, Err(run.stopped()));
            }
            let result = work.await;
            finish(size, size);
            (relative, result)
        }
    };
    let (small, large): (Vec<_>, Vec<_>) = files.into_iter().partition(|(_, size)| *size <= RANGE_BYTES);
    let results = futures_util::stream::iter(small)
        .map(one)
        .buffer_unordered(SMALL_FILES_PARALLEL)
        .chain(futures_util::stream::iter(large).then(one));
    let mut results = std::pin::pin!(results);
    let mut outcome = TreeOutcome::default();
    while let Some((relative, result)) = results.next().await {
        match result {
            Ok((_, true, _)) => outcome.skipped += 1,
            Ok((bytes, false, saved_as)) => {
                outcome.files += 1;
                outcome.bytes += bytes;
                if let Some(to) = saved_as.filter(|to| *to != relative) {
                    let case_twin = twins.contains_key(&relative);
                    outcome.renamed.push(Renamed { from: relative, to, case_twin });
                }
            }
            Err(stop @ (TransferError::Cancelled | TransferError::Paused)) => return Err(stop),
            Err(error) => outcome.failures.push(FileFailure { path: relative, error }),
        }
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
    // The share compares names without case: `report.txt` beside `Report.txt` would be
    // the same file there.
    let twins = case_twins(files.iter().map(|(path, _)| path.as_str()));
    for dir in std::iter::once(String::new()).chain(directories) {
        match client.ensure_directory(share, &join(dest, &dir)).await {
            Ok(_) => {}
            Err(e) if e.kind == ErrorKind::Conflict => {}
            Err(e) => return Err(e.into()),
        }
    }
    each_file(files, &twins, total, progress, run, |relative, per_file| {
        let (to, conflict) = twins.get(&relative).map_or((relative.as_str(), conflict), |to| (to, Conflict::KeepBoth));
        let target = join(dest, to);
        async move {
            let outcome = super::upload(client, &src.join(&relative), share, &target, conflict, run, per_file).await?;
            let saved_as = outcome.path.strip_prefix(dest).map(|p| p.trim_start_matches('/').to_owned());
            Ok((outcome.bytes, outcome.skipped, saved_as))
        }
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
    // The folder's own local name too (`data.` would merge into `data` on Windows).
    super::local_names::check_local(dest)?;
    let tree = client.walk(share, path).await?;
    let RemoteTree { directories, files, .. } = tree;
    // Names this system cannot hold are refused file by file (their folders not made).
    let (files, refused): (Vec<_>, Vec<_>) =
        files.into_iter().partition(|(relative, _)| check_relative(relative).is_ok());
    let local_dirs: Vec<PathBuf> =
        directories.iter().filter(|d| check_relative(d).is_ok()).map(|d| dest.join(d)).collect();
    let total = files.iter().map(|(_, size)| size).sum();
    let root = dest.to_owned();
    let folds = super::blocking("creating", dest, move || {
        std::fs::create_dir_all(&root)?;
        local_dirs.iter().try_for_each(std::fs::create_dir_all)?;
        Ok(folds_case(&root))
    })
    .await?;
    let twins = if folds { case_twins(files.iter().map(|(path, _)| path.as_str())) } else { HashMap::new() };
    let listed: std::collections::HashMap<String, u64> = files.iter().cloned().collect();
    let registered = register_small_files(run, path, dest, &files, &twins).await?;
    let arrived = Arc::new(AtomicU64::new(0));
    let flushing = FolderFlush::start(dest, &arrived).await?;
    let progress: ProgressFn = Arc::new(move |done, total| {
        arrived.store(done, Ordering::Relaxed);
        progress(done, total);
    });
    let mut outcome = each_file(files, &twins, total, progress, run, |relative, per_file| {
        let size = listed.get(&relative).copied().unwrap_or(u64::MAX);
        let registered = registered.get(&relative).cloned();
        let (to, conflict) = twins.get(&relative).map_or((relative.as_str(), conflict), |to| (to, Conflict::KeepBoth));
        let local = dest.join(to);
        async move {
            let remote = join(path, &relative);
            let outcome = if size <= RANGE_BYTES {
                super::download::download_small(
                    client, share, &remote, &local, size, conflict, run, registered, per_file,
                )
                .await?
            } else {
                super::download(client, share, &remote, &local, conflict, run, per_file).await?
            };
            let saved_as = outcome.path.strip_prefix(dest).ok().map(|p| p.to_string_lossy().replace('\\', "/"));
            Ok((outcome.bytes, outcome.skipped, saved_as))
        }
    })
    .await?;
    flushing.finish(dest).await?;
    for (path, _) in refused {
        if let Err(error) = check_relative(&path) {
            outcome.failures.push(FileFailure { path, error });
        }
    }
    Ok(outcome)
}

/// Records the small files of a fresh folder download in the journal in one transaction
/// (`Journal::start_files`), each with the temporary name it will be written to, so no
/// file needs a commit of its own before its bytes land (a kill still leaves every
/// temporary file known, for a resume or a cancel to remove). Answers relative path →
/// (journal id, temporary name); empty for a resumed run, whose files look themselves up.
/// `twins` are the files written under a Keep-both name (`case_twins`).
async fn register_small_files(
    run: &Run,
    path: &str,
    dest: &Path,
    files: &[(String, u64)],
    twins: &HashMap<String, String>,
) -> Result<std::collections::HashMap<String, (i64, String)>, TransferError> {
    if !run.fresh {
        return Ok(std::collections::HashMap::new());
    }
    let small: Vec<_> = files.iter().filter(|(_, size)| *size <= RANGE_BYTES).collect();
    let records: Vec<_> = small
        .iter()
        // Under the name the file is written to: a case twin's Keep-both name.
        .map(|(relative, size)| {
            let local = dest.join(twins.get(relative).unwrap_or(relative));
            (join(path, relative), local, super::temporary_name(), *size)
        })
        .collect();
    // Thousands of rows: on the blocking pool, not a runtime thread.
    let (journal, job) = (Arc::clone(&run.journal), run.job);
    let (ids, records) =
        tokio::task::spawn_blocking(move || journal.start_files(job, &records).map(|ids| (ids, records)))
            .await
            .map_err(|e| TransferError::Local {
                action: "recording",
                path: dest.to_owned(),
                source: std::io::Error::other(e),
            })??;
    Ok(small
        .into_iter()
        .zip(ids)
        .zip(records)
        .map(|(((relative, _), id), (_, _, temp, _))| (relative.clone(), (id, temp)))
        .collect())
}

/// Flushes what a folder download writes to the disk (Linux `syncfs` on the
/// destination's file system), where small files skip their own `fsync`: once every
/// `FOLDER_FLUSH_EVERY` bytes while the folder arrives (on a blocking thread, so the disk
/// writes while the network works) and once at the end (`finish`), which then waits only
/// for the last files. Until then a crash can leave a file recorded as arrived but
/// empty; a resume re-checks each such file's size and downloads it again (`download`).
/// Every call goes through one handle, and the first error any of them reports fails the
/// folder (Linux reports a write-back error once per handle). Elsewhere a no-op: each
/// small file is flushed as it is written.
struct FolderFlush {
    #[cfg(target_os = "linux")]
    running: Option<(tokio_util::sync::CancellationToken, tokio::task::JoinHandle<()>)>,
    #[cfg(target_os = "linux")]
    handle: Arc<std::fs::File>,
    #[cfg(target_os = "linux")]
    failed: Arc<std::sync::Mutex<Option<std::io::Error>>>,
}

/// Bytes of a folder download between two background flushes (`FolderFlush`).
#[cfg(target_os = "linux")]
const FOLDER_FLUSH_EVERY: u64 = 8 * 1024 * 1024;

impl FolderFlush {
    /// Starts flushing `dest`'s file system as `arrived` (bytes moved so far) grows.
    #[cfg_attr(not(target_os = "linux"), expect(clippy::unused_async, reason = "the Linux version opens a handle"))]
    async fn start(dest: &Path, arrived: &Arc<AtomicU64>) -> Result<Self, TransferError> {
        #[cfg(target_os = "linux")]
        {
            let dir = dest.to_owned();
            let handle = Arc::new(super::blocking("flushing", dest, move || std::fs::File::open(dir)).await?);
            let failed = Arc::new(std::sync::Mutex::new(None));
            let stop = tokio_util::sync::CancellationToken::new();
            let task = {
                let (handle, failed, stop, arrived) =
                    (Arc::clone(&handle), Arc::clone(&failed), stop.clone(), Arc::clone(arrived));
                tokio::spawn(async move {
                    let mut flushed = 0;
                    loop {
                        tokio::select! {
                            () = stop.cancelled() => return,
                            () = tokio::time::sleep(std::time::Duration::from_millis(100)) => {}
                        }
                        let now = arrived.load(Ordering::Relaxed);
                        if now - flushed < FOLDER_FLUSH_EVERY {
                            continue;
                        }
                        flushed = now;
                        let (handle, failed) = (Arc::clone(&handle), Arc::clone(&failed));
                        let _ = tokio::task::spawn_blocking(move || syncfs(&handle, &failed)).await;
                    }
                })
            };
            Ok(Self { running: Some((stop, task)), handle, failed })
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (dest, arrived);
            Ok(Self {})
        }
    }

    /// Stops the background flushes, flushes once more and answers the first error.
    #[cfg_attr(not(target_os = "linux"), expect(clippy::unused_async, reason = "the Linux version flushes"))]
    async fn finish(mut self, dest: &Path) -> Result<(), TransferError> {
        #[cfg(target_os = "linux")]
        {
            if let Some((stop, task)) = self.running.take() {
                stop.cancel();
                let _ = task.await;
            }
            let (handle, failed) = (Arc::clone(&self.handle), Arc::clone(&self.failed));
            super::blocking("flushing", dest, move || {
                syncfs(&handle, &failed);
                failed.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take().map_or(Ok(()), Err)
            })
            .await?;
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (&mut self, dest);
        Ok(())
    }
}

impl Drop for FolderFlush {
    /// A folder that stopped early (a cancel, a pause) stops its background flushes.
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if let Some((stop, _)) = &self.running {
            stop.cancel();
        }
    }
}

/// One `syncfs`, keeping its error in `failed` unless an earlier one is there. Blocking.
#[cfg(target_os = "linux")]
fn syncfs(handle: &std::fs::File, failed: &std::sync::Mutex<Option<std::io::Error>>) {
    if let Err(e) = rustix::fs::syncfs(handle) {
        failed.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get_or_insert(e.into());
    }
}
