//! Discovery on the connect page: with an identity that holds a control-plane role (such
//! as Reader), "Find accounts" walks Azure Resource Manager — subscriptions → storage
//! accounts → shares with their usage and quotas — and a click on a share fills the form and
//! connects with the same identity. Where Resource Manager refuses, the subscription says
//! which role is missing; typing names keeps working without any.

use azfx_core::arm::SubscriptionNode;
use azfx_core::worker::{ConnectionConfig, Worker};

use super::requested::Requested;

/// The discovery part of the connect page.
#[derive(Default)]
pub(crate) struct DiscoveryView {
    /// Resource Manager's endpoint (empty: the public one).
    pub endpoint: String,
    tree: Requested<Vec<SubscriptionNode>>,
    /// Why the form gives no identity to look with.
    problem: Option<String>,
    /// Shows only accounts and shares whose name contains it (case-insensitive).
    pub filter: String,
}

/// A share picked in the tree: the account's Files endpoint and the share's name.
pub(crate) struct Picked {
    /// `primaryEndpoints.file` of the account.
    pub endpoint: String,
    /// The share.
    pub share: String,
}

impl DiscoveryView {
    /// Draws the button and the tree; `config` is the form's identity (or why the form
    /// cannot give one), `endpoint` Resource Manager's (empty: the public one). Returns
    /// the share the user picked.
    pub(crate) fn ui(
        &mut self,
        ui: &mut egui::Ui,
        worker: &Worker,
        config: &Result<ConnectionConfig, String>,
        endpoint: &str,
    ) -> Option<Picked> {
        self.tree.poll();
        let mut picked = None;
        ui.horizontal(|ui| {
            let busy = self.tree.is_pending();
            if ui.add_enabled(!busy, egui::Button::new("Find accounts")).on_hover_text(
                "List the subscriptions, storage accounts and shares this identity can see through Azure Resource Manager (needs a role such as Reader)",
            ).clicked() {
                match config {
                    Ok(config) => {
                        let endpoint = if endpoint.trim().is_empty() { azfx_core::arm::ARM_ENDPOINT } else { endpoint.trim() };
                        self.problem = None;
                        self.tree.reset();
                        self.tree.request(worker.discover(config.clone(), endpoint));
                    }
                    Err(message) => {
                        self.tree.reset();
                        self.problem = Some(message.clone());
                    }
                }
            }
            if busy {
                ui.spinner();
                ui.label("Asking Resource Manager…");
            }
        });
        if let Some(problem) = &self.problem {
            ui.colored_label(ui.visuals().error_fg_color, problem);
        }
        match self.tree.latest() {
            Some(Err(failure)) => {
                ui.colored_label(ui.visuals().error_fg_color, super::diagnosis::failure_line(failure));
            }
            Some(Ok(tree)) if tree.is_empty() => {
                ui.weak("No subscription is visible to this identity: it holds no role in any (Reader on a subscription, resource group or storage account lets it find accounts). Type the account and share names.");
            }
            Some(Ok(tree)) => {
                ui.horizontal(|ui| {
                    let label = ui.label("Filter accounts and shares");
                    ui.add(egui::TextEdit::singleline(&mut self.filter).desired_width(f32::INFINITY))
                        .labelled_by(label.id);
                });
                let filter = self.filter.trim().to_lowercase();
                let matches = |name: &str| filter.is_empty() || name.to_lowercase().contains(&filter);
                for node in tree {
                    egui::CollapsingHeader::new(format!("{} ({})", node.subscription.name, node.subscription.id))
                        .default_open(true)
                        .show(ui, |ui| {
                            if let Some(error) = &node.error {
                                let why = if error.is_forbidden() {
                                    "No storage accounts listed: this identity has no control-plane role (e.g. Reader) on the subscription"
                                } else {
                                    "No storage accounts listed"
                                };
                                ui.colored_label(ui.visuals().warn_fg_color, why).on_hover_text(error.to_string());
                            }
                            for account in &node.accounts {
                                // An account matching shows all its shares; otherwise the
                                // shares matching.
                                let whole = matches(&account.account.name);
                                if !whole && !account.shares.iter().any(|s| matches(&s.name)) {
                                    continue;
                                }
                                ui.label(egui::RichText::new(&account.account.name).strong());
                                if let Some(error) = &account.error {
                                    ui.colored_label(ui.visuals().warn_fg_color, error.to_string());
                                }
                                for share in account.shares.iter().filter(|s| whole || matches(&s.name)) {
                                    let used = share.usage_bytes.map(|b| format!("{} of ", azfx_core::format::human_size(b))).unwrap_or_default();
                                    let quota = share.quota_gib.map_or_else(String::new, |q| format!("  ({used}{q} GiB)"));
                                    ui.horizontal(|ui| {
                                        ui.add_space(16.0);
                                        if ui.link(&share.name).on_hover_text(format!("Connect to {}{quota}", share.name)).clicked()
                                            && let Some(endpoint) = &account.account.file_endpoint
                                        {
                                            picked = Some(Picked { endpoint: endpoint.clone(), share: share.name.clone() });
                                        }
                                        ui.weak(quota.trim());
                                    });
                                }
                            }
                        });
                }
            }
            None => {}
        }
        picked
    }
}
