//! Other accounts: discovery (`discovery`) wired into the connect page's Find accounts and
//! the navigation pane's Other accounts; a picked share opens here, or connects to its
//! account with the same identity.

use super::AzfxApp;
use super::connect::ConnectView;
use super::discovery::Picked;
use azfx_core::worker::Worker;

impl ConnectView {
    /// The connect page's Find accounts: the identity of the form (or of the preset), and
    /// a picked share connects with it at the picked account.
    pub(super) fn discovery_ui(&mut self, ui: &mut egui::Ui, worker: &Worker) {
        // What was typed, else the preset's (the demo's): never remembered in the field,
        // so a later connection to Azure does not inherit an emulator's address.
        let endpoint = Some(self.discovery.endpoint.trim().to_owned())
            .filter(|e| !e.is_empty())
            .or_else(|| self.preset.as_ref().and_then(|p| p.arm_endpoint.clone()))
            .unwrap_or_default();
        let identity = self.identity_config();
        if let Some(picked) = self.discovery.ui(ui, worker, &identity, &endpoint) {
            self.connect_picked(picked, worker);
        }
    }

    /// Connects to a share picked in the tree with the same identity (a preset's too), at
    /// the picked account.
    pub(super) fn connect_picked(&mut self, picked: Picked, worker: &Worker) {
        if let Some(preset) = &mut self.preset {
            picked.endpoint.clone_into(&mut preset.endpoint);
        }
        if let Some(form) = &mut self.preset_form {
            picked.endpoint.clone_into(&mut form.0);
        }
        self.endpoint = picked.endpoint;
        self.share = picked.share;
        self.connect(worker);
    }
}

impl AzfxApp {
    /// The navigation pane's discovery section, while connected: the connection's identity
    /// walks Resource Manager; a share of this account opens, a share of another account
    /// connects there with the same identity.
    pub(super) fn nav_discovery_ui(&mut self, ui: &mut egui::Ui) {
        let Some(session) = &self.session else { return };
        let here = session.connected.endpoint.trim_end_matches('/').to_owned();
        let Some(config) = self.connect.last_config.clone() else { return };
        // The connection's own endpoint, else the emulator's origin for a loopback account
        // (it serves both), else the public one; computed here, never stored.
        let local = azfx_core::files::Endpoint::parse(&here).ok().filter(azfx_core::files::Endpoint::is_loopback);
        let endpoint = config
            .arm_endpoint
            .clone()
            .or_else(|| local.map(|e| e.base.origin().ascii_serialization()))
            .unwrap_or_default();
        let picked = egui::ScrollArea::vertical()
            .id_salt("nav-discovery-scroll")
            .auto_shrink([false, true])
            .show(ui, |ui| {
                egui::CollapsingHeader::new("Other accounts")
                    .id_salt("nav-discovery")
                    .show(ui, |ui| self.connect.discovery.ui(ui, &self.worker, &Ok(config), &endpoint))
                    .body_returned
                    .flatten()
            })
            .inner;
        let Some(picked) = picked else { return };
        if picked.endpoint.trim_end_matches('/') == here {
            self.open_share(&picked.share);
        } else {
            self.connect_picked(picked);
        }
    }

    pub(super) fn connect_picked(&mut self, picked: Picked) {
        self.connect.connect_picked(picked, &self.worker);
    }
}
