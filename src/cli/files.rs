//! The scriptable file commands: `ls`, `get`, `put`, `mkdir`, `rm` and `mv` (`cp`: `copy`), each
//! a thin layer over the worker the window uses, with a progress bar on a terminal and
//! nothing extra when piped.

use std::io::Write as _;
use std::path::Path;

use super::args::{GetArgs, LsArgs, MkdirArgs, MvArgs, OverwriteArg, PutArgs, RmArgs};
use super::{connect, wait, wait_with_progress, worker};
use azfx_core::files::names::join;
use azfx_core::files::{Endpoint, ErrorKind};
use azfx_core::format::{count, human_size};
use azfx_core::transfer::Conflict;
use azfx_core::worker::{Answer, EngineError, Event, Failure, Resumed, TreeReport, Worker};

/// Runs `transfer` with the `--overwrite` rule; with `ask` on a terminal, a destination
/// that exists is named and the user answers whether to replace it.
pub(super) fn with_overwrite<T>(overwrite: OverwriteArg, mut transfer: impl FnMut(Conflict) -> Answer<T>) -> Answer<T> {
    use std::io::IsTerminal as _;
    match transfer(overwrite.conflict()) {
        Err(failure)
            if overwrite == OverwriteArg::Ask
                && matches!(failure.error, EngineError::Transfer(azfx_core::transfer::TransferError::Exists(_)))
                && std::io::stdin().is_terminal() =>
        {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "{}. Replace it? [y/N] ", failure.error);
            let _ = err.flush();
            let mut answer = String::new();
            let _ = std::io::stdin().read_line(&mut answer);
            if answer.trim().eq_ignore_ascii_case("y") || answer.trim().eq_ignore_ascii_case("yes") {
                transfer(Conflict::Replace)
            } else {
                Err(failure)
            }
        }
        other => other,
    }
}

pub(super) fn ls(args: &LsArgs, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let (endpoint, share, path) = match Endpoint::split_resource(&args.url) {
        Ok(parts) => parts,
        // The account's URL: its shares, as `ls` of a folder lists its entries.
        Err(azfx_core::files::endpoint::EndpointError::NoShare(_)) => return ls_shares(args, out),
        Err(e) => return Err(EngineError::from(e).into()),
    };
    let mut worker = worker()?;
    connect(&worker, &args.credential, &endpoint, &share)?;
    let (task, promise) = worker.list_directory(&share, &path);
    let count_listed = match wait(promise) {
        Ok(count) => count,
        // A file's path: list that one file, as `ls FILE` does.
        Err(failure)
            if failure.error.files_error().is_some_and(|e| e.kind == ErrorKind::NotFound) && !path.is_empty() =>
        {
            let Ok(properties) = wait(worker.properties(&share, &path, false)) else { return Err(failure) };
            let name = last_name(&path).unwrap_or_default().to_owned();
            let size = properties.size.unwrap_or(0);
            if args.json {
                let entry = serde_json::json!([{ "name": name, "is_directory": false, "size": size }]);
                let _ = writeln!(out, "{entry:#}");
            } else {
                let modified = properties.last_modified.unwrap_or_default();
                let _ = writeln!(out, "f {:>11}  {modified:<29}  {name}", human_size(size));
                let _ = writeln!(out, "1 entry");
            }
            return Ok(());
        }
        Err(failure) => return Err(failure),
    };
    let mut entries = Vec::new();
    for event in worker.poll_events() {
        if let Event::ListingPage { task: t, entries: page, .. } = event
            && t == task
        {
            entries.extend(page);
        }
    }
    if args.json {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&entries).unwrap_or_default());
        return Ok(());
    }
    for entry in &entries {
        let modified = entry.last_modified.map(azfx_core::azure_time::rfc1123).unwrap_or_default();
        let (kind, size, suffix) = if entry.is_directory {
            ("d", "-".to_owned(), "/")
        } else {
            ("f", human_size(entry.size.unwrap_or(0)), "")
        };
        let _ = writeln!(out, "{kind} {size:>11}  {modified:<29}  {}{suffix}", entry.name);
    }
    let _ = writeln!(out, "{}", count(count_listed, "entry", "entries"));
    Ok(())
}

/// `azfx ls ACCOUNT-URL`: the account's shares (a trailing `/` shown on each, as on a
/// folder), with their quotas.
fn ls_shares(args: &LsArgs, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let endpoint = Endpoint::parse(&args.url).map_err(EngineError::from)?;
    let worker = worker()?;
    connect(&worker, &args.credential, &endpoint, "")?;
    let shares = wait(worker.list_shares())?;
    if args.json {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&shares).unwrap_or_default());
        return Ok(());
    }
    for share in &shares {
        let quota = share.quota_gib.map_or_else(|| "-".to_owned(), |q| format!("{q} GiB"));
        let _ = writeln!(out, "s {quota:>11}  {}/", share.name);
    }
    let _ = writeln!(out, "{}", count(shares.len() as u64, "share", "shares"));
    Ok(())
}

/// `azfx get`: a file from a share to this machine.
pub(super) fn get(args: &GetArgs, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let (endpoint, share, path) = Endpoint::split_resource(&args.url).map_err(EngineError::from)?;
    let mut worker = worker()?;
    connect(&worker, &args.credential, &endpoint, &share)?;
    if args.local.as_os_str() == "-" {
        return get_to_stdout(&mut worker, &share, &path, out);
    }
    download_file(&mut worker, &share, &path, &args.local, args.overwrite, out)
}

/// `azfx get URL -`: the file's bytes on standard output (`out`), for a pipe. They are
/// downloaded and verified (size, MD5) into a private temporary folder first, so a pipe
/// never receives bytes that turn out to be wrong; status lines stay off `out`.
fn get_to_stdout(worker: &mut Worker, share: &str, path: &str, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let local = |action: &'static str, path: &Path| {
        let path = path.to_owned();
        move |source| EngineError::Transfer(azfx_core::transfer::TransferError::Local { action, path, source })
    };
    let temp = tempfile::tempdir().map_err(local("creating a temporary folder in", &std::env::temp_dir()))?;
    let name = last_name(path).ok_or_else(|| EngineError::InvalidInput("the URL names no file".to_owned()))?;
    download_file(worker, share, path, temp.path(), OverwriteArg::False, &mut std::io::sink())?;
    let file = temp.path().join(name);
    let mut reader = std::fs::File::open(&file).map_err(local("reading", &file))?;
    std::io::copy(&mut reader, out).map_err(local("writing standard output for", &file))?;
    out.flush().map_err(local("writing standard output for", &file))?;
    Ok(())
}

/// `azfx put`: a file from this machine to a share.
pub(super) fn put(args: &PutArgs, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let (endpoint, share, path) = Endpoint::split_resource(&args.url).map_err(EngineError::from)?;
    if args.local.is_dir() {
        return Err(EngineError::InvalidInput(format!(
            "{} is a folder: put sends one file; copy a folder with azfx cp -r {} {}",
            args.local.display(),
            args.local.display(),
            args.url
        ))
        .into());
    }
    let mut worker = worker()?;
    connect(&worker, &args.credential, &endpoint, &share)?;
    upload_file(&mut worker, &args.local, &share, &path, args.url.ends_with('/'), args.overwrite, out)
}

pub(super) fn last_name(path: &str) -> Option<&str> {
    path.rsplit('/').next().filter(|n| !n.is_empty())
}

/// Downloads `share/path` to `local` (an existing folder receives it under its name).
pub(super) fn download_file(
    worker: &mut Worker,
    share: &str,
    path: &str,
    local: &Path,
    overwrite: OverwriteArg,
    out: &mut dyn std::io::Write,
) -> Result<(), Failure> {
    let name = last_name(path).ok_or_else(|| EngineError::InvalidInput("the URL names no file".to_owned()))?;
    let named_folder = local.as_os_str().to_string_lossy().ends_with(['/', std::path::MAIN_SEPARATOR]);
    if named_folder && !local.is_dir() {
        return Err(EngineError::InvalidInput(format!("the folder {} does not exist", local.display())).into());
    }
    let dest = if local.is_dir() { local.join(name) } else { local.to_owned() };
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty() && !p.is_dir()) {
        return Err(EngineError::InvalidInput(format!("the folder {} does not exist", parent.display())).into());
    }
    let done = with_overwrite(overwrite, |conflict| {
        let started = worker.download(share, path, dest.clone(), conflict);
        wait_with_progress(worker, started, name, true)
    })
    .map_err(|failure| {
        let missing = failure.error.files_error().is_some_and(|e| e.kind == ErrorKind::NotFound);
        if missing && is_folder(worker, share, path).unwrap_or(false) {
            EngineError::InvalidInput(format!("/{share}/{path} is a folder: copy it with azfx cp -r URL LOCAL_FOLDER"))
                .into()
        } else {
            failure
        }
    })?;
    resumed_note(done.resumed, out);
    if done.skipped {
        let _ = writeln!(out, "kept {} (the share's file is not newer)", done.path.display());
    } else {
        let _ = writeln!(out, "downloaded {} to {}", human_size(done.bytes), done.path.display());
    }
    Ok(())
}

/// Uploads `local` to `share/path` (into `path` keeping its name when `into_folder` or
/// `path` is the share root).
pub(super) fn upload_file(
    worker: &mut Worker,
    local: &Path,
    share: &str,
    path: &str,
    into_folder: bool,
    overwrite: OverwriteArg,
    out: &mut dyn std::io::Write,
) -> Result<(), Failure> {
    // A URL naming an existing folder (no trailing `/`) also means "into that folder".
    let into_folder = into_folder || (!path.is_empty() && is_folder(worker, share, path).unwrap_or(false));
    let path = if path.is_empty() || into_folder {
        let name = local
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| EngineError::InvalidInput("the local path names no file".to_owned()))?;
        join(path, &name)
    } else {
        path.to_owned()
    };
    let label = last_name(&path).unwrap_or_default().to_owned();
    let done = with_overwrite(overwrite, |conflict| {
        let started = worker.upload(local.to_owned(), share, &path, conflict);
        wait_with_progress(worker, started, &label, true)
    })?;
    resumed_note(done.resumed, out);
    if done.skipped {
        let _ = writeln!(out, "kept {share}/{} (the local file is not newer)", done.path);
    } else {
        let _ = writeln!(out, "uploaded {} to {share}/{}", human_size(done.bytes), done.path);
    }
    Ok(())
}

/// Says when an earlier attempt's bytes were reused, or could not be.
pub(super) fn resumed_note(resumed: Resumed, out: &mut dyn std::io::Write) {
    match resumed {
        Resumed::From(bytes) if bytes > 0 => {
            let _ = writeln!(out, "resumed: {} had already arrived and were not sent again", human_size(bytes));
        }
        Resumed::SourceChanged => {
            let _ = writeln!(out, "the source changed since the interrupted transfer: it started over");
        }
        Resumed::From(_) | Resumed::Fresh => {}
    }
}

pub(super) fn is_url(text: &str) -> bool {
    text.starts_with("https://") || text.starts_with("http://")
}

/// Whether `share/path` is a folder (`true`) or a file (`false`).
///
/// Errors: neither exists (the file's 404, explained), or the service refused.
pub(super) fn is_folder(worker: &Worker, share: &str, path: &str) -> Result<bool, Failure> {
    if path.is_empty() {
        return Ok(true);
    }
    match wait(worker.properties(share, path, false)) {
        Ok(_) => Ok(false),
        Err(failure) if failure.error.files_error().is_some_and(|e| e.kind == ErrorKind::NotFound) => {
            wait(worker.properties(share, path, true)).map(|_| true).map_err(|_| failure)
        }
        Err(failure) => Err(failure),
    }
}

/// Prints what a folder transfer did; fails with the first file's failure (so its exit
/// code names the layer: 9 when files existed, 5 when refused, …).
pub(super) fn tree_summary(verb: &str, mut report: TreeReport, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let _ = writeln!(
        out,
        "{verb} {} ({}){}",
        count(report.files, "file", "files"),
        human_size(report.bytes),
        if report.skipped > 0 {
            format!(", kept {} as they were", count(report.skipped, "file", "files"))
        } else {
            String::new()
        }
    );
    for renamed in &report.renamed {
        let _ = writeln!(out, "{renamed}");
    }
    for failure in &report.failures {
        let _ = writeln!(out, "not copied {}: {}", failure.path, failure.failure.error);
    }
    if report.failures.is_empty() {
        return Ok(());
    }
    let _ = writeln!(out, "{} not copied", count(report.failures.len() as u64, "file was", "files were"));
    Err(report.failures.swap_remove(0).failure)
}

/// `azfx mkdir`: a folder, and with `-p` its missing parents (an existing one is fine).
pub(super) fn mkdir(args: &MkdirArgs, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let (endpoint, share, path) = Endpoint::split_resource(&args.url).map_err(EngineError::from)?;
    if path.is_empty() {
        return Err(EngineError::InvalidInput("the URL names no folder inside the share".to_owned()).into());
    }
    let worker = worker()?;
    connect(&worker, &args.credential, &endpoint, &share)?;
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    for part in &parts {
        azfx_core::files::names::check_name(part).map_err(|reason| {
            EngineError::InvalidInput(format!("{part:?} cannot be a folder name on a share: {reason}"))
        })?;
    }
    let from = if args.parents { 1 } else { parts.len() };
    for end in from..=parts.len() {
        let folder = parts[..end].join("/");
        match wait(worker.create_directory(&share, &folder)) {
            Ok(()) => {
                let _ = writeln!(out, "created {share}/{folder}");
            }
            Err(failure)
                if args.parents && failure.error.files_error().is_some_and(|e| e.kind == ErrorKind::Conflict) => {}
            Err(failure) => return Err(failure),
        }
    }
    Ok(())
}

/// `azfx rm`: a file, or with `-r` a folder and everything in it.
pub(super) fn rm(args: &RmArgs, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let (endpoint, share, path) = Endpoint::split_resource(&args.url).map_err(EngineError::from)?;
    if path.is_empty() {
        return Err(EngineError::InvalidInput(
            "refusing to delete a whole share: name a file or folder in it".to_owned(),
        )
        .into());
    }
    let mut worker = worker()?;
    connect(&worker, &args.credential, &endpoint, &share)?;
    let folder = is_folder(&worker, &share, &path)?;
    if folder && !args.recursive {
        return Err(EngineError::InvalidInput(format!(
            "{} is a folder: add -r to delete it with everything in it",
            args.url
        ))
        .into());
    }
    let started = worker.delete(&share, &path, folder);
    let deleted = wait_with_progress(&mut worker, started, last_name(&path).unwrap_or_default(), false)?;
    let _ = writeln!(out, "deleted {share}/{path} ({})", count(deleted, "entry", "entries"));
    Ok(())
}

/// `azfx mv`: renames or moves a file or folder within its share, never over an existing
/// name.
pub(super) fn mv(args: &MvArgs, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let (endpoint, share, from) = Endpoint::split_resource(&args.from).map_err(EngineError::from)?;
    let (to_endpoint, to_share, to) = Endpoint::split_resource(&args.to).map_err(EngineError::from)?;
    if to_endpoint.base != endpoint.base || to_share != share {
        return Err(EngineError::InvalidInput(
            "azfx mv moves within one share: both URLs must name the same share".to_owned(),
        )
        .into());
    }
    let worker = worker()?;
    connect(&worker, &args.credential, &endpoint, &share)?;
    let folder = is_folder(&worker, &share, &from)?;
    // Onto an existing folder (or a URL ending in `/`): into it, keeping the name.
    // `mv A a`: the share compares names without case, so `a` is A itself, not a folder
    // to move into (a case-only rename).
    let same_entry = from.to_lowercase() == to.to_lowercase();
    let into = args.to.ends_with('/') || (!same_entry && is_folder(&worker, &share, &to).unwrap_or(false));
    let to = if into { join(&to, last_name(&from).unwrap_or_default()) } else { to };
    wait(worker.rename(&share, &from, &to, folder))?;
    let _ = writeln!(out, "moved {share}/{from} to {share}/{to}");
    Ok(())
}
