//! What the user asked for that the app (not the browser) carries out, and the one way a
//! keyboard shortcut is read.

use egui::{Key, Modifiers};

/// What the user asked for that the app (not the browser) carries out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Request {
    /// Open the file picker to upload files.
    UploadFiles,
    /// Open the folder picker to upload a folder.
    UploadFolder,
    /// Download these entries (name, is folder) of the current folder.
    Download(Vec<(String, bool)>),
    /// Switch to another share.
    OpenShare(String),
    /// Run the access check on the open share.
    CheckAccess,
    /// Show or hide the local-files pane.
    LocalFiles,
    /// Leave this connection for the connect page (another account or credential).
    Disconnect,
    /// Open a location typed or pasted in the path field (another share, or another
    /// account with the same identity).
    OpenLocation(azfx_core::files::Location),
}

/// Whether `modifiers`+`key` was pressed this frame (and consumes it).
pub(super) fn shortcut(ui: &egui::Ui, modifiers: Modifiers, key: Key) -> bool {
    ui.input_mut(|i| i.consume_key(modifiers, key))
}
