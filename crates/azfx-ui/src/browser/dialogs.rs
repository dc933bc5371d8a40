//! The browser's dialogs and inline edits, as state (drawn by `crate::dialogs`, the
//! address bar and the table): rename in place, New folder (and the folder being made),
//! the delete confirmation with what the folders hold, Properties, and the path typed
//! after Ctrl+L. At most one is open at a time in practice; each is `None` when closed.

use poll_promise::Promise;

use azfx_core::worker::{Answer, TreeSize};

/// Properties being shown.
pub struct PropertiesView {
    /// Entry name.
    pub name: String,
    /// Full path in the share.
    pub path: String,
    /// Pending or done.
    pub result: Promise<Answer<azfx_core::files::EntryProperties>>,
}

/// The entries of a delete being confirmed, and what their folders hold once counted.
pub(crate) type DeleteSize = (Vec<(String, bool)>, Promise<Answer<TreeSize>>);

/// What the browser's dialogs hold while open.
#[derive(Default)]
pub struct Dialogs {
    /// Inline rename: (original name, new name).
    pub rename: Option<(String, String)>,
    /// New-folder dialog text.
    pub new_folder: Option<String>,
    /// Why the typed folder name cannot be used (shown under the field).
    pub new_folder_problem: Option<String>,
    /// The folder being created (name, answer): the dialog waits for it.
    pub creating: Option<(String, Promise<Answer<()>>)>,
    /// Delete confirmation: (name, is folder).
    pub confirm_delete: Option<Vec<(String, bool)>>,
    /// What the folders of the delete being confirmed hold, asked when it opened.
    pub delete_size: Option<DeleteSize>,
    /// Properties window.
    pub properties: Option<PropertiesView>,
    /// Path being typed (Ctrl+L).
    pub path_edit: Option<String>,
}

impl Dialogs {
    /// Whether one of them takes the keyboard (the list's keys stay off meanwhile).
    pub fn open(&self) -> bool {
        self.new_folder.is_some()
            || self.confirm_delete.is_some()
            || self.properties.is_some()
            || self.path_edit.is_some()
            || self.rename.is_some()
    }
}
