//! The extension's own walls (issue 19): a release build sends access tokens only to Google's Gmail, whatever
//! gmux-host says. The test build's extension gets the release build's manifest (no loopback origin) and a host
//! configured for the emulator on 127.0.0.1: the background must refuse that Gmail address, say so, and send the
//! emulator nothing. Both browsers.

use gmux_e2e::faults::request_count;
use gmux_e2e::ok;
use gmux_e2e::{configure_host_with_accounts, Browser, EmulatorProcess, ExtensionBrowser};

fn check_release_build_refuses_another_gmail(browser: Browser) {
    let emulator = ok(EmulatorProcess::start_demo());
    let emails = ok(emulator.account_emails());
    let host_env = [emulator.private_keyring("e2e-release", browser.name())];
    let mut instance = ok(ExtensionBrowser::launch_release_build(
        browser,
        &host_env,
        |wrapper| configure_host_with_accounts(wrapper, emulator.base_url(), &emails[..1]),
    ));
    ok(instance.session.set_window_size(1000, 800));
    let view = ok(instance.open_inbox_page("popup.html", |v| {
        v.status_state == "untrusted" && v.text.contains("https://gmail.googleapis.com")
    }));
    assert!(
        view.text.contains(emulator.base_url()),
        "the status names the refused address: {}",
        view.text
    );
    // The refusal happens when the handshake settles, before the status that says so is written: no engine was
    // made, so nothing can have reached Gmail.
    for method in [
        "gmail.users.getProfile",
        "gmail.users.threads.list",
        "gmail.users.history.list",
    ] {
        assert_eq!(
            ok(request_count(&emulator, &emails[0], method)),
            0,
            "{method} reached the emulator"
        );
    }
}

#[test]
fn chromium_release_build_sends_tokens_only_to_google() {
    check_release_build_refuses_another_gmail(Browser::Chromium);
}

#[test]
fn firefox_release_build_sends_tokens_only_to_google() {
    check_release_build_refuses_another_gmail(Browser::Firefox);
}
