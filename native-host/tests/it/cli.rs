//! The terminal side: accounts add/list/remove and doctor, against the emulator and the real Secret Service.

use crate::emu::{assert_no_leak, follow_consent, setup, ADA};
use crate::harness::wait_with_deadline;
use crate::harness::DEADLINE;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

#[test]
fn accounts_add_list_remove_and_doctor_from_a_terminal() {
    let s = setup(true);
    let home = s.env.dir.path().join("home");
    std::fs::create_dir_all(home.join(".config/chromium")).unwrap();

    // `accounts add` prints the consent URL and waits for the browser to come back.
    let mut child = s
        .env
        .command()
        .args(["accounts", "add", "--login-hint", ADA])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let url = loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "no consent URL printed"
        );
        if line.starts_with("http://") {
            break line.trim().to_string();
        }
    };
    let (status, page) = follow_consent(&url);
    assert_eq!(status, 200, "{page}");
    assert!(wait_with_deadline(&mut child, DEADLINE).success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert!(rest.contains(&format!("added {ADA}")), "{rest}");

    let (ok, out, err) = s.env.cli(&["accounts", "list"]);
    assert!(ok, "{err}");
    assert!(out.contains(ADA) && out.contains("\tok"), "{out}");

    // Doctor: everything fine once the manifest is installed for the browser this home has.
    let doctor = |args: &[&str]| {
        let out = s
            .env
            .command()
            .env("HOME", &home)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (ok, out) = doctor(&["doctor"]);
    assert!(!ok);
    assert!(
        out.contains(
            "FIX chromium host manifest: missing; run gmux-host install --browser chromium"
        ),
        "{out}"
    );
    assert!(doctor(&["install"]).0);
    let (ok, out) = doctor(&["doctor"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("ok  OS keyring reachable and unlocked"),
        "{out}"
    );
    assert!(out.contains(&format!("ok  account {ADA}")), "{out}");

    let (ok, out, err) = s.env.cli(&["accounts", "remove", ADA]);
    assert!(ok, "{err}");
    assert!(out.contains("access revoked at Google"), "{out}");
    let (_, out, _) = s.env.cli(&["accounts", "list"]);
    assert!(out.trim().is_empty(), "{out}");
    assert_no_leak(&s, &[]);
}

#[test]
fn configure_reads_a_desktop_client_json_and_explains_a_web_one() {
    let env = crate::harness::HostEnv::new();
    let file = env.dir.path().join("client_secret.json");
    std::fs::write(
        &file,
        r#"{"installed":{"client_id":"abc.apps.googleusercontent.com","client_secret":"s"}}"#,
    )
    .unwrap();
    let (ok, _, err) = env.cli(&["configure", "--client-secrets", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    let mut host = env.start();
    let hello = host.call_ok("hello", serde_json::json!({}));
    assert_eq!(hello["configured"], true);
    assert_eq!(
        hello["endpoints"]["token"],
        "https://oauth2.googleapis.com/token"
    );
    std::fs::write(&file, r#"{"web":{"client_id":"abc","client_secret":"s"}}"#).unwrap();
    let (ok, _, err) = env.cli(&["configure", "--client-secrets", file.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("Desktop app"), "{err}");
}

#[test]
fn configure_refuses_plain_http_endpoints_except_on_loopback() {
    let env = crate::harness::HostEnv::new();
    let file = env.dir.path().join("client_secret.json");
    std::fs::write(
        &file,
        r#"{"installed":{"client_id":"abc.apps.googleusercontent.com","client_secret":"s"}}"#,
    )
    .unwrap();
    let secrets = file.to_str().unwrap();
    for (flag, url) in [
        ("--token-url", "http://oauth2.example.com/token"),
        ("--authorize-url", "http://accounts.example.com/auth"),
        ("--revoke-url", "http://10.1.2.3/revoke"),
        ("--userinfo-url", "http://localhost:8080/userinfo"),
        ("--gmail-url", "http://gmail.example.com"),
    ] {
        let (ok, _, err) = env.cli(&["configure", "--client-secrets", secrets, flag, url]);
        assert!(!ok, "{flag} {url} was accepted");
        assert!(
            err.contains("https://") || err.contains("127.0.0.1 instead"),
            "{err}"
        );
        assert!(!env.config_dir().join("config.json").exists(), "{flag}");
    }
    // An emulator anywhere but on loopback is refused before anything is fetched from it.
    let (ok, _, err) = env.cli(&[
        "configure",
        "--emulator",
        "http://emulator.example.com:4000",
    ]);
    assert!(!ok);
    assert!(err.contains("emulator endpoint"), "{err}");
    // https anywhere, and plain http on a loopback address, are fine.
    let (ok, _, err) = env.cli(&[
        "configure",
        "--client-secrets",
        secrets,
        "--token-url",
        "http://127.0.0.1:9/token",
        "--gmail-url",
        "http://[::1]:9",
        "--userinfo-url",
        "https://id.example.com/userinfo",
    ]);
    assert!(ok, "{err}");
    let mut host = env.start();
    assert_eq!(
        host.call_ok("hello", serde_json::json!({}))["endpoints"]["gmail"],
        "http://[::1]:9"
    );
}

#[test]
fn a_config_file_naming_a_plain_http_endpoint_is_refused_with_a_clear_message() {
    let env = crate::harness::HostEnv::new();
    std::fs::create_dir_all(env.config_dir()).unwrap();
    let mut endpoints = gmux_core::protocol::Endpoints::google();
    endpoints.gmail = "http://gmail.example.com".into();
    let config =
        serde_json::json!({"client_id": "id", "client_secret": "s", "endpoints": endpoints});
    std::fs::write(env.config_dir().join("config.json"), config.to_string()).unwrap();
    let mut host = env.start();
    // The handshake still works, and reports Google's Gmail, never the plain-http one.
    let hello = host.call_ok("hello", serde_json::json!({}));
    assert_eq!(hello["configured"], false);
    assert_eq!(hello["endpoints"]["gmail"], "https://gmail.googleapis.com");
    for (method, params) in [
        ("accounts.add", serde_json::json!({})),
        ("token.get", serde_json::json!({"account": "1"})),
    ] {
        let err = host.call_err(method, params);
        assert_eq!(err["code"], "oauth_client_not_configured", "{method}");
        let message = err["message"].as_str().unwrap();
        assert!(
            message.contains("gmail endpoint http://gmail.example.com must start with https://")
                && message.contains("gmux-host configure"),
            "{message}"
        );
    }
    // configure fixes it in place, keeping the client.
    host.finish();
    let (ok, _, err) = env.cli(&["configure", "--gmail-url", "https://gmail.googleapis.com"]);
    assert!(ok, "{err}");
    let mut host = env.start();
    assert_eq!(
        host.call_ok("hello", serde_json::json!({}))["configured"],
        true
    );
}
