//! Plain data the emulator is configured with: identities, role assignments and the
//! faults it can inject. No behaviour beyond what a role grants.

use std::time::Duration;

/// Whether an identity is the VM's own or one attached to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityKind {
    /// The VM's system-assigned identity; IMDS uses it when no id is given.
    SystemAssigned,
    /// A user-assigned identity, chosen by `client_id`, `object_id` or `msi_res_id`.
    UserAssigned,
}

/// A managed identity known to the emulated tenant.
#[derive(Clone, Debug)]
pub struct Identity {
    /// Display name (the resource name of a user-assigned identity, or the VM name).
    pub name: String,
    /// System- or user-assigned.
    pub kind: IdentityKind,
    /// Application (client) id: the token's `appid` and IMDS `client_id`.
    pub client_id: String,
    /// Principal (object) id: the token's `oid`, what roles are assigned to.
    pub object_id: String,
    /// ARM resource id: the token's `xms_mirid` and IMDS `msi_res_id`.
    pub resource_id: String,
    /// Whether IMDS on this VM hands out tokens for it; a detached identity answers
    /// "Identity not found" like the real service.
    pub attached: bool,
    /// Overrides the emulator's token lifetime for this identity.
    pub token_lifetime: Option<Duration>,
}

impl Identity {
    /// A system-assigned identity for a VM called `vm_name`, with ids derived from the name.
    pub fn system_assigned(vm_name: &str) -> Self {
        Self {
            name: vm_name.to_owned(),
            kind: IdentityKind::SystemAssigned,
            client_id: stable_guid("client", vm_name),
            object_id: stable_guid("object", vm_name),
            resource_id: format!(
                "/subscriptions/{DEMO_SUBSCRIPTION}/resourceGroups/azfx-demo/providers/Microsoft.Compute/virtualMachines/{vm_name}"
            ),
            attached: true,
            token_lifetime: None,
        }
    }

    /// A user-assigned identity called `name`, with ids derived from the name.
    pub fn user_assigned(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            kind: IdentityKind::UserAssigned,
            client_id: stable_guid("client", name),
            object_id: stable_guid("object", name),
            resource_id: format!(
                "/subscriptions/{DEMO_SUBSCRIPTION}/resourceGroups/azfx-demo/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
            ),
            attached: true,
            token_lifetime: None,
        }
    }

    /// The same identity, no longer attached to the VM.
    #[must_use]
    pub fn detached(mut self) -> Self {
        self.attached = false;
        self
    }

    /// The same identity with its own token lifetime.
    #[must_use]
    pub fn with_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = Some(lifetime);
        self
    }
}

/// The subscription id the emulator's resource ids use.
pub const DEMO_SUBSCRIPTION: &str = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";

/// A GUID-shaped string derived from a name, so ids are stable across runs.
pub fn stable_guid(kind: &str, name: &str) -> String {
    use std::fmt::Write as _;

    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{kind}:{name}").as_bytes());
    let hex = digest.iter().take(16).fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    });
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// Built-in Azure roles the emulator understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Read files over REST with backup semantics.
    StorageFileDataPrivilegedReader,
    /// Read, write and delete files over REST with backup semantics.
    StorageFileDataPrivilegedContributor,
    /// SMB read: grants nothing over REST (no backup-semantics action).
    StorageFileDataSmbShareReader,
    /// SMB read/write: grants nothing over REST.
    StorageFileDataSmbShareContributor,
    /// SMB read/write/ACLs: grants nothing over REST.
    StorageFileDataSmbShareElevatedContributor,
    /// Includes both backup-semantics actions, so it works over REST.
    StorageFileDataSmbAdmin,
    /// Control-plane reader: lists shares, reads share properties.
    Reader,
    /// Control-plane contributor: also creates and deletes shares.
    Contributor,
    /// Control-plane owner.
    Owner,
    /// Storage Account Contributor: manages shares.
    StorageAccountContributor,
}

impl Role {
    /// The role's display name as the portal and `az role assignment` show it.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::StorageFileDataPrivilegedReader => "Storage File Data Privileged Reader",
            Self::StorageFileDataPrivilegedContributor => "Storage File Data Privileged Contributor",
            Self::StorageFileDataSmbShareReader => "Storage File Data SMB Share Reader",
            Self::StorageFileDataSmbShareContributor => "Storage File Data SMB Share Contributor",
            Self::StorageFileDataSmbShareElevatedContributor => "Storage File Data SMB Share Elevated Contributor",
            Self::StorageFileDataSmbAdmin => "Storage File Data SMB Admin",
            Self::Reader => "Reader",
            Self::Contributor => "Contributor",
            Self::Owner => "Owner",
            Self::StorageAccountContributor => "Storage Account Contributor",
        }
    }

    /// The built-in role definition GUID.
    pub fn definition_id(self) -> &'static str {
        match self {
            Self::StorageFileDataPrivilegedReader => "b8eda974-7b85-4f76-af95-65846b26df6d",
            Self::StorageFileDataPrivilegedContributor => "69566ab7-960f-475b-8e7c-b3118f30c6bd",
            Self::StorageFileDataSmbShareReader => "aba4ae5f-2193-4029-9191-0cb91df5e314",
            Self::StorageFileDataSmbShareContributor => "0c867c2a-1d8c-454a-a3db-ab2ea1bdc8bb",
            Self::StorageFileDataSmbShareElevatedContributor => "a7264617-510b-434b-a828-9731dc254ea7",
            Self::StorageFileDataSmbAdmin => "bbf004e3-0e4b-4f86-ae4f-1f8fb47b357b",
            Self::Reader => "acdd72a7-3385-48ef-bd42-f606fba81ae7",
            Self::Contributor => "b24988ac-6180-42a0-ab88-20f7382dd24c",
            Self::Owner => "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
            Self::StorageAccountContributor => "17d1049b-9a84-46fb-8f53-869881c3d3ab",
        }
    }

    /// Whether this is a control-plane role that reads resources through ARM
    /// (`Microsoft.Storage/storageAccounts/read` and below).
    pub fn reads_control_plane(self) -> bool {
        matches!(self, Self::Reader | Self::Contributor | Self::Owner | Self::StorageAccountContributor)
    }

    /// Whether this role allows `access` over the REST API with a bearer token.
    pub fn grants(self, access: Access) -> bool {
        let data_read = matches!(
            self,
            Self::StorageFileDataPrivilegedReader
                | Self::StorageFileDataPrivilegedContributor
                | Self::StorageFileDataSmbAdmin
        );
        let data_write = matches!(self, Self::StorageFileDataPrivilegedContributor | Self::StorageFileDataSmbAdmin);
        let control_read =
            matches!(self, Self::Reader | Self::Contributor | Self::Owner | Self::StorageAccountContributor);
        let control_write = matches!(self, Self::Contributor | Self::Owner | Self::StorageAccountContributor);
        match access {
            Access::Read => data_read,
            Access::Write | Access::Delete => data_write,
            Access::ShareRead => control_read || data_read,
            Access::ListShares => control_read,
            Access::ManageShares => control_write,
        }
    }
    /// Whether this role may call the account's key actions through Resource Manager
    /// (`listKeys/action`, `ListServiceSas/action`): the roles with
    /// `Microsoft.Storage/storageAccounts/*` or `*`; Reader may not.
    pub fn lists_keys(self) -> bool {
        matches!(self, Self::Contributor | Self::Owner | Self::StorageAccountContributor)
    }
}

/// The identity source SMB clients authenticate with (ARM
/// `azureFilesIdentityBasedAuthentication.directoryServiceOptions`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DirectoryService {
    /// No identity-based SMB access (`None`): only the account key mounts.
    #[default]
    None,
    /// On-premises Active Directory Domain Services (`AD`).
    Ad,
    /// Microsoft Entra Domain Services (`AADDS`).
    Aadds,
    /// Microsoft Entra Kerberos for hybrid identities (`AADKERB`).
    Aadkerb,
}

impl DirectoryService {
    /// The value ARM writes.
    pub fn arm_value(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Ad => "AD",
            Self::Aadds => "AADDS",
            Self::Aadkerb => "AADKERB",
        }
    }
}

/// How SMB clients may authenticate to an account, as ARM describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SmbAuth {
    /// The identity source.
    pub directory_service: DirectoryService,
    /// `activeDirectoryProperties`: the domain's name and GUID (AD and Entra Kerberos).
    pub domain: Option<(String, String)>,
    /// `defaultSharePermission`: the SMB share role every authenticated identity gets
    /// (`None` when unset).
    pub default_share_permission: Option<Role>,
    /// `smbOAuthSettings.isSmbOAuthEnabled`: managed identities may mount over SMB with
    /// OAuth (preview).
    pub smb_oauth: bool,
}

/// What a request needs to be allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read file data, properties or listings (`readFileBackupSemantics`).
    Read,
    /// Create or modify files and directories (`writeFileBackupSemantics`).
    Write,
    /// Delete files and directories.
    Delete,
    /// Read share properties and statistics.
    ShareRead,
    /// List the account's shares (`fileServices/shares/read`).
    ListShares,
    /// Create, delete or change shares (`fileServices/shares/write`).
    ManageShares,
}

/// Where a storage account sits in Azure Resource Manager.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Subscription id (a GUID).
    pub subscription: String,
    /// Resource group name.
    pub resource_group: String,
}

/// Where a role assignment applies, from the widest: a subscription, a resource group, a
/// storage account, one share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// A subscription (and everything in it).
    Subscription(String),
    /// A resource group of a subscription (and everything in it).
    ResourceGroup(String, String),
    /// The whole storage account (and every share in it).
    Account(String),
    /// One share of an account.
    Share(String, String),
}

impl Scope {
    /// Whether this scope covers `share` in `account` (placed at `place`), or the account
    /// itself when `share` is `None`.
    pub fn covers(&self, place: &Placement, account: &str, share: Option<&str>) -> bool {
        match self {
            Self::Subscription(s) => *s == place.subscription,
            Self::ResourceGroup(s, rg) => *s == place.subscription && rg.eq_ignore_ascii_case(&place.resource_group),
            Self::Account(a) => a == account,
            Self::Share(a, s) => a == account && share.is_some_and(|share| share == s),
        }
    }

    /// The scope as an ARM resource id (`/subscriptions/…`, down to
    /// `…/fileServices/default/fileshares/{share}`); accounts are looked up in `place_of`.
    pub fn arm_id(&self, place_of: impl Fn(&str) -> Option<Placement>) -> String {
        let account_id = |account: &str| {
            place_of(account).map_or_else(
                || format!("/providers/Microsoft.Storage/storageAccounts/{account}"),
                |p| {
                    format!(
                        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Storage/storageAccounts/{account}",
                        p.subscription, p.resource_group
                    )
                },
            )
        };
        match self {
            Self::Subscription(s) => format!("/subscriptions/{s}"),
            Self::ResourceGroup(s, rg) => format!("/subscriptions/{s}/resourceGroups/{rg}"),
            Self::Account(a) => account_id(a),
            Self::Share(a, share) => format!("{}/fileServices/default/fileshares/{share}", account_id(a)),
        }
    }
}

/// A role given to a principal (an identity or a group) at a scope.
#[derive(Clone, Debug)]
pub struct RoleAssignment {
    /// The principal's object id (an identity's, or a group's).
    pub object_id: String,
    /// The role.
    pub role: Role,
    /// Where it applies.
    pub scope: Scope,
    /// Assignment id (a GUID, the last segment of its ARM id).
    pub id: String,
    /// When it was made (Unix seconds): a young one may not have propagated yet.
    pub created: i64,
}

/// Which server a fault applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultTarget {
    /// Azure Files requests.
    Files,
    /// Put Range requests only (the service refusing a large body from its headers).
    PutRange,
    /// Token requests (IMDS and App Service).
    Identity,
    /// List Directory requests only (each page is one): a refusal of listings alone, or
    /// a connection reset on a given page.
    Listing,
    /// Get File requests only (downloads): a body cut off part way.
    GetFile,
    /// Resource Manager requests: a status with ARM's error body, or a connection reset.
    Arm,
}

/// One injected failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status (500 `InternalError`, 503 `ServerBusy`, …), optionally with
    /// a `Retry-After` header.
    Status {
        /// HTTP status code.
        status: u16,
        /// Seconds for `Retry-After`, if any.
        retry_after_secs: Option<u32>,
    },
    /// Answer with this service error (status, `x-ms-error-code`, and a `HeaderName`
    /// detail when given), e.g. 400 `MissingRequiredHeader` as an older gateway would.
    ServiceError {
        /// HTTP status.
        status: u16,
        /// Error code.
        code: String,
        /// `HeaderName` detail.
        header_name: Option<String>,
    },
    /// Answer 401 with a claims challenge in `WWW-Authenticate` (Conditional Access,
    /// continuous access evaluation), which a managed identity cannot satisfy.
    ClaimsChallenge,
    /// Send the response head and part of the body, then drop the connection.
    ResetMidBody {
        /// Body bytes sent before the reset.
        after_bytes: u64,
    },
    /// Accept the request and answer nothing for this long, then drop the connection: a
    /// service that stopped answering (the client's own timeout must end the wait).
    Stall {
        /// Seconds to hold the request before dropping the connection.
        secs: u32,
    },
    /// Revoke every token issued so far (as when an identity's sessions are revoked): this
    /// request and every later one with an older token answer 401
    /// `InvalidAuthenticationInfo` until the client gets a new token.
    RevokeTokens,
}
