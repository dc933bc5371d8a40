//! Every status and explanation string the window shows, in one place so they can be
//! reviewed together. Sentence case, no trailing period on one-line labels.

use crate::files::{ErrorKind, FilesError};
use crate::worker::EngineError;

/// One line saying what to do about an error (the full diagnosis comes with the
/// diagnose module).
pub fn explain(error: &EngineError) -> String {
    match error {
        EngineError::Files(e) | EngineError::Transfer(crate::transfer::TransferError::Files(e)) => explain_files(e),
        EngineError::Auth(e) => format!("No token: {}", e.kind),
        EngineError::Endpoint(e) => e.to_string(),
        EngineError::NotConnected => "Connect to an account first".to_owned(),
        EngineError::Cancelled => "Cancelled".to_owned(),
        other => other.to_string(),
    }
}

fn explain_files(error: &FilesError) -> String {
    match error.kind {
        ErrorKind::MissingIntent => "The request lacked the x-ms-file-request-intent: backup header that bearer tokens need".to_owned(),
        ErrorKind::BearerNotSupported => "This call does not accept bearer tokens at this API version".to_owned(),
        ErrorKind::Unauthenticated => {
            let detail = error.auth_detail.as_deref().unwrap_or("the token was not accepted");
            if error.refreshed_after_401 {
                format!("The service rejected the token even after a refresh: {detail}")
            } else {
                format!("The service rejected the token: {detail}")
            }
        }
        ErrorKind::ClaimsChallenge => "The service asks for claims a managed identity cannot provide (Conditional Access)".to_owned(),
        ErrorKind::PermissionDenied => {
            "This identity has no data role here: it needs Storage File Data Privileged Reader (read) or Contributor (write) on the share".to_owned()
        }
        ErrorKind::NetworkRule => "The storage account's firewall, virtual network rules or private endpoint block this machine".to_owned(),
        ErrorKind::AuthenticationFailed => "The signature (SAS or account key) was not accepted".to_owned(),
        ErrorKind::NotFound => match error.code.as_deref() {
            Some("ShareNotFound") => "The share does not exist".to_owned(),
            Some("ParentNotFound") => "A folder on the way does not exist".to_owned(),
            _ => "It does not exist (any more)".to_owned(),
        },
        ErrorKind::Conflict => match error.code.as_deref() {
            Some("ResourceAlreadyExists") => "Something with that name exists already".to_owned(),
            Some("DirectoryNotEmpty") => "The folder is not empty".to_owned(),
            _ => "It is in use or conflicts with what is there".to_owned(),
        },
        ErrorKind::TooLarge => "The share's quota is full or the request is too large".to_owned(),
        ErrorKind::Throttled => "The service is busy (throttling); try again shortly".to_owned(),
        ErrorKind::ServerError => "The service failed; try again".to_owned(),
        ErrorKind::Transport => format!(
            "No answer from the service: {}",
            error.transport.as_ref().map_or("network error", |(_, text)| text.as_str())
        ),
        ErrorKind::Credential => error.auth.as_ref().map_or_else(|| "No token".to_owned(), |a| format!("No token: {}", a.kind)),
        _ => error.message.clone().unwrap_or_else(|| format!("{:?}", error.kind)),
    }
}

/// `HTTP 403 AuthorizationPermissionMismatch · request id …` for an error, when known.
pub fn evidence(error: &EngineError) -> Option<String> {
    let (EngineError::Files(files) | EngineError::Transfer(crate::transfer::TransferError::Files(files))) = error
    else {
        return None;
    };
    let mut parts = Vec::new();
    if let Some(status) = files.status {
        parts.push(format!("HTTP {status}"));
    }
    if let Some(code) = &files.code {
        parts.push(code.clone());
    }
    if let Some(id) = &files.request_id {
        parts.push(format!("request id {id}"));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}
