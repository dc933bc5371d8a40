//! The native file dialogs (Upload files…, Upload folder…, Save…), each run on its own
//! thread, and what the window does when none can open: on Linux `rfd` needs
//! xdg-desktop-portal or `zenity`, and without either it only logs to stderr. azfx says so
//! in the window and offers a path field instead, so every action stays reachable.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use poll_promise::Promise;

/// What a dialog is asked to pick.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PickKind {
    /// One or more files to upload.
    Files,
    /// One folder to upload.
    Folder,
    /// The folder downloads go to.
    DownloadFolder,
    /// Where to save a file, suggesting this name.
    Save(String),
}

/// What came back from a dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Picked {
    /// The user chose these paths.
    Paths(Vec<PathBuf>),
    /// The user closed the dialog without choosing.
    Cancelled,
    /// No dialog could open; the reason, in words for the user.
    Unavailable(String),
}

/// Opens a dialog and blocks until it closes (called on a thread of its own). Tests pass
/// their own through `StartOptions::file_dialogs`.
pub type FileDialogs = Arc<dyn Fn(PickKind) -> Picked + Send + Sync>;

/// The platform's dialogs through `rfd`.
#[must_use]
pub(crate) fn native() -> FileDialogs {
    Arc::new(|kind| native_pick(&kind))
}

fn native_pick(kind: &PickKind) -> Picked {
    let started = Instant::now();
    let dialog = rfd::FileDialog::new();
    let paths: Vec<PathBuf> = match kind {
        PickKind::Files => dialog.pick_files().unwrap_or_default(),
        PickKind::Folder | PickKind::DownloadFolder => dialog.pick_folder().into_iter().collect(),
        PickKind::Save(name) => dialog.set_file_name(name).save_file().into_iter().collect(),
    };
    if !paths.is_empty() {
        return Picked::Paths(paths);
    }
    // rfd answers "nothing chosen" both when the user cancels and when no dialog could
    // open. Nobody cancels a dialog within half a second, and without a portal rfd's
    // fallback is zenity: no zenity and an instant answer means no dialog was shown.
    if cfg!(all(unix, not(target_os = "macos")))
        && started.elapsed() < Duration::from_millis(500)
        && !azfx_core::config::program_on_path("zenity")
    {
        return Picked::Unavailable(
            "No file dialog could open: on Linux azfx uses the desktop's file chooser \
             (xdg-desktop-portal) or zenity, and neither answered. Install one \
             (e.g. `sudo apt install zenity`) or type the path below."
                .to_owned(),
        );
    }
    Picked::Cancelled
}

/// What the user picked, for the window to act on.
#[derive(Debug)]
pub(crate) enum Chosen {
    /// Upload these local files or folders to the open folder.
    Upload(Vec<PathBuf>),
    /// Write `contents` to `path`; replace what is there only when the OS dialog asked
    /// (`true`), never from the typed path field.
    Save(PathBuf, Vec<u8>, bool),
    /// Downloads go to this folder from now on.
    DownloadFolder(PathBuf),
}

/// The path field shown when no dialog could open.
struct Fallback {
    kind: PickKind,
    contents: Vec<u8>,
    reason: String,
    path: String,
    problem: Option<String>,
}

/// The open dialog, or the path field standing in for it.
pub(crate) struct Pickers {
    dialogs: FileDialogs,
    open: Option<(Promise<Picked>, PickKind, Vec<u8>)>,
    fallback: Option<Fallback>,
    /// Where a typed relative path is taken from (the download folder).
    pub base: Option<PathBuf>,
    /// The home folder `~/` stands for, looked up once.
    home: Option<PathBuf>,
}

impl Pickers {
    /// Pickers using `dialogs`.
    #[must_use]
    pub(crate) fn new(dialogs: FileDialogs) -> Self {
        Self { dialogs, open: None, fallback: None, base: None, home: azfx_core::config::home_dir() }
    }

    /// Whether a dialog or the path field is up.
    #[must_use]
    pub(crate) fn busy(&self) -> bool {
        self.open.is_some() || self.fallback.is_some()
    }

    /// Opens a dialog for `kind`; `contents` is what a Save writes. Ignored while another
    /// is open (one dialog at a time, as the OS shows them).
    pub(crate) fn ask(&mut self, kind: PickKind, contents: Vec<u8>) {
        if self.busy() {
            return;
        }
        let dialogs = Arc::clone(&self.dialogs);
        let asked = kind.clone();
        let promise = Promise::spawn_thread("azfx-file-dialog", move || dialogs(asked));
        self.open = Some((promise, kind, contents));
    }

    /// What the user chose since the last frame, if anything.
    pub(crate) fn poll(&mut self) -> Option<Chosen> {
        let (promise, kind, contents) = self.open.take()?;
        match promise.try_take() {
            Ok(Picked::Paths(paths)) => Some(chosen(&kind, paths, contents, true)),
            Ok(Picked::Cancelled) => None,
            Ok(Picked::Unavailable(reason)) => {
                self.fallback = Some(Fallback { kind, contents, reason, path: String::new(), problem: None });
                None
            }
            Err(pending) => {
                self.open = Some((pending, kind, contents));
                None
            }
        }
    }

    /// Draws the path field when no dialog could open: the reason, a field labelled
    /// "Local path", Enter or OK to go on, Esc or Cancel to drop it.
    pub(crate) fn ui(&mut self, ctx: &egui::Context) -> Option<Chosen> {
        let mut fallback = self.fallback.take()?;
        if fallback.path.is_empty()
            && let (PickKind::Save(name), Some(base)) = (&fallback.kind, &self.base)
        {
            fallback.path = base.join(name).display().to_string();
        }
        let (title, prompt, action) = match &fallback.kind {
            PickKind::Files => ("Upload files", "Path of the file to upload", "Upload"),
            PickKind::Folder => ("Upload folder", "Path of the folder to upload", "Upload"),
            PickKind::Save(_) => ("Save", "Save to this path", "Save"),
            PickKind::DownloadFolder => ("Download folder", "Path of the folder downloads go to", "Use"),
        };
        let mut result = None;
        let mut keep = true;
        let modal = egui::Modal::new(egui::Id::unique("file-dialog-fallback")).show(ctx, |ui| {
            ui.set_max_width(520.0);
            ui.heading(title);
            ui.colored_label(ui.visuals().warn_fg_color, "The file dialog could not open");
            ui.label(&fallback.reason);
            ui.add_space(6.0);
            ui.label(prompt);
            let label = ui.label("Local path");
            let edit =
                ui.add(egui::TextEdit::singleline(&mut fallback.path).desired_width(480.0)).labelled_by(label.id);
            super::dialogs::focus_first(ui, &edit);
            if let Some(problem) = &fallback.problem {
                ui.colored_label(ui.visuals().error_fg_color, problem);
            }
            let (enter, escape) = super::dialogs::keys(ui);
            ui.horizontal(|ui| {
                if ui.button(action).clicked() || enter {
                    match typed_path(&fallback.path, self.home.as_deref()) {
                        Ok(path) => {
                            let contents = std::mem::take(&mut fallback.contents);
                            result = Some(chosen(&fallback.kind, vec![path], contents, false));
                            keep = false;
                        }
                        Err(problem) => fallback.problem = Some(problem),
                    }
                }
                if ui.button("Cancel").clicked() || escape {
                    keep = false;
                }
            });
        });
        if keep && !modal.should_close() {
            self.fallback = Some(fallback);
        }
        result
    }
}

fn chosen(kind: &PickKind, mut paths: Vec<PathBuf>, contents: Vec<u8>, asked: bool) -> Chosen {
    match kind {
        PickKind::Save(_) if !paths.is_empty() => Chosen::Save(paths.remove(0), contents, asked),
        PickKind::DownloadFolder if !paths.is_empty() => Chosen::DownloadFolder(paths.remove(0)),
        _ => Chosen::Upload(paths),
    }
}

/// A typed local path: absolute (or `~/…`; `~\…` on Windows), since the window has no working folder a user
/// could know. Whether it exists is for the worker to find out (no disk access here).
pub(super) fn typed_path(text: &str, home: Option<&std::path::Path>) -> Result<PathBuf, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Type a path".to_owned());
    }
    // `~\` too on Windows, where `\` is the separator people type.
    let home_relative = text.strip_prefix("~/").or_else(|| if cfg!(windows) { text.strip_prefix("~\\") } else { None });
    let path = match home_relative {
        Some(rest) => match home {
            Some(home) => home.join(rest),
            None => return Err("This system names no home folder: type the full path".to_owned()),
        },
        None => PathBuf::from(text),
    };
    if path.is_absolute() {
        Ok(path)
    } else if cfg!(windows) {
        Err("Type a full path (C:\\…, \\\\server\\share\\…, or ~\\…)".to_owned())
    } else {
        Err("Type a full path (from the root, or from ~/)".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::typed_path;

    #[test]
    fn typed_paths_must_be_full() {
        assert!(typed_path("  ", None).is_err());
        assert!(typed_path("relative/file", None).unwrap_err().contains("full path"));
        // A full path of this system (the Windows build's tests run under Wine).
        let full = if cfg!(windows) { r"C:\Users\x" } else { "/tmp/x" };
        assert_eq!(typed_path(&format!(" {full} "), None).unwrap(), std::path::PathBuf::from(full));
        let home = std::path::Path::new(full);
        assert_eq!(typed_path("~/a", Some(home)).unwrap(), home.join("a"));
        assert_eq!(typed_path(r"~\a", Some(home)).is_ok(), cfg!(windows), "~\\ is a home path on Windows only");
        assert!(typed_path("/tmp/x", None).is_ok() != cfg!(windows), "no drive: not a full path on Windows");
    }
}
