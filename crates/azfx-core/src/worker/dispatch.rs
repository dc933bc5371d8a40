//! The command loop: each command runs as its own task, and `dispatch` matches every
//! command exhaustively, so each one is answered by its handler (a reply dropped on any
//! path still answers `Unavailable`).

use std::sync::Arc;

use tokio::sync::mpsc;

use super::command::Command;
use super::runtime::Runtime;
use super::session::failure_without_session;
use super::{browse, connect, jobs, local, manage, smb, transfers};

/// Runs one command to its answer.
async fn dispatch(rt: Arc<Runtime>, command: Command) {
    let rt = &rt;
    match command {
        Command::Connect { config, reply } => connect::connect(rt, &config, reply).await,
        Command::ConnectWithServiceSas { config, sas, reply } => {
            connect::connect_with_service_sas(rt, &config, sas, reply).await;
        }
        Command::ListShares { reply } => rt.answer(reply, browse::list_shares(rt).await, None).await,
        Command::ListDirectory { task, share, path, reply } => {
            let answer = task.run(browse::list_directory(rt, task.id, &share, &path)).await;
            rt.answer(reply, answer, Some(&share)).await;
        }
        Command::Measure { share, paths, reply } => {
            rt.answer(reply, browse::measure(rt, &share, &paths).await, Some(&share)).await;
        }
        Command::Properties { share, path, is_directory, reply } => {
            rt.answer(reply, browse::properties(rt, &share, &path, is_directory).await, Some(&share)).await;
        }
        Command::CreateDirectory { share, path, reply } => {
            rt.answer(reply, manage::create_directory(rt, &share, &path).await, Some(&share)).await;
        }
        Command::Delete { task, share, path, is_directory, reply } => {
            let answer = task.run(manage::delete(rt, task.id, &share, &path, is_directory)).await;
            rt.answer(reply, answer, Some(&share)).await;
        }
        Command::Rename { share, from, to, is_directory, reply } => {
            rt.answer(reply, manage::rename(rt, &share, &from, &to, is_directory).await, Some(&share)).await;
        }
        Command::Discover { config, endpoint, reply } => {
            let answer = connect::discover(rt, &config, &endpoint).await;
            rt.answer(reply, answer, None).await;
        }
        Command::Copy { task, share, items, dest_dir, conflict, reply } => {
            let answer = manage::copy(rt, &task, &share, &items, &dest_dir, conflict).await;
            rt.answer(reply, answer, Some(&share)).await;
        }
        Command::CopyFiles { task, share, files, conflict, reply } => {
            let answer = manage::copy_files(rt, &task, &share, &files, conflict).await;
            rt.answer(reply, answer, Some(&share)).await;
        }
        Command::Move { share, items, dest_dir, conflict, reply } => {
            let answer = manage::move_items(rt, &share, &items, &dest_dir, conflict).await;
            rt.answer(reply, answer, Some(&share)).await;
        }
        Command::Download { task, share, path, dest, conflict, reply } => {
            let answer = transfers::download(rt, &task, &share, &path, &dest, conflict).await;
            rt.answer(reply, answer, Some(&share)).await;
        }
        Command::Upload { task, src, share, path, conflict, reply } => {
            let answer = transfers::upload(rt, &task, &src, &share, &path, conflict).await;
            rt.answer(reply, answer, Some(&share)).await;
        }
        Command::UploadPath { task, src, share, dir, conflict, reply } => {
            let answer = transfers::upload_path(rt, &task, &src, &share, &dir, conflict).await;
            rt.answer(reply, answer, Some(&share)).await;
        }
        Command::UploadFolder { task, src, share, dest, conflict, reply } => {
            let answer = transfers::upload_folder(rt, &task, &src, &share, &dest, conflict).await;
            rt.answer(reply, answer, Some(&share)).await;
        }
        Command::DownloadFolder { task, share, path, dest, conflict, beside, reply } => {
            let answer = transfers::download_folder(rt, &task, (&share, &path), &dest, conflict, beside).await;
            rt.answer(reply, answer, Some(&share)).await;
        }
        Command::Jobs { reply } => rt.answer(reply, jobs::jobs(rt), None).await,
        Command::RemoveJob { job, reply } => rt.answer(reply, jobs::remove_job(rt, job).await, None).await,
        Command::ReorderJob { job, earlier, reply } => {
            rt.answer(reply, jobs::reorder_job(rt, job, earlier), None).await;
        }
        Command::RefreshToken { reply } => rt.answer(reply, connect::refresh_token(rt).await, None).await,
        Command::AcquireToken { config, resource, reply } => {
            let answer = connect::acquire_token(rt, &config, &resource).await;
            reply.send(answer.map_err(|error| failure_without_session(error, Some(&config), None)));
        }
        Command::AccessCheck { task, config, share, read_only, reply } => {
            // Not cut short by a cancel: its clean-up step must run.
            let answer = connect::access_check(rt, task.id, &config, &share, read_only).await;
            reply.send(answer.map_err(|error| failure_without_session(error, Some(&config), Some(&share))));
        }
        Command::SmbReadiness { config, check, reply } => {
            let share = check.share.clone();
            let answer = smb::smb_readiness(rt, &config, check).await;
            reply.send(answer.map_err(|error| failure_without_session(error, Some(&config), Some(&share))));
        }
        Command::ListLocal { path, reply } => rt.answer(reply, local::list_local(&path).await, None).await,
        Command::WriteFile { path, contents, replace, reply } => {
            rt.answer(reply, manage::write_file(&path, contents, replace).await, None).await;
        }
        Command::OpenPath { path, reply } => rt.answer(reply, manage::open_path(path).await, None).await,
    }
}

/// The worker's command loop: each command runs as its own task.
pub(super) async fn run(mut commands: mpsc::Receiver<Command>, runtime: Arc<Runtime>) {
    while let Some(command) = commands.recv().await {
        tokio::spawn(dispatch(Arc::clone(&runtime), command));
    }
}
