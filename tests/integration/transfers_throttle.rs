//! Adaptive concurrency (transfers issue, Build: "adaptive under throttling"): one limit
//! on a connection's requests in flight, halved when the service answers 503/429 (at
//! most once a second) and grown back one at a time when it is calm, so every transfer of
//! a throttled share sends less at once. Observed from the emulator's side: the most
//! Files requests it served at once.

use std::time::Duration;

use azfx_core::auth::IdentitySelector;
use azfx_core::files::RetryPolicy;
use azfx_core::transfer::Conflict;
use azfx_core::worker::{ConnectionConfig, CredentialConfig, Worker};
use azfx_emulator::demo;

use crate::support::engine::wait;

const SIZE: usize = 64 * 1024 * 1024;

#[test]
fn throttling_lowers_the_requests_in_flight_and_calm_raises_them_again() {
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let control = emulator.control();
    let worker = Worker::spawn(|| {}).unwrap();
    let credential = CredentialConfig::ManagedIdentity(IdentitySelector::SystemAssigned);
    let mut config = ConnectionConfig::new(&emulator.file_endpoint(demo::ACCOUNT), credential);
    config.imds_endpoint = Some(emulator.identity_endpoint());
    config.retry = RetryPolicy {
        max_attempts: 200,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        max_total: Duration::from_secs(120),
    };
    wait(worker.connect(config)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("big.bin");
    let data: Vec<u8> = (0..SIZE).map(|i| u8::try_from(i % 251).unwrap()).collect();
    std::fs::write(&src, &data).unwrap();
    let upload = |name: &str| {
        let (_, promise) = worker.upload(src.clone(), demo::WRITABLE_SHARE, name, Conflict::Replace);
        promise
    };

    // Every request takes 600 ms, as over a long link: ranges pile up to the limit rather
    // than waiting for the reader (on two cores shared with the rest of the test suite,
    // reading a debug build's ranges can be the bottleneck).
    control.set_latency(Duration::from_millis(600));
    // Calm: the file's ranges go eight at a time.
    control.reset_max_in_flight();
    wait(upload("calm.bin")).unwrap();
    let calm = control.max_in_flight();
    assert!(calm >= 7, "ranges in parallel when calm: {calm}");
    control.set_latency(Duration::from_millis(250));

    // The share answers 503 for 4.5 s while an upload runs: the limit halves each second.
    control.set_share_throttled(demo::ACCOUNT, demo::WRITABLE_SHARE, true).unwrap();
    let throttled = upload("throttled.bin");
    std::thread::sleep(Duration::from_millis(4500));
    control.reset_max_in_flight();
    let before = control.bytes_received();
    control.set_share_throttled(demo::ACCOUNT, demo::WRITABLE_SHARE, false).unwrap();
    // The first four ranges after the calm returns (16 MiB) go fewer at a time.
    while control.bytes_received() - before < 16 * 1024 * 1024 {
        std::thread::sleep(Duration::from_millis(2));
    }
    let after = control.max_in_flight();
    wait(throttled).unwrap();
    // Halved at each second of 503s (64 → 2 in 4.5 s), then one more per window of
    // successes: 3 or 4 at once over the first four ranges (5 allowed), where calm had 7 or 8.
    assert!(after <= 5 && after < calm, "fewer requests at once after throttling: {after} (calm: {calm})");

    // Calm again: the limit grows back to the file's eight ranges.
    wait(upload("again.bin")).unwrap();
    control.reset_max_in_flight();
    wait(upload("calm-again.bin")).unwrap();
    let again = control.max_in_flight();
    assert!(again >= 7, "grown back: {again} (calm: {calm})");

    eprintln!("requests in flight: calm {calm}, after throttling {after}, calm again {again}");
    let got = crate::ui_local_pane::emulator_file(&emulator, "throttled.bin");
    assert!(got == data, "the throttled upload arrived whole");
}
