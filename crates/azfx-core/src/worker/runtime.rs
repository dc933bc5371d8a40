//! Inside the worker thread: what the handlers share (the current session, the request
//! log, the journal) and the fan-out of events (token changes, request-log entries with
//! their diagnosis, pages, progress).

use std::sync::{Arc, PoisonError, RwLock};

use tokio::sync::mpsc;

use super::event::Event;
use super::reply::{Repaint, Reply};
use super::session::{Session, failure_without_session};
use super::values::{Failure, TokenInfo};
use crate::auth::cache::{TokenEvent, TokenListener};
use crate::diagnose::Diagnosis;
use crate::error::EngineError;
use crate::files::FilesError;
use crate::http::{ExchangeKind, LogEntry, LogNews, RequestLog};
use crate::transfer::Journal;

/// State shared by the worker's tasks.
pub(super) struct Runtime {
    events: mpsc::Sender<Event>,
    repaint: Repaint,
    /// The request log every client of this worker writes to.
    pub log: Arc<RequestLog>,
    /// The transfer journal (persistent, or in memory).
    pub journal: Arc<Journal>,
    session: RwLock<Option<Arc<Session>>>,
    /// Ranges in flight per file for transfers started from now on (the settings page).
    pub ranges: Arc<std::sync::atomic::AtomicUsize>,
    /// When a passive event (progress, a request-log entry) last woke the window (ms since
    /// `started`): those repaint at most `PROGRESS_REPAINT_MS` apart, so a
    /// software-rendered window (RDP without a GPU, llvmpipe) does not draw a frame per
    /// 4 MiB range while a transfer needs the CPU.
    progress_woke_ms: std::sync::atomic::AtomicU64,
    started: std::time::Instant,
}

/// The shortest time between two repaints asked for by progress alone.
const PROGRESS_REPAINT_MS: u64 = 200;

impl Runtime {
    /// A runtime sending events to `events`; request-log entries are forwarded as they
    /// are recorded.
    pub(super) fn new(
        events: mpsc::Sender<Event>,
        repaint: Repaint,
        log: Arc<RequestLog>,
        journal: Arc<Journal>,
        ranges: Arc<std::sync::atomic::AtomicUsize>,
    ) -> Arc<Self> {
        let runtime = Arc::new(Self {
            events,
            repaint,
            log,
            journal,
            session: RwLock::new(None),
            ranges,
            progress_woke_ms: std::sync::atomic::AtomicU64::new(0),
            started: std::time::Instant::now(),
        });
        let forward = Arc::downgrade(&runtime);
        runtime.log.set_listener(move |news| {
            let Some(runtime) = forward.upgrade() else { return };
            match news {
                LogNews::Recorded(entry) => {
                    let diagnosis = runtime.diagnose_entry(entry);
                    runtime.emit_now(Event::RequestLogged(Box::new(entry.clone()), diagnosis));
                }
                LogNews::Recovered(sequences, by) => {
                    // The failed attempt's own words (its status, its code): the first one.
                    let diagnosis = Box::new(crate::diagnose::recovered(by));
                    let sequences = sequences.to_vec();
                    runtime.emit_now(Event::Recovered { sequences, by: by.clone(), diagnosis });
                }
            }
        });
        runtime
    }

    /// Sends an event without waiting; a full queue drops it (the log keeps entries).
    /// The frequent, passive events (progress, request-log entries: one per range of a
    /// transfer) wake the window at most every `PROGRESS_REPAINT_MS`; the others at once.
    pub(super) fn emit_now(&self, event: Event) {
        let passive = matches!(event, Event::Progress { .. } | Event::RequestLogged(..) | Event::Recovered { .. });
        let _ = self.events.try_send(event);
        if passive {
            use std::sync::atomic::Ordering;
            let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let last = self.progress_woke_ms.load(Ordering::Relaxed);
            if now.saturating_sub(last) < PROGRESS_REPAINT_MS
                || self.progress_woke_ms.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_err()
            {
                // The event waits in the queue for the next repaint (at most 200 ms away).
                return;
            }
        }
        (self.repaint)();
    }

    /// Sends an event, waiting for room.
    pub(super) async fn emit(&self, event: Event) {
        let _ = self.events.send(event).await;
        (self.repaint)();
    }

    /// The connected session.
    pub(super) fn session(&self) -> Result<Arc<Session>, EngineError> {
        self.session.read().unwrap_or_else(PoisonError::into_inner).clone().ok_or(EngineError::NotConnected)
    }

    /// Makes `session` the current one.
    pub(super) fn set_session(&self, session: Session) -> Arc<Session> {
        let session = Arc::new(session);
        *self.session.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&session));
        session
    }

    /// A listener turning storage token events into `Event`s.
    pub(super) fn token_listener(self: &Arc<Self>) -> TokenListener {
        let forward = Arc::downgrade(self);
        Box::new(move |event| {
            if let Some(runtime) = forward.upgrade() {
                runtime.emit_now(match event {
                    TokenEvent::Acquired(token) => Event::TokenAcquired(Box::new(TokenInfo::from(*token))),
                    TokenEvent::Failed(error) => Event::TokenFailed((*error).clone()),
                });
            }
        })
    }

    /// Answers `reply`, diagnosing a failure in the session's context for `share` (after
    /// a 403, with the role assignments Resource Manager shows).
    pub(super) async fn answer<T: Send + 'static>(
        &self,
        reply: Reply<T>,
        result: Result<T, EngineError>,
        share: Option<&str>,
    ) {
        match result {
            Ok(value) => reply.send(Ok(value)),
            Err(error) => {
                let error = match self.session() {
                    Ok(session) => {
                        let error = session.explain_missing_share(error, share).await;
                        if error.files_error().is_some_and(|e| e.code.as_deref() == Some("ShareNotFound")) {
                            // The request log's 403s on it say the same.
                            self.rediagnose_log(share);
                        }
                        error
                    }
                    Err(_) => error,
                };
                if let Ok(session) = self.session()
                    && session.look_up_roles(&error, share).await
                {
                    self.rediagnose_log(share);
                }
                reply.send(Err(self.failure(error, share)));
            }
        }
    }

    /// Diagnoses again the failed Files exchanges with `share` the request log holds, now
    /// that more is known (the roles found), so the log tells what the answer tells.
    fn rediagnose_log(&self, share: Option<&str>) {
        let Ok(session) = self.session() else { return };
        let updates: Vec<(u64, Box<Diagnosis>)> = self
            .log
            .snapshot()
            .iter()
            .filter(|e| e.is_error() && session.endpoint.share_of(&e.url).as_deref() == share)
            .filter_map(|e| Some((e.sequence, self.diagnose_entry(e)?)))
            .collect();
        if !updates.is_empty() {
            self.emit_now(Event::Rediagnosed(updates));
        }
    }

    fn failure(&self, error: EngineError, share: Option<&str>) -> Failure {
        match self.session() {
            Ok(session) => session.failure(error, share),
            Err(_) => failure_without_session(error, None, share),
        }
    }

    /// The diagnosis of a failed Files exchange, in the session's context for the share
    /// its URL names: the same words the command's answer carries.
    fn diagnose_entry(&self, entry: &LogEntry) -> Option<Box<Diagnosis>> {
        if !entry.failed() {
            return None;
        }
        if entry.kind == ExchangeKind::Arm {
            // A refusal by Resource Manager, explained as `azfx discover` explains it.
            let error = EngineError::Arm(crate::arm::ArmError::from_log_entry(entry)?);
            let context = self.session().map(|s| s.context(None)).unwrap_or_default();
            return Some(Box::new(crate::diagnose::diagnose(&error, &context)));
        }
        if entry.kind != ExchangeKind::Files {
            return None;
        }
        let error = FilesError::from_log_entry(entry)?;
        // Only an exchange with this session's endpoint is explained in its context (the
        // access check may be testing another account).
        let session = self.session().ok().filter(|s| s.endpoint.share_of(&entry.url).is_some());
        let share = session.as_ref().and_then(|s| s.endpoint.share_of(&entry.url));
        let failure = match &session {
            Some(session) => session.failure(EngineError::Files(error), share.as_deref()),
            None => failure_without_session(EngineError::Files(error), None, share.as_deref()),
        };
        Some(failure.diagnosis)
    }
}
