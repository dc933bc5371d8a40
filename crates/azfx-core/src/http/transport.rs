//! Why no HTTP answer arrived, in kinds support staff can act on (DNS, connect, TLS,
//! timeout, reset), and a one-line description that never repeats the URL (which may
//! carry a SAS).

use serde::Serialize;

/// Why no HTTP answer arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TransportKind {
    /// The host name did not resolve.
    Dns,
    /// TCP connection refused or unreachable.
    Connect,
    /// The TLS handshake failed (certificate, intercepting proxy).
    Tls,
    /// No answer in time.
    Timeout,
    /// The connection dropped mid-request or mid-body.
    Reset,
    /// Something else.
    Other,
}

impl TransportKind {
    /// Classifies a `reqwest` failure (its error chain is read, since `reqwest` has no
    /// DNS or TLS flag of its own).
    pub fn of(error: &reqwest::Error) -> Self {
        let text = format!("{error:?}").to_ascii_lowercase();
        if error.is_timeout() {
            Self::Timeout
        } else if text.contains("dns error")
            || text.contains("failed to lookup")
            || text.contains("name or service not known")
        {
            Self::Dns
        } else if text.contains("certificate") || text.contains("tls") || text.contains("handshake") {
            Self::Tls
        } else if error.is_connect() {
            Self::Connect
        } else if error.is_body()
            || error.is_decode()
            || text.contains("reset")
            || text.contains("incomplete")
            || text.contains("closed")
            || text.contains("broken pipe")
        {
            Self::Reset
        } else {
            Self::Other
        }
    }

    /// Whether an idempotent request may be sent again after this failure.
    pub fn retryable(self) -> bool {
        matches!(self, Self::Reset | Self::Timeout | Self::Connect | Self::Other)
    }
}

/// A one-line description of a transport error with its chain of causes, without the URL.
pub fn describe(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else if error.is_body() || error.is_decode() {
        "the connection dropped while reading the answer".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Why a client could not be built, with the chain of causes (reqwest says only "builder
/// error" at the top: the cause, a bad certificate or TLS setting, is below it).
pub fn describe_setup(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = String::new();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    if text.is_empty() { error.to_string() } else { text }
}
