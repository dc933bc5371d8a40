//! What the window remembers between runs (eframe's storage, a file in the OS config
//! directory, written off the UI thread): saved connections without any secret, recent
//! locations, and the settings page's choices (download folder, theme, text size, extra
//! CA file, IMDS endpoint, ranges in flight per transfer).

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
#[serde(default)]
pub struct SavedConnection {
    /// The name the user gave it (empty: shown by its endpoint).
    pub name: String,
    /// Account name, endpoint URL or a connection string's endpoint.
    pub endpoint: String,
    /// Share opened last.
    pub share: String,
    /// Credential kind.
    pub credential: CredentialKind,
    /// Identity id for user-assigned identities.
    pub identity_id: String,
}

/// Light, dark, or as the operating system says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Theme {
    /// Follow the system's light or dark setting.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl Theme {
    /// Every choice, in the settings page's order, with its label.
    pub const ALL: [(Self, &'static str); 3] =
        [(Self::System, "Follow system"), (Self::Light, "Light"), (Self::Dark, "Dark")];

    /// egui's preference.
    pub fn preference(self) -> egui::ThemePreference {
        match self {
            Self::System => egui::ThemePreference::System,
            Self::Light => egui::ThemePreference::Light,
            Self::Dark => egui::ThemePreference::Dark,
        }
    }
}

/// Text size limits, in percent.
pub const TEXT_SIZE_PERCENT: std::ops::RangeInclusive<u16> = 80..=200;

/// Everything persisted.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Saved connections, most recent first.
    pub connections: Vec<SavedConnection>,
    /// Recent locations (`account/share/path`), most recent first; the Recent menu shows
    /// the connected account's.
    pub recent: Vec<String>,
    /// Where downloads go.
    pub download_dir: Option<std::path::PathBuf>,
    /// Light, dark or system.
    pub theme: Theme,
    /// Text and controls at this percent of their normal size (80–200).
    pub text_size_percent: u16,
    /// Extra CA certificates (PEM) to trust, e.g. a TLS-inspecting proxy's.
    pub ca_file: Option<std::path::PathBuf>,
    /// The managed identity endpoint when it is not the usual 169.254.169.254 (empty:
    /// the usual one, or `IDENTITY_ENDPOINT`).
    pub imds_endpoint: String,
    /// Ranges in flight per file for uploads and downloads (1–32).
    pub parallel_ranges: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            connections: Vec::new(),
            recent: Vec::new(),
            download_dir: None,
            theme: Theme::System,
            text_size_percent: 100,
            ca_file: None,
            imds_endpoint: String::new(),
            parallel_ranges: azfx_core::transfer::PARALLEL_RANGES,
        }
    }
}

impl Settings {
    /// The storage key.
    pub const KEY: &'static str = "azfx-settings";

    /// Remembers a connection (moving it to the front, keeping the name it was given).
    pub fn remember(&mut self, mut connection: SavedConnection) {
        let same = |c: &SavedConnection| c.endpoint == connection.endpoint && c.credential == connection.credential;
        if let Some(earlier) = self.connections.iter().find(|c| same(c)) {
            connection.name.clone_from(&earlier.name);
        }
        self.connections.retain(|c| !same(c));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_saved_by_an_older_version_get_the_new_defaults() {
        let old = r#"{"connections":[],"recent":["acct/projects/reports"],"download_dir":"/home/me/Downloads"}"#;
        let settings: Settings = serde_json::from_str(old).unwrap();
        assert_eq!(settings.recent, ["acct/projects/reports"]);
        assert_eq!((settings.theme, settings.text_size_percent), (Theme::System, 100));
        assert_eq!(settings.parallel_ranges, azfx_core::transfer::PARALLEL_RANGES);
        assert!(settings.ca_file.is_none() && settings.imds_endpoint.is_empty());
    }
}
