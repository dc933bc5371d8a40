//! The emulator's Resource Manager beyond the lists (control-plane issue): collections
//! filtered to what lower-scope roles allow, the account's SMB identity settings, the key
//! actions (`listKeys`, `ListServiceSas`) and the VM resource with its identities, plus
//! IMDS instance metadata.

use std::time::Duration;

use azfx_emulator::demo;
use azfx_emulator::model::{DEMO_SUBSCRIPTION, Identity};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::block;

/// A token for `resource` of the demo VM, or of the user-assigned identity `client_id`.
async fn token(emulator: &azfx_emulator::Emulator, resource: &str, client_id: Option<&str>) -> String {
    let chosen = client_id.map(|id| format!("&client_id={id}")).unwrap_or_default();
    let url = format!(
        "{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource={resource}{chosen}",
        emulator.identity_endpoint().trim_end_matches('/')
    );
    let client = crate::support::emulator::client();
    let answer: Value = client.get(url).header("Metadata", "true").send().await.unwrap().json().await.unwrap();
    answer["access_token"].as_str().unwrap().to_owned()
}

async fn call(method: reqwest::Method, url: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = crate::support::emulator::client().request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

const ARM: &str = "https://management.azure.com/";

#[test]
fn collections_account_settings_and_key_actions_follow_the_roles() {
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let base = emulator.http_url();
    let control = emulator.control();
    control.add_account("elsewhere");
    control.place_account("elsewhere", DEMO_SUBSCRIPTION, "other-rg").unwrap();
    let auditor = Identity::user_assigned("id-auditor").client_id;
    let backup = Identity::user_assigned("id-backup-operator").client_id;
    block(async {
        let vm = token(&emulator, ARM, None).await;
        let audit = token(&emulator, ARM, Some(&auditor)).await;
        let operator = token(&emulator, ARM, Some(&backup)).await;
        let get = reqwest::Method::GET;

        // Reader on the demo group lists its account at subscription scope, not the one
        // in another group; no control-plane role in the subscription is a 403.
        let url = format!(
            "{base}/subscriptions/{DEMO_SUBSCRIPTION}/providers/Microsoft.Storage/storageAccounts?api-version=2025-01-01"
        );
        let (status, body) = call(get.clone(), &url, &vm, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let names: Vec<&str> = body["value"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
        assert_eq!(names, [demo::ACCOUNT], "only what the roles reach");
        let (status, body) = call(get.clone(), &url, &audit, None).await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("AuthorizationFailed")));

        // The account's SMB identity settings, on one account read directly.
        let account_id = |sub: &str, rg: &str, name: &str| {
            format!("{base}/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/{name}")
        };
        let demo_id = account_id(DEMO_SUBSCRIPTION, demo::RESOURCE_GROUP, demo::ACCOUNT);
        let (status, body) = call(get.clone(), &format!("{demo_id}?api-version=2025-01-01"), &vm, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let auth = &body["properties"]["azureFilesIdentityBasedAuthentication"];
        assert_eq!(auth["directoryServiceOptions"], "None");
        assert_eq!(auth["smbOAuthSettings"]["isSmbOAuthEnabled"], true);
        assert_eq!(body["properties"]["allowSharedKeyAccess"], true);
        let finance = account_id(demo::FINANCE_SUBSCRIPTION, demo::FINANCE_GROUP, demo::FINANCE_ACCOUNT);
        let (_, body) = call(get.clone(), &format!("{finance}?api-version=2025-01-01"), &vm, None).await;
        let auth = &body["properties"]["azureFilesIdentityBasedAuthentication"];
        assert_eq!(auth["directoryServiceOptions"], "AADKERB", "{body}");
        assert_eq!(auth["activeDirectoryProperties"]["domainName"], "corp.contoso.com");
        assert_eq!(auth["defaultSharePermission"], "StorageFileDataSmbShareReader");

        // listKeys: Reader may not; Storage Account Contributor gets the key.
        let post = reqwest::Method::POST;
        let keys = format!("{demo_id}/listKeys?api-version=2025-01-01");
        let (status, body) = call(post.clone(), &keys, &vm, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains("'Microsoft.Storage/storageAccounts/listkeys/action'")
        );
        let (status, body) = call(post.clone(), &keys, &operator, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["keys"][0]["value"].as_str(), control.account_key(demo::ACCOUNT).as_deref());

        // ListServiceSas: a share SAS that lists the share and nothing more.
        let sas_url = format!("{demo_id}/ListServiceSas?api-version=2025-01-01");
        let expiry = azfx_core::azure_time::iso7(time::OffsetDateTime::now_utc() + time::Duration::minutes(15));
        let request = |permissions: &str, protocol: &str| {
            json!({
                "canonicalizedResource": format!("/file/{}/{}", demo::ACCOUNT, demo::WRITABLE_SHARE),
                "signedResource": "s",
                "signedPermission": permissions,
                "signedProtocol": protocol,
                "signedExpiry": expiry,
            })
        };
        let (status, _) = call(post.clone(), &sas_url, &vm, Some(request("rl", "https,http"))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "Reader may not make a SAS");
        let (status, body) = call(post.clone(), &sas_url, &operator, Some(request("rl", "https,http"))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let sas = body["serviceSasToken"].as_str().unwrap().to_owned();
        assert!(sas.contains("sr=s") && sas.contains("sp=rl") && sas.contains("sig="), "{sas}");
        let share = format!("{}/{}", emulator.file_endpoint(demo::ACCOUNT), demo::WRITABLE_SHARE);
        let http = crate::support::emulator::client();
        let list = http.get(format!("{share}?restype=directory&comp=list&{sas}")).send().await.unwrap();
        assert_eq!(list.status(), StatusCode::OK, "the SAS lists its share");
        let other = format!("{}/{}", emulator.file_endpoint(demo::ACCOUNT), demo::READ_ONLY_SHARE);
        let refused = http.get(format!("{other}?restype=directory&comp=list&{sas}")).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "and no other share");
        let write = http
            .put(format!("{share}/x.txt?{sas}"))
            .header("x-ms-type", "file")
            .header("x-ms-content-length", "1")
            .header("x-ms-version", "2025-05-05")
            .send()
            .await
            .unwrap();
        assert_eq!(write.status(), StatusCode::FORBIDDEN, "nor writes without w");
        let (_, body) = call(post.clone(), &sas_url, &operator, Some(request("rl", "https"))).await;
        let https_only = body["serviceSasToken"].as_str().unwrap().to_owned();
        let plain = http.get(format!("{share}?restype=directory&comp=list&{https_only}")).send().await.unwrap();
        assert_eq!(plain.headers()["x-ms-error-code"], "AuthorizationProtocolMismatch", "https only over http");
        let mut wrong = request("rl", "https");
        wrong["canonicalizedResource"] = json!("/file/someoneelse/projects");
        let (status, body) = call(post.clone(), &sas_url, &operator, Some(wrong)).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("InvalidValuesForRequestParameters"))
        );

        // allowSharedKeyAccess off: the SAS is refused by the file service.
        control.set_shared_key_access(demo::ACCOUNT, false).unwrap();
        let refused = http.get(format!("{share}?restype=directory&comp=list&{sas}")).send().await.unwrap();
        assert_eq!(refused.headers()["x-ms-error-code"], "KeyBasedAuthenticationNotPermitted");
        control.set_shared_key_access(demo::ACCOUNT, true).unwrap();
    });
}

#[test]
fn the_vm_resource_shows_both_identity_kinds_and_imds_names_it() {
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let auditor = Identity::user_assigned("id-auditor").client_id;
    block(async {
        let http = crate::support::emulator::client();
        let imds = emulator.identity_endpoint().trim_end_matches('/').to_owned();
        let compute: Value = http
            .get(format!("{imds}/metadata/instance/compute?api-version=2021-02-01"))
            .header("Metadata", "true")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let vm_id = emulator.control().vm_resource_id();
        assert_eq!(compute["resourceId"], vm_id.as_str());
        assert_eq!(compute["name"], demo::VM_NAME);
        let bare = http.get(format!("{imds}/metadata/instance?api-version=2021-02-01")).send().await.unwrap();
        assert_eq!(bare.status(), StatusCode::BAD_REQUEST, "the Metadata header is required");

        let url = format!("{}{vm_id}?api-version=2024-07-01", emulator.http_url());
        let vm = token(&emulator, ARM, None).await;
        let (status, body) = call(reqwest::Method::GET, &url, &vm, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["identity"]["type"], "SystemAssigned, UserAssigned");
        let system = Identity::system_assigned(demo::VM_NAME);
        assert_eq!(body["identity"]["principalId"], system.object_id.as_str());
        let users = body["identity"]["userAssignedIdentities"].as_object().unwrap();
        assert!(users.contains_key(&Identity::user_assigned("id-backup-operator").resource_id), "{users:?}");
        assert!(!users.contains_key(&Identity::user_assigned("id-build-agent").resource_id), "detached is not listed");

        let audit = token(&emulator, ARM, Some(&auditor)).await;
        let (status, body) = call(reqwest::Method::GET, &url, &audit, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("Microsoft.Compute/virtualMachines/read"));
    });
}

/// The SAS fallback (control-plane issue): a Storage Account Contributor identity gets a
/// short-lived, read-and-list, HTTPS-only share SAS through `ListServiceSas`, connects
/// with it and lists; a write is refused; Reader may not make one; the SAS's signature
/// appears nowhere in the request log.
#[test]
fn the_sas_fallback_connects_lists_and_leaves_no_sas_in_the_log() {
    use azfx_core::auth::IdentitySelector;
    use azfx_core::worker::{ConnectionConfig, CredentialConfig, ServiceSasRequest, Worker};
    let emulator = azfx_emulator::Emulator::start(&azfx_emulator::EmulatorConfig {
        https: true,
        demo: true,
        ..azfx_emulator::EmulatorConfig::default()
    })
    .unwrap();
    let config = |selector: IdentitySelector| {
        let credential = CredentialConfig::ManagedIdentity(selector);
        let mut config = ConnectionConfig::new(&emulator.file_endpoint(demo::ACCOUNT), credential);
        config.imds_endpoint = Some(emulator.identity_endpoint());
        config.ca_pem = emulator.ca_pem().map(|pem| pem.as_bytes().to_vec());
        config
    };
    let request =
        || ServiceSasRequest { share: demo::WRITABLE_SHARE.to_owned(), permissions: "rl".to_owned(), minutes: 15 };
    let worker = Worker::spawn(|| {}).unwrap();
    let operator = IdentitySelector::ClientId(Identity::user_assigned("id-backup-operator").client_id);
    let connected = crate::support::engine::wait(worker.connect_with_service_sas(config(operator), request())).unwrap();
    assert!(connected.token.is_none(), "a SAS session has no token");
    let (_, listing) = worker.list_directory(demo::WRITABLE_SHARE, "");
    let entries = crate::support::engine::wait(listing).expect("the SAS lists its share");
    assert!(entries > 0, "entries listed");
    let refused =
        crate::support::engine::wait(worker.create_directory(demo::WRITABLE_SHARE, "not-with-rl")).unwrap_err();
    assert!(refused.error.to_string().contains("AuthorizationPermissionMismatch"), "{}", refused.error);
    // Explained as the SAS's permissions, not as a missing role.
    assert_eq!(refused.diagnosis.class, azfx_core::diagnose::Class::SasDoesNotAllow, "{:?}", refused.diagnosis);
    assert!(!refused.diagnosis.next_steps.join(" ").contains("az role assignment"), "{:?}", refused.diagnosis);

    let log = worker.request_log();
    let files: Vec<_> = log.iter().filter(|e| e.kind == azfx_core::http::ExchangeKind::Files).collect();
    assert!(!files.is_empty());
    for entry in &log {
        let text = format!("{entry:?}");
        assert!(!text.contains("serviceSasToken"), "no SAS answer in the log: {text}");
        for pair in entry.url.split(['?', '&']).filter(|p| p.starts_with("sig=")) {
            assert_eq!(pair, "sig=REDACTED", "{}", entry.url);
        }
    }
    assert!(format!("{connected:?}").find("sig=").is_none(), "nor in what the window is told");

    // The same from the command line: `azfx ls … --sas-from-arm rl`; nothing of the SAS
    // on its output, and the log folder of this run holds no signature either.
    let home = tempfile::tempdir().unwrap();
    let ca = home.path().join("ca.pem");
    std::fs::write(&ca, emulator.ca_pem().unwrap()).unwrap();
    let url = format!("{}/{}", emulator.file_endpoint(demo::ACCOUNT), demo::WRITABLE_SHARE);
    let client_id = format!("client-id={}", Identity::user_assigned("id-backup-operator").client_id);
    let args = [
        "ls",
        &url,
        "--identity",
        &client_id,
        "--sas-from-arm",
        "rl",
        "--sas-minutes",
        "10",
        "--ca-file",
        ca.to_str().unwrap(),
    ];
    let output = crate::support::cli::azfx_command(&emulator, home.path(), &args).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("reports"), "{stdout}");
    assert!(!stdout.contains("sig=") && !stderr.contains("sig="), "{stdout}{stderr}");
    for file in walkdir(home.path()) {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(!text.contains("serviceSasToken") && !text.contains("sp=rl&"), "a SAS in {}", file.display());
    }

    // An account that refuses key-based access gets no SAS that could not work, and
    // permissions are checked before anything is asked.
    emulator.control().set_shared_key_access(demo::ACCOUNT, false).unwrap();
    let operator = || IdentitySelector::ClientId(Identity::user_assigned("id-backup-operator").client_id);
    let refused =
        crate::support::engine::wait(worker.connect_with_service_sas(config(operator()), request())).unwrap_err();
    assert!(refused.error.to_string().contains("allowSharedKeyAccess is off"), "{}", refused.error);
    emulator.control().set_shared_key_access(demo::ACCOUNT, true).unwrap();
    let bad = ServiceSasRequest { permissions: "rx".to_owned(), ..request() };
    let refused = crate::support::engine::wait(worker.connect_with_service_sas(config(operator()), bad)).unwrap_err();
    assert!(refused.error.to_string().contains("letters of rcwdl"), "{}", refused.error);

    // A plain-HTTP endpoint gets no HTTPS-only SAS (it would be refused on every request).
    let plain = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let mut http_config =
        ConnectionConfig::new(&plain.file_endpoint(demo::ACCOUNT), CredentialConfig::ManagedIdentity(operator()));
    http_config.imds_endpoint = Some(plain.identity_endpoint());
    let refused = crate::support::engine::wait(worker.connect_with_service_sas(http_config, request())).unwrap_err();
    assert!(refused.error.to_string().contains("for HTTPS only"), "{}", refused.error);

    // Reader cannot make one: the answer names the action.
    let mut vm = Worker::spawn(|| {}).unwrap();
    let failure =
        crate::support::engine::wait(vm.connect_with_service_sas(config(IdentitySelector::SystemAssigned), request()))
            .unwrap_err();
    assert!(failure.error.to_string().contains("ListServiceSas/action"), "{}", failure.error);
    assert_eq!(failure.diagnosis.class, azfx_core::diagnose::Class::ArmNoControlPlaneRole);
    assert_eq!(failure.diagnosis.title, "This identity may not make a SAS for this account");
    let vm_oid = Identity::system_assigned(demo::VM_NAME).object_id;
    assert!(
        failure.diagnosis.next_steps[0].contains(&format!("--assignee-object-id {vm_oid}")),
        "{:?}",
        failure.diagnosis
    );
    assert!(
        failure.diagnosis.next_steps[0].contains("--role \"Storage Account Contributor\""),
        "{:?}",
        failure.diagnosis
    );
    assert!(
        failure.diagnosis.next_steps[0].contains("/storageAccounts/azfxdemo\""),
        "the refused scope: {:?}",
        failure.diagnosis
    );
    // The request log's entry for that 403 says the same.
    std::thread::sleep(Duration::from_millis(100));
    let logged: Vec<_> = vm
        .poll_events()
        .into_iter()
        .filter_map(|e| match e {
            azfx_core::worker::Event::RequestLogged(entry, Some(diagnosis)) if entry.status == Some(403) => {
                Some(diagnosis.title)
            }
            _ => None,
        })
        .collect();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0], failure.diagnosis.title, "one failure, one explanation");
}

/// Every file under `dir`.
fn walkdir(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walkdir(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The SAS fallback in the window (kittest): Advanced → "Connect through a short-lived
/// share SAS…" connects with a SAS the identity makes (read and list by default) and
/// lists; the request log shows the signature redacted only.
#[test]
fn the_connect_page_connects_through_a_sas_made_with_the_identity() {
    use egui_kittest::kittest::Queryable;
    let emulator = azfx_emulator::Emulator::start(&azfx_emulator::EmulatorConfig {
        https: true,
        demo: true,
        ..azfx_emulator::EmulatorConfig::default()
    })
    .unwrap();
    let downloads = tempfile::tempdir().unwrap();
    let ca = emulator.ca_pem().map(|pem| pem.as_bytes().to_vec());
    let operator = Identity::user_assigned("id-backup-operator").client_id;
    let mut harness =
        crate::support::window::app_tweaked(&emulator, demo::WRITABLE_SHARE, downloads.path(), move |options| {
            if let Some(connection) = &mut options.connection {
                connection.ca_pem = ca;
                connection.credential = azfx_core::worker::CredentialConfig::ManagedIdentity(
                    azfx_core::auth::IdentitySelector::ClientId(operator),
                );
            }
        });
    crate::support::window::wait_for(&mut harness, "the share root", |h| crate::support::window::shows(h, "reports"));
    harness.get_by_label("Disconnect").click();
    harness.run_steps(3);
    harness.get_by_label("Share").click();
    harness.step();
    harness.get_by_label("Share").type_text(demo::WRITABLE_SHARE);
    harness.get_by_label("Advanced").click();
    harness.run_steps(2);
    harness.get_by_label("Connect through a short-lived share SAS made with this identity").click();
    harness.run_steps(2);
    assert_eq!(harness.get_by_label("SAS permissions").value().as_deref(), Some("rl"), "least privilege by default");
    harness.get_by_label("Connect").click();
    crate::support::window::wait_for(&mut harness, "the share through the SAS", |h| {
        h.state().browser().is_some_and(|b| !b.loading() && b.error.is_none() && !b.entries.is_empty())
    });
    assert!(crate::support::window::shows(&harness, "reports"));
    let log = &harness.state().log_panel;
    assert!(log.entries.iter().any(|e| e.url.contains("sig=REDACTED")), "the Files requests carried the SAS");
    assert!(!log.entries.iter().any(|e| format!("{e:?}").contains("serviceSasToken")));
    // Nor in the diagnostic bundle or the settings.
    let bundle = harness.state().diagnostic_bundle();
    // (A SAS's other fields are no secret; its signature is.)
    assert!(!bundle.contains("serviceSasToken"), "no ListServiceSas answer in the bundle");
    for (at, _) in bundle.match_indices("sig=") {
        assert!(bundle[at..].starts_with("sig=REDACTED"), "{}", &bundle[at..at + 40]);
    }
    let settings = format!("{:?}", harness.state().settings);
    assert!(!settings.contains("sig="), "{settings}");
}
