//! The ways the service fails that a person or a test can rehearse on a running
//! emulator by name (`azfx emulator --fault NAME`): a refusal of listings alone, a reset
//! on a given listing page, a download body cut off part way, a service that accepts a
//! request and stops answering, a server-side copy left pending.

/// One way the service fails, armed on a running emulator (`azfx emulator --fault`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rehearsal {
    /// Every listing refused with 403 `AuthorizationPermissionMismatch`.
    Listing403,
    /// The connection drops on this page (1-based) of the next listing.
    ListingReset(usize),
    /// The next download's body stops after this many bytes.
    DownloadCut(u64),
    /// The next Files request waits this many seconds unanswered, then is dropped.
    Stall(u32),
    /// The next token request (IMDS, App Service) waits this many seconds unanswered.
    IdentityStall(u32),
    /// Server-side copies stay pending.
    CopyPending,
}

/// Reads one as `azfx emulator --fault` takes it.
///
/// Errors: an unknown fault, or a number that does not parse (or a page 0).
pub fn parse(text: &str) -> Result<Rehearsal, String> {
    let (name, value) = text.split_once('=').map_or((text, None), |(n, v)| (n, Some(v)));
    let number = |what: &str| -> Result<u64, String> {
        value.and_then(|v| v.parse().ok()).ok_or_else(|| format!("{name} needs ={what} (a whole number)"))
    };
    match name {
        "listing-403" => Ok(Rehearsal::Listing403),
        "listing-reset" => match number("PAGE")? {
            0 => Err("pages count from 1".to_owned()),
            page => Ok(Rehearsal::ListingReset(usize::try_from(page).map_err(|e| e.to_string())?)),
        },
        "download-cut" => Ok(Rehearsal::DownloadCut(number("BYTES")?)),
        "stall" => Ok(Rehearsal::Stall(u32::try_from(number("SECS")?).map_err(|e| e.to_string())?)),
        "identity-stall" => Ok(Rehearsal::IdentityStall(u32::try_from(number("SECS")?).map_err(|e| e.to_string())?)),
        "copy-pending" => Ok(Rehearsal::CopyPending),
        other => Err(format!(
            "unknown fault {other:?}: listing-403, listing-reset=N, download-cut=BYTES, stall=SECS, identity-stall=SECS or copy-pending"
        )),
    }
}

/// Arms `fault` on `control`.
pub fn arm(control: &super::Control, fault: &Rehearsal) {
    use super::{Fault, FaultTarget};
    match fault {
        Rehearsal::Listing403 => {
            let refused = Fault::ServiceError {
                status: 403,
                code: "AuthorizationPermissionMismatch".to_owned(),
                header_name: None,
            };
            // As the training drills do: as good as every listing of the session.
            control.inject(FaultTarget::Listing, &refused, 100_000);
        }
        Rehearsal::ListingReset(page) => {
            control.inject_after(FaultTarget::Listing, &Fault::ResetMidBody { after_bytes: 0 }, page - 1, 1);
        }
        Rehearsal::DownloadCut(bytes) => {
            control.inject(FaultTarget::GetFile, &Fault::ResetMidBody { after_bytes: *bytes }, 1);
        }
        Rehearsal::Stall(secs) => control.inject(FaultTarget::Files, &Fault::Stall { secs: *secs }, 1),
        Rehearsal::IdentityStall(secs) => control.inject(FaultTarget::Identity, &Fault::Stall { secs: *secs }, 1),
        Rehearsal::CopyPending => control.set_copy_pending_polls(u32::MAX),
    }
}
