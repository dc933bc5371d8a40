//! The emulator's Azure Resource Manager (control-plane issue): subscriptions with
//! `nextLink` paging, storage accounts and shares authorized at the URL's scope by a
//! control-plane role (403 `AuthorizationFailed` otherwise), `$expand=stats`, and ARM's own
//! 400 and 401 answers.

use crate::support::block;
use std::time::Duration;

use azfx_emulator::demo;
use reqwest::StatusCode;
use serde_json::Value;

/// A token of the demo VM for `resource`, from the emulated IMDS.
async fn token(client: &reqwest::Client, emulator: &azfx_emulator::Emulator, resource: &str) -> String {
    let url = format!(
        "{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource={resource}",
        emulator.identity_endpoint().trim_end_matches('/')
    );
    let answer: Value = client.get(url).header("Metadata", "true").send().await.unwrap().json().await.unwrap();
    answer["access_token"].as_str().unwrap().to_owned()
}

async fn get(client: &reqwest::Client, url: &str, token: &str) -> (StatusCode, Value) {
    let response = client.get(url).bearer_auth(token).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[test]
fn resource_manager_lists_what_the_identitys_roles_allow_in_pages() {
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let client = crate::support::emulator::client();
    let base = emulator.file_endpoint(demo::ACCOUNT).trim_end_matches(&format!("/{}", demo::ACCOUNT)).to_owned();
    block(async {
        let arm = token(&client, &emulator, "https://management.azure.com/").await;
        let storage = token(&client, &emulator, "https://storage.azure.com/").await;

        // Subscriptions: both, one per page when pages are small (the demo pages by two).
        emulator.control().set_arm_page_size(100);
        let (status, body) = get(&client, &format!("{base}/subscriptions?api-version=2022-12-01"), &arm).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let names: Vec<&str> =
            body["value"].as_array().unwrap().iter().map(|s| s["displayName"].as_str().unwrap()).collect();
        assert_eq!(names.len(), 2, "{body}");
        emulator.control().set_arm_page_size(1);
        let (_, first) = get(&client, &format!("{base}/subscriptions?api-version=2022-12-01"), &arm).await;
        assert_eq!(first["value"].as_array().unwrap().len(), 1);
        let next = first["nextLink"].as_str().expect("a nextLink").to_owned();
        let (_, second) = get(&client, &next, &arm).await;
        assert_eq!(second["value"].as_array().unwrap().len(), 1);
        assert!(second.get("nextLink").is_none(), "the last page has no nextLink");
        assert_ne!(first["value"][0]["subscriptionId"], second["value"][0]["subscriptionId"]);
        emulator.control().set_arm_page_size(100);

        // Accounts at the demo subscription: the VM's Reader is on its resource group, so
        // the subscription's list holds what that reaches (emulator_arm_actions has the
        // 403 of an identity with no control-plane role there).
        let sub = azfx_emulator::model::DEMO_SUBSCRIPTION;
        let url =
            format!("{base}/subscriptions/{sub}/providers/Microsoft.Storage/storageAccounts?api-version=2025-01-01");
        let (status, body) = get(&client, &url, &arm).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["value"][0]["name"], demo::ACCOUNT);

        // In finance, Reader at the resource group lists its account and shares.
        let (fsub, frg) = (demo::FINANCE_SUBSCRIPTION, demo::FINANCE_GROUP);
        let url = format!(
            "{base}/subscriptions/{fsub}/resourceGroups/{frg}/providers/Microsoft.Storage/storageAccounts?api-version=2025-01-01"
        );
        let (status, body) = get(&client, &url, &arm).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["value"][0]["name"], demo::FINANCE_ACCOUNT);
        let file = body["value"][0]["properties"]["primaryEndpoints"]["file"].as_str().unwrap();
        assert!(file.ends_with(&format!("/{}/", demo::FINANCE_ACCOUNT)), "{file}");

        // Shares of the demo account (Reader on the account), one with its usage.
        let account_id = format!(
            "/subscriptions/{sub}/resourceGroups/{}/providers/Microsoft.Storage/storageAccounts/{}",
            demo::RESOURCE_GROUP,
            demo::ACCOUNT
        );
        let url = format!("{base}{account_id}/fileServices/default/shares?api-version=2025-01-01");
        let (status, body) = get(&client, &url, &arm).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let shares: Vec<&str> = body["value"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(shares, ["archive", "projects", "restricted"]);
        assert_eq!(body["value"][1]["properties"]["shareQuota"], 100);
        let url =
            format!("{base}{account_id}/fileServices/default/shares/projects?api-version=2025-01-01&$expand=stats");
        let (_, share) = get(&client, &url, &arm).await;
        assert!(share["properties"]["shareUsageBytes"].as_u64().unwrap() > 0, "{share}");

        // ARM's own refusals: read throttling (429 with Retry-After), no api-version,
        // another audience, an unknown subscription.
        emulator.control().throttle_arm(1);
        let response =
            client.get(format!("{base}/subscriptions?api-version=2022-12-01")).bearer_auth(&arm).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()["retry-after"], "1");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "SubscriptionRequestsThrottled");
        let (status, body) = get(&client, &format!("{base}/subscriptions"), &arm).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("MissingApiVersionParameter"))
        );
        let (status, body) = get(&client, &format!("{base}/subscriptions?api-version=2022-12-01"), &storage).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"]["code"], "InvalidAuthenticationTokenAudience");
        let (status, body) = get(&client, &format!("{base}/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Storage/storageAccounts?api-version=2025-01-01"), &arm).await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("SubscriptionNotFound")));
    });
}

/// `azfx discover --json` (control-plane issue): the tree through the worker's Resource
/// Manager client; a subscription where the identity has no control-plane role says so,
/// and once it has one, its accounts and shares appear.
#[test]
fn azfx_discover_walks_subscriptions_accounts_and_shares() {
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let base = emulator.file_endpoint(demo::ACCOUNT).trim_end_matches(&format!("/{}", demo::ACCOUNT)).to_owned();
    let home = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["discover", "--arm-endpoint", base.as_str()];
        args.extend_from_slice(extra);
        let output = crate::support::cli::azfx_command(&emulator, home.path(), &args).output().unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    // Resource Manager throttles the first two reads: azfx waits as Retry-After says.
    emulator.control().throttle_arm(2);
    let started = std::time::Instant::now();
    let (code, out, err) = run(&[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(started.elapsed() >= Duration::from_secs(2), "waited out two 429s");
    assert!(out.contains("azfx finance") && out.contains("azfx demo"), "{out}");
    assert!(out.contains("restricted") && out.contains("ledgers"), "shares of both subscriptions: {out}");
    // The auditor holds a data role only: the subscription shows, its accounts cannot, and
    // the command says the answer is partial (exit 5, the refusal diagnosed on stderr),
    // with --json too.
    let auditor = format!("client-id={}", azfx_emulator::Identity::user_assigned("id-auditor").client_id);
    let (code, out, err) = run(&["--identity", &auditor]);
    assert_eq!(code, Some(azfx_core::worker::exit_code::FORBIDDEN), "{out}{err}");
    assert!(out.contains("no control-plane role (e.g. Reader) on this subscription"), "{out}");
    assert!(err.contains("no control-plane role") && err.contains("Grant Reader"), "the refusal is explained: {err}");
    let (code, out, err) = run(&["--identity", &auditor, "--json"]);
    assert_eq!(code, Some(azfx_core::worker::exit_code::FORBIDDEN), "{err}");
    let tree: Value = serde_json::from_str(&out).unwrap();
    assert!(tree.as_array().unwrap().iter().any(|s| !s["error"].is_null()), "{out}");
    // An identity with no role anywhere sees no subscription, and is told to name the account.
    let nobody = azfx_emulator::Identity::user_assigned("id-nobody");
    emulator.control().add_identity(nobody.clone());
    let (code, out, err) = run(&["--identity", &format!("client-id={}", nobody.client_id)]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("no subscription is visible to this identity") && out.contains("name the account and share"),
        "{out}"
    );

    let vm = azfx_emulator::Identity::system_assigned(demo::VM_NAME).object_id;
    let finance = azfx_emulator::Scope::Subscription(demo::FINANCE_SUBSCRIPTION.to_owned());
    emulator.control().assign_role(&vm, azfx_emulator::Role::Reader, finance);
    let (code, out, err) = run(&["--json"]);
    assert_eq!(code, Some(0), "{err}");
    let tree: Value = serde_json::from_str(&out).unwrap();
    let finance = tree.as_array().unwrap().iter().find(|s| s["subscription"]["name"] == "azfx finance").unwrap();
    assert!(finance["error"].is_null(), "{finance}");
    assert_eq!(finance["accounts"][0]["account"]["name"], demo::FINANCE_ACCOUNT);
    assert_eq!(finance["accounts"][0]["shares"][0]["name"], "ledgers");
    assert_eq!(finance["accounts"][0]["shares"][0]["quota_gib"], 20);
    assert!(finance["accounts"][0]["shares"][0]["usage_bytes"].is_u64(), "usage read per share: {finance}");
    let file = finance["accounts"][0]["account"]["file_endpoint"].as_str().unwrap();
    assert!(file.starts_with(&base), "the Files endpoint the emulator serves: {file}");
    assert!(!out.contains("eyJ"), "no token in the output");
}

/// The connect page's discovery tree (control-plane issue, kittest): Find accounts lists
/// subscriptions → accounts → shares for the form's identity, says which role is missing
/// where Resource Manager refuses, and a click on a share connects to it.
#[test]
fn the_connect_page_finds_accounts_and_connects_to_a_picked_share() {
    use egui_kittest::kittest::Queryable;
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let base = emulator.file_endpoint(demo::ACCOUNT).trim_end_matches(&format!("/{}", demo::ACCOUNT)).to_owned();
    let vm = azfx_emulator::Identity::system_assigned(demo::VM_NAME).object_id;
    let finance = azfx_emulator::Scope::Subscription(demo::FINANCE_SUBSCRIPTION.to_owned());
    emulator.control().assign_role(&vm, azfx_emulator::Role::Reader, finance);
    let mut harness = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1280.0, 900.0))
        .build_eframe(|cc| azfx_ui::AzfxApp::new(cc, azfx_ui::StartOptions::default()));
    harness.run_steps(2);
    harness.get_by_label("Advanced").click();
    harness.run_steps(2);
    harness.get_by_label("IMDS endpoint").click();
    harness.step();
    harness.get_by_label("IMDS endpoint").type_text(&emulator.identity_endpoint());
    harness.get_by_label("Resource Manager endpoint").click();
    harness.step();
    harness.get_by_label("Resource Manager endpoint").type_text(&base);
    harness.run_steps(2);
    harness.get_by_label("Find accounts").click();
    crate::support::window::wait_for(&mut harness, "the tree", |h| crate::support::window::shows(h, "ledgers"));
    assert!(crate::support::window::shows(&harness, demo::FINANCE_ACCOUNT));
    assert!(crate::support::window::shows(&harness, demo::NO_ROLE_SHARE), "the demo subscription's shares too");
    harness.get_by_label("ledgers").click();
    crate::support::window::wait_for(&mut harness, "the picked share", |h| {
        h.state().browser().is_some_and(|b| b.share == "ledgers" && !b.loading() && b.error.is_none())
    });
}

/// Role assignments and definitions (control-plane issue): the documented `$filter` forms,
/// group membership (`assignedTo` includes a group's roles, `principalId eq` does not),
/// `createdOn`, and data access through a group's role on the Files side.
#[test]
fn role_assignments_answer_every_filter_form_and_groups_count() {
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let client = crate::support::emulator::client();
    let base = emulator.file_endpoint(demo::ACCOUNT).trim_end_matches(&format!("/{}", demo::ACCOUNT)).to_owned();
    let control = emulator.control();
    let vm = azfx_emulator::Identity::system_assigned(demo::VM_NAME).object_id;
    let group = "7f3c2a10-0000-4000-8000-00000000a0f5";
    control.add_group_member(group, &vm);
    let account = azfx_emulator::Scope::Account(demo::ACCOUNT.to_owned());
    control.assign_role(group, azfx_emulator::Role::StorageAccountContributor, account);
    let account_id = format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Storage/storageAccounts/{}",
        azfx_emulator::model::DEMO_SUBSCRIPTION,
        demo::RESOURCE_GROUP,
        demo::ACCOUNT
    );
    emulator.control().set_arm_page_size(100);
    block(async {
        let arm = token(&client, &emulator, "https://management.azure.com/").await;
        let list = |filter: &str| {
            let mut url =
                format!("{base}{account_id}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01");
            if !filter.is_empty() {
                url.push_str(&format!("&$filter={}", percent_encode(filter)));
            }
            url
        };
        let roles = |body: &Value| -> Vec<(String, String)> {
            let mut found: Vec<(String, String)> = body["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| {
                    let definition = a["properties"]["roleDefinitionId"].as_str().unwrap();
                    let guid = definition.rsplit('/').next().unwrap().to_owned();
                    (a["properties"]["principalId"].as_str().unwrap().to_owned(), guid)
                })
                .collect();
            found.sort();
            found
        };
        let reader = azfx_emulator::Role::Reader.definition_id().to_owned();
        let contributor = azfx_emulator::Role::StorageAccountContributor.definition_id().to_owned();

        let (status, mine) = get(&client, &list(&format!("principalId eq '{vm}'")), &arm).await;
        assert_eq!(status, StatusCode::OK, "{mine}");
        let mine = roles(&mine);
        assert_eq!(mine.len(), 5, "Reader on the group and the account, three share roles below: {mine:?}");
        assert!(!mine.iter().any(|(p, _)| p == group), "principalId eq leaves the group out");

        let (_, through_groups) = get(&client, &list(&format!("assignedTo('{vm}')")), &arm).await;
        let kinds: Vec<&str> = through_groups["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["properties"]["principalType"].as_str().unwrap())
            .collect();
        assert!(kinds.contains(&"Group"), "{through_groups}");
        assert!(roles(&through_groups).contains(&(group.to_owned(), contributor)));
        assert_eq!(roles(&through_groups).len(), 6);

        let (_, at_scope) = get(&client, &list("atScope()"), &arm).await;
        let at_scope = roles(&at_scope);
        assert!(at_scope.contains(&(vm.clone(), reader.clone())), "{at_scope:?}");
        let vm_at_scope: Vec<&String> = at_scope.iter().filter(|(p, _)| *p == vm).map(|(_, role)| role).collect();
        assert_eq!(vm_at_scope, [&reader, &reader], "Reader on the group and the account; the share roles are below");

        let (_, first) = get(&client, &list(&format!("principalId eq '{vm}'")), &arm).await;
        assert!(first["value"][0]["properties"]["createdOn"].as_str().is_some_and(|c| c.starts_with("20")), "{first}");

        let definition = format!(
            "{base}/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{reader}?api-version=2022-04-01",
            azfx_emulator::model::DEMO_SUBSCRIPTION
        );
        let (status, body) = get(&client, &definition, &arm).await;
        assert_eq!((status, body["properties"]["roleName"].as_str()), (StatusCode::OK, Some("Reader")), "{body}");

        let subscription = format!(
            "{base}/subscriptions/{}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01",
            azfx_emulator::model::DEMO_SUBSCRIPTION
        );
        let (status, body) = get(&client, &subscription, &arm).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("Microsoft.Authorization/roleAssignments/read"));

        // Only the documented filter forms; principalId eq does not combine with atScope().
        let (status, body) = get(&client, &list(&format!("principalId eq '{vm}' and atScope()")), &arm).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let (status, _) = get(&client, &list(&format!("AssignedTo('{}')", vm.to_uppercase())), &arm).await;
        assert_eq!(status, StatusCode::OK, "function names and GUIDs in any case");
        // The account under another resource group is not the account: no role applies.
        let elsewhere = account_id.replace(demo::RESOURCE_GROUP, "other-rg");
        let url = format!("{base}{elsewhere}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01");
        let (status, body) = get(&client, &url, &arm).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        // A resource group named in another case is the same group.
        let (fsub, frg) = (demo::FINANCE_SUBSCRIPTION, demo::FINANCE_GROUP.to_uppercase());
        let url = format!(
            "{base}/subscriptions/{fsub}/resourceGroups/{frg}/providers/Microsoft.Storage/storageAccounts?api-version=2025-01-01"
        );
        let (status, body) = get(&client, &url, &arm).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    });

    // The Files side honours a role through a group too.
    let member = azfx_emulator::Identity::user_assigned("id-through-group");
    control.add_identity(member.clone());
    let readers = "0c1d2e3f-0000-4000-8000-0000000000b7";
    control.add_group_member(readers, &member.object_id);
    let share = azfx_emulator::Scope::Share(demo::ACCOUNT.to_owned(), demo::READ_ONLY_SHARE.to_owned());
    control.assign_role(readers, azfx_emulator::Role::StorageFileDataPrivilegedReader, share);
    block(async {
        let url = format!(
            "{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://storage.azure.com/&client_id={}",
            emulator.identity_endpoint().trim_end_matches('/'),
            member.client_id
        );
        let answer: Value = client.get(url).header("Metadata", "true").send().await.unwrap().json().await.unwrap();
        let token = answer["access_token"].as_str().unwrap();
        let list =
            format!("{}/{}?restype=directory&comp=list", emulator.file_endpoint(demo::ACCOUNT), demo::READ_ONLY_SHARE);
        let response = client
            .get(list)
            .bearer_auth(token)
            .header("x-ms-version", "2025-05-05")
            .header("x-ms-file-request-intent", "backup")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "a role through a group grants data access");
    });
}

fn percent_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Find accounts after Disconnect in a preset connection (as in the demo): the picked
/// share of another account opens there, with the same identity.
#[test]
fn a_share_found_from_a_preset_connection_opens_in_its_own_account() {
    use egui_kittest::kittest::Queryable;
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let base = emulator.file_endpoint(demo::ACCOUNT).trim_end_matches(&format!("/{}", demo::ACCOUNT)).to_owned();
    let vm = azfx_emulator::Identity::system_assigned(demo::VM_NAME).object_id;
    let finance = azfx_emulator::Scope::Subscription(demo::FINANCE_SUBSCRIPTION.to_owned());
    emulator.control().assign_role(&vm, azfx_emulator::Role::Reader, finance);
    let downloads = tempfile::tempdir().unwrap();
    let arm = base.clone();
    let mut harness =
        crate::support::window::app_tweaked(&emulator, demo::WRITABLE_SHARE, downloads.path(), move |options| {
            if let Some(connection) = &mut options.connection {
                connection.arm_endpoint = Some(arm);
            }
        });
    crate::support::window::wait_for(&mut harness, "the share root", |h| crate::support::window::shows(h, "reports"));
    harness.get_by_label("Disconnect").click();
    harness.run_steps(3);
    harness.get_by_label("Find accounts").click();
    crate::support::window::wait_for(&mut harness, "the tree", |h| crate::support::window::shows(h, "ledgers"));
    harness.get_by_label("ledgers").click();
    crate::support::window::wait_for(&mut harness, "the picked share", |h| {
        h.state()
            .browser()
            .is_some_and(|b| b.share == "ledgers" && b.endpoint.contains(demo::FINANCE_ACCOUNT) && !b.loading())
    });
    assert!(harness.state().browser().unwrap().error.is_none());
}

/// The discovery tree in the navigation pane (control-plane issue, kittest): while
/// connected, Other accounts → Find accounts lists what the identity reaches through
/// Resource Manager; the filter keeps only matching accounts and shares; a share of this
/// account opens in place, one of another account connects there with the same identity.
#[test]
fn the_navigation_pane_finds_filters_and_opens_shares_of_any_account() {
    use egui_kittest::kittest::Queryable;
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = crate::support::window::app(&emulator, demo::WRITABLE_SHARE, downloads.path(), None);
    crate::support::window::wait_for(&mut harness, "the share root", |h| crate::support::window::shows(h, "reports"));
    harness.get_by_label("Other accounts").click();
    harness.run_steps(2);
    harness.get_by_label("Find accounts").click();
    crate::support::window::wait_for(&mut harness, "the tree", |h| crate::support::window::shows(h, "ledgers"));
    assert!(crate::support::window::shows(&harness, demo::FINANCE_ACCOUNT));

    harness.get_by_label("Filter accounts and shares").click();
    harness.step();
    harness.get_by_label("Filter accounts and shares").type_text("arch");
    harness.run_steps(2);
    assert!(!crate::support::window::shows(&harness, "ledgers"), "filtered out");
    // The navigation tree has `archive` too: the discovery tree's link is drawn below it.
    harness.query_all_by_label("archive").last().unwrap().click();
    crate::support::window::wait_for(&mut harness, "archive opened in place", |h| {
        h.state().browser().is_some_and(|b| b.share == demo::READ_ONLY_SHARE && !b.loading())
    });
    let account = harness.state().session.as_ref().map(|s| s.connected.account.clone());
    assert_eq!(account.as_deref(), Some(demo::ACCOUNT), "no reconnect for this account's share");

    harness.get_by_label("Filter accounts and shares").click();
    harness.step();
    for _ in 0.."arch".len() {
        harness.key_press(egui::Key::Backspace);
    }
    harness.get_by_label("Filter accounts and shares").type_text("ledg");
    harness.run_steps(2);
    harness.get_by_label("ledgers").click();
    crate::support::window::wait_for(&mut harness, "the finance share", |h| {
        h.state().browser().is_some_and(|b| b.share == "ledgers" && !b.loading() && b.error.is_none())
    });
    let account = harness.state().session.as_ref().map(|s| s.connected.account.clone());
    assert_eq!(account.as_deref(), Some(demo::FINANCE_ACCOUNT), "connected there with the same identity");
}

/// Regression (tryout issue, input 11): with Resource Manager unreachable, `azfx discover`
/// said "No connection to the file endpoint" and advised port 443 "to the account".
#[test]
fn discover_names_resource_manager_when_it_cannot_be_reached() {
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let home = tempfile::tempdir().unwrap();
    let output = crate::support::cli::azfx_command(&emulator, home.path(), &["discover", "--arm-endpoint", &nowhere])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0));
    assert!(err.contains("No connection to Azure Resource Manager") && err.contains("management.azure.com"), "{err}");
    assert!(!err.contains("file endpoint") || err.contains("does not need Resource Manager"), "{err}");
}
