//! The journal's own tests.

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
    journal.db().execute("UPDATE jobs SET pid = ?2 WHERE id = ?1", params![first, u32::MAX - 1]).unwrap();
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
