//! What the window remembers between runs (through eframe's storage, written off the UI
//! thread): saved connections without any secret, recent locations, the download folder.

use serde::{Deserialize, Serialize};

/// Which kind of credential a saved connection uses (never the secret itself).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CredentialKind {
    /// System-assigned managed identity.
    #[default]
    SystemAssigned,
    /// User-assigned identity by client id.
    ClientId,
    /// User-assigned identity by object id.
    ObjectId,
    /// User-assigned identity by resource id.
    ResourceId,
    /// App Service / Container Apps identity.
    AppService,
    /// Azure CLI login.
    AzureCli,
    /// A pasted access token.
    PastedToken,
    /// A SAS.
    Sas,
    /// The account key.
    AccountKey,
}

impl CredentialKind {
    /// Every kind, in menu order.
    pub const ALL: [Self; 9] = [
        Self::SystemAssigned,
        Self::ClientId,
        Self::ObjectId,
        Self::ResourceId,
        Self::AppService,
        Self::AzureCli,
        Self::PastedToken,
        Self::Sas,
        Self::AccountKey,
    ];

    /// Menu label.
    pub fn label(self) -> &'static str {
        match self {
            Self::SystemAssigned => "Managed identity (system-assigned)",
            Self::ClientId => "Managed identity by client id",
            Self::ObjectId => "Managed identity by object id",
            Self::ResourceId => "Managed identity by resource id",
            Self::AppService => "App Service identity",
            Self::AzureCli => "Azure CLI",
            Self::PastedToken => "Pasted access token",
            Self::Sas => "Shared access signature",
            Self::AccountKey => "Account key",
        }
    }

    /// Whether an identity id is asked for.
    pub fn needs_id(self) -> bool {
        matches!(self, Self::ClientId | Self::ObjectId | Self::ResourceId)
    }

    /// Whether a secret is asked for (never saved).
    pub fn needs_secret(self) -> bool {
        matches!(self, Self::PastedToken | Self::Sas | Self::AccountKey)
    }
}

/// A connection to remember: no secret, ever.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedConnection {
    /// Account name, endpoint URL or a connection string's endpoint.
    pub endpoint: String,
    /// Share opened last.
    pub share: String,
    /// Credential kind.
    pub credential: CredentialKind,
    /// Identity id for user-assigned identities.
    pub identity_id: String,
}

/// Everything persisted.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Saved connections, most recent first.
    pub connections: Vec<SavedConnection>,
    /// Recent locations (`share/path`), most recent first.
    pub recent: Vec<String>,
    /// Where downloads go.
    pub download_dir: Option<std::path::PathBuf>,
}

impl Settings {
    /// The storage key.
    pub const KEY: &'static str = "azfx-settings";

    /// Remembers a connection (moving it to the front).
    pub fn remember(&mut self, connection: SavedConnection) {
        self.connections.retain(|c| c.endpoint != connection.endpoint || c.credential != connection.credential);
        self.connections.insert(0, connection);
        self.connections.truncate(10);
    }

    /// Remembers a location.
    pub fn visit(&mut self, location: String) {
        self.recent.retain(|l| *l != location);
        self.recent.insert(0, location);
        self.recent.truncate(20);
    }
}
