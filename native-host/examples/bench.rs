//! Measures gmux-host over real pipes against gmux-emulator and the OS keyring:
//! cached `token.get` round trip (p50, p99), host start to first reply, and refreshes under concurrency.
//!
//! Run (needs a Secret Service; `cargo xtask bench` does this):
//!   cargo build --release -p gmux-host --bins --examples
//!   dbus-run-session -- bash tests/with-secret-service.sh target/release/examples/bench [--json]
//! `GMUX_HOST_BIN` overrides the host binary (default: `gmux-host` next to this example's folder).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use gmux_emulator::{Emulator, EmulatorConfig};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
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
        let mut c = Command::new(host_bin());
        c.env("GMUX_CONFIG_DIR", self.dir.path().join("config"))
            .env("GMUX_STATE_DIR", self.dir.path().join("state"))
            .env("GMUX_KEYRING_SERVICE", &self.service)
            .env("GMUX_REFRESH_MARGIN_SECS", "30");
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

fn main() -> std::process::ExitCode {
    let as_json = std::env::args().any(|a| a == "--json");
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

    let report = json!({
        "token_get_cached_ms": {"p50": percentile(&rtts, 0.5), "p99": percentile(&rtts, 0.99), "n": rtts.len()},
        "start_to_first_reply_ms": {"p50": percentile(&starts, 0.5), "p99": percentile(&starts, 0.99), "n": starts.len()},
        "refreshes_50_concurrent_5_accounts": concurrent_refreshes,
        "refreshes_2_processes_5_accounts": two_process_refreshes,
    });
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
    }
    // The counts are correctness, not speed: a wrong one fails the bench.
    if concurrent_refreshes == 5 && two_process_refreshes == 5 {
        std::process::ExitCode::SUCCESS
    } else {
        eprintln!("bench: wrong refresh count under concurrency");
        std::process::ExitCode::FAILURE
    }
}
