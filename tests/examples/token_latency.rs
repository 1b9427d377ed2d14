//! Prints what a host `token.get` costs as the extension sees it, in each browser: the real gmux-host configured
//! for gmux-emulator's demo accounts (added through the real OAuth flow), the built extension synced, then from an
//! extension page, timed with `performance.now()`:
//! - the `status` intent: page → background → page, no host request (the messaging leg);
//! - `token.get` over a native port the page opens itself: page → gmux-host → page (the host leg, through the
//!   browser's native messaging, with the same pipes the background's port uses);
//! - the `set_color` intent: page → background → two host requests (accounts.update, accounts.list) and a store
//!   write → page (the whole path, with a request that is not token.get).
//!
//! No intent makes the background call token.get (it keeps tokens in memory until a minute before expiry), so
//! the full path for a token is the sum of the first two legs.
//!
//! `cargo run -p gmux-e2e --example token_latency -- [CALLS]` (default 300). Needs `cargo xtask dist`, a built
//! gmux-host (`GMUX_HOST_BIN`) and gmux-emulator (`GMUX_EMULATOR_BIN`), and a Secret Service.

use std::time::Duration;

use gmux_e2e::{
    configure_host_with_accounts, target_line, Browser, EmulatorProcess, ExtensionBrowser,
    HarnessError, HostSetup,
};

/// Issue 8 sets none; proposed: the background asks for a token at most once per account per sync, beside Gmail
/// requests of 100 ms and more, so a few milliseconds is invisible.
const TARGET_P50_MS: f64 = 5.0;
use serde_json::{json, Value};

const MEASURE: &str = r#"
const api = globalThis.browser ?? globalThis.chrome;
const [calls, accounts, colors] = arguments;
return (async () => {
  const out = { status: [], port: [], set_color: [], port_start: 0, errors: [] };
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    const reply = await api.runtime.sendMessage({ type: 'status' });
    out.status.push(performance.now() - t);
    if (!reply || reply.host !== 'connected') { out.errors.push('status: ' + JSON.stringify(reply)); break; }
  }
  const port = api.runtime.connectNative('dev.gmux.host');
  const pending = new Map();
  let nextId = 1;
  port.onMessage.addListener((m) => { const done = pending.get(m.id); if (done) { pending.delete(m.id); done(m); } });
  port.onDisconnect.addListener(() => { for (const done of pending.values()) { done({ error: 'disconnected' }); } });
  const call = (method, params) => new Promise((done) => {
    const id = nextId++;
    pending.set(id, done);
    port.postMessage({ id, method, params });
  });
  let t = performance.now();
  await call('hello', { protocol: 1 });
  out.port_start = performance.now() - t;
  // The first token.get per account reads the keyring: that is a host start's cost, not the round trip's.
  for (const account of accounts) { await call('token.get', { account }); }
  for (let i = 0; i < calls; i++) {
    t = performance.now();
    const reply = await call('token.get', { account: accounts[i % accounts.length] });
    out.port.push(performance.now() - t);
    if (!reply.result) { out.errors.push('token.get: ' + JSON.stringify(reply)); break; }
  }
  port.disconnect();
  for (let i = 0; i < Math.ceil(calls / 3); i++) {
    const k = i % accounts.length;
    t = performance.now();
    const reply = await api.runtime.sendMessage({ type: 'set_color', account: accounts[k], color: colors[k] });
    out.set_color.push(performance.now() - t);
    if (!reply || !reply.ok) { out.errors.push('set_color: ' + JSON.stringify(reply)); break; }
  }
  return out;
})();
"#;

fn times(value: &Value) -> Vec<f64> {
    let mut all: Vec<f64> = value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    all.sort_by(f64::total_cmp);
    all
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn measure(browser: Browser, calls: usize) -> Result<(), HarnessError> {
    let emulator = EmulatorProcess::start_demo()?;
    let emails = emulator.account_emails()?;
    // Every run its own keyring entries: the demo accounts' ids are the same in every emulator.
    let host_env = [emulator.private_keyring("bench", browser.name())];
    let instance =
        ExtensionBrowser::launch_prepared(browser, HostSetup::Installed, &host_env, |wrapper| {
            configure_host_with_accounts(wrapper, emulator.base_url(), &emails)
        })?;
    instance.open_extension_page("options.html")?;
    // Synced: the background is connected and holds every account's token.
    let local =
        instance.wait_for_storage("every account synced", Duration::from_secs(120), |local| {
            let accounts = local["inbox"]["accounts"].as_array();
            accounts.is_some_and(|all| {
                all.len() == emails.len() && all.iter().all(|a| a["history_id"].is_string())
            })
        })?;
    let status_accounts = local["status"]["accounts"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ids: Vec<Value> = status_accounts.iter().map(|a| a["id"].clone()).collect();
    let colors: Vec<Value> = status_accounts.iter().map(|a| a["color"].clone()).collect();
    let out = instance
        .session
        .execute(MEASURE, &[json!(calls), json!(ids), json!(colors)])?;
    if let Some(errors) = out["errors"].as_array().filter(|e| !e.is_empty()) {
        return Err(HarnessError::Unexpected(format!(
            "{}: {errors:?}",
            browser.name()
        )));
    }
    let status = times(&out["status"]);
    let port = times(&out["port"]);
    let set_color = times(&out["set_color"]);
    let name = browser.name();
    let line = |what: &str, t: &[f64]| {
        println!(
            "{name} {what}: p50 {:.2} ms, p99 {:.2} ms (n={})",
            percentile(t, 0.5),
            percentile(t, 0.99),
            t.len()
        );
    };
    if browser == Browser::Firefox {
        println!(
            "{name}   (Firefox rounds performance.now() to whole milliseconds in extension pages)"
        );
    }
    line("status intent, page -> background -> page", &status);
    line(
        "token.get on a page's native port, page -> gmux-host -> page",
        &port,
    );
    line(
        "set_color intent, page -> background -> 2 host requests + store write -> page",
        &set_color,
    );
    let through_p50 = percentile(&status, 0.5) + percentile(&port, 0.5);
    println!(
        "{name} token.get through the background, page -> background -> gmux-host -> background -> page (the two \
         legs' sum): p50 {through_p50:.2} ms, p99 at most {:.2} ms; a new port's first reply (host start) {:.0} ms",
        percentile(&status, 0.99) + percentile(&port, 0.99),
        out["port_start"].as_f64().unwrap_or(f64::NAN)
    );
    println!(
        "{name}   peers: gmux-host's own pipe round trip (the host bench above); a native port's round trip, \
         median of 100: 0.4-0.6 ms in Chromium, 0.8-1.4 ms in Firefox (shared/research)"
    );
    println!(
        "{}",
        target_line(
            &format!(
                "{name} token.get through the background p50 under {TARGET_P50_MS:.0} ms (proposed; issue 8 sets none)"
            ),
            through_p50 < TARGET_P50_MS,
            || format!(
                "Why: the page-background leg takes {:.2} ms and the native-port leg {:.2} ms at the median (Firefox reads \
                 whole milliseconds); both are the browser's messaging (structured cloning, IPC to the extension \
                 process, the host's pipe) with one JSON parse per hop on gmux's side. To close it: nothing on gmux's \
                 side is worth a millisecond here; the background asks at most once per account per token lifetime, \
                 so the proposed target could be relaxed for Firefox",
                percentile(&status, 0.5),
                percentile(&port, 0.5)
            )
        )
    );
    Ok(())
}

fn main() -> Result<(), HarnessError> {
    let calls = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    for browser in [Browser::Chromium, Browser::Firefox] {
        measure(browser, calls)?;
    }
    Ok(())
}
