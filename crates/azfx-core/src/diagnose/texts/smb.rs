//! The words of the SMB readiness verdicts and the mount commands.

use super::{PROPAGATION, role_line};
use crate::arm::RoleLookup;
use crate::diagnose::smb::{ClientOs, PortCheck, SmbFacts};
use crate::diagnose::{Class, Diagnosis};

/// The words of an SMB readiness verdict for `facts`.
pub(crate) fn smb_verdict(class: Class, facts: &SmbFacts) -> Diagnosis {
    let account = &facts.account;
    let group = facts.resource_group.clone().unwrap_or_else(|| "<resource-group>".to_owned());
    let settings = facts.settings.as_ref().ok();
    let source = settings.map_or("unknown", |s| s.directory_service.as_str());
    let mut evidence = vec![
        format!(
            "Account {account}: identity source {source}, SMB OAuth {}",
            settings.map_or("unknown", |s| if s.smb_oauth { "on" } else { "off" })
        ),
        match &facts.port {
            PortCheck::Open => format!("TCP 445 to {} opened from this machine", facts.host),
            PortCheck::Blocked(why) => format!("TCP 445 to {}: {why}", facts.host),
        },
    ];
    if let Some(permission) = settings.and_then(|s| s.default_share_permission.as_ref()) {
        evidence.push(format!("Default share-level permission: {permission}"));
    }
    match &facts.roles {
        RoleLookup::Found(e) => {
            evidence.extend(e.roles.iter().map(|r| format!("Role: {}", role_line(r, e.looked_up_at))));
            if e.roles.is_empty() {
                evidence.push("No role assignment reaches the share for this identity".to_owned());
            }
        }
        RoleLookup::Unavailable(why) => evidence.push(format!("Role assignments could not be read: {why}")),
    }
    match &facts.vm {
        Ok(vm) => evidence.push(format!(
            "VM {}: system-assigned identity {}, {} user-assigned",
            vm.vm_id.rsplit('/').next().unwrap_or_default(),
            if vm.system_assigned.is_some() { "on" } else { "off" },
            vm.user_assigned.len()
        )),
        Err(why) => evidence.push(format!("The VM's identities could not be read: {why}")),
    }
    let oid = &facts.identity.object_id;
    let (title, cause, next_steps): (&str, String, Vec<String>) = match class {
        Class::SmbPortBlocked => (
            "SMB port 445 is blocked from this machine",
            "Outbound TCP 445 to the file endpoint does not open: a firewall, network security group or the ISP blocks SMB.".to_owned(),
            vec![
                format!("Check from this machine: Test-NetConnection -ComputerName {} -Port 445 (Windows) or nc -vz {} 445 (Linux).", facts.host, facts.host),
                "Open outbound 445 to the account, or tunnel SMB through a point-to-site or site-to-site VPN or ExpressRoute with a private endpoint.".to_owned(),
                "Where 445 cannot be opened, use the REST API over 443 (azfx itself needs no SMB).".to_owned(),
            ],
        ),
        Class::SmbSettingsUnknown => (
            "The account's SMB settings could not be read",
            format!("Resource Manager did not show the account: {}", facts.settings.as_ref().err().cloned().unwrap_or_default()),
            vec!["Grant this identity Reader on the storage account so its settings can be checked, or check azureFilesIdentityBasedAuthentication in the portal.".to_owned()],
        ),
        Class::SmbWrongIdentitySource => (
            "This account does not take managed identities over SMB",
            format!("Managed identities mount only with SMB OAuth on and no other identity source; the account's identity source is {source} and SMB OAuth is {}.", settings.map_or("unknown", |s| if s.smb_oauth { "on" } else { "off" })),
            if source == "None" {
                vec![format!("az storage account update --resource-group {group} --name {account} --enable-smb-oauth true")]
            } else {
                vec![
                    format!("This account serves users through {source}, and SMB OAuth needs the identity source set to None: mount it as a user from a domain-joined or Entra-joined client, or give the VM's identity a share on another account."),
                    format!("Only if the account should stop serving users through {source}: set its identity source to None, then az storage account update --resource-group {group} --name {account} --enable-smb-oauth true"),
                ]
            },
        ),
        Class::SmbNoRole => (
            "This identity has no SMB role here",
            format!("Object id {oid} holds no role that authorizes SMB on {} or the account, and no default share-level permission applies. Microsoft's guide for managed identities over SMB OAuth names Storage File Data SMB MI Admin on the account; an SMB share role (Reader, Contributor, Elevated Contributor) on the share also authorizes SMB. Privileged roles authorize REST only.", facts.share),
            vec![
                format!("az role assignment create --assignee-object-id {oid} --assignee-principal-type ServicePrincipal --role \"Storage File Data SMB MI Admin\" --scope \"{}\"", account_scope(facts)),
                PROPAGATION.to_owned(),
            ],
        ),
        Class::SmbRolesUnknown => (
            "This identity's roles could not be read",
            "Without its role assignments azfx cannot tell whether the identity may open the share over SMB.".to_owned(),
            vec![
                "Grant this identity Reader on the storage account (reading role assignments needs it), or check its roles in the portal (Access control (IAM) → Check access).".to_owned(),
                format!("az role assignment list --assignee {oid} --all --include-inherited --output table"),
            ],
        ),
        Class::SmbBothIdentities => (
            "The VM has both a system- and a user-assigned identity",
            "When a mount names no identity, Azure uses the system-assigned one; the role must be on the identity the mount uses.".to_owned(),
            vec![match &facts.identity.user_assigned_client_id {
                Some(id) => format!("Name this identity in the mount (client id {id}), as the command below does, or keep only one identity on the VM."),
                None => "A mount that names no identity uses the system-assigned one (this identity); keep only one identity on the VM for clarity.".to_owned(),
            }],
        ),
        Class::KerberosRequirements => (
            "The account uses Microsoft Entra Kerberos for users",
            "Entra Kerberos mounts are for users: hybrid identities synced from AD DS (cloud-only users in preview, with a default share-level permission, on Windows 11 or Windows Server 2025), on Entra-joined or hybrid-joined clients.".to_owned(),
            vec![
                format!("Grant admin consent to the app registration \"[Storage Account] {account}.file.core.windows.net\" (openid, profile, User.Read)."),
                "Exclude that app from Conditional Access policies that require MFA (otherwise net use fails with System error 1327).".to_owned(),
                "On Linux, Entra Kerberos mounts are not documented; use Windows (or macOS, preview) clients.".to_owned(),
            ],
        ),
        Class::KerberosClientSettingOff => (
            "This Windows client does not retrieve Entra Kerberos tickets",
            "CloudKerberosTicketRetrievalEnabled is not 1 under HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa\\Kerberos\\Parameters, so users here cannot mount with Entra Kerberos.".to_owned(),
            vec![
                "reg add HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa\\Kerberos\\Parameters /v CloudKerberosTicketRetrievalEnabled /t REG_DWORD /d 1".to_owned(),
                "Or set Kerberos/CloudKerberosTicketRetrievalEnabled = 1 through Intune, or the Group Policy \"Allow retrieving the Azure AD Kerberos Ticket Granting Ticket during logon\"; then refresh policy or reboot.".to_owned(),
            ],
        ),
        _ => (
            "Ready to mount over SMB with this identity",
            "TCP 445 opens, the account takes managed identities over SMB OAuth, and the identity holds an SMB role.".to_owned(),
            mount_commands(facts),
        ),
    };
    Diagnosis { class, title: title.to_owned(), cause, evidence, next_steps }
}

fn account_scope(facts: &SmbFacts) -> String {
    match &facts.roles {
        RoleLookup::Found(e) => format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Storage/storageAccounts/{}",
            e.subscription, e.resource_group, facts.account
        ),
        RoleLookup::Unavailable(_) => format!(
            "/subscriptions/<subscription-id>/resourceGroups/<resource-group>/providers/Microsoft.Storage/storageAccounts/{}",
            facts.account
        ),
    }
}

/// The commands that mount the share with this identity over SMB OAuth, for the client.
pub(crate) fn mount_commands(facts: &SmbFacts) -> Vec<String> {
    let (host, share) = (&facts.host, &facts.share);
    let client_id = facts.identity.user_assigned_client_id.as_deref();
    match facts.client {
        ClientOs::Linux => vec![
            "sudo apt-get install -y azfilesauth   # from packages.microsoft.com".to_owned(),
            match client_id {
                Some(id) => format!("sudo azfilesauthmanager set https://{host} --imds-client-id {id}"),
                None => format!("sudo azfilesauthmanager set https://{host} --system"),
            },
            "sudo systemctl enable --now azfilesrefresh".to_owned(),
            format!("sudo mkdir -p /mnt/{share}"),
            format!(
                "sudo mount -t cifs //{host}/{share} /mnt/{share} -o sec=krb5,cruid=<USER_UID in /etc/azfilesauth/config.yaml>{},dir_mode=0755,file_mode=0755,serverino,nosharesock,mfsymlinks,actimeo=30",
                client_id.map(|id| format!(",username={id}")).unwrap_or_default()
            ),
        ],
        ClientOs::Windows { .. } => vec![
            "Install-Module AzFilesSmbMIClient; Import-Module AzFilesSmbMIClient".to_owned(),
            format!(
                "AzFilesSmbMIClient.exe refresh --uri https://{host}/{}",
                client_id.map(|id| format!(" --clientId {id}")).unwrap_or_default()
            ),
            format!("net use Z: \\\\{host}\\{share}"),
        ],
    }
}
