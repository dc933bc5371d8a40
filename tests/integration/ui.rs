//! The real window, driven through `egui_kittest` against an in-process emulator with the
//! demo content: click by label, assert on what a person would see.

use crate::support::window::{
    Dropped, app, app_in, app_with, demo_emulator, double_click, shows, shows_containing, wait_for,
};
use azfx_core::worker::{ConnectionConfig, CredentialConfig};
use azfx_emulator::demo;
use azfx_ui::{AzfxApp, StartOptions};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::sync::Arc;
use std::time::Duration;

#[test]
fn browse_sort_filter_and_manage_files() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "reports"));

    // Folders first, sorted by name; the Name header flips the order.
    let y = |h: &Harness<'_, AzfxApp>, label: &str| h.get_by_label(label).rect().top();
    assert!(y(&harness, "backups") < y(&harness, "reports"));
    assert!(y(&harness, "telemetry") < y(&harness, "README.md"), "folders first");
    harness.get_by_label("Name ⏶").click();
    harness.step();
    harness.step();
    assert!(shows(&harness, "Name ⏷"));
    assert!(y(&harness, "reports") < y(&harness, "backups"));

    // Filter as you type.
    harness.get_by_label("Filter").click();
    harness.step();
    harness.get_by_label("Filter").type_text("rep");
    harness.step();
    harness.step();
    assert!(shows(&harness, "reports") && !shows(&harness, "backups"));
    assert!(shows(&harness, "1 item"));

    // Double-click opens a folder; breadcrumbs lead back.
    double_click(&mut harness, "reports");
    wait_for(&mut harness, "reports/", |h| shows(h, "2026"));
    double_click(&mut harness, "2026");
    wait_for(&mut harness, "reports/2026", |h| shows(h, "q1.csv"));
    assert!(shows(&harness, "reports"), "the breadcrumb names the parent");
    harness.get_by_label("reports").click();
    wait_for(&mut harness, "back in reports", |h| shows(h, "2026") && !shows(h, "q1.csv"));
    harness.get_by_label("/projects").click();
    wait_for(&mut harness, "the root", |h| shows(h, "designs"));

    // New folder, rename, delete.
    harness.get_by_label("New folder…").click();
    harness.run_steps(3);
    harness.get_by_label("Folder name").type_text("Quarterly");
    harness.step();
    harness.get_by_label("Create").click();
    wait_for(&mut harness, "the new folder", |h| shows(h, "Quarterly"));
    harness.get_by_label("Quarterly").click();
    harness.step();
    harness.key_press(egui::Key::F2);
    harness.step();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.get_by_label("New name").type_text("Yearly");
    harness.step();
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the renamed folder", |h| shows(h, "Yearly") && !shows(h, "Quarterly"));
    harness.get_by_label("Yearly").click();
    harness.step();
    harness.key_press(egui::Key::Delete);
    harness.run_steps(3);
    assert!(shows(&harness, "Delete Yearly?"));
    harness.get_by_label("Delete").click();
    wait_for(&mut harness, "the folder gone", |h| !shows(h, "Yearly"));
    // Gone from the share, not only from the table; and nothing else went with it.
    let root = emulator.control().list(demo::ACCOUNT, demo::WRITABLE_SHARE, "").unwrap();
    assert!(!root.iter().any(|name| name == "Yearly" || name == "Quarterly"), "{root:?}");
    assert!(root.iter().any(|name| name == "designs") && root.iter().any(|name| name == "README.md"), "{root:?}");
    assert!(shows(&harness, "designs"), "the other rows stay on screen");

    // Download a file to the download folder.
    harness.get_by_label("README.md").click();
    harness.step();
    harness.get_by_label("Download").click();
    let dest = downloads.path().join("README.md");
    wait_for(&mut harness, "the download", |h| {
        h.state().transfers.running() == 0 && !h.state().transfers.items.is_empty()
    });
    assert!(std::fs::read_to_string(&dest).unwrap().starts_with("# Demo share"));
    assert!(shows_containing(&harness, "Download README.md finished"), "a toast says so");

    // A second download never replaces the local file: it gets a free name beside it.
    std::fs::write(&dest, b"my local edits").unwrap();
    harness.get_by_label("Download").click();
    wait_for(&mut harness, "the second download", |h| {
        h.state().transfers.running() == 0 && h.state().transfers.items.len() == 2
    });
    assert_eq!(std::fs::read(&dest).unwrap(), b"my local edits");
    let kept_beside = downloads.path().join("README (1).md");
    assert!(std::fs::read_to_string(&kept_beside).unwrap().starts_with("# Demo share"));
    // Regression (transfers issue, input 8): the toast names the file actually written.
    assert!(
        shows_containing(&harness, &format!("saved as {}", kept_beside.display())),
        "the toast names README (1).md"
    );
    assert_eq!(harness.state().transfers.items[1].written.as_deref(), Some(kept_beside.to_str().unwrap()));
}

#[test]
fn dropped_files_and_folders_upload_into_the_open_folder() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "designs"));
    let local = tempfile::tempdir().unwrap();
    std::fs::write(local.path().join("notes.txt"), b"dropped from the desktop").unwrap();
    std::fs::create_dir_all(local.path().join("photos/2026")).unwrap();
    std::fs::write(local.path().join("photos/2026/a.jpg"), vec![9_u8; 5 << 20]).unwrap();
    harness.input_mut().dropped_files.push(Arc::new(Dropped(local.path().join("notes.txt"))));
    harness.input_mut().dropped_files.push(Arc::new(Dropped(local.path().join("photos"))));
    harness.step();
    wait_for(&mut harness, "both uploads listed", |h| shows(h, "notes.txt") && shows(h, "photos"));
    let client_view = emulator.control().entry_count(demo::ACCOUNT, demo::WRITABLE_SHARE).unwrap();
    assert!(client_view > demo::LARGE_FOLDER_ENTRIES);
    double_click(&mut harness, "photos");
    wait_for(&mut harness, "photos/", |h| shows(h, "2026"));
    double_click(&mut harness, "2026");
    wait_for(&mut harness, "photos/2026", |h| shows(h, "a.jpg"));
    assert!(shows(&harness, "5.0 MiB"));
}

#[test]
fn a_share_without_a_role_shows_the_403_not_an_empty_table() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::NO_ROLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the error panel", |h| shows_containing(h, "Could not list /restricted"));
    // The 403 panel (control-plane issue): the role found and where, the role missing,
    // and the command with the real subscription and resource group.
    assert!(shows(&harness, "This identity's role works over SMB only"));
    assert!(shows_containing(&harness, "holds Storage File Data SMB Share Contributor on the share"));
    assert!(shows_containing(&harness, "--role \"Storage File Data Privileged Reader\""));
    assert!(shows_containing(
        &harness,
        &format!("/subscriptions/{}/resourceGroups/{}/", azfx_emulator::model::DEMO_SUBSCRIPTION, demo::RESOURCE_GROUP)
    ));
    assert!(shows_containing(&harness, "az role assignment create --assignee-object-id"));
    assert!(shows_containing(&harness, "SMB Share roles do not grant REST access"));
    assert!(shows_containing(&harness, "HTTP 403 · AuthorizationPermissionMismatch · request id"));
    assert!(shows(&harness, "Retry"));
    assert!(!shows(&harness, "0 items"), "no empty table");
    harness.get_by_label("Evidence").click();
    harness.run_steps(2);
    assert!(shows_containing(&harness, "Reader at the resource group"), "every role found is listed");
    assert!(harness.state().status.errors >= 1);
    assert!(shows(&harness, "1 error"));
}

#[test]
fn the_countdown_changes_after_a_token_refresh() {
    let emulator = demo_emulator(Duration::from_secs(120));
    let downloads = tempfile::tempdir().unwrap();
    let frozen = azfx_core::auth::now_unix();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), Some(Arc::new(move || frozen)));
    wait_for(&mut harness, "a token", |h| shows_containing(h, "Token expires in"));
    let before = harness.state().status.token_text(frozen).unwrap();
    assert!(shows(&harness, &before), "the status bar shows {before}");
    // Issued at or a second or two after `frozen` was read.
    assert!(["01:5", "02:00", "02:01", "02:02"].iter().any(|t| before.contains(t)), "{before}");
    emulator.control().set_token_lifetime(Duration::from_secs(900));
    harness.get_by_label("Refresh token").click();
    wait_for(&mut harness, "a refreshed token", |h| shows_containing(h, "Token expires in 1"));
    let after = harness.state().status.token_text(frozen).unwrap();
    assert!(shows(&harness, &after), "the status bar shows {after}");
    assert_ne!(before, after);
    assert!(after.contains("15:0") || after.contains("14:5"), "{after}");
}

#[test]
fn the_window_explains_a_400_and_a_401() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share", |h| shows(h, "designs"));
    // A gateway that wants the intent header the way the service does.
    emulator.control().inject(
        azfx_emulator::FaultTarget::Files,
        &azfx_emulator::Fault::ServiceError {
            status: 400,
            code: "MissingRequiredHeader".into(),
            header_name: Some("x-ms-file-request-intent".into()),
        },
        1,
    );
    harness.get_by_label("Refresh").click();
    wait_for(&mut harness, "the 400 panel", |h| shows(h, "The backup intent header is missing"));
    assert!(shows_containing(&harness, "HTTP 400 · MissingRequiredHeader"));
    harness.get_by_label("Retry").click();
    wait_for(&mut harness, "the listing after Retry", |h| shows(h, "designs"));

    // A pasted token the service has revoked: 401, and no way to refresh it.
    let vm = azfx_emulator::Identity::system_assigned(demo::VM_NAME);
    let token = emulator.control().mint_token(&vm.object_id, "https://storage.azure.com/", 0, 3600).unwrap();
    let mut harness = app_with(
        &emulator,
        demo::WRITABLE_SHARE,
        downloads.path(),
        None,
        CredentialConfig::PastedToken(azfx_core::auth::Secret::new(token)),
    );
    wait_for(&mut harness, "the share", |h| shows(h, "designs"));
    std::thread::sleep(Duration::from_millis(1100));
    emulator.control().expire_all_tokens();
    harness.get_by_label("Refresh").click();
    wait_for(&mut harness, "the 401 panel", |h| shows(h, "The token has expired"));
    assert!(shows_containing(&harness, "HTTP 401 · InvalidAuthenticationInfo"));
    assert!(shows_containing(&harness, "again after azfx fetched a new one"), "it says a refresh was tried");
}

#[test]
fn the_access_check_window_shows_each_step() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::READ_ONLY_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the archive share", |h| shows(h, "2025"));
    harness.get_by_label("Check access").click();
    wait_for(&mut harness, "the finished check", |h| shows_containing(h, "Access check failed"));
    assert!(shows(&harness, "✔ List the share root (read)"));
    assert!(shows(&harness, "✖ Create a temporary directory"));
    assert!(shows(&harness, "This identity may read but not write here"));
    assert!(shows_containing(&harness, "--role \"Storage File Data Privileged Contributor\""));
    assert!(shows_containing(&harness, "exit code 8"));
}

#[test]
fn identity_inspector_request_log_and_a_bundle_without_secrets() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let vm = azfx_emulator::Identity::system_assigned(demo::VM_NAME);
    let token = emulator.control().mint_token(&vm.object_id, "https://storage.azure.com/", 0, 3600).unwrap();
    let credential = CredentialConfig::PastedToken(azfx_core::auth::Secret::new(token.clone()));
    let mut harness = app_with(&emulator, demo::NO_ROLE_SHARE, downloads.path(), None, credential);
    wait_for(&mut harness, "the 403 panel", |h| shows_containing(h, "Could not list /restricted"));

    harness.get_by_label("Identity").click();
    wait_for(&mut harness, "the identity inspector", |h| shows(h, "Object id (oid)"));
    assert!(shows(&harness, &vm.object_id));
    assert!(shows_containing(&harness, "sha256:"), "the fingerprint, not the token");
    assert!(shows_containing(&harness, "Clock: within"), "skew against the service's Date header");

    harness.get_by_label("Identity").click();
    harness.get_by_label("Request log").click();
    wait_for(&mut harness, "the request log", |h| shows(h, "Export JSON lines…") && !shows(h, "Object id (oid)"));
    // The row shows the path and query (what differs between rows), the whole URL on hover.
    let account_path = url::Url::parse(&emulator.file_endpoint(demo::ACCOUNT)).unwrap().path().to_owned();
    let row = format!(
        "List directory {account_path}/restricted?restype=directory&comp=list&include=Timestamps,ETag,Attributes&maxresults=5000"
    );
    assert!(shows(&harness, &row), "the failed listing is logged");
    harness.run_steps(10); // let the new window settle before clicking into it
    harness.get_by_label("403").click();
    wait_for(&mut harness, "its details", |h| shows(h, "Copy as curl"));
    let diagnoses = harness.query_all_by_label("This identity has no role that lets it read this share").count();
    assert_eq!(diagnoses, 2, "in the error panel and in the request's details");
    assert!(shows_containing(&harness, "authorization: Bearer <sha256:"));

    let bundle = harness.state().diagnostic_bundle();
    assert!(bundle.contains(&vm.object_id) && bundle.contains("AuthorizationPermissionMismatch"));
    assert!(!bundle.contains(&token), "the token is not in the bundle");
    assert!(!bundle.contains("eyJ"), "nothing token-shaped in the bundle");
}

#[test]
fn connecting_through_the_form_tests_the_identity_first() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let options = StartOptions { download_dir: Some(downloads.path().to_owned()), ..StartOptions::default() };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_step_dt(1.0 / 60.0)
        .build_eframe(move |cc| AzfxApp::new(cc, options));
    harness.run_steps(2);
    assert!(shows(&harness, "Connect to an Azure file share"));
    assert!(shows(&harness, "Not connected"));
    harness.get_by_label("Account").click();
    harness.get_by_label("Account").type_text(&emulator.file_endpoint(demo::ACCOUNT));
    harness.get_by_label("Share").click();
    harness.get_by_label("Share").type_text(demo::WRITABLE_SHARE);
    harness.get_by_label("Advanced").click();
    harness.run_steps(3);
    harness.get_by_label("IMDS endpoint").click();
    harness.get_by_label("IMDS endpoint").type_text(&emulator.identity_endpoint());
    harness.step();
    harness.get_by_label("Test identity").click();
    wait_for(&mut harness, "the identity test", |h| shows_containing(h, "Token for jumpbox-01"));
    harness.get_by_label("Connect").click();
    wait_for(&mut harness, "the share", |h| shows(h, "designs"));
    assert!(shows_containing(&harness, "jumpbox-01 · managed identity via IMDS"));
    let saved = &harness.state().settings.connections;
    assert_eq!(saved.len(), 1, "the connection is remembered");
    assert_eq!(saved[0].share, demo::WRITABLE_SHARE);
}

#[test]
fn readable_at_200_percent_and_recent_locations_lead_back() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut config = ConnectionConfig::new(
        &emulator.file_endpoint(demo::ACCOUNT),
        CredentialConfig::ManagedIdentity(azfx_core::auth::IdentitySelector::SystemAssigned),
    );
    config.imds_endpoint = Some(emulator.identity_endpoint());
    let options = StartOptions {
        connection: Some(config),
        share: Some(demo::WRITABLE_SHARE.to_owned()),
        download_dir: Some(downloads.path().to_owned()),
        ..StartOptions::default()
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .with_pixels_per_point(2.0)
        .with_step_dt(1.0 / 60.0)
        .build_eframe(move |cc| AzfxApp::new(cc, options));
    wait_for(&mut harness, "the share at 2x", |h| shows(h, "reports"));
    for label in ["Back", "Refresh", "Check access", "Filter", "New folder…", "Identity", "Request log"] {
        assert!(shows(&harness, label), "{label} at 200 %");
    }
    assert!(shows_containing(&harness, "Token expires in"));
    double_click(&mut harness, "reports");
    wait_for(&mut harness, "reports", |h| shows(h, "2026"));
    harness.get_by_label("/projects").click();
    wait_for(&mut harness, "the root", |h| shows(h, "designs"));
    harness.get_by_label("Recent").click();
    harness.run_steps(3);
    harness.get_by_label("/projects/reports").click();
    wait_for(&mut harness, "reports from Recent", |h| shows(h, "2026"));
}

#[test]
fn about_names_the_version_the_renderer_and_the_folders() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let (downloads, state) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut harness = app_in(&emulator, demo::READ_ONLY_SHARE, downloads.path(), state.path());
    wait_for(&mut harness, "the archive share", |h| shows(h, "2025"));
    assert!(!shows(&harness, "About azfx"), "closed until asked");
    harness.get_by_label("Support").click();
    harness.run();
    harness.get_by_label("About azfx").click();
    wait_for(&mut harness, "the About window", |h| shows(h, "Renderer"));
    assert!(shows(&harness, azfx_core::logging::VERSION));
    assert!(shows(&harness, "none"), "the test harness renders with neither wgpu nor OpenGL");
    assert!(shows(&harness, &state.path().display().to_string()), "the journal's folder");
}
