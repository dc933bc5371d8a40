//! The browser's state without a window or a worker: sorting, filtering, selection and
//! the streamed listing's bookkeeping.

use super::*;

fn entry(name: &str, is_directory: bool, size: u64) -> DirEntry {
    DirEntry { name: name.to_owned(), is_directory, size: (!is_directory).then_some(size), ..DirEntry::default() }
}

fn browser() -> Browser {
    let mut b = Browser::new("https://acct.file.core.windows.net/", "share");
    b.entries = vec![
        entry("b.txt", false, 30),
        entry("Zeta", true, 0),
        entry("a.log", false, 10),
        entry("alpha", true, 0),
        entry("c.TXT", false, 20),
    ];
    b
}

fn names(b: &Browser) -> Vec<String> {
    b.visible().iter().map(|&i| b.entries[i].name.clone()).collect()
}

#[test]
fn folders_first_then_by_name_case_insensitively_either_way() {
    let mut b = browser();
    assert_eq!(names(&b), ["alpha", "Zeta", "a.log", "b.txt", "c.TXT"]);
    b.sort_by(SortColumn::Name);
    assert_eq!(names(&b), ["Zeta", "alpha", "c.TXT", "b.txt", "a.log"], "descending keeps folders first");
    b.sort_by(SortColumn::Size);
    assert_eq!(names(&b)[2..], ["a.log", "c.TXT", "b.txt"]);
}

#[test]
fn filter_is_a_case_insensitive_substring_and_the_cache_follows_it() {
    let mut b = browser();
    assert_eq!(b.visible().len(), 5);
    b.filter = "TXT".to_owned();
    assert_eq!(names(&b), ["b.txt", "c.TXT"]);
    b.filter.clear();
    assert_eq!(b.visible().len(), 5);
}

#[test]
fn shift_click_selects_the_visible_range_and_ctrl_toggles() {
    let mut b = browser();
    b.click("alpha", egui::Modifiers::NONE);
    b.click("b.txt", egui::Modifiers::SHIFT);
    let selected: Vec<&str> = b.selection.iter().map(String::as_str).collect();
    assert_eq!(selected, ["Zeta", "a.log", "alpha", "b.txt"]);
    b.click("a.log", egui::Modifiers::COMMAND);
    assert!(!b.selection.contains("a.log"));
    b.click("c.TXT", egui::Modifiers::NONE);
    assert_eq!(b.selection.len(), 1);
}

#[test]
fn select_all_takes_only_what_the_filter_shows() {
    let mut b = browser();
    b.filter = "a".to_owned();
    b.select_all();
    let selected: Vec<&str> = b.selection.iter().map(String::as_str).collect();
    assert_eq!(selected, ["Zeta", "a.log", "alpha"]);
}

#[test]
fn a_page_of_a_listing_we_left_is_dropped() {
    let mut b = Browser::new("https://acct.file.core.windows.net/", "share");
    b.listing_task = Some(2);
    b.on_page(1, vec![entry("stale", false, 1)], 1);
    assert!(b.entries.is_empty(), "a stale page must not show");
    b.on_page(2, vec![entry("fresh", false, 1)], 1);
    assert_eq!(names(&b), ["fresh"]);
    assert!(b.loading(), "the answer (the count) has not arrived yet");
    b.listing_total = Some(1);
    b.finish_listing();
    assert!(!b.loading());
}

#[test]
fn the_keyboard_cursor_moves_in_view_order_and_type_ahead_wraps() {
    let mut b = browser();
    assert_eq!(b.move_cursor(Step::By(1), false), Some(0));
    assert_eq!(names(&b)[0], "alpha");
    assert_eq!(b.move_cursor(Step::By(2), true), Some(2));
    let selected: Vec<&str> = b.selection.iter().map(String::as_str).collect();
    assert_eq!(selected, ["Zeta", "a.log", "alpha"], "Shift extends from the anchor");
    assert_eq!(b.move_cursor(Step::By(100), false), Some(4), "stops at the last row");
    assert_eq!(b.move_cursor(Step::First, false), Some(0));
    assert_eq!(b.select_by_prefix("c"), Some(4));
    assert_eq!(b.select_by_prefix("a"), Some(0), "wraps around");
    assert_eq!(b.select_by_prefix("a"), Some(2), "the next match after the cursor");
    assert_eq!(b.select_by_prefix("q"), None);
}
