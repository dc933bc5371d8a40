//! Regression (reshaping issue): one failure gets one explanation everywhere it appears.
//! On the demo account the VM's identity can read `archive` but not write it, and has no
//! data role on `restricted`. Each surface — the error panel, a toast, a transfer row,
//! the request log, `azfx put` / `azfx ls` and `azfx doctor` — must give the same
//! diagnosis title and a role command naming the real object id, account and share
//! (before, the toast said "no data role here" and the request log showed placeholders).

use std::sync::Arc;
use std::time::Duration;

use azfx_core::diagnose::{Class, Diagnosis};
use azfx_core::worker::exit_code;
use azfx_emulator::{Emulator, EmulatorConfig, demo};
use azfx_ui::TransferState;
use egui_kittest::kittest::Queryable;

use crate::support::cli::azfx;
use crate::support::window::{Dropped, app, demo_emulator, shows_containing, wait_for};

const READ_ONLY_TITLE: &str = "This identity may read but not write here";
/// `restricted`: the VM holds an SMB share role there (found through Resource Manager).
const NO_ROLE_TITLE: &str = "This identity's role works over SMB only";

/// The object id of the demo VM's system-assigned identity.
fn vm_object_id(emulator: &Emulator) -> String {
    let identities = emulator.control().identities();
    let vm = identities.iter().find(|i| i.resource_id.ends_with(demo::VM_NAME)).unwrap();
    vm.object_id.clone()
}

/// The role command names this identity, account and share, with no placeholder left
/// for what azfx knows.
fn assert_names_the_real_scope(text: &str, oid: &str, share: &str) {
    assert!(text.contains(&format!("--assignee-object-id {oid}")), "{text}");
    assert!(text.contains(&format!("storageAccounts/{}/", demo::ACCOUNT)), "{text}");
    assert!(text.contains(&format!("fileshares/{share}\"")), "{text}");
    for placeholder in ["<object-id>", "<account>", "<share>"] {
        assert!(!text.contains(placeholder), "{placeholder} in {text}");
    }
}

fn assert_diagnosis(diagnosis: &Diagnosis, class: Class, title: &str, oid: &str, share: &str) {
    assert_eq!((diagnosis.class, diagnosis.title.as_str()), (class, title));
    assert_names_the_real_scope(&diagnosis.next_steps.join("\n"), oid, share);
}

/// The request log's diagnoses of the 403 answers it shows.
fn forbidden_diagnoses(harness: &egui_kittest::Harness<'_, azfx_ui::AzfxApp>) -> Vec<Diagnosis> {
    let panel = &harness.state().log_panel;
    let refused = panel.entries.iter().filter(|e| e.status == Some(403));
    refused.map(|e| panel.diagnoses.get(&e.sequence).map(|d| (**d).clone()).expect("a 403 has a diagnosis")).collect()
}

#[test]
fn the_window_explains_a_denied_write_and_read_alike_on_every_surface() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let oid = vm_object_id(&emulator);
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::READ_ONLY_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the archive listing", |h| h.state().browser().is_some_and(|b| !b.entries.is_empty()));

    // The New folder dialog: on a share the identity may only read, the refusal is
    // explained under the field (the dialog waits for the service's answer).
    harness.get_by_label("New folder…").click();
    harness.run_steps(3);
    harness.get_by_label("Folder name").type_text("not-allowed");
    harness.step();
    harness.get_by_label("Create").click();
    wait_for(&mut harness, "the explanation", |h| shows_containing(h, READ_ONLY_TITLE));
    let problem = harness.state().browser().and_then(|b| b.dialogs.new_folder_problem.clone());
    assert!(problem.as_deref().is_some_and(|p| p.starts_with(READ_ONLY_TITLE)), "{problem:?}");
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);

    // A toast: Rename on the same share.
    let first = harness.state().browser().unwrap().entries[0].name.clone();
    harness.get_by_label(&first).click();
    harness.step();
    harness.key_press(egui::Key::F2);
    harness.run_steps(2);
    harness.get_by_label("New name").type_text("-renamed");
    harness.step();
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the toast", |h| {
        h.state().toasts.toasts.iter().any(|t| matches!(&t.notice, azfx_ui::Notice::Error(..)))
    });
    let toast = harness.state().toasts.toasts.iter().find_map(|t| match &t.notice {
        azfx_ui::Notice::Error(_, detail) => Some(detail.clone()),
        azfx_ui::Notice::Info(_) => None,
    });
    assert!(toast.as_deref().is_some_and(|d| d.starts_with(READ_ONLY_TITLE)), "{toast:?}");
    assert!(!shows_containing(&harness, "has no data role"), "the old, wrong explanation is gone");

    // A transfer row: a file dropped on the same share.
    let local = tempfile::tempdir().unwrap();
    std::fs::write(local.path().join("notes.txt"), b"dropped").unwrap();
    harness.input_mut().dropped_files.push(Arc::new(Dropped(local.path().join("notes.txt"))));
    harness.step();
    wait_for(&mut harness, "the failed upload", |h| h.state().transfers.items.iter().any(|i| !i.state.running()));
    let item = &harness.state().transfers.items[0];
    let TransferState::Failed(failure) = &item.state else { panic!("{:?}", item.state) };
    assert_diagnosis(&failure.diagnosis, Class::NoWriteRole, READ_ONLY_TITLE, &oid, demo::READ_ONLY_SHARE);

    // The request log: the refused requests carry the same diagnosis. (The upload's
    // check that its destination is free is logged too, as the 404 it is.)
    let refused = forbidden_diagnoses(&harness);
    assert!(refused.len() >= 2, "the mkdir and the create file are logged with diagnoses: {refused:?}");
    for diagnosis in refused {
        assert_diagnosis(&diagnosis, Class::NoWriteRole, READ_ONLY_TITLE, &oid, demo::READ_ONLY_SHARE);
    }

    // The error panel: a share without a data role.
    let mut harness = app(&emulator, demo::NO_ROLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the error panel", |h| h.state().browser().is_some_and(|b| b.error.is_some()));
    let error = harness.state().browser().and_then(|b| b.error.clone()).unwrap();
    assert_diagnosis(&error.diagnosis, Class::SmbRoleOnly, NO_ROLE_TITLE, &oid, demo::NO_ROLE_SHARE);
    let refused = forbidden_diagnoses(&harness);
    assert!(!refused.is_empty());
    for diagnosis in refused {
        assert_diagnosis(&diagnosis, Class::SmbRoleOnly, NO_ROLE_TITLE, &oid, demo::NO_ROLE_SHARE);
    }
}

#[test]
fn the_cli_explains_a_denied_write_and_read_as_the_window_does() {
    let emulator = Emulator::start(&EmulatorConfig { demo: true, ..EmulatorConfig::default() }).unwrap();
    let oid = vm_object_id(&emulator);
    let endpoint = emulator.file_endpoint(demo::ACCOUNT);
    let local = tempfile::tempdir().unwrap();
    let file = local.path().join("notes.txt");
    std::fs::write(&file, b"from the jump box").unwrap();

    // azfx put on the read-only share.
    let (code, _, err) = azfx(&emulator, &["put", file.to_str().unwrap(), &format!("{endpoint}/archive/")]);
    assert_eq!(code, exit_code::FORBIDDEN, "{err}");
    assert!(err.starts_with(&format!("azfx: {READ_ONLY_TITLE}\n")), "{err}");
    assert_names_the_real_scope(&err, &oid, demo::READ_ONLY_SHARE);

    // azfx ls on the share without a data role.
    let (code, _, err) = azfx(&emulator, &["ls", &format!("{endpoint}/restricted")]);
    assert_eq!(code, exit_code::FORBIDDEN, "{err}");
    assert!(err.starts_with(&format!("azfx: {NO_ROLE_TITLE}\n")), "{err}");
    assert_names_the_real_scope(&err, &oid, demo::NO_ROLE_SHARE);

    // azfx doctor: reading works, writing fails with the same explanation.
    let (code, out, err) = azfx(&emulator, &["doctor", "--account", &endpoint, "--share", demo::READ_ONLY_SHARE]);
    assert_eq!(code, exit_code::FORBIDDEN_WRITE, "{out}{err}");
    assert!(out.contains(&format!("    {READ_ONLY_TITLE}\n")), "{out}");
    assert_names_the_real_scope(&out, &oid, demo::READ_ONLY_SHARE);
}

/// The window connected without a share, with this endpoint and the demo's IMDS.
fn connected_without_share<'a>(emulator: &Emulator, endpoint: &str) -> egui_kittest::Harness<'a, azfx_ui::AzfxApp> {
    let mut config = azfx_core::worker::ConnectionConfig::new(
        endpoint,
        azfx_core::worker::CredentialConfig::ManagedIdentity(azfx_core::auth::IdentitySelector::SystemAssigned),
    );
    config.imds_endpoint = Some(emulator.identity_endpoint());
    config.retry.max_attempts = 1;
    let options = azfx_ui::StartOptions { connection: Some(config), ..azfx_ui::StartOptions::default() };
    egui_kittest::Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(move |cc| azfx_ui::AzfxApp::new(cc, options))
}

/// Regression (reshaping issue): a failed share listing was shown as "This identity may
/// not list shares" whatever the cause; now the picker shows the failure's own diagnosis.
#[test]
fn a_failed_share_listing_shows_its_own_error() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    emulator.control().inject(
        azfx_emulator::FaultTarget::Files,
        &azfx_emulator::Fault::Status { status: 503, retry_after_secs: Some(1) },
        1,
    );
    let mut harness = connected_without_share(&emulator, &emulator.file_endpoint(demo::ACCOUNT));
    wait_for(&mut harness, "the throttling explained", |h| shows_containing(h, "The service is throttling"));
    assert!(shows_containing(&harness, "The shares of this account could not be listed"));
    assert!(shows_containing(&harness, "HTTP 503 · ServerBusy"));
    assert!(!shows_containing(&harness, "may not list shares"));
    assert!(harness.query_by_label("Open share").is_some(), "a share can still be typed");

    // An account name that does not exist: its host name does not resolve.
    let mut harness = connected_without_share(&emulator, "https://nosuchaccount123.file.core.windows.net");
    wait_for(&mut harness, "the DNS failure explained", |h| {
        shows_containing(h, "The file endpoint's name does not resolve")
    });
    assert!(!shows_containing(&harness, "may not list shares"));
    // And a way back to fix the account name (explorer issue, input 2).
    harness.get_by_label("Disconnect").click();
    harness.run_steps(3);
    assert!(harness.state().session.is_none());
    assert!(harness.query_by_label("Connect").is_some(), "the connect page is back");
}
