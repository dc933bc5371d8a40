//! The Azure Resource Manager client azfx uses to discover what an identity can reach:
//! subscriptions → storage accounts → file shares (quota and usage). Protocol facts:
//! research notes §4 (`GET /subscriptions?api-version=2022-12-01`, storage accounts and
//! shares at `api-version=2025-01-01`, `nextLink` paging, `$expand=stats`, 403
//! `AuthorizationFailed` for an identity without a control-plane role at the scope).
//!
//! Like the Files client: a bearer token from a `TokenCache` for
//! `https://management.azure.com/`, every attempt in the request log, one token refresh
//! after a 401, `Retry-After` honoured on 429, typed errors.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::auth::{AuthError, TokenCache};
use crate::http::exchange::{Exchange, Failed, Next, Retries};
use crate::http::{ExchangeKind, LogEntry, RequestLog, RetryPolicy, TransportKind};

mod access;
mod account;

pub use access::{FoundRole, RoleEvidence, RoleKind, RoleLookup, ScopeLevel, role_evidence, roles_of};
pub use account::{MAX_SAS_MINUTES, VmIdentities, vm_resource_id};

/// The token resource for Resource Manager.
pub const ARM_RESOURCE: &str = "https://management.azure.com/";
/// Resource Manager's public endpoint.
pub const ARM_ENDPOINT: &str = "https://management.azure.com/";
const SUBSCRIPTIONS_VERSION: &str = "2022-12-01";
pub(crate) const STORAGE_VERSION: &str = "2025-01-01";
/// Pages one list may have before azfx stops following `nextLink`.
const MAX_PAGES: usize = 1000;
/// Seconds to wait for a connection to Resource Manager (unreachable on networks that
/// reach storage only through private endpoints: a 403's evidence must not wait long).
const CONNECT_TIMEOUT_SECS: u64 = 4;
/// A look-up behind a 403 (`for_checks`) starts no retry after this long: an
/// unreachable Resource Manager (connect timeout) is not waited for twice.
const CHECK_RETRY_WINDOW: Duration = Duration::from_secs(3);

/// Why a Resource Manager call failed (as JSON: `{"kind": "Service", "status": 403, …}`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind")]
pub enum ArmError {
    /// Resource Manager answered with an error (`{"error":{"code","message"}}`).
    #[error("{operation}: HTTP {status} {code}: {message}")]
    Service {
        /// What azfx was doing.
        operation: String,
        /// HTTP status.
        status: u16,
        /// `error.code` (`AuthorizationFailed`, `SubscriptionNotFound`, …).
        code: String,
        /// `error.message`, as Resource Manager wrote it.
        message: String,
    },
    /// No answer (DNS, connect, TLS, timeout).
    #[error("{operation}: {detail}")]
    Transport {
        /// What azfx was doing.
        operation: String,
        /// The transport error.
        detail: String,
    },
    /// No token for Resource Manager.
    #[error("no token for Resource Manager: {detail}")]
    Token {
        /// Why the identity endpoint gave none.
        detail: String,
    },
    /// The answer was not the JSON Resource Manager sends.
    #[error("{operation}: the answer could not be read: {detail}")]
    InvalidResponse {
        /// What azfx was doing.
        operation: String,
        /// What was wrong with it.
        detail: String,
    },
}

impl ArmError {
    /// Whether the identity lacks a control-plane role there (403 `AuthorizationFailed`).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Self::Service { status: 403, .. })
    }
}

impl ArmError {
    /// The error a failed Resource Manager exchange in the request log stands for (its
    /// status, `error.code` and `error.message`), so the log explains it as the answer did.
    pub fn from_log_entry(entry: &LogEntry) -> Option<Self> {
        if let Some(detail) = &entry.transport_error {
            return Some(Self::Transport { operation: entry.operation.clone(), detail: detail.clone() });
        }
        let status = entry.status.filter(|s| *s >= 400)?;
        let body: Value = entry.error_body.as_deref().and_then(|b| serde_json::from_str(b).ok()).unwrap_or(Value::Null);
        Some(Self::Service {
            operation: entry.operation.clone(),
            status,
            code: entry.error_code.clone().unwrap_or_default(),
            message: body["error"]["message"].as_str().unwrap_or_default().to_owned(),
        })
    }

    /// The object id a 403 `AuthorizationFailed` names ("The client '{oid}' …").
    pub fn refused_object_id(&self) -> Option<&str> {
        let Self::Service { message, .. } = self else { return None };
        let rest = message.strip_prefix("The client '")?;
        Some(&rest[..rest.find('\'')?])
    }

    /// The scope a 403 `AuthorizationFailed` names ("… over scope '{scope}' …").
    pub fn refused_scope(&self) -> Option<&str> {
        let Self::Service { message, .. } = self else { return None };
        let rest = &message[message.find("over scope '")? + "over scope '".len()..];
        Some(&rest[..rest.find('\'')?])
    }
}

impl From<AuthError> for ArmError {
    fn from(error: AuthError) -> Self {
        Self::Token { detail: error.to_string() }
    }
}

/// A subscription the identity can see.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Subscription {
    /// The subscription id (a GUID).
    pub id: String,
    /// Its display name.
    pub name: String,
}

/// A storage account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StorageAccount {
    /// Account name.
    pub name: String,
    /// ARM resource id (`/subscriptions/…/storageAccounts/{name}`).
    pub id: String,
    /// `properties.primaryEndpoints.file`: where its Files REST API is.
    pub file_endpoint: Option<String>,
    /// How SMB clients authenticate to it.
    pub smb: SmbSettings,
    /// `properties.allowSharedKeyAccess` (absent means allowed): whether the account key,
    /// and a SAS signed with it, are accepted.
    pub shared_key_access: bool,
}

impl StorageAccount {
    /// The subscription id and resource group its resource id names.
    pub fn placement(&self) -> Option<(String, String)> {
        let parts: Vec<&str> = self.id.trim_start_matches('/').split('/').collect();
        match parts.as_slice() {
            [s, sub, r, rg, ..]
                if s.eq_ignore_ascii_case("subscriptions") && r.eq_ignore_ascii_case("resourceGroups") =>
            {
                Some(((*sub).to_owned(), (*rg).to_owned()))
            }
            _ => None,
        }
    }

    fn from_json(a: &Value) -> Option<Self> {
        let properties = &a["properties"];
        let auth = &properties["azureFilesIdentityBasedAuthentication"];
        let text = |v: &Value| v.as_str().filter(|t| !t.is_empty()).map(str::to_owned);
        Some(Self {
            name: a["name"].as_str()?.to_owned(),
            id: a["id"].as_str()?.to_owned(),
            file_endpoint: text(&properties["primaryEndpoints"]["file"]),
            smb: SmbSettings {
                directory_service: text(&auth["directoryServiceOptions"]).unwrap_or_else(|| "None".to_owned()),
                domain_name: text(&auth["activeDirectoryProperties"]["domainName"]),
                default_share_permission: text(&auth["defaultSharePermission"]).filter(|p| p != "None"),
                smb_oauth: auth["smbOAuthSettings"]["isSmbOAuthEnabled"].as_bool().unwrap_or(false),
            },
            shared_key_access: properties["allowSharedKeyAccess"].as_bool().unwrap_or(true),
        })
    }
}

/// An account's identity-based SMB settings (`azureFilesIdentityBasedAuthentication`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SmbSettings {
    /// `directoryServiceOptions`: `None`, `AD`, `AADDS` or `AADKERB`.
    pub directory_service: String,
    /// `activeDirectoryProperties.domainName`, when a domain is set.
    pub domain_name: Option<String>,
    /// `defaultSharePermission` (e.g. `StorageFileDataSmbShareReader`), when not `None`.
    pub default_share_permission: Option<String>,
    /// `smbOAuthSettings.isSmbOAuthEnabled`: managed identities may mount over SMB.
    pub smb_oauth: bool,
}

/// A file share as Resource Manager describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ArmShare {
    /// Share name.
    pub name: String,
    /// `properties.shareQuota`, GiB.
    pub quota_gib: Option<u64>,
    /// `properties.shareUsageBytes` (from a GET with `$expand=stats`), bytes.
    pub usage_bytes: Option<u64>,
}

/// A client for Resource Manager with one identity.
#[derive(Clone, Debug)]
pub struct ArmClient {
    http: reqwest::Client,
    base: url::Url,
    cache: Arc<TokenCache>,
    log: Arc<RequestLog>,
    /// Every failure is the answer of a look-up that reports it itself (the roles or
    /// shares behind a 403): logged as expected, never counted as an error.
    checking: bool,
    /// When a failed call is sent again (`http::exchange`).
    retries: Arc<Retries>,
}

impl ArmClient {
    /// A clone whose failures are look-ups' answers (logged, marked expected).
    #[must_use]
    pub fn for_checks(&self) -> Self {
        let mut retries = (*self.retries).clone();
        retries.policy.max_attempts = retries.policy.max_attempts.min(2);
        retries.policy.max_total = CHECK_RETRY_WINDOW;
        Self { checking: true, retries: Arc::new(retries), ..self.clone() }
    }

    /// A client for Resource Manager at `endpoint` (`ARM_ENDPOINT`, or an emulator's base
    /// URL) with tokens from `cache` (resource `ARM_RESOURCE`).
    ///
    /// Errors: the endpoint is not a URL, or TLS cannot be set up with `ca_pem`.
    pub fn new(
        endpoint: &str,
        cache: Arc<TokenCache>,
        log: Arc<RequestLog>,
        ca_pem: Option<&[u8]>,
    ) -> Result<Self, ArmError> {
        let invalid = |detail: String| ArmError::InvalidResponse { operation: "Connect".to_owned(), detail };
        let base = url::Url::parse(endpoint).map_err(|e| invalid(format!("{endpoint} is not a URL: {e}")))?;
        let loopback = base
            .host_str()
            .is_some_and(|h| h == "localhost" || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()));
        if base.scheme() != "https" && !loopback {
            return Err(invalid(format!(
                "{endpoint}: tokens are only sent over HTTPS (plain HTTP is allowed to this machine only)"
            )));
        }
        let http = crate::http::client_builder(ca_pem, loopback)
            .map_err(invalid)?
            .connect_timeout(Duration::from_secs(CONNECT_TIMEOUT_SECS))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| invalid(format!("could not set up HTTPS: {}", crate::http::transport::describe_setup(&e))))?;
        // Resource Manager's throttling asks for waits of up to a minute: honoured.
        let policy = RetryPolicy { max_delay: Duration::from_secs(60), ..RetryPolicy::default() };
        let retries = Arc::new(Retries::azure(policy));
        Ok(Self { http, base, cache, log, checking: false, retries })
    }

    /// The URL of `path` (an ARM resource id or below) at `version`.
    fn url(&self, path: &str, version: &str) -> url::Url {
        let mut url = self.base.clone();
        url.set_path(&format!("{}{}", self.base.path().trim_end_matches('/'), path));
        url.query_pairs_mut().append_pair("api-version", version);
        url
    }

    /// One GET, with a token refresh after a 401 and waits on 429; the JSON answer.
    async fn get(&self, operation: &str, url: &url::Url) -> Result<Value, ArmError> {
        self.call(reqwest::Method::GET, operation, url, None).await
    }

    /// One request with an optional JSON body through the shared exchange loop
    /// (`http::exchange`): a token refresh after a 401; 408, 429 and 5xx answers and lost
    /// connections sent again within the retry policy, `Retry-After` honoured (every call
    /// azfx makes reads, so each is safe to repeat); the JSON answer. A successful
    /// answer's body is never logged (a SAS or key may be in it); a failed one's is, cut
    /// to 4 KiB.
    async fn call(
        &self,
        method: reqwest::Method,
        operation: &str,
        url: &url::Url,
        body: Option<&Value>,
    ) -> Result<Value, ArmError> {
        let mut exchange = Exchange::new(&self.log, &self.retries);
        loop {
            let attempt = exchange.next_attempt();
            let token = self.cache.token().await?;
            let mut entry = LogEntry::begin(
                ExchangeKind::Arm,
                operation,
                method.as_str(),
                crate::http::redact_url(url.as_str()),
                attempt,
                vec![("Authorization".to_owned(), format!("Bearer <{}>", token.fingerprint()))],
            );
            entry.token_fingerprint = Some(token.fingerprint());
            entry.expected = self.checking;
            let started = std::time::Instant::now();
            let mut request = self.http.request(method.clone(), url.clone()).bearer_auth(token.secret.expose());
            if let Some(body) = body {
                request = request.json(body);
            }
            // The answer and its body, or why none came (a body cut off counts as none).
            let outcome = match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    response.bytes().await.map(|body| (status, headers, body))
                }
                Err(e) => Err(e),
            };
            entry.duration_ms = crate::http::elapsed_ms(started);
            let (status, headers, body) = match outcome {
                Ok(answer) => answer,
                Err(e) => {
                    let kind = TransportKind::of(&e);
                    entry.transport_error = Some(crate::http::transport::describe(&e));
                    entry.transport_kind = Some(kind);
                    match exchange.failed(entry, Failed::Transport(kind), true).await {
                        Next::Retry | Next::Refresh => continue,
                        Next::Stop => {
                            let detail = crate::http::transport::describe(&e);
                            return Err(ArmError::Transport { operation: operation.to_owned(), detail });
                        }
                    }
                }
            };
            entry.status = Some(status);
            entry.request_id = headers.get("x-ms-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
            entry.bytes_received = body.len() as u64;
            let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            if status >= 400 {
                let code = json["error"]["code"].as_str().unwrap_or_default().to_owned();
                entry.error_code = Some(code.clone()).filter(|c| !c.is_empty());
                entry.error_body = Some(String::from_utf8_lossy(&body).chars().take(4096).collect());
                let retry_after = headers.get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok());
                let failed = if status == 401 { Failed::Unauthorized } else { Failed::Status { status, retry_after } };
                match exchange.failed(entry, failed, true).await {
                    Next::Refresh => {
                        self.cache.invalidate(&token.fingerprint());
                        continue;
                    }
                    Next::Retry => continue,
                    Next::Stop => {
                        let message = json["error"]["message"].as_str().unwrap_or_default().to_owned();
                        return Err(ArmError::Service { operation: operation.to_owned(), status, code, message });
                    }
                }
            }
            exchange.succeeded(entry);
            if json.is_null() {
                return Err(ArmError::InvalidResponse {
                    operation: operation.to_owned(),
                    detail: "no JSON".to_owned(),
                });
            }
            return Ok(json);
        }
    }

    /// Every item of a list, following `nextLink` — only to Resource Manager itself (same
    /// scheme, host and port as the endpoint: the token goes nowhere else), at most
    /// `MAX_PAGES` pages, never the same link twice.
    async fn list(&self, operation: &str, first: url::Url) -> Result<Vec<Value>, ArmError> {
        let mut items = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut next = Some(first);
        while let Some(url) = next.take() {
            if seen.len() >= MAX_PAGES || !seen.insert(url.to_string()) {
                return Err(ArmError::InvalidResponse {
                    operation: operation.to_owned(),
                    detail: "the list does not end (nextLink repeats or too many pages)".to_owned(),
                });
            }
            let page = self.get(operation, &url).await?;
            items.extend(page["value"].as_array().cloned().unwrap_or_default());
            next = match page["nextLink"].as_str() {
                None => None,
                Some(link) => {
                    let link = url::Url::parse(link).map_err(|e| ArmError::InvalidResponse {
                        operation: operation.to_owned(),
                        detail: format!("nextLink is not a URL: {e}"),
                    })?;
                    let same_place = link.scheme() == self.base.scheme()
                        && link.host_str() == self.base.host_str()
                        && link.port_or_known_default() == self.base.port_or_known_default();
                    if !same_place {
                        return Err(ArmError::InvalidResponse {
                            operation: operation.to_owned(),
                            detail: format!(
                                "nextLink leads elsewhere ({}): the token is not sent there",
                                link.origin().ascii_serialization()
                            ),
                        });
                    }
                    Some(link)
                }
            };
        }
        Ok(items)
    }

    /// The subscriptions the identity can see.
    pub async fn subscriptions(&self) -> Result<Vec<Subscription>, ArmError> {
        let items = self.list("List subscriptions", self.url("/subscriptions", SUBSCRIPTIONS_VERSION)).await?;
        Ok(items
            .iter()
            .filter_map(|s| {
                Some(Subscription {
                    id: s["subscriptionId"].as_str()?.to_owned(),
                    name: s["displayName"].as_str().unwrap_or_default().to_owned(),
                })
            })
            .collect())
    }

    /// The storage accounts of a subscription (needs a control-plane role on it).
    pub async fn storage_accounts(&self, subscription: &str) -> Result<Vec<StorageAccount>, ArmError> {
        let path = format!("/subscriptions/{subscription}/providers/Microsoft.Storage/storageAccounts");
        let items = self.list("List storage accounts", self.url(&path, STORAGE_VERSION)).await?;
        Ok(items.iter().filter_map(StorageAccount::from_json).collect())
    }

    /// The file shares of a storage account (by its resource id).
    pub async fn shares(&self, account_id: &str) -> Result<Vec<ArmShare>, ArmError> {
        let path = format!("{account_id}/fileServices/default/shares");
        let items = self.list("List file shares", self.url(&path, STORAGE_VERSION)).await?;
        Ok(items
            .iter()
            .filter_map(|s| {
                Some(ArmShare {
                    name: s["name"].as_str()?.to_owned(),
                    quota_gib: s["properties"]["shareQuota"].as_u64(),
                    usage_bytes: s["properties"]["shareUsageBytes"].as_u64(),
                })
            })
            .collect())
    }
}

/// A subscription as discovery found it: its accounts, or why they could not be listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubscriptionNode {
    /// The subscription.
    pub subscription: Subscription,
    /// Its storage accounts with their shares.
    pub accounts: Vec<AccountNode>,
    /// Why its accounts could not be listed (a missing control-plane role: Reader on the
    /// subscription), if so.
    pub error: Option<ArmError>,
}

/// A storage account as discovery found it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountNode {
    /// The account.
    pub account: StorageAccount,
    /// Its shares.
    pub shares: Vec<ArmShare>,
    /// Why its shares could not be listed, if so.
    pub error: Option<ArmError>,
}

/// Shares per account whose usage discovery reads (one request each: the list has no
/// usage, only a GET of one share with `$expand=stats` does).
const USAGE_PER_ACCOUNT: usize = 20;

impl ArmClient {
    /// One share's usage in bytes (`GET …/shares/{share}?$expand=stats`).
    ///
    /// Errors: Resource Manager refuses or fails.
    pub async fn share_usage(&self, account_id: &str, share: &str) -> Result<Option<u64>, ArmError> {
        let mut url = self.url(&format!("{account_id}/fileServices/default/shares/{share}"), STORAGE_VERSION);
        url.query_pairs_mut().append_pair("$expand", "stats");
        let answer = self.get("Get file share usage", &url).await?;
        Ok(answer["properties"]["shareUsageBytes"].as_u64())
    }
}

/// Walks subscriptions → storage accounts → shares. Errors: only when not even the
/// subscriptions could be listed; below that, each node carries its own error.
pub async fn discover(client: &ArmClient) -> Result<Vec<SubscriptionNode>, ArmError> {
    let mut tree = Vec::new();
    for subscription in client.subscriptions().await? {
        let mut node = SubscriptionNode { subscription, accounts: Vec::new(), error: None };
        match client.storage_accounts(&node.subscription.id).await {
            Ok(accounts) => {
                for account in accounts {
                    let (mut shares, error) = match client.shares(&account.id).await {
                        Ok(shares) => (shares, None),
                        Err(e) => (Vec::new(), Some(e)),
                    };
                    // Usage where the list did not carry it; a refusal leaves it unknown.
                    for share in shares.iter_mut().filter(|s| s.usage_bytes.is_none()).take(USAGE_PER_ACCOUNT) {
                        share.usage_bytes = client.share_usage(&account.id, &share.name).await.ok().flatten();
                    }
                    node.accounts.push(AccountNode { account, shares, error });
                }
            }
            Err(e) => node.error = Some(e),
        }
        tree.push(node);
    }
    Ok(tree)
}
