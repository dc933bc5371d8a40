//! azfx's engine: managed-identity tokens (`auth`), the Azure Files REST client
//! (`files`), Resource Manager (`arm`), transfers that pause, resume and never destroy a
//! file (`transfer`), one diagnosis per failure (`diagnose`, `probe`) and the background
//! `worker` the window and the CLI talk to with typed messages. No window, no emulator:
//! the window is `azfx-ui`, the stand-in for Azure is `azfx-emulator`.

pub mod arm;
pub mod auth;
pub mod azure_time;
pub mod clock;
pub mod config;
pub mod diagnose;
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
pub mod worker;
pub mod xml_text;
