//! The control API under `/_emulator/` (documented in `emulator/CONTROL.md`).

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::model::{Mailbox, NewMessage};
use crate::oauth::revoke_account;
use crate::respond::ApiResponse;
use crate::seed::SeedAttachment;
use crate::state::{Fault, Shared, State};

fn bad(message: impl Into<String>) -> ApiResponse {
    ApiResponse::json(400, &json!({"error": message.into()}), true)
}

fn ok(v: Value) -> ApiResponse {
    ApiResponse::json(200, &v, true)
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiResponse> {
    let body = if body.iter().all(|b| b.is_ascii_whitespace()) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| bad(format!("invalid request body: {e}")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Deliver {
    account: String,
    /// The whole message, RFC 822 in base64url, instead of `from`..`attachments`.
    #[serde(default)]
    raw: Option<String>,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    cc: Option<String>,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    html: Option<String>,
    #[serde(default)]
    labels: Option<Vec<String>>,
    #[serde(default)]
    thread_id: Option<String>,
    #[serde(default)]
    attachments: Vec<SeedAttachment>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeleteMessage {
    account: String,
    id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    /// Fractions allowed, so a test can land just after a minute boundary of the quota window.
    seconds: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Generate {
    account: String,
    threads: usize,
    #[serde(default = "default_generate_seed")]
    seed: u64,
}

fn default_generate_seed() -> u64 {
    1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountOnly {
    account: String,
}

pub fn client_secret_json(st: &State, base: &str) -> Value {
    let client = st.clients.first();
    json!({"installed": {
        "client_id": client.map(|c| c.client_id.as_str()).unwrap_or(""),
        "project_id": client.map(|c| c.project_id.as_str()).unwrap_or("gmux-emulator"),
        "auth_uri": format!("{base}/o/oauth2/v2/auth"),
        "token_uri": format!("{base}/token"),
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_secret": client.map(|c| c.client_secret.as_str()).unwrap_or(""),
        "redirect_uris": ["http://localhost"],
    }})
}

pub fn handle(
    shared: &Arc<Shared>,
    method: &str,
    path: &str,
    query: &str,
    base: &str,
    body: &[u8],
) -> ApiResponse {
    match handle_inner(shared, method, path, query, base, body) {
        Ok(r) | Err(r) => r,
    }
}

fn handle_inner(
    shared: &Arc<Shared>,
    method: &str,
    path: &str,
    query: &str,
    base: &str,
    body: &[u8],
) -> Result<ApiResponse, ApiResponse> {
    if let Some(name) = path.strip_prefix("assets/") {
        return Ok(asset(method, name));
    }
    let mut st = shared.lock();
    let st = &mut *st;
    let v = match (method, path) {
        ("GET", "client_secret.json") => client_secret_json(st, base),
        ("POST", "deliver") => deliver(st, parse(body)?)?,
        ("POST", "delete") => delete_message(st, parse(body)?)?,
        ("GET", "faults") => json!({"faults": st.faults}),
        ("POST", "faults") => add_faults(st, parse(body)?)?,
        ("DELETE", "faults") => {
            st.faults.clear();
            json!({"faults": []})
        }
        ("GET", "counters") => serde_json::to_value(&st.counters).unwrap_or_default(),
        ("POST", "counters/reset") => {
            st.counters = Default::default();
            serde_json::to_value(&st.counters).unwrap_or_default()
        }
        ("POST", "clock/advance") => advance_clock(st, parse(body)?)?,
        ("GET", "clock") => clock_json(st),
        ("POST", "revoke") => revoke(st, parse(body)?)?,
        ("POST", "reset") => reset(shared, st),
        ("GET", "settings") => serde_json::to_value(&st.settings).unwrap_or_default(),
        ("POST", "settings") => patch_settings(st, parse(body)?)?,
        ("GET", "issued_tokens") => {
            json!({"access_tokens": st.issued_access, "refresh_tokens": st.issued_refresh})
        }
        ("GET", "accounts") => accounts(st),
        ("GET", "sent") => sent(st, query)?,
        ("POST", "generate") => generate(st, parse(body)?)?,
        _ => {
            return Ok(ApiResponse::json(
                404,
                &json!({"error": format!("no control endpoint {method} /_emulator/{path}")}),
                true,
            ))
        }
    };
    Ok(ok(v))
}

/// `GET assets/NAME`: the images the demo mail shows as remote content.
fn asset(method: &str, name: &str) -> ApiResponse {
    match crate::assets::asset(name) {
        Some((content_type, bytes)) if method == "GET" => ApiResponse {
            status: 200,
            headers: vec![
                ("Content-Type".into(), content_type.into()),
                ("Cache-Control".into(), "public, max-age=86400".into()),
            ],
            body: bytes,
        },
        _ => ApiResponse::json(
            404,
            &json!({"error": format!("no asset {method} /_emulator/assets/{name}")}),
            true,
        ),
    }
}

/// The mailbox of a control call's `account`, or 400.
fn mailbox_of<'a>(st: &'a mut State, account: &str) -> Result<&'a mut Mailbox, ApiResponse> {
    st.mailbox_mut(account)
        .ok_or_else(|| bad(format!("unknown account {account}")))
}

/// `POST deliver`: mail arrives now, raw or built from fields.
fn deliver(st: &mut State, d: Deliver) -> Result<Value, ApiResponse> {
    let now = st.now_ms();
    let mb = mailbox_of(st, &d.account)?;
    let raw = delivered_raw(&d)?;
    let labels: Vec<String> = d
        .labels
        .clone()
        .unwrap_or_else(|| vec!["INBOX".into(), "UNREAD".into()])
        .iter()
        .map(|l| mb.resolve_label_name(l))
        .collect();
    if let Some(l) = labels.iter().find(|l| !mb.label_exists(l)) {
        return Err(bad(format!("unknown label {l}")));
    }
    let message = match raw {
        Some(bytes) => NewMessage::from_raw(&bytes, d.thread_id, now, labels),
        None => NewMessage {
            thread_id: d.thread_id,
            date_ms: now,
            from: d.from,
            to: d.to.unwrap_or_else(|| mb.email.clone()),
            cc: d.cc,
            subject: d.subject,
            text: d.text,
            html: d.html,
            labels,
            attachments: d.attachments,
            source: None,
        },
    };
    let id = mb.insert_message(message);
    let (thread_id, hid) = mb
        .messages
        .get(&id)
        .map(|m| (m.thread_id.clone(), m.history_id))
        .unwrap_or_default();
    Ok(json!({"id": id, "threadId": thread_id, "historyId": hid.to_string()}))
}

/// The raw bytes of a delivery, when it is raw; refuses a delivery that is both raw and built, or neither.
fn delivered_raw(d: &Deliver) -> Result<Option<Vec<u8>>, ApiResponse> {
    let built = !d.from.is_empty()
        || d.to.is_some()
        || d.cc.is_some()
        || !d.subject.is_empty()
        || d.text.is_some()
        || d.html.is_some()
        || !d.attachments.is_empty();
    match &d.raw {
        Some(_) if built => Err(bad("a raw message takes only raw, labels and thread_id")),
        Some(raw) => crate::decode::decode_raw_field(raw)
            .map(Some)
            .map_err(|e| bad(format!("raw is not base64url: {e}"))),
        None if d.from.is_empty() => Err(bad("give from (or raw)")),
        None if d.text.is_none() && d.html.is_none() && d.attachments.is_empty() => {
            Err(bad("give text, html or attachments"))
        }
        None => Ok(None),
    }
}

/// `POST delete`: a message goes for good.
fn delete_message(st: &mut State, d: DeleteMessage) -> Result<Value, ApiResponse> {
    let now = st.now_ms();
    let mb = mailbox_of(st, &d.account)?;
    if !mb.delete_message(&d.id, now) {
        return Err(bad(format!("unknown message {}", d.id)));
    }
    Ok(json!({"deleted": d.id, "historyId": mb.history_id.to_string()}))
}

/// `POST faults`: one fault or a list.
fn add_faults(st: &mut State, body: Value) -> Result<Value, ApiResponse> {
    let list: Vec<Fault> = if body.is_array() {
        serde_json::from_value(body).map_err(|e| bad(format!("invalid fault: {e}")))?
    } else {
        vec![serde_json::from_value(body).map_err(|e| bad(format!("invalid fault: {e}")))?]
    };
    for f in &list {
        if f.status.is_none() && f.latency_ms.is_none() && !f.malformed {
            return Err(bad("a fault needs status, latency_ms or malformed"));
        }
        if f.status.is_some_and(|s| !(100..=599).contains(&s)) {
            return Err(bad("status must be an HTTP status code"));
        }
    }
    st.faults.extend(list);
    Ok(json!({"faults": st.faults}))
}

fn clock_json(st: &State) -> Value {
    json!({"now_ms": st.now_ms(), "offset_secs": st.clock_offset_ms / 1000})
}

fn advance_clock(st: &mut State, a: Advance) -> Result<Value, ApiResponse> {
    if !a.seconds.is_finite() || a.seconds.abs() > 1e12 {
        return Err(bad("seconds must be a finite number"));
    }
    st.clock_offset_ms = st
        .clock_offset_ms
        .saturating_add((a.seconds * 1000.0) as i64);
    Ok(clock_json(st))
}

fn revoke(st: &mut State, a: AccountOnly) -> Result<Value, ApiResponse> {
    if st.mailbox(&a.account).is_none() {
        return Err(bad(format!("unknown account {}", a.account)));
    }
    Ok(json!({"revoked": revoke_account(st, &a.account)}))
}

/// `POST reset`: everything but OAuth grants back to the start.
fn reset(shared: &Shared, st: &mut State) -> Value {
    let fresh = State::new(&shared.initial_seed, shared.initial_settings.clone());
    let State {
        mailboxes,
        settings,
        faults,
        counters,
        clock_offset_ms,
        quota,
        ..
    } = fresh;
    st.mailboxes = mailboxes;
    st.settings = settings;
    st.faults = faults;
    st.counters = counters;
    st.clock_offset_ms = clock_offset_ms;
    st.quota = quota;
    st.sent.clear();
    json!({"reset": true})
}

/// `POST settings`: a partial object over the current settings; unknown keys are refused.
fn patch_settings(st: &mut State, patch: Value) -> Result<Value, ApiResponse> {
    let Value::Object(patch) = patch else {
        return Err(bad("settings must be a JSON object"));
    };
    let mut current = serde_json::to_value(&st.settings).unwrap_or_default();
    if let Value::Object(cur) = &mut current {
        for (k, v) in patch {
            cur.insert(k, v);
        }
    }
    st.settings =
        serde_json::from_value(current).map_err(|e| bad(format!("invalid settings: {e}")))?;
    Ok(serde_json::to_value(&st.settings).unwrap_or_default())
}

/// `POST generate`: N deterministic threads for an account, dated before now, recorded in history.
fn generate(st: &mut State, g: Generate) -> Result<Value, ApiResponse> {
    if g.threads == 0 || g.threads > crate::seed::MAX_THREADS {
        return Err(bad(format!(
            "threads must be between 1 and {}",
            crate::seed::MAX_THREADS
        )));
    }
    let now = st.now_ms();
    let mb = mailbox_of(st, &g.account)?;
    let done = crate::generate::generate(mb, g.threads, g.seed, now);
    Ok(
        json!({"threads": done.threads, "messages": done.messages, "historyId": mb.history_id.to_string()}),
    )
}

/// `GET sent?account=EMAIL`: what the account sent through the API, oldest first, raw as it was sent (Bcc
/// included); without `account`, every account's.
fn sent(st: &State, query: &str) -> Result<Value, ApiResponse> {
    let account = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "account")
        .map(|(_, v)| v.into_owned());
    if let Some(a) = &account {
        if st.mailbox(a).is_none() {
            return Err(bad(format!("unknown account {a}")));
        }
    }
    let list: Vec<Value> = st
        .sent
        .iter()
        .filter(|r| account.as_ref().is_none_or(|a| r.account.eq_ignore_ascii_case(a)))
        .map(|r| {
            json!({"account": r.account, "id": r.id, "threadId": r.thread_id,
                   "raw": crate::model::b64url(&r.raw), "recipients": r.recipients, "at_ms": r.at_ms})
        })
        .collect();
    Ok(json!({"sent": list}))
}

fn accounts(st: &State) -> Value {
    let list: Vec<Value> = st
        .mailboxes
        .iter()
        .map(|m| {
            let c = m.label_counts("INBOX");
            json!({"email": m.email, "name": m.name, "sub": m.sub, "threadsUnread": c.threads_unread,
                   "threadsTotal": c.threads_total, "historyId": m.history_id.to_string()})
        })
        .collect();
    json!({"accounts": list})
}
