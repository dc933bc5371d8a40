//! Resource Manager beyond the storage lists (research notes §4): the account's key
//! actions — `POST …/storageAccounts/{account}/listKeys` and `POST …/ListServiceSas`
//! (a service SAS signed with the account key, as the product's source material uses it)
//! — and the VM resource (`GET …/Microsoft.Compute/virtualMachines/{vm}`) with its
//! `identity` block, system- and user-assigned.
//!
//! As ARM does: the key actions need `listKeys/action` / `ListServiceSas/action`
//! (Contributor, Owner, Storage Account Contributor; Reader has neither) at the account,
//! its group or subscription, else 403 `AuthorizationFailed` naming the action; reading
//! the VM needs a control-plane role at its resource group or subscription. Permission
//! is checked before existence.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hyper::StatusCode;
use serde_json::{Value, json};

use super::arm_access::{ArmError, UrlScope, error, forbidden, holds, may_read};
use super::model::{IdentityKind, Role, stable_guid};
use super::state::{DEFAULT_RESOURCE_GROUP, Inner, State};

/// The storage account a URL names (`/subscriptions/{s}/resourceGroups/{rg}/providers/
/// Microsoft.Storage/storageAccounts/{a}`): its scope, after checking the caller may call
/// `action` there, and that it exists.
fn account_for_action(inner: &Inner, oid: &str, segments: &[&str], action: &str) -> Result<UrlScope, ArmError> {
    let url = UrlScope {
        subscription: segments[1].to_owned(),
        resource_group: Some(segments[3].to_owned()),
        account: Some(segments[7].to_owned()),
        share: None,
    };
    if !holds(inner, oid, &url, Role::lists_keys) {
        return Err(forbidden(oid, action, &url.arm_id()));
    }
    if !url.account_matches(inner) {
        return Err(error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!(
                "The Resource 'Microsoft.Storage/storageAccounts/{}' under resource group '{}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
                segments[7], segments[3]
            ),
        ));
    }
    Ok(url)
}

/// `POST …/storageAccounts/{account}/{action}`: `listKeys` or `ListServiceSas` (`lower`
/// is the action segment in lower case).
pub(crate) fn post(inner: &Inner, oid: &str, segments: &[&str], lower: &str, body: &[u8]) -> Result<Value, ArmError> {
    match lower {
        "listkeys" => {
            let url = account_for_action(inner, oid, segments, "Microsoft.Storage/storageAccounts/listkeys/action")?;
            let account = url.account.as_deref().and_then(|a| inner.accounts.get(a)).ok_or_else(not_found)?;
            // The emulator accepts key1 only; key2 is shown as ARM shows a second key.
            let key2 = STANDARD.encode(<sha2::Sha512 as sha2::Digest>::digest(&account.key));
            Ok(json!({"keys": [
                {"keyName": "key1", "value": STANDARD.encode(&account.key), "permissions": "FULL", "creationTime": "2026-01-05T09:00:00.0000000Z"},
                {"keyName": "key2", "value": key2, "permissions": "FULL", "creationTime": "2026-01-05T09:00:00.0000000Z"}
            ]}))
        }
        "listservicesas" => {
            let url =
                account_for_action(inner, oid, segments, "Microsoft.Storage/storageAccounts/ListServiceSas/action")?;
            let name = url.account.clone().unwrap_or_default();
            let account = inner.accounts.get(&name).ok_or_else(not_found)?;
            service_sas(&name, &account.key, body)
        }
        _ => Err(error(StatusCode::NOT_FOUND, "InvalidResourceType", "The resource type could not be found.")),
    }
}

fn not_found() -> ArmError {
    error(StatusCode::NOT_FOUND, "ResourceNotFound", "The Resource was not found.")
}

fn invalid(parameter: &str) -> ArmError {
    error(
        StatusCode::BAD_REQUEST,
        "InvalidValuesForRequestParameters",
        format!("Values for request parameters are invalid: {parameter}."),
    )
}

/// A service SAS for the body's `canonicalizedResource` (`/file/{account}/{share}[/…]`),
/// `signedResource` (`s` share or `f` file), `signedPermission`, `signedProtocol`,
/// `signedStart`, `signedExpiry` (required unless `signedIdentifier`).
fn service_sas(account: &str, key: &[u8], body: &[u8]) -> Result<Value, ArmError> {
    let body: Value = serde_json::from_slice(body).map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContent",
            "The request content was invalid and could not be deserialized.",
        )
    })?;
    let text = |name: &str| body[name].as_str().unwrap_or_default().to_owned();
    let resource = text("canonicalizedResource");
    let own = format!("/file/{account}/");
    if !resource.starts_with(&own) || resource.len() == own.len() {
        return Err(invalid("canonicalizedResource"));
    }
    let kind = text("signedResource");
    if !matches!(kind.as_str(), "s" | "f") {
        return Err(invalid("signedResource"));
    }
    if text("signedExpiry").is_empty() && text("signedIdentifier").is_empty() {
        return Err(invalid("signedExpiry"));
    }
    let permissions = text("signedPermission");
    if !permissions.chars().all(|c| "rcwdl".contains(c)) {
        return Err(invalid("signedPermission"));
    }
    let protocol = text("signedProtocol");
    if !matches!(protocol.as_str(), "" | "https" | "https,http") {
        return Err(invalid("signedProtocol"));
    }
    // Every field asked for is signed into the SAS (none is dropped, which would make it
    // broader than asked); the emulator's file service does not check `sip`.
    let fields = [
        ("sv", super::request::DEFAULT_VERSION.to_owned()),
        ("st", text("signedStart")),
        ("se", text("signedExpiry")),
        ("sr", kind),
        ("sp", permissions),
        ("sip", text("signedIp")),
        ("si", text("signedIdentifier")),
        ("spr", protocol),
        ("rscc", text("cacheControl")),
        ("rscd", text("contentDisposition")),
        ("rsce", text("contentEncoding")),
        ("rscl", text("contentLanguage")),
        ("rsct", text("contentType")),
    ];
    let token = super::sas::sign_service(key, &resource, &fields)
        .ok_or_else(|| error(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", "The key could not be used."))?;
    Ok(json!({ "serviceSasToken": token }))
}

/// `GET /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{vm}`:
/// the VM the emulator's IMDS stands for, with the identities attached to it.
pub(crate) fn virtual_machine(state: &State, inner: &Inner, oid: &str, segments: &[&str]) -> Result<Value, ArmError> {
    let (sub, rg, name) = (segments[1], segments[3], segments[7]);
    let url =
        UrlScope { subscription: sub.to_owned(), resource_group: Some(rg.to_owned()), account: None, share: None };
    if !may_read(inner, oid, &url) {
        return Err(forbidden(
            oid,
            "Microsoft.Compute/virtualMachines/read",
            &format!("{}/providers/Microsoft.Compute/virtualMachines/{name}", url.arm_id()),
        ));
    }
    let here = sub.eq_ignore_ascii_case(super::model::DEMO_SUBSCRIPTION)
        && rg.eq_ignore_ascii_case(DEFAULT_RESOURCE_GROUP)
        && name.eq_ignore_ascii_case(&inner.vm_name);
    if !here {
        return Err(error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!(
                "The Resource 'Microsoft.Compute/virtualMachines/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
            ),
        ));
    }
    Ok(vm_json(state, inner))
}

/// The VM's ARM id.
pub(crate) fn vm_id(inner: &Inner) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/{DEFAULT_RESOURCE_GROUP}/providers/Microsoft.Compute/virtualMachines/{}",
        super::model::DEMO_SUBSCRIPTION,
        inner.vm_name
    )
}

fn vm_json(state: &State, inner: &Inner) -> Value {
    let attached = || inner.identities.iter().filter(|i| i.attached);
    let system = attached().find(|i| i.kind == IdentityKind::SystemAssigned);
    let users: serde_json::Map<String, Value> = attached()
        .filter(|i| i.kind == IdentityKind::UserAssigned)
        .map(|i| (i.resource_id.clone(), json!({"principalId": i.object_id, "clientId": i.client_id})))
        .collect();
    let kind = match (system.is_some(), !users.is_empty()) {
        (true, true) => "SystemAssigned, UserAssigned",
        (true, false) => "SystemAssigned",
        (false, true) => "UserAssigned",
        (false, false) => "None",
    };
    let mut identity = json!({ "type": kind });
    if let Some(system) = system {
        identity["principalId"] = json!(system.object_id);
        identity["tenantId"] = json!(state.tenant_id);
    }
    if !users.is_empty() {
        identity["userAssignedIdentities"] = Value::Object(users);
    }
    json!({
        "id": vm_id(inner),
        "name": inner.vm_name,
        "type": "Microsoft.Compute/virtualMachines",
        "location": "westeurope",
        "identity": identity,
        "properties": {
            "vmId": stable_guid("vm", &inner.vm_name),
            "provisioningState": "Succeeded",
            "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
            "storageProfile": {"osDisk": {"osType": "Linux"}}
        }
    })
}

impl super::state::Control {
    /// Sets how SMB clients authenticate to `account` (identity source, domain, default
    /// share permission, SMB OAuth), as ARM then describes it.
    ///
    /// Errors: no such account.
    pub fn set_smb_auth(&self, account: &str, smb: super::model::SmbAuth) -> Result<(), super::state::ControlError> {
        self.with_account(account, |entry| entry.smb = smb)
    }

    /// Sets `allowSharedKeyAccess`: when off, Shared Key and SAS requests are refused
    /// with 403 `KeyBasedAuthenticationNotPermitted`.
    ///
    /// Errors: no such account.
    pub fn set_shared_key_access(&self, account: &str, allowed: bool) -> Result<(), super::state::ControlError> {
        self.with_account(account, |entry| entry.shared_key_access = allowed)
    }

    /// Changes one account. Errors: no such account.
    fn with_account(
        &self,
        account: &str,
        change: impl FnOnce(&mut super::state::Account),
    ) -> Result<(), super::state::ControlError> {
        let mut inner = self.state.lock();
        let entry = inner
            .accounts
            .get_mut(account)
            .ok_or_else(|| super::state::ControlError::UnknownAccount(account.to_owned()))?;
        change(entry);
        Ok(())
    }

    /// Makes the file service honour a role assignment only `secs` after it was made, as
    /// Azure's propagation delay does (0 applies assignments at once).
    pub fn set_role_propagation(&self, secs: i64) {
        self.state.lock().role_propagation_secs = secs.max(0);
    }

    /// The VM's ARM resource id (what IMDS instance metadata names as `resourceId`).
    pub fn vm_resource_id(&self) -> String {
        vm_id(&self.state.lock())
    }
}
