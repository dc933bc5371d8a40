//! Moving files and folders without ever losing what was there. A file goes to a short
//! temporary name beside its destination and takes the destination's name (rename,
//! replacing only when the user's `Conflict` rule says so) only once every byte arrived
//! and was verified; a failed or cancelled transfer removes its temporary file and never
//! touches the destination. Uploads carry the whole-file MD5 (`x-ms-content-md5`) and the
//! local times; downloads check the stored MD5 and take the share's last-write time.
//! Ranges (≤ 4 MiB) move `PARALLEL_RANGES` at a time. Folders: `tree`.
//!
//! Every transfer runs as a job of the `journal`: each range is recorded once it is
//! written, so a transfer that failed, was paused, or whose process was killed resumes
//! into its temporary file (a download whose source changed starts that file over and
//! says so). Only a cancel removes what was written.

pub mod copy;
mod download;
pub mod journal;
pub mod local_names;
mod place;
pub mod tree;
mod upload;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio_util::sync::CancellationToken;

use crate::files::FilesError;
#[cfg(test)]
use crate::files::RANGE_BYTES;

pub use download::{DownloadOutcome, download};
pub use journal::{JobId, JobKind, JobRecord, JobSpec, JobState, Journal, JournalError};
pub use place::unused_path;
pub use tree::{FileFailure, TreeOutcome};
pub use upload::{UploadOutcome, upload};

/// Ranges in flight per file, for uploads and downloads alike, unless the user chose
/// otherwise (`Run::ranges`, from the settings page's "Ranges in flight per file").
pub const PARALLEL_RANGES: usize = 8;

/// The largest file an Azure file share holds: 4 TiB (Azure Files scale targets).
pub const MAX_FILE_BYTES: u64 = 4 << 40;

/// Requests in flight for bulk operations on many small entries (recursive delete).
pub const BULK_PARALLEL: usize = 16;

/// What to do when the destination of a file already exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Conflict {
    /// Stop with `TransferError::Exists`; nothing is changed (the caller may ask).
    #[default]
    Fail,
    /// Replace it (atomically: the old content stays until the new one is complete).
    Replace,
    /// Leave it and move on; the outcome says the file was skipped.
    Skip,
    /// Keep it and write beside it as `name (1).ext`, `name (2).ext`, …
    KeepBoth,
    /// Replace it only when the source's last-write time is newer; skip otherwise.
    ReplaceIfNewer,
}

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
    /// The local source is not a regular file (a folder, a device, a broken link).
    #[error("{0} is not a file: upload a folder with its folder command, or pick a file")]
    NotAFile(PathBuf),
    /// The destination name is not one Azure Files allows (checked before anything is
    /// sent).
    #[error("{name:?} cannot be a file name on a share: {reason}")]
    InvalidName {
        /// The name.
        name: String,
        /// Which rule it breaks.
        reason: crate::files::names::NameError,
    },
    /// A share name this system's files cannot have (`local_names`): refused for that
    /// file before anything is written, so nothing lands on a device or another file.
    #[error("{name:?} cannot be saved here: {rule}; rename it on the share, or download it under another name")]
    NotAllowedHere {
        /// The name (one path component).
        name: String,
        /// Which rule it breaks.
        rule: local_names::WindowsNameRule,
    },
    /// The destination exists and the conflict rule is `Fail`.
    #[error("{0} already exists")]
    Exists(String),
    /// A file larger than Azure Files holds (`MAX_FILE_BYTES`, 4 TiB); nothing was sent.
    #[error(
        "{path} is {size} bytes: an Azure file share holds files of up to 4 TiB (4 398 046 511 104 bytes), so it was not sent"
    )]
    TooLargeForAzureFiles {
        /// The local file.
        path: PathBuf,
        /// Its size, bytes.
        size: u64,
    },
    /// Replacing a file needs room for both copies until the rename (the new one is
    /// written beside the old, which stays whole until then), and the share's quota
    /// does not leave it. The old file is as it was.
    #[error(
        "{path} was not replaced: a safe replace writes the new {size} beside the old file until the rename, so the share needs {size} free{free}; free space, raise the quota, or delete the old file first"
    )]
    NoRoomToReplace {
        /// The share path.
        path: String,
        /// The new file's size, in words (`3.0 MiB`).
        size: String,
        /// `, and has 1.2 MiB` when the quota and usage could be read, else empty.
        free: String,
    },
    /// A folder was to be copied or moved into itself or one of its subfolders.
    #[error("{0} cannot be copied or moved into itself or a folder inside it")]
    IntoItself(String),
    /// A folder of that name is already where a folder was being moved (folders are not
    /// merged by a move).
    #[error("a folder {0} already exists there: rename one of them, or copy instead to merge")]
    FolderExists(String),
    /// A server-side Copy File ended without success (`x-ms-copy-status` `failed` or
    /// `aborted`); the temporary copy was removed and the destination left as it was.
    #[error("copying {path} failed: {reason}")]
    CopyFailed {
        /// The source file.
        path: String,
        /// `x-ms-copy-status-description`, or the status.
        reason: String,
    },
    /// The local destination is a link, folder, device or pipe: never replaced.
    #[error(
        "{0} is not a regular file (a link, folder, device or pipe): azfx does not replace it; choose another destination"
    )]
    NotRegularFile(PathBuf),
    /// The bytes that arrived are not the bytes that were sent.
    #[error("{path}: the content does not match its MD5 (expected {expected}, got {actual}); {kept}")]
    Integrity {
        /// The file.
        path: String,
        /// The stored or computed MD5 (base64).
        expected: String,
        /// The MD5 of what arrived (base64).
        actual: String,
        /// Where the unverified bytes were kept, or that they were removed.
        kept: String,
    },
    /// The source changed while it was being sent.
    #[error("{0} changed while it was being transferred: try again")]
    SourceChanged(String),
    /// Cancelled by the user; the temporary file was removed.
    #[error("cancelled")]
    Cancelled,
    /// Paused by the user; what was written is kept and the transfer resumes from it.
    #[error("paused: what was transferred is kept, resume to go on")]
    Paused,
    /// The journal that makes transfers resumable failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

impl TransferError {
    /// Whether what was written so far is worth keeping for a retry: the service or the
    /// network failed (or the user paused). Local errors (a full disk), integrity
    /// failures and a changed source start over.
    fn keeps_partial(&self) -> bool {
        matches!(self, Self::Files(_) | Self::Paused)
    }
}

/// How one transfer is driven and remembered: its cancel token, the pause flag (set
/// before the token is cancelled: keep what was written) and its job in the journal.
#[derive(Clone, Debug)]
pub struct Run {
    /// Fires on cancel and on pause.
    pub cancel: CancellationToken,
    /// Set when the cancel is a pause.
    pub pause: Arc<AtomicBool>,
    /// Where ranges are recorded.
    pub journal: Arc<Journal>,
    /// The job the files belong to.
    pub job: JobId,
    /// The job had no file recorded when this run began (a new job, first attempt): no
    /// file can have an earlier attempt to resume, so per-file journal lookups are
    /// skipped (a folder of small files is otherwise bound by them).
    pub fresh: bool,
    /// Ranges in flight per file (`PARALLEL_RANGES` unless the user chose otherwise).
    pub ranges: usize,
}

impl Run {
    /// The error a stopped transfer ends with: `Paused` or `Cancelled`.
    pub fn stopped(&self) -> TransferError {
        if self.pause.load(Ordering::Relaxed) { TransferError::Paused } else { TransferError::Cancelled }
    }
}

/// How much of a file an earlier attempt had already moved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Resumed {
    /// Nothing: the file started from its first byte.
    #[default]
    Fresh,
    /// This many bytes were already there and were not sent again.
    From(u64),
    /// A partial file existed but the source changed since: it started over.
    SourceChanged,
}

/// Progress callback: bytes done so far, total bytes.
pub type ProgressFn = Arc<dyn Fn(u64, u64) + Send + Sync>;

fn local<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> TransferError + 'a {
    move |source| TransferError::Local { action, path: path.to_owned(), source }
}

/// Runs blocking file IO off the runtime's threads.
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

/// Whether `data` is all zeros: such a range of a sparse file is not sent (the new share
/// file reads as zeros) nor written (the new local file reads as zeros), so a sparse file
/// stays sparse both ways. Compared against a zero block with `memcmp`.
fn is_zero(data: &[u8]) -> bool {
    static ZEROS: [u8; 64 * 1024] = [0; 64 * 1024];
    data.chunks(ZEROS.len()).all(|chunk| chunk == &ZEROS[..chunk.len()])
}

/// The `(offset, length)` pieces of a `size`-byte file, `piece` bytes each (the last
/// one shorter).
fn ranges_of(size: u64, piece: u64) -> impl Iterator<Item = (u64, u64)> {
    (0..size.div_ceil(piece)).map(move |i| {
        let offset = i * piece;
        (offset, piece.min(size - offset))
    })
}

/// Bytes of the pieces whose offsets are in `done`.
fn bytes_done(size: u64, piece: u64, done: &std::collections::HashSet<u64>) -> u64 {
    ranges_of(size, piece).filter(|(offset, _)| done.contains(offset)).map(|(_, length)| length).sum()
}

/// Progress of many ranges finishing in any order: bytes done so far, reported after
/// each.
struct Tally<'a> {
    done: AtomicU64,
    size: u64,
    progress: &'a ProgressFn,
}

impl<'a> Tally<'a> {
    fn new(already: u64, size: u64, progress: &'a ProgressFn) -> Self {
        progress(already, size);
        Self { done: AtomicU64::new(already), size, progress }
    }

    fn add(&self, bytes: u64) {
        let now = self.done.fetch_add(bytes, Ordering::Relaxed) + bytes;
        (self.progress)(now, self.size);
    }
}

/// Runs `work` unless the run is stopped first (then `Paused` or `Cancelled`).
async fn unless_stopped<T>(
    run: &Run,
    work: impl Future<Output = Result<T, TransferError>>,
) -> Result<T, TransferError> {
    tokio::select! {
        biased;
        () = run.cancel.cancelled() => Err(run.stopped()),
        result = work => result,
    }
}

/// A short temporary name (`.azfx-<16 hex>.part`), so a destination name of any length
/// the system accepts still leaves room for it.
fn temporary_name() -> String {
    format!(".azfx-{:016x}.part", rand::random::<u64>())
}

/// A time in Azure's 100 ns ticks, the precision SMB times are stored with, so a time
/// that went to the share and back compares equal to the original.
fn ticks(at: time::OffsetDateTime) -> i128 {
    at.unix_timestamp_nanos() / 100
}

/// Base64 of an MD5 digest, as Azure stores `Content-MD5`.
fn md5_base64(digest: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(digest)
}

/// An MD5 computed on the blocking pool from pieces fed in file order, so a download is
/// hashed while it arrives instead of read a second time.
struct OrderedMd5 {
    pieces: tokio::sync::mpsc::Sender<bytes::Bytes>,
    digest: tokio::task::JoinHandle<String>,
}

impl OrderedMd5 {
    /// A hasher that lets the feeder run `ahead` pieces ahead of it before `feed` waits.
    fn start(ahead: usize) -> Self {
        let (pieces, mut incoming) = tokio::sync::mpsc::channel::<bytes::Bytes>(ahead.max(1));
        let digest = tokio::task::spawn_blocking(move || {
            use md5::Digest as _;
            let mut md5 = md5::Md5::new();
            while let Some(piece) = incoming.blocking_recv() {
                md5.update(&piece);
            }
            md5_base64(&md5.finalize())
        });
        Self { pieces, digest }
    }

    /// Hashes the next piece (waits while the hasher is `ahead` pieces behind).
    async fn feed(&self, piece: bytes::Bytes) {
        let _ = self.pieces.send(piece).await;
    }

    /// Where a blocking thread feeds pieces (`blocking_send`, in file order).
    fn feeder(&self) -> tokio::sync::mpsc::Sender<bytes::Bytes> {
        self.pieces.clone()
    }

    /// The digest (base64) of everything fed. Errors: `Local` ("hashing", naming `path`)
    /// when the hasher's thread did not finish, so no file is ever stamped or checked
    /// with a digest of nothing.
    async fn finish(self, path: &Path) -> Result<String, TransferError> {
        drop(self.pieces);
        self.digest.await.map_err(|join| local("hashing", path)(std::io::Error::other(join)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_ranges_are_found_whatever_their_length() {
        assert!(is_zero(&[]) && is_zero(&vec![0; 200_000]));
        let mut data = vec![0; 200_000];
        data[199_999] = 1;
        assert!(!is_zero(&data) && !is_zero(&[1]));
    }

    #[test]
    fn ranges_cover_the_file_in_4_mib_pieces() {
        let pieces: Vec<_> = ranges_of(RANGE_BYTES * 2 + 5, RANGE_BYTES).collect();
        assert_eq!(pieces, [(0, RANGE_BYTES), (RANGE_BYTES, RANGE_BYTES), (RANGE_BYTES * 2, 5)]);
        assert_eq!(ranges_of(0, RANGE_BYTES).count(), 0);
        let done = std::collections::HashSet::from([0, RANGE_BYTES * 2]);
        assert_eq!(bytes_done(RANGE_BYTES * 2 + 5, RANGE_BYTES, &done), RANGE_BYTES + 5);
    }

    #[test]
    fn temporary_names_are_short_hidden_and_distinct() {
        let (a, b) = (temporary_name(), temporary_name());
        assert!(a.starts_with(".azfx-") && a.len() == 27, "{a}");
        assert_ne!(a, b);
    }
}
