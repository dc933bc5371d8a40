//! The explorer's features beyond the fixes (explorer issue, Build), kittest on the demo:
//! copy and move, the settings page, opening files, training mode, the navigation pane,
//! layout at 1024×700, saved connections, and input 12's smaller regressions.

use std::time::Duration;

use azfx_emulator::demo;
use egui_kittest::kittest::Queryable;

use crate::support::window::{
    app, app_dialogs, app_sized, app_tweaked, demo_emulator, shows, shows_containing, wait_for,
};

/// Copy, Cut, Paste and move within a share (explorer issue, Build): Ctrl+C / Ctrl+V copy
/// server-side, a taken name asks before anything is replaced, Ctrl+X moves, the empty
/// space's menu pastes, and rows dragged onto a folder move into it.
#[test]
fn copy_cut_paste_and_drag_onto_a_folder_move_files_and_never_replace_without_asking() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    let control = emulator.control();
    let names = |dir: &str| control.list(demo::ACCOUNT, demo::WRITABLE_SHARE, dir).unwrap();
    wait_for(&mut harness, "the share root", |h| shows(h, "README.md"));
    let original = names("reports");

    // Copy README.md, open reports, paste: a server-side copy; the source stays.
    harness.get_by_label("README.md").click();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::C);
    harness.run_steps(2);
    assert!(shows_containing(&harness, "Copied README.md"), "the copy is confirmed on screen");
    harness.state_mut().open_folder("reports");
    wait_for(&mut harness, "reports", |h| h.state().browser().is_some_and(|b| b.path == "reports" && !b.loading()));
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::V);
    wait_for(&mut harness, "the pasted copy", |h| shows(h, "README.md"));
    assert!(names("").contains(&"README.md".to_owned()) && names("reports").contains(&"README.md".to_owned()));

    // Paste again: the name is taken, so the window asks; Keep both writes beside it.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::V);
    wait_for(&mut harness, "the question", |h| shows(h, "Replace or keep?"));
    assert!(shows_containing(&harness, "README.md already exists in /projects/reports"));
    assert_eq!(names("reports").len(), original.len() + 1, "nothing was replaced or added before the answer");
    harness.get_by_label("Keep both").click();
    wait_for(&mut harness, "the second copy", |h| shows(h, "README (1).md"));

    // Cut README (1).md, go up, paste from the empty space's menu: moved.
    harness.get_by_label("README (1).md").click();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::X);
    harness.run_steps(2);
    harness.key_press(egui::Key::Backspace);
    wait_for(&mut harness, "the root", |h| h.state().browser().is_some_and(|b| b.path.is_empty() && !b.loading()));
    harness.run_steps(3);
    let below = harness.get_by_label("README.md").rect().center() + egui::vec2(0.0, 120.0);
    harness.event(egui::Event::PointerMoved(below));
    harness.event(egui::Event::PointerButton {
        pos: below,
        button: egui::PointerButton::Secondary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    harness.event(egui::Event::PointerButton {
        pos: below,
        button: egui::PointerButton::Secondary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    harness.run_steps(3);
    assert!(harness.query_all_by_label("New folder…").count() == 2, "the menu offers New folder… beside the toolbar's");
    harness.get_by_label("Paste").click();
    wait_for(&mut harness, "the moved file", |h| shows(h, "README (1).md"));
    assert!(!names("reports").contains(&"README (1).md".to_owned()), "a cut file is moved, not copied");

    // Drag it onto the designs folder: moved into it.
    harness.run_steps(3);
    let from = harness.get_by_label("README (1).md").rect().center();
    let onto = harness.get_by_label("designs").rect().center();
    crate::support::window::drag(&mut harness, from, onto);
    wait_for(&mut harness, "the dropped file gone from the root", |h| !shows(h, "README (1).md"));
    assert!(names("designs").contains(&"README (1).md".to_owned()), "{:?}", names("designs"));
    assert!(names("").contains(&"README.md".to_owned()), "the file next to it was not touched");
}

/// The settings page (explorer issue, Build): theme, text size, download folder, identity
/// endpoint, CA file and ranges in flight apply at once; the download folder can be typed
/// or chosen with the folder dialog.
#[test]
fn the_settings_page_changes_theme_text_size_and_download_folder_at_once() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let chosen = tempfile::tempdir().unwrap();
    let picked = chosen.path().to_owned();
    let dialogs: azfx_ui::FileDialogs = std::sync::Arc::new(move |_| azfx_ui::Picked::Paths(vec![picked.clone()]));
    let mut harness = app_dialogs(&emulator, demo::WRITABLE_SHARE, downloads.path(), dialogs);
    wait_for(&mut harness, "the share root", |h| shows(h, "reports"));
    harness.get_by_label("Settings").click();
    wait_for(&mut harness, "the settings page", |h| shows(h, "Follow system"));

    harness.get_by_label("Dark").click();
    harness.run_steps(2);
    assert_eq!(harness.ctx.theme(), egui::Theme::Dark);
    harness.get_by_label("Light").click();
    harness.run_steps(2);
    assert_eq!(harness.ctx.theme(), egui::Theme::Light);
    assert_eq!(harness.state().settings.theme, azfx_ui::settings::Theme::Light);

    harness.get_by_role_and_label(egui::accesskit::Role::Slider, "Text size").set_value_accesskit(150.0);
    harness.run_steps(3);
    assert!((harness.ctx.zoom_factor() - 1.5).abs() < 0.01, "zoom {}", harness.ctx.zoom_factor());
    harness.get_by_role_and_label(egui::accesskit::Role::Slider, "Text size").set_value_accesskit(100.0);
    harness.run_steps(3);

    harness.get_by_label("Choose…").click();
    wait_for(&mut harness, "the chosen folder", |h| h.state().settings.download_dir.as_deref() == Some(chosen.path()));
    harness.get_by_label("Managed identity endpoint").click();
    harness.step();
    harness.get_by_label("Managed identity endpoint").type_text("http://127.0.0.1:1");
    harness.run_steps(2);
    assert_eq!(harness.state().settings.imds_endpoint, "http://127.0.0.1:1");
    harness.get_by_label("Extra CA certificates (PEM file)").click();
    harness.step();
    harness.get_by_label("Extra CA certificates (PEM file)").type_text("/etc/ssl/proxy.pem");
    harness.run_steps(2);
    assert_eq!(harness.state().settings.ca_file.as_deref(), Some(std::path::Path::new("/etc/ssl/proxy.pem")));

    // A download now goes to the chosen folder.
    harness.get_by_label("Close").click();
    harness.run_steps(2);
    assert!(!shows(&harness, "Follow system"), "the page closed");
    harness.get_by_label("README.md").click();
    harness.step();
    harness.get_by_label("Download").click();
    let arrived = chosen.path().join("README.md");
    wait_for(&mut harness, "the download in the chosen folder", |_| arrived.exists());
    assert!(!downloads.path().join("README.md").exists());
}

/// Opening a file (explorer issue, Build): double-click, Enter or the menu's Open download
/// it, verified, to the temporary open folder and open it with its default application;
/// an earlier opened copy (perhaps edited) is kept beside the new one.
#[test]
fn double_click_or_enter_on_a_file_opens_a_verified_copy_with_its_application() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let open_dir = tempfile::tempdir().unwrap();
    let opened = std::sync::Arc::new(std::sync::Mutex::new(Vec::<std::path::PathBuf>::new()));
    let record = std::sync::Arc::clone(&opened);
    let folder = open_dir.path().to_owned();
    let mut harness = app_tweaked(&emulator, demo::WRITABLE_SHARE, downloads.path(), move |options| {
        options.open_dir = Some(folder);
        options.opener = Some(std::sync::Arc::new(move |path| {
            record.lock().unwrap().push(path);
            Ok(())
        }));
    });
    wait_for(&mut harness, "the share root", |h| shows(h, "README.md"));
    harness.get_by_label("README.md").click();
    harness.step();
    harness.get_by_label("README.md").click();
    wait_for(&mut harness, "the file opened", |_| opened.lock().unwrap().len() == 1);
    let first = open_dir.path().join("README.md");
    assert_eq!(opened.lock().unwrap()[0], first);
    let content = std::fs::read(&first).unwrap();
    assert!(content.starts_with(b"# "), "the share's bytes arrived");
    assert!(shows(&harness, "Open README.md"), "the download is in the transfers panel");
    assert!(!downloads.path().join("README.md").exists(), "opening does not fill the download folder");

    // Enter on the selected file opens it again; the first copy stays as it was.
    std::fs::write(&first, b"edited by the user").unwrap();
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the second open", |_| opened.lock().unwrap().len() == 2);
    assert_eq!(opened.lock().unwrap()[1], open_dir.path().join("README (1).md"));
    assert_eq!(std::fs::read(&first).unwrap(), b"edited by the user");
}

/// Training mode in the window (explorer issue, Build): only the demo offers it; a drill
/// is set from the status bar, a refresh shows azfx's explanation, Restore ends it.
#[test]
fn the_demo_training_menu_rehearses_a_missing_role_and_restores_it() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut plain = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut plain, "the share root", |h| shows(h, "reports"));
    assert!(!shows(&plain, "Training"), "no training outside the demo");
    drop(plain);

    let training = std::sync::Arc::new(azfx_emulator::demo::Training::new(emulator.control().clone()));
    let mut harness = app_tweaked(&emulator, demo::WRITABLE_SHARE, downloads.path(), move |options| {
        options.trainer =
            Some(std::sync::Arc::new(move |drill| azfx::cli::demo::apply(&training, drill).map_err(|e| e.to_string())));
    });
    wait_for(&mut harness, "the share root", |h| shows(h, "reports"));
    harness.get_by_label("Training").click();
    harness.run_steps(2);
    harness.get_by_label("Remove the data role (403)").click();
    harness.run_steps(2);
    assert!(shows_containing(&harness, "Refresh the folder (F5)"), "the next step is said");
    harness.key_press(egui::Key::F5);
    wait_for(&mut harness, "the explanation", |h| shows_containing(h, "This identity has a control-plane role only"));
    assert!(shows_containing(&harness, "holds Reader on the storage account"), "the roles found are named");
    assert!(
        harness.query_all_by_label_contains("Storage File Data Privileged Reader").count() >= 1,
        "the role to grant is named"
    );

    harness.get_by_label("Training").click();
    harness.run_steps(2);
    harness.get_by_label("Restore everything").click();
    harness.run_steps(2);
    harness.get_by_label("Retry").click();
    wait_for(&mut harness, "the listing back", |h| shows(h, "reports"));
}

/// The navigation pane (explorer issue, Build): the account's shares, each folder's
/// subfolders listed when it is opened, a click opens the folder in the list.
#[test]
fn the_navigation_pane_lists_shares_and_folders_lazily_and_opens_them() {
    use egui::accesskit::Role;
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the shares in the pane", |h| {
        h.query_by_role_and_label(Role::Button, "archive").is_some() && shows(h, "reports")
    });
    assert!(harness.query_by_role_and_label(Role::Button, "reports").is_none(), "folders wait until opened");
    let requests = emulator.control().files_requests();

    harness.get_by_role_and_label(Role::Button, "projects").click();
    wait_for(&mut harness, "the share's folders", |h| h.query_by_role_and_label(Role::Button, "reports").is_some());
    assert!(emulator.control().files_requests() > requests, "listed when opened");
    assert!(harness.query_by_role_and_label(Role::Button, "2026").is_none(), "not deeper than opened");
    harness.get_by_role_and_label(Role::Button, "reports").click();
    wait_for(&mut harness, "reports in the list", |h| {
        h.state().browser().is_some_and(|b| b.path == "reports" && !b.loading())
    });
    wait_for(&mut harness, "its subfolder in the pane", |h| h.query_by_role_and_label(Role::Button, "2026").is_some());

    harness.get_by_role_and_label(Role::Button, "archive").click();
    wait_for(&mut harness, "the other share", |h| {
        h.state().browser().is_some_and(|b| b.share == demo::READ_ONLY_SHARE && b.path.is_empty())
    });
}

/// Regression (explorer issue, input 11): at 1024×700 the status bar's last items fell off
/// the screen and long breadcrumbs pushed the current folder's name past the right edge.
#[test]
fn at_1024_by_700_the_current_folder_and_the_status_bar_stay_on_screen() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let deep = "quarterly-reports-for-the-finance-department/2026/first-half/january-and-february/final versions";
    emulator.control().create_directories(demo::ACCOUNT, demo::WRITABLE_SHARE, deep).unwrap();
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app_sized(&emulator, demo::WRITABLE_SHARE, downloads.path(), egui::vec2(1024.0, 700.0));
    wait_for(&mut harness, "the share root", |h| shows(h, "reports"));
    harness.state_mut().open_folder(deep);
    wait_for(&mut harness, "the deep folder", |h| h.state().browser().is_some_and(|b| !b.loading() && b.path == deep));
    harness.run_steps(5);
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1024.0, 700.0));
    let on_screen = |label: &str| {
        let rect = harness.get_by_label(label).rect();
        assert!(screen.contains_rect(rect), "{label} at {rect:?} is off the 1024×700 window");
    };
    on_screen("final versions");
    on_screen("…");
    on_screen("Refresh token");
    on_screen("Settings");
    let last_request = harness.get_by_label_contains("List directory").rect();
    assert!(screen.contains_rect(last_request), "the last request at {last_request:?}");
    // The folders above are one click away behind "…".
    harness.get_by_label("…").click();
    harness.run_steps(2);
    harness.get_by_label("quarterly-reports-for-the-finance-department").click();
    wait_for(&mut harness, "the folder above", |h| {
        h.state().browser().is_some_and(|b| b.path == "quarterly-reports-for-the-finance-department")
    });
}

/// Regressions (explorer issue, input 12): the New folder dialog closed before its 409
/// arrived (the name had to be typed again); copying gave no feedback; Recent mixed the
/// locations of every account; red status text on the selected request-log row.
#[test]
fn new_folder_waits_for_the_service_copies_say_so_and_recent_is_per_account() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "reports"));

    // A taken name: the dialog stays, says why under the field, keeps what was typed.
    harness.get_by_label("New folder…").click();
    harness.run_steps(3);
    harness.get_by_label("Folder name").type_text("Reports");
    harness.step();
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the service's answer", |h| shows_containing(h, "Something with that name exists already"));
    assert_eq!(harness.get_by_label("Folder name").value().as_deref(), Some("Reports"), "the typed name is kept");
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
    assert!(harness.query_by_label("Folder name").is_none());

    // Copy path says it was copied.
    harness.get_by_label("README.md").click_secondary();
    harness.run_steps(2);
    harness.get_by_label("Copy path").click();
    harness.run_steps(2);
    assert!(shows_containing(&harness, "Copied the path"), "copying is confirmed");

    // Recent: this account's locations only.
    harness.state_mut().settings.recent = vec!["otheraccount/secret-share/x".to_owned()];
    harness.state_mut().open_folder("reports");
    wait_for(&mut harness, "reports", |h| h.state().browser().is_some_and(|b| b.path == "reports" && !b.loading()));
    assert_eq!(harness.state().settings.recent.first().map(String::as_str), Some("azfxdemo/projects/reports"));
    harness.get_by_label("Recent").click();
    harness.run_steps(2);
    assert!(shows(&harness, "/projects/reports"));
    assert!(!shows_containing(&harness, "secret-share"), "another account's location is not offered");
}

/// Regression (explorer issue, input 12): switching shares wiped the Back history. Back and
/// Forward now lead across shares.
#[test]
fn back_and_forward_lead_across_a_share_switch() {
    use egui::accesskit::Role;
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    let at = |h: &egui_kittest::Harness<'_, azfx_ui::AzfxApp>, share: &str, path: &str| {
        h.state().browser().is_some_and(|b| b.share == share && b.path == path && !b.loading())
    };
    wait_for(&mut harness, "the share root", |h| shows(h, "reports"));
    harness.state_mut().open_folder("reports");
    wait_for(&mut harness, "reports", |h| at(h, demo::WRITABLE_SHARE, "reports"));
    wait_for(&mut harness, "the shares in the pane", |h| h.query_by_role_and_label(Role::Button, "archive").is_some());
    harness.get_by_role_and_label(Role::Button, "archive").click();
    wait_for(&mut harness, "the other share", |h| at(h, demo::READ_ONLY_SHARE, ""));
    harness.get_by_label("Back").click();
    wait_for(&mut harness, "back in the first share's folder", |h| at(h, demo::WRITABLE_SHARE, "reports"));
    harness.get_by_label("Forward").click();
    wait_for(&mut harness, "forward to the other share", |h| at(h, demo::READ_ONLY_SHARE, ""));
    harness.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowLeft);
    wait_for(&mut harness, "Alt+Left back again", |h| at(h, demo::WRITABLE_SHARE, "reports"));
    harness.get_by_label("Back").click();
    wait_for(&mut harness, "the first share's root", |h| at(h, demo::WRITABLE_SHARE, ""));
}

/// Saved connections can be renamed and removed (explorer issue, Build).
#[test]
fn saved_connections_can_be_renamed_and_removed() {
    use azfx_ui::settings::{CredentialKind, SavedConnection};
    let mut harness = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(|cc| azfx_ui::AzfxApp::new(cc, azfx_ui::StartOptions::default()));
    let saved = |endpoint: &str| SavedConnection {
        endpoint: endpoint.to_owned(),
        share: "projects".to_owned(),
        credential: CredentialKind::SystemAssigned,
        ..SavedConnection::default()
    };
    harness.state_mut().settings.connections = vec![saved("prodfiles01"), saved("testfiles02")];
    harness.run_steps(2);
    assert!(shows_containing(&harness, "prodfiles01 · projects"));
    harness.get_all_by_label("Rename").next().unwrap().click();
    harness.run_steps(2);
    harness.get_by_label("Connection name").type_text("Production");
    harness.step();
    harness.key_press(egui::Key::Enter);
    harness.run_steps(2);
    assert!(shows_containing(&harness, "Production (prodfiles01"), "the new name is shown");
    assert_eq!(harness.state().settings.connections[0].name, "Production");

    harness.get_all_by_label("Remove").nth(1).unwrap().click();
    harness.run_steps(2);
    assert!(!shows_containing(&harness, "testfiles02"), "removed");
    assert_eq!(harness.state().settings.connections.len(), 1);
    // Connecting again with a renamed connection keeps its name.
    let again = saved("prodfiles01");
    harness.state_mut().settings.remember(again);
    assert_eq!(harness.state().settings.connections[0].name, "Production");
}
