//! The Files operations azfx uses, each one `send` away: shares, directories (paged
//! listing), files (create with size, ranges up and down, properties, resize), delete and
//! rename.

use std::fmt::Write as _;

use base64::Engine;
use bytes::Bytes;
use md5::{Digest, Md5};
use reqwest::Method;
use serde::Serialize;

use super::error::{ErrorKind, FilesError};
use super::send::{Request, Response};
use super::xml::{self, ListPage, ShareItem};
use super::{FilesClient, RANGE_BYTES};

/// What a look-up's 404 says when nothing is at the path (the parent folder may be
/// missing too): an answer, not an error.
const NOT_THERE: &[&str] = &["ResourceNotFound", "ParentNotFound"];

/// Whether a path is a file or a directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum EntryType {
    /// A file.
    File,
    /// A directory.
    Directory,
}

/// What to do when a destination exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overwrite {
    /// Fail with 409.
    Fail,
    /// Replace it (files only).
    Replace,
}

/// What `stamp_file` sets on a file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileStamp {
    /// Base64 MD5 of the whole content.
    pub content_md5: Option<String>,
    /// SMB creation time (`preserve` when `None`).
    pub created: Option<time::OffsetDateTime>,
    /// SMB last-write time (`preserve` when `None`).
    pub last_write: Option<time::OffsetDateTime>,
}

/// Properties of a file or directory, from Get Properties headers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EntryProperties {
    /// Directory or file.
    pub is_directory: bool,
    /// Size in bytes (files).
    pub size: Option<u64>,
    /// `ETag`.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
    /// `x-ms-file-creation-time`.
    pub created: Option<String>,
    /// `x-ms-file-last-write-time`.
    pub last_write: Option<String>,
    /// `x-ms-file-change-time`.
    pub changed: Option<String>,
    /// `x-ms-file-attributes`.
    pub attributes: Option<String>,
    /// `x-ms-file-id`.
    pub file_id: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// Stored whole-file `Content-MD5`.
    pub content_md5: Option<String>,
    /// `x-ms-meta-*`.
    pub metadata: Vec<(String, String)>,
}

impl EntryProperties {
    fn from_reply(reply: &Response, is_directory: bool) -> Self {
        let h = |name: &str| reply.header(name);
        Self {
            is_directory,
            size: if is_directory { None } else { h("content-length").and_then(|v| v.parse().ok()) },
            etag: h("etag"),
            last_modified: h("last-modified"),
            created: h("x-ms-file-creation-time"),
            last_write: h("x-ms-file-last-write-time"),
            changed: h("x-ms-file-change-time"),
            attributes: h("x-ms-file-attributes"),
            file_id: h("x-ms-file-id"),
            content_type: if is_directory { None } else { h("content-type") },
            content_md5: h("content-md5"),
            metadata: reply
                .headers
                .iter()
                .filter_map(|(name, value)| {
                    let key = name.as_str().strip_prefix("x-ms-meta-")?;
                    Some((key.to_owned(), value.to_str().ok()?.to_owned()))
                })
                .collect(),
        }
    }
}

fn invalid_response(operation: &str, url: &str, detail: &str) -> FilesError {
    let mut error = FilesError::new(ErrorKind::InvalidResponse, operation, url);
    error.message = Some(detail.to_owned());
    error
}

/// Base64 MD5 of a range (up to 4 MiB, a few milliseconds of CPU), computed on a blocking
/// thread so the runtime's two threads keep serving other requests.
async fn md5_off_runtime(data: Bytes) -> String {
    let digest = move || base64::engine::general_purpose::STANDARD.encode(Md5::digest(&data));
    match tokio::task::spawn_blocking(digest.clone()).await {
        Ok(md5) => md5,
        Err(_) => digest(),
    }
}

fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

impl FilesClient {
    /// Every share of the account (all pages).
    pub async fn list_shares(&self) -> Result<Vec<ShareItem>, FilesError> {
        let mut shares = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let mut url = self.endpoint.service_url();
            let mut query = "comp=list".to_owned();
            if let Some(m) = &marker {
                let _ = write!(query, "&marker={}", encode(m));
            }
            url.set_query(Some(&query));
            let redacted = url.to_string();
            let reply = self.send(Request::new("List shares", Method::GET, url).share_level()).await?;
            let page = xml::parse_shares(&reply.body)
                .map_err(|e| invalid_response("List shares", &redacted, &e.to_string()))?;
            shares.extend(page.shares);
            match page.next_marker {
                Some(next) => marker = Some(next),
                None => return Ok(shares),
            }
        }
    }

    /// Quota (GiB) of a share.
    pub async fn share_quota_gib(&self, share: &str) -> Result<Option<u64>, FilesError> {
        let mut url = self.endpoint.url(share, "");
        url.set_query(Some("restype=share"));
        let reply = self.send(Request::new("Get share properties", Method::GET, url).share_level()).await?;
        Ok(reply.header("x-ms-share-quota").and_then(|q| q.parse().ok()))
    }

    /// Bytes used in a share.
    pub async fn share_usage_bytes(&self, share: &str) -> Result<u64, FilesError> {
        let mut url = self.endpoint.url(share, "");
        url.set_query(Some("restype=share&comp=stats"));
        let redacted = url.to_string();
        let reply = self.send(Request::new("Get share stats", Method::GET, url).share_level()).await?;
        let text = String::from_utf8_lossy(crate::xml_text::strip_bom(&reply.body)).into_owned();
        text.split("<ShareUsageBytes>")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .and_then(|n| n.trim().parse().ok())
            .ok_or_else(|| invalid_response("Get share stats", &redacted, "no ShareUsageBytes"))
    }

    /// One page of a directory listing, with timestamps, `ETags` and attributes.
    pub async fn list_page(
        &self,
        share: &str,
        path: &str,
        marker: Option<&str>,
        max_results: u32,
    ) -> Result<ListPage, FilesError> {
        let mut url = self.endpoint.url(share, path);
        let mut query =
            format!("restype=directory&comp=list&include=Timestamps,ETag,Attributes&maxresults={max_results}");
        if let Some(m) = marker {
            let _ = write!(query, "&marker={}", encode(m));
        }
        url.set_query(Some(&query));
        let redacted = url.to_string();
        let request = Request::new("List directory", Method::GET, url).header("x-ms-file-extended-info", "true");
        let reply = self.send(request).await?;
        xml::parse_listing(&reply.body).map_err(|e| invalid_response("List directory", &redacted, &e.to_string()))
    }

    /// Creates a directory.
    pub async fn create_directory(&self, share: &str, path: &str) -> Result<EntryProperties, FilesError> {
        let mut url = self.endpoint.url(share, path);
        url.set_query(Some("restype=directory"));
        let reply = self.send(Request::new("Create directory", Method::PUT, url)).await?;
        Ok(EntryProperties::from_reply(&reply, true))
    }

    /// Creates a directory unless one is there already; answers whether it was created
    /// (409 `ResourceAlreadyExists` is an answer here, logged as expected).
    ///
    /// Errors: any other failure, as `create_directory`.
    pub async fn ensure_directory(&self, share: &str, path: &str) -> Result<bool, FilesError> {
        let mut url = self.endpoint.url(share, path);
        url.set_query(Some("restype=directory"));
        let request = Request::new("Create directory", Method::PUT, url).answered_by(&["ResourceAlreadyExists"]);
        match self.send(request).await {
            Ok(_) => Ok(true),
            Err(e) if e.code.as_deref() == Some("ResourceAlreadyExists") => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Deletes an empty directory.
    pub async fn delete_directory(&self, share: &str, path: &str) -> Result<(), FilesError> {
        let mut url = self.endpoint.url(share, path);
        url.set_query(Some("restype=directory"));
        self.send(Request::new("Delete directory", Method::DELETE, url)).await.map(drop)
    }

    /// Properties of a directory (the share root when `path` is empty).
    pub async fn directory_properties(&self, share: &str, path: &str) -> Result<EntryProperties, FilesError> {
        let mut url = self.endpoint.url(share, path);
        url.set_query(Some("restype=directory"));
        let reply = self.send(Request::new("Get directory properties", Method::GET, url)).await?;
        Ok(EntryProperties::from_reply(&reply, true))
    }

    /// Creates (or replaces) a file of `size` bytes (zeros until ranges are written).
    pub async fn create_file(&self, share: &str, path: &str, size: u64) -> Result<EntryProperties, FilesError> {
        self.create_stamped_file(share, path, size, &FileStamp::default()).await
    }

    /// Creates (or replaces) a file of `size` bytes carrying `stamp` from the start: its
    /// whole-file MD5 (`x-ms-content-md5`) and SMB times (a time that is `None` is left
    /// to the service: now). Put Range keeps both (azfx sends `x-ms-file-last-write-time:
    /// preserve`), so a file written in one range needs no stamp afterwards.
    pub async fn create_stamped_file(
        &self,
        share: &str,
        path: &str,
        size: u64,
        stamp: &FileStamp,
    ) -> Result<EntryProperties, FilesError> {
        let url = self.endpoint.url(share, path);
        let mut request = Request::new("Create file", Method::PUT, url)
            .header("x-ms-type", "file")
            .header("x-ms-content-length", size.to_string());
        if let Some(md5) = &stamp.content_md5 {
            request = request.header("x-ms-content-md5", md5.clone());
        }
        for (name, at) in [("x-ms-file-creation-time", stamp.created), ("x-ms-file-last-write-time", stamp.last_write)]
        {
            if let Some(at) = at {
                request = request.header(name, crate::azure_time::iso7(at));
            }
        }
        let reply = self.send(request).await?;
        Ok(EntryProperties::from_reply(&reply, false))
    }

    /// Writes `data` (at most 4 MiB) at `offset`, keeping the file's last-write time;
    /// over plain HTTP with its MD5 for the
    /// service to check (over HTTPS, TLS authenticates the bytes; see `Endpoint::is_tls`).
    pub async fn put_range(&self, share: &str, path: &str, offset: u64, data: Bytes) -> Result<(), FilesError> {
        if data.is_empty() {
            return Ok(());
        }
        let mut url = self.endpoint.url(share, path);
        url.set_query(Some("comp=range"));
        let end = offset + data.len() as u64 - 1;
        let mut request = Request::new("Put range", Method::PUT, url)
            .header("x-ms-range", format!("bytes={offset}-{end}"))
            .header("x-ms-write", "update")
            // The file's last-write time is what azfx stamps (the local file's), not now.
            .header("x-ms-file-last-write-time", "preserve");
        if !self.endpoint.is_tls() {
            request = request.header("content-md5", md5_off_runtime(data.clone()).await);
        }
        let request = request.body(data);
        self.send(request).await.map(drop)
    }

    /// Reads `length` bytes from `offset`. Over plain HTTP a range of at most 4 MiB comes
    /// with the service's MD5 of it, which is checked (over HTTPS, TLS authenticates the
    /// bytes; see `Endpoint::is_tls`).
    pub async fn get_range(&self, share: &str, path: &str, offset: u64, length: u64) -> Result<Bytes, FilesError> {
        if length == 0 {
            return Ok(Bytes::new());
        }
        let url = self.endpoint.url(share, path);
        let redacted = url.to_string();
        let checked = length <= RANGE_BYTES && !self.endpoint.is_tls();
        let mut request = Request::new("Get range", Method::GET, url)
            .header("x-ms-range", format!("bytes={offset}-{}", offset + length - 1));
        if checked {
            request = request.header("x-ms-range-get-content-md5", "true");
        }
        let reply = self.send(request).await?;
        if let (true, Some(expected)) = (checked, reply.header("content-md5")) {
            let actual = md5_off_runtime(reply.body.clone()).await;
            if actual != expected {
                return Err(invalid_response("Get range", &redacted, "the range's MD5 does not match the service's"));
            }
        }
        Ok(reply.body)
    }

    /// Reads a small file in one request: Get File answers its properties and its bytes
    /// together, so nothing needs asking before or checking after (one answer is one
    /// version of the file). `listed` is the size the file had when it was listed
    /// (at most `RANGE_BYTES`); the first `listed` bytes are asked for and the answer's
    /// `size` is the file's size now (from `Content-Range`), so a caller holding fewer
    /// bytes than `size` knows the file grew. A file listed as empty is read without a
    /// range (a range on an empty file is 416 `InvalidRange`, also the answer when the
    /// file emptied since). Over plain HTTP the service's MD5 of the range is checked
    /// (see `Endpoint::is_tls`); `content_md5` is the stored whole-file MD5
    /// (`x-ms-content-md5` on a range read, research notes §3.5).
    pub async fn read_small_file(
        &self,
        share: &str,
        path: &str,
        listed: u64,
    ) -> Result<(EntryProperties, Bytes), FilesError> {
        let url = self.endpoint.url(share, path);
        let redacted = url.to_string();
        let ranged = listed > 0;
        let checked = ranged && listed <= RANGE_BYTES && !self.endpoint.is_tls();
        let mut request = Request::new("Get file", Method::GET, url);
        if ranged {
            request = request.header("x-ms-range", format!("bytes=0-{}", listed - 1));
        }
        if checked {
            request = request.header("x-ms-range-get-content-md5", "true");
        }
        let reply = self.send(request).await?;
        let mut properties = EntryProperties::from_reply(&reply, false);
        if ranged {
            properties.content_md5 = reply.header("x-ms-content-md5");
            properties.size = reply
                .header("content-range")
                .and_then(|v| v.rsplit_once('/').and_then(|(_, total)| total.parse().ok()));
            if properties.size.is_none() {
                return Err(invalid_response("Get file", &redacted, "the answer to a range read has no Content-Range"));
            }
        }
        if checked && let Some(expected) = reply.header("content-md5") {
            let actual = md5_off_runtime(reply.body.clone()).await;
            if actual != expected {
                return Err(invalid_response("Get file", &redacted, "the range's MD5 does not match the service's"));
            }
        }
        Ok((properties, reply.body))
    }

    /// Properties of a file.
    pub async fn file_properties(&self, share: &str, path: &str) -> Result<EntryProperties, FilesError> {
        let url = self.endpoint.url(share, path);
        let reply = self.send(Request::new("Get file properties", Method::HEAD, url)).await?;
        Ok(EntryProperties::from_reply(&reply, false))
    }

    /// `file_properties`, answering `None` when nothing is at `path` (a 404 here is an
    /// answer, logged as expected).
    ///
    /// Errors: any other failure, as `file_properties`.
    pub async fn file_properties_if_any(&self, share: &str, path: &str) -> Result<Option<EntryProperties>, FilesError> {
        let url = self.endpoint.url(share, path);
        match self.send(Request::new("Get file properties", Method::HEAD, url).answered_by(NOT_THERE)).await {
            Ok(reply) => Ok(Some(EntryProperties::from_reply(&reply, false))),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `directory_properties`, answering `None` when nothing is at `path` (a 404 here is
    /// an answer, logged as expected).
    ///
    /// Errors: any other failure, as `directory_properties`.
    pub async fn directory_properties_if_any(
        &self,
        share: &str,
        path: &str,
    ) -> Result<Option<EntryProperties>, FilesError> {
        let mut url = self.endpoint.url(share, path);
        url.set_query(Some("restype=directory"));
        match self.send(Request::new("Get directory properties", Method::GET, url).answered_by(NOT_THERE)).await {
            Ok(reply) => Ok(Some(EntryProperties::from_reply(&reply, true))),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Changes a file's size, keeping its content type.
    pub async fn set_file_size(&self, share: &str, path: &str, size: u64) -> Result<(), FilesError> {
        let current = self.file_properties(share, path).await?;
        let mut url = self.endpoint.url(share, path);
        url.set_query(Some("comp=properties"));
        let mut request =
            Request::new("Set file properties", Method::PUT, url).header("x-ms-content-length", size.to_string());
        // Content headers not sent are cleared: send back what the file has.
        if let Some(content_type) = current.content_type {
            request = request.header("x-ms-content-type", content_type);
        }
        self.send(request).await.map(drop)
    }

    /// Stamps a file azfx just wrote with its whole-file MD5 (`x-ms-content-md5`, which
    /// downloads verify) and its SMB creation and last-write times (ISO 8601, 7 digits).
    /// Set File Properties clears content headers it is not sent, so this is for files
    /// whose content headers azfx owns (an upload's temporary file).
    pub async fn stamp_file(&self, share: &str, path: &str, stamp: &FileStamp) -> Result<(), FilesError> {
        let mut url = self.endpoint.url(share, path);
        url.set_query(Some("comp=properties"));
        let mut request = Request::new("Set file properties", Method::PUT, url)
            .header("x-ms-content-type", "application/octet-stream");
        if let Some(md5) = &stamp.content_md5 {
            request = request.header("x-ms-content-md5", md5.clone());
        }
        for (name, at) in [("x-ms-file-creation-time", stamp.created), ("x-ms-file-last-write-time", stamp.last_write)]
        {
            request = request.header(name, at.map_or_else(|| "preserve".to_owned(), crate::azure_time::iso7));
        }
        self.send(request).await.map(drop)
    }

    /// Deletes a file.
    pub async fn delete_file(&self, share: &str, path: &str) -> Result<(), FilesError> {
        let url = self.endpoint.url(share, path);
        self.send(Request::new("Delete file", Method::DELETE, url)).await.map(drop)
    }

    /// Renames (moves) a file or directory within the share; an existing destination file
    /// is replaced only with `Overwrite::Replace`.
    pub async fn rename(
        &self,
        share: &str,
        from: &str,
        to: &str,
        kind: EntryType,
        overwrite: Overwrite,
    ) -> Result<(), FilesError> {
        let is_directory = kind == EntryType::Directory;
        let replace = overwrite == Overwrite::Replace;
        let mut url = self.endpoint.url(share, to);
        url.set_query(Some(if is_directory { "restype=directory&comp=rename" } else { "comp=rename" }));
        let source = self.endpoint.url(share, from);
        let mut request = Request::new(if is_directory { "Rename directory" } else { "Rename file" }, Method::PUT, url)
            .header("x-ms-file-rename-source", source.to_string())
            .header("x-ms-source-allow-trailing-dot", "true")
            .header("x-ms-file-rename-replace-if-exists", if replace { "true" } else { "false" });
        // A retried rename could find its own result in the way.
        request.idempotent = false;
        self.send(request).await.map(drop)
    }
}
