//! The service's wire formats, written here from its documentation rather than shared with
//! the client, so a client that formats or parses them wrongly fails against the emulator
//! instead of agreeing with itself: RFC 1123 dates (`Date`, `Last-Modified`), ISO 8601 with
//! seven fractional digits (`x-ms-file-*-time`, listings), .NET ticks as `ETag`s, XML
//! escaping, file and directory name rules and the case folding of a case-insensitive
//! namespace.
//!
//! Sources: the Azure Files REST reference (`Get File Properties`, `List Directories and
//! Files`), "Naming and Referencing Shares, Directories, Files, and Metadata" (Microsoft
//! Learn), and the recordings in `shared/recordings/`.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// `Tue, 13 Feb 2024 04:22:01 GMT`.
pub(crate) fn rfc1123(at: OffsetDateTime) -> String {
    httpdate::fmt_http_date(at.into())
}

/// `2025-08-11T05:37:15.9769429Z`: UTC, exactly seven fractional digits.
pub(crate) fn iso7(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7]Z");
    at.to_offset(time::UtcOffset::UTC).format(format).unwrap_or_default()
}

/// An RFC 3339 timestamp as clients send them (`x-ms-file-last-write-time`, a SAS's `se`).
pub(crate) fn parse_iso(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).ok()
}

/// 100 ns intervals since 0001-01-01T00:00:00Z, the .NET clock behind the service's
/// `ETag`s (`"0x8DB82D35D34B121"`).
pub(crate) fn dotnet_ticks(at: OffsetDateTime) -> u64 {
    /// Ticks at 1970-01-01T00:00:00Z.
    const UNIX_EPOCH: i128 = 621_355_968_000_000_000;
    u64::try_from(UNIX_EPOCH + at.unix_timestamp_nanos() / 100).unwrap_or_default()
}

/// The `ETag` the service writes for a change at `ticks`, quotes included.
pub(crate) fn etag_from_ticks(ticks: u64) -> String {
    format!("\"0x{ticks:X}\"")
}

/// Element text: `&`, `<` and `>` escaped; quotes kept, as in the service's own bodies
/// (`<Etag>"0x8D…"</Etag>`).
pub(crate) fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::partial_escape(text)
}

/// A double-quoted attribute value: `&`, `<`, `>` and `"` escaped; apostrophes kept, as
/// the service writes `DirectoryPath="Bob's"`.
pub(crate) fn escape_attr(text: &str) -> std::borrow::Cow<'_, str> {
    match quick_xml::escape::partial_escape(text) {
        escaped if escaped.contains('"') => std::borrow::Cow::Owned(escaped.replace('"', "&quot;")),
        escaped => escaped,
    }
}

/// The body without the UTF-8 byte-order mark some clients (and the service) put first.
pub(crate) fn strip_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
}

/// Whether the service accepts `name` as one path component of a file or directory:
/// 1-255 characters; none of `" \ / : | < > * ?`, control characters or U+0081; not `.`,
/// `..`, `CON`, `PRN`, `AUX`, `NUL`, `CLOCK$`, `COM1`-`COM9` or `LPT1`-`LPT9` (the
/// naming reference's list, compared without case).
pub(crate) fn valid_component(name: &str) -> bool {
    const DEVICES: [&str; 5] = ["CON", "PRN", "AUX", "NUL", "CLOCK$"];
    let length = name.chars().count();
    let bad_char = |c: char| "\"\\/:|<>*?\u{81}".contains(c) || u32::from(c) < 0x20;
    let upper = name.to_uppercase();
    let numbered = |prefix: &str| {
        upper.strip_prefix(prefix).is_some_and(|n| n.len() == 1 && matches!(n.as_bytes()[0], b'1'..=b'9'))
    };
    (1..=255).contains(&length)
        && !name.trim().is_empty()
        && !name.chars().any(bad_char)
        && name != "."
        && name != ".."
        && !DEVICES.contains(&upper.as_str())
        && !numbered("COM")
        && !numbered("LPT")
}

/// The key two names that differ only in case share: each character upper-cased where
/// that gives one character (as the service's case-insensitive namespace compares; `ß`
/// stays `ß`).
pub(crate) fn fold_case(name: &str) -> String {
    let mut folded = String::with_capacity(name.len());
    for c in name.chars() {
        let mut upper = c.to_uppercase();
        match (upper.next(), upper.len()) {
            (Some(single), 0) => folded.push(single),
            _ => folded.push(c),
        }
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_the_service_writes_them() {
        let at = time::macros::datetime!(2025-08-11 05:37:15.976_942_9 UTC);
        assert_eq!(iso7(at), "2025-08-11T05:37:15.9769429Z");
        assert_eq!(rfc1123(at), "Mon, 11 Aug 2025 05:37:15 GMT");
        assert_eq!(parse_iso("2025-08-11T05:37:15.9769429Z"), Some(at));
        assert_eq!(etag_from_ticks(dotnet_ticks(at)), "\"0x8DDD899217AC955\"");
    }

    #[test]
    fn names_by_the_naming_reference() {
        for good in ["report.pdf", "a", "COM0", "com10", "CONSOLE", "ß.txt", &"n".repeat(255)] {
            assert!(valid_component(good), "{good}");
        }
        for bad in ["", " ", ".", "..", "a:b", "a\u{1}", "a\u{81}", "con", "Lpt3", "CLOCK$", &"n".repeat(256)] {
            assert!(!valid_component(bad), "{bad:?}");
        }
        assert_eq!(fold_case("Straße.TXT"), "STRAßE.TXT");
    }
}
