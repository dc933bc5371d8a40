//! What a test reads of a running emulator's traffic: requests served (by kind and in
//! all), bytes received and served, tokens issued, the most requests at once.

use std::sync::atomic::Ordering;

use super::state::Control;

impl Control {
    /// The most Files requests served at once since `reset_max_in_flight`.
    pub fn max_in_flight(&self) -> usize {
        self.state.in_flight.max()
    }

    /// Starts counting the most requests at once afresh.
    pub fn reset_max_in_flight(&self) {
        self.state.in_flight.reset();
    }

    /// Tokens issued to one identity so far.
    pub fn tokens_issued(&self, object_id: &str) -> u64 {
        self.state.lock().tokens_issued.get(object_id).copied().unwrap_or(0)
    }

    /// Files requests served so far, whatever their outcome.
    pub fn files_requests(&self) -> u64 {
        self.state.files_requests.load(Ordering::Relaxed)
    }

    /// Bytes Put Range accepted so far: what a resumed upload must not send again.
    pub fn bytes_received(&self) -> u64 {
        self.state.bytes_received.load(Ordering::Relaxed)
    }

    /// Bytes Get File answered with so far (the whole range asked for, even when the
    /// client stopped reading early): what a resumed download must not ask for again.
    pub fn bytes_served(&self) -> u64 {
        self.state.bytes_served.load(Ordering::Relaxed)
    }

    /// Identity-endpoint requests served so far, whatever their outcome.
    pub fn identity_requests(&self) -> u64 {
        self.state.identity_requests.load(Ordering::Relaxed)
    }

    /// Requests of every kind (Files, identity endpoints, Resource Manager) served so far,
    /// whatever their outcome: what a client that must not retry on its own is held to.
    pub fn requests(&self) -> u64 {
        self.state.all_requests.load(Ordering::Relaxed)
    }
}
