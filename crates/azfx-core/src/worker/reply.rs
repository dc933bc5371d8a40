//! The two handles a command carries: its `Reply` (the promise's sender, which always
//! answers: a reply dropped unanswered sends `Unavailable`) and, for long-running
//! commands, its `Task` (an id plus a cancellation token registered *before* the command
//! is queued, so a cancel sent right after a start is never lost).

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use poll_promise::Sender;
use tokio_util::sync::CancellationToken;

use super::values::{Answer, Failure, TaskId};
use crate::diagnose::{Context, diagnose};
use crate::error::EngineError;

/// Called after every answer and event so the window repaints.
pub(super) type Repaint = Arc<dyn Fn() + Send + Sync>;

/// Where a command's answer goes. Sending repaints the caller; dropping it unanswered
/// answers `EngineError::Unavailable`.
pub struct Reply<T: Send + 'static> {
    sender: Option<Sender<Answer<T>>>,
    repaint: Repaint,
}

impl<T: Send + 'static> fmt::Debug for Reply<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.sender.is_some() { "Reply(pending)" } else { "Reply(sent)" })
    }
}

impl<T: Send + 'static> Reply<T> {
    /// A reply for `sender`.
    pub(crate) fn new(sender: Sender<Answer<T>>, repaint: Repaint) -> Self {
        Self { sender: Some(sender), repaint }
    }

    /// Delivers the answer and repaints.
    pub fn send(mut self, answer: Answer<T>) {
        if let Some(sender) = self.sender.take() {
            sender.send(answer);
            (self.repaint)();
        }
    }
}

impl<T: Send + 'static> Drop for Reply<T> {
    fn drop(&mut self) {
        if let Some(sender) = self.sender.take() {
            let error = EngineError::Unavailable;
            let diagnosis = Box::new(diagnose(&error, &Context::default()));
            sender.send(Err(Failure { error, diagnosis }));
            (self.repaint)();
        }
    }
}

/// Cancellation tokens of the tasks not yet finished, shared by the handle and the
/// runtime.
#[derive(Debug, Default)]
pub(super) struct Tasks {
    running: Mutex<HashMap<TaskId, (CancellationToken, Arc<AtomicBool>)>>,
}

impl Tasks {
    /// Registers a new task.
    pub(super) fn start(self: &Arc<Self>, id: TaskId) -> Task {
        let cancel = CancellationToken::new();
        let pause = Arc::new(AtomicBool::new(false));
        self.running.lock().unwrap_or_else(PoisonError::into_inner).insert(id, (cancel.clone(), Arc::clone(&pause)));
        Task { id, cancel, pause, tasks: Arc::clone(self) }
    }

    /// Cancels a task if it is still running (or still queued).
    pub(super) fn cancel(&self, id: TaskId) {
        if let Some((cancel, _)) = self.running.lock().unwrap_or_else(PoisonError::into_inner).remove(&id) {
            cancel.cancel();
        }
    }

    /// Pauses a transfer: stops it like a cancel, but what was written is kept for a
    /// resume. Other tasks just stop.
    pub(super) fn pause(&self, id: TaskId) {
        if let Some((cancel, pause)) = self.running.lock().unwrap_or_else(PoisonError::into_inner).remove(&id) {
            pause.store(true, Ordering::Relaxed);
            cancel.cancel();
        }
    }

    /// Tasks registered and not finished.
    pub(super) fn len(&self) -> usize {
        self.running.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Whether no task is registered.
    #[cfg(test)]
    pub(super) fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A long-running command's id and cancellation; unregisters itself when dropped.
pub struct Task {
    /// The id events carry.
    pub id: TaskId,
    cancel: CancellationToken,
    pause: Arc<AtomicBool>,
    tasks: Arc<Tasks>,
}

impl fmt::Debug for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Task({}{})", self.id, if self.cancel.is_cancelled() { ", cancelled" } else { "" })
    }
}

impl Task {
    /// Runs `work` until it ends or the task is cancelled (then `EngineError::Cancelled`).
    pub async fn run<T>(&self, work: impl Future<Output = Result<T, EngineError>>) -> Result<T, EngineError> {
        tokio::select! {
            biased;
            () = self.cancel.cancelled() => Err(EngineError::Cancelled),
            answer = work => answer,
        }
    }

    /// Whether the task was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// The cancellation token, for work that cleans up after itself when cancelled.
    pub fn token(&self) -> &CancellationToken {
        &self.cancel
    }

    /// The flag set when the cancel is a pause.
    pub fn pause_flag(&self) -> &Arc<AtomicBool> {
        &self.pause
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        self.tasks.running.lock().unwrap_or_else(PoisonError::into_inner).remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_cancel_sent_before_the_task_runs_is_not_lost() {
        let tasks = Arc::new(Tasks::default());
        let task = tasks.start(7);
        tasks.cancel(7);
        let answer = task.run(async { Ok::<_, EngineError>(42) }).await;
        assert!(matches!(answer, Err(EngineError::Cancelled)), "{answer:?}");
        drop(task);
        assert!(tasks.is_empty(), "a finished task unregisters itself");
    }

    #[test]
    fn a_dropped_reply_answers_unavailable() {
        let (sender, promise) = poll_promise::Promise::<Answer<u8>>::new();
        drop(Reply::new(sender, Arc::new(|| {})));
        let answer = promise.block_and_take();
        assert!(matches!(answer, Err(Failure { error: EngineError::Unavailable, .. })));
    }
}
