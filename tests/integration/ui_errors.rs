//! The status bar's error count counts what a person should look at (tryout issue, input
//! 3), and a failure azfx made good itself says so in the request log (input 8).

use std::sync::Arc;
use std::time::Duration;

use azfx_emulator::{Fault, FaultTarget, demo};
use azfx_ui::AzfxApp;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use crate::support::window::{Dropped, app, demo_emulator, shows, shows_containing, wait_for};

/// The status bar's error count, as a person reads it (`N errors`; 0 when none is shown).
pub(crate) fn errors_shown(harness: &Harness<'_, AzfxApp>) -> u64 {
    harness
        .query_all_by_label_contains(" error")
        .find_map(|node| {
            use egui_kittest::kittest::NodeT as _;
            let label = node.accesskit_node().label()?;
            let (n, word) = label.split_once(' ')?;
            matches!(word, "error" | "errors").then(|| n.replace('\u{202f}', "").parse().ok())?
        })
        .unwrap_or(0)
}

/// Regression (input 3): the count rose for an upload's existence check (HEAD 404), for
/// each retry of a throttled request that then succeeded, for a 401 azfx healed with a new
/// token, and for the access check's deliberate write test; and it survived Disconnect.
#[test]
fn the_error_count_counts_only_what_a_person_should_look_at() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "telemetry"));

    // An upload to a free name: its existence check answered 404, which is no error.
    let local = tempfile::tempdir().unwrap();
    std::fs::write(local.path().join("fresh.txt"), b"new").unwrap();
    harness.input_mut().dropped_files.push(Arc::new(Dropped(local.path().join("fresh.txt"))));
    harness.step();
    wait_for(&mut harness, "the upload", |h| shows_containing(h, "Upload fresh.txt finished"));
    assert_eq!(errors_shown(&harness), 0, "an existence check is not an error");

    // A listing throttled twice, then answered: retried, nothing to look at.
    let busy = Fault::Status { status: 503, retry_after_secs: Some(0) };
    emulator.control().inject(FaultTarget::Files, &busy, 2);
    harness.key_press(egui::Key::F5);
    wait_for(&mut harness, "the listing after the retries", |h| {
        shows(h, "fresh.txt") && !h.state().browser().is_some_and(azfx_ui::Browser::loading)
    });
    harness.run_steps(5);
    assert_eq!(errors_shown(&harness), 0, "retries that succeeded are not errors");

    // A 401 healed by a new token.
    emulator.control().expire_all_tokens();
    emulator.control().advance_token_clock(1);
    harness.key_press(egui::Key::F5);
    harness.run_steps(3);
    wait_for(&mut harness, "the listing after the refresh", |h| {
        shows(h, "fresh.txt") && !h.state().browser().is_some_and(azfx_ui::Browser::loading)
    });
    harness.run_steps(5);
    assert_eq!(errors_shown(&harness), 0, "a healed 401 is not an error");

    // The request log says what happened to both (input 8).
    harness.get_by_label("Request log").click();
    wait_for(&mut harness, "the request log", |h| shows(h, "Export JSON lines…"));
    harness.run_steps(10);
    let throttled = harness.query_all_by_label("503 (recovered)").count();
    assert_eq!(throttled, 2, "both throttled attempts are marked made good");
    assert!(!shows(&harness, "503"), "none is left as a failure");
    harness.get_by_label("401 (recovered)").click();
    wait_for(&mut harness, "its details", |h| shows(h, "Copy as curl"));
    assert!(shows(&harness, "Token refreshed, retry succeeded"));
    assert!(shows_containing(&harness, "the retry succeeded (attempt 2, request id "));
    assert!(shows_containing(&harness, "No action needed."));
    assert!(!shows_containing(&harness, "Refresh the token"), "no advice to do what azfx did");

    // The access check's write test on the read-only share is the check's answer.
    harness.get_all_by_label(demo::READ_ONLY_SHARE).next().unwrap().click();
    wait_for(&mut harness, "the archive share", |h| shows(h, "2025"));
    harness.get_by_label("Check access").click();
    wait_for(&mut harness, "the finished check", |h| shows_containing(h, "Access check failed"));
    assert_eq!(errors_shown(&harness), 0, "the check reports its own refusals");

    // A real refusal is counted, and goes with the connection.
    harness.get_all_by_label(demo::NO_ROLE_SHARE).next().unwrap().click();
    wait_for(&mut harness, "the 403", |h| shows_containing(h, "Could not list /restricted"));
    harness.run_steps(5);
    // The list's 403 and the pane's; the roles and shares looked up after it are not errors.
    let counted = errors_shown(&harness);
    assert!((1..=2).contains(&counted), "a 403 is an error to look at, once per request: {counted}");
    harness.get_all_by_label("Disconnect").next().unwrap().click();
    harness.run_steps(3);
    assert_eq!(errors_shown(&harness), 0, "Disconnect leaves no count behind");
    assert!(!shows_containing(&harness, "Token expires in"), "nor the old identity's countdown");
}
