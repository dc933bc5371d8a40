//! The browser's dialogs: new folder, delete confirmation (naming what will go) and
//! properties.

use egui::Key;

use super::browser::Browser;
use azfx_core::format::human_size;
use azfx_core::worker::Worker;

/// Enter confirms a dialog's main action; Esc (or a click outside) cancels it.
pub(super) fn keys(ui: &egui::Ui) -> (bool, bool) {
    ui.input(|i| (i.key_pressed(Key::Enter), i.key_pressed(Key::Escape)))
}

/// Focuses `edit` when nothing else has the keyboard (its first frame).
pub(super) fn focus_first(ui: &egui::Ui, edit: &egui::Response) {
    if ui.memory(|m| m.focused().is_none()) {
        edit.request_focus();
    }
}

/// Draws whichever dialogs are open: modal, centred, Enter for the main action and Esc to
/// cancel.
pub(crate) fn dialogs_ui(ctx: &egui::Context, browser: &mut Browser, worker: &Worker) {
    if let Some(mut name) = browser.dialogs.new_folder.take() {
        let mut keep = true;
        let mut problem = None;
        let modal = egui::Modal::new(egui::Id::unique("new-folder")).show(ctx, |ui| {
            ui.heading("New folder");
            let label = ui.label("Folder name");
            let edit = ui.add(egui::TextEdit::singleline(&mut name).desired_width(320.0)).labelled_by(label.id);
            focus_first(ui, &edit);
            if let Some(message) = &browser.dialogs.new_folder_problem {
                ui.colored_label(ui.visuals().error_fg_color, message);
            }
            let (enter, escape) = keys(ui);
            let waiting = browser.dialogs.creating.is_some();
            ui.horizontal(|ui| {
                if ui.add_enabled(!waiting, egui::Button::new("Create")).clicked() || (enter && !waiting) {
                    browser.dialogs.new_folder_problem = None;
                    if let Err(message) = browser.create_folder(worker, &name) {
                        problem = Some(message);
                    }
                }
                if ui.add_enabled(!waiting, egui::Button::new("Cancel")).clicked() || (escape && !waiting) {
                    keep = false;
                }
                if waiting {
                    ui.spinner();
                    ui.label("Creating…");
                }
            });
        });
        if modal.should_close() && browser.dialogs.creating.is_none() {
            keep = false;
        }
        if problem.is_some() {
            browser.dialogs.new_folder_problem = problem;
        }
        // The dialog closes when the folder exists (`Browser::poll_creating`), or on Cancel.
        if keep {
            browser.dialogs.new_folder = Some(name);
        } else {
            browser.dialogs.new_folder_problem = None;
        }
    }
    confirm_delete_ui(ctx, browser, worker);
    if let Some(view) = &browser.dialogs.properties {
        let mut open = true;
        let mut close = false;
        let title = format!("Properties of {}", view.name);
        egui::Window::new(title)
            .open(&mut open)
            .collapsible(false)
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
            .show(ctx, |ui| {
                let (enter, escape) = keys(ui);
                if enter || escape {
                    close = true;
                }
                match view.result.ready() {
                    None => {
                        ui.spinner();
                    }
                    Some(Err(error)) => {
                        ui.colored_label(ui.visuals().error_fg_color, super::diagnosis::failure_line(error));
                    }
                    Some(Ok(props)) => {
                        egui::Grid::new("properties-grid").num_columns(2).show(ui, |ui| {
                            let mut row = |name: &str, value: Option<String>| {
                                ui.label(name);
                                ui.label(value.unwrap_or_else(|| "-".to_owned()));
                                ui.end_row();
                            };
                            row("Path", Some(format!("/{}/{}", browser.share, view.path)));
                            row("Size", props.size.map(|s| format!("{} ({s} bytes)", human_size(s))));
                            row("Last modified", props.last_modified.clone());
                            row("Created", props.created.clone());
                            row("Last write", props.last_write.clone());
                            row("Attributes", props.attributes.clone());
                            row("ETag", props.etag.clone());
                            row("File id", props.file_id.clone());
                            row("Content type", props.content_type.clone());
                            row("Content MD5", props.content_md5.clone());
                        });
                    }
                }
            });
        if !open || close {
            browser.dialogs.properties = None;
        }
    }
}

/// The delete confirmation: what goes, what the folders hold, Delete or Cancel.
fn confirm_delete_ui(ctx: &egui::Context, browser: &mut Browser, worker: &Worker) {
    if let Some(entries) = browser.dialogs.confirm_delete.take() {
        let mut keep = true;
        let folders = entries.iter().filter(|(_, dir)| *dir).count();
        let modal = egui::Modal::new(egui::Id::unique("confirm-delete")).show(ctx, |ui| {
            ui.heading("Confirm delete");
            let count = entries.len() as u64;
            ui.label(if count == 1 {
                format!("Delete {}?", entries[0].0)
            } else {
                format!("Delete {}?", azfx_core::format::count(count, "item", "items"))
            });
            if folders > 0 {
                ui.label("Folders are deleted with everything in them. This cannot be undone.");
                delete_size_ui(ui, browser, worker, &entries);
            }
            let (enter, escape) = keys(ui);
            ui.horizontal(|ui| {
                if ui.button("Delete").clicked() || enter {
                    browser.delete(worker, &entries);
                    browser.selection.clear();
                    keep = false;
                }
                if ui.button("Cancel").clicked() || escape {
                    keep = false;
                }
            });
        });
        if modal.should_close() {
            keep = false;
        }
        if keep {
            browser.dialogs.confirm_delete = Some(entries);
        } else {
            browser.dialogs.delete_size = None;
        }
    }
}

/// What the folders among `entries` hold, counted on the worker when the question opens.
fn delete_size_ui(ui: &mut egui::Ui, browser: &mut Browser, worker: &Worker, entries: &[(String, bool)]) {
    let folders = entries.iter().filter(|(_, dir)| *dir).count();
    if browser.dialogs.delete_size.as_ref().is_none_or(|(of, _)| *of != *entries) {
        let paths = entries.iter().filter(|(_, dir)| *dir).map(|(name, _)| browser.child_path(name)).collect();
        browser.dialogs.delete_size = Some((entries.to_vec(), worker.measure(&browser.share, paths)));
    }
    match browser.dialogs.delete_size.as_ref().and_then(|(_, size)| size.ready()) {
        None => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.weak("Counting what they hold…");
            });
        }
        Some(Ok(size)) => {
            let files = azfx_core::format::count(size.files, "file", "files");
            let below = azfx_core::format::count(size.folders, "folder", "folders");
            let bytes = azfx_core::format::human_size(size.bytes);
            let whose = if folders == 1 { "It holds" } else { "They hold" };
            ui.strong(format!("{whose} {files} ({bytes}) and {below}."));
        }
        Some(Err(failure)) => {
            ui.weak(format!("What they hold could not be counted: {}", super::diagnosis::failure_line(failure)));
        }
    }
}
