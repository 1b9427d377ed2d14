//! Triage (issue 18): an action on one row or a selection across accounts, shown in the store at once, sent to
//! Gmail in one HTTP batch per account after one batch that reads each thread's messages' labels (so the undo
//! is exact), settled per thread; and the undo of the last action, which puts back exactly the labels each
//! message had. The decisions are `gmux_core::triage`'s; the Gmail calls `gmux_gmail::triage`'s.
//!
//! The last action's undo is kept here, in memory, so `z` works in the popup and the new tab alike (whichever
//! did the action); a background restarted in between has nothing to undo, and says so.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use gmux_core::inbox::{SyncHealth, ThreadRow};
use gmux_core::listing::{AccountLabelIds, ListQuery, View};
use gmux_core::messages::IntentError;
use gmux_core::offline::{is_transient_code, QueuedAction};
use gmux_core::triage::{
    mark_all_read_done, mark_all_read_needs_confirmation, plan, relabel_row, snooze_time,
    unsnooze_change, GmailCall, SnoozeChoice, SnoozeError, ThreadState, TriageAction, TriageError,
    TriageReply, UndoRecord,
};
use gmux_core::views::view_title;
use gmux_gmail::error::{ApiError, GmailError};
use gmux_gmail::listing::count_threads;
use gmux_gmail::triage as gmail_triage;
use gmux_gmail::triage::{ensure_snooze_label, wake_due};

use super::host::HostPort;
use super::store::Store;
use super::sync::Syncer;
use super::views::Views;
use crate::browser;
use crate::i18n::{t, t_with};

/// The last action's undo: what Gmail must put back, and the rows as they were, to show them again.
struct Last {
    record: UndoRecord,
    rows: Vec<ThreadRow>,
    /// The rows a snooze put in the snooze list, which its undo takes out again.
    snoozed: Vec<(String, String)>,
    /// Threads whose change waits for Gmail (offline): their undo is queued too, where it cancels the change.
    queued: Vec<Queued>,
}

/// One thread's change kept for Gmail: its labels before and after.
#[derive(Clone)]
struct Queued {
    account_id: String,
    thread_id: String,
    before: Vec<String>,
    after: Vec<String>,
}

impl Queued {
    fn key(&self) -> (String, String) {
        (self.account_id.clone(), self.thread_id.clone())
    }

    /// The change from `from` to `to` as one label change.
    fn change(from: &[String], to: &[String]) -> QueuedAction {
        QueuedAction::Labels {
            add: to.iter().filter(|l| !from.contains(l)).cloned().collect(),
            remove: from.iter().filter(|l| !to.contains(l)).cloned().collect(),
        }
    }
}

pub struct Triage {
    port: Rc<HostPort>,
    store: Rc<Store>,
    syncer: Rc<Syncer>,
    views: Rc<Views>,
    last: RefCell<Option<Last>>,
    /// Held by each action and undo from start to end: `z` pressed while an action is on its way undoes that
    /// action once it is done, not the one before it.
    order: futures::lock::Mutex<()>,
}

impl Triage {
    pub fn new(
        port: Rc<HostPort>,
        store: Rc<Store>,
        syncer: Rc<Syncer>,
        views: Rc<Views>,
    ) -> Triage {
        Triage {
            port,
            store,
            syncer,
            views,
            last: RefCell::new(None),
            order: futures::lock::Mutex::new(()),
        }
    }

    /// Each account's failure, in the browser's language: how many were not changed, and Gmail's cause.
    fn failure_words(&self, failures: &[gmux_core::triage::AccountFailure]) -> Vec<String> {
        failures
            .iter()
            .map(|f| {
                not_changed_words(
                    &self.email_of(&f.account_id),
                    f.failed,
                    &triage_cause_words(f.cause.as_ref()),
                )
            })
            .collect()
    }

    fn email_of(&self, account: &str) -> String {
        self.store.inbox(|s| {
            s.account(account)
                .map(|a| a.account.email.clone())
                .unwrap_or_else(|| account.to_string())
        })
    }

    /// An action on `rows`: the store shows it at once, Gmail gets it, and only the rows Gmail did not change
    /// go back.
    pub async fn act(&self, action: TriageAction, rows: Vec<ThreadRow>) -> TriageReply {
        let _order = self.order.lock().await;
        self.act_in_order(action, rows).await
    }

    /// [`Triage::act`] with the order already held.
    async fn act_in_order(&self, action: TriageAction, rows: Vec<ThreadRow>) -> TriageReply {
        if !self.port.settled().await {
            return TriageReply::refused(t("toastHostNotConnected"));
        }
        self.store.loaded().await;
        let Some(engine) = self.syncer.engine() else {
            return TriageReply::refused(t("toastGmailNotYet"));
        };
        let (rows, unknown): (Vec<ThreadRow>, Vec<ThreadRow>) = rows
            .into_iter()
            .partition(|r| self.store.inbox(|s| s.account(&r.account_id).is_some()));
        let accounts: BTreeSet<String> = rows.iter().map(|r| r.account_id.clone()).collect();
        // Views fetched before the change would show the threads as they were.
        for a in &accounts {
            self.views.forget_account(a);
        }
        // Every account's lock, in one order (so two triages never wait on each other): a sync never writes an
        // account's rows from before the action over the change.
        let locks: Vec<_> = accounts
            .iter()
            .map(|a| self.syncer.account_lock(a))
            .collect();
        let mut _held = Vec::new();
        for lock in &locks {
            _held.push(lock.lock().await);
        }

        let hints: Vec<ThreadState> = rows.iter().map(ThreadState::from).collect();
        let predicted = plan(&action, &hints);
        // (account, the row shown now, the row it replaced) for each stored row the action changes.
        let shown: Vec<(String, ThreadRow, ThreadRow)> = self.store.inbox(|store| {
            predicted
                .predicted
                .iter()
                .filter_map(|p| {
                    let inbox = store.account_mut(&p.account_id)?;
                    let stored = inbox
                        .threads
                        .iter()
                        .find(|r| r.thread_id == p.thread_id)?
                        .clone();
                    let now = relabel_row(&stored, &p.label_ids);
                    let previous = inbox.replace_thread(now.clone())?;
                    Some((p.account_id.clone(), now, previous))
                })
                .collect()
        });
        if !shown.is_empty() {
            self.store.persist().await;
        }

        // Accounts with actions already waiting for Gmail (this one waits behind them, so Gmail gets them in
        // order), or whose last sync found Gmail unreachable (this one waits for the next sync that reaches it,
        // rather than for retries that would fail the same way).
        let waiting: BTreeSet<String> = accounts
            .iter()
            .filter(|a| {
                self.store.offline(|q| q.pending_for(a) > 0)
                    || self.store.inbox(|s| {
                        s.account(a)
                            .is_some_and(|i| i.account.health == SyncHealth::Offline)
                    })
            })
            .cloned()
            .collect();
        let to_send: Vec<ThreadState> = hints
            .iter()
            .filter(|h| !waiting.contains(&h.account_id))
            .cloned()
            .collect();
        let (sent, mut settled) = if to_send.is_empty() {
            (plan(&action, &[]), Default::default())
        } else {
            gmail_triage::triage(&engine, &action, &to_send).await
        };
        // Gmail could not be reached (or was busy) for these accounts: their rows wait instead of going back.
        let unreachable: BTreeSet<String> = settled
            .failures
            .iter()
            .filter(|f| is_transient_code(&f.code))
            .map(|f| f.account_id.clone())
            .collect();
        let (queued, full) = self.queue(&predicted.predicted, &hints, |p| {
            waiting.contains(&p.0) || (unreachable.contains(&p.0) && settled.restore.contains(p))
        });
        settled
            .restore
            .retain(|k| !queued.iter().any(|q| &q.key() == k));
        settled
            .failures
            .retain(|f| !(unreachable.contains(&f.account_id) && is_transient_code(&f.code)));
        let mut restore_full: Vec<(String, String)> = Vec::new();
        for q in &full {
            if !settled.restore.contains(&q.key()) {
                settled.restore.push(q.key());
            }
            restore_full.push(q.key());
        }

        self.store.inbox(|store| {
            for (account, now, previous) in &shown {
                let key = (account.clone(), previous.thread_id.clone());
                let Some(inbox) = store.account_mut(account) else {
                    continue;
                };
                if queued.iter().any(|q| q.key() == key) {
                    // Shown as done; Gmail gets it when it answers again.
                    continue;
                }
                if waiting.contains(account) && !restore_full.contains(&key) {
                    continue;
                }
                let refused = sent
                    .refused
                    .iter()
                    .any(|r| r.account_id == key.0 && r.thread_id == key.1);
                if settled.restore.contains(&key) || refused {
                    inbox.restore_thread(now, previous.clone());
                } else if let Some(changed) = settled
                    .changed
                    .iter()
                    .find(|c| c.account_id == key.0 && c.thread_id == key.1)
                {
                    // Gmail's answer wins over the prediction where they differ.
                    if changed.label_ids != now.label_ids {
                        inbox.restore_thread(now, previous.clone());
                        inbox.replace_thread(relabel_row(previous, &changed.label_ids));
                    }
                }
            }
            for f in &settled.failures {
                if f.code == IntentError::ReauthRequired.as_str() {
                    if let Some(inbox) = store.account_mut(&f.account_id) {
                        inbox.account.health = SyncHealth::ReauthRequired;
                        inbox.account.health_cause =
                            Some(gmux_core::messages::Cause::ReauthRequired);
                    }
                }
            }
        });
        self.store.persist().await;

        let mut reply = TriageReply::of_settled(&settled, &sent.refused, |a| self.email_of(a));
        // The same facts in the browser's language.
        if !reply.sentence.is_empty() {
            reply.sentence = done_words(&action, settled.undo.threads.len());
        }
        reply.failures = self.failure_words(&settled.failures);
        let mut refused_per: std::collections::BTreeMap<&str, (usize, TriageError)> =
            std::collections::BTreeMap::new();
        for r in &sent.refused {
            refused_per
                .entry(r.account_id.as_str())
                .or_insert((0, r.why))
                .0 += 1;
        }
        for (account, (n, why)) in refused_per {
            let why = match why {
                TriageError::NoSuchLabel => t("triageNoSuchLabel"),
                TriageError::AlreadyThere => t("triageAlreadyThere"),
            };
            reply
                .failures
                .push(not_changed_words(&self.email_of(account), n, &why));
        }
        if !full.is_empty() {
            reply.ok = false;
            reply.failures.push(t_with(
                "toastQueueFull",
                &[
                    &crate::i18n::number(full.len() as u64),
                    &crate::i18n::number(gmux_core::offline::MAX_ENTRIES as u64),
                ],
            ));
        }
        if !queued.is_empty() {
            // The toast says what was done, and that Gmail has not got it yet; Undo cancels it in the queue.
            reply.sentence = if reply.sentence.is_empty() {
                t_with(
                    "toastWaitingForGmail",
                    &[&done_words(&action, queued.len())],
                )
            } else {
                t_with(
                    "toastMoreWaitingForGmail",
                    &[
                        reply.sentence.trim_end(),
                        &crate::i18n::number(queued.len() as u64),
                    ],
                )
            };
            reply.undo = true;
        }
        for r in &unknown {
            reply.ok = false;
            reply
                .restore
                .push((r.account_id.clone(), r.thread_id.clone()));
        }
        if !unknown.is_empty() {
            reply.failures.push(t("toastUnknownAccount"));
        }
        if reply.undo {
            *self.last.borrow_mut() = Some(Last {
                record: settled.undo,
                rows,
                snoozed: Vec::new(),
                queued,
            });
        }
        reply
    }

    /// Queues the planned changes `pick` chooses (by (account, thread)), from the labels the page showed to the
    /// predicted ones; returns those queued and those the full queue refused. The caller writes the store.
    fn queue(
        &self,
        predicted: &[ThreadState],
        hints: &[ThreadState],
        pick: impl Fn(&(String, String)) -> bool,
    ) -> (Vec<Queued>, Vec<Queued>) {
        let now = js_sys::Date::now() as u64;
        let mut queued = Vec::new();
        let mut full = Vec::new();
        for p in predicted {
            let key = (p.account_id.clone(), p.thread_id.clone());
            if !pick(&key) {
                continue;
            }
            let Some(hint) = hints
                .iter()
                .find(|h| h.account_id == p.account_id && h.thread_id == p.thread_id)
            else {
                continue;
            };
            let q = Queued {
                account_id: p.account_id.clone(),
                thread_id: p.thread_id.clone(),
                before: hint.label_ids.clone(),
                after: p.label_ids.clone(),
            };
            let taken = self.store.offline(|queue| {
                queue.enqueue(
                    &q.account_id,
                    &q.thread_id,
                    &Queued::change(&q.before, &q.after),
                    &q.before,
                    now,
                )
            });
            match taken {
                Ok(_) => queued.push(q),
                Err(_) => full.push(q),
            }
        }
        (queued, full)
    }

    /// Undoes the last action at Gmail and puts its rows back in the store; `restore` names the rows the page
    /// puts back in a view of its own.
    pub async fn undo(&self) -> TriageReply {
        let _order = self.order.lock().await;
        let Some(last) = self.last.borrow_mut().take() else {
            return TriageReply {
                ok: true,
                sentence: t("toastNothingToUndo"),
                ..Default::default()
            };
        };
        if !self.port.settled().await {
            *self.last.borrow_mut() = Some(last);
            return TriageReply::refused(t("toastHostNotConnected"));
        }
        let Some(engine) = self.syncer.engine() else {
            *self.last.borrow_mut() = Some(last);
            return TriageReply::refused(t("toastGmailNotYet"));
        };
        let accounts: BTreeSet<String> = last
            .record
            .threads
            .iter()
            .map(|t| t.account_id.clone())
            .chain(last.record.messages.iter().map(|m| m.account_id.clone()))
            .chain(last.queued.iter().map(|q| q.account_id.clone()))
            .collect();
        for a in &accounts {
            self.views.forget_account(a);
        }
        let undone = {
            let locks: Vec<_> = accounts
                .iter()
                .map(|a| self.syncer.account_lock(a))
                .collect();
            let mut _held = Vec::new();
            for lock in &locks {
                _held.push(lock.lock().await);
            }
            let mut undone = gmail_triage::undo(&engine, &last.record).await;
            // The changes still waiting for Gmail: their undo joins them in the queue, where it cancels them
            // (nothing is sent), or follows one already on its way.
            let now = js_sys::Date::now() as u64;
            for q in &last.queued {
                let taken = self.store.offline(|queue| {
                    queue.enqueue(
                        &q.account_id,
                        &q.thread_id,
                        &Queued::change(&q.after, &q.before),
                        &q.after,
                        now,
                    )
                });
                if taken.is_ok() {
                    undone.restored.push(ThreadState {
                        account_id: q.account_id.clone(),
                        thread_id: q.thread_id.clone(),
                        label_ids: q.before.clone(),
                        messages: Vec::new(),
                    });
                }
            }
            undone
        };
        if !last.snoozed.is_empty() {
            self.store.snoozes(|s| {
                for t in &undone.restored {
                    s.list_mut(&t.account_id).remove(&t.thread_id);
                }
            });
            self.store.persist_snoozes().await;
            self.set_alarm().await;
        }
        // Mark all read's undo changes messages, not rows: those accounts are read again to show it.
        let resync: BTreeSet<&String> =
            last.record.messages.iter().map(|m| &m.account_id).collect();
        futures::future::join_all(resync.into_iter().map(|a| self.syncer.sync_account(a))).await;

        self.store.inbox(|store| {
            for t in &undone.restored {
                let Some(before) = last
                    .rows
                    .iter()
                    .find(|r| r.account_id == t.account_id && r.thread_id == t.thread_id)
                else {
                    continue;
                };
                let Some(inbox) = store.account_mut(&t.account_id) else {
                    continue;
                };
                let want = relabel_row(before, &t.label_ids);
                if inbox.threads.iter().any(|r| r.thread_id == t.thread_id) {
                    inbox.replace_thread(want);
                } else if want.in_inbox() && inbox.window_admits(&want) {
                    // Back in its place by date, the counters moved back with it.
                    let after = last
                        .record
                        .thread(&t.account_id, &t.thread_id)
                        .map(|u| relabel_row(before, &u.after))
                        .or_else(|| {
                            last.queued
                                .iter()
                                .find(|q| {
                                    q.account_id == t.account_id && q.thread_id == t.thread_id
                                })
                                .map(|q| relabel_row(before, &q.after))
                        })
                        .unwrap_or_else(|| before.clone());
                    inbox.restore_thread(&after, want);
                }
            }
        });
        self.store.persist().await;

        let failures = self.failure_words(&undone.failures);
        let sentence = if !failures.is_empty() && undone.restored.is_empty() {
            String::new()
        } else if last.record.threads.is_empty() && last.queued.is_empty() {
            // Mark all read's undo is per message.
            t("toastUndone")
        } else {
            match undone.restored.len() {
                0 => t("toastNothingToUndo"),
                1 => t("toastUndoneOne"),
                n => t_with("toastUndoneMany", &[&crate::i18n::number(n as u64)]),
            }
        };
        TriageReply {
            ok: failures.is_empty(),
            sentence,
            undo: false,
            failures,
            restore: undone
                .restored
                .iter()
                .map(|t| (t.account_id.clone(), t.thread_id.clone()))
                .collect(),
            confirm: None,
        }
    }

    /// Mark all as read over a view, in one account or all: every unread message the view's query matches at
    /// Gmail (not only the loaded rows) marked read, per account `messages.list` then `messages.batchModify`.
    /// Unconfirmed, it first counts (the same list, 5 units per 500 messages) and asks when more than 50
    /// conversations would change.
    pub async fn mark_all_read(
        &self,
        view: &View,
        only: Option<&str>,
        confirmed: bool,
    ) -> TriageReply {
        let _order = self.order.lock().await;
        if !self.port.settled().await {
            return TriageReply::refused(t("toastHostNotConnected"));
        }
        self.store.loaded().await;
        let Some(engine) = self.syncer.engine() else {
            return TriageReply::refused(t("toastGmailNotYet"));
        };
        let queries: Vec<(String, ListQuery)> = self.store.inbox(|s| {
            s.accounts
                .iter()
                .map(|a| a.account.id.clone())
                .filter(|a| only.is_none_or(|o| o == a))
                .filter_map(|a| {
                    let q = view.query(&a)?;
                    Some((a, q))
                })
                .collect()
        });
        if queries.is_empty() {
            return TriageReply::refused(t("toastNoAccountShowsList"));
        }
        if !confirmed {
            let counts = futures::future::join_all(queries.iter().map(|(a, q)| {
                let client = engine.client(a);
                let q = q.unread();
                async move { count_threads(&client, &q).await }
            }))
            .await;
            let mut total = 0;
            for ((a, _), count) in queries.iter().zip(counts) {
                match count {
                    Ok(c) => total += c.threads,
                    Err(e) => {
                        return TriageReply::refused(format!(
                            "{}: {}",
                            self.email_of(a),
                            triage_cause_words(Some(&e.cause()))
                        ))
                    }
                }
            }
            if total == 0 {
                return TriageReply {
                    ok: true,
                    sentence: t("toastNothingUnread"),
                    ..Default::default()
                };
            }
            if mark_all_read_needs_confirmation(total) {
                let mut place = view_title(view);
                if let Some(a) = only {
                    place = t_with("viewOfAccount", &[&place, &self.email_of(a)]);
                }
                return TriageReply {
                    ok: false,
                    confirm: Some(t_with(
                        "markAllReadQuestion",
                        &[&conversations_words(total as usize), &place],
                    )),
                    ..Default::default()
                };
            }
        }
        for (a, _) in &queries {
            self.views.forget_account(a);
        }
        let results = {
            let locks: Vec<_> = queries
                .iter()
                .map(|(a, _)| self.syncer.account_lock(a))
                .collect();
            let mut _held = Vec::new();
            for lock in &locks {
                _held.push(lock.lock().await);
            }
            futures::future::join_all(queries.iter().map(|(a, q)| {
                let client = engine.client(a);
                async move { gmail_triage::mark_all_read(&client, q).await }
            }))
            .await
        };
        let mut marked = Vec::new();
        let mut threads = 0;
        let mut failures = Vec::new();
        for ((a, _), result) in queries.iter().zip(results) {
            let (done, error) = match result {
                Ok(done) => (done, None),
                Err((done, e)) => (done, Some(e)),
            };
            threads += done.threads;
            if let Some(e) = error {
                failures.push(t_with(
                    "toastNotAllMarkedRead",
                    &[&self.email_of(a), &triage_cause_words(Some(&e.cause()))],
                ));
            } else if !done.complete {
                failures.push(t_with(
                    "toastMarkAllReadAgain",
                    &[&self.email_of(a), &crate::i18n::number(10_000)],
                ));
            }
            marked.push((a.clone(), done.message_ids));
        }
        let (_, undo) = mark_all_read_done(&marked, threads);
        let sentence = if threads == 0 {
            t("toastNothingUnread")
        } else {
            t_with(
                "toastMarkedAllRead",
                &[&conversations_words(threads as usize)],
            )
        };
        // The stored inbox is read again to show it (a poll: the history since the last one).
        futures::future::join_all(
            marked
                .iter()
                .filter(|(_, ids)| !ids.is_empty())
                .map(|(a, _)| self.syncer.sync_account(a)),
        )
        .await;
        let changed = !undo.is_empty();
        if changed {
            *self.last.borrow_mut() = Some(Last {
                record: undo,
                rows: Vec::new(),
                snoozed: Vec::new(),
                queued: Vec::new(),
            });
        }
        TriageReply {
            ok: failures.is_empty(),
            sentence,
            undo: changed,
            failures,
            ..Default::default()
        }
    }

    /// Snooze: each account's `gmux/Snoozed` label found or made, the rows moved into it out of the inbox (an
    /// action like any other, undone by `z`), and each one kept in the stored snooze list with its time; the one
    /// alarm is set for the soonest.
    pub async fn snooze(
        &self,
        rows: Vec<ThreadRow>,
        choice: SnoozeChoice,
        utc_offset_minutes: i32,
    ) -> TriageReply {
        let _order = self.order.lock().await;
        let now = js_sys::Date::now() as u64;
        let until = match snooze_time(choice, now, utc_offset_minutes) {
            Ok(until) => until,
            Err(e) => {
                return TriageReply::refused(t_with("toastNotSnoozed", &[&snooze_error_words(&e)]))
            }
        };
        if !self.port.settled().await {
            return TriageReply::refused(t("toastHostNotConnected"));
        }
        self.store.loaded().await;
        let Some(engine) = self.syncer.engine() else {
            return TriageReply::refused(t("toastGmailNotYet"));
        };
        let accounts: BTreeSet<String> = rows.iter().map(|r| r.account_id.clone()).collect();
        let mut labels: AccountLabelIds = AccountLabelIds::new();
        let mut failures = Vec::new();
        for a in &accounts {
            let known = self
                .store
                .snoozes(|s| s.list(a).and_then(|l| l.label_id.clone()));
            let found = match known {
                Some(id) => Ok(id),
                None => ensure_snooze_label(&engine.client(a)).await,
            };
            match found {
                Ok(id) => {
                    self.store
                        .snoozes(|s| s.list_mut(a).label_id = Some(id.clone()));
                    labels.insert(a.clone(), id);
                }
                Err(e) => failures.push(t_with(
                    "toastSnoozeLabelFailed",
                    &[&self.email_of(a), &triage_cause_words(Some(&e.cause()))],
                )),
            }
        }
        let (rows, without_label): (Vec<ThreadRow>, Vec<ThreadRow>) = rows
            .into_iter()
            .partition(|r| labels.contains_key(&r.account_id));
        let mut reply = self
            .act_in_order(TriageAction::Snooze { label: labels }, rows.clone())
            .await;
        let snoozed: Vec<(String, String)> = rows
            .iter()
            .map(|r| (r.account_id.clone(), r.thread_id.clone()))
            .filter(|k| !reply.restore.contains(k))
            .collect();
        self.store.snoozes(|s| {
            for row in rows
                .iter()
                .filter(|r| snoozed.contains(&(r.account_id.clone(), r.thread_id.clone())))
            {
                // The list is bounded; a full one refuses more (said below).
                if s.list_mut(&row.account_id)
                    .add(&ThreadState::from(row), until)
                    .is_err()
                {
                    failures.push(t_with(
                        "toastSnoozeListFull",
                        &[&self.email_of(&row.account_id)],
                    ));
                }
            }
        });
        self.store.persist_snoozes().await;
        self.set_alarm().await;
        if reply.undo {
            if let Some(last) = self.last.borrow_mut().as_mut() {
                last.snoozed = snoozed.clone();
            }
            reply.sentence = t_with(
                "toastSnoozedUntil",
                &[
                    reply.sentence.trim_end_matches('.'),
                    &crate::i18n::snooze_time(until, now, utc_offset_minutes),
                ],
            );
        }
        reply.restore.extend(
            without_label
                .iter()
                .map(|r| (r.account_id.clone(), r.thread_id.clone())),
        );
        reply.ok &= failures.is_empty();
        reply.failures.extend(failures);
        reply
    }

    /// Unsnooze: back where it was (the inbox), out of the snooze label, now; read state as it is.
    pub async fn unsnooze(&self, account: &str, thread: &str) -> TriageReply {
        let _order = self.order.lock().await;
        self.store.loaded().await;
        let Some(engine) = self.syncer.engine() else {
            return TriageReply::refused(t("toastGmailNotYet"));
        };
        let found = self.store.snoozes(|s| {
            let list = s.list(account)?;
            let label = list.label_id.clone()?;
            let entry = list.entries.iter().find(|e| e.thread_id == thread)?.clone();
            Some((label, entry))
        });
        let Some((label, entry)) = found else {
            return TriageReply::refused(t("toastNotSnoozedThread"));
        };
        let call = GmailCall::ModifyThread {
            thread_id: thread.to_string(),
            change: unsnooze_change(&entry, &label),
        };
        let result = {
            let lock = self.syncer.account_lock(account);
            let _held = lock.lock().await;
            gmail_triage::run_calls(&engine.client(account), &[call]).await
        };
        match result.into_iter().next() {
            Some(Ok(_)) | Some(Err(GmailError::Api(ApiError { status: 404, .. }))) => {
                self.store.snoozes(|s| s.list_mut(account).remove(thread));
                self.store.persist_snoozes().await;
                self.set_alarm().await;
                self.views.forget_account(account);
                self.syncer.sync_account(account).await;
                TriageReply {
                    ok: true,
                    sentence: t("toastUnsnoozed"),
                    restore: vec![(account.to_string(), thread.to_string())],
                    ..Default::default()
                }
            }
            Some(Err(e)) => TriageReply::refused(t_with(
                "toastNotUnsnoozed",
                &[
                    &self.email_of(account),
                    &triage_cause_words(Some(&e.cause())),
                ],
            )),
            None => TriageReply::refused(t("toastGmailNoAnswer")),
        }
    }

    /// Brings back every snooze that is due (also those whose time passed while the browser was closed): at
    /// the alarm, and once Gmail can be reached after a start. Failed ones stay for the next alarm.
    pub async fn wake(&self) {
        self.store.loaded().await;
        let Some(engine) = self.syncer.engine() else {
            return;
        };
        let now = js_sys::Date::now() as u64;
        let due = self.store.snoozes(|s| s.due_accounts(now));
        for account in &due {
            let Some(mut list) = self.store.snoozes(|s| s.list(account).cloned()) else {
                continue;
            };
            let woken = {
                let lock = self.syncer.account_lock(account);
                let _held = lock.lock().await;
                wake_due(&engine.client(account), &mut list, now).await
            };
            for (thread, why) in &woken.failed {
                log(&format!(
                    "gmux: snoozed {thread} did not come back yet: {why}"
                ));
            }
            // Only what the wake took out leaves the stored list: a snooze added meanwhile stays.
            self.store.snoozes(|s| {
                let stored = s.list_mut(account);
                for t in woken.woken.iter().map(|t| &t.thread_id).chain(&woken.gone) {
                    stored.remove(t);
                }
            });
            self.views.forget_account(account);
        }
        if !due.is_empty() {
            self.store.persist_snoozes().await;
            futures::future::join_all(due.iter().map(|a| self.syncer.sync_account(a))).await;
        }
        self.set_alarm().await;
    }

    /// The one snooze alarm at the soonest snooze; none when nothing is snoozed. A failed wake is tried again a
    /// minute later.
    async fn set_alarm(&self) {
        let now = js_sys::Date::now() as u64;
        let next = self.store.snoozes(|s| s.next_alarm());
        let result = match next {
            Some(at) => browser::create_alarm_at(SNOOZE_ALARM, at.max(now + 60_000) as f64).await,
            None => browser::clear_alarm(SNOOZE_ALARM).await,
        };
        if let Err(e) = result {
            log(&format!("gmux: the snooze alarm could not be set: {e}"));
        }
    }
}

/// The alarm that wakes snoozed conversations (background.js delivers it as `alarm:snooze`).
pub const SNOOZE_ALARM: &str = "snooze";

fn log(text: &str) {
    web_sys::console::log_1(&wasm_bindgen::JsValue::from_str(text));
}

/// "1 conversation", "3 conversations" in the browser's language.
fn conversations_words(n: usize) -> String {
    if n == 1 {
        t("conversationsOne")
    } else {
        t_with("conversationsMany", &[&crate::i18n::number(n as u64)])
    }
}

/// The toast after an action on `n` conversations ("Archived 3 conversations."), as core's
/// `TriageAction::done_sentence` says it in English.
fn done_words(action: &TriageAction, n: usize) -> String {
    let c = conversations_words(n);
    match action {
        TriageAction::Archive => t_with("toastArchived", &[&c]),
        TriageAction::Trash => t_with("toastTrashed", &[&c]),
        TriageAction::MarkRead => t_with("toastMarkedRead", &[&c]),
        TriageAction::MarkUnread => t_with("toastMarkedUnread", &[&c]),
        TriageAction::Star => t_with("toastStarred", &[&c]),
        TriageAction::Unstar => t_with("toastUnstarred", &[&c]),
        TriageAction::Spam => t_with("toastSpam", &[&c]),
        TriageAction::NotSpam => t_with("toastNotSpam", &[&c]),
        TriageAction::Move { .. } => t_with("toastMoved", &[&c]),
        TriageAction::Snooze { .. } => t_with("toastSnoozed", &[&c]),
    }
}

/// One account's failure in an action: "ann@example.org: 2 conversations not changed. <why>".
fn not_changed_words(email: &str, n: usize, why: &str) -> String {
    t_with("toastNotChanged", &[email, &conversations_words(n), why])
}

/// Why a conversation was not changed, in the browser's language: Gmail's cause, or no answer (`None`).
fn triage_cause_words(cause: Option<&gmux_core::messages::Cause>) -> String {
    match cause {
        None => t("toastGmailNoAnswer"),
        Some(gmux_core::messages::Cause::NotFound) => t("triageConversationGone"),
        Some(cause) => crate::i18n::cause_words(cause, false),
    }
}

/// Why a snooze time was refused, in the browser's language.
fn snooze_error_words(e: &SnoozeError) -> String {
    match e {
        SnoozeError::InThePast => t("snoozeErrorPast"),
        SnoozeError::TooFar => t("snoozeErrorTooFar"),
        SnoozeError::TooLateToday => t("snoozeErrorTooLate"),
        SnoozeError::Full => t("snoozeErrorFull"),
    }
}
