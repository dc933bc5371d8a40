//! The browser's state and actions (no drawing): the current share and folder, history,
//! the streamed listing (old rows stay until the new ones arrive; a failed listing is kept
//! as an error, never shown as an empty folder), sorting, filtering, selection, and the
//! file operations in flight.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::sync::Arc;

use poll_promise::Promise;

mod clipboard;
pub(crate) use clipboard::{DraggedRows, drop_allowed};
mod dialogs;
pub(crate) use dialogs::{Dialogs, PropertiesView};
mod ops;
#[cfg(test)]
mod tests;
mod view;

use crate::requested::Requested;
use azfx_core::files::DirEntry;
use azfx_core::files::names::join;
use azfx_core::worker::{Answer, TaskId, Worker};

/// A table column to sort by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortColumn {
    /// Name.
    Name,
    /// Size.
    Size,
    /// Last modified.
    Modified,
    /// File or folder, then extension.
    Type,
}

/// A keyboard move through the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// This many rows down (negative: up).
    By(isize),
    /// The first row (Home).
    First,
    /// The last row (End).
    Last,
}

/// Something to tell the user in a toast.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// It worked.
    Info(String),
    /// It failed: a title and the explanation.
    Error(String, String),
}

/// A failed listing, kept for the error panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListingError {
    /// What failed.
    pub title: String,
    /// Status, code and request id.
    pub evidence: Option<String>,
    /// Why, and what to do.
    pub diagnosis: azfx_core::diagnose::Diagnosis,
}

/// What the cached view was computed from.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ViewKey {
    rows: usize,
    generation: u64,
    sort: SortColumn,
    ascending: bool,
    filter: String,
}

/// The browser.
pub struct Browser {
    /// The account's file endpoint (base URL).
    pub endpoint: String,
    /// Current share.
    pub share: String,
    /// Current folder (`a/b`, empty at the root).
    pub path: String,
    /// Locations (share, folder) to go back and forward to; they span shares.
    back: Vec<(String, String)>,
    forward: Vec<(String, String)>,
    /// Back or Forward led to another share: the window opens it at this folder.
    pub switch_to: Option<(String, String)>,
    /// Rows on screen.
    pub entries: Vec<DirEntry>,
    incoming: Vec<DirEntry>,
    listing_task: Option<TaskId>,
    listing: Requested<u64>,
    /// The listing's answer (entry count) arrived; pages may still be on their way.
    listing_total: Option<u64>,
    refreshing: bool,
    /// Entries listed so far by the running listing.
    pub listed: u64,
    /// While the listing waits to send a page again: what the last attempt got and
    /// which attempt comes next (`retrying after 503 ServerBusy (attempt 2)`).
    pub retrying: Option<String>,
    /// The last listing's failure.
    pub error: Option<ListingError>,
    /// Sort column.
    pub sort: SortColumn,
    /// Sort direction.
    pub ascending: bool,
    /// Filter text (case-insensitive substring).
    pub filter: String,
    /// Selected names.
    pub selection: BTreeSet<String>,
    anchor: Option<String>,
    /// The row the keyboard is on (the last clicked or moved to).
    cursor: Option<String>,
    /// A row to scroll into view on the next frame (its position in the view).
    pub scroll_to: Option<usize>,
    /// Type-ahead: the letters typed so far and when the last one came.
    pub type_ahead: (String, Option<std::time::Instant>),
    /// The dialogs and inline edits open on this folder.
    pub dialogs: Dialogs,
    /// The row whose context menu the keyboard opened (Shift+F10, the Menu key).
    pub menu_by_key: Option<String>,
    /// A file of the open folder to open with its default application (double-click or
    /// Enter on a file), for the window to download and open.
    pub open_request: Option<String>,
    operations: crate::requested::Requests,
    deletes: Vec<(azfx_core::worker::TaskId, String, Promise<Answer<u64>>)>,
    /// Running deletes: task → (entries deleted, entries in all).
    delete_progress: std::collections::HashMap<azfx_core::worker::TaskId, (u64, u64)>,
    /// Copy / Cut / Paste: the clipboard, pastes running, conflicts found.
    pub pastes: clipboard::Pastes,
    /// Bumped whenever `entries` is replaced.
    generation: u64,
    /// The filtered, sorted order, kept until something it depends on changes.
    view: RefCell<Option<(ViewKey, Arc<Vec<usize>>)>>,
}

impl Browser {
    /// A browser at the root of `share` on `endpoint` (call `open` to list).
    pub fn new(endpoint: &str, share: &str) -> Self {
        Self {
            endpoint: endpoint.to_owned(),
            share: share.to_owned(),
            path: String::new(),
            back: Vec::new(),
            forward: Vec::new(),
            switch_to: None,
            entries: Vec::new(),
            incoming: Vec::new(),
            listing_task: None,
            listing: Requested::default(),
            listing_total: None,
            refreshing: false,
            listed: 0,
            retrying: None,
            error: None,
            sort: SortColumn::Name,
            ascending: true,
            filter: String::new(),
            selection: BTreeSet::new(),
            anchor: None,
            cursor: None,
            scroll_to: None,
            type_ahead: (String::new(), None),
            dialogs: Dialogs::default(),
            menu_by_key: None,
            open_request: None,
            operations: crate::requested::Requests::default(),
            deletes: Vec::new(),
            delete_progress: std::collections::HashMap::new(),
            pastes: clipboard::Pastes::default(),
            generation: 0,
            view: RefCell::new(None),
        }
    }

    /// `share/path` for display and recent locations.
    pub fn location(&self) -> String {
        if self.path.is_empty() { self.share.clone() } else { join(&self.share, &self.path) }
    }

    /// The entry's full URL on the file endpoint (no credential in it).
    pub fn url_of(&self, name: &str) -> String {
        match azfx_core::files::Endpoint::parse(&self.endpoint) {
            Ok(endpoint) => endpoint.url(&self.share, &self.child_path(name)).to_string(),
            Err(_) => format!("/{}/{}", self.share, self.child_path(name)),
        }
    }

    /// Full share path of an entry in the current folder.
    pub fn child_path(&self, name: &str) -> String {
        join(&self.path, name)
    }

    /// Whether a listing is running.
    pub fn loading(&self) -> bool {
        self.listing_task.is_some()
    }

    fn start_listing(&mut self, worker: &Worker) {
        self.retrying = None;
        if let Some(task) = self.listing_task.take() {
            worker.cancel(task);
        }
        let (task, promise) = worker.list_directory(&self.share, &self.path);
        self.listing_task = Some(task);
        self.listing.request(promise);
        self.listing_total = None;
        self.incoming.clear();
        self.listed = 0;
        self.error = None;
    }

    /// Opens a folder (empty path: the share root), remembering where we were.
    pub fn open(&mut self, worker: &Worker, path: &str, remember: bool) {
        let path = path.trim_matches('/').to_owned();
        if remember && path != self.path {
            self.back.push((self.share.clone(), std::mem::take(&mut self.path)));
            self.forward.clear();
        }
        self.path = path;
        self.entries.clear();
        self.generation += 1;
        self.filter.clear();
        self.selection.clear();
        self.anchor = None;
        self.cursor = None;
        self.type_ahead = (String::new(), None);
        self.dialogs.rename = None;
        self.refreshing = false;
        self.start_listing(worker);
    }

    /// Lists the current folder again, keeping the rows until new ones arrive.
    pub fn refresh(&mut self, worker: &Worker) {
        self.refreshing = true;
        self.start_listing(worker);
    }

    /// Goes to the parent folder.
    pub fn up(&mut self, worker: &Worker) {
        if self.path.is_empty() {
            return;
        }
        let parent = self.path.rsplit_once('/').map_or(String::new(), |(p, _)| p.to_owned());
        self.open(worker, &parent, true);
    }

    /// History back.
    pub fn back(&mut self, worker: &Worker) {
        if let Some(previous) = self.back.pop() {
            self.forward.push((self.share.clone(), std::mem::take(&mut self.path)));
            self.go(worker, previous);
        }
    }

    /// Goes forward again.
    pub fn forward(&mut self, worker: &Worker) {
        if let Some(next) = self.forward.pop() {
            self.back.push((self.share.clone(), std::mem::take(&mut self.path)));
            self.go(worker, next);
        }
    }

    fn go(&mut self, worker: &Worker, (share, path): (String, String)) {
        if share == self.share {
            self.open(worker, &path, false);
        } else {
            self.switch_to = Some((share, path));
        }
    }

    /// Takes over what outlives a share switch from the browser of the share before: the
    /// Back and Forward history (with the location left, when `remember`), the clipboard
    /// and the pastes still running.
    pub fn carry_from(&mut self, old: Self, remember: bool) {
        self.back = old.back;
        self.forward = old.forward;
        if remember {
            self.back.push((old.share, old.path));
            self.forward.clear();
        }
        self.pastes = old.pastes;
    }

    /// Whether Back and Forward lead anywhere.
    pub fn can_go(&self) -> (bool, bool) {
        (!self.back.is_empty(), !self.forward.is_empty())
    }

    /// A listing page arrived.
    pub fn on_page(&mut self, task: TaskId, entries: Vec<DirEntry>, listed: u64) {
        if self.listing_task != Some(task) {
            return; // a stale answer for a folder we left
        }
        self.listed = listed;
        self.retrying = None;
        if self.refreshing {
            self.incoming.extend(entries);
        } else {
            self.entries.extend(entries);
        }
        self.finish_listing();
    }

    /// Completes a listing once its answer and all its pages are in (the answer can
    /// overtake the last page).
    /// A request was logged: a failed attempt of this folder's listing while it runs is
    /// said beside the spinner, with the attempt that comes next.
    pub fn on_request(&mut self, entry: &azfx_core::http::LogEntry) {
        let ours = entry.operation == "List directory" && entry.url.contains(&format!("/{}", self.share));
        if self.loading() && ours && entry.failed() {
            self.retrying = Some(format!("retrying after {} (attempt {})", entry.outcome(), entry.attempt + 1));
        }
    }

    fn finish_listing(&mut self) {
        if self.listing_total.is_none_or(|total| total != self.listed) {
            return;
        }
        if self.refreshing {
            self.entries = std::mem::take(&mut self.incoming);
            self.refreshing = false;
            self.generation += 1;
        }
        let names: BTreeSet<&str> = self.entries.iter().map(|e| e.name.as_str()).collect();
        self.selection.retain(|s| names.contains(s.as_str()));
        self.listing_task = None;
        self.listing_total = None;
    }

    /// Checks finished requests; returns what to tell the user. `true` in the second
    /// element asks for a refresh of the current folder.
    pub fn poll(&mut self) -> (Vec<Notice>, bool) {
        let mut notices = Vec::new();
        let changed = false;
        match self.listing.take_arrived() {
            Some(Ok(total)) => {
                self.listing_total = Some(total);
                self.finish_listing();
            }
            Some(Err(failure)) if failure.is_cancelled() => self.listing_task = None,
            Some(Err(failure)) => {
                self.listing_task = None;
                self.refreshing = false;
                self.entries.clear();
                self.incoming.clear();
                self.error = Some(ListingError {
                    title: format!("Could not list /{}", self.location()),
                    evidence: failure.evidence(),
                    diagnosis: *failure.diagnosis,
                });
            }
            None => {}
        }
        let (more, ops_changed) = self.poll_operations();
        notices.extend(more);
        (notices, changed || ops_changed)
    }
}
