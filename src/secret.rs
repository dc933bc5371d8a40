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
