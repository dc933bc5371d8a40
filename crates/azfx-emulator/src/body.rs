//! The body every emulator handler answers with, and the few shapes of answer shared by
//! the identity endpoints and the Files API (JSON, a connection reset mid-body).

use std::io;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full, StreamBody};
use hyper::body::Frame;
use hyper::{Response, StatusCode};

/// Body of every emulator response.
pub(crate) type Body = BoxBody<Bytes, io::Error>;

/// A body holding these bytes.
pub(crate) fn full(data: impl Into<Bytes>) -> Body {
    Full::new(data.into()).map_err(|never| match never {}).boxed()
}

/// An empty body.
pub(crate) fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed()
}

/// A JSON answer as the identity endpoints send it.
pub(crate) fn json_response(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let mut response = Response::new(full(value.to_string()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json; charset=utf-8"));
    response.headers_mut().insert(http::header::SERVER, http::HeaderValue::from_static("IMDS/150.870.65.1854"));
    response
}

/// A response whose body fails at once: the client sees the connection drop.
pub(crate) fn reset_response() -> Response<Body> {
    let stream = futures_util::stream::once(async {
        Err::<Frame<Bytes>, _>(io::Error::new(io::ErrorKind::ConnectionReset, "injected connection reset"))
    });
    let mut response = Response::new(BodyExt::boxed(StreamBody::new(stream)));
    response.headers_mut().insert(http::header::CONTENT_LENGTH, http::HeaderValue::from_static("1024"));
    response
}
