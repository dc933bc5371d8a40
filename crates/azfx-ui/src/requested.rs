//! One request's state in the window, the shape of rerun's `RequestedObject`: not asked
//! yet, in flight (with the answer it will replace, so an old listing stays on screen while
//! a refresh runs), or answered (a value or a failure). Every view that asks the worker
//! for one thing at a time keeps one of these instead of an `Option<Promise<…>>` and its
//! take-and-put-back loop; `Requests` is the same for side requests that only report a
//! failure (a file written, a file opened, a rename).

use poll_promise::Promise;

use azfx_core::worker::{Answer, Failure};

/// One request's state; `E` is the failure an answer may carry (the worker's `Failure`
/// unless the request comes from elsewhere).
#[derive(Default)]
pub(crate) enum Requested<T: Send + 'static, E: Send + 'static = Failure> {
    /// Not asked for (or its answer was taken).
    #[default]
    Unasked,
    /// Asked for; `previous` is the answer it will replace, if any.
    Pending {
        /// The worker's answer, once it comes.
        promise: Promise<Result<T, E>>,
        /// The answer before this request.
        previous: Option<Result<T, E>>,
    },
    /// Answered.
    Answered(Result<T, E>),
}

impl<T: Send + 'static, E: Send + 'static> Requested<T, E> {
    /// Waits for `promise`, keeping the current answer as the previous one. A request
    /// still in flight is dropped: the newest request wins.
    pub(crate) fn request(&mut self, promise: Promise<Result<T, E>>) {
        let previous = match std::mem::take(self) {
            Self::Unasked => None,
            Self::Pending { previous, .. } => previous,
            Self::Answered(answer) => Some(answer),
        };
        *self = Self::Pending { promise, previous };
    }

    /// Waiting for `promise` from the start.
    pub(crate) fn asked(promise: Promise<Result<T, E>>) -> Self {
        Self::Pending { promise, previous: None }
    }

    /// Takes the answer if it arrived since the last frame; returns whether it did.
    pub(crate) fn poll(&mut self) -> bool {
        let Self::Pending { .. } = self else { return false };
        let Self::Pending { promise, previous } = std::mem::take(self) else { return false };
        match promise.try_take() {
            Ok(answer) => {
                *self = Self::Answered(answer);
                true
            }
            Err(promise) => {
                *self = Self::Pending { promise, previous };
                false
            }
        }
    }

    /// The answer that arrived since the last frame, taken (the state becomes
    /// `Unasked`): for answers that are acted on once, not shown.
    pub(crate) fn take_arrived(&mut self) -> Option<Result<T, E>> {
        self.poll();
        match std::mem::take(self) {
            Self::Answered(answer) => Some(answer),
            other => {
                *self = other;
                None
            }
        }
    }

    /// Whether an answer is awaited.
    pub(crate) fn is_pending(&self) -> bool {
        matches!(self, Self::Pending { .. })
    }

    /// The latest answer: this request's, or while it runs the one before.
    pub(crate) fn latest(&self) -> Option<&Result<T, E>> {
        match self {
            Self::Unasked => None,
            Self::Pending { previous, .. } => previous.as_ref(),
            Self::Answered(answer) => Some(answer),
        }
    }

    /// The latest answer's value, if it was one.
    pub(crate) fn value(&self) -> Option<&T> {
        self.latest().and_then(|answer| answer.as_ref().ok())
    }

    /// Forgets everything: a request in flight is dropped, its answer ignored.
    pub(crate) fn reset(&mut self) {
        *self = Self::Unasked;
    }
}

/// Side requests that only report a failure (a file written, opened, renamed): each
/// with what to say if it fails.
#[derive(Default)]
pub(crate) struct Requests<T: Send + 'static = ()> {
    pending: Vec<(String, Promise<Answer<T>>)>,
}

impl<T: Send + 'static> Requests<T> {
    /// Waits for `promise`; `what` names it in a failure ("Could not write …").
    pub(crate) fn push(&mut self, what: impl Into<String>, promise: Promise<Answer<T>>) {
        self.pending.push((what.into(), promise));
    }

    /// The requests that ended since the last frame, with their names and answers.
    pub(crate) fn arrived(&mut self) -> Vec<(String, Answer<T>)> {
        let mut done = Vec::new();
        for (what, promise) in std::mem::take(&mut self.pending) {
            match promise.try_take() {
                Ok(answer) => done.push((what, answer)),
                Err(promise) => self.pending.push((what, promise)),
            }
        }
        done
    }

    /// Whether any is still running.
    pub(crate) fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_previous_answer_stays_while_a_refresh_runs_and_the_newest_wins() {
        let mut listing: Requested<u32, String> = Requested::default();
        assert!(listing.latest().is_none() && !listing.is_pending());
        let (sender, promise) = Promise::new();
        listing.request(promise);
        assert!(listing.is_pending() && !listing.poll());
        sender.send(Ok(1));
        assert!(listing.poll());
        assert_eq!(listing.value(), Some(&1));
        let (stale, promise) = Promise::new();
        listing.request(promise);
        assert_eq!(listing.value(), Some(&1), "shown while the refresh runs");
        let (newest, promise) = Promise::new();
        listing.request(promise);
        stale.send(Ok(2));
        assert!(!listing.poll(), "the dropped request's answer is ignored");
        newest.send(Err("gone".to_owned()));
        assert!(listing.poll());
        assert_eq!(listing.latest(), Some(&Err("gone".to_owned())));
    }

    #[test]
    fn an_answer_acted_on_once_is_taken() {
        let mut refresh: Requested<u32, String> = Requested::default();
        let (sender, promise) = Promise::new();
        refresh.request(promise);
        assert!(refresh.take_arrived().is_none() && refresh.is_pending());
        sender.send(Ok(7));
        assert_eq!(refresh.take_arrived(), Some(Ok(7)));
        assert!(refresh.latest().is_none() && !refresh.is_pending());
    }
}
