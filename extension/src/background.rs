//! The background context: owns the one native port to gmux-host and answers the pages.
//!
//! background.js registers the event listeners synchronously and forwards each event here once the wasm is
//! initialised; this module keeps the state (the port, pending requests, the host's status) for as long as the
//! Chrome service worker or the Firefox event page lives. An open native port keeps either alive.

use std::cell::RefCell;

use futures::channel::oneshot;
use gmux_core::ids::HOST_NAME;
use gmux_core::protocol::PROTOCOL_VERSION;
use serde::Deserialize;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;

use crate::browser::{self, BrowserError, NativePort};
use crate::host_client::{HostClient, Incoming, RequestError};
use crate::status::HostStatus;
use crate::timers::sleep;

/// How long gmux-host may take to answer `hello` before the pages are told it is not answering. Process start
/// is 30-50 ms; the margin is for a loaded machine.
const HELLO_TIMEOUT_MS: i32 = 10_000;

/// What the pages may ask the background (`runtime.sendMessage`).
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PageRequest {
    /// Answered with a [`HostStatus`].
    Status,
}

#[derive(Default)]
struct Background {
    client: HostClient,
    port: Option<NativePort>,
    /// `None` until the first connection attempt.
    status: Option<HostStatus>,
    /// Counts connection attempts, so late callbacks from an old port cannot touch the state of a new one.
    generation: u64,
    /// Status requests waiting for the handshake to settle.
    waiters: Vec<oneshot::Sender<()>>,
}

thread_local! {
    static STATE: RefCell<Background> = RefCell::new(Background::default());
}

fn with<R>(f: impl FnOnce(&mut Background) -> R) -> R {
    STATE.with(|state| f(&mut state.borrow_mut()))
}

pub fn start() {
    ensure_connected();
}

/// Connects unless a port is open or opening. A missing or failed host is tried again, so installing gmux-host
/// and reopening the popup is all a user has to do.
fn ensure_connected() {
    let needed = with(|bg| {
        !matches!(
            bg.status,
            Some(HostStatus::Connecting | HostStatus::Connected { .. })
        )
    });
    if needed {
        connect();
    }
}

fn connect() {
    let (generation, old_port) = with(|bg| {
        bg.generation += 1;
        bg.status = Some(HostStatus::Connecting);
        bg.client.disconnected("reconnecting to gmux-host");
        (bg.generation, bg.port.take())
    });
    drop(old_port);
    let port = NativePort::connect(
        HOST_NAME,
        move |message| on_host_message(generation, message),
        move |reason| on_host_disconnect(generation, reason),
    );
    let port = match port {
        Ok(port) => port,
        // Firefox throws here when the manifest is unreadable; Chrome reports everything through onDisconnect.
        Err(e) => {
            return set_status(
                generation,
                HostStatus::Missing {
                    error: e.to_string(),
                },
            )
        }
    };
    let (frame, reply) = with(|bg| {
        bg.client
            .request("hello", json!({"protocol": PROTOCOL_VERSION}))
    });
    if let Err(e) = port.post(&frame) {
        with(|bg| bg.client.abandon(&frame, &e.to_string()));
    }
    with(|bg| bg.port = Some(port));
    spawn_local(async move {
        let status = match reply.await {
            Ok(Ok(result)) => HostStatus::from_hello(result),
            Ok(Err(RequestError::Disconnected(reason))) => {
                HostStatus::after_disconnect(&HostStatus::Connecting, &reason)
            }
            Ok(Err(e)) => HostStatus::Error {
                error: e.to_string(),
            },
            Err(_cancelled) => return,
        };
        if with(|bg| bg.generation == generation && bg.status == Some(HostStatus::Connecting)) {
            set_status(generation, status);
        }
    });
    spawn_local(async move {
        sleep(HELLO_TIMEOUT_MS).await;
        if with(|bg| bg.generation == generation && bg.status == Some(HostStatus::Connecting)) {
            let error = format!(
                "gmux-host did not answer within {} seconds",
                HELLO_TIMEOUT_MS / 1000
            );
            set_status(generation, HostStatus::Error { error });
        }
    });
}

fn on_host_message(generation: u64, message: Value) {
    if with(|bg| bg.generation) != generation {
        return;
    }
    match with(|bg| bg.client.handle(message)) {
        Incoming::Reply => {}
        Incoming::Event(event) => log(&format!("gmux: event from gmux-host: {}", event.event)),
        Incoming::Unexpected(message) => log(&format!(
            "gmux: unexpected message from gmux-host: {message}"
        )),
    }
}

fn on_host_disconnect(generation: u64, reason: String) {
    let closed = with(|bg| {
        if bg.generation != generation {
            return None;
        }
        bg.client.disconnected(&reason);
        Some((
            bg.port.take(),
            bg.status.clone().unwrap_or(HostStatus::Connecting),
        ))
    });
    let Some((port, before)) = closed else { return };
    // The port is dropped after this callback returns, not while the browser is still inside it.
    spawn_local(async move { drop(port) });
    log(&format!("gmux: the port to gmux-host closed: {reason}"));
    set_status(generation, HostStatus::after_disconnect(&before, &reason));
}

fn set_status(generation: u64, status: HostStatus) {
    let waiters = with(|bg| {
        if bg.generation != generation {
            return Vec::new();
        }
        bg.status = Some(status.clone());
        if status.is_settled() {
            std::mem::take(&mut bg.waiters)
        } else {
            Vec::new()
        }
    });
    for waiter in waiters {
        let _ = waiter.send(());
    }
    spawn_local(async move {
        // The badge tells a user who never opens the popup that something needs doing.
        let (text, color) = match status {
            HostStatus::Missing { .. } | HostStatus::Error { .. } => ("!", "#d93025"),
            HostStatus::Connecting | HostStatus::Connected { .. } => ("", "#4f46e5"),
        };
        if let Err(e) = browser::set_badge(text, color).await {
            log(&format!("gmux: the badge could not be set: {e}"));
        }
    });
}

/// The host's status once any handshake under way has settled.
pub async fn settled_status() -> HostStatus {
    ensure_connected();
    let waiter = with(|bg| match &bg.status {
        Some(status) if status.is_settled() => None,
        _ => {
            let (sender, receiver) = oneshot::channel();
            bg.waiters.push(sender);
            Some(receiver)
        }
    });
    if let Some(waiter) = waiter {
        let _ = waiter.await;
    }
    with(|bg| bg.status.clone().unwrap_or(HostStatus::Connecting))
}

pub async fn answer(message: JsValue) -> Result<JsValue, BrowserError> {
    match browser::from_js::<PageRequest>(message)? {
        PageRequest::Status => browser::to_js(&settled_status().await),
    }
}

/// Events other than messages: `installed` and `startup` (re)connect; alarms have no work yet.
pub fn event(kind: &str) {
    match kind {
        "installed" | "startup" => ensure_connected(),
        _ => log(&format!("gmux: background event {kind}")),
    }
}

fn log(text: &str) {
    web_sys::console::log_1(&JsValue::from_str(text));
}
