//! The words of every diagnosis, in one place so they can be reviewed together (the SMB
//! readiness verdicts in `smb`).

mod smb;

pub(super) use smb::{mount_commands, smb_verdict};

use super::{Class, Context, Diagnosis};
use crate::arm::{FoundRole, RoleKind, RoleLookup, ScopeLevel};
use crate::error::EngineError;
use crate::files::FilesError;

/// Evidence lines from a Files failure.
pub(super) fn files_evidence(error: &FilesError) -> Vec<String> {
    let mut lines = Vec::new();
    let status = [error.status.map(|code| format!("HTTP {code}")), error.code.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if !status.is_empty() {
        lines.push(format!("{}: {}", error.operation, status.trim()));
    }
    if let Some(message) = &error.message {
        lines.push(format!("Message: {message}"));
    }
    if let Some(detail) = &error.auth_detail {
        lines.push(format!("AuthenticationErrorDetail: {detail}"));
    }
    if let Some(header) = &error.header_name {
        lines.push(format!("HeaderName: {header}"));
    }
    if let Some(challenge) = &error.www_authenticate {
        lines.push(format!("WWW-Authenticate: {challenge}"));
    }
    if let Some((_, text)) = &error.transport {
        lines.push(format!("{}: {text}", error.operation));
    }
    if let Some(auth) = &error.auth {
        lines.push(auth.to_string());
    }
    if let Some(id) = &error.request_id {
        lines.push(format!("x-ms-request-id: {id}"));
    }
    if error.refreshed_after_401 {
        lines.push("azfx refreshed the token once after the first 401 and retried".to_owned());
    }
    lines.push(format!("URL: {}", error.url));
    lines
}

fn role_command(context: &Context, role: &str) -> String {
    let claims = context.claims.clone().unwrap_or_default();
    let oid = claims.oid.unwrap_or_else(|| "<object-id>".to_owned());
    let principal = principal_type(context);
    let account = context.account.as_deref().unwrap_or("<account>");
    let share = context.share.as_deref().unwrap_or("<share>");
    // Once Resource Manager answered, the subscription and group are known.
    let (subscription, group) = match &context.roles {
        Some(RoleLookup::Found(e)) => (e.subscription.clone(), e.resource_group.clone()),
        _ => ("<subscription-id>".to_owned(), "<resource-group>".to_owned()),
    };
    format!(
        "az role assignment create --assignee-object-id {oid} --assignee-principal-type {principal} --role \"{role}\" --scope \"/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Storage/storageAccounts/{account}/fileServices/default/fileshares/{share}\""
    )
}

/// `--assignee-principal-type` for the token's identity: `User` for a signed-in user (the
/// Azure CLI, a pasted user token), else `ServicePrincipal` (managed identities).
fn principal_type(context: &Context) -> &'static str {
    let user = context.claims.as_ref().is_some_and(|c| c.idtyp.as_deref() == Some("user"));
    if user { "User" } else { "ServicePrincipal" }
}

fn level_name(role: &FoundRole) -> &'static str {
    match role.level {
        ScopeLevel::Share => "the share",
        ScopeLevel::Account => "the storage account",
        ScopeLevel::ResourceGroup => "the resource group",
        ScopeLevel::Subscription => "the subscription",
        ScopeLevel::Above => "a management group",
    }
}

/// One line per role found: its name, where it is assigned, through which group, and
/// how long ago when that is within the propagation delay.
fn role_line(role: &FoundRole, looked_up_at: i64) -> String {
    let group = if role.via_group { format!(", through group {}", role.principal_id) } else { String::new() };
    let age = role
        .created
        .map(|at| looked_up_at - at)
        .filter(|age| *age < super::PROPAGATION_SECS)
        .map(|age| format!(", assigned {} ago", crate::format::duration_words(age.max(0))))
        .unwrap_or_default();
    format!("{} at {} ({}){group}{age}", role.name, level_name(role), role.scope)
}

/// What Resource Manager showed about the identity's roles on the share.
pub(super) fn role_evidence(context: &Context) -> Vec<String> {
    match &context.roles {
        None => Vec::new(),
        Some(RoleLookup::Unavailable(why)) => vec![format!("Role assignments could not be read: {why}.")],
        Some(RoleLookup::Found(e)) if e.roles.is_empty() => vec![format!(
            "Resource Manager shows no role assignment for object id {} at share {}, its storage account, resource group {} or subscription {} (groups included).",
            e.object_id, e.share, e.resource_group, e.subscription
        )],
        Some(RoleLookup::Found(e)) => {
            let mut lines = vec![format!(
                "Role assignments reaching share {} for object id {} (groups included):",
                e.share, e.object_id
            )];
            lines.extend(e.roles.iter().map(|r| format!("  {}", role_line(r, e.looked_up_at))));
            lines
        }
    }
}

/// The names of the roles of `kind` found, joined ("Reader, Owner"), and where the first
/// one is assigned.
fn found_of(context: &Context, kinds: &[RoleKind]) -> (String, String) {
    let Some(RoleLookup::Found(e)) = &context.roles else { return (String::new(), String::new()) };
    let found: Vec<&FoundRole> = e.roles.iter().filter(|r| kinds.contains(&r.kind)).collect();
    let mut names: Vec<&str> = found.iter().map(|r| r.name.as_str()).collect();
    names.dedup();
    (names.join(", "), found.first().map(|r| level_name(r).to_owned()).unwrap_or_default())
}

const SMB_ROLES: &str = "The Storage File Data SMB Share roles do not grant REST access: the role needs the readFileBackupSemantics / writeFileBackupSemantics actions.";
const PROPAGATION: &str = "Role assignments take a few minutes (up to about 10) to apply; no new token is needed.";

fn who(context: &Context) -> String {
    let claims = context.claims.clone().unwrap_or_default();
    match (claims.identity_name(), claims.oid.as_deref()) {
        (Some(name), Some(oid)) => format!("{name} (object id {oid})"),
        (None, Some(oid)) => format!("object id {oid}"),
        _ => "this identity".to_owned(),
    }
}

/// Whether the refused operation wrote (so the role to grant is the Contributor).
fn is_write_class(error: &EngineError) -> bool {
    error.files_error().is_some_and(|e| super::is_write(&e.operation))
}

/// Title, cause and next steps of a class.
#[expect(clippy::too_many_lines, reason = "one arm per diagnosis, kept together for review")]
pub(super) fn describe(class: Class, context: &Context, evidence: Vec<String>, error: &EngineError) -> Diagnosis {
    let share = context.share.clone().unwrap_or_else(|| "the share".to_owned());
    let refreshed = matches!(error, EngineError::Files(e) if e.refreshed_after_401);
    let (title, cause, next_steps): (&str, String, Vec<String>) = match class {
        Class::MissingIntent => (
            "The backup intent header is missing",
            "Requests with a bearer token must carry x-ms-file-request-intent: backup; without it the service answers 400 MissingRequiredHeader.".to_owned(),
            vec!["Send x-ms-file-request-intent: backup with every OAuth request (azfx does; other tools: set token_intent=\"backup\").".to_owned()],
        ),
        Class::BearerVersionTooOld => (
            "This API version does not accept bearer tokens",
            "Bearer tokens work for file and directory calls from x-ms-version 2022-11-02 on.".to_owned(),
            vec!["Use x-ms-version 2022-11-02 or newer (azfx pins 2025-05-05).".to_owned()],
        ),
        Class::ShareApiNeedsNewerVersion => (
            "Share-level calls need a newer API version for bearer tokens",
            "Before 2024-11-04, share and service calls (list shares, share properties) refuse tokens with 409 FileOAuthManagementApiRestrictedToSrp.".to_owned(),
            vec!["Use x-ms-version 2024-11-04 or newer, or list shares through Azure Resource Manager.".to_owned()],
        ),
        Class::TokenExpired => (
            "The token has expired",
            if refreshed {
                "The service rejected the token as expired, and again after azfx fetched a new one: the clock of this machine or the token source is wrong, or tokens are being revoked.".to_owned()
            } else {
                "The service rejected the token as expired.".to_owned()
            },
            vec![
                "Check this machine's clock against an NTP source (w32tm /query /status, timedatectl).".to_owned(),
                "Refresh the token (Refresh token in the status bar) and retry.".to_owned(),
            ],
        ),
        Class::WrongAudience => (
            "The token is for another resource",
            "The token's audience (aud) is not https://storage.azure.com, so the file service does not accept it.".to_owned(),
            vec!["Ask the identity endpoint for resource https://storage.azure.com/ (not management.azure.com or vault.azure.net).".to_owned()],
        ),
        Class::WrongTenant => (
            "The token comes from another tenant",
            "The storage account trusts tokens of its own Entra tenant only; the token's tid differs (compare with authorization_uri in WWW-Authenticate).".to_owned(),
            vec!["Use an identity from the storage account's tenant.".to_owned()],
        ),
        Class::BadSignature => (
            "The token's signature did not validate",
            "The token was altered, truncated when pasted, or not issued by Entra ID.".to_owned(),
            vec!["Get a fresh token from the identity endpoint instead of pasting one.".to_owned()],
        ),
        Class::NotYetValid => (
            "The token is not valid yet",
            "Its not-before time lies in the future for the service: this machine's clock is ahead or the token source's clock is wrong.".to_owned(),
            vec!["Check this machine's clock against an NTP source.".to_owned()],
        ),
        Class::ClaimsChallenge => (
            "The service asks for more claims",
            "A Conditional Access or continuous access evaluation policy asks for claims a managed identity cannot provide.".to_owned(),
            vec!["Ask the tenant's admins which Conditional Access policy applies to storage for this identity.".to_owned()],
        ),
        Class::Unauthenticated => (
            "The service did not accept the token",
            "The request's token failed validation.".to_owned(),
            vec!["Check the AuthenticationErrorDetail below and refresh the token.".to_owned()],
        ),
        Class::NoReadRole => (
            "This identity has no role that lets it read this share",
            format!("{} has no Storage File Data Privileged Reader or Contributor role on {share} (or on the account). {SMB_ROLES}", who(context)),
            vec![
                format!("Grant read access: {}", role_command(context, "Storage File Data Privileged Reader")),
                PROPAGATION.to_owned(),
            ],
        ),
        Class::NoWriteRole => (
            "This identity may read but not write here",
            format!("{} can read {share} but has no Storage File Data Privileged Contributor role there. {SMB_ROLES}", who(context)),
            vec![
                format!("Grant write access: {}", role_command(context, "Storage File Data Privileged Contributor")),
                PROPAGATION.to_owned(),
            ],
        ),
        Class::SmbRoleOnly => {
            let (names, place) = found_of(context, &[RoleKind::SmbOnly]);
            let role = if is_write_class(error) { "Storage File Data Privileged Contributor" } else { "Storage File Data Privileged Reader" };
            (
                "This identity's role works over SMB only",
                format!("{} holds {names} on {place}: SMB share roles give access through an SMB mount, not over the REST API azfx uses. {SMB_ROLES}", who(context)),
                vec![format!("Grant a REST role: {}", role_command(context, role)), PROPAGATION.to_owned()],
            )
        }
        Class::ControlPlaneRoleOnly => {
            let (names, place) = found_of(context, &[RoleKind::ControlPlane]);
            let role = if is_write_class(error) { "Storage File Data Privileged Contributor" } else { "Storage File Data Privileged Reader" };
            (
                "This identity has a control-plane role only",
                format!("{} holds {names} on {place}: it lets Resource Manager show the account and its shares, but grants no access to the files in them.", who(context)),
                vec![format!("Grant a data role: {}", role_command(context, role)), PROPAGATION.to_owned()],
            )
        }
        Class::RoleNotYetEffective => {
            let (names, place) = found_of(context, &[RoleKind::DataRead, RoleKind::DataReadWrite]);
            (
                "The role was assigned moments ago",
                format!("{} was assigned {names} on {place} less than 10 minutes ago; role assignments take up to about 10 minutes to apply.", who(context)),
                vec!["Wait a few minutes and retry; no new token is needed.".to_owned()],
            )
        }
        Class::RoleHeldButRefused => {
            let (names, place) = found_of(context, &[RoleKind::DataRead, RoleKind::DataReadWrite]);
            (
                "A role that allows this is assigned, yet the service refused",
                format!("{} holds {names} on {place}, assigned long enough ago to apply. Something else refuses: a condition on the role assignment, a deny assignment, or the assignment is on another share or account than this request's.", who(context)),
                vec![
                    "Check the assignment's condition and any deny assignments at the account: az role assignment list --assignee <object-id> --all --include-inherited; az rest --url \"https://management.azure.com/<account-id>/providers/Microsoft.Authorization/denyAssignments?api-version=2022-04-01\"".to_owned(),
                    "Compare the assignment's scope with the share in the URL below.".to_owned(),
                ],
            )
        }
        Class::ArmNoControlPlaneRole => {
            let arm = match error {
                EngineError::Arm(e) => Some(e),
                _ => None,
            };
            let scope = arm.and_then(|e| e.refused_scope()).unwrap_or("<scope>").to_owned();
            let keys = arm.is_some_and(|e| {
                let text = e.to_string().to_ascii_lowercase();
                text.contains("listservicesas") || text.contains("listkeys")
            });
            // The token's object id, else the one Resource Manager's message names.
            let oid = context
                .claims
                .as_ref()
                .and_then(|c| c.oid.clone())
                .or_else(|| arm.and_then(|e| e.refused_object_id()).map(str::to_owned))
                .unwrap_or_else(|| "<object-id>".to_owned());
            let who = if context.claims.is_some() { who(context) } else { format!("object id {oid}") };
            let principal = principal_type(context);
            if keys {
                // Making a SAS signs with the account key: Reader is not enough for that.
                (
                    "This identity may not make a SAS for this account",
                    format!("Resource Manager refused {who}: ListServiceSas signs with the account's key, which needs a role with the account's key actions (Storage Account Contributor, Contributor, Owner) at {scope} or above; Reader and the data roles do not have them."),
                    vec![
                        format!("Grant Storage Account Contributor: az role assignment create --assignee-object-id {oid} --assignee-principal-type {principal} --role \"Storage Account Contributor\" --scope \"{scope}\""),
                        "Or work without a SAS: OAuth needs only a data role.".to_owned(),
                    ],
                )
            } else {
                (
                    "This identity has no control-plane role there",
                    format!("Resource Manager refused {who}: listing accounts and shares, reading role assignments or the VM needs a control-plane role such as Reader at {scope} or above (data roles such as Storage File Data Privileged Reader do not count)."),
                    vec![
                        format!("Grant Reader: az role assignment create --assignee-object-id {oid} --assignee-principal-type {principal} --role \"Reader\" --scope \"{scope}\""),
                        "Without it, type the account and share names: file access needs only the data role.".to_owned(),
                    ],
                )
            }
        }
        Class::NetworkRules => (
            "The storage account's network rules block this machine",
            "403 AuthorizationFailure: the account's firewall, virtual network rules or private endpoint setup does not allow requests from here.".to_owned(),
            vec![
                "In the storage account's Networking settings, allow this VM's virtual network/subnet or its public IP, or use its private endpoint.".to_owned(),
                "With a private endpoint, check that the account's name resolves to a private IP from this machine.".to_owned(),
            ],
        ),
        Class::SignatureRejected => (
            "The SAS or account key was not accepted",
            "The signature, its time window, protocol, permissions or resource types do not match the request.".to_owned(),
            vec!["Generate a new SAS with the needed permissions and a valid expiry, or check the account key.".to_owned()],
        ),
        Class::SasDoesNotAllow => {
            let code = error.files_error().and_then(|e| e.code.clone()).unwrap_or_default();
            let cause = match code.as_str() {
                "AuthorizationProtocolMismatch" => "The SAS is for HTTPS only (spr=https) and this request went over plain HTTP.".to_owned(),
                "AuthorizationResourceTypeMismatch" | "AuthorizationServiceMismatch" => "The SAS is for another resource type or service than this request (a share SAS cannot list the account's shares).".to_owned(),
                _ => "The SAS's permissions (sp) do not include what this request needs: r read, c create, w write, d delete, l list. Roles do not matter for a SAS.".to_owned(),
            };
            (
                "The SAS does not allow this",
                cause,
                vec![
                    "Use a SAS with the permissions the work needs (azfx: --sas-from-arm rcwdl, or Advanced → SAS permissions on the connect page).".to_owned(),
                    "Or connect with the identity itself (OAuth), which its data role authorizes.".to_owned(),
                ],
            )
        }
        Class::ShareNotFound => (
            "The share does not exist",
            "No share of that name exists in this account.".to_owned(),
            vec!["Check the share name (lower case) and the account.".to_owned()],
        ),
        Class::ParentNotFound => (
            "A folder on the way does not exist",
            "A parent directory of the path is missing.".to_owned(),
            vec!["Create the parent folders first, or check the path.".to_owned()],
        ),
        Class::ResourceNotFound => (
            "The file or folder does not exist",
            "It was deleted, renamed, or the path is wrong.".to_owned(),
            vec!["Refresh the folder.".to_owned()],
        ),
        Class::AlreadyExists => (
            "Something with that name exists already",
            "Names are case-insensitive and a file and a folder cannot share one.".to_owned(),
            vec!["Choose another name, or delete or rename the existing entry first.".to_owned()],
        ),
        Class::DirectoryNotEmpty => (
            "The folder is not empty",
            "The service deletes empty folders only.".to_owned(),
            vec!["Delete the folder with everything in it (azfx does this for you from the window).".to_owned()],
        ),
        Class::InUseBySmb => (
            "The file or folder is in use",
            "An SMB client holds it open, locks it or marked it for deletion (DeletePending, SharingViolation).".to_owned(),
            vec!["Close it where it is open, or list and force-close its handles (Close-AzStorageFileHandle).".to_owned()],
        ),
        Class::LeaseHeld => (
            "A lease is held",
            "The file or share is leased and the request carried no lease id.".to_owned(),
            vec!["Wait for the lease holder to finish, or break the lease.".to_owned()],
        ),
        Class::QuotaFull => (
            "The share is full",
            "The share's quota does not leave room for this size.".to_owned(),
            vec!["Free space, or raise the share's quota.".to_owned()],
        ),
        Class::Throttled => (
            "The service is throttling",
            "The account or share is over its request, ingress or egress limits (429/503 ServerBusy).".to_owned(),
            vec!["Retry later; azfx already retried with backoff. Reduce parallel transfers.".to_owned()],
        ),
        Class::ServerError => (
            "The service failed",
            "A 5xx answer persisted through the retries.".to_owned(),
            vec!["Retry later; quote the request id to Azure support if it persists.".to_owned()],
        ),
        Class::IdentityEndpointUnreachable => (
            "The identity endpoint does not answer",
            "IMDS (169.254.169.254) is reachable only from inside an Azure VM or scale set; it is blocked, or this is not an Azure VM.".to_owned(),
            vec![
                "Run azfx on the Azure VM that has the managed identity.".to_owned(),
                "Make sure nothing intercepts 169.254.169.254: it must be in NO_PROXY, and no firewall rule may block it.".to_owned(),
                context.proxy.as_ref().map_or_else(|| "No proxy is configured here.".to_owned(), |p| format!("A proxy is set ({p}): add 169.254.169.254 to NO_PROXY for other tools.")),
            ],
        ),
        Class::IdentityNotFound => (
            "That identity is not attached to this machine",
            "IMDS answered \"Identity not found\": the VM has no system-assigned identity, or the user-assigned identity asked for is not assigned to this VM.".to_owned(),
            vec!["In the VM's Identity settings, turn on the system-assigned identity or add the user-assigned identity; check the client id.".to_owned()],
        ),
        Class::IdentityAmbiguous => (
            "Several identities are attached: choose one",
            "The VM has several user-assigned identities and no system-assigned one, so IMDS needs to know which.".to_owned(),
            vec!["Pick the identity by client id, object id or resource id.".to_owned()],
        ),
        Class::IdentityRequestRejected => (
            "The identity endpoint rejected the request",
            "The token request was malformed (metadata header, resource) or the answer unreadable.".to_owned(),
            vec!["Check the error below; IMDS needs the Metadata: true header and resource https://storage.azure.com/.".to_owned()],
        ),
        Class::IdentityEndpointFailing => (
            "The identity endpoint keeps failing",
            "IMDS answered 404/410/429/5xx through every retry: it may be updating or overloaded.".to_owned(),
            vec!["Wait a minute and retry.".to_owned()],
        ),
        Class::CliMissing => (
            "The Azure CLI is not installed",
            "azfx could not run az.".to_owned(),
            vec!["Install the Azure CLI or choose another credential.".to_owned()],
        ),
        Class::CliNotLoggedIn => (
            "The Azure CLI has no usable login",
            "az account get-access-token failed.".to_owned(),
            vec!["Run az login (on a VM: az login --identity).".to_owned()],
        ),
        Class::PastedTokenUnusable => (
            "The pasted token cannot be used",
            "It is not an access token or it has expired.".to_owned(),
            vec!["Paste a fresh token, or use the managed identity.".to_owned()],
        ),
        Class::Dns => (
            "The file endpoint's name does not resolve",
            "DNS has no answer for the account's host name.".to_owned(),
            vec!["Check the account name; with a private endpoint, check the privatelink.file.core.windows.net DNS zone link.".to_owned()],
        ),
        Class::Connect => (
            "No connection to the file endpoint",
            "TCP connections to port 443 are refused or blocked.".to_owned(),
            vec!["Check network security groups, firewalls and routes from this machine to the account on port 443.".to_owned()],
        ),
        Class::Tls => (
            "The TLS handshake failed",
            "Often a proxy that intercepts TLS with its own certificate.".to_owned(),
            vec!["Bypass the intercepting proxy for *.file.core.windows.net, or trust its CA: Settings → Extra CA certificates in the window, --ca-file on the command line.".to_owned()],
        ),
        Class::ArmUnreachable => (
            "No connection to Azure Resource Manager",
            "Resource Manager (management.azure.com, port 443) could not be reached from this machine: outbound HTTPS to it is blocked, or it needs a proxy.".to_owned(),
            vec![
                "Allow outbound HTTPS (443) to management.azure.com (the AzureResourceManager service tag), or set HTTPS_PROXY.".to_owned(),
                "Without it, open shares by account and share name: the file endpoint does not need Resource Manager.".to_owned(),
            ],
        ),
        Class::Timeout => (
            "The file endpoint did not answer in time",
            "The network path is slow or dropping packets.".to_owned(),
            vec!["Retry; check the route to the account.".to_owned()],
        ),
        Class::ConnectionReset => (
            "The connection dropped",
            "The connection closed mid-request, through the retries.".to_owned(),
            vec!["Retry; check proxies and load balancers on the way.".to_owned()],
        ),
        // SMB verdicts come from `smb_verdict`, never from a failed request.
        Class::Other
        | Class::Recovered
        | Class::SmbPortBlocked
        | Class::SmbSettingsUnknown
        | Class::SmbWrongIdentitySource
        | Class::SmbNoRole
        | Class::SmbRolesUnknown
        | Class::SmbBothIdentities
        | Class::KerberosRequirements
        | Class::KerberosClientSettingOff
        | Class::SmbReady => ("The request failed", error.to_string(), vec!["See the evidence below.".to_owned()]),
    };
    Diagnosis { class, title: title.to_owned(), cause, evidence, next_steps }
}
