//! The address bar above the list, as in Explorer: the share and its folders as
//! breadcrumbs, and the path field (Ctrl+L, Edit path) that takes every form azfx shows
//! a location in: `/share/path`, `share/path`, a URL, a UNC path.

use egui::{Key, Modifiers};

use super::browser::Browser;
use super::request::{Request, shortcut};
use azfx_core::worker::Worker;

/// Folders of the path shown as breadcrumbs; deeper ones go behind "…".
const BREADCRUMBS_SHOWN: usize = 3;

/// The path field's text when opened: where the list is, as Copy path names it.
fn editable_path(browser: &Browser) -> String {
    format!("/{}", azfx_core::files::names::join(&browser.share, &browser.path))
}

pub(super) fn breadcrumbs_ui(
    ui: &mut egui::Ui,
    browser: &mut Browser,
    worker: &Worker,
    shares: &[String],
    requests: &mut Vec<Request>,
) {
    let field_id = ui.make_persistent_id("path-field");
    // Opened this frame by Ctrl+L, or last frame by Edit path.
    let mut opened = ui.data_mut(|d| d.remove_temp::<bool>(field_id.with("select"))).unwrap_or(false);
    if shortcut(ui, Modifiers::COMMAND, Key::L) {
        browser.dialogs.path_edit = Some(editable_path(browser));
        opened = true;
    }
    if let Some(mut text) = browser.dialogs.path_edit.take() {
        let label = ui.label("Path");
        let mut output = egui::TextEdit::singleline(&mut text).id(field_id).desired_width(360.0).show(ui);
        let response = (*output.response).clone().labelled_by(label.id);
        if opened || ui.memory(|m| m.focused().is_none()) {
            response.request_focus();
        }
        if opened {
            // Selected, so typing or pasting replaces it (as in Explorer's address bar).
            let all = egui::text::CCursorRange::two(
                egui::text::CCursor::new(0),
                egui::text::CCursor::new(text.chars().count()),
            );
            output.state.cursor.set_char_range(Some(all));
            output.state.store(ui.ctx(), field_id);
        }
        // Enter in the field (it gives up focus on Enter) or Go opens the path; Esc or
        // Cancel leaves it.
        let typed = response.has_focus() || response.lost_focus();
        let (enter, escape) = ui.input(|i| (i.key_pressed(Key::Enter), i.key_pressed(Key::Escape)));
        let go = ui.button("Go").clicked() || (typed && enter);
        let cancel = ui.button("Cancel").clicked() || escape;
        let error_id = field_id.with("error");
        if go {
            match azfx_core::files::Endpoint::parse_location(&text, shares) {
                Ok(location)
                    if location.endpoint.is_none() && location.share.as_ref().is_none_or(|s| *s == browser.share) =>
                {
                    browser.open(worker, &location.path, true);
                    ui.data_mut(|d| d.remove::<String>(error_id));
                    return;
                }
                Ok(location) => {
                    requests.push(Request::OpenLocation(location));
                    ui.data_mut(|d| d.remove::<String>(error_id));
                    return;
                }
                Err(error) => {
                    // A pasted SAS URL: the message quotes the text, never its signature.
                    let shown = azfx_core::http::redact_url(&error.to_string());
                    ui.data_mut(|d| d.insert_temp(error_id, shown));
                }
            }
        }
        if cancel {
            ui.data_mut(|d| d.remove::<String>(error_id));
        } else {
            if let Some(error) = ui.data(|d| d.get_temp::<String>(error_id)) {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
            browser.dialogs.path_edit = Some(text);
        }
        return;
    }
    let mut target = None;
    if ui.button(format!("/{}", browser.share)).clicked() {
        target = Some(String::new());
    }
    // A deep path shows its last folders; the ones before are behind "…" (as Explorer's
    // chevron), so the current folder's name is always in view.
    let segments: Vec<&str> = browser.path.split('/').filter(|s| !s.is_empty()).collect();
    let hidden = segments.len().saturating_sub(BREADCRUMBS_SHOWN);
    if hidden > 0 {
        ui.label("›");
        ui.menu_button("…", |ui| {
            for depth in 1..=hidden {
                if ui.button(segments[depth - 1]).clicked() {
                    target = Some(segments[..depth].join("/"));
                    ui.close();
                }
            }
        })
        .response
        .on_hover_text("Folders above");
    }
    for depth in hidden + 1..=segments.len() {
        ui.label("›");
        let name = segments[depth - 1];
        let crumb = egui::Button::new(egui::RichText::new(name)).truncate();
        if ui.add(crumb).on_hover_text(name).clicked() {
            target = Some(segments[..depth].join("/"));
        }
    }
    if ui.small_button("Edit path").on_hover_text("Ctrl+L").clicked() {
        browser.dialogs.path_edit = Some(editable_path(browser));
        ui.data_mut(|d| d.insert_temp(field_id.with("select"), true));
    }
    if let Some(path) = target {
        browser.open(worker, &path, true);
    }
}

impl super::AzfxApp {
    /// Opens a location from the path field: in this account, its share and folder; in
    /// another account, connects there with the same identity (its share's root).
    pub(super) fn open_location(&mut self, location: azfx_core::files::Location) {
        let Some(session) = &self.session else { return };
        let here = azfx_core::files::Endpoint::parse(&session.connected.endpoint).ok();
        let share = location.share.clone().or_else(|| session.browser.as_ref().map(|b| b.share.clone()));
        let Some(share) = share else { return };
        // A UNC path names no scheme: the same account on the same host is this account.
        let same = |there: &azfx_core::files::Endpoint| {
            here.as_ref()
                .is_some_and(|here| azfx_core::files::Endpoint::same_account(there.base.as_str(), here.base.as_str()))
        };
        match location.endpoint {
            // The identity's token goes only to an Azure Files endpoint (or this machine's
            // emulator): a pasted URL of any other host is not connected to.
            Some(there) if !same(&there) && !there.is_azure_files() => {
                let why = format!(
                    "{} is not an Azure Files endpoint: azfx sends this identity's token only to *.file.core.windows.net (or a sovereign cloud's). To use another endpoint, Disconnect and enter it on the connect page.",
                    there.base.host_str().unwrap_or_default()
                );
                self.toasts.extend(vec![super::browser::Notice::Error("Not opened".to_owned(), why)]);
            }
            Some(there) if !same(&there) => {
                let endpoint = there.base.as_str().to_owned();
                self.connect_picked(super::discovery::Picked { endpoint, share });
            }
            _ => self.open_share_at(&share, &location.path, true),
        }
    }
}
