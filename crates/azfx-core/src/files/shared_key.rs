//! Shared Key signing of a Files request (account key credential), as the REST
//! documentation describes: verb, standard headers, canonical `x-ms-*` headers, and the
//! canonical resource with the query parameters.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use reqwest::header::HeaderMap;
use sha2::Sha256;

/// The `Authorization` value for a request, or `None` if the key is not valid base64.
pub fn authorization(
    account: &str,
    key_base64: &str,
    method: &str,
    url: &reqwest::Url,
    headers: &HeaderMap,
) -> Option<String> {
    let key = STANDARD.decode(key_base64.trim()).ok()?;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let content_length = match header("content-length") {
        "0" => "",
        other => other,
    };
    let mut string_to_sign = [
        method,
        header("content-encoding"),
        header("content-language"),
        content_length,
        header("content-md5"),
        header("content-type"),
        header("date"),
        header("if-modified-since"),
        header("if-match"),
        header("if-none-match"),
        header("if-unmodified-since"),
        header("range"),
    ]
    .join("\n");
    string_to_sign.push('\n');
    let mut ms: Vec<(&str, &str)> = headers
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("x-ms-"))
        .map(|(name, value)| (name.as_str(), value.to_str().unwrap_or_default().trim()))
        .collect();
    ms.sort_unstable();
    for (name, value) in ms {
        string_to_sign.push_str(name);
        string_to_sign.push(':');
        string_to_sign.push_str(value);
        string_to_sign.push('\n');
    }
    string_to_sign.push('/');
    string_to_sign.push_str(account);
    string_to_sign.push_str(url.path());
    let mut query: Vec<(String, String)> =
        url.query_pairs().map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned())).collect();
    query.sort();
    for (name, value) in query {
        string_to_sign.push('\n');
        string_to_sign.push_str(&name);
        string_to_sign.push(':');
        string_to_sign.push_str(&value);
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(string_to_sign.as_bytes());
    Some(format!("SharedKey {account}:{}", STANDARD.encode(mac.finalize().into_bytes())))
}
