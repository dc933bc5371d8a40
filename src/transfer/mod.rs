//! Moving files and folders (`tree`): downloads in parallel 4 MiB ranges into a temporary file renamed
//! only when complete, uploads as Create File (final size) then parallel Put Ranges, with
//! a partial upload deleted (and said so) when it fails. The persistent pause/resume
//! queue and integrity checks build on these in the transfer issue.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::{StreamExt, TryStreamExt};

pub mod tree;

use crate::files::{FilesClient, FilesError, RANGE_BYTES};

pub use tree::{FileFailure, TreeOutcome};

/// Ranges in flight per file, for uploads and downloads alike.
pub const PARALLEL_RANGES: usize = 8;

/// Why a transfer failed.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The service or network failed.
    #[error(transparent)]
    Files(#[from] FilesError),
    /// A local file could not be read or written.
    #[error("{action} {path}: {source}")]
    Local {
        /// What was being done.
        action: &'static str,
        /// The local path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// An upload failed after the file was created; says whether the partial file was
    /// removed from the share.
    #[error("upload failed: {error}; {cleanup}")]
    PartialUpload {
        /// The failure.
        error: Box<TransferError>,
        /// What happened to the partial file.
        cleanup: String,
    },
}

/// Progress callback: bytes done so far, total bytes.
pub type ProgressFn = Arc<dyn Fn(u64, u64) + Send + Sync>;

fn local<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> TransferError + 'a {
    move |source| TransferError::Local { action, path: path.to_owned(), source }
}

async fn blocking<T: Send + 'static>(
    action: &'static str,
    path: &Path,
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T, TransferError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(local(action, path)),
        Err(join) => Err(TransferError::Local { action, path: path.to_owned(), source: std::io::Error::other(join) }),
    }
}

fn ranges(size: u64) -> impl Iterator<Item = (u64, u64)> {
    (0..size.div_ceil(RANGE_BYTES)).map(move |i| {
        let offset = i * RANGE_BYTES;
        (offset, RANGE_BYTES.min(size - offset))
    })
}

/// `dest`, or `name (1).ext`, `name (2).ext`, … beside it when `dest` exists, so a
/// download never replaces a local file the user did not name. Blocking (stats files).
pub fn unused_path(dest: &Path) -> PathBuf {
    if !dest.exists() {
        return dest.to_owned();
    }
    let stem = dest.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let extension = dest.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    (1..100_000)
        .map(|n| dest.with_file_name(format!("{stem} ({n}){extension}")))
        .find(|candidate| !candidate.exists())
        .unwrap_or_else(|| dest.to_owned())
}

/// Runs `move_range(offset, length)` for every range of a `size`-byte file, `parallel`
/// at a time, reporting progress as ranges finish; stops at the first failure.
async fn for_each_range<F, Fut>(
    size: u64,
    parallel: usize,
    progress: &ProgressFn,
    move_range: F,
) -> Result<(), TransferError>
where
    F: Fn(u64, u64) -> Fut,
    Fut: Future<Output = Result<(), TransferError>>,
{
    let done = AtomicU64::new(0);
    progress(0, size);
    futures_util::stream::iter(ranges(size))
        .map(|(offset, length)| {
            let range = move_range(offset, length);
            let done = &done;
            async move {
                range.await?;
                let now = done.fetch_add(length, Ordering::Relaxed) + length;
                progress(now, size);
                Ok::<(), TransferError>(())
            }
        })
        .buffer_unordered(parallel.max(1))
        .try_collect::<()>()
        .await
}

/// The temporary name a download is written under, beside the destination.
pub fn partial_path(dest: &Path) -> PathBuf {
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    dest.with_file_name(format!(".{name}.azfx-partial"))
}

/// Downloads `share/path` to `dest` with `parallel` ranges in flight. The bytes go to a
/// temporary file that replaces `dest` only once every range has arrived.
pub async fn download(
    client: &FilesClient,
    share: &str,
    path: &str,
    dest: &Path,
    parallel: usize,
    progress: ProgressFn,
) -> Result<u64, TransferError> {
    let size = client.file_properties(share, path).await?.size.unwrap_or(0);
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        let parent = parent.to_owned();
        blocking("creating", &parent.clone(), move || std::fs::create_dir_all(parent)).await?;
    }
    let temp = partial_path(dest);
    let file = {
        let temp = temp.clone();
        blocking("creating", &temp.clone(), move || {
            let file = std::fs::File::create(&temp)?;
            file.set_len(size)?;
            Ok(Arc::new(file))
        })
        .await?
    };
    let result = for_each_range(size, parallel, &progress, |offset, length| {
        let file = Arc::clone(&file);
        let temp = temp.clone();
        async move {
            let data = client.get_range(share, path, offset, length).await?;
            blocking("writing", &temp, move || crate::fs_util::write_all_at(&file, &data, offset)).await
        }
    })
    .await;
    if let Err(error) = result {
        drop(file);
        let _ = tokio::fs::remove_file(&temp).await;
        return Err(error);
    }
    let sync_file = Arc::clone(&file);
    blocking("flushing", &temp, move || sync_file.sync_all()).await?;
    drop(file);
    let (from, to) = (temp.clone(), dest.to_owned());
    blocking("renaming", dest, move || std::fs::rename(from, to)).await?;
    Ok(size)
}

/// Uploads `src` to `share/path` with `parallel` ranges in flight. On failure after the
/// file was created, deletes it so no silent half-file is left, and says what happened.
pub async fn upload(
    client: &FilesClient,
    src: &Path,
    share: &str,
    path: &str,
    parallel: usize,
    progress: ProgressFn,
) -> Result<u64, TransferError> {
    let file = {
        let src_owned = src.to_owned();
        blocking("opening", src, move || std::fs::File::open(src_owned).map(Arc::new)).await?
    };
    let size = file.metadata().map_err(local("reading", src))?.len();
    client.create_file(share, path, size).await?;
    let result = for_each_range(size, parallel, &progress, |offset, length| {
        let file = Arc::clone(&file);
        async move {
            let data = blocking("reading", src, move || {
                let mut buf = vec![0_u8; usize::try_from(length).map_err(std::io::Error::other)?];
                let read = crate::fs_util::read_at(&file, &mut buf, offset)?;
                if read < buf.len() {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the file shrank while uploading",
                    ));
                }
                Ok(bytes::Bytes::from(buf))
            })
            .await?;
            Ok(client.put_range(share, path, offset, data).await?)
        }
    })
    .await;
    match result {
        Ok(()) => Ok(size),
        Err(error) => {
            let cleanup = match client.delete_file(share, path).await {
                Ok(()) => "the partial file was deleted from the share".to_owned(),
                Err(e) => format!("the partial file {share}/{path} could not be deleted and is incomplete ({e})"),
            };
            Err(TransferError::PartialUpload { error: Box::new(error), cleanup })
        }
    }
}
