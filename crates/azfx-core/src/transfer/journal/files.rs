//! The journal's files and ranges: each file of a job being written to a temporary
//! file, the ranges already written, and the files complete and in place.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use std::sync::PoisonError;

use rusqlite::{Connection, OptionalExtension, params};

use super::{FileRecord, JobId, Journal, JournalError, as_i64, as_u64, path_bytes, path_from};

impl Journal {
    /// The journal's record of one file of `job`.
    pub fn file(&self, job: JobId, remote: &str, local: &Path) -> Result<Option<FileRecord>, JournalError> {
        Ok(self
            .db()?
            .query_row(
                "SELECT id, temp, size, tag, complete FROM files WHERE job = ?1 AND remote = ?2 AND local = ?3",
                params![job, remote, path_bytes(local)],
                |row| {
                    Ok(FileRecord {
                        id: row.get(0)?,
                        temp: row.get(1)?,
                        size: as_u64(row.get(2)?),
                        tag: row.get(3)?,
                        complete: row.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    /// Records (or restarts: its ranges are forgotten) a file of `job` being written to
    /// `temp`; answers its row id.
    pub fn start_file(
        &self,
        job: JobId,
        (remote, local): (&str, &Path),
        temp: &str,
        size: u64,
        tag: &str,
    ) -> Result<i64, JournalError> {
        let mut db = self.db()?;
        let tx = db.transaction()?;
        let id = insert_file(&tx, job, (remote, local), temp, size, tag)?;
        tx.commit()?;
        Ok(id)
    }

    /// Records that the range at `offset` of file `file` is written; an upload gives the
    /// CRC-32 of the local bytes it sent, so a resume can tell a range edited since.
    pub fn range_done(&self, file: i64, offset: u64, crc: Option<u32>) -> Result<(), JournalError> {
        self.db()?.execute(
            "INSERT OR REPLACE INTO ranges (file, offset, crc) VALUES (?1, ?2, ?3)",
            params![file, as_i64(offset), crc],
        )?;
        Ok(())
    }

    /// The CRC-32 recorded for each written range of `file` that has one.
    pub fn range_checks(&self, file: i64) -> Result<HashMap<u64, u32>, JournalError> {
        let db = self.db()?;
        let mut statement = db.prepare("SELECT offset, crc FROM ranges WHERE file = ?1 AND crc IS NOT NULL")?;
        let rows = statement.query_map(params![file], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, u32>(1)?)))?;
        rows.map(|r| r.map(|(offset, crc)| (as_u64(offset), crc)).map_err(JournalError::from)).collect()
    }

    /// The offsets of the ranges of `file` already written.
    pub fn ranges(&self, file: i64) -> Result<HashSet<u64>, JournalError> {
        let db = self.db()?;
        let mut statement = db.prepare("SELECT offset FROM ranges WHERE file = ?1")?;
        let offsets = statement.query_map(params![file], |row| row.get::<_, i64>(0))?;
        offsets.map(|o| o.map(as_u64).map_err(JournalError::from)).collect()
    }

    /// Whether any file of `job` has been started (something was written).
    pub fn has_files(&self, job: JobId) -> Result<bool, JournalError> {
        Ok(self.db()?.query_row("SELECT EXISTS (SELECT 1 FROM files WHERE job = ?1)", params![job], |r| r.get(0))?)
    }

    /// Notes a file complete and in place (its ranges are no longer needed). Written
    /// down with others, at the next use of the journal or once `ARRIVALS_BATCH` are
    /// noted: a process killed meanwhile forgets the last few, which a resumed job
    /// recognises by their size and modification time (`download::arrived_before`,
    /// `upload::uploaded_before`).
    pub fn file_complete(&self, file: i64) -> Result<(), JournalError> {
        let full = {
            let mut arrived = self.arrived.lock().unwrap_or_else(PoisonError::into_inner);
            arrived.push(file);
            arrived.len() >= super::ARRIVALS_BATCH
        };
        if full {
            drop(self.db()?);
        }
        Ok(())
    }

    /// Records many files of a fresh `job` at once (one transaction), as `start_file`
    /// does one: (share path, local path, temporary name, size, identity tag) each.
    /// Answers their row ids in order. A folder download registers its small files so
    /// that each needs no commit of its own before its temporary file is created.
    pub fn start_files(&self, job: JobId, files: &[(String, PathBuf, String, u64)]) -> Result<Vec<i64>, JournalError> {
        let mut db = self.db()?;
        let tx = db.transaction()?;
        let mut ids = Vec::with_capacity(files.len());
        for (remote, local, temp, size) in files {
            ids.push(insert_file(&tx, job, (remote, local), temp, *size, "")?);
        }
        tx.commit()?;
        Ok(ids)
    }

    /// Forgets a file (its temporary file was removed, or the file starts over).
    pub fn forget_file(&self, file: i64) -> Result<(), JournalError> {
        self.db()?.execute("DELETE FROM files WHERE id = ?1", params![file])?;
        Ok(())
    }

    /// The unfinished files of a job, as (share path, local path, temporary name), to
    /// remove their temporary files when the job is cancelled. The temporary file sits
    /// beside the destination: in the share path's folder for uploads, in the local
    /// path's folder for downloads.
    pub fn temporaries(&self, job: JobId) -> Result<Vec<(String, PathBuf, String)>, JournalError> {
        let db = self.db()?;
        let mut statement = db.prepare("SELECT remote, local, temp FROM files WHERE job = ?1 AND complete = 0")?;
        let temps = statement.query_map(params![job], |row| {
            Ok((row.get::<_, String>(0)?, path_from(row.get(1)?), row.get::<_, String>(2)?))
        })?;
        temps.map(|t| t.map_err(JournalError::from)).collect()
    }
}

/// Writes down files noted complete (`Journal::file_complete`), in one transaction.
pub(super) fn mark_complete(db: &mut Connection, files: &[i64]) -> Result<(), JournalError> {
    let tx = db.transaction()?;
    for file in files {
        tx.prepare_cached("DELETE FROM ranges WHERE file = ?1")?.execute(params![file])?;
        tx.prepare_cached("UPDATE files SET complete = 1 WHERE id = ?1")?.execute(params![file])?;
    }
    tx.commit()?;
    Ok(())
}

/// Records (or restarts: an earlier row and its ranges go) a file of `job` inside `tx`;
/// answers its row id. Cached statements: a folder of small files records thousands.
fn insert_file(
    tx: &rusqlite::Transaction<'_>,
    job: JobId,
    (remote, local): (&str, &Path),
    temp: &str,
    size: u64,
    tag: &str,
) -> Result<i64, JournalError> {
    let local = path_bytes(local);
    tx.prepare_cached("DELETE FROM files WHERE job = ?1 AND remote = ?2 AND local = ?3")?
        .execute(params![job, remote, local])?;
    tx.prepare_cached("INSERT INTO files (job, remote, local, temp, size, tag) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
        .execute(params![job, remote, local, temp, as_i64(size), tag])?;
    Ok(tx.last_insert_rowid())
}
