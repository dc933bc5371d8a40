//! Progress of a transfer or bulk operation as a small `Copy` value that events are
//! reduced into (after yazi's scheduler): units done and in all, and whether the work
//! really finished. The shown fraction stays below 100 % until then; rate and ETA are
//! computed from the elapsed time the caller passes in, so tests need no clock.

use std::time::Duration;

/// How far a transfer or bulk operation is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Units done (bytes, or entries for deletes).
    pub done: u64,
    /// Units in all (0 until known).
    pub total: u64,
    /// The work finished and was confirmed (only then is the fraction 1).
    pub complete: bool,
}

/// The largest fraction shown before the work is confirmed complete.
const BELOW_FULL: f32 = 0.9999;

impl Progress {
    /// Folds a progress event in; `done` never goes backwards (a retried range reports
    /// again) and a total learned later replaces an unknown one.
    pub fn update(&mut self, done: u64, total: u64) {
        self.total = total.max(self.total);
        self.done = done.max(self.done).min(self.total.max(done));
    }

    /// Marks the work finished with `units` done in all.
    pub fn finish(&mut self, units: u64) {
        self.done = units.max(self.done);
        self.total = self.total.max(self.done);
        self.complete = true;
    }

    /// Done as a fraction for a progress bar: 0 while the total is unknown, never 1 before
    /// `finish`.
    #[expect(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        reason = "a progress bar needs no 2^24 precision"
    )]
    pub fn fraction(&self) -> f32 {
        if self.complete {
            return 1.0;
        }
        if self.total == 0 {
            return 0.0;
        }
        ((self.done as f64 / self.total as f64) as f32).min(BELOW_FULL)
    }

    /// Units per second over `elapsed` (0 for no time at all).
    #[expect(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a non-negative rate for display"
    )]
    pub fn rate(&self, elapsed: Duration) -> u64 {
        let secs = elapsed.as_secs_f64();
        if secs <= 0.0 { 0 } else { (self.done as f64 / secs).clamp(0.0, 1e15) as u64 }
    }

    /// Time left at the average rate so far; `None` when finished, unknown or stalled.
    pub fn eta(&self, elapsed: Duration) -> Option<Duration> {
        let rate = self.rate(elapsed);
        if self.complete || rate == 0 || self.total <= self.done {
            return None;
        }
        Some(Duration::from_secs((self.total - self.done).div_ceil(rate)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_full_before_finish() {
        let mut p = Progress::default();
        assert!((p.fraction() - 0.0).abs() < f32::EPSILON, "unknown total reads 0");
        p.update(50, 100);
        assert!((p.fraction() - 0.5).abs() < 1e-6);
        p.update(100, 100);
        assert!(p.fraction() < 1.0, "all bytes sent is not yet done: {}", p.fraction());
        p.finish(100);
        assert!((p.fraction() - 1.0).abs() < f32::EPSILON);
    }

    #[test]
    fn done_never_goes_backwards_and_total_can_arrive_late() {
        let mut p = Progress::default();
        p.update(40, 0);
        assert_eq!((p.done, p.total), (40, 0));
        p.update(30, 100);
        assert_eq!((p.done, p.total), (40, 100));
    }

    #[test]
    fn rate_and_eta_from_elapsed_time() {
        let mut p = Progress::default();
        p.update(200, 1000);
        assert_eq!(p.rate(Duration::from_secs(2)), 100);
        assert_eq!(p.eta(Duration::from_secs(2)), Some(Duration::from_secs(8)));
        assert_eq!(p.rate(Duration::ZERO), 0);
        assert_eq!(p.eta(Duration::ZERO), None, "no rate, no estimate");
        p.finish(1000);
        assert_eq!(p.eta(Duration::from_secs(3)), None);
    }
}
