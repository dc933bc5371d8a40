//! The connect view: account (name, URL or connection string), share, and the credential,
//! with a Test button that shows who the token is for before connecting. Secrets stay in
//! memory only and the view says so.

use super::requested::Requested;
use super::settings::{CredentialKind, SavedConnection, Settings};
use azfx_core::auth::{AccessToken, IdentitySelector, STORAGE_RESOURCE, Secret};
use azfx_core::worker::{Connected, ConnectionConfig, CredentialConfig, Failure, TokenInfo, Worker};

/// State of the connect form.
#[derive(Default)]
pub(crate) struct ConnectView {
    /// Account name, endpoint URL or connection string.
    pub endpoint: String,
    /// Share to open.
    pub share: String,
    /// Credential kind.
    pub credential: CredentialKind,
    /// Identity id for user-assigned identities.
    pub identity_id: String,
    /// Token, SAS or key: memory only.
    secret: String,
    /// IMDS base URL override.
    pub imds_endpoint: String,
    /// Extra CA to trust (demo, tests).
    pub ca_pem: Option<Vec<u8>>,
    /// Extra CA file from the settings page (read by the worker).
    pub ca_file: Option<std::path::PathBuf>,
    /// A full configuration given at start (tests, demo); used as is while the form
    /// still says what it says (`preset_form`).
    pub preset: Option<ConnectionConfig>,
    /// The form as the preset filled it: account, credential kind, identity id.
    pub(super) preset_form: Option<(String, CredentialKind, String)>,
    test: Requested<AccessToken>,
    /// Result of the last Test.
    pub test_result: Option<TokenInfo>,
    connecting: Requested<Connected>,
    /// Last form error (a field left empty, a bad value).
    pub error: Option<String>,
    /// Last failed connect or Test, with its diagnosis.
    pub failure: Option<Failure>,
    /// The configuration of the last connect (the access check reuses it).
    pub last_config: Option<ConnectionConfig>,
    /// A saved connection being renamed: its index and the name typed so far.
    renaming: Option<(usize, String)>,
    /// Finding accounts through Resource Manager.
    pub discovery: super::discovery::DiscoveryView,
    /// The SAS fallback (Advanced).
    pub sas: super::sas_fallback::SasFallback,
}

impl ConnectView {
    /// Fills the form from a saved connection.
    pub(crate) fn load(&mut self, saved: &SavedConnection) {
        self.endpoint.clone_from(&saved.endpoint);
        self.share.clone_from(&saved.share);
        self.credential = saved.credential;
        self.identity_id.clone_from(&saved.identity_id);
        self.secret.clear();
    }

    /// What to remember of this form.
    pub(crate) fn saved(&self) -> SavedConnection {
        SavedConnection {
            name: String::new(),
            endpoint: self.endpoint.trim().to_owned(),
            share: self.share.trim().to_owned(),
            credential: self.credential,
            identity_id: self.identity_id.trim().to_owned(),
        }
    }

    /// Whether a connect is under way.
    pub(crate) fn busy(&self) -> bool {
        self.connecting.is_pending()
    }

    fn config(&self) -> Result<ConnectionConfig, String> {
        if let Some(config) = self.preset_config() {
            return config;
        }
        if self.endpoint.trim().is_empty() {
            return Err("Enter the storage account name, its file endpoint URL or a connection string".to_owned());
        }
        self.config_with(self.endpoint.trim())
    }

    /// The form's identity alone (for discovery, before an account is known).
    pub(super) fn identity_config(&self) -> Result<ConnectionConfig, String> {
        if let Some(config) = self.preset_config() {
            return config;
        }
        if matches!(self.credential, CredentialKind::Sas | CredentialKind::AccountKey) {
            return Err("Finding accounts needs an identity (a SAS or key names one account)".to_owned());
        }
        self.config_with("https://discovery.file.core.windows.net")
    }

    pub(super) fn config_with(&self, endpoint: &str) -> Result<ConnectionConfig, String> {
        let id = self.identity_id.trim().to_owned();
        if self.credential.needs_id() && id.is_empty() {
            return Err("Enter the identity's id".to_owned());
        }
        if self.credential.needs_secret() && self.secret.trim().is_empty() {
            return Err("Paste the token, SAS or key".to_owned());
        }
        let secret = Secret::new(self.secret.trim());
        let credential = match self.credential {
            CredentialKind::SystemAssigned => CredentialConfig::ManagedIdentity(IdentitySelector::SystemAssigned),
            CredentialKind::ClientId => CredentialConfig::ManagedIdentity(IdentitySelector::ClientId(id)),
            CredentialKind::ObjectId => CredentialConfig::ManagedIdentity(IdentitySelector::ObjectId(id)),
            CredentialKind::ResourceId => CredentialConfig::ManagedIdentity(IdentitySelector::ResourceId(id)),
            CredentialKind::AppService => CredentialConfig::AppService(IdentitySelector::SystemAssigned),
            CredentialKind::AzureCli => CredentialConfig::AzureCli,
            CredentialKind::PastedToken => CredentialConfig::PastedToken(secret),
            CredentialKind::Sas => CredentialConfig::Sas(secret),
            CredentialKind::AccountKey => CredentialConfig::AccountKey(secret),
        };
        let mut config = ConnectionConfig::new(endpoint, credential);
        if !self.imds_endpoint.trim().is_empty() {
            config.imds_endpoint = Some(self.imds_endpoint.trim().to_owned());
        }
        config.ca_pem.clone_from(&self.ca_pem);
        config.ca_file.clone_from(&self.ca_file);
        config.arm_endpoint = Some(self.discovery.endpoint.trim().to_owned()).filter(|e| !e.is_empty());
        Ok(config)
    }

    /// Starts connecting (through a SAS the identity makes, with the fallback on).
    pub(crate) fn connect(&mut self, worker: &Worker) {
        let sas = self.sas.enabled.then(|| self.sas.request(&self.share)).transpose();
        match self.config().and_then(|config| Ok((config, sas?))) {
            Ok((config, sas)) => {
                self.error = None;
                self.failure = None;
                self.last_config = Some(config.clone());
                self.connecting.request(match sas {
                    Some(sas) => worker.connect_with_service_sas(config, sas),
                    None => worker.connect(config),
                });
            }
            Err(message) => self.error = Some(message),
        }
    }

    /// Checks finished requests; returns a finished connection.
    pub(crate) fn poll(&mut self) -> Option<Connected> {
        match self.test.take_arrived() {
            Some(Ok(token)) => {
                self.test_result = Some(TokenInfo::from(&token));
                self.failure = None;
            }
            Some(Err(failure)) => {
                self.test_result = None;
                self.failure = Some(failure);
            }
            None => {}
        }
        match self.connecting.take_arrived()? {
            Ok(connected) => {
                self.secret.clear();
                Some(connected)
            }
            Err(failure) => {
                self.failure = Some(failure);
                None
            }
        }
    }

    /// Draws the form.
    pub(crate) fn ui(&mut self, ui: &mut egui::Ui, worker: &Worker, settings: &mut Settings) {
        // The settings page's defaults: the identity endpoint (unless typed here) and
        // the extra CA file.
        if self.imds_endpoint.trim().is_empty() && !settings.imds_endpoint.trim().is_empty() {
            settings.imds_endpoint.trim().clone_into(&mut self.imds_endpoint);
        }
        self.ca_file.clone_from(&settings.ca_file);
        ui.heading("Connect to an Azure file share");
        ui.add_space(8.0);
        egui::Grid::new("connect-form").num_columns(2).spacing([12.0, 8.0]).show(ui, |ui| {
            let label = ui.label("Account");
            ui.add(
                egui::TextEdit::singleline(&mut self.endpoint)
                    .hint_text("name, https://NAME.file.core.windows.net or connection string")
                    .desired_width(420.0),
            )
            .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("Share");
            ui.add(
                egui::TextEdit::singleline(&mut self.share)
                    .hint_text("optional: pick it after connecting")
                    .desired_width(420.0),
            )
            .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("Credential");
            egui::ComboBox::from_id_salt("credential-kind")
                .selected_text(self.credential.label())
                .width(420.0)
                .show_ui(ui, |ui| {
                    for kind in CredentialKind::ALL {
                        ui.selectable_value(&mut self.credential, kind, kind.label());
                    }
                })
                .response
                .labelled_by(label.id);
            ui.end_row();
            if self.credential.needs_id() {
                let label = ui.label("Identity id");
                ui.add(egui::TextEdit::singleline(&mut self.identity_id).desired_width(420.0)).labelled_by(label.id);
                ui.end_row();
            }
            if self.credential.needs_secret() {
                let label = ui.label("Secret");
                ui.add(egui::TextEdit::singleline(&mut self.secret).password(true).desired_width(420.0))
                    .labelled_by(label.id);
                ui.end_row();
                ui.label("");
                ui.weak("Kept in memory only: tokens, SAS and keys are never saved");
                ui.end_row();
            }
        });
        ui.collapsing("Advanced", |ui| {
            ui.horizontal(|ui| {
                let label = ui.label("IMDS endpoint");
                ui.add(
                    egui::TextEdit::singleline(&mut self.imds_endpoint)
                        .hint_text("http://169.254.169.254")
                        .desired_width(300.0),
                )
                .labelled_by(label.id);
            });
            ui.horizontal(|ui| {
                let label = ui.label("Resource Manager endpoint");
                ui.add(
                    egui::TextEdit::singleline(&mut self.discovery.endpoint)
                        .hint_text(azfx_core::arm::ARM_ENDPOINT)
                        .desired_width(300.0),
                )
                .labelled_by(label.id);
            });
            self.sas.ui(ui);
        });
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            let busy = self.busy();
            if ui.add_enabled(!busy, egui::Button::new("Connect")).clicked() {
                self.connect(worker);
            }
            let can_test =
                !matches!(self.credential, CredentialKind::Sas | CredentialKind::AccountKey) || self.preset.is_some();
            if ui.add_enabled(can_test && !self.test.is_pending(), egui::Button::new("Test identity")).clicked() {
                match self.config() {
                    Ok(config) => {
                        self.test_result = None;
                        self.test.request(worker.acquire_token(config, STORAGE_RESOURCE));
                    }
                    Err(message) => self.error = Some(message),
                }
            }
            if busy || self.test.is_pending() {
                ui.spinner();
            }
        });
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        if let Some(failure) = &self.failure {
            ui.colored_label(ui.visuals().error_fg_color, failure.error.to_string());
            super::diagnosis::diagnosis_ui(ui, &failure.diagnosis);
        }
        if let Some(token) = &self.test_result {
            let claims = token.claims.clone().unwrap_or_default();
            ui.label(format!(
                "Token for {} (object id {}), audience {}, expires in {}",
                claims.identity_name().unwrap_or("unknown identity"),
                claims.oid.as_deref().unwrap_or("-"),
                claims.aud.as_deref().unwrap_or("-"),
                azfx_core::format::countdown(token.expires_on - azfx_core::auth::now_unix())
            ));
        }
        ui.add_space(12.0);
        self.discovery_ui(ui, worker);
        if !settings.connections.is_empty() {
            ui.add_space(12.0);
            self.saved_ui(ui, settings);
        }
    }

    /// Saved connections: click one to fill the form; Rename gives it a name, Remove
    /// forgets it (it holds no secret, so nothing else is lost).
    fn saved_ui(&mut self, ui: &mut egui::Ui, settings: &mut Settings) {
        ui.label("Saved connections");
        let mut chosen = None;
        let mut remove = None;
        for (index, saved) in settings.connections.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                if let Some((renaming, text)) = &mut self.renaming
                    && *renaming == index
                {
                    let label = ui.label("Connection name");
                    let edit = ui.add(egui::TextEdit::singleline(text).desired_width(220.0)).labelled_by(label.id);
                    if !edit.has_focus() && !edit.lost_focus() {
                        edit.request_focus();
                    }
                    let (enter, escape) =
                        ui.input(|i| (i.key_pressed(egui::Key::Enter), i.key_pressed(egui::Key::Escape)));
                    if ui.button("Save").clicked() || enter {
                        text.trim().clone_into(&mut saved.name);
                        self.renaming = None;
                    } else if escape {
                        self.renaming = None;
                    }
                    return;
                }
                let details = format!(
                    "{} · {} · {}",
                    saved.endpoint,
                    if saved.share.is_empty() { "-" } else { &saved.share },
                    saved.credential.label()
                );
                let text = if saved.name.is_empty() { details.clone() } else { format!("{} ({details})", saved.name) };
                if ui.link(text).clicked() {
                    chosen = Some(saved.clone());
                }
                if ui.small_button("Rename").clicked() {
                    self.renaming = Some((index, saved.name.clone()));
                }
                if ui.small_button("Remove").clicked() {
                    remove = Some(index);
                }
            });
        }
        if let Some(index) = remove {
            settings.connections.remove(index);
            self.renaming = None;
        }
        if let Some(saved) = chosen {
            self.load(&saved);
        }
    }
}

/// The share picker after connecting: the shares the identity may list, or why they
/// could not be listed (its own diagnosis: a missing role, DNS, throttling…), and a field
/// to type a share name either way, and Disconnect. Returns what the user asked for.
pub(crate) fn share_picker_ui(ui: &mut egui::Ui, session: &mut super::Session) -> Option<super::request::Request> {
    let mut chosen = None;
    ui.heading("Pick a share");
    if let Some(failure) = &session.shares_failure {
        ui.colored_label(ui.visuals().error_fg_color, "The shares of this account could not be listed");
        if let Some(evidence) = failure.evidence() {
            ui.weak(evidence);
        }
        super::diagnosis::diagnosis_ui(ui, &failure.diagnosis);
    } else if session.shares_request.is_pending() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Listing shares…");
        });
    } else if session.shares.is_empty() {
        ui.label("This account has no shares");
    }
    for share in &session.shares {
        if ui.button(share).clicked() {
            chosen = Some(share.clone());
        }
    }
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        let field = ui.add(egui::TextEdit::singleline(&mut session.share_typed).hint_text("Share name"));
        let field = field.labelled_by(ui.label("Share name").id);
        let typed = session.share_typed.trim();
        let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui.add_enabled(!typed.is_empty(), egui::Button::new("Open share")).clicked() || entered)
            && !typed.is_empty()
        {
            chosen = Some(typed.to_owned());
        }
    });
    if ui.button("Disconnect").on_hover_text("Back to the connect page").clicked() {
        return Some(super::request::Request::Disconnect);
    }
    chosen.map(super::request::Request::OpenShare)
}
