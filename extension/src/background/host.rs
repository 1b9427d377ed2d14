//! The native port to gmux-host: connecting, the `hello` handshake, reconnecting with backoff, requests and the
//! host's events.

use std::rc::Rc;

use futures::channel::oneshot;
use gmux_core::ids::HOST_NAME;
use gmux_core::messages::HostState;
use gmux_core::protocol::{Hello, PROTOCOL_VERSION};
use gmux_gmail::SyncEngine;
use serde_json::{json, Value};
use wasm_bindgen_futures::spawn_local;

use super::{log, store, tokens::HostTokens, with};
use crate::browser::NativePort;
use crate::fetch_env::FetchEnv;
use crate::host_client::{Incoming, RequestError};
use crate::timers::sleep;

/// How long gmux-host may take to answer `hello` before the pages are told it is not answering. Process start
/// is 30-50 ms; the margin is for a loaded machine.
const HELLO_TIMEOUT_MS: i32 = 10_000;

/// The first reconnect waits this long, doubling per failure up to [`RECONNECT_MAX_MS`].
const RECONNECT_FIRST_MS: u32 = 1_000;
const RECONNECT_MAX_MS: u32 = 60_000;

/// The wait before reconnect attempt `failed + 1`.
pub(super) fn reconnect_delay_ms(failed: u32) -> u32 {
    RECONNECT_FIRST_MS
        .saturating_mul(1 << failed.min(16))
        .min(RECONNECT_MAX_MS)
}

/// What a settled `hello` (or its failure) means for the host state: `(state, version, error)`.
pub(super) fn state_from_hello(result: Value) -> (HostState, Option<String>, Option<String>) {
    match serde_json::from_value::<Hello>(result) {
        Ok(hello) if hello.protocol == PROTOCOL_VERSION && hello.configured => {
            (HostState::Connected, Some(hello.host_version), None)
        }
        Ok(hello) if hello.protocol == PROTOCOL_VERSION => (
            HostState::NotConfigured,
            Some(hello.host_version),
            Some("gmux-host has no OAuth client yet: run gmux-host configure --client-secrets FILE".into()),
        ),
        Ok(hello) => (
            HostState::Failed,
            Some(hello.host_version.clone()),
            Some(format!(
                "gmux-host {} speaks protocol {}, this extension speaks {PROTOCOL_VERSION}: update both",
                hello.host_version, hello.protocol
            )),
        ),
        Err(e) => (
            HostState::Failed,
            None,
            Some(format!("gmux-host answered hello with something unreadable: {e}")),
        ),
    }
}

/// Whether the host answered `hello` (configured or not): requests can be sent.
pub(super) fn is_up(state: &Option<HostState>) -> bool {
    matches!(state, Some(HostState::Connected | HostState::NotConfigured))
}

/// Connects unless a port is open or opening. A missing or failed host is tried again, so installing gmux-host
/// and reopening the popup is all a user has to do.
pub fn ensure_connected() {
    let needed = with(|bg| {
        !matches!(
            bg.host,
            Some(HostState::Connecting | HostState::Connected | HostState::NotConfigured)
        )
    });
    if needed {
        connect();
    }
}

fn connect() {
    let (generation, old_port) = with(|bg| {
        bg.generation += 1;
        bg.host = Some(HostState::Connecting);
        bg.accounts_known = false;
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
            set_state(generation, HostState::Missing, None, Some(e.to_string()));
            schedule_reconnect(generation);
            return;
        }
    };
    with(|bg| bg.port = Some(port));
    spawn_local(async move {
        let outcome = request("hello", json!({"protocol": PROTOCOL_VERSION})).await;
        let (state, version, error) = match outcome {
            Ok(result) => {
                make_engine(&result);
                state_from_hello(result)
            }
            Err(RequestError::Disconnected(reason)) => (HostState::Missing, None, Some(reason)),
            Err(e) => (HostState::Failed, None, Some(e.to_string())),
        };
        if with(|bg| bg.generation == generation && bg.host == Some(HostState::Connecting)) {
            let up = matches!(state, HostState::Connected | HostState::NotConfigured);
            let configured = state == HostState::Connected;
            set_state(generation, state, version, error);
            if up {
                with(|bg| bg.failed_attempts = 0);
            }
            // Without an OAuth client no account can get a token: the stored inbox is left as it was until
            // gmux-host is configured (the pages show what to do from the status).
            if configured {
                store::after_connect().await;
            }
        }
    });
    spawn_local(async move {
        sleep(HELLO_TIMEOUT_MS).await;
        if with(|bg| bg.generation == generation && bg.host == Some(HostState::Connecting)) {
            let error = format!(
                "gmux-host did not answer within {} seconds",
                HELLO_TIMEOUT_MS / 1000
            );
            set_state(generation, HostState::Failed, None, Some(error));
        }
    });
}

/// Makes the sync engine on the `hello` reply's Gmail base URL (Google's, or the emulator's in tests).
fn make_engine(hello: &Value) {
    if let Some(base) = hello["endpoints"]["gmail"].as_str() {
        let engine = SyncEngine::new(Rc::new(FetchEnv), Rc::new(HostTokens::default()), base);
        with(|bg| bg.engine = Some(Rc::new(engine)));
    }
}

/// Sends one request to gmux-host and waits for its reply. Fails at once when no port is open, and when the
/// port drops before the reply came.
pub async fn request(method: &str, params: Value) -> Result<Value, RequestError> {
    let (frame, reply) = with(|bg| bg.client.request(method, params));
    let posted = with(|bg| match &bg.port {
        Some(port) => port.post(&frame).map_err(|e| e.to_string()),
        None => Err("gmux-host is not connected".to_string()),
    });
    if let Err(reason) = posted {
        with(|bg| bg.client.abandon(&frame, &reason));
    }
    reply
        .await
        .unwrap_or_else(|_| Err(RequestError::Disconnected("the request was dropped".into())))
}

fn on_host_message(generation: u64, message: Value) {
    if with(|bg| bg.generation) != generation {
        return;
    }
    match with(|bg| bg.client.handle(message)) {
        Incoming::Reply => {}
        Incoming::Event(event) => store::on_host_event(event),
        Incoming::Unexpected(message) => log(&format!(
            "gmux: unexpected message from gmux-host: {message}"
        )),
    }
}

fn on_host_disconnect(generation: u64, reason: String) {
    // Firefox gives no reason when the host process dies; the pending calls still deserve a sentence.
    let reason = if reason.is_empty() {
        "the port to gmux-host closed".to_string()
    } else {
        reason
    };
    let closed = with(|bg| {
        if bg.generation != generation {
            return None;
        }
        bg.client.disconnected(&reason);
        Some((bg.port.take(), bg.host.clone()))
    });
    let Some((port, before)) = closed else { return };
    // The port is dropped after this callback returns, not while the browser is still inside it.
    spawn_local(async move { drop(port) });
    log(&format!("gmux: gmux-host disconnected: {reason}"));
    // A port that closes before the handshake finished means the browser could not start the host: browsers do
    // not say "not installed" consistently, and to the user the remedy is the same.
    let (state, error) = match before {
        Some(HostState::Connecting | HostState::Missing) | None => (HostState::Missing, reason),
        _ => (HostState::Failed, format!("gmux-host stopped: {reason}")),
    };
    set_state(generation, state, None, Some(error));
    schedule_reconnect(generation);
}

/// Tries again after a growing pause, unless something else (a page asking) reconnected first.
fn schedule_reconnect(generation: u64) {
    let delay = with(|bg| {
        bg.failed_attempts += 1;
        reconnect_delay_ms(bg.failed_attempts - 1)
    });
    spawn_local(async move {
        sleep(i32::try_from(delay).unwrap_or(i32::MAX)).await;
        if with(|bg| bg.generation == generation) {
            ensure_connected();
        }
    });
}

fn set_state(generation: u64, state: HostState, version: Option<String>, error: Option<String>) {
    let waiters = with(|bg| {
        if bg.generation != generation {
            return Vec::new();
        }
        bg.host = Some(state.clone());
        if version.is_some() {
            bg.host_version = version;
        }
        bg.host_error = error;
        if state != HostState::Connecting {
            std::mem::take(&mut bg.settle_waiters)
        } else {
            Vec::new()
        }
    });
    for waiter in waiters {
        let _ = waiter.send(());
    }
    spawn_local(store::persist_status());
}

/// Waits until any handshake under way has settled; returns whether requests can be sent.
pub async fn settled() -> bool {
    ensure_connected();
    let waiter = with(|bg| match &bg.host {
        Some(state) if *state != HostState::Connecting => None,
        _ => {
            let (sender, receiver) = oneshot::channel();
            bg.settle_waiters.push(sender);
            Some(receiver)
        }
    });
    if let Some(waiter) = waiter {
        let _ = waiter.await;
    }
    with(|bg| is_up(&bg.host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gmux_core::protocol::Endpoints;

    #[test]
    fn reconnects_back_off_from_one_second_to_a_minute() {
        let delays: Vec<u32> = (0..9).map(reconnect_delay_ms).collect();
        assert_eq!(
            delays,
            [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]
        );
        assert_eq!(reconnect_delay_ms(u32::MAX), 60_000);
    }

    #[test]
    fn hello_decides_the_host_state() {
        let hello = |protocol: u32, configured: bool| {
            serde_json::to_value(Hello {
                protocol,
                host_version: "0.1.0".into(),
                capabilities: vec![],
                configured,
                endpoints: Endpoints::google(),
            })
            .unwrap()
        };
        let (state, version, error) = state_from_hello(hello(PROTOCOL_VERSION, true));
        assert_eq!(
            (state, version.as_deref(), error),
            (HostState::Connected, Some("0.1.0"), None)
        );
        let (state, _, error) = state_from_hello(hello(PROTOCOL_VERSION, false));
        assert_eq!(state, HostState::NotConfigured);
        assert!(error.unwrap().contains("gmux-host configure"));
        let (state, _, error) = state_from_hello(hello(PROTOCOL_VERSION + 1, true));
        assert_eq!(state, HostState::Failed);
        assert!(error.unwrap().contains("update both"));
        let (state, _, error) = state_from_hello(json!({"version": 1}));
        assert_eq!(state, HostState::Failed);
        assert!(error.unwrap().contains("unreadable"));
        assert!(is_up(&Some(HostState::NotConfigured)) && !is_up(&Some(HostState::Missing)));
    }
}
