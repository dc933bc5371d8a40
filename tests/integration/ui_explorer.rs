//! The explorer's everyday behaviour (kittest on the demo), regressions of the explorer
//! issue named after their class.

use std::time::Duration;

use azfx_emulator::demo;
use egui_kittest::kittest::Queryable;

use crate::support::window::{app, app_dialogs, demo_emulator, shows, shows_containing, wait_for};

/// Regression (explorer issue, input 1): a row selected before the filter hid it was
/// still deleted by Del. The selection is only ever what is visible.
#[test]
fn hidden_rows_are_never_acted_on_a_filtered_out_selection_is_not_deleted() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "telemetry"));
    harness.state_mut().open_folder(demo::LARGE_FOLDER);
    wait_for(&mut harness, "the large folder", |h| {
        h.state().browser().is_some_and(|b| b.entries.len() == demo::LARGE_FOLDER_ENTRIES && !b.loading())
    });
    harness.run_steps(30);
    harness.get_by_label("sample-00001.json").click();
    harness.run_steps(2);
    let selection = harness.state().browser().unwrap().selection.clone();
    assert_eq!(selection.iter().map(String::as_str).collect::<Vec<_>>(), ["sample-00001.json"]);
    assert!(shows_containing(&harness, "1 selected"));

    harness.get_by_label("Filter").click();
    harness.step();
    harness.get_by_label("Filter").type_text("19999");
    harness.run_steps(3);
    assert!(shows(&harness, "sample-19999.json") && !shows(&harness, "sample-00001.json"));
    assert!(!shows_containing(&harness, "selected"), "the hidden row is no longer selected");
    assert!(harness.state().browser().unwrap().selected().is_empty());

    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
    harness.key_press(egui::Key::Delete);
    harness.run_steps(3);
    assert!(!shows_containing(&harness, "Delete sample-"), "no delete is offered for a hidden row");
    let names = emulator.control().list(demo::ACCOUNT, demo::WRITABLE_SHARE, demo::LARGE_FOLDER).unwrap();
    assert_eq!(names.len(), demo::LARGE_FOLDER_ENTRIES, "nothing was deleted");
}

/// Regression (explorer issue, input 3): Enter and Esc were ignored in the path field and
/// the dialogs, and a typed path could never be opened.
#[test]
fn enter_and_escape_work_in_the_path_field_and_every_dialog() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "reports"));
    let location = |h: &egui_kittest::Harness<'_, azfx_ui::AzfxApp>| h.state().browser().unwrap().location();

    // Ctrl+L, a path, Enter: opened. Ctrl+L, Esc: nothing changes.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::L);
    harness.run_steps(2);
    harness.get_by_label("Path").type_text("reports");
    harness.step();
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "reports", |h| shows(h, "2026"));
    assert_eq!(location(&harness), "projects/reports");
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::L);
    harness.run_steps(2);
    assert!(shows(&harness, "Go"), "a Go button opens a typed path too");
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
    assert!(harness.query_by_label("Path").is_none() && location(&harness) == "projects/reports");

    // New folder: a bad name is explained under the field and the dialog stays; Enter
    // creates; Esc cancels.
    harness.get_by_label("New folder…").click();
    harness.run_steps(3);
    harness.get_by_label("Folder name").type_text("a:b");
    harness.step();
    harness.key_press(egui::Key::Enter);
    harness.run_steps(2);
    assert!(shows_containing(&harness, "cannot contain"), "the reason is shown by the field");
    assert!(shows(&harness, "New folder"), "the dialog stays open");
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
    assert!(harness.query_by_label("Folder name").is_none(), "Esc closes it");
    harness.get_by_label("New folder…").click();
    harness.run_steps(3);
    harness.get_by_label("Folder name").type_text("Keyboard");
    harness.step();
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the new folder", |h| shows(h, "Keyboard"));

    // Delete: Esc keeps it, Enter confirms.
    harness.get_by_label("Keyboard").click();
    harness.step();
    harness.key_press(egui::Key::Delete);
    harness.run_steps(3);
    assert!(shows(&harness, "Delete Keyboard?"));
    harness.key_press(egui::Key::Escape);
    harness.run_steps(3);
    assert!(!shows(&harness, "Delete Keyboard?") && shows(&harness, "Keyboard"));
    harness.key_press(egui::Key::Delete);
    harness.run_steps(3);
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the folder gone", |h| !shows(h, "Keyboard"));
    let names = emulator.control().list(demo::ACCOUNT, demo::WRITABLE_SHARE, "reports").unwrap();
    assert!(!names.iter().any(|n| n == "Keyboard"), "{names:?}");
}

/// The next start offers last run's crash report (shipping issue), until dismissed.
#[test]
fn a_crash_report_of_the_last_run_is_offered() {
    let report = std::path::PathBuf::from("/tmp/azfx-logs/crash-20261130-101010.txt");
    let options = azfx_ui::StartOptions {
        crash_report: Some(report.clone()),
        log_dir: Some(std::path::PathBuf::from("/tmp/azfx-logs")),
        ..azfx_ui::StartOptions::default()
    };
    let mut harness = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(move |cc| azfx_ui::AzfxApp::new(cc, options));
    harness.run_steps(3);
    assert!(shows(&harness, "azfx stopped unexpectedly last time."));
    assert!(shows_containing(&harness, &report.display().to_string()));
    assert!(shows(&harness, "Open log folder"), "in the banner (and in the status bar's Support menu)");
    harness.get_by_label("Dismiss").click();
    harness.run_steps(3);
    assert!(!shows(&harness, "azfx stopped unexpectedly last time."));
}

/// Explorer issue (input 4 and its acceptance walk): browse → select → rename → new
/// folder → delete → back with the keyboard only, no pointer events.
#[test]
fn keyboard_only_browse_select_rename_new_folder_delete_and_back() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "reports"));
    let selected = |h: &egui_kittest::Harness<'_, azfx_ui::AzfxApp>| {
        h.state().browser().unwrap().selection.iter().cloned().collect::<Vec<_>>()
    };
    let key = |h: &mut egui_kittest::Harness<'_, azfx_ui::AzfxApp>, key: egui::Key| {
        h.key_press(key);
        h.run_steps(2);
    };

    // Arrows and type-ahead select; Enter opens.
    key(&mut harness, egui::Key::ArrowDown);
    assert_eq!(selected(&harness), ["backups"]);
    key(&mut harness, egui::Key::End);
    assert_eq!(selected(&harness), ["README.md"]);
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::ArrowUp);
    harness.run_steps(2);
    assert_eq!(selected(&harness), ["README.md", "telemetry"]);
    key(&mut harness, egui::Key::Escape);
    assert!(selected(&harness).is_empty(), "Esc clears the selection");
    type_keys(&mut harness, "rep");
    harness.run_steps(2);
    assert_eq!(selected(&harness), ["reports"]);
    key(&mut harness, egui::Key::Enter);
    wait_for(&mut harness, "reports", |h| shows(h, "2026"));

    // F2 renames the selected row.
    key(&mut harness, egui::Key::Home);
    assert_eq!(selected(&harness), ["2026"]);
    key(&mut harness, egui::Key::F2);
    // The whole folder name is selected: typing replaces it.
    type_keys(&mut harness, "year-2026");
    harness.step();
    key(&mut harness, egui::Key::Enter);
    wait_for(&mut harness, "the renamed folder", |h| shows(h, "year-2026"));

    // Ctrl+Shift+N makes a folder; type-ahead finds it; Del then Enter deletes it.
    harness.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::N);
    harness.run_steps(3);
    type_keys(&mut harness, "scratch");
    harness.step();
    key(&mut harness, egui::Key::Enter);
    wait_for(&mut harness, "the new folder", |h| shows(h, "scratch"));
    type_keys(&mut harness, "scr");
    harness.run_steps(2);
    assert_eq!(selected(&harness), ["scratch"]);
    key(&mut harness, egui::Key::Delete);
    harness.run_steps(2);
    assert!(shows(&harness, "Delete scratch?"));
    key(&mut harness, egui::Key::Enter);
    wait_for(&mut harness, "the folder gone", |h| !shows(h, "scratch") && !h.state().browser().unwrap().busy());

    // Back (Alt+Left) to the share root.
    harness.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowLeft);
    wait_for(&mut harness, "back at the root", |h| shows(h, "telemetry"));
    let reports = emulator.control().list(demo::ACCOUNT, demo::WRITABLE_SHARE, "reports").unwrap();
    assert!(reports.iter().any(|n| n == "year-2026") && !reports.iter().any(|n| n == "scratch"), "{reports:?}");
}

/// Types `text` as key presses reach the focused widget (or the list), no pointer.
fn type_keys(harness: &mut egui_kittest::Harness<'_, azfx_ui::AzfxApp>, text: &str) {
    harness.input_mut().events.push(egui::Event::Text(text.to_owned()));
    harness.step();
}

/// Regression (explorer issue, input 5): without xdg-desktop-portal or zenity, Upload
/// files…, Upload folder… and Save diagnostic bundle… did nothing on screen. The window
/// says why and offers a path field that does the same job.
#[test]
fn when_no_file_dialog_can_open_the_window_says_so_and_a_typed_path_does_the_job() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    let upload = local.path().join("typed upload.txt");
    std::fs::write(&upload, b"typed, not picked").unwrap();
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = std::sync::Arc::clone(&asked);
    let dialogs: azfx_ui::FileDialogs = std::sync::Arc::new(move |kind| {
        seen.lock().unwrap().push(kind);
        azfx_ui::Picked::Unavailable("No file dialog could open: install zenity.".to_owned())
    });
    let mut harness = app_dialogs(&emulator, demo::WRITABLE_SHARE, downloads.path(), dialogs);
    wait_for(&mut harness, "the share root", |h| shows(h, "reports"));

    harness.get_by_label("Upload files…").click();
    wait_for(&mut harness, "the fallback", |h| shows(h, "The file dialog could not open"));
    assert!(shows(&harness, "No file dialog could open: install zenity."), "the reason is on screen");
    harness.get_by_label("Local path").type_text("relative.txt");
    harness.step();
    harness.key_press(egui::Key::Enter);
    harness.run_steps(2);
    assert!(shows_containing(&harness, "Type a full path"), "a relative path is refused by the field");
    harness.get_by_label("Local path").click();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.get_by_label("Local path").type_text(&upload.display().to_string());
    harness.step();
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the typed file uploaded", |h| shows(h, "typed upload.txt"));
    assert!(!shows(&harness, "The file dialog could not open"), "the field closed");

    // Save diagnostic bundle…: the field suggests the download folder; Esc drops it,
    // Enter saves.
    harness.get_by_label("Support").click();
    harness.run_steps(2);
    harness.get_by_label("Save diagnostic bundle…").click();
    wait_for(&mut harness, "the save fallback", |h| shows(h, "Save to this path"));
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
    assert!(!shows(&harness, "Save to this path"), "Esc closes the field");
    harness.get_by_label("Support").click();
    harness.run_steps(2);
    harness.get_by_label("Save diagnostic bundle…").click();
    wait_for(&mut harness, "the save fallback", |h| shows(h, "Save to this path"));
    harness.key_press(egui::Key::Enter);
    let bundle = downloads.path().join("azfx-diagnostics.json");
    wait_for(&mut harness, "the bundle written", |_| bundle.exists());
    let text = std::fs::read_to_string(&bundle).unwrap();
    assert!(text.contains("\"azfx_version\""), "{text}");

    // The typed path never replaces a file without asking: saving again says so and the
    // first bundle is as it was.
    std::fs::write(&bundle, b"the first bundle").unwrap();
    harness.get_by_label("Support").click();
    harness.run_steps(2);
    harness.get_by_label("Save diagnostic bundle…").click();
    wait_for(&mut harness, "the save fallback", |h| shows(h, "Save to this path"));
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the refusal", |h| shows_containing(h, "already exists"));
    assert_eq!(std::fs::read(&bundle).unwrap(), b"the first bundle");
    let leftovers: Vec<_> = std::fs::read_dir(downloads.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".azfx-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let kinds = asked.lock().unwrap().clone();
    let save = || azfx_ui::PickKind::Save("azfx-diagnostics.json".into());
    assert_eq!(kinds, [azfx_ui::PickKind::Files, save(), save(), save()]);
}

/// Regression (tryout issue, input 4): Edit path opened empty and read everything relative
/// to the share, so Copy path's `/projects/reports/2026` opened `/projects/projects/…`
/// (404) and Copy URL's text gave 400. Now it opens prefilled (selected) with where the
/// list is, and takes every form azfx shows: `/share/path`, `share/path`, URLs and UNC
/// paths, switching share.
#[test]
fn the_path_field_takes_azfx_own_paths_urls_and_unc_paths() {
    use egui_kittest::kittest::NodeT as _;
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "reports"));
    let at = |h: &egui_kittest::Harness<'_, azfx_ui::AzfxApp>| {
        let b = h.state().browser().unwrap();
        format!("/{}/{}", b.share, b.path)
    };
    let go = |harness: &mut egui_kittest::Harness<'_, azfx_ui::AzfxApp>, text: &str| {
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::L);
        harness.run_steps(2);
        let shown = harness.get_by_label("Path").accesskit_node().value();
        type_keys(harness, text);
        harness.key_press(egui::Key::Enter);
        harness.run_steps(2);
        shown
    };

    assert_eq!(
        go(&mut harness, "/projects/reports/2026").as_deref(),
        Some("/projects"),
        "prefilled with where the list is"
    );
    wait_for(&mut harness, "Copy path's text", |h| at(h) == "/projects/reports/2026");
    assert_eq!(
        go(&mut harness, "archive/2025").as_deref(),
        Some("/projects/reports/2026"),
        "typing replaced the selection"
    );
    wait_for(&mut harness, "share/path", |h| at(h) == "/archive/2025");
    let url = format!("{}/projects/reports", emulator.file_endpoint(demo::ACCOUNT));
    go(&mut harness, &url);
    wait_for(&mut harness, "Copy URL's text", |h| at(h) == "/projects/reports" && shows(h, "2026"));
    let unc = format!(r"\\{}", url.split_once("://").unwrap().1.replace('/', r"\"));
    go(&mut harness, &format!(r"{unc}\2026"));
    wait_for(&mut harness, "a UNC path", |h| at(h) == "/projects/reports/2026");
    // A URL of any other host is not connected to: the identity's token stays here.
    go(&mut harness, "https://attacker.example/acct/share/dir");
    harness.run_steps(3);
    assert!(shows_containing(&harness, "is not an Azure Files endpoint"), "refused, said why");
    assert_eq!(at(&harness), "/projects/reports/2026", "still connected where it was");
    go(&mut harness, "/projects/../archive");
    harness.run_steps(3);
    assert!(shows_containing(&harness, "has a \".\" or \"..\" segment"), "refused, said why by the field");
    assert_eq!(at(&harness), "/projects/reports/2026", "nothing else opened");
}

/// Regression (tryout issue, input 5): in the demo, the connect form ignored the chosen
/// credential after Disconnect: "Managed identity by client id" with id-backup-operator's
/// client id tested and connected as jumpbox-01 (no `client_id` sent to IMDS). The form's
/// choice is used, on the demo's identity endpoint and CA.
#[test]
fn the_demo_connect_form_uses_the_chosen_credential() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "reports"));
    let backup = azfx_emulator::Identity::user_assigned("id-backup-operator");
    harness.get_all_by_label("Disconnect").next().unwrap().click();
    wait_for(&mut harness, "the connect page", |h| shows(h, "Test identity"));
    harness.get_by_label("Credential").click();
    harness.run_steps(2);
    harness.get_by_label("Managed identity by client id").click();
    harness.run_steps(2);
    harness.get_by_label("Identity id").click();
    harness.step();
    type_keys(&mut harness, &backup.client_id);
    harness.run_steps(2);
    let before = emulator.control().tokens_issued(&backup.object_id);
    harness.get_by_label("Test identity").click();
    wait_for(&mut harness, "the test", |h| shows_containing(h, "Token for "));
    assert!(shows_containing(&harness, "Token for id-backup-operator"), "the chosen identity, not the VM's");
    assert_eq!(emulator.control().tokens_issued(&backup.object_id), before + 1, "asked with its client_id");
    harness.get_by_label("Connect").click();
    wait_for(&mut harness, "connected as the backup operator", |h| shows_containing(h, "id-backup-operator ·"));
}

/// Windows issue (Explorer habits): Alt+Enter opens Properties, Shift+F10 and the Menu
/// key open the selected row's menu (under the row: there is no pointer position), and a
/// click on the empty space under the rows clears the selection.
#[test]
fn alt_enter_shift_f10_the_menu_key_and_a_click_on_empty_space() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "README.md"));
    harness.get_by_label("README.md").click();
    harness.run_steps(2);
    assert!(!shows(&harness, "Copy path"), "no menu yet");
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::F10);
    harness.run_steps(3);
    assert!(shows(&harness, "Copy path") && shows(&harness, "Properties"), "Shift+F10 opens the row's menu");
    harness.key_press(egui::Key::Escape);
    harness.run_steps(3);
    assert!(!shows(&harness, "Copy path"), "Esc closes it");
    harness.key_press(egui::Key::Menu);
    harness.run_steps(3);
    assert!(shows(&harness, "Copy path"), "the Menu key opens it too");
    harness.key_press(egui::Key::Escape);
    harness.run_steps(3);
    harness.key_press_modifiers(egui::Modifiers::ALT, egui::Key::Enter);
    wait_for(&mut harness, "the Properties window", |h| shows_containing(h, "ETag"));
    assert!(harness.state().browser().unwrap().open_request.is_none(), "Alt+Enter is not Enter: nothing opened");
    harness.key_press(egui::Key::Escape);
    harness.run_steps(3);
    assert!(!shows_containing(&harness, "ETag"), "Esc closes Properties");
    assert_eq!(harness.state().browser().unwrap().selection.len(), 1);
    // The empty space under the rows: clicking it clears the selection, as in Explorer.
    let row = harness.get_by_label("README.md").rect();
    let empty = egui::pos2(row.center().x, row.bottom() + 40.0);
    harness.hover_at(empty);
    for pressed in [true, false] {
        let button = egui::PointerButton::Primary;
        harness.event(egui::Event::PointerButton { pos: empty, button, pressed, modifiers: egui::Modifiers::NONE });
    }
    harness.run_steps(3);
    assert!(harness.state().browser().unwrap().selection.is_empty(), "a click on empty space clears the selection");
}
