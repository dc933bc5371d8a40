//! SMB readiness: whether this machine, the account and the identity are ready to mount a
//! share over SMB, as verdicts (classes here; each a `Diagnosis` through `diagnose::smb_readiness`, words in `texts`) and the exact mount
//! command for the platform. Pure: the worker gathers the facts (TCP 445, the account's
//! `azureFilesIdentityBasedAuthentication`, the role assignments, the VM's identities).
//!
//! Sources (Microsoft Learn, 2026): "Access SMB Azure file shares using managed identities
//! with Microsoft Entra ID (preview)" (`files-managed-identities`: SMB OAuth must be on and
//! no other identity source set; role Storage File Data SMB MI Admin; "If the VM has both
//! system-assigned and user-assigned managed identities, Azure defaults to system
//! assigned"; `azfilesauthmanager` on Linux, `AzFilesSmbMIClient` on Windows), "Enable
//! Microsoft Entra Kerberos authentication for hybrid and cloud-only identities"
//! (admin consent, MFA exclusion, `CloudKerberosTicketRetrievalEnabled`), and "Use an
//! Azure file share with Windows" (outbound TCP 445).

use serde::Serialize;

use super::{Class, Diagnosis};
use crate::arm::{FoundRole, RoleKind, RoleLookup, SmbSettings, VmIdentities};

/// Whether TCP 445 to the file endpoint opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum PortCheck {
    /// A connection was made.
    Open,
    /// It was refused or timed out: what happened.
    Blocked(String),
}

/// The machine that would mount.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ClientOs {
    /// Linux (`mount -t cifs`).
    Linux,
    /// Windows, with `CloudKerberosTicketRetrievalEnabled` under
    /// `HKLM\SYSTEM\CurrentControlSet\Control\Lsa\Kerberos\Parameters` (`None` when absent).
    Windows {
        /// The registry value is 1.
        kerberos_ticket_retrieval: Option<bool>,
    },
}

/// The identity azfx runs with (the one that would mount over SMB OAuth).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SmbIdentity {
    /// Its object id.
    pub object_id: String,
    /// Its client id, for a user-assigned identity (the mount must name it).
    pub user_assigned_client_id: Option<String>,
}

/// Everything the verdicts are drawn from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SmbFacts {
    /// Storage account name.
    pub account: String,
    /// Share name.
    pub share: String,
    /// The file endpoint's host (`{account}.file.core.windows.net`).
    pub host: String,
    /// Its resource group, when Resource Manager showed the account.
    pub resource_group: Option<String>,
    /// TCP 445 from this machine.
    pub port: PortCheck,
    /// The account's SMB settings, or why they could not be read.
    pub settings: Result<SmbSettings, String>,
    /// The identity.
    pub identity: SmbIdentity,
    /// Its role assignments reaching the share.
    pub roles: RoleLookup,
    /// The VM's identities, or why they could not be read.
    pub vm: Result<VmIdentities, String>,
    /// The client platform.
    pub client: ClientOs,
}

/// The verdicts and, when nothing blocks, the mount command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SmbReadiness {
    /// Whether mounting with this identity should work.
    pub ready: bool,
    /// One diagnosis per finding, blocking ones first.
    pub verdicts: Vec<Diagnosis>,
    /// The commands to mount, in order (empty when something blocks).
    pub mount: Vec<String>,
}

/// Whether a role authorizes access to a share over SMB: the SMB share roles (Reader,
/// Contributor, Elevated Contributor, or a custom role with file data actions), SMB Admin
/// and SMB MI Admin — not SMB Take Ownership, which grants no access by itself.
pub fn grants_smb(role: &FoundRole) -> bool {
    (role.kind == RoleKind::SmbOnly && !role.name.contains("Take Ownership"))
        || matches!(role.name.as_str(), "Storage File Data SMB Admin" | "Storage File Data SMB MI Admin")
}

/// The verdicts for `facts`, as classes: what blocks a mount first, then notes
/// (`SmbReady` first when nothing blocks). Words and mount commands:
/// `diagnose::smb_readiness`.
pub fn verdict_classes(facts: &SmbFacts) -> Vec<Class> {
    let mut blocking = Vec::new();
    let mut notes = Vec::new();
    if let PortCheck::Blocked(_) = facts.port {
        blocking.push(Class::SmbPortBlocked);
    }
    match &facts.settings {
        Err(_) => blocking.push(Class::SmbSettingsUnknown),
        Ok(settings) => {
            if !settings.smb_oauth || settings.directory_service != "None" {
                blocking.push(Class::SmbWrongIdentitySource);
            }
            if settings.directory_service == "AADKERB" {
                notes.push(Class::KerberosRequirements);
                if matches!(facts.client, ClientOs::Windows { kerberos_ticket_retrieval } if kerberos_ticket_retrieval != Some(true))
                {
                    notes.push(Class::KerberosClientSettingOff);
                }
            }
        }
    }
    // A default share-level permission gives every authenticated identity a share role.
    let default_permission = facts.settings.as_ref().ok().and_then(|s| s.default_share_permission.as_ref()).is_some();
    match &facts.roles {
        RoleLookup::Found(evidence) if !default_permission && !evidence.roles.iter().any(grants_smb) => {
            blocking.push(Class::SmbNoRole);
        }
        // Not knowing the roles is not "ready".
        RoleLookup::Unavailable(_) if !default_permission => blocking.push(Class::SmbRolesUnknown),
        _ => {}
    }
    if let Ok(vm) = &facts.vm
        && vm.system_assigned.is_some()
        && !vm.user_assigned.is_empty()
    {
        notes.push(Class::SmbBothIdentities);
    }
    if blocking.is_empty() {
        notes.insert(0, Class::SmbReady);
    }
    blocking.extend(notes);
    blocking
}
