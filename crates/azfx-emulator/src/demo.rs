//! Demo content for `azfx --demo` and `azfx emulator --demo`: one account, a VM with a
//! system-assigned identity and three user-assigned ones, shares the VM may write, only
//! read, or not touch at all, files of several sizes and a 20 000-entry folder.

use super::model::{DirectoryService, Identity, Role, Scope, SmbAuth};
use super::state::{Control, ControlError};
use std::fmt::Write as _;

/// The demo storage account.
pub const ACCOUNT: &str = "azfxdemo";
/// Share the VM identity may read and write.
pub const WRITABLE_SHARE: &str = "projects";
/// Share the VM identity may only read.
pub const READ_ONLY_SHARE: &str = "archive";
/// Share the VM identity has no role on.
pub const NO_ROLE_SHARE: &str = "restricted";
/// Folder with many entries in the writable share.
pub const LARGE_FOLDER: &str = "telemetry/2026-11";
/// Number of entries in the large folder.
pub const LARGE_FOLDER_ENTRIES: usize = 20_000;
/// The demo account's resource group.
pub const RESOURCE_GROUP: &str = "azfx-demo";
/// A second subscription of the demo tenant.
pub const FINANCE_SUBSCRIPTION: &str = "5d2a3c4e-7f1b-4a8e-9c0d-2b6e8f1a3c5d";
/// Its resource group.
pub const FINANCE_GROUP: &str = "finance-rg";
/// Its storage account (one share, `ledgers`).
pub const FINANCE_ACCOUNT: &str = "azfxfinance";
/// An Entra group of the demo tenant (its object id is `stable_guid("group", DEMO_GROUP)`).
pub const DEMO_GROUP: &str = "grp-file-readers";
/// The VM's name (its system-assigned identity's name).
pub const VM_NAME: &str = "jumpbox-01";

/// Seeds the demo account; returns the VM identity.
pub fn seed(control: &Control) -> Result<Identity, ControlError> {
    control.add_account(ACCOUNT);
    // Azure Resource Manager: the demo account in the demo subscription's `azfx-demo`
    // group; a second subscription with a finance account the VM reads through a role
    // granted at the resource group.
    control.place_account(ACCOUNT, super::model::DEMO_SUBSCRIPTION, RESOURCE_GROUP)?;
    control.add_subscription(FINANCE_SUBSCRIPTION, "azfx finance");
    control.add_account(FINANCE_ACCOUNT);
    control.place_account(FINANCE_ACCOUNT, FINANCE_SUBSCRIPTION, FINANCE_GROUP)?;
    control.create_share(FINANCE_ACCOUNT, "ledgers", 20)?;
    let vm = Identity::system_assigned(VM_NAME);
    let backup = Identity::user_assigned("id-backup-operator");
    let auditor = Identity::user_assigned("id-auditor");
    let other_vm = Identity::user_assigned("id-build-agent").detached();
    for identity in [&vm, &backup, &auditor, &other_vm] {
        control.add_identity(identity.clone());
    }
    for (share, quota) in [(WRITABLE_SHARE, 100), (READ_ONLY_SHARE, 50), (NO_ROLE_SHARE, 10)] {
        control.create_share(ACCOUNT, share, quota)?;
    }
    // The demo's roles were granted long ago (well past the propagation delay).
    let long_ago = time::OffsetDateTime::now_utc().unix_timestamp() - 90 * 86_400;
    let assign = |object_id: &str, role: Role, scope: Scope| control.assign_role_at(object_id, role, scope, long_ago);
    let account = || Scope::Account(ACCOUNT.to_owned());
    let share = |name: &str| Scope::Share(ACCOUNT.to_owned(), name.to_owned());
    assign(&vm.object_id, Role::Reader, account());
    assign(&vm.object_id, Role::StorageFileDataPrivilegedContributor, share(WRITABLE_SHARE));
    assign(&vm.object_id, Role::StorageFileDataPrivilegedReader, share(READ_ONLY_SHARE));
    assign(&vm.object_id, Role::StorageFileDataSmbShareContributor, share(NO_ROLE_SHARE));
    assign(&backup.object_id, Role::StorageFileDataPrivilegedContributor, account());
    assign(&auditor.object_id, Role::StorageFileDataPrivilegedReader, account());
    let finance = Scope::ResourceGroup(FINANCE_SUBSCRIPTION.to_owned(), FINANCE_GROUP.to_owned());
    assign(&vm.object_id, Role::Reader, finance.clone());
    assign(&vm.object_id, Role::StorageFileDataPrivilegedReader, finance);
    // The VM may read its own resource (which identities it has) through its group; the
    // backup operator may make a service SAS (Storage Account Contributor).
    assign(
        &vm.object_id,
        Role::Reader,
        Scope::ResourceGroup(super::model::DEMO_SUBSCRIPTION.to_owned(), RESOURCE_GROUP.to_owned()),
    );
    assign(&backup.object_id, Role::StorageAccountContributor, account());
    // An Entra group the backup operator is in, holding an SMB share role on the account
    // (a role inherited through a group, as evidence and SMB readiness show it).
    let readers = super::model::stable_guid("group", DEMO_GROUP);
    control.add_group_member(&readers, &backup.object_id);
    assign(&readers, Role::StorageFileDataSmbShareReader, account());
    // SMB: the demo account lets managed identities mount over SMB OAuth; the finance
    // account uses Microsoft Entra Kerberos for hybrid users, everyone reading by default.
    control.set_smb_auth(ACCOUNT, SmbAuth { smb_oauth: true, ..SmbAuth::default() })?;
    // Resource Manager answers in pages of two, so lists of the demo (its three shares,
    // the VM's role assignments) come with `nextLink` as large ones do.
    control.set_arm_page_size(2);
    control.set_smb_auth(
        FINANCE_ACCOUNT,
        SmbAuth {
            directory_service: DirectoryService::Aadkerb,
            domain: Some(("corp.contoso.com".to_owned(), "8c2f1d6e-4b3a-4f5e-9d7c-1a2b3c4d5e6f".to_owned())),
            default_share_permission: Some(Role::StorageFileDataSmbShareReader),
            smb_oauth: false,
        },
    )?;

    control.put_file(ACCOUNT, WRITABLE_SHARE, "README.md", README.as_bytes())?;
    control.create_directories(ACCOUNT, WRITABLE_SHARE, "reports/2026")?;
    control.create_directories(ACCOUNT, WRITABLE_SHARE, "designs/drafts")?;
    control.create_directories(ACCOUNT, WRITABLE_SHARE, LARGE_FOLDER)?;
    for quarter in 1..=4 {
        let csv = quarterly_csv(quarter);
        control.put_file(ACCOUNT, WRITABLE_SHARE, &format!("reports/2026/q{quarter}.csv"), csv.as_bytes())?;
    }
    control.put_file(ACCOUNT, WRITABLE_SHARE, "designs/site-plan.bin", &pattern(3 * 1024 * 1024 + 17))?;
    control.put_file(ACCOUNT, WRITABLE_SHARE, "designs/drafts/sketch.txt", b"first idea\n")?;
    control.create_sparse_file(ACCOUNT, WRITABLE_SHARE, "backups/vm-disk.vhd", 5 * 1024 * 1024 * 1024)?;
    for i in 0..LARGE_FOLDER_ENTRIES {
        control.create_sparse_file(
            ACCOUNT,
            WRITABLE_SHARE,
            &format!("{LARGE_FOLDER}/sample-{i:05}.json"),
            (i as u64 % 97) * 64,
        )?;
    }
    control.put_file(ACCOUNT, READ_ONLY_SHARE, "2025/annual-report.pdf", &pattern(600 * 1024))?;
    control.put_file(ACCOUNT, READ_ONLY_SHARE, "2025/notes.txt", b"Archived: read-only for the jump box.\n")?;
    control.put_file(ACCOUNT, NO_ROLE_SHARE, "secrets/payroll.xlsx", &pattern(40 * 1024))?;
    Ok(vm)
}

const README: &str = "# Demo share\n\nThis share lives in azfx's built-in emulator. The jump box's managed identity\nhas Storage File Data Privileged Contributor here, Privileged Reader on `archive`\nand only an SMB role (which grants nothing over REST) on `restricted`.\n";

fn quarterly_csv(quarter: u32) -> String {
    let mut csv = String::from("region,revenue,cost\n");
    for (i, region) in ["north", "south", "east", "west"].iter().enumerate() {
        let base = quarter * 1000 + u32::try_from(i).unwrap_or(0) * 137;
        let _ = writeln!(csv, "{region},{},{}", base * 3, base * 2);
    }
    csv
}

/// Deterministic non-repeating-looking bytes.
fn pattern(len: usize) -> Vec<u8> {
    let mut state: u32 = 0x1234_5678;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// Training drills on the demo emulator (azfx's `--demo` → Training): each method changes
/// the emulator the way the real failure would look; `restore` puts everything back (the
/// VM's roles included).
#[derive(Debug)]
pub struct Training {
    control: Control,
    removed: std::sync::Mutex<Vec<crate::model::RoleAssignment>>,
}

/// Files requests the dropped-header drill answers with 400 (until Restore).
const DRILL_REQUESTS: usize = 100_000;

impl Training {
    /// Drills on the demo emulator behind `control`.
    pub fn new(control: Control) -> Self {
        Self { control, removed: std::sync::Mutex::new(Vec::new()) }
    }

    /// Expires every token issued so far: the next request is 401 and a client that
    /// refreshes once and retries recovers.
    pub fn expire_tokens(&self) {
        self.control.expire_all_tokens();
    }

    /// Revokes every token issued so far: 401 `InvalidAuthenticationInfo` until the
    /// client gets a new one.
    pub fn revoke_tokens(&self) {
        self.control.inject(crate::FaultTarget::Files, &crate::Fault::RevokeTokens, 1);
    }

    /// Answers Files requests as if `x-ms-file-request-intent` were missing: 400
    /// `MissingRequiredHeader` (until `restore`).
    pub fn drop_intent_header(&self) {
        let fault = crate::Fault::ServiceError {
            status: 400,
            code: "MissingRequiredHeader".to_owned(),
            header_name: Some("x-ms-file-request-intent".to_owned()),
        };
        self.control.inject(crate::FaultTarget::Files, &fault, DRILL_REQUESTS);
    }

    /// The demo account's firewall denies this machine: 403 `AuthorizationFailure`.
    ///
    /// Errors: the demo account is missing (the emulator was not seeded).
    pub fn deny_by_firewall(&self) -> Result<(), ControlError> {
        self.control.set_network_deny(ACCOUNT, true)
    }

    /// The demo shares are over their request rate: 503 `ServerBusy` with `Retry-After`.
    ///
    /// Errors: a demo share is missing.
    pub fn throttle(&self) -> Result<(), ControlError> {
        for share in [WRITABLE_SHARE, READ_ONLY_SHARE, NO_ROLE_SHARE] {
            self.control.set_share_throttled(ACCOUNT, share, true)?;
        }
        Ok(())
    }

    /// The VM keeps only a control-plane Reader: 403 `AuthorizationPermissionMismatch`.
    /// `restore` gives back exactly what it had (a second call does not lose the first
    /// one's saved roles).
    pub fn remove_role(&self) {
        let vm = Identity::system_assigned(VM_NAME).object_id;
        let mut removed = self.removed.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if removed.is_empty() {
            removed.extend(self.control.role_assignments(&vm));
        }
        self.control.remove_role_assignments(&vm);
        self.control.assign_role(&vm, Role::Reader, Scope::Account(ACCOUNT.to_owned()));
    }

    /// Everything back as the demo started: faults cleared, firewall open, no throttling,
    /// the VM's roles given back.
    ///
    /// Errors: the demo account or a demo share is missing.
    pub fn restore(&self) -> Result<(), ControlError> {
        let vm = Identity::system_assigned(VM_NAME).object_id;
        self.control.clear_faults();
        self.control.set_network_deny(ACCOUNT, false)?;
        for share in [WRITABLE_SHARE, READ_ONLY_SHARE, NO_ROLE_SHARE] {
            self.control.set_share_throttled(ACCOUNT, share, false)?;
        }
        let mut removed = self.removed.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !removed.is_empty() {
            self.control.restore_assignments(&vm, removed.drain(..).collect());
        }
        Ok(())
    }
}
