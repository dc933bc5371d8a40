//! Drawing the browser: toolbar with history and breadcrumbs (click the path or Ctrl+L to
//! type one), the filter, the virtualized table with sortable columns, selection,
//! double-click and context menus, inline rename, the dialogs, the listing error panel
//! with Retry, and the keyboard shortcuts of a desktop file explorer.

use egui::{Key, Modifiers, Sense};
use egui_extras::{Column, TableBuilder};

use super::browser::{Browser, Notice, SortColumn};
use super::icons;
use super::request::{Request, shortcut};
use azfx_core::format::human_size;
use azfx_core::worker::Worker;

fn toolbar_ui(
    ui: &mut egui::Ui,
    browser: &mut Browser,
    worker: &Worker,
    shares: &[String],
    recent: &[String],
    requests: &mut Vec<Request>,
) {
    ui.horizontal_wrapped(|ui| {
        let (can_back, can_forward) = browser.can_go();
        if icons::button(ui, can_back, icons::BACK, "Back").on_hover_text("Alt+Left").clicked() {
            browser.back(worker);
        }
        if icons::button(ui, can_forward, icons::FORWARD, "Forward").on_hover_text("Alt+Right").clicked() {
            browser.forward(worker);
        }
        if icons::button(ui, !browser.path.is_empty(), icons::UP, "Up").on_hover_text("Alt+Up").clicked() {
            browser.up(worker);
        }
        if icons::button(ui, true, icons::REFRESH, "Refresh").on_hover_text("F5").clicked() {
            browser.refresh(worker);
        }
        if icons::button(ui, true, icons::DISCONNECT, "Disconnect").on_hover_text("Back to the connect page").clicked()
        {
            requests.push(Request::Disconnect);
        }
        if icons::button(ui, true, icons::CHECK_ACCESS, "Check access").clicked() {
            requests.push(Request::CheckAccess);
        }
        ui.menu_button("Recent", |ui| {
            for location in recent.iter().take(12) {
                if ui.button(format!("/{location}")).clicked() {
                    let (share, path) = location.split_once('/').unwrap_or((location.as_str(), ""));
                    if share == browser.share {
                        browser.open(worker, path, true);
                    } else {
                        requests.push(Request::OpenShare(share.to_owned()));
                    }
                    ui.close();
                }
            }
        });
        ui.separator();
        let label = ui.label("Share");
        egui::ComboBox::from_id_salt("share-picker")
            .selected_text(browser.share.clone())
            .show_ui(ui, |ui| {
                for share in shares {
                    if ui.selectable_label(*share == browser.share, share).clicked() && *share != browser.share {
                        requests.push(Request::OpenShare(share.clone()));
                    }
                }
            })
            .response
            .labelled_by(label.id);
        ui.separator();
        super::address::breadcrumbs_ui(ui, browser, worker, shares, requests);
    });
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Filter");
        let filter = ui
            .add(egui::TextEdit::singleline(&mut browser.filter).hint_text("Ctrl+F").desired_width(200.0))
            .labelled_by(label.id);
        if filter.changed() {
            browser.keep_selection_visible();
        }
        if shortcut(ui, Modifiers::COMMAND, Key::F) {
            filter.request_focus();
        }
        ui.separator();
        if icons::button(ui, true, icons::NEW_FOLDER, "New folder…").on_hover_text("Ctrl+Shift+N").clicked() {
            browser.dialogs.new_folder = Some(String::new());
        }
        if icons::button(ui, true, icons::UPLOAD_FILE, "Upload files…").clicked() {
            requests.push(Request::UploadFiles);
        }
        if icons::button(ui, true, icons::UPLOAD, "Upload folder…").clicked() {
            requests.push(Request::UploadFolder);
        }
        let selected: Vec<(String, bool)> =
            browser.selected().iter().map(|e| (e.name.clone(), e.is_directory)).collect();
        if icons::button(ui, !selected.is_empty(), icons::DOWNLOAD, "Download").clicked() {
            requests.push(Request::Download(selected));
        }
        if icons::button(ui, true, icons::LOCAL, "Local files")
            .on_hover_text("Show this machine's files beside the share: drag between them")
            .clicked()
        {
            requests.push(Request::LocalFiles);
        }
    });
}

fn header_ui(row: &mut egui_extras::TableRow<'_, '_>, browser: &mut Browser) {
    for (column, title) in [
        (SortColumn::Name, "Name"),
        (SortColumn::Size, "Size"),
        (SortColumn::Modified, "Modified"),
        (SortColumn::Type, "Type"),
    ] {
        row.col(|ui| {
            let arrow = if browser.sort == column { if browser.ascending { " ⏶" } else { " ⏷" } } else { "" };
            if ui.add(egui::Button::new(egui::RichText::new(format!("{title}{arrow}")).strong()).frame(false)).clicked()
            {
                browser.sort_by(column);
            }
        });
    }
}

/// The inline rename field: the name selected without its extension when it opens (as in
/// Explorer); Enter renames, Esc keeps the old name. Returns (old, new) once decided.
fn rename_cell_ui(
    ui: &mut egui::Ui,
    original: &str,
    text: &mut String,
    is_directory: bool,
) -> Option<(String, String)> {
    let output = egui::TextEdit::singleline(text).desired_width(200.0).show(ui);
    let edit = output.response.response.clone().labelled_by(ui.label("New name").id);
    if !edit.has_focus() {
        let stem = if is_directory {
            text.chars().count()
        } else {
            text.rsplit_once('.')
                .filter(|(stem, _)| !stem.is_empty())
                .map_or_else(|| text.chars().count(), |(stem, _)| stem.chars().count())
        };
        let mut state = output.state;
        let range = egui::text::CCursorRange::two(egui::text::CCursor::new(0), egui::text::CCursor::new(stem));
        state.cursor.set_char_range(Some(range));
        state.store(ui.ctx(), edit.id);
        edit.request_focus();
    }
    if ui.input(|i| i.key_pressed(Key::Enter)) {
        Some((original.to_owned(), text.clone()))
    } else if ui.input(|i| i.key_pressed(Key::Escape)) {
        Some((original.to_owned(), original.to_owned()))
    } else {
        None
    }
}

fn table_ui(
    ui: &mut egui::Ui,
    offset: Option<time::UtcOffset>,
    browser: &mut Browser,
    worker: &Worker,
    requests: &mut Vec<Request>,
    notices: &mut Vec<Notice>,
) {
    let rows = browser.visible();
    let mut clicked: Option<(String, Modifiers)> = None;
    let mut open: Option<String> = None;
    let mut rename_done: Option<(String, String)> = None;
    let mut paste_into: Option<String> = None;
    let mut dropped: Option<(super::browser::DraggedRows, String)> = None;
    let mut builder = TableBuilder::new(ui);
    if let Some(row) = browser.scroll_to.take() {
        builder = builder.scroll_to_row(row, None);
    }
    builder
        .striped(true)
        .sense(Sense::click_and_drag())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::remainder().at_least(220.0).clip(true))
        .column(Column::exact(90.0))
        .column(Column::exact(150.0))
        .column(Column::exact(90.0))
        .header(24.0, |mut header| header_ui(&mut header, browser))
        .body(|body| {
            body.rows(22.0, rows.len(), |mut row| {
                let entry = browser.entries[rows[row.index()]].clone();
                row.set_selected(browser.selection.contains(&entry.name));
                row.col(|ui| {
                    let (icon, color) = icons::for_entry(&entry.name, entry.is_directory, ui.visuals());
                    icons::paint(ui, icon, color);
                    match &mut browser.dialogs.rename {
                        Some((original, text)) if *original == entry.name => {
                            if let Some(done) = rename_cell_ui(ui, original, text, entry.is_directory) {
                                rename_done = Some(done);
                            }
                        }
                        _ => {
                            ui.add(egui::Label::new(&entry.name).selectable(false).truncate());
                        }
                    }
                });
                row.col(|ui| {
                    if !entry.is_directory {
                        ui.label(human_size(entry.size.unwrap_or(0)));
                    }
                });
                row.col(|ui| {
                    // The last-write time, as Explorer and an SMB mount show it.
                    if let Some(at) = entry.last_write.or(entry.last_modified) {
                        ui.label(azfx_core::format::short_local(at, offset))
                            .on_hover_text(azfx_core::azure_time::rfc1123(at));
                    }
                });
                row.col(|ui| {
                    ui.label(icons::kind_text(&entry));
                });
                let response = row.response();
                super::menus::drag_and_drop(&response, browser, &entry, &mut dropped);
                if response.double_clicked() && entry.is_directory {
                    open = Some(entry.name.clone());
                } else if response.double_clicked() {
                    browser.open_request = Some(entry.name.clone());
                } else if response.clicked() {
                    clicked = Some((entry.name.clone(), ui_modifiers(&response)));
                }
                let menu = egui::Popup::default_response_id(&response);
                if browser.menu_by_key.as_deref() == Some(entry.name.as_str()) {
                    browser.menu_by_key = None;
                    egui::Popup::open_id(&response.ctx, menu);
                }
                // Opened by a key: no pointer position to open at, so under the row (a
                // right click opens at the pointer, as ever).
                let popup = egui::Popup::context_menu(&response);
                let by_key =
                    !response.secondary_clicked() && egui::Popup::position_of_id(&response.ctx, menu).is_none();
                let popup = if by_key { popup.at_position(response.rect.left_bottom()) } else { popup };
                popup.show(|ui| {
                    let asked = super::menus::row_menu(ui, browser, worker, &entry, requests, notices);
                    match asked {
                        Some(super::menus::RowAsk::Open) => open = Some(entry.name.clone()),
                        Some(super::menus::RowAsk::PasteInto) => paste_into = Some(entry.name.clone()),
                        None => {}
                    }
                });
            });
        });
    // A menu asked for by a key whose row is not in view this frame is not kept for later.
    browser.menu_by_key = None;
    if rows.is_empty() && !browser.loading() && browser.error.is_none() {
        // Under the headers, where the rows would be.
        ui.add_space(12.0);
        ui.vertical_centered(|ui| {
            ui.weak(if browser.filter.trim().is_empty() {
                "This folder is empty"
            } else {
                "No item matches the filter"
            });
        });
    }
    if let Some((name, modifiers)) = clicked {
        browser.click(&name, modifiers);
    }
    if let Some((from, to)) = rename_done {
        browser.dialogs.rename = None;
        if let Err(message) = browser.rename_entry(worker, &from, &to) {
            notices.push(Notice::Error("Cannot rename".to_owned(), message));
        }
    }
    if let Some(name) = open {
        let path = browser.child_path(&name);
        browser.open(worker, &path, true);
    }
    if let Some(folder) = paste_into
        && let Err(message) = browser.paste_into(worker, &folder)
    {
        notices.push(Notice::Error("Nothing pasted".to_owned(), message));
    }
    if let Some((rows, folder)) = dropped {
        browser.drop_on_folder(worker, &rows, &folder);
    }
    super::menus::background_menu(ui, browser, worker, requests, notices);
}

fn ui_modifiers(response: &egui::Response) -> Modifiers {
    response.ctx.input(|i| i.modifiers)
}

/// Draws the browser; returns toasts and requests for the app.
pub(crate) fn browser_ui(
    ui: &mut egui::Ui,
    offset: Option<time::UtcOffset>,
    browser: &mut Browser,
    worker: &Worker,
    shares: &[String],
    recent: &[String],
) -> (Vec<Notice>, Vec<Request>) {
    let mut notices = Vec::new();
    let mut requests = Vec::new();
    toolbar_ui(ui, browser, worker, shares, recent, &mut requests);
    super::keys::keyboard_ui(ui, browser, worker, &mut notices);
    ui.separator();
    if let Some(error) = browser.error.clone() {
        ui.colored_label(ui.visuals().error_fg_color, egui::RichText::new(&error.title).strong());
        if let Some(evidence) = &error.evidence {
            ui.weak(evidence);
        }
        super::diagnosis::diagnosis_ui(ui, &error.diagnosis);
        if ui.button("Retry").clicked() {
            browser.refresh(worker);
        }
    } else {
        ui.horizontal(|ui| {
            let shown = browser.visible().len();
            ui.label(azfx_core::format::count(shown as u64, "item", "items"));
            if !browser.selection.is_empty() {
                ui.label(format!("· {} selected", azfx_core::format::thousands(browser.selection.len() as u64)));
            }
            if browser.loading() {
                ui.spinner();
                ui.label(format!("Listing… {} so far", browser.listed));
                if let Some(retrying) = &browser.retrying {
                    ui.colored_label(ui.visuals().warn_fg_color, retrying);
                }
            } else if let Some((done, total)) = browser.delete_status() {
                ui.spinner();
                ui.label(if total == 0 { "Deleting…".to_owned() } else { format!("Deleting… {done} of {total}") });
                if ui.small_button("Cancel").on_hover_text("Stop deleting (Esc): what is left stays").clicked() {
                    browser.cancel_deletes(worker);
                }
            } else if let Some(status) = browser.paste_status() {
                ui.spinner();
                ui.label(status);
                if browser.can_cancel_pastes() && ui.small_button("Cancel").clicked() {
                    browser.cancel_pastes(worker);
                }
            } else if browser.busy() {
                ui.spinner();
                ui.label("Working…");
            }
        });
        table_ui(ui, offset, browser, worker, &mut requests, &mut notices);
    }
    super::dialogs::dialogs_ui(ui.ctx(), browser, worker);
    (notices, requests)
}
