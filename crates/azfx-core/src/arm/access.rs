//! The evidence behind a 403: the role assignments that reach a share for one principal,
//! at the share, the account, its resource group and its subscription, through groups
//! too, each named and classed by what it allows over the Files REST API.
//!
//! Protocol facts: research notes §4 (`GET {scope}/providers/Microsoft.Authorization/
//! roleAssignments?api-version=2022-04-01&$filter=atScope() and assignedTo('{oid}')`:
//! at or above the scope, group-inherited included; `roleDefinitionId` ends in the role's
//! GUID) and §2.4 (the storage roles' GUIDs and why the SMB share roles grant nothing over
//! REST: no `readFileBackupSemantics` / `writeFileBackupSemantics` action).

use serde::Serialize;

use super::{ArmClient, ArmError, StorageAccount};

const AUTHORIZATION_VERSION: &str = "2022-04-01";

/// What a role allows over the Files REST API with a bearer token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum RoleKind {
    /// Read, write and delete files (`readFileBackupSemantics` and
    /// `writeFileBackupSemantics`): Privileged Contributor, SMB Admin, SMB MI Admin.
    DataReadWrite,
    /// Read files (`readFileBackupSemantics`): Privileged Reader.
    DataRead,
    /// An SMB share role: file access over SMB only, nothing over REST.
    SmbOnly,
    /// A control-plane role (Reader, Contributor, Owner, Storage Account Contributor):
    /// Resource Manager only, no file data.
    ControlPlane,
    /// Any other role: nothing azfx knows of for file data.
    Other,
}

/// The built-in roles azfx recognises by definition GUID (research notes §2.4).
const KNOWN_ROLES: [(&str, &str, RoleKind); 14] = [
    ("b8eda974-7b85-4f76-af95-65846b26df6d", "Storage File Data Privileged Reader", RoleKind::DataRead),
    ("69566ab7-960f-475b-8e7c-b3118f30c6bd", "Storage File Data Privileged Contributor", RoleKind::DataReadWrite),
    ("bbf004e3-0e4b-4f86-ae4f-1f8fb47b357b", "Storage File Data SMB Admin", RoleKind::DataReadWrite),
    ("a235d3ee-5935-4cfb-8cc5-a3303ad5995e", "Storage File Data SMB MI Admin", RoleKind::DataReadWrite),
    ("aba4ae5f-2193-4029-9191-0cb91df5e314", "Storage File Data SMB Share Reader", RoleKind::SmbOnly),
    ("0c867c2a-1d8c-454a-a3db-ab2ea1bdc8bb", "Storage File Data SMB Share Contributor", RoleKind::SmbOnly),
    ("a7264617-510b-434b-a828-9731dc254ea7", "Storage File Data SMB Share Elevated Contributor", RoleKind::SmbOnly),
    ("5d9bac3f-34b2-432f-bde5-78aa8e73ce6b", "Storage File Data SMB Take Ownership", RoleKind::SmbOnly),
    ("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader", RoleKind::ControlPlane),
    ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor", RoleKind::ControlPlane),
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner", RoleKind::ControlPlane),
    ("17d1049b-9a84-46fb-8f53-869881c3d3ab", "Storage Account Contributor", RoleKind::ControlPlane),
    ("c12c1c16-33a1-487b-954d-41c89c60f349", "Reader and Data Access", RoleKind::ControlPlane),
    ("765a04e0-5de8-4bb2-9bf6-b2a30bc03e91", "Storage File Delegator", RoleKind::Other),
];

/// Where an assignment applies, from the narrowest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ScopeLevel {
    /// The share itself.
    Share,
    /// The storage account.
    Account,
    /// The account's resource group.
    ResourceGroup,
    /// The subscription.
    Subscription,
    /// A management group or the root.
    Above,
}

impl ScopeLevel {
    /// The level of an ARM scope, read by segment position (a resource group or account
    /// may be called `shares`): `/subscriptions/{s}[/resourceGroups/{rg}[/providers/
    /// Microsoft.Storage/storageAccounts/{a}[/fileServices/default/fileshares/{share}]]]`.
    fn of(scope: &str) -> Self {
        let parts: Vec<String> = scope.trim_matches('/').split('/').map(str::to_ascii_lowercase).collect();
        let at = |i: usize, name: &str| parts.get(i).is_some_and(|p| p == name);
        if !at(0, "subscriptions") {
            return Self::Above;
        }
        match parts.len() {
            2 => Self::Subscription,
            4 if at(2, "resourcegroups") => Self::ResourceGroup,
            8 if at(6, "storageaccounts") => Self::Account,
            12 if at(6, "storageaccounts") && (at(10, "fileshares") || at(10, "shares")) => Self::Share,
            _ => Self::Above,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ScopeLevel;

    #[test]
    fn scope_levels_are_read_by_position() {
        let account = "/subscriptions/s/resourceGroups/shares/providers/Microsoft.Storage/storageAccounts/acct";
        assert_eq!(ScopeLevel::of("/subscriptions/s"), ScopeLevel::Subscription);
        assert_eq!(ScopeLevel::of("/subscriptions/s/resourceGroups/shares"), ScopeLevel::ResourceGroup);
        assert_eq!(ScopeLevel::of(account), ScopeLevel::Account);
        assert_eq!(ScopeLevel::of(&format!("{account}/fileServices/default/fileshares/x")), ScopeLevel::Share);
        assert_eq!(ScopeLevel::of("/providers/Microsoft.Management/managementGroups/mg"), ScopeLevel::Above);
        assert_eq!(ScopeLevel::of("/"), ScopeLevel::Above);
    }
}

/// One role assignment that reaches the share.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FoundRole {
    /// The role's name ("Storage File Data SMB Share Contributor"), or its GUID when its
    /// definition could not be read.
    pub name: String,
    /// What it allows over REST.
    pub kind: RoleKind,
    /// The assignment's scope (an ARM resource id).
    pub scope: String,
    /// How wide that scope is.
    pub level: ScopeLevel,
    /// The principal it is assigned to: the identity's object id, or a group's.
    pub principal_id: String,
    /// Whether it comes through a group the identity is in.
    pub via_group: bool,
    /// When it was made (`createdOn`, Unix seconds), if Resource Manager said.
    pub created: Option<i64>,
}

/// The role assignments reaching one share for one principal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoleEvidence {
    /// The subscription the account is in.
    pub subscription: String,
    /// Its resource group.
    pub resource_group: String,
    /// The share.
    pub share: String,
    /// The principal (the token's `oid`).
    pub object_id: String,
    /// Every assignment at or above the share, through groups too.
    pub roles: Vec<FoundRole>,
    /// When they were read (Unix seconds): an assignment younger than the propagation
    /// delay at that time may not apply yet.
    pub looked_up_at: i64,
}

/// The outcome of looking for that evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum RoleLookup {
    /// The assignments were read.
    Found(RoleEvidence),
    /// They could not be: why, in a sentence (no control-plane role, account not found…).
    Unavailable(String),
}

impl ArmClient {
    /// The storage account called `name` (names are global), looked for in every
    /// subscription the identity sees; `None` when none of them shows it.
    ///
    /// Errors: the subscriptions cannot be listed.
    /// Errors: the subscriptions cannot be listed, or the account was not found and a
    /// subscription's accounts could not be listed for another reason than a missing role
    /// (throttling, the network), so "not found" would not be true.
    pub async fn find_account(&self, name: &str) -> Result<Option<StorageAccount>, ArmError> {
        let mut unknown = None;
        for subscription in self.subscriptions().await? {
            match self.storage_accounts(&subscription.id).await {
                Ok(accounts) => {
                    if let Some(found) = accounts.into_iter().find(|a| a.name.eq_ignore_ascii_case(name)) {
                        return Ok(Some(found));
                    }
                }
                // No role there: the account is not visible in it, which is what we say.
                Err(e) if e.is_forbidden() => {}
                Err(e) => unknown = Some(e),
            }
        }
        unknown.map_or(Ok(None), Err)
    }

    /// The assignments at or above `share` of `account` for `object_id`, groups included.
    ///
    /// Errors: Resource Manager refuses (`roleAssignments/read` missing) or fails.
    pub async fn roles_reaching(
        &self,
        account: &StorageAccount,
        share: &str,
        object_id: &str,
    ) -> Result<Vec<FoundRole>, ArmError> {
        let scope = format!("{}/fileServices/default/fileshares/{share}", account.id);
        let mut url =
            self.url(&format!("{scope}/providers/Microsoft.Authorization/roleAssignments"), AUTHORIZATION_VERSION);
        url.query_pairs_mut().append_pair("$filter", &format!("atScope() and assignedTo('{object_id}')"));
        let items = self.list("List role assignments", url).await?;
        let mut found = Vec::new();
        for item in &items {
            let properties = &item["properties"];
            let definition = properties["roleDefinitionId"].as_str().unwrap_or_default();
            let (name, kind) = self.role_name(definition).await;
            let principal_id = properties["principalId"].as_str().unwrap_or_default().to_owned();
            let scope = properties["scope"].as_str().unwrap_or_default().to_owned();
            found.push(FoundRole {
                name,
                kind,
                level: ScopeLevel::of(&scope),
                scope,
                via_group: !principal_id.eq_ignore_ascii_case(object_id),
                principal_id,
                created: properties["createdOn"]
                    .as_str()
                    .and_then(crate::azure_time::parse_iso)
                    .map(time::OffsetDateTime::unix_timestamp),
            });
        }
        Ok(found)
    }

    /// A role's name and kind: built-in roles by GUID, others from their definition (by
    /// the backup-semantics data actions it lists); the GUID when it cannot be read.
    async fn role_name(&self, definition_id: &str) -> (String, RoleKind) {
        let guid = definition_id.rsplit('/').next().unwrap_or_default();
        if let Some((_, name, kind)) = KNOWN_ROLES.iter().find(|(id, _, _)| id.eq_ignore_ascii_case(guid)) {
            return ((*name).to_owned(), *kind);
        }
        let Ok(definition) = self.get("Get role definition", &self.url(definition_id, AUTHORIZATION_VERSION)).await
        else {
            return (guid.to_owned(), RoleKind::Other);
        };
        let actions: Vec<String> = definition["properties"]["permissions"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|p| p["dataActions"].as_array().cloned().unwrap_or_default())
            .filter_map(|a| a.as_str().map(str::to_ascii_lowercase))
            .collect();
        let has =
            |action: &str| actions.iter().any(|a| a == "*" || a.ends_with(action) || a.ends_with("fileservices/*"));
        let kind = if has("writefilebackupsemantics/action") {
            RoleKind::DataReadWrite
        } else if has("readfilebackupsemantics/action") {
            RoleKind::DataRead
        } else if actions.iter().any(|a| a.contains("fileshares/files/")) {
            RoleKind::SmbOnly
        } else {
            RoleKind::Other
        };
        let name = definition["properties"]["roleName"].as_str().unwrap_or(guid).to_owned();
        (name, kind)
    }
}

/// Everything Resource Manager can say about why `object_id` was refused on `share` of
/// the account `account` (by name): its placement and the role assignments reaching the
/// share. Never fails: what could not be read is told in `Unavailable`.
pub async fn role_evidence(client: &ArmClient, account: &str, share: &str, object_id: &str, now: i64) -> RoleLookup {
    match client.find_account(account).await {
        Ok(Some(found)) => roles_of(client, &found, share, object_id, now).await,
        Ok(None) => RoleLookup::Unavailable(format!(
            "Resource Manager shows no storage account {account} to this identity: it has no control-plane role (e.g. Reader) on the account, its resource group or subscription"
        )),
        Err(e) => RoleLookup::Unavailable(unavailable(&e)),
    }
}

/// `role_evidence` for an account already found.
pub async fn roles_of(
    client: &ArmClient,
    account: &StorageAccount,
    share: &str,
    object_id: &str,
    now: i64,
) -> RoleLookup {
    let Some((subscription, resource_group)) = account.placement() else {
        return RoleLookup::Unavailable(format!("the account's resource id {} names no resource group", account.id));
    };
    match client.roles_reaching(account, share, object_id).await {
        Ok(roles) => RoleLookup::Found(RoleEvidence {
            subscription,
            resource_group,
            share: share.to_owned(),
            object_id: object_id.to_owned(),
            roles,
            looked_up_at: now,
        }),
        Err(e) => RoleLookup::Unavailable(unavailable(&e)),
    }
}

fn unavailable(error: &ArmError) -> String {
    if error.is_forbidden() {
        format!(
            "Resource Manager refused to show role assignments ({error}): reading them needs a control-plane role such as Reader"
        )
    } else {
        format!("Resource Manager could not be asked: {error}")
    }
}
