//! The background context: owns the one native port to gmux-host, keeps every account's inbox in sync, and
//! answers the pages.
//!
//! background.js registers the event listeners synchronously and forwards each event here once the wasm is
//! initialised; this module keeps the state (the port, pending requests, the store, the sync engine) for as long
//! as the Chrome service worker or the Firefox event page lives. An open native port keeps either alive, and the
//! store in `storage.local` survives a restart, so a fresh background starts from the last good inbox.
//!
//! - [`host`]: the port, the handshake, reconnecting with backoff, requests and events.
//! - [`tokens`]: access tokens from gmux-host, cached in memory only.
//! - [`store`]: the inbox store and the status in `storage.local`, the badge, syncing.
//! - [`intents`]: what the pages ask.

mod host;
mod intents;
mod store;
mod tokens;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use futures::channel::oneshot;
use gmux_core::inbox::InboxStore;
use gmux_core::messages::{HostState, Settings};
use gmux_core::protocol::Account as HostAccount;
use gmux_gmail::SyncEngine;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;

use crate::browser::BrowserError;
use crate::host_client::HostClient;

pub use intents::answer;

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
struct Background {
    client: HostClient,
    port: Option<crate::browser::NativePort>,
    /// `None` until the first connection attempt.
    host: Option<HostState>,
    host_version: Option<String>,
    host_error: Option<String>,
    /// Counts connection attempts, so late callbacks from an old port cannot touch the state of a new one.
    generation: u64,
    /// Failed connection attempts in a row, for the reconnect backoff.
    failed_attempts: u32,
    /// Requests waiting for the handshake to settle.
    settle_waiters: Vec<oneshot::Sender<()>>,
    /// The host's accounts, in the user's order.
    accounts: Vec<HostAccount>,
    /// Whether `accounts` came from the host since the last connection.
    accounts_known: bool,
    store: InboxStore,
    /// Opens once the store and settings were read from `storage.local`.
    loaded: Gate,
    settings: Settings,
    /// Made from the `hello` reply's Gmail base URL.
    engine: Option<Rc<SyncEngine>>,
    /// One lock per account: a sync and an action on the same account never interleave, other accounts never wait.
    account_locks: HashMap<String, Rc<futures::lock::Mutex<()>>>,
    last_sync_ms: Option<u64>,
    /// Syncs under way.
    syncing: u32,
    /// The host's sentence for the last consent that did not finish.
    add_error: Option<String>,
    /// The revision of the last write to `storage.local` (see `gmux_core::messages::REVISION_KEY`).
    revision: u64,
}

thread_local! {
    static STATE: RefCell<Background> = RefCell::new(Background::default());
}

fn with<R>(f: impl FnOnce(&mut Background) -> R) -> R {
    STATE.with(|state| f(&mut state.borrow_mut()))
}

pub fn start() {
    spawn_local(async {
        store::load().await;
        store::ensure_poll_alarm().await;
    });
    host::ensure_connected();
}

/// Events other than messages: `installed` and `startup` (re)connect; the poll alarm syncs every account.
pub fn event(kind: &str) {
    match kind {
        "installed" | "startup" => host::ensure_connected(),
        // A poll that finds a sync under way (a slow account, a sync_now) skips: the next alarm comes soon.
        "alarm:poll" => spawn_local(async {
            if with(|bg| bg.syncing == 0) {
                store::sync_all().await;
            }
        }),
        _ => log(&format!("gmux: background event {kind}")),
    }
}

/// Resolves once the store and settings were read from `storage.local`.
async fn loaded() {
    if let Some(waiter) = with(|bg| bg.loaded.waiter()) {
        let _ = waiter.await;
    }
}

fn log(text: &str) {
    web_sys::console::log_1(&JsValue::from_str(text));
}

fn log_error(what: &str, e: &BrowserError) {
    web_sys::console::warn_1(&JsValue::from_str(&format!("gmux: {what}: {e}")));
}
