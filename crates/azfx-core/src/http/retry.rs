//! How long to keep sending a request again: bounded attempts and total time, exponential
//! backoff with jitter, and the service's `Retry-After` (capped) when it gives one. Which
//! failures are sent again is `exchange`'s.

use std::time::Duration;

/// When to retry.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all (first try included).
    pub max_attempts: u32,
    /// First backoff delay; doubles, with jitter.
    pub base_delay: Duration,
    /// Longest single delay (also caps `Retry-After`).
    pub max_delay: Duration,
    /// No retry starts after this much time.
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(16),
            max_total: Duration::from_secs(90),
        }
    }
}

impl RetryPolicy {
    /// How long to wait before attempt `attempt + 1`: `Retry-After` seconds when the
    /// service sent them (capped at `max_delay`), else `base_delay · 2^(attempt-1)` with
    /// 50–100 % jitter.
    pub fn backoff(&self, attempt: u32, retry_after: Option<&str>) -> Duration {
        if let Some(secs) = retry_after.and_then(|v| v.trim().parse::<u64>().ok()) {
            return Duration::from_secs(secs).min(self.max_delay);
        }
        let exponential = self.base_delay.saturating_mul(1 << attempt.saturating_sub(1).min(10));
        let jitter = 0.5 + rand::random::<f64>() / 2.0;
        exponential.min(self.max_delay).mul_f64(jitter)
    }

    /// Whether another attempt may start after `attempt` attempts and `elapsed` time.
    pub fn allows(&self, attempt: u32, elapsed: Duration) -> bool {
        attempt < self.max_attempts && elapsed < self.max_total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_wins_and_is_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(1, Some("3")), Duration::from_secs(3));
        assert_eq!(policy.backoff(1, Some("600")), policy.max_delay);
        let first = policy.backoff(1, None);
        assert!(first >= Duration::from_millis(250) && first <= Duration::from_millis(500), "{first:?}");
        assert!(policy.backoff(30, None) <= policy.max_delay);
        assert!(policy.allows(3, Duration::ZERO) && !policy.allows(4, Duration::ZERO));
    }
}
