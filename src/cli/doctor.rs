//! `azfx token` (who a token is for, never the token unless asked) and `azfx doctor`
//! (the access check, step by step, with exit codes per failing layer).

use super::args::{DoctorArgs, TokenArgs};
use super::{print_failure, wait, worker};
use azfx_core::format::unix_rfc1123;
use azfx_core::worker::{EngineError, Event, Failure, TokenInfo, exit_code};

pub(super) fn token(args: &TokenArgs, out: &mut dyn std::io::Write) -> Result<(), Failure> {
    let worker = worker()?;
    let config = args.credential.config("https://unused.file.core.windows.net")?;
    let token = wait(worker.acquire_token(config, &args.resource))?;
    let info = TokenInfo::from(&token);
    let claims = info.claims.clone().unwrap_or_default();
    let now = azfx_core::auth::now_unix();
    if args.json {
        let mut value = serde_json::json!({
            "source": info.source.to_string(),
            "fingerprint": info.fingerprint,
            "expires_on": info.expires_on,
            "expires_in_secs": info.expires_on - now,
            "claims": claims,
        });
        if args.raw {
            value["access_token"] = serde_json::Value::String(token.secret.expose().to_owned());
        }
        let _ = writeln!(out, "{value:#}");
    } else if args.raw {
        // The token alone on stdout, for `TOKEN=$(azfx token --raw)`; who it is for on
        // stderr, so a person still sees it.
        let _ = writeln!(out, "{}", token.secret.expose());
        eprintln!(
            "token for {} ({}), expires {} (in {} min), fingerprint {}",
            claims.identity_name().unwrap_or("an unnamed identity"),
            info.source,
            unix_rfc1123(info.expires_on),
            (info.expires_on - now) / 60,
            info.fingerprint
        );
    } else {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
        let _ = writeln!(out, "source       {}", info.source);
        let _ = writeln!(out, "identity     {}", claims.identity_name().unwrap_or("-"));
        let _ = writeln!(out, "object id    {}", show(&claims.oid));
        let _ = writeln!(out, "client id    {}", claims.client_id().unwrap_or("-"));
        let _ = writeln!(out, "tenant       {}", show(&claims.tid));
        let _ = writeln!(out, "audience     {}", show(&claims.aud));
        let _ = writeln!(out, "resource id  {}", show(&claims.xms_mirid));
        let _ =
            writeln!(out, "expires      {} (in {} min)", unix_rfc1123(info.expires_on), (info.expires_on - now) / 60);
        let _ = writeln!(out, "fingerprint  {}", info.fingerprint);
    }
    Ok(())
}

fn print_step(out: &mut dyn std::io::Write, step: &azfx_core::diagnose::check::Step) {
    use azfx_core::diagnose::check::StepStatus;
    let mark = match step.status {
        StepStatus::Passed => "✓",
        StepStatus::Failed => "✗",
        StepStatus::Skipped => "–",
    };
    let _ = writeln!(out, "{mark} {:<40} {}", step.name, step.detail);
    if let Some(diagnosis) = &step.diagnosis {
        let _ = writeln!(out, "    {}", diagnosis.title);
        let _ = writeln!(out, "    Cause: {}", diagnosis.cause);
        for line in &diagnosis.evidence {
            let _ = writeln!(out, "    Evidence: {line}");
        }
        for (n, next) in diagnosis.next_steps.iter().enumerate() {
            let _ = writeln!(out, "    Next {}: {next}", n + 1);
        }
    }
}

/// `azfx doctor --smb`: the verdicts, then the mount command when nothing blocks.
fn smb(args: &DoctorArgs, out: &mut dyn std::io::Write) -> i32 {
    let run = || -> Result<azfx_core::worker::SmbReadiness, Failure> {
        let config = args.credential.config(&args.account)?;
        let worker = worker()?;
        let check = azfx_core::worker::SmbCheck { share: args.share.clone(), client: None, port: args.smb_port };
        wait(worker.smb_readiness(config, check))
    };
    match run() {
        Ok(readiness) => {
            if args.json {
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&readiness).unwrap_or_default());
            } else {
                // Every verdict is drawn from the same facts: shown once.
                for line in readiness.verdicts.first().map(|v| v.evidence.as_slice()).unwrap_or_default() {
                    let _ = writeln!(out, "  {line}");
                }
                for verdict in &readiness.verdicts {
                    use azfx_core::diagnose::Class;
                    let mark = match verdict.class {
                        Class::SmbReady => "✓",
                        Class::SmbBothIdentities | Class::KerberosRequirements | Class::KerberosClientSettingOff => "!",
                        _ => "✗",
                    };
                    let _ = writeln!(out, "{mark} {}", verdict.title);
                    let _ = writeln!(out, "    {}", verdict.cause);
                    for (n, next) in verdict.next_steps.iter().enumerate() {
                        let _ = writeln!(out, "    Next {}: {next}", n + 1);
                    }
                }
                let _ = writeln!(out, "{}", if readiness.ready { "SMB: ready to mount" } else { "SMB: not ready" });
            }
            let port_blocked = readiness.verdicts.iter().any(|v| v.class == azfx_core::diagnose::Class::SmbPortBlocked);
            match (readiness.ready, port_blocked) {
                (true, _) => exit_code::OK,
                (false, true) => exit_code::NETWORK,
                (false, false) => exit_code::FORBIDDEN,
            }
        }
        Err(failure) => {
            print_failure("azfx doctor --smb", &failure);
            failure.exit_code()
        }
    }
}

pub(super) fn doctor(args: &DoctorArgs, out: &mut dyn std::io::Write) -> i32 {
    if args.smb {
        return smb(args, out);
    }
    let mut run = || -> Result<azfx_core::diagnose::check::Report, Failure> {
        let config = args.credential.config(&args.account)?;
        let mut worker = worker()?;
        let (task, promise) = worker.access_check(config, &args.share, args.read_only);
        let mut promise = Some(promise);
        loop {
            for event in worker.poll_events() {
                if let (Event::CheckStep { task: t, step }, false) = (event, args.json)
                    && t == task
                {
                    print_step(out, &step);
                }
            }
            match promise.take().map(poll_promise::Promise::try_take) {
                Some(Ok(answer)) => {
                    // Steps sent before the answer may still be queued.
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    for event in worker.poll_events() {
                        if let (Event::CheckStep { task: t, step }, false) = (event, args.json)
                            && t == task
                        {
                            print_step(out, &step);
                        }
                    }
                    return answer;
                }
                Some(Err(pending)) => promise = Some(pending),
                None => return Err(EngineError::Unavailable.into()),
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    match run() {
        Ok(report) => {
            if args.json {
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            } else if report.exit_code == exit_code::OK {
                let _ = writeln!(out, "access check passed");
            } else {
                let _ = writeln!(out, "access check failed (exit code {})", report.exit_code);
            }
            report.exit_code
        }
        Err(failure) => {
            print_failure("azfx doctor", &failure);
            failure.exit_code()
        }
    }
}
