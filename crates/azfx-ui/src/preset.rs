//! A connection given at start (the demo's, a test's) on the connect form: the form shows
//! it, and connects with it as given while the form still says the same; once the user
//! picks another credential or account there (the demo rehearsing a user-assigned identity
//! or the SAS fallback), the form's choice is used with the preset's identity endpoint,
//! CA, Resource Manager endpoint, retry policy and clock.

use super::connect::ConnectView;
use super::settings::CredentialKind;
use azfx_core::auth::IdentitySelector;
use azfx_core::worker::{ConnectionConfig, CredentialConfig};

/// The form's credential kind and identity id for `credential`.
fn form_of(credential: &CredentialConfig) -> (CredentialKind, String) {
    match credential {
        CredentialConfig::ManagedIdentity(IdentitySelector::SystemAssigned) => {
            (CredentialKind::SystemAssigned, String::new())
        }
        CredentialConfig::ManagedIdentity(IdentitySelector::ClientId(id)) => (CredentialKind::ClientId, id.clone()),
        CredentialConfig::ManagedIdentity(IdentitySelector::ObjectId(id)) => (CredentialKind::ObjectId, id.clone()),
        CredentialConfig::ManagedIdentity(IdentitySelector::ResourceId(id)) => (CredentialKind::ResourceId, id.clone()),
        CredentialConfig::AppService(_) => (CredentialKind::AppService, String::new()),
        CredentialConfig::AzureCli => (CredentialKind::AzureCli, String::new()),
        CredentialConfig::PastedToken(_) => (CredentialKind::PastedToken, String::new()),
        CredentialConfig::Sas(_) => (CredentialKind::Sas, String::new()),
        CredentialConfig::AccountKey(_) => (CredentialKind::AccountKey, String::new()),
    }
}

impl ConnectView {
    /// Takes `config` as the preset and fills the form from it.
    pub(crate) fn adopt(&mut self, config: ConnectionConfig) {
        config.endpoint.clone_into(&mut self.endpoint);
        self.imds_endpoint = config.imds_endpoint.clone().unwrap_or_default();
        self.ca_pem.clone_from(&config.ca_pem);
        let (kind, id) = form_of(&config.credential);
        self.credential = kind;
        self.identity_id.clone_from(&id);
        self.preset_form = Some((config.endpoint.clone(), kind, id));
        self.preset = Some(config);
    }

    /// With a preset: the preset while the form still says what it filled in, else the
    /// form's credential and account on the preset's transport. `None` without a preset.
    pub(super) fn preset_config(&self) -> Option<Result<ConnectionConfig, String>> {
        let preset = self.preset.as_ref()?;
        let now = (self.endpoint.trim().to_owned(), self.credential, self.identity_id.trim().to_owned());
        if self.preset_form.as_ref().is_none_or(|form| *form == now) {
            return Some(Ok(preset.clone()));
        }
        Some(self.config_with(&now.0).map(|mut config| {
            config.imds_endpoint = config.imds_endpoint.or_else(|| preset.imds_endpoint.clone());
            config.ca_pem = config.ca_pem.or_else(|| preset.ca_pem.clone());
            config.arm_endpoint = config.arm_endpoint.or_else(|| preset.arm_endpoint.clone());
            config.retry.clone_from(&preset.retry);
            config.attempt_timeout = preset.attempt_timeout;
            config.identity_retry.clone_from(&preset.identity_retry);
            config.clock.clone_from(&preset.clock);
            config
        }))
    }
}
