//! The local-files pane (toolbar → Local files): a folder of this machine beside the
//! share, so files go both ways by dragging inside the window (the OS gives an egui window
//! no drag *out*): rows dragged from the share onto the pane download into its folder,
//! rows dragged from the pane onto the share's list upload into the open folder — under
//! the same conflict rules as every other transfer (a download never replaces a local
//! file; an upload asks before replacing). The worker lists the folder; the window does
//! no IO.

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::browser::DraggedRows;
use super::icons;
use super::requested::Requested;
use azfx_core::worker::{LocalListing, Worker};

/// How often an open pane lists its folder again (downloads arriving show up).
const RELIST_SECS: f64 = 2.0;

/// Rows dragged from the local pane: their paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LocalRows {
    /// Files and folders of this machine.
    pub paths: Vec<PathBuf>,
}

/// The pane's state.
#[derive(Default)]
pub struct LocalPane {
    /// Whether the pane is shown.
    pub open: bool,
    /// The folder shown (`None`: not chosen yet, the download folder is used).
    pub path: Option<PathBuf>,
    /// The last listing, or why the folder could not be read (kept on screen while the
    /// next one runs).
    listing: Requested<LocalListing>,
    /// Why there is no folder to show (no download folder set).
    pub problem: Option<String>,
    listed_at: Option<f64>,
    selection: BTreeSet<String>,
    /// Where to go when the first folder cannot be read (a download folder not made yet).
    fallback: Option<PathBuf>,
    /// Show names starting with a dot (hidden on Linux and macOS).
    pub show_hidden: bool,
    /// The path field's text while it is being edited.
    typed: Option<String>,
    /// Why the typed path was refused.
    typed_problem: Option<String>,
}

impl LocalPane {
    /// Shows `path`.
    pub fn open_at(&mut self, worker: &Worker, path: PathBuf) {
        if self.path.as_ref() != Some(&path) {
            self.selection.clear();
        }
        self.path = Some(path.clone());
        self.problem = None;
        self.listing.request(worker.list_local(path));
    }

    /// Shows `path`, or its parent when it cannot be read (the first time only).
    pub fn open_first(&mut self, worker: &Worker, path: PathBuf) {
        self.fallback = path.parent().map(std::path::Path::to_path_buf);
        self.open_at(worker, path);
    }

    fn poll(&mut self, now: f64, worker: &Worker) {
        if !self.listing.poll() {
            return;
        }
        match self.listing.latest() {
            Some(Err(_)) if self.fallback.is_some() => {
                if let Some(parent) = self.fallback.take() {
                    // The first folder cannot be read: its parent, with nothing shown between.
                    self.listing.reset();
                    self.open_at(worker, parent);
                }
            }
            Some(Ok(listing)) => {
                self.fallback = None;
                self.path = Some(listing.path.clone());
                self.listed_at = Some(now);
            }
            _ => self.listed_at = Some(now),
        }
    }

    /// Draws the pane; answers share rows dropped onto it, with the folder to download
    /// them into.
    pub fn ui(&mut self, ui: &mut egui::Ui, worker: &Worker) -> Option<(DraggedRows, PathBuf)> {
        let now = ui.input(|i| i.time);
        self.poll(now, worker);
        if !self.listing.is_pending()
            && let Some(path) = self.path.clone()
            && self.listed_at.is_none_or(|at| now - at >= RELIST_SECS)
        {
            self.listing.request(worker.list_local(path));
        }
        ui.ctx().request_repaint_after(std::time::Duration::from_secs_f64(RELIST_SECS));
        ui.horizontal(|ui| {
            ui.strong("Local files");
            // Up from a drive's root (`C:\`) leads to the drives, as Explorer's This PC.
            let parent = self.path.as_ref().and_then(|p| match p.parent() {
                Some(parent) => Some(parent.to_path_buf()),
                None if cfg!(windows) && !p.as_os_str().is_empty() => Some(PathBuf::new()),
                None => None,
            });
            if icons::button(ui, parent.is_some(), icons::UP, "Up").clicked()
                && let Some(parent) = parent
            {
                self.open_at(worker, parent);
            }
            ui.checkbox(&mut self.show_hidden, "Hidden files");
        });
        self.path_field_ui(ui, worker);
        ui.separator();
        // The drop zone is registered first, so the rows drawn over it keep their clicks.
        let area = ui.available_rect_before_wrap();
        let drop_zone = ui.interact(area, ui.scope_id().with("local-drop"), egui::Sense::hover());
        let mut open = None;
        egui::ScrollArea::vertical().id_salt("local-pane").auto_shrink([false, false]).show(ui, |ui| {
            if let Some(why) = &self.problem {
                ui.colored_label(ui.visuals().error_fg_color, why.clone());
                return;
            }
            match self.listing.latest() {
                None => {
                    ui.spinner();
                }
                Some(Err(failure)) => {
                    ui.colored_label(ui.visuals().error_fg_color, super::diagnosis::failure_line(failure));
                }
                Some(Ok(listing)) if listing.entries.is_empty() => {
                    ui.weak("Empty folder: drop files from the share here");
                }
                Some(Ok(listing)) => {
                    let shown: Vec<_> =
                        listing.entries.iter().filter(|e| self.show_hidden || !e.name.starts_with('.')).collect();
                    if shown.is_empty() {
                        ui.weak("Only hidden files here (Hidden files shows them)");
                    }
                    for entry in shown {
                        let selected = self.selection.contains(&entry.name);
                        let row = ui.horizontal(|ui| {
                            let (icon, color) = icons::for_entry(&entry.name, entry.is_directory, ui.visuals());
                            icons::paint(ui, icon, color);
                            let response = ui.add(
                                egui::Button::selectable(selected, &entry.name)
                                    .frame_when_inactive(false)
                                    .sense(egui::Sense::click_and_drag()),
                            );
                            if !entry.is_directory {
                                ui.weak(azfx_core::format::human_size(entry.size));
                            }
                            response
                        });
                        let response = row.inner;
                        if response.clicked() {
                            if !ui.input(|i| i.modifiers.command) {
                                self.selection.clear();
                            }
                            self.selection.insert(entry.name.clone());
                        }
                        if response.double_clicked() && entry.is_directory {
                            open = Some(listing.path.join(&entry.name));
                        }
                        // A drive (This PC) is opened, never dragged: it would upload a disk.
                        if response.drag_started() && !listing.path.as_os_str().is_empty() {
                            if !self.selection.contains(&entry.name) {
                                self.selection = BTreeSet::from([entry.name.clone()]);
                            }
                            let paths = self.selection.iter().map(|name| listing.path.join(name)).collect();
                            response.dnd_set_drag_payload(LocalRows { paths });
                        }
                    }
                }
            }
        });
        if let Some(folder) = open {
            self.open_at(worker, folder);
        }
        // Share rows dropped anywhere on the pane download into its folder.
        // Not onto "This PC" (the drives): it is no folder to download into.
        let folder = self.path.clone().filter(|path| !path.as_os_str().is_empty())?;
        if drop_zone.dnd_hover_payload::<DraggedRows>().is_some() {
            ui.painter().rect_stroke(area, 4.0, ui.visuals().selection.stroke, egui::StrokeKind::Inside);
        }
        let dropped = drop_zone.dnd_release_payload::<DraggedRows>()?;
        Some(((*dropped).clone(), folder))
    }
}

impl LocalPane {
    /// The folder's path as an editable field (Explorer's address bar): Enter opens what
    /// was typed (a full path), Esc puts the shown folder back.
    fn path_field_ui(&mut self, ui: &mut egui::Ui, worker: &Worker) {
        let shown = match &self.path {
            Some(path) if path.as_os_str().is_empty() => "This PC".to_owned(),
            Some(path) => path.display().to_string(),
            None => String::new(),
        };
        let mut text = self.typed.clone().unwrap_or_else(|| shown.clone());
        let label = ui.label("Folder");
        let field = ui
            .add(egui::TextEdit::singleline(&mut text).desired_width(f32::INFINITY).font(egui::TextStyle::Monospace))
            .labelled_by(label.id)
            .on_hover_text("Type a folder's full path and press Enter");
        if field.changed() {
            self.typed = Some(text.clone());
            self.typed_problem = None;
        }
        // Enter comes while the field still has focus (it gives it up at the frame's end).
        let (enter, escape) = ui.input(|i| (i.key_pressed(egui::Key::Enter), i.key_pressed(egui::Key::Escape)));
        let active = field.has_focus() || field.lost_focus();
        if active && enter {
            if let Some(typed) = self.typed.take() {
                match super::pickers::typed_path(&typed, azfx_core::config::home_dir().as_deref()) {
                    Ok(path) => self.open_at(worker, path),
                    Err(why) => {
                        self.typed_problem = Some(why);
                        self.typed = Some(typed);
                    }
                }
            }
        } else if (active && escape) || (field.lost_focus() && self.typed_problem.is_none()) {
            self.typed = None;
            self.typed_problem = None;
        }
        if let Some(why) = &self.typed_problem {
            ui.colored_label(ui.visuals().error_fg_color, why);
        }
    }
}

impl super::AzfxApp {
    /// The local-files pane at the right, while shown: its folder starts as the download
    /// folder; share rows dropped on it download there.
    pub(super) fn local_ui(&mut self, ui: &mut egui::Ui) {
        if !self.local.open || self.session.is_none() {
            return;
        }
        if self.local.path.is_none() {
            match self.settings.download_dir.clone() {
                Some(dir) => self.local.open_first(&self.worker, dir),
                None => self.local.problem = Some("Set a download folder in Settings first".to_owned()),
            }
        }
        let dropped = egui::Panel::right("local-pane")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| self.local.ui(ui, &self.worker))
            .inner;
        if let Some((rows, dir)) = dropped {
            self.download_into(&rows, &dir);
        }
    }

    /// Local rows dropped onto the share's list: each uploads into the open folder.
    pub(super) fn upload_local_rows(&mut self, rows: &LocalRows) {
        for path in rows.paths.clone() {
            self.upload(path);
        }
    }
}
