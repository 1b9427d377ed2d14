//! The queue of actions taken while Gmail cannot be reached, and the rules that replay them.
//!
//! An action the user takes while Gmail cannot be reached (no network, 5xx, 429, gmux-host unreachable) is shown
//! at once and kept in an [`OfflineQueue`], which the background persists in `storage.local`: account and thread
//! ids, label ids and times only, never a token, a subject or a body. When Gmail answers again the queue is
//! replayed. Everything here is pure; the background (or gmux-gmail's replay) sends what
//! [`OfflineQueue::take_batch`] plans and reports each answer with [`OfflineQueue::settle`].
//!
//! # The rules
//!
//! - **One entry per thread, coalesced.** A new action on a thread that already waits is merged into its entry:
//!   per label the last change wins (read then unread keeps "unread"). Changes that bring a label back to what
//!   the thread had when the entry was made are dropped, and an entry left with no change leaves the queue
//!   (star then unstar sends nothing). An action that changes nothing at all (mark read on a read thread) is
//!   not queued. An entry already on its way to Gmail is never merged into: the new action gets its own entry
//!   behind it.
//! - **In order, per account, batched.** Entries replay in the order they were first queued. Because each
//!   thread has one entry at a time (plus at most one in flight, never sent together), the entries of one
//!   batch touch different threads and commute, so up to [`MAX_REPLAY_CALLS`] of them go in one Gmail batch
//!   request, whose parts Gmail may run in any order without changing the result. A thread's next entry waits
//!   until its entry in flight is settled.
//! - **Nothing replayed twice.** An entry leaves the queue only when Gmail confirmed it ([`Answer::Confirmed`]).
//!   A replay cut off midway (the worker stopped, the network dropped) keeps every unconfirmed entry and sends
//!   only those again; confirmed ones are gone. An entry whose answer was lost after Gmail applied it is sent
//!   again, which is harmless: `threads.modify` with the same labels and `threads.trash` are idempotent.
//! - **Transient or permanent.** Offline, gmux-host unreachable, 5xx, 429, 408, 403 rate limits and 400
//!   `failedPrecondition` are transient: the entry stays, and the account's replay waits with a backoff
//!   ([`backoff_ms`]: 2 s doubling to 5 min, or Gmail's `Retry-After` when longer), or until the background says
//!   Gmail answered again ([`OfflineQueue::gmail_answered`]). 401 after gmux-host's fresh token (the account
//!   needs reconnecting) keeps the entries until the account is reconnected. 404, 400 and 403 other than rate
//!   limits (and other 4xx) are permanent: the entry is dropped and returned to the caller, which tells the user
//!   and shows the thread as Gmail has it again (the queue no longer changes it in [`OfflineQueue::apply_pending`];
//!   a sync brings back a row that the action had hidden).
//! - **The thread changed meanwhile: resolved the way Gmail would end up.** Actions are thread-wide
//!   (`threads.modify`, `threads.trash`) and apply to every message the thread has when they are replayed, as
//!   Gmail's own offline mode does: an archived thread that got a new message meanwhile is still archived, a
//!   thread marked read stays read with its new message. Labels another device changed meanwhile take the
//!   user's queued change, which is the later one in Gmail's history; labels whose queued changes cancelled out
//!   are not sent, so the other device's change stands. A thread deleted meanwhile answers 404: dropped, the
//!   user told. A label deleted meanwhile answers 400: dropped, the user told.
//! - **Bounded.** At most [`MAX_ENTRIES`] entries. Coalescing keeps one per thread, and the pages only list
//!   the first 100 threads of each account, so the bound is reached only by hundreds of accounts' worth of
//!   clicks; past it a new action is refused with [`QueueError::Full`] (the page says so and the row stays as
//!   it was), never by dropping an older one.
//!
//! # Showing the queue
//!
//! [`OfflineQueue::apply_pending`] puts the waiting changes on top of an account's freshly synced rows, so a sync
//! while entries wait does not flash an archived row back; [`OfflineQueue::pending_count`] is the banner's count
//! and [`OfflineQueue::is_pending`] the row's marker.

use crate::inbox::{AccountInbox, ThreadRow};
use crate::reply::ThreadAction;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The most entries the queue holds.
pub const MAX_ENTRIES: usize = 500;
/// The most Gmail calls one replay batch carries (Google advises no more than 50 per batch request).
pub const MAX_REPLAY_CALLS: usize = 50;
/// The first wait after a transient failure.
pub const BACKOFF_BASE_MS: u64 = 2_000;
/// The longest wait between replays.
pub const BACKOFF_MAX_MS: u64 = 5 * 60_000;
/// The stored shape's version.
pub const QUEUE_VERSION: u32 = 1;

/// What the user did to a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QueuedAction {
    /// One of the inbox's actions.
    Thread { action: ThreadAction },
    /// A general label change; a label in both lists is removed.
    Labels {
        #[serde(default)]
        add: Vec<String>,
        #[serde(default)]
        remove: Vec<String>,
    },
}

impl From<ThreadAction> for QueuedAction {
    fn from(action: ThreadAction) -> Self {
        QueuedAction::Thread { action }
    }
}

impl QueuedAction {
    /// The action as label changes, applied in order: `(label, true)` adds, `(label, false)` removes.
    fn changes(&self) -> Vec<(String, bool)> {
        match self {
            QueuedAction::Thread { action } => {
                let (add, remove) = action.label_change();
                add.iter()
                    .map(|l| (l.to_string(), true))
                    .chain(remove.iter().map(|l| (l.to_string(), false)))
                    .collect()
            }
            QueuedAction::Labels { add, remove } => add
                .iter()
                .map(|l| (l.clone(), true))
                .chain(remove.iter().map(|l| (l.clone(), false)))
                .collect(),
        }
    }
}

/// One thread's waiting change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingChange {
    /// Replay order; never reused.
    pub seq: u64,
    pub account_id: String,
    pub thread_id: String,
    /// The net change: label id → `true` to add, `false` to remove.
    pub labels: BTreeMap<String, bool>,
    /// Unix ms when the first of its actions was taken.
    pub queued_ms: u64,
    /// The thread's label ids when the entry was made: what cancelling compares with, and what restoring the
    /// row after a refusal puts back.
    pub before: Vec<String>,
    /// Sent and not yet settled. Not persisted: after a restart an unsettled entry is sent again.
    #[serde(skip)]
    pub in_flight: bool,
}

impl PendingChange {
    /// The Gmail calls that make this change: `threads.trash` for an added `TRASH` (it also takes the thread out
    /// of INBOX), `threads.untrash` for a removed one, and one `threads.modify` for the other labels.
    pub fn calls(&self) -> Vec<GmailCall> {
        let mut calls = Vec::new();
        let trash = self.labels.get("TRASH").copied();
        match trash {
            Some(true) => calls.push(GmailCall::Trash),
            Some(false) => calls.push(GmailCall::Untrash),
            None => {}
        }
        let (mut add, mut remove) = (Vec::new(), Vec::new());
        for (label, &added) in &self.labels {
            if label == "TRASH" || (trash == Some(true) && label == "INBOX" && !added) {
                continue;
            }
            if added {
                add.push(label.clone());
            } else {
                remove.push(label.clone());
            }
        }
        if !add.is_empty() || !remove.is_empty() {
            calls.push(GmailCall::Modify { add, remove });
        }
        calls
    }

    /// `labels` changed as this entry changes them, sorted.
    pub fn applied_to(&self, labels: &[String]) -> Vec<String> {
        let mut set: BTreeSet<String> = labels.iter().cloned().collect();
        for (label, &added) in &self.labels {
            if added {
                set.insert(label.clone());
            } else {
                set.remove(label);
            }
        }
        set.into_iter().collect()
    }
}

/// One Gmail call of a replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GmailCall {
    /// `threads.modify` with these label ids.
    Modify {
        add: Vec<String>,
        remove: Vec<String>,
    },
    /// `threads.trash`.
    Trash,
    /// `threads.untrash`.
    Untrash,
}

/// One entry to send, with its calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayStep {
    pub seq: u64,
    pub account_id: String,
    pub thread_id: String,
    pub calls: Vec<GmailCall>,
}

/// Why a replayed call did not succeed, as the caller saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No network, or the request never got an answer.
    Offline,
    /// gmux-host could not give a token (not running, keyring locked).
    HostUnavailable,
    /// Google refuses the account's sign-in: the account must be reconnected.
    ReauthRequired,
    /// Gmail answered this HTTP error. `reason` is `errors[0].reason` (e.g. `rateLimitExceeded`).
    Http {
        status: u16,
        reason: String,
        retry_after_ms: Option<u64>,
    },
}

/// What a failure means for the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Keep it and try again after a backoff.
    Transient,
    /// Keep it until the account is reconnected.
    AwaitReconnect,
    /// Gmail will never accept it: drop it, restore the row, tell the user.
    Permanent,
}

/// Sorts a failure into transient, awaiting reconnection, or permanent (the module's rules).
pub fn classify(failure: &Failure) -> Disposition {
    match failure {
        Failure::Offline | Failure::HostUnavailable => Disposition::Transient,
        Failure::ReauthRequired => Disposition::AwaitReconnect,
        Failure::Http { status, reason, .. } => match status {
            401 => Disposition::AwaitReconnect,
            408 | 429 | 500..=599 => Disposition::Transient,
            403 if matches!(
                reason.as_str(),
                "rateLimitExceeded"
                    | "userRateLimitExceeded"
                    | "RESOURCE_EXHAUSTED"
                    | "quotaExceeded"
            ) =>
            {
                Disposition::Transient
            }
            400 if matches!(
                reason.as_str(),
                "failedPrecondition" | "FAILED_PRECONDITION"
            ) =>
            {
                Disposition::Transient
            }
            _ => Disposition::Permanent,
        },
    }
}

/// The wait before the replay after the `failures`-th transient failure in a row: 2 s, 4 s, 8 s … at most
/// 5 min, or Gmail's `Retry-After` when that is longer.
pub fn backoff_ms(failures: u32, retry_after_ms: Option<u64>) -> u64 {
    let exp = failures.saturating_sub(1).min(20);
    let wait = BACKOFF_BASE_MS.saturating_mul(1 << exp).min(BACKOFF_MAX_MS);
    wait.max(retry_after_ms.unwrap_or(0))
}

/// Gmail's answer to one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Every call of the step succeeded.
    Confirmed,
    /// A call failed (the first failure the caller saw).
    Failed(Failure),
}

/// What [`OfflineQueue::enqueue`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enqueued {
    /// A new entry with this sequence number.
    Added(u64),
    /// Merged into the waiting entry with this sequence number.
    Merged(u64),
    /// The action undid the waiting entry, which left the queue: nothing will be sent.
    Cancelled,
    /// The action changes nothing on the thread as it is shown.
    Nothing,
}

/// What [`OfflineQueue::settle`] did with an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// Confirmed: the entry left the queue.
    Done,
    /// Kept; the account's next replay is not before this unix ms.
    RetryAt(u64),
    /// Kept until the account is reconnected ([`OfflineQueue::gmail_answered`]).
    AwaitingReconnect,
    /// Dropped for good: tell the user, and show the thread as Gmail has it (`change.before` are its labels
    /// from before the change).
    Dropped {
        change: PendingChange,
        failure: Failure,
    },
    /// No such entry in flight (already settled, or its account removed).
    Unknown,
}

/// Why an action could not be queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("{MAX_ENTRIES} actions are already waiting for gmail; this one was not taken")]
    Full,
}

/// When an account's replay may run again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RetryState {
    /// Transient failures in a row.
    pub failures: u32,
    /// Unix ms before which the account's replay waits.
    pub not_before_ms: u64,
    /// Waiting for the account to be reconnected.
    #[serde(default)]
    pub awaiting_reconnect: bool,
}

/// The queue, as the background persists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineQueue {
    pub version: u32,
    next_seq: u64,
    /// In `seq` order.
    entries: Vec<PendingChange>,
    #[serde(default)]
    retry: BTreeMap<String, RetryState>,
}

impl Default for OfflineQueue {
    fn default() -> Self {
        OfflineQueue {
            version: QUEUE_VERSION,
            next_seq: 1,
            entries: Vec::new(),
            retry: BTreeMap::new(),
        }
    }
}

impl OfflineQueue {
    /// Reads a stored queue. A queue of another version or shape cannot be trusted to mean what it says and is
    /// read as empty (the caller may tell the user that waiting actions were lost); entries past the bound
    /// are dropped newest first.
    pub fn from_json(value: serde_json::Value) -> Self {
        match serde_json::from_value::<OfflineQueue>(value) {
            Ok(mut q) if q.version == QUEUE_VERSION => {
                q.entries.sort_by_key(|e| e.seq);
                q.entries.truncate(MAX_ENTRIES);
                let last = q.entries.last().map_or(0, |e| e.seq);
                q.next_seq = q.next_seq.max(last + 1);
                q
            }
            _ => OfflineQueue::default(),
        }
    }

    /// Queues an action on a thread. `shown_labels` are the thread's label ids as the user sees it now
    /// (before this action), `now_ms` the time.
    pub fn enqueue(
        &mut self,
        account_id: &str,
        thread_id: &str,
        action: &QueuedAction,
        shown_labels: &[String],
        now_ms: u64,
    ) -> Result<Enqueued, QueueError> {
        let waiting = self
            .entries
            .iter()
            .rposition(|e| e.account_id == account_id && e.thread_id == thread_id);
        if let Some(pos) = waiting.filter(|&p| !self.entries[p].in_flight) {
            let entry = &mut self.entries[pos];
            for (label, added) in action.changes() {
                entry.labels.insert(label, added);
            }
            drop_no_ops(entry);
            if entry.labels.is_empty() {
                self.entries.remove(pos);
                return Ok(Enqueued::Cancelled);
            }
            return Ok(Enqueued::Merged(entry.seq));
        }
        let mut entry = PendingChange {
            seq: self.next_seq,
            account_id: account_id.to_string(),
            thread_id: thread_id.to_string(),
            labels: BTreeMap::new(),
            queued_ms: now_ms,
            before: sorted(shown_labels),
            in_flight: false,
        };
        for (label, added) in action.changes() {
            entry.labels.insert(label, added);
        }
        drop_no_ops(&mut entry);
        if entry.labels.is_empty() {
            return Ok(Enqueued::Nothing);
        }
        if self.entries.len() >= MAX_ENTRIES {
            return Err(QueueError::Full);
        }
        self.next_seq += 1;
        let seq = entry.seq;
        self.entries.push(entry);
        Ok(Enqueued::Added(seq))
    }

    /// The next steps to send for an account, at most `max_calls` Gmail calls, oldest first, at most one per
    /// thread and none for a thread whose earlier entry is still in flight; they are marked in flight. Empty
    /// while the account waits (backoff, or reconnection).
    pub fn take_batch(
        &mut self,
        account_id: &str,
        now_ms: u64,
        max_calls: usize,
    ) -> Vec<ReplayStep> {
        if !self.ready(account_id, now_ms) {
            return Vec::new();
        }
        let mut busy: HashSet<String> = self
            .entries
            .iter()
            .filter(|e| e.account_id == account_id && e.in_flight)
            .map(|e| e.thread_id.clone())
            .collect();
        let mut steps = Vec::new();
        let mut calls_taken = 0;
        for entry in self.entries.iter_mut() {
            if entry.account_id != account_id || entry.in_flight {
                continue;
            }
            if !busy.insert(entry.thread_id.clone()) {
                // Behind another entry of its thread: it goes in a later batch.
                continue;
            }
            let calls = entry.calls();
            if calls_taken + calls.len() > max_calls.max(1) && !steps.is_empty() {
                break;
            }
            calls_taken += calls.len();
            entry.in_flight = true;
            steps.push(ReplayStep {
                seq: entry.seq,
                account_id: entry.account_id.clone(),
                thread_id: entry.thread_id.clone(),
                calls,
            });
        }
        steps
    }

    /// Records Gmail's answer to a step sent by [`OfflineQueue::take_batch`].
    pub fn settle(&mut self, seq: u64, answer: Answer, now_ms: u64) -> Settled {
        let Some(pos) = self
            .entries
            .iter()
            .position(|e| e.seq == seq && e.in_flight)
        else {
            return Settled::Unknown;
        };
        let account_id = self.entries[pos].account_id.clone();
        match answer {
            Answer::Confirmed => {
                self.entries.remove(pos);
                let state = self.retry.entry(account_id).or_default();
                state.failures = 0;
                state.not_before_ms = 0;
                Settled::Done
            }
            Answer::Failed(failure) => match classify(&failure) {
                Disposition::Permanent => {
                    let mut change = self.entries.remove(pos);
                    change.in_flight = false;
                    Settled::Dropped { change, failure }
                }
                Disposition::Transient => {
                    self.entries[pos].in_flight = false;
                    let retry_after = match &failure {
                        Failure::Http { retry_after_ms, .. } => *retry_after_ms,
                        _ => None,
                    };
                    let state = self.retry.entry(account_id).or_default();
                    // Several steps of one batch failing together count as one failure.
                    if state.not_before_ms <= now_ms {
                        state.failures = state.failures.saturating_add(1);
                    }
                    state.not_before_ms =
                        now_ms.saturating_add(backoff_ms(state.failures, retry_after));
                    Settled::RetryAt(state.not_before_ms)
                }
                Disposition::AwaitReconnect => {
                    self.entries[pos].in_flight = false;
                    self.retry.entry(account_id).or_default().awaiting_reconnect = true;
                    Settled::AwaitingReconnect
                }
            },
        }
    }

    /// Gmail answered the account again (a sync succeeded, or it was reconnected): its replay may run now.
    pub fn gmail_answered(&mut self, account_id: &str) {
        self.retry.remove(account_id);
    }

    /// Whether the account's replay may run at `now_ms`.
    pub fn ready(&self, account_id: &str, now_ms: u64) -> bool {
        self.retry
            .get(account_id)
            .is_none_or(|r| !r.awaiting_reconnect && r.not_before_ms <= now_ms)
    }

    /// The account's backoff state, if it has one.
    pub fn retry_state(&self, account_id: &str) -> Option<RetryState> {
        self.retry.get(account_id).copied()
    }

    /// Forgets an account's entries (the account was removed).
    pub fn remove_account(&mut self, account_id: &str) {
        self.entries.retain(|e| e.account_id != account_id);
        self.retry.remove(account_id);
    }

    /// Puts the account's waiting changes on top of its rows (fresh from a sync, or as stored): labels changed,
    /// rows that left the inbox dropped, counters moved. A thread the rows do not list is left alone.
    pub fn apply_pending(&self, inbox: &mut AccountInbox) {
        let account_id = inbox.account.id.clone();
        for entry in self.entries.iter().filter(|e| e.account_id == account_id) {
            let Some(row) = inbox
                .threads
                .iter()
                .find(|r| r.thread_id == entry.thread_id)
            else {
                continue;
            };
            let changed = row_with_labels(row, entry.applied_to(&row.label_ids));
            inbox.replace_thread(changed);
        }
    }

    /// Every waiting entry, the banner's count.
    pub fn pending_count(&self) -> usize {
        self.entries.len()
    }

    /// One account's waiting entries.
    pub fn pending_for(&self, account_id: &str) -> usize {
        self.entries
            .iter()
            .filter(|e| e.account_id == account_id)
            .count()
    }

    /// Whether a thread has a waiting change (the row's quiet marker).
    pub fn is_pending(&self, account_id: &str, thread_id: &str) -> bool {
        self.entries
            .iter()
            .any(|e| e.account_id == account_id && e.thread_id == thread_id)
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> &[PendingChange] {
        &self.entries
    }
}

/// One thread with a waiting change, as the pages mark it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingThread {
    pub account_id: String,
    pub thread_id: String,
}

/// The most refusals the pages list at once; older ones give way to newer ones.
pub const MAX_REFUSED_SHOWN: usize = 5;

/// What the pages show of the queue (carried in the status): how many actions wait, which threads they change
/// (a quiet marker on each row), and the waiting actions Gmail refused for good, until the user dismisses them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OfflineShown {
    /// Entries waiting, the banner's count.
    #[serde(default)]
    pub waiting: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<PendingThread>,
    /// Sentences, oldest first, at most [`MAX_REFUSED_SHOWN`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<String>,
}

impl OfflineShown {
    pub fn is_empty(&self) -> bool {
        self.waiting == 0 && self.pending.is_empty() && self.refused.is_empty()
    }

    /// Whether the row of this thread gets the pending marker.
    pub fn is_pending(&self, account_id: &str, thread_id: &str) -> bool {
        self.pending
            .iter()
            .any(|p| p.account_id == account_id && p.thread_id == thread_id)
    }

    /// The queue as it is now, the refusals kept.
    pub fn follow(&mut self, queue: &OfflineQueue) {
        self.waiting = queue.pending_count();
        let mut seen = HashSet::new();
        self.pending = queue
            .entries
            .iter()
            .filter(|e| seen.insert((e.account_id.as_str(), e.thread_id.as_str())))
            .map(|e| PendingThread {
                account_id: e.account_id.clone(),
                thread_id: e.thread_id.clone(),
            })
            .collect();
    }

    /// Adds a refusal's sentence, the oldest giving way past [`MAX_REFUSED_SHOWN`].
    pub fn refused(&mut self, sentence: String) {
        self.refused.push(sentence);
        let over = self.refused.len().saturating_sub(MAX_REFUSED_SHOWN);
        self.refused.drain(..over);
    }
}

/// The banner's words for `waiting` queued actions; none when nothing waits.
pub fn waiting_sentence(waiting: usize) -> Option<String> {
    match waiting {
        0 => None,
        1 => Some("1 action waiting for Gmail: it is sent when Gmail answers again.".into()),
        n => Some(format!(
            "{n} actions waiting for Gmail: they are sent in order when Gmail answers again."
        )),
    }
}

/// What a waiting change does (the first that applies), for the words that name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Trash,
    Untrash,
    Spam,
    Archive,
    ToInbox,
    MarkRead,
    MarkUnread,
    Star,
    Unstar,
    Labels,
}

/// The kind of a waiting change by its labels.
pub fn change_kind(labels: &BTreeMap<String, bool>) -> ChangeKind {
    let has = |l: &str, added: bool| labels.get(l) == Some(&added);
    if has("TRASH", true) {
        ChangeKind::Trash
    } else if has("TRASH", false) {
        ChangeKind::Untrash
    } else if has("SPAM", true) {
        ChangeKind::Spam
    } else if has("INBOX", false) {
        ChangeKind::Archive
    } else if has("INBOX", true) {
        ChangeKind::ToInbox
    } else if has("UNREAD", false) {
        ChangeKind::MarkRead
    } else if has("UNREAD", true) {
        ChangeKind::MarkUnread
    } else if has("STARRED", true) {
        ChangeKind::Star
    } else if has("STARRED", false) {
        ChangeKind::Unstar
    } else {
        ChangeKind::Labels
    }
}

/// What a waiting change does, in a word or two, in English.
fn change_words(labels: &BTreeMap<String, bool>) -> &'static str {
    match change_kind(labels) {
        ChangeKind::Trash => "move to Trash",
        ChangeKind::Untrash => "restore from Trash",
        ChangeKind::Spam => "report spam",
        ChangeKind::Archive => "archive",
        ChangeKind::ToInbox => "move to the inbox",
        ChangeKind::MarkRead => "mark read",
        ChangeKind::MarkUnread => "mark unread",
        ChangeKind::Star => "star",
        ChangeKind::Unstar => "unstar",
        ChangeKind::Labels => "label change",
    }
}

/// Why Gmail refused a waiting change for good, for the words that say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefusalWhy {
    /// The conversation no longer exists (404).
    Gone,
    /// A label may no longer exist (400).
    BadLabel,
    /// Another HTTP status, with Gmail's reason when it gave one.
    Status { status: u16, reason: String },
    /// Refused without an HTTP status.
    Refused,
}

/// Why `failure` refused a waiting change.
pub fn refusal_why(failure: &Failure) -> RefusalWhy {
    match failure {
        Failure::Http { status: 404, .. } => RefusalWhy::Gone,
        Failure::Http { status: 400, .. } => RefusalWhy::BadLabel,
        Failure::Http { status, reason, .. } => RefusalWhy::Status {
            status: *status,
            reason: reason.clone(),
        },
        Failure::Offline | Failure::HostUnavailable | Failure::ReauthRequired => {
            RefusalWhy::Refused
        }
    }
}

/// The sentence for a waiting change Gmail refused for good (`email`: the account's address), in English.
pub fn refused_sentence(email: &str, change: &PendingChange, failure: &Failure) -> String {
    let why = match refusal_why(failure) {
        RefusalWhy::Gone => "the conversation no longer exists in Gmail".to_string(),
        RefusalWhy::BadLabel => {
            "Gmail refused the change (a label may no longer exist)".to_string()
        }
        RefusalWhy::Status { status, reason } if reason.is_empty() => {
            format!("Gmail refused it ({status})")
        }
        RefusalWhy::Status { status, reason } => format!("Gmail refused it ({status} {reason})"),
        RefusalWhy::Refused => "Gmail refused it".to_string(),
    };
    format!(
        "An action taken offline was dropped ({} in {email}): {why}.",
        change_words(&change.labels)
    )
}

/// Whether an action that failed with this code (an [`crate::reply::IntentError`]'s, as a bulk action's
/// per-account failure carries it) is worth queueing: Gmail could not be reached or was busy, which
/// [`classify`] calls transient. A refusal, or an account that must be reconnected, is shown as it is.
pub fn is_transient_code(code: &str) -> bool {
    use crate::reply::IntentError;
    matches!(
        IntentError::parse(code),
        Some(
            IntentError::Offline
                | IntentError::TokenUnavailable
                | IntentError::GmailBusy
                | IntentError::HostUnavailable
        )
    )
}

/// The row with other labels, its unread and starred flags following them.
pub fn row_with_labels(row: &ThreadRow, label_ids: Vec<String>) -> ThreadRow {
    let mut row = row.clone();
    row.unread = label_ids.iter().any(|l| l == "UNREAD");
    row.starred = label_ids.iter().any(|l| l == "STARRED");
    row.label_ids = label_ids;
    row
}

fn sorted(labels: &[String]) -> Vec<String> {
    let set: BTreeSet<String> = labels.iter().cloned().collect();
    set.into_iter().collect()
}

/// Drops the changes that leave a label as the thread had it when the entry was made.
fn drop_no_ops(entry: &mut PendingChange) {
    let before: HashSet<&str> = entry.before.iter().map(String::as_str).collect();
    entry
        .labels
        .retain(|label, added| before.contains(label.as_str()) != *added);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbox::InboxCounts;

    fn labels(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    fn act(a: ThreadAction) -> QueuedAction {
        a.into()
    }

    /// Queues `actions` on one thread shown with `shown` labels and returns the net change and what each
    /// enqueue said.
    fn check(
        shown: &[&str],
        actions: &[QueuedAction],
        expected_outcomes: &[Enqueued],
        expected_net: &[(&str, bool)],
    ) {
        let mut q = OfflineQueue::default();
        let mut outcomes = Vec::new();
        let mut current = labels(shown);
        for a in actions {
            outcomes.push(q.enqueue("a", "t", a, &current, 1_000).unwrap());
            // The page shows each action at once: the next one sees the changed labels.
            if let Some(e) = q.entries().first() {
                current = e.applied_to(&labels(shown));
            } else {
                current = labels(shown);
            }
        }
        assert_eq!(outcomes, expected_outcomes, "{actions:?}");
        let net: Vec<(String, bool)> = q
            .entries()
            .iter()
            .flat_map(|e| e.labels.iter().map(|(l, a)| (l.clone(), *a)))
            .collect();
        let want: Vec<(String, bool)> = expected_net
            .iter()
            .map(|(l, a)| (l.to_string(), *a))
            .collect();
        assert_eq!(net, want, "{actions:?}");
        assert!(q.pending_count() <= 1);
    }

    #[test]
    fn coalescing() {
        use Enqueued::*;
        use ThreadAction::*;
        let inbox_unread = ["INBOX", "UNREAD"];
        check(
            &["INBOX"],
            &[act(Star), act(Unstar)],
            &[Added(1), Cancelled],
            &[],
        );
        check(
            &inbox_unread,
            &[act(MarkRead), act(MarkUnread)],
            &[Added(1), Cancelled],
            &[],
        );
        // Read then unread of a thread that was read: unread is the last word.
        check(
            &["INBOX"],
            &[act(MarkUnread), act(MarkRead), act(MarkUnread)],
            &[Added(1), Cancelled, Added(2)],
            &[("UNREAD", true)],
        );
        check(
            &inbox_unread,
            &[act(MarkRead), act(Archive)],
            &[Added(1), Merged(1)],
            &[("INBOX", false), ("UNREAD", false)],
        );
        check(
            &inbox_unread,
            &[act(Star), act(Trash)],
            &[Added(1), Merged(1)],
            &[("INBOX", false), ("STARRED", true), ("TRASH", true)],
        );
        // Nothing to do: reading a read thread.
        check(&["INBOX"], &[act(MarkRead)], &[Nothing], &[]);
        // Archive, then a label change that puts it back in the inbox.
        let back = QueuedAction::Labels {
            add: labels(&["INBOX"]),
            remove: vec![],
        };
        check(
            &["INBOX"],
            &[act(Archive), back],
            &[Added(1), Cancelled],
            &[],
        );
        // A label both added and removed is removed.
        let both = QueuedAction::Labels {
            add: labels(&["Label_1"]),
            remove: labels(&["Label_1"]),
        };
        check(
            &["INBOX", "Label_1"],
            &[both],
            &[Added(1)],
            &[("Label_1", false)],
        );
    }

    #[test]
    fn an_entry_in_flight_is_never_merged_into() {
        let mut q = OfflineQueue::default();
        q.enqueue("a", "t", &act(ThreadAction::Star), &labels(&["INBOX"]), 1)
            .unwrap();
        let steps = q.take_batch("a", 2, MAX_REPLAY_CALLS);
        assert_eq!(steps.len(), 1);
        // Unstar while the star is on its way: its own entry, sent after the star is settled.
        let r = q
            .enqueue(
                "a",
                "t",
                &act(ThreadAction::Unstar),
                &labels(&["INBOX", "STARRED"]),
                3,
            )
            .unwrap();
        assert_eq!(r, Enqueued::Added(2));
        assert!(q.take_batch("a", 4, MAX_REPLAY_CALLS).is_empty());
        assert_eq!(q.settle(1, Answer::Confirmed, 5), Settled::Done);
        let next = q.take_batch("a", 6, MAX_REPLAY_CALLS);
        assert_eq!(next.len(), 1);
        assert_eq!(
            next[0].calls,
            [GmailCall::Modify {
                add: vec![],
                remove: labels(&["STARRED"])
            }]
        );
    }

    #[test]
    fn calls_for_each_change() {
        let entry = |net: &[(&str, bool)]| PendingChange {
            seq: 1,
            account_id: "a".into(),
            thread_id: "t".into(),
            labels: net.iter().map(|(l, a)| (l.to_string(), *a)).collect(),
            queued_ms: 0,
            before: vec![],
            in_flight: false,
        };
        type Net<'a> = &'a [(&'a str, bool)];
        let cases: [(Net, Vec<GmailCall>); 4] = [
            (
                &[("INBOX", false)],
                vec![GmailCall::Modify {
                    add: vec![],
                    remove: labels(&["INBOX"]),
                }],
            ),
            (&[("INBOX", false), ("TRASH", true)], vec![GmailCall::Trash]),
            (
                &[("INBOX", false), ("STARRED", true), ("TRASH", true)],
                vec![
                    GmailCall::Trash,
                    GmailCall::Modify {
                        add: labels(&["STARRED"]),
                        remove: vec![],
                    },
                ],
            ),
            (&[("TRASH", false)], vec![GmailCall::Untrash]),
        ];
        for (net, calls) in cases {
            assert_eq!(entry(net).calls(), calls, "{net:?}");
        }
    }

    #[test]
    fn replay_in_order_batched_and_never_twice() {
        let mut q = OfflineQueue::default();
        let shown = labels(&["INBOX", "UNREAD"]);
        for i in 0..60 {
            q.enqueue(
                "a",
                &format!("t{i:02}"),
                &act(ThreadAction::Archive),
                &shown,
                i,
            )
            .unwrap();
        }
        q.enqueue("b", "x", &act(ThreadAction::MarkRead), &shown, 100)
            .unwrap();
        assert_eq!(
            (q.pending_count(), q.pending_for("a"), q.pending_for("b")),
            (61, 60, 1)
        );

        let first = q.take_batch("a", 1_000, MAX_REPLAY_CALLS);
        let threads: Vec<&str> = first.iter().map(|s| s.thread_id.as_str()).collect();
        assert_eq!(threads.len(), 50);
        assert_eq!((threads[0], threads[49]), ("t00", "t49"));
        // Confirm half, then the replay is cut off (the worker stopped): the queue is stored and read back.
        for step in &first[..25] {
            assert_eq!(q.settle(step.seq, Answer::Confirmed, 1_001), Settled::Done);
        }
        let mut q = OfflineQueue::from_json(serde_json::to_value(&q).unwrap());
        assert_eq!(q.pending_count(), 36);
        // The unconfirmed ones (t25..t49) go again, then the rest; the confirmed ones never.
        let again = q.take_batch("a", 2_000, MAX_REPLAY_CALLS);
        assert_eq!(again.len(), 35);
        assert_eq!(again[0].thread_id, "t25");
        for step in &again {
            q.settle(step.seq, Answer::Confirmed, 2_001);
        }
        assert_eq!(
            q.settle(again[0].seq, Answer::Confirmed, 2_002),
            Settled::Unknown
        );
        assert_eq!(q.pending_count(), 1);
        assert!(q.take_batch("a", 3_000, MAX_REPLAY_CALLS).is_empty());
        // New entries after a reload never reuse a sequence number.
        let r = q
            .enqueue("a", "new", &act(ThreadAction::Star), &shown, 4_000)
            .unwrap();
        assert_eq!(r, Enqueued::Added(62));
    }

    #[test]
    fn failures_are_transient_awaiting_or_permanent() {
        let http = |status: u16, reason: &str| Failure::Http {
            status,
            reason: reason.into(),
            retry_after_ms: None,
        };
        let cases = [
            (Failure::Offline, Disposition::Transient),
            (Failure::HostUnavailable, Disposition::Transient),
            (Failure::ReauthRequired, Disposition::AwaitReconnect),
            (http(401, "authError"), Disposition::AwaitReconnect),
            (http(500, ""), Disposition::Transient),
            (http(503, "backendError"), Disposition::Transient),
            (http(429, "rateLimitExceeded"), Disposition::Transient),
            (http(408, ""), Disposition::Transient),
            (http(403, "userRateLimitExceeded"), Disposition::Transient),
            (http(403, "rateLimitExceeded"), Disposition::Transient),
            (http(400, "failedPrecondition"), Disposition::Transient),
            (http(404, "notFound"), Disposition::Permanent),
            (http(403, "insufficientPermissions"), Disposition::Permanent),
            (http(403, "forbidden"), Disposition::Permanent),
            (http(400, "invalidArgument"), Disposition::Permanent),
            (http(410, ""), Disposition::Permanent),
        ];
        for (failure, want) in cases {
            assert_eq!(classify(&failure), want, "{failure:?}");
        }
    }

    #[test]
    fn transient_failures_back_off_and_permanent_ones_drop_with_the_labels_to_restore() {
        let mut q = OfflineQueue::default();
        let shown = labels(&["INBOX", "UNREAD"]);
        q.enqueue("a", "gone", &act(ThreadAction::Archive), &shown, 0)
            .unwrap();
        q.enqueue("a", "busy", &act(ThreadAction::MarkRead), &shown, 0)
            .unwrap();
        let steps = q.take_batch("a", 10_000, MAX_REPLAY_CALLS);
        assert_eq!(steps.len(), 2);
        let dropped = q.settle(
            steps[0].seq,
            Answer::Failed(Failure::Http {
                status: 404,
                reason: "notFound".into(),
                retry_after_ms: None,
            }),
            10_000,
        );
        match dropped {
            Settled::Dropped { change, .. } => {
                assert_eq!(change.thread_id, "gone");
                assert_eq!(change.before, shown);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            q.settle(steps[1].seq, Answer::Failed(Failure::Offline), 10_000),
            Settled::RetryAt(12_000)
        );
        assert!(!q.ready("a", 11_999));
        assert!(q.take_batch("a", 11_999, MAX_REPLAY_CALLS).is_empty());
        // The second failure in a row waits twice as long; Retry-After longer than that wins.
        let steps = q.take_batch("a", 12_000, MAX_REPLAY_CALLS);
        assert_eq!(
            q.settle(steps[0].seq, Answer::Failed(Failure::Offline), 12_000),
            Settled::RetryAt(16_000)
        );
        let steps = q.take_batch("a", 16_000, MAX_REPLAY_CALLS);
        let slow = Failure::Http {
            status: 429,
            reason: "rateLimitExceeded".into(),
            retry_after_ms: Some(60_000),
        };
        assert_eq!(
            q.settle(steps[0].seq, Answer::Failed(slow), 16_000),
            Settled::RetryAt(76_000)
        );
        // Gmail answers again (a sync succeeded): replay at once.
        q.gmail_answered("a");
        let steps = q.take_batch("a", 16_001, MAX_REPLAY_CALLS);
        assert_eq!(steps.len(), 1);
        // Reconnection needed: nothing until the account is back.
        assert_eq!(
            q.settle(
                steps[0].seq,
                Answer::Failed(Failure::ReauthRequired),
                16_002
            ),
            Settled::AwaitingReconnect
        );
        assert!(q.take_batch("a", u64::MAX, MAX_REPLAY_CALLS).is_empty());
        q.gmail_answered("a");
        assert_eq!(q.take_batch("a", 20_000, MAX_REPLAY_CALLS).len(), 1);
        // Other accounts never wait for this one.
        assert!(q.ready("b", 0));
    }

    #[test]
    fn backoff_doubles_to_a_cap() {
        let cases = [
            (0, 2_000),
            (1, 2_000),
            (2, 4_000),
            (3, 8_000),
            (8, 256_000),
            (9, 300_000),
            (u32::MAX, 300_000),
        ];
        for (failures, want) in cases {
            assert_eq!(backoff_ms(failures, None), want, "{failures}");
        }
        assert_eq!(backoff_ms(1, Some(30_000)), 30_000);
    }

    #[test]
    fn the_queue_is_bounded_and_refuses_rather_than_forgets() {
        let mut q = OfflineQueue::default();
        let shown = labels(&["INBOX"]);
        for i in 0..MAX_ENTRIES {
            q.enqueue(
                "a",
                &format!("t{i}"),
                &act(ThreadAction::Archive),
                &shown,
                0,
            )
            .unwrap();
        }
        assert_eq!(
            q.enqueue("a", "one-more", &act(ThreadAction::Archive), &shown, 0),
            Err(QueueError::Full)
        );
        // A change to a waiting thread still merges, and an undo still cancels.
        assert_eq!(
            q.enqueue("a", "t0", &act(ThreadAction::Star), &labels(&[]), 0),
            Ok(Enqueued::Merged(1))
        );
        assert_eq!(q.pending_count(), MAX_ENTRIES);
        assert_eq!(
            QueueError::Full.to_string(),
            "500 actions are already waiting for gmail; this one was not taken"
        );
    }

    fn row(thread: &str, l: &[&str]) -> ThreadRow {
        row_with_labels(
            &ThreadRow {
                account_id: "a".into(),
                thread_id: thread.into(),
                date_ms: 10,
                ..Default::default()
            },
            labels(l),
        )
    }

    #[test]
    fn pending_changes_show_on_top_of_a_fresh_sync() {
        let mut q = OfflineQueue::default();
        q.enqueue(
            "a",
            "archived",
            &act(ThreadAction::Archive),
            &labels(&["INBOX", "UNREAD"]),
            0,
        )
        .unwrap();
        q.enqueue(
            "a",
            "read",
            &act(ThreadAction::MarkRead),
            &labels(&["INBOX", "UNREAD"]),
            0,
        )
        .unwrap();
        q.enqueue(
            "b",
            "other",
            &act(ThreadAction::Archive),
            &labels(&["INBOX"]),
            0,
        )
        .unwrap();
        // A sync while offline actions wait: Gmail still has both threads in the inbox, unread; the archived
        // one even got a new message meanwhile.
        let mut inbox = AccountInbox::new("a", "a@x");
        inbox.threads = vec![
            row("archived", &["INBOX", "UNREAD"]),
            row("read", &["INBOX", "UNREAD", "STARRED"]),
            row("untouched", &["INBOX"]),
        ];
        inbox.account.counts = InboxCounts {
            threads_total: 3,
            threads_unread: 2,
            ..Default::default()
        };
        q.apply_pending(&mut inbox);
        let shown: Vec<(&str, bool, bool)> = inbox
            .threads
            .iter()
            .map(|r| (r.thread_id.as_str(), r.unread, r.starred))
            .collect();
        assert_eq!(shown, [("read", false, true), ("untouched", false, false)]);
        assert_eq!(
            (
                inbox.account.counts.threads_total,
                inbox.account.counts.threads_unread
            ),
            (2, 0)
        );
        assert!(q.is_pending("a", "archived") && !q.is_pending("a", "untouched"));
        q.remove_account("b");
        assert_eq!(q.pending_count(), 2);
    }

    #[test]
    fn stored_queues_read_leniently() {
        let mut q = OfflineQueue::default();
        q.enqueue("a", "t", &act(ThreadAction::Trash), &labels(&["INBOX"]), 5)
            .unwrap();
        q.take_batch("a", 6, 10);
        let json = serde_json::to_value(&q).unwrap();
        // Nothing but ids, labels and times.
        assert_eq!(
            json,
            serde_json::json!({"version": 1, "next_seq": 2, "entries": [{"seq": 1, "account_id": "a", "thread_id": "t",
              "labels": {"INBOX": false, "TRASH": true}, "queued_ms": 5, "before": ["INBOX"]}], "retry": {}})
        );
        // In flight is not stored: a restarted background sends it again.
        let back = OfflineQueue::from_json(json.clone());
        assert!(!back.entries()[0].in_flight);
        let mut other = json;
        other["version"] = serde_json::json!(2);
        assert_eq!(OfflineQueue::from_json(other), OfflineQueue::default());
        assert_eq!(
            OfflineQueue::from_json(serde_json::json!("x")),
            OfflineQueue::default()
        );
        let actions = serde_json::to_value(QueuedAction::from(ThreadAction::MarkRead)).unwrap();
        assert_eq!(
            actions,
            serde_json::json!({"type": "thread", "action": "mark_read"})
        );
    }

    #[test]
    fn what_the_pages_show_of_the_queue() {
        let mut q = OfflineQueue::default();
        let shown = labels(&["INBOX", "UNREAD"]);
        q.enqueue("a", "t1", &act(ThreadAction::Archive), &shown, 0)
            .unwrap();
        q.enqueue("b", "t2", &act(ThreadAction::MarkRead), &shown, 0)
            .unwrap();
        let mut s = OfflineShown::default();
        assert!(s.is_empty());
        s.follow(&q);
        assert_eq!(s.waiting, 2);
        assert!(s.is_pending("a", "t1") && s.is_pending("b", "t2") && !s.is_pending("a", "t2"));
        for i in 0..7 {
            s.refused(format!("r{i}"));
        }
        assert_eq!(s.refused, ["r2", "r3", "r4", "r5", "r6"]);
        q.remove_account("a");
        q.remove_account("b");
        s.follow(&q);
        assert_eq!((s.waiting, s.pending.len(), s.refused.len()), (0, 0, 5));

        let cases = [
            (0, None),
            (
                1,
                Some("1 action waiting for Gmail: it is sent when Gmail answers again."),
            ),
            (
                3,
                Some(
                    "3 actions waiting for Gmail: they are sent in order when Gmail answers again.",
                ),
            ),
        ];
        for (n, want) in cases {
            assert_eq!(waiting_sentence(n).as_deref(), want, "{n}");
        }
    }

    #[test]
    fn refusals_say_what_was_dropped_and_why() {
        let change = |net: &[(&str, bool)]| PendingChange {
            seq: 1,
            account_id: "a".into(),
            thread_id: "t".into(),
            labels: net.iter().map(|(l, a)| (l.to_string(), *a)).collect(),
            queued_ms: 0,
            before: vec![],
            in_flight: false,
        };
        let http = |status: u16, reason: &str| Failure::Http {
            status,
            reason: reason.into(),
            retry_after_ms: None,
        };
        let cases = [
            (
                change(&[("INBOX", false)]),
                http(404, "notFound"),
                "An action taken offline was dropped (archive in a@x.com): the conversation no longer exists in Gmail.",
            ),
            (
                change(&[("INBOX", false), ("TRASH", true)]),
                http(403, "forbidden"),
                "An action taken offline was dropped (move to Trash in a@x.com): Gmail refused it (403 forbidden).",
            ),
            (
                change(&[("Label_9", true)]),
                http(400, "invalidArgument"),
                "An action taken offline was dropped (label change in a@x.com): Gmail refused the change (a label may no longer exist).",
            ),
            (
                change(&[("UNREAD", false)]),
                http(410, ""),
                "An action taken offline was dropped (mark read in a@x.com): Gmail refused it (410).",
            ),
        ];
        for (c, failure, want) in cases {
            assert_eq!(refused_sentence("a@x.com", &c, &failure), want);
        }
    }

    #[test]
    fn which_failed_actions_are_queued() {
        let cases = [
            ("offline", true),
            ("token_unavailable", true),
            ("gmail_busy", true),
            ("host_unavailable", true),
            ("not_found", false),
            ("reauth_required", false),
            ("scope_missing", false),
            ("gmail_error", false),
            ("nonsense", false),
        ];
        for (code, want) in cases {
            assert_eq!(is_transient_code(code), want, "{code}");
        }
    }
}
