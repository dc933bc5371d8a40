//! The `azfx` command line: flags for every subcommand and the small, scriptable commands
//! for jump boxes (`token`, `ls`, `get`, `put`), which drive the same worker the window
//! uses. Exit codes name the failing layer (see `worker::exit_code`).

mod emulator;

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::auth::{IdentitySelector, STORAGE_RESOURCE, Secret};
use crate::diagnose::Class;
use crate::files::Endpoint;
use crate::format::{human_size, unix_rfc1123};
use crate::transfer::Conflict;
use crate::worker::{
    Answer, ConnectionConfig, CredentialConfig, EngineError, Event, Failure, TokenInfo, Worker, exit_code,
};

/// Command-line flags.
#[derive(Debug, Parser)]
#[command(name = "azfx", version, about = "Explorer for Azure file shares that signs in with a managed identity")]
pub struct Cli {
    /// Start on the built-in emulator with demo content (no Azure needed).
    #[arg(long)]
    pub demo: bool,
    /// Lifetime of emulated tokens in demo mode, to watch refreshes happen.
    #[arg(long, default_value_t = 3600)]
    pub token_lifetime_secs: u64,
    /// Share to open once connected (the demo opens `projects`).
    #[arg(long)]
    pub share: Option<String>,
    /// Subcommand; none opens the explorer.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Azure emulator (IMDS + Files REST) until Ctrl-C.
    Emulator(emulator::EmulatorArgs),
    /// Show who a token is for and when it expires (never the token, unless --raw).
    Token(TokenArgs),
    /// List a share or directory: azfx ls <https://ACCOUNT.file.core.windows.net/SHARE>[/PATH]
    Ls(LsArgs),
    /// Download a file: azfx get URL LOCAL
    Get(GetArgs),
    /// Upload a file: azfx put LOCAL URL
    Put(PutArgs),
    /// Check access step by step: identity, token, network, read, write, clean up.
    Doctor(DoctorArgs),
}

/// `azfx doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Storage account: name, file endpoint URL or connection string.
    #[arg(long)]
    account: String,
    /// Share to check.
    #[arg(long)]
    share: String,
    #[command(flatten)]
    credential: CredentialArgs,
    /// Only check reading (no temporary directory or file is written).
    #[arg(long)]
    read_only: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// How to authenticate.
#[derive(Debug, Clone, Args)]
pub struct CredentialArgs {
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
}

/// `azfx token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(flatten)]
    credential: CredentialArgs,
    /// Resource (audience) to ask for.
    #[arg(long, default_value = STORAGE_RESOURCE)]
    resource: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Also print the token itself (it is a secret: do not paste it anywhere).
    #[arg(long)]
    raw: bool,
}

/// `azfx ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Share URL, optionally with a directory path.
    url: String,
    #[command(flatten)]
    credential: CredentialArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `azfx get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// File URL.
    url: String,
    /// Local destination file (or directory).
    local: PathBuf,
    /// When the local file exists: ask (on a terminal; elsewhere like false), true
    /// (replace), false (stop with exit code 9), if-newer (replace only with a newer
    /// share file), keep-both (write `name (1).ext`).
    #[arg(long, value_enum, default_value_t = OverwriteArg::Ask)]
    overwrite: OverwriteArg,
    #[command(flatten)]
    credential: CredentialArgs,
}

/// `--overwrite`: what to do when the destination exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OverwriteArg {
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
    fn conflict(self) -> Conflict {
        match self {
            Self::Ask | Self::False => Conflict::Fail,
            Self::True => Conflict::Replace,
            Self::IfNewer => Conflict::ReplaceIfNewer,
            Self::KeepBoth => Conflict::KeepBoth,
        }
    }
}

/// Runs `transfer` with the `--overwrite` rule; with `ask` on a terminal, a destination
/// that exists is named and the user answers whether to replace it.
fn with_overwrite<T>(overwrite: OverwriteArg, mut transfer: impl FnMut(Conflict) -> Answer<T>) -> Answer<T> {
    use std::io::IsTerminal as _;
    match transfer(overwrite.conflict()) {
        Err(failure)
            if overwrite == OverwriteArg::Ask
                && matches!(failure.error, EngineError::Transfer(crate::transfer::TransferError::Exists(_)))
                && std::io::stdin().is_terminal() =>
        {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "{} Replace it? [y/N] ", failure.error);
            let _ = err.flush();
            let mut answer = String::new();
            let _ = std::io::stdin().read_line(&mut answer);
            if answer.trim().eq_ignore_ascii_case("y") || answer.trim().eq_ignore_ascii_case("yes") {
                transfer(Conflict::Replace)
            } else {
                Err(failure)
            }
        }
        other => other,
    }
}

/// `azfx put`.
#[derive(Debug, Args)]
pub struct PutArgs {
    /// Local file.
    local: PathBuf,
    /// Destination URL (a directory URL ending in / keeps the file name).
    url: String,
    /// When the share file exists: ask (on a terminal; elsewhere like false), true
    /// (replace), false (stop with exit code 9), if-newer, keep-both.
    #[arg(long, value_enum, default_value_t = OverwriteArg::Ask)]
    overwrite: OverwriteArg,
    #[command(flatten)]
    credential: CredentialArgs,
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
    pub fn config(&self, endpoint: &str) -> Result<ConnectionConfig, EngineError> {
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

/// Waits for a promise on this (CLI) thread.
fn wait<T: Send + 'static>(promise: poll_promise::Promise<Answer<T>>) -> Answer<T> {
    match promise.try_take() {
        Ok(answer) => answer,
        Err(promise) => promise.block_and_take(),
    }
}

fn worker() -> Result<Worker, Failure> {
    Worker::spawn(|| {}).map_err(|e| EngineError::InvalidInput(format!("cannot start the worker: {e}")).into())
}

fn connect(worker: &Worker, credential: &CredentialArgs, endpoint: &Endpoint) -> Result<(), Failure> {
    let config = credential.config(endpoint.base.as_str())?;
    wait(worker.connect(config)).map(drop)
}

fn token(args: &TokenArgs, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let worker = worker()?;
    let config = args.credential.config("https://unused.file.core.windows.net")?;
    let token = wait(worker.acquire_token(config, &args.resource))?;
    let info = TokenInfo::from(&token);
    let claims = info.claims.clone().unwrap_or_default();
    let now = crate::auth::now_unix();
    if args.json {
        let mut value = serde_json::json!({
            "source": info.source.to_string(),
            "fingerprint": info.fingerprint,
            "expires_on": info.expires_on,
            "expires_in_secs": info.expires_on - now,
            "claims": claims,
        });
        if args.raw {
            value["access_token"] = serde_json::Value::String(token.secret.expose().to_owned());
        }
        let _ = writeln!(out, "{value:#}");
    } else {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
        let _ = writeln!(out, "source       {}", info.source);
        let _ = writeln!(out, "identity     {}", claims.identity_name().unwrap_or("-"));
        let _ = writeln!(out, "object id    {}", show(&claims.oid));
        let _ = writeln!(out, "client id    {}", claims.client_id().unwrap_or("-"));
        let _ = writeln!(out, "tenant       {}", show(&claims.tid));
        let _ = writeln!(out, "audience     {}", show(&claims.aud));
        let _ = writeln!(out, "resource id  {}", show(&claims.xms_mirid));
        let _ =
            writeln!(out, "expires      {} (in {} min)", unix_rfc1123(info.expires_on), (info.expires_on - now) / 60);
        let _ = writeln!(out, "fingerprint  {}", info.fingerprint);
        if args.raw {
            let _ = writeln!(out, "token        {}", token.secret.expose());
        }
    }
    Ok(())
}

fn ls(args: &LsArgs, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let (endpoint, share, path) = Endpoint::split_resource(&args.url).map_err(EngineError::from)?;
    let mut worker = worker()?;
    connect(&worker, &args.credential, &endpoint)?;
    let (task, promise) = worker.list_directory(&share, &path);
    let count = wait(promise)?;
    let mut entries = Vec::new();
    for event in worker.poll_events() {
        if let Event::ListingPage { task: t, entries: page, .. } = event
            && t == task
        {
            entries.extend(page);
        }
    }
    if args.json {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&entries).unwrap_or_default());
        return Ok(());
    }
    for entry in &entries {
        let modified = entry.last_modified.map(crate::azure_time::rfc1123).unwrap_or_default();
        let (kind, size, suffix) = if entry.is_directory {
            ("d", "-".to_owned(), "/")
        } else {
            ("f", human_size(entry.size.unwrap_or(0)), "")
        };
        let _ = writeln!(out, "{kind} {size:>11}  {modified:<29}  {}{suffix}", entry.name);
    }
    let _ = writeln!(out, "{count} entries");
    Ok(())
}

fn get(args: &GetArgs, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let (endpoint, share, path) = Endpoint::split_resource(&args.url).map_err(EngineError::from)?;
    let name = path
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| EngineError::InvalidInput("the URL names no file".to_owned()))?;
    let dest = if args.local.is_dir() { args.local.join(name) } else { args.local.clone() };
    let worker = worker()?;
    connect(&worker, &args.credential, &endpoint)?;
    let done =
        with_overwrite(args.overwrite, |conflict| wait(worker.download(&share, &path, dest.clone(), conflict).1))?;
    if done.skipped {
        let _ = writeln!(out, "kept {} (the share's file is not newer)", done.path.display());
    } else {
        let _ = writeln!(out, "downloaded {} to {}", human_size(done.bytes), done.path.display());
    }
    Ok(())
}

fn put(args: &PutArgs, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let (endpoint, share, mut path) = Endpoint::split_resource(&args.url).map_err(EngineError::from)?;
    if path.is_empty() || args.url.ends_with('/') {
        let name = args
            .local
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| EngineError::InvalidInput("the local path names no file".to_owned()))?;
        path = crate::files::names::join(&path, &name);
    }
    let worker = worker()?;
    connect(&worker, &args.credential, &endpoint)?;
    let done =
        with_overwrite(args.overwrite, |conflict| wait(worker.upload(args.local.clone(), &share, &path, conflict).1))?;
    if done.skipped {
        let _ = writeln!(out, "kept {share}/{} (the local file is not newer)", done.path);
    } else {
        let _ = writeln!(out, "uploaded {} to {share}/{}", human_size(done.bytes), done.path);
    }
    Ok(())
}

fn print_step(out: &mut dyn std::io::Write, step: &crate::diagnose::check::Step) {
    use crate::diagnose::check::StepStatus;
    let mark = match step.status {
        StepStatus::Passed => "✓",
        StepStatus::Failed => "✗",
        StepStatus::Skipped => "–",
    };
    let _ = writeln!(out, "{mark} {:<40} {}", step.name, step.detail);
    if let Some(diagnosis) = &step.diagnosis {
        let _ = writeln!(out, "    {}", diagnosis.title);
        let _ = writeln!(out, "    Cause: {}", diagnosis.cause);
        for line in &diagnosis.evidence {
            let _ = writeln!(out, "    Evidence: {line}");
        }
        for (n, next) in diagnosis.next_steps.iter().enumerate() {
            let _ = writeln!(out, "    Next {}: {next}", n + 1);
        }
    }
}

fn doctor(args: &DoctorArgs, out: &mut dyn std::io::Write) -> i32 {
    let mut run = || -> Result<crate::diagnose::check::Report, Failure> {
        let config = args.credential.config(&args.account)?;
        let mut worker = worker()?;
        let (task, promise) = worker.access_check(config, &args.share, args.read_only);
        let mut promise = Some(promise);
        loop {
            for event in worker.poll_events() {
                if let (Event::CheckStep { task: t, step }, false) = (event, args.json)
                    && t == task
                {
                    print_step(out, &step);
                }
            }
            match promise.take().map(poll_promise::Promise::try_take) {
                Some(Ok(answer)) => {
                    // Steps sent before the answer may still be queued.
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    for event in worker.poll_events() {
                        if let (Event::CheckStep { task: t, step }, false) = (event, args.json)
                            && t == task
                        {
                            print_step(out, &step);
                        }
                    }
                    return answer;
                }
                Some(Err(pending)) => promise = Some(pending),
                None => return Err(EngineError::Unavailable.into()),
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    match run() {
        Ok(report) => {
            if args.json {
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            } else if report.exit_code == exit_code::OK {
                let _ = writeln!(out, "access check passed");
            } else {
                let _ = writeln!(out, "access check failed (exit code {})", report.exit_code);
            }
            report.exit_code
        }
        Err(failure) => {
            print_failure("azfx doctor", &failure);
            failure.exit_code()
        }
    }
}

/// Prints a failure to stderr: its diagnosis (the same words the window shows) and the
/// error itself; input errors, which need no diagnosis, as one line.
fn print_failure(program: &str, failure: &Failure) {
    let mut err = std::io::stderr().lock();
    if failure.diagnosis.class == Class::Other {
        let _ = writeln!(err, "{program}: {}", failure.error);
        return;
    }
    let diagnosis = &failure.diagnosis;
    let _ = writeln!(err, "{program}: {}", diagnosis.title);
    let _ = writeln!(err, "  {}", failure.error);
    let _ = writeln!(err, "  Cause: {}", diagnosis.cause);
    for (n, next) in diagnosis.next_steps.iter().enumerate() {
        let _ = writeln!(err, "  Next {}: {next}", n + 1);
    }
}

/// Starts the demo emulator on its own thread (it seeds a 20 000-entry folder, so the
/// window opens first and shows a spinner) and keeps it running until `keep_alive` is
/// dropped. The promise carries the connection to it: the emulated VM's system-assigned
/// identity over HTTPS, trusting the emulator's CA.
fn start_demo(
    token_lifetime: std::time::Duration,
) -> (poll_promise::Promise<Result<ConnectionConfig, String>>, std::sync::mpsc::SyncSender<()>) {
    use crate::emulator::{Emulator, EmulatorConfig, demo};
    let (sender, promise) = poll_promise::Promise::new();
    let (keep_alive, wait_for_exit) = std::sync::mpsc::sync_channel::<()>(0);
    let started = std::thread::Builder::new().name("azfx-demo-emulator".to_owned()).spawn(move || {
        let config = EmulatorConfig { https: true, demo: true, token_lifetime, ..EmulatorConfig::default() };
        match Emulator::start(&config) {
            Ok(emulator) => {
                let mut connection = ConnectionConfig::new(
                    &emulator.file_endpoint(demo::ACCOUNT),
                    CredentialConfig::ManagedIdentity(IdentitySelector::SystemAssigned),
                );
                connection.imds_endpoint = Some(emulator.identity_endpoint());
                connection.ca_pem = emulator.ca_pem().map(|pem| pem.as_bytes().to_vec());
                sender.send(Ok(connection));
                // Serve until the window closes (the sender is dropped).
                let _ = wait_for_exit.recv();
            }
            Err(error) => sender.send(Err(error.to_string())),
        }
    });
    if let Err(error) = started {
        let (sender, failed) = poll_promise::Promise::new();
        sender.send(Err(format!("cannot start the emulator thread: {error}")));
        return (failed, keep_alive);
    }
    (promise, keep_alive)
}

/// Opens the explorer window (on the demo emulator with `--demo`).
fn run_window(cli: &Cli, local_offset: Option<time::UtcOffset>) -> i32 {
    let (pending_connection, keep_alive) = if cli.demo {
        let (promise, keep_alive) = start_demo(std::time::Duration::from_secs(cli.token_lifetime_secs.max(10)));
        (Some(promise), Some(keep_alive))
    } else {
        (None, None)
    };
    let share = cli.share.clone().or_else(|| cli.demo.then(|| crate::emulator::demo::WRITABLE_SHARE.to_owned()));
    let options = crate::ui::StartOptions {
        pending_connection,
        download_dir: crate::config::download_dir(),
        share,
        local_offset,
        ..crate::ui::StartOptions::default()
    };
    let result = crate::ui::run(options);
    drop(keep_alive);
    match result {
        Ok(()) => exit_code::OK,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "azfx: cannot open the window: {error}");
            exit_code::OTHER
        }
    }
}

/// Runs a parsed command line; returns the process exit code.
pub fn run(cli: &Cli, local_offset: Option<time::UtcOffset>) -> i32 {
    let mut stdout = std::io::stdout().lock();
    let result = match &cli.command {
        Some(Command::Emulator(args)) => return emulator::run(args),
        Some(Command::Token(args)) => token(args, &mut stdout),
        Some(Command::Ls(args)) => ls(args, &mut stdout),
        Some(Command::Get(args)) => get(args, &mut stdout),
        Some(Command::Put(args)) => put(args, &mut stdout),
        Some(Command::Doctor(args)) => return doctor(args, &mut stdout),
        None => return run_window(cli, local_offset),
    };
    match result {
        Ok(()) => exit_code::OK,
        Err(failure) => {
            print_failure("azfx", &failure);
            failure.exit_code()
        }
    }
}
