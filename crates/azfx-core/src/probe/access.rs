//! The access check, run for real: identity endpoint → token → DNS/TCP/TLS to the file
//! endpoint → list the share root → create a temporary folder → write a file → read it
//! back and compare → delete both. Each step reports as it ends, with a diagnosis from
//! `diagnose` when it fails; nothing is left behind either way.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::auth::{AuthErrorKind, STORAGE_RESOURCE, TokenSource};
use crate::diagnose::check::{Report, STEP_NAMES, Step, StepStatus, exit_for};
use crate::diagnose::{Context, diagnose};
use crate::error::{EngineError, exit_code};
use crate::files::{Endpoint, ErrorKind, FilesClient, FilesError, TransportKind};

/// What to check.
#[derive(Clone, Debug)]
pub struct Target {
    /// The account's endpoint.
    pub endpoint: Endpoint,
    /// The share.
    pub share: String,
    /// Stop after the read step.
    pub read_only: bool,
    /// Extra CA to trust.
    pub ca_pem: Option<Vec<u8>>,
    /// Resource Manager with the same identity, for the roles behind a 403.
    pub arm: Option<crate::arm::ArmClient>,
}

struct Run<'a> {
    steps: Vec<Step>,
    started: Instant,
    report: &'a (dyn Fn(&Step) + Send + Sync),
    context: Context,
}

impl Run<'_> {
    fn finish(&mut self, status: StepStatus, detail: String, error: Option<&EngineError>) {
        let name = STEP_NAMES[self.steps.len()].to_owned();
        let diagnosis = error.map(|e| diagnose(e, &self.context));
        let step = Step {
            name,
            status,
            detail,
            diagnosis,
            duration_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(0),
        };
        (self.report)(&step);
        self.steps.push(step);
        self.started = Instant::now();
    }

    /// After a 403 for lack of a role, the role assignments Resource Manager shows, so
    /// the step's diagnosis names them (as every other surface does).
    async fn look_up_roles(&mut self, target: &Target, error: &FilesError) {
        if error.kind != ErrorKind::PermissionDenied || self.context.roles.is_some() {
            return;
        }
        let oid = self.context.claims.as_ref().and_then(|c| c.oid.clone());
        let (Some(arm), Some(oid)) = (&target.arm, oid) else { return };
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let lookup = crate::arm::role_evidence(arm, &target.endpoint.account, &target.share, &oid, now);
        self.context.roles = Some(tokio::time::timeout(Duration::from_secs(8), lookup).await.unwrap_or_else(|_| {
            crate::arm::RoleLookup::Unavailable("Resource Manager did not answer within 8 s".to_owned())
        }));
    }

    fn skip_rest(&mut self, why: &str) {
        while self.steps.len() < STEP_NAMES.len() {
            self.finish(StepStatus::Skipped, why.to_owned(), None);
        }
    }
}

async fn reach(target: &Target) -> Result<String, EngineError> {
    let url = &target.endpoint.base;
    let host = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let transport = |kind: TransportKind, text: String| {
        let mut error = FilesError::new(ErrorKind::Transport, "Reach the file endpoint", url.as_str());
        error.transport = Some((kind, text));
        EngineError::Files(error)
    };
    let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| transport(TransportKind::Dns, format!("{host} does not resolve: {e}")))?
        .collect();
    let address = *addresses.first().ok_or_else(|| transport(TransportKind::Dns, format!("{host} has no address")))?;
    match tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect(address)).await {
        Err(_) => return Err(transport(TransportKind::Timeout, format!("no TCP answer from {address} in 5 s"))),
        Ok(Err(e)) => return Err(transport(TransportKind::Connect, format!("TCP to {address}: {e}"))),
        Ok(Ok(_)) => {}
    }
    // An anonymous request proves TLS and HTTP: any status will do.
    let client = crate::http::client_builder(target.ca_pem.as_deref(), target.endpoint.is_loopback())
        .map_err(|e| transport(TransportKind::Tls, e))?
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| transport(TransportKind::Tls, e.to_string()))?;
    let response = client
        .get(url.clone())
        .send()
        .await
        .map_err(|e| EngineError::Files(FilesError::from_transport("Reach the file endpoint", url.as_str(), &e)))?;
    Ok(format!(
        "{host} resolves to {} ({}), HTTP {} without credentials",
        address.ip(),
        url.scheme().to_uppercase(),
        response.status().as_u16()
    ))
}

/// Runs the check; `report` sees each step as it ends.
///
/// `context` is the session's diagnosis context for the share; the claims of the token
/// the check gets are added to it.
pub async fn run(
    source: Option<Arc<dyn TokenSource>>,
    client: &FilesClient,
    context: Context,
    target: &Target,
    report: &(dyn Fn(&Step) + Send + Sync),
) -> Report {
    let mut run = Run { steps: Vec::new(), started: Instant::now(), report, context };
    let mut claims = None;
    if let Some(source) = &source {
        match source.fetch(STORAGE_RESOURCE).await {
            Ok(token) => {
                run.finish(StepStatus::Passed, format!("{} answered", token.source), None);
                claims.clone_from(&token.claims);
                run.context.claims.clone_from(&token.claims);
                let c = token.claims.clone().unwrap_or_default();
                let detail = format!(
                    "{} · object id {} · audience {} · expires in {} min",
                    c.identity_name().unwrap_or("identity"),
                    c.oid.as_deref().unwrap_or("-"),
                    c.aud.as_deref().unwrap_or("-"),
                    (token.expires_on - crate::auth::now_unix()) / 60
                );
                run.finish(StepStatus::Passed, detail, None);
            }
            Err(error) => {
                let unreachable = matches!(error.kind, AuthErrorKind::EndpointUnreachable { .. });
                let engine = EngineError::Auth(error.clone());
                if unreachable {
                    run.finish(StepStatus::Failed, error.to_string(), Some(&engine));
                } else {
                    run.finish(StepStatus::Passed, "the identity endpoint answered".to_owned(), None);
                    run.finish(StepStatus::Failed, error.to_string(), Some(&engine));
                }
                let code = exit_for(run.steps.len() - 1, &engine);
                run.skip_rest("an earlier step failed");
                return Report { steps: run.steps, claims, exit_code: code };
            }
        }
    } else {
        run.finish(StepStatus::Skipped, "not a token credential (SAS or account key)".to_owned(), None);
        run.finish(StepStatus::Skipped, "not a token credential (SAS or account key)".to_owned(), None);
    }
    let mut failure: Option<(usize, EngineError)> = None;
    match reach(target).await {
        Ok(detail) => run.finish(StepStatus::Passed, detail, None),
        Err(error) => {
            run.finish(StepStatus::Failed, error.to_string(), Some(&error));
            failure = Some((2, error));
        }
    }
    if failure.is_none() {
        match client.list_page(&target.share, "", None, 5).await {
            Ok(page) => {
                run.context.read_works = Some(true);
                run.finish(
                    StepStatus::Passed,
                    format!(
                        "{} on the first page",
                        crate::format::count(page.entries.len() as u64, "entry", "entries")
                    ),
                    None,
                );
            }
            Err(e) => {
                run.context.read_works = Some(false);
                let e = if e.kind == ErrorKind::PermissionDenied {
                    share_missing(client, target.arm.as_ref(), &target.share).await.unwrap_or(e)
                } else {
                    e
                };
                run.look_up_roles(target, &e).await;
                let error = EngineError::Files(e);
                run.finish(StepStatus::Failed, error.to_string(), Some(&error));
                failure = Some((3, error));
            }
        }
    }
    if failure.is_none() && !target.read_only {
        failure = write_steps(client, target, &mut run).await;
    }
    let exit_code = failure.as_ref().map_or(exit_code::OK, |(index, error)| exit_for(*index, error));
    let why = if failure.is_some() { "an earlier step failed" } else { "read-only check" };
    run.skip_rest(why);
    Report { steps: run.steps, claims, exit_code }
}

/// When the identity can list the account's shares — through Files, else through
/// Resource Manager (`arm`, a control-plane role such as Reader) — and `share` is not
/// among them: a 404 `ShareNotFound` error naming the ones that exist, so a typo is not
/// explained as a missing role (the service answers 403 for a share the identity has no
/// data role on, existing or not). `None` when it exists or the shares cannot be listed.
pub async fn share_missing(
    client: &FilesClient,
    arm: Option<&crate::arm::ArmClient>,
    share: &str,
) -> Option<FilesError> {
    let names: Vec<String> = if let Ok(shares) = client.list_shares().await {
        shares.into_iter().map(|s| s.name).collect()
    } else {
        let arm = arm?;
        let account = arm.find_account(&client.endpoint().account).await.ok()??;
        arm.shares(&account.id).await.ok()?.into_iter().map(|s| s.name).collect()
    };
    // Share names are lowercase; the service compares them without case.
    if names.iter().any(|name| name.eq_ignore_ascii_case(share)) {
        return None;
    }
    let url = client.endpoint().url(share, "");
    let mut error = FilesError::new(ErrorKind::NotFound, "List the share root", url.as_str());
    error.code = Some("ShareNotFound".to_owned());
    let existing = if names.is_empty() { "none".to_owned() } else { names.join(", ") };
    error.message = Some(format!(
        "there is no share {share} in {}: the shares this identity can list are {existing}",
        client.endpoint().account
    ));
    Some(error)
}

async fn write_steps(client: &FilesClient, target: &Target, run: &mut Run<'_>) -> Option<(usize, EngineError)> {
    // A refusal here is the check's answer (reported in its steps), not an error to count.
    let client = &client.for_checks();
    let share = &target.share;
    let dir = format!("azfx-access-check-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let file = format!("{dir}/probe.bin");
    let data: bytes::Bytes = (0..4096_u32).map(|i| i.to_le_bytes()[0] ^ 0x5a).collect::<Vec<u8>>().into();
    let fail = |run: &mut Run<'_>, index: usize, e: FilesError| {
        let error = EngineError::Files(e);
        run.finish(StepStatus::Failed, error.to_string(), Some(&error));
        Some((index, error))
    };
    if let Err(e) = client.create_directory(share, &dir).await {
        run.look_up_roles(target, &e).await;
        return fail(run, 4, e);
    }
    run.finish(StepStatus::Passed, format!("created /{share}/{dir}"), None);
    let mut failure = None;
    let written = async {
        client.create_file(share, &file, data.len() as u64).await?;
        client.put_range(share, &file, 0, data.clone()).await
    }
    .await;
    match written {
        Ok(()) => run.finish(StepStatus::Passed, format!("wrote {} bytes with Content-MD5", data.len()), None),
        Err(e) => failure = fail(run, 5, e),
    }
    if failure.is_none() {
        match client.get_range(share, &file, 0, data.len() as u64).await {
            Ok(back) if back == data => {
                run.finish(StepStatus::Passed, "the bytes read back are the bytes written".to_owned(), None);
            }
            Ok(_) => {
                let mut e = FilesError::new(ErrorKind::InvalidResponse, "Read it back", &file);
                e.message = Some("the bytes read back differ from the bytes written".to_owned());
                failure = fail(run, 6, e);
            }
            Err(e) => failure = fail(run, 6, e),
        }
    } else {
        run.finish(StepStatus::Skipped, "nothing was written".to_owned(), None);
    }
    // Clean up whatever exists, whatever failed.
    let file_gone = match client.delete_file(share, &file).await {
        Ok(()) => true,
        Err(e) => e.kind == ErrorKind::NotFound,
    };
    match client.delete_directory(share, &dir).await {
        Ok(()) if file_gone => run.finish(StepStatus::Passed, format!("removed /{share}/{dir}"), None),
        Ok(()) => run.finish(StepStatus::Passed, format!("removed /{share}/{dir}"), None),
        Err(e) => {
            let left = format!("could not remove /{share}/{dir}: delete it by hand");
            let error = EngineError::Files(e);
            run.finish(StepStatus::Failed, left, Some(&error));
            if failure.is_none() {
                failure = Some((7, error));
            }
        }
    }
    failure
}
