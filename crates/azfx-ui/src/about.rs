//! Support → About: what a support ticket quotes: azfx's version and commit, the system,
//! the renderer the window runs on (wgpu with its backend and adapter, or OpenGL after
//! wgpu could not start: `native::run`), and the folders azfx keeps its files in.

use super::StartOptions;

/// The About window; `open` is toggled from the Support menu.
#[derive(Default)]
pub(crate) struct About {
    /// Shown.
    pub open: bool,
    /// Label and value rows.
    rows: Vec<(&'static str, String)>,
}

impl About {
    /// The rows, read once when the window opens.
    pub(crate) fn new(cc: &eframe::CreationContext<'_>, options: &StartOptions) -> Self {
        let folder = |path: &Option<std::path::PathBuf>| {
            path.as_ref().map_or_else(|| "-".to_owned(), |p| p.display().to_string())
        };
        let rows = vec![
            ("Version", azfx_core::logging::VERSION.to_owned()),
            ("System", format!("{} {}", std::env::consts::OS, std::env::consts::ARCH)),
            ("Renderer", renderer(cc)),
            ("Settings", folder(&options.settings_file)),
            ("Transfer journal", folder(&options.state_dir)),
            ("Logs and crash reports", folder(&options.log_dir)),
        ];
        Self { open: false, rows }
    }

    /// The window, when open.
    pub(crate) fn ui(&mut self, ctx: &egui::Context) {
        let mut open = self.open;
        egui::Window::new("About azfx").open(&mut open).resizable(false).collapsible(false).show(ctx, |ui| {
            ui.label("azfx: an explorer for Azure file shares, with managed identities.");
            egui::Grid::new("about-rows").num_columns(2).striped(true).show(ui, |ui| {
                for (label, value) in &self.rows {
                    ui.strong(*label);
                    ui.label(value);
                    ui.end_row();
                }
            });
            if ui.button("Copy").on_hover_text("Copy these lines for a support ticket").clicked() {
                let text: Vec<String> = self.rows.iter().map(|(label, value)| format!("{label}: {value}")).collect();
                ui.ctx().copy_text(text.join("\n"));
            }
        });
        self.open = open;
    }
}

/// The renderer the window got: `wgpu (Dx12, Microsoft Basic Render Driver)` or
/// `OpenGL (glow)`; `none` in tests, which render nothing.
fn renderer(cc: &eframe::CreationContext<'_>) -> String {
    #[cfg(windows)]
    if let Some(state) = &cc.wgpu_render_state {
        let info = state.adapter.get_info();
        return format!("wgpu ({:?}, {})", info.backend, info.name);
    }
    if cc.gl.is_some() { "OpenGL (glow)".to_owned() } else { "none".to_owned() }
}
