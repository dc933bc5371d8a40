//! The flags of every `azfx` subcommand (clap), and how credential flags become a
//! connection.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use azfx_core::auth::{IdentitySelector, STORAGE_RESOURCE, Secret};
use azfx_core::transfer::Conflict;
use azfx_core::worker::{ConnectionConfig, CredentialConfig, EngineError};

/// `--theme`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ThemeArg {
    /// As the operating system says.
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

fn parse_size(text: &str) -> Result<(f32, f32), String> {
    let (w, h) = text.split_once(['x', 'X']).ok_or_else(|| format!("{text}: expected WIDTHxHEIGHT, e.g. 1024x700"))?;
    let number = |v: &str| v.trim().parse::<u16>().map(f32::from).map_err(|_| format!("{text}: {v} is not a size"));
    let (w, h) = (number(w)?, number(h)?);
    if w < 640.0 || h < 400.0 {
        return Err(format!("{text}: the window needs at least 640x400"));
    }
    Ok((w, h))
}

#[derive(Debug, Parser)]
#[command(name = "azfx", version = azfx_core::logging::VERSION, about = "Explorer for Azure file shares that signs in with a managed identity")]
pub struct Cli {
    /// Start on the built-in emulator with demo content (no Azure needed).
    #[arg(long)]
    pub(crate) demo: bool,
    /// Lifetime of emulated tokens in demo mode, to watch refreshes happen.
    #[arg(long, default_value_t = 3600)]
    pub(crate) token_lifetime_secs: u64,
    /// Share to open once connected (the demo opens `projects`).
    #[arg(long)]
    pub(crate) share: Option<String>,
    /// The window's size in points, as `WIDTHxHEIGHT` (e.g. `1024x700` for a small RDP
    /// session); otherwise 1180x760.
    #[arg(long, value_parser = parse_size)]
    pub(crate) window_size: Option<(f32, f32)>,
    /// Light or dark for this run (the settings page's choice otherwise).
    #[arg(long, value_enum)]
    pub(crate) theme: Option<ThemeArg>,
    /// Detail of the log file in the OS log directory: error, warn, info, debug or trace.
    #[arg(long, global = true, default_value = "info")]
    pub log_level: String,
    /// Subcommand; none opens the explorer.
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the Azure emulator (IMDS + Files REST) until Ctrl-C.
    #[cfg(feature = "demo")]
    Emulator(azfx_emulator::serve::ServeArgs),
    /// Show who a token is for and when it expires (never the token, unless --raw).
    Token(TokenArgs),
    /// List a share or directory: azfx ls <https://ACCOUNT.file.core.windows.net/SHARE>[/PATH]
    Ls(LsArgs),
    /// Download a file: azfx get URL LOCAL
    Get(GetArgs),
    /// Upload a file: azfx put LOCAL URL
    Put(PutArgs),
    /// Copy files or folders (-r) between this machine and a share: azfx cp SRC DST
    Cp(CpArgs),
    /// Create a folder (-p: and its parents): azfx mkdir URL
    Mkdir(MkdirArgs),
    /// Delete a file, or a folder with everything in it (-r): azfx rm URL
    Rm(RmArgs),
    /// Rename or move within a share (never over an existing name): azfx mv URL NEWURL
    Mv(MvArgs),
    /// Check access step by step: identity, token, network, read, write, clean up.
    Doctor(DoctorArgs),
    /// What the identity can reach through Azure Resource Manager: subscriptions, storage
    /// accounts, shares (needs a control-plane role such as Reader).
    Discover(DiscoverArgs),
    /// Unfinished transfers (interrupted, paused or failed): list, resume or cancel them.
    Jobs(JobsArgs),
}

/// `azfx discover`.
#[derive(Debug, Args)]
pub(crate) struct DiscoverArgs {
    #[command(flatten)]
    pub credential: CredentialArgs,
    /// Resource Manager's endpoint (an emulator's base URL in tests).
    #[arg(long, default_value = azfx_core::arm::ARM_ENDPOINT)]
    pub arm_endpoint: String,
    /// Extra CA certificate (PEM) to trust for Resource Manager, e.g. the emulator's.
    #[arg(long)]
    pub arm_ca_file: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `azfx jobs`.
#[derive(Debug, Args)]
pub(crate) struct JobsArgs {
    #[command(subcommand)]
    pub action: JobsAction,
}

/// What to do with the transfer journal's jobs.
#[derive(Debug, Subcommand)]
pub(crate) enum JobsAction {
    /// List unfinished transfers: id, state, progress, direction and paths.
    List {
        /// Print them as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Resume a transfer where it stopped (running the same get/put/cp again does too).
    Resume {
        /// The job id `azfx jobs list` shows.
        id: i64,
        #[command(flatten)]
        credential: CredentialArgs,
    },
    /// Cancel a transfer: remove its partial file (on the share for uploads) and forget it.
    Cancel {
        /// The job id `azfx jobs list` shows.
        id: i64,
        #[command(flatten)]
        credential: CredentialArgs,
    },
}

/// `azfx doctor`.
#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    /// Storage account: name, file endpoint URL or connection string.
    #[arg(long)]
    pub account: String,
    /// Share to check.
    #[arg(long)]
    pub share: String,
    #[command(flatten)]
    pub credential: CredentialArgs,
    /// Only check reading (no temporary directory or file is written).
    #[arg(long)]
    pub read_only: bool,
    /// Check SMB readiness instead: TCP 445, the account's identity source and SMB OAuth,
    /// the identity's SMB role, the VM's identities; prints the mount command when ready
    /// (exit 0), else what blocks it (exit 7 for the port, 5 otherwise).
    #[arg(long)]
    pub smb: bool,
    /// The SMB port to test (445; another only for tests).
    #[arg(long, default_value_t = 445, requires = "smb")]
    pub smb_port: u16,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// How to authenticate.
#[derive(Debug, Clone, Args)]
pub(crate) struct CredentialArgs {
    /// Managed identity: system, client-id=ID, object-id=ID or resource-id=ID.
    #[arg(long, default_value = "system")]
    pub identity: String,
    /// Use the App Service / Container Apps identity endpoint (`IDENTITY_ENDPOINT`).
    #[arg(long, conflicts_with_all = ["azure_cli", "token_env", "sas_env", "account_key_env"])]
    pub app_service: bool,
    /// Use the Azure CLI's login (az account get-access-token).
    #[arg(long, conflicts_with_all = ["token_env", "sas_env", "account_key_env"])]
    pub azure_cli: bool,
    /// Use the access token in this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with_all = ["sas_env", "account_key_env"])]
    pub token_env: Option<String>,
    /// Use the SAS query string in this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "account_key_env")]
    pub sas_env: Option<String>,
    /// Use the account key in this environment variable (Shared Key).
    #[arg(long, value_name = "VAR")]
    pub account_key_env: Option<String>,
    /// IMDS base URL (default: `AZURE_POD_IDENTITY_AUTHORITY_HOST`, `IMDS_ENDPOINT` or 169.254.169.254).
    #[arg(long, value_name = "URL")]
    pub imds_endpoint: Option<String>,
    /// Extra CA certificate (PEM) to trust, e.g. the emulator's.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Fallback for paths that cannot use OAuth: work through a short-lived share SAS with
    /// these permissions (letters of rcwdl, e.g. rl), made by the identity through Resource
    /// Manager's `ListServiceSas` (needs Storage Account Contributor or similar). The SAS is
    /// held in memory only.
    #[arg(long, value_name = "PERMISSIONS", conflicts_with_all = ["sas_env", "account_key_env", "token_env"])]
    pub sas_from_arm: Option<String>,
    /// How long the `--sas-from-arm` SAS lives, minutes (at most 480).
    #[arg(long, default_value_t = 60, value_name = "MINUTES", requires = "sas_from_arm")]
    pub sas_minutes: u32,
}

/// `azfx token`.
#[derive(Debug, Args)]
pub(crate) struct TokenArgs {
    #[command(flatten)]
    pub credential: CredentialArgs,
    /// Resource (audience) to ask for.
    #[arg(long, default_value = STORAGE_RESOURCE)]
    pub resource: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Print the token itself, alone on stdout (with --json: as `access_token`); who it
    /// is for goes to stderr. It is a secret: do not paste it anywhere.
    #[arg(long)]
    pub raw: bool,
}

/// `azfx ls`.
#[derive(Debug, Args)]
pub(crate) struct LsArgs {
    /// Share URL, optionally with a directory path.
    pub url: String,
    #[command(flatten)]
    pub credential: CredentialArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `azfx get`.
#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    /// File URL.
    pub url: String,
    /// Local destination file (or directory).
    pub local: PathBuf,
    /// When the local file exists: ask (on a terminal; elsewhere like false), true
    /// (replace), false (stop with exit code 9), if-newer (replace only with a newer
    /// share file), keep-both (write `name (1).ext`).
    #[arg(long, value_enum, default_value_t = OverwriteArg::Ask)]
    pub overwrite: OverwriteArg,
    #[command(flatten)]
    pub credential: CredentialArgs,
}

/// `--overwrite`: what to do when the destination exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OverwriteArg {
    /// Ask on a terminal; elsewhere, like `false`.
    Ask,
    /// Replace it (atomically: the old content stays until the new one is complete).
    True,
    /// Leave it and fail with exit code 9.
    False,
    /// Replace it only when the source is newer.
    IfNewer,
    /// Keep it and write beside it as `name (1).ext`.
    KeepBoth,
}

impl OverwriteArg {
    /// The transfer rule; `Ask` starts as `Fail` and asks when that happens.
    pub(crate) fn conflict(self) -> Conflict {
        match self {
            Self::Ask | Self::False => Conflict::Fail,
            Self::True => Conflict::Replace,
            Self::IfNewer => Conflict::ReplaceIfNewer,
            Self::KeepBoth => Conflict::KeepBoth,
        }
    }
}

/// `azfx put`.
#[derive(Debug, Args)]
pub(crate) struct PutArgs {
    /// Local file.
    pub local: PathBuf,
    /// Destination URL (a directory URL ending in / keeps the file name).
    pub url: String,
    /// When the share file exists: ask (on a terminal; elsewhere like false), true
    /// (replace), false (stop with exit code 9), if-newer, keep-both.
    #[arg(long, value_enum, default_value_t = OverwriteArg::Ask)]
    pub overwrite: OverwriteArg,
    #[command(flatten)]
    pub credential: CredentialArgs,
}

/// `azfx cp`.
#[derive(Debug, Args)]
pub(crate) struct CpArgs {
    /// Source: a local path or a share URL.
    pub src: String,
    /// Destination: a share URL or a local path (an existing folder, or a URL ending in
    /// `/`, receives the source under its own name).
    pub dst: String,
    /// Copy folders with everything in them.
    #[arg(short, long)]
    pub recursive: bool,
    /// When a destination file exists: ask, true, false, if-newer, keep-both.
    #[arg(long, value_enum, default_value_t = OverwriteArg::Ask)]
    pub overwrite: OverwriteArg,
    #[command(flatten)]
    pub credential: CredentialArgs,
}

/// `azfx mkdir`.
#[derive(Debug, Args)]
pub(crate) struct MkdirArgs {
    /// Folder URL.
    pub url: String,
    /// Also create missing parent folders; an existing folder is no error.
    #[arg(short, long)]
    pub parents: bool,
    #[command(flatten)]
    pub credential: CredentialArgs,
}

/// `azfx rm`.
#[derive(Debug, Args)]
pub(crate) struct RmArgs {
    /// File or folder URL.
    pub url: String,
    /// Delete a folder with everything in it.
    #[arg(short, long)]
    pub recursive: bool,
    #[command(flatten)]
    pub credential: CredentialArgs,
}

/// `azfx mv`.
#[derive(Debug, Args)]
pub(crate) struct MvArgs {
    /// What to move (URL of a file or folder).
    pub from: String,
    /// Its new URL in the same share.
    pub to: String,
    #[command(flatten)]
    pub credential: CredentialArgs,
}

fn secret_from_env(var: &str) -> Result<Secret, EngineError> {
    std::env::var(var)
        .map(Secret::new)
        .map_err(|_| EngineError::InvalidInput(format!("environment variable {var} is not set")))
}

impl CredentialArgs {
    fn selector(&self) -> Result<IdentitySelector, EngineError> {
        let value = self.identity.trim();
        Ok(match value.split_once('=') {
            None if value == "system" => IdentitySelector::SystemAssigned,
            Some(("client-id", id)) => IdentitySelector::ClientId(id.to_owned()),
            Some(("object-id", id)) => IdentitySelector::ObjectId(id.to_owned()),
            Some(("resource-id", id)) => IdentitySelector::ResourceId(id.to_owned()),
            _ => {
                return Err(EngineError::InvalidInput(format!(
                    "--identity {value:?}: use system, client-id=ID, object-id=ID or resource-id=ID"
                )));
            }
        })
    }

    /// The connection settings these flags describe.
    pub(crate) fn config(&self, endpoint: &str) -> Result<ConnectionConfig, EngineError> {
        let credential = if self.app_service {
            CredentialConfig::AppService(self.selector()?)
        } else if self.azure_cli {
            CredentialConfig::AzureCli
        } else if let Some(var) = &self.token_env {
            CredentialConfig::PastedToken(secret_from_env(var)?)
        } else if let Some(var) = &self.sas_env {
            CredentialConfig::Sas(secret_from_env(var)?)
        } else if let Some(var) = &self.account_key_env {
            CredentialConfig::AccountKey(secret_from_env(var)?)
        } else {
            CredentialConfig::ManagedIdentity(self.selector()?)
        };
        let mut config = ConnectionConfig::new(endpoint, credential);
        config.imds_endpoint.clone_from(&self.imds_endpoint);
        if let Some(path) = &self.ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| EngineError::InvalidInput(format!("cannot read the CA file {}: {e}", path.display())))?;
            config.ca_pem = Some(pem);
        }
        Ok(config)
    }
}
