//! Where an account's file service is: `https://{account}.file.core.windows.net`, the
//! sovereign clouds' suffixes, a private-endpoint host, a connection string's
//! `FileEndpoint=`, a bare account name, or the emulator's path-style
//! `http(s)://127.0.0.1:PORT/{account}`. Builds request URLs with each path segment
//! percent-encoded.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Url;

/// Characters escaped in a path segment (all but unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Why an endpoint could not be understood.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// Not a URL, account name or connection string.
    #[error("{0:?} is not a storage account name, file endpoint URL or connection string")]
    Unrecognized(String),
    /// A URL that names no share.
    #[error("{0:?} names no share: add /SHARE[/PATH] to the endpoint")]
    NoShare(String),
    /// A URL with no way to tell the account.
    #[error("cannot tell the account name from {0:?}")]
    NoAccount(String),
    /// A raw `#` or `?` in a share URL: as a URL it would silently cut the path short.
    #[error(
        "{input:?} has a raw {character:?}: everything after the share is a path, so write it as {escaped} (a URL would drop what follows it)"
    )]
    ReservedCharacter {
        /// The URL as typed.
        input: String,
        /// `#` or `?`.
        character: char,
        /// Its escape, `%23` or `%3F`.
        escaped: &'static str,
    },
    /// A `.` or `..` path segment (a URL would silently resolve it to another path).
    #[error("{0:?} has a \".\" or \"..\" segment: name the path without them")]
    DotSegment(String),
}

/// A place named in the path field (`Endpoint::parse_location`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The account, when the text named one (a URL or UNC path).
    pub endpoint: Option<Endpoint>,
    /// The share, when the text named one; `None`: the open share.
    pub share: Option<String>,
    /// The folder in the share, `/`-separated, no leading slash (`""`: its root).
    pub path: String,
}

/// An account's file endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Base URL ending in `/` (includes the account segment when path-style).
    pub base: Url,
    /// Account name.
    pub account: String,
}

fn valid_account(name: &str) -> bool {
    (3..=24).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

impl Endpoint {
    /// Parses any of the accepted forms.
    pub fn parse(input: &str) -> Result<Self, EndpointError> {
        let input = input.trim();
        if input.contains('=') && input.contains(';')
            || input.starts_with("FileEndpoint=")
            || input.starts_with("AccountName=")
        {
            return Self::from_connection_string(input);
        }
        if valid_account(input) {
            return Self::from_url(&format!("https://{input}.file.core.windows.net/"));
        }
        Self::from_url(input)
    }

    fn from_connection_string(input: &str) -> Result<Self, EndpointError> {
        let field = |name: &str| {
            input.split(';').find_map(|part| {
                let (key, value) = part.split_once('=')?;
                key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
            })
        };
        if let Some(endpoint) = field("FileEndpoint") {
            let mut parsed = Self::from_url(&endpoint)?;
            if let Some(account) = field("AccountName") {
                parsed.account = account;
            }
            return Ok(parsed);
        }
        let account =
            field("AccountName").ok_or_else(|| EndpointError::Unrecognized(redact_connection_string(input)))?;
        let protocol = field("DefaultEndpointsProtocol").unwrap_or_else(|| "https".to_owned());
        let suffix = field("EndpointSuffix").unwrap_or_else(|| "core.windows.net".to_owned());
        Self::from_url(&format!("{protocol}://{account}.file.{suffix}/"))
    }

    fn from_url(input: &str) -> Result<Self, EndpointError> {
        let mut url = Url::parse(input).map_err(|_| EndpointError::Unrecognized(input.to_owned()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(EndpointError::Unrecognized(input.to_owned()));
        }
        url.set_query(None);
        url.set_fragment(None);
        let host = url.host_str().unwrap_or_default().to_owned();
        let path_style = host == "localhost" || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok();
        let account = if path_style {
            let first = url.path_segments().and_then(|mut s| s.next()).unwrap_or_default().to_owned();
            url.set_path(&format!("/{first}/"));
            first
        } else {
            url.set_path("/");
            host.split('.').next().unwrap_or_default().to_owned()
        };
        if account.is_empty() {
            return Err(EndpointError::NoAccount(input.to_owned()));
        }
        Ok(Self { base: url, account })
    }

    /// Splits a URL naming a share and path (`https://acct.file.core.windows.net/share/dir`,
    /// `http://127.0.0.1:10000/acct/share/dir`) into the endpoint, the share and the path.
    ///
    /// The rule (one for every command): what follows the host is a path, percent-escapes
    /// are decoded (`%23` → `#`, `%3F` → `?`, `%25` → `%`), and a raw `#` or `?`, or a
    /// `.`/`..` segment, is refused rather than read as a URL's fragment, query or
    /// relative step, which would silently name another file.
    pub fn split_resource(input: &str) -> Result<(Self, String, String), EndpointError> {
        let trimmed = input.trim();
        let after_scheme = trimmed.split_once("://").map_or(trimmed, |(_, rest)| rest);
        for (character, escaped) in [('#', "%23"), ('?', "%3F")] {
            if after_scheme.contains(character) {
                return Err(EndpointError::ReservedCharacter { input: trimmed.to_owned(), character, escaped });
            }
        }
        // `%2e` spells a dot for a URL parser too.
        let dots = |segment: &str| matches!(segment.to_ascii_lowercase().replace("%2e", ".").as_str(), "." | "..");
        if after_scheme.split('/').skip(1).any(dots) {
            return Err(EndpointError::DotSegment(trimmed.to_owned()));
        }
        let endpoint = Self::parse(input)?;
        let url = Url::parse(input.trim()).map_err(|_| EndpointError::Unrecognized(input.to_owned()))?;
        let rest = url.path().strip_prefix(endpoint.base.path()).unwrap_or_default();
        let mut parts = rest
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned());
        let share = parts.next().ok_or_else(|| EndpointError::NoShare(input.to_owned()))?;
        Ok((endpoint, share, parts.collect::<Vec<_>>().join("/")))
    }

    /// Whether the file endpoints `a` and `b` (as text) name the same account: the same
    /// account on the same host and port, or the same account name on this machine
    /// (an emulator, whose port changes each time it starts). Unparsable text matches
    /// only itself.
    pub fn same_account(a: &str, b: &str) -> bool {
        match (Self::parse(a), Self::parse(b)) {
            (Ok(a), Ok(b)) => {
                a.account == b.account
                    && ((a.is_loopback() && b.is_loopback())
                        || (a.base.host_str() == b.base.host_str()
                            && a.base.port_or_known_default() == b.base.port_or_known_default()))
            }
            _ => a == b,
        }
    }

    /// Reads a location as a person types or pastes it into the path field (Ctrl+L), in
    /// any form azfx itself shows: a URL (`https://acct.file.core.windows.net/share/dir`,
    /// or an emulator's path-style one, as Copy URL gives), a UNC path
    /// (`\\acct.file.core.windows.net\share\dir`, as `net use` and Explorer show it),
    /// `/share/dir` (as Copy path gives), `share/dir` when `share` is one of `shares`, or
    /// else a folder of the open share (`dir/sub`).
    ///
    /// Errors: a URL or UNC path `split_resource` refuses (no share, `#`, `?`, dot
    /// segments), or a `.`/`..` segment in a share path.
    pub fn parse_location(text: &str, shares: &[String]) -> Result<Location, EndpointError> {
        let text = text.trim();
        let url = if let Some(unc) = text.strip_prefix("\\\\").or_else(|| text.strip_prefix("//")) {
            Some(format!("https://{}", unc.replace('\\', "/")))
        } else if text.contains("://") {
            Some(text.to_owned())
        } else {
            None
        };
        if let Some(url) = url {
            let (endpoint, share, path) = Self::split_resource(&url)?;
            return Ok(Location { endpoint: Some(endpoint), share: Some(share), path });
        }
        let slashed = text.replace('\\', "/");
        let segments: Vec<&str> = slashed.split('/').filter(|s| !s.is_empty()).collect();
        if segments.iter().any(|s| matches!(*s, "." | "..")) {
            return Err(EndpointError::DotSegment(text.to_owned()));
        }
        let named_share = slashed.starts_with('/') || segments.first().is_some_and(|s| shares.iter().any(|n| n == s));
        Ok(match segments.split_first() {
            Some((share, rest)) if named_share => {
                Location { endpoint: None, share: Some((*share).to_owned()), path: rest.join("/") }
            }
            _ => Location { endpoint: None, share: None, path: segments.join("/") },
        })
    }

    /// Whether requests go over TLS, whose authenticated encryption already detects any
    /// byte changed in transit: transactional range MD5s (`Content-MD5` on Put Range,
    /// `x-ms-range-get-content-md5` on Get File) are then left out, as Azure's own SDKs
    /// do by default (`validate_content=False`); over plain HTTP they are sent.
    pub fn is_tls(&self) -> bool {
        self.base.scheme() == "https"
    }

    /// Whether the host is an Azure Files endpoint (`*.file.core.windows.net`, or the
    /// China and US Government clouds' `*.file.core.chinacloudapi.cn`,
    /// `*.file.core.usgovcloudapi.net`) or this machine (an emulator): where a storage
    /// token may go without the user naming the host on the connect page.
    pub fn is_azure_files(&self) -> bool {
        const SUFFIXES: [&str; 3] =
            [".file.core.windows.net", ".file.core.chinacloudapi.cn", ".file.core.usgovcloudapi.net"];
        let host = self.base.host_str().unwrap_or_default().to_ascii_lowercase();
        self.is_loopback() || SUFFIXES.iter().any(|suffix| host.ends_with(suffix))
    }

    /// Whether the host is this machine (plain HTTP is allowed for bearer tokens only then).
    pub fn is_loopback(&self) -> bool {
        match self.base.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        }
    }

    /// URL of the service root (`?comp=list` goes here).
    pub fn service_url(&self) -> Url {
        self.base.clone()
    }

    /// The share a URL on this endpoint names (its first path segment after the account's
    /// base, percent-decoded), if it names one.
    pub fn share_of(&self, url: &str) -> Option<String> {
        let rest = url.strip_prefix(self.base.as_str().trim_end_matches('/'))?.trim_start_matches('/');
        let segment = rest.split(['/', '?']).next().filter(|s| !s.is_empty())?;
        Some(percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned())
    }

    /// URL of a share, or of a path inside it (`path` is `/`-separated, may be empty).
    pub fn url(&self, share: &str, path: &str) -> Url {
        let mut text = self.base.as_str().to_owned();
        text.push_str(&utf8_percent_encode(share, SEGMENT).to_string());
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            text.push('/');
            text.push_str(&utf8_percent_encode(segment, SEGMENT).to_string());
        }
        Url::parse(&text).unwrap_or_else(|_| self.base.clone())
    }
}

/// A connection string with its `AccountKey` and `SharedAccessSignature` values removed.
pub fn redact_connection_string(input: &str) -> String {
    input
        .split(';')
        .map(|part| match part.split_once('=') {
            Some((key, _))
                if key.trim().eq_ignore_ascii_case("AccountKey")
                    || key.trim().eq_ignore_ascii_case("SharedAccessSignature") =>
            {
                format!("{key}=<redacted>")
            }
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_endpoint_form() {
        let e = Endpoint::parse("mystorage").unwrap();
        assert_eq!(e.base.as_str(), "https://mystorage.file.core.windows.net/");
        assert_eq!(e.account, "mystorage");
        let e = Endpoint::parse("https://gov1.file.core.usgovcloudapi.net").unwrap();
        assert_eq!((e.account.as_str(), e.base.as_str()), ("gov1", "https://gov1.file.core.usgovcloudapi.net/"));
        let e = Endpoint::parse("https://acct.privatelink.file.core.windows.net/").unwrap();
        assert_eq!(e.account, "acct");
        let e = Endpoint::parse(
            "DefaultEndpointsProtocol=https;AccountName=cn1;AccountKey=abc==;EndpointSuffix=core.chinacloudapi.cn",
        )
        .unwrap();
        assert_eq!(e.base.as_str(), "https://cn1.file.core.chinacloudapi.cn/");
        let e = Endpoint::parse("AccountName=dev;FileEndpoint=http://127.0.0.1:10000/dev;").unwrap();
        assert_eq!((e.account.as_str(), e.base.as_str()), ("dev", "http://127.0.0.1:10000/dev/"));
        assert!(e.is_loopback());
        let e = Endpoint::parse("https://127.0.0.1:4443/azfxdemo").unwrap();
        assert_eq!(e.url("projects", "a b/c%d").as_str(), "https://127.0.0.1:4443/azfxdemo/projects/a%20b/c%25d");
        assert!(Endpoint::parse("ftp://x").is_err());
        let (e, share, path) = Endpoint::split_resource("https://acct.file.core.windows.net/data/a%20b/c.txt").unwrap();
        assert_eq!((e.account.as_str(), share.as_str(), path.as_str()), ("acct", "data", "a b/c.txt"));
        let (e, share, path) = Endpoint::split_resource("http://127.0.0.1:9/dev/data").unwrap();
        assert_eq!((e.account.as_str(), share.as_str(), path.as_str()), ("dev", "data", ""));
        assert!(!redact_connection_string("AccountName=a;AccountKey=secret").contains("secret"));
    }

    /// Regression (tryout issue, input 4): the path field read everything relative to the
    /// open share, so azfx's own Copy path and Copy URL texts opened the wrong place.
    #[test]
    fn the_path_field_reads_every_form_azfx_shows() {
        let shares = vec!["projects".to_owned(), "archive".to_owned()];
        let read = |text: &str| Endpoint::parse_location(text, &shares).unwrap();
        let here = |share: Option<&str>, path: &str| Location {
            endpoint: None,
            share: share.map(str::to_owned),
            path: path.to_owned(),
        };
        assert_eq!(read("/projects/reports/2026"), here(Some("projects"), "reports/2026"));
        assert_eq!(read("archive/2025"), here(Some("archive"), "2025"));
        assert_eq!(read("reports/2026"), here(None, "reports/2026"), "not a share: a folder of the open one");
        assert_eq!(read("/"), here(None, ""));
        assert_eq!(read("  /other/x/ "), here(Some("other"), "x"), "a leading slash names a share");
        let url = read("https://azfxdemo.file.core.windows.net/projects/reports/my%20file");
        assert_eq!(url.endpoint.map(|e| e.account), Some("azfxdemo".to_owned()));
        assert_eq!((url.share.as_deref(), url.path.as_str()), (Some("projects"), "reports/my file"));
        let emulator = read("https://127.0.0.1:43375/azfxdemo/projects/reports");
        assert_eq!(emulator.endpoint.map(|e| e.base.to_string()), Some("https://127.0.0.1:43375/azfxdemo/".to_owned()));
        assert_eq!((emulator.share.as_deref(), emulator.path.as_str()), (Some("projects"), "reports"));
        let unc = read(r"\\azfxfinance.file.core.windows.net\ledger\2026\q1");
        assert_eq!(unc.endpoint.map(|e| e.account), Some("azfxfinance".to_owned()));
        assert_eq!((unc.share.as_deref(), unc.path.as_str()), (Some("ledger"), "2026/q1"));
        assert!(Endpoint::parse_location("/projects/../archive", &shares).is_err());
        let host = |url: &str| Endpoint::parse(url).unwrap().is_azure_files();
        assert!(host("https://acct.file.core.windows.net") && host("https://gov.file.core.usgovcloudapi.net"));
        assert!(host("http://127.0.0.1:10000/acct") && !host("https://attacker.example/acct"));
        assert!(!host("https://file.core.windows.net.attacker.example/acct"), "a suffix, not a substring");
        assert!(Endpoint::parse_location("https://azfxdemo.file.core.windows.net/projects/a#b", &shares).is_err());
    }
}
