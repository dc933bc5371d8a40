//! The worker side of diagnosis: the checks that make requests or read this machine's
//! state (the access check; SMB readiness to come) and hand each result to the pure
//! `diagnose` module. Holds no UI state.

pub mod access;

/// Proxy variables of this process (`HTTPS_PROXY`, `NO_PROXY`, …) with any
/// `user:password@` removed, for the diagnostic bundle and the diagnosis context.
pub fn proxy_environment() -> Vec<(String, String)> {
    ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY"]
        .iter()
        .filter_map(|name| {
            std::env::var(name).ok().map(|v| ((*name).to_owned(), crate::diagnose::report::redact_proxy(&v)))
        })
        .collect()
}

/// The HTTPS proxy in effect, credentials removed (what a diagnosis of a TLS or connect
/// failure mentions).
pub fn https_proxy() -> Option<String> {
    std::env::var("HTTPS_PROXY")
        .or_else(|_| std::env::var("https_proxy"))
        .ok()
        .map(|v| crate::diagnose::report::redact_proxy(&v))
}
