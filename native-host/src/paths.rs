//! Where the host keeps its files. Tests and the browser-launch wrapper move them with environment variables.

use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Paths {
    /// Configuration and the account index: nothing secret.
    pub config_dir: PathBuf,
    /// Logs.
    pub state_dir: PathBuf,
}

impl Paths {
    /// `$GMUX_CONFIG_DIR` / `$GMUX_STATE_DIR` when set, otherwise the OS conventions plus `gmux`.
    pub fn from_env() -> Self {
        let config_dir = std::env::var_os("GMUX_CONFIG_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs::config_dir().map(|d| d.join("gmux")))
            .unwrap_or_else(|| PathBuf::from(".gmux"));
        let state_dir = std::env::var_os("GMUX_STATE_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                dirs::state_dir()
                    .or_else(dirs::data_local_dir)
                    .map(|d| d.join("gmux"))
            })
            .unwrap_or_else(|| config_dir.join("state"));
        Paths {
            config_dir,
            state_dir,
        }
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.json")
    }

    pub fn accounts_file(&self) -> PathBuf {
        self.config_dir.join("accounts.json")
    }

    /// Advisory lock files live here; they hold no data.
    pub fn locks_dir(&self) -> PathBuf {
        self.config_dir.join("locks")
    }

    pub fn log_file(&self) -> PathBuf {
        self.state_dir.join("gmux-host.log")
    }
}
