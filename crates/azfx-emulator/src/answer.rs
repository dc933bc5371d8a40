//! What every Files operation handler shares: taking the share a request names under
//! the state's lock, the shapes of a reply (headers only, XML), the `maxresults` paging
//! parameter, and reading a request body with a size limit and a timeout.

use hyper::body::Incoming;
use hyper::{Response, StatusCode};

use super::body::{Body, empty, full};
use super::error::ServiceError;
use super::request::FilesRequest;
use super::state::State;
use super::store::Share;

/// Runs `f` on the request's share, or answers `ShareNotFound`.
pub(crate) fn with_share<T>(
    state: &State,
    req: &FilesRequest,
    f: impl FnOnce(&mut Share) -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    let mut inner = state.lock();
    let share = req
        .share
        .as_ref()
        .and_then(|name| inner.accounts.get_mut(&req.account)?.shares.get_mut(name))
        .ok_or_else(ServiceError::share_not_found)?;
    f(share)
}

/// A response with this status and headers and an empty body.
pub(crate) fn reply(status: StatusCode, headers: Vec<(&'static str, String)>) -> Response<Body> {
    let mut response = Response::new(empty());
    *response.status_mut() = status;
    for (name, value) in headers {
        if let Ok(value) = value.parse() {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// An XML answer with the service's BOM.
pub(crate) fn xml_reply(xml: String) -> Response<Body> {
    let mut response = Response::new(full(xml));
    response.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/xml"));
    response
}

/// `maxresults`: 1..=5000 (larger is capped), default 5000.
pub(crate) fn parse_max_results(req: &FilesRequest) -> Result<usize, ServiceError> {
    match req.query("maxresults") {
        None => Ok(5000),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n.min(5000)),
            _ => Err(ServiceError::invalid_query("maxresults", v)),
        },
    }
}

/// How long the emulator waits for a request body before giving up.
const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Reads a request body of at most `limit` bytes: larger is 413 `RequestBodyTooLarge`, a
/// body that stops arriving is 500 `OperationTimedOut` rather than a hang.
pub(crate) async fn read_body(body: Incoming, limit: u64) -> Result<bytes::Bytes, ServiceError> {
    use http_body_util::BodyExt as _;
    let limited = http_body_util::Limited::new(body, usize::try_from(limit).unwrap_or(usize::MAX));
    match tokio::time::timeout(BODY_TIMEOUT, limited.collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(_)) => Err(ServiceError::body_too_large(limit)),
        Err(_) => Err(ServiceError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "OperationTimedOut",
            "The operation could not be completed within the permitted time.",
        )),
    }
}
