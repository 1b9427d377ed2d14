//! gmux on its built-in demo: gmux-emulator with the demo accounts, a gmux-host of its own configured for it,
//! every demo account added through the real OAuth flow, and a browser with the extension showing the combined
//! inbox. Run it through `cargo xtask demo [--browser chromium|firefox] [--headless]`, which builds everything
//! first and gives it a private Secret Service.
//!
//! With a display (and Chromium) it opens a normal window to use; Ctrl-C or closing the window stops everything.
//! Without one, it writes screenshots of the popup and the new-tab page under `target/demo/`, prints their paths
//! and exits.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use gmux_e2e::{
    add_account_through_consent, configure_host_for_emulator, host, paths, Browser,
    EmulatorProcess, ExtensionBrowser, HarnessError, HostSetup, Result,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let firefox = args
        .windows(2)
        .any(|w| w[0] == "--browser" && w[1] == "firefox");
    let headless = args.iter().any(|a| a == "--headless") || std::env::var_os("DISPLAY").is_none();
    let browser = if firefox {
        Browser::Firefox
    } else {
        Browser::Chromium
    };
    let outcome = if headless || firefox {
        if !headless {
            println!("gmux demo: a Firefox window needs the add-on loaded by hand; showing headless screenshots instead");
        }
        screenshots(browser)
    } else {
        window()
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gmux demo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn demo_dir() -> Result<PathBuf> {
    let dir = paths::workspace_root().join("target/demo");
    std::fs::create_dir_all(&dir)
        .map_err(HarnessError::io(format!("creating {}", dir.display())))?;
    Ok(dir)
}

/// Configures the demo's gmux-host for the emulator and adds every demo account, as a person would from a
/// terminal, clicking Allow on each consent page (the emulator runs with auto-consent).
fn prepare_host(wrapper: &Path, emulator: &EmulatorProcess, emails: &[String]) -> Result<()> {
    configure_host_for_emulator(wrapper, emulator.base_url())?;
    for email in emails {
        println!("gmux demo: adding {email} through Google's (emulated) consent");
        add_account_through_consent(wrapper, email)?;
    }
    Ok(())
}

fn screenshots(browser: Browser) -> Result<()> {
    let emulator = EmulatorProcess::start_demo()?;
    let emails = emulator.account_emails()?;
    println!(
        "gmux demo: emulator at {} with {} accounts",
        emulator.base_url(),
        emails.len()
    );
    let mut instance =
        ExtensionBrowser::launch_prepared(browser, HostSetup::Installed, &[], |wrapper| {
            prepare_host(wrapper, &emulator, &emails)
        })?;
    let out = demo_dir()?;
    for page in ["popup.html", "newtab.html"] {
        // Each account's first sync lands whole, so once every account has rows, the inbox is complete.
        let view = instance.open_inbox_page(page, |v| {
            v.badges.len() == emails.len()
                && v.badges
                    .iter()
                    .all(|b| v.rows.iter().any(|r| r.account == b.account))
        })?;
        let name = format!("demo-{}-{}", browser.name(), page.trim_end_matches(".html"));
        let shot = instance.screenshot(&name)?;
        let target = out.join(format!(
            "{}-{}.png",
            browser.name(),
            page.trim_end_matches(".html")
        ));
        std::fs::copy(&shot, &target)
            .map_err(HarnessError::io(format!("copying to {}", target.display())))?;
        println!(
            "gmux demo: {page}: {} threads from {} accounts -> {}",
            view.rows.len(),
            view.badges.len(),
            target.display()
        );
    }
    Ok(())
}

/// A normal Chromium window with its own profile in target/demo/, until the window is closed or Ctrl-C (the
/// terminal sends it to every process of the demo, the emulator and the host included).
fn window() -> Result<()> {
    let emulator = EmulatorProcess::start_demo()?;
    let emails = emulator.account_emails()?;
    let demo = demo_dir()?;
    let scratch = demo.join("chromium");
    let _ = std::fs::remove_dir_all(&scratch);
    let profile = scratch.join("profile");
    let manifest_dir = profile.join("NativeMessagingHosts");
    host::install_with_env("chromium", &manifest_dir, &scratch, &[])?;
    prepare_host(&host::wrapper_path(&scratch), &emulator, &emails)?;
    let extension = paths::extension_dir("chrome")?;
    println!("gmux demo: opening Chromium with gmux and {} demo accounts; close the window or press Ctrl-C to stop", emails.len());
    let status = Command::new("/usr/lib/chromium/chromium")
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--load-extension={}", extension.display()))
        .arg(format!(
            "--disable-extensions-except={}",
            extension.display()
        ))
        .args([
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(Browser::Chromium.extension_url("newtab.html"))
        .status()
        .map_err(HarnessError::io("starting chromium"))?;
    println!("gmux demo: Chromium exited ({status}); stopping the emulator");
    Ok(())
}
