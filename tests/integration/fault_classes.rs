//! azfx against the ways the service fails that the emulator could not produce before
//! (tryout issue, input 18): each armed the way `azfx emulator --fault` arms it, and
//! azfx answered through the worker API the window uses.

use std::time::{Duration, Instant};

use azfx_core::diagnose::Class;
use azfx_core::transfer::Conflict;
use azfx_core::transfer::copy::Item;
use azfx_emulator::rehearse::{Rehearsal as FaultArg, arm, parse as parse_fault};

use crate::support::emulator::{ACCOUNT, SHARE, start};
use crate::support::engine::{Engine, config, engine, wait};

#[test]
fn the_fault_flag_reads_each_fault_and_refuses_the_rest() {
    assert_eq!(parse_fault("listing-403"), Ok(FaultArg::Listing403));
    assert_eq!(parse_fault("listing-reset=2"), Ok(FaultArg::ListingReset(2)));
    assert_eq!(parse_fault("download-cut=1048576"), Ok(FaultArg::DownloadCut(1 << 20)));
    assert_eq!(parse_fault("stall=30"), Ok(FaultArg::Stall(30)));
    assert_eq!(parse_fault("copy-pending"), Ok(FaultArg::CopyPending));
    assert!(parse_fault("listing-reset=0").is_err() && parse_fault("stall").is_err() && parse_fault("x").is_err());
}

/// 403 on listing only: the listing is explained as the refusal it is, once (never
/// retried), while reading a file's properties still works.
#[test]
fn a_refusal_of_listings_alone() {
    let Engine { env, worker } = engine();
    env.emulator.control().put_file(ACCOUNT, SHARE, "docs/a.txt", b"a").unwrap();
    arm(env.emulator.control(), &FaultArg::Listing403);
    let before = env.emulator.control().files_requests();
    let (_, listing) = worker.list_directory(SHARE, "docs");
    let failure = wait(listing).unwrap_err();
    assert_eq!(failure.error.files_error().and_then(|e| e.status), Some(403));
    assert_ne!(failure.diagnosis.class, Class::Other, "explained: {:?}", failure.diagnosis);
    assert!(env.emulator.control().files_requests() - before <= 3, "never retried (look-ups aside)");
    assert!(wait(worker.properties(SHARE, "docs/a.txt", false)).is_ok(), "other reads still work");
}

/// A reset on the second page of a listing: the page is asked again and the listing is
/// whole, nothing twice.
#[test]
fn a_reset_on_a_listing_page() {
    let Engine { env, mut worker } = engine();
    let control = env.emulator.control();
    for i in 0..5_100 {
        control.put_file(ACCOUNT, SHARE, &format!("many/f{i:05}"), b"").unwrap();
    }
    arm(control, &FaultArg::ListingReset(2));
    let (task, listing) = worker.list_directory(SHARE, "many");
    assert_eq!(wait(listing).unwrap(), 5_100);
    let mut names = Vec::new();
    for event in worker.poll_events() {
        if let azfx_core::worker::Event::ListingPage { task: t, entries, .. } = event
            && t == task
        {
            names.extend(entries.into_iter().map(|e| e.name));
        }
    }
    let unique: std::collections::BTreeSet<_> = names.iter().collect();
    assert_eq!((names.len(), unique.len()), (5_100, 5_100), "every entry once");
    let log = worker.request_log();
    assert!(
        log.iter().any(|e| e.operation == "List directory" && e.transport_error.is_some() && e.recovered.is_some())
    );
}

/// A server that accepts and never answers: the attempt times out, is retried (a read
/// is safe to send again), and the request log says it was made good.
#[test]
fn a_server_that_accepts_and_never_answers() {
    let env = start();
    env.emulator.control().put_file(ACCOUNT, SHARE, "a.txt", b"a").unwrap();
    let worker = azfx_core::worker::Worker::spawn(|| {}).unwrap();
    let mut cfg = config(
        &env.emulator,
        azfx_core::worker::CredentialConfig::ManagedIdentity(azfx_core::auth::IdentitySelector::SystemAssigned),
    );
    cfg.attempt_timeout = Duration::from_secs(1);
    wait(worker.connect(cfg)).unwrap();
    arm(env.emulator.control(), &FaultArg::Stall(30));
    let started = Instant::now();
    let properties = wait(worker.properties(SHARE, "a.txt", false)).unwrap();
    assert_eq!(properties.size, Some(1));
    assert!(started.elapsed() < Duration::from_secs(10), "the timeout ended the wait, not the stall");
    let log = worker.request_log();
    let stalled = log.iter().find(|e| e.transport_error.is_some()).expect("the stalled attempt is logged");
    assert!(stalled.recovered.is_some() && !stalled.is_error(), "{stalled:?}");
}

/// A download body cut off part way: the range is fetched again, the file arrives whole
/// and verified, nothing is left half-written.
#[test]
fn a_download_body_cut_off_part_way() {
    let Engine { env, worker } = engine();
    let data: Vec<u8> = (0..9_usize << 20).map(|i| u8::try_from(i % 239).unwrap()).collect();
    env.emulator.control().put_file(ACCOUNT, SHARE, "cut.bin", &data).unwrap();
    arm(env.emulator.control(), &FaultArg::DownloadCut(1 << 20));
    let dir = tempfile::tempdir().unwrap();
    let (_, download) = worker.download(SHARE, "cut.bin", dir.path().join("cut.bin"), Conflict::Fail);
    wait(download).unwrap();
    assert_eq!(std::fs::read(dir.path().join("cut.bin")).unwrap(), data);
    assert!(crate::support::engine::no_temporary_files(dir.path()));
}

/// A copy the service leaves pending: azfx waits (polling at most every 5 s) until the
/// user cancels; the cancel aborts it, removes the temporary copy and leaves the
/// destination as it was.
#[test]
fn a_copy_left_pending_is_cancelled_cleanly() {
    let Engine { env, worker } = engine();
    let control = env.emulator.control();
    control.put_file(ACCOUNT, SHARE, "src/a.txt", b"new").unwrap();
    control.put_file(ACCOUNT, SHARE, "dst/a.txt", b"the user's").unwrap();
    arm(control, &FaultArg::CopyPending);
    let item = Item { path: "src/a.txt".to_owned(), is_directory: false };
    let (task, copy) = worker.copy(SHARE, vec![item], "dst", Conflict::Replace);
    std::thread::sleep(Duration::from_millis(1500));
    assert!(copy.ready().is_none(), "still waiting for the service");
    worker.cancel(task);
    assert!(wait(copy).is_err(), "cancelled");
    assert_eq!(crate::support::remote(&env, "dst/a.txt").unwrap(), b"the user's");
    let left = control.list(ACCOUNT, SHARE, "dst").unwrap();
    assert_eq!(left, ["a.txt"], "no temporary copy left: {left:?}");
}

/// An identity endpoint that accepts the request and never answers: the token request
/// times out and is explained as the endpoint not answering, once; nothing is asked again
/// by itself.
#[test]
fn an_identity_endpoint_that_never_answers() {
    let env = start();
    let worker = azfx_core::worker::Worker::spawn(|| {}).unwrap();
    let mut cfg = config(
        &env.emulator,
        azfx_core::worker::CredentialConfig::ManagedIdentity(azfx_core::auth::IdentitySelector::SystemAssigned),
    );
    cfg.identity_retry.attempt_timeout = Duration::from_secs(1);
    arm(env.emulator.control(), &parse_fault("identity-stall=30").unwrap());
    let started = Instant::now();
    let failure = wait(worker.connect(cfg)).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10), "the timeout ended the wait");
    assert_eq!(failure.diagnosis.class, Class::IdentityEndpointUnreachable, "{:?}", failure.diagnosis);
    let asked = env.emulator.control().identity_requests();
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(env.emulator.control().identity_requests(), asked, "not asked again by itself");
}
