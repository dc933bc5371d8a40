//! Moving bytes: file and folder uploads and downloads, each cancellable (the transfer
//! removes its own temporary file when cancelled; a destination is never touched) and
//! reporting progress as `Event::Progress`. (The persistent queue of the transfers issue
//! replaces these one-shot commands.)

use std::path::Path;
use std::sync::Arc;

use super::command::{Event, FileFailure, TreeReport};
use super::reply::Task;
use super::runtime::Runtime;
use super::session::Session;
use crate::error::EngineError;
use crate::files::names::join;
use crate::transfer::{self, Conflict, DownloadOutcome, ProgressFn, TransferError, TreeOutcome, UploadOutcome};

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
        skipped: outcome.skipped,
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

/// Downloads a file to `dest` under the `conflict` rule.
pub async fn download(
    rt: &Arc<Runtime>,
    task: &Task,
    share: &str,
    path: &str,
    dest: &Path,
    conflict: Conflict,
) -> Result<DownloadOutcome, EngineError> {
    let session = rt.session()?;
    Ok(transfer::download(&session.files, share, path, dest, conflict, task.token(), progress(rt, task)).await?)
}

/// Uploads a file to `share/path` under the `conflict` rule.
pub async fn upload(
    rt: &Arc<Runtime>,
    task: &Task,
    src: &Path,
    share: &str,
    path: &str,
    conflict: Conflict,
) -> Result<UploadOutcome, EngineError> {
    let session = rt.session()?;
    Ok(transfer::upload(&session.files, src, share, path, conflict, task.token(), progress(rt, task)).await?)
}

/// Uploads a local file or folder into the share directory `dir`, keeping its name.
pub async fn upload_path(
    rt: &Arc<Runtime>,
    task: &Task,
    src: &Path,
    share: &str,
    dir: &str,
    conflict: Conflict,
) -> Result<TreeReport, EngineError> {
    let session = rt.session()?;
    let name = src
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| EngineError::InvalidInput(format!("{} names no file or folder", src.display())))?;
    let dest = join(dir, &name);
    let metadata = tokio::fs::metadata(src).await.map_err(|source| TransferError::Local {
        action: "reading",
        path: src.to_owned(),
        source,
    })?;
    let (client, cancel) = (&session.files, task.token());
    let outcome = if metadata.is_dir() {
        transfer::tree::upload_tree(client, src, share, &dest, conflict, cancel, progress(rt, task)).await?
    } else {
        let done = transfer::upload(client, src, share, &dest, conflict, cancel, progress(rt, task)).await?;
        let files = u64::from(!done.skipped);
        TreeOutcome { files, bytes: done.bytes, skipped: 1 - files, failures: Vec::new() }
    };
    Ok(report(&session, share, outcome))
}

/// Downloads a share folder into the local folder `dest`.
pub async fn download_folder(
    rt: &Arc<Runtime>,
    task: &Task,
    share: &str,
    path: &str,
    dest: &Path,
    conflict: Conflict,
) -> Result<TreeReport, EngineError> {
    let session = rt.session()?;
    let outcome =
        transfer::tree::download_tree(&session.files, share, path, dest, conflict, task.token(), progress(rt, task))
            .await?;
    Ok(report(&session, share, outcome))
}
