//! Directory operations (create, delete, properties, list with paging) plus what files
//! and directories share: SMB property headers, metadata, and rename.

use hyper::{Response, StatusCode};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use std::fmt::Write as _;
use time::OffsetDateTime;

use super::answer::{parse_max_results, reply, with_share, xml_reply};
use super::body::Body;
use super::error::ServiceError;
use super::request::{FilesRequest, valid_component};
use super::state::State;
use super::store::{EntryKind, Node, NodeKind, ROOT_ID};
use crate::wire as azure_time;
use crate::wire::{escape, escape_attr};

/// The headers the service sends about an entry: `ETag`, Last-Modified and SMB properties.
pub(crate) fn entry_headers(node: &Node) -> Vec<(&'static str, String)> {
    vec![
        ("ETag", node.etag()),
        ("Last-Modified", azure_time::rfc1123(node.last_modified)),
        ("x-ms-file-attributes", node.attributes.clone()),
        ("x-ms-file-creation-time", azure_time::iso7(node.times.creation)),
        ("x-ms-file-last-write-time", azure_time::iso7(node.times.last_write)),
        ("x-ms-file-change-time", azure_time::iso7(node.times.change)),
        ("x-ms-file-id", node.file_id.to_string()),
        ("x-ms-file-parent-id", node.parent.to_string()),
        ("x-ms-file-permission-key", node.permission_key()),
    ]
}

/// `x-ms-meta-*` request headers as (name, value) pairs.
pub(crate) fn metadata_from(req: &FilesRequest) -> Vec<(String, String)> {
    req.headers
        .iter()
        .filter_map(|(name, value)| {
            let key = name.as_str().strip_prefix("x-ms-meta-")?;
            Some((key.to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect()
}

/// Metadata as response headers.
pub(crate) fn metadata_headers(node: &Node) -> Vec<(String, String)> {
    node.metadata.iter().map(|(k, v)| (format!("x-ms-meta-{k}"), v.clone())).collect()
}

/// Applies `x-ms-file-attributes` and the `x-ms-file-*-time` headers of a create or set
/// request to `node`.
pub(crate) fn apply_smb_headers(req: &FilesRequest, node: &mut Node, now: OffsetDateTime) -> Result<(), ServiceError> {
    const KNOWN: [&str; 10] = [
        "ReadOnly",
        "Hidden",
        "System",
        "None",
        "Directory",
        "Archive",
        "Temporary",
        "Offline",
        "NotContentIndexed",
        "NoScrubData",
    ];
    if let Some(value) = req.header("x-ms-file-attributes")
        && !value.eq_ignore_ascii_case("preserve")
    {
        let mut attributes = Vec::new();
        for part in value.split('|').map(str::trim).filter(|p| !p.is_empty()) {
            let Some(known) = KNOWN.iter().find(|k| k.eq_ignore_ascii_case(part)) else {
                return Err(ServiceError::invalid_header("x-ms-file-attributes", value));
            };
            if *known != "None" {
                attributes.push(*known);
            }
        }
        if node.is_directory() && !attributes.contains(&"Directory") {
            attributes.insert(0, "Directory");
        }
        if attributes.is_empty() {
            attributes.push("Archive");
        }
        node.attributes = attributes.join(" | ");
    }
    let time_header = |name: &'static str| -> Result<Option<OffsetDateTime>, ServiceError> {
        match req.header(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("now") => Ok(Some(now)),
            Some(v) if v.eq_ignore_ascii_case("preserve") => Ok(None),
            Some(v) => azure_time::parse_iso(v).map(Some).ok_or_else(|| ServiceError::invalid_header(name, v)),
        }
    };
    if let Some(at) = time_header("x-ms-file-creation-time")? {
        node.times.creation = at;
    }
    if let Some(at) = time_header("x-ms-file-last-write-time")? {
        node.times.last_write = at;
    }
    if let Some(at) = time_header("x-ms-file-change-time")? {
        node.times.change = at;
    }
    Ok(())
}

/// Create Directory.
pub(crate) fn create(state: &State, req: &FilesRequest) -> Result<Response<Body>, ServiceError> {
    with_share(state, req, |share| {
        let id = share.create_directory(&req.path, &state.ids, &state.clock)?;
        let node = share.node_mut(id).ok_or_else(ServiceError::internal)?;
        let now = node.last_modified;
        apply_smb_headers(req, node, now)?;
        node.metadata = metadata_from(req);
        let mut headers = entry_headers(node);
        headers.push(("x-ms-request-server-encrypted", "true".to_owned()));
        Ok(reply(StatusCode::CREATED, headers))
    })
}

/// Delete Directory (must be empty).
pub(crate) fn delete(state: &State, req: &FilesRequest) -> Result<Response<Body>, ServiceError> {
    with_share(state, req, |share| {
        share.delete_directory(&req.path)?;
        Ok(reply(StatusCode::ACCEPTED, Vec::new()))
    })
}

/// Get Directory Properties (GET or HEAD).
pub(crate) fn properties(state: &State, req: &FilesRequest) -> Result<Response<Body>, ServiceError> {
    with_share(state, req, |share| {
        let id = share.resolve(&req.path)?;
        let node = share.node(id).filter(|n| n.is_directory()).ok_or_else(ServiceError::resource_not_found)?;
        let mut response = reply(StatusCode::OK, entry_headers(node));
        response.headers_mut().insert("x-ms-server-encrypted", http::HeaderValue::from_static("true"));
        insert_metadata(&mut response, node);
        Ok(response)
    })
}

/// Adds `x-ms-meta-*` headers to a response.
pub(crate) fn insert_metadata(response: &mut Response<Body>, node: &Node) {
    for (name, value) in metadata_headers(node) {
        if let (Ok(name), Ok(value)) = (http::HeaderName::from_bytes(name.as_bytes()), value.parse()) {
            response.headers_mut().insert(name, value);
        }
    }
}

/// Set Directory Metadata / Set File Metadata.
pub(crate) fn set_metadata(state: &State, req: &FilesRequest, directory: bool) -> Result<Response<Body>, ServiceError> {
    with_share(state, req, |share| {
        let id = share.resolve(&req.path)?;
        let node = share
            .node_mut(id)
            .filter(|n| n.is_directory() == directory)
            .ok_or_else(ServiceError::resource_not_found)?;
        node.metadata = metadata_from(req);
        node.touch(&state.clock);
        Ok(reply(
            StatusCode::OK,
            vec![("ETag", node.etag()), ("Last-Modified", azure_time::rfc1123(node.last_modified))],
        ))
    })
}

/// Characters escaped in `Encoded="true"` names.
const NAME_ENCODE: &AsciiSet = &CONTROLS.add(b'%').add(b' ').add(b'"').add(b'<').add(b'>').add(b'&');

fn needs_encoding(name: &str) -> bool {
    name.chars().any(|c| c == '\u{fffe}' || c == '\u{ffff}' || (c < ' ' && c != '\t'))
}

fn name_element(tag: &str, name: &str) -> String {
    if needs_encoding(name) {
        format!("<{tag} Encoded=\"true\">{}</{tag}>", utf8_percent_encode(name, NAME_ENCODE))
    } else {
        format!("<{tag}>{}</{tag}>", escape(name))
    }
}

/// The opaque continuation marker, shaped like the service's (`1!68!Z290…Mg--`).
fn encode_marker(name: &str) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(name.as_bytes()).replace('=', "-");
    format!("1!{}!{b64}", b64.len())
}

fn decode_marker(marker: &str) -> Option<String> {
    use base64::Engine;
    let mut parts = marker.splitn(3, '!');
    let (Some("1"), Some(len), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    if len.parse::<usize>().ok()? != b64.len() {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64.replace('-', "=")).ok()?;
    String::from_utf8(bytes).ok()
}

/// What `include=` asked for.
#[derive(Clone, Copy, Debug, Default)]
#[expect(clippy::struct_excessive_bools, reason = "one flag per include= option of the request")]
struct Include {
    timestamps: bool,
    etag: bool,
    attributes: bool,
    permission_key: bool,
}

fn parse_include(req: &FilesRequest) -> Result<Include, ServiceError> {
    let mut include = Include::default();
    let Some(value) = req.query("include") else { return Ok(include) };
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.to_ascii_lowercase().as_str() {
            "timestamps" => include.timestamps = true,
            "etag" => include.etag = true,
            "attributes" => include.attributes = true,
            "permissionkey" => include.permission_key = true,
            _ => return Err(ServiceError::invalid_query("include", value)),
        }
    }
    Ok(include)
}

fn entry_xml(xml: &mut String, node: &Node, include: Include) {
    let tag = if node.is_directory() { "Directory" } else { "File" };
    xml.push('<');
    xml.push_str(tag);
    xml.push('>');
    xml.push_str(&name_element("Name", &node.name));
    let _ = write!(xml, "<FileId>{}</FileId>", node.file_id);
    let mut props = String::new();
    if let NodeKind::File(data) = &node.kind {
        let _ = write!(props, "<Content-Length>{}</Content-Length>", data.size);
    }
    if include.timestamps {
        let _ = write!(
            props,
            "<CreationTime>{}</CreationTime><LastAccessTime>{}</LastAccessTime><LastWriteTime>{}</LastWriteTime><ChangeTime>{}</ChangeTime><Last-Modified>{}</Last-Modified>",
            azure_time::iso7(node.times.creation),
            azure_time::iso7(node.times.last_access),
            azure_time::iso7(node.times.last_write),
            azure_time::iso7(node.times.change),
            azure_time::rfc1123(node.last_modified)
        );
    }
    if include.etag {
        let _ = write!(props, "<Etag>{}</Etag>", escape(&node.etag()));
    }
    if props.is_empty() {
        xml.push_str("<Properties />");
    } else {
        xml.push_str("<Properties>");
        xml.push_str(&props);
        xml.push_str("</Properties>");
    }
    if include.attributes {
        let _ = write!(xml, "<Attributes>{}</Attributes>", escape(&node.attributes));
    }
    if include.permission_key {
        let _ = write!(xml, "<PermissionKey>{}</PermissionKey>", node.permission_key());
    }
    xml.push_str("</");
    xml.push_str(tag);
    xml.push('>');
}

/// List Directories and Files: one page.
pub(crate) fn list(state: &State, req: &FilesRequest) -> Result<Response<Body>, ServiceError> {
    let max = parse_max_results(req)?;
    let include = parse_include(req)?;
    let prefix = req.query("prefix").unwrap_or_default();
    let marker = match req.query("marker").filter(|m| !m.is_empty()) {
        Some(m) => Some(decode_marker(m).ok_or_else(|| ServiceError::invalid_query("marker", m))?),
        None => None,
    };
    with_share(state, req, |share| {
        let dir = share.resolve(&req.path)?;
        if !share.node(dir).is_some_and(Node::is_directory) {
            return Err(ServiceError::resource_not_found());
        }
        let (entries, next) = share.list(dir, prefix, marker.as_deref(), max);
        let dir_path = req.path.join("/");
        let mut xml = String::with_capacity(256 + entries.len() * 120);
        xml.push_str("\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>");
        let _ = write!(
            xml,
            "<EnumerationResults ServiceEndpoint=\"{}\" ShareName=\"{}\" DirectoryPath=\"{}\">",
            escape_attr(&req.service_endpoint),
            escape_attr(&share.name),
            escape_attr(&dir_path)
        );
        if let Some(p) = req.query("prefix") {
            xml.push_str(&name_element("Prefix", p));
        }
        if let Some(m) = req.query("marker").filter(|m| !m.is_empty()) {
            let _ = write!(xml, "<Marker>{}</Marker>", escape(m));
        }
        if let Some(m) = req.query("maxresults") {
            let _ = write!(xml, "<MaxResults>{}</MaxResults>", escape(m));
        }
        let _ = write!(xml, "<DirectoryId>{}</DirectoryId><Entries>", if dir == ROOT_ID { 0 } else { dir });
        for node in entries {
            entry_xml(&mut xml, node, include);
        }
        xml.push_str("</Entries>");
        match next {
            Some(name) => {
                let _ = write!(xml, "<NextMarker>{}</NextMarker>", encode_marker(&name));
            }
            None => xml.push_str("<NextMarker />"),
        }
        xml.push_str("</EnumerationResults>");
        Ok(xml_reply(xml))
    })
}

/// The source path of a rename from `x-ms-file-rename-source` (a URL or a path).
fn rename_source(req: &FilesRequest) -> Result<Vec<String>, ServiceError> {
    let raw =
        req.header("x-ms-file-rename-source").ok_or_else(|| ServiceError::missing_header("x-ms-file-rename-source"))?;
    let invalid = || ServiceError::invalid_header("x-ms-file-rename-source", raw);
    let path = match raw.parse::<http::Uri>() {
        Ok(uri) if uri.scheme().is_some() => uri.path().to_owned(),
        _ => raw.split('?').next().unwrap_or_default().to_owned(),
    };
    let decoded = percent_decode_str(&path).decode_utf8().map_err(|_| invalid())?;
    let mut segments: Vec<&str> = decoded.split('/').filter(|s| !s.is_empty()).collect();
    let share = req.share.as_deref().unwrap_or_default();
    if segments.first() == Some(&req.account.as_str()) && segments.get(1) == Some(&share) {
        segments.remove(0);
    }
    if segments.first() != Some(&share) {
        return Err(invalid());
    }
    let keep_dots = req.header("x-ms-source-allow-trailing-dot").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let mut out = Vec::new();
    for s in &segments[1..] {
        let name = if keep_dots { (*s).to_owned() } else { s.trim_end_matches('.').to_owned() };
        if !valid_component(&name) {
            return Err(ServiceError::invalid_resource_name());
        }
        out.push(name);
    }
    if out.is_empty() {
        return Err(invalid());
    }
    Ok(out)
}

/// Rename File / Rename Directory.
pub(crate) async fn rename(state: &State, req: &FilesRequest, kind: EntryKind) -> Result<Response<Body>, ServiceError> {
    let source = rename_source(req)?;
    let replace = match req.header("x-ms-file-rename-replace-if-exists") {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(v) => return Err(ServiceError::invalid_header("x-ms-file-rename-replace-if-exists", v)),
    };
    let (response, replaced) = with_share(state, req, |share| {
        let (id, replaced) = share.rename(&source, &req.path, replace, kind, &state.clock)?;
        let node = share.node_mut(id).ok_or_else(ServiceError::internal)?;
        let now = node.last_modified;
        apply_smb_headers(req, node, now)?;
        let meta = metadata_from(req);
        if !meta.is_empty() {
            node.metadata = meta;
        }
        Ok((reply(StatusCode::OK, entry_headers(node)), replaced))
    })?;
    if let Some(old) = replaced {
        state.blobs.remove(vec![old]).await;
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_matches_recorded_shape() {
        let marker = encode_marker("gotestfiledirlistfilesanddirsmaxresultsandmarker2");
        assert_eq!(marker, "1!68!Z290ZXN0ZmlsZWRpcmxpc3RmaWxlc2FuZGRpcnNtYXhyZXN1bHRzYW5kbWFya2VyMg--");
        assert_eq!(decode_marker(&marker).as_deref(), Some("gotestfiledirlistfilesanddirsmaxresultsandmarker2"));
        assert_eq!(decode_marker("garbage"), None);
    }
}
