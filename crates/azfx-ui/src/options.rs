//! What the binary (or a test) tells the window when it opens it.

use std::path::PathBuf;
use std::sync::Arc;

use poll_promise::Promise;

use azfx_core::worker::ConnectionConfig;

/// How the window starts.
#[derive(Default)]
pub struct StartOptions {
    /// A connection being prepared by the binary (the demo emulator starting); the window
    /// shows a spinner until it arrives, then connects with it.
    pub pending_connection: Option<Promise<Result<ConnectionConfig, String>>>,
    /// Connect at once with this configuration (tests).
    pub connection: Option<ConnectionConfig>,
    /// Share to open after connecting.
    pub share: Option<String>,
    /// Where downloads go.
    pub download_dir: Option<PathBuf>,
    /// The clock (Unix seconds); tests fix it.
    pub clock: Option<Arc<dyn Fn() -> i64 + Send + Sync>>,
    /// This machine's UTC offset, for showing local times (UTC when unknown).
    pub local_offset: Option<time::UtcOffset>,
    /// The folder with the log files and crash reports.
    pub log_dir: Option<PathBuf>,
    /// A crash report of an earlier run not yet offered to the user.
    pub crash_report: Option<PathBuf>,
    /// The state directory holding the transfer journal; `None` keeps transfers in memory
    /// (tests).
    pub state_dir: Option<PathBuf>,
    /// The file the window's state and settings are kept in (eframe's storage); `None`:
    /// eframe's default place.
    pub settings_file: Option<PathBuf>,
    /// Where files opened from the list are downloaded before the OS opens them (a
    /// `opened` in the state directory); `None`: opening files is not offered.
    pub open_dir: Option<PathBuf>,
    /// Replaces the system's default application (tests record what would be opened).
    pub opener: Option<azfx_core::worker::Opener>,
    /// Training drills on the demo emulator (`--demo` only): the status bar offers a
    /// Training menu when set.
    pub trainer: Option<azfx_core::training::Trainer>,
    /// The window's inner size in points (`None`: 1180x760).
    pub window_size: Option<(f32, f32)>,
    /// The theme for this run, over the settings page's choice (not saved).
    pub theme: Option<super::settings::Theme>,
    /// The file dialogs; `None` uses the platform's (tests pass their own).
    pub file_dialogs: Option<super::pickers::FileDialogs>,
}
