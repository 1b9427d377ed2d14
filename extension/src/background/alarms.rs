//! The poll alarm: every account is synced when it fires (background.js delivers it as `alarm:poll`).

use wasm_bindgen::JsValue;

use crate::browser;

/// The alarm that polls every account.
pub const POLL_ALARM: &str = "poll";

/// Creates the poll alarm unless it exists with the configured period: re-creating it at every start would
/// postpone it each time the background restarts.
pub async fn ensure_poll_alarm(minutes: u32) {
    let minutes = minutes.max(1);
    match browser::alarm_period_minutes(POLL_ALARM).await {
        Ok(Some(period)) if (period - f64::from(minutes)).abs() < f64::EPSILON => {}
        _ => set_poll_alarm(minutes).await,
    }
}

/// Moves the poll alarm to a new period.
pub async fn set_poll_alarm(minutes: u32) {
    if let Err(e) = browser::create_alarm(POLL_ALARM, f64::from(minutes.max(1))).await {
        web_sys::console::warn_1(&JsValue::from_str(&format!(
            "gmux: the poll alarm could not be set: {e}"
        )));
    }
}
