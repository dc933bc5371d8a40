//! Moving bytes: file and folder uploads and downloads, each cancellable and reporting
//! progress as `Event::Progress`. (The persistent queue of the transfers issue replaces
//! these one-shot commands.)

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::command::{Event, FileFailure, TreeReport};
use super::reply::Task;
use super::runtime::Runtime;
use super::session::Session;
use crate::error::EngineError;
use crate::files::Overwrite;
use crate::files::names::join;
use crate::transfer::{self, PARALLEL_RANGES, ProgressFn, TransferError, TreeOutcome};

fn progress(rt: &Arc<Runtime>, task: &Task) -> ProgressFn {
    let rt = Arc::clone(rt);
    let task = task.id;
    Arc::new(move |done, total| rt.emit_now(Event::Progress { task, done, total }))
}

/// Per-file failures diagnosed in the session's context, like every other failure.
fn report(session: &Session, share: &str, outcome: TreeOutcome) -> TreeReport {
    TreeReport {
        files: outcome.files,
        bytes: outcome.bytes,
        failures: outcome
            .failures
            .into_iter()
            .map(|f| FileFailure {
                path: f.path,
                failure: session.failure(EngineError::Transfer(f.error), Some(share)),
            })
            .collect(),
    }
}

/// Downloads a file; a download not told to replace gets a free name beside `dest`.
/// A cancelled download leaves no partial file.
pub async fn download(
    rt: &Arc<Runtime>,
    task: &Task,
    share: &str,
    path: &str,
    dest: PathBuf,
    overwrite: Overwrite,
) -> Result<u64, EngineError> {
    let session = rt.session()?;
    let dest = if overwrite == Overwrite::Replace {
        dest
    } else {
        tokio::task::spawn_blocking(move || transfer::unused_path(&dest)).await.map_err(|e| {
            EngineError::Transfer(TransferError::Local {
                action: "choosing a name for",
                path: PathBuf::new(),
                source: std::io::Error::other(e),
            })
        })?
    };
    let work = async {
        Ok(transfer::download(&session.files, share, path, &dest, PARALLEL_RANGES, progress(rt, task)).await?)
    };
    let answer = task.run(work).await;
    if task.is_cancelled() {
        let _ = tokio::fs::remove_file(transfer::partial_path(&dest)).await;
    }
    answer
}

/// Uploads a file to `share/path`.
pub async fn upload(rt: &Arc<Runtime>, task: &Task, src: &Path, share: &str, path: &str) -> Result<u64, EngineError> {
    let session = rt.session()?;
    let work =
        async { Ok(transfer::upload(&session.files, src, share, path, PARALLEL_RANGES, progress(rt, task)).await?) };
    let answer = task.run(work).await;
    if task.is_cancelled() {
        let _ = session.files.delete_file(share, path).await;
    }
    answer
}

/// Uploads a local file or folder into the share directory `dir`, keeping its name.
pub async fn upload_path(
    rt: &Arc<Runtime>,
    task: &Task,
    src: &Path,
    share: &str,
    dir: &str,
) -> Result<TreeReport, EngineError> {
    let session = rt.session()?;
    let name = src
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| EngineError::InvalidInput(format!("{} names no file or folder", src.display())))?;
    let dest = join(dir, &name);
    let work = async {
        let metadata = tokio::fs::metadata(src).await.map_err(|source| TransferError::Local {
            action: "reading",
            path: src.to_owned(),
            source,
        })?;
        let outcome = if metadata.is_dir() {
            transfer::tree::upload_tree(&session.files, src, share, &dest, progress(rt, task)).await?
        } else {
            let bytes =
                transfer::upload(&session.files, src, share, &dest, PARALLEL_RANGES, progress(rt, task)).await?;
            TreeOutcome { files: 1, bytes, failures: Vec::new() }
        };
        Ok(report(&session, share, outcome))
    };
    task.run(work).await
}

/// Downloads a share folder into the local folder `dest`.
pub async fn download_folder(
    rt: &Arc<Runtime>,
    task: &Task,
    share: &str,
    path: &str,
    dest: &Path,
) -> Result<TreeReport, EngineError> {
    let session = rt.session()?;
    let work = async {
        let outcome = transfer::tree::download_tree(&session.files, share, path, dest, progress(rt, task)).await?;
        Ok(report(&session, share, outcome))
    };
    task.run(work).await
}
