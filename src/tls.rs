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
