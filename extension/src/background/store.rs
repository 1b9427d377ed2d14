//! The inbox store and the status in `storage.local`, the toolbar badge, and syncing.
//!
//! The store lives in memory while the background runs and is written after every sync and action, so the
//! pages (which read storage and listen to `storage.onChanged`) update live. It never holds a token.

use std::rc::Rc;

use futures::lock::Mutex as AsyncMutex;
use gmux_core::inbox::{AccountInbox, InboxStore, SyncHealth};
use gmux_core::messages::{
    next_revision, BackgroundStatus, HostState, Settings, REVISION_KEY, SETTINGS_KEY, STATUS_KEY,
    STORE_KEY,
};
use gmux_core::protocol::{events, Account as HostAccount, AccountStatus, Event};
use gmux_core::view::{badge, Badge};
use serde_json::{json, Value};
use wasm_bindgen_futures::spawn_local;

use super::{host, loaded, log, log_error, with};
use crate::browser;

/// The alarm that polls every account.
pub const POLL_ALARM: &str = "poll";

/// Reads the store and settings once per background start; a fresh background shows the last good inbox.
pub async fn load() {
    let stored = browser::storage_get(&[STORE_KEY, SETTINGS_KEY, REVISION_KEY]).await;
    let waiters = with(|bg| {
        match &stored {
            Ok(items) => {
                bg.revision = items[REVISION_KEY].as_u64().unwrap_or(0);
                bg.store = InboxStore::from_json(items[STORE_KEY].clone());
                bg.settings =
                    serde_json::from_value(items[SETTINGS_KEY].clone()).unwrap_or_default();
            }
            Err(_) => bg.store = InboxStore::default(),
        }
        bg.loaded.open()
    });
    if let Err(e) = stored {
        log_error("the stored inbox could not be read", &e);
    }
    for waiter in waiters {
        let _ = waiter.send(());
    }
    update_badge().await;
}

/// Creates the poll alarm unless it exists with the configured period: re-creating it at every start would
/// postpone it each time the background restarts.
pub async fn ensure_poll_alarm() {
    let minutes = f64::from(with(|bg| bg.settings.poll_minutes).max(1));
    match browser::alarm_period_minutes(POLL_ALARM).await {
        Ok(Some(period)) if (period - minutes).abs() < f64::EPSILON => {}
        _ => set_poll_alarm(minutes).await,
    }
}

async fn set_poll_alarm(minutes: f64) {
    if let Err(e) = browser::create_alarm(POLL_ALARM, minutes).await {
        log_error("the poll alarm could not be set", &e);
    }
}

/// Saves a new polling interval and moves the alarm to it.
pub async fn set_poll_minutes(minutes: u32) -> Result<(), browser::BrowserError> {
    let settings = Settings {
        poll_minutes: minutes.max(1),
    };
    with(|bg| bg.settings = settings);
    write(json!({ SETTINGS_KEY: settings })).await?;
    set_poll_alarm(f64::from(settings.poll_minutes)).await;
    Ok(())
}

/// Puts the host's account list into the store: new accounts get an empty inbox, removed ones are dropped,
/// emails follow the host, the order is the host's, and an account the host marks `reauth_required` shows so
/// at once (keeping its last good inbox).
pub fn reconcile(store: &mut InboxStore, accounts: &[HostAccount]) {
    let mut ordered: Vec<&HostAccount> = accounts.iter().collect();
    ordered.sort_by_key(|a| a.order);
    let mut next = Vec::with_capacity(ordered.len());
    for account in ordered {
        let mut inbox = store
            .account(&account.id)
            .cloned()
            .unwrap_or_else(|| AccountInbox::new(&account.id, &account.email));
        inbox.account.email = account.email.clone();
        if account.status == AccountStatus::ReauthRequired {
            inbox.account.health = SyncHealth::ReauthRequired;
            inbox.account.health_detail = Some(
                "Google no longer accepts this account's sign-in: add the account again.".into(),
            );
        } else if inbox.account.health == SyncHealth::ReauthRequired {
            // Added again: the next sync says how it is.
            inbox.account.health = SyncHealth::Ok;
            inbox.account.health_detail = None;
        }
        next.push(inbox);
    }
    store.accounts = Vec::new();
    for inbox in next {
        store.put_account(inbox);
    }
}

/// The badge for the store and the host's state.
pub fn badge_for(store: &InboxStore, host: Option<&HostState>) -> Badge {
    let reauth = store
        .accounts
        .iter()
        .filter(|a| a.account.health == SyncHealth::ReauthRequired)
        .count();
    let host_missing = matches!(host, Some(HostState::Missing | HostState::Failed));
    badge(
        store.total_unread(),
        store.accounts.len(),
        reauth,
        host_missing,
    )
}

fn status_snapshot() -> BackgroundStatus {
    with(|bg| BackgroundStatus {
        host: bg.host.clone().unwrap_or_default(),
        host_version: bg.host_version.clone(),
        host_error: bg.host_error.clone(),
        accounts: bg.accounts.clone(),
        last_sync_ms: bg.last_sync_ms,
        syncing: bg.syncing > 0,
        add_error: bg.add_error.clone(),
    })
}

/// The status as the pages get it in answer to `{"type": "status"}`. `version` and `error` repeat
/// `host_version` and `host_error` for pages built before [`BackgroundStatus`].
pub fn status_reply() -> Value {
    let status = status_snapshot();
    let mut value = serde_json::to_value(&status).unwrap_or_else(|_| json!({}));
    // The page applies the answer only when it is no older than what it already drew from storage.
    value[REVISION_KEY] = json!(with(|bg| bg.revision));
    value["version"] = json!(status.host_version);
    value["error"] = json!(status.host_error);
    value
}

/// Writes `items` into `storage.local` with the next revision. Every write of the background goes through here,
/// after the stored revision was read, so revisions only grow and a page can skip what it has already applied.
async fn write(mut items: Value) -> Result<(), browser::BrowserError> {
    loaded().await;
    let revision = with(|bg| {
        bg.revision = next_revision(bg.revision, js_sys::Date::now() as u64);
        bg.revision
    });
    items[REVISION_KEY] = json!(revision);
    browser::storage_set(&items).await
}

/// Writes the status and sets the badge.
pub async fn persist_status() {
    let status = status_snapshot();
    if let Err(e) = write(json!({ STATUS_KEY: status })).await {
        log_error("the status could not be saved", &e);
    }
    update_badge().await;
}

/// Writes the store and the status, and sets the badge.
pub async fn persist() {
    let store = with(|bg| bg.store.clone());
    if let Err(e) = write(json!({ STORE_KEY: store })).await {
        log_error("the inbox could not be saved", &e);
    }
    persist_status().await;
}

async fn update_badge() {
    // Until the stored inbox is read, the badge the browser kept from before a restart is the better one.
    let Some(badge) = with(|bg| {
        bg.loaded
            .open
            .then(|| badge_for(&bg.store, bg.host.as_ref()))
    }) else {
        return;
    };
    if let Err(e) = browser::set_badge(&badge.text, badge.color).await {
        log_error("the badge could not be set", &e);
    }
    if let Err(e) = browser::set_badge_title(&badge.title).await {
        log_error("the toolbar title could not be set", &e);
    }
}

pub fn account_lock(account: &str) -> Rc<AsyncMutex<()>> {
    with(|bg| {
        bg.account_locks
            .entry(account.to_string())
            .or_insert_with(|| Rc::new(AsyncMutex::new(())))
            .clone()
    })
}

/// Reads the host's account list into the status and the store.
pub async fn refresh_accounts() -> Result<(), crate::host_client::RequestError> {
    let result = host::request("accounts.list", json!({})).await?;
    let accounts: Vec<HostAccount> =
        serde_json::from_value(result["accounts"].clone()).unwrap_or_default();
    loaded().await;
    with(|bg| {
        reconcile(&mut bg.store, &accounts);
        bg.accounts = accounts;
        bg.accounts_known = true;
    });
    persist().await;
    Ok(())
}

/// After every successful handshake: the account list, then a sync of every account.
pub async fn after_connect() {
    match refresh_accounts().await {
        Ok(()) => sync_all().await,
        Err(e) => log(&format!("gmux: the account list could not be read: {e}")),
    }
}

/// Syncs every account at once; one failing or slow account never holds up the others, and each one's result
/// is saved as soon as it is in.
pub async fn sync_all() {
    let up = host::settled().await;
    // The status was saved when the host's state last changed; there is nothing new to write.
    if !up || with(|bg| bg.host != Some(HostState::Connected)) {
        return;
    }
    if !with(|bg| bg.accounts_known) {
        if let Err(e) = refresh_accounts().await {
            log(&format!("gmux: the account list could not be read: {e}"));
            return;
        }
    }
    let ids: Vec<String> = with(|bg| {
        bg.store
            .accounts
            .iter()
            .map(|a| a.account.id.clone())
            .collect()
    });
    with(|bg| bg.syncing += 1);
    persist_status().await;
    futures::future::join_all(ids.iter().map(|id| sync_account(id))).await;
    with(|bg| {
        bg.syncing = bg.syncing.saturating_sub(1);
        bg.last_sync_ms = Some(js_sys::Date::now() as u64);
    });
    persist_status().await;
}

/// Syncs one account under its lock and saves the result. A failed sync keeps the last good rows; the engine
/// records the account's health (reauth_required, offline with the last good time, failing).
pub async fn sync_account(id: &str) {
    let lock = account_lock(id);
    let _held = lock.lock().await;
    let Some(engine) = with(|bg| bg.engine.clone()) else {
        return;
    };
    let Some(mut inbox) = with(|bg| bg.store.account(id).cloned()) else {
        return;
    };
    if let Err(e) = engine.sync_account(&mut inbox).await {
        log(&format!(
            "gmux: syncing {} failed: {e}",
            inbox.account.email
        ));
    }
    let kept = with(|bg| {
        // The account may have been removed while it synced.
        let present = bg.store.account(id).is_some();
        if present {
            bg.store.put_account(inbox);
        }
        present
    });
    if kept {
        persist().await;
    }
}

/// The host's events: a finished consent adds (or re-adds) an account, which is synced at once.
pub fn on_host_event(event: Event) {
    match event.event.as_str() {
        events::ACCOUNTS_ADDED => {
            let id = event.data["account"]["id"].as_str().map(str::to_string);
            with(|bg| bg.add_error = None);
            spawn_local(async move {
                if let Err(e) = refresh_accounts().await {
                    log(&format!("gmux: the account list could not be read: {e}"));
                    return;
                }
                if let Some(id) = id {
                    sync_account(&id).await;
                }
            });
        }
        events::ACCOUNTS_ADD_FAILED => {
            let message = event.data["message"].as_str().unwrap_or_default();
            log(&format!(
                "gmux: adding an account failed: {message} ({})",
                event.data["code"].as_str().unwrap_or_default()
            ));
            // The pages show it: the person who clicked Add account is waiting for an answer.
            let shown = if message.is_empty() {
                "Google sign-in did not finish; try again".to_string()
            } else {
                message.to_string()
            };
            with(|bg| bg.add_error = Some(shown));
            spawn_local(persist_status());
        }
        other => log(&format!("gmux: event from gmux-host: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gmux_core::inbox::ThreadRow;

    fn host_account(id: &str, email: &str, order: u32, status: AccountStatus) -> HostAccount {
        HostAccount {
            id: id.into(),
            email: email.into(),
            color: "#1a73e8".into(),
            order,
            status,
            scopes: vec![],
            status_detail: None,
        }
    }

    fn inbox_with(id: &str, unread: u64, threads: usize) -> AccountInbox {
        let mut inbox = AccountInbox::new(id, &format!("{id}@old.example"));
        inbox.account.counts.threads_unread = unread;
        inbox.threads = (0..threads)
            .map(|n| ThreadRow {
                account_id: id.into(),
                thread_id: format!("{n:016x}"),
                label_ids: vec!["INBOX".into()],
                ..Default::default()
            })
            .collect();
        inbox.history_id = Some("42".into());
        inbox
    }

    #[test]
    fn reconcile_follows_the_hosts_accounts_and_keeps_known_inboxes() {
        let mut store = InboxStore::default();
        store.put_account(inbox_with("a", 3, 2));
        store.put_account(inbox_with("gone", 7, 1));
        let accounts = [
            host_account("new", "new@x.org", 1, AccountStatus::Ok),
            host_account("a", "a@x.org", 0, AccountStatus::Ok),
        ];
        reconcile(&mut store, &accounts);
        let ids: Vec<&str> = store
            .accounts
            .iter()
            .map(|a| a.account.id.as_str())
            .collect();
        assert_eq!(ids, ["a", "new"]);
        let a = store.account("a").unwrap();
        assert_eq!((a.account.email.as_str(), a.threads.len()), ("a@x.org", 2));
        assert_eq!(a.history_id.as_deref(), Some("42"));
        let new = store.account("new").unwrap();
        assert!(new.threads.is_empty() && new.history_id.is_none());
        assert_eq!(store.total_unread(), 3);
    }

    #[test]
    fn reconcile_marks_and_clears_reauth_from_the_host() {
        let mut store = InboxStore::default();
        store.put_account(inbox_with("a", 3, 2));
        reconcile(
            &mut store,
            &[host_account(
                "a",
                "a@x.org",
                0,
                AccountStatus::ReauthRequired,
            )],
        );
        let a = &store.account("a").unwrap().account;
        assert_eq!(a.health, SyncHealth::ReauthRequired);
        assert_eq!(
            store.account("a").unwrap().threads.len(),
            2,
            "the last good inbox stays"
        );
        reconcile(
            &mut store,
            &[host_account("a", "a@x.org", 0, AccountStatus::Ok)],
        );
        assert_eq!(store.account("a").unwrap().account.health, SyncHealth::Ok);
    }

    #[test]
    fn the_badge_sums_unread_and_flags_reauth_and_a_missing_host() {
        let mut store = InboxStore::default();
        store.put_account(inbox_with("a", 3, 0));
        store.put_account(inbox_with("b", 4, 0));
        let connected = Some(&HostState::Connected);
        assert_eq!(badge_for(&store, connected).text, "7");
        assert_eq!(badge_for(&store, Some(&HostState::Missing)).text, "!");
        assert_eq!(badge_for(&store, Some(&HostState::Failed)).text, "!");
        assert_eq!(badge_for(&InboxStore::default(), connected).text, "");
        if let Some(b) = store.account_mut("b") {
            b.account.health = SyncHealth::ReauthRequired;
        }
        let flagged = badge_for(&store, connected);
        assert_eq!(flagged.text, "!");
        assert!(flagged.title.contains("reconnected"), "{}", flagged.title);
    }

    #[test]
    fn the_status_reply_carries_no_secret_and_the_old_field_names() {
        let reply = status_reply();
        assert!(reply.get("version").is_some() && reply.get("error").is_some());
        assert_eq!(reply["host"], json!("connecting"));
    }
}
