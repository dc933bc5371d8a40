//! One token per (source, resource), refreshed single-flight and ahead of time: when a
//! token is due (5 minutes before expiry, or at half-life for short tokens) one caller
//! refreshes while the others keep using the still-valid token; when there is no valid
//! token, every caller waits for the same single fetch. A 401 invalidates exactly the
//! token that failed, so concurrent 401s cause one refresh.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::{AccessToken, AuthError, CredentialSource, TokenSource};
use crate::clock::Clock;

/// Seconds before expiry at which a token is no longer handed out (less for tokens
/// living under 40 s: a quarter of their lifetime).
const EXPIRY_MARGIN_SECS: i64 = 10;

/// What happened to a cache's token, for listeners.
#[derive(Debug)]
pub enum TokenEvent<'a> {
    /// A new token arrived.
    Acquired(&'a AccessToken),
    /// A refresh failed.
    Failed(&'a AuthError),
}

/// A callback for token events.
pub type TokenListener = Box<dyn Fn(&TokenEvent<'_>) + Send + Sync>;

/// A cached token for one source and resource.
pub struct TokenCache {
    source: Arc<dyn TokenSource>,
    resource: String,
    clock: Clock,
    current: Mutex<Option<AccessToken>>,
    generation: AtomicU64,
    refresh: tokio::sync::Mutex<()>,
    fetches: AtomicU64,
    last_error: Mutex<Option<AuthError>>,
    /// When (clock seconds) the last fetch failed; cleared by a success.
    failed_at: Mutex<Option<i64>>,
    listener: Mutex<Option<TokenListener>>,
}

/// After a failed fetch, how long a still-usable token is used before the source is
/// asked again (so a failing token endpoint is not asked once per request).
pub const RETRY_AFTER_FAILURE_SECS: i64 = 30;

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("source", &self.source)
            .field("resource", &self.resource)
            .field("current", &self.current())
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    /// A cache for tokens of `source` for `resource`, on the system clock.
    pub fn new(source: Arc<dyn TokenSource>, resource: &str) -> Arc<Self> {
        Self::with_clock(source, resource, Clock::system())
    }

    /// A cache deciding when tokens are due and expired by `clock`.
    pub fn with_clock(source: Arc<dyn TokenSource>, resource: &str, clock: Clock) -> Arc<Self> {
        Arc::new(Self {
            source,
            resource: resource.to_owned(),
            clock,
            current: Mutex::new(None),
            generation: AtomicU64::new(0),
            refresh: tokio::sync::Mutex::new(()),
            fetches: AtomicU64::new(0),
            last_error: Mutex::new(None),
            failed_at: Mutex::new(None),
            listener: Mutex::new(None),
        })
    }

    /// Calls `listener` whenever a token arrives or a refresh fails.
    pub fn set_listener(&self, listener: impl Fn(&TokenEvent<'_>) + Send + Sync + 'static) {
        *self.listener.lock().unwrap_or_else(PoisonError::into_inner) = Some(Box::new(listener));
    }

    fn notify(&self, event: &TokenEvent<'_>) {
        if let Some(listener) = self.listener.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            listener(event);
        }
    }

    /// Where the tokens come from.
    pub fn source(&self) -> CredentialSource {
        self.source.source()
    }

    /// The resource the tokens are for.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The cached token, if any (may be due or expired).
    pub fn current(&self) -> Option<AccessToken> {
        self.current.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Seconds until the cached token is due for its proactive refresh, by this cache's
    /// clock: 0 when it is due, expired or there is none.
    pub fn secs_until_due(&self) -> i64 {
        let now = self.clock.now();
        let backoff = self.failed_at().map_or(0, |at| at + RETRY_AFTER_FAILURE_SECS - now);
        let due = self.current().map_or(0, |token| token.refresh_at() - now);
        due.max(backoff).max(0)
    }

    fn failed_at(&self) -> Option<i64> {
        *self.failed_at.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a fetch failed less than `RETRY_AFTER_FAILURE_SECS` before `now`.
    fn recently_failed(&self, now: i64) -> bool {
        self.failed_at().is_some_and(|at| now - at < RETRY_AFTER_FAILURE_SECS)
    }

    /// How many times the source was asked.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// The last refresh failure, kept while an older token is still in use.
    pub fn last_error(&self) -> Option<AuthError> {
        self.last_error.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn usable(token: &AccessToken, now: i64) -> bool {
        let lifetime = token.expires_on - token.acquired_at;
        now < token.expires_on - EXPIRY_MARGIN_SECS.min(lifetime / 4)
    }

    /// A token to send now.
    pub async fn token(&self) -> Result<AccessToken, AuthError> {
        let now = self.clock.now();
        let seen_generation = self.generation.load(Ordering::Acquire);
        if let Some(token) = self.current() {
            // Not due yet, or due while the source failed a moment ago: the token still
            // serves, and the source is asked again after the pause.
            if (now < token.refresh_at() || self.recently_failed(now)) && Self::usable(&token, now) {
                return Ok(token);
            }
            if Self::usable(&token, now) {
                // Due but still valid: one caller refreshes, the rest go on with it.
                let Ok(_guard) = self.refresh.try_lock() else {
                    return Ok(token);
                };
                if self.generation.load(Ordering::Acquire) != seen_generation
                    && let Some(fresh) = self.current().filter(|t| Self::usable(t, self.clock.now()))
                {
                    return Ok(fresh);
                }
                return match self.fetch_locked().await {
                    Ok(fresh) => Ok(fresh),
                    Err(_) => Ok(token),
                };
            }
        }
        let _guard = self.refresh.lock().await;
        if self.generation.load(Ordering::Acquire) != seen_generation
            && let Some(token) = self.current().filter(|t| Self::usable(t, self.clock.now()))
        {
            return Ok(token);
        }
        // No usable token and the source failed a moment ago (callers that waited on that
        // fetch, requests of a transfer): its failure, not one more fetch each, until the
        // pause is over ("Refresh token" asks at once).
        if self.recently_failed(self.clock.now())
            && let Some(error) = self.last_error()
        {
            return Err(error);
        }
        self.fetch_locked().await
    }

    /// Fetches a new token; the caller holds the refresh lock.
    async fn fetch_locked(&self) -> Result<AccessToken, AuthError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        match self.source.fetch(&self.resource).await {
            Ok(mut token) => {
                // When it arrived, on the clock this cache judges expiry by.
                token.acquired_at = self.clock.now();
                *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Some(token.clone());
                *self.last_error.lock().unwrap_or_else(PoisonError::into_inner) = None;
                *self.failed_at.lock().unwrap_or_else(PoisonError::into_inner) = None;
                self.generation.fetch_add(1, Ordering::AcqRel);
                self.notify(&TokenEvent::Acquired(&token));
                Ok(token)
            }
            Err(error) => {
                *self.last_error.lock().unwrap_or_else(PoisonError::into_inner) = Some(error.clone());
                *self.failed_at.lock().unwrap_or_else(PoisonError::into_inner) = Some(self.clock.now());
                self.notify(&TokenEvent::Failed(&error));
                Err(error)
            }
        }
    }

    /// Forgets the token with this fingerprint (after the service rejected it). Another
    /// token already fetched in its place is kept.
    pub fn invalidate(&self, fingerprint: &str) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.as_ref().is_some_and(|t| t.fingerprint() == fingerprint) {
            *current = None;
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Fetches a new token now ("Refresh token"), whatever the cached one's age; when
    /// that fails, the cached token stays in use until it is due again.
    ///
    /// Errors: the source's failure.
    pub async fn refresh(&self) -> Result<AccessToken, AuthError> {
        let _guard = self.refresh.lock().await;
        self.fetch_locked().await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicI64;

    use super::*;
    use crate::auth::{AuthErrorKind, TokenFuture};

    /// Hands out tokens living `lifetime` seconds by `clock`, counting requests; each
    /// fetch waits at the gate until the test opens it, so callers pile up on it.
    #[derive(Debug)]
    struct Counting {
        lifetime: i64,
        calls: AtomicI64,
        clock: Clock,
        gate: tokio::sync::watch::Receiver<bool>,
    }

    impl TokenSource for Counting {
        fn fetch<'a>(&'a self, _resource: &'a str) -> TokenFuture<'a> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst);
                let _ = self.gate.clone().wait_for(|open| *open).await;
                let now = self.clock.now();
                let mut token = AccessToken::new(format!("token-{n}"), now + self.lifetime, CredentialSource::AzureCli);
                token.acquired_at = now;
                Ok(token)
            })
        }

        fn source(&self) -> CredentialSource {
            CredentialSource::AzureCli
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_one_fetch_and_refresh_ahead_of_expiry() {
        let (clock, hand) = Clock::fixed(1_800_000_000);
        let (open, gate) = tokio::sync::watch::channel(false);
        let source = Arc::new(Counting { lifetime: 3600, calls: AtomicI64::new(0), clock: clock.clone(), gate });
        let cache = TokenCache::with_clock(Arc::clone(&source) as Arc<dyn TokenSource>, "r", clock);
        let callers: Vec<_> = (0..100)
            .map(|_| {
                let cache = Arc::clone(&cache);
                tokio::spawn(async move { cache.token().await })
            })
            .collect();
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        open.send_replace(true);
        for caller in callers {
            assert_eq!(caller.await.unwrap().unwrap().secret.expose(), "token-0");
        }
        assert_eq!(source.calls.load(Ordering::SeqCst), 1, "single flight");
        // 54 minutes on: not yet due (5 minutes before expiry).
        hand.advance(54 * 60);
        assert_eq!(cache.token().await.unwrap().secret.expose(), "token-0");
        // 56 minutes on: due but still valid, so one caller refreshes.
        hand.advance(2 * 60);
        let fresh = cache.token().await.unwrap();
        assert_eq!(fresh.secret.expose(), "token-1");
        assert_eq!(cache.fetch_count(), 2);
        cache.invalidate(&fresh.fingerprint());
        cache.invalidate(&fresh.fingerprint());
        assert_eq!(cache.token().await.unwrap().secret.expose(), "token-2", "invalidated once, fetched once");
        // Past expiry with no refresh possible in between: the next caller waits for a new one.
        hand.advance(2 * 3600);
        assert_eq!(cache.token().await.unwrap().secret.expose(), "token-3");
    }

    #[derive(Debug)]
    struct Failing;

    impl TokenSource for Failing {
        fn fetch<'a>(&'a self, _resource: &'a str) -> TokenFuture<'a> {
            Box::pin(async {
                Err(AuthError { kind: AuthErrorKind::CliMissing, credential: CredentialSource::AzureCli })
            })
        }

        fn source(&self) -> CredentialSource {
            CredentialSource::AzureCli
        }
    }

    /// Succeeds once, then fails; counts fetches.
    #[derive(Debug)]
    struct OnceThenFailing {
        calls: AtomicI64,
        clock: Clock,
    }

    impl TokenSource for OnceThenFailing {
        fn fetch<'a>(&'a self, _resource: &'a str) -> TokenFuture<'a> {
            Box::pin(async move {
                if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    let now = self.clock.now();
                    let mut token = AccessToken::new("token-0".to_owned(), now + 3600, CredentialSource::AzureCli);
                    token.acquired_at = now;
                    return Ok(token);
                }
                Err(AuthError { kind: AuthErrorKind::CliMissing, credential: CredentialSource::AzureCli })
            })
        }

        fn source(&self) -> CredentialSource {
            CredentialSource::AzureCli
        }
    }

    /// Regression (tryout issue, input 1's class): with the token due and its source
    /// failing, every request asked the source again. Now the source is asked once per
    /// `RETRY_AFTER_FAILURE_SECS` while the token still serves, and a failed "Refresh
    /// token" keeps the token in use.
    #[tokio::test]
    async fn a_failing_source_is_asked_once_per_pause_while_the_token_serves() {
        let (clock, hand) = Clock::fixed(1_800_000_000);
        let source = Arc::new(OnceThenFailing { calls: AtomicI64::new(0), clock: clock.clone() });
        let cache = TokenCache::with_clock(Arc::clone(&source) as Arc<dyn TokenSource>, "r", clock);
        assert_eq!(cache.token().await.unwrap().secret.expose(), "token-0");
        assert!(cache.refresh().await.is_err(), "the manual refresh fails");
        assert_eq!(cache.token().await.unwrap().secret.expose(), "token-0", "and the token stays");
        hand.advance(56 * 60); // due (5 minutes before expiry), still valid
        for _ in 0..50 {
            assert_eq!(cache.token().await.unwrap().secret.expose(), "token-0");
        }
        assert_eq!(source.calls.load(Ordering::SeqCst), 3, "one fetch for 50 requests");
        assert_eq!(cache.secs_until_due(), RETRY_AFTER_FAILURE_SECS, "the next try waits the pause");
        hand.advance(RETRY_AFTER_FAILURE_SECS);
        for _ in 0..50 {
            assert_eq!(cache.token().await.unwrap().secret.expose(), "token-0");
        }
        assert_eq!(source.calls.load(Ordering::SeqCst), 4, "one more after the pause");
    }

    #[tokio::test]
    async fn failures_are_kept_for_display() {
        let cache = TokenCache::new(Arc::new(Failing), "r");
        assert!(cache.token().await.is_err());
        assert_eq!(cache.last_error().map(|e| e.kind), Some(AuthErrorKind::CliMissing));
    }
}
