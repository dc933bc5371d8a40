//! The wall clock in Unix seconds, as something that can be handed around and, in tests,
//! moved: token caches and the window read it instead of the system clock, so a test
//! passes a token's lifetime by advancing the clock rather than sleeping.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Where the seconds come from.
#[derive(Clone)]
enum Base {
    System,
    Fixed(i64),
}

/// A clock: `now()` is Unix seconds.
#[derive(Clone)]
pub struct Clock {
    base: Base,
    offset_secs: Arc<AtomicI64>,
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.base {
            Base::System => write!(f, "Clock(system{:+}s)", self.offset_secs.load(Ordering::Relaxed)),
            Base::Fixed(at) => write!(f, "Clock(fixed {})", at + self.offset_secs.load(Ordering::Relaxed)),
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

/// Moves a clock made by `Clock::shifted` or `Clock::fixed`.
#[derive(Clone, Debug)]
pub struct ClockHand(Arc<AtomicI64>);

impl ClockHand {
    /// Moves the clock `secs` seconds (forward when positive).
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::Relaxed);
    }
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self { base: Base::System, offset_secs: Arc::new(AtomicI64::new(0)) }
    }

    /// The system clock plus an offset its hand moves (integration tests, where the other
    /// side — the emulator — runs on real time shifted the same way).
    pub fn shifted() -> (Self, ClockHand) {
        let clock = Self::system();
        let hand = ClockHand(Arc::clone(&clock.offset_secs));
        (clock, hand)
    }

    /// A clock standing at `unix_secs` until its hand moves it (unit tests).
    pub fn fixed(unix_secs: i64) -> (Self, ClockHand) {
        let clock = Self { base: Base::Fixed(unix_secs), offset_secs: Arc::new(AtomicI64::new(0)) };
        let hand = ClockHand(Arc::clone(&clock.offset_secs));
        (clock, hand)
    }

    /// Now, in Unix seconds.
    pub fn now(&self) -> i64 {
        let base = match self.base {
            Base::System => time::OffsetDateTime::now_utc().unix_timestamp(),
            Base::Fixed(at) => at,
        };
        base + self.offset_secs.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_move_their_clock_only() {
        let (clock, hand) = Clock::fixed(1_000);
        let copy = clock.clone();
        hand.advance(30);
        assert_eq!((clock.now(), copy.now()), (1_030, 1_030));
        let (system, _) = Clock::fixed(5);
        assert_eq!(system.now(), 5);
    }
}
