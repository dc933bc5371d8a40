//! Why an engine command failed, as one typed error for every caller (window, CLI,
//! access check), and the CLI's exit codes, one per failing layer. `diagnose` explains
//! these errors; the worker attaches that explanation before they leave it.

use crate::auth::AuthError;
use crate::files::FilesError;
use crate::files::endpoint::EndpointError;
use crate::transfer::TransferError;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The Files service or the network failed.
    #[error(transparent)]
    Files(#[from] FilesError),
    /// No token could be had.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The endpoint could not be understood.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// A transfer failed.
    #[error(transparent)]
    Transfer(TransferError),
    /// Azure Resource Manager (discovery) failed.
    #[error(transparent)]
    Arm(#[from] crate::arm::ArmError),
    /// No connection yet.
    #[error("not connected: connect to an account first")]
    NotConnected,
    /// Cancelled by the caller.
    #[error("cancelled")]
    Cancelled,
    /// The worker is not running or its queue is full.
    #[error("the background worker is not available")]
    Unavailable,
    /// The request itself was invalid.
    #[error("{0}")]
    InvalidInput(String),
}

/// Process exit codes of the CLI, one per failing layer.
pub mod exit_code {
    /// Success.
    pub const OK: i32 = 0;
    /// Anything not listed below.
    pub const OTHER: i32 = 1;
    /// Bad command line (clap's own code).
    pub const USAGE: i32 = 2;
    /// No token: the identity endpoint or credential failed.
    pub const IDENTITY: i32 = 3;
    /// 401: the service did not accept the token.
    pub const UNAUTHENTICATED: i32 = 4;
    /// 403: permission, firewall or signature.
    pub const FORBIDDEN: i32 = 5;
    /// 404.
    pub const NOT_FOUND: i32 = 6;
    /// No answer: DNS, connect, TLS, timeout.
    pub const NETWORK: i32 = 7;
    /// 403 on a write while reads work (the access check).
    pub const FORBIDDEN_WRITE: i32 = 8;
    /// The destination exists and the overwrite rule said not to replace it.
    pub const EXISTS: i32 = 9;
}

impl From<TransferError> for EngineError {
    /// A cancelled transfer is `Cancelled` like any other cancelled command.
    fn from(error: TransferError) -> Self {
        match error {
            TransferError::Cancelled => Self::Cancelled,
            other => Self::Transfer(other),
        }
    }
}

impl EngineError {
    /// The Files exchange behind this failure, if one is (directly, or inside a transfer).
    pub fn files_error(&self) -> Option<&FilesError> {
        match self {
            Self::Files(e) | Self::Transfer(TransferError::Files(e)) => Some(e),
            _ => None,
        }
    }

    /// The CLI exit code for this failure.
    pub fn exit_code(&self) -> i32 {
        use crate::files::ErrorKind;
        match (self, self.files_error().map(|e| e.kind)) {
            (Self::Auth(_), _) | (_, Some(ErrorKind::Credential)) => exit_code::IDENTITY,
            (_, Some(ErrorKind::Unauthenticated | ErrorKind::ClaimsChallenge)) => exit_code::UNAUTHENTICATED,
            (_, Some(ErrorKind::PermissionDenied | ErrorKind::NetworkRule | ErrorKind::AuthenticationFailed)) => {
                exit_code::FORBIDDEN
            }
            (_, Some(ErrorKind::NotFound)) => exit_code::NOT_FOUND,
            (_, Some(ErrorKind::Transport)) => exit_code::NETWORK,
            (
                Self::Endpoint(_)
                | Self::InvalidInput(_)
                | Self::Transfer(
                    TransferError::NotAFile(_)
                    | TransferError::InvalidName { .. }
                    | TransferError::NotAllowedHere { .. }
                    | TransferError::NotRegularFile(_)
                    | TransferError::IntoItself(_),
                ),
                _,
            ) => exit_code::USAGE,
            (Self::Transfer(TransferError::Exists(_) | TransferError::FolderExists(_)), _) => exit_code::EXISTS,
            (Self::Arm(e), _) if e.is_forbidden() => exit_code::FORBIDDEN,
            (Self::Arm(crate::arm::ArmError::Token { .. }), _) => exit_code::IDENTITY,
            _ => exit_code::OTHER,
        }
    }
}
