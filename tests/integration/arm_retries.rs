//! Resource Manager calls go through the same exchange loop as Files and the identity
//! endpoints (`http::exchange`): a 503 and a connection reset are sent again within the
//! retry policy, a 403 never is.

use std::time::Duration;

use azfx_emulator::demo;
use azfx_emulator::{Fault, FaultTarget};

fn discover(emulator: &azfx_emulator::Emulator, home: &std::path::Path) -> (Option<i32>, String, String) {
    let base = emulator.file_endpoint(demo::ACCOUNT).trim_end_matches(&format!("/{}", demo::ACCOUNT)).to_owned();
    let output =
        crate::support::cli::azfx_command(emulator, home, &["discover", "--arm-endpoint", &base]).output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn resource_manager_503_and_reset_are_retried() {
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let home = tempfile::tempdir().unwrap();
    let (code, calm, err) = discover(&emulator, home.path());
    assert_eq!(code, Some(0), "{err}");
    let control = emulator.control();
    // The first read answers 503 (Retry-After: 1), the next one's connection drops part way.
    control.inject(FaultTarget::Arm, &Fault::Status { status: 503, retry_after_secs: Some(1) }, 1);
    control.inject(FaultTarget::Arm, &Fault::ResetMidBody { after_bytes: 0 }, 1);
    let before = control.requests();
    let started = std::time::Instant::now();
    let (code, out, err) = discover(&emulator, home.path());
    assert_eq!(code, Some(0), "both failures were sent again: {err}");
    assert_eq!(out, calm, "the same tree as without faults");
    assert!(started.elapsed() >= Duration::from_secs(1), "waited as Retry-After said");
    let calm_requests = {
        let before = control.requests();
        discover(&emulator, home.path());
        control.requests() - before
    };
    let faulted = control.requests() - before - calm_requests;
    assert_eq!(faulted, calm_requests + 2, "exactly the two failed reads were sent again");
}

#[test]
fn resource_manager_403_is_never_retried() {
    let emulator = crate::support::window::demo_emulator(Duration::from_secs(3600));
    let home = tempfile::tempdir().unwrap();
    let control = emulator.control();
    control.inject(FaultTarget::Arm, &Fault::Status { status: 403, retry_after_secs: None }, 1);
    // Had it been sent again, the second attempt would have found Resource Manager well.
    let (code, _, err) = discover(&emulator, home.path());
    assert_ne!(code, Some(0), "the 403 is the answer: {err}");
    assert!(err.contains("403") || err.contains("Forbidden") || err.contains("role"), "{err}");
}
