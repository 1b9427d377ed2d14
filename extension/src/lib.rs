//! The gmux WebExtension, compiled to wasm. The JS loaders in `static/` call one `start_*` function per context.
//!
//! `browser` is the only module that names the WebExtension APIs; `status` and `host_client` are plain Rust and
//! are tested natively; `background` and `pages` wire them to the browser and the DOM.

pub mod browser;
pub mod host_client;
pub mod status;

mod background;
mod fetch_env;
mod pages;
mod timers;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// Once per context: panics reach the console with their message instead of "unreachable executed".
fn init() {
    console_error_panic_hook::set_once();
}

#[wasm_bindgen]
pub fn start_background() {
    init();
    background::start();
}

/// A `runtime.onMessage` message, handed over by background.js; the promise resolves to the answer.
#[wasm_bindgen]
pub fn background_message(message: JsValue) -> Promise {
    future_to_promise(async move {
        background::answer(message)
            .await
            .map_err(|e| JsValue::from_str(&e.to_string()))
    })
}

/// A background event other than a message (`installed`, `startup`, `alarm`), handed over by background.js.
#[wasm_bindgen]
pub fn background_event(kind: String) {
    background::event(&kind);
}

#[wasm_bindgen]
pub fn start_popup() {
    init();
    pages::start();
}

#[wasm_bindgen]
pub fn start_newtab() {
    init();
    pages::start();
}

#[wasm_bindgen]
pub fn start_options() {
    init();
    pages::start();
}
