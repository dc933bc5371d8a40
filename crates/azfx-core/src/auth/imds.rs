//! Managed-identity token endpoints: IMDS on Azure VMs (`GET /metadata/identity/oauth2/token`
//! with `Metadata: true`) and the App Service / Container Apps / Functions form
//! (`IDENTITY_ENDPOINT` + `X-IDENTITY-HEADER`). Both follow the IMDS retry guidance
//! (404, 410, 429 and 5xx back off exponentially), fail fast when nothing answers, and log
//! every attempt without the token.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::{AccessToken, AuthError, AuthErrorKind, CredentialSource, IdentitySelector, TokenFuture, TokenSource};
use crate::http::exchange::{Exchange, Failed, Next, Retries};
use crate::http::{
    ExchangeKind, LogEntry, RequestLog, RetryPolicy, TransportKind, elapsed_ms, redact_headers, transport,
};

/// The real IMDS address.
pub const IMDS_DEFAULT_ENDPOINT: &str = "http://169.254.169.254";

/// The IMDS base URL from the environment conventions (`AZURE_POD_IDENTITY_AUTHORITY_HOST`,
/// then `IMDS_ENDPOINT`), or the real link-local address.
pub fn imds_endpoint_from_env() -> String {
    ["AZURE_POD_IDENTITY_AUTHORITY_HOST", "IMDS_ENDPOINT"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| IMDS_DEFAULT_ENDPOINT.to_owned())
        .trim_end_matches('/')
        .to_owned()
}

/// Retry policy for identity endpoints.
#[derive(Clone, Debug)]
pub struct IdentityRetry {
    /// Attempts in all (first try included).
    pub max_attempts: u32,
    /// Delay before the first retry; doubles each time.
    pub initial_delay: Duration,
    /// Longest single delay.
    pub max_delay: Duration,
    /// Connect timeout: how long to wait for the endpoint to accept a connection.
    pub connect_timeout: Duration,
    /// Timeout of one attempt.
    pub attempt_timeout: Duration,
}

impl IdentityRetry {
    /// The shared exchange loop's form of this policy: IMDS's retryable statuses, waits
    /// doubling from `initial_delay` (with jitter) up to `max_delay`, at least 2 s after a
    /// 410, and no retry of a request that got no answer.
    pub fn retries(&self) -> Retries {
        let policy = RetryPolicy {
            max_attempts: self.max_attempts,
            base_delay: self.initial_delay,
            max_delay: self.max_delay,
            max_total: Duration::from_secs(300),
        };
        // IMDS asks for a longer wait after 410 (it is updating).
        let at_least = |status| if status == 410 { Duration::from_secs(2) } else { Duration::ZERO };
        Retries { policy, statuses: retryable, transport: false, at_least }
    }
}

impl Default for IdentityRetry {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(2),
            attempt_timeout: Duration::from_secs(20),
        }
    }
}

/// Statuses IMDS asks clients to retry.
fn retryable(status: u16) -> bool {
    matches!(status, 404 | 408 | 410 | 429) || (500..600).contains(&status)
}

/// Numbers IMDS sends as strings and other endpoints as numbers.
#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Text(String),
    Int(i64),
}

impl Number {
    fn value(&self) -> Option<i64> {
        match self {
            Self::Text(text) => text.trim().parse().ok(),
            Self::Int(n) => Some(*n),
        }
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_on: Option<Number>,
    expires_in: Option<Number>,
}

#[derive(Deserialize, Default)]
struct ErrorResponse {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Shared machinery of the HTTP identity endpoints.
#[derive(Debug)]
struct Endpoint {
    /// The HTTP client, or why none could be built (said when a token is asked for).
    client: Result<reqwest::Client, String>,
    log: Arc<RequestLog>,
    retry: IdentityRetry,
    source: CredentialSource,
    operation: &'static str,
}

impl Endpoint {
    fn new(log: Arc<RequestLog>, retry: IdentityRetry, source: CredentialSource, operation: &'static str) -> Self {
        // Identity endpoints are never reached through a proxy.
        let client = crate::http::client_builder(None, true).and_then(|builder| {
            builder
                .connect_timeout(retry.connect_timeout)
                .timeout(retry.attempt_timeout)
                .build()
                .map_err(|e| e.to_string())
        });
        Self { client, log, retry, source, operation }
    }

    fn error(&self, kind: AuthErrorKind) -> AuthError {
        AuthError { kind, credential: self.source.clone() }
    }

    /// Sends `build()` with retries; returns the token.
    async fn fetch(&self, url: &str, headers: &[(&str, &str)]) -> Result<AccessToken, AuthError> {
        let client = self.client.as_ref().map_err(|detail| {
            self.error(AuthErrorKind::EndpointUnreachable {
                endpoint: url.split('?').next().unwrap_or(url).to_owned(),
                detail: format!("no HTTP client could be set up: {detail}"),
            })
        })?;
        let retries = self.retry.retries();
        let mut exchange = Exchange::new(&self.log, &retries);
        loop {
            let attempt = exchange.next_attempt();
            let mut request = client.get(url);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let request =
                request.build().map_err(|e| self.error(AuthErrorKind::InvalidResponse { detail: e.to_string() }))?;
            let mut entry = LogEntry::begin(
                ExchangeKind::Token,
                self.operation,
                "GET",
                url.to_owned(),
                attempt,
                redact_headers(request.headers()),
            );
            let started = Instant::now();
            let outcome = match client.execute(request).await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    entry.response_headers = redact_headers(response.headers());
                    let retry_after =
                        response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
                    response.bytes().await.map(|body| (status, retry_after, body))
                }
                Err(e) => Err(e),
            };
            entry.duration_ms = elapsed_ms(started);
            let (status, retry_after, body) = match outcome {
                Ok(answer) => answer,
                Err(e) => {
                    let detail = transport::describe(&e);
                    let kind = TransportKind::of(&e);
                    entry.transport_error = Some(detail.clone());
                    entry.transport_kind = Some(kind);
                    // Not sent again (`Retries::transport` is off): an unreachable
                    // endpoint is reported at once.
                    if exchange.failed(entry, Failed::Transport(kind), true).await == Next::Retry {
                        continue;
                    }
                    let endpoint = url.split('?').next().unwrap_or(url).to_owned();
                    return Err(self.error(AuthErrorKind::EndpointUnreachable { endpoint, detail }));
                }
            };
            entry.status = Some(status);
            entry.bytes_received = body.len() as u64;
            if status == 200 {
                exchange.succeeded(entry);
                return self.parse_token(&body);
            }
            let parsed: ErrorResponse = serde_json::from_slice(&body).unwrap_or_default();
            entry.error_code = parsed.error.clone();
            entry.error_body = Some(String::from_utf8_lossy(&body[..body.len().min(4096)]).into_owned());
            let failed = Failed::Status { status, retry_after: retry_after.as_deref() };
            if exchange.failed(entry, failed, true).await == Next::Retry {
                continue;
            }
            if retryable(status) {
                return Err(self.error(AuthErrorKind::Unavailable { status, attempts: attempt }));
            }
            let description = parsed
                .error_description
                .or(parsed.message)
                .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
            if description.contains("Identity not found") {
                return Err(self.error(AuthErrorKind::IdentityNotFound { description }));
            }
            return Err(self.error(AuthErrorKind::Rejected {
                status,
                error: parsed.error.unwrap_or_default(),
                description,
            }));
        }
    }

    fn parse_token(&self, body: &[u8]) -> Result<AccessToken, AuthError> {
        let invalid = |detail: String| self.error(AuthErrorKind::InvalidResponse { detail });
        let response: TokenResponse =
            serde_json::from_slice(body).map_err(|e| invalid(format!("not a token response ({e})")))?;
        let now = super::now_unix();
        let expires_on = response
            .expires_on
            .as_ref()
            .and_then(Number::value)
            .or_else(|| response.expires_in.as_ref().and_then(Number::value).map(|secs| now + secs))
            .ok_or_else(|| invalid("no expires_on or expires_in".to_owned()))?;
        Ok(AccessToken::new(response.access_token, expires_on, self.source.clone()))
    }
}

fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Appends the identity choice to a token URL; `names` are the endpoint's parameter
/// names for client id, object id and resource id.
fn push_selector(url: &mut String, selector: &IdentitySelector, names: [&str; 3]) {
    let (name, id) = match selector {
        IdentitySelector::SystemAssigned => return,
        IdentitySelector::ClientId(id) => (names[0], id),
        IdentitySelector::ObjectId(id) => (names[1], id),
        IdentitySelector::ResourceId(id) => (names[2], id),
    };
    url.push('&');
    url.push_str(name);
    url.push('=');
    url.push_str(&encode(id));
}

/// Tokens from IMDS on an Azure VM.
#[derive(Debug)]
pub struct ImdsSource {
    endpoint: String,
    selector: IdentitySelector,
    http: Endpoint,
}

impl ImdsSource {
    /// A source asking `endpoint` (base URL, e.g. `http://169.254.169.254`) for `selector`.
    pub fn new(endpoint: &str, selector: IdentitySelector, log: Arc<RequestLog>, retry: IdentityRetry) -> Self {
        let http = Endpoint::new(log, retry, CredentialSource::Imds(selector.clone()), "IMDS token");
        Self { endpoint: endpoint.trim_end_matches('/').to_owned(), selector, http }
    }

    /// The base URL asked.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

impl TokenSource for ImdsSource {
    fn fetch<'a>(&'a self, resource: &'a str) -> TokenFuture<'a> {
        Box::pin(async move {
            let mut url = format!(
                "{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource={}",
                self.endpoint,
                encode(resource)
            );
            push_selector(&mut url, &self.selector, ["client_id", "object_id", "msi_res_id"]);
            self.http.fetch(&url, &[("Metadata", "true")]).await
        })
    }

    fn source(&self) -> CredentialSource {
        self.http.source.clone()
    }
}

/// Tokens from App Service, Functions or Container Apps.
#[derive(Debug)]
pub struct AppServiceSource {
    endpoint: String,
    secret: super::Secret,
    selector: IdentitySelector,
    http: Endpoint,
}

impl AppServiceSource {
    /// A source for `IDENTITY_ENDPOINT` with the `IDENTITY_HEADER` secret.
    pub fn new(
        endpoint: &str,
        secret: super::Secret,
        selector: IdentitySelector,
        log: Arc<RequestLog>,
        retry: IdentityRetry,
    ) -> Self {
        let http = Endpoint::new(log, retry, CredentialSource::AppService(selector.clone()), "App Service token");
        Self { endpoint: endpoint.to_owned(), secret, selector, http }
    }

    /// From `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`, when both are set.
    pub fn from_env(selector: IdentitySelector, log: Arc<RequestLog>, retry: IdentityRetry) -> Option<Self> {
        let endpoint = std::env::var("IDENTITY_ENDPOINT").ok()?;
        let secret = std::env::var("IDENTITY_HEADER").ok()?;
        Some(Self::new(&endpoint, super::Secret::new(secret), selector, log, retry))
    }
}

impl TokenSource for AppServiceSource {
    fn fetch<'a>(&'a self, resource: &'a str) -> TokenFuture<'a> {
        Box::pin(async move {
            let separator = if self.endpoint.contains('?') { '&' } else { '?' };
            let mut url = format!("{}{separator}api-version=2019-08-01&resource={}", self.endpoint, encode(resource));
            push_selector(&mut url, &self.selector, ["client_id", "principal_id", "mi_res_id"]);
            self.http.fetch(&url, &[("X-IDENTITY-HEADER", self.secret.expose())]).await
        })
    }

    fn source(&self) -> CredentialSource {
        self.http.source.clone()
    }
}
