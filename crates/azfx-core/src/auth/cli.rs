//! Tokens from the Azure CLI: `az account get-access-token --resource … -o json`, run as a
//! child process on the worker (never the UI thread), killed after a timeout, with clear
//! errors when `az` is missing or not logged in.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::{AccessToken, AuthError, AuthErrorKind, CredentialSource, TokenFuture, TokenSource};
use crate::http::{ExchangeKind, LogEntry, RequestLog, elapsed_ms};

/// Tokens from `az`.
#[derive(Debug)]
pub struct AzureCliSource {
    program: String,
    timeout: Duration,
    log: Arc<RequestLog>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CliToken {
    access_token: String,
    #[serde(rename = "expires_on")]
    expires_on: Option<i64>,
}

impl AzureCliSource {
    /// Runs `program` (normally `az`) with a timeout.
    pub fn new(program: &str, timeout: Duration, log: Arc<RequestLog>) -> Self {
        Self { program: program.to_owned(), timeout, log }
    }

    /// The usual `az` (`az.cmd` on Windows), 30 s timeout.
    pub fn default_program(log: Arc<RequestLog>) -> Self {
        let program = if cfg!(windows) { "az.cmd" } else { "az" };
        Self::new(program, Duration::from_secs(30), log)
    }

    fn error(kind: AuthErrorKind) -> AuthError {
        AuthError { kind, credential: CredentialSource::AzureCli }
    }

    async fn run(&self, resource: &str) -> Result<AccessToken, AuthError> {
        let mut command = tokio::process::Command::new(&self.program);
        command.args(["account", "get-access-token", "--resource", resource, "-o", "json"]).kill_on_drop(true);
        let output = match tokio::time::timeout(self.timeout, command.output()).await {
            Err(_) => return Err(Self::error(AuthErrorKind::CliTimeout { seconds: self.timeout.as_secs() })),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Self::error(AuthErrorKind::CliMissing));
            }
            Ok(Err(e)) => return Err(Self::error(AuthErrorKind::CliFailed { detail: e.to_string() })),
            Ok(Ok(output)) => output,
        };
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
            let not_logged_in = stderr.contains("az login") || stderr.contains("not logged in");
            return Err(Self::error(if not_logged_in {
                AuthErrorKind::CliNotLoggedIn { detail: stderr }
            } else {
                AuthErrorKind::CliFailed { detail: stderr }
            }));
        }
        let token: CliToken = serde_json::from_slice(&output.stdout).map_err(|e| {
            Self::error(AuthErrorKind::InvalidResponse { detail: format!("az printed no token JSON ({e})") })
        })?;
        let expires_on = token
            .expires_on
            .or_else(|| super::Claims::decode(&token.access_token).and_then(|c| c.exp))
            .ok_or_else(|| {
                Self::error(AuthErrorKind::InvalidResponse {
                    detail: "no expires_on (Azure CLI 2.54.0 or newer needed)".to_owned(),
                })
            })?;
        Ok(AccessToken::new(token.access_token, expires_on, CredentialSource::AzureCli))
    }
}

impl TokenSource for AzureCliSource {
    fn fetch<'a>(&'a self, resource: &'a str) -> TokenFuture<'a> {
        Box::pin(async move {
            let mut entry = LogEntry::begin(
                ExchangeKind::Token,
                "Azure CLI token",
                "EXEC",
                format!("{} account get-access-token --resource {resource}", self.program),
                1,
                Vec::new(),
            );
            let started = Instant::now();
            let result = self.run(resource).await;
            entry.duration_ms = elapsed_ms(started);
            entry.token_fingerprint = result.as_ref().ok().map(AccessToken::fingerprint);
            entry.transport_error = result.as_ref().err().map(ToString::to_string);
            self.log.record(entry);
            result
        })
    }

    fn source(&self) -> CredentialSource {
        CredentialSource::AzureCli
    }
}
