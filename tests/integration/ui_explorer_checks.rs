//! The explorer issue's smaller points, each checked on screen (kittest on the demo): F2 on
//! a file, centred modal dialogs, layout at 1400×900 and at 200 % text, Follow system,
//! ranges in flight, a folder copied from the row menu, Disconnect, the remaining file
//! dialog fallbacks, a typed path with `#`, thousands separators, the az command's Copy
//! button, the empty space's menu, Properties' keys, paging keys, and the error counter
//! at 1024×700.

use std::time::Duration;

use azfx_emulator::demo;
use egui_kittest::kittest::Queryable;

use crate::support::window::{app, app_dialogs, app_sized, demo_emulator, shows, shows_containing, wait_for};

type H<'a> = egui_kittest::Harness<'a, azfx_ui::AzfxApp>;

fn at(h: &H<'_>, path: &str) -> bool {
    h.state().browser().is_some_and(|b| b.path == path && !b.loading() && !b.entries.is_empty())
}

fn on_screen(h: &H<'_>, label: &str, size: egui::Vec2) {
    let rect = h.get_by_label(label).rect();
    assert!(egui::Rect::from_min_size(egui::Pos2::ZERO, size).contains_rect(rect), "{label} at {rect:?} is off screen");
}

#[test]
fn f2_on_a_file_keeps_its_extension_and_dialogs_are_centred_and_modal() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "reports"));
    harness.state_mut().open_folder("reports/2026");
    wait_for(&mut harness, "reports/2026", |h| at(h, "reports/2026"));
    harness.get_by_label("q1.csv").click();
    harness.step();
    harness.key_press(egui::Key::F2);
    harness.run_steps(2);
    harness.get_by_label("New name").type_text("summary");
    harness.step();
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the renamed file", |h| shows(h, "summary.csv"));
    assert!(!shows(&harness, "q1.csv"), "F2 selected the name without its extension");
    wait_for(&mut harness, "the refreshed listing", |h| h.state().browser().is_some_and(|b| !b.busy() && !b.loading()));
    harness.run_steps(5);

    // New folder: centred, and the list behind it takes no clicks.
    // The list may still re-sort after the rename's refresh (rows move under the pointer):
    // click until the row under it is q2.csv.
    let selected = |h: &H<'_>| h.state().browser().unwrap().selection.iter().cloned().collect::<Vec<String>>();
    for _ in 0..10 {
        harness.get_by_label("q2.csv").click();
        harness.run_steps(2);
        if selected(&harness) == ["q2.csv"] {
            break;
        }
    }
    assert_eq!(selected(&harness), ["q2.csv"], "the click selects");
    harness.get_by_label("New folder…").click();
    harness.run_steps(3);
    let before: Vec<String> = harness.state().browser().unwrap().selection.iter().cloned().collect();
    assert_eq!(before, ["q2.csv"], "opening the dialog keeps the selection");
    let dialog = harness.get_by_label("Folder name").rect().center();
    assert!((dialog.x - 640.0).abs() < 200.0 && (dialog.y - 400.0).abs() < 200.0, "centred: {dialog:?}");
    harness.get_by_label("q3.csv").click();
    harness.run_steps(2);
    let selection: Vec<String> = harness.state().browser().unwrap().selection.iter().cloned().collect();
    assert_eq!(selection, ["q2.csv"], "a click behind the modal dialog does nothing");
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);

    // Properties: Esc and Enter close it.
    for key in [egui::Key::Escape, egui::Key::Enter] {
        harness.get_by_label("q2.csv").click_secondary();
        harness.run_steps(2);
        harness.get_by_label("Properties").click();
        wait_for(&mut harness, "the properties", |h| shows_containing(h, "Properties of q2.csv"));
        harness.run_steps(3);
        harness.key_press(key);
        harness.run_steps(3);
        assert!(!shows_containing(&harness, "Properties of q2.csv"), "{key:?} closes Properties");
    }
}

#[test]
fn the_window_fits_at_1400_by_900_and_at_200_percent_text() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let size = egui::vec2(1400.0, 900.0);
    let mut harness = app_sized(&emulator, demo::WRITABLE_SHARE, downloads.path(), size);
    wait_for(&mut harness, "the share root", |h| shows(h, "reports"));
    for label in ["Download", "Edit path", "Refresh token", "Settings", "reports", "README.md"] {
        on_screen(&harness, label, size);
    }
    // 200 % text: everything still on the window (the bars wrap), at half the points.
    harness.state_mut().settings.text_size_percent = 200;
    harness.run_steps(5);
    let points = size / harness.ctx.zoom_factor();
    assert!((harness.ctx.zoom_factor() - 2.0).abs() < 0.01);
    for label in ["Download", "Refresh token", "Settings", "README.md"] {
        on_screen(&harness, label, points);
    }
}

#[test]
fn follow_system_and_ranges_in_flight_apply_at_once() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "reports"));
    harness.get_by_label("Settings").click();
    wait_for(&mut harness, "the settings page", |h| shows(h, "Follow system"));
    harness.get_by_label("Dark").click();
    harness.run_steps(2);
    harness.get_by_label("Follow system").click();
    harness.run_steps(2);
    assert_eq!(harness.ctx.options(|o| o.theme_preference), egui::ThemePreference::System);
    let slider = harness.get_by_role_and_label(egui::accesskit::Role::Slider, "Ranges in flight per file");
    slider.set_value_accesskit(12.0);
    harness.run_steps(3);
    assert_eq!(harness.state().settings.parallel_ranges, 12);
    assert_eq!(harness.state().parallel_ranges(), 12, "the worker gives transfers started from now on 12");
    let slider = harness.get_by_role_and_label(egui::accesskit::Role::Slider, "Ranges in flight per file");
    slider.set_value_accesskit(8.0);
    harness.run_steps(3);
    assert_eq!(harness.state().parallel_ranges(), 8);
}

#[test]
fn a_folder_copied_from_the_row_menu_arrives_whole_and_disconnect_leads_back() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "designs"));
    harness.get_by_label("designs").click_secondary();
    harness.run_steps(2);
    harness.get_by_label("Copy").click();
    harness.run_steps(2);
    harness.state_mut().open_folder("reports");
    wait_for(&mut harness, "reports", |h| at(h, "reports"));
    harness.get_by_label("2026").click_secondary();
    harness.run_steps(2);
    harness.get_by_label("Paste into folder").click();
    let control = emulator.control();
    wait_for(&mut harness, "the folder copied", |h| {
        !h.state().browser().is_some_and(azfx_ui::Browser::pasting)
            && control.list(demo::ACCOUNT, demo::WRITABLE_SHARE, "reports/2026/designs").is_ok()
    });
    let copied = control.list(demo::ACCOUNT, demo::WRITABLE_SHARE, "reports/2026/designs").unwrap();
    assert_eq!(copied, ["drafts", "site-plan.bin"], "the whole tree, no temporary file left");
    let drafts = control.list(demo::ACCOUNT, demo::WRITABLE_SHARE, "reports/2026/designs/drafts").unwrap();
    assert_eq!(drafts, ["sketch.txt"]);

    harness.get_by_label("Disconnect").click();
    harness.run_steps(3);
    assert!(shows(&harness, "Connect") && harness.state().browser().is_none(), "back on the connect page");
}

#[test]
fn upload_folder_and_export_fall_back_to_a_path_field_too() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(local.path().join("site/css")).unwrap();
    std::fs::write(local.path().join("site/css/main.css"), b"body {}").unwrap();
    let dialogs: azfx_ui::FileDialogs =
        std::sync::Arc::new(|_| azfx_ui::Picked::Unavailable("No file dialog could open.".to_owned()));
    let mut harness = app_dialogs(&emulator, demo::WRITABLE_SHARE, downloads.path(), dialogs);
    wait_for(&mut harness, "the share root", |h| shows(h, "reports"));
    harness.get_by_label("Upload folder…").click();
    wait_for(&mut harness, "the fallback", |h| shows(h, "Path of the folder to upload"));
    harness.get_by_label("Local path").type_text(&local.path().join("site").display().to_string());
    harness.step();
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the uploaded folder", |h| shows(h, "site"));

    harness.get_by_label("Request log").click();
    wait_for(&mut harness, "the request log", |h| shows(h, "Export JSON lines…"));
    harness.get_by_label("Export JSON lines…").click();
    wait_for(&mut harness, "the save fallback", |h| shows(h, "Save to this path"));
    harness.key_press(egui::Key::Enter);
    let export = downloads.path().join("azfx-requests.jsonl");
    wait_for(&mut harness, "the export", |_| export.exists());
    let lines = std::fs::read_to_string(&export).unwrap();
    assert!(lines.lines().count() > 2 && lines.contains("\"status\""), "{lines}");
}

#[test]
fn a_typed_path_with_a_hash_separators_and_the_commands_copy_button() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    emulator.control().create_directories(demo::ACCOUNT, demo::WRITABLE_SHARE, "q#r/inner").unwrap();
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "reports"));
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::L);
    harness.run_steps(2);
    harness.get_by_label("Path").type_text("q#r");
    harness.step();
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the folder named q#r", |h| at(h, "q#r") && shows(h, "inner"));

    harness.state_mut().open_folder(demo::LARGE_FOLDER);
    wait_for(&mut harness, "the large folder", |h| {
        h.state().browser().is_some_and(|b| b.entries.len() == demo::LARGE_FOLDER_ENTRIES && !b.loading())
    });
    harness.run_steps(3);
    assert!(shows(&harness, "20\u{202f}000 items"), "thousands are separated");

    // The az command of a 403 has its own Copy button, which says it copied.
    harness.get_by_label("Share").click();
    harness.run_steps(2);
    // The share picker's entry (the navigation pane has one of that name too).
    let picker = harness
        .get_all_by_role_and_label(egui::accesskit::Role::Button, "restricted")
        .find(|n| n.rect().left() > 220.0);
    picker.expect("the share picker's entry").click();
    wait_for(&mut harness, "the explanation", |h| shows(h, "Copy command"));
    harness.get_by_label("Copy command").click();
    harness.run_steps(2);
    assert!(shows_containing(&harness, "Copied the command"));

    // The request log: a refused request's status is red, except on the selected row,
    // where red on the selection's blue would be unreadable.
    harness.get_by_label("Request log").click();
    wait_for(&mut harness, "the request log", |h| shows(h, "403"));
    harness.run_steps(10);
    harness.get_by_label("403").click();
    wait_for(&mut harness, "the selected row", |h| shows(h, "403 ✖"));
}

#[test]
fn the_empty_space_menu_paging_keys_and_the_error_counter_at_1024() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let size = egui::vec2(1024.0, 700.0);
    let mut harness = app_sized(&emulator, demo::NO_ROLE_SHARE, downloads.path(), size);
    // A failed listing counts an error; the counter stays on the 1024×700 window.
    wait_for(&mut harness, "the refused listing", |h| shows_containing(h, "1 error"));
    let counter = harness.get_by_label_contains("1 error").rect();
    assert!(egui::Rect::from_min_size(egui::Pos2::ZERO, size).contains_rect(counter), "{counter:?}");

    harness.get_by_label("Share").click();
    harness.run_steps(2);
    // The share picker's entry (the navigation pane has one of that name too).
    let picker =
        harness.get_all_by_role_and_label(egui::accesskit::Role::Button, "projects").find(|n| n.rect().left() > 220.0);
    picker.expect("the share picker's entry").click();
    wait_for(&mut harness, "the share root", |h| at(h, ""));
    harness.state_mut().open_folder(demo::LARGE_FOLDER);
    wait_for(&mut harness, "the large folder", |h| {
        h.state().browser().is_some_and(|b| b.entries.len() == demo::LARGE_FOLDER_ENTRIES && !b.loading())
    });
    harness.run_steps(3);
    harness.get_by_label("sample-00001.json").click();
    harness.step();
    harness.key_press(egui::Key::PageDown);
    harness.run_steps(2);
    let selected: Vec<String> = harness.state().browser().unwrap().selection.iter().cloned().collect();
    assert_eq!(selected, ["sample-00021.json"], "Page Down moves a page");
    harness.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowUp);
    wait_for(&mut harness, "the parent", |h| at(h, "telemetry"));
    harness.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowLeft);
    wait_for(&mut harness, "back", |h| at(h, demo::LARGE_FOLDER));
    harness.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowRight);
    wait_for(&mut harness, "forward", |h| at(h, "telemetry"));

    // The empty space's menu: New folder, Upload files, Upload folder, Paste, Refresh.
    harness.run_steps(3);
    let below = harness.get_by_label("2026-11").rect().center() + egui::vec2(0.0, 120.0);
    for pressed in [true, false] {
        harness.event(egui::Event::PointerButton {
            pos: below,
            button: egui::PointerButton::Secondary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
    }
    harness.run_steps(3);
    for item in ["New folder…", "Upload files…", "Upload folder…", "Refresh"] {
        assert_eq!(harness.query_all_by_label(item).count(), 2, "{item} in the menu beside the toolbar's");
    }
    assert!(shows(&harness, "Paste"));
}

/// Regression (explorer issue, input 8): an idle connection's countdown reached 0 and
/// stayed red. The token is refreshed in the background before it expires; red and
/// "Token refresh failed" appear only when a refresh failed.
#[test]
fn an_idle_window_keeps_its_token_fresh_and_is_red_only_when_a_refresh_fails() {
    let emulator = demo_emulator(Duration::from_secs(8));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "a token", |h| h.state().status.token.is_some());
    let first = harness.state().status.token.as_ref().unwrap().fingerprint.clone();
    // Idle for longer than the token lives: it is replaced before it expires, and the bar
    // never says it expired.
    let until = std::time::Instant::now() + Duration::from_secs(11);
    while std::time::Instant::now() < until {
        harness.step();
        assert!(!shows(&harness, "Token expired"), "an idle, healthy connection never shows an expired token");
        assert!(!shows_containing(&harness, "Token refresh failed"));
        std::thread::sleep(Duration::from_millis(50));
    }
    let later = harness.state().status.token.as_ref().unwrap().fingerprint.clone();
    assert_ne!(first, later, "refreshed in the background");

    // The identity endpoint fails: now the bar says so, in red.
    let fault = azfx_emulator::Fault::Status { status: 400, retry_after_secs: None };
    emulator.control().inject(azfx_emulator::FaultTarget::Identity, &fault, 1_000);
    wait_for(&mut harness, "the failed refresh", |h| shows_containing(h, "Token refresh failed"));
    emulator.control().clear_faults();
}
