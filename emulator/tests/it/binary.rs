//! The binary: first stdout line is the base URL; a seed file loads; SIGTERM exits 0.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use gmux_emulator::{Emulator, EmulatorConfig};
use serde_json::json;

use crate::common::*;

#[test]
fn binary_prints_base_url_first_and_serves_the_seed() {
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_gmux-emulator"))
        .args([
            "--addr",
            "127.0.0.1:0",
            "--seed",
            seed,
            "--auto-consent",
            "--access-token-lifetime",
            "120",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line.trim().to_string();
    assert!(
        base.starts_with("http://127.0.0.1:") && !base.ends_with('/'),
        "{base}"
    );
    let accounts: serde_json::Value = ureq_get(&format!("{base}/_emulator/accounts"));
    let emails: Vec<&str> = accounts["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["alice@example.com", "bob@example.org"]);
    assert_eq!(accounts["accounts"][0]["threadsUnread"], 1);
    let settings = ureq_get(&format!("{base}/_emulator/settings"));
    assert_eq!(settings["access_token_lifetime_secs"], 120);
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    assert!(child.wait().unwrap().success());
}

fn ureq_get(url: &str) -> serde_json::Value {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        client()
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    })
}

#[test]
fn blocking_start_serves_without_a_runtime() {
    let emu = Emulator::start_blocking(EmulatorConfig {
        seed: Some(example_seed()),
        ..Default::default()
    })
    .unwrap();
    let v = ureq_get(&format!("{}/_emulator/client_secret.json", emu.base_url()));
    assert_eq!(v["installed"]["client_id"], CLIENT_ID);
    drop(emu);
}

#[tokio::test]
async fn example_seed_renders_bodies_snippets_and_attachments() {
    let env = start_with(EmulatorConfig {
        seed: Some(example_seed()),
        auto_consent: true,
        ..Default::default()
    })
    .await;
    let at = env.login("alice@example.com").await;
    let (_, list) = env
        .gmail_get(&at, "/gmail/v1/users/me/threads?labelIds=Label_1")
        .await;
    let id = list["threads"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        list["threads"][0]["snippet"], "Yes, let&#39;s .",
        "thread snippet is the newest message's, escaped"
    );
    let (_, thread) = env
        .gmail_get(&at, &format!("/gmail/v1/users/me/threads/{id}?format=full"))
        .await;
    let first = &thread["messages"][0];
    assert_eq!(first["id"], id, "a thread's id is its first message's id");
    assert_eq!(
        first["snippet"],
        "Shall we book the train? It&#39;s &lt;cheaper&gt; &amp; faster."
    );
    assert_eq!(first["internalDate"], "1795166100000");
    let (_, receipt) = env
        .gmail_get(&at, "/gmail/v1/users/me/messages?q=has:attachment")
        .await;
    let rid = receipt["messages"][0]["id"].as_str().unwrap();
    let (_, m) = env
        .gmail_get(
            &at,
            &format!("/gmail/v1/users/me/messages/{rid}?format=full"),
        )
        .await;
    assert_eq!(m["payload"]["mimeType"], "multipart/mixed");
    assert_eq!(
        m["payload"]["parts"][0]["mimeType"],
        "multipart/alternative"
    );
    assert_eq!(m["payload"]["parts"][0]["parts"][1]["partId"], "0.1");
    assert_eq!(m["payload"]["parts"][1]["filename"], "receipt.txt");
    assert!(m["payload"]["parts"][1]["body"]["attachmentId"].is_string());
    let _ = json!({});
    let _ = &env.emu;
}
