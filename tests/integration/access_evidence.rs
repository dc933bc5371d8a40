//! A 403 explained with evidence (control-plane issue): after a refusal the worker reads,
//! through Resource Manager with the same identity, the role assignments reaching the
//! share (share, account, resource group, subscription; groups too) and the diagnosis
//! says which role is missing, or that the one held is an SMB share role or a
//! control-plane role, or that it was assigned too recently to apply; the role command's
//! subscription and group are filled in. The request log tells the same.

use std::time::Duration;

use azfx_core::auth::IdentitySelector;
use azfx_core::diagnose::{Class, Diagnosis};
use azfx_core::worker::{ConnectionConfig, CredentialConfig, Event, Worker};
use azfx_emulator::model::DEMO_SUBSCRIPTION;
use azfx_emulator::{Emulator, Identity, Role, Scope, demo};

use crate::support::engine::wait;

/// A worker connected to the demo account as `selector`.
fn connect(emulator: &Emulator, selector: IdentitySelector) -> Worker {
    let worker = Worker::spawn(|| {}).unwrap();
    let credential = CredentialConfig::ManagedIdentity(selector);
    let mut config = ConnectionConfig::new(&emulator.file_endpoint(demo::ACCOUNT), credential);
    config.imds_endpoint = Some(emulator.identity_endpoint());
    wait(worker.connect(config)).unwrap();
    worker
}

/// A new user-assigned identity attached to the VM, with no role yet; its client id.
fn newcomer(emulator: &Emulator, name: &str) -> (IdentitySelector, String) {
    let identity = Identity::user_assigned(name);
    emulator.control().add_identity(identity.clone());
    (IdentitySelector::ClientId(identity.client_id), identity.object_id)
}

fn refused_listing(worker: &Worker, share: &str) -> Diagnosis {
    let (_, listing) = worker.list_directory(share, "");
    *wait(listing).expect_err("a 403").diagnosis
}

fn refused_mkdir(worker: &Worker, share: &str) -> Diagnosis {
    *wait(worker.create_directory(share, "azfx-evidence")).expect_err("a 403").diagnosis
}

/// The role command names the real subscription and group: no placeholder is left.
fn assert_filled_in(diagnosis: &Diagnosis, group: &str) {
    let steps = diagnosis.next_steps.join("\n");
    if steps.contains("az role assignment create") {
        assert!(steps.contains(&format!("/subscriptions/{DEMO_SUBSCRIPTION}/resourceGroups/{group}/")), "{steps}");
        assert!(!steps.contains("<subscription-id>") && !steps.contains("<resource-group>"), "{steps}");
    }
}

fn evidence(diagnosis: &Diagnosis) -> String {
    diagnosis.evidence.join("\n")
}

#[test]
fn smb_only_and_read_only_roles_are_named_with_their_scope() {
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let mut worker = connect(&emulator, IdentitySelector::SystemAssigned);

    // `restricted`: the VM holds an SMB share role there, which grants nothing over REST.
    let smb = refused_listing(&worker, demo::NO_ROLE_SHARE);
    assert_eq!(smb.class, Class::SmbRoleOnly, "{smb:#?}");
    assert!(smb.cause.contains("Storage File Data SMB Share Contributor on the share"), "{}", smb.cause);
    assert!(evidence(&smb).contains("Reader at the resource group"), "every role found is listed: {smb:#?}");
    assert!(smb.next_steps[0].contains("\"Storage File Data Privileged Reader\""));
    assert_filled_in(&smb, demo::RESOURCE_GROUP);

    // `archive`: Privileged Reader, and a write attempted.
    let write = refused_mkdir(&worker, demo::READ_ONLY_SHARE);
    assert_eq!(write.class, Class::NoWriteRole, "{write:#?}");
    assert!(evidence(&write).contains("Storage File Data Privileged Reader at the share"), "{write:#?}");
    assert!(write.next_steps[0].contains("\"Storage File Data Privileged Contributor\""));
    assert_filled_in(&write, demo::RESOURCE_GROUP);

    // The request log's 403s now carry the same explanations.
    let mut logged = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::time::Instant::now() < deadline && logged.len() < 2 {
        for event in worker.poll_events() {
            if let Event::Rediagnosed(updates) = event {
                logged.extend(updates.into_iter().map(|(_, d)| d.class));
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(logged.contains(&Class::SmbRoleOnly) && logged.contains(&Class::NoWriteRole), "{logged:?}");
}

#[test]
fn no_role_a_reader_at_the_group_a_group_role_and_a_fresh_grant() {
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let control = emulator.control();

    // No role at all: Resource Manager shows it nothing, and the diagnosis says so.
    let (nobody, _) = newcomer(&emulator, "id-nobody");
    let none = refused_listing(&connect(&emulator, nobody), demo::WRITABLE_SHARE);
    assert_eq!(none.class, Class::NoReadRole, "{none:#?}");
    assert!(evidence(&none).contains("shows no storage account azfxdemo to this identity"), "{none:#?}");

    // Reader on the resource group: control plane only.
    let (reader, reader_oid) = newcomer(&emulator, "id-reader");
    let group = Scope::ResourceGroup(DEMO_SUBSCRIPTION.to_owned(), demo::RESOURCE_GROUP.to_owned());
    control.assign_role(&reader_oid, Role::Reader, group.clone());
    let plane = refused_listing(&connect(&emulator, reader), demo::WRITABLE_SHARE);
    assert_eq!(plane.class, Class::ControlPlaneRoleOnly, "{plane:#?}");
    assert!(plane.cause.contains("holds Reader on the resource group"), "{}", plane.cause);
    assert_filled_in(&plane, demo::RESOURCE_GROUP);

    // A data role through a group: reads work, a write is refused and the group named.
    let (member, member_oid) = newcomer(&emulator, "id-member");
    let team = "3c5e7a9b-1d2f-4e6a-8b0c-2d4f6a8c0e1f";
    control.add_group_member(team, &member_oid);
    control.assign_role(team, Role::Reader, group);
    control.assign_role(team, Role::StorageFileDataPrivilegedReader, Scope::Account(demo::ACCOUNT.to_owned()));
    let worker = connect(&emulator, member);
    let (_, listing) = worker.list_directory(demo::WRITABLE_SHARE, "");
    wait(listing).expect("a role through a group grants reading");
    let write = refused_mkdir(&worker, demo::WRITABLE_SHARE);
    assert_eq!(write.class, Class::NoWriteRole, "{write:#?}");
    assert!(evidence(&write).contains(&format!("at the storage account ({}", "/subscriptions/")), "{write:#?}");
    assert!(evidence(&write).contains(&format!("through group {team}")), "{write:#?}");

    // A role assigned a minute ago, while assignments take ten minutes to apply.
    control.set_role_propagation(600);
    let (fresh, fresh_oid) = newcomer(&emulator, "id-fresh");
    control.assign_role(&fresh_oid, Role::Reader, Scope::Account(demo::ACCOUNT.to_owned()));
    let a_minute_ago = time::OffsetDateTime::now_utc().unix_timestamp() - 60;
    let share = Scope::Share(demo::ACCOUNT.to_owned(), demo::WRITABLE_SHARE.to_owned());
    control.assign_role_at(&fresh_oid, Role::StorageFileDataPrivilegedReader, share, a_minute_ago);
    let young = refused_listing(&connect(&emulator, fresh), demo::WRITABLE_SHARE);
    assert_eq!(young.class, Class::RoleNotYetEffective, "{young:#?}");
    assert!(evidence(&young).contains("assigned 1 minute ago"), "{young:#?}");
}

#[test]
fn the_demo_backup_operator_holds_an_smb_role_through_its_group() {
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let group = azfx_emulator::model::stable_guid("group", demo::DEMO_GROUP);
    let roles = emulator.control().role_assignments(&group);
    assert!(roles.iter().any(|a| a.role == Role::StorageFileDataSmbShareReader), "{roles:?}");
    // The backup operator's SMB readiness counts the group's role: no "no SMB role".
    let worker = Worker::spawn(|| {}).unwrap();
    let credential = CredentialConfig::ManagedIdentity(IdentitySelector::ClientId(
        Identity::user_assigned("id-backup-operator").client_id,
    ));
    let mut config = ConnectionConfig::new(&emulator.file_endpoint(demo::ACCOUNT), credential);
    config.imds_endpoint = Some(emulator.identity_endpoint());
    let check = azfx_core::worker::SmbCheck {
        share: demo::WRITABLE_SHARE.to_owned(),
        client: Some(azfx_core::worker::ClientOs::Linux),
        port: 9,
    };
    let readiness = wait(worker.smb_readiness(config, check)).unwrap();
    let classes: Vec<Class> = readiness.verdicts.iter().map(|v| v.class).collect();
    assert!(!classes.contains(&Class::SmbNoRole), "{readiness:#?}");
    let evidence = readiness.verdicts[0].evidence.join("\n");
    assert!(
        evidence.contains("Storage File Data SMB Share Reader at the storage account")
            && evidence.contains(&format!("through group {group}")),
        "{evidence}"
    );
}

/// Regression (tryout issue, input 7): `ls …/nosuchshare` was explained as "This identity
/// has a control-plane role only … Grant a data role … fileshares/nosuchshare", exit 5.
/// Where the identity can list the shares (here through Resource Manager: the jump box
/// holds Reader on the account and data roles on two shares only), a share that does not
/// exist is said not to exist, with the ones that do: in the worker's answer, in the
/// request log, in `ls` and in `doctor`.
#[test]
fn a_share_that_does_not_exist_is_not_explained_as_a_missing_role() {
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let mut worker = connect(&emulator, IdentitySelector::SystemAssigned);
    let diagnosis = refused_listing(&worker, "nosuchshare");
    assert_eq!(diagnosis.class, Class::ShareNotFound, "{diagnosis:?}");
    let evidence = diagnosis.evidence.join("\n");
    assert!(evidence.contains("projects") && evidence.contains("archive"), "names the shares that exist: {evidence}");
    let logged = worker.poll_events().into_iter().rev().find_map(|event| match event {
        Event::Rediagnosed(updates) => updates.into_iter().next().map(|(_, d)| d.class),
        _ => None,
    });
    assert_eq!(logged, Some(Class::ShareNotFound), "the request log says the same");
    // A share that exists, without a data role, is still explained as the missing role.
    assert_ne!(refused_listing(&worker, demo::NO_ROLE_SHARE).class, Class::ShareNotFound);

    let base = emulator.file_endpoint(demo::ACCOUNT);
    let listing = format!("{base}/nosuchshare");
    let ls: Vec<&str> = vec!["ls", &listing];
    let doctor: Vec<&str> = vec!["doctor", "--account", &base, "--share", "nosuchshare"];
    for command in [ls, doctor] {
        let (code, out, err) = crate::support::cli::azfx(&emulator, &command);
        let err = format!("{out}{err}");
        assert_eq!(code, azfx_core::worker::exit_code::NOT_FOUND, "{command:?}: {err}");
        assert!(err.contains("does not exist") && err.contains("projects"), "{command:?}: {err}");
        assert!(!err.contains("Grant a data role") && !err.contains("az role assignment"), "{command:?}: {err}");
    }
}
