//! The Azure Files REST front door: common response headers, injected faults, operation
//! classification by method + `restype` + `comp`, authorization, and dispatch to
//! `share_ops`, `dir_ops` and `file_ops`. Also the helpers those share: the request's
//! share, empty and XML replies, `maxresults`, and reading a request body.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};

use super::body::{Body, empty, full};
use super::error::ServiceError;
use super::model::{Access, Fault, FaultTarget};
use super::request::Scheme;
use super::request::{FilesRequest, valid_version};
use super::state::State;
use super::store::EntryKind;
use super::{auth, copy_ops, dir_ops, file_ops, share_ops};
use crate::wire as azure_time;

/// One Files REST operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    ListShares,
    CreateShare,
    DeleteShare,
    GetShareProperties,
    SetShareProperties,
    GetShareStats,
    GetShareAcl,
    SetShareAcl,
    CreateDirectory,
    DeleteDirectory,
    GetDirectoryProperties,
    SetDirectoryMetadata,
    ListDirectory,
    RenameDirectory,
    CreateFile,
    PutRange,
    GetFile,
    GetFileProperties,
    SetFileProperties,
    SetFileMetadata,
    DeleteFile,
    RenameFile,
    CopyFile,
    AbortCopyFile,
}

impl Op {
    /// What the caller's role must grant.
    pub(crate) fn access(self) -> Access {
        match self {
            Self::ListShares => Access::ListShares,
            Self::CreateShare | Self::DeleteShare | Self::SetShareProperties | Self::SetShareAcl => {
                Access::ManageShares
            }
            Self::GetShareProperties | Self::GetShareStats | Self::GetShareAcl => Access::ShareRead,
            Self::GetDirectoryProperties | Self::ListDirectory | Self::GetFile | Self::GetFileProperties => {
                Access::Read
            }
            Self::DeleteDirectory | Self::DeleteFile => Access::Delete,
            _ => Access::Write,
        }
    }

    /// Share and service operations, which accept bearer tokens only from 2024-11-04.
    pub(crate) fn share_level(self) -> bool {
        matches!(
            self,
            Self::ListShares
                | Self::CreateShare
                | Self::DeleteShare
                | Self::GetShareProperties
                | Self::SetShareProperties
                | Self::GetShareStats
                | Self::GetShareAcl
                | Self::SetShareAcl
        )
    }
}

fn unsupported_verb() -> ServiceError {
    ServiceError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "UnsupportedHttpVerb",
        "The resource doesn't support specified Http Verb.",
    )
}

/// Maps method, `restype` and `comp` to an operation.
fn classify(req: &FilesRequest) -> Result<Op, ServiceError> {
    let restype = req.query("restype").map(str::to_ascii_lowercase);
    let comp = req.query("comp").map(str::to_ascii_lowercase);
    let m = &req.method;
    let bad_comp = || ServiceError::invalid_query("comp", comp.as_deref().unwrap_or_default());
    let bad_restype = || ServiceError::invalid_query("restype", restype.as_deref().unwrap_or_default());
    if req.share.is_none() {
        return match (m, comp.as_deref()) {
            (&Method::GET, Some("list")) => Ok(Op::ListShares),
            (&Method::GET, _) => Err(bad_comp()),
            _ => Err(unsupported_verb()),
        };
    }
    let at_root = req.path.is_empty();
    match (restype.as_deref(), comp.as_deref(), m) {
        (Some("share"), None, &Method::PUT) if at_root => Ok(Op::CreateShare),
        (Some("share"), None, &Method::DELETE) if at_root => Ok(Op::DeleteShare),
        (Some("share"), None, &Method::GET | &Method::HEAD) if at_root => Ok(Op::GetShareProperties),
        (Some("share"), Some("stats"), &Method::GET) if at_root => Ok(Op::GetShareStats),
        (Some("share"), Some("properties"), &Method::PUT) if at_root => Ok(Op::SetShareProperties),
        (Some("share"), Some("acl"), &Method::GET | &Method::HEAD) if at_root => Ok(Op::GetShareAcl),
        (Some("share"), Some("acl"), &Method::PUT) if at_root => Ok(Op::SetShareAcl),
        (Some("share"), Some(_), _) if at_root => Err(bad_comp()),
        (Some("directory"), None, &Method::PUT) => Ok(Op::CreateDirectory),
        (Some("directory"), None, &Method::DELETE) => Ok(Op::DeleteDirectory),
        (Some("directory"), None, &Method::GET | &Method::HEAD) => Ok(Op::GetDirectoryProperties),
        (Some("directory"), Some("list"), &Method::GET) => Ok(Op::ListDirectory),
        (Some("directory"), Some("rename"), &Method::PUT) => Ok(Op::RenameDirectory),
        (Some("directory"), Some("metadata"), &Method::PUT) => Ok(Op::SetDirectoryMetadata),
        (Some("directory"), Some("list" | "rename" | "metadata"), _) => Err(unsupported_verb()),
        (Some("directory"), Some(_), _) => Err(bad_comp()),
        (Some(_), _, _) => Err(bad_restype()),
        (None, _, _) if at_root => Err(ServiceError::invalid_uri()),
        (None, None, &Method::PUT) if req.header("x-ms-copy-source").is_some() => Ok(Op::CopyFile),
        (None, None, &Method::PUT) => Ok(Op::CreateFile),
        (None, None, &Method::GET) => Ok(Op::GetFile),
        (None, None, &Method::HEAD) => Ok(Op::GetFileProperties),
        (None, None, &Method::DELETE) => Ok(Op::DeleteFile),
        (None, Some("range"), &Method::PUT) => Ok(Op::PutRange),
        (None, Some("properties"), &Method::PUT) => Ok(Op::SetFileProperties),
        (None, Some("metadata"), &Method::PUT) => Ok(Op::SetFileMetadata),
        (None, Some("rename"), &Method::PUT) => Ok(Op::RenameFile),
        (None, Some("copy"), &Method::PUT) => Ok(Op::AbortCopyFile),
        (None, Some("range" | "properties" | "metadata" | "rename" | "copy") | None, _) => Err(unsupported_verb()),
        (None, Some(_), _) => Err(bad_comp()),
    }
}

/// Request id, version and client request id echoed on every answer.
struct Echo {
    request_id: String,
    version: String,
    client_request_id: Option<String>,
    is_head: bool,
}

fn finish(result: Result<Response<Body>, ServiceError>, echo: &Echo) -> Response<Body> {
    let mut response = match result {
        Ok(response) => response,
        Err(error) => {
            let time = azure_time::iso7(time::OffsetDateTime::now_utc());
            let body = error.body(&echo.request_id, &time);
            let mut response = Response::new(if echo.is_head { empty() } else { full(body.clone()) });
            *response.status_mut() = error.status;
            let headers = response.headers_mut();
            if let Ok(code) = error.code.parse() {
                headers.insert("x-ms-error-code", code);
            }
            if !echo.is_head {
                headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/xml"));
            }
            for (name, value) in &error.headers {
                if let Ok(value) = value.parse() {
                    headers.insert(*name, value);
                }
            }
            if let Ok(reason) = hyper::ext::ReasonPhrase::try_from(error.message.clone().into_bytes()) {
                response.extensions_mut().insert(reason);
            }
            response
        }
    };
    let headers = response.headers_mut();
    if let Ok(v) = echo.request_id.parse() {
        headers.insert("x-ms-request-id", v);
    }
    if let Ok(v) = echo.version.parse() {
        headers.insert("x-ms-version", v);
    }
    if let Some(v) = echo.client_request_id.as_deref().and_then(|v| v.parse().ok()) {
        headers.insert("x-ms-client-request-id", v);
    }
    if let Ok(v) = azure_time::rfc1123(time::OffsetDateTime::now_utc()).parse() {
        headers.insert(http::header::DATE, v);
    }
    headers
        .insert(http::header::SERVER, http::HeaderValue::from_static("Windows-Azure-File/1.0 Microsoft-HTTPAPI/2.0"));
    response
}

/// Serves one Files request.
pub(crate) async fn handle(state: &Arc<State>, scheme: Scheme, request: Request<Incoming>) -> Response<Body> {
    state.files_requests.fetch_add(1, Ordering::Relaxed);
    let _serving = state.in_flight.start();
    let (parts, body) = request.into_parts();
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let echo = Echo {
        request_id: uuid::Uuid::new_v4().to_string(),
        version: header("x-ms-version").unwrap_or_else(|| super::request::DEFAULT_VERSION.to_owned()),
        client_request_id: header("x-ms-client-request-id"),
        is_head: parts.method == Method::HEAD,
    };
    let result = serve(state, scheme, &parts, body).await;
    finish(result, &echo)
}

fn injected_error(status: u16, code: &str, header_name: Option<String>) -> ServiceError {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let message = match code {
        "MissingRequiredHeader" => "An HTTP header that's mandatory for this request is not specified.",
        _ => "The request failed.",
    };
    let error = ServiceError::new(status, code.to_owned(), message);
    match header_name {
        Some(name) => error.detail("HeaderName", name),
        None => error,
    }
}

fn fault_error(status: u16, retry_after_secs: Option<u32>) -> ServiceError {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let error = match status {
        503 | 429 => ServiceError::new(
            code,
            "ServerBusy",
            "The server is currently unable to receive requests. Please retry your request.",
        ),
        500 => ServiceError::internal(),
        408 => ServiceError::new(
            code,
            "OperationTimedOut",
            "The operation could not be completed within the permitted time.",
        ),
        _ => ServiceError::new(
            code,
            "InternalError",
            "The server encountered an internal error. Please retry the request.",
        ),
    };
    match retry_after_secs {
        Some(secs) => error.header("Retry-After", secs.to_string()),
        None => error,
    }
}

async fn serve(
    state: &Arc<State>,
    scheme: Scheme,
    parts: &http::request::Parts,
    body: Incoming,
) -> Result<Response<Body>, ServiceError> {
    let mut req = FilesRequest::parse(parts, scheme)?;
    let latency = state.lock().faults.latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if let Some(version) = &req.version
        && !valid_version(version)
    {
        return Err(ServiceError::invalid_header("x-ms-version", version));
    }
    let op = classify(&req)?;
    let mut reset_after = None;
    let op_fault = match op {
        Op::PutRange => state.take_fault(FaultTarget::PutRange, false),
        Op::ListDirectory => state.take_fault(FaultTarget::Listing, true),
        Op::GetFile => state.take_fault(FaultTarget::GetFile, true),
        _ => None,
    };
    match op_fault.or_else(|| state.take_fault(FaultTarget::Files, op == Op::GetFile)) {
        Some(Fault::Status { status, retry_after_secs }) => return Err(fault_error(status, retry_after_secs)),
        // A listing (not streamed) is cut before its body: the connection drops.
        Some(Fault::ResetMidBody { .. }) if op != Op::GetFile => return Ok(super::body::reset_response()),
        Some(Fault::ResetMidBody { after_bytes }) => reset_after = Some(after_bytes),
        Some(Fault::Stall { secs }) => {
            tokio::time::sleep(std::time::Duration::from_secs(secs.into())).await;
            return Ok(super::body::reset_response());
        }
        Some(Fault::ClaimsChallenge) => return Err(auth::claims_challenge(state)),
        Some(Fault::ServiceError { status, code, header_name }) => {
            return Err(injected_error(status, &code, header_name));
        }
        // Authorization below then refuses this request's token too.
        Some(Fault::RevokeTokens) => state.revoke_all_issued(),
        None => {}
    }
    req.normalize_names()?;
    auth::authorize(state, &req, scheme, op.access(), op.share_level())?;
    if let Some(share) = &req.share {
        let inner = state.lock();
        let throttled = inner.accounts.get(&req.account).and_then(|a| a.shares.get(share)).is_some_and(|s| s.throttled);
        if throttled {
            return Err(ServiceError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServerBusy",
                "Operations per second is over the account limit.",
            )
            .header("Retry-After", "1"));
        }
    }
    match op {
        Op::ListShares => share_ops::list_shares(state, &req),
        Op::CreateShare => share_ops::create_share(state, &req),
        Op::DeleteShare => share_ops::delete_share(state, &req).await,
        Op::GetShareProperties => share_ops::share_properties(state, &req),
        Op::SetShareProperties => share_ops::set_share_properties(state, &req),
        Op::GetShareStats => share_ops::share_stats(state, &req),
        Op::GetShareAcl => share_ops::get_acl(state, &req),
        Op::SetShareAcl => share_ops::set_acl(state, &req, body).await,
        Op::CreateDirectory => dir_ops::create(state, &req),
        Op::DeleteDirectory => dir_ops::delete(state, &req),
        Op::GetDirectoryProperties => dir_ops::properties(state, &req),
        Op::SetDirectoryMetadata | Op::SetFileMetadata => {
            dir_ops::set_metadata(state, &req, op == Op::SetDirectoryMetadata)
        }
        Op::ListDirectory => dir_ops::list(state, &req),
        Op::RenameDirectory => dir_ops::rename(state, &req, EntryKind::Directory).await,
        Op::CreateFile => file_ops::create(state, &req).await,
        Op::PutRange => file_ops::put_range(state, &req, body).await,
        Op::GetFile => file_ops::get(state, &req, reset_after).await,
        Op::GetFileProperties => file_ops::properties(state, &req),
        Op::SetFileProperties => file_ops::set_properties(state, &req).await,
        Op::DeleteFile => file_ops::delete(state, &req).await,
        Op::RenameFile => dir_ops::rename(state, &req, EntryKind::File).await,
        Op::CopyFile => copy_ops::copy(state, &req, scheme).await,
        Op::AbortCopyFile => copy_ops::abort(state, &req).await,
    }
}
