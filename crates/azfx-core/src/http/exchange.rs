//! The one exchange loop every client of azfx runs its requests through (the Files REST
//! client, Resource Manager, the identity endpoints): it numbers the attempts, writes each
//! one to the request log (a failure later made good is marked so, with the attempt that
//! made it good), decides whether a failed attempt is sent again — one new token after a
//! 401, transport failures and the endpoint's retryable statuses within the retry policy,
//! `Retry-After` honoured — and waits the backoff. What a request is and what its answer
//! means stay with each client.
//!
//! Retry guidance: Azure Storage asks clients to retry 408, 429, 500, 502, 503 and 504 on
//! idempotent requests (research notes §3.5; a 429 or 503 also on others: the request was
//! not carried out); Resource Manager the same statuses (its throttling sends
//! `Retry-After`); IMDS 404, 408, 410, 429 and 5xx with exponential backoff ("Azure
//! Instance Metadata Service: managed identity token errors", Microsoft Learn).

use std::time::Instant;

use super::retry::RetryPolicy;
use super::{Attempts, LogEntry, RequestLog, TransportKind};

/// An endpoint's retry guidance.
#[derive(Clone, Debug)]
pub struct Retries {
    /// Attempts, delays and the time limit.
    pub policy: RetryPolicy,
    /// The statuses the endpoint asks clients to send again.
    pub statuses: fn(u16) -> bool,
    /// Whether a request that got no answer (a reset, a timeout, a refused connection) is
    /// sent again when it is idempotent. Off for the identity endpoints: an unreachable
    /// IMDS is reported at once, not after a minute of backoff.
    pub transport: bool,
    /// The shortest wait the endpoint asks for after a status, when it sends no
    /// `Retry-After` (IMDS: 2 s after 410, it is updating).
    pub at_least: fn(u16) -> std::time::Duration,
}

/// Statuses Azure Storage and Resource Manager ask clients to retry.
pub fn azure_retryable(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

impl Retries {
    /// Azure Storage's and Resource Manager's guidance under `policy`.
    pub fn azure(policy: RetryPolicy) -> Self {
        Self { policy, statuses: azure_retryable, transport: true, at_least: |_| std::time::Duration::ZERO }
    }
}

/// How an attempt failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failed<'a> {
    /// No answer: the connection failed, was reset or timed out.
    Transport(TransportKind),
    /// An error status; `retry_after` is the `Retry-After` header, if any.
    Status {
        /// HTTP status.
        status: u16,
        /// `Retry-After`, as sent.
        retry_after: Option<&'a str>,
    },
    /// Refused for its credential in a way a new token may fix (a 401 for an expired or
    /// revoked token): asked once per request.
    Unauthorized,
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Send it again (the backoff was waited).
    Retry,
    /// Drop the token the attempt carried, get a new one, and send it again at once.
    Refresh,
    /// Give up: the failure is the answer.
    Stop,
}

/// One request's attempts: their count, their log entries, the decision after each failure.
#[derive(Debug)]
pub struct Exchange<'a> {
    log: &'a RequestLog,
    retries: &'a Retries,
    started: Instant,
    attempt: u32,
    attempts: Attempts,
    refreshed: bool,
}

impl<'a> Exchange<'a> {
    /// A request about to be sent, logged to `log`, retried under `retries`.
    pub fn new(log: &'a RequestLog, retries: &'a Retries) -> Self {
        Self { log, retries, started: Instant::now(), attempt: 0, attempts: Attempts::default(), refreshed: false }
    }

    /// Starts the next attempt; returns its number (1 for the first).
    pub fn next_attempt(&mut self) -> u32 {
        self.attempt += 1;
        self.attempt
    }

    /// Attempts started so far.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// Whether a new token was fetched after a 401.
    pub fn refreshed(&self) -> bool {
        self.refreshed
    }

    /// Records the attempt that ended the request well (an answer, whatever its status),
    /// marking the failed attempts before it as made good.
    pub fn succeeded(&mut self, entry: LogEntry) {
        self.attempts.made_good(self.log, entry, self.refreshed);
    }

    /// Records a failed attempt and decides what comes next; waits the backoff before
    /// answering `Retry`. `idempotent`: the request may be sent again after it may have
    /// been carried out (a 429 or 503 says it was not, so those are retried anyway).
    pub async fn failed(&mut self, entry: LogEntry, failed: Failed<'_>, idempotent: bool) -> Next {
        self.attempts.failed(self.log, entry);
        let within = self.retries.policy.allows(self.attempt, self.started.elapsed());
        match failed {
            Failed::Unauthorized if !self.refreshed => {
                self.refreshed = true;
                Next::Refresh
            }
            Failed::Transport(kind) if idempotent && self.retries.transport && kind.retryable() && within => {
                tokio::time::sleep(self.retries.policy.backoff(self.attempt, None)).await;
                Next::Retry
            }
            // A second 401 after a new token, or a lost answer that may not be repeated.
            Failed::Unauthorized | Failed::Transport(_) => Next::Stop,
            Failed::Status { status, retry_after } => {
                let not_carried_out = matches!(status, 429 | 503);
                if (idempotent || not_carried_out) && (self.retries.statuses)(status) && within {
                    let mut wait = self.retries.policy.backoff(self.attempt, retry_after);
                    if retry_after.is_none() {
                        wait = wait.max((self.retries.at_least)(status)).min(self.retries.policy.max_delay);
                    }
                    tokio::time::sleep(wait).await;
                    Next::Retry
                } else {
                    Next::Stop
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::http::ExchangeKind;

    fn entry(attempt: u32) -> LogEntry {
        LogEntry::begin(ExchangeKind::Arm, "test", "GET", "https://example/".to_owned(), attempt, Vec::new())
    }

    fn quick() -> Retries {
        let policy = RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_total: Duration::from_secs(5),
        };
        Retries::azure(policy)
    }

    #[tokio::test]
    async fn retries_within_the_policy_then_stops() {
        let log = RequestLog::new(10);
        let retries = quick();
        let mut exchange = Exchange::new(&log, &retries);
        let busy = Failed::Status { status: 503, retry_after: Some("0") };
        let attempt = exchange.next_attempt();
        assert_eq!(exchange.failed(entry(attempt), busy, false).await, Next::Retry);
        let attempt = exchange.next_attempt();
        assert_eq!(exchange.failed(entry(attempt), Failed::Transport(TransportKind::Reset), true).await, Next::Retry);
        let attempt = exchange.next_attempt();
        assert_eq!(exchange.failed(entry(attempt), busy, true).await, Next::Stop, "three attempts in all");
        assert_eq!(log.snapshot().len(), 3);
    }

    #[tokio::test]
    async fn one_refresh_per_request_and_no_retry_of_what_may_have_happened() {
        let log = RequestLog::new(10);
        let retries = quick();
        let mut exchange = Exchange::new(&log, &retries);
        exchange.next_attempt();
        assert_eq!(exchange.failed(entry(1), Failed::Unauthorized, true).await, Next::Refresh);
        exchange.next_attempt();
        assert_eq!(exchange.failed(entry(2), Failed::Unauthorized, true).await, Next::Stop);
        let mut exchange = Exchange::new(&log, &retries);
        exchange.next_attempt();
        let reset = Failed::Transport(TransportKind::Reset);
        assert_eq!(exchange.failed(entry(1), reset, false).await, Next::Stop, "a reset POST may have happened");
        let server_error = Failed::Status { status: 500, retry_after: None };
        assert_eq!(exchange.failed(entry(1), server_error, false).await, Next::Stop);
        let forbidden = Failed::Status { status: 403, retry_after: None };
        assert_eq!(exchange.failed(entry(1), forbidden, true).await, Next::Stop, "403 is never retried");
    }

    #[tokio::test]
    async fn the_endpoints_shortest_wait_holds_unless_retry_after_says_otherwise() {
        let log = RequestLog::new(10);
        let mut retries = quick();
        retries.statuses = |_| true;
        retries.at_least = |status| if status == 410 { Duration::from_millis(60) } else { Duration::ZERO };
        retries.policy.max_delay = Duration::from_secs(1);
        let mut exchange = Exchange::new(&log, &retries);
        exchange.next_attempt();
        let started = Instant::now();
        let updating = Failed::Status { status: 410, retry_after: None };
        assert_eq!(exchange.failed(entry(1), updating, true).await, Next::Retry);
        assert!(started.elapsed() >= Duration::from_millis(60), "waited at least 60 ms: {:?}", started.elapsed());
        exchange.next_attempt();
        let started = Instant::now();
        let told = Failed::Status { status: 410, retry_after: Some("0") };
        assert_eq!(exchange.failed(entry(2), told, true).await, Next::Retry);
        assert!(started.elapsed() < Duration::from_millis(60), "Retry-After: 0 wins");
    }
}
