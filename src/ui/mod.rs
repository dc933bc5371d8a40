//! The explorer window (eframe/egui, immediate mode). View state only: every request goes
//! to the worker, answers come back as promises and events drained in `App::logic`, and
//! nothing here touches the network or the disk. `azfx --demo` starts the emulator on a
//! background thread and connects to it with the emulated VM identity.

#![expect(missing_debug_implementations, reason = "view state holds promises and closures, which have no Debug")]

mod access;
mod browser;
mod connect;
mod inspect;
pub mod settings;
mod status;
mod table;
pub mod text;
mod transfers;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use poll_promise::Promise;

pub use browser::{Browser, Notice, SortColumn};
use connect::ConnectView;
use settings::Settings;
use status::StatusBar;
use table::Request;
use transfers::{Toasts, Transfers};

use crate::emulator::{Emulator, EmulatorConfig, demo};
use crate::worker::{Answer, Connected, ConnectionConfig, CredentialConfig, Event, Worker};

/// How the window starts.
#[derive(Clone, Default)]
pub struct StartOptions {
    /// Start the demo emulator and connect to it, with this token lifetime.
    pub demo_token_lifetime: Option<Duration>,
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
}

/// A connected account.
pub struct Session {
    /// What the connection is.
    pub connected: Connected,
    /// Shares the identity may list (empty when it may not).
    pub shares: Vec<String>,
    shares_request: Option<Promise<Answer<Vec<crate::files::ShareItem>>>>,
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
    /// Toasts on screen.
    pub toasts: Toasts,
    /// The access check window.
    pub access: access::AccessPanel,
    /// The request log window.
    pub log_panel: inspect::RequestLogPanel,
    /// Whether the identity inspector is open.
    pub identity_open: bool,
    save_dialog: Option<(Promise<Option<PathBuf>>, Vec<u8>, String)>,
    writes: Vec<(String, Promise<Answer<()>>)>,
    demo_start: Option<Promise<Result<Emulator, String>>>,
    emulator: Option<Emulator>,
    pending_share: Option<String>,
    file_dialog: Option<Promise<Vec<PathBuf>>>,
    clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    local_offset: Option<time::UtcOffset>,
}

impl AzfxApp {
    /// Creates the app; `repaint` is handed to the worker.
    pub fn new(cc: &eframe::CreationContext<'_>, options: StartOptions) -> Self {
        let ctx = cc.egui_ctx.clone();
        let worker = match Worker::spawn(move || ctx.request_repaint()) {
            Ok(worker) => worker,
            Err(e) => panic!("cannot start the background worker thread: {e}"),
        };
        let mut settings: Settings = cc.storage.and_then(|s| eframe::get_value(s, Settings::KEY)).unwrap_or_default();
        if let Some(dir) = options.download_dir.clone() {
            settings.download_dir = Some(dir);
        }
        let mut connect = ConnectView::default();
        if let Some(saved) = settings.connections.first() {
            connect.load(&saved.clone());
        }
        let demo_start = options.demo_token_lifetime.map(|lifetime| {
            Promise::spawn_thread("azfx-demo-emulator", move || {
                let config =
                    EmulatorConfig { https: true, demo: true, token_lifetime: lifetime, ..EmulatorConfig::default() };
                Emulator::start(&config).map_err(|e| e.to_string())
            })
        });
        let mut app = Self {
            worker,
            settings,
            connect,
            session: None,
            status: StatusBar::default(),
            transfers: Transfers::default(),
            toasts: Toasts::default(),
            access: access::AccessPanel::default(),
            log_panel: inspect::RequestLogPanel::default(),
            identity_open: false,
            save_dialog: None,
            writes: Vec::new(),
            demo_start,
            emulator: None,
            pending_share: options.share.clone(),
            file_dialog: None,
            clock: options.clock.clone().unwrap_or_else(|| Arc::new(crate::auth::now_unix)),
            local_offset: options.local_offset,
        };
        if let Some(config) = options.connection {
            app.connect.preset = Some(config);
            app.connect.connect(&app.worker);
        }
        app
    }

    /// The browser, when a share is open.
    pub fn browser(&self) -> Option<&Browser> {
        self.session.as_ref().and_then(|s| s.browser.as_ref())
    }

    fn demo_ready(&mut self, emulator: Emulator) {
        let mut config = ConnectionConfig::new(
            &emulator.file_endpoint(demo::ACCOUNT),
            CredentialConfig::ManagedIdentity(crate::auth::IdentitySelector::SystemAssigned),
        );
        config.imds_endpoint = Some(emulator.identity_endpoint());
        config.ca_pem = emulator.ca_pem().map(|pem| pem.as_bytes().to_vec());
        self.connect.endpoint = emulator.file_endpoint(demo::ACCOUNT);
        self.connect.imds_endpoint = emulator.identity_endpoint();
        self.connect.ca_pem.clone_from(&config.ca_pem);
        demo::WRITABLE_SHARE.clone_into(&mut self.connect.share);
        self.connect.preset = Some(config);
        self.pending_share.get_or_insert_with(|| demo::WRITABLE_SHARE.to_owned());
        self.emulator = Some(emulator);
        self.connect.connect(&self.worker);
    }

    fn connected(&mut self, connected: Connected) {
        self.status.on_connected(&connected);
        if self.connect.preset.is_none() {
            self.settings.remember(self.connect.saved());
        }
        let share =
            self.pending_share.take().or_else(|| Some(self.connect.share.trim().to_owned()).filter(|s| !s.is_empty()));
        let mut session =
            Session { connected, shares: Vec::new(), shares_request: Some(self.worker.list_shares()), browser: None };
        if let Some(share) = share {
            let mut browser = Browser::new(&session.connected.endpoint, &share);
            browser.claims = session.connected.token.as_ref().and_then(|t| t.claims.clone());
            browser.open(&self.worker, "", false);
            session.browser = Some(browser);
        }
        self.session = Some(session);
    }

    fn open_share(&mut self, share: &str) {
        if let Some(session) = &mut self.session {
            let mut browser = Browser::new(&session.connected.endpoint, share);
            browser.claims = self.status.token.as_ref().and_then(|t| t.claims.clone());
            browser.open(&self.worker, "", false);
            session.browser = Some(browser);
        }
    }

    fn handle_events(&mut self) {
        for event in self.worker.poll_events() {
            match event {
                Event::TokenAcquired(token) => {
                    if let Some(browser) = self.session.as_mut().and_then(|s| s.browser.as_mut()) {
                        browser.claims.clone_from(&token.claims);
                    }
                    self.status.token = Some(*token);
                    self.status.token_error = None;
                }
                Event::TokenFailed(error) => self.status.token_error = Some(error.kind.to_string()),
                Event::RequestLogged(entry) => {
                    self.log_panel.push((*entry).clone());
                    self.status.on_request(*entry);
                }
                Event::ListingPage { task, entries, listed } => {
                    if let Some(browser) = self.session.as_mut().and_then(|s| s.browser.as_mut()) {
                        browser.on_page(task, entries, listed);
                    }
                }
                Event::Progress { task, done, total } => {
                    let browser = self.session.as_mut().and_then(|s| s.browser.as_mut());
                    if !browser.is_some_and(|b| b.on_delete_progress(task, done, total)) {
                        self.transfers.on_progress(task, done, total);
                    }
                }
                Event::CheckStep { task, step } => self.access.on_step(task, *step),
            }
        }
    }

    fn poll(&mut self) {
        if let Some(start) = self.demo_start.take() {
            match start.try_take() {
                Ok(Ok(emulator)) => self.demo_ready(emulator),
                Ok(Err(error)) => self.connect.error = Some(format!("The demo emulator could not start: {error}")),
                Err(pending) => self.demo_start = Some(pending),
            }
        }
        if let Some(connected) = self.connect.poll() {
            self.connected(connected);
        }
        self.status.poll();
        self.access.poll();
        self.poll_saves();
        let mut refresh = false;
        if let Some(session) = &mut self.session {
            if let Some(request) = session.shares_request.take() {
                match request.try_take() {
                    Ok(Ok(shares)) => session.shares = shares.into_iter().map(|s| s.name).collect(),
                    Ok(Err(_)) => {} // the identity may lack the role to list shares: type one instead
                    Err(pending) => session.shares_request = Some(pending),
                }
            }
            if let Some(browser) = &mut session.browser {
                let (notices, changed) = browser.poll();
                self.toasts.extend(notices);
                refresh |= changed;
            }
        }
        let (notices, changed) = self.transfers.poll();
        self.toasts.extend(notices);
        refresh |= changed;
        if refresh
            && let Some(browser) = self.session.as_mut().and_then(|s| s.browser.as_mut())
            && !browser.busy()
        {
            browser.refresh(&self.worker);
        }
        if let Some(dialog) = self.file_dialog.take() {
            match dialog.try_take() {
                Ok(paths) => {
                    for path in paths {
                        self.upload(path);
                    }
                }
                Err(pending) => self.file_dialog = Some(pending),
            }
        }
    }

    /// Opens a folder of the current share, as a double-click or the path bar does.
    pub fn open_folder(&mut self, path: &str) {
        if let Some(browser) = self.session.as_mut().and_then(|s| s.browser.as_mut()) {
            browser.open(&self.worker, path, true);
        }
    }

    /// Downloads every entry of the open folder (as Ctrl+A, then Download).
    pub fn download_all(&mut self) {
        let entries = self
            .browser()
            .map(|b| b.entries.iter().map(|e| (e.name.clone(), e.is_directory)).collect())
            .unwrap_or_default();
        self.download(entries);
    }

    /// The diagnostic bundle as JSON: versions, OS, proxy settings, the connection, token
    /// claims and fingerprint (never the token), the last access check, the request log.
    pub fn diagnostic_bundle(&self) -> String {
        let requests: Vec<crate::http::LogEntry> = self.log_panel.entries.iter().cloned().collect();
        let last_check = self.access.report.as_ref();
        let bundle = crate::diagnose::report::Bundle {
            azfx_version: env!("CARGO_PKG_VERSION"),
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            proxy_environment: crate::diagnose::report::Bundle::proxy_from_env(),
            endpoint: self.session.as_ref().map(|s| s.connected.endpoint.clone()),
            credential: self.status.credential.clone(),
            claims: self.status.token.as_ref().and_then(|t| t.claims.clone()),
            token_fingerprint: self.status.token.as_ref().map(|t| t.fingerprint.clone()),
            token_expires_on: self.status.token.as_ref().map(|t| t.expires_on),
            access_check: last_check,
            requests: &requests,
        };
        bundle.to_json()
    }

    fn save_as(&mut self, name: &str, contents: Vec<u8>) {
        if self.save_dialog.is_some() {
            return;
        }
        let file_name = name.to_owned();
        let dialog = Promise::spawn_thread("azfx-save-dialog", move || {
            rfd::FileDialog::new().set_file_name(file_name).save_file()
        });
        self.save_dialog = Some((dialog, contents, name.to_owned()));
    }

    fn poll_saves(&mut self) {
        if let Some((dialog, contents, name)) = self.save_dialog.take() {
            match dialog.try_take() {
                Ok(Some(path)) => {
                    self.writes.push((format!("Saved {}", path.display()), self.worker.write_file(path, contents)));
                }
                Ok(None) => {}
                Err(pending) => self.save_dialog = Some((pending, contents, name)),
            }
        }
        let mut still = Vec::new();
        for (what, promise) in self.writes.drain(..) {
            match promise.try_take() {
                Ok(Ok(())) => self.toasts.extend(vec![Notice::Info(what)]),
                Ok(Err(error)) => {
                    self.toasts.extend(vec![Notice::Error("Could not save".to_owned(), browser::error_line(&error))]);
                }
                Err(pending) => still.push((what, pending)),
            }
        }
        self.writes = still;
    }

    /// Runs the access check on the open share with the connection's credential.
    pub fn check_access(&mut self) {
        let share = self.browser().map(|b| b.share.clone());
        match (self.connect.last_config.clone(), share) {
            (Some(config), Some(share)) => self.access.start(&self.worker, config, &share, false),
            _ => self.toasts.extend(vec![Notice::Error(
                "Nothing to check".to_owned(),
                "Connect and open a share first".to_owned(),
            )]),
        }
    }

    /// Uploads a local file or folder into the open folder.
    pub fn upload(&mut self, path: PathBuf) {
        let Some(browser) = self.session.as_ref().and_then(|s| s.browser.as_ref()) else {
            self.toasts.extend(vec![Notice::Error("Nothing to upload to".to_owned(), "Open a share first".to_owned())]);
            return;
        };
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        let (task, promise) = self.worker.upload_path(path, &browser.share, &browser.path);
        self.transfers.track_tree(task, format!("Upload {name}"), promise);
    }

    fn download(&mut self, entries: Vec<(String, bool)>) {
        let Some(browser) = self.session.as_ref().and_then(|s| s.browser.as_ref()) else { return };
        let Some(dir) = self.settings.download_dir.clone() else {
            self.toasts
                .extend(vec![Notice::Error("No download folder".to_owned(), "Set a download folder first".to_owned())]);
            return;
        };
        for (name, is_directory) in entries {
            let path = browser.child_path(&name);
            if is_directory {
                let (task, promise) = self.worker.download_folder(&browser.share, &path, dir.join(&name));
                self.transfers.track_tree(task, format!("Download {name}"), promise);
            } else {
                let (task, promise) =
                    self.worker.download(&browser.share, &path, dir.join(&name), crate::files::Overwrite::Fail);
                self.transfers.track_file(task, format!("Download {name}"), promise);
            }
        }
    }

    fn pick(&mut self, folder: bool) {
        if self.file_dialog.is_some() {
            return;
        }
        self.file_dialog = Some(Promise::spawn_thread("azfx-file-dialog", move || {
            let dialog = rfd::FileDialog::new();
            if folder { dialog.pick_folder().into_iter().collect() } else { dialog.pick_files().unwrap_or_default() }
        }));
    }

    fn drop_ui(&mut self, ctx: &egui::Context) {
        let (hovering, dropped) = ctx.input(|i| (!i.raw.hovered_files.is_empty(), i.raw.dropped_files.clone()));
        let target = self.browser().map(|b| format!("/{}", b.location()));
        if hovering {
            let text = target
                .as_ref()
                .map_or_else(|| "Open a share to upload".to_owned(), |t| format!("Drop to upload to {t}"));
            let screen = ctx.content_rect();
            let painter =
                ctx.layer_painter(egui::LayerId::new(egui::Order::Foreground, egui::Id::unique("drop-overlay")));
            painter.rect_filled(screen, 0.0, egui::Color32::from_black_alpha(160));
            painter.text(
                screen.center(),
                egui::Align2::CENTER_CENTER,
                text,
                egui::FontId::proportional(24.0),
                egui::Color32::WHITE,
            );
        }
        for file in dropped {
            let path = file.path().to_path_buf();
            if path.as_os_str().is_empty() {
                self.toasts.extend(vec![Notice::Error(
                    "Cannot upload that drop".to_owned(),
                    "It came without a path: drag it from the file manager".to_owned(),
                )]);
            } else {
                self.upload(path);
            }
        }
    }
}

impl eframe::App for AzfxApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.handle_events();
        self.poll();
        if self.status.token.is_some() {
            // The countdown changes once a second.
            ctx.request_repaint_after(Duration::from_secs(1));
        }
        let waiting = self.demo_start.is_some() || self.connect.busy() || self.transfers.running() > 0;
        if waiting {
            ctx.request_repaint_after(Duration::from_millis(250));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        let now = (self.clock)();
        let asked = egui::Panel::bottom("status-bar").show(ui, |ui| self.status.ui(ui, &self.worker, now)).inner;
        match asked {
            Some(status::StatusAsk::Identity) => self.identity_open = !self.identity_open,
            Some(status::StatusAsk::RequestLog) => self.log_panel.open = !self.log_panel.open,
            Some(status::StatusAsk::Bundle) => {
                let bundle = self.diagnostic_bundle();
                self.save_as("azfx-diagnostics.json", bundle.into_bytes());
            }
            None => {}
        }
        if self.session.is_some() {
            egui::Panel::bottom("transfers-panel").resizable(true).show(ui, |ui| self.transfers.ui(ui, &self.worker));
        }
        let mut requests = Vec::new();
        egui::CentralPanel::default().show(ui, |ui| {
            if self.demo_start.is_some() {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Starting the demo emulator…");
                });
            }
            match &mut self.session {
                None => self.connect.ui(ui, &self.worker, &self.settings),
                Some(session) => {
                    if let Some(browser) = &mut session.browser {
                        let (notices, asked) =
                            table::browser_ui(ui, browser, &self.worker, &session.shares, &self.settings.recent);
                        self.toasts.extend(notices);
                        requests = asked;
                    } else {
                        ui.heading("Pick a share");
                        if session.shares.is_empty() {
                            ui.label("This identity may not list shares: type the share name on the connect page");
                        }
                        for share in session.shares.clone() {
                            if ui.button(&share).clicked() {
                                requests.push(Request::OpenShare(share));
                            }
                        }
                    }
                }
            }
        });
        for request in requests {
            match request {
                Request::UploadFiles => self.pick(false),
                Request::UploadFolder => self.pick(true),
                Request::Download(entries) => self.download(entries),
                Request::OpenShare(share) => self.open_share(&share),
                Request::CheckAccess => self.check_access(),
            }
        }
        self.drop_ui(&ctx);
        self.access.ui(&ctx);
        let mut asks = Vec::new();
        self.log_panel.ui(&ctx, &mut asks);
        let skew = self.log_panel.clock_skew_secs();
        let clock = inspect::Clock { now, offset: self.local_offset };
        inspect::identity_ui(&ctx, &mut self.identity_open, self.status.token.as_ref(), skew, clock, &mut asks);
        for ask in asks {
            match ask {
                inspect::Ask::RefreshToken => self.status.refresh_now(&self.worker),
                inspect::Ask::ExportLog(lines) => self.save_as("azfx-requests.jsonl", lines.into_bytes()),
            }
        }
        self.toasts.ui(&ctx);
        if let Some(browser) = self.browser() {
            let location = browser.location();
            if self.settings.recent.first() != Some(&location) {
                self.settings.visit(location);
            }
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, Settings::KEY, &self.settings);
    }
}

/// Opens the window; returns when it closes.
pub fn run(options: StartOptions) -> Result<(), eframe::Error> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("azfx")
            .with_app_id("azfx")
            .with_inner_size([1180.0, 760.0])
            .with_min_inner_size([640.0, 400.0])
            .with_drag_and_drop(true),
        ..eframe::NativeOptions::default()
    };
    eframe::run_native("azfx", native, Box::new(move |cc| Ok(Box::new(AzfxApp::new(cc, options)))))
}
