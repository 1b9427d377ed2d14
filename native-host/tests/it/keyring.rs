//! A locked or absent OS keyring: a stable `keyring_unavailable` error that says what to do, and no token
//! written anywhere else.

use crate::emu::{add_account, assert_no_leak, follow_consent, setup, ADA};
use crate::harness::{all_files, DEADLINE};
use serde_json::json;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

/// A session bus of our own with an unlocked gnome-keyring on it, so locking it affects no other test.
struct PrivateKeyring {
    daemon: Child,
    address: String,
    _data: tempfile::TempDir,
}

impl PrivateKeyring {
    fn start() -> Self {
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon is installed");
        let mut address = String::new();
        BufReader::new(daemon.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        let address = address.trim().to_string();
        let data = tempfile::tempdir().unwrap();
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--unlock", "--components=secrets", "--daemonize"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("XDG_DATA_HOME", data.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring is installed");
        keyring
            .stdin
            .take()
            .unwrap()
            .write_all(b"private-test-password")
            .unwrap();
        assert!(keyring.wait().unwrap().success());
        let waited = Command::new("gdbus")
            .args([
                "wait",
                "--session",
                "--timeout",
                "10",
                "org.freedesktop.secrets",
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .status()
            .unwrap();
        assert!(waited.success());
        PrivateKeyring {
            daemon,
            address,
            _data: data,
        }
    }

    fn lock(&self) {
        let out = Command::new("gdbus")
            .args([
                "call",
                "--session",
                "--dest",
                "org.freedesktop.secrets",
                "--object-path",
                "/org/freedesktop/secrets",
                "--method",
                "org.freedesktop.Secret.Service.Lock",
                "['/org/freedesktop/secrets/collection/login']",
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for PrivateKeyring {
    // gnome-keyring leaves when its bus goes away.
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

#[test]
fn a_locked_keyring_is_reported_and_nothing_falls_back_to_a_file() {
    let keyring = PrivateKeyring::start();
    let mut s = setup(true);
    s.env
        .extra_env
        .push(("DBUS_SESSION_BUS_ADDRESS".into(), keyring.address.clone()));
    let mut host = s.env.start();
    let account = add_account(&mut host, ADA);
    host.finish();
    keyring.lock();
    // A new process has nothing in memory and must read the keyring.
    let mut host = s.env.start();
    let err = host.call_err("token.get", json!({"account": account["id"]}));
    assert_eq!(err["code"], "keyring_unavailable");
    assert!(err["message"].as_str().unwrap().contains("unlock"), "{err}");
    // Adding an account while locked fails with the same code, after the consent.
    let started = host.call_ok(
        "accounts.add",
        json!({"login_hint": "grace.hopper@example.org"}),
    );
    let (status, page) = follow_consent(started["consent_url"].as_str().unwrap());
    assert_eq!(status, 400, "{page}");
    let failed = host.event("accounts.add_failed", DEADLINE);
    assert_eq!(failed["data"]["code"], "keyring_unavailable");
    assert_eq!(
        host.call_ok("accounts.list", json!({}))["accounts"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    host.finish();
    assert_no_leak(&s, &[&host]);
}

#[test]
fn an_absent_keyring_is_reported_by_token_get_accounts_add_and_doctor() {
    let mut s = setup(true);
    let missing_bus = s.env.dir.path().join("no-bus");
    s.env.extra_env.push((
        "DBUS_SESSION_BUS_ADDRESS".into(),
        format!("unix:path={}", missing_bus.display()),
    ));
    let mut host = s.env.start();
    let started = host.call_ok("accounts.add", json!({"login_hint": ADA}));
    let (status, page) = follow_consent(started["consent_url"].as_str().unwrap());
    assert_eq!(status, 400);
    assert!(page.contains("keyring"), "{page}");
    let failed = host.event("accounts.add_failed", DEADLINE);
    assert_eq!(failed["data"]["code"], "keyring_unavailable");
    assert!(host.call_ok("accounts.list", json!({}))["accounts"]
        .as_array()
        .unwrap()
        .is_empty());
    host.finish();
    // No file anywhere holds what the keyring could not take.
    let (_, refresh) = s.emu.issued_tokens();
    assert_eq!(refresh.len(), 1);
    for f in all_files(&s.env.config_dir())
        .into_iter()
        .chain(all_files(&s.env.state_dir()))
    {
        assert!(
            !std::fs::read_to_string(&f)
                .unwrap_or_default()
                .contains(&refresh[0]),
            "{}",
            f.display()
        );
    }
    let (ok, out, _) = s.env.cli(&["doctor"]);
    assert!(!ok);
    assert!(out.contains("FIX OS keyring"), "{out}");
    assert!(out.contains("ok  OAuth client configured"), "{out}");
}
