//! One diagnosable error for every Files exchange: what kind of failure it is (so 400
//! intent, 401, 403 role and 403 firewall are told apart), the HTTP status, the service's
//! code, message and `AuthenticationErrorDetail`, `x-ms-request-id`, the challenge, what
//! was attempted, and the URL last. Transport failures keep their own kind.

use std::fmt;

use quick_xml::Reader;
use quick_xml::events::Event;
use serde::Serialize;

use crate::auth::AuthError;
pub use crate::http::TransportKind;
use crate::http::log::LogEntry;
use crate::http::transport;
use crate::xml_text::{resolve_entity, strip_bom};

/// How a request failed, coarse enough to act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ErrorKind {
    /// 400 `MissingRequiredHeader` for `x-ms-file-request-intent`.
    MissingIntent,
    /// Bearer tokens not accepted for this call at this version (403 `AuthenticationFailed`
    /// "not supported in this version", 409 `FileOAuthManagementApiRestrictedToSrp`).
    BearerNotSupported,
    /// 401: the token was not accepted (expired, audience, tenant, signature).
    Unauthenticated,
    /// 401 carrying a claims challenge the identity cannot satisfy.
    ClaimsChallenge,
    /// 403 `AuthorizationPermissionMismatch`: the identity lacks the data role.
    PermissionDenied,
    /// 403 `AuthorizationFailure`: network rules, firewall or private endpoint.
    NetworkRule,
    /// Other 403s (Shared Key or SAS signature, protocol, resource type).
    AuthenticationFailed,
    /// 404 (`ShareNotFound`, `ParentNotFound`, `ResourceNotFound`).
    NotFound,
    /// 409 (exists, not empty, type mismatch, delete pending, SMB lock).
    Conflict,
    /// 412 (lease).
    PreconditionFailed,
    /// 413 `ShareSizeLimitReached` or `RequestBodyTooLarge`.
    TooLarge,
    /// 416 `InvalidRange`.
    InvalidRange,
    /// Other 4xx: the request was wrong.
    BadRequest,
    /// 429 / 503 `ServerBusy` after the retries ran out.
    Throttled,
    /// Other 5xx after the retries ran out.
    ServerError,
    /// No HTTP answer (see `transport`).
    Transport,
    /// No token could be had (see `auth`).
    Credential,
    /// The answer could not be read.
    InvalidResponse,
    /// The request was not sent: a bearer token would go over plain HTTP to a non-loopback
    /// host, or the input was invalid.
    Refused,
    /// Cancelled by the user.
    Cancelled,
}

/// A failed Files exchange (boxed: errors travel far and should stay small).
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FilesError(Box<FilesErrorDetail>);

impl std::ops::Deref for FilesError {
    type Target = FilesErrorDetail;
    fn deref(&self) -> &FilesErrorDetail {
        &self.0
    }
}

impl std::ops::DerefMut for FilesError {
    fn deref_mut(&mut self) -> &mut FilesErrorDetail {
        &mut self.0
    }
}

impl fmt::Debug for FilesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Everything known about a failed Files exchange.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FilesErrorDetail {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// What azfx was doing (`List directory`).
    pub operation: String,
    /// HTTP status, if an answer arrived.
    pub status: Option<u16>,
    /// `x-ms-error-code`.
    pub code: Option<String>,
    /// First line of the service's message.
    pub message: Option<String>,
    /// `AuthenticationErrorDetail`.
    pub auth_detail: Option<String>,
    /// `HeaderName` of a header error.
    pub header_name: Option<String>,
    /// `x-ms-request-id`.
    pub request_id: Option<String>,
    /// `WWW-Authenticate`.
    pub www_authenticate: Option<String>,
    /// Transport failure kind and text.
    pub transport: Option<(TransportKind, String)>,
    /// The token failure, for `ErrorKind::Credential`.
    #[serde(skip)]
    pub auth: Option<AuthError>,
    /// Attempts made.
    pub attempts: u32,
    /// Whether a 401 already caused a token refresh and one retry.
    pub refreshed_after_401: bool,
    /// URL (redacted), last.
    pub url: String,
}

impl fmt::Display for FilesError {
    /// `{operation} failed: {status} {code}: {message} ({detail}): {transport}` with the
    /// parts there are, then the request id and the URL; the kind in words when nothing
    /// else says what happened.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        let answer = [self.status.map(|s| s.to_string()), self.code.clone()];
        let answer: Vec<String> = answer.into_iter().flatten().collect();
        if !answer.is_empty() {
            parts.push(answer.join(" "));
        }
        if let Some(message) = &self.message {
            parts.push(message.clone());
        }
        if let Some(detail) = &self.auth_detail {
            match parts.last_mut() {
                Some(last) => {
                    last.push_str(" (");
                    last.push_str(detail);
                    last.push(')');
                }
                None => parts.push(format!("({detail})")),
            }
        }
        if let Some((_, text)) = &self.transport {
            parts.push(text.clone());
        }
        if let Some(auth) = &self.auth {
            parts.push(auth.to_string());
        }
        if parts.is_empty() {
            parts.push(
                match self.kind {
                    ErrorKind::Refused => "refused before it was sent",
                    ErrorKind::InvalidResponse => "the answer could not be read",
                    ErrorKind::Cancelled => "cancelled",
                    _ => "no details",
                }
                .to_owned(),
            );
        }
        write!(f, "{} failed: {}", self.operation, parts.join(": "))?;
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        write!(f, " — {}", self.url)
    }
}

impl std::error::Error for FilesError {}

impl FilesError {
    /// An error with only a kind, operation and URL set.
    pub fn new(kind: ErrorKind, operation: &str, url: &str) -> Self {
        Self(Box::new(FilesErrorDetail::new(kind, operation, url)))
    }

    /// Classifies a service answer.
    pub fn from_response(
        operation: &str,
        url: &str,
        status: u16,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
    ) -> Self {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let parsed = ErrorBody::parse(body);
        let code = header("x-ms-error-code").or(parsed.code);
        let www_authenticate = header("www-authenticate");
        let message = parsed.message.map(|m| m.lines().next().unwrap_or_default().to_owned());
        let kind = classify(
            status,
            code.as_deref(),
            parsed.auth_detail.as_deref(),
            parsed.header_name.as_deref(),
            www_authenticate.as_deref(),
        );
        Self(Box::new(FilesErrorDetail {
            kind,
            status: Some(status),
            code,
            message,
            auth_detail: parsed.auth_detail,
            header_name: parsed.header_name,
            request_id: header("x-ms-request-id"),
            www_authenticate,
            ..FilesErrorDetail::new(kind, operation, url)
        }))
    }

    /// The error a logged exchange stands for, rebuilt from its entry (status, headers and
    /// the first 4 KiB of the body); `None` for a successful exchange. The request log's
    /// details use it so a logged failure is diagnosed like the live one.
    pub fn from_log_entry(entry: &LogEntry) -> Option<Self> {
        if let Some(text) = &entry.transport_error {
            return Some(Self(Box::new(FilesErrorDetail {
                transport: Some((entry.transport_kind.unwrap_or(TransportKind::Other), text.clone())),
                ..FilesErrorDetail::new(ErrorKind::Transport, &entry.operation, &entry.url)
            })));
        }
        let status = entry.status.filter(|s| *s >= 400)?;
        let mut headers = reqwest::header::HeaderMap::new();
        for (name, value) in &entry.response_headers {
            if let (Ok(name), Ok(value)) = (
                reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                reqwest::header::HeaderValue::from_str(value),
            ) {
                headers.insert(name, value);
            }
        }
        let body = entry.error_body.as_deref().unwrap_or_default().as_bytes();
        let mut error = Self::from_response(&entry.operation, &entry.url, status, &headers, body);
        error.attempts = entry.attempt;
        Some(error)
    }

    /// A transport failure.
    pub fn from_transport(operation: &str, url: &str, error: &reqwest::Error) -> Self {
        Self(Box::new(FilesErrorDetail {
            transport: Some((TransportKind::of(error), transport::describe(error))),
            ..FilesErrorDetail::new(ErrorKind::Transport, operation, url)
        }))
    }

    /// A token failure.
    pub fn from_auth(operation: &str, url: &str, error: AuthError) -> Self {
        Self(Box::new(FilesErrorDetail {
            auth: Some(error),
            ..FilesErrorDetail::new(ErrorKind::Credential, operation, url)
        }))
    }
}

impl FilesErrorDetail {
    fn new(kind: ErrorKind, operation: &str, url: &str) -> Self {
        Self {
            kind,
            operation: operation.to_owned(),
            status: None,
            code: None,
            message: None,
            auth_detail: None,
            header_name: None,
            request_id: None,
            www_authenticate: None,
            transport: None,
            auth: None,
            attempts: 0,
            refreshed_after_401: false,
            url: url.to_owned(),
        }
    }
}

fn classify(
    status: u16,
    code: Option<&str>,
    auth_detail: Option<&str>,
    header_name: Option<&str>,
    challenge: Option<&str>,
) -> ErrorKind {
    match (status, code) {
        (400, Some("MissingRequiredHeader"))
            if header_name.is_some_and(|h| h.eq_ignore_ascii_case("x-ms-file-request-intent")) =>
        {
            ErrorKind::MissingIntent
        }
        (409, Some("FileOAuthManagementApiRestrictedToSrp")) => ErrorKind::BearerNotSupported,
        (403, Some("AuthenticationFailed"))
            if auth_detail.is_some_and(|d| d.contains("not supported in this version")) =>
        {
            ErrorKind::BearerNotSupported
        }
        (401, _) if challenge.is_some_and(|c| c.contains("claims=") || c.contains("insufficient_claims")) => {
            ErrorKind::ClaimsChallenge
        }
        (401, _) => ErrorKind::Unauthenticated,
        (403, Some("AuthorizationPermissionMismatch")) => ErrorKind::PermissionDenied,
        (403, Some("AuthorizationFailure")) => ErrorKind::NetworkRule,
        (403, _) => ErrorKind::AuthenticationFailed,
        (404, _) => ErrorKind::NotFound,
        (409, _) => ErrorKind::Conflict,
        (412, _) => ErrorKind::PreconditionFailed,
        (413, _) => ErrorKind::TooLarge,
        (416, _) => ErrorKind::InvalidRange,
        (429 | 503, _) => ErrorKind::Throttled,
        (500..=599, _) => ErrorKind::ServerError,
        _ => ErrorKind::BadRequest,
    }
}

/// The fields of an `<Error>` body.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ErrorBody {
    /// `<Code>`.
    pub code: Option<String>,
    /// `<Message>`.
    pub message: Option<String>,
    /// `<AuthenticationErrorDetail>`.
    pub auth_detail: Option<String>,
    /// `<HeaderName>`.
    pub header_name: Option<String>,
}

impl ErrorBody {
    /// Parses an error body; anything unreadable gives empty fields.
    pub fn parse(body: &[u8]) -> Self {
        let mut out = Self::default();
        let Ok(text) = std::str::from_utf8(strip_bom(body)) else { return out };
        let mut reader = Reader::from_str(text);
        let mut current: Option<String> = None;
        let mut value = String::new();
        loop {
            match reader.read_event() {
                Ok(Event::Start(start)) => {
                    current = Some(String::from_utf8_lossy(start.name().as_ref()).into_owned());
                    value.clear();
                }
                Ok(Event::Text(text)) => value.push_str(&text.xml_content().unwrap_or_default()),
                Ok(Event::GeneralRef(reference)) => {
                    if let Some(c) = reference.decode().ok().and_then(|n| resolve_entity(&n)) {
                        value.push(c);
                    }
                }
                Ok(Event::End(_)) => {
                    let field = match current.take().as_deref() {
                        Some("Code") => &mut out.code,
                        Some("Message") => &mut out.message,
                        Some("AuthenticationErrorDetail") => &mut out.auth_detail,
                        Some("HeaderName") => &mut out.header_name,
                        _ => continue,
                    };
                    *field = Some(std::mem::take(&mut value).trim().to_owned());
                }
                Ok(Event::Eof) | Err(_) => return out,
                Ok(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (tryout issue, input 11): a TLS set-up failure read "Connect failed: :
    /// could not set up HTTPS: builder errorRefused" (an empty field, a missing space).
    #[test]
    fn an_error_reads_as_one_sentence_whatever_parts_it_has() {
        let mut refused = FilesError::new(ErrorKind::Refused, "Connect", "https://a/");
        assert_eq!(refused.to_string(), "Connect failed: refused before it was sent — https://a/");
        refused.message = Some("could not set up HTTPS: no root certificates".to_owned());
        assert_eq!(refused.to_string(), "Connect failed: could not set up HTTPS: no root certificates — https://a/");
        let mut answered = FilesError::new(ErrorKind::PermissionDenied, "List directory", "https://a/s");
        answered.status = Some(403);
        answered.code = Some("AuthorizationPermissionMismatch".to_owned());
        answered.request_id = Some("rid".to_owned());
        assert_eq!(
            answered.to_string(),
            "List directory failed: 403 AuthorizationPermissionMismatch [request id rid] — https://a/s"
        );
    }

    #[test]
    fn classifies_recorded_errors() {
        let body = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>MissingRequiredHeader</Code><Message>An HTTP header that&apos;s mandatory for this request is not specified.\nRequestId:x\nTime:y</Message><HeaderName>x-ms-file-request-intent</HeaderName></Error>";
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-ms-error-code", "MissingRequiredHeader".parse().unwrap());
        headers.insert("x-ms-request-id", "rid-1".parse().unwrap());
        let error = FilesError::from_response("List directory", "https://a/s", 400, &headers, body.as_bytes());
        assert_eq!(error.kind, ErrorKind::MissingIntent);
        assert_eq!(
            error.message.as_deref(),
            Some("An HTTP header that's mandatory for this request is not specified.")
        );
        assert_eq!(error.request_id.as_deref(), Some("rid-1"));
        assert!(error.to_string().ends_with("— https://a/s"), "{error}");
        let empty = reqwest::header::HeaderMap::new();
        let forbidden = b"<Error><Code>AuthorizationFailure</Code><Message>This request is not authorized to perform this operation.</Message></Error>";
        assert_eq!(FilesError::from_response("x", "u", 403, &empty, forbidden).kind, ErrorKind::NetworkRule);
        let mut challenge = reqwest::header::HeaderMap::new();
        challenge.insert(
            "www-authenticate",
            "Bearer authorization_uri=x error=\"insufficient_claims\" claims=\"eyJ\"".parse().unwrap(),
        );
        assert_eq!(FilesError::from_response("x", "u", 401, &challenge, b"").kind, ErrorKind::ClaimsChallenge);
    }
}
