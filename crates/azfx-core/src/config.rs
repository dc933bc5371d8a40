//! Where azfx keeps things on this machine, from the OS conventions (`directories`):
//! settings (never secrets), state (the transfer journal to come), logs, and the folder
//! downloads go to, the home folder, and whether a helper program is installed. Paths
//! only: nothing here creates or reads files (`program_on_path` looks at file metadata,
//! and is called off the UI thread).

use std::path::PathBuf;

/// azfx's own directories.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dirs {
    /// Settings and saved connections (`~/.config/azfx` on Linux, `%APPDATA%\azfx` on
    /// Windows).
    pub config: PathBuf,
    /// State that must survive restarts, such as the transfer journal (`~/.local/state/azfx`
    /// on Linux; the local data directory where the OS has no state directory).
    pub state: PathBuf,
    /// Log files (`state/logs`).
    pub logs: PathBuf,
}

impl Dirs {
    /// `AZFX_HOME/{config,state,logs}` when `AZFX_HOME` is set (a portable install, or
    /// tests), else the OS's directories.
    pub fn from_env() -> Option<Self> {
        match std::env::var_os("AZFX_HOME").filter(|v| !v.is_empty()) {
            Some(home) => {
                let home = PathBuf::from(home);
                Some(Self { config: home.join("config"), state: home.join("state"), logs: home.join("logs") })
            }
            None => Self::from_os(),
        }
    }

    /// The OS's directories for azfx; `None` when the OS names no home directory.
    pub fn from_os() -> Option<Self> {
        let project = directories::ProjectDirs::from("", "", "azfx")?;
        let state = project.state_dir().unwrap_or_else(|| project.data_local_dir()).to_path_buf();
        Some(Self { config: project.config_dir().to_path_buf(), logs: state.join("logs"), state })
    }
}

/// Where downloads go by default: the OS download folder, else `~/Downloads`; never the
/// working directory.
pub fn download_dir() -> Option<PathBuf> {
    directories::UserDirs::new()
        .map(|dirs| dirs.download_dir().map_or_else(|| dirs.home_dir().join("Downloads"), std::path::Path::to_path_buf))
}

/// The user's home folder, when the OS names one.
pub fn home_dir() -> Option<PathBuf> {
    directories::UserDirs::new().map(|dirs| dirs.home_dir().to_path_buf())
}

/// Whether `program` is a file in one of `PATH`'s directories (e.g. `zenity`, which the
/// file dialogs fall back to on Linux without xdg-desktop-portal).
pub fn program_on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_azfx_s_own() {
        if let Some(dirs) = Dirs::from_os() {
            // Linux: ~/.config/azfx; Windows: %APPDATA%\azfx\config.
            assert!(dirs.config.components().any(|c| c.as_os_str() == "azfx"), "{dirs:?}");
            assert!(dirs.logs.starts_with(&dirs.state));
        }
    }
}
