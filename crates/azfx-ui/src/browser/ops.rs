//! The browser's file operations in flight (new folder, rename, delete with progress)
//! and what to tell the user when each ends.

use super::{Browser, Notice};
use crate::diagnosis::failure_line;
use azfx_core::files::names::check_name;
use azfx_core::format::count;
use azfx_core::worker::Worker;

impl Browser {
    /// Opens the Properties window of `name` (a row of this folder) and asks the service
    /// for its properties.
    pub fn show_properties(&mut self, worker: &Worker, name: &str, is_directory: bool) {
        let path = self.child_path(name);
        let result = worker.properties(&self.share, &path, is_directory);
        self.dialogs.properties = Some(super::PropertiesView { name: name.to_owned(), path, result });
    }

    /// Creates a folder in the current folder. The New folder dialog stays open until the
    /// service answers: a name that is taken (409) is explained under the field, the typed
    /// name kept.
    pub fn create_folder(&mut self, worker: &Worker, name: &str) -> Result<(), String> {
        check_name(name).map_err(|e| e.to_string())?;
        let path = self.child_path(name.trim());
        self.dialogs.creating = Some((name.trim().to_owned(), worker.create_directory(&self.share, &path)));
        Ok(())
    }

    /// Checks the folder being created; `Some(changed)` once it is decided.
    fn poll_creating(&mut self, notices: &mut Vec<Notice>) -> bool {
        let Some((name, promise)) = self.dialogs.creating.take() else { return false };
        match promise.try_take() {
            Ok(Ok(())) => {
                self.dialogs.new_folder = None;
                self.dialogs.new_folder_problem = None;
                notices.push(Notice::Info(format!("Created folder {name}")));
                true
            }
            Ok(Err(failure)) => {
                self.dialogs.new_folder_problem = Some(failure_line(&failure));
                false
            }
            Err(pending) => {
                self.dialogs.creating = Some((name, pending));
                false
            }
        }
    }

    /// Renames an entry of the current folder.
    pub fn rename_entry(&mut self, worker: &Worker, from: &str, to: &str) -> Result<(), String> {
        let to = to.trim();
        if to == from {
            return Ok(());
        }
        check_name(to).map_err(|e| e.to_string())?;
        let is_directory = self.entries.iter().any(|e| e.name == from && e.is_directory);
        let promise = worker.rename(&self.share, &self.child_path(from), &self.child_path(to), is_directory);
        self.operations.push(format!("Renamed {from} to {to}"), promise);
        Ok(())
    }

    /// Deletes entries of the current folder (folders with everything in them).
    pub fn delete(&mut self, worker: &Worker, entries: &[(String, bool)]) {
        for (name, is_directory) in entries {
            let (task, promise) = worker.delete(&self.share, &self.child_path(name), *is_directory);
            self.delete_progress.insert(task, (0, 0));
            self.deletes.push((task, name.clone(), promise));
        }
    }

    /// Stops the running deletes between requests (Cancel, Esc): what was deleted stays
    /// deleted, the rest stays.
    pub fn cancel_deletes(&mut self, worker: &Worker) {
        for (task, _, _) in &self.deletes {
            worker.cancel(*task);
        }
    }

    /// Progress of a recursive delete or a copy; `false` when the task is not one of ours.
    pub fn on_progress(&mut self, task: azfx_core::worker::TaskId, done: u64, total: u64) -> bool {
        if self.on_paste_progress(task, done, total) {
            return true;
        }
        match self.delete_progress.get_mut(&task) {
            Some(progress) => {
                *progress = (done, total);
                true
            }
            None => false,
        }
    }

    /// Entries deleted and in all, over the running deletes.
    pub fn delete_status(&self) -> Option<(u64, u64)> {
        if self.deletes.is_empty() {
            return None;
        }
        Some(self.delete_progress.values().fold((0, 0), |(d, t), (done, total)| (d + done, t + total)))
    }

    /// Whether file operations are still running.
    pub fn busy(&self) -> bool {
        !self.operations.is_empty() || !self.deletes.is_empty() || self.pasting() || self.dialogs.creating.is_some()
    }

    /// Checks finished operations; returns toasts and whether the folder changed.
    pub(super) fn poll_operations(&mut self) -> (Vec<Notice>, bool) {
        let mut notices = Vec::new();
        let mut changed = self.poll_creating(&mut notices);
        for (what, answer) in self.operations.arrived() {
            changed = true;
            match answer {
                Ok(()) => notices.push(Notice::Info(what)),
                Err(error) => notices.push(Notice::Error(format!("{what} failed"), failure_line(&error))),
            }
        }
        let mut still = Vec::new();
        for (task, name, promise) in self.deletes.drain(..) {
            match promise.try_take() {
                Ok(Ok(n)) => {
                    notices.push(Notice::Info(format!("Deleted {name} ({})", count(n, "item", "items"))));
                    changed = true;
                }
                Ok(Err(error)) if error.is_cancelled() => {
                    let done = self.delete_progress.get(&task).map_or(0, |(done, _)| *done);
                    let gone = count(done, "item", "items");
                    notices.push(Notice::Info(format!("Delete of {name} stopped: {gone} deleted, the rest kept")));
                    changed = true;
                }
                Ok(Err(error)) => {
                    notices.push(Notice::Error(format!("Delete of {name} failed"), failure_line(&error)));
                    changed = true;
                }
                Err(pending) => still.push((task, name, pending)),
            }
        }
        if still.is_empty() {
            self.delete_progress.clear();
        }
        self.deletes = still;
        let (pasted, pastes_changed) = self.poll_pastes();
        notices.extend(pasted);
        (notices, changed || pastes_changed)
    }
}
