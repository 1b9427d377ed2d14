//! The browser's profile folder, and closing the browser as a desktop session does (for the audit).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::browser::{Browser, ExtensionBrowser};
use crate::{HarnessError, Result};

/// Where the browser keeps its profile: Chromium's user-data-dir, or the folder under which geckodriver creates
/// Firefox's profile.
pub fn profile_dir(instance: &ExtensionBrowser) -> PathBuf {
    match instance.browser {
        Browser::Chromium => instance.scratch_dir().join("profile"),
        Browser::Firefox => instance.scratch_dir().join("firefox-profiles"),
    }
}

/// The browser's own processes (not its driver, not gmux-host), found by the scratch folder on their command
/// line (Linux: reads /proc). Each is `(pid, is the main process)`.
fn browser_processes(instance: &ExtensionBrowser) -> Vec<(u32, bool)> {
    let scratch = instance.scratch_dir().to_string_lossy().into_owned();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            // Chromium rewrites its helpers' command lines into one space-separated string: read it as text.
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            let program = cmdline
                .split_whitespace()
                .next()?
                .rsplit('/')
                .next()?
                .to_string();
            let is_browser = (program.starts_with("chrom") && program != "chromedriver")
                || program.starts_with("firefox");
            if !is_browser || !cmdline.contains(&scratch) {
                return None;
            }
            let child = cmdline.contains("--type=") || cmdline.contains("-contentproc");
            Some((pid, !child))
        })
        .collect()
}

/// Closes the browser as a desktop session does at log-out (SIGTERM to its main process, which then writes
/// out its profile and ends its helpers), and waits until every browser process is gone. The profile stays on
/// disk to be searched; the WebDriver session is dead afterwards.
pub fn close_browser(instance: &ExtensionBrowser) -> Result<()> {
    let main: Vec<u32> = browser_processes(instance)
        .into_iter()
        .filter(|(_, main)| *main)
        .map(|(pid, _)| pid)
        .collect();
    if main.is_empty() {
        return Err(HarnessError::Unexpected(
            "no browser process to close".into(),
        ));
    }
    for pid in &main {
        Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .map_err(HarnessError::io(format!("stopping browser {pid}")))?;
    }
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let left = browser_processes(instance);
        if left.is_empty() {
            return Ok(());
        }
        if Instant::now() >= until {
            return Err(HarnessError::Timeout {
                what: "the browser to exit".into(),
                last: format!("{left:?}"),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
