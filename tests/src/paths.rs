//! Where the harness finds what it drives. xtask sets the environment variables; the fallbacks are where a plain
//! `cargo build` and `cargo xtask dist` put things.

use std::path::{Path, PathBuf};

use crate::{HarnessError, Result};

pub fn workspace_root() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir.parent().unwrap_or(crate_dir).to_path_buf()
}

fn from_env_or(variable: &str, fallback: PathBuf) -> PathBuf {
    std::env::var_os(variable)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or(fallback)
}

/// The real gmux-host binary (`GMUX_HOST_BIN`, else `target/debug/gmux-host`).
pub fn host_binary() -> Result<PathBuf> {
    let path = from_env_or(
        "GMUX_HOST_BIN",
        workspace_root().join("target/debug/gmux-host"),
    );
    if path.is_file() {
        Ok(path)
    } else {
        Err(HarnessError::Missing {
            what: "the gmux-host binary",
            path,
        })
    }
}

/// One browser's built extension (`GMUX_DIST_DIR/<chrome|firefox>`, else `dist/<chrome|firefox>`).
pub fn extension_dir(browser_folder: &str) -> Result<PathBuf> {
    let dir = from_env_or("GMUX_DIST_DIR", workspace_root().join("dist")).join(browser_folder);
    for required in [
        "manifest.json",
        "pkg/pages_bg.wasm",
        "pkg/background_bg.wasm",
        "popup.html",
    ] {
        if !dir.join(required).is_file() {
            return Err(HarnessError::Missing {
                what: "the built extension",
                path: dir.join(required),
            });
        }
    }
    // Firefox installs a temporary add-on only from an absolute path.
    dir.canonicalize()
        .map_err(HarnessError::io(format!("resolving {}", dir.display())))
}

/// Where tests write screenshots: `target/screenshots/`.
pub fn screenshot_dir() -> Result<PathBuf> {
    let dir = workspace_root().join("target/screenshots");
    std::fs::create_dir_all(&dir)
        .map_err(HarnessError::io(format!("creating {}", dir.display())))?;
    Ok(dir)
}

/// The first existing path among `candidates`, then `name` on PATH.
pub fn find_program(name: &str, candidates: &[PathBuf]) -> Option<PathBuf> {
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .or_else(|| {
            std::env::var_os("PATH")
                .map(|paths| {
                    std::env::split_paths(&paths)
                        .map(|dir| dir.join(name))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
                .into_iter()
                .find(|p| p.is_file())
        })
}

pub fn cargo_bin_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return PathBuf::from(home).join("bin");
    }
    PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo/bin")
}
