//! What every HTTP client of azfx shares, whichever service it speaks to (the Files REST
//! API, the identity endpoints, Azure Resource Manager): the one exchange loop
//! (`exchange`: attempts, the request log, retries, one token refresh), the request log
//! and its redaction rules, the retry policy with `Retry-After`, and the kinds of
//! transport failure. Knows no service: `files`, `auth` and `arm` build on it, never the
//! reverse.

pub mod exchange;
pub mod log;
pub mod retry;
pub mod transport;

pub use log::{Attempts, ExchangeKind, LogEntry, LogNews, Recovery, RequestLog, redact_headers, redact_url};
pub use retry::RetryPolicy;
pub use transport::TransportKind;

/// A `reqwest` client builder with azfx's user agent, an extra trusted CA when given
/// (PEM; the emulator's in tests and the demo) and no proxy for loopback hosts.
///
/// Errors: the PEM is not a certificate (the text says why).
pub fn client_builder(ca_pem: Option<&[u8]>, loopback: bool) -> Result<reqwest::ClientBuilder, String> {
    crate::tls::install_default_provider();
    let mut builder = reqwest::Client::builder().user_agent(concat!("azfx/", env!("CARGO_PKG_VERSION")));
    if loopback {
        builder = builder.no_proxy();
    }
    #[cfg(any(windows, all(unix, not(target_vendor = "apple"), not(target_os = "android"))))]
    {
        use rustls::pki_types::{CertificateDer, pem::PemObject as _};
        // Every certificate of the file (a proxy's root and its intermediate, say).
        let extra = match ca_pem {
            Some(pem) => {
                let certificates = CertificateDer::pem_slice_iter(pem)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("the CA file is not a PEM certificate: {e}"))?;
                if certificates.is_empty() {
                    return Err("the CA file holds no PEM certificate".to_owned());
                }
                certificates
            }
            None => Vec::new(),
        };
        builder = builder.tls_backend_preconfigured(crate::tls::client_config(&extra)?);
    }
    #[cfg(not(any(windows, all(unix, not(target_vendor = "apple"), not(target_os = "android")))))]
    if let Some(pem) = ca_pem {
        let certificate =
            reqwest::Certificate::from_pem(pem).map_err(|e| format!("the CA file is not a PEM certificate: {e}"))?;
        builder = builder.tls_certs_merge([certificate]);
    }
    Ok(builder)
}

/// Milliseconds since `started`, saturating.
pub fn elapsed_ms(started: std::time::Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}
