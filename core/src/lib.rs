//! gmux-core: the domain model and the host protocol types shared by the extension and gmux-host.
//!
//! This crate does no IO: no files, no network, no async runtime, no browser APIs. Everything here is
//! plain data and pure functions, testable natively.

pub mod calendar;
pub mod category;
pub mod compose;
pub mod head;
pub mod icon;
pub mod ids;
pub mod inbox;
pub mod listing;
pub mod messages;
pub mod notify;
pub mod offline;
pub mod png;
pub mod protocol;
pub mod reader;
pub mod reply;
pub mod settings;
pub mod status;
pub mod text;
pub mod triage;
pub mod trust;
pub mod view;
pub mod views;
