//! Reading conversations for the pages: bodies fetched on demand through the account's Gmail client
//! (`threads.get format=full`, `messages.attachments.get`), kept in memory only ([`BodyCache`]: least recently
//! used out, a byte cap, everything of an account forgotten when it is removed), never in `storage.*`. A page
//! gets a body through an intent and never holds a token. "Mark unread from here" goes the way of every action:
//! shown in the store at once, sent to Gmail, kept or rolled back.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use gmux_core::messages::{IntentError, IntentReply, ThreadAction};
use gmux_core::reader::{attachment_key, thread_key, BodyCache, BodyReply, ReaderChange, Stamp};
use gmux_gmail::reader::{self as gmail_reader, ReadError};
use gmux_gmail::{actions, GmailClient};

use super::store::Store;
use super::sync::Syncer;

pub struct Reader {
    store: Rc<Store>,
    syncer: Rc<Syncer>,
    cache: RefCell<BodyCache>,
    /// Each account's user label names, read once per background start.
    label_names: RefCell<HashMap<String, BTreeMap<String, String>>>,
}

impl Reader {
    pub fn new(store: Rc<Store>, syncer: Rc<Syncer>) -> Reader {
        Reader {
            store,
            syncer,
            cache: RefCell::new(BodyCache::default()),
            label_names: RefCell::new(HashMap::new()),
        }
    }

    /// The account's client, or the reply for why there is none.
    async fn client(&self, account: &str) -> Result<Rc<GmailClient>, IntentReply> {
        self.store.loaded().await;
        let known = self.store.inbox(|inbox| inbox.account(account).is_some());
        match self.syncer.engine().filter(|_| known) {
            Some(engine) => Ok(engine.client(account)),
            None => Err(crate::i18n::not_started(known)),
        }
    }

    /// A thread's `format=full` JSON, from memory when the inbox row says nothing changed since it was fetched.
    pub async fn thread(&self, account: &str, thread: &str) -> BodyReply {
        let client = match self.client(account).await {
            Ok(client) => client,
            Err(reply) => return BodyReply::failed(reply),
        };
        let stamp = self.store.inbox(|inbox| {
            inbox
                .account(account)?
                .threads
                .iter()
                .find(|r| r.thread_id == thread)
                .map(|r| Stamp {
                    message_count: r.message_count,
                    date_ms: r.date_ms,
                })
        });
        let key = thread_key(thread);
        let cached = self.cache.borrow_mut().get(account, &key, stamp);
        if let Some(json) = cached {
            let names = self.label_names.borrow().get(account).cloned();
            return BodyReply::body(json.to_string(), names.unwrap_or_default());
        }
        let (json, names) = futures::join!(
            gmail_reader::thread_json(&client, thread),
            self.names(&client, account)
        );
        match json {
            Ok(json) => {
                let json: Rc<str> = json.into();
                self.cache
                    .borrow_mut()
                    .put(account, &key, json.clone(), stamp);
                BodyReply::body(json.to_string(), names)
            }
            Err(ReadError::TooLarge(_)) => BodyReply::too_large(),
            Err(ReadError::Gmail(e)) => {
                self.cache.borrow_mut().forget(account, &key);
                BodyReply::failed(IntentReply::failed(
                    e.intent_error(),
                    crate::i18n::reading_failed_words(&e.cause(), false),
                ))
            }
        }
    }

    /// The account's label names, read once; an account whose labels cannot be read shows system labels only.
    async fn names(&self, client: &GmailClient, account: &str) -> BTreeMap<String, String> {
        if let Some(names) = self.label_names.borrow().get(account) {
            return names.clone();
        }
        match gmail_reader::label_names(client).await {
            Ok(names) => {
                self.label_names
                    .borrow_mut()
                    .insert(account.to_string(), names.clone());
                names
            }
            Err(_) => BTreeMap::new(),
        }
    }

    /// An attachment's base64url data.
    pub async fn attachment(&self, account: &str, message: &str, attachment: &str) -> BodyReply {
        let client = match self.client(account).await {
            Ok(client) => client,
            Err(reply) => return BodyReply::failed(reply),
        };
        let key = attachment_key(message, attachment);
        let cached = self.cache.borrow_mut().get(account, &key, None);
        if let Some(data) = cached {
            return BodyReply::body(data.to_string(), BTreeMap::new());
        }
        match gmail_reader::attachment_data(&client, message, attachment).await {
            Ok(data) => {
                let data: Rc<str> = data.into();
                self.cache
                    .borrow_mut()
                    .put(account, &key, data.clone(), None);
                BodyReply::body(data.to_string(), BTreeMap::new())
            }
            Err(e) => BodyReply::failed(IntentReply::failed(
                e.intent_error(),
                crate::i18n::reading_failed_words(&e.cause(), true),
            )),
        }
    }

    /// "Mark unread from here": the thread's row unread at once, the messages marked in Gmail, the row and the
    /// counts settled with Gmail's answer (or restored).
    pub async fn mark_unread_from(
        &self,
        account: &str,
        thread: &str,
        messages: &[String],
    ) -> IntentReply {
        self.store.loaded().await;
        let lock = self.syncer.account_lock(account);
        let _held = lock.lock().await;
        let known = self.store.inbox(|inbox| inbox.account(account).is_some());
        let Some(engine) = self.syncer.engine().filter(|_| known) else {
            return crate::i18n::not_started(known);
        };
        let pending = self
            .store
            .inbox(|inbox| actions::begin(inbox, account, thread, ThreadAction::MarkUnread));
        if pending.changed_store() {
            self.store.persist().await;
        }
        let Some(mut inbox) = self.store.inbox(|store| store.account(account).cloned()) else {
            return crate::i18n::not_started(false);
        };
        let applied = gmail_reader::mark_unread_from(&engine, &mut inbox, thread, messages).await;
        if applied.is_ok() {
            // The kept body's labels say read; the next open fetches the messages' own again.
            self.cache.borrow_mut().forget(account, &thread_key(thread));
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

    /// Changes the reader's settings and saves them.
    pub async fn set(&self, change: ReaderChange) -> IntentReply {
        self.store.loaded().await;
        let mut settings = self.store.settings();
        settings.reader.apply(change);
        match self.store.set_settings(settings).await {
            Ok(()) => IntentReply::ok(),
            Err(e) => IntentReply::failed(
                IntentError::StorageFailed,
                crate::i18n::t_with("settingNotSaved", &[&e.to_string()]),
            ),
        }
    }

    /// Forgets every body, attachment and label name of a removed account, and its image choices.
    pub async fn forget_account(&self, account: &str) {
        self.cache.borrow_mut().forget_account(account);
        self.label_names.borrow_mut().remove(account);
        let mut settings = self.store.settings();
        if settings.reader.images_from.contains_key(account) {
            settings.reader.forget_account(account);
            if let Err(e) = self.store.set_settings(settings).await {
                web_sys::console::warn_1(&wasm_bindgen::JsValue::from_str(&format!(
                    "gmux: the removed account's reader settings could not be saved: {e}"
                )));
            }
        }
    }
}
