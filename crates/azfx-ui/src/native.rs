//! Opening the native window: size, title, drag and drop, and the renderer (wgpu on
//! Windows, where an RDP session without a GPU has only OpenGL 1.1; OpenGL elsewhere).

use super::{AzfxApp, StartOptions};

/// Opens the window; returns when it closes. On Windows it renders with wgpu (DirectX 12,
/// WARP without a GPU) and, when wgpu cannot start (no adapter, a lost device: Wine, an
/// old driver), opens again with OpenGL (glow); the log says which one runs.
pub fn run(options: StartOptions) -> Result<(), eframe::Error> {
    // See Cargo.toml: wgpu on Windows (WARP when there is no GPU, as over RDP), OpenGL
    // elsewhere.
    #[cfg(windows)]
    let renderers = [eframe::Renderer::Wgpu, eframe::Renderer::Glow];
    #[cfg(not(windows))]
    let renderers = [eframe::Renderer::Glow];
    // The options go to the first window that starts; a renderer that fails does so
    // before the app is made, so they are still here for the next one.
    let options = std::rc::Rc::new(std::cell::RefCell::new(Some(options)));
    let mut result = Ok(());
    for renderer in renderers {
        let Some(size) = options.borrow().as_ref().map(|o| (o.window_size, o.settings_file.clone())) else { break };
        tracing::info!("opening the window with the {renderer:?} renderer");
        let native = native_options(renderer, size.0, size.1);
        let taken = std::rc::Rc::clone(&options);
        result = eframe::run_native(
            "azfx",
            native,
            Box::new(move |cc| match taken.borrow_mut().take() {
                Some(options) => Ok(Box::new(AzfxApp::new(cc, options))),
                None => Err("the window was already opened".into()),
            }),
        );
        match &result {
            Err(error) if options.borrow().is_some() => {
                tracing::warn!("the {renderer:?} renderer could not start: {error}");
            }
            _ => break,
        }
    }
    result
}

fn native_options(
    renderer: eframe::Renderer,
    window_size: Option<(f32, f32)>,
    settings_file: Option<std::path::PathBuf>,
) -> eframe::NativeOptions {
    eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("azfx")
            .with_app_id("azfx")
            .with_inner_size(window_size.map_or([1180.0, 760.0], |(w, h)| [w, h]))
            .with_min_inner_size([640.0, 400.0])
            .with_drag_and_drop(true),
        renderer,
        persistence_path: settings_file,
        // A size given on the command line wins over the one saved last time.
        persist_window: window_size.is_none(),
        ..eframe::NativeOptions::default()
    }
}
