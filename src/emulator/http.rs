//! The emulator's HTTP plumbing: accept loops for HTTP and HTTPS on loopback, one hyper
//! connection task per socket, routing between the identity endpoints and the Files API,
//! and the body type every handler answers with.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use super::state::State;
use super::{files, identity};

/// Body of every emulator response.
pub type Body = BoxBody<Bytes, io::Error>;

/// A body holding these bytes.
pub fn full(data: impl Into<Bytes>) -> Body {
    Full::new(data.into()).map_err(|never| match never {}).boxed()
}

/// An empty body.
pub fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed()
}

/// A JSON answer as the identity endpoints send it.
pub fn json_response(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let mut response = Response::new(full(value.to_string()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json; charset=utf-8"));
    response.headers_mut().insert(http::header::SERVER, http::HeaderValue::from_static("IMDS/150.870.65.1854"));
    response
}

/// A response whose body fails at once: the client sees the connection drop.
pub fn reset_response() -> Response<Body> {
    let stream = futures_util::stream::once(async {
        Err::<Frame<Bytes>, _>(io::Error::new(io::ErrorKind::ConnectionReset, "injected connection reset"))
    });
    let mut response = Response::new(BodyExt::boxed(StreamBody::new(stream)));
    response.headers_mut().insert(http::header::CONTENT_LENGTH, http::HeaderValue::from_static("1024"));
    response
}

/// Which listener a request came in on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP.
    Http,
    /// HTTPS with the emulator's certificate.
    Https,
}

impl Scheme {
    /// `http` or `https`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }
}

async fn route(state: Arc<State>, scheme: Scheme, request: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let path = request.uri().path();
    let response = if path == "/metadata/identity/oauth2/token" || path == "/metadata/identity/oauth2/token/" {
        let (parts, _) = request.into_parts();
        identity::imds(&state, &parts)
    } else if path == "/msi/token" || path == "/msi/token/" {
        let (parts, _) = request.into_parts();
        identity::app_service(&state, &parts)
    } else {
        files::handle(&state, scheme, request).await
    };
    Ok(response)
}

/// Serves connections from `listener` until `shutdown` turns true.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    state: Arc<State>,
    mut shutdown: watch::Receiver<bool>,
) {
    let scheme = if tls.is_some() { Scheme::Https } else { Scheme::Http };
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        let (stream, _peer): (tokio::net::TcpStream, SocketAddr) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!("emulator accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let state = Arc::clone(&state);
        let tls = tls.clone();
        let mut conn_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| route(Arc::clone(&state), scheme, request));
            let builder = hyper::server::conn::http1::Builder::new();
            let result = if let Some(acceptor) = tls {
                match acceptor.accept(stream).await {
                    Ok(tls_stream) => {
                        let conn = builder.serve_connection(TokioIo::new(tls_stream), service);
                        tokio::select! { r = conn => r, _ = conn_shutdown.changed() => Ok(()) }
                    }
                    Err(e) => {
                        tracing::debug!("emulator TLS handshake failed: {e}");
                        Ok(())
                    }
                }
            } else {
                let conn = builder.serve_connection(TokioIo::new(stream), service);
                tokio::select! { r = conn => r, _ = conn_shutdown.changed() => Ok(()) }
            };
            if let Err(e) = result {
                tracing::debug!("emulator connection ended: {e}");
            }
        });
    }
}
