//! The transfer queue's commands: the journal's jobs, their order, and removing one that
//! is not running (its partial files first).

use std::sync::Arc;

use super::runtime::Runtime;
use super::session::Session;
use super::transfers::remove_temporaries;
use crate::error::EngineError;
use crate::transfer::{JobId, JobRecord, JobState, TransferError};

/// Every job the journal holds, in queue order.
pub(super) fn jobs(rt: &Runtime) -> Result<Vec<JobRecord>, EngineError> {
    Ok(rt.journal.jobs().map_err(TransferError::from)?)
}

/// Moves a job one place earlier or later in the queue.
pub(super) fn reorder_job(rt: &Runtime, job: JobId, earlier: bool) -> Result<(), EngineError> {
    Ok(rt.journal.reorder(job, earlier).map_err(TransferError::from)?)
}

/// Removes a job that is not running: its temporary files (those on a share need a
/// session on that account), then its record.
///
/// Errors: the job runs (cancel it instead), or its partial files on the share cannot be
/// reached from the current session.
pub(super) async fn remove_job(rt: &Arc<Runtime>, job: JobId) -> Result<(), EngineError> {
    let journal = &rt.journal;
    let Some(record) = journal.job(job).map_err(TransferError::from)? else { return Ok(()) };
    if matches!(record.state, JobState::Running | JobState::RunningElsewhere(_)) {
        return Err(EngineError::InvalidInput("this transfer is running: cancel it instead".to_owned()));
    }
    let download = record.spec.kind.is_download();
    // An upload's partial file is on the share: only a session on that account reaches it.
    let session = if download {
        None
    } else {
        let here =
            |s: &Arc<Session>| crate::files::Endpoint::same_account(s.endpoint.base.as_str(), &record.spec.endpoint);
        Some(rt.session().ok().filter(here).ok_or_else(|| {
            EngineError::InvalidInput(format!(
                "connect to {} to remove this upload's partial file from the share",
                record.spec.endpoint
            ))
        })?)
    };
    let left = remove_temporaries(journal, session.as_deref(), job, download, &record.spec.share).await;
    if left > 0 {
        return Err(EngineError::InvalidInput(format!(
            "{} could not be removed; try again",
            crate::format::count(left as u64, "partial file", "partial files")
        )));
    }
    Ok(journal.forget(job).map_err(TransferError::from)?)
}
