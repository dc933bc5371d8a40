//! The background worker: one named thread owning a tokio runtime, the current session
//! (token caches and Files client), the request log and the running tasks. Callers (the
//! window, the CLI) send typed commands and hold `poll_promise::Promise`s for the
//! answers; the worker pushes typed events and calls the repaint callback after each.
//! Nothing here blocks its caller.
//!
//! Layout, bottom up (no file imports one above it): `values` (what crosses the boundary:
//! configs, `Failure`, `Answer`), `event` (what the worker tells unasked), `reply` (answers
//! that always arrive, tasks that can be cancelled before they start), `session` (one
//! connection, built in one place), `runtime` (what the handlers share), one handler file
//! per domain (`browse`, `manage`, `transfers`, `jobs`, `connect`, `smb`, `local`),
//! `command` (what callers ask for) and `dispatch` (the loop and the exhaustive match).

mod browse;
mod command;
mod connect;
mod dispatch;
mod event;
mod jobs;
mod local;
mod manage;
mod reply;
mod runtime;
mod session;
mod smb;
mod transfer_api;
mod transfers;
mod values;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use poll_promise::Promise;
use tokio::sync::mpsc;

use crate::auth::AccessToken;
use crate::diagnose::check::Report;
pub use crate::diagnose::smb::{ClientOs, SmbReadiness};
pub use crate::error::{EngineError, exit_code};
use crate::files::{EntryProperties, ShareItem};
use crate::http::{LogEntry, RequestLog};
use crate::transfer::copy::{CopyOutcome, FileCopy, Item};
pub use crate::transfer::{
    Conflict, DownloadOutcome, JobId, JobKind, JobRecord, JobSpec, JobState, Journal, Resumed, UploadOutcome,
};
pub use command::Command;
pub use connect::ServiceSasRequest;
pub use event::Event;
pub use local::{LocalEntry, LocalListing};
use reply::{Repaint, Tasks};
pub use reply::{Reply, Task};
pub use smb::SmbCheck;
pub use values::{
    Answer, Connected, ConnectionConfig, CredentialConfig, Failure, FileFailure, TaskId, TokenInfo, TreeReport,
    TreeSize,
};

/// Entries the request log keeps (the window's log panel keeps as many).
pub const LOG_CAPACITY: usize = 5_000;
/// Commands that may wait for the worker.
const COMMAND_CAPACITY: usize = 256;
/// Events that may wait for the caller.
const EVENT_CAPACITY: usize = 8_192;

/// A started long-running command: its task id (for events and `cancel`) and promise.
pub type Started<T> = (TaskId, Promise<Answer<T>>);

/// Opens a local path with some application; replaces the system's default handler
/// (`Worker::set_opener`, for tests). Errors are shown to the user.
pub type Opener = Arc<dyn Fn(PathBuf) -> Result<(), String> + Send + Sync>;

/// Handle to the worker thread.
pub struct Worker {
    commands: mpsc::Sender<Command>,
    events: mpsc::Receiver<Event>,
    next_task: AtomicU64,
    tasks: Arc<Tasks>,
    repaint: Repaint,
    log: Arc<RequestLog>,
    proxy_environment: Vec<(String, String)>,
    thread: Option<std::thread::JoinHandle<()>>,
    opener: Option<Opener>,
    ranges: Arc<std::sync::atomic::AtomicUsize>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").field("tasks", &self.tasks.len()).finish_non_exhaustive()
    }
}

impl Worker {
    /// Starts the worker thread; `repaint` is called after every event and answer.
    ///
    /// Errors: the OS refused a thread or the runtime.
    /// Transfers are journalled in memory: they resume within this process only.
    pub fn spawn(repaint: impl Fn() + Send + Sync + 'static) -> std::io::Result<Self> {
        Self::start_thread(None, repaint)
    }

    /// Starts the worker thread with the transfer journal in `state_dir` (opened on the
    /// worker's thread; when it cannot be used, the journal is kept in memory and
    /// `Event::JournalUnavailable` says why). `repaint` is called after every event and
    /// answer.
    ///
    /// Errors: the OS refused a thread or the runtime.
    pub fn spawn_in(state_dir: PathBuf, repaint: impl Fn() + Send + Sync + 'static) -> std::io::Result<Self> {
        Self::start_thread(Some(state_dir), repaint)
    }

    fn start_thread(state_dir: Option<PathBuf>, repaint: impl Fn() + Send + Sync + 'static) -> std::io::Result<Self> {
        let (command_tx, command_rx) = mpsc::channel(COMMAND_CAPACITY);
        let (event_tx, event_rx) = mpsc::channel(EVENT_CAPACITY);
        let log = RequestLog::new(LOG_CAPACITY);
        let repaint: Repaint = Arc::new(repaint);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("azfx-worker-io")
            .enable_all()
            .build()?;
        let (thread_log, thread_repaint) = (Arc::clone(&log), Arc::clone(&repaint));
        let ranges = Arc::new(std::sync::atomic::AtomicUsize::new(crate::transfer::PARALLEL_RANGES));
        let thread_ranges = Arc::clone(&ranges);
        let thread = std::thread::Builder::new().name("azfx-worker".to_owned()).spawn(move || {
            let (journal, problem) = match state_dir.map(|dir| Journal::open(&dir)) {
                None => (Journal::in_memory(), None),
                Some(Ok(journal)) => (journal, None),
                Some(Err(error)) => (Journal::in_memory(), Some(error.to_string())),
            };
            let state = runtime::Runtime::new(event_tx, thread_repaint, thread_log, Arc::new(journal), thread_ranges);
            if let Some(problem) = problem {
                tracing::warn!("{problem}");
                state.emit_now(Event::JournalUnavailable(problem));
            }
            runtime.block_on(dispatch::run(command_rx, state));
            runtime.shutdown_timeout(std::time::Duration::from_secs(2));
        })?;
        Ok(Self {
            commands: command_tx,
            events: event_rx,
            next_task: AtomicU64::new(1),
            tasks: Arc::new(Tasks::default()),
            repaint,
            log,
            proxy_environment: crate::probe::proxy_environment(),
            thread: Some(thread),
            opener: None,
            ranges,
        })
    }

    /// A new task, registered (and so cancellable) before its command is queued.
    fn task(&self) -> Task {
        self.tasks.start(self.next_task.fetch_add(1, Ordering::Relaxed))
    }

    /// Queues the command `command` builds from its reply; returns the promise. A full or
    /// closed queue drops the command, and its reply answers `Unavailable`.
    fn ask<T: Send + 'static>(&self, command: impl FnOnce(Reply<T>) -> Command) -> Promise<Answer<T>> {
        let (sender, promise) = Promise::new();
        let _ = self.commands.try_send(command(Reply::new(sender, Arc::clone(&self.repaint))));
        promise
    }

    /// Queues a long-running command built from a new task and its reply.
    fn start<T: Send + 'static>(&self, command: impl FnOnce(Task, Reply<T>) -> Command) -> Started<T> {
        let task = self.task();
        let id = task.id;
        (id, self.ask(|reply| command(task, reply)))
    }

    /// Connects to an account (the current session is replaced when it works).
    pub fn connect(&self, config: ConnectionConfig) -> Promise<Answer<Connected>> {
        self.ask(|reply| Command::Connect { config: Box::new(config), reply })
    }

    /// Connects with a short-lived service SAS for one share, made through Resource
    /// Manager's `ListServiceSas` with the identity of `config` (see `ServiceSasRequest`).
    pub fn connect_with_service_sas(
        &self,
        config: ConnectionConfig,
        sas: ServiceSasRequest,
    ) -> Promise<Answer<Connected>> {
        self.ask(|reply| Command::ConnectWithServiceSas { config: Box::new(config), sas, reply })
    }

    /// Lists shares.
    pub fn list_shares(&self) -> Promise<Answer<Vec<ShareItem>>> {
        self.ask(|reply| Command::ListShares { reply })
    }

    /// Lists a directory; pages arrive as events tagged with the returned task id.
    pub fn list_directory(&self, share: &str, path: &str) -> Started<u64> {
        let (share, path) = (share.to_owned(), path.to_owned());
        self.start(|task, reply| Command::ListDirectory { task, share, path, reply })
    }

    /// Properties of a file or directory.
    pub fn properties(&self, share: &str, path: &str, is_directory: bool) -> Promise<Answer<EntryProperties>> {
        let (share, path) = (share.to_owned(), path.to_owned());
        self.ask(|reply| Command::Properties { share, path, is_directory, reply })
    }

    /// Counts the files, folders and bytes below the folders `paths` of `share`.
    pub fn measure(&self, share: &str, paths: Vec<String>) -> Promise<Answer<TreeSize>> {
        let share = share.to_owned();
        self.ask(|reply| Command::Measure { share, paths, reply })
    }

    /// Creates a directory.
    pub fn create_directory(&self, share: &str, path: &str) -> Promise<Answer<()>> {
        let (share, path) = (share.to_owned(), path.to_owned());
        self.ask(|reply| Command::CreateDirectory { share, path, reply })
    }

    /// Deletes a file or a directory tree; the answer is the number of entries deleted.
    pub fn delete(&self, share: &str, path: &str, is_directory: bool) -> Started<u64> {
        let (share, path) = (share.to_owned(), path.to_owned());
        self.start(|task, reply| Command::Delete { task, share, path, is_directory, reply })
    }

    /// Renames a file or directory within its share.
    pub fn rename(&self, share: &str, from: &str, to: &str, is_directory: bool) -> Promise<Answer<()>> {
        let (share, from, to) = (share.to_owned(), from.to_owned(), to.to_owned());
        self.ask(|reply| Command::Rename { share, from, to, is_directory, reply })
    }

    /// Copies files and folders into `dest_dir` of the same share, server-side; files whose
    /// destination exists under `Conflict::Fail` come back as conflicts, untouched.
    pub fn copy(&self, share: &str, items: Vec<Item>, dest_dir: &str, conflict: Conflict) -> Started<CopyOutcome> {
        let (share, dest_dir) = (share.to_owned(), dest_dir.to_owned());
        self.start(|task, reply| Command::Copy { task, share, items, dest_dir, conflict, reply })
    }

    /// Copies these files (conflicts of an earlier `copy`) under the user's answer.
    pub fn copy_files(&self, share: &str, files: Vec<FileCopy>, conflict: Conflict) -> Started<CopyOutcome> {
        let share = share.to_owned();
        self.start(|task, reply| Command::CopyFiles { task, share, files, conflict, reply })
    }

    /// Moves files and folders into `dest_dir` of the same share (Rename); files whose
    /// name is taken there under `Conflict::Fail` come back as conflicts, untouched.
    pub fn move_items(
        &self,
        share: &str,
        items: Vec<Item>,
        dest_dir: &str,
        conflict: Conflict,
    ) -> Promise<Answer<CopyOutcome>> {
        let (share, dest_dir) = (share.to_owned(), dest_dir.to_owned());
        self.ask(|reply| Command::Move { share, items, dest_dir, conflict, reply })
    }

    /// The transfer journal's jobs in queue order, unfinished ones of earlier runs too.
    pub fn jobs(&self) -> Promise<Answer<Vec<JobRecord>>> {
        self.ask(|reply| Command::Jobs { reply })
    }

    /// Removes a job that is not running, with its partial files (an upload's are on the
    /// share: connect to its account first). Resume a job by starting the same transfer
    /// again (`JobSpec` names it).
    pub fn remove_job(&self, job: JobId) -> Promise<Answer<()>> {
        self.ask(|reply| Command::RemoveJob { job, reply })
    }

    /// Moves a job one place earlier (`earlier`) or later in the queue.
    pub fn reorder_job(&self, job: JobId, earlier: bool) -> Promise<Answer<()>> {
        self.ask(|reply| Command::ReorderJob { job, earlier, reply })
    }

    /// Drops the cached token and gets a new one.
    pub fn refresh_token(&self) -> Promise<Answer<TokenInfo>> {
        self.ask(|reply| Command::RefreshToken { reply })
    }

    /// Discovers what the identity of `config` can reach through Resource Manager at
    /// `endpoint` (`arm::ARM_ENDPOINT` in Azure): subscriptions → accounts → shares.
    pub fn discover(
        &self,
        config: ConnectionConfig,
        endpoint: &str,
    ) -> Promise<Answer<Vec<crate::arm::SubscriptionNode>>> {
        let (config, endpoint) = (Box::new(config), endpoint.to_owned());
        self.ask(|reply| Command::Discover { config, endpoint, reply })
    }

    /// Gets a token for `resource` from the credential of `config`, uncached.
    pub fn acquire_token(&self, config: ConnectionConfig, resource: &str) -> Promise<Answer<AccessToken>> {
        let (config, resource) = (Box::new(config), resource.to_owned());
        self.ask(|reply| Command::AcquireToken { config, resource, reply })
    }

    /// Runs the access check on `share` with the credential of `config`.
    pub fn access_check(&self, config: ConnectionConfig, share: &str, read_only: bool) -> Started<Report> {
        let (config, share) = (Box::new(config), share.to_owned());
        self.start(|task, reply| Command::AccessCheck { task, config, share, read_only, reply })
    }

    /// Whether `check.share` is ready to mount over SMB with the identity of `config`:
    /// verdicts and the mount command (`azfx doctor --smb`, the SMB panel).
    pub fn smb_readiness(&self, config: ConnectionConfig, check: SmbCheck) -> Promise<Answer<SmbReadiness>> {
        let config = Box::new(config);
        self.ask(|reply| Command::SmbReadiness { config, check, reply })
    }

    /// One folder of this machine (the local-files pane).
    pub fn list_local(&self, path: PathBuf) -> Promise<Answer<LocalListing>> {
        self.ask(|reply| Command::ListLocal { path, reply })
    }

    /// Opens a local file or folder with the system's default application (or the
    /// `set_opener` replacement).
    pub fn open_path(&self, path: PathBuf) -> Promise<Answer<()>> {
        if let Some(opener) = &self.opener {
            return Promise::from_ready(
                opener(path).map_err(|e| session::failure_without_session(EngineError::InvalidInput(e), None, None)),
            );
        }
        self.ask(|reply| Command::OpenPath { path, reply })
    }

    /// Ranges in flight per file for transfers started from now on (clamped to 1–32).
    pub fn set_parallel_ranges(&self, ranges: usize) {
        self.ranges.store(ranges.clamp(1, 32), Ordering::Relaxed);
    }

    /// Ranges in flight per file for new transfers.
    pub fn parallel_ranges(&self) -> usize {
        self.ranges.load(Ordering::Relaxed)
    }

    /// Replaces the system's default application for `open_path` (tests record what
    /// would have been opened instead of starting programs).
    pub fn set_opener(&mut self, opener: Opener) {
        self.opener = Some(opener);
    }

    /// Writes `contents` to `path` (a file the user chose) in one step: a temporary file
    /// beside it takes its name once complete. An existing file is replaced only with
    /// `replace` (the OS dialog asked); otherwise the answer is `TransferError::Exists`.
    pub fn write_file(&self, path: PathBuf, contents: Vec<u8>, replace: bool) -> Promise<Answer<()>> {
        self.ask(|reply| Command::WriteFile { path, contents, replace, reply })
    }

    /// Cancels a task, even one still queued; its promise answers `EngineError::Cancelled`.
    pub fn cancel(&self, task: TaskId) {
        self.tasks.cancel(task);
    }

    /// Pauses a transfer: it stops and answers `TransferError::Paused`, keeping what was
    /// written; starting the same transfer again resumes it.
    pub fn pause(&self, task: TaskId) {
        self.tasks.pause(task);
    }

    /// Events that arrived since the last call (never waits).
    pub fn poll_events(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        while let Ok(event) = self.events.try_recv() {
            events.push(event);
        }
        events
    }

    /// The proxy variables this process started with, credentials removed (for the
    /// diagnostic bundle).
    pub fn proxy_environment(&self) -> &[(String, String)] {
        &self.proxy_environment
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
