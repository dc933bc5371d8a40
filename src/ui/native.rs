//! Opening the native window: size, title, drag and drop, and the renderer (wgpu on
//! Windows, where an RDP session without a GPU has only OpenGL 1.1; OpenGL elsewhere).

use super::{AzfxApp, StartOptions};

/// Opens the window; returns when it closes.
pub fn run(options: StartOptions) -> Result<(), eframe::Error> {
    // See Cargo.toml: wgpu on Windows (WARP when there is no GPU, as over RDP), OpenGL
    // elsewhere.
    #[cfg(windows)]
    let renderer = eframe::Renderer::Wgpu;
    #[cfg(not(windows))]
    let renderer = eframe::Renderer::Glow;
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("azfx")
            .with_app_id("azfx")
            .with_inner_size(options.window_size.map_or([1180.0, 760.0], |(w, h)| [w, h]))
            .with_min_inner_size([640.0, 400.0])
            .with_drag_and_drop(true),
        renderer,
        persistence_path: options.settings_file.clone(),
        // A size given on the command line wins over the one saved last time.
        persist_window: options.window_size.is_none(),
        ..eframe::NativeOptions::default()
    };
    eframe::run_native("azfx", native, Box::new(move |cc| Ok(Box::new(AzfxApp::new(cc, options)))))
}
