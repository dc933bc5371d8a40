//! The browser's keys, as in Explorer: New folder, select all, Delete, F2, Enter, Alt+Enter
//! (Properties), Shift+F10 and the Menu key (the row's menu), Backspace
//! and Alt+arrows, F5, Ctrl+C / Ctrl+X / Ctrl+V, and moving through the list with arrows, Shift+arrows, Home, End,
//! Page Up, Page Down, Esc and type-ahead. A text field with focus or an open dialog takes the
//! keys instead.

use egui::{Key, Modifiers};

use super::browser::{Browser, Notice};
use super::request::shortcut;
use azfx_core::worker::Worker;

/// Copy, Cut and Paste: the platform turns Ctrl+C/X/V into clipboard events (Paste only
/// when the system clipboard holds text, which Copy and Cut put there); a plain key press
/// counts too.
fn clipboard_keys(ui: &egui::Ui) -> (bool, bool, bool) {
    let (copy, cut, paste) = ui.input(|i| {
        let has = |f: &dyn Fn(&egui::Event) -> bool| i.events.iter().any(f);
        (
            has(&|e| matches!(e, egui::Event::Copy)),
            has(&|e| matches!(e, egui::Event::Cut)),
            has(&|e| matches!(e, egui::Event::Paste(_))),
        )
    });
    (
        copy || shortcut(ui, Modifiers::COMMAND, Key::C),
        cut || shortcut(ui, Modifiers::COMMAND, Key::X),
        paste || shortcut(ui, Modifiers::COMMAND, Key::V),
    )
}

pub(crate) fn keyboard_ui(ui: &mut egui::Ui, browser: &mut Browser, worker: &Worker, notices: &mut Vec<Notice>) {
    if shortcut(ui, Modifiers::COMMAND | Modifiers::SHIFT, Key::N) {
        browser.dialogs.new_folder = Some(String::new());
    }
    let typing = ui.ctx().memory(|m| m.focused().is_some());
    // A dialog that is open takes the keys (its Enter is not the list's Enter): the
    // browser's own, and any modal of the window above the list (a conflict question, the
    // path field standing in for a file dialog…), as of the last frame.
    let behind_modal = !ui.ctx().memory(|m| m.allows_interaction(ui.layer_id()));
    let dialog = behind_modal || egui::Popup::is_any_open(ui.ctx()) || browser.dialogs.open();
    if typing || dialog {
        return;
    }
    // Esc stops a running delete first (as Explorer's progress dialog does); an open
    // dialog or field took its Esc above.
    if browser.delete_status().is_some() && shortcut(ui, Modifiers::NONE, Key::Escape) {
        browser.cancel_deletes(worker);
    }
    if shortcut(ui, Modifiers::COMMAND, Key::A) {
        browser.select_all();
    }
    let (copy, cut, paste) = clipboard_keys(ui);
    if (copy || cut)
        && let Some((notice, text)) = browser.copy_selection(cut)
    {
        ui.ctx().copy_text(text);
        notices.push(notice);
    }
    if paste && let Err(message) = browser.paste(worker) {
        notices.push(Notice::Error("Nothing pasted".to_owned(), message));
    }
    if shortcut(ui, Modifiers::NONE, Key::Delete) && !browser.selected().is_empty() {
        browser.dialogs.confirm_delete =
            Some(browser.selected().iter().map(|e| (e.name.clone(), e.is_directory)).collect());
    }
    if shortcut(ui, Modifiers::NONE, Key::F2)
        && let [entry] = browser.selected().as_slice()
    {
        browser.dialogs.rename = Some((entry.name.clone(), entry.name.clone()));
    }
    // Explorer's Alt+Enter: Properties; Shift+F10 or the Menu key: the row's menu.
    if shortcut(ui, Modifiers::ALT, Key::Enter)
        && let [entry] = browser.selected().as_slice()
    {
        let (name, is_directory) = (entry.name.clone(), entry.is_directory);
        browser.show_properties(worker, &name, is_directory);
    }
    if shortcut(ui, Modifiers::SHIFT, Key::F10) || shortcut(ui, Modifiers::NONE, Key::Menu) {
        browser.menu_by_key = browser.selected().first().map(|entry| entry.name.clone());
    }
    if shortcut(ui, Modifiers::NONE, Key::Enter)
        && let [entry] = browser.selected().as_slice()
    {
        if entry.is_directory {
            let path = browser.child_path(&entry.name);
            browser.open(worker, &path, true);
        } else {
            browser.open_request = Some(entry.name.clone());
        }
    }
    if shortcut(ui, Modifiers::NONE, Key::Backspace) || shortcut(ui, Modifiers::ALT, Key::ArrowUp) {
        browser.up(worker);
    }
    if shortcut(ui, Modifiers::ALT, Key::ArrowLeft) {
        browser.back(worker);
    }
    if shortcut(ui, Modifiers::ALT, Key::ArrowRight) {
        browser.forward(worker);
    }
    if shortcut(ui, Modifiers::NONE, Key::F5) {
        browser.refresh(worker);
    }
    list_navigation_ui(ui, browser);
}

/// Rows per Page Up / Page Down.
const PAGE_ROWS: isize = 20;
/// Letters typed within this long form one type-ahead prefix.
const TYPE_AHEAD_PAUSE: std::time::Duration = std::time::Duration::from_secs(1);

/// Arrows, Shift+arrows, Home/End, PgUp/PgDn, Esc (clear the selection) and type-ahead,
/// as in Explorer; the table scrolls to the row moved to.
fn list_navigation_ui(ui: &mut egui::Ui, browser: &mut Browser) {
    use super::browser::Step;
    // Any other key ends a type-ahead word.
    if ui.input(|i| i.events.iter().any(|e| matches!(e, egui::Event::Key { pressed: true, .. }))) {
        browser.type_ahead = (String::new(), None);
    }
    let steps = [
        (Key::ArrowDown, Step::By(1)),
        (Key::ArrowUp, Step::By(-1)),
        (Key::PageDown, Step::By(PAGE_ROWS)),
        (Key::PageUp, Step::By(-PAGE_ROWS)),
        (Key::Home, Step::First),
        (Key::End, Step::Last),
    ];
    for (key, step) in steps {
        // Shift first: a plain shortcut also matches a press with Shift held.
        if shortcut(ui, Modifiers::SHIFT, key) {
            browser.scroll_to = browser.move_cursor(step, true);
        } else if shortcut(ui, Modifiers::NONE, key) {
            browser.scroll_to = browser.move_cursor(step, false);
        }
    }
    if shortcut(ui, Modifiers::NONE, Key::Escape) {
        browser.selection.clear();
    }
    let typed: String = ui.input(|i| {
        i.events
            .iter()
            .filter_map(|e| match e {
                egui::Event::Text(text) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    });
    let typed: String = typed.chars().filter(|c| !c.is_control()).collect();
    if !typed.is_empty() {
        let now = std::time::Instant::now();
        let (prefix, last) = &mut browser.type_ahead;
        if last.is_none_or(|at| now.duration_since(at) > TYPE_AHEAD_PAUSE) {
            prefix.clear();
        }
        prefix.push_str(&typed);
        *last = Some(now);
        let prefix = prefix.clone();
        browser.scroll_to = browser.select_by_prefix(&prefix);
    }
}
