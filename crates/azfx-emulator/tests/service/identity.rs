//! The IMDS and App Service token endpoints.

use azfx_emulator::{Fault, FaultTarget, Identity};
use base64::Engine;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{STORAGE, start};

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn imds(env: &crate::support::Env, query: &str, metadata: bool) -> reqwest::Response {
    let url = format!(
        "{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource={STORAGE}{query}",
        env.emulator.http_url()
    );
    let mut request = env.client.get(url);
    if metadata {
        request = request.header("Metadata", "true");
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn imds_issues_a_token_shaped_like_the_real_one() {
    let env = start();
    env.emulator.control().set_token_lifetime(std::time::Duration::from_secs(600));
    let response = imds(&env, "", true).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    for field in [
        "access_token",
        "client_id",
        "expires_in",
        "expires_on",
        "ext_expires_in",
        "not_before",
        "resource",
        "token_type",
    ] {
        assert!(body[field].is_string(), "{field} must be a JSON string: {body}");
    }
    assert_eq!(body["expires_in"], "600");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["resource"], STORAGE);
    assert_eq!(body["client_id"], env.writer.client_id.as_str());
    let claims = claims_of(body["access_token"].as_str().unwrap());
    assert_eq!(claims["oid"], env.writer.object_id.as_str());
    assert_eq!(claims["appid"], env.writer.client_id.as_str());
    assert_eq!(claims["xms_mirid"], env.writer.resource_id.as_str());
    assert_eq!(claims["aud"], STORAGE);
    assert_eq!(claims["idtyp"], "app");
    let tid = env.emulator.control().tenant_id();
    assert_eq!(claims["tid"], tid.as_str());
    assert_eq!(claims["iss"], format!("https://sts.windows.net/{tid}/"));
    assert_eq!(claims["exp"].as_i64().unwrap().to_string(), body["expires_on"].as_str().unwrap());
    assert_eq!(claims["nbf"], claims["iat"]);
    assert_eq!(env.emulator.control().tokens_issued(&env.writer.object_id), 1);
}

#[tokio::test]
async fn imds_errors_match_the_service() {
    let env = start();
    let response = imds(&env, "", false).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(body["error_description"], "Required metadata header not specified");

    let response = imds(&env, "&client_id=00000000-0000-0000-0000-000000000000", true).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error_description"], "Identity not found");

    let detached = Identity::user_assigned("id-elsewhere").detached();
    env.emulator.control().add_identity(detached.clone());
    let response = imds(&env, &format!("&client_id={}", detached.client_id), true).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error_description"], "Identity not found", "an identity not attached to this VM");

    let url = format!(
        "{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://unknown.example/",
        env.emulator.http_url()
    );
    let response = env.client.get(url).header("Metadata", "true").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_resource");
    assert!(body["error_description"].as_str().unwrap().starts_with("AADSTS500011"));
}

#[tokio::test]
async fn imds_selects_user_assigned_identities_by_each_id() {
    let env = start();
    for query in [
        format!("&client_id={}", env.reader.client_id),
        format!("&object_id={}", env.reader.object_id),
        format!("&msi_res_id={}", env.reader.resource_id),
    ] {
        let response = imds(&env, &query, true).await;
        assert_eq!(response.status(), StatusCode::OK, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(claims_of(body["access_token"].as_str().unwrap())["oid"], env.reader.object_id.as_str(), "{query}");
    }
    // The trailing-slash form some clients send.
    let url = format!(
        "{}/metadata/identity/oauth2/token/?api-version=2018-02-01&resource={STORAGE}",
        env.emulator.http_url()
    );
    let response = env.client.get(url).header("Metadata", "true").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn imds_without_system_identity_and_several_user_ones_asks_which() {
    let env = start();
    let control = env.emulator.control();
    control.add_identity(Identity { attached: false, ..env.writer.clone() });
    let response = imds(&env, "", true).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error_description"].as_str().unwrap().starts_with("Multiple user assigned identities exist"),
        "{body}"
    );
}

#[tokio::test]
async fn app_service_endpoint_needs_its_secret_header() {
    let env = start();
    let url = format!("{}/msi/token?api-version=2019-08-01&resource={STORAGE}", env.emulator.http_url());
    let response = env.client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let secret = env.emulator.control().app_service_secret();
    let response = env.client.get(&url).header("X-IDENTITY-HEADER", &secret).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert!(body["expires_on"].is_string());
    assert_eq!(body["client_id"], env.writer.client_id.as_str());
    let by_principal = format!("{url}&principal_id={}", env.reader.object_id);
    let body: Value =
        env.client.get(&by_principal).header("X-IDENTITY-HEADER", &secret).send().await.unwrap().json().await.unwrap();
    assert_eq!(claims_of(body["access_token"].as_str().unwrap())["oid"], env.reader.object_id.as_str());
    let old = url.replace("2019-08-01", "2017-09-01");
    let response = env.client.get(&old).header("X-IDENTITY-HEADER", &secret).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn identity_faults_are_injected_then_clear() {
    let env = start();
    env.emulator.control().inject(FaultTarget::Identity, &Fault::Status { status: 503, retry_after_secs: Some(2) }, 1);
    let response = imds(&env, "", true).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "2");
    assert_eq!(imds(&env, "", true).await.status(), StatusCode::OK);
    assert_eq!(env.emulator.control().identity_requests(), 2);
}
