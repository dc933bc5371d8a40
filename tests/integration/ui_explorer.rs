//! The explorer's everyday behaviour (kittest on the demo), regressions of the explorer
//! issue named after their class.

use std::time::Duration;

use azfx::emulator::demo;
use egui_kittest::kittest::Queryable;

use crate::ui::{app, demo_emulator, shows, shows_containing, wait_for};

/// Regression (explorer issue, input 1): a row selected before the filter hid it was
/// still deleted by Del. The selection is only ever what is visible.
#[test]
fn hidden_rows_are_never_acted_on_a_filtered_out_selection_is_not_deleted() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "📁 telemetry"));
    harness.state_mut().open_folder(demo::LARGE_FOLDER);
    wait_for(&mut harness, "the large folder", |h| {
        h.state().browser().is_some_and(|b| b.entries.len() == demo::LARGE_FOLDER_ENTRIES && !b.loading())
    });
    harness.run_steps(30);
    harness.get_by_label("📄 sample-00001.json").click();
    harness.run_steps(2);
    let selection = harness.state().browser().unwrap().selection.clone();
    assert_eq!(selection.iter().map(String::as_str).collect::<Vec<_>>(), ["sample-00001.json"]);
    assert!(shows_containing(&harness, "1 selected"));

    harness.get_by_label("Filter").click();
    harness.step();
    harness.get_by_label("Filter").type_text("19999");
    harness.run_steps(3);
    assert!(shows(&harness, "📄 sample-19999.json") && !shows(&harness, "📄 sample-00001.json"));
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
