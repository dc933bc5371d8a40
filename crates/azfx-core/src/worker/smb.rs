//! SMB readiness (`azfx doctor --smb`, the SMB panel): gathers the facts the verdicts of
//! `diagnose::smb` are drawn from — TCP 445 to the file endpoint, the account's SMB
//! settings and the identity's roles through Resource Manager, the VM's identities (its
//! id from the token's `xms_mirid` or IMDS instance metadata) — with a session of its own.

use std::sync::Arc;
use std::time::Duration;

use super::runtime::Runtime;
use super::session::Session;
use super::values::ConnectionConfig;
use crate::arm::RoleLookup;
use crate::diagnose::smb::{ClientOs, PortCheck, SmbFacts, SmbIdentity, SmbReadiness};
use crate::error::EngineError;

/// What to check and from where.
#[derive(Clone, Debug)]
pub struct SmbCheck {
    /// The share.
    pub share: String,
    /// The client platform (`None`: this machine's, read here).
    pub client: Option<ClientOs>,
    /// The SMB port (445; another only to test).
    pub port: u16,
}

/// The readiness of `check.share` for SMB with the identity of `config`.
///
/// Errors: the credential is not a token source (a SAS or key cannot mount over SMB
/// OAuth), or no token can be had.
pub(super) async fn smb_readiness(
    rt: &Arc<Runtime>,
    config: &ConnectionConfig,
    check: SmbCheck,
) -> Result<SmbReadiness, EngineError> {
    let session = Session::open(config, &rt.log, None)?;
    let (Some(cache), Some(arm)) = (session.storage.clone(), session.arm.as_ref()) else {
        return Err(EngineError::InvalidInput(
            "SMB readiness checks an identity: connect with a managed identity, not a SAS or key".to_owned(),
        ));
    };
    let token = cache.token().await?;
    let claims = token.claims.clone().unwrap_or_default();
    let object_id = claims.oid.clone().unwrap_or_default();
    let account = session.endpoint.account.clone();
    let host = session.endpoint.base.host_str().unwrap_or_default().to_owned();
    let port = probe_port(&host, check.port).await;
    let found = arm.find_account(&account).await;
    let (settings, resource_group) = match &found {
        Ok(Some(a)) => (Ok(a.smb.clone()), a.placement().map(|(_, rg)| rg)),
        Ok(None) => {
            (Err(format!("no storage account {account} is visible to this identity (no control-plane role)")), None)
        }
        Err(e) => (Err(e.to_string()), None),
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // The account found above is used again: Resource Manager walks its lists once.
    let roles = match (&found, object_id.is_empty()) {
        (_, true) => RoleLookup::Unavailable("the token names no object id".to_owned()),
        (Ok(Some(found)), false) => crate::arm::roles_of(arm, found, &check.share, &object_id, now).await,
        (Ok(None), false) => {
            RoleLookup::Unavailable(format!("Resource Manager shows no storage account {account} to this identity"))
        }
        (Err(e), false) => RoleLookup::Unavailable(e.to_string()),
    };
    let imds = config.imds_endpoint.clone().unwrap_or_else(crate::auth::imds::imds_endpoint_from_env);
    let vm = match crate::arm::vm_resource_id(claims.xms_mirid.as_deref(), &imds).await {
        Ok(id) => arm.vm_identities(&id).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let user_assigned =
        claims.xms_mirid.as_deref().is_some_and(|id| id.to_ascii_lowercase().contains("/userassignedidentities/"));
    let identity = SmbIdentity {
        object_id,
        user_assigned_client_id: user_assigned.then(|| claims.client_id().map(str::to_owned)).flatten(),
    };
    let client = match check.client {
        Some(client) => client,
        None => this_client().await,
    };
    let facts =
        SmbFacts { account, share: check.share, host, resource_group, port, settings, identity, roles, vm, client };
    Ok(crate::diagnose::smb_readiness(&facts))
}

async fn probe_port(host: &str, port: u16) -> PortCheck {
    match tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect((host, port))).await {
        Ok(Ok(_)) => PortCheck::Open,
        Ok(Err(e)) => PortCheck::Blocked(format!("port {port}: {e}")),
        Err(_) => PortCheck::Blocked(format!("port {port}: no answer in 5 s")),
    }
}

/// This machine: Linux, or Windows with its `CloudKerberosTicketRetrievalEnabled` value
/// (read with `reg query`).
async fn this_client() -> ClientOs {
    if !cfg!(windows) {
        return ClientOs::Linux;
    }
    let output = tokio::process::Command::new("reg")
        .args([
            "query",
            r"HKLM\SYSTEM\CurrentControlSet\Control\Lsa\Kerberos\Parameters",
            "/v",
            "CloudKerberosTicketRetrievalEnabled",
        ])
        .output()
        .await;
    let value = output.ok().filter(|o| o.status.success()).map(|o| String::from_utf8_lossy(&o.stdout).contains("0x1"));
    ClientOs::Windows { kerberos_ticket_retrieval: value }
}
