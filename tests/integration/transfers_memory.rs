//! Memory (transfers issue, acceptance): a 10 GiB sparse file goes up and comes back
//! through the `azfx` binary with the process's peak resident memory under 200 MiB, and
//! stays sparse both ways (all-zero ranges are neither sent nor written). Linux: the peak
//! is the kernel's high-water mark (`VmHWM` in `/proc/PID/status`), read while it runs.
#![cfg(target_os = "linux")]

use std::io::{Seek as _, SeekFrom, Write as _};
use std::os::unix::fs::MetadataExt as _;
use std::process::{Child, ExitStatus, Stdio};
use std::time::Duration;

use crate::support::cli::azfx_command;
use crate::support::emulator::{ACCOUNT, start};

const GIB: u64 = 1 << 30;
const LIMIT_KIB: u64 = 200 * 1024;

/// Waits for `child`, answering how it ended and its peak resident memory (KiB).
fn peak_rss_kib(mut child: Child) -> (ExitStatus, u64) {
    let pid = child.id();
    let mut peak = 0;
    loop {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let hwm = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).map(|v| v.trim().trim_end_matches("kB").trim());
        if let Some(kib) = hwm.and_then(|v| v.parse::<u64>().ok()) {
            peak = peak.max(kib);
        }
        if let Some(exit) = child.try_wait().unwrap() {
            return (exit, peak);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Where the data of the test file is: three MiB-long islands in 10 GiB of holes.
fn islands() -> [(u64, Vec<u8>); 3] {
    let island = |seed: u8| (0..1_u32 << 20).map(|i| (i.to_le_bytes()[0] ^ seed) | 1).collect::<Vec<u8>>();
    [(0, island(1)), (5 * GIB + 12_345, island(2)), (10 * GIB - (1 << 20), island(3))]
}

#[test]
#[ignore = "slow (moves GiBs): run by scripts/check.sh with --include-ignored"]
fn a_10_gib_sparse_file_goes_up_and_down_in_under_200_mib() {
    let env = start();
    let control = env.emulator.control();
    control.create_share(ACCOUNT, "big", 20).unwrap();
    let scope = azfx_emulator::Scope::Share(ACCOUNT.into(), "big".into());
    control.assign_role(&env.writer.object_id, azfx_emulator::Role::StorageFileDataPrivilegedContributor, scope);
    let base = format!("{}/big", env.emulator.file_endpoint(ACCOUNT));
    let home = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("disk.img");
    {
        let mut file = std::fs::File::create(&src).unwrap();
        file.set_len(10 * GIB).unwrap();
        for (offset, data) in islands() {
            file.seek(SeekFrom::Start(offset)).unwrap();
            file.write_all(&data).unwrap();
        }
    }
    let run = |args: &[&str]| {
        let child = azfx_command(&env.emulator, home.path(), args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn();
        peak_rss_kib(child.unwrap())
    };

    let (exit, up_kib) = run(&["put", src.to_str().unwrap(), &format!("{base}/disk.img")]);
    assert!(exit.success(), "upload: {exit}");
    assert!(up_kib < LIMIT_KIB, "upload peak {up_kib} KiB");
    let received = env.emulator.control().bytes_received();
    assert!(received < 16 << 20, "only the islands travel: {received} bytes");

    let back = local.path().join("back.img");
    let (exit, down_kib) = run(&["get", &format!("{base}/disk.img"), back.to_str().unwrap()]);
    assert!(exit.success(), "download: {exit}");
    assert!(down_kib < LIMIT_KIB, "download peak {down_kib} KiB");
    // The stored whole-file MD5 was checked by the download; the islands are where they were.
    let metadata = std::fs::metadata(&back).unwrap();
    assert_eq!(metadata.len(), 10 * GIB);
    assert!(metadata.blocks() * 512 < 64 << 20, "stays sparse: {} bytes allocated", metadata.blocks() * 512);
    let file = std::fs::File::open(&back).unwrap();
    for (offset, data) in islands() {
        let mut buf = vec![0; data.len()];
        std::os::unix::fs::FileExt::read_exact_at(&file, &mut buf, offset).unwrap();
        assert!(buf == data, "the island at {offset}");
    }
    eprintln!("10 GiB sparse: peak RSS up {} MiB, down {} MiB", up_kib / 1024, down_kib / 1024);
}
