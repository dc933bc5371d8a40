//! Golden tests: every diagnosis, pinned in one snapshot for review.

use super::*;
use crate::arm::ScopeLevel;
use crate::auth::{AuthError, CredentialSource, IdentitySelector};

fn service(operation: &str, status: u16, code: &str, detail: Option<&str>, header: Option<&str>) -> EngineError {
    let detail =
        detail.map(|d| format!("<AuthenticationErrorDetail>{d}</AuthenticationErrorDetail>")).unwrap_or_default();
    let header = header.map(|h| format!("<HeaderName>{h}</HeaderName>")).unwrap_or_default();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>msg\nRequestId:r\nTime:t</Message>{detail}{header}</Error>"
    );
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-ms-error-code", code.parse().unwrap());
    headers.insert("x-ms-request-id", "11111111-2222-3333-4444-555555555555".parse().unwrap());
    EngineError::Files(FilesError::from_response(
        operation,
        "https://acct.file.core.windows.net/share/dir",
        status,
        &headers,
        body.as_bytes(),
    ))
}

fn transport(kind: TransportKind) -> EngineError {
    let mut error = FilesError::new(ErrorKind::Transport, "List directory", "https://acct.file.core.windows.net/share");
    error.transport = Some((kind, "could not connect".to_owned()));
    EngineError::Files(error)
}

fn auth(kind: AuthErrorKind) -> EngineError {
    EngineError::Auth(AuthError { kind, credential: CredentialSource::Imds(IdentitySelector::SystemAssigned) })
}

fn context() -> Context {
    Context {
        claims: Some(Claims {
            oid: Some("77a3f4ce-0dcd-37a4-6ca2-bde2729e5676".to_owned()),
            idtyp: Some("app".to_owned()),
            xms_mirid: Some(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/jumpbox-01".to_owned(),
            ),
            ..Claims::default()
        }),
        account: Some("acct".to_owned()),
        share: Some("projects".to_owned()),
        read_works: None,
        proxy: None,
        roles: None,
        sas: false,
    }
}

fn found(name: &str, kind: RoleKind, level: ScopeLevel, scope: &str, via_group: bool, age: i64) -> FoundRole {
    FoundRole {
        name: name.to_owned(),
        kind,
        scope: format!("/subscriptions/s/resourceGroups/rg{scope}"),
        level,
        principal_id: if via_group {
            "9f1c2d3e-0000-4000-8000-00000000000a"
        } else {
            "77a3f4ce-0dcd-37a4-6ca2-bde2729e5676"
        }
        .to_owned(),
        via_group,
        created: Some(1_000_000 - age),
    }
}

/// The demo context with these roles found by Resource Manager.
fn with_roles(roles: Vec<FoundRole>) -> Context {
    Context {
        roles: Some(RoleLookup::Found(crate::arm::RoleEvidence {
            subscription: "0b1f6471-1bf0-4dda-aec3-cb9272f09590".to_owned(),
            resource_group: "azfx-demo".to_owned(),
            share: "projects".to_owned(),
            object_id: "77a3f4ce-0dcd-37a4-6ca2-bde2729e5676".to_owned(),
            roles,
            looked_up_at: 1_000_000,
        })),
        ..context()
    }
}

const SHARE_SCOPE: &str = "/providers/Microsoft.Storage/storageAccounts/acct/fileServices/default/fileshares/projects";

fn cases() -> Vec<(Class, EngineError, Context)> {
    let read_ok = Context { read_works: Some(true), ..context() };
    vec![
        (Class::MissingIntent, service("List directory", 400, "MissingRequiredHeader", None, Some("x-ms-file-request-intent")), context()),
        (Class::BearerVersionTooOld, service("List directory", 403, "AuthenticationFailed", Some("Authentication scheme Bearer is not supported in this version."), None), context()),
        (Class::ShareApiNeedsNewerVersion, service("List shares", 409, "FileOAuthManagementApiRestrictedToSrp", None, None), context()),
        (Class::TokenExpired, service("List directory", 401, "InvalidAuthenticationInfo", Some("Lifetime validation failed. The token is expired."), None), context()),
        (Class::NotYetValid, service("List directory", 401, "InvalidAuthenticationInfo", Some("Lifetime validation failed. The token is not yet valid."), None), context()),
        (Class::WrongAudience, service("List directory", 401, "InvalidAuthenticationInfo", Some("Audience validation failed. Audience did not match."), None), context()),
        (Class::WrongTenant, service("List directory", 401, "InvalidAuthenticationInfo", Some("Issuer validation failed. Issuer did not match."), None), context()),
        (Class::BadSignature, service("List directory", 401, "InvalidAuthenticationInfo", Some("Signature validation failed. Signature is invalid."), None), context()),
        (Class::NoReadRole, service("List directory", 403, "AuthorizationPermissionMismatch", None, None), context()),
        (Class::NoWriteRole, service("Create directory", 403, "AuthorizationPermissionMismatch", None, None), read_ok),
        (Class::SmbRoleOnly, service("List directory", 403, "AuthorizationPermissionMismatch", None, None), with_roles(vec![found("Storage File Data SMB Share Contributor", RoleKind::SmbOnly, ScopeLevel::Share, SHARE_SCOPE, true, 86_400)])),
        (Class::ControlPlaneRoleOnly, service("List directory", 403, "AuthorizationPermissionMismatch", None, None), with_roles(vec![found("Reader", RoleKind::ControlPlane, ScopeLevel::ResourceGroup, "", false, 86_400)])),
        (Class::RoleNotYetEffective, service("List directory", 403, "AuthorizationPermissionMismatch", None, None), with_roles(vec![found("Storage File Data Privileged Reader", RoleKind::DataRead, ScopeLevel::Share, SHARE_SCOPE, false, 60)])),
        (Class::ArmNoControlPlaneRole, EngineError::Arm(crate::arm::ArmError::Service { operation: "List storage accounts".into(), status: 403, code: "AuthorizationFailed".into(), message: "The client '77a3f4ce-0dcd-37a4-6ca2-bde2729e5676' with object id '77a3f4ce-0dcd-37a4-6ca2-bde2729e5676' does not have authorization to perform action 'Microsoft.Storage/storageAccounts/read' over scope '/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590' or the scope is invalid. If access was recently granted, please refresh your credentials.".into() }), context()),
        (Class::RoleHeldButRefused, service("List directory", 403, "AuthorizationPermissionMismatch", None, None), with_roles(vec![found("Storage File Data Privileged Reader", RoleKind::DataRead, ScopeLevel::Share, SHARE_SCOPE, false, 86_400)])),
        (Class::NetworkRules, service("List directory", 403, "AuthorizationFailure", None, None), context()),
        (Class::SignatureRejected, service("List directory", 403, "AuthenticationFailed", Some("Signature did not match."), None), context()),
        (Class::SasDoesNotAllow, service("Create directory", 403, "AuthorizationPermissionMismatch", None, None), Context { sas: true, ..context() }),
        (Class::ShareNotFound, service("List directory", 404, "ShareNotFound", None, None), context()),
        (Class::ParentNotFound, service("Create directory", 404, "ParentNotFound", None, None), context()),
        (Class::ResourceNotFound, service("Get file properties", 404, "ResourceNotFound", None, None), context()),
        (Class::AlreadyExists, service("Create directory", 409, "ResourceAlreadyExists", None, None), context()),
        (Class::DirectoryNotEmpty, service("Delete directory", 409, "DirectoryNotEmpty", None, None), context()),
        (Class::InUseBySmb, service("Delete file", 409, "DeletePending", None, None), context()),
        (Class::LeaseHeld, service("Put range", 412, "LeaseIdMissing", None, None), context()),
        (Class::QuotaFull, service("Create file", 413, "ShareSizeLimitReached", None, None), context()),
        (Class::Throttled, service("List directory", 503, "ServerBusy", None, None), context()),
        (Class::ServerError, service("List directory", 500, "InternalError", None, None), context()),
        (Class::IdentityEndpointUnreachable, auth(AuthErrorKind::EndpointUnreachable { endpoint: "http://169.254.169.254".into(), detail: "timed out".into() }), Context { proxy: Some("http://proxy:3128".into()), ..context() }),
        (Class::IdentityNotFound, auth(AuthErrorKind::IdentityNotFound { description: "Identity not found".into() }), context()),
        (Class::IdentityAmbiguous, auth(AuthErrorKind::Rejected { status: 400, error: "invalid_request".into(), description: "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request".into() }), context()),
        (Class::IdentityRequestRejected, auth(AuthErrorKind::Rejected { status: 400, error: "invalid_request".into(), description: "Required metadata header not specified".into() }), context()),
        (Class::IdentityEndpointFailing, auth(AuthErrorKind::Unavailable { status: 503, attempts: 5 }), context()),
        (Class::CliMissing, auth(AuthErrorKind::CliMissing), context()),
        (Class::CliNotLoggedIn, auth(AuthErrorKind::CliNotLoggedIn { detail: "Please run 'az login'".into() }), context()),
        (Class::PastedTokenUnusable, auth(AuthErrorKind::PastedTokenMalformed), context()),
        (Class::Dns, transport(TransportKind::Dns), context()),
        (Class::Connect, transport(TransportKind::Connect), context()),
        (Class::Tls, transport(TransportKind::Tls), context()),
        (Class::ArmUnreachable, EngineError::Arm(crate::arm::ArmError::Transport { operation: "List subscriptions".into(), detail: "could not connect: Connection refused (os error 111)".into() }), context()),
        (Class::Timeout, transport(TransportKind::Timeout), context()),
        (Class::ConnectionReset, transport(TransportKind::Reset), context()),
    ]
}

#[test]
fn every_class_is_distinct_and_pinned() {
    let mut diagnoses = Vec::new();
    for (expected, error, context) in cases() {
        let found = diagnose(&error, &context);
        assert_eq!(found.class, expected, "{error}");
        assert!(!found.next_steps.is_empty(), "{expected:?} has next steps");
        diagnoses.push(found);
    }
    let titles: std::collections::HashSet<&str> = diagnoses.iter().map(|d| d.title.as_str()).collect();
    assert_eq!(titles.len(), diagnoses.len(), "every diagnosis reads differently");
    insta::assert_yaml_snapshot!("diagnoses", diagnoses);
}

#[test]
fn role_steps_name_the_identity_and_the_share_scope() {
    let (_, error, context) = cases().into_iter().find(|(class, ..)| *class == Class::NoReadRole).unwrap();
    let diagnosis = diagnose(&error, &context);
    assert!(diagnosis.next_steps[0].contains("--assignee-object-id 77a3f4ce-0dcd-37a4-6ca2-bde2729e5676"));
    assert!(diagnosis.next_steps[0].contains("--role \"Storage File Data Privileged Reader\""));
    assert!(diagnosis.next_steps[0].contains("storageAccounts/acct/fileServices/default/fileshares/projects"));
    assert!(diagnosis.cause.contains("SMB Share roles do not grant REST access"));
    assert!(diagnosis.next_steps.iter().any(|s| s.contains("few minutes")));
}

#[test]
fn once_resource_manager_answered_the_role_command_has_no_placeholder() {
    let error = service("Create directory", 403, "AuthorizationPermissionMismatch", None, None);
    let reader =
        found("Storage File Data Privileged Reader", RoleKind::DataRead, ScopeLevel::Share, SHARE_SCOPE, false, 86_400);
    let diagnosis = diagnose(&error, &Context { read_works: Some(true), ..with_roles(vec![reader]) });
    assert_eq!(diagnosis.class, Class::NoWriteRole, "a reader writing lacks the write role");
    let steps = diagnosis.next_steps.join("\n");
    assert!(steps.contains("/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/azfx-demo/"), "{steps}");
    assert!(!steps.contains('<'), "no placeholder: {steps}");
    assert!(
        diagnosis.evidence.iter().any(|e| e.contains("Storage File Data Privileged Reader at the share")),
        "{:?}",
        diagnosis.evidence
    );

    // None found: said so, naming every scope looked at.
    let none =
        diagnose(&service("List directory", 403, "AuthorizationPermissionMismatch", None, None), &with_roles(vec![]));
    assert_eq!(none.class, Class::NoReadRole);
    assert!(
        none.evidence.iter().any(|e| e.contains("no role assignment") && e.contains("resource group azfx-demo")),
        "{:?}",
        none.evidence
    );

    // A role through a group, granted long ago, that does not allow writes.
    let group = found(
        "Storage File Data SMB Share Contributor",
        RoleKind::SmbOnly,
        ScopeLevel::Account,
        "/providers/Microsoft.Storage/storageAccounts/acct",
        true,
        86_400,
    );
    let smb = diagnose(&error, &with_roles(vec![group]));
    assert_eq!(smb.class, Class::SmbRoleOnly);
    assert!(smb.evidence.iter().any(|e| e.contains("through group 9f1c2d3e")), "{:?}", smb.evidence);
    assert!(smb.next_steps[0].contains("Storage File Data Privileged Contributor"), "a write needs the Contributor");
}

/// Facts for the SMB golden test: an account with SMB OAuth off and Entra Kerberos, port
/// 445 closed, an SMB share role through a group, a VM with both identity kinds.
fn smb_facts(ready: bool) -> smb::SmbFacts {
    let role = found(
        "Storage File Data SMB Share Contributor",
        RoleKind::SmbOnly,
        ScopeLevel::Share,
        SHARE_SCOPE,
        true,
        86_400,
    );
    let Some(RoleLookup::Found(mut evidence)) = with_roles(vec![role]).roles else { unreachable!() };
    if !ready {
        evidence.roles.clear();
    }
    smb::SmbFacts {
        account: "acct".to_owned(),
        share: "projects".to_owned(),
        host: "acct.file.core.windows.net".to_owned(),
        resource_group: Some("azfx-demo".to_owned()),
        port: if ready { smb::PortCheck::Open } else { smb::PortCheck::Blocked("port 445: connection refused".to_owned()) },
        settings: Ok(crate::arm::SmbSettings {
            directory_service: if ready { "None" } else { "AADKERB" }.to_owned(),
            domain_name: None,
            default_share_permission: None,
            smb_oauth: ready,
        }),
        identity: smb::SmbIdentity {
            object_id: "77a3f4ce-0dcd-37a4-6ca2-bde2729e5676".to_owned(),
            user_assigned_client_id: Some("5b0c8f6e-1111-4222-8333-944444444444".to_owned()),
        },
        roles: RoleLookup::Found(evidence),
        vm: Ok(crate::arm::VmIdentities {
            vm_id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/jumpbox-01".to_owned(),
            system_assigned: Some("77a3f4ce-0dcd-37a4-6ca2-bde2729e5676".to_owned()),
            user_assigned: vec!["/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-backup".to_owned()],
        }),
        client: smb::ClientOs::Windows { kerberos_ticket_retrieval: Some(false) },
    }
}

#[test]
fn every_smb_verdict_is_distinct_and_pinned() {
    let blocked = super::smb_readiness(&smb_facts(false));
    let ready = super::smb_readiness(&smb::SmbFacts { client: smb::ClientOs::Linux, ..smb_facts(true) });
    let unknown = super::smb_readiness(&smb::SmbFacts {
        settings: Err("no storage account acct is visible".to_owned()),
        ..smb_facts(true)
    });
    let no_roles = super::smb_readiness(&smb::SmbFacts {
        roles: RoleLookup::Unavailable("Resource Manager refused".to_owned()),
        ..smb_facts(true)
    });
    assert!(!blocked.ready && ready.ready && !unknown.ready && !no_roles.ready, "unknown roles are not ready");
    let verdicts: Vec<Diagnosis> =
        blocked.verdicts.into_iter().chain(ready.verdicts).chain(unknown.verdicts).chain(no_roles.verdicts).collect();
    let mut titles: Vec<&str> = verdicts.iter().map(|d| d.title.as_str()).collect();
    titles.sort_unstable();
    titles.dedup();
    for class in [
        Class::SmbPortBlocked,
        Class::SmbSettingsUnknown,
        Class::SmbWrongIdentitySource,
        Class::SmbNoRole,
        Class::SmbBothIdentities,
        Class::KerberosRequirements,
        Class::KerberosClientSettingOff,
        Class::SmbReady,
        Class::SmbRolesUnknown,
    ] {
        assert!(verdicts.iter().any(|d| d.class == class), "{class:?} is produced");
    }
    assert_eq!(titles.len(), 9, "each verdict reads differently: {titles:?}");
    assert!(ready.mount.iter().any(|l| l.contains("--imds-client-id 5b0c8f6e")), "{:?}", ready.mount);
    insta::assert_yaml_snapshot!("smb_verdicts", verdicts);
}
