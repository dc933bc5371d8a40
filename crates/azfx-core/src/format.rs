//! How numbers and times read, in the window and on the command line alike: sizes in
//! binary units, counts with thousands separators and the right plural, countdowns, and
//! the wire's times as people read them. Pure functions, no state.

/// Bytes in binary units with one decimal: `999 B`, `1.5 KiB`, `5.0 GiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes;
    let mut unit = 0;
    let mut remainder = 0;
    while value >= 1024 && unit < UNITS.len() - 1 {
        remainder = value % 1024;
        value /= 1024;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value}.{} {}", remainder * 10 / 1024, UNITS[unit]) }
}

/// A whole number with thousands separators: `20 000` (a thin space, as in SI style, so
/// it reads the same in every locale).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// A count and its noun, singular or plural: `1 item`, `20 000 items`.
pub fn count(n: u64, singular: &str, plural: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { singular } else { plural })
}

/// Seconds as `mm:ss`, or `h:mm:ss` from an hour on; negative reads `00:00`.
pub fn countdown(seconds: i64) -> String {
    let s = seconds.max(0);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// Seconds as words: `40 seconds`, `1 minute`, `3 minutes`, `2 hours`.
pub fn duration_words(seconds: i64) -> String {
    let s = u64::try_from(seconds.max(0)).unwrap_or(0);
    match s {
        0..60 => count(s, "second", "seconds"),
        60..3600 => count(s / 60, "minute", "minutes"),
        _ => count(s / 3600, "hour", "hours"),
    }
}

/// Unix seconds as RFC 1123 (`Sun, 29 Nov 2026 10:00:00 GMT`), or the number when out of
/// range.
pub fn unix_rfc1123(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix).map_or_else(|_| unix.to_string(), crate::azure_time::rfc1123)
}

/// A time as the file list shows it: local short date and time (`2026-12-01 14:05`), or
/// UTC with the zone named when this machine's offset is unknown.
pub fn short_local(at: time::OffsetDateTime, offset: Option<time::UtcOffset>) -> String {
    let local = at.to_offset(offset.unwrap_or(time::UtcOffset::UTC));
    let text = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute()
    );
    if offset.is_some() { text } else { format!("{text} UTC") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_times_are_local_and_short() {
        let at = time::macros::datetime!(2026-12-01 23:30:59 UTC);
        assert_eq!(short_local(at, Some(time::macros::offset!(+1))), "2026-12-02 00:30");
        assert_eq!(short_local(at, None), "2026-12-01 23:30 UTC");
    }

    #[test]
    fn sizes_read_like_a_file_manager() {
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(5 * 1024 * 1024 * 1024), "5.0 GiB");
    }

    #[test]
    fn counts_have_separators_and_plurals() {
        assert_eq!(count(1, "item", "items"), "1 item");
        assert_eq!(count(0, "item", "items"), "0 items");
        assert_eq!(thousands(20_000), "20\u{202f}000");
        assert_eq!(thousands(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn countdown_reads_like_a_clock() {
        assert_eq!(countdown(119), "01:59");
        assert_eq!(countdown(-5), "00:00");
        assert_eq!(countdown(3725), "1:02:05");
    }
}
