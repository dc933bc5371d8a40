//! What becomes of an upload row once the user answered the conflict question: the same
//! row sends the files again under the chosen rule (or skips them) and ends in what
//! happened to them — replaced, saved beside as `name (1).ext`, kept (not newer),
//! skipped — never in a bare "Done" that hides a file left as it was.

use poll_promise::Promise;

use super::{TransferItem, TransferState};
use crate::browser::Notice;
use crate::diagnosis::failure_line;
use azfx_core::format::count;
use azfx_core::transfer::Conflict;
use azfx_core::worker::{Answer, Failure, TaskId, UploadOutcome};

/// One file sent again after the answer.
pub struct FollowUp {
    /// Its worker task.
    pub task: TaskId,
    /// The share path it was asked to go to.
    pub path: String,
    /// Its answer, until taken.
    pub promise: Option<Promise<Answer<UploadOutcome>>>,
    /// What happened, once it ended.
    pub ended: Option<Result<Fate, Failure>>,
}

/// What happened to one file whose destination was taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Written over the share's file.
    Replaced(String),
    /// Written beside it, under this share path (Keep both).
    SavedAs(String),
    /// The share's file was newer, or as new: left as it was.
    KeptNotNewer(String),
    /// Left as it was, as the user asked.
    Skipped(String),
}

impl Fate {
    /// The fate of an upload to `requested` under `rule`, from its outcome.
    pub fn of(rule: Conflict, requested: &str, outcome: &UploadOutcome) -> Self {
        match (outcome.skipped, rule) {
            (true, Conflict::ReplaceIfNewer) => Self::KeptNotNewer(requested.to_owned()),
            (true, _) => Self::Skipped(requested.to_owned()),
            (false, _) if outcome.path != requested => Self::SavedAs(outcome.path.clone()),
            (false, _) => Self::Replaced(requested.to_owned()),
        }
    }
}

/// The row's words for `fates` in `share`, e.g. `Saved as /projects/README (1).md`, or
/// for several, `2 replaced, 1 kept (not newer)`.
pub(crate) fn summary(share: &str, fates: &[Fate]) -> String {
    let shown = |path: &str| format!("/{share}/{path}");
    if let [fate] = fates {
        return match fate {
            Fate::Replaced(path) => format!("Replaced {}", shown(path)),
            Fate::SavedAs(path) => format!("Saved as {}", shown(path)),
            Fate::KeptNotNewer(path) => format!("Kept {} (not newer)", shown(path)),
            Fate::Skipped(path) => format!("Skipped: {} left as it was", shown(path)),
        };
    }
    let tally = |want: fn(&Fate) -> bool| fates.iter().filter(|f| want(f)).count() as u64;
    let parts = [
        (tally(|f| matches!(f, Fate::Replaced(_))), "replaced"),
        (tally(|f| matches!(f, Fate::SavedAs(_))), "saved beside as name (n)"),
        (tally(|f| matches!(f, Fate::KeptNotNewer(_))), "kept (not newer)"),
        (tally(|f| matches!(f, Fate::Skipped(_))), "skipped"),
    ];
    let said: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{} {what}", count(*n, "file", "files")))
        .collect();
    said.join(", ")
}

/// Takes the answers that arrived; answers true once every follow-up has ended.
pub(crate) fn poll(follow_ups: &mut [FollowUp], rule: Conflict) -> bool {
    for follow_up in follow_ups.iter_mut() {
        let Some(promise) = follow_up.promise.take() else { continue };
        match promise.try_take() {
            Ok(answer) => follow_up.ended = Some(answer.map(|outcome| Fate::of(rule, &follow_up.path, &outcome))),
            Err(pending) => follow_up.promise = Some(pending),
        }
    }
    follow_ups.iter().all(|f| f.ended.is_some())
}

/// Ends a row whose answered files all ended: in what became of them, or in the failures.
pub(super) fn finish(item: &mut TransferItem, notices: &mut Vec<Notice>) {
    let Some((_, follow_ups)) = item.answered.take() else { return };
    item.finished = Some(item.started.elapsed());
    let share = item.upload.as_ref().map_or_else(String::new, |o| o.share.clone());
    let mut fates = Vec::new();
    let mut failures = Vec::new();
    for follow_up in follow_ups {
        match follow_up.ended {
            Some(Ok(fate)) => fates.push(fate),
            Some(Err(failure)) if failure.is_cancelled() => item.state = TransferState::Cancelled,
            Some(Err(failure))
                if matches!(
                    failure.error,
                    azfx_core::error::EngineError::Transfer(azfx_core::transfer::TransferError::Paused)
                ) =>
            {
                item.state = TransferState::Stopped { why: "Paused".to_owned(), resumable: true };
            }
            Some(Err(failure)) => failures.push(azfx_core::worker::FileFailure { path: follow_up.path, failure }),
            None => {}
        }
    }
    if matches!(item.state, TransferState::Cancelled | TransferState::Stopped { .. }) {
        return;
    }
    if let [Fate::SavedAs(path)] = fates.as_slice() {
        item.written = Some(format!("/{share}/{path}"));
    }
    if !failures.is_empty() {
        let first = &failures[0];
        let detail = format!("{}: {}", first.path, failure_line(&first.failure));
        notices.push(Notice::Error(format!("{} failed", item.label), detail));
        item.state = TransferState::PartlyFailed(failures);
        return;
    }
    let text = summary(&share, &fates);
    notices.push(Notice::Info(format!("{}: {text}", item.label)));
    item.state = TransferState::Ended(text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use azfx_core::transfer::Resumed;

    fn outcome(path: &str, skipped: bool) -> UploadOutcome {
        UploadOutcome { bytes: if skipped { 0 } else { 16 }, path: path.to_owned(), skipped, resumed: Resumed::Fresh }
    }

    #[test]
    fn each_answer_ends_in_what_happened() {
        let requested = "README.md";
        let fate = |rule, path, skipped| Fate::of(rule, requested, &outcome(path, skipped));
        assert_eq!(fate(Conflict::ReplaceIfNewer, requested, true), Fate::KeptNotNewer(requested.to_owned()));
        assert_eq!(fate(Conflict::ReplaceIfNewer, requested, false), Fate::Replaced(requested.to_owned()));
        assert_eq!(fate(Conflict::KeepBoth, "README (1).md", false), Fate::SavedAs("README (1).md".to_owned()));
        assert_eq!(fate(Conflict::Replace, requested, false), Fate::Replaced(requested.to_owned()));
        assert_eq!(
            summary("projects", &[Fate::KeptNotNewer("README.md".to_owned())]),
            "Kept /projects/README.md (not newer)"
        );
        assert_eq!(
            summary("projects", &[Fate::SavedAs("README (1).md".to_owned())]),
            "Saved as /projects/README (1).md"
        );
        let many = [Fate::Replaced("a".to_owned()), Fate::Replaced("b".to_owned()), Fate::KeptNotNewer("c".to_owned())];
        assert_eq!(summary("projects", &many), "2 files replaced, 1 file kept (not newer)");
    }
}
