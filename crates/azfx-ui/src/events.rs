//! What arrives from the worker each frame: events (tokens, request log entries, listing
//! pages, progress, jobs) and the answers of the promises the window holds.

use super::AzfxApp;
use super::browser::Notice;
use azfx_core::worker::Event;

impl AzfxApp {
    pub(super) fn handle_events(&mut self) {
        for event in self.worker.poll_events() {
            match event {
                Event::TokenAcquired(token) => {
                    self.status.token = Some(*token);
                    self.status.token_error = None;
                }
                Event::TokenFailed(error) => self.status.token_error = Some(error.kind.to_string()),
                Event::RequestLogged(entry, diagnosis) => {
                    if let Some(browser) = self.session.as_mut().and_then(|s| s.browser.as_mut()) {
                        browser.on_request(&entry);
                    }
                    self.log_panel.push((*entry).clone(), diagnosis);
                    self.status.on_request(*entry);
                }
                Event::Rediagnosed(updates) => self.log_panel.rediagnose(updates),
                Event::Recovered { sequences, by, diagnosis } => {
                    self.status.on_recovered(&sequences);
                    self.log_panel.recovered(&sequences, &by, &diagnosis);
                }
                Event::ListingPage { task, entries, listed } => {
                    if self.nav.on_page(task, &entries) {
                        continue;
                    }
                    if let Some(browser) = self.session.as_mut().and_then(|s| s.browser.as_mut()) {
                        browser.on_page(task, entries, listed);
                    }
                }
                Event::Progress { task, done, total } => {
                    let browser = self.session.as_mut().and_then(|s| s.browser.as_mut());
                    if !browser.is_some_and(|b| b.on_progress(task, done, total)) {
                        self.transfers.on_progress(task, done, total);
                    }
                }
                Event::CheckStep { task, step } => self.access.on_step(task, *step),
                Event::JobStarted { task, job, spec } => self.transfers.on_job(task, job, *spec),
                Event::JournalUnavailable(problem) => {
                    self.toasts.extend(vec![Notice::Error("Transfers will not survive a restart".to_owned(), problem)]);
                }
            }
        }
    }

    pub(super) fn poll(&mut self) {
        match self.pending_connection.take_arrived() {
            Some(Ok(config)) => self.connection_ready(config),
            Some(Err(error)) => self.connect.error = Some(format!("The demo emulator could not start: {error}")),
            None => {}
        }
        if let Some(connected) = self.connect.poll() {
            self.connected(connected);
        }
        self.status.poll();
        self.nav.poll();
        self.access.poll();
        self.poll_saves();
        self.poll_opens();
        let mut refresh = false;
        if let Some(session) = &mut self.session {
            match session.shares_request.take_arrived() {
                Some(Ok(shares)) => session.shares = shares.into_iter().map(|s| s.name).collect(),
                Some(Err(failure)) => session.shares_failure = Some(failure),
                None => {}
            }
            if let Some(browser) = &mut session.browser {
                let (notices, changed) = browser.poll();
                self.toasts.extend(notices);
                self.conflicts.extend(browser.pastes.conflicts.drain(..));
                refresh |= changed;
            }
        }
        if let Some(jobs) = self.transfers.restoring.poll(&self.worker) {
            self.transfers.restore(jobs);
        }
        if let Some((share, path)) =
            self.session.as_mut().and_then(|s| s.browser.as_mut()).and_then(|b| b.switch_to.take())
        {
            self.open_share_at(&share, &path, false);
        }
        if let Some(name) = self.session.as_mut().and_then(|s| s.browser.as_mut()).and_then(|b| b.open_request.take()) {
            self.open_file(&name);
        }
        let (notices, changed, batches) = self.transfers.poll();
        for path in std::mem::take(&mut self.transfers.to_open) {
            self.opens.push(path.display().to_string(), self.worker.open_path(path));
        }
        self.toasts.extend(notices);
        self.conflicts.extend(batches);
        refresh |= changed;
        if refresh
            && let Some(browser) = self.session.as_mut().and_then(|s| s.browser.as_mut())
            && !browser.busy()
        {
            // The pane lists this folder's subfolders again when it is next drawn open.
            self.nav.invalidate(&browser.share, &browser.path);
            browser.refresh(&self.worker);
        }
        self.pickers.base.clone_from(&self.settings.download_dir);
        if let Some(chosen) = self.pickers.poll() {
            self.act_on(chosen);
        }
    }
}
