//! The tryout issue's smaller window points (item 12), each checked on screen: an empty
//! folder says so, `--theme` gives way to a choice made in Settings, Esc closes Settings
//! and Failed requests, and Settings fits at 150 % text.

use std::time::Duration;

use azfx_emulator::demo;
use egui_kittest::kittest::Queryable;

use crate::support::window::{app, app_tweaked, demo_emulator, shows, shows_containing, wait_for};

/// An empty folder showed "0 items" over a blank table.
#[test]
fn an_empty_folder_says_it_is_empty() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    emulator.control().create_directories(demo::ACCOUNT, demo::WRITABLE_SHARE, "blank").unwrap();
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "telemetry"));
    assert!(!shows(&harness, "This folder is empty"), "not while it has entries");
    harness.state_mut().open_folder("blank");
    wait_for(&mut harness, "the empty folder", |h| shows(h, "This folder is empty"));
}

/// With `--theme dark`, Settings showed "Follow system" and choosing Light did nothing.
/// Esc did not close Settings or Failed requests.
#[test]
fn settings_show_the_theme_in_force_and_esc_closes_the_windows() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app_tweaked(&emulator, demo::WRITABLE_SHARE, downloads.path(), |options| {
        options.theme = Some(azfx_ui::settings::Theme::Dark);
    });
    wait_for(&mut harness, "the share root", |h| shows(h, "telemetry"));
    assert_eq!(harness.ctx.theme(), egui::Theme::Dark);
    harness.get_by_label("Settings").click();
    wait_for(&mut harness, "Settings", |h| shows(h, "Appearance"));
    let selected = |h: &egui_kittest::Harness<'_, azfx_ui::AzfxApp>, label: &str| {
        use egui_kittest::kittest::NodeT as _;
        h.get_by_label(label).accesskit_node().toggled() == Some(egui::accesskit::Toggled::True)
    };
    assert!(selected(&harness, "Dark") && !selected(&harness, "Follow system"), "the theme in force");
    harness.get_by_label("Light").click();
    harness.run_steps(3);
    assert_eq!(harness.ctx.theme(), egui::Theme::Light, "Light applies at once");
    harness.key_press(egui::Key::Escape);
    harness.run_steps(3);
    assert!(!shows(&harness, "Appearance"), "Esc closes Settings");

    harness.state_mut().open_folder("no-such-folder");
    wait_for(&mut harness, "an error", |h| shows_containing(h, " error"));
    harness.get_all_by_label_contains(" error").next().unwrap().click();
    wait_for(&mut harness, "Failed requests", |h| shows(h, "Failed requests"));
    harness.key_press(egui::Key::Escape);
    harness.run_steps(3);
    assert!(!shows(&harness, "Failed requests"), "Esc closes Failed requests");
}

/// The Modified column showed the REST `Last-Modified` (when the upload happened), not
/// the file's last-write time that Explorer and an SMB mount show (kept from the local
/// file by the upload).
#[test]
fn the_modified_column_shows_the_last_write_time() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "telemetry"));
    let local = tempfile::tempdir().unwrap();
    let old = local.path().join("old-notes.txt");
    std::fs::write(&old, b"from 2001").unwrap();
    let written = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000); // 2001-09-09
    std::fs::File::options().write(true).open(&old).unwrap().set_modified(written).unwrap();
    harness.input_mut().dropped_files.push(std::sync::Arc::new(crate::support::window::Dropped(old)));
    harness.step();
    wait_for(&mut harness, "the upload", |h| shows_containing(h, "Upload old-notes.txt finished"));
    wait_for(&mut harness, "the row", |h| shows(h, "old-notes.txt"));
    assert!(shows_containing(&harness, "2001-09-09"), "the file's own last-write time");
}

/// While throttled, the header showed "Listing… 0 so far" and nothing of the retries:
/// it says what the last attempt got and which attempt comes next, until the page comes.
#[test]
fn a_throttled_listing_says_it_is_retrying() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "telemetry"));
    emulator.control().set_share_throttled(demo::ACCOUNT, demo::WRITABLE_SHARE, true).unwrap();
    harness.key_press(egui::Key::F5);
    wait_for(&mut harness, "the retry said", |h| shows(h, "retrying after 503 ServerBusy (attempt 2)"));
    emulator.control().set_share_throttled(demo::ACCOUNT, demo::WRITABLE_SHARE, false).unwrap();
    wait_for(&mut harness, "the listing", |h| !h.state().browser().is_some_and(azfx_ui::Browser::loading));
    assert!(!shows_containing(&harness, "retrying after"), "gone once the page came");
    assert!(shows(&harness, "telemetry"));
}

/// A folder downloaded again merged into the local folder without asking. It arrives
/// beside the first as `name (1)`, as a second download of a file does, and the row
/// says where.
#[test]
fn a_folder_downloaded_again_arrives_beside_the_first() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "designs"));
    for round in 1..=2 {
        harness.get_by_label("designs").click();
        harness.step();
        harness.get_by_label("Download").click();
        wait_for(&mut harness, "the download", |h| {
            h.query_all_by_label_contains("Download designs finished").count() >= round
        });
    }
    let first: Vec<_> =
        std::fs::read_dir(downloads.path().join("designs")).unwrap().map(|e| e.unwrap().file_name()).collect();
    let second: Vec<_> =
        std::fs::read_dir(downloads.path().join("designs (1)")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(first.len(), second.len(), "two whole copies");
    assert!(first.iter().all(|n| !n.to_string_lossy().contains("(1)")), "nothing merged into the first: {first:?}");
    assert!(shows_containing(&harness, "designs (1)"), "the row names where it went");
}

/// At 150 % text in a 1024×700 window (a small RDP session), Settings ran off the screen
/// and the status bar split "Token expires in" from its time.
#[test]
fn settings_and_the_status_bar_fit_at_150_percent_text() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let size = egui::vec2(1024.0, 700.0);
    let mut harness = crate::support::window::app_sized(&emulator, demo::WRITABLE_SHARE, downloads.path(), size);
    wait_for(&mut harness, "the share root", |h| shows(h, "telemetry"));
    harness.state_mut().settings.text_size_percent = 150;
    harness.run_steps(5);
    let points = egui::Rect::from_min_size(egui::Pos2::ZERO, size / harness.ctx.zoom_factor());
    let countdown = harness.get_by_label_contains("Token expires in ").rect();
    assert!(countdown.height() < 30.0, "one line: {countdown:?}");
    harness.get_by_label("Settings").click();
    wait_for(&mut harness, "Settings", |h| shows(h, "Appearance"));
    harness.run_steps(3);
    for label in ["Appearance", "Theme", "Restore defaults"] {
        let rect = harness.get_by_label(label).rect();
        assert!(points.contains_rect(rect), "{label} at {rect:?} is off the {points:?} screen");
    }
}
