//! One limit on the requests a client (and its clones: every transfer of a connection)
//! has in flight, adaptive under throttling as TCP's congestion control is: halved when
//! the service refuses work for load (429, 503 `ServerBusy`, a body cut off from its
//! headers), at most once a second so one burst of refusals counts once, and grown by one
//! after as many successes as the limit, up to its ceiling. Azure Files throttles per
//! share and per account (research notes §3.13): backing off together is what lets the
//! other transfers of the same share go on.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// The most requests in flight per client when the service is calm.
pub const MAX_IN_FLIGHT: usize = 64;
/// A second decrease within this time of the last one is not made.
const DECREASE_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug)]
struct State {
    limit: usize,
    in_flight: usize,
    successes: usize,
    decreased_at: Option<Instant>,
}

/// The gate every request of a client passes (see the module's text).
#[derive(Debug)]
pub struct Congestion {
    state: Mutex<State>,
    ceiling: usize,
    freed: Notify,
}

impl Default for Congestion {
    fn default() -> Self {
        Self::new(MAX_IN_FLIGHT)
    }
}

/// A place in flight; dropping it frees the place.
#[derive(Debug)]
pub struct Permit<'a> {
    gate: &'a Congestion,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.gate.lock().in_flight -= 1;
        self.gate.freed.notify_one();
    }
}

impl Congestion {
    /// A gate allowing `ceiling` requests at most (at least one).
    pub fn new(ceiling: usize) -> Self {
        let ceiling = ceiling.max(1);
        Self {
            state: Mutex::new(State { limit: ceiling, in_flight: 0, successes: 0, decreased_at: None }),
            ceiling,
            freed: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for a place under the current limit.
    pub async fn acquire(&self) -> Permit<'_> {
        loop {
            let freed = self.freed.notified();
            {
                let mut state = self.lock();
                if state.in_flight < state.limit {
                    state.in_flight += 1;
                    return Permit { gate: self };
                }
            }
            freed.await;
        }
    }

    /// The service refused a request for load: halve the limit (once a second at most).
    pub fn throttled(&self) {
        let mut state = self.lock();
        if state.decreased_at.is_some_and(|at| at.elapsed() < DECREASE_EVERY) {
            return;
        }
        state.limit = (state.limit / 2).max(1);
        state.successes = 0;
        state.decreased_at = Some(Instant::now());
        tracing::info!(limit = state.limit, "the service throttles: fewer requests in flight");
    }

    /// A request succeeded: after as many successes as the limit, one more place.
    pub fn succeeded(&self) {
        let grew = {
            let mut state = self.lock();
            state.successes += 1;
            if state.successes >= state.limit && state.limit < self.ceiling {
                state.limit += 1;
                state.successes = 0;
                true
            } else {
                false
            }
        };
        if grew {
            self.freed.notify_one();
        }
    }

    /// The current limit.
    pub fn limit(&self) -> usize {
        self.lock().limit
    }
}

#[cfg(test)]
mod tests {
    use super::Congestion;

    #[test]
    fn halves_once_a_second_and_grows_back_by_one_per_window_of_successes() {
        let gate = Congestion::new(16);
        gate.throttled();
        assert_eq!(gate.limit(), 8);
        gate.throttled();
        assert_eq!(gate.limit(), 8, "a burst of refusals counts once");
        for _ in 0..7 {
            gate.succeeded();
        }
        assert_eq!(gate.limit(), 8);
        gate.succeeded();
        assert_eq!(gate.limit(), 9, "one more after as many successes as the limit");
        for _ in 0..1000 {
            gate.succeeded();
        }
        assert_eq!(gate.limit(), 16, "never above the ceiling");
    }

    #[tokio::test]
    async fn no_more_in_flight_than_the_limit() {
        let gate = std::sync::Arc::new(Congestion::new(2));
        let first = gate.acquire().await;
        let _second = gate.acquire().await;
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), gate.acquire()).await;
        assert!(waiting.is_err(), "a third waits");
        drop(first);
        let third = tokio::time::timeout(std::time::Duration::from_millis(200), gate.acquire()).await;
        assert!(third.is_ok(), "and goes when one ends");
    }
}
