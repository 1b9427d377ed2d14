//! The sync engine's [`Env`] in the browser: `fetch`, `setTimeout`, `Date.now` and `crypto.getRandomValues`.
//!
//! Everything is reached through `globalThis`, because a Chrome background is a service worker (no `window`)
//! and a Firefox background is an event page (a `window`); both have these four on the global object.

use futures::future::LocalBoxFuture;
use gmux_gmail::env::{
    Env, HttpRequest, HttpResponse, TransportError, ANSWER_TOO_LARGE, MAX_ANSWER_BYTES,
};
use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::timers::sleep;

#[derive(Debug, Default, Clone, Copy)]
pub struct FetchEnv;

fn js_error(value: &JsValue) -> String {
    if let Some(text) = value.as_string() {
        return text;
    }
    Reflect::get(value, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

fn global_function(name: &str) -> Result<Function, TransportError> {
    Reflect::get(&js_sys::global(), &JsValue::from_str(name))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| TransportError(format!("this context has no {name}")))
}

async fn fetch(request: HttpRequest) -> Result<HttpResponse, TransportError> {
    let init = Object::new();
    let set = |key: &str, value: &JsValue| {
        let _ = Reflect::set(&init, &JsValue::from_str(key), value);
    };
    set("method", &JsValue::from_str(&request.method));
    let headers = Object::new();
    for (name, value) in &request.headers {
        let _ = Reflect::set(
            &headers,
            &JsValue::from_str(name),
            &JsValue::from_str(value),
        );
    }
    set("headers", &headers);
    if !request.body.is_empty() {
        set("body", &Uint8Array::from(request.body.as_slice()));
    }
    // The background never sends cookies to Gmail: the bearer token is the only credential.
    set("credentials", &JsValue::from_str("omit"));
    set("cache", &JsValue::from_str("no-store"));
    let fetch = global_function("fetch")?;
    let promise = fetch
        .call2(&js_sys::global(), &JsValue::from_str(&request.url), &init)
        .map_err(|e| TransportError(js_error(&e)))?;
    let response: web_sys::Response = JsFuture::from(js_sys::Promise::resolve(&promise))
        .await
        .map_err(|e| TransportError(js_error(&e)))?
        .dyn_into()
        .map_err(|_| TransportError("fetch answered something that is not a Response".into()))?;
    let mut headers = Vec::new();
    if let Ok(Some(entries)) = js_sys::try_iter(&response.headers()) {
        for entry in entries.flatten() {
            let pair = Array::from(&entry);
            if let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                headers.push((name, value));
            }
        }
    }
    let status = response.status();
    match read_capped(&response, MAX_ANSWER_BYTES).await? {
        Some(body) => Ok(HttpResponse {
            status,
            headers,
            body,
        }),
        None => {
            headers.push((ANSWER_TOO_LARGE.to_string(), MAX_ANSWER_BYTES.to_string()));
            Ok(HttpResponse {
                status,
                headers,
                body: Vec::new(),
            })
        }
    }
}

/// The response's body, or `None` once it is larger than `cap` (its stream is then cancelled, so a hostile
/// answer cannot fill the background's memory). A `Content-Length` above the cap stops it before any byte is read.
async fn read_capped(
    response: &web_sys::Response,
    cap: usize,
) -> Result<Option<Vec<u8>>, TransportError> {
    let declared = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok());
    let call =
        |target: &JsValue, name: &str, args: &[JsValue]| -> Result<JsValue, TransportError> {
            let function = Reflect::get(target, &JsValue::from_str(name))
                .ok()
                .and_then(|f| f.dyn_into::<Function>().ok())
                .ok_or_else(|| TransportError(format!("the response has no {name}")))?;
            let args: Array = args.iter().collect();
            function
                .apply(target, &args)
                .map_err(|e| TransportError(js_error(&e)))
        };
    let stream = Reflect::get(response, &JsValue::from_str("body")).unwrap_or(JsValue::NULL);
    if stream.is_null() || stream.is_undefined() {
        return Ok(Some(Vec::new()));
    }
    if declared.is_some_and(|n| n > cap as u64) {
        let _ = call(&stream, "cancel", &[]);
        return Ok(None);
    }
    let reader = call(&stream, "getReader", &[])?;
    let mut body = Vec::new();
    loop {
        let chunk = JsFuture::from(js_sys::Promise::resolve(&call(&reader, "read", &[])?))
            .await
            .map_err(|e| TransportError(format!("reading the response: {}", js_error(&e))))?;
        if Reflect::get(&chunk, &JsValue::from_str("done"))
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true)
        {
            return Ok(Some(body));
        }
        let value = Reflect::get(&chunk, &JsValue::from_str("value")).unwrap_or(JsValue::UNDEFINED);
        let bytes = Uint8Array::new(&value);
        if body.len() + bytes.length() as usize > cap {
            let _ = call(&reader, "cancel", &[]);
            return Ok(None);
        }
        body.extend_from_slice(&bytes.to_vec());
    }
}

impl Env for FetchEnv {
    fn send(
        &self,
        request: HttpRequest,
    ) -> LocalBoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(fetch(request))
    }

    fn sleep(&self, ms: u64) -> LocalBoxFuture<'_, ()> {
        Box::pin(sleep(i32::try_from(ms).unwrap_or(i32::MAX)))
    }

    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }

    fn random_u64(&self) -> u64 {
        let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")).ok();
        let words = js_sys::Uint32Array::new_with_length(2);
        let filled = crypto.and_then(|crypto| {
            let get = Reflect::get(&crypto, &JsValue::from_str("getRandomValues"))
                .ok()?
                .dyn_into::<Function>()
                .ok()?;
            get.call1(&crypto, &words).ok()
        });
        match filled {
            Some(_) => (u64::from(words.get_index(0)) << 32) | u64::from(words.get_index(1)),
            None => gmux_gmail::env::splitmix64(self.now_ms()),
        }
    }
}
