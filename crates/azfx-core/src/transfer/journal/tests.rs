//! The journal's own tests.

use std::collections::HashSet;

use super::*;

fn spec(local: &str) -> JobSpec {
    JobSpec {
        kind: JobKind::Download,
        endpoint: "https://a.file.core.windows.net/".into(),
        share: "s".into(),
        remote: "dir/big.bin".into(),
        local: PathBuf::from(local),
        conflict: Conflict::Fail,
    }
}

#[test]
fn the_same_transfer_again_is_the_same_job_and_keeps_its_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path()).unwrap();
    let (job, resumed) = journal.begin(&spec("/tmp/big.bin")).unwrap();
    assert!(!resumed);
    // Running: a second start (a double Resume) is refused, never run beside it.
    assert!(matches!(journal.begin(&spec("/tmp/big.bin")), Err(JournalError::Busy(_))));
    let file = journal.start_file(job, ("dir/big.bin", Path::new("/tmp/big.bin")), ".t.part", 10, "e1").unwrap();
    journal.range_done(file, 0, Some(7)).unwrap();
    journal.range_done(file, 4, None).unwrap();
    journal.stop(job, Some("network down")).unwrap();
    drop(journal);

    let journal = Journal::open(dir.path()).unwrap();
    let jobs = journal.jobs().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].state, JobState::Failed);
    assert_eq!(jobs[0].message.as_deref(), Some("network down"));
    let mut again = spec("/tmp/big.bin");
    again.conflict = Conflict::Replace;
    assert_eq!(journal.begin(&again).unwrap(), (job, true));
    assert_eq!(journal.jobs().unwrap()[0].spec.conflict, Conflict::Replace);
    let record = journal.file(job, "dir/big.bin", Path::new("/tmp/big.bin")).unwrap().unwrap();
    assert_eq!((record.temp.as_str(), record.size, record.tag.as_str()), (".t.part", 10, "e1"));
    assert_eq!(journal.ranges(record.id).unwrap(), HashSet::from([0, 4]));
    assert_eq!(
        journal.temporaries(job).unwrap(),
        [("dir/big.bin".to_owned(), PathBuf::from("/tmp/big.bin"), ".t.part".to_owned())]
    );
    journal.file_complete(record.id).unwrap();
    assert!(journal.temporaries(job).unwrap().is_empty());
    journal.forget(job).unwrap();
    assert!(journal.jobs().unwrap().is_empty());
}

#[test]
fn a_running_job_of_a_dead_process_reads_as_interrupted_and_jobs_reorder() {
    let journal = Journal::in_memory();
    let (first, _) = journal.begin(&spec("/a")).unwrap();
    let (second, _) = journal.begin(&spec("/b")).unwrap();
    // A pid that cannot be alive.
    journal.db().unwrap().execute("UPDATE jobs SET pid = ?2 WHERE id = ?1", params![first, u32::MAX - 1]).unwrap();
    let jobs = journal.jobs().unwrap();
    assert_eq!(jobs.iter().map(|j| j.id).collect::<Vec<_>>(), [first, second]);
    assert_eq!(jobs[0].state, JobState::Interrupted);
    assert_eq!(jobs[1].state, JobState::Running);
    journal.reorder(second, true).unwrap();
    assert_eq!(journal.jobs().unwrap().iter().map(|j| j.id).collect::<Vec<_>>(), [second, first]);
}

#[test]
fn local_paths_of_any_bytes_survive() {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        let odd = Path::new(std::ffi::OsStr::from_bytes(b"/tmp/caf\xe9 #?%.bin"));
        assert_eq!(path_from(path_bytes(odd)), odd);
    }
}

#[test]
fn files_registered_together_and_arrivals_written_down_in_batches() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path()).unwrap();
    let (job, _) = journal.begin(&spec("/tmp/folder")).unwrap();
    let files: Vec<_> = (0..100_u64)
        .map(|i| (format!("d/f{i}"), PathBuf::from(format!("/tmp/folder/f{i}")), format!(".t{i}.part"), i))
        .collect();
    let ids = journal.start_files(job, &files).unwrap();
    assert_eq!(ids.len(), 100);
    assert_eq!(journal.temporaries(job).unwrap().len(), 100);
    let record = journal.file(job, "d/f7", Path::new("/tmp/folder/f7")).unwrap().unwrap();
    assert_eq!((record.id, record.temp.as_str(), record.size, record.tag.as_str()), (ids[7], ".t7.part", 7, ""));
    // Noted, not yet written: another connection (another azfx) does not see it yet…
    journal.file_complete(ids[0]).unwrap();
    let other = Connection::open(dir.path().join(FILE_NAME)).unwrap();
    let complete = |db: &Connection| -> i64 {
        db.query_row("SELECT COUNT(*) FROM files WHERE complete = 1", [], |r| r.get(0)).unwrap()
    };
    assert_eq!(complete(&other), 0);
    // …but this journal's next read does, and a full batch is written at once.
    assert!(journal.file(job, "d/f0", Path::new("/tmp/folder/f0")).unwrap().unwrap().complete);
    assert_eq!(complete(&other), 1);
    for id in &ids[1..=ARRIVALS_BATCH] {
        journal.file_complete(*id).unwrap();
    }
    assert_eq!(complete(&other), i64::try_from(ARRIVALS_BATCH).unwrap() + 1);
    // What is left noted when the journal closes is written down.
    journal.file_complete(ids[99]).unwrap();
    drop(journal);
    assert_eq!(complete(&other), i64::try_from(ARRIVALS_BATCH).unwrap() + 2);
}

/// The process `a_process_is_alive_until_it_ends` watches: this test binary, run again
/// for this test alone (the same on Linux and on Windows, where the unit tests run under
/// Wine).
#[test]
#[ignore = "run by a_process_is_alive_until_it_ends as the process it watches"]
fn sleeps_for_a_while() {
    std::thread::sleep(std::time::Duration::from_secs(30));
}

#[test]
fn a_process_is_alive_until_it_ends() {
    assert!(alive(std::process::id()));
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "transfer::journal::tests::sleeps_for_a_while"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert!(alive(child.id()));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!alive(child.id()));
    assert!(!alive(u32::MAX - 1));
}

/// Regression (tryout issue, input 9): the demo's emulator starts on a new port each time,
/// and a job started on one port was a stranger on the next. The same account is the
/// same job, whatever port or name of this machine reached it; another account is not.
#[test]
fn a_job_is_the_same_on_the_same_account_whatever_port() {
    let journal = Journal::in_memory();
    let at = |endpoint: &str| JobSpec { endpoint: endpoint.into(), ..spec("/tmp/x.bin") };
    let (job, _) = journal.begin(&at("https://127.0.0.1:43375/azfxdemo/")).unwrap();
    journal.stop(job, None).unwrap();
    assert_eq!(journal.begin(&at("http://localhost:51000/azfxdemo/")).unwrap(), (job, true));
    assert_eq!(journal.jobs().unwrap()[0].spec.endpoint, "http://localhost:51000/azfxdemo/", "where it runs now");
    journal.stop(job, None).unwrap();
    let (other, resumed) = journal.begin(&at("https://127.0.0.1:43375/otheracct/")).unwrap();
    assert!(other != job && !resumed, "another account is another job");
    let (real, resumed) = journal.begin(&at("https://azfxdemo.file.core.windows.net/")).unwrap();
    assert!(real != job && !resumed, "a real account is not the emulator's");
}
