//! Starts the real gmux-host binary with its own config and state folders and talks frames to it.

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_gmux-host");
pub const DEADLINE: Duration = Duration::from_secs(30);

/// One temporary home for a host: config dir, state dir, and any extra environment.
pub struct HostEnv {
    pub dir: tempfile::TempDir,
    pub extra_env: Vec<(String, String)>,
}

impl HostEnv {
    pub fn new() -> Self {
        HostEnv {
            dir: tempfile::tempdir().unwrap(),
            extra_env: Vec::new(),
        }
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(BIN);
        c.env("GMUX_CONFIG_DIR", self.config_dir())
            .env("GMUX_STATE_DIR", self.state_dir())
            .env("GMUX_LOG", "trace");
        for (k, v) in &self.extra_env {
            c.env(k, v);
        }
        c
    }

    /// Runs a CLI command to completion; returns (success, stdout, stderr).
    pub fn cli(&self, args: &[&str]) -> (bool, String, String) {
        let out = self
            .command()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub fn start(&self) -> Host {
        Host::spawn(self.command().arg("serve"))
    }
}

pub fn frame(payload: &[u8]) -> Vec<u8> {
    let mut v = (payload.len() as u32).to_ne_bytes().to_vec();
    v.extend_from_slice(payload);
    v
}

/// A running host. Frames it writes are collected by a reader thread; everything it sent is kept so tests
/// can check what left the host (the leak check).
pub struct Host {
    pub child: Child,
    stdin: Option<ChildStdin>,
    frames: Receiver<Result<Value, String>>,
    pub received: Vec<Value>,
    /// Indices into `received` of events already returned by [`Host::event`].
    consumed: Vec<usize>,
    next_id: u64,
}

impl Host {
    pub fn spawn(command: &mut Command) -> Host {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let mut stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || loop {
            let mut len = [0u8; 4];
            if stdout.read_exact(&mut len).is_err() {
                return;
            }
            let mut buf = vec![0u8; u32::from_ne_bytes(len) as usize];
            if stdout.read_exact(&mut buf).is_err() {
                let _ = tx.send(Err("truncated frame from host".into()));
                return;
            }
            let parsed = serde_json::from_slice::<Value>(&buf)
                .map_err(|e| format!("host sent invalid JSON: {e}"));
            if tx.send(parsed).is_err() {
                return;
            }
        });
        Host {
            child,
            stdin,
            frames: rx,
            received: Vec::new(),
            consumed: Vec::new(),
            next_id: 1,
        }
    }

    pub fn write_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    /// Sends a request and returns its id.
    pub fn send(&mut self, method: &str, params: Value) -> Value {
        let id = json!(self.next_id);
        self.next_id += 1;
        let body = json!({"id": id, "method": method, "params": params});
        self.write_raw(&frame(body.to_string().as_bytes()));
        id
    }

    /// The next frame, or None when the host closed stdout.
    pub fn next_frame(&mut self, timeout: Duration) -> Option<Value> {
        match self.frames.recv_timeout(timeout) {
            Ok(Ok(v)) => {
                self.received.push(v.clone());
                Some(v)
            }
            Ok(Err(e)) => panic!("{e}"),
            Err(RecvTimeoutError::Timeout) => panic!("no frame from the host within {timeout:?}"),
            Err(RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Waits for the reply with `id`; events and other replies seen on the way are kept in `received`.
    pub fn reply(&mut self, id: &Value) -> Value {
        if let Some(found) = self.received.iter().find(|f| f.get("id") == Some(id)) {
            return found.clone();
        }
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let frame = self.next_frame(left).expect("host closed before replying");
            if frame.get("id") == Some(id) {
                return frame;
            }
        }
    }

    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.send(method, params);
        self.reply(&id)
    }

    pub fn call_ok(&mut self, method: &str, params: Value) -> Value {
        let reply = self.call(method, params);
        reply
            .get("result")
            .cloned()
            .unwrap_or_else(|| panic!("{method} failed: {reply}"))
    }

    pub fn call_err(&mut self, method: &str, params: Value) -> Value {
        let reply = self.call(method, params);
        reply
            .get("error")
            .cloned()
            .unwrap_or_else(|| panic!("{method} should have failed: {reply}"))
    }

    /// Waits for an event with this name.
    pub fn event(&mut self, name: &str, timeout: Duration) -> Value {
        let is_it = |f: &Value| f.get("event").and_then(Value::as_str) == Some(name);
        let found = (0..self.received.len())
            .find(|i| !self.consumed.contains(i) && is_it(&self.received[*i]));
        if let Some(pos) = found {
            self.consumed.push(pos);
            return self.received[pos].clone();
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let frame = self
                .next_frame(left)
                .unwrap_or_else(|| panic!("host closed before event {name}"));
            if is_it(&frame) {
                self.consumed.push(self.received.len() - 1);
                return frame;
            }
        }
    }

    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Reads every remaining frame until the host closes stdout, then waits for it to exit.
    pub fn finish(&mut self) -> (Vec<Value>, ExitStatus) {
        self.close_stdin();
        let mut rest = Vec::new();
        while let Some(f) = self.next_frame(DEADLINE) {
            rest.push(f);
        }
        let status = wait_with_deadline(&mut self.child, DEADLINE);
        (rest, status)
    }

    pub fn stderr(&mut self) -> String {
        let mut s = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut s);
        }
        s
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn wait_with_deadline(child: &mut Child, timeout: Duration) -> ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "host did not exit within {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Every file under `dir`, for the leak check.
pub fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(all_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}
