//! `cargo xtask demo`: gmux on its built-in demo.

use std::fs;
use std::process::Command;

use anyhow::{Context, Result};

use crate::dist::{self, DistOptions};
use crate::{cargo, run, workspace_root};

const CHROME_ID: &str = "obfbmoncncibmhjgfmnifnffmljlbjmg";

pub fn demo(_args: &[String]) -> Result<()> {
    let root = workspace_root();
    dist::dist(&DistOptions { release: false })?;
    run(cargo().args(["build", "-p", "gmux-host"]))?;
    let demo = root.join("target/demo");
    let profile = demo.join("chromium-profile");
    let _ = fs::remove_dir_all(&profile);
    fs::create_dir_all(profile.join("NativeMessagingHosts"))?;
    let config = demo.join("host-config");
    fs::create_dir_all(&config)?;
    // The browser starts the host; a wrapper gives it the demo's own config and log directories.
    let wrapper = demo.join("gmux-host-demo.sh");
    fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nGMUX_CONFIG_DIR='{}' GMUX_STATE_DIR='{}' exec '{}' \"$@\"\n",
            config.display(),
            demo.join("host-state").display(),
            root.join("target/debug/gmux-host").display()
        ),
    )?;
    make_executable(&wrapper)?;
    run(Command::new(root.join("target/debug/gmux-host"))
        .args(["install", "--browser", "chromium", "--manifest-dir"])
        .arg(profile.join("NativeMessagingHosts"))
        .arg("--path")
        .arg(&wrapper))?;
    let ext = dist::dist_dir().join("chrome");
    let mut chromium = Command::new("/usr/lib/chromium/chromium");
    chromium
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--load-extension={}", ext.display()))
        .arg(format!("--disable-extensions-except={}", ext.display()))
        .args([
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("chrome-extension://{CHROME_ID}/newtab.html"));
    if std::env::var_os("DISPLAY").is_none() {
        let shot = demo.join("newtab.png");
        chromium.args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1280,800",
        ]);
        chromium
            .arg(format!("--screenshot={}", shot.display()))
            .arg("--virtual-time-budget=4000");
        run(&mut chromium)?;
        eprintln!("xtask: no display: wrote {}", shot.display());
        return Ok(());
    }
    eprintln!("xtask: opening Chromium with gmux loaded; close the window to stop");
    run(&mut chromium).context("running chromium")
}

#[cfg(unix)]
fn make_executable(path: &std::path::Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))?;
    Ok(())
}

#[cfg(not(unix))]
fn make_executable(_path: &std::path::Path) -> Result<()> {
    Ok(())
}
