//! SMB readiness (control-plane issue) against the emulator's Resource Manager, through
//! the worker API the window and `azfx doctor --smb` use: each verdict — port closed,
//! wrong identity source, no SMB role, both identity kinds, the Kerberos client setting
//! off on Windows — and the mount command when ready.

use std::time::Duration;

use azfx_core::auth::IdentitySelector;
use azfx_core::diagnose::Class;
use azfx_core::worker::{ClientOs, ConnectionConfig, CredentialConfig, SmbCheck, SmbReadiness, Worker};
use azfx_emulator::{Emulator, demo};

use crate::support::engine::wait;

fn check(emulator: &Emulator, account: &str, share: &str, port: u16, client: ClientOs) -> SmbReadiness {
    let worker = Worker::spawn(|| {}).unwrap();
    let credential = CredentialConfig::ManagedIdentity(IdentitySelector::SystemAssigned);
    let mut config = ConnectionConfig::new(&emulator.file_endpoint(account), credential);
    config.imds_endpoint = Some(emulator.identity_endpoint());
    let check = SmbCheck { share: share.to_owned(), client: Some(client), port };
    wait(worker.smb_readiness(config, check)).unwrap()
}

fn classes(readiness: &SmbReadiness) -> Vec<Class> {
    readiness.verdicts.iter().map(|v| v.class).collect()
}

/// A port that answers (a listener kept for the test) and one that does not.
fn ports() -> (std::net::TcpListener, u16, u16) {
    let open = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let port = open.local_addr().unwrap().port();
    (open, port, closed)
}

#[test]
fn a_share_with_an_smb_role_on_an_smb_oauth_account_is_ready_with_the_mount_command() {
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let (_listener, open, closed) = ports();

    // `restricted`: the VM holds an SMB share role; the demo account has SMB OAuth on.
    let ready = check(&emulator, demo::ACCOUNT, demo::NO_ROLE_SHARE, open, ClientOs::Linux);
    assert!(ready.ready, "{ready:#?}");
    assert_eq!(classes(&ready), [Class::SmbReady, Class::SmbBothIdentities], "{ready:#?}");
    let mount = ready.mount.join("\n");
    assert!(mount.contains("azfilesauthmanager set https://127.0.0.1 --system"), "{mount}");
    assert!(mount.contains("mount -t cifs //127.0.0.1/restricted /mnt/restricted -o sec=krb5,"), "{mount}");
    assert!(!mount.contains("username="), "the system-assigned identity names no client id: {mount}");
    let windows = check(
        &emulator,
        demo::ACCOUNT,
        demo::NO_ROLE_SHARE,
        open,
        ClientOs::Windows { kerberos_ticket_retrieval: None },
    );
    assert!(windows.mount.iter().any(|l| l == "net use Z: \\\\127.0.0.1\\restricted"), "{:?}", windows.mount);

    // Port 445 closed: not ready, and said first.
    let blocked = check(&emulator, demo::ACCOUNT, demo::NO_ROLE_SHARE, closed, ClientOs::Linux);
    assert!(!blocked.ready && blocked.mount.is_empty());
    assert_eq!(classes(&blocked)[0], Class::SmbPortBlocked, "{blocked:#?}");

    // `projects`: Privileged Contributor and Reader, no SMB role.
    let no_role = check(&emulator, demo::ACCOUNT, demo::WRITABLE_SHARE, open, ClientOs::Linux);
    assert!(classes(&no_role).contains(&Class::SmbNoRole), "{no_role:#?}");
    let grant = no_role.verdicts.iter().find(|v| v.class == Class::SmbNoRole).unwrap().next_steps[0].clone();
    assert!(grant.contains("\"Storage File Data SMB MI Admin\"") && !grant.contains("<subscription-id>"), "{grant}");
}

#[test]
fn an_entra_kerberos_account_refuses_managed_identities_and_checks_the_windows_client() {
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let (_listener, open, _) = ports();
    let client = ClientOs::Windows { kerberos_ticket_retrieval: Some(false) };
    let finance = check(&emulator, demo::FINANCE_ACCOUNT, "ledgers", open, client);
    assert!(!finance.ready, "{finance:#?}");
    let found = classes(&finance);
    for class in [Class::SmbWrongIdentitySource, Class::KerberosRequirements, Class::KerberosClientSettingOff] {
        assert!(found.contains(&class), "{class:?} in {found:?}");
    }
    let wrong = finance.verdicts.iter().find(|v| v.class == Class::SmbWrongIdentitySource).unwrap();
    assert!(wrong.cause.contains("identity source is AADKERB and SMB OAuth is off"), "{}", wrong.cause);
    assert!(wrong.next_steps[0].contains("serves users through AADKERB"), "{:?}", wrong.next_steps);
    assert!(wrong.next_steps[1].contains("--resource-group finance-rg --name azfxfinance --enable-smb-oauth true"));
    let setting = finance.verdicts.iter().find(|v| v.class == Class::KerberosClientSettingOff).unwrap();
    assert!(setting.next_steps[0].contains("/v CloudKerberosTicketRetrievalEnabled /t REG_DWORD /d 1"));
    let kerberos = finance.verdicts.iter().find(|v| v.class == Class::KerberosRequirements).unwrap();
    assert!(kerberos.next_steps[0].contains("[Storage Account] azfxfinance.file.core.windows.net"));

    // With the setting on, that verdict goes.
    let on = check(
        &emulator,
        demo::FINANCE_ACCOUNT,
        "ledgers",
        open,
        ClientOs::Windows { kerberos_ticket_retrieval: Some(true) },
    );
    assert!(!classes(&on).contains(&Class::KerberosClientSettingOff));
}

#[test]
fn azfx_doctor_smb_prints_the_verdicts_and_exits_by_the_first_blocker() {
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let (_listener, open, closed) = ports();
    let home = tempfile::tempdir().unwrap();
    let run = |port: u16| {
        let port = port.to_string();
        let args = [
            "doctor",
            "--smb",
            "--account",
            &emulator.file_endpoint(demo::ACCOUNT),
            "--share",
            demo::NO_ROLE_SHARE,
            "--smb-port",
            &port,
        ];
        let output = crate::support::cli::azfx_command(&emulator, home.path(), &args).output().unwrap();
        (output.status.code(), String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let (code, out) = run(open);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Ready to mount over SMB with this identity") && out.contains("SMB: ready to mount"), "{out}");
    assert!(out.contains("The VM has both a system- and a user-assigned identity"), "{out}");
    assert!(!out.contains("eyJ"), "no token in the output");
    let (code, out) = run(closed);
    assert_eq!(code, Some(7), "{out}");
    assert!(out.contains("SMB port 445 is blocked from this machine"), "{out}");
}

/// The SMB readiness window (Support → SMB readiness…, kittest): the verdicts for the
/// open share as a person reads them.
#[test]
fn the_window_shows_smb_readiness_for_the_open_share() {
    use egui_kittest::kittest::Queryable;
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let downloads = tempfile::tempdir().unwrap();
    let mut harness = crate::support::window::app(&emulator, demo::NO_ROLE_SHARE, downloads.path(), None);
    crate::support::window::wait_for(&mut harness, "the error panel", |h| {
        crate::support::window::shows_containing(h, "Could not list /restricted")
    });
    harness.get_by_label("Support").click();
    harness.run_steps(2);
    harness.get_by_label("SMB readiness…").click();
    crate::support::window::wait_for(&mut harness, "the verdicts", |h| {
        crate::support::window::shows(h, "Not ready to mount over SMB")
    });
    // Nothing listens on 445 here: the port verdict, and the two identities of the VM.
    assert!(crate::support::window::shows(&harness, "SMB port 445 is blocked from this machine"));
    assert!(crate::support::window::shows(&harness, "The VM has both a system- and a user-assigned identity"));
    assert!(!crate::support::window::shows(&harness, "Copy mount command"), "no mount command while something blocks");
}
