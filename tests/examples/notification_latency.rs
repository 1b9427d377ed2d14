//! Prints how long new mail takes to become a desktop notification, and what the poll behind it costs, in each
//! browser: the real gmux-host configured for gmux-emulator's three demo accounts (added through the real OAuth
//! flow), the built extension synced, then:
//! - idle: no page in view, the counters reset, 75 s of the default poll alone: requests and quota units per
//!   account per poll, and what a day of it costs an account;
//! - the time from the emulator accepting a delivered message (`POST /_emulator/deliver` answered) to its
//!   notification in the browser's own list (`notifications.getAll()`, read every 50 ms), for deliveries spread
//!   over the poll's phase (a third of a period apart, a random extra up to a sixth, accounts in turn), first with
//!   no gmux page in view (the default 30 s alarm), then with the popup in view (every 10 s).
//!
//! `cargo run -p gmux-e2e --example notification_latency -- [DELIVERIES]` (default 20). Needs `cargo xtask dist`,
//! a built gmux-host (`GMUX_HOST_BIN`) and gmux-emulator (`GMUX_EMULATOR_BIN`), and a Secret Service.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use gmux_core::notify::{
    quota_units_per_day, NotificationTarget, DEFAULT_POLL_MS, PAGE_OPEN_POLL_MS,
};
use gmux_e2e::{
    configure_host_with_accounts, median, target_line, Browser, EmulatorProcess, ExtensionBrowser,
    HarnessError, HostSetup,
};
use serde_json::{json, Value};

/// Proposed (issue 15 sets none): half the default period on average to wait for the next poll, plus the poll.
const TARGET_DEFAULT_S: f64 = 20.0;
/// Proposed: half the page period, plus the poll.
const TARGET_PAGE_OPEN_S: f64 = 8.0;
/// Issue 5: an idle poll is one request and 2 quota units per account.
const IDLE_UNITS_PER_POLL: f64 = 2.0;
/// How long the idle poll is watched: two and a half default periods, so at least two polls whatever the phase.
const IDLE_WINDOW: Duration = Duration::from_secs(75);

fn ids(instance: &ExtensionBrowser) -> Result<Vec<String>, HarnessError> {
    let all = instance.session.execute(
        "const api = globalThis.browser ?? globalThis.chrome; return api.notifications.getAll();",
        &[],
    )?;
    Ok(all
        .as_object()
        .map(|all| all.keys().cloned().collect())
        .unwrap_or_default())
}

/// A small deterministic jitter: the bench must spread deliveries over the poll's phase, not be random.
fn jitter(i: usize, span: Duration) -> Duration {
    let x = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40;
    span.mul_f64((x % 1_000) as f64 / 1_000.0)
}

/// Delivers `count` messages a third of `period` apart (plus jitter) to the accounts in turn and returns, per
/// message, the seconds from the emulator's answer to its notification in the browser's list.
fn latencies(
    instance: &ExtensionBrowser,
    emulator: &EmulatorProcess,
    accounts: &[(String, String)],
    count: usize,
    period: Duration,
    label: &str,
) -> Result<Vec<f64>, HarnessError> {
    let mut waiting: HashMap<String, Instant> = HashMap::new();
    let mut done = Vec::new();
    let mut next = Instant::now();
    let mut sent = 0;
    let deadline = Instant::now() + period * (count as u32 + 6);
    while done.len() < count {
        if Instant::now() > deadline {
            return Err(HarnessError::Timeout {
                what: format!("{label}: {count} notifications"),
                last: format!("{} seen, {} waiting", done.len(), waiting.len()),
            });
        }
        if sent < count && Instant::now() >= next {
            let (email, sub) = &accounts[sent % accounts.len()];
            let answer = emulator.post(
                "/_emulator/deliver",
                json!({"account": email, "from": format!("Bench {sent} <bench{sent}@example.org>"),
                       "subject": format!("{label} {sent}"), "text": "new mail"}),
            )?;
            let at = Instant::now();
            let id = NotificationTarget::Message {
                account_id: sub.clone(),
                thread_id: answer["threadId"].as_str().unwrap_or_default().to_string(),
                message_id: answer["id"].as_str().unwrap_or_default().to_string(),
            }
            .id("");
            waiting.insert(id, at);
            sent += 1;
            next = at + period / 3 + jitter(sent, period / 6);
        }
        for id in ids(instance)? {
            if let Some(at) = waiting.remove(&id) {
                done.push(at.elapsed().as_secs_f64());
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(done)
}

fn summary(name: &str, what: &str, times: &[f64]) {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    println!(
        "{name} {what}: median {:.1} s, min {:.1} s, max {:.1} s (n={})",
        median(times),
        sorted.first().copied().unwrap_or(f64::NAN),
        sorted.last().copied().unwrap_or(f64::NAN),
        times.len()
    );
}

fn measure(browser: Browser, deliveries: usize) -> Result<(), HarnessError> {
    let emulator = EmulatorProcess::start_demo()?;
    let emails = emulator.account_emails()?;
    let host_env = [emulator.private_keyring("bench-notify", browser.name())];
    let instance =
        ExtensionBrowser::launch_prepared(browser, HostSetup::Installed, &host_env, |wrapper| {
            configure_host_with_accounts(wrapper, emulator.base_url(), &emails)
        })?;
    // No page in view: only the alarm polls.
    instance.open_extension_page("popup.html?gmux-test-away")?;
    instance.wait_for_storage("every account synced", Duration::from_secs(120), |local| {
        let accounts = local["inbox"]["accounts"].as_array();
        accounts.is_some_and(|all| {
            all.len() == emails.len() && all.iter().all(|a| a["history_id"].is_string())
        })
    })?;
    let accounts: Vec<(String, String)> = emulator.get("/_emulator/accounts")?["accounts"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|a| {
                    (
                        a["email"].as_str().unwrap_or_default().to_string(),
                        a["sub"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let name = browser.name();
    let alarm = instance
        .session
        .execute(
            "const api = globalThis.browser ?? globalThis.chrome;
             return api.alarms.get('poll').then((a) => a ? a.periodInMinutes : null);",
            &[],
        )?
        .as_f64()
        .unwrap_or(f64::NAN);
    println!("{name} poll alarm: every {:.0} s", alarm * 60.0);

    // Idle: the default poll alone.
    emulator.post("/_emulator/counters/reset", json!({}))?;
    std::thread::sleep(IDLE_WINDOW);
    let counters = emulator.get("/_emulator/counters")?;
    let mut per_poll = Vec::new();
    for (email, _) in &accounts {
        let account = &counters["accounts"][email.as_str()];
        let requests: u64 = account["requests"]
            .as_object()
            .map(|r| r.values().filter_map(Value::as_u64).sum())
            .unwrap_or(0);
        let polls = account["requests"]["gmail.users.history.list"]
            .as_u64()
            .unwrap_or(0);
        let units = account["quota_units"].as_u64().unwrap_or(0);
        if polls == 0 {
            return Err(HarnessError::Unexpected(format!(
                "{name}: {email} was not polled in {} s: {counters}",
                IDLE_WINDOW.as_secs()
            )));
        }
        per_poll.push((requests as f64 / polls as f64, units as f64 / polls as f64));
        println!(
            "{name} idle, {email}: {polls} polls in {} s, {requests} requests, {units} quota units",
            IDLE_WINDOW.as_secs()
        );
    }
    let worst_units = per_poll.iter().map(|(_, u)| *u).fold(0.0, f64::max);
    let worst_requests = per_poll.iter().map(|(r, _)| *r).fold(0.0, f64::max);
    let per_day = worst_units * (86_400_000.0 / (alarm * 60_000.0)).round();
    println!(
        "{name} idle poll: {worst_requests:.1} request and {worst_units:.1} quota units per account per poll; \
         {per_day:.0} units per account per day at this pace ({} computed: 86,400 s / {} s x 2), \
         {} with a gmux page in view all day; Gmail allows 15,000 per user per minute",
        quota_units_per_day(DEFAULT_POLL_MS),
        DEFAULT_POLL_MS / 1_000,
        quota_units_per_day(PAGE_OPEN_POLL_MS)
    );
    println!(
        "{}",
        target_line(
            &format!("{name} idle poll 1 request and at most {IDLE_UNITS_PER_POLL:.0} quota units per account (issue 5)"),
            worst_requests <= 1.0 && worst_units <= IDLE_UNITS_PER_POLL,
            || "Why: an idle poll sent more than one history.list per account (the send-as list is read only \
                when a poll found mail). To close it: see which calls the counters list above"
                .to_string()
        )
    );

    let default = latencies(
        &instance,
        &emulator,
        &accounts,
        deliveries,
        Duration::from_millis(DEFAULT_POLL_MS),
        "default poll",
    )?;
    summary(
        name,
        "delivered to notified, default poll (no gmux page in view)",
        &default,
    );
    println!(
        "{}",
        target_line(
            &format!("{name} default poll median under {TARGET_DEFAULT_S:.0} s (proposed; issue 15 sets none)"),
            median(&default) < TARGET_DEFAULT_S,
            || format!(
                "Why: a message waits for the next poll, {} s apart, so half a period on average, then the poll \
                 itself (history.list, a batch of threads.get, labels.get). To close it: a shorter alarm is not \
                 allowed in Chrome; Gmail's push (users.watch) needs a Cloud Pub/Sub topic and a server",
                DEFAULT_POLL_MS / 1_000
            )
        )
    );

    // The popup in view: the background polls every 10 s as well.
    instance.open_extension_page("popup.html")?;
    let open = latencies(
        &instance,
        &emulator,
        &accounts,
        deliveries,
        Duration::from_millis(PAGE_OPEN_POLL_MS),
        "page open",
    )?;
    summary(name, "delivered to notified, the popup in view", &open);
    println!(
        "{}",
        target_line(
            &format!("{name} with a page in view median under {TARGET_PAGE_OPEN_S:.0} s (proposed; issue 15 sets none)"),
            median(&open) < TARGET_PAGE_OPEN_S,
            || format!(
                "Why: the page's timer polls {} s after the last poll ended; the wait is half that on average plus \
                 the poll. To close it: a shorter page period costs quota",
                PAGE_OPEN_POLL_MS / 1_000
            )
        )
    );
    Ok(())
}

fn main() -> Result<(), HarnessError> {
    let deliveries = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    for browser in [Browser::Chromium, Browser::Firefox] {
        measure(browser, deliveries)?;
    }
    Ok(())
}
