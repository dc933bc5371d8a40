//! The window's transfers against the demo emulator (kittest): an upload onto a name that
//! exists asks first and replaces nothing until answered.

use std::sync::Arc;
use std::time::Duration;

use azfx::emulator::demo;
use egui_kittest::kittest::Queryable;

use crate::ui::{Dropped, app, demo_emulator, shows, shows_containing, wait_for};

/// Regression (transfers issue, input 2): dropping a local `README.md` (51 B) on
/// `/projects` replaced the share's 245 B `README.md` and toasted "finished".
#[test]
fn silent_replace_a_drop_onto_an_existing_name_asks_first() {
    let emulator = demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    wait_for(&mut harness, "the share root", |h| shows(h, "📄 README.md"));
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
    wait_for(&mut harness, "the copy beside it", |h| shows(h, "📄 README (1).md"));
    assert!(!shows(&harness, "Replace or keep?"));
    let names = emulator.control().list(demo::ACCOUNT, demo::WRITABLE_SHARE, "").unwrap();
    assert!(names.iter().any(|n| n == "README.md") && names.iter().any(|n| n == "README (1).md"), "{names:?}");
    assert!(shows(&harness, "245 B"), "the share's README.md is untouched");
}
