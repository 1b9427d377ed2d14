//! Gmail API v1: authentication, scopes, concurrency, faults, quota, then the methods themselves.
//! One entry point (`handle`) serves both plain HTTP requests and the parts of a batch.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::fields::Selection;
use crate::model::{is_valid_id, Mailbox, Message, IMMUTABLE_LABELS};
use crate::oauth::{SCOPE_FULL, SCOPE_METADATA, SCOPE_MODIFY, SCOPE_READONLY};
use crate::query::Query;
use crate::respond::{fault_error, ApiResponse, GoogleError};
use crate::state::{Shared, State};

/// One Gmail call, from the network or from inside a batch.
pub struct ApiRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub authorization: Option<&'a str>,
    pub body: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    GetProfile,
    LabelsList,
    LabelsGet,
    MessagesList,
    MessagesGet,
    MessagesModify,
    MessagesTrash,
    MessagesUntrash,
    MessagesBatchModify,
    ThreadsList,
    ThreadsGet,
    ThreadsModify,
    ThreadsTrash,
    ThreadsUntrash,
    HistoryList,
}

impl Route {
    /// The discovery document's method id.
    pub fn method_id(self) -> &'static str {
        match self {
            Route::GetProfile => "gmail.users.getProfile",
            Route::LabelsList => "gmail.users.labels.list",
            Route::LabelsGet => "gmail.users.labels.get",
            Route::MessagesList => "gmail.users.messages.list",
            Route::MessagesGet => "gmail.users.messages.get",
            Route::MessagesModify => "gmail.users.messages.modify",
            Route::MessagesTrash => "gmail.users.messages.trash",
            Route::MessagesUntrash => "gmail.users.messages.untrash",
            Route::MessagesBatchModify => "gmail.users.messages.batchModify",
            Route::ThreadsList => "gmail.users.threads.list",
            Route::ThreadsGet => "gmail.users.threads.get",
            Route::ThreadsModify => "gmail.users.threads.modify",
            Route::ThreadsTrash => "gmail.users.threads.trash",
            Route::ThreadsUntrash => "gmail.users.threads.untrash",
            Route::HistoryList => "gmail.users.history.list",
        }
    }

    /// Quota units per call, as Google publishes them.
    fn units(self) -> u64 {
        match self {
            Route::GetProfile | Route::LabelsList | Route::LabelsGet => 1,
            Route::HistoryList => 2,
            Route::MessagesList
            | Route::MessagesGet
            | Route::MessagesModify
            | Route::MessagesTrash
            | Route::MessagesUntrash => 5,
            Route::ThreadsList
            | Route::ThreadsGet
            | Route::ThreadsModify
            | Route::ThreadsTrash
            | Route::ThreadsUntrash => 10,
            Route::MessagesBatchModify => 50,
        }
    }

    fn writes(self) -> bool {
        matches!(
            self,
            Route::MessagesModify
                | Route::MessagesTrash
                | Route::MessagesUntrash
                | Route::MessagesBatchModify
                | Route::ThreadsModify
                | Route::ThreadsTrash
                | Route::ThreadsUntrash
        )
    }
}

/// Splits `/gmail/v1/users/{userId}/...` into (route, userId, resource id).
fn route(method: &str, path: &str) -> Option<(Route, String, Option<String>)> {
    let rest = path.strip_prefix("/gmail/v1/users/")?;
    let segs: Vec<String> = rest
        .split('/')
        .map(|s| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect();
    let user = segs.first()?.clone();
    let s: Vec<&str> = segs.iter().skip(1).map(String::as_str).collect();
    let id = |i: usize| s.get(i).map(|x| x.to_string());
    let r = match (method, s.as_slice()) {
        ("GET", ["profile"]) => (Route::GetProfile, None),
        ("GET", ["labels"]) => (Route::LabelsList, None),
        ("GET", ["labels", _]) => (Route::LabelsGet, id(1)),
        ("GET", ["messages"]) => (Route::MessagesList, None),
        ("POST", ["messages", "batchModify"]) => (Route::MessagesBatchModify, None),
        ("GET", ["messages", _]) => (Route::MessagesGet, id(1)),
        ("POST", ["messages", _, "modify"]) => (Route::MessagesModify, id(1)),
        ("POST", ["messages", _, "trash"]) => (Route::MessagesTrash, id(1)),
        ("POST", ["messages", _, "untrash"]) => (Route::MessagesUntrash, id(1)),
        ("GET", ["threads"]) => (Route::ThreadsList, None),
        ("GET", ["threads", _]) => (Route::ThreadsGet, id(1)),
        ("POST", ["threads", _, "modify"]) => (Route::ThreadsModify, id(1)),
        ("POST", ["threads", _, "trash"]) => (Route::ThreadsTrash, id(1)),
        ("POST", ["threads", _, "untrash"]) => (Route::ThreadsUntrash, id(1)),
        ("GET", ["history"]) => (Route::HistoryList, None),
        _ => return None,
    };
    Some((r.0, user, r.1))
}

/// Query parameters in order, with repeated keys kept.
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(query: &str) -> Params {
        Params(
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        )
    }
    fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }
    fn all(&self, k: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == k)
            .flat_map(|(_, v)| v.split(',').map(String::from))
            .collect()
    }
    fn bool(&self, k: &str) -> Result<bool, GoogleError> {
        match self.get(k) {
            None => Ok(false),
            Some("true") | Some("1") => Ok(true),
            Some("false") | Some("0") => Ok(false),
            Some(v) => Err(GoogleError::invalid_param(
                format!("Invalid value '{v}' for {k}: not a boolean"),
                "query",
            )),
        }
    }
}

/// Whether the caller asked for pretty JSON (Google's default).
pub fn pretty(params: &Params) -> bool {
    params.get("prettyPrint") != Some("false")
}

/// Releases a concurrency slot when the call is done, whatever path it took.
struct InflightGuard {
    shared: Arc<Shared>,
    email: String,
}

impl Drop for InflightGuard {
    fn drop(&mut self) {
        let mut st = self.shared.lock();
        if let Some(n) = st.inflight.get_mut(&self.email) {
            *n = n.saturating_sub(1);
        }
    }
}

/// Serves one Gmail call.
pub async fn handle(shared: &Arc<Shared>, req: ApiRequest<'_>) -> ApiResponse {
    let params = Params::parse(req.query);
    let pretty = pretty(&params);
    match handle_inner(shared, &req, &params).await {
        Ok(r) => r,
        Err(e) => e.to_response(pretty),
    }
}

async fn handle_inner(
    shared: &Arc<Shared>,
    req: &ApiRequest<'_>,
    params: &Params,
) -> Result<ApiResponse, GoogleError> {
    let pretty = pretty(params);
    let Some((route, user_id, resource_id)) = route(req.method, req.path) else {
        return Err(GoogleError::new(
            404,
            format!("Method not found: {} {}", req.method, req.path),
            "notFound",
        ));
    };
    let token = req
        .authorization
        .and_then(|h| {
            let h = h.trim();
            h.get(..7)
                .filter(|p| p.eq_ignore_ascii_case("bearer "))
                .map(|_| h[7..].trim().to_string())
        })
        .or_else(|| params.get("access_token").map(String::from))
        .or_else(|| params.get("oauth_token").map(String::from));
    let Some(token) = token else {
        return Err(GoogleError::missing_credentials());
    };

    let (email, scopes) = {
        let mut st = shared.lock();
        let now = st.now_ms();
        let Some(t) = st.access_tokens.get(&token).cloned() else {
            return Err(GoogleError::invalid_credentials());
        };
        *st.counters
            .account(&t.email)
            .requests
            .entry(route.method_id().into())
            .or_default() += 1;
        if t.revoked || t.expires_ms <= now {
            return Err(GoogleError::invalid_credentials());
        }
        (t.email, t.scopes)
    };
    if user_id != "me" && !user_id.eq_ignore_ascii_case(&email) {
        return Err(GoogleError::new(
            403,
            format!("Delegation denied for {email}"),
            "forbidden",
        ));
    }
    let has = |s: &str| scopes.iter().any(|x| x == s);
    let can_read =
        has(SCOPE_MODIFY) || has(SCOPE_FULL) || has(SCOPE_READONLY) || has(SCOPE_METADATA);
    let can_write = has(SCOPE_MODIFY) || has(SCOPE_FULL);
    if (route.writes() && !can_write) || !can_read {
        return Err(GoogleError::insufficient_scopes());
    }
    // With gmail.metadata granted, Google refuses `q` and bodies even when a wider scope is also granted.
    if has(SCOPE_METADATA) && !has(SCOPE_FULL) {
        if params.get("q").is_some_and(|q| !q.is_empty()) {
            return Err(GoogleError::new(
                403,
                "Metadata scope does not support 'q' parameter",
                "forbidden",
            ));
        }
        if matches!(route, Route::MessagesGet | Route::ThreadsGet)
            && matches!(params.get("format"), None | Some("full") | Some("raw"))
            && !(has(SCOPE_MODIFY) || has(SCOPE_READONLY))
        {
            return Err(GoogleError::new(
                403,
                "Metadata scope doesn't allow format FULL",
                "forbidden",
            ));
        }
    }

    // The concurrency slot is held for the whole call, injected latency included, as a slow backend would.
    let _slot = {
        let mut st = shared.lock();
        let cap = st.settings.concurrency_cap;
        let n = st.inflight.entry(email.clone()).or_default();
        if *n >= cap {
            return Err(GoogleError::new(
                429,
                "Too many concurrent requests for user",
                "rateLimitExceeded",
            ));
        }
        *n += 1;
        InflightGuard {
            shared: shared.clone(),
            email: email.clone(),
        }
    };
    let fault = shared.lock().take_fault(route.method_id(), Some(&email));
    if let Some(f) = fault {
        if let Some(ms) = f.latency_ms {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        if let Some(status) = f.status {
            let mut r = match f.body {
                Some(b) => ApiResponse::json(status, &b, pretty),
                None => fault_error(status).to_response(pretty),
            };
            if let Some(s) = f.retry_after {
                r = r.header("Retry-After", s.to_string());
            }
            return Ok(r);
        }
    }

    let mut st = shared.lock();
    let now = st.now_ms();
    let minute = now.div_euclid(60_000);
    let budget = st.settings.quota_units_per_minute;
    let used = st.quota.entry(email.clone()).or_insert((minute, 0));
    if used.0 != minute {
        *used = (minute, 0);
    }
    if used.1 + route.units() > budget {
        let mut e = GoogleError::new(403, "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'gmail.googleapis.com' for consumer 'project_number:000000000000'.", "rateLimitExceeded");
        e.domain = "usageLimits";
        return Err(e);
    }
    used.1 += route.units();
    st.counters.account(&email).quota_units += route.units();

    let fields = match params.get("fields") {
        Some(f) => Some(Selection::parse(f).map_err(|m| GoogleError::invalid_param(m, "fields"))?),
        None => None,
    };
    if let Some(alt) = params.get("alt") {
        if alt != "json" {
            return Err(GoogleError::invalid_param(
                format!("Invalid value '{alt}' for alt: only json is served"),
                "alt",
            ));
        }
    }
    let retention = st.settings.history_retention_secs;
    let State { mailboxes, .. } = &mut *st;
    let Some(mb) = mailboxes
        .iter_mut()
        .find(|m| m.email.eq_ignore_ascii_case(&email))
    else {
        return Err(GoogleError::new(
            400,
            "Mail service not enabled",
            "failedPrecondition",
        ));
    };
    mb.prune_history(now, retention);
    let result = execute(mb, route, resource_id.as_deref(), params, req.body, now)?;
    Ok(match result {
        Some(v) => {
            let v = match &fields {
                Some(sel) => sel.apply(&v),
                None => v,
            };
            ApiResponse::json(200, &v, pretty)
        }
        None => ApiResponse::empty(204),
    })
}

fn check_id(id: Option<&str>) -> Result<&str, GoogleError> {
    match id {
        Some(id) if is_valid_id(id) => Ok(id),
        _ => Err(GoogleError::invalid_param("Invalid id value", "id")),
    }
}

fn parse_body(body: &[u8]) -> Result<Value, GoogleError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(json!({}));
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        let mut err = GoogleError::new(
            400,
            format!("Invalid JSON payload received. {e}"),
            "invalid",
        );
        err.status = "INVALID_ARGUMENT";
        err
    })?;
    if !v.is_object() {
        return Err(GoogleError::new(
            400,
            "Invalid JSON payload received. Expected an object.",
            "invalid",
        ));
    }
    Ok(v)
}

fn string_list(v: &Value, key: &str) -> Result<Vec<String>, GoogleError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str().map(String::from).ok_or_else(|| {
                    GoogleError::new(
                        400,
                        format!("Invalid value at '{key}', expected a string"),
                        "invalid",
                    )
                })
            })
            .collect(),
        Some(_) => Err(GoogleError::new(
            400,
            format!("Invalid value at '{key}', expected a list of strings"),
            "invalid",
        )),
    }
}

const PAGE_MULTIPLIER: u64 = 1_000_003;
const PAGE_OFFSET: u64 = 4_242_424_242;

fn page_token(offset: usize) -> String {
    format!("{:020}", offset as u64 * PAGE_MULTIPLIER + PAGE_OFFSET)
}

fn page_offset(params: &Params) -> Result<usize, GoogleError> {
    let Some(tok) = params.get("pageToken").filter(|t| !t.is_empty()) else {
        return Ok(0);
    };
    tok.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_sub(PAGE_OFFSET))
        .filter(|n| n % PAGE_MULTIPLIER == 0)
        .map(|n| (n / PAGE_MULTIPLIER) as usize)
        .ok_or_else(|| GoogleError::invalid_param("Invalid pageToken", "pageToken"))
}

fn max_results(params: &Params, default: usize) -> Result<usize, GoogleError> {
    match params.get("maxResults") {
        None => Ok(default),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n >= 1 => Ok((n as usize).min(500)),
            Ok(0) => Ok(default),
            _ => Err(GoogleError::invalid_param(format!("Invalid value '{v}'. Values must match the following regular expression: '-?\\d+' and be positive"), "maxResults")),
        },
    }
}

/// Messages matching labelIds, q and the spam/trash rule, newest first. `now` (the emulator clock) is what
/// `older_than:`/`newer_than:` count back from.
fn matching_messages<'a>(
    mb: &'a Mailbox,
    params: &Params,
    now: i64,
) -> Result<Vec<&'a Message>, GoogleError> {
    let label_ids = params.all("labelIds");
    let query = Query::parse(mb, params.get("q").unwrap_or(""), now);
    let include_st =
        params.bool("includeSpamTrash")? || label_ids.iter().any(|l| l == "SPAM" || l == "TRASH");
    let mut v: Vec<&Message> = mb
        .messages
        .values()
        .filter(|m| label_ids.iter().all(|l| m.labels.contains(l)))
        .filter(|m| query.matches(m, include_st))
        .collect();
    v.sort_by(|a, b| (b.internal_date_ms, &b.id).cmp(&(a.internal_date_ms, &a.id)));
    Ok(v)
}

fn format_param(params: &Params, allowed: &[&str]) -> Result<String, GoogleError> {
    let f = params.get("format").unwrap_or("full").to_ascii_lowercase();
    if allowed.contains(&f.as_str()) {
        Ok(f)
    } else {
        Err(GoogleError::invalid_param(
            format!("Invalid value at 'format', \"{f}\""),
            "format",
        ))
    }
}

fn validate_labels(mb: &Mailbox, add: &[String], remove: &[String]) -> Result<(), GoogleError> {
    if add.is_empty() && remove.is_empty() {
        return Err(GoogleError::bad_request(
            "No label add or removes specified",
        ));
    }
    for l in add.iter().chain(remove) {
        if IMMUTABLE_LABELS.contains(&l.as_str()) || !mb.label_exists(l) {
            return Err(GoogleError::bad_request(format!("Invalid label: {l}")));
        }
    }
    Ok(())
}

fn thread_json(mb: &Mailbox, thread_id: &str, format: &str, headers: &[String]) -> Value {
    let msgs = mb.thread_messages(thread_id);
    json!({
        "id": thread_id,
        "historyId": mb.thread_history_id(thread_id).to_string(),
        "messages": msgs.iter().map(|m| m.render(format, headers)).collect::<Vec<_>>(),
    })
}

fn execute(
    mb: &mut Mailbox,
    route: Route,
    id: Option<&str>,
    params: &Params,
    body: &[u8],
    now: i64,
) -> Result<Option<Value>, GoogleError> {
    let v = match route {
        Route::GetProfile => {
            let threads: std::collections::BTreeSet<&str> =
                mb.messages.values().map(|m| m.thread_id.as_str()).collect();
            json!({
                "emailAddress": mb.email,
                "messagesTotal": mb.messages.len(),
                "threadsTotal": threads.len(),
                "historyId": mb.history_id.to_string(),
            })
        }
        Route::LabelsList => {
            let labels: Vec<Value> = mb
                .all_label_ids()
                .iter()
                .filter_map(|l| mb.label_json(l, false))
                .collect();
            json!({"labels": labels})
        }
        Route::LabelsGet => {
            let id = id.unwrap_or_default();
            mb.label_json(id, true).ok_or_else(GoogleError::not_found)?
        }
        Route::MessagesList => {
            let all = matching_messages(mb, params, now)?;
            let offset = page_offset(params)?;
            let max = max_results(params, 100)?;
            let page: Vec<Value> = all
                .iter()
                .skip(offset)
                .take(max)
                .map(|m| m.minimal_ref())
                .collect();
            let mut v = json!({"resultSizeEstimate": all.len()});
            if !page.is_empty() {
                v["messages"] = Value::Array(page);
            }
            if offset + max < all.len() {
                v["nextPageToken"] = json!(page_token(offset + max));
            }
            v
        }
        Route::ThreadsList => {
            let all = matching_messages(mb, params, now)?;
            let mut seen: BTreeMap<&str, ()> = BTreeMap::new();
            let mut thread_ids: Vec<&str> = Vec::new();
            // Threads sort by their newest message overall, as Gmail's conversation list does.
            let mut latest: Vec<(i64, &str)> = Vec::new();
            for m in &all {
                if seen.insert(m.thread_id.as_str(), ()).is_none() {
                    let newest = mb
                        .thread_messages(&m.thread_id)
                        .last()
                        .map(|x| x.internal_date_ms)
                        .unwrap_or(0);
                    latest.push((newest, m.thread_id.as_str()));
                }
            }
            latest.sort_by(|a, b| b.cmp(a));
            thread_ids.extend(latest.iter().map(|(_, t)| *t));
            let offset = page_offset(params)?;
            let max = max_results(params, 100)?;
            let page: Vec<Value> = thread_ids
                .iter()
                .skip(offset)
                .take(max)
                .map(|t| {
                    let msgs = mb.thread_messages(t);
                    let snippet = msgs.last().map(|m| m.snippet()).unwrap_or_default();
                    json!({"id": t, "snippet": snippet, "historyId": mb.thread_history_id(t).to_string()})
                })
                .collect();
            let mut v = json!({"resultSizeEstimate": thread_ids.len()});
            if !page.is_empty() {
                v["threads"] = Value::Array(page);
            }
            if offset + max < thread_ids.len() {
                v["nextPageToken"] = json!(page_token(offset + max));
            }
            v
        }
        Route::MessagesGet => {
            let id = check_id(id)?;
            let format = format_param(params, &["minimal", "full", "raw", "metadata"])?;
            let m = mb.messages.get(id).ok_or_else(GoogleError::not_found)?;
            m.render(&format, &params.all("metadataHeaders"))
        }
        Route::ThreadsGet => {
            let id = check_id(id)?;
            let format = format_param(params, &["minimal", "full", "metadata"])?;
            if mb.thread_messages(id).is_empty() {
                return Err(GoogleError::not_found());
            }
            thread_json(mb, id, &format, &params.all("metadataHeaders"))
        }
        Route::MessagesModify | Route::ThreadsModify => {
            let id = check_id(id)?;
            let req = parse_body(body)?;
            let add = string_list(&req, "addLabelIds")?;
            let remove = string_list(&req, "removeLabelIds")?;
            let ids = target_ids(mb, route, id)?;
            validate_labels(mb, &add, &remove)?;
            for m in &ids {
                mb.change_labels(m, &add, &remove, now);
            }
            modified_json(mb, route, id)
        }
        Route::MessagesTrash
        | Route::ThreadsTrash
        | Route::MessagesUntrash
        | Route::ThreadsUntrash => {
            let id = check_id(id)?;
            let ids = target_ids(mb, route, id)?;
            for m in &ids {
                if matches!(route, Route::MessagesTrash | Route::ThreadsTrash) {
                    mb.trash(m, now);
                } else {
                    mb.untrash(m, now);
                }
            }
            modified_json(mb, route, id)
        }
        Route::MessagesBatchModify => {
            let req = parse_body(body)?;
            let ids = string_list(&req, "ids")?;
            let add = string_list(&req, "addLabelIds")?;
            let remove = string_list(&req, "removeLabelIds")?;
            if ids.is_empty() {
                return Err(GoogleError::bad_request("No ids specified"));
            }
            if ids.len() > 1000 {
                return Err(GoogleError::bad_request(
                    "Too many ids specified: at most 1000",
                ));
            }
            if let Some(bad) = ids.iter().find(|i| !is_valid_id(i)) {
                return Err(GoogleError::invalid_param(
                    format!("Invalid id value: {bad}"),
                    "ids",
                ));
            }
            validate_labels(mb, &add, &remove)?;
            for m in &ids {
                mb.change_labels(m, &add, &remove, now);
            }
            return Ok(None);
        }
        Route::HistoryList => history(mb, params)?,
    };
    Ok(Some(v))
}

fn target_ids(mb: &Mailbox, route: Route, id: &str) -> Result<Vec<String>, GoogleError> {
    let ids: Vec<String> = match route {
        Route::ThreadsModify | Route::ThreadsTrash | Route::ThreadsUntrash => mb
            .thread_messages(id)
            .iter()
            .map(|m| m.id.clone())
            .collect(),
        _ => mb
            .messages
            .get(id)
            .map(|m| vec![m.id.clone()])
            .unwrap_or_default(),
    };
    if ids.is_empty() {
        return Err(GoogleError::not_found());
    }
    Ok(ids)
}

fn modified_json(mb: &Mailbox, route: Route, id: &str) -> Value {
    match route {
        Route::ThreadsModify | Route::ThreadsTrash | Route::ThreadsUntrash => json!({
            "id": id,
            "historyId": mb.thread_history_id(id).to_string(),
            "messages": mb.thread_messages(id).iter().map(|m| m.with_labels_ref()).collect::<Vec<_>>(),
        }),
        _ => mb
            .messages
            .get(id)
            .map(|m| m.with_labels_ref())
            .unwrap_or_default(),
    }
}

const HISTORY_TYPES: &[&str] = &[
    "messageAdded",
    "messageDeleted",
    "labelAdded",
    "labelRemoved",
];

fn history(mb: &Mailbox, params: &Params) -> Result<Value, GoogleError> {
    let Some(start) = params.get("startHistoryId") else {
        return Err(GoogleError::invalid_param(
            "Required parameter: startHistoryId",
            "startHistoryId",
        ));
    };
    let start: u64 = start.parse().map_err(|_| {
        GoogleError::invalid_param(
            format!("Invalid value '{start}' for startHistoryId"),
            "startHistoryId",
        )
    })?;
    let types = params.all("historyTypes");
    if let Some(bad) = types.iter().find(|t| !HISTORY_TYPES.contains(&t.as_str())) {
        return Err(GoogleError::invalid_param(
            format!("Invalid value at 'history_types', \"{bad}\""),
            "historyTypes",
        ));
    }
    if start < mb.history_floor {
        return Err(GoogleError::not_found());
    }
    let want = |t: &str| types.is_empty() || types.iter().any(|x| x == t);
    let label = params.get("labelId");
    let mut records: Vec<Value> = Vec::new();
    for r in mb.history.iter().filter(|r| r.id > start) {
        if let Some(l) = label {
            if !(r.labels_after.iter().any(|x| x == l)
                || r.added.iter().any(|x| x == l)
                || r.removed.iter().any(|x| x == l))
            {
                continue;
            }
        }
        let msg = json!({"id": r.message_id, "threadId": r.thread_id, "labelIds": r.labels_after});
        let mut rec = json!({"id": r.id.to_string(), "messages": [{"id": r.message_id, "threadId": r.thread_id}]});
        let mut any = false;
        match r.kind {
            crate::model::HistoryKind::MessageAdded if want("messageAdded") => {
                rec["messagesAdded"] = json!([{"message": msg}]);
                any = true;
            }
            crate::model::HistoryKind::MessageDeleted if want("messageDeleted") => {
                rec["messagesDeleted"] = json!([{"message": msg}]);
                any = true;
            }
            crate::model::HistoryKind::Labels => {
                if !r.added.is_empty() && want("labelAdded") {
                    rec["labelsAdded"] = json!([{"message": msg, "labelIds": r.added}]);
                    any = true;
                }
                if !r.removed.is_empty() && want("labelRemoved") {
                    rec["labelsRemoved"] = json!([{"message": msg, "labelIds": r.removed}]);
                    any = true;
                }
            }
            _ => {}
        }
        if any {
            records.push(rec);
        }
    }
    let offset = page_offset(params)?;
    let max = max_results(params, 100)?;
    let mut v = json!({"historyId": mb.history_id.to_string()});
    let page: Vec<Value> = records.iter().skip(offset).take(max).cloned().collect();
    if !page.is_empty() {
        v["history"] = Value::Array(page);
    }
    if offset + max < records.len() {
        v["nextPageToken"] = json!(page_token(offset + max));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_discovery_paths() {
        let cases = [
            ("GET", "/gmail/v1/users/me/profile", Some(Route::GetProfile)),
            (
                "GET",
                "/gmail/v1/users/me/labels/INBOX",
                Some(Route::LabelsGet),
            ),
            (
                "POST",
                "/gmail/v1/users/me/messages/batchModify",
                Some(Route::MessagesBatchModify),
            ),
            (
                "POST",
                "/gmail/v1/users/a%40b.c/threads/abc/trash",
                Some(Route::ThreadsTrash),
            ),
            ("GET", "/gmail/v1/users/me/threads/abc/trash", None),
            ("DELETE", "/gmail/v1/users/me/messages/abc", None),
            ("GET", "/gmail/v1/users/me", None),
        ];
        for (m, p, want) in cases {
            assert_eq!(route(m, p).map(|r| r.0), want, "{m} {p}");
        }
        assert_eq!(
            route("GET", "/gmail/v1/users/a%40b.c/profile").map(|r| r.1),
            Some("a@b.c".to_string())
        );
    }

    #[test]
    fn page_tokens_round_trip_and_reject_garbage() {
        let p = Params::parse(&format!("pageToken={}", page_token(300)));
        assert_eq!(page_offset(&p).unwrap(), 300);
        for bad in ["abc", "1", "-5", "99999999999999999999999"] {
            assert!(
                page_offset(&Params::parse(&format!("pageToken={bad}"))).is_err(),
                "{bad}"
            );
        }
    }
}
