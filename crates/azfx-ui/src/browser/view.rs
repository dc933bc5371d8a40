//! The browser's table view: the filtered, sorted order (cached until something it
//! depends on changes; folders first), sorting by column, and selection by click.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::{Browser, SortColumn, Step, ViewKey};
use azfx_core::files::DirEntry;

fn extension(name: &str) -> &str {
    name.rsplit_once('.').map_or("", |(_, ext)| ext)
}

impl Browser {
    /// Indices of `entries` to show: filtered, folders first, sorted.
    pub fn visible(&self) -> Arc<Vec<usize>> {
        let key = ViewKey {
            rows: self.entries.len(),
            generation: self.generation,
            sort: self.sort,
            ascending: self.ascending,
            filter: self.filter.clone(),
        };
        if let Some((cached_key, rows)) = self.view.borrow().as_ref()
            && *cached_key == key
        {
            return Arc::clone(rows);
        }
        let rows = Arc::new(self.compute_view());
        *self.view.borrow_mut() = Some((key, Arc::clone(&rows)));
        rows
    }

    /// Filters and sorts (folders first); the sort keys are computed once per entry.
    fn compute_view(&self) -> Vec<usize> {
        let filter = self.filter.to_lowercase();
        let mut rows: Vec<usize> = (0..self.entries.len())
            .filter(|&i| filter.is_empty() || self.entries[i].name.to_lowercase().contains(&filter))
            .collect();
        let folders_first = |i: usize| !self.entries[i].is_directory;
        match self.sort {
            SortColumn::Name => rows.sort_by_cached_key(|&i| (folders_first(i), self.entries[i].name.to_lowercase())),
            SortColumn::Size => rows.sort_by_key(|&i| (folders_first(i), self.entries[i].size)),
            SortColumn::Modified => {
                rows.sort_by_key(|&i| (folders_first(i), self.entries[i].last_write.or(self.entries[i].last_modified)));
            }
            SortColumn::Type => {
                rows.sort_by_cached_key(|&i| (folders_first(i), extension(&self.entries[i].name).to_lowercase()));
            }
        }
        if !self.ascending {
            // Reverse within folders and within files, keeping folders first.
            let split = rows.partition_point(|&i| self.entries[i].is_directory);
            rows[..split].reverse();
            rows[split..].reverse();
        }
        rows
    }

    /// Sorts by a column; clicking the same column again flips the direction.
    pub fn sort_by(&mut self, column: SortColumn) {
        if self.sort == column {
            self.ascending = !self.ascending;
        } else {
            self.sort = column;
            self.ascending = true;
        }
    }

    /// Selection by click: plain selects one, Ctrl toggles, Shift extends from the anchor.
    pub fn click(&mut self, name: &str, modifiers: egui::Modifiers) {
        let (ctrl, shift) = (modifiers.command, modifiers.shift);
        if shift && let Some(anchor) = self.anchor.clone() {
            let order: Vec<String> = self.visible().iter().map(|&i| self.entries[i].name.clone()).collect();
            let a = order.iter().position(|n| *n == anchor);
            let b = order.iter().position(|n| n == name);
            if let (Some(a), Some(b)) = (a, b) {
                self.selection = order[a.min(b)..=a.max(b)].iter().cloned().collect();
                return;
            }
        }
        if ctrl {
            if !self.selection.remove(name) {
                self.selection.insert(name.to_owned());
            }
        } else {
            self.selection = BTreeSet::from([name.to_owned()]);
        }
        self.anchor = Some(name.to_owned());
        self.cursor = Some(name.to_owned());
    }

    /// Moves the keyboard cursor (the row last clicked or moved to) in view order:
    /// without `extend` it selects just that row, with `extend` (Shift) the rows from the
    /// anchor to it. Returns the row's position in the view, to scroll to.
    pub fn move_cursor(&mut self, step: Step, extend: bool) -> Option<usize> {
        let rows = self.visible();
        let last = rows.len().checked_sub(1)?;
        let position = |name: &str| rows.iter().position(|&i| self.entries[i].name == name);
        let current = self.cursor.as_deref().and_then(position);
        let target = match (step, current) {
            (Step::First, _) => 0,
            (Step::Last, _) => last,
            (Step::By(delta), None) => {
                if delta >= 0 {
                    0
                } else {
                    last
                }
            }
            (Step::By(delta), Some(at)) => at.saturating_add_signed(delta).min(last),
        };
        let name = self.entries[rows[target]].name.clone();
        let anchor = self.anchor.as_deref().and_then(position);
        match anchor {
            Some(from) if extend => {
                self.selection =
                    (from.min(target)..=from.max(target)).map(|at| self.entries[rows[at]].name.clone()).collect();
            }
            _ => {
                self.selection = BTreeSet::from([name.clone()]);
                self.anchor = Some(name.clone());
            }
        }
        self.cursor = Some(name);
        Some(target)
    }

    /// Type-ahead: selects the first row, after the cursor and wrapping around, whose name
    /// starts with `prefix` (case-insensitive). Returns its position in the view.
    pub fn select_by_prefix(&mut self, prefix: &str) -> Option<usize> {
        let prefix = prefix.to_lowercase();
        let rows = self.visible();
        let start = self.cursor.as_deref().and_then(|c| rows.iter().position(|&i| self.entries[i].name == c));
        // A one-letter prefix steps past the current row; a longer one may stay on it.
        let offset = usize::from(prefix.chars().count() == 1 && start.is_some());
        let from = start.unwrap_or(0) + offset;
        let found = (0..rows.len())
            .map(|k| (from + k) % rows.len())
            .find(|&at| self.entries[rows[at]].name.to_lowercase().starts_with(&prefix))?;
        let name = self.entries[rows[found]].name.clone();
        self.selection = BTreeSet::from([name.clone()]);
        self.anchor = Some(name.clone());
        self.cursor = Some(name);
        Some(found)
    }

    /// Selects every visible row.
    pub fn select_all(&mut self) {
        self.selection = self.visible().iter().map(|&i| self.entries[i].name.clone()).collect();
    }

    /// The selected entries that are on screen, in view order: what Delete, Download and
    /// Enter act on. A row the filter hides is never acted on, even if it was selected
    /// before the filter changed.
    pub fn selected(&self) -> Vec<&DirEntry> {
        if self.selection.is_empty() {
            return Vec::new();
        }
        self.visible().iter().map(|&i| &self.entries[i]).filter(|e| self.selection.contains(&e.name)).collect()
    }

    /// Drops from the selection the rows the filter now hides (call when it changes).
    pub fn keep_selection_visible(&mut self) {
        if self.selection.is_empty() {
            return;
        }
        let shown: BTreeSet<String> = self.selected().iter().map(|e| e.name.clone()).collect();
        self.selection = shown;
        if self.anchor.as_ref().is_some_and(|a| !self.selection.contains(a)) {
            self.anchor = None;
        }
    }
}
