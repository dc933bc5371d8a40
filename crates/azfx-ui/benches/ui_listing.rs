//! The window on a 100 000-entry folder, headless (`egui_kittest`, no GPU): time to the
//! first rows on screen, time until every row is listed, UI frame time while scrolling
//! and while 8 transfers run, and memory per listed entry. A benchmark, not a test: run
//! `cargo bench --bench ui_listing` and copy the figures into the README.

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]
#![expect(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    reason = "timings and byte counts shown as floats"
)]

use std::time::{Duration, Instant};

use azfx_core::worker::{ConnectionConfig, CredentialConfig};
use azfx_emulator::{Emulator, EmulatorConfig, Identity, Role, Scope};
use azfx_ui::{AzfxApp, StartOptions};
use egui_kittest::Harness;

const ENTRIES: usize = 100_000;

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    let index = ((samples.len() as f64 - 1.0) * p).round();
    samples[usize::try_from(index as i64).unwrap_or(0).min(samples.len() - 1)]
}

fn frame_ms(harness: &mut Harness<'_, AzfxApp>) -> f64 {
    let started = Instant::now();
    harness.step();
    started.elapsed().as_secs_f64() * 1000.0
}

fn main() -> anyhow::Result<()> {
    let emulator = Emulator::start(&EmulatorConfig::default())?;
    let control = emulator.control();
    control.add_account("bench");
    control.create_share("bench", "data", 100)?;
    let vm = Identity::system_assigned("bench-vm");
    control.add_identity(vm.clone());
    control.assign_role(&vm.object_id, Role::StorageFileDataPrivilegedContributor, Scope::Account("bench".into()));
    for i in 0..ENTRIES {
        control.create_sparse_file("bench", "data", &format!("big/event-{i:06}.json"), (i as u64 % 4096) + 1)?;
    }
    for i in 0..8 {
        control.create_sparse_file("bench", "data", &format!("transfers/blob-{i}.bin"), 512 << 20)?;
    }
    let mut config = ConnectionConfig::new(
        &emulator.file_endpoint("bench"),
        CredentialConfig::ManagedIdentity(azfx_core::auth::IdentitySelector::SystemAssigned),
    );
    config.imds_endpoint = Some(emulator.identity_endpoint());
    let downloads = tempfile::tempdir()?;
    let options = StartOptions {
        connection: Some(config),
        share: Some("data".to_owned()),
        download_dir: Some(downloads.path().to_owned()),
        ..StartOptions::default()
    };
    let mut harness =
        Harness::builder().with_size(egui::vec2(1280.0, 800.0)).build_eframe(move |cc| AzfxApp::new(cc, options));
    let until = |harness: &mut Harness<'_, AzfxApp>, done: &dyn Fn(&AzfxApp) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !done(harness.state()) && Instant::now() < deadline {
            harness.step();
            std::thread::sleep(Duration::from_millis(1));
        }
    };
    until(&mut harness, &|app| app.browser().is_some_and(|b| !b.loading()));

    // Open the big folder as a person would (the share root is listed already).
    let started = Instant::now();
    harness.state_mut().open_folder("big");
    until(&mut harness, &|app| app.browser().is_some_and(|b| !b.entries.is_empty()));
    let first_rows = started.elapsed();
    until(&mut harness, &|app| app.browser().is_some_and(|b| !b.loading() && b.entries.len() == ENTRIES));
    let all_rows = started.elapsed();
    let listed = harness.state().browser().map_or(0, |b| b.entries.len());

    let entries = harness.state().browser().map(|b| b.entries.clone()).unwrap_or_default();
    let heap: usize = entries
        .iter()
        .map(|e| {
            e.name.capacity()
                + e.file_id.as_ref().map_or(0, String::capacity)
                + e.etag.as_ref().map_or(0, String::capacity)
                + e.attributes.as_ref().map_or(0, String::capacity)
        })
        .sum();
    let per_entry =
        (std::mem::size_of::<azfx_core::files::DirEntry>() * entries.len() + heap) as f64 / entries.len().max(1) as f64;

    harness.hover_at(egui::pos2(400.0, 400.0));
    let mut scrolling = Vec::new();
    for _ in 0..300 {
        harness.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -600.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: egui::Modifiers::NONE,
        });
        scrolling.push(frame_ms(&mut harness));
    }

    harness.state_mut().open_folder("transfers");
    until(&mut harness, &|app| app.browser().is_some_and(|b| b.entries.len() == 8 && !b.loading()));
    control.set_latency(Duration::from_millis(5));
    harness.state_mut().download_all();
    let mut transferring = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline && harness.state().transfers.running() > 0 {
        transferring.push(frame_ms(&mut harness));
        std::thread::sleep(Duration::from_millis(16));
    }
    let running_at_end = harness.state().transfers.running();
    println!("UI on a {ENTRIES}-entry folder (headless egui pass, release build, 2-core VM):");
    println!("  first rows on screen    {:>8.0} ms", first_rows.as_secs_f64() * 1000.0);
    println!("  all {listed} rows listed {:>6.0} ms", all_rows.as_secs_f64() * 1000.0);
    println!(
        "  frame while scrolling   p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms ({} frames)",
        percentile(&mut scrolling, 0.5),
        percentile(&mut scrolling, 0.95),
        percentile(&mut scrolling, 1.0),
        scrolling.len()
    );
    println!(
        "  frame with 8 transfers  p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms ({} frames, {running_at_end} still running)",
        percentile(&mut transferring, 0.5),
        percentile(&mut transferring, 0.95),
        percentile(&mut transferring, 1.0),
        transferring.len()
    );
    println!(
        "  memory per entry        {per_entry:.0} B (struct {} B + strings)",
        std::mem::size_of::<azfx_core::files::DirEntry>()
    );
    Ok(())
}
