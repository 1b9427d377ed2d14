//! gmux-emulator for the host's tests, and a "browser" that follows the consent redirect.

use crate::harness::{all_files, Host, HostEnv, DEADLINE};
use gmux_emulator::{Emulator, EmulatorConfig};
use serde_json::{json, Value};
use std::time::Duration;

pub const ADA: &str = "ada.lovelace@example.com";

/// Five accounts: the `n`th is `user{n}@example.com`.
pub fn user(n: usize) -> String {
    format!("user{n}@example.com")
}

pub struct Setup {
    pub emu: Emulator,
    pub env: HostEnv,
}

/// An emulator with the demo data plus five plain accounts, and a host env configured for it with its own
/// keyring namespace (the subs are the same in every emulator, the Secret Service is shared by all tests).
pub fn setup(auto_consent: bool) -> Setup {
    setup_with(auto_consent, &[])
}

pub fn setup_with(auto_consent: bool, extra_env: &[(&str, &str)]) -> Setup {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "these tests need a Secret Service: run them as `dbus-run-session -- bash tests/with-secret-service.sh \
         cargo test -p gmux-host` (cargo xtask test does)"
    );
    let seed = serde_json::from_value(json!({
        "accounts": (0..5).map(|n| json!({"email": user(n)})).collect::<Vec<_>>()
    }))
    .unwrap();
    let emu = Emulator::start_blocking(EmulatorConfig {
        demo: true,
        auto_consent,
        seed: Some(seed),
        ..Default::default()
    })
    .unwrap();
    let mut env = HostEnv::new();
    env.extra_env.push((
        "GMUX_KEYRING_SERVICE".into(),
        format!("gmux-test-{}", rand_suffix()),
    ));
    for (k, v) in extra_env {
        env.extra_env.push((k.to_string(), v.to_string()));
    }
    let (ok, out, err) = env.cli(&["configure", "--emulator", &emu.base_url()]);
    assert!(ok, "configure failed: {out} {err}");
    Setup { emu, env }
}

fn rand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{}-{nanos}", std::process::id())
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .redirects(0)
        .timeout(Duration::from_secs(30))
        .build()
}

/// Status and body, whatever the status.
fn fetch(req: ureq::Request, body: Option<&[(&str, &str)]>) -> (u16, Option<String>, String) {
    let result = match body {
        Some(form) => req.send_form(form),
        None => req.call(),
    };
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("request failed: {e}"),
    };
    let status = response.status();
    let location = response.header("Location").map(String::from);
    (status, location, response.into_string().unwrap_or_default())
}

/// Plays the browser: opens the consent URL (auto-consent answers with a redirect) and follows the redirect
/// to the host's loopback listener. Returns the loopback page's status and body.
pub fn follow_consent(consent_url: &str) -> (u16, String) {
    let (status, location, body) = fetch(agent().get(consent_url), None);
    assert_eq!(status, 302, "authorize did not redirect: {body}");
    let (status, _, body) = fetch(agent().get(&location.unwrap()), None);
    (status, body)
}

/// Plays a user who clicks Deny on the emulator's consent page.
pub fn deny_consent(consent_url: &str) -> (u16, String) {
    let (status, _, page) = fetch(agent().get(consent_url), None);
    assert_eq!(status, 200, "{page}");
    let marker = "name=\"request\" value=\"";
    let start = page.find(marker).expect("consent page has a request id") + marker.len();
    let request = &page[start..start + page[start..].find('"').unwrap()];
    let base = &consent_url[..consent_url.find("/o/oauth2").unwrap()];
    let (status, location, body) = fetch(
        agent().post(&format!("{base}/o/oauth2/v2/auth/consent")),
        Some(&[("request", request), ("deny", "1")]),
    );
    assert_eq!(status, 302, "{body}");
    let (status, _, body) = fetch(agent().get(&location.unwrap()), None);
    (status, body)
}

pub fn control(emu: &Emulator, method: &str, path: &str, body: Value) -> Value {
    let url = format!("{}/_emulator/{path}", emu.base_url());
    let r = match method {
        "GET" => agent().get(&url).call(),
        "DELETE" => agent().delete(&url).call(),
        _ => agent().post(&url).send_json(body),
    };
    r.unwrap_or_else(|e| panic!("control {path}: {e}"))
        .into_json()
        .unwrap()
}

pub fn refreshes(emu: &Emulator, email: &str) -> u64 {
    control(emu, "GET", "counters", Value::Null)["accounts"][email]["token_refreshes"]
        .as_u64()
        .unwrap_or(0)
}

pub fn set_settings(emu: &Emulator, settings: Value) {
    control(emu, "POST", "settings", settings);
}

/// Adds an account through the whole loopback flow and returns it as the `accounts.added` event carries it.
pub fn add_account(host: &mut Host, email: &str) -> Value {
    let started = host.call_ok("accounts.add", json!({"login_hint": email}));
    let url = started["consent_url"].as_str().unwrap().to_string();
    let (status, page) = follow_consent(&url);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("You can close this tab"), "{page}");
    let event = host.event("accounts.added", DEADLINE);
    assert_eq!(event["data"]["flow_id"], started["flow_id"]);
    let account = event["data"]["account"].clone();
    assert_eq!(account["email"], email);
    account
}

/// The leak check: no refresh token the emulator issued appears in the host's logs, config files, or any
/// message the host sent; no access token appears in logs or config files.
pub fn assert_no_leak(setup: &Setup, hosts: &[&Host]) {
    let (access, refresh) = setup.emu.issued_tokens();
    let mut files = all_files(&setup.env.config_dir());
    files.extend(all_files(&setup.env.state_dir()));
    assert!(
        files.iter().any(|f| f.ends_with("gmux-host.log")),
        "no log file: {files:?}"
    );
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        for t in refresh.iter().chain(access.iter()) {
            assert!(
                !text.contains(t.as_str()),
                "a token leaked into {}",
                f.display()
            );
        }
    }
    for host in hosts {
        let sent = serde_json::to_string(&host.received).unwrap();
        for t in &refresh {
            assert!(
                !sent.contains(t.as_str()),
                "a refresh token was sent to the extension"
            );
        }
    }
}
