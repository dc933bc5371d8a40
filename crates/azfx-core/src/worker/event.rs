//! What the worker tells its caller without being asked: tokens, request-log entries
//! with their diagnosis, listing pages, access-check steps, progress, jobs.

use crate::auth::AuthError;
use crate::diagnose::Diagnosis;
use crate::diagnose::check::Step;
use crate::files::DirEntry;
use crate::http::LogEntry;
use crate::transfer::{JobId, JobSpec};

use super::values::{TaskId, TokenInfo};

/// Typed events from the worker.
#[derive(Clone, Debug)]
pub enum Event {
    /// A token arrived (first or refreshed).
    TokenAcquired(Box<TokenInfo>),
    /// Getting or refreshing a token failed.
    TokenFailed(AuthError),
    /// An HTTP exchange finished (one attempt); a failed Files exchange carries the same
    /// diagnosis the command's answer carries.
    RequestLogged(Box<LogEntry>, Option<Box<Diagnosis>>),
    /// Request-log entries (by `sequence`) explained anew, now that more is known (the
    /// role assignments found after a 403): their diagnosis is replaced.
    Rediagnosed(Vec<(u64, Box<Diagnosis>)>),
    /// Failed request-log entries (by `sequence`) that a later attempt of the same
    /// request made good: not errors any more; their diagnosis says so.
    Recovered {
        /// The failed attempts.
        sequences: Vec<u64>,
        /// The attempt that succeeded.
        by: crate::http::Recovery,
        /// What the log shows for them now.
        diagnosis: Box<Diagnosis>,
    },
    /// A page of a directory listing.
    ListingPage {
        /// The listing task.
        task: TaskId,
        /// Entries of this page.
        entries: Vec<DirEntry>,
        /// Entries listed so far, this page included.
        listed: u64,
    },
    /// A step of an access check ended.
    CheckStep {
        /// The check.
        task: TaskId,
        /// The step.
        step: Box<Step>,
    },
    /// A transfer began as (or resumed) a job of the transfer journal.
    JobStarted {
        /// The transfer's task.
        task: TaskId,
        /// Its job.
        job: JobId,
        /// What it is (starting the same transfer again resumes it).
        spec: Box<JobSpec>,
    },
    /// The transfer journal in the state directory cannot be used: transfers are
    /// remembered in memory only (the text says why).
    JournalUnavailable(String),
    /// Progress of a transfer or recursive delete.
    Progress {
        /// The task.
        task: TaskId,
        /// Units done (bytes, or entries for deletes).
        done: u64,
        /// Units in all.
        total: u64,
    },
}
