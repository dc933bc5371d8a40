//! The engine under test: a worker connected to an emulator, and waiting for its answers.

use crate::support::emulator::{ACCOUNT, start};
use azfx_core::auth::IdentitySelector;
use azfx_core::files::RetryPolicy;
use azfx_core::worker::{Answer, ConnectionConfig, CredentialConfig, EngineError, Worker};
use azfx_emulator::Emulator;
use poll_promise::Promise;
use std::time::Duration;

pub(crate) fn wait<T: Send + 'static>(promise: Promise<Answer<T>>) -> Answer<T> {
    promise.block_and_take()
}

/// A worker connected to the test account with the writer's managed identity.
pub(crate) struct Engine {
    pub env: crate::support::emulator::Env,
    pub worker: Worker,
}

pub(crate) fn config(emulator: &Emulator, credential: CredentialConfig) -> ConnectionConfig {
    let mut config = ConnectionConfig::new(&emulator.file_endpoint(ACCOUNT), credential);
    config.imds_endpoint = Some(emulator.identity_endpoint());
    config.retry = RetryPolicy { base_delay: Duration::from_millis(20), ..RetryPolicy::default() };
    config.identity_retry.initial_delay = Duration::from_millis(20);
    config
}

pub(crate) fn engine_with(env: crate::support::emulator::Env, selector: IdentitySelector) -> Engine {
    let worker = Worker::spawn(|| {}).unwrap();
    wait(worker.connect(config(&env.emulator, CredentialConfig::ManagedIdentity(selector)))).unwrap();
    Engine { env, worker }
}

pub(crate) fn engine() -> Engine {
    engine_with(start(), IdentitySelector::SystemAssigned)
}

/// No temporary transfer file (`.azfx-….part`) is left in `dir`.
pub(crate) fn no_temporary_files(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().starts_with(".azfx-"))
}

pub(crate) fn files_error(failure: azfx_core::worker::Failure) -> azfx_core::files::FilesError {
    match failure.error {
        EngineError::Files(e) => e,
        other => panic!("expected a Files error, got {other:?}"),
    }
}
