//! The poll alarm: every account is synced when it fires (background.js delivers it as `alarm:poll`). Its
//! period is `gmux_core::notify::poll_plan`'s: the user's choice or 30 s, no shorter than the browser allows.

use gmux_core::messages::Settings;
use gmux_core::notify::{poll_plan, Browser};
use wasm_bindgen::JsValue;

use crate::browser;

/// The alarm that polls every account.
pub const POLL_ALARM: &str = "poll";

/// The alarm's period in minutes for these settings in this browser.
pub fn period_minutes(browser: Browser, settings: &Settings) -> f64 {
    poll_plan(browser, settings.poll_period_ms(), false).alarm_period_minutes
}

/// Creates the poll alarm unless it exists with this period: re-creating it at every start would postpone it
/// each time the background restarts.
pub async fn ensure_poll_alarm(minutes: f64) {
    match browser::alarm_period_minutes(POLL_ALARM).await {
        Ok(Some(period)) if (period - minutes).abs() < 1e-9 => {}
        _ => set_poll_alarm(minutes).await,
    }
}

/// Moves the poll alarm to a new period.
pub async fn set_poll_alarm(minutes: f64) {
    if let Err(e) = browser::create_alarm(POLL_ALARM, minutes).await {
        web_sys::console::warn_1(&JsValue::from_str(&format!(
            "gmux: the poll alarm could not be set: {e}"
        )));
    }
}
