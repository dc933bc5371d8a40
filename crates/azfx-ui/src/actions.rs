//! What the window's buttons, menus and drops ask for: open and download entries,
//! upload dropped or picked files, the access check, the diagnostic bundle, and the
//! native file dialogs (each on its own thread; their files are written by the worker).

use std::path::PathBuf;

use super::AzfxApp;
use super::browser::Notice;
use super::transfers::UploadOrigin;
use azfx_core::transfer::Conflict;

impl AzfxApp {
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
        let requests: Vec<azfx_core::http::LogEntry> = self.log_panel.entries.iter().cloned().collect();
        let last_check = self.access.report();
        let bundle = azfx_core::diagnose::report::Bundle {
            azfx_version: env!("CARGO_PKG_VERSION"),
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            proxy_environment: self.worker.proxy_environment().to_vec(),
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

    pub(super) fn save_as(&mut self, name: &str, contents: Vec<u8>) {
        self.pickers.ask(super::pickers::PickKind::Save(name.to_owned()), contents);
    }

    /// Acts on what a file dialog (or the path field standing in for it) chose.
    pub(super) fn act_on(&mut self, chosen: super::pickers::Chosen) {
        match chosen {
            super::pickers::Chosen::Upload(paths) => {
                for path in paths {
                    self.upload(path);
                }
            }
            super::pickers::Chosen::Save(path, contents, replace) => {
                let saved = format!("Saved {}", path.display());
                self.writes.push(saved, self.worker.write_file(path, contents, replace));
            }
            super::pickers::Chosen::DownloadFolder(dir) => self.preferences.set_download_dir(&mut self.settings, dir),
        }
    }

    pub(super) fn poll_saves(&mut self) {
        for (what, answer) in self.writes.arrived() {
            match answer {
                Ok(()) => self.toasts.extend(vec![Notice::Info(what)]),
                Err(failure) => {
                    let line = super::diagnosis::failure_line(&failure);
                    self.toasts.extend(vec![Notice::Error("Could not save".to_owned(), line)]);
                }
            }
        }
    }

    /// Checks whether the open share can be mounted over SMB with the connection's identity.
    pub fn check_smb(&mut self) {
        let share = self.browser().map(|b| b.share.clone());
        match (self.connect.last_config.clone(), share) {
            (Some(config), Some(share)) => self.smb.start(&self.worker, config, &share),
            _ => self.toasts.extend(vec![Notice::Error(
                "Nothing to check".to_owned(),
                "Connect and open a share first".to_owned(),
            )]),
        }
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
        let origin = UploadOrigin { src: path.clone(), share: browser.share.clone(), dest: browser.child_path(&name) };
        // Nothing on the share is replaced without asking: files that exist come back as
        // conflicts and the user chooses (see `answer_conflicts`).
        let (task, promise) = self.worker.upload_path(path, &browser.share, &browser.path, Conflict::Fail);
        self.transfers.track_tree(task, format!("Upload {name}"), promise, Some(origin));
    }

    /// Opens the folder with the log files and crash reports.
    pub fn open_log_folder(&mut self) {
        match self.log_dir.clone() {
            Some(dir) => self.opens.push(dir.display().to_string(), self.worker.open_path(dir)),
            None => self.toasts.extend(vec![Notice::Error(
                "No log folder".to_owned(),
                "This system names no home directory, so azfx writes no log files".to_owned(),
            )]),
        }
    }

    /// Tells the user when opening a path failed.
    pub(super) fn poll_opens(&mut self) {
        for (what, answer) in self.opens.arrived() {
            if let Err(failure) = answer {
                let line = super::diagnosis::failure_line(&failure);
                self.toasts.extend(vec![Notice::Error(format!("Could not open {what}"), line)]);
            }
        }
    }

    /// The banner offering last run's crash report, until dismissed.
    pub(super) fn crash_banner_ui(&mut self, ui: &mut egui::Ui) {
        let Some(report) = self.crash_report.clone() else { return };
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(ui.visuals().warn_fg_color, "azfx stopped unexpectedly last time.");
                ui.label(format!("A crash report was saved as {}", report.display()));
                if ui.button("Open log folder").clicked() {
                    self.open_log_folder();
                }
                if ui.button("Dismiss").clicked() {
                    self.crash_report = None;
                }
            });
        });
    }

    /// The question about the first batch of conflicts, with both files' sizes and dates
    /// when it is about one.
    pub(super) fn conflicts_ui(&mut self, ctx: &egui::Context) {
        let Some(batch) = self.conflicts.front() else { return };
        if !self.conflict_facts.as_ref().is_some_and(|f| f.of(batch)) {
            self.conflict_facts = super::conflicts::Facts::ask(&self.worker, batch);
        }
        let facts = self.conflict_facts.as_ref();
        if let Some(answer) = super::conflicts::conflict_ui(ctx, batch, facts, self.local_offset) {
            self.conflict_facts = None;
            self.answer_conflicts(answer);
        }
    }

    /// Applies the user's answer to the first batch of conflicts: the uploads, copies or
    /// moves of just those files run again under the chosen rule. An upload's row carries
    /// on with them and ends in what became of them (Skip included).
    pub(super) fn answer_conflicts(&mut self, answer: super::conflicts::Answer) {
        use super::conflicts::Source;
        use super::transfers::answered::{Fate, FollowUp};
        let Some(batch) = self.conflicts.pop_front() else { return };
        let rule = match answer {
            super::conflicts::Answer::Apply(rule) => rule,
            super::conflicts::Answer::Skip => Conflict::Skip,
        };
        let mut copies = Vec::new();
        let mut follow_ups = Vec::new();
        for item in batch.items {
            let name = item.path.rsplit('/').next().unwrap_or(&item.path).to_owned();
            match item.src {
                Source::Local(_) if rule == Conflict::Skip => {
                    let ended = Some(Ok(Fate::Skipped(item.path.clone())));
                    follow_ups.push(FollowUp { task: 0, path: item.path, promise: None, ended });
                }
                Source::Local(src) => {
                    let (task, promise) = self.worker.upload(src.clone(), &item.share, &item.path, rule);
                    if batch.row.is_some() {
                        follow_ups.push(FollowUp { task, path: item.path, promise: Some(promise), ended: None });
                    } else {
                        let origin = UploadOrigin { src, share: item.share.clone(), dest: item.path.clone() };
                        self.transfers.track_upload(task, format!("Upload {name}"), promise, origin);
                    }
                }
                Source::Share { .. } if rule == Conflict::Skip => {}
                Source::Share { path, moving: false } => {
                    copies
                        .push((item.share, azfx_core::transfer::copy::FileCopy { from: path, to: item.path, size: 0 }));
                }
                Source::Share { path, moving: true } => {
                    if let Some(browser) = self.session.as_mut().and_then(|s| s.browser.as_mut()) {
                        browser.move_again(&self.worker, &item.share, &path, &item.path, rule);
                    }
                }
            }
        }
        if let Some(row) = batch.row
            && !follow_ups.is_empty()
        {
            self.transfers.answer(row, rule, follow_ups);
        }
        // One copy per share (a batch comes from one paste, so in practice one).
        copies.sort_by(|a, b| a.0.cmp(&b.0));
        for group in copies.chunk_by(|a, b| a.0 == b.0) {
            let share = group[0].0.clone();
            let files = group.iter().map(|(_, file)| file.clone()).collect();
            if let Some(browser) = self.session.as_mut().and_then(|s| s.browser.as_mut()) {
                browser.copy_again(&self.worker, &share, files, rule);
            }
        }
    }

    /// The navigation pane, while connected: clicking a share or folder opens it.
    pub(super) fn nav_ui(&mut self, ui: &mut egui::Ui) {
        let Some(session) = &self.session else { return };
        let account = session.connected.account.clone();
        let shares = session.shares.clone();
        let current = session.browser.as_ref().map(|b| (b.share.clone(), b.path.clone()));
        let target = egui::Panel::left("nav-pane")
            .resizable(true)
            .default_size(210.0)
            .show(ui, |ui| {
                let here = current.as_ref().map(|(s, p)| (s.as_str(), p.as_str()));
                let target = self.nav.ui(ui, &self.worker, &account, &shares, here);
                ui.separator();
                self.nav_discovery_ui(ui);
                target
            })
            .inner;
        let Some(target) = target else { return };
        if current.as_ref().is_none_or(|(share, _)| *share != target.share) {
            self.open_share(&target.share);
        }
        if let Some(browser) = self.session.as_mut().and_then(|s| s.browser.as_mut())
            && browser.path != target.path
        {
            browser.open(&self.worker, &target.path, true);
        }
    }

    /// Carries out a training drill on the demo emulator and says what to do next.
    pub fn drill(&mut self, drill: azfx_core::training::Drill) {
        let Some(trainer) = &self.trainer else { return };
        let notice = match trainer(drill) {
            Ok(()) => Notice::Info(format!("Training: {}. {}", drill.label(), drill.next_step())),
            Err(why) => Notice::Error("The drill could not be set".to_owned(), why),
        };
        self.toasts.extend(vec![notice]);
    }

    /// Opens a file of the open folder with its default application: it is downloaded
    /// (verified, as every download) to the open folder (`opened` in the state directory), beside any earlier copy
    /// (`name (1).ext`), then opened.
    pub fn open_file(&mut self, name: &str) {
        let Some(browser) = self.session.as_ref().and_then(|s| s.browser.as_ref()) else { return };
        let Some(dir) = self.open_dir.clone() else {
            self.toasts.extend(vec![Notice::Error(
                "Cannot open files here".to_owned(),
                "There is no folder to open files from (no home directory): download the file instead".to_owned(),
            )]);
            return;
        };
        let path = browser.child_path(name);
        let (task, promise) = self.worker.download(&browser.share, &path, dir.join(name), Conflict::KeepBoth);
        self.transfers.track_open(task, format!("Open {name}"), promise);
    }

    pub(super) fn download(&mut self, entries: Vec<(String, bool)>) {
        let Some(browser) = self.session.as_ref().and_then(|s| s.browser.as_ref()) else { return };
        let Some(dir) = self.settings.download_dir.clone() else {
            self.toasts
                .extend(vec![Notice::Error("No download folder".to_owned(), "Set a download folder first".to_owned())]);
            return;
        };
        let (share, folder) = (browser.share.clone(), browser.path.clone());
        self.download_to(&share, &folder, entries, &dir);
    }

    /// Share rows dropped onto the local-files pane: downloaded into its folder.
    pub(super) fn download_into(&mut self, rows: &super::browser::DraggedRows, dir: &std::path::Path) {
        self.download_to(&rows.share, &rows.dir, rows.rows.clone(), dir);
    }

    /// Downloads `entries` of `share/folder` into the local folder `dir`.
    fn download_to(&mut self, share: &str, folder: &str, entries: Vec<(String, bool)>, dir: &std::path::Path) {
        for (name, is_directory) in entries {
            let path = azfx_core::files::names::join(folder, &name);
            if is_directory {
                // A second download of a folder arrives beside the first, never into it.
                let (task, promise) =
                    self.worker.download_folder_beside(share, &path, dir.join(&name), Conflict::KeepBoth);
                self.transfers.track_tree(task, format!("Download {name}"), promise, None);
            } else {
                let (task, promise) = self.worker.download(share, &path, dir.join(&name), Conflict::KeepBoth);
                self.transfers.track_download(task, format!("Download {name}"), promise);
            }
        }
    }

    pub(super) fn drop_ui(&mut self, ctx: &egui::Context) {
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
