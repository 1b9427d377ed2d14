//! Prints click → the first message's text shown in the reader, in each browser: with the body not yet fetched
//! (the background asks the emulator) and with it already in the background's memory, each the median of N
//! conversations of the demo accounts opened from the popup (`cargo run -p gmux-e2e --example reader_open --
//! [N]`, default 20). The first open also loads the reader module; its time is printed apart. Needs `cargo
//! xtask dist` and built gmux-host and gmux-emulator first.

use std::time::Duration;

use gmux_e2e::{
    configure_host_with_accounts, median, target_line, Browser, EmulatorProcess, ExtensionBrowser,
    HarnessError, HostSetup,
};
use serde_json::json;

/// Issue 14: click to text under 150 ms in Chromium with the body fetched on the way.
const NOT_FETCHED_TARGET_MS: f64 = 150.0;
/// Issue 14: under 30 ms when the body is in the background's memory.
const IN_MEMORY_TARGET_MS: f64 = 30.0;

/// Where one open's time went, in the page's own clock: click → the background's answer → gmux-mail's read →
/// the first text shown.
struct Open {
    total: f64,
    body: f64,
    read: f64,
    module: f64,
    /// Whether the first expanded message is HTML (shown in a frame).
    html: bool,
}

/// Opens the row and returns where click → first text went.
fn open(instance: &ExtensionBrowser, account: &str, thread: &str) -> Result<Open, HarnessError> {
    instance.click_css(&format!(
        "#inbox .row[data-account=\"{account}\"][data-thread=\"{thread}\"] .subject"
    ))?;
    let view = instance.wait_for_reader("the conversation", |v| {
        v.open && v.thread == thread && v.first_text_ms.is_some()
    })?;
    instance.session.press_keys(&["u"], false)?;
    instance.wait_for_reader("the list again", |v| !v.open)?;
    match (view.open_ms, view.first_text_ms) {
        (Some(open), Some(text)) => Ok(Open {
            total: text - open,
            body: view.body_ms.map_or(f64::NAN, |b| b - open),
            read: view.read_ms.map_or(f64::NAN, |r| r - open),
            module: view.module_ms.map_or(f64::NAN, |m| m - open),
            html: view
                .cards
                .iter()
                .find(|c| c.expanded)
                .is_some_and(|c| c.frames > 0),
        }),
        _ => Err(HarnessError::Unexpected("no timing stamps".into())),
    }
}

fn main() -> Result<(), HarnessError> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    for browser in [Browser::Chromium, Browser::Firefox] {
        let emulator = EmulatorProcess::start_demo()?;
        let emails = emulator.account_emails()?;
        let host_env = [emulator.private_keyring("bench-reader", browser.name())];
        let instance = ExtensionBrowser::launch_prepared(
            browser,
            HostSetup::Installed,
            &host_env,
            |wrapper| configure_host_with_accounts(wrapper, emulator.base_url(), &emails),
        )?;
        instance.session.set_window_size(1280, 900)?;
        instance.open_extension_page("popup.html")?;
        instance.wait_for_storage("three synced accounts", Duration::from_secs(60), |s| {
            gmux_e2e::all_synced(s, 3) && s["status"]["syncing"] == false
        })?;
        // Read stays read: the measure is reading, not the store writes marking read would add.
        let reply = instance.send_intent(
            json!({"type": "set_reader", "change": {"kind": "mark_read", "mark_read": "never"}}),
        )?;
        if reply["ok"] != true {
            return Err(HarnessError::Unexpected(format!("set_reader: {reply}")));
        }
        instance.open_extension_page("popup.html")?;
        let view = instance.wait_for_inbox("the list", |v| v.rows.len() > n)?;
        let rows: Vec<(String, String)> = view
            .rows
            .iter()
            .take(n + 1)
            .map(|r| (r.account.clone(), r.thread.clone()))
            .collect();
        // The first open loads the reader module: timed apart, on a conversation not measured below.
        let first = open(&instance, &rows[n].0, &rows[n].1)?;
        let mut fetched = Vec::new();
        for (account, thread) in &rows[..n] {
            fetched.push(open(&instance, account, thread)?);
        }
        let mut kept = Vec::new();
        for (account, thread) in &rows[..n] {
            kept.push(open(&instance, account, thread)?);
        }
        let part =
            |opens: &[Open], f: fn(&Open) -> f64| median(&opens.iter().map(f).collect::<Vec<_>>());
        // Back, and the same conversation again: the page kept it drawn.
        let mut again = Vec::new();
        for (account, thread) in &rows[..n] {
            open(&instance, account, thread)?;
            again.push(open(&instance, account, thread)?);
        }
        let (fetched_ms, kept_ms) = (part(&fetched, |o| o.total), part(&kept, |o| o.total));
        let again_ms = part(&again, |o| o.total);
        println!(
            "{} popup: click to the first message's text, body not fetched: median {fetched_ms:.0} ms over {n} \
             conversations; in the background's memory: median {kept_ms:.0} ms; kept in the page (back, then the \
             same conversation again): median {again_ms:.0} ms; the first open, loading the reader module: {:.0} ms",
            browser.name(),
            first.total
        );
        for (what, opens) in [
            ("not fetched", &fetched),
            ("in the background's memory", &kept),
            ("kept in the page", &again),
        ] {
            println!(
                "  {what}: the reader module asked at {:.0} ms, the background's answer at {:.0} ms, read by gmux-mail at {:.0} ms, text shown at {:.0} ms",
                part(opens, |o| o.module),
                part(opens, |o| o.body),
                part(opens, |o| o.read),
                part(opens, |o| o.total)
            );
            let html: Vec<f64> = opens.iter().filter(|o| o.html).map(|o| o.total).collect();
            let text: Vec<f64> = opens.iter().filter(|o| !o.html).map(|o| o.total).collect();
            println!(
                "  {what}: {} HTML messages (in a frame) median {:.0} ms, {} text median {:.0} ms",
                html.len(),
                median(&html),
                text.len(),
                median(&text)
            );
        }
        if browser == Browser::Chromium {
            println!(
                "{}",
                target_line(
                    &format!("chromium body not fetched under {NOT_FETCHED_TARGET_MS:.0} ms"),
                    fetched_ms < NOT_FETCHED_TARGET_MS,
                    || {
                        "the background's threads.get to the emulator and the page's MIME walk are the time; \
                        To close it: profile the reader module's read of the thread"
                        .to_string()
                    }
                )
            );
            println!(
                "{}",
                target_line(
                    &format!("chromium kept in the page under {IN_MEMORY_TARGET_MS:.0} ms"),
                    again_ms < IN_MEMORY_TARGET_MS,
                    || "showing the kept cards again is the time; profile reader::show_kept"
                        .to_string()
                )
            );
            println!(
                "{}",
                target_line(
                    &format!(
                        "chromium body in the background's memory under {IN_MEMORY_TARGET_MS:.0} ms"
                    ),
                    kept_ms < IN_MEMORY_TARGET_MS,
                    || {
                        "the message round trip (the JSON copied between contexts) and the sandboxed frame's load \
                        are the time (see the split above); To close it: draw a frame's document before its \
                        conversation is asked for (on hover), or keep more conversations drawn in the page"
                            .to_string()
                    }
                )
            );
        }
    }
    Ok(())
}
