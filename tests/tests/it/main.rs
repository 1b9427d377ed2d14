//! Browser tests: real Chromium and Firefox ESR, the built extension, the real gmux-host.
//! Build everything first with `cargo xtask test` (or `cargo xtask dist` and `cargo build -p gmux-host`).

mod accessibility;
mod compose;
mod demo;
mod faults;
mod gmail_tab;
mod hardening;
mod hostile;
mod keyboard;
mod languages;
mod notifications;
mod offline;
mod popup;
mod reader;
mod reader_hostile;
mod stale_page;
mod sync_background;
mod toolbar_icon;
mod triage;
mod ui_end_to_end;
mod ui_inbox;
mod views;
