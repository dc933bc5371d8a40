//! Azure Files' limits explained before or instead of a raw service error (tryout issue,
//! input 17): the largest file a share holds, and a replace that needs room for both
//! copies until the rename.

use azfx_core::worker::exit_code;

use crate::support::cli::azfx;
use crate::support::emulator::{ACCOUNT, SHARE, start};

/// A file over 4 TiB was sent anyway and ended in an unexplained 400 `InvalidHeaderValue`.
/// It is refused before any request, naming the limit.
#[test]
fn a_file_over_four_tib_is_refused_before_anything_is_sent() {
    let env = start();
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("huge.img");
    std::fs::File::create(&huge).unwrap().set_len((4 << 40) + 1).unwrap(); // sparse
    let before = env.emulator.control().files_requests();
    let url = format!("{}/{SHARE}/huge.img", env.emulator.file_endpoint(ACCOUNT));
    let (code, _, err) = azfx(&env.emulator, &["put", huge.to_str().unwrap(), &url]);
    assert_ne!(code, exit_code::OK);
    assert!(err.contains("up to 4 TiB") && err.contains("4398046511105 bytes"), "{err}");
    assert!(!err.contains("InvalidHeaderValue"), "{err}");
    let created = env.emulator.control().list(ACCOUNT, SHARE, "").unwrap();
    assert!(created.is_empty(), "nothing was created: {created:?}");
    // Connecting may list the share root; no Create File or Put Range was sent.
    assert!(env.emulator.control().files_requests() - before <= 2);
}

/// Replacing a 5 MiB file with 3 MiB of quota free said "share is full … does not leave
/// room for this size". A safe replace writes the new file beside the old one until the
/// rename: the message says so, with the numbers, and the old file is untouched.
#[test]
fn a_replace_without_room_for_both_copies_says_so_with_the_numbers() {
    let env = start();
    let control = env.emulator.control();
    control.create_share(ACCOUNT, "tight", 1).unwrap();
    let tight = azfx_emulator::Scope::Share(ACCOUNT.to_owned(), "tight".to_owned());
    control.assign_role(&env.writer.object_id, azfx_emulator::Role::StorageFileDataPrivilegedContributor, tight);
    control.create_sparse_file(ACCOUNT, "tight", "filler.bin", (1 << 30) - (8 << 20)).unwrap();
    let old: Vec<u8> = (0..5_usize << 20).map(|i| u8::try_from(i % 241).unwrap()).collect();
    control.put_file(ACCOUNT, "tight", "report.bin", &old).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("report.bin");
    std::fs::write(&new, vec![9_u8; 5 << 20]).unwrap();
    let url = format!("{}/tight/report.bin", env.emulator.file_endpoint(ACCOUNT));
    let (code, _, err) = azfx(&env.emulator, &["put", new.to_str().unwrap(), &url, "--overwrite", "true"]);
    assert_ne!(code, exit_code::OK);
    assert!(err.contains("safe replace writes the new 5.0 MiB beside the old file"), "{err}");
    assert!(err.contains("has 3.0 MiB (quota 1 GiB)"), "{err}");
    let kept = crate::support::block(async {
        env.req(reqwest::Method::GET, "tight/report.bin").send().await.unwrap().bytes().await.unwrap()
    });
    assert_eq!(kept.len(), old.len(), "the old file is as it was");
    assert_eq!(&kept[..], &old[..]);
    let names = control.list(ACCOUNT, "tight", "").unwrap();
    assert!(!names.iter().any(|n| n.starts_with(".azfx-")), "no temporary file left: {names:?}");
}
