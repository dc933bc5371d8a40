//! Copy (server-side Copy File) and move (Rename) within a share, through the worker API
//! the window uses: nothing is replaced without the user's rule, a failed or cancelled
//! copy leaves the destination as it was and no temporary file behind, and a folder never
//! goes into itself.

use crate::support::{block, remote};
use std::time::Duration;

use azfx_core::transfer::copy::Item;
use azfx_core::transfer::{Conflict, TransferError};
use azfx_core::worker::EngineError;
use reqwest::{Method, StatusCode};

use crate::support::emulator::{ACCOUNT, SHARE, expect_error};
use crate::support::engine::{Engine, engine, wait};

fn names(env: &crate::support::emulator::Env, dir: &str) -> Vec<String> {
    env.emulator.control().list(ACCOUNT, SHARE, dir).unwrap()
}

fn no_temporaries(env: &crate::support::emulator::Env, dir: &str) {
    let names = names(env, dir);
    assert!(!names.iter().any(|n| n.starts_with(".azfx-")), "a temporary file was left in /{dir}: {names:?}");
}

fn file(path: &str) -> Item {
    Item { path: path.to_owned(), is_directory: false }
}

fn folder(path: &str) -> Item {
    Item { path: path.to_owned(), is_directory: true }
}

fn transfer_error(error: &EngineError) -> &TransferError {
    match error {
        EngineError::Transfer(e) => e,
        other => panic!("expected a transfer error, got {other:?}"),
    }
}

#[test]
fn copy_never_replaces_without_the_users_rule_and_a_failed_copy_leaves_the_destination() {
    let Engine { env, worker } = engine();
    let control = env.emulator.control();
    control.create_directories(ACCOUNT, SHARE, "docs/sub").unwrap();
    control.create_directories(ACCOUNT, SHARE, "dest").unwrap();
    control.put_file(ACCOUNT, SHARE, "docs/a.txt", b"new A").unwrap();
    control.put_file(ACCOUNT, SHARE, "docs/sub/b #1%.txt", b"B").unwrap();
    control.put_file(ACCOUNT, SHARE, "dest/a.txt", b"the user's A").unwrap();

    // A file and a folder; the file's name is taken: a conflict, nothing done to it.
    let (_, started) = worker.copy(SHARE, vec![file("docs/a.txt"), folder("docs/sub")], "dest", Conflict::Fail);
    let outcome = wait(started).unwrap();
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    assert_eq!((outcome.done, outcome.bytes, outcome.skipped), (1, 1, 0));
    assert_eq!(outcome.conflicts.len(), 1);
    assert_eq!((outcome.conflicts[0].from.as_str(), outcome.conflicts[0].to.as_str()), ("docs/a.txt", "dest/a.txt"));
    assert_eq!(remote(&env, "dest/a.txt").unwrap(), b"the user's A");
    assert_eq!(remote(&env, "dest/sub/b%20%231%25.txt").unwrap(), b"B", "odd names survive the copy source URL");
    assert_eq!(remote(&env, "docs/a.txt").unwrap(), b"new A", "the source stays");

    // The service fails the copy: the user's file is untouched and no temporary is left.
    control.fail_next_copies(1);
    let (_, again) = worker.copy_files(SHARE, outcome.conflicts.clone(), Conflict::Replace);
    let failed = wait(again).unwrap();
    assert_eq!(failed.done, 0);
    assert!(matches!(failed.failures[0].error, TransferError::CopyFailed { .. }), "{:?}", failed.failures);
    assert_eq!(remote(&env, "dest/a.txt").unwrap(), b"the user's A");
    no_temporaries(&env, "dest");

    // Keep both, then Replace (a copy the service reports pending for a while).
    let (_, keep) = worker.copy_files(SHARE, outcome.conflicts.clone(), Conflict::KeepBoth);
    assert_eq!(wait(keep).unwrap().done, 1);
    assert_eq!(remote(&env, "dest/a%20(1).txt").unwrap(), b"new A");
    control.set_copy_pending_polls(3);
    let (_, replace) = worker.copy_files(SHARE, outcome.conflicts, Conflict::Replace);
    assert_eq!(wait(replace).unwrap().done, 1);
    assert_eq!(remote(&env, "dest/a.txt").unwrap(), b"new A");
    control.set_copy_pending_polls(0);
    no_temporaries(&env, "dest");

    // Pasting into the folder a file is in keeps both, as Explorer does.
    let (_, beside) = worker.copy(SHARE, vec![file("docs/a.txt")], "docs", Conflict::Fail);
    assert_eq!(wait(beside).unwrap().done, 1);
    assert_eq!(remote(&env, "docs/a%20(1).txt").unwrap(), b"new A");

    // A folder into itself or below it: refused before anything is copied.
    for target in ["docs", "docs/sub"] {
        let (_, into) = worker.copy(SHARE, vec![folder("docs")], target, Conflict::Fail);
        let failure = wait(into).unwrap_err();
        assert!(matches!(transfer_error(&failure.error), TransferError::IntoItself(_)), "{:?}", failure.error);
    }
    assert_eq!(names(&env, "docs/sub"), ["b #1%.txt"]);
}

#[test]
fn a_cancelled_copy_is_aborted_and_leaves_nothing_behind() {
    let Engine { env, worker } = engine();
    let control = env.emulator.control();
    control.create_directories(ACCOUNT, SHARE, "dest").unwrap();
    control.put_file(ACCOUNT, SHARE, "big.bin", &[7; 4096]).unwrap();
    control.set_copy_pending_polls(1_000);
    let (task, started) = worker.copy(SHARE, vec![file("big.bin")], "dest", Conflict::Fail);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !names(&env, "dest").iter().any(|n| n.starts_with(".azfx-")) {
        assert!(std::time::Instant::now() < deadline, "the copy never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    worker.cancel(task);
    let failure = wait(started).unwrap_err();
    assert!(matches!(failure.error, EngineError::Cancelled), "{:?}", failure.error);
    assert!(names(&env, "dest").is_empty(), "{:?}", names(&env, "dest"));
}

#[test]
fn move_renames_asks_before_replacing_and_never_merges_folders() {
    let Engine { env, worker } = engine();
    let control = env.emulator.control();
    control.create_directories(ACCOUNT, SHARE, "in/photos").unwrap();
    control.create_directories(ACCOUNT, SHARE, "out/photos").unwrap();
    control.put_file(ACCOUNT, SHARE, "in/report.", b"trailing dot").unwrap();
    control.put_file(ACCOUNT, SHARE, "in/notes.txt", b"moved notes").unwrap();
    control.put_file(ACCOUNT, SHARE, "out/notes.txt", b"the user's notes").unwrap();

    let items = vec![file("in/report."), file("in/notes.txt"), folder("in/photos")];
    let outcome = wait(worker.move_items(SHARE, items, "out", Conflict::Fail)).unwrap();
    assert_eq!(outcome.done, 1, "only the file whose name was free moved");
    assert_eq!(outcome.conflicts.len(), 1);
    assert_eq!(outcome.conflicts[0].to, "out/notes.txt");
    assert!(matches!(outcome.failures[0].error, TransferError::FolderExists(_)), "{:?}", outcome.failures);
    assert_eq!(remote(&env, "out/notes.txt").unwrap(), b"the user's notes");
    assert_eq!(remote(&env, "in/notes.txt").unwrap(), b"moved notes");
    assert!(names(&env, "out").contains(&"report.".to_owned()), "the trailing dot survived: {:?}", names(&env, "out"));

    let again = vec![file("in/notes.txt")];
    let kept = wait(worker.move_items(SHARE, again, "out", Conflict::KeepBoth)).unwrap();
    assert_eq!(kept.done, 1);
    assert_eq!(remote(&env, "out/notes%20(1).txt").unwrap(), b"moved notes");
    assert_eq!(remote(&env, "out/notes.txt").unwrap(), b"the user's notes");
    assert_eq!(names(&env, "in"), ["photos"]);

    let into = wait(worker.move_items(SHARE, vec![folder("in")], "in/photos", Conflict::Fail)).unwrap_err();
    assert!(matches!(transfer_error(&into.error), TransferError::IntoItself(_)));
}

/// The emulator's Copy File answers as the service does (research notes §3.8).
#[test]
fn copy_file_answers_like_the_service() {
    let env = crate::support::emulator::start();
    block(async {
        env.create_file("src.txt", b"hello").await;
        let source = env.url(&format!("{SHARE}/src.txt"));
        let copy = env.req(Method::PUT, &format!("{SHARE}/dst.txt")).header("x-ms-copy-source", &source);
        let response = copy.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        let id = response.headers()["x-ms-copy-id"].to_str().unwrap().to_owned();
        assert_eq!(response.headers()["x-ms-copy-status"], "success");
        let head = env.req(Method::HEAD, &format!("{SHARE}/dst.txt")).send().await.unwrap();
        assert_eq!(head.headers()["x-ms-copy-status"], "success");
        assert_eq!(head.headers()["x-ms-copy-progress"], "5/5");
        assert_eq!(head.headers()["x-ms-copy-source"].to_str().unwrap(), source);
        assert!(head.headers().contains_key("x-ms-copy-completion-time"));
        let abort =
            env.req(Method::PUT, &format!("{SHARE}/dst.txt?comp=copy&copyid={id}")).header("x-ms-copy-action", "abort");
        expect_error(abort.send().await.unwrap(), StatusCode::CONFLICT, "NoPendingCopyOperation").await;
        let gone = env.req(Method::PUT, &format!("{SHARE}/x.txt")).header("x-ms-copy-source", format!("{source}-gone"));
        expect_error(gone.send().await.unwrap(), StatusCode::NOT_FOUND, "CannotVerifyCopySource").await;
        let other = "https://otheraccount.file.core.windows.net/share1/src.txt";
        let foreign = env.req(Method::PUT, &format!("{SHARE}/y.txt")).header("x-ms-copy-source", other);
        expect_error(foreign.send().await.unwrap(), StatusCode::FORBIDDEN, "CannotVerifyCopySource").await;
        let no_parent = env.req(Method::PUT, &format!("{SHARE}/nodir/z.txt")).header("x-ms-copy-source", &source);
        expect_error(no_parent.send().await.unwrap(), StatusCode::NOT_FOUND, "ParentNotFound").await;

        // A copy that will fail starts as `pending` (never `failed` in the start answer)
        // and is seen failing by a later poll.
        env.emulator.control().fail_next_copies(1);
        let failing = env.req(Method::PUT, &format!("{SHARE}/f.txt")).header("x-ms-copy-source", &source);
        let response = failing.send().await.unwrap();
        assert_eq!(response.headers()["x-ms-copy-status"], "pending");
        let head = env.req(Method::HEAD, &format!("{SHARE}/f.txt")).send().await.unwrap();
        assert_eq!(head.headers()["x-ms-copy-status"], "failed");

        // Aborting a pending copy leaves the file with zero length.
        env.emulator.control().set_copy_pending_polls(5);
        let pending = env.req(Method::PUT, &format!("{SHARE}/p.txt")).header("x-ms-copy-source", &source);
        let response = pending.send().await.unwrap();
        assert_eq!(response.headers()["x-ms-copy-status"], "pending");
        let id = response.headers()["x-ms-copy-id"].to_str().unwrap().to_owned();
        let abort =
            env.req(Method::PUT, &format!("{SHARE}/p.txt?comp=copy&copyid={id}")).header("x-ms-copy-action", "abort");
        assert_eq!(abort.send().await.unwrap().status(), StatusCode::NO_CONTENT);
        let head = env.req(Method::HEAD, &format!("{SHARE}/p.txt")).send().await.unwrap();
        assert_eq!(head.headers()["x-ms-copy-status"], "aborted");
        assert_eq!(head.headers()["content-length"], "0");
    });
}

/// Review leftover (transfers issue): files kept "both" in parallel could pick the same
/// `name (1)`; the one that lost the race failed as a conflict. It now takes the next
/// free number.
#[test]
fn keep_both_in_parallel_takes_the_next_free_number_instead_of_failing() {
    use azfx_core::transfer::copy::FileCopy;
    let Engine { env, worker } = engine();
    let control = env.emulator.control();
    control.put_file(ACCOUNT, SHARE, "report.txt", b"the user's").unwrap();
    for i in 0..6 {
        control.put_file(ACCOUNT, SHARE, &format!("v{i}.txt"), format!("version {i}").as_bytes()).unwrap();
    }
    let files: Vec<FileCopy> =
        (0..6).map(|i| FileCopy { from: format!("v{i}.txt"), to: "report.txt".to_owned(), size: 0 }).collect();
    let outcome = wait(worker.copy_files(SHARE, files, Conflict::KeepBoth).1).unwrap();
    assert!(outcome.conflicts.is_empty() && outcome.failures.is_empty(), "{outcome:?}");
    assert_eq!(outcome.done, 6);
    let mut kept: Vec<String> = names(&env, "").into_iter().filter(|n| n.starts_with("report")).collect();
    kept.sort();
    assert_eq!(kept.len(), 7, "{kept:?}");
    assert_eq!(remote(&env, "report.txt").unwrap(), b"the user's");
    let copies = kept.iter().filter(|n| *n != "report.txt");
    let mut contents: Vec<Vec<u8>> = copies.map(|n| remote(&env, &n.replace(' ', "%20")).unwrap()).collect();
    contents.sort();
    let expected: Vec<Vec<u8>> = (0..6).map(|i| format!("version {i}").into_bytes()).collect();
    assert_eq!(contents, expected, "every version arrived once");
}

/// A copy killed half way (transfers issue: "nothing partial left behind"): `azfx cp
/// URL URL` is killed (SIGKILL) while the service is still copying into the temporary
/// file; the next azfx that connects to the account removes that temporary file, and the
/// destination never appears.
#[test]
fn a_copy_killed_half_way_leaves_no_temporary_file_after_the_next_connection() {
    let env = crate::support::emulator::start();
    let control = env.emulator.control();
    control.put_file(ACCOUNT, SHARE, "src.bin", &[7_u8; 4096]).unwrap();
    // The copy stays pending as long as the test needs.
    control.set_copy_pending_polls(100_000);
    let home = tempfile::tempdir().unwrap();
    let base = format!("{}/{SHARE}", env.emulator.file_endpoint(ACCOUNT));
    let mut child = crate::support::cli::azfx_command(
        &env.emulator,
        home.path(),
        &["cp", &format!("{base}/src.bin"), &format!("{base}/dst.bin")],
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !names(&env, "").iter().any(|n| n.starts_with(".azfx-")) {
        assert!(std::time::Instant::now() < deadline, "the copy never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(names(&env, "").iter().any(|n| n.starts_with(".azfx-")), "the killed copy left its temporary file");

    control.set_copy_pending_polls(0);
    let output = crate::support::cli::azfx_command(&env.emulator, home.path(), &["ls", &base]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    no_temporaries(&env, "");
    assert!(!names(&env, "").contains(&"dst.bin".to_owned()), "no half copy under the real name");
}

/// Regression (tryout issue, input 16): `azfx mv A a` on a folder gave an unexplained 400
/// `InvalidInput` (the share compares names without case: `a` read as a folder to move
/// into, which is A itself), and a folder moved into itself gave the same raw 400. A
/// case-only rename goes through a temporary name; into itself is refused plainly. The
/// emulator keeps a file's name when Create File names it in another case, as the
/// service does.
#[test]
fn case_only_renames_work_and_a_folder_never_moves_into_itself() {
    let Engine { env, worker } = engine();
    let control = env.emulator.control();
    control.put_file(ACCOUNT, SHARE, "Reports/q1.csv", b"q1").unwrap();
    control.put_file(ACCOUNT, SHARE, "Notes.txt", b"n").unwrap();

    wait(worker.rename(SHARE, "Reports", "reports", true)).unwrap();
    wait(worker.rename(SHARE, "Notes.txt", "notes.TXT", false)).unwrap();
    assert_eq!(names(&env, ""), ["notes.TXT", "reports"], "renamed, nothing left over");
    assert_eq!(remote(&env, "reports/q1.csv").unwrap(), b"q1");

    let refused = wait(worker.rename(SHARE, "reports", "Reports/inner/reports", true)).unwrap_err();
    assert!(matches!(refused.error, EngineError::Transfer(TransferError::IntoItself(_))), "{:?}", refused.error);
    assert!(refused.error.to_string().contains("into itself"), "{}", refused.error);

    let base = format!("{}/{SHARE}", env.emulator.file_endpoint(ACCOUNT));
    let (code, out, err) =
        crate::support::cli::azfx(&env.emulator, &["mv", &format!("{base}/reports"), &format!("{base}/REPORTS")]);
    assert_eq!(code, azfx_core::worker::exit_code::OK, "{err}");
    assert!(out.contains("moved"), "{out}");
    assert_eq!(names(&env, ""), ["notes.TXT", "REPORTS"]);
    control.create_directories(ACCOUNT, SHARE, "REPORTS/inner").unwrap();
    let (code, _, err) = crate::support::cli::azfx(
        &env.emulator,
        &["mv", &format!("{base}/REPORTS"), &format!("{base}/reports/inner/")],
    );
    assert_ne!(code, azfx_core::worker::exit_code::OK);
    assert!(err.contains("into itself") && !err.contains("400"), "{err}");

    // Create File in another case keeps the file's own name.
    block(env.create_file("NOTES.TXT", b""));
    assert_eq!(names(&env, ""), ["notes.TXT", "REPORTS"], "the name the file had");
}

/// The emulator as the service (tryout issue, input 16): Create File over an existing file
/// keeps its file id (and its name), only the content starts over.
#[test]
fn create_file_over_a_file_keeps_its_id() {
    let Engine { env, worker } = engine();
    env.emulator.control().put_file(ACCOUNT, SHARE, "keep.txt", b"old").unwrap();
    let before = wait(worker.properties(SHARE, "keep.txt", false)).unwrap().file_id;
    block(env.create_file("KEEP.TXT", b"new!"));
    let after = wait(worker.properties(SHARE, "keep.txt", false)).unwrap();
    assert!(before.is_some() && after.file_id == before, "{before:?} then {:?}", after.file_id);
    assert_eq!(after.size, Some(4));
    assert_eq!(remote(&env, "keep.txt").unwrap(), b"new!");
}
