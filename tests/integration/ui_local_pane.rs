//! The local-files pane (transfers issue, Window): Local files shows the download folder
//! beside the share; a share file dragged onto it downloads there (a second copy beside
//! the first, never over it); a local file dragged onto the share's list uploads into the
//! open folder; folders open with a double click and Up goes back.

use std::time::Duration;

use azfx_emulator::demo;
use egui_kittest::kittest::Queryable;

use crate::support::window::{app, demo_emulator, drag, shows, shows_containing, wait_for};

#[test]
fn files_go_both_ways_by_dragging_between_the_share_and_the_local_pane() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    std::fs::create_dir(downloads.path().join("photos")).unwrap();
    std::fs::write(downloads.path().join("photos").join("beach.jpg"), b"sand").unwrap();
    std::fs::write(downloads.path().join("notes.txt"), b"from this machine").unwrap();
    std::fs::write(downloads.path().join("README.md"), b"the user's own readme").unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "README.md") && shows(h, "reports"));
    harness.get_by_label("Local files").click();
    wait_for(&mut harness, "the local folder", |h| shows(h, "notes.txt"));
    assert!(shows(&harness, "photos"));

    // Share → local: README.md dragged onto the pane arrives beside the user's own file.
    // Two rows read README.md: the share's is the one further left.
    let from =
        harness.query_all_by_label("README.md").map(|n| n.rect().center()).min_by(|a, b| a.x.total_cmp(&b.x)).unwrap();
    let onto = harness.get_by_label("notes.txt").rect().center() + egui::vec2(0.0, 60.0);
    drag(&mut harness, from, onto);
    let second = downloads.path().join("README (1).md");
    wait_for(&mut harness, "the download", |_| second.exists());
    assert_eq!(std::fs::read(downloads.path().join("README.md")).unwrap(), b"the user's own readme", "never replaced");
    assert_eq!(std::fs::read(&second).unwrap(), emulator_file(&emulator, "README.md"));
    wait_for(&mut harness, "the pane lists it", |h| shows(h, "README (1).md"));

    // Local → share: notes.txt dragged onto the share's list uploads into the open folder.
    let from = harness.get_by_label("notes.txt").rect().center();
    let onto = harness.get_by_label("reports").rect().center() + egui::vec2(0.0, 160.0);
    drag(&mut harness, from, onto);
    wait_for(&mut harness, "the upload", |_| {
        emulator.control().list(demo::ACCOUNT, demo::WRITABLE_SHARE, "").unwrap().contains(&"notes.txt".to_owned())
    });
    assert_eq!(emulator_file(&emulator, "notes.txt"), b"from this machine");

    // Folders: a double click opens one, Up goes back.
    crate::support::window::double_click(&mut harness, "photos");
    wait_for(&mut harness, "photos", |h| shows(h, "beach.jpg"));
    let ups: Vec<_> = harness.query_all_by_label("Up").collect();
    ups.last().unwrap().click();
    wait_for(&mut harness, "the download folder again", |h| shows(h, "notes.txt"));
}

pub(crate) fn emulator_file(emulator: &azfx_emulator::Emulator, path: &str) -> Vec<u8> {
    let url = format!("{}/{}/{path}", emulator.file_endpoint(demo::ACCOUNT), demo::WRITABLE_SHARE);
    let vm = azfx_emulator::Identity::system_assigned(demo::VM_NAME).object_id;
    let env_token = emulator.control().mint_token(&vm, "https://storage.azure.com/", 0, 3600).unwrap();
    crate::support::block(async move {
        crate::support::emulator::client()
            .get(url)
            .bearer_auth(env_token)
            .header("x-ms-version", "2025-05-05")
            .header("x-ms-file-request-intent", "backup")
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec()
    })
}

/// Windows issue (Explorer habits): the pane's folder is a path field; a typed full path
/// opens on Enter, a relative one is refused with the reason and the folder stays.
#[test]
fn the_local_pane_has_a_path_field() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let (downloads, elsewhere) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    std::fs::write(downloads.path().join("notes.txt"), b"here").unwrap();
    std::fs::write(elsewhere.path().join("far-away.txt"), b"there").unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "reports"));
    harness.get_by_label("Local files").click();
    wait_for(&mut harness, "the local folder", |h| shows(h, "notes.txt"));

    harness.get_by_role_and_label(egui::accesskit::Role::TextInput, "Folder").click();
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.get_by_role_and_label(egui::accesskit::Role::TextInput, "Folder").type_text("relative/folder");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(3);
    assert!(shows_containing(&harness, "Type a full path"), "a relative path is refused, with why");
    assert!(shows(&harness, "notes.txt"), "the folder shown stays");

    harness.get_by_role_and_label(egui::accesskit::Role::TextInput, "Folder").click();
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness
        .get_by_role_and_label(egui::accesskit::Role::TextInput, "Folder")
        .type_text(&elsewhere.path().display().to_string());
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the typed folder", |h| shows(h, "far-away.txt"));
    assert!(!shows(&harness, "notes.txt"));
}
