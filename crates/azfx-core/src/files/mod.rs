//! The Azure Files REST client. Every exchange goes through `FilesClient::send`, which adds
//! the headers (`x-ms-version`, the credential, `x-ms-file-request-intent: backup` with
//! bearer tokens only), applies the retry policy (backoff with jitter, `Retry-After`,
//! 408/429/5xx and dropped connections on idempotent requests, bounded attempts and total
//! time), refreshes the token once after a 401, logs each attempt, and turns failures into
//! one typed `FilesError`.

pub mod congestion;
mod copy;
pub mod endpoint;
pub mod error;
pub mod names;
mod ops;
mod send;
pub mod shared_key;
pub mod walk;
pub mod xml;

use std::sync::Arc;
use std::time::Duration;

pub use crate::http::RetryPolicy;

pub use copy::{CopyState, CopyStatus};
pub use endpoint::{Endpoint, Location};
pub use error::{ErrorKind, FilesError, TransportKind};
pub use ops::{EntryProperties, EntryType, FileStamp, Overwrite};
pub use walk::RemoteTree;
pub use xml::{DirEntry, ListPage, ShareItem};

use crate::auth::Credential;
use crate::http::RequestLog;

/// The pinned REST version: bearer tokens work for share- and service-level calls from
/// 2024-11-04 on.
pub const API_VERSION: &str = "2025-05-05";

/// Most entries one List Directories and Files page returns (the service's cap).
pub const LIST_PAGE_MAX: u32 = 5000;

/// Largest Put Range and ranged-read chunk.
pub const RANGE_BYTES: u64 = 4 * 1024 * 1024;

/// Client settings.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Extra CA certificate (PEM) to trust, e.g. the emulator's.
    pub ca_pem: Option<Vec<u8>>,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Timeout of one attempt (headers and body).
    pub attempt_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            ca_pem: None,
            connect_timeout: Duration::from_secs(10),
            attempt_timeout: Duration::from_secs(120),
        }
    }
}

/// A client for one account's file service with one credential.
#[derive(Clone, Debug)]
pub struct FilesClient {
    http: reqwest::Client,
    endpoint: Endpoint,
    credential: Credential,
    log: Arc<RequestLog>,
    retries: crate::http::exchange::Retries,
    /// When the service last refused a request for load (503, 429, 500) or dropped a
    /// connection while a body was being sent; bodies sent soon after wait for an early
    /// answer (see `send`).
    pressure: Arc<send::Pressure>,
    /// The limit on requests in flight, shared by clones, adaptive under throttling.
    congestion: Arc<congestion::Congestion>,
    /// Every failure is the answer of a check that reports it itself (the access
    /// check): logged as expected, never counted as an error.
    checking: bool,
}

impl FilesClient {
    /// A client for `endpoint`. Refuses to send a bearer token over plain HTTP to anything
    /// but this machine.
    pub fn new(
        endpoint: Endpoint,
        credential: Credential,
        log: Arc<RequestLog>,
        options: &ClientOptions,
    ) -> Result<Self, FilesError> {
        let refused = |text: &str| {
            let mut error = FilesError::new(ErrorKind::Refused, "Connect", endpoint.base.as_str());
            error.message = Some(text.to_owned());
            error
        };
        if matches!(credential, Credential::Bearer(_)) && endpoint.base.scheme() == "http" && !endpoint.is_loopback() {
            return Err(refused("bearer tokens are only sent over HTTPS (plain HTTP is allowed to this machine only)"));
        }
        let builder = crate::http::client_builder(options.ca_pem.as_deref(), endpoint.is_loopback())
            .map_err(|text| refused(&text))?
            .connect_timeout(options.connect_timeout)
            .timeout(options.attempt_timeout)
            .pool_max_idle_per_host(32);
        let http = builder
            .build()
            .map_err(|e| refused(&format!("could not set up HTTPS: {}", crate::http::transport::describe_setup(&e))))?;
        Ok(Self {
            http,
            endpoint,
            credential,
            log,
            retries: crate::http::exchange::Retries::azure(options.retry.clone()),
            pressure: Arc::default(),
            congestion: Arc::default(),
            checking: false,
        })
    }

    /// A clone whose failures are the answers of a check that reports them itself (the
    /// access check's deliberate write test): logged, marked expected, not counted as
    /// errors.
    #[must_use]
    pub fn for_checks(&self) -> Self {
        Self { checking: true, ..self.clone() }
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The credential.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// Requests this client (with its clones) lets be in flight now: lowered when the
    /// service throttles, raised again when it is calm (`congestion`).
    pub fn concurrency_limit(&self) -> usize {
        self.congestion.limit()
    }

    /// The request log this client writes to.
    pub fn log(&self) -> &Arc<RequestLog> {
        &self.log
    }
}
