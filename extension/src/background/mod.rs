//! The background context: owns the one native port to gmux-host, keeps every account's inbox in sync, and
//! answers the pages.
//!
//! background.js registers the event listeners synchronously and forwards each event here once the wasm is
//! initialised; the pieces below live as long as the Chrome service worker or the Firefox event page does. An
//! open native port keeps either alive, and the store in `storage.local` survives a restart, so a fresh
//! background starts from the last good inbox.
//!
//! The pieces, each calling only those listed after it:
//! - [`intents`]: what the pages ask.
//! - [`triage`]: actions on a selection across accounts and the undo of the last one (issue 18).
//! - [`compose`]: messages being written (in memory until Gmail has them as drafts), sent after the undo
//!   window.
//! - [`views`]: lists beyond the stored inbox, fetched on demand for the pages and kept in memory; labels;
//!   recent searches; Primary only.
//! - [`reader`]: conversations' bodies and attachments for the pages, in memory only.
//! - [`notify`]: desktop notifications for each poll's new mail, their clicks and buttons, their settings.
//! - [`offline`]: actions taken while Gmail cannot be reached, replayed when it answers again (issue 22).
//! - [`presence`]: which pages are open and in view, and the faster poll while one is.
//! - [`sync`]: the Gmail engine, per-account locks, the host's account list reconciled into the store, a user's
//!   action on one thread.
//! - [`tokens`]: access tokens from gmux-host, cached in memory only.
//! - [`host`]: the native port, the handshake, reconnecting; what happens on it comes out as a
//!   [`host::PortEvent`].
//! - [`store`]: the inbox, status and settings, their copy in `storage.local`, the badge.
//! - [`alarms`]: the poll alarm.
//!
//! This file builds them and routes the port's events and the browser's to them, from top to bottom. The
//! decisions (the host's state after a hello or a closed port, reconciling accounts, the badge, an action shown
//! at once and rolled back, what a failure tells the user) live in gmux-core and gmux-gmail, tested natively.

mod alarms;
mod compose;
mod host;
mod intents;
mod notify;
mod offline;
mod presence;
mod reader;
mod store;
mod sync;
mod tokens;
mod triage;
mod views;

use std::cell::RefCell;
use std::rc::Rc;

use gmux_core::messages::Intent;
use gmux_core::protocol::{AccountsAddFailed, AccountsAdded, Event};
use gmux_core::status::HostState;
use gmux_core::trust;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;

use crate::browser::{self, BrowserError};
use host::{HostPort, PortEvent};
use intents::{Answer, Intents};
use notify::Notifier;
use presence::Presence;
use store::Store;
use sync::Syncer;

struct Background {
    port: Rc<HostPort>,
    store: Rc<Store>,
    syncer: Rc<Syncer>,
    intents: Intents,
    notifier: Rc<Notifier>,
    presence: Rc<Presence>,
}

thread_local! {
    static BACKGROUND: RefCell<Option<Rc<Background>>> = const { RefCell::new(None) };
}

fn background() -> Option<Rc<Background>> {
    BACKGROUND.with(|b| b.borrow().clone())
}

pub fn start() {
    let store = Rc::new(Store::default());
    let port = HostPort::new(on_port_event);
    let syncer = Rc::new(Syncer::new(port.clone(), store.clone()));
    let views = Rc::new(views::Views::new(
        port.clone(),
        store.clone(),
        syncer.clone(),
    ));
    let reader = Rc::new(reader::Reader::new(store.clone(), syncer.clone()));
    let notifier = Rc::new(Notifier::new(store.clone(), syncer.clone()));
    let polled = notifier.clone();
    syncer.on_polled(Rc::new(move |poll| {
        let notifier = polled.clone();
        Box::pin(async move { notifier.after_poll(poll).await })
    }));
    let offline = Rc::new(offline::Offline::new(store.clone(), syncer.clone()));
    let answered = offline.clone();
    syncer.on_answered(Rc::new(move |account| {
        let offline = answered.clone();
        Box::pin(async move { offline.gmail_answered(&account).await })
    }));
    let presence = Presence::new(store.clone(), syncer.clone());
    let triage = Rc::new(triage::Triage::new(
        port.clone(),
        store.clone(),
        syncer.clone(),
        views.clone(),
    ));
    let composer = Rc::new(compose::Composer::new(
        store.clone(),
        syncer.clone(),
        reader.clone(),
    ));
    let intents = Intents {
        port: port.clone(),
        store: store.clone(),
        syncer: syncer.clone(),
        views,
        reader,
        notifier: notifier.clone(),
        triage,
        composer,
        offline,
    };
    let bg = Rc::new(Background {
        port,
        store,
        syncer,
        intents,
        notifier,
        presence,
    });
    BACKGROUND.with(|b| *b.borrow_mut() = Some(bg.clone()));

    let loading = bg.clone();
    spawn_local(async move {
        loading.store.load().await;
        let minutes = alarms::period_minutes(browser::browser_kind(), &loading.store.settings());
        alarms::ensure_poll_alarm(minutes).await;
    });
    bg.port.ensure_connected();
}

/// What happens on the port: the state goes into the status (and storage) at once, so a page asking next reads
/// it; a handshake makes the Gmail engine and syncs every account; the host's events add accounts.
fn on_port_event(event: PortEvent) {
    let Some(bg) = background() else { return };
    match event {
        PortEvent::Changed => {
            let state = bg.port.state();
            if state.host == HostState::Connecting {
                bg.syncer.forget_accounts();
            }
            bg.store.status(|s| {
                s.host = state.host;
                if state.version.is_some() {
                    s.host_version = state.version;
                }
                s.host_problem = state.error;
            });
            let store = bg.store.clone();
            spawn_local(async move { store.persist_status().await });
        }
        PortEvent::Ready(hello) => {
            // Access tokens go only to Google's Gmail (or, in a test build, the emulator on loopback), whatever
            // gmux-host says: a host configured by someone else cannot send them elsewhere.
            if let Err(sentence) =
                trust::gmail_base(&hello.endpoints.gmail, browser::is_test_build())
            {
                log(&format!("gmux: {sentence}"));
                bg.store.status(|s| {
                    s.host = HostState::Untrusted;
                    s.host_problem = Some(gmux_core::status::HostProblem::Untrusted {
                        base: hello.endpoints.gmail.clone(),
                    });
                });
                let store = bg.store.clone();
                spawn_local(async move { store.persist_status().await });
                return;
            }
            bg.syncer.use_gmail(&hello.endpoints.gmail);
            // Without an OAuth client no account can get a token: the stored inbox is left as it was until
            // gmux-host is configured (the pages show what to do from the status).
            if hello.configured {
                let syncer = bg.syncer.clone();
                let triage = bg.intents.triage.clone();
                spawn_local(async move {
                    syncer.after_connect().await;
                    // Snoozes whose time passed while the browser was closed come back now.
                    triage.wake().await;
                });
            }
        }
        PortEvent::Host(event) => on_host_event(&bg, event),
    }
}

/// The host's events: a finished consent adds (or re-adds) an account, which is synced at once; a consent that
/// did not finish is shown to the person waiting for it.
fn on_host_event(bg: &Rc<Background>, event: Event) {
    if let Some(added) = event.data::<AccountsAdded>() {
        let Ok(added) = added else {
            return log("gmux: gmux-host sent an unreadable accounts.added event");
        };
        bg.store.status(|s| s.add_error = None);
        // An account added again (reconnected): the mail that came while it was away is not new mail.
        if bg
            .store
            .inbox(|inbox| inbox.account(&added.account.id).is_some())
        {
            bg.syncer.mark_reconnected(&added.account.id);
        }
        let syncer = bg.syncer.clone();
        spawn_local(async move {
            if let Err(e) = syncer.refresh_accounts().await {
                log(&format!("gmux: the account list could not be read: {e}"));
                return;
            }
            syncer.sync_account(&added.account.id).await;
        });
    } else if let Some(failed) = event.data::<AccountsAddFailed>() {
        // The pages show it: the person who clicked Add account is waiting for an answer.
        let shown = match failed {
            Ok(failed) if !failed.message.is_empty() => {
                log(&format!(
                    "gmux: adding an account failed: {} ({})",
                    failed.message,
                    failed.code.as_str()
                ));
                failed.message
            }
            // Without the host's words the page says its own.
            _ => String::new(),
        };
        bg.store.status(|s| s.add_error = Some(shown));
        let store = bg.store.clone();
        spawn_local(async move { store.persist_status().await });
    } else {
        log(&format!("gmux: event from gmux-host: {}", event.event));
    }
}

/// A page's message: an [`Intent`], answered with its reply (or the status).
pub async fn answer(message: JsValue, sender: JsValue) -> Result<JsValue, BrowserError> {
    if !from_own_page(&browser::MessageSender::of(&sender))? {
        return Err(BrowserError::Api(
            "gmux's background answers only gmux's own pages".into(),
        ));
    }
    let intent = browser::from_js::<Intent>(message)?;
    let Some(bg) = background() else {
        return Err(BrowserError::Api(
            "the gmux background has not started".into(),
        ));
    };
    match bg.intents.answer(intent).await {
        Answer::Status(status) => browser::to_js(&status),
        Answer::Reply(reply) => browser::to_js(&reply),
        Answer::Page(reply) => browser::to_js(&reply),
        Answer::Labels(reply) => browser::to_js(&reply),
        Answer::Compose(reply) => browser::to_js(&reply),
        Answer::Body(mut reply) => {
            let body = reply.body.take();
            browser::to_js_with_text(&reply, "body", body.as_deref())
        }
        Answer::Shown(shown) => browser::to_js(&shown),
        Answer::Icon(icon) => browser::to_js(&icon),
        Answer::Triage(reply) => browser::to_js(&reply),
    }
}

/// A click on one of gmux's notifications (`button`: the index of a Chromium button), from background.js.
pub fn notification_clicked(id: String, button: Option<u32>) {
    let Some(bg) = background() else { return };
    spawn_local(async move { bg.notifier.clicked(&id, button).await });
}

/// Whether a message or a port comes from one of gmux's own pages.
fn from_own_page(sender: &browser::MessageSender) -> Result<bool, BrowserError> {
    Ok(trust::is_own_page(
        sender.id.as_deref(),
        sender.url.as_deref(),
        &browser::extension_id()?,
        &browser::extension_base_url()?,
    ))
}

/// A page opened a port to the background (`runtime.onConnect`), from background.js. Only gmux's own pages
/// count as open pages; any other port is closed at once.
pub fn page_connected(port: JsValue) {
    let Some(bg) = background() else { return };
    let own = from_own_page(&browser::MessageSender::of_port(&port)).unwrap_or(false);
    bg.presence.accept(port, own);
}

/// Events other than messages: `installed` and `startup` (re)connect; the poll alarm syncs every account.
pub fn event(kind: &str) {
    let Some(bg) = background() else { return };
    match kind {
        "installed" | "startup" => bg.port.ensure_connected(),
        // A poll that finds a sync under way (a slow account, a sync_now) skips: the next alarm comes soon.
        "alarm:poll" => {
            if !bg.syncer.is_syncing() {
                let syncer = bg.syncer.clone();
                spawn_local(async move { syncer.sync_all().await });
            }
        }
        "alarm:snooze" => {
            let triage = bg.intents.triage.clone();
            spawn_local(async move { triage.wake().await });
        }
        _ => log(&format!("gmux: background event {kind}")),
    }
}

fn log(text: &str) {
    web_sys::console::log_1(&JsValue::from_str(text));
}
