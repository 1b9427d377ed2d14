//! Gmail API v1: authentication, scopes, concurrency, faults, quota, then the methods themselves.
//! One entry point (`handle`) serves both plain HTTP requests and the parts of a batch.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::fields::Selection;
use crate::model::{is_valid_id, Mailbox, Message, IMMUTABLE_LABELS};
use crate::oauth::{
    SCOPE_COMPOSE, SCOPE_FULL, SCOPE_LABELS, SCOPE_METADATA, SCOPE_MODIFY, SCOPE_READONLY,
    SCOPE_SEND, SCOPE_SETTINGS_BASIC,
};
use crate::query::Query;
use crate::respond::{fault_error, ApiResponse, GoogleError};
use crate::send::{self, Upload};
use crate::state::{Shared, State};

/// One Gmail call, from the network or from inside a batch.
pub struct ApiRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub authorization: Option<&'a str>,
    /// The request's `Content-Type` (uploads need it).
    pub content_type: Option<&'a str>,
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
    AttachmentsGet,
    ThreadsList,
    ThreadsGet,
    ThreadsModify,
    ThreadsTrash,
    ThreadsUntrash,
    HistoryList,
    MessagesSend,
    DraftsCreate,
    DraftsUpdate,
    DraftsGet,
    DraftsList,
    DraftsSend,
    DraftsDelete,
    SendAsList,
    LabelsCreate,
    LabelsPatch,
    LabelsUpdate,
    LabelsDelete,
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
            Route::AttachmentsGet => "gmail.users.messages.attachments.get",
            Route::ThreadsList => "gmail.users.threads.list",
            Route::ThreadsGet => "gmail.users.threads.get",
            Route::ThreadsModify => "gmail.users.threads.modify",
            Route::ThreadsTrash => "gmail.users.threads.trash",
            Route::ThreadsUntrash => "gmail.users.threads.untrash",
            Route::HistoryList => "gmail.users.history.list",
            Route::MessagesSend => "gmail.users.messages.send",
            Route::DraftsCreate => "gmail.users.drafts.create",
            Route::DraftsUpdate => "gmail.users.drafts.update",
            Route::DraftsGet => "gmail.users.drafts.get",
            Route::DraftsList => "gmail.users.drafts.list",
            Route::DraftsSend => "gmail.users.drafts.send",
            Route::DraftsDelete => "gmail.users.drafts.delete",
            Route::SendAsList => "gmail.users.settings.sendAs.list",
            Route::LabelsCreate => "gmail.users.labels.create",
            Route::LabelsPatch => "gmail.users.labels.patch",
            Route::LabelsUpdate => "gmail.users.labels.update",
            Route::LabelsDelete => "gmail.users.labels.delete",
        }
    }

    /// Quota units per call, as Google publishes them.
    fn units(self) -> u64 {
        match self {
            Route::GetProfile | Route::LabelsList | Route::LabelsGet | Route::SendAsList => 1,
            Route::HistoryList => 2,
            Route::MessagesList
            | Route::MessagesGet
            | Route::MessagesModify
            | Route::MessagesTrash
            | Route::MessagesUntrash
            | Route::AttachmentsGet
            | Route::DraftsGet
            | Route::DraftsList
            | Route::LabelsCreate
            | Route::LabelsPatch
            | Route::LabelsUpdate
            | Route::LabelsDelete => 5,
            Route::ThreadsList
            | Route::ThreadsGet
            | Route::ThreadsModify
            | Route::ThreadsTrash
            | Route::ThreadsUntrash
            | Route::DraftsCreate
            | Route::DraftsDelete => 10,
            Route::DraftsUpdate => 15,
            Route::MessagesBatchModify => 50,
            Route::MessagesSend | Route::DraftsSend => 100,
        }
    }

    /// The scopes (of those the emulator knows) the discovery document accepts for the method.
    fn scopes(self) -> &'static [&'static str] {
        const READ: &[&str] = &[SCOPE_METADATA, SCOPE_MODIFY, SCOPE_READONLY, SCOPE_FULL];
        const WRITE: &[&str] = &[SCOPE_MODIFY, SCOPE_FULL];
        match self {
            Route::GetProfile => &[
                SCOPE_COMPOSE,
                SCOPE_METADATA,
                SCOPE_MODIFY,
                SCOPE_READONLY,
                SCOPE_FULL,
            ],
            Route::LabelsList | Route::LabelsGet => &[
                SCOPE_LABELS,
                SCOPE_METADATA,
                SCOPE_MODIFY,
                SCOPE_READONLY,
                SCOPE_FULL,
            ],
            Route::MessagesList
            | Route::MessagesGet
            | Route::ThreadsList
            | Route::ThreadsGet
            | Route::HistoryList => READ,
            Route::AttachmentsGet => &[SCOPE_MODIFY, SCOPE_READONLY, SCOPE_FULL],
            Route::MessagesModify
            | Route::MessagesTrash
            | Route::MessagesUntrash
            | Route::MessagesBatchModify
            | Route::ThreadsModify
            | Route::ThreadsTrash
            | Route::ThreadsUntrash => WRITE,
            Route::MessagesSend => &[SCOPE_COMPOSE, SCOPE_MODIFY, SCOPE_SEND, SCOPE_FULL],
            Route::DraftsCreate | Route::DraftsUpdate | Route::DraftsSend | Route::DraftsDelete => {
                &[SCOPE_COMPOSE, SCOPE_MODIFY, SCOPE_FULL]
            }
            Route::DraftsGet | Route::DraftsList => {
                &[SCOPE_COMPOSE, SCOPE_MODIFY, SCOPE_READONLY, SCOPE_FULL]
            }
            Route::LabelsCreate
            | Route::LabelsPatch
            | Route::LabelsUpdate
            | Route::LabelsDelete => &[SCOPE_LABELS, SCOPE_MODIFY, SCOPE_FULL],
            Route::SendAsList => &[
                SCOPE_MODIFY,
                SCOPE_READONLY,
                SCOPE_SETTINGS_BASIC,
                SCOPE_FULL,
            ],
        }
    }

    /// Methods the discovery document gives a media upload path (`/upload/gmail/v1/...`).
    fn takes_upload(self) -> bool {
        matches!(
            self,
            Route::MessagesSend | Route::DraftsCreate | Route::DraftsUpdate | Route::DraftsSend
        )
    }
}

/// A call's route, its `userId`, and the ids in its path (a message's attachments have two).
struct Target {
    route: Route,
    user: String,
    id: Option<String>,
    sub_id: Option<String>,
    /// Reached through `/upload/gmail/v1/...`.
    upload: bool,
}

/// Splits `/gmail/v1/users/{userId}/...` into its route, userId and resource ids.
fn route(method: &str, path: &str) -> Option<Target> {
    let (upload, rest) = match path.strip_prefix("/upload") {
        Some(p) => (true, p.strip_prefix("/gmail/v1/users/")?),
        None => (false, path.strip_prefix("/gmail/v1/users/")?),
    };
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
        ("POST", ["labels"]) => (Route::LabelsCreate, None),
        ("PATCH", ["labels", _]) => (Route::LabelsPatch, id(1)),
        ("PUT", ["labels", _]) => (Route::LabelsUpdate, id(1)),
        ("DELETE", ["labels", _]) => (Route::LabelsDelete, id(1)),
        ("GET", ["messages"]) => (Route::MessagesList, None),
        ("POST", ["messages", "batchModify"]) => (Route::MessagesBatchModify, None),
        ("GET", ["messages", _]) => (Route::MessagesGet, id(1)),
        ("POST", ["messages", _, "modify"]) => (Route::MessagesModify, id(1)),
        ("POST", ["messages", _, "trash"]) => (Route::MessagesTrash, id(1)),
        ("POST", ["messages", _, "untrash"]) => (Route::MessagesUntrash, id(1)),
        ("GET", ["messages", _, "attachments", _]) => (Route::AttachmentsGet, id(1)),
        ("GET", ["threads"]) => (Route::ThreadsList, None),
        ("GET", ["threads", _]) => (Route::ThreadsGet, id(1)),
        ("POST", ["threads", _, "modify"]) => (Route::ThreadsModify, id(1)),
        ("POST", ["threads", _, "trash"]) => (Route::ThreadsTrash, id(1)),
        ("POST", ["threads", _, "untrash"]) => (Route::ThreadsUntrash, id(1)),
        ("GET", ["history"]) => (Route::HistoryList, None),
        ("POST", ["messages", "send"]) => (Route::MessagesSend, None),
        ("GET", ["drafts"]) => (Route::DraftsList, None),
        ("POST", ["drafts"]) => (Route::DraftsCreate, None),
        ("POST", ["drafts", "send"]) => (Route::DraftsSend, None),
        ("GET", ["drafts", _]) => (Route::DraftsGet, id(1)),
        ("PUT", ["drafts", _]) => (Route::DraftsUpdate, id(1)),
        ("DELETE", ["drafts", _]) => (Route::DraftsDelete, id(1)),
        ("GET", ["settings", "sendAs"]) => (Route::SendAsList, None),
        _ => return None,
    };
    let sub_id = match r.0 {
        Route::AttachmentsGet => id(3),
        _ => None,
    };
    if upload && !r.0.takes_upload() {
        return None;
    }
    Some(Target {
        route: r.0,
        user,
        id: r.1,
        sub_id,
        upload,
    })
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
    let Some(Target {
        route,
        user: user_id,
        id: resource_id,
        sub_id,
        upload,
    }) = route(req.method, req.path)
    else {
        return Err(GoogleError::new(
            404,
            format!("Method not found: {} {}", req.method, req.path),
            "notFound",
        ));
    };
    let token = bearer_token(req, params).ok_or_else(GoogleError::missing_credentials)?;
    let (email, scopes) = authenticate(shared, &token, route)?;
    check_user(&user_id, &email)?;
    check_scopes(route, &scopes, params)?;
    // The concurrency slot is held for the whole call, injected latency included, as a slow backend would.
    let _slot = take_slot(shared, &email)?;
    if let Some(r) = injected_fault(shared, route, &email, pretty).await {
        return Ok(r);
    }
    let mut st = shared.lock();
    charge_quota(&mut st, &email, route)?;
    let fields = fields_param(params)?;
    check_alt(params)?;
    let call = Call {
        id: resource_id.as_deref(),
        sub_id: sub_id.as_deref(),
        params,
        body: req.body,
        content_type: req.content_type,
        upload: if upload {
            send::upload_kind(params.get("uploadType"))?
        } else {
            Upload::None
        },
    };
    let result = execute(&mut st, &email, route, &call)?;
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

/// The access token, from `Authorization: Bearer` or the `access_token`/`oauth_token` parameters.
fn bearer_token(req: &ApiRequest<'_>, params: &Params) -> Option<String> {
    req.authorization
        .and_then(|h| {
            let h = h.trim();
            h.get(..7)
                .filter(|p| p.eq_ignore_ascii_case("bearer "))
                .map(|_| h[7..].trim().to_string())
        })
        .or_else(|| params.get("access_token").map(String::from))
        .or_else(|| params.get("oauth_token").map(String::from))
}

/// The token's account and scopes; counts the call against the account even when the token is dead.
fn authenticate(
    shared: &Shared,
    token: &str,
    route: Route,
) -> Result<(String, Vec<String>), GoogleError> {
    let mut st = shared.lock();
    let now = st.now_ms();
    let Some(t) = st.access_tokens.get(token).cloned() else {
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
    Ok((t.email, t.scopes))
}

/// `me` or the token owner's own address; anyone else is another user's mailbox.
fn check_user(user_id: &str, email: &str) -> Result<(), GoogleError> {
    if user_id == "me" || user_id.eq_ignore_ascii_case(email) {
        Ok(())
    } else {
        Err(GoogleError::new(
            403,
            format!("Delegation denied for {email}"),
            "forbidden",
        ))
    }
}

fn check_scopes(route: Route, scopes: &[String], params: &Params) -> Result<(), GoogleError> {
    let has = |s: &str| scopes.iter().any(|x| x == s);
    if !route.scopes().iter().any(|s| has(s)) {
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
    Ok(())
}

/// One of the user's concurrent-request slots, or 429 when all are taken.
fn take_slot(shared: &Arc<Shared>, email: &str) -> Result<InflightGuard, GoogleError> {
    let mut st = shared.lock();
    let cap = st.settings.concurrency_cap;
    let n = st.inflight.entry(email.to_string()).or_default();
    if *n >= cap {
        return Err(GoogleError::new(
            429,
            "Too many concurrent requests for user",
            "rateLimitExceeded",
        ));
    }
    *n += 1;
    Ok(InflightGuard {
        shared: shared.clone(),
        email: email.to_string(),
    })
}

/// An injected fault for this call: waits its latency, and answers its status when it has one.
async fn injected_fault(
    shared: &Shared,
    route: Route,
    email: &str,
    pretty: bool,
) -> Option<ApiResponse> {
    let fault = shared.lock().take_fault(route.method_id(), Some(email))?;
    if let Some(ms) = fault.latency_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let status = fault.status?;
    let mut r = match fault.body {
        Some(b) => ApiResponse::json(status, &b, pretty),
        None => fault_error(status).to_response(pretty),
    };
    if let Some(s) = fault.retry_after {
        r = r.header("Retry-After", s.to_string());
    }
    Some(r)
}

/// Spends the call's quota units in the user's current minute, or 403 `rateLimitExceeded` when they are gone.
fn charge_quota(st: &mut State, email: &str, route: Route) -> Result<(), GoogleError> {
    let minute = st.now_ms().div_euclid(60_000);
    let budget = st.settings.quota_units_per_minute;
    let used = st.quota.entry(email.to_string()).or_insert((minute, 0));
    if used.0 != minute {
        *used = (minute, 0);
    }
    if used.1 + route.units() > budget {
        let mut e = GoogleError::new(403, "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'gmail.googleapis.com' for consumer 'project_number:000000000000'.", "rateLimitExceeded");
        e.domain = "usageLimits";
        return Err(e);
    }
    used.1 += route.units();
    st.counters.account(email).quota_units += route.units();
    Ok(())
}

fn fields_param(params: &Params) -> Result<Option<Selection>, GoogleError> {
    params
        .get("fields")
        .map(|f| Selection::parse(f).map_err(|m| GoogleError::invalid_param(m, "fields")))
        .transpose()
}

fn check_alt(params: &Params) -> Result<(), GoogleError> {
    match params.get("alt") {
        Some(alt) if alt != "json" => Err(GoogleError::invalid_param(
            format!("Invalid value '{alt}' for alt: only json is served"),
            "alt",
        )),
        _ => Ok(()),
    }
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
    // Gmail refuses a label id the mailbox does not have (a deleted label, a name given for an id).
    if let Some(unknown) = label_ids.iter().find(|l| !mb.label_exists(l)) {
        return Err(GoogleError::bad_request(format!(
            "Invalid label: {unknown}"
        )));
    }
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

/// The parts of a request a method reads.
struct Call<'a> {
    id: Option<&'a str>,
    /// The second id of a path that has two (an attachment's).
    sub_id: Option<&'a str>,
    params: &'a Params,
    body: &'a [u8],
    content_type: Option<&'a str>,
    upload: Upload,
}

impl Call<'_> {
    fn outgoing(&self, draft: bool) -> Result<send::Outgoing, GoogleError> {
        send::outgoing(self.body, self.content_type, self.upload, draft)
    }
}

/// Runs an admitted call against the user's mailbox: `Some(resource)`, or `None` for an empty 204.
fn execute(
    st: &mut State,
    email: &str,
    route: Route,
    call: &Call<'_>,
) -> Result<Option<Value>, GoogleError> {
    let now = st.now_ms();
    let retention = st.settings.history_retention_secs;
    let (id, sub_id, params, body) = (call.id, call.sub_id, call.params, call.body);
    let Some(mb) = st.mailbox_mut(email) else {
        return Err(no_mail_service());
    };
    mb.prune_history(now, retention);
    // Sending reaches other mailboxes: these two take the whole state.
    match route {
        Route::MessagesSend => {
            return messages_send(st, email, call.outgoing(false)?, now).map(Some)
        }
        Route::DraftsSend => return drafts_send(st, email, call.outgoing(true)?, now).map(Some),
        _ => {}
    }
    let v = match route {
        Route::GetProfile => profile(mb),
        Route::LabelsList => labels_list(mb),
        Route::LabelsGet => mb
            .label_json(id.unwrap_or_default(), true)
            .ok_or_else(GoogleError::not_found)?,
        Route::MessagesList => messages_list(mb, params, now)?,
        Route::ThreadsList => threads_list(mb, params, now)?,
        Route::MessagesGet => messages_get(mb, check_id(id)?, params)?,
        Route::AttachmentsGet => attachment_get(mb, check_id(id)?, sub_id.unwrap_or_default())?,
        Route::ThreadsGet => threads_get(mb, check_id(id)?, params)?,
        Route::MessagesModify | Route::ThreadsModify => {
            modify(mb, route, check_id(id)?, body, now)?
        }
        Route::MessagesTrash
        | Route::ThreadsTrash
        | Route::MessagesUntrash
        | Route::ThreadsUntrash => trash_or_untrash(mb, route, check_id(id)?, now)?,
        Route::MessagesBatchModify => {
            batch_modify(mb, body, now)?;
            return Ok(None);
        }
        Route::HistoryList => history(mb, params)?,
        Route::DraftsCreate => drafts_create(mb, call.outgoing(true)?, now)?,
        Route::DraftsUpdate => drafts_update(mb, draft_id(id)?, call.outgoing(true)?, now)?,
        Route::DraftsGet => drafts_get(mb, draft_id(id)?, params)?,
        Route::DraftsList => drafts_list(mb, params, now)?,
        Route::DraftsDelete => {
            drafts_delete(mb, draft_id(id)?, now)?;
            return Ok(None);
        }
        Route::LabelsCreate => crate::labels::create(mb, &parse_body(body)?)?,
        Route::LabelsPatch | Route::LabelsUpdate => crate::labels::change(
            mb,
            id.unwrap_or_default(),
            &parse_body(body)?,
            route == Route::LabelsUpdate,
        )?,
        Route::LabelsDelete => {
            crate::labels::delete(mb, id.unwrap_or_default(), now)?;
            return Ok(None);
        }
        Route::SendAsList => {
            json!({"sendAs": mb.send_as.iter().map(|s| s.to_json()).collect::<Vec<_>>()})
        }
        Route::MessagesSend | Route::DraftsSend => return Ok(None),
    };
    Ok(Some(v))
}

fn no_mail_service() -> GoogleError {
    GoogleError::new(400, "Mail service not enabled", "failedPrecondition")
}

fn recipient_required() -> GoogleError {
    GoogleError::new(400, "Recipient address required", "invalidArgument")
}

/// A draft id from the path: Gmail's are `r` and digits (a minus sign allowed).
fn draft_id(id: Option<&str>) -> Result<&str, GoogleError> {
    match id {
        Some(id)
            if !id.is_empty()
                && id.len() <= 64
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') =>
        {
            Ok(id)
        }
        _ => Err(GoogleError::invalid_param("Invalid draft id", "id")),
    }
}

/// `{id, threadId, labelIds}` of a message, as send answers it.
fn sent_json(st: &State, email: &str, id: &str) -> Value {
    st.mailbox(email)
        .and_then(|mb| mb.messages.get(id))
        .map(|m| m.with_labels_ref())
        .unwrap_or_default()
}

/// `messages.send`: checked, threaded, completed, stored with SENT and delivered to recipient accounts.
fn messages_send(
    st: &mut State,
    email: &str,
    out: send::Outgoing,
    now: i64,
) -> Result<Value, GoogleError> {
    let raw = out.raw.ok_or_else(send::raw_required)?;
    let mail = crate::rfc822::parse(&raw);
    if send::recipients(&mail)?.is_empty() {
        return Err(recipient_required());
    }
    let mb = st.mailbox(email).ok_or_else(no_mail_service)?;
    let thread = send::sender_thread(mb, out.thread_id.as_deref(), &mail)?;
    let seq = format!("{}.{}", now, mb.history_id);
    let raw = send::complete_headers(mb, &raw, now, &seq);
    let id = send::deliver_sent(st, email, raw, thread, now)?;
    Ok(sent_json(st, email, &id))
}

fn draft_json(mb: &Mailbox, draft_id: &str) -> Value {
    let message = mb
        .drafts
        .get(draft_id)
        .and_then(|m| mb.messages.get(m))
        .map(|m| m.with_labels_ref())
        .unwrap_or_default();
    json!({"id": draft_id, "message": message})
}

/// Stores a draft's message (DRAFT label, threaded like a sent message) and returns its id.
fn store_draft_message(
    mb: &mut Mailbox,
    out: send::Outgoing,
    now: i64,
) -> Result<String, GoogleError> {
    let raw = out.raw.ok_or_else(send::raw_required)?;
    let mail = crate::rfc822::parse(&raw);
    send::recipients(&mail)?;
    let thread = send::sender_thread(mb, out.thread_id.as_deref(), &mail)?;
    let seq = format!("{}.{}", now, mb.history_id);
    let raw = send::complete_headers(mb, &raw, now, &seq);
    Ok(mb.insert_message(crate::model::NewMessage::from_raw(
        &raw,
        thread,
        now,
        vec!["DRAFT".into()],
    )))
}

fn drafts_create(mb: &mut Mailbox, out: send::Outgoing, now: i64) -> Result<Value, GoogleError> {
    let message = store_draft_message(mb, out, now)?;
    let id = mb.new_draft_id();
    mb.drafts.insert(id.clone(), message);
    Ok(draft_json(mb, &id))
}

/// `drafts.update`: the draft keeps its id; its message is replaced by a new one (a new message id, as Gmail's).
fn drafts_update(
    mb: &mut Mailbox,
    id: &str,
    out: send::Outgoing,
    now: i64,
) -> Result<Value, GoogleError> {
    let old = mb
        .drafts
        .get(id)
        .cloned()
        .ok_or_else(GoogleError::not_found)?;
    let message = store_draft_message(mb, out, now)?;
    mb.delete_message(&old, now);
    mb.drafts.insert(id.to_string(), message);
    Ok(draft_json(mb, id))
}

fn drafts_get(mb: &Mailbox, id: &str, params: &Params) -> Result<Value, GoogleError> {
    let format = format_param(params, &["minimal", "full", "raw", "metadata"])?;
    let m = mb
        .drafts
        .get(id)
        .and_then(|m| mb.messages.get(m))
        .ok_or_else(GoogleError::not_found)?;
    Ok(json!({"id": id, "message": m.render(&format, &[])}))
}

/// `drafts.list`: newest first, `q` and `includeSpamTrash` as for messages.
fn drafts_list(mb: &Mailbox, params: &Params, now: i64) -> Result<Value, GoogleError> {
    let query = Query::parse(mb, params.get("q").unwrap_or(""), now);
    let include_st = params.bool("includeSpamTrash")?;
    let mut drafts: Vec<(&String, &Message)> = mb
        .drafts
        .iter()
        .filter_map(|(d, m)| mb.messages.get(m).map(|m| (d, m)))
        .filter(|(_, m)| query.matches(m, include_st))
        .collect();
    drafts.sort_by(|a, b| (b.1.internal_date_ms, &b.1.id).cmp(&(a.1.internal_date_ms, &a.1.id)));
    let items = drafts
        .iter()
        .map(|(d, m)| {
            let v = json!({"id": d, "message": m.minimal_ref()});
            ((m.internal_date_ms, m.id.clone()), v)
        })
        .collect();
    page_json("drafts", items, params)
}

fn drafts_delete(mb: &mut Mailbox, id: &str, now: i64) -> Result<(), GoogleError> {
    let message = mb.drafts.remove(id).ok_or_else(GoogleError::not_found)?;
    mb.delete_message(&message, now);
    Ok(())
}

/// `drafts.send`: the draft (updated first when the call carries a message) is sent and stops being a draft.
fn drafts_send(
    st: &mut State,
    email: &str,
    out: send::Outgoing,
    now: i64,
) -> Result<Value, GoogleError> {
    let id = out
        .draft_id
        .clone()
        .filter(|d| !d.is_empty())
        .ok_or_else(|| GoogleError::invalid_param("Missing draft id", "id"))?;
    let mb = st.mailbox_mut(email).ok_or_else(no_mail_service)?;
    if !mb.drafts.contains_key(&id) {
        return Err(GoogleError::not_found());
    }
    if out.raw.is_some() {
        drafts_update(mb, &id, out, now)?;
    }
    let message_id = mb.drafts.get(&id).cloned().unwrap_or_default();
    let (raw, thread) = match mb.messages.get(&message_id) {
        Some(m) => (m.raw_bytes(), m.thread_id.clone()),
        None => return Err(GoogleError::not_found()),
    };
    // Recipients are checked before the draft goes: a draft that cannot be sent stays a draft.
    if send::recipients(&crate::rfc822::parse(&raw))?.is_empty() {
        return Err(recipient_required());
    }
    mb.drafts.remove(&id);
    mb.delete_message(&message_id, now);
    let thread = (!mb.thread_messages(&thread).is_empty()).then_some(thread);
    let sent = send::deliver_sent(st, email, raw, thread, now)?;
    Ok(sent_json(st, email, &sent))
}

fn profile(mb: &Mailbox) -> Value {
    let threads: std::collections::BTreeSet<&str> =
        mb.messages.values().map(|m| m.thread_id.as_str()).collect();
    json!({
        "emailAddress": mb.email,
        "messagesTotal": mb.messages.len(),
        "threadsTotal": threads.len(),
        "historyId": mb.history_id.to_string(),
    })
}

/// labels.list answers no counts, as Google's does.
fn labels_list(mb: &Mailbox) -> Value {
    let labels: Vec<Value> = mb
        .all_label_ids()
        .iter()
        .filter_map(|l| mb.label_json(l, false))
        .collect();
    json!({"labels": labels})
}

/// Where a list item sorts: its date and (hex) id; lists are in descending order of it.
type SortKey = (i64, String);

/// A page token names the last item of the page before (its sort key), not an offset, so that mail arriving or
/// leaving between two pages neither repeats nor skips an item: new mail sorts before the token and is not on
/// later pages, as a client paging through Gmail sees. The token is 40 digits, as opaque as Google's.
fn key_token((date, id): &SortKey) -> String {
    let id = u64::from_str_radix(id, 16).unwrap_or(0);
    format!("{:020}{:020}", (*date as u64).wrapping_add(PAGE_OFFSET), id)
}

fn token_key(params: &Params) -> Result<Option<(i64, u64)>, GoogleError> {
    let Some(tok) = params.get("pageToken").filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let bad = || GoogleError::invalid_param("Invalid pageToken", "pageToken");
    if tok.len() != 40 || !tok.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let date: u64 = tok[..20].parse().map_err(|_| bad())?;
    let id: u64 = tok[20..].parse().map_err(|_| bad())?;
    Ok(Some((date.wrapping_sub(PAGE_OFFSET) as i64, id)))
}

/// One page of `items` (sorted by descending key) as `{key: [...], resultSizeEstimate, nextPageToken?}`; the
/// list is absent when empty.
fn page_json(
    key: &str,
    items: Vec<(SortKey, Value)>,
    params: &Params,
) -> Result<Value, GoogleError> {
    let after = token_key(params)?;
    let max = max_results(params, 100)?;
    let total = items.len();
    let start = match after {
        Some(k) => items
            .iter()
            .position(|((d, id), _)| (*d, u64::from_str_radix(id, 16).unwrap_or(0)) < k)
            .unwrap_or(total),
        None => 0,
    };
    let next = items
        .get(start + max - 1)
        .filter(|_| start + max < total)
        .map(|(k, _)| key_token(k));
    let page: Vec<Value> = items
        .into_iter()
        .skip(start)
        .take(max)
        .map(|(_, v)| v)
        .collect();
    let mut v = json!({"resultSizeEstimate": total});
    if !page.is_empty() {
        v[key] = Value::Array(page);
    }
    if let Some(t) = next {
        v["nextPageToken"] = json!(t);
    }
    Ok(v)
}

fn messages_list(mb: &Mailbox, params: &Params, now: i64) -> Result<Value, GoogleError> {
    let all = matching_messages(mb, params, now)?;
    page_json(
        "messages",
        all.iter()
            .map(|m| ((m.internal_date_ms, m.id.clone()), m.minimal_ref()))
            .collect(),
        params,
    )
}

/// Threads with a matching message, sorted by their newest message overall, as Gmail's conversation list is.
fn threads_list(mb: &Mailbox, params: &Params, now: i64) -> Result<Value, GoogleError> {
    let all = matching_messages(mb, params, now)?;
    let mut seen: BTreeMap<&str, ()> = BTreeMap::new();
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
    let items = latest
        .iter()
        .map(|(newest, t)| {
            let msgs = mb.thread_messages(t);
            let snippet = msgs.last().map(|m| m.snippet()).unwrap_or_default();
            let v = json!({"id": t, "snippet": snippet, "historyId": mb.thread_history_id(t).to_string()});
            ((*newest, t.to_string()), v)
        })
        .collect();
    page_json("threads", items, params)
}

fn messages_get(mb: &Mailbox, id: &str, params: &Params) -> Result<Value, GoogleError> {
    let format = format_param(params, &["minimal", "full", "raw", "metadata"])?;
    let m = mb.messages.get(id).ok_or_else(GoogleError::not_found)?;
    Ok(m.render(&format, &params.all("metadataHeaders")))
}

/// `messages.attachments.get`: `{attachmentId, size, data}`, the content base64url-encoded.
fn attachment_get(mb: &Mailbox, message_id: &str, id: &str) -> Result<Value, GoogleError> {
    let m = mb
        .messages
        .get(message_id)
        .ok_or_else(GoogleError::not_found)?;
    let a = m
        .attachments
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(GoogleError::not_found)?;
    Ok(json!({"attachmentId": a.id, "size": a.data.len(), "data": crate::model::b64url(&a.data)}))
}

fn threads_get(mb: &Mailbox, id: &str, params: &Params) -> Result<Value, GoogleError> {
    let format = format_param(params, &["minimal", "full", "metadata"])?;
    if mb.thread_messages(id).is_empty() {
        return Err(GoogleError::not_found());
    }
    Ok(thread_json(mb, id, &format, &params.all("metadataHeaders")))
}

/// messages.modify and threads.modify: the same label change on one message or every message of a thread.
fn modify(
    mb: &mut Mailbox,
    route: Route,
    id: &str,
    body: &[u8],
    now: i64,
) -> Result<Value, GoogleError> {
    let req = parse_body(body)?;
    let add = string_list(&req, "addLabelIds")?;
    let remove = string_list(&req, "removeLabelIds")?;
    let ids = target_ids(mb, route, id)?;
    validate_labels(mb, &add, &remove)?;
    for m in &ids {
        mb.change_labels(m, &add, &remove, now);
    }
    Ok(modified_json(mb, route, id))
}

fn trash_or_untrash(
    mb: &mut Mailbox,
    route: Route,
    id: &str,
    now: i64,
) -> Result<Value, GoogleError> {
    let ids = target_ids(mb, route, id)?;
    for m in &ids {
        if matches!(route, Route::MessagesTrash | Route::ThreadsTrash) {
            mb.trash(m, now);
        } else {
            mb.untrash(m, now);
        }
    }
    Ok(modified_json(mb, route, id))
}

fn batch_modify(mb: &mut Mailbox, body: &[u8], now: i64) -> Result<(), GoogleError> {
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
    Ok(())
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
            assert_eq!(route(m, p).map(|r| r.route), want, "{m} {p}");
        }
        assert_eq!(
            route("GET", "/gmail/v1/users/a%40b.c/profile").map(|r| r.user),
            Some("a@b.c".to_string())
        );
    }

    #[test]
    fn page_tokens_round_trip_and_reject_garbage() {
        let p = Params::parse(&format!("pageToken={}", page_token(300)));
        assert_eq!(page_offset(&p).unwrap(), 300);
        let key = (1_795_166_100_000, "19a3f0c2b4000001".to_string());
        let p = Params::parse(&format!("pageToken={}", key_token(&key)));
        assert_eq!(
            token_key(&p).unwrap(),
            Some((key.0, u64::from_str_radix(&key.1, 16).unwrap()))
        );
        for bad in ["abc", "1", "x".repeat(40).as_str(), "9".repeat(41).as_str()] {
            assert!(
                token_key(&Params::parse(&format!("pageToken={bad}"))).is_err(),
                "{bad}"
            );
        }
        for bad in ["abc", "1", "-5", "99999999999999999999999"] {
            assert!(
                page_offset(&Params::parse(&format!("pageToken={bad}"))).is_err(),
                "{bad}"
            );
        }
    }
}
