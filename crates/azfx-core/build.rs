//! Records the commit azfx is built from, for `azfx --version` and crash reports:
//! `AZFX_COMMIT` from the environment when set (packaging), else `git rev-parse`, else
//! "unknown" (a source archive without history).

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=AZFX_COMMIT");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    let commit = std::env::var("AZFX_COMMIT").ok().filter(|c| !c.trim().is_empty()).or_else(|| {
        let output = Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).output().ok()?;
        output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    });
    println!("cargo:rustc-env=AZFX_COMMIT={}", commit.unwrap_or_else(|| "unknown".to_owned()));
}
