//! The background worker: one named thread owning a tokio runtime, the token caches, the
//! Files client and the request log. Callers (the UI, the CLI) send typed commands and
//! hold `poll_promise::Promise`s for the answers; the worker pushes typed events (token
//! acquired or failing, request logged, listing pages, transfer progress) and calls the
//! repaint callback after each. Nothing here blocks its caller.

mod context;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use poll_promise::{Promise, Sender};
use tokio::sync::mpsc;

use crate::auth::imds::IdentityRetry;
use crate::auth::{AccessToken, AuthError, Claims, CredentialSource, IdentitySelector, Secret};
use crate::diagnose::check::{Report, Step};
use crate::files::endpoint::EndpointError;
use crate::files::{DirEntry, EntryProperties, FilesError, Overwrite, RetryPolicy, ShareItem};
use crate::http::{LogEntry, RequestLog};
use crate::transfer::TransferError;
use crate::transfer_tree::TreeOutcome;

/// Identifies a long-running request (listing, transfer) in events and for cancelling.
pub type TaskId = u64;

/// Entries the request log keeps.
const LOG_CAPACITY: usize = 5_000;
/// Commands that may wait for the worker.
const COMMAND_CAPACITY: usize = 256;
/// Events that may wait for the caller.
const EVENT_CAPACITY: usize = 8_192;

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
    /// Files retry policy.
    pub retry: RetryPolicy,
    /// Identity-endpoint retry policy.
    pub identity_retry: IdentityRetry,
}

impl ConnectionConfig {
    /// A connection with default policies.
    pub fn new(endpoint: &str, credential: CredentialConfig) -> Self {
        Self {
            endpoint: endpoint.to_owned(),
            credential,
            imds_endpoint: None,
            ca_pem: None,
            retry: RetryPolicy::default(),
            identity_retry: IdentityRetry::default(),
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

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The Files service or the network failed.
    #[error(transparent)]
    Files(#[from] FilesError),
    /// No token could be had.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The endpoint could not be understood.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// A transfer failed.
    #[error(transparent)]
    Transfer(#[from] TransferError),
    /// No connection yet.
    #[error("not connected: connect to an account first")]
    NotConnected,
    /// Cancelled by the caller.
    #[error("cancelled")]
    Cancelled,
    /// The worker is not running or its queue is full.
    #[error("the background worker is not available")]
    Unavailable,
    /// The request itself was invalid.
    #[error("{0}")]
    InvalidInput(String),
}

/// Process exit codes of the CLI, one per failing layer.
pub mod exit_code {
    /// Success.
    pub const OK: i32 = 0;
    /// Anything not listed below.
    pub const OTHER: i32 = 1;
    /// Bad command line (clap's own code).
    pub const USAGE: i32 = 2;
    /// No token: the identity endpoint or credential failed.
    pub const IDENTITY: i32 = 3;
    /// 401: the service did not accept the token.
    pub const UNAUTHENTICATED: i32 = 4;
    /// 403: permission, firewall or signature.
    pub const FORBIDDEN: i32 = 5;
    /// 404.
    pub const NOT_FOUND: i32 = 6;
    /// No answer: DNS, connect, TLS, timeout.
    pub const NETWORK: i32 = 7;
    /// 403 on a write while reads work (the access check).
    pub const FORBIDDEN_WRITE: i32 = 8;
}

impl EngineError {
    /// The CLI exit code for this failure.
    pub fn exit_code(&self) -> i32 {
        use crate::files::ErrorKind;
        let files = match self {
            Self::Files(e) | Self::Transfer(TransferError::Files(e)) => Some(e),
            Self::Transfer(TransferError::PartialUpload { error, .. }) => match error.as_ref() {
                TransferError::Files(e) => Some(e),
                _ => None,
            },
            _ => None,
        };
        match (self, files.map(|e| e.kind)) {
            (Self::Auth(_), _) | (_, Some(ErrorKind::Credential)) => exit_code::IDENTITY,
            (_, Some(ErrorKind::Unauthenticated | ErrorKind::ClaimsChallenge)) => exit_code::UNAUTHENTICATED,
            (_, Some(ErrorKind::PermissionDenied | ErrorKind::NetworkRule | ErrorKind::AuthenticationFailed)) => {
                exit_code::FORBIDDEN
            }
            (_, Some(ErrorKind::NotFound)) => exit_code::NOT_FOUND,
            (_, Some(ErrorKind::Transport)) => exit_code::NETWORK,
            (Self::Endpoint(_) | Self::InvalidInput(_), _) => exit_code::USAGE,
            _ => exit_code::OTHER,
        }
    }
}

/// A result delivered through a promise.
pub type Answer<T> = Result<T, EngineError>;

/// Typed commands to the worker, each with the sender of its answer.
pub enum Command {
    /// Sets up the endpoint and credential; gets a token first for bearer credentials.
    Connect(Box<ConnectionConfig>, Sender<Answer<Connected>>),
    /// Lists the account's shares.
    ListShares(Sender<Answer<Vec<ShareItem>>>),
    /// Lists a directory; pages arrive as `Event::ListingPage`, the answer is the count.
    ListDirectory { task: TaskId, share: String, path: String, reply: Sender<Answer<u64>> },
    /// Properties of a file or directory.
    Properties { share: String, path: String, is_directory: bool, reply: Sender<Answer<EntryProperties>> },
    /// Creates a directory.
    CreateDirectory { share: String, path: String, reply: Sender<Answer<()>> },
    /// Deletes a file, or a directory and everything below it.
    Delete { task: TaskId, share: String, path: String, is_directory: bool, reply: Sender<Answer<u64>> },
    /// Renames a file or directory.
    Rename { share: String, from: String, to: String, is_directory: bool, reply: Sender<Answer<()>> },
    /// Downloads a file to a local path; without `overwrite`, an existing file is kept and
    /// the download gets a free name beside it (`name (1).ext`).
    Download {
        task: TaskId,
        share: String,
        path: String,
        dest: PathBuf,
        overwrite: Overwrite,
        reply: Sender<Answer<u64>>,
    },
    /// Uploads a local file.
    Upload { task: TaskId, src: PathBuf, share: String, path: String, reply: Sender<Answer<u64>> },
    /// Uploads a local file or folder (with everything in it) into the share directory
    /// `dir`, keeping its name.
    UploadPath { task: TaskId, src: PathBuf, share: String, dir: String, reply: Sender<Answer<TreeOutcome>> },
    /// Downloads a share folder and everything in it.
    DownloadFolder { task: TaskId, share: String, path: String, dest: PathBuf, reply: Sender<Answer<TreeOutcome>> },
    /// Drops the cached token and gets a new one.
    RefreshToken(Sender<Answer<TokenInfo>>),
    /// Runs the access check with its own credential and client (the window's button,
    /// `azfx doctor`); steps arrive as `Event::CheckStep`.
    AccessCheck {
        task: TaskId,
        config: Box<ConnectionConfig>,
        share: String,
        read_only: bool,
        reply: Sender<Answer<Report>>,
    },
    /// Writes a file the user asked for (request log export, diagnostic bundle).
    WriteFile { path: PathBuf, contents: Vec<u8>, reply: Sender<Answer<()>> },
    /// Gets a token from a credential without connecting (no cache): `azfx token`.
    AcquireToken { config: Box<ConnectionConfig>, resource: String, reply: Sender<Answer<AccessToken>> },
    /// Cancels a running task.
    Cancel(TaskId),
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Self::Connect(..) => "Connect",
            Self::ListShares(_) => "ListShares",
            Self::ListDirectory { .. } => "ListDirectory",
            Self::Properties { .. } => "Properties",
            Self::CreateDirectory { .. } => "CreateDirectory",
            Self::Delete { .. } => "Delete",
            Self::Rename { .. } => "Rename",
            Self::Download { .. } => "Download",
            Self::Upload { .. } => "Upload",
            Self::UploadPath { .. } => "UploadPath",
            Self::DownloadFolder { .. } => "DownloadFolder",
            Self::RefreshToken(_) => "RefreshToken",
            Self::AcquireToken { .. } => "AcquireToken",
            Self::AccessCheck { .. } => "AccessCheck",
            Self::WriteFile { .. } => "WriteFile",
            Self::Cancel(_) => "Cancel",
        };
        f.write_str(name)
    }
}

impl Command {
    /// Answers the command with an error (when it cannot be delivered).
    fn fail(self, error: EngineError) {
        match self {
            Self::Connect(_, reply) => reply.send(Err(error)),
            Self::ListShares(reply) => reply.send(Err(error)),
            Self::ListDirectory { reply, .. }
            | Self::Delete { reply, .. }
            | Self::Download { reply, .. }
            | Self::Upload { reply, .. } => {
                reply.send(Err(error));
            }
            Self::Properties { reply, .. } => reply.send(Err(error)),
            Self::CreateDirectory { reply, .. } | Self::Rename { reply, .. } | Self::WriteFile { reply, .. } => {
                reply.send(Err(error));
            }
            Self::UploadPath { reply, .. } | Self::DownloadFolder { reply, .. } => reply.send(Err(error)),
            Self::RefreshToken(reply) => reply.send(Err(error)),
            Self::AcquireToken { reply, .. } => reply.send(Err(error)),
            Self::AccessCheck { reply, .. } => reply.send(Err(error)),
            Self::Cancel(_) => {}
        }
    }
}

/// Typed events from the worker.
#[derive(Clone, Debug)]
pub enum Event {
    /// A token arrived (first or refreshed).
    TokenAcquired(Box<TokenInfo>),
    /// Getting or refreshing a token failed.
    TokenFailed(AuthError),
    /// An HTTP exchange finished (one attempt).
    RequestLogged(Box<LogEntry>),
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

/// Handle to the worker thread.
#[derive(Debug)]
pub struct Worker {
    commands: mpsc::Sender<Command>,
    events: mpsc::Receiver<Event>,
    next_task: AtomicU64,
    log: Arc<RequestLog>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Worker {
    /// Starts the worker thread; `repaint` is called after every event and answer.
    pub fn spawn(repaint: impl Fn() + Send + Sync + 'static) -> std::io::Result<Self> {
        let (command_tx, command_rx) = mpsc::channel(COMMAND_CAPACITY);
        let (event_tx, event_rx) = mpsc::channel(EVENT_CAPACITY);
        let log = RequestLog::new(LOG_CAPACITY);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("azfx-worker-io")
            .enable_all()
            .build()?;
        let context = context::Context::new(event_tx, Arc::new(repaint), Arc::clone(&log));
        let thread = std::thread::Builder::new().name("azfx-worker".to_owned()).spawn(move || {
            runtime.block_on(context::run(command_rx, context));
            runtime.shutdown_timeout(std::time::Duration::from_secs(2));
        })?;
        Ok(Self { commands: command_tx, events: event_rx, next_task: AtomicU64::new(1), log, thread: Some(thread) })
    }

    fn send(&self, command: Command) {
        if let Err(error) = self.commands.try_send(command) {
            let command = match error {
                mpsc::error::TrySendError::Full(c) | mpsc::error::TrySendError::Closed(c) => c,
            };
            command.fail(EngineError::Unavailable);
        }
    }

    fn task_id(&self) -> TaskId {
        self.next_task.fetch_add(1, Ordering::Relaxed)
    }

    /// Connects to an account.
    pub fn connect(&self, config: ConnectionConfig) -> Promise<Answer<Connected>> {
        let (reply, promise) = Promise::new();
        self.send(Command::Connect(Box::new(config), reply));
        promise
    }

    /// Lists shares.
    pub fn list_shares(&self) -> Promise<Answer<Vec<ShareItem>>> {
        let (reply, promise) = Promise::new();
        self.send(Command::ListShares(reply));
        promise
    }

    /// Lists a directory; pages arrive as events tagged with the returned task id.
    pub fn list_directory(&self, share: &str, path: &str) -> (TaskId, Promise<Answer<u64>>) {
        let (reply, promise) = Promise::new();
        let task = self.task_id();
        self.send(Command::ListDirectory { task, share: share.to_owned(), path: path.to_owned(), reply });
        (task, promise)
    }

    /// Properties of a file or directory.
    pub fn properties(&self, share: &str, path: &str, is_directory: bool) -> Promise<Answer<EntryProperties>> {
        let (reply, promise) = Promise::new();
        self.send(Command::Properties { share: share.to_owned(), path: path.to_owned(), is_directory, reply });
        promise
    }

    /// Creates a directory.
    pub fn create_directory(&self, share: &str, path: &str) -> Promise<Answer<()>> {
        let (reply, promise) = Promise::new();
        self.send(Command::CreateDirectory { share: share.to_owned(), path: path.to_owned(), reply });
        promise
    }

    /// Deletes a file or a directory tree; the answer is the number of entries deleted.
    pub fn delete(&self, share: &str, path: &str, is_directory: bool) -> (TaskId, Promise<Answer<u64>>) {
        let (reply, promise) = Promise::new();
        let task = self.task_id();
        self.send(Command::Delete { task, share: share.to_owned(), path: path.to_owned(), is_directory, reply });
        (task, promise)
    }

    /// Renames a file or directory within its share.
    pub fn rename(&self, share: &str, from: &str, to: &str, is_directory: bool) -> Promise<Answer<()>> {
        let (reply, promise) = Promise::new();
        self.send(Command::Rename {
            share: share.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
            is_directory,
            reply,
        });
        promise
    }

    /// Downloads a file to `dest` (`Overwrite::Fail` keeps an existing file and picks a
    /// free name beside it).
    pub fn download(
        &self,
        share: &str,
        path: &str,
        dest: PathBuf,
        overwrite: Overwrite,
    ) -> (TaskId, Promise<Answer<u64>>) {
        let (reply, promise) = Promise::new();
        let task = self.task_id();
        self.send(Command::Download { task, share: share.to_owned(), path: path.to_owned(), dest, overwrite, reply });
        (task, promise)
    }

    /// Uploads a file.
    pub fn upload(&self, src: PathBuf, share: &str, path: &str) -> (TaskId, Promise<Answer<u64>>) {
        let (reply, promise) = Promise::new();
        let task = self.task_id();
        self.send(Command::Upload { task, src, share: share.to_owned(), path: path.to_owned(), reply });
        (task, promise)
    }

    /// Uploads a local file or folder into the share directory `dir`, keeping its name
    /// (what a drop on the window does).
    pub fn upload_path(&self, src: PathBuf, share: &str, dir: &str) -> (TaskId, Promise<Answer<TreeOutcome>>) {
        let (reply, promise) = Promise::new();
        let task = self.task_id();
        self.send(Command::UploadPath { task, src, share: share.to_owned(), dir: dir.to_owned(), reply });
        (task, promise)
    }

    /// Downloads a share folder into the local folder `dest`.
    pub fn download_folder(&self, share: &str, path: &str, dest: PathBuf) -> (TaskId, Promise<Answer<TreeOutcome>>) {
        let (reply, promise) = Promise::new();
        let task = self.task_id();
        self.send(Command::DownloadFolder { task, share: share.to_owned(), path: path.to_owned(), dest, reply });
        (task, promise)
    }

    /// Drops the cached token and gets a new one.
    pub fn refresh_token(&self) -> Promise<Answer<TokenInfo>> {
        let (reply, promise) = Promise::new();
        self.send(Command::RefreshToken(reply));
        promise
    }

    /// Gets a token for `resource` from the credential of `config`, uncached.
    pub fn acquire_token(&self, config: ConnectionConfig, resource: &str) -> Promise<Answer<AccessToken>> {
        let (reply, promise) = Promise::new();
        self.send(Command::AcquireToken { config: Box::new(config), resource: resource.to_owned(), reply });
        promise
    }

    /// Runs the access check on `share` with the credential of `config`.
    pub fn access_check(
        &self,
        config: ConnectionConfig,
        share: &str,
        read_only: bool,
    ) -> (TaskId, Promise<Answer<Report>>) {
        let (reply, promise) = Promise::new();
        let task = self.task_id();
        self.send(Command::AccessCheck { task, config: Box::new(config), share: share.to_owned(), read_only, reply });
        (task, promise)
    }

    /// Writes `contents` to `path` (a file the user chose).
    pub fn write_file(&self, path: PathBuf, contents: Vec<u8>) -> Promise<Answer<()>> {
        let (reply, promise) = Promise::new();
        self.send(Command::WriteFile { path, contents, reply });
        promise
    }

    /// Cancels a task; its promise answers `EngineError::Cancelled`.
    pub fn cancel(&self, task: TaskId) {
        self.send(Command::Cancel(task));
    }

    /// Events that arrived since the last call (never waits).
    pub fn poll_events(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        while let Ok(event) = self.events.try_recv() {
            events.push(event);
        }
        events
    }

    /// The request log kept so far, oldest first.
    pub fn request_log(&self) -> Vec<LogEntry> {
        self.log.snapshot()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the command channel ends the worker's loop.
        let (closed, _) = mpsc::channel(1);
        drop(std::mem::replace(&mut self.commands, closed));
        self.events.close();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
