//! The `azfx` binary: parse the flags, start logging and crash reports, run the command,
//! exit with its code. Everything else lives in the library so tests exercise what users
//! run.
//!
//! On Windows the binary is a GUI program (no console window opens with the explorer);
//! started from a console, it attaches to it so `--help`, `doctor` and the other
//! subcommands print there.

#![cfg_attr(windows, windows_subsystem = "windows")]

use azfx::cli;

/// mimalloc instead of the system allocator: a folder transfer makes several allocations
/// per request and per file on a few threads at once (glibc's malloc took about a tenth
/// of azfx's CPU time moving 2 000 small files; the emulator, the same binary, likewise).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Prints to the console azfx was started from, if any (a GUI-subsystem program has none
/// of its own). Windows only; the one Win32 call azfx makes itself.
#[cfg(windows)]
#[expect(unsafe_code, reason = "AttachConsole is a plain Win32 call with no pointers")]
fn attach_parent_console() {
    use windows_sys::Win32::System::Console::{ATTACH_PARENT_PROCESS, AttachConsole};
    // Fails harmlessly when started from Explorer (no parent console).
    let _ = unsafe { AttachConsole(ATTACH_PARENT_PROCESS) };
}

fn main() {
    #[cfg(windows)]
    attach_parent_console();
    // Read the local UTC offset while the process has one thread (it cannot be read
    // safely once threads run).
    let offset = time::UtcOffset::current_local_offset().ok();
    let cli = <cli::Cli as clap::Parser>::parse();
    let dirs = azfx_core::config::Dirs::from_env();
    let logs = dirs.as_ref().map(|d| d.logs.clone());
    let guard = azfx_core::logging::init(logs.as_deref(), &cli.log_level);
    if let Some(logs) = &logs {
        azfx_core::logging::install_crash_reports(logs.clone());
    }
    tracing::info!(version = azfx_core::logging::VERSION, "azfx started");
    // Support aid: check that crash reports are written, and written without secrets.
    if let Ok(message) = std::env::var("AZFX_SIMULATE_CRASH") {
        panic!("simulated crash: {message}");
    }
    let code = cli::run(&cli, offset);
    drop(guard);
    std::process::exit(code);
}
