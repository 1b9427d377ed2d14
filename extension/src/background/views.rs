//! Views beyond the stored inbox, for the pages: one page of any view of one account ([`Intent::ListPage`]),
//! every account's labels ([`Intent::Labels`]), the recent searches and the Primary-only setting.
//!
//! The page holds the list (`gmux_core::views::ViewSession`); this file only fetches. A page asks for each
//! account's page with its own runtime message and gets it back as soon as that account's answer is in, so a
//! search on every account at once shows each account as it arrives. Runtime messages rather than a port: the
//! per-account progress comes from independent replies for free, nothing here has to track which page follows
//! what, and a popup closed mid-search leaves nothing behind (the browser drops the replies).
//!
//! What was fetched is kept in memory, not in `storage.local` (the stored inbox stays the fast default): pages for
//! [`PAGE_MEMORY_MS`] while the account's history id is unchanged (a sync that found changes moves it), so a
//! popup reopened on a label shows it at once; labels for as long. An action on an account forgets its pages.
//!
//! [`Intent::ListPage`]: gmux_core::messages::Intent::ListPage
//! [`Intent::Labels`]: gmux_core::messages::Intent::Labels

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use gmux_core::listing::{LabelInfo, RecentSearches, View};
use gmux_core::messages::{IntentError, IntentReply};
use gmux_core::views::{labels_reply, LabelsFailure, LabelsReply, PageReply};
use gmux_gmail::listing::{list_labels, load_view_page, ListError, LIST_PAGE_SIZE};

use super::host::HostPort;
use super::store::Store;
use super::sync::Syncer;

/// How long a fetched page or label list is kept: long enough for a popup closed and opened again, short
/// enough that a change made elsewhere shows within minutes.
pub const PAGE_MEMORY_MS: u64 = 5 * 60_000;

/// The most pages kept at once (a page of 50 rows is some 20 KB).
const MAX_PAGES_KEPT: usize = 200;

/// `(account, the view as JSON, page token)`.
type PageKey = (String, String, String);

struct KeptPage {
    at_ms: u64,
    /// The account's history id when it was fetched: a different one means the mailbox changed.
    history_id: Option<String>,
    reply: PageReply,
}

pub struct Views {
    port: Rc<HostPort>,
    store: Rc<Store>,
    syncer: Rc<Syncer>,
    pages: RefCell<HashMap<PageKey, KeptPage>>,
    labels: RefCell<HashMap<String, (u64, Vec<LabelInfo>)>>,
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

impl Views {
    pub fn new(port: Rc<HostPort>, store: Rc<Store>, syncer: Rc<Syncer>) -> Views {
        Views {
            port,
            store,
            syncer,
            pages: RefCell::new(HashMap::new()),
            labels: RefCell::new(HashMap::new()),
        }
    }

    /// The account's history id, or `None` when the store does not know the account (removed).
    fn history_of(&self, account: &str) -> Option<Option<String>> {
        self.store
            .inbox(|inbox| inbox.account(account).map(|a| a.history_id.clone()))
    }

    /// One page of `view` for `account`: from memory when fetched lately and the mailbox has not changed since,
    /// else from Gmail.
    pub async fn page(
        &self,
        account: &str,
        view: &View,
        page_token: Option<&str>,
        fresh: bool,
    ) -> PageReply {
        self.store.loaded().await;
        if !self.port.settled().await {
            return PageReply::failed(
                IntentError::HostUnavailable,
                "gmux-host is not connected: open the gmux popup to see what to do.",
            );
        }
        let Some(history_id) = self.history_of(account) else {
            return gone();
        };
        let Some(engine) = self.syncer.engine() else {
            return PageReply::failed(
                IntentError::HostUnavailable,
                "gmux-host has not connected yet: try again in a moment.",
            );
        };
        let key = (
            account.to_string(),
            serde_json::to_string(view).unwrap_or_default(),
            page_token.unwrap_or_default().to_string(),
        );
        let now = now_ms();
        if !fresh {
            let kept = self.pages.borrow().get(&key).and_then(|kept| {
                (now.saturating_sub(kept.at_ms) < PAGE_MEMORY_MS && kept.history_id == history_id)
                    .then(|| kept.reply.clone())
            });
            if let Some(reply) = kept {
                return reply;
            }
        }
        let client = engine.client(account);
        let reply = match load_view_page(&client, view, page_token, LIST_PAGE_SIZE).await {
            Ok(page) => PageReply::page(page.rows, page.next_page_token),
            // A refused search carries Gmail's reason alone: the page says it inside its own words.
            Err(ListError::BadQuery(reason)) => {
                return PageReply::failed(IntentError::BadQuery, reason.trim())
            }
            Err(e) => {
                let words = match (&e, e.cause()) {
                    (_, Some(cause)) => crate::i18n::cause_words(&cause, false),
                    (ListError::PageTokenExpired(_), None) => crate::i18n::t("listStartsAgain"),
                    _ => crate::i18n::t("labelNoLongerInGmail"),
                };
                return PageReply::failed(e.intent_error(), words);
            }
        };
        // Removed while Gmail answered: the page drops it from the list.
        if self.history_of(account).is_none() {
            return gone();
        }
        let mut pages = self.pages.borrow_mut();
        pages.retain(|_, kept| now.saturating_sub(kept.at_ms) < PAGE_MEMORY_MS);
        if pages.len() >= MAX_PAGES_KEPT {
            if let Some(oldest) = pages
                .iter()
                .min_by_key(|(_, kept)| kept.at_ms)
                .map(|(k, _)| k.clone())
            {
                pages.remove(&oldest);
            }
        }
        pages.insert(
            key,
            KeptPage {
                at_ms: now,
                history_id,
                reply: reply.clone(),
            },
        );
        reply
    }

    /// Forgets what was fetched for an account: an action changed it, so a view reopened must ask Gmail.
    pub fn forget_account(&self, account: &str) {
        self.pages.borrow_mut().retain(|(a, _, _), _| a != account);
    }

    /// Forgets every page and label list kept: the user asked for a refresh, so nothing shown next may be older
    /// than the request.
    pub fn forget_all(&self) {
        self.pages.borrow_mut().clear();
        self.labels.borrow_mut().clear();
    }

    /// The label picker's lines for every account: each account's labels with their colours (`labels.list`, 1
    /// request and 1 unit per account, all at once), merged into one tree; an account that failed is named with
    /// why.
    pub async fn labels(&self, fresh: bool) -> LabelsReply {
        self.store.loaded().await;
        if !self.port.settled().await {
            return LabelsReply {
                error: Some(
                    "gmux-host is not connected: open the gmux popup to see what to do.".into(),
                ),
                ..Default::default()
            };
        }
        let Some(engine) = self.syncer.engine() else {
            return LabelsReply {
                error: Some("gmux-host has not connected yet: try again in a moment.".into()),
                ..Default::default()
            };
        };
        let accounts: Vec<(String, String)> = self.store.inbox(|inbox| {
            inbox
                .accounts
                .iter()
                .map(|a| (a.account.id.clone(), a.account.email.clone()))
                .collect()
        });
        let now = now_ms();
        let one = |account: String| {
            let engine = engine.clone();
            async move {
                let kept = (!fresh)
                    .then(|| {
                        self.labels.borrow().get(&account).and_then(|(at, labels)| {
                            (now.saturating_sub(*at) < PAGE_MEMORY_MS).then(|| labels.clone())
                        })
                    })
                    .flatten();
                if let Some(labels) = kept {
                    return Ok(labels);
                }
                let labels = list_labels(&engine.client(&account)).await?;
                self.labels
                    .borrow_mut()
                    .insert(account, (now, labels.clone()));
                Ok::<_, gmux_gmail::GmailError>(labels)
            }
        };
        let answers =
            futures::future::join_all(accounts.iter().map(|(id, _)| one(id.clone()))).await;
        let mut read: Vec<(&str, Vec<LabelInfo>)> = Vec::new();
        let mut failures = Vec::new();
        for ((id, email), answer) in accounts.iter().zip(answers) {
            match answer {
                Ok(labels) => read.push((id.as_str(), labels)),
                Err(e) => failures.push(LabelsFailure {
                    email: email.clone(),
                    sentence: crate::i18n::cause_words(&e.cause(), false),
                }),
            }
        }
        let borrowed: Vec<(&str, &[LabelInfo])> =
            read.iter().map(|(a, l)| (*a, l.as_slice())).collect();
        labels_reply(&borrowed, failures)
    }

    /// Keeps a search among the recent ones (in `storage.local`, where the page's search box reads them).
    pub async fn remember_search(&self, query: &str) -> IntentReply {
        self.change_recent(|recent| recent.add(query)).await
    }

    pub async fn clear_searches(&self) -> IntentReply {
        self.change_recent(RecentSearches::clear).await
    }

    async fn change_recent(&self, change: impl FnOnce(&mut RecentSearches)) -> IntentReply {
        let mut recent = self.store.recent_searches().await;
        change(&mut recent);
        match self.store.set_recent_searches(recent).await {
            Ok(()) => IntentReply::ok(),
            Err(e) => IntentReply::failed(
                IntentError::StorageFailed,
                crate::i18n::t_with("recentSearchesNotSaved", &[&e.to_string()]),
            ),
        }
    }
}

fn gone() -> PageReply {
    PageReply::failed(
        IntentError::AccountUnknown,
        "gmux knows no such account: it was removed.",
    )
}
