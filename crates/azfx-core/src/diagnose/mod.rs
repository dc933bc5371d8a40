//! Turning a failure into a diagnosis support staff can act on: what it is (a distinct
//! class per cause), why it happens, the evidence from the exchange, and the next steps,
//! with exact commands where there is one (`az role assignment create …` with the token's
//! `oid` and the share scope). Pure: no IO; the texts live in `texts`.

pub mod check;
pub mod report;
pub mod smb;
mod texts;

use serde::Serialize;

use crate::arm::{FoundRole, RoleKind, RoleLookup};
use crate::auth::{AuthErrorKind, Claims};
use crate::error::EngineError;
use crate::files::{ErrorKind, FilesError, TransportKind};

/// Every distinct diagnosis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Class {
    /// 400: bearer request without `x-ms-file-request-intent: backup`.
    MissingIntent,
    /// 403: bearer token on an `x-ms-version` older than 2022-11-02.
    BearerVersionTooOld,
    /// 409: share-level call with a bearer token below 2024-11-04.
    ShareApiNeedsNewerVersion,
    /// 401: the token expired (and whether a refresh was tried).
    TokenExpired,
    /// 401: a token for another resource.
    WrongAudience,
    /// 401: a token from another tenant than the account's.
    WrongTenant,
    /// 401: the signature did not validate.
    BadSignature,
    /// 401: not valid yet (clock skew).
    NotYetValid,
    /// 401: a claims challenge (Conditional Access / CAE).
    ClaimsChallenge,
    /// 401 for another reason.
    Unauthenticated,
    /// 403: no data role that allows reading.
    NoReadRole,
    /// 403: reads work but the role does not allow writing.
    NoWriteRole,
    /// 403: the roles found are SMB share roles, which grant nothing over REST.
    SmbRoleOnly,
    /// 403: the roles found are control-plane roles (Reader…), which grant no file data.
    ControlPlaneRoleOnly,
    /// 403: a role that allows it was assigned less than the propagation delay ago.
    RoleNotYetEffective,
    /// 403 although a role that allows it is assigned (a condition on the assignment, a
    /// deny assignment, or a custom role without the action).
    RoleHeldButRefused,
    /// 403 `AuthorizationFailure`: firewall, virtual network, private endpoint.
    NetworkRules,
    /// 403 on a SAS or Shared Key request.
    SignatureRejected,
    /// 403 with a valid SAS that does not allow this request (its permissions, protocol,
    /// service or resource type).
    SasDoesNotAllow,
    /// 404 `ShareNotFound`.
    ShareNotFound,
    /// 404 `ParentNotFound`.
    ParentNotFound,
    /// 404 `ResourceNotFound`.
    ResourceNotFound,
    /// 409 `ResourceAlreadyExists` / `ShareAlreadyExists`.
    AlreadyExists,
    /// 409 `DirectoryNotEmpty`.
    DirectoryNotEmpty,
    /// 409 `DeletePending`, `SharingViolation` and other SMB locks.
    InUseBySmb,
    /// 412: a lease is held.
    LeaseHeld,
    /// 413: the share's quota is full.
    QuotaFull,
    /// 429 / 503: throttling.
    Throttled,
    /// 5xx.
    ServerError,
    /// IMDS (or another identity endpoint) does not answer.
    IdentityEndpointUnreachable,
    /// "Identity not found": the asked identity is not attached here.
    IdentityNotFound,
    /// Several user-assigned identities and none chosen.
    IdentityAmbiguous,
    /// The identity endpoint rejected the request (metadata header, resource…).
    IdentityRequestRejected,
    /// The identity endpoint kept failing.
    IdentityEndpointFailing,
    /// `az` is missing.
    CliMissing,
    /// `az` is not logged in.
    CliNotLoggedIn,
    /// A pasted token is expired or not a token.
    PastedTokenUnusable,
    /// The file endpoint's name does not resolve.
    Dns,
    /// No TCP connection to port 443.
    Connect,
    /// The TLS handshake failed (often an intercepting proxy).
    Tls,
    /// No answer in time.
    Timeout,
    /// The connection dropped.
    ConnectionReset,
    /// Resource Manager could not be reached (DNS, connect, TLS, timeout).
    ArmUnreachable,
    /// Resource Manager 403 `AuthorizationFailed`: no control-plane role at the scope.
    ArmNoControlPlaneRole,
    /// SMB: outbound TCP 445 to the file endpoint does not open from here.
    SmbPortBlocked,
    /// SMB: the account's settings could not be read through Resource Manager.
    SmbSettingsUnknown,
    /// SMB: the account does not take managed identities (SMB OAuth off, or another
    /// identity source set).
    SmbWrongIdentitySource,
    /// SMB: the identity holds no SMB role on the share or account.
    SmbNoRole,
    /// SMB: the identity's roles could not be read, so readiness cannot be told.
    SmbRolesUnknown,
    /// SMB: the VM has both identity kinds; a mount naming none uses the system-assigned.
    SmbBothIdentities,
    /// SMB: the account uses Microsoft Entra Kerberos, whose requirements are listed.
    KerberosRequirements,
    /// SMB: this Windows client does not retrieve Entra Kerberos tickets.
    KerberosClientSettingOff,
    /// SMB: ready to mount, with the command.
    SmbReady,
    /// A failed attempt that a later attempt of the same request made good (a retry
    /// after throttling, a 401 healed by a new token): nothing to do.
    Recovered,
    /// Anything else.
    Other,
}

/// What was known when the error happened.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// The token's claims, if a token was used.
    pub claims: Option<Claims>,
    /// Storage account name.
    pub account: Option<String>,
    /// Share name.
    pub share: Option<String>,
    /// Whether a read on this share has worked (splits 403 read vs write).
    pub read_works: Option<bool>,
    /// `HTTPS_PROXY` / `HTTP_PROXY` in effect.
    pub proxy: Option<String>,
    /// The role assignments Resource Manager showed for the share (after a 403), or why
    /// they could not be read.
    pub roles: Option<RoleLookup>,
    /// The requests carry a SAS (its permissions, not roles, decide what it may do).
    pub sas: bool,
}

/// How long a new role assignment may take to apply, seconds ("up to about 10 minutes").
pub const PROPAGATION_SECS: i64 = 600;

/// A 403 refined by the role assignments found: a role that allows the operation but is
/// younger than the propagation delay; SMB share roles or control-plane roles only.
fn with_roles(class: Class, context: &Context) -> Class {
    let (Class::NoReadRole | Class::NoWriteRole) = class else { return class };
    let Some(RoleLookup::Found(evidence)) = &context.roles else { return class };
    let write = class == Class::NoWriteRole;
    let grants = |r: &&FoundRole| r.kind == RoleKind::DataReadWrite || (!write && r.kind == RoleKind::DataRead);
    let young = |r: &&FoundRole| r.created.is_some_and(|at| evidence.looked_up_at - at < PROPAGATION_SECS);
    let granting: Vec<&FoundRole> = evidence.roles.iter().filter(grants).collect();
    if !granting.is_empty() {
        // Only grants too recent to apply yet; an older one that should already work
        // means something else refuses.
        return if granting.iter().all(young) { Class::RoleNotYetEffective } else { Class::RoleHeldButRefused };
    }
    let reads = evidence.roles.iter().any(|r| matches!(r.kind, RoleKind::DataRead | RoleKind::DataReadWrite));
    if reads {
        return class;
    }
    if evidence.roles.iter().any(|r| r.kind == RoleKind::SmbOnly) {
        Class::SmbRoleOnly
    } else if evidence.roles.iter().any(|r| r.kind == RoleKind::ControlPlane) {
        Class::ControlPlaneRoleOnly
    } else {
        class
    }
}

/// A diagnosis: title, cause, evidence and next steps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// Which diagnosis.
    pub class: Class,
    /// One line.
    pub title: String,
    /// Why this happens.
    pub cause: String,
    /// What the exchange showed.
    pub evidence: Vec<String>,
    /// What to do, in order.
    pub next_steps: Vec<String>,
}

/// Whether an operation (as `FilesError::operation` names it) writes or deletes.
pub fn is_write(operation: &str) -> bool {
    ["Create", "Put", "Set", "Rename", "Delete", "Upload"].iter().any(|verb| operation.starts_with(verb))
}

fn files_class(error: &FilesError, context: &Context) -> Class {
    let detail = error.auth_detail.as_deref().unwrap_or_default();
    let sas_mismatch = matches!(
        error.code.as_deref(),
        Some(
            "AuthorizationPermissionMismatch"
                | "AuthorizationProtocolMismatch"
                | "AuthorizationResourceTypeMismatch"
                | "AuthorizationServiceMismatch"
        )
    );
    if context.sas && error.status == Some(403) && sas_mismatch {
        return Class::SasDoesNotAllow;
    }
    match error.kind {
        ErrorKind::MissingIntent => Class::MissingIntent,
        ErrorKind::BearerNotSupported if error.status == Some(409) => Class::ShareApiNeedsNewerVersion,
        ErrorKind::BearerNotSupported => Class::BearerVersionTooOld,
        ErrorKind::ClaimsChallenge => Class::ClaimsChallenge,
        ErrorKind::Unauthenticated if detail.contains("expired") => Class::TokenExpired,
        ErrorKind::Unauthenticated if detail.contains("not yet valid") => Class::NotYetValid,
        ErrorKind::Unauthenticated if detail.contains("Audience") => Class::WrongAudience,
        ErrorKind::Unauthenticated if detail.contains("Issuer") => Class::WrongTenant,
        ErrorKind::Unauthenticated if detail.contains("Signature") => Class::BadSignature,
        ErrorKind::Unauthenticated => Class::Unauthenticated,
        ErrorKind::PermissionDenied if is_write(&error.operation) && context.read_works != Some(false) => {
            Class::NoWriteRole
        }
        ErrorKind::PermissionDenied => Class::NoReadRole,
        ErrorKind::NetworkRule => Class::NetworkRules,
        ErrorKind::AuthenticationFailed => Class::SignatureRejected,
        ErrorKind::NotFound => match error.code.as_deref() {
            Some("ShareNotFound") => Class::ShareNotFound,
            Some("ParentNotFound") => Class::ParentNotFound,
            _ => Class::ResourceNotFound,
        },
        ErrorKind::Conflict => match error.code.as_deref() {
            Some("ResourceAlreadyExists" | "ShareAlreadyExists") => Class::AlreadyExists,
            Some("DirectoryNotEmpty") => Class::DirectoryNotEmpty,
            _ => Class::InUseBySmb,
        },
        ErrorKind::PreconditionFailed => Class::LeaseHeld,
        ErrorKind::TooLarge => Class::QuotaFull,
        ErrorKind::Throttled => Class::Throttled,
        ErrorKind::ServerError => Class::ServerError,
        ErrorKind::Transport => match error.transport.as_ref().map(|(kind, _)| *kind) {
            Some(TransportKind::Dns) => Class::Dns,
            Some(TransportKind::Connect) => Class::Connect,
            Some(TransportKind::Tls) => Class::Tls,
            Some(TransportKind::Timeout) => Class::Timeout,
            Some(TransportKind::Reset) => Class::ConnectionReset,
            _ => Class::Other,
        },
        ErrorKind::Credential => error.auth.as_ref().map_or(Class::Other, |a| auth_class(&a.kind)),
        _ => Class::Other,
    }
}

fn arm_class(error: &crate::arm::ArmError) -> Class {
    use crate::arm::ArmError;
    match error {
        ArmError::Service { status: 403, code, .. } if code == "AuthorizationFailed" => Class::ArmNoControlPlaneRole,
        ArmError::Service { status: 401, code, .. } if code.contains("Expired") => Class::TokenExpired,
        ArmError::Service { status: 401, code, .. } if code.contains("Audience") => Class::WrongAudience,
        ArmError::Service { status: 401, .. } => Class::Unauthenticated,
        ArmError::Service { status: 429, .. } => Class::Throttled,
        ArmError::Service { status, .. } if *status >= 500 => Class::ServerError,
        ArmError::Transport { .. } => Class::ArmUnreachable,
        _ => Class::Other,
    }
}

fn auth_class(kind: &AuthErrorKind) -> Class {
    match kind {
        AuthErrorKind::EndpointUnreachable { .. } => Class::IdentityEndpointUnreachable,
        AuthErrorKind::IdentityNotFound { .. } => Class::IdentityNotFound,
        AuthErrorKind::Rejected { description, .. } if description.contains("Multiple user assigned identities") => {
            Class::IdentityAmbiguous
        }
        AuthErrorKind::Rejected { .. } | AuthErrorKind::InvalidResponse { .. } => Class::IdentityRequestRejected,
        AuthErrorKind::Unavailable { .. } => Class::IdentityEndpointFailing,
        AuthErrorKind::CliMissing => Class::CliMissing,
        AuthErrorKind::CliNotLoggedIn { .. } | AuthErrorKind::CliFailed { .. } | AuthErrorKind::CliTimeout { .. } => {
            Class::CliNotLoggedIn
        }
        AuthErrorKind::PastedTokenExpired { .. } | AuthErrorKind::PastedTokenMalformed => Class::PastedTokenUnusable,
    }
}

/// SMB readiness of `facts`: each verdict class of `smb::verdict_classes` as a
/// `Diagnosis`, and the mount commands when nothing blocks.
pub fn smb_readiness(facts: &smb::SmbFacts) -> smb::SmbReadiness {
    let classes = smb::verdict_classes(facts);
    let ready = classes.first() == Some(&Class::SmbReady);
    let verdicts = classes.iter().map(|class| texts::smb_verdict(*class, facts)).collect();
    let mount = if ready { texts::mount_commands(facts) } else { Vec::new() };
    smb::SmbReadiness { ready, verdicts, mount }
}

/// The diagnosis of an error in its context.
pub fn diagnose(error: &EngineError, context: &Context) -> Diagnosis {
    let (class, evidence) = if let Some(e) = error.files_error() {
        let class = with_roles(files_class(e, context), context);
        let mut evidence = texts::files_evidence(e);
        if matches!(
            class,
            Class::NoReadRole
                | Class::NoWriteRole
                | Class::SmbRoleOnly
                | Class::ControlPlaneRoleOnly
                | Class::RoleNotYetEffective
        ) {
            evidence.extend(texts::role_evidence(context));
        }
        (class, evidence)
    } else if let EngineError::Arm(e) = error {
        (arm_class(e), vec![e.to_string()])
    } else if let EngineError::Auth(e) = error {
        (auth_class(&e.kind), vec![format!("{} ({})", e.kind, e.credential)])
    } else {
        (Class::Other, vec![error.to_string()])
    };
    texts::describe(class, context, evidence, error)
}

/// The diagnosis of failed attempts that a later attempt made good (`by`): what happened
/// and that nothing needs doing, with the retry's request id to find it.
pub fn recovered(by: &crate::http::Recovery) -> Diagnosis {
    let what = &by.failed;
    let retry = format!("attempt {}, request id {}", by.attempt, by.request_id.as_deref().unwrap_or("-"));
    let (title, cause) = if by.token_refreshed {
        (
            "Token refreshed, retry succeeded",
            format!(
                "The service refused the token ({what}); azfx fetched a new token and the retry succeeded ({retry})."
            ),
        )
    } else {
        (
            "Retried, and the retry succeeded",
            format!(
                "This attempt failed ({what}); azfx sent the request again after a pause and it succeeded ({retry})."
            ),
        )
    };
    Diagnosis {
        class: Class::Recovered,
        title: title.to_owned(),
        cause,
        evidence: vec![format!("failed: {what}"), format!("succeeded: {retry}")],
        next_steps: vec!["No action needed.".to_owned()],
    }
}

#[cfg(test)]
mod tests;
