//! The access check's outcome (the window's button and `azfx doctor`): the steps in
//! order, each passed, failed (with its diagnosis) or skipped, and the exit code naming
//! the failing layer. The steps themselves run on the worker side (`probe::access`);
//! this module only names them and reads their results.

use serde::Serialize;

use super::Diagnosis;
use crate::auth::Claims;
use crate::error::{EngineError, exit_code};
use crate::files::ErrorKind;

/// How a step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum StepStatus {
    /// It worked.
    Passed,
    /// It failed (see the diagnosis).
    Failed,
    /// Not run: an earlier step failed, or read-only mode.
    Skipped,
}

/// One step's outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// What was checked.
    pub name: String,
    /// How it ended.
    pub status: StepStatus,
    /// What it found.
    pub detail: String,
    /// Why it failed and what to do.
    pub diagnosis: Option<Diagnosis>,
    /// Time taken.
    pub duration_ms: u64,
}

/// The whole check.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Steps in order.
    pub steps: Vec<Step>,
    /// The token's claims, when one was had.
    pub claims: Option<Claims>,
    /// Exit code naming the failing layer (0 when everything passed).
    pub exit_code: i32,
}

/// The steps, in the order they run.
pub const STEP_NAMES: [&str; 8] = [
    "Identity endpoint reachable",
    "Token acquired",
    "DNS, TCP and TLS to the file endpoint",
    "List the share root (read)",
    "Create a temporary directory",
    "Write a file",
    "Read it back and compare",
    "Delete the file and the directory",
];

/// The exit code when step `step_index` (0-based, see `STEP_NAMES`) failed with `error`.
pub fn exit_for(step_index: usize, error: &EngineError) -> i32 {
    let kind = error.files_error().map(|e| e.kind);
    match (step_index, kind) {
        (0 | 1, _) | (_, Some(ErrorKind::Credential)) => exit_code::IDENTITY,
        (2, _) | (_, Some(ErrorKind::Transport)) => exit_code::NETWORK,
        (_, Some(ErrorKind::Unauthenticated | ErrorKind::ClaimsChallenge)) => exit_code::UNAUTHENTICATED,
        (3, Some(ErrorKind::PermissionDenied)) | (_, Some(ErrorKind::NetworkRule)) => exit_code::FORBIDDEN,
        (_, Some(ErrorKind::PermissionDenied)) => exit_code::FORBIDDEN_WRITE,
        (_, Some(ErrorKind::NotFound)) => exit_code::NOT_FOUND,
        _ => exit_code::OTHER,
    }
}
