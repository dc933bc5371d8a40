//! The transfer queue's controls in the transfers panel: Pause and Cancel on a running
//! transfer; Resume and Remove on one that stopped (paused here, interrupted when azfx
//! last quit or was killed, failed with what arrived kept). Resuming is starting the same
//! transfer again: the worker finds its job in the journal and goes on from its
//! temporary file.

use std::time::{Duration, Instant};

use super::{Pending, TransferItem, TransferState, Transfers};
use crate::diagnosis::{diagnosis_ui, failure_line};
use crate::requested::Requested;
use azfx_core::format::{count, countdown, human_size};
use azfx_core::progress::Progress;
use azfx_core::worker::Failure;
use azfx_core::worker::{JobKind, JobRecord, JobSpec, JobState, TaskId, Worker};

/// What a click in the panel asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Stop a running transfer, keeping what was written.
    Pause(TaskId),
    /// Stop a running transfer and remove what was written.
    Cancel(TaskId),
    /// Start the stopped transfer at this index again, from where it stopped.
    Resume(usize),
    /// Forget the stopped transfer at this index, removing its partial file.
    Remove(usize),
    /// Open what the finished download at this index wrote, with the system's default
    /// application (a folder in the file manager).
    Open(usize),
    /// Open the folder that holds what the finished download at this index wrote.
    ShowInFolder(usize),
}

/// Where a transfer goes: the local file or folder a download writes (the name actually
/// written once finished: a download kept beside an existing file has another name than
/// asked for), or the share path an upload writes.
pub(crate) fn destination(item: &TransferItem) -> Option<String> {
    let Some(spec) = item.spec.as_ref() else {
        // An upload that stopped before its job began (its name was taken): where it was
        // asked to go.
        let origin = item.upload.as_ref()?;
        return Some(item.written.clone().unwrap_or_else(|| format!("/{}/{}", origin.share, origin.dest)));
    };
    Some(match spec.kind {
        JobKind::Download | JobKind::DownloadFolder => {
            item.written.clone().unwrap_or_else(|| spec.local.display().to_string())
        }
        JobKind::Upload => {
            item.written.clone().unwrap_or_else(|| format!("/{}/{}", spec.share, spec.remote.trim_start_matches('/')))
        }
        JobKind::UploadFolder => format!("/{}/{}", spec.share, spec.remote.trim_matches('/')),
        // Into the folder `remote`, keeping its name.
        JobKind::UploadPath => {
            let name = spec.local.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            format!("/{}/{}", spec.share, azfx_core::files::names::join(spec.remote.trim_matches('/'), &name))
        }
    })
}

/// The row's second line: where it goes, and for a finished download Open and Show in
/// folder.
pub(crate) fn destination_ui(ui: &mut egui::Ui, item: &TransferItem, index: usize) -> Option<Action> {
    let to = destination(item)?;
    let finished_download =
        matches!(item.state, TransferState::Done) && item.spec.as_ref().is_some_and(|s| s.kind.is_download());
    ui.horizontal(|ui| {
        ui.weak(format!("to {to}"));
        let mut action = None;
        if finished_download {
            if ui.small_button("Open").on_hover_text(format!("Open {to}")).clicked() {
                action = Some(Action::Open(index));
            }
            if ui.small_button("Show in folder").on_hover_text("Open the folder it is in").clicked() {
                action = Some(Action::ShowInFolder(index));
            }
        }
        action
    })
    .inner
}

/// `Download big.bin` / `Upload photos`, as the panel names a transfer.
pub(crate) fn label(spec: &JobSpec) -> String {
    let name = |text: &str| text.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_owned();
    match spec.kind {
        JobKind::Download | JobKind::DownloadFolder => format!("Download {}", name(&spec.remote)),
        JobKind::Upload => format!("Upload {}", name(&spec.remote)),
        JobKind::UploadPath | JobKind::UploadFolder => {
            format!("Upload {}", spec.local.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
        }
    }
}

/// Starts `spec` (again): the worker resumes its job.
pub(crate) fn start(worker: &Worker, spec: &JobSpec) -> (TaskId, Pending) {
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
        JobKind::UploadFolder => {
            let (task, promise) = worker.upload_folder(local, share, remote, conflict);
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
pub(crate) fn stopped_state(job: &JobRecord) -> Option<TransferState> {
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
pub(crate) fn buttons(ui: &mut egui::Ui, item: &TransferItem, index: usize, endpoint: Option<&str>) -> Option<Action> {
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
            // The same account, whatever port it was reached on (the demo's emulator).
            let here = endpoint.is_some_and(|e| azfx_core::files::Endpoint::same_account(e, &spec.endpoint));
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
    jobs: Requested<Vec<JobRecord>>,
    asked: bool,
}

impl Restore {
    /// Asks the worker once; answers the jobs when they arrive.
    pub fn poll(&mut self, worker: &Worker) -> Option<Vec<JobRecord>> {
        if !self.asked {
            self.asked = true;
            self.jobs.request(worker.jobs());
        }
        self.jobs.take_arrived()?.ok()
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
                open_when_done: false,
                answered: None,
            });
        }
    }

    /// Carries out a click in the panel.
    pub(super) fn apply(&mut self, action: Action, worker: &Worker) {
        match action {
            Action::Pause(task) => worker.pause(task),
            Action::Cancel(task) => {
                worker.cancel(task);
                // Files sent again after a conflict answer go with their row.
                let row = self.items.iter().find(|i| i.task == task);
                for follow_up in row.and_then(|i| i.answered.as_ref()).map_or(&[][..], |(_, f)| f.as_slice()) {
                    worker.cancel(follow_up.task);
                }
            }
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
                        self.side.push(format!("Could not remove {}", item.label), worker.remove_job(job));
                    }
                }
            }
            Action::Open(index) | Action::ShowInFolder(index) => {
                let Some(to) = self.items.get(index).and_then(destination) else { return };
                let path = std::path::PathBuf::from(&to);
                let path = match action {
                    Action::ShowInFolder(_) => path.parent().map(std::path::Path::to_path_buf).unwrap_or(path),
                    _ => path,
                };
                self.side.push(format!("Could not open {}", path.display()), worker.open_path(path));
            }
        }
    }
}

/// The toast for a finished transfer: what moved, and where a single file was written
/// (a download kept beside an existing file has another name than asked for).
pub(super) fn finished_text(label: &str, report: &azfx_core::worker::TreeReport, written: Option<&str>) -> String {
    let size = azfx_core::format::human_size(report.bytes);
    let text = match (written, report.skipped) {
        (Some(path), 0) => format!("{label} finished ({size}): saved as {path}"),
        (Some(path), _) => format!("{label}: {path} was kept (not newer)"),
        (None, 0) => format!("{label} finished ({}, {size})", azfx_core::format::count(report.files, "file", "files")),
        (None, skipped) => format!(
            "{label} finished ({}, {size}; {} kept as they were)",
            azfx_core::format::count(report.files, "file", "files"),
            azfx_core::format::count(skipped, "file", "files")
        ),
    };
    match report.renamed.as_slice() {
        [] => text,
        [one] => format!("{text}; {one}"),
        [first, rest @ ..] => format!("{text}; {first} (and {} more)", rest.len()),
    }
}

/// One row of the panel: label, progress, state, buttons, destination, and why it failed.
pub(super) fn item_ui(ui: &mut egui::Ui, item: &TransferItem, index: usize, endpoint: Option<&str>) -> Option<Action> {
    let action = ui.horizontal(|ui| {
        ui.label(&item.label);
        // A row that asked, or ended with nothing sent, has no progress to show.
        let moved_nothing =
            matches!(item.state, TransferState::Asked(_) | TransferState::Ended(_)) && item.progress.done == 0;
        if !moved_nothing {
            ui.add(egui::ProgressBar::new(item.progress.fraction()).desired_width(160.0).show_percentage());
            ui.label(format!("{} / {}", human_size(item.progress.done), human_size(item.progress.total)));
        }
        match &item.state {
            TransferState::Running => {
                ui.label(format!("{}/s", human_size(item.progress.rate(item.elapsed()))));
                if let Some(eta) = item.progress.eta(item.elapsed()) {
                    ui.label(format!("ETA {}", countdown(i64::try_from(eta.as_secs()).unwrap_or(i64::MAX))));
                }
            }
            TransferState::Stopped { why, .. } => {
                ui.label(why);
            }
            TransferState::Done => {
                ui.label("Done");
            }
            TransferState::Ended(what) => {
                ui.label(what);
            }
            TransferState::Cancelled => {
                ui.label("Cancelled");
            }
            TransferState::Failed(failure) => {
                ui.colored_label(ui.visuals().error_fg_color, format!("Failed: {}", failure_line(failure)));
            }
            TransferState::Asked(n) => {
                ui.label(format!("{} already there: asked what to do", count(*n, "file", "files")));
            }
            TransferState::PartlyFailed(failures) => {
                let text = format!("{} failed", count(failures.len() as u64, "file", "files"));
                ui.colored_label(ui.visuals().error_fg_color, text);
            }
        }
        buttons(ui, item, index, endpoint)
    });
    let action = destination_ui(ui, item, index).or(action.inner);
    let details: Vec<(&str, &Failure)> = match &item.state {
        TransferState::Failed(failure) => vec![("", failure)],
        TransferState::PartlyFailed(failures) => failures.iter().map(|f| (f.path.as_str(), &f.failure)).collect(),
        _ => Vec::new(),
    };
    if !details.is_empty() {
        ui.collapsing(format!("Why {} failed", item.label), |ui| {
            for (path, failure) in details {
                if !path.is_empty() {
                    ui.strong(path);
                }
                diagnosis_ui(ui, &failure.diagnosis);
            }
        });
    }
    action
}

#[cfg(test)]
mod tests {
    use azfx_core::transfer::tree::Renamed;
    use azfx_core::worker::TreeReport;

    #[test]
    fn a_folder_summary_says_which_files_were_saved_under_another_name() {
        let twin = Renamed { from: "report.txt".into(), to: "report (1).txt".into(), case_twin: true };
        let mut report = TreeReport { files: 2, bytes: 10, renamed: vec![twin.clone()], ..TreeReport::default() };
        let text = super::finished_text("reports", &report, None);
        assert!(text.starts_with("reports finished (2 files"), "{text}");
        assert!(text.contains("report.txt saved as report (1).txt: the destination does not tell names apart by case"));
        report.renamed.push(Renamed { case_twin: false, ..twin });
        assert!(super::finished_text("reports", &report, None).ends_with("(and 1 more)"));
    }
}
