//! No request repeats without a user action or a bounded backoff (tryout issue, input 1):
//! after each kind of failure the window can show — a folder of the navigation pane, a
//! share the identity lost its role on, the discovery tree, a token refresh, a transfer —
//! the emulator is asked nothing more while the window keeps drawing frames.

use std::time::{Duration, Instant};

use azfx_emulator::{Emulator, Fault, FaultTarget, demo};
use azfx_ui::AzfxApp;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use crate::support::window::{app, demo_emulator, shows, shows_containing, wait_for};
use crate::ui_errors::errors_shown;

/// How long the window is watched after a failure settled: long enough for a per-frame
/// storm to send hundreds of requests (the blocker sent about 35 a second).
const WATCH: Duration = Duration::from_secs(3);

/// Draws frames for `WATCH`, as an idle window on screen does (60 a second), and answers
/// how many requests of any kind reached the emulator meanwhile.
fn requests_while_idle(harness: &mut Harness<'_, AzfxApp>, emulator: &Emulator) -> u64 {
    let before = emulator.control().requests();
    let end = Instant::now() + WATCH;
    while Instant::now() < end {
        harness.step();
        std::thread::sleep(Duration::from_millis(16));
    }
    emulator.control().requests() - before
}

/// Clicks the navigation pane's node `name` (the first label of that text: the pane is
/// drawn before the list).
fn click_nav(harness: &mut Harness<'_, AzfxApp>, name: &str) {
    harness.get_all_by_label(name).next().unwrap_or_else(|| panic!("no {name} on screen")).click();
    harness.run_steps(2);
}

/// Regression (input 1, the blocker): clicking `restricted` (no data role) in the pane
/// listed it again on every frame: the error count rose by about 35 a second and the
/// request log filled with the same 403.
#[test]
fn a_folder_that_failed_in_the_navigation_pane_is_listed_again_only_when_asked() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "telemetry"));

    click_nav(&mut harness, demo::NO_ROLE_SHARE);
    wait_for(&mut harness, "the pane's failure", |h| shows(h, "List again"));
    // The list's own failure and the pane's may land a frame apart.
    harness.run_steps(10);
    let errors = errors_shown(&harness);
    assert_eq!(requests_while_idle(&mut harness, &emulator), 0, "nothing is asked again by itself");
    assert_eq!(errors_shown(&harness), errors, "the error count stays where it was");

    // Retry is a user action: exactly one more listing, then quiet again.
    let before = emulator.control().files_requests();
    harness.get_by_label("List again").click();
    harness.run_steps(2);
    wait_for(&mut harness, "the pane's failure again", |h| shows(h, "List again"));
    assert_eq!(emulator.control().files_requests() - before, 1, "one listing per Retry");
    assert_eq!(requests_while_idle(&mut harness, &emulator), 0);
}

/// Regression (input 1, the drill "Remove the data role"): a share whose role was removed
/// failed in the pane and was listed again on every frame.
#[test]
fn a_share_whose_role_was_removed_fails_once_in_the_pane_and_in_the_list() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "telemetry"));
    azfx::cli::demo::apply(
        &azfx_emulator::demo::Training::new(emulator.control().clone()),
        azfx_core::training::Drill::RemoveRole,
    )
    .unwrap();

    click_nav(&mut harness, demo::READ_ONLY_SHARE);
    wait_for(&mut harness, "the pane's failure", |h| shows(h, "List again"));
    harness.run_steps(10);
    let errors = errors_shown(&harness);
    assert!(errors >= 1, "the 403 is counted");
    assert_eq!(requests_while_idle(&mut harness, &emulator), 0);
    assert_eq!(errors_shown(&harness), errors);
}

/// Resource Manager refusing the discovery tree (503 on every request): the tree says so
/// after its bounded retries, and nothing more is asked until Find accounts is pressed.
#[test]
fn a_discovery_that_failed_is_not_asked_again_by_itself() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "telemetry"));
    emulator.control().throttle_arm(10_000);
    harness.get_by_label("Other accounts").click();
    harness.run_steps(3);
    harness.get_by_label("Find accounts").click();
    harness.run_steps(2);
    wait_for_long(&mut harness, "discovery to give up", |h| !shows(h, "Asking Resource Manager…"));
    assert_eq!(requests_while_idle(&mut harness, &emulator), 0);
}

/// The token endpoint failing while the token runs out: the worker refreshes with a
/// bounded backoff (30 s after a failure) whatever asks for a token — the idle refresher,
/// a listing after the token expired — and the window itself asks nothing.
#[test]
fn a_failing_token_refresh_is_retried_only_after_a_pause() {
    // Tokens of 6 s are due after 3 s (half their life) and expire at 6 s.
    let emulator = demo_emulator(Duration::from_secs(6));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "telemetry"));
    emulator.control().inject(FaultTarget::Identity, &Fault::Status { status: 500, retry_after_secs: None }, 10_000);
    wait_for_long(&mut harness, "the refresh to fail", |h| shows_containing(h, "Token refresh failed"));
    assert_eq!(requests_while_idle(&mut harness, &emulator), 0, "no refresh again before the pause");
    // Expired by now, the source still failing: a listing fails without a fetch of its own.
    wait_for_long(&mut harness, "the token expired", |h| shows(h, "Token expired"));
    let before = emulator.control().identity_requests();
    harness.key_press(egui::Key::F5);
    wait_for_long(&mut harness, "the listing's failure", |h| h.state().browser().is_some_and(|b| b.error.is_some()));
    assert_eq!(emulator.control().identity_requests(), before, "within the pause, the known failure answers");
}

/// A download refused for good (403 after the role was removed) is not tried again.
#[test]
fn a_failed_transfer_is_not_tried_again_by_itself() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "README.md"));
    azfx::cli::demo::apply(
        &azfx_emulator::demo::Training::new(emulator.control().clone()),
        azfx_core::training::Drill::RemoveRole,
    )
    .unwrap();
    harness.get_by_label("README.md").click();
    harness.run_steps(2);
    harness.get_by_label("Download").click();
    harness.run_steps(2);
    wait_for_long(&mut harness, "the download to fail", |h| shows_containing(h, "Failed:"));
    assert_eq!(requests_while_idle(&mut harness, &emulator), 0);
}

/// `wait_for`, for what ends after bounded retries (up to 40 s).
fn wait_for_long(harness: &mut Harness<'_, AzfxApp>, what: &str, done: impl Fn(&Harness<'_, AzfxApp>) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(40);
    while !done(harness) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        harness.step();
        std::thread::sleep(Duration::from_millis(16));
    }
    harness.step();
}

/// Regression (tryout issue, input 6): a recursive delete ("Deleting… 5 400 of 20 001")
/// had no Cancel and Esc did nothing. Cancel stops it between requests: what was deleted
/// stays deleted, the rest stays, and nothing more is sent.
#[test]
fn a_recursive_delete_can_be_cancelled_and_keeps_the_rest() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "telemetry"));
    harness.state_mut().open_folder("telemetry");
    wait_for(&mut harness, "telemetry", |h| shows(h, "2026-11"));
    emulator.control().set_latency(Duration::from_millis(20));
    harness.get_by_label("2026-11").click();
    harness.step();
    harness.key_press(egui::Key::Delete);
    harness.run_steps(3);
    // The confirmation says what the folder holds (input 6).
    let holds = format!("It holds {} files", azfx_core::format::thousands(demo::LARGE_FOLDER_ENTRIES as u64));
    wait_for_long(&mut harness, "the count", |h| shows_containing(h, &holds));
    harness.key_press(egui::Key::Enter);
    wait_for_long(&mut harness, "the delete under way", |h| shows_containing(h, "Deleting… ") && shows(h, "Cancel"));
    std::thread::sleep(Duration::from_millis(300));
    harness.key_press(egui::Key::Escape);
    wait_for_long(&mut harness, "the delete stopped", |h| shows_containing(h, "Delete of 2026-11 stopped"));
    emulator.control().set_latency(Duration::ZERO);
    let left = emulator.control().list(demo::ACCOUNT, demo::WRITABLE_SHARE, demo::LARGE_FOLDER).unwrap().len();
    assert!(left > 0 && left < demo::LARGE_FOLDER_ENTRIES, "stopped part way: {left} left");
    assert_eq!(requests_while_idle(&mut harness, &emulator), 0, "nothing more is deleted");
    let still = emulator.control().list(demo::ACCOUNT, demo::WRITABLE_SHARE, demo::LARGE_FOLDER).unwrap().len();
    assert_eq!(still, left);
}
