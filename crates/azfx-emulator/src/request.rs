//! Reading a Files request the way the service does: account from the host or the first
//! path segment, percent-decoded path segments (`%2F` included), case-insensitive query
//! names, name rules, `x-ms-version`, and byte ranges.

use std::collections::HashMap;

use http::{HeaderMap, Method};
use percent_encoding::percent_decode_str;

use super::error::ServiceError;

/// Which listener a request came in on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// Plain HTTP.
    Http,
    /// HTTPS with the emulator's certificate.
    Https,
}

impl Scheme {
    /// `http` or `https`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }
}

/// The version the emulator answers with when the client sends none.
pub(crate) const DEFAULT_VERSION: &str = "2025-11-05";

/// A parsed Files request (without its body).
#[derive(Debug)]
pub(crate) struct FilesRequest {
    /// HTTP method.
    pub method: Method,
    /// Request headers.
    pub headers: HeaderMap,
    /// Raw (still encoded) path, for Shared Key signatures.
    pub raw_path: String,
    /// Storage account.
    pub account: String,
    /// Share, if the path names one.
    pub share: Option<String>,
    /// Path components below the share.
    pub path: Vec<String>,
    /// Query parameters, names lower-cased, values decoded.
    pub query: HashMap<String, String>,
    /// Base URL of the account as this client reaches it, ending in `/`.
    pub service_endpoint: String,
    /// `x-ms-version` as sent, if any.
    pub version: Option<String>,
}

impl FilesRequest {
    /// Parses the head of a request.
    pub(crate) fn parse(parts: &http::request::Parts, scheme: Scheme) -> Result<Self, ServiceError> {
        let host = parts
            .headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned)
            .or_else(|| parts.uri.authority().map(ToString::to_string))
            .unwrap_or_else(|| "127.0.0.1".to_owned());
        let hostname = host.rsplit_once(':').map_or(host.as_str(), |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) { h } else { host.as_str() }
        });
        let path_style =
            hostname == "localhost" || hostname.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok();
        let raw_path = parts.uri.path().to_owned();
        let decoded = percent_decode_str(raw_path.trim_start_matches('/'))
            .decode_utf8()
            .map_err(|_| ServiceError::invalid_uri())?;
        let mut segments = decoded.split('/');
        let (account, service_endpoint) = if path_style {
            let account = segments.next().unwrap_or_default().to_owned();
            let endpoint = format!("{}://{host}/{account}/", scheme.as_str());
            (account, endpoint)
        } else {
            let account = hostname.split('.').next().unwrap_or_default().to_owned();
            (account, format!("{}://{host}/", scheme.as_str()))
        };
        let share = segments.next().filter(|s| !s.is_empty()).map(str::to_owned);
        let path: Vec<String> = segments.filter(|s| !s.is_empty()).map(str::to_owned).collect();
        let query = form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
            .collect();
        let version = parts.headers.get("x-ms-version").and_then(|v| v.to_str().ok()).map(str::to_owned);
        Ok(Self {
            method: parts.method.clone(),
            headers: parts.headers.clone(),
            raw_path,
            account,
            share,
            path,
            query,
            service_endpoint,
            version,
        })
    }

    /// A header's value as text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A query parameter (name in lower case).
    pub(crate) fn query(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    /// Whether the client asked to keep trailing dots in names.
    pub(crate) fn allow_trailing_dot(&self) -> bool {
        self.header("x-ms-allow-trailing-dot").is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// Checks the share name and path components and trims trailing dots unless the
    /// client asked to keep them.
    pub(crate) fn normalize_names(&mut self) -> Result<(), ServiceError> {
        if let Some(share) = &self.share
            && !valid_share_name(share)
        {
            return Err(share_name_error(share));
        }
        let keep_dots = self.allow_trailing_dot();
        for component in &mut self.path {
            if !keep_dots {
                let trimmed = component.trim_end_matches('.').to_owned();
                *component = trimmed;
            }
            if !valid_component(component) {
                return Err(ServiceError::invalid_resource_name());
            }
        }
        if self.path.iter().map(|c| c.len() + 1).sum::<usize>() > 2048 {
            return Err(ServiceError::new(
                http::StatusCode::BAD_REQUEST,
                "InvalidFileOrDirectoryPathName",
                "File or directory path is too long.",
            ));
        }
        if self.path.len() > 250 {
            return Err(ServiceError::new(
                http::StatusCode::BAD_REQUEST,
                "InvalidFileOrDirectoryPathName",
                "File or directory path has too many subdirectories.",
            ));
        }
        Ok(())
    }
}

/// Whether `version` looks like `YYYY-MM-DD`.
pub(crate) fn valid_version(version: &str) -> bool {
    let bytes = version.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() })
}

/// Share names: 3–63 characters, lower-case letters, digits and single hyphens, starting
/// and ending with a letter or digit.
pub(crate) fn valid_share_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
}

fn share_name_error(name: &str) -> ServiceError {
    if (3..=63).contains(&name.len()) {
        ServiceError::invalid_resource_name()
    } else {
        ServiceError::new(
            http::StatusCode::BAD_REQUEST,
            "OutOfRangeInput",
            "The specified resource name length is not within the permissible limits.",
        )
    }
}

pub(crate) use crate::wire::valid_component;

/// An inclusive byte range from `bytes=start-end` (or `bytes=start-`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ByteRange {
    /// First byte.
    pub start: u64,
    /// Last byte, if given.
    pub end: Option<u64>,
}

/// Parses `bytes=start-end`; `None` when malformed.
pub(crate) fn parse_range(value: &str) -> Option<ByteRange> {
    let spec = value.trim().strip_prefix("bytes=")?;
    let (start, end) = spec.split_once('-')?;
    let start: u64 = start.trim().parse().ok()?;
    let end = match end.trim() {
        "" => None,
        e => Some(e.parse::<u64>().ok()?),
    };
    if end.is_some_and(|e| e < start) {
        return None;
    }
    Some(ByteRange { start, end })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_component("report 2024.txt"));
        assert!(!valid_component("a:b"));
        assert!(valid_share_name("projects-2024"));
        assert!(!valid_share_name("Projects"));
        assert!(!valid_share_name("a--b"));
        assert!(!valid_share_name("ab"));
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-511"), Some(ByteRange { start: 0, end: Some(511) }));
        assert_eq!(parse_range("bytes=10-"), Some(ByteRange { start: 10, end: None }));
        assert_eq!(parse_range("bytes=5-1"), None);
        assert_eq!(parse_range("items=0-1"), None);
        assert_eq!(parse_range("bytes=a-b"), None);
    }

    #[test]
    fn versions() {
        assert!(valid_version("2026-10-06"));
        assert!(!valid_version("2026-1-06"));
        assert!(!valid_version("latest"));
    }
}
