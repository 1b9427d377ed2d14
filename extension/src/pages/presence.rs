//! A page tells the background it is open and whether it is in view, over a `runtime.connect` port, so the
//! background polls faster while someone looks at gmux. When the background goes away (a Chrome worker stopped
//! when idle, an extension reload) the port closes; the page opens a new one a little later, which also wakes the
//! background.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;

use crate::browser::PagePort;
use crate::timers::sleep;

/// The background's name for the pages' port (`background::presence::PAGE_PORT`).
const PAGE_PORT: &str = "gmux-page";
/// How long a page waits before opening a new port after the old one closed.
const RECONNECT_MS: i32 = 2_000;

type Listener = Closure<dyn FnMut(web_sys::Event)>;

thread_local! {
    static PORT: RefCell<Option<PagePort>> = const { RefCell::new(None) };
    static LISTENER: RefCell<Option<Listener>> = const { RefCell::new(None) };
}

fn in_view() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| js_sys::Reflect::get(&d, &JsValue::from_str("visibilityState")).ok())
        .and_then(|v| v.as_string())
        .is_some_and(|v| v == "visible")
}

fn say_in_view() {
    PORT.with(|p| {
        if let Some(port) = p.borrow().as_ref() {
            let _ = port.post(&serde_json::json!({ "visible": in_view() }));
        }
    });
}

/// Opens the port and follows the page's visibility from now on. Test and demo builds skip it for a page opened
/// with `?gmux-test-away`, so a test that delivers mail and then polls on its own is not raced by the faster
/// poll of a page in view.
pub(super) fn start() {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    if search.contains("gmux-test-away") && crate::browser::is_test_build() {
        return;
    }
    connect();
    let listener = Listener::new(|_| say_in_view());
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        let _ = document.add_event_listener_with_callback(
            "visibilitychange",
            listener.as_ref().unchecked_ref(),
        );
    }
    LISTENER.with(|l| *l.borrow_mut() = Some(listener));
}

fn connect() {
    let port = PagePort::connect(
        PAGE_PORT,
        // The background greets a port it listens to; the page answers with whether it is in view.
        |message| {
            if message["hello"].as_bool() == Some(true) {
                say_in_view();
            }
        },
        || {
            PORT.with(|p| p.borrow_mut().take());
            spawn_local(async {
                sleep(RECONNECT_MS).await;
                connect();
            });
        },
    );
    match port {
        Ok(port) => PORT.with(|p| *p.borrow_mut() = Some(port)),
        Err(e) => web_sys::console::warn_1(&JsValue::from_str(&format!(
            "gmux: the page could not tell the background it is open: {e}"
        ))),
    }
}
