//! The window under test: an `AzfxApp` in an `egui_kittest` harness on a demo emulator,
//! and what a person does and sees (click, drag, wait until shown).

use azfx_core::worker::{ConnectionConfig, CredentialConfig};
use azfx_emulator::{Emulator, EmulatorConfig, demo};
use azfx_ui::{AzfxApp, StartOptions};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A file dropped from the OS.
#[derive(Debug)]
pub(crate) struct Dropped(pub(crate) PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

pub(crate) fn demo_emulator(lifetime: Duration) -> Emulator {
    Emulator::start(&EmulatorConfig { demo: true, token_lifetime: lifetime, ..EmulatorConfig::default() }).unwrap()
}

pub(crate) fn app<'a>(
    emulator: &Emulator,
    share: &str,
    downloads: &Path,
    clock: Option<Arc<dyn Fn() -> i64 + Send + Sync>>,
) -> Harness<'a, AzfxApp> {
    app_tweaked(emulator, share, downloads, |options| options.clock = clock)
}

/// `app`, its transfer journal in `state` (as a restarted azfx finds it).
pub(crate) fn app_in<'a>(emulator: &Emulator, share: &str, downloads: &Path, state: &Path) -> Harness<'a, AzfxApp> {
    app_tweaked(emulator, share, downloads, |options| options.state_dir = Some(state.to_owned()))
}

/// `app`, its start options changed by `tweak` first.
pub(crate) fn app_tweaked<'a>(
    emulator: &Emulator,
    share: &str,
    downloads: &Path,
    tweak: impl FnOnce(&mut StartOptions),
) -> Harness<'a, AzfxApp> {
    build(emulator, share, downloads, egui::vec2(1280.0, 800.0), tweak)
}

/// `app` in a window of `size` points.
pub(crate) fn app_sized<'a>(
    emulator: &Emulator,
    share: &str,
    downloads: &Path,
    size: egui::Vec2,
) -> Harness<'a, AzfxApp> {
    build(emulator, share, downloads, size, |_| {})
}

/// `app`, its file dialogs replaced by `dialogs`.
pub(crate) fn app_dialogs<'a>(
    emulator: &Emulator,
    share: &str,
    downloads: &Path,
    dialogs: azfx_ui::FileDialogs,
) -> Harness<'a, AzfxApp> {
    app_tweaked(emulator, share, downloads, |options| options.file_dialogs = Some(dialogs))
}

/// `app` with `credential` instead of the system-assigned identity.
pub(crate) fn app_with<'a>(
    emulator: &Emulator,
    share: &str,
    downloads: &Path,
    clock: Option<Arc<dyn Fn() -> i64 + Send + Sync>>,
    credential: CredentialConfig,
) -> Harness<'a, AzfxApp> {
    app_tweaked(emulator, share, downloads, |options| {
        options.clock = clock;
        if let Some(connection) = &mut options.connection {
            connection.credential = credential;
        }
    })
}

/// The window on the demo emulator's account, opening `share`, downloads going to
/// `downloads`, in a window of `size` points; `tweak` changes the start options first.
pub(crate) fn build<'a>(
    emulator: &Emulator,
    share: &str,
    downloads: &Path,
    size: egui::Vec2,
    tweak: impl FnOnce(&mut StartOptions),
) -> Harness<'a, AzfxApp> {
    let credential = CredentialConfig::ManagedIdentity(azfx_core::auth::IdentitySelector::SystemAssigned);
    let mut config = ConnectionConfig::new(&emulator.file_endpoint(demo::ACCOUNT), credential);
    config.imds_endpoint = Some(emulator.identity_endpoint());
    let mut options = StartOptions {
        connection: Some(config),
        share: Some(share.to_owned()),
        download_dir: Some(downloads.to_owned()),
        ..StartOptions::default()
    };
    tweak(&mut options);
    Harness::builder().with_size(size).with_step_dt(1.0 / 60.0).build_eframe(move |cc| AzfxApp::new(cc, options))
}

/// Steps frames until `done` holds; fails with `what` after 15 s.
pub(crate) fn wait_for(harness: &mut Harness<'_, AzfxApp>, what: &str, done: impl Fn(&Harness<'_, AzfxApp>) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !done(harness) {
        if Instant::now() >= deadline {
            let labels: Vec<String> =
                harness.query_all_by_label_contains("").map(|n| format!("{n:?}").chars().take(160).collect()).collect();
            panic!("timed out waiting for {what}; on screen: {labels:#?}");
        }
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    harness.step();
}

pub(crate) fn shows(harness: &Harness<'_, AzfxApp>, label: &str) -> bool {
    harness.query_by_label(label).is_some()
}

pub(crate) fn shows_containing(harness: &Harness<'_, AzfxApp>, text: &str) -> bool {
    harness.query_by_label_contains(text).is_some()
}

/// Drags from `from` to `onto` in small steps, as a hand does.
pub(crate) fn drag(harness: &mut Harness<'_, AzfxApp>, from: egui::Pos2, onto: egui::Pos2) {
    harness.hover_at(from);
    harness.step();
    harness.drag_at(from);
    harness.step();
    for step in [0.1_f32, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0] {
        harness.hover_at(from + (onto - from) * step);
        harness.step();
    }
    harness.drop_at(onto);
    harness.run_steps(2);
}

pub(crate) fn double_click(harness: &mut Harness<'_, AzfxApp>, label: &str) {
    // Let more than the double-click delay pass since the last click, as a person would.
    harness.run_steps(30);
    harness.get_by_label(label).click();
    harness.step();
    harness.get_by_label(label).click();
    harness.step();
}
