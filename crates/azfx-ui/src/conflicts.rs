//! When an upload, a paste (copy or move) finds files already there: one modal question
//! for the whole batch (Replace, Keep both, Replace if newer, Skip), instead of replacing
//! silently. Nothing is replaced until the user answers; the answer re-runs just those
//! files.

use std::path::PathBuf;

use poll_promise::Promise;

use azfx_core::files::EntryProperties;
use azfx_core::format::{count, human_size};
use azfx_core::transfer::Conflict;
use azfx_core::worker::{LocalListing, Worker};

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
    pub row: Option<azfx_core::worker::TaskId>,
}

/// What the user answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Send them again under this rule.
    Apply(Conflict),
    /// Leave the share's files as they are.
    Skip,
}

fn folder_of(path: &str) -> String {
    format!("/{}", path.rsplit_once('/').map_or("", |(dir, _)| dir))
}

/// The size and last-write time of both sides of a one-file question (what "Replace if
/// newer" decides by), asked of the worker when the question opens.
pub(crate) struct Facts {
    /// The question they are for.
    batch: ConflictBatch,
    /// The file being sent: its folder's listing (a local file) or its properties (a
    /// share file), and its name.
    local: Option<(Promise<azfx_core::worker::Answer<LocalListing>>, String)>,
    source: Option<Promise<azfx_core::worker::Answer<EntryProperties>>>,
    destination: Promise<azfx_core::worker::Answer<EntryProperties>>,
}

impl Facts {
    /// Asks for the facts of `batch` when it holds one file; `None` otherwise.
    pub(crate) fn ask(worker: &Worker, batch: &ConflictBatch) -> Option<Self> {
        let [item] = batch.items.as_slice() else { return None };
        let destination = worker.properties(&item.share, &item.path, false);
        let (local, source) = match &item.src {
            Source::Local(path) => {
                let name = path.file_name()?.to_string_lossy().into_owned();
                (Some((worker.list_local(path.parent()?.to_owned()), name)), None)
            }
            Source::Share { path, .. } => (None, Some(worker.properties(&item.share, path, false))),
        };
        Some(Self { batch: batch.clone(), local, source, destination })
    }

    /// Whether these are the facts of `batch`.
    pub(crate) fn of(&self, batch: &ConflictBatch) -> bool {
        self.batch == *batch
    }

    /// The size and last-write time of the file being sent, once known.
    fn incoming(&self) -> Option<(u64, Option<time::OffsetDateTime>)> {
        if let Some((listing, name)) = &self.local {
            let Some(Ok(listing)) = listing.ready() else { return None };
            let entry = listing.entries.iter().find(|e| e.name == *name)?;
            let at = entry.modified.and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok());
            return Some((entry.size, at));
        }
        let Some(Ok(properties)) = self.source.as_ref()?.ready() else { return None };
        Some(of_properties(properties))
    }

    fn existing(&self) -> Option<(u64, Option<time::OffsetDateTime>)> {
        let Some(Ok(properties)) = self.destination.ready() else { return None };
        Some(of_properties(properties))
    }
}

fn of_properties(properties: &EntryProperties) -> (u64, Option<time::OffsetDateTime>) {
    let at = properties.last_write.as_deref().and_then(azfx_core::azure_time::parse_iso);
    (properties.size.unwrap_or(0), at)
}

fn describe((size, at): (u64, Option<time::OffsetDateTime>), offset: Option<time::UtcOffset>) -> String {
    match at {
        Some(at) => format!("{}, modified {}", human_size(size), azfx_core::format::short_local(at, offset)),
        None => human_size(size),
    }
}

/// Draws the question for `batch` (modal, centred), with the sizes and dates of both
/// files when it is about one (`facts`); returns the answer once given.
pub(crate) fn conflict_ui(
    ctx: &egui::Context,
    batch: &ConflictBatch,
    facts: Option<&Facts>,
    offset: Option<time::UtcOffset>,
) -> Option<Answer> {
    let first = batch.items.first()?;
    let name = first.path.rsplit('/').next().unwrap_or(&first.path);
    let place = format!("{}{}", first.share, folder_of(&first.path)).trim_end_matches('/').to_owned();
    let mut answer = None;
    egui::Modal::new(egui::Id::unique("upload-conflicts")).show(ctx, |ui| {
        ui.set_max_width(460.0);
        ui.heading("Replace or keep?");
        if batch.items.len() == 1 {
            ui.label(format!("{name} already exists in /{place}."));
            let facts = facts.filter(|f| f.of(batch));
            if let Some(existing) = facts.and_then(Facts::existing) {
                ui.label(format!("There: {}", describe(existing, offset)));
            }
            if let Some(incoming) = facts.and_then(Facts::incoming) {
                let newer = match (incoming.1, facts.and_then(Facts::existing).and_then(|e| e.1)) {
                    (Some(a), Some(b)) if a > b => " (newer)",
                    (Some(a), Some(b)) if a < b => " (older)",
                    (Some(_), Some(_)) => " (as new)",
                    _ => "",
                };
                ui.label(format!("Yours: {}{newer}", describe(incoming, offset)));
            }
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
