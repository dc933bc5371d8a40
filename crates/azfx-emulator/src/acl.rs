//! Stored access policies of a share (`<SignedIdentifiers>`): parsing the Set Share ACL
//! body with a real XML parser, so malformed XML gets the service's 400, and writing the
//! Get Share ACL body.

use std::fmt::Write as _;

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::wire::{escape, strip_bom};

/// Most policies a share may hold.
pub(crate) const MAX_POLICIES: usize = 5;
/// Largest ACL body accepted.
pub(crate) const MAX_BODY_BYTES: u64 = 64 * 1024;

/// One `<SignedIdentifier>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct AccessPolicy {
    /// `<Id>`.
    pub id: String,
    /// `<Start>`, if set.
    pub start: Option<String>,
    /// `<Expiry>`, if set.
    pub expiry: Option<String>,
    /// `<Permission>`, if set.
    pub permission: Option<String>,
}

/// Parses a Set Share ACL body; the error is a reason for the `<Reason>` element.
pub(crate) fn parse(body: &[u8]) -> Result<Vec<AccessPolicy>, String> {
    let body = strip_bom(body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let text = std::str::from_utf8(body).map_err(|_| "The body is not UTF-8.".to_owned())?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<String> = Vec::new();
    let mut policies = Vec::new();
    let mut current = AccessPolicy::default();
    let mut value = String::new();
    let mut seen_root = false;
    loop {
        let event = reader.read_event().map_err(|e| format!("{e} at byte {}", reader.buffer_position()))?;
        match event {
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                if stack.is_empty() {
                    if seen_root || name != "SignedIdentifiers" {
                        return Err(format!("Unexpected element <{name}>; expected <SignedIdentifiers>."));
                    }
                    seen_root = true;
                }
                stack.push(name);
                value.clear();
            }
            Event::Empty(start) => {
                let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                if stack.is_empty() {
                    if seen_root || name != "SignedIdentifiers" {
                        return Err(format!("Unexpected element <{name}/>."));
                    }
                    seen_root = true;
                }
            }
            Event::Text(text) => {
                value.push_str(&text.xml_content().map_err(|e| e.to_string())?);
            }
            Event::GeneralRef(reference) => {
                let name = reference.decode().map_err(|e| e.to_string())?;
                match reference.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => value.push(c),
                    None => value.push_str(
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| format!("Unknown entity &{name};"))?,
                    ),
                }
            }
            Event::CData(data) => value.push_str(&String::from_utf8_lossy(&data)),
            Event::End(_) => {
                let Some(name) = stack.pop() else {
                    return Err("Closing tag without an opening one.".to_owned());
                };
                let parent = stack.last().map(String::as_str);
                match (parent, name.as_str()) {
                    (Some("SignedIdentifier"), "Id") => current.id = std::mem::take(&mut value),
                    (Some("AccessPolicy"), "Start") => current.start = Some(std::mem::take(&mut value)),
                    (Some("AccessPolicy"), "Expiry") => current.expiry = Some(std::mem::take(&mut value)),
                    (Some("AccessPolicy"), "Permission") => current.permission = Some(std::mem::take(&mut value)),
                    (Some("SignedIdentifiers"), "SignedIdentifier") => {
                        if current.id.is_empty() || current.id.len() > 64 {
                            return Err("Each SignedIdentifier needs an Id of 1 to 64 characters.".to_owned());
                        }
                        policies.push(std::mem::take(&mut current));
                    }
                    _ => {}
                }
            }
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(format!("The document ends inside <{open}>."));
                }
                if !seen_root {
                    return Err("No <SignedIdentifiers> element.".to_owned());
                }
                return Ok(policies);
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
}

/// The Get Share ACL body.
pub(crate) fn to_xml(policies: &[AccessPolicy]) -> String {
    let mut xml = String::from("\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><SignedIdentifiers>");
    for policy in policies {
        let _ = write!(xml, "<SignedIdentifier><Id>{}</Id><AccessPolicy>", escape(&policy.id));
        for (tag, value) in [("Start", &policy.start), ("Expiry", &policy.expiry), ("Permission", &policy.permission)] {
            if let Some(value) = value {
                let _ = write!(xml, "<{tag}>{}</{tag}>", escape(value));
            }
        }
        xml.push_str("</AccessPolicy></SignedIdentifier>");
    }
    xml.push_str("</SignedIdentifiers>");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_writes_policies() {
        let body = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><SignedIdentifiers><SignedIdentifier><Id>p&amp;1</Id><AccessPolicy><Start>2026-01-01T00:00:00.0000000Z</Start><Expiry>2027-01-01T00:00:00.0000000Z</Expiry><Permission>rl</Permission></AccessPolicy></SignedIdentifier></SignedIdentifiers>";
        let policies = parse(body.as_bytes()).unwrap();
        assert_eq!(policies.len(), 1);
        assert_eq!(policies[0].id, "p&1");
        assert_eq!(policies[0].permission.as_deref(), Some("rl"));
        assert_eq!(to_xml(&policies), body);
        assert_eq!(parse(b"").unwrap(), Vec::new());
        assert_eq!(parse(b"<SignedIdentifiers/>").unwrap(), Vec::new());
    }

    #[test]
    fn rejects_malformed_xml() {
        for bad in [
            "<SignedIdentifiers><SignedIdentifier><Id>x</Id></SignedIdentifiers>",
            "<SignedIdentifiers>",
            "<Other/>",
            "<SignedIdentifiers><SignedIdentifier></SignedIdentifier></SignedIdentifiers>",
            "not xml at all",
        ] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
