//! Azure Resource Manager, the parts azfx reads (research notes §4): subscriptions,
//! storage accounts per subscription and per resource group, file shares (and one share
//! with `$expand=stats`), served on the emulator's own listeners under the real paths
//! (`/subscriptions/…`; an account named `subscriptions` would be shadowed).
//!
//! As ARM does: a bearer token for `https://management.azure.com/` (401
//! `InvalidAuthenticationToken*` otherwise), `api-version` required (400
//! `MissingApiVersionParameter`), each request authorized at its URL's scope by a
//! control-plane role assigned there or above (403 `AuthorizationFailed` naming the
//! action and scope), lists in pages with `nextLink`, 404 `SubscriptionNotFound` /
//! `ResourceGroupNotFound` / `ResourceNotFound` with ARM's texts, JSON error bodies
//! `{"error":{"code","message"}}`.

use http::request::Parts;
use hyper::{Response, StatusCode};
use serde_json::{Value, json};

use super::arm_access::{ArmError, UrlScope, error, forbidden, may_read};
use super::body::{Body, full};
use super::model::Scope;
use super::state::{Inner, State};
use super::token;

/// The audience ARM accepts (with or without the trailing slash), and its older name.
const AUDIENCES: [&str; 2] = ["https://management.azure.com", "https://management.core.windows.net"];

fn json_response(status: StatusCode, body: &Value) -> Response<Body> {
    let mut response = Response::new(full(body.to_string()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json; charset=utf-8"));
    if let Ok(id) = uuid::Uuid::new_v4().to_string().parse() {
        response.headers_mut().insert("x-ms-request-id", id);
    }
    response
}

/// Serves one ARM request.
pub(crate) fn handle(state: &State, parts: &Parts, body: &[u8], base: &str) -> Response<Body> {
    let throttled = {
        let mut inner = state.lock();
        let throttled = inner.faults.arm_throttled > 0;
        if throttled {
            inner.faults.arm_throttled -= 1;
        }
        throttled
    };
    if let Some(fault) = state.take_fault(crate::FaultTarget::Arm, true) {
        return fault_answer(&fault);
    }
    if throttled {
        let message = "Number of 'read' requests for subscription actor exceeded. Please try again after '1' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.";
        let mut response = json_response(
            StatusCode::TOO_MANY_REQUESTS,
            &json!({"error": {"code": "SubscriptionRequestsThrottled", "message": message}}),
        );
        response.headers_mut().insert(http::header::RETRY_AFTER, http::HeaderValue::from_static("1"));
        return response;
    }
    match serve(state, parts, body, base) {
        Ok(body) => json_response(StatusCode::OK, &body),
        Err(e) => {
            let mut response = json_response(e.status, &json!({"error": {"code": e.code, "message": e.message}}));
            if e.status == StatusCode::UNAUTHORIZED {
                response.headers_mut().insert(
                    http::header::WWW_AUTHENTICATE,
                    http::HeaderValue::from_static(
                        "Bearer authorization_uri=\"https://login.microsoftonline.com/common\", error=\"invalid_token\"",
                    ),
                );
            }
            response
        }
    }
}

/// An injected Resource Manager fault: a status with ARM's error body for it (and
/// `Retry-After` when set), or the connection dropped part way through the answer.
fn fault_answer(fault: &crate::Fault) -> Response<Body> {
    let crate::Fault::Status { status, retry_after_secs } = fault else {
        return crate::body::reset_response();
    };
    let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (code, message) = match status.as_u16() {
        429 => ("TooManyRequests", "The request is being throttled."),
        502 => (
            "BadGateway",
            "The gateway did not receive a response from 'Microsoft.Storage' within the specified time period.",
        ),
        503 => ("ServiceUnavailable", "The service is currently unavailable. Please try again later."),
        504 => (
            "GatewayTimeout",
            "The gateway did not receive a response from 'Microsoft.Storage' within the specified time period.",
        ),
        _ => (
            "InternalServerError",
            "Encountered internal server error. Diagnostic information: timestamp '', subscription id '', tracking id ''.",
        ),
    };
    let mut response = json_response(status, &json!({"error": {"code": code, "message": message}}));
    if let Some(secs) = retry_after_secs
        && let Ok(value) = http::HeaderValue::from_str(&secs.to_string())
    {
        response.headers_mut().insert(http::header::RETRY_AFTER, value);
    }
    response
}

/// 400 `InvalidRequestContent` for a body that could not be read (too large or stalled).
pub(crate) fn unreadable_body() -> Response<Body> {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({"error": {"code": "InvalidRequestContent", "message": "The request content was invalid and could not be deserialized."}}),
    )
}

fn query(parts: &Parts) -> Vec<(String, String)> {
    form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The caller's object id, from a valid management token.
fn principal(state: &State, inner: &Inner, parts: &Parts) -> Result<String, ArmError> {
    let header = parts.headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let Some(raw) = header.strip_prefix("Bearer ") else {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
        ));
    };
    let invalid = || error(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", "The access token is invalid.");
    let claims = token::verify(&state.signing_key, raw.trim()).map_err(|_| invalid())?;
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    let text = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    let now = state.token_now();
    let revoked = inner.revoked_through.is_some_and(|through| number("iat").is_some_and(|iat| iat <= through));
    if number("exp").is_none_or(|exp| exp <= now) || revoked {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "ExpiredAuthenticationToken",
            "The access token expiry UTC time is earlier than current UTC time.",
        ));
    }
    let audience = text("aud");
    if !AUDIENCES.contains(&audience.trim_end_matches('/')) {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationTokenAudience",
            format!(
                "The access token has been obtained for wrong audience or resource '{audience}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'."
            ),
        ));
    }
    if text("tid") != state.tenant_id {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationTokenTenant",
            "The access token is from the wrong issuer. It must match the tenant associated with this subscription.",
        ));
    }
    Ok(text("oid"))
}

/// One page of `items` from `$skiptoken` on, with a `nextLink` when more follow.
fn page(items: Vec<Value>, parts: &Parts, base: &str, size: usize) -> Value {
    let all = query(parts);
    let start = all.iter().find(|(k, _)| k == "$skiptoken").and_then(|(_, v)| v.parse::<usize>().ok()).unwrap_or(0);
    let total = items.len();
    let end = start.saturating_add(size).min(total);
    let value: Vec<Value> = items.into_iter().skip(start).take(end.saturating_sub(start)).collect();
    if end >= total {
        return json!({ "value": value });
    }
    let kept: Vec<String> = all
        .iter()
        .filter(|(k, _)| k != "$skiptoken")
        .map(|(k, v)| format!("{k}={}", percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)))
        .collect();
    let next = format!("{}{}?{}&$skiptoken={end}", base.trim_end_matches('/'), parts.uri.path(), kept.join("&"));
    json!({ "value": value, "nextLink": next })
}

fn account_json(name: &str, account: &super::state::Account, base: &str) -> Value {
    let place = &account.placement;
    let id = Scope::Account(name.to_owned()).arm_id(|_| Some(place.clone()));
    let smb = &account.smb;
    let mut identity_auth = json!({
        "directoryServiceOptions": smb.directory_service.arm_value(),
        "smbOAuthSettings": {"isSmbOAuthEnabled": smb.smb_oauth}
    });
    if let Some((domain, guid)) = &smb.domain {
        identity_auth["activeDirectoryProperties"] = json!({"domainName": domain, "domainGuid": guid});
    }
    identity_auth["defaultSharePermission"] =
        json!(smb.default_share_permission.map_or("None", share_permission_value));
    json!({
        "id": id,
        "name": name,
        "type": "Microsoft.Storage/storageAccounts",
        "kind": "StorageV2",
        "location": "westeurope",
        "sku": {"name": "Standard_LRS", "tier": "Standard"},
        "tags": {},
        "properties": {
            "provisioningState": "Succeeded",
            "primaryEndpoints": {"file": format!("{}/{name}/", base.trim_end_matches('/'))},
            "networkAcls": {"bypass": "AzureServices", "defaultAction": if account.network_deny { "Deny" } else { "Allow" }, "ipRules": [], "virtualNetworkRules": []},
            "allowSharedKeyAccess": account.shared_key_access,
            "azureFilesIdentityBasedAuthentication": identity_auth,
            "supportsHttpsTrafficOnly": true,
            "minimumTlsVersion": "TLS1_2"
        }
    })
}

/// `defaultSharePermission` as ARM spells it (the role's name without spaces).
fn share_permission_value(role: super::model::Role) -> &'static str {
    use super::model::Role;
    match role {
        Role::StorageFileDataSmbShareReader => "StorageFileDataSmbShareReader",
        Role::StorageFileDataSmbShareContributor => "StorageFileDataSmbShareContributor",
        Role::StorageFileDataSmbShareElevatedContributor => "StorageFileDataSmbShareElevatedContributor",
        _ => "None",
    }
}

fn serve(state: &State, parts: &Parts, body: &[u8], base: &str) -> Result<Value, ArmError> {
    let post = parts.method == http::Method::POST;
    if parts.method != http::Method::GET && !post {
        return Err(error(
            StatusCode::METHOD_NOT_ALLOWED,
            "UnsupportedHttpVerb",
            "The emulator's Resource Manager answers GET and POST (listKeys, ListServiceSas) requests only.",
        ));
    }
    if !query(parts).iter().any(|(k, _)| k.eq_ignore_ascii_case("api-version")) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        ));
    }
    let inner = state.lock();
    let oid = principal(state, &inner, parts)?;
    let segments: Vec<&str> = parts.uri.path().trim_matches('/').split('/').collect();
    let lower: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let size = inner.arm_page_size;
    if post {
        return match lower.as_slice() {
            [
                "subscriptions",
                _,
                "resourcegroups",
                _,
                "providers",
                "microsoft.storage",
                "storageaccounts",
                _,
                action,
            ] => super::arm_actions::post(&inner, &oid, &segments, action, body),
            _ => Err(error(StatusCode::NOT_FOUND, "InvalidResourceType", "The resource type could not be found.")),
        };
    }
    if let ["subscriptions", _, "resourcegroups", _, "providers", "microsoft.compute", "virtualmachines", _] =
        lower.as_slice()
    {
        return super::arm_actions::virtual_machine(state, &inner, &oid, &segments);
    }
    // `{scope}/providers/Microsoft.Authorization/…`
    if let Some(at) = lower.windows(2).position(|w| w == ["providers", "microsoft.authorization"]) {
        let scope = super::arm_rbac::parse_scope(&segments[..at]).ok_or_else(|| {
            error(StatusCode::BAD_REQUEST, "InvalidScope", "The scope is not a valid Azure resource scope.")
        })?;
        let filter = query(parts).into_iter().find(|(k, _)| k == "$filter").map(|(_, v)| v);
        return match &lower[at + 2..] {
            ["roleassignments"] => {
                let items = super::arm_rbac::role_assignments(&inner, &oid, &scope, filter.as_deref())?;
                Ok(page(items, parts, base, size))
            }
            ["roledefinitions", _] => super::arm_rbac::role_definition(&scope.subscription, segments[at + 3]),
            _ => Err(error(StatusCode::NOT_FOUND, "InvalidResourceType", "The resource type could not be found.")),
        };
    }
    match lower.as_slice() {
        ["subscriptions"] => Ok(page(subscriptions(state, &inner, &oid), parts, base, size)),
        ["subscriptions", _, "providers", "microsoft.storage", "storageaccounts"] => {
            Ok(page(accounts(&inner, &oid, segments[1], None, base)?, parts, base, size))
        }
        ["subscriptions", _, "resourcegroups", _, "providers", "microsoft.storage", "storageaccounts"] => {
            Ok(page(accounts(&inner, &oid, segments[1], Some(segments[3]), base)?, parts, base, size))
        }
        ["subscriptions", _, "resourcegroups", _, "providers", "microsoft.storage", "storageaccounts", _] => {
            one_account(&inner, &oid, (segments[1], segments[3], segments[7]), base)
        }
        [
            "subscriptions",
            _,
            "resourcegroups",
            _,
            "providers",
            "microsoft.storage",
            "storageaccounts",
            _,
            "fileservices",
            "default",
            "shares",
            rest @ ..,
        ] if rest.len() <= 1 => shares(
            &inner,
            &oid,
            (segments[1], segments[3], segments[7]),
            rest.first().map(|_| segments[11]),
            (parts, base),
        ),
        _ => Err(error(
            StatusCode::NOT_FOUND,
            "InvalidResourceType",
            "The resource type could not be found in the namespace for the api version.",
        )),
    }
}

fn known_subscription(inner: &Inner, sub: &str) -> Result<(), ArmError> {
    if inner.subscriptions.contains_key(sub) {
        Ok(())
    } else {
        Err(error(
            StatusCode::NOT_FOUND,
            "SubscriptionNotFound",
            format!("The subscription '{sub}' could not be found."),
        ))
    }
}

fn known_group(inner: &Inner, sub: &str, rg: &str) -> Result<(), ArmError> {
    known_subscription(inner, sub)?;
    let exists = inner
        .accounts
        .values()
        .any(|a| a.placement.subscription == sub && a.placement.resource_group.eq_ignore_ascii_case(rg));
    if exists {
        Ok(())
    } else {
        Err(error(StatusCode::NOT_FOUND, "ResourceGroupNotFound", format!("Resource group '{rg}' could not be found.")))
    }
}

/// The subscriptions `oid` holds any role in (at any scope inside them).
fn subscriptions(state: &State, inner: &Inner, oid: &str) -> Vec<Value> {
    let ids = inner.principal_ids(oid);
    let visible = inner.subscriptions.iter().filter(|(id, _)| {
        inner.assignments.iter().any(|a| {
            ids.contains(&a.object_id)
                && match &a.scope {
                    Scope::Subscription(s) | Scope::ResourceGroup(s, _) => s == *id,
                    Scope::Account(acct) | Scope::Share(acct, _) => {
                        inner.accounts.get(acct).is_some_and(|x| &x.placement.subscription == *id)
                    }
                }
        })
    });
    visible
        .map(|(id, name)| {
            json!({
                "id": format!("/subscriptions/{id}"),
                "authorizationSource": "RoleBased",
                "managedByTenants": [],
                "subscriptionId": id,
                "tenantId": state.tenant_id,
                "displayName": name,
                "state": "Enabled",
                "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"}
            })
        })
        .collect()
}

/// The shares of account `name` (placed at `sub`/`rg`), or one of them.
fn shares(
    inner: &Inner,
    oid: &str,
    (sub, rg, name): (&str, &str, &str),
    share: Option<&str>,
    (parts, base): (&Parts, &str),
) -> Result<Value, ArmError> {
    let size = inner.arm_page_size;
    known_subscription(inner, sub)?;
    // As ARM: the caller's permission at the URL's scope first, then whether it exists.
    let url = UrlScope {
        subscription: sub.to_owned(),
        resource_group: Some(rg.to_owned()),
        account: Some(name.to_owned()),
        share: share.map(str::to_owned),
    };
    if !may_read(inner, oid, &url) {
        return Err(forbidden(oid, "Microsoft.Storage/storageAccounts/fileServices/shares/read", &url.arm_id()));
    }
    known_group(inner, sub, rg)?;
    let account = inner.accounts.get(name).filter(|_| url.account_matches(inner)).ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!("The Resource 'Microsoft.Storage/storageAccounts/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"),
        )
    })?;
    let account_id = Scope::Account(name.to_owned()).arm_id(|_| Some(account.placement.clone()));
    let share_json = |share: &super::store::Share, stats: bool| {
        let mut properties = json!({
            "lastModifiedTime": crate::wire::iso7(share.last_modified),
            "shareQuota": share.quota_gib,
            "accessTier": "TransactionOptimized",
            "enabledProtocols": "SMB"
        });
        if stats && let Some(object) = properties.as_object_mut() {
            object.insert("shareUsageBytes".to_owned(), json!(share.usage_bytes));
        }
        json!({
            "id": format!("{account_id}/fileServices/default/shares/{}", share.name),
            "name": share.name,
            "type": "Microsoft.Storage/storageAccounts/fileServices/shares",
            "etag": format!("\"{}\"", crate::wire::etag_from_ticks(share.etag_ticks).trim_matches('"')),
            "properties": properties
        })
    };
    let expand = query(parts).into_iter().find(|(k, _)| k == "$expand").map(|(_, v)| v).unwrap_or_default();
    match share {
        None => {
            // As ARM: a list carries no usage (its `$expand` takes deleted, snapshots).
            let items = account.shares.values().map(|s| share_json(s, false)).collect();
            Ok(page(items, parts, base, size))
        }
        Some(share) => account
            .shares
            .get(share)
            .map(|s| share_json(s, expand.contains("stats")))
            .ok_or_else(|| error(StatusCode::NOT_FOUND, "ShareNotFound", "The specified share does not exist.")),
    }
}

/// The accounts of subscription `sub` (or of its group `rg`) as ARM lists a collection:
/// with a control-plane role at the URL's scope, all of them; with roles lower down, those
/// the caller may read; with none, 403 `AuthorizationFailed` (a group's permission is
/// checked before whether it exists).
fn accounts(inner: &Inner, oid: &str, sub: &str, rg: Option<&str>, base: &str) -> Result<Vec<Value>, ArmError> {
    known_subscription(inner, sub)?;
    let url =
        UrlScope { subscription: sub.to_owned(), resource_group: rg.map(str::to_owned), account: None, share: None };
    let readable = |name: &str, a: &super::state::Account| {
        let url = UrlScope {
            subscription: sub.to_owned(),
            resource_group: Some(a.placement.resource_group.clone()),
            account: Some(name.to_owned()),
            share: None,
        };
        may_read(inner, oid, &url)
    };
    let items: Vec<Value> = inner
        .accounts
        .iter()
        .filter(|(_, a)| a.placement.subscription == sub)
        .filter(|(_, a)| rg.is_none_or(|rg| a.placement.resource_group.eq_ignore_ascii_case(rg)))
        .filter(|(name, a)| readable(name, a))
        .map(|(name, a)| account_json(name, a, base))
        .collect();
    if items.is_empty() && !may_read(inner, oid, &url) {
        return Err(forbidden(oid, "Microsoft.Storage/storageAccounts/read", &url.arm_id()));
    }
    if let Some(rg) = rg {
        known_group(inner, sub, rg)?;
    }
    Ok(items)
}

/// One storage account, with its properties.
fn one_account(inner: &Inner, oid: &str, (sub, rg, name): (&str, &str, &str), base: &str) -> Result<Value, ArmError> {
    known_subscription(inner, sub)?;
    let url = UrlScope {
        subscription: sub.to_owned(),
        resource_group: Some(rg.to_owned()),
        account: Some(name.to_owned()),
        share: None,
    };
    if !may_read(inner, oid, &url) {
        return Err(forbidden(oid, "Microsoft.Storage/storageAccounts/read", &url.arm_id()));
    }
    known_group(inner, sub, rg)?;
    inner.accounts.get(name).filter(|_| url.account_matches(inner)).map(|a| account_json(name, a, base)).ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!("The Resource 'Microsoft.Storage/storageAccounts/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"),
        )
    })
}
