//! The toolbar icon that says which account has mail (issue 22, item 2), in real Chromium and Firefox ESR with the
//! real host and the emulator's three demo accounts. The test build hands back the RGBA images the background
//! gave `action.setIcon`; the test reads the account colours out of their pixels: each account with unread mail
//! has its colour in the icon, an account with none has not, a colour the user changes follows, and an account
//! that must be reconnected keeps its segment. It also writes the icon enlarged on a light and a dark toolbar,
//! to look at.

use std::time::{Duration, Instant};

use gmux_core::icon::IconShown;
use gmux_e2e::{all_synced, ok, paths, stored_account_by_email, sync_now};
use gmux_e2e::{
    configure_host_with_accounts, Browser, EmulatorProcess, ExtensionBrowser, HostSetup,
};
use serde_json::{json, Value};

/// First syncs of three accounts, a host start and a wasm start, on a loaded machine.
const DEADLINE: Duration = Duration::from_secs(60);

fn icon(instance: &ExtensionBrowser) -> Option<IconShown> {
    let reply = ok(instance.send_intent(json!({"type": "test_toolbar_icon"})));
    serde_json::from_value(reply.clone())
        .unwrap_or_else(|e| panic!("test_toolbar_icon: {e}: {reply}"))
}

fn wait_for_icon(
    instance: &ExtensionBrowser,
    what: &str,
    done: impl Fn(&IconShown) -> bool,
) -> IconShown {
    let until = Instant::now() + DEADLINE;
    loop {
        if let Some(shown) = icon(instance).filter(|s| done(s)) {
            return shown;
        }
        assert!(
            Instant::now() < until,
            "timed out waiting for {what}: {:?}",
            icon(instance).map(|s| s.accounts)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn rgb(color: &str) -> [u8; 3] {
    gmux_core::icon::parse_hex_color(color).unwrap_or_else(|| panic!("not a colour: {color}"))
}

/// How many opaque pixels of the image at `size` have exactly this colour.
fn pixels_of(shown: &IconShown, size: u32, color: [u8; 3]) -> usize {
    let (_, rgba) = shown
        .images
        .iter()
        .find(|(s, _)| *s == size)
        .unwrap_or_else(|| panic!("no {size} px image"));
    assert_eq!(rgba.len(), (size * size * 4) as usize);
    rgba.chunks(4)
        .filter(|p| p[3] == 255 && p[..3] == color)
        .count()
}

/// The account's colour is in the icon at both toolbar sizes, or at neither.
fn assert_shows(shown: &IconShown, email: &str, color: &str, expected: bool) {
    for size in [16, 32] {
        let n = pixels_of(shown, size, rgb(color));
        assert_eq!(
            n > 0,
            expected,
            "{email} ({color}) at {size} px: {n} pixels; accounts {:?}",
            shown.accounts
        );
    }
}

/// The icon enlarged 8× on a light and a dark toolbar, both sizes side by side, for a person to look at.
fn write_preview(shown: &IconShown, name: &str) {
    const SCALE: u32 = 8;
    for (theme, bg) in [("light", [241u8, 243, 244]), ("dark", [32u8, 33, 36])] {
        let (width, height) = ((16 + 32 + 3 * 4) * SCALE, (32 + 2 * 4) * SCALE);
        let mut out = vec![0u8; (width * height * 4) as usize];
        for px in out.chunks_mut(4) {
            px.copy_from_slice(&[bg[0], bg[1], bg[2], 255]);
        }
        let mut left = 4;
        for (size, rgba) in &shown.images {
            for y in 0..*size {
                for x in 0..*size {
                    let i = ((y * size + x) * 4) as usize;
                    let a = f32::from(rgba[i + 3]) / 255.0;
                    let c: Vec<u8> = (0..3)
                        .map(|k| {
                            (f32::from(rgba[i + k]) * a + f32::from(bg[k]) * (1.0 - a)).round()
                                as u8
                        })
                        .collect();
                    for dy in 0..SCALE {
                        for dx in 0..SCALE {
                            let (ox, oy) = ((left + x) * SCALE + dx, (4 + y) * SCALE + dy);
                            let o = ((oy * width + ox) * 4) as usize;
                            out[o..o + 3].copy_from_slice(&c);
                        }
                    }
                }
            }
            left += size + 4;
        }
        let png = gmux_core::png::encode_rgba(width, height, &out).expect("a PNG");
        let path = ok(paths::screenshot_dir()).join(format!("{name}-{theme}.png"));
        std::fs::write(&path, png).expect("the preview is written");
    }
}

fn unread_threads(instance: &ExtensionBrowser, email: &str) -> Vec<String> {
    let local = ok(instance.storage("local"));
    stored_account_by_email(&local, email)["threads"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter(|r| r["unread"] == true)
                .filter_map(|r| r["thread_id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn intent_ok(instance: &ExtensionBrowser, intent: Value) {
    let reply = ok(instance.send_intent(intent.clone()));
    assert_eq!(reply["ok"], true, "{intent}: {reply}");
}

fn check_toolbar_icon(browser: Browser) {
    let emulator = ok(EmulatorProcess::start_demo());
    let emails = ok(emulator.account_emails());
    assert_eq!(emails.len(), 3, "the demo has three accounts: {emails:?}");
    let host_env = [emulator.private_keyring("e2e-icon", browser.name())];
    let instance = ok(ExtensionBrowser::launch_prepared(
        browser,
        HostSetup::Installed,
        &host_env,
        |wrapper| configure_host_with_accounts(wrapper, emulator.base_url(), &emails),
    ));
    ok(instance.open_extension_page("popup.html?gmux-test-away"));
    ok(
        instance.wait_for_storage("three synced accounts", DEADLINE, |local| {
            all_synced(local, 3)
        }),
    );
    let status = ok(instance.storage("local"))["status"].clone();
    let color_of = |email: &str| -> String {
        status["accounts"]
            .as_array()
            .and_then(|all| all.iter().find(|a| a["email"] == email))
            .and_then(|a| a["color"].as_str())
            .unwrap_or_else(|| panic!("no colour for {email}: {status}"))
            .to_string()
    };
    let id_of = |email: &str| -> String {
        let local = ok(instance.storage("local"));
        stored_account_by_email(&local, email)["account"]["id"]
            .as_str()
            .expect("an account id")
            .to_string()
    };
    let (a, b, c) = (&emails[0], &emails[1], &emails[2]);
    for email in [a, b, c] {
        assert!(
            !unread_threads(&instance, email).is_empty(),
            "the demo gives {email} unread mail"
        );
    }

    // Every account has unread mail: three segments, each in its account's colour, in the host's order.
    let shown = wait_for_icon(&instance, "three accounts with mail", |s| {
        s.accounts.len() == 3 && s.accounts.iter().all(|a| a.unread > 0)
    });
    let order: Vec<&str> = shown.accounts.iter().map(|a| a.email.as_str()).collect();
    assert_eq!(order, [a.as_str(), b.as_str(), c.as_str()]);
    for email in [a, b, c] {
        assert_shows(&shown, email, &color_of(email), true);
    }
    write_preview(&shown, &format!("{}-toolbar-icon-three", browser.name()));

    // b's mail read: its colour leaves the icon, the others stay.
    for thread in unread_threads(&instance, b) {
        intent_ok(
            &instance,
            json!({"type": "action", "account": id_of(b), "thread": thread, "action": "mark_read"}),
        );
    }
    sync_now(&instance);
    let shown = wait_for_icon(&instance, "b without unread mail", |s| {
        s.accounts.iter().any(|x| &x.email == b && x.unread == 0)
    });
    assert_shows(&shown, b, &color_of(b), false);
    assert_shows(&shown, a, &color_of(a), true);
    assert_shows(&shown, c, &color_of(c), true);

    // A colour the user picks for a follows at once.
    let picked = "#8e24aa";
    intent_ok(
        &instance,
        json!({"type": "set_color", "account": id_of(a), "color": picked}),
    );
    let shown = wait_for_icon(&instance, "a's new colour", |s| {
        s.accounts
            .iter()
            .any(|x| &x.email == a && x.color == picked)
    });
    assert_shows(&shown, a, picked, true);
    write_preview(&shown, &format!("{}-toolbar-icon-two", browser.name()));

    // c must be reconnected: its segment stays (hatched), and the accounts say why.
    ok(emulator.post("/_emulator/revoke", json!({"account": c})));
    sync_now(&instance);
    let shown = wait_for_icon(&instance, "c needing reconnecting", |s| {
        s.accounts
            .iter()
            .any(|x| &x.email == c && x.needs_reconnect)
    });
    assert_shows(&shown, c, &color_of(c), true);
    assert_eq!(ok(instance.badge_text()), "!");
    write_preview(
        &shown,
        &format!("{}-toolbar-icon-reconnect", browser.name()),
    );
}

#[test]
fn chromium_toolbar_icon_shows_the_accounts_with_mail() {
    check_toolbar_icon(Browser::Chromium);
}

#[test]
fn firefox_toolbar_icon_shows_the_accounts_with_mail() {
    check_toolbar_icon(Browser::Firefox);
}
