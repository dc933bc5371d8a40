//! The `azfx` binary: parse the flags, run the command, exit with its code. Everything
//! else lives in the library so tests exercise what users run.

fn main() {
    // Read the local UTC offset while the process has one thread (it cannot be read
    // safely once threads run).
    let offset = time::UtcOffset::current_local_offset().ok();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("AZFX_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = <azfx::cli::Cli as clap::Parser>::parse();
    std::process::exit(azfx::cli::run(&cli, offset));
}
