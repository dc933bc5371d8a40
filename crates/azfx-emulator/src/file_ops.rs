//! File operations: Create File (size set up front), Put Range (≤ 4 MiB, `Content-MD5`
//! checked), Get File (whole or ranged, range MD5), Get/Set File Properties, Delete File.
//! Metadata changes happen under the state lock; byte IO happens after it is released.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Incoming;
use hyper::{Response, StatusCode};
use md5::{Digest, Md5};

use super::answer::{read_body, reply, with_share};
use super::body::{Body, full};
use super::dir_ops::{apply_smb_headers, entry_headers, insert_metadata, metadata_from};
use super::error::ServiceError;
use super::request::{FilesRequest, parse_range};
use super::state::State;
use super::store::{ContentHeaders, FileData, Node};
use crate::wire as azure_time;

/// Largest Put Range body, and the largest range whose MD5 the service computes.
pub(crate) const MAX_RANGE_BYTES: u64 = 4 * 1024 * 1024;
/// Largest file the service allows (4 TiB).
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024 * 1024 * 1024;
/// Ranged reads up to this size are read into memory in one go; larger ones stream.
const IN_MEMORY_READ_BYTES: u64 = 8 * 1024 * 1024;

fn md5_base64(data: &[u8]) -> String {
    STANDARD.encode(Md5::digest(data))
}

fn content_headers(req: &FilesRequest) -> ContentHeaders {
    let get = |name: &str| req.header(name).map(str::to_owned);
    ContentHeaders {
        content_type: get("x-ms-content-type"),
        content_md5: get("x-ms-content-md5"),
        content_encoding: get("x-ms-content-encoding"),
        content_language: get("x-ms-content-language"),
        cache_control: get("x-ms-cache-control"),
        content_disposition: get("x-ms-content-disposition"),
    }
}

fn parse_size(req: &FilesRequest, name: &str) -> Result<Option<u64>, ServiceError> {
    match req.header(name) {
        None => Ok(None),
        Some(v) => match v.parse::<u64>() {
            Ok(n) if n <= MAX_FILE_BYTES => Ok(Some(n)),
            _ => Err(ServiceError::invalid_header(name, v)),
        },
    }
}

/// Create File.
pub(crate) async fn create(state: &State, req: &FilesRequest) -> Result<Response<Body>, ServiceError> {
    match req.header("x-ms-type") {
        None => return Err(ServiceError::missing_header("x-ms-type")),
        Some(v) if !v.eq_ignore_ascii_case("file") => return Err(ServiceError::invalid_header("x-ms-type", v)),
        Some(_) => {}
    }
    let size =
        parse_size(req, "x-ms-content-length")?.ok_or_else(|| ServiceError::missing_header("x-ms-content-length"))?;
    let content = content_headers(req);
    let (response, replaced) = with_share(state, req, |share| {
        let (id, replaced) = share.create_file(&req.path, size, content, &state.ids, &state.clock)?;
        let node = share.node_mut(id).ok_or_else(ServiceError::internal)?;
        let now = node.last_modified;
        apply_smb_headers(req, node, now)?;
        node.metadata = metadata_from(req);
        let mut headers = entry_headers(node);
        headers.push(("x-ms-request-server-encrypted", "true".to_owned()));
        Ok((reply(StatusCode::CREATED, headers), replaced))
    })?;
    if let Some(old) = replaced {
        state.blobs.remove(vec![old]).await;
    }
    Ok(response)
}

fn file_of<'a>(share: &'a super::store::Share, req: &FilesRequest) -> Result<&'a Node, ServiceError> {
    let id = share.resolve(&req.path)?;
    share.node(id).filter(|n| !n.is_directory()).ok_or_else(ServiceError::resource_not_found)
}

/// Put Range (`x-ms-write: update` with a body, or `clear`).
pub(crate) async fn put_range(
    state: &State,
    req: &FilesRequest,
    body: Incoming,
) -> Result<Response<Body>, ServiceError> {
    let (range_name, range_value) = match (req.header("x-ms-range"), req.header("range")) {
        (Some(v), _) => ("x-ms-range", v),
        (None, Some(v)) => ("Range", v),
        (None, None) => return Err(ServiceError::missing_header("x-ms-range")),
    };
    let range = parse_range(range_value)
        .filter(|r| r.end.is_some())
        .ok_or_else(|| ServiceError::invalid_header(range_name, range_value))?;
    let start = range.start;
    let end = range.end.unwrap_or(start);
    let length = end - start + 1;
    let clear = match req.header("x-ms-write") {
        None => return Err(ServiceError::missing_header("x-ms-write")),
        Some(v) if v.eq_ignore_ascii_case("update") => false,
        Some(v) if v.eq_ignore_ascii_case("clear") => true,
        Some(v) => return Err(ServiceError::invalid_header("x-ms-write", v)),
    };
    let content_length = req.header("content-length").and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    if !clear {
        if content_length > MAX_RANGE_BYTES || length > MAX_RANGE_BYTES {
            return Err(ServiceError::body_too_large(MAX_RANGE_BYTES));
        }
        if content_length != length {
            return Err(ServiceError::invalid_header("Content-Length", &content_length.to_string()));
        }
    } else if content_length != 0 {
        return Err(ServiceError::invalid_header("Content-Length", &content_length.to_string()));
    }
    let (id, size) = with_share(state, req, |share| {
        let node = file_of(share, req)?;
        Ok((node.id, node.file().map_or(0, |f| f.size)))
    })?;
    if end >= size {
        return Err(ServiceError::invalid_range(size));
    }
    let mut headers = Vec::new();
    if clear {
        state.blobs.clear(id, start, length).await.map_err(|_| ServiceError::internal())?;
    } else {
        let data = read_body(body, MAX_RANGE_BYTES).await?;
        if data.len() as u64 != length {
            return Err(ServiceError::invalid_header("Content-Length", &data.len().to_string()));
        }
        state.bytes_received.fetch_add(length, std::sync::atomic::Ordering::Relaxed);
        let sent = req.header("content-md5");
        let md5 = (state.range_md5 || sent.is_some()).then(|| md5_base64(&data));
        if let (Some(sent), Some(md5)) = (sent, md5.clone())
            && sent != md5
        {
            return Err(ServiceError::new(
                StatusCode::BAD_REQUEST,
                "Md5Mismatch",
                "The MD5 value specified in the request did not match with the MD5 value calculated by the server.",
            )
            .detail("UserSpecifiedMd5", sent)
            .detail("ServerCalculatedMd5", md5));
        }
        state.blobs.write(id, start, data, size).await.map_err(|_| ServiceError::internal())?;
        if let Some(md5) = md5.filter(|_| state.range_md5) {
            headers.push(("Content-MD5", md5));
        }
    }
    let preserve = req.header("x-ms-file-last-write-time").is_some_and(|v| v.eq_ignore_ascii_case("preserve"));
    let touched = with_share(state, req, |share| {
        let Some(node) = share.node_mut(id) else { return Ok(None) };
        node.touch(&state.clock);
        if !preserve {
            node.times.last_write = node.last_modified;
            node.times.change = node.last_modified;
        }
        Ok(Some((node.etag(), node.last_modified, node.times.last_write)))
    })?;
    let Some((etag, last_modified, last_write)) = touched else {
        return Err(ServiceError::resource_not_found());
    };
    headers.extend([
        ("ETag", etag),
        ("Last-Modified", azure_time::rfc1123(last_modified)),
        ("x-ms-request-server-encrypted", "true".to_owned()),
        ("x-ms-file-last-write-time", azure_time::iso7(last_write)),
    ]);
    Ok(reply(StatusCode::CREATED, headers))
}

/// Headers common to Get File and Get File Properties.
fn file_headers(node: &Node, data: &FileData) -> Vec<(&'static str, String)> {
    let mut headers = entry_headers(node);
    let content = &data.content;
    headers
        .push(("Content-Type", content.content_type.clone().unwrap_or_else(|| "application/octet-stream".to_owned())));
    for (name, value) in [
        ("Content-Encoding", &content.content_encoding),
        ("Content-Language", &content.content_language),
        ("Cache-Control", &content.cache_control),
        ("Content-Disposition", &content.content_disposition),
    ] {
        if let Some(value) = value {
            headers.push((name, value.clone()));
        }
    }
    headers.extend([
        ("x-ms-type", "File".to_owned()),
        ("x-ms-server-encrypted", "true".to_owned()),
        ("x-ms-lease-state", "available".to_owned()),
        ("x-ms-lease-status", "unlocked".to_owned()),
    ]);
    headers
}

/// Get File Properties (HEAD).
pub(crate) fn properties(state: &State, req: &FilesRequest) -> Result<Response<Body>, ServiceError> {
    with_share(state, req, |share| {
        let id = file_of(share, req)?.id;
        let copy = match share.node_mut(id).map(|n| &mut n.kind) {
            Some(super::store::NodeKind::File(FileData { copy: Some(info), .. })) => {
                super::copy_ops::copy_headers(info, state.clock.now().0)
            }
            _ => Vec::new(),
        };
        let node = share.node(id).ok_or_else(ServiceError::resource_not_found)?;
        let data = node.file().ok_or_else(ServiceError::resource_not_found)?;
        let mut headers = file_headers(node, data);
        headers.extend(copy);
        headers.push(("Content-Length", data.size.to_string()));
        if let Some(md5) = &data.content.content_md5 {
            headers.push(("Content-MD5", md5.clone()));
        }
        let mut response = reply(StatusCode::OK, headers);
        insert_metadata(&mut response, node);
        Ok(response)
    })
}

/// Get File, whole or one range.
pub(crate) async fn get(
    state: &State,
    req: &FilesRequest,
    reset_after: Option<u64>,
) -> Result<Response<Body>, ServiceError> {
    let (id, size, mut headers, stored_md5, metadata_node) = with_share(state, req, |share| {
        let node = file_of(share, req)?;
        let data = node.file().ok_or_else(ServiceError::resource_not_found)?;
        Ok((node.id, data.size, file_headers(node, data), data.content.content_md5.clone(), node.clone()))
    })?;
    let range_header =
        req.header("x-ms-range").map(|v| ("x-ms-range", v)).or_else(|| req.header("range").map(|v| ("Range", v)));
    let want_range_md5 = req.header("x-ms-range-get-content-md5").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let (status, start, length) = match range_header {
        None => {
            if want_range_md5 {
                return Err(ServiceError::invalid_header("x-ms-range-get-content-md5", "true"));
            }
            if let Some(md5) = &stored_md5 {
                headers.push(("Content-MD5", md5.clone()));
            }
            (StatusCode::OK, 0, size)
        }
        Some((name, value)) => {
            let range = parse_range(value).ok_or_else(|| ServiceError::invalid_header(name, value))?;
            if range.start >= size {
                return Err(ServiceError::invalid_range(size));
            }
            let end = range.end.unwrap_or(size - 1).min(size - 1);
            let length = end - range.start + 1;
            if want_range_md5 && length > MAX_RANGE_BYTES {
                return Err(ServiceError::invalid_header("x-ms-range-get-content-md5", "true"));
            }
            headers.push(("Content-Range", format!("bytes {}-{end}/{size}", range.start)));
            if let Some(md5) = &stored_md5 {
                headers.push(("x-ms-content-md5", md5.clone()));
            }
            (StatusCode::PARTIAL_CONTENT, range.start, length)
        }
    };
    headers.push(("Accept-Ranges", "bytes".to_owned()));
    headers.push(("Content-Length", length.to_string()));
    state.bytes_served.fetch_add(length, std::sync::atomic::Ordering::Relaxed);
    let body = if reset_after.is_none() && length <= IN_MEMORY_READ_BYTES {
        let data = state.blobs.read(id, start, length).await.map_err(|_| ServiceError::internal())?;
        if want_range_md5 {
            headers.push(("Content-MD5", md5_base64(&data)));
        }
        full(data)
    } else {
        if want_range_md5 {
            let data = state.blobs.read(id, start, length).await.map_err(|_| ServiceError::internal())?;
            headers.push(("Content-MD5", md5_base64(&data)));
        }
        let stream = std::sync::Arc::clone(&state.blobs).stream(id, start, length, reset_after);
        BodyExt::boxed(StreamBody::new(stream))
    };
    let mut response = reply(status, headers);
    *response.body_mut() = body;
    insert_metadata(&mut response, &metadata_node);
    Ok(response)
}

/// Set File Properties: resize, content headers (each one not sent is cleared), SMB
/// properties.
pub(crate) async fn set_properties(state: &State, req: &FilesRequest) -> Result<Response<Body>, ServiceError> {
    let new_size = parse_size(req, "x-ms-content-length")?;
    let content = content_headers(req);
    let (response, id) = with_share(state, req, |share| {
        let id = file_of(share, req)?.id;
        if let Some(size) = new_size {
            share.resize(id, size)?;
        }
        let node = share.node_mut(id).ok_or_else(ServiceError::internal)?;
        if let super::store::NodeKind::File(data) = &mut node.kind {
            data.content = content;
        }
        node.touch(&state.clock);
        let now = node.last_modified;
        apply_smb_headers(req, node, now)?;
        Ok((reply(StatusCode::OK, entry_headers(node)), id))
    })?;
    if let Some(size) = new_size {
        state.blobs.resize(id, size).await.map_err(|_| ServiceError::internal())?;
    }
    Ok(response)
}

/// Delete File.
pub(crate) async fn delete(state: &State, req: &FilesRequest) -> Result<Response<Body>, ServiceError> {
    let id = with_share(state, req, |share| Ok(share.delete_file(&req.path)?))?;
    state.blobs.remove(vec![id]).await;
    Ok(reply(StatusCode::ACCEPTED, Vec::new()))
}
