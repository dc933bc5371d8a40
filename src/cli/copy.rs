//! `azfx cp`: between this machine and a share (files, or folders with `-r`), and
//! within one share, a copy made by the service (Copy File; nothing passes through this
//! machine), under the same conflict rules as transfers: a file copied
//! to a temporary name and renamed into place, an existing destination replaced only with
//! `--overwrite true` (or asked about on a terminal).

use super::args::{CpArgs, OverwriteArg};
use super::files::{download_file, is_folder, is_url, last_name, tree_summary, upload_file, with_overwrite};
use std::path::PathBuf;

use super::{connect, wait, wait_with_progress, worker};
use azfx_core::files::names::join;
use azfx_core::files::{Endpoint, ErrorKind};
use azfx_core::format::{count, human_size};
use azfx_core::transfer::copy::{CopyOutcome, FileCopy, Item};
use azfx_core::transfer::{Conflict, TransferError};
use azfx_core::worker::{Answer, EngineError, Failure, Worker};

/// The first file that failed, or one that was in the way, as the command's failure.
fn outcome_error(outcome: &mut CopyOutcome, share: &str) -> Option<EngineError> {
    if let Some(taken) = outcome.conflicts.first() {
        return Some(EngineError::Transfer(TransferError::Exists(format!("/{share}/{}", taken.to))));
    }
    (!outcome.failures.is_empty()).then(|| EngineError::Transfer(outcome.failures.swap_remove(0).error))
}

/// Copies `args.src` to `args.dst`, both URLs in one share.
pub(super) fn copy_within(args: &CpArgs, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let (endpoint, share, src) = Endpoint::split_resource(&args.src).map_err(EngineError::from)?;
    let (dst_endpoint, dst_share, dst) = Endpoint::split_resource(&args.dst).map_err(EngineError::from)?;
    if endpoint.base != dst_endpoint.base || share != dst_share {
        return Err(EngineError::InvalidInput(
            "the service copies within one share here: to copy between shares or accounts, download and upload"
                .to_owned(),
        )
        .into());
    }
    let mut worker = worker()?;
    connect(&worker, &args.credential, &endpoint, &share)?;
    let folder = is_folder(&worker, &share, &src)?;
    if folder && !args.recursive {
        return Err(EngineError::InvalidInput(format!("{} is a folder: add -r to copy it", args.src)).into());
    }
    let into = dst.is_empty() || args.dst.ends_with('/') || is_folder(&worker, &share, &dst).unwrap_or(false);
    let label = last_name(&src).unwrap_or(&share).to_owned();
    let run = |worker: &mut azfx_core::worker::Worker, rule| -> Answer<CopyOutcome> {
        let started = if folder {
            worker.copy(&share, vec![Item { path: src.clone(), is_directory: true }], &dst, rule)
        } else {
            let to = if into { join(&dst, &label) } else { dst.clone() };
            worker.copy_files(&share, vec![FileCopy { from: src.clone(), to, size: 0 }], rule)
        };
        let mut outcome = wait_with_progress(worker, started, &label, true)?;
        match outcome_error(&mut outcome, &share) {
            Some(error) if outcome.done == 0 => Err(Failure::from(error)),
            _ => Ok(outcome),
        }
    };
    if folder && !into {
        return Err(EngineError::InvalidInput(format!(
            "{} is not a folder: a folder is copied into an existing folder (create it with azfx mkdir)",
            args.dst
        ))
        .into());
    }
    let mut outcome = if folder && args.overwrite == OverwriteArg::Ask {
        run(&mut worker, args.overwrite.conflict())?
    } else {
        with_overwrite(args.overwrite, |rule| run(&mut worker, rule))?
    };
    let _ = writeln!(
        out,
        "copied {} ({}) to {share}/{}",
        count(outcome.done, "file", "files"),
        human_size(outcome.bytes),
        if into { join(&dst, &label) } else { dst.clone() }
    );
    if outcome.skipped > 0 {
        let _ = writeln!(out, "{} left as they were", count(outcome.skipped, "file", "files"));
    }
    match outcome_error(&mut outcome, &share) {
        Some(error) => {
            if !outcome.conflicts.is_empty() {
                let taken = count(outcome.conflicts.len() as u64, "file", "files");
                let _ = writeln!(out, "{taken} already existed and were left as they were (see --overwrite)");
            }
            if !outcome.failures.is_empty() {
                let _ = writeln!(out, "{} not copied", count(outcome.failures.len() as u64, "file was", "files were"));
            }
            Err(error.into())
        }
        None => Ok(()),
    }
}

/// `azfx cp`: between this machine and a share, files or (with `-r`) folders. A folder
/// goes into the destination folder under its own name.
pub(super) fn cp(args: &CpArgs, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let conflict_rule = |overwrite: OverwriteArg| match overwrite {
        OverwriteArg::Ask | OverwriteArg::False => Conflict::Fail,
        other => other.conflict(),
    };
    match (is_url(&args.src), is_url(&args.dst)) {
        (true, false) => {
            let (endpoint, share, path) = Endpoint::split_resource(&args.src).map_err(EngineError::from)?;
            let mut worker = worker()?;
            connect(&worker, &args.credential, &endpoint, &share)?;
            let local = PathBuf::from(&args.dst);
            if !is_folder(&worker, &share, &path)? {
                return download_file(&mut worker, &share, &path, &local, args.overwrite, out);
            }
            if !args.recursive {
                return Err(EngineError::InvalidInput(format!("{} is a folder: add -r to copy it", args.src)).into());
            }
            let name = last_name(&path).unwrap_or(&share).to_owned();
            let started = worker.download_folder(&share, &path, local.join(&name), conflict_rule(args.overwrite));
            let report = wait_with_progress(&mut worker, started, &name, true)?;
            tree_summary("downloaded", report, out)
        }
        (false, true) => {
            let (endpoint, share, path) = Endpoint::split_resource(&args.dst).map_err(EngineError::from)?;
            let local = PathBuf::from(&args.src);
            let mut worker = worker()?;
            connect(&worker, &args.credential, &endpoint, &share)?;
            if !local.is_dir() {
                return upload_file(&mut worker, &local, &share, &path, args.dst.ends_with('/'), args.overwrite, out);
            }
            if !args.recursive {
                return Err(EngineError::InvalidInput(format!("{} is a folder: add -r to copy it", args.src)).into());
            }
            let name = local.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let rule = conflict_rule(args.overwrite);
            // One rule, the same on the first run and on the run that resumes it: a URL
            // ending in `/` or naming an existing folder receives the folder under its own
            // name; a new name becomes the copy (as `cp -r DIR new`), one job, so running
            // the same command again resumes into it rather than into `new/DIR`.
            let into = args.dst.ends_with('/');
            let as_copy = |worker: &mut Worker, out: &mut dyn std::io::Write| {
                let started = worker.upload_folder(local.clone(), &share, &path, rule);
                let report = wait_with_progress(worker, started, &name, true)?;
                tree_summary("uploaded", report, out)
            };
            match is_folder(&worker, &share, &path) {
                Ok(true) if !into && copy_in_journal(&worker, &endpoint, &local, &share, &path) => {
                    as_copy(&mut worker, out)
                }
                Ok(true) => {
                    let started = worker.upload_path(local.clone(), &share, &path, rule);
                    let report = wait_with_progress(&mut worker, started, &name, true)?;
                    tree_summary("uploaded", report, out)
                }
                Ok(false) => Err(EngineError::InvalidInput(format!(
                    "{} is a file: a folder can only be copied into a folder",
                    args.dst
                ))
                .into()),
                Err(failure) if failure.error.files_error().is_some_and(|e| e.kind == ErrorKind::NotFound) => {
                    if into {
                        wait(worker.create_directory(&share, &path))?;
                        let started = worker.upload_path(local.clone(), &share, &path, rule);
                        let report = wait_with_progress(&mut worker, started, &name, true)?;
                        return tree_summary("uploaded", report, out);
                    }
                    // A new name: the folder is made and takes the local folder's contents
                    // (its parent must exist).
                    as_copy(&mut worker, out)
                }
                Err(failure) => Err(failure),
            }
        }
        (true, true) => copy_within(args, out),
        (false, false) => {
            Err(EngineError::InvalidInput("one of SRC and DST must be a share URL (https://…)".to_owned()).into())
        }
    }
}

/// Whether the transfer journal holds this very copy of `local` to `share/dest` on this
/// account, unfinished (`cp -r DIR new` interrupted after it made `new`), so running it
/// again resumes into `new` rather than copying `DIR` into `new/DIR`.
fn copy_in_journal(worker: &Worker, endpoint: &Endpoint, local: &std::path::Path, share: &str, dest: &str) -> bool {
    let local = std::fs::canonicalize(local).unwrap_or_else(|_| local.to_owned());
    let Ok(jobs) = wait(worker.jobs()) else { return false };
    jobs.iter().any(|job| {
        job.spec.kind == azfx_core::transfer::JobKind::UploadFolder
            && job.spec.share == share
            && job.spec.remote == dest
            && std::fs::canonicalize(&job.spec.local).unwrap_or_else(|_| job.spec.local.clone()) == local
            && Endpoint::same_account(&job.spec.endpoint, endpoint.base.as_str())
    })
}
