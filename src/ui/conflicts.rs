//! When an upload, a paste (copy or move) finds files already there: one modal question
//! for the whole batch (Replace, Keep both, Replace if newer, Skip), instead of replacing
//! silently. Nothing is replaced until the user answers; the answer re-runs just those
//! files.

use std::path::PathBuf;

use crate::format::count;
use crate::transfer::Conflict;

/// Where a conflicting file comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A local file being uploaded.
    Local(PathBuf),
    /// A file of the same share being copied (`moving: false`) or moved.
    Share {
        /// Its path in the share.
        path: String,
        /// Moved (Cut, or dragged) rather than copied.
        moving: bool,
    },
}

/// One file whose share destination already exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConflictItem {
    /// The file being sent there.
    pub src: Source,
    /// The share.
    pub share: String,
    /// The destination path in the share.
    pub path: String,
}

/// The files of one transfer that found their destinations taken.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConflictBatch {
    /// The files, in transfer order.
    pub items: Vec<ConflictItem>,
    /// The transfer row that asked (its task), which carries the answer on; `None` for
    /// a paste.
    pub row: Option<crate::worker::TaskId>,
}

/// What the user answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Send them again under this rule.
    Apply(Conflict),
    /// Leave the share's files as they are.
    Skip,
}

fn folder_of(path: &str) -> String {
    format!("/{}", path.rsplit_once('/').map_or("", |(dir, _)| dir))
}

/// Draws the question for `batch` (modal, centred); returns the answer once given.
pub fn conflict_ui(ctx: &egui::Context, batch: &ConflictBatch) -> Option<Answer> {
    let first = batch.items.first()?;
    let name = first.path.rsplit('/').next().unwrap_or(&first.path);
    let place = format!("{}{}", first.share, folder_of(&first.path)).trim_end_matches('/').to_owned();
    let mut answer = None;
    egui::Modal::new(egui::Id::unique("upload-conflicts")).show(ctx, |ui| {
        ui.set_max_width(460.0);
        ui.heading("Replace or keep?");
        if batch.items.len() == 1 {
            ui.label(format!("{name} already exists in /{place}."));
        } else {
            ui.label(format!(
                "{} already exist on the share, such as:",
                count(batch.items.len() as u64, "file", "files")
            ));
            for item in batch.items.iter().take(5) {
                ui.monospace(format!("/{}/{}", item.share, item.path));
            }
        }
        ui.label("Nothing has been replaced yet. Your choice applies to all of them.");
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if ui.button("Replace").clicked() {
                answer = Some(Answer::Apply(Conflict::Replace));
            }
            if ui.button("Keep both").clicked() {
                answer = Some(Answer::Apply(Conflict::KeepBoth));
            }
            if ui.button("Replace if newer").clicked() {
                answer = Some(Answer::Apply(Conflict::ReplaceIfNewer));
            }
            if ui.button("Skip").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                answer = Some(Answer::Skip);
            }
        });
    });
    answer
}
