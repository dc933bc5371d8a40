//! Reading the service's listings: `List Directories and Files` (mixed `<File>` and
//! `<Directory>` entries, `Encoded="true"` names, optional timestamps, `NextMarker`) and
//! `List Shares`. BOM-tolerant; unknown elements are ignored.

use percent_encoding::percent_decode_str;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde::Serialize;
use time::OffsetDateTime;

use crate::azure_time;
use crate::xml_text::{resolve_entity, strip_bom};

/// One entry of a directory listing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DirEntry {
    /// Name (decoded).
    pub name: String,
    /// Directory or file.
    pub is_directory: bool,
    /// Size in bytes (files).
    pub size: Option<u64>,
    /// File id.
    pub file_id: Option<String>,
    /// `Last-Modified`.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_modified: Option<OffsetDateTime>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339::option")]
    pub created: Option<OffsetDateTime>,
    /// The SMB last-write time (`LastWriteTime`, with `include=Timestamps`): when the
    /// content last changed as Explorer and an SMB mount show it (kept by azfx's uploads
    /// from the local file), unlike `Last-Modified`, which any property change moves.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_write: Option<OffsetDateTime>,
    /// `ETag`.
    pub etag: Option<String>,
    /// SMB attributes.
    pub attributes: Option<String>,
}

/// One page of a directory listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListPage {
    /// Entries in service order.
    pub entries: Vec<DirEntry>,
    /// Marker for the next page; `None` on the last page.
    pub next_marker: Option<String>,
}

/// One share of a `List Shares` answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ShareItem {
    /// Share name.
    pub name: String,
    /// Quota in GiB.
    pub quota_gib: Option<u64>,
    /// `Last-Modified` as sent.
    pub last_modified: Option<String>,
}

/// A page of shares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SharePage {
    /// Shares.
    pub shares: Vec<ShareItem>,
    /// Marker for the next page.
    pub next_marker: Option<String>,
}

/// Why a listing could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unreadable listing XML: {0}")]
pub struct XmlError(pub String);

fn encoded(start: &BytesStart<'_>) -> bool {
    start.attributes().flatten().any(|a| a.key.as_ref() == b"Encoded" && a.value.as_ref() == b"true")
}

/// Walks elements, calling `on_text(path, text, encoded)` for each leaf's text and
/// `on_end(path)` for each closing element. `path` is the element names from the root.
fn walk(
    body: &[u8],
    mut on_text: impl FnMut(&[String], String, bool),
    mut on_end: impl FnMut(&[String]),
) -> Result<(), XmlError> {
    let text = std::str::from_utf8(strip_bom(body)).map_err(|e| XmlError(e.to_string()))?;
    let mut reader = Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut value = String::new();
    let mut is_encoded = false;
    loop {
        match reader.read_event().map_err(|e| XmlError(e.to_string()))? {
            Event::Start(start) => {
                path.push(String::from_utf8_lossy(start.name().as_ref()).into_owned());
                value.clear();
                is_encoded = encoded(&start);
            }
            Event::Empty(start) => {
                path.push(String::from_utf8_lossy(start.name().as_ref()).into_owned());
                on_text(&path, String::new(), false);
                on_end(&path);
                path.pop();
            }
            Event::Text(text) => value.push_str(&text.xml_content().map_err(|e| XmlError(e.to_string()))?),
            Event::CData(data) => value.push_str(&String::from_utf8_lossy(&data)),
            Event::GeneralRef(reference) => {
                let name = reference.decode().map_err(|e| XmlError(e.to_string()))?;
                value.push(resolve_entity(&name).ok_or_else(|| XmlError(format!("unknown entity &{name};")))?);
            }
            Event::End(_) => {
                on_text(&path, std::mem::take(&mut value), is_encoded);
                is_encoded = false;
                on_end(&path);
                path.pop();
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

fn decode_name(text: String, is_encoded: bool) -> String {
    if is_encoded { percent_decode_str(&text).decode_utf8_lossy().into_owned() } else { text }
}

/// Parses a `List Directories and Files` answer.
pub fn parse_listing(body: &[u8]) -> Result<ListPage, XmlError> {
    let mut page = ListPage::default();
    let current = std::cell::RefCell::new(DirEntry::default());
    let entries = std::cell::RefCell::new(Vec::new());
    let mut next_marker = None;
    walk(
        body,
        |path, text, is_encoded| {
            let names: Vec<&str> = path.iter().map(String::as_str).collect();
            let mut entry = current.borrow_mut();
            match names.as_slice() {
                ["EnumerationResults", "NextMarker"] => next_marker = Some(text).filter(|t| !t.is_empty()),
                ["EnumerationResults", "Entries", kind, field] => {
                    entry.is_directory = *kind == "Directory";
                    match *field {
                        "Name" => entry.name = decode_name(text, is_encoded),
                        "FileId" => entry.file_id = Some(text),
                        "Attributes" => entry.attributes = Some(text),
                        _ => {}
                    }
                }
                ["EnumerationResults", "Entries", _, "Properties", field] => match *field {
                    "Content-Length" => entry.size = text.trim().parse().ok(),
                    "Last-Modified" => entry.last_modified = azure_time::parse_rfc1123(&text),
                    "CreationTime" => entry.created = azure_time::parse_iso(&text),
                    "LastWriteTime" => entry.last_write = azure_time::parse_iso(&text),
                    "Etag" => entry.etag = Some(text),
                    _ => {}
                },
                _ => {}
            }
        },
        |path| {
            if path.len() == 3 && path[1] == "Entries" && (path[2] == "File" || path[2] == "Directory") {
                let entry = std::mem::take(&mut *current.borrow_mut());
                entries.borrow_mut().push(entry);
            }
        },
    )?;
    page.entries = entries.into_inner();
    page.next_marker = next_marker;
    Ok(page)
}

/// Parses a `List Shares` answer.
pub fn parse_shares(body: &[u8]) -> Result<SharePage, XmlError> {
    let mut page = SharePage::default();
    let current = std::cell::RefCell::new(ShareItem::default());
    let shares = std::cell::RefCell::new(Vec::new());
    let mut next_marker = None;
    walk(
        body,
        |path, text, is_encoded| {
            let names: Vec<&str> = path.iter().map(String::as_str).collect();
            let mut share = current.borrow_mut();
            match names.as_slice() {
                ["EnumerationResults", "NextMarker"] => next_marker = Some(text).filter(|t| !t.is_empty()),
                ["EnumerationResults", "Shares", "Share", "Name"] => share.name = decode_name(text, is_encoded),
                ["EnumerationResults", "Shares", "Share", "Properties", "Quota"] => {
                    share.quota_gib = text.trim().parse().ok();
                }
                ["EnumerationResults", "Shares", "Share", "Properties", "Last-Modified"] => {
                    share.last_modified = Some(text);
                }
                _ => {}
            }
        },
        |path| {
            if path.len() == 3 && path[2] == "Share" {
                let share = std::mem::take(&mut *current.borrow_mut());
                shares.borrow_mut().push(share);
            }
        },
    )?;
    page.shares = shares.into_inner();
    page.next_marker = next_marker;
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recording(name: &str) -> String {
        let path = format!("{}/../../tests/fixtures/recordings/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        json["response"]["body"].as_str().unwrap().to_owned()
    }

    #[test]
    fn parses_recorded_listings() {
        let page = parse_listing(recording("list-dirs-files-oauth-subdirectory").as_bytes()).unwrap();
        assert_eq!(page.entries.len(), 15);
        assert_eq!(page.entries.iter().filter(|e| e.is_directory).count(), 10);
        let file = page.entries.iter().find(|e| !e.is_directory).unwrap();
        assert_eq!(file.size, Some(2048));
        assert_eq!(file.name, "gotestfiledirectorylistusingoauth0");
        assert_eq!(page.next_marker, None);

        let first = parse_listing(recording("list-dirs-files-page1-maxresults2-nextmarker").as_bytes()).unwrap();
        assert_eq!(first.entries.len(), 2);
        assert_eq!(
            first.next_marker.as_deref(),
            Some("1!60!Z29kaXJkaXJsaXN0ZmlsZXNhbmRkaXJzbWF4cmVzdWx0c2FuZG1hcmtlcjI-")
        );
        let last = parse_listing(recording("list-dirs-files-last-page-empty-nextmarker").as_bytes()).unwrap();
        assert_eq!(last.entries.len(), 3);
        assert_eq!(last.next_marker, None);
    }

    #[test]
    fn decodes_encoded_names_and_entities() {
        let body = "<EnumerationResults><Entries><File><Name Encoded=\"true\">file%EF%BF%BE</Name><Properties><Content-Length>1</Content-Length></Properties></File><Directory><Name>a &amp; b</Name><Properties /></Directory></Entries><NextMarker /></EnumerationResults>";
        let page = parse_listing(body.as_bytes()).unwrap();
        assert_eq!(page.entries[0].name, "file\u{fffe}");
        assert_eq!(page.entries[1].name, "a & b");
        assert!(page.entries[1].is_directory);
        assert!(
            parse_listing(b"<EnumerationResults><Entries>").is_err()
                || parse_listing(b"<EnumerationResults><Entries>").unwrap().entries.is_empty()
        );
    }
}
