//! `azfx --demo`: the window on the built-in emulator (`azfx-emulator`, the `demo` feature,
//! on by default) with demo content, and the training drills the window names carried
//! out on it. Built without the feature, `--demo` explains how to get it.

#[cfg(feature = "demo")]
use azfx_core::auth::IdentitySelector;
#[cfg(feature = "demo")]
use azfx_core::training::Drill;
use azfx_core::worker::ConnectionConfig;
#[cfg(feature = "demo")]
use azfx_core::worker::CredentialConfig;

/// The share the demo opens.
#[cfg(feature = "demo")]
pub(super) const WRITABLE_SHARE: &str = azfx_emulator::demo::WRITABLE_SHARE;
/// The share the demo opens (none without the emulator).
#[cfg(not(feature = "demo"))]
pub(super) const WRITABLE_SHARE: &str = "projects";

/// The demo emulator, started on its own thread: the connection to it (once it serves),
/// what keeps it alive (dropping it stops the emulator), and its training drills.
pub(super) type Demo = (
    poll_promise::Promise<Result<ConnectionConfig, String>>,
    std::sync::mpsc::SyncSender<()>,
    azfx_core::training::Trainer,
);

/// Starts the demo emulator on its own thread (it seeds a 20 000-entry folder, so the
/// window opens first and shows a spinner) and keeps it running until `keep_alive` is
/// dropped. The promise carries the connection to it: the emulated VM's system-assigned
/// identity over HTTPS, trusting the emulator's CA.
#[cfg(feature = "demo")]
pub(super) fn start(token_lifetime: std::time::Duration) -> Demo {
    use azfx_emulator::{Emulator, EmulatorConfig, demo};
    let training = std::sync::Arc::new(std::sync::OnceLock::<demo::Training>::new());
    let drills = std::sync::Arc::clone(&training);
    let trainer: azfx_core::training::Trainer = std::sync::Arc::new(move |drill| {
        let training = drills.get().ok_or_else(|| "the demo emulator is not running yet".to_owned())?;
        apply(training, drill).map_err(|e| e.to_string())
    });
    let (sender, promise) = poll_promise::Promise::new();
    let (keep_alive, wait_for_exit) = std::sync::mpsc::sync_channel::<()>(0);
    let started = std::thread::Builder::new().name("azfx-demo-emulator".to_owned()).spawn(move || {
        let config = EmulatorConfig { https: true, demo: true, token_lifetime, ..EmulatorConfig::default() };
        match Emulator::start(&config) {
            Ok(emulator) => {
                let _ = training.set(demo::Training::new(emulator.control().clone()));
                let mut connection = ConnectionConfig::new(
                    &emulator.file_endpoint(demo::ACCOUNT),
                    CredentialConfig::ManagedIdentity(IdentitySelector::SystemAssigned),
                );
                connection.imds_endpoint = Some(emulator.identity_endpoint());
                connection.ca_pem = emulator.ca_pem().map(|pem| pem.as_bytes().to_vec());
                let files = emulator.file_endpoint(demo::ACCOUNT);
                connection.arm_endpoint = files.strip_suffix(&format!("/{}", demo::ACCOUNT)).map(str::to_owned);
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
        return (failed, keep_alive, trainer);
    }
    (promise, keep_alive, trainer)
}

/// Carries out a drill the window names on the demo emulator.
///
/// Errors: the demo account or a demo share is missing (the emulator was not seeded).
#[cfg(feature = "demo")]
pub fn apply(training: &azfx_emulator::demo::Training, drill: Drill) -> Result<(), azfx_emulator::ControlError> {
    match drill {
        Drill::ExpireTokens => training.expire_tokens(),
        Drill::RevokeTokens => training.revoke_tokens(),
        Drill::DropIntentHeader => training.drop_intent_header(),
        Drill::DenyByFirewall => training.deny_by_firewall()?,
        Drill::Throttle => training.throttle()?,
        Drill::RemoveRole => training.remove_role(),
        Drill::Restore => training.restore()?,
    }
    Ok(())
}

/// Without the emulator: the window opens on the connect page and says how to get the demo.
#[cfg(not(feature = "demo"))]
pub(super) fn start(_token_lifetime: std::time::Duration) -> Demo {
    let (sender, promise) = poll_promise::Promise::new();
    sender.send(Err("this azfx was built without the demo emulator (cargo feature `demo`): \
                     build it with default features to use --demo"
        .to_owned()));
    let (keep_alive, _) = std::sync::mpsc::sync_channel::<()>(0);
    let trainer: azfx_core::training::Trainer =
        std::sync::Arc::new(|_| Err("this azfx was built without the demo emulator".to_owned()));
    (promise, keep_alive, trainer)
}
