//! The access check window: each step as it runs with ✓ / ✗, and the diagnosis of a
//! failing step (cause, evidence, next steps) in plain words.

use poll_promise::Promise;

use azfx_core::diagnose::check::{Report, Step, StepStatus};
use azfx_core::worker::{Answer, ConnectionConfig, TaskId, Worker};

/// State of the access check window.
#[derive(Default)]
pub struct AccessPanel {
    /// Whether the window is shown.
    pub open: bool,
    task: Option<TaskId>,
    /// Steps so far.
    pub steps: Vec<Step>,
    running: Option<Promise<Answer<Report>>>,
    /// Exit code of the finished check, or why it could not run.
    pub result: Option<Result<i32, String>>,
    /// The last finished check, for the diagnostic bundle.
    pub report: Option<Report>,
}

impl AccessPanel {
    /// Starts a check.
    pub fn start(&mut self, worker: &Worker, config: ConnectionConfig, share: &str, read_only: bool) {
        let (task, promise) = worker.access_check(config, share, read_only);
        self.task = Some(task);
        self.running = Some(promise);
        self.steps.clear();
        self.result = None;
        self.open = true;
    }

    /// A step ended.
    pub fn on_step(&mut self, task: TaskId, step: Step) {
        if self.task == Some(task) {
            self.steps.push(step);
        }
    }

    /// Checks the running check.
    pub fn poll(&mut self) {
        if let Some(promise) = self.running.take() {
            match promise.try_take() {
                Ok(Ok(report)) => {
                    if self.steps.len() < report.steps.len() {
                        self.steps.clone_from(&report.steps);
                    }
                    self.result = Some(Ok(report.exit_code));
                    self.report = Some(report);
                }
                Ok(Err(failure)) => self.result = Some(Err(super::diagnosis::failure_line(&failure))),
                Err(pending) => self.running = Some(pending),
            }
        }
    }

    /// Draws the window.
    pub fn ui(&mut self, ctx: &egui::Context) {
        let mut open = self.open;
        egui::Window::new("Access check")
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
            .open(&mut open)
            .default_width(720.0)
            .show(ctx, |ui| {
                for step in &self.steps {
                    let (mark, color) = match step.status {
                        StepStatus::Passed => ("✔", ui.visuals().text_color()),
                        StepStatus::Failed => ("✖", ui.visuals().error_fg_color),
                        StepStatus::Skipped => ("–", ui.visuals().weak_text_color()),
                    };
                    ui.horizontal_wrapped(|ui| {
                        ui.colored_label(color, format!("{mark} {}", step.name));
                        ui.weak(&step.detail);
                    });
                    if let Some(diagnosis) = &step.diagnosis {
                        super::diagnosis::diagnosis_ui(ui, diagnosis);
                    }
                }
                match &self.result {
                    None => {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.label("Checking…");
                        });
                    }
                    Some(Ok(0)) => {
                        ui.label("Access check passed");
                    }
                    Some(Ok(code)) => {
                        ui.colored_label(
                            ui.visuals().error_fg_color,
                            format!("Access check failed (exit code {code} in azfx doctor)"),
                        );
                    }
                    Some(Err(reason)) => {
                        ui.colored_label(ui.visuals().error_fg_color, format!("The check could not run: {reason}"));
                    }
                }
            });
        self.open = open;
    }
}
