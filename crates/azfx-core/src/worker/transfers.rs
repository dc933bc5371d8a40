//! Moving bytes: file and folder uploads and downloads, each a job of the transfer
//! journal. Starting the same transfer again (same direction, account, share and paths)
//! resumes its job; a finished job is forgotten; a failed or paused one stays, with what
//! was written, until it is resumed or removed; a cancelled one removes its temporary
//! files. Progress arrives as `Event::Progress` and is recorded in the journal.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::event::Event;
use super::reply::Task;
use super::runtime::Runtime;
use super::session::Session;
use super::values::{FileFailure, TreeReport};
use crate::error::EngineError;
use crate::files::names::join;
use crate::transfer::{
    self, Conflict, DownloadOutcome, JobId, JobKind, JobSpec, ProgressFn, Run, TransferError, TreeOutcome,
    UploadOutcome,
};

/// How often a transfer's progress reaches the window or terminal (`Event::Progress`)
/// and the journal: a folder of 2 000 small files reports 4 000 times in a second, which
/// would otherwise be 4 000 journal commits. The last report (all bytes done) always
/// goes through.
const EVENT_EVERY: std::time::Duration = std::time::Duration::from_millis(50);
const JOURNAL_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// When a transfer's progress last went out as an event and to the journal, and the
/// latest figures (written to the journal when the job stops, whatever the throttle held
/// back).
#[derive(Default)]
struct Reported {
    event: Option<std::time::Instant>,
    journal: Option<std::time::Instant>,
    latest: Option<(u64, u64)>,
}

fn progress(rt: &Arc<Runtime>, task: &Task, job: JobId, reported: &Arc<std::sync::Mutex<Reported>>) -> ProgressFn {
    let (rt, reported) = (Arc::clone(rt), Arc::clone(reported));
    let task = task.id;
    Arc::new(move |done, total| {
        let now = std::time::Instant::now();
        let due = |at: Option<std::time::Instant>, every| done >= total || at.is_none_or(|at| now - at >= every);
        let (event, journal) = {
            let mut reported = reported.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            reported.latest = Some((done, total));
            let (event, journal) = (due(reported.event, EVENT_EVERY), due(reported.journal, JOURNAL_EVERY));
            if event {
                reported.event = Some(now);
            }
            if journal {
                reported.journal = Some(now);
            }
            (event, journal)
        };
        if journal {
            let _ = rt.journal.progress(job, done, total);
        }
        if event {
            rt.emit_now(Event::Progress { task, done, total });
        }
    })
}

/// Per-file failures diagnosed in the session's context, like every other failure.
fn report(session: &Session, share: &str, outcome: TreeOutcome) -> TreeReport {
    TreeReport {
        files: outcome.files,
        bytes: outcome.bytes,
        skipped: outcome.skipped,
        renamed: outcome.renamed,
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

/// Times a job whose failure was transient (throttling, a server error, the network, a
/// refused token) resumes by itself from what it had written, waiting 1, 2, then 4 s,
/// before it is reported as failed (with its partial files kept for a manual retry).
pub(super) const AUTO_RESUMES: u32 = 3;

/// Whether a failure may go away by itself.
fn transient(error: &TransferError) -> bool {
    use crate::files::ErrorKind;
    matches!(error, TransferError::Files(e) if matches!(
        e.kind,
        ErrorKind::Throttled | ErrorKind::ServerError | ErrorKind::Transport | ErrorKind::Unauthenticated
    ))
}

/// Runs `work` as the journal job `spec` (resuming it when it is unfinished), resuming it
/// again by itself after a transient failure (`AUTO_RESUMES`; for a folder, when every
/// file that failed failed transiently: the files already there are skipped), and keeps
/// the journal true to the outcome: forgotten when done (`unfinished` answers `None`),
/// kept as failed or paused with what was written, its temporary files removed when
/// cancelled.
async fn as_job<T, Fut>(
    rt: &Arc<Runtime>,
    task: &Task,
    session: &Session,
    spec: JobSpec,
    work: impl Fn(Run, ProgressFn) -> Fut,
    unfinished: impl Fn(&T) -> Option<(String, bool)>,
) -> Result<T, EngineError>
where
    Fut: Future<Output = Result<T, TransferError>>,
{
    let (job, resumed) = rt.journal.begin(&spec).map_err(TransferError::from)?;
    rt.emit_now(Event::JobStarted { task: task.id, job, spec: Box::new(spec.clone()) });
    let run = Run {
        cancel: task.token().clone(),
        pause: Arc::clone(task.pause_flag()),
        journal: Arc::clone(&rt.journal),
        job,
        fresh: !resumed && !rt.journal.has_files(job).unwrap_or(true),
        ranges: rt.ranges.load(std::sync::atomic::Ordering::Relaxed),
    };
    let reported = Arc::new(std::sync::Mutex::new(Reported::default()));
    let mut attempt = 0;
    let result = loop {
        // Attempts after the first resume what the earlier ones wrote.
        let this_run = Run { fresh: run.fresh && attempt == 0, ..run.clone() };
        let result = work(this_run, progress(rt, task, job, &reported)).await;
        let again = match &result {
            Ok(value) => unfinished(value).is_some_and(|(_, transient)| transient),
            Err(error) => transient(error),
        };
        if !again || attempt >= AUTO_RESUMES || task.is_cancelled() {
            break result;
        }
        attempt += 1;
        tracing::info!(job, attempt, "resuming a transfer after a transient failure");
        let wait = std::time::Duration::from_secs(1 << (attempt - 1));
        tokio::select! {
            () = task.token().cancelled() => break Err(run.stopped()),
            () = tokio::time::sleep(wait) => {}
        }
    };
    // A failure racing a cancel or pause (a rename, a stamp) is the stop it raced.
    let result = match result {
        Err(error) if task.is_cancelled() && !matches!(error, TransferError::Cancelled | TransferError::Paused) => {
            tracing::debug!("{error} while stopping");
            Err(run.stopped())
        }
        other => other,
    };
    let journal = &rt.journal;
    let latest = reported.lock().unwrap_or_else(std::sync::PoisonError::into_inner).latest;
    if let Some((done, total)) = latest {
        // What the throttle held back: a paused or failed job shows what arrived, in the
        // journal and in the window.
        let _ = journal.progress(job, done, total);
        rt.emit_now(Event::Progress { task: task.id, done, total });
    }
    match &result {
        Ok(value) => match unfinished(value) {
            None => journal.forget(job),
            Some((message, _)) => journal.stop(job, Some(&message)),
        },
        Err(TransferError::Paused) => journal.stop(job, None),
        // Nothing was written (the source was missing, a name refused): nothing to resume.
        Err(_) if !journal.has_files(job).unwrap_or(true) => journal.forget(job),
        Err(TransferError::Cancelled) => {
            match remove_temporaries(journal, Some(session), job, spec.kind.is_download(), &spec.share).await {
                0 => journal.forget(job),
                // Kept (as failed) so Remove can try again: nothing else knows those files.
                left => journal.stop(job, Some(&format!("cancelled; {left} partial file(s) could not be removed"))),
            }
        }
        Err(error) => journal.stop(job, Some(&error.to_string())),
    }
    .map_err(TransferError::from)?;
    Ok(result?)
}

/// Removes the temporary files of a job's unfinished files (local ones, or on the share
/// through `session`); answers how many could not be removed.
pub(super) async fn remove_temporaries(
    journal: &transfer::Journal,
    session: Option<&Session>,
    job: JobId,
    download: bool,
    share: &str,
) -> usize {
    let Ok(temporaries) = journal.temporaries(job) else { return 0 };
    let mut left = 0;
    for (remote, local, temp) in temporaries {
        let removed = if download {
            let path = local.parent().map_or_else(|| PathBuf::from(&temp), |dir| dir.join(&temp));
            match tokio::fs::remove_file(&path).await {
                Ok(()) => true,
                Err(e) => e.kind() == std::io::ErrorKind::NotFound,
            }
        } else {
            let dir = remote.rsplit_once('/').map_or("", |(dir, _)| dir);
            match session {
                Some(session) => match session.files.delete_file(share, &join(dir, &temp)).await {
                    Ok(()) => true,
                    Err(e) => e.kind == crate::files::ErrorKind::NotFound,
                },
                None => false,
            }
        };
        left += usize::from(!removed);
    }
    left
}

/// A local path as the journal keys it: absolute, so the same command run from another
/// folder is the same job.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// A download's local destination, absolute (`absolute`), once its name is one this
/// system can hold: checked first, since making `report.` absolute on Windows gives
/// `report`, another file (`local_names::check_local`).
fn download_target(dest: &Path) -> Result<PathBuf, EngineError> {
    transfer::local_names::check_local(dest)?;
    Ok(absolute(dest))
}

fn spec(session: &Session, kind: JobKind, share: &str, remote: &str, local: &Path, conflict: Conflict) -> JobSpec {
    JobSpec {
        kind,
        endpoint: session.endpoint.base.to_string(),
        share: share.to_owned(),
        remote: remote.to_owned(),
        local: local.to_owned(),
        conflict,
    }
}

/// Downloads a file to `dest` under the `conflict` rule.
pub(super) async fn download(
    rt: &Arc<Runtime>,
    task: &Task,
    share: &str,
    path: &str,
    dest: &Path,
    conflict: Conflict,
) -> Result<DownloadOutcome, EngineError> {
    let session = rt.session()?;
    let dest = &download_target(dest)?;
    let spec = spec(&session, JobKind::Download, share, path, dest, conflict);
    let files = &session.files;
    let work = |run: Run, progress| async move {
        transfer::download(files, share, path, dest, conflict, &run, progress).await
    };
    as_job(rt, task, &session, spec, work, |_| None).await
}

/// Uploads a file to `share/path` under the `conflict` rule.
pub(super) async fn upload(
    rt: &Arc<Runtime>,
    task: &Task,
    src: &Path,
    share: &str,
    path: &str,
    conflict: Conflict,
) -> Result<UploadOutcome, EngineError> {
    let session = rt.session()?;
    let src = &absolute(src);
    let spec = spec(&session, JobKind::Upload, share, path, src, conflict);
    let files = &session.files;
    let work =
        |run: Run, progress| async move { transfer::upload(files, src, share, path, conflict, &run, progress).await };
    as_job(rt, task, &session, spec, work, |_| None).await
}

/// A folder job with failed files is unfinished: what to record, and whether every
/// failure was transient (then it resumes by itself).
fn failed_files(outcome: &TreeOutcome) -> Option<(String, bool)> {
    let failed = outcome.failures.len();
    let all_transient = outcome.failures.iter().all(|f| transient(&f.error));
    (failed > 0)
        .then(|| (format!("{} did not arrive", crate::format::count(failed as u64, "file", "files")), all_transient))
}

/// Uploads a local file or folder into the share directory `dir`, keeping its name.
pub(super) async fn upload_path(
    rt: &Arc<Runtime>,
    task: &Task,
    src: &Path,
    share: &str,
    dir: &str,
    conflict: Conflict,
) -> Result<TreeReport, EngineError> {
    let session = rt.session()?;
    let src = &absolute(src);
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
    let spec = spec(&session, JobKind::UploadPath, share, dir, src, conflict);
    let (client, dest, is_dir) = (&session.files, dest.as_str(), metadata.is_dir());
    let work = |run: Run, progress| async move {
        if is_dir {
            transfer::tree::upload_tree(client, src, share, dest, conflict, &run, progress).await
        } else {
            let done = transfer::upload(client, src, share, dest, conflict, &run, progress).await?;
            let files = u64::from(!done.skipped);
            Ok(TreeOutcome { files, bytes: done.bytes, skipped: 1 - files, ..TreeOutcome::default() })
        }
    };
    let outcome = as_job(rt, task, &session, spec, work, failed_files).await?;
    Ok(report(&session, share, outcome))
}

/// Uploads what the local folder `src` holds into the share folder `dest`, made if
/// missing (its parent must exist), as one job.
pub(super) async fn upload_folder(
    rt: &Arc<Runtime>,
    task: &Task,
    src: &Path,
    share: &str,
    dest: &str,
    conflict: Conflict,
) -> Result<TreeReport, EngineError> {
    let session = rt.session()?;
    let src = &absolute(src);
    let spec = spec(&session, JobKind::UploadFolder, share, dest, src, conflict);
    let client = &session.files;
    let work = |run: Run, progress| async move {
        transfer::tree::upload_tree(client, src, share, dest, conflict, &run, progress).await
    };
    let outcome = as_job(rt, task, &session, spec, work, failed_files).await?;
    Ok(report(&session, share, outcome))
}

/// Downloads a share folder into the local folder `dest`.
/// With `beside`, an existing `dest` is left alone and the folder arrives as `name (1)`.
pub(super) async fn download_folder(
    rt: &Arc<Runtime>,
    task: &Task,
    (share, path): (&str, &str),
    dest: &Path,
    conflict: Conflict,
    beside: bool,
) -> Result<TreeReport, EngineError> {
    let session = rt.session()?;
    let mut dest = download_target(dest)?;
    if beside {
        let asked = dest.clone();
        dest = tokio::task::spawn_blocking(move || transfer::unused_path(&asked)).await.unwrap_or(dest);
    }
    let dest = &dest;
    let spec = spec(&session, JobKind::DownloadFolder, share, path, dest, conflict);
    let files = &session.files;
    let work = |run: Run, progress| async move {
        transfer::tree::download_tree(files, share, path, dest, conflict, &run, progress).await
    };
    let outcome = as_job(rt, task, &session, spec, work, failed_files).await?;
    Ok(report(&session, share, outcome))
}
