//! `azfx discover [--json]`: subscriptions → storage accounts → shares through Azure
//! Resource Manager, with the same identity flags as every command. Where Resource Manager
//! refuses (no control-plane role at a subscription), the line says which role is missing;
//! typed account and share names keep working without it. A tree with such a gap is
//! printed whole, then the first refusal is reported as the command's failure (its
//! diagnosis on stderr, its exit code: 5 for a missing role), so a script can tell a
//! partial answer from a complete one.

use super::args::DiscoverArgs;
use super::{wait, worker};
use azfx_core::worker::{EngineError, Failure};

/// Prints the tree (or its JSON); fails with the first subscription or account that
/// could not be listed, after printing everything that could.
pub(super) fn discover(args: &DiscoverArgs, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let worker = worker()?;
    let mut config = args.credential.config("https://unused.file.core.windows.net")?;
    if let Some(path) = &args.arm_ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| EngineError::InvalidInput(format!("cannot read the CA file {}: {e}", path.display())))?;
        config.ca_pem = Some(pem);
    }
    let tree = wait(worker.discover(config, &args.arm_endpoint))?;
    let gap = tree
        .iter()
        .find_map(|node| node.error.clone().or_else(|| node.accounts.iter().find_map(|account| account.error.clone())));
    let complete = gap.map_or(Ok(()), |error| Err(EngineError::Arm(error).into()));
    if args.json {
        let json = serde_json::to_string_pretty(&tree).unwrap_or_default();
        let _ = writeln!(out, "{json}");
        return complete;
    }
    if tree.is_empty() {
        let _ = writeln!(
            out,
            "no subscription is visible to this identity: it holds no role in any (Reader on a subscription, resource group or storage account lets it find accounts); name the account and share instead"
        );
    }
    for node in &tree {
        let _ = writeln!(out, "{} ({})", node.subscription.name, node.subscription.id);
        if let Some(error) = &node.error {
            let why = if error.is_forbidden() {
                "storage accounts not listed: the identity has no control-plane role (e.g. Reader) on this subscription"
            } else {
                "storage accounts not listed"
            };
            let _ = writeln!(out, "  {why}: {error}");
        }
        for account in &node.accounts {
            let endpoint = account.account.file_endpoint.as_deref().unwrap_or("-");
            let _ = writeln!(out, "  {}  {endpoint}", account.account.name);
            if let Some(error) = &account.error {
                let _ = writeln!(out, "    shares not listed: {error}");
            }
            for share in &account.shares {
                let quota = share.quota_gib.map_or_else(|| "-".to_owned(), |q| format!("{q} GiB"));
                let used = share
                    .usage_bytes
                    .map(|b| format!("  used {}", azfx_core::format::human_size(b)))
                    .unwrap_or_default();
                let _ = writeln!(out, "    {}  quota {quota}{used}", share.name);
            }
        }
    }
    complete
}
