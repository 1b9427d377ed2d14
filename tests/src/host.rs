//! Installs the real gmux-host into a test profile, through its own `install` command.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{paths, HarnessError, Result};

/// A wrapper in `scratch` that gives gmux-host private config and state folders, then the host manifest in
/// `manifest_dir` pointing at it. Returns the manifest's path.
pub fn install(browser_arg: &str, manifest_dir: &Path, scratch: &Path) -> Result<PathBuf> {
    install_with_env(browser_arg, manifest_dir, scratch, &[])
}

/// [`install`], with more variables exported by the wrapper (like a private `GMUX_KEYRING_SERVICE`, so tests
/// that add accounts never share keyring entries).
pub fn install_with_env(
    browser_arg: &str,
    manifest_dir: &Path,
    scratch: &Path,
    extra_env: &[(String, String)],
) -> Result<PathBuf> {
    let host = paths::host_binary()?;
    let config_dir = scratch.join("host-config");
    let state_dir = scratch.join("host-state");
    for dir in [&config_dir, &state_dir, &manifest_dir.to_path_buf()] {
        std::fs::create_dir_all(dir)
            .map_err(HarnessError::io(format!("creating {}", dir.display())))?;
    }
    let wrapper = wrapper_path(scratch);
    let mut script = wrapper_script(&host, &config_dir, &state_dir);
    if !extra_env.is_empty() {
        let exports: String = extra_env
            .iter()
            .map(|(name, value)| format!("export {name}={}\n", shell_quote(value)))
            .collect();
        // Before the final `exec` line.
        let at = script.rfind("exec ").unwrap_or(script.len());
        script.insert_str(at, &exports);
    }
    std::fs::write(&wrapper, script)
        .map_err(HarnessError::io(format!("writing {}", wrapper.display())))?;
    make_executable(&wrapper)?;

    let output = Command::new(&host)
        .args(["install", "--browser", browser_arg, "--manifest-dir"])
        .arg(manifest_dir)
        .arg("--path")
        .arg(&wrapper)
        // The install command itself logs; keep that out of the user's own state folder too.
        .env("GMUX_CONFIG_DIR", &config_dir)
        .env("GMUX_STATE_DIR", &state_dir)
        .output()
        .map_err(HarnessError::io(format!(
            "running {} install",
            host.display()
        )))?;
    if !output.status.success() {
        return Err(HarnessError::HostInstall(format!(
            "{}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let manifest = manifest_dir.join(format!("{}.json", gmux_core::ids::HOST_NAME));
    if !manifest.is_file() {
        return Err(HarnessError::HostInstall(format!(
            "no manifest at {} after install",
            manifest.display()
        )));
    }
    Ok(manifest)
}

/// The wrapper [`install`] writes into `scratch`: running it is running this test's gmux-host by hand.
pub fn wrapper_path(scratch: &Path) -> PathBuf {
    scratch.join("gmux-host-wrapper.sh")
}

fn wrapper_script(host: &Path, config_dir: &Path, state_dir: &Path) -> String {
    format!(
        "#!/bin/sh\n# Written by the gmux browser tests: a private gmux-host for one test profile.\n\
         export GMUX_CONFIG_DIR={}\nexport GMUX_STATE_DIR={}\nexec {} \"$@\"\n",
        shell_quote(&config_dir.to_string_lossy()),
        shell_quote(&state_dir.to_string_lossy()),
        shell_quote(&host.to_string_lossy()),
    )
}

/// Single-quotes a word for sh: temp paths are ours, but a checkout may live anywhere.
fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(
        HarnessError::io(format!("making {} executable", path.display())),
    )
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting_survives_quotes_and_spaces() {
        for (word, expected) in [
            ("/tmp/a b", "'/tmp/a b'"),
            ("it's", r"'it'\''s'"),
            ("", "''"),
        ] {
            assert_eq!(shell_quote(word), expected);
        }
    }

    #[test]
    fn the_wrapper_runs_the_host_with_private_folders() {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(wrapper_script(
                Path::new("/usr/bin/env"),
                Path::new("/tmp/c d"),
                Path::new("/tmp/it's"),
            ))
            .output()
            .unwrap();
        let env = String::from_utf8(out.stdout).unwrap();
        assert!(
            env.lines().any(|l| l == "GMUX_CONFIG_DIR=/tmp/c d"),
            "{env}"
        );
        assert!(
            env.lines().any(|l| l == "GMUX_STATE_DIR=/tmp/it's"),
            "{env}"
        );
    }
}
