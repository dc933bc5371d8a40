//! `azfx-emulator`: the Azure Files emulator on its own, for other projects' CI. The same
//! flags as `azfx emulator`; prints the endpoints and serves until Ctrl-C or SIGTERM.

use clap::Parser;

/// An Azure Files emulator: managed identity (IMDS, App Service), Files REST, Resource Manager.
#[derive(Debug, Parser)]
#[command(name = "azfx-emulator", version)]
struct Cli {
    #[command(flatten)]
    serve: azfx_emulator::serve::ServeArgs,
}

fn main() {
    let cli = Cli::parse();
    std::process::exit(azfx_emulator::serve::run(&cli.serve));
}
