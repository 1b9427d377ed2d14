//! Triage calls: a `gmux_core::triage` plan sent to Gmail (thread calls in one HTTP batch per account, accounts
//! at once), its undo, mark all read over a whole label, the `gmux/Snoozed` label, and waking snoozed threads.
//!
//! ```text
//! let plan = triage::plan(&action, &selected);          // gmux-core: calls, predicted rows, undo
//! // show plan.predicted at once, then
//! let settled = apply_plan(&engine, &plan).await;       // settled.restore: roll back only these rows
//! // "z" / Undo:
//! let undone = undo(&engine, &settled.undo).await;      // undone.restored: put these labels back on the rows
//! ```
//!
//! Costs: a selection of up to 50 threads per account is one request per account (10 units a thread); its undo
//! is one request per account (one more after a trash when Gmail's untrash left something to put back); mark
//! all read is one `messages.list` per 500 unread messages (5 units) and one `messages.batchModify` per 1,000
//! (50 units); the snooze label costs one `labels.list` (1 unit) per account, plus one `labels.create` (5 units)
//! the first time.

use crate::api::{ModifyRequest, NewLabel, Thread};
use crate::batch::BatchCall;
use crate::client::{decode_json, encode_component, GmailClient};
use crate::error::{ApiError, GmailError};
use crate::listing::{list_message_ids, MAX_ID_PAGES};
use crate::sync::SyncEngine;
use gmux_core::listing::{distinct_threads, ListQuery};
use gmux_core::messages::Cause;
use gmux_core::triage::{
    settle, wake_change, AccountCalls, AccountFailure, CallOutcome, GmailCall, LabelChange, Plan,
    Settled, SnoozeList, ThreadState, TriageAction, UndoRecord, UntrashAnswer, SNOOZED_LABEL_NAME,
};
use std::collections::BTreeMap;

/// What one call came to: for a thread call, Gmail's answer (the thread's labels after it).
pub type CallResult = Result<Option<Thread>, GmailError>;

fn modify_request(change: &LabelChange) -> ModifyRequest {
    ModifyRequest {
        add_label_ids: change.add.clone(),
        remove_label_ids: change.remove.clone(),
    }
}

fn thread_batch_call(call: &GmailCall) -> Option<BatchCall> {
    let post = |path: String, body: Option<Vec<u8>>| BatchCall {
        method: "POST".into(),
        path: GmailClient::user_path(&path),
        body,
    };
    match call {
        GmailCall::ModifyThread { thread_id, change } => Some(post(
            format!("threads/{}/modify", encode_component(thread_id)),
            serde_json::to_vec(&modify_request(change)).ok(),
        )),
        GmailCall::TrashThread { thread_id } => Some(post(
            format!("threads/{}/trash", encode_component(thread_id)),
            None,
        )),
        GmailCall::UntrashThread { thread_id } => Some(post(
            format!("threads/{}/untrash", encode_component(thread_id)),
            None,
        )),
        GmailCall::ModifyMessages { .. } => None,
    }
}

/// Sends one account's calls: the thread calls in HTTP batches of at most 50 (the client retries parts that
/// met a 429 or 5xx), each `messages.batchModify` as its own request. Results come back in call order; when the
/// account cannot be reached at all (offline, signed out) every call carries that error.
pub async fn run_calls(client: &GmailClient, calls: &[GmailCall]) -> Vec<CallResult> {
    let mut results: Vec<Option<CallResult>> = vec![None; calls.len()];
    let thread_calls: Vec<(usize, BatchCall)> = calls
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((i, thread_batch_call(c)?)))
        .collect();
    if !thread_calls.is_empty() {
        let batch: Vec<BatchCall> = thread_calls.iter().map(|(_, c)| c.clone()).collect();
        match client.batch(&batch).await {
            Ok(parts) => {
                for ((i, _), part) in thread_calls.iter().zip(parts) {
                    results[*i] = Some(read_thread_part(&calls[*i], part));
                }
            }
            Err(e) => {
                for (i, _) in &thread_calls {
                    results[*i] = Some(Err(e.clone()));
                }
            }
        }
    }
    for (i, call) in calls.iter().enumerate() {
        if let GmailCall::ModifyMessages { ids, change } = call {
            results[i] = Some(
                client
                    .batch_modify_messages(ids, &modify_request(change))
                    .await
                    .map(|()| None)
                    .map_err(|e| e.error),
            );
        }
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(GmailError::Decode("no answer for a call".into()))))
        .collect()
}

fn read_thread_part(call: &GmailCall, part: crate::batch::BatchPart) -> CallResult {
    if !(200..300).contains(&part.status) {
        return Err(GmailError::Api(ApiError::from_parts(
            part.status,
            &part.headers,
            &part.body,
        )));
    }
    let thread: Thread = decode_json(&part.body)?;
    // An answer about another thread says nothing about this one.
    if Some(thread.id.as_str()) != call.thread_id() {
        return Err(GmailError::Decode(format!(
            "gmail answered a change to thread {} with thread {}",
            call.thread_id().unwrap_or_default(),
            thread.id
        )));
    }
    Ok(Some(thread))
}

/// The code and the cause of a failed triage call, for the page to word beside the account.
pub fn failure(e: &GmailError) -> (String, Cause) {
    (e.intent_error().as_str().to_string(), e.cause())
}

fn outcome(result: &CallResult) -> CallOutcome {
    match result {
        Ok(thread) => CallOutcome::Done {
            labels: thread
                .as_ref()
                .filter(|t| !t.messages.is_empty())
                .map(Thread::label_ids),
        },
        Err(e) => {
            let (code, cause) = failure(e);
            CallOutcome::Failed { code, cause }
        }
    }
}

/// Runs every account's calls at once and collects each thread's outcome.
async fn run_accounts(
    engine: &SyncEngine,
    accounts: &[AccountCalls],
) -> Vec<(String, Vec<GmailCall>, Vec<CallResult>)> {
    futures::future::join_all(accounts.iter().map(|a| async move {
        let client = engine.client(&a.account_id);
        let results = run_calls(&client, &a.calls).await;
        (a.account_id.clone(), a.calls.clone(), results)
    }))
    .await
}

/// Sends a plan and settles it: the rows to roll back (only those whose call failed), the failures per
/// account, and the undo of what Gmail did (with Gmail's own answer of each thread's labels).
pub async fn apply_plan(engine: &SyncEngine, plan: &Plan) -> Settled {
    let mut outcomes = BTreeMap::new();
    for (account, calls, results) in run_accounts(engine, &plan.accounts).await {
        for (call, result) in calls.iter().zip(&results) {
            if let Some(thread_id) = call.thread_id() {
                outcomes.insert((account.clone(), thread_id.to_string()), outcome(result));
            }
        }
    }
    settle(plan, &outcomes)
}

/// What an undo came to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Undone {
    /// Each restored thread with its labels (Gmail's answer, else the labels before the action): put the rows
    /// back with `gmux_core::triage::relabel_row`.
    pub restored: Vec<ThreadState>,
    /// Accounts where some of the undo failed (their rows stay as the action left them).
    pub failures: Vec<AccountFailure>,
    /// HTTP requests sent.
    pub requests: u64,
}

/// Undoes a settled action at Gmail: untrash and restoring modifies in one batch per account, then, for
/// trashed threads, whatever untrash left different (usually nothing).
pub async fn undo(engine: &SyncEngine, record: &UndoRecord) -> Undone {
    let accounts = record.restore_plan();
    let before: u64 = account_requests(engine, &accounts);
    let mut failed: BTreeMap<(String, String), (String, Cause)> = BTreeMap::new();
    let mut failed_messages: BTreeMap<String, (usize, String, Cause)> = BTreeMap::new();
    let mut answers: BTreeMap<(String, String), UntrashAnswer> = BTreeMap::new();
    let mut latest: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut record_results =
        |account: &str,
         calls: &[GmailCall],
         results: &[CallResult],
         answers: &mut BTreeMap<(String, String), UntrashAnswer>| {
            for (call, result) in calls.iter().zip(results) {
                match (call, result) {
                    (GmailCall::ModifyMessages { ids, .. }, Err(e)) => {
                        let (code, cause) = failure(e);
                        let entry = failed_messages
                            .entry(account.to_string())
                            .or_insert((0, code, cause));
                        entry.0 += ids.len();
                    }
                    (GmailCall::ModifyMessages { .. }, Ok(_)) => {}
                    (c, Ok(thread)) => {
                        let k = (
                            account.to_string(),
                            c.thread_id().unwrap_or_default().to_string(),
                        );
                        if let Some(t) = thread.as_ref().filter(|t| !t.messages.is_empty()) {
                            latest.insert(k.clone(), t.label_ids());
                            if matches!(c, GmailCall::UntrashThread { .. }) {
                                answers.insert(
                                    k,
                                    UntrashAnswer {
                                        labels: t.label_ids(),
                                        messages: t.message_labels(),
                                    },
                                );
                            }
                        }
                    }
                    (c, Err(e)) => {
                        let k = (
                            account.to_string(),
                            c.thread_id().unwrap_or_default().to_string(),
                        );
                        failed.insert(k, failure(e));
                    }
                }
            }
        };
    for (account, calls, results) in run_accounts(engine, &accounts).await {
        record_results(&account, &calls, &results, &mut answers);
    }
    let second = record.after_untrash(&answers);
    for (account, calls, results) in run_accounts(engine, &second).await {
        let mut ignored = BTreeMap::new();
        record_results(&account, &calls, &results, &mut ignored);
    }
    let mut out = Undone::default();
    let mut failures: BTreeMap<String, AccountFailure> = BTreeMap::new();
    for t in &record.threads {
        let k = (t.account_id.clone(), t.thread_id.clone());
        if let Some((code, cause)) = failed.get(&k) {
            let f = failures
                .entry(t.account_id.clone())
                .or_insert_with(|| AccountFailure {
                    account_id: t.account_id.clone(),
                    failed: 0,
                    code: code.clone(),
                    cause: Some(cause.clone()),
                });
            f.failed += 1;
            continue;
        }
        if failed_messages.contains_key(&t.account_id) && !t.messages.is_empty() {
            continue;
        }
        out.restored.push(ThreadState {
            account_id: t.account_id.clone(),
            thread_id: t.thread_id.clone(),
            label_ids: latest.get(&k).cloned().unwrap_or_else(|| t.before.clone()),
            messages: Vec::new(),
        });
    }
    for (account, (n, code, cause)) in failed_messages {
        let f = failures
            .entry(account.clone())
            .or_insert_with(|| AccountFailure {
                account_id: account.clone(),
                failed: 0,
                code,
                cause: Some(cause),
            });
        f.failed += n;
    }
    out.failures = failures.into_values().collect();
    out.requests = account_requests(engine, &accounts).saturating_sub(before);
    out
}

fn account_requests(engine: &SyncEngine, accounts: &[AccountCalls]) -> u64 {
    accounts
        .iter()
        .map(|a| engine.client(&a.account_id).requests_sent())
        .sum()
}

/// Reads each thread's messages and their labels as they are at the moment of the action: one HTTP batch of
/// `threads.get format=minimal` per account (10 units a thread), accounts at once.
///
/// Why read them now rather than keep them on every row: an undo must put back exactly what each message had
/// (archiving a thread with one's own reply in it must not put the reply in the inbox when undone), the rows a
/// page shows can be minutes old (a view's page, the stored inbox between polls), and the stored inbox, which
/// every page parses before its first row, stays as small as it is. It costs one request per account, beside
/// the one that changes the threads, while the page already shows the change. A thread whose read fails keeps
/// the page's labels (`hint`): the action is still sent, and its undo restores the thread's labels as a whole.
pub async fn read_states(engine: &SyncEngine, hints: &[ThreadState]) -> Vec<ThreadState> {
    let mut per: BTreeMap<&str, Vec<&ThreadState>> = BTreeMap::new();
    for h in hints {
        per.entry(h.account_id.as_str()).or_default().push(h);
    }
    let read = futures::future::join_all(per.into_iter().map(|(account, threads)| async move {
        let client = engine.client(account);
        let calls: Vec<BatchCall> = threads
            .iter()
            .map(|t| {
                BatchCall::get(GmailClient::user_path(&format!(
                    "threads/{}?format=minimal&fields=id,messages(id,labelIds)",
                    encode_component(&t.thread_id)
                )))
            })
            .collect();
        let parts = client.batch(&calls).await.ok();
        threads
            .iter()
            .enumerate()
            .map(|(i, hint)| {
                let thread = parts
                    .as_ref()
                    .and_then(|p| p.get(i))
                    .filter(|p| (200..300).contains(&p.status))
                    .and_then(|p| decode_json::<Thread>(&p.body).ok())
                    .filter(|t| t.id == hint.thread_id && !t.messages.is_empty());
                match thread {
                    Some(t) => ThreadState {
                        account_id: hint.account_id.clone(),
                        thread_id: hint.thread_id.clone(),
                        label_ids: t.label_ids(),
                        messages: t.message_labels(),
                    },
                    None => (*hint).clone(),
                }
            })
            .collect::<Vec<_>>()
    }))
    .await;
    read.into_iter().flatten().collect()
}

/// An action on a selection, start to end at Gmail: each thread's state read ([`read_states`]), the plan made
/// from it, sent ([`apply_plan`]). Returns the plan (its refusals) and what it came to.
pub async fn triage(
    engine: &SyncEngine,
    action: &TriageAction,
    hints: &[ThreadState],
) -> (Plan, Settled) {
    let states = read_states(engine, hints).await;
    let plan = gmux_core::triage::plan(action, &states);
    let settled = apply_plan(engine, &plan).await;
    (plan, settled)
}

/// What "mark all as read" changed in one account.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MarkedRead {
    /// The messages marked read, for the undo (`gmux_core::triage::mark_all_read_done`).
    pub message_ids: Vec<String>,
    /// Distinct conversations among them: what the page reports.
    pub threads: u64,
    /// False when more than 10,000 unread messages matched: run it again for the rest.
    pub complete: bool,
}

/// Marks every unread message matching `query` read, at Gmail, not only the loaded rows: `messages.list` of the
/// unread ones (5 units per 500), then `messages.batchModify` removing UNREAD (50 units per 1,000). On a refused
/// call, the error comes with what was already changed, so the page can say so and the undo covers it.
pub async fn mark_all_read(
    client: &GmailClient,
    query: &ListQuery,
) -> Result<MarkedRead, (MarkedRead, GmailError)> {
    let (messages, complete) = list_message_ids(client, &query.unread(), MAX_ID_PAGES)
        .await
        .map_err(|e| (MarkedRead::default(), e))?;
    let ids: Vec<String> = messages.iter().map(|m| m.id.clone()).collect();
    let change = ModifyRequest {
        add_label_ids: Vec::new(),
        remove_label_ids: vec!["UNREAD".into()],
    };
    let marked = |n: usize| MarkedRead {
        message_ids: ids[..n.min(ids.len())].to_vec(),
        threads: distinct_threads(
            messages[..n.min(ids.len())]
                .iter()
                .map(|m| m.thread_id.as_str()),
        ),
        complete,
    };
    match client.batch_modify_messages(&ids, &change).await {
        Ok(()) => Ok(marked(ids.len())),
        Err(e) => Err((marked(e.changed), e.error)),
    }
}

/// The account's `gmux/Snoozed` label id, created (hidden from no list, shown in the label list) if missing:
/// `labels.list` (1 unit), plus `labels.create` (5 units) the first time. Another gmux creating it at the same
/// moment (409) is fine: the list is read again.
pub async fn ensure_snooze_label(client: &GmailClient) -> Result<String, GmailError> {
    let find = |labels: &[crate::api::LabelEntry]| {
        labels
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(SNOOZED_LABEL_NAME))
            .map(|l| l.id.clone())
    };
    if let Some(id) = find(&client.list_labels().await?) {
        return Ok(id);
    }
    let new = NewLabel {
        name: SNOOZED_LABEL_NAME.into(),
        label_list_visibility: Some("labelShow".into()),
        message_list_visibility: Some("show".into()),
        color: None,
    };
    match client.create_label(&new).await {
        Ok(label) => Ok(label.id),
        Err(GmailError::Api(e)) if e.status == 409 => find(&client.list_labels().await?)
            .ok_or_else(|| {
                GmailError::Decode("gmail says the snooze label exists but does not list it".into())
            }),
        Err(e) => Err(e),
    }
}

/// What waking the due snoozes of one account did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Woken {
    /// Back in the inbox, unread, with these labels.
    pub woken: Vec<ThreadState>,
    /// Deleted in Gmail meanwhile: dropped from the list.
    pub gone: Vec<String>,
    /// Still snoozed: the call failed (the error, for the log); tried again at the next alarm.
    pub failed: Vec<(String, String)>,
}

/// Brings back every snooze of the account due at `now_ms` (those whose time passed while the browser was
/// closed too) in one batch: into the inbox, unread, out of the snooze label. Woken and deleted threads leave
/// the list; failed ones stay for the next alarm. Nothing is sent while the list has no `label_id` (set it from
/// [`ensure_snooze_label`] when the first snooze is made).
pub async fn wake_due(client: &GmailClient, list: &mut SnoozeList, now_ms: u64) -> Woken {
    let Some(label_id) = list.label_id.clone() else {
        return Woken::default();
    };
    let due: Vec<_> = list.due(now_ms).into_iter().cloned().collect();
    let calls: Vec<GmailCall> = due
        .iter()
        .map(|s| GmailCall::ModifyThread {
            thread_id: s.thread_id.clone(),
            change: wake_change(s, &label_id),
        })
        .collect();
    let mut out = Woken::default();
    if calls.is_empty() {
        return out;
    }
    let results = run_calls(client, &calls).await;
    for (s, result) in due.iter().zip(results) {
        match result {
            Ok(thread) => {
                list.remove(&s.thread_id);
                out.woken.push(ThreadState {
                    account_id: list.account_id.clone(),
                    thread_id: s.thread_id.clone(),
                    label_ids: thread.map(|t| t.label_ids()).unwrap_or_default(),
                    messages: Vec::new(),
                });
            }
            Err(GmailError::Api(e)) if e.status == 404 => {
                list.remove(&s.thread_id);
                out.gone.push(s.thread_id.clone());
            }
            Err(e) => out.failed.push((s.thread_id.clone(), e.to_string())),
        }
    }
    out
}
