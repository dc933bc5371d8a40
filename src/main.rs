//! The `azfx` command: parses flags and starts a subcommand. Everything else is in the
//! library so tests exercise what users run.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use azfx::emulator::{Emulator, EmulatorConfig};

#[derive(Debug, Parser)]
#[command(name = "azfx", version, about = "Explorer for Azure file shares that signs in with a managed identity")]
struct Cli {
    /// Start with the built-in emulator and demo content (no Azure needed).
    #[arg(long)]
    demo: bool,
    /// Lifetime of emulated tokens in demo mode, to watch refreshes happen.
    #[arg(long, default_value_t = 3600)]
    token_lifetime_secs: u64,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the Azure emulator (IMDS + Files REST) until Ctrl-C.
    Emulator(EmulatorArgs),
}

#[derive(Debug, clap::Args)]
struct EmulatorArgs {
    /// HTTP port (IMDS, App Service identity and Files).
    #[arg(long, default_value_t = 10_000)]
    port: u16,
    /// Also serve HTTPS (needed by SDKs that refuse bearer tokens over HTTP).
    #[arg(long)]
    https: bool,
    /// HTTPS port (default: the HTTP port + 1).
    #[arg(long)]
    https_port: Option<u16>,
    /// Seed the demo account, identities and content.
    #[arg(long)]
    demo: bool,
    /// Lifetime of issued tokens.
    #[arg(long, default_value_t = 3600)]
    token_lifetime_secs: u64,
    /// Fail this fraction of Files requests with 503 `ServerBusy` and Retry-After: 1.
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Where file bytes and the CA certificate go (default: a temporary directory).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

fn run_emulator(args: &EmulatorArgs) -> anyhow::Result<()> {
    let https_port = args.https_port.unwrap_or(if args.port == 0 { 0 } else { args.port.saturating_add(1) });
    let config = EmulatorConfig {
        http_port: args.port,
        https: args.https,
        https_port,
        demo: args.demo,
        data_dir: args.data_dir.clone(),
        token_lifetime: Duration::from_secs(args.token_lifetime_secs.max(1)),
        ..EmulatorConfig::default()
    };
    let emulator = Emulator::start(&config).context("starting the emulator")?;
    if args.fault_rate > 0.0 {
        emulator.control().set_fault_rate(args.fault_rate, 503, Some(1));
    }
    let https = emulator.https_url().unwrap_or_else(|| "off".to_owned());
    let ca = emulator.ca_path().map_or_else(|| "none".to_owned(), |p| p.display().to_string());
    let accounts = if args.demo { azfx::emulator::demo::ACCOUNT } else { "none (use --demo)" };
    #[expect(clippy::print_stdout, reason = "the CLI's one line of output")]
    {
        println!(
            "azfx emulator: http={} https={https} imds={}/metadata/identity/oauth2/token ca={ca} accounts={accounts}",
            emulator.http_url(),
            emulator.identity_endpoint(),
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(tokio::signal::ctrl_c()).context("waiting for Ctrl-C")?;
    emulator.stop();
    Ok(())
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("AZFX_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match &cli.command {
        Some(Command::Emulator(args)) => run_emulator(args),
        None => {
            let args = EmulatorArgs {
                port: 0,
                https: true,
                https_port: None,
                demo: true,
                token_lifetime_secs: cli.token_lifetime_secs,
                fault_rate: 0.0,
                data_dir: None,
            };
            if !cli.demo {
                anyhow::bail!("the explorer window is not built yet; run `azfx --demo` or `azfx emulator --demo`");
            }
            eprintln!(
                "azfx --demo: the explorer window is not built yet; serving the demo emulator instead (Ctrl-C stops it)"
            );
            run_emulator(&args)
        }
    }
}
