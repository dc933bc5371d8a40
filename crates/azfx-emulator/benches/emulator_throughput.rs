//! Emulator throughput on loopback: ranged GETs of 4 MiB, 16 in flight, over HTTP, and
//! Put Range uploads the same way. A benchmark, not a test: run it with
//! `scripts/bench-emulator.sh` (release build) and copy the figures into the README.

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]
#![expect(clippy::cast_precision_loss, reason = "byte counts far below 2^52 become GB/s")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use azfx_emulator::{Emulator, EmulatorConfig, Identity, Role, Scope};
use futures_util::StreamExt;

const RANGE_BYTES: u64 = 4 * 1024 * 1024;
const PARALLEL: usize = 16;
const FILE_BYTES: u64 = 256 * 1024 * 1024;
const ROUNDS: usize = 5;

struct Target {
    client: reqwest::Client,
    url: String,
    token: String,
}

async fn download_round(target: &Arc<Target>, ranges: u64) -> anyhow::Result<u64> {
    let results = futures_util::stream::iter(0..ranges)
        .map(|i| {
            let target = Arc::clone(target);
            async move {
                let start = (i * RANGE_BYTES) % FILE_BYTES;
                let response = target
                    .client
                    .get(&target.url)
                    .bearer_auth(&target.token)
                    .header("x-ms-version", "2025-05-05")
                    .header("x-ms-file-request-intent", "backup")
                    .header("x-ms-range", format!("bytes={start}-{}", start + RANGE_BYTES - 1))
                    .send()
                    .await?
                    .error_for_status()?;
                let mut bytes = 0_u64;
                let mut stream = response.bytes_stream();
                while let Some(chunk) = stream.next().await {
                    bytes += chunk?.len() as u64;
                }
                anyhow::Ok(bytes)
            }
        })
        .buffer_unordered(PARALLEL)
        .collect::<Vec<_>>()
        .await;
    results.into_iter().sum()
}

async fn upload_round(target: &Arc<Target>, ranges: u64) -> anyhow::Result<u64> {
    let body = bytes::Bytes::from(vec![0x5a_u8; usize::try_from(RANGE_BYTES)?]);
    let results = futures_util::stream::iter(0..ranges)
        .map(|i| {
            let target = Arc::clone(target);
            let body = body.clone();
            async move {
                let start = (i * RANGE_BYTES) % FILE_BYTES;
                target
                    .client
                    .put(format!("{}?comp=range", target.url))
                    .bearer_auth(&target.token)
                    .header("x-ms-version", "2025-05-05")
                    .header("x-ms-file-request-intent", "backup")
                    .header("x-ms-write", "update")
                    .header("x-ms-range", format!("bytes={start}-{}", start + RANGE_BYTES - 1))
                    .body(body)
                    .send()
                    .await?
                    .error_for_status()?;
                anyhow::Ok(RANGE_BYTES)
            }
        })
        .buffer_unordered(PARALLEL)
        .collect::<Vec<_>>()
        .await;
    results.into_iter().sum()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let emulator = Emulator::start(&EmulatorConfig::default())?;
    let control = emulator.control();
    control.add_account("bench");
    control.create_share("bench", "data", 100)?;
    let vm = Identity::system_assigned("bench-vm");
    control.add_identity(vm.clone());
    control.assign_role(&vm.object_id, Role::StorageFileDataPrivilegedContributor, Scope::Account("bench".into()));
    let token = control.mint_token(&vm.object_id, "https://storage.azure.com/", 0, 3600)?;
    let pattern: Vec<u8> = (0..FILE_BYTES).map(|i| (i % 251) as u8).collect();
    control.put_file("bench", "data", "big.bin", &pattern)?;
    drop(pattern);

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let client = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(PARALLEL).build()?;
    let target = Arc::new(Target { client, url: format!("{}/data/big.bin", emulator.file_endpoint("bench")), token });
    let ranges = FILE_BYTES / RANGE_BYTES;
    runtime.block_on(async {
        // Warm up connections and the page cache.
        download_round(&target, ranges).await?;
        let mut down = Vec::new();
        let mut up = Vec::new();
        for _ in 0..ROUNDS {
            let started = Instant::now();
            let bytes = download_round(&target, ranges).await?;
            down.push(bytes as f64 / started.elapsed().as_secs_f64() / 1e9);
            let started = Instant::now();
            let bytes = upload_round(&target, ranges).await?;
            up.push(bytes as f64 / started.elapsed().as_secs_f64() / 1e9);
        }
        println!(
            "emulator over HTTP on loopback, {PARALLEL} parallel 4 MiB ranges, {} MiB per round, median of {ROUNDS}:",
            FILE_BYTES >> 20
        );
        println!(
            "  ranged GET  {:.2} GB/s (min {:.2}, max {:.2})",
            median(down.clone()),
            down.iter().copied().fold(f64::MAX, f64::min),
            down.iter().copied().fold(0.0, f64::max)
        );
        println!(
            "  Put Range   {:.2} GB/s (min {:.2}, max {:.2})",
            median(up.clone()),
            up.iter().copied().fold(f64::MAX, f64::min),
            up.iter().copied().fold(0.0, f64::max)
        );
        anyhow::Ok(())
    })?;
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}
