//! Shared test setup: an emulator per test on free ports with a known account, share and
//! identities, an HTTP client, and assertions on the service's error answers.

use std::sync::Once;
use std::time::Duration;

use azfx_emulator::{Emulator, EmulatorConfig, Identity, Role, Scope};
use reqwest::{Method, RequestBuilder, Response, StatusCode};

pub(crate) const ACCOUNT: &str = "testacct";
pub(crate) const SHARE: &str = "share1";
pub(crate) const VERSION: &str = "2025-05-05";
pub(crate) const STORAGE: &str = "https://storage.azure.com/";

/// An emulator with principals of every kind and tokens for them.
pub(crate) struct Env {
    pub emulator: Emulator,
    pub client: reqwest::Client,
    /// Storage File Data Privileged Contributor on the share, Contributor on the account.
    pub writer: Identity,
    /// Storage File Data Privileged Reader on the share.
    pub reader: Identity,
    /// No role at all.
    pub norole: Identity,
    /// Only Storage File Data SMB Share Contributor (grants nothing over REST).
    pub smb_only: Identity,
    pub writer_token: String,
}

pub(crate) fn install_crypto() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

pub(crate) fn client() -> reqwest::Client {
    install_crypto();
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build().unwrap()
}

pub(crate) fn start() -> Env {
    start_with(&EmulatorConfig::default())
}

pub(crate) fn start_with(config: &EmulatorConfig) -> Env {
    let emulator = Emulator::start(config).unwrap();
    let control = emulator.control();
    control.add_account(ACCOUNT);
    control.create_share(ACCOUNT, SHARE, 5).unwrap();
    let writer = Identity::system_assigned("test-vm");
    let reader = Identity::user_assigned("id-reader");
    let norole = Identity::user_assigned("id-norole");
    let smb_only = Identity::user_assigned("id-smb");
    for identity in [&writer, &reader, &norole, &smb_only] {
        control.add_identity(identity.clone());
    }
    let share = Scope::Share(ACCOUNT.into(), SHARE.into());
    control.assign_role(&writer.object_id, Role::StorageFileDataPrivilegedContributor, share.clone());
    control.assign_role(&writer.object_id, Role::Contributor, Scope::Account(ACCOUNT.into()));
    control.assign_role(&reader.object_id, Role::StorageFileDataPrivilegedReader, share.clone());
    control.assign_role(&smb_only.object_id, Role::StorageFileDataSmbShareContributor, share);
    let writer_token = control.mint_token(&writer.object_id, STORAGE, 0, 3600).unwrap();
    Env { emulator, client: client(), writer, reader, norole, smb_only, writer_token }
}

impl Env {
    pub(crate) fn url(&self, path_and_query: &str) -> String {
        format!("{}/{ACCOUNT}/{}", self.emulator.http_url(), path_and_query.trim_start_matches('/'))
    }

    pub(crate) fn token_for(&self, identity: &Identity) -> String {
        self.emulator.control().mint_token(&identity.object_id, STORAGE, 0, 3600).unwrap()
    }

    /// A request with the writer's bearer token, version and intent.
    pub(crate) fn req(&self, method: Method, path_and_query: &str) -> RequestBuilder {
        self.req_as(&self.writer_token.clone(), method, path_and_query)
    }

    pub(crate) fn req_as(&self, token: &str, method: Method, path_and_query: &str) -> RequestBuilder {
        self.raw(token, method, path_and_query, VERSION, Some("backup"))
    }

    /// A bearer request with a chosen version and intent (or none).
    pub(crate) fn raw(
        &self,
        token: &str,
        method: Method,
        path_and_query: &str,
        version: &str,
        intent: Option<&str>,
    ) -> RequestBuilder {
        let request =
            self.client.request(method, self.url(path_and_query)).bearer_auth(token).header("x-ms-version", version);
        match intent {
            Some(intent) => request.header("x-ms-file-request-intent", intent),
            None => request,
        }
    }

    pub(crate) async fn create_file(&self, path: &str, data: &[u8]) {
        let r = self
            .req(Method::PUT, &format!("{SHARE}/{path}"))
            .header("x-ms-type", "file")
            .header("x-ms-content-length", data.len().to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "create {path}");
        if !data.is_empty() {
            let r = self
                .req(Method::PUT, &format!("{SHARE}/{path}?comp=range"))
                .header("x-ms-range", format!("bytes=0-{}", data.len() - 1))
                .header("x-ms-write", "update")
                .body(data.to_vec())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::CREATED, "put range {path}");
        }
    }

    pub(crate) async fn mkdir(&self, path: &str) {
        let r = self.req(Method::PUT, &format!("{SHARE}/{path}?restype=directory")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "mkdir {path}");
    }
}

/// Asserts status and `x-ms-error-code`, that the body is the service's XML error with
/// that code and the request id, and returns the body.
pub(crate) async fn expect_error(response: Response, status: StatusCode, code: &str) -> String {
    assert_eq!(response.status(), status, "status for {code}");
    let headers = response.headers().clone();
    assert_eq!(headers.get("x-ms-error-code").and_then(|v| v.to_str().ok()), Some(code));
    let request_id = headers.get("x-ms-request-id").and_then(|v| v.to_str().ok()).unwrap().to_owned();
    assert!(headers.get("date").is_some());
    assert!(headers.get("x-ms-version").is_some());
    let body = response.text().await.unwrap();
    assert!(body.starts_with("\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>"), "{body}");
    assert!(body.contains(&format!("<Code>{code}</Code>")), "{body}");
    assert!(body.contains(&format!("\nRequestId:{request_id}\nTime:")), "{body}");
    body
}

/// The recorded response body of a fixture, with its request id and time replaced so it
/// can be compared with an emulator body normalized the same way.
pub(crate) fn recorded_body(name: &str) -> String {
    let path = repository_file(&format!("tests/fixtures/recordings/{name}.json"));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    normalize(json["response"]["body"].as_str().unwrap())
}

/// Replaces `RequestId:…` and `Time:…` lines with placeholders.
pub(crate) fn normalize(body: &str) -> String {
    body.lines()
        .map(|line| {
            if line.starts_with("RequestId:") {
                "RequestId:X".to_owned()
            } else if let Some(rest) = line.strip_prefix("Time:") {
                let tail = rest.find('<').map_or("", |i| &rest[i..]);
                format!("Time:X{tail}")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A file of the repository (`tests/fixtures/…`, `tests/sdk/…`), found from whichever
/// crate's tests run this (the emulator's or the workspace root's).
pub(crate) fn repository_file(relative: &str) -> std::path::PathBuf {
    let start = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    start.ancestors().map(|dir| dir.join(relative)).find(|path| path.exists()).unwrap_or_else(|| start.join(relative))
}
