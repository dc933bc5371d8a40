//! Every diagnosis provoked for real on the emulator (or, for the few the emulator cannot
//! produce, with a crafted answer), asserting the class and the next step; and `azfx
//! doctor` against the demo.

use crate::support::block;
use std::sync::Arc;
use std::time::Duration;

use azfx_core::auth::{Credential, IdentitySelector, STORAGE_RESOURCE, Secret, TokenCache, TokenSource};
use azfx_core::diagnose::{Class, Context, diagnose};
use azfx_core::files::{ClientOptions, Endpoint, FilesClient, RetryPolicy};
use azfx_core::http::RequestLog;
use azfx_core::worker::{EngineError, exit_code};
use azfx_emulator::{Fault, FaultTarget};

use crate::support::emulator::{ACCOUNT, SHARE, STORAGE, VERSION, start};

fn options() -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy { max_attempts: 2, base_delay: Duration::from_millis(10), ..RetryPolicy::default() },
        ..ClientOptions::default()
    }
}

fn bearer(env: &crate::support::emulator::Env, token: &str) -> FilesClient {
    let source: Arc<dyn TokenSource> = Arc::new(azfx_core::auth::PastedToken::new(token).unwrap());
    let credential = Credential::Bearer(TokenCache::new(source, STORAGE_RESOURCE));
    FilesClient::new(
        Endpoint::parse(&env.emulator.file_endpoint(ACCOUNT)).unwrap(),
        credential,
        RequestLog::new(100),
        &options(),
    )
    .unwrap()
}

fn context(env: &crate::support::emulator::Env, read_works: Option<bool>) -> Context {
    let token = env.writer_token.clone();
    Context {
        claims: azfx_core::auth::Claims::decode(&token),
        account: Some(ACCOUNT.into()),
        share: Some(SHARE.into()),
        read_works,
        proxy: None,
        roles: None,
        sas: false,
    }
}

fn expect(class: Class, error: &EngineError, context: &Context, next_step: &str) {
    let diagnosis = diagnose(error, context);
    assert_eq!(diagnosis.class, class, "{error}");
    assert!(diagnosis.next_steps.iter().any(|s| s.contains(next_step)), "{class:?}: {:?}", diagnosis.next_steps);
}

/// A raw answer of the emulator turned into the client's error, for requests azfx's own
/// client never sends (no intent header, an old version).
fn raw(
    env: &crate::support::emulator::Env,
    version: &str,
    intent: Option<&str>,
    method: reqwest::Method,
    path: &str,
) -> EngineError {
    let (status, headers, body) = block(async {
        let response = env.raw(&env.writer_token, method, path, version, intent).send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.bytes().await.unwrap())
    });
    EngineError::Files(azfx_core::files::FilesError::from_response("List directory", path, status, &headers, &body))
}

#[test]
fn each_diagnosis_is_provoked_on_the_emulator() {
    let env = start();
    let control = env.emulator.control();
    let ctx = context(&env, None);
    let list = format!("{SHARE}?restype=directory&comp=list");
    expect(
        Class::MissingIntent,
        &raw(&env, VERSION, None, reqwest::Method::GET, &list),
        &ctx,
        "x-ms-file-request-intent: backup",
    );
    expect(
        Class::BearerVersionTooOld,
        &raw(&env, "2021-12-02", Some("backup"), reqwest::Method::GET, &list),
        &ctx,
        "2022-11-02",
    );
    expect(
        Class::ShareApiNeedsNewerVersion,
        &raw(&env, "2022-11-02", Some("backup"), reqwest::Method::PUT, "newshare1?restype=share"),
        &ctx,
        "2024-11-04",
    );

    let oid = env.writer.object_id.clone();
    let run = |token: String| {
        block(bearer(&env, &token).list_page(SHARE, "", None, 10)).map(drop).map_err(EngineError::Files)
    };
    let arm = control.mint_token(&oid, "https://management.azure.com/", 0, 3600).unwrap();
    expect(Class::WrongAudience, &run(arm).unwrap_err(), &ctx, "https://storage.azure.com/");
    let future = control.mint_token(&oid, STORAGE, 3600, 3600).unwrap();
    expect(Class::NotYetValid, &run(future).unwrap_err(), &ctx, "clock");
    let mut forged = env.writer_token.clone();
    forged.truncate(forged.len() - 4);
    forged.push_str("AAAA");
    expect(Class::BadSignature, &run(forged).unwrap_err(), &ctx, "fresh token");
    let revoked = control.mint_token(&oid, STORAGE, -10, 3600).unwrap();
    control.expire_all_tokens();
    expect(Class::TokenExpired, &run(revoked).unwrap_err(), &ctx, "clock");
    let fresh = || control.mint_token(&oid, STORAGE, 1, 3600).unwrap();

    control.inject(FaultTarget::Files, &Fault::ClaimsChallenge, 1);
    expect(Class::ClaimsChallenge, &run(fresh()).unwrap_err(), &ctx, "Conditional Access");
    let norole = control.mint_token(&env.norole.object_id, STORAGE, 1, 3600).unwrap();
    expect(Class::NoReadRole, &run(norole).unwrap_err(), &ctx, "Storage File Data Privileged Reader");
    let reader = control.mint_token(&env.reader.object_id, STORAGE, 1, 3600).unwrap();
    let write = block(bearer(&env, &reader).create_directory(SHARE, "nope")).unwrap_err();
    expect(
        Class::NoWriteRole,
        &EngineError::Files(write),
        &context(&env, Some(true)),
        "Storage File Data Privileged Contributor",
    );
    control.set_network_deny(ACCOUNT, true).unwrap();
    expect(Class::NetworkRules, &run(fresh()).unwrap_err(), &ctx, "Networking");
    control.set_network_deny(ACCOUNT, false).unwrap();

    // An account-wide role, so a missing share is a 404 rather than a 403.
    control.assign_role(
        &oid,
        azfx_emulator::Role::StorageFileDataPrivilegedReader,
        azfx_emulator::Scope::Account(ACCOUNT.into()),
    );
    let client = bearer(&env, &fresh());
    let op = |result: Result<(), azfx_core::files::FilesError>| EngineError::Files(result.unwrap_err());
    expect(
        Class::ShareNotFound,
        &op(block(client.list_page("nosuchshare", "", None, 1)).map(drop)),
        &ctx,
        "share name",
    );
    expect(Class::ParentNotFound, &op(block(client.create_directory(SHARE, "a/b")).map(drop)), &ctx, "parent folders");
    expect(
        Class::ResourceNotFound,
        &op(block(client.file_properties(SHARE, "missing.txt")).map(drop)),
        &ctx,
        "Refresh",
    );
    block(client.create_directory(SHARE, "d")).unwrap();
    block(client.create_file(SHARE, "d/f", 1)).unwrap();
    expect(Class::AlreadyExists, &op(block(client.create_directory(SHARE, "d")).map(drop)), &ctx, "another name");
    expect(Class::DirectoryNotEmpty, &op(block(client.delete_directory(SHARE, "d"))), &ctx, "everything in it");
    expect(Class::QuotaFull, &op(block(client.create_file(SHARE, "huge", 6 << 30)).map(drop)), &ctx, "quota");
    control.set_fault_rate(1.0, 503, None);
    expect(Class::Throttled, &op(block(client.list_page(SHARE, "", None, 1)).map(drop)), &ctx, "Retry later");
    control.set_fault_rate(1.0, 500, None);
    expect(Class::ServerError, &op(block(client.list_page(SHARE, "", None, 1)).map(drop)), &ctx, "request id");
    control.set_fault_rate(0.0, 500, None);

    let key = control.account_key(ACCOUNT).unwrap();
    let bad_sas = FilesClient::new(
        Endpoint::parse(&env.emulator.file_endpoint(ACCOUNT)).unwrap(),
        Credential::Sas(Secret::new("sv=2025-05-05&ss=f&srt=sco&sp=rl&se=2099-01-01&sig=AAAA")),
        RequestLog::new(10),
        &options(),
    )
    .unwrap();
    expect(Class::SignatureRejected, &op(block(bad_sas.list_shares()).map(drop)), &ctx, "new SAS");
    // Shared Key: the account's real key signs; a key of the right shape that is not the
    // account's is rejected with the same diagnosis.
    let with_key = |key: &str| {
        FilesClient::new(
            Endpoint::parse(&env.emulator.file_endpoint(ACCOUNT)).unwrap(),
            Credential::AccountKey { account: ACCOUNT.to_owned(), key: Secret::new(key) },
            RequestLog::new(10),
            &options(),
        )
        .unwrap()
    };
    assert!(block(with_key(&key).list_page(SHARE, "", None, 1)).is_ok(), "the account's own key is accepted");
    let wrong_key = "A".repeat(86) + "==";
    assert_ne!(wrong_key, key);
    let rejected = op(block(with_key(&wrong_key).list_page(SHARE, "", None, 1)).map(drop));
    expect(Class::SignatureRejected, &rejected, &ctx, "account key");
}

#[test]
fn identity_and_network_diagnoses() {
    let env = start();
    let ctx = context(&env, None);
    let retry = azfx_core::auth::imds::IdentityRetry {
        max_attempts: 2,
        initial_delay: Duration::from_millis(10),
        ..Default::default()
    };
    let source = |endpoint: &str, selector| {
        azfx_core::auth::imds::ImdsSource::new(endpoint, selector, RequestLog::new(10), retry.clone())
    };
    let fetch = |s: azfx_core::auth::imds::ImdsSource| EngineError::Auth(block(s.fetch(STORAGE_RESOURCE)).unwrap_err());
    let closed = format!("http://{}", std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap());
    expect(
        Class::IdentityEndpointUnreachable,
        &fetch(source(&closed, IdentitySelector::SystemAssigned)),
        &ctx,
        "NO_PROXY",
    );
    expect(
        Class::IdentityNotFound,
        &fetch(source(&env.emulator.identity_endpoint(), IdentitySelector::ClientId("x".into()))),
        &ctx,
        "Identity settings",
    );
    env.emulator.control().inject(FaultTarget::Identity, &Fault::Status { status: 503, retry_after_secs: None }, 5);
    expect(
        Class::IdentityEndpointFailing,
        &fetch(source(&env.emulator.identity_endpoint(), IdentitySelector::SystemAssigned)),
        &ctx,
        "retry",
    );

    // TCP refused on the file endpoint, and a TLS failure: an HTTPS emulator whose CA is not trusted.
    let token = env.writer_token.clone();
    let source: Arc<dyn TokenSource> = Arc::new(azfx_core::auth::PastedToken::new(&token).unwrap());
    let credential = Credential::Bearer(TokenCache::new(source, STORAGE_RESOURCE));
    let refused = FilesClient::new(
        Endpoint::parse(&format!("{closed}/{ACCOUNT}")).unwrap(),
        credential.clone(),
        RequestLog::new(10),
        &options(),
    )
    .unwrap();
    expect(Class::Connect, &EngineError::Files(block(refused.list_shares()).unwrap_err()), &ctx, "port 443");
    let https =
        azfx_emulator::Emulator::start(&azfx_emulator::EmulatorConfig { https: true, ..Default::default() }).unwrap();
    let untrusted = FilesClient::new(
        Endpoint::parse(&https.file_endpoint(ACCOUNT)).unwrap(),
        credential,
        RequestLog::new(10),
        &options(),
    )
    .unwrap();
    expect(Class::Tls, &EngineError::Files(block(untrusted.list_shares()).unwrap_err()), &ctx, "proxy");
}

#[test]
fn recorded_answers_the_emulator_does_not_produce() {
    let env = start();
    let ctx = context(&env, None);
    let recorded = |name: &str| {
        let path = format!("{}/tests/fixtures/recordings/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut headers = reqwest::header::HeaderMap::new();
        for (k, v) in json["response"]["headers"].as_object().unwrap() {
            if let (Some(v), Ok(name)) = (v.as_str(), reqwest::header::HeaderName::from_bytes(k.as_bytes())) {
                headers.insert(name, v.parse().unwrap());
            }
        }
        let status = u16::try_from(json["response"]["status"].as_u64().unwrap()).unwrap();
        let body = json["response"]["body"].as_str().unwrap_or_default().as_bytes().to_vec();
        EngineError::Files(azfx_core::files::FilesError::from_response(
            "Delete share",
            "https://x/s",
            status,
            &headers,
            &body,
        ))
    };
    expect(Class::LeaseHeld, &recorded("error-412-lease-id-missing"), &ctx, "lease");
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-ms-error-code", "DeletePending".parse().unwrap());
    let pending = azfx_core::files::FilesError::from_response("Delete file", "https://x/s/f", 409, &headers, b"");
    expect(Class::InUseBySmb, &EngineError::Files(pending), &ctx, "handles");
}

fn doctor(env: &azfx_emulator::Emulator, share: &str, extra: &[&str]) -> (i32, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_azfx"))
        .args(["doctor", "--account", &env.file_endpoint(azfx_emulator::demo::ACCOUNT), "--share", share])
        .args(["--imds-endpoint", &env.identity_endpoint()])
        .args(extra)
        .output()
        .unwrap();
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn doctor_exit_codes_on_the_demo() {
    use azfx_emulator::demo;
    let emulator =
        azfx_emulator::Emulator::start(&azfx_emulator::EmulatorConfig { demo: true, ..Default::default() }).unwrap();
    let before = emulator.control().entry_count(demo::ACCOUNT, demo::WRITABLE_SHARE).unwrap();
    let (code, out) = doctor(&emulator, demo::WRITABLE_SHARE, &[]);
    assert_eq!(code, exit_code::OK, "{out}");
    assert!(out.contains("✓ Delete the file and the directory"), "{out}");
    assert_eq!(
        emulator.control().entry_count(demo::ACCOUNT, demo::WRITABLE_SHARE).unwrap(),
        before,
        "nothing left behind"
    );
    let (code, out) = doctor(&emulator, demo::READ_ONLY_SHARE, &[]);
    assert_eq!(code, exit_code::FORBIDDEN_WRITE, "{out}");
    assert!(out.contains("This identity may read but not write here"));
    let (code, _) = doctor(&emulator, demo::READ_ONLY_SHARE, &["--read-only"]);
    assert_eq!(code, exit_code::OK);
    let (code, out) = doctor(&emulator, demo::NO_ROLE_SHARE, &["--json"]);
    assert_eq!(code, exit_code::FORBIDDEN);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["steps"][3]["diagnosis"]["class"], "SmbRoleOnly", "the access check reads the roles too");
    assert_eq!(report["exit_code"], exit_code::FORBIDDEN);
    let closed = format!("http://{}", std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_azfx"))
        .args([
            "doctor",
            "--account",
            &emulator.file_endpoint(demo::ACCOUNT),
            "--share",
            demo::WRITABLE_SHARE,
            "--imds-endpoint",
            &closed,
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(exit_code::IDENTITY));
    assert!(String::from_utf8_lossy(&output.stdout).contains("The identity endpoint does not answer"));
}
