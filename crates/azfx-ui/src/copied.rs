//! Putting text on the clipboard with feedback: every Copy button and menu item says
//! "Copied …" in a toast, so the user knows it worked (the clipboard itself shows nothing).

/// Where copies made during a frame wait for the window to announce them.
fn key() -> egui::Id {
    egui::Id::unique("azfx-copied")
}

/// Copies `text` and remembers to say "Copied {what}".
pub(crate) fn copy(ctx: &egui::Context, text: String, what: &str) {
    ctx.copy_text(text);
    ctx.data_mut(|d| d.get_temp_mut_or_default::<Vec<String>>(key()).push(what.to_owned()));
}

/// What was copied since the last call.
pub(crate) fn take(ctx: &egui::Context) -> Vec<String> {
    ctx.data_mut(|d| d.remove_temp::<Vec<String>>(key())).unwrap_or_default()
}
