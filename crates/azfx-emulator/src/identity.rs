//! The token endpoints: IMDS (`/metadata/identity/oauth2/token`, header `Metadata: true`)
//! and the App Service form (`/msi/token`, header `X-IDENTITY-HEADER`). Both choose an
//! identity the way the real services do, answer with their JSON (numbers as strings for
//! IMDS) and their error bodies, and count issued tokens per identity.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use hyper::{Response, StatusCode};
use serde_json::json;

use super::body::{Body, json_response};
use super::model::{Fault, FaultTarget, Identity, IdentityKind};
use super::state::State;
use super::token;

/// Resources (audiences) the emulated Entra tenant knows.
fn known_resource(resource: &str) -> bool {
    let r = resource.trim_end_matches('/');
    matches!(
        r,
        "https://storage.azure.com"
            | "https://management.azure.com"
            | "https://management.core.windows.net"
            | "https://vault.azure.net"
            | "https://graph.microsoft.com"
    ) || (r.starts_with("https://") && r.ends_with(".file.core.windows.net"))
}

fn imds_error(description: &str) -> Response<Body> {
    json_response(StatusCode::BAD_REQUEST, &json!({ "error": "invalid_request", "error_description": description }))
}

fn query_map(query: Option<&str>) -> HashMap<String, String> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect()
}

/// Picks the identity a token request asks for, or the IMDS error text.
fn choose<'a>(identities: &'a [Identity], selector: Option<(&str, &str)>) -> Result<&'a Identity, &'static str> {
    let attached = || identities.iter().filter(|i| i.attached);
    if let Some((field, value)) = selector {
        attached()
            .find(|i| match field {
                "client_id" => i.client_id.eq_ignore_ascii_case(value),
                "object_id" | "principal_id" => i.object_id.eq_ignore_ascii_case(value),
                _ => i.resource_id.eq_ignore_ascii_case(value),
            })
            .ok_or("Identity not found")
    } else {
        if let Some(system) = attached().find(|i| i.kind == IdentityKind::SystemAssigned) {
            return Ok(system);
        }
        let mut users = attached();
        match (users.next(), users.next()) {
            (Some(only), None) => Ok(only),
            (Some(_), Some(_)) => Err(
                "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request",
            ),
            _ => Err("Identity not found"),
        }
    }
}

/// Issues a token and records it; returns (token, identity, `issued_at`, `expires_at`).
fn issue(
    state: &State,
    selector: Option<(&str, &str)>,
    resource: &str,
) -> Result<(String, Identity, i64, i64), &'static str> {
    let mut inner = state.lock();
    let identity = choose(&inner.identities, selector)?.clone();
    let lifetime = identity.token_lifetime.unwrap_or(inner.token_lifetime);
    // Issued after a revocation, a token is newer than it even within the same second
    // (revocation is judged by `iat`, in seconds).
    let now = state.token_now().max(inner.revoked_through.map_or(i64::MIN, |through| through + 1));
    let lifetime_secs = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX / 2).max(1);
    let expires_at = now + lifetime_secs;
    *inner.tokens_issued.entry(identity.object_id.clone()).or_default() += 1;
    drop(inner);
    let token = token::mint(&state.signing_key, &token::claims(&identity, &state.tenant_id, resource, now, expires_at));
    Ok((token, identity, now, expires_at))
}

/// An injected identity-endpoint fault, if one is due.
fn fault_response(state: &State) -> Option<Response<Body>> {
    match state.take_fault(FaultTarget::Identity, true)? {
        Fault::Status { status, retry_after_secs } => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = json_response(
                code,
                &json!({ "error": "unknown", "error_description": "Failed to retrieve token from the Active directory. For details see logs in C:\\User1\\Logs\\IMDSLogs" }),
            );
            if let Some(secs) = retry_after_secs
                && let Ok(value) = secs.to_string().parse()
            {
                response.headers_mut().insert("retry-after", value);
            }
            Some(response)
        }
        // A stall was held before (`http::route`); one left here ends as it would.
        Fault::ResetMidBody { .. }
        | Fault::Stall { .. }
        | Fault::ClaimsChallenge
        | Fault::ServiceError { .. }
        | Fault::RevokeTokens => Some(super::body::reset_response()),
    }
}

fn selector(query: &HashMap<String, String>, names: &[&'static str]) -> Result<Option<(&'static str, String)>, ()> {
    let mut found = names.iter().filter_map(|n| query.get(*n).map(|v| (*n, v.clone())));
    match (found.next(), found.next()) {
        (None, _) => Ok(None),
        (Some(one), None) => Ok(Some(one)),
        (Some(_), Some(_)) => Err(()),
    }
}

/// `GET /metadata/identity/oauth2/token` as on an Azure VM.
pub(crate) fn imds(state: &State, parts: &http::request::Parts) -> Response<Body> {
    state.identity_requests.fetch_add(1, Ordering::Relaxed);
    if let Some(response) = fault_response(state) {
        return response;
    }
    if parts.method != http::Method::GET {
        return json_response(
            StatusCode::METHOD_NOT_ALLOWED,
            &json!({ "error": "method_not_allowed", "error_description": "The requested method is not supported." }),
        );
    }
    let metadata = parts.headers.get("metadata").and_then(|v| v.to_str().ok());
    if metadata != Some("true") {
        return imds_error("Required metadata header not specified");
    }
    let query = query_map(parts.uri.query());
    if !query.contains_key("api-version") {
        return imds_error("Required query variable 'api-version' is missing");
    }
    let Some(resource) = query.get("resource") else {
        return imds_error("Required query variable 'resource' is missing");
    };
    if !known_resource(resource) {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({
                "error": "invalid_resource",
                "error_description": format!("AADSTS500011: The resource principal named {resource} was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", state.tenant_id),
            }),
        );
    }
    let Ok(selector) = selector(&query, &["client_id", "object_id", "msi_res_id"]) else {
        return imds_error("Only one of client_id, object_id or msi_res_id may be specified in the token request");
    };
    match issue(state, selector.as_ref().map(|(k, v)| (*k, v.as_str())), resource) {
        Ok((token, identity, issued_at, expires_at)) => json_response(
            StatusCode::OK,
            &json!({
                "access_token": token,
                "client_id": identity.client_id,
                "expires_in": (expires_at - issued_at).to_string(),
                "expires_on": expires_at.to_string(),
                "ext_expires_in": (expires_at - issued_at).to_string(),
                "not_before": issued_at.to_string(),
                "resource": resource,
                "token_type": "Bearer",
            }),
        ),
        Err(description) => imds_error(description),
    }
}

/// `GET /metadata/instance[/compute]?api-version=…` (header `Metadata: true`): the VM's
/// instance metadata, of which azfx reads `compute.resourceId` to find its VM in Resource
/// Manager when the token's `xms_mirid` names a user-assigned identity.
pub(crate) fn instance_metadata(state: &State, parts: &http::request::Parts) -> Response<Body> {
    let metadata = parts.headers.get("metadata").and_then(|v| v.to_str().ok());
    if metadata != Some("true") {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({ "error": "Bad request. Required metadata header not specified" }),
        );
    }
    if !query_map(parts.uri.query()).contains_key("api-version") {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({ "error": "Bad request. api-version was not specified in the request. For more information refer to aka.ms/azureimds", "newest-versions": ["2023-07-01"] }),
        );
    }
    let inner = state.lock();
    let compute = json!({
        "name": inner.vm_name,
        "resourceId": super::arm_actions::vm_id(&inner),
        "subscriptionId": super::model::DEMO_SUBSCRIPTION,
        "resourceGroupName": super::state::DEFAULT_RESOURCE_GROUP,
        "location": "westeurope",
        "osType": "Linux",
        "vmId": super::model::stable_guid("vm", &inner.vm_name),
        "vmSize": "Standard_D2s_v5",
    });
    match parts.uri.path().trim_end_matches('/') {
        "/metadata/instance" => {
            json_response(StatusCode::OK, &json!({ "compute": compute, "network": { "interface": [] } }))
        }
        "/metadata/instance/compute" => json_response(StatusCode::OK, &compute),
        _ => json_response(StatusCode::NOT_FOUND, &json!({ "error": "Not found" })),
    }
}

/// `GET /msi/token?api-version=2019-08-01` as App Service, Functions and Container Apps
/// expose it through `IDENTITY_ENDPOINT` / `IDENTITY_HEADER`.
pub(crate) fn app_service(state: &State, parts: &http::request::Parts) -> Response<Body> {
    state.identity_requests.fetch_add(1, Ordering::Relaxed);
    if let Some(response) = fault_response(state) {
        return response;
    }
    let secret = parts.headers.get("x-identity-header").and_then(|v| v.to_str().ok());
    if secret != Some(state.app_service_secret.as_str()) {
        return json_response(
            StatusCode::UNAUTHORIZED,
            &json!({ "statusCode": 401, "message": "Unauthorized. The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER." }),
        );
    }
    let query = query_map(parts.uri.query());
    if query.get("api-version").map(String::as_str) != Some("2019-08-01") {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({ "statusCode": 400, "message": "The api-version is missing or not supported. Use 2019-08-01." }),
        );
    }
    let Some(resource) = query.get("resource").filter(|r| known_resource(r)) else {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({ "statusCode": 400, "message": "The resource parameter is missing or names an unknown resource." }),
        );
    };
    let Ok(selector) = selector(&query, &["client_id", "principal_id", "object_id", "mi_res_id"]) else {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({ "statusCode": 400, "message": "Only one of client_id, principal_id or mi_res_id may be given." }),
        );
    };
    match issue(state, selector.as_ref().map(|(k, v)| (*k, v.as_str())), resource) {
        Ok((token, identity, _, expires_at)) => json_response(
            StatusCode::OK,
            &json!({
                "access_token": token,
                "expires_on": expires_at.to_string(),
                "resource": resource,
                "token_type": "Bearer",
                "client_id": identity.client_id,
            }),
        ),
        Err(description) => {
            json_response(StatusCode::BAD_REQUEST, &json!({ "statusCode": 400, "message": description }))
        }
    }
}
