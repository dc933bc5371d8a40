//! The one place every Files request passes: headers, credential, retries, the 401
//! refresh, logging, and error classification.

use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};

use super::error::{ErrorKind, FilesError, TransportKind};
use super::{API_VERSION, FilesClient, shared_key};
use crate::auth::Credential;
use crate::http::exchange::{Exchange, Failed, Next};
use crate::http::{ExchangeKind, LogEntry, elapsed_ms, redact_headers, redact_url};

/// A request to send.
#[derive(Debug)]
pub(crate) struct Request {
    /// What azfx is doing, for logs and errors.
    pub operation: &'static str,
    pub method: Method,
    pub url: Url,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
    /// Safe to send again after a failure.
    pub idempotent: bool,
    /// A file or directory operation: names keep their trailing dots
    /// (`x-ms-allow-trailing-dot: true`; without it the service trims `report.` to
    /// `report`). Off for share- and service-level calls.
    pub names_in_path: bool,
    /// Error codes that are an answer here, not an error (a look-up's 404
    /// `ResourceNotFound`: the name is free): logged as expected, never counted as errors.
    pub answers: &'static [&'static str],
}

impl Request {
    pub(crate) fn new(operation: &'static str, method: Method, url: Url) -> Self {
        Self {
            operation,
            method,
            url,
            headers: Vec::new(),
            body: Bytes::new(),
            idempotent: true,
            names_in_path: true,
            answers: &[],
        }
    }

    /// A request for which these error codes are answers, not errors (see `answers`).
    pub(crate) fn answered_by(mut self, codes: &'static [&'static str]) -> Self {
        self.answers = codes;
        self
    }

    /// A share- or service-level call (no file or directory names in its path).
    pub(crate) fn share_level(mut self) -> Self {
        self.names_in_path = false;
        self
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub(crate) fn body(mut self, body: Bytes) -> Self {
        self.body = body;
        self
    }
}

/// How long a body waits for an early answer while the service is under pressure.
const EARLY_ANSWER_WAIT: Duration = Duration::from_millis(300);
/// Bodies up to this size are never held back: they fit in the socket's send buffer, so
/// they are written whole before an early answer could cut them short (and holding back
/// every small file's one Put Range would cost 300 ms per file under pressure).
const HOLD_BACK_FROM_BYTES: usize = 256 * 1024;
/// How long after a refusal the service counts as under pressure.
const PRESSURE_WINDOW: Duration = Duration::from_secs(30);

/// Whether the service recently refused work for load, shared by a client's clones.
///
/// A service that refuses a large request (a 4 MiB Put Range) from its headers answers
/// at once and closes the connection while the body is still being sent; the client then
/// sees only "broken pipe", not the 503 and its `Retry-After`. While under pressure,
/// bodies are sent with `Expect: 100-continue` and held back briefly, so such an early
/// answer is read as the answer it is (Azure's own SDKs do the same after a 429/5xx).
#[derive(Debug, Default)]
pub(crate) struct Pressure {
    since: std::sync::Mutex<Option<Instant>>,
}

impl Pressure {
    fn note(&self) {
        *self.since.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Instant::now());
    }

    fn active(&self) -> bool {
        self.since
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_some_and(|at| at.elapsed() < PRESSURE_WINDOW)
    }
}

/// A body that is sent only after `wait`, so an early answer can arrive first.
fn held_back(body: Bytes, wait: Duration) -> reqwest::Body {
    reqwest::Body::wrap_stream(futures_util::stream::once(async move {
        tokio::time::sleep(wait).await;
        Ok::<Bytes, std::io::Error>(body)
    }))
}

/// A successful answer, body read.
#[derive(Debug)]
pub(crate) struct Response {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Response {
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }
}

/// The headers every attempt carries (version, date, a fresh client request id, the
/// request's own, `Content-Length`), and that request id.
fn base_headers(request: &Request) -> (HeaderMap, String) {
    let mut headers = HeaderMap::new();
    let mut insert = |name: &str, value: &str| {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            headers.insert(name, value);
        }
    };
    insert("x-ms-version", API_VERSION);
    if request.names_in_path {
        insert("x-ms-allow-trailing-dot", "true");
    }
    insert("x-ms-date", &httpdate::fmt_http_date(std::time::SystemTime::now()));
    let client_request_id = uuid::Uuid::new_v4().to_string();
    insert("x-ms-client-request-id", &client_request_id);
    for (name, value) in &request.headers {
        insert(name, value);
    }
    if request.method == Method::PUT || !request.body.is_empty() {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(request.body.len()));
    }
    (headers, client_request_id)
}

impl FilesClient {
    /// Adds the credential: a bearer token with the intent header, a SAS query, or a
    /// Shared Key signature. Returns the fingerprint of a bearer token.
    async fn apply_credential(
        &self,
        request: &Request,
        url: &mut Url,
        headers: &mut HeaderMap,
        redacted: &str,
        attempt: u32,
    ) -> Result<Option<String>, FilesError> {
        match &self.credential {
            Credential::Bearer(cache) => {
                let token = cache.token().await.map_err(|e| {
                    let mut error = FilesError::from_auth(request.operation, redacted, e);
                    error.attempts = attempt;
                    error
                })?;
                let mut value = HeaderValue::from_str(&format!("Bearer {}", token.secret.expose()))
                    .map_err(|_| FilesError::new(ErrorKind::Refused, request.operation, redacted))?;
                value.set_sensitive(true);
                headers.insert(AUTHORIZATION, value);
                headers.insert("x-ms-file-request-intent", HeaderValue::from_static("backup"));
                Ok(Some(token.fingerprint()))
            }
            Credential::Sas(sas) => {
                let query = match url.query() {
                    Some(existing) if !existing.is_empty() => {
                        format!("{existing}&{}", sas.expose().trim_start_matches('?'))
                    }
                    _ => sas.expose().trim_start_matches('?').to_owned(),
                };
                url.set_query(Some(&query));
                Ok(None)
            }
            Credential::AccountKey { account, key } => {
                let value = shared_key::authorization(account, key.expose(), request.method.as_str(), url, headers)
                    .ok_or_else(|| {
                        let mut error = FilesError::new(ErrorKind::Refused, request.operation, redacted);
                        error.message = Some("the account key is not valid base64".to_owned());
                        error
                    })?;
                if let Ok(mut value) = HeaderValue::from_str(&value) {
                    value.set_sensitive(true);
                    headers.insert(AUTHORIZATION, value);
                }
                Ok(None)
            }
        }
    }

    /// Sends a request with the credential through the shared exchange loop
    /// (`http::exchange`: the request log, retries within the policy, one new token after
    /// a 401); reads the body. Files' own part: the credential per attempt, the
    /// connection's limit on requests in flight, early answers under pressure, and the
    /// error codes that are answers here.
    pub(crate) async fn send(&self, request: Request) -> Result<Response, FilesError> {
        let mut exchange = Exchange::new(&self.log, &self.retries);
        loop {
            let attempt = exchange.next_attempt();
            let mut url = request.url.clone();
            let (mut headers, client_request_id) = base_headers(&request);
            let redacted = redact_url(url.as_str());
            let token_fingerprint = self.apply_credential(&request, &mut url, &mut headers, &redacted, attempt).await?;
            // What was really sent, SAS signature removed.
            let redacted = redact_url(url.as_str());
            let careful = request.body.len() > HOLD_BACK_FROM_BYTES && self.pressure.active();
            if careful {
                headers.insert(reqwest::header::EXPECT, HeaderValue::from_static("100-continue"));
            }
            let mut entry = LogEntry::begin(
                ExchangeKind::Files,
                request.operation,
                request.method.as_str(),
                redacted.clone(),
                attempt,
                redact_headers(&headers),
            );
            entry.client_request_id = Some(client_request_id);
            entry.bytes_sent = request.body.len() as u64;
            entry.token_fingerprint.clone_from(&token_fingerprint);
            // One place under the connection's limit for this attempt (not while waiting
            // to retry).
            let permit = self.congestion.acquire().await;
            let attempt_started = Instant::now();
            let body = if careful {
                held_back(request.body.clone(), EARLY_ANSWER_WAIT)
            } else {
                reqwest::Body::from(request.body.clone())
            };
            let sent = self.http.request(request.method.clone(), url).headers(headers).body(body).send().await;
            let outcome = match sent {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let response_headers = response.headers().clone();
                    entry.status = Some(status);
                    entry.response_headers = redact_headers(&response_headers);
                    entry.request_id =
                        response_headers.get("x-ms-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
                    entry.error_code =
                        response_headers.get("x-ms-error-code").and_then(|v| v.to_str().ok()).map(str::to_owned);
                    response.bytes().await.map(|body| (status, response_headers, body))
                }
                Err(e) => Err(e),
            };
            entry.duration_ms = elapsed_ms(attempt_started);
            drop(permit);
            let (status, response_headers, body) = match outcome {
                Ok(triple) => triple,
                Err(e) => {
                    let mut error = FilesError::from_transport(request.operation, &redacted, &e);
                    error.attempts = attempt;
                    error.refreshed_after_401 = exchange.refreshed();
                    let kind = error.transport.as_ref().map_or(TransportKind::Other, |(kind, _)| *kind);
                    if !request.body.is_empty() && kind == TransportKind::Reset {
                        // Most likely refused from its headers: answer early next time,
                        // and send less at once.
                        self.pressure.note();
                        self.congestion.throttled();
                    }
                    entry.transport_error = error.transport.as_ref().map(|(_, text)| text.clone());
                    entry.transport_kind = Some(kind);
                    entry.expected = self.checking;
                    match exchange.failed(entry, Failed::Transport(kind), request.idempotent).await {
                        Next::Retry | Next::Refresh => continue,
                        Next::Stop => return Err(error),
                    }
                }
            };
            entry.bytes_received = body.len() as u64;
            if status < 300 {
                self.congestion.succeeded();
                exchange.succeeded(entry);
                return Ok(Response { headers: response_headers, body });
            }
            entry.error_body = Some(String::from_utf8_lossy(&body[..body.len().min(4096)]).into_owned());
            let answered = entry.error_code.as_deref().is_some_and(|code| request.answers.contains(&code));
            entry.expected = self.checking || answered;
            let mut error = FilesError::from_response(request.operation, &redacted, status, &response_headers, &body);
            error.attempts = attempt;
            error.refreshed_after_401 = exchange.refreshed();
            if answered {
                // An answer (the name is free), after throttled or healed attempts: they
                // were made good by it.
                exchange.succeeded(entry);
                return Err(error);
            }
            if matches!(status, 429 | 500 | 503) {
                self.pressure.note();
            }
            if matches!(status, 429 | 503) {
                // Refused for load: fewer requests in flight for the whole connection.
                self.congestion.throttled();
            }
            let bearer = matches!(self.credential, Credential::Bearer(_)) && token_fingerprint.is_some();
            let retry_after = response_headers.get("retry-after").and_then(|v| v.to_str().ok());
            let failed = if error.kind == ErrorKind::Unauthenticated && bearer {
                Failed::Unauthorized
            } else {
                Failed::Status { status, retry_after }
            };
            match exchange.failed(entry, failed, request.idempotent).await {
                Next::Refresh => {
                    if let (Credential::Bearer(cache), Some(fingerprint)) = (&self.credential, &token_fingerprint) {
                        cache.invalidate(fingerprint);
                    }
                }
                Next::Retry => {}
                Next::Stop => return Err(error),
            }
        }
    }
}
