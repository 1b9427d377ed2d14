//! Prints click on Send (undo window 0) → the emulator holding the message, in each browser: the median of N new
//! messages written in the popup (`cargo run -p gmux-e2e --example compose_send -- [N]`, default 10). The click
//! is stamped by the page (`Date.now()` in a capturing listener, kept in an attribute) and the arrival by the emulator (`at_ms` of its
//! sent record), one clock on one machine. The time is the page's last `compose_update` and `compose_send`, the
//! background building the message, `drafts.create` and `drafts.send`. Needs `cargo xtask dist` and built
//! gmux-host and gmux-emulator first.

use std::time::{Duration, Instant};

use gmux_e2e::{
    configure_host_with_accounts, median, Browser, EmulatorProcess, ExtensionBrowser, HarnessError,
    HostSetup,
};
use serde_json::{json, Value};

fn sent_records(emulator: &EmulatorProcess) -> Result<Vec<Value>, HarnessError> {
    Ok(emulator.get("/_emulator/sent")?["sent"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

fn set(instance: &ExtensionBrowser, id: &str, text: &str) -> Result<(), HarnessError> {
    instance.session.execute(
        "const e = document.getElementById(arguments[0]); e.value = arguments[1];
         e.dispatchEvent(new Event('input', {bubbles: true})); return true;",
        &[json!(id), json!(text)],
    )?;
    Ok(())
}

/// Writes one message and returns click → arrival in ms.
fn send_one(
    instance: &ExtensionBrowser,
    emulator: &EmulatorProcess,
    to: &str,
    i: usize,
) -> Result<f64, HarnessError> {
    let before = sent_records(emulator)?.len();
    instance.session.press_keys(&["c"], false)?;
    let until = Instant::now() + Duration::from_secs(30);
    while instance
        .session
        .execute("return !!document.getElementById('compose-body');", &[])?
        != json!(true)
    {
        if Instant::now() > until {
            return Err(HarnessError::Unexpected("the composer did not open".into()));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    set(instance, "compose-to", to)?;
    set(instance, "compose-subject", &format!("Bench message {i}"))?;
    set(
        instance,
        "compose-body",
        "A short message, as most are.\n\nSam",
    )?;
    instance.session.execute(
        "document.querySelector('#composer .composer-send').addEventListener('click',
           () => { document.documentElement.dataset.sendClick = String(Date.now()); }, {capture: true, once: true}); return true;",
        &[],
    )?;
    instance.click_css("#composer .composer-send")?;
    let until = Instant::now() + Duration::from_secs(30);
    let record = loop {
        let all = sent_records(emulator)?;
        if all.len() > before {
            break all[before].clone();
        }
        if Instant::now() > until {
            return Err(HarnessError::Unexpected(
                "the message did not arrive".into(),
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let clicked = instance
        .session
        .execute(
            "return Number(document.documentElement.dataset.sendClick) || null;",
            &[],
        )?
        .as_f64()
        .ok_or_else(|| HarnessError::Unexpected("no click stamp".into()))?;
    let arrived = record["at_ms"]
        .as_f64()
        .ok_or_else(|| HarnessError::Unexpected(format!("no at_ms in {record}")))?;
    Ok(arrived - clicked)
}

fn main() -> Result<(), HarnessError> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    for browser in [Browser::Chromium, Browser::Firefox] {
        let emulator = EmulatorProcess::start_demo()?;
        let emails = emulator.account_emails()?;
        let host_env = [emulator.private_keyring("bench-compose", browser.name())];
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
        let reply = instance.send_intent(json!({"type": "set_undo_seconds", "seconds": 0}))?;
        if reply["ok"] != true {
            return Err(HarnessError::Unexpected(format!(
                "set_undo_seconds: {reply}"
            )));
        }
        instance.open_extension_page("popup.html")?;
        instance.wait_for_inbox("the list", |v| v.rows.len() > 5)?;
        // The first send also reads the send-as addresses: timed apart.
        let first = send_one(&instance, &emulator, &emails[1], 0)?;
        let mut times = Vec::new();
        for i in 1..=n {
            times.push(send_one(&instance, &emulator, &emails[1], i)?);
        }
        println!(
            "{} popup: click Send (undo 0) to the emulator having the message: median {:.0} ms over {n} messages \
             (min {:.0}, max {:.0}); the first, reading the send-as addresses too: {first:.0} ms",
            browser.name(),
            median(&times),
            times.iter().copied().fold(f64::INFINITY, f64::min),
            times.iter().copied().fold(0.0, f64::max),
        );
    }
    Ok(())
}
