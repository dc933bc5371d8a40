//! Fault injection: scheduled and random statuses, resets mid-body, latency, throttling.

use std::time::{Duration, Instant};

use azfx_emulator::{Fault, FaultTarget};
use reqwest::{Method, StatusCode};

use crate::support::{ACCOUNT, SHARE, expect_error, start};

#[tokio::test]
async fn scheduled_503_with_retry_after_then_success() {
    let env = start();
    env.emulator.control().inject(FaultTarget::Files, &Fault::Status { status: 503, retry_after_secs: Some(1) }, 2);
    for _ in 0..2 {
        let response = env.req(Method::GET, &format!("{SHARE}?restype=directory&comp=list")).send().await.unwrap();
        assert_eq!(response.headers()["retry-after"], "1");
        expect_error(response, StatusCode::SERVICE_UNAVAILABLE, "ServerBusy").await;
    }
    let response = env.req(Method::GET, &format!("{SHARE}?restype=directory&comp=list")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    env.emulator.control().inject(FaultTarget::Files, &Fault::Status { status: 500, retry_after_secs: None }, 1);
    let response = env.req(Method::GET, &format!("{SHARE}?restype=directory&comp=list")).send().await.unwrap();
    expect_error(response, StatusCode::INTERNAL_SERVER_ERROR, "InternalError").await;
}

#[tokio::test]
async fn reset_mid_body_breaks_the_download_once() {
    let env = start();
    env.emulator.control().put_file(ACCOUNT, SHARE, "data.bin", &vec![7_u8; 3 << 20]).unwrap();
    env.emulator.control().inject(FaultTarget::Files, &Fault::ResetMidBody { after_bytes: 1 << 20 }, 1);
    let response = env.req(Method::GET, &format!("{SHARE}/data.bin")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.bytes().await.is_err(), "the body must break");
    let response = env.req(Method::GET, &format!("{SHARE}/data.bin")).send().await.unwrap();
    assert_eq!(response.bytes().await.unwrap().len(), 3 << 20);
}

#[tokio::test]
async fn fault_rate_latency_and_throttled_share() {
    let env = start();
    let control = env.emulator.control();
    control.set_fault_rate(1.0, 503, Some(1));
    for _ in 0..5 {
        let response = env.req(Method::GET, &format!("{SHARE}?restype=directory&comp=list")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
    control.set_fault_rate(0.0, 503, None);
    control.set_latency(Duration::from_millis(300));
    let started = Instant::now();
    let response = env.req(Method::GET, &format!("{SHARE}?restype=directory&comp=list")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    control.set_latency(Duration::ZERO);
    control.set_share_throttled(ACCOUNT, SHARE, true).unwrap();
    let response = env.req(Method::GET, &format!("{SHARE}?restype=directory&comp=list")).send().await.unwrap();
    let body = expect_error(response, StatusCode::SERVICE_UNAVAILABLE, "ServerBusy").await;
    assert!(body.contains("Operations per second is over the account limit."));
}
