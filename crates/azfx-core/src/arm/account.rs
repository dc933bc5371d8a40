//! What Resource Manager says about the machine and the account beyond the lists: the
//! VM's identities (system- and user-assigned; Azure picks the system-assigned one when a
//! mount names none) and a short-lived service SAS for a share through `ListServiceSas`.
//!
//! Protocol facts: the token's `xms_mirid` names the VM for a system-assigned identity and
//! the identity resource for a user-assigned one (research notes §5), so the VM's id then
//! comes from IMDS instance metadata (`GET /metadata/instance/compute?api-version=2021-02-01`,
//! `Metadata: true`, field `resourceId`); `GET {vm}?api-version=2024-07-01` has
//! `identity.type` (`SystemAssigned`, `UserAssigned`, both comma-joined) and
//! `identity.userAssignedIdentities`; `POST {account}/ListServiceSas?api-version=2025-01-01`
//! with `canonicalizedResource` `/file/{account}/{share}`, `signedResource` `s`,
//! `signedPermission`, `signedProtocol`, `signedStart`, `signedExpiry` answers
//! `{"serviceSasToken": "…"}`.

use std::time::Duration;

use serde::Serialize;
use serde_json::json;

use super::{ArmClient, ArmError, STORAGE_VERSION, StorageAccount};
use crate::secret::Secret;

const COMPUTE_VERSION: &str = "2024-07-01";
/// Longest a SAS azfx asks for may live, minutes.
pub const MAX_SAS_MINUTES: u32 = 480;

/// The identities attached to a VM.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VmIdentities {
    /// The VM's resource id.
    pub vm_id: String,
    /// The system-assigned identity's object id, when it has one.
    pub system_assigned: Option<String>,
    /// The user-assigned identities' resource ids.
    pub user_assigned: Vec<String>,
}

/// The resource id of the VM azfx runs on: the token's `xms_mirid` when it names a VM (a
/// system-assigned identity), else IMDS instance metadata at `imds` (base URL).
///
/// Errors: IMDS does not answer or its answer has no `resourceId` (not an Azure VM).
pub async fn vm_resource_id(xms_mirid: Option<&str>, imds: &str) -> Result<String, ArmError> {
    if let Some(id) =
        xms_mirid.filter(|id| id.to_ascii_lowercase().contains("/providers/microsoft.compute/virtualmachines/"))
    {
        return Ok(id.to_owned());
    }
    let failed = |detail: String| ArmError::Transport { operation: "Read instance metadata".to_owned(), detail };
    // IMDS is link-local: never through a proxy.
    let http = crate::http::client_builder(None, true)
        .map_err(failed)?
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| failed(e.to_string()))?;
    let url = format!("{}/metadata/instance/compute?api-version=2021-02-01", imds.trim_end_matches('/'));
    let answer: serde_json::Value = http
        .get(url)
        .header("Metadata", "true")
        .send()
        .await
        .map_err(|e| failed(e.to_string()))?
        .json()
        .await
        .map_err(|e| failed(format!("the answer is not instance metadata: {e}")))?;
    answer["resourceId"]
        .as_str()
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| failed("instance metadata names no resourceId: this is not an Azure VM".to_owned()))
}

impl ArmClient {
    /// The identities attached to the VM `vm_id`.
    ///
    /// Errors: Resource Manager refuses (`virtualMachines/read` missing) or fails.
    pub async fn vm_identities(&self, vm_id: &str) -> Result<VmIdentities, ArmError> {
        let vm = self.get("Get virtual machine", &self.url(vm_id, COMPUTE_VERSION)).await?;
        let identity = &vm["identity"];
        let kind = identity["type"].as_str().unwrap_or_default().to_ascii_lowercase();
        Ok(VmIdentities {
            vm_id: vm["id"].as_str().unwrap_or(vm_id).to_owned(),
            system_assigned: kind
                .contains("systemassigned")
                .then(|| identity["principalId"].as_str().unwrap_or_default().to_owned()),
            user_assigned: identity["userAssignedIdentities"]
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default(),
        })
    }

    /// A service SAS for `share` of `account` with `permissions` (of `rcwdl`), HTTPS
    /// only, valid from five minutes ago (clock skew) for `minutes` (at most
    /// `MAX_SAS_MINUTES`). The SAS is only ever held as a `Secret`.
    ///
    /// Errors: the identity may not call `ListServiceSas/action` (403), or the call fails.
    pub async fn service_sas(
        &self,
        account: &StorageAccount,
        share: &str,
        permissions: &str,
        minutes: u32,
    ) -> Result<Secret, ArmError> {
        let now = time::OffsetDateTime::now_utc();
        let minutes = i64::from(minutes.clamp(1, MAX_SAS_MINUTES));
        let body = json!({
            "canonicalizedResource": format!("/file/{}/{share}", account.name),
            "signedResource": "s",
            "signedPermission": permissions,
            "signedProtocol": "https",
            "signedStart": crate::azure_time::iso_seconds(now - time::Duration::minutes(5)),
            "signedExpiry": crate::azure_time::iso_seconds(now + time::Duration::minutes(minutes)),
        });
        let url = self.url(&format!("{}/ListServiceSas", account.id), STORAGE_VERSION);
        let answer = self.call(reqwest::Method::POST, "List service SAS", &url, Some(&body)).await?;
        answer["serviceSasToken"].as_str().filter(|t| t.contains("sig=")).map(Secret::new).ok_or_else(|| {
            ArmError::InvalidResponse {
                operation: "List service SAS".to_owned(),
                detail: "no serviceSasToken".to_owned(),
            }
        })
    }
}
