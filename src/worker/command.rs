//! The worker's vocabulary: what callers ask for (`Command`), what they hear back
//! (`Event`, `Answer`), and the values that cross the boundary: connection settings, what
//! is known about the token, and a `Failure`, the typed error with its diagnosis attached
//! in the worker so every surface shows the same explanation.

use std::path::PathBuf;

use crate::auth::imds::IdentityRetry;
use crate::auth::{AccessToken, AuthError, Claims, CredentialSource, IdentitySelector, Secret};
use crate::clock::Clock;
use crate::diagnose::Diagnosis;
use crate::diagnose::check::{Report, Step};
use crate::error::EngineError;
use crate::files::{DirEntry, EntryProperties, RetryPolicy, ShareItem};
use crate::http::LogEntry;
use crate::transfer::copy::{CopyOutcome, FileCopy, Item};
use crate::transfer::{Conflict, DownloadOutcome, JobId, JobRecord, JobSpec, UploadOutcome};

use super::reply::{Reply, Task};

/// Identifies a long-running request (listing, transfer, delete, check) in events and for
/// cancelling.
pub type TaskId = u64;

/// Which credential to connect with.
#[derive(Clone, Debug)]
pub enum CredentialConfig {
    /// A managed identity through IMDS.
    ManagedIdentity(IdentitySelector),
    /// A managed identity through App Service (`IDENTITY_ENDPOINT`/`IDENTITY_HEADER`).
    AppService(IdentitySelector),
    /// The Azure CLI's login.
    AzureCli,
    /// A token pasted by the user.
    PastedToken(Secret),
    /// A SAS query string.
    Sas(Secret),
    /// The account key.
    AccountKey(Secret),
}

/// Everything needed to connect to an account.
#[derive(Clone, Debug)]
pub struct ConnectionConfig {
    /// Account name, file endpoint URL or connection string.
    pub endpoint: String,
    /// Credential.
    pub credential: CredentialConfig,
    /// IMDS base URL; `None` uses the environment conventions or 169.254.169.254.
    pub imds_endpoint: Option<String>,
    /// Extra CA to trust (PEM), e.g. the emulator's.
    pub ca_pem: Option<Vec<u8>>,
    /// A PEM file of extra CA certificates, read by the worker when connecting (when
    /// `ca_pem` is not given).
    pub ca_file: Option<PathBuf>,
    /// Resource Manager's endpoint for discovery (`None`: the public one; an emulator's
    /// base URL for the demo and tests).
    pub arm_endpoint: Option<String>,
    /// Files retry policy.
    pub retry: RetryPolicy,
    /// How long one Files attempt may take before it is abandoned (and retried when safe):
    /// a service that accepted the request and stopped answering.
    pub attempt_timeout: std::time::Duration,
    /// Identity-endpoint retry policy.
    pub identity_retry: IdentityRetry,
    /// The clock token expiry is judged by (the system's; tests move it).
    pub clock: Clock,
}

impl ConnectionConfig {
    /// A connection with default policies.
    pub fn new(endpoint: &str, credential: CredentialConfig) -> Self {
        Self {
            endpoint: endpoint.to_owned(),
            credential,
            imds_endpoint: None,
            ca_pem: None,
            ca_file: None,
            arm_endpoint: None,
            retry: RetryPolicy::default(),
            attempt_timeout: crate::files::ClientOptions::default().attempt_timeout,
            identity_retry: IdentityRetry::default(),
            clock: Clock::system(),
        }
    }
}

/// What is known about the current token, for display (never the token itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    /// Where it came from.
    pub source: CredentialSource,
    /// Decoded claims.
    pub claims: Option<Claims>,
    /// Expiry (Unix seconds).
    pub expires_on: i64,
    /// When it arrived (Unix seconds).
    pub acquired_at: i64,
    /// When the next proactive refresh is planned (Unix seconds).
    pub refresh_at: i64,
    /// Fingerprint.
    pub fingerprint: String,
}

impl From<&AccessToken> for TokenInfo {
    fn from(token: &AccessToken) -> Self {
        Self {
            source: token.source.clone(),
            claims: token.claims.clone(),
            expires_on: token.expires_on,
            acquired_at: token.acquired_at,
            refresh_at: token.refresh_at(),
            fingerprint: token.fingerprint(),
        }
    }
}

/// The answer to `Connect`.
#[derive(Clone, Debug)]
pub struct Connected {
    /// Account name.
    pub account: String,
    /// Base URL of the file endpoint.
    pub endpoint: String,
    /// Credential source.
    pub credential: CredentialSource,
    /// The token, for bearer credentials.
    pub token: Option<TokenInfo>,
}

/// A failed command: the typed error and its diagnosis, made once in the worker with the
/// session's context (identity claims, account, share), so the error panel, toasts,
/// transfer rows, the request log and the CLI all say the same thing.
#[derive(Debug, thiserror::Error)]
#[error("{}: {error}", diagnosis.title)]
pub struct Failure {
    /// What failed.
    pub error: EngineError,
    /// Why, and what to do.
    pub diagnosis: Box<Diagnosis>,
}

impl Failure {
    /// Whether the caller cancelled the command.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.error, EngineError::Cancelled)
    }

    /// The CLI exit code (see `exit_code`).
    pub fn exit_code(&self) -> i32 {
        self.error.exit_code()
    }

    /// `HTTP 403 AuthorizationPermissionMismatch · request id …`, when a service answered.
    pub fn evidence(&self) -> Option<String> {
        let files = self.error.files_error()?;
        let parts: Vec<String> = [
            files.status.map(|s| format!("HTTP {s}")),
            files.code.clone(),
            files.request_id.as_ref().map(|id| format!("request id {id}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

impl From<EngineError> for Failure {
    /// A failure outside any session (bad input on the command line, say), diagnosed with
    /// an empty context.
    fn from(error: EngineError) -> Self {
        let diagnosis = Box::new(crate::diagnose::diagnose(&error, &crate::diagnose::Context::default()));
        Self { error, diagnosis }
    }
}

/// A result delivered through a promise.
pub type Answer<T> = Result<T, Failure>;

/// One file of a folder transfer that did not make it.
#[derive(Debug)]
pub struct FileFailure {
    /// Path relative to the folder.
    pub path: String,
    /// Why.
    pub failure: Failure,
}

/// What a folder transfer (or a dropped path) did.
#[derive(Debug, Default)]
pub struct TreeReport {
    /// Files transferred.
    pub files: u64,
    /// Bytes transferred.
    pub bytes: u64,
    /// Files left as they were under the conflict rule.
    pub skipped: u64,
    /// Files that failed, each with its diagnosis; the rest went on.
    pub failures: Vec<FileFailure>,
    /// Files saved under another name than their source's (Keep both, or a name that
    /// differs only in case from another file of the folder).
    pub renamed: Vec<crate::transfer::tree::Renamed>,
}

/// Typed commands to the worker, each with the reply its answer goes to (a reply dropped
/// unanswered answers `Unavailable`, so no promise waits forever).
#[derive(Debug)]
pub enum Command {
    /// Sets up the endpoint and credential; gets a token first for bearer credentials.
    Connect { config: Box<ConnectionConfig>, reply: Reply<Connected> },
    /// Connects with a service SAS made through Resource Manager with the config's identity.
    ConnectWithServiceSas {
        config: Box<ConnectionConfig>,
        sas: super::diagnose::ServiceSasRequest,
        reply: Reply<Connected>,
    },
    /// Lists the account's shares.
    ListShares { reply: Reply<Vec<ShareItem>> },
    /// Lists a directory; pages arrive as `Event::ListingPage`, the answer is the count.
    ListDirectory { task: Task, share: String, path: String, reply: Reply<u64> },
    /// Properties of a file or directory.
    Properties { share: String, path: String, is_directory: bool, reply: Reply<EntryProperties> },
    /// Counts what the folders `paths` hold (a delete's confirmation).
    Measure { share: String, paths: Vec<String>, reply: Reply<TreeSize> },
    /// Creates a directory.
    CreateDirectory { share: String, path: String, reply: Reply<()> },
    /// Deletes a file, or a directory and everything below it; answers the count.
    Delete { task: Task, share: String, path: String, is_directory: bool, reply: Reply<u64> },
    /// Renames a file or directory (never over an existing name).
    Rename { share: String, from: String, to: String, is_directory: bool, reply: Reply<()> },
    /// Walks Resource Manager with the credential of `config`: subscriptions → storage
    /// accounts → shares, at `endpoint`.
    Discover { config: Box<ConnectionConfig>, endpoint: String, reply: Reply<Vec<crate::arm::SubscriptionNode>> },
    /// Copies files and folders into a folder of the same share (server-side Copy File).
    Copy {
        task: Task,
        share: String,
        items: Vec<Item>,
        dest_dir: String,
        conflict: Conflict,
        reply: Reply<CopyOutcome>,
    },
    /// Copies these files again under the user's answer to their conflicts.
    CopyFiles { task: Task, share: String, files: Vec<FileCopy>, conflict: Conflict, reply: Reply<CopyOutcome> },
    /// Moves files and folders into a folder of the same share (Rename).
    Move { share: String, items: Vec<Item>, dest_dir: String, conflict: Conflict, reply: Reply<CopyOutcome> },
    /// Downloads a file to a local path; an existing file is handled by `conflict`.
    Download {
        task: Task,
        share: String,
        path: String,
        dest: PathBuf,
        conflict: Conflict,
        reply: Reply<DownloadOutcome>,
    },
    /// Uploads a local file to `share/path`; an existing file is handled by `conflict`.
    Upload { task: Task, src: PathBuf, share: String, path: String, conflict: Conflict, reply: Reply<UploadOutcome> },
    /// Uploads a local file or folder (with everything in it) into the share directory
    /// `dir`, keeping its name.
    UploadPath { task: Task, src: PathBuf, share: String, dir: String, conflict: Conflict, reply: Reply<TreeReport> },
    /// Uploads what a local folder holds into the share folder `dest` (made if missing).
    UploadFolder { task: Task, src: PathBuf, share: String, dest: String, conflict: Conflict, reply: Reply<TreeReport> },
    /// Downloads a share folder and everything in it into the local folder `dest`.
    DownloadFolder {
        task: Task,
        share: String,
        path: String,
        dest: PathBuf,
        conflict: Conflict,
        /// When `dest` exists, download beside it as `name (1)` instead of into it.
        beside: bool,
        reply: Reply<TreeReport>,
    },
    /// The transfer journal's jobs, in queue order (unfinished ones from earlier runs
    /// too).
    Jobs { reply: Reply<Vec<JobRecord>> },
    /// Removes a job that is not running, with its partial files.
    RemoveJob { job: JobId, reply: Reply<()> },
    /// Moves a job one place earlier (or later) in the queue.
    ReorderJob { job: JobId, earlier: bool, reply: Reply<()> },
    /// Drops the cached token and gets a new one.
    RefreshToken { reply: Reply<TokenInfo> },
    /// Gets a token from a credential without connecting (no cache): `azfx token`.
    AcquireToken { config: Box<ConnectionConfig>, resource: String, reply: Reply<AccessToken> },
    /// Runs the access check with its own session (the window's button, `azfx doctor`);
    /// steps arrive as `Event::CheckStep`.
    AccessCheck { task: Task, config: Box<ConnectionConfig>, share: String, read_only: bool, reply: Reply<Report> },
    /// SMB readiness of a share with its own session.
    SmbReadiness {
        config: Box<ConnectionConfig>,
        check: super::smb::SmbCheck,
        reply: Reply<crate::diagnose::smb::SmbReadiness>,
    },
    /// Lists a local folder (the local-files pane).
    ListLocal { path: PathBuf, reply: Reply<super::local::LocalListing> },
    /// Writes a file the user asked for (request log export, diagnostic bundle).
    WriteFile { path: PathBuf, contents: Vec<u8>, replace: bool, reply: Reply<()> },
    /// Opens a local file or folder with the system's default application.
    OpenPath { path: PathBuf, reply: Reply<()> },
}

/// Typed events from the worker.
#[derive(Clone, Debug)]
pub enum Event {
    /// A token arrived (first or refreshed).
    TokenAcquired(Box<TokenInfo>),
    /// Getting or refreshing a token failed.
    TokenFailed(AuthError),
    /// An HTTP exchange finished (one attempt); a failed Files exchange carries the same
    /// diagnosis the command's answer carries.
    RequestLogged(Box<LogEntry>, Option<Box<Diagnosis>>),
    /// Request-log entries (by `sequence`) explained anew, now that more is known (the
    /// role assignments found after a 403): their diagnosis is replaced.
    Rediagnosed(Vec<(u64, Box<Diagnosis>)>),
    /// Failed request-log entries (by `sequence`) that a later attempt of the same
    /// request made good: not errors any more; their diagnosis says so.
    Recovered {
        /// The failed attempts.
        sequences: Vec<u64>,
        /// The attempt that succeeded.
        by: crate::http::Recovery,
        /// What the log shows for them now.
        diagnosis: Box<Diagnosis>,
    },
    /// A page of a directory listing.
    ListingPage {
        /// The listing task.
        task: TaskId,
        /// Entries of this page.
        entries: Vec<DirEntry>,
        /// Entries listed so far, this page included.
        listed: u64,
    },
    /// A step of an access check ended.
    CheckStep {
        /// The check.
        task: TaskId,
        /// The step.
        step: Box<Step>,
    },
    /// A transfer began as (or resumed) a job of the transfer journal.
    JobStarted {
        /// The transfer's task.
        task: TaskId,
        /// Its job.
        job: JobId,
        /// What it is (starting the same transfer again resumes it).
        spec: Box<JobSpec>,
    },
    /// The transfer journal in the state directory cannot be used: transfers are
    /// remembered in memory only (the text says why).
    JournalUnavailable(String),
    /// Progress of a transfer or recursive delete.
    Progress {
        /// The task.
        task: TaskId,
        /// Units done (bytes, or entries for deletes).
        done: u64,
        /// Units in all.
        total: u64,
    },
}

/// What folders hold, everything below them counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TreeSize {
    /// Files (azfx's temporary files included: a delete removes them too).
    pub files: u64,
    /// Folders below them (not counting themselves).
    pub folders: u64,
    /// Bytes in the files.
    pub bytes: u64,
}
