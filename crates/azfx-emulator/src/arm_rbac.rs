//! Resource Manager's role assignments and role definitions (research notes §4, §2.4):
//! `GET {scope}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01`
//! with the documented `$filter` forms — none (at, above and below the scope),
//! `atScope()` (at or above), `principalId eq '{id}'` (the principal's, at, above or
//! below), `assignedTo('{id}')` (as `principalId` but through its groups too), and
//! `atScope() and assignedTo('{id}')` — and one built-in role definition by its GUID.
//! Reading them needs `Microsoft.Authorization/roleAssignments/read` at the scope, which
//! the control-plane roles (Reader and up) carry.

use hyper::StatusCode;
use serde_json::{Value, json};

use super::arm_access::{ArmError, UrlScope, error, forbidden, may_read};
use super::model::{Role, Scope};
use super::state::Inner;

/// Every built-in role the emulator knows.
const ROLES: [Role; 10] = [
    Role::StorageFileDataPrivilegedReader,
    Role::StorageFileDataPrivilegedContributor,
    Role::StorageFileDataSmbShareReader,
    Role::StorageFileDataSmbShareContributor,
    Role::StorageFileDataSmbShareElevatedContributor,
    Role::StorageFileDataSmbAdmin,
    Role::Reader,
    Role::Contributor,
    Role::Owner,
    Role::StorageAccountContributor,
];

/// The scope a path names (`subscriptions/{s}[/resourceGroups/{rg}[/providers/
/// Microsoft.Storage/storageAccounts/{a}[/fileServices/default/fileshares/{share}]]]`).
pub(crate) fn parse_scope(segments: &[&str]) -> Option<UrlScope> {
    let lower: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let url = |rg: Option<usize>, account: Option<usize>, share: Option<usize>| UrlScope {
        subscription: segments[1].to_owned(),
        resource_group: rg.map(|i| segments[i].to_owned()),
        account: account.map(|i| segments[i].to_owned()),
        share: share.map(|i| segments[i].to_owned()),
    };
    match lower.as_slice() {
        ["subscriptions", _] => Some(url(None, None, None)),
        ["subscriptions", _, "resourcegroups", _] => Some(url(Some(3), None, None)),
        ["subscriptions", _, "resourcegroups", _, "providers", "microsoft.storage", "storageaccounts", _] => {
            Some(url(Some(3), Some(7), None))
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
            "fileshares" | "shares",
            _,
        ] => Some(url(Some(3), Some(7), Some(11))),
        _ => None,
    }
}

/// Whether `outer` is `target` or contains it.
fn contains(inner: &Inner, outer: &Scope, target: &Scope) -> bool {
    let place_of = |account: &str| inner.accounts.get(account).map(|a| a.placement.clone());
    match (outer, target) {
        (Scope::Subscription(s), Scope::Subscription(t) | Scope::ResourceGroup(t, _)) => s == t,
        (Scope::ResourceGroup(s, rg), Scope::ResourceGroup(t, trg)) => s == t && rg.eq_ignore_ascii_case(trg),
        (Scope::Subscription(_) | Scope::ResourceGroup(..), Scope::Account(a) | Scope::Share(a, _)) => {
            place_of(a).is_some_and(|place| outer.covers(&place, a, None))
        }
        (Scope::Account(a), Scope::Account(b) | Scope::Share(b, _)) => a == b,
        (Scope::Share(a, s), Scope::Share(b, t)) => a == b && s == t,
        _ => false,
    }
}

/// What a `$filter` asks for.
struct Filter {
    at_or_above_only: bool,
    principals: Option<Vec<String>>,
}

fn parse_filter(inner: &Inner, filter: Option<&str>) -> Result<Filter, ArmError> {
    let Some(filter) = filter.map(str::trim).filter(|f| !f.is_empty()) else {
        return Ok(Filter { at_or_above_only: false, principals: None });
    };
    let unsupported =
        || error(StatusCode::BAD_REQUEST, "UnsupportedQuery", format!("The filter '{filter}' is not supported."));
    // One quoted GUID, the only argument the documented forms take.
    let guid = |text: &str| -> Option<String> {
        let id = text.trim().strip_prefix('\'')?.strip_suffix('\'')?;
        uuid::Uuid::parse_str(id).ok().map(|_| id.to_ascii_lowercase())
    };
    let lower = filter.to_ascii_lowercase();
    let call = |text: &str, name: &str| -> Option<String> {
        guid(text.strip_prefix(name)?.strip_prefix('(')?.strip_suffix(')')?)
    };
    let principals = |id: String| {
        let ids = inner.principal_ids(&id);
        ids.into_iter().map(|i| i.to_ascii_lowercase()).collect::<Vec<_>>()
    };
    if lower == "atscope()" {
        return Ok(Filter { at_or_above_only: true, principals: None });
    }
    if let Some(id) = lower.strip_prefix("principalid eq ").and_then(guid) {
        return Ok(Filter { at_or_above_only: false, principals: Some(vec![id]) });
    }
    if let Some(id) = call(&lower, "assignedto") {
        return Ok(Filter { at_or_above_only: false, principals: Some(principals(id)) });
    }
    if let Some(id) = lower.strip_prefix("atscope() and ").and_then(|rest| call(rest, "assignedto")) {
        return Ok(Filter { at_or_above_only: true, principals: Some(principals(id)) });
    }
    Err(unsupported())
}

/// A role definition's ARM id at a subscription.
fn definition_id(subscription: &str, role: Role) -> String {
    format!("/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{}", role.definition_id())
}

/// The role assignments at `target` that the `$filter` selects.
pub(crate) fn role_assignments(
    inner: &Inner,
    oid: &str,
    url: &UrlScope,
    filter: Option<&str>,
) -> Result<Vec<Value>, ArmError> {
    let place_of = |account: &str| inner.accounts.get(account).map(|a| a.placement.clone());
    if !may_read(inner, oid, url) {
        return Err(forbidden(oid, "Microsoft.Authorization/roleAssignments/read", &url.arm_id()));
    }
    if !url.account_matches(inner) {
        return Err(error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!("The Resource '{}' was not found.", url.arm_id()),
        ));
    }
    let filter = parse_filter(inner, filter)?;
    let target = url.scope();
    let target = &target;
    let subscription = url.subscription.clone();
    let groups: std::collections::BTreeSet<&String> = inner.group_members.keys().collect();
    Ok(inner
        .assignments
        .iter()
        .filter(|a| filter.principals.as_ref().is_none_or(|ids| ids.contains(&a.object_id.to_ascii_lowercase())))
        .filter(|a| {
            contains(inner, &a.scope, target) || (!filter.at_or_above_only && contains(inner, target, &a.scope))
        })
        .map(|a| {
            let scope = a.scope.arm_id(place_of);
            let created =
                time::OffsetDateTime::from_unix_timestamp(a.created).map(crate::wire::iso7).unwrap_or_default();
            json!({
                "id": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{}", a.id),
                "type": "Microsoft.Authorization/roleAssignments",
                "name": a.id,
                "properties": {
                    "roleDefinitionId": definition_id(&subscription, a.role),
                    "principalId": a.object_id,
                    "principalType": if groups.contains(&a.object_id) { "Group" } else { "ServicePrincipal" },
                    "scope": scope,
                    "createdOn": created,
                    "updatedOn": created
                }
            })
        })
        .collect())
}

/// One built-in role definition by its GUID.
pub(crate) fn role_definition(subscription: &str, guid: &str) -> Result<Value, ArmError> {
    let role = ROLES.iter().find(|r| r.definition_id().eq_ignore_ascii_case(guid)).ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            "RoleDefinitionDoesNotExist",
            "The specified role definition with ID '".to_owned() + guid + "' does not exist.",
        )
    })?;
    Ok(json!({
        "id": definition_id(subscription, *role),
        "type": "Microsoft.Authorization/roleDefinitions",
        "name": role.definition_id(),
        "properties": {
            "roleName": role.display_name(),
            "type": "BuiltInRole",
            "description": "",
            "assignableScopes": ["/"],
            "permissions": [{"actions": [], "notActions": [], "dataActions": [], "notDataActions": []}]
        }
    }))
}
