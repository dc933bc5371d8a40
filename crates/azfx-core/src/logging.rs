//! Where azfx writes down what happened, for support: a daily log file in the OS log
//! directory (`--log-level`, default info; warnings also on stderr, or what `AZFX_LOG`
//! says), and a crash report when azfx panics (version, commit, OS, thread, message,
//! location, backtrace) that the next start offers to open. Everything written passes
//! `secret::redact_text`, so a token, SAS signature or account key that slipped into a
//! message never lands on disk.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::secret::redact_text;

/// `azfx 0.1.0 (commit abc123def456)`.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("AZFX_COMMIT"), ")");

/// Log files kept (one a day).
const KEEP_DAYS: usize = 14;

/// A file writer that redacts secrets from every write (one log event each).
struct Redacting<W>(W);

impl<W: std::io::Write> std::io::Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(redact_text(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Keeps the background log writer alive; drop it last (it flushes).
#[derive(Debug)]
pub struct LogGuard(
    #[expect(dead_code, reason = "held for its Drop, which flushes the log file")]
    Option<tracing_appender::non_blocking::WorkerGuard>,
);

/// Starts logging: stderr at `AZFX_LOG` (default `warn`), and, when `logs` is given and
/// can be created, a daily file there at `file_level` (`error` … `trace`).
pub fn init(logs: Option<&Path>, file_level: &str) -> LogGuard {
    let stderr_filter = tracing_subscriber::EnvFilter::try_from_env("AZFX_LOG").unwrap_or_else(|_| "warn".into());
    let stderr = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(stderr_filter);
    let file = logs.and_then(|dir| {
        std::fs::create_dir_all(dir).ok()?;
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("azfx")
            .filename_suffix("log")
            .max_log_files(KEEP_DAYS)
            .build(dir)
            .ok()
    });
    let (file_layer, guard) = match file {
        Some(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(Redacting(appender));
            let filter = tracing_subscriber::EnvFilter::try_new(file_level).unwrap_or_else(|_| "info".into());
            let layer = tracing_subscriber::fmt::layer().with_ansi(false).with_writer(writer).with_filter(filter);
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };
    let _ = tracing_subscriber::registry().with(stderr).with(file_layer).try_init();
    LogGuard(guard)
}

use tracing_subscriber::Layer as _;

/// Writes a crash report into `logs` when azfx panics (after the default hook has
/// printed to stderr).
pub fn install_crash_reports(logs: PathBuf) {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default(info);
        let _ = write_crash_report(&logs, info);
    }));
}

fn write_crash_report(logs: &Path, info: &std::panic::PanicHookInfo<'_>) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(logs)?;
    let now = time::OffsetDateTime::now_utc();
    let stamp = format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let path = logs.join(format!("crash-{stamp}.txt"));
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned());
    let location = info.location().map_or_else(|| "unknown".to_owned(), ToString::to_string);
    let thread = std::thread::current().name().unwrap_or("unnamed").to_owned();
    let backtrace = std::backtrace::Backtrace::force_capture();
    let report = format!(
        "azfx {VERSION} stopped unexpectedly at {}\nOS: {} {}\nThread: {thread}\nMessage: {message}\nLocation: {location}\n\nBacktrace:\n{backtrace}\n",
        crate::azure_time::iso7(now),
        std::env::consts::OS,
        std::env::consts::ARCH,
    );
    let mut file = std::fs::File::create(&path)?;
    file.write_all(redact_text(&report).as_bytes())?;
    Ok(path)
}

/// The newest crash report in `logs` that no start has offered yet; marks it offered
/// (a `crash-seen` file beside it), so it is offered once.
pub fn unseen_crash_report(logs: &Path) -> Option<PathBuf> {
    let newest = std::fs::read_dir(logs)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                n.starts_with("crash-") && n.ends_with(".txt")
            })
        })
        .max()?;
    let seen_marker = logs.join("crash-seen");
    let seen = std::fs::read_to_string(&seen_marker).unwrap_or_default();
    let name = newest.file_name()?.to_string_lossy().into_owned();
    if seen.trim() == name {
        return None;
    }
    let _ = std::fs::write(&seen_marker, &name);
    Some(newest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_report_is_offered_once() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(unseen_crash_report(dir.path()), None);
        std::fs::write(dir.path().join("crash-20261130-101010.txt"), "x").unwrap();
        std::fs::write(dir.path().join("crash-20261130-121212.txt"), "y").unwrap();
        let offered = unseen_crash_report(dir.path());
        assert_eq!(offered, Some(dir.path().join("crash-20261130-121212.txt")));
        assert_eq!(unseen_crash_report(dir.path()), None, "offered once");
        assert!(VERSION.contains("(commit "));
    }
}
