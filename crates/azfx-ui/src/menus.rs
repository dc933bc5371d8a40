//! The list's menus and drag and drop: a row's context menu (Open, Download, Cut, Copy,
//! Paste into folder, Rename, Delete, Properties, Copy path / URL), the empty space's
//! (New folder, Upload, Paste, Refresh), and rows dragged onto a folder row (moved into
//! it, as in Explorer).

use egui::{Modifiers, Sense};

use super::browser::{Browser, Notice};
use super::request::Request;
use azfx_core::worker::Worker;

/// What a row's menu asks the table to do once drawing is done.
pub(crate) enum RowAsk {
    /// Open the folder.
    Open,
    /// Paste the clipboard into the folder.
    PasteInto,
}

/// A row's context menu; selects the row first when it is not selected.
pub(crate) fn row_menu(
    ui: &mut egui::Ui,
    browser: &mut Browser,
    worker: &Worker,
    entry: &azfx_core::files::DirEntry,
    requests: &mut Vec<Request>,
    notices: &mut Vec<Notice>,
) -> Option<RowAsk> {
    let mut asked = None;
    // Esc closes the menu (and only the menu: the list's keys wait while it is open).
    if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
        ui.close();
    }
    if !browser.selection.contains(&entry.name) {
        browser.click(&entry.name, Modifiers::NONE);
    }
    if ui.button("Open").clicked() {
        if entry.is_directory {
            asked = Some(RowAsk::Open);
        } else {
            browser.open_request = Some(entry.name.clone());
        }
        ui.close();
    }
    if ui.button("Download").clicked() {
        requests.push(Request::Download(browser.selected().iter().map(|e| (e.name.clone(), e.is_directory)).collect()));
        ui.close();
    }
    ui.separator();
    for (label, cut) in [("Cut", true), ("Copy", false)] {
        if ui.button(label).clicked() {
            if let Some((notice, text)) = browser.copy_selection(cut) {
                ui.ctx().copy_text(text);
                notices.push(notice);
            }
            ui.close();
        }
    }
    if entry.is_directory
        && ui.add_enabled(browser.pastes.clipboard.is_some(), egui::Button::new("Paste into folder")).clicked()
    {
        asked = Some(RowAsk::PasteInto);
        ui.close();
    }
    ui.separator();
    if ui.button("Rename").clicked() {
        browser.dialogs.rename = Some((entry.name.clone(), entry.name.clone()));
        ui.close();
    }
    if ui.button("Delete…").clicked() {
        browser.dialogs.confirm_delete =
            Some(browser.selected().iter().map(|e| (e.name.clone(), e.is_directory)).collect());
        ui.close();
    }
    if ui.button("Properties").clicked() {
        browser.show_properties(worker, &entry.name, entry.is_directory);
        ui.close();
    }
    if ui.button("Copy path").clicked() {
        super::copied::copy(ui.ctx(), format!("/{}/{}", browser.share, browser.child_path(&entry.name)), "the path");
        ui.close();
    }
    if ui.button("Copy URL").clicked() {
        super::copied::copy(ui.ctx(), browser.url_of(&entry.name), "the URL");
        ui.close();
    }
    asked
}

use super::browser::DraggedRows;

/// Dragging rows (the selection, or the row under the pointer) onto a folder row moves
/// them into it, as in Explorer.
pub(crate) fn drag_and_drop(
    response: &egui::Response,
    browser: &mut Browser,
    entry: &azfx_core::files::DirEntry,
    dropped: &mut Option<(DraggedRows, String)>,
) {
    if response.drag_started() {
        if !browser.selection.contains(&entry.name) {
            browser.click(&entry.name, Modifiers::NONE);
        }
        let rows = browser.selected().iter().map(|e| (e.name.clone(), e.is_directory)).collect();
        response.dnd_set_drag_payload(DraggedRows { share: browser.share.clone(), dir: browser.path.clone(), rows });
    }
    if let Some(rows) = response.dnd_hover_payload::<DraggedRows>() {
        let text = match rows.rows.as_slice() {
            [(name, _)] => format!("Move {name}"),
            all => format!("Move {}", azfx_core::format::count(all.len() as u64, "item", "items")),
        };
        let layer = egui::LayerId::new(egui::Order::Tooltip, egui::Id::unique("drag-rows"));
        if let Some(pointer) = response.ctx.pointer_latest_pos() {
            let target = if entry.is_directory
                && super::browser::drop_allowed(&rows, &browser.share, &browser.path, &entry.name)
            {
                format!("{text} into {}", entry.name)
            } else {
                text
            };
            let painter = response.ctx.layer_painter(layer);
            painter.text(
                pointer + egui::vec2(14.0, 8.0),
                egui::Align2::LEFT_TOP,
                target,
                egui::FontId::proportional(14.0),
                response.ctx.global_style().visuals.strong_text_color(),
            );
        }
        if entry.is_directory {
            let stroke = egui::Stroke::new(2.0, response.ctx.global_style().visuals.selection.stroke.color);
            response.ctx.layer_painter(layer).rect_stroke(response.rect, 2.0, stroke, egui::StrokeKind::Inside);
        }
    }
    if entry.is_directory
        && let Some(rows) = response.dnd_release_payload::<DraggedRows>()
    {
        *dropped = Some(((*rows).clone(), entry.name.clone()));
    }
}

/// The context menu of the list's empty space: New folder, Upload, Paste, Refresh.
pub(crate) fn background_menu(
    ui: &mut egui::Ui,
    browser: &mut Browser,
    worker: &Worker,
    requests: &mut Vec<Request>,
    notices: &mut Vec<Notice>,
) {
    let rest = ui.available_rect_before_wrap();
    if rest.height() < 4.0 {
        return;
    }
    let response = ui.interact(rest, ui.scope_id().with("list-background"), Sense::click());
    if response.clicked() {
        browser.selection.clear();
    }
    response.context_menu(|ui| {
        if ui.button("New folder…").clicked() {
            browser.dialogs.new_folder = Some(String::new());
            ui.close();
        }
        if ui.button("Upload files…").clicked() {
            requests.push(Request::UploadFiles);
            ui.close();
        }
        if ui.button("Upload folder…").clicked() {
            requests.push(Request::UploadFolder);
            ui.close();
        }
        if ui.add_enabled(browser.pastes.clipboard.is_some(), egui::Button::new("Paste")).clicked() {
            if let Err(message) = browser.paste(worker) {
                notices.push(Notice::Error("Nothing pasted".to_owned(), message));
            }
            ui.close();
        }
        if ui.button("Refresh").clicked() {
            browser.refresh(worker);
            ui.close();
        }
    });
}
