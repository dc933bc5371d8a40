//! The identity inspector, one of the two panels support staff live in (the other is the
//! request log, `inspect`): who the token is for and when it expires, and the clock skew
//! against the service.

use super::inspect::Ask;
use azfx_core::format::countdown;
use azfx_core::worker::TokenInfo;

/// Clock difference worth a warning.
const SKEW_WARNING_SECS: i64 = 300;

/// Now, and the offset to show local times in.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Moment {
    /// Unix seconds.
    pub now: i64,
    /// Local UTC offset, when known.
    pub offset: Option<time::UtcOffset>,
}

impl Moment {
    /// A moment as local time (or UTC), e.g. `2026-11-23 18:40:12 +01:00`.
    fn local(self, unix: i64) -> String {
        let Ok(at) = time::OffsetDateTime::from_unix_timestamp(unix) else { return unix.to_string() };
        let at = at.to_offset(self.offset.unwrap_or(time::UtcOffset::UTC));
        let (hours, minutes, _) = at.offset().as_hms();
        let zone = if self.offset.is_none() { "UTC".to_owned() } else { format!("{hours:+03}:{:02}", minutes.abs()) };
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} {zone}",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        )
    }
}

fn relative(seconds: i64) -> String {
    if seconds >= 0 { format!("in {}", countdown(seconds)) } else { format!("{} ago", countdown(-seconds)) }
}

/// Draws the identity inspector.
pub(crate) fn identity_ui(
    ctx: &egui::Context,
    open: &mut bool,
    token: Option<&TokenInfo>,
    skew_secs: Option<i64>,
    clock: Moment,
    asks: &mut Vec<Ask>,
) {
    let now = clock.now;
    egui::Window::new("Identity inspector")
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center()).open(open).default_width(640.0).show(ctx, |ui| {
        let Some(token) = token else {
            ui.label("No token: this connection uses a SAS or an account key, or is not connected");
            return;
        };
        let claims = token.claims.clone().unwrap_or_default();
        egui::Grid::new("identity-grid").num_columns(2).spacing([16.0, 6.0]).show(ui, |ui| {
            let mut row = |name: &str, value: String| {
                ui.label(name);
                ui.add(egui::Label::new(value).selectable(true));
                ui.end_row();
            };
            row("Source", token.source.to_string());
            row("Identity name", claims.identity_name().unwrap_or("-").to_owned());
            row("Object id (oid)", claims.oid.clone().unwrap_or_else(|| "-".into()));
            row("Client id (appid)", claims.client_id().unwrap_or("-").to_owned());
            row("Tenant (tid)", claims.tid.clone().unwrap_or_else(|| "-".into()));
            row("Audience (aud)", claims.aud.clone().unwrap_or_else(|| "-".into()));
            row("Issuer (iss)", claims.iss.clone().unwrap_or_else(|| "-".into()));
            row("Resource id (xms_mirid)", claims.xms_mirid.clone().unwrap_or_else(|| "-".into()));
            row("Type (idtyp)", claims.idtyp.clone().unwrap_or_else(|| "-".into()));
            for (name, value) in [("Issued", claims.iat), ("Not before", claims.nbf)] {
                if let Some(at) = value {
                    row(name, format!("{} ({})", clock.local(at), relative(at - now)));
                }
            }
            row("Expires", format!("{} ({})", clock.local(token.expires_on), relative(token.expires_on - now)));
            row("Received", format!("{} ({})", clock.local(token.acquired_at), relative(token.acquired_at - now)));
            row("Next refresh", format!("{} ({})", clock.local(token.refresh_at), relative(token.refresh_at - now)));
            row("Fingerprint", token.fingerprint.clone());
        });
        if let Some(skew) = skew_secs {
            if skew.abs() > SKEW_WARNING_SECS {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!("This machine's clock differs from the service's by {} min: tokens may look expired or not yet valid", skew.abs() / 60),
                );
            } else {
                ui.weak(format!("Clock: within {} s of the service", skew.abs()));
            }
        }
        ui.horizontal(|ui| {
            if ui.button("Refresh now").clicked() {
                asks.push(Ask::RefreshToken);
            }
            if ui.button("Copy claims as JSON").clicked() {
                super::copied::copy(ui.ctx(), serde_json::to_string_pretty(&claims).unwrap_or_default(), "the token's claims");
            }
        });
    });
}
