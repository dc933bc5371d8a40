//! The SMB readiness window (Support → SMB readiness…): whether this machine, the account
//! and the identity are ready to mount the open share over SMB, each verdict as a
//! diagnosis, and the mount command with a Copy button when nothing blocks.

use super::requested::Requested;
use azfx_core::worker::{ConnectionConfig, SmbCheck, SmbReadiness, Worker};

/// State of the SMB readiness window.
#[derive(Default)]
pub struct SmbPanel {
    /// Whether the window is shown.
    pub open: bool,
    share: String,
    /// The verdicts, or why the check could not run.
    pub(crate) result: Requested<SmbReadiness>,
}

impl SmbPanel {
    /// Checks `share` with the identity of `config` (port 445, this machine's platform).
    pub fn start(&mut self, worker: &Worker, config: ConnectionConfig, share: &str) {
        share.clone_into(&mut self.share);
        let check = SmbCheck { share: share.to_owned(), client: None, port: 445 };
        self.result.reset();
        self.result.request(worker.smb_readiness(config, check));
        self.open = true;
    }

    /// Takes the answer when it arrived.
    pub fn poll(&mut self) {
        self.result.poll();
    }

    /// Draws the window.
    pub fn ui(&mut self, ctx: &egui::Context) {
        self.poll();
        let mut open = self.open;
        egui::Window::new(format!("SMB readiness: {}", self.share))
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
            .open(&mut open)
            .default_width(720.0)
            .vscroll(true)
            .show(ctx, |ui| match self.result.latest() {
                None => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Checking port 445, the account and the identity…");
                    });
                }
                Some(Err(failure)) => {
                    let reason = super::diagnosis::failure_line(failure);
                    ui.colored_label(ui.visuals().error_fg_color, format!("The check could not run: {reason}"));
                }
                Some(Ok(readiness)) => {
                    if readiness.ready {
                        ui.strong("Ready to mount over SMB with this identity");
                    } else {
                        ui.colored_label(ui.visuals().error_fg_color, "Not ready to mount over SMB");
                    }
                    for verdict in &readiness.verdicts {
                        super::diagnosis::diagnosis_ui(ui, verdict);
                    }
                    if !readiness.mount.is_empty() {
                        ui.strong("Mount command");
                        let commands = readiness.mount.join("\n");
                        egui::Frame::canvas(ui.style()).inner_margin(4.0).show(ui, |ui| {
                            ui.add(egui::Label::new(egui::RichText::new(&commands).monospace()).wrap());
                        });
                        if ui.button("Copy mount command").clicked() {
                            super::copied::copy(ui.ctx(), commands, "the mount command");
                        }
                    }
                }
            });
        self.open = open;
    }
}
