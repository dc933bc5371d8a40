//! Token sources beyond IMDS on loopback: IMDS retries, the App Service endpoint, the
//! Azure CLI (a stand-in `az`), the real default IMDS address inside a network
//! namespace, and the HTTPS-only rule for bearer tokens.

use crate::support::block;
use std::sync::Arc;
use std::time::Duration;

use azfx_core::auth::cli::AzureCliSource;
use azfx_core::auth::imds::{AppServiceSource, IdentityRetry, ImdsSource};
use azfx_core::auth::{AuthErrorKind, IdentitySelector, STORAGE_RESOURCE, Secret, TokenSource};
use azfx_core::http::RequestLog;
use azfx_emulator::{Fault, FaultTarget};

use crate::support::emulator::start;

fn fast_retry() -> IdentityRetry {
    IdentityRetry { initial_delay: Duration::from_millis(10), ..IdentityRetry::default() }
}

#[test]
fn imds_retries_transient_statuses_then_succeeds() {
    let env = start();
    let control = env.emulator.control();
    for status in [503, 410, 429] {
        control.inject(FaultTarget::Identity, &Fault::Status { status, retry_after_secs: None }, 1);
    }
    let log = RequestLog::new(100);
    let source = ImdsSource::new(
        &env.emulator.identity_endpoint(),
        IdentitySelector::SystemAssigned,
        Arc::clone(&log),
        fast_retry(),
    );
    let token = block(source.fetch(STORAGE_RESOURCE)).unwrap();
    assert_eq!(token.claims.unwrap().oid.as_deref(), Some(env.writer.object_id.as_str()));
    let statuses: Vec<Option<u16>> = log.snapshot().iter().map(|e| e.status).collect();
    assert_eq!(statuses, [Some(503), Some(410), Some(429), Some(200)]);
    assert!(log.snapshot().iter().all(|e| e.request_headers.iter().any(|(n, v)| n == "metadata" && v == "true")));

    control.inject(FaultTarget::Identity, &Fault::Status { status: 500, retry_after_secs: None }, 10);
    let retry = IdentityRetry { max_attempts: 3, ..fast_retry() };
    let source = ImdsSource::new(&env.emulator.identity_endpoint(), IdentitySelector::SystemAssigned, log, retry);
    let error = block(source.fetch(STORAGE_RESOURCE)).unwrap_err();
    assert_eq!(error.kind, AuthErrorKind::Unavailable { status: 500, attempts: 3 });
}

#[test]
fn imds_errors_are_distinct() {
    let env = start();
    let log = RequestLog::new(100);
    let unknown = ImdsSource::new(
        &env.emulator.identity_endpoint(),
        IdentitySelector::ClientId("nope".into()),
        Arc::clone(&log),
        fast_retry(),
    );
    assert!(matches!(block(unknown.fetch(STORAGE_RESOURCE)).unwrap_err().kind, AuthErrorKind::IdentityNotFound { .. }));
    let bad_resource =
        ImdsSource::new(&env.emulator.identity_endpoint(), IdentitySelector::SystemAssigned, log, fast_retry());
    match block(bad_resource.fetch("https://nothing.example/")).unwrap_err().kind {
        AuthErrorKind::Rejected { status: 400, error, .. } => assert_eq!(error, "invalid_resource"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn app_service_source_sends_its_secret_and_picks_identities() {
    let env = start();
    let endpoint = format!("{}/msi/token", env.emulator.identity_endpoint());
    let secret = Secret::new(env.emulator.control().app_service_secret());
    let log = RequestLog::new(100);
    let source = AppServiceSource::new(
        &endpoint,
        secret,
        IdentitySelector::ObjectId(env.reader.object_id.clone()),
        Arc::clone(&log),
        fast_retry(),
    );
    let token = block(source.fetch(STORAGE_RESOURCE)).unwrap();
    assert_eq!(token.claims.unwrap().oid.as_deref(), Some(env.reader.object_id.as_str()));
    let headers = format!("{:?}", log.snapshot());
    assert!(!headers.contains(&env.emulator.control().app_service_secret()), "the identity header secret is redacted");
    let wrong =
        AppServiceSource::new(&endpoint, Secret::new("wrong"), IdentitySelector::SystemAssigned, log, fast_retry());
    assert!(matches!(
        block(wrong.fetch(STORAGE_RESOURCE)).unwrap_err().kind,
        AuthErrorKind::Rejected { status: 401, .. }
    ));
}

#[cfg(unix)]
fn fake_az(dir: &std::path::Path, script: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("az");
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

#[cfg(unix)]
#[test]
fn azure_cli_source_reports_missing_not_logged_in_and_tokens() {
    let env = start();
    let dir = tempfile::tempdir().unwrap();
    let log = RequestLog::new(100);
    let missing = AzureCliSource::new("/nonexistent/az", Duration::from_secs(5), Arc::clone(&log));
    assert_eq!(block(missing.fetch(STORAGE_RESOURCE)).unwrap_err().kind, AuthErrorKind::CliMissing);
    let logged_out = fake_az(dir.path(), "echo \"ERROR: Please run 'az login' to setup account.\" >&2; exit 1");
    let source = AzureCliSource::new(&logged_out, Duration::from_secs(5), Arc::clone(&log));
    assert!(matches!(block(source.fetch(STORAGE_RESOURCE)).unwrap_err().kind, AuthErrorKind::CliNotLoggedIn { .. }));
    let slow = fake_az(dir.path(), "sleep 5");
    let source = AzureCliSource::new(&slow, Duration::from_millis(300), Arc::clone(&log));
    assert_eq!(block(source.fetch(STORAGE_RESOURCE)).unwrap_err().kind, AuthErrorKind::CliTimeout { seconds: 0 });
    let token = env.emulator.control().mint_token(&env.writer.object_id, STORAGE_RESOURCE, 0, 3600).unwrap();
    let expires = azfx_core::auth::now_unix() + 3600;
    let good = fake_az(
        dir.path(),
        &format!(
            "echo '{{\"accessToken\": \"{token}\", \"expiresOn\": \"2030-01-02 03:04:05.000000\", \"expires_on\": {expires}, \"tokenType\": \"Bearer\"}}'"
        ),
    );
    let source = AzureCliSource::new(&good, Duration::from_secs(5), Arc::clone(&log));
    let got = block(source.fetch(STORAGE_RESOURCE)).unwrap();
    assert_eq!(got.expires_on, expires);
    assert_eq!(got.claims.unwrap().oid.as_deref(), Some(env.writer.object_id.as_str()));
    assert!(!format!("{:?}", log.snapshot()).contains(&token));
}

#[test]
fn bearer_tokens_never_go_over_plain_http_to_another_host() {
    let env = start();
    let worker = azfx_core::worker::Worker::spawn(|| {}).unwrap();
    let mut config = crate::support::engine::config(
        &env.emulator,
        azfx_core::worker::CredentialConfig::ManagedIdentity(IdentitySelector::SystemAssigned),
    );
    config.endpoint = "http://files.example.net/acct".to_owned();
    let error = crate::support::engine::wait(worker.connect(config)).unwrap_err();
    assert!(error.to_string().contains("only sent over HTTPS"), "{error}");
    assert_eq!(env.emulator.control().tokens_issued(&env.writer.object_id), 0, "no token was even fetched");
}

/// Deletes a network namespace when dropped.
#[cfg(target_os = "linux")]
struct Cleanup(String);

#[cfg(target_os = "linux")]
impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip").args(["netns", "delete", &self.0]).status();
    }
}

/// Runs the unchanged default IMDS address: a network namespace whose loopback carries
/// 169.254.169.254, with the emulator listening there and `azfx token` given no endpoint.
#[cfg(target_os = "linux")]
#[test]
fn default_imds_address_in_a_network_namespace() {
    use std::io::BufRead as _;
    use std::process::{Command, Stdio};
    let namespace = format!("azfx-test-{}", std::process::id());
    let ip = |args: &[&str]| Command::new("ip").args(args).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    if !ip(&["netns", "add", &namespace]) {
        eprintln!("skipped: network namespaces are unavailable here (needs root and iproute2)");
        return;
    }
    let _cleanup = Cleanup(namespace.clone());
    assert!(ip(&["netns", "exec", &namespace, "ip", "link", "set", "lo", "up"]));
    assert!(ip(&["netns", "exec", &namespace, "ip", "addr", "add", "169.254.169.254/32", "dev", "lo"]));
    let binary = env!("CARGO_BIN_EXE_azfx");
    let mut emulator = Command::new("ip")
        .args(["netns", "exec", &namespace, binary, "emulator", "--bind", "169.254.169.254", "--port", "80", "--demo"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(emulator.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.contains("http://169.254.169.254:80"), "{line}");
    let output = Command::new("ip")
        .args(["netns", "exec", &namespace, binary, "token", "--json"])
        .env_remove("AZURE_POD_IDENTITY_AUTHORITY_HOST")
        .env_remove("IMDS_ENDPOINT")
        .output()
        .unwrap();
    let _ = emulator.kill();
    let _ = emulator.wait();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let vm = azfx_emulator::Identity::system_assigned(azfx_emulator::demo::VM_NAME);
    assert_eq!(json["claims"]["oid"], vm.object_id.as_str());
    assert!(json.get("access_token").is_none(), "the token is printed only with --raw");
}
