//! azfx: a desktop explorer for Azure file shares that signs in with a managed identity.
//!
//! The library holds every module; `main.rs` only parses flags and starts the chosen
//! subcommand, so tests build exactly what users run. Module boundaries follow
//! the design (`ARCHITECTURE.md`): the `emulator` is the offline stand-in for IMDS and the Azure Files REST
//! API used by tests, benchmarks and `azfx --demo`; it is never needed against Azure.

pub mod arm;
pub mod auth;
pub mod azure_time;
pub mod cli;
pub mod clock;
pub mod config;
pub mod diagnose;
pub mod emulator;
pub mod error;
pub mod files;
pub mod format;
pub mod fs_util;
pub mod http;
pub mod logging;
pub mod probe;
pub mod progress;
pub mod secret;
pub mod tls;
pub mod training;
pub mod transfer;
pub mod ui;
pub mod worker;
pub mod xml_text;
