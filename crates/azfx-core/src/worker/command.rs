//! What callers ask the worker for: `Command`, each with the reply its answer goes to.

use std::path::PathBuf;

use crate::auth::AccessToken;
use crate::diagnose::check::Report;
use crate::files::{EntryProperties, ShareItem};
use crate::transfer::copy::{CopyOutcome, FileCopy, Item};
use crate::transfer::{Conflict, DownloadOutcome, JobId, JobRecord, UploadOutcome};

use super::reply::{Reply, Task};
use super::values::{Connected, ConnectionConfig, TokenInfo, TreeReport, TreeSize};

/// Typed commands to the worker, each with the reply its answer goes to (a reply dropped
/// unanswered answers `Unavailable`, so no promise waits forever).
#[derive(Debug)]
pub enum Command {
    /// Sets up the endpoint and credential; gets a token first for bearer credentials.
    Connect { config: Box<ConnectionConfig>, reply: Reply<Connected> },
    /// Connects with a service SAS made through Resource Manager with the config's identity.
    ConnectWithServiceSas {
        config: Box<ConnectionConfig>,
        sas: super::connect::ServiceSasRequest,
        reply: Reply<Connected>,
    },
    /// Lists the account's shares.
    ListShares { reply: Reply<Vec<ShareItem>> },
    /// Lists a directory; pages arrive as `Event::ListingPage`, the answer is the count.
    ListDirectory { task: Task, share: String, path: String, reply: Reply<u64> },
    /// Properties of a file or directory.
    Properties { share: String, path: String, is_directory: bool, reply: Reply<EntryProperties> },
    /// Counts what the folders `paths` hold (a delete's confirmation).
    Measure { share: String, paths: Vec<String>, reply: Reply<TreeSize> },
    /// Creates a directory.
    CreateDirectory { share: String, path: String, reply: Reply<()> },
    /// Deletes a file, or a directory and everything below it; answers the count.
    Delete { task: Task, share: String, path: String, is_directory: bool, reply: Reply<u64> },
    /// Renames a file or directory (never over an existing name).
    Rename { share: String, from: String, to: String, is_directory: bool, reply: Reply<()> },
    /// Walks Resource Manager with the credential of `config`: subscriptions → storage
    /// accounts → shares, at `endpoint`.
    Discover { config: Box<ConnectionConfig>, endpoint: String, reply: Reply<Vec<crate::arm::SubscriptionNode>> },
    /// Copies files and folders into a folder of the same share (server-side Copy File).
    Copy {
        task: Task,
        share: String,
        items: Vec<Item>,
        dest_dir: String,
        conflict: Conflict,
        reply: Reply<CopyOutcome>,
    },
    /// Copies these files again under the user's answer to their conflicts.
    CopyFiles { task: Task, share: String, files: Vec<FileCopy>, conflict: Conflict, reply: Reply<CopyOutcome> },
    /// Moves files and folders into a folder of the same share (Rename).
    Move { share: String, items: Vec<Item>, dest_dir: String, conflict: Conflict, reply: Reply<CopyOutcome> },
    /// Downloads a file to a local path; an existing file is handled by `conflict`.
    Download {
        task: Task,
        share: String,
        path: String,
        dest: PathBuf,
        conflict: Conflict,
        reply: Reply<DownloadOutcome>,
    },
    /// Uploads a local file to `share/path`; an existing file is handled by `conflict`.
    Upload { task: Task, src: PathBuf, share: String, path: String, conflict: Conflict, reply: Reply<UploadOutcome> },
    /// Uploads a local file or folder (with everything in it) into the share directory
    /// `dir`, keeping its name.
    UploadPath { task: Task, src: PathBuf, share: String, dir: String, conflict: Conflict, reply: Reply<TreeReport> },
    /// Uploads what a local folder holds into the share folder `dest` (made if missing).
    UploadFolder { task: Task, src: PathBuf, share: String, dest: String, conflict: Conflict, reply: Reply<TreeReport> },
    /// Downloads a share folder and everything in it into the local folder `dest`.
    DownloadFolder {
        task: Task,
        share: String,
        path: String,
        dest: PathBuf,
        conflict: Conflict,
        /// When `dest` exists, download beside it as `name (1)` instead of into it.
        beside: bool,
        reply: Reply<TreeReport>,
    },
    /// The transfer journal's jobs, in queue order (unfinished ones from earlier runs
    /// too).
    Jobs { reply: Reply<Vec<JobRecord>> },
    /// Removes a job that is not running, with its partial files.
    RemoveJob { job: JobId, reply: Reply<()> },
    /// Moves a job one place earlier (or later) in the queue.
    ReorderJob { job: JobId, earlier: bool, reply: Reply<()> },
    /// Drops the cached token and gets a new one.
    RefreshToken { reply: Reply<TokenInfo> },
    /// Gets a token from a credential without connecting (no cache): `azfx token`.
    AcquireToken { config: Box<ConnectionConfig>, resource: String, reply: Reply<AccessToken> },
    /// Runs the access check with its own session (the window's button, `azfx doctor`);
    /// steps arrive as `Event::CheckStep`.
    AccessCheck { task: Task, config: Box<ConnectionConfig>, share: String, read_only: bool, reply: Reply<Report> },
    /// SMB readiness of a share with its own session.
    SmbReadiness {
        config: Box<ConnectionConfig>,
        check: super::smb::SmbCheck,
        reply: Reply<crate::diagnose::smb::SmbReadiness>,
    },
    /// Lists a local folder (the local-files pane).
    ListLocal { path: PathBuf, reply: Reply<super::local::LocalListing> },
    /// Writes a file the user asked for (request log export, diagnostic bundle).
    WriteFile { path: PathBuf, contents: Vec<u8>, replace: bool, reply: Reply<()> },
    /// Opens a local file or folder with the system's default application.
    OpenPath { path: PathBuf, reply: Reply<()> },
}
