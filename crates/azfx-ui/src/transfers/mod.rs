//! The transfers panel: each upload or download with a progress bar, bytes, speed, ETA,
//! state, and the queue's controls (`queue`: Pause, Cancel, Resume, Remove); finished and
//! failed items stay with their reason; unfinished jobs of earlier runs reappear when the
//! window opens; a toast when one ends.

pub(crate) mod answered;
pub(crate) mod queue;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use poll_promise::Promise;

use super::browser::Notice;
use super::conflicts::{ConflictBatch, ConflictItem, Source};
use super::diagnosis::failure_line;
use super::requested::Requests;
use answered::FollowUp;
use azfx_core::error::EngineError;
use azfx_core::files::names::join;
use azfx_core::format::count;
use azfx_core::progress::Progress;
use azfx_core::transfer::TransferError;
use azfx_core::worker::{
    Answer, DownloadOutcome, Failure, FileFailure, JobId, JobSpec, TaskId, TreeReport, UploadOutcome, Worker,
};

/// Where a transfer stands.
#[derive(Debug)]
pub enum TransferState {
    /// Moving bytes.
    Running,
    /// Done.
    Done,
    /// Failed as a whole, with the diagnosis.
    Failed(Failure),
    /// Finished, but these files failed (each with its diagnosis).
    PartlyFailed(Vec<FileFailure>),
    /// Finished except for files that already existed; the user is asked about them.
    Asked(u64),
    /// Finished, and these words say what became of files that were already there
    /// (replaced, saved beside, kept, skipped).
    Ended(String),
    /// Cancelled by the user.
    Cancelled,
    /// Not moving, what arrived kept: paused, interrupted by a quit or a kill, failed in
    /// an earlier run, or running in another azfx process (not `resumable` here).
    Stopped {
        /// Why, in words.
        why: String,
        /// Whether Resume may be offered.
        resumable: bool,
    },
}

impl TransferState {
    /// Whether it is still moving.
    pub fn running(&self) -> bool {
        matches!(self, Self::Running)
    }
}

/// The answer a transfer is waiting for.
pub(crate) enum Pending {
    /// A file download.
    Download(Promise<Answer<DownloadOutcome>>),
    /// A file upload.
    Upload(Promise<Answer<UploadOutcome>>),
    /// A folder (or dropped path) transfer.
    Tree(Promise<Answer<TreeReport>>),
}

/// A finished transfer, whatever its kind: the counts, and the file actually written when
/// it was one file.
struct Finished {
    report: TreeReport,
    written: Option<String>,
    /// `written` is a path in the upload's share.
    shared: bool,
}

fn one_file(bytes: u64, skipped: bool, written: String) -> Finished {
    let report = TreeReport { files: u64::from(!skipped), bytes, skipped: u64::from(skipped), ..TreeReport::default() };
    Finished { report, written: Some(written), shared: false }
}

/// `/share/path`, as the window names a share file.
fn on_share(origin: Option<&UploadOrigin>, path: &str) -> String {
    origin.map_or_else(|| format!("/{path}"), |o| format!("/{}/{}", o.share, path.trim_start_matches('/')))
}

impl Pending {
    fn try_take(self) -> Result<Answer<Finished>, Self> {
        match self {
            Self::Download(p) => p
                .try_take()
                .map(|a| a.map(|d| one_file(d.bytes, d.skipped, d.path.display().to_string())))
                .map_err(Self::Download),
            Self::Upload(p) => p
                .try_take()
                .map(|a| a.map(|u| Finished { shared: true, ..one_file(u.bytes, u.skipped, u.path) }))
                .map_err(Self::Upload),
            Self::Tree(p) => p
                .try_take()
                .map(|a| a.map(|report| Finished { report, written: None, shared: false }))
                .map_err(Self::Tree),
        }
    }
}

/// Where an upload came from, so files that found their destination taken can be asked
/// about and sent again.
#[derive(Clone, Debug)]
pub struct UploadOrigin {
    /// The local file or folder.
    pub src: PathBuf,
    /// The share.
    pub share: String,
    /// Its path in the share (the folder's own path for a folder).
    pub dest: String,
}

fn exists(failure: &Failure) -> bool {
    matches!(failure.error, EngineError::Transfer(TransferError::Exists(_)))
}

/// One transfer in the panel.
pub struct TransferItem {
    /// Worker task.
    pub task: TaskId,
    /// `Upload report.pdf` / `Download logs`.
    pub label: String,
    /// Bytes done and in all.
    pub progress: Progress,
    /// State.
    pub state: TransferState,
    /// The file actually written, once finished (a download kept beside an existing file
    /// has another name than asked for).
    pub written: Option<String>,
    /// Its job in the transfer journal, once the worker started it.
    pub job: Option<JobId>,
    /// What the job is (starting it again resumes it).
    pub spec: Option<JobSpec>,
    pub(super) upload: Option<UploadOrigin>,
    pub(super) started: Instant,
    pub(super) finished: Option<Duration>,
    pub(super) pending: Option<Pending>,
    /// Open the file with its default application once it is downloaded.
    pub(super) open_when_done: bool,
    /// The user's answer to the conflict question this row asked, and the files sent
    /// again under it.
    pub(super) answered: Option<(azfx_core::transfer::Conflict, Vec<FollowUp>)>,
}

impl TransferItem {
    pub(super) fn elapsed(&self) -> Duration {
        self.finished.unwrap_or_else(|| self.started.elapsed())
    }
}

/// All transfers of this session, and the unfinished ones of earlier runs.
#[derive(Default)]
pub struct Transfers {
    /// Newest last.
    pub items: Vec<TransferItem>,
    /// Side requests from the rows (a job removed with its partial files, a file opened):
    /// what to say if one fails, and its answer.
    pub(super) side: Requests,
    /// The journal's jobs, asked for when the window opens.
    pub restoring: queue::Restore,
    /// Files downloaded to be opened, waiting for the window to open them.
    pub to_open: Vec<std::path::PathBuf>,
}

impl Transfers {
    fn push(&mut self, task: TaskId, label: String, pending: Pending, upload: Option<UploadOrigin>) {
        self.items.push(TransferItem {
            task,
            label,
            progress: Progress::default(),
            state: TransferState::Running,
            written: None,
            job: None,
            spec: None,
            upload,
            started: Instant::now(),
            finished: None,
            pending: Some(pending),
            open_when_done: false,
            answered: None,
        });
    }

    /// Tracks a file download.
    pub fn track_download(&mut self, task: TaskId, label: String, promise: Promise<Answer<DownloadOutcome>>) {
        self.push(task, label, Pending::Download(promise), None);
    }

    /// Tracks a download made to open the file (double-click, Enter); the file is opened
    /// once it arrived whole and verified.
    pub fn track_open(&mut self, task: TaskId, label: String, promise: Promise<Answer<DownloadOutcome>>) {
        self.push(task, label, Pending::Download(promise), None);
        if let Some(item) = self.items.last_mut() {
            item.open_when_done = true;
        }
    }

    /// Tracks a file upload.
    pub fn track_upload(
        &mut self,
        task: TaskId,
        label: String,
        promise: Promise<Answer<UploadOutcome>>,
        origin: UploadOrigin,
    ) {
        self.push(task, label, Pending::Upload(promise), Some(origin));
    }

    /// Tracks a folder (or dropped path) transfer; `upload` for uploads.
    pub fn track_tree(
        &mut self,
        task: TaskId,
        label: String,
        promise: Promise<Answer<TreeReport>>,
        upload: Option<UploadOrigin>,
    ) {
        self.push(task, label, Pending::Tree(promise), upload);
    }

    /// Progress from the worker.
    pub fn on_progress(&mut self, task: TaskId, done: u64, total: u64) {
        if let Some(item) = self.items.iter_mut().find(|i| i.task == task) {
            item.progress.update(done, total);
        }
    }

    /// A transfer is a job of the journal (it can be paused and resumed).
    pub fn on_job(&mut self, task: TaskId, job: JobId, spec: JobSpec) {
        if let Some(item) = self.items.iter_mut().find(|i| i.task == task) {
            item.job = Some(job);
            item.spec = Some(spec);
        }
    }

    /// How many are still moving.
    pub fn running(&self) -> usize {
        self.items.iter().filter(|i| i.state.running()).count()
    }

    /// Checks finished transfers; returns toasts, whether a listing may have changed, and
    /// the uploads that found files already on the share (to ask about).
    pub fn poll(&mut self) -> (Vec<Notice>, bool, Vec<ConflictBatch>) {
        let mut notices = Vec::new();
        let mut changed = false;
        let mut batches = Vec::new();
        for item in &mut self.items {
            if item.state.running()
                && let Some((rule, follow_ups)) = &mut item.answered
                && answered::poll(follow_ups, *rule)
            {
                answered::finish(item, &mut notices);
                changed = true;
                continue;
            }
            let Some(pending) = item.pending.take() else { continue };
            let outcome = match pending.try_take() {
                Ok(outcome) => outcome,
                Err(pending) => {
                    item.pending = Some(pending);
                    continue;
                }
            };
            item.finished = Some(item.started.elapsed());
            changed = true;
            let mut conflicts = ConflictBatch { row: Some(item.task), ..ConflictBatch::default() };
            match outcome {
                Ok(Finished { mut report, written, shared }) => {
                    // An upload's path is the share's: named with the share, as everywhere.
                    let written =
                        if shared { written.map(|path| on_share(item.upload.as_ref(), &path)) } else { written };
                    let (taken, failures): (Vec<_>, Vec<_>) =
                        std::mem::take(&mut report.failures).into_iter().partition(|f| exists(&f.failure));
                    if let Some(origin) = &item.upload {
                        conflicts.items.extend(taken.iter().map(|f| ConflictItem {
                            src: Source::Local(origin.src.join(&f.path)),
                            share: origin.share.clone(),
                            path: join(&origin.dest, &f.path),
                        }));
                    }
                    item.written.clone_from(&written);
                    if !failures.is_empty() {
                        let first = &failures[0];
                        let detail = format!(
                            "{} failed; {}: {}",
                            count(failures.len() as u64, "file", "files"),
                            first.path,
                            failure_line(&first.failure)
                        );
                        notices.push(Notice::Error(format!("{} partly failed", item.label), detail));
                        item.state = TransferState::PartlyFailed(failures);
                    } else if !conflicts.items.is_empty() {
                        item.state = TransferState::Asked(conflicts.items.len() as u64);
                    } else {
                        item.progress.finish(report.bytes);
                        item.state = TransferState::Done;
                        if item.open_when_done
                            && let Some(path) = &written
                        {
                            self.to_open.push(std::path::PathBuf::from(path));
                        }
                        notices.push(Notice::Info(queue::finished_text(&item.label, &report, written.as_deref())));
                    }
                }
                Err(failure) if failure.is_cancelled() => item.state = TransferState::Cancelled,
                Err(failure) if matches!(failure.error, EngineError::Transfer(TransferError::Paused)) => {
                    item.state = TransferState::Stopped { why: "Paused".to_owned(), resumable: true };
                }
                Err(failure) if exists(&failure) && item.upload.is_some() => {
                    if let Some(origin) = &item.upload {
                        conflicts.items.push(ConflictItem {
                            src: Source::Local(origin.src.clone()),
                            share: origin.share.clone(),
                            path: origin.dest.clone(),
                        });
                    }
                    item.state = TransferState::Asked(1);
                }
                Err(failure) => {
                    notices.push(Notice::Error(format!("{} failed", item.label), failure_line(&failure)));
                    item.state = TransferState::Failed(failure);
                }
            }
            if !conflicts.items.is_empty() {
                batches.push(conflicts);
            }
        }
        for (title, answer) in self.side.arrived() {
            if let Err(failure) = answer {
                notices.push(Notice::Error(title, failure_line(&failure)));
            }
        }
        (notices, changed, batches)
    }

    /// The user answered the conflict question the row running `row` asked: it goes on
    /// with `follow_ups` (the files sent again under `rule`, or already ended when
    /// skipped) and ends in what became of them. Answers false when no row asked.
    pub fn answer(&mut self, row: TaskId, rule: azfx_core::transfer::Conflict, follow_ups: Vec<FollowUp>) -> bool {
        let Some(item) = self.items.iter_mut().find(|i| i.task == row && matches!(i.state, TransferState::Asked(_)))
        else {
            return false;
        };
        if let [one] = follow_ups.as_slice()
            && one.promise.is_some()
        {
            // One file: the row follows it (progress, Pause, Cancel).
            item.task = one.task;
            item.progress = Progress::default();
        }
        item.state = TransferState::Running;
        item.started = Instant::now();
        item.finished = None;
        item.answered = Some((rule, follow_ups));
        true
    }

    /// Draws the panel; `endpoint` is the connected account's (jobs resume only there).
    pub fn ui(&mut self, ui: &mut egui::Ui, worker: &Worker, endpoint: Option<&str>) {
        ui.horizontal(|ui| {
            ui.strong("Transfers");
            if ui.button("Clear finished").clicked() {
                // A row waiting for the conflict answer is not finished.
                self.items.retain(|i| {
                    i.state.running() || matches!(i.state, TransferState::Stopped { .. } | TransferState::Asked(_))
                });
            }
        });
        if self.items.is_empty() {
            ui.weak("Drop files or folders on the window to upload them");
            return;
        }
        let mut action = None;
        egui::ScrollArea::vertical().max_height(160.0).id_salt("transfers-scroll").show(ui, |ui| {
            for (index, item) in self.items.iter().enumerate().rev() {
                action = queue::item_ui(ui, item, index, endpoint).or(action);
            }
        });
        if let Some(action) = action {
            self.apply(action, worker);
        }
    }
}
