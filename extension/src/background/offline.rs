//! Actions taken while Gmail cannot be reached (issue 22): the triage path and `Syncer::act` put an action that
//! failed transiently (or whose account already has actions waiting) into the queue the store keeps
//! (`gmux_core::offline::OfflineQueue`, written with the inbox under `offline_queue`: ids, labels and times only)
//! and keep it shown; this file replays an account's queue once a sync of it succeeds (Gmail answered), in order
//! and batched (`gmux_gmail::replay::send_steps`), settles each answer, and for a permanent refusal drops the
//! action, shows the thread as Gmail has it again and tells the user. The rules are the core's module docs.

use std::rc::Rc;

use gmux_core::inbox::InboxStore;
use gmux_core::offline::{row_with_labels, Failure, PendingChange, Settled, MAX_REPLAY_CALLS};
use gmux_gmail::replay::send_steps;
use wasm_bindgen::JsValue;

use super::store::Store;
use super::sync::Syncer;
use crate::i18n::{t, t_with};

pub struct Offline {
    store: Rc<Store>,
    syncer: Rc<Syncer>,
}

impl Offline {
    pub fn new(store: Rc<Store>, syncer: Rc<Syncer>) -> Offline {
        Offline { store, syncer }
    }

    /// Gmail answered `account` (its sync succeeded; the caller holds the account's lock): its waiting actions
    /// go now, batch after batch, each answer settled and written before the next batch, so a background
    /// stopped midway sends again only what Gmail did not confirm.
    pub async fn gmail_answered(&self, account: &str) {
        let waiting = self.store.offline(|q| {
            q.gmail_answered(account);
            q.pending_for(account)
        });
        if waiting == 0 {
            return;
        }
        let Some(engine) = self.syncer.engine() else {
            return;
        };
        let client = engine.client(account);
        loop {
            let now = js_sys::Date::now() as u64;
            let steps = self
                .store
                .offline(|q| q.take_batch(account, now, MAX_REPLAY_CALLS));
            if steps.is_empty() {
                break;
            }
            let answers = send_steps(&client, &steps).await;
            let now = js_sys::Date::now() as u64;
            let settled: Vec<Settled> = self.store.offline(|q| {
                steps
                    .iter()
                    .zip(answers)
                    .map(|(step, answer)| q.settle(step.seq, answer, now))
                    .collect()
            });
            let mut progressed = false;
            let mut dropped = Vec::new();
            for s in settled {
                match s {
                    Settled::Done => progressed = true,
                    Settled::Dropped { change, failure } => {
                        progressed = true;
                        dropped.push((change, failure));
                    }
                    Settled::RetryAt(at) => log(&format!(
                        "gmux: actions waiting for Gmail are tried again in {} s",
                        at.saturating_sub(now) / 1000
                    )),
                    Settled::AwaitingReconnect | Settled::Unknown => {}
                }
            }
            if !dropped.is_empty() {
                // One borrow of the store at a time: the rows first, then the status.
                let sentences = self.store.inbox(|inbox| show_refusals(inbox, &dropped));
                self.store.status(|status| {
                    for sentence in sentences {
                        status.offline.refused(sentence);
                    }
                });
            }
            self.store.persist().await;
            if !progressed {
                break;
            }
        }
    }

    /// The user read the refusals: the notice goes.
    pub async fn dismiss_refusals(&self) {
        self.store.status(|s| s.offline.refused.clear());
        self.store.persist_status().await;
    }
}

/// Dropped actions: each thread shown as Gmail has it again, and a sentence for each. A thread Gmail no longer
/// has leaves the list; one whose row the action had taken out of the stored inbox comes back with the
/// account's next sync, a full one (a poll would not mention a thread that did not change at Gmail).
fn show_refusals(store: &mut InboxStore, dropped: &[(PendingChange, Failure)]) -> Vec<String> {
    let mut sentences = Vec::new();
    for (change, failure) in dropped {
        let email = store
            .account(&change.account_id)
            .map(|a| a.account.email.clone())
            .unwrap_or_else(|| change.account_id.clone());
        sentences.push(refused_words(&email, change, failure));
        let Some(inbox) = store.account_mut(&change.account_id) else {
            continue;
        };
        let gone = matches!(failure, Failure::Http { status: 404, .. });
        let row = inbox
            .threads
            .iter()
            .find(|r| r.thread_id == change.thread_id)
            .cloned();
        match row {
            Some(row) if gone => {
                inbox.replace_thread(row_with_labels(&row, Vec::new()));
            }
            Some(row) => {
                inbox.replace_thread(row_with_labels(&row, change.before.clone()));
            }
            None if !gone && change.before.iter().any(|l| l == "INBOX") => {
                inbox.history_id = None;
            }
            None => {}
        }
    }
    sentences
}

fn log(text: &str) {
    web_sys::console::log_1(&JsValue::from_str(text));
}

/// The sentence for a waiting change Gmail refused for good, in the browser's language (core's
/// `refused_sentence` in English).
fn refused_words(email: &str, change: &PendingChange, failure: &Failure) -> String {
    use gmux_core::offline::{change_kind, refusal_why, ChangeKind, RefusalWhy};
    let what = match change_kind(&change.labels) {
        ChangeKind::Trash => t("offlineChangeTrash"),
        ChangeKind::Untrash => t("offlineChangeUntrash"),
        ChangeKind::Spam => t("offlineChangeSpam"),
        ChangeKind::Archive => t("offlineChangeArchive"),
        ChangeKind::ToInbox => t("offlineChangeToInbox"),
        ChangeKind::MarkRead => t("offlineChangeMarkRead"),
        ChangeKind::MarkUnread => t("offlineChangeMarkUnread"),
        ChangeKind::Star => t("offlineChangeStar"),
        ChangeKind::Unstar => t("offlineChangeUnstar"),
        ChangeKind::Labels => t("offlineChangeLabels"),
    };
    let why = match refusal_why(failure) {
        RefusalWhy::Gone => t("offlineWhyGone"),
        RefusalWhy::BadLabel => t("offlineWhyBadLabel"),
        RefusalWhy::Status { status, reason } if reason.is_empty() => {
            t_with("offlineWhyStatus", &[&status.to_string()])
        }
        RefusalWhy::Status { status, reason } => {
            t_with("offlineWhyStatus", &[&format!("{status} {reason}")])
        }
        RefusalWhy::Refused => t("offlineWhyRefused"),
    };
    t_with("offlineDropped", &[&what, email, &why])
}
