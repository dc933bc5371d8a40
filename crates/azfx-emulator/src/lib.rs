//! An Azure Files emulator: the IMDS and App Service managed-identity token endpoints,
//! the Azure Files REST API (OAuth with `x-ms-file-request-intent`, SAS, Shared Key) and
//! the read side of Azure Resource Manager, over HTTP and HTTPS on loopback. Made for
//! azfx's tests, benchmarks and `--demo`, and usable by any project's CI (see its
//! README). It runs on its own named thread with its own tokio runtime, so sync tests,
//! async tests, benchmarks and `azfx --demo` all use it the same way. `Control` changes
//! it while it runs.
//!
//! Faithfulness is the point: URLs, headers, XML bodies, error codes and the order of the
//! auth checks follow the real service (see `shared/research-azure-files-rest.md`), and
//! Microsoft's Python SDK runs against it unchanged (`tests/sdk/conformance.py`).
//!
//! ```
//! use azfx_emulator::{Emulator, EmulatorConfig, Identity, Role, Scope};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = Emulator::start(&EmulatorConfig { https: true, ..EmulatorConfig::default() })?;
//! let control = emulator.control();
//! control.add_account("ciacct");
//! control.create_share("ciacct", "data", 5)?; // quota in GiB
//! let vm = Identity::system_assigned("ci-runner");
//! control.add_identity(vm.clone());
//! let scope = Scope::Share("ciacct".into(), "data".into());
//! control.assign_role(&vm.object_id, Role::StorageFileDataPrivilegedContributor, scope);
//! let files = emulator.file_endpoint("ciacct"); // http://127.0.0.1:<port>/ciacct
//! let imds = emulator.identity_endpoint(); // http://127.0.0.1:<port>
//! assert!(files.ends_with("/ciacct") && imds.starts_with("http://127.0.0.1:"));
//! emulator.stop();
//! # Ok(())
//! # }
//! ```

mod acl;
mod answer;
mod arm;
mod arm_access;
mod arm_actions;
mod arm_rbac;
mod auth;
mod blob;
mod body;
mod copy_ops;
mod counters;
pub mod demo;
mod dir_ops;
mod error;
mod file_ops;
mod files;
mod http;
mod identity;
mod load;
pub mod model;
pub mod rehearse;
mod request;
mod sas;
pub mod serve;
mod share_ops;
mod state;
mod store;
mod tls;
mod token;
mod wire;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use model::{Access, Fault, FaultTarget, Identity, IdentityKind, Placement, Role, Scope};
pub use state::{Control, ControlError};

/// How to start an emulator.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// Address to listen on (loopback by default).
    pub bind: IpAddr,
    /// HTTP port (0 picks a free one).
    pub http_port: u16,
    /// Whether to serve HTTPS as well.
    pub https: bool,
    /// HTTPS port (0 picks a free one).
    pub https_port: u16,
    /// Where file bytes and the CA certificate go; a temporary directory when `None`.
    pub data_dir: Option<PathBuf>,
    /// Lifetime of issued tokens.
    pub token_lifetime: Duration,
    /// Seed the demo account, identities and content.
    pub demo: bool,
    /// Runtime worker threads.
    pub worker_threads: usize,
    /// The secret the App Service identity endpoint expects in `X-IDENTITY-HEADER`
    /// (random when `None`).
    pub identity_header: Option<String>,
    /// Answer each Put Range with the `Content-MD5` of its bytes, as Azure does (the
    /// recorded `put-range-201`). Off only for benchmarks on small machines, where the
    /// emulator's hashing (about 1.6 CPU-seconds per GiB) would cap the clients being
    /// measured; an MD5 a client sends is checked either way.
    pub range_md5: bool,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            http_port: 0,
            https: false,
            https_port: 0,
            data_dir: None,
            token_lifetime: Duration::from_secs(3600),
            demo: false,
            worker_threads: 2,
            identity_header: None,
            range_md5: true,
        }
    }
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// A port could not be bound.
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// Address tried.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The data directory or runtime could not be set up.
    #[error("could not set up the emulator: {0}")]
    Io(#[from] std::io::Error),
    /// HTTPS material could not be generated.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    /// Seeding demo content failed.
    #[error("could not seed demo content: {0}")]
    Seed(#[from] ControlError),
}

/// A running emulator. Dropping it stops the servers and removes a temporary data dir.
#[derive(Debug)]
pub struct Emulator {
    control: Control,
    http_addr: SocketAddr,
    https_addr: Option<SocketAddr>,
    ca_path: Option<PathBuf>,
    ca_pem: Option<String>,
    shutdown: tokio::sync::watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
    _temp_dir: Option<tempfile::TempDir>,
}

fn bind(addr: SocketAddr) -> Result<std::net::TcpListener, EmulatorError> {
    let listener = std::net::TcpListener::bind(addr).map_err(|source| EmulatorError::Bind { addr, source })?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

impl Emulator {
    /// Binds the ports, generates HTTPS material if asked, seeds demo content if asked,
    /// and starts serving on a background thread.
    pub fn start(config: &EmulatorConfig) -> Result<Self, EmulatorError> {
        let (temp_dir, data_dir) = if let Some(dir) = &config.data_dir {
            std::fs::create_dir_all(dir)?;
            (None, dir.clone())
        } else {
            let temp = tempfile::Builder::new().prefix("azfx-emulator-").tempdir()?;
            let path = temp.path().to_owned();
            (Some(temp), path)
        };
        let mut state = state::State::new(&data_dir.join("files"), config.token_lifetime)?;
        state.range_md5 = config.range_md5;
        if let Some(secret) = &config.identity_header {
            state.app_service_secret.clone_from(secret);
        }
        let state = Arc::new(state);
        let control = Control { state: Arc::clone(&state) };
        if config.demo {
            demo::seed(&control)?;
        }
        let plain_listener = bind(SocketAddr::new(config.bind, config.http_port))?;
        let http_addr = plain_listener.local_addr()?;
        let (tls_listener, ca_path, ca_pem, acceptor) = if config.https {
            let material = tls::generate()?;
            let ca_path = data_dir.join("azfx-emulator-ca.pem");
            std::fs::write(&ca_path, &material.ca_pem)?;
            let listener = bind(SocketAddr::new(config.bind, config.https_port))?;
            let acceptor = tokio_rustls::TlsAcceptor::from(material.server_config);
            (Some(listener), Some(ca_path), Some(material.ca_pem), Some(acceptor))
        } else {
            (None, None, None, None)
        };
        let tls_addr = tls_listener.as_ref().map(std::net::TcpListener::local_addr).transpose()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.worker_threads.max(1))
            .thread_name("azfx-emulator-io")
            .enable_all()
            .build()?;
        let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
        let thread = std::thread::Builder::new().name("azfx-emulator".to_owned()).spawn(move || {
            runtime.block_on(async move {
                let mut tasks = Vec::new();
                match tokio::net::TcpListener::from_std(plain_listener) {
                    Ok(listener) => {
                        tasks.push(tokio::spawn(http::serve(listener, None, Arc::clone(&state), shutdown_rx.clone())));
                    }
                    Err(e) => tracing::error!("emulator HTTP listener failed: {e}"),
                }
                if let (Some(listener), Some(acceptor)) = (tls_listener, acceptor) {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => tasks.push(tokio::spawn(http::serve(
                            listener,
                            Some(acceptor),
                            Arc::clone(&state),
                            shutdown_rx.clone(),
                        ))),
                        Err(e) => tracing::error!("emulator HTTPS listener failed: {e}"),
                    }
                }
                for task in tasks {
                    let _ = task.await;
                }
            });
            runtime.shutdown_timeout(Duration::from_secs(1));
        })?;
        Ok(Self {
            control,
            http_addr,
            https_addr: tls_addr,
            ca_path,
            ca_pem,
            shutdown,
            thread: Some(thread),
            _temp_dir: temp_dir,
        })
    }

    /// Changes the emulator while it runs.
    pub fn control(&self) -> &Control {
        &self.control
    }

    /// `http://127.0.0.1:PORT`.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.http_addr)
    }

    /// `https://127.0.0.1:PORT`, when HTTPS is on.
    pub fn https_url(&self) -> Option<String> {
        self.https_addr.map(|addr| format!("https://{addr}"))
    }

    /// The HTTP address.
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// The HTTPS address, when HTTPS is on.
    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.https_addr
    }

    /// The CA certificate (PEM file) clients must trust for HTTPS.
    pub fn ca_path(&self) -> Option<&Path> {
        self.ca_path.as_deref()
    }

    /// The CA certificate as PEM text, when HTTPS is on.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The account's file endpoint, path-style: HTTPS when on, else HTTP.
    pub fn file_endpoint(&self, account: &str) -> String {
        format!("{}/{account}", self.https_url().unwrap_or_else(|| self.http_url()))
    }

    /// The App Service / Container Apps identity endpoint (`IDENTITY_ENDPOINT`), for
    /// tools that read managed identity only from `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`.
    pub fn app_service_endpoint(&self) -> String {
        format!("{}/msi/token", self.http_url())
    }

    /// Base URL for IMDS (`AZURE_POD_IDENTITY_AUTHORITY_HOST`, `--imds-endpoint`): plain
    /// HTTP, as on a VM.
    pub fn identity_endpoint(&self) -> String {
        self.http_url()
    }

    /// Stops serving and waits for the server thread.
    pub fn stop(mut self) {
        self.stop_inner();
    }

    fn stop_inner(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop_inner();
    }
}
