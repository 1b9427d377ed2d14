//! `cargo xtask install` / `uninstall`: gmux-host for real use, in the user's binary directory, with a host
//! manifest for every browser found, and the store builds of the extension to load.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::dist::{self, DistOptions};
use crate::{cargo, run, workspace_root};

/// Where a per-user binary goes: `$XDG_BIN_HOME`, else `~/.local/bin` (on PATH in most Linux desktops and macOS
/// shells that follow the XDG layout).
pub fn user_bin_dir(home: &Path) -> PathBuf {
    match std::env::var_os("XDG_BIN_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => home.join(".local/bin"),
    }
}

fn home() -> Result<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .context("HOME is not set")
}

pub fn install() -> Result<()> {
    dist::dist(&DistOptions { release: true })?;
    run(cargo().args(["build", "--release", "-p", "gmux-host"]))?;
    let built = workspace_root()
        .join("target/release")
        .join(host_file_name());
    let home = home()?;
    let installed = install_host(&built, &home)?;
    let root = workspace_root();
    eprintln!(
        "\ngmux-host is installed at {}.\n\nNext steps:\n\
         1. Load the extension.\n   Chrome, Chromium, Edge, Brave, Vivaldi: open chrome://extensions, turn on Developer mode, \
         click \"Load unpacked\" and pick\n     {}\n   Firefox: open about:debugging#/runtime/this-firefox, click \"Load Temporary Add-on\" \
         and pick\n     {}\n\
         2. Give gmux-host your Google OAuth client (README.md, \"Your own Google OAuth client\"):\n     \
         gmux-host configure --client-secrets ~/Downloads/client_secret_XXXX.json\n\
         3. Check everything:\n     gmux-host doctor\n\
         4. Open gmux's options page and click \"Add account\".",
        installed.display(),
        root.join("dist/chrome").display(),
        root.join("dist/firefox/manifest.json").display(),
    );
    if !on_path(installed.parent().unwrap_or(Path::new("/"))) {
        eprintln!(
            "\nNote: {} is not on your PATH; add it to run gmux-host from a terminal (browsers find it anyway).",
            installed.parent().map(Path::display).map(|d| d.to_string()).unwrap_or_default()
        );
    }
    Ok(())
}

pub fn uninstall() -> Result<()> {
    let home = home()?;
    let installed = user_bin_dir(&home).join(host_file_name());
    if !installed.is_file() {
        bail!("gmux-host is not installed at {}", installed.display());
    }
    run(Command::new(&installed).args(["uninstall", "--browser", "all"]))?;
    fs::remove_file(&installed).with_context(|| format!("removing {}", installed.display()))?;
    eprintln!(
        "removed {} and its host manifests; your accounts' refresh tokens are still in the OS keyring: remove \
         accounts first (gmux-host accounts remove EMAIL) to revoke them",
        installed.display()
    );
    Ok(())
}

fn host_file_name() -> &'static str {
    if cfg!(windows) {
        "gmux-host.exe"
    } else {
        "gmux-host"
    }
}

/// Copies `built` into the user's binary directory under `home` and has it write its host manifests for every
/// browser present there. Returns the installed path.
pub fn install_host(built: &Path, home: &Path) -> Result<PathBuf> {
    let dir = user_bin_dir(home);
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let installed = dir.join(host_file_name());
    // Copy beside, then rename: a browser may be running the old binary right now.
    let partial = dir.join(format!(".{}.new", host_file_name()));
    fs::copy(built, &partial)
        .with_context(|| format!("copying {} to {}", built.display(), partial.display()))?;
    fs::rename(&partial, &installed)?;
    run(Command::new(&installed)
        .args(["install", "--browser", "all"])
        .env("HOME", home))?;
    Ok(installed)
}

fn on_path(dir: &Path) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d == dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host_binary() -> PathBuf {
        let path = std::env::var_os("GMUX_HOST_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join("target/debug/gmux-host"));
        assert!(
            path.is_file(),
            "no gmux-host at {}: run `cargo xtask test`",
            path.display()
        );
        path
    }

    #[test]
    fn install_into_a_fresh_home_writes_manifests_and_doctor_says_what_is_missing() {
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        // Chromium and Firefox have been run in this home; Chrome and the others have not.
        fs::create_dir_all(home.join(".config/chromium")).unwrap();
        fs::create_dir_all(home.join(".mozilla")).unwrap();
        std::env::remove_var("XDG_BIN_HOME");
        let installed = install_host(&host_binary(), home).unwrap();
        assert_eq!(installed, home.join(".local/bin/gmux-host"));

        let chromium: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(
                home.join(".config/chromium/NativeMessagingHosts/dev.gmux.host.json"),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(chromium["path"], installed.to_string_lossy().as_ref());
        let origins: Vec<String> = gmux_core::ids::trusted_chrome_ids()
            .into_iter()
            .map(gmux_core::ids::chrome_origin_of)
            .collect();
        assert_eq!(chromium["allowed_origins"], serde_json::json!(origins));
        assert_eq!(
            origins[0],
            "chrome-extension://obfbmoncncibmhjgfmnifnffmljlbjmg/"
        );
        let firefox: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(home.join(".mozilla/native-messaging-hosts/dev.gmux.host.json"))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            firefox["allowed_extensions"],
            serde_json::json!(["gmux@gmux.dev"])
        );
        assert!(firefox.get("allowed_origins").is_none());
        assert!(
            !home
                .join(".config/google-chrome/NativeMessagingHosts")
                .exists(),
            "no manifest for a browser not there"
        );

        let doctor = Command::new(&installed)
            .arg("doctor")
            .env("HOME", home)
            .env_remove("GMUX_CONFIG_DIR")
            .env_remove("GMUX_STATE_DIR")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_STATE_HOME")
            .env_remove("XDG_DATA_HOME")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&doctor.stdout);
        assert!(
            !doctor.status.success(),
            "doctor must fail while something is missing:\n{text}"
        );
        assert!(
            text.contains(
                "FIX OAuth client: not configured; run gmux-host configure --client-secrets FILE"
            ),
            "{text}"
        );
        assert!(text.contains("ok  chromium host manifest"), "{text}");
        assert!(text.contains("ok  firefox host manifest"), "{text}");
    }
}
