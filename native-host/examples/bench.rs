//! Measures gmux-host over real pipes against gmux-emulator and the OS keyring:
//! cached `token.get` round trip (p50, p99), host start to first reply, refreshes under concurrency, and refreshes
//! over a long run with short-lived tokens, many askers and two host processes against the ideal.
//!
//! Run (needs a Secret Service; `cargo xtask bench` does this):
//!   cargo build --release -p gmux-host --bins --examples
//!   dbus-run-session -- bash tests/with-secret-service.sh target/release/examples/bench [--json] [--long SECS]
//! `--long SECS` sets the long run's length (default 60; 0 skips it).
//! `GMUX_HOST_BIN` overrides the host binary (default: `gmux-host` next to this example's folder).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use gmux_emulator::{Emulator, EmulatorConfig};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

struct Host {
    child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
    next_id: u64,
}

fn host_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("GMUX_HOST_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .and_then(|examples| examples.parent())
        .unwrap()
        .join("gmux-host")
}

struct Env {
    dir: tempfile::TempDir,
    service: String,
}

impl Env {
    fn command(&self) -> Command {
        self.command_with_margin(30)
    }

    /// The host refreshes a token once it has less than `margin_secs` left.
    fn command_with_margin(&self, margin_secs: u64) -> Command {
        let mut c = Command::new(host_bin());
        c.env("GMUX_CONFIG_DIR", self.dir.path().join("config"))
            .env("GMUX_STATE_DIR", self.dir.path().join("state"))
            .env("GMUX_KEYRING_SERVICE", &self.service)
            .env("GMUX_REFRESH_MARGIN_SECS", margin_secs.to_string());
        c
    }

    fn start(&self) -> Host {
        let mut child = self
            .command()
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        Host {
            stdin: child.stdin.take().unwrap(),
            stdout: child.stdout.take().unwrap(),
            child,
            next_id: 1,
        }
    }
}

impl Host {
    fn send(&mut self, method: &str, params: Value) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let body = json!({"id": id, "method": method, "params": params}).to_string();
        let mut frame = (body.len() as u32).to_ne_bytes().to_vec();
        frame.extend_from_slice(body.as_bytes());
        self.stdin.write_all(&frame).unwrap();
        self.stdin.flush().unwrap();
        id
    }

    fn read(&mut self) -> Value {
        let mut len = [0u8; 4];
        self.stdout.read_exact(&mut len).unwrap();
        let mut buf = vec![0u8; u32::from_ne_bytes(len) as usize];
        self.stdout.read_exact(&mut buf).unwrap();
        serde_json::from_slice(&buf).unwrap()
    }

    /// Replies to all of `ids`, in whatever order they come.
    fn replies(&mut self, ids: &[u64]) -> Vec<Value> {
        let mut seen: HashMap<u64, Value> = HashMap::new();
        while seen.len() < ids.len() {
            let v = self.read();
            if let Some(id) = v["id"].as_u64().filter(|id| ids.contains(id)) {
                assert!(v.get("result").is_some(), "{v}");
                seen.insert(id, v);
            }
        }
        ids.iter().filter_map(|id| seen.remove(id)).collect()
    }

    /// The reply to `id`, skipping events (only when nothing else is in flight).
    fn reply(&mut self, id: u64) -> Value {
        loop {
            let v = self.read();
            if v["id"] == id {
                return v;
            }
        }
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.send(method, params);
        let reply = self.reply(id);
        reply
            .get("result")
            .cloned()
            .unwrap_or_else(|| panic!("{method}: {reply}"))
    }

    fn close(mut self) {
        drop(self.stdin);
        let _ = self.child.wait();
    }
}

fn add_account(host: &mut Host, email: &str) -> String {
    let started = host.call("accounts.add", json!({"login_hint": email}));
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let r = agent
        .get(started["consent_url"].as_str().unwrap())
        .call()
        .unwrap();
    let location = r.header("Location").unwrap().to_string();
    agent.get(&location).call().unwrap();
    loop {
        let v = host.read();
        if v["event"] == "accounts.added" {
            return v["data"]["account"]["id"].as_str().unwrap().to_string();
        }
        assert!(v["event"] != "accounts.add_failed", "{v}");
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn control(emu: &Emulator, path: &str, body: Value) -> Value {
    ureq::post(&format!("{}/_emulator/{path}", emu.base_url()))
        .send_json(body)
        .unwrap()
        .into_json()
        .unwrap()
}

fn total_refreshes(emu: &Emulator) -> u64 {
    let counters: Value = ureq::get(&format!("{}/_emulator/counters", emu.base_url()))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    counters["accounts"]
        .as_object()
        .unwrap()
        .values()
        .map(|a| a["token_refreshes"].as_u64().unwrap_or(0))
        .sum()
}

/// A host many threads ask at once: requests go out under a lock, and a reader thread hands each reply to
/// whoever sent its id, as the extension's port multiplexes the background's callers.
struct SharedHost {
    child: Child,
    stdin: Mutex<Option<ChildStdin>>,
    next_id: AtomicU64,
    waiting: Arc<Mutex<HashMap<u64, mpsc::Sender<Value>>>>,
    reader: std::thread::JoinHandle<()>,
}

impl SharedHost {
    fn start(env: &Env, margin_secs: u64) -> SharedHost {
        let mut child = env
            .command_with_margin(margin_secs)
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let waiting: Arc<Mutex<HashMap<u64, mpsc::Sender<Value>>>> = Arc::default();
        let routes = waiting.clone();
        let reader = std::thread::spawn(move || loop {
            let mut len = [0u8; 4];
            if stdout.read_exact(&mut len).is_err() {
                return;
            }
            let mut buf = vec![0u8; u32::from_ne_bytes(len) as usize];
            if stdout.read_exact(&mut buf).is_err() {
                return;
            }
            let v: Value = serde_json::from_slice(&buf).unwrap();
            // Events (no id) are not for anyone here.
            if let Some(id) = v["id"].as_u64() {
                if let Some(asker) = routes.lock().unwrap().remove(&id) {
                    let _ = asker.send(v);
                }
            }
        });
        SharedHost {
            child,
            stdin: Mutex::new(Some(stdin)),
            next_id: AtomicU64::new(1),
            waiting,
            reader,
        }
    }

    fn call(&self, method: &str, params: Value) -> Value {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel();
        self.waiting.lock().unwrap().insert(id, tx);
        let body = json!({"id": id, "method": method, "params": params}).to_string();
        let mut frame = (body.len() as u32).to_ne_bytes().to_vec();
        frame.extend_from_slice(body.as_bytes());
        {
            let mut stdin = self.stdin.lock().unwrap();
            let pipe = stdin.as_mut().unwrap();
            pipe.write_all(&frame).unwrap();
            pipe.flush().unwrap();
        }
        let reply = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("{method}: no reply: {e}"));
        reply
            .get("result")
            .cloned()
            .unwrap_or_else(|| panic!("{method}: {reply}"))
    }

    fn close(mut self) {
        drop(self.stdin.lock().unwrap().take());
        let _ = self.child.wait();
        let _ = self.reader.join();
    }
}

/// The long run's shape: two host processes (Chrome's and Firefox's), `askers` callers in each asking for every
/// account's token in turn, for `seconds`, with tokens that live `lifetime_secs` and a refresh margin.
struct LongRun {
    seconds: u64,
    lifetime_secs: u64,
    margin_secs: u64,
    askers: usize,
    /// Pause between one asker's calls: enough askers at this pace keep every account asked for many times a
    /// second without turning the bench into a CPU burner on a shared machine.
    pause: Duration,
}

struct LongRunResult {
    refreshes: u64,
    ideal: u64,
    calls: usize,
    latencies: Vec<Duration>,
    /// The least time any token handed out still had to live.
    least_left_ms: i64,
    seconds: f64,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn long_run(emu: &Emulator, env: &Env, emails: &[String], run: &LongRun) -> LongRunResult {
    // Stale tokens in the keyring (1 s from the consent), then short-lived ones from Google for the run.
    let mut adder = env.start();
    control(emu, "settings", json!({"access_token_lifetime_secs": 1}));
    let subs: Vec<String> = emails.iter().map(|e| add_account(&mut adder, e)).collect();
    adder.close();
    control(
        emu,
        "settings",
        json!({"access_token_lifetime_secs": run.lifetime_secs}),
    );
    control(emu, "counters/reset", json!({}));

    let hosts = [
        SharedHost::start(env, run.margin_secs),
        SharedHost::start(env, run.margin_secs),
    ];
    let start = Instant::now();
    let until = start + Duration::from_secs(run.seconds);
    let per_asker: Vec<(Vec<Duration>, i64)> = std::thread::scope(|scope| {
        let askers: Vec<_> = hosts
            .iter()
            .flat_map(|host| (0..run.askers).map(move |k| (host, k)))
            .map(|(host, k)| {
                let subs = &subs;
                scope.spawn(move || {
                    let mut latencies = Vec::new();
                    let mut least_left = i64::MAX;
                    let mut i = k;
                    while Instant::now() < until {
                        let t = Instant::now();
                        let token =
                            host.call("token.get", json!({"account": subs[i % subs.len()]}));
                        latencies.push(t.elapsed());
                        let left = token["expires_at_ms"].as_i64().unwrap() - now_ms();
                        least_left = least_left.min(left);
                        i += 1;
                        std::thread::sleep(run.pause);
                    }
                    (latencies, least_left)
                })
            })
            .collect();
        askers.into_iter().map(|a| a.join().unwrap()).collect()
    });
    let seconds = start.elapsed().as_secs_f64();
    let refreshes = total_refreshes(emu);
    for host in hosts {
        host.close();
    }
    // A token is good for lifetime - margin seconds before the host refreshes it; the first ask refreshes at once.
    let period = run.lifetime_secs - run.margin_secs;
    let ideal = emails.len() as u64 * (run.seconds / period + 1);
    let mut latencies: Vec<Duration> = per_asker.iter().flat_map(|(l, _)| l.clone()).collect();
    latencies.sort();
    LongRunResult {
        refreshes,
        ideal,
        calls: latencies.len(),
        least_left_ms: per_asker.iter().map(|(_, l)| *l).min().unwrap_or(0),
        latencies,
        seconds,
    }
}

/// Issue 4's targets: a cached token.get under 1 ms at the median, a host start to its first reply under 50 ms.
const CACHED_P50_TARGET_MS: f64 = 1.0;
const START_P50_TARGET_MS: f64 = 50.0;

/// One line judging a figure; `cargo xtask bench` lists the lines with `: MISSED.` at the top of BENCHMARKS.md.
fn target_line(target: &str, met: bool, why_missed: &str) -> String {
    if met {
        format!("  target {target}: met")
    } else {
        format!("  target {target}: MISSED. {why_missed}")
    }
}

fn verdicts(
    rtts: &[Duration],
    starts: &[Duration],
    concurrent: u64,
    two_processes: u64,
    long: Option<&LongRunResult>,
) -> Vec<String> {
    let mut lines = vec![
        target_line(
            &format!("cached token.get p50 under {CACHED_P50_TARGET_MS:.0} ms"),
            percentile(rtts, 0.5) < CACHED_P50_TARGET_MS,
            "Why: a cached token.get is a frame read, a map lookup and a frame write; a slow one means the machine \
             was busy or the reply waited on the keyring. To close it: check that the cache hit takes no keyring \
             or file lock",
        ),
        target_line(
            &format!("start to first reply p50 under {START_P50_TARGET_MS:.0} ms"),
            percentile(starts, 0.5) < START_P50_TARGET_MS,
            "Why: the host does more before answering hello than reading its config. To close it: answer hello \
             before opening the keyring or building the HTTP client",
        ),
        target_line(
            "one refresh per account under concurrency (5 of 5, in one process and in two)",
            concurrent == 5 && two_processes == 5,
            "Why: the per-account lock or the shared file lock let a second refresh through. To close it: see \
             native-host/src/tokens.rs",
        ),
    ];
    if let Some(l) = long {
        lines.push(target_line(
            "long run: refreshes at most the ideal (ratio 1.00)",
            l.refreshes <= l.ideal,
            "Why: some token was refreshed before its margin, or by two processes. To close it: compare the \
             emulator's refresh times per account with the token lifetimes; see native-host/src/tokens.rs",
        ));
    }
    lines
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let as_json = args.iter().any(|a| a == "--json");
    let long_seconds = args
        .iter()
        .position(|a| a == "--long")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.parse::<u64>().expect("--long takes whole seconds"))
        .unwrap_or(60);
    let seed = serde_json::from_value(json!({"accounts": (0..5).map(|n| json!({"email": format!("user{n}@example.com")})).collect::<Vec<_>>()})).unwrap();
    let emu = Emulator::start_blocking(EmulatorConfig {
        auto_consent: true,
        seed: Some(seed),
        ..Default::default()
    })
    .unwrap();
    let env = Env {
        dir: tempfile::tempdir().unwrap(),
        service: format!("gmux-bench-{}", std::process::id()),
    };
    let ok = env
        .command()
        .args(["configure", "--emulator", &emu.base_url()])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success());

    // Start to first reply: spawn, send hello, read the reply.
    let mut starts = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let mut host = env.start();
        host.call("hello", json!({}));
        starts.push(t.elapsed());
        host.close();
    }
    starts.sort();

    // Five accounts whose consent tokens are already stale for the host; Google then issues long-lived ones.
    let mut host = env.start();
    control(&emu, "settings", json!({"access_token_lifetime_secs": 1}));
    let subs: Vec<String> = (0..5)
        .map(|n| add_account(&mut host, &format!("user{n}@example.com")))
        .collect();
    control(
        &emu,
        "settings",
        json!({"access_token_lifetime_secs": 3599}),
    );
    control(&emu, "counters/reset", json!({}));

    // 50 concurrent token.get (10 per account) in one burst.
    let ids: Vec<u64> = (0..50)
        .map(|i| host.send("token.get", json!({"account": subs[i % 5]})))
        .collect();
    host.replies(&ids);
    let concurrent_refreshes = total_refreshes(&emu);

    // Cached round trips.
    for _ in 0..100 {
        host.call("token.get", json!({"account": subs[0]}));
    }
    let mut rtts = Vec::new();
    for i in 0..2000 {
        let t = Instant::now();
        host.call("token.get", json!({"account": subs[i % 5]}));
        rtts.push(t.elapsed());
    }
    rtts.sort();
    host.close();

    // Two processes at once, fresh stale tokens again.
    let mut a = env.start();
    control(&emu, "settings", json!({"access_token_lifetime_secs": 1}));
    for n in 0..5 {
        add_account(&mut a, &format!("user{n}@example.com"));
    }
    control(
        &emu,
        "settings",
        json!({"access_token_lifetime_secs": 3599}),
    );
    control(&emu, "counters/reset", json!({}));
    let mut b = env.start();
    let a_ids: Vec<u64> = (0..25)
        .map(|i| a.send("token.get", json!({"account": subs[i % 5]})))
        .collect();
    let b_ids: Vec<u64> = (0..25)
        .map(|i| b.send("token.get", json!({"account": subs[i % 5]})))
        .collect();
    a.replies(&a_ids);
    b.replies(&b_ids);
    let two_process_refreshes = total_refreshes(&emu);
    a.close();
    b.close();

    let run = LongRun {
        seconds: long_seconds,
        lifetime_secs: 20,
        margin_secs: 4,
        askers: 8,
        pause: Duration::from_millis(50),
    };
    let emails: Vec<String> = (0..5).map(|n| format!("user{n}@example.com")).collect();
    let long = (long_seconds > 0).then(|| long_run(&emu, &env, &emails, &run));

    let mut report = json!({
        "token_get_cached_ms": {"p50": percentile(&rtts, 0.5), "p99": percentile(&rtts, 0.99), "n": rtts.len()},
        "start_to_first_reply_ms": {"p50": percentile(&starts, 0.5), "p99": percentile(&starts, 0.99), "n": starts.len()},
        "refreshes_50_concurrent_5_accounts": concurrent_refreshes,
        "refreshes_2_processes_5_accounts": two_process_refreshes,
    });
    if let Some(l) = &long {
        report["long_run"] = json!({
            "seconds": l.seconds, "token_lifetime_secs": run.lifetime_secs, "refresh_margin_secs": run.margin_secs,
            "processes": 2, "askers_per_process": run.askers, "accounts": emails.len(),
            "refreshes": l.refreshes, "ideal": l.ideal, "ratio": l.refreshes as f64 / l.ideal as f64,
            "token_get_calls": l.calls, "least_life_left_ms": l.least_left_ms,
            "token_get_ms": {"p50": percentile(&l.latencies, 0.5), "p99": percentile(&l.latencies, 0.99)},
        });
    }
    if as_json {
        println!("{report}");
    } else {
        println!("gmux-host bench ({})", host_bin().display());
        println!(
            "  cached token.get round trip: p50 {:.3} ms, p99 {:.3} ms (n={})",
            percentile(&rtts, 0.5),
            percentile(&rtts, 0.99),
            rtts.len()
        );
        println!(
            "  start to first reply:        p50 {:.1} ms, p99 {:.1} ms (n={})",
            percentile(&starts, 0.5),
            percentile(&starts, 0.99),
            starts.len()
        );
        println!(
            "  refreshes, 50 concurrent token.get over 5 accounts: {concurrent_refreshes} (want 5)"
        );
        println!("  refreshes, 2 processes x 25 token.get over 5 accounts: {two_process_refreshes} (want 5)");
        if let Some(l) = &long {
            println!(
                "  long run, 2 processes x {} askers over {} accounts for {:.0} s, tokens living {} s, refresh margin {} s:",
                run.askers,
                emails.len(),
                l.seconds,
                run.lifetime_secs,
                run.margin_secs
            );
            println!(
                "    refreshes {}, ideal {} (one per account per {} s of token life past the margin), ratio {:.2}",
                l.refreshes,
                l.ideal,
                run.lifetime_secs - run.margin_secs,
                l.refreshes as f64 / l.ideal as f64
            );
            println!(
                "    baseline without the shared lock: one refresh per process, {} (ratio 2.00); without any lock: up to one per asker, {}",
                l.ideal * 2,
                l.ideal * 2 * run.askers as u64
            );
            println!(
                "    {} token.get: p50 {:.3} ms, p99 {:.3} ms; least life left on a token handed out {:.1} s",
                l.calls,
                percentile(&l.latencies, 0.5),
                percentile(&l.latencies, 0.99),
                l.least_left_ms as f64 / 1000.0
            );
        }
    }
    if !as_json {
        for line in verdicts(
            &rtts,
            &starts,
            concurrent_refreshes,
            two_process_refreshes,
            long.as_ref(),
        ) {
            println!("{line}");
        }
    }
    // The counts are correctness, not speed: a wrong one fails the bench. In the long run a token handed out with
    // less than the margin left, or refreshes well past the ideal, means the processes do not share their tokens.
    let mut ok = true;
    if concurrent_refreshes != 5 || two_process_refreshes != 5 {
        eprintln!("bench: wrong refresh count under concurrency");
        ok = false;
    }
    if let Some(l) = &long {
        if l.least_left_ms < (run.margin_secs * 1000) as i64 - 1000 {
            eprintln!(
                "bench: a token was handed out with {} ms left",
                l.least_left_ms
            );
            ok = false;
        }
        if l.refreshes as f64 > l.ideal as f64 * 1.5 {
            eprintln!(
                "bench: {} refreshes in the long run, ideal {}",
                l.refreshes, l.ideal
            );
            ok = false;
        }
    }
    if ok {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
