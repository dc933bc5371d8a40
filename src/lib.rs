//! The `azfx` command line: every subcommand (`cli`) over the engine (`azfx-core`), the
//! window (`azfx-ui`) and, with the `demo` feature, the emulator (`azfx-emulator`) behind
//! `--demo` and `azfx emulator`. A library so tests run the same code; `main.rs` only
//! starts logging and calls `cli::run`.

pub mod cli;
