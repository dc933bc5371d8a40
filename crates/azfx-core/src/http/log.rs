//! The request log: every HTTP exchange azfx makes (token requests, Files requests, each
//! retry) as one redacted entry, in a bounded ring buffer owned by the worker, with a
//! listener that forwards new entries (the worker turns them into UI events). Tokens,
//! SAS signatures, keys and the App Service identity secret never enter an entry.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;
use time::OffsetDateTime;

use crate::secret::fingerprint;

/// What kind of endpoint an exchange went to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ExchangeKind {
    /// A token endpoint (IMDS, App Service, Azure CLI).
    Token,
    /// The Azure Files REST API.
    Files,
    /// Azure Resource Manager (discovery).
    Arm,
}

/// One HTTP exchange (one attempt).
#[derive(Clone, Debug, Serialize)]
pub struct LogEntry {
    /// Position in the log, increasing.
    pub sequence: u64,
    /// When the request started.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// Token or Files.
    pub kind: ExchangeKind,
    /// What azfx was doing (`List directory`, `IMDS token`).
    pub operation: String,
    /// HTTP method.
    pub method: String,
    /// URL with any SAS signature removed.
    pub url: String,
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// `x-ms-error-code` (or the identity endpoint's `error`).
    pub error_code: Option<String>,
    /// `x-ms-request-id`.
    pub request_id: Option<String>,
    /// `x-ms-client-request-id` azfx sent.
    pub client_request_id: Option<String>,
    /// Time until the response (or failure).
    pub duration_ms: u64,
    /// Request body bytes.
    pub bytes_sent: u64,
    /// Response body bytes read.
    pub bytes_received: u64,
    /// 1 for the first attempt, 2 for the first retry, …
    pub attempt: u32,
    /// Fingerprint of the bearer token used, if any.
    pub token_fingerprint: Option<String>,
    /// Request headers, secrets replaced.
    pub request_headers: Vec<(String, String)>,
    /// Response headers.
    pub response_headers: Vec<(String, String)>,
    /// Error body (first 4 KiB), for failed requests.
    pub error_body: Option<String>,
    /// Transport failure (DNS, connect, TLS, timeout, reset), if no response arrived.
    pub transport_error: Option<String>,
    /// The kind of that transport failure.
    pub transport_kind: Option<super::TransportKind>,
    /// A failure that is the answer the caller asked for, not an error to look at: an
    /// existence check's 404 (is the name free?), the access check's own refusals (its
    /// panel reports them). Never counted as an error.
    pub expected: bool,
    /// Set once a later attempt of the same request succeeded (a throttled request sent
    /// again, a 401 healed by a new token): nothing to do.
    pub recovered: Option<Recovery>,
}

/// How a failed attempt was made good by a later one of the same request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Recovery {
    /// What the first failed attempt got (`503 ServerBusy`, a transport error).
    pub failed: String,
    /// The attempt that succeeded (2 for the first retry).
    pub attempt: u32,
    /// Its `x-ms-request-id`, to find it in the log and in the service's.
    pub request_id: Option<String>,
    /// Whether a new token was fetched first (after a 401).
    pub token_refreshed: bool,
}

/// What the request log tells its listener.
#[derive(Clone, Copy, Debug)]
pub enum LogNews<'a> {
    /// A new entry.
    Recorded(&'a LogEntry),
    /// These earlier entries (by sequence) failed, and a later attempt succeeded.
    Recovered(&'a [u64], &'a Recovery),
}

impl LogEntry {
    /// The entry for one attempt about to be sent: `url` already redacted, headers as
    /// `redact_headers` gives them. Status, timings and sizes are filled in as the answer
    /// arrives; `sequence` is assigned by `RequestLog::record`.
    pub fn begin(
        kind: ExchangeKind,
        operation: &str,
        method: &str,
        url: String,
        attempt: u32,
        request_headers: Vec<(String, String)>,
    ) -> Self {
        Self {
            sequence: 0,
            started_at: OffsetDateTime::now_utc(),
            kind,
            operation: operation.to_owned(),
            method: method.to_owned(),
            url,
            status: None,
            error_code: None,
            request_id: None,
            client_request_id: None,
            duration_ms: 0,
            bytes_sent: 0,
            bytes_received: 0,
            attempt,
            token_fingerprint: None,
            request_headers,
            response_headers: Vec::new(),
            error_body: None,
            transport_error: None,
            transport_kind: None,
            expected: false,
            recovered: None,
        }
    }

    /// A response header by (lowercase) name.
    pub fn response_header(&self, name: &str) -> Option<&str> {
        self.response_headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Whether the exchange failed (no answer, or a status of 400 or more).
    pub fn failed(&self) -> bool {
        self.status.is_none_or(|status| status >= 400)
    }

    /// What the exchange got, in a few words: `503 ServerBusy`, `200`, or the transport
    /// error.
    pub fn outcome(&self) -> String {
        match (self.status, self.error_code.as_deref()) {
            (Some(status), Some(code)) => format!("{status} {code}"),
            (Some(status), None) => status.to_string(),
            (None, _) => self.transport_error.clone().unwrap_or_else(|| "no answer".to_owned()),
        }
    }

    /// Whether a person should look at it: it failed, was not the answer its caller
    /// asked for, and no later attempt made it good.
    pub fn is_error(&self) -> bool {
        self.failed() && !self.expected && self.recovered.is_none()
    }
}

/// The failed attempts of one request so far, which a later success (or an expected
/// answer) makes good: what each HTTP client of azfx keeps while it retries.
#[derive(Debug, Default)]
pub struct Attempts {
    sequences: Vec<u64>,
    first_failure: Option<String>,
}

impl Attempts {
    /// Records the failed attempt `entry` in `log`.
    pub fn failed(&mut self, log: &RequestLog, entry: LogEntry) {
        self.first_failure.get_or_insert_with(|| entry.outcome());
        self.sequences.push(log.record(entry));
    }

    /// Records `entry`, the attempt that ended the request well (`attempt`, after a new
    /// token when `token_refreshed`), and marks the failed ones before it recovered.
    pub fn made_good(&mut self, log: &RequestLog, entry: LogEntry, token_refreshed: bool) {
        let recovery = Recovery {
            failed: self.first_failure.take().unwrap_or_default(),
            attempt: entry.attempt,
            request_id: entry.request_id.clone(),
            token_refreshed,
        };
        log.record(entry);
        log.recovered(&std::mem::take(&mut self.sequences), &recovery);
    }
}

type Listener = Box<dyn Fn(LogNews<'_>) + Send + Sync>;

/// Bounded log of exchanges, shared by the token sources and the Files client.
pub struct RequestLog {
    capacity: usize,
    entries: Mutex<VecDeque<LogEntry>>,
    next_sequence: AtomicU64,
    listener: Mutex<Option<Listener>>,
}

impl std::fmt::Debug for RequestLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestLog").field("capacity", &self.capacity).finish_non_exhaustive()
    }
}

impl RequestLog {
    /// A log keeping the newest `capacity` entries.
    pub fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Self {
            capacity: capacity.max(1),
            entries: Mutex::new(VecDeque::new()),
            next_sequence: AtomicU64::new(1),
            listener: Mutex::new(None),
        })
    }

    /// Calls `listener` with every entry recorded, and every recovery, from now on.
    pub fn set_listener(&self, listener: impl Fn(LogNews<'_>) + Send + Sync + 'static) {
        *self.listener.lock().unwrap_or_else(PoisonError::into_inner) = Some(Box::new(listener));
    }

    /// Records an entry (its sequence number is assigned here, and answered).
    pub fn record(&self, mut entry: LogEntry) -> u64 {
        let sequence = self.next_sequence.fetch_add(1, Ordering::Relaxed);
        entry.sequence = sequence;
        if let Some(listener) = self.listener.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            listener(LogNews::Recorded(&entry));
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
        sequence
    }

    /// Marks the failed attempts `sequences` as made good by `recovery` (a later attempt
    /// of the same request succeeded) and tells the listener.
    pub fn recovered(&self, sequences: &[u64], recovery: &Recovery) {
        if sequences.is_empty() {
            return;
        }
        {
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            for entry in entries.iter_mut().filter(|e| sequences.contains(&e.sequence)) {
                entry.recovered = Some(recovery.clone());
            }
        }
        if let Some(listener) = self.listener.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            listener(LogNews::Recovered(sequences, recovery));
        }
    }

    /// Every entry kept, oldest first.
    pub fn snapshot(&self) -> Vec<LogEntry> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).iter().cloned().collect()
    }
}

/// The URL with SAS signature values replaced.
pub fn redact_url(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let redacted: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if name.eq_ignore_ascii_case("sig") => format!("{name}=REDACTED"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", redacted.join("&"))
}

/// Headers as pairs, with `Authorization` reduced to its scheme and a fingerprint and
/// identity-endpoint secrets removed.
pub fn redact_headers(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = value.to_str().unwrap_or("<binary>");
            let shown = match name.as_str() {
                "authorization" => match value.split_once(' ') {
                    Some(("Bearer", token)) => format!("Bearer <{}>", fingerprint(token)),
                    Some(("SharedKey", credential)) => {
                        let account = credential.split(':').next().unwrap_or_default();
                        format!("SharedKey {account}:<signature>")
                    }
                    _ => "<redacted>".to_owned(),
                },
                "x-identity-header" | "x-ms-copy-source-authorization" => "<redacted>".to_owned(),
                _ => value.to_owned(),
            };
            (name.as_str().to_owned(), shown)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_sas_and_authorization() {
        assert_eq!(
            redact_url("https://a.file.core.windows.net/s/f?sv=2025-05-05&sig=abc%2Bdef&sp=r"),
            "https://a.file.core.windows.net/s/f?sv=2025-05-05&sig=REDACTED&sp=r"
        );
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("authorization", "Bearer eyJ.secret.part".parse().unwrap());
        headers.insert("x-identity-header", "app-secret".parse().unwrap());
        let shown = format!("{:?}", redact_headers(&headers));
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("Bearer <sha256:"));
    }
}
