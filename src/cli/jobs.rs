//! `azfx jobs`: the transfer journal's unfinished transfers (interrupted by a quit, a
//! crash or a kill; paused in the window; failed), listed, resumed or cancelled from a
//! terminal. Resuming is starting the same transfer again, so it goes through the same
//! worker commands as `get`, `put` and `cp`.

use super::args::{JobsAction, JobsArgs};
use super::{connect, wait, wait_with_progress, worker};
use azfx_core::files::Endpoint;
use azfx_core::format::human_size;
use azfx_core::worker::{EngineError, Failure, JobKind, JobRecord, JobState, Worker};

/// `download` / `upload` and the two places, as a person reads them.
fn describe(job: &JobRecord) -> (&'static str, String, String) {
    let spec = &job.spec;
    let remote = format!("{}{}/{}", spec.endpoint, spec.share, spec.remote);
    let local = spec.local.display().to_string();
    match spec.kind {
        JobKind::Download | JobKind::DownloadFolder => ("download", remote, local),
        JobKind::Upload | JobKind::UploadPath | JobKind::UploadFolder => ("upload", local, remote),
    }
}

/// A job's state in words.
pub(super) fn state_text(state: JobState) -> String {
    match state {
        JobState::Running => "running".to_owned(),
        JobState::RunningElsewhere(pid) => format!("running (process {pid})"),
        JobState::Interrupted => "interrupted".to_owned(),
        JobState::Paused => "paused".to_owned(),
        JobState::Failed => "failed".to_owned(),
    }
}

pub(super) fn run(args: &JobsArgs, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let mut worker = worker()?;
    let jobs = wait(worker.jobs())?;
    match &args.action {
        JobsAction::List { json } => {
            list(&jobs, *json, out);
            Ok(())
        }
        JobsAction::Resume { id, credential } => {
            let job = find(&jobs, *id)?;
            let endpoint = Endpoint::parse(&job.spec.endpoint).map_err(EngineError::from)?;
            connect(&worker, credential, &endpoint, &job.spec.share)?;
            resume(&mut worker, job, out)
        }
        JobsAction::Cancel { id, credential } => {
            let job = find(&jobs, *id)?;
            if !job.spec.kind.is_download() {
                let endpoint = Endpoint::parse(&job.spec.endpoint).map_err(EngineError::from)?;
                connect(&worker, credential, &endpoint, &job.spec.share)?;
            }
            wait(worker.remove_job(job.id))?;
            let _ = writeln!(out, "cancelled job {}: its partial file was removed", job.id);
            Ok(())
        }
    }
}

fn find(jobs: &[JobRecord], id: i64) -> Result<&JobRecord, Failure> {
    jobs.iter()
        .find(|j| j.id == id)
        .ok_or_else(|| EngineError::InvalidInput(format!("no transfer job {id}: azfx jobs list shows them")).into())
}

fn list(jobs: &[JobRecord], json: bool, out: &mut dyn std::io::Write) {
    if json {
        let rows: Vec<_> = jobs
            .iter()
            .map(|job| {
                let (direction, from, to) = describe(job);
                serde_json::json!({
                    "id": job.id, "state": state_text(job.state), "direction": direction,
                    "from": from, "to": to, "done": job.done, "total": job.total, "message": job.message,
                })
            })
            .collect();
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&rows).unwrap_or_default());
        return;
    }
    if jobs.is_empty() {
        let _ = writeln!(out, "no unfinished transfers");
        return;
    }
    for job in jobs {
        let (direction, from, to) = describe(job);
        let progress = format!("{} of {}", human_size(job.done), human_size(job.total));
        let _ =
            writeln!(out, "{:>4}  {:<12} {direction:<8} {progress:<22} {from} -> {to}", job.id, state_text(job.state));
        if let Some(message) = &job.message {
            let _ = writeln!(out, "      {message}");
        }
    }
}

fn resume(worker: &mut Worker, job: &JobRecord, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let spec = job.spec.clone();
    let label = spec.remote.rsplit('/').next().unwrap_or_default().to_owned();
    let (share, remote, local, conflict) = (&spec.share, &spec.remote, spec.local.clone(), spec.conflict);
    match spec.kind {
        JobKind::Download => {
            let done = wait_with_progress(worker, worker.download(share, remote, local, conflict), &label, true)?;
            super::files::resumed_note(done.resumed, out);
            let _ = writeln!(out, "downloaded {} to {}", human_size(done.bytes), done.path.display());
        }
        JobKind::Upload => {
            let done = wait_with_progress(worker, worker.upload(local, share, remote, conflict), &label, true)?;
            super::files::resumed_note(done.resumed, out);
            let _ = writeln!(out, "uploaded {} to {share}/{}", human_size(done.bytes), done.path);
        }
        JobKind::UploadPath => {
            let report = wait_with_progress(worker, worker.upload_path(local, share, remote, conflict), &label, true)?;
            super::files::tree_summary("uploaded", report, out)?;
        }
        JobKind::UploadFolder => {
            let report =
                wait_with_progress(worker, worker.upload_folder(local, share, remote, conflict), &label, true)?;
            super::files::tree_summary("uploaded", report, out)?;
        }
        JobKind::DownloadFolder => {
            let started = worker.download_folder(share, remote, local, conflict);
            let report = wait_with_progress(worker, started, &label, true)?;
            super::files::tree_summary("downloaded", report, out)?;
        }
    }
    Ok(())
}
