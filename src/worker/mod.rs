//! The background worker: one named thread owning a tokio runtime, the current session
//! (token caches and Files client), the request log and the running tasks. Callers (the
//! window, the CLI) send typed commands and hold `poll_promise::Promise`s for the
//! answers; the worker pushes typed events and calls the repaint callback after each.
//! Nothing here blocks its caller.
//!
//! Layout: `command` (the vocabulary), `reply` (answers that always arrive, tasks that
//! can be cancelled before they start), `session` (one connection, built in one place),
//! `runtime` (the loop and the exhaustive dispatch), and one handler file per domain:
//! `browse`, `manage`, `transfers`, `diagnose`.

mod browse;
mod command;
mod diagnose;
mod manage;
mod reply;
mod runtime;
mod session;
mod transfers;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use poll_promise::Promise;
use tokio::sync::mpsc;

use crate::auth::AccessToken;
use crate::diagnose::check::Report;
pub use crate::error::{EngineError, exit_code};
use crate::files::{EntryProperties, Overwrite, ShareItem};
use crate::http::{LogEntry, RequestLog};
pub use command::{
    Answer, Command, Connected, ConnectionConfig, CredentialConfig, Event, Failure, FileFailure, TaskId, TokenInfo,
    TreeReport,
};
use reply::{Repaint, Tasks};
pub use reply::{Reply, Task};

/// Entries the request log keeps.
const LOG_CAPACITY: usize = 5_000;
/// Commands that may wait for the worker.
const COMMAND_CAPACITY: usize = 256;
/// Events that may wait for the caller.
const EVENT_CAPACITY: usize = 8_192;

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
    pub fn spawn(repaint: impl Fn() + Send + Sync + 'static) -> std::io::Result<Self> {
        let (command_tx, command_rx) = mpsc::channel(COMMAND_CAPACITY);
        let (event_tx, event_rx) = mpsc::channel(EVENT_CAPACITY);
        let log = RequestLog::new(LOG_CAPACITY);
        let repaint: Repaint = Arc::new(repaint);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("azfx-worker-io")
            .enable_all()
            .build()?;
        let state = runtime::Runtime::new(event_tx, Arc::clone(&repaint), Arc::clone(&log));
        let thread = std::thread::Builder::new().name("azfx-worker".to_owned()).spawn(move || {
            runtime.block_on(runtime::run(command_rx, state));
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
        })
    }

    /// A promise and the reply that answers it.
    fn reply<T: Send + 'static>(&self) -> (Reply<T>, Promise<Answer<T>>) {
        let (sender, promise) = Promise::new();
        (Reply::new(sender, Arc::clone(&self.repaint)), promise)
    }

    /// A new task, registered (and so cancellable) before its command is queued.
    fn task(&self) -> Task {
        self.tasks.start(self.next_task.fetch_add(1, Ordering::Relaxed))
    }

    /// Queues a command; a full or closed queue answers `Unavailable` (the command's
    /// reply is dropped unanswered).
    fn send(&self, command: Command) {
        let _ = self.commands.try_send(command);
    }

    /// Connects to an account (the current session is replaced when it works).
    pub fn connect(&self, config: ConnectionConfig) -> Promise<Answer<Connected>> {
        let (reply, promise) = self.reply();
        self.send(Command::Connect { config: Box::new(config), reply });
        promise
    }

    /// Lists shares.
    pub fn list_shares(&self) -> Promise<Answer<Vec<ShareItem>>> {
        let (reply, promise) = self.reply();
        self.send(Command::ListShares { reply });
        promise
    }

    /// Lists a directory; pages arrive as events tagged with the returned task id.
    pub fn list_directory(&self, share: &str, path: &str) -> (TaskId, Promise<Answer<u64>>) {
        let (reply, promise) = self.reply();
        let task = self.task();
        let id = task.id;
        self.send(Command::ListDirectory { task, share: share.to_owned(), path: path.to_owned(), reply });
        (id, promise)
    }

    /// Properties of a file or directory.
    pub fn properties(&self, share: &str, path: &str, is_directory: bool) -> Promise<Answer<EntryProperties>> {
        let (reply, promise) = self.reply();
        self.send(Command::Properties { share: share.to_owned(), path: path.to_owned(), is_directory, reply });
        promise
    }

    /// Creates a directory.
    pub fn create_directory(&self, share: &str, path: &str) -> Promise<Answer<()>> {
        let (reply, promise) = self.reply();
        self.send(Command::CreateDirectory { share: share.to_owned(), path: path.to_owned(), reply });
        promise
    }

    /// Deletes a file or a directory tree; the answer is the number of entries deleted.
    pub fn delete(&self, share: &str, path: &str, is_directory: bool) -> (TaskId, Promise<Answer<u64>>) {
        let (reply, promise) = self.reply();
        let task = self.task();
        let id = task.id;
        self.send(Command::Delete { task, share: share.to_owned(), path: path.to_owned(), is_directory, reply });
        (id, promise)
    }

    /// Renames a file or directory within its share.
    pub fn rename(&self, share: &str, from: &str, to: &str, is_directory: bool) -> Promise<Answer<()>> {
        let (reply, promise) = self.reply();
        let (share, from, to) = (share.to_owned(), from.to_owned(), to.to_owned());
        self.send(Command::Rename { share, from, to, is_directory, reply });
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
        let (reply, promise) = self.reply();
        let task = self.task();
        let id = task.id;
        self.send(Command::Download { task, share: share.to_owned(), path: path.to_owned(), dest, overwrite, reply });
        (id, promise)
    }

    /// Uploads a file to `share/path`.
    pub fn upload(&self, src: PathBuf, share: &str, path: &str) -> (TaskId, Promise<Answer<u64>>) {
        let (reply, promise) = self.reply();
        let task = self.task();
        let id = task.id;
        self.send(Command::Upload { task, src, share: share.to_owned(), path: path.to_owned(), reply });
        (id, promise)
    }

    /// Uploads a local file or folder into the share directory `dir`, keeping its name
    /// (what a drop on the window does).
    pub fn upload_path(&self, src: PathBuf, share: &str, dir: &str) -> (TaskId, Promise<Answer<TreeReport>>) {
        let (reply, promise) = self.reply();
        let task = self.task();
        let id = task.id;
        self.send(Command::UploadPath { task, src, share: share.to_owned(), dir: dir.to_owned(), reply });
        (id, promise)
    }

    /// Downloads a share folder into the local folder `dest`.
    pub fn download_folder(&self, share: &str, path: &str, dest: PathBuf) -> (TaskId, Promise<Answer<TreeReport>>) {
        let (reply, promise) = self.reply();
        let task = self.task();
        let id = task.id;
        self.send(Command::DownloadFolder { task, share: share.to_owned(), path: path.to_owned(), dest, reply });
        (id, promise)
    }

    /// Drops the cached token and gets a new one.
    pub fn refresh_token(&self) -> Promise<Answer<TokenInfo>> {
        let (reply, promise) = self.reply();
        self.send(Command::RefreshToken { reply });
        promise
    }

    /// Gets a token for `resource` from the credential of `config`, uncached.
    pub fn acquire_token(&self, config: ConnectionConfig, resource: &str) -> Promise<Answer<AccessToken>> {
        let (reply, promise) = self.reply();
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
        let (reply, promise) = self.reply();
        let task = self.task();
        let id = task.id;
        self.send(Command::AccessCheck { task, config: Box::new(config), share: share.to_owned(), read_only, reply });
        (id, promise)
    }

    /// Writes `contents` to `path` (a file the user chose).
    pub fn write_file(&self, path: PathBuf, contents: Vec<u8>) -> Promise<Answer<()>> {
        let (reply, promise) = self.reply();
        self.send(Command::WriteFile { path, contents, reply });
        promise
    }

    /// Cancels a task, even one still queued; its promise answers `EngineError::Cancelled`.
    pub fn cancel(&self, task: TaskId) {
        self.tasks.cancel(task);
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
