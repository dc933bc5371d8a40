//! The transfers panel and the toasts: each upload or download with a progress bar,
//! bytes, speed, ETA, state and Cancel; finished and failed items stay with their reason;
//! a toast when one ends.

use std::time::{Duration, Instant};

use poll_promise::Promise;

use super::browser::{Notice, error_line};
use crate::format::human_size;
use crate::transfer_tree::TreeOutcome;
use crate::worker::{Answer, EngineError, TaskId, Worker};

/// Where a transfer stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferState {
    /// Moving bytes.
    Running,
    /// Done.
    Done,
    /// Failed, with the reason.
    Failed(String),
    /// Cancelled by the user.
    Cancelled,
}

enum Pending {
    File(Promise<Answer<u64>>),
    Tree(Promise<Answer<TreeOutcome>>),
}

/// One transfer in the panel.
pub struct TransferItem {
    /// Worker task.
    pub task: TaskId,
    /// `Upload report.pdf` / `Download logs`.
    pub label: String,
    /// Bytes done.
    pub done: u64,
    /// Bytes in all (0 until known).
    pub total: u64,
    /// State.
    pub state: TransferState,
    started: Instant,
    finished: Option<Duration>,
    pending: Option<Pending>,
}

impl TransferItem {
    /// Bytes per second so far.
    #[expect(clippy::cast_precision_loss, reason = "a rate needs no 2^52 precision")]
    fn rate(&self) -> f64 {
        let elapsed = self.finished.unwrap_or_else(|| self.started.elapsed()).as_secs_f64().max(0.001);
        self.done as f64 / elapsed
    }

    /// Done as a fraction of the total.
    #[expect(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        reason = "a progress bar needs no 2^24 precision"
    )]
    fn fraction(&self) -> f32 {
        if self.total == 0 { 0.0 } else { (self.done as f64 / self.total as f64) as f32 }
    }

    /// Seconds left at the current rate.
    #[expect(clippy::cast_possible_truncation, clippy::cast_precision_loss, reason = "whole seconds for display")]
    fn eta_secs(&self) -> Option<i64> {
        let rate = self.rate();
        (rate > 0.0 && self.total > self.done).then(|| ((self.total - self.done) as f64 / rate).min(1e9) as i64)
    }

    /// Rate rounded to whole bytes per second.
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "a non-negative rate for display")]
    fn rate_bytes(&self) -> u64 {
        self.rate().clamp(0.0, 1e15) as u64
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
            done: 0,
            total: 0,
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
    pub fn track_tree(&mut self, task: TaskId, label: String, promise: Promise<Answer<TreeOutcome>>) {
        self.push(task, label, Pending::Tree(promise));
    }

    /// Progress from the worker.
    pub fn on_progress(&mut self, task: TaskId, done: u64, total: u64) {
        if let Some(item) = self.items.iter_mut().find(|i| i.task == task) {
            item.done = done;
            item.total = total;
        }
    }

    /// Whether anything is still moving.
    pub fn running(&self) -> usize {
        self.items.iter().filter(|i| i.state == TransferState::Running).count()
    }

    /// Checks finished transfers; returns toasts and whether a listing may have changed.
    pub fn poll(&mut self) -> (Vec<Notice>, bool) {
        let mut notices = Vec::new();
        let mut changed = false;
        for item in &mut self.items {
            let Some(pending) = item.pending.take() else { continue };
            let outcome: Option<Result<(u64, Vec<String>), EngineError>> = match pending {
                Pending::File(p) => match p.try_take() {
                    Ok(answer) => Some(answer.map(|bytes| (bytes, Vec::new()))),
                    Err(p) => {
                        item.pending = Some(Pending::File(p));
                        None
                    }
                },
                Pending::Tree(p) => match p.try_take() {
                    Ok(answer) => Some(answer.map(|o| {
                        (o.bytes, o.failures.into_iter().map(|f| format!("{}: {}", f.path, f.reason)).collect())
                    })),
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
                Ok((bytes, failures)) if failures.is_empty() => {
                    item.done = bytes;
                    item.total = item.total.max(bytes);
                    item.state = TransferState::Done;
                    notices.push(Notice::Info(format!("{} finished ({})", item.label, human_size(bytes))));
                }
                Ok((_, failures)) => {
                    let reason = format!("{} file(s) failed: {}", failures.len(), failures.join("; "));
                    item.state = TransferState::Failed(reason.clone());
                    notices.push(Notice::Error(format!("{} partly failed", item.label), reason));
                }
                Err(EngineError::Cancelled) => item.state = TransferState::Cancelled,
                Err(error) => {
                    let reason = error_line(&error);
                    item.state = TransferState::Failed(reason.clone());
                    notices.push(Notice::Error(format!("{} failed", item.label), reason));
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
                self.items.retain(|i| i.state == TransferState::Running);
            }
        });
        if self.items.is_empty() {
            ui.weak("Drop files or folders on the window to upload them");
            return;
        }
        egui::ScrollArea::vertical().max_height(160.0).id_salt("transfers-scroll").show(ui, |ui| {
            for item in self.items.iter().rev() {
                ui.horizontal(|ui| {
                    ui.label(&item.label);
                    let fraction = item.fraction();
                    // The bar stops short of full until the transfer really finished.
                    let shown = if item.state == TransferState::Done { 1.0 } else { fraction.min(0.9999) };
                    ui.add(egui::ProgressBar::new(shown).desired_width(160.0).show_percentage());
                    ui.label(format!("{} / {}", human_size(item.done), human_size(item.total)));
                    match &item.state {
                        TransferState::Running => {
                            ui.label(format!("{}/s", human_size(item.rate_bytes())));
                            if let Some(eta) = item.eta_secs() {
                                ui.label(format!("ETA {}", crate::format::countdown(eta)));
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
                        TransferState::Failed(reason) => {
                            ui.colored_label(ui.visuals().error_fg_color, format!("Failed: {reason}"));
                        }
                    }
                });
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
