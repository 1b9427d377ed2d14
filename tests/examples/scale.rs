//! Prints what 20 accounts x 1,000 inbox threads cost in each browser: gmux-emulator seeded with that mail, the
//! real gmux-host with every account added through the real OAuth flow, the built extension.
//! - first sync: browser start to every account synced (the last account's `last_good_sync_ms`), and its Gmail
//!   requests and quota units by the emulator's counters;
//! - idle poll: requests and quota units of a `sync_now` when nothing changed;
//! - the background's memory: Chromium, the service worker's used JS heap after a garbage collection (DevTools
//!   protocol on the browser's own debugging port); Firefox, the extension process's resident memory
//!   (`ChromeUtils.requestProcInfo`), which holds the background and the open page, since Firefox has no per-context
//!   JS heap figure reachable from WebDriver;
//! - the store's size in `storage.local` (bytes of its JSON) and the popup's first row drawn from it.
//!
//! `cargo run -p gmux-e2e --example scale -- [ACCOUNTS THREADS LOADS]` (default 20 1000 10). Needs
//! `cargo xtask dist`, a built gmux-host (`GMUX_HOST_BIN`) and gmux-emulator (`GMUX_EMULATOR_BIN`), and a
//! Secret Service.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use gmux_e2e::{
    add_account_through_consent, configure_host_for_emulator, first_row_miss, median, target_line,
    unix_now_ms, Browser, EmulatorProcess, ExtensionBrowser, HarnessError, HostSetup, Result,
};
use serde_json::{json, Value};

/// Issue 5: a first sync costs at most 3 requests per account; an idle poll 1 request and 2 quota units.
const FIRST_SYNC_REQUESTS_PER_ACCOUNT: f64 = 3.0;
const IDLE_POLL_REQUESTS_PER_ACCOUNT: f64 = 1.0;
const IDLE_POLL_UNITS_PER_ACCOUNT: f64 = 2.0;
/// Issue 8 sets none; proposed: every account synced within 10 s of the browser starting.
const FIRST_SYNC_TARGET_MS: u64 = 10_000;
/// Issue 8 sets none; proposed: the background under 50 MiB, a tenth of what a Gmail tab holds.
const BACKGROUND_TARGET_MIB: f64 = 50.0;
/// Chrome's `storage.local` quota without the `unlimitedStorage` permission, which gmux does not ask for.
const STORE_QUOTA_BYTES: usize = 10 * 1024 * 1024;
/// Issue 6's first-row target, held at scale.
const FIRST_ROW_TARGET_MS: f64 = 100.0;

/// Twenty first syncs, a host start and a wasm start on a loaded machine.
const SYNC_DEADLINE: Duration = Duration::from_secs(300);

struct Scale {
    accounts: usize,
    threads: usize,
    loads: usize,
}

fn email(a: usize) -> String {
    format!("scale{a}@gmux.test")
}

/// `accounts` x `threads` inbox threads of one message each (dates an hour apart, the emulator's default), every
/// third unread. A seed file loads once at start, where delivering each message through the control API would be
/// one HTTP request per message.
fn seed(scale: &Scale) -> Value {
    let accounts: Vec<Value> = (0..scale.accounts)
        .map(|a| {
            let threads: Vec<Value> = (0..scale.threads)
                .map(|t| {
                    let labels = if t % 3 == 0 {
                        json!(["INBOX", "UNREAD"])
                    } else {
                        json!(["INBOX"])
                    };
                    json!({"messages": [{
                        "from": format!("Sender {} <sender{}@example.org>", t % 37, t % 37),
                        "subject": format!("Thread {t} for account {a}: quarterly numbers and a lunch plan"),
                        "text": format!("Message {t}: a short body, as most mail is, with a line or two of text."),
                        "labels": labels,
                    }]})
                })
                .collect();
            json!({"email": email(a), "threads": threads})
        })
        .collect();
    json!({ "accounts": accounts })
}

/// HTTP requests to the Gmail API (a batch counts once, its parts not at all, as the sync engine bench counts
/// them) and quota units, over every account since the last counter reset.
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

/// One DevTools protocol command over a websocket (`ws://127.0.0.1:PORT/devtools/...`), answered by its id: just
/// enough of RFC 6455 for a loopback client (text frames, masked out, unmasked in).
struct DevTools {
    stream: TcpStream,
    next_id: u64,
}

impl DevTools {
    fn connect(ws_url: &str) -> Result<DevTools> {
        let rest = ws_url
            .strip_prefix("ws://")
            .ok_or_else(|| HarnessError::Unexpected(format!("not a ws URL: {ws_url}")))?;
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let mut stream =
            TcpStream::connect(authority).map_err(HarnessError::io("connecting to DevTools"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .map_err(HarnessError::io("DevTools timeout"))?;
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: Z211eC1iZW5jaC1kZXZ0b29s\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        stream
            .write_all(request.as_bytes())
            .map_err(HarnessError::io("DevTools handshake"))?;
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream
                .read_exact(&mut byte)
                .map_err(HarnessError::io("DevTools handshake answer"))?;
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head);
        if !head.starts_with("HTTP/1.1 101") {
            return Err(HarnessError::Unexpected(format!(
                "DevTools refused: {head}"
            )));
        }
        Ok(DevTools { stream, next_id: 1 })
    }

    fn call(&mut self, method: &str, params: Value) -> Result<Value> {
        let id = self.next_id;
        self.next_id += 1;
        let payload = json!({"id": id, "method": method, "params": params}).to_string();
        let mut frame = vec![0x81u8];
        let len = payload.len();
        if len < 126 {
            frame.push(0x80 | len as u8);
        } else {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(len as u16).to_be_bytes());
        }
        let mask = [0x67u8, 0x6d, 0x75, 0x78];
        frame.extend_from_slice(&mask);
        frame.extend(payload.bytes().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream
            .write_all(&frame)
            .map_err(HarnessError::io("DevTools send"))?;
        loop {
            let message = self.read_message()?;
            let Ok(value) = serde_json::from_slice::<Value>(&message) else {
                continue;
            };
            if value["id"] == id {
                return match value.get("result") {
                    Some(result) => Ok(result.clone()),
                    None => Err(HarnessError::Unexpected(format!("{method}: {value}"))),
                };
            }
        }
    }

    /// One whole message, its fragments joined.
    fn read_message(&mut self) -> Result<Vec<u8>> {
        let mut message = Vec::new();
        loop {
            let mut head = [0u8; 2];
            self.read(&mut head)?;
            let len = match head[1] & 0x7f {
                126 => {
                    let mut ext = [0u8; 2];
                    self.read(&mut ext)?;
                    u16::from_be_bytes(ext) as usize
                }
                127 => {
                    let mut ext = [0u8; 8];
                    self.read(&mut ext)?;
                    u64::from_be_bytes(ext) as usize
                }
                n => n as usize,
            };
            let mut payload = vec![0u8; len];
            self.read(&mut payload)?;
            message.extend_from_slice(&payload);
            if head[0] & 0x80 != 0 {
                return Ok(message);
            }
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> Result<()> {
        self.stream
            .read_exact(buf)
            .map_err(HarnessError::io("DevTools read"))
    }
}

/// What the background service worker holds after a garbage collection, in bytes.
struct WorkerHeap {
    /// The JS heap in use.
    js_used: u64,
    /// The wasm modules' linear memories, which live outside the JS heap.
    wasm: u64,
}

/// Chromium: the background service worker's heap, after a garbage collection.
fn chromium_background_heap(instance: &ExtensionBrowser) -> Result<WorkerHeap> {
    // chromedriver starts Chromium with --remote-debugging-port=0; Chromium writes the port it took here.
    let file = instance.scratch_dir().join("profile/DevToolsActivePort");
    let text = std::fs::read_to_string(&file)
        .map_err(HarnessError::io(format!("reading {}", file.display())))?;
    let port = text.lines().next().unwrap_or_default().trim().to_string();
    let targets: Value = ureq::get(&format!("http://127.0.0.1:{port}/json/list"))
        .call()
        .map_err(|e| HarnessError::Unexpected(format!("DevTools targets: {e}")))?
        .into_json()
        .map_err(HarnessError::io("reading the DevTools targets"))?;
    let worker = targets
        .as_array()
        .and_then(|all| {
            all.iter().find(|t| {
                t["type"] == "service_worker"
                    && t["url"]
                        .as_str()
                        .is_some_and(|u| u.ends_with("/background.js"))
            })
        })
        .and_then(|t| t["webSocketDebuggerUrl"].as_str())
        .ok_or_else(|| HarnessError::Unexpected(format!("no background worker in {targets}")))?
        .to_string();
    let mut devtools = DevTools::connect(&worker)?;
    devtools.call("HeapProfiler.collectGarbage", json!({}))?;
    let heap = devtools.call("Runtime.getHeapUsage", json!({}))?;
    // The glue keeps its WebAssembly.Memory private to its module; the protocol finds every live one by prototype.
    let prototype = devtools.call(
        "Runtime.evaluate",
        json!({"expression": "WebAssembly.Memory.prototype"}),
    )?;
    let memories = devtools.call(
        "Runtime.queryObjects",
        json!({"prototypeObjectId": prototype["result"]["objectId"]}),
    )?;
    let wasm = devtools.call(
        "Runtime.callFunctionOn",
        json!({
            "objectId": memories["objects"]["objectId"],
            "functionDeclaration": "function () { return this.reduce((n, m) => n + m.buffer.byteLength, 0); }",
            "returnByValue": true,
        }),
    )?;
    Ok(WorkerHeap {
        js_used: heap["usedSize"].as_f64().unwrap_or(0.0) as u64,
        wasm: wasm["result"]["value"].as_f64().unwrap_or(0.0) as u64,
    })
}

/// Firefox: the resident memory of the extension process(es), in bytes.
fn firefox_extension_process_memory(instance: &ExtensionBrowser) -> Result<u64> {
    let value = instance.session.firefox_chrome_script(
        "return ChromeUtils.requestProcInfo().then((info) =>
           info.children.filter((c) => c.type === 'extension').map((c) => c.memory));",
    )?;
    let all: Vec<u64> = value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    if all.is_empty() {
        return Err(HarnessError::Unexpected(format!(
            "no extension process in {value}"
        )));
    }
    Ok(all.iter().sum())
}

fn synced(local: &Value, accounts: usize) -> bool {
    local["inbox"]["accounts"].as_array().is_some_and(|all| {
        all.len() == accounts
            && all
                .iter()
                .all(|a| a["account"]["health"] == "ok" && a["history_id"].is_string())
    })
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

fn measure(browser: Browser, scale: &Scale) -> Result<()> {
    let name = browser.name();
    let seed = seed(scale);
    let loading = Instant::now();
    let emulator = EmulatorProcess::start_seeded(&seed)?;
    let seed_ms = loading.elapsed().as_millis();
    drop(seed);
    let host_env = [emulator.private_keyring("bench-scale", name)];
    let mut browser_start_ms = 0;
    let adding = Instant::now();
    let mut adding_ms = 0;
    let mut instance =
        ExtensionBrowser::launch_prepared(browser, HostSetup::Installed, &host_env, |wrapper| {
            configure_host_for_emulator(wrapper, emulator.base_url())?;
            for a in 0..scale.accounts {
                add_account_through_consent(wrapper, &email(a))?;
            }
            adding_ms = adding.elapsed().as_millis();
            browser_start_ms = unix_now_ms();
            Ok(())
        })?;
    let browser_up_ms = unix_now_ms().saturating_sub(browser_start_ms);
    instance.open_extension_page("options.html")?;
    let local = instance.wait_for_storage(
        &format!("{} accounts synced", scale.accounts),
        SYNC_DEADLINE,
        |local| synced(local, scale.accounts),
    )?;
    let last_synced = local["inbox"]["accounts"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(|a| a["account"]["last_good_sync_ms"].as_u64())
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0);
    let (first_requests, first_units) = usage(&emulator)?;
    let rows: usize = local["inbox"]["accounts"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|a| a["threads"].as_array().map_or(0, Vec::len))
                .sum()
        })
        .unwrap_or(0);
    let store_bytes = local["inbox"].to_string().len();

    emulator.post("/_emulator/counters/reset", json!({}))?;
    let reply = instance.send_intent(json!({"type": "sync_now"}))?;
    if reply["ok"] != true {
        return Err(HarnessError::Unexpected(format!("sync_now: {reply}")));
    }
    let (poll_requests, poll_units) = usage(&emulator)?;

    let (memory, background_mib) = match browser {
        Browser::Chromium => {
            let heap = chromium_background_heap(&instance)?;
            let all = mib(heap.js_used + heap.wasm);
            (
                format!(
                    "background service worker after a GC: JS heap {:.1} MiB used, wasm memory {:.1} MiB; {all:.1} \
                     MiB in all",
                    mib(heap.js_used),
                    mib(heap.wasm),
                ),
                Some(all),
            )
        }
        Browser::Firefox => (
            format!(
                "extension process resident memory {:.1} MiB (the background and the open options page together; \
                 Firefox exposes no per-context JS heap to WebDriver)",
                mib(firefox_extension_process_memory(&instance)?)
            ),
            None,
        ),
    };

    let mut timings = Vec::with_capacity(scale.loads);
    for _ in 0..scale.loads {
        let view = instance.open_inbox_page("popup.html", |v| v.first_row_ms.is_some())?;
        timings.push(instance.first_row_timing(&view)?);
        // As a person's popup lives: long enough to save its first screen, which the next one shows (without
        // this wait no load saved one, and every load measured the page drawing from its wasm alone).
        instance.wait_for_first_screen_saved("popup.html")?;
    }
    let of = |f: fn(&gmux_e2e::FirstRowTiming) -> f64| {
        median(&timings.iter().map(f).collect::<Vec<_>>())
    };
    let (first_row, wasm, store) = (
        of(|t| t.first_row_ms),
        of(|t| t.wasm_ready_ms),
        of(|t| t.store_read_ms),
    );

    let (a, t) = (scale.accounts, scale.threads);
    let per_account = |n: u64| n as f64 / a as f64;
    let first_sync_ms = last_synced.saturating_sub(browser_start_ms);
    println!(
        "{name}: {a} accounts x {t} threads (seed loaded in {seed_ms} ms; {a} accounts added through consent in \
         {adding_ms} ms)"
    );
    println!(
        "{name}   first sync: browser start to every account synced {first_sync_ms} ms (browser and extension up at \
         {browser_up_ms} ms); {first_requests} Gmail requests, {first_units} quota units ({:.1} requests, {:.0} \
         units per account)",
        per_account(first_requests),
        per_account(first_units)
    );
    println!(
        "{}",
        target_line(
            &format!("{name} first sync within {} s of the browser starting (proposed; issue 8 sets none)", FIRST_SYNC_TARGET_MS / 1000),
            first_sync_ms < FIRST_SYNC_TARGET_MS,
            || format!(
                "Why: {browser_up_ms} ms of it is the browser starting with the extension; the other {} ms are \
                 the background starting, gmux-host starting and reading {a} keyring entries, and {a} first syncs. \
                 To close it: the browser's start is not gmux's; for gmux's part, time the background's own steps \
                 (a timestamp per step in the status it writes) to see which one dominates",
                first_sync_ms.saturating_sub(browser_up_ms)
            )
        )
    );
    println!(
        "{}",
        target_line(
            &format!("{name} first sync at most {FIRST_SYNC_REQUESTS_PER_ACCOUNT:.0} requests per account (issue 5)"),
            per_account(first_requests) <= FIRST_SYNC_REQUESTS_PER_ACCOUNT,
            || "Why: more than the profile, list and batch of one page per account were sent; see the emulator's \
                per-method counters. To close it: find which call repeats".to_string()
        )
    );
    println!(
        "{name}   idle poll: {poll_requests} requests, {poll_units} quota units ({:.1} requests, {:.1} units per \
         account; the naive poll re-reads the list and every thread: see the sync engine bench)",
        per_account(poll_requests),
        per_account(poll_units)
    );
    println!(
        "{}",
        target_line(
            &format!(
                "{name} idle poll {IDLE_POLL_REQUESTS_PER_ACCOUNT:.0} request and at most \
                 {IDLE_POLL_UNITS_PER_ACCOUNT:.0} quota units per account (issue 5)"
            ),
            per_account(poll_requests) <= IDLE_POLL_REQUESTS_PER_ACCOUNT
                && per_account(poll_units) <= IDLE_POLL_UNITS_PER_ACCOUNT,
            || {
                "Why: an idle poll sent more than one history.list per account. To close it: see the emulator's \
                per-method counters for the extra call".to_string()
            }
        )
    );
    println!("{name}   memory: {memory}");
    if let Some(background) = background_mib {
        println!(
            "{}",
            target_line(
                &format!("{name} background under {BACKGROUND_TARGET_MIB:.0} MiB (proposed; issue 8 sets none)"),
                background < BACKGROUND_TARGET_MIB,
                || "Why: the store of every account and the sync engine's state are held in the wasm memory. To \
                    close it: keep fewer rows per account in memory than in storage".to_string()
            )
        );
    }
    println!(
        "{name}   store in storage.local: {store_bytes} bytes of JSON ({:.2} MiB, {rows} rows)",
        mib(store_bytes as u64)
    );
    println!(
        "{}",
        target_line(
            &format!("{name} store under Chrome's 10 MiB storage.local quota"),
            store_bytes < STORE_QUOTA_BYTES,
            || {
                "Why: every account's rows are stored with their snippets. To close it: store fewer rows per \
                account, or ask for unlimitedStorage".to_string()
            }
        )
    );
    println!(
        "{name}   popup first row from that store: median {first_row:.0} ms over {} loads (wasm running at {wasm:.0} \
         ms, store read at {store:.0} ms)",
        timings.len()
    );
    if browser == Browser::Chromium {
        println!(
            "{}",
            target_line(
                &format!("{name} popup first row under {FIRST_ROW_TARGET_MS:.0} ms with this store (issue 6's target)"),
                first_row < FIRST_ROW_TARGET_MS,
                || first_row_miss(first_row, wasm, store)
            )
        );
    }
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let scale = Scale {
        accounts: args.first().copied().unwrap_or(20),
        threads: args.get(1).copied().unwrap_or(1000),
        loads: args.get(2).copied().unwrap_or(10),
    };
    for browser in [Browser::Chromium, Browser::Firefox] {
        measure(browser, &scale)?;
    }
    Ok(())
}
