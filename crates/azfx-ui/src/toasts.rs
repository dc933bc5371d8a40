//! Toasts in the window's corner: what finished, and errors (which stay until dismissed).

use std::time::{Duration, Instant};

use super::browser::Notice;

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
