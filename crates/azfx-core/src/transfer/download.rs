//! One file down: resolve the conflict rule against the local destination, write the
//! ranges in parallel at their offsets into a short temporary file beside it, flush,
//! check the size, the stored whole-file MD5 (when the file has one) and that the source
//! did not change (`ETag`), set the local modification time from the share's last-write
//! time, then put the file in place: a rename when replacing, a hard link (which fails
//! rather than replace) otherwise. Each range is recorded in the journal once written: a
//! service or network failure, a pause or a killed process leaves the temporary file to
//! be resumed; a cancel or a local failure removes it; a file whose MD5 does not match is
//! kept aside under a clear name, never put in place.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use time::OffsetDateTime;

use futures_util::{StreamExt as _, TryStreamExt as _};

use super::place::{numbered_siblings, place, put_in_place, unused_path};
use super::{
    Conflict, JobId, Journal, OrderedMd5, ProgressFn, Resumed, Run, Tally, TransferError, blocking, bytes_done,
    ranges_of, temporary_name, unless_stopped,
};
use crate::files::RANGE_BYTES;
use crate::files::{EntryProperties, FilesClient};

/// What a download did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadOutcome {
    /// Bytes received (0 when skipped).
    pub bytes: u64,
    /// The local file written (with `Conflict::KeepBoth`, the new name), or the file left
    /// alone when skipped.
    pub path: PathBuf,
    /// The destination existed and the conflict rule left it as it was.
    pub skipped: bool,
    /// What an earlier attempt had already written.
    pub resumed: Resumed,
}

/// Where to write, and whether that replaces a file; `None`: skip.
fn local_destination(
    dest: &Path,
    conflict: Conflict,
    remote_write: Option<OffsetDateTime>,
) -> Result<Option<(PathBuf, bool)>, TransferError> {
    let Ok(existing) = dest.symlink_metadata() else {
        return Ok(Some((dest.to_owned(), false)));
    };
    // `LONGFI~1.TXT` from the share is not `longfilename.txt` here, whatever Windows finds.
    if matches!(conflict, Conflict::Replace | Conflict::ReplaceIfNewer) && super::local_names::is_short_name_alias(dest)
    {
        let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        return Err(TransferError::NotAllowedHere {
            name,
            rule: super::local_names::WindowsNameRule::ShortNameOfAnotherFile,
        });
    }
    let replaceable = existing.file_type().is_file();
    Ok(match conflict {
        Conflict::Fail => return Err(TransferError::Exists(dest.display().to_string())),
        // A link, device or pipe is never replaced by a rename (the rename would put a
        // regular file where a symlink like /dev/stdout was).
        Conflict::Replace | Conflict::ReplaceIfNewer if !replaceable => {
            return Err(TransferError::NotRegularFile(dest.to_owned()));
        }
        Conflict::Skip => None,
        Conflict::Replace => Some((dest.to_owned(), true)),
        Conflict::ReplaceIfNewer => {
            let local = existing.modified().ok().map(OffsetDateTime::from);
            let newer = matches!((remote_write, local), (Some(remote), Some(local)) if super::ticks(remote) > super::ticks(local));
            newer.then(|| (dest.to_owned(), true))
        }
        Conflict::KeepBoth => Some((unused_path(dest), false)),
    })
}

/// `local_destination` on the blocking pool.
async fn resolve(
    dest: &Path,
    conflict: Conflict,
    remote_write: Option<OffsetDateTime>,
) -> Result<Option<(PathBuf, bool)>, TransferError> {
    let wanted = dest.to_owned();
    blocking("checking", dest, move || Ok(local_destination(&wanted, conflict, remote_write))).await?
}

/// Downloads `share/path` to the local file `dest` under the `conflict` rule, as a file
/// of `run`'s job: a temporary file the journal knows from an earlier attempt is resumed
/// when the share's file is unchanged (same `ETag` and size), else it starts over.
///
/// Errors: `Exists` (rule `Fail`), `Integrity` (the MD5 does not match; the bytes are
/// kept aside), `SourceChanged` (the file changed on the share meanwhile), `Paused` and
/// service errors (what was written is kept for a resume), `Cancelled` (removed), local
/// IO errors. In every error case `dest` is as it was.
pub async fn download(
    client: &FilesClient,
    share: &str,
    path: &str,
    dest: &Path,
    conflict: Conflict,
    run: &Run,
    progress: ProgressFn,
) -> Result<DownloadOutcome, TransferError> {
    super::local_names::check_local(dest)?;
    let journal = &run.journal;
    let record = journal.file(run.job, path, dest)?;
    if let Some(done) = record.as_ref().filter(|r| r.complete) {
        // A folder job resumed: this file arrived before the interruption, if it is still
        // there at its size (a crash before the data reached the disk can leave it empty).
        let looked = dest.to_owned();
        let there = blocking("checking", dest, move || Ok(std::fs::metadata(looked).ok())).await?;
        if there.is_some_and(|m| m.is_file() && m.len() == done.size) {
            progress(done.size, done.size);
            return Ok(DownloadOutcome {
                bytes: done.size,
                path: dest.to_owned(),
                skipped: false,
                resumed: Resumed::Fresh,
            });
        }
    }
    let source = client.file_properties(share, path).await?;
    let size = source.size.unwrap_or(0);
    let tag = source.etag.clone().unwrap_or_default();
    let remote_write = source.last_write.as_deref().and_then(crate::azure_time::parse_iso);
    if let Some(done) = record.as_ref().filter(|r| r.complete) {
        // Keep both put it beside the file that was there (`name (1).ext`): found by its
        // size and last-write time.
        if conflict == Conflict::KeepBoth
            && let Some(found) =
                already_arrived(run, (done.id, &done.temp), (dest, conflict), (size, remote_write), &progress).await?
        {
            return Ok(found);
        }
        journal.forget_file(done.id)?;
    }
    if let Some(record) = record.filter(|r| !r.complete)
        && let Some(done) =
            already_arrived(run, (record.id, &record.temp), (dest, conflict), (size, remote_write), &progress).await?
    {
        return Ok(done);
    }
    let Some((target, replace)) = resolve(dest, conflict, remote_write).await? else {
        progress(size, size);
        return Ok(DownloadOutcome { bytes: 0, path: dest.to_owned(), skipped: true, resumed: Resumed::Fresh });
    };
    let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_owned();
    let created = dir.clone();
    blocking("creating", &dir, move || std::fs::create_dir_all(created)).await?;
    // 4 MiB: large enough that requests cost little, small enough that the ranges in
    // flight and the hasher's queue stay well under 100 MiB (a 10 GiB test pins it).
    let piece = RANGE_BYTES;
    let tag = format!("{tag}|{piece}");
    let (file_id, temp, resumed, skip) = partial(journal, run.job, (path, dest), &dir, (size, piece), &tag).await?;
    let received =
        receive(client, (share, path), &temp, &source, remote_write, (file_id, piece, &skip), run, &progress).await;
    finish(run, received, (file_id, &temp), (&target, replace), size, resumed).await
}

/// The outcome of a file of a resumed job that `arrived_at` its place before the
/// interruption (then written down as complete), or `None`.
async fn already_arrived(
    run: &Run,
    (id, temp): (i64, &str),
    (dest, conflict): (&Path, Conflict),
    (size, remote_write): (u64, Option<OffsetDateTime>),
    progress: &ProgressFn,
) -> Result<Option<DownloadOutcome>, TransferError> {
    let (temp, wanted) = (dest.with_file_name(temp), dest.to_owned());
    let arrived =
        blocking("checking", dest, move || Ok(arrived_at(&temp, &wanted, conflict, size, remote_write))).await?;
    let Some(path) = arrived else { return Ok(None) };
    run.journal.file_complete(id)?;
    progress(size, size);
    Ok(Some(DownloadOutcome { bytes: size, path, skipped: false, resumed: Resumed::Fresh }))
}

/// Where a file of a resumed job was put in place before the interruption although the
/// journal had not written that down yet (`Journal::file_complete` records in batches),
/// or `None`: its temporary file is gone and `dest` (under `Conflict::KeepBoth` also
/// `name (1).ext`, `name (2).ext`, … up to the first free name) is a regular file of the
/// source's `size` whose modification time is the share's last-write time, which azfx
/// set (to the 100 ns). Blocking. A file that only looks like it is left alone, never
/// replaced: the safe way to be wrong.
fn arrived_at(
    temp: &Path,
    dest: &Path,
    conflict: Conflict,
    size: u64,
    remote_write: Option<OffsetDateTime>,
) -> Option<PathBuf> {
    let remote = remote_write?;
    if temp.symlink_metadata().is_ok() {
        return None;
    }
    let placed_here = |path: &Path| {
        path.symlink_metadata().ok().map(|m| {
            m.is_file()
                && m.len() == size
                && m.modified().is_ok_and(|at| super::ticks(OffsetDateTime::from(at)) == super::ticks(remote))
        })
    };
    match placed_here(dest) {
        Some(true) => return Some(dest.to_owned()),
        Some(false) if conflict == Conflict::KeepBoth => {}
        _ => return None,
    }
    numbered_siblings(dest)
        .map_while(|candidate| placed_here(&candidate).map(|placed| (candidate, placed)))
        .find_map(|(candidate, placed)| placed.then_some(candidate))
}

/// Moves the bytes of a file whose MD5 did not match from `temp` to `NAME.unverified`
/// beside `target` (or `NAME (1).unverified`, …; never replacing a file) and answers
/// what the error should say about them. Blocking.
fn keep_aside(temp: &Path, target: &Path) -> String {
    let aside = target.with_file_name(format!(
        "{}.unverified",
        target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    ));
    let to = unused_path(&aside);
    match place(temp, &to, false) {
        Ok(()) => format!("the bytes that arrived are kept as {}", to.display()),
        Err(e) => format!("the bytes could not be kept ({e})"),
    }
}

/// Puts the temporary file in place once `received` is fine and the job was not
/// cancelled meanwhile, and records the file complete. A file whose MD5 did not match is
/// kept aside as `NAME.unverified`; other failures keep the temporary file for a resume
/// when `keeps_partial` says so, else remove it.
async fn finish(
    run: &Run,
    received: Result<(), TransferError>,
    (file_id, temp): (i64, &Path),
    (target, replace): (&Path, bool),
    size: u64,
    resumed: Resumed,
) -> Result<DownloadOutcome, TransferError> {
    let placed = match received {
        Ok(()) if run.cancel.is_cancelled() => Err(run.stopped()),
        Ok(()) => put_in_place(temp, target, replace).await,
        Err(TransferError::Integrity { path, expected, actual, .. }) => {
            let (from, at) = (temp.to_owned(), target.to_owned());
            let kept = blocking("keeping", temp, move || Ok(keep_aside(&from, &at)))
                .await
                .unwrap_or_else(|e| format!("the bytes could not be kept ({e})"));
            Err(TransferError::Integrity { path, expected, actual, kept })
        }
        Err(error) => Err(error),
    };
    match placed {
        Ok(()) => {
            run.journal.file_complete(file_id)?;
            Ok(DownloadOutcome { bytes: size, path: target.to_owned(), skipped: false, resumed })
        }
        Err(error) if error.keeps_partial() => Err(error),
        Err(error) => {
            let _ = tokio::fs::remove_file(temp).await;
            run.journal.forget_file(file_id)?;
            Err(error)
        }
    }
}

/// Downloads a file that was listed at `listed` bytes (at most `RANGE_BYTES`) with one
/// request (`FilesClient::read_small_file`): no properties request before it and no
/// `ETag` check after, which is what makes a folder of small files fast. Same rules,
/// errors and guarantees as `download` (except that a pause keeps nothing: the one range
/// is read again on resume), which takes over when the file grew past the
/// range or emptied since it was listed, or the journal has it from an earlier attempt
/// (except a file `registered` by its folder and never written down as arrived: it keeps
/// this path, and what a kill left part written is removed; its one range is read again).
/// `registered`: the journal id and temporary name the folder recorded for it
/// (`tree::register_small_files`), or `None` to record it here.
#[expect(clippy::too_many_arguments, reason = "download's arguments and the listed size")]
pub(super) async fn download_small(
    client: &FilesClient,
    share: &str,
    path: &str,
    dest: &Path,
    listed: u64,
    conflict: Conflict,
    run: &Run,
    registered: Option<(i64, String)>,
    progress: ProgressFn,
) -> Result<DownloadOutcome, TransferError> {
    super::local_names::check_local(dest)?;
    let journal = &run.journal;
    let earlier = if registered.is_none() && !run.fresh { journal.file(run.job, path, dest)? } else { None };
    // A file the folder registered in an earlier run and that was never written down as
    // arrived keeps the one-request path; any other record goes through `download`.
    let (registered, resumed) = match (registered, earlier) {
        (Some(registered), _) => (Some(registered), false),
        (None, Some(record)) if !record.complete && record.tag.is_empty() => (Some((record.id, record.temp)), true),
        (None, Some(_)) => return download(client, share, path, dest, conflict, run, progress).await,
        (None, None) => (None, false),
    };
    let (source, data) = match client.read_small_file(share, path, listed).await {
        Ok((source, data)) if source.size == Some(data.len() as u64) => (source, data),
        Ok(_) => return download(client, share, path, dest, conflict, run, progress).await,
        Err(e) if e.kind == crate::files::ErrorKind::InvalidRange => {
            return download(client, share, path, dest, conflict, run, progress).await;
        }
        Err(e) => return Err(e.into()),
    };
    let size = data.len() as u64;
    let remote_write = source.last_write.as_deref().and_then(crate::azure_time::parse_iso);
    // Recorded as `download` records it (unless the folder registered it already), so a
    // temporary file a kill leaves is known (its one range is not recorded: one journal
    // write less per file).
    let created_here = registered.is_none();
    let (file_id, name) = if let Some(registered) = registered {
        registered
    } else {
        let name = temporary_name();
        let tag = format!("{}|{RANGE_BYTES}", source.etag.clone().unwrap_or_default());
        (journal.start_file(run.job, (path, dest), &name, size, &tag)?, name)
    };
    let temp = dest.with_file_name(&name);
    let small = SmallFile {
        label: format!("/{share}/{path}"),
        dest: dest.to_owned(),
        temp: temp.clone(),
        resumed,
        conflict,
        remote_write,
        expected: source.content_md5.clone(),
        data,
    };
    let run_copy = run.clone();
    let written = match tokio::task::spawn_blocking(move || small.write(&run_copy)).await {
        Ok(written) => written,
        Err(join) => {
            // Panicked part way: what it wrote is removed like any failed write.
            let _ = tokio::fs::remove_file(&temp).await;
            Err(TransferError::Local { action: "writing", path: dest.to_owned(), source: std::io::Error::other(join) })
        }
    };
    progress(size, size);
    match written {
        Ok(SmallWritten::Placed(target)) => {
            journal.file_complete(file_id)?;
            Ok(DownloadOutcome { bytes: size, path: target, skipped: false, resumed: Resumed::Fresh })
        }
        Ok(SmallWritten::Skipped) => {
            // A record made here has nothing to resume (a folder's registrations go with
            // its job).
            if created_here {
                journal.forget_file(file_id)?;
            }
            Ok(DownloadOutcome { bytes: 0, path: dest.to_owned(), skipped: true, resumed: Resumed::Fresh })
        }
        Err(error) if error.keeps_partial() => Err(error),
        Err(error) => {
            journal.forget_file(file_id)?;
            Err(error)
        }
    }
}

/// A small file that arrived in one piece (`download_small`), to be written and put in
/// place by one blocking call (`write`): a folder of thousands of them is bound by the
/// per-file work, and each hop to the blocking pool costs two thread wake-ups.
struct SmallFile {
    /// `/share/path`, for errors.
    label: String,
    dest: PathBuf,
    /// The temporary file beside `dest` the journal knows.
    temp: PathBuf,
    /// A run after an interruption: the file may already be in place, or part written.
    resumed: bool,
    conflict: Conflict,
    remote_write: Option<OffsetDateTime>,
    /// The share's whole-file MD5 (base64), when it has one.
    expected: Option<String>,
    data: bytes::Bytes,
}

/// What `SmallFile::write` did.
enum SmallWritten {
    /// Written to, verified and put in place at this path (or found there from before an
    /// interruption).
    Placed(PathBuf),
    /// The conflict rule left the existing file as it was.
    Skipped,
}

impl SmallFile {
    /// Resolves the conflict rule, writes the temporary file (creating its folder if
    /// missing), sets its modification time, checks the MD5 and puts it in place, as
    /// `download` does for a large file. Blocking. On any error the temporary file is
    /// gone (a file whose MD5 does not match is kept aside as `NAME.unverified`) and
    /// `dest` is as it was.
    fn write(self, run: &Run) -> Result<SmallWritten, TransferError> {
        let size = self.data.len() as u64;
        if self.resumed {
            // Put in place before the interruption (not written down yet), or part
            // written by a kill: removed, the file starts over.
            if let Some(placed) = arrived_at(&self.temp, &self.dest, self.conflict, size, self.remote_write) {
                return Ok(SmallWritten::Placed(placed));
            }
            let _ = std::fs::remove_file(&self.temp);
        }
        let Some((target, replace)) = local_destination(&self.dest, self.conflict, self.remote_write)? else {
            return Ok(SmallWritten::Skipped);
        };
        if run.cancel.is_cancelled() {
            return Err(run.stopped());
        }
        let written = self.write_temp().map_err(super::local("writing", &self.temp));
        let placed = written.and_then(|actual| match (self.expected, actual) {
            (Some(expected), Some(actual)) if expected != actual => {
                let kept = keep_aside(&self.temp, &target);
                Err(TransferError::Integrity { path: self.label, expected, actual, kept })
            }
            _ if run.cancel.is_cancelled() => Err(run.stopped()),
            _ => place(&self.temp, &target, replace),
        });
        if placed.is_err() {
            let _ = std::fs::remove_file(&self.temp);
        }
        placed.map(|()| SmallWritten::Placed(target))
    }

    /// Writes the temporary file and answers the MD5 of the bytes when the share has one
    /// to compare with.
    fn write_temp(&self) -> std::io::Result<Option<String>> {
        let create = || std::fs::File::options().write(true).create_new(true).open(&self.temp);
        let mut file = match create() {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = self.temp.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                create()?
            }
            other => other?,
        };
        std::io::Write::write_all(&mut file, &self.data)?;
        if let Some(at) = self.remote_write {
            file.set_modified(at.into())?;
        }
        // Linux: the folder is flushed once at its end (`tree::FolderFlush`), not file by file.
        if !cfg!(target_os = "linux") {
            file.sync_all()?;
        }
        Ok(self.expected.as_ref().map(|_| super::md5_base64(&<md5::Md5 as md5::Digest>::digest(&self.data))))
    }
}

/// The temporary file to write into: the journal's partial file when it is still there
/// at full length and the source is unchanged (`tag`, `size`), else a new one (an old
/// one is removed). Answers its journal id, path, what was resumed and the ranges done.
async fn partial(
    journal: &Journal,
    job: JobId,
    (path, dest): (&str, &Path),
    dir: &Path,
    (size, piece): (u64, u64),
    tag: &str,
) -> Result<(i64, PathBuf, Resumed, HashSet<u64>), TransferError> {
    if let Some(record) = journal.file(job, path, dest)? {
        let temp = dir.join(&record.temp);
        let looked = temp.clone();
        let on_disk = blocking("checking", &temp, move || Ok(std::fs::symlink_metadata(looked).ok())).await?;
        let intact = on_disk.is_some_and(|m| m.is_file() && m.len() == size);
        if intact && record.tag == tag && record.size == size {
            let skip = journal.ranges(record.id)?;
            return Ok((record.id, temp, Resumed::From(bytes_done(size, piece, &skip)), skip));
        }
        let _ = tokio::fs::remove_file(&temp).await;
        let name = temporary_name();
        let id = journal.start_file(job, (path, dest), &name, size, tag)?;
        // A file a folder registered before reading it has no tag: nothing to compare.
        let changed = record.tag != tag && !record.tag.is_empty();
        let resumed = if changed { Resumed::SourceChanged } else { Resumed::Fresh };
        return Ok((id, dir.join(name), resumed, HashSet::new()));
    }
    let name = temporary_name();
    let id = journal.start_file(job, (path, dest), &name, size, tag)?;
    Ok((id, dir.join(name), Resumed::Fresh, HashSet::new()))
}

/// Writes the file's missing ranges into `temp` (recording each in the journal),
/// `PARALLEL_RANGES` at a time, hashing the whole file in order as it arrives when the
/// share stores its MD5, then verifies size, MD5 and `ETag`.
#[expect(clippy::too_many_arguments, reason = "one call site; the pieces of one download")]
async fn receive(
    client: &FilesClient,
    (share, path): (&str, &str),
    temp: &Path,
    source: &EntryProperties,
    remote_write: Option<OffsetDateTime>,
    (file_id, piece, skip): (i64, u64, &HashSet<u64>),
    run: &Run,
    progress: &ProgressFn,
) -> Result<(), TransferError> {
    let size = source.size.unwrap_or(0);
    let file = {
        let temp = temp.to_owned();
        blocking("creating", &temp.clone(), move || {
            let file = std::fs::File::options().write(true).read(true).create(true).truncate(false).open(&temp)?;
            file.set_len(size)?;
            Ok(Arc::new(file))
        })
        .await?
    };
    let md5 = source.content_md5.as_ref().map(|_| OrderedMd5::start(2));
    let hashing = md5.is_some();
    let tally = Tally::new(bytes_done(size, piece, skip), size, progress);
    let (report_written, written) = std::sync::mpsc::sync_channel::<u64>(1024);
    let flusher = {
        let file = Arc::clone(&file);
        tokio::task::spawn_blocking(move || crate::fs_util::flush_while_written(&file, &written, FLUSH_EVERY))
    };
    let pieces = futures_util::stream::iter(ranges_of(size, piece))
        .map(|(offset, length)| {
            let (file, tally, report_written) = (Arc::clone(&file), &tally, report_written.clone());
            async move {
                if skip.contains(&offset) {
                    // Written by an earlier attempt: read back only to hash it.
                    if !hashing {
                        return Ok(None);
                    }
                    let data = blocking("reading", temp, move || {
                        let mut buf = vec![0_u8; usize::try_from(length).map_err(std::io::Error::other)?];
                        crate::fs_util::read_at(&file, &mut buf, offset).map(|_| buf)
                    })
                    .await?;
                    return Ok(Some(bytes::Bytes::from(data)));
                }
                let data = client.get_range(share, path, offset, length).await?;
                // The file was created at its full size, reading as zeros: a range of
                // zeros needs no write, and a sparse file stays sparse.
                if !super::is_zero(&data) {
                    let written = data.clone();
                    blocking("writing", temp, move || {
                        crate::fs_util::write_all_at(&file, &written, offset)?;
                        // A hint: when the flusher is behind, it catches up at its next turn.
                        let _ = report_written.try_send(length);
                        Ok(())
                    })
                    .await?;
                }
                run.journal.range_done(file_id, offset, None)?;
                tally.add(length);
                Ok::<_, TransferError>(hashing.then_some(data))
            }
        })
        .buffered(run.ranges.max(1))
        .try_for_each(|data| async {
            if let (Some(md5), Some(data)) = (&md5, data) {
                md5.feed(data).await;
            }
            Ok(())
        });
    let received = unless_stopped(run, pieces).await;
    drop(report_written);
    let on_disk = flusher.await.unwrap_or_else(|join| Err(std::io::Error::other(join)));
    received?;
    on_disk.map_err(super::local("flushing", temp))?;
    let finished = Arc::clone(&file);
    let modified = remote_write.map(std::time::SystemTime::from);
    blocking("flushing", temp, move || {
        if let Some(at) = modified {
            finished.set_modified(at)?;
        }
        finished.sync_all()?;
        let written = finished.metadata()?.len();
        if written == size {
            Ok(())
        } else {
            Err(std::io::Error::other(format!("{written} bytes on disk, {size} expected")))
        }
    })
    .await?;
    drop(file);
    if let (Some(expected), Some(md5)) = (&source.content_md5, md5) {
        let actual = md5.finish(temp).await?;
        if actual != *expected {
            return Err(TransferError::Integrity {
                path: format!("/{share}/{path}"),
                expected: expected.clone(),
                actual,
                kept: String::new(),
            });
        }
    }
    let now = client.file_properties(share, path).await?;
    if now.etag != source.etag {
        return Err(TransferError::SourceChanged(format!("/{share}/{path}")));
    }
    Ok(())
}

/// Bytes written between two flushes of a download in progress
/// (`fs_util::flush_while_written`): large enough that each `fdatasync` has a
/// disk's worth of work, small enough that the one at the end waits for little.
const FLUSH_EVERY: u64 = 64 * 1024 * 1024;
