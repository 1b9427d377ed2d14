//! Helpers: start an emulator, run the OAuth flow, call the API.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use gmux_emulator::{Emulator, EmulatorConfig, Seed};
use reqwest::redirect::Policy;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = gmux_emulator::DEMO_CLIENT_ID;
pub const CLIENT_SECRET: &str = gmux_emulator::DEMO_CLIENT_SECRET;
pub const REDIRECT: &str = "http://127.0.0.1:45678/";
pub const MODIFY: &str = "https://www.googleapis.com/auth/gmail.modify";
pub const READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
pub const ADA: &str = "ada.lovelace@example.com";
pub const GRACE: &str = "grace.hopper@example.org";

pub struct Env {
    pub emu: Emulator,
    pub base: String,
    pub http: reqwest::Client,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

pub async fn start_with(config: EmulatorConfig) -> Env {
    let emu = Emulator::start(config).await.unwrap();
    let base = emu.base_url();
    Env {
        emu,
        base,
        http: client(),
    }
}

/// The demo data with auto-consent: what most tests want.
pub async fn demo() -> Env {
    start_with(EmulatorConfig {
        demo: true,
        auto_consent: true,
        ..Default::default()
    })
    .await
}

pub fn example_seed() -> Seed {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed.json"))
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

pub fn pkce() -> (String, String) {
    let verifier = format!(
        "v{}",
        gmux_emulator::derive_sub(&rand::random::<u64>().to_string())
    )
    .repeat(3);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

pub fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn authorize_url(&self, challenge: &str, scope: &str, extra: &[(&str, &str)]) -> String {
        let mut u = url::Url::parse(&self.url("/o/oauth2/v2/auth")).unwrap();
        u.query_pairs_mut()
            .append_pair("client_id", CLIENT_ID)
            .append_pair("redirect_uri", REDIRECT)
            .append_pair("response_type", "code")
            .append_pair("scope", scope)
            .append_pair("state", "st4te")
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("access_type", "offline");
        for (k, v) in extra {
            u.query_pairs_mut().append_pair(k, v);
        }
        u.to_string()
    }

    /// Authorizes with auto-consent and returns the redirect's query.
    pub async fn auto_code(
        &self,
        challenge: &str,
        scope: &str,
        extra: &[(&str, &str)],
    ) -> std::collections::HashMap<String, String> {
        let r = self
            .http
            .get(self.authorize_url(challenge, scope, extra))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 302, "{}", r.text().await.unwrap());
        query_of(r.headers()["location"].to_str().unwrap())
    }

    pub async fn token_form(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .http
            .post(self.url("/token"))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    pub async fn exchange(&self, code: &str, verifier: &str) -> (u16, Value) {
        self.token_form(&[
            ("code", code),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("redirect_uri", REDIRECT),
            ("grant_type", "authorization_code"),
            ("code_verifier", verifier),
        ])
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> (u16, Value) {
        self.token_form(&[
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    /// The whole code flow for one account; returns the token response.
    pub async fn login_scopes(&self, email: &str, scope: &str) -> Value {
        let (verifier, challenge) = pkce();
        let q = self
            .auto_code(&challenge, scope, &[("login_hint", email)])
            .await;
        let (status, body) = self.exchange(&q["code"], &verifier).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub async fn login(&self, email: &str) -> String {
        let t = self
            .login_scopes(email, &format!("{MODIFY} openid email"))
            .await;
        t["access_token"].as_str().unwrap().to_string()
    }

    pub async fn control(&self, method: &str, path: &str, body: Value) -> Value {
        let req = match method {
            "GET" => self.http.get(self.url(&format!("/_emulator/{path}"))),
            "DELETE" => self.http.delete(self.url(&format!("/_emulator/{path}"))),
            _ => self
                .http
                .post(self.url(&format!("/_emulator/{path}")))
                .json(&body),
        };
        let r = req.send().await.unwrap();
        assert!(r.status().is_success(), "{method} {path}: {}", r.status());
        r.json().await.unwrap()
    }

    pub async fn settings(&self, patch: Value) {
        self.control("POST", "settings", patch).await;
    }

    pub async fn fault(&self, fault: Value) {
        self.control("POST", "faults", fault).await;
    }

    pub async fn counters(&self) -> Value {
        self.control("GET", "counters", json!({})).await
    }

    /// GET a Gmail path (`/gmail/v1/users/me/...`) with a token: (status, JSON body or null).
    pub async fn gmail_get(&self, token: &str, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn gmail_post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// Asserts Google's error envelope and returns its first reason.
pub fn error_reason(body: &Value, code: u16) -> String {
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    assert!(body["error"]["status"].is_string(), "{body}");
    body["error"]["errors"][0]["reason"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Decodes a JWT's payload without checking the (dummy) signature.
pub fn jwt_claims(jwt: &str) -> Value {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap()
}
