//! The words gmux shows people, in the browser's UI language (issue 20). Every string a page or the background
//! shows is a key of `static/_locales/en/messages.json`; the other catalogues translate those keys. Mail
//! (subjects, senders, addresses, snippets) is never translated.
//!
//! A key missing from the catalogues shows as the key itself, which the catalogue test (`xtask/src/locales.rs`) and the languages
//! browser test catch long before a person would.

use crate::browser;

/// The message `key` in the browser's language.
pub fn t(key: &str) -> String {
    t_with(key, &[])
}

/// The message `key` with `$1`, `$2`… replaced by `substitutions` in order.
pub fn t_with(key: &str, substitutions: &[&str]) -> String {
    browser::message(key, substitutions).unwrap_or_else(|| key.to_string())
}

/// A date in the list, in the browser's language: the form is core's decision (`view::date_form`), the words
/// and their order are `Intl`'s (`14:05` or `2:05 PM`, `23. Nov.` or `Nov 23`).
pub fn shown_date(date_ms: u64, now_ms: u64, tz_offset_minutes: i32) -> String {
    use gmux_core::view::DateForm;
    let form = gmux_core::view::date_form(date_ms, now_ms, tz_offset_minutes);
    let options: &[(&str, &str)] = match form {
        DateForm::Yesterday => return t("yesterday"),
        DateForm::Time => &[("hour", "numeric"), ("minute", "2-digit")],
        DateForm::DayMonth => &[("day", "numeric"), ("month", "short")],
        DateForm::DayMonthYear => &[("day", "numeric"), ("month", "short"), ("year", "numeric")],
    };
    formatted(form as usize, options, date_ms)
        .unwrap_or_else(|| gmux_core::view::relative_date(date_ms, now_ms, tz_offset_minutes))
}

/// The full date and time for a tooltip, in the browser's language.
pub fn full_date(date_ms: u64, tz_offset_minutes: i32) -> String {
    formatted(
        FULL,
        &[("dateStyle", "medium"), ("timeStyle", "short")],
        date_ms,
    )
    .unwrap_or_else(|| gmux_core::view::full_date(date_ms, tz_offset_minutes))
}

/// A time of day, in the browser's language (`14:05`, `2:05 PM`).
pub fn time_of_day(date_ms: u64) -> String {
    formatted(
        gmux_core::view::DateForm::Time as usize,
        &[("hour", "numeric"), ("minute", "2-digit")],
        date_ms,
    )
    .unwrap_or_default()
}

const FULL: usize = 4;

thread_local! {
    /// One `Intl.DateTimeFormat` per form, made once: making one costs far more than formatting with it.
    static FORMATS: std::cell::RefCell<[Option<js_sys::Intl::DateTimeFormat>; 5]> =
        const { std::cell::RefCell::new([None, None, None, None, None]) };
}

fn formatted(slot: usize, options: &[(&str, &str)], date_ms: u64) -> Option<String> {
    use wasm_bindgen::JsValue;
    let format = FORMATS.with(|formats| {
        let mut formats = formats.borrow_mut();
        if formats[slot].is_none() {
            let object = js_sys::Object::new();
            for (name, value) in options {
                js_sys::Reflect::set(&object, &JsValue::from_str(name), &JsValue::from_str(value))
                    .ok()?;
            }
            let locales = js_sys::Array::new();
            if let Some(language) = browser::ui_language() {
                locales.push(&JsValue::from_str(&language));
            }
            formats[slot] = Some(js_sys::Intl::DateTimeFormat::new(&locales, &object));
        }
        formats[slot].clone()
    })?;
    let date = js_sys::Date::new(&JsValue::from_f64(date_ms.min(8_640_000_000_000_000) as f64));
    format.format().call1(&format, &date).ok()?.as_string()
}

/// A whole number as the browser's language writes it (`15,000`, `15.000`).
pub fn number(n: u64) -> String {
    let locales = js_sys::Array::new();
    if let Some(language) = browser::ui_language() {
        locales.push(&wasm_bindgen::JsValue::from_str(&language));
    }
    let format = js_sys::Intl::NumberFormat::new(&locales, &js_sys::Object::new());
    format
        .format()
        .call1(&format, &wasm_bindgen::JsValue::from_f64(n as f64))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| n.to_string())
}
