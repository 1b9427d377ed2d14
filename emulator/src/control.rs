//! The control API under `/_emulator/` (documented in `emulator/CONTROL.md`).

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::model::NewMessage;
use crate::oauth::revoke_account;
use crate::respond::ApiResponse;
use crate::seed::SeedAttachment;
use crate::state::{Fault, Settings, Shared, State};

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
    base: &str,
    body: &[u8],
) -> ApiResponse {
    match handle_inner(shared, method, path, base, body) {
        Ok(r) | Err(r) => r,
    }
}

fn handle_inner(
    shared: &Arc<Shared>,
    method: &str,
    path: &str,
    base: &str,
    body: &[u8],
) -> Result<ApiResponse, ApiResponse> {
    let mut st = shared.lock();
    let r = match (method, path) {
        ("GET", "client_secret.json") => ok(client_secret_json(&st, base)),
        ("POST", "deliver") => {
            let d: Deliver = parse(body)?;
            let now = st.now_ms();
            let Some(mb) = st.mailbox_mut(&d.account) else {
                return Err(bad(format!("unknown account {}", d.account)));
            };
            let built = !d.from.is_empty()
                || d.to.is_some()
                || d.cc.is_some()
                || !d.subject.is_empty()
                || d.text.is_some()
                || d.html.is_some()
                || !d.attachments.is_empty();
            let raw = match &d.raw {
                Some(_) if built => {
                    return Err(bad("a raw message takes only raw, labels and thread_id"))
                }
                Some(raw) => Some(
                    crate::rfc822::decode_raw_field(raw)
                        .map_err(|e| bad(format!("raw is not base64url: {e}")))?,
                ),
                None if d.from.is_empty() => return Err(bad("give from (or raw)")),
                None if d.text.is_none() && d.html.is_none() && d.attachments.is_empty() => {
                    return Err(bad("give text, html or attachments"))
                }
                None => None,
            };
            let labels: Vec<String> = d
                .labels
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
            let m = mb
                .messages
                .get(&id)
                .map(|m| (m.thread_id.clone(), m.history_id));
            let (thread_id, hid) = m.unwrap_or_default();
            ok(json!({"id": id, "threadId": thread_id, "historyId": hid.to_string()}))
        }
        ("POST", "delete") => {
            let d: DeleteMessage = parse(body)?;
            let now = st.now_ms();
            let Some(mb) = st.mailbox_mut(&d.account) else {
                return Err(bad(format!("unknown account {}", d.account)));
            };
            if !mb.delete_message(&d.id, now) {
                return Err(bad(format!("unknown message {}", d.id)));
            }
            ok(json!({"deleted": d.id, "historyId": mb.history_id.to_string()}))
        }
        ("GET", "faults") => ok(json!({"faults": st.faults})),
        ("POST", "faults") => {
            let body_v: Value = parse(body)?;
            let list: Vec<Fault> = if body_v.is_array() {
                serde_json::from_value(body_v).map_err(|e| bad(format!("invalid fault: {e}")))?
            } else {
                vec![serde_json::from_value(body_v)
                    .map_err(|e| bad(format!("invalid fault: {e}")))?]
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
            ok(json!({"faults": st.faults}))
        }
        ("DELETE", "faults") => {
            st.faults.clear();
            ok(json!({"faults": []}))
        }
        ("GET", "counters") => ok(serde_json::to_value(&st.counters).unwrap_or_default()),
        ("POST", "counters/reset") => {
            st.counters = Default::default();
            ok(serde_json::to_value(&st.counters).unwrap_or_default())
        }
        ("POST", "clock/advance") => {
            let a: Advance = parse(body)?;
            if !a.seconds.is_finite() || a.seconds.abs() > 1e12 {
                return Err(bad("seconds must be a finite number"));
            }
            st.clock_offset_ms = st
                .clock_offset_ms
                .saturating_add((a.seconds * 1000.0) as i64);
            ok(json!({"now_ms": st.now_ms(), "offset_secs": st.clock_offset_ms / 1000}))
        }
        ("GET", "clock") => {
            ok(json!({"now_ms": st.now_ms(), "offset_secs": st.clock_offset_ms / 1000}))
        }
        ("POST", "revoke") => {
            let a: AccountOnly = parse(body)?;
            if st.mailbox(&a.account).is_none() {
                return Err(bad(format!("unknown account {}", a.account)));
            }
            let n = revoke_account(&mut st, &a.account);
            ok(json!({"revoked": n}))
        }
        ("POST", "reset") => {
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
            ok(json!({"reset": true}))
        }
        ("GET", "settings") => ok(serde_json::to_value(&st.settings).unwrap_or_default()),
        ("POST", "settings") => {
            let patch: Value = parse(body)?;
            let Value::Object(patch) = patch else {
                return Err(bad("settings must be a JSON object"));
            };
            let mut current = serde_json::to_value(&st.settings).unwrap_or_default();
            if let Value::Object(cur) = &mut current {
                for (k, v) in patch {
                    cur.insert(k, v);
                }
            }
            let new: Settings = serde_json::from_value(current)
                .map_err(|e| bad(format!("invalid settings: {e}")))?;
            st.settings = new;
            ok(serde_json::to_value(&st.settings).unwrap_or_default())
        }
        ("GET", "issued_tokens") => {
            ok(json!({"access_tokens": st.issued_access, "refresh_tokens": st.issued_refresh}))
        }
        ("GET", "accounts") => {
            let list: Vec<Value> = st
                .mailboxes
                .iter()
                .map(|m| {
                    let c = m.label_counts("INBOX");
                    json!({"email": m.email, "name": m.name, "sub": m.sub, "threadsUnread": c.threads_unread,
                           "threadsTotal": c.threads_total, "historyId": m.history_id.to_string()})
                })
                .collect();
            ok(json!({"accounts": list}))
        }
        _ => ApiResponse::json(
            404,
            &json!({"error": format!("no control endpoint {method} /_emulator/{path}")}),
            true,
        ),
    };
    Ok(r)
}
