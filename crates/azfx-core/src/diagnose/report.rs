//! What support staff copy out of azfx: a request as a curl command (the token replaced by
//! `$TOKEN`, with the line that fetches it from IMDS), the request log as JSON lines, and
//! the diagnostic bundle. Secrets never reach these: entries are redacted when logged,
//! and the bundle holds claims and fingerprints, never tokens.

use serde::Serialize;

use super::check::Report;
use crate::auth::Claims;
use crate::http::LogEntry;

/// Headers a curl command does not need to repeat.
const SKIPPED: [&str; 5] = ["authorization", "content-length", "x-ms-date", "host", "accept-encoding"];

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The request as a curl command; `$TOKEN` stands for the bearer token.
pub fn curl(entry: &LogEntry) -> String {
    let bearer = entry.request_headers.iter().any(|(n, v)| n == "authorization" && v.starts_with("Bearer"));
    let mut lines = Vec::new();
    if bearer {
        lines.push(
            "TOKEN=$(curl -s -H 'Metadata: true' 'http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fstorage.azure.com%2F' | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')"
                .to_owned(),
        );
    }
    if entry.url.contains("sig=REDACTED") {
        lines.push("# put your SAS signature in place of sig=REDACTED".to_owned());
    }
    let mut command = format!("curl -i -X {} {}", entry.method, quote(&entry.url));
    for (name, value) in &entry.request_headers {
        if !SKIPPED.contains(&name.as_str()) {
            command.push_str(" \\\n  -H ");
            command.push_str(&quote(&format!("{name}: {value}")));
        }
    }
    if bearer {
        command.push_str(" \\\n  -H \"Authorization: Bearer $TOKEN\"");
    }
    if entry.bytes_sent > 0 {
        command.push_str(" \\\n  --data-binary @body.bin  # ");
        command.push_str(&entry.bytes_sent.to_string());
        command.push_str(" bytes");
    }
    lines.push(command);
    lines.join("\n")
}

/// The log as JSON lines, oldest first.
pub fn json_lines(entries: &[LogEntry]) -> String {
    entries.iter().filter_map(|e| serde_json::to_string(e).ok()).map(|line| line + "\n").collect()
}

/// A proxy URL without any `user:password@`.
pub fn redact_proxy(value: &str) -> String {
    match (value.find("://"), value.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}<credentials>@{}", &value[..scheme_end + 3], &value[at + 1..])
        }
        _ => value.to_owned(),
    }
}

/// Everything support needs in one file.
#[derive(Debug, Serialize)]
pub struct Bundle<'a> {
    /// azfx version.
    pub azfx_version: &'static str,
    /// Operating system and architecture.
    pub os: String,
    /// Proxy environment (credentials removed).
    pub proxy_environment: Vec<(String, String)>,
    /// Endpoint connected to.
    pub endpoint: Option<String>,
    /// Where the credential came from.
    pub credential: Option<String>,
    /// Token claims (never the token).
    pub claims: Option<Claims>,
    /// Token fingerprint.
    pub token_fingerprint: Option<String>,
    /// Token expiry (Unix seconds).
    pub token_expires_on: Option<i64>,
    /// The last access check.
    pub access_check: Option<&'a Report>,
    /// The request log.
    pub requests: &'a [LogEntry],
}

impl Bundle<'_> {
    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_uses_token_variable_and_skips_secrets() {
        let mut entry = LogEntry::begin(
            crate::http::ExchangeKind::Files,
            "List directory",
            "GET",
            "https://a.file.core.windows.net/s?restype=directory&comp=list".into(),
            1,
            vec![
                ("authorization".into(), "Bearer <sha256:1234abcd>".into()),
                ("x-ms-version".into(), "2025-05-05".into()),
                ("x-ms-file-request-intent".into(), "backup".into()),
            ],
        );
        entry.status = Some(403);
        entry.token_fingerprint = Some("sha256:1234abcd".into());
        let text = curl(&entry);
        assert!(text.starts_with("TOKEN=$(curl -s -H 'Metadata: true'"));
        assert!(text.contains("-H \"Authorization: Bearer $TOKEN\""));
        assert!(text.contains("-H 'x-ms-file-request-intent: backup'"));
        assert!(!text.contains("sha256:1234abcd"));
        assert_eq!(redact_proxy("http://user:secret@proxy:3128"), "http://<credentials>@proxy:3128");
    }
}
