//! The settings page (status bar → Settings): download folder, theme (follow system,
//! light, dark), text size, an extra CA file, the managed identity endpoint, and ranges in
//! flight per transfer. Changes apply at once and are saved with the window's state in the
//! OS config directory. Paths are only checked where they are used (the worker reads the
//! CA file when connecting; downloads create their folder).

use super::settings::{Settings, TEXT_SIZE_PERCENT, Theme};

/// What the page asks the window to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreferencesAsk {
    /// Pick the download folder with the OS dialog.
    ChooseDownloadFolder,
}

/// The page's open state and the text fields being edited.
#[derive(Default)]
pub struct Preferences {
    /// Whether the page is open.
    pub open: bool,
    download_dir: String,
    ca_file: String,
}

fn path_text(path: Option<&std::path::Path>) -> String {
    path.map(|p| p.display().to_string()).unwrap_or_default()
}

fn optional_path(text: &str) -> Option<std::path::PathBuf> {
    let text = text.trim();
    (!text.is_empty()).then(|| std::path::PathBuf::from(text))
}

impl Preferences {
    /// Opens the page with the current values in its fields.
    pub fn show(&mut self, settings: &Settings) {
        self.open = true;
        self.download_dir = path_text(settings.download_dir.as_deref());
        self.ca_file = path_text(settings.ca_file.as_deref());
    }

    /// The download folder chosen with the dialog.
    pub fn set_download_dir(&mut self, settings: &mut Settings, dir: std::path::PathBuf) {
        self.download_dir = dir.display().to_string();
        settings.download_dir = Some(dir);
    }

    /// Draws the page; edits `settings` in place.
    ///
    /// `theme_override` is this run's `--theme`: shown as the choice, and ended by a
    /// choice made here (which is saved). Esc closes the page.
    pub fn ui(
        &mut self,
        ctx: &egui::Context,
        settings: &mut Settings,
        theme_override: &mut Option<Theme>,
    ) -> Option<PreferencesAsk> {
        if !self.open {
            return None;
        }
        let mut ask = None;
        let mut open = self.open;
        let mut close = false;
        // At a large text size the page scrolls rather than leave the screen.
        let tallest = ctx.content_rect().height() * 0.85;
        egui::Window::new("Settings")
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .default_width(460.0)
            .max_height(tallest)
            .show(ctx, |ui| {
                egui::ScrollArea::vertical().max_height(tallest - 40.0).show(ui, |ui| {
                    ui.heading("Appearance");
                    ui.horizontal(|ui| {
                        ui.label("Theme");
                        let mut shown = theme_override.unwrap_or(settings.theme);
                        for (theme, label) in Theme::ALL {
                            ui.radio_value(&mut shown, theme, label);
                        }
                        if shown != theme_override.unwrap_or(settings.theme) {
                            settings.theme = shown;
                            *theme_override = None;
                        }
                    });
                    ui.horizontal(|ui| {
                        let label = ui.label("Text size");
                        let slider = egui::Slider::new(&mut settings.text_size_percent, TEXT_SIZE_PERCENT)
                            .suffix(" %")
                            .step_by(10.0);
                        ui.add(slider).labelled_by(label.id);
                    });
                    ui.separator();
                    ui.heading("Downloads");
                    ui.horizontal(|ui| {
                        let label = ui.label("Download folder");
                        let edit = ui.add(egui::TextEdit::singleline(&mut self.download_dir).desired_width(280.0));
                        if edit.labelled_by(label.id).changed() {
                            settings.download_dir = optional_path(&self.download_dir);
                        }
                        if ui.button("Choose…").clicked() {
                            ask = Some(PreferencesAsk::ChooseDownloadFolder);
                        }
                    });
                    ui.separator();
                    ui.heading("Connections");
                    ui.horizontal(|ui| {
                        let label = ui.label("Managed identity endpoint");
                        let edit = egui::TextEdit::singleline(&mut settings.imds_endpoint)
                            .hint_text("http://169.254.169.254 (the usual)")
                            .desired_width(260.0);
                        ui.add(edit).labelled_by(label.id);
                    });
                    ui.horizontal(|ui| {
                        let label = ui.label("Extra CA certificates (PEM file)");
                        let edit = ui.add(egui::TextEdit::singleline(&mut self.ca_file).desired_width(240.0));
                        if edit.labelled_by(label.id).changed() {
                            settings.ca_file = optional_path(&self.ca_file);
                        }
                    });
                    ui.weak("For a TLS-inspecting proxy: read when connecting, never sent anywhere.");
                    ui.weak("A change applies to the next connection: Disconnect and Connect to use it now.");
                    ui.separator();
                    ui.heading("Transfers");
                    ui.horizontal(|ui| {
                        let label = ui.label("Ranges in flight per file");
                        ui.add(egui::Slider::new(&mut settings.parallel_ranges, 1..=32)).labelled_by(label.id);
                    });
                    ui.weak("4 MiB each; more can help on long links, fewer on a busy share.");
                    ui.separator();
                    ui.horizontal(|ui| {
                        if ui.button("Close").clicked() {
                            close = true;
                        }
                        if ui.button("Restore defaults").clicked() {
                            let keep =
                                (settings.connections.clone(), settings.recent.clone(), settings.download_dir.clone());
                            *settings = Settings {
                                connections: keep.0,
                                recent: keep.1,
                                download_dir: keep.2,
                                ..Settings::default()
                            };
                            self.ca_file.clear();
                        }
                    });
                });
            });
        self.open = open && !close;
        ask
    }
}

/// Applies the appearance settings to the context (cheap when nothing changed).
/// What was last applied, so a value is set only when the settings change (egui's own
/// Ctrl+/Ctrl- zoom is not undone on the next frame).
pub(crate) type Applied = Option<(Theme, u16)>;

/// Applies the appearance settings to the context when they changed since `applied`;
/// `theme` overrides the saved theme for this run (`--theme`) without being saved.
pub(crate) fn apply(ctx: &egui::Context, settings: &Settings, theme: Option<Theme>, applied: &mut Applied) {
    let now = (theme.unwrap_or(settings.theme), settings.text_size_percent);
    if *applied == Some(now) {
        return;
    }
    *applied = Some(now);
    ctx.set_theme(now.0.preference());
    ctx.set_zoom_factor(f32::from(now.1.clamp(*TEXT_SIZE_PERCENT.start(), *TEXT_SIZE_PERCENT.end())) / 100.0);
}
