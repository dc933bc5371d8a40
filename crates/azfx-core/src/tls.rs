//! TLS setup shared by every HTTP client: rustls with the ring provider (no OpenSSL), and
//! the process-wide default provider reqwest picks up.

/// Installs ring as rustls' process default provider (idempotent).
pub fn install_default_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Fails only if another provider was installed first, which is fine too.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The TLS settings of an HTTP client that trusts the system's roots and `extra` (DER
/// certificates, the emulator's CA in tests and the demo, a proxy's CA from `--ca-file`),
/// with ALPN `h2`, `http/1.1` as reqwest offers by default: `WebPKI` verification over
/// the system's roots, read once per process — on Linux and the BSDs from their files
/// (`/etc/ssl/certs` holds ~300 entries, ~40 ms to read and parse, where reqwest's own
/// verifier reads them again for every client built), on Windows from the certificate
/// store's trusted roots (reqwest's platform verifier fails there under Wine with
/// "Invalid parameter", and one set-up everywhere is one set-up to test).
///
/// Errors: an `extra` certificate that is not a valid CA certificate (the text says why).
#[cfg(any(windows, all(unix, not(target_vendor = "apple"), not(target_os = "android"))))]
pub fn client_config(extra: &[rustls::pki_types::CertificateDer<'static>]) -> Result<rustls::ClientConfig, String> {
    use std::sync::{Arc, Mutex, PoisonError};
    // Kept once read; an empty read is tried again by the next client.
    static SYSTEM: Mutex<Option<rustls::RootCertStore>> = Mutex::new(None);
    let mut roots = {
        let mut system = SYSTEM.lock().unwrap_or_else(PoisonError::into_inner);
        if system.is_none() {
            let mut roots = rustls::RootCertStore::empty();
            let loaded = rustls_native_certs::load_native_certs();
            // As reqwest does: unreadable or unparsable system certificates are skipped
            // (noted in the log file).
            for error in &loaded.errors {
                tracing::info!("a system root certificate could not be read: {error}");
            }
            roots.add_parsable_certificates(loaded.certs);
            *system = Some(roots).filter(|roots| !roots.is_empty());
        }
        system.clone().unwrap_or_else(rustls::RootCertStore::empty)
    };
    for certificate in extra {
        roots.add(certificate.clone()).map_err(|e| format!("the CA file's certificate is not usable: {e}"))?;
    }
    if roots.is_empty() {
        return Err("no trusted root certificates: none in the system store and no CA file given".to_owned());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
        .build()
        .map_err(|e| format!("could not set up certificate checks: {e}"))?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("could not set up TLS: {e}"))?
        .with_webpki_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
