//! Driving gmux-emulator from Rust: its control API, its counters, and access tokens got through its
//! OAuth endpoints the way gmux-host gets them (authorisation code with PKCE, then refresh). Used by this
//! crate's tests and by the bench scenarios.

use crate::client::encode_component;
use crate::env::{Env, HttpRequest, HttpResponse, TokenError, TokenSource, TransportError};
use crate::native::NativeEnv;
use base64::Engine as _;
use futures::future::LocalBoxFuture;
use serde_json::{json, Value};
use sha2::Digest as _;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

pub use gmux_emulator::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};

/// What the kit's calls can fail with.
#[derive(Debug, thiserror::Error)]
pub enum KitError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("emulator answered {status} to {what}: {body}")]
    Status {
        what: String,
        status: u16,
        body: String,
    },
    #[error("emulator answered something unreadable to {0}")]
    Decode(String),
}

/// The emulator's control API (`/_emulator/...`).
pub struct Control {
    env: Rc<dyn Env>,
    base: String,
}

impl Control {
    pub fn new(env: Rc<dyn Env>, base: &str) -> Self {
        Control {
            env,
            base: base.trim_end_matches('/').to_string(),
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, KitError> {
        let (headers, body) = match body {
            Some(b) => (
                vec![("Content-Type".to_string(), "application/json".to_string())],
                b.to_string().into_bytes(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        let url = format!("{}/_emulator/{path}", self.base);
        let response = self
            .env
            .send(HttpRequest {
                method: method.into(),
                url,
                headers,
                body,
            })
            .await?;
        check(&response, path)?;
        serde_json::from_slice(&response.body).map_err(|_| KitError::Decode(path.to_string()))
    }

    /// Delivers a message (`{"account","from","subject","text",..}`); returns `{"id","threadId","historyId"}`.
    pub async fn deliver(&self, message: Value) -> Result<Value, KitError> {
        self.call("POST", "deliver", Some(message)).await
    }

    /// Adds faults (`{"method","status","count","latency_ms","account","retry_after"}` or a list).
    pub async fn faults(&self, faults: Value) -> Result<Value, KitError> {
        self.call("POST", "faults", Some(faults)).await
    }

    /// What `email` sent through the API: `{"sent": [{id, threadId, raw (base64url), recipients, at_ms}]}`.
    pub async fn sent(&self, email: &str) -> Result<Value, KitError> {
        self.call(
            "GET",
            &format!("sent?account={}", encode_component(email)),
            None,
        )
        .await
    }

    pub async fn clear_faults(&self) -> Result<Value, KitError> {
        self.call("DELETE", "faults", None).await
    }

    pub async fn counters(&self) -> Result<Value, KitError> {
        self.call("GET", "counters", None).await
    }

    pub async fn reset_counters(&self) -> Result<(), KitError> {
        self.call("POST", "counters/reset", None).await.map(|_| ())
    }

    /// Patches settings (`{"history_retention_secs": 60}`).
    pub async fn settings(&self, patch: Value) -> Result<Value, KitError> {
        self.call("POST", "settings", Some(patch)).await
    }

    /// Moves the emulator's clock forward.
    pub async fn advance_clock(&self, seconds: i64) -> Result<Value, KitError> {
        self.call("POST", "clock/advance", Some(json!({ "seconds": seconds })))
            .await
    }

    /// Revokes every token of an account, as the user would at myaccount.google.com.
    pub async fn revoke(&self, email: &str) -> Result<Value, KitError> {
        self.call("POST", "revoke", Some(json!({ "account": email })))
            .await
    }

    /// `{"accounts":[{"email","sub","threadsUnread","threadsTotal","historyId"}]}`.
    pub async fn accounts(&self) -> Result<Vec<Value>, KitError> {
        let v = self.call("GET", "accounts", None).await?;
        Ok(v["accounts"].as_array().cloned().unwrap_or_default())
    }

    /// The emulator's own INBOX `threadsUnread` of one account.
    pub async fn threads_unread(&self, email: &str) -> Result<u64, KitError> {
        let accounts = self.accounts().await?;
        accounts
            .iter()
            .find(|a| a["email"] == email)
            .and_then(|a| a["threadsUnread"].as_u64())
            .ok_or_else(|| KitError::Decode(format!("accounts ({email})")))
    }

    /// Gmail usage since the last counter reset, summed over `accounts` (all when `None`).
    pub async fn usage(&self, accounts: Option<&[&str]>) -> Result<Usage, KitError> {
        Ok(Usage::from_counters(&self.counters().await?, accounts))
    }
}

fn check(response: &HttpResponse, what: &str) -> Result<(), KitError> {
    if response.is_success() {
        return Ok(());
    }
    Err(KitError::Status {
        what: what.to_string(),
        status: response.status,
        body: String::from_utf8_lossy(&response.body)
            .chars()
            .take(300)
            .collect(),
    })
}

/// Gmail API usage read from the emulator's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// HTTP requests to the Gmail API: a batch counts once, its parts not at all. OAuth calls are not included.
    pub http_requests: u64,
    pub quota_units: u64,
    pub token_refreshes: u64,
    /// Calls per discovery method id (batch parts included, each under its own method) and `batch`.
    pub calls: BTreeMap<String, u64>,
    /// Parts per batch request, of every account.
    pub batch_sizes: Vec<u64>,
}

impl Usage {
    /// Sums the counters of `accounts` (all when `None`). The emulator records batch sizes for all accounts
    /// together, so with a filter the HTTP count is exact only when the other accounts sent no batch.
    pub fn from_counters(counters: &Value, accounts: Option<&[&str]>) -> Self {
        let mut usage = Usage::default();
        if let Some(map) = counters["accounts"].as_object() {
            for (email, c) in map {
                if accounts.is_some_and(|want| !want.iter().any(|w| w.eq_ignore_ascii_case(email)))
                {
                    continue;
                }
                usage.quota_units += c["quota_units"].as_u64().unwrap_or(0);
                usage.token_refreshes += c["token_refreshes"].as_u64().unwrap_or(0);
                if let Some(requests) = c["requests"].as_object() {
                    for (method, n) in requests {
                        *usage.calls.entry(method.clone()).or_default() += n.as_u64().unwrap_or(0);
                    }
                }
            }
        }
        usage.batch_sizes = counters["batch_sizes"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        let gmail_calls: u64 = usage
            .calls
            .iter()
            .filter(|(m, _)| m.starts_with("gmail.") || m.as_str() == "batch")
            .map(|(_, n)| n)
            .sum();
        let parts: u64 = if usage.calls.contains_key("batch") {
            usage.batch_sizes.iter().sum()
        } else {
            0
        };
        usage.http_requests = gmail_calls.saturating_sub(parts);
        usage
    }

    pub fn calls_of(&self, method: &str) -> u64 {
        self.calls.get(method).copied().unwrap_or(0)
    }
}

struct Grant {
    refresh_token: String,
    access_token: Option<String>,
}

/// Access tokens from the emulator's OAuth endpoints, cached in memory like the background's cache:
/// a cached token until Gmail refuses it, then one refresh.
pub struct EmulatorTokens {
    env: Rc<dyn Env>,
    base: String,
    grants: RefCell<HashMap<String, Grant>>,
}

/// The redirect URI the kit pretends to listen on; the authorisation code is read from the 302 itself.
const REDIRECT_URI: &str = "http://127.0.0.1:9/oauth2callback";
const SCOPES: &str = "openid email https://www.googleapis.com/auth/gmail.modify";

impl EmulatorTokens {
    pub fn new(env: Rc<dyn Env>, base: &str) -> Self {
        EmulatorTokens {
            env,
            base: base.trim_end_matches('/').to_string(),
            grants: RefCell::new(HashMap::new()),
        }
    }

    /// Runs the authorisation-code flow with PKCE for `email` (the emulator must have `auto_consent`), and
    /// keeps its tokens under the account id `email`.
    pub async fn add_account(&self, email: &str) -> Result<(), KitError> {
        let seed =
            self.env.random_u64() ^ crate::env::splitmix64(email.len() as u64 ^ self.env.now_ms());
        let verifier: String = (0..4u64)
            .map(|i| format!("{:016x}", crate::env::splitmix64(seed.wrapping_add(i))))
            .collect();
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()));
        let query = form(&[
            ("client_id", DEMO_CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("response_type", "code"),
            ("scope", SCOPES),
            ("state", "kit-state"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("access_type", "offline"),
            ("prompt", "consent"),
            ("login_hint", email),
        ]);
        let url = format!("{}/o/oauth2/v2/auth?{query}", self.base);
        let response = self
            .env
            .send(HttpRequest {
                method: "GET".into(),
                url,
                headers: Vec::new(),
                body: Vec::new(),
            })
            .await?;
        if response.status != 302 {
            return Err(KitError::Status {
                what: "authorize".into(),
                status: response.status,
                body: String::new(),
            });
        }
        let location = response.header("location").unwrap_or_default();
        let code = query_param(location, "code")
            .ok_or_else(|| KitError::Decode(format!("authorize redirect {location}")))?;
        let body = form(&[
            ("code", &code),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("redirect_uri", REDIRECT_URI),
            ("grant_type", "authorization_code"),
            ("code_verifier", &verifier),
        ]);
        let token = self
            .token_call(body)
            .await
            .map_err(|e| KitError::Decode(e.to_string()))?;
        let refresh_token = token["refresh_token"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let access_token = token["access_token"].as_str().map(str::to_string);
        self.grants.borrow_mut().insert(
            email.to_string(),
            Grant {
                refresh_token,
                access_token,
            },
        );
        Ok(())
    }

    async fn token_call(&self, body: String) -> Result<Value, TokenError> {
        let request = HttpRequest {
            method: "POST".into(),
            url: format!("{}/token", self.base),
            headers: vec![(
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            )],
            body: body.into_bytes(),
        };
        let response = self
            .env
            .send(request)
            .await
            .map_err(|e| TokenError::Unavailable(e.to_string()))?;
        let value: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        match response.status {
            200 => Ok(value),
            400 if value["error"] == "invalid_grant" => Err(TokenError::ReauthRequired(
                value["error_description"]
                    .as_str()
                    .unwrap_or("invalid_grant")
                    .to_string(),
            )),
            status => Err(TokenError::Unavailable(format!(
                "token endpoint answered {status}"
            ))),
        }
    }

    async fn refresh(&self, account: &str) -> Result<String, TokenError> {
        let refresh_token = self
            .grants
            .borrow()
            .get(account)
            .map(|g| g.refresh_token.clone())
            .ok_or_else(|| TokenError::ReauthRequired(format!("no grant for {account}")))?;
        let body = form(&[
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_token),
        ]);
        let token = self.token_call(body).await?;
        let access = token["access_token"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| TokenError::Unavailable("token answer without access_token".into()))?;
        if let Some(g) = self.grants.borrow_mut().get_mut(account) {
            g.access_token = Some(access.clone());
        }
        Ok(access)
    }
}

impl TokenSource for EmulatorTokens {
    fn token<'a>(
        &'a self,
        account: &'a str,
        force_fresh: bool,
    ) -> LocalBoxFuture<'a, Result<String, TokenError>> {
        Box::pin(async move {
            if !force_fresh {
                if let Some(access) = self
                    .grants
                    .borrow()
                    .get(account)
                    .and_then(|g| g.access_token.clone())
                {
                    return Ok(access);
                }
            }
            self.refresh(account).await
        })
    }
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An [`Env`] that adds a fixed delay before every request: network round-trip time, for wall-time benches.
pub struct LatencyEnv<E: Env> {
    pub inner: E,
    pub latency_ms: u64,
}

impl<E: Env> Env for LatencyEnv<E> {
    fn send(
        &self,
        request: HttpRequest,
    ) -> LocalBoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            self.inner.sleep(self.latency_ms).await;
            self.inner.send(request).await
        })
    }

    fn sleep(&self, ms: u64) -> LocalBoxFuture<'_, ()> {
        self.inner.sleep(ms)
    }

    fn now_ms(&self) -> u64 {
        self.inner.now_ms()
    }

    fn random_u64(&self) -> u64 {
        self.inner.random_u64()
    }
}

/// A seed of `accounts` accounts with `threads` inbox threads each (a quarter unread, every fifth with a reply,
/// snippets with characters Gmail escapes), plus a few archived threads; all dated in November 2026 (up to
/// about 2,000 threads). Emails are `user{i}@bench.example`.
pub fn seed(accounts: usize, threads: usize) -> gmux_emulator::Seed {
    let mut list = Vec::new();
    for a in 0..accounts {
        let email = account_email(a);
        let mut thread_list = Vec::new();
        for t in 0..threads + 3 {
            let mut labels = vec!["INBOX"];
            if t % 4 == 0 {
                labels.push("UNREAD");
            }
            if t % 7 == 0 {
                labels.push("STARRED");
            }
            if t >= threads {
                labels = vec![]; // archived
            }
            // Thread 0 is the newest; each thread is ten minutes older than the one before, its reply five
            // minutes newer than its first message.
            let minutes = (threads + 3 - t) * 10;
            let date = |extra: usize| {
                let m = minutes + extra;
                format!(
                    "2026-11-{:02}T{:02}:{:02}:00Z",
                    1 + m / 1440,
                    (m % 1440) / 60,
                    m % 60
                )
            };
            let mut messages = vec![json!({
                "date": date(0),
                "from": format!("\"Sender {t}\" <sender{t}@example.com>"),
                "subject": format!("Thread {t} for account {a}"),
                "text": format!("Body of thread {t}: Tom & Jerry's <tag> \"quoted\""),
                "labels": labels,
            })];
            if t % 5 == 0 {
                messages.push(json!({
                    "date": date(5),
                    "from": format!("Replier {t} <replier{t}@example.org>"),
                    "subject": format!("Re: Thread {t} for account {a}"),
                    "text": format!("Reply in thread {t}"),
                    "labels": labels,
                }));
            }
            thread_list.push(json!({ "messages": messages }));
        }
        list.push(json!({ "email": email, "name": format!("User {a}"), "threads": thread_list }));
    }
    let value = json!({ "accounts": list });
    serde_json::from_value(value).unwrap_or_default()
}

pub fn account_email(i: usize) -> String {
    format!("user{i}@bench.example")
}

/// A running emulator with accounts whose tokens are in hand.
pub struct Kit {
    pub emulator: gmux_emulator::Emulator,
    pub base: String,
    pub env: Rc<NativeEnv>,
    pub tokens: Rc<EmulatorTokens>,
    pub control: Control,
    pub emails: Vec<String>,
}

impl Kit {
    /// Starts an emulator on the current tokio runtime with `seed` (auto-consent on) and authorises every account.
    pub async fn start(seed: gmux_emulator::Seed) -> Result<Kit, KitError> {
        let emails: Vec<String> = seed.accounts.iter().map(|a| a.email.clone()).collect();
        let config = gmux_emulator::EmulatorConfig {
            seed: Some(seed),
            auto_consent: true,
            ..Default::default()
        };
        let emulator = gmux_emulator::Emulator::start(config)
            .await
            .map_err(|e| KitError::Decode(format!("emulator start: {e}")))?;
        Self::with_emulator(emulator, emails).await
    }

    /// Like [`Kit::start`], with the emulator on its own threads (for timing: the server never waits for the client).
    pub async fn start_on_own_threads(seed: gmux_emulator::Seed) -> Result<Kit, KitError> {
        let emails: Vec<String> = seed.accounts.iter().map(|a| a.email.clone()).collect();
        let config = gmux_emulator::EmulatorConfig {
            seed: Some(seed),
            auto_consent: true,
            ..Default::default()
        };
        let emulator = gmux_emulator::Emulator::start_blocking(config)
            .map_err(|e| KitError::Decode(format!("emulator start: {e}")))?;
        Self::with_emulator(emulator, emails).await
    }

    async fn with_emulator(
        emulator: gmux_emulator::Emulator,
        emails: Vec<String>,
    ) -> Result<Kit, KitError> {
        let base = emulator.base_url();
        let env = Rc::new(NativeEnv::without_redirects());
        let tokens = Rc::new(EmulatorTokens::new(env.clone(), &base));
        for email in &emails {
            tokens.add_account(email).await?;
        }
        let control = Control::new(env.clone(), &base);
        control.reset_counters().await?;
        Ok(Kit {
            emulator,
            base,
            env,
            tokens,
            control,
            emails,
        })
    }

    /// Fresh inboxes for the kit's accounts (account id = email).
    pub fn inboxes(&self) -> Vec<gmux_core::inbox::AccountInbox> {
        self.emails
            .iter()
            .map(|e| gmux_core::inbox::AccountInbox::new(e, e))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_counts_a_batch_once_and_skips_oauth() {
        let counters = json!({
            "accounts": {
                "a@x": {"requests": {"batch": 1, "gmail.users.threads.get": 50, "gmail.users.threads.list": 1,
                                      "gmail.users.labels.get": 1, "oauth2.token": 2}, "quota_units": 511, "token_refreshes": 1},
                "b@x": {"requests": {"gmail.users.history.list": 1}, "quota_units": 2, "token_refreshes": 0}
            },
            "batch_sizes": [50]
        });
        let all = Usage::from_counters(&counters, None);
        assert_eq!(all.http_requests, 4);
        assert_eq!(all.quota_units, 513);
        let b = Usage::from_counters(&counters, Some(&["b@x"]));
        assert_eq!((b.http_requests, b.quota_units), (1, 2));
    }

    #[test]
    fn query_params_are_decoded() {
        assert_eq!(
            query_param("http://h/cb?state=s&code=4%2F0abc+d", "code").as_deref(),
            Some("4/0abc d")
        );
        assert_eq!(query_param("http://h/cb?state=s", "code"), None);
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn seeds_parse_into_the_emulator_format() {
        let s = seed(2, 10);
        assert_eq!(s.accounts.len(), 2);
        assert_eq!(s.accounts[0].threads.len(), 13);
        assert_eq!(
            s.accounts[0].threads[0].messages[1].date.as_deref(),
            Some("2026-11-01T02:15:00Z")
        );
    }
}
