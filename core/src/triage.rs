//! Triage at speed, as decisions: what each action does to a thread's labels, bulk plans grouped per account,
//! undo records that restore the exact previous labels, mark all read, snooze times and the snooze list, and
//! the Gmail tab already open for an account.
//!
//! The background turns a plan into Gmail calls with gmux-gmail's `triage` module and feeds the answers back
//! here ([`settle`]); nothing here does IO.
//!
//! # Bulk actions: threads.modify in one HTTP batch, not messages.batchModify
//!
//! Gmail has no thread-level batch modify. For a selection of 120 threads across 3 accounts (40 each):
//!
//! | way | requests | quota units |
//! |---|---|---|
//! | one `threads.modify` call per thread, each its own request | 120 | 1,200 |
//! | `threads.modify` calls inside one HTTP batch per account (chosen) | 3 | 1,200 |
//! | `threads.get` (minimal) per thread in one batch per account, then one `messages.batchModify` per account | 6 | 1,350 |
//! | `messages.batchModify` with message ids already at hand | 3 | 150 |
//!
//! gmux sends `threads.modify` (and `threads.trash`) calls in one HTTP batch per account (at most 50 calls per
//! batch, Google's advice, so a selection of up to 50 threads per account is one request): the rows do not carry
//! their messages' ids, and expanding them costs more than it saves; a thread's mail that arrived after the row
//! was listed is changed too (a batchModify of stale ids would leave the new message in the inbox, and the thread
//! with it); and each thread gets its own answer, so a thread deleted meanwhile (404) or a 429 on one part restores
//! only that row. 1,200 units is under a tenth of the per-user 15,000 a minute. `messages.batchModify` is the
//! right call where gmux lists message ids itself: mark all read ([`mark_all_read_done`]) and undoing it.

use crate::calendar::{civil_from_days, days_from_civil};
use crate::inbox::ThreadRow;
use crate::reply::ThreadAction;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;

/// Label ids per account: a user label has another id in every account (`Label_3` here, `Label_12` there).
pub type AccountLabelIds = std::collections::BTreeMap<String, String>;

/// Labels no client can add or remove (Gmail answers 400 `Invalid label`).
pub const IMMUTABLE_LABELS: [&str; 3] = ["SENT", "DRAFT", "CHAT"];

/// The label gmux creates in each account for snoozed threads.
pub const SNOOZED_LABEL_NAME: &str = "gmux/Snoozed";

/// Thread calls per HTTP batch: Google allows 100 and advises against more than 50.
pub const MAX_THREAD_CALLS_PER_BATCH: usize = 50;
/// Message ids per `messages.batchModify` call, Google's limit.
pub const MAX_BATCH_MODIFY_IDS: usize = 1_000;

/// How long the undo toast stays.
pub const UNDO_TOAST_MS: u64 = 6_000;

/// Labels added and removed by one call.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct LabelChange {
    #[serde(default)]
    pub add: Vec<String>,
    #[serde(default)]
    pub remove: Vec<String>,
}

impl LabelChange {
    pub fn new(add: &[&str], remove: &[&str]) -> Self {
        LabelChange {
            add: add.iter().map(|s| s.to_string()).collect(),
            remove: remove.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Gmail refuses an empty modify (400 `No label add or removes specified`): such a call is never sent.
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.remove.is_empty()
    }

    /// The labels after the change, sorted.
    pub fn apply(&self, labels: &[String]) -> Vec<String> {
        let mut out: BTreeSet<String> = labels
            .iter()
            .filter(|l| !self.remove.contains(l))
            .cloned()
            .collect();
        out.extend(self.add.iter().cloned());
        out.into_iter().collect()
    }

    /// The change that takes `now` back to `before`, for the labels in `scope` only (what the action touched, so
    /// a label someone changed elsewhere meanwhile is left alone), never an immutable label.
    pub fn restoring(before: &[String], now: &[String], scope: &BTreeSet<String>) -> Self {
        let movable = |l: &&String| scope.contains(*l) && !IMMUTABLE_LABELS.contains(&l.as_str());
        let mut add: Vec<String> = before
            .iter()
            .filter(|l| !now.contains(l))
            .filter(movable)
            .cloned()
            .collect();
        let mut remove: Vec<String> = now
            .iter()
            .filter(|l| !before.contains(l))
            .filter(movable)
            .cloned()
            .collect();
        add.sort();
        add.dedup();
        remove.sort();
        remove.dedup();
        LabelChange { add, remove }
    }

    fn labels(&self) -> BTreeSet<String> {
        self.add.iter().chain(&self.remove).cloned().collect()
    }
}

/// A thread's row with `labels` in place of its own, unread and starred read from them.
pub fn relabel_row(row: &ThreadRow, labels: &[String]) -> ThreadRow {
    let mut row = row.clone();
    let mut labels = labels.to_vec();
    labels.sort();
    labels.dedup();
    row.unread = labels.iter().any(|l| l == "UNREAD");
    row.starred = labels.iter().any(|l| l == "STARRED");
    row.label_ids = labels;
    row
}

/// What the user asked for, on one thread or a selection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TriageAction {
    Archive,
    Trash,
    MarkRead,
    MarkUnread,
    Star,
    Unstar,
    /// Report spam: into SPAM, out of the inbox.
    Spam,
    /// Not spam: out of SPAM, back in the inbox.
    NotSpam,
    /// Gmail's "Move to": into `to`, out of `from` (the label of the view it was done in), or out of the inbox
    /// when `from` is absent or the account has no such label.
    Move {
        to: AccountLabelIds,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<AccountLabelIds>,
    },
    /// Out of the inbox into each account's `gmux/Snoozed` label (its id per account).
    Snooze {
        label: AccountLabelIds,
    },
}

impl From<ThreadAction> for TriageAction {
    fn from(a: ThreadAction) -> Self {
        match a {
            ThreadAction::MarkRead => TriageAction::MarkRead,
            ThreadAction::MarkUnread => TriageAction::MarkUnread,
            ThreadAction::Archive => TriageAction::Archive,
            ThreadAction::Trash => TriageAction::Trash,
            ThreadAction::Star => TriageAction::Star,
            ThreadAction::Unstar => TriageAction::Unstar,
        }
    }
}

/// What an action does to one thread of one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `threads.modify`.
    Modify(LabelChange),
    /// `threads.trash`: Gmail adds TRASH and takes the thread out of the inbox (and spam).
    Trash,
}

impl Step {
    /// The labels after the step, as the page shows them at once.
    pub fn predict(&self, labels: &[String]) -> Vec<String> {
        match self {
            Step::Modify(change) => change.apply(labels),
            Step::Trash => LabelChange::new(&["TRASH"], &["INBOX", "SPAM"]).apply(labels),
        }
    }

    /// The labels the step may change: what an undo puts back.
    fn scope(&self) -> BTreeSet<String> {
        match self {
            Step::Modify(change) => change.labels(),
            Step::Trash => ["TRASH", "INBOX", "SPAM"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

/// Why an action cannot apply to a thread, before any call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriageError {
    #[error("the account has no label to move the conversation to")]
    NoSuchLabel,
    #[error("the conversation is already there")]
    AlreadyThere,
}

impl TriageAction {
    /// The step for one account's thread.
    pub fn step(&self, account_id: &str) -> Result<Step, TriageError> {
        let m = |add: &[&str], remove: &[&str]| Ok(Step::Modify(LabelChange::new(add, remove)));
        match self {
            TriageAction::Archive => m(&[], &["INBOX"]),
            TriageAction::Trash => Ok(Step::Trash),
            TriageAction::MarkRead => m(&[], &["UNREAD"]),
            TriageAction::MarkUnread => m(&["UNREAD"], &[]),
            TriageAction::Star => m(&["STARRED"], &[]),
            TriageAction::Unstar => m(&[], &["STARRED"]),
            TriageAction::Spam => m(&["SPAM"], &["INBOX"]),
            TriageAction::NotSpam => m(&["INBOX"], &["SPAM"]),
            TriageAction::Move { to, from } => {
                let to = to.get(account_id).ok_or(TriageError::NoSuchLabel)?;
                let from = from
                    .as_ref()
                    .and_then(|f| f.get(account_id))
                    .map(String::as_str)
                    .unwrap_or("INBOX");
                if to == from {
                    return Err(TriageError::AlreadyThere);
                }
                m(&[to.as_str()], &[from])
            }
            TriageAction::Snooze { label } => {
                let label = label.get(account_id).ok_or(TriageError::NoSuchLabel)?;
                m(&[label.as_str()], &["INBOX"])
            }
        }
    }

    /// The toast's words for `n` conversations: "Archived 3 conversations".
    pub fn done_sentence(&self, n: usize) -> String {
        let verb = match self {
            TriageAction::Archive => "Archived",
            TriageAction::Trash => "Moved to Trash:",
            TriageAction::MarkRead => "Marked as read:",
            TriageAction::MarkUnread => "Marked as unread:",
            TriageAction::Star => "Starred",
            TriageAction::Unstar => "Unstarred",
            TriageAction::Spam => "Reported as spam:",
            TriageAction::NotSpam => "Not spam:",
            TriageAction::Move { .. } => "Moved",
            TriageAction::Snooze { .. } => "Snoozed",
        };
        format!("{verb} {}.", conversations(n))
    }
}

fn conversations(n: usize) -> String {
    if n == 1 {
        "1 conversation".into()
    } else {
        format!("{n} conversations")
    }
}

/// One message's labels.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MessageLabels {
    pub id: String,
    #[serde(default)]
    pub label_ids: Vec<String>,
}

/// A thread as the action found it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ThreadState {
    pub account_id: String,
    pub thread_id: String,
    /// The union of its messages' labels (a row's `label_ids`).
    pub label_ids: Vec<String>,
    /// Each message's labels, when known (from the `threads.get` metadata the row was built from). With them an
    /// undo restores every message exactly; without, it restores the thread's labels as a whole, which can put
    /// a label back on a message of the thread that never had it (INBOX on one's own reply, say).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<MessageLabels>,
}

impl From<&ThreadRow> for ThreadState {
    fn from(row: &ThreadRow) -> Self {
        ThreadState {
            account_id: row.account_id.clone(),
            thread_id: row.thread_id.clone(),
            label_ids: row.label_ids.clone(),
            messages: Vec::new(),
        }
    }
}

/// One Gmail call of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum GmailCall {
    /// `threads.modify` (10 units), in an HTTP batch.
    ModifyThread {
        thread_id: String,
        change: LabelChange,
    },
    /// `threads.trash` (10 units), in an HTTP batch.
    TrashThread { thread_id: String },
    /// `threads.untrash` (10 units), in an HTTP batch.
    UntrashThread { thread_id: String },
    /// `messages.batchModify` (50 units), its own request, at most [`MAX_BATCH_MODIFY_IDS`] ids.
    ModifyMessages {
        ids: Vec<String>,
        change: LabelChange,
    },
}

impl GmailCall {
    /// The thread a thread call is about.
    pub fn thread_id(&self) -> Option<&str> {
        match self {
            GmailCall::ModifyThread { thread_id, .. }
            | GmailCall::TrashThread { thread_id }
            | GmailCall::UntrashThread { thread_id } => Some(thread_id),
            GmailCall::ModifyMessages { .. } => None,
        }
    }
}

/// One account's calls. The thread calls go in one HTTP batch (several when more than
/// [`MAX_THREAD_CALLS_PER_BATCH`]); never two calls on one thread in one plan, because Google runs a batch's
/// parts in any order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountCalls {
    pub account_id: String,
    pub calls: Vec<GmailCall>,
}

/// A thread the action could not apply to, before any call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub account_id: String,
    pub thread_id: String,
    /// Why, for the page to word.
    pub why: TriageError,
}

/// What one thread's undo needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndoThread {
    pub account_id: String,
    pub thread_id: String,
    pub before: Vec<String>,
    /// The labels after the action: predicted, then Gmail's answer once [`settle`]d.
    pub after: Vec<String>,
    /// The labels the action may have changed.
    pub scope: BTreeSet<String>,
    /// What the action sent; `None` for a trash (`threads.untrash` first, then whatever still differs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<LabelChange>,
    /// Each message's labels before, when known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<MessageLabels>,
}

/// Message ids whose labels an undo changes back (mark all read, undone by adding UNREAD to exactly these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndoMessages {
    pub account_id: String,
    pub ids: Vec<String>,
    pub change: LabelChange,
}

/// Everything an undo needs: the exact previous labels of each thread (or message) an action changed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UndoRecord {
    /// What the toast says ("Archived 3 conversations.").
    pub sentence: String,
    #[serde(default)]
    pub threads: Vec<UndoThread>,
    #[serde(default)]
    pub messages: Vec<UndoMessages>,
}

/// An undo's calls per account: thread calls (one HTTP batch; never one thread twice) and `messages.batchModify`
/// calls. Threads that were trashed may need a second step once their untrash answer is known:
/// [`UndoRecord::after_untrash`].
pub type RestorePlan = Vec<AccountCalls>;

impl UndoRecord {
    pub fn is_empty(&self) -> bool {
        self.threads.is_empty() && self.messages.is_empty()
    }

    /// The calls that restore every thread and message, per account: `threads.untrash` for trashed threads,
    /// `threads.modify` adding back exactly what was removed and removing what was added (only the labels the
    /// action touched), or, when each message's labels are known, `messages.batchModify` per distinct change,
    /// which restores every message exactly and is usually one call per account.
    pub fn restore_plan(&self) -> RestorePlan {
        let mut per: BTreeMap<&str, Vec<GmailCall>> = BTreeMap::new();
        let mut groups: BTreeMap<(&str, LabelChange), Vec<String>> = BTreeMap::new();
        for t in &self.threads {
            let calls = per.entry(&t.account_id).or_default();
            match &t.change {
                None => calls.push(GmailCall::UntrashThread {
                    thread_id: t.thread_id.clone(),
                }),
                Some(done) if !t.messages.is_empty() => {
                    for m in &t.messages {
                        let after = done.apply(&m.label_ids);
                        let change = LabelChange::restoring(&m.label_ids, &after, &t.scope);
                        if !change.is_empty() {
                            groups
                                .entry((&t.account_id, change))
                                .or_default()
                                .push(m.id.clone());
                        }
                    }
                }
                Some(_) => {
                    let change = LabelChange::restoring(&t.before, &t.after, &t.scope);
                    if !change.is_empty() {
                        calls.push(GmailCall::ModifyThread {
                            thread_id: t.thread_id.clone(),
                            change,
                        });
                    }
                }
            }
        }
        for m in &self.messages {
            groups
                .entry((&m.account_id, m.change.clone()))
                .or_default()
                .extend(m.ids.iter().cloned());
        }
        push_groups(&mut per, groups);
        collect_calls(per)
    }

    /// The second step of undoing a trash, from what `threads.untrash` answered for each thread (its labels, and
    /// its messages' when Gmail gave them): Gmail's untrash does not promise to put back what trash took (the
    /// inbox), so whatever still differs from before is put back, grouped per account. Empty when untrash
    /// restored everything.
    pub fn after_untrash(
        &self,
        answers: &BTreeMap<(String, String), UntrashAnswer>,
    ) -> RestorePlan {
        let scope: BTreeSet<String> = ["TRASH", "INBOX", "SPAM"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut per: BTreeMap<&str, Vec<GmailCall>> = BTreeMap::new();
        let mut groups: BTreeMap<(&str, LabelChange), Vec<String>> = BTreeMap::new();
        for t in self.threads.iter().filter(|t| t.change.is_none()) {
            let Some(answer) = answers.get(&(t.account_id.clone(), t.thread_id.clone())) else {
                continue;
            };
            let exact = !t.messages.is_empty()
                && t.messages
                    .iter()
                    .all(|m| answer.messages.iter().any(|n| n.id == m.id));
            if exact {
                for m in &t.messages {
                    let now = answer
                        .messages
                        .iter()
                        .find(|n| n.id == m.id)
                        .map(|n| n.label_ids.as_slice())
                        .unwrap_or_default();
                    let change = LabelChange::restoring(&m.label_ids, now, &scope);
                    if !change.is_empty() {
                        groups
                            .entry((&t.account_id, change))
                            .or_default()
                            .push(m.id.clone());
                    }
                }
            } else {
                let change = LabelChange::restoring(&t.before, &answer.labels, &scope);
                if !change.is_empty() {
                    per.entry(&t.account_id)
                        .or_default()
                        .push(GmailCall::ModifyThread {
                            thread_id: t.thread_id.clone(),
                            change,
                        });
                }
            }
        }
        push_groups(&mut per, groups);
        collect_calls(per)
    }

    /// The thread's undo record, if it has one.
    pub fn thread(&self, account_id: &str, thread_id: &str) -> Option<&UndoThread> {
        self.threads
            .iter()
            .find(|t| t.account_id == account_id && t.thread_id == thread_id)
    }
}

/// What `threads.untrash` answered for one thread.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UntrashAnswer {
    /// The union of its messages' labels.
    pub labels: Vec<String>,
    #[serde(default)]
    pub messages: Vec<MessageLabels>,
}

fn push_groups<'a>(
    per: &mut BTreeMap<&'a str, Vec<GmailCall>>,
    groups: BTreeMap<(&'a str, LabelChange), Vec<String>>,
) {
    for ((account, change), ids) in groups {
        let calls = per.entry(account).or_default();
        for chunk in ids.chunks(MAX_BATCH_MODIFY_IDS) {
            calls.push(GmailCall::ModifyMessages {
                ids: chunk.to_vec(),
                change: change.clone(),
            });
        }
    }
}

fn collect_calls(per: BTreeMap<&str, Vec<GmailCall>>) -> RestorePlan {
    per.into_iter()
        .filter(|(_, calls)| !calls.is_empty())
        .map(|(account_id, calls)| AccountCalls {
            account_id: account_id.to_string(),
            calls,
        })
        .collect()
}

/// An action over a selection, ready to send: calls per account, the rows to show at once, the undo record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub action: TriageAction,
    pub accounts: Vec<AccountCalls>,
    /// Each thread's labels once Gmail has applied the action: what the pages show at once.
    pub predicted: Vec<ThreadState>,
    pub undo: UndoRecord,
    /// Threads the action cannot apply to (a label the account lacks).
    pub refused: Vec<Refusal>,
}

/// Plans an action over a selection across accounts: one call per thread the action changes (a thread already
/// in the asked state needs none), grouped per account, each thread once.
pub fn plan(action: &TriageAction, threads: &[ThreadState]) -> Plan {
    let mut out = Plan {
        action: action.clone(),
        accounts: Vec::new(),
        predicted: Vec::new(),
        undo: UndoRecord::default(),
        refused: Vec::new(),
    };
    let mut seen = BTreeSet::new();
    let mut per: BTreeMap<String, Vec<GmailCall>> = BTreeMap::new();
    for t in threads {
        if !seen.insert((t.account_id.clone(), t.thread_id.clone())) {
            continue;
        }
        let step = match action.step(&t.account_id) {
            Ok(step) => step,
            Err(e) => {
                out.refused.push(Refusal {
                    account_id: t.account_id.clone(),
                    thread_id: t.thread_id.clone(),
                    why: e,
                });
                continue;
            }
        };
        let mut before = t.label_ids.clone();
        before.sort();
        before.dedup();
        let after = step.predict(&before);
        let changes_a_message = t
            .messages
            .iter()
            .any(|m| step.predict(&m.label_ids) != sorted(&m.label_ids));
        if after == before && !changes_a_message {
            continue;
        }
        let (call, change) = match &step {
            Step::Trash => (
                GmailCall::TrashThread {
                    thread_id: t.thread_id.clone(),
                },
                None,
            ),
            // The whole change is sent, also labels some messages already have: Gmail applies it to every
            // message of the thread, the same as Gmail's own buttons.
            Step::Modify(change) => (
                GmailCall::ModifyThread {
                    thread_id: t.thread_id.clone(),
                    change: change.clone(),
                },
                Some(change.clone()),
            ),
        };
        per.entry(t.account_id.clone()).or_default().push(call);
        out.predicted.push(ThreadState {
            label_ids: after.clone(),
            messages: Vec::new(),
            ..t.clone()
        });
        out.undo.threads.push(UndoThread {
            account_id: t.account_id.clone(),
            thread_id: t.thread_id.clone(),
            before,
            after,
            scope: step.scope(),
            change,
            messages: t.messages.clone(),
        });
    }
    out.accounts = per
        .into_iter()
        .map(|(account_id, calls)| AccountCalls { account_id, calls })
        .collect();
    out.undo.sentence = action.done_sentence(out.undo.threads.len());
    out
}

fn sorted(labels: &[String]) -> Vec<String> {
    let mut v = labels.to_vec();
    v.sort();
    v.dedup();
    v
}

fn sentence_of(e: &TriageError) -> String {
    match e {
        TriageError::NoSuchLabel => "This account has no such label.".into(),
        TriageError::AlreadyThere => "The conversation is already there.".into(),
    }
}

/// How one call ended, as the background reports it to [`settle`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CallOutcome {
    /// Gmail applied it; `labels` are the thread's labels in Gmail's answer, when it gave them.
    Done {
        #[serde(default)]
        labels: Option<Vec<String>>,
    },
    /// Gmail refused, or the account could not be reached: a stable code and what went wrong, for the page
    /// to word.
    Failed {
        code: String,
        cause: crate::reply::Cause,
    },
}

/// One account's failures in a bulk action, for a message naming it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountFailure {
    pub account_id: String,
    pub failed: usize,
    pub code: String,
    /// What went wrong, for the page to word; `None` when Gmail did not answer for the conversation.
    pub cause: Option<crate::reply::Cause>,
}

/// What a bulk action came to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Settled {
    /// Threads whose optimistic change must be rolled back (their call failed, or got no answer).
    pub restore: Vec<(String, String)>,
    /// Threads Gmail changed, with their labels (Gmail's answer, else the prediction).
    pub changed: Vec<ThreadState>,
    pub failures: Vec<AccountFailure>,
    /// The undo of what did change.
    pub undo: UndoRecord,
}

/// Matches Gmail's answers to a plan. `outcomes` maps (account, thread) to how its call ended; a planned thread
/// with no outcome is treated as failed, so nothing is left half-applied silently.
pub fn settle(plan: &Plan, outcomes: &BTreeMap<(String, String), CallOutcome>) -> Settled {
    let mut out = Settled {
        undo: UndoRecord {
            sentence: String::new(),
            threads: Vec::new(),
            messages: plan.undo.messages.clone(),
        },
        ..Default::default()
    };
    let mut failures: BTreeMap<String, AccountFailure> = BTreeMap::new();
    for u in &plan.undo.threads {
        let k = (u.account_id.clone(), u.thread_id.clone());
        match outcomes.get(&k) {
            Some(CallOutcome::Done { labels }) => {
                let after = labels.clone().unwrap_or_else(|| u.after.clone());
                let mut after = after;
                after.sort();
                after.dedup();
                out.changed.push(ThreadState {
                    account_id: u.account_id.clone(),
                    thread_id: u.thread_id.clone(),
                    label_ids: after.clone(),
                    messages: Vec::new(),
                });
                out.undo.threads.push(UndoThread { after, ..u.clone() });
            }
            other => {
                let (code, cause) = match other {
                    Some(CallOutcome::Failed { code, cause }) => {
                        (code.clone(), Some(cause.clone()))
                    }
                    _ => ("gmail_error".to_string(), None),
                };
                out.restore.push(k);
                let f = failures
                    .entry(u.account_id.clone())
                    .or_insert_with(|| AccountFailure {
                        account_id: u.account_id.clone(),
                        failed: 0,
                        code,
                        cause,
                    });
                f.failed += 1;
            }
        }
    }
    out.failures = failures.into_values().collect();
    // The toast counts what happened, not what was asked.
    out.undo.sentence = plan.action.done_sentence(out.undo.threads.len());
    out
}

/// The page's actions (and undos) in the order they were started. The background does them one at a time in that
/// order, and `z` undoes the last one done; so the toast of an answer is shown only for the action started last.
/// An earlier action's answer that comes after a later action started would offer Undo under its own words,
/// and that Undo would undo the later action.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ActionOrder {
    started: u32,
}

impl ActionOrder {
    /// An action starts: its number, for its answer.
    pub fn start(&mut self) -> u32 {
        self.started = self.started.wrapping_add(1);
        self.started
    }

    /// Whether the answer of action `number` may show its toast: no action started after it.
    pub fn is_latest(&self, number: u32) -> bool {
        number == self.started
    }
}

/// The rows each action changed in a list the page fetched (beyond the stored inbox), kept until its answer:
/// the answer puts back those the background names. An action's answer gets its own rows; an undo's gets the
/// rows of the last action done when the undo's answer comes (the background undoes the last one done by then),
/// so an action started before an undo's answer keeps its rows. `T` is the page's handle of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRows<T> {
    pending: Vec<(u32, Vec<T>)>,
    done: Vec<T>,
}

impl<T> Default for ActionRows<T> {
    fn default() -> Self {
        Self {
            pending: Vec::new(),
            done: Vec::new(),
        }
    }
}

impl<T> ActionRows<T> {
    /// Action `number` (from [`ActionOrder::start`]) changed `rows`.
    pub fn started(&mut self, number: u32, rows: Vec<T>) {
        self.pending.push((number, rows));
    }

    /// The answer of action `number`, or of an undo (`undoing`): the rows it may put back.
    pub fn answered(&mut self, number: u32, undoing: bool) -> Vec<T> {
        if undoing {
            return std::mem::take(&mut self.done);
        }
        match self.pending.iter().position(|(n, _)| *n == number) {
            Some(at) => self.pending.remove(at).1,
            None => Vec::new(),
        }
    }

    /// The rows an action's answer left changed: the next undo puts them back.
    pub fn done(&mut self, rows: Vec<T>) {
        self.done = rows;
    }
}

/// A sentence naming an account that failed in a bulk action (the pages add why, from `f.cause`, in the
/// browser's language).
pub fn failure_sentence(email: &str, f: &AccountFailure) -> String {
    format!("{email}: {} not changed.", conversations(f.failed))
}

/// Mark all as read asks first above this many conversations.
pub const MARK_ALL_READ_CONFIRM_ABOVE: u64 = 50;

/// Whether "mark all as read" must ask first.
pub fn mark_all_read_needs_confirmation(unread_threads: u64) -> bool {
    unread_threads > MARK_ALL_READ_CONFIRM_ABOVE
}

/// The question it asks: "Mark 312 conversations in Work as read?".
pub fn mark_all_read_question(unread_threads: u64, place: &str) -> String {
    format!(
        "Mark {} in {place} as read?",
        conversations(unread_threads as usize)
    )
}

/// What it reports, and its undo (UNREAD back on exactly the messages it changed). `marked` holds, per account,
/// the message ids it marked read.
pub fn mark_all_read_done(marked: &[(String, Vec<String>)], threads: u64) -> (String, UndoRecord) {
    let sentence = if threads == 0 {
        "Nothing was unread.".to_string()
    } else {
        format!("Marked {} as read.", conversations(threads as usize))
    };
    let undo = UndoRecord {
        sentence: sentence.clone(),
        threads: Vec::new(),
        messages: marked
            .iter()
            .filter(|(_, ids)| !ids.is_empty())
            .map(|(account_id, ids)| UndoMessages {
                account_id: account_id.clone(),
                ids: ids.clone(),
                change: LabelChange::new(&["UNREAD"], &[]),
            })
            .collect(),
    };
    (sentence, undo)
}

/// The snooze times gmux offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SnoozeChoice {
    /// Three hours from now, rounded up to the hour; offered while that is 21:00 or earlier today.
    LaterToday,
    /// 08:00 tomorrow; before 05:00, 08:00 today (it is still the night before for the user).
    TomorrowMorning,
    /// 08:00 next Monday (a week from today when today is Monday).
    NextWeek,
    /// A time the user chose: at least a minute ahead, at most a year.
    At { ms: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SnoozeError {
    #[error("that time has passed")]
    InThePast,
    #[error("that time is more than a year away")]
    TooFar,
    #[error("it is too late in the day for later today")]
    TooLateToday,
    #[error("this account already has the most snoozed conversations gmux keeps")]
    Full,
}

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;
const MORNING_HOUR: i64 = 8;
const LATEST_LATER_TODAY_HOUR: i64 = 21;

/// The UTC time a choice means, from now and the local UTC offset in minutes east of UTC (JavaScript's
/// `-new Date().getTimezoneOffset()`). The offset is today's: across a daylight-saving change the wall-clock
/// time is an hour off, unless the page passes the offset at the target (`Date` knows it) and asks again.
pub fn snooze_time(
    choice: SnoozeChoice,
    now_ms: u64,
    utc_offset_minutes: i32,
) -> Result<u64, SnoozeError> {
    let offset = i64::from(utc_offset_minutes) * 60_000;
    let now = i64::try_from(now_ms).unwrap_or(i64::MAX);
    let local = now.saturating_add(offset);
    let today = local.div_euclid(DAY_MS);
    let hour = local.rem_euclid(DAY_MS) / HOUR_MS;
    let at_local = |day: i64, h: i64| day * DAY_MS + h * HOUR_MS;
    let local_target = match choice {
        SnoozeChoice::LaterToday => {
            let t = local + 3 * HOUR_MS;
            let rounded = (t + HOUR_MS - 1).div_euclid(HOUR_MS) * HOUR_MS;
            if rounded > at_local(today, LATEST_LATER_TODAY_HOUR) {
                return Err(SnoozeError::TooLateToday);
            }
            rounded
        }
        SnoozeChoice::TomorrowMorning if hour < 5 => at_local(today, MORNING_HOUR),
        SnoozeChoice::TomorrowMorning => at_local(today + 1, MORNING_HOUR),
        SnoozeChoice::NextWeek => {
            // 1970-01-01 was a Thursday: Monday is 0.
            let weekday = (today + 3).rem_euclid(7);
            at_local(today + 7 - weekday, MORNING_HOUR)
        }
        SnoozeChoice::At { ms } => {
            let ms = i64::try_from(ms).unwrap_or(i64::MAX);
            if ms < now + 60_000 {
                return Err(SnoozeError::InThePast);
            }
            if ms > now + 366 * DAY_MS {
                return Err(SnoozeError::TooFar);
            }
            return u64::try_from(ms).map_err(|_| SnoozeError::TooFar);
        }
    };
    u64::try_from(local_target - offset).map_err(|_| SnoozeError::InThePast)
}

/// The menu: each offered choice with its time, in order (later today left out when too late).
pub fn snooze_menu(now_ms: u64, utc_offset_minutes: i32) -> Vec<(SnoozeChoice, u64)> {
    [
        SnoozeChoice::LaterToday,
        SnoozeChoice::TomorrowMorning,
        SnoozeChoice::NextWeek,
    ]
    .into_iter()
    .filter_map(|c| Some((c, snooze_time(c, now_ms, utc_offset_minutes).ok()?)))
    .collect()
}

/// A local wall-clock time (year, month, day, hour, minute) for the snooze list's "until" column.
pub fn local_time(ms: u64, utc_offset_minutes: i32) -> (i64, i64, i64, i64, i64) {
    let local = i64::try_from(ms).unwrap_or(i64::MAX) + i64::from(utc_offset_minutes) * 60_000;
    let (y, m, d) = civil_from_days(local.div_euclid(DAY_MS));
    let in_day = local.rem_euclid(DAY_MS);
    (y, m, d, in_day / HOUR_MS, in_day % HOUR_MS / 60_000)
}

/// The UTC ms of a local wall-clock time, for a time picker.
pub fn from_local_time(
    y: i64,
    m: i64,
    d: i64,
    hour: i64,
    minute: i64,
    utc_offset_minutes: i32,
) -> Option<u64> {
    if !(1..=12).contains(&m)
        || !(1..=31).contains(&d)
        || !(0..24).contains(&hour)
        || !(0..60).contains(&minute)
    {
        return None;
    }
    let local = days_from_civil(y, m, d) * DAY_MS + hour * HOUR_MS + minute * 60_000;
    u64::try_from(local - i64::from(utc_offset_minutes) * 60_000).ok()
}

/// The most snoozed conversations kept per account: the list lives in `storage.local`.
pub const MAX_SNOOZES_PER_ACCOUNT: usize = 1_000;

/// One snoozed thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snoozed {
    pub thread_id: String,
    /// Unix ms when it comes back.
    pub until_ms: u64,
    /// Labels the snooze took off (the inbox), put back by an unsnooze.
    #[serde(default)]
    pub restore_label_ids: Vec<String>,
}

/// One account's snoozed threads (thread ids and times are not secret), kept across browser restarts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SnoozeList {
    pub account_id: String,
    /// The account's `gmux/Snoozed` label id, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_id: Option<String>,
    #[serde(default)]
    pub entries: Vec<Snoozed>,
}

impl SnoozeList {
    pub fn new(account_id: &str) -> Self {
        SnoozeList {
            account_id: account_id.to_string(),
            ..Default::default()
        }
    }

    /// Adds a snooze (or moves an existing one of the same thread to the new time).
    pub fn add(&mut self, thread: &ThreadState, until_ms: u64) -> Result<(), SnoozeError> {
        let restore: Vec<String> = ["INBOX"]
            .iter()
            .filter(|l| thread.label_ids.iter().any(|x| x == *l))
            .map(|s| s.to_string())
            .collect();
        if let Some(e) = self
            .entries
            .iter_mut()
            .find(|e| e.thread_id == thread.thread_id)
        {
            e.until_ms = until_ms;
            return Ok(());
        }
        if self.entries.len() >= MAX_SNOOZES_PER_ACCOUNT {
            return Err(SnoozeError::Full);
        }
        self.entries.push(Snoozed {
            thread_id: thread.thread_id.clone(),
            until_ms,
            restore_label_ids: restore,
        });
        self.entries
            .sort_by_key(|e| (e.until_ms, e.thread_id.clone()));
        Ok(())
    }

    pub fn remove(&mut self, thread_id: &str) -> Option<Snoozed> {
        let pos = self.entries.iter().position(|e| e.thread_id == thread_id)?;
        Some(self.entries.remove(pos))
    }

    /// What is due at `now_ms`, soonest first, including snoozes whose time passed while the browser was closed.
    pub fn due(&self, now_ms: u64) -> Vec<&Snoozed> {
        self.entries
            .iter()
            .filter(|e| e.until_ms <= now_ms)
            .collect()
    }

    /// When the next snooze is due, for the alarm.
    pub fn next_due(&self) -> Option<u64> {
        self.entries.iter().map(|e| e.until_ms).min()
    }
}

/// When the next snooze of any account is due: the one alarm the background sets.
pub fn next_snooze_alarm(lists: &[SnoozeList]) -> Option<u64> {
    lists.iter().filter_map(SnoozeList::next_due).min()
}

/// The change that brings a snoozed thread back when its time comes: into the inbox, unread (so it is on top
/// and noticed), out of the snooze label.
pub fn wake_change(snoozed: &Snoozed, label_id: &str) -> LabelChange {
    let mut add: BTreeSet<String> = snoozed.restore_label_ids.iter().cloned().collect();
    add.insert("INBOX".into());
    add.insert("UNREAD".into());
    LabelChange {
        add: add.into_iter().collect(),
        remove: vec![label_id.to_string()],
    }
}

/// The change of "Unsnooze" in the Snoozed view: back where it was, out of the snooze label, read state as is.
pub fn unsnooze_change(snoozed: &Snoozed, label_id: &str) -> LabelChange {
    LabelChange {
        add: snoozed.restore_label_ids.clone(),
        remove: vec![label_id.to_string()],
    }
}

/// An open browser tab, as `tabs.query` reports it (url and title are only there for tabs the extension may
/// see: with a host permission for `https://mail.google.com/*`, Gmail's tabs).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BrowserTab {
    pub id: i64,
    #[serde(default, alias = "windowId")]
    pub window_id: i64,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub title: String,
}

/// The pattern to pass to `tabs.query({url})`.
///
/// What the manifest needs, established from Chrome's and MDN's tabs documentation: `url` and `title` of a
/// tab (and filtering `tabs.query` by them) need either the `tabs` permission, whose install warning is "Read
/// your browsing history" because it shows every tab's URL, or a host permission matching the tab's URL, which
/// shows only those tabs (Chrome since 50, Firefox since 86; before 86 Firefox required `tabs`). So
/// `https://mail.google.com/*` as a host permission is enough, and better as an `optional_host_permissions`
/// entry requested with `permissions.request` at the first "Open in Gmail" (Chrome words it "Read and change your
/// data on mail.google.com"; Firefox does not grant MV3 host permissions at install anyway, so the extension
/// checks `permissions.contains` and falls back to a new tab without it). gmux never injects into Gmail's pages.
pub const GMAIL_TABS_PATTERN: &str = "https://mail.google.com/*";

/// Gmail's web views for a thread's URL fragment: the thread opens under the view that holds it.
pub fn gmail_view_of(label_ids: &[String]) -> &'static str {
    let has = |l: &str| label_ids.iter().any(|x| x == l);
    if has("TRASH") {
        "trash"
    } else if has("SPAM") {
        "spam"
    } else if has("INBOX") {
        "inbox"
    } else {
        "all"
    }
}

/// The Gmail tab of this account among the open tabs: its URL names the account (`/mail/u/<email>/` or
/// `authuser=<email>`), or its title does (Gmail's titles read "Inbox (3) - ada@example.com - Gmail", and the
/// URL of a tab Gmail redirected is only `/mail/u/<n>/`). `None` when there is none: open a new tab.
pub fn gmail_tab_for<'a>(tabs: &'a [BrowserTab], email: &str) -> Option<&'a BrowserTab> {
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return None;
    }
    let gmail: Vec<&BrowserTab> = tabs
        .iter()
        .filter(|t| gmail_url(&t.url).is_some())
        .collect();
    gmail
        .iter()
        .find(|t| gmail_url(&t.url).is_some_and(|u| u.account.as_deref() == Some(email.as_str())))
        .or_else(|| gmail.iter().find(|t| names_address(&t.title, &email)))
        .copied()
}

/// The URL that shows the thread in an open Gmail tab, keeping the tab's account path and query and changing
/// only the fragment, so Gmail switches views without reloading.
pub fn thread_url_in_tab(tab_url: &str, thread_id: &str, label_ids: &[String]) -> Option<String> {
    gmail_url(tab_url)?;
    if thread_id.is_empty() || !thread_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let base = tab_url.split('#').next().unwrap_or(tab_url);
    Some(format!("{base}#{}/{thread_id}", gmail_view_of(label_ids)))
}

struct GmailUrl {
    /// The address the URL names, lower case.
    account: Option<String>,
}

/// A `https://mail.google.com/mail/...` URL, and the account it names if any.
fn gmail_url(url: &str) -> Option<GmailUrl> {
    let rest = url.strip_prefix("https://")?;
    let (host, path) = rest.split_at(rest.find('/')?);
    if !host.eq_ignore_ascii_case("mail.google.com") || !path.starts_with("/mail/") {
        return None;
    }
    let before_fragment = path.split('#').next().unwrap_or(path);
    let (path, query) = match before_fragment.split_once('?') {
        Some((p, q)) => (p, q),
        None => (before_fragment, ""),
    };
    let mut account = path
        .strip_prefix("/mail/u/")
        .and_then(|r| r.split('/').next())
        .map(percent_decode)
        .filter(|a| a.contains('@'));
    for pair in query.split('&') {
        if let Some(v) = pair.strip_prefix("authuser=") {
            let v = percent_decode(v);
            if v.contains('@') {
                account = Some(v);
            }
        }
    }
    Some(GmailUrl {
        account: account.map(|a| a.to_lowercase()),
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `title` names `email` as a whole address (not `xada@example.com` for `ada@example.com`).
fn names_address(title: &str, email: &str) -> bool {
    let title = title.to_lowercase();
    let part = |c: char| c.is_alphanumeric() || "._%+-@".contains(c);
    let mut from = 0;
    while let Some(pos) = title[from..].find(email) {
        let start = from + pos;
        let end = start + email.len();
        let before_ok = title[..start].chars().next_back().is_none_or(|c| !part(c));
        let after_ok = title[end..].chars().next().is_none_or(|c| !part(c));
        if before_ok && after_ok {
            return true;
        }
        from = start + 1;
        while !title.is_char_boundary(from) {
            from += 1;
        }
    }
    false
}

/// `u` on a selection: mark read when any row is unread, else mark unread (Gmail's toolbar does the same).
pub fn read_toggle_of<'a>(rows: impl IntoIterator<Item = &'a ThreadRow>) -> TriageAction {
    if rows.into_iter().any(|r| r.unread) {
        TriageAction::MarkRead
    } else {
        TriageAction::MarkUnread
    }
}

/// `s` on a selection: star when any row is not starred, else unstar.
pub fn star_toggle_of<'a>(rows: impl IntoIterator<Item = &'a ThreadRow>) -> TriageAction {
    if rows.into_iter().any(|r| !r.starred) {
        TriageAction::Star
    } else {
        TriageAction::Unstar
    }
}

/// Every account's snoozes: what `storage.local["snoozes"]` holds (thread ids and times only; nothing secret).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Snoozes {
    #[serde(default)]
    pub accounts: Vec<SnoozeList>,
}

impl Snoozes {
    pub fn list(&self, account_id: &str) -> Option<&SnoozeList> {
        self.accounts.iter().find(|l| l.account_id == account_id)
    }

    /// The account's list, made when missing.
    pub fn list_mut(&mut self, account_id: &str) -> &mut SnoozeList {
        let pos = match self
            .accounts
            .iter()
            .position(|l| l.account_id == account_id)
        {
            Some(pos) => pos,
            None => {
                self.accounts.push(SnoozeList::new(account_id));
                self.accounts.len() - 1
            }
        };
        &mut self.accounts[pos]
    }

    /// When the thread comes back, if it is snoozed.
    pub fn until(&self, account_id: &str, thread_id: &str) -> Option<u64> {
        self.list(account_id)?
            .entries
            .iter()
            .find(|e| e.thread_id == thread_id)
            .map(|e| e.until_ms)
    }

    /// When the one alarm must fire next.
    pub fn next_alarm(&self) -> Option<u64> {
        next_snooze_alarm(&self.accounts)
    }

    /// Forgets the lists of accounts gmux no longer has.
    pub fn retain_accounts(&mut self, ids: &[String]) {
        self.accounts.retain(|l| ids.contains(&l.account_id));
    }

    /// Accounts with a snooze due at `now_ms`.
    pub fn due_accounts(&self, now_ms: u64) -> Vec<String> {
        self.accounts
            .iter()
            .filter(|l| !l.due(now_ms).is_empty())
            .map(|l| l.account_id.clone())
            .collect()
    }
}

/// A choice's words in the snooze menu: "Later today", "Tomorrow morning", "Next week", "Pick a time".
pub fn snooze_choice_name(choice: &SnoozeChoice) -> &'static str {
    match choice {
        SnoozeChoice::LaterToday => "Later today",
        SnoozeChoice::TomorrowMorning => "Tomorrow morning",
        SnoozeChoice::NextWeek => "Next week",
        SnoozeChoice::At { .. } => "Pick a time",
    }
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The form a snooze's end takes where a person reads it (the menu's lines, the toast, the Snoozed view): its
/// local day against today's. The pages write each form through `Intl` in the browser's language; the English
/// functions below write them for the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnoozeForm {
    /// Today: the time alone.
    Today,
    /// Tomorrow: "tomorrow" and the time.
    Tomorrow,
    /// Any other day: the weekday, date and time.
    Later,
}

/// Which [`SnoozeForm`] the time `ms` takes at `now_ms`, both read on the local day of `utc_offset_minutes`
/// (east positive), as the page reads it from the browser.
pub fn snooze_form(ms: u64, now_ms: u64, utc_offset_minutes: i32) -> SnoozeForm {
    let offset = i64::from(utc_offset_minutes) * 60_000;
    let day = |t: u64| {
        i64::try_from(t)
            .unwrap_or(i64::MAX)
            .saturating_add(offset)
            .div_euclid(DAY_MS)
    };
    match day(ms) - day(now_ms) {
        0 => SnoozeForm::Today,
        1 => SnoozeForm::Tomorrow,
        _ => SnoozeForm::Later,
    }
}

/// A snooze menu line's time: "18:00" today, else the weekday and time ("Mon 08:00"), the choices being at most a
/// week ahead.
pub fn snooze_menu_time(ms: u64, now_ms: u64, utc_offset_minutes: i32) -> String {
    let offset = i64::from(utc_offset_minutes) * 60_000;
    let local = i64::try_from(ms).unwrap_or(i64::MAX).saturating_add(offset);
    let (_, _, _, h, mi) = local_time(ms, utc_offset_minutes);
    if snooze_form(ms, now_ms, utc_offset_minutes) == SnoozeForm::Today {
        format!("{h:02}:{mi:02}")
    } else {
        let weekday = WEEKDAYS[(local.div_euclid(DAY_MS) + 3).rem_euclid(7) as usize];
        format!("{weekday} {h:02}:{mi:02}")
    }
}

/// When a snooze ends, as a person reads it: "18:00" today, "tomorrow 08:00", "Mon 9 Mar, 08:00".
pub fn snooze_time_text(ms: u64, now_ms: u64, utc_offset_minutes: i32) -> String {
    let offset = i64::from(utc_offset_minutes) * 60_000;
    let day = i64::try_from(ms)
        .unwrap_or(i64::MAX)
        .saturating_add(offset)
        .div_euclid(DAY_MS);
    let (_, m, d, h, mi) = local_time(ms, utc_offset_minutes);
    let time = format!("{h:02}:{mi:02}");
    match snooze_form(ms, now_ms, utc_offset_minutes) {
        SnoozeForm::Today => time,
        SnoozeForm::Tomorrow => format!("tomorrow {time}"),
        SnoozeForm::Later => {
            // 1970-01-01 was a Thursday.
            let weekday = WEEKDAYS[(day + 3).rem_euclid(7) as usize];
            let month = MONTHS[((m - 1).clamp(0, 11)) as usize];
            format!("{weekday} {d} {month}, {time}")
        }
    }
}

/// What the Snoozed view and the snooze menu say about snoozing: it works while the browser runs.
pub const SNOOZE_NOTE: &str =
    "Snoozed conversations come back at their time while your browser is running, or as soon as it starts again.";

/// The background's answer to [`crate::messages::Intent::Triage`] and [`crate::messages::Intent::Undo`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TriageReply {
    /// Everything asked for happened.
    pub ok: bool,
    /// The toast's words ("Archived 3 conversations.", "Undone."); empty when nothing changed.
    #[serde(default)]
    pub sentence: String,
    /// Whether the toast offers Undo (something changed and its undo is kept).
    #[serde(default)]
    pub undo: bool,
    /// One sentence per account where something did not happen, naming the account.
    #[serde(default)]
    pub failures: Vec<String>,
    /// `(account, thread)` of the rows that did not change: the page puts back what it showed at once.
    #[serde(default)]
    pub restore: Vec<(String, String)>,
    /// Mark all read found more than [`MARK_ALL_READ_CONFIRM_ABOVE`] unread conversations: the question to ask
    /// before sending it again confirmed. Nothing was changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<String>,
}

impl TriageReply {
    /// A reply that did nothing, with the reason.
    pub fn refused(sentence: impl Into<String>) -> Self {
        TriageReply {
            ok: false,
            failures: vec![sentence.into()],
            ..Default::default()
        }
    }

    /// The answer to a triage, from what it came to: `emails` names each account for the failures.
    pub fn of_settled(
        settled: &Settled,
        refused: &[Refusal],
        email_of: impl Fn(&str) -> String,
    ) -> Self {
        let mut failures: Vec<String> = settled
            .failures
            .iter()
            .map(|f| failure_sentence(&email_of(&f.account_id), f))
            .collect();
        let mut refused_per: BTreeMap<&str, (usize, TriageError)> = BTreeMap::new();
        for r in refused {
            let e = refused_per
                .entry(r.account_id.as_str())
                .or_insert((0, r.why));
            e.0 += 1;
        }
        for (account, (n, why)) in refused_per {
            failures.push(format!(
                "{}: {} not changed. {}",
                email_of(account),
                conversations(n),
                sentence_of(&why)
            ));
        }
        let mut restore = settled.restore.clone();
        restore.extend(
            refused
                .iter()
                .map(|r| (r.account_id.clone(), r.thread_id.clone())),
        );
        let changed = !settled.undo.threads.is_empty() || !settled.undo.messages.is_empty();
        TriageReply {
            ok: failures.is_empty(),
            sentence: if changed {
                settled.undo.sentence.clone()
            } else {
                String::new()
            },
            undo: changed,
            failures,
            restore,
            confirm: None,
        }
    }
}

/// The undo toast's words once an undo is done.
pub fn undone_sentence(n: usize) -> String {
    match n {
        0 => "Nothing to undo.".to_string(),
        1 => "Undone: the conversation is back as it was.".to_string(),
        n => format!("Undone: {n} conversations are back as they were."),
    }
}

/// A triage shortcut of the list, like Gmail's: a key pressed with no Ctrl, Alt or Meta.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriageKey {
    /// `z`: undo the last action.
    Undo,
    /// `!`: report spam.
    Spam,
    /// `x`: select or unselect the focused row.
    Select,
    /// `v`: move to a label (the picker).
    Move,
    /// `*` then `a`: select every row shown.
    SelectAll,
    /// `*` then `n`: select none.
    SelectNone,
    /// `*`: the first key of a selection chord.
    Chord,
    /// `b`: snooze (the menu of times).
    Snooze,
}

/// The triage shortcut for a key, given whether the key before it was `*` (Gmail's `*a`, `*n`).
pub fn triage_key(key: &str, after_star: bool) -> Option<TriageKey> {
    match (after_star, key) {
        (true, "a") => Some(TriageKey::SelectAll),
        (true, "n") => Some(TriageKey::SelectNone),
        (_, "*") => Some(TriageKey::Chord),
        (_, "z") => Some(TriageKey::Undo),
        (_, "!") => Some(TriageKey::Spam),
        (_, "x") => Some(TriageKey::Select),
        (_, "v") => Some(TriageKey::Move),
        (_, "b") => Some(TriageKey::Snooze),
        _ => None,
    }
}

/// The rows selected in a list, by `(account, thread)`, with the anchor a Shift-click ranges from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selection {
    keys: BTreeSet<(String, String)>,
    anchor: Option<(String, String)>,
}

impl Selection {
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn contains(&self, account: &str, thread: &str) -> bool {
        self.keys
            .contains(&(account.to_string(), thread.to_string()))
    }

    /// `x` or a click on a row's box: selects it, or unselects it; it becomes the anchor.
    pub fn toggle(&mut self, key: (String, String)) {
        if !self.keys.remove(&key) {
            self.keys.insert(key.clone());
        }
        self.anchor = Some(key);
    }

    /// Shift-click: every row from the anchor to `key` in the list's order takes the state the anchor has
    /// (selected, as Gmail does); without an anchor in the list, `key` alone is toggled.
    pub fn range(&mut self, order: &[(String, String)], key: (String, String)) {
        let anchor = self
            .anchor
            .as_ref()
            .and_then(|a| order.iter().position(|k| k == a));
        let (Some(from), Some(to)) = (anchor, order.iter().position(|k| *k == key)) else {
            return self.toggle(key);
        };
        let (lo, hi) = if from <= to { (from, to) } else { (to, from) };
        self.keys.extend(order[lo..=hi].iter().cloned());
        self.anchor = Some(key);
    }

    /// `*a`: every row shown.
    pub fn all(&mut self, order: &[(String, String)]) {
        self.keys = order.iter().cloned().collect();
    }

    /// `*n`, or after an action on the selection.
    pub fn clear(&mut self) {
        self.keys.clear();
        self.anchor = None;
    }

    /// Keeps only rows still shown (a row archived, a view changed).
    pub fn retain_shown(&mut self, order: &[(String, String)]) {
        let shown: BTreeSet<&(String, String)> = order.iter().collect();
        self.keys.retain(|k| shown.contains(k));
        if self.anchor.as_ref().is_some_and(|a| !shown.contains(a)) {
            self.anchor = None;
        }
    }

    /// The selected keys in the list's order.
    pub fn in_order(&self, order: &[(String, String)]) -> Vec<(String, String)> {
        order
            .iter()
            .filter(|k| self.keys.contains(*k))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests;
