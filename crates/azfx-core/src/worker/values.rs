//! The values that cross the worker's boundary: connection settings, what is known about
//! the token, a long-running request's id, and a `Failure`, the typed error with its
//! diagnosis attached in the worker so every surface shows the same explanation.

use std::path::PathBuf;

use crate::auth::imds::IdentityRetry;
use crate::auth::{AccessToken, Claims, CredentialSource, IdentitySelector, Secret};
use crate::clock::Clock;
use crate::diagnose::Diagnosis;
use crate::error::EngineError;
use crate::files::RetryPolicy;

/// Identifies a long-running request (listing, transfer, delete, check) in events and for
/// cancelling.
pub type TaskId = u64;

/// Which credential to connect with.
#[derive(Clone, Debug)]
pub enum CredentialConfig {
    /// A managed identity through IMDS.
    ManagedIdentity(IdentitySelector),
    /// A managed identity through App Service (`IDENTITY_ENDPOINT`/`IDENTITY_HEADER`).
    AppService(IdentitySelector),
    /// The Azure CLI's login.
    AzureCli,
    /// A token pasted by the user.
    PastedToken(Secret),
    /// A SAS query string.
    Sas(Secret),
    /// The account key.
    AccountKey(Secret),
}

/// Everything needed to connect to an account.
#[derive(Clone, Debug)]
pub struct ConnectionConfig {
    /// Account name, file endpoint URL or connection string.
    pub endpoint: String,
    /// Credential.
    pub credential: CredentialConfig,
    /// IMDS base URL; `None` uses the environment conventions or 169.254.169.254.
    pub imds_endpoint: Option<String>,
    /// Extra CA to trust (PEM), e.g. the emulator's.
    pub ca_pem: Option<Vec<u8>>,
    /// A PEM file of extra CA certificates, read by the worker when connecting (when
    /// `ca_pem` is not given).
    pub ca_file: Option<PathBuf>,
    /// Resource Manager's endpoint for discovery (`None`: the public one; an emulator's
    /// base URL for the demo and tests).
    pub arm_endpoint: Option<String>,
    /// Files retry policy.
    pub retry: RetryPolicy,
    /// How long one Files attempt may take before it is abandoned (and retried when safe):
    /// a service that accepted the request and stopped answering.
    pub attempt_timeout: std::time::Duration,
    /// Identity-endpoint retry policy.
    pub identity_retry: IdentityRetry,
    /// The clock token expiry is judged by (the system's; tests move it).
    pub clock: Clock,
}

impl ConnectionConfig {
    /// A connection with default policies.
    pub fn new(endpoint: &str, credential: CredentialConfig) -> Self {
        Self {
            endpoint: endpoint.to_owned(),
            credential,
            imds_endpoint: None,
            ca_pem: None,
            ca_file: None,
            arm_endpoint: None,
            retry: RetryPolicy::default(),
            attempt_timeout: crate::files::ClientOptions::default().attempt_timeout,
            identity_retry: IdentityRetry::default(),
            clock: Clock::system(),
        }
    }
}

/// What is known about the current token, for display (never the token itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    /// Where it came from.
    pub source: CredentialSource,
    /// Decoded claims.
    pub claims: Option<Claims>,
    /// Expiry (Unix seconds).
    pub expires_on: i64,
    /// When it arrived (Unix seconds).
    pub acquired_at: i64,
    /// When the next proactive refresh is planned (Unix seconds).
    pub refresh_at: i64,
    /// Fingerprint.
    pub fingerprint: String,
}

impl From<&AccessToken> for TokenInfo {
    fn from(token: &AccessToken) -> Self {
        Self {
            source: token.source.clone(),
            claims: token.claims.clone(),
            expires_on: token.expires_on,
            acquired_at: token.acquired_at,
            refresh_at: token.refresh_at(),
            fingerprint: token.fingerprint(),
        }
    }
}

/// The answer to `Connect`.
#[derive(Clone, Debug)]
pub struct Connected {
    /// Account name.
    pub account: String,
    /// Base URL of the file endpoint.
    pub endpoint: String,
    /// Credential source.
    pub credential: CredentialSource,
    /// The token, for bearer credentials.
    pub token: Option<TokenInfo>,
}

/// A failed command: the typed error and its diagnosis, made once in the worker with the
/// session's context (identity claims, account, share), so the error panel, toasts,
/// transfer rows, the request log and the CLI all say the same thing.
#[derive(Debug, thiserror::Error)]
#[error("{}: {error}", diagnosis.title)]
pub struct Failure {
    /// What failed.
    pub error: EngineError,
    /// Why, and what to do.
    pub diagnosis: Box<Diagnosis>,
}

impl Failure {
    /// Whether the caller cancelled the command.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.error, EngineError::Cancelled)
    }

    /// The CLI exit code (see `exit_code`).
    pub fn exit_code(&self) -> i32 {
        self.error.exit_code()
    }

    /// `HTTP 403 AuthorizationPermissionMismatch · request id …`, when a service answered.
    pub fn evidence(&self) -> Option<String> {
        let files = self.error.files_error()?;
        let parts: Vec<String> = [
            files.status.map(|s| format!("HTTP {s}")),
            files.code.clone(),
            files.request_id.as_ref().map(|id| format!("request id {id}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

impl From<EngineError> for Failure {
    /// A failure outside any session (bad input on the command line, say), diagnosed with
    /// an empty context.
    fn from(error: EngineError) -> Self {
        let diagnosis = Box::new(crate::diagnose::diagnose(&error, &crate::diagnose::Context::default()));
        Self { error, diagnosis }
    }
}

/// A result delivered through a promise.
pub type Answer<T> = Result<T, Failure>;

/// One file of a folder transfer that did not make it.
#[derive(Debug)]
pub struct FileFailure {
    /// Path relative to the folder.
    pub path: String,
    /// Why.
    pub failure: Failure,
}

/// What a folder transfer (or a dropped path) did.
#[derive(Debug, Default)]
pub struct TreeReport {
    /// Files transferred.
    pub files: u64,
    /// Bytes transferred.
    pub bytes: u64,
    /// Files left as they were under the conflict rule.
    pub skipped: u64,
    /// Files that failed, each with its diagnosis; the rest went on.
    pub failures: Vec<FileFailure>,
    /// Files saved under another name than their source's (Keep both, or a name that
    /// differs only in case from another file of the folder).
    pub renamed: Vec<crate::transfer::tree::Renamed>,
}

/// What folders hold, everything below them counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TreeSize {
    /// Files (azfx's temporary files included: a delete removes them too).
    pub files: u64,
    /// Folders below them (not counting themselves).
    pub folders: u64,
    /// Bytes in the files.
    pub bytes: u64,
}
