//! One file up: validate the local source before anything is sent, resolve the conflict
//! rule against what the share has (no question to ask when the rule is "replace"),
//! write a temporary file beside the destination, then rename it over the destination.
//! A file of one range is read and hashed first and created with its MD5 and local times
//! (create, write, rename: three requests); a larger one is written with parallel Put
//! Ranges while one reader hashes it in order (all-zero ranges of sparse files skipped),
//! then stamped with the MD5 and times. Each range is recorded in the journal once the
//! service has it: a service or network failure, a pause or a killed process leaves the
//! temporary file to be resumed; a cancel or any other failure deletes it. The
//! destination is never truncated or deleted.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use time::OffsetDateTime;

use futures_util::{StreamExt as _, TryStreamExt as _};

use super::{
    Conflict, JobId, Journal, ProgressFn, Resumed, Run, Tally, TransferError, blocking, bytes_done, ranges_of,
    temporary_name, unless_stopped,
};
use crate::files::RANGE_BYTES;
use crate::files::names::join;
use crate::files::{EntryType, ErrorKind, FileStamp, FilesClient, Overwrite};

/// What an upload did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadOutcome {
    /// Bytes sent (0 when skipped).
    pub bytes: u64,
    /// The share path written (with `Conflict::KeepBoth`, the new name), or the path
    /// left alone when skipped.
    pub path: String,
    /// The destination existed and the conflict rule left it as it was.
    pub skipped: bool,
    /// What an earlier attempt had already sent.
    pub resumed: Resumed,
}

/// The longest name Keep both makes, in UTF-8 bytes: 255 is the limit of a file name
/// in bytes on Linux and macOS, and in UTF-16 units on Azure Files and NTFS (never more
/// units than UTF-8 bytes), so a name that fits here fits everywhere.
const NAME_MAX_BYTES: usize = 255;

/// `name (n).ext` for a path's last component, its stem shortened (at a character
/// boundary) when the numbered name would be longer than `NAME_MAX_BYTES`.
pub(super) fn numbered(path: &str, n: u32) -> String {
    let (dir, name) = path.rsplit_once('/').map_or(("", path), |(d, n)| (d, n));
    let tag = format!(" ({n})");
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() + 1 + tag.len() < NAME_MAX_BYTES => {
            (stem, format!(".{ext}"))
        }
        _ => (name, String::new()),
    };
    let stem = shortened(stem, NAME_MAX_BYTES - tag.len() - extension.len());
    join(dir, &format!("{stem}{tag}{extension}"))
}

/// `text`'s longest prefix of at most `max` bytes that ends at a character boundary.
fn shortened(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

pub(super) fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// Where to write, and whether that replaces a file; `None`: skip.
pub(super) async fn destination(
    client: &FilesClient,
    share: &str,
    path: &str,
    conflict: Conflict,
    local_write: Option<OffsetDateTime>,
) -> Result<Option<(String, bool)>, TransferError> {
    if matches!(conflict, Conflict::Replace) {
        // The rename replaces whatever is there: nothing to ask first.
        return Ok(Some((path.to_owned(), true)));
    }
    let Some(existing) = client.file_properties_if_any(share, path).await? else {
        return Ok(Some((path.to_owned(), false)));
    };
    match conflict {
        Conflict::Fail => Err(TransferError::Exists(format!("/{share}/{path}"))),
        Conflict::Skip => Ok(None),
        Conflict::Replace => Ok(Some((path.to_owned(), true))),
        Conflict::ReplaceIfNewer => {
            let remote = existing.last_write.as_deref().and_then(crate::azure_time::parse_iso);
            let newer = match (local_write, remote) {
                (Some(local), Some(remote)) => super::ticks(local) > super::ticks(remote),
                _ => false,
            };
            Ok(newer.then(|| (path.to_owned(), true)))
        }
        Conflict::KeepBoth => {
            for n in 1..10_000 {
                let candidate = numbered(path, n);
                if client.file_properties_if_any(share, &candidate).await?.is_none() {
                    return Ok(Some((candidate, false)));
                }
            }
            Err(TransferError::Exists(format!("/{share}/{path}")))
        }
    }
}

/// Names tried after the chosen `name (n)` was taken meanwhile (`Conflict::KeepBoth`).
const KEEP_BOTH_RETRIES: u32 = 100;

/// Renames the complete temporary file `temp` to `target`, replacing only with `replace`.
/// Under `Conflict::KeepBoth`, a numbered name another transfer took meanwhile (parallel
/// files of one folder, another client) moves on to the next free number instead of
/// failing. Returns the name it got.
///
/// Errors: `Exists` when a file of that name is there and may not be replaced (a folder
/// of that name, a sharing violation or a pending delete keep their own diagnosis).
pub(super) async fn place(
    client: &FilesClient,
    share: &str,
    temp: &str,
    (path, target): (&str, &str),
    conflict: Conflict,
    replace: bool,
) -> Result<String, TransferError> {
    let overwrite = if replace { Overwrite::Replace } else { Overwrite::Fail };
    let mut target = target.to_owned();
    let mut next = 1;
    loop {
        match client.rename(share, temp, &target, EntryType::File, overwrite).await {
            Ok(()) => return Ok(target),
            Err(e) if e.code.as_deref() == Some("ResourceAlreadyExists") && !replace => {
                if conflict != Conflict::KeepBoth || next > KEEP_BOTH_RETRIES {
                    return Err(TransferError::Exists(format!("/{share}/{target}")));
                }
                let taken = target.clone();
                while target == taken || target == path {
                    target = numbered(path, next);
                    next += 1;
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Uploads the local file `src` to `share/path` under the `conflict` rule, as a file of
/// `run`'s job: a temporary file the journal knows from an earlier attempt is resumed
/// when the local file is unchanged (size and modification time) and the temporary file
/// is still on the share at full size, else it starts over.
///
/// Errors: `NotAFile` (before anything is sent), `Exists` (rule `Fail`), `SourceChanged`
/// (the file changed while it was read), `Paused` and service errors (the temporary file
/// is kept for a resume), `Cancelled` (removed), local IO errors. In every error case the
/// destination is as it was.
pub async fn upload(
    client: &FilesClient,
    src: &Path,
    share: &str,
    path: &str,
    conflict: Conflict,
    run: &Run,
    progress: ProgressFn,
) -> Result<UploadOutcome, TransferError> {
    let journal = &run.journal;
    let record = if run.fresh { None } else { journal.file(run.job, path, src)? };
    if let Some(done) = record.as_ref().filter(|r| r.complete) {
        // A folder job resumed: this file arrived before the interruption.
        progress(done.size, done.size);
        return Ok(UploadOutcome { bytes: done.size, path: path.to_owned(), skipped: false, resumed: Resumed::Fresh });
    }
    // Look before opening: opening a named pipe would wait for a writer forever.
    let looked = src.to_owned();
    if !blocking("reading", src, move || std::fs::metadata(looked)).await?.is_file() {
        return Err(TransferError::NotAFile(src.to_owned()));
    }
    let opened = src.to_owned();
    let (file, before) = blocking("opening", src, move || {
        let file = std::fs::File::open(opened)?;
        let metadata = file.metadata()?;
        Ok((Arc::new(file), metadata))
    })
    .await?;
    if !before.is_file() {
        return Err(TransferError::NotAFile(src.to_owned()));
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    crate::files::names::check_name(name)
        .map_err(|reason| TransferError::InvalidName { name: name.to_owned(), reason })?;
    let size = before.len();
    if size > super::MAX_FILE_BYTES {
        return Err(TransferError::TooLargeForAzureFiles { path: src.to_owned(), size });
    }
    let local_write = before.modified().ok().map(OffsetDateTime::from);
    if let Some(record) = record.as_ref()
        && let Some(placed) = uploaded_to(client, share, (path, &record.temp, conflict), size, local_write).await?
    {
        journal.file_complete(record.id)?;
        progress(size, size);
        return Ok(UploadOutcome { bytes: size, path: placed, skipped: false, resumed: Resumed::Fresh });
    }
    let Some((target, replace)) = destination(client, share, path, conflict, local_write).await? else {
        progress(size, size);
        return Ok(UploadOutcome { bytes: 0, path: path.to_owned(), skipped: true, resumed: Resumed::Fresh });
    };
    // Boxed: the sending future is large, and every upload awaits it.
    let sending =
        send_and_place(client, src, (share, path, &target), conflict, replace, (&file, &before), record, run, progress);
    let sent = Box::pin(sending).await;
    match sent {
        Err(TransferError::Files(e)) if replace && e.kind == ErrorKind::TooLarge => {
            Err(no_room_to_replace(client, share, path, size).await)
        }
        other => other,
    }
}

/// Why a replace did not fit: the share's quota less its usage, when both can be read.
async fn no_room_to_replace(client: &FilesClient, share: &str, path: &str, size: u64) -> TransferError {
    let quota = client.share_quota_gib(share).await.ok().flatten();
    let used = client.share_usage_bytes(share).await.ok();
    let free = match (quota, used) {
        (Some(quota), Some(used)) => {
            format!(", and has {} (quota {quota} GiB)", crate::format::human_size((quota << 30).saturating_sub(used)))
        }
        _ => String::new(),
    };
    TransferError::NoRoomToReplace { path: format!("/{share}/{path}"), size: crate::format::human_size(size), free }
}

/// `upload` once the destination is known: sends into a temporary file and puts it in
/// place (`replace` when a file is there and the rule says replace it).
#[expect(clippy::too_many_arguments, reason = "the steps of one upload, split out of it")]
async fn send_and_place(
    client: &FilesClient,
    src: &Path,
    (share, path, target): (&str, &str, &str),
    conflict: Conflict,
    replace: bool,
    (file, before): (&Arc<std::fs::File>, &std::fs::Metadata),
    record: Option<super::journal::FileRecord>,
    run: &Run,
    progress: ProgressFn,
) -> Result<UploadOutcome, TransferError> {
    let journal = &run.journal;
    let size = before.len();
    let local_write = before.modified().ok().map(OffsetDateTime::from);
    // The range size too: offsets recorded with another size would not mean the same bytes.
    let tag = format!("{size}:{}|{RANGE_BYTES}", local_write.map_or(0, super::ticks));
    // Errors name the file the user asked for, not the temporary one.
    let about_target = |error: TransferError| match error {
        TransferError::Files(mut e) => {
            e.url = client.endpoint().url(share, target).to_string();
            TransferError::Files(e)
        }
        other => other,
    };
    let stamp = FileStamp {
        content_md5: None,
        created: before.created().ok().map(OffsetDateTime::from),
        last_write: local_write,
    };
    let (file_id, temp, resumed, sent) = if size <= RANGE_BYTES && record.is_none() {
        let (file_id, temp, sent) =
            send_small(client, src, (share, path, target), (file, before), stamp, &tag, run, &progress)
                .await
                .map_err(about_target)?;
        (file_id, temp, Resumed::Fresh, sent)
    } else {
        let (file_id, temp, resumed, skip) =
            partial(client, journal, run.job, (share, path, target), src, size, &tag).await.map_err(about_target)?;
        let sent =
            send_content(client, src, (share, &temp), (file, before), stamp, (file_id, &skip), run, &progress).await;
        (file_id, temp, resumed, sent)
    };
    let renamed = match sent {
        Ok(()) if run.cancel.is_cancelled() => Err(run.stopped()),
        Ok(()) => place(client, share, &temp, (path, target), conflict, replace).await,
        Err(e) => Err(e),
    };
    match renamed {
        Ok(target) => {
            journal.file_complete(file_id)?;
            Ok(UploadOutcome { bytes: size, path: target, skipped: false, resumed })
        }
        Err(error) if error.keeps_partial() => Err(about_target(error)),
        Err(error) => {
            // Only the temporary file is ours to remove; the destination was never touched.
            let _ = client.delete_file(share, &temp).await;
            journal.forget_file(file_id)?;
            Err(about_target(error))
        }
    }
}

/// Where a file of a resumed job was renamed into place before the interruption although
/// the journal had not written that down yet (`Journal::file_complete` records in
/// batches), or `None`: its temporary file is gone from the share and `path` (under
/// `Conflict::KeepBoth` also `name (1).ext`, `name (2).ext`, … up to the first free
/// name) has the local file's size and last-write time (which azfx stamped, to the
/// 100 ns). A file that only looks like it is left alone, never replaced: the safe way
/// to be wrong.
async fn uploaded_to(
    client: &FilesClient,
    share: &str,
    (path, temp, conflict): (&str, &str, Conflict),
    size: u64,
    local_write: Option<OffsetDateTime>,
) -> Result<Option<String>, TransferError> {
    let Some(local) = local_write else { return Ok(None) };
    if client.file_properties_if_any(share, &join(parent(path), temp)).await?.is_some() {
        return Ok(None);
    }
    for n in 0..=KEEP_BOTH_RETRIES {
        let candidate = if n == 0 { path.to_owned() } else { numbered(path, n) };
        let Some(there) = client.file_properties_if_any(share, &candidate).await? else { return Ok(None) };
        let remote = there.last_write.as_deref().and_then(crate::azure_time::parse_iso);
        if there.size == Some(size) && remote.map(super::ticks) == Some(super::ticks(local)) {
            return Ok(Some(candidate));
        }
        if conflict != Conflict::KeepBoth {
            return Ok(None);
        }
    }
    Ok(None)
}

/// The temporary share file to write into: the journal's partial file when the local
/// file is unchanged (`tag`, `size`) and the share still has it at full size, else a new
/// one (created with Create File; an old one is deleted). Answers its journal id, share
/// path, what was resumed and the ranges done.
async fn partial(
    client: &FilesClient,
    journal: &Journal,
    job: JobId,
    (share, path, target): (&str, &str, &str),
    src: &Path,
    size: u64,
    tag: &str,
) -> Result<(i64, String, Resumed, HashSet<u64>), TransferError> {
    let mut resumed = Resumed::Fresh;
    if let Some(record) = journal.file(job, path, src)? {
        let temp = join(parent(target), &record.temp);
        let unchanged = record.tag == tag && record.size == size;
        if unchanged {
            match client.file_properties_if_any(share, &temp).await? {
                Some(there) if there.size == Some(size) => {
                    let skip = journal.ranges(record.id)?;
                    return Ok((record.id, temp, Resumed::From(bytes_done(size, RANGE_BYTES, &skip)), skip));
                }
                _ => {}
            }
        } else {
            resumed = Resumed::SourceChanged;
        }
        let _ = client.delete_file(share, &temp).await;
    }
    let (id, temp) =
        create_temporary(client, (journal, job), (share, path, target), src, (size, tag), &FileStamp::default())
            .await?;
    Ok((id, temp, resumed, HashSet::new()))
}

/// Creates a new temporary share file beside `target` (carrying `stamp`), recorded in the
/// journal before it is created so a kill in between leaves nothing unknown; answers
/// its journal id and share path. On failure the journal forgets it and a file the
/// service may have created before its answer was lost is removed.
async fn create_temporary(
    client: &FilesClient,
    (journal, job): (&Journal, JobId),
    (share, path, target): (&str, &str, &str),
    src: &Path,
    (size, tag): (u64, &str),
    stamp: &FileStamp,
) -> Result<(i64, String), TransferError> {
    let name = temporary_name();
    let temp = join(parent(target), &name);
    let id = journal.start_file(job, (path, src), &name, size, tag)?;
    if let Err(error) = client.create_stamped_file(share, &temp, size, stamp).await {
        if error.kind != ErrorKind::PermissionDenied {
            let _ = client.delete_file(share, &temp).await;
        }
        journal.forget_file(id)?;
        return Err(error.into());
    }
    Ok((id, temp))
}

/// One range of the local file, read in order: its offset and length, its bytes unless no
/// request is needed (written by an earlier attempt and unchanged since, or all zeros: the
/// temporary file starts as zeros, so a sparse file's empty ranges are skipped), the
/// CRC-32 of its bytes, and whether an earlier attempt had written it.
struct Piece {
    offset: u64,
    length: u64,
    data: Option<bytes::Bytes>,
    crc: u32,
    written_before: bool,
}

/// Reads `file` sequentially in 4 MiB ranges on the blocking pool and hands every byte,
/// once, both to the whole-file MD5 (`hasher`, its own thread, in file order) and, as
/// ranges, to `pieces`, so hashing and sending overlap; answers whether the whole file
/// was read (`false`: the receiver stopped listening, a failure or a cancel). A range an
/// earlier attempt wrote is sent again when its CRC-32 differs from the one recorded then
/// (the file was edited keeping its size and modification time).
fn read_in_order(
    file: &std::fs::File,
    size: u64,
    (skip, checks): (&HashSet<u64>, &std::collections::HashMap<u64, u32>),
    (pieces, hasher): (&tokio::sync::mpsc::Sender<Piece>, &tokio::sync::mpsc::Sender<bytes::Bytes>),
) -> std::io::Result<bool> {
    for (offset, length) in ranges_of(size, RANGE_BYTES) {
        let mut buf = vec![0_u8; usize::try_from(length).map_err(std::io::Error::other)?];
        if crate::fs_util::read_at(file, &mut buf, offset)? < buf.len() {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the file shrank while uploading"));
        }
        let data = bytes::Bytes::from(buf);
        let crc = crc32fast::hash(&data);
        let written_before = skip.contains(&offset);
        let needed = if written_before {
            checks.get(&offset).is_some_and(|recorded| *recorded != crc)
        } else {
            !super::is_zero(&data)
        };
        if hasher.blocking_send(data.clone()).is_err() {
            // Not a stop: the hasher's thread is gone, and a file is never stamped
            // without its MD5.
            return Err(std::io::Error::other("the MD5 of the file could not be computed"));
        }
        let piece = Piece { offset, length, data: needed.then_some(data), crc, written_before };
        if pieces.blocking_send(piece).is_err() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Writes the missing ranges of `src` into the temporary file `temp`, `PARALLEL_RANGES`
/// Put Ranges at a time while one reader hashes the file in order (each byte is read
/// once), recording each range in the journal once the service has it; then stamps the
/// file with the MD5 and times.
#[expect(clippy::too_many_arguments, reason = "one call site; the pieces of one upload")]
async fn send_content(
    client: &FilesClient,
    src: &Path,
    (share, temp): (&str, &str),
    (file, before): (&Arc<std::fs::File>, &std::fs::Metadata),
    mut stamp: FileStamp,
    (file_id, skip): (i64, &HashSet<u64>),
    run: &Run,
    progress: &ProgressFn,
) -> Result<(), TransferError> {
    let size = before.len();
    let checks = run.journal.range_checks(file_id)?;
    let (pieces, incoming) = tokio::sync::mpsc::channel::<Piece>(run.ranges.max(1));
    // MD5 is the slowest step (one core, about 600 MiB/s): the reader and the Put Ranges
    // may run as many ranges ahead of it as are in flight.
    let md5 = super::OrderedMd5::start(run.ranges);
    let reader = {
        let (file, skip, hasher) = (Arc::clone(file), skip.clone(), md5.feeder());
        tokio::task::spawn_blocking(move || read_in_order(&file, size, (&skip, &checks), (&pieces, &hasher)))
    };
    let tally = Tally::new(bytes_done(size, RANGE_BYTES, skip), size, progress);
    let arriving = futures_util::stream::unfold(incoming, |mut incoming| async move {
        incoming.recv().await.map(|piece| (piece, incoming))
    });
    let sent = arriving
        .map(|piece| {
            let tally = &tally;
            async move {
                if piece.written_before && piece.data.is_none() {
                    return Ok(());
                }
                if let Some(data) = piece.data {
                    client.put_range(share, temp, piece.offset, data).await?;
                }
                run.journal.range_done(file_id, piece.offset, Some(piece.crc))?;
                // A range written before was counted as done already.
                if !piece.written_before {
                    tally.add(piece.length);
                }
                Ok::<(), TransferError>(())
            }
        })
        .buffer_unordered(run.ranges.max(1))
        .try_collect::<()>();
    // On a failure or a stop the stream (and its receiver) is dropped: the reader stops.
    unless_stopped(run, sent).await?;
    match reader.await {
        Ok(Ok(true)) => {}
        Ok(Err(source)) => return Err(TransferError::Local { action: "reading", path: src.to_owned(), source }),
        Ok(Ok(false)) => return Err(run.stopped()),
        Err(join) => return Err(super::local("reading", src)(std::io::Error::other(join))),
    }
    let md5 = md5.finish(src).await?;
    let path = src.to_owned();
    let after = blocking("reading", src, move || std::fs::metadata(path)).await?;
    if after.len() != size || after.modified().ok() != before.modified().ok() {
        return Err(TransferError::SourceChanged(src.display().to_string()));
    }
    stamp.content_md5 = Some(md5);
    Ok(client.stamp_file(share, temp, &stamp).await?)
}

/// A file of at most one range, sent fresh: read and hashed whole first, so Create File
/// carries the MD5 and times and no stamp follows: three requests (create, write,
/// rename) where a larger file needs a stamp too. Answers the journal id and the
/// temporary file (once created; a failure before that is the `Err`) and how the write
/// went. A pause resumes through `partial`.
#[expect(clippy::too_many_arguments, reason = "one call site; the pieces of one upload")]
async fn send_small(
    client: &FilesClient,
    src: &Path,
    (share, path, target): (&str, &str, &str),
    (file, before): (&Arc<std::fs::File>, &std::fs::Metadata),
    mut stamp: FileStamp,
    tag: &str,
    run: &Run,
    progress: &ProgressFn,
) -> Result<(i64, String, Result<(), TransferError>), TransferError> {
    let size = before.len();
    let (reading, looked, modified) = (Arc::clone(file), src.to_owned(), before.modified().ok());
    let (data, md5) = blocking("reading", src, move || {
        use md5::Digest as _;
        let mut buf = vec![0_u8; usize::try_from(size).map_err(std::io::Error::other)?];
        let read = crate::fs_util::read_at(&reading, &mut buf, 0)?;
        let after = std::fs::metadata(looked)?;
        if read < buf.len() || after.len() != size || after.modified().ok() != modified {
            return Ok(None);
        }
        let md5 = super::md5_base64(&md5::Md5::digest(&buf));
        Ok(Some((bytes::Bytes::from(buf), md5)))
    })
    .await?
    .ok_or_else(|| TransferError::SourceChanged(src.display().to_string()))?;
    stamp.content_md5 = Some(md5);
    let (id, temp) =
        create_temporary(client, (&run.journal, run.job), (share, path, target), src, (size, tag), &stamp).await?;
    let sent = unless_stopped(run, async {
        // All zeros: the new file already is.
        if !super::is_zero(&data) {
            client.put_range(share, &temp, 0, data).await?;
        }
        // Not recorded (one journal write less per file): a pause before the rename
        // sends the one range again.
        progress(size, size);
        Ok(())
    })
    .await;
    Ok((id, temp, sent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_names_keep_the_folder_and_extension() {
        assert_eq!(numbered("a/b/report.pdf", 1), "a/b/report (1).pdf");
        assert_eq!(numbered("notes", 2), "notes (2)");
        assert_eq!(numbered(".bashrc", 1), ".bashrc (1)");
        assert_eq!(numbered("x/archive.tar.gz", 3), "x/archive.tar (3).gz");
        // Regression (tryout issue, input 15): a 255-byte name got " (1)" appended and was
        // refused locally ("File name too long") and by the share (InvalidResourceName).
        let long = format!("{}.txt", "a".repeat(251));
        let kept = numbered(&format!("dir/{long}"), 1);
        assert_eq!(kept, format!("dir/{} (1).txt", "a".repeat(247)));
        let wide = format!("{}.md", "é".repeat(126)); // 252 + 3 bytes
        let kept = numbered(&wide, 12);
        assert!(kept.len() <= 255 && kept.ends_with(" (12).md") && kept.starts_with("éé"), "{kept}");
        let no_stem_room = format!("a.{}", "x".repeat(253));
        assert_eq!(numbered(&no_stem_room, 1).len(), 255, "a long extension is cut as part of the name");
    }
}
