//! Token cache behaviour across expiry and revocation, and keeping secrets out of every
//! log entry, error and `Debug` output.

use std::time::Duration;

use azfx_core::auth::IdentitySelector;
use azfx_core::files::ErrorKind;
use azfx_core::worker::{CredentialConfig, EngineError, Worker};
use azfx_emulator::EmulatorConfig;

use crate::support::emulator::{ACCOUNT, SHARE, STORAGE, start_with};
use crate::support::engine::{Engine, config, engine_with, wait};

fn short_lived_engine(lifetime_secs: u64) -> Engine {
    let env =
        start_with(&EmulatorConfig { token_lifetime: Duration::from_secs(lifetime_secs), ..EmulatorConfig::default() });
    engine_with(env, IdentitySelector::SystemAssigned)
}

/// An engine whose token clock, and the emulator's, a test moves instead of sleeping.
fn engine_on_moving_clock(lifetime_secs: u64) -> (Engine, azfx_core::clock::ClockHand) {
    let env =
        start_with(&EmulatorConfig { token_lifetime: Duration::from_secs(lifetime_secs), ..EmulatorConfig::default() });
    let (clock, hand) = azfx_core::clock::Clock::shifted();
    let mut cfg = config(&env.emulator, CredentialConfig::ManagedIdentity(IdentitySelector::SystemAssigned));
    cfg.clock = clock;
    let worker = Worker::spawn(|| {}).unwrap();
    wait(worker.connect(cfg)).unwrap();
    (Engine { env, worker }, hand)
}

fn fire_50(worker: &Worker) -> Vec<Result<azfx_core::files::EntryProperties, azfx_core::worker::Failure>> {
    let promises: Vec<_> = (0..50).map(|_| worker.properties(SHARE, "", true)).collect();
    promises.into_iter().map(poll_promise::Promise::block_and_take).collect()
}

#[test]
fn fifty_requests_across_expiry_cause_one_token_request() {
    let (Engine { env, worker }, hand) = engine_on_moving_clock(60);
    let oid = env.writer.object_id.clone();
    assert_eq!(env.emulator.control().tokens_issued(&oid), 1);
    // A minute and a second pass for the service and for azfx: the token has expired.
    env.emulator.control().advance_token_clock(61);
    hand.advance(61);
    let results = fire_50(&worker);
    assert!(results.iter().all(Result::is_ok), "{:?}", results.iter().find(|r| r.is_err()));
    assert_eq!(env.emulator.control().tokens_issued(&oid), 2, "one refresh for the expiry");
}

#[test]
fn revoked_token_401_refreshes_once_and_retries_once() {
    let Engine { env, worker } = short_lived_engine(3600);
    let oid = env.writer.object_id.clone();
    env.emulator.control().expire_all_tokens();
    // Revocation counts tokens issued in the same second: step the service past it.
    env.emulator.control().advance_token_clock(1);
    let results = fire_50(&worker);
    assert!(results.iter().all(Result::is_ok), "{:?}", results.iter().find(|r| r.is_err()));
    assert_eq!(env.emulator.control().tokens_issued(&oid), 2, "concurrent 401s cause one refresh");
    let log = worker.request_log();
    let first_401 = log.iter().position(|e| e.status == Some(401)).expect("a 401 is logged");
    let rejected = log[first_401].token_fingerprint.clone();
    let retry = log[first_401..].iter().find(|e| e.attempt == 2 && e.status == Some(200)).expect("a retry succeeded");
    assert_ne!(retry.token_fingerprint, rejected, "the retry used the new token");
    assert!(log.iter().filter(|e| e.status == Some(401)).all(|e| e.attempt == 1), "never a second 401 retry");
    assert!(log.iter().any(|e| e.kind == azfx_core::http::ExchangeKind::Token && e.status == Some(200)));
    // Regression (tryout issue, input 8): the healed 401 says so, with the retry's request id.
    let healed = &log[first_401];
    let by = healed.recovered.as_ref().expect("the 401 is marked recovered");
    assert!(by.token_refreshed && by.attempt == 2, "{by:?}");
    let retry_ids: Vec<_> =
        log.iter().filter(|e| e.attempt == 2 && e.status == Some(200)).map(|e| &e.request_id).collect();
    assert!(by.request_id.is_some() && retry_ids.contains(&&by.request_id), "the retry's request id");
    assert!(log.iter().filter(|e| e.status == Some(401)).all(|e| !e.is_error()), "no healed 401 counts as an error");
}

#[test]
fn a_second_401_is_returned_as_an_error() {
    let env = start_with(&EmulatorConfig::default());
    let expired = env.emulator.control().mint_token(&env.writer.object_id, STORAGE, -7200, 3600).unwrap();
    let worker = Worker::spawn(|| {}).unwrap();
    // A pasted token cannot be refreshed: its own expiry is reported before any request.
    let error = wait(
        worker.connect(config(&env.emulator, CredentialConfig::PastedToken(azfx_core::auth::Secret::new(expired)))),
    )
    .unwrap_err();
    assert!(matches!(error.error, EngineError::Auth(_)), "{error:?}");
    // A token the service rejects though it looks valid: revoked after pasting.
    let pasted = env.emulator.control().mint_token(&env.writer.object_id, STORAGE, 0, 3600).unwrap();
    wait(worker.connect(config(&env.emulator, CredentialConfig::PastedToken(azfx_core::auth::Secret::new(pasted)))))
        .unwrap();
    env.emulator.control().expire_all_tokens();
    let error = match wait(worker.list_shares()).unwrap_err().error {
        EngineError::Files(e) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(error.kind, ErrorKind::Unauthenticated);
    assert!(error.refreshed_after_401, "the refresh was tried once");
    assert_eq!(error.auth_detail.as_deref(), Some("Lifetime validation failed. The token is expired."));
}

#[test]
fn no_secret_reaches_logs_errors_or_debug_output() {
    let env = start_with(&EmulatorConfig::default());
    let control = env.emulator.control();
    let pasted = control.mint_token(&env.writer.object_id, STORAGE, 0, 3600).unwrap();
    let key = control.account_key(ACCOUNT).unwrap();
    let mut seen = String::new();
    let worker = Worker::spawn(|| {}).unwrap();
    let credentials = [
        CredentialConfig::ManagedIdentity(IdentitySelector::SystemAssigned),
        CredentialConfig::PastedToken(azfx_core::auth::Secret::new(pasted.clone())),
        CredentialConfig::AccountKey(azfx_core::auth::Secret::new(key.clone())),
        CredentialConfig::Sas(azfx_core::auth::Secret::new(
            "sv=2025-05-05&sr=s&sp=r&se=2020-01-01&sig=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D",
        )),
        CredentialConfig::ManagedIdentity(IdentitySelector::ClientId(env.norole.client_id.clone())),
    ];
    for credential in credentials {
        let cfg = config(&env.emulator, credential);
        seen.push_str(&format!("{cfg:?}\n"));
        match wait(worker.connect(cfg)) {
            Ok(connected) => seen.push_str(&format!("{connected:?}\n")),
            Err(e) => seen.push_str(&format!("{e}\n{e:?}\n")),
        }
        for result in [wait(worker.list_shares()).map(drop), wait(worker.create_directory(SHARE, "x")).map(drop)] {
            if let Err(e) = result {
                seen.push_str(&format!("{e}\n{e:?}\n"));
            }
        }
        control.expire_all_tokens();
    }
    for entry in worker.request_log() {
        seen.push_str(&serde_json::to_string(&entry).unwrap());
        seen.push_str(&format!("{entry:?}\n"));
    }
    assert!(seen.contains("Bearer <sha256:"), "bearer requests were logged");
    assert!(!seen.contains(&pasted), "the pasted token leaked");
    assert!(!seen.contains(&key), "the account key leaked");
    assert!(!seen.contains("c2VjcmV0LXNpZ25hdHVyZQ"), "the SAS signature leaked");
    let jwt = regex_like_jwt(&seen);
    assert!(jwt.is_none(), "a JWT-looking string leaked: {jwt:?}");
}

/// Finds `eyJ…` followed by two dot-separated base64url segments.
fn regex_like_jwt(text: &str) -> Option<String> {
    text.match_indices("eyJ").find_map(|(i, _)| {
        let candidate: String =
            text[i..].chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
        (candidate.matches('.').count() >= 2 && candidate.len() > 40).then_some(candidate)
    })
}

/// Regression (explorer issue, input 8): an idle connection's token ran out and the
/// status bar turned red. The worker refreshes it ahead of expiry with no request made.
#[test]
fn an_idle_connection_keeps_its_token_fresh() {
    let (Engine { env, worker }, hand) = engine_on_moving_clock(600);
    let oid = env.writer.object_id.clone();
    assert_eq!(env.emulator.control().tokens_issued(&oid), 1);
    // 6 minutes on, a 10-minute token is past its half-life: due, still valid.
    env.emulator.control().advance_token_clock(360);
    hand.advance(360);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while env.emulator.control().tokens_issued(&oid) < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(env.emulator.control().tokens_issued(&oid), 2, "refreshed without any request");
    assert!(
        worker.request_log().iter().all(|e| e.kind == azfx_core::http::ExchangeKind::Token),
        "no Files request was made"
    );
    std::thread::sleep(Duration::from_millis(1_500));
    assert_eq!(env.emulator.control().tokens_issued(&oid), 2, "and only once");
}
