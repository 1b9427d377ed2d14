//! The consent's answer is checked: the granted scopes come from the token endpoint alone, and the id_token
//! must be for this client from the configured issuer. Driven against a fake token endpoint, with the
//! "browser" coming back to the loopback listener directly.

use crate::fake::{id_token, FakeServer};
use crate::harness::{Host, HostEnv, DEADLINE};
use serde_json::{json, Value};

pub const CLIENT_ID: &str = "gmux-test.apps.googleusercontent.com";
pub const MODIFY: &str = "https://www.googleapis.com/auth/gmail.modify";

/// A host configured with a Desktop client and every OAuth endpoint on `server`.
pub fn configured_env(server: &FakeServer) -> HostEnv {
    let mut env = HostEnv::new();
    env.extra_env.push((
        "GMUX_KEYRING_SERVICE".into(),
        format!(
            "gmux-test-identity-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ),
    ));
    let file = env.dir.path().join("client_secret.json");
    std::fs::write(
        &file,
        json!({"installed": {"client_id": CLIENT_ID, "client_secret": "GOCSPX-test-secret"}})
            .to_string(),
    )
    .unwrap();
    let base = &server.url;
    let (ok, _, err) = env.cli(&[
        "configure",
        "--client-secrets",
        file.to_str().unwrap(),
        "--authorize-url",
        &format!("{base}/auth"),
        "--token-url",
        &format!("{base}/token"),
        "--revoke-url",
        &format!("{base}/revoke"),
        "--userinfo-url",
        &format!("{base}/userinfo"),
    ]);
    assert!(ok, "{err}");
    env
}

/// Starts a flow and comes back to the loopback listener as Google would after consent, with `scope` in the
/// redirect. Returns the loopback page's status and the flow's event.
pub fn consent(host: &mut Host, redirect_scope: &str) -> (u16, Value) {
    let started = host.call_ok("accounts.add", json!({}));
    let url = url::Url::parse(started["consent_url"].as_str().unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    let mut back = url::Url::parse(&q["redirect_uri"]).unwrap();
    back.query_pairs_mut()
        .append_pair("state", &q["state"])
        .append_pair("code", "4/0AQSTgQtestcode")
        .append_pair("scope", redirect_scope);
    let status = match ureq::get(back.as_str()).call() {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(s, _)) => s,
        Err(e) => panic!("{e}"),
    };
    let event = loop {
        let frame = host.next_frame(DEADLINE).expect("host closed");
        if frame.get("event").is_some() {
            break frame;
        }
    };
    assert_eq!(event["data"]["flow_id"], started["flow_id"]);
    (status, event)
}

pub fn token_answer(scope: Option<&str>, id_token: Option<String>) -> String {
    let mut answer = json!({
        "access_token": "ya29.a0fake-access",
        "expires_in": 3599,
        "refresh_token": "1//0fake-refresh",
        "token_type": "Bearer",
    });
    if let Some(s) = scope {
        answer["scope"] = json!(s);
    }
    if let Some(t) = id_token {
        answer["id_token"] = json!(t);
    }
    answer.to_string()
}

#[test]
fn a_token_answer_without_scope_grants_nothing_whatever_the_redirect_said() {
    let server = FakeServer::start(|seen| match seen.path() {
        "/token" => (200, token_answer(None, None)),
        "/userinfo" => (
            200,
            json!({"sub": "1", "email": "ada@example.com"}).to_string(),
        ),
        _ => (200, "{}".into()),
    });
    let env = configured_env(&server);
    let mut host = env.start();
    let (status, event) = consent(&mut host, &format!("openid email {MODIFY}"));
    assert_eq!(status, 400);
    assert_eq!(event["event"], "accounts.add_failed");
    assert_eq!(event["data"]["code"], "scopes_not_granted", "{event}");
    assert!(host.call_ok("accounts.list", json!({}))["accounts"]
        .as_array()
        .unwrap()
        .is_empty());
    // The grant gmux will not use is revoked.
    assert_eq!(server.requests("/revoke").len(), 1);
}

#[test]
fn an_id_token_for_another_client_or_from_another_issuer_is_refused() {
    for (claims, words) in [
        (
            json!({"iss": "https://accounts.google.com", "aud": "someone-else.apps.googleusercontent.com",
                   "sub": "1", "email": "ada@example.com"}),
            "another OAuth client",
        ),
        (
            json!({"iss": "https://accounts.evil.example", "aud": CLIENT_ID, "sub": "1", "email": "ada@example.com"}),
            "issued by",
        ),
    ] {
        let token = id_token(claims);
        let server = FakeServer::start(move |seen| match seen.path() {
            "/token" => (
                200,
                token_answer(Some(&format!("openid email {MODIFY}")), Some(token.clone())),
            ),
            _ => (200, "{}".into()),
        });
        let env = configured_env(&server);
        let mut host = env.start();
        let (status, event) = consent(&mut host, MODIFY);
        assert_eq!(status, 400, "{words}");
        assert_eq!(event["event"], "accounts.add_failed", "{event}");
        assert_eq!(event["data"]["code"], "internal", "{event}");
        assert!(
            event["data"]["message"].as_str().unwrap().contains(words),
            "{event}"
        );
        assert!(host.call_ok("accounts.list", json!({}))["accounts"]
            .as_array()
            .unwrap()
            .is_empty());
        // Nothing asked userinfo for a second opinion.
        assert!(server.requests("/userinfo").is_empty());
    }
}
