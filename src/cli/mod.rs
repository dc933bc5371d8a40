//! The `azfx` command line: flags for every subcommand (`args`) and the small,
//! scriptable commands for jump boxes (`files`: `ls`, `get`, `put`, `cp`, `mkdir`, `rm`,
//! `mv`; `doctor`: `token`, `doctor`), which drive the same worker the window uses. Exit
//! codes name the failing layer (see `worker::exit_code`).

mod args;
mod copy;
pub mod demo;
mod discover;
mod doctor;
mod files;
mod jobs;

use std::io::Write as _;

pub use args::Cli;
pub(crate) use args::{Command, CredentialArgs};
use azfx_core::diagnose::Class;
use azfx_core::files::Endpoint;
use azfx_core::worker::{Answer, EngineError, Event, Failure, TaskId, Worker, exit_code};

/// Waits for a promise on this (CLI) thread.
fn wait<T: Send + 'static>(promise: poll_promise::Promise<Answer<T>>) -> Answer<T> {
    match promise.try_take() {
        Ok(answer) => answer,
        Err(promise) => promise.block_and_take(),
    }
}

/// Waits for a long-running command, drawing a progress bar on stderr when it is a
/// terminal (nothing when piped), from the worker's progress events for `task`.
fn wait_with_progress<T: Send + 'static>(
    worker: &mut Worker,
    (task, promise): (TaskId, poll_promise::Promise<Answer<T>>),
    label: &str,
    bytes: bool,
) -> Answer<T> {
    use std::io::IsTerminal as _;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(if bytes {
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}"
            } else {
                "{msg} [{bar:30}] {pos}/{len} ETA {eta}"
            })
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(label.to_owned());
        bar
    });
    let mut promise = promise;
    let mut job = None;
    let take_events = |worker: &mut Worker, job: &mut Option<azfx_core::transfer::JobId>| {
        for event in worker.poll_events() {
            match event {
                Event::Progress { task: t, done, total } if t == task => {
                    if let Some(bar) = &bar {
                        bar.set_length(total);
                        bar.set_position(done);
                    }
                }
                Event::JobStarted { task: t, job: id, .. } if t == task => *job = Some(id),
                _ => {}
            }
        }
    };
    loop {
        take_events(worker, &mut job);
        match promise.try_take() {
            Ok(answer) => {
                // Events sent just before the answer (the job of a quick failure).
                take_events(worker, &mut job);
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                }
                return answer.map_err(|failure| with_resume_step(worker, job, failure));
            }
            Err(pending) => promise = pending,
        }
        // Woken by the worker's next event or answer; the timeout keeps the bar's rate
        // and ETA moving when nothing arrives.
        WAKE.wait(std::time::Duration::from_millis(100));
    }
}

/// Wakes `wait_with_progress` when the worker has news (the worker's repaint callback),
/// so a command ends as soon as its answer arrives rather than at the next poll.
struct Wake {
    news: std::sync::Mutex<bool>,
    arrived: std::sync::Condvar,
}

static WAKE: Wake = Wake { news: std::sync::Mutex::new(false), arrived: std::sync::Condvar::new() };

impl Wake {
    /// Records news and wakes the waiting thread.
    fn notify(&self) {
        let mut news = self.news.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Already told (one `RequestLogged` event per request): no second wake-up.
        if !*news {
            *news = true;
            self.arrived.notify_all();
        }
    }

    /// Returns once there is news (taking it) or after `timeout`.
    fn wait(&self, timeout: std::time::Duration) {
        let news = self.news.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (mut news, _) = self
            .arrived
            .wait_timeout_while(news, timeout, |news| !*news)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *news = false;
    }
}

/// The worker, with the transfer journal in the state directory (in memory, with a
/// warning, when that cannot be used: transfers then do not survive this run).
/// A failed transfer whose job the journal kept (what arrived is kept) says first how to
/// go on: run the same command again, or cancel the job.
fn with_resume_step(worker: &Worker, job: Option<azfx_core::transfer::JobId>, mut failure: Failure) -> Failure {
    let kept = job.and_then(|id| wait(worker.jobs()).ok()?.into_iter().find(|j| j.id == id));
    if let Some(kept) = kept {
        let step = format!(
            "What arrived ({}) is kept: run the same command again (or azfx jobs resume {id}) to resume; azfx jobs cancel {id} removes it",
            azfx_core::format::human_size(kept.done),
            id = kept.id
        );
        failure.diagnosis.next_steps.insert(0, step);
    }
    failure
}

/// The worker, with the transfer journal in the state directory (in memory, with a
/// warning, when that cannot be used: transfers then do not survive this run).
fn worker() -> Result<Worker, Failure> {
    let started = match azfx_core::config::Dirs::from_env() {
        Some(dirs) => Worker::spawn_in(dirs.state, || WAKE.notify()),
        None => Worker::spawn(|| WAKE.notify()),
    };
    let mut worker = started.map_err(|e| EngineError::InvalidInput(format!("cannot start the worker: {e}")))?;
    // The journal is opened first thing on the worker's thread: once a command has been
    // answered, its verdict is among the events.
    let _ = wait(worker.jobs());
    for event in worker.poll_events() {
        if let Event::JournalUnavailable(problem) = event {
            let _ = writeln!(std::io::stderr(), "azfx: {problem}; transfers will not resume after this run");
        }
    }
    Ok(worker)
}

/// Connects to `endpoint` with `credential`; with `--sas-from-arm`, with a share SAS
/// for `share` made through Resource Manager by the identity (held in memory only).
fn connect(worker: &Worker, credential: &CredentialArgs, endpoint: &Endpoint, share: &str) -> Result<(), Failure> {
    let config = credential.config(endpoint.base.as_str())?;
    match &credential.sas_from_arm {
        Some(permissions) => {
            let sas = azfx_core::worker::ServiceSasRequest {
                share: share.to_owned(),
                permissions: permissions.clone(),
                minutes: credential.sas_minutes,
            };
            wait(worker.connect_with_service_sas(config, sas)).map(drop)
        }
        None => wait(worker.connect(config)).map(drop),
    }
}

/// Prints a failure to stderr: its diagnosis (the same words the window shows) and the
/// error itself; input errors, which need no diagnosis, as one line.
fn print_failure(program: &str, failure: &Failure) {
    let mut err = std::io::stderr().lock();
    if failure.diagnosis.class == Class::Other {
        let _ = writeln!(err, "{program}: {}", failure.error);
        if let Some(hint) = cli_hint(failure) {
            let _ = writeln!(err, "  {hint}");
        }
        return;
    }
    let diagnosis = &failure.diagnosis;
    let _ = writeln!(err, "{program}: {}", diagnosis.title);
    let _ = writeln!(err, "  {}", failure.error);
    let _ = writeln!(err, "  Cause: {}", diagnosis.cause);
    // The roles Resource Manager showed (the rest of the evidence is the error above).
    let roles = diagnosis
        .evidence
        .iter()
        .skip_while(|line| !line.starts_with("Role assignments") && !line.starts_with("Resource Manager shows"));
    for line in roles {
        let _ = writeln!(err, "  {}", line.trim_start());
    }
    for (n, next) in diagnosis.next_steps.iter().enumerate() {
        let _ = writeln!(err, "  Next {}: {next}", n + 1);
    }
}

/// What to add to a failure on the command line: how to choose when something exists.
fn cli_hint(failure: &Failure) -> Option<&'static str> {
    matches!(failure.error, EngineError::Transfer(azfx_core::transfer::TransferError::Exists(_)))
        .then_some("choose with --overwrite true (replace), keep-both, if-newer or false (stop)")
}

/// Opens the explorer window (on the demo emulator with `--demo`).
fn run_window(cli: &Cli, local_offset: Option<time::UtcOffset>) -> i32 {
    let (pending_connection, keep_alive, trainer) = if cli.demo {
        let (promise, keep_alive, trainer) =
            demo::start(std::time::Duration::from_secs(cli.token_lifetime_secs.max(10)));
        (Some(promise), Some(keep_alive), Some(trainer))
    } else {
        (None, None, None)
    };
    let share = cli.share.clone().or_else(|| cli.demo.then(|| demo::WRITABLE_SHARE.to_owned()));
    let dirs = azfx_core::config::Dirs::from_env();
    let logs = dirs.as_ref().map(|dirs| dirs.logs.clone());
    let crash_report = logs.as_deref().and_then(azfx_core::logging::unseen_crash_report);
    // Files opened from the list are downloaded here first: this user's state folder (an
    // earlier copy is kept beside a new one).
    let open_dir = dirs.as_ref().map(|dirs| dirs.state.join("opened"));
    let open_dir = open_dir.filter(|dir| std::fs::create_dir_all(dir).is_ok());
    let theme = cli.theme.map(|theme| match theme {
        args::ThemeArg::System => azfx_ui::settings::Theme::System,
        args::ThemeArg::Light => azfx_ui::settings::Theme::Light,
        args::ThemeArg::Dark => azfx_ui::settings::Theme::Dark,
    });
    let options = azfx_ui::StartOptions {
        pending_connection,
        trainer,
        window_size: cli.window_size,
        theme,
        open_dir,
        log_dir: logs,
        crash_report,
        // The demo keeps its recents and connections out of the real settings.
        settings_file: dirs
            .as_ref()
            .map(|dirs| dirs.config.join(if cli.demo { "settings-demo.ron" } else { "settings.ron" })),
        // The demo's transfers are against an emulator that ends with the window: they get
        // a journal of their own, so a real account's unfinished jobs are not mixed in.
        state_dir: dirs.map(|dirs| if cli.demo { dirs.state.join("demo") } else { dirs.state }),
        download_dir: azfx_core::config::download_dir(),
        share,
        local_offset,
        ..azfx_ui::StartOptions::default()
    };
    let result = azfx_ui::run(options);
    drop(keep_alive);
    match result {
        Ok(()) => exit_code::OK,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "azfx: cannot open the window: {error}");
            exit_code::OTHER
        }
    }
}

/// Runs a parsed command line; returns the process exit code.
pub fn run(cli: &Cli, local_offset: Option<time::UtcOffset>) -> i32 {
    let mut stdout = std::io::stdout().lock();
    let result = match &cli.command {
        #[cfg(feature = "demo")]
        Some(Command::Emulator(args)) => return azfx_emulator::serve::run(args),
        Some(Command::Token(args)) => doctor::token(args, &mut stdout),
        Some(Command::Ls(args)) => files::ls(args, &mut stdout),
        Some(Command::Get(args)) => files::get(args, &mut stdout),
        Some(Command::Put(args)) => files::put(args, &mut stdout),
        Some(Command::Cp(args)) => copy::cp(args, &mut stdout),
        Some(Command::Mkdir(args)) => files::mkdir(args, &mut stdout),
        Some(Command::Rm(args)) => files::rm(args, &mut stdout),
        Some(Command::Mv(args)) => files::mv(args, &mut stdout),
        Some(Command::Doctor(args)) => return doctor::doctor(args, &mut stdout),
        Some(Command::Discover(args)) => discover::discover(args, &mut stdout),
        Some(Command::Jobs(args)) => jobs::run(args, &mut stdout),
        None => return run_window(cli, local_offset),
    };
    match result {
        Ok(()) => exit_code::OK,
        Err(failure) => {
            print_failure("azfx", &failure);
            failure.exit_code()
        }
    }
}
