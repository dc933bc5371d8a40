//! Who may read what through the emulator's Resource Manager, and its error answers
//! (`{"error":{"code","message"}}` with ARM's texts), shared by `arm` and `arm_rbac`.

use hyper::StatusCode;

use super::model::Scope;
use super::state::Inner;

/// An ARM error answer.
pub struct ArmError {
    /// HTTP status.
    pub status: StatusCode,
    /// `error.code`.
    pub code: &'static str,
    /// `error.message`.
    pub message: String,
}

/// An ARM error answer.
pub fn error(status: StatusCode, code: &'static str, message: impl Into<String>) -> ArmError {
    ArmError { status, code, message: message.into() }
}

/// Whether `oid` holds a control-plane role at `scope` or above it.
pub fn may_read(inner: &Inner, oid: &str, target: &Scope) -> bool {
    let place_of = |account: &str| inner.accounts.get(account).map(|a| a.placement.clone());
    let ids = inner.principal_ids(oid);
    inner.assignments.iter().filter(|a| ids.contains(&a.object_id) && a.role.reads_control_plane()).any(
        |a| match target {
            Scope::Subscription(s) => a.scope == Scope::Subscription(s.clone()),
            Scope::ResourceGroup(s, rg) => {
                a.scope == Scope::Subscription(s.clone()) || a.scope == Scope::ResourceGroup(s.clone(), rg.clone())
            }
            Scope::Account(account) | Scope::Share(account, _) => {
                place_of(account).is_some_and(|place| a.scope.covers(&place, account, None))
            }
        },
    )
}

/// 403 `AuthorizationFailed` for `action` over `scope`, in ARM's words.
pub fn forbidden(oid: &str, action: &str, scope: &str) -> ArmError {
    error(
        StatusCode::FORBIDDEN,
        "AuthorizationFailed",
        format!(
            "The client '{oid}' with object id '{oid}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials."
        ),
    )
}
