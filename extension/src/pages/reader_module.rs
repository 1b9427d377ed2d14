//! The reader module (`pkg/reader.js`: the MIME walker, the sanitiser, the conversation's drawing), loaded by a
//! page once, the first time something needs it: a conversation opened (`reading`), or a reply or forward that
//! starts from the open conversation (`compose`). Both ask here, so neither reaches into the other for it.

use std::cell::RefCell;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

thread_local! {
    /// The reader module once loaded.
    static MODULE: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// The reader module if the page has loaded it.
pub(super) fn loaded() -> Option<JsValue> {
    MODULE.with(|m| m.borrow().clone())
}

/// The reader module, loaded once per page by the loader's `gmuxLoadReader` (a dynamic `import()`).
pub(super) async fn load() -> Result<JsValue, JsValue> {
    if let Some(module) = loaded() {
        return Ok(module);
    }
    let loader = Reflect::get(&js_sys::global(), &JsValue::from_str("gmuxLoadReader"))?
        .dyn_into::<Function>()
        .map_err(|_| JsValue::from_str("the page has no reader loader"))?;
    let promise = loader.call0(&JsValue::NULL)?;
    let module = JsFuture::from(Promise::resolve(&promise)).await?;
    MODULE.with(|m| *m.borrow_mut() = Some(module.clone()));
    Ok(module)
}
