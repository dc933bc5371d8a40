//! Server-side Copy File within one account: start it, poll it, abort it.
//!
//! Protocol (research notes §3.8): `PUT /{share}/{dest}` with `x-ms-copy-source: {URL of
//! the source file}` → 202 with `x-ms-copy-id` and `x-ms-copy-status`; while the status is
//! `pending`, Get File Properties of the destination reports it (`pending|success|aborted|
//! failed`, `x-ms-copy-status-description`). With a bearer token, a copy within the same
//! account is authorized by the destination's token (recorded in the JS SDK's
//! `fileclient__oauth/recording_startcopyfromurl.js`). The service *replaces* an existing
//! destination: callers that must not replace anything copy to a temporary name and
//! rename (see `transfer::copy`).

use std::time::Duration;

use reqwest::Method;

use super::FilesClient;
use super::error::{ErrorKind, FilesError};
use super::send::Request;

/// Where a Copy File stands (`x-ms-copy-status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyStatus {
    /// Still copying: poll again.
    Pending,
    /// Done: the destination holds the source's bytes.
    Success,
    /// Stopped by Abort Copy File.
    Aborted,
    /// The service gave up (the description says why).
    Failed,
}

impl CopyStatus {
    fn parse(value: &str) -> Option<Self> {
        match value.to_ascii_lowercase().as_str() {
            "pending" => Some(Self::Pending),
            "success" => Some(Self::Success),
            "aborted" => Some(Self::Aborted),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// A copy's id, status and (when it ended badly) the service's description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyState {
    /// `x-ms-copy-id`, needed to abort it.
    pub id: String,
    /// `x-ms-copy-status`.
    pub status: CopyStatus,
    /// `x-ms-copy-status-description`.
    pub description: Option<String>,
}

/// First wait between polls of a pending copy; doubles up to `COPY_POLL_MAX`.
const COPY_POLL_FIRST: Duration = Duration::from_millis(100);
/// Longest wait between polls.
const COPY_POLL_MAX: Duration = Duration::from_secs(5);

fn copy_state(reply: &super::send::Response, operation: &str, url: &str) -> Result<CopyState, FilesError> {
    let status = reply.header("x-ms-copy-status").and_then(|v| CopyStatus::parse(&v));
    if let (Some(id), Some(status)) = (reply.header("x-ms-copy-id"), status) {
        return Ok(CopyState { id, status, description: reply.header("x-ms-copy-status-description") });
    }
    let mut error = FilesError::new(ErrorKind::InvalidResponse, operation, url);
    error.message = Some("the answer has no x-ms-copy-id or x-ms-copy-status".to_owned());
    Err(error)
}

impl FilesClient {
    /// Starts a server-side copy of `source` (a file of `source_share`) to `dest`, which is
    /// created or replaced; the SMB creation and last-write times come from the source.
    /// Attributes do not: a Read-only source would make the temporary copy read-only, and
    /// the service then refuses to delete it (409 `ReadOnlyAttribute`) when a copy fails. Errors:
    /// `CannotVerifyCopySource` (404 source gone, 403 not authorized), `ParentNotFound`,
    /// quota.
    pub async fn start_copy(
        &self,
        share: &str,
        dest: &str,
        source_share: &str,
        source: &str,
    ) -> Result<CopyState, FilesError> {
        let url = self.endpoint.url(share, dest);
        let source_url = self.endpoint.url(source_share, source);
        let mut request = Request::new("Copy file", Method::PUT, url.clone())
            .header("x-ms-copy-source", source_url.to_string())
            .header("x-ms-source-allow-trailing-dot", "true")
            .header("x-ms-file-creation-time", "source")
            .header("x-ms-file-last-write-time", "source");
        // Each start is a new copy; the caller decides what a retry means.
        request.idempotent = false;
        let reply = self.send(request).await?;
        copy_state(&reply, "Copy file", url.as_str())
    }

    /// The state of the last copy into `path` (Get File Properties).
    pub async fn copy_state(&self, share: &str, path: &str) -> Result<CopyState, FilesError> {
        let url = self.endpoint.url(share, path);
        let reply = self.send(Request::new("Get copy status", Method::HEAD, url.clone())).await?;
        copy_state(&reply, "Get copy status", url.as_str())
    }

    /// Aborts the pending copy `copy_id` into `path`; the service leaves the file with
    /// zero length and full metadata (the caller deletes it).
    pub async fn abort_copy(&self, share: &str, path: &str, copy_id: &str) -> Result<(), FilesError> {
        let mut url = self.endpoint.url(share, path);
        url.query_pairs_mut().append_pair("comp", "copy").append_pair("copyid", copy_id);
        let request = Request::new("Abort copy", Method::PUT, url).header("x-ms-copy-action", "abort");
        self.send(request).await.map(drop)
    }

    /// Polls a started copy until it ends, waiting 0.1 s, then twice as long each time up
    /// to 5 s. Returns the final state (`Success`, `Aborted` or `Failed`).
    pub async fn wait_for_copy(&self, share: &str, path: &str, started: CopyState) -> Result<CopyState, FilesError> {
        let mut state = started;
        let mut wait = COPY_POLL_FIRST;
        while state.status == CopyStatus::Pending {
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(COPY_POLL_MAX);
            state = self.copy_state(share, path).await?;
        }
        Ok(state)
    }
}
