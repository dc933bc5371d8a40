//! The request log, one of the two panels support staff live in (the other is the
//! identity inspector, `identity`): every request with its status, code and request id,
//! the details of one, copy as curl, and export.

use std::collections::{HashMap, VecDeque};

use egui_extras::{Column, TableBuilder};

use azfx_core::diagnose::{Diagnosis, report};
use azfx_core::http::LogEntry;

/// Entries the window keeps.
const KEEP: usize = azfx_core::worker::LOG_CAPACITY;

/// Which requests to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StatusFilter {
    /// Everything.
    All,
    /// 2xx.
    Success,
    /// 4xx.
    ClientError,
    /// 5xx.
    ServerError,
    /// Any failure (4xx, 5xx, no answer).
    Failures,
}

impl StatusFilter {
    const ALL: [Self; 5] = [Self::All, Self::Success, Self::ClientError, Self::ServerError, Self::Failures];

    fn label(self) -> &'static str {
        match self {
            Self::All => "All",
            Self::Success => "2xx",
            Self::ClientError => "4xx",
            Self::ServerError => "5xx",
            Self::Failures => "Errors",
        }
    }

    fn keeps(self, entry: &LogEntry) -> bool {
        let status = entry.status.unwrap_or(0);
        match self {
            Self::All => true,
            Self::Success => (200..300).contains(&status),
            Self::ClientError => (400..500).contains(&status),
            Self::ServerError => status >= 500,
            Self::Failures => status >= 400 || entry.transport_error.is_some(),
        }
    }
}

/// What the panels ask the app to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ask {
    /// Refresh the token now.
    RefreshToken,
    /// Save the request log as JSON lines (contents).
    ExportLog(String),
}

/// The request log panel.
pub struct RequestLogPanel {
    /// Whether the window is shown.
    pub open: bool,
    /// Entries, oldest first.
    pub entries: VecDeque<LogEntry>,
    /// The worker's diagnosis of each failed entry, by sequence number.
    pub diagnoses: HashMap<u64, Box<Diagnosis>>,
    filter: String,
    status: StatusFilter,
    paused_at: Option<u64>,
    selected: Option<u64>,
}

impl Default for RequestLogPanel {
    fn default() -> Self {
        Self {
            open: false,
            entries: VecDeque::new(),
            diagnoses: HashMap::new(),
            filter: String::new(),
            status: StatusFilter::All,
            paused_at: None,
            selected: None,
        }
    }
}

impl RequestLogPanel {
    /// A new entry, with the worker's diagnosis when it failed.
    pub fn push(&mut self, entry: LogEntry, diagnosis: Option<Box<Diagnosis>>) {
        if self.entries.len() == KEEP
            && let Some(old) = self.entries.pop_front()
        {
            self.diagnoses.remove(&old.sequence);
        }
        if let Some(diagnosis) = diagnosis {
            self.diagnoses.insert(entry.sequence, diagnosis);
        }
        self.entries.push_back(entry);
    }

    /// Replaces the diagnosis of entries the worker explained anew.
    pub fn rediagnose(&mut self, updates: Vec<(u64, Box<Diagnosis>)>) {
        for (sequence, diagnosis) in updates {
            if self.entries.iter().any(|e| e.sequence == sequence) {
                self.diagnoses.insert(sequence, diagnosis);
            }
        }
    }

    /// Entries a later attempt made good: marked so, with the diagnosis saying nothing
    /// needs doing (and the retry's request id).
    pub fn recovered(&mut self, sequences: &[u64], by: &azfx_core::http::Recovery, diagnosis: &Diagnosis) {
        for entry in self.entries.iter_mut().filter(|e| sequences.contains(&e.sequence)) {
            entry.recovered = Some(by.clone());
            self.diagnoses.insert(entry.sequence, Box::new(diagnosis.clone()));
        }
    }

    /// The service's clock minus ours, from the newest answer with a `Date` header.
    pub fn clock_skew_secs(&self) -> Option<i64> {
        self.entries.iter().rev().find_map(|entry| {
            let date = entry.response_headers.iter().find(|(n, _)| n == "date")?;
            let service = azfx_core::azure_time::parse_rfc1123(&date.1)?.unix_timestamp();
            let ours = entry.started_at.unix_timestamp() + i64::try_from(entry.duration_ms / 2000).unwrap_or(0);
            Some(service - ours)
        })
    }

    fn visible(&self) -> Vec<&LogEntry> {
        let text = self.filter.to_lowercase();
        self.entries
            .iter()
            .rev()
            .filter(|e| self.paused_at.is_none_or(|seq| e.sequence <= seq))
            .filter(|e| self.status.keeps(e))
            .filter(|e| {
                text.is_empty()
                    || e.url.to_lowercase().contains(&text)
                    || e.operation.to_lowercase().contains(&text)
                    || e.error_code.as_deref().is_some_and(|c| c.to_lowercase().contains(&text))
                    || e.request_id.as_deref().is_some_and(|c| c.contains(&text))
            })
            .collect()
    }

    /// Search, status filter, Pause, Clear and Export.
    fn toolbar_ui(&mut self, ui: &mut egui::Ui, asks: &mut Vec<Ask>) {
        ui.horizontal(|ui| {
            let label = ui.label("Search");
            ui.add(egui::TextEdit::singleline(&mut self.filter).desired_width(200.0)).labelled_by(label.id);
            let label = ui.label("Status");
            egui::ComboBox::from_id_salt("log-status")
                .selected_text(self.status.label())
                .show_ui(ui, |ui| {
                    for filter in StatusFilter::ALL {
                        ui.selectable_value(&mut self.status, filter, filter.label());
                    }
                })
                .response
                .labelled_by(label.id);
            let paused = self.paused_at.is_some();
            if ui.selectable_label(paused, "Pause").clicked() {
                self.paused_at = if paused { None } else { self.entries.back().map(|e| e.sequence) };
            }
            if ui.button("Clear").clicked() {
                self.entries.clear();
                self.diagnoses.clear();
                self.selected = None;
            }
            if ui.button("Export JSON lines…").clicked() {
                let entries: Vec<LogEntry> = self.entries.iter().cloned().collect();
                asks.push(Ask::ExportLog(report::json_lines(&entries)));
            }
        });
    }

    /// Draws the window.
    pub fn ui(&mut self, ctx: &egui::Context, asks: &mut Vec<Ask>) {
        let mut open = self.open;
        egui::Window::new("Request log")
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
            .open(&mut open)
            .default_size([980.0, 520.0])
            .show(ctx, |ui| {
                self.toolbar_ui(ui, asks);
                let rows: Vec<LogEntry> = self.visible().into_iter().cloned().collect();
                let mut clicked = None;
                // Row clicks select; text selection would swallow them.
                ui.style_mut().interaction.selectable_labels = false;
                TableBuilder::new(ui)
                    .id_salt("request-log-table")
                    .striped(true)
                    .sense(egui::Sense::click())
                    .max_scroll_height(260.0)
                    .column(Column::exact(70.0))
                    .column(Column::exact(60.0))
                    .column(Column::remainder().at_least(260.0).clip(true))
                    // Wide enough for "401 (recovered)" and "404 (expected)".
                    .column(Column::exact(112.0))
                    .column(Column::exact(210.0).clip(true))
                    .column(Column::exact(70.0))
                    .column(Column::exact(60.0))
                    .column(Column::exact(40.0))
                    .header(20.0, |mut header| {
                        for title in [
                            "Time",
                            "Method",
                            "Request",
                            "Status",
                            "Error code · request id",
                            "Duration",
                            "Size",
                            "Try",
                        ] {
                            header.col(|ui| {
                                ui.strong(title);
                            });
                        }
                    })
                    .body(|body| {
                        body.rows(20.0, rows.len(), |mut row| {
                            let entry = &rows[row.index()];
                            row.set_selected(self.selected == Some(entry.sequence));
                            row.col(|ui| {
                                ui.label(azfx_core::azure_time::iso7(entry.started_at).get(11..19).unwrap_or_default());
                            });
                            row.col(|ui| {
                                ui.label(&entry.method);
                            });
                            row.col(|ui| {
                                // The path and query are what differ from row to row; the
                                // scheme and host are the same for all (the whole URL on hover).
                                let shown = url::Url::parse(&entry.url).map_or_else(
                                    |_| entry.url.clone(),
                                    |u| {
                                        format!(
                                            "{}{}",
                                            u.path(),
                                            u.query().map(|q| format!("?{q}")).unwrap_or_default()
                                        )
                                    },
                                );
                                ui.label(format!("{} {shown}", entry.operation)).on_hover_text(&entry.url);
                            });
                            let selected = self.selected == Some(entry.sequence);
                            row.col(|ui| {
                                let text = entry.status.map_or_else(|| "—".to_owned(), |s| s.to_string());
                                if entry.failed() && !entry.is_error() {
                                    // An answer the caller asked for, or made good by a retry.
                                    let note = if entry.recovered.is_some() { "recovered" } else { "expected" };
                                    ui.label(format!("{text} ({note})"));
                                } else if entry.status.is_none_or(|s| s >= 400) && !selected {
                                    ui.colored_label(ui.visuals().error_fg_color, text);
                                } else if entry.status.is_none_or(|s| s >= 400) {
                                    // Red on the selection's blue is unreadable: strong text there.
                                    ui.strong(format!("{text} ✖"));
                                } else {
                                    ui.label(text);
                                }
                            });
                            row.col(|ui| {
                                let code =
                                    entry.error_code.as_deref().or(entry.transport_error.as_deref()).unwrap_or("");
                                ui.label(format!("{code} {}", entry.request_id.as_deref().unwrap_or("")));
                            });
                            row.col(|ui| {
                                ui.label(format!("{} ms", entry.duration_ms));
                            });
                            row.col(|ui| {
                                ui.label(azfx_core::format::human_size(entry.bytes_sent.max(entry.bytes_received)));
                            });
                            row.col(|ui| {
                                ui.label(entry.attempt.to_string());
                            });
                            if row.response().clicked() {
                                clicked = Some(entry.sequence);
                            }
                        });
                    });
                if clicked.is_some() {
                    self.selected = clicked;
                }
                ui.style_mut().interaction.selectable_labels = true;
                if let Some(entry) =
                    self.selected.and_then(|seq| self.entries.iter().find(|e| e.sequence == seq)).cloned()
                {
                    ui.separator();
                    details_ui(ui, &entry, self.diagnoses.get(&entry.sequence).map(AsRef::as_ref));
                }
            });
        self.open = open;
    }
}

fn details_ui(ui: &mut egui::Ui, entry: &LogEntry, diagnosis: Option<&Diagnosis>) {
    ui.horizontal(|ui| {
        ui.strong(format!("{} {}", entry.method, entry.url));
        if ui.button("Copy as curl").clicked() {
            super::copied::copy(ui.ctx(), report::curl(entry), "the request as curl (token redacted)");
        }
    });
    if let Some(diagnosis) = diagnosis {
        super::diagnosis::diagnosis_ui(ui, diagnosis);
    }
    egui::ScrollArea::vertical().id_salt("log-details").max_height(180.0).show(ui, |ui| {
        ui.columns(2, |columns| {
            columns[0].strong("Request headers");
            for (name, value) in &entry.request_headers {
                columns[0].monospace(format!("{name}: {value}"));
            }
            columns[1].strong("Response headers");
            for (name, value) in &entry.response_headers {
                columns[1].monospace(format!("{name}: {value}"));
            }
        });
        if let Some(body) = &entry.error_body {
            ui.strong("Error body");
            ui.monospace(body.trim_start_matches('\u{feff}'));
        }
        if let Some(error) = &entry.transport_error {
            ui.strong("Transport error");
            ui.monospace(error);
        }
    });
}
