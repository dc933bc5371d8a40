//! The transfers panel and the toasts: each upload or download with a progress bar,
//! bytes, speed, ETA, state and Cancel; finished and failed items stay with their reason;
//! a toast when one ends.

use std::time::{Duration, Instant};

use poll_promise::Promise;

use super::browser::Notice;
use super::diagnosis::{diagnosis_ui, failure_line};
use crate::format::{count, countdown, human_size};
use crate::progress::Progress;
use crate::worker::{Answer, Failure, FileFailure, TaskId, TreeReport, Worker};

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
    /// Cancelled by the user.
    Cancelled,
}

impl TransferState {
    /// Whether it is still moving.
    pub fn running(&self) -> bool {
        matches!(self, Self::Running)
    }
}

enum Pending {
    File(Promise<Answer<u64>>),
    Tree(Promise<Answer<TreeReport>>),
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
    started: Instant,
    finished: Option<Duration>,
    pending: Option<Pending>,
}

impl TransferItem {
    fn elapsed(&self) -> Duration {
        self.finished.unwrap_or_else(|| self.started.elapsed())
    }
}

/// All transfers of this session.
#[derive(Default)]
pub struct Transfers {
    /// Newest last.
    pub items: Vec<TransferItem>,
}

impl Transfers {
    fn push(&mut self, task: TaskId, label: String, pending: Pending) {
        self.items.push(TransferItem {
            task,
            label,
            progress: Progress::default(),
            state: TransferState::Running,
            started: Instant::now(),
            finished: None,
            pending: Some(pending),
        });
    }

    /// Tracks a single-file transfer.
    pub fn track_file(&mut self, task: TaskId, label: String, promise: Promise<Answer<u64>>) {
        self.push(task, label, Pending::File(promise));
    }

    /// Tracks a folder (or dropped path) transfer.
    pub fn track_tree(&mut self, task: TaskId, label: String, promise: Promise<Answer<TreeReport>>) {
        self.push(task, label, Pending::Tree(promise));
    }

    /// Progress from the worker.
    pub fn on_progress(&mut self, task: TaskId, done: u64, total: u64) {
        if let Some(item) = self.items.iter_mut().find(|i| i.task == task) {
            item.progress.update(done, total);
        }
    }

    /// How many are still moving.
    pub fn running(&self) -> usize {
        self.items.iter().filter(|i| i.state.running()).count()
    }

    /// Checks finished transfers; returns toasts and whether a listing may have changed.
    pub fn poll(&mut self) -> (Vec<Notice>, bool) {
        let mut notices = Vec::new();
        let mut changed = false;
        for item in &mut self.items {
            let Some(pending) = item.pending.take() else { continue };
            let outcome: Option<Answer<TreeReport>> = match pending {
                Pending::File(p) => match p.try_take() {
                    Ok(answer) => Some(answer.map(|bytes| TreeReport { files: 1, bytes, failures: Vec::new() })),
                    Err(p) => {
                        item.pending = Some(Pending::File(p));
                        None
                    }
                },
                Pending::Tree(p) => match p.try_take() {
                    Ok(answer) => Some(answer),
                    Err(p) => {
                        item.pending = Some(Pending::Tree(p));
                        None
                    }
                },
            };
            let Some(outcome) = outcome else { continue };
            item.finished = Some(item.started.elapsed());
            changed = true;
            match outcome {
                Ok(report) if report.failures.is_empty() => {
                    item.progress.finish(report.bytes);
                    item.state = TransferState::Done;
                    notices.push(Notice::Info(format!("{} finished ({})", item.label, human_size(report.bytes))));
                }
                Ok(report) => {
                    let first = &report.failures[0];
                    let detail = format!(
                        "{} failed; {}: {}",
                        count(report.failures.len() as u64, "file", "files"),
                        first.path,
                        failure_line(&first.failure)
                    );
                    notices.push(Notice::Error(format!("{} partly failed", item.label), detail));
                    item.state = TransferState::PartlyFailed(report.failures);
                }
                Err(failure) if failure.is_cancelled() => item.state = TransferState::Cancelled,
                Err(failure) => {
                    notices.push(Notice::Error(format!("{} failed", item.label), failure_line(&failure)));
                    item.state = TransferState::Failed(failure);
                }
            }
        }
        (notices, changed)
    }

    /// Draws the panel.
    pub fn ui(&mut self, ui: &mut egui::Ui, worker: &Worker) {
        ui.horizontal(|ui| {
            ui.strong("Transfers");
            if ui.button("Clear finished").clicked() {
                self.items.retain(|i| i.state.running());
            }
        });
        if self.items.is_empty() {
            ui.weak("Drop files or folders on the window to upload them");
            return;
        }
        egui::ScrollArea::vertical().max_height(160.0).id_salt("transfers-scroll").show(ui, |ui| {
            for item in self.items.iter().rev() {
                item_ui(ui, item, worker);
            }
        });
    }
}

fn item_ui(ui: &mut egui::Ui, item: &TransferItem, worker: &Worker) {
    ui.horizontal(|ui| {
        ui.label(&item.label);
        ui.add(egui::ProgressBar::new(item.progress.fraction()).desired_width(160.0).show_percentage());
        ui.label(format!("{} / {}", human_size(item.progress.done), human_size(item.progress.total)));
        match &item.state {
            TransferState::Running => {
                ui.label(format!("{}/s", human_size(item.progress.rate(item.elapsed()))));
                if let Some(eta) = item.progress.eta(item.elapsed()) {
                    ui.label(format!("ETA {}", countdown(i64::try_from(eta.as_secs()).unwrap_or(i64::MAX))));
                }
                if ui.button("Cancel").clicked() {
                    worker.cancel(item.task);
                }
            }
            TransferState::Done => {
                ui.label("Done");
            }
            TransferState::Cancelled => {
                ui.label("Cancelled");
            }
            TransferState::Failed(failure) => {
                ui.colored_label(ui.visuals().error_fg_color, format!("Failed: {}", failure_line(failure)));
            }
            TransferState::PartlyFailed(failures) => {
                let text = format!("{} failed", count(failures.len() as u64, "file", "files"));
                ui.colored_label(ui.visuals().error_fg_color, text);
            }
        }
    });
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
}

/// A toast on screen.
pub struct Toast {
    /// The notice.
    pub notice: Notice,
    shown_at: Instant,
}

/// Toasts in the corner; errors stay until dismissed, others fade after 6 s.
#[derive(Default)]
pub struct Toasts {
    /// Current toasts.
    pub toasts: Vec<Toast>,
}

impl Toasts {
    /// Shows notices.
    pub fn extend(&mut self, notices: Vec<Notice>) {
        let now = Instant::now();
        self.toasts.extend(notices.into_iter().map(|notice| Toast { notice, shown_at: now }));
    }

    /// Draws the toasts.
    pub fn ui(&mut self, ctx: &egui::Context) {
        self.toasts.retain(|t| matches!(t.notice, Notice::Error(..)) || t.shown_at.elapsed() < Duration::from_secs(6));
        if self.toasts.is_empty() {
            return;
        }
        if self.toasts.iter().any(|t| matches!(t.notice, Notice::Info(_))) {
            ctx.request_repaint_after(Duration::from_secs(1));
        }
        let mut dismissed = None;
        egui::Area::new(egui::Id::unique("toasts")).anchor(egui::Align2::RIGHT_BOTTOM, [-12.0, -40.0]).show(
            ctx,
            |ui| {
                for (index, toast) in self.toasts.iter().enumerate() {
                    egui::Frame::popup(ui.style()).show(ui, |ui| {
                        ui.set_max_width(420.0);
                        match &toast.notice {
                            Notice::Info(text) => {
                                ui.label(text);
                            }
                            Notice::Error(title, detail) => {
                                ui.colored_label(ui.visuals().error_fg_color, title);
                                ui.label(detail);
                                if ui.button("Dismiss").clicked() {
                                    dismissed = Some(index);
                                }
                            }
                        }
                    });
                }
            },
        );
        if let Some(index) = dismissed {
            self.toasts.remove(index);
        }
    }
}
