//! The connect page's SAS fallback (Advanced): instead of OAuth, work through a
//! short-lived share SAS the identity makes with Resource Manager's `ListServiceSas`, for
//! paths that cannot use OAuth. The SAS lives in the worker's session only.

use azfx_core::worker::ServiceSasRequest;

/// The fallback's settings on the form (never saved).
pub(crate) struct SasFallback {
    /// Whether to connect through a SAS.
    pub enabled: bool,
    /// Its permissions, letters of `rcwdl`.
    pub permissions: String,
    /// Its lifetime in minutes, as typed.
    pub minutes: String,
}

impl Default for SasFallback {
    fn default() -> Self {
        Self { enabled: false, permissions: "rl".to_owned(), minutes: "60".to_owned() }
    }
}

impl SasFallback {
    /// The request for `share`, or why the form cannot give one.
    pub(crate) fn request(&self, share: &str) -> Result<ServiceSasRequest, String> {
        if share.trim().is_empty() {
            return Err("A SAS is made for one share: type the share".to_owned());
        }
        let permissions = self.permissions.trim().to_owned();
        if permissions.is_empty() || !permissions.chars().all(|c| "rcwdl".contains(c)) {
            return Err("SAS permissions: letters of r (read), c (create), w (write), d (delete), l (list)".to_owned());
        }
        let minutes = self
            .minutes
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|m| (1..=azfx_core::arm::MAX_SAS_MINUTES).contains(m))
            .ok_or_else(|| format!("SAS lifetime: 1 to {} minutes", azfx_core::arm::MAX_SAS_MINUTES))?;
        Ok(ServiceSasRequest { share: share.trim().to_owned(), permissions, minutes })
    }

    /// The checkbox and its two fields.
    pub(crate) fn ui(&mut self, ui: &mut egui::Ui) {
        ui.checkbox(&mut self.enabled, "Connect through a short-lived share SAS made with this identity")
            .on_hover_text("Fallback for paths that cannot use OAuth: Resource Manager's ListServiceSas makes an HTTPS-only SAS for the share (needs Storage Account Contributor or similar); it is kept in memory only");
        if self.enabled {
            ui.horizontal(|ui| {
                let label = ui.label("SAS permissions");
                ui.add(egui::TextEdit::singleline(&mut self.permissions).desired_width(60.0)).labelled_by(label.id);
                let label = ui.label("SAS minutes");
                ui.add(egui::TextEdit::singleline(&mut self.minutes).desired_width(50.0)).labelled_by(label.id);
            });
        }
    }
}
