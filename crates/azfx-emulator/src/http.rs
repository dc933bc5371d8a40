//! The emulator's HTTP plumbing: accept loops for HTTP and HTTPS on loopback, one hyper
//! connection task per socket, and routing between the identity endpoints and the Files
//! API (whose bodies are `body::Body`).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use super::body::Body;
use super::request::Scheme;
use super::state::State;
use super::{files, identity};

async fn route(state: Arc<State>, scheme: Scheme, request: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    state.all_requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = request.uri().path();
    let identity = path.starts_with("/metadata/identity/oauth2/token") || path.starts_with("/msi/token");
    if identity && let Some(secs) = state.take_stall(super::FaultTarget::Identity) {
        // An identity endpoint that accepted the request and does not answer.
        tokio::time::sleep(std::time::Duration::from_secs(secs.into())).await;
        return Ok(super::body::reset_response());
    }
    let response = if path == "/metadata/identity/oauth2/token" || path == "/metadata/identity/oauth2/token/" {
        let (parts, _) = request.into_parts();
        identity::imds(&state, &parts)
    } else if path == "/msi/token" || path == "/msi/token/" {
        let (parts, _) = request.into_parts();
        identity::app_service(&state, &parts)
    } else if path.starts_with("/metadata/instance") {
        let (parts, _) = request.into_parts();
        identity::instance_metadata(&state, &parts)
    } else if path == "/subscriptions" || path.starts_with("/subscriptions/") {
        let (parts, body) = request.into_parts();
        let host = parts.headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
        let base = format!("{}://{host}", scheme.as_str());
        // ARM's action bodies are small JSON documents.
        match super::answer::read_body(body, 64 * 1024).await {
            Ok(body) => super::arm::handle(&state, &parts, &body, &base),
            Err(_) => super::arm::unreadable_body(),
        }
    } else {
        files::handle(&state, scheme, request).await
    };
    Ok(response)
}

/// Serves connections from `listener` until `shutdown` turns true.
pub(crate) async fn serve(
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
