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

/// Escapes text for XML element content. Quotes and apostrophes stay as they are, as in
/// the service's own bodies (`<Etag>"0x8D…"</Etag>`, "that's").
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    escape_chars(text, false)
}

/// Escapes text for a double-quoted XML attribute.
pub fn escape_attr(text: &str) -> std::borrow::Cow<'_, str> {
    escape_chars(text, true)
}

fn escape_chars(text: &str, quotes: bool) -> std::borrow::Cow<'_, str> {
    let special = text.contains(['&', '<', '>']) || (quotes && text.contains('"'));
    if !special {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if quotes => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}
