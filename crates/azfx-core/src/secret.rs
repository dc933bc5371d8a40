//! A string that must never be printed: access tokens, SAS signatures, account keys.
//! `Debug` and `Display` show a short fingerprint instead, so a secret that slips into a
//! log line, an error or a panic message gives nothing away.

use std::fmt;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

/// A secret value. Read it only where it goes on the wire, with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A short, stable, non-reversible label: `sha256:` and 8 hex digits.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.0)
    }
}

/// The fingerprint of any string, as [`Secret::fingerprint`] computes it.
pub fn fingerprint(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    digest.iter().take(4).fold(String::from("sha256:"), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.fingerprint())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.fingerprint())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let secret = Secret::new("eyJhbGciOi.super-secret.sig");
        assert!(!format!("{secret:?} {secret}").contains("super-secret"));
        assert_eq!(secret.fingerprint().len(), "sha256:".len() + 8);
        assert_eq!(secret.expose(), "eyJhbGciOi.super-secret.sig");
    }
}

/// Text with anything secret-shaped replaced: JWT-shaped tokens (`eyJ….….…`) by
/// `<token>`, the value after `Bearer ` by `<redacted>`, SAS signatures (`sig=…`) by
/// `sig=REDACTED`, and `AccountKey=…` values by `<redacted>`. For text azfx did not
/// build itself and writes somewhere lasting: log files and crash reports.
pub fn redact_text(text: &str) -> String {
    let is_token_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '+' | '/' | '=');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let lower = rest.to_ascii_lowercase();
        let next = [("eyj", 0), ("bearer ", 7), ("sig=", 4), ("accountkey=", 11)]
            .iter()
            .filter_map(|(needle, skip)| lower.find(needle).map(|at| (at, *needle, *skip)))
            .min_by_key(|(at, ..)| *at);
        let Some((at, needle, skip)) = next else {
            out.push_str(rest);
            break;
        };
        out.push_str(&rest[..at + skip]);
        let value = &rest[at + skip..];
        let end = match needle {
            "accountkey=" => value.find([';', ' ', '"', '\'', '\n']).unwrap_or(value.len()),
            "sig=" => value.find(['&', ' ', '"', '\'', '\n']).unwrap_or(value.len()),
            _ => value.find(|c: char| !is_token_char(c)).unwrap_or(value.len()),
        };
        let secret = &value[..end];
        let replacement = match needle {
            "eyj" if secret.matches('.').count() >= 2 => "<token>",
            "eyj" => secret,
            "bearer " if secret.starts_with('<') || secret.is_empty() => secret,
            "sig=" => "REDACTED",
            _ => "<redacted>",
        };
        if needle == "eyj" && replacement == "<token>" {
            out.truncate(out.len() - skip);
        }
        out.push_str(replacement);
        rest = &value[end..];
    }
    out
}

#[cfg(test)]
mod redaction_tests {
    use super::redact_text;

    #[test]
    fn secrets_in_free_text_are_replaced() {
        let text = "panic: bad token eyJhbGciOi.eyJzdWIiOiJ4In0.c2lnbmF0dXJl in Authorization: Bearer abc.def-ghi and \
                    https://a.file.core.windows.net/s?sv=2025&sig=abc%2Bdef&se=x; AccountKey=Zm9vYmFy==;EndpointSuffix=x";
        let redacted = redact_text(text);
        for secret in ["eyJhbGciOi", "c2lnbmF0dXJl", "abc.def-ghi", "abc%2Bdef", "Zm9vYmFy"] {
            assert!(!redacted.contains(secret), "{secret} in {redacted}");
        }
        assert!(redacted.contains("<token>") && redacted.contains("sig=REDACTED&se=x"), "{redacted}");
        assert!(redacted.contains("AccountKey=<redacted>;EndpointSuffix=x"), "{redacted}");
        assert_eq!(redact_text("Bearer <sha256:1234abcd> eyJ-not-a-token"), "Bearer <sha256:1234abcd> eyJ-not-a-token");
    }
}
