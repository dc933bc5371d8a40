//! `azfx cp URL URL`: a copy within one share, made by the service (Copy File; nothing
//! passes through this machine), under the same conflict rules as transfers: a file copied
//! to a temporary name and renamed into place, an existing destination replaced only with
//! `--overwrite true` (or asked about on a terminal).

use super::args::{CpArgs, OverwriteArg};
use super::files::{is_folder, last_name, with_overwrite};
use super::{connect, wait_with_progress, worker};
use crate::files::Endpoint;
use crate::files::names::join;
use crate::format::{count, human_size};
use crate::transfer::TransferError;
use crate::transfer::copy::{CopyOutcome, FileCopy, Item};
use crate::worker::{Answer, EngineError, Failure};

/// The first file that failed, or one that was in the way, as the command's failure.
fn outcome_error(outcome: &mut CopyOutcome, share: &str) -> Option<EngineError> {
    if let Some(taken) = outcome.conflicts.first() {
        return Some(EngineError::Transfer(TransferError::Exists(format!("/{share}/{}", taken.to))));
    }
    (!outcome.failures.is_empty()).then(|| EngineError::Transfer(outcome.failures.swap_remove(0).error))
}

/// Copies `args.src` to `args.dst`, both URLs in one share.
pub fn copy_within(args: &CpArgs, out: &mut dyn std::io::Write) -> Result<(), Failure> {
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
    let run = |worker: &mut crate::worker::Worker, rule| -> Answer<CopyOutcome> {
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
