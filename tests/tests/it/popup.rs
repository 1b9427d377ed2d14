//! The walking skeleton: the popup reaches gmux-host through the background's native port, or says plainly that
//! gmux-host is not installed and how to install it. The host is configured with an OAuth client (and has no
//! accounts): an unconfigured host is a state of its own (`not_configured`).

use gmux_e2e::ok;
use gmux_e2e::{Browser, ExtensionBrowser, HostSetup};

fn check_handshake(browser: Browser) {
    let mut instance = ok(ExtensionBrowser::launch_configured(
        browser,
        HostSetup::Installed,
    ));
    let status = ok(instance.open_popup());
    assert_eq!(status.state, "connected", "{status:?}");
    assert_eq!(
        status.headline,
        format!("connected to gmux-host {}", env!("CARGO_PKG_VERSION"))
    );
    let shot = ok(instance.screenshot("popup-connected"));
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 1000,
        "{} is too small to be a screenshot",
        shot.display()
    );

    // The full pages ask the same background; a second page load must find the open port, not a new host.
    for page in ["newtab", "options"] {
        let status = ok(instance.open_page(&format!("{page}.html")));
        assert_eq!(status.state, "connected", "{page}: {status:?}");
        ok(instance.screenshot(&format!("{page}-connected")));
    }
    // Firefox applies the new-tab override only to tabs a person opens, which WebDriver cannot do.
    if browser == Browser::Chromium {
        let status = ok(instance.open_url("chrome://newtab/"));
        assert_eq!(
            status.state, "connected",
            "the new tab is not gmux's: {status:?}"
        );
    }
}

/// Without a host manifest the popup explains how to install gmux-host; doing what it says and reopening the
/// popup connects, without restarting the browser.
fn check_not_installed_then_installed(browser: Browser) {
    let mut instance = ok(ExtensionBrowser::launch_configured(
        browser,
        HostSetup::ManifestRemoved,
    ));
    assert!(instance.host_manifest().is_none());
    let status = ok(instance.open_popup());
    assert_eq!(status.state, "missing", "{status:?}");
    assert_eq!(status.headline, "gmux-host is not installed");
    assert!(
        status.page_text.contains("cargo xtask install"),
        "no install command in {:?}",
        status.page_text
    );
    ok(instance.screenshot("popup-not-installed"));
    // The badge tells someone who never opens the popup that something needs doing.
    ok(instance.wait_for_badge("!"));

    ok(instance.install_host());
    let status = ok(instance.open_popup());
    assert_eq!(status.state, "connected", "after installing: {status:?}");
    ok(instance.wait_for_badge(""));
}

#[test]
fn chromium_popup_shows_the_handshake() {
    check_handshake(Browser::Chromium);
}

/// gmux-host dying under an open port (a crash, an upgrade) is healed by the next page that asks: the
/// background opens a new port to a new host process.
fn check_host_restart(browser: Browser) {
    let mut instance = ok(ExtensionBrowser::launch_configured(
        browser,
        HostSetup::Installed,
    ));
    assert_eq!(ok(instance.open_popup()).state, "connected");
    let first = ok(instance.wait_for_host_processes("one gmux-host", |pids| pids.len() == 1));
    ok(instance.kill_host());
    // Asking before the background has seen the port close would get the old answer. It shows that it has in
    // one of two ways: the badge says "!" until it reconnects (one second later), or it has reconnected already
    // (a poll or a page may ask at once, and a loaded machine may take longer than that second between two
    // looks at the badge), which starts a new gmux-host.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let badge = ok(instance.badge_text());
        let replaced = instance.host_processes().iter().any(|pid| *pid != first[0]);
        if badge == "!" || replaced {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the background never noticed gmux-host die: badge {badge:?}, hosts {:?}",
            instance.host_processes()
        );
        std::thread::sleep(std::time::Duration::from_millis(25));
    }

    let status = ok(instance.open_popup());
    assert_eq!(
        status.state, "connected",
        "after gmux-host died: {status:?}"
    );
    ok(instance.wait_for_badge(""));
    let second = ok(instance.wait_for_host_processes("a new gmux-host", |pids| !pids.is_empty()));
    assert!(
        !second.contains(&first[0]),
        "the dead host {first:?} is still listed: {second:?}"
    );
}

#[test]
fn chromium_background_replaces_a_host_that_died() {
    check_host_restart(Browser::Chromium);
}

#[test]
fn firefox_background_replaces_a_host_that_died() {
    check_host_restart(Browser::Firefox);
}

/// Chrome stops idle service workers; the next popup must wake the background (its listeners are registered
/// before the wasm loads), which opens a new port to a new gmux-host.
#[test]
fn chromium_popup_wakes_a_stopped_background_and_reconnects() {
    let mut instance = ok(ExtensionBrowser::launch_configured(
        Browser::Chromium,
        HostSetup::Installed,
    ));
    assert_eq!(ok(instance.open_popup()).state, "connected");
    assert!(ok(instance.background_worker_running()));
    ok(instance.stop_background_worker());
    let status = ok(instance.open_popup());
    assert_eq!(
        status.state, "connected",
        "after the worker restarted: {status:?}"
    );
    assert!(ok(instance.background_worker_running()));
}

#[test]
fn chromium_popup_follows_a_dark_system_theme() {
    let mut instance = ok(ExtensionBrowser::launch_configured(
        Browser::Chromium,
        HostSetup::Installed,
    ));
    ok(instance.open_popup());
    let light = ok(instance.body_background());
    ok(instance.emulate_dark_scheme());
    ok(instance.open_popup());
    let dark = ok(instance.body_background());
    assert_eq!(
        (light.as_str(), dark.as_str()),
        ("rgb(247, 247, 251)", "rgb(21, 21, 28)")
    );
    ok(instance.screenshot("popup-connected-dark"));
}

#[test]
fn firefox_popup_shows_the_handshake() {
    check_handshake(Browser::Firefox);
}

#[test]
fn chromium_popup_says_the_host_is_not_installed_until_it_is() {
    check_not_installed_then_installed(Browser::Chromium);
}

#[test]
fn firefox_popup_says_the_host_is_not_installed_until_it_is() {
    check_not_installed_then_installed(Browser::Firefox);
}
