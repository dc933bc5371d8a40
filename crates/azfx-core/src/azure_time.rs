//! Date and time formats used on the Azure Files wire: RFC 1123 for `Date` and
//! `Last-Modified`, ISO 8601 with seven fractional digits for the SMB time headers, and
//! .NET ticks for `ETags`. Pure functions; no state.

use std::time::SystemTime;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Ticks (100 ns) between 0001-01-01 and the Unix epoch, as .NET counts them.
const DOTNET_EPOCH_TICKS: i128 = 621_355_968_000_000_000;

/// `Tue, 13 Feb 2024 04:22:01 GMT`, as in `Date` and `Last-Modified` headers.
pub fn rfc1123(at: OffsetDateTime) -> String {
    httpdate::fmt_http_date(SystemTime::from(at))
}

/// `2025-08-11T05:37:15.9769429Z`: UTC with exactly seven fractional digits, as the
/// service writes `x-ms-file-*-time` headers and listing timestamps.
pub fn iso7(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.nanosecond() / 100
    )
}

/// `2025-08-11T05:37:15Z`: UTC to the second, as a SAS's `st` and `se` are written.
pub fn iso_seconds(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    at.replace_nanosecond(0).unwrap_or(at).format(&Rfc3339).unwrap_or_default()
}

/// Parses an ISO 8601 / RFC 3339 timestamp such as the service's `iso7` output.
pub fn parse_iso(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).ok()
}

/// Parses an RFC 1123 date such as a `Date` header.
pub fn parse_rfc1123(text: &str) -> Option<OffsetDateTime> {
    httpdate::parse_http_date(text.trim()).ok().map(OffsetDateTime::from)
}

/// .NET ticks of a moment, the number Azure prints in hex as an `ETag` (`"0x8DB82D35D34B121"`).
pub fn dotnet_ticks(at: OffsetDateTime) -> u64 {
    let ticks = at.unix_timestamp_nanos() / 100 + DOTNET_EPOCH_TICKS;
    u64::try_from(ticks).unwrap_or(0)
}

/// Formats an `ETag` the way the service does, quotes included.
pub fn etag_from_ticks(ticks: u64) -> String {
    format!("\"0x{ticks:X}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn iso7_has_seven_fraction_digits() {
        let at = datetime!(2025-08-11 05:37:15.976_942_9 UTC);
        assert_eq!(iso7(at), "2025-08-11T05:37:15.9769429Z");
        assert_eq!(parse_iso("2025-08-11T05:37:15.9769429Z"), Some(at));
    }

    #[test]
    fn rfc1123_round_trips() {
        let at = datetime!(2024-02-13 04:22:01 UTC);
        assert_eq!(rfc1123(at), "Tue, 13 Feb 2024 04:22:01 GMT");
        assert_eq!(parse_rfc1123("Tue, 13 Feb 2024 04:22:01 GMT"), Some(at));
    }

    #[test]
    fn etag_matches_service_shape() {
        // The recorded ETag "0x8DB82D35D34B121" is the tick count of 2023-07-12 12:27:31.
        let at = datetime!(2023-07-12 12:27:31.650_179_3 UTC);
        let etag = etag_from_ticks(dotnet_ticks(at));
        assert!(etag.starts_with("\"0x8DB82D3"), "{etag}");
    }
}
