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
const WEEKDAY_TIME: usize = 5;
const WEEKDAY_DAY_TIME: usize = 6;

/// A snooze menu line's time, in the browser's language: the time today, else the weekday and time (the
/// choices are at most a week ahead).
pub fn snooze_menu_time(ms: u64, now_ms: u64, tz_offset_minutes: i32) -> String {
    use gmux_core::triage::{snooze_form, SnoozeForm};
    if snooze_form(ms, now_ms, tz_offset_minutes) == SnoozeForm::Today {
        return time_of_day(ms);
    }
    formatted(
        WEEKDAY_TIME,
        &[
            ("weekday", "short"),
            ("hour", "numeric"),
            ("minute", "2-digit"),
        ],
        ms,
    )
    .unwrap_or_else(|| gmux_core::triage::snooze_menu_time(ms, now_ms, tz_offset_minutes))
}

/// When a snooze ends, in the browser's language: the form is core's decision (`triage::snooze_form`: the time
/// today, "tomorrow" and the time, else the weekday, date and time), the words are `Intl`'s.
pub fn snooze_time(ms: u64, now_ms: u64, tz_offset_minutes: i32) -> String {
    use gmux_core::triage::{snooze_form, SnoozeForm};
    match snooze_form(ms, now_ms, tz_offset_minutes) {
        SnoozeForm::Today => time_of_day(ms),
        SnoozeForm::Tomorrow => t_with("snoozeTomorrowAt", &[&time_of_day(ms)]),
        SnoozeForm::Later => formatted(
            WEEKDAY_DAY_TIME,
            &[
                ("weekday", "short"),
                ("day", "numeric"),
                ("month", "short"),
                ("hour", "numeric"),
                ("minute", "2-digit"),
            ],
            ms,
        )
        .unwrap_or_else(|| gmux_core::triage::snooze_time_text(ms, now_ms, tz_offset_minutes)),
    }
}

thread_local! {
    /// One `Intl.DateTimeFormat` per form, made once: making one costs far more than formatting with it.
    static FORMATS: std::cell::RefCell<[Option<js_sys::Intl::DateTimeFormat>; 7]> =
        const { std::cell::RefCell::new([None, None, None, None, None, None, None]) };
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

/// A number with at most one decimal, as the browser's language writes it (`3.4`, `3,4`).
pub fn decimal(n: f64) -> String {
    let locales = js_sys::Array::new();
    if let Some(language) = browser::ui_language() {
        locales.push(&wasm_bindgen::JsValue::from_str(&language));
    }
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(
        &options,
        &wasm_bindgen::JsValue::from_str("maximumFractionDigits"),
        &wasm_bindgen::JsValue::from_f64(1.0),
    );
    let format = js_sys::Intl::NumberFormat::new(&locales, &options);
    format
        .format()
        .call1(&format, &wasm_bindgen::JsValue::from_f64(n))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| format!("{n:.1}"))
}

/// A size in the browser's language: `512 bytes`, `12 KB`, `3.4 MB` (`3,4 MB` in German), rounded up as core's
/// `size_label` does.
pub fn size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    match bytes {
        0..KB => t_with("sizeBytes", &[&number(bytes)]),
        KB..MB => t_with("sizeKB", &[&number(bytes.div_ceil(KB))]),
        _ => {
            let tenths = (bytes * 10).div_ceil(MB);
            let shown = if tenths >= 100 {
                number(tenths.div_ceil(10))
            } else {
                decimal(tenths as f64 / 10.0)
            };
            t_with("sizeMB", &[&shown])
        }
    }
}

/// What went wrong with Gmail for an account (`cause`, gmux-gmail's data), in the browser's language: after a
/// background sync (`after_sync`: gmux retries by itself) or after something the person asked for now (they try
/// again). Gmail's and gmux-host's own reasons are quoted as they came.
pub fn cause_words(cause: &gmux_core::messages::Cause, after_sync: bool) -> String {
    use gmux_core::messages::Cause;
    match (cause, after_sync) {
        (Cause::ReauthRequired, _) => t("causeReauth"),
        (Cause::NoToken { reason }, _) => t_with("causeNoToken", &[reason]),
        (Cause::Offline, true) => t("causeSyncOffline"),
        (Cause::Offline, false) => t("causeOffline"),
        (Cause::ScopeMissing, true) => t("causeSyncScope"),
        (Cause::ScopeMissing, false) => t("causeScope"),
        (Cause::Unreadable, true) => t("causeSyncUnreadable"),
        (Cause::Unreadable, false) => t("causeUnreadable"),
        (
            Cause::NotFound | Cause::Busy { .. } | Cause::Refused { .. } | Cause::GmailError { .. },
            true,
        ) => t_with("causeSyncGmailError", &[&cause.gmail_code()]),
        (Cause::NotFound, false) => t("causeNotFound"),
        (Cause::Busy { .. }, false) => t("causeBusy"),
        (Cause::Refused { message, .. }, false) => t_with("causeRefused", &[message]),
        (Cause::GmailError { .. }, false) => t_with("causeGmailError", &[&cause.gmail_code()]),
    }
}

/// A refused action on one conversation: what did not happen, and why.
pub fn action_failed_words(
    action: gmux_core::messages::ThreadAction,
    cause: &gmux_core::messages::Cause,
) -> String {
    use gmux_core::messages::ThreadAction;
    let why = cause_words(cause, false);
    match action {
        ThreadAction::MarkRead => t_with("actionFailedMarkRead", &[&why]),
        ThreadAction::MarkUnread => t_with("actionFailedMarkUnread", &[&why]),
        ThreadAction::Archive => t_with("actionFailedArchive", &[&why]),
        ThreadAction::Trash => t_with("actionFailedTrash", &[&why]),
        ThreadAction::Star => t_with("actionFailedStar", &[&why]),
        ThreadAction::Unstar => t_with("actionFailedUnstar", &[&why]),
    }
}

/// A conversation (`attachment` false) or an attachment Gmail did not give the reader, and why.
pub fn reading_failed_words(cause: &gmux_core::messages::Cause, attachment: bool) -> String {
    match (cause, attachment) {
        (gmux_core::messages::Cause::NotFound, false) => t("conversationGone"),
        (gmux_core::messages::Cause::NotFound, true) => t("attachmentGone"),
        (cause, false) => t_with("conversationNotLoadedWhy", &[&cause_words(cause, false)]),
        (cause, true) => t_with("attachmentNotDownloadedWhy", &[&cause_words(cause, false)]),
    }
}

/// The reply when something asked could not even start: gmux is not connected to Gmail yet (`account_known`),
/// or no such account.
pub fn not_started(account_known: bool) -> gmux_core::messages::IntentReply {
    use gmux_core::messages::{IntentError, IntentReply};
    if account_known {
        IntentReply::failed(IntentError::HostUnavailable, t("toastHostNotConnected"))
    } else {
        IntentReply::failed(IntentError::AccountUnknown, t("unknownAccountReload"))
    }
}

/// The reply when gmux-host is not connected, with the browser's own reason (its words) when there is one.
pub fn host_unavailable(reason: Option<&str>) -> gmux_core::messages::IntentReply {
    let words = match reason
        .map(|r| r.trim().trim_end_matches('.'))
        .filter(|r| !r.is_empty())
    {
        Some(reason) => t_with("hostNotConnectedBecause", &[reason]),
        None => t("toastHostNotConnected"),
    };
    gmux_core::messages::IntentReply::host_unavailable(words)
}
