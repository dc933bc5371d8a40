//! The transfer queue's controls in the transfers panel: Pause and Cancel on a running
//! transfer; Resume and Remove on one that stopped (paused here, interrupted when azfx
//! last quit or was killed, failed with what arrived kept). Resuming is starting the same
//! transfer again: the worker finds its job in the journal and goes on from its
//! temporary file.

use poll_promise::Promise;

use std::time::{Duration, Instant};

use super::transfers::{Pending, TransferItem, TransferState, Transfers};
use crate::progress::Progress;
use crate::worker::{Answer, JobKind, JobRecord, JobSpec, JobState, TaskId, Worker};

/// What a click in the panel asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Stop a running transfer, keeping what was written.
    Pause(TaskId),
    /// Stop a running transfer and remove what was written.
    Cancel(TaskId),
    /// Start the stopped transfer at this index again, from where it stopped.
    Resume(usize),
    /// Forget the stopped transfer at this index, removing its partial file.
    Remove(usize),
}

/// `Download big.bin` / `Upload photos`, as the panel names a transfer.
pub fn label(spec: &JobSpec) -> String {
    let name = |text: &str| text.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_owned();
    match spec.kind {
        JobKind::Download | JobKind::DownloadFolder => format!("Download {}", name(&spec.remote)),
        JobKind::Upload => format!("Upload {}", name(&spec.remote)),
        JobKind::UploadPath => {
            format!("Upload {}", spec.local.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
        }
    }
}

/// Starts `spec` (again): the worker resumes its job.
pub fn start(worker: &Worker, spec: &JobSpec) -> (TaskId, Pending) {
    let (share, remote, local, conflict) = (&spec.share, &spec.remote, spec.local.clone(), spec.conflict);
    match spec.kind {
        JobKind::Download => {
            let (task, promise) = worker.download(share, remote, local, conflict);
            (task, Pending::Download(promise))
        }
        JobKind::Upload => {
            let (task, promise) = worker.upload(local, share, remote, conflict);
            (task, Pending::Upload(promise))
        }
        JobKind::UploadPath => {
            let (task, promise) = worker.upload_path(local, share, remote, conflict);
            (task, Pending::Tree(promise))
        }
        JobKind::DownloadFolder => {
            let (task, promise) = worker.download_folder(share, remote, local, conflict);
            (task, Pending::Tree(promise))
        }
    }
}

/// How a job of the journal that is not running here is shown; `None` for one running
/// in this window already.
pub fn stopped_state(job: &JobRecord) -> Option<TransferState> {
    let (why, resumable) = match job.state {
        JobState::Running => return None,
        JobState::RunningElsewhere(pid) => (format!("Running in another azfx (process {pid})"), false),
        JobState::Interrupted => ("Interrupted when azfx last stopped".to_owned(), true),
        JobState::Paused => ("Paused".to_owned(), true),
        JobState::Failed => {
            (format!("Failed: {}", job.message.as_deref().unwrap_or("see the log")).replace('\n', " "), true)
        }
    };
    Some(TransferState::Stopped { why, resumable })
}

/// The buttons of one row; `endpoint` is the connected account's (a job resumes only on
/// its own account).
pub fn buttons(ui: &mut egui::Ui, item: &TransferItem, index: usize, endpoint: Option<&str>) -> Option<Action> {
    let mut action = None;
    match &item.state {
        TransferState::Running => {
            if item.spec.is_some()
                && ui.button("Pause").on_hover_text("Stop and keep what arrived; Resume goes on from there").clicked()
            {
                action = Some(Action::Pause(item.task));
            }
            if ui.button("Cancel").on_hover_text("Stop and remove what arrived (Pause keeps it)").clicked() {
                action = Some(Action::Cancel(item.task));
            }
        }
        TransferState::Stopped { .. } | TransferState::Failed(_) => {
            let Some(spec) = &item.spec else { return None };
            let resumable = !matches!(item.state, TransferState::Stopped { resumable: false, .. });
            let here = endpoint == Some(spec.endpoint.as_str());
            let word = if matches!(item.state, TransferState::Failed(_)) { "Retry" } else { "Resume" };
            let resume = ui
                .add_enabled(resumable && here, egui::Button::new(word))
                .on_disabled_hover_text(format!("Connect to {} to resume", spec.endpoint));
            if resume.clicked() {
                action = Some(Action::Resume(index));
            }
            if resumable && ui.button("Remove").on_hover_text("Forget it and remove what arrived").clicked() {
                action = Some(Action::Remove(index));
            }
        }
        _ => {}
    }
    action
}

/// The journal's jobs, asked for once when the window opens.
#[derive(Default)]
pub struct Restore {
    request: Option<Promise<Answer<Vec<JobRecord>>>>,
    asked: bool,
}

impl Restore {
    /// Asks the worker once; answers the jobs when they arrive.
    pub fn poll(&mut self, worker: &Worker) -> Option<Vec<JobRecord>> {
        if !self.asked {
            self.asked = true;
            self.request = Some(worker.jobs());
        }
        match self.request.take()?.try_take() {
            Ok(answer) => answer.ok(),
            Err(pending) => {
                self.request = Some(pending);
                None
            }
        }
    }
}

impl Transfers {
    /// Shows the journal's jobs that are not running in this window (interrupted when
    /// azfx last stopped, paused, failed), oldest first, so they can be resumed.
    pub fn restore(&mut self, jobs: Vec<JobRecord>) {
        for job in jobs {
            if self.items.iter().any(|i| i.job == Some(job.id)) {
                continue;
            }
            let Some(state) = stopped_state(&job) else { continue };
            let mut progress = Progress::default();
            progress.update(job.done, job.total);
            self.items.push(TransferItem {
                task: 0,
                label: label(&job.spec),
                progress,
                state,
                written: None,
                job: Some(job.id),
                spec: Some(job.spec),
                upload: None,
                started: Instant::now(),
                finished: Some(Duration::ZERO),
                pending: None,
            });
        }
    }

    /// Carries out a click in the panel.
    pub(super) fn apply(&mut self, action: Action, worker: &Worker) {
        match action {
            Action::Pause(task) => worker.pause(task),
            Action::Cancel(task) => worker.cancel(task),
            Action::Resume(index) => {
                let Some(item) = self.items.get_mut(index) else { return };
                let Some(spec) = &item.spec else { return };
                let (task, pending) = start(worker, spec);
                item.task = task;
                item.pending = Some(pending);
                item.state = TransferState::Running;
                item.started = Instant::now();
                item.finished = None;
            }
            Action::Remove(index) => {
                if index < self.items.len() {
                    let item = self.items.remove(index);
                    if let Some(job) = item.job {
                        self.removals.push((item.label, worker.remove_job(job)));
                    }
                }
            }
        }
    }
}
