//! One connection to one account, built in one place: the endpoint, the token source and
//! the storage token cache (the ARM issue adds a second cache for
//! `https://management.azure.com/` from the same source), the Files client, and the
//! diagnosis context every failure of this session is explained with.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::values::{ConnectionConfig, CredentialConfig, Failure};
use crate::arm::{ArmClient, RoleLookup};
use crate::auth::cache::TokenListener;
use crate::auth::cli::AzureCliSource;
use crate::auth::imds::{AppServiceSource, ImdsSource, imds_endpoint_from_env};
use crate::auth::{Claims, Credential, PastedToken, STORAGE_RESOURCE, TokenCache, TokenSource};
use crate::diagnose::{Context, diagnose};
use crate::error::EngineError;
use crate::files::{ClientOptions, Endpoint, FilesClient};
use crate::http::RequestLog;

/// A connected account.
#[derive(Debug)]
pub(super) struct Session {
    /// The account's file endpoint.
    pub endpoint: Endpoint,
    /// Where bearer tokens come from (`None` for SAS and account key).
    pub source: Option<Arc<dyn TokenSource>>,
    /// Tokens for `https://storage.azure.com/`.
    pub storage: Option<Arc<TokenCache>>,
    /// The Files client, signing with the storage token (or the SAS or key).
    pub files: FilesClient,
    /// Whether reading each share worked (a write refused where reads work lacks only the
    /// write role; one refused where reads are refused lacks any data role).
    reads: Mutex<HashMap<String, bool>>,
    /// `HTTPS_PROXY` in effect when the session was opened (credentials removed).
    proxy: Option<String>,
    /// Resource Manager with the same identity (tokens for `arm::ARM_RESOURCE`), for the
    /// evidence behind a 403; `None` for a SAS or key.
    pub arm: Option<ArmClient>,
    /// The role assignments found per share after a 403, and when they were read.
    roles: Mutex<HashMap<String, (Instant, RoleLookup)>>,
    /// Shares found missing after a 403 (`probe::access::share_missing`), and when.
    missing: Mutex<HashMap<String, (Instant, Option<crate::files::FilesError>)>>,
}

/// How long role assignments read after a 403 explain later 403s on the same share
/// (a grant made meanwhile is seen on the next 403 after this).
const ROLES_FRESH: Duration = Duration::from_secs(30);
/// How long "could not be read" stands before Resource Manager is asked again: where it is
/// unreachable (storage only through private endpoints) a 403 must not wait every time.
const ROLES_UNAVAILABLE_FRESH: Duration = Duration::from_secs(300);
/// How long azfx waits for Resource Manager's evidence before explaining without it.
const ROLES_TIMEOUT: Duration = Duration::from_secs(8);

impl Session {
    /// Builds the session `config` describes; `on_token` hears every storage token event.
    ///
    /// Errors: the endpoint cannot be parsed, the credential names no usable token source,
    /// or the client cannot be set up (a bad CA file, a bearer token over plain HTTP).
    pub(super) fn open(
        config: &ConnectionConfig,
        log: &Arc<RequestLog>,
        on_token: Option<TokenListener>,
    ) -> Result<Self, EngineError> {
        let endpoint = Endpoint::parse(&config.endpoint)?;
        let (credential, source, storage, arm) = match &config.credential {
            CredentialConfig::Sas(secret) => (Credential::Sas(secret.clone()), None, None, None),
            CredentialConfig::AccountKey(key) => {
                (Credential::AccountKey { account: endpoint.account.clone(), key: key.clone() }, None, None, None)
            }
            bearer => {
                let source = token_source(bearer, config, Arc::clone(log))?;
                let cache = TokenCache::with_clock(Arc::clone(&source), STORAGE_RESOURCE, config.clock.clone());
                if let Some(listener) = on_token {
                    cache.set_listener(listener);
                }
                let arm = arm_client(&source, config, &endpoint, log);
                (Credential::Bearer(Arc::clone(&cache)), Some(source), Some(cache), arm)
            }
        };
        let options = ClientOptions {
            retry: config.retry.clone(),
            ca_pem: config.ca_pem.clone(),
            attempt_timeout: config.attempt_timeout,
            ..ClientOptions::default()
        };
        let files = FilesClient::new(endpoint.clone(), credential, Arc::clone(log), &options)?;
        Ok(Self {
            endpoint,
            source,
            storage,
            files,
            reads: Mutex::new(HashMap::new()),
            proxy: crate::probe::https_proxy(),
            arm,
            roles: Mutex::new(HashMap::new()),
            missing: Mutex::new(HashMap::new()),
        })
    }

    /// Reads, once per `ROLES_FRESH`, the role assignments reaching `share` when `error`
    /// is a 403 for lack of a role, so its diagnosis (and every later one on the share,
    /// the request log's included) names the roles found. Whether it read them now.
    pub(super) async fn look_up_roles(&self, error: &EngineError, share: Option<&str>) -> bool {
        let refused = error.files_error().is_some_and(|e| e.kind == crate::files::ErrorKind::PermissionDenied);
        let (Some(share), Some(arm), true) = (share, &self.arm, refused) else { return false };
        let Some(oid) = self.claims().and_then(|c| c.oid) else { return false };
        let fresh = self.cached_roles(share).is_some_and(|(at, lookup)| {
            let lasts = if matches!(lookup, RoleLookup::Found(_)) { ROLES_FRESH } else { ROLES_UNAVAILABLE_FRESH };
            at.elapsed() < lasts
        });
        if fresh {
            return false;
        }
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let arm = arm.for_checks();
        let lookup = crate::arm::role_evidence(&arm, &self.endpoint.account, share, &oid, now);
        let lookup = tokio::time::timeout(ROLES_TIMEOUT, lookup).await.unwrap_or_else(|_| {
            RoleLookup::Unavailable(format!("Resource Manager did not answer within {} s", ROLES_TIMEOUT.as_secs()))
        });
        self.roles.lock().unwrap_or_else(PoisonError::into_inner).insert(share.to_owned(), (Instant::now(), lookup));
        true
    }

    /// `error` itself, or — when it is a 403 on `share` and the identity can list the
    /// account's shares without it — a 404 `ShareNotFound` naming the ones that exist
    /// (`probe::access::share_missing`). Asks at most once per `ROLES_FRESH` a share.
    pub(super) async fn explain_missing_share(&self, error: EngineError, share: Option<&str>) -> EngineError {
        let refused = error.files_error().is_some_and(|e| e.kind == crate::files::ErrorKind::PermissionDenied);
        let (Some(share), true) = (share, refused) else { return error };
        let cached = self.missing.lock().unwrap_or_else(PoisonError::into_inner).get(share).cloned();
        let missing = match cached {
            Some((at, missing)) if at.elapsed() < ROLES_FRESH => missing,
            _ => {
                // The look-up's own refusals are its answer, not errors to count.
                let (files, arm) = (self.files.for_checks(), self.arm.as_ref().map(ArmClient::for_checks));
                let found = crate::probe::access::share_missing(&files, arm.as_ref(), share);
                let missing = tokio::time::timeout(ROLES_TIMEOUT, found).await.ok().flatten();
                let entry = (Instant::now(), missing.clone());
                self.missing.lock().unwrap_or_else(PoisonError::into_inner).insert(share.to_owned(), entry);
                missing
            }
        };
        missing.map_or(error, EngineError::Files)
    }

    fn cached_roles(&self, share: &str) -> Option<(Instant, RoleLookup)> {
        self.roles.lock().unwrap_or_else(PoisonError::into_inner).get(share).cloned()
    }

    /// The claims of the current storage token, if any.
    pub(super) fn claims(&self) -> Option<Claims> {
        self.storage.as_ref().and_then(|cache| cache.current()).and_then(|token| token.claims)
    }

    /// Remembers whether a read on `share` worked.
    pub(super) fn note_read(&self, share: &str, worked: bool) {
        self.reads.lock().unwrap_or_else(PoisonError::into_inner).insert(share.to_owned(), worked);
    }

    /// What a diagnosis of a failure on `share` (or on the account) knows.
    pub(super) fn context(&self, share: Option<&str>) -> Context {
        let read_works = share.and_then(|s| self.reads.lock().unwrap_or_else(PoisonError::into_inner).get(s).copied());
        Context {
            claims: self.claims(),
            account: Some(self.endpoint.account.clone()),
            share: share.map(str::to_owned),
            read_works,
            proxy: self.proxy.clone(),
            roles: share.and_then(|s| self.cached_roles(s)).map(|(_, lookup)| lookup),
            sas: matches!(self.files.credential(), Credential::Sas(_)),
        }
    }

    /// The failure, diagnosed in this session's context.
    pub(super) fn failure(&self, error: EngineError, share: Option<&str>) -> Failure {
        // A 403 on a share found missing is explained as missing, wherever it shows.
        let refused = error.files_error().is_some_and(|e| e.kind == crate::files::ErrorKind::PermissionDenied);
        let missing = share.filter(|_| refused).and_then(|share| {
            let known = self.missing.lock().unwrap_or_else(PoisonError::into_inner);
            known.get(share).filter(|(at, _)| at.elapsed() < ROLES_FRESH).and_then(|(_, missing)| missing.clone())
        });
        let error = missing.map_or(error, EngineError::Files);
        let diagnosis = Box::new(diagnose(&error, &self.context(share)));
        Failure { error, diagnosis }
    }
}

/// A Resource Manager client with the same token source as the storage cache (a second
/// cache, for `arm::ARM_RESOURCE`) at `config.arm_endpoint`; without one, an emulator's
/// own origin for a loopback file endpoint (the emulator serves both), else the public
/// endpoint. `None` when it cannot be set up (the session works without it).
fn arm_client(
    source: &Arc<dyn TokenSource>,
    config: &ConnectionConfig,
    endpoint: &Endpoint,
    log: &Arc<RequestLog>,
) -> Option<ArmClient> {
    let cache = TokenCache::with_clock(Arc::clone(source), crate::arm::ARM_RESOURCE, config.clock.clone());
    let local = endpoint.is_loopback().then(|| endpoint.base.origin().ascii_serialization());
    let arm = config.arm_endpoint.clone().or(local).unwrap_or_else(|| crate::arm::ARM_ENDPOINT.to_owned());
    ArmClient::new(&arm, cache, Arc::clone(log), config.ca_pem.as_deref()).ok()
}

/// Keeps the storage token fresh while nothing else asks for one, so an idle window's
/// token never runs out: wakes when the token is due (at least once a second, so a moved
/// test clock is noticed), refreshes it through the cache (single flight with any request
/// doing the same), waits 30 s after a failure, and ends when the cache is dropped with
/// its session.
pub(super) async fn keep_fresh(cache: std::sync::Weak<TokenCache>) {
    const CHECK_EVERY_SECS: i64 = 1;
    const AFTER_FAILURE_SECS: u64 = 30;
    loop {
        let Some(current) = cache.upgrade() else { return };
        let due_in = current.secs_until_due();
        drop(current);
        if due_in > 0 {
            let wait = u64::try_from(due_in.min(CHECK_EVERY_SECS)).unwrap_or(1);
            tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
            continue;
        }
        let Some(current) = cache.upgrade() else { return };
        // A failed refresh of a still-valid token answers with the old token and keeps
        // the failure: look at both.
        let failed = current.token().await.is_err() || current.last_error().is_some();
        drop(current);
        let pause = if failed { AFTER_FAILURE_SECS } else { 1 };
        tokio::time::sleep(std::time::Duration::from_secs(pause)).await;
    }
}

/// A failure with no session to explain it (before connecting): what the configuration
/// says is all the context there is.
pub(super) fn failure_without_session(
    error: EngineError,
    config: Option<&ConnectionConfig>,
    share: Option<&str>,
) -> Failure {
    let context = Context {
        account: config.and_then(|c| Endpoint::parse(&c.endpoint).ok()).map(|e| e.account),
        share: share.map(str::to_owned),
        proxy: crate::probe::https_proxy(),
        sas: config.is_some_and(|c| matches!(c.credential, CredentialConfig::Sas(_))),
        ..Context::default()
    };
    let diagnosis = Box::new(diagnose(&error, &context));
    Failure { error, diagnosis }
}

/// The token source a bearer credential asks.
///
/// Errors: App Service without its environment variables, a pasted text that is no
/// token, or a SAS or account key (which are not token sources).
pub(super) fn token_source(
    credential: &CredentialConfig,
    config: &ConnectionConfig,
    log: Arc<RequestLog>,
) -> Result<Arc<dyn TokenSource>, EngineError> {
    let retry = config.identity_retry.clone();
    Ok(match credential {
        CredentialConfig::ManagedIdentity(selector) => {
            let imds = config.imds_endpoint.clone().unwrap_or_else(imds_endpoint_from_env);
            Arc::new(ImdsSource::new(&imds, selector.clone(), log, retry))
        }
        CredentialConfig::AppService(selector) => Arc::new(AppServiceSource::from_env(selector.clone(), log, retry).ok_or_else(|| {
            EngineError::InvalidInput(
                "IDENTITY_ENDPOINT and IDENTITY_HEADER are not set: this is not an App Service, Functions or Container Apps environment"
                    .to_owned(),
            )
        })?),
        CredentialConfig::AzureCli => Arc::new(AzureCliSource::default_program(log)),
        CredentialConfig::PastedToken(secret) => Arc::new(PastedToken::new(secret.expose())?),
        CredentialConfig::Sas(_) | CredentialConfig::AccountKey(_) => {
            return Err(EngineError::InvalidInput("a SAS or account key is not a token source".to_owned()));
        }
    })
}
