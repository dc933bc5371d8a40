//! Who may read what through the emulator's Resource Manager, and its error answers
//! (`{"error":{"code","message"}}` with ARM's texts), shared by `arm` and `arm_rbac`.

use hyper::StatusCode;

use super::model::{Role, Scope};
use super::state::Inner;

/// An ARM error answer.
pub(crate) struct ArmError {
    /// HTTP status.
    pub status: StatusCode,
    /// `error.code`.
    pub code: &'static str,
    /// `error.message`.
    pub message: String,
}

/// An ARM error answer.
pub(crate) fn error(status: StatusCode, code: &'static str, message: impl Into<String>) -> ArmError {
    ArmError { status, code, message: message.into() }
}

/// A scope as a request URL names it: a subscription, and below it perhaps a resource
/// group, an account in it, a share of that account. Names compare as ARM compares them
/// (GUIDs and resource group names case-insensitively).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UrlScope {
    /// Subscription id.
    pub subscription: String,
    /// Resource group.
    pub resource_group: Option<String>,
    /// Storage account.
    pub account: Option<String>,
    /// File share.
    pub share: Option<String>,
}

impl UrlScope {
    /// The scope's ARM id, as the URL spelled it.
    pub(crate) fn arm_id(&self) -> String {
        let rg = self.resource_group.as_ref().map(|rg| format!("/resourceGroups/{rg}")).unwrap_or_default();
        let account = self
            .account
            .as_ref()
            .map(|a| format!("/providers/Microsoft.Storage/storageAccounts/{a}"))
            .unwrap_or_default();
        let share = self.share.as_ref().map(|s| format!("/fileServices/default/fileshares/{s}")).unwrap_or_default();
        format!("/subscriptions/{}{rg}{account}{share}", self.subscription)
    }

    /// Whether the account the URL names sits where the URL says (subscription, group).
    pub(crate) fn account_matches(&self, inner: &Inner) -> bool {
        let Some(account) = &self.account else { return true };
        inner.accounts.get(account).is_some_and(|a| {
            a.placement.subscription.eq_ignore_ascii_case(&self.subscription)
                && self.resource_group.as_ref().is_some_and(|rg| rg.eq_ignore_ascii_case(&a.placement.resource_group))
        })
    }

    /// The emulator's own scope for it (what role assignments are stored against).
    pub(crate) fn scope(&self) -> Scope {
        match (&self.resource_group, &self.account, &self.share) {
            (_, Some(a), Some(s)) => Scope::Share(a.clone(), s.clone()),
            (_, Some(a), None) => Scope::Account(a.clone()),
            (Some(rg), None, _) => Scope::ResourceGroup(self.subscription.clone(), rg.clone()),
            (None, None, _) => Scope::Subscription(self.subscription.clone()),
        }
    }
}

/// Whether `oid` (or a group it is in) holds a control-plane role at the URL's scope or
/// above it.
pub(crate) fn may_read(inner: &Inner, oid: &str, target: &UrlScope) -> bool {
    holds(inner, oid, target, Role::reads_control_plane)
}

/// Whether `oid` (or a group it is in) holds, at the URL's scope or above it, a role
/// `allows` accepts.
pub(crate) fn holds(inner: &Inner, oid: &str, target: &UrlScope, allows: impl Fn(Role) -> bool) -> bool {
    let ids = inner.principal_ids(oid);
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let in_place = target.account_matches(inner);
    inner.assignments.iter().filter(|a| ids.contains(&a.object_id) && allows(a.role)).any(|a| match &a.scope {
        Scope::Subscription(s) => same(s, &target.subscription),
        Scope::ResourceGroup(s, rg) => {
            same(s, &target.subscription) && target.resource_group.as_deref().is_some_and(|t| same(t, rg))
        }
        Scope::Account(account) => in_place && target.account.as_deref() == Some(account.as_str()),
        Scope::Share(account, share) => {
            in_place
                && target.account.as_deref() == Some(account.as_str())
                && target.share.as_deref() == Some(share.as_str())
        }
    })
}

/// 403 `AuthorizationFailed` for `action` over `scope`, in ARM's words.
pub(crate) fn forbidden(oid: &str, action: &str, scope: &str) -> ArmError {
    error(
        StatusCode::FORBIDDEN,
        "AuthorizationFailed",
        format!(
            "The client '{oid}' with object id '{oid}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials."
        ),
    )
}
