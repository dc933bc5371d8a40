//! The explorer window (eframe/egui, immediate mode). View state only: every request goes
//! to the worker, answers come back as promises and events drained in `App::logic`, and
//! nothing here touches the network or the disk or starts a server: `azfx --demo` starts
//! the emulator in the binary and hands the window a connection to it. Failures arrive
//! with the worker's diagnosis and are drawn by one widget (`diagnosis`).

#![expect(missing_debug_implementations, reason = "view state holds promises and closures, which have no Debug")]

mod about;
mod access;
mod accounts;
mod actions;
mod address;
mod browser;
mod conflicts;
mod connect;
mod copied;
pub mod diagnosis;
mod dialogs;
mod discovery;
mod events;
mod icons;
mod identity;
mod inspect;
mod keys;
mod local;
mod menus;
mod native;
mod nav;
mod options;
mod pickers;
mod preferences;
mod preset;
mod request;
mod requested;
mod sas_fallback;
pub mod settings;
mod smb;
mod status;
mod table;
mod toasts;
mod transfers;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use browser::{Browser, ListingError, Notice, SortColumn};
use connect::ConnectView;
pub use native::run;
pub use options::StartOptions;
pub use pickers::{FileDialogs, PickKind, Picked};
use request::Request;
use requested::{Requested, Requests};
use settings::Settings;
use status::StatusBar;
use toasts::Toasts;
pub use transfers::{TransferItem, TransferState, Transfers};

use azfx_core::files::ShareItem;
use azfx_core::worker::{Connected, ConnectionConfig, Failure, Worker};

/// A connected account.
pub struct Session {
    /// What the connection is.
    pub connected: Connected,
    /// Shares the identity may list (empty when it may not).
    pub shares: Vec<String>,
    /// Why the shares could not be listed (a missing role, DNS, throttling…).
    pub shares_failure: Option<Failure>,
    shares_request: Requested<Vec<ShareItem>>,
    /// The share name typed on the share picker.
    pub share_typed: String,
    /// The browser, once a share is open.
    pub browser: Option<Browser>,
}

/// The application.
pub struct AzfxApp {
    worker: Worker,
    /// Persisted settings.
    pub settings: Settings,
    connect: ConnectView,
    /// The connected account.
    pub session: Option<Session>,
    /// Status bar state.
    pub status: StatusBar,
    /// Transfers.
    pub transfers: Transfers,
    /// Uploads that found files already on the share, waiting for the user's choice.
    pub conflicts: std::collections::VecDeque<conflicts::ConflictBatch>,
    /// Sizes and dates of both files of the question on screen.
    conflict_facts: Option<conflicts::Facts>,
    /// Toasts on screen.
    pub toasts: Toasts,
    /// The access check window.
    pub access: access::AccessPanel,
    /// The SMB readiness window.
    pub smb: smb::SmbPanel,
    /// The local-files pane.
    pub local: local::LocalPane,
    /// The request log window.
    pub log_panel: inspect::RequestLogPanel,
    /// Whether the identity inspector is open.
    pub identity_open: bool,
    /// The settings page.
    pub preferences: preferences::Preferences,
    /// The navigation pane's tree.
    nav: nav::NavPane,
    pickers: pickers::Pickers,
    writes: Requests,
    pending_connection: Requested<ConnectionConfig, String>,
    pending_share: Option<String>,
    clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    local_offset: Option<time::UtcOffset>,
    log_dir: Option<PathBuf>,
    /// A crash report of an earlier run, shown until dismissed.
    pub crash_report: Option<PathBuf>,
    opens: Requests,
    open_dir: Option<PathBuf>,
    trainer: Option<azfx_core::training::Trainer>,
    /// `--theme`: this run's theme, not saved.
    theme_override: Option<settings::Theme>,
    applied: preferences::Applied,
    about: about::About,
}

impl AzfxApp {
    /// Creates the app; `repaint` is handed to the worker.
    pub fn new(cc: &eframe::CreationContext<'_>, options: StartOptions) -> Self {
        icons::install(&cc.egui_ctx);
        let about = about::About::new(cc, &options);
        let ctx = cc.egui_ctx.clone();
        let started = match options.state_dir.clone() {
            Some(dir) => Worker::spawn_in(dir, move || ctx.request_repaint()),
            None => Worker::spawn(move || ctx.request_repaint()),
        };
        let mut worker = match started {
            Ok(worker) => worker,
            Err(e) => panic!("cannot start the background worker thread: {e}"),
        };
        if let Some(opener) = options.opener.clone() {
            worker.set_opener(opener);
        }
        let mut settings: Settings = cc.storage.and_then(|s| eframe::get_value(s, Settings::KEY)).unwrap_or_default();
        // The OS download folder, unless the user chose one on the settings page.
        if settings.download_dir.is_none() {
            settings.download_dir.clone_from(&options.download_dir);
        }
        let mut connect = ConnectView::default();
        if let Some(saved) = settings.connections.first() {
            connect.load(&saved.clone());
        }
        let mut app = Self {
            worker,
            settings,
            connect,
            session: None,
            status: StatusBar::default(),
            transfers: Transfers::default(),
            conflicts: std::collections::VecDeque::new(),
            conflict_facts: None,
            toasts: Toasts::default(),
            access: access::AccessPanel::default(),
            smb: smb::SmbPanel::default(),
            local: local::LocalPane::default(),
            log_panel: inspect::RequestLogPanel::default(),
            identity_open: false,
            preferences: preferences::Preferences::default(),
            nav: nav::NavPane::default(),
            pickers: pickers::Pickers::new(options.file_dialogs.clone().unwrap_or_else(pickers::native)),
            writes: Requests::default(),
            pending_connection: options.pending_connection.map(Requested::asked).unwrap_or_default(),
            pending_share: options.share.clone(),
            clock: options.clock.clone().unwrap_or_else(|| Arc::new(azfx_core::auth::now_unix)),
            local_offset: options.local_offset,
            log_dir: options.log_dir,
            crash_report: options.crash_report,
            opens: Requests::default(),
            open_dir: options.open_dir.clone(),
            trainer: options.trainer.clone(),
            theme_override: options.theme,
            applied: None,
            about,
        };
        if let Some(config) = options.connection {
            app.connect.adopt(config);
            app.connect.connect(&app.worker);
        }
        app
    }

    /// Ranges in flight per file the worker gives new transfers (the settings page's).
    pub fn parallel_ranges(&self) -> usize {
        self.worker.parallel_ranges()
    }

    /// The browser, when a share is open.
    pub fn browser(&self) -> Option<&Browser> {
        self.session.as_ref().and_then(|s| s.browser.as_ref())
    }

    /// The binary prepared a connection (the demo): fill the form from it and connect.
    fn connection_ready(&mut self, config: ConnectionConfig) {
        if let Some(share) = &self.pending_share {
            share.clone_into(&mut self.connect.share);
        }
        self.connect.adopt(config);
        self.connect.connect(&self.worker);
    }

    fn connected(&mut self, connected: Connected) {
        self.status.on_connected(&connected);
        if self.connect.preset.is_none() {
            self.settings.remember(self.connect.saved());
        }
        let share =
            self.pending_share.take().or_else(|| Some(self.connect.share.trim().to_owned()).filter(|s| !s.is_empty()));
        self.session = Some(Session {
            connected,
            shares: Vec::new(),
            shares_failure: None,
            shares_request: Requested::asked(self.worker.list_shares()),
            share_typed: String::new(),
            browser: None,
        });
        if let Some(share) = share {
            self.open_share(&share);
        }
    }

    /// Back to the connect page, its fields as they were; running transfers go on.
    pub fn disconnect(&mut self) {
        self.session = None;
        self.pending_share = None;
        // The identity, its countdown, its errors and the account's folders were the
        // connection's: nothing of them stays on the connect page.
        self.status = status::StatusBar::default();
        self.nav = nav::NavPane::default();
    }

    fn open_share(&mut self, share: &str) {
        self.open_share_at(share, "", true);
    }

    /// Opens `share` at `path`; Back leads to where the window was when `remember`.
    fn open_share_at(&mut self, share: &str, path: &str, remember: bool) {
        if let Some(session) = &mut self.session {
            let mut browser = Browser::new(&session.connected.endpoint, share);
            // History, the clipboard and pastes still running go on in the new view.
            if let Some(old) = session.browser.take() {
                browser.carry_from(old, remember);
            }
            browser.open(&self.worker, path, false);
            session.browser = Some(browser);
        }
    }
}

impl eframe::App for AzfxApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        preferences::apply(ctx, &self.settings, self.theme_override, &mut self.applied);
        self.worker.set_parallel_ranges(self.settings.parallel_ranges);
        self.handle_events();
        self.poll();
        if self.status.token.is_some() {
            // The countdown changes once a second.
            ctx.request_repaint_after(Duration::from_secs(1));
        }
        let waiting = self.pending_connection.is_pending() || self.connect.busy() || self.transfers.running() > 0;
        if waiting {
            ctx.request_repaint_after(Duration::from_millis(250));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        // Esc closes the window on top (Settings, Failed requests) before the list sees it.
        if !ctx.egui_wants_keyboard_input()
            && (self.preferences.open || self.status.errors_shown())
            && ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape))
            && !std::mem::replace(&mut self.preferences.open, false)
        {
            self.status.close_errors();
        }
        let now = (self.clock)();
        // The drills act on the connected demo account.
        let training = self.trainer.is_some() && self.session.is_some();
        let asked =
            egui::Panel::bottom("status-bar").show(ui, |ui| self.status.ui(ui, &self.worker, now, training)).inner;
        match asked {
            Some(status::StatusAsk::Identity) => self.identity_open = !self.identity_open,
            Some(status::StatusAsk::RequestLog) => self.log_panel.open = !self.log_panel.open,
            Some(status::StatusAsk::Bundle) => {
                let bundle = self.diagnostic_bundle();
                self.save_as("azfx-diagnostics.json", bundle.into_bytes());
            }
            Some(status::StatusAsk::LogFolder) => self.open_log_folder(),
            Some(status::StatusAsk::SmbReadiness) => self.check_smb(),
            Some(status::StatusAsk::Settings) => self.preferences.show(&self.settings),
            Some(status::StatusAsk::Drill(drill)) => self.drill(drill),
            Some(status::StatusAsk::About) => self.about.open = true,
            None => {}
        }
        self.about.ui(ui.ctx());
        if self.session.is_some() || !self.transfers.items.is_empty() {
            let endpoint = self.session.as_ref().map(|s| s.connected.endpoint.as_str());
            egui::Panel::bottom("transfers-panel")
                .resizable(true)
                .show(ui, |ui| self.transfers.ui(ui, &self.worker, endpoint));
        }
        self.nav_ui(ui);
        self.local_ui(ui);
        let mut requests = Vec::new();
        let central = egui::CentralPanel::default().show(ui, |ui| {
            self.crash_banner_ui(ui);
            if self.pending_connection.is_pending() {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Starting the demo emulator…");
                });
            }
            match &mut self.session {
                None => self.connect.ui(ui, &self.worker, &mut self.settings),
                Some(session) => {
                    if let Some(browser) = &mut session.browser {
                        // Recent locations of this account only.
                        let prefix = format!("{}/", session.connected.account);
                        let recent: Vec<String> = self
                            .settings
                            .recent
                            .iter()
                            .filter_map(|l| l.strip_prefix(&prefix))
                            .map(str::to_owned)
                            .collect();
                        let (notices, asked) =
                            table::browser_ui(ui, self.local_offset, browser, &self.worker, &session.shares, &recent);
                        self.toasts.extend(notices);
                        requests = asked;
                    } else if let Some(request) = connect::share_picker_ui(ui, session) {
                        requests.push(request);
                    }
                }
            }
        });
        if let Some(rows) = central.response.dnd_release_payload::<local::LocalRows>() {
            self.upload_local_rows(&rows);
        }
        for request in requests {
            match request {
                Request::LocalFiles => self.local.open = !self.local.open,
                Request::UploadFiles => self.pickers.ask(pickers::PickKind::Files, Vec::new()),
                Request::UploadFolder => self.pickers.ask(pickers::PickKind::Folder, Vec::new()),
                Request::Download(entries) => self.download(entries),
                Request::OpenShare(share) => self.open_share(&share),
                Request::CheckAccess => self.check_access(),
                Request::Disconnect => self.disconnect(),
                Request::OpenLocation(location) => self.open_location(location),
            }
        }
        self.drop_ui(&ctx);
        self.access.ui(&ctx);
        self.smb.ui(&ctx);
        let mut asks = Vec::new();
        self.log_panel.ui(&ctx, &mut asks);
        let skew = self.log_panel.clock_skew_secs();
        let clock = identity::Moment { now, offset: self.local_offset };
        identity::identity_ui(&ctx, &mut self.identity_open, self.status.token.as_ref(), skew, clock, &mut asks);
        for ask in asks {
            match ask {
                inspect::Ask::RefreshToken => self.status.refresh_now(&self.worker),
                inspect::Ask::ExportLog(lines) => self.save_as("azfx-requests.jsonl", lines.into_bytes()),
            }
        }
        self.conflicts_ui(&ctx);
        let asked = self.preferences.ui(&ctx, &mut self.settings, &mut self.theme_override);
        if asked == Some(preferences::PreferencesAsk::ChooseDownloadFolder) {
            self.pickers.ask(pickers::PickKind::DownloadFolder, Vec::new());
        }
        if let Some(chosen) = self.pickers.ui(&ctx) {
            self.act_on(chosen);
        }
        for what in copied::take(&ctx) {
            self.toasts.extend(vec![Notice::Info(format!("Copied {what}"))]);
        }
        self.toasts.ui(&ctx);
        if let Some(session) = &self.session
            && let Some(browser) = &session.browser
        {
            let location = format!("{}/{}", session.connected.account, browser.location());
            if self.settings.recent.first() != Some(&location) {
                self.settings.visit(location);
            }
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, Settings::KEY, &self.settings);
    }
}
