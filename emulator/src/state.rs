//! The emulator's whole mutable world behind one lock: settings, clock, mailboxes, OAuth grants, faults, counters.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::Mailbox;
use crate::seed::{Seed, SeedClient};

/// Knobs a test may turn at start or through `POST /_emulator/settings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `expires_in` of access tokens (Google: 3599).
    pub access_token_lifetime_secs: u64,
    /// How long history stays readable; older `startHistoryId`s get 404 (Google: about a week).
    pub history_retention_secs: u64,
    /// Per-user budget of quota units per minute of the emulator clock (Google: 15000).
    pub quota_units_per_minute: u64,
    /// Requests of one user in flight at once before 429 (Google publishes none; 10 is a cautious guess).
    pub concurrency_cap: usize,
    /// The Google Cloud project is in "Testing" status: refresh tokens die 7 days after issue.
    pub testing_status: bool,
    /// Code exchanges return no refresh_token (as Google does on a re-consent without `prompt=consent`).
    pub omit_refresh_token: bool,
    /// When set, the consent grants only these of the requested scopes (the "user unticked a box" case).
    pub grant_scopes: Option<Vec<String>>,
    /// Live refresh tokens per client and account before the oldest dies silently (Google: 100).
    pub max_refresh_tokens_per_client_account: usize,
    /// Lifetime of authorization codes.
    pub code_lifetime_secs: u64,
    /// Largest request body accepted before 413.
    pub max_body_bytes: usize,
    /// How many parts of one batch run at once. Google fans parts out in parallel, which is why big batches
    /// meet 429s; 1 (the default) runs them one after another so a batch alone never trips the cap.
    pub batch_concurrency: usize,
    /// The authorize endpoint approves at once (for `login_hint`, else the first account) instead of showing the
    /// consent page; `--auto-consent` sets it at start, and a test can turn it off to click Allow itself.
    pub auto_consent: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            access_token_lifetime_secs: 3599,
            history_retention_secs: 7 * 24 * 3600,
            quota_units_per_minute: 15_000,
            concurrency_cap: 10,
            testing_status: false,
            omit_refresh_token: false,
            grant_scopes: None,
            max_refresh_tokens_per_client_account: 100,
            code_lifetime_secs: 600,
            max_body_bytes: 4 * 1024 * 1024,
            batch_concurrency: 1,
            auto_consent: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub email: String,
    pub scopes: Vec<String>,
    pub expires_ms: i64,
}

#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub client_id: String,
    pub email: String,
    pub scopes: Vec<String>,
    pub issued_ms: i64,
    pub revoked: bool,
}

#[derive(Debug, Clone)]
pub struct AccessToken {
    pub email: String,
    pub scopes: Vec<String>,
    pub expires_ms: i64,
    pub revoked: bool,
    pub refresh_token: Option<String>,
}

/// A pending consent: the authorize request waiting for Allow or Deny.
#[derive(Debug, Clone)]
pub struct PendingConsent {
    pub client_id: String,
    pub redirect_uri: String,
    pub state: String,
    pub scopes: Vec<String>,
    pub code_challenge: String,
    pub grant_override: Option<Vec<String>>,
}

/// An injected fault: the next `count` matching calls are delayed and/or answered with `status`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// A discovery method id (`gmail.users.threads.get`), `oauth2.token`, `oauth2.revoke`,
    /// `oauth2.userinfo`, `batch`, or `*` for every Gmail call.
    pub method: String,
    #[serde(default)]
    pub status: Option<u16>,
    /// How many calls it hits; absent means every call until cleared.
    #[serde(default)]
    pub count: Option<u64>,
    #[serde(default)]
    pub latency_ms: Option<u64>,
    #[serde(default)]
    pub account: Option<String>,
    /// Replaces the default Google-shaped error body.
    #[serde(default)]
    pub body: Option<Value>,
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// For `batch`: answer 200 with a multipart body cut off in the middle.
    #[serde(default)]
    pub malformed: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AccountCounters {
    pub requests: BTreeMap<String, u64>,
    pub quota_units: u64,
    pub token_refreshes: u64,
    pub code_exchanges: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counters {
    pub accounts: BTreeMap<String, AccountCounters>,
    pub batch_sizes: Vec<usize>,
}

impl Counters {
    pub fn account(&mut self, email: &str) -> &mut AccountCounters {
        self.accounts.entry(email.to_string()).or_default()
    }
}

/// A message an account sent through the API, as it was sent (Bcc included), for `GET /_emulator/sent`.
#[derive(Debug, Clone)]
pub struct SentRecord {
    pub account: String,
    pub id: String,
    pub thread_id: String,
    pub raw: Vec<u8>,
    pub recipients: Vec<String>,
    pub at_ms: i64,
}

pub struct State {
    pub settings: Settings,
    pub sent: Vec<SentRecord>,
    pub clock_offset_ms: i64,
    pub clients: Vec<SeedClient>,
    pub mailboxes: Vec<Mailbox>,
    pub codes: HashMap<String, AuthCode>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    pub access_tokens: HashMap<String, AccessToken>,
    pub issued_access: Vec<String>,
    pub issued_refresh: Vec<String>,
    pub pending: HashMap<String, PendingConsent>,
    pub faults: Vec<Fault>,
    pub counters: Counters,
    pub inflight: HashMap<String, usize>,
    /// Per user: (minute of the emulator clock, units used in it).
    pub quota: HashMap<String, (i64, u64)>,
}

pub fn real_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl State {
    pub fn new(seed: &Seed, settings: Settings) -> State {
        let now = real_now_ms();
        let mailboxes = seed
            .accounts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let mut mb = Mailbox::from_seed(a, now - 3_600_000, 100_000 + 7_000 * i as u64);
                mb.add_send_as(seed.send_as_of(&a.email));
                if let Some((_, g)) = seed
                    .generate
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&a.email))
                {
                    crate::generate::generate(&mut mb, g.threads, g.seed, now);
                    // Like seeded mail, generated mail in a seed is the starting state, not news.
                    mb.history.clear();
                    mb.history_id += 1;
                    mb.history_floor = mb.history_id;
                }
                mb
            })
            .collect();
        State {
            settings,
            sent: Vec::new(),
            clock_offset_ms: 0,
            clients: seed.clients.clone(),
            mailboxes,
            codes: HashMap::new(),
            refresh_tokens: HashMap::new(),
            access_tokens: HashMap::new(),
            issued_access: Vec::new(),
            issued_refresh: Vec::new(),
            pending: HashMap::new(),
            faults: Vec::new(),
            counters: Counters::default(),
            inflight: HashMap::new(),
            quota: HashMap::new(),
        }
    }

    /// Now on the emulator clock (real time plus every `clock/advance`).
    pub fn now_ms(&self) -> i64 {
        real_now_ms().saturating_add(self.clock_offset_ms)
    }

    pub fn mailbox(&self, email: &str) -> Option<&Mailbox> {
        self.mailboxes
            .iter()
            .find(|m| m.email.eq_ignore_ascii_case(email))
    }

    pub fn mailbox_mut(&mut self, email: &str) -> Option<&mut Mailbox> {
        self.mailboxes
            .iter_mut()
            .find(|m| m.email.eq_ignore_ascii_case(email))
    }

    pub fn client(&self, id: &str) -> Option<&SeedClient> {
        self.clients.iter().find(|c| c.client_id == id)
    }

    /// Takes the first matching fault (decrementing its count) for a method and account.
    pub fn take_fault(&mut self, method: &str, account: Option<&str>) -> Option<Fault> {
        let idx = self.faults.iter().position(|f| {
            (f.method == method || (f.method == "*" && method.starts_with("gmail.")))
                && f.count != Some(0)
                && match (&f.account, account) {
                    (Some(want), Some(got)) => want.eq_ignore_ascii_case(got),
                    (Some(_), None) => false,
                    (None, _) => true,
                }
        })?;
        let fault = &mut self.faults[idx];
        let taken = fault.clone();
        if let Some(c) = fault.count.as_mut() {
            *c -= 1;
            if *c == 0 {
                self.faults.remove(idx);
            }
        }
        Some(taken)
    }
}

pub struct Shared {
    pub state: Mutex<State>,
    pub initial_seed: Seed,
    pub initial_settings: Settings,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
