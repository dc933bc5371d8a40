//! The one way a diagnosis is drawn (the error panel, the access check, the request log)
//! and written on one line (toasts, transfer rows): its title, cause, numbered next
//! steps, evidence, and Copy diagnosis. The words come from `diagnose`, attached by the
//! worker, so every surface says the same thing.

use azfx_core::diagnose::Diagnosis;
use azfx_core::worker::Failure;

/// A failure on one line: the diagnosis title and, when a service answered, the status,
/// error code and request id (`… (HTTP 403 AuthorizationPermissionMismatch · request id …)`).
pub fn failure_line(failure: &Failure) -> String {
    if failure.diagnosis.class == azfx_core::diagnose::Class::Other {
        // No diagnosis of its own (a local file error, bad input): the error says it best.
        return failure.error.to_string();
    }
    match failure.evidence() {
        Some(evidence) => format!("{} ({evidence})", failure.diagnosis.title),
        None => failure.diagnosis.title.clone(),
    }
}

/// The diagnosis as plain text, for the clipboard.
pub fn diagnosis_text(diagnosis: &Diagnosis) -> String {
    format!(
        "{}\n{}\n\n{}\n\nEvidence:\n{}",
        diagnosis.title,
        diagnosis.cause,
        diagnosis.next_steps.iter().enumerate().map(|(n, s)| format!("{}. {s}", n + 1)).collect::<Vec<_>>().join("\n"),
        diagnosis.evidence.join("\n")
    )
}

/// Draws a diagnosis in a group frame: title, cause, numbered next steps, the evidence
/// (collapsed) and a Copy diagnosis button.
pub fn diagnosis_ui(ui: &mut egui::Ui, diagnosis: &Diagnosis) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        // A failure made good by a retry is news, not an error: not in red.
        let color = if diagnosis.class == azfx_core::diagnose::Class::Recovered {
            ui.visuals().strong_text_color()
        } else {
            ui.visuals().error_fg_color
        };
        ui.colored_label(color, egui::RichText::new(&diagnosis.title).strong());
        ui.label(&diagnosis.cause);
        for (n, step) in diagnosis.next_steps.iter().enumerate() {
            // A command (`az …`) is shown whole in monospace with its own Copy button, so
            // it never wraps mid-token into the text around it.
            let (text, command) = match step.find("az ") {
                Some(at) if at == 0 || step[..at].ends_with(": ") => (step[..at].trim_end(), Some(&step[at..])),
                _ => (step.as_str(), None),
            };
            ui.horizontal_top(|ui| {
                ui.label(format!("{}.", n + 1));
                ui.vertical(|ui| {
                    if !text.is_empty() {
                        ui.add(egui::Label::new(text).wrap());
                    }
                    if let Some(command) = command {
                        egui::Frame::canvas(ui.style()).inner_margin(4.0).show(ui, |ui| {
                            ui.add(egui::Label::new(egui::RichText::new(command).monospace()).wrap());
                        });
                        if ui.small_button("Copy command").clicked() {
                            super::copied::copy(ui.ctx(), command.to_owned(), "the command");
                        }
                    }
                });
            });
        }
        // Several diagnoses may share a window (SMB readiness): each Evidence its own id.
        egui::CollapsingHeader::new("Evidence").id_salt(("evidence", &diagnosis.title)).show(ui, |ui| {
            for line in &diagnosis.evidence {
                ui.monospace(line);
            }
        });
        if ui.button("Copy diagnosis").clicked() {
            super::copied::copy(ui.ctx(), diagnosis_text(diagnosis), "the explanation");
        }
    });
}
