//! gmux on its built-in demo: gmux-emulator with the demo accounts, a gmux-host of its own configured for it,
//! every demo account added through the real OAuth flow, and a browser with the extension showing the combined
//! inbox. Run it through `cargo xtask demo [--browser chromium|firefox] [--headless]`, which builds everything
//! first and gives it a private Secret Service.
//!
//! With a display it opens a normal window to use; Ctrl-C or closing the window stops everything.
//! Without one, it writes screenshots of the popup, the new-tab page, a conversation open beside the list, a reply
//! being written and a search across the accounts under `target/demo/`, prints their paths and exits.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gmux_e2e::{
    add_account_through_consent, configure_host_for_emulator, paths, Browser, EmulatorProcess,
    ExtensionBrowser, HarnessError, HostSetup, Result,
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
    let outcome = if headless {
        screenshots(browser)
    } else {
        window(browser)
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
        if page == "newtab.html" {
            // A new tab is as wide as the browser: show it at a common laptop size.
            instance.session.set_window_size(1280, 800)?;
        }
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
    // A conversation open beside the list: the demo's newsletter, its images shown.
    let view = instance.inbox_view()?;
    let subject = "The Monthly Digest: November picks";
    let Some(row) = view.rows.iter().find(|r| r.subject == subject) else {
        return Err(HarnessError::Unexpected(format!(
            "no {subject:?} in the demo inbox"
        )));
    };
    instance.click_css(&format!(
        "#inbox .row[data-account=\"{}\"][data-thread=\"{}\"] .subject",
        row.account, row.thread
    ))?;
    instance.wait_for_reader("the conversation", |v| {
        v.open && v.thread == row.thread && v.cards.first().is_some_and(|c| c.frames == 1)
    })?;
    instance.click_css("#reader-messages button[data-reader-action=\"show-images\"]")?;
    instance.wait_in_frame(
        0,
        "the newsletter's images",
        "return [...document.images].some(i => i.complete && i.naturalWidth > 1);",
    )?;
    let shot = instance.screenshot(&format!("demo-{}-reading", browser.name()))?;
    let target = out.join(format!("{}-newtab-reading.png", browser.name()));
    std::fs::copy(&shot, &target)
        .map_err(HarnessError::io(format!("copying to {}", target.display())))?;
    println!("gmux demo: reading {subject:?} -> {}", target.display());
    // Answering it: the composer at the side of the new tab, the quote folded below.
    instance.session.press_keys(&["r"], false)?;
    let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while instance
        .session
        .execute("return !!document.getElementById('compose-body');", &[])?
        != serde_json::json!(true)
    {
        if std::time::Instant::now() > until {
            return Err(HarnessError::Unexpected("the composer did not open".into()));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    instance.session.execute(
        "const b = document.getElementById('compose-body');
         b.value = 'Thanks for the picks: the one on slow software is going on my list.';
         b.dispatchEvent(new Event('input', {bubbles: true})); return true;",
        &[],
    )?;
    let shot = instance.screenshot(&format!("demo-{}-replying", browser.name()))?;
    let target = out.join(format!("{}-newtab-replying.png", browser.name()));
    std::fs::copy(&shot, &target)
        .map_err(HarnessError::io(format!("copying to {}", target.display())))?;
    println!("gmux demo: replying -> {}", target.display());
    // Back to the list, then one search across every account.
    instance.open_page("newtab.html")?;
    // One search across every account, in the new tab as the window shows it.
    let query = "has:attachment";
    instance.search_for(query)?;
    let title = format!("Results for \u{201c}{query}\u{201d}");
    let (_, view) = instance.wait_for_views(
        "the search results",
        std::time::Duration::from_secs(60),
        |v, i| v.title.as_deref() == Some(title.as_str()) && v.foot == "end" && !i.rows.is_empty(),
    )?;
    let shot = instance.viewport_screenshot(&format!("demo-{}-search", browser.name()))?;
    let target = out.join(format!("{}-search.png", browser.name()));
    std::fs::copy(&shot, &target)
        .map_err(HarnessError::io(format!("copying to {}", target.display())))?;
    let accounts: std::collections::BTreeSet<&str> =
        view.rows.iter().map(|r| r.account.as_str()).collect();
    println!(
        "gmux demo: search {query}: {} threads from {} accounts -> {}",
        view.rows.len(),
        accounts.len(),
        target.display()
    );
    Ok(())
}

/// A normal browser window with gmux loaded and the new tab showing the inbox, until the window is closed or
/// Ctrl-C (the terminal sends it to every process of the demo: the browser, its driver, the emulator, the host).
fn window(browser: Browser) -> Result<()> {
    std::env::set_var("GMUX_E2E_HEADED", "1");
    let emulator = EmulatorProcess::start_demo()?;
    let emails = emulator.account_emails()?;
    let mut instance =
        ExtensionBrowser::launch_prepared(browser, HostSetup::Installed, &[], |wrapper| {
            prepare_host(wrapper, &emulator, &emails)
        })?;
    instance.session.set_window_size(1280, 860)?;
    instance.open_page("newtab.html")?;
    println!(
        "gmux demo: {} is open with gmux and {} demo accounts (the toolbar button is the popup); close the \
         window or press Ctrl-C to stop",
        browser.name(),
        emails.len()
    );
    // The session answers for as long as the window is open.
    while instance.session.execute("return 1", &[]).is_ok() {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    println!("gmux demo: the window was closed; stopping the emulator and gmux-host");
    Ok(())
}
