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
    /// Wake-ups for the passive events (progress, request-log entries).
    passive_wakes: Arc<PassiveWakes>,
}

/// The shortest time between two repaints asked for by passive events alone.
const PROGRESS_REPAINT_MS: u64 = 200;

/// Passive events (progress, a request-log entry per 4 MiB range) wake the window at most
/// every `PROGRESS_REPAINT_MS`, so a software-rendered window (RDP without a GPU,
/// llvmpipe) does not draw a frame per range while a transfer needs the CPU; one held
/// back is drawn by a wake-up scheduled for the end of that interval, never left waiting
/// for an unrelated repaint.
struct PassiveWakes {
    repaint: Repaint,
    started: std::time::Instant,
    /// When a passive event last woke the window (ms since `started`; `u64::MAX`: never).
    woke_ms: std::sync::atomic::AtomicU64,
    /// A wake-up is scheduled.
    scheduled: std::sync::atomic::AtomicBool,
}

impl PassiveWakes {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Wakes the window now, or schedules one wake-up for when the interval ends.
    fn wake(self: &Arc<Self>) {
        use std::sync::atomic::Ordering;
        let now = self.now_ms();
        let last = self.woke_ms.load(Ordering::Relaxed);
        let due = last == u64::MAX || now.saturating_sub(last) >= PROGRESS_REPAINT_MS;
        if due && self.woke_ms.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok() {
            (self.repaint)();
            return;
        }
        if self.scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            self.scheduled.store(false, Ordering::Release);
            (self.repaint)();
            return;
        };
        let wakes = Arc::clone(self);
        let wait = last.saturating_add(PROGRESS_REPAINT_MS).saturating_sub(now).clamp(1, PROGRESS_REPAINT_MS);
        handle.spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            wakes.woke_ms.store(wakes.now_ms(), Ordering::Relaxed);
            wakes.scheduled.store(false, Ordering::Release);
            (wakes.repaint)();
        });
    }
}

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
        let passive_wakes = Arc::new(PassiveWakes {
            repaint: Arc::clone(&repaint),
            started: std::time::Instant::now(),
            woke_ms: std::sync::atomic::AtomicU64::new(u64::MAX),
            scheduled: std::sync::atomic::AtomicBool::new(false),
        });
        let runtime =
            Arc::new(Self { events, repaint, log, journal, session: RwLock::new(None), ranges, passive_wakes });
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
            self.passive_wakes.wake();
        } else {
            (self.repaint)();
        }
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_held_back_passive_event_is_drawn_when_its_interval_ends() {
        let woken = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&woken);
        let wakes = Arc::new(PassiveWakes {
            repaint: Arc::new(move || {
                counter.fetch_add(1, Ordering::Relaxed);
            }),
            started: std::time::Instant::now(),
            woke_ms: AtomicU64::new(u64::MAX),
            scheduled: std::sync::atomic::AtomicBool::new(false),
        });
        wakes.wake();
        assert_eq!(woken.load(Ordering::Relaxed), 1, "the first wakes at once");
        for _ in 0..100 {
            wakes.wake();
        }
        assert_eq!(woken.load(Ordering::Relaxed), 1, "the burst is held back");
        tokio::time::sleep(std::time::Duration::from_millis(PROGRESS_REPAINT_MS + 100)).await;
        assert_eq!(
            woken.load(Ordering::Relaxed),
            2,
            "and drawn once when the interval ends, with nothing else happening"
        );
    }
}
