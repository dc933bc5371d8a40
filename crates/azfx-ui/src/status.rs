//! The status bar, always visible: who the token is for and where it came from, a
//! countdown to its expiry (amber under 10 minutes, red when expired or failing to
//! refresh), the last request, and a count of errors that opens their details.

use std::collections::VecDeque;

use azfx_core::format::countdown;
use azfx_core::http::LogEntry;
use azfx_core::worker::{Connected, TokenInfo, Worker};

use super::requested::Requested;

/// Failed requests kept for the details window.
const RECENT_ERRORS: usize = 50;
/// Counted errors a recovery can still take back (a retry succeeds within seconds).
const COUNTED_KEPT: usize = 1000;

/// What the status bar shows.
#[derive(Default)]
pub struct StatusBar {
    /// Current token.
    pub token: Option<TokenInfo>,
    /// Where the credential came from (also for SAS and keys).
    pub credential: Option<String>,
    /// The last token failure.
    pub token_error: Option<String>,
    /// The last request.
    pub last_request: Option<LogEntry>,
    /// Requests that failed.
    pub errors: u64,
    recent_errors: VecDeque<LogEntry>,
    /// The sequences of the latest counted errors, so a recovery can take them back.
    counted: VecDeque<u64>,
    show_errors: bool,
    refresh: Requested<TokenInfo>,
}

impl StatusBar {
    /// A connection was made.
    pub fn on_connected(&mut self, connected: &Connected) {
        self.credential = Some(connected.credential.to_string());
        if let Some(token) = &connected.token {
            self.token = Some(token.clone());
        }
        self.token_error = None;
    }

    /// A request was logged: counted when a person should look at it (not an existence
    /// check's 404 or the access check's own refusals).
    pub fn on_request(&mut self, entry: LogEntry) {
        if entry.is_error() {
            self.errors += 1;
            if self.recent_errors.len() == RECENT_ERRORS {
                self.recent_errors.pop_front();
            }
            self.recent_errors.push_back(entry.clone());
            if self.counted.len() == COUNTED_KEPT {
                self.counted.pop_front();
            }
            self.counted.push_back(entry.sequence);
        }
        self.last_request = Some(entry);
    }

    /// Whether the Failed requests window is open.
    pub fn errors_shown(&self) -> bool {
        self.show_errors
    }

    /// Closes the Failed requests window (Esc); answers whether it was open.
    pub fn close_errors(&mut self) -> bool {
        std::mem::replace(&mut self.show_errors, false)
    }

    /// Failed attempts that a later attempt made good: no longer errors.
    pub fn on_recovered(&mut self, sequences: &[u64]) {
        let before = self.counted.len();
        self.counted.retain(|s| !sequences.contains(s));
        self.errors = self.errors.saturating_sub((before - self.counted.len()) as u64);
        self.recent_errors.retain(|e| !sequences.contains(&e.sequence));
    }

    /// Checks a manual refresh.
    pub fn poll(&mut self) {
        match self.refresh.take_arrived() {
            Some(Ok(token)) => {
                self.token = Some(token);
                self.token_error = None;
            }
            Some(Err(failure)) => self.token_error = Some(super::diagnosis::failure_line(&failure)),
            None => {}
        }
    }

    /// The countdown text, e.g. `Token expires in 09:59`.
    pub fn token_text(&self, now: i64) -> Option<String> {
        let token = self.token.as_ref()?;
        let left = token.expires_on - now;
        Some(if left <= 0 { "Token expired".to_owned() } else { format!("Token expires in {}", countdown(left)) })
    }

    /// Starts a token refresh.
    pub fn refresh_now(&mut self, worker: &Worker) {
        if !self.refresh.is_pending() {
            self.refresh.request(worker.refresh_token());
        }
    }

    /// Draws the bar; `now` is Unix seconds; `training` offers the demo's drills. Returns
    /// the panel the user asked for.
    pub fn ui(&mut self, ui: &mut egui::Ui, worker: &Worker, now: i64, training: bool) -> Option<StatusAsk> {
        let mut ask = None;
        ui.horizontal_wrapped(|ui| {
            if training {
                ui.menu_button("Training", |ui| {
                    ui.weak("Rehearse a failure on the demo account:");
                    for drill in azfx_core::training::Drill::ALL {
                        if drill == azfx_core::training::Drill::Restore {
                            ui.separator();
                        }
                        if ui.button(drill.label()).clicked() {
                            ask = Some(StatusAsk::Drill(drill));
                            ui.close();
                        }
                    }
                });
            }
            if ui.small_button("Identity").clicked() {
                ask = Some(StatusAsk::Identity);
            }
            if ui.small_button("Request log").clicked() {
                ask = Some(StatusAsk::RequestLog);
            }
            if super::icons::button(ui, true, super::icons::SETTINGS, "Settings").clicked() {
                ask = Some(StatusAsk::Settings);
            }
            ui.menu_button("Support", |ui| {
                if ui.button("Save diagnostic bundle…").clicked() {
                    ask = Some(StatusAsk::Bundle);
                    ui.close();
                }
                if ui.button("SMB readiness…").on_hover_text("Can this machine mount the open share over SMB with this identity? Port 445, the account's identity source, the SMB role, the mount command").clicked() {
                    ask = Some(StatusAsk::SmbReadiness);
                    ui.close();
                }
                if ui.button("Open log folder").clicked() {
                    ask = Some(StatusAsk::LogFolder);
                    ui.close();
                }
                if ui.button("About azfx").clicked() {
                    ask = Some(StatusAsk::About);
                    ui.close();
                }
            });
            ui.separator();
            if let Some(token) = &self.token {
                let claims = token.claims.clone().unwrap_or_default();
                let who = claims
                    .identity_name()
                    .map(str::to_owned)
                    .or(claims.oid.clone())
                    .unwrap_or_else(|| "unknown identity".to_owned());
                ui.label(format!("{who} · {}", token.source)).on_hover_text(format!(
                    "object id {}\nclient id {}\ntenant {}\naudience {}\nfingerprint {}",
                    claims.oid.as_deref().unwrap_or("-"),
                    claims.client_id().unwrap_or("-"),
                    claims.tid.as_deref().unwrap_or("-"),
                    claims.aud.as_deref().unwrap_or("-"),
                    token.fingerprint
                ));
                ui.separator();
                let left = token.expires_on - now;
                let color = if left <= 0 || self.token_error.is_some() {
                    ui.visuals().error_fg_color
                } else if left < 600 {
                    ui.visuals().warn_fg_color
                } else {
                    ui.visuals().text_color()
                };
                if let Some(text) = self.token_text(now) {
                    // One piece: the bar wraps between its parts, never inside this one.
                    ui.add(egui::Label::new(egui::RichText::new(text).color(color)).extend());
                }
                if !self.refresh.is_pending() && ui.small_button("Refresh token").clicked() {
                    self.refresh.request(worker.refresh_token());
                }
            } else if let Some(credential) = &self.credential {
                ui.label(credential);
            } else {
                ui.weak("Not connected");
            }
            if let Some(error) = &self.token_error {
                ui.colored_label(ui.visuals().error_fg_color, format!("Token refresh failed: {error}"));
            }
            ui.separator();
            // The error count before the last request, which gives way (truncated) when
            // the window is narrow.
            if self.errors > 0 {
                let text = azfx_core::format::count(self.errors, "error", "errors");
                if ui.add(egui::Button::new(egui::RichText::new(text).color(ui.visuals().error_fg_color))).clicked() {
                    self.show_errors = !self.show_errors;
                }
            }
            if let Some(entry) = &self.last_request {
                let status = entry.status.map_or_else(|| "no answer".to_owned(), |s| s.to_string());
                let text = format!("{} {} {status} · {} ms", entry.operation, entry.method, entry.duration_ms);
                ui.add(egui::Label::new(text).truncate());
            }
        });
        let mut open = self.show_errors;
        egui::Window::new("Failed requests")
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ui.ctx().content_rect().center())
            .open(&mut open)
            .default_width(640.0)
            .show(ui.ctx(), |ui| {
                egui::ScrollArea::vertical().max_height(320.0).show(ui, |ui| {
                    for entry in self.recent_errors.iter().rev() {
                        let status = entry.status.map_or_else(|| "no answer".to_owned(), |s| s.to_string());
                        ui.label(format!(
                            "{} {} {status} {} · request id {} · {}",
                            entry.operation,
                            entry.method,
                            entry.error_code.as_deref().or(entry.transport_error.as_deref()).unwrap_or(""),
                            entry.request_id.as_deref().unwrap_or("-"),
                            entry.url
                        ));
                    }
                });
            });
        self.show_errors = open;
        ask
    }
}

/// Panels the status bar opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusAsk {
    /// The settings page.
    Settings,
    /// A training drill on the demo emulator.
    Drill(azfx_core::training::Drill),
    /// The identity inspector.
    Identity,
    /// The request log.
    RequestLog,
    /// Save a diagnostic bundle.
    Bundle,
    /// Open the folder with the log files and crash reports.
    LogFolder,
    /// The SMB readiness of the open share.
    SmbReadiness,
    /// Support → About: version, system, renderer, folders.
    About,
}
