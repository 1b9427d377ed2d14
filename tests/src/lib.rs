//! Browser harness for the end-to-end tests: real Chromium (chromedriver) and Firefox ESR (geckodriver) with the
//! built extension loaded and the real gmux-host installed into a fresh profile.
//!
//! ```no_run
//! use gmux_e2e::{Browser, ExtensionBrowser, HostSetup};
//! let mut browser = ExtensionBrowser::launch(Browser::Chromium, HostSetup::Installed)?;
//! let status = browser.open_popup()?;
//! assert_eq!(status.headline, "connected to gmux-host 0.1.0");
//! # Ok::<(), gmux_e2e::HarnessError>(())
//! ```

pub mod axe;
mod browser;
mod driver;
pub mod faults;
pub mod floor;
mod host;
pub mod hostile;
mod pages;
pub mod paths;
pub mod reader;
pub mod reader_hostile;
mod sync;
pub mod views;
mod webdriver;

pub use browser::{
    popup_load_times, Browser, ExtensionBrowser, HandshakeLoad, HostSetup, PopupStatus,
};
pub use driver::DriverProcess;
pub use pages::{
    cold_first_row_times, connected_status, demo_store, first_row_miss, first_row_times,
    target_line, unix_now_ms, BadgeView, FirstRowTiming, InboxView, PageTimings, RowView,
    FLOOR_BLANK,
};
pub use sync::{
    add_account_through_consent, configure_host_for_emulator, configure_host_with_accounts,
    configure_host_with_test_client, emulator_binary, EmulatorProcess,
};
pub use webdriver::{Session, WebDriverClient};

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error("{what} not found at {}: run `cargo xtask test`, which builds it and sets GMUX_HOST_BIN/GMUX_DIST_DIR", .path.display())]
    Missing { what: &'static str, path: PathBuf },
    #[error(
        "{what} is not installed: run `cargo xtask test`, which installs the test prerequisites"
    )]
    ToolMissing { what: &'static str },
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("webdriver {command} failed: {error}: {message}")]
    WebDriver {
        command: String,
        error: String,
        message: String,
    },
    #[error("webdriver {command}: no answer: {detail}")]
    Transport { command: String, detail: String },
    #[error("{driver} did not become ready: {detail}")]
    DriverStart { driver: String, detail: String },
    #[error("gmux-host install failed: {0}")]
    HostInstall(String),
    #[error("timed out waiting for {what}; last seen: {last}")]
    Timeout { what: String, last: String },
    #[error("unexpected answer: {0}")]
    Unexpected(String),
}

impl HarnessError {
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> HarnessError {
        let context = context.into();
        move |source| HarnessError::Io { context, source }
    }
}

pub type Result<T, E = HarnessError> = std::result::Result<T, E>;

/// A harness result in a test: the value, or the test fails with the harness's sentence.
pub fn ok<T>(result: Result<T>) -> T {
    result.unwrap_or_else(|e| panic!("{e}"))
}

/// The accounts of the inbox store in a `storage.local` snapshot (as [`ExtensionBrowser::storage`] reads it).
pub fn stored_accounts(local: &serde_json::Value) -> Vec<serde_json::Value> {
    local["inbox"]["accounts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The stored inbox of the account with `email` in a `storage.local` snapshot; panics when there is none.
pub fn stored_account_by_email(local: &serde_json::Value, email: &str) -> serde_json::Value {
    stored_accounts(local)
        .into_iter()
        .find(|a| a["account"]["email"] == email)
        .unwrap_or_else(|| panic!("no {email} in the store"))
}

/// Whether the snapshot's store holds `n` accounts, each synced and healthy.
pub fn all_synced(local: &serde_json::Value, n: usize) -> bool {
    let all = stored_accounts(local);
    all.len() == n
        && all
            .iter()
            .all(|a| a["account"]["health"] == "ok" && a["history_id"].is_string())
}

/// Asks the background to sync every account now (the `sync_now` intent) and checks it accepted.
pub fn sync_now(instance: &ExtensionBrowser) {
    let reply = ok(instance.send_intent(serde_json::json!({"type": "sync_now"})));
    assert_eq!(reply["ok"], true, "sync_now: {reply}");
}

/// Waits until `done` holds, asking every 50 ms; fails the test, naming `what`, once `deadline` has passed.
pub fn wait_until(what: &str, deadline: std::time::Duration, done: impl Fn() -> bool) {
    let until = std::time::Instant::now() + deadline;
    while !done() {
        assert!(
            std::time::Instant::now() < until,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The median of some measurements (the mean of the middle two for an even count; NaN for none), for the
/// benchmark programs.
pub fn median(times: &[f64]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}
