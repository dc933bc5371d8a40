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

use super::arm_access::{ArmError, error, forbidden, may_read};
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
pub fn parse_scope(segments: &[&str]) -> Option<Scope> {
    let lower: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    match lower.as_slice() {
        ["subscriptions", _] => Some(Scope::Subscription(segments[1].to_owned())),
        ["subscriptions", _, "resourcegroups", _] => {
            Some(Scope::ResourceGroup(segments[1].to_owned(), segments[3].to_owned()))
        }
        ["subscriptions", _, "resourcegroups", _, "providers", "microsoft.storage", "storageaccounts", _] => {
            Some(Scope::Account(segments[7].to_owned()))
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
        ] => Some(Scope::Share(segments[7].to_owned(), segments[11].to_owned())),
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
    let quoted = |text: &str, prefix: &str, suffix: &str| {
        text.strip_prefix(prefix).and_then(|t| t.strip_suffix(suffix)).map(|id| id.trim_matches('\'').to_owned())
    };
    let unsupported =
        || error(StatusCode::BAD_REQUEST, "UnsupportedQuery", format!("The filter '{filter}' is not supported."));
    if filter.eq_ignore_ascii_case("atScope()") {
        return Ok(Filter { at_or_above_only: true, principals: None });
    }
    if let Some(id) = quoted(filter, "principalId eq ", "") {
        return Ok(Filter { at_or_above_only: false, principals: Some(vec![id]) });
    }
    if let Some(id) = quoted(filter, "assignedTo(", ")") {
        return Ok(Filter { at_or_above_only: false, principals: Some(inner.principal_ids(&id)) });
    }
    if let Some(id) = quoted(filter, "atScope() and assignedTo(", ")") {
        return Ok(Filter { at_or_above_only: true, principals: Some(inner.principal_ids(&id)) });
    }
    Err(unsupported())
}

/// A role definition's ARM id at a subscription.
fn definition_id(subscription: &str, role: Role) -> String {
    format!("/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{}", role.definition_id())
}

/// The role assignments at `target` that the `$filter` selects.
pub fn role_assignments(
    inner: &Inner,
    oid: &str,
    target: &Scope,
    filter: Option<&str>,
) -> Result<Vec<Value>, ArmError> {
    let place_of = |account: &str| inner.accounts.get(account).map(|a| a.placement.clone());
    if !may_read(inner, oid, target) {
        return Err(forbidden(oid, "Microsoft.Authorization/roleAssignments/read", &target.arm_id(place_of)));
    }
    let filter = parse_filter(inner, filter)?;
    let subscription = match target {
        Scope::Subscription(s) | Scope::ResourceGroup(s, _) => s.clone(),
        Scope::Account(a) | Scope::Share(a, _) => place_of(a).map(|p| p.subscription).unwrap_or_default(),
    };
    let groups: std::collections::BTreeSet<&String> = inner.group_members.keys().collect();
    Ok(inner
        .assignments
        .iter()
        .filter(|a| filter.principals.as_ref().is_none_or(|ids| ids.contains(&a.object_id)))
        .filter(|a| {
            contains(inner, &a.scope, target) || (!filter.at_or_above_only && contains(inner, target, &a.scope))
        })
        .map(|a| {
            let scope = a.scope.arm_id(place_of);
            let created =
                time::OffsetDateTime::from_unix_timestamp(a.created).map(crate::azure_time::iso7).unwrap_or_default();
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
pub fn role_definition(subscription: &str, guid: &str) -> Result<Value, ArmError> {
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
