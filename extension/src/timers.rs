//! Timers and clocks through the global object: pages have `window`, the Chrome service worker does not.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A function of the global object (`setTimeout`, `requestAnimationFrame`), where this context has it.
fn global_function(name: &str) -> Option<Function> {
    Reflect::get(&js_sys::global(), &JsValue::from_str(name))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
}

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _reject| {
        if let Some(set_timeout) = global_function("setTimeout") {
            let _ = set_timeout.call2(&js_sys::global(), &resolve, &JsValue::from(ms));
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Resolves once the page has painted the frame after now (a task after the next animation frame), or after
/// `at_most_ms` when no frame comes (a hidden tab paints nothing). Work that waits for it stays off the first
/// paint's path.
#[cfg(feature = "pages")]
pub async fn after_next_paint(at_most_ms: i32) {
    frame(at_most_ms, true).await;
}

/// Resolves in the next animation frame, before its paint (what is drawn then is in that frame), or after
/// `at_most_ms` when no frame comes (a hidden tab paints nothing).
#[cfg(feature = "pages")]
pub async fn next_frame(at_most_ms: i32) {
    frame(at_most_ms, false).await;
}

/// Resolves in the next animation frame, or with `after_paint` in a task queued from it; after `at_most_ms` at
/// the latest.
#[cfg(feature = "pages")]
async fn frame(at_most_ms: i32, after_paint: bool) {
    let promise = Promise::new(&mut |resolve, _reject| {
        let global = js_sys::global();
        let (Some(set_timeout), Some(frame)) = (
            global_function("setTimeout"),
            global_function("requestAnimationFrame"),
        ) else {
            let _ = resolve.call0(&JsValue::UNDEFINED);
            return;
        };
        let _ = set_timeout.call2(&global, &resolve, &JsValue::from(at_most_ms));
        if after_paint {
            // The animation frame runs before its paint; a task queued from it runs after.
            let queue = wasm_bindgen::closure::Closure::once_into_js(move || {
                let _ = set_timeout.call2(&js_sys::global(), &resolve, &JsValue::from(0));
            });
            let _ = frame.call1(&global, &queue);
        } else {
            let _ = frame.call1(&global, &resolve);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Milliseconds since this context's time origin (for a page: navigation start).
#[cfg(any(feature = "pages", feature = "reader"))]
pub fn now_ms() -> f64 {
    Reflect::get(&js_sys::global(), &JsValue::from_str("performance"))
        .ok()
        .and_then(|performance| performance.dyn_into::<web_sys::Performance>().ok())
        .map(|performance| performance.now())
        .unwrap_or(0.0)
}

/// `now_ms()` as text with one decimal, for the bench's stamps. Written by hand: `format!("{:.1}")` would link
/// Rust's float formatting (about 15 KB of wasm) into a module that otherwise never prints a float.
#[cfg(any(feature = "pages", feature = "reader"))]
pub fn stamp_now() -> String {
    tenths(now_ms())
}

/// `ms` with one decimal, rounded down; a negative or non-finite value is "0.0".
#[cfg(any(feature = "pages", feature = "reader", test))]
fn tenths(ms: f64) -> String {
    let t = if ms.is_finite() && ms > 0.0 {
        (ms * 10.0) as u64
    } else {
        0
    };
    format!("{}.{}", t / 10, t % 10)
}

#[cfg(test)]
mod tests {
    #[test]
    fn stamps_keep_one_decimal() {
        for (ms, text) in [
            (0.0, "0.0"),
            (12.34, "12.3"),
            (1500.0, "1500.0"),
            (-3.0, "0.0"),
            (f64::NAN, "0.0"),
        ] {
            assert_eq!(super::tenths(ms), text, "{ms}");
        }
    }
}
