//! The walking skeleton: the popup reaches gmux-host through the background's native port, or says plainly that
//! gmux-host is not installed and how to install it.

use gmux_e2e::{Browser, ExtensionBrowser, HostSetup};

fn check_handshake(browser: Browser) {
    let mut instance = ExtensionBrowser::launch(browser, HostSetup::Installed).unwrap();
    let status = instance.open_popup().unwrap();
    assert_eq!(status.state, "connected", "{status:?}");
    assert_eq!(status.headline, format!("connected to gmux-host {}", env!("CARGO_PKG_VERSION")));
    let shot = instance.screenshot("popup-connected").unwrap();
    assert!(std::fs::metadata(&shot).unwrap().len() > 1000, "{} is too small to be a screenshot", shot.display());
}

fn check_not_installed(browser: Browser) {
    let mut instance = ExtensionBrowser::launch(browser, HostSetup::ManifestRemoved).unwrap();
    assert!(instance.host_manifest().is_none());
    let status = instance.open_popup().unwrap();
    assert_eq!(status.state, "missing", "{status:?}");
    assert_eq!(status.headline, "gmux-host is not installed");
    assert!(status.page_text.contains("cargo xtask install"), "no install command in {:?}", status.page_text);
    instance.screenshot("popup-not-installed").unwrap();
}

#[test]
fn chromium_popup_shows_the_handshake() {
    check_handshake(Browser::Chromium);
}

#[test]
fn firefox_popup_shows_the_handshake() {
    check_handshake(Browser::Firefox);
}

#[test]
fn chromium_popup_says_the_host_is_not_installed() {
    check_not_installed(Browser::Chromium);
}

#[test]
fn firefox_popup_says_the_host_is_not_installed() {
    check_not_installed(Browser::Firefox);
}
