//! The sync engine (`gmux_gmail::SyncEngine::sync_account`) fed hostile Gmail answers: a first (full) sync,
//! then a poll (incremental) on the same inbox, over an `Env` whose answers come from the input. The
//! emulator cannot send hostile JSON, so this `Env` is the fuzz input itself: it reads the client's real
//! batch requests strictly and answers in Google's multipart shape; time is virtual, so backoffs cost
//! nothing.
//!
//! A corpus file is a JSON object: `profile`, `label`, `threads_list` (bodies), `threads` (thread id →
//! body; an id not there is a 404), `history` (one body per page, in order), optional `label_after` and
//! `threads_after` (answers during the poll), and `status` (kind → HTTP status, default 200). A body that is
//! a JSON string is sent as that text, so bodies need not be JSON. Properties, after each sync:
//! - it returns; it sends a bounded number of requests (retries and history pages are capped);
//! - on success: the history id is a u64, the rows are at most `MAX_THREADS_PER_ACCOUNT`, all in the inbox,
//!   newest first, each the account's, and each a thread the sync asked Gmail for; health is `Ok`;
//! - on failure: the rows and history id are the last good ones, and health says what failed;
//! - then an action on the newest row, as the background does it (`actions::begin` shows it,
//!   `SyncEngine::apply` sends it, `actions::settle` keeps the answer or undoes it), answered by `modify`:
//!   it never panics (the counters move by one and must not overflow), a success returns the row acted on
//!   and keeps the rows' invariants, and a refusal puts the rows back as they were.

use futures::future::LocalBoxFuture;
use gmux_core::inbox::{AccountInbox, InboxStore, SyncHealth, ThreadRow, MAX_THREADS_PER_ACCOUNT};
use gmux_fuzz::{signature, Target, Verdict};
use gmux_gmail::client::encode_component;
use gmux_gmail::env::{HttpRequest, HttpResponse, TokenError, TokenSource, TransportError};
use gmux_gmail::{actions, Env, GmailError, SyncEngine, SyncOutcome, ThreadAction};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

pub const TARGET: Target = Target {
    name: "sync_engine",
    check,
    dictionary: &[
        b"\"nextPageToken\":\"p\"",
        b"\"historyId\":\"18446744073709551615\"",
        b"\"status\":{\"history\":404}",
        b"\"status\":{\"batch\":503}",
        b"\"status\":{\"profile\":401}",
        b"\"labelIds\":[\"INBOX\"]",
    ],
    structured: Some(gmux_fuzz::json::mutate),
    generate: None,
    max_len: 1 << 20,
};

#[test]
fn sync_engine() {
    super::fuzz(TARGET);
}

/// The most requests one sync may send: 3 calls (or 4 history pages, a batch and a label read, then a full
/// sync), each retried at most 4 times, with one forced token refresh each.
const MAX_REQUESTS_PER_SYNC: u64 = 80;
const BOUNDARY: &str = "batch_fuzz_9f8e7d6c5b4a";

struct Script {
    doc: Value,
    /// During the poll, `label_after` and `threads_after` answer instead.
    polling: Cell<bool>,
    history_calls: Cell<usize>,
    requests: Cell<u64>,
    now_ms: Cell<u64>,
    /// Every thread id the engine asked threads.get for.
    asked: RefCell<Vec<String>>,
}

impl Script {
    fn body(value: &Value) -> Vec<u8> {
        match value {
            Value::String(text) => text.as_bytes().to_vec(),
            other => serde_json::to_vec(other).unwrap_or_default(),
        }
    }

    fn status(&self, kind: &str, default: u16) -> u16 {
        self.doc
            .get("status")
            .and_then(|s| s.get(kind))
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
            .filter(|s| (100..600).contains(s))
            .unwrap_or(default)
    }

    fn field(&self, name: &str) -> Option<&Value> {
        if self.polling.get() {
            if let Some(v) = self.doc.get(format!("{name}_after")) {
                return Some(v);
            }
        }
        self.doc.get(name)
    }

    /// One Gmail call's answer, by the path after `/gmail/v1/users/me/`.
    fn answer(&self, path: &str) -> (u16, Vec<u8>) {
        let (resource, _query) = path.split_once('?').unwrap_or((path, ""));
        let missing = || {
            (
                404,
                br#"{"error":{"code":404,"message":"Requested entity was not found."}}"#.to_vec(),
            )
        };
        if resource == "profile" {
            return self
                .field("profile")
                .map_or_else(missing, |v| (self.status("profile", 200), Self::body(v)));
        }
        if resource == "labels/INBOX" {
            return self
                .field("label")
                .map_or_else(missing, |v| (self.status("label", 200), Self::body(v)));
        }
        if resource == "threads" {
            return self.field("threads_list").map_or_else(missing, |v| {
                (self.status("threads_list", 200), Self::body(v))
            });
        }
        if resource == "history" {
            let n = self.history_calls.get();
            self.history_calls.set(n + 1);
            let pages = self.doc.get("history").and_then(Value::as_array);
            return match pages.and_then(|p| p.get(n).or(p.last())) {
                Some(v) => (self.status("history", 200), Self::body(v)),
                None => missing(),
            };
        }
        if resource.ends_with("/modify") || resource.ends_with("/trash") {
            return self
                .doc
                .get("modify")
                .map_or_else(missing, |v| (self.status("modify", 200), Self::body(v)));
        }
        if let Some(id) = resource.strip_prefix("threads/") {
            self.asked.borrow_mut().push(id.to_string());
            let found = self
                .field("threads")
                .and_then(Value::as_object)
                .and_then(|m| {
                    m.iter()
                        .find(|(k, _)| encode_component(k) == id)
                        .map(|(_, v)| v.clone())
                });
            let found = found.or_else(|| {
                // During the poll, threads not in `threads_after` answer as before.
                self.doc
                    .get("threads")
                    .and_then(Value::as_object)
                    .and_then(|m| {
                        m.iter()
                            .find(|(k, _)| encode_component(k) == id)
                            .map(|(_, v)| v.clone())
                    })
            });
            return match found {
                Some(v) => (self.status("thread", 200), Self::body(&v)),
                None => missing(),
            };
        }
        (
            400,
            br#"{"error":{"code":400,"message":"unexpected call"}}"#.to_vec(),
        )
    }

    fn respond(&self, request: &HttpRequest) -> Result<HttpResponse, String> {
        let path = request
            .url
            .strip_prefix("https://gmail.fuzz")
            .ok_or_else(|| format!("a request to another host: {}", request.url))?;
        if path == "/batch/gmail/v1" {
            let content_type =
                gmux_gmail::env::header(&request.headers, "content-type").unwrap_or_default();
            let boundary =
                gmux_gmail::batch::boundary_of(content_type).ok_or("a batch without a boundary")?;
            let calls = super::batch::read_request(&request.body, &boundary)?;
            if calls.is_empty() || calls.len() > gmux_gmail::batch::MAX_BATCH_PARTS {
                return Err(format!("a batch of {} calls", calls.len()));
            }
            let mut out = String::new();
            for (i, call) in calls.iter().enumerate() {
                let rest = call
                    .path
                    .strip_prefix("/gmail/v1/users/me/")
                    .ok_or_else(|| format!("a batch part for {}", call.path))?;
                let (status, body) = self.answer(rest);
                out.push_str(&format!(
                    "--{BOUNDARY}\r\nContent-Type: application/http\r\nContent-ID: <response-item-{}>\r\n\r\nHTTP/1.1 {status} X\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{}\r\n",
                    i + 1,
                    String::from_utf8_lossy(&body)
                ));
            }
            out.push_str(&format!("--{BOUNDARY}--\r\n"));
            return Ok(HttpResponse {
                status: self.status("batch", 200),
                headers: vec![(
                    "Content-Type".into(),
                    format!("multipart/mixed; boundary={BOUNDARY}"),
                )],
                body: out.into_bytes(),
            });
        }
        let rest = path
            .strip_prefix("/gmail/v1/users/me/")
            .ok_or_else(|| format!("a request for {path}"))?;
        let (status, body) = self.answer(rest);
        Ok(HttpResponse {
            status,
            headers: vec![("Retry-After".into(), "1".into())],
            body,
        })
    }
}

/// The fuzz input as the engine's `Env`. A request the input cannot answer is a network error; a request
/// the client should never send is recorded and fails the check.
struct ScriptEnv {
    script: Rc<Script>,
    misuse: RefCell<Option<String>>,
}

impl Env for ScriptEnv {
    fn send(
        &self,
        request: HttpRequest,
    ) -> LocalBoxFuture<'_, Result<HttpResponse, TransportError>> {
        self.script.requests.set(self.script.requests.get() + 1);
        let answer = self.script.respond(&request);
        Box::pin(async move {
            answer.map_err(|why| {
                self.misuse.borrow_mut().get_or_insert(why.clone());
                TransportError(why)
            })
        })
    }

    fn sleep(&self, ms: u64) -> LocalBoxFuture<'_, ()> {
        self.script
            .now_ms
            .set(self.script.now_ms.get().saturating_add(ms));
        Box::pin(async {})
    }

    fn now_ms(&self) -> u64 {
        self.script.now_ms.get()
    }
}

struct Tokens;

impl TokenSource for Tokens {
    fn token<'a>(
        &'a self,
        _account: &'a str,
        _force_fresh: bool,
    ) -> LocalBoxFuture<'a, Result<String, TokenError>> {
        Box::pin(async { Ok("ya29.fuzz".to_string()) })
    }
}

fn check(input: &[u8]) -> Verdict {
    let Ok(doc) = serde_json::from_slice::<Value>(input) else {
        return Ok(signature("not json"));
    };
    if !doc.is_object() {
        return Ok(signature("not an object"));
    }
    let script = Rc::new(Script {
        doc,
        polling: Cell::new(false),
        history_calls: Cell::new(0),
        requests: Cell::new(0),
        now_ms: Cell::new(1_700_000_000_000),
        asked: RefCell::new(Vec::new()),
    });
    let env = Rc::new(ScriptEnv {
        script: script.clone(),
        misuse: RefCell::new(None),
    });
    let engine = SyncEngine::new(env.clone(), Rc::new(Tokens), "https://gmail.fuzz");
    let mut inbox = AccountInbox::new("acct-1", "a@example.com");
    let mut outcomes = Vec::new();
    for polling in [false, true] {
        script.polling.set(polling);
        script.history_calls.set(0);
        script.asked.borrow_mut().clear();
        let before_requests = script.requests.get();
        let before = inbox.clone();
        let result = futures::executor::block_on(engine.sync_account(&mut inbox));
        if let Some(why) = env.misuse.borrow_mut().take() {
            return Err(format!("the client sent a request it should not: {why}"));
        }
        let sent = script.requests.get() - before_requests;
        if sent > MAX_REQUESTS_PER_SYNC {
            return Err(format!("one sync sent {sent} requests"));
        }
        inbox_invariants(&before, &inbox, &result, &script.asked.borrow())?;
        outcomes.push(match &result {
            Ok(o) => format!("{:?}", o.kind),
            Err(e) => e.intent_error().as_str().to_string(),
        });
        outcomes.push(format!(
            "rows {} sent {} history pages {} asked {}",
            inbox.threads.len().min(4),
            sent.min(8),
            script.history_calls.get().min(5),
            script.asked.borrow().len().min(4)
        ));
    }
    if let Some(row) = inbox.threads.first().cloned() {
        let action = action_of(&script.doc, input);
        outcomes.push(format!("{action:?}"));
        outcomes.push(apply_like_the_background(
            &engine, &mut inbox, &row, action,
        )?);
    }
    Ok(signature(outcomes))
}

const ACTIONS: [ThreadAction; 6] = [
    ThreadAction::MarkRead,
    ThreadAction::MarkUnread,
    ThreadAction::Archive,
    ThreadAction::Trash,
    ThreadAction::Star,
    ThreadAction::Unstar,
];

/// The input's `action` (`"mark_unread"`, ..), else one picked by the input's hash.
fn action_of(doc: &Value, input: &[u8]) -> ThreadAction {
    doc.get("action")
        .and_then(|a| serde_json::from_value::<ThreadAction>(a.clone()).ok())
        .unwrap_or(ACTIONS[(signature(input) % ACTIONS.len() as u64) as usize])
}

/// What the background does for a user's action (`gmux_gmail::actions`): show it at once, send it, keep Gmail's
/// answer or undo the change if Gmail refuses.
fn apply_like_the_background(
    engine: &SyncEngine,
    inbox: &mut AccountInbox,
    row: &ThreadRow,
    action: ThreadAction,
) -> Result<String, String> {
    let before = inbox.clone();
    let account = inbox.account.id.clone();
    let mut store = InboxStore::default();
    store.put_account(inbox.clone());
    let pending = actions::begin(&mut store, &account, &row.thread_id, action);
    if !pending.changed_store() {
        return Err("the row to act on was not in the inbox".into());
    }
    let mut answered = store
        .account(&account)
        .cloned()
        .ok_or("the account left the store")?;
    let result = futures::executor::block_on(engine.apply(&mut answered, &row.thread_id, action));
    let verdict = match &result {
        Ok(fresh) if fresh.thread_id != row.thread_id => {
            return Err(format!(
                "acting on {:?} returned the row of {:?}",
                row.thread_id, fresh.thread_id
            ))
        }
        Ok(_) => {
            actions::settle(&mut store, pending, Ok(answered), &|_, _| String::new());
            "applied".to_string()
        }
        Err(e) => {
            actions::settle(&mut store, pending, Err(e), &|_, _| String::new());
            e.intent_error().as_str().to_string()
        }
    };
    *inbox = store
        .account(&account)
        .cloned()
        .ok_or("the account left the store")?;
    match &result {
        Ok(_) => rows_invariants(inbox)?,
        Err(e) if inbox.threads != before.threads => {
            return Err(format!(
                "undoing a refused action ({e}) did not restore the rows"
            ))
        }
        Err(_) => {}
    }
    Ok(verdict)
}

fn has_duplicate_rows(inbox: &AccountInbox) -> bool {
    let mut ids: Vec<&str> = inbox.threads.iter().map(|r| r.thread_id.as_str()).collect();
    ids.sort();
    ids.windows(2).any(|w| w[0] == w[1])
}

/// What every stored inbox keeps: at most 100 rows, all in the inbox and the account's, newest first.
fn rows_invariants(inbox: &AccountInbox) -> Result<(), String> {
    if inbox.threads.len() > MAX_THREADS_PER_ACCOUNT {
        return Err(format!("{} rows kept", inbox.threads.len()));
    }
    if let Some(row) = inbox
        .threads
        .iter()
        .find(|r| !r.in_inbox() || r.account_id != "acct-1")
    {
        return Err(format!(
            "a row outside the inbox or of another account: {row:?}"
        ));
    }
    let mut sorted = inbox.threads.clone();
    gmux_core::inbox::sort_newest_first(&mut sorted);
    if sorted != inbox.threads {
        return Err("the rows are not newest first".into());
    }
    Ok(())
}

fn inbox_invariants(
    before: &AccountInbox,
    after: &AccountInbox,
    result: &Result<SyncOutcome, GmailError>,
    asked: &[String],
) -> Result<(), String> {
    match result {
        Ok(_) => {
            if after.account.health != SyncHealth::Ok {
                return Err(format!(
                    "a good sync left health {:?}",
                    after.account.health
                ));
            }
            let history_ok = after
                .history_id
                .as_deref()
                .is_some_and(|h| h.parse::<u64>().is_ok());
            if !history_ok {
                return Err(format!(
                    "a good sync stored history id {:?}",
                    after.history_id
                ));
            }
            if after.threads.len() > MAX_THREADS_PER_ACCOUNT {
                return Err(format!("{} rows kept", after.threads.len()));
            }
            if let Some(row) = after
                .threads
                .iter()
                .find(|r| !r.in_inbox() || r.account_id != "acct-1")
            {
                return Err(format!(
                    "a row outside the inbox or of another account: {row:?}"
                ));
            }
            let mut sorted = after.threads.clone();
            gmux_core::inbox::sort_newest_first(&mut sorted);
            if sorted != after.threads {
                return Err("the rows are not newest first".into());
            }
            // Found by this fuzzer and fixed: a threads.get answer naming another thread than the one asked
            // for added a row nobody asked for, and an id listed twice was kept as two rows.
            if has_duplicate_rows(after) {
                return Err("a thread has two rows".into());
            }
            // A row is either one the inbox already had or a thread this sync asked for.
            let known = |row: &ThreadRow| {
                before.threads.iter().any(|b| b.thread_id == row.thread_id)
                    || asked
                        .iter()
                        .any(|id| *id == encode_component(&row.thread_id))
            };
            if let Some(row) = after.threads.iter().find(|r| !known(r)) {
                return Err(format!(
                    "a row for thread {:?}, which the sync never asked for (asked {asked:?})",
                    row.thread_id
                ));
            }
        }
        Err(e) => {
            if after.threads != before.threads || after.history_id != before.history_id {
                return Err(format!(
                    "a failed sync ({e}) changed the rows or the history id"
                ));
            }
            if after.account.health == SyncHealth::Ok || after.account.health_cause.is_none() {
                return Err(format!(
                    "a failed sync ({e}) left health {:?}",
                    after.account.health
                ));
            }
        }
    }
    Ok(())
}
