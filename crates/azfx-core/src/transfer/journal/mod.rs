//! The transfer journal: a small `SQLite` database (`transfers.sqlite3` in the OS state
//! directory) that remembers every unfinished transfer, so quitting, a crash or a
//! `SIGKILL` never costs more than the ranges in flight.
//!
//! Three tables: `jobs` (what the user asked for: direction, share path, local path,
//! conflict rule, state, bytes done of total, the process running it), `files` (each
//! file of a job that has a temporary file: its name, the source's size and identity
//! tag — the `ETag` for downloads, size and modification time for uploads — and whether
//! it is complete) and `ranges` (the offsets of the ranges already written). A range is
//! recorded only after the service answered its Put Range, or after its bytes were
//! written to the local temporary file. WAL mode with `synchronous=NORMAL`: a committed
//! record survives a process kill; a power loss may forget the last ranges (they are
//! sent again), never invent one. Files put in place are written down in batches
//! (`file_complete`): a kill forgets the last few, which a resumed job recognises on
//! disk (`download::arrived_before`, `upload::uploaded_before`).
//!
//! Calls block for microseconds (one indexed row each); the worker makes them, never
//! the window.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::Conflict;

/// The journal's file name inside the state directory.
pub const FILE_NAME: &str = "transfers.sqlite3";

/// A journal failure.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The database could not be opened or created.
    #[error("the transfer journal {path} cannot be used: {message}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A read or write failed.
    #[error("the transfer journal failed: {0}")]
    Sql(#[from] rusqlite::Error),
    /// The same transfer is already running (in this or another azfx process).
    #[error("this transfer is already running (azfx process {0})")]
    Busy(u32),
}

/// A job's stable id.
pub type JobId = i64;

/// What kind of transfer a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobKind {
    /// One share file to a local file.
    Download,
    /// One local file to a share file.
    Upload,
    /// A local file or folder into a share directory, keeping its name.
    UploadPath,
    /// A share folder into a local folder.
    DownloadFolder,
    /// A local folder's contents into the share folder `remote`, made if missing (`cp -r
    /// DIR new`): the copy is `remote` itself, on the first run and on the resume.
    UploadFolder,
}

impl JobKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Download => "download",
            Self::Upload => "upload",
            Self::UploadPath => "upload-path",
            Self::DownloadFolder => "download-folder",
            Self::UploadFolder => "upload-folder",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Download, Self::Upload, Self::UploadPath, Self::DownloadFolder, Self::UploadFolder]
            .into_iter()
            .find(|k| k.as_str() == text)
    }

    /// Whether bytes go from the share to this machine.
    pub fn is_download(self) -> bool {
        matches!(self, Self::Download | Self::DownloadFolder)
    }
}

/// What the user asked for; a job with the same kind, endpoint, share, remote and local
/// path is the same job (running the same command again resumes it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSpec {
    /// Direction and shape.
    pub kind: JobKind,
    /// The account's file endpoint (`https://account.file.core.windows.net/`).
    pub endpoint: String,
    /// The share.
    pub share: String,
    /// The share path: the file (`Download`, `Upload`, `DownloadFolder`) or the directory
    /// received into (`UploadPath`).
    pub remote: String,
    /// The local path: the source (uploads) or the destination (downloads).
    pub local: PathBuf,
    /// The rule for destinations that exist.
    pub conflict: Conflict,
}

/// Where a job stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Running in this process.
    Running,
    /// Running in another live azfx process.
    RunningElsewhere(u32),
    /// Its process ended (quit, crash, kill) before it finished.
    Interrupted,
    /// Paused by the user.
    Paused,
    /// Failed; the message says why. What was written is kept for a retry.
    Failed,
}

/// A job as the journal has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobRecord {
    /// Stable id.
    pub id: JobId,
    /// What was asked.
    pub spec: JobSpec,
    /// Where it stands.
    pub state: JobState,
    /// Bytes done when last recorded.
    pub done: u64,
    /// Bytes in all (0 until known).
    pub total: u64,
    /// Why it failed, or was restarted.
    pub message: Option<String>,
}

/// A file of a job with a temporary file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRecord {
    /// Row id.
    pub id: i64,
    /// The temporary file's name, in the destination's folder (on the share for
    /// uploads, on this machine for downloads).
    pub temp: String,
    /// The source's size in bytes when the file started.
    pub size: u64,
    /// The source's identity when the file started (`ETag`, or `size:mtime` for local
    /// files): a different tag means the source changed and the file starts over.
    pub tag: String,
    /// The file is complete and in place (folder jobs skip it when resumed).
    pub complete: bool,
}

/// The journal.
pub struct Journal {
    db: Mutex<Connection>,
    /// Files complete and in place, not yet written down (`file_complete`): recorded
    /// together at the next use of the database, at most `ARRIVALS_BATCH` at a time.
    arrived: Mutex<Vec<i64>>,
    path: Option<PathBuf>,
    pid: u32,
}

/// Files put in place that are recorded in one transaction (`Journal::file_complete`):
/// a folder of 2 000 small files needs 32 commits instead of 2 000.
const ARRIVALS_BATCH: usize = 64;

impl Drop for Journal {
    /// Writes down the files noted complete since the last use.
    fn drop(&mut self) {
        drop(self.db());
    }
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").field("path", &self.path).finish_non_exhaustive()
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    share TEXT NOT NULL,
    remote TEXT NOT NULL,
    local BLOB NOT NULL,
    conflict TEXT NOT NULL,
    state TEXT NOT NULL,
    pid INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    message TEXT,
    position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    job INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    remote TEXT NOT NULL,
    local BLOB NOT NULL,
    temp TEXT NOT NULL,
    size INTEGER NOT NULL,
    tag TEXT NOT NULL,
    complete INTEGER NOT NULL DEFAULT 0,
    UNIQUE (job, remote, local)
);
CREATE TABLE IF NOT EXISTS leftovers (
    id INTEGER PRIMARY KEY,
    endpoint TEXT NOT NULL,
    share TEXT NOT NULL,
    path TEXT NOT NULL,
    pid INTEGER NOT NULL,
    noted_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ranges (
    file INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    offset INTEGER NOT NULL,
    crc INTEGER,
    PRIMARY KEY (file, offset)
) WITHOUT ROWID;
";

/// A path as stored: its bytes on Unix (any name the OS accepts), UTF-8 elsewhere.
fn path_bytes(path: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned().into_bytes()
    }
}

fn path_from(bytes: Vec<u8>) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt as _;
        PathBuf::from(std::ffi::OsString::from_vec(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
    }
}

fn conflict_text(conflict: Conflict) -> String {
    serde_json::to_string(&conflict).unwrap_or_default()
}

/// Whether the process `pid` is alive: Unix `kill(pid, 0)` (a process that exists but
/// belongs to someone else answers `EPERM`: alive); Windows: a process that can be opened
/// and has no exit code yet, or that may not be opened (access denied: alive). A pid the
/// system gave to another process since is taken as alive while that process lives (the
/// job reads as running in another azfx until it ends), as with Linux's `/proc` before. Where neither can be asked, a process not this one is taken
/// as gone.
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    #[cfg(unix)]
    {
        let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) else { return false };
        !matches!(rustix::process::test_kill_process(pid), Err(rustix::io::Errno::SRCH))
    }
    #[cfg(windows)]
    {
        windows_alive(pid)
    }
    #[cfg(not(any(unix, windows)))]
    {
        false
    }
}

#[cfg(windows)]
#[expect(unsafe_code, reason = "two plain Win32 calls on a handle opened and closed here")]
fn windows_alive(pid: u32) -> bool {
    use windows_sys::Win32::Foundation::{CloseHandle, ERROR_ACCESS_DENIED, GetLastError, STILL_ACTIVE};
    use windows_sys::Win32::System::Threading::{GetExitCodeProcess, OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION};
    let handle = unsafe { OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid) };
    if handle.is_null() {
        // A process this user may not open (an elevated azfx) exists, as Unix's EPERM.
        return unsafe { GetLastError() } == ERROR_ACCESS_DENIED;
    }
    let mut code = 0_u32;
    let asked = unsafe { GetExitCodeProcess(handle, &mut code) };
    unsafe { CloseHandle(handle) };
    asked != 0 && code == STILL_ACTIVE.cast_unsigned()
}

fn as_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn as_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl Journal {
    /// Opens (creating it and `dir` if needed) the journal in the state directory `dir`.
    ///
    /// Errors: `Open` when the directory or database cannot be created or read (another
    /// version's schema, a read-only disk).
    pub fn open(dir: &Path) -> Result<Self, JournalError> {
        let path = dir.join(FILE_NAME);
        let fail = |message: String| JournalError::Open { path: path.clone(), message };
        std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
        let db = Connection::open(&path).map_err(|e| fail(e.to_string()))?;
        let journal = Self::with(db, Some(path.clone())).map_err(|e| fail(e.to_string()))?;
        Ok(journal)
    }

    /// A journal kept in memory: transfers resume within this process only (tests, and a
    /// fallback when the state directory cannot be used).
    pub fn in_memory() -> Self {
        // An in-memory database only fails to open when SQLite cannot allocate.
        match Connection::open_in_memory().map_err(JournalError::from).and_then(|db| Self::with(db, None)) {
            Ok(journal) => journal,
            Err(e) => panic!("SQLite cannot open an in-memory database: {e}"),
        }
    }

    fn with(db: Connection, path: Option<PathBuf>) -> Result<Self, JournalError> {
        db.busy_timeout(std::time::Duration::from_secs(5))?;
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "NORMAL")?;
        db.pragma_update(None, "foreign_keys", true)?;
        db.execute_batch(SCHEMA)?;
        // Journals from before ranges carried a checksum get the column (empty: those
        // ranges are trusted as before).
        let has_crc = db.prepare("SELECT 1 FROM pragma_table_info('ranges') WHERE name = 'crc'")?.exists([])?;
        if !has_crc {
            db.execute_batch("ALTER TABLE ranges ADD COLUMN crc INTEGER")?;
        }
        Ok(Self { db: Mutex::new(db), arrived: Mutex::new(Vec::new()), path, pid: std::process::id() })
    }

    /// The database, with every file noted complete since its last use written down
    /// first, so what is read is never behind what was noted.
    fn db(&self) -> Result<std::sync::MutexGuard<'_, Connection>, JournalError> {
        let mut db = self.db.lock().unwrap_or_else(PoisonError::into_inner);
        let arrived = std::mem::take(&mut *self.arrived.lock().unwrap_or_else(PoisonError::into_inner));
        if !arrived.is_empty()
            && let Err(error) = files::mark_complete(&mut db, &arrived)
        {
            // Kept for the next attempt.
            self.arrived.lock().unwrap_or_else(PoisonError::into_inner).extend(arrived);
            return Err(error);
        }
        Ok(db)
    }

    /// Starts `spec` as a job running in this process: the unfinished job with the same
    /// kind, endpoint, share and paths when there is one (it resumes; its conflict rule is
    /// replaced by this one), else a new job at the end of the queue.
    ///
    /// Errors: `Busy` when that job is running, here or in another live process.
    pub fn begin(&self, spec: &JobSpec) -> Result<(JobId, bool), JournalError> {
        let db = self.db()?;
        // The same job on the same account, whatever port it was reached on (an emulator
        // starts on a new port each time: `Endpoint::same_account`).
        let existing: Option<(JobId, String, u32)> = {
            let mut statement = db.prepare(
                "SELECT id, state, pid, endpoint FROM jobs WHERE kind = ?1 AND share = ?2 AND remote = ?3 AND local = ?4",
            )?;
            let rows = statement
                .query_map(params![spec.kind.as_str(), spec.share, spec.remote, path_bytes(&spec.local)], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get::<_, String>(3)?))
                })?;
            let mut found = None;
            for row in rows {
                let (id, state, pid, endpoint) = row?;
                if crate::files::Endpoint::same_account(&endpoint, &spec.endpoint) {
                    found = Some((id, state, pid));
                    break;
                }
            }
            found
        };
        if let Some((id, state, pid)) = existing {
            // Running here (a second Resume, the same file dropped twice) or in another
            // live process: two runs must never share a temporary file.
            if state == "running" && alive(pid) {
                return Err(JournalError::Busy(pid));
            }
            db.execute(
                "UPDATE jobs SET state = 'running', pid = ?2, conflict = ?3, message = NULL, endpoint = ?4 WHERE id = ?1",
                params![id, self.pid, conflict_text(spec.conflict), spec.endpoint],
            )?;
            return Ok((id, true));
        }
        db.execute(
            "INSERT INTO jobs (kind, endpoint, share, remote, local, conflict, state, pid, position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7, (SELECT COALESCE(MAX(position), 0) + 1 FROM jobs))",
            params![
                spec.kind.as_str(),
                spec.endpoint,
                spec.share,
                spec.remote,
                path_bytes(&spec.local),
                conflict_text(spec.conflict),
                self.pid
            ],
        )?;
        Ok((db.last_insert_rowid(), false))
    }

    /// Records a job's progress (bytes done of total).
    pub fn progress(&self, job: JobId, done: u64, total: u64) -> Result<(), JournalError> {
        self.db()?.execute(
            "UPDATE jobs SET done = ?2, total = ?3 WHERE id = ?1",
            params![job, as_i64(done), as_i64(total)],
        )?;
        Ok(())
    }

    /// Marks a job paused, or failed with `message`; its files and ranges stay.
    pub fn stop(&self, job: JobId, failed: Option<&str>) -> Result<(), JournalError> {
        let state = if failed.is_some() { "failed" } else { "paused" };
        self.db()?.execute("UPDATE jobs SET state = ?2, message = ?3 WHERE id = ?1", params![job, state, failed])?;
        Ok(())
    }

    /// Forgets a finished or removed job with its files and ranges.
    pub fn forget(&self, job: JobId) -> Result<(), JournalError> {
        self.db()?.execute("DELETE FROM jobs WHERE id = ?1", params![job])?;
        Ok(())
    }

    /// Moves a job one place earlier (`earlier`) or later in the queue.
    pub fn reorder(&self, job: JobId, earlier: bool) -> Result<(), JournalError> {
        let mut db = self.db()?;
        let tx = db.transaction()?;
        let position: Option<i64> =
            tx.query_row("SELECT position FROM jobs WHERE id = ?1", params![job], |r| r.get(0)).optional()?;
        if let Some(position) = position {
            let neighbour: Option<(JobId, i64)> = if earlier {
                tx.query_row(
                    "SELECT id, position FROM jobs WHERE position < ?1 ORDER BY position DESC LIMIT 1",
                    params![position],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
            } else {
                tx.query_row(
                    "SELECT id, position FROM jobs WHERE position > ?1 ORDER BY position LIMIT 1",
                    params![position],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
            }
            .optional()?;
            if let Some((other, other_position)) = neighbour {
                tx.execute("UPDATE jobs SET position = ?2 WHERE id = ?1", params![job, other_position])?;
                tx.execute("UPDATE jobs SET position = ?2 WHERE id = ?1", params![other, position])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every job, in queue order.
    pub fn jobs(&self) -> Result<Vec<JobRecord>, JournalError> {
        let db = self.db()?;
        let mut statement = db.prepare(
            "SELECT id, kind, endpoint, share, remote, local, conflict, state, pid, done, total, message
             FROM jobs ORDER BY position",
        )?;
        let rows = statement.query_map([], |row| {
            let state: String = row.get(7)?;
            let pid: u32 = row.get(8)?;
            Ok((
                row.get::<_, JobId>(0)?,
                row.get::<_, String>(1)?,
                JobSpec {
                    kind: JobKind::Download,
                    endpoint: row.get(2)?,
                    share: row.get(3)?,
                    remote: row.get(4)?,
                    local: path_from(row.get(5)?),
                    conflict: serde_json::from_str(&row.get::<_, String>(6)?).unwrap_or_default(),
                },
                match state.as_str() {
                    "paused" => JobState::Paused,
                    "failed" => JobState::Failed,
                    _ if pid == self.pid => JobState::Running,
                    _ if alive(pid) => JobState::RunningElsewhere(pid),
                    _ => JobState::Interrupted,
                },
                as_u64(row.get(9)?),
                as_u64(row.get(10)?),
                row.get::<_, Option<String>>(11)?,
            ))
        })?;
        let mut jobs = Vec::new();
        for row in rows {
            let (id, kind, mut spec, state, done, total, message) = row?;
            // A kind written by another version is left alone.
            let Some(kind) = JobKind::parse(&kind) else { continue };
            spec.kind = kind;
            jobs.push(JobRecord { id, spec, state, done, total, message });
        }
        Ok(jobs)
    }

    /// One job.
    pub fn job(&self, id: JobId) -> Result<Option<JobRecord>, JournalError> {
        Ok(self.jobs()?.into_iter().find(|job| job.id == id))
    }

    /// Notes a temporary share file that only this process knows of (a server-side copy's
    /// target before it is renamed into place), so that if the process dies before
    /// removing or renaming it, a later connection to `endpoint` removes it
    /// (`orphaned_leftovers`). Answers its id for `forget_leftover`.
    pub fn note_leftover(&self, endpoint: &str, share: &str, path: &str) -> Result<i64, JournalError> {
        let db = self.db()?;
        db.execute(
            "INSERT INTO leftovers (endpoint, share, path, pid, noted_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![endpoint, share, path, self.pid, crate::auth::now_unix()],
        )?;
        Ok(db.last_insert_rowid())
    }

    /// The temporary file is gone or in place: nothing to clean up.
    pub fn forget_leftover(&self, id: i64) -> Result<(), JournalError> {
        self.db()?.execute("DELETE FROM leftovers WHERE id = ?1", params![id])?;
        Ok(())
    }

    /// Temporary share files at `endpoint` whose process is gone, as (id, share, path).
    pub fn orphaned_leftovers(&self, endpoint: &str) -> Result<Vec<(i64, String, String)>, JournalError> {
        let db = self.db()?;
        let mut statement = db.prepare("SELECT id, share, path, pid FROM leftovers WHERE endpoint = ?1")?;
        let rows = statement.query_map(params![endpoint], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?, row.get::<_, u32>(3)?))
        })?;
        let mut orphaned = Vec::new();
        for row in rows {
            let (id, share, path, pid) = row?;
            if !alive(pid) {
                orphaned.push((id, share, path));
            }
        }
        Ok(orphaned)
    }
}

mod files;
#[cfg(test)]
mod tests;
