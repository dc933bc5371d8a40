//! Identity and diagnosis commands: connecting (which proves the credential by getting a
//! token first), refreshing the token, getting a token without connecting (`azfx
//! token`), and the access check, which runs on its own session built like any other.

use std::sync::Arc;

use super::TaskId;
use super::event::Event;
use super::reply::Reply;
use super::runtime::Runtime;
use super::session::{Session, failure_without_session, token_source};
use super::values::{Connected, ConnectionConfig, TokenInfo};
use crate::auth::AccessToken;
use crate::diagnose::check::{Report, Step};
use crate::error::EngineError;
use crate::probe::access::{self, Target};

/// Opens a session for `config`, gets a first token for bearer credentials, and makes it
/// the current session.
pub(super) async fn connect(rt: &Arc<Runtime>, config: &ConnectionConfig, reply: Reply<Connected>) {
    let mut config = config.clone();
    if let (None, Some(path)) = (&config.ca_pem, &config.ca_file) {
        match tokio::fs::read(path).await {
            Ok(pem) => config.ca_pem = Some(pem),
            Err(e) => {
                let error = EngineError::InvalidInput(format!("cannot read the CA file {}: {e}", path.display()));
                return reply.send(Err(failure_without_session(error, Some(&config), None)));
            }
        }
    }
    let config = &config;
    let session = match Session::open(config, &rt.log, Some(rt.token_listener())) {
        Ok(session) => session,
        Err(error) => return reply.send(Err(failure_without_session(error, Some(config), None))),
    };
    let token = match &session.storage {
        Some(cache) => match cache.token().await {
            Ok(token) => Some(TokenInfo::from(&token)),
            Err(error) => return reply.send(Err(session.failure(error.into(), None))),
        },
        None => None,
    };
    let connected = Connected {
        account: session.endpoint.account.clone(),
        endpoint: session.endpoint.base.to_string(),
        credential: session.files.credential().source(),
        token,
    };
    if let Some(cache) = &session.storage {
        tokio::spawn(super::session::keep_fresh(Arc::downgrade(cache)));
    }
    // What a killed azfx left on this account goes first (a few seconds at most).
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), sweep_leftovers(rt, &session)).await;
    rt.set_session(session);
    reply.send(Ok(connected));
}

/// Removes the temporary share files a killed azfx left at this account (server-side
/// copies noted in the journal, see `Journal::note_leftover`); one that cannot be removed
/// now is tried again at the next connection.
async fn sweep_leftovers(rt: &Runtime, session: &Session) {
    let Ok(orphans) = rt.journal.orphaned_leftovers(session.endpoint.base.as_str()) else { return };
    for (id, share, path) in orphans {
        match session.files.delete_file(&share, &path).await {
            Ok(()) => {
                tracing::info!(share, path, "removed a temporary file a stopped azfx left");
                let _ = rt.journal.forget_leftover(id);
            }
            Err(e) if e.kind == crate::files::ErrorKind::NotFound => {
                let _ = rt.journal.forget_leftover(id);
            }
            Err(_) => {}
        }
    }
}

/// Connects with a short-lived service SAS for `share` made through Resource Manager's
/// `ListServiceSas` with the identity of `config` (the fallback for tools and paths that
/// cannot use OAuth). The SAS lives only in this session's memory: never in settings, logs
/// or the request log (whose URLs have `sig` redacted).
///
/// Errors: the credential is not a token source, Resource Manager does not show the
/// account, or the identity may not call `ListServiceSas/action`.
pub(super) async fn connect_with_service_sas(
    rt: &Arc<Runtime>,
    config: &ConnectionConfig,
    sas: ServiceSasRequest,
    reply: Reply<Connected>,
) {
    match service_sas(rt, config, &sas).await {
        Ok(secret) => {
            let mut with_sas = config.clone();
            with_sas.credential = super::values::CredentialConfig::Sas(secret);
            connect(rt, &with_sas, reply).await;
        }
        Err(error) => reply.send(Err(failure_without_session(error, Some(config), Some(&sas.share)))),
    }
}

/// What SAS to ask Resource Manager for.
#[derive(Clone, Debug)]
pub struct ServiceSasRequest {
    /// The share it is for.
    pub share: String,
    /// Its permissions, of `rcwdl` (least privilege: `rl` to browse and download).
    pub permissions: String,
    /// How long it lives, minutes (at most `arm::MAX_SAS_MINUTES`).
    pub minutes: u32,
}

async fn service_sas(
    rt: &Arc<Runtime>,
    config: &ConnectionConfig,
    sas: &ServiceSasRequest,
) -> Result<crate::secret::Secret, EngineError> {
    if sas.permissions.is_empty() || !sas.permissions.chars().all(|c| "rcwdl".contains(c)) {
        return Err(EngineError::InvalidInput(format!("SAS permissions {:?}: use letters of rcwdl", sas.permissions)));
    }
    if !(1..=crate::arm::MAX_SAS_MINUTES).contains(&sas.minutes) {
        return Err(EngineError::InvalidInput(format!(
            "a SAS lifetime of {} minutes: use 1 to {}",
            sas.minutes,
            crate::arm::MAX_SAS_MINUTES
        )));
    }
    // In the order the service expects, each once.
    let permissions: String = "rcwdl".chars().filter(|c| sas.permissions.contains(*c)).collect();
    let session = Session::open(config, &rt.log, None)?;
    if session.endpoint.base.scheme() != "https" {
        return Err(EngineError::InvalidInput(
            "a SAS made through Resource Manager is for HTTPS only: connect to the account's https:// endpoint"
                .to_owned(),
        ));
    }
    let arm = session.arm.as_ref().ok_or_else(|| {
        EngineError::InvalidInput(
            "a SAS through Resource Manager needs a token credential (managed identity)".to_owned(),
        )
    })?;
    let account = arm.find_account(&session.endpoint.account).await?.ok_or_else(|| {
        EngineError::InvalidInput(format!(
            "Resource Manager shows no storage account {} to this identity: a SAS needs a control-plane role with ListServiceSas/action (Storage Account Contributor, Contributor, Owner)",
            session.endpoint.account
        ))
    })?;
    if !account.shared_key_access {
        return Err(EngineError::InvalidInput(format!(
            "{} does not allow key-based access (allowSharedKeyAccess is off): the file service refuses every SAS there (403 KeyBasedAuthenticationNotPermitted); use OAuth",
            account.name
        )));
    }
    Ok(arm.service_sas(&account, &sas.share, &permissions, sas.minutes).await?)
}

/// Walks Resource Manager with the credential of `config` (a token cache of its own, for
/// `arm::ARM_RESOURCE`); the extra CA of `config` is trusted there too.
pub(super) async fn discover(
    rt: &Arc<Runtime>,
    config: &ConnectionConfig,
    endpoint: &str,
) -> Result<Vec<crate::arm::SubscriptionNode>, EngineError> {
    let source = super::session::token_source(&config.credential, config, Arc::clone(&rt.log))?;
    let cache = crate::auth::TokenCache::with_clock(source, crate::arm::ARM_RESOURCE, config.clock.clone());
    let pem = match (&config.ca_pem, &config.ca_file) {
        (Some(pem), _) => Some(pem.clone()),
        (None, Some(path)) => Some(
            tokio::fs::read(path)
                .await
                .map_err(|e| EngineError::InvalidInput(format!("cannot read the CA file {}: {e}", path.display())))?,
        ),
        (None, None) => None,
    };
    let client = crate::arm::ArmClient::new(endpoint, cache, Arc::clone(&rt.log), pem.as_deref())?;
    Ok(crate::arm::discover(&client).await?)
}

/// Drops the cached token and gets a new one.
pub(super) async fn refresh_token(rt: &Runtime) -> Result<TokenInfo, EngineError> {
    let cache = rt
        .session()?
        .storage
        .clone()
        .ok_or_else(|| EngineError::InvalidInput("this connection does not use tokens".to_owned()))?;
    Ok(TokenInfo::from(&cache.refresh().await?))
}

/// A token for `resource` straight from the credential's source (no cache).
pub(super) async fn acquire_token(
    rt: &Runtime,
    config: &ConnectionConfig,
    resource: &str,
) -> Result<AccessToken, EngineError> {
    let source = token_source(&config.credential, config, Arc::clone(&rt.log))?;
    Ok(source.fetch(resource).await?)
}

/// The access check on `share` with a session of its own (not cached, so the token step
/// really asks the identity endpoint); each step is an `Event::CheckStep`.
pub(super) async fn access_check(
    rt: &Arc<Runtime>,
    task: TaskId,
    config: &ConnectionConfig,
    share: &str,
    read_only: bool,
) -> Result<Report, EngineError> {
    let session = Session::open(config, &rt.log, None)?;
    let target = Target {
        endpoint: session.endpoint.clone(),
        share: share.to_owned(),
        read_only,
        ca_pem: config.ca_pem.clone(),
        arm: session.arm.clone(),
    };
    let events = Arc::clone(rt);
    let report = move |step: &Step| events.emit_now(Event::CheckStep { task, step: Box::new(step.clone()) });
    let context = session.context(Some(share));
    Ok(access::run(session.source.clone(), &session.files, context, &target, &report).await)
}
