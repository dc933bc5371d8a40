//! What runs inside the worker: the command loop, the current connection (client and
//! token cache), cancellation per task, and forwarding of log and token events.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use poll_promise::Sender;
use tokio::sync::{mpsc, watch};

use super::{Answer, Command, Connected, ConnectionConfig, CredentialConfig, EngineError, Event, TaskId, TokenInfo};
use crate::auth::cache::TokenEvent;
use crate::auth::cli::AzureCliSource;
use crate::auth::imds::{AppServiceSource, ImdsSource, imds_endpoint_from_env};
use crate::auth::{Credential, PastedToken, STORAGE_RESOURCE, TokenCache, TokenSource};
use crate::diagnose::check::{self, Report, Step, Target};
use crate::files::{ClientOptions, Endpoint, EntryType, FilesClient, Overwrite};
use crate::http::RequestLog;
use crate::{transfer, transfer_tree};

/// Ranges in flight per transfer.
const TRANSFER_PARALLEL: usize = 8;

/// A connected account.
struct Connection {
    client: FilesClient,
    cache: Option<Arc<TokenCache>>,
}

/// State shared by the worker's tasks.
pub struct Context {
    events: mpsc::Sender<Event>,
    repaint: Arc<dyn Fn() + Send + Sync>,
    log: Arc<RequestLog>,
    connection: RwLock<Option<Arc<Connection>>>,
    cancels: Mutex<HashMap<TaskId, watch::Sender<bool>>>,
}

impl Context {
    pub fn new(events: mpsc::Sender<Event>, repaint: Arc<dyn Fn() + Send + Sync>, log: Arc<RequestLog>) -> Arc<Self> {
        let context =
            Arc::new(Self { events, repaint, log, connection: RwLock::new(None), cancels: Mutex::new(HashMap::new()) });
        let forward = Arc::downgrade(&context);
        context.log.set_listener(move |entry| {
            if let Some(context) = forward.upgrade() {
                context.emit_now(Event::RequestLogged(Box::new(entry.clone())));
            }
        });
        context
    }

    /// Sends an event without waiting; a full queue drops it (the log keeps entries).
    fn emit_now(&self, event: Event) {
        let _ = self.events.try_send(event);
        (self.repaint)();
    }

    /// Sends an event, waiting for room.
    async fn emit(&self, event: Event) {
        let _ = self.events.send(event).await;
        (self.repaint)();
    }

    fn answer<T: Send>(&self, reply: Sender<Answer<T>>, answer: Answer<T>) {
        reply.send(answer);
        (self.repaint)();
    }

    fn connection(&self) -> Result<Arc<Connection>, EngineError> {
        self.connection.read().unwrap_or_else(PoisonError::into_inner).clone().ok_or(EngineError::NotConnected)
    }

    fn cancel(&self, task: TaskId) {
        if let Some(sender) = self.cancels.lock().unwrap_or_else(PoisonError::into_inner).remove(&task) {
            let _ = sender.send(true);
        }
    }

    /// Runs `work` until it ends or the task is cancelled.
    async fn cancellable<T>(&self, task: TaskId, work: impl Future<Output = Answer<T>>) -> Answer<T> {
        let (sender, mut cancelled) = watch::channel(false);
        self.cancels.lock().unwrap_or_else(PoisonError::into_inner).insert(task, sender);
        let answer = tokio::select! {
            answer = work => answer,
            _ = cancelled.changed() => Err(EngineError::Cancelled),
        };
        self.cancels.lock().unwrap_or_else(PoisonError::into_inner).remove(&task);
        answer
    }

    async fn connect(self: &Arc<Self>, config: &ConnectionConfig) -> Answer<Connected> {
        let endpoint = Endpoint::parse(&config.endpoint)?;
        let log = Arc::clone(&self.log);
        let bearer = |source: Arc<dyn TokenSource>| {
            let cache = TokenCache::new(source, STORAGE_RESOURCE);
            let forward = Arc::downgrade(self);
            cache.set_listener(move |event| {
                if let Some(context) = forward.upgrade() {
                    context.emit_now(match event {
                        TokenEvent::Acquired(token) => Event::TokenAcquired(Box::new(TokenInfo::from(*token))),
                        TokenEvent::Failed(error) => Event::TokenFailed((*error).clone()),
                    });
                }
            });
            cache
        };
        let (credential, cache) = match &config.credential {
            CredentialConfig::Sas(secret) => (Credential::Sas(secret.clone()), None),
            CredentialConfig::AccountKey(key) => {
                (Credential::AccountKey { account: endpoint.account.clone(), key: key.clone() }, None)
            }
            bearer_config => {
                let cache = bearer(token_source(bearer_config, config, log)?);
                (Credential::Bearer(Arc::clone(&cache)), Some(cache))
            }
        };
        let options =
            ClientOptions { retry: config.retry.clone(), ca_pem: config.ca_pem.clone(), ..ClientOptions::default() };
        let client = FilesClient::new(endpoint.clone(), credential.clone(), Arc::clone(&self.log), &options)?;
        let token = match &cache {
            Some(cache) => Some(TokenInfo::from(&cache.token().await?)),
            None => None,
        };
        *self.connection.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(Connection { client, cache }));
        Ok(Connected {
            account: endpoint.account,
            endpoint: endpoint.base.to_string(),
            credential: credential.source(),
            token,
        })
    }

    async fn access_check(
        self: &Arc<Self>,
        task: TaskId,
        config: &ConnectionConfig,
        share: &str,
        read_only: bool,
    ) -> Answer<Report> {
        let endpoint = Endpoint::parse(&config.endpoint)?;
        let log = Arc::clone(&self.log);
        let (credential, source) = match &config.credential {
            CredentialConfig::Sas(secret) => (Credential::Sas(secret.clone()), None),
            CredentialConfig::AccountKey(key) => {
                (Credential::AccountKey { account: endpoint.account.clone(), key: key.clone() }, None)
            }
            bearer => {
                let source = token_source(bearer, config, Arc::clone(&log))?;
                (Credential::Bearer(TokenCache::new(Arc::clone(&source), STORAGE_RESOURCE)), Some(source))
            }
        };
        let options =
            ClientOptions { retry: config.retry.clone(), ca_pem: config.ca_pem.clone(), ..ClientOptions::default() };
        let client = FilesClient::new(endpoint.clone(), credential, log, &options)?;
        let target = Target { endpoint, share: share.to_owned(), read_only, ca_pem: config.ca_pem.clone() };
        let context = Arc::clone(self);
        let report = move |step: &Step| context.emit_now(Event::CheckStep { task, step: Box::new(step.clone()) });
        Ok(check::run(source, &client, &target, &report).await)
    }

    async fn list_directory(&self, task: TaskId, share: &str, path: &str) -> Answer<u64> {
        let connection = self.connection()?;
        let mut marker: Option<String> = None;
        let mut listed = 0_u64;
        loop {
            let page = connection.client.list_page(share, path, marker.as_deref(), 5000).await?;
            listed += page.entries.len() as u64;
            self.emit(Event::ListingPage { task, entries: page.entries, listed }).await;
            match page.next_marker {
                Some(next) => marker = Some(next),
                None => return Ok(listed),
            }
        }
    }

    /// Deletes a file, or a directory tree depth-first; returns the entries deleted.
    async fn delete(&self, task: TaskId, share: &str, path: &str, is_directory: bool) -> Answer<u64> {
        let connection = self.connection()?;
        let client = &connection.client;
        if !is_directory {
            client.delete_file(share, path).await?;
            return Ok(1);
        }
        // Collect the tree first so progress has a total.
        let mut directories = vec![path.to_owned()];
        let mut files = Vec::new();
        let mut index = 0;
        while index < directories.len() {
            let dir = directories[index].clone();
            let mut marker: Option<String> = None;
            loop {
                let page = client.list_page(share, &dir, marker.as_deref(), 5000).await?;
                for entry in page.entries {
                    let child = if dir.is_empty() { entry.name } else { format!("{dir}/{}", entry.name) };
                    if entry.is_directory { directories.push(child) } else { files.push(child) }
                }
                match page.next_marker {
                    Some(next) => marker = Some(next),
                    None => break,
                }
            }
            index += 1;
        }
        let total = (files.len() + directories.len()) as u64;
        let mut done = 0;
        for file in &files {
            client.delete_file(share, file).await?;
            done += 1;
            if done % 50 == 0 {
                self.emit(Event::Progress { task, done, total }).await;
            }
        }
        for dir in directories.iter().rev() {
            client.delete_directory(share, dir).await?;
            done += 1;
        }
        self.emit(Event::Progress { task, done, total }).await;
        Ok(done)
    }

    fn progress(self: &Arc<Self>, task: TaskId) -> transfer::ProgressFn {
        let context = Arc::clone(self);
        Arc::new(move |done, total| context.emit_now(Event::Progress { task, done, total }))
    }

    /// Runs a transfer command (cancellable, with progress events).
    async fn execute_transfer(self: Arc<Self>, command: Command) {
        match command {
            Command::Download { task, share, path, dest, overwrite, reply } => {
                let progress = self.progress(task);
                let dest = if overwrite == Overwrite::Replace {
                    dest
                } else {
                    tokio::task::spawn_blocking(move || transfer::unused_path(&dest)).await.unwrap_or_default()
                };
                let work = async {
                    let connection = self.connection()?;
                    Ok(transfer::download(&connection.client, &share, &path, &dest, TRANSFER_PARALLEL, progress)
                        .await?)
                };
                let answer = self.cancellable(task, work).await;
                if matches!(answer, Err(EngineError::Cancelled)) {
                    let _ = tokio::fs::remove_file(transfer::partial_path(&dest)).await;
                }
                self.answer(reply, answer);
            }
            Command::Upload { task, src, share, path, reply } => {
                let progress = self.progress(task);
                let work = async {
                    let connection = self.connection()?;
                    Ok(transfer::upload(&connection.client, &src, &share, &path, TRANSFER_PARALLEL, progress).await?)
                };
                let answer = self.cancellable(task, work).await;
                if matches!(answer, Err(EngineError::Cancelled))
                    && let Ok(connection) = self.connection()
                {
                    let _ = connection.client.delete_file(&share, &path).await;
                }
                self.answer(reply, answer);
            }
            Command::UploadPath { task, src, share, dir, reply } => {
                let progress = self.progress(task);
                let work = async {
                    let connection = self.connection()?;
                    let name = src.file_name().map(|n| n.to_string_lossy().into_owned()).ok_or_else(|| {
                        EngineError::InvalidInput(format!("{} names no file or folder", src.display()))
                    })?;
                    let dest = if dir.is_empty() { name } else { format!("{dir}/{name}") };
                    let is_dir = tokio::fs::metadata(&src)
                        .await
                        .map_err(|source| transfer::TransferError::Local {
                            action: "reading",
                            path: src.clone(),
                            source,
                        })?
                        .is_dir();
                    if is_dir {
                        Ok(transfer_tree::upload_tree(&connection.client, &src, &share, &dest, progress).await?)
                    } else {
                        let bytes =
                            transfer::upload(&connection.client, &src, &share, &dest, TRANSFER_PARALLEL, progress)
                                .await?;
                        Ok(transfer_tree::TreeOutcome { files: 1, bytes, failures: Vec::new() })
                    }
                };
                let answer = self.cancellable(task, work).await;
                self.answer(reply, answer);
            }
            Command::DownloadFolder { task, share, path, dest, reply } => {
                let progress = self.progress(task);
                let work = async {
                    let connection = self.connection()?;
                    Ok(transfer_tree::download_tree(&connection.client, &share, &path, &dest, progress).await?)
                };
                let answer = self.cancellable(task, work).await;
                self.answer(reply, answer);
            }
            _ => {}
        }
    }

    async fn execute(self: Arc<Self>, command: Command) {
        match command {
            Command::Connect(config, reply) => {
                let answer = self.connect(&config).await;
                self.answer(reply, answer);
            }
            Command::ListShares(reply) => {
                let answer = match self.connection() {
                    Ok(c) => c.client.list_shares().await.map_err(EngineError::from),
                    Err(e) => Err(e),
                };
                self.answer(reply, answer);
            }
            Command::ListDirectory { task, share, path, reply } => {
                let answer = self.cancellable(task, self.list_directory(task, &share, &path)).await;
                self.answer(reply, answer);
            }
            Command::Properties { share, path, is_directory, reply } => {
                let answer = match self.connection() {
                    Ok(c) if is_directory => {
                        c.client.directory_properties(&share, &path).await.map_err(EngineError::from)
                    }
                    Ok(c) => c.client.file_properties(&share, &path).await.map_err(EngineError::from),
                    Err(e) => Err(e),
                };
                self.answer(reply, answer);
            }
            Command::CreateDirectory { share, path, reply } => {
                let answer = match self.connection() {
                    Ok(c) => c.client.create_directory(&share, &path).await.map(drop).map_err(EngineError::from),
                    Err(e) => Err(e),
                };
                self.answer(reply, answer);
            }
            Command::Delete { task, share, path, is_directory, reply } => {
                let answer = self.cancellable(task, self.delete(task, &share, &path, is_directory)).await;
                self.answer(reply, answer);
            }
            Command::Rename { share, from, to, is_directory, reply } => {
                let answer = match self.connection() {
                    Ok(c) => c
                        .client
                        .rename(&share, &from, &to, entry_type(is_directory), Overwrite::Fail)
                        .await
                        .map_err(EngineError::from),
                    Err(e) => Err(e),
                };
                self.answer(reply, answer);
            }
            transfer @ (Command::Download { .. }
            | Command::Upload { .. }
            | Command::UploadPath { .. }
            | Command::DownloadFolder { .. }) => {
                self.execute_transfer(transfer).await;
            }
            Command::RefreshToken(reply) => {
                let answer = match self.connection().map(|c| c.cache.clone()) {
                    Ok(Some(cache)) => {
                        cache.clear();
                        cache.token().await.map(|t| TokenInfo::from(&t)).map_err(EngineError::from)
                    }
                    Ok(None) => Err(EngineError::InvalidInput("this connection does not use tokens".to_owned())),
                    Err(e) => Err(e),
                };
                self.answer(reply, answer);
            }
            Command::AcquireToken { config, resource, reply } => {
                let answer = match token_source(&config.credential, &config, Arc::clone(&self.log)) {
                    Ok(source) => source.fetch(&resource).await.map_err(EngineError::from),
                    Err(e) => Err(e),
                };
                self.answer(reply, answer);
            }
            Command::AccessCheck { task, config, share, read_only, reply } => {
                let answer = self.access_check(task, &config, &share, read_only).await;
                self.answer(reply, answer);
            }
            Command::WriteFile { path, contents, reply } => {
                let answer = tokio::fs::write(&path, contents).await.map_err(|source| {
                    EngineError::Transfer(transfer::TransferError::Local {
                        action: "writing",
                        path: path.clone(),
                        source,
                    })
                });
                self.answer(reply, answer);
            }
            Command::Cancel(task) => self.cancel(task),
        }
    }
}

fn entry_type(is_directory: bool) -> EntryType {
    if is_directory { EntryType::Directory } else { EntryType::File }
}

/// The token source a bearer credential asks.
pub fn token_source(
    credential: &CredentialConfig,
    config: &ConnectionConfig,
    log: Arc<RequestLog>,
) -> Answer<Arc<dyn TokenSource>> {
    let retry = config.identity_retry.clone();
    Ok(match credential {
        CredentialConfig::ManagedIdentity(selector) => {
            let imds = config.imds_endpoint.clone().unwrap_or_else(imds_endpoint_from_env);
            Arc::new(ImdsSource::new(&imds, selector.clone(), log, retry))
        }
        CredentialConfig::AppService(selector) => Arc::new(AppServiceSource::from_env(selector.clone(), log, retry).ok_or_else(|| {
            EngineError::InvalidInput(
                "IDENTITY_ENDPOINT and IDENTITY_HEADER are not set: this is not an App Service, Functions or Container Apps environment"
                    .to_owned(),
            )
        })?),
        CredentialConfig::AzureCli => Arc::new(AzureCliSource::default_program(log)),
        CredentialConfig::PastedToken(secret) => Arc::new(PastedToken::new(secret.expose())?),
        CredentialConfig::Sas(_) | CredentialConfig::AccountKey(_) => {
            return Err(EngineError::InvalidInput("a SAS or account key is not a token source".to_owned()));
        }
    })
}

/// The worker's command loop: each command runs as its own task.
pub async fn run(mut commands: mpsc::Receiver<Command>, context: Arc<Context>) {
    while let Some(command) = commands.recv().await {
        if let Command::Cancel(task) = command {
            context.cancel(task);
            continue;
        }
        tokio::spawn(Arc::clone(&context).execute(command));
    }
}
