//! The gmux WebExtension, compiled to wasm. The JS loaders in `static/` call one `start_*` function per context;
//! a page loads the reader module (`reader_open`, `reader_close`) when a conversation is first opened.
//!
//! `browser` is the only module that names the WebExtension APIs; `host_client` is plain Rust and is tested
//! natively; `background` and `pages` wire gmux-core's and gmux-gmail's decisions to the browser and the DOM.

pub mod browser;
pub mod host_client;

#[cfg(feature = "background")]
mod background;
// Both page modules build DOM with it; each uses only some of it.
#[cfg(any(feature = "pages", feature = "reader"))]
#[allow(dead_code)]
mod dom;
#[cfg(feature = "background")]
mod fetch_env;
// Each module uses only some of it.
#[cfg(any(feature = "pages", feature = "reader", feature = "background"))]
#[allow(dead_code)]
mod i18n;
#[cfg(feature = "pages")]
mod pages;
#[cfg(feature = "reader")]
mod reader;
mod timers;

#[cfg(feature = "background")]
use js_sys::Promise;
use wasm_bindgen::prelude::*;
#[cfg(feature = "background")]
use wasm_bindgen_futures::future_to_promise;

/// Once per context: panics reach the console with their message instead of "unreachable executed".
fn init() {
    console_error_panic_hook::set_once();
}

#[cfg(feature = "background")]
#[wasm_bindgen]
pub fn start_background() {
    init();
    background::start();
}

/// A `runtime.onMessage` message and its sender, handed over by background.js; the promise resolves to the
/// answer.
#[cfg(feature = "background")]
#[wasm_bindgen]
pub fn background_message(message: JsValue, sender: JsValue) -> Promise {
    future_to_promise(async move {
        background::answer(message, sender)
            .await
            .map_err(|e| JsValue::from_str(&e.to_string()))
    })
}

/// A background event other than a message (`installed`, `startup`, `alarm`), handed over by background.js.
#[cfg(feature = "background")]
#[wasm_bindgen]
pub fn background_event(kind: String) {
    background::event(&kind);
}

/// A click on a notification or on one of its buttons (`button`: its index), handed over by background.js.
#[cfg(feature = "background")]
#[wasm_bindgen]
pub fn background_notification(id: String, button: Option<u32>) {
    background::notification_clicked(id, button);
}

/// A `runtime.onConnect` port from a page, handed over by background.js.
#[cfg(feature = "background")]
#[wasm_bindgen]
pub fn background_connect(port: JsValue) {
    background::page_connected(port);
}

#[cfg(feature = "pages")]
#[wasm_bindgen]
pub fn start_popup() {
    init();
    pages::start();
}

#[cfg(feature = "pages")]
#[wasm_bindgen]
pub fn start_newtab() {
    init();
    pages::start();
}

#[cfg(feature = "pages")]
#[wasm_bindgen]
pub fn start_options() {
    init();
    pages::start();
}

/// Opens a conversation in the page's reader area (`#reader-messages`). `request` is a
/// `reader::OpenRequest`; `on_event(kind, detail)` hears `loaded`, `failed` and `marked_unread`.
#[cfg(feature = "reader")]
#[wasm_bindgen]
pub fn reader_open(request: JsValue, on_event: js_sys::Function) {
    init();
    reader::open(request, on_event);
}

/// The message of the open conversation a reply or forward starts from (a `gmux_core::compose::ReplySource`):
/// `message` (a Gmail id), or the last one when it is empty; `undefined` when nothing is open.
#[cfg(feature = "reader")]
#[wasm_bindgen]
pub fn reader_reply_source(message: String) -> JsValue {
    let message = (!message.is_empty()).then_some(message.as_str());
    match reader::source::reply_source(message) {
        Some(source) => browser::to_js(&source).unwrap_or(JsValue::UNDEFINED),
        None => JsValue::UNDEFINED,
    }
}

/// Closes the open conversation: its bodies leave the page.
#[cfg(feature = "reader")]
#[wasm_bindgen]
pub fn reader_close() {
    reader::close();
}
