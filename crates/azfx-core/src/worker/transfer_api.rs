//! The worker's transfer commands: a file or a folder each way, each a job of the
//! transfer journal (so the same call resumes it), answering when it ends.

use std::path::PathBuf;

use super::command::Command;
use super::{DownloadOutcome, Started, TreeReport, UploadOutcome, Worker};
use crate::transfer::Conflict;

impl Worker {
    /// Downloads a file to `dest`; an existing `dest` is handled by `conflict`.
    pub fn download(&self, share: &str, path: &str, dest: PathBuf, conflict: Conflict) -> Started<DownloadOutcome> {
        let (share, path) = (share.to_owned(), path.to_owned());
        self.start(|task, reply| Command::Download { task, share, path, dest, conflict, reply })
    }

    /// Uploads a file to `share/path`; an existing file is handled by `conflict`.
    pub fn upload(&self, src: PathBuf, share: &str, path: &str, conflict: Conflict) -> Started<UploadOutcome> {
        let (share, path) = (share.to_owned(), path.to_owned());
        self.start(|task, reply| Command::Upload { task, src, share, path, conflict, reply })
    }

    /// Uploads a local file or folder into the share directory `dir`, keeping its name
    /// (what a drop on the window does).
    pub fn upload_path(&self, src: PathBuf, share: &str, dir: &str, conflict: Conflict) -> Started<TreeReport> {
        let (share, dir) = (share.to_owned(), dir.to_owned());
        self.start(|task, reply| Command::UploadPath { task, src, share, dir, conflict, reply })
    }

    /// Uploads what the local folder `src` holds into the share folder `dest`, which is
    /// made if missing (`cp -r DIR new`): one job, so the same call resumes into `dest`.
    pub fn upload_folder(&self, src: PathBuf, share: &str, dest: &str, conflict: Conflict) -> Started<TreeReport> {
        let (share, dest) = (share.to_owned(), dest.to_owned());
        self.start(|task, reply| Command::UploadFolder { task, src, share, dest, conflict, reply })
    }

    /// Downloads a share folder into the local folder `dest` (an existing one receives
    /// it: the same call resumes into it).
    pub fn download_folder(&self, share: &str, path: &str, dest: PathBuf, conflict: Conflict) -> Started<TreeReport> {
        let (share, path) = (share.to_owned(), path.to_owned());
        self.start(|task, reply| Command::DownloadFolder { task, share, path, dest, conflict, beside: false, reply })
    }

    /// Downloads a share folder as a new local folder: `dest`, or `name (1)`, `name (2)`,
    /// … beside it when `dest` exists (what the window's Download does: a second download
    /// never merges into the first). The job records the folder chosen.
    pub fn download_folder_beside(
        &self,
        share: &str,
        path: &str,
        dest: PathBuf,
        conflict: Conflict,
    ) -> Started<TreeReport> {
        let (share, path) = (share.to_owned(), path.to_owned());
        self.start(|task, reply| Command::DownloadFolder { task, share, path, dest, conflict, beside: true, reply })
    }
}
