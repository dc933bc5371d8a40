//! Microsoft's Python SDK (`azure-storage-file-share` + `azure-identity`) against the
//! emulator over HTTPS. CI provides the interpreter through `AZFX_SDK_PYTHON` (a venv with
//! both packages); elsewhere the test says it was skipped, and on CI it must run.

use std::process::Command;

use azfx_emulator::{Emulator, EmulatorConfig, Identity, Role, Scope};

#[test]
fn official_python_sdk_runs_unchanged() {
    let Ok(python) = std::env::var("AZFX_SDK_PYTHON") else {
        assert!(std::env::var_os("CI").is_none(), "CI must set AZFX_SDK_PYTHON (see .ci/run)");
        eprintln!("skipped: set AZFX_SDK_PYTHON to a Python with azure-storage-file-share and azure-identity");
        return;
    };
    let emulator = Emulator::start(&EmulatorConfig { https: true, ..EmulatorConfig::default() }).unwrap();
    let control = emulator.control();
    control.add_account("sdkacct");
    control.create_share("sdkacct", "sdkshare", 10).unwrap();
    let vm = Identity::system_assigned("sdk-vm");
    let reader = Identity::user_assigned("sdk-reader");
    let norole = Identity::user_assigned("sdk-norole");
    let short = Identity::user_assigned("sdk-short").with_token_lifetime(std::time::Duration::from_secs(2));
    for identity in [&vm, &reader, &norole, &short] {
        control.add_identity(identity.clone());
    }
    let account = Scope::Account("sdkacct".into());
    control.assign_role(&vm.object_id, Role::StorageFileDataPrivilegedContributor, account.clone());
    control.assign_role(&vm.object_id, Role::Contributor, account.clone());
    control.assign_role(&reader.object_id, Role::StorageFileDataPrivilegedReader, account.clone());
    control.assign_role(&short.object_id, Role::StorageFileDataPrivilegedReader, account);
    let script = crate::support::repository_file("tests/sdk/conformance.py").display().to_string();
    let output = Command::new(python)
        .arg(script)
        .env("AZURE_POD_IDENTITY_AUTHORITY_HOST", emulator.identity_endpoint())
        .env("AZFX_ACCOUNT_URL", emulator.file_endpoint("sdkacct"))
        .env("AZFX_CA", emulator.ca_path().unwrap())
        .env("AZFX_READER_CLIENT_ID", &reader.client_id)
        .env("AZFX_NOROLE_CLIENT_ID", &norole.client_id)
        .env("AZFX_SHORT_CLIENT_ID", &short.client_id)
        .env("AZFX_ACCOUNT_KEY", control.account_key("sdkacct").unwrap())
        .env_remove("HTTPS_PROXY")
        .env_remove("HTTP_PROXY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprintln!("{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the SDK conformance script failed");
    assert!(stdout.lines().any(|l| l.ends_with(" passed, 0 failed")), "{stdout}");
}
