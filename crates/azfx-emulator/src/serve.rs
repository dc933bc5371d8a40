//! Serving from the command line (`azfx-emulator`, and `azfx emulator` with the same
//! flags): start the emulator, print one line with its endpoints (and the values Go
//! tools read managed identity from), and serve until Ctrl-C or SIGTERM.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::{Emulator, EmulatorConfig};

/// Exit code: served until asked to stop.
const EXIT_OK: i32 = 0;
/// Exit code: could not start (a port in use, no data directory) or wait for the signal.
const EXIT_FAILED: i32 = 1;

/// The emulator's command-line flags.
#[derive(Debug, Args)]
#[expect(clippy::struct_excessive_bools, reason = "command-line switches, each its own flag")]
pub struct ServeArgs {
    /// Address to listen on (loopback by default; 169.254.169.254 to stand in for IMDS
    /// inside a network namespace).
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
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
    /// Make the --fault-rate failures a mix: 503 with Retry-After (a Put Range answered
    /// before its body), connection resets mid-download, and revoked tokens (401).
    #[arg(long)]
    fault_mix: bool,
    /// Where file bytes and the CA certificate go (default: a temporary directory).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The secret the App Service identity endpoint expects (`IDENTITY_HEADER`; random by
    /// default). The values to export are printed at start.
    #[arg(long, value_name = "SECRET")]
    identity_header: Option<String>,
    /// Answer Put Range without the `Content-MD5` Azure computes (an MD5 the client sends
    /// is still checked): for benchmarks on small machines, where the emulator's own
    /// hashing would otherwise cap every client measured.
    #[arg(long)]
    no_range_md5: bool,
    /// A way the service fails, to rehearse it (repeatable): listing-403 (every listing
    /// refused, other reads allowed), listing-reset=N (the connection drops on page N
    /// of the next listing), download-cut=BYTES (the next download's body stops after
    /// BYTES), stall=SECS (the next Files request is accepted and not answered for SECS,
    /// then dropped), identity-stall=SECS (the same for the next token request),
    /// copy-pending (server-side copies never finish).
    #[arg(long, value_name = "FAULT", value_parser = crate::rehearse::parse)]
    fault: Vec<crate::rehearse::Rehearsal>,
    /// Wait this many milliseconds before answering each Files request: a far region's
    /// round trip, for benchmarks and for stopping a transfer half way in tests.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    latency_ms: u64,
}

/// Serves the emulator until Ctrl-C; returns the exit code.
pub fn run(args: &ServeArgs) -> i32 {
    let https_port = args.https_port.unwrap_or(if args.port == 0 { 0 } else { args.port.saturating_add(1) });
    let config = EmulatorConfig {
        bind: args.bind,
        http_port: args.port,
        https: args.https,
        https_port,
        demo: args.demo,
        data_dir: args.data_dir.clone(),
        token_lifetime: Duration::from_secs(args.token_lifetime_secs.max(1)),
        identity_header: args.identity_header.clone(),
        range_md5: !args.no_range_md5,
        ..EmulatorConfig::default()
    };
    let emulator = match Emulator::start(&config) {
        Ok(emulator) => emulator,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "azfx-emulator: {e}");
            return EXIT_FAILED;
        }
    };
    for fault in &args.fault {
        crate::rehearse::arm(emulator.control(), fault);
    }
    emulator.control().set_latency(Duration::from_millis(args.latency_ms));
    if args.fault_rate > 0.0 && args.fault_mix {
        emulator.control().set_fault_mix(args.fault_rate, Some(1));
    } else if args.fault_rate > 0.0 {
        emulator.control().set_fault_rate(args.fault_rate, 503, Some(1));
    }
    let https = emulator.https_url().unwrap_or_else(|| "off".to_owned());
    let ca = emulator.ca_path().map_or_else(|| "none".to_owned(), |p| p.display().to_string());
    let accounts = if args.demo {
        format!("{},{}", crate::demo::ACCOUNT, crate::demo::FINANCE_ACCOUNT)
    } else {
        "none (use --demo)".to_owned()
    };
    let _ = writeln!(
        std::io::stdout(),
        "azfx emulator: http={} https={https} imds={}/metadata/identity/oauth2/token ca={ca} accounts={accounts}",
        emulator.http_url(),
        emulator.identity_endpoint(),
    );
    // For tools that read managed identity only from these (Go SDK, rclone).
    let _ = writeln!(
        std::io::stdout(),
        "  IDENTITY_ENDPOINT={} IDENTITY_HEADER={}",
        emulator.app_service_endpoint(),
        emulator.control().app_service_secret()
    );
    // The identities a newcomer can try (`--identity client-id=…`).
    for identity in emulator.control().identities() {
        let kind = match identity.kind {
            crate::model::IdentityKind::SystemAssigned => "system-assigned (the default)".to_owned(),
            crate::model::IdentityKind::UserAssigned => {
                format!("--identity client-id={}", identity.client_id)
            }
        };
        let attached = if identity.attached { "" } else { " (not attached to this VM)" };
        let _ = writeln!(std::io::stdout(), "  identity {}: {kind}{attached}", identity.name);
    }
    let waited =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map(|runtime| runtime.block_on(stopped()));
    // Stopping removes the emulator's temporary folder (file bytes, CA).
    emulator.stop();
    match waited {
        Ok(Ok(())) => EXIT_OK,
        _ => EXIT_FAILED,
    }
}

/// Until Ctrl-C, or (on Unix) SIGTERM, so `kill` also leaves no temporary folder behind.
async fn stopped() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
