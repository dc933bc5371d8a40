//! The navigation pane beside the list, as in Explorer: the connected account, its shares,
//! and their folders, each folder's subfolders listed only when it is expanded (a share of
//! a million entries costs nothing until opened). Clicking a node opens it in the list.

use std::collections::{BTreeMap, HashMap};

use poll_promise::Promise;

use super::icons;
use azfx_core::files::names::join;
use azfx_core::worker::{Answer, TaskId, Worker};

/// One folder (or share root) of the tree: `children` is `None` until its subfolders
/// were listed; `failed` holds why the last listing failed. Either one means the node is
/// settled: it is listed again only on a user action (collapse and expand, Retry, a
/// click on it, or a change made there), never by being drawn again.
#[derive(Default)]
struct Node {
    children: Option<Vec<String>>,
    failed: Option<Failed>,
}

/// Why a node could not be listed: the diagnosis title (words that wrap) and the whole
/// line with the evidence (status and error code), shown on hover.
struct Failed {
    title: String,
    line: String,
}

impl Node {
    fn settled(&self) -> bool {
        self.children.is_some() || self.failed.is_some()
    }
}

/// A listing in flight for one node.
struct Loading {
    key: (String, String),
    promise: Promise<Answer<u64>>,
    found: Vec<String>,
}

/// What the user clicked: a share and a folder in it (`""` for its root).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NavTarget {
    /// The share.
    pub share: String,
    /// The folder.
    pub path: String,
}

/// The pane's tree, by (share, folder path).
#[derive(Default)]
pub(crate) struct NavPane {
    nodes: BTreeMap<(String, String), Node>,
    loading: HashMap<TaskId, Loading>,
}

impl NavPane {
    /// Takes a listing page if it belongs to one of the pane's listings.
    pub(crate) fn on_page(&mut self, task: TaskId, entries: &[azfx_core::files::DirEntry]) -> bool {
        match self.loading.get_mut(&task) {
            Some(loading) => {
                loading.found.extend(entries.iter().filter(|e| e.is_directory).map(|e| e.name.clone()));
                true
            }
            None => false,
        }
    }

    /// Finishes listings whose answers arrived.
    pub(crate) fn poll(&mut self) {
        let done: Vec<TaskId> =
            self.loading.iter().filter(|(_, l)| l.promise.ready().is_some()).map(|(t, _)| *t).collect();
        for task in done {
            let Some(loading) = self.loading.remove(&task) else { continue };
            let node = self.nodes.entry(loading.key).or_default();
            match loading.promise.block_and_take() {
                Ok(_) => {
                    let mut found = loading.found;
                    found.sort_by_key(|name| name.to_lowercase());
                    node.children = Some(found);
                    node.failed = None;
                }
                Err(failure) => {
                    let line = super::diagnosis::failure_line(&failure);
                    let title = if failure.diagnosis.class == azfx_core::diagnose::Class::Other {
                        line.clone()
                    } else {
                        failure.diagnosis.title.clone()
                    };
                    node.failed = Some(Failed { title, line });
                }
            }
        }
    }

    /// Forgets what was listed under `share/path` (after a change there), so the next
    /// expand lists it again.
    pub(crate) fn invalidate(&mut self, share: &str, path: &str) {
        self.nodes.remove(&(share.to_owned(), path.to_owned()));
    }

    /// Forgets why `share/path` could not be listed, so the next expand tries again (a
    /// user action: the node was collapsed, clicked, or Retry pressed).
    fn forget_failure(&mut self, share: &str, path: &str) {
        let key = (share.to_owned(), path.to_owned());
        if self.nodes.get(&key).is_some_and(|n| n.failed.is_some()) {
            self.nodes.remove(&key);
        }
    }

    /// Lists `share/path` unless it is settled (listed, or failed) or being listed.
    fn expand(&mut self, worker: &Worker, share: &str, path: &str) {
        let key = (share.to_owned(), path.to_owned());
        let settled = self.nodes.get(&key).is_some_and(Node::settled);
        if settled || self.loading.values().any(|l| l.key == key) {
            return;
        }
        let (task, promise) = worker.list_directory(share, path);
        self.loading.insert(task, Loading { key, promise, found: Vec::new() });
    }

    /// Draws the pane: `account`, its `shares`, and the open location highlighted.
    pub(crate) fn ui(
        &mut self,
        ui: &mut egui::Ui,
        worker: &Worker,
        account: &str,
        shares: &[String],
        current: Option<(&str, &str)>,
    ) -> Option<NavTarget> {
        let mut target = None;
        ui.strong(account);
        // The folders take what the discovery section below leaves.
        let height = (ui.available_height() * 0.6).max(120.0);
        egui::ScrollArea::both().auto_shrink([false, true]).max_height(height).id_salt("nav-pane").show(ui, |ui| {
            for share in shares {
                self.node_ui(ui, worker, share, "", current, &mut target);
            }
            if shares.is_empty() {
                ui.weak("No shares listed: open one by name");
            }
        });
        target
    }

    fn node_ui(
        &mut self,
        ui: &mut egui::Ui,
        worker: &Worker,
        share: &str,
        path: &str,
        current: Option<(&str, &str)>,
        target: &mut Option<NavTarget>,
    ) {
        let name = if path.is_empty() { share } else { path.rsplit('/').next().unwrap_or(path) };
        let id = ui.make_persistent_id(("nav", share, path));
        let mut state = egui::collapsing_header::CollapsingState::load_with_default_open(ui.ctx(), id, false);
        let open = state.is_open();
        if open {
            self.expand(worker, share, path);
        } else {
            // Collapsing a node that failed is how a person says "try again".
            self.forget_failure(share, path);
        }
        let here = current == Some((share, path));
        // Opening a node shows its subfolders too, as in Explorer.
        if ui.ctx().memory(|m| m.data.get_temp::<bool>(id.with("open-next")).unwrap_or(false)) {
            state.set_open(true);
            ui.ctx().memory_mut(|m| m.data.remove::<bool>(id.with("open-next")));
        }
        state
            .show_header(ui, |ui| {
                let icon = if path.is_empty() { icons::SHARE } else { icons::FOLDER };
                icons::paint(ui, icon, ui.visuals().weak_text_color());
                let label = ui.add(egui::Button::selectable(here, name).frame_when_inactive(false));
                if label.clicked() {
                    self.forget_failure(share, path);
                    *target = Some(NavTarget { share: share.to_owned(), path: path.to_owned() });
                    ui.ctx().memory_mut(|m| m.data.insert_temp(id.with("open-next"), true));
                }
            })
            .body(|ui| {
                let key = (share.to_owned(), path.to_owned());
                match self.nodes.get(&key) {
                    Some(Node { failed: Some(Failed { title, line }), .. }) => {
                        // The title wraps between words; the error code (one long word
                        // that would break mid-word) is in the tooltip.
                        let (title, line) = (title.clone(), line.clone());
                        ui.colored_label(ui.visuals().error_fg_color, title).on_hover_text(line);
                        if ui.small_button("List again").on_hover_text("List this folder again").clicked() {
                            self.forget_failure(share, path);
                        }
                    }
                    Some(Node { children: Some(children), .. }) => {
                        if children.is_empty() {
                            ui.weak("No folders");
                        }
                        for child in children.clone() {
                            self.node_ui(ui, worker, share, &join(path, &child), current, target);
                        }
                    }
                    _ => {
                        ui.spinner();
                    }
                }
            });
    }
}
