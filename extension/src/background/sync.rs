//! Syncing: the Gmail engine made from `hello`'s Gmail base, one lock per account (a sync and an action on the
//! same account never interleave; other accounts never wait), the host's account list reconciled into the
//! store, and a user's action on one thread (the inbox's and a notification button's one path). Each account's
//! poll, with what it found added to INBOX, goes to the hook `mod.rs` sets ([`Syncer::on_polled`]).

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use futures::channel::oneshot;
use futures::future::{FutureExt, LocalBoxFuture, Shared};
use futures::lock::Mutex as AsyncMutex;
use gmux_core::messages::{IntentReply, ThreadAction};
use gmux_core::notify::{AccountPoll, PollKind};
use gmux_core::offline::{classify, Disposition, Enqueued, QueuedAction};
use gmux_core::protocol::{method, AccountsListParams};
use gmux_core::status::HostState;
use gmux_gmail::replay::failure_of;
use gmux_gmail::{actions, SyncEngine};
use wasm_bindgen::JsValue;

use super::host::HostPort;
use super::store::Store;
use super::tokens::HostTokens;
use crate::fetch_env::FetchEnv;
use crate::host_client::RequestError;

pub struct Syncer {
    port: Rc<HostPort>,
    store: Rc<Store>,
    /// Made from the `hello` reply's Gmail base URL.
    engine: RefCell<Option<Rc<SyncEngine>>>,
    locks: RefCell<HashMap<String, Rc<AsyncMutex<()>>>>,
    /// Whether the store's accounts came from the host since the last connection.
    accounts_known: Cell<bool>,
    /// Syncs under way.
    syncing: Cell<u32>,
    /// A sync of every account that is still waiting for the handshake or the account list, and what ends when
    /// that sync does. A [`Syncer::sync_all`] asked for meanwhile waits for it and asks Gmail nothing of its own:
    /// without this, a page coming into view while gmux-host started had every account synced twice (a
    /// `history.list` each, right after its first sync).
    starting: RefCell<Option<Shared<oneshot::Receiver<()>>>>,
    /// Accounts added again (after Google refused their sign-in) whose next poll must not count as new mail.
    reconnected: RefCell<HashSet<String>>,
    /// Called with every account's successful poll, under the account's lock.
    polled: RefCell<Option<PollHook>>,
    /// Called with the account's id after each successful sync (Gmail answered), under the account's lock:
    /// the actions waiting for Gmail go then (`offline.rs`).
    answered: RefCell<Option<AnsweredHook>>,
}

/// What is told that Gmail answered an account again.
pub type AnsweredHook = Rc<dyn Fn(String) -> LocalBoxFuture<'static, ()>>;

/// What gets each account's poll: it may take its time (the account waits), and it gets the poll once.
pub type PollHook = Rc<dyn Fn(AccountPoll) -> LocalBoxFuture<'static, ()>>;

impl Syncer {
    pub fn new(port: Rc<HostPort>, store: Rc<Store>) -> Syncer {
        Syncer {
            port,
            store,
            engine: RefCell::new(None),
            locks: RefCell::new(HashMap::new()),
            accounts_known: Cell::new(false),
            syncing: Cell::new(0),
            starting: RefCell::new(None),
            reconnected: RefCell::new(HashSet::new()),
            polled: RefCell::new(None),
            answered: RefCell::new(None),
        }
    }

    /// Tells `hook` of every account's successful sync from now on.
    pub fn on_answered(&self, hook: AnsweredHook) {
        *self.answered.borrow_mut() = Some(hook);
    }

    /// Hands every account's poll to `hook` from now on.
    pub fn on_polled(&self, hook: PollHook) {
        *self.polled.borrow_mut() = Some(hook);
    }

    /// The account was added again: what its next poll finds is what arrived while it was disconnected, which
    /// is not "new mail as it arrives" ([`PollKind::Reconnected`]).
    pub fn mark_reconnected(&self, account: &str) {
        self.reconnected.borrow_mut().insert(account.to_string());
    }

    /// Talks to Gmail at `base` (Google's, or the emulator's in tests) with tokens from the host.
    pub fn use_gmail(&self, base: &str) {
        let tokens = Rc::new(HostTokens::new(self.port.clone()));
        let engine = SyncEngine::new(Rc::new(FetchEnv), tokens, base);
        *self.engine.borrow_mut() = Some(Rc::new(engine));
    }

    pub fn engine(&self) -> Option<Rc<SyncEngine>> {
        self.engine.borrow().clone()
    }

    /// A new connection: the host's account list must be read again before the next sync.
    pub fn forget_accounts(&self) {
        self.accounts_known.set(false);
    }

    pub fn is_syncing(&self) -> bool {
        self.syncing.get() > 0
    }

    pub fn account_lock(&self, account: &str) -> Rc<AsyncMutex<()>> {
        self.locks
            .borrow_mut()
            .entry(account.to_string())
            .or_insert_with(|| Rc::new(AsyncMutex::new(())))
            .clone()
    }

    /// Reads the host's account list into the status and the store.
    pub async fn refresh_accounts(&self) -> Result<(), RequestError> {
        let accounts = self
            .port
            .call::<method::AccountsList>(&AccountsListParams {})
            .await?
            .accounts;
        self.store.loaded().await;
        self.store.inbox(|inbox| inbox.reconcile(&accounts));
        // A removed account's waiting actions go with it.
        self.store.offline(|queue| {
            let gone: Vec<String> = queue
                .entries()
                .iter()
                .map(|e| e.account_id.clone())
                .filter(|a| !accounts.iter().any(|h| &h.id == a))
                .collect();
            for account in gone {
                queue.remove_account(&account);
            }
        });
        self.store.status(|status| status.accounts = accounts);
        self.accounts_known.set(true);
        self.store.persist().await;
        Ok(())
    }

    /// After every successful handshake: the account list (forgotten when the connection began), then a sync of
    /// every account, or the one already waiting for this handshake.
    pub async fn after_connect(&self) {
        self.sync_all().await;
    }

    /// Syncs every account at once; one failing or slow account never holds up the others, and each one's
    /// result is saved as soon as it is in. Asked for while another is still waiting for gmux-host or the account
    /// list, it waits for that one instead (it would read the same accounts at the same moment).
    pub async fn sync_all(&self) {
        let waiting = self.starting.borrow().clone();
        if let Some(round) = waiting {
            let _ = round.await;
            return;
        }
        let (done, round) = oneshot::channel::<()>();
        *self.starting.borrow_mut() = Some(round.shared());
        let starting = StartingRound(&self.starting);
        let ids = self.accounts_to_sync().await;
        // From here a new ask is a new sync: this one has read its accounts, and they may change.
        drop(starting);
        let Some(ids) = ids else { return };
        self.syncing.set(self.syncing.get() + 1);
        self.store.status(|s| {
            s.syncing = true;
            for id in &ids {
                if !s.syncing_accounts.contains(id) {
                    s.syncing_accounts.push(id.clone());
                }
            }
        });
        self.store.persist_status().await;
        futures::future::join_all(ids.iter().map(|id| self.sync_account(id))).await;
        self.syncing.set(self.syncing.get().saturating_sub(1));
        let syncing = self.is_syncing();
        self.store.status(|s| {
            s.syncing = syncing;
            if !syncing {
                s.syncing_accounts.clear();
            }
            s.last_sync_ms = Some(js_sys::Date::now() as u64);
        });
        self.store.persist_status().await;
        let _ = done.send(());
    }

    /// The accounts a sync covers, once gmux-host is connected and its account list read; `None` when it cannot
    /// be (the status already says why).
    async fn accounts_to_sync(&self) -> Option<Vec<String>> {
        let up = self.port.settled().await;
        // The status was saved when the host's state last changed; there is nothing new to write.
        if !up || self.port.state().host != HostState::Connected {
            return None;
        }
        if !self.accounts_known.get() {
            if let Err(e) = self.refresh_accounts().await {
                log(&format!("gmux: the account list could not be read: {e}"));
                return None;
            }
        }
        Some(self.store.inbox(|inbox| {
            inbox
                .accounts
                .iter()
                .map(|a| a.account.id.clone())
                .collect()
        }))
    }

    /// Syncs one account under its lock, saves the result and hands the poll to the hook. A failed sync keeps
    /// the last good rows; the engine records the account's health (reauth_required, offline with the last good
    /// time, failing).
    pub async fn sync_account(&self, id: &str) {
        let lock = self.account_lock(id);
        let _held = lock.lock().await;
        let Some(engine) = self.engine() else { return };
        let Some(mut inbox) = self.store.inbox(|store| store.account(id).cloned()) else {
            return;
        };
        let report = match engine.sync_account_report(&mut inbox).await {
            Ok(report) => Some(report),
            Err(e) => {
                log(&format!(
                    "gmux: syncing {} failed: {e}",
                    inbox.account.email
                ));
                None
            }
        };
        let email = inbox.account.email.clone();
        // Actions still waiting for Gmail stay shown over what Gmail has (an archived row does not come back).
        self.store.offline(|queue| queue.apply_pending(&mut inbox));
        // The account may have been removed while it synced.
        let kept = self.store.inbox(|store| {
            let present = store.account(id).is_some();
            if present {
                store.put_account(inbox);
            }
            present
        });
        // Its spinner stops with the write that shows its result.
        self.store
            .status(|s| s.syncing_accounts.retain(|a| a != id));
        if !kept {
            return;
        }
        self.store.persist().await;
        let Some(report) = report else { return };
        let answered = self.answered.borrow().clone();
        if let Some(answered) = answered {
            answered(id.to_string()).await;
        }
        let kind = if self.reconnected.borrow_mut().remove(id) {
            PollKind::Reconnected
        } else {
            report.poll_kind()
        };
        let hook = self.polled.borrow().clone();
        if let Some(hook) = hook {
            hook(AccountPoll {
                account_id: id.to_string(),
                email,
                aliases: Vec::new(),
                kind: Some(kind),
                added: report.added,
            })
            .await;
        }
    }

    /// A user's action on one thread, from a page or a notification's button: shown in the store at once,
    /// sent to Gmail under the account's lock, then Gmail's answer kept or the change rolled back; the reply
    /// says why when it failed.
    pub async fn act(&self, account: &str, thread: &str, action: ThreadAction) -> IntentReply {
        self.store.loaded().await;
        let lock = self.account_lock(account);
        let _held = lock.lock().await;
        let known = self.store.inbox(|inbox| inbox.account(account).is_some());
        let Some(engine) = self.engine().filter(|_| known) else {
            return crate::i18n::not_started(known);
        };
        // The labels shown before the action: what a queued action compares with, and puts back when refused.
        let shown: Option<Vec<String>> = self.store.inbox(|inbox| {
            inbox
                .account(account)?
                .threads
                .iter()
                .find(|r| r.thread_id == thread)
                .map(|r| r.label_ids.clone())
        });
        // Actions already wait for Gmail on this account (this one goes behind them, so Gmail gets them in
        // order), or its last sync found Gmail unreachable (this one waits for the next sync that reaches it).
        let waiting = self.store.offline(|q| q.pending_for(account) > 0)
            || self.store.inbox(|s| {
                s.account(account)
                    .is_some_and(|i| i.account.health == gmux_core::inbox::SyncHealth::Offline)
            });
        let pending = self
            .store
            .inbox(|inbox| actions::begin(inbox, account, thread, action));
        if let (true, Some(labels)) = (waiting, &shown) {
            return self
                .queue_action(account, thread, action, labels, pending)
                .await;
        }
        if pending.changed_store() {
            self.store.persist().await;
        }
        let Some(mut inbox) = self.store.inbox(|store| store.account(account).cloned()) else {
            return crate::i18n::not_started(false);
        };
        let applied = engine.apply(&mut inbox, thread, action).await;
        if let (Err(e), Some(labels)) = (&applied, &shown) {
            // Gmail cannot be reached (or is busy): the action waits, still shown, instead of going back.
            if classify(&failure_of(e)) == Disposition::Transient {
                return self
                    .queue_action(account, thread, action, labels, pending)
                    .await;
            }
        }
        let reply = self.store.inbox(|store| {
            let outcome = match &applied {
                Ok(_) => Ok(inbox),
                Err(e) => Err(e),
            };
            actions::settle(store, pending, outcome, &crate::i18n::action_failed_words)
        });
        self.store.persist().await;
        reply
    }

    /// Keeps an action for later (the store already shows it), or, when the queue is full, takes it back and
    /// says so.
    async fn queue_action(
        &self,
        account: &str,
        thread: &str,
        action: ThreadAction,
        shown: &[String],
        pending: actions::Pending,
    ) -> IntentReply {
        let queued = self.store.offline(|q| {
            q.enqueue(
                account,
                thread,
                &QueuedAction::from(action),
                shown,
                js_sys::Date::now() as u64,
            )
        });
        let reply = match queued {
            Ok(
                Enqueued::Added(_) | Enqueued::Merged(_) | Enqueued::Cancelled | Enqueued::Nothing,
            ) => {
                drop(pending);
                IntentReply::ok()
            }
            Err(e) => self.store.inbox(|store| {
                let mut reply = actions::settle(
                    store,
                    pending,
                    Err(&gmux_gmail::GmailError::Offline(
                        gmux_gmail::env::TransportError(e.to_string()),
                    )),
                    &crate::i18n::action_failed_words,
                );
                reply.error = Some(format!("{}.", capitalised(&e.to_string())));
                reply
            }),
        };
        self.store.persist().await;
        reply
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn log(text: &str) {
    web_sys::console::log_1(&JsValue::from_str(text));
}

/// Ends [`Syncer::sync_all`]'s waiting phase however it ends (a sync that returns early drops its sender, and the
/// syncs that waited for it return too).
struct StartingRound<'a>(&'a RefCell<Option<Shared<oneshot::Receiver<()>>>>);

impl Drop for StartingRound<'_> {
    fn drop(&mut self) {
        self.0.borrow_mut().take();
    }
}
