//! Where bearer tokens come from and how they are kept: token sources (IMDS, App Service,
//! Azure CLI, a pasted token), one `TokenCache` per (source, resource) with single-flight
//! proactive refresh, JWT claims for display, and the `Credential` a Files client signs
//! with (bearer, SAS or account key). Knows nothing of files or UI.

pub mod cache;
pub mod claims;
pub mod cli;
pub mod imds;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;

pub use crate::secret::{self, Secret};
pub use cache::TokenCache;
pub use claims::Claims;

/// Resource (audience) for Azure Storage tokens.
pub const STORAGE_RESOURCE: &str = "https://storage.azure.com/";

/// Which managed identity to ask for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub enum IdentitySelector {
    /// The VM's (or app's) system-assigned identity.
    SystemAssigned,
    /// A user-assigned identity by client id.
    ClientId(String),
    /// A user-assigned identity by object (principal) id.
    ObjectId(String),
    /// A user-assigned identity by ARM resource id.
    ResourceId(String),
}

impl fmt::Display for IdentitySelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SystemAssigned => f.write_str("system-assigned identity"),
            Self::ClientId(id) => write!(f, "user-assigned identity with client id {id}"),
            Self::ObjectId(id) => write!(f, "user-assigned identity with object id {id}"),
            Self::ResourceId(id) => write!(f, "user-assigned identity {id}"),
        }
    }
}

/// Where a credential came from: shown next to every token and every auth error.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum CredentialSource {
    /// The instance metadata service of an Azure VM.
    Imds(IdentitySelector),
    /// App Service, Functions or Container Apps (`IDENTITY_ENDPOINT`).
    AppService(IdentitySelector),
    /// `az account get-access-token`.
    AzureCli,
    /// A token pasted by the user.
    PastedToken,
    /// A shared access signature.
    Sas,
    /// The storage account key (Shared Key).
    AccountKey,
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Imds(selector) => write!(f, "managed identity via IMDS ({selector})"),
            Self::AppService(selector) => write!(f, "managed identity via App Service ({selector})"),
            Self::AzureCli => f.write_str("Azure CLI"),
            Self::PastedToken => f.write_str("pasted token"),
            Self::Sas => f.write_str("shared access signature"),
            Self::AccountKey => f.write_str("account key"),
        }
    }
}

/// An access token and what is known about it. `Debug` never shows the token.
#[derive(Clone, Debug)]
pub struct AccessToken {
    /// The token.
    pub secret: Secret,
    /// Expiry (Unix seconds).
    pub expires_on: i64,
    /// When azfx received it (Unix seconds).
    pub acquired_at: i64,
    /// Decoded claims, when the token is a JWT.
    pub claims: Option<Claims>,
    /// Where it came from.
    pub source: CredentialSource,
}

impl AccessToken {
    /// Builds a token record, decoding claims from the JWT.
    pub fn new(token: String, expires_on: i64, source: CredentialSource) -> Self {
        let claims = Claims::decode(&token);
        Self { secret: Secret::new(token), expires_on, acquired_at: now_unix(), claims, source }
    }

    /// Fingerprint for logs and display.
    pub fn fingerprint(&self) -> String {
        self.secret.fingerprint()
    }

    /// When to refresh proactively: 5 minutes before expiry, or at half-life for tokens
    /// living less than 10 minutes.
    pub fn refresh_at(&self) -> i64 {
        let lifetime = self.expires_on - self.acquired_at;
        if lifetime < 600 { self.acquired_at + lifetime / 2 } else { self.expires_on - 300 }
    }
}

/// Now as Unix seconds.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Why no token could be had.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthErrorKind {
    /// No answer from the identity endpoint (not an Azure VM, blocked, or a proxy in the way).
    #[error("the identity endpoint {endpoint} is unreachable: {detail}")]
    EndpointUnreachable {
        /// Endpoint tried.
        endpoint: String,
        /// Transport error.
        detail: String,
    },
    /// The identity asked for is not attached here ("Identity not found").
    #[error("identity not found: {description}")]
    IdentityNotFound {
        /// The endpoint's description.
        description: String,
    },
    /// The endpoint refused the request (missing header, several identities, bad resource…).
    #[error("the identity endpoint answered {status} {error}: {description}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// `error` field.
        error: String,
        /// `error_description` field.
        description: String,
    },
    /// The endpoint kept failing (404/410/429/5xx) until the retries ran out.
    #[error("the identity endpoint kept failing (last status {status}) after {attempts} attempts")]
    Unavailable {
        /// Last HTTP status.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// The answer was not a token response.
    #[error("the identity endpoint's answer could not be read: {detail}")]
    InvalidResponse {
        /// What was wrong.
        detail: String,
    },
    /// `az` is not installed.
    #[error("the Azure CLI (az) is not installed or not on PATH")]
    CliMissing,
    /// `az` is not logged in.
    #[error("the Azure CLI is not logged in: {detail}")]
    CliNotLoggedIn {
        /// What `az` said.
        detail: String,
    },
    /// `az` did not answer in time.
    #[error("the Azure CLI did not answer within {seconds} s")]
    CliTimeout {
        /// Seconds waited.
        seconds: u64,
    },
    /// `az` failed otherwise.
    #[error("the Azure CLI failed: {detail}")]
    CliFailed {
        /// What `az` said.
        detail: String,
    },
    /// A pasted token has expired.
    #[error("the pasted token expired at {expires_on} (Unix time)")]
    PastedTokenExpired {
        /// Its `exp`.
        expires_on: i64,
    },
    /// A pasted token is not a JWT with an expiry.
    #[error("the pasted text is not an access token (a JWT with an exp claim)")]
    PastedTokenMalformed,
}

/// A failure to get a token, with where the credential came from.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (credential: {credential})")]
pub struct AuthError {
    /// What went wrong.
    pub kind: AuthErrorKind,
    /// Which source failed.
    pub credential: CredentialSource,
}

/// A future returned by a token source.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<AccessToken, AuthError>> + Send + 'a>>;

/// Something that hands out tokens for a resource.
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// Gets a fresh token for `resource` (no caching here).
    fn fetch<'a>(&'a self, resource: &'a str) -> TokenFuture<'a>;
    /// Where its tokens come from.
    fn source(&self) -> CredentialSource;
}

/// A token given by the user: used as is until it expires.
#[derive(Debug)]
pub struct PastedToken {
    token: AccessToken,
}

impl PastedToken {
    /// Checks that `text` is a JWT with an expiry.
    pub fn new(text: &str) -> Result<Self, AuthError> {
        let text = text.trim().trim_start_matches("Bearer ").trim();
        let error = |kind| AuthError { kind, credential: CredentialSource::PastedToken };
        let claims = Claims::decode(text).ok_or_else(|| error(AuthErrorKind::PastedTokenMalformed))?;
        let expires_on = claims.exp.ok_or_else(|| error(AuthErrorKind::PastedTokenMalformed))?;
        Ok(Self { token: AccessToken::new(text.to_owned(), expires_on, CredentialSource::PastedToken) })
    }
}

impl TokenSource for PastedToken {
    fn fetch<'a>(&'a self, _resource: &'a str) -> TokenFuture<'a> {
        Box::pin(async move {
            if self.token.expires_on <= now_unix() {
                return Err(AuthError {
                    kind: AuthErrorKind::PastedTokenExpired { expires_on: self.token.expires_on },
                    credential: CredentialSource::PastedToken,
                });
            }
            Ok(self.token.clone())
        })
    }

    fn source(&self) -> CredentialSource {
        CredentialSource::PastedToken
    }
}

/// How a Files client proves who it is.
#[derive(Clone, Debug)]
pub enum Credential {
    /// Bearer tokens from a cache (adds `x-ms-file-request-intent: backup`).
    Bearer(Arc<TokenCache>),
    /// A SAS query string (without the leading `?`).
    Sas(Secret),
    /// The account key, for Shared Key signing.
    AccountKey {
        /// Account name.
        account: String,
        /// Base64 key.
        key: Secret,
    },
}

impl Credential {
    /// Where this credential came from.
    pub fn source(&self) -> CredentialSource {
        match self {
            Self::Bearer(cache) => cache.source(),
            Self::Sas(_) => CredentialSource::Sas,
            Self::AccountKey { .. } => CredentialSource::AccountKey,
        }
    }
}
