//! The `azfx` binary under test, pointed at an emulator, with its own state folder.

use std::process::Command;

/// The `azfx` binary with `args`, pointed at the emulator's IMDS, its state (the
/// transfer journal) in `home`.
pub(crate) fn azfx_command(emulator: &azfx_emulator::Emulator, home: &std::path::Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_azfx"));
    command.args(args).args(["--imds-endpoint", &emulator.identity_endpoint()]).env("AZFX_HOME", home);
    command
}

/// Where this test run's `azfx` processes keep their state (never the user's).
pub(crate) fn test_home() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("azfx-home-{}", std::process::id()))
}

/// Runs the `azfx` binary with `args`, pointed at the emulator's IMDS; returns the exit
/// code, stdout and stderr.
pub(crate) fn azfx(emulator: &azfx_emulator::Emulator, args: &[&str]) -> (i32, String, String) {
    let output = azfx_command(emulator, &test_home(), args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
