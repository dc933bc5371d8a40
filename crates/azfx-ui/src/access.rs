//! The access check window: each step as it runs with ✓ / ✗, and the diagnosis of a
//! failing step (cause, evidence, next steps) in plain words.

use azfx_core::diagnose::check::{Report, Step, StepStatus};
use azfx_core::worker::{ConnectionConfig, TaskId, Worker};

use super::requested::Requested;

/// State of the access check window.
#[derive(Default)]
pub struct AccessPanel {
    /// Whether the window is shown.
    pub open: bool,
    task: Option<TaskId>,
    /// Steps so far.
    pub steps: Vec<Step>,
    /// The check: running, or its report, or why it could not run.
    check: Requested<Report>,
    /// The last check that ran to its report (a later one that could not run keeps it).
    last_report: Option<Report>,
}

impl AccessPanel {
    /// Starts a check.
    pub fn start(&mut self, worker: &Worker, config: ConnectionConfig, share: &str, read_only: bool) {
        let (task, promise) = worker.access_check(config, share, read_only);
        self.task = Some(task);
        self.check.request(promise);
        self.steps.clear();
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
        if self.check.poll()
            && let Some(report) = self.check.value()
        {
            if self.steps.len() < report.steps.len() {
                self.steps.clone_from(&report.steps);
            }
            self.last_report = Some(report.clone());
        }
    }

    /// The last finished check's report, for the diagnostic bundle.
    pub fn report(&self) -> Option<&Report> {
        self.last_report.as_ref()
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
                match self.check.latest() {
                    _ if self.check.is_pending() => {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.label("Checking…");
                        });
                    }
                    None => {}
                    Some(Ok(report)) if report.exit_code == 0 => {
                        ui.label("Access check passed");
                    }
                    Some(Ok(report)) => {
                        ui.colored_label(
                            ui.visuals().error_fg_color,
                            format!("Access check failed (exit code {} in azfx doctor)", report.exit_code),
                        );
                    }
                    Some(Err(failure)) => {
                        let reason = super::diagnosis::failure_line(failure);
                        ui.colored_label(ui.visuals().error_fg_color, format!("The check could not run: {reason}"));
                    }
                }
            });
        self.open = open;
    }
}
