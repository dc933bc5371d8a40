//! Authorization in the service's order, every failure mode with status, code and body.

use azfx_emulator::{Emulator, EmulatorConfig};
use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use sha2::Sha256;

use crate::support::{ACCOUNT, SHARE, STORAGE, VERSION, expect_error, normalize, recorded_body, start};

fn list(share: &str) -> String {
    format!("{share}?restype=directory&comp=list")
}

#[tokio::test]
async fn missing_intent_header_is_the_recorded_400() {
    let env = start();
    let response = env
        .client
        .get(env.url(&list(SHARE)))
        .bearer_auth(&env.writer_token)
        .header("x-ms-version", VERSION)
        .send()
        .await
        .unwrap();
    let body = expect_error(response, StatusCode::BAD_REQUEST, "MissingRequiredHeader").await;
    assert_eq!(normalize(&body), recorded_body("error-400-missing-required-header-intent"));
}

#[tokio::test]
async fn wrong_intent_value_is_invalid_header() {
    let env = start();
    let response =
        env.raw(&env.writer_token, Method::GET, &list(SHARE), VERSION, Some("restore")).send().await.unwrap();
    let body = expect_error(response, StatusCode::BAD_REQUEST, "InvalidHeaderValue").await;
    assert!(body.contains("<HeaderName>x-ms-file-request-intent</HeaderName>"));
}

#[tokio::test]
async fn versions_too_old_for_bearer_get_the_services_answers() {
    let env = start();
    let response =
        env.raw(&env.writer_token, Method::GET, &list(SHARE), "2021-12-02", Some("backup")).send().await.unwrap();
    let body = expect_error(response, StatusCode::FORBIDDEN, "AuthenticationFailed").await;
    assert!(body.contains("<AuthenticationErrorDetail>Authentication scheme Bearer is not supported in this version.</AuthenticationErrorDetail>"));

    let response = env
        .raw(&env.writer_token, Method::PUT, "newshare?restype=share", "2022-11-02", Some("backup"))
        .send()
        .await
        .unwrap();
    let body = expect_error(response, StatusCode::CONFLICT, "FileOAuthManagementApiRestrictedToSrp").await;
    assert_eq!(normalize(&body), recorded_body("error-409-file-oauth-management-api-restricted-to-srp"));

    // File operations work from 2022-11-02, and versions newer than the emulator knows.
    for version in ["2022-11-02", "2025-07-05", "2026-10-06"] {
        let response =
            env.raw(&env.writer_token, Method::GET, &list(SHARE), version, Some("backup")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{version}");
        assert_eq!(response.headers()["x-ms-version"], version);
    }
    let response =
        env.raw(&env.writer_token, Method::GET, &list(SHARE), "latest", Some("backup")).send().await.unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "InvalidHeaderValue").await;
}

async fn expect_401(env: &crate::support::Env, token: &str, detail: &str) {
    let response = env.req_as(token, Method::GET, &list(SHARE)).send().await.unwrap();
    let challenge =
        response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let tenant = env.emulator.control().tenant_id();
    assert_eq!(
        challenge,
        format!(
            "Bearer authorization_uri=https://login.microsoftonline.com/{tenant}/oauth2/authorize resource_id=https://storage.azure.com"
        )
    );
    let body = expect_error(response, StatusCode::UNAUTHORIZED, "InvalidAuthenticationInfo").await;
    assert!(body.contains(&format!("<AuthenticationErrorDetail>{detail}</AuthenticationErrorDetail>")), "{body}");
    assert!(body.contains("<Message>Server failed to authenticate the request. Please refer to the information in the www-authenticate header.\n"));
}

#[tokio::test]
async fn token_failures_are_401_with_the_real_details() {
    let env = start();
    let control = env.emulator.control();
    let oid = &env.writer.object_id;
    let expired = control.mint_token(oid, STORAGE, -7200, 3600).unwrap();
    expect_401(&env, &expired, "Lifetime validation failed. The token is expired.").await;
    let future = control.mint_token(oid, STORAGE, 3600, 3600).unwrap();
    expect_401(&env, &future, "Lifetime validation failed. The token is not yet valid.").await;
    let arm = control.mint_token(oid, "https://management.azure.com/", 0, 3600).unwrap();
    expect_401(&env, &arm, "Audience validation failed. Audience did not match.").await;
    let mut forged = env.writer_token.clone();
    forged.truncate(forged.len() - 4);
    forged.push_str("AAAA");
    expect_401(&env, &forged, "Signature validation failed. Signature is invalid.").await;
    expect_401(&env, "not-a-jwt", "Signature validation failed. The token is not a well-formed JWT.").await;
    // The account-specific audience is accepted too.
    let account_aud = control.mint_token(oid, &format!("https://{ACCOUNT}.file.core.windows.net"), 0, 3600).unwrap();
    let response = env.req_as(&account_aud, Method::GET, &list(SHARE)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn wrong_audience_body_matches_the_recording() {
    let env = start();
    let arm =
        env.emulator.control().mint_token(&env.writer.object_id, "https://management.azure.com/", 0, 3600).unwrap();
    let response = env.req_as(&arm, Method::GET, &format!("{SHARE}/dir1?restype=directory")).send().await.unwrap();
    let body = expect_error(response, StatusCode::UNAUTHORIZED, "InvalidAuthenticationInfo").await;
    assert_eq!(normalize(&body), recorded_body("error-401-invalid-authentication-info-audience"));
}

#[tokio::test]
async fn expire_all_tokens_revokes_issued_tokens() {
    let env = start();
    assert_eq!(env.req(Method::GET, &list(SHARE)).send().await.unwrap().status(), StatusCode::OK);
    env.emulator.control().expire_all_tokens();
    expect_401(&env, &env.writer_token, "Lifetime validation failed. The token is expired.").await;
}

#[tokio::test]
async fn token_from_another_tenant_fails_issuer_validation() {
    let env = start();
    env.emulator.control().add_account_in_tenant("otheracct", "11111111-2222-3333-4444-555555555555");
    env.emulator.control().create_share("otheracct", "data", 1).unwrap();
    let url = format!("{}/otheracct/data?restype=directory&comp=list", env.emulator.http_url());
    let response = env
        .client
        .get(url)
        .bearer_auth(&env.writer_token)
        .header("x-ms-version", VERSION)
        .header("x-ms-file-request-intent", "backup")
        .send()
        .await
        .unwrap();
    assert!(response.headers()["www-authenticate"].to_str().unwrap().contains("11111111-2222-3333-4444-555555555555"));
    let body = expect_error(response, StatusCode::UNAUTHORIZED, "InvalidAuthenticationInfo").await;
    assert!(body.contains("Issuer validation failed. Issuer did not match."));
}

#[tokio::test]
async fn roles_decide_reads_and_writes() {
    let env = start();
    let reader = env.token_for(&env.reader);
    let norole = env.token_for(&env.norole);
    let smb = env.token_for(&env.smb_only);
    let mismatch = "This request is not authorized to perform this operation using this permission.";
    for token in [&norole, &smb] {
        let response = env.req_as(token, Method::GET, &list(SHARE)).send().await.unwrap();
        let body = expect_error(response, StatusCode::FORBIDDEN, "AuthorizationPermissionMismatch").await;
        assert!(body.contains(mismatch));
        assert_eq!(
            normalize(&body).replace("RequestId:X\nTime:X", ""),
            format!(
                "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthorizationPermissionMismatch</Code><Message>{mismatch}\n</Message></Error>"
            )
        );
    }
    assert_eq!(env.req_as(&reader, Method::GET, &list(SHARE)).send().await.unwrap().status(), StatusCode::OK);
    let response = env.req_as(&reader, Method::PUT, &format!("{SHARE}/newdir?restype=directory")).send().await.unwrap();
    expect_error(response, StatusCode::FORBIDDEN, "AuthorizationPermissionMismatch").await;
    // A share-scoped data role does not allow listing the account's shares.
    let response = env.req_as(&reader, Method::GET, "?comp=list").send().await.unwrap();
    expect_error(response, StatusCode::FORBIDDEN, "AuthorizationPermissionMismatch").await;
    assert_eq!(env.req(Method::GET, "?comp=list").send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn firewall_deny_is_authorization_failure() {
    let env = start();
    env.emulator.control().set_network_deny(ACCOUNT, true).unwrap();
    let response = env.req(Method::GET, &list(SHARE)).send().await.unwrap();
    let body = expect_error(response, StatusCode::FORBIDDEN, "AuthorizationFailure").await;
    assert!(body.contains("This request is not authorized to perform this operation.\n"));
}

#[tokio::test]
async fn anonymous_and_unknown_account_requests() {
    let env = start();
    let response = env.client.get(env.url(&list(SHARE))).header("x-ms-version", VERSION).send().await.unwrap();
    assert!(response.headers().contains_key("www-authenticate"));
    expect_error(response, StatusCode::UNAUTHORIZED, "NoAuthenticationInformation").await;
    let url = format!("{}/nosuchacct/{SHARE}?restype=directory&comp=list", env.emulator.http_url());
    let response = env
        .client
        .get(url)
        .bearer_auth(&env.writer_token)
        .header("x-ms-file-request-intent", "backup")
        .header("x-ms-version", VERSION)
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "InvalidUri").await;
}

/// Shared Key signing written from the REST documentation, independent of the emulator.
fn shared_key(key_b64: &str, method: &str, url: &reqwest::Url, headers: &[(&str, &str)]) -> String {
    let mut ms: Vec<(String, String)> = headers
        .iter()
        .filter(|(n, _)| n.starts_with("x-ms-"))
        .map(|(n, v)| (n.to_lowercase(), (*v).to_owned()))
        .collect();
    ms.sort();
    let canonical_headers = ms.iter().fold(String::new(), |out, (n, v)| out + n + ":" + v + "\n");
    let mut query: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.to_lowercase(), v.into_owned())).collect();
    query.sort();
    let canonical_query = query.iter().fold(String::new(), |out, (k, v)| out + "\n" + k + ":" + v);
    let string_to_sign =
        format!("{method}\n\n\n\n\n\n\n\n\n\n\n\n{canonical_headers}/{ACCOUNT}{}{canonical_query}", url.path());
    let key = base64::engine::general_purpose::STANDARD.decode(key_b64).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(string_to_sign.as_bytes());
    format!("SharedKey {ACCOUNT}:{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

#[tokio::test]
async fn shared_key_is_accepted_without_intent_and_a_wrong_key_is_not() {
    let env = start();
    let key = env.emulator.control().account_key(ACCOUNT).unwrap();
    let url = reqwest::Url::parse(&env.url(&list(SHARE))).unwrap();
    let date = httpdate::fmt_http_date(std::time::SystemTime::now());
    let headers = [("x-ms-date", date.as_str()), ("x-ms-version", VERSION)];
    let good = shared_key(&key, "GET", &url, &headers);
    let response = env
        .client
        .get(url.clone())
        .header("Authorization", good)
        .header("x-ms-date", &date)
        .header("x-ms-version", VERSION)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let wrong = shared_key(&base64::engine::general_purpose::STANDARD.encode([7_u8; 64]), "GET", &url, &headers);
    let response = env
        .client
        .get(url)
        .header("Authorization", wrong)
        .header("x-ms-date", &date)
        .header("x-ms-version", VERSION)
        .send()
        .await
        .unwrap();
    let body = expect_error(response, StatusCode::FORBIDDEN, "AuthenticationFailed").await;
    assert!(body.contains("The MAC signature found in the HTTP request"));
}

#[tokio::test]
async fn https_serves_a_certificate_for_ip_and_localhost() {
    let emulator = Emulator::start(&EmulatorConfig { https: true, ..EmulatorConfig::default() }).unwrap();
    crate::support::install_crypto();
    let pem = std::fs::read(emulator.ca_path().unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()])
        .build()
        .unwrap();
    let port = emulator.https_addr().unwrap().port();
    for host in ["127.0.0.1", "localhost"] {
        let response = client.get(format!("https://{host}:{port}/anyacct/?comp=list")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{host}: TLS works, the account is unknown");
    }
    let untrusted = crate::support::client();
    assert!(
        untrusted.get(format!("https://127.0.0.1:{port}/")).send().await.is_err(),
        "the CA must be trusted explicitly"
    );
}

/// A service SAS for the share, signed as the documentation describes.
fn share_sas(key_b64: &str, permissions: &str, expiry: &str, protocol: &str) -> String {
    let string_to_sign =
        format!("{permissions}\n\n{expiry}\n/file/{ACCOUNT}/{SHARE}\n\n\n{protocol}\n{VERSION}\n\n\n\n\n");
    let key = base64::engine::general_purpose::STANDARD.decode(key_b64).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(string_to_sign.as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("sv", VERSION)
        .append_pair("sr", "s")
        .append_pair("sp", permissions)
        .append_pair("se", expiry)
        .append_pair("spr", protocol)
        .append_pair("sig", &sig)
        .finish();
    query
}

#[tokio::test]
async fn sas_failures_have_the_services_codes() {
    let env = start();
    let key = env.emulator.control().account_key(ACCOUNT).unwrap();
    let later = "2099-01-01T00:00:00Z";
    let get =
        |sas: String| env.client.get(format!("{}&{sas}", env.url(&list(SHARE)))).header("x-ms-version", VERSION).send();

    assert_eq!(get(share_sas(&key, "rl", later, "https,http")).await.unwrap().status(), StatusCode::OK);
    let response = get(share_sas(&key, "rl", "2020-01-01T00:00:00Z", "https,http")).await.unwrap();
    let body = expect_error(response, StatusCode::FORBIDDEN, "AuthenticationFailed").await;
    assert!(body.contains("Signature not valid in the specified time frame"), "{body}");
    let response = get(share_sas(&key, "rl", later, "https")).await.unwrap();
    expect_error(response, StatusCode::FORBIDDEN, "AuthorizationProtocolMismatch").await;
    let response = get(share_sas(&key, "r", later, "https,http")).await.unwrap();
    expect_error(response, StatusCode::FORBIDDEN, "AuthorizationPermissionMismatch").await;
    let other_key = base64::engine::general_purpose::STANDARD.encode([1_u8; 64]);
    let response = get(share_sas(&other_key, "rl", later, "https,http")).await.unwrap();
    let body = expect_error(response, StatusCode::FORBIDDEN, "AuthenticationFailed").await;
    assert!(body.contains("Signature did not match."), "{body}");
}
