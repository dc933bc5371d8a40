//! Copy File and Abort Copy File, within one storage account.
//!
//! As on the service (research notes §3.8; recording `fileclient__oauth/
//! recording_startcopyfromurl.js`): `PUT /{share}/{dest}` with `x-ms-copy-source: {URL}`
//! answers 202 with `x-ms-copy-id` and `x-ms-copy-status`; Get File Properties of the
//! destination then reports `x-ms-copy-status` (`pending|success|aborted|failed`),
//! `x-ms-copy-progress` and `x-ms-copy-completion-time`. A missing source is 404
//! `CannotVerifyCopySource` "The specified resource does not exist."; a source in another
//! account without its own authorization is 403 `CannotVerifyCopySource` (real answers
//! quoted in azure-sdk-for-java #7637 and azure-storage-azcopy #1491). The destination is
//! replaced if it exists (the service's rule: callers that must not replace check first).
//! Abort: `PUT ?comp=copy&copyid=…` with `x-ms-copy-action: abort` → 204, or 409
//! `NoPendingCopyOperation`.

use hyper::{Response, StatusCode};
use percent_encoding::percent_decode_str;

use super::answer::{reply, with_share};
use super::body::Body;
use super::dir_ops::entry_headers;
use super::error::ServiceError;
use super::model::Access;
use super::request::{FilesRequest, Scheme, valid_component};
use super::state::State;
use super::store::{CopyInfo, NodeKind};

fn cannot_verify(status: StatusCode, message: &str) -> ServiceError {
    ServiceError::new(status, "CannotVerifyCopySource", message)
}

/// The share and path an `x-ms-copy-source` URL names, when it is in `req`'s account.
fn copy_source(req: &FilesRequest) -> Result<(String, Vec<String>), ServiceError> {
    let raw = req.header("x-ms-copy-source").ok_or_else(|| ServiceError::missing_header("x-ms-copy-source"))?;
    let invalid = || ServiceError::invalid_header("x-ms-copy-source", raw);
    let url = url::Url::parse(raw).map_err(|_| invalid())?;
    let host = url.host_str().ok_or_else(invalid)?;
    let path_style = host == "localhost" || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok();
    let decoded = percent_decode_str(url.path().trim_start_matches('/')).decode_utf8().map_err(|_| invalid())?;
    let mut segments = decoded.split('/').filter(|s| !s.is_empty());
    let account = if path_style { segments.next().unwrap_or_default() } else { host.split('.').next().unwrap_or("") };
    if account != req.account {
        // Another account (or the blob service) must authorize the source itself, with a
        // SAS; the emulator holds one account per name and no blobs.
        return Err(cannot_verify(StatusCode::FORBIDDEN, "This request is not authorized to perform this operation."));
    }
    let share = segments.next().ok_or_else(invalid)?.to_owned();
    let keep_dots = req.header("x-ms-source-allow-trailing-dot").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let mut path = Vec::new();
    for segment in segments {
        let name = if keep_dots { segment.to_owned() } else { segment.trim_end_matches('.').to_owned() };
        if !valid_component(&name) {
            return Err(ServiceError::invalid_resource_name());
        }
        path.push(name);
    }
    if path.is_empty() {
        return Err(invalid());
    }
    Ok((share, path))
}

/// Copy File (same account).
pub(crate) async fn copy(state: &State, req: &FilesRequest, scheme: Scheme) -> Result<Response<Body>, ServiceError> {
    let raw_source = req.header("x-ms-copy-source").unwrap_or_default().to_owned();
    let (source_share, source_path) = copy_source(req)?;
    let bearer = req.header("authorization").is_some_and(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer "));
    if bearer && req.share.as_deref() != Some(source_share.as_str()) {
        // An identity needs a read role on the source share too. (Shared Key and SAS
        // callers were authorized for the destination; the source is in the same account.)
        let reading = FilesRequest {
            method: http::Method::GET,
            headers: req.headers.clone(),
            raw_path: req.raw_path.clone(),
            account: req.account.clone(),
            share: Some(source_share.clone()),
            path: source_path.clone(),
            query: req.query.clone(),
            service_endpoint: req.service_endpoint.clone(),
            version: req.version.clone(),
        };
        super::auth::authorize(state, &reading, scheme, Access::Read, false)?;
    }
    let (response, source_id, new_id, replaced, size) = {
        let mut inner = state.lock();
        let fail = inner.faults.copy_failures > 0;
        if fail {
            inner.faults.copy_failures -= 1;
        }
        // The start answer is only ever `success` or `pending`: a copy that fails is seen
        // failing by a later Get File Properties.
        let pending_polls = if fail { inner.faults.copy_pending_polls.max(1) } else { inner.faults.copy_pending_polls };
        let account = inner.accounts.get_mut(&req.account).ok_or_else(ServiceError::share_not_found)?;
        let missing = || cannot_verify(StatusCode::NOT_FOUND, "The specified resource does not exist.");
        let source = account.shares.get(&source_share).ok_or_else(missing)?;
        let source_node = source.resolve(&source_path).ok().and_then(|id| source.node(id)).ok_or_else(missing)?;
        let NodeKind::File(data) = &source_node.kind else { return Err(missing()) };
        let (source_id, size, content) = (source_node.id, data.size, data.content.clone());
        let (times, attributes, metadata) =
            (source_node.times, source_node.attributes.clone(), source_node.metadata.clone());
        drop(inner);
        with_share(state, req, |share| {
            let (id, replaced) = share.create_file(&req.path, size, content, &state.ids, &state.clock)?;
            let node = share.node_mut(id).ok_or_else(ServiceError::internal)?;
            let from_source = |name: &str| req.header(name).is_some_and(|v| v.eq_ignore_ascii_case("source"));
            if from_source("x-ms-file-creation-time") {
                node.times.creation = times.creation;
            }
            if from_source("x-ms-file-last-write-time") {
                node.times.last_write = times.last_write;
            }
            if from_source("x-ms-file-attributes") {
                node.attributes = attributes;
            }
            let requested = super::dir_ops::metadata_from(req);
            node.metadata = if requested.is_empty() { metadata } else { requested };
            let (now, _) = state.clock.now();
            let outcome = if fail { "failed" } else { "success" };
            let info = CopyInfo {
                id: uuid::Uuid::new_v4().to_string(),
                source: raw_source,
                status: if pending_polls > 0 { "pending" } else { outcome },
                outcome,
                pending_polls,
                total: size,
                completed: (pending_polls == 0).then_some(now),
            };
            let mut headers = entry_headers(node);
            headers.push(("x-ms-copy-id", info.id.clone()));
            headers.push(("x-ms-copy-status", info.status.to_owned()));
            if let NodeKind::File(data) = &mut node.kind {
                data.copy = Some(Box::new(info));
            }
            Ok((reply(StatusCode::ACCEPTED, headers), source_id, id, replaced, size))
        })?
    };
    let failing = {
        let inner = state.lock();
        let share = inner.accounts.get(&req.account).and_then(|a| a.shares.get(&req.share.clone().unwrap_or_default()));
        let node = share.and_then(|s| s.node(new_id)).and_then(|n| n.file()).and_then(|f| f.copy.as_ref());
        node.is_some_and(|info| info.outcome == "failed")
    };
    if !failing {
        state.blobs.copy(source_id, new_id, size).await.map_err(|_| ServiceError::internal())?;
        // The source went while its bytes were read: the copy fails, as on the service.
        let source_gone = {
            let inner = state.lock();
            let share = inner.accounts.get(&req.account).and_then(|a| a.shares.get(&source_share));
            share.is_none_or(|s| s.resolve(&source_path).ok() != Some(source_id))
        };
        if source_gone {
            let mut inner = state.lock();
            let share = inner
                .accounts
                .get_mut(&req.account)
                .and_then(|a| a.shares.get_mut(&req.share.clone().unwrap_or_default()));
            if let Some(NodeKind::File(data)) = share.and_then(|s| s.node_mut(new_id)).map(|n| &mut n.kind)
                && let Some(info) = data.copy.as_mut()
            {
                info.outcome = "failed";
                if info.status == "success" {
                    info.status = "failed";
                }
            }
        }
    }
    if let Some(old) = replaced {
        state.blobs.remove(vec![old]).await;
    }
    Ok(response)
}

/// The `x-ms-copy-*` headers of a file a Copy File wrote; a pending copy moves towards its
/// outcome by one poll each time it is asked.
pub(crate) fn copy_headers(info: &mut CopyInfo, now: time::OffsetDateTime) -> Vec<(&'static str, String)> {
    if info.status == "pending" {
        info.pending_polls = info.pending_polls.saturating_sub(1);
        if info.pending_polls == 0 {
            info.status = info.outcome;
            info.completed = Some(now);
        }
    }
    let done = if info.status == "success" { info.total } else { 0 };
    let mut headers = vec![
        ("x-ms-copy-id", info.id.clone()),
        ("x-ms-copy-source", info.source.clone()),
        ("x-ms-copy-status", info.status.to_owned()),
        ("x-ms-copy-progress", format!("{done}/{}", info.total)),
    ];
    if let Some(at) = info.completed {
        headers.push(("x-ms-copy-completion-time", crate::wire::rfc1123(at)));
    }
    if info.status == "failed" {
        headers.push(("x-ms-copy-status-description", "404 CannotVerifyCopySource Copy failed.".to_owned()));
    } else if info.status == "aborted" {
        headers.push(("x-ms-copy-status-description", "Copy aborted by the client.".to_owned()));
    }
    headers
}

/// Abort Copy File.
pub(crate) async fn abort(state: &State, req: &FilesRequest) -> Result<Response<Body>, ServiceError> {
    match req.header("x-ms-copy-action") {
        Some(v) if v.eq_ignore_ascii_case("abort") => {}
        Some(v) => return Err(ServiceError::invalid_header("x-ms-copy-action", v)),
        None => return Err(ServiceError::missing_header("x-ms-copy-action")),
    }
    let copy_id = req.query("copyid").ok_or_else(|| ServiceError::missing_query("copyid"))?.to_owned();
    let (response, id) = with_share(state, req, |share| {
        let id = share.resolve(&req.path)?;
        let node = share.node_mut(id).ok_or_else(ServiceError::resource_not_found)?;
        let NodeKind::File(data) = &mut node.kind else { return Err(ServiceError::resource_not_found()) };
        let no_pending = || {
            ServiceError::new(
                StatusCode::CONFLICT,
                "NoPendingCopyOperation",
                "There is currently no pending copy operation.",
            )
        };
        let info = data.copy.as_mut().ok_or_else(no_pending)?;
        if info.id != copy_id {
            return Err(ServiceError::new(
                StatusCode::CONFLICT,
                "CopyIdMismatch",
                "The specified copy ID did not match the copy ID for the pending copy operation.",
            ));
        }
        if info.status != "pending" {
            return Err(no_pending());
        }
        info.status = "aborted";
        info.completed = Some(state.clock.now().0);
        // "Aborting a copy leaves a destination file with zero length and full metadata"
        // (Abort Copy File, learn.microsoft.com).
        share.resize(id, 0)?;
        Ok((reply(StatusCode::NO_CONTENT, Vec::new()), id))
    })?;
    state.blobs.resize(id, 0).await.map_err(|_| ServiceError::internal())?;
    Ok(response)
}
