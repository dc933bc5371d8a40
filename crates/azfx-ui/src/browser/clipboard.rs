//! Copy, Cut and Paste within the share, and moving rows dragged onto a folder, as in
//! Explorer: Ctrl+C / Ctrl+X remember the visible selection (and put its paths on the
//! system clipboard as text); Ctrl+V copies (server-side Copy File) or moves (Rename) it
//! into the open folder. Files whose name is taken there are not touched: they come back
//! as one conflict batch for the window's "Replace or keep?" question. A paste into the
//! folder the files are in keeps both (`name (1).ext`), as Explorer makes a copy.

use poll_promise::Promise;

use super::{Browser, Notice};
use crate::conflicts::{ConflictBatch, ConflictItem, Source};
use crate::diagnosis::failure_line;
use azfx_core::format::{count, human_size};
use azfx_core::transfer::Conflict;
use azfx_core::transfer::copy::{CopyOutcome, FileCopy, Item};
use azfx_core::worker::{Answer, TaskId, Worker};

/// What Copy or Cut put aside.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clipboard {
    /// The share the entries are in.
    pub share: String,
    /// The entries (full paths in the share).
    pub items: Vec<Item>,
    /// Cut (moved on paste, then the clipboard empties) rather than copied.
    pub cut: bool,
}

/// A paste (or a drop) running on the worker.
struct Pasting {
    moving: bool,
    /// The share it works in (the window may have moved on to another).
    share: String,
    task: Option<TaskId>,
    promise: Promise<Answer<CopyOutcome>>,
    progress: (u64, u64),
    /// A Cut's clipboard, given back if the move fails.
    cut: Option<Clipboard>,
}

/// The clipboard, the pastes in flight, and the conflicts they found.
#[derive(Default)]
pub struct Pastes {
    /// What Copy or Cut put aside.
    pub clipboard: Option<Clipboard>,
    running: Vec<Pasting>,
    /// Conflicts waiting for the window's question.
    pub conflicts: Vec<ConflictBatch>,
}

impl Browser {
    /// Ctrl+C / Ctrl+X: puts the visible selection aside; returns what to say, and the
    /// paths as text for the system clipboard.
    pub fn copy_selection(&mut self, cut: bool) -> Option<(Notice, String)> {
        let items: Vec<Item> = self
            .selected()
            .iter()
            .map(|e| Item { path: self.child_path(&e.name), is_directory: e.is_directory })
            .collect();
        if items.is_empty() {
            return None;
        }
        let text = items.iter().map(|i| format!("/{}/{}", self.share, i.path)).collect::<Vec<_>>().join("\n");
        let what = if cut { "Cut" } else { "Copied" };
        let notice = Notice::Info(format!("{what} {}: paste them into a folder with Ctrl+V", Self::items_text(&items)));
        self.pastes.clipboard = Some(Clipboard { share: self.share.clone(), items, cut });
        Some((notice, text))
    }

    fn items_text(items: &[Item]) -> String {
        match items {
            [one] => one.path.rsplit('/').next().unwrap_or(&one.path).to_owned(),
            _ => count(items.len() as u64, "item", "items"),
        }
    }

    /// Ctrl+V: copies or moves what the clipboard holds into the open folder.
    pub fn paste(&mut self, worker: &Worker) -> Result<(), String> {
        self.paste_to(worker, &self.path.clone())
    }

    /// Paste into a subfolder of the open folder (its context menu's Paste).
    pub fn paste_into(&mut self, worker: &Worker, folder: &str) -> Result<(), String> {
        self.paste_to(worker, &self.child_path(folder))
    }

    fn paste_to(&mut self, worker: &Worker, dest_dir: &str) -> Result<(), String> {
        let Some(clipboard) = self.pastes.clipboard.clone() else {
            return Err("Copy or cut files first (Ctrl+C or Ctrl+X)".to_owned());
        };
        if clipboard.share != self.share {
            return Err(format!(
                "The clipboard holds entries of /{}: copy and move work within one share; download and upload to move between shares",
                clipboard.share
            ));
        }
        if clipboard.cut {
            // Emptied as in Explorer; given back if the move fails.
            self.pastes.clipboard = None;
            let promise = worker.move_items(&self.share, clipboard.items.clone(), dest_dir, Conflict::Fail);
            self.pastes.running.push(self.new_pasting(true, None, promise, Some(clipboard)));
        } else {
            let (task, promise) = worker.copy(&self.share, clipboard.items, dest_dir, Conflict::Fail);
            self.pastes.running.push(self.new_pasting(false, Some(task), promise, None));
        }
        Ok(())
    }

    fn new_pasting(
        &self,
        moving: bool,
        task: Option<TaskId>,
        promise: Promise<Answer<CopyOutcome>>,
        cut: Option<Clipboard>,
    ) -> Pasting {
        Pasting { moving, share: self.share.clone(), task, promise, progress: (0, 0), cut }
    }

    /// Moves rows dragged onto the folder row `folder` into it. `rows` are the dragged
    /// entries with the share and folder they were dragged from: a drop after the window
    /// moved to another folder, or onto one of the dragged rows, does nothing.
    pub fn drop_on_folder(&mut self, worker: &Worker, rows: &DraggedRows, folder: &str) {
        if !drop_allowed(rows, &self.share, &self.path, folder) {
            return;
        }
        let items: Vec<Item> = rows
            .rows
            .iter()
            .map(|(name, is_directory)| Item { path: self.child_path(name), is_directory: *is_directory })
            .collect();
        let promise = worker.move_items(&self.share, items, &self.child_path(folder), Conflict::Fail);
        self.pastes.running.push(self.new_pasting(true, None, promise, None));
    }

    /// Copies conflicting files of `share` again under the user's answer.
    pub fn copy_again(&mut self, worker: &Worker, share: &str, files: Vec<FileCopy>, rule: Conflict) {
        let (task, promise) = worker.copy_files(share, files, rule);
        let pasting = Pasting { share: share.to_owned(), ..self.new_pasting(false, Some(task), promise, None) };
        self.pastes.running.push(pasting);
    }

    /// Moves one conflicting file of `share` again under the user's answer.
    pub fn move_again(&mut self, worker: &Worker, share: &str, from: &str, to: &str, rule: Conflict) {
        let dest_dir = to.rsplit_once('/').map_or("", |(dir, _)| dir).to_owned();
        let items = vec![Item { path: from.to_owned(), is_directory: false }];
        let promise = worker.move_items(share, items, &dest_dir, rule);
        let pasting = Pasting { share: share.to_owned(), ..self.new_pasting(true, None, promise, None) };
        self.pastes.running.push(pasting);
    }

    /// Cancels the running copies (moves are single renames and finish on their own);
    /// files already copied stay, the one in flight is aborted and its temporary removed.
    pub fn cancel_pastes(&self, worker: &Worker) {
        for task in self.pastes.running.iter().filter_map(|p| p.task) {
            worker.cancel(task);
        }
    }

    /// Whether a running paste can be cancelled (a copy).
    pub fn can_cancel_pastes(&self) -> bool {
        self.pastes.running.iter().any(|p| p.task.is_some())
    }

    /// Progress of a running copy; `false` when the task is not one of ours.
    pub fn on_paste_progress(&mut self, task: TaskId, done: u64, total: u64) -> bool {
        match self.pastes.running.iter_mut().find(|p| p.task == Some(task)) {
            Some(pasting) => {
                pasting.progress = (done, total);
                true
            }
            None => false,
        }
    }

    /// What the status line says while pastes run.
    pub fn paste_status(&self) -> Option<String> {
        let first = self.pastes.running.first()?;
        if first.moving {
            return Some("Moving…".to_owned());
        }
        let (done, total) = self.pastes.running.iter().fold((0, 0), |(d, t), p| (d + p.progress.0, t + p.progress.1));
        Some(if total == 0 {
            "Copying…".to_owned()
        } else {
            format!("Copying… {} of {}", human_size(done), human_size(total))
        })
    }

    /// Whether a paste is running.
    pub fn pasting(&self) -> bool {
        !self.pastes.running.is_empty()
    }

    /// Checks finished pastes: toasts, whether the folder changed, and conflicts to ask
    /// about (kept in `pastes.conflicts`).
    pub(super) fn poll_pastes(&mut self) -> (Vec<Notice>, bool) {
        let mut notices = Vec::new();
        let mut changed = false;
        let mut still = Vec::new();
        for pasting in std::mem::take(&mut self.pastes.running) {
            let (moving, share) = (pasting.moving, pasting.share.clone());
            match pasting.promise.try_take() {
                Ok(Ok(outcome)) => {
                    changed = true;
                    if let Some(cut) =
                        pasting.cut.filter(|_| !outcome.failures.is_empty() || !outcome.conflicts.is_empty())
                        && self.pastes.clipboard.is_none()
                    {
                        self.pastes.clipboard = Some(cut);
                    }
                    notices.extend(Self::outcome_notices(&outcome, moving));
                    if !outcome.conflicts.is_empty() {
                        let items = outcome
                            .conflicts
                            .into_iter()
                            .map(|file| ConflictItem {
                                src: Source::Share { path: file.from, moving },
                                share: share.clone(),
                                path: file.to,
                            })
                            .collect();
                        self.pastes.conflicts.push(ConflictBatch { items, row: None });
                    }
                }
                Ok(Err(failure)) if failure.is_cancelled() => {
                    changed = true;
                    notices.push(Notice::Info("Copy cancelled: files already copied stay".to_owned()));
                }
                Ok(Err(failure)) => {
                    changed = true;
                    if let Some(cut) = pasting.cut
                        && self.pastes.clipboard.is_none()
                    {
                        self.pastes.clipboard = Some(cut);
                    }
                    let title = if moving { "Move failed" } else { "Copy failed" };
                    notices.push(Notice::Error(title.to_owned(), failure_line(&failure)));
                }
                Err(promise) => still.push(Pasting { share, promise, ..pasting }),
            }
        }
        self.pastes.running = still;
        (notices, changed)
    }

    fn outcome_notices(outcome: &CopyOutcome, moving: bool) -> Vec<Notice> {
        let mut notices = Vec::new();
        let verb = if moving { "Moved" } else { "Copied" };
        if outcome.done > 0 {
            let what = if moving { count(outcome.done, "item", "items") } else { count(outcome.done, "file", "files") };
            let bytes =
                if moving || outcome.bytes == 0 { String::new() } else { format!(" ({})", human_size(outcome.bytes)) };
            notices.push(Notice::Info(format!("{verb} {what}{bytes}")));
        }
        if outcome.skipped > 0 && outcome.done == 0 && outcome.conflicts.is_empty() {
            notices.push(Notice::Info(format!(
                "Nothing to do: {} already there",
                count(outcome.skipped, "item is", "items are")
            )));
        }
        for failure in &outcome.failures {
            let title = format!("Could not {} {}", if moving { "move" } else { "copy" }, failure.path);
            notices.push(Notice::Error(title, failure.error.to_string()));
        }
        notices
    }
}

/// Rows being dragged: the share and folder they were dragged from, and (name, is folder)
/// of each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraggedRows {
    /// The share.
    pub share: String,
    /// The folder the rows are in.
    pub dir: String,
    /// (name, is folder) of each row.
    pub rows: Vec<(String, bool)>,
}

/// Whether dropping `rows` onto the folder row `folder` of `share/dir` moves anything: the
/// window is still where the drag began, and the folder is not one of the dragged rows (a
/// press held on a selected folder must not move the rest of the selection into it).
pub(crate) fn drop_allowed(rows: &DraggedRows, share: &str, dir: &str, folder: &str) -> bool {
    rows.share == share && rows.dir == dir && !rows.rows.is_empty() && !rows.rows.iter().any(|(name, _)| name == folder)
}

#[cfg(test)]
mod tests {
    use super::{DraggedRows, drop_allowed};

    #[test]
    fn a_drop_moves_only_from_where_the_drag_began_and_never_into_a_dragged_folder() {
        let rows = DraggedRows {
            share: "projects".into(),
            dir: "reports".into(),
            rows: vec![("a.txt".into(), false), ("archive".into(), true)],
        };
        assert!(drop_allowed(&rows, "projects", "reports", "2026"));
        assert!(!drop_allowed(&rows, "projects", "reports", "archive"), "onto a dragged folder");
        assert!(!drop_allowed(&rows, "projects", "", "2026"), "the window moved to another folder");
        assert!(!drop_allowed(&rows, "other", "reports", "2026"), "another share");
    }
}
