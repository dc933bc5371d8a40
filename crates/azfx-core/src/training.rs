//! Demo training mode: the failures support staff rehearse on the demo emulator, so they
//! can watch azfx explain each one (`azfx --demo` → status bar → Training). The window
//! names a drill; the binary, which runs the emulator, carries it out
//! (`emulator::demo::Training`). Nothing here touches a real account.

/// One failure to rehearse, or putting everything back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drill {
    /// Every token issued so far is expired: the next request is 401, azfx refreshes its
    /// token once and retries (visible in the request log).
    ExpireTokens,
    /// Every token issued so far is revoked: 401 `InvalidAuthenticationInfo` until azfx
    /// gets a new one.
    RevokeTokens,
    /// The service answers as if `x-ms-file-request-intent` were missing: 400
    /// `MissingRequiredHeader`.
    DropIntentHeader,
    /// The account's firewall denies this machine: 403 `AuthorizationFailure`.
    DenyByFirewall,
    /// The share is over its request rate: 503 `ServerBusy` with `Retry-After`.
    Throttle,
    /// The VM's data roles are removed: 403 `AuthorizationPermissionMismatch`.
    RemoveRole,
    /// Everything back as the demo started.
    Restore,
}

impl Drill {
    /// Every drill, in the menu's order.
    pub const ALL: [Self; 7] = [
        Self::ExpireTokens,
        Self::RevokeTokens,
        Self::DropIntentHeader,
        Self::DenyByFirewall,
        Self::Throttle,
        Self::RemoveRole,
        Self::Restore,
    ];

    /// The menu item.
    pub fn label(self) -> &'static str {
        match self {
            Self::ExpireTokens => "Expire the token (401, refreshed and retried)",
            Self::RevokeTokens => "Revoke the token (401)",
            Self::DropIntentHeader => "Drop the intent header (400)",
            Self::DenyByFirewall => "Deny this machine by firewall (403)",
            Self::Throttle => "Throttle the share (503)",
            Self::RemoveRole => "Remove the data role (403)",
            Self::Restore => "Restore everything",
        }
    }

    /// What to do next to watch it, shown once the drill is set.
    pub fn next_step(self) -> &'static str {
        match self {
            Self::ExpireTokens | Self::RevokeTokens => {
                "Refresh the folder (F5), then open the request log: the 401, the new token and the retry are there"
            }
            Self::Restore => "The demo account is as it started: refresh the folder (F5)",
            _ => "Refresh the folder (F5) and read how azfx explains it; Restore everything when done",
        }
    }
}

/// Carries out a drill; `Err` says why it could not be (in words for the user).
pub type Trainer = std::sync::Arc<dyn Fn(Drill) -> Result<(), String> + Send + Sync>;
