//! What the CLI prints for the tryout issue's smaller inputs (item 12): `token --raw`
//! prints the token alone, `ls` of an account URL lists its shares, `put DIR` points to
//! `cp -r`.

use azfx_core::worker::exit_code;

use crate::support::cli::azfx;
use crate::support::emulator::{ACCOUNT, SHARE, start};

/// `token --raw` mixed the token into the table: now stdout holds the token alone (for
/// `TOKEN=$(azfx token --raw)`), who it is for goes to stderr.
#[test]
fn token_raw_prints_the_token_alone() {
    let env = start();
    let (code, out, err) = azfx(&env.emulator, &["token", "--raw"]);
    assert_eq!(code, exit_code::OK, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(lines[0].starts_with("eyJ") && lines[0].split('.').count() == 3, "a JWT alone");
    assert!(err.contains("token for ") && err.contains("fingerprint sha256:"), "{err}");
    let (_, table, _) = azfx(&env.emulator, &["token"]);
    assert!(!table.contains("eyJ"), "without --raw, never the token");
}

/// `ls` of an account URL refused ("names no share"); it lists the account's shares.
#[test]
fn ls_of_an_account_url_lists_its_shares() {
    let env = start();
    let (code, out, err) = azfx(&env.emulator, &["ls", &env.emulator.file_endpoint(ACCOUNT)]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert!(out.lines().any(|l| l.ends_with(&format!("{SHARE}/"))), "{out}");
    assert!(out.contains("1 share") || out.contains("shares"), "{out}");
}

/// `put DIR` failed without saying how to send a folder.
#[test]
fn put_of_a_folder_names_cp_r() {
    let env = start();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/{SHARE}/", env.emulator.file_endpoint(ACCOUNT));
    let (code, _, err) = azfx(&env.emulator, &["put", dir.path().to_str().unwrap(), &url]);
    assert_eq!(code, exit_code::USAGE, "{err}");
    assert!(err.contains("is a folder") && err.contains("azfx cp -r"), "{err}");
}
