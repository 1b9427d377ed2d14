//! The sync engine: keeps each account's inbox rows, counts and history id current with as few requests
//! as Gmail allows.
//!
//! - First sync: one batch of getProfile (the current history id) + labels.get INBOX, then threads.list
//!   INBOX (one page), then one batch of threads.get metadata: three requests.
//! - Poll: history.list from the stored id. No change: done (one request, two quota units). Changes: one
//!   batch of the changed threads, then labels.get INBOX. A 404 (history id too old): one full sync.
//! - Accounts sync concurrently and independently: each has its own client, token and in-flight cap.
//! - [`SyncEngine::sync_account_report`] also says which messages the poll found added to INBOX, for
//!   notifications, from the answers above (history's `messagesAdded` and the batch of threads): no extra
//!   request.

use crate::added::AddedRefs;
use crate::api::{ModifyRequest, Profile, Thread};
use crate::batch::BatchCall;
use crate::client::{GmailClient, RetryPolicy, DEFAULT_MAX_IN_FLIGHT};
use crate::env::{Env, TokenSource};
use crate::error::{ApiError, GmailError};
use crate::fetch::{fetch_threads, Fetched};
use crate::listing::{apply_counts, count_calls, primary_unread, read_account_counts, read_counts};
use gmux_core::inbox::{bound_threads, AccountInbox, SyncHealth, ThreadRow};
use gmux_core::notify::{NewMessage, PollKind};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

/// Threads fetched by a full sync: what the pages show, and one batch of metadata.
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// More changed threads than this in one poll cost more as an incremental fetch than a fresh full sync.
pub const MAX_INCREMENTAL_THREADS: usize = 100;

/// History pages (500 records each) read in one poll before a full sync is the cheaper way.
pub const MAX_HISTORY_PAGES: usize = 4;

/// What one sync did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncKind {
    /// No history id yet: list, batch, counts.
    Full,
    /// Gmail no longer knew the stored history id (404), so the inbox was read afresh.
    FullAfterHistoryExpired,
    /// history.list reported nothing: nothing else was fetched.
    NoChange,
    /// History reported changes: the threads whose change can matter to the inbox were fetched (one batch),
    /// then the counts; `changed_threads` may be 0 when every change was outside the inbox.
    Incremental,
    /// History reported more changes than an incremental fetch is worth ([`MAX_INCREMENTAL_THREADS`] threads
    /// or [`MAX_HISTORY_PAGES`] pages), so the inbox was read afresh. History was continuous: what it says was
    /// added is new mail.
    FullAfterBurst,
}

impl SyncKind {
    /// What this sync means for notifications: only a sync that continued the history finds new mail.
    pub fn poll_kind(self) -> PollKind {
        match self {
            SyncKind::Full => PollKind::FirstSync,
            SyncKind::FullAfterHistoryExpired => PollKind::FullResync,
            SyncKind::NoChange | SyncKind::Incremental | SyncKind::FullAfterBurst => {
                PollKind::Incremental
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncOutcome {
    pub kind: SyncKind,
    /// Threads fetched because history named them (0 for full syncs and no-change polls).
    pub changed_threads: usize,
    /// HTTP requests this sync sent, retries included.
    pub requests: u64,
}

/// What one sync did, and the messages it found added to INBOX.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub outcome: SyncOutcome,
    /// Messages history reported as added since the last sync that are in INBOX now, oldest reported first,
    /// each once, with their current labels, sender, subject and snippet (from the batch of threads the sync
    /// fetched anyway). Empty for full syncs: what they find is not new. After a burst
    /// ([`SyncKind::FullAfterBurst`]) messages of threads the full sync did not fetch carry ids and labels only,
    /// and when history had more than [`MAX_HISTORY_PAGES`] pages only the first pages' messages are here.
    pub added: Vec<NewMessage>,
}

impl SyncReport {
    pub fn poll_kind(&self) -> PollKind {
        self.outcome.kind.poll_kind()
    }
}

/// A user action on one thread (the pages' intents use the same type), applied with one threads.modify or
/// threads.trash call.
pub use gmux_core::messages::ThreadAction;

/// The threads.modify body of an action (trash goes to threads.trash instead).
pub fn label_change(action: ThreadAction) -> ModifyRequest {
    let (add, remove) = action.label_change();
    ModifyRequest {
        add_label_ids: add.iter().map(|s| s.to_string()).collect(),
        remove_label_ids: remove.iter().map(|s| s.to_string()).collect(),
    }
}

/// The row as it will look once Gmail has applied the action: what the pages show at once.
pub fn optimistic_row(row: &ThreadRow, action: ThreadAction) -> ThreadRow {
    let change = label_change(action);
    let mut row = row.clone();
    row.label_ids
        .retain(|l| !change.remove_label_ids.contains(l));
    row.label_ids.extend(change.add_label_ids);
    row.label_ids.sort();
    row.label_ids.dedup();
    row.unread = row.label_ids.iter().any(|l| l == "UNREAD");
    row.starred = row.label_ids.iter().any(|l| l == "STARRED");
    row
}

/// Syncs any number of accounts. Holds one [`GmailClient`] per account.
pub struct SyncEngine {
    env: Rc<dyn Env>,
    tokens: Rc<dyn TokenSource>,
    base: String,
    policy: RetryPolicy,
    max_in_flight: usize,
    page_size: u32,
    clients: RefCell<HashMap<String, Rc<GmailClient>>>,
}

impl SyncEngine {
    /// `base` is Google's `https://gmail.googleapis.com` or the emulator's base URL.
    pub fn new(env: Rc<dyn Env>, tokens: Rc<dyn TokenSource>, base: &str) -> Self {
        SyncEngine {
            env,
            tokens,
            base: base.to_string(),
            policy: RetryPolicy::default(),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            page_size: DEFAULT_PAGE_SIZE,
            clients: RefCell::new(HashMap::new()),
        }
    }

    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    pub fn with_max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n;
        self
    }

    pub fn with_page_size(mut self, n: u32) -> Self {
        self.page_size = n.clamp(1, 500);
        self
    }

    /// The account's client, made on first use.
    pub fn client(&self, account_id: &str) -> Rc<GmailClient> {
        self.clients
            .borrow_mut()
            .entry(account_id.to_string())
            .or_insert_with(|| {
                Rc::new(
                    GmailClient::new(
                        self.env.clone(),
                        self.tokens.clone(),
                        &self.base,
                        account_id,
                    )
                    .with_policy(self.policy)
                    .with_max_in_flight(self.max_in_flight),
                )
            })
            .clone()
    }

    /// Syncs every account at once; one account's failure or backoff never delays the others.
    pub async fn sync_all(
        &self,
        inboxes: &mut [AccountInbox],
    ) -> Vec<Result<SyncOutcome, GmailError>> {
        futures::future::join_all(inboxes.iter_mut().map(|inbox| self.sync_account(inbox))).await
    }

    /// Like [`SyncEngine::sync_all`], with the messages each account's sync found added.
    pub async fn sync_all_reports(
        &self,
        inboxes: &mut [AccountInbox],
    ) -> Vec<Result<SyncReport, GmailError>> {
        futures::future::join_all(
            inboxes
                .iter_mut()
                .map(|inbox| self.sync_account_report(inbox)),
        )
        .await
    }

    /// Brings one account up to date and records its health. On failure the last good rows are kept.
    pub async fn sync_account(&self, inbox: &mut AccountInbox) -> Result<SyncOutcome, GmailError> {
        self.sync_account_report(inbox).await.map(|r| r.outcome)
    }

    /// [`SyncEngine::sync_account`], also saying which messages were added to INBOX since the last sync: what
    /// the background decides notifications from (`gmux_core::notify::decide`).
    pub async fn sync_account_report(
        &self,
        inbox: &mut AccountInbox,
    ) -> Result<SyncReport, GmailError> {
        let client = self.client(&inbox.account.id);
        let before = client.requests_sent();
        let stored = inbox
            .history_id
            .as_deref()
            .and_then(|h| h.parse::<u64>().ok());
        let result = match stored {
            Some(start) => match self.incremental_report(&client, inbox, start).await {
                Err(e) if e.is_not_found() => {
                    self.full_sync(&client, inbox).await.map(|o| SyncReport {
                        outcome: SyncOutcome {
                            kind: SyncKind::FullAfterHistoryExpired,
                            ..o
                        },
                        added: Vec::new(),
                    })
                }
                other => other,
            },
            None => self
                .full_sync(&client, inbox)
                .await
                .map(|outcome| SyncReport {
                    outcome,
                    added: Vec::new(),
                }),
        };
        let outcome = result.as_ref().map(|r| r.outcome).map_err(Clone::clone);
        record_health(inbox, &outcome, self.env.now_ms());
        result.map(|r| SyncReport {
            outcome: SyncOutcome {
                requests: client.requests_sent() - before,
                ..r.outcome
            },
            ..r
        })
    }

    /// Reads the inbox afresh: history id and counts (one batch), the list, the threads' metadata (one batch).
    pub async fn full_sync(
        &self,
        client: &GmailClient,
        inbox: &mut AccountInbox,
    ) -> Result<SyncOutcome, GmailError> {
        self.full_sync_threads(client, inbox).await.map(|(o, _)| o)
    }

    /// [`SyncEngine::full_sync`], also returning the threads it fetched.
    async fn full_sync_threads(
        &self,
        client: &GmailClient,
        inbox: &mut AccountInbox,
    ) -> Result<(SyncOutcome, Vec<Thread>), GmailError> {
        // The mailbox's history id is read first, so that any change made while the inbox is being read
        // is after it and comes back in the next history.list. getProfile is the only call that gives the
        // current id: messages' own ids can be older than Gmail still keeps history for. It rides in one
        // batch with the INBOX counters.
        // The Primary-only count and the categories in use ride along (`listing::count_calls`): no extra request.
        let mut calls = vec![BatchCall::get(GmailClient::user_path("profile"))];
        calls.extend(count_calls(true));
        let head = client.batch(&calls).await?;
        let mut head = head.into_iter();
        let profile: Profile = part_json(head.next())?;
        let mut counts = read_counts(head.collect())?;
        if counts.primary.is_some_and(|p| !p.complete) {
            counts.primary = primary_unread(client).await.ok();
        }
        let history_id = profile
            .history_id
            .ok_or_else(|| GmailError::Decode("profile without historyId".into()))?;
        let list = client.list_threads("INBOX", self.page_size, None).await?;
        // A server that answers more ids than asked for (Google does not; a broken proxy might) must not turn one
        // sync into dozens of batches.
        let ids: Vec<String> = list
            .threads
            .iter()
            .take(self.page_size as usize)
            .map(|t| t.id.clone())
            .collect();
        // The same id listed twice would be fetched twice and kept as two rows.
        let mut seen = std::collections::HashSet::new();
        let ids: Vec<String> = ids
            .into_iter()
            .filter(|id| seen.insert(id.clone()))
            .collect();
        let fetched = if ids.is_empty() {
            Fetched::default()
        } else {
            fetch_threads(client, &ids).await?
        };
        inbox.threads = fetched
            .rows
            .into_iter()
            .filter(ThreadRow::in_inbox)
            .collect();
        bound_threads(&mut inbox.threads);
        apply_counts(&mut inbox.account, &counts);
        inbox.history_id = Some(history_id.to_string());
        // Where "load more" goes on from: the page after the rows just stored.
        inbox.next_page_token = list.next_page_token.filter(|t| !t.is_empty());
        let outcome = SyncOutcome {
            kind: SyncKind::Full,
            changed_threads: 0,
            requests: 0,
        };
        Ok((outcome, fetched.threads))
    }

    /// Applies the changes since `start`: history, then one batch of the changed threads and the counts.
    pub async fn incremental_sync(
        &self,
        client: &GmailClient,
        inbox: &mut AccountInbox,
        start: u64,
    ) -> Result<SyncOutcome, GmailError> {
        self.incremental_report(client, inbox, start)
            .await
            .map(|r| r.outcome)
    }

    /// [`SyncEngine::incremental_sync`], also saying which messages were added to INBOX.
    async fn incremental_report(
        &self,
        client: &GmailClient,
        inbox: &mut AccountInbox,
        start: u64,
    ) -> Result<SyncReport, GmailError> {
        let mut added = AddedRefs::default();
        let mut touched = BTreeSet::new();
        let mut relevant = BTreeSet::new();
        let mut newest = start;
        let mut page: Option<String> = None;
        for _ in 0..MAX_HISTORY_PAGES {
            let history = client.list_history(start, page.as_deref()).await?;
            for record in &history.history {
                added.read(record);
                for (thread_id, may_matter) in record.inbox_changes() {
                    touched.insert(thread_id.to_string());
                    if may_matter || inbox.threads.iter().any(|r| r.thread_id == thread_id) {
                        relevant.insert(thread_id.to_string());
                    }
                }
                newest = newest.max(record.id.unwrap_or(0));
            }
            newest = newest.max(history.history_id.unwrap_or(0));
            page = history.next_page_token;
            if page.is_none() {
                break;
            }
        }
        if page.is_some() || relevant.len() > MAX_INCREMENTAL_THREADS {
            // So much changed that reading the inbox afresh is cheaper. History was continuous, so what it
            // reported as added is still new mail, described where the full sync fetched its thread.
            let (outcome, threads) = self.full_sync_threads(client, inbox).await?;
            return Ok(SyncReport {
                outcome: SyncOutcome {
                    kind: SyncKind::FullAfterBurst,
                    ..outcome
                },
                added: added.resolve(&threads),
            });
        }
        if relevant.is_empty() {
            // Nothing changed, or only mail outside the inbox (sent mail, archived threads): the inbox and
            // its counters are as they were.
            inbox.history_id = Some(newest.to_string());
            let kind = if touched.is_empty() {
                SyncKind::NoChange
            } else {
                SyncKind::Incremental
            };
            return Ok(SyncReport {
                outcome: SyncOutcome {
                    kind,
                    changed_threads: 0,
                    requests: 0,
                },
                // Nothing in INBOX changed, so nothing was added to it.
                added: Vec::new(),
            });
        }
        let ids: Vec<String> = relevant.into_iter().collect();
        let fetched = fetch_threads(client, &ids).await?;
        let counts = read_account_counts(client, true).await?;
        let before = inbox.clone();
        inbox.threads.retain(|row| !ids.contains(&row.thread_id));
        // The stored rows stay the newest ones without a hole: a thread older than them all that came back to
        // the inbox (unarchived) waits for "load more", which finds it where it belongs.
        inbox.threads.extend(
            fetched
                .rows
                .into_iter()
                .filter(ThreadRow::in_inbox)
                .filter(|row| {
                    before.threads.iter().any(|r| r.thread_id == row.thread_id)
                        || before.window_admits(row)
                }),
        );
        keep_bound(inbox);
        apply_counts(&mut inbox.account, &counts);
        // Only history.list's id: a thread's own id may be newer than changes to other threads that
        // history has not reported yet.
        inbox.history_id = Some(newest.to_string());
        Ok(SyncReport {
            outcome: SyncOutcome {
                kind: SyncKind::Incremental,
                changed_threads: ids.len(),
                requests: 0,
            },
            added: added.resolve(&fetched.threads),
        })
    }

    /// Applies an action to one thread, updates the row and the counts in `inbox`, and returns the new row.
    /// The caller shows the change at once with `inbox.replace_thread(optimistic_row(&row, action))` and, on
    /// an error, undoes it with `inbox.restore_thread`.
    pub async fn apply(
        &self,
        inbox: &mut AccountInbox,
        thread_id: &str,
        action: ThreadAction,
    ) -> Result<ThreadRow, GmailError> {
        let client = self.client(&inbox.account.id);
        let thread = match action {
            ThreadAction::Trash => client.trash_thread(thread_id).await?,
            _ => {
                client
                    .modify_thread(thread_id, &label_change(action))
                    .await?
            }
        };
        // An answer about another thread says nothing about this one (found by fuzzing with a broken server):
        // the caller undoes its optimistic change and the next sync shows the truth.
        if thread.id != thread_id {
            return Err(GmailError::Decode(format!(
                "gmail answered the change to thread {thread_id} with thread {}",
                thread.id
            )));
        }
        let existing = inbox
            .threads
            .iter()
            .find(|r| r.thread_id == thread_id)
            .cloned();
        let fresh = thread.to_row(&inbox.account.id);
        let row = match existing {
            // The answer carries labels only: keep the headers we already have.
            Some(old) if !thread.messages.is_empty() => ThreadRow {
                label_ids: fresh.label_ids,
                unread: fresh.unread,
                starred: fresh.starred,
                ..old
            },
            Some(old) => optimistic_row(&old, action),
            None => fresh,
        };
        // Moves the counters by the row's change at once (no-op when the caller already showed it
        // optimistically with the same function). A thread that was not stored joins the stored rows only where
        // it leaves no hole in them (an old thread starred from a label view stays out).
        if inbox.replace_thread(row.clone()).is_none()
            && row.in_inbox()
            && inbox.window_admits(&row)
        {
            inbox.threads.push(row.clone());
            keep_bound(inbox);
        }
        // Then the exact counters, the Primary count with them in the same request. If only this read fails,
        // the action still succeeded and the local counters stand until the next sync.
        if let Ok(counts) = read_account_counts(&client, false).await {
            apply_counts(&mut inbox.account, &counts);
        }
        Ok(row)
    }
}

/// Keeps the stored rows within their bound; rows cut off the end leave a gap before the page the stored token
/// names, so the token is dropped and "load more" starts from the first page.
fn keep_bound(inbox: &mut AccountInbox) {
    let before = inbox.threads.len();
    bound_threads(&mut inbox.threads);
    if inbox.threads.len() < before {
        inbox.next_page_token = None;
    }
}

/// Marks the account's health after a sync. A failed sync keeps the last good rows and time.
pub fn record_health(
    inbox: &mut AccountInbox,
    result: &Result<SyncOutcome, GmailError>,
    now_ms: u64,
) {
    let account = &mut inbox.account;
    match result {
        Ok(_) => {
            account.health = SyncHealth::Ok;
            account.health_cause = None;
            account.last_good_sync_ms = Some(now_ms);
        }
        Err(e) => {
            account.health = match e {
                GmailError::ReauthRequired(_) => SyncHealth::ReauthRequired,
                GmailError::Offline(_) => SyncHealth::Offline,
                _ => SyncHealth::Failing,
            };
            account.health_cause = Some(e.cause());
        }
    }
}

/// Reads one batch answer that must have succeeded.
fn part_json<T: serde::de::DeserializeOwned>(
    part: Option<crate::batch::BatchPart>,
) -> Result<T, GmailError> {
    let part = part.ok_or_else(|| GmailError::Decode("batch answer missing a part".into()))?;
    if !(200..300).contains(&part.status) {
        return Err(GmailError::Api(ApiError::from_parts(
            part.status,
            &part.headers,
            &part.body,
        )));
    }
    crate::client::decode_json(&part.body)
}

/// The approach gmux avoids, for comparison in benches: one threads.list, then one threads.get per thread
/// (no batch), then labels.get INBOX, at every poll. Fills `inbox` like a full sync, without a history id.
pub async fn naive_first_sync(
    client: &GmailClient,
    inbox: &mut AccountInbox,
    page_size: u32,
) -> Result<(), GmailError> {
    let list = client.list_threads("INBOX", page_size, None).await?;
    let gets = list
        .threads
        .iter()
        .map(|t| client.get_thread_metadata(&t.id));
    let threads = futures::future::join_all(gets).await;
    let mut rows = Vec::new();
    for thread in threads {
        rows.push(thread?.to_row(client.account()));
    }
    let label = client.get_label("INBOX").await?;
    inbox.threads = rows.into_iter().filter(ThreadRow::in_inbox).collect();
    bound_threads(&mut inbox.threads);
    inbox.account.counts = label.counts();
    // The naive approach keeps no history: every poll reads everything again.
    inbox.history_id = None;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(labels: &[&str]) -> ThreadRow {
        ThreadRow {
            thread_id: "t".into(),
            label_ids: labels.iter().map(|s| s.to_string()).collect(),
            unread: labels.contains(&"UNREAD"),
            starred: labels.contains(&"STARRED"),
            ..Default::default()
        }
    }

    #[test]
    fn actions_change_rows_as_gmail_will() {
        let base = row(&["INBOX", "UNREAD"]);
        let cases = [
            (ThreadAction::MarkRead, vec!["INBOX"], true, false, false),
            (
                ThreadAction::MarkUnread,
                vec!["INBOX", "UNREAD"],
                true,
                true,
                false,
            ),
            (ThreadAction::Archive, vec!["UNREAD"], false, true, false),
            (
                ThreadAction::Trash,
                vec!["TRASH", "UNREAD"],
                false,
                true,
                false,
            ),
            (
                ThreadAction::Star,
                vec!["INBOX", "STARRED", "UNREAD"],
                true,
                true,
                true,
            ),
            (
                ThreadAction::Unstar,
                vec!["INBOX", "UNREAD"],
                true,
                true,
                false,
            ),
        ];
        for (action, labels, in_inbox, unread, starred) in cases {
            let r = optimistic_row(&base, action);
            assert_eq!(r.label_ids, labels, "{action:?}");
            assert_eq!(
                (r.in_inbox(), r.unread, r.starred),
                (in_inbox, unread, starred),
                "{action:?}"
            );
        }
    }

    #[test]
    fn health_follows_the_error_kind_and_keeps_the_last_good_time() {
        let mut inbox = AccountInbox::new("a", "a@x");
        let ok = Ok(SyncOutcome {
            kind: SyncKind::Full,
            changed_threads: 0,
            requests: 3,
        });
        record_health(&mut inbox, &ok, 1_000);
        assert_eq!(inbox.account.health, SyncHealth::Ok);
        let cases = [
            (
                GmailError::ReauthRequired("x".into()),
                SyncHealth::ReauthRequired,
            ),
            (
                GmailError::Offline(crate::env::TransportError("down".into())),
                SyncHealth::Offline,
            ),
            (
                GmailError::TokenUnavailable("no host".into()),
                SyncHealth::Failing,
            ),
            (GmailError::Decode("bad".into()), SyncHealth::Failing),
        ];
        for (error, health) in cases {
            let cause = error.cause();
            record_health(&mut inbox, &Err(error), 2_000);
            assert_eq!(inbox.account.health, health);
            assert_eq!(inbox.account.last_good_sync_ms, Some(1_000));
            assert_eq!(inbox.account.health_cause, Some(cause));
        }
        record_health(&mut inbox, &ok, 3_000);
        assert_eq!(inbox.account.health_cause, None);
    }
}
