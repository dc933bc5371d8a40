//! Demo training mode (explorer issue, Build): each drill makes the demo emulator fail the
//! way the real service does, the worker (as the window uses it) meets exactly that
//! failure, and Restore puts everything back.

use std::time::Duration;

use azfx_core::files::ErrorKind;
use azfx_core::training::Drill;
use azfx_core::worker::{ConnectionConfig, CredentialConfig, EngineError, Worker};
use azfx_emulator::demo::{self, Training};

use crate::support::engine::wait;

fn list_root(worker: &Worker) -> Result<u64, (Option<u16>, Option<String>, ErrorKind)> {
    wait(worker.list_directory(demo::WRITABLE_SHARE, "").1).map_err(|failure| match failure.error {
        EngineError::Files(e) => (e.status, e.code.clone(), e.kind),
        other => panic!("expected a Files error, got {other:?}"),
    })
}

#[test]
fn every_drill_fails_like_the_service_and_restore_puts_everything_back() {
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let control = emulator.control().clone();
    let training = Training::new(control.clone());
    let worker = Worker::spawn(|| {}).unwrap();
    let mut config = ConnectionConfig::new(
        &emulator.file_endpoint(demo::ACCOUNT),
        CredentialConfig::ManagedIdentity(azfx_core::auth::IdentitySelector::SystemAssigned),
    );
    config.imds_endpoint = Some(emulator.identity_endpoint());
    config.retry.base_delay = Duration::from_millis(10);
    config.retry.max_attempts = 2;
    wait(worker.connect(config)).unwrap();
    assert!(list_root(&worker).is_ok());
    let vm = azfx_emulator::Identity::system_assigned(demo::VM_NAME).object_id;

    // Expired or revoked: one 401, a new token, the retry succeeds.
    for drill in [Drill::ExpireTokens, Drill::RevokeTokens] {
        // Tokens are told apart by their issue second: a revocation covers the tokens of
        // earlier seconds, so the drills are a few (emulated) seconds apart.
        control.advance_token_clock(3);
        let before = control.tokens_issued(&vm);
        azfx::cli::demo::apply(&training, drill).unwrap();
        assert!(list_root(&worker).is_ok(), "{drill:?}: refreshed and retried");
        assert_eq!(control.tokens_issued(&vm), before + 1, "{drill:?}: exactly one new token");
    }

    let expected = [
        (Drill::DropIntentHeader, 400, "MissingRequiredHeader"),
        (Drill::DenyByFirewall, 403, "AuthorizationFailure"),
        (Drill::Throttle, 503, "ServerBusy"),
        (Drill::RemoveRole, 403, "AuthorizationPermissionMismatch"),
    ];
    for (drill, status, code) in expected {
        azfx::cli::demo::apply(&training, drill).unwrap();
        let (got_status, got_code, _) = list_root(&worker).unwrap_err();
        assert_eq!((got_status, got_code.as_deref()), (Some(status), Some(code)), "{drill:?}");
        azfx::cli::demo::apply(&training, Drill::Restore).unwrap();
        assert!(list_root(&worker).is_ok(), "{drill:?}: Restore puts it back");
    }
    let roles: Vec<_> = control.role_assignments(&vm).into_iter().map(|a| a.role).collect();
    assert_eq!(
        roles.len(),
        7,
        "the VM's seven roles (five in the demo subscription, two in finance) are back: {roles:?}"
    );
}
