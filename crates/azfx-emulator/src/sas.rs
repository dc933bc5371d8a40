//! Shared access signatures: service SAS (`sr=s` share, `sr=f` file) and account SAS
//! (`ss`/`srt`), signed with the account key exactly as the SDKs sign them. Checks the
//! signature, the time window, the protocol, the service and resource types, and the
//! permissions an operation needs. A SAS never goes with the intent header.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use hyper::StatusCode;
use sha2::Sha256;

use super::error::ServiceError;
use super::model::Access;
use super::request::FilesRequest;
use super::request::Scheme;
use super::state::Account;
use crate::wire as azure_time;

fn authentication_failed(detail: String) -> ServiceError {
    ServiceError::new(
        StatusCode::FORBIDDEN,
        "AuthenticationFailed",
        "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
    )
    .detail("AuthenticationErrorDetail", detail)
}

fn param<'a>(req: &'a FilesRequest, name: &str) -> &'a str {
    req.query(name).unwrap_or_default()
}

/// The fields of a service SAS in the order they are signed (after `sp`, `st`, `se` and
/// the canonicalized resource come these).
const SERVICE_FIELDS: [&str; 9] = ["si", "sip", "spr", "sv", "rscc", "rscd", "rsce", "rscl", "rsct"];

/// The string a service SAS signs (as `azure-storage-file-share` builds it), from the
/// SAS's fields by name and the canonicalized resource (`/file/{account}/{share}[/path]`).
fn service_fields_to_sign<'a>(field: impl Fn(&str) -> &'a str, resource: &str) -> String {
    let mut lines = vec![field("sp"), field("st"), field("se"), resource];
    lines.extend(SERVICE_FIELDS.iter().map(|name| field(name)));
    lines.join("\n")
}

/// The string a service SAS in `req` signs.
fn service_string_to_sign(req: &FilesRequest) -> String {
    let mut resource = format!("/file/{}/{}", req.account, req.share.as_deref().unwrap_or_default());
    if param(req, "sr") == "f" {
        for component in &req.path {
            resource.push('/');
            resource.push_str(component);
        }
    }
    service_fields_to_sign(|name| param(req, name), &resource)
}

/// A service SAS query string (`sv=…&se=…&sr=…&sp=…&spr=…&sig=…`) for `resource`
/// (`/file/{account}/{share}`), signed with `key`, as Resource Manager's `ListServiceSas`
/// makes one. `fields` are the SAS's own fields by name (`sp`, `se`, `sr`, …; `sv` is
/// added when missing).
pub(crate) fn sign_service(key: &[u8], resource: &str, fields: &[(&str, String)]) -> Option<String> {
    let mut fields: Vec<(&str, String)> = fields.iter().filter(|(_, v)| !v.is_empty()).cloned().collect();
    if !fields.iter().any(|(k, _)| *k == "sv") {
        fields.push(("sv", super::request::DEFAULT_VERSION.to_owned()));
    }
    let get = |name: &str| fields.iter().find(|(k, _)| *k == name).map_or("", |(_, v)| v.as_str());
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(service_fields_to_sign(get, resource).as_bytes());
    let signature = STANDARD.encode(mac.finalize().into_bytes());
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in &fields {
        query.append_pair(name, value);
    }
    query.append_pair("sig", &signature);
    Some(query.finish())
}

/// The string an account SAS signs (version 2020-12-06 and later: encryption scope last).
fn account_string_to_sign(req: &FilesRequest) -> String {
    let p = |name| param(req, name);
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n\n",
        req.account,
        p("sp"),
        p("ss"),
        p("srt"),
        p("st"),
        p("se"),
        p("sip"),
        p("spr"),
        p("sv")
    )
}

fn parse_time(text: &str) -> Option<time::OffsetDateTime> {
    azure_time::parse_iso(text).or_else(|| azure_time::parse_iso(&format!("{text}T00:00:00Z")))
}

/// Checks a SAS in the query for an operation needing `access` (share-level when
/// `share_level`).
pub(crate) fn check(
    account: &Account,
    req: &FilesRequest,
    scheme: Scheme,
    access: Access,
    share_level: bool,
) -> Result<(), ServiceError> {
    let account_sas = req.query("ss").is_some();
    if param(req, "sv").is_empty() || param(req, "se").is_empty() || param(req, "sp").is_empty() {
        return Err(authentication_failed("Signature fields not well formed.".to_owned()));
    }
    let string_to_sign = if account_sas { account_string_to_sign(req) } else { service_string_to_sign(req) };
    // A '+' sent unencoded arrives as a space.
    let signature = STANDARD
        .decode(param(req, "sig").replace(' ', "+"))
        .map_err(|_| authentication_failed("Signature fields not well formed.".to_owned()))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&account.key).map_err(|_| ServiceError::internal())?;
    mac.update(string_to_sign.as_bytes());
    if mac.verify_slice(&signature).is_err() {
        let shown = string_to_sign.replace('\n', "\\n");
        return Err(authentication_failed(format!("Signature did not match. String to sign used was {shown}")));
    }
    let now = time::OffsetDateTime::now_utc();
    let start = req.query("st").and_then(parse_time);
    let Some(expiry) = parse_time(param(req, "se")) else {
        return Err(authentication_failed("Signature fields not well formed.".to_owned()));
    };
    if now > expiry || start.is_some_and(|s| now < s) {
        return Err(authentication_failed(format!(
            "Signature not valid in the specified time frame: Start [{}] - Expiry [{}] - Current [{}]",
            start.map(azure_time::rfc1123).unwrap_or_default(),
            azure_time::rfc1123(expiry),
            azure_time::rfc1123(now)
        )));
    }
    if param(req, "spr") == "https" && scheme != Scheme::Https {
        return Err(ServiceError::new(
            StatusCode::FORBIDDEN,
            "AuthorizationProtocolMismatch",
            "This request is not authorized to perform this operation using this protocol.",
        ));
    }
    if account_sas {
        if !param(req, "ss").contains('f') {
            return Err(ServiceError::new(
                StatusCode::FORBIDDEN,
                "AuthorizationServiceMismatch",
                "This request is not authorized to perform this operation using this service.",
            ));
        }
        let needed = match access {
            Access::ListShares => "s",
            _ if share_level => "c",
            Access::Read => "co",
            _ => "o",
        };
        if !param(req, "srt").chars().any(|c| needed.contains(c)) {
            return Err(ServiceError::new(
                StatusCode::FORBIDDEN,
                "AuthorizationResourceTypeMismatch",
                "This request is not authorized to perform this operation using this resource type.",
            ));
        }
    } else if share_level {
        return Err(ServiceError::new(
            StatusCode::FORBIDDEN,
            "AuthorizationResourceTypeMismatch",
            "This request is not authorized to perform this operation using this resource type.",
        ));
    }
    let permissions = param(req, "sp");
    let listing = req.query("comp").is_some_and(|c| c.eq_ignore_ascii_case("list"));
    let allowed = match access {
        Access::Read if listing => permissions.contains('l'),
        Access::Read | Access::ShareRead => permissions.contains('r'),
        Access::ListShares => permissions.contains('l'),
        Access::Write | Access::ManageShares => permissions.contains('c') || permissions.contains('w'),
        Access::Delete => permissions.contains('d'),
    };
    if allowed {
        Ok(())
    } else {
        Err(ServiceError::new(
            StatusCode::FORBIDDEN,
            "AuthorizationPermissionMismatch",
            "This request is not authorized to perform this operation using this permission.",
        ))
    }
}
