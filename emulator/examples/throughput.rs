//! Measures the emulator's throughput on simple GETs over real HTTP on 127.0.0.1.
//! Run: `cargo run --release -p gmux-emulator --example throughput [SECONDS] [CONNECTIONS]`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gmux_emulator::{Emulator, EmulatorConfig, Settings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let connections: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(16);
    let settings = Settings {
        concurrency_cap: 10_000,
        quota_units_per_minute: u64::MAX / 2,
        ..Default::default()
    };
    let emu = Emulator::start(EmulatorConfig {
        demo: true,
        auto_consent: true,
        settings,
        ..Default::default()
    })
    .await?;
    let base = emu.base_url();
    let token = demo_token(&base).await?;
    for path in [
        "/gmail/v1/users/me/profile",
        "/gmail/v1/users/me/labels/INBOX",
        "/gmail/v1/users/me/threads?maxResults=20",
    ] {
        let done = Arc::new(AtomicU64::new(0));
        let errors = Arc::new(AtomicU64::new(0));
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let (done, errors, url, token) = (
                done.clone(),
                errors.clone(),
                format!("{base}{path}"),
                token.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let http = reqwest::Client::new();
                while Instant::now() < deadline {
                    match http.get(&url).bearer_auth(&token).send().await {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }));
        }
        for t in tasks {
            t.await?;
        }
        let n = done.load(Ordering::Relaxed);
        println!(
            "{path}: {:.0} requests/s ({n} in {seconds} s, {connections} connections, {} errors)",
            n as f64 / seconds as f64,
            errors.load(Ordering::Relaxed)
        );
    }
    emu.shutdown().await;
    Ok(())
}

/// Runs the auto-consent code flow for the first demo account.
async fn demo_token(base: &str) -> anyhow::Result<String> {
    use base64::Engine as _;
    use sha2::Digest as _;
    let verifier = "throughput-verifier-throughput-verifier-throughput";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut auth = url::Url::parse(&format!("{base}/o/oauth2/v2/auth"))?;
    auth.query_pairs_mut()
        .append_pair("client_id", gmux_emulator::DEMO_CLIENT_ID)
        .append_pair("redirect_uri", "http://127.0.0.1:9/")
        .append_pair("response_type", "code")
        .append_pair("scope", "https://www.googleapis.com/auth/gmail.modify")
        .append_pair("state", "s")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let r = http.get(auth.as_str()).send().await?;
    let location = r
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let code = url::Url::parse(&location)?
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| anyhow::anyhow!("no code in {location}"))?;
    let tok: serde_json::Value = http
        .post(format!("{base}/token"))
        .form(&[
            ("code", code.as_str()),
            ("client_id", gmux_emulator::DEMO_CLIENT_ID),
            ("client_secret", gmux_emulator::DEMO_CLIENT_SECRET),
            ("redirect_uri", "http://127.0.0.1:9/"),
            ("grant_type", "authorization_code"),
            ("code_verifier", verifier),
        ])
        .send()
        .await?
        .json()
        .await?;
    tok["access_token"]
        .as_str()
        .map(String::from)
        .ok_or_else(|| anyhow::anyhow!("no access token: {tok}"))
}
