//! Prints what lists beyond the stored inbox cost (issue 17), in each browser, against gmux-emulator seeded with
//! categories, nested labels and generated threads, the real gmux-host and the built extension, every Gmail call
//! answered after a fixed latency:
//! - one search across every account: from pressing Enter to the first account's results on screen and to the
//!   last account's, and the Gmail requests and quota units it cost;
//! - load more: from scrolling to the end to the next rows on screen, per round;
//! - and that nothing got worse for the stored inbox: an idle poll's requests and units, and the popup's first row
//!   drawn from the store.
//!
//! `cargo run -p gmux-e2e --example views_bench -- [ACCOUNTS...]` (default 3 20). Needs `cargo xtask dist`, a
//! built gmux-host (`GMUX_HOST_BIN`) and gmux-emulator (`GMUX_EMULATOR_BIN`), and a Secret Service.

use std::time::{Duration, Instant};

use gmux_e2e::views::views_seed;
use gmux_e2e::{
    add_account_through_consent, configure_host_for_emulator, first_row_miss, median, target_line,
    Browser, EmulatorProcess, ExtensionBrowser, HarnessError, HostSetup, Result,
};
use serde_json::{json, Value};

/// What every Gmail call waits before its answer: a round trip to Google from a good connection.
const LATENCY_MS: u64 = 50;
/// Generated threads per account: 3 accounts get 320 (issue 17's 300+), 20 get 120 (the seed stays quick).
fn threads_for(accounts: usize) -> usize {
    if accounts <= 3 {
        320
    } else {
        120
    }
}
/// Searches per account count, each a different query with results in every account.
const SEARCHES: [&str; 5] = [
    "is:unread",
    "from:marek",
    "subject:invoice",
    "category:promotions",
    "is:starred",
];
/// Load-more rounds measured.
const ROUNDS: usize = 6;
/// Proposed (issue 17 sets none): with 50 ms per Gmail call, a search's first account on screen within half a
/// second and the last within two; a round of load more within half a second.
const FIRST_RESULTS_TARGET_MS: f64 = 500.0;
const LAST_RESULTS_TARGET_MS: f64 = 2_000.0;
const LOAD_MORE_TARGET_MS: f64 = 500.0;
/// A search asks each account for one page: `threads.list` and one batch of `threads.get` (issue 17's cost).
const SEARCH_REQUESTS_PER_ACCOUNT: f64 = 2.0;
/// Issue 5: an idle poll is 1 request and at most 2 quota units per account.
const IDLE_POLL_UNITS_PER_ACCOUNT: f64 = 2.0;
/// Issue 6: the popup's first row under 100 ms in Chromium.
const FIRST_ROW_TARGET_MS: f64 = 100.0;

const DEADLINE: Duration = Duration::from_secs(300);

/// Gmail HTTP requests (a batch counts once) and quota units since the last counter reset, every account.
fn usage(emulator: &EmulatorProcess) -> Result<(u64, u64)> {
    let counters = emulator.get("/_emulator/counters")?;
    let accounts = counters["accounts"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let calls: u64 = accounts
        .values()
        .flat_map(|a| a["requests"].as_object().cloned().unwrap_or_default())
        .filter(|(method, _)| method.starts_with("gmail.") || method == "batch")
        .map(|(_, n)| n.as_u64().unwrap_or(0))
        .sum();
    let batch_parts: u64 = counters["batch_sizes"]
        .as_array()
        .map(|sizes| sizes.iter().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    let units = accounts
        .values()
        .map(|a| a["quota_units"].as_u64().unwrap_or(0))
        .sum();
    Ok((calls.saturating_sub(batch_parts), units))
}

/// Starts a search from the box as Enter does and watches, in the page, for the first row of its results and
/// for the moment no account is searching any more.
const START_SEARCH: &str = r#"
const q = arguments[0];
const t = { start: 0, first: 0, last: 0, rows: 0, lastAnswer: 0 };
window.gmuxBench = t;
// When each account's answer reaches the page (its runtime message's reply), apart from when it is drawn.
for (const api of [globalThis.browser, globalThis.chrome]) {
  if (!api || !api.runtime || api.runtime.gmuxBenchWrapped) continue;
  const send = api.runtime.sendMessage.bind(api.runtime);
  api.runtime.sendMessage = (message) => {
    const bench = window.gmuxBench;
    const listing = JSON.stringify(message).includes('list_page');
    return send(message).then(reply => {
      if (listing && bench) bench.lastAnswer = performance.now();
      return reply;
    });
  };
  api.runtime.gmuxBenchWrapped = true;
}
const title = `Results for \u201c${q}\u201d`;
const check = () => {
  const shown = document.querySelector('#tabs .view-title');
  if (!shown || shown.textContent !== title) return;
  const rows = document.querySelectorAll('#inbox .row').length;
  if (rows > 0 && !t.first) t.first = performance.now();
  const loading = document.querySelector('#accounts [data-progress=loading]')
    || document.getElementById('list-foot').dataset.state === 'loading';
  if (!loading && rows > 0 && !t.last) { t.last = performance.now(); t.rows = rows; observer.disconnect(); }
};
const observer = new MutationObserver(check);
observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
const box = document.getElementById('search');
box.focus();
box.value = q;
t.start = performance.now();
box.dispatchEvent(new Event('input', { bubbles: true }));
box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
return true;
"#;

/// Scrolls the list to its end and watches for its next rows.
const LOAD_MORE: &str = r#"
const before = document.querySelectorAll('#inbox .row').length;
const t = { start: performance.now(), done: 0, added: 0 };
window.gmuxBench = t;
const check = () => {
  const rows = document.querySelectorAll('#inbox .row').length;
  if (rows > before && document.getElementById('list-foot').dataset.state !== 'loading' && !t.done) {
    t.done = performance.now(); t.added = rows - before; observer.disconnect();
  }
};
const observer = new MutationObserver(check);
observer.observe(document.body, { subtree: true, childList: true, attributes: true });
const area = document.querySelector('.inbox-area');
area.scrollTop = area.scrollHeight;
return document.getElementById('list-foot').dataset.state || '';
"#;

fn wait_for_bench(instance: &ExtensionBrowser, key: &str) -> Result<Value> {
    let until = Instant::now() + DEADLINE;
    loop {
        let t = instance.session.execute("return window.gmuxBench;", &[])?;
        if t[key].as_f64().is_some_and(|v| v > 0.0) {
            return Ok(t);
        }
        if Instant::now() > until {
            return Err(HarnessError::Timeout {
                what: format!("the page's {key}"),
                last: t.to_string(),
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn measure(browser: Browser, accounts: usize) -> Result<()> {
    let name = browser.name();
    let threads = threads_for(accounts);
    let emails: Vec<String> = (0..accounts).map(|a| format!("v{a}@views.test")).collect();
    let emulator = EmulatorProcess::start_seeded(&views_seed(&emails, threads))?;
    emulator.post(
        "/_emulator/settings",
        json!({"quota_units_per_minute": 100_000_000}),
    )?;
    let host_env = [emulator.private_keyring("bench-views", name)];
    let mut instance =
        ExtensionBrowser::launch_prepared(browser, HostSetup::Installed, &host_env, |wrapper| {
            configure_host_for_emulator(wrapper, emulator.base_url())?;
            for email in &emails {
                add_account_through_consent(wrapper, email)?;
            }
            Ok(())
        })?;
    instance.session.set_window_size(1100, 900)?;
    instance.open_extension_page("options.html")?;
    instance.wait_for_storage("every account synced", DEADLINE, |local| {
        gmux_e2e::all_synced(local, accounts)
    })?;
    // The poll alarm must not land in a measurement.
    instance.send_intent(json!({"type": "set_poll", "seconds": 1800}))?;

    // Idle poll: nothing changed since the first sync.
    emulator.post("/_emulator/counters/reset", json!({}))?;
    let reply = instance.send_intent(json!({"type": "sync_now"}))?;
    if reply["ok"] != true {
        return Err(HarnessError::Unexpected(format!("sync_now: {reply}")));
    }
    let (poll_requests, poll_units) = usage(&emulator)?;
    let per_account = |n: u64| n as f64 / accounts as f64;

    // The popup's first row from the store these accounts synced.
    let mut first_rows = Vec::new();
    for _ in 0..10 {
        let view = instance.open_inbox_page("popup.html", |v| v.first_row_ms.is_some())?;
        first_rows.push(instance.first_row_timing(&view)?);
        // As a person's popup lives: long enough to save its first screen, which the next one shows (without
        // this wait no load saved one, and every load measured the page drawing from its wasm alone).
        instance.wait_for_first_screen_saved("popup.html")?;
    }
    let of = |f: fn(&gmux_e2e::FirstRowTiming) -> f64| {
        median(&first_rows.iter().map(f).collect::<Vec<_>>())
    };
    let (first_row, wasm, store) = (
        of(|t| t.first_row_ms),
        of(|t| t.wasm_ready_ms),
        of(|t| t.store_read_ms),
    );

    // Every HTTP request waits: a batch once (its parts are answered together), a list call once.
    let latency: Vec<Value> = [
        "batch",
        "gmail.users.threads.list",
        "gmail.users.labels.list",
        "gmail.users.history.list",
    ]
    .iter()
    .map(|method| json!({"method": method, "latency_ms": LATENCY_MS}))
    .collect();
    emulator.post("/_emulator/faults", json!(latency))?;
    instance.open_inbox_page("popup.html", |v| v.badges.len() == accounts)?;
    let mut firsts = Vec::new();
    let mut lasts = Vec::new();
    let mut answers = Vec::new();
    let mut requests = Vec::new();
    let mut units = Vec::new();
    let mut rows = Vec::new();
    for query in SEARCHES {
        emulator.post("/_emulator/counters/reset", json!({}))?;
        instance.session.execute(START_SEARCH, &[json!(query)])?;
        let t = wait_for_bench(&instance, "last")?;
        let at = |k: &str| t[k].as_f64().unwrap_or(f64::NAN);
        firsts.push(at("first") - at("start"));
        lasts.push(at("last") - at("start"));
        answers.push(at("lastAnswer") - at("start"));
        rows.push(at("rows"));
        let (r, u) = usage(&emulator)?;
        requests.push(r as f64);
        units.push(u as f64);
    }

    // Load more in All Mail, round after round.
    instance.click_css("#labels-button")?;
    let all_mail = "#picker-list .picker-entry[data-path=\"ALL_MAIL\"]";
    let until = Instant::now() + DEADLINE;
    while instance.session.find_css(all_mail).is_err() {
        if Instant::now() > until {
            return Err(HarnessError::Unexpected("no All Mail in the picker".into()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    instance.click_css(all_mail)?;
    instance.wait_for_views("All Mail's first pages", DEADLINE, |v, _| v.foot == "more")?;
    let mut rounds = Vec::new();
    let mut added = Vec::new();
    let mut round_requests = Vec::new();
    for _ in 0..ROUNDS {
        emulator.post("/_emulator/counters/reset", json!({}))?;
        let state = instance.session.execute(LOAD_MORE, &[])?;
        if state != "more" {
            break;
        }
        let t = wait_for_bench(&instance, "done")?;
        rounds.push(t["done"].as_f64().unwrap_or(f64::NAN) - t["start"].as_f64().unwrap_or(0.0));
        added.push(t["added"].as_f64().unwrap_or(0.0));
        // A round that had to ask Gmail (the rows fetched before ran out) waits for its requests; one that had
        // them only draws.
        round_requests.push(usage(&emulator)?.0);
    }

    let (first, last, last_answer) = (median(&firsts), median(&lasts), median(&answers));
    let (search_requests, search_units) = (median(&requests), median(&units));
    println!(
        "{name}: {accounts} accounts x {threads} generated threads, every Gmail call answered after {LATENCY_MS} ms"
    );
    println!(
        "{name}   search across {accounts} accounts (median of {} queries: {}): first account's results on screen \
         {first:.0} ms after Enter, the last account's {last:.0} ms (its answer in the page at {last_answer:.0} \
         ms); {search_requests:.0} Gmail requests and \
         {search_units:.0} quota units per search ({:.1} requests, {:.0} units per account); {:.0} rows shown",
        SEARCHES.len(),
        SEARCHES.join(", "),
        search_requests / accounts as f64,
        search_units / accounts as f64,
        median(&rows)
    );
    println!(
        "{}",
        target_line(
            &format!("{name} {accounts} accounts: first account's results within {FIRST_RESULTS_TARGET_MS:.0} ms (proposed)"),
            first < FIRST_RESULTS_TARGET_MS,
            || "Why: a search waits for threads.list, then one batch of threads.get, each one round trip; the \
                first account also waits for the page's message to wake the background. To close it: show the \
                ids' rows from threads.list's snippets before the batch answers".to_string()
        )
    );
    println!(
        "{}",
        target_line(
            &format!("{name} {accounts} accounts: last account's results within {LAST_RESULTS_TARGET_MS:.0} ms (proposed)"),
            last < LAST_RESULTS_TARGET_MS,
            || format!(
                "Why: the last account's answer reached the page {last_answer:.0} ms after Enter and was drawn \
                 {:.0} ms later. A browser opens at most six HTTP/1.1 connections to one host, so over the \
                 emulator the {accounts} accounts' threads.list and batch requests ({LATENCY_MS} ms each) go six \
                 at a time; Gmail's HTTP/2 carries them all on one connection. To close it: if the answers \
                 dominate, measure against an HTTP/2 server; if the draw does, draw less of the list per answer",
                last - last_answer
            )
        )
    );
    println!(
        "{}",
        target_line(
            &format!("{name} {accounts} accounts: at most {SEARCH_REQUESTS_PER_ACCOUNT:.0} requests per account per search"),
            search_requests / accounts as f64 <= SEARCH_REQUESTS_PER_ACCOUNT,
            || "Why: more than one threads.list and one batch per account; see the emulator's per-method \
                counters".to_string()
        )
    );
    println!(
        "{name}   load more in All Mail: median {:.0} ms per round from scrolling to the end to the next rows on \
         screen ({} rounds: {}; rows added per round: {}; Gmail requests per round: {})",
        median(&rounds),
        rounds.len(),
        rounds
            .iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(", "),
        added
            .iter()
            .map(|a| format!("{a:.0}"))
            .collect::<Vec<_>>()
            .join(", "),
        round_requests
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "{}",
        target_line(
            &format!("{name} {accounts} accounts: a round of load more within {LOAD_MORE_TARGET_MS:.0} ms (proposed)"),
            median(&rounds) < LOAD_MORE_TARGET_MS,
            || "Why: a round waits for the accounts that hold the line, each a threads.list and a batch. To \
                close it: ask for the next page before the list's end is near (a larger look-ahead)".to_string()
        )
    );
    println!(
        "{name}   stored inbox, as before: idle poll {poll_requests} requests and {poll_units} quota units ({:.1} and \
         {:.1} per account); popup first row from the synced store median {first_row:.0} ms over {} loads (wasm \
         running at {wasm:.0} ms, store read at {store:.0} ms)",
        per_account(poll_requests),
        per_account(poll_units),
        first_rows.len()
    );
    println!(
        "{}",
        target_line(
            &format!("{name} {accounts} accounts: idle poll 1 request and at most {IDLE_POLL_UNITS_PER_ACCOUNT:.0} quota units per account (issue 5)"),
            per_account(poll_requests) <= 1.0 && per_account(poll_units) <= IDLE_POLL_UNITS_PER_ACCOUNT,
            || "Why: an idle poll sent more than one history.list per account. To close it: see the emulator's \
                per-method counters".to_string()
        )
    );
    if browser == Browser::Chromium {
        println!(
            "{}",
            target_line(
                &format!("{name} {accounts} accounts: popup first row under {FIRST_ROW_TARGET_MS:.0} ms (issue 6)"),
                first_row < FIRST_ROW_TARGET_MS,
                || first_row_miss(first_row, wasm, store)
            )
        );
    }
    Ok(())
}

fn main() -> Result<()> {
    let mut sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    if sizes.is_empty() {
        sizes = vec![3, 20];
    }
    for accounts in sizes {
        for browser in [Browser::Chromium, Browser::Firefox] {
            measure(browser, accounts)?;
        }
    }
    Ok(())
}
