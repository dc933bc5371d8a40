//! How many Files requests the emulator is serving at once, and the most since the last
//! reset, so tests can see a client back off under throttling and grow again.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Requests being served now, and the most at once since `reset`.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    now: AtomicUsize,
    max: AtomicUsize,
}

/// One request being served; dropping it ends it.
pub(crate) struct Serving<'a>(&'a InFlight);

impl Drop for Serving<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::Relaxed);
    }
}

impl InFlight {
    /// The most requests served at once since the last reset.
    pub(crate) fn max(&self) -> usize {
        self.max.load(Ordering::Relaxed)
    }

    /// Counts the most afresh, from those being served now.
    pub(crate) fn reset(&self) {
        self.max.store(self.now.load(Ordering::Relaxed), Ordering::Relaxed);
    }

    /// A request starts.
    pub(crate) fn start(&self) -> Serving<'_> {
        let now = self.now.fetch_add(1, Ordering::Relaxed) + 1;
        self.max.fetch_max(now, Ordering::Relaxed);
        Serving(self)
    }
}
