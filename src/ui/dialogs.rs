//! The browser's dialogs: new folder, delete confirmation (naming what will go) and
//! properties.

use egui::Key;

use super::browser::{Browser, Notice};
use crate::format::human_size;
use crate::worker::Worker;

/// Draws whichever dialogs are open.
pub fn dialogs_ui(ctx: &egui::Context, browser: &mut Browser, worker: &Worker, notices: &mut Vec<Notice>) {
    if let Some(mut name) = browser.new_folder.take() {
        let mut keep = true;
        egui::Window::new("New folder").collapsible(false).resizable(false).show(ctx, |ui| {
            let label = ui.label("Folder name");
            let edit = ui.add(egui::TextEdit::singleline(&mut name)).labelled_by(label.id);
            edit.request_focus();
            ui.horizontal(|ui| {
                let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                if ui.button("Create").clicked() || enter {
                    match browser.create_folder(worker, &name) {
                        Ok(()) => keep = false,
                        Err(message) => notices.push(Notice::Error("Cannot create that folder".to_owned(), message)),
                    }
                }
                if ui.button("Cancel").clicked() {
                    keep = false;
                }
            });
        });
        if keep {
            browser.new_folder = Some(name);
        }
    }
    if let Some(entries) = browser.confirm_delete.take() {
        let mut keep = true;
        let folders = entries.iter().filter(|(_, dir)| *dir).count();
        egui::Window::new("Confirm delete").collapsible(false).resizable(false).show(ctx, |ui| {
            let count = entries.len();
            ui.label(if count == 1 { format!("Delete {}?", entries[0].0) } else { format!("Delete {count} items?") });
            if folders > 0 {
                ui.label("Folders are deleted with everything in them. This cannot be undone.");
            }
            ui.horizontal(|ui| {
                if ui.button("Delete").clicked() {
                    browser.delete(worker, &entries);
                    browser.selection.clear();
                    keep = false;
                }
                if ui.button("Cancel").clicked() {
                    keep = false;
                }
            });
        });
        if keep {
            browser.confirm_delete = Some(entries);
        }
    }
    if let Some(view) = &browser.properties {
        let mut open = true;
        egui::Window::new(format!("Properties of {}", view.name)).open(&mut open).show(ctx, |ui| {
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
        if !open {
            browser.properties = None;
        }
    }
}
