//! Small helpers for reading XML text with quick-xml, which reports entity references
//! (`&amp;`, `&#233;`) as separate events.

/// The character an entity reference stands for (`amp`, `#233`, `#xE9`).
pub fn resolve_entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix('x').or_else(|| number.strip_prefix('X')) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

/// Strips a leading UTF-8 byte-order mark, which the service puts before every XML body.
pub fn strip_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body)
}
