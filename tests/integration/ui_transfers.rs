//! The window's transfers against the demo emulator (kittest): an upload onto a name that
//! exists asks first and replaces nothing until answered.

use std::sync::Arc;
use std::time::Duration;

use azfx_emulator::demo;
use egui_kittest::kittest::Queryable;

use crate::support::window::{Dropped, app, demo_emulator, shows, shows_containing, wait_for};

/// Regression (transfers issue, input 2): dropping a local `README.md` (51 B) on
/// `/projects` replaced the share's 245 B `README.md` and toasted "finished".
#[test]
fn silent_replace_a_drop_onto_an_existing_name_asks_first() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "README.md"));
    let readme_count = || {
        emulator
            .control()
            .list(demo::ACCOUNT, demo::WRITABLE_SHARE, "")
            .unwrap()
            .iter()
            .filter(|n| n.starts_with("README"))
            .count()
    };
    let local = tempfile::tempdir().unwrap();
    std::fs::write(local.path().join("README.md"), [b'x'; 51]).unwrap();
    harness.input_mut().dropped_files.push(Arc::new(Dropped(local.path().join("README.md"))));
    harness.step();
    wait_for(&mut harness, "the question", |h| shows(h, "Replace or keep?"));
    assert!(shows_containing(&harness, "README.md already exists in /projects"));
    assert!(shows_containing(&harness, "Nothing has been replaced yet"));
    assert!(!shows_containing(&harness, "Upload README.md finished"), "no false success");
    assert_eq!(readme_count(), 1);

    harness.get_by_label("Keep both").click();
    wait_for(&mut harness, "the copy beside it", |h| shows(h, "README (1).md"));
    assert!(!shows(&harness, "Replace or keep?"));
    let names = emulator.control().list(demo::ACCOUNT, demo::WRITABLE_SHARE, "").unwrap();
    assert!(names.iter().any(|n| n == "README.md") && names.iter().any(|n| n == "README (1).md"), "{names:?}");
    assert!(shows(&harness, "245 B"), "the share's README.md is untouched");
}

/// The transfer queue survives a restart: a download paused in one run (the worker the
/// window uses, on the same state directory) is listed when the window opens again, with
/// Resume; resumed, it can be paused again from its row and resumed to the end.
#[test]
fn the_queue_reappears_after_a_restart_and_resumes() {
    use azfx_core::worker::{ConnectionConfig, CredentialConfig};
    let emulator = demo_emulator(Duration::from_secs(3600));
    let control = emulator.control();
    let data: Vec<u8> = (0..48_usize << 20).map(|i| u8::try_from(i % 251).unwrap() | 1).collect();
    control.put_file(demo::ACCOUNT, demo::WRITABLE_SHARE, "big.bin", &data).unwrap();
    let state = tempfile::tempdir().unwrap();
    let downloads = tempfile::tempdir().unwrap();
    let dest = downloads.path().join("big.bin");
    let mut config = ConnectionConfig::new(
        &emulator.file_endpoint(demo::ACCOUNT),
        CredentialConfig::ManagedIdentity(azfx_core::auth::IdentitySelector::SystemAssigned),
    );
    config.imds_endpoint = Some(emulator.identity_endpoint());

    // The earlier run: a download paused half way, then the process ends.
    control.set_latency(Duration::from_millis(150));
    paused_in_an_earlier_run(config.clone(), state.path(), "big.bin", &dest);

    // The window opens on the same state directory: the download is there, paused.
    let mut harness = crate::support::window::app_in(&emulator, demo::WRITABLE_SHARE, downloads.path(), state.path());
    wait_for(&mut harness, "the restored queue", |h| shows(h, "Download big.bin"));
    assert!(shows(&harness, "Paused"));
    assert!(!dest.exists(), "nothing under the real name yet");
    wait_for(&mut harness, "the connection", |h| {
        h.query_by_label("Resume").is_some_and(|b| {
            use egui_kittest::kittest::NodeT as _;
            !b.accesskit_node().is_disabled()
        })
    });
    harness.get_by_label("Resume").click();
    wait_for(&mut harness, "it moving", |h| h.query_by_label("Pause").is_some());
    harness.get_by_label("Pause").click();
    wait_for(&mut harness, "paused again", |h| shows(h, "Paused"));
    control.set_latency(Duration::ZERO);
    harness.get_by_label("Resume").click();
    wait_for(&mut harness, "the end", |h| shows_containing(h, "Download big.bin finished"));
    assert_eq!(std::fs::read(&dest).unwrap(), data, "identical");
    assert!(crate::support::engine::no_temporary_files(downloads.path()));
}

/// Regression (transfers issue, input 8): a second download of `README.md` arrived as
/// `README (1).md` while the toast said only "Download README.md finished", with no way
/// to open it. Each row now says where it goes (the name actually written once done) and
/// a finished download has Open and Show in folder.
#[test]
fn downloads_say_where_they_went_and_offer_open_and_show_in_folder() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "README.md"));
    assert!(harness.query_by_label("Show in folder").is_none(), "nothing to show yet");
    harness.get_by_label("README.md").click();
    harness.step();
    harness.get_by_label("Download").click();
    wait_for(&mut harness, "the first download", |h| shows_containing(h, "Download README.md finished"));
    let first = downloads.path().join("README.md");
    assert!(shows(&harness, &format!("to {}", first.display())), "the row names the file");
    assert_eq!(harness.query_all_by_label("Show in folder").count(), 1);
    assert_eq!(harness.query_all_by_label("Open").count(), 1);

    harness.get_by_label("Download").click();
    let second = downloads.path().join("README (1).md");
    wait_for(&mut harness, "the second download", |h| shows(h, &format!("to {}", second.display())));
    assert!(second.exists() && first.exists(), "nothing replaced");
    let toast = format!("Download README.md finished (245 B): saved as {}", second.display());
    assert!(shows(&harness, &toast), "the toast names the file written");
    assert_eq!(harness.query_all_by_label("Show in folder").count(), 2);
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Regression (tryout issue, input 2): after the conflict question, the row said "100 %
/// 16 B / 16 B Done · to /projects/README.md" for a file kept as it was (Replace if
/// newer, local older), named `/projects/README.md` for a Keep both that wrote `README
/// (1).md`, and an "asked what to do" row stayed forever after any answer. One row per
/// upload, ending in what happened.
#[test]
fn an_answered_conflict_ends_its_own_row_in_what_happened() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "README.md"));
    let local = tempfile::tempdir().unwrap();
    let readme = local.path().join("README.md");
    std::fs::write(&readme, [b'o'; 16]).unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    std::fs::File::options().write(true).open(&readme).unwrap().set_modified(old).unwrap();
    let rows = |h: &egui_kittest::Harness<'_, azfx_ui::AzfxApp>| h.query_all_by_label("Upload README.md").count();
    let mut drop_and_answer = |answer: &str, ends: &str, to: &str| {
        harness.input_mut().dropped_files.push(Arc::new(Dropped(readme.clone())));
        harness.step();
        wait_for(&mut harness, "the question", |h| shows(h, "Replace or keep?"));
        // Both sides' sizes and dates, what "Replace if newer" decides by (item 12).
        wait_for(&mut harness, "the facts", |h| shows_containing(h, "Yours: 16 B, modified 2001-09-09"));
        assert!(shows_containing(&harness, "There: 245 B, modified "), "the share's file");
        assert!(shows_containing(&harness, "(older)"));
        harness.get_by_label(answer).click();
        wait_for(&mut harness, ends, |h| shows(h, ends));
        harness.run_steps(3);
        assert!(!shows_containing(&harness, "asked what to do"), "no row is left asking ({answer})");
        assert_eq!(rows(&harness), 1, "one row per upload ({answer})");
        assert!(shows(&harness, to), "the row names where it went ({answer})");
        assert!(!shows(&harness, "Done"), "no bare Done ({answer})");
        harness.get_by_label("Clear finished").click();
        harness.run_steps(2);
    };

    drop_and_answer("Replace if newer", "Kept /projects/README.md (not newer)", "to /projects/README.md");
    drop_and_answer("Keep both", "Saved as /projects/README (1).md", "to /projects/README (1).md");
    drop_and_answer("Skip", "Skipped: /projects/README.md left as it was", "to /projects/README.md");

    let names = emulator.control().list(demo::ACCOUNT, demo::WRITABLE_SHARE, "").unwrap();
    let readmes: Vec<_> = names.iter().filter(|n| n.starts_with("README")).collect();
    assert_eq!(readmes, ["README (1).md", "README.md"], "only Keep both wrote");
    assert!(shows(&harness, "245 B"), "the share's README.md is untouched");
}

/// Regression (tryout issue, input 9): a job paused in one demo session could not be
/// resumed after a restart ("Connect to `https://127.0.0.1:43375/…` to resume", Resume
/// disabled): the demo's emulator listens on a new port each start. A job resumes on the
/// same account whatever port it was started on (here `http://localhost:P` then
/// `https://127.0.0.1:Q`).
#[test]
fn a_paused_job_resumes_on_the_same_account_reached_on_another_port() {
    use azfx_core::worker::{ConnectionConfig, CredentialConfig};
    use egui_kittest::kittest::NodeT as _;
    // Plain HTTP on one port for the first run, HTTPS on another for the window.
    let emulator = azfx_emulator::Emulator::start(&azfx_emulator::EmulatorConfig {
        demo: true,
        https: true,
        token_lifetime: Duration::from_secs(3600),
        ..azfx_emulator::EmulatorConfig::default()
    })
    .unwrap();
    let control = emulator.control();
    let data: Vec<u8> = (0..24_usize << 20).map(|i| u8::try_from(i % 249).unwrap()).collect();
    control.put_file(demo::ACCOUNT, demo::WRITABLE_SHARE, "moved.bin", &data).unwrap();
    let state = tempfile::tempdir().unwrap();
    let downloads = tempfile::tempdir().unwrap();
    let dest = downloads.path().join("moved.bin");
    let elsewhere = format!("{}/{}", emulator.http_url().replace("127.0.0.1", "localhost"), demo::ACCOUNT);
    assert_ne!(
        url::Url::parse(&elsewhere).unwrap().port(),
        url::Url::parse(&emulator.file_endpoint(demo::ACCOUNT)).unwrap().port()
    );
    let mut config = ConnectionConfig::new(
        &elsewhere,
        CredentialConfig::ManagedIdentity(azfx_core::auth::IdentitySelector::SystemAssigned),
    );
    config.imds_endpoint = Some(emulator.identity_endpoint());
    control.set_latency(Duration::from_millis(150));
    paused_in_an_earlier_run(config, state.path(), "moved.bin", &dest);
    control.set_latency(Duration::ZERO);
    let ca = emulator.ca_pem().map(|pem| pem.as_bytes().to_vec());
    let mut harness =
        crate::support::window::app_tweaked(&emulator, demo::WRITABLE_SHARE, downloads.path(), |options| {
            options.state_dir = Some(state.path().to_owned());
            if let Some(connection) = &mut options.connection {
                connection.ca_pem = ca;
            }
        });
    wait_for(&mut harness, "the restored job", |h| shows(h, "Download moved.bin") && shows(h, "Paused"));
    wait_for(&mut harness, "Resume enabled", |h| {
        h.query_by_label("Resume").is_some_and(|b| !b.accesskit_node().is_disabled())
    });
    harness.get_by_label("Resume").click();
    wait_for(&mut harness, "the end", |h| shows_containing(h, "Download moved.bin finished"));
    assert_eq!(std::fs::read(&dest).unwrap(), data);
    assert_eq!(harness.query_all_by_label("Download moved.bin").count(), 1, "the same job, not a second one");
}

/// An earlier run of azfx on the journal in `state`: connects with `config`, downloads the
/// demo share's `remote` to `dest`, pauses it once some bytes arrived, and ends.
fn paused_in_an_earlier_run(
    config: azfx_core::worker::ConnectionConfig,
    state: &std::path::Path,
    remote: &str,
    dest: &std::path::Path,
) {
    use azfx_core::worker::{Event, Worker};
    let mut worker = Worker::spawn_in(state.to_owned(), || {}).unwrap();
    crate::support::engine::wait(worker.connect(config)).unwrap();
    let (task, promise) =
        worker.download(demo::WRITABLE_SHARE, remote, dest.to_owned(), azfx_core::transfer::Conflict::Fail);
    wait_until("some bytes", || {
        worker
            .poll_events()
            .iter()
            .any(|e| matches!(e, Event::Progress { task: t, done, .. } if *t == task && *done > 0))
    });
    worker.pause(task);
    assert!(crate::support::engine::wait(promise).is_err());
}
