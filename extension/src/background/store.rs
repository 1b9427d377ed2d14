//! What the background knows, and its copy in `storage.local`: the inbox, the status, the settings, the recent
//! searches, the ids of the messages already notified, and the revision every write carries (so a page can tell a
//! change it has not seen); the toolbar badge drawn from them.
//! Calls only the browser.

use std::cell::RefCell;

use futures::channel::oneshot;
use gmux_core::head::{screen_key, store_head, HEAD_ROWS};
use gmux_core::icon::{self, IconShown};
use gmux_core::inbox::InboxStore;
use gmux_core::listing::RecentSearches;
use gmux_core::messages::{
    next_revision, Settings, HEAD_KEY, NOTIFIED_KEY, OFFLINE_KEY, RECENT_SEARCHES_KEY,
    REVISION_KEY, SCREEN_KEY, SETTINGS_KEY, SNOOZES_KEY, STATUS_KEY, STORE_KEY,
};
use gmux_core::notify::NotifiedLog;
use gmux_core::offline::OfflineQueue;
use gmux_core::status::Status;
use gmux_core::triage::Snoozes;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;

use crate::browser::{self, BrowserError};
use crate::i18n::{t, t_with};

/// Opens once and lets everyone waiting through; later waits pass at once.
#[derive(Default)]
struct Gate {
    open: bool,
    waiters: Vec<oneshot::Sender<()>>,
}

impl Gate {
    fn waiter(&mut self) -> Option<oneshot::Receiver<()>> {
        if self.open {
            return None;
        }
        let (sender, receiver) = oneshot::channel();
        self.waiters.push(sender);
        Some(receiver)
    }

    fn open(&mut self) -> Vec<oneshot::Sender<()>> {
        self.open = true;
        std::mem::take(&mut self.waiters)
    }
}

#[derive(Default)]
struct Inner {
    inbox: InboxStore,
    status: Status,
    settings: Settings,
    recent_searches: RecentSearches,
    /// The messages already notified, kept across restarts so a replayed poll notifies nothing twice.
    notified: NotifiedLog,
    /// The snoozed conversations, kept across restarts so a snooze whose time passed fires at the next start.
    snoozes: Snoozes,
    /// The actions waiting for Gmail, kept across restarts (ids, labels and times only); written with the inbox,
    /// whose rows show them.
    offline: OfflineQueue,
    /// The revision of the last write to `storage.local`.
    revision: u64,
    /// Opens once the stored inbox, settings and revision were read.
    loaded: Gate,
    /// The icon last set on the toolbar button, drawn again only when its accounts change.
    icon: Option<IconShown>,
}

#[derive(Default)]
pub struct Store {
    inner: RefCell<Inner>,
}

impl Store {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        f(&mut self.inner.borrow_mut())
    }

    /// Reads the stored inbox, settings and revision once per background start, so a fresh background shows the
    /// last good inbox and its writes carry revisions larger than any before.
    pub async fn load(&self) {
        let stored = browser::storage_get(&[
            STORE_KEY,
            SETTINGS_KEY,
            REVISION_KEY,
            RECENT_SEARCHES_KEY,
            NOTIFIED_KEY,
            SNOOZES_KEY,
            OFFLINE_KEY,
        ])
        .await;
        let waiters = self.with(|inner| {
            if let Ok(items) = &stored {
                inner.revision = items[REVISION_KEY].as_u64().unwrap_or(0);
                inner.inbox = InboxStore::from_json(items[STORE_KEY].clone());
                inner.settings =
                    serde_json::from_value(items[SETTINGS_KEY].clone()).unwrap_or_default();
                inner.recent_searches =
                    serde_json::from_value(items[RECENT_SEARCHES_KEY].clone()).unwrap_or_default();
                inner.notified = NotifiedLog::from_json(items[NOTIFIED_KEY].clone());
                inner.snoozes =
                    serde_json::from_value(items[SNOOZES_KEY].clone()).unwrap_or_default();
                inner.offline = OfflineQueue::from_json(items[OFFLINE_KEY].clone());
                inner.status.offline.follow(&inner.offline);
            }
            inner.loaded.open()
        });
        if let Err(e) = stored {
            log_error("the stored inbox could not be read", &e);
        }
        for waiter in waiters {
            let _ = waiter.send(());
        }
        self.update_badge().await;
    }

    /// Resolves once [`Store::load`] has read storage.
    pub async fn loaded(&self) {
        if let Some(waiter) = self.with(|inner| inner.loaded.waiter()) {
            let _ = waiter.await;
        }
    }

    /// Reads or changes the inbox.
    pub fn inbox<R>(&self, f: impl FnOnce(&mut InboxStore) -> R) -> R {
        self.with(|inner| f(&mut inner.inbox))
    }

    /// Reads or changes the status.
    pub fn status<R>(&self, f: impl FnOnce(&mut Status) -> R) -> R {
        self.with(|inner| f(&mut inner.status))
    }

    pub fn settings(&self) -> Settings {
        self.with(|inner| inner.settings.clone())
    }

    /// The status as a page asking for it gets it: with the revision of the last write, so a page that already
    /// drew something newer from storage keeps that.
    pub fn status_reply(&self) -> Status {
        self.with(|inner| Status {
            revision: Some(inner.revision),
            ..inner.status.clone()
        })
    }

    /// Writes `items` into `storage.local` with the next revision. Every write of the background goes through
    /// here, after the stored revision was read, so revisions only grow.
    async fn write(&self, items: Value) -> Result<(), BrowserError> {
        self.write_and_head(items, false).await
    }

    /// `write`, and with `head_too` the inbox's head as well (`HEAD_KEY`, for a write of the inbox or the
    /// settings): the head the first screen's key is computed from is cut once, and is the one written.
    async fn write_and_head(&self, mut items: Value, head_too: bool) -> Result<(), BrowserError> {
        self.loaded().await;
        let (revision, screen, head) = self.with(|inner| {
            inner.revision = next_revision(inner.revision, js_sys::Date::now() as u64);
            let head = store_head(&inner.inbox, &inner.settings, HEAD_ROWS);
            // Serialised first: the key takes the head and clears its sync times.
            let written = head_too.then(|| json!(head));
            let screen = screen_key(head, &inner.settings, &inner.status);
            (inner.revision, screen, written)
        });
        if let Some(head) = head {
            items[HEAD_KEY] = head;
        }
        items[REVISION_KEY] = json!(revision);
        // What a page's first screen is drawn from (a page saves its first screen under it).
        items[SCREEN_KEY] = json!(screen);
        let written = browser::storage_set(&items).await;
        if written.is_ok() {
            mirror_screen_key(&screen);
        }
        written
    }

    /// Writes the status and sets the badge.
    pub async fn persist_status(&self) {
        let status = self.with(|inner| inner.status.clone());
        if let Err(e) = self.write(json!({ STATUS_KEY: status })).await {
            log_error("the status could not be saved", &e);
        }
        self.update_badge().await;
    }

    /// Writes the inbox with its head, the status and the actions waiting for Gmail in one write (so the rows,
    /// the head a page draws first and the queue that changed them never disagree in storage), and sets the
    /// badge.
    pub async fn persist(&self) {
        // Loaded first, so `write_and_head` cuts the head from this same inbox without waiting in between.
        self.loaded().await;
        let (inbox, status, offline) = self.with(|inner| {
            inner.status.offline.follow(&inner.offline);
            (
                inner.inbox.clone(),
                inner.status.clone(),
                inner.offline.clone(),
            )
        });
        if let Err(e) = self
            .write_and_head(
                json!({
                    STORE_KEY: inbox,
                    STATUS_KEY: status,
                    OFFLINE_KEY: offline,
                }),
                true,
            )
            .await
        {
            log_error("the inbox could not be saved", &e);
        }
        self.update_badge().await;
    }

    /// Saves new settings with the store's head cut for them (Primary only changes which rows a page shows
    /// first), and sets the badge (and what it counts).
    pub async fn set_settings(&self, settings: Settings) -> Result<(), BrowserError> {
        self.with(|inner| inner.settings = settings.clone());
        let written = self
            .write_and_head(json!({ SETTINGS_KEY: settings }), true)
            .await;
        self.update_badge().await;
        written
    }

    /// The recent searches, once storage was read.
    pub async fn recent_searches(&self) -> RecentSearches {
        self.loaded().await;
        self.with(|inner| inner.recent_searches.clone())
    }

    /// Saves the recent searches.
    pub async fn set_recent_searches(&self, recent: RecentSearches) -> Result<(), BrowserError> {
        self.with(|inner| inner.recent_searches = recent.clone());
        self.write(json!({ RECENT_SEARCHES_KEY: recent })).await
    }

    /// Changes the settings in place (after the stored ones were read) and saves them.
    pub async fn change_settings(
        &self,
        change: impl FnOnce(&mut Settings),
    ) -> Result<Settings, BrowserError> {
        self.loaded().await;
        let settings = self.with(|inner| {
            change(&mut inner.settings);
            inner.settings.clone()
        });
        self.write(json!({ SETTINGS_KEY: settings })).await?;
        // Primary only changes what the badge counts.
        self.update_badge().await;
        Ok(settings)
    }

    /// Reads or changes the log of notified messages (call after [`Store::loaded`]).
    pub fn notified<R>(&self, f: impl FnOnce(&mut NotifiedLog) -> R) -> R {
        self.with(|inner| f(&mut inner.notified))
    }

    /// Writes the log of notified messages.
    pub async fn persist_notified(&self) -> Result<(), BrowserError> {
        let log = self.with(|inner| inner.notified.clone());
        self.write(json!({ NOTIFIED_KEY: log })).await
    }

    /// Reads or changes the snoozed conversations (saved with [`Store::persist_snoozes`]).
    pub fn snoozes<R>(&self, f: impl FnOnce(&mut Snoozes) -> R) -> R {
        self.with(|inner| f(&mut inner.snoozes))
    }

    /// Saves the snoozed conversations.
    pub async fn persist_snoozes(&self) {
        let snoozes = self.with(|inner| inner.snoozes.clone());
        if let Err(e) = self.write(json!({ SNOOZES_KEY: snoozes })).await {
            log_error("the snoozed conversations could not be saved", &e);
        }
    }

    /// Reads or changes the actions waiting for Gmail (saved with [`Store::persist`]).
    pub fn offline<R>(&self, f: impl FnOnce(&mut OfflineQueue) -> R) -> R {
        self.with(|inner| f(&mut inner.offline))
    }

    async fn update_badge(&self) {
        // Until the stored inbox is read, the badge the browser kept from before a restart is the better one.
        let Some((toolbar, host)) = self.with(|inner| {
            inner.loaded.open.then(|| {
                (
                    icon::toolbar(&inner.inbox, &inner.status, &inner.settings),
                    inner.status.host,
                )
            })
        }) else {
            return;
        };
        let badge = &toolbar.badge;
        if let Err(e) = browser::set_badge(&badge.text, badge.color).await {
            log_error("the badge could not be set", &e);
        }
        if let Err(e) = browser::set_badge_title(&toolbar_title(host, &toolbar.accounts)).await {
            log_error("the toolbar title could not be set", &e);
        }
        let unchanged = self.with(|inner| {
            inner
                .icon
                .as_ref()
                .is_some_and(|shown| shown.accounts == toolbar.accounts)
        });
        if unchanged {
            return;
        }
        let images: Vec<(u32, Vec<u8>)> = icon::TOOLBAR_SIZES
            .iter()
            .map(|&size| (size, icon::render(size, &toolbar.accounts)))
            .collect();
        match browser::set_icon(&images).await {
            Ok(()) => self.with(|inner| {
                inner.icon = Some(IconShown {
                    accounts: toolbar.accounts,
                    images,
                })
            }),
            Err(e) => log_error("the toolbar icon could not be set", &e),
        }
    }

    /// The icon last set on the toolbar button (for a test build's check).
    pub fn icon_shown(&self) -> Option<IconShown> {
        self.with(|inner| inner.icon.clone())
    }
}

fn log_error(what: &str, e: &BrowserError) {
    web_sys::console::warn_1(&JsValue::from_str(&format!("gmux: {what}: {e}")));
}

/// The toolbar button's tooltip in the browser's language, for the same cases as core's `icon::toolbar`: what
/// is wrong with gmux-host, or every account with its unread count and whether it needs reconnecting.
fn toolbar_title(host: gmux_core::status::HostState, accounts: &[icon::IconAccount]) -> String {
    use gmux_core::status::HostState;
    match host {
        HostState::Missing => return t("toolbarHostMissing"),
        HostState::Failed => return t("toolbarHostFailed"),
        HostState::Untrusted => return t("toolbarHostUntrusted"),
        HostState::Connecting | HostState::Connected | HostState::NotConfigured => {}
    }
    if accounts.is_empty() {
        return t("toolbarNoAccounts");
    }
    let mut lines = vec!["gmux".to_string()];
    for a in accounts {
        let email = gmux_core::text::display_text(&a.email);
        let count = crate::i18n::number(a.unread);
        lines.push(match (a.needs_reconnect, a.unread) {
            (false, 0) => t_with("toolbarAccountNone", &[&email]),
            (false, 1) => t_with("toolbarAccountOne", &[&email]),
            (false, _) => t_with("toolbarAccountMany", &[&email, &count]),
            (true, _) => t_with("toolbarAccountReconnect", &[&email, &count]),
        });
    }
    lines.join("\n")
}

/// Where the background is a page with a window (Firefox's event page; Chrome's service worker has none), the
/// first screen's key also goes into `localStorage`, which early.js reads at once: a page there shows its first
/// screen before its first paint when the key matches, instead of after storage's answer. Written after the
/// storage write, so it is never ahead of what storage holds.
fn mirror_screen_key(screen: &str) {
    let local = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    // A mirror that failed (storage full, disabled) only sends a page back to storage's answer.
    if let Some(local) = local {
        let _ = local.set_item(SCREEN_KEY_MIRROR, screen);
    }
}

/// The `localStorage` key of the mirror (read by `early.js`).
const SCREEN_KEY_MIRROR: &str = "gmux.screenKey";
