//! Authorization of Files requests in the service's order. For a bearer token: intent
//! header → version → signature and lifetime → issuer → audience → network rules → role at
//! share scope. Shared Key requests are checked against the account key instead and carry
//! no intent. Each failure is the service's status, code and `AuthenticationErrorDetail`.

use std::fmt::Write as _;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use hyper::StatusCode;
use serde_json::Value;
use sha2::Sha256;

use super::error::ServiceError;
use super::model::Access;
use super::request::FilesRequest;
use super::state::{Account, State};
use super::token::{self, TokenRejection};

/// Who a request was authorized as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Principal {
    /// A bearer token of this principal (object id).
    Bearer(String),
    /// The account key.
    SharedKey,
    /// A shared access signature in the query.
    Sas,
}

/// First version that accepts bearer tokens for file and directory operations.
const OAUTH_FILE_VERSION: &str = "2022-11-02";
/// First version that accepts bearer tokens for share and service operations.
const OAUTH_SHARE_VERSION: &str = "2024-11-04";
/// Clock skew the service tolerates on `nbf`.
const NBF_SKEW_SECS: i64 = 300;

fn challenge(tenant_id: &str) -> String {
    format!(
        "Bearer authorization_uri=https://login.microsoftonline.com/{tenant_id}/oauth2/authorize resource_id=https://storage.azure.com"
    )
}

fn invalid_auth_info(tenant_id: &str, detail: &str) -> ServiceError {
    ServiceError::new(
        StatusCode::UNAUTHORIZED,
        "InvalidAuthenticationInfo",
        "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.",
    )
    .detail("AuthenticationErrorDetail", detail)
    .header("WWW-Authenticate", challenge(tenant_id))
}

fn authentication_failed(detail: &str) -> ServiceError {
    ServiceError::new(
        StatusCode::FORBIDDEN,
        "AuthenticationFailed",
        "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
    )
    .detail("AuthenticationErrorDetail", detail)
}

/// Checks a request's credentials and permissions for an operation needing `access`;
/// `share_level` marks share and service operations (bearer needs version 2024-11-04).
pub(crate) fn authorize(
    state: &State,
    req: &FilesRequest,
    scheme: super::request::Scheme,
    access: Access,
    share_level: bool,
) -> Result<Principal, ServiceError> {
    let inner = state.lock();
    let Some(account) = inner.accounts.get(&req.account) else {
        return Err(ServiceError::invalid_uri());
    };
    let authorization = req.header("authorization").unwrap_or_default();
    if let Some(token) = authorization.strip_prefix("Bearer ") {
        let object_id = check_bearer(state, &inner, account, req, token.trim(), share_level)?;
        if account.network_deny {
            return Err(network_denied());
        }
        let share = req.share.as_deref().filter(|_| access != Access::ListShares);
        // Roles assigned to the identity or to a group it is a member of, once they have
        // propagated.
        let ids = inner.principal_ids(&object_id);
        let propagated_by = time::OffsetDateTime::now_utc().unix_timestamp() - inner.role_propagation_secs;
        let allowed = inner.assignments.iter().any(|a| {
            ids.contains(&a.object_id)
                && a.created <= propagated_by
                && a.role.grants(access)
                && a.scope.covers(&account.placement, &req.account, share)
        });
        if !allowed {
            return Err(ServiceError::new(
                StatusCode::FORBIDDEN,
                "AuthorizationPermissionMismatch",
                "This request is not authorized to perform this operation using this permission.",
            ));
        }
        return Ok(Principal::Bearer(object_id));
    }
    let key_based = authorization.starts_with("SharedKey ") || (authorization.is_empty() && req.query("sig").is_some());
    if key_based && !account.shared_key_access {
        return Err(ServiceError::new(
            StatusCode::FORBIDDEN,
            "KeyBasedAuthenticationNotPermitted",
            "Key based authentication is not permitted on this storage account.",
        ));
    }
    if let Some(credential) = authorization.strip_prefix("SharedKey ") {
        check_shared_key(account, req, credential.trim())?;
        if account.network_deny {
            return Err(network_denied());
        }
        return Ok(Principal::SharedKey);
    }
    if authorization.is_empty() && req.query("sig").is_some() {
        super::sas::check(account, req, scheme, access, share_level)?;
        if account.network_deny {
            return Err(network_denied());
        }
        return Ok(Principal::Sas);
    }
    if !authorization.is_empty() {
        return Err(ServiceError::new(
            StatusCode::BAD_REQUEST,
            "InvalidAuthenticationInfo",
            "Authentication information is not given in the correct format. Check the value of Authorization header.",
        ));
    }
    Err(ServiceError::new(
        StatusCode::UNAUTHORIZED,
        "NoAuthenticationInformation",
        "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.",
    )
    .header("WWW-Authenticate", challenge(&account.tenant_id)))
}

/// A 401 whose challenge asks for more claims (`error="insufficient_claims"`).
pub(crate) fn claims_challenge(state: &State) -> ServiceError {
    // Base64 of {"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}.
    let claims = "eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwidmFsdWUiOiIxNzAwMDAwMDAwIn19fQ==";
    invalid_auth_info(&state.tenant_id, "Token is missing required claims.").header(
        "WWW-Authenticate",
        format!("{}, error=\"insufficient_claims\", claims=\"{claims}\"", challenge(&state.tenant_id)),
    )
}

fn network_denied() -> ServiceError {
    ServiceError::new(
        StatusCode::FORBIDDEN,
        "AuthorizationFailure",
        "This request is not authorized to perform this operation.",
    )
}

/// The bearer checks up to and including the audience; returns the token's `oid`.
fn check_bearer(
    state: &State,
    inner: &super::state::Inner,
    account: &Account,
    req: &FilesRequest,
    token: &str,
    share_level: bool,
) -> Result<String, ServiceError> {
    match req.header("x-ms-file-request-intent") {
        None => return Err(ServiceError::missing_header("x-ms-file-request-intent")),
        Some(v) if !v.eq_ignore_ascii_case("backup") => {
            return Err(ServiceError::invalid_header("x-ms-file-request-intent", v));
        }
        Some(_) => {}
    }
    let version = req.version.as_deref().unwrap_or("2009-09-19");
    if version < OAUTH_FILE_VERSION {
        return Err(authentication_failed("Authentication scheme Bearer is not supported in this version."));
    }
    if share_level && version < OAUTH_SHARE_VERSION {
        return Err(ServiceError::new(
            StatusCode::CONFLICT,
            "FileOAuthManagementApiRestrictedToSrp",
            "This API does not support bearer tokens. For OAuth, use the Storage Resource Provider APIs instead. Learn more: https://aka.ms/azurefiles/restapi.",
        ));
    }
    let tenant = &account.tenant_id;
    let claims = token::verify(&state.signing_key, token).map_err(|rejection| match rejection {
        TokenRejection::Malformed => {
            invalid_auth_info(tenant, "Signature validation failed. The token is not a well-formed JWT.")
        }
        TokenRejection::BadSignature => invalid_auth_info(tenant, "Signature validation failed. Signature is invalid."),
    })?;
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    let text = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default();
    let now = state.token_now();
    let revoked = inner.revoked_through.is_some_and(|through| number("iat").is_some_and(|iat| iat <= through));
    if number("exp").is_none_or(|exp| exp <= now) || revoked {
        return Err(invalid_auth_info(tenant, "Lifetime validation failed. The token is expired."));
    }
    if number("nbf").is_some_and(|nbf| nbf > now + NBF_SKEW_SECS) {
        return Err(invalid_auth_info(tenant, "Lifetime validation failed. The token is not yet valid."));
    }
    if text("tid") != tenant.as_str() {
        return Err(invalid_auth_info(tenant, "Issuer validation failed. Issuer did not match."));
    }
    let audience = text("aud").trim_end_matches('/');
    let account_audience = format!("https://{}.file.core.windows.net", req.account);
    if audience != "https://storage.azure.com" && audience != account_audience {
        return Err(invalid_auth_info(tenant, "Audience validation failed. Audience did not match."));
    }
    Ok(text("oid").to_owned())
}

/// Verifies `SharedKey account:signature` against the account key.
fn check_shared_key(account: &Account, req: &FilesRequest, credential: &str) -> Result<(), ServiceError> {
    let Some((name, signature)) = credential.split_once(':') else {
        return Err(authentication_failed("The Authorization header is not in the SharedKey format."));
    };
    if name != req.account {
        return Err(authentication_failed(&format!(
            "The account being accessed does not match the account in the Authorization header ({name})."
        )));
    }
    let Ok(signature_bytes) = STANDARD.decode(signature) else {
        return Err(authentication_failed("The MAC signature is not valid base64."));
    };
    let candidates = string_to_sign_candidates(req);
    for candidate in &candidates {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&account.key) else { continue };
        mac.update(candidate.as_bytes());
        if mac.verify_slice(&signature_bytes).is_ok() {
            return Ok(());
        }
    }
    let shown = candidates.first().map(String::as_str).unwrap_or_default().replace('\n', "\\n");
    Err(authentication_failed(&format!(
        "The MAC signature found in the HTTP request '{signature}' is not the same as any computed signature. Server used following string to sign: '{shown}'."
    )))
}

/// Strings to sign a client may have used: canonical headers sorted ordinally or with
/// .NET's culture order (which ignores `-`), and the resource with or without the
/// account segment of a path-style URL.
fn string_to_sign_candidates(req: &FilesRequest) -> Vec<String> {
    let h = |name: &str| req.header(name).unwrap_or_default();
    let content_length = match h("content-length") {
        "0" => "",
        other => other,
    };
    let head = [
        req.method.as_str(),
        h("content-encoding"),
        h("content-language"),
        content_length,
        h("content-md5"),
        h("content-type"),
        h("date"),
        h("if-modified-since"),
        h("if-match"),
        h("if-none-match"),
        h("if-unmodified-since"),
        h("range"),
    ]
    .join("\n");
    let mut ms_headers: Vec<(String, String)> = req
        .headers
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("x-ms-"))
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap_or_default().trim().to_owned()))
        .collect();
    ms_headers.sort();
    let lines = |headers: &[(String, String)]| {
        headers.iter().fold(String::new(), |mut out, (n, v)| {
            let _ = writeln!(out, "{n}:{v}");
            out
        })
    };
    let ordinal = lines(&ms_headers);
    ms_headers.sort_by_key(|(n, _)| n.replace('-', ""));
    let culture = lines(&ms_headers);

    let mut params: Vec<(&String, &String)> = req.query.iter().collect();
    params.sort();
    let query = params.iter().fold(String::new(), |mut out, (k, v)| {
        let _ = write!(out, "\n{k}:{v}");
        out
    });
    let full_path = format!("/{}{}{query}", req.account, req.raw_path);
    let account_prefix = format!("/{}", req.account);
    let short_path = req
        .raw_path
        .strip_prefix(&account_prefix)
        .map(|rest| format!("/{}{}{query}", req.account, if rest.is_empty() { "/" } else { rest }));

    let mut out = Vec::new();
    for headers in [&ordinal, &culture] {
        out.push(format!("{head}\n{headers}{full_path}"));
        if let Some(short) = &short_path {
            out.push(format!("{head}\n{headers}{short}"));
        }
    }
    out
}
