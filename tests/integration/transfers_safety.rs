//! Regression tests of the transfers issue, named after the class of fault each one
//! closes: a failed or cancelled transfer never destroys or half-writes what was there,
//! an upload never replaces silently, re-downloading never overwrites local edits, the
//! whole-file MD5 is stored and checked, and times survive both ways.

use crate::support::{block, remote};
use std::path::Path;
use std::time::{Duration, SystemTime};

use azfx_core::transfer::{Conflict, TransferError};
use azfx_core::worker::{EngineError, Failure, JobState, exit_code};
use azfx_emulator::{Fault, FaultTarget};
use md5::{Digest, Md5};
use reqwest::Method;

use crate::support::emulator::{ACCOUNT, SHARE};
use crate::support::engine::{Engine, engine, no_temporary_files, wait};

/// Sends a request and reads its answer whole; whether it succeeded.
fn succeeds(request: reqwest::RequestBuilder) -> bool {
    block(async {
        let response = request.send().await.unwrap();
        let ok = response.status().is_success();
        let _ = response.bytes().await;
        ok
    })
}

/// Names at the share root, to see that no temporary file was left behind.
fn share_root(env: &crate::support::emulator::Env) -> Vec<String> {
    env.emulator.control().list(ACCOUNT, SHARE, "").unwrap()
}

fn transfer_error(failure: &Failure) -> &TransferError {
    match &failure.error {
        EngineError::Transfer(error) => error,
        other => panic!("expected a transfer error, got {other:?}"),
    }
}

fn md5_base64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(data))
}

fn big_file(dir: &Path, name: &str, len: usize) -> (std::path::PathBuf, Vec<u8>) {
    let data: Vec<u8> = (0..len).map(|i| u8::try_from(i * 31 % 251).unwrap()).collect();
    let path = dir.join(name);
    std::fs::write(&path, &data).unwrap();
    (path, data)
}

#[test]
fn non_atomic_overwrite_a_failed_upload_never_destroys_the_remote_file() {
    let Engine { env, worker } = engine();
    let original = b"the user's file".to_vec();
    env.emulator.control().put_file(ACCOUNT, SHARE, "keepme", &original).unwrap();
    let local = tempfile::tempdir().unwrap();

    // A folder where a file was expected: refused before anything is sent.
    std::fs::create_dir(local.path().join("folder")).unwrap();
    let before = worker.request_log().len();
    let failure = wait(worker.upload(local.path().join("folder"), SHARE, "keepme", Conflict::Replace).1).unwrap_err();
    assert!(matches!(transfer_error(&failure), TransferError::NotAFile(_)), "{failure}");
    assert_eq!(failure.exit_code(), exit_code::USAGE);
    assert!(worker.request_log()[before..].iter().all(|e| e.method != "PUT"), "nothing was written");
    assert_eq!(remote(&env, "keepme").as_deref(), Some(&original[..]));

    // Put Range refused until the retries run out, half way through a replacement.
    let (src, _) = big_file(local.path(), "new.bin", 12 << 20);
    // (More faults than every retry and automatic resume can use up.)
    env.emulator.control().inject(FaultTarget::PutRange, &Fault::Status { status: 503, retry_after_secs: None }, 1000);
    let failure = wait(worker.upload(src.clone(), SHARE, "keepme", Conflict::Replace).1).unwrap_err();
    env.emulator.control().clear_faults();
    assert!(!failure.is_cancelled(), "{failure}");
    assert_eq!(remote(&env, "keepme").as_deref(), Some(&original[..]), "the old content is intact");
    // What was sent is kept, hidden, for a retry; the job says so.
    let jobs = wait(worker.jobs()).unwrap();
    assert!(matches!(jobs.as_slice(), [job] if job.state == JobState::Failed), "{jobs:?}");
    let root = share_root(&env);
    assert_eq!(root.len(), 2, "{root:?}");
    assert!(
        root.iter().any(|n| n.starts_with(".azfx-") && Path::new(n).extension().is_some_and(|e| e == "part")),
        "{root:?}"
    );

    // Cancelled right after the start, and cancelled while moving bytes.
    let (task, promise) = worker.upload(src.clone(), SHARE, "keepme", Conflict::Replace);
    worker.cancel(task);
    assert!(wait(promise).unwrap_err().is_cancelled());
    // Create (400 ms), then the ranges (400 ms): the cancel lands while they are sent.
    env.emulator.control().set_latency(Duration::from_millis(400));
    let (task, promise) = worker.upload(src, SHARE, "keepme", Conflict::Replace);
    std::thread::sleep(Duration::from_millis(600));
    worker.cancel(task);
    assert!(wait(promise).unwrap_err().is_cancelled());
    env.emulator.control().set_latency(Duration::ZERO);
    assert_eq!(remote(&env, "keepme").as_deref(), Some(&original[..]), "a cancel never touches the target");
    assert_eq!(share_root(&env), ["keepme"], "a cancel removes what was sent, the earlier attempt's too");
    assert!(wait(worker.jobs()).unwrap().is_empty());
}

#[test]
fn silent_replace_uploads_ask_first_and_follow_the_rule() {
    let Engine { env, worker } = engine();
    env.emulator.control().put_file(ACCOUNT, SHARE, "README.md", &[b'r'; 245]).unwrap();
    let local = tempfile::tempdir().unwrap();
    let readme = local.path().join("README.md");
    std::fs::write(&readme, [b'l'; 51]).unwrap();

    let failure = wait(worker.upload(readme.clone(), SHARE, "README.md", Conflict::Fail).1).unwrap_err();
    assert!(matches!(transfer_error(&failure), TransferError::Exists(_)), "{failure}");
    assert_eq!(failure.exit_code(), exit_code::EXISTS);
    assert_eq!(remote(&env, "README.md").map(|b| b.len()), Some(245), "not replaced");

    // The local file is older than the share's: "replace if newer" leaves it.
    let old = std::fs::File::options().write(true).open(&readme).unwrap();
    old.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000)).unwrap();
    let skipped = wait(worker.upload(readme.clone(), SHARE, "README.md", Conflict::ReplaceIfNewer).1).unwrap();
    assert!(skipped.skipped && skipped.bytes == 0);
    assert_eq!(remote(&env, "README.md").map(|b| b.len()), Some(245));

    let both = wait(worker.upload(readme.clone(), SHARE, "README.md", Conflict::KeepBoth).1).unwrap();
    assert_eq!(both.path, "README (1).md");
    assert_eq!(remote(&env, "README (1).md").map(|b| b.len()), Some(51));
    assert_eq!(remote(&env, "README.md").map(|b| b.len()), Some(245));

    let replaced = wait(worker.upload(readme, SHARE, "README.md", Conflict::Replace).1).unwrap();
    assert_eq!((replaced.path.as_str(), replaced.skipped), ("README.md", false));
    assert_eq!(remote(&env, "README.md").map(|b| b.len()), Some(51));
    assert!(share_root(&env).iter().all(|name| !name.starts_with(".azfx-")));
}

#[test]
fn silent_replace_the_cli_refuses_unless_told() {
    let Engine { env, .. } = engine();
    env.emulator.control().put_file(ACCOUNT, SHARE, "docs/a.txt", b"remote").unwrap();
    let local = tempfile::tempdir().unwrap();
    let a = local.path().join("a.txt");
    std::fs::write(&a, b"local").unwrap();
    let url = format!("{}/{SHARE}/docs/a.txt", env.emulator.file_endpoint(ACCOUNT));
    let (code, _, err) = crate::support::cli::azfx(&env.emulator, &["put", a.to_str().unwrap(), &url]);
    assert_eq!(code, exit_code::EXISTS, "{err}");
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(remote(&env, "docs/a.txt").as_deref(), Some(&b"remote"[..]));
    let (code, out, err) =
        crate::support::cli::azfx(&env.emulator, &["put", a.to_str().unwrap(), &url, "--overwrite", "true"]);
    assert_eq!(code, exit_code::OK, "{err}");
    assert!(out.contains("uploaded 5 B"), "{out}");
    assert_eq!(remote(&env, "docs/a.txt").as_deref(), Some(&b"local"[..]));
    // And downloading over a local file the same way.
    let (code, _, err) = crate::support::cli::azfx(&env.emulator, &["get", &url, a.to_str().unwrap()]);
    assert_eq!(code, exit_code::EXISTS, "{err}");
    let (code, out, _) =
        crate::support::cli::azfx(&env.emulator, &["get", &url, a.to_str().unwrap(), "--overwrite", "keep-both"]);
    assert_eq!(code, exit_code::OK);
    assert!(out.contains("a (1).txt"), "{out}");
}

#[test]
fn folder_redownload_never_overwrites_local_edits() {
    let Engine { env, worker } = engine();
    env.emulator.control().put_file(ACCOUNT, SHARE, "designs/logo.svg", b"<svg/>").unwrap();
    env.emulator.control().put_file(ACCOUNT, SHARE, "designs/notes/plan.txt", b"plan v1").unwrap();
    let local = tempfile::tempdir().unwrap();
    let dest = local.path().join("designs");
    let first = wait(worker.download_folder(SHARE, "designs", dest.clone(), Conflict::KeepBoth).1).unwrap();
    assert_eq!((first.files, first.failures.len()), (2, 0));
    std::fs::write(dest.join("notes/plan.txt"), b"my edit").unwrap();
    let again = wait(worker.download_folder(SHARE, "designs", dest.clone(), Conflict::KeepBoth).1).unwrap();
    assert_eq!(again.failures.len(), 0);
    assert_eq!(std::fs::read(dest.join("notes/plan.txt")).unwrap(), b"my edit", "the edit survives");
    assert_eq!(std::fs::read(dest.join("notes/plan (1).txt")).unwrap(), b"plan v1");
    let skip = wait(worker.download_folder(SHARE, "designs", dest.clone(), Conflict::Skip).1).unwrap();
    assert_eq!((skip.files, skip.skipped), (0, 2));
    assert!(no_temporary_files(&dest) && no_temporary_files(&dest.join("notes")));
}

#[test]
fn no_whole_file_checksum_uploads_store_it_and_downloads_check_it() {
    let Engine { env, worker } = engine();
    let local = tempfile::tempdir().unwrap();
    let (src, data) = big_file(local.path(), "a.bin", (9 << 20) + 3);
    wait(worker.upload(src, SHARE, "a.bin", Conflict::Fail).1).unwrap();
    let properties = wait(worker.properties(SHARE, "a.bin", false)).unwrap();
    assert_eq!(properties.content_md5.as_deref(), Some(md5_base64(&data).as_str()));

    // A stored MD5 that does not match the content: the download fails and says so.
    let wrong = md5_base64(b"something else");
    let set = env.req(Method::PUT, &format!("{SHARE}/a.bin?comp=properties")).header("x-ms-content-md5", wrong);
    assert!(succeeds(set));
    let back = tempfile::tempdir().unwrap();
    let dest = back.path().join("a.bin");
    let failure = wait(worker.download(SHARE, "a.bin", dest.clone(), Conflict::Fail).1).unwrap_err();
    assert!(matches!(transfer_error(&failure), TransferError::Integrity { .. }), "{failure}");
    assert!(!dest.exists(), "an unverified file never takes the name");
    assert!(back.path().join("a.bin.unverified").exists(), "{failure}");
    assert!(failure.to_string().contains("a.bin.unverified"), "the error says where the bytes are");
    assert!(no_temporary_files(back.path()));
}

#[test]
fn times_dropped_last_write_times_survive_both_ways() {
    let Engine { env, worker } = engine();
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("dated.txt");
    std::fs::write(&src, b"dated").unwrap();
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_577_934_245); // 2020-01-02T03:04:05Z
    std::fs::File::options().write(true).open(&src).unwrap().set_modified(at).unwrap();
    wait(worker.upload(src, SHARE, "dated.txt", Conflict::Fail).1).unwrap();
    let properties = wait(worker.properties(SHARE, "dated.txt", false)).unwrap();
    assert_eq!(properties.last_write.as_deref(), Some("2020-01-02T03:04:05.0000000Z"));

    let set = env
        .req(Method::PUT, &format!("{SHARE}/dated.txt?comp=properties"))
        .header("x-ms-file-last-write-time", "2021-05-06T07:08:09.0000000Z");
    assert!(succeeds(set));
    let dest = local.path().join("back.txt");
    wait(worker.download(SHARE, "dated.txt", dest.clone(), Conflict::Fail).1).unwrap();
    let modified = std::fs::metadata(&dest).unwrap().modified().unwrap();
    assert_eq!(modified, SystemTime::UNIX_EPOCH + Duration::from_secs(1_620_284_889)); // 2021-05-06T07:08:09Z
}

#[test]
fn recursive_delete_runs_in_parallel_with_progress_and_stops_when_cancelled() {
    let Engine { env, mut worker } = engine();
    let control = env.emulator.control();
    for i in 0..2_000 {
        control.put_file(ACCOUNT, SHARE, &format!("bulk/d{}/f{i:04}.json", i % 10), b"{}").unwrap();
    }
    let started = std::time::Instant::now();
    let (task, promise) = worker.delete(SHARE, "bulk", true);
    let deleted = wait(promise).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(deleted, 2_000 + 11, "files, the ten folders and the folder itself");
    assert!(share_root(&env).is_empty(), "{:?}", share_root(&env));
    let progress: Vec<(u64, u64)> = worker
        .poll_events()
        .into_iter()
        .filter_map(|e| match e {
            azfx_core::worker::Event::Progress { task: t, done, total } if t == task => Some((done, total)),
            _ => None,
        })
        .collect();
    assert!(progress.len() >= 20, "progress as it goes: {progress:?}");
    assert_eq!(progress.last(), Some(&(2_011, 2_011)));
    eprintln!("deleted 2 011 entries in {elapsed:?}");

    // Cancelled part way: it stops, says so, and leaves the rest.
    for i in 0..400 {
        control.put_file(ACCOUNT, SHARE, &format!("slow/f{i:03}"), b"x").unwrap();
    }
    control.set_latency(Duration::from_millis(30));
    let (task, promise) = worker.delete(SHARE, "slow", true);
    std::thread::sleep(Duration::from_millis(400));
    worker.cancel(task);
    assert!(wait(promise).unwrap_err().is_cancelled());
    control.set_latency(Duration::ZERO);
    let left = control.list(ACCOUNT, SHARE, "slow").unwrap().len();
    assert!(left > 0 && left < 400, "{left} files left");
}

/// Regression (transfers issue, input 4): the service refused a Put Range from its headers
/// while the 4 MiB body was still being sent; the client saw "Broken pipe" and reported a
/// network failure (exit 7), losing the 503, its `Retry-After` and the diagnosis.
#[test]
fn early_server_errors_on_large_bodies_are_read_as_the_service_answer() {
    let Engine { env, worker } = engine();
    let local = tempfile::tempdir().unwrap();
    let (src, data) = big_file(local.path(), "big.bin", 8 << 20);
    // Refused a few times, then accepted: the upload completes.
    env.emulator.control().inject(FaultTarget::PutRange, &Fault::Status { status: 503, retry_after_secs: Some(0) }, 3);
    wait(worker.upload(src.clone(), SHARE, "ok.bin", Conflict::Fail).1).unwrap();
    assert_eq!(remote(&env, "ok.bin").as_deref(), Some(&data[..]));
    // Refused every time: the failure is the service's throttling, not the network.
    env.emulator.control().inject(
        FaultTarget::PutRange,
        &Fault::Status { status: 503, retry_after_secs: Some(0) },
        100,
    );
    let before = worker.request_log().len();
    let failure = wait(worker.upload(src, SHARE, "refused.bin", Conflict::Fail).1).unwrap_err();
    assert_eq!(failure.diagnosis.class, azfx_core::diagnose::Class::Throttled, "{failure}");
    assert_eq!(failure.exit_code(), exit_code::OTHER, "not 7 (network)");
    let log = worker.request_log();
    let refused: Vec<_> =
        log[before..].iter().filter(|e| e.operation == "Put range" && e.status == Some(503)).collect();
    assert!(!refused.is_empty(), "the 503s are in the request log");
    // The service was refusing already, so every body asked for an early answer.
    assert!(
        refused.iter().all(|e| e.request_headers.iter().any(|(n, v)| n == "expect" && v == "100-continue")),
        "under pressure, bodies ask for an early answer"
    );
    // Kept for a retry until the job is removed.
    let jobs = wait(worker.jobs()).unwrap();
    assert_eq!(share_root(&env).iter().filter(|n| n.starts_with(".azfx-")).count(), 1);
    wait(worker.remove_job(jobs[0].id)).unwrap();
    assert_eq!(share_root(&env).iter().filter(|n| n.starts_with(".azfx-")).count(), 0);
    assert!(wait(worker.jobs()).unwrap().is_empty());
}

/// Found in review: uploading a named pipe waited for a writer forever; it is refused at
/// once, before anything is sent.
#[cfg(unix)]
#[test]
fn a_named_pipe_is_refused_not_waited_for() {
    let Engine { env, worker } = engine();
    let local = tempfile::tempdir().unwrap();
    let fifo = local.path().join("pipe");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let started = std::time::Instant::now();
    let failure = wait(worker.upload(fifo, SHARE, "pipe", Conflict::Replace).1).unwrap_err();
    assert!(matches!(transfer_error(&failure), TransferError::NotAFile(_)), "{failure}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(share_root(&env).is_empty());
}

/// Small files are latency-bound: a folder of them must not cost more requests than
/// the guarantees need. Up, under "replace": Create File (carrying the MD5 and times),
/// Put Range, Rename — no existence check, no stamp. Down: one Get File each, which
/// answers properties and bytes together. The guarantees stay: MD5 stored and checked,
/// times both ways, conflicts asked, nothing partial left.
#[test]
fn small_files_cost_three_requests_up_and_one_down_and_keep_every_guarantee() {
    let Engine { env, worker } = engine();
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("many");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_577_934_245); // 2020-01-02T03:04:05Z
    let mut sent = Vec::new();
    for i in 0..12 {
        let name = if i % 3 == 0 { format!("sub/f{i}.bin") } else { format!("f{i}.bin") };
        let data: Vec<u8> = (0..=(i * 1000)).map(|b| u8::try_from((b * 7 + i + 1) % 256).unwrap()).collect();
        std::fs::write(src.join(&name), &data).unwrap();
        std::fs::File::options().write(true).open(src.join(&name)).unwrap().set_modified(at).unwrap();
        sent.push((name, data));
    }
    std::fs::write(src.join("empty.txt"), b"").unwrap();
    std::fs::File::options().write(true).open(src.join("empty.txt")).unwrap().set_modified(at).unwrap();
    sent.push(("empty.txt".to_owned(), Vec::new()));

    let before = worker.request_log().len();
    let up = wait(worker.upload_path(src.clone(), SHARE, "", Conflict::Replace).1).unwrap();
    assert_eq!((up.files, up.failures.len()), (13, 0), "{up:?}");
    let log = worker.request_log();
    let count = |operation: &str| log[before..].iter().filter(|e| e.operation == operation).count();
    let file_requests = ["Create file", "Put range", "Rename file", "Get file properties", "Set file properties"];
    let counts: Vec<_> = file_requests.iter().map(|op| count(op)).collect();
    // The empty file has no range to put.
    assert_eq!(counts, [13, 12, 13, 0, 0], "{file_requests:?}");
    for (name, data) in &sent {
        assert_eq!(remote(&env, &format!("many/{name}")).as_deref(), Some(&data[..]), "{name}");
        let properties = wait(worker.properties(SHARE, &format!("many/{name}"), false)).unwrap();
        assert_eq!(properties.content_md5.as_deref(), Some(md5_base64(data).as_str()), "{name}");
        assert_eq!(properties.last_write.as_deref(), Some("2020-01-02T03:04:05.0000000Z"), "{name}");
    }

    let dest = local.path().join("back");
    let before = worker.request_log().len();
    let down = wait(worker.download_folder(SHARE, "many", dest.clone(), Conflict::Fail).1).unwrap();
    assert_eq!((down.files, down.failures.len()), (13, 0), "{down:?}");
    let log = worker.request_log();
    let per_file = log[before..].iter().filter(|e| e.operation.starts_with("Get file")).count();
    assert_eq!(per_file, 13, "one Get File per file, no properties request before or after");
    for (name, data) in &sent {
        assert_eq!(std::fs::read(dest.join(name)).unwrap(), *data, "{name}");
        assert_eq!(std::fs::metadata(dest.join(name)).unwrap().modified().unwrap(), at, "{name}");
    }

    // Conflicts are still decided per file: an edited local copy survives.
    std::fs::write(dest.join("f1.bin"), b"my edit").unwrap();
    let again = wait(worker.download_folder(SHARE, "many", dest.clone(), Conflict::KeepBoth).1).unwrap();
    assert_eq!(again.failures.len(), 0);
    assert_eq!(std::fs::read(dest.join("f1.bin")).unwrap(), b"my edit");
    assert_eq!(std::fs::read(dest.join("f1 (1).bin")).unwrap(), sent[1].1);

    // A stored MD5 that does not match: that file fails, is kept aside, the rest arrive.
    let wrong = md5_base64(b"something else");
    let corrupt =
        env.req(Method::PUT, &format!("{SHARE}/many/f2.bin?comp=properties")).header("x-ms-content-md5", wrong);
    assert!(succeeds(corrupt));
    let third = local.path().join("third");
    let checked = wait(worker.download_folder(SHARE, "many", third.clone(), Conflict::Fail).1).unwrap();
    assert_eq!((checked.files, checked.failures.len()), (12, 1), "{checked:?}");
    assert!(matches!(transfer_error(&checked.failures[0].failure), TransferError::Integrity { .. }), "{checked:?}");
    assert!(!third.join("f2.bin").exists() && third.join("f2.bin.unverified").exists());
    assert!(no_temporary_files(&dest) && no_temporary_files(&third) && no_temporary_files(&third.join("sub")));
}

/// Over HTTPS the bytes are authenticated by TLS, so ranges go without transactional
/// MD5s (as Azure's SDKs do by default) and downloads use larger ranges; the whole-file
/// MD5 is still stored on the way up and checked on the way down.
#[test]
fn over_tls_ranges_carry_no_md5_and_the_whole_file_md5_still_guards_the_content() {
    let env =
        crate::support::emulator::start_with(&azfx_emulator::EmulatorConfig { https: true, ..Default::default() });
    let worker = azfx_core::worker::Worker::spawn(|| {}).unwrap();
    let mut config = crate::support::engine::config(
        &env.emulator,
        azfx_core::worker::CredentialConfig::ManagedIdentity(azfx_core::auth::IdentitySelector::SystemAssigned),
    );
    config.ca_pem = env.emulator.ca_pem().map(|pem| pem.as_bytes().to_vec());
    assert!(config.endpoint.starts_with("https://"), "{}", config.endpoint);
    wait(worker.connect(config)).unwrap();
    let local = tempfile::tempdir().unwrap();
    let (src, data) = big_file(local.path(), "tls.bin", (9 << 20) + 5);
    wait(worker.upload(src, SHARE, "tls.bin", Conflict::Fail).1).unwrap();
    let log = worker.request_log();
    let puts: Vec<_> = log.iter().filter(|e| e.operation == "Put range").collect();
    assert_eq!(puts.len(), 3);
    assert!(puts.iter().all(|e| e.request_headers.iter().all(|(name, _)| name != "content-md5")), "{puts:?}");
    let properties = wait(worker.properties(SHARE, "tls.bin", false)).unwrap();
    assert_eq!(properties.content_md5.as_deref(), Some(md5_base64(&data).as_str()));

    let dest = local.path().join("back.bin");
    wait(worker.download(SHARE, "tls.bin", dest.clone(), Conflict::Fail).1).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), data);
    let gets = worker.request_log().iter().filter(|e| e.operation == "Get range").count();
    assert_eq!(gets, 3, "4 MiB ranges, none checked on its own");

    // The stored MD5 still decides.
    let set =
        env.req(Method::PUT, &format!("{SHARE}/tls.bin?comp=properties")).header("x-ms-content-md5", md5_base64(b"x"));
    assert!(succeeds(set));
    let failure =
        wait(worker.download(SHARE, "tls.bin", local.path().join("again.bin"), Conflict::Fail).1).unwrap_err();
    assert!(matches!(transfer_error(&failure), TransferError::Integrity { .. }), "{failure}");
}
