//! The native port to gmux-host, and nothing above it: connecting, the `hello` handshake, reconnecting with
//! backoff, requests and their replies. What happens on the port (the state changed, a handshake succeeded, the
//! host sent an event) is handed as a [`PortEvent`] to the function its builder gave [`HostPort::new`]; this
//! module calls nothing of the background's.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use futures::channel::oneshot;
use gmux_core::ids::HOST_NAME;
use gmux_core::protocol::{method, Event, Hello, HelloParams, Method, PROTOCOL_VERSION};
use gmux_core::status::{self, HostProblem, HostState, Settled};
use serde_json::Value;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;

use crate::browser::NativePort;
use crate::host_client::{HostClient, Incoming, RequestError};
use crate::timers::sleep;

/// How long gmux-host may take to answer `hello` before the pages are told it is not answering. Process start
/// is 30-50 ms; the margin is for a loaded machine.
const HELLO_TIMEOUT_SECS: u32 = 10;

/// What happened on the port, for whoever built it.
#[derive(Debug)]
pub enum PortEvent {
    /// The host's state changed: read it with [`HostPort::state`].
    Changed,
    /// A handshake succeeded with this `hello` (after the `Changed` that says so).
    Ready(Hello),
    /// The host sent an event of its own.
    Host(Event),
}

/// The host's state with its version and the sentence for the user.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PortState {
    pub host: HostState,
    pub version: Option<String>,
    pub error: Option<HostProblem>,
}

#[derive(Default)]
struct Inner {
    client: HostClient,
    port: Option<NativePort>,
    /// `None` until the first connection attempt.
    state: Option<HostState>,
    version: Option<String>,
    error: Option<HostProblem>,
    /// Counts connection attempts, so late callbacks from an old port cannot touch the state of a new one.
    generation: u64,
    /// Failed connection attempts in a row, for the reconnect backoff.
    failed_attempts: u32,
    /// Requests waiting for the handshake to settle.
    settle_waiters: Vec<oneshot::Sender<()>>,
}

pub struct HostPort {
    inner: RefCell<Inner>,
    on_event: Box<dyn Fn(PortEvent)>,
    this: Weak<HostPort>,
}

impl HostPort {
    /// A port, not yet connected, that hands what happens on it to `on_event` (never while it holds its own
    /// state, so `on_event` may call back into the port).
    pub fn new(on_event: impl Fn(PortEvent) + 'static) -> Rc<HostPort> {
        Rc::new_cyclic(|this| HostPort {
            inner: RefCell::new(Inner::default()),
            on_event: Box::new(on_event),
            this: this.clone(),
        })
    }

    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        f(&mut self.inner.borrow_mut())
    }

    fn emit(&self, event: PortEvent) {
        (self.on_event)(event);
    }

    pub fn state(&self) -> PortState {
        self.with(|inner| PortState {
            host: inner.state.unwrap_or_default(),
            version: inner.version.clone(),
            error: inner.error.clone(),
        })
    }

    /// Connects unless a port is open or opening. A missing or failed host is tried again, so installing gmux-host
    /// and reopening the popup is all a user has to do.
    pub fn ensure_connected(&self) {
        let needed = self.with(|inner| {
            !matches!(
                inner.state,
                Some(HostState::Connecting | HostState::Connected | HostState::NotConfigured)
            )
        });
        if needed {
            self.connect();
        }
    }

    fn connect(&self) {
        let (generation, old_port) = self.with(|inner| {
            inner.generation += 1;
            inner.state = Some(HostState::Connecting);
            inner.client.disconnected("reconnecting to gmux-host");
            (inner.generation, inner.port.take())
        });
        drop(old_port);
        self.emit(PortEvent::Changed);
        let on_message = self.this.clone();
        let on_disconnect = self.this.clone();
        let port = NativePort::connect(
            HOST_NAME,
            move |message| {
                if let Some(port) = on_message.upgrade() {
                    port.on_message(generation, message);
                }
            },
            move |reason| {
                if let Some(port) = on_disconnect.upgrade() {
                    port.on_disconnect(generation, reason);
                }
            },
        );
        let port = match port {
            Ok(port) => port,
            // Firefox throws here when the manifest is unreadable; Chrome reports everything through onDisconnect.
            Err(e) => {
                self.settle(
                    generation,
                    Settled {
                        state: HostState::Missing,
                        version: None,
                        error: Some(HostProblem::NotFound {
                            reason: e.to_string(),
                        }),
                    },
                );
                self.schedule_reconnect(generation);
                return;
            }
        };
        self.with(|inner| inner.port = Some(port));
        let this = self.this.clone();
        spawn_local(async move {
            let Some(port) = this.upgrade() else { return };
            port.handshake(generation).await;
        });
        let this = self.this.clone();
        spawn_local(async move {
            sleep(HELLO_TIMEOUT_SECS as i32 * 1000).await;
            let Some(port) = this.upgrade() else { return };
            if port.with(|i| i.generation == generation && i.state == Some(HostState::Connecting)) {
                port.settle(generation, status::hello_timed_out(HELLO_TIMEOUT_SECS));
            }
        });
    }

    async fn handshake(&self, generation: u64) {
        let params = HelloParams {
            protocol: Some(PROTOCOL_VERSION),
        };
        let outcome = self.call::<method::Hello>(&params).await;
        let hello = outcome.as_ref().ok().cloned();
        let settled = match outcome {
            Ok(hello) => status::after_hello(Ok(hello)),
            Err(RequestError::Unreadable { error, .. }) => status::after_hello(Err(error)),
            Err(RequestError::Disconnected(reason)) => Settled {
                state: HostState::Missing,
                version: None,
                error: Some(HostProblem::NotFound { reason }),
            },
            Err(RequestError::Host { body, .. }) => Settled {
                state: HostState::Failed,
                version: None,
                error: Some(HostProblem::HelloRefused {
                    code: body.code.as_str().to_string(),
                    message: body.message,
                }),
            },
        };
        let current =
            self.with(|i| i.generation == generation && i.state == Some(HostState::Connecting));
        if !current {
            return;
        }
        let up = settled.state.is_up();
        self.settle(generation, settled);
        if up {
            self.with(|i| i.failed_attempts = 0);
            if let Some(hello) = hello {
                self.emit(PortEvent::Ready(hello));
            }
        }
    }

    /// Calls one method of gmux-host and waits for its result. Fails at once when no port is open, and when the
    /// port drops before the reply came.
    pub async fn call<M: Method>(&self, params: &M::Params) -> Result<M::Result, RequestError> {
        let (frame, reply) = self.with(|inner| inner.client.request::<M>(params));
        let posted = self.with(|inner| match &inner.port {
            Some(port) => port.post(&frame).map_err(|e| e.to_string()),
            None => Err("gmux-host is not connected".to_string()),
        });
        if let Err(reason) = posted {
            self.with(|inner| inner.client.abandon(&frame, &reason));
        }
        let result = reply.await.unwrap_or_else(|_| {
            Err(RequestError::Disconnected("the request was dropped".into()))
        })?;
        M::result(result).map_err(|e| RequestError::Unreadable {
            method: M::NAME.to_string(),
            error: e.to_string(),
        })
    }

    fn on_message(&self, generation: u64, message: Value) {
        if self.with(|inner| inner.generation) != generation {
            return;
        }
        match self.with(|inner| inner.client.handle(message)) {
            Incoming::Reply => {}
            Incoming::Event(event) => self.emit(PortEvent::Host(event)),
            // Only its shape is logged: a message the background did not expect may still carry a token.
            Incoming::Unexpected(message) => log(&format!(
                "gmux: unexpected message from gmux-host ({})",
                crate::host_client::describe_unexpected(&message)
            )),
        }
    }

    fn on_disconnect(&self, generation: u64, reason: String) {
        let closed = self.with(|inner| {
            if inner.generation != generation {
                return None;
            }
            // Without the browser's reason the page says its own sentence alone.
            inner.client.disconnected(&reason);
            Some((inner.port.take(), inner.state.unwrap_or_default()))
        });
        let Some((port, before)) = closed else { return };
        // The port is dropped after this callback returns, not while the browser is still inside it.
        spawn_local(async move { drop(port) });
        log(&format!("gmux: gmux-host disconnected: {reason}"));
        self.settle(generation, status::after_disconnect(before, &reason));
        self.schedule_reconnect(generation);
    }

    /// Tries again after a growing pause, unless something else (a page asking) reconnected first.
    fn schedule_reconnect(&self, generation: u64) {
        let delay = self.with(|inner| {
            inner.failed_attempts += 1;
            status::reconnect_delay_ms(inner.failed_attempts - 1)
        });
        let this = self.this.clone();
        spawn_local(async move {
            sleep(i32::try_from(delay).unwrap_or(i32::MAX)).await;
            let Some(port) = this.upgrade() else { return };
            if port.with(|inner| inner.generation == generation) {
                port.ensure_connected();
            }
        });
    }

    fn settle(&self, generation: u64, settled: Settled) {
        let waiters = self.with(|inner| {
            if inner.generation != generation {
                return None;
            }
            inner.state = Some(settled.state);
            if settled.version.is_some() {
                inner.version = settled.version;
            }
            inner.error = settled.error;
            Some(std::mem::take(&mut inner.settle_waiters))
        });
        let Some(waiters) = waiters else { return };
        for waiter in waiters {
            let _ = waiter.send(());
        }
        self.emit(PortEvent::Changed);
    }

    /// Waits until any handshake under way has settled; returns whether requests can be sent.
    pub async fn settled(&self) -> bool {
        self.ensure_connected();
        let waiter = self.with(|inner| match inner.state {
            Some(state) if state.is_settled() => None,
            _ => {
                let (sender, receiver) = oneshot::channel();
                inner.settle_waiters.push(sender);
                Some(receiver)
            }
        });
        if let Some(waiter) = waiter {
            let _ = waiter.await;
        }
        self.with(|inner| inner.state.is_some_and(HostState::is_up))
    }
}

fn log(text: &str) {
    web_sys::console::log_1(&JsValue::from_str(text));
}
